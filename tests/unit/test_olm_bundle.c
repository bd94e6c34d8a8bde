/* The OLM bundle (deploy/olm/bundle/) is what scripts/bundle.py makes of
 * deploy/ now, and holds what OLM requires: regenerated into a temporary
 * directory it is byte for byte the committed one, and
 * tests/unit/py/olm_bundle_check.py finds the CSV's required fields, every
 * CRD of deploy/ owned and shipped as rendered, and each ServiceAccount's
 * permissions equal to deploy/rbac's. A copy of deploy/ with a CRD, a
 * ClusterRole's permission or a Role changed and no bundle regenerated
 * fails both checks, so the test can fail. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#define DEPLOY MGO_SOURCE_DIR "/deploy"
#define BUNDLE DEPLOY "/olm/bundle"
#define GENERATE MGO_SOURCE_DIR "/scripts/bundle.py"
#define CHECK MGO_SOURCE_DIR "/tests/unit/py/olm_bundle_check.py"

static char *dir;
/* run_python's environment: no cluster is asked (kubectl kustomize only) */
static struct testenv env;

static void setup(void)
{
	cr_assert(testenv_have_kubectl(), "kubectl is not on PATH (bundle.py renders with it)");
	dir = mgo_test_tmpdir();
	env.dir = dir;
	env.kubeconfig = "/dev/null";
}

static void teardown(void)
{
	mgo_test_rmtree(dir);
	free(dir);
}

TestSuite(olm_bundle, .init = setup, .fini = teardown, .timeout = 120);

/* python3 script args...: its exit status, *out its output (caller frees) */
static int python(const char *script, const char *const args[], char **out)
{
	int code = -1;

	run_python(&env, script, args, out, &code);
	return code;
}

/* Generates a bundle from deploy (a kustomization) into dir/name/bundle;
 * returns the path (caller frees). */
static char *generate(const char *deploy, const char *name)
{
	char *out, *bundle;

	cr_assert(asprintf(&bundle, "%s/%s/bundle", dir, name) > 0);
	cr_assert_eq(python(GENERATE, (const char *[]){"--deploy", deploy, "--out", bundle, NULL},
			    &out), 0, "bundle.py failed:\n%s", out);
	free(out);
	return bundle;
}

Test(olm_bundle, regenerated_equals_committed_and_holds_what_olm_requires)
{
	char *bundle = generate(DEPLOY, "now"), *out;
	int code = python(CHECK, (const char *[]){"--bundle", BUNDLE, "--deploy", DEPLOY,
						  "--regenerated", bundle, NULL}, &out);

	cr_expect_eq(code, 0, "%s", out);
	cr_expect(strstr(out, "bundle OK"), "%s", out);
	free(out);
	free(bundle);
}

/* A copy of deploy/ in dir/deploy with `from` replaced by `to` in file
 * (relative to deploy/; exactly once); returns its path (caller frees). */
static char *changed_deploy(const char *file, const char *from, const char *to)
{
	char *copy, *path, *text = NULL, *at, *out;
	size_t len = 0;
	FILE *f;

	cr_assert(asprintf(&copy, "%s/deploy", dir) > 0);
	cr_assert_eq(python("-c", (const char *[]){"import shutil, sys; "
						   "shutil.copytree(sys.argv[1], sys.argv[2])",
						   DEPLOY, copy, NULL}, &out), 0, "%s", out);
	free(out);
	cr_assert(asprintf(&path, "%s/%s", copy, file) > 0);
	f = fopen(path, "r");
	cr_assert(f, "%s", path);
	cr_assert(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	at = strstr(text, from);
	cr_assert(at && !strstr(at + 1, from), "%s is not once in %s", from, file);
	f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	cr_assert_eq(fclose(f), 0);
	free(text);
	free(path);
	return copy;
}

/* deploy/ changed and the bundle not regenerated: both the diff and the
 * validation against the changed deploy/ fail, naming what. */
static void expect_stale(const char *file, const char *from, const char *to, const char *why)
{
	char *copy = changed_deploy(file, from, to);
	char *bundle = generate(copy, "changed"), *out;
	int code = python(CHECK, (const char *[]){"--bundle", BUNDLE, "--deploy", copy,
						  "--regenerated", bundle, NULL}, &out);

	cr_expect_eq(code, 1, "a bundle stale after %s passed:\n%s", file, out);
	cr_expect(strstr(out, "differs from what scripts/bundle.py generates now"), "%s", out);
	cr_expect(strstr(out, why), "no \"%s\" in:\n%s", why, out);
	free(out);
	/* without the diff too: the validation alone sees it */
	code = python(CHECK, (const char *[]){"--bundle", BUNDLE, "--deploy", copy, NULL}, &out);
	cr_expect_eq(code, 1, "%s", out);
	cr_expect(strstr(out, why), "no \"%s\" in:\n%s", why, out);
	free(out);
	free(bundle);
	free(copy);
}

Test(olm_bundle, a_changed_crd_fails_until_regenerated)
{
	expect_stale("crds/operator.openshift.io_mustgathers.yaml", "    shortNames: [mg]",
		     "    shortNames: [mg, mgs]",
		     "the bundle's CRD mustgathers.operator.openshift.io is not deploy/'s");
}

Test(olm_bundle, a_changed_permission_fails_until_regenerated)
{
	expect_stale("rbac/watcher.yaml", "  resources: [serviceaccounts, persistentvolumeclaims]\n"
		     "  verbs: [get]", "  resources: [serviceaccounts, persistentvolumeclaims]\n"
		     "  verbs: [get, list]",
		     "clusterPermissions of mgo-watcher differ from deploy/'s RBAC");
}

Test(olm_bundle, a_changed_role_fails_until_regenerated)
{
	expect_stale("rbac/launcher.yaml", "  resourceNames: [mgo-launcher]\n  verbs: [get, update]",
		     "  resourceNames: [mgo-launcher, other]\n  verbs: [get, update]",
		     "permissions of mgo-launcher differ from deploy/'s RBAC");
}

/* A CRD file added to deploy/crds but not to the kustomization is not
 * owned: the check reads deploy/crds itself. */
Test(olm_bundle, a_crd_file_left_out_of_the_kustomization_is_seen)
{
	char *copy = changed_deploy("crds/operator.openshift.io_mustgatherimages.yaml",
				    "  name: mustgatherimages.operator.openshift.io",
				    "  name: mustgatherimages.operator.openshift.io"), *out, *extra;
	int code;

	extra = mgo_test_write(copy, "crds/extra.yaml",
			       "apiVersion: apiextensions.k8s.io/v1\n"
			       "kind: CustomResourceDefinition\n"
			       "metadata:\n  name: mustgatherthings.operator.openshift.io\n");
	code = python(CHECK, (const char *[]){"--bundle", BUNDLE, "--deploy", copy, NULL}, &out);
	cr_expect_eq(code, 1, "%s", out);
	cr_expect(strstr(out, "CRD mustgatherthings.operator.openshift.io is not owned"), "%s",
		  out);
	free(out);
	free(extra);
	free(copy);
}

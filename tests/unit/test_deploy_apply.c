/* deploy/ as an administrator installs it: `kubectl apply -k deploy/`
 * against a fresh test API server creates every object `kubectl kustomize
 * deploy/` lists; the credentials are wired the way the design says (each
 * binding's subject is the ServiceAccount whose token mgo-tokens mints into
 * a memory emptyDir where mgo.yaml tells that role to read it, the pod's own
 * projected token may mint those two and do nothing else, and no Secret is
 * in deploy/); only the launcher can
 * create Jobs and the watcher cannot write at all, asked of the server's
 * RBAC (SubjectAccessReview) and read from the rules; the operator
 * image and mgo.yaml's operatorImage (the upload step's image) agree in
 * the base and in every overlay; and the admission policies are a component
 * left out of the base (which then applies before Kubernetes 1.30), whose
 * images agree with mgo.yaml wherever it is included. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/config.h"
#include "tas_manifest.h"
#include "testenv.h"

#define DEPLOY MGO_SOURCE_DIR "/deploy"

static struct testenv env;

static void setup(void)
{
	cr_assert(testenv_have_kubectl(), "kubectl is not on PATH");
	testenv_start(&env, NULL);
}

static void teardown(void)
{
	testenv_stop(&env);
}

TestSuite(deploy_apply, .init = setup, .fini = teardown, .timeout = 180);

/* kubectl argv...; its output (caller frees), failing the test unless it
 * exits 0. */
static char *kubectl(const char *const argv[])
{
	char *out = NULL;
	int code = -1;

	run_kubectl(&env, argv, &out, &code);
	cr_assert_eq(code, 0, "kubectl %s %s exited %d:\n%s", argv[0], argv[1] ?: "", code,
		     out ?: "");
	return out;
}

/* The objects `kubectl kustomize dir` renders (new array). */
static json_t *kustomize(const char *dir)
{
	char err[256];
	char *out = kubectl((const char *[]){"kustomize", dir, NULL});
	json_t *docs = tas_manifest_documents(out, strlen(out), err, sizeof(err));

	cr_assert(docs, "kustomize %s: %s\n%s", dir, err, out);
	free(out);
	return docs;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *meta(const json_t *o, const char *key)
{
	return str(json_object_get(o, "metadata"), key);
}

/* The one object of docs of that kind (and name, unless NULL); borrowed. */
static const json_t *find(const json_t *docs, const char *kind, const char *name)
{
	const json_t *hit = NULL;
	size_t i;
	json_t *d;

	json_array_foreach(docs, i, d) {
		if (strcmp(str(d, "kind") ?: "", kind) || (name && strcmp(meta(d, "name") ?: "", name)))
			continue;
		cr_assert(!hit, "more than one %s %s", kind, name ?: "");
		hit = d;
	}
	cr_assert(hit, "no %s %s", kind, name ?: "");
	return hit;
}

/* What the Deployment and its ConfigMap say about the operator. */
struct rendered {
	json_t *docs;
	const json_t *pod;       /* the Deployment's pod template spec */
	const json_t *container; /* its only container */
	struct mgo_config cfg;   /* the ConfigMap's mgo.yaml, parsed as the operator does */
};

static const json_t *volume(const json_t *pod, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(pod, "volumes"), i, v)
		if (strcmp(str(v, "name") ?: "", name) == 0)
			return v;
	cr_assert_fail("no volume %s", name);
	return NULL;
}

/* The volume mounted at dir in the container (borrowed). */
static const json_t *volume_at(const struct rendered *r, const char *dir)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(r->container, "volumeMounts"), i, m)
		if (strcmp(str(m, "mountPath") ?: "", dir) == 0)
			return volume(r->pod, str(m, "name"));
	cr_assert_fail("nothing is mounted at %s", dir);
	return NULL;
}

static void render(const char *dir, struct rendered *r)
{
	const json_t *args, *cm_vol, *cm;
	char path[PATH_MAX], err[256];
	const char *file, *text;
	size_t i;

	r->docs = kustomize(dir);
	r->pod = json_object_get(json_object_get(json_object_get(find(r->docs, "Deployment", NULL),
								 "spec"), "template"), "spec");
	cr_assert_eq(json_array_size(json_object_get(r->pod, "containers")), 1);
	r->container = json_array_get(json_object_get(r->pod, "containers"), 0);
	/* the file --config names, through its mount, in the generated ConfigMap */
	args = json_object_get(r->container, "args");
	for (i = 0; i + 1 < json_array_size(args); i++)
		if (strcmp(json_string_value(json_array_get(args, i)) ?: "", "--config") == 0)
			break;
	cr_assert(i + 1 < json_array_size(args), "the container passes no --config");
	snprintf(path, sizeof(path), "%s", json_string_value(json_array_get(args, i + 1)));
	file = strrchr(path, '/');
	cr_assert(file && file != path, "--config %s is not an absolute file path", path);
	path[file - path] = '\0';
	cm_vol = json_object_get(volume_at(r, path), "configMap");
	cr_assert(cm_vol, "%s is not a ConfigMap volume", path);
	cm = find(r->docs, "ConfigMap", str(cm_vol, "name"));
	text = str(json_object_get(cm, "data"), file + 1);
	cr_assert(text, "ConfigMap %s has no key %s", str(cm_vol, "name"), file + 1);
	cr_assert_eq(mgo_cfg_load_mem(text, strlen(text), file + 1, &r->cfg, err, sizeof(err)), 0,
		     "%s: %s", dir, err);
}

static void rendered_free(struct rendered *r)
{
	mgo_cfg_free(&r->cfg);
	json_decref(r->docs);
}

Test(deploy_apply, apply_creates_every_object)
{
	json_t *docs = kustomize(DEPLOY), *got, *items, *d;
	char err[256], *out;
	size_t i, k;

	free(kubectl((const char *[]){"apply", "-k", DEPLOY, NULL}));
	out = kubectl((const char *[]){"get", "-k", DEPLOY, "-o", "json", NULL});
	got = tas_manifest_documents(out, strlen(out), err, sizeof(err));
	cr_assert(got, "%s\n%s", err, out);
	items = json_object_get(json_array_get(got, 0), "items");
	cr_expect_eq(json_array_size(items), json_array_size(docs));
	json_array_foreach(docs, i, d) {
		bool found = false;
		for (k = 0; k < json_array_size(items) && !found; k++) {
			const json_t *o = json_array_get(items, k);
			found = strcmp(str(o, "apiVersion") ?: "", str(d, "apiVersion") ?: "-") == 0 &&
				strcmp(str(o, "kind") ?: "", str(d, "kind") ?: "-") == 0 &&
				strcmp(meta(o, "name") ?: "", meta(d, "name") ?: "-") == 0 &&
				strcmp(meta(o, "namespace") ?: "", meta(d, "namespace") ?: "") == 0;
		}
		cr_expect(found, "%s %s/%s was not created", str(d, "kind"), meta(d, "namespace") ?: "",
			  meta(d, "name"));
	}
	free(out);
	/* applying again changes nothing: the manifests are what the server keeps */
	out = kubectl((const char *[]){"apply", "-k", DEPLOY, NULL});
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		/* except CRDs: the test server publishes no OpenAPI schema for them,
		 * so kubectl merge-patches their lists whole (its README says so) */
		cr_expect(strstr(line, " unchanged") ||
				  strncmp(line, "customresourcedefinition.", 25) == 0,
			  "a second apply changed something: %s", line);
	free(out);
	json_decref(got);
	json_decref(docs);
}

static const char *const roles[] = {"watcher", "launcher"};

static const struct mgo_cfg_role *cfg_role(const struct mgo_config *c, size_t i)
{
	return i == 0 ? &c->watcher : &c->launcher;
}

/* The ServiceAccount whose token mgo-tokens mints where mgo.yaml has role i
 * read it: the role's tokenFile lies in a memory emptyDir (nothing from the
 * cluster is mounted there), and the account is in the namespace. */
static const char *role_account(const struct rendered *r, size_t i)
{
	const struct mgo_cfg_role *role = cfg_role(&r->cfg, i);
	char dir[PATH_MAX];
	const json_t *ed;
	const char *sa = i == 0 ? r->cfg.tokens.watcher_sa : r->cfg.tokens.launcher_sa;

	cr_assert(r->cfg.tokens.enabled, "mgo.yaml has no tokens: nothing mints the roles' tokens");
	cr_assert(role->token_file, "mgo.yaml gives %s no tokenFile", roles[i]);
	snprintf(dir, sizeof(dir), "%s", role->token_file);
	/* mgo-tokens makes the role's directory inside the mount */
	ed = json_object_get(volume_at(r, dirname(dirname(dir))), "emptyDir");
	cr_assert(ed, "%s's token is not written into an emptyDir", roles[i]);
	cr_expect_str_eq(str(ed, "medium") ?: "", "Memory", "a token would touch a disk");
	cr_expect_str_eq(meta(find(r->docs, "ServiceAccount", sa), "namespace") ?: "",
			 r->cfg.namespace);
	return sa;
}

/* Which role a binding serves, by its roleRef (mgo-<role> or mgo-<role>-*);
 * 2: mgo-tokens, the pod's own account's. */
static int binding_role(const json_t *b)
{
	static const char *const all[] = {"watcher", "launcher", "tokens"};
	const char *ref = str(json_object_get(b, "roleRef"), "name") ?: "";

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(all[i]);
		if (strncmp(ref, "mgo-", 4) == 0 && strncmp(ref + 4, all[i], n) == 0 &&
		    (ref[4 + n] == '\0' || ref[4 + n] == '-'))
			return (int)i;
	}
	return -1;
}

Test(deploy_apply, each_binding_names_the_account_whose_token_its_role_holds)
{
	struct rendered r;
	const char *sa[3];
	const char *pod_sa, *pod_dir;
	bool bound[3] = {false, false, false};
	size_t i, k, n_token_sources = 0;
	char dir[PATH_MAX];
	json_t *d, *v;

	render(DEPLOY, &r);
	for (i = 0; i < 2; i++) {
		sa[i] = role_account(&r, i);
		for (k = 0; k < r.cfg.n_operator_sas && strcmp(r.cfg.operator_sas[k], sa[i]); k++)
			;
		cr_expect(k < r.cfg.n_operator_sas,
			  "%s is not in operatorServiceAccounts (MustGathers could run as it)", sa[i]);
	}
	cr_expect_str_neq(sa[0], sa[1], "the roles share an account");
	/* the pod's own account mints, and its token is projected where
	 * mgo.yaml's tokens.tokenFile says, bound to the pod, not automounted */
	pod_sa = str(r.pod, "serviceAccountName");
	cr_assert(pod_sa, "the pod names no serviceAccountName (it would run as default)");
	sa[2] = pod_sa;
	cr_expect(strcmp(pod_sa, sa[0]) && strcmp(pod_sa, sa[1]));
	cr_expect(json_is_false(json_object_get(r.pod, "automountServiceAccountToken")));
	snprintf(dir, sizeof(dir), "%s", r.cfg.tokens.creds.token_file);
	pod_dir = dirname(dir);
	json_array_foreach(json_object_get(r.pod, "volumes"), i, v) {
		cr_expect(!json_object_get(v, "secret"), "Secret volume %s", str(v, "name"));
		json_array_foreach(json_object_get(json_object_get(v, "projected"), "sources"), k, d)
			if (json_object_get(d, "serviceAccountToken"))
				n_token_sources++;
	}
	cr_expect_eq(n_token_sources, 1, "one projected token: the pod's own");
	const json_t *sat = json_object_get(json_array_get(json_object_get(json_object_get(
		volume_at(&r, pod_dir), "projected"), "sources"), 0), "serviceAccountToken");
	cr_assert(sat, "%s is not the projected token", pod_dir);
	cr_expect_str_eq(str(sat, "path") ?: "", strrchr(r.cfg.tokens.creds.token_file, '/') + 1);
	json_array_foreach(r.docs, i, d) {
		const char *kind = str(d, "kind") ?: "";
		cr_expect(strcmp(kind, "Secret"), "a Secret %s in deploy/", meta(d, "name"));
	}
	json_array_foreach(r.docs, i, d) {
		const char *kind = str(d, "kind") ?: "";
		int role;
		if (strcmp(kind, "RoleBinding") && strcmp(kind, "ClusterRoleBinding"))
			continue;
		role = binding_role(d);
		cr_expect(role >= 0, "%s %s binds no role of the operator", kind, meta(d, "name"));
		json_array_foreach(json_object_get(d, "subjects"), k, v) {
			cr_expect_str_eq(str(v, "kind") ?: "", "ServiceAccount", "%s %s", kind,
					 meta(d, "name"));
			cr_expect_str_eq(str(v, "namespace") ?: "", r.cfg.namespace);
			if (role >= 0)
				cr_expect_str_eq(str(v, "name") ?: "", sa[role],
						 "%s %s serves %s, whose account is %s", kind,
						 meta(d, "name"), role == 2 ? "mgo-tokens" : roles[role],
						 sa[role]);
		}
		if (role >= 0 && json_array_size(json_object_get(d, "subjects")))
			bound[role] = true;
	}
	cr_expect(bound[0] && bound[1] && bound[2], "an account is bound to nothing");
	rendered_free(&r);
}

/* The server's RBAC decision for account sa (in ns) doing verb on resource
 * (object `name`, or NULL: any). */
static bool allowed_name(const char *ns, const char *sa, const char *verb, const char *group,
			 const char *resource, const char *subresource, const char *in,
			 const char *name)
{
	char user[256], sagroup[256];
	json_t *body, *resp = NULL;
	char *text;
	long code;
	bool ok;

	snprintf(user, sizeof(user), "system:serviceaccount:%s:%s", ns, sa);
	snprintf(sagroup, sizeof(sagroup), "system:serviceaccounts:%s", ns);
	body = json_pack("{s:s, s:s, s:{s:s, s:[s, s, s], s:{s:s, s:s, s:s, s:s, s:s, s:s*}}}",
			 "apiVersion", "authorization.k8s.io/v1", "kind", "SubjectAccessReview",
			 "spec", "user", user, "groups", "system:serviceaccounts", sagroup,
			 "system:authenticated", "resourceAttributes", "namespace", in, "verb", verb,
			 "group", group, "resource", resource, "subresource", subresource, "name",
			 name);
	cr_assert(body);
	text = json_dumps(body, JSON_COMPACT);
	code = testenv_call(&env, env.admin_token, "POST",
			    "/apis/authorization.k8s.io/v1/subjectaccessreviews", NULL, text, &resp);
	cr_assert_eq(code, 201, "SubjectAccessReview: %ld", code);
	ok = json_is_true(json_object_get(json_object_get(resp, "status"), "allowed"));
	json_decref(resp);
	json_decref(body);
	free(text);
	return ok;
}

static bool allowed(const char *ns, const char *sa, const char *verb, const char *group,
		    const char *resource, const char *subresource, const char *in)
{
	return allowed_name(ns, sa, verb, group, resource, subresource, in, NULL);
}

static bool has(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v) ?: "", s) == 0 || strcmp(json_string_value(v) ?: "", "*") == 0)
			return true;
	return false;
}

/* Whether a Role or ClusterRole is granted to account sa by some binding. */
static bool bound_to(const json_t *docs, const json_t *role, const char *sa)
{
	size_t i, k;
	json_t *b, *s;

	json_array_foreach(docs, i, b) {
		const json_t *ref = json_object_get(b, "roleRef");
		if (!strstr(str(b, "kind") ?: "", "Binding") ||
		    strcmp(str(ref, "kind") ?: "", str(role, "kind")) ||
		    strcmp(str(ref, "name") ?: "", meta(role, "name")))
			continue;
		json_array_foreach(json_object_get(b, "subjects"), k, s)
			if (strcmp(str(s, "name") ?: "", sa) == 0)
				return true;
	}
	return false;
}

Test(deploy_apply, only_the_launcher_creates_jobs_and_the_watcher_only_reads)
{
	static const char *const writes[] = {"create", "update", "patch", "delete",
					     "deletecollection"};
	static const char *const reads[] = {"get", "list", "watch"};
	/* what the watcher reads (its ClusterRole; bit k: reads[k]) and what
	 * the launcher writes. ServiceAccounts and claims it only gets, one at a time: a
	 * list or watch would cache the cluster's accounts (issue 11). */
	enum { ALL_READS = 7, GET = 1 };
	static const struct {
		const char *group, *resource, *sub;
		unsigned watcher_reads;
	} targets[] = {
		{"operator.openshift.io", "mustgathers", "", ALL_READS},
		{"operator.openshift.io", "mustgathers", "status", 0},
		{"operator.openshift.io", "mustgathers", "finalizers", 0},
		{"operator.openshift.io", "mustgatherimages", "", ALL_READS},
		{"batch", "jobs", "", ALL_READS},
		{"", "pods", "", ALL_READS},
		{"", "serviceaccounts", "", GET},
		{"", "persistentvolumeclaims", "", GET},
		{"", "events", "", 0},
		{"coordination.k8s.io", "leases", "", 0},
	};
	struct rendered r;
	const char *sa[2];
	size_t i, k, t;
	json_t *d;

	render(DEPLOY, &r);
	sa[0] = role_account(&r, 0);
	sa[1] = role_account(&r, 1);
	free(kubectl((const char *[]){"apply", "-k", DEPLOY, NULL}));
	/* asked of the server, for every account the kustomization makes */
	json_array_foreach(r.docs, i, d) {
		const char *name = meta(d, "name");
		bool launcher;
		if (strcmp(str(d, "kind") ?: "", "ServiceAccount"))
			continue;
		launcher = strcmp(name, sa[1]) == 0;
		cr_expect_eq(allowed(r.cfg.namespace, name, "create", "batch", "jobs", "", "team-a"),
			     launcher, "%s %s create Jobs", name, launcher ? "cannot" : "can");
		cr_expect_eq(allowed(r.cfg.namespace, name, "create", "batch", "jobs", "",
				     r.cfg.namespace), launcher, "%s, in its own namespace", name);
	}
	for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		for (k = 0; k < sizeof(writes) / sizeof(writes[0]); k++)
			cr_expect(!allowed(r.cfg.namespace, sa[0], writes[k], targets[t].group,
					   targets[t].resource, targets[t].sub, "team-a"),
				  "the watcher can %s %s/%s", writes[k], targets[t].resource,
				  targets[t].sub);
		/* the reads it needs are granted (the denials above are RBAC's, not
		 * a review that refuses everything), and no other */
		for (k = 0; targets[t].watcher_reads && k < sizeof(reads) / sizeof(reads[0]); k++)
			cr_expect_eq(allowed(r.cfg.namespace, sa[0], reads[k], targets[t].group,
					     targets[t].resource, "", "team-a"),
				     (targets[t].watcher_reads >> k) & 1, "the watcher %s %s %s",
				     (targets[t].watcher_reads >> k) & 1 ? "cannot" : "can", reads[k],
				     targets[t].resource);
	}
	/* and read from the rules, wildcards included */
	json_array_foreach(r.docs, i, d) {
		const char *kind = str(d, "kind") ?: "";
		json_t *rule;
		if (strcmp(kind, "Role") && strcmp(kind, "ClusterRole"))
			continue;
		json_array_foreach(json_object_get(d, "rules"), k, rule) {
			const json_t *verbs = json_object_get(rule, "verbs");
			if (!bound_to(r.docs, d, sa[1]))
				cr_expect(!(has(json_object_get(rule, "apiGroups"), "batch") &&
					    has(json_object_get(rule, "resources"), "jobs") &&
					    has(verbs, "create")),
					  "%s %s lets someone create Jobs", kind, meta(d, "name"));
			if (!bound_to(r.docs, d, sa[0]))
				continue;
			for (t = 0; t < json_array_size(verbs); t++) {
				const char *v = json_string_value(json_array_get(verbs, t)) ?: "";
				cr_expect(strcmp(v, "get") == 0 || strcmp(v, "list") == 0 ||
						  strcmp(v, "watch") == 0,
					  "the watcher's %s %s grants %s", kind, meta(d, "name"), v);
			}
		}
	}
	rendered_free(&r);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	cr_assert(f, "cannot open %s", path);
	cr_assert(getdelim(&buf, &len, '\0', f) >= 0, "cannot read %s", path);
	fclose(f);
	return buf;
}

/* A copy of deploy/samples/overlay in a temporary directory, its paths
 * into the release (its base and the admission policies' component)
 * pointed at this checkout's deploy/ (path: caller frees and removes). */
static char *sample_overlay(void)
{
#define RELEASE "- ../must-gather-operator/deploy"
	static const char release[] = RELEASE;
	char *dir = mgo_test_tmpdir();
	char *k = slurp(DEPLOY "/samples/overlay/kustomization.yaml");
	char *cfg = slurp(DEPLOY "/samples/overlay/mgo.yaml");
	char real[PATH_MAX], up[PATH_MAX] = "", *text = NULL;
	const char *at, *from = k;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert(f);
	/* kustomize wants the paths relative: up from dir to /, then down */
	cr_assert(realpath(dir, real));
	for (const char *p = real; (p = strchr(p, '/')); p++)
		strcat(up, "../");
	while ((at = strstr(from, release))) {
		fprintf(f, "%.*s- %s%s", (int)(at - from), from, up, &DEPLOY[1]);
		from = at + sizeof(release) - 1;
		n++;
	}
	fputs(from, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert(strstr(k, RELEASE "\n"), "the sample overlay's base is not %s", release);
	cr_assert_eq(n, 2, "the sample overlay names the release %zu times, not twice "
		     "(its base and the admission policies)", n);
	free(mgo_test_write(dir, "kustomization.yaml", text));
	free(mgo_test_write(dir, "mgo.yaml", cfg));
	free(text);
	free(cfg);
	free(k);
	return dir;
}

/* The image in the Deployment is the image mgo.yaml gives the Jobs' upload
 * step, in the base and in the sample overlay, which changes both and
 * narrows the API server egress. */
Test(deploy_apply, operator_image_and_upload_image_agree)
{
	char *dir = sample_overlay();
	char *base_image;
	const json_t *np, *to;
	const char *cidr;
	struct rendered r;

	render(DEPLOY, &r);
	cr_expect_str_eq(str(r.container, "image") ?: "", r.cfg.operator_image, "deploy/");
	base_image = strdup(r.cfg.operator_image);
	rendered_free(&r);
	render(dir, &r);
	cr_expect_str_eq(str(r.container, "image") ?: "", r.cfg.operator_image, "sample overlay");
	cr_expect_str_neq(r.cfg.operator_image, base_image, "the overlay sets no image");
	np = json_object_get(find(r.docs, "NetworkPolicy", NULL), "spec");
	to = json_object_get(json_array_get(json_object_get(np, "egress"), 0), "to");
	cidr = str(json_object_get(json_array_get(to, 0), "ipBlock"), "cidr");
	cr_expect(cidr, "the overlay does not narrow the API server egress");
	rendered_free(&r);
	free(base_image);
	mgo_test_rmtree(dir);
	free(dir);
}

#define POLICIES DEPLOY "/components/admission-policies"

/* The admission policies' image param agrees with the configuration. */
static void expect_policy_images(const json_t *docs, const struct mgo_config *cfg,
				 const char *where)
{
	const json_t *data = json_object_get(find(docs, "ConfigMap", "mgo-admission-images"),
					     "data");

	cr_expect_str_eq(str(data, "defaultImage") ?: "", cfg->default_image, "%s", where);
	cr_expect_str_eq(str(data, "operatorImage") ?: "", cfg->operator_image, "%s", where);
}

Test(deploy_apply, admission_policies_are_a_component_that_agrees_with_the_config)
{
	char *dir = sample_overlay();
	json_t *policies = kustomize(POLICIES), *d;
	struct rendered r;
	size_t i, n = 0;

	/* the base needs no admissionregistration.k8s.io/v1 (Kubernetes 1.30) */
	render(DEPLOY, &r);
	json_array_foreach(r.docs, i, d)
		cr_expect(strncmp(str(d, "apiVersion") ?: "", "admissionregistration.", 22),
			  "deploy/ renders %s %s", str(d, "kind"), meta(d, "name"));
	expect_policy_images(policies, &r.cfg, "the component against deploy/'s mgo.yaml");
	json_array_foreach(policies, i, d)
		n += strcmp(str(d, "kind") ?: "", "ValidatingAdmissionPolicy") == 0;
	cr_expect_eq(n, 4, "the component has %zu policies", n);
	rendered_free(&r);
	/* the sample overlay includes it, and changes both images */
	render(dir, &r);
	find(r.docs, "ValidatingAdmissionPolicy", "mgo-launcher-job-create.operator.openshift.io");
	expect_policy_images(r.docs, &r.cfg, "the sample overlay");
	rendered_free(&r);
	json_decref(policies);
	mgo_test_rmtree(dir);
	free(dir);
}

/* The launcher reads the cluster's id by name (docs/design.md, "What a run
 * is called"): a taken-over launcher gets those two objects and no other
 * of their kinds, and cannot list them. Asked of the server's RBAC. */
Test(deploy_apply, the_launcher_reads_only_the_two_objects_naming_the_cluster)
{
	struct rendered r;

	render(DEPLOY, &r);
	free(kubectl((const char *[]){"apply", "-k", DEPLOY, NULL}));
	const char *ns = r.cfg.namespace, *sa = r.cfg.tokens.launcher_sa;
	cr_expect(allowed_name(ns, sa, "get", "config.openshift.io", "clusterversions", "", "",
			       "version"));
	cr_expect(allowed_name(ns, sa, "get", "", "namespaces", "", "", "kube-system"));
	cr_expect(!allowed_name(ns, sa, "get", "config.openshift.io", "clusterversions", "", "",
				"other"));
	cr_expect(!allowed_name(ns, sa, "get", "", "namespaces", "", "", "default"));
	cr_expect(!allowed_name(ns, sa, "get", "", "namespaces", "", "", ns));
	cr_expect(!allowed(ns, sa, "list", "", "namespaces", "", ""));
	cr_expect(!allowed(ns, sa, "list", "config.openshift.io", "clusterversions", "", ""));
	cr_expect(!allowed_name(ns, sa, "update", "", "namespaces", "", "", "kube-system"));
	cr_expect(!allowed_name(ns, sa, "patch", "config.openshift.io", "clusterversions", "", "",
				"version"));
	rendered_free(&r);
}

/* The pod's own account may mint tokens for the two role accounts, and
 * do nothing else: asked of the server's RBAC. */
Test(deploy_apply, the_pods_own_account_only_mints_the_roles_tokens)
{
	struct rendered r;
	const char *pod_sa;

	render(DEPLOY, &r);
	pod_sa = str(r.pod, "serviceAccountName");
	free(kubectl((const char *[]){"apply", "-k", DEPLOY, NULL}));
	const char *ns = r.cfg.namespace;
	const char *const mints[] = {r.cfg.tokens.watcher_sa, r.cfg.tokens.launcher_sa};
	for (size_t i = 0; i < 2; i++)
		cr_expect(allowed_name(ns, pod_sa, "create", "", "serviceaccounts", "token", ns,
				       mints[i]), "%s cannot mint %s's token", pod_sa, mints[i]);
	/* not for itself, not for any other account, not elsewhere */
	cr_expect(!allowed_name(ns, pod_sa, "create", "", "serviceaccounts", "token", ns, pod_sa));
	cr_expect(!allowed_name(ns, pod_sa, "create", "", "serviceaccounts", "token", ns, "default"));
	cr_expect(!allowed_name(ns, pod_sa, "create", "", "serviceaccounts", "token", "team-a",
				mints[0]));
	/* and nothing else at all */
	cr_expect(!allowed(ns, pod_sa, "get", "", "serviceaccounts", "", ns));
	cr_expect(!allowed(ns, pod_sa, "get", "", "secrets", "", ns));
	cr_expect(!allowed(ns, pod_sa, "list", "operator.openshift.io", "mustgathers", "", "team-a"));
	cr_expect(!allowed(ns, pod_sa, "create", "batch", "jobs", "", ns));
	rendered_free(&r);
}

/* --- each supported cluster version --------------------------------------
 *
 * docs/install.md: deploy/ installs on Kubernetes 1.25 and later, the
 * admission policies' component on 1.30 and later. A test server started
 * with --no-admission-policies serves no admissionregistration.k8s.io/v1
 * ValidatingAdmissionPolicy, as before 1.30: the base applies there, with
 * exit status 0 (an admission policy moved back into the base fails it),
 * and the component applies where they are served. */

static struct testenv old_env;

static void old_setup(void)
{
	cr_assert(testenv_have_kubectl(), "kubectl is not on PATH");
	testenv_start(&old_env, &(struct testenv_opts){.no_admission_policies = true});
}

static void old_teardown(void)
{
	testenv_stop(&old_env);
}

TestSuite(deploy_versions, .init = old_setup, .fini = old_teardown, .timeout = 180);

Test(deploy_versions, the_base_applies_where_no_admission_policy_is_served)
{
	json_t *disc = NULL;
	char *out = NULL;
	int code = -1;
	long http;

	/* the mode is real: nothing serves the policies' kind */
	http = testenv_call(&old_env, old_env.admin_token, "GET",
			    "/apis/admissionregistration.k8s.io/v1", NULL, NULL, &disc);
	cr_assert_eq(http, 404, "admissionregistration.k8s.io/v1 is served (%ld)", http);
	json_decref(disc);
	/* the base installs whole */
	run_kubectl(&old_env, (const char *[]){"apply", "-k", DEPLOY, NULL}, &out, &code);
	cr_expect_eq(code, 0, "kubectl apply -k deploy/ exited %d without admission policies:\n%s",
		     code, out);
	cr_expect(strstr(out, "deployment.apps/must-gather-operator created"), "%s", out);
	free(out);
	out = NULL;
	/* and the component cannot (what the base did before it was split) */
	run_kubectl(&old_env, (const char *[]){"apply", "-k", POLICIES, "--validate=false", NULL},
		    &out, &code);
	cr_expect_neq(code, 0, "the component applied where no policy is served:\n%s", out);
	cr_expect(strstr(out, "no matches for kind \"ValidatingAdmissionPolicy\" in version "
			      "\"admissionregistration.k8s.io/v1\""), "%s", out);
	free(out);
}

Test(deploy_apply, the_component_applies_where_admission_policies_are_served)
{
	json_t *policies = kustomize(POLICIES), *d;
	char *out;
	size_t i;

	free(kubectl((const char *[]){"apply", "-k", DEPLOY, NULL}));
	free(kubectl((const char *[]){"apply", "-k", POLICIES, NULL}));
	json_array_foreach(policies, i, d) {
		const char *ns = meta(d, "namespace");
		char ref[512];

		snprintf(ref, sizeof(ref), "%s/%s", str(d, "kind"), meta(d, "name"));
		out = kubectl(ns ? (const char *[]){"get", "-n", ns, ref, "-o", "name", NULL}
				 : (const char *[]){"get", ref, "-o", "name", NULL});
		cr_expect(*out, "%s was not created", ref);
		free(out);
	}
	json_decref(policies);
}

#define MONITORING DEPLOY "/monitoring"

/* deploy/monitoring scrapes what the Deployment serves: its Service
 * selects the operator's pods and targets the container's health port
 * (mgo-health's /metrics, docs/health.md), and its ServiceMonitor selects
 * that Service and scrapes /metrics on that port. Not in the base: it
 * needs the Prometheus Operator's CRDs. */
Test(deploy_apply, monitoring_scrapes_the_health_port)
{
	json_t *mon = kustomize(MONITORING), *d, *p;
	const json_t *svc = find(mon, "Service", NULL), *sm, *ep, *want;
	const json_t *labels, *sel;
	struct rendered r;
	const char *key;
	json_int_t target = -1;
	size_t i;

	render(DEPLOY, &r);
	json_array_foreach(r.docs, i, d)
		cr_expect(strncmp(str(d, "apiVersion") ?: "", "monitoring.coreos.com/", 22),
			  "deploy/ renders %s %s", str(d, "kind"), meta(d, "name"));
	labels = json_object_get(json_object_get(json_object_get(find(r.docs, "Deployment", NULL),
								 "spec"), "template"), "metadata");
	labels = json_object_get(labels, "labels");
	sel = json_object_get(json_object_get(svc, "spec"), "selector");
	cr_assert(json_object_size(sel), "the Service selects every pod");
	json_object_foreach((json_t *)sel, key, p)
		cr_expect_str_eq(str(labels, key) ?: "", json_string_value(p) ?: "-",
				 "the Service's selector %s does not match the pod", key);
	cr_expect_str_eq(meta(svc, "namespace") ?: "", r.cfg.namespace);
	p = json_array_get(json_object_get(json_object_get(svc, "spec"), "ports"), 0);
	json_array_foreach(json_object_get(r.container, "ports"), i, d)
		if (strcmp(str(d, "name") ?: "", str(p, "targetPort") ?: "-") == 0)
			target = json_integer_value(json_object_get(d, "containerPort"));
	cr_expect_eq(target, (json_int_t)r.cfg.health.port,
		     "the Service targets %s, not the container's port %u where mgo-health listens",
		     str(p, "targetPort"), r.cfg.health.port);
	sm = find(mon, "ServiceMonitor", NULL);
	want = json_object_get(json_object_get(json_object_get(sm, "spec"), "selector"),
			       "matchLabels");
	json_object_foreach((json_t *)want, key, d)
		cr_expect_str_eq(str(json_object_get(json_object_get(svc, "metadata"), "labels"), key)
					 ?: "", json_string_value(d) ?: "-",
				 "the ServiceMonitor misses the Service (%s)", key);
	ep = json_array_get(json_object_get(json_object_get(sm, "spec"), "endpoints"), 0);
	cr_expect_str_eq(str(ep, "port") ?: "", str(p, "name") ?: "-");
	cr_expect_str_eq(str(ep, "path") ?: "", "/metrics");
	find(mon, "PrometheusRule", NULL);
	rendered_free(&r);
	json_decref(mon);
}

/* kubectl 1.32 against the test API server: what the operator's tests and
 * humans do with it must work as it does against a real cluster. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#define CRD MGO_SOURCE_DIR "/tests/unit/fixtures/mustgather-crd.yaml"
#define SAMPLE MGO_SOURCE_DIR "/tests/unit/fixtures/mustgather-sample.yaml"

static struct testenv env;

static void setup(void)
{
	if (!testenv_have_kubectl())
		cr_skip_test("kubectl is not on PATH: kubectl conformance tests skipped");
	testenv_start(&env, NULL);
}

static void teardown(void)
{
	if (env.pid)
		testenv_stop(&env);
}

TestSuite(kubectl, .init = setup, .fini = teardown, .timeout = 240);

/* Runs kubectl and returns its output, failing the test unless it exits with want. */
static char *kubectl_rc(int want, const char *const argv[])
{
	char *out;
	int rc;

	run_kubectl(&env, argv, &out, &rc);
	cr_assert_eq(rc, want, "kubectl %s %s: exit %d, want %d:\n%s", argv[0],
		     argv[1] ? argv[1] : "", rc, want, out);
	return out;
}

#define KUBECTL(...) kubectl_rc(0, (const char *const[]){__VA_ARGS__, NULL})

static void install_crd(void)
{
	free(KUBECTL("apply", "-f", CRD));
	free(KUBECTL("wait", "--for", "condition=established", "--timeout=30s",
		     "crd/mustgathers.operator.openshift.io"));
}

static json_t *get_json(const char *resource, const char *name)
{
	char *out = KUBECTL("get", resource, name, "-o", "json");
	json_error_t e;
	json_t *j = json_loads(out, 0, &e);

	cr_assert_not_null(j, "kubectl get -o json printed no JSON (%s):\n%s", e.text, out);
	free(out);
	return j;
}

static const char *path_str(const json_t *j, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(j, a), b));
}

static long long path_int(const json_t *j, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(j, a), b));
}

Test(kubectl, apply_crd_then_custom_resource_and_get_json)
{
	json_t *mg;
	char *out;

	install_crd();
	out = KUBECTL("apply", "-f", SAMPLE);
	cr_assert(strstr(out, "mustgather.operator.openshift.io/example created"), "%s", out);
	free(out);
	mg = get_json("mustgather", "example");
	cr_assert_str_eq(json_string_value(json_object_get(mg, "kind")), "MustGather");
	cr_assert_str_eq(path_str(mg, "spec", "mustGatherImage"),
			 "quay.io/my-org/my-custom-must-gather:latest");
	/* the schema's default is applied by the server */
	cr_assert(json_is_false(json_object_get(json_object_get(mg, "spec"),
						"retainResourcesOnCompletion")));
	cr_assert_eq(path_int(mg, "metadata", "generation"), 1);
	cr_assert_not_null(path_str(mg, "metadata", "uid"));
	cr_assert_not_null(path_str(mg, "metadata", "resourceVersion"));
	json_decref(mg);

	/* server-side printing: the CRD's printer columns, by short name */
	out = KUBECTL("get", "mg");
	cr_assert(strstr(out, "NAME") && strstr(out, "IMAGE") && strstr(out, "STATE") &&
		  strstr(out, "AGE"), "%s", out);
	cr_assert(strstr(out, "quay.io/my-org/my-custom-must-gather:latest"), "%s", out);
	free(out);

	/* apply again with a change: a three-way merge patch, generation moves */
	out = KUBECTL("apply", "-f", SAMPLE);
	cr_assert(strstr(out, "unchanged"), "%s", out);
	free(out);
	out = KUBECTL("get", "must-gather", "-o", "name");
	cr_assert(strstr(out, "mustgather.operator.openshift.io/example"),
		  "category must-gather lists it: %s", out);
	free(out);
}

Test(kubectl, get_watch_sees_a_change)
{
	struct testenv_proc w;
	bool seen;

	install_crd();
	free(KUBECTL("apply", "-f", SAMPLE));
	testenv_spawn_kubectl(&env, (const char *const[]){"get", "mg", "-w",
							   "--output-watch-events", NULL},
			      &w);
	seen = testenv_proc_wait_for(&w, "example", 30000);
	cr_assert(seen, "the watch never listed the object: %s", w.buf ? w.buf : "");
	free(KUBECTL("patch", "mg", "example", "--subresource=status", "--type=merge", "-p",
		     "{\"status\":{\"status\":\"Completed\",\"completed\":true}}"));
	seen = testenv_proc_wait_for(&w, "Completed", 30000);
	cr_assert(seen, "the watch never showed the change: %s", w.buf ? w.buf : "");
	cr_assert(strstr(w.buf, "MODIFIED"), "%s", w.buf);
	testenv_proc_stop(&w);
}

Test(kubectl, merge_patch_of_spec_and_of_status_subresource)
{
	json_t *mg;

	install_crd();
	free(KUBECTL("apply", "-f", SAMPLE));
	free(KUBECTL("patch", "mg", "example", "--type=merge", "-p",
		     "{\"spec\":{\"mustGatherTimeout\":\"30m\"}}"));
	mg = get_json("mg", "example");
	cr_assert_str_eq(path_str(mg, "spec", "mustGatherTimeout"), "30m");
	cr_assert_eq(path_int(mg, "metadata", "generation"), 2, "a spec change bumps generation");
	json_decref(mg);

	free(KUBECTL("patch", "mg", "example", "--subresource=status", "--type=merge", "-p",
		     "{\"status\":{\"status\":\"Failed\",\"reason\":\"InvalidImage\"}}"));
	mg = get_json("mg", "example");
	cr_assert_str_eq(path_str(mg, "status", "status"), "Failed");
	cr_assert_eq(path_int(mg, "metadata", "generation"), 2, "status does not bump generation");
	json_decref(mg);

	/* the main resource ignores status once a status subresource exists */
	free(KUBECTL("patch", "mg", "example", "--type=merge", "-p",
		     "{\"status\":{\"status\":\"Completed\"}}"));
	mg = get_json("mg", "example");
	cr_assert_str_eq(path_str(mg, "status", "status"), "Failed");
	json_decref(mg);
}

Test(kubectl, delete_with_finalizer_waits_for_its_removal)
{
	const char *obj =
		"{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
		"\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/keep\"]},"
		"\"spec\":{}}";
	char *path = mgo_test_write(env.dir, "held.json", obj), *out;
	json_t *mg;
	int rc;

	install_crd();
	free(KUBECTL("apply", "-f", path));
	out = KUBECTL("delete", "mg", "held", "--wait=false");
	cr_assert(strstr(out, "deleted"), "%s", out);
	free(out);
	mg = get_json("mg", "held");
	cr_assert_not_null(path_str(mg, "metadata", "deletionTimestamp"),
			   "a finalizer keeps the object, marked for deletion");
	json_decref(mg);

	free(KUBECTL("patch", "mg", "held", "--type=json", "-p",
		     "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]"));
	run_kubectl(&env, (const char *const[]){"get", "mg", "held", NULL}, &out, &rc);
	cr_assert_neq(rc, 0);
	cr_assert(strstr(out, "NotFound") || strstr(out, "not found"), "%s", out);
	free(out);
	free(path);
}

Test(kubectl, get_in_chunks_follows_continue_tokens)
{
	char name[32], *out, *audit, *p;
	int i, continues = 0, rows = 0;

	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "chunk-%d", i);
		free(KUBECTL("create", "configmap", name, "--from-literal=k=v"));
		free(KUBECTL("label", "configmap", name, "set=chunks"));
	}
	out = KUBECTL("get", "configmaps", "-l", "set=chunks", "--chunk-size=2", "-o", "name");
	for (p = out; (p = strstr(p, "configmap/chunk-")); p++)
		rows++;
	cr_assert_eq(rows, 5, "%s", out);
	free(out);
	audit = testenv_audit_grep(&env, "verb", "list");
	for (p = strtok(audit, "\n"); p; p = strtok(NULL, "\n"))
		if (strstr(p, "limit=2") && strstr(p, "continue="))
			continues++;
	cr_assert(continues >= 2, "want two continue requests with limit=2:\n%s", audit);
	free(audit);
}

Test(kubectl, label_selector_lists_only_matching_objects)
{
	char *out;

	free(KUBECTL("create", "configmap", "a", "--from-literal=k=v"));
	free(KUBECTL("create", "configmap", "b", "--from-literal=k=v"));
	free(KUBECTL("label", "configmap", "a", "team=red"));
	free(KUBECTL("label", "configmap", "b", "team=blue"));
	out = KUBECTL("get", "configmaps", "-l", "team=red", "-o", "name");
	cr_assert(strstr(out, "configmap/a") && !strstr(out, "configmap/b"), "%s", out);
	free(out);
	out = KUBECTL("get", "configmaps", "-l", "team in (red,blue),team!=red", "-o", "name");
	cr_assert(strstr(out, "configmap/b") && !strstr(out, "configmap/a"), "%s", out);
	free(out);
}

Test(kubectl, auth_can_i_for_a_restricted_token)
{
	char *out;

	out = kubectl_rc(1, (const char *const[]){"--token=" TESTENV_ALICE_TOKEN, "auth",
						   "can-i", "create", "jobs", "-n", "default",
						   NULL});
	cr_assert(strstr(out, "no"), "%s", out);
	free(out);
	free(KUBECTL("create", "role", "job-maker", "--verb=create", "--resource=jobs", "-n",
		     "default"));
	free(KUBECTL("create", "rolebinding", "alice-jobs", "--role=job-maker", "--user=alice",
		     "-n", "default"));
	out = KUBECTL("--token=" TESTENV_ALICE_TOKEN, "auth", "can-i", "create", "jobs", "-n",
		      "default");
	cr_assert(strstr(out, "yes"), "%s", out);
	free(out);
	out = kubectl_rc(1, (const char *const[]){"--token=" TESTENV_ALICE_TOKEN, "auth",
						   "can-i", "create", "jobs", "-n", "kube-system",
						   NULL});
	cr_assert(strstr(out, "no"), "a Role in default does not reach kube-system: %s", out);
	free(out);
	out = kubectl_rc(1, (const char *const[]){"--token=" TESTENV_ALICE_TOKEN, "get", "jobs",
						   "-n", "default", NULL});
	cr_assert(strstr(out, "Forbidden") && strstr(out, "cannot list resource \"jobs\""),
		  "%s", out);
	free(out);
}

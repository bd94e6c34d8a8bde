/* The project's own manifests (deploy/crds, deploy/rbac) loaded into the
 * test API server: each process's token can do what deploy/ grants it and
 * is refused the rest, including OpenShift's owner-reference admission. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#define WATCHER "watcher-token-0123456789"
#define LAUNCHER "launcher-token-0123456789"
#define SA(name) "system:serviceaccount:must-gather-operator:" name

static struct testenv env;

static void setup(void)
{
	struct testenv_opts o = {
		.load_dirs = {MGO_SOURCE_DIR "/deploy/crds", MGO_SOURCE_DIR "/deploy/rbac", NULL},
		.extra_tokens = WATCHER "," SA("mgo-watcher") ",uid-w,\"system:serviceaccounts,"
					"system:serviceaccounts:must-gather-operator\"\n"
				LAUNCHER "," SA("mgo-launcher") ",uid-l,\"system:serviceaccounts,"
					 "system:serviceaccounts:must-gather-operator\"\n",
	};

	testenv_start(&env, &o);
}

static void teardown(void)
{
	testenv_stop(&env);
}

TestSuite(deploy, .init = setup, .fini = teardown, .timeout = 120);

/* The code, and the Status message into *msg (caller frees) when msg is set. */
static long call(const char *token, const char *method, const char *path, const char *ct,
		 const char *body, char **msg)
{
	json_t *j = NULL;
	long code = testenv_call(&env, token, method, path, ct, body, msg ? &j : NULL);

	if (msg)
		*msg = strdup(json_string_value(json_object_get(j, "message")) ?: "");
	json_decref(j);
	return code;
}

#define MGS "/apis/operator.openshift.io/v1alpha1/namespaces/team-a/mustgathers"
#define JOBS "/apis/batch/v1/namespaces/team-a/jobs"

static char *mustgather(void)
{
	struct testenv_resp r;
	char *uid;

	cr_assert_eq(call(env.admin_token, "POST", "/api/v1/namespaces", NULL,
			  "{\"metadata\":{\"name\":\"team-a\"}}", NULL), 201);
	testenv_request(&env, env.admin_token, "POST", MGS, NULL,
			"{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
			"\"metadata\":{\"name\":\"mg1\"},\"spec\":{}}", &r);
	cr_assert_eq(r.code, 201, "%s", r.body);
	uid = strdup(json_string_value(json_object_get(json_object_get(r.json, "metadata"), "uid")));
	testenv_resp_free(&r);
	return uid;
}

static char *job_body(const char *name, const char *uid)
{
	char *s = NULL;

	cr_assert(asprintf(&s,
			   "{\"metadata\":{\"name\":\"%s\",\"ownerReferences\":[{\"apiVersion\":"
			   "\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\",\"name\":"
			   "\"mg1\",\"uid\":\"%s\",\"controller\":true,\"blockOwnerDeletion\":true}]},"
			   "\"spec\":{\"backoffLimit\":0,\"template\":{\"spec\":{\"restartPolicy\":"
			   "\"Never\",\"containers\":[{\"name\":\"gather\",\"image\":\"quay.io/x/y\"}]}}}}",
			   name, uid) > 0);
	return s;
}

Test(deploy, the_watcher_only_reads)
{
	char *uid = mustgather(), *msg, *job = job_body("mg1", uid);

	cr_assert_eq(call(WATCHER, "GET", "/apis/operator.openshift.io/v1alpha1/mustgathers", NULL,
			  NULL, NULL), 200);
	cr_assert_eq(call(WATCHER, "GET",
			  "/apis/operator.openshift.io/v1alpha1/mustgatherimages?watch=1&timeoutSeconds=1",
			  NULL, NULL, NULL), 200);
	cr_assert_eq(call(WATCHER, "GET", "/api/v1/pods", NULL, NULL, NULL), 200);
	/* a ServiceAccount one at a time, never the cluster's list of them */
	long code = call(WATCHER, "GET", "/api/v1/namespaces/team-a/serviceaccounts/default", NULL,
			 NULL, NULL);
	cr_assert(code == 200 || code == 404, "get serviceaccounts: %ld", code);
	cr_assert_eq(call(WATCHER, "GET", "/api/v1/serviceaccounts", NULL, NULL, NULL), 403);
	cr_assert_eq(call(WATCHER, "GET", "/api/v1/namespaces/team-a/serviceaccounts", NULL, NULL,
			  NULL), 403);
	cr_assert_eq(call(WATCHER, "POST", JOBS, NULL, job, &msg), 403);
	cr_assert_str_eq(msg, "jobs.batch is forbidden: User \"" SA("mgo-watcher") "\" cannot "
			      "create resource \"jobs\" in API group \"batch\" in the namespace "
			      "\"team-a\"");
	free(msg);
	cr_assert_eq(call(WATCHER, "PATCH", MGS "/mg1/status", "application/merge-patch+json",
			  "{\"status\":{}}", NULL), 403);
	cr_assert_eq(call(WATCHER, "GET", "/api/v1/namespaces/team-a/secrets", NULL, NULL, NULL),
		     403);
	free(job);
	free(uid);
}

Test(deploy, the_launcher_acts_within_its_rules)
{
	char *uid = mustgather(), *msg, *job = job_body("mg1", uid);

	/* a blocking controller reference needs mustgathers/finalizers, which it has */
	cr_assert_eq(call(LAUNCHER, "POST", JOBS, NULL, job, &msg), 201, "%s", msg);
	free(msg);
	cr_assert_eq(call(LAUNCHER, "PATCH", MGS "/mg1/status", "application/merge-patch+json",
			  "{\"status\":{\"status\":\"Completed\"}}", &msg), 200, "%s", msg);
	free(msg);
	cr_assert_eq(call(LAUNCHER, "PATCH", MGS "/mg1", "application/merge-patch+json",
			  "{\"spec\":{}}", NULL), 403);
	cr_assert_eq(call(LAUNCHER, "POST", "/api/v1/namespaces/team-a/events", NULL,
			  "{\"metadata\":{\"name\":\"e1\"},\"involvedObject\":{\"kind\":\"MustGather\","
			  "\"name\":\"mg1\",\"namespace\":\"team-a\"},\"reason\":\"Launched\","
			  "\"message\":\"m\",\"type\":\"Normal\"}", NULL), 201);
	cr_assert_eq(call(LAUNCHER, "DELETE", JOBS "/mg1", NULL,
			  "{\"propagationPolicy\":\"Background\"}", NULL), 200);
	/* it lists and watches the Jobs to count running gathers per namespace
	 * (gathers.maxRunningPerNamespace), but changes none in place */
	cr_assert_eq(call(LAUNCHER, "GET", JOBS, NULL, NULL, NULL), 200, "list");
	cr_assert_eq(call(LAUNCHER, "PATCH", JOBS "/mg1", "application/merge-patch+json",
			  "{\"spec\":{}}", NULL), 403, "no patch");
	/* its lease: create any, then only the named one */
	cr_assert_eq(call(LAUNCHER, "POST",
			  "/apis/coordination.k8s.io/v1/namespaces/must-gather-operator/leases",
			  NULL, "{\"metadata\":{\"name\":\"mgo-launcher\"},\"spec\":{}}", NULL), 201);
	cr_assert_eq(call(LAUNCHER, "GET",
			  "/apis/coordination.k8s.io/v1/namespaces/must-gather-operator/leases/"
			  "mgo-launcher", NULL, NULL, NULL), 200);
	cr_assert_eq(call(LAUNCHER, "GET",
			  "/apis/coordination.k8s.io/v1/namespaces/must-gather-operator/leases/other",
			  NULL, NULL, NULL), 403);
	free(job);
	free(uid);
}

Test(deploy, blocking_owner_references_need_finalizers_permission)
{
	const char *role = "{\"metadata\":{\"name\":\"jobs-only\"},\"rules\":[{\"apiGroups\":"
			   "[\"batch\"],\"resources\":[\"jobs\"],\"verbs\":[\"create\"]}]}";
	const char *binding = "{\"metadata\":{\"name\":\"alice-jobs\"},\"roleRef\":{\"apiGroup\":"
			      "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":"
			      "\"jobs-only\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"alice\"}]}";
	char *uid = mustgather(), *msg, *job = job_body("mg2", uid);

	cr_assert_eq(call(env.admin_token, "POST",
			  "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles", NULL, role,
			  NULL), 201);
	cr_assert_eq(call(env.admin_token, "POST",
			  "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings", NULL,
			  binding, NULL), 201);
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "POST", JOBS, NULL, job, &msg), 403);
	cr_assert_str_eq(msg, "jobs.batch \"mg2\" is forbidden: cannot set blockOwnerDeletion if "
			      "an ownerReference refers to a resource you can't set finalizers on: "
			      ", <nil>");
	free(msg);
	free(job);
	free(uid);
}

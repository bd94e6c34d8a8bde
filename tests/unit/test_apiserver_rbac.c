/* RBAC on the test API server: every token outside system:masters gets
 * exactly what its Roles and ClusterRoles grant, and a 403 Status worded as
 * kube words it otherwise; unknown tokens get 401. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

static struct testenv env;

static void setup(void)
{
	testenv_start(&env, NULL);
}

static void teardown(void)
{
	testenv_stop(&env);
}

TestSuite(rbac, .init = setup, .fini = teardown, .timeout = 120);

static long call(const char *token, const char *method, const char *path, const char *ct,
		 const char *body, json_t **out)
{
	return testenv_call(&env, token, method, path, ct, body, out);
}

static void admin(const char *method, const char *path, const char *body, long want)
{
	json_t *j = NULL;
	long code = call(env.admin_token, method, path, NULL, body, &j);
	char *text = j ? json_dumps(j, 0) : NULL;

	cr_assert_eq(code, want, "%s %s: %ld %s", method, path, code, text ? text : "");
	free(text);
	json_decref(j);
}

static void expect_forbidden(const char *token, const char *method, const char *path,
			     const char *body, const char *message)
{
	json_t *st = NULL;
	long code = call(token, method, path, NULL, body, &st);

	cr_assert_eq(code, 403, "%s %s: %ld", method, path, code);
	cr_assert_str_eq(json_string_value(json_object_get(st, "kind")), "Status");
	cr_assert_str_eq(json_string_value(json_object_get(st, "apiVersion")), "v1");
	cr_assert_str_eq(json_string_value(json_object_get(st, "status")), "Failure");
	cr_assert_str_eq(json_string_value(json_object_get(st, "reason")), "Forbidden");
	cr_assert_eq(json_integer_value(json_object_get(st, "code")), 403);
	if (message)
		cr_assert_str_eq(json_string_value(json_object_get(st, "message")), message);
	json_decref(st);
}

#define NS_A "/api/v1/namespaces/team-a"
#define NS_B "/api/v1/namespaces/team-b"

static void namespaces(void)
{
	admin("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"team-a\"}}", 201);
	admin("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"team-b\"}}", 201);
}

static void role(const char *ns, const char *name, const char *rules)
{
	char path[256], body[2048];

	snprintf(path, sizeof(path), "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/roles", ns);
	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"},\"rules\":%s}", name, rules);
	admin("POST", path, body, 201);
}

static void bind(const char *ns, const char *name, const char *kind, const char *role_name,
		 const char *subject)
{
	char path[256], body[2048];

	snprintf(path, sizeof(path),
		 "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings", ns);
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"%s\"},\"roleRef\":{\"apiGroup\":"
		 "\"rbac.authorization.k8s.io\",\"kind\":\"%s\",\"name\":\"%s\"},"
		 "\"subjects\":[%s]}",
		 name, kind, role_name, subject);
	admin("POST", path, body, 201);
}

#define ALICE "{\"kind\":\"User\",\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"alice\"}"

Test(rbac, unknown_token_is_401_with_a_status)
{
	json_t *st = NULL;

	cr_assert_eq(call("no-such-token", "GET", "/api/v1/namespaces", NULL, NULL, &st), 401);
	cr_assert_str_eq(json_string_value(json_object_get(st, "reason")), "Unauthorized");
	cr_assert_str_eq(json_string_value(json_object_get(st, "message")), "Unauthorized");
	json_decref(st);
}

Test(rbac, a_token_without_roles_is_refused_with_kubes_message)
{
	json_t *st = NULL;

	expect_forbidden(TESTENV_ALICE_TOKEN, "GET", "/api/v1/namespaces/default/pods", NULL,
			 "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API "
			 "group \"\" in the namespace \"default\"");
	expect_forbidden(TESTENV_ALICE_TOKEN, "POST", "/apis/batch/v1/namespaces/ns/jobs",
			 "{\"metadata\":{\"name\":\"j\"}}",
			 "jobs.batch is forbidden: User \"alice\" cannot create resource \"jobs\" "
			 "in API group \"batch\" in the namespace \"ns\"");
	expect_forbidden(TESTENV_BOB_TOKEN, "GET", "/api/v1/namespaces/default", NULL,
			 "namespaces \"default\" is forbidden: User \"bob\" cannot get resource "
			 "\"namespaces\" in API group \"\" in the namespace \"default\"");
	expect_forbidden(TESTENV_BOB_TOKEN, "GET", "/api/v1/nodes", NULL, NULL);
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "GET", "/api/v1/namespaces/default/pods", NULL,
			  NULL, &st),
		     403);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(st, "details"), "kind")),
			 "pods");
	json_decref(st);
}

Test(rbac, every_authenticated_user_has_discovery_and_self_review)
{
	json_t *ssar = NULL;

	cr_assert_eq(call(TESTENV_BOB_TOKEN, "GET", "/apis", NULL, NULL, NULL), 200);
	cr_assert_eq(call(TESTENV_BOB_TOKEN, "GET", "/api/v1", NULL, NULL, NULL), 200);
	cr_assert_eq(call(TESTENV_BOB_TOKEN, "GET", "/version", NULL, NULL, NULL), 200);
	cr_assert_eq(call(TESTENV_BOB_TOKEN, "POST",
			  "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", NULL,
			  "{\"spec\":{\"resourceAttributes\":{\"verb\":\"list\",\"resource\":"
			  "\"pods\",\"namespace\":\"default\"}}}",
			  &ssar),
		     201);
	cr_assert(json_is_false(json_object_get(json_object_get(ssar, "status"), "allowed")));
	json_decref(ssar);
	/* anonymous requests reach /version and nothing else */
	cr_assert_eq(call(NULL, "GET", "/version", NULL, NULL, NULL), 200);
	expect_forbidden(NULL, "GET", "/apis", NULL,
			 "forbidden: User \"system:anonymous\" cannot get path \"/apis\"");
}

Test(rbac, role_verbs_are_enforced)
{
	namespaces();
	admin("POST", NS_A "/configmaps", "{\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}",
	      201);
	role("team-a", "reader",
	     "[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],\"verbs\":[\"get\",\"list\"]}]");
	bind("team-a", "alice-reads", "Role", "reader", ALICE);
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "GET", NS_A "/configmaps", NULL, NULL, NULL), 200);
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "GET", NS_A "/configmaps/c", NULL, NULL, NULL), 200);
	expect_forbidden(TESTENV_ALICE_TOKEN, "DELETE", NS_A "/configmaps/c", NULL,
			 "configmaps \"c\" is forbidden: User \"alice\" cannot delete resource "
			 "\"configmaps\" in API group \"\" in the namespace \"team-a\"");
	expect_forbidden(TESTENV_ALICE_TOKEN, "POST", NS_A "/configmaps",
			 "{\"metadata\":{\"name\":\"d\"}}", NULL);
	expect_forbidden(TESTENV_ALICE_TOKEN, "GET", NS_A "/configmaps?watch=1", NULL,
			 "configmaps is forbidden: User \"alice\" cannot watch resource "
			 "\"configmaps\" in API group \"\" in the namespace \"team-a\"");
	/* bob has no binding at all */
	expect_forbidden(TESTENV_BOB_TOKEN, "GET", NS_A "/configmaps", NULL, NULL);
}

Test(rbac, a_role_in_one_namespace_does_not_reach_another)
{
	namespaces();
	role("team-a", "reader",
	     "[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],\"verbs\":[\"list\"]}]");
	bind("team-a", "alice-reads", "Role", "reader", ALICE);
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "GET", NS_A "/configmaps", NULL, NULL, NULL), 200);
	expect_forbidden(TESTENV_ALICE_TOKEN, "GET", NS_B "/configmaps", NULL,
			 "configmaps is forbidden: User \"alice\" cannot list resource "
			 "\"configmaps\" in API group \"\" in the namespace \"team-b\"");
	expect_forbidden(TESTENV_ALICE_TOKEN, "GET", "/api/v1/configmaps", NULL,
			 "configmaps is forbidden: User \"alice\" cannot list resource "
			 "\"configmaps\" in API group \"\" at the cluster scope");
}

Test(rbac, status_subresource_is_its_own_permission)
{
	const char *job = "{\"metadata\":{\"name\":\"j\"},\"spec\":{\"template\":{\"spec\":{"
			  "\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":"
			  "\"busybox\"}]}}}}";
	const char *patch = "{\"status\":{\"succeeded\":1}}";
	struct testenv_resp r;

	namespaces();
	admin("POST", "/apis/batch/v1/namespaces/team-a/jobs", job, 201);
	role("team-a", "status-writer",
	     "[{\"apiGroups\":[\"batch\"],\"resources\":[\"jobs/status\"],\"verbs\":[\"patch\"]}]");
	bind("team-a", "alice-status", "Role", "status-writer", ALICE);
	testenv_request(&env, TESTENV_ALICE_TOKEN, "PATCH",
			"/apis/batch/v1/namespaces/team-a/jobs/j/status",
			"application/merge-patch+json", patch, &r);
	cr_assert_eq(r.code, 200, "%s", r.body);
	testenv_resp_free(&r);
	testenv_request(&env, TESTENV_ALICE_TOKEN, "PATCH", "/apis/batch/v1/namespaces/team-a/jobs/j",
			"application/merge-patch+json", "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}",
			&r);
	cr_assert_eq(r.code, 403, "%s", r.body);
	cr_assert(strstr(r.body, "cannot patch resource \\\"jobs\\\" in API group \\\"batch\\\""),
		  "%s", r.body);
	testenv_resp_free(&r);
	expect_forbidden(TESTENV_ALICE_TOKEN, "GET",
			 "/apis/batch/v1/namespaces/team-a/jobs/j/status", NULL,
			 "jobs.batch \"j\" is forbidden: User \"alice\" cannot get resource "
			 "\"jobs/status\" in API group \"batch\" in the namespace \"team-a\"");
}

Test(rbac, resource_names_limit_a_rule_to_named_objects)
{
	namespaces();
	admin("POST", NS_A "/secrets", "{\"metadata\":{\"name\":\"mine\"}}", 201);
	admin("POST", NS_A "/secrets", "{\"metadata\":{\"name\":\"theirs\"}}", 201);
	role("team-a", "one-secret",
	     "[{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":[\"mine\"],"
	     "\"verbs\":[\"get\",\"list\",\"watch\"]}]");
	bind("team-a", "alice-one", "Role", "one-secret", ALICE);
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "GET", NS_A "/secrets/mine", NULL, NULL, NULL), 200);
	expect_forbidden(TESTENV_ALICE_TOKEN, "GET", NS_A "/secrets/theirs", NULL, NULL);
	/* a list is not a request for a name... */
	expect_forbidden(TESTENV_ALICE_TOKEN, "GET", NS_A "/secrets", NULL, NULL);
	/* ...unless a metadata.name field selector names the object */
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "GET", NS_A "/secrets?fieldSelector=metadata.name%3Dmine",
			  NULL, NULL, NULL),
		     200);
}

Test(rbac, cluster_roles_bind_to_groups_and_service_accounts)
{
	const char *crb = "{\"metadata\":{\"name\":\"dev-ns-reader\"},\"roleRef\":{\"apiGroup\":"
			  "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":"
			  "\"ns-reader\"},\"subjects\":[{\"kind\":\"Group\",\"apiGroup\":"
			  "\"rbac.authorization.k8s.io\",\"name\":\"dev\"}]}";

	namespaces();
	admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
	      "{\"metadata\":{\"name\":\"ns-reader\"},\"rules\":[{\"apiGroups\":[\"\"],"
	      "\"resources\":[\"namespaces\",\"configmaps\"],\"verbs\":[\"list\"]}]}",
	      201);
	admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", crb, 201);
	cr_assert_eq(call(TESTENV_ALICE_TOKEN, "GET", "/api/v1/namespaces", NULL, NULL, NULL), 200,
		     "alice is in group dev");
	expect_forbidden(TESTENV_BOB_TOKEN, "GET", "/api/v1/namespaces", NULL, NULL);
	/* a ClusterRole bound by a RoleBinding grants only in that namespace */
	bind("team-b", "robot", "ClusterRole", "ns-reader",
	     "{\"kind\":\"ServiceAccount\",\"name\":\"robot\",\"namespace\":\"ops\"}");
	cr_assert_eq(call(TESTENV_SA_TOKEN, "GET", NS_B "/configmaps", NULL, NULL, NULL), 200);
	expect_forbidden(TESTENV_SA_TOKEN, "GET", NS_A "/configmaps", NULL, NULL);
}

Test(rbac, admin_endpoints_are_for_system_masters)
{
	expect_forbidden(TESTENV_ALICE_TOKEN, "GET", "/mgo-test/stats", NULL,
			 "forbidden: User \"alice\" cannot get path \"/mgo-test/stats\"");
	expect_forbidden(TESTENV_ALICE_TOKEN, "POST", "/mgo-test/faults", "{}", NULL);
	cr_assert_eq(call(env.admin_token, "GET", "/mgo-test/stats", NULL, NULL, NULL), 200);
}

/* Impersonation on the test API server, as kubectl --as/--as-group use it
 * (`kubectl auth can-i --as=system:serviceaccount:NS:NAME ...` is how an
 * administrator checks what a role may do): only a caller allowed to
 * impersonate may, and the request then runs as the impersonated user with
 * exactly that user's rights. Ignoring the headers would answer every such
 * question as the administrator. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#define DEV_TOKEN "dev-token-0123456789"

static struct testenv env;

static void setup(void)
{
	testenv_start(&env, &(struct testenv_opts){.extra_tokens = DEV_TOKEN ",dev,dev-uid\n"});
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", "/api/v1/namespaces", NULL,
				  "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
				  "\"metadata\":{\"name\":\"team-a\"}}", NULL),
		     201);
}

static void teardown(void)
{
	testenv_stop(&env);
}

TestSuite(impersonation, .init = setup, .fini = teardown, .timeout = 120);

static void admin_post(const char *path, const char *body)
{
	long code = testenv_call(&env, env.admin_token, "POST", path, NULL, body, NULL);
	cr_assert_eq(code, 201, "POST %s: %ld", path, code);
}

/* `kubectl auth can-i ARGS...`'s answer (exit 0: yes, 1: no). */
static bool can_i(const char *const argv[])
{
	const char *args[16] = {"auth", "can-i"};
	size_t n = 2;
	char *out = NULL;
	int code = -1;

	for (size_t i = 0; argv[i]; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	run_kubectl(&env, args, &out, &code);
	cr_assert(code == 0 || code == 1, "kubectl auth can-i: exit %d: %s", code, out);
	cr_assert_str_eq(out, code == 0 ? "yes\n" : "no\n", "%s", out);
	free(out);
	return code == 0;
}

Test(impersonation, kubectl_as_a_service_account_gets_its_rights_only)
{
	const char *robot = "--as=system:serviceaccount:team-a:robot";

	cr_assert(!can_i((const char *[]){"create", "jobs", "-n", "team-a", robot, NULL}),
		  "a service account without a binding may not create Jobs");
	cr_assert(can_i((const char *[]){"create", "jobs", "-n", "team-a", NULL}),
		  "the administrator may");
	admin_post("/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles",
		   "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\","
		   "\"metadata\":{\"name\":\"jobs\"},\"rules\":[{\"apiGroups\":[\"batch\"],"
		   "\"resources\":[\"jobs\"],\"verbs\":[\"create\"]}]}");
	admin_post("/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings",
		   "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\","
		   "\"metadata\":{\"name\":\"robot-jobs\"},\"roleRef\":{\"apiGroup\":"
		   "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"jobs\"},"
		   "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"robot\","
		   "\"namespace\":\"team-a\"}]}");
	cr_assert(can_i((const char *[]){"create", "jobs", "-n", "team-a", robot, NULL}));
	cr_assert(!can_i((const char *[]){"delete", "jobs", "-n", "team-a", robot, NULL}));
	cr_assert(!can_i((const char *[]){"create", "jobs", "-n", "team-b", robot, NULL}));
	/* its groups come with it: a binding to all service accounts of team-a */
	cr_assert(!can_i((const char *[]){"get", "pods", "-n", "team-a", robot, NULL}));
	admin_post("/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles",
		   "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\","
		   "\"metadata\":{\"name\":\"pods\"},\"rules\":[{\"apiGroups\":[\"\"],"
		   "\"resources\":[\"pods\"],\"verbs\":[\"get\"]}]}");
	admin_post("/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings",
		   "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\","
		   "\"metadata\":{\"name\":\"all-sa-pods\"},\"roleRef\":{\"apiGroup\":"
		   "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"pods\"},"
		   "\"subjects\":[{\"kind\":\"Group\",\"name\":\"system:serviceaccounts:team-a\"}]}");
	cr_assert(can_i((const char *[]){"get", "pods", "-n", "team-a", robot, NULL}));
}

Test(impersonation, groups_are_impersonated_as_given)
{
	cr_assert(!can_i((const char *[]){"create", "jobs", "--as=alice", NULL}));
	cr_assert(can_i((const char *[]){"create", "jobs", "--as=alice",
					 "--as-group=system:masters", NULL}));
}

Test(impersonation, only_who_may_impersonate_can)
{
	const char *argv[] = {"get", "--raw", "/api/v1/namespaces/default/pods",
			      "--token=" DEV_TOKEN, "--as=alice", NULL};
	char *out = NULL;
	int code = -1;

	run_kubectl(&env, argv, &out, &code);
	cr_assert_neq(code, 0, "dev impersonated alice:\n%s", out);
	cr_assert(strstr(out, "cannot impersonate resource \"users\""), "%s", out);
	free(out);
}

/* TokenRequest on the test API server (tests/apiserver/README.md): who may
 * ask for a token, what the token is worth (exactly its ServiceAccount's
 * RBAC), and when it stops being worth anything (its expiry, its
 * ServiceAccount or bound Pod gone or replaced). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgo/loop.h"
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

TestSuite(tokenrequest, .init = setup, .fini = teardown, .timeout = 120);

#define OPS "/api/v1/namespaces/ops"
#define READER_TOKEN_PATH OPS "/serviceaccounts/reader/token"

static json_t *admin(const char *method, const char *path, const char *body, long want)
{
	json_t *j = NULL;
	long code = testenv_call(&env, env.admin_token, method, path, NULL, body, &j);
	char *text = j ? json_dumps(j, 0) : NULL;

	cr_assert_eq(code, want, "%s %s: %ld %s", method, path, code, text ? text : "");
	free(text);
	return j;
}

/* Namespace ops; ServiceAccounts reader (may list pods there) and writer;
 * robot (TESTENV_SA_TOKEN) may mint tokens for reader only. */
static void world(void)
{
	json_decref(admin("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"ops\"}}", 201));
	json_decref(admin("POST", OPS "/serviceaccounts", "{\"metadata\":{\"name\":\"reader\"}}", 201));
	json_decref(admin("POST", OPS "/serviceaccounts", "{\"metadata\":{\"name\":\"writer\"}}", 201));
	json_decref(admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/ops/roles",
			  "{\"metadata\":{\"name\":\"read-pods\"},\"rules\":[{\"apiGroups\":[\"\"],"
			  "\"resources\":[\"pods\"],\"verbs\":[\"get\",\"list\"]}]}", 201));
	json_decref(admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/ops/rolebindings",
			  "{\"metadata\":{\"name\":\"reader\"},\"roleRef\":{\"apiGroup\":"
			  "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"read-pods\"},"
			  "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"reader\","
			  "\"namespace\":\"ops\"}]}", 201));
	json_decref(admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/ops/roles",
			  "{\"metadata\":{\"name\":\"mint\"},\"rules\":[{\"apiGroups\":[\"\"],"
			  "\"resources\":[\"serviceaccounts/token\"],\"resourceNames\":[\"reader\"],"
			  "\"verbs\":[\"create\"]}]}", 201));
	json_decref(admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/ops/rolebindings",
			  "{\"metadata\":{\"name\":\"mint\"},\"roleRef\":{\"apiGroup\":"
			  "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"mint\"},"
			  "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"robot\","
			  "\"namespace\":\"ops\"}]}", 201));
}

/* robot asks for a token for `sa` with spec `spec`; the HTTP code, and the
 * TokenRequest or Status in *out. */
static long mint(const char *sa, const char *spec, json_t **out)
{
	char path[256], body[1024];

	snprintf(path, sizeof(path), OPS "/serviceaccounts/%s/token", sa);
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
		 "\"spec\":%s}", spec);
	return testenv_call(&env, TESTENV_SA_TOKEN, "POST", path, NULL, body, out);
}

/* The token of a 201 TokenRequest (a copy) and its expiry. */
static char *token_of(const json_t *tr, time_t *exp)
{
	const json_t *st = json_object_get(tr, "status");
	const char *tok = json_string_value(json_object_get(st, "token"));
	const char *stamp = json_string_value(json_object_get(st, "expirationTimestamp"));
	struct tm tm = {0};

	cr_assert(tok && *tok, "no status.token");
	cr_assert(stamp && strptime(stamp, "%Y-%m-%dT%H:%M:%SZ", &tm), "bad expirationTimestamp");
	if (exp)
		*exp = timegm(&tm);
	return strdup(tok);
}

static char *mint_ok(const char *sa, const char *spec, time_t *exp)
{
	json_t *tr = NULL;
	long code = mint(sa, spec, &tr);
	char *tok;

	cr_assert_eq(code, 201, "mint %s: %ld %s", sa, code,
		     json_string_value(json_object_get(tr, "message")));
	tok = token_of(tr, exp);
	json_decref(tr);
	return tok;
}

static long as(const char *token, const char *method, const char *path, const char *body)
{
	return testenv_call(&env, token, method, path, NULL, body, NULL);
}

static const char *message(const json_t *st)
{
	return json_string_value(json_object_get(st, "message"));
}

Test(tokenrequest, token_authenticates_as_its_service_account_only)
{
	json_t *who = NULL;
	char *tok;
	time_t exp;

	world();
	tok = mint_ok("reader", "{\"expirationSeconds\":600}", &exp);
	cr_assert(exp >= time(NULL) + 590 && exp <= time(NULL) + 601, "lives 600 s");
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 200, "reader may list pods");
	cr_assert_eq(as(tok, "GET", "/api/v1/namespaces/default/pods", NULL), 403,
		     "only in ops");
	cr_assert_eq(as(tok, "POST", OPS "/configmaps", "{\"metadata\":{\"name\":\"x\"}}"), 403,
		     "and only read");
	cr_assert_eq(as(tok, "POST", OPS "/serviceaccounts/reader/token", "{\"spec\":{}}"), 403,
		     "a token cannot mint tokens its account may not");
	cr_assert_eq(testenv_call(&env, tok, "POST",
				  "/apis/authentication.k8s.io/v1/selfsubjectreviews", NULL,
				  "{\"apiVersion\":\"authentication.k8s.io/v1\","
				  "\"kind\":\"SelfSubjectReview\"}", &who), 201);
	json_t *ui = json_object_get(json_object_get(who, "status"), "userInfo");
	cr_assert_str_eq(json_string_value(json_object_get(ui, "username")),
			 "system:serviceaccount:ops:reader");
	json_decref(who);
	/* the audit log names the user, never the token */
	char *audit = testenv_audit_grep(&env, "user", "system:serviceaccount:ops:reader");
	cr_assert(audit && *audit, "the token's requests are audited as reader");
	cr_assert_null(strstr(audit, tok));
	free(audit);
	free(tok);
}

Test(tokenrequest, minting_needs_create_on_that_service_accounts_token)
{
	json_t *st = NULL;

	world();
	cr_assert_eq(mint("writer", "{}", &st), 403, "robot may mint for reader only");
	cr_assert_str_eq(message(st),
			 "serviceaccounts \"writer\" is forbidden: User "
			 "\"system:serviceaccount:ops:robot\" cannot create resource "
			 "\"serviceaccounts/token\" in API group \"\" in the namespace \"ops\"");
	json_decref(st);
	st = NULL;
	cr_assert_eq(testenv_call(&env, TESTENV_ALICE_TOKEN, "POST", READER_TOKEN_PATH, NULL,
				  "{\"spec\":{}}", &st), 403, "alice holds nothing");
	json_decref(st);
	st = NULL;
	cr_assert_eq(mint("nobody", "{}", &st), 403, "RBAC first, as kube: no existence oracle");
	json_decref(st);
}

Test(tokenrequest, lifetime_follows_kube)
{
	json_t *st = NULL;
	time_t exp;
	char *tok;

	world();
	cr_assert_eq(mint("reader", "{\"expirationSeconds\":599}", &st), 422);
	cr_assert_str_eq(message(st), "TokenRequest.authentication.k8s.io \"reader\" is invalid: "
				      "spec.expirationSeconds: Invalid value: 599: may not specify a "
				      "duration less than 10 minutes");
	json_decref(st);
	tok = mint_ok("reader", "{}", &exp);
	cr_assert(exp >= time(NULL) + 3590 && exp <= time(NULL) + 3601, "the default is an hour");
	free(tok);
}

Test(tokenrequest, expired_token_is_refused)
{
	struct testenv_opts o = {.max_token_expiration = 2};
	time_t exp;
	char *tok;

	testenv_stop(&env);
	testenv_start(&env, &o);
	world();
	/* kube's cap: asked for 600, given the server's maximum */
	tok = mint_ok("reader", "{\"expirationSeconds\":600}", &exp);
	cr_assert(exp <= time(NULL) + 2, "capped at 2 s");
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 200, "valid before its expiry");
	/* the expiry is a wall-clock second: wait for it, bounded */
	uint64_t end = mgo_now_ms() + 5000;
	while (time(NULL) < exp && mgo_now_ms() < end) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 401, "refused once expired");
	free(tok);
}

static json_t *pod(const char *name, const char *sa)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"serviceAccountName\":\"%s\","
		 "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}", name, sa);
	return admin("POST", OPS "/pods", body, 201);
}

Test(tokenrequest, pod_bound_token_dies_with_its_pod)
{
	json_t *p = NULL, *st = NULL;
	char spec[512], *tok;

	world();
	p = pod("p", "reader");
	snprintf(spec, sizeof(spec),
		 "{\"expirationSeconds\":600,\"boundObjectRef\":{\"apiVersion\":\"v1\","
		 "\"kind\":\"Pod\",\"name\":\"p\",\"uid\":\"%s\"}}",
		 json_string_value(json_object_get(json_object_get(p, "metadata"), "uid")));
	tok = mint_ok("reader", spec, NULL);
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 200);
	json_decref(admin("DELETE", OPS "/pods/p", NULL, 200));
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 401, "its pod is gone");
	json_decref(pod("p", "reader"));
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 401, "a new pod of that name is not its pod");
	cr_assert_eq(mint("reader", spec, &st), 409, "the old uid is refused");
	json_decref(st);
	st = NULL;
	json_decref(p);
	free(tok);

	/* kube binds a token only to a pod that runs as its account */
	json_decref(pod("q", "writer"));
	cr_assert_eq(mint("reader", "{\"boundObjectRef\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
				    "\"name\":\"q\"}}", &st), 400);
	cr_assert_str_eq(message(st), "cannot bind token for serviceaccount \"reader\" to pod "
				      "running with different serviceaccount name.");
	json_decref(st);
}

Test(tokenrequest, token_dies_with_its_service_account)
{
	char *tok;

	world();
	tok = mint_ok("reader", "{}", NULL);
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 200);
	json_decref(admin("DELETE", OPS "/serviceaccounts/reader", NULL, 200));
	json_decref(admin("POST", OPS "/serviceaccounts", "{\"metadata\":{\"name\":\"reader\"}}", 201));
	cr_assert_eq(as(tok, "GET", OPS "/pods", NULL), 401, "a new account of that name is not its");
	free(tok);
}

/* `kubectl create token` (which sends its TokenRequest as protobuf) prints
 * a token worth the account's RBAC, with the lifetime it asked for: how
 * tests/e2e/README.md makes the roles' tokens for an external cluster. */
Test(tokenrequest, kubectl_create_token_mints_one)
{
	char *out = NULL;
	int code = -1;

	cr_assert(testenv_have_kubectl(), "kubectl is not on PATH");
	world();
	run_kubectl(&env, (const char *[]){"-n", "ops", "create", "token", "reader",
					   "--duration=20m", NULL}, &out, &code);
	cr_assert_eq(code, 0, "kubectl create token: %s", out);
	out[strcspn(out, "\n")] = '\0';
	cr_assert_eq(as(out, "GET", OPS "/pods", NULL), 200, "reader may list pods");
	cr_assert_eq(as(out, "GET", "/api/v1/namespaces/default/pods", NULL), 403);
	free(out);
}

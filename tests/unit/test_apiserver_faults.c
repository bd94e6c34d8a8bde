/* Fault injection (admin endpoints under /mgo-test/), stats and the audit
 * log of the test API server. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 120);

static long get(const char *token, const char *path, struct testenv_resp *keep)
{
	struct testenv_resp r;
	long code;

	testenv_request(&env, token, "GET", path, NULL, NULL, &r);
	code = r.code;
	if (keep)
		*keep = r;
	else
		testenv_resp_free(&r);
	return code;
}

static void set_faults(const char *cfg)
{
	struct testenv_resp r;

	testenv_request(&env, env.admin_token, "POST", "/mgo-test/faults", NULL, cfg, &r);
	cr_assert_eq(r.code, 200, "%s", r.body);
	testenv_resp_free(&r);
}

Test(faults, a_share_of_requests_fails_with_503)
{
	struct testenv_resp r;
	int i, failed = 0;

	set_faults("{\"errorRate\":0.3,\"errorCode\":503,\"seed\":7,\"match\":{\"verb\":\"list\"}}");
	for (i = 0; i < 200; i++) {
		long code = get(env.admin_token, "/api/v1/namespaces/default/configmaps", &r);
		cr_assert(code == 200 || code == 503, "%ld", code);
		if (code == 503) {
			failed++;
			cr_assert_str_eq(json_string_value(json_object_get(r.json, "reason")),
					 "ServiceUnavailable");
			cr_assert_str_eq(json_string_value(json_object_get(r.json, "kind")), "Status");
		}
		testenv_resp_free(&r);
	}
	cr_assert(failed > 30 && failed < 90, "%d of 200 failed with errorRate 0.3", failed);
	/* only lists match */
	cr_assert_eq(get(env.admin_token, "/api/v1/namespaces/default", NULL), 200);
	set_faults("{}");
	cr_assert_eq(get(env.admin_token, "/api/v1/namespaces/default/configmaps", NULL), 200);
}

Test(faults, throttling_says_when_to_come_back)
{
	struct testenv_resp r;
	char retry[32];
	int i;

	set_faults("{\"throttleCount\":3,\"retryAfterSeconds\":2,\"match\":{\"user\":\"bob\"}}");
	cr_assert_eq(get(env.admin_token, "/api/v1/namespaces", NULL), 200, "admin is not matched");
	for (i = 0; i < 3; i++) {
		cr_assert_eq(get(TESTENV_BOB_TOKEN, "/version", &r), 429);
		cr_assert(testenv_header(&r, "Retry-After", retry, sizeof(retry)), "%s", r.headers);
		cr_assert_str_eq(retry, "2");
		cr_assert_str_eq(json_string_value(json_object_get(r.json, "reason")), "TooManyRequests");
		cr_assert_eq(json_integer_value(json_object_get(
				     json_object_get(r.json, "details"), "retryAfterSeconds")),
			     2);
		testenv_resp_free(&r);
	}
	cr_assert_eq(get(TESTENV_BOB_TOKEN, "/version", NULL), 200, "the count is spent");
}

Test(faults, latency_delays_matching_requests)
{
	struct timespec a, b;
	long ms;

	set_faults("{\"latencyMs\":300,\"match\":{\"resource\":\"secrets\"}}");
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(get(env.admin_token, "/api/v1/namespaces/default/secrets", NULL), 200);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	cr_assert(ms >= 300, "took %ld ms", ms);
}

/* Waits (10 s at most) for the child that made `what` to exit 0. */
static void expect_child_ok(pid_t child, const char *what)
{
	int status = -1, i;

	for (i = 0; i < 1000 && waitpid(child, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 1000) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		cr_assert_fail("%s did not end within 10 s", what);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed", what);
}

/* A hold keeps the matching request (its name matched too) until the next
 * configuration, and no other. */
Test(faults, a_hold_keeps_a_request_until_the_next_configuration)
{
	struct testenv_resp r;
	pid_t child;
	int status = -1;

	set_faults("{\"hold\":true,\"holdMs\":30000,\"match\":{\"verb\":\"get\","
		   "\"resource\":\"configmaps\",\"name\":\"held\"}}");
	child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		testenv_request(&env, env.admin_token, "GET",
				"/api/v1/namespaces/default/configmaps/held", NULL, NULL, &r);
		_exit(r.code == 404 ? 0 : 1);
	}
	cr_assert(testenv_wait_held(&env, 1, 5000), "the request was never held");
	cr_assert_eq(waitpid(child, &status, WNOHANG), 0, "the held request was answered");
	cr_assert_eq(get(env.admin_token, "/api/v1/namespaces/default/configmaps/free", NULL),
		     404, "another name is not held");
	cr_assert_not(testenv_wait_held(&env, 2, 0), "another name was held");
	set_faults("{}");
	expect_child_ok(child, "the held request");
}

Test(faults, bad_configurations_are_refused)
{
	struct testenv_resp r;

	testenv_request(&env, env.admin_token, "POST", "/mgo-test/faults", NULL,
			"{\"errorRate\":2}", &r);
	cr_assert_eq(r.code, 400, "%s", r.body);
	testenv_resp_free(&r);
	testenv_request(&env, env.admin_token, "POST", "/mgo-test/faults", NULL,
			"{\"typo\":1}", &r);
	cr_assert_eq(r.code, 400, "%s", r.body);
	testenv_resp_free(&r);
}

Test(faults, drop_watches_ends_open_streams)
{
	struct testenv_resp r;
	pid_t child;
	int i;

	child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		/* a long watch; it returns only when the server ends it */
		testenv_request(&env, env.admin_token, "GET",
				"/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=60",
				NULL, NULL, &r);
		_exit(r.code == 200 ? 0 : 1);
	}
	/* wait (deadline) for the stream to be open, then drop it */
	for (i = 0; i < 500; i++) {
		testenv_request(&env, env.admin_token, "GET", "/mgo-test/stats", NULL, NULL, &r);
		if (json_integer_value(json_object_get(r.json, "watchesOpen")) == 1) {
			testenv_resp_free(&r);
			break;
		}
		testenv_resp_free(&r);
		usleep(10000);
	}
	cr_assert_lt(i, 500, "the watch never opened");
	testenv_request(&env, env.admin_token, "POST", "/mgo-test/drop-watches", NULL, "", &r);
	cr_assert_eq(r.code, 200);
	testenv_resp_free(&r);
	expect_child_ok(child, "the dropped watch");
}

Test(faults, stats_count_requests_and_objects)
{
	struct testenv_resp r;

	get(TESTENV_BOB_TOKEN, "/api/v1/namespaces", NULL);
	testenv_request(&env, env.admin_token, "GET", "/mgo-test/stats", NULL, NULL, &r);
	cr_assert_eq(r.code, 200);
	cr_assert(json_integer_value(json_object_get(r.json, "requests")) >= 1, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(
			     json_object_get(json_object_get(r.json, "by"), "code"), "403")),
		     1, "%s", r.body);
	cr_assert(json_integer_value(json_object_get(json_object_get(r.json, "objects"),
						     "namespaces")) >= 4, "%s", r.body);
	testenv_resp_free(&r);
}

Test(faults, audit_log_has_a_line_per_request)
{
	char *lines;
	json_t *j;

	get(TESTENV_ALICE_TOKEN, "/api/v1/namespaces/default/pods/p1", NULL);
	lines = testenv_audit_grep(&env, "user", "alice");
	j = json_loads(lines, JSON_DISABLE_EOF_CHECK, NULL);
	cr_assert_not_null(j, "%s", lines);
	cr_assert_str_eq(json_string_value(json_object_get(j, "verb")), "get");
	cr_assert_str_eq(json_string_value(json_object_get(j, "apiGroup")), "");
	cr_assert_str_eq(json_string_value(json_object_get(j, "resource")), "pods");
	cr_assert_str_eq(json_string_value(json_object_get(j, "namespace")), "default");
	cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "p1");
	cr_assert_eq(json_integer_value(json_object_get(j, "code")), 403);
	cr_assert(json_is_number(json_object_get(j, "latencyMs")));
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "groups"), 0)), "dev");
	cr_assert_null(strstr(lines, TESTENV_ALICE_TOKEN), "tokens never reach the audit log");
	json_decref(j);
	free(lines);
}

/* The supervisor's news to its children: a restarted launcher lost the acts
 * queued to its predecessor, and the watcher, told of the restart, observes
 * everything unfinished again at once instead of at each MustGather's
 * resend timer. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mgo/loop.h"
#include "operator.h"
#include "spawn.h"
#include "testenv.h"

/* Nobody is killed for silence here: the test stops the launcher itself. */
#define SUPERVISOR "{gracePeriodMs: 10000, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 60000," \
		   " restartDelayMs: 200, restartDelayMaxMs: 400}"
#define NS "news"

static struct testenv env;
static struct mgo_test_operator op;

static void teardown(void)
{
	mgo_test_operator_free(&op);
	if (env.pid)
		testenv_stop(&env);
}

TestSuite(supervisor_news, .fini = teardown, .timeout = 120);

static void post(const char *path, const char *body)
{
	struct testenv_resp r;

	testenv_request(&env, env.admin_token, "POST", path, NULL, body, &r);
	cr_assert_eq(r.code, 201, "POST %s: %ld %s", path, r.code, r.body);
	testenv_resp_free(&r);
}

/* Observes of MustGather NS/name the validator has received so far. */
static size_t observes(const char *name)
{
	json_t *ipc = mgo_test_operator_events(&op, "ipc", NULL), *line;
	char mg[128];
	size_t i, n = 0;

	snprintf(mg, sizeof(mg), NS "/%s", name);
	json_array_foreach(ipc, i, line) {
		const char *to = json_string_value(json_object_get(line, "to"));
		const char *of = json_string_value(json_object_get(line, "mg"));
		n += to && of && strcmp(to, "validator") == 0 && strcmp(of, mg) == 0;
	}
	json_decref(ipc);
	return n;
}

static bool running(const char *name)
{
	struct testenv_resp r;
	char path[256];
	const char *s;
	bool yes;

	snprintf(path, sizeof(path),
		 "/apis/operator.openshift.io/v1alpha1/namespaces/" NS "/mustgathers/%s", name);
	testenv_request(&env, env.admin_token, "GET", path, NULL, NULL, &r);
	cr_assert_eq(r.code, 200, "get %s: %ld", name, r.code);
	s = json_string_value(json_object_get(json_object_get(r.json, "status"), "status"));
	yes = s && strcmp(s, "Running") == 0;
	testenv_resp_free(&r);
	return yes;
}

static void pause_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

Test(supervisor_news, a_restarted_launcher_gets_the_lost_acts_at_once)
{
	struct mgo_test_operator_opts o = {.env = &env, .supervisor_yaml = SUPERVISOR};
	uint64_t end, killed_ms;
	pid_t launcher, back;

	mgo_test_operator_env(&env);
	mgo_test_operator_start(&op, &o);
	post("/api/v1/namespaces",
	     "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" NS "\"}}");

	/* A stopped launcher: its acts queue up in a process that will never
	 * run them, and the watcher's resends of the MustGather back off
	 * (1 s, 2 s, 4 s, ...) while nothing moves. */
	launcher = mgo_test_operator_child(&op, "launcher");
	cr_assert_gt(launcher, 0);
	cr_assert_eq(kill(launcher, SIGSTOP), 0);
	post("/apis/operator.openshift.io/v1alpha1/namespaces/" NS "/mustgathers",
	     "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
	     "\"metadata\":{\"name\":\"stalled\"},\"spec\":{}}");
	/* the fourth Observe goes out 7 s after the first; the fifth is due
	 * 8 s after the fourth */
	for (end = mgo_now_ms() + 30000; observes("stalled") < 4; pause_ms(20))
		cr_assert_lt(mgo_now_ms(), end, "the watcher did not re-send: %zu observes",
			     observes("stalled"));
	cr_assert(!running("stalled"), "a stopped launcher acted");

	/* the children start side by side: the watcher may also have heard
	 * of the launcher's first start, or not */
	json_t *before = mgo_test_operator_events(&op, "watcher.launcher.ready", NULL);
	size_t heard = json_array_size(before);
	json_decref(before);
	killed_ms = mgo_now_ms();
	cr_assert_eq(kill(launcher, SIGKILL), 0);
	back = mgo_test_operator_wait_ready(&op, "launcher", launcher, 10000);
	cr_assert_gt(back, 0, "the launcher did not come back");

	/* Well before the resend timer (8 s after the fourth Observe): only
	 * the news of the launcher's restart can have brought it. */
	for (end = killed_ms + 5000; !running("stalled"); pause_ms(20))
		cr_assert_lt(mgo_now_ms(), end,
			     "not Running 5 s after the launcher was replaced: its restart did not "
			     "make the watcher observe again (%zu observes)", observes("stalled"));
	json_t *news = mgo_test_operator_events(&op, "watcher.launcher.ready", NULL);
	cr_expect_eq(json_array_size(news), heard + 1,
		     "the watcher heard of the launcher's restart once");
	json_decref(news);
	cr_assert_eq(mgo_test_operator_stop(&op, 15000), 0);
}

#define LEASE_PATH "/apis/coordination.k8s.io/v1/namespaces/" MGO_TEST_OPERATOR_NS "/leases/mgo-launcher"

/* Writes the launcher's Lease as another holder would (holder "" gives it
 * up): created when rv is NULL, else replaced at rv. */
static void write_lease(const char *holder, const char *rv)
{
	json_t *lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s}}", "apiVersion",
				  "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
				  "mgo-launcher", "namespace", MGO_TEST_OPERATOR_NS, "spec",
				  "holderIdentity", holder, "leaseDurationSeconds", 15, "renewTime",
				  "2026-01-01T00:00:00.000000Z");
	struct testenv_resp r;
	char *body;

	cr_assert_not_null(lease);
	if (rv)
		json_object_set_new(json_object_get(lease, "metadata"), "resourceVersion",
				    json_string(rv));
	body = json_dumps(lease, JSON_COMPACT);
	testenv_request(&env, env.admin_token, rv ? "PUT" : "POST",
			rv ? LEASE_PATH : "/apis/coordination.k8s.io/v1/namespaces/"
					  MGO_TEST_OPERATOR_NS "/leases",
			NULL, body, &r);
	cr_assert(r.code == 200 || r.code == 201, "lease write: %ld %s", r.code, r.body);
	testenv_resp_free(&r);
	free(body);
	json_decref(lease);
}

/* A launcher that stood by ignored every act; when it becomes the leader
 * its supervisor tells the watcher, which observes everything unfinished
 * again at once instead of at each MustGather's resend timer. */
Test(supervisor_news, a_new_leader_gets_every_unfinished_mustgather_at_once)
{
	struct mgo_test_operator_opts o = {.env = &env, .supervisor_yaml = SUPERVISOR};
	struct testenv_resp r;
	uint64_t end, released_ms;

	mgo_test_operator_env(&env);
	write_lease("another-replica", NULL);
	mgo_test_operator_spawn(&op, &o);
	cr_assert(wait_for_text(op.log, "\"event\":\"launcher.standby\"", 30000),
		  "the launcher did not stand by");
	cr_assert(wait_for_text(op.log, "\"event\":\"supervisor.ready\"", 30000));
	post("/api/v1/namespaces",
	     "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" NS "\"}}");
	post("/apis/operator.openshift.io/v1alpha1/namespaces/" NS "/mustgathers",
	     "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
	     "\"metadata\":{\"name\":\"waiting\"},\"spec\":{}}");
	/* the fourth Observe goes out 7 s after the first, the fifth 8 s
	 * after it: each was ignored by a launcher standing by */
	for (end = mgo_now_ms() + 30000; observes("waiting") < 4; pause_ms(20))
		cr_assert_lt(mgo_now_ms(), end, "the watcher did not re-send");
	cr_assert(!running("waiting"), "a launcher standing by acted");

	/* the other replica gives the Lease up */
	testenv_request(&env, env.admin_token, "GET", LEASE_PATH, NULL, NULL, &r);
	cr_assert_eq(r.code, 200);
	released_ms = mgo_now_ms();
	write_lease("", json_string_value(json_object_get(json_object_get(r.json, "metadata"),
							  "resourceVersion")));
	testenv_resp_free(&r);
	for (end = released_ms + 5000; !running("waiting"); pause_ms(20))
		cr_assert_lt(mgo_now_ms(), end,
			     "not Running 5 s after the launcher could lead: its leadership did "
			     "not make the watcher observe again (%zu observes)",
			     observes("waiting"));
	json_t *news = mgo_test_operator_events(&op, "watcher.launcher.leads", NULL);
	cr_expect_eq(json_array_size(news), 1, "the watcher heard of the new leader once");
	json_decref(news);
	news = mgo_test_operator_events(&op, "supervisor.launcher.leads", NULL);
	cr_expect_eq(json_array_size(news), 1);
	json_decref(news);
	cr_assert_eq(mgo_test_operator_stop(&op, 15000), 0);
}

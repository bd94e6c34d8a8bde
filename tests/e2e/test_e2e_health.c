/* mgo-health through the real supervisor: /metrics counts what happened,
 * /readyz waits for the watcher's informers, /healthz follows a killed
 * child until it is back. Every wait polls the endpoint with a deadline. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "healthprobe.h"
#include "mgo/loop.h"
#include "sanitized.h"
#include "spawn.h"

TestSuite(health, .init = cluster_setup, .fini = cluster_teardown);

#define CUSTOM "quay.io/acme/gather:v1"

static void pause_briefly(void)
{
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

/* Scrapes until every line of want[] is in the body (the children send
 * their counters at each heartbeat, the supervisor its snapshot at each
 * interval); fails with the last body at the deadline. */
static void expect_metrics(unsigned port, const char *const want[])
{
	uint64_t end = mgo_now_ms() + CL_WAIT_MS * (uint64_t)cl.slow;
	char *body = NULL;

	for (;;) {
		size_t i = 0;
		free(body);
		body = NULL;
		if (mgo_test_health_get(port, "GET", "/metrics", &body, NULL, NULL) == 200)
			while (want[i] && strstr(body, want[i]))
				i++;
		if (body && !want[i])
			break;
		if (mgo_now_ms() > end)
			cr_assert_fail("/metrics lacks %s:\n%s", want[i], body ? body : "(none)");
		pause_briefly();
	}
	free(body);
}

Test(health, metrics_count_what_happened)
{
	static const char *const allow[] = {CUSTOM, NULL};
	static const char *const want[] = {
		"\nmgo_mustgathers_total{outcome=\"launched\",reason=\"\"} 2\n",
		"\nmgo_mustgathers_total{outcome=\"denied\",reason=\"InvalidImage\"} 2\n",
		"\nmgo_mustgathers_total{outcome=\"denied\",reason=\"InvalidSpec\"} 1\n",
		"\nmgo_mustgathers_total{outcome=\"completed\",reason=\"Completed\"} 1\n",
		"\nmgo_child_up{child=\"watcher\"} 1\n",
		"\nmgo_child_restarts_total{child=\"watcher\"} 0\n",
		NULL,
	};
	unsigned port;

	cluster_require_test_server(&cl, "Job status set by the test");
	port = cluster_health_port(&cl);
	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "plain", "{}"));
	json_decref(cluster_create_mg(&cl, "custom", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	json_decref(cluster_create_mg(&cl, "unlisted",
				      "{\"mustGatherImage\":\"quay.io/someone-else/gather:v1\"}"));
	json_decref(cluster_create_mg(&cl, "malformed",
				      "{\"mustGatherImage\":\"quay.io/UPPER/gather:v1\"}"));
	json_decref(cluster_create_mg(&cl, "nosa", "{\"serviceAccountRef\":{\"name\":\"nobody\"}}"));
	json_decref(cluster_wait_job(&cl, "plain"));
	json_decref(cluster_wait_job(&cl, "custom"));
	json_decref(cluster_wait_mg(&cl, "unlisted", "Failed"));
	json_decref(cluster_wait_mg(&cl, "malformed", "Failed"));
	json_decref(cluster_wait_mg(&cl, "nosa", "Failed"));
	cluster_job_succeed(&cl, "plain");
	json_decref(cluster_wait_mg(&cl, "plain", "Completed"));
	expect_metrics(port, want);
	/* exactly what happened: the audit log's Job creations, and no
	 * outcome nobody caused */
	cr_assert_eq(cluster_jobs_created(&cl), 2);
	char *body = NULL;
	cr_assert_eq(mgo_test_health_get(port, "GET", "/metrics", &body, NULL, NULL), 200);
	cr_expect_null(strstr(body, "outcome=\"failed\""), "%s", body);
	cr_expect_null(strstr(body, "AllowlistNotConfigured"), "%s", body);
	free(body);
}

#define MONITORING MGO_SOURCE_DIR "/deploy/monitoring"
#define MONITORING_CHECK MGO_SOURCE_DIR "/tests/unit/py/monitoring_check.py"

/* tests/unit/py/monitoring_check.py on scraped text: its exit status and
 * output (*out: caller frees). */
static int check_monitoring(const char *dir, const char *scraped, char **out)
{
	char *file = mgo_test_write(dir, "metrics.txt", scraped);
	int code = -1;

	run_python(&cl.env, MONITORING_CHECK,
		   (const char *[]){"--metrics", file, "--rules", MONITORING "/prometheusrule.yaml",
				    "--dashboard", MONITORING "/dashboard.json", NULL},
		   out, &code);
	free(file);
	return code;
}

/* Every metric and label deploy/monitoring's alerts and dashboard query is
 * in what the operator exports after a run with launches, a completion, a
 * denial and a failure (Job status written through its status
 * subresource, as on any API server: this runs in external mode too); and
 * a renamed metric fails the check (the check runs on the scrape with one
 * family renamed, as if the operator had). */
Test(health, alerts_and_dashboard_query_what_the_operator_exports)
{
	static const char *const want[] = {
		"\nmgo_mustgathers_total{outcome=\"completed\",reason=\"Completed\"} 1\n",
		"\nmgo_mustgathers_total{outcome=\"denied\",reason=\"InvalidImage\"} 1\n",
		"\nmgo_mustgathers_total{outcome=\"failed\",reason=\"",
		"\nmgo_reconcile_duration_seconds_bucket{le=",
		"\nmgo_lease_leader 1\n",
		NULL,
	};
	char *dir = mgo_test_tmpdir(), *body = NULL, *out = NULL, *at;
	unsigned port;
	int code;

	port = cluster_health_port(&cl);
	cluster_set_allowlist(&cl, (const char *const[]){CUSTOM, NULL});
	json_decref(cluster_create_mg(&cl, "done", "{}"));
	json_decref(cluster_create_mg(&cl, "broken", "{}"));
	json_decref(cluster_create_mg(&cl, "unlisted",
				      "{\"mustGatherImage\":\"quay.io/someone-else/gather:v1\"}"));
	json_decref(cluster_wait_job(&cl, "done"));
	json_decref(cluster_wait_job(&cl, "broken"));
	cluster_job_succeed(&cl, "done");
	cluster_job_fail(&cl, "broken", "BackoffLimitExceeded");
	json_decref(cluster_wait_mg(&cl, "done", "Completed"));
	json_decref(cluster_wait_mg(&cl, "broken", "Failed"));
	json_decref(cluster_wait_mg(&cl, "unlisted", "Failed"));
	expect_metrics(port, want);
	cr_assert_eq(mgo_test_health_get(port, "GET", "/metrics", &body, NULL, NULL), 200);
	code = check_monitoring(dir, body, &out);
	cr_log_info("%s", out);
	cr_expect_eq(code, 0, "deploy/monitoring uses what the operator does not export:\n%s", out);
	free(out);
	/* mgo_child_up renamed everywhere in the scrape: the alerts on it fail */
	while ((at = strstr(body, "mgo_child_up")))
		memcpy(at, "mgo_child_ok", 12);
	code = check_monitoring(dir, body, &out);
	cr_expect_eq(code, 1, "%s", out);
	cr_expect(strstr(out, "alert MustGatherOperatorNotReady: mgo_child_up is not a metric the "
			      "operator exports"), "%s", out);
	free(out);
	free(body);
	mgo_test_rmtree(dir);
	free(dir);
}

/* The pid of `child`'s last start (supervisor.child.started) in the log,
 * or 0. */
static pid_t last_start(const char *child)
{
	char *text = slurp(cl.log), *save = NULL;
	pid_t pid = 0;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		if (j && strcmp(cl_str(j, "event") ? cl_str(j, "event") : "",
				"supervisor.child.started") == 0 &&
		    strcmp(cl_str(j, "child"), child) == 0)
			pid = (pid_t)json_integer_value(json_object_get(j, "child_pid"));
		json_decref(j);
	}
	free(text);
	return pid;
}

/* Waits for a start of `child` other than `not` (0: any); its pid. */
static pid_t child_pid(const char *child, pid_t not)
{
	uint64_t end = mgo_now_ms() + CL_WAIT_MS * (uint64_t)cl.slow;
	pid_t pid;

	while (((pid = last_start(child)) == 0 || pid == not) && mgo_now_ms() <= end)
		pause_briefly();
	cr_assert(pid > 0 && pid != not, "no (new) start of %s in the log", child);
	return pid;
}

Test(health, readyz_waits_for_the_informers)
{
	char *body = NULL, faults[512];
	unsigned port;

	cluster_require_test_server(&cl, "fault injection");
	cluster_procs_stop(&cl);
	/* every list the watcher makes takes 3 s: its informers cannot sync
	 * before then */
	snprintf(faults, sizeof(faults),
		 "{\"latencyMs\": %d, \"match\": {\"user\": \"" CL_WATCHER_USER "\", "
		 "\"verb\": \"list\"}}", 3000 * cl.slow);
	cluster_faults(&cl, faults);
	cluster_procs_spawn(&cl);
	port = cluster_health_port(&cl);
	child_pid("watcher", 0);
	/* running and listing: alive, not ready, and saying why; the
	 * validator and the launcher, started beside it, are ready long before
	 * its lists come back, and then only the watcher is named */
	cr_assert_eq(mgo_test_health_wait(port, "/healthz", 200,
					  CL_WAIT_MS * cl.slow), 200);
	uint64_t end = mgo_now_ms() + 2000 * (uint64_t)cl.slow;
	for (;;) {
		cr_assert_eq(mgo_test_health_get(port, "GET", "/readyz", &body, NULL, NULL), 503);
		if (!strstr(body, "validator") && !strstr(body, "launcher"))
			break;
		cr_assert(mgo_now_ms() < end, "the others are still not ready: %s", body);
		free(body);
		pause_briefly();
	}
	cr_assert(strstr(body, "watcher not ready"), "%s", body);
	free(body);
	cr_assert(!wait_for_text(cl.log, "\"event\":\"supervisor.ready\"", 1),
		  "the check came too late: the informers synced already");
	/* synced: ready */
	cr_assert_eq(mgo_test_health_wait(port, "/readyz", 200, 3 * CL_WAIT_MS * cl.slow), 200);
	cr_assert(wait_for_text(cl.log, "\"event\":\"supervisor.ready\"", 1000));
	cluster_faults(&cl, "{}");
}

/* For the report, not a claim: what a scrape costs and what mgo-health
 * holds. */
static void measure(unsigned port)
{
	char path[64], *status, *rss, *body = NULL;
	uint64_t t0 = mgo_now_ms();
	int n = 0;

	while (mgo_now_ms() - t0 < 1000 && n < 200) {
		free(body);
		body = NULL;
		cr_assert_eq(mgo_test_health_get(port, "GET", "/metrics", &body, NULL, NULL), 200);
		n++;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)child_pid("health", 0));
	status = slurp(path);
	rss = status ? strstr(status, "VmRSS:") : NULL;
	cr_log_info("/metrics: %zu bytes, %d scrapes in %llu ms; mgo-health %.*s", strlen(body), n,
		    (unsigned long long)(mgo_now_ms() - t0), rss ? (int)strcspn(rss, "\n") : 0,
		    rss ? rss : "");
	free(status);
	free(body);
}

Test(health, healthz_fails_while_a_killed_child_is_away)
{
	static const char *const children[] = {"watcher", "validator", "launcher"};
	unsigned port = cluster_health_port(&cl);
	char *body = NULL;

	cr_assert_eq(mgo_test_health_wait(port, "/healthz", 200, CL_WAIT_MS * cl.slow), 200);
	measure(port);
	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
		pid_t pid = child_pid(children[i], 0);
		cr_assert_eq(kill(pid, SIGKILL), 0);
		cr_assert_eq(mgo_test_health_wait(port, "/healthz", 503, CL_WAIT_MS * cl.slow), 503,
			     "/healthz still ok with %s killed", children[i]);
		cr_assert_eq(mgo_test_health_get(port, "GET", "/healthz", &body, NULL, NULL), 503);
		cr_assert(strstr(body, children[i]), "%s: %s", children[i], body);
		free(body);
		cr_assert_eq(mgo_test_health_wait(port, "/healthz", 200, 3 * CL_WAIT_MS * cl.slow),
			     200, "/healthz never recovered after %s came back", children[i]);
		child_pid(children[i], pid);
		cr_assert_eq(mgo_test_health_wait(port, "/readyz", 200, 3 * CL_WAIT_MS * cl.slow),
			     200);
	}
}

/* Any pod may reach the port (the NetworkPolicy lets it): connections held
 * open that never ask must not keep the kubelet's probes out, while they
 * are held (and reopened as mgo-health closes them) nor after. A probe
 * answers within a kubelet probe's default 1 s, or fails the test; three
 * under the sanitizers, which slow mgo-health several times (a wedged one
 * answers never, whatever the bound). */
#define IDLE 64
#define PROBE_MS (1000L * cl.slow * (MGO_TEST_SANITIZED ? 3 : 1))

static void probe_within_a_second(unsigned port, const char *when, int i)
{
	uint64_t t0 = mgo_now_ms();
	long code = mgo_test_health_probe(port, "/healthz", PROBE_MS);

	cr_assert_neq(code, 0, "probe %d %s: no answer in %ld ms", i, when, PROBE_MS);
	cr_expect_eq(code, 200, "probe %d %s: %ld", i, when, code);
	cr_log_info("probe %d %s: %ld in %llu ms", i, when, code,
		    (unsigned long long)(mgo_now_ms() - t0));
}

Test(health, idle_connections_do_not_keep_the_probes_out)
{
	unsigned port = cluster_health_port(&cl);
	struct timespec period = {0, 100 * 1000 * 1000}; /* pacing, not a wait */
	int idle[IDLE];
	size_t reopened = 0;

	cr_assert_eq(mgo_test_health_wait(port, "/healthz", 200, CL_WAIT_MS * cl.slow), 200);
	mgo_test_health_idle_open(port, idle, IDLE);
	/* longer than a connection may live, so closed ones come back */
	for (int i = 0; i < 30; i++) {
		probe_within_a_second(port, "with 64 idle connections open", i);
		reopened += mgo_test_health_idle_refill(port, idle, IDLE);
		nanosleep(&period, NULL);
	}
	mgo_test_health_idle_close(idle, IDLE);
	for (int i = 0; i < 8; i++) {
		probe_within_a_second(port, "after the idle connections closed", i);
		nanosleep(&period, NULL);
	}
	cr_log_info("%zu idle connections reopened after mgo-health closed them", reopened);
}

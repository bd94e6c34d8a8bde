/* Leadership fenced (issue 9): the real mgo-launcher, working off a backlog
 * of launches at the default rate limit, has its Lease renewals stuck at the
 * server (the test API server's latency fault on the lease path). It must
 * lose the Lease by its renew deadline, counted by its own timer from the
 * last renewal, log the interval it led, and stop writing at once: the acts
 * in flight end before their next write and the writes queued behind the
 * rate limit are never sent. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <zmq.h>

#include "decide.h"
#include "lease.h"
#include "leadership.h"
#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "operator.h"
#include "spawn.h"
#include "testenv.h"

#define NS "team-a"
#define BACKLOG 150 /* launches: ~450 writes, over 20 s at 20 qps */

static struct testenv env;
static char *dir, *logpath, endpoint[600];
static pid_t launcher;
static void *zctx, *push;
static struct mgo_test_keys keys;

static void setup(void)
{
	struct mgo_test_operator_opts o = {.env = &env};
	char run[600];

	mgo_test_operator_env(&env);
	dir = mgo_test_tmpdir();
	char *config = mgo_test_operator_config(dir, &o);
	cr_assert(asprintf(&logpath, "%s/launcher.log", dir) > 0);
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/run/launcher/socket", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	cr_assert_eq(mkdir(run, 0700), 0);
	mgo_test_keys_mint(&keys);
	const char *argv[] = {MGO_LAUNCHER_BIN, "--config", config, "--keys-fd", "3", NULL};
	launcher = mgo_test_spawn_with_keys(argv, &keys.launcher, logpath);
	free(config);
	cr_assert(wait_for_text(logpath, "\"event\":\"launcher.active\"", 30000),
		  "the launcher never led");
	zctx = zmq_ctx_new();
}

static void teardown(void)
{
	if (push)
		zmq_close(push);
	if (zctx)
		zmq_ctx_term(zctx);
	if (launcher > 0)
		stop_process(launcher, SIGKILL, 5000);
	if (env.pid)
		testenv_call(&env, env.admin_token, "DELETE", "/mgo-test/faults", NULL, NULL, NULL);
	if (dir) {
		mgo_test_rmtree(dir);
		free(dir);
	}
	free(logpath);
	testenv_stop(&env);
}

TestSuite(launcher_fence, .init = setup, .fini = teardown, .timeout = 240);

static int64_t wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* MustGather NS/name, created for real, and the validator's launch act. */
static struct mgo_ipc_msg launch_act(const char *name)
{
	struct mgo_policy policy = {.namespace = MGO_TEST_OPERATOR_NS,
				    .default_image = "quay.io/openshift/origin-must-gather:latest"};
	struct mgo_observe o = {.job = {.gather_exit = -1, .upload_exit = -1},
				.service_account = MGO_PRESENCE_PRESENT};
	struct mgo_ipc_msg m = {.version = MGO_IPC_VERSION, .type = MGO_IPC_ACT, .seq = 1};
	struct testenv_resp r;
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
		 "\"metadata\":{\"name\":\"%s\",\"namespace\":\"" NS "\"},\"spec\":{}}", name);
	testenv_request(&env, env.admin_token, "POST",
			"/apis/operator.openshift.io/v1alpha1/namespaces/" NS "/mustgathers", NULL,
			body, &r);
	cr_assert_eq(r.code, 201, "%s", r.body);
	json_t *meta = json_object_get(r.json, "metadata");
	o.mg = (struct mgo_mg){
		.ns = strdup(NS), .name = strdup(name),
		.uid = strdup(json_string_value(json_object_get(meta, "uid"))),
		.resource_version = strdup(json_string_value(json_object_get(meta, "resourceVersion"))),
		.generation = json_integer_value(json_object_get(meta, "generation")),
	};
	testenv_resp_free(&r);
	cr_assert_eq(mgo_decide(&policy, &o, &m.u.act), MGO_DECIDE_ACT);
	cr_assert_eq(m.u.act.kind, MGO_ACT_LAUNCH);
	m.trace_uid = strdup(o.mg.uid);
	m.trace_gen = o.mg.generation;
	mgo_observe_free(&o);
	return m;
}

static void connect_as_validator(void)
{
	struct mgo_ipc_keys k = {.self = MGO_ROLE_VALIDATOR, .peers = 1u << MGO_ROLE_LAUNCHER};
	struct mgo_ipc_auth a = {.keys = &k, .peer = MGO_ROLE_LAUNCHER};

	memcpy(k.public_key, keys.validator_pub, 32);
	memcpy(k.secret_key, keys.validator_sec, 32);
	memcpy(k.peer[MGO_ROLE_LAUNCHER], keys.launcher.public_key, 32);
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &a, &push), 0);
	mgo_ipc_keys_wipe(&k);
}

static void send_act(const struct mgo_ipc_msg *m)
{
	uint64_t end = mgo_now_ms() + 20000;

	/* the first send waits for the CURVE handshake (libzmq's thread) */
	while (mgo_ipc_send(push, m, NULL, 0) != 0) {
		cr_assert_lt(mgo_now_ms(), end, "the launcher took no act within 20 s");
		zmq_poll(NULL, 0, 10);
	}
}

/* Jobs the launcher has created so far, by the audit log. */
static size_t jobs_created(void)
{
	char *lines = testenv_audit_grep(&env, "resource", "jobs"), *save = NULL;
	size_t n = 0;

	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(l, 0, NULL);
		n += json_integer_value(json_object_get(j, "code")) == 201;
		json_decref(j);
	}
	free(lines);
	return n;
}

Test(launcher_fence, a_stuck_renewal_stops_every_write_by_the_deadline)
{
	struct mgo_test_lead leads[4];
	size_t n = 0;
	uint64_t end;

	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", "/api/v1/namespaces", NULL,
				  "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
				  "\"metadata\":{\"name\":\"" NS "\"}}", NULL),
		     201);
	/* every MustGather first, then all the acts at once: the backlog
	 * starts whole, however slow this machine makes the creations */
	static struct mgo_ipc_msg acts[BACKLOG];
	for (int i = 0; i < BACKLOG; i++) {
		char name[32];
		snprintf(name, sizeof(name), "mg%03d", i);
		acts[i] = launch_act(name);
	}
	connect_as_validator();
	for (int i = 0; i < BACKLOG; i++) {
		send_act(&acts[i]);
		mgo_ipc_msg_free(&acts[i]);
	}
	/* the backlog is being worked off */
	for (end = mgo_now_ms() + 30000; jobs_created() < 10; zmq_poll(NULL, 0, 50))
		cr_assert_lt(mgo_now_ms(), end, "the launcher created no Jobs");
	int64_t fault_us = wall_us();
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", "/mgo-test/faults", NULL,
				  "{\"latencyMs\": 15000, \"match\": {\"resource\": \"leases\"}}",
				  NULL),
		     200);
	cr_assert(wait_for_text(logpath, "\"event\":\"lease.lost\"", 30000),
		  "the launcher never lost the lease");
	json_t *lost = mgo_test_log_events(logpath, "lease.lost", NULL);
	cr_assert_eq(json_array_size(lost), 1);
	json_t *line = json_array_get(lost, 0);
	int64_t renewed = json_integer_value(json_object_get(line, "last_renew_us"));
	int64_t at = json_integer_value(json_object_get(line, "lost_us"));
	cr_assert_lt(renewed, fault_us, "the last renewal was made before the fault");
	/* by its own timer: 10 s from the start of the last renewal that
	 * landed, not when the stuck one returns (15 s later). The launcher
	 * stamps that start in microseconds but counts its deadline in whole
	 * milliseconds (mgo_now_ms), so the loss may be told up to 1 ms
	 * before the stamps say; early is the safe side for a fence */
	cr_assert_geq(at - renewed, (MGO_LEASE_RENEW_DEADLINE_MS - 1) * 1000LL,
		      "lost %lld us after the last renewal", (long long)(at - renewed));
	cr_assert_leq(at - renewed, (MGO_LEASE_RENEW_DEADLINE_MS + 1500) * 1000LL,
		      "lost %lld ms after the last renewal", (long long)(at - renewed) / 1000);
	cr_assert_str_eq(json_string_value(json_object_get(line, "msg")),
			 "could not renew the lease within 10000 ms");
	json_decref(lost);

	/* Not a condition to wait for but the absence of one: unfenced, the
	 * queue behind the rate limit goes on at 20 writes a second, so 3 s
	 * of silence at the server is the proof. */
	end = mgo_now_ms() + 3000;
	while (mgo_now_ms() < end)
		zmq_poll(NULL, 0, (int)(end - mgo_now_ms()));
	mgo_test_leads(logpath, INT64_MAX, leads, 4, &n);
	cr_assert_eq(n, 1);
	/* a write sent before the loss may reach the handler a moment after */
	size_t writes = mgo_test_writes_fenced(env.audit_log, leads, n, 200);
	cr_assert_gt(writes, 30, "only %zu act writes were made", writes);
	/* and the launcher says which acts it dropped */
	cr_assert(wait_for_text(logpath, "\"event\":\"launcher.abandoned\"", 0),
		  "no act was in flight at the loss: no backlog to fence");
	cr_assert(wait_for_text(logpath, "not the leader any more", 0));
}

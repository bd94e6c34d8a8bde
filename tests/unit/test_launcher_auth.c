/* The real mgo-launcher obeys only the validator's key: a stand-in validator
 * holding a fresh key, or the watcher's, gets no action executed and its
 * refusal logged; holding the validator's key, the same act creates the Job.
 * The launcher gets its keys on fd 3 exactly as the supervisor hands them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zmq.h>

#include "decide.h"
#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "operator.h"
#include "spawn.h"
#include "testenv.h"

static struct testenv env;
static char *dir, *logpath, endpoint[600];
static pid_t launcher;
static void *zctx, *push;
static struct mgo_test_keys keys;

static void setup(void)
{
	struct mgo_test_operator_opts o = {.env = &env};

	mgo_test_operator_env(&env);
	dir = mgo_test_tmpdir();
	char *config = mgo_test_operator_config(dir, &o);
	cr_assert(asprintf(&logpath, "%s/launcher.log", dir) > 0);
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/run/launcher/socket", dir);
	char run[600];
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
	if (dir) {
		mgo_test_rmtree(dir);
		free(dir);
	}
	free(logpath);
	testenv_stop(&env);
}

TestSuite(launcher_auth, .init = setup, .fini = teardown, .timeout = 120);

/* The MustGather the act is about, created for real. */
static struct mgo_observe create_mg(void)
{
	struct testenv_resp r;
	struct mgo_observe o = {.job = {.gather_exit = -1, .upload_exit = -1},
				.service_account = MGO_PRESENCE_PRESENT};

	testenv_request(&env, env.admin_token, "POST", "/api/v1/namespaces", NULL,
			"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"team-a\"}}",
			&r);
	cr_assert_eq(r.code, 201);
	testenv_resp_free(&r);
	testenv_request(&env, env.admin_token, "POST",
			"/apis/operator.openshift.io/v1alpha1/namespaces/team-a/mustgathers", NULL,
			"{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
			"\"metadata\":{\"name\":\"mg1\",\"namespace\":\"team-a\"},\"spec\":{}}",
			&r);
	cr_assert_eq(r.code, 201, "%s", r.body);
	json_t *meta = json_object_get(r.json, "metadata");
	o.mg = (struct mgo_mg){
		.ns = strdup("team-a"), .name = strdup("mg1"),
		.uid = strdup(json_string_value(json_object_get(meta, "uid"))),
		.resource_version = strdup(json_string_value(json_object_get(meta, "resourceVersion"))),
		.generation = json_integer_value(json_object_get(meta, "generation")),
	};
	testenv_resp_free(&r);
	return o;
}

/* The validator's own decision for it: a launch. */
static struct mgo_ipc_msg launch_act(void)
{
	struct mgo_policy policy = {.namespace = MGO_TEST_OPERATOR_NS,
				    .default_image = "quay.io/openshift/origin-must-gather:latest"};
	struct mgo_observe obs = create_mg();
	struct mgo_ipc_msg m = {.version = MGO_IPC_VERSION, .type = MGO_IPC_ACT, .seq = 1};

	cr_assert_eq(mgo_decide(&policy, &obs, &m.u.act), MGO_DECIDE_ACT);
	cr_assert_eq(m.u.act.kind, MGO_ACT_LAUNCH);
	m.trace_uid = strdup(obs.mg.uid);
	m.trace_gen = obs.mg.generation;
	mgo_observe_free(&obs);
	return m;
}

/* A stand-in validator holding (pub, sec) and trusting the launcher's key. */
static void *connect_as(const uint8_t *pub, const uint8_t *sec)
{
	return mgo_test_push_as(zctx, endpoint, MGO_ROLE_VALIDATOR, pub, sec, MGO_ROLE_LAUNCHER,
				keys.launcher.public_key);
}

/* Keeps sending m until it goes through or `until` is in the launcher's
 * log; whether it went through. 20 s deadline. */
static bool send_until(void *s, const struct mgo_ipc_msg *m, const char *until)
{
	uint64_t end = mgo_now_ms() + 20000;

	while (mgo_now_ms() < end) {
		if (mgo_ipc_send(s, m, NULL, 0) == 0)
			return true;
		if (until && wait_for_text(logpath, until, 0))
			return false;
		zmq_poll(NULL, 0, 10); /* the handshake runs in libzmq's thread */
	}
	cr_assert_fail("neither a send nor %s within 20 s", until ? until : "");
	return false;
}

static int jobs_created(void)
{
	char *lines = testenv_audit_grep(&env, "resource", "jobs"), *save = NULL;
	int n = 0;

	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(l, 0, NULL);
		const char *verb = json_string_value(json_object_get(j, "verb"));
		if (verb && strcmp(verb, "create") == 0)
			n++;
		json_decref(j);
	}
	free(lines);
	return n;
}

static void refused(const uint8_t *pub, const uint8_t *sec)
{
	struct mgo_ipc_msg act = launch_act();
	char tag[MGO_IPC_KEY_TAG_LEN + 1], denied[128];

	mgo_ipc_key_tag(pub, tag);
	snprintf(denied, sizeof(denied), "\"key\":\"%s\"", tag);
	push = connect_as(pub, sec);
	cr_assert_not(send_until(push, &act, denied), "the act was sent");
	cr_assert(wait_for_text(logpath, "\"event\":\"ipc.zap.denied\"", 0));
	cr_assert(wait_for_text(logpath, "\"expected\":\"validator\"", 0));
	zmq_close(push);

	/* the same act with the validator's key is obeyed: so the refusal was
	 * about the key, and nothing of the refused one had been done */
	cr_assert_eq(jobs_created(), 0);
	cr_assert_not(wait_for_text(logpath, "\"event\":\"ipc\"", 0), "an act was received");
	push = connect_as(keys.validator_pub, keys.validator_sec);
	cr_assert(send_until(push, &act, NULL));
	cr_assert(wait_for_text(logpath, "created Job", 20000), "the validator's act not obeyed");
	cr_assert_eq(jobs_created(), 1);
	mgo_ipc_msg_free(&act);
}

Test(launcher_auth, a_fresh_key_gets_nothing_done)
{
	uint8_t pub[32], sec[32];

	cr_assert_eq(mgo_ipc_keypair(pub, sec), 0);
	refused(pub, sec);
}

Test(launcher_auth, the_watchers_key_gets_nothing_done)
{
	refused(keys.watcher_pub, keys.watcher_sec);
}

Test(launcher_auth, without_keys_the_launcher_refuses_to_run)
{
	char *config = mgo_test_operator_config(dir, &(struct mgo_test_operator_opts){.env = &env});
	char log2[700];
	snprintf(log2, sizeof(log2), "%s/nokeys.log", dir);
	const char *argv[] = {MGO_LAUNCHER_BIN, "--config", config, NULL};
	pid_t pid = spawn_logged(argv, NULL, log2);
	int status = stop_process(pid, 0 /* no signal: wait for it to exit */, 10000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %#x", status);
	cr_assert(wait_for_text(log2, "refusing to run without IPC authentication", 0));
	free(config);
}

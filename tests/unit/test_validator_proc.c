/* The mgo-validator program between a stand-in watcher and launcher: each
 * Observe becomes the right Act, every message is logged as it arrives, bad
 * frames do not stop it, and SIGTERM ends it cleanly. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "spawn.h"

static char dir[64], config[128], logpath[128];
static void *zctx, *to_validator, *from_validator;
static pid_t validator;

static void write_config(void)
{
	FILE *f = fopen(config, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"namespace: must-gather-operator\n"
		"defaultImage: quay.io/openshift/origin-must-gather:latest\n"
		"operatorImage: quay.io/mgo/operator:latest\n"
		"socketDir: %s\n"
		"roles:\n"
		"  watcher: {tokenFile: /nonexistent/watcher/token}\n"
		"  launcher: {tokenFile: /nonexistent/launcher/token}\n",
		dir);
	cr_assert_eq(fclose(f), 0);
}

static void setup(void)
{
	char endpoint[160];

	make_temp_dir(dir, sizeof(dir), "mgo-validator");
	snprintf(config, sizeof(config), "%s/config.yaml", dir);
	snprintf(logpath, sizeof(logpath), "%s/validator.log", dir);
	write_config();
	zctx = zmq_ctx_new();
	/* the stand-in launcher binds first, as the real one would */
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/launcher", dir);
	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &from_validator), 0);
	const char *argv[] = {MGO_VALIDATOR_BIN, "--config", config, NULL};
	validator = spawn_logged(argv, NULL, logpath);
	cr_assert_gt(validator, 0);
	cr_assert(wait_for_text(logpath, "validator.ready", 10000), "validator never ready");
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/validator", dir);
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &to_validator), 0);
}

static void teardown(void)
{
	if (validator > 0)
		stop_process(validator, SIGKILL, 5000);
	zmq_close(to_validator);
	zmq_close(from_validator);
	zmq_ctx_term(zctx);
	remove_tree(dir);
}

TestSuite(validator_proc, .init = setup, .fini = teardown, .timeout = 60);

static struct mgo_ipc_msg observe(const char *image, uint64_t seq)
{
	static char *images[] = {"quay.io/my-org/gather:v1"};
	return (struct mgo_ipc_msg){
		.version = MGO_IPC_VERSION, .type = MGO_IPC_OBSERVE, .seq = seq,
		.trace_uid = "uid-1", .trace_gen = 1,
		.u.observe = {
			.mg = {.ns = "team-a", .name = "mg1", .uid = "uid-1", .generation = 1,
			       .spec = {.image = (char *)image}},
			.allowlist = {.present = true, .generation = 1, .n_images = 1, .images = images},
			.job = {.gather_exit = -1, .upload_exit = -1},
			.service_account = MGO_PRESENCE_PRESENT,
		},
	};
}

static void send_observe(const struct mgo_ipc_msg *m)
{
	char err[256];
	uint64_t end = mgo_now_ms() + 10000;
	int rc;
	while ((rc = mgo_ipc_send(to_validator, m, err, sizeof(err))) == -EAGAIN &&
	       mgo_now_ms() < end)
		zmq_poll(NULL, 0, 5); /* the connection comes up in the background */
	cr_assert_eq(rc, 0, "%s", err);
}

static struct mgo_ipc_msg expect_act(void)
{
	zmq_pollitem_t item = {.socket = from_validator, .events = ZMQ_POLLIN};
	struct mgo_ipc_msg m;
	char err[256];
	cr_assert_eq(zmq_poll(&item, 1, 10000), 1, "no act from the validator");
	cr_assert_eq(mgo_ipc_recv(from_validator, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(m.type, MGO_IPC_ACT);
	return m;
}

Test(validator_proc, observations_become_acts)
{
	struct mgo_ipc_msg in = observe("quay.io/evil/gather:v1", 1);
	send_observe(&in);
	struct mgo_ipc_msg act = expect_act();
	cr_assert_eq(act.u.act.kind, MGO_ACT_DENY);
	cr_assert_str_eq(act.u.act.reason, "InvalidImage");
	cr_assert_str_eq(act.trace_uid, "uid-1");
	mgo_ipc_msg_free(&act);

	in = observe("quay.io/my-org/gather:v1", 2);
	send_observe(&in);
	act = expect_act();
	cr_assert_eq(act.u.act.kind, MGO_ACT_LAUNCH);
	cr_assert_str_eq(act.u.act.intent.image, "quay.io/my-org/gather:v1");
	mgo_ipc_msg_free(&act);

	cr_assert(wait_for_text(logpath, "\"verdict\":\"observe:job=none,phase=new\"", 5000));
	cr_assert(wait_for_text(logpath, "\"result\":\"sent deny:InvalidImage\"", 5000));
	cr_assert(wait_for_text(logpath, "\"mg\":\"team-a/mg1\"", 5000));
}

Test(validator_proc, bad_frames_are_logged_and_survived)
{
	uint64_t end = mgo_now_ms() + 10000;
	while (zmq_send(to_validator, "\x81\xa1v\x07", 4, ZMQ_DONTWAIT) < 0 && mgo_now_ms() < end)
		zmq_poll(NULL, 0, 5);
	cr_assert(wait_for_text(logpath, "ipc.rejected", 10000));

	struct mgo_ipc_msg in = observe(NULL, 3); /* default image */
	send_observe(&in);
	struct mgo_ipc_msg act = expect_act();
	cr_assert_eq(act.u.act.kind, MGO_ACT_LAUNCH);
	cr_assert_str_eq(act.u.act.intent.image, "quay.io/openshift/origin-must-gather:latest");
	mgo_ipc_msg_free(&act);
}

Test(validator_proc, sigterm_exits_cleanly_and_removes_its_socket)
{
	char sock[160];
	struct stat st;
	snprintf(sock, sizeof(sock), "%s/validator", dir);
	cr_assert_eq(stat(sock, &st), 0, "bound socket exists while running");

	int status = stop_process(validator, SIGTERM, 10000);
	validator = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_assert_neq(stat(sock, &st), 0, "socket file left behind");
	cr_assert(wait_for_text(logpath, "proc.stopping", 1000));
}

Test(validator_proc, bad_configuration_refused)
{
	char bad[160], badlog[160];
	snprintf(bad, sizeof(bad), "%s/bad.yaml", dir);
	snprintf(badlog, sizeof(badlog), "%s/bad.log", dir);
	FILE *f = fopen(bad, "w");
	fputs("namespace: x\ndefaultImag: typo\n", f);
	fclose(f);
	const char *argv[] = {MGO_VALIDATOR_BIN, "--config", bad, NULL};
	pid_t pid = spawn_logged(argv, NULL, badlog);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d", status);
	cr_assert(wait_for_text(badlog, "defaultImag", 1000), "the error names the bad key");
}

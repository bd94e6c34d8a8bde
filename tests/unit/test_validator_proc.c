/* The mgo-validator program between a stand-in watcher and launcher: each
 * Observe becomes the right Act, every message is logged as it arrives and
 * counted in the metrics on its notification pipe, bad frames do not stop
 * it, and SIGTERM ends it cleanly. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "mgo/metrics.h"
#include "mgo/notify.h"
#include "spawn.h"

static char dir[64], config[128], logpath[128];
static void *zctx, *to_validator, *from_validator;
static int notify_r = -1;
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
		"  launcher: {tokenFile: /nonexistent/launcher/token}\n"
		"supervisor: {heartbeatIntervalMs: 100}\n",
		dir);
	cr_assert_eq(fclose(f), 0);
}

static void setup(void)
{
	char endpoint[160], fdarg[16];
	int p[2];

	make_temp_dir(dir, sizeof(dir), "mgo-validator");
	snprintf(config, sizeof(config), "%s/config.yaml", dir);
	snprintf(logpath, sizeof(logpath), "%s/validator.log", dir);
	write_config();
	zctx = zmq_ctx_new();
	/* the stand-in launcher binds first, as the real one would, in its
	 * own directory as the supervisor makes it */
	snprintf(endpoint, sizeof(endpoint), "%s/launcher", dir);
	cr_assert_eq(mkdir(endpoint, 0700), 0);
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/launcher/socket", dir);
	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, NULL, &from_validator), 0);
	/* the notification pipe's write end is inherited (no O_CLOEXEC) */
	cr_assert_eq(pipe(p), 0);
	notify_r = p[0];
	cr_assert_eq(fcntl(notify_r, F_SETFD, FD_CLOEXEC), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	/* stand-ins without keys: the links' authentication is test_ipc_auth's */
	const char *argv[] = {MGO_VALIDATOR_BIN, "--config", config, "--insecure-ipc",
			      "--notify-fd", fdarg, NULL};
	validator = spawn_logged(argv, NULL, logpath);
	close(p[1]);
	cr_assert_gt(validator, 0);
	cr_assert(wait_for_text(logpath, "validator.ready", 10000), "validator never ready");
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/validator/socket", dir);
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, NULL, &to_validator), 0);
}

static void teardown(void)
{
	if (validator > 0)
		stop_process(validator, SIGKILL, 5000);
	if (notify_r >= 0)
		close(notify_r);
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

static int keep(void *ctx, const struct mgo_metric_series *s)
{
	cr_assert_eq(mgo_metrics_put(ctx, s), 0);
	return 0;
}

static int beat(void *ctx, const struct mgo_heartbeat *hb)
{
	cr_assert_eq(hb->role, MGO_ROLE_VALIDATOR);
	return 0;
}

static int64_t value(const struct mgo_metrics *m, enum mgo_metric_family f, const char *a,
		     const char *b)
{
	const char *l[] = {a, b};
	const struct mgo_metric_series *s = mgo_metric_find(m, f, l, mgo_metric_defs[f].nlabels);

	return s ? s->value : -1;
}

static bool counted_all(const struct mgo_metrics *m)
{
	return value(m, MGO_M_VERDICTS, "deny", "InvalidImage") == 1 &&
	       value(m, MGO_M_VERDICTS, "launch", "") == 1 &&
	       value(m, MGO_M_IPC_MESSAGES, "watcher", "observe") == 2 &&
	       value(m, MGO_M_IPC_REJECTED, "watcher", "version") == 1;
}

/* Reads the notification pipe, as the supervisor does, until the totals
 * say what was sent or the deadline passes. */
static bool totals_arrive(struct mgo_metrics *m)
{
	const struct mgo_notify_handlers h = {.beat = beat, .metrics = keep, .ctx = m};
	struct mgo_notify_reader r = {0};
	uint64_t end = mgo_now_ms() + 10000;
	uint8_t buf[PIPE_BUF];

	while (!counted_all(m) && mgo_now_ms() < end) {
		struct pollfd pfd = {.fd = notify_r, .events = POLLIN};
		ssize_t n;
		if (poll(&pfd, 1, 100) != 1)
			continue;
		n = read(notify_r, buf, sizeof(buf));
		cr_assert_gt(n, 0, "the validator closed its pipe");
		cr_assert_eq(mgo_notify_read(&r, buf, (size_t)n, &h, NULL, 0), 0);
	}
	return counted_all(m);
}

Test(validator_proc, metrics_count_what_it_received_refused_and_decided)
{
	struct mgo_metrics *m = calloc(1, sizeof(*m));
	struct mgo_ipc_msg deny = observe("quay.io/evil/gather:v1", 1);
	struct mgo_ipc_msg allow = observe("quay.io/my-org/gather:v1", 2);
	uint64_t end = mgo_now_ms() + 10000;

	cr_assert_not_null(m);
	send_observe(&deny);
	/* {"v": 7}: a version from the future */
	while (zmq_send(to_validator, "\x81\xa1v\x07", 4, ZMQ_DONTWAIT) < 0 && mgo_now_ms() < end)
		zmq_poll(NULL, 0, 5);
	send_observe(&allow);
	cr_assert(totals_arrive(m), "verdicts %" PRId64 "/%" PRId64 ", messages %" PRId64
		  ", rejected %" PRId64,
		  value(m, MGO_M_VERDICTS, "deny", "InvalidImage"),
		  value(m, MGO_M_VERDICTS, "launch", ""),
		  value(m, MGO_M_IPC_MESSAGES, "watcher", "observe"),
		  value(m, MGO_M_IPC_REJECTED, "watcher", "version"));
	free(m);
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
	snprintf(sock, sizeof(sock), "%s/validator/socket", dir);
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
	const char *argv[] = {MGO_VALIDATOR_BIN, "--config", bad, "--insecure-ipc", NULL};
	pid_t pid = spawn_logged(argv, NULL, badlog);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d", status);
	cr_assert(wait_for_text(badlog, "defaultImag", 1000), "the error names the bad key");
}

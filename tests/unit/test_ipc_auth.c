/* IPC authentication: a bound socket guarded by the process's ZAP handler
 * lets in the one expected key and nobody else, logs every refusal, and
 * fails closed. The handler runs in this process's loop, as in the
 * launcher; clients are plain libzmq sockets driven from the same thread. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/ipc_sock.h"
#include "operator.h"
#include "spawn.h"

static char dir[64], endpoint[128], logpath[128];
static void *zctx, *pull;
/* every socket a test opens, closed by teardown even when an assertion
 * ends the test early (zmq_ctx_term waits for all of them) */
static void *sockets[24];
static size_t n_sockets;
static struct mgo_loop *loop;
static struct mgo_ipc_zap *zap;
/* the launcher's keys as the supervisor hands them, and the other parties' */
static struct mgo_test_keys keys;

static void setup(void)
{

	make_temp_dir(dir, sizeof(dir), "mgo-auth");
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/launcher", dir);
	snprintf(logpath, sizeof(logpath), "%s/stderr.log", dir);
	/* the handler logs on stderr: keep it where the test can read it */
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(dup2(fd, 2), 2);
	close(fd);
	mgo_test_keys_mint(&keys);
	zctx = zmq_ctx_new();
	cr_assert_not_null(zctx);
	cr_assert_eq(mgo_loop_new(&loop), 0);
}

static void *track(void *s)
{
	cr_assert_not_null(s);
	cr_assert_lt(n_sockets, sizeof(sockets) / sizeof(sockets[0]));
	sockets[n_sockets++] = s;
	return s;
}

static void teardown(void)
{
	for (size_t i = 0; i < n_sockets; i++) {
		zmq_socket_monitor(sockets[i], NULL, 0);
		zmq_close(sockets[i]);
	}
	if (pull)
		mgo_ipc_close_bound(pull, endpoint);
	mgo_ipc_zap_close(zap);
	zmq_ctx_term(zctx);
	mgo_loop_free(loop);
	remove_tree(dir);
}

TestSuite(ipc_auth, .init = setup, .fini = teardown, .timeout = 60);

static void bind_launcher(void)
{
	struct mgo_ipc_auth a = {.keys = &keys.launcher, .peer = MGO_ROLE_VALIDATOR};

	cr_assert_eq(mgo_ipc_zap_open(zctx, loop, &zap), 0);
	a.zap = zap;
	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &a, &pull), 0);
}

/* A client speaking as the holder of (pub, sec), trusting `server` as the
 * launcher's key. NULL pub: no CURVE at all. */
static void *client(const uint8_t *pub, const uint8_t *sec, const uint8_t *server)
{
	struct mgo_ipc_keys k = {.self = MGO_ROLE_VALIDATOR, .peers = 1u << MGO_ROLE_LAUNCHER};
	struct mgo_ipc_auth a = {.keys = &k, .peer = MGO_ROLE_LAUNCHER};
	void *push = NULL;

	if (pub) {
		memcpy(k.public_key, pub, 32);
		memcpy(k.secret_key, sec, 32);
		memcpy(k.peer[MGO_ROLE_LAUNCHER], server, 32);
	}
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, pub ? &a : NULL, &push), 0);
	mgo_ipc_keys_wipe(&k);
	return track(push);
}

/* Messages of different clients differ by seq, so the receiver can tell. */
static struct mgo_ipc_msg heartbeat(uint64_t seq)
{
	return (struct mgo_ipc_msg){.version = MGO_IPC_VERSION, .type = MGO_IPC_HEARTBEAT,
				    .seq = seq, .u.heartbeat = {.role = MGO_ROLE_VALIDATOR,
								.pid = 1}};
}

#define GOOD_SEQ 1
#define BAD_SEQ 666

static bool log_has(const char *needle)
{
	char *text = slurp(logpath);
	bool found = text && strstr(text, needle);
	free(text);
	return found;
}

/* Runs the loop (the ZAP handler) and keeps trying to send from push until
 * the send goes through or `until` shows up in the log; returns whether a
 * send went through. Fails the test if neither happens in 10 s. */
static bool pump(void *push, uint64_t seq, const char *until)
{
	struct mgo_ipc_msg m = heartbeat(seq);
	uint64_t end = mgo_now_ms() + 10000;

	while (mgo_now_ms() < end) {
		if (mgo_ipc_send(push, &m, NULL, 0) == 0)
			return true;
		if (until && log_has(until))
			return false;
		cr_assert_eq(mgo_loop_run_once(loop, 10), 0);
	}
	char *text = slurp(logpath);
	cr_assert_fail("neither a send nor \"%s\" in the log within 10 s:\n%s", until ? until : "",
		       text ? text : "");
	return false;
}

/* The seq of the next message on the launcher's socket, or 0 if none
 * arrives in 5 s (a send returns before the message crosses over). */
static uint64_t received(void)
{
	struct mgo_ipc_msg m;
	zmq_pollitem_t item = {.socket = pull, .events = ZMQ_POLLIN};
	uint64_t seq;

	if (zmq_poll(&item, 1, 5000) != 1)
		return 0;
	cr_assert_eq(mgo_ipc_recv(pull, &m, NULL, 0), 0);
	seq = m.seq;
	mgo_ipc_msg_free(&m);
	return seq;
}

Test(ipc_auth, only_the_expected_key_gets_in)
{
	bind_launcher();
	void *good = client(keys.validator_pub, keys.validator_sec, keys.launcher.public_key);
	cr_assert(pump(good, GOOD_SEQ, NULL));
	cr_assert_eq(received(), GOOD_SEQ);
	cr_assert(log_has("\"event\":\"ipc.zap.allowed\""));
	cr_assert(log_has("\"peer\":\"validator\""));
}

static void assert_refused(const uint8_t *pub, const uint8_t *sec, const char *needle)
{
	char tag[MGO_IPC_KEY_TAG_LEN + 1], want[64];

	bind_launcher();
	void *bad = client(pub, sec, keys.launcher.public_key);
	cr_assert_not(pump(bad, BAD_SEQ, needle), "a send went through");
	if (pub) {
		mgo_ipc_key_tag(pub, tag);
		snprintf(want, sizeof(want), "\"key\":\"%s\"", tag);
		cr_assert(log_has(want), "the refusal names the key offered (%s)", want);
		cr_assert(log_has("\"expected\":\"validator\""));
	}
	/* the socket still works for the right peer, and got nothing before */
	void *good = client(keys.validator_pub, keys.validator_sec, keys.launcher.public_key);
	cr_assert(pump(good, GOOD_SEQ, NULL));
	cr_assert_eq(received(), GOOD_SEQ, "the first message is the right peer's");
	struct mgo_ipc_msg m;
	cr_assert_eq(mgo_ipc_recv(pull, &m, NULL, 0), -EAGAIN, "and the only one");
}

Test(ipc_auth, a_fresh_key_is_refused_and_logged)
{
	uint8_t pub[32], sec[32];

	cr_assert_eq(mgo_ipc_keypair(pub, sec), 0);
	assert_refused(pub, sec, "\"event\":\"ipc.zap.denied\"");
}

Test(ipc_auth, the_watchers_key_is_refused_and_logged)
{
	assert_refused(keys.watcher_pub, keys.watcher_sec, "\"event\":\"ipc.zap.denied\"");
}

Test(ipc_auth, a_client_without_curve_is_refused_and_logged)
{
	assert_refused(NULL, NULL, "\"event\":\"ipc.handshake.failed\"");
}

Test(ipc_auth, a_client_trusting_another_server_key_talks_to_nobody)
{
	uint8_t other_pub[32], other_sec[32];

	bind_launcher();
	cr_assert_eq(mgo_ipc_keypair(other_pub, other_sec), 0);
	void *push = client(keys.validator_pub, keys.validator_sec, other_pub);
	cr_assert_not(pump(push, BAD_SEQ, "\"event\":\"ipc.handshake.failed\""));
}

/* Why the bind sets ZMQ_ZAP_ENFORCE_DOMAIN: without a ZAP handler answering,
 * libzmq would let any CURVE client in; with it, nobody. */
Test(ipc_auth, no_handler_fails_closed)
{
	int one = 1;
	void *s = track(zmq_socket(zctx, ZMQ_PULL)), *mon = track(zmq_socket(zctx, ZMQ_PAIR));
	zmq_pollitem_t item = {.socket = mon, .events = ZMQ_POLLIN};
	struct mgo_ipc_msg m = heartbeat(BAD_SEQ);
	uint16_t ev = 0;
	uint32_t value;

	cr_assert_not_null(s);
	cr_assert_eq(zmq_setsockopt(s, 93 /* ZMQ_ZAP_ENFORCE_DOMAIN */, &one, sizeof(one)), 0);
	cr_assert_eq(zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "launcher", 8), 0);
	cr_assert_eq(zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof(one)), 0);
	cr_assert_eq(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, keys.launcher.secret_key, 32), 0);
	cr_assert_eq(zmq_socket_monitor(s, "inproc://no-handler",
					ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
						ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
						ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
						ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), 0);
	cr_assert_eq(zmq_connect(mon, "inproc://no-handler"), 0);
	cr_assert_eq(zmq_bind(s, endpoint), 0);
	void *push = client(keys.validator_pub, keys.validator_sec, keys.launcher.public_key);
	/* the handshake ends one way or the other; wait for that */
	cr_assert_eq(mgo_ipc_send(push, &m, NULL, 0), -EAGAIN);
	cr_assert_eq(zmq_poll(&item, 1, 10000), 1, "no handshake outcome in 10 s");
	cr_assert_eq(mgo_ipc_monitor_recv(mon, &ev, &value), 0);
	cr_assert_neq(ev, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, "accepted without a ZAP handler");
	cr_assert_eq(mgo_ipc_send(push, &m, NULL, 0), -EAGAIN);
}

Test(ipc_auth, bind_refusals)
{
	struct mgo_ipc_auth a = {.keys = &keys.launcher, .peer = MGO_ROLE_VALIDATOR};
	void *s = NULL;

	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &a, &s), -EINVAL, "no ZAP handler");
	cr_assert_eq(mgo_ipc_zap_open(zctx, loop, &zap), 0);
	struct mgo_ipc_zap *second = NULL;
	cr_assert_eq(mgo_ipc_zap_open(zctx, loop, &second), -EADDRINUSE, "one per context");
	a.zap = zap;
	a.peer = MGO_ROLE_WATCHER;
	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &a, &s), -ENOKEY, "no key for the peer");
	a.peer = MGO_ROLE_VALIDATOR;
	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &a, &pull), 0);
	char other[160];
	snprintf(other, sizeof(other), "ipc://%s/other", dir);
	cr_assert_eq(mgo_ipc_bind_pull(zctx, other, &a, &s), -EBUSY, "one socket per handler");
	struct mgo_ipc_auth c = {.keys = &keys.launcher, .peer = MGO_ROLE_WATCHER};
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &c, &s), -ENOKEY);
}

/* Refused peers can come again and again (a misconfigured one restarting,
 * a local process probing): the 1st, 2nd, 4th, 8th and 16th refusals are
 * logged, each with the running total, not every one. */
Test(ipc_auth, refusals_again_and_again_are_logged_at_doublings)
{
	uint8_t pub[32], sec[32];
	uint64_t end = mgo_now_ms() + 10000;
	char *text, *p;
	size_t lines = 0;

	cr_assert_eq(mgo_ipc_keypair(pub, sec), 0);
	bind_launcher();
	for (int i = 0; i < 16; i++)
		(void)client(pub, sec, keys.launcher.public_key);
	while (!log_has("\"denials\":16")) {
		cr_assert_lt(mgo_now_ms(), end, "16 handshakes not refused within 10 s");
		cr_assert_eq(mgo_loop_run_once(loop, 10), 0);
	}
	text = slurp(logpath);
	for (p = text; (p = strstr(p, "\"event\":\"ipc.zap.denied\"")); p++)
		lines++;
	cr_assert_eq(lines, 5, "16 refusals logged %zu times:\n%s", lines, text);
	cr_assert(strstr(text, "\"denials\":8") && !strstr(text, "\"denials\":3"), "%s", text);
	free(text);
	cr_assert_eq(received(), 0, "nothing got through");
}

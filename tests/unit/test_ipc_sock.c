/* The pipeline's ZeroMQ links: messages cross intact, bad frames are refused
 * without harming the receiver, and nothing ever blocks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/ipc_sock.h"
#include "mgo/loop.h"

static void *zctx;
static char dir[64], endpoint[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mgo-ipc-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/validator", dir);
	zctx = zmq_ctx_new();
	cr_assert_not_null(zctx);
}

static void teardown(void)
{
	char path[128];
	zmq_ctx_term(zctx);
	snprintf(path, sizeof(path), "%s/validator", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(ipc_sock, .init = setup, .fini = teardown);

static struct mgo_ipc_msg observe(uint64_t seq)
{
	static char *images[] = {"quay.io/a/b:c"};
	return (struct mgo_ipc_msg){
		.version = MGO_IPC_VERSION, .type = MGO_IPC_OBSERVE, .seq = seq,
		.trace_uid = "uid-1", .trace_gen = 3,
		.u.observe = {
			.mg = {.ns = "team-a", .name = "mg1", .uid = "uid-1", .generation = 3,
			       .spec = {.image = "quay.io/a/b:c"}},
			.allowlist = {.present = true, .generation = 1, .n_images = 1, .images = images},
			.job = {.gather_exit = -1, .upload_exit = -1},
			.service_account = MGO_PRESENCE_PRESENT,
		},
	};
}

/* Sends until the connection is up (PUSH with ZMQ_IMMEDIATE refuses until
 * then), within a deadline. */
static void send_when_connected(void *push, const struct mgo_ipc_msg *m)
{
	char err[256];
	uint64_t end = mgo_now_ms() + 5000;
	int rc;

	while ((rc = mgo_ipc_send(push, m, err, sizeof(err))) == -EAGAIN && mgo_now_ms() < end)
		zmq_poll(NULL, 0, 5); /* waiting for libzmq's background connect */
	cr_assert_eq(rc, 0, "send: %s", err);
}

/* Receives one message within a deadline; returns mgo_ipc_recv's result. */
static int recv_within(void *pull, struct mgo_ipc_msg *m, char *err, size_t errlen, long ms)
{
	zmq_pollitem_t item = {.socket = pull, .events = ZMQ_POLLIN};
	if (zmq_poll(&item, 1, ms) <= 0)
		return -ETIMEDOUT;
	return mgo_ipc_recv(pull, m, err, errlen);
}

Test(ipc_sock, message_crosses_intact)
{
	void *pull, *push;
	struct mgo_ipc_msg in = observe(7), out;
	char err[256];

	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &pull), 0);
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &push), 0);
	send_when_connected(push, &in);
	cr_assert_eq(recv_within(pull, &out, err, sizeof(err), 5000), 0, "%s", err);
	cr_assert_eq(out.type, MGO_IPC_OBSERVE);
	cr_assert_eq(out.seq, 7);
	cr_assert_str_eq(out.trace_uid, "uid-1");
	cr_assert_str_eq(out.u.observe.mg.spec.image, "quay.io/a/b:c");
	cr_assert_str_eq(out.u.observe.allowlist.images[0], "quay.io/a/b:c");
	mgo_ipc_msg_free(&out);
	cr_assert_eq(mgo_ipc_recv(pull, &out, err, sizeof(err)), -EAGAIN, "nothing else waits");
	zmq_close(push);
	zmq_close(pull);
}

Test(ipc_sock, send_without_peer_never_blocks)
{
	void *push;
	struct mgo_ipc_msg in = observe(1);
	char err[256];

	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &push), 0);
	uint64_t start = mgo_now_ms();
	cr_assert_eq(mgo_ipc_send(push, &in, err, sizeof(err)), -EAGAIN);
	cr_assert_lt(mgo_now_ms() - start, 1000);
	zmq_close(push);
}

/* Sends raw bytes as a frame, the way a compromised or buggy peer would. */
static void send_raw(void *push, const void *buf, size_t len, int flags)
{
	uint64_t end = mgo_now_ms() + 5000;
	while (zmq_send(push, buf, len, ZMQ_DONTWAIT | flags) < 0) {
		cr_assert_eq(errno, EAGAIN);
		cr_assert_lt(mgo_now_ms(), end, "peer never connected");
		zmq_poll(NULL, 0, 5);
	}
}

Test(ipc_sock, malformed_frames_refused_and_receiver_survives)
{
	void *pull, *push;
	struct mgo_ipc_msg in = observe(9), out;
	char err[256];
	static const unsigned char garbage[] = {0x85, 0xa1, 'v', 0x02, 0xc1, 0xff};

	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &pull), 0);
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &push), 0);

	send_raw(push, garbage, sizeof(garbage), 0);
	cr_assert_eq(recv_within(pull, &out, err, sizeof(err), 5000), -EBADMSG);

	send_raw(push, "part1", 5, ZMQ_SNDMORE);
	send_raw(push, "part2", 5, 0);
	cr_assert_eq(recv_within(pull, &out, err, sizeof(err), 5000), -EBADMSG);
	cr_assert(strstr(err, "multi-part"), "%s", err);

	/* and the link still carries good messages */
	send_when_connected(push, &in);
	cr_assert_eq(recv_within(pull, &out, err, sizeof(err), 5000), 0, "%s", err);
	cr_assert_eq(out.seq, 9);
	mgo_ipc_msg_free(&out);
	zmq_close(push);
	zmq_close(pull);
}

Test(ipc_sock, oversized_frame_never_reaches_the_receiver)
{
	void *pull, *push;
	struct mgo_ipc_msg out;
	char err[256];
	size_t big = MGO_IPC_MAX_FRAME + 1;
	char *blob = calloc(1, big);

	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, &pull), 0);
	/* a raw PUSH without our options: the sender is the attacker here */
	push = zmq_socket(zctx, ZMQ_PUSH);
	cr_assert_eq(zmq_connect(push, endpoint), 0);
	send_raw(push, blob, big, 0);
	/* libzmq drops the connection at the size check: nothing is delivered */
	cr_assert_eq(recv_within(pull, &out, err, sizeof(err), 500), -ETIMEDOUT);
	free(blob);
	zmq_close(push);

	/* a well-behaved sender still gets through */
	void *good;
	struct mgo_ipc_msg in = observe(11);
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &good), 0);
	send_when_connected(good, &in);
	cr_assert_eq(recv_within(pull, &out, err, sizeof(err), 5000), 0, "%s", err);
	mgo_ipc_msg_free(&out);
	zmq_close(good);
	zmq_close(pull);
}

Test(ipc_sock, verdicts_name_what_a_message_says)
{
	char buf[160];
	struct mgo_ipc_msg m = observe(1);

	cr_assert_str_eq(mgo_ipc_verdict(&m, buf, sizeof(buf)), "observe:job=none,phase=new");
	m = (struct mgo_ipc_msg){.type = MGO_IPC_ACT,
				 .u.act = {.kind = MGO_ACT_DENY, .reason = "InvalidImage"}};
	cr_assert_str_eq(mgo_ipc_verdict(&m, buf, sizeof(buf)), "deny:InvalidImage");
	m.u.act = (struct mgo_act){.kind = MGO_ACT_LAUNCH};
	cr_assert_str_eq(mgo_ipc_verdict(&m, buf, sizeof(buf)), "launch");
}

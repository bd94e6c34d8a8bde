/* The notification fd: heartbeat frames survive any cut of the stream, bad
 * frames are refused at the first byte that proves them bad, and the child's
 * side reads its keys from a pipe only and beats from its loop. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgo/ipc_keys.h"
#include "mgo/notify.h"
#include "mgo/supervised.h"

struct seen {
	struct mgo_heartbeat hb[8];
	size_t n;
	int stop_at;            /* return -ECANCELED at this count; 0: never */
};

static int collect(void *ctx, const struct mgo_heartbeat *hb)
{
	struct seen *s = ctx;

	if (s->n < 8)
		s->hb[s->n] = *hb;
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at ? -ECANCELED : 0;
}

static size_t frame(const struct mgo_heartbeat *hb, uint64_t seq, uint8_t *buf)
{
	size_t len = 0;
	cr_assert_eq(mgo_notify_encode(hb, seq, buf, MGO_NOTIFY_WIRE_MAX, &len), 0);
	return len;
}

Test(notify, frames_survive_any_cut)
{
	struct mgo_heartbeat a = {.role = MGO_ROLE_WATCHER, .pid = 42, .ready = false,
				  .mono_ms = 123456789},
			     b = {.role = MGO_ROLE_WATCHER, .pid = 42, .ready = true,
				  .mono_ms = UINT64_MAX};
	uint8_t stream[2 * MGO_NOTIFY_WIRE_MAX];
	size_t n = frame(&a, 1, stream);

	n += frame(&b, UINT64_MAX, stream + n);
	cr_assert_leq(n, 2 * 100, "a heartbeat is under 100 bytes even at its largest: %zu for two",
		      n);
	/* every split point, and byte by byte */
	for (size_t cut = 0; cut <= n; cut++) {
		struct mgo_notify_reader r = {0};
		struct seen s = {0};
		cr_assert_eq(mgo_notify_feed(&r, stream, cut, collect, &s, NULL, 0), 0);
		cr_assert_eq(mgo_notify_feed(&r, stream + cut, n - cut, collect, &s, NULL, 0), 0);
		cr_assert_eq(s.n, 2, "cut %zu", cut);
		cr_assert_eq(s.hb[0].pid, 42);
		cr_assert_not(s.hb[0].ready);
		cr_assert_eq(s.hb[0].mono_ms, 123456789);
		cr_assert(s.hb[1].ready);
		cr_assert_eq(s.hb[1].mono_ms, UINT64_MAX);
		cr_assert_eq(r.len, 0);
	}
	struct mgo_notify_reader r = {0};
	struct seen s = {0};
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(mgo_notify_feed(&r, stream + i, 1, collect, &s, NULL, 0), 0);
	cr_assert_eq(s.n, 2);
}

Test(notify, bad_frames)
{
	struct mgo_heartbeat hb = {.role = MGO_ROLE_LAUNCHER, .pid = 7};
	uint8_t good[MGO_NOTIFY_WIRE_MAX], buf[512];
	size_t n = frame(&hb, 3, good);
	char err[256];
	struct {
		const char *name;
		size_t len;
		int rc;
		const char *msg;
	} cases[] = {
		{"zero length", 4, -EMSGSIZE, "out of range"},
		{"over the bound", 4, -EMSGSIZE, "frame length 4093"},
		{"huge length", 4, -EMSGSIZE, "frame length 4294967295"},
		{"msgpack garbage", 0, -EBADMSG, "undecodable"},
		{"forged version", 0, -EPROTONOSUPPORT, "undecodable"},
		{"trailing byte inside the frame", 0, -EBADMSG, "undecodable"},
		{"heartbeat over its bound", 4 + MGO_NOTIFY_FRAME_MAX + 1, -EMSGSIZE,
		 "heartbeat frame length 129"},
		{"metric frame of garbage", 4 + 3, -EBADMSG, "metric frame"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mgo_notify_reader r = {0};
		struct seen s = {0};
		size_t len = cases[i].len;
		memset(buf, 0, sizeof(buf));
		switch (i) {
		case 1:
			buf[2] = (MGO_NOTIFY_METRICS_MAX + 1) >> 8;
			buf[3] = (MGO_NOTIFY_METRICS_MAX + 1) & 0xff;
			break;
		case 2:
			memset(buf, 0xff, 4);
			break;
		case 3:
			memcpy(buf, "\0\0\0\3\xc1\xc1\xc1", 7);
			len = 7;
			break;
		case 4:
			/* {"v": 2, ...}: the version key comes first in the encoding */
			memcpy(buf, good, n);
			cr_assert_eq(buf[5], 0xa1);
			cr_assert_eq(buf[6], 'v');
			buf[7] = 2;
			len = n;
			break;
		case 5:
			memcpy(buf, good, n);
			buf[3]++;
			buf[n] = 0;
			len = n + 1;
			break;
		case 6:
			buf[3] = MGO_NOTIFY_FRAME_MAX + 1;
			break;
		case 7:
			memcpy(buf, "\0\0\0\3\x92\xa1x", 7);
			break;
		}
		err[0] = '\0';
		int rc = mgo_notify_feed(&r, buf, len, collect, &s, err, sizeof(err));
		cr_assert_eq(rc, cases[i].rc, "%s: %d %s", cases[i].name, rc, err);
		cr_assert(strstr(err, cases[i].msg), "%s: %s", cases[i].name, err);
		cr_assert_eq(s.n, 0, "%s", cases[i].name);
	}
}

Test(notify, other_message_types_are_not_heartbeats)
{
	struct mgo_ipc_msg m = {
		.version = MGO_IPC_VERSION, .type = MGO_IPC_OBSERVE, .seq = 1, .trace_uid = "u",
		.trace_gen = 1,
		.u.observe = {.mg = {.ns = "n", .name = "m", .uid = "u", .generation = 1},
			      .job = {.gather_exit = -1, .upload_exit = -1}},
	};
	char *enc = NULL, err[256];
	size_t len = 0;
	uint8_t buf[MGO_NOTIFY_WIRE_MAX];
	struct mgo_notify_reader r = {0};
	struct seen s = {0};

	cr_assert_eq(mgo_ipc_encode(&m, &enc, &len, err, sizeof(err)), 0, "%s", err);
	cr_assert_leq(len, MGO_NOTIFY_FRAME_MAX);
	buf[0] = buf[1] = buf[2] = 0;
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, enc, len);
	free(enc);
	cr_assert_eq(mgo_notify_feed(&r, buf, len + 4, collect, &s, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "a observe where a heartbeat belongs"), "%s", err);
}

Test(notify, callback_stops_the_feed)
{
	struct mgo_heartbeat hb = {.role = MGO_ROLE_VALIDATOR, .pid = 9};
	uint8_t stream[3 * MGO_NOTIFY_WIRE_MAX];
	size_t n = 0;
	struct mgo_notify_reader r = {0};
	struct seen s = {.stop_at = 2};

	for (int i = 0; i < 3; i++)
		n += frame(&hb, (uint64_t)i + 1, stream + n);
	cr_assert_eq(mgo_notify_feed(&r, stream, n, collect, &s, NULL, 0), -ECANCELED);
	cr_assert_eq(s.n, 2);
}

/* ---- the child's side ---- */

static int pipe_with(const void *data, size_t len)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

Test(supervised, keys_from_a_pipe_only)
{
	struct mgo_ipc_keys k = {.self = MGO_ROLE_WATCHER, .peers = 1u << MGO_ROLE_VALIDATOR}, out;
	uint8_t buf[MGO_IPC_BUNDLE_MAX + 16], pub[32];
	size_t len = 0;
	char err[256], path[] = "/tmp/mgo-keys-XXXXXX";

	cr_assert_eq(mgo_ipc_keypair(k.public_key, k.secret_key), 0);
	cr_assert_eq(mgo_ipc_keypair(k.peer[MGO_ROLE_VALIDATOR], pub), 0);
	cr_assert_eq(mgo_ipc_bundle_encode(&k, buf, sizeof(buf), &len), 0);

	int fd = pipe_with(buf, len);
	cr_assert_eq(mgo_ipc_keys_read_fd(fd, MGO_ROLE_WATCHER, &out, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(memcmp(out.public_key, k.public_key, 32), 0);
	cr_assert_eq(fcntl(fd, F_GETFD), -1, "the pipe is closed after reading");

	fd = pipe_with(buf, len);
	cr_assert_eq(mgo_ipc_keys_read_fd(fd, MGO_ROLE_VALIDATOR, &out, err, sizeof(err)),
		     -EBADMSG);
	cr_assert_eq(fcntl(fd, F_GETFD), -1, "closed on failure too");

	memset(buf + len, 0, 16);
	fd = pipe_with(buf, len + 16);
	cr_assert_eq(mgo_ipc_keys_read_fd(fd, MGO_ROLE_WATCHER, &out, err, sizeof(err)),
		     -EBADMSG, "over-long bundle");
	cr_assert(strstr(err, "trailing"), "%s", err);

	int file = mkstemp(path);
	cr_assert_geq(file, 0);
	cr_assert_eq(write(file, buf, len), (ssize_t)len);
	lseek(file, 0, SEEK_SET);
	unlink(path);
	cr_assert_eq(mgo_ipc_keys_read_fd(file, MGO_ROLE_WATCHER, &out, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "not a pipe"), "%s", err);
	cr_assert_eq(fcntl(file, F_GETFD), -1);
	cr_assert_eq(mgo_ipc_keys_read_fd(file, MGO_ROLE_WATCHER, &out, err, sizeof(err)),
		     -EBADF);
}

/* Reads heartbeats from the pipe until one matches `ready`, running the
 * child's loop meanwhile; fails the test after a deadline. */
static struct mgo_heartbeat next_beat(struct mgo_loop *loop, int fd, struct mgo_notify_reader *r)
{
	uint64_t end = mgo_now_ms() + 5000;
	struct seen s = {.stop_at = 1};
	uint8_t buf[64];

	while (mgo_now_ms() < end) {
		ssize_t n = read(fd, buf, 1); /* one byte at a time: the rest stays queued */
		if (n == 1) {
			int rc = mgo_notify_feed(r, buf, 1, collect, &s, NULL, 0);
			if (rc == -ECANCELED)
				return s.hb[0];
			cr_assert_eq(rc, 0);
			continue;
		}
		cr_assert(n < 0 && errno == EAGAIN);
		cr_assert_eq(mgo_loop_run_once(loop, 50), 0);
	}
	cr_assert_fail("no heartbeat within 5 s");
	return s.hb[0];
}

Test(supervised, beats_then_ready)
{
	struct mgo_loop *loop;
	struct mgo_supervised sup;
	struct mgo_notify_reader r = {0};
	int p[2];

	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_supervised_start(&sup, loop, p[1], MGO_ROLE_LAUNCHER, 50), 0);
	struct mgo_heartbeat hb = next_beat(loop, p[0], &r);
	cr_assert_eq(hb.role, MGO_ROLE_LAUNCHER);
	cr_assert_eq(hb.pid, getpid());
	cr_assert_not(hb.ready, "the first beat is sent at start, before readiness");
	hb = next_beat(loop, p[0], &r);
	cr_assert_not(hb.ready, "the loop's timer beats on");
	mgo_supervised_ready(&sup);
	hb = next_beat(loop, p[0], &r);
	cr_assert(hb.ready, "readiness is sent at once");
	uint64_t t0 = hb.mono_ms;
	hb = next_beat(loop, p[0], &r);
	cr_assert(hb.ready, "and stays");
	cr_assert_geq(hb.mono_ms, t0 + 40, "one beat per interval");
	cr_assert_not(hb.leading);
	/* leadership goes up with a beat of its own, both ways */
	mgo_supervised_leading(&sup, true);
	hb = next_beat(loop, p[0], &r);
	cr_assert(hb.leading && hb.ready);
	mgo_supervised_leading(&sup, false);
	hb = next_beat(loop, p[0], &r);
	cr_assert_not(hb.leading);
	mgo_supervised_stop(&sup);
	cr_assert_eq(fcntl(p[1], F_GETFD), -1, "stop closes the fd");
	cr_assert_eq(read(p[0], &hb, 1), 0, "no writer left");
	mgo_loop_free(loop);
	close(p[0]);
}

/* mgo-health and its inputs: the snapshot codec and stream (tables, valid
 * and not), the answers without I/O, the supervisor's verdict on its
 * children, and the real process answering through a real socket. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "health.h"
#include "health_feed.h"
#include "healthprobe.h"
#include "sanitized.h"
#include "mgo/loop.h"
#include "mgo/metrics.h"
#include "mgo/sandbox.h"
#include "mgo/snapshot.h"
#include "spawn.h"
#include "sup.h"
#include "testenv.h"

/* ---- the codec ---- */

static struct mgo_snapshot sample(void)
{
	return (struct mgo_snapshot){.seq = 7, .healthy = true, .ready = false,
				     .health_why = "", .ready_why = "watcher not ready",
				     .metrics = "# TYPE x counter\nx 1\n"};
}

static int keep(void *ctx, struct mgo_snapshot *x)
{
	cr_assert_str_eq(x->ready_why, "watcher not ready");
	mgo_snap_free(x);
	(*(size_t *)ctx)++;
	return 0;
}

Test(snapshot, round_trip_whole_and_byte_by_byte)
{
	struct mgo_snapshot s = sample(), got[2];
	struct mgo_snap_reader r = {0};
	uint8_t *frame, *two;
	size_t len, n = 0;

	cr_assert_eq(mgo_snap_encode(&s, &frame, &len), 0);
	cr_assert_eq(mgo_snap_decode(frame + 4, len - 4, &got[0], NULL, 0), 0);
	cr_assert_eq(got[0].seq, 7);
	cr_assert(got[0].healthy && !got[0].ready);
	cr_assert_str_eq(got[0].health_why, "");
	cr_assert_str_eq(got[0].ready_why, "watcher not ready");
	cr_assert_str_eq(got[0].metrics, s.metrics);
	mgo_snap_free(&got[0]);

	/* two frames back to back, fed one byte at a time */
	two = malloc(2 * len);
	memcpy(two, frame, len);
	memcpy(two + len, frame, len);
	for (size_t i = 0; i < 2 * len; i++)
		cr_assert_eq(mgo_snap_feed(&r, two + i, 1, keep, &n, NULL, 0), 0, "byte %zu", i);
	cr_assert_eq(n, 2);
	cr_assert_null(r.body, "nothing held between frames");
	/* and whole */
	n = 0;
	cr_assert_eq(mgo_snap_feed(&r, two, 2 * len, keep, &n, NULL, 0), 0);
	cr_assert_eq(n, 2);
	mgo_snap_reader_free(&r);
	free(two);
	free(frame);
}

static int never(void *ctx, struct mgo_snapshot *x)
{
	mgo_snap_free(x);
	cr_assert_fail("a bad frame was delivered");
	return 0;
}

Test(snapshot, lengths_are_checked_before_allocation)
{
	static const uint8_t zero[] = {0, 0, 0, 0}, huge[] = {0xff, 0xff, 0xff, 0xff},
			     over[] = {0x00, 0x10, 0x00, 0x01};
	const uint8_t *rows[] = {zero, huge, over};
	char err[128];

	for (size_t i = 0; i < 3; i++) {
		struct mgo_snap_reader r = {0};
		cr_assert_eq(mgo_snap_feed(&r, rows[i], 4, never, NULL, err, sizeof(err)), -EMSGSIZE,
			     "row %zu", i);
		cr_assert(strstr(err, "out of range"), "row %zu: %s", i, err);
		cr_assert_null(r.body, "row %zu allocated", i);
		mgo_snap_reader_free(&r);
	}
}

/* One way to spoil the map per row. */
enum spoil { NONE, DROP_KEY, EXTRA_KEY, REPEAT_KEY, BAD_TYPE, VERSION_2, TRAILING, NOT_MAP,
	     NUL_IN_STR, LONG_WHY, NEG_SEQ, CONTAINER };

static size_t build(enum spoil how, int key, char *buf, size_t cap)
{
	static const char *const keys[] = {"v", "seq", "healthy", "ready", "health_why",
					   "ready_why", "metrics"};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n = 7;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (how == NOT_MAP) {
		msgpack_pack_array(&pk, 0);
		goto done;
	}
	msgpack_pack_map(&pk, n - (how == DROP_KEY) + (how == EXTRA_KEY) + (how == REPEAT_KEY));
	for (int k = 0; k < 7 + (how == REPEAT_KEY); k++) {
		int kk = k == 7 ? key : k;
		if (how == DROP_KEY && kk == key)
			continue;
		msgpack_pack_str(&pk, strlen(keys[kk]));
		msgpack_pack_str_body(&pk, keys[kk], strlen(keys[kk]));
		if (how == BAD_TYPE && kk == key) {
			msgpack_pack_nil(&pk);
			continue;
		}
		if (how == CONTAINER && kk == key) {
			msgpack_pack_array(&pk, 0);
			continue;
		}
		switch (kk) {
		case 0:
			msgpack_pack_uint32(&pk, how == VERSION_2 ? 2 : 1);
			break;
		case 1:
			if (how == NEG_SEQ)
				msgpack_pack_int64(&pk, -1);
			else
				msgpack_pack_uint64(&pk, 1);
			break;
		case 2:
		case 3:
			msgpack_pack_true(&pk);
			break;
		default:
			if (how == NUL_IN_STR && kk == key) {
				msgpack_pack_str(&pk, 3);
				msgpack_pack_str_body(&pk, "a\0b", 3);
			} else if (how == LONG_WHY && kk == key) {
				static char longs[MGO_SNAP_WHY_MAX + 1];
				memset(longs, 'x', sizeof(longs));
				msgpack_pack_str(&pk, sizeof(longs));
				msgpack_pack_str_body(&pk, longs, sizeof(longs));
			} else {
				msgpack_pack_str(&pk, 2);
				msgpack_pack_str_body(&pk, "ok", 2);
			}
		}
	}
	if (how == EXTRA_KEY) {
		msgpack_pack_str(&pk, 5);
		msgpack_pack_str_body(&pk, "extra", 5);
		msgpack_pack_nil(&pk);
	}
	if (how == TRAILING)
		msgpack_pack_nil(&pk);
done:
	cr_assert_leq(sb.size, cap);
	memcpy(buf, sb.data, sb.size);
	n = sb.size;
	msgpack_sbuffer_destroy(&sb);
	return n;
}

Test(snapshot, strict_decoding)
{
	static const struct { enum spoil how; int key; int rc; const char *msg; } rows[] = {
		{NONE, 0, 0, ""},
		{DROP_KEY, 0, -EBADMSG, "v: missing"},
		{DROP_KEY, 6, -EBADMSG, "metrics: missing"},
		{EXTRA_KEY, 0, -EBADMSG, "unknown key \"extra\""},
		{REPEAT_KEY, 2, -EBADMSG, "healthy: repeated"},
		{BAD_TYPE, 0, -EBADMSG, "v: not a version number"},
		{BAD_TYPE, 1, -EBADMSG, "seq: not an unsigned integer"},
		{BAD_TYPE, 3, -EBADMSG, "ready: not a boolean"},
		{BAD_TYPE, 5, -EBADMSG, "ready_why: not a string"},
		{VERSION_2, 0, -EPROTONOSUPPORT, "v: version 2, not 1"},
		{TRAILING, 0, -EBADMSG, "trailing bytes"},
		{NOT_MAP, 0, -EBADMSG, "not a map of at most 15 keys"},
		{NUL_IN_STR, 4, -EBADMSG, "health_why"},
		{LONG_WHY, 5, -EBADMSG, "ready_why"},
		{NEG_SEQ, 0, -EBADMSG, "seq: not an unsigned integer"},
		{CONTAINER, 6, -EBADMSG, "a value is not a scalar"},
		{CONTAINER, 0, -EBADMSG, "a value is not a scalar"},
	};
	char buf[4096], err[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_snapshot s;
		size_t n = build(rows[i].how, rows[i].key, buf, sizeof(buf));
		int rc = mgo_snap_decode(buf, n, &s, err, sizeof(err));
		cr_assert_eq(rc, rows[i].rc, "row %zu: %d (%s)", i, rc, err);
		cr_assert(strstr(err, rows[i].msg), "row %zu: %s", i, err);
		if (rc == 0) {
			cr_assert_str_eq(s.metrics, "ok");
			mgo_snap_free(&s);
		} else {
			cr_assert_null(s.metrics, "row %zu: nothing left owned", i);
		}
	}
}

Test(snapshot, a_large_metrics_text_passes)
{
	struct mgo_snapshot s = sample(), got;
	size_t n = 256 * 1024;
	char *big = malloc(n + 1);
	uint8_t *frame;
	size_t len;

	for (size_t i = 0; i < n; i++)
		big[i] = i % 64 == 63 ? '\n' : 'a';
	big[n] = '\0';
	s.metrics = big;
	cr_assert_eq(mgo_snap_encode(&s, &frame, &len), 0);
	cr_assert_eq(mgo_snap_decode(frame + 4, len - 4, &got, NULL, 0), 0);
	cr_assert_str_eq(got.metrics, big);
	mgo_snap_free(&got);
	free(frame);
	free(big);
}

Test(snapshot, encoding_refuses_what_decoding_would)
{
	static char longs[MGO_SNAP_WHY_MAX + 2];
	struct mgo_snapshot s = sample();
	uint8_t *frame = NULL;
	size_t len;

	memset(longs, 'x', sizeof(longs) - 1);
	s.health_why = longs;
	cr_assert_eq(mgo_snap_encode(&s, &frame, &len), -EMSGSIZE);
	cr_assert_null(frame);
	s = (struct mgo_snapshot){0};
	cr_assert_eq(mgo_snap_encode(&s, &frame, &len), 0, "NULL strings are empty ones");
	free(frame);
}

/* ---- the answers ---- */

Test(health_answer, table)
{
	struct mgo_snapshot up = {.healthy = true, .ready = true, .health_why = "",
				  .ready_why = "", .metrics = "m 1\n"};
	struct mgo_snapshot down = {.healthy = false, .ready = false,
				    .health_why = "watcher waiting to restart",
				    .ready_why = "watcher not ready", .metrics = "m 2\n"};
	struct mgo_snapshot none = {0};
	static const char metrics_type[] = "text/plain; version=0.0.4; charset=utf-8";
	const struct {
		const struct mgo_snapshot *s;
		uint64_t last_ms, now_ms;
		const char *method, *url;
		unsigned code;
		const char *body, *ctype;
	} rows[] = {
		{&up, 1000, 1100, "GET", "/healthz", 200, "ok\n", NULL},
		{&up, 1000, 1100, "HEAD", "/readyz", 200, "ok\n", NULL},
		{&up, 1000, 1100, "GET", "/metrics", 200, "m 1\n", metrics_type},
		{&down, 1000, 1100, "GET", "/healthz", 503, "watcher waiting to restart\n", NULL},
		{&down, 1000, 1100, "GET", "/readyz", 503, "watcher not ready\n", NULL},
		{&down, 1000, 1100, "GET", "/metrics", 200, "m 2\n", metrics_type},
		/* 3 intervals of 100 ms is the limit, inclusive */
		{&up, 1000, 1300, "GET", "/healthz", 200, "ok\n", NULL},
		{&up, 1000, 1301, "GET", "/healthz", 503, "supervisor silent for 301 ms\n", NULL},
		{&up, 1000, 1301, "GET", "/readyz", 503, "supervisor silent for 301 ms\n", NULL},
		{&up, 1000, 9000, "GET", "/metrics", 200, "m 1\n", metrics_type},
		{&none, 0, 50, "GET", "/healthz", 503, "no snapshot from the supervisor yet\n", NULL},
		{&none, 0, 50, "GET", "/readyz", 503, "no snapshot from the supervisor yet\n", NULL},
		{&none, 0, 50, "GET", "/metrics", 503, "no snapshot from the supervisor yet\n", NULL},
		{&up, 1000, 1100, "POST", "/healthz", 405, "method not allowed: GET or HEAD\n", NULL},
		{&up, 1000, 1100, "DELETE", "/metrics", 405, "method not allowed", NULL},
		{&up, 1000, 1100, "GET", "/", 404, "not found", NULL},
		{&up, 1000, 1100, "GET", "/healthz/", 404, "not found", NULL},
		{&up, 1000, 1100, "POST", "/nope", 404, "not found", NULL},
	};
	struct mgo_health_reply r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_health_view v = {.last = rows[i].s, .last_ms = rows[i].last_ms,
					    .interval_ms = 100};
		mgo_health_answer(&v, rows[i].now_ms, rows[i].method, rows[i].url, &r);
		cr_assert_eq(r.code, rows[i].code, "row %zu: %u", i, r.code);
		cr_assert_eq(r.len, strlen(r.body), "row %zu", i);
		cr_assert(strncmp(r.body, rows[i].body, strlen(rows[i].body)) == 0, "row %zu: %s", i,
			  r.body);
		cr_assert_str_eq(r.content_type, rows[i].ctype ? rows[i].ctype
							       : "text/plain; charset=utf-8",
				 "row %zu", i);
		cr_assert_eq(r.allow != NULL, r.code == 405, "row %zu", i);
	}
}

/* The head of a request, from anyone who reaches the port. */
Test(health_request, table)
{
	const struct {
		const char *in;
		int rc;
		const char *method, *path;
	} rows[] = {
		{"GET /healthz HTTP/1.1\r\nHost: a\r\nUser-Agent: kube-probe/1.31\r\n\r\n", 1,
		 "GET", "/healthz"},
		{"GET /healthz HTTP/1.0\n\n", 1, "GET", "/healthz"},
		{"HEAD /metrics?x=1&y HTTP/1.1\r\nAccept: */*\r\n\r\n", 1, "HEAD", "/metrics"},
		{"POST /readyz HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 1, "POST", "/readyz"},
		{"GET /healthz HTTP/1.1\r\nHost: a\r\n\r", 0, NULL, NULL},
		{"GET /healthz HTTP/1.1\r\nHost: a\r\n", 0, NULL, NULL},
		{"GET /heal", 0, NULL, NULL},
		{"", 0, NULL, NULL},
		/* not a request head: refused as soon as it shows */
		{"GET /healthz HTTP/2.0\r\n", -EINVAL, NULL, NULL},
		{"GET /healthz\r\n", -EINVAL, NULL, NULL},
		{"get /healthz HTTP/1.1\r\n", -EINVAL, NULL, NULL},
		{"GET healthz HTTP/1.1\r\n", -EINVAL, NULL, NULL},
		{"GET  /healthz HTTP/1.1\r\n", -EINVAL, NULL, NULL},
		{"GET /a\tb HTTP/1.1\r\n", -EINVAL, NULL, NULL},
		{"GETGETGETGETGETGET / HTTP/1.1\r\n", -EINVAL, NULL, NULL},
		{"GET /healthz HTTP/1.1\r\n folded: x\r\n\r\n", -EINVAL, NULL, NULL},
		{"GET /healthz HTTP/1.1\r\nno colon\r\n\r\n", -EINVAL, NULL, NULL},
		{"GET /healthz HTTP/1.1\r\nX: \x01\r\n\r\n", -EINVAL, NULL, NULL},
		{"\x16\x03\x01\x02\x00", -EINVAL, NULL, NULL}, /* TLS on the plain port */
	};
	char method[MGO_HEALTH_METHOD_MAX], path[MGO_HEALTH_PATH_MAX], longer[600];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = mgo_health_parse_request(rows[i].in, strlen(rows[i].in), method, path);
		cr_assert_eq(rc, rows[i].rc, "row %zu: %d", i, rc);
		if (rc == 1) {
			cr_assert_str_eq(method, rows[i].method, "row %zu", i);
			cr_assert_str_eq(path, rows[i].path, "row %zu", i);
		}
	}
	/* a path past the bound is refused, not cut */
	snprintf(longer, sizeof(longer), "GET /%0*d HTTP/1.1\r\n\r\n", MGO_HEALTH_PATH_MAX, 0);
	cr_assert_eq(mgo_health_parse_request(longer, strlen(longer), method, path), -EINVAL);
	snprintf(longer, sizeof(longer), "GET /%0*d HTTP/1.1\r\n\r\n", MGO_HEALTH_PATH_MAX - 2,
		 0);
	cr_assert_eq(mgo_health_parse_request(longer, strlen(longer), method, path), 1);
	cr_assert_eq(strlen(path), MGO_HEALTH_PATH_MAX - 1);
}

/* ---- the supervisor's verdict ---- */

Test(health_judge, table)
{
	const struct {
		enum mgo_child_state w, l;
		unsigned w_starts;
		bool stopping, lease;
		bool healthy, ready;
		const char *hwhy, *rwhy;
	} rows[] = {
		{MGO_CHILD_READY, MGO_CHILD_READY, 1, false, true, true, true, "", ""},
		{MGO_CHILD_READY, MGO_CHILD_READY, 1, false, false, true, false, "",
		 "launcher has not learnt the Lease's holder yet"},
		/* the first start, listing: alive, not ready */
		{MGO_CHILD_STARTING, MGO_CHILD_READY, 1, false, true, true, false, "",
		 "watcher not ready"},
		/* after a kill: not healthy until ready again */
		{MGO_CHILD_STOPPING, MGO_CHILD_READY, 1, false, true, false, false,
		 "watcher stopping", "watcher not ready"},
		{MGO_CHILD_BACKOFF, MGO_CHILD_READY, 1, false, true, false, false,
		 "watcher waiting to restart", "watcher not ready"},
		{MGO_CHILD_STARTING, MGO_CHILD_READY, 2, false, true, false, false,
		 "watcher restarted, not ready yet", "watcher not ready"},
		{MGO_CHILD_DOWN, MGO_CHILD_BACKOFF, 0, false, true, false, false,
		 "watcher down; launcher waiting to restart", "watcher not ready; launcher not ready"},
		{MGO_CHILD_READY, MGO_CHILD_READY, 1, true, true, false, false, "supervisor stopping",
		 "supervisor stopping"},
	};
	char hwhy[256], rwhy[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_child kids[2] = {
			{.name = "watcher", .state = rows[i].w, .starts = rows[i].w_starts},
			{.name = "launcher", .state = rows[i].l, .starts = 1},
		};
		bool healthy, ready;
		mgo_health_judge(kids, 2, rows[i].stopping, rows[i].lease, &healthy, hwhy,
				 sizeof(hwhy), &ready, rwhy, sizeof(rwhy));
		cr_assert_eq(healthy, rows[i].healthy, "row %zu", i);
		cr_assert_eq(ready, rows[i].ready, "row %zu", i);
		cr_assert_str_eq(hwhy, rows[i].hwhy, "row %zu", i);
		cr_assert_str_eq(rwhy, rows[i].rwhy, "row %zu", i);
	}
}

/* ---- the process, through a real socket ---- */

struct proc {
	char *dir, *log;
	pid_t pid;
	int snap_w, notify_r;
	unsigned port;
};

static struct proc hp = {.snap_w = -1, .notify_r = -1};

static void stop_health(void)
{
	if (hp.snap_w >= 0)
		close(hp.snap_w);
	if (hp.notify_r >= 0)
		close(hp.notify_r);
	if (hp.pid > 0)
		stop_process(hp.pid, SIGTERM, 5000);
	if (hp.dir)
		mgo_test_rmtree(hp.dir);
	free(hp.dir);
	free(hp.log);
}

TestSuite(health_proc, .fini = stop_health, .timeout = 60);

static void start_health(void)
{
	int snap[2], notify[2];
	char *config;
	pid_t parent = getpid();

	hp.dir = mgo_test_tmpdir();
	config = mgo_test_write(hp.dir, "config.yaml",
				"namespace: ns\ndefaultImage: a/b:c\noperatorImage: a/b:d\n"
				"roles:\n  watcher: {tokenFile: /t/w}\n  launcher: {tokenFile: /t/l}\n"
				"supervisor: {heartbeatIntervalMs: 100}\n"
				"health: {address: 127.0.0.1, port: 0}\n");
	cr_assert(asprintf(&hp.log, "%s/health.log", hp.dir) > 0);
	cr_assert_eq(pipe2(snap, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(notify, O_CLOEXEC), 0);
	hp.pid = fork();
	cr_assert_geq(hp.pid, 0);
	if (hp.pid == 0) {
		int log = open(hp.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		char *argv[] = {MGO_HEALTH_BIN, "--config", config, "--snapshot-fd", "3",
				"--notify-fd", "4", NULL};
		if (mgo_test_die_with_parent(parent) != 0 || log < 0 || dup2(log, 1) < 0 ||
		    dup2(log, 2) < 0 || dup2(snap[0], 3) < 0 || dup2(notify[1], 4) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(snap[0]);
	close(notify[1]);
	hp.snap_w = snap[1];
	hp.notify_r = notify[0];
	hp.port = mgo_test_health_port(hp.log, 0, 10000);
	free(config);
}

static void send_snap(const struct mgo_snapshot *s)
{
	uint8_t *frame;
	size_t len;

	cr_assert_eq(mgo_snap_encode(s, &frame, &len), 0);
	cr_assert_eq(write(hp.snap_w, frame, len), (ssize_t)len);
	free(frame);
}

Test(health_proc, serves_what_the_supervisor_says)
{
	char *body, ctype[128], allow[64];
	struct mgo_snapshot s = {.seq = 1, .healthy = true, .ready = false, .health_why = "",
				 .ready_why = "watcher not ready",
				 .metrics = "# TYPE mgo_x counter\nmgo_x 3\n"};

	start_health();
	cr_assert_eq(mgo_test_health_get(hp.port, "GET", "/healthz", &body, NULL, NULL), 503);
	cr_assert_str_eq(body, "no snapshot from the supervisor yet\n");
	free(body);

	send_snap(&s);
	cr_assert_eq(mgo_test_health_wait(hp.port, "/healthz", 200, 5000), 200);
	cr_assert_eq(mgo_test_health_get(hp.port, "GET", "/readyz", &body, NULL, NULL), 503);
	cr_assert_str_eq(body, "watcher not ready\n");
	free(body);
	cr_assert_eq(mgo_test_health_get(hp.port, "GET", "/metrics", &body, ctype, NULL), 200);
	cr_assert_str_eq(body, s.metrics);
	cr_assert_str_eq(ctype, "text/plain; version=0.0.4; charset=utf-8");
	free(body);
	cr_assert_eq(mgo_test_health_get(hp.port, "HEAD", "/metrics", &body, NULL, NULL), 200);
	cr_assert_str_eq(body, "", "HEAD has no body");
	free(body);
	cr_assert_eq(mgo_test_health_get(hp.port, "POST", "/metrics", NULL, NULL, allow), 405);
	cr_assert_str_eq(allow, "GET, HEAD");
	cr_assert_eq(mgo_test_health_get(hp.port, "GET", "/debug", NULL, NULL, NULL), 404);

	/* the supervisor falls silent: the probes fail, the metrics stay */
	cr_assert_eq(mgo_test_health_wait(hp.port, "/healthz", 503, 5000), 503);
	cr_assert_eq(mgo_test_health_get(hp.port, "GET", "/readyz", &body, NULL, NULL), 503);
	cr_assert(strstr(body, "supervisor silent for"), "%s", body);
	free(body);
	cr_assert_eq(mgo_test_health_get(hp.port, "GET", "/metrics", NULL, NULL, NULL), 200);

	/* a later snapshot replaces the last */
	s.seq = 2;
	s.ready = true;
	s.ready_why = "";
	send_snap(&s);
	cr_assert_eq(mgo_test_health_wait(hp.port, "/readyz", 200, 5000), 200);

	/* the supervisor gone: it stops, cleanly */
	close(hp.snap_w);
	hp.snap_w = -1;
	int st = stop_process(hp.pid, 0, 5000);
	hp.pid = 0;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	cr_assert(wait_for_text(hp.log, "\"event\":\"health.supervisor_gone\"", 1000));
}

Test(health_proc, a_bad_frame_ends_it)
{
	static const uint8_t junk[] = {0, 0, 0, 2, 0xc1, 0xc1};

	start_health();
	cr_assert_eq(write(hp.snap_w, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	int st = stop_process(hp.pid, 0, 5000);
	hp.pid = 0;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %#x", st);
	cr_assert(wait_for_text(hp.log, "\"event\":\"health.snapshot\"", 1000));
}

/* More connections held open and silent than mgo-health has descriptors
 * (128): the oldest are closed for the new ones, so a probe is always
 * answered (whatever the verdict: no snapshot is needed for that), while
 * they are held and after. Within 1 s, a kubelet probe's default timeout;
 * memcheck (scripts/valgrind.sh) slows mgo-health tenfold and more, and the
 * sanitizers several times (one probe took over 1 s under ASan with both
 * cores busy). A wedged mgo-health answers never, whatever the bound. */
Test(health_proc, idle_connections_are_shed_not_queued)
{
	enum { N = 200 };
	long within = RUNNING_ON_VALGRIND ? 10000 : MGO_TEST_SANITIZED ? 3000 : 1000;
	int idle[N];

	start_health();
	mgo_test_health_idle_open(hp.port, idle, N);
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(mgo_test_health_probe(hp.port, "/healthz", within), 503,
			     "probe %d with %d idle connections: no answer in %ld ms", i, N, within);
		cr_assert_gt(mgo_test_health_idle_refill(hp.port, idle, N), 0,
			     "nothing was shed");
	}
	mgo_test_health_idle_close(idle, N);
	cr_assert_eq(mgo_test_health_probe(hp.port, "/healthz", within), 503);
	cr_assert(wait_for_text(hp.log, "\"event\":\"health.shed\"", 1000));
}

/* A client that trickles its request is closed at the deadline, however
 * steadily it sends. */
Test(health_proc, a_trickling_client_is_cut_off)
{
	int fd[1];
	uint64_t t0;
	char c;
	ssize_t n;

	start_health();
	mgo_test_health_idle_open(hp.port, fd, 1);
	t0 = mgo_now_ms();
	for (;;) {
		/* one byte of a never-ending header every 100 ms */
		struct timespec gap = {0, 100 * 1000 * 1000};
		if (send(fd[0], "X", 1, MSG_NOSIGNAL) != 1)
			break;
		nanosleep(&gap, NULL);
		n = recv(fd[0], &c, 1, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		cr_assert_lt(mgo_now_ms() - t0, (uint64_t)MGO_HEALTH_CONN_MS + 2000,
			     "still open after %d ms", MGO_HEALTH_CONN_MS + 2000);
	}
	cr_assert_geq(mgo_now_ms() - t0, (uint64_t)MGO_HEALTH_CONN_MS - 100);
	mgo_test_health_idle_close(fd, 1);
}

/* ---- what the documents and the permission table say ---- */

Test(health_docs, every_metric_family_is_listed)
{
	char *text = slurp(MGO_SOURCE_DIR "/docs/health.md"), want[128];

	cr_assert_not_null(text);
	for (size_t i = 0; i < MGO_M_FAMILIES; i++) {
		snprintf(want, sizeof(want), "| `%s` |", mgo_metric_defs[i].name);
		cr_expect(strstr(text, want), "docs/health.md does not list %s", mgo_metric_defs[i].name);
	}
	free(text);
}

struct seen {
	bool bind, connect, read;
};

static void note_entry(const struct mgo_sandbox_entry *e, void *ctx)
{
	struct seen *s = ctx;

	if (strcmp(e->what, "TCP bind (ABI >= 4)") == 0)
		s->bind = strstr(e->effect, "health.port") != NULL;
	if (strcmp(e->what, "TCP connect (ABI >= 4)") == 0)
		s->connect = strcmp(e->effect, "refused") == 0;
	if (strcmp(e->what, "read") == 0)
		s->read = strcmp(e->effect, "nothing") == 0;
}

Test(health_docs, the_sandbox_description_covers_health)
{
	struct seen s = {0};

	cr_assert_str_eq(mgo_role_name(MGO_ROLE_HEALTH), "health");
	cr_assert_eq(mgo_role_parse("health"), MGO_ROLE_HEALTH);
	mgo_sandbox_describe(MGO_ROLE_HEALTH, note_entry, &s);
	cr_assert(s.bind && s.connect && s.read, "bind %d connect %d read %d", s.bind, s.connect,
		  s.read);
}

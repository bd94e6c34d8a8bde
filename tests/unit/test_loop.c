/* The event loop under every process: timers fire in order and on time,
 * fds and ZeroMQ sockets wake it, signals arrive as callbacks, and callbacks
 * may remove anything, themselves included. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/ipc_sock.h"
#include "mgo/loop.h"

#define DEADLINE_MS 5000

/* Runs the loop until *flag is set or the deadline passes; true if set. */
static bool run_until(struct mgo_loop *loop, const bool *flag)
{
	uint64_t end = mgo_now_ms() + DEADLINE_MS;

	while (!*flag && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(loop, 100), 0);
	return *flag;
}

struct order {
	int seen[64];
	int n;
	bool done;
	int expect;
};

static void record(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct order *o = ctx;
	o->seen[o->n++] = (int)(intptr_t)mgo_timer_armed(t); /* always 0: disarmed before the call */
	if (o->n == o->expect)
		o->done = true;
}

Test(loop, timer_is_disarmed_when_its_callback_runs)
{
	struct mgo_loop *loop;
	struct mgo_timer *t;
	struct order o = {.expect = 1};

	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_timer_new(loop, record, &o, &t), 0);
	cr_assert_not(mgo_timer_armed(t));
	mgo_timer_start(t, 1);
	cr_assert(mgo_timer_armed(t));
	cr_assert(run_until(loop, &o.done));
	cr_assert_eq(o.seen[0], 0);
	mgo_timer_remove(t);
	mgo_loop_free(loop);
}

struct tagged {
	struct order *o;
	int tag;
	struct mgo_timer *t;
};

static void record_tag(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct tagged *tg = ctx;
	tg->o->seen[tg->o->n++] = tg->tag;
	if (tg->o->n == tg->o->expect)
		tg->o->done = true;
}

Test(loop, timers_fire_in_due_order_and_not_early)
{
	struct mgo_loop *loop;
	struct order o = {.expect = 4};
	struct tagged tg[5];
	const uint64_t after[5] = {40, 10, 30, 20, 25};

	cr_assert_eq(mgo_loop_new(&loop), 0);
	uint64_t start = mgo_now_ms();
	for (int i = 0; i < 5; i++) {
		tg[i] = (struct tagged){.o = &o, .tag = (int)after[i]};
		cr_assert_eq(mgo_timer_new(loop, record_tag, &tg[i], &tg[i].t), 0);
		mgo_timer_start(tg[i].t, after[i]);
	}
	mgo_timer_stop(tg[4].t); /* the 25 ms one must never fire */
	cr_assert(run_until(loop, &o.done));
	cr_assert_geq(mgo_now_ms() - start, 40);
	int want[4] = {10, 20, 30, 40};
	for (int i = 0; i < 4; i++)
		cr_assert_eq(o.seen[i], want[i], "position %d: %d", i, o.seen[i]);
	for (int i = 0; i < 5; i++)
		mgo_timer_remove(tg[i].t);
	mgo_loop_free(loop);
}

struct heap_check {
	uint64_t last_due;
	int fired;
	int total;
	bool done;
	bool in_order;
};

struct heap_timer {
	struct heap_check *hc;
	uint64_t due;
	struct mgo_timer *t;
};

static void heap_fire(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct heap_timer *ht = ctx;
	if (mgo_now_ms() < ht->due)
		ht->hc->in_order = false; /* early */
	if (ht->due < ht->hc->last_due)
		ht->hc->in_order = false;
	ht->hc->last_due = ht->due;
	if (++ht->hc->fired == ht->hc->total)
		ht->hc->done = true;
}

Test(loop, ten_thousand_timers_keep_heap_order)
{
	enum { N = 10000 };
	struct mgo_loop *loop;
	struct heap_check hc = {.total = N / 2, .in_order = true};
	struct heap_timer *ht = calloc(N, sizeof(*ht));

	srand(7);
	cr_assert_eq(mgo_loop_new(&loop), 0);
	for (int i = 0; i < N; i++) {
		ht[i] = (struct heap_timer){.hc = &hc, .due = (uint64_t)(rand() % 200)};
		cr_assert_eq(mgo_timer_new(loop, heap_fire, &ht[i], &ht[i].t), 0);
		mgo_timer_start(ht[i].t, ht[i].due);
		ht[i].due = mgo_timer_due(ht[i].t);
	}
	for (int i = 0; i < N; i += 2) /* stopping from the middle of the heap */
		mgo_timer_stop(ht[i].t);
	cr_assert(run_until(loop, &hc.done));
	cr_assert(hc.in_order, "timers fired early or out of due order");
	for (int i = 0; i < N; i++)
		mgo_timer_remove(ht[i].t);
	mgo_loop_free(loop);
	free(ht);
}

struct fdstate {
	bool readable;
	char byte;
	struct mgo_watch *w;
};

static void on_pipe(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct fdstate *st = ctx;
	cr_assert(revents & ZMQ_POLLIN);
	cr_assert_null(zsock);
	cr_assert_eq(read(fd, &st->byte, 1), 1);
	st->readable = true;
	mgo_watch_remove(st->w); /* removing itself from inside its callback */
}

Test(loop, fd_readiness_and_self_removal)
{
	struct mgo_loop *loop;
	struct fdstate st = {0};
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_loop_add_fd(loop, p[0], ZMQ_POLLIN, on_pipe, &st, &st.w), 0);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert(run_until(loop, &st.readable));
	cr_assert_eq(st.byte, 'x');
	/* removed: a second byte must not call back (it would read and assert) */
	cr_assert_eq(write(p[1], "y", 1), 1);
	st.readable = false;
	cr_assert_eq(mgo_loop_run_once(loop, 50), 0);
	cr_assert_not(st.readable);
	mgo_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

struct zstate {
	bool got;
	char buf[16];
};

static void on_zmq(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct zstate *st = ctx;
	cr_assert_eq(fd, -1);
	int n = zmq_recv(zsock, st->buf, sizeof(st->buf) - 1, ZMQ_DONTWAIT);
	cr_assert_eq(n, 5);
	st->got = true;
}

Test(loop, zmq_socket_wakes_loop)
{
	void *zctx = zmq_ctx_new();
	void *a = zmq_socket(zctx, ZMQ_PAIR), *b = zmq_socket(zctx, ZMQ_PAIR);
	struct mgo_loop *loop;
	struct zstate st = {0};

	cr_assert_eq(zmq_bind(a, "inproc://loop-test"), 0);
	cr_assert_eq(zmq_connect(b, "inproc://loop-test"), 0);
	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_loop_add_zmq(loop, a, ZMQ_POLLIN, on_zmq, &st, NULL), 0);
	cr_assert_eq(zmq_send(b, "hello", 5, 0), 5);
	cr_assert(run_until(loop, &st.got));
	cr_assert_str_eq(st.buf, "hello");
	mgo_loop_free(loop);
	zmq_close(a);
	zmq_close(b);
	zmq_ctx_term(zctx);
}

static void on_sig(struct mgo_loop *loop, int signo, void *ctx)
{
	*(int *)ctx = signo;
	mgo_loop_stop(loop);
}

Test(loop, signals_arrive_as_callbacks)
{
	struct mgo_loop *loop;
	int got = 0;

	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_loop_add_signal(loop, SIGUSR1, on_sig, &got), 0);
	cr_assert_eq(mgo_loop_add_signal(loop, SIGUSR2, on_sig, &got), 0);
	cr_assert_eq(kill(getpid(), SIGUSR2), 0);
	bool stopped = false;
	uint64_t end = mgo_now_ms() + DEADLINE_MS;
	while (!got && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(loop, 100), 0);
	stopped = got != 0;
	cr_assert(stopped);
	cr_assert_eq(got, SIGUSR2);
	mgo_loop_free(loop);
}

static void stop_now(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	mgo_loop_stop(loop);
}

Test(loop, run_returns_after_stop)
{
	struct mgo_loop *loop;
	struct mgo_timer *t;

	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_timer_new(loop, stop_now, NULL, &t), 0);
	mgo_timer_start(t, 5);
	cr_assert_eq(mgo_loop_run(loop), 0);
	mgo_timer_remove(t);
	mgo_loop_free(loop);
}

Test(loop, invalid_arguments_refused)
{
	struct mgo_loop *loop;
	struct mgo_watch *w;

	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_loop_add_fd(loop, -1, ZMQ_POLLIN, on_pipe, NULL, &w), -EINVAL);
	cr_assert_eq(mgo_loop_add_zmq(loop, NULL, ZMQ_POLLIN, on_zmq, NULL, &w), -EINVAL);
	mgo_loop_free(loop);
}

#include "mgo/loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>

#include "mgo/loop_backend.h"

struct mgo_watch {
	struct mgo_loop *loop;
	int fd;
	void *zsock;
	short events;
	mgo_io_fn fn;
	void *ctx;
	bool dead;              /* removed during dispatch; freed after it */
};

struct mgo_timer {
	struct mgo_loop *loop;
	mgo_timer_fn fn;
	void *ctx;
	uint64_t due;
	size_t heap_idx;        /* position in loop->heap; SIZE_MAX when stopped */
};

struct signal_handler {
	int signo;
	mgo_signal_fn fn;
	void *ctx;
};

struct mgo_loop {
	struct mgo_watch **watches;
	size_t n_watches, cap_watches;
	bool dirty;             /* the poll set must be rebuilt */
	mgo_loop_poller_fn poller;      /* poll(2), or loop_zmq.c's once a socket is added */
	struct mgo_loop_poller_state pstate;
	struct pollfd *pfds;            /* poll(2)'s view of items */
	struct mgo_poll_item *items;
	struct mgo_watch **item_owner;
	size_t n_items;

	/* Timers sit in a binary min-heap on `due`: the watcher keeps one per
	 * MustGather it may re-send, so thousands must stay cheap. */
	struct mgo_timer **heap;
	size_t n_heap, cap_heap;
	size_t n_timers;        /* created and not removed; cap_heap >= n_timers */

	int sigfd;
	sigset_t sigmask;
	struct mgo_watch *sigwatch;
	struct signal_handler *sigs;
	size_t n_sigs;

	bool stop;
	bool dispatching;
};

static int poll_fds(struct mgo_loop *loop, struct mgo_poll_item *items, size_t n, long timeout);

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int mgo_loop_new(struct mgo_loop **out)
{
	struct mgo_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->sigfd = -1;
	loop->poller = poll_fds;
	sigemptyset(&loop->sigmask);
	*out = loop;
	return 0;
}

void mgo_loop_free(struct mgo_loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->n_watches; i++)
		free(loop->watches[i]);
	if (loop->sigfd >= 0) {
		close(loop->sigfd);
		sigprocmask(SIG_UNBLOCK, &loop->sigmask, NULL);
	}
	free(loop->watches);
	free(loop->items);
	free(loop->pfds);
	free(loop->item_owner);
	free(loop->heap);
	free(loop->sigs);
	free(loop);
}

int mgo_loop__add_watch(struct mgo_loop *loop, int fd, void *zsock, short events, mgo_io_fn fn,
		     void *ctx, struct mgo_watch **out)
{
	struct mgo_watch *w;
	int rc = grow((void **)&loop->watches, &loop->cap_watches, loop->n_watches + 1,
		      sizeof(*loop->watches));

	if (rc)
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct mgo_watch){.loop = loop, .fd = fd, .zsock = zsock, .events = events,
				.fn = fn, .ctx = ctx};
	loop->watches[loop->n_watches++] = w;
	loop->dirty = true;
	if (zsock)
		loop->pstate.items_changed = true;
	if (out)
		*out = w;
	return 0;
}

int mgo_loop_add_fd(struct mgo_loop *loop, int fd, short events, mgo_io_fn fn, void *ctx,
		    struct mgo_watch **out)
{
	if (fd < 0 || !fn)
		return -EINVAL;
	return mgo_loop__add_watch(loop, fd, NULL, events, fn, ctx, out);
}

void mgo_loop__set_poller(struct mgo_loop *loop, mgo_loop_poller_fn fn)
{
	loop->poller = fn;
}

struct mgo_loop_poller_state *mgo_loop__poller_state(struct mgo_loop *loop)
{
	loop->pstate.pfds = loop->pfds;
	return &loop->pstate;
}

void mgo_watch_set_events(struct mgo_watch *w, short events)
{
	if (w->events != events) {
		w->events = events;
		w->loop->dirty = true;
		if (w->zsock)
			w->loop->pstate.items_changed = true;
	}
}

/* Frees dead watches; only outside dispatch, where nothing points at them. */
static void reap_watches(struct mgo_loop *loop)
{
	size_t j = 0;

	for (size_t i = 0; i < loop->n_watches; i++) {
		if (loop->watches[i]->dead)
			free(loop->watches[i]);
		else
			loop->watches[j++] = loop->watches[i];
	}
	loop->n_watches = j;
}

void mgo_watch_remove(struct mgo_watch *w)
{
	if (!w)
		return;
	w->dead = true;
	w->loop->dirty = true;
	if (!w->loop->dispatching)
		reap_watches(w->loop);
}

/* ---- timers: binary min-heap ---- */

static void heap_swap(struct mgo_loop *loop, size_t a, size_t b)
{
	struct mgo_timer *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_idx = a;
	loop->heap[b]->heap_idx = b;
}

static void heap_up(struct mgo_loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (loop->heap[parent]->due <= loop->heap[i]->due)
			break;
		heap_swap(loop, parent, i);
		i = parent;
	}
}

static void heap_down(struct mgo_loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		if (l < loop->n_heap && loop->heap[l]->due < loop->heap[min]->due)
			min = l;
		if (r < loop->n_heap && loop->heap[r]->due < loop->heap[min]->due)
			min = r;
		if (min == i)
			return;
		heap_swap(loop, i, min);
		i = min;
	}
}

int mgo_timer_new(struct mgo_loop *loop, mgo_timer_fn fn, void *ctx, struct mgo_timer **out)
{
	struct mgo_timer *t;

	int rc;

	if (!fn)
		return -EINVAL;
	/* reserve the heap slot now so that arming a timer can never fail */
	rc = grow((void **)&loop->heap, &loop->cap_heap, loop->n_timers + 1, sizeof(*loop->heap));
	if (rc)
		return rc;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*t = (struct mgo_timer){.loop = loop, .fn = fn, .ctx = ctx, .heap_idx = SIZE_MAX};
	loop->n_timers++;
	*out = t;
	return 0;
}

bool mgo_timer_armed(const struct mgo_timer *t)
{
	return t->heap_idx != SIZE_MAX;
}

uint64_t mgo_timer_due(const struct mgo_timer *t)
{
	return t->due;
}

void mgo_timer_stop(struct mgo_timer *t)
{
	struct mgo_loop *loop = t->loop;
	size_t i = t->heap_idx;

	if (i == SIZE_MAX)
		return;
	t->heap_idx = SIZE_MAX;
	loop->n_heap--;
	if (i == loop->n_heap)
		return;
	loop->heap[i] = loop->heap[loop->n_heap];
	loop->heap[i]->heap_idx = i;
	heap_down(loop, i);
	heap_up(loop, i);
}

void mgo_timer_start(struct mgo_timer *t, uint64_t after_ms)
{
	struct mgo_loop *loop = t->loop;

	mgo_timer_stop(t);
	t->due = mgo_now_ms() + after_ms;
	t->heap_idx = loop->n_heap;
	loop->heap[loop->n_heap++] = t;
	heap_up(loop, t->heap_idx);
}

void mgo_timer_remove(struct mgo_timer *t)
{
	if (!t)
		return;
	if (mgo_timer_armed(t))
		mgo_timer_stop(t);
	t->loop->n_timers--;
	free(t);
}

/* ---- signals ---- */

static void on_signalfd(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(fd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si))
			return; /* EAGAIN: drained */
		for (size_t i = 0; i < loop->n_sigs; i++)
			if (loop->sigs[i].signo == (int)si.ssi_signo)
				loop->sigs[i].fn(loop, (int)si.ssi_signo, loop->sigs[i].ctx);
	}
}

int mgo_loop_add_signal(struct mgo_loop *loop, int signo, mgo_signal_fn fn, void *ctx)
{
	struct signal_handler *sigs;
	sigset_t one;
	int fd, rc;

	if (!fn)
		return -EINVAL;
	sigs = realloc(loop->sigs, (loop->n_sigs + 1) * sizeof(*sigs));
	if (!sigs)
		return -ENOMEM;
	loop->sigs = sigs;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) != 0)
		return -errno;
	sigaddset(&loop->sigmask, signo);
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		rc = mgo_loop_add_fd(loop, fd, MGO_POLLIN, on_signalfd, NULL, &loop->sigwatch);
		if (rc)
			return rc;
	}
	loop->sigs[loop->n_sigs++] = (struct signal_handler){signo, fn, ctx};
	return 0;
}

/* ---- running ---- */

/* The poller of a loop without ZeroMQ sockets: plain poll(2), so a process
 * that has none (mgo-health) does not link libzmq. */
static int poll_fds(struct mgo_loop *loop, struct mgo_poll_item *items, size_t n, long timeout)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		loop->pfds[i] = (struct pollfd){
			.fd = items[i].fd,
			.events = (short)(((items[i].events & MGO_POLLIN) ? POLLIN : 0) |
					  ((items[i].events & MGO_POLLOUT) ? POLLOUT : 0)),
		};
	rc = poll(loop->pfds, (nfds_t)n, timeout > INT_MAX ? INT_MAX : (int)timeout);
	if (rc < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		short r = loop->pfds[i].revents;
		/* as zmq_poll would report them, so callbacks see the same bits
		 * whichever poller runs: hang-ups and errors are POLLERR */
		items[i].revents = (short)(((r & POLLIN) ? MGO_POLLIN : 0) |
					   ((r & POLLOUT) ? MGO_POLLOUT : 0) |
					   ((r & ~(POLLIN | POLLOUT)) ? MGO_POLLERR : 0));
	}
	return rc;
}

static int rebuild_items(struct mgo_loop *loop)
{
	size_t n = 0;

	reap_watches(loop);
	struct mgo_poll_item *items = realloc(loop->items, (loop->n_watches + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	loop->items = items;
	struct pollfd *pfds = realloc(loop->pfds, (loop->n_watches + 1) * sizeof(*pfds));
	if (!pfds)
		return -ENOMEM;
	loop->pfds = pfds;
	struct mgo_watch **owner = realloc(loop->item_owner,
					   (loop->n_watches + 1) * sizeof(*owner));
	if (!owner)
		return -ENOMEM;
	loop->item_owner = owner;
	for (size_t i = 0; i < loop->n_watches; i++) {
		struct mgo_watch *w = loop->watches[i];
		if (!w->events)
			continue;
		items[n] = (struct mgo_poll_item){.socket = w->zsock, .fd = w->fd, .events = w->events};
		owner[n++] = w;
	}
	loop->n_items = n;
	loop->dirty = false;
	return 0;
}

static long next_timeout(struct mgo_loop *loop, int max_wait_ms)
{
	long wait = max_wait_ms;

	if (loop->n_heap > 0) {
		uint64_t now = mgo_now_ms(), due = loop->heap[0]->due;
		uint64_t left = due > now ? due - now : 0;
		if (left > INT_MAX)
			left = INT_MAX;
		if (wait < 0 || (long)left < wait)
			wait = (long)left;
	}
	return wait;
}

static void run_timers(struct mgo_loop *loop)
{
	uint64_t now = mgo_now_ms();

	/* A callback re-arming its own timer for 0 ms runs next iteration, not
	 * in this loop, so a busy timer cannot starve the sockets. */
	size_t budget = loop->n_heap;
	while (budget-- > 0 && loop->n_heap > 0 && loop->heap[0]->due <= now) {
		struct mgo_timer *t = loop->heap[0];
		mgo_timer_stop(t);
		t->fn(loop, t, t->ctx);
	}
}

int mgo_loop_run_once(struct mgo_loop *loop, int max_wait_ms)
{
	int rc;

	if (loop->dirty && (rc = rebuild_items(loop)))
		return rc;
	rc = loop->poller(loop, loop->items, loop->n_items, next_timeout(loop, max_wait_ms));
	if (rc < 0)
		return rc == -EINTR ? 0 : rc;
	loop->dispatching = true;
	for (size_t i = 0; rc > 0 && i < loop->n_items; i++) {
		struct mgo_watch *w = loop->item_owner[i];
		short rev = loop->items[i].revents;
		if (!rev)
			continue;
		if (!w->dead)
			w->fn(loop, w->fd, w->zsock, rev, w->ctx);
	}
	run_timers(loop);
	loop->dispatching = false;
	if (loop->dirty)
		reap_watches(loop);
	return 0;
}

int mgo_loop_run(struct mgo_loop *loop)
{
	int rc = 0;

	loop->stop = false;
	while (!loop->stop && rc == 0)
		rc = mgo_loop_run_once(loop, -1);
	return rc;
}

void mgo_loop_stop(struct mgo_loop *loop)
{
	loop->stop = true;
}

/* The one event loop of a process: poll(2) over file descriptors (curl's
 * sockets, signalfd, pipes), with timers and signals. ZeroMQ sockets are
 * added by mgo_loop_add_zmq (mgo/ipc_sock.h, the IPC library), which turns
 * the loop's poller into one that also polls their ZMQ_FD; a process
 * without them links no libzmq.
 *
 * Single-threaded. Callbacks run from mgo_loop_run() and may add or remove
 * any watch or timer, including their own. Watches are owned by the loop and
 * valid until removed or the loop is freed; timers are owned by their creator
 * and valid until mgo_timer_remove. Errors are negative errno. */
#ifndef MGO_LOOP_H
#define MGO_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "mgo/clock.h"

struct mgo_loop;
struct mgo_watch;
struct mgo_timer;

/* The event bits, equal to ZMQ_POLLIN, ZMQ_POLLOUT and ZMQ_POLLERR. */
#define MGO_POLLIN 1
#define MGO_POLLOUT 2
#define MGO_POLLERR 4

/* Events are MGO_POLL* bits. For a ZeroMQ socket
 * `fd` is -1 and `zsock` is the socket; for a file descriptor `zsock` is NULL. */
typedef void (*mgo_io_fn)(struct mgo_loop *loop, int fd, void *zsock, short revents,
			  void *ctx);
typedef void (*mgo_timer_fn)(struct mgo_loop *loop, struct mgo_timer *t, void *ctx);
typedef void (*mgo_signal_fn)(struct mgo_loop *loop, int signo, void *ctx);

int mgo_loop_new(struct mgo_loop **out);
/* Frees every watch still registered and closes nothing it was given. Timers
 * are their creators' to remove, before this. */
void mgo_loop_free(struct mgo_loop *loop);

int mgo_loop_add_fd(struct mgo_loop *loop, int fd, short events, mgo_io_fn fn, void *ctx,
		    struct mgo_watch **out);
void mgo_watch_set_events(struct mgo_watch *w, short events);
void mgo_watch_remove(struct mgo_watch *w);

/* Timers are created stopped; start arms (or re-arms) one shot `after_ms` from
 * now. A timer is removed only by mgo_timer_remove. */
int mgo_timer_new(struct mgo_loop *loop, mgo_timer_fn fn, void *ctx, struct mgo_timer **out);
void mgo_timer_start(struct mgo_timer *t, uint64_t after_ms);
void mgo_timer_stop(struct mgo_timer *t);
bool mgo_timer_armed(const struct mgo_timer *t);
/* The mgo_now_ms() at which an armed timer fires. */
uint64_t mgo_timer_due(const struct mgo_timer *t);
void mgo_timer_remove(struct mgo_timer *t);

/* Blocks `signo` for the process and delivers it through a signalfd. Call
 * before creating threads (libzmq's I/O threads inherit the mask). */
int mgo_loop_add_signal(struct mgo_loop *loop, int signo, mgo_signal_fn fn, void *ctx);

/* Runs until mgo_loop_stop(); returns 0, or a negative errno if polling fails. */
int mgo_loop_run(struct mgo_loop *loop);
/* Runs one iteration waiting at most `max_wait_ms` (-1: until something happens). */
int mgo_loop_run_once(struct mgo_loop *loop, int max_wait_ms);
void mgo_loop_stop(struct mgo_loop *loop);

#endif

/* ZeroMQ sockets on the process's one loop (mgo/loop.h): once the first is
 * added, the loop polls with poll_zmq below, which also takes plain
 * descriptors. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "ipc_internal.h"
#include "mgo/ipc_sock.h"
#include "mgo/loop_backend.h"

static_assert(MGO_POLLIN == ZMQ_POLLIN && MGO_POLLOUT == ZMQ_POLLOUT &&
	      MGO_POLLERR == ZMQ_POLLERR, "MGO_POLL* must equal ZMQ_POLL*");

/* ZeroMQ's own zmq_poll asks every socket for ZMQ_EVENTS twice a call (a
 * pass with no wait, then one that waits), and each ask is a poll(2) and a
 * getpid(2) of libzmq's: with three sockets, fourteen system calls each
 * time the loop turns, though most turns are the kube client's sockets
 * (bench/REPORT.md). A socket's events can change only through this
 * library's own calls on it or through a command from libzmq's I/O thread,
 * and every such command makes the socket's ZMQ_FD readable. So this asks
 * ZMQ_EVENTS only of a socket the library sent or received on since
 * (mgo_ipc__touched), of all when a socket was added or its wanted
 * events changed, and of one whose ZMQ_FD polled readable; else one
 * poll(2) is the whole turn, however often the plain descriptors change. */
#define TOUCHED_MAX 16
static void *touched[TOUCHED_MAX];
static size_t n_touched;
/* more than fit at once (no process of ours has so many): from then on,
 * every socket is asked at every turn, as zmq_poll would */
static bool touched_overflow;

void mgo_ipc__touched(void *sock)
{
	for (size_t i = 0; i < n_touched; i++)
		if (touched[i] == sock)
			return;
	if (n_touched < TOUCHED_MAX)
		touched[n_touched++] = sock;
	else
		touched_overflow = true;
}

/* Whether sock was touched; forgets it (this loop asks it now). */
static bool take_touched(void *sock)
{
	for (size_t i = 0; i < n_touched; i++)
		if (touched[i] == sock) {
			touched[i] = touched[--n_touched];
			return true;
		}
	return false;
}

void mgo_ipc__forget(void *sock)
{
	(void)take_touched(sock);
}

/* The wanted events socket s has now; -errno when it cannot tell. */
static int zmq_ready(void *s, short want)
{
	uint32_t ev = 0;
	size_t len = sizeof(ev);

	if (zmq_getsockopt(s, ZMQ_EVENTS, &ev, &len) != 0)
		return -errno;
	return (int)(ev & (uint32_t)want & (ZMQ_POLLIN | ZMQ_POLLOUT));
}

static int poll_zmq(struct mgo_loop *loop, struct mgo_poll_item *items, size_t n, long timeout)
{
	struct mgo_loop_poller_state *st = mgo_loop__poller_state(loop);
	struct pollfd *pfds = st->pfds;
	bool all = st->items_changed || touched_overflow;
	int ready = 0, rc;

	st->items_changed = false;
	for (size_t i = 0; i < n; i++) {
		items[i].revents = 0;
		if (!items[i].socket) {
			pfds[i] = (struct pollfd){
				.fd = items[i].fd,
				.events = (short)(((items[i].events & MGO_POLLIN) ? POLLIN : 0) |
						  ((items[i].events & MGO_POLLOUT) ? POLLOUT : 0)),
			};
			continue;
		}
		int fd = -1;
		size_t len = sizeof(fd);
		if (zmq_getsockopt(items[i].socket, ZMQ_FD, &fd, &len) != 0)
			return -errno;
		pfds[i] = (struct pollfd){.fd = fd, .events = POLLIN};
		if (take_touched(items[i].socket) || all) {
			if ((rc = zmq_ready(items[i].socket, items[i].events)) < 0)
				return rc;
			items[i].revents = (short)rc;
		}
	}
	/* a command the asking took is in its answer; one that comes later
	 * makes ZMQ_FD readable again */
	for (size_t i = 0; i < n; i++)
		ready += items[i].revents != 0;
	rc = poll(pfds, (nfds_t)n, ready ? 0 : (timeout > INT_MAX ? INT_MAX : (int)timeout));
	if (rc < 0) {
		/* what the asking found must be dispatched now: it took those
		 * sockets' touches and drained their ZMQ_FD, so no later turn
		 * would ask them again */
		if (errno != EINTR || !ready)
			return -errno;
		for (size_t i = 0; i < n; i++)
			pfds[i].revents = 0;
	}
	ready = 0;
	for (size_t i = 0; i < n; i++) {
		short r = pfds[i].revents;
		if (items[i].socket) {
			if (r) {
				if ((rc = zmq_ready(items[i].socket, items[i].events)) < 0)
					return rc;
				items[i].revents = (short)(items[i].revents | rc);
			}
		} else {
			/* as poll_fds (loop.c) reports them */
			items[i].revents = (short)(((r & POLLIN) ? MGO_POLLIN : 0) |
						   ((r & POLLOUT) ? MGO_POLLOUT : 0) |
						   ((r & ~(POLLIN | POLLOUT)) ? MGO_POLLERR : 0));
		}
		ready += items[i].revents != 0;
	}
	return ready;
}

int mgo_loop_add_zmq(struct mgo_loop *loop, void *zsock, short events, mgo_io_fn fn,
		     void *ctx, struct mgo_watch **out)
{
	if (!zsock || !fn)
		return -EINVAL;
	mgo_loop__set_poller(loop, poll_zmq);
	return mgo_loop__add_watch(loop, -1, zsock, events, fn, ctx, out);
}

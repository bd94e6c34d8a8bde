/* For the IPC library only: how mgo_loop_add_zmq plugs ZeroMQ sockets into
 * the loop without the loop linking libzmq. Not for processes' code. */
#ifndef MGO_LOOP_BACKEND_H
#define MGO_LOOP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "mgo/loop.h"

/* A descriptor (socket NULL) or a ZeroMQ socket, and what is wanted of it. */
struct mgo_poll_item {
	void *socket;
	int fd;
	short events;
	short revents;
};

/* Waits at most timeout ms (-1: forever) for items; fills revents with
 * MGO_POLL* bits and returns how many are ready, or a negative errno. */
typedef int (*mgo_loop_poller_fn)(struct mgo_loop *loop, struct mgo_poll_item *items,
				  size_t n, long timeout);

void mgo_loop__set_poller(struct mgo_loop *loop, mgo_loop_poller_fn fn);

/* What a poller keeps between its calls on one loop. */
struct mgo_loop_poller_state {
	bool items_changed;     /* set by the loop when a ZeroMQ socket was
				 * added or its events changed: each is to be
				 * asked again (the kube client's descriptors
				 * come and go every request, and need not) */
	struct pollfd *pfds;    /* room for as many as the items */
};
struct mgo_loop_poller_state *mgo_loop__poller_state(struct mgo_loop *loop);
int mgo_loop__add_watch(struct mgo_loop *loop, int fd, void *zsock, short events, mgo_io_fn fn,
			void *ctx, struct mgo_watch **out);

#endif

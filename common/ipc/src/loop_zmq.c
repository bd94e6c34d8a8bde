/* ZeroMQ sockets on the process's one loop (mgo/loop.h): once the first is
 * added, the loop polls with zmq_poll, which also takes plain descriptors. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <zmq.h>

#include "mgo/ipc_sock.h"
#include "mgo/loop_backend.h"

static_assert(sizeof(struct mgo_poll_item) == sizeof(zmq_pollitem_t) &&
	      offsetof(struct mgo_poll_item, socket) == offsetof(zmq_pollitem_t, socket) &&
	      offsetof(struct mgo_poll_item, fd) == offsetof(zmq_pollitem_t, fd) &&
	      offsetof(struct mgo_poll_item, events) == offsetof(zmq_pollitem_t, events) &&
	      offsetof(struct mgo_poll_item, revents) == offsetof(zmq_pollitem_t, revents),
	      "struct mgo_poll_item must stay layout-compatible with zmq_pollitem_t");
static_assert(MGO_POLLIN == ZMQ_POLLIN && MGO_POLLOUT == ZMQ_POLLOUT &&
	      MGO_POLLERR == ZMQ_POLLERR, "MGO_POLL* must equal ZMQ_POLL*");

static int poll_zmq(struct mgo_loop *loop, struct mgo_poll_item *items, size_t n, long timeout)
{
	int rc = zmq_poll((zmq_pollitem_t *)items, (int)n, timeout);

	(void)loop;
	return rc < 0 ? -errno : rc;
}

int mgo_loop_add_zmq(struct mgo_loop *loop, void *zsock, short events, mgo_io_fn fn,
		     void *ctx, struct mgo_watch **out)
{
	if (!zsock || !fn)
		return -EINVAL;
	mgo_loop__set_poller(loop, poll_zmq);
	return mgo_loop__add_watch(loop, -1, zsock, events, fn, ctx, out);
}

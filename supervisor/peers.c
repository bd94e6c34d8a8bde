/* The supervisor's news for its children, the other direction of each
 * child's notification socket (mgo/notify.h): which peer just became ready.
 * A restarted launcher lost the acts queued to its predecessor, and only the
 * watcher can re-send their causes; it hears of the launcher from nobody
 * else (it has no link to it). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "mgo/log.h"
#include "mgo/notify.h"
#include "sup.h"

void mgo_sup_peer_ready(struct mgo_sup *s, const struct mgo_child *ready)
{
	uint8_t news = (uint8_t)ready->role;

	/* mgo-health has no IPC peer: its restart is no one's news */
	if (!mgo_sup_peers_of(ready->role))
		return;
	for (size_t i = 0; i < s->n_kids; i++) {
		struct mgo_child *c = &s->kids[i];

		if (c == ready || c->notify_fd < 0 ||
		    (c->state != MGO_CHILD_STARTING && c->state != MGO_CHILD_READY))
			continue;
		/* one byte of a few hundred KiB of socket buffer: EAGAIN means
		 * the child has not read news for a long time, and then its
		 * heartbeat deadline deals with it */
		if (send(c->notify_fd, &news, sizeof(news), MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(news))
			continue;
		mgo_log_kv(MGO_LOG_WARN, NULL, "supervisor.peer.untold", "{s:s, s:s, s:s}", "child",
			   c->name, "peer", ready->name, "error", strerror(errno));
	}
}

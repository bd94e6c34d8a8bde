/* The supervisor's news for its children, the other direction of each
 * child's notification socket (mgo/notify.h): which peer just became ready,
 * and that the launcher just became the leader.
 * A restarted launcher lost the acts queued to its predecessor, and only the
 * watcher can re-send their causes; it hears of the launcher from nobody
 * else (it has no link to it). A launcher that becomes the leader is
 * news for the same reason: as a standby it ignored every act. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "mgo/log.h"
#include "mgo/notify.h"
#include "sup.h"

/* One byte of news to child c, if it is running. */
static void tell(struct mgo_child *c, const struct mgo_child *about, uint8_t news)
{
	if (c->notify_fd < 0 || (c->state != MGO_CHILD_STARTING && c->state != MGO_CHILD_READY))
		return;
	/* one byte of a few hundred KiB of socket buffer: EAGAIN means the
	 * child has not read news for a long time, and then its heartbeat
	 * deadline deals with it */
	if (send(c->notify_fd, &news, sizeof(news), MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(news))
		return;
	mgo_log_kv(MGO_LOG_WARN, NULL, "supervisor.peer.untold", "{s:s, s:s, s:s}", "child",
		   c->name, "peer", about->name, "error", strerror(errno));
}

void mgo_sup_peer_ready(struct mgo_sup *s, const struct mgo_child *ready)
{
	/* mgo-health has no IPC peer: its restart is no one's news */
	if (!mgo_sup_peers_of(ready->role))
		return;
	for (int i = 0; i < MGO_SUP_CHILDREN; i++)
		if (&s->kids[i] != ready)
			tell(&s->kids[i], ready, (uint8_t)ready->role);
}

void mgo_sup_launcher_leads(struct mgo_sup *s, const struct mgo_child *c)
{
	mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.launcher.leads", "{s:i}", "child_pid",
		   (int)c->pid);
	for (int i = 0; i < MGO_SUP_CHILDREN; i++)
		if (s->kids[i].role == MGO_ROLE_WATCHER)
			tell(&s->kids[i], c, (uint8_t)(c->role | MGO_NOTIFY_NEWS_LEADS));
}

/* The child's half of supervision: its keys from the supervisor, and the
 * heartbeats and readiness it owes it (mgo/notify.h). mgo_proc_start drives
 * this; a process calls mgo_proc_ready (mgo/proc.h) when it is ready. */
#ifndef MGO_SUPERVISED_H
#define MGO_SUPERVISED_H

#include <stdbool.h>
#include <stdint.h>

#include "mgo/ipc.h"
#include "mgo/loop.h"

/* What the supervisor says of a peer. */
enum mgo_news {
	MGO_NEWS_READY,         /* it has just become ready (a restart, or the
				   first start of one started later) */
	MGO_NEWS_LEADS,         /* the launcher has just become the leader */
};
typedef void (*mgo_supervised_peer_fn)(void *ctx, enum mgo_role peer, enum mgo_news what);

struct mgo_supervised {
	int fd;                         /* the notification fd; -1: not supervised */
	struct mgo_loop *loop;
	struct mgo_watch *news_w;       /* reading the supervisor's news, when fd
					   is the supervisor's packet socket */
	mgo_supervised_peer_fn on_peer;
	void *peer_ctx;
	struct mgo_heartbeat hb;
	uint64_t seq;
	unsigned interval_ms;
	struct mgo_timer *timer;
	bool write_failed;              /* logged once, not at every beat */
	/* mgo_metrics_proc()'s version last sent whole: the set goes up with
	 * the next heartbeat after any change, and again after a full pipe */
	uint64_t metrics_sent;
	void (*collect)(void *ctx);     /* see mgo_supervised_collect */
	void *collect_ctx;
};

/* Takes over the notification fd (made non-blocking): the supervisor's
 * packet socket, which is also read for its news, or a pipe's write end
 * (tests that play the supervisor), which is only written. Sends a first
 * heartbeat (not ready) and then one every interval_ms from the loop's
 * timer, each followed by the process's metrics (mgo_metrics_proc) when they
 * changed. Negative errno on failure; s is then inert but must
 * still be stopped. */
int mgo_supervised_start(struct mgo_supervised *s, struct mgo_loop *loop, int fd,
			 enum mgo_role role, unsigned interval_ms);

/* Who hears of peers becoming ready (one listener; NULL: nobody, and the
 * news is only logged at debug level). */
void mgo_supervised_on_peer(struct mgo_supervised *s, mgo_supervised_peer_fn fn, void *ctx);

/* Reports readiness at once (a heartbeat with ready=true); later calls do
 * nothing. */
void mgo_supervised_ready(struct mgo_supervised *s);

/* Reports at once (a heartbeat) whether the launcher holds the leader
 * Lease, when that changed; the supervisor tells the watcher when it
 * begins to. */
void mgo_supervised_leading(struct mgo_supervised *s, bool leading);

/* fn(ctx) runs before each heartbeat's metrics are sent, to copy into
 * mgo_metrics_proc what is counted elsewhere (the API client's stats, queue
 * lengths). One collector; NULL removes it. */
void mgo_supervised_collect(struct mgo_supervised *s, void (*fn)(void *ctx), void *ctx);

/* Stops the heartbeats and closes the fd. A zeroed struct with fd -1 is fine. */
void mgo_supervised_stop(struct mgo_supervised *s);

#endif

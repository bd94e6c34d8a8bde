/* The watcher's loop work: informers into the cache, Observes out to the
 * validator, re-sent with backoff while nothing moves. It only reads. */
#ifndef MGO_WATCHER_H
#define MGO_WATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "mgo/informer.h"
#include "mgo/proc.h"

enum {
	MGO_INF_MUSTGATHERS,
	MGO_INF_ALLOWLIST,
	MGO_INF_JOBS,
	MGO_INF_PODS,
	MGO_INF_SERVICEACCOUNTS,
	MGO_INF_N,
};

struct pending;
struct mgo_watcher;

/* Which informer a callback is about. */
struct mgo_inf_ctx {
	struct mgo_watcher *w;
	int which;
};

struct mgo_watcher {
	struct mgo_proc *proc;
	struct mgo_kube_client *client;
	struct mgo_informer *inf[MGO_INF_N];
	struct mgo_inf_ctx inf_ctx[MGO_INF_N];
	unsigned synced;                /* bit per informer */
	struct mgo_wcache *cache;
	void *push;                     /* to the validator */
	void *monitor;                  /* events of `push`: a (re)connected peer */
	struct pending *pending;        /* per MustGather: what was sent, when again */
	uint64_t seq;
	uint64_t first_resend_ms;
	uint64_t max_resend_ms;
	/* fresh reads of the allowlist (watcher.c says why) */
	struct mgo_kube_req *allow_req; /* in flight */
	uint64_t allow_epoch;           /* reads started so far */
	struct mgo_timer *allow_timer;  /* the next try, while the cache disagrees */
	uint64_t allow_backoff_ms;
};

/* Loads the watcher's credentials, opens the client, the informers and the
 * socket, and starts listing. Negative errno, logged. */
int mgo_watcher_open(struct mgo_watcher *w, struct mgo_proc *proc);
void mgo_watcher_close(struct mgo_watcher *w);

#endif

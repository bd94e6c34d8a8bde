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
	MGO_INF_N,
};

struct pending;
struct sa_read;
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
	/* reads of the ServiceAccounts MustGathers name (watcher.c) */
	struct sa_read *sa_reads;       /* in flight, by "ns/name" */
	uint64_t sa_epoch;              /* reads started so far */
	/* MustGatherImage/cluster's own status (allowlist_status.c) */
	struct mgo_timer *mgi_timer;    /* resend while its status lags */
	uint64_t mgi_sent_hash;         /* of the last Observe sent; 0: none */
	uint64_t mgi_backoff_ms;
};

/* ---- watcher.c, for the allowlist status ---- */

/* Every informer has listed: the cache may be acted on. */
bool mgo_watcher_synced(const struct mgo_watcher *w);
/* A hash of an encoded Observe (never 0): equal hashes, nothing new. */
uint64_t mgo_watcher_hash(const char *p, size_t n);

/* ---- allowlist_status.c ---- */

/* Sends the validator an Observe of MustGatherImage/cluster itself while
 * its status.observedGeneration lags its generation (the launcher then
 * writes which entries are malformed), re-sent with backoff like a
 * MustGather's; `again`: a resend, even if unchanged. */
void mgo_watcher_observe_allowlist(struct mgo_watcher *w, bool again);
int mgo_watcher_allowlist_open(struct mgo_watcher *w);
void mgo_watcher_allowlist_close(struct mgo_watcher *w);

/* Opens the client on creds (borrowed), the informers and the
 * socket, and starts listing. Negative errno, logged. */
int mgo_watcher_open(struct mgo_watcher *w, struct mgo_proc *proc,
		     struct mgo_kube_creds *creds);
void mgo_watcher_close(struct mgo_watcher *w);

#endif

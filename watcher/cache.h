/* The watcher's view of the cluster: what the pipeline needs of each
 * MustGather, its Job and Pod and the allowlist, folded from informer events
 * into compact nodes (never whole objects; a finished MustGather keeps only
 * what its cleanup needs), and turned into Observes on demand. No I/O.
 *
 * Every change that may alter a MustGather's observation calls `touched`
 * with its UID; the caller decides whether to send (see watcher.c). */
#ifndef MGO_WATCHER_CACHE_H
#define MGO_WATCHER_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mgo/types.h"

struct mgo_wcache;

typedef void (*mgo_wcache_touched_fn)(void *ctx, const char *uid);

int mgo_wcache_new(mgo_wcache_touched_fn touched, void *ctx, struct mgo_wcache **out);
void mgo_wcache_free(struct mgo_wcache *c);

/* Informer events, objects borrowed. The *_put functions return 0, or
 * -EBADMSG with err naming the field of an object that does not decode (it
 * is then ignored), or -ENOMEM. A Job counts for the MustGather that is its
 * controller (ownerReference with controller: true) in the same namespace, a
 * Pod for the Job that is its controller in the same namespace; labels
 * count for nothing. A put of one without such a controller forgets it.
 * UIDs are at most 36 characters (Kubernetes' UUIDs); an object with a
 * longer one does not decode, an owner reference with one names nothing. */
int mgo_wcache_mg_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen);
void mgo_wcache_mg_del(struct mgo_wcache *c, const json_t *obj);
/* A MustGather over MGO_MG_MAX_BYTES (`bytes` as compact JSON): only its
 * metadata and phase are kept, with mg.too_large_bytes set, so that it is
 * observed as too large (and failed); returns as mgo_wcache_mg_put. */
int mgo_wcache_mg_too_large(struct mgo_wcache *c, const json_t *obj, size_t bytes, char *err,
			    size_t errlen);
int mgo_wcache_allowlist_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen);
void mgo_wcache_allowlist_del(struct mgo_wcache *c);
int mgo_wcache_job_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen);
void mgo_wcache_job_del(struct mgo_wcache *c, const json_t *obj);
int mgo_wcache_pod_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen);
void mgo_wcache_pod_del(struct mgo_wcache *c, const json_t *obj);
/* What a read of the ServiceAccount MustGather `uid` names said (there is
 * no cache of accounts: watcher.c reads the one a MustGather names when its
 * observation needs it). UNKNOWN until set, and again if the spec names
 * another account. Touches the MustGather when it changes. */
void mgo_wcache_sa_set(struct mgo_wcache *c, const char *uid, enum mgo_presence sa);
/* The same for the PersistentVolumeClaim its storage names (UNKNOWN again
 * if the spec names another claim), with its phase when it is present.
 * Touches the MustGather when either changes. */
void mgo_wcache_pvc_set(struct mgo_wcache *c, const char *uid, enum mgo_presence pvc,
			enum mgo_claim_phase phase);

/* Fills *out with the observation of MustGather `uid`, borrowing every string
 * from the cache (valid until the next change; do not free). Returns false
 * when there is nothing to observe: unknown UID, or finished with nothing
 * left to clean up. */
bool mgo_wcache_observe(const struct mgo_wcache *c, const char *uid, struct mgo_observe *out);

/* Whether the cached allowlist says what `fresh` says: a fresh read of
 * MustGatherImage/cluster (present false: it does not exist). Entries are
 * compared as written, in order: the same object reads the same. */
/* MustGatherImage/cluster as cached (present false: none); borrowed. */
const struct mgo_allowlist *mgo_wcache_allowlist(const struct mgo_wcache *c);
bool mgo_wcache_allowlist_agrees(const struct mgo_wcache *c, const struct mgo_allowlist *fresh);

/* Whether what `cached` (an observation's Job state) says of its pod
 * matches one of `items`, a fresh list of the MustGather's pods: the same
 * container exits and reason, or no pod and nothing said. Only pods whose
 * controller is the Job cached->uid count (the list's label selector is not
 * ownership); pods that do not decode are skipped, as the informer skips
 * them. */
bool mgo_wcache_pods_agree(const struct mgo_job_state *cached, const json_t *items);

/* Calls fn for every MustGather UID (after a peer restart, say). */
void mgo_wcache_each(const struct mgo_wcache *c, mgo_wcache_touched_fn fn, void *ctx);

size_t mgo_wcache_count(const struct mgo_wcache *c);

#endif

/* The object store: every object of every resource, one global
 * resourceVersion counter, and the window of recent changes that watches,
 * consistent list continuations and "list at resourceVersion" read from.
 *
 * Locking: one mutex guards everything here (and the resource registry),
 * and one condition variable is broadcast on every change. A test server
 * sees tens of requests a second; one lock keeps every write, its event and
 * the garbage collector's follow-up writes atomic with respect to readers,
 * which is what etcd plus the watch cache give kube-apiserver. Every
 * function below expects the caller to hold s->mu.
 *
 * Objects are immutable once stored: a write stores a new json_t, so events
 * and list snapshots may hold references to old versions and serialize them
 * after the lock is released. */
#ifndef TAS_STORE_H
#define TAS_STORE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tas_ev_type { TAS_ADDED, TAS_MODIFIED, TAS_DELETED };

struct tas_item {
	char *key;   /* "ns/name" or "name": kube's etcd key order */
	json_t *obj; /* one reference */
};

/* All objects of one group/resource, sorted by key. Buckets live until the
 * store is freed, so a pointer to one stays valid without the lock. */
struct tas_bucket {
	char *group;
	char *resource;
	struct tas_item *items;
	size_t n, cap;
};

struct tas_event {
	uint64_t rv;
	enum tas_ev_type type;
	struct tas_bucket *b;
	json_t *old; /* the state before (NULL for ADDED) */
	json_t *obj; /* the state after; for DELETED the last state at rv */
};

struct tas_store {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t rv;        /* last resourceVersion handed out */
	uint64_t compacted; /* watches and continuations from before this get 410 */
	uint64_t watch_epoch; /* bumped to end every open watch */
	bool stopping;
	struct tas_bucket **buckets;
	size_t n_buckets;
	struct tas_event *ring;
	size_t ring_cap, ring_head, ring_len;
};

int tas_store_init(struct tas_store *s, size_t window);
void tas_store_free(struct tas_store *s);

/* The bucket of group/resource, created on first use. NULL on ENOMEM. */
struct tas_bucket *tas_store_bucket(struct tas_store *s, const char *group,
				    const char *resource);
/* "ns/name" or "name" into buf. */
void tas_store_key(char *buf, size_t len, const char *ns, const char *name);
/* The stored object (borrowed) or NULL. */
const json_t *tas_store_get(const struct tas_bucket *b, const char *ns, const char *name);

/* The index range [*begin, *end) of b's objects in namespace ns. */
void tas_store_ns_range(const struct tas_bucket *b, const char *ns, size_t *begin,
			size_t *end);

/* Stores obj (stolen) under its metadata namespace/name, creating or
 * replacing. Sets metadata.resourceVersion to the next counter value,
 * records ADDED or MODIFIED and wakes waiters. 0 or -ENOMEM. */
int tas_store_put(struct tas_store *s, struct tas_bucket *b, json_t *obj);
/* Removes an object; the DELETED event carries its last state with the
 * deletion's resourceVersion. *final (optional) gets a new reference to it.
 * 0, -ENOENT or -ENOMEM. */
int tas_store_delete(struct tas_store *s, struct tas_bucket *b, const char *ns,
		     const char *name, json_t **final);

/* The objects of b as they were at resourceVersion at (0: now), restricted
 * to namespace ns (NULL: all) and to keys after start (NULL: from the
 * first). Returns a new array of {key, obj} pairs in key order, or NULL on
 * ENOMEM; *expired is set when at is older than the compaction window. */
struct tas_snapshot {
	struct tas_item *items;
	size_t n;
};
int tas_store_snapshot(struct tas_store *s, struct tas_bucket *b, uint64_t at,
		       const char *ns, const char *start_after, struct tas_snapshot *out,
		       bool *expired);
void tas_snapshot_free(struct tas_snapshot *snap);

/* Events: index of the first event with rv > after (== count when none),
 * and access by index. Indexes are stable until the lock is released. */
size_t tas_store_events_after(const struct tas_store *s, uint64_t after);
size_t tas_store_event_count(const struct tas_store *s);
const struct tas_event *tas_store_event(const struct tas_store *s, size_t i);

/* Forgets every recorded event: what came before now is 410 Gone. */
void tas_store_compact(struct tas_store *s);

#endif

/* An informer: list (page by page), then watch from the list's
 * resourceVersion, and keep watching across dropped connections, server
 * timeouts and compaction, so that the consumer sees each change of each
 * object once, in order, and never a duplicate.
 *
 *   - a watch that ends or breaks resumes from the last resourceVersion seen
 *     (an event's or a bookmark's), without a relist;
 *   - 410 Gone (as the watch's HTTP status or as an ERROR event) relists;
 *     the relist delivers only the difference: ADDED for new objects,
 *     MODIFIED for a changed resourceVersion, DELETED for objects that
 *     vanished meanwhile (with only their metadata: namespace, name, uid,
 *     resourceVersion), nothing for unchanged objects;
 *   - restarts after errors back off exponentially with jitter;
 *   - an object over `max_object` bytes (as compact JSON) is not delivered:
 *     one `informer.object_too_large` line per version names it, and
 *     on_too_large gets it; a watch event too long to read (over max_line)
 *     is dropped and the informer lists again, which names the object, so
 *     that no object can stop a list or a watch (docs/design.md, "Objects
 *     too large to read").
 * It remembers only uid -> namespace/name/resourceVersion of each object
 * (mgo/keyset.h), not the objects: a consumer that wants a cache keeps its
 * own. One that keys that cache by uid and keeps the names itself can ask
 * for uid -> resourceVersion alone (keys_uid_only): a relist's DELETED then
 * carries only the uid and resourceVersion.
 *
 * Callbacks run from the loop; they may use the client (start and cancel
 * requests) but must not free the informer. */
#ifndef MGO_INFORMER_H
#define MGO_INFORMER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/kube.h"

struct mgo_informer;

/* The default bound on one object: kube-apiserver refuses request bodies
 * over 3 MiB and etcd values over 1.5 MiB (its default --max-request-bytes),
 * so no object the API stores is near it; the margin is for what the
 * server adds (managedFields, status) and JSON's expansion of a protobuf-
 * stored object. */
#define MGO_KUBE_OBJECT_MAX (3u << 20)

enum mgo_informer_event {
	MGO_INFORMER_ADDED,
	MGO_INFORMER_MODIFIED,
	MGO_INFORMER_DELETED,
};

const char *mgo_informer_event_name(enum mgo_informer_event ev);  /* "ADDED", ... */

/* `obj` is borrowed for the call (json_incref to keep it). */
typedef void (*mgo_informer_event_fn)(void *ctx, enum mgo_informer_event ev, const json_t *obj);
/* An object over max_object, borrowed for the call, `bytes` its size as
 * compact JSON (mgo_json_size). Without this callback a consumer that was
 * given an earlier version of it gets it DELETED (metadata only), so that
 * it never acts on a version that is not the object's any more. */
typedef void (*mgo_informer_too_large_fn)(void *ctx, const json_t *obj, size_t bytes);
/* Once, after the first complete list has been delivered. */
typedef void (*mgo_informer_synced_fn)(void *ctx);

/* Zero fields take the defaults in brackets. Strings are copied; `res` is
 * borrowed and must outlive the informer. */
struct mgo_informer_opts {
	const struct mgo_kube_resource *res;
	const char *ns;                 /* NULL: all namespaces */
	const char *label_selector;
	const char *field_selector;
	unsigned page_size;             /* [500] */
	unsigned watch_timeout_s;       /* [a random 300..599 per watch, as
					 * client-go, so watches do not all end
					 * together] */
	uint64_t idle_timeout_ms;       /* [timeoutSeconds + 30 s] a watch silent
					 * that long is dead */
	size_t max_line;                /* [4 MiB] longest watch event */
	size_t max_object;              /* [MGO_KUBE_OBJECT_MAX] largest object
					 * delivered, as compact JSON */
	mgo_informer_too_large_fn on_too_large;
	bool keys_uid_only;             /* remember no namespace and name: the
					 * DELETED of an object a relist no longer
					 * has carries only uid and resourceVersion */
	bool spec_unread;               /* no reader looks at the objects'
					 * spec: lists and events are parsed
					 * without it (MGO_KUBE_F_SPEC_UNREAD) */
	uint64_t backoff_base_ms;       /* [500] */
	uint64_t backoff_cap_ms;        /* [30000] */
	mgo_informer_event_fn on_event; /* required */
	mgo_informer_synced_fn on_synced;
	void *ctx;
};

/* Creates it stopped. `client` is borrowed and must outlive it. */
int mgo_informer_new(struct mgo_kube_client *client, const struct mgo_informer_opts *opts,
		     struct mgo_informer **out);
/* Starts the first list. */
int mgo_informer_start(struct mgo_informer *inf);
/* Cancels its requests (no further callbacks). Not from its own callbacks. */
void mgo_informer_free(struct mgo_informer *inf);

struct mgo_informer_stats {
	uint64_t lists;                 /* complete lists, the first included */
	uint64_t relists;               /* lists after the first (410 Gone) */
	uint64_t watches;               /* watch requests started */
	uint64_t restarts;              /* watches resumed from a resourceVersion */
	uint64_t added, modified, deleted;      /* events delivered */
	uint64_t bookmarks;
	uint64_t duplicates;            /* events not delivered: nothing new */
	uint64_t errors;                /* failed lists and watches */
	uint64_t too_large;             /* object versions over max_object */
	uint64_t dropped;               /* watch events too long to read */
	size_t objects;                 /* objects known now */
	size_t key_bytes;               /* memory of what it knows */
};
void mgo_informer_get_stats(const struct mgo_informer *inf, struct mgo_informer_stats *out);
bool mgo_informer_synced(const struct mgo_informer *inf);
/* The resourceVersion a watch would resume from; "" before the first list. */
const char *mgo_informer_resource_version(const struct mgo_informer *inf);

#endif

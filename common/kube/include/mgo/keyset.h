/* What an informer remembers of each object it has delivered: uid ->
 * namespace, name and resourceVersion, and nothing else.
 *
 * That is enough to turn a relist into the events a consumer missed (an
 * object gone from the list is DELETED, an unchanged resourceVersion is not
 * re-delivered) at ~110 bytes an object instead of the whole object. Hand
 * written because no library we ship has a hash table that stores the entry
 * inline: a jansson object would cost several allocations per entry. */
#ifndef MGO_KEYSET_H
#define MGO_KEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MGO_KEYSET_UID_MAX 128  /* uids are 36-character UUIDs */
#define MGO_KEYSET_RV_MAX 128   /* resourceVersions are opaque but short */

struct mgo_keyset;

/* A view of one entry; the strings live as long as the entry is unchanged. */
struct mgo_keyset_entry {
	const char *uid;
	const char *ns;         /* "" for cluster-scoped objects */
	const char *name;       /* "" when put without one */
	const char *rv;
	uint32_t gen;           /* the relist generation that last saw it */
};

int mgo_keyset_new(struct mgo_keyset **out);
void mgo_keyset_free(struct mgo_keyset *ks);

/* Returns false when `uid` is not there (*out untouched). */
bool mgo_keyset_get(const struct mgo_keyset *ks, const char *uid, struct mgo_keyset_entry *out);
/* Inserts or replaces. Strings are copied; ns and name may be NULL (kept
 * as "": not remembered, for a consumer that needs only the uid). Returns
 * 0, -EINVAL for an empty or over-long uid or rv, or an empty (not NULL)
 * or over-long name, or -ENOMEM (the set is then unchanged). */
int mgo_keyset_put(struct mgo_keyset *ks, const char *uid, const char *ns, const char *name,
		   const char *rv, uint32_t gen);
/* Marks `uid` as seen by relist generation `gen` without copying anything;
 * returns whether it was there. */
bool mgo_keyset_touch(struct mgo_keyset *ks, const char *uid, uint32_t gen);
/* Returns whether it was there. */
bool mgo_keyset_del(struct mgo_keyset *ks, const char *uid);
size_t mgo_keyset_count(const struct mgo_keyset *ks);
/* Heap bytes held, for the memory accounting a benchmark prints. */
size_t mgo_keyset_bytes(const struct mgo_keyset *ks);

/* Removes every entry whose gen differs from `gen`, calling `fn` on each
 * before it goes (in no particular order). `fn` must not touch the set. */
typedef void (*mgo_keyset_fn)(void *ctx, const struct mgo_keyset_entry *e);
void mgo_keyset_sweep(struct mgo_keyset *ks, uint32_t gen, mgo_keyset_fn fn, void *ctx);

#endif

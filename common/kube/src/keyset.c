#include "mgo/keyset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/backoff.h"
#include "mgo/types.h"

/* One allocation per entry: a 16-byte header, then "uid\0ns\0name\0rv\0"
 * (an informer keeps one per object: bytes here are bytes per object). */
struct entry {
	uint32_t hash;
	uint32_t gen;
	uint16_t ns_off, name_off, rv_off;
	char data[];
};

/* Open addressing with linear probing, at most 3/4 full so probes stay
 * short; deletion shifts back the run that follows (no tombstones). */
struct mgo_keyset {
	struct entry **slots;
	size_t cap;             /* power of two */
	size_t count;
	size_t entry_bytes;
	uint64_t seed;          /* the uids come from the server: seed the hash */
};

static uint32_t hash_uid(uint64_t seed, const char *uid)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (const unsigned char *p = (const unsigned char *)uid; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static size_t entry_size(const struct entry *e)
{
	return sizeof(*e) + e->rv_off + strlen(e->data + e->rv_off) + 1;
}

int mgo_keyset_new(struct mgo_keyset **out)
{
	struct mgo_keyset *ks = calloc(1, sizeof(*ks));
	struct mgo_rng rng;

	if (!ks)
		return -ENOMEM;
	ks->cap = 64;
	ks->slots = calloc(ks->cap, sizeof(*ks->slots));
	if (!ks->slots) {
		free(ks);
		return -ENOMEM;
	}
	mgo_rng_seed(&rng);
	ks->seed = mgo_rng_next(&rng);
	*out = ks;
	return 0;
}

void mgo_keyset_free(struct mgo_keyset *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->cap; i++)
		free(ks->slots[i]);
	free(ks->slots);
	free(ks);
}

static void view(const struct entry *e, struct mgo_keyset_entry *out)
{
	*out = (struct mgo_keyset_entry){.uid = e->data, .ns = e->data + e->ns_off,
					 .name = e->data + e->name_off,
					 .rv = e->data + e->rv_off, .gen = e->gen};
}

/* The slot holding `uid`, or the empty slot where it would go. */
static size_t find(const struct mgo_keyset *ks, const char *uid, uint32_t h)
{
	size_t mask = ks->cap - 1, i = (size_t)h & mask;

	while (ks->slots[i] && (ks->slots[i]->hash != h || strcmp(ks->slots[i]->data, uid) != 0))
		i = (i + 1) & mask;
	return i;
}

bool mgo_keyset_get(const struct mgo_keyset *ks, const char *uid, struct mgo_keyset_entry *out)
{
	size_t i = find(ks, uid, hash_uid(ks->seed, uid));

	if (!ks->slots[i])
		return false;
	view(ks->slots[i], out);
	return true;
}

static int grow(struct mgo_keyset *ks)
{
	size_t ncap = ks->cap * 2, mask = ncap - 1;
	struct entry **slots = calloc(ncap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < ks->cap; i++) {
		struct entry *e = ks->slots[i];
		if (!e)
			continue;
		size_t j = (size_t)e->hash & mask;
		while (slots[j])
			j = (j + 1) & mask;
		slots[j] = e;
	}
	free(ks->slots);
	ks->slots = slots;
	ks->cap = ncap;
	return 0;
}

int mgo_keyset_put(struct mgo_keyset *ks, const char *uid, const char *ns, const char *name,
		   const char *rv, uint32_t gen)
{
	const bool named = name != NULL;

	if (!ns)
		ns = "";
	if (!name)
		name = "";
	if (!uid || !rv)
		return -EINVAL;
	size_t lu = strlen(uid), ln = strlen(ns), lm = strlen(name), lr = strlen(rv);
	if (!lu || lu > MGO_KEYSET_UID_MAX || ln > MGO_NAME_MAX || (named && !lm) ||
	    lm > MGO_NAME_MAX || !lr || lr > MGO_KEYSET_RV_MAX)
		return -EINVAL;
	if ((ks->count + 1) * 4 > ks->cap * 3) {
		int rc = grow(ks);
		if (rc)
			return rc;
	}
	size_t size = sizeof(struct entry) + lu + ln + lm + lr + 4;
	struct entry *e = malloc(size);
	if (!e)
		return -ENOMEM;
	e->hash = hash_uid(ks->seed, uid);
	e->gen = gen;
	e->ns_off = (uint16_t)(lu + 1);
	e->name_off = (uint16_t)(e->ns_off + ln + 1);
	e->rv_off = (uint16_t)(e->name_off + lm + 1);
	memcpy(e->data, uid, lu + 1);
	memcpy(e->data + e->ns_off, ns, ln + 1);
	memcpy(e->data + e->name_off, name, lm + 1);
	memcpy(e->data + e->rv_off, rv, lr + 1);

	size_t i = find(ks, uid, e->hash);
	if (ks->slots[i]) {
		ks->entry_bytes -= entry_size(ks->slots[i]);
		free(ks->slots[i]);
	} else {
		ks->count++;
	}
	ks->slots[i] = e;
	ks->entry_bytes += size;
	return 0;
}

/* Empties slot i and moves back the entries after it that probed past it,
 * so every remaining entry stays reachable from its home slot. */
static void remove_at(struct mgo_keyset *ks, size_t i)
{
	size_t mask = ks->cap - 1, j = i;

	ks->entry_bytes -= entry_size(ks->slots[i]);
	free(ks->slots[i]);
	ks->slots[i] = NULL;
	ks->count--;
	for (;;) {
		j = (j + 1) & mask;
		if (!ks->slots[j])
			return;
		size_t home = (size_t)ks->slots[j]->hash & mask;
		/* j's entry may move to i only if i lies cyclically in [home, j) */
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			ks->slots[i] = ks->slots[j];
			ks->slots[j] = NULL;
			i = j;
		}
	}
}

bool mgo_keyset_touch(struct mgo_keyset *ks, const char *uid, uint32_t gen)
{
	size_t i = find(ks, uid, hash_uid(ks->seed, uid));

	if (!ks->slots[i])
		return false;
	ks->slots[i]->gen = gen;
	return true;
}

bool mgo_keyset_del(struct mgo_keyset *ks, const char *uid)
{
	size_t i = find(ks, uid, hash_uid(ks->seed, uid));

	if (!ks->slots[i])
		return false;
	remove_at(ks, i);
	return true;
}

size_t mgo_keyset_count(const struct mgo_keyset *ks)
{
	return ks->count;
}

size_t mgo_keyset_bytes(const struct mgo_keyset *ks)
{
	return sizeof(*ks) + ks->cap * sizeof(*ks->slots) + ks->entry_bytes;
}

void mgo_keyset_sweep(struct mgo_keyset *ks, uint32_t gen, mgo_keyset_fn fn, void *ctx)
{
	struct mgo_keyset_entry v;

	/* report first, remove after: removal shifts entries around, which
	 * would make a single pass skip or repeat some */
	for (size_t i = 0; i < ks->cap; i++) {
		if (ks->slots[i] && ks->slots[i]->gen != gen) {
			view(ks->slots[i], &v);
			fn(ctx, &v);
		}
	}
	for (size_t i = 0; i < ks->cap;) {
		if (ks->slots[i] && ks->slots[i]->gen != gen)
			remove_at(ks, i); /* slot i may now hold a shifted entry: look again */
		else
			i++;
	}
}

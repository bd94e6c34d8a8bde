/* The consistent map of one run (clean.h): open addressing over FNV-1a,
 * keys in arena blocks, bounded by max_values so that a bundle of endless
 * distinct addresses fails the run instead of the pod. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"

struct mgo_clean_vent {
	const unsigned char *key;  /* NULL: empty slot */
	uint32_t hash;
	uint32_t id;
	uint16_t len;
	uint8_t kind;
};

#define BLOCK 65536u

struct block {
	struct block *next;
	char bytes[];
};

static uint32_t fnv1a(enum mgo_clean_kind kind, const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int grow(struct mgo_clean_vmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct mgo_clean_vent *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct mgo_clean_vent *e = &m->slots[i];
		size_t j;

		if (!e->key)
			continue;
		for (j = e->hash & (cap - 1); s[j].key; j = (j + 1) & (cap - 1))
			;
		s[j] = *e;
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

static const unsigned char *keep(struct mgo_clean_vmap *m, const void *key, size_t len)
{
	unsigned char *p;

	if (m->arena_left < len) {
		struct block *b = malloc(sizeof(*b) + BLOCK);

		if (!b)
			return NULL;
		b->next = m->blocks;
		m->blocks = b;
		m->arena = b->bytes;
		m->arena_left = BLOCK;
	}
	p = (unsigned char *)m->arena;
	memcpy(p, key, len);
	m->arena += len;
	m->arena_left -= len;
	return p;
}

int mgo_clean_vmap_get(struct mgo_clean_vmap *m, enum mgo_clean_kind kind, const void *key,
		       size_t len, uint32_t *id)
{
	uint32_t h = fnv1a(kind, key, len);
	size_t max = m->max_values ? m->max_values : MGO_CLEAN_MAX_VALUES;
	struct mgo_clean_vent *e;
	size_t j;
	int rc;

	if (len == 0 || len > BLOCK || len > UINT16_MAX || (unsigned)kind >= MGO_CLEAN_NKINDS)
		return -EINVAL;
	for (j = m->cap ? h & (m->cap - 1) : 0; m->cap && m->slots[j].key;
	     j = (j + 1) & (m->cap - 1)) {
		e = &m->slots[j];
		if (e->hash == h && e->kind == kind && e->len == len && !memcmp(e->key, key, len)) {
			*id = e->id;
			return 0;
		}
	}
	if (m->used >= max)
		return -ENOSPC;
	if ((m->used + 1) * 10 > m->cap * 7) {
		if ((rc = grow(m)))
			return rc;
		for (j = h & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1))
			;
	}
	e = &m->slots[j];
	if (!(e->key = keep(m, key, len)))
		return -ENOMEM;
	e->hash = h;
	e->len = (uint16_t)len;
	e->kind = (uint8_t)kind;
	e->id = ++m->next_id[kind];
	m->used++;
	*id = e->id;
	return 0;
}

void mgo_clean_vmap_free(struct mgo_clean_vmap *m)
{
	struct block *b = m->blocks;

	while (b) {
		struct block *next = b->next;

		free(b);
		b = next;
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

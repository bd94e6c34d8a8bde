#include "tas_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_util.h"

int tas_store_init(struct tas_store *s, size_t window)
{
	pthread_condattr_t ca;

	memset(s, 0, sizeof(*s));
	s->ring = calloc(window, sizeof(*s->ring));
	if (!s->ring)
		return -ENOMEM;
	s->ring_cap = window;
	/* Counters start high enough that no client mistakes them for "0"
	 * (any version) or "1"; kube's come from etcd and are large too. */
	s->rv = 1000;
	s->compacted = 1000;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

static void event_clear(struct tas_event *e)
{
	json_decref(e->old);
	json_decref(e->obj);
	memset(e, 0, sizeof(*e));
}

void tas_store_free(struct tas_store *s)
{
	size_t i, j;

	for (i = 0; i < s->ring_len; i++)
		event_clear(&s->ring[(s->ring_head + i) % s->ring_cap]);
	free(s->ring);
	for (i = 0; i < s->n_buckets; i++) {
		struct tas_bucket *b = s->buckets[i];
		for (j = 0; j < b->n; j++) {
			free(b->items[j].key);
			json_decref(b->items[j].obj);
		}
		free(b->items);
		free(b->group);
		free(b->resource);
		free(b);
	}
	free(s->buckets);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	memset(s, 0, sizeof(*s));
}

struct tas_bucket *tas_store_bucket(struct tas_store *s, const char *group,
				    const char *resource)
{
	struct tas_bucket **v, *b;
	size_t i;

	for (i = 0; i < s->n_buckets; i++)
		if (strcmp(s->buckets[i]->group, group) == 0 &&
		    strcmp(s->buckets[i]->resource, resource) == 0)
			return s->buckets[i];
	v = realloc(s->buckets, (s->n_buckets + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->buckets = v;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->group = strdup(group);
	b->resource = strdup(resource);
	if (!b->group || !b->resource) {
		free(b->group);
		free(b->resource);
		free(b);
		return NULL;
	}
	s->buckets[s->n_buckets++] = b;
	return b;
}

void tas_store_key(char *buf, size_t len, const char *ns, const char *name)
{
	if (ns && *ns)
		snprintf(buf, len, "%s/%s", ns, name);
	else
		snprintf(buf, len, "%s", name);
}

static void obj_key(const json_t *obj, char *buf, size_t len)
{
	const char *name = tas_meta(obj, "name");

	tas_store_key(buf, len, tas_meta(obj, "namespace"), name ? name : "");
}

/* Index of key in b, or where it would go (*found false). */
static size_t find(const struct tas_bucket *b, const char *key, bool *found)
{
	size_t lo = 0, hi = b->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->items[mid].key, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void tas_store_ns_range(const struct tas_bucket *b, const char *ns, size_t *begin,
			size_t *end)
{
	char lo[300], hi[300];
	bool found;

	/* keys "ns/..." sort between "ns/" and "ns0" ('0' follows '/') */
	snprintf(lo, sizeof(lo), "%s/", ns);
	snprintf(hi, sizeof(hi), "%s0", ns);
	*begin = find(b, lo, &found);
	*end = find(b, hi, &found);
}

const json_t *tas_store_get(const struct tas_bucket *b, const char *ns, const char *name)
{
	char key[600];
	bool found;
	size_t i;

	tas_store_key(key, sizeof(key), ns, name);
	i = find(b, key, &found);
	return found ? b->items[i].obj : NULL;
}

static int set_rv(json_t *obj, uint64_t rv)
{
	json_t *meta = tas_jobj(obj, "metadata");
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rv);
	if (!meta || json_object_set_new(meta, "resourceVersion", json_string(buf)))
		return -ENOMEM;
	return 0;
}

static void record(struct tas_store *s, enum tas_ev_type type, struct tas_bucket *b,
		   json_t *old, json_t *obj)
{
	struct tas_event *e;

	if (s->ring_len == s->ring_cap) {
		e = &s->ring[s->ring_head];
		s->compacted = e->rv;
		event_clear(e);
		s->ring_head = (s->ring_head + 1) % s->ring_cap;
		s->ring_len--;
	}
	e = &s->ring[(s->ring_head + s->ring_len) % s->ring_cap];
	e->rv = s->rv;
	e->type = type;
	e->b = b;
	e->old = old;
	e->obj = obj;
	s->ring_len++;
	pthread_cond_broadcast(&s->cv);
}

int tas_store_put(struct tas_store *s, struct tas_bucket *b, json_t *obj)
{
	char key[600];
	bool found;
	size_t i;
	int rc = -ENOMEM;

	obj_key(obj, key, sizeof(key));
	i = find(b, key, &found);
	if (set_rv(obj, s->rv + 1))
		goto fail;
	if (found) {
		json_t *old = b->items[i].obj;
		b->items[i].obj = obj;
		s->rv++;
		record(s, TAS_MODIFIED, b, old, json_incref(obj));
		return 0;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct tas_item *v = realloc(b->items, cap * sizeof(*v));
		if (!v)
			goto fail;
		b->items = v;
		b->cap = cap;
	}
	{
		char *k = strdup(key);
		if (!k)
			goto fail;
		memmove(&b->items[i + 1], &b->items[i], (b->n - i) * sizeof(*b->items));
		b->items[i].key = k;
		b->items[i].obj = obj;
		b->n++;
	}
	s->rv++;
	record(s, TAS_ADDED, b, NULL, json_incref(obj));
	return 0;
fail:
	json_decref(obj);
	return rc;
}

int tas_store_delete(struct tas_store *s, struct tas_bucket *b, const char *ns,
		     const char *name, json_t **final)
{
	char key[600];
	bool found;
	size_t i;
	json_t *last;

	if (final)
		*final = NULL;
	tas_store_key(key, sizeof(key), ns, name);
	i = find(b, key, &found);
	if (!found)
		return -ENOENT;
	last = json_deep_copy(b->items[i].obj);
	if (!last || set_rv(last, s->rv + 1)) {
		json_decref(last);
		return -ENOMEM;
	}
	free(b->items[i].key);
	s->rv++;
	record(s, TAS_DELETED, b, b->items[i].obj, last);
	memmove(&b->items[i], &b->items[i + 1], (b->n - i - 1) * sizeof(*b->items));
	b->n--;
	if (final)
		*final = json_incref(last);
	return 0;
}

size_t tas_store_event_count(const struct tas_store *s)
{
	return s->ring_len;
}

const struct tas_event *tas_store_event(const struct tas_store *s, size_t i)
{
	return &s->ring[(s->ring_head + i) % s->ring_cap];
}

size_t tas_store_events_after(const struct tas_store *s, uint64_t after)
{
	size_t lo = 0, hi = s->ring_len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tas_store_event(s, mid)->rv <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void tas_store_compact(struct tas_store *s)
{
	while (s->ring_len) {
		event_clear(&s->ring[s->ring_head]);
		s->ring_head = (s->ring_head + 1) % s->ring_cap;
		s->ring_len--;
	}
	s->compacted = s->rv;
	pthread_cond_broadcast(&s->cv);
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tas_item *)a)->key, ((const struct tas_item *)b)->key);
}

static bool wanted(const char *key, const char *ns, const char *start_after)
{
	if (ns) {
		size_t n = strlen(ns);
		if (strncmp(key, ns, n) != 0 || key[n] != '/')
			return false;
	}
	return !start_after || strcmp(key, start_after) > 0;
}

static int snap_add(struct tas_snapshot *out, size_t *cap, const char *key, json_t *obj)
{
	if (out->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct tas_item *v = realloc(out->items, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		out->items = v;
		*cap = ncap;
	}
	out->items[out->n].key = strdup(key);
	if (!out->items[out->n].key)
		return -ENOMEM;
	out->items[out->n].obj = json_incref(obj);
	out->n++;
	return 0;
}

int tas_store_snapshot(struct tas_store *s, struct tas_bucket *b, uint64_t at,
		       const char *ns, const char *start_after, struct tas_snapshot *out,
		       bool *expired)
{
	json_t *past = NULL; /* key -> state at `at` (null: absent), for keys changed since */
	size_t i, cap = 0, first, last;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	*expired = false;
	if (at && at < s->compacted) {
		*expired = true;
		return 0;
	}
	if (at && at < s->rv) {
		/* Undo what happened after `at`: the first event after it for
		 * each key holds that key's state at `at` in its "old". */
		past = json_object();
		if (!past)
			goto out;
		for (i = tas_store_events_after(s, at); i < s->ring_len; i++) {
			const struct tas_event *e = tas_store_event(s, i);
			char key[600];
			if (e->b != b)
				continue;
			obj_key(e->obj, key, sizeof(key));
			if (json_object_get(past, key))
				continue;
			if (json_object_set(past, key, e->old ? e->old : json_null()))
				goto out;
		}
	}
	first = 0;
	last = b->n;
	if (ns)
		tas_store_ns_range(b, ns, &first, &last);
	for (i = first; i < last; i++) {
		const char *key = b->items[i].key;
		if (!wanted(key, ns, start_after) || (past && json_object_get(past, key)))
			continue;
		if (snap_add(out, &cap, key, b->items[i].obj))
			goto out;
	}
	if (past) {
		const char *key;
		json_t *v;
		json_object_foreach(past, key, v) {
			if (json_is_null(v) || !wanted(key, ns, start_after))
				continue;
			if (snap_add(out, &cap, key, v))
				goto out;
		}
		qsort(out->items, out->n, sizeof(*out->items), item_cmp);
	}
	rc = 0;
out:
	json_decref(past);
	if (rc)
		tas_snapshot_free(out);
	return rc;
}

void tas_snapshot_free(struct tas_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->n; i++) {
		free(snap->items[i].key);
		json_decref(snap->items[i].obj);
	}
	free(snap->items);
	memset(snap, 0, sizeof(*snap));
}

#include "tas_stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct tas_stats {
	pthread_mutex_t mu;
	json_int_t total;
	json_t *by; /* {"user": {...}, "verb": {...}, "resource": {...}, "code": {...}} */
};

struct tas_stats *tas_stats_new(void)
{
	struct tas_stats *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->by = json_pack("{s:{}, s:{}, s:{}, s:{}}", "user", "verb", "resource", "code");
	if (!st->by) {
		free(st);
		return NULL;
	}
	pthread_mutex_init(&st->mu, NULL);
	return st;
}

void tas_stats_free(struct tas_stats *st)
{
	if (!st)
		return;
	json_decref(st->by);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

static void bump(json_t *map, const char *key)
{
	json_t *v = json_object_get(map, key);

	if (v)
		json_integer_set(v, json_integer_value(v) + 1);
	else
		json_object_set_new(map, key, json_integer(1));
}

void tas_stats_record(struct tas_stats *st, const char *user, const char *verb,
		      const char *resource, int code)
{
	char c[8];

	snprintf(c, sizeof(c), "%d", code);
	pthread_mutex_lock(&st->mu);
	st->total++;
	bump(json_object_get(st->by, "user"), user);
	bump(json_object_get(st->by, "verb"), verb);
	if (resource && *resource)
		bump(json_object_get(st->by, "resource"), resource);
	bump(json_object_get(st->by, "code"), c);
	pthread_mutex_unlock(&st->mu);
}

json_t *tas_stats_json(struct tas_stats *st)
{
	json_t *out;

	pthread_mutex_lock(&st->mu);
	out = json_pack("{s:I, s:o}", "requests", st->total, "by", json_deep_copy(st->by));
	pthread_mutex_unlock(&st->mu);
	return out;
}

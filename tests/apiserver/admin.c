#include "tas_admin.h"

#include <string.h>

#include "tas_faults.h"
#include "tas_stats.h"
#include "tas_status.h"
#include "tas_watch.h"

static json_t *object_counts(struct tas_server *s)
{
	json_t *out = json_object();
	size_t i;

	for (i = 0; out && i < s->store.n_buckets; i++) {
		const struct tas_bucket *b = s->store.buckets[i];
		char key[600];
		if (!b->n)
			continue;
		snprintf(key, sizeof(key), "%s%s%s", b->resource, *b->group ? "." : "", b->group);
		json_object_set_new(out, key, json_integer((json_int_t)b->n));
	}
	return out;
}

static void stats(struct tas_server *s, struct tas_resp *resp)
{
	json_t *out = tas_stats_json(s->stats);

	if (!out) {
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
		return;
	}
	pthread_mutex_lock(&s->store.mu);
	json_object_set_new(out, "objects", object_counts(s));
	json_object_set_new(out, "resourceVersion", json_integer((json_int_t)s->store.rv));
	json_object_set_new(out, "compactedResourceVersion",
			    json_integer((json_int_t)s->store.compacted));
	json_object_set_new(out, "events", json_integer((json_int_t)s->store.ring_len));
	pthread_mutex_unlock(&s->store.mu);
	json_object_set_new(out, "watchesOpen", json_integer((json_int_t)tas_watch_open_count()));
	json_object_set_new(out, "faults", tas_faults_describe(s->faults));
	tas_resp_set(resp, 200, out);
}

static void faults(struct tas_server *s, const struct tas_req *r, struct tas_resp *resp)
{
	json_t *cfg;
	json_error_t e;
	char err[256];

	if (!strcmp(r->method, "GET")) {
		tas_resp_set(resp, 200, tas_faults_describe(s->faults));
		return;
	}
	if (!strcmp(r->method, "DELETE")) {
		cfg = json_object();
	} else if (!strcmp(r->method, "POST") || !strcmp(r->method, "PUT")) {
		cfg = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &e);
		if (!cfg) {
			tas_resp_set(resp, 400, tas_status_bad_request(e.text));
			return;
		}
	} else {
		tas_resp_set(resp, 405, tas_status(405, "MethodNotAllowed",
						   "use GET, POST or DELETE", NULL));
		return;
	}
	if (tas_faults_set(s->faults, cfg, err, sizeof(err)))
		tas_resp_set(resp, 400, tas_status_bad_request(err));
	else
		tas_resp_set(resp, 200, tas_faults_describe(s->faults));
	json_decref(cfg);
}

bool tas_admin(struct tas_server *s, const struct tas_req *r, struct tas_resp *resp)
{
	const char *p = r->path;

	if (strncmp(p, "/mgo-test/", 10))
		return false;
	p += 10;
	if (!strcmp(p, "faults")) {
		faults(s, r, resp);
	} else if (!strcmp(p, "stats") && !strcmp(r->method, "GET")) {
		stats(s, resp);
	} else if (!strcmp(p, "drop-watches") && !strcmp(r->method, "POST")) {
		unsigned long n = tas_watch_open_count();
		pthread_mutex_lock(&s->store.mu);
		s->store.watch_epoch++;
		pthread_cond_broadcast(&s->store.cv);
		pthread_mutex_unlock(&s->store.mu);
		tas_resp_set(resp, 200, json_pack("{s:I}", "dropped", (json_int_t)n));
	} else if (!strcmp(p, "compact") && !strcmp(r->method, "POST")) {
		json_int_t rv;
		pthread_mutex_lock(&s->store.mu);
		tas_store_compact(&s->store);
		rv = (json_int_t)s->store.compacted;
		pthread_mutex_unlock(&s->store.mu);
		tas_resp_set(resp, 200, json_pack("{s:I}", "compactedResourceVersion", rv));
	} else {
		tas_resp_set(resp, 404, tas_status_no_route());
	}
	return true;
}

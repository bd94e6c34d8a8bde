#include "tas_watch.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tas_objects.h"
#include "tas_status.h"
#include "tas_table.h"
#include "tas_util.h"

struct tas_watch {
	struct tas_server *s;
	struct tas_restype *rt; /* held */
	struct tas_bucket *b;
	char ns[256];
	struct tas_filter f;
	struct tas_watch_opts o;
	uint64_t rv;        /* events up to here were considered */
	uint64_t epoch;     /* s->store.watch_epoch when started */
	uint64_t deadline;  /* monotonic ms */
	uint64_t next_bookmark;
	int fd;
	bool headers_sent;  /* Table column definitions go in the first event only */
	bool end_after_pending;
	json_t *queue;      /* events to write: [{type, object(stored)}] or ready lines */
	char *out;
	size_t out_len, out_off;
};

static atomic_ulong open_watches;

unsigned long tas_watch_open_count(void)
{
	return atomic_load(&open_watches);
}

static bool in_scope(const struct tas_watch *w, const json_t *obj)
{
	return !w->ns[0] || strcmp(tas_meta(obj, "namespace") ?: "", w->ns) == 0;
}

static bool passes(const struct tas_watch *w, const json_t *obj)
{
	return obj && in_scope(w, obj) && tas_filter_match(&w->f, obj);
}

/* Queues {type, stored object}; the object is presented when written. */
static int enqueue(struct tas_watch *w, const char *type, json_t *obj)
{
	json_t *e = json_pack("{s:s, s:O}", "type", type, "object", obj);

	if (!e || json_array_append_new(w->queue, e))
		return -ENOMEM;
	return 0;
}

static json_t *with_rv(const json_t *obj, uint64_t rv)
{
	json_t *c = json_deep_copy(obj);
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rv);
	if (!c || json_object_set_new(tas_jobj(c, "metadata"), "resourceVersion",
				      json_string(buf))) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* The cacher's translation of one change for this watcher's filter. */
static int consider(struct tas_watch *w, const struct tas_event *e)
{
	bool now = e->type != TAS_DELETED && passes(w, e->obj);
	bool before = e->type == TAS_DELETED ? passes(w, e->obj) : passes(w, e->old);
	json_t *prev;
	int rc;

	if (e->type == TAS_DELETED)
		return before ? enqueue(w, "DELETED", e->obj) : 0;
	if (now && !before)
		return enqueue(w, "ADDED", e->obj);
	if (now && before)
		return enqueue(w, "MODIFIED", e->obj);
	if (!before)
		return 0;
	/* left the filter: DELETED with the previous content at this rv */
	prev = with_rv(e->old, e->rv);
	if (!prev)
		return -ENOMEM;
	rc = enqueue(w, "DELETED", prev);
	json_decref(prev);
	return rc;
}

static json_t *bookmark(const struct tas_watch *w, uint64_t rv, bool initial_end)
{
	char av[300], buf[24];
	json_t *meta, *obj;

	tas_restype_api_version(w->rt, av, sizeof(av));
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rv);
	meta = json_pack("{s:s}", "resourceVersion", buf);
	if (meta && !(w->rt->flags & TAS_RT_CUSTOM))
		json_object_set_new(meta, "creationTimestamp", json_null());
	if (meta && initial_end)
		json_object_set_new(meta, "annotations",
				    json_pack("{s:s}", "k8s.io/initial-events-end", "true"));
	obj = json_pack("{s:s, s:s, s:o}", "kind", w->rt->kind, "apiVersion", av, "metadata",
			meta);
	return json_pack("{s:s, s:o, s:b}", "type", "BOOKMARK", "object", obj, "ready", 1);
}

static int enqueue_ready(struct tas_watch *w, json_t *ev)
{
	if (!ev || json_array_append_new(w->queue, ev))
		return -ENOMEM;
	return 0;
}

int tas_watch_start(struct tas_server *s, struct tas_restype *rt, const char *ns,
		    struct tas_filter *f, const struct tas_watch_opts *o, int fd,
		    struct tas_resp *resp)
{
	struct tas_watch *w = calloc(1, sizeof(*w));
	uint64_t start = 0, now = tas_now_ms();
	bool initial;
	int rc = -ENOMEM;

	if (!w)
		goto fail;
	w->queue = json_array();
	w->b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	if (!w->queue || !w->b)
		goto fail;
	w->s = s;
	w->rt = rt;
	tas_restype_hold(rt);
	snprintf(w->ns, sizeof(w->ns), "%s", ns);
	w->f = *f;
	memset(f, 0, sizeof(*f));
	w->o = *o;
	w->fd = fd;
	w->epoch = s->store.watch_epoch;
	w->deadline = now + 1000ull * (o->timeout_s ? o->timeout_s : 1800);
	w->next_bookmark = now + s->cfg->bookmark_interval_ms;
	initial = !o->rv || !*o->rv || strcmp(o->rv, "0") == 0 || o->send_initial;
	if (o->rv && *o->rv && !tas_parse_u64(o->rv, &start)) {
		char msg[300];
		snprintf(msg, sizeof(msg), "invalid resource version \"%s\"", o->rv);
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		rc = 0;
		goto fail;
	}
	if (!initial && start < s->store.compacted) {
		char msg[128];
		snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)",
			 (unsigned long long)start, (unsigned long long)s->store.compacted);
		if (enqueue_ready(w, json_pack("{s:s, s:o, s:b}", "type", "ERROR", "object",
					       tas_status_expired(msg), "ready", 1)))
			goto fail;
		w->end_after_pending = true;
	} else if (initial) {
		/* "Get State and Start at Most Recent": synthetic ADDED events */
		size_t i, first = 0, last = w->b->n;
		if (w->ns[0])
			tas_store_ns_range(w->b, w->ns, &first, &last);
		for (i = first; i < last; i++)
			if (passes(w, w->b->items[i].obj) &&
			    enqueue(w, "ADDED", w->b->items[i].obj))
				goto fail;
		w->rv = s->store.rv;
		if (o->send_initial && o->bookmarks &&
		    enqueue_ready(w, bookmark(w, w->rv, true)))
			goto fail;
	} else {
		w->rv = start;
	}
	atomic_fetch_add(&open_watches, 1);
	resp->code = 200;
	resp->watch = w;
	return 0;
fail:
	if (w) {
		if (w->rt)
			tas_restype_release(w->rt);
		tas_filter_free(&w->f);
		json_decref(w->queue);
		free(w);
	}
	return rc;
}

/* Presents one queued event as a line (new string) outside the lock. */
static char *render(struct tas_watch *w, const json_t *ev)
{
	const json_t *obj = json_object_get(ev, "object");
	json_t *line = NULL, *shown = NULL;
	char *s = NULL;

	if (json_is_true(json_object_get(ev, "ready"))) {
		line = json_pack("{s:O, s:O}", "type", json_object_get(ev, "type"), "object", obj);
	} else {
		shown = tas_obj_present(w->rt, obj);
		if (shown && w->o.fmt == TAS_FMT_TABLE) {
			json_t *t = tas_table(w->rt, (const json_t *const *)&obj, 1, !w->headers_sent,
					      TAS_INCLUDE_METADATA, NULL);
			w->headers_sent = true;
			json_decref(shown);
			shown = t;
		} else if (shown && w->o.fmt == TAS_FMT_PARTIAL) {
			json_t *p = tas_partial(shown);
			json_decref(shown);
			shown = p;
		}
		if (shown)
			line = json_pack("{s:O, s:O}", "type", json_object_get(ev, "type"), "object",
					 shown);
	}
	if (line)
		s = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	json_decref(shown);
	return s;
}

static bool client_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	if (fd < 0)
		return false;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

/* Under the lock: move whatever is due into the queue. Returns true when
 * the stream should end once the queue is written. */
static bool collect(struct tas_watch *w)
{
	struct tas_store *st = &w->s->store;
	uint64_t now = tas_now_ms();
	size_t i;

	if (st->stopping || st->watch_epoch != w->epoch)
		return true;
	if (w->rv < st->compacted)
		return true; /* changes it had not seen are gone: end; the client re-watches */
	for (i = tas_store_events_after(st, w->rv); i < tas_store_event_count(st); i++) {
		const struct tas_event *e = tas_store_event(st, i);
		if (e->b == w->b && consider(w, e))
			return true;
	}
	if (w->rv < st->rv)
		w->rv = st->rv;
	if (now >= w->deadline)
		return true;
	if (w->o.bookmarks && now >= w->next_bookmark) {
		if (enqueue_ready(w, bookmark(w, w->rv, false)))
			return true;
		w->next_bookmark = now + w->s->cfg->bookmark_interval_ms;
	}
	return false;
}

ssize_t tas_watch_read(struct tas_watch *w, char *buf, size_t max)
{
	struct tas_store *st = &w->s->store;

	for (;;) {
		json_t *q;
		bool end;

		if (w->out_off < w->out_len) {
			size_t n = w->out_len - w->out_off;
			if (n > max)
				n = max;
			memcpy(buf, w->out + w->out_off, n);
			w->out_off += n;
			return (ssize_t)n;
		}
		free(w->out);
		w->out = NULL;
		w->out_len = w->out_off = 0;
		if (json_array_size(w->queue)) {
			char *line = render(w, json_array_get(w->queue, 0));
			json_array_remove(w->queue, 0);
			if (!line)
				return -1;
			w->out_len = strlen(line) + 1;
			w->out = line;
			line[w->out_len - 1] = '\n';
			/* the string lost its NUL; out_len bounds every read */
			continue;
		}
		if (w->end_after_pending)
			return -1;
		pthread_mutex_lock(&st->mu);
		end = collect(w);
		while (!end && json_array_size(w->queue) == 0) {
			uint64_t now = tas_now_ms(), until = now + 1000;
			struct timespec ts;
			if (w->deadline < until)
				until = w->deadline;
			if (w->o.bookmarks && w->next_bookmark < until)
				until = w->next_bookmark;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)((until - now) / 1000);
			ts.tv_nsec += (long)((until - now) % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&st->cv, &st->mu, &ts);
			if (client_gone(w->fd)) {
				end = true;
				break;
			}
			end = collect(w);
		}
		q = w->queue;
		pthread_mutex_unlock(&st->mu);
		if (end)
			w->end_after_pending = true;
		if (!json_array_size(q) && end)
			return -1;
	}
}

void tas_watch_free(struct tas_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->s->store.mu);
	tas_restype_release(w->rt);
	json_decref(w->queue);
	w->queue = NULL;
	pthread_mutex_unlock(&w->s->store.mu);
	tas_filter_free(&w->f);
	free(w->out);
	free(w);
	atomic_fetch_sub(&open_watches, 1);
}

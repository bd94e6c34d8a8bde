/* List, then watch from the list's resourceVersion, forever: see informer.h
 * for the guarantees. The informer is one state at a time: a list or a
 * watch in flight, or the timer running before the next one. */
#include "mgo/informer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_unread.h"
#include "mgo/apiobj.h"
#include "mgo/backoff.h"
#include "mgo/json_prune.h"
#include "mgo/keyset.h"
#include "mgo/linesplit.h"
#include "mgo/log.h"
#include "mgo/loop.h"

/* A watch that lasted this long and then ended cleanly was a normal
 * server-side timeout: resume at once. A shorter one counts as a failure,
 * so a server that closes every watch at once is not hammered. */
#define HEALTHY_WATCH_MS 1000

enum step {
	STEP_LIST,
	STEP_WATCH,
};

struct mgo_informer {
	struct mgo_kube_client *client;
	struct mgo_informer_opts o;     /* strings point at the copies below */
	char *ns, *label, *field;
	struct mgo_keyset *keys;
	struct mgo_lines lines;
	struct mgo_rng rng;
	struct mgo_timer *timer;
	enum step next;
	struct mgo_kube_req *req;       /* the list or watch in flight */
	bool started, synced;
	uint32_t gen;                   /* of the list in progress */
	char rv[MGO_KEYSET_RV_MAX + 1];         /* where a watch resumes */
	char list_rv[MGO_KEYSET_RV_MAX + 1];    /* of the list in progress */
	char kind[64], api_version[128];        /* of the items, from the list */
	unsigned failures;              /* since the last sign of health */
	bool after_list;                /* the next watch is the first after a list */
	uint64_t watch_start;
	bool watch_progress;            /* the current watch delivered something */
	struct mgo_informer_stats st;
};

static const char *const event_names[] = {
	[MGO_INFORMER_ADDED] = "ADDED",
	[MGO_INFORMER_MODIFIED] = "MODIFIED",
	[MGO_INFORMER_DELETED] = "DELETED",
};

const char *mgo_informer_event_name(enum mgo_informer_event ev)
{
	return (unsigned)ev <= MGO_INFORMER_DELETED ? event_names[ev] : "UNKNOWN";
}

static const char *what(const struct mgo_informer *inf)
{
	return inf->o.res->resource;
}

static void deliver(struct mgo_informer *inf, enum mgo_informer_event ev, const json_t *obj)
{
	if (ev == MGO_INFORMER_ADDED)
		inf->st.added++;
	else if (ev == MGO_INFORMER_MODIFIED)
		inf->st.modified++;
	else
		inf->st.deleted++;
	inf->o.on_event(inf->o.ctx, ev, obj);
}

/* Copies a resourceVersion that fits; false for one that does not. */
static bool copy_rv(char *dst, const char *rv)
{
	size_t len = rv ? strlen(rv) : 0;

	if (len == 0 || len > MGO_KEYSET_RV_MAX)
		return false;
	memcpy(dst, rv, len + 1);
	return true;
}

struct meta {
	const char *uid, *ns, *name, *rv;
};

static bool get_meta(const json_t *obj, struct meta *m)
{
	const json_t *md = json_object_get(obj, "metadata");

	m->uid = json_string_value(json_object_get(md, "uid"));
	m->ns = json_string_value(json_object_get(md, "namespace"));
	m->name = json_string_value(json_object_get(md, "name"));
	m->rv = json_string_value(json_object_get(md, "resourceVersion"));
	return m->uid && m->name && m->rv;
}

static int set_type(struct mgo_informer *inf, json_t *obj);

/* What a consumer is told of an object it may no longer see whole: its
 * metadata only. NULL when out of memory (logged). */
static json_t *stub_of(struct mgo_informer *inf, const char *uid, const char *ns,
		       const char *name, const char *rv)
{
	json_t *obj = json_pack("{s:{s:s, s:s}}", "metadata", "uid", uid, "resourceVersion", rv);
	json_t *md = json_object_get(obj, "metadata");

	/* "" for what keys_uid_only does not remember */
	if (obj && ((name && name[0] && json_object_set_new(md, "name", json_string(name)) != 0) ||
		    (ns && ns[0] && json_object_set_new(md, "namespace", json_string(ns)) != 0))) {
		json_decref(obj);
		obj = NULL;
	}
	if (obj && set_type(inf, obj) != 0) {
		json_decref(obj);
		obj = NULL;
	}
	if (!obj)
		mgo_error("informer.event_lost", "%s %s/%s (uid %s): out of memory delivering "
			  "DELETED", what(inf), ns ? ns : "", name ? name : "", uid);
	return obj;
}

static void deliver_stub(struct mgo_informer *inf, const char *uid, const char *ns,
			 const char *name, const char *rv)
{
	json_t *obj = stub_of(inf, uid, ns, name, rv);

	if (!obj)
		return;
	deliver(inf, MGO_INFORMER_DELETED, obj);
	json_decref(obj);
}

/* One line per version of an object over the bound, which the consumer
 * does not get as an event (informer.h). */
static void too_large(struct mgo_informer *inf, const json_t *obj, const struct meta *m,
		      size_t bytes, bool known)
{
	inf->st.too_large++;
	mgo_log_kv(MGO_LOG_WARN, __func__, "informer.object_too_large",
		   "{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "resource", what(inf), "namespace",
		   m->ns ? m->ns : "", "name", m->name, "uid", m->uid, "resourceVersion", m->rv,
		   "bytes", (json_int_t)bytes, "bound", (json_int_t)inf->o.max_object);
	if (inf->o.on_too_large)
		inf->o.on_too_large(inf->o.ctx, obj, bytes);
	else if (known)
		deliver_stub(inf, m->uid, m->ns, m->name, m->rv);
}

/* Brings what we know of one object up to date and tells the consumer what
 * changed, if anything. Returns 0 (an object we cannot track is logged and
 * skipped) or -ENOMEM. */
static int apply(struct mgo_informer *inf, const json_t *obj, bool deleted)
{
	struct meta m;
	struct mgo_keyset_entry e;
	int rc;

	if (!get_meta(obj, &m)) {
		mgo_warn("informer.bad_object", "%s: an object without uid, name or "
			 "resourceVersion is skipped", what(inf));
		return 0;
	}
	bool known = mgo_keyset_get(inf->keys, m.uid, &e);
	if (deleted) {
		if (!known) {
			inf->st.duplicates++;
			return 0;
		}
		mgo_keyset_del(inf->keys, m.uid);
		deliver(inf, MGO_INFORMER_DELETED, obj);
		return 0;
	}
	if (known && strcmp(e.rv, m.rv) == 0) {
		mgo_keyset_touch(inf->keys, m.uid, inf->gen);
		inf->st.duplicates++;
		return 0;
	}
	/* measured only when new: an unchanged object costs nothing more */
	size_t bytes = mgo_json_size(obj);
	/* known, so that a relist, a duplicate event or its deletion is
	 * handled as for any other object */
	rc = mgo_keyset_put(inf->keys, m.uid, inf->o.keys_uid_only ? NULL : m.ns,
			    inf->o.keys_uid_only ? NULL : m.name, m.rv, inf->gen);
	if (rc == -EINVAL) {
		mgo_warn("informer.bad_object", "%s %s: uid, name or resourceVersion too long, "
			 "skipped", what(inf), m.name);
		return 0;
	}
	if (rc)
		return rc;
	if (bytes > inf->o.max_object) {
		too_large(inf, obj, &m, bytes, known);
		return 0;
	}
	deliver(inf, known ? MGO_INFORMER_MODIFIED : MGO_INFORMER_ADDED, obj);
	return 0;
}

/* ---- what happens next ---- */

static void schedule(struct mgo_informer *inf, enum step step)
{
	uint64_t delay = 0;

	/* the first failure after a healthy spell retries at once */
	if (inf->failures > 0)
		delay = mgo_backoff_delay(inf->o.backoff_base_ms, inf->o.backoff_cap_ms,
					  inf->failures - 1, mgo_rng_next(&inf->rng));
	inf->failures++;
	inf->next = step;
	mgo_timer_start(inf->timer, delay);
}

static void start_list(struct mgo_informer *inf);
static void start_watch(struct mgo_informer *inf);

static void on_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_informer *inf = ctx;

	if (inf->next == STEP_LIST)
		start_list(inf);
	else
		start_watch(inf);
}

/* ---- listing ---- */

/* List items carry no kind; events do. Giving items the list's keeps what
 * the consumer sees the same whichever way an object arrived. */
static void note_kind(struct mgo_informer *inf, json_t *page)
{
	const char *kind = json_string_value(json_object_get(page, "kind"));
	const char *api = json_string_value(json_object_get(page, "apiVersion"));
	size_t len = kind ? strlen(kind) : 0;

	if (len > 4 && len - 4 < sizeof(inf->kind) && strcmp(kind + len - 4, "List") == 0) {
		memcpy(inf->kind, kind, len - 4);
		inf->kind[len - 4] = '\0';
	}
	if (api && strlen(api) < sizeof(inf->api_version))
		strcpy(inf->api_version, api);
}

static int set_type(struct mgo_informer *inf, json_t *obj)
{
	if (inf->kind[0] && !json_object_get(obj, "kind") &&
	    json_object_set_new(obj, "kind", json_string(inf->kind)) != 0)
		return -ENOMEM;
	if (inf->api_version[0] && !json_object_get(obj, "apiVersion") &&
	    json_object_set_new(obj, "apiVersion", json_string(inf->api_version)) != 0)
		return -ENOMEM;
	return 0;
}

static int on_list_page(void *ctx, json_t *page)
{
	struct mgo_informer *inf = ctx;
	const char *rv = json_string_value(
		json_object_get(json_object_get(page, "metadata"), "resourceVersion"));
	json_t *items = json_object_get(page, "items");
	size_t i;
	json_t *item;
	int rc;

	if (!copy_rv(inf->list_rv, rv)) {
		mgo_warn("informer.bad_list", "%s: list without a usable resourceVersion",
			 what(inf));
		return -EBADMSG;
	}
	note_kind(inf, page);
	json_array_foreach(items, i, item) {
		if (!json_is_object(item))
			continue;
		rc = set_type(inf, item);
		if (!rc)
			rc = apply(inf, item, false);
		if (rc)
			return rc;
	}
	return 0;
}

/* An object the list no longer has: it went while we were not watching. */
static void on_vanished(void *ctx, const struct mgo_keyset_entry *e)
{
	deliver_stub(ctx, e->uid, e->ns, e->name, e->rv);
}

static void on_list_done(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_informer *inf = ctx;

	inf->req = NULL;
	if (res->error) {
		inf->st.errors++;
		mgo_log_kv(MGO_LOG_WARN, __func__, "informer.list_failed",
			   "{s:s, s:i, s:s, s:s}", "resource", what(inf), "code",
			   (int)res->http_code, "reason", res->error->reason, "message",
			   res->error->message);
		schedule(inf, STEP_LIST);
		return;
	}
	mgo_keyset_sweep(inf->keys, inf->gen, on_vanished, inf);
	strcpy(inf->rv, inf->list_rv);
	if (inf->st.lists++)
		inf->st.relists++;
	mgo_log_kv(MGO_LOG_INFO, __func__, "informer.listed", "{s:s, s:s, s:I}", "resource",
		   what(inf), "resourceVersion", inf->rv, "objects",
		   (json_int_t)mgo_keyset_count(inf->keys));
	inf->after_list = true;
	if (!inf->synced) {
		inf->synced = true;
		if (inf->o.on_synced)
			inf->o.on_synced(inf->o.ctx);
	}
	start_watch(inf);
}

static void start_list(struct mgo_informer *inf)
{
	const struct mgo_kube_list_opts lo = {.label_selector = inf->o.label_selector,
					      .field_selector = inf->o.field_selector,
					      .page_size = inf->o.page_size,
					      .on_page = on_list_page,
					      .flags = inf->o.spec_unread ? MGO_KUBE_F_SPEC_UNREAD : 0};
	int rc;

	inf->gen++;
	inf->list_rv[0] = '\0';
	rc = mgo_kube_list(inf->client, inf->o.res, inf->o.ns, &lo, on_list_done, inf, &inf->req);
	if (rc) {
		inf->st.errors++;
		mgo_warn("informer.list_failed", "%s: cannot start the list: %s", what(inf),
			 strerror(-rc));
		schedule(inf, STEP_LIST);
	}
}

/* ---- watching ---- */

/* One watch event, parsed without what no reader looks at
 * (mgo_kube__unread): the pruned text if the scan could place everything,
 * else the line as it came (jansson then says what is wrong with it). */
static json_t *parse_event(const struct mgo_informer *inf, const char *line, size_t len,
			   json_error_t *je)
{
	char *text = malloc(len);
	json_t *ev = NULL;
	size_t n;

	if (text && mgo_json_prune_paths(line, len, mgo_kube__unread(MGO_KUBE__EVENT,
								      inf->o.spec_unread),
					 text, &n) >= 0)
		ev = json_loadb(text, n, JSON_REJECT_DUPLICATES, je);
	free(text);
	return ev ? ev : json_loadb(line, len, JSON_REJECT_DUPLICATES, je);
}

static int on_line(void *ctx, const char *line, size_t len)
{
	struct mgo_informer *inf = ctx;
	json_error_t je;
	json_t *ev = parse_event(inf, line, len, &je);
	const char *type = json_string_value(json_object_get(ev, "type"));
	json_t *obj = json_object_get(ev, "object");
	struct meta m;
	int rc = 0;

	if (!type || !json_is_object(obj)) {
		mgo_warn("informer.bad_event", "%s: not a watch event (%s)", what(inf),
			 ev ? "no type or object" : je.text);
		json_decref(ev);
		return -EBADMSG;
	}
	if (strcmp(type, "BOOKMARK") == 0) {
		get_meta(obj, &m);
		copy_rv(inf->rv, m.rv);
		inf->st.bookmarks++;
	} else if (strcmp(type, "ERROR") == 0) {
		json_int_t code = json_integer_value(json_object_get(obj, "code"));
		mgo_log_kv(MGO_LOG_INFO, __func__, "informer.watch_error", "{s:s, s:I, s:s}",
			   "resource", what(inf), "code", code, "message",
			   json_string_value(json_object_get(obj, "message"))
				   ? json_string_value(json_object_get(obj, "message"))
				   : "");
		rc = code == 410 ? -ESTALE : -EPROTO;
	} else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0 ||
		   strcmp(type, "DELETED") == 0) {
		rc = apply(inf, obj, type[0] == 'D');
		/* only past a delivered event may a resumed watch start */
		if (!rc && get_meta(obj, &m))
			copy_rv(inf->rv, m.rv);
	} else {
		mgo_warn("informer.bad_event", "%s: unknown watch event type ignored", what(inf));
	}
	if (!rc) {
		inf->watch_progress = true;
		inf->failures = 0;
	}
	json_decref(ev);
	return rc;
}

static int on_watch_data(void *ctx, const char *data, size_t len)
{
	struct mgo_informer *inf = ctx;

	return mgo_lines_feed(&inf->lines, data, len, on_line, inf);
}

static void on_watch_done(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_informer *inf = ctx;
	const struct mgo_kube_error *err = res->error;
	uint64_t lasted = mgo_now_ms() - inf->watch_start;

	inf->req = NULL;
	if ((err && err->errnum == -ESTALE) || res->http_code == 410) {
		mgo_info("informer.expired", "%s: resourceVersion %s is gone, listing again",
			 what(inf), inf->rv);
		schedule(inf, STEP_LIST);
		return;
	}
	if (!err && mgo_lines_pending(&inf->lines) == 0 &&
	    (inf->watch_progress || lasted >= HEALTHY_WATCH_MS)) {
		mgo_debug("informer.watch_ended", "%s: resuming from %s", what(inf), inf->rv);
		inf->failures = 0;
		schedule(inf, STEP_WATCH);
		return;
	}
	if (err && err->errnum == -EMSGSIZE) {
		/* its object cannot be named from a part of it, and the same
		 * watch would replay it: list anew, which reads past it in a
		 * smaller page and names it, and watch from after it */
		inf->st.dropped++;
		mgo_log_kv(MGO_LOG_WARN, __func__, "informer.event_dropped", "{s:s, s:I, s:s}",
			   "resource", what(inf), "bound", (json_int_t)inf->o.max_line,
			   "resourceVersion", inf->rv);
		schedule(inf, STEP_LIST);
		return;
	}
	inf->st.errors++;
	mgo_log_kv(MGO_LOG_WARN, __func__, "informer.watch_failed", "{s:s, s:i, s:s, s:s}",
		   "resource", what(inf), "code", (int)res->http_code, "reason",
		   err ? err->reason : "", "message",
		   err ? err->message : "the watch ended at once or inside an event");
	schedule(inf, STEP_WATCH);
}

static void start_watch(struct mgo_informer *inf)
{
	unsigned timeout = inf->o.watch_timeout_s;
	struct mgo_kube_watch_opts wo = {.label_selector = inf->o.label_selector,
					 .field_selector = inf->o.field_selector,
					 .resource_version = inf->rv, .bookmarks = true,
					 .on_data = on_watch_data};
	int rc;

	if (!timeout)
		timeout = 300 + (unsigned)(mgo_rng_next(&inf->rng) % 300);
	wo.timeout_s = timeout;
	wo.idle_timeout_ms = inf->o.idle_timeout_ms ? inf->o.idle_timeout_ms
						    : ((uint64_t)timeout + 30) * 1000;
	mgo_lines_reset(&inf->lines);
	rc = mgo_kube_watch(inf->client, inf->o.res, inf->o.ns, &wo, on_watch_done, inf,
			    &inf->req);
	if (rc) {
		inf->st.errors++;
		mgo_warn("informer.watch_failed", "%s: cannot start the watch: %s", what(inf),
			 strerror(-rc));
		schedule(inf, STEP_WATCH);
		return;
	}
	inf->st.watches++;
	if (!inf->after_list)
		inf->st.restarts++;
	inf->after_list = false;
	inf->watch_start = mgo_now_ms();
	inf->watch_progress = false;
}

/* ---- lifetime ---- */

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -ENOMEM;
	return 0;
}

int mgo_informer_new(struct mgo_kube_client *client, const struct mgo_informer_opts *opts,
		     struct mgo_informer **out)
{
	struct mgo_informer *inf;
	int rc;

	*out = NULL;
	if (!client || !opts || !opts->res || !opts->on_event ||
	    (opts->ns && !opts->res->namespaced))
		return -EINVAL;
	inf = calloc(1, sizeof(*inf));
	if (!inf)
		return -ENOMEM;
	inf->client = client;
	inf->o = *opts;
	if (!inf->o.max_line)
		inf->o.max_line = 4u << 20;
	if (!inf->o.max_object)
		inf->o.max_object = MGO_KUBE_OBJECT_MAX;
	if (!inf->o.backoff_base_ms)
		inf->o.backoff_base_ms = 500;
	if (!inf->o.backoff_cap_ms)
		inf->o.backoff_cap_ms = 30000;
	mgo_lines_init(&inf->lines, inf->o.max_line);
	mgo_rng_seed(&inf->rng);
	if ((rc = dup_opt(&inf->ns, opts->ns)) ||
	    (rc = dup_opt(&inf->label, opts->label_selector)) ||
	    (rc = dup_opt(&inf->field, opts->field_selector)) ||
	    (rc = mgo_keyset_new(&inf->keys)) ||
	    (rc = mgo_timer_new(mgo_kube_client_loop(client), on_timer, inf, &inf->timer))) {
		mgo_informer_free(inf);
		return rc;
	}
	inf->o.ns = inf->ns;
	inf->o.label_selector = inf->label;
	inf->o.field_selector = inf->field;
	*out = inf;
	return 0;
}

int mgo_informer_start(struct mgo_informer *inf)
{
	if (inf->started)
		return -EALREADY;
	inf->started = true;
	start_list(inf);
	return 0;
}

void mgo_informer_free(struct mgo_informer *inf)
{
	if (!inf)
		return;
	mgo_kube_cancel(inf->req);
	mgo_timer_remove(inf->timer);
	mgo_keyset_free(inf->keys);
	mgo_lines_free(&inf->lines);
	free(inf->field);
	free(inf->label);
	free(inf->ns);
	free(inf);
}

void mgo_informer_get_stats(const struct mgo_informer *inf, struct mgo_informer_stats *out)
{
	*out = inf->st;
	out->objects = mgo_keyset_count(inf->keys);
	out->key_bytes = mgo_keyset_bytes(inf->keys);
}

bool mgo_informer_synced(const struct mgo_informer *inf)
{
	return inf->synced;
}

const char *mgo_informer_resource_version(const struct mgo_informer *inf)
{
	return inf->rv;
}

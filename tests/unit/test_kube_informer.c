/* The informer against scripted lists and watches (fakeapi.h): the
 * consumer sees every change once and in order across resumed watches,
 * relists after 410 Gone and broken streams. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakeapi.h"
#include "mgo/informer.h"
#include "mgo/kube.h"
#include "mgo/loop.h"

#define POD(name, uid, rv)                                                                 \
	"{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"ns\",\"uid\":\"" uid          \
	"\",\"resourceVersion\":\"" rv "\"}}"
#define LIST(rv, items)                                                                    \
	"{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" rv \
	"\"},\"items\":[" items "]}"
#define EV(type, obj) "{\"type\":\"" type "\",\"object\":" obj "}\n"
#define BOOKMARK(rv)                                                                       \
	"{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\"" \
	rv "\"}}}\n"
#define GONE                                                                               \
	"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":"      \
	"\"Expired\",\"message\":\"too old resource version\"}}\n"

/* What the server answers, in order, to lists and to watches. */
struct watch_reply {
	int status;                     /* 0: 200 */
	const char *body;
	const char *const *chunks;
	bool hang, cut;
};

struct script {
	const char *lists[4];
	int list_status[4];             /* 0: 200 */
	struct watch_reply watches[4];
	int n_lists, n_watches;         /* answered so far (under fake.mu) */
};

static void reply_script(struct fake *f, const struct fake_req *req, int n,
			 struct fake_reply *out)
{
	struct script *s = f->ctx;
	static const char *const none[] = {NULL};

	pthread_mutex_lock(&f->mu);
	bool watch = strstr(req->query, "watch=true") != NULL;
	int k = watch ? s->n_watches++ : s->n_lists++;
	pthread_mutex_unlock(&f->mu);
	if (!watch) {
		k = k < 4 && s->lists[k] ? k : 3;
		while (k > 0 && !s->lists[k])
			k--;
		out->status = s->list_status[k] ? s->list_status[k] : 200;
		out->body = s->lists[k];
		return;
	}
	if (k >= 4 || (!s->watches[k].chunks && !s->watches[k].body)) {
		out->chunks = none;
		out->hang = true;
		return;
	}
	const struct watch_reply *w = &s->watches[k];
	out->status = w->status ? w->status : 200;
	out->body = w->body;
	out->chunks = w->chunks;
	out->gap_ms = 5;
	out->hang = w->hang;
	out->cut = w->cut;
}

struct seen {
	char log[4096];
	char deleted[1024];             /* "uid ns/name;" of each DELETED */
	int events, synced;
};

static const char *str(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	return v ? v : "";
}

static void on_event(void *ctx, enum mgo_informer_event ev, const json_t *obj)
{
	struct seen *s = ctx;
	const json_t *md = json_object_get(obj, "metadata");
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%s %s %s %s/%s;", mgo_informer_event_name(ev),
		 str(md, "name"), str(md, "resourceVersion"), str(obj, "apiVersion"),
		 str(obj, "kind"));
	s->events++;
	if (ev == MGO_INFORMER_DELETED) {
		len = strlen(s->deleted);
		snprintf(s->deleted + len, sizeof(s->deleted) - len, "%s %s/%s;", str(md, "uid"),
			 str(md, "namespace"), str(md, "name"));
	}
}

static void on_synced(void *ctx)
{
	struct seen *s = ctx;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "SYNCED;");
	s->synced++;
}

static const struct mgo_kube_resource pods = {"", "v1", "pods", true};

static struct mgo_informer *informer_with(struct env *e, struct seen *s, size_t max_line,
					  bool uid_only)
{
	struct mgo_informer *inf;
	const struct mgo_informer_opts o = {.res = &pods, .ns = "ns", .label_selector = "app=x",
					    .watch_timeout_s = 60, .max_line = max_line,
					    .backoff_base_ms = 200, .backoff_cap_ms = 400,
					    .keys_uid_only = uid_only,
					    .on_event = on_event, .on_synced = on_synced, .ctx = s};

	cr_assert_eq(mgo_informer_new(e->client, &o, &inf), 0);
	cr_assert_eq(mgo_informer_start(inf), 0);
	cr_assert_eq(mgo_informer_start(inf), -EALREADY);
	return inf;
}

static struct mgo_informer *informer(struct env *e, struct seen *s, size_t max_line)
{
	return informer_with(e, s, max_line, false);
}

/* The resourceVersion the k-th request asked for ("" if none). */
static const char *rv_of(struct env *e, int k, char *buf, size_t len)
{
	const char *p = strstr(e->fake.reqs[k].query, "resourceVersion=");
	buf[0] = '\0';
	if (p)
		snprintf(buf, len, "%.*s", (int)strcspn(p + 16, "&"), p + 16);
	return buf;
}

static bool wait_requests(struct env *e, int n)
{
	uint64_t end = mgo_now_ms() + DEADLINE_MS;

	while (fake_count(&e->fake) < n && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(e->loop, 20), 0);
	return fake_count(&e->fake) >= n;
}

Test(informer, lists_then_watches_and_resumes_from_the_last_resource_version)
{
	static const char *const w0[] = {EV("ADDED", POD("c", "uc", "11")),
					 EV("MODIFIED", POD("a", "ua", "12")), BOOKMARK("15"), NULL};
	static const char *const w1[] = {EV("DELETED", POD("b", "ub", "16")), NULL};
	struct script sc = {
		.lists = {LIST("10", POD("a", "ua", "5") "," POD("b", "ub", "6"))},
		.watches = {{.chunks = w0}, {.chunks = w1, .hang = true}},
	};
	struct seen s = {0};
	struct env *e = env_start(reply_script, &sc, &fast_opts);
	struct mgo_informer *inf = informer(e, &s, 0);
	struct mgo_informer_stats st;
	char rv[32];

	cr_assert(run_until_count(e, &s.events, 5));
	cr_assert(wait_requests(e, 3));
	cr_assert_str_eq(s.log, "ADDED a 5 v1/Pod;ADDED b 6 v1/Pod;SYNCED;ADDED c 11 /;"
				"MODIFIED a 12 /;DELETED b 16 /;");
	cr_assert_str_eq(e->fake.reqs[0].path, "/api/v1/namespaces/ns/pods");
	cr_assert_str_eq(e->fake.reqs[0].query, "labelSelector=app=x&limit=500");
	cr_assert_str_eq(e->fake.reqs[1].query, "watch=true&labelSelector=app=x&"
						"resourceVersion=10&allowWatchBookmarks=true&"
						"timeoutSeconds=60");
	cr_assert_str_eq(rv_of(e, 2, rv, sizeof(rv)), "15", "resumed from the bookmark");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.lists, 1);
	cr_assert_eq(st.relists, 0);
	cr_assert_eq(st.watches, 2);
	cr_assert_eq(st.restarts, 1);
	cr_assert_eq(st.bookmarks, 1);
	cr_assert_eq(st.added, 3);
	cr_assert_eq(st.modified, 1);
	cr_assert_eq(st.deleted, 1);
	cr_assert_eq(st.objects, 2);
	cr_assert_eq(s.synced, 1);
	cr_assert(mgo_informer_synced(inf));
	cr_assert_str_eq(mgo_informer_resource_version(inf), "16");
	mgo_informer_free(inf);
	env_stop(e);
}

#define POD_SPEC(name, uid, rv)                                                            \
	"{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"ns\",\"uid\":\"" uid          \
	"\",\"resourceVersion\":\"" rv "\",\"managedFields\":[{\"manager\":\"m\"}]},"        \
	"\"spec\":{\"containers\":[{\"name\":\"c\"}]},"                                      \
	"\"status\":{\"phase\":\"Running\"}}"

/* "name:spec:phase;" for each object delivered; managedFields are never
 * parsed */
static void on_spec_event(void *ctx, enum mgo_informer_event ev, const json_t *obj)
{
	struct seen *s = ctx;
	const json_t *spec = json_object_get(obj, "spec");
	size_t len = strlen(s->log);

	(void)ev;
	cr_assert(json_is_null(json_object_get(json_object_get(obj, "metadata"),
					       "managedFields")));
	snprintf(s->log + len, sizeof(s->log) - len, "%s:%s:%s;",
		 str(json_object_get(obj, "metadata"), "name"),
		 !spec ? "none" : json_is_null(spec) ? "null" : "parsed",
		 str(json_object_get(obj, "status"), "phase"));
	s->events++;
}

/* spec_unread: what the list and the watch deliver has a null spec and
 * the rest as sent; without it, the spec too. */
Test(informer, an_informer_that_reads_no_spec_parses_none)
{
	static const char *const w0[] = {EV("MODIFIED", POD_SPEC("a", "ua", "12")), NULL};

	for (int unread = 0; unread <= 1; unread++) {
		struct script sc = {
			.lists = {LIST("10", POD_SPEC("a", "ua", "5"))},
			.watches = {{.chunks = w0, .hang = true}},
		};
		struct seen s = {0};
		struct env *e = env_start(reply_script, &sc, &fast_opts);
		struct mgo_informer *inf;
		const struct mgo_informer_opts o = {.res = &pods, .ns = "ns", .spec_unread = unread,
						    .on_event = on_spec_event, .ctx = &s};

		cr_assert_eq(mgo_informer_new(e->client, &o, &inf), 0);
		cr_assert_eq(mgo_informer_start(inf), 0);
		cr_assert(run_until_count(e, &s.events, 2));
		cr_assert_str_eq(s.log, unread ? "a:null:Running;a:null:Running;"
					       : "a:parsed:Running;a:parsed:Running;");
		mgo_informer_free(inf);
		env_stop(e);
	}
}

static void relist_after_gone(bool as_http_status, bool uid_only)
{
	static const char *const gone[] = {GONE, NULL};
	struct script sc = {
		.lists = {LIST("10", POD("a", "ua", "1") "," POD("b", "ub", "2") ","
				     POD("c", "uc", "3")),
			  LIST("20", POD("a", "ua", "1") "," POD("b", "ub", "7") ","
				     POD("d", "ud", "8"))},
	};
	struct seen s = {0};
	struct mgo_informer_stats st;
	char rv[32];

	if (as_http_status)
		sc.watches[0] = (struct watch_reply){
			.status = 410, .body = "{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}"};
	else
		sc.watches[0] = (struct watch_reply){.chunks = gone};
	struct env *e = env_start(reply_script, &sc, &fast_opts);
	struct mgo_informer *inf = informer_with(e, &s, 0, uid_only);

	cr_assert(run_until_count(e, &s.events, 6));
	cr_assert(wait_requests(e, 4));
	/* a is unchanged: not delivered again; c went while we were away,
	 * named only when the informer remembers names */
	cr_assert_str_eq(s.log, uid_only
			 ? "ADDED a 1 v1/Pod;ADDED b 2 v1/Pod;ADDED c 3 v1/Pod;SYNCED;"
			   "MODIFIED b 7 v1/Pod;ADDED d 8 v1/Pod;DELETED  3 v1/Pod;"
			 : "ADDED a 1 v1/Pod;ADDED b 2 v1/Pod;ADDED c 3 v1/Pod;SYNCED;"
			   "MODIFIED b 7 v1/Pod;ADDED d 8 v1/Pod;DELETED c 3 v1/Pod;");
	cr_assert_str_eq(s.deleted, uid_only ? "uc /;" : "uc ns/c;");
	cr_assert_null(strstr(e->fake.reqs[2].query, "watch=true"), "the third request relists");
	cr_assert_str_eq(rv_of(e, 2, rv, sizeof(rv)), "", "a relist reads the latest");
	cr_assert_str_eq(rv_of(e, 3, rv, sizeof(rv)), "20");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.lists, 2);
	cr_assert_eq(st.relists, 1);
	cr_assert_eq(st.objects, 3);
	cr_assert_eq(st.duplicates, 1);
	cr_assert_eq(s.synced, 1);
	mgo_informer_free(inf);
	env_stop(e);
}

Test(informer, relist_after_a_gone_event_delivers_only_the_difference)
{
	relist_after_gone(false, false);
}

Test(informer, relist_after_http_410_delivers_only_the_difference)
{
	relist_after_gone(true, false);
}

/* keys_uid_only: the same difference, a vanished object told by its uid */
Test(informer, relist_with_uid_only_keys_tells_a_vanished_object_by_uid)
{
	relist_after_gone(false, true);
}

Test(informer, broken_watch_resumes_without_relist_or_duplicate)
{
	/* the stream breaks inside the third event: it must not count */
	static const char *const w0[] = {EV("ADDED", POD("b", "ub", "11")),
					 EV("MODIFIED", POD("a", "ua", "12")),
					 "{\"type\":\"ADDED\",\"object\":{\"metad", NULL};
	/* a server may replay the last event it sent: nothing new, not delivered */
	static const char *const w1[] = {EV("MODIFIED", POD("a", "ua", "12")),
					 EV("ADDED", POD("c", "uc", "13")), NULL};
	struct script sc = {
		.lists = {LIST("10", POD("a", "ua", "1"))},
		.watches = {{.chunks = w0, .cut = true}, {.chunks = w1, .hang = true}},
	};
	struct seen s = {0};
	struct mgo_informer_stats st;
	char rv[32];
	struct env *e = env_start(reply_script, &sc, &fast_opts);
	struct mgo_informer *inf = informer(e, &s, 0);

	cr_assert(run_until_count(e, &s.events, 4));
	cr_assert(wait_requests(e, 3));
	for (int i = 0; i < 10; i++)
		cr_assert_eq(mgo_loop_run_once(e->loop, 10), 0);
	cr_assert_str_eq(s.log, "ADDED a 1 v1/Pod;SYNCED;ADDED b 11 /;MODIFIED a 12 /;"
				"ADDED c 13 /;");
	cr_assert_str_eq(rv_of(e, 2, rv, sizeof(rv)), "12");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.lists, 1, "no relist");
	cr_assert_eq(st.restarts, 1);
	cr_assert_eq(st.duplicates, 1);
	cr_assert_eq(st.errors, 1);
	mgo_informer_free(inf);
	env_stop(e);
}

/* The same watch would replay an event too long to read, and its object
 * cannot be named from a part of it: the informer drops it and lists
 * again (the list reads past it and names it), then watches from after it. */
Test(informer, an_event_longer_than_the_limit_is_dropped_and_the_informer_lists_again)
{
	static const char *const w0[] = {
		EV("ADDED", "{\"metadata\":{\"name\":\"big\",\"uid\":\"ubig\",\"resourceVersion\":"
			    "\"11\",\"annotations\":{\"x\":\"" /* 200+ bytes */
			    "0123456789012345678901234567890123456789012345678901234567890123456789"
			    "0123456789012345678901234567890123456789012345678901234567890123456789"
			    "0123456789012345678901234567890123456789012345678901234567890123456789"
			    "\"}}}"),
		NULL};
	static const char *const w1[] = {EV("ADDED", POD("c", "uc", "13")), NULL};
	struct script sc = {
		.lists = {LIST("10", ""), LIST("12", "")},
		.watches = {{.chunks = w0, .hang = true}, {.chunks = w1, .hang = true}},
	};
	struct seen s = {0};
	struct mgo_informer_stats st;
	char rv[32];
	struct env *e = env_start(reply_script, &sc, &fast_opts);
	struct mgo_informer *inf = informer(e, &s, 200);

	cr_assert(run_until_count(e, &s.events, 1));
	cr_assert_str_eq(s.log, "SYNCED;ADDED c 13 /;");
	cr_assert_null(strstr(e->fake.reqs[2].query, "watch=true"), "listed again: %s",
		       e->fake.reqs[2].query);
	cr_assert_str_eq(rv_of(e, 3, rv, sizeof(rv)), "12", "watched from the new list");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(st.errors, 0);
	cr_assert_eq(st.lists, 2);
	mgo_informer_free(inf);
	env_stop(e);
}

Test(informer, failed_lists_back_off_then_sync)
{
	struct script sc = {
		.lists = {"{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}",
			  "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}",
			  LIST("10", POD("a", "ua", "1"))},
		.list_status = {403, 403, 200},
	};
	struct seen s = {0};
	struct mgo_informer_stats st;
	struct env *e = env_start(reply_script, &sc, &fast_opts);
	struct mgo_informer *inf = informer(e, &s, 0);

	cr_assert(run_until_count(e, &s.synced, 1));
	cr_assert_str_eq(s.log, "ADDED a 1 v1/Pod;SYNCED;");
	/* the first failure retries at once, the next after 100..200 ms */
	cr_assert_geq(e->fake.reqs[2].at_ms - e->fake.reqs[1].at_ms, 100);
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.errors, 2);
	cr_assert_eq(st.lists, 1);
	mgo_informer_free(inf);
	env_stop(e);
}

Test(informer, bad_options_are_refused)
{
	static const struct mgo_kube_resource nodes = {"", "v1", "nodes", false};
	struct seen s = {0};
	struct script sc = {0};
	struct env *e = env_start(reply_script, &sc, &fast_opts);
	struct mgo_informer *inf = (struct mgo_informer *)&s;
	const struct mgo_informer_opts no_cb = {.res = &pods};
	const struct mgo_informer_opts ns_on_cluster = {.res = &nodes, .ns = "x",
							.on_event = on_event};

	cr_assert_eq(mgo_informer_new(e->client, &no_cb, &inf), -EINVAL);
	cr_assert_null(inf);
	cr_assert_eq(mgo_informer_new(e->client, &ns_on_cluster, &inf), -EINVAL);
	cr_assert_eq(mgo_informer_new(e->client, NULL, &inf), -EINVAL);
	env_stop(e);
}

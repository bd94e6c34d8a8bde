#include "tas_rest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tas_controllers.h"
#include "tas_filter.h"
#include "tas_jsonpatch.h"
#include "tas_objects.h"
#include "patch.h"
#include "tas_protobuf.h"
#include "tas_review.h"
#include "tas_status.h"
#include "tas_table.h"
#include "tas_util.h"
#include "tas_watch.h"

#define TABLE_TYPE "application/json;as=Table;v=v1;g=meta.k8s.io"
#define PARTIAL_TYPE "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
#define PARTIAL_LIST_TYPE "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"

/* --- content negotiation ---------------------------------------------------- */

/* The value of parameter key of media type mt (*len bytes, not NUL-ended),
 * or NULL when mt has no such parameter. */
static const char *param(const char *mt, const char *key, size_t *len)
{
	const char *p = mt;
	size_t kl = strlen(key);

	while ((p = strchr(p, ';'))) {
		p++;
		while (*p == ' ')
			p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			*len = strcspn(p + kl + 1, ";, ");
			return p + kl + 1;
		}
	}
	return NULL;
}

static bool param_is(const char *mt, const char *key, const char *const *values)
{
	size_t vl, i;
	const char *v = param(mt, key, &vl);

	for (i = 0; v && values[i]; i++)
		if (strlen(values[i]) == vl && strncmp(v, values[i], vl) == 0)
			return true;
	return false;
}

/* The first media type of Accept we can produce, in the client's order. */
static int negotiate(const char *accept, enum tas_fmt *fmt)
{
	static const char *const meta_group[] = {"meta.k8s.io", NULL};
	static const char *const table_v[] = {"v1", "v1beta1", NULL};
	static const char *const table_as[] = {"Table", NULL};
	static const char *const partial_as[] = {"PartialObjectMetadata",
						 "PartialObjectMetadataList", NULL};
	char item[512];
	const char *p = accept;

	*fmt = TAS_FMT_JSON;
	if (!accept || !*accept)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *mt = item;
		snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) ? n : sizeof(item) - 1), p);
		while (*mt == ' ')
			mt++;
		p += n + (p[n] == ',');
		if (strncmp(mt, "application/json", 16) && strncmp(mt, "*/*", 3) &&
		    strncmp(mt, "application/*", 13))
			continue;
		if (!param(mt, "as", &n))
			return 0;
		if (!param_is(mt, "g", meta_group) || !param_is(mt, "v", table_v))
			continue;
		if (param_is(mt, "as", table_as)) {
			*fmt = TAS_FMT_TABLE;
			return 0;
		}
		if (param_is(mt, "as", partial_as)) {
			*fmt = TAS_FMT_PARTIAL;
			return 0;
		}
	}
	return -1;
}

/* --- request helpers ---------------------------------------------------------- */

static bool query_bool(const struct tas_req *r, const char *k)
{
	const char *v = tas_query_get(r, k);
	bool b = false;

	return v && tas_parse_bool(v, &b) && b;
}

static bool media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	return ct && strncmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static json_t *decode_body(const struct tas_req *r, bool strict, struct tas_resp *resp)
{
	json_error_t e;
	json_t *body;
	char msg[512];
	int unsupported;

	if (!r->body_len) {
		tas_resp_set(resp, 400, tas_status_bad_request("the request body is empty"));
		return NULL;
	}
	if (media_is(r->content_type, TAS_PROTOBUF_TYPE)) {
		body = tas_protobuf_decode((const unsigned char *)r->body, r->body_len, msg,
					   sizeof(msg), &unsupported);
		if (!body)
			tas_resp_set(resp, unsupported ? 415 : 400,
				     unsupported ? tas_status(415, "UnsupportedMediaType", msg, NULL)
						 : tas_status_bad_request(msg));
		return body;
	}
	body = json_loadb(r->body, r->body_len, strict ? JSON_REJECT_DUPLICATES : 0, &e);
	if (!body) {
		snprintf(msg, sizeof(msg), "couldn't get version/kind; json parse error: %s", e.text);
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
	}
	return body;
}

static bool object_body(json_t *body, struct tas_resp *resp)
{
	if (json_is_object(body))
		return true;
	tas_resp_set(resp, 400,
		     tas_status_bad_request("couldn't get version/kind; json parse error: json: "
					    "cannot unmarshal array into Go value of type struct"));
	return false;
}

static int write_opts(const struct tas_req *r, struct tas_wopts *o, struct tas_resp *resp)
{
	const char *dry = tas_query_get(r, "dryRun");
	const char *fv = tas_query_get(r, "fieldValidation");

	memset(o, 0, sizeof(*o));
	o->subresource = r->ri.subresource;
	o->req = r;
	if (dry && strcmp(dry, "All")) {
		char msg[256];
		snprintf(msg, sizeof(msg),
			 "dryRun: Unsupported value: \"%s\": supported values: \"All\"", dry);
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		return -1;
	}
	o->dry_run = dry != NULL;
	if (!fv || strcmp(fv, "Warn") == 0)
		o->field_validation = TAS_FV_WARN;
	else if (strcmp(fv, "Strict") == 0)
		o->field_validation = TAS_FV_STRICT;
	else if (strcmp(fv, "Ignore") == 0)
		o->field_validation = TAS_FV_IGNORE;
	else {
		tas_resp_set(resp, 400,
			     tas_status_bad_request("fieldValidation parameter unsupported: must be "
						    "one of Ignore, Warn, or Strict"));
		return -1;
	}
	return 0;
}

/* --- get and list ------------------------------------------------------------- */

static json_t *render_one(const struct tas_restype *rt, const json_t *stored,
			  enum tas_fmt fmt, const struct tas_req *r, struct tas_resp *resp)
{
	json_t *shown = tas_obj_present(rt, stored), *out;

	if (!shown || fmt == TAS_FMT_JSON)
		return shown;
	if (fmt == TAS_FMT_PARTIAL) {
		out = tas_partial(shown);
		resp->content_type = PARTIAL_TYPE;
	} else {
		json_t *lm = json_pack("{s:s}", "resourceVersion", tas_meta(stored, "resourceVersion") ?: "");
		const char *inc = tas_query_get(r, "includeObject");
		enum tas_include i = !inc || strcmp(inc, "Metadata") == 0 ? TAS_INCLUDE_METADATA
				     : strcmp(inc, "Object") == 0	   ? TAS_INCLUDE_OBJECT
									   : TAS_INCLUDE_NONE;
		out = lm ? tas_table(rt, &stored, 1, true, i, lm) : NULL;
		json_decref(lm);
		resp->content_type = TABLE_TYPE;
	}
	json_decref(shown);
	return out;
}

static void do_get(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		   enum tas_fmt fmt, struct tas_resp *resp)
{
	struct tas_bucket *b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	const json_t *obj = b ? tas_store_get(b, rt->namespaced ? r->ri.ns : NULL, r->ri.name)
			      : NULL;

	if (!obj) {
		tas_resp_set(resp, 404, tas_status_not_found(rt->group, rt->resource, r->ri.name));
		return;
	}
	tas_resp_set(resp, 200, render_one(rt, obj, fmt, r, resp));
}

struct continue_token {
	uint64_t rv;
	char start[600]; /* the last key returned; the next page starts after it */
};

static char *encode_continue(uint64_t rv, const char *last_key)
{
	json_t *t;
	char *text, *out = NULL;
	size_t n = strlen(last_key);
	char *start = malloc(n + 2);

	if (!start)
		return NULL;
	memcpy(start, last_key, n);
	start[n] = '\0';
	start[n + 1] = '\0';
	/* kube's etcd3 continue key: {"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"} */
	t = json_pack("{s:s, s:I, s:s#}", "v", "meta.k8s.io/v1", "rv", (json_int_t)rv, "start",
		      start, n + 1);
	free(start);
	text = t ? json_dumps(t, JSON_COMPACT) : NULL;
	if (text)
		out = tas_b64_encode(text, strlen(text), true);
	free(text);
	json_decref(t);
	return out;
}

static int decode_continue(const char *tok, struct continue_token *ct)
{
	unsigned char *raw = NULL;
	size_t len;
	json_t *t = NULL;
	const json_t *start;
	int rc = -EINVAL;

	if (tas_b64_decode(tok, &raw, &len))
		goto out;
	t = json_loadb((const char *)raw, len, JSON_ALLOW_NUL, NULL);
	start = json_object_get(t, "start");
	if (!t || strcmp(tas_jstr(t, "v") ?: "", "meta.k8s.io/v1") ||
	    !json_is_integer(json_object_get(t, "rv")) ||
	    json_integer_value(json_object_get(t, "rv")) <= 0 || !json_is_string(start) ||
	    json_string_length(start) == 0 || json_string_length(start) >= sizeof(ct->start))
		goto out;
	ct->rv = (uint64_t)json_integer_value(json_object_get(t, "rv"));
	/* "key\0" means "after key" */
	snprintf(ct->start, sizeof(ct->start), "%.*s", (int)json_string_length(start) - 1,
		 json_string_value(start));
	if (json_string_value(start)[json_string_length(start) - 1] != '\0' ||
	    strlen(ct->start) != json_string_length(start) - 1)
		goto out;
	rc = 0;
out:
	free(raw);
	json_decref(t);
	return rc;
}

static int filter_from(const struct tas_restype *rt, const struct tas_req *r,
		       struct tas_filter *f, struct tas_resp *resp)
{
	char err[512];
	int rc = tas_filter_init(f, rt, tas_query_get(r, "labelSelector"),
				 tas_query_get(r, "fieldSelector"), err, sizeof(err));

	if (rc == -EINVAL)
		tas_resp_set(resp, 400, tas_status_bad_request(err));
	else if (rc)
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
	return rc;
}

/* Waits (lock held) up to 3 s for the store to reach rv, as kube's watch
 * cache does for "not older than" reads. */
static bool wait_for_rv(struct tas_server *s, uint64_t rv)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 3;
	while (s->store.rv < rv)
		if (pthread_cond_timedwait(&s->store.cv, &s->store.mu, &ts))
			break;
	return s->store.rv >= rv;
}

static void do_list(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		    enum tas_fmt fmt, struct tas_resp *resp)
{
	struct tas_bucket *b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	const char *rv_s = tas_query_get(r, "resourceVersion");
	const char *match = tas_query_get(r, "resourceVersionMatch");
	const char *cont = tas_query_get(r, "continue");
	const char *limit_s = tas_query_get(r, "limit");
	const char *ns = rt->namespaced && *r->ri.ns ? r->ri.ns : NULL;
	struct continue_token ct = {0};
	struct tas_filter f = {0};
	struct tas_snapshot snap = {0};
	uint64_t at = 0, rv = 0, limit = 0;
	json_t *items = NULL, *lm = NULL, *out = NULL;
	const json_t **objs = NULL;
	size_t i, n = 0, matched_to = 0;
	bool expired, more = false;
	char rvbuf[24];

	if (!b || filter_from(rt, r, &f, resp))
		goto out;
	if (limit_s && (!tas_parse_u64(limit_s, &limit))) {
		tas_resp_set(resp, 400, tas_status_bad_request("limit must be a non-negative integer"));
		goto out;
	}
	if (rv_s && *rv_s && !tas_parse_u64(rv_s, &rv)) {
		char msg[300];
		snprintf(msg, sizeof(msg), "invalid resource version \"%s\"", rv_s);
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		goto out;
	}
	if (cont && *cont) {
		if (rv_s && *rv_s) {
			tas_resp_set(resp, 400,
				     tas_status_bad_request("specifying resource version is not "
							    "allowed when using continue"));
			goto out;
		}
		if (decode_continue(cont, &ct)) {
			tas_resp_set(resp, 400,
				     tas_status_bad_request("continue key is not valid: incorrect "
							    "encoded start resourceVersion (version "
							    "meta.k8s.io/v1)"));
			goto out;
		}
		at = ct.rv;
	} else if (rv && match && strcmp(match, "Exact") == 0) {
		at = rv;
	} else if (rv > s->store.rv && !wait_for_rv(s, rv)) {
		tas_resp_set(resp, 504, tas_status_rv_too_large(rv, s->store.rv));
		goto out;
	}
	if (tas_store_snapshot(&s->store, b, at, ns, ct.start[0] ? ct.start : NULL, &snap,
			       &expired))
		goto oom;
	if (expired) {
		json_t *st;
		char *next = NULL;
		if (ct.start[0]) {
			next = encode_continue(s->store.rv, ct.start);
			st = tas_status_expired(
				"The provided continue parameter is too old to display a consistent "
				"list result. You can start a new list without the continue "
				"parameter, or use the continue token in this response to retrieve "
				"the remainder of the results. Continuing with the provided token "
				"results in an inconsistent list - objects that were created, "
				"modified, or deleted between the time the first chunk was returned "
				"and now may show up in the list.");
			if (st && next)
				json_object_set_new(json_object_get(st, "metadata"), "continue",
						    json_string(next));
		} else {
			char msg[128];
			snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)",
				 (unsigned long long)at, (unsigned long long)s->store.compacted);
			st = tas_status_expired(msg);
		}
		free(next);
		tas_resp_set(resp, 410, st);
		goto out;
	}
	objs = calloc(snap.n + 1, sizeof(*objs));
	if (!objs)
		goto oom;
	for (i = 0; i < snap.n; i++) {
		if (limit && n == limit) {
			more = true;
			break;
		}
		if (tas_filter_match(&f, snap.items[i].obj))
			objs[n++] = snap.items[i].obj;
		matched_to = i + 1;
	}
	snprintf(rvbuf, sizeof(rvbuf), "%llu", (unsigned long long)(at ? at : s->store.rv));
	lm = json_pack("{s:s}", "resourceVersion", rvbuf);
	if (!lm)
		goto oom;
	if (more) {
		char *next = encode_continue(at ? at : s->store.rv, snap.items[matched_to - 1].key);
		if (!next || json_object_set_new(lm, "continue", json_string(next))) {
			free(next);
			goto oom;
		}
		free(next);
		if (!f.any &&
		    json_object_set_new(lm, "remainingItemCount",
					json_integer((json_int_t)(snap.n - matched_to))))
			goto oom;
	}
	if (fmt == TAS_FMT_TABLE) {
		const char *inc = tas_query_get(r, "includeObject");
		enum tas_include in = !inc || strcmp(inc, "Metadata") == 0 ? TAS_INCLUDE_METADATA
				      : strcmp(inc, "Object") == 0	    ? TAS_INCLUDE_OBJECT
									    : TAS_INCLUDE_NONE;
		out = tas_table(rt, objs, n, true, in, lm);
		resp->content_type = TABLE_TYPE;
		if (!out)
			goto oom;
		tas_resp_set(resp, 200, out);
		goto out;
	}
	items = json_array();
	if (!items)
		goto oom;
	for (i = 0; i < n; i++) {
		json_t *shown = tas_obj_present(rt, objs[i]);
		if (shown && fmt == TAS_FMT_PARTIAL) {
			json_t *p = tas_partial(shown);
			json_decref(shown);
			shown = p;
		} else if (shown && !(rt->flags & TAS_RT_CUSTOM)) {
			/* typed lists carry kind/apiVersion once, not per item */
			json_t *c = json_copy(shown);
			json_decref(shown);
			shown = c;
			json_object_del(shown, "kind");
			json_object_del(shown, "apiVersion");
		}
		if (!shown || json_array_append_new(items, shown))
			goto oom;
	}
	{
		char av[300];
		tas_restype_api_version(rt, av, sizeof(av));
		out = fmt == TAS_FMT_PARTIAL
			      ? json_pack("{s:s, s:s, s:O, s:O}", "kind", "PartialObjectMetadataList",
					  "apiVersion", "meta.k8s.io/v1", "metadata", lm, "items", items)
			      : json_pack("{s:s, s:s, s:O, s:O}", "kind", rt->list_kind, "apiVersion",
					  av, "metadata", lm, "items", items);
		if (fmt == TAS_FMT_PARTIAL)
			resp->content_type = PARTIAL_LIST_TYPE;
	}
	if (!out)
		goto oom;
	tas_resp_set(resp, 200, out);
	goto out;
oom:
	tas_resp_set(resp, 500, tas_status_internal("out of memory"));
out:
	free(objs);
	json_decref(items);
	json_decref(lm);
	tas_snapshot_free(&snap);
	tas_filter_free(&f);
}

static void do_watch(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		     enum tas_fmt fmt, struct tas_resp *resp)
{
	struct tas_watch_opts o = {0};
	struct tas_filter f = {0};
	const char *t = tas_query_get(r, "timeoutSeconds");
	uint64_t timeout = 0;
	char fs[600];
	int rc;

	if (t && (!tas_parse_u64(t, &timeout) || timeout > 86400)) {
		tas_resp_set(resp, 400, tas_status_bad_request("timeoutSeconds must be a non-negative integer"));
		return;
	}
	/* a watch on a named object (legacy /watch/.../NAME) is a watch on
	 * metadata.name, as kube rewrites it */
	if (*r->ri.name && !r->ri.name_from_selector) {
		snprintf(fs, sizeof(fs), "metadata.name=%s", r->ri.name);
		rc = tas_filter_init(&f, rt, tas_query_get(r, "labelSelector"), fs, fs, sizeof(fs));
		if (rc) {
			tas_resp_set(resp, rc == -EINVAL ? 400 : 500,
				     rc == -EINVAL ? tas_status_bad_request(fs)
						   : tas_status_internal("out of memory"));
			return;
		}
	} else if (filter_from(rt, r, &f, resp)) {
		return;
	}
	o.rv = tas_query_get(r, "resourceVersion");
	o.bookmarks = query_bool(r, "allowWatchBookmarks");
	o.send_initial = query_bool(r, "sendInitialEvents");
	o.timeout_s = (unsigned)timeout;
	o.fmt = fmt;
	if (tas_watch_start(s, rt, rt->namespaced ? r->ri.ns : "", &f, &o, r->conn_fd, resp))
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
	tas_filter_free(&f);
}

/* --- writes ------------------------------------------------------------------- */

static void settle(struct tas_server *s, struct tas_resp *resp)
{
	if (tas_controllers_settle(s))
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
}

static void do_create(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		      struct tas_resp *resp)
{
	struct tas_wopts o;
	json_t *body;

	if (*r->ri.name && !(strcmp(rt->resource, "namespaces") == 0 && !*rt->group)) {
		tas_resp_set(resp, 405, tas_status_method_not_allowed(rt->group, rt->resource, "create"));
		return;
	}
	if (write_opts(r, &o, resp))
		return;
	body = decode_body(r, o.field_validation == TAS_FV_STRICT, resp);
	if (!body || !object_body(body, resp)) {
		json_decref(body);
		return;
	}
	if (rt->flags & TAS_RT_VIRTUAL) {
		if (tas_review(s, rt, r->user, body, resp))
			tas_resp_set(resp, 500, tas_status_internal("out of memory"));
		json_decref(body);
		return;
	}
	if (tas_obj_create(s, rt, rt->namespaced ? r->ri.ns : "", body, &o, resp)) {
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
		return;
	}
	if (!o.dry_run && resp->code < 300)
		settle(s, resp);
}

/* PUT and PATCH end alike: store the new object (stolen), run the controllers. */
static void update(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		   json_t *obj, const struct tas_wopts *o, struct tas_resp *resp)
{
	if (tas_obj_update(s, rt, rt->namespaced ? r->ri.ns : "", r->ri.name, obj, o, resp)) {
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
		return;
	}
	if (!o->dry_run && resp->code < 300)
		settle(s, resp);
}

static void do_update(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		      struct tas_resp *resp)
{
	struct tas_wopts o;
	json_t *body;

	if (write_opts(r, &o, resp))
		return;
	body = decode_body(r, o.field_validation == TAS_FV_STRICT, resp);
	if (!body || !object_body(body, resp)) {
		json_decref(body);
		return;
	}
	update(s, rt, r, body, &o, resp);
}

/* The patched object, or NULL with resp set. */
static json_t *apply_patch(const struct tas_restype *rt, const struct tas_req *r,
			   const json_t *current, struct tas_resp *resp)
{
	const char *ct = r->content_type;
	json_t *patch = NULL, *out = NULL;
	char err[512] = "";
	int bad, rc;

	if (!media_is(ct, "application/json-patch+json") &&
	    !media_is(ct, "application/merge-patch+json") &&
	    !media_is(ct, "application/strategic-merge-patch+json")) {
		/* server-side apply (application/apply-patch+yaml) is not served */
		tas_resp_set(resp, 415, tas_status_unsupported_patch());
		return NULL;
	}
	if (media_is(ct, "application/strategic-merge-patch+json") &&
	    ((rt->flags & TAS_RT_CUSTOM) || !tas_strategic_merge_supported(rt->kind))) {
		tas_resp_set(resp, 415, tas_status(415, "UnsupportedMediaType",
						   TAS_PATCH_SMP_UNSUPPORTED, NULL));
		return NULL;
	}
	patch = decode_body(r, false, resp);
	if (!patch)
		return NULL;
	if (media_is(ct, "application/json-patch+json")) {
		out = tas_json_patch(current, patch, err, sizeof(err), &bad);
		if (!out)
			tas_resp_set(resp, bad ? 400 : 422,
				     bad ? tas_status_bad_request(err)
					 : tas_status(422, "Invalid", err, NULL));
	} else if (media_is(ct, "application/merge-patch+json")) {
		out = tas_merge_patch(current, patch);
		if (!out)
			tas_resp_set(resp, 500, tas_status_internal("out of memory"));
	} else {
		rc = tas_strategic_merge_patch_ex(current, patch, rt->kind, &out, err, sizeof(err));
		if (rc)
			tas_resp_set(resp, rc == -ENOMEM ? 500 : 400,
				     rc == -ENOMEM ? tas_status_internal("out of memory")
						   : tas_status_bad_request(err));
	}
	json_decref(patch);
	return out;
}

static void do_patch(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		     struct tas_resp *resp)
{
	struct tas_bucket *b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	const json_t *cur = b ? tas_store_get(b, rt->namespaced ? r->ri.ns : NULL, r->ri.name)
			      : NULL;
	struct tas_wopts o;
	json_t *shown, *patched;

	if (write_opts(r, &o, resp))
		return;
	if (!cur) {
		tas_resp_set(resp, 404, tas_status_not_found(rt->group, rt->resource, r->ri.name));
		return;
	}
	shown = tas_obj_present(rt, cur);
	if (!shown) {
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
		return;
	}
	patched = apply_patch(rt, r, shown, resp);
	json_decref(shown);
	if (!patched)
		return;
	if (!object_body(patched, resp)) {
		json_decref(patched);
		return;
	}
	update(s, rt, r, patched, &o, resp);
}

/* DeleteOptions from the body and the query. Returns 0, or -1 with resp set.
 * *holder keeps the decoded body alive for the borrowed strings. */
static int delete_opts(const struct tas_req *r, struct tas_dopts *o, json_t **holder,
		       struct tas_resp *resp)
{
	static const char *const policies[] = {"Foreground", "Background", "Orphan", NULL};
	const char *dry = tas_query_get(r, "dryRun");
	const char *qp = tas_query_get(r, "propagationPolicy");
	const char *qo = tas_query_get(r, "orphanDependents");
	json_t *body = NULL, *orphan;
	size_t i;

	memset(o, 0, sizeof(*o));
	*holder = NULL;
	if (r->body_len) {
		body = decode_body(r, false, resp);
		if (!body || !object_body(body, resp)) {
			json_decref(body);
			return -1;
		}
		*holder = body;
	}
	o->propagation = tas_jstr(body, "propagationPolicy") ?: qp;
	o->uid = tas_jpath_str(body, "preconditions.uid");
	o->rv = tas_jpath_str(body, "preconditions.resourceVersion");
	orphan = json_object_get(body, "orphanDependents");
	o->dry_run = (dry && strcmp(dry, "All") == 0) ||
		     (json_array_size(json_object_get(body, "dryRun")) > 0);
	if (!orphan && qo) {
		bool b;
		if (tas_parse_bool(qo, &b))
			orphan = b ? json_true() : json_false();
	}
	if (o->propagation) {
		for (i = 0; policies[i] && strcmp(policies[i], o->propagation); i++)
			;
		if (!policies[i] || orphan) {
			json_t *causes = json_array();
			if (!policies[i])
				tas_cause_add(causes, "FieldValueNotSupported", "propagationPolicy",
					      "Unsupported value: \"%s\": supported values: "
					      "\"Foreground\", \"Background\", \"Orphan\"",
					      o->propagation);
			else
				tas_cause_add(causes, "FieldValueInvalid", "orphanDependents",
					      "Invalid value: %s: Cannot both set OrphanDependents "
					      "and PropagationPolicy",
					      json_is_true(orphan) ? "true" : "false");
			tas_resp_set(resp, 422, tas_status_invalid("meta.k8s.io", "DeleteOptions", "",
								   causes));
			json_decref(causes);
			return -1;
		}
	} else if (orphan) {
		o->propagation = json_is_true(orphan) ? "Orphan" : "Background";
	}
	return 0;
}

static void do_delete(struct tas_server *s, struct tas_restype *rt, const struct tas_req *r,
		      struct tas_resp *resp)
{
	struct tas_dopts o;
	json_t *holder;

	if (delete_opts(r, &o, &holder, resp))
		return;
	o.req = r;
	if (tas_obj_delete(s, rt, rt->namespaced ? r->ri.ns : "", r->ri.name, &o, resp))
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
	else if (!o.dry_run && resp->code < 300)
		settle(s, resp);
	json_decref(holder);
}

static void do_delete_collection(struct tas_server *s, struct tas_restype *rt,
				 const struct tas_req *r, struct tas_resp *resp)
{
	struct tas_bucket *b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	const char *ns = rt->namespaced && *r->ri.ns ? r->ri.ns : NULL;
	struct tas_filter f = {0};
	struct tas_snapshot snap = {0};
	struct tas_dopts o;
	json_t *holder = NULL, *items = json_array(), *out;
	bool expired;
	size_t i;
	char av[300];

	if (!b || !items || filter_from(rt, r, &f, resp) || delete_opts(r, &o, &holder, resp))
		goto out;
	if (tas_store_snapshot(&s->store, b, 0, ns, NULL, &snap, &expired))
		goto oom;
	o.req = r; /* each item is admitted as a DELETE of its own, as in kube */
	for (i = 0; i < snap.n; i++) {
		struct tas_resp one = {0};
		char ons[256], oname[256];
		if (!tas_filter_match(&f, snap.items[i].obj))
			continue;
		snprintf(ons, sizeof(ons), "%s", tas_meta(snap.items[i].obj, "namespace") ?: "");
		snprintf(oname, sizeof(oname), "%s", tas_meta(snap.items[i].obj, "name") ?: "");
		if (tas_obj_delete(s, rt, ons, oname, &o, &one)) {
			json_decref(one.body);
			goto oom;
		}
		if (one.code >= 400 && one.code != 404) {
			/* kube returns an item's error (an admission denial) */
			tas_resp_set(resp, (int)one.code, one.body);
			goto out;
		}
		json_decref(one.body);
		if (json_array_append_new(items, tas_obj_present(rt, snap.items[i].obj)))
			goto oom;
	}
	if (!o.dry_run && tas_controllers_settle(s))
		goto oom;
	tas_restype_api_version(rt, av, sizeof(av));
	out = json_pack("{s:s, s:s, s:{s:s}, s:O}", "kind", rt->list_kind, "apiVersion", av,
			"metadata", "resourceVersion", "", "items", items);
	tas_resp_set(resp, 200, out);
	goto out;
oom:
	tas_resp_set(resp, 500, tas_status_internal("out of memory"));
out:
	json_decref(items);
	json_decref(holder);
	tas_snapshot_free(&snap);
	tas_filter_free(&f);
}

/* --- routing -------------------------------------------------------------------- */

static bool sub_ok(const struct tas_restype *rt, const char *sub, const char *method)
{
	if (!*sub)
		return true;
	if (strcmp(sub, "status") == 0)
		return (rt->flags & TAS_RT_STATUS) &&
		       (!strcmp(method, "GET") || !strcmp(method, "PUT") || !strcmp(method, "PATCH"));
	if (strcmp(sub, "finalize") == 0)
		return strcmp(rt->resource, "namespaces") == 0 && !*rt->group &&
		       !strcmp(method, "PUT");
	return false;
}

void tas_rest(struct tas_server *s, struct tas_req *r, struct tas_resp *resp)
{
	const struct tas_reqinfo *ri = &r->ri;
	const char *m = r->method;
	struct tas_restype *rt;
	enum tas_fmt fmt;
	bool watch = query_bool(r, "watch") || strcmp(ri->verb, "watch") == 0;

	if (negotiate(r->accept, &fmt)) {
		tas_resp_set(resp, 406, tas_status_not_acceptable());
		return;
	}
	pthread_mutex_lock(&s->store.mu);
	rt = tas_registry_find(&s->reg, ri->group, ri->version, ri->resource);
	if (!rt || (!rt->namespaced && *ri->ns && strcmp(ri->resource, "namespaces")) ||
	    !sub_ok(rt, ri->subresource, m)) {
		tas_resp_set(resp, 404, tas_status_no_route());
		goto out;
	}
	if (!tas_restype_has_verb(rt, ri->verb) && !*ri->subresource) {
		tas_resp_set(resp, 405, tas_status_method_not_allowed(rt->group, rt->resource, ri->verb));
		goto out;
	}
	if ((!strcmp(m, "PUT") || !strcmp(m, "PATCH")) && !*ri->name) {
		tas_resp_set(resp, 405, tas_status_method_not_allowed(rt->group, rt->resource, ri->verb));
		goto out;
	}
	if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
		if (watch)
			do_watch(s, rt, r, fmt, resp);
		else if (*ri->name && !ri->name_from_selector)
			do_get(s, rt, r, fmt, resp);
		else
			do_list(s, rt, r, fmt, resp);
	} else if (!strcmp(m, "POST")) {
		do_create(s, rt, r, resp);
	} else if (!strcmp(m, "PUT")) {
		do_update(s, rt, r, resp);
	} else if (!strcmp(m, "PATCH")) {
		do_patch(s, rt, r, resp);
	} else if (!strcmp(m, "DELETE")) {
		if (*ri->name && !ri->name_from_selector)
			do_delete(s, rt, r, resp);
		else
			do_delete_collection(s, rt, r, resp);
	} else {
		tas_resp_set(resp, 405, tas_status_method_not_allowed(rt->group, rt->resource, m));
	}
out:
	pthread_mutex_unlock(&s->store.mu);
}

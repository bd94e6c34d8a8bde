/* The read verbs, as paths and retry rules for the transport. The write
 * verbs are a library of their own (kube_write.c), linked only by the
 * launcher: a process without it has no function that writes. */
#include "kube_transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/log.h"

#define JSON_TYPE "application/json"
#define MERGE_PATCH_TYPE "application/merge-patch+json"

/* Builds the path and serialises the body, then starts the request. The
 * errors a caller can only make by a bug are logged, since nothing else
 * would show them. */
int mgo_kube__call(struct mgo_kube_client *c, const struct mgo_kube_call *call,
		   struct mgo_kube__spec *s, mgo_kube_done_fn done, void *ctx,
		   struct mgo_kube_req **out)
{
	char *path = NULL, err[160] = "";
	int rc;

	if (call->res)
		rc = mgo_kube_path(&path, call->res, call->ns, call->name, call->subresource,
				   call->query, err, sizeof(err));
	else
		rc = mgo_kube__raw_path(&path, call->path, call->query, err, sizeof(err));
	if (!rc && call->body) {
		s->body = json_dumps(call->body, JSON_COMPACT);
		if (!s->body)
			rc = -ENOMEM;
		else
			s->body_len = strlen(s->body);
	}
	if (rc) {
		if (err[0])
			mgo_error("kube.bad_request", "%s %s: %s", mgo_kube_verb_name(call->verb),
				  call->res ? call->res->resource : "path", err);
		free(s->body);
		free(path);
		return rc;
	}
	s->verb = call->verb;
	s->path = path;
	s->content_type = call->content_type ? call->content_type : JSON_TYPE;
	s->flags = call->flags;
	rc = mgo_kube__start(c, s, done, ctx, out);
	free(path);
	return rc;
}

int mgo_kube_request(struct mgo_kube_client *c, const struct mgo_kube_call *call,
		     mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out)
{
	struct mgo_kube__spec s = {.retry_safe = true};

	if (out)
		*out = NULL;
	if ((call->verb != MGO_KUBE_GET && call->verb != MGO_KUBE_LIST) || call->body ||
	    !call->res == !call->path)
		return -EINVAL;
	return mgo_kube__call(c, call, &s, done, ctx, out);
}

int mgo_kube_get(struct mgo_kube_client *c, const struct mgo_kube_resource *res, const char *ns,
		 const char *name, mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out)
{
	struct mgo_kube_call call = {.verb = MGO_KUBE_GET, .res = res, .ns = ns, .name = name};

	if (!name)
		return -EINVAL;
	return mgo_kube_request(c, &call, done, ctx, out);
}

static char *uint_str(char *buf, size_t len, unsigned v)
{
	snprintf(buf, len, "%u", v);
	return buf;
}

int mgo_kube_list(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		  const char *ns, const struct mgo_kube_list_opts *opts, mgo_kube_done_fn done,
		  void *ctx, struct mgo_kube_req **out)
{
	const struct mgo_kube_list_opts none = {0};
	char *page_path = NULL, err[160] = "";
	struct mgo_kube__spec s = {.retry_safe = true};
	int rc;

	if (out)
		*out = NULL;
	if (!opts)
		opts = &none;
	/* each page's URL adds its limit, and the first page's
	 * resourceVersion or a later page's continue token, which carries
	 * the snapshot (mgo_kube__page_url) */
	const char *const page_q[] = {"labelSelector", opts->label_selector, "fieldSelector",
				      opts->field_selector, NULL};
	struct mgo_kube_call call = {.verb = MGO_KUBE_LIST, .res = res, .ns = ns,
				     .query = page_q,
				     .flags = opts->flags & MGO_KUBE_F_SPEC_UNREAD};

	rc = mgo_kube_path(&page_path, res, ns, NULL, NULL, page_q, err, sizeof(err));
	if (rc) {
		mgo_error("kube.bad_request", "list: %s", err);
		return rc;
	}
	s.page_path = page_path;
	s.page_size = opts->page_size ? opts->page_size : 500;
	s.resource_version = opts->resource_version;
	s.on_page = opts->on_page;
	s.whole_list = !opts->on_page;
	rc = mgo_kube__call(c, &call, &s, done, ctx, out);
	free(page_path);
	return rc;
}

int mgo_kube_watch(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		   const char *ns, const struct mgo_kube_watch_opts *opts, mgo_kube_done_fn done,
		   void *ctx, struct mgo_kube_req **out)
{
	char timeout[16];
	struct mgo_kube__spec s = {0};

	if (out)
		*out = NULL;
	if (!opts || !opts->on_data)
		return -EINVAL;
	uint_str(timeout, sizeof(timeout), opts->timeout_s);
	const char *const q[] = {"watch", "true",
				 "labelSelector", opts->label_selector,
				 "fieldSelector", opts->field_selector,
				 "resourceVersion", opts->resource_version,
				 "allowWatchBookmarks", opts->bookmarks ? "true" : NULL,
				 "timeoutSeconds", opts->timeout_s ? timeout : NULL,
				 NULL};
	struct mgo_kube_call call = {.verb = MGO_KUBE_WATCH, .res = res, .ns = ns, .query = q};

	s.on_data = opts->on_data;
	s.idle_timeout_ms = opts->idle_timeout_ms;
	return mgo_kube__call(c, &call, &s, done, ctx, out);
}

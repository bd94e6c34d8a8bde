/* The write verbs of the Kubernetes client: a library only the launcher
 * links (docs/design.md, "Libraries"), so the watcher has none to call. */
#include "mgo/kube_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_transport.h"

#define MERGE_PATCH_TYPE "application/merge-patch+json"

int mgo_kube_write(struct mgo_kube_client *c, const struct mgo_kube_call *call,
		   mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out)
{
	struct mgo_kube__spec s = {0};

	if (out)
		*out = NULL;
	if ((call->verb != MGO_KUBE_CREATE && call->verb != MGO_KUBE_UPDATE &&
	     call->verb != MGO_KUBE_PATCH && call->verb != MGO_KUBE_DELETE) ||
	    !call->res == !call->path)
		return -EINVAL;
	return mgo_kube__call(c, call, &s, done, ctx, out);
}

int mgo_kube_create(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		    const char *ns, const json_t *obj, unsigned flags, mgo_kube_done_fn done,
		    void *ctx, struct mgo_kube_req **out)
{
	struct mgo_kube_call call = {.verb = MGO_KUBE_CREATE, .res = res, .ns = ns, .body = obj,
				     .flags = flags};

	if (!obj || (res && res->namespaced && !ns))
		return -EINVAL;
	return mgo_kube_write(c, &call, done, ctx, out);
}

int mgo_kube_merge_patch(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
			 const char *ns, const char *name, const char *subresource,
			 const json_t *patch, unsigned flags, mgo_kube_done_fn done, void *ctx,
			 struct mgo_kube_req **out)
{
	struct mgo_kube_call call = {.verb = MGO_KUBE_PATCH, .res = res, .ns = ns, .name = name,
				     .subresource = subresource, .body = patch,
				     .content_type = MERGE_PATCH_TYPE, .flags = flags};

	if (!name || !json_is_object(patch))
		return -EINVAL;
	return mgo_kube_write(c, &call, done, ctx, out);
}

int mgo_kube_delete(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		    const char *ns, const char *name, const struct mgo_kube_delete_opts *opts,
		    unsigned flags, mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out)
{
	static const char *const policies[] = {
		[MGO_KUBE_PROPAGATION_DEFAULT] = NULL,
		[MGO_KUBE_PROPAGATION_BACKGROUND] = "Background",
		[MGO_KUBE_PROPAGATION_FOREGROUND] = "Foreground",
		[MGO_KUBE_PROPAGATION_ORPHAN] = "Orphan",
	};
	const struct mgo_kube_delete_opts none = {0};
	struct mgo_kube_call call = {.verb = MGO_KUBE_DELETE, .res = res, .ns = ns, .name = name,
				     .flags = flags};
	struct mgo_kube__spec s = {0};
	json_t *body = NULL, *pre = NULL;
	int rc = -ENOMEM;

	if (out)
		*out = NULL;
	if (!opts)
		opts = &none;
	if (!name || (unsigned)opts->propagation >= sizeof(policies) / sizeof(policies[0]))
		return -EINVAL;
	body = json_pack("{s:s, s:s}", "kind", "DeleteOptions", "apiVersion", "v1");
	if (!body)
		goto out;
	if (policies[opts->propagation] &&
	    json_object_set_new(body, "propagationPolicy",
				json_string(policies[opts->propagation])) != 0)
		goto out;
	if (opts->uid || opts->resource_version) {
		pre = json_object();
		if (!pre || (opts->uid && json_object_set_new(pre, "uid",
							      json_string(opts->uid)) != 0) ||
		    (opts->resource_version &&
		     json_object_set_new(pre, "resourceVersion",
					 json_string(opts->resource_version)) != 0) ||
		    json_object_set(body, "preconditions", pre) != 0)
			goto out;
		/* a repeat can only delete that same object, or fail its
		 * precondition: as safe to retry as a GET */
		s.retry_safe = true;
	}
	call.body = body;
	rc = mgo_kube__call(c, &call, &s, done, ctx, out);
out:
	json_decref(pre);
	json_decref(body);
	return rc;
}

/* The write verbs of the Kubernetes client (mgo/kube.h). Only the launcher
 * links this library; the link-table test holds that (docs/design.md). */
#ifndef MGO_KUBE_WRITE_H
#define MGO_KUBE_WRITE_H

#include "mgo/kube.h"

/* Any write (CREATE, UPDATE, PATCH, DELETE) described as for
 * mgo_kube_request; other verbs are -EINVAL. */
int mgo_kube_write(struct mgo_kube_client *c, const struct mgo_kube_call *call,
		   mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out);

/* POST: never retried on a failure after it was sent (the object may exist);
 * MGO_KUBE_F_RETRY_CONNECT allows retries of connection failures. */
int mgo_kube_create(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		    const char *ns, const json_t *obj, unsigned flags, mgo_kube_done_fn done,
		    void *ctx, struct mgo_kube_req **out);
/* JSON merge patch (RFC 7386) of the object, or of its `subresource`
 * ("status") when not NULL. */
int mgo_kube_merge_patch(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
			 const char *ns, const char *name, const char *subresource,
			 const json_t *patch, unsigned flags, mgo_kube_done_fn done, void *ctx,
			 struct mgo_kube_req **out);

enum mgo_kube_propagation {
	MGO_KUBE_PROPAGATION_DEFAULT,   /* the resource's own default */
	MGO_KUBE_PROPAGATION_BACKGROUND,
	MGO_KUBE_PROPAGATION_FOREGROUND,
	MGO_KUBE_PROPAGATION_ORPHAN,
};
struct mgo_kube_delete_opts {
	enum mgo_kube_propagation propagation;
	const char *uid;                /* precondition, or NULL */
	const char *resource_version;   /* precondition, or NULL */
};
/* With a precondition the delete is retried like a GET (a repeat can only
 * delete that very object); without one it is not. `opts` may be NULL. */
int mgo_kube_delete(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		    const char *ns, const char *name, const struct mgo_kube_delete_opts *opts,
		    unsigned flags, mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out);

#endif

/* Between the request builders (kube_ops.c) and the transport (kube_client.c). */
#ifndef MGO_KUBE_TRANSPORT_H
#define MGO_KUBE_TRANSPORT_H

#include "mgo/kube.h"

/* What one request is, once its path and body are built. */
struct mgo_kube__spec {
	enum mgo_kube_verb verb;
	const char *path;               /* path and query; copied */
	const char *page_path;          /* LIST: later pages' path (no
					 * resourceVersion), "&continue=" is
					 * appended to it; copied */
	char *body;                     /* owned: moved into the request */
	size_t body_len;
	const char *content_type;       /* static string */
	unsigned flags;
	bool retry_safe;                /* GET-like: retried on 5xx and transport errors */
	mgo_kube_page_fn on_page;       /* LIST */
	bool whole_list;                /* LIST without on_page */
	mgo_kube_data_fn on_data;       /* WATCH */
	uint64_t idle_timeout_ms;       /* WATCH */
};

/* Takes the body in every case (freed on error). See mgo_kube_request. */
int mgo_kube__start(struct mgo_kube_client *c, struct mgo_kube__spec *s, mgo_kube_done_fn done,
		    void *ctx, struct mgo_kube_req **out);

/* "/version" plus query, for mgo_kube_call.path: absolute, no query, no
 * dot segments or escapes. Same contract as mgo_kube_path. */
int mgo_kube__raw_path(char **out, const char *path, const char *const *query, char *err,
		       size_t errlen);

#endif

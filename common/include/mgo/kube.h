/* A thin Kubernetes API client on libcurl's multi interface, driven by the
 * process's mgo_loop: every request and watch of a process shares one loop,
 * one connection pool and (where the server offers it) HTTP/2 multiplexing.
 *
 * Requests are asynchronous. Each ends with exactly one call of its `done`
 * callback, from mgo_loop_run(), unless it is cancelled first. Callbacks may
 * start and cancel other requests; they must not free the client.
 *
 * What the client does for every caller: a token bucket (queues, never
 * fails), Retry-After on 429, exponential backoff with jitter for retry-safe
 * requests on 5xx and transport errors, the bearer token re-read from its
 * file every minute, bounded JSON bodies, and Kubernetes `Status` errors
 * turned into a struct mgo_kube_error. Nothing it logs carries a credential. */
#ifndef MGO_KUBE_H
#define MGO_KUBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/loop.h"

struct mgo_kube_creds;  /* mgo/kubecreds.h */
struct mgo_kube_client;
struct mgo_kube_req;

/* Which collection a request talks to. The strings are borrowed and are
 * normally static constants. */
struct mgo_kube_resource {
	const char *group;      /* "" (or NULL) for the core group */
	const char *version;    /* "v1" */
	const char *resource;   /* lowercase plural: "pods", "mustgathers" */
	bool namespaced;
};

enum mgo_kube_verb {
	MGO_KUBE_GET,
	MGO_KUBE_LIST,
	MGO_KUBE_WATCH,
	MGO_KUBE_CREATE,        /* POST */
	MGO_KUBE_UPDATE,        /* PUT */
	MGO_KUBE_PATCH,
	MGO_KUBE_DELETE,
	MGO_KUBE_VERB_N,
};

/* "get", "list", ... as in RBAC and in metrics. */
const char *mgo_kube_verb_name(enum mgo_kube_verb v);

#define MGO_KUBE_REASON_MAX 64
#define MGO_KUBE_MESSAGE_MAX 1024

/* Why a request failed. An HTTP error status has errnum -EREMOTEIO and the
 * server's Status reason/message/code (or, when the body is not a Status, the
 * standard reason for the HTTP code: "NotFound", "Conflict"...). Anything
 * else failed here: errnum says what (-ETIMEDOUT, -ECONNREFUSED, -EMSGSIZE for
 * a body over the limit, -EBADMSG for a 2xx body that is not JSON, -EPROTO for
 * TLS, -EIO for other transport errors) and http_code is 0 unless a response
 * had started. */
struct mgo_kube_error {
	int errnum;
	long http_code;
	int code;               /* Status.code; the HTTP code when absent */
	int curl_code;          /* CURLcode of a transport failure, else 0 */
	char reason[MGO_KUBE_REASON_MAX];
	char message[MGO_KUBE_MESSAGE_MAX];
};

struct mgo_kube_result {
	long http_code;         /* 0: no response */
	json_t *body;           /* borrowed for the call (json_incref to keep); NULL
				 * when there was none or it was not JSON */
	const struct mgo_kube_error *error;     /* NULL on 2xx */
	unsigned attempts;      /* HTTP exchanges made, retries included */
};

typedef void (*mgo_kube_done_fn)(void *ctx, const struct mgo_kube_result *res);

/* ---- pure helpers (no I/O; exported for tests and for callers) ---- */

/* Builds "/api/v1/namespaces/NS/pods/NAME/SUB?k=v&..." (or /apis/GROUP/...).
 * `ns` NULL on a namespaced resource means all namespaces; it must be NULL on
 * a cluster-scoped one. `name` and `subresource` may be NULL (no sub without a
 * name). Names are percent-encoded and may not be "", "." or "..". `query` is
 * key, value, key, value, ..., NULL; a pair with a NULL value is left out;
 * values are percent-encoded. *out is the caller's to free(). Returns 0, or
 * -EINVAL with `err` saying which argument is wrong, or -ENOMEM. */
int mgo_kube_path(char **out, const struct mgo_kube_resource *r, const char *ns,
		  const char *name, const char *subresource, const char *const *query,
		  char *err, size_t errlen);

/* The reason Kubernetes uses for an HTTP code when there is no Status body
 * ("NotFound" for 404, "Expired" for 410...); "" for codes it has none for. */
const char *mgo_kube_reason_for_code(long http_code);

/* Fills *e for an HTTP error response: from `body` when it is a Status
 * object, else from the code. `body` is borrowed and may be NULL. */
void mgo_kube_error_from_response(struct mgo_kube_error *e, long http_code, const json_t *body);

/* Parses a Retry-After value in delta-seconds form (the form the API server
 * sends). Returns the seconds, or -1 for an absent, malformed or HTTP-date
 * value (the caller then falls back to its own backoff). */
long mgo_kube_parse_retry_after(const char *value);

#endif

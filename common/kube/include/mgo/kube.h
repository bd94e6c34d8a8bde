/* A thin Kubernetes API client on libcurl's multi interface, driven by the
 * process's mgo_loop: every request and watch of a process shares one loop,
 * one connection pool and (where the server offers it) HTTP/2 multiplexing.
 *
 * Requests are asynchronous. Each ends with exactly one call of its `done`
 * callback, from mgo_loop_run(), unless it is cancelled first. Callbacks may
 * start and cancel other requests; they must not free the client.
 *
 * What the client does for every caller: a token bucket (queues, never
 * fails), Retry-After on 429 (the request waits it out and nothing else
 * but MGO_KUBE_F_PRIORITY starts meanwhile), exponential backoff with jitter for retry-safe
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

/* How many elements of a List's top-level "items" array end within the
 * `len` bytes of `body`, a list response cut short at the client's cap:
 * how many objects a smaller page may ask for. A scan of untrusted bytes
 * that allocates nothing; what is not a List, or an "items" key written
 * with escapes, counts 0. */
size_t mgo_kube_list_items_within(const char *body, size_t len);

/* ---- the client ---- */

/* Zero fields take the defaults in brackets. */
struct mgo_kube_client_opts {
	double qps;                     /* [500] requests a second; < 0: unlimited */
	unsigned burst;                 /* [1000] */
	unsigned max_retries;           /* [8] retries after the first attempt */
	unsigned max_inflight;          /* [32] requests (watches aside) in flight
					 * at once; more wait their turn. Over
					 * HTTP/1.1 each is a connection. */
	uint64_t backoff_base_ms;       /* [250] */
	uint64_t backoff_cap_ms;        /* [30000] */
	uint64_t retry_after_cap_ms;    /* [120000] longest Retry-After obeyed */
	long connect_timeout_ms;        /* [10000] */
	long request_timeout_ms;        /* [60000] whole request; not for watches */
	long low_speed_time_s;          /* [30] abort below 1 byte/s that long; not
					 * for watches, which idle legitimately */
	size_t max_body;                /* [16 MiB] one response body */
	size_t max_list_bytes;          /* [256 MiB] a whole list, all pages */
	size_t max_object_body;         /* [32 MiB] a list page of one object:
					 * read only when that page is over
					 * max_body, so that the list can go
					 * past the object (docs/design.md,
					 * "Objects too large to read") */
	uint64_t token_reload_ms;       /* [60000] re-read of creds->token_file */
	const char *user_agent;         /* ["mgo/<version>"], copied */
};

/* Binds a client to `loop` and `creds`. Both are borrowed and must outlive
 * the client; the client re-reads creds->token_file into creds->token.
 * `opts` may be NULL. On error `err` says why. */
int mgo_kube_client_new(struct mgo_loop *loop, struct mgo_kube_creds *creds,
			const struct mgo_kube_client_opts *opts, struct mgo_kube_client **out,
			char *err, size_t errlen);
/* Cancels every request (no callbacks) and frees the client. Not from a
 * callback of the client. */
void mgo_kube_client_free(struct mgo_kube_client *c);

/* The loop it was bound to. */
struct mgo_loop *mgo_kube_client_loop(const struct mgo_kube_client *c);

/* Requests that have neither finished nor been cancelled. */
size_t mgo_kube_client_pending(const struct mgo_kube_client *c);

/* Flags for requests. */
/* A non-idempotent request (POST, PUT, PATCH, DELETE without preconditions)
 * whose connection failed before it was sent may be retried. */
#define MGO_KUBE_F_RETRY_CONNECT (1u << 0)
/* The caller vouches that repeating the request is harmless (an update
 * carrying a resourceVersion, say): retry it like a GET. */
#define MGO_KUBE_F_IDEMPOTENT (1u << 1)
/* The priority lane: sent at once, past the rate limit, the queue and the
 * cap on requests in flight, and taking no rate-limit token; a retry waits
 * its backoff, then goes at once too. For the few requests whose lateness
 * costs more than the load they add: the leader Lease's renewals, which
 * must never wait behind a backlog of act writes (launcher/lease.c). A flag
 * and not a second client: the same connections, token and counters, and
 * nothing a second client would add (its own TLS handshakes, token reloads
 * and metrics to merge). */
#define MGO_KUBE_F_PRIORITY (1u << 2)
/* What a response leaves out. No body this client hands out (a response,
 * a List's items, a watch event's object) carries metadata.managedFields:
 * nothing in the operator reads them, and a real API server adds them to
 * every object, where they are often its largest part after the spec. They
 * are parsed as null (mgo/json_prune.h) and cost no time in jansson.
 * MGO_KUBE_F_SPEC_UNREAD, and an informer's spec_unread, leave out the
 * spec too. */
/* The caller reads nothing of the spec of the object in the answer (of a
 * List: of each item). For the watcher and the launcher, which read a
 * Job's or a Pod's metadata and status only. */
#define MGO_KUBE_F_SPEC_UNREAD (1u << 3)
/* The caller reads nothing of a 2xx answer: its body is not parsed at all,
 * and `done` gets none. An error's Status is read as always. For the
 * launcher's Events and Job deletions, whose outcome is the code. Not for
 * a LIST. */
#define MGO_KUBE_F_BODY_UNREAD (1u << 4)

/* Any request. Exactly one of `res` (with ns/name/subresource, as for
 * mgo_kube_path) or `path` (absolute, no query: "/version") says where.
 * `body` is serialised at the call (borrowed only during it). WATCH goes
 * through mgo_kube_watch, the write verbs through mgo/kube_write.h. */
struct mgo_kube_call {
	enum mgo_kube_verb verb;
	const struct mgo_kube_resource *res;
	const char *ns, *name, *subresource;
	const char *path;
	const char *const *query;       /* key, value, ..., NULL */
	const json_t *body;
	const char *content_type;       /* [application/json] when there is a body */
	unsigned flags;
};

/* Every function that starts a request returns 0 and, when `out` is not
 * NULL, a handle valid until `done` returns or mgo_kube_cancel; or a
 * negative errno (with nothing started and `done` never called). `done` is
 * never called before the starting function has returned.
 * mgo_kube_request takes GET and LIST only, without a body (-EINVAL else). */
int mgo_kube_request(struct mgo_kube_client *c, const struct mgo_kube_call *call,
		     mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out);

int mgo_kube_get(struct mgo_kube_client *c, const struct mgo_kube_resource *res, const char *ns,
		 const char *name, mgo_kube_done_fn done, void *ctx, struct mgo_kube_req **out);

/* Called with each page of a paginated list (a borrowed List object); a
 * nonzero return stops the list, and `done` then reports that value as
 * error->errnum. */
typedef int (*mgo_kube_page_fn)(void *ctx, json_t *page);

struct mgo_kube_list_opts {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version;   /* first page only; NULL: most recent */
	unsigned page_size;             /* [500] `limit` */
	mgo_kube_page_fn on_page;       /* NULL: `done` gets the whole list */
	unsigned flags;                 /* MGO_KUBE_F_SPEC_UNREAD or 0 */
};
/* Lists `res` in `ns` (NULL: all namespaces), page by page with
 * limit/continue. With on_page, each page goes there and `done` gets no
 * body; without, `done` gets one List with every page's items (bounded by
 * max_list_bytes). An expired continue token ends the list with 410
 * "Expired": the caller lists again. `opts` may be NULL.
 * A page whose body is over max_body is asked for again from the same
 * continue token with half the limit, down to 1, and a page of one object
 * once more with max_object_body as the cap; the next pages double the
 * limit back up to page_size. Each page read smaller than asked is one
 * `kube.list_page_smaller` log line. */
int mgo_kube_list(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		  const char *ns, const struct mgo_kube_list_opts *opts, mgo_kube_done_fn done,
		  void *ctx, struct mgo_kube_req **out);

/* Receives a watch stream's bytes as they arrive (borrowed for the call),
 * only once the response is a 2xx. A nonzero return ends the stream, and
 * `done` then reports that value as error->errnum. */
typedef int (*mgo_kube_data_fn)(void *ctx, const char *data, size_t len);

struct mgo_kube_watch_opts {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version;
	unsigned timeout_s;             /* timeoutSeconds the server ends it after */
	bool bookmarks;                 /* allowWatchBookmarks */
	uint64_t idle_timeout_ms;       /* end it (-ETIMEDOUT) after this long
					 * without a byte; 0: never */
	mgo_kube_data_fn on_data;       /* required */
};
/* A watch is retried here only after a 429 (nothing was streamed yet);
 * otherwise `done` reports how it ended (a clean end is a 200 without error)
 * and the caller (the informer) decides what next. */
int mgo_kube_watch(struct mgo_kube_client *c, const struct mgo_kube_resource *res,
		   const char *ns, const struct mgo_kube_watch_opts *opts, mgo_kube_done_fn done,
		   void *ctx, struct mgo_kube_req **out);

/* Stops a request: its `done` is not called and the handle is gone. Not for
 * a request whose `done` has started. */
void mgo_kube_cancel(struct mgo_kube_req *r);

/* Counters for metrics. Each HTTP exchange (retries included) counts once
 * under its verb and status code; code 0 means no response. */
#define MGO_KUBE_STATS_CODES 48
struct mgo_kube_count {
	enum mgo_kube_verb verb;
	long code;
	uint64_t n;
};
struct mgo_kube_stats {
	struct mgo_kube_count by_code[MGO_KUBE_STATS_CODES];
	size_t n_by_code;
	uint64_t uncounted;             /* exchanges that found no free row */
	uint64_t retries;
	uint64_t throttled;             /* attempts that waited for the rate limit
					 * or for a free slot (max_inflight) */
	uint64_t token_reloads;         /* times the token file brought a new token */
};
const struct mgo_kube_stats *mgo_kube_client_stats(const struct mgo_kube_client *c);
/* Exchanges counted for (verb, code). */
uint64_t mgo_kube_stats_count(const struct mgo_kube_stats *s, enum mgo_kube_verb verb, long code);
/* Copies the counts into m's mgo_kube_requests_total (mgo/metrics.h). */
struct mgo_metrics;
void mgo_kube_stats_to_metrics(const struct mgo_kube_stats *s, struct mgo_metrics *m);

#endif

/* Between the request builders (kube_ops.c), the transport
 * (kube_client.c: curl, the loop, queueing) and what an attempt's end
 * means (kube_retry.c: retry, fail or hand out). Not public API. */
#ifndef MGO_KUBE_TRANSPORT_H
#define MGO_KUBE_TRANSPORT_H

#include <curl/curl.h>

#include "mgo/backoff.h"
#include "mgo/kube.h"
#include "mgo/kubecreds.h"
#include "mgo/ratelimit.h"

/* What one request is, once its path and body are built. */
struct mgo_kube__spec {
	enum mgo_kube_verb verb;
	const char *path;               /* path and query; copied */
	const char *page_path;          /* LIST: the pages' path with the
					 * selectors only: each page's URL adds
					 * its limit and the first page's
					 * resourceVersion or the continue
					 * token (mgo_kube__page_url); copied */
	unsigned page_size;             /* LIST: `limit` */
	const char *resource_version;   /* LIST: of the first page; copied */
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
/* Builds the call's path and body into s, then starts it (kube_ops.c). */
int mgo_kube__call(struct mgo_kube_client *c, const struct mgo_kube_call *call,
		   struct mgo_kube__spec *s, mgo_kube_done_fn done, void *ctx,
		   struct mgo_kube_req **out);

int mgo_kube__start(struct mgo_kube_client *c, struct mgo_kube__spec *s, mgo_kube_done_fn done,
		    void *ctx, struct mgo_kube_req **out);

struct dlist {
	struct dlist *prev, *next;
};

enum req_state {
	REQ_IDLE,               /* between attempts, or not started */
	REQ_QUEUED,             /* waiting for a rate-limit token or a slot */
	REQ_RUNNING,            /* in the curl multi */
	REQ_BACKOFF,            /* waiting to retry */
	REQ_DONE,
};

struct mgo_kube_client {
	struct mgo_loop *loop;
	struct mgo_kube_creds *creds;
	struct mgo_kube_client_opts o;
	char *user_agent;
	char *base;                     /* server URL, no trailing '/' */
	struct curl_slist *connect_to;  /* tls_server_name -> real host */
	struct curl_slist *resolve;     /* creds->resolve: names resolved before the sandbox */
	CURLM *multi;
	struct mgo_timer *curl_timer, *queue_timer, *token_timer;
	struct mgo_ratelimit rl;
	/* the server's Retry-After on a 429 (API Priority and Fairness):
	 * nothing but priority requests starts before this mgo_now_ms() */
	uint64_t not_before_ms;
	struct mgo_rng rng;
	struct dlist reqs;              /* every live request */
	struct dlist queue;             /* REQ_QUEUED, in order */
	struct dlist ready;             /* streams with bytes to hand out */
	struct dlist socks;
	size_t n_reqs;
	unsigned inflight;              /* non-watch requests in the multi */
	bool tls;                       /* https:// */
	bool global_init;
	struct mgo_kube_stats stats;
};

struct mgo_kube_req {
	struct mgo_kube_client *c;
	struct dlist all, qlink, rlink;
	enum req_state state;
	enum mgo_kube_verb verb;
	unsigned flags;
	bool retry_safe;
	char *url;                      /* this attempt's */
	/* A LIST reads page by page. A page over max_body is asked for again
	 * from the same place with half the limit, down to one object; a
	 * page of one over it once more with max_object_body as the cap;
	 * after a page that fitted the limit doubles back towards page_size
	 * (docs/design.md, "Objects too large to read"). */
	char *page_url;                 /* the pages' URL, selectors only */
	char *first_rv;                 /* escaped resourceVersion of the first page */
	char *cont;                     /* escaped continue token of this page; NULL: first */
	unsigned page_size, limit;      /* asked for; this page's */
	unsigned shrunk_from;           /* this page's limit before it was cut; 0: not cut */
	size_t cap;                     /* this attempt's body cap (max_body unless raised) */
	char *log_path;                 /* path without query, for logs */
	char *body;
	size_t body_len;
	CURL *easy;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];

	char *resp;                     /* body so far; for a stream, bytes not yet handed out */
	size_t resp_len, resp_cap;
	int abort_errnum;               /* why on_write stopped the transfer */
	bool code_known;                /* this attempt's status was looked at */
	bool streaming;                 /* 2xx stream: bytes go to on_data */

	mgo_kube_data_fn on_data;
	uint64_t idle_ms;
	struct mgo_timer *idle_timer;
	mgo_kube_page_fn on_page;
	bool whole;
	json_t *merged;
	size_t list_bytes;

	unsigned attempts;              /* HTTP exchanges, all pages */
	unsigned retries;               /* of the current page */
	bool reauthed;                  /* a 401 made it re-read the token file */
	struct mgo_timer *retry_timer;
	uint64_t attempt_start;

	mgo_kube_done_fn done;
	void *ctx;
	bool dispatching;               /* a callback of this request is running */
	bool cancelled;
};

/* Counts one HTTP exchange (code 0: no response) for the metrics. */
void mgo_kube__count(struct mgo_kube_client *c, enum mgo_kube_verb verb, long code);
/* Starts the attempt now or queues it for the rate limit / a free slot. */
int mgo_kube__submit(struct mgo_kube_req *r);
/* Lets curl put requests just started on the wire now, from outside any
 * curl callback, instead of at the loop's next turn (kube_retry.c's
 * list_page, before the consumer digests a page). */
void mgo_kube__kick(struct mgo_kube_client *c);
/* Calls `done` once (body and err borrowed) and frees the request. */
void mgo_kube__finish(struct mgo_kube_req *r, long http_code, json_t *body,
		      const struct mgo_kube_error *err);
/* mgo_kube__finish with an error made here (not by the server). */
void mgo_kube__fail(struct mgo_kube_req *r, int errnum, long http_code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void mgo_kube__free_req(struct mgo_kube_req *r);
/* The attempt left the multi with `res`: retry it, or finish the request
 * (a LIST may go on to its next page). */
void mgo_kube__attempt_done(struct mgo_kube_req *r, CURLcode res);

/* Sets r->url to the current page's: page_url, limit, and the first
 * page's resourceVersion or the continue token. 0 or -ENOMEM. */
int mgo_kube__page_url(struct mgo_kube_req *r);

/* "/version" plus query, for mgo_kube_call.path: absolute, no query, no
 * dot segments or escapes. Same contract as mgo_kube_path. */
int mgo_kube__raw_path(char **out, const char *path, const char *const *query, char *err,
		       size_t errlen);

#endif

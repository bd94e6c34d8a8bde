/* The transport: libcurl's multi interface driven by the mgo_loop (curl's
 * sockets become loop fd watches, its one timeout a loop timer), a token
 * bucket and a cap on requests in flight in front, the retry rules
 * (kube_retry.c) behind.
 *
 * No user callback ever runs inside a libcurl callback: libcurl refuses
 * multi calls from there, and a consumer reacting to an event will want to
 * start or cancel requests. Bytes are collected in the write callback and
 * handed out after curl_multi_socket_action() returns (drain_ready), then
 * finished transfers are read (curl_multi_info_read) and their `done` run. */
#include "kube_transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/backoff.h"
#include "mgo/kubecreds.h"
#include "mgo/log.h"
#include "mgo/ratelimit.h"

/* One socket curl asked us to watch (curl's per-socket pointer). */
struct sock {
	struct mgo_kube_client *c;
	struct mgo_watch *w;
	struct dlist link;
};

static void dl_init(struct dlist *n)
{
	n->prev = n->next = n;
}

static bool dl_empty(const struct dlist *h)
{
	return h->next == h;
}

static void dl_add_tail(struct dlist *h, struct dlist *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

/* Leaves the node linked to itself, so a second removal is harmless. */
static void dl_del(struct dlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	dl_init(n);
}

#define REQ_OF(ptr, member)                                                                \
	((struct mgo_kube_req *)((char *)(ptr) - offsetof(struct mgo_kube_req, member)))

/* qps and burst: enough for 50 MustGathers a second (about 4 requests a
 * launch, 5 a finish: bench/REPORT.md); the server's Priority and Fairness
 * is what protects it, and its 429s pause the whole client (kube_retry.c). */
static const struct mgo_kube_client_opts defaults = {
	.qps = 500,
	.burst = 1000,
	.max_retries = 8,
	.max_inflight = 32,
	.backoff_base_ms = 250,
	.backoff_cap_ms = 30000,
	.retry_after_cap_ms = 120000,
	.connect_timeout_ms = 10000,
	.request_timeout_ms = 60000,
	.low_speed_time_s = 30,
	.max_body = 16u << 20,
	.max_list_bytes = 256u << 20,
	.max_object_body = 32u << 20,
	.token_reload_ms = 60000,
	.user_agent = "mgo",
};

/* ---- stats ---- */

void mgo_kube__count(struct mgo_kube_client *c, enum mgo_kube_verb verb, long code)
{
	struct mgo_kube_stats *s = &c->stats;

	for (size_t i = 0; i < s->n_by_code; i++) {
		if (s->by_code[i].verb == verb && s->by_code[i].code == code) {
			s->by_code[i].n++;
			return;
		}
	}
	if (s->n_by_code == MGO_KUBE_STATS_CODES) {
		s->uncounted++;
		return;
	}
	s->by_code[s->n_by_code++] = (struct mgo_kube_count){.verb = verb, .code = code, .n = 1};
}

uint64_t mgo_kube_stats_count(const struct mgo_kube_stats *s, enum mgo_kube_verb verb, long code)
{
	for (size_t i = 0; i < s->n_by_code; i++)
		if (s->by_code[i].verb == verb && s->by_code[i].code == code)
			return s->by_code[i].n;
	return 0;
}

const struct mgo_kube_stats *mgo_kube_client_stats(const struct mgo_kube_client *c)
{
	return &c->stats;
}

struct mgo_loop *mgo_kube_client_loop(const struct mgo_kube_client *c)
{
	return c->loop;
}

size_t mgo_kube_client_pending(const struct mgo_kube_client *c)
{
	return c->n_reqs;
}

/* ---- request lifetime ---- */

/* A request left the multi: whoever waits for its slot may go. */
static void leave_multi(struct mgo_kube_req *r)
{
	struct mgo_kube_client *c = r->c;

	if (r->state != REQ_RUNNING)
		return;
	curl_multi_remove_handle(c->multi, r->easy);
	r->state = REQ_IDLE;
	if (r->on_data)
		return;
	c->inflight--;
	if (!dl_empty(&c->queue) && !mgo_timer_armed(c->queue_timer))
		mgo_timer_start(c->queue_timer, 0);
}

/* Takes the request out of whatever it is waiting in. */
static void detach(struct mgo_kube_req *r)
{
	leave_multi(r);
	dl_del(&r->qlink);
	dl_del(&r->rlink);
	if (r->retry_timer)
		mgo_timer_stop(r->retry_timer);
	if (r->idle_timer)
		mgo_timer_stop(r->idle_timer);
	r->state = REQ_DONE;
}

void mgo_kube__free_req(struct mgo_kube_req *r)
{
	detach(r);
	dl_del(&r->all);
	r->c->n_reqs--;
	mgo_timer_remove(r->retry_timer);
	mgo_timer_remove(r->idle_timer);
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	json_decref(r->merged);
	free(r->resp);
	free(r->body);
	free(r->log_path);
	curl_free(r->cont);
	curl_free(r->first_rv);
	free(r->page_url);
	free(r->url);
	free(r);
}

void mgo_kube_cancel(struct mgo_kube_req *r)
{
	if (!r || r->cancelled)
		return;
	r->cancelled = true;
	detach(r);
	/* inside one of its own callbacks: the dispatcher frees it after */
	if (!r->dispatching)
		mgo_kube__free_req(r);
}

/* Calls `done` once and frees the request. */
void mgo_kube__finish(struct mgo_kube_req *r, long http_code, json_t *body,
		   const struct mgo_kube_error *err)
{
	struct mgo_kube_result res = {.http_code = http_code, .body = body, .error = err,
				      .attempts = r->attempts};

	detach(r);
	r->dispatching = true;
	r->done(r->ctx, &res);
	mgo_kube__free_req(r);
}

void mgo_kube__fail(struct mgo_kube_req *r, int errnum, long http_code, const char *fmt, ...)
{
	struct mgo_kube_error e = {.errnum = errnum, .http_code = http_code,
				   .code = (int)http_code};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	mgo_log_kv(MGO_LOG_DEBUG, __func__, "kube.request_failed", "{s:s, s:s, s:i, s:s}", "verb",
		   mgo_kube_verb_name(r->verb), "path", r->log_path, "errno", -errnum, "error",
		   e.message);
	mgo_kube__finish(r, http_code, NULL, &e);
}

/* ---- curl glue ---- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct mgo_kube_req *r = ud;
	struct mgo_kube_client *c = r->c;
	size_t n = size * nmemb;

	if (r->idle_timer)
		mgo_timer_start(r->idle_timer, r->idle_ms);
	if (!r->code_known) {
		long code = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
		r->code_known = true;
		r->streaming = r->on_data && code >= 200 && code < 300;
	}
	/* a stream is drained after every socket action, so this bounds what
	 * one action may deliver, not the stream */
	if (n > r->cap - r->resp_len) {
		r->abort_errnum = -EMSGSIZE;
		return 0;
	}
	if (r->resp_len + n > r->resp_cap) {
		size_t ncap = r->resp_cap ? r->resp_cap : 16384;
		while (ncap < r->resp_len + n)
			ncap *= 2;
		char *p = realloc(r->resp, ncap);
		if (!p) {
			r->abort_errnum = -ENOMEM;
			return 0;
		}
		r->resp = p;
		r->resp_cap = ncap;
	}
	memcpy(r->resp + r->resp_len, data, n);
	r->resp_len += n;
	if (r->streaming && dl_empty(&r->rlink))
		dl_add_tail(&c->ready, &r->rlink);
	return n;
}

static void on_sock_io(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx);

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct mgo_kube_client *c = userp;
	struct sock *sk = socketp;
	short ev = (short)(((what & CURL_POLL_IN) ? MGO_POLLIN : 0) |
			   ((what & CURL_POLL_OUT) ? MGO_POLLOUT : 0));

	if (what == CURL_POLL_REMOVE) {
		if (sk) {
			mgo_watch_remove(sk->w);
			dl_del(&sk->link);
			free(sk);
		}
		return 0;
	}
	if (sk) {
		mgo_watch_set_events(sk->w, ev);
		return 0;
	}
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return -1;
	sk->c = c;
	if (mgo_loop_add_fd(c->loop, s, ev, on_sock_io, sk, &sk->w) != 0 ||
	    curl_multi_assign(c->multi, s, sk) != CURLM_OK) {
		if (sk->w)
			mgo_watch_remove(sk->w);
		free(sk);
		return -1;
	}
	dl_add_tail(&c->socks, &sk->link);
	return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct mgo_kube_client *c = userp;

	if (timeout_ms < 0)
		mgo_timer_stop(c->curl_timer);
	else
		mgo_timer_start(c->curl_timer, (uint64_t)timeout_ms);
	return 0;
}

/* ---- attempts ---- */

static int start_attempt(struct mgo_kube_req *r)
{
	struct mgo_kube_client *c = r->c;
	const char *token = c->creds->token;
	CURLcode cr;

	r->resp_len = 0;
	r->abort_errnum = 0;
	r->code_known = false;
	r->streaming = false;
	r->errbuf[0] = '\0';
	cr = curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	/* set per attempt: a token re-read from its file is used from the
	 * next attempt on. curl keeps its own copy. */
	if (!cr)
		cr = curl_easy_setopt(r->easy, CURLOPT_HTTPAUTH,
				      token && *token ? CURLAUTH_BEARER : CURLAUTH_NONE);
	if (!cr)
		cr = curl_easy_setopt(r->easy, CURLOPT_XOAUTH2_BEARER,
				      token && *token ? token : NULL);
	if (cr)
		return -ENOMEM;
	if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK)
		return -ENOMEM;
	r->state = REQ_RUNNING;
	if (!r->on_data)
		c->inflight++;
	r->attempts++;
	r->attempt_start = mgo_now_ms();
	if (r->idle_timer)
		mgo_timer_start(r->idle_timer, r->idle_ms);
	return 0;
}

static void on_queue_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_kube_client *c = ctx;

	while (!dl_empty(&c->queue)) {
		struct mgo_kube_req *r = REQ_OF(c->queue.next, qlink);
		/* no free slot: the next request to finish calls us again */
		if (!r->on_data && c->inflight >= c->o.max_inflight)
			return;
		uint64_t now = mgo_now_ms();
		if (now < c->not_before_ms) {
			mgo_timer_start(c->queue_timer, c->not_before_ms - now);
			return;
		}
		uint64_t wait = mgo_ratelimit_take(&c->rl, now);
		if (wait) {
			mgo_timer_start(c->queue_timer, wait);
			return;
		}
		dl_del(&r->qlink);
		r->state = REQ_IDLE;
		int rc = start_attempt(r);
		if (rc)
			mgo_kube__fail(r, rc, 0, "cannot start the request");
	}
}

/* Starts the attempt now, or queues it behind the rate limit and the cap
 * on requests in flight (watches do not count: each holds a connection
 * for minutes, and they are few). MGO_KUBE_F_PRIORITY skips both. */
int mgo_kube__submit(struct mgo_kube_req *r)
{
	struct mgo_kube_client *c = r->c;
	bool slot = r->on_data || c->inflight < c->o.max_inflight;
	uint64_t wait = 0;

	/* counted in flight like any other, so it may take the cap one over
	 * for a moment: the queue then waits for it too */
	if (r->flags & MGO_KUBE_F_PRIORITY)
		return start_attempt(r);
	uint64_t now = mgo_now_ms();
	bool paused = now < c->not_before_ms;
	if (dl_empty(&c->queue) && slot && !paused &&
	    (wait = mgo_ratelimit_take(&c->rl, now)) == 0)
		return start_attempt(r);
	dl_add_tail(&c->queue, &r->qlink);
	r->state = REQ_QUEUED;
	c->stats.throttled++;
	if (paused)
		wait = c->not_before_ms - now;
	if (slot && !mgo_timer_armed(c->queue_timer))
		mgo_timer_start(c->queue_timer, wait ? wait : 1);
	return 0;
}

/* A stream the consumer or the idle timer ended. */
static void end_stream(struct mgo_kube_req *r, int errnum, const char *why)
{
	long code = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->state == REQ_RUNNING)
		mgo_kube__count(r->c, r->verb, code);
	mgo_kube__fail(r, errnum, code, "%s", why);
}

static void on_idle(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	end_stream(ctx, -ETIMEDOUT, "no data within the idle timeout");
}

static void drain_ready(struct mgo_kube_client *c)
{
	while (!dl_empty(&c->ready)) {
		struct mgo_kube_req *r = REQ_OF(c->ready.next, rlink);
		dl_del(&r->rlink);
		if (!r->resp_len)
			continue;
		r->dispatching = true;
		int rc = r->on_data(r->ctx, r->resp, r->resp_len);
		r->dispatching = false;
		r->resp_len = 0;
		if (r->cancelled)
			mgo_kube__free_req(r);
		else if (rc)
			end_stream(r, rc, "stream stopped by its consumer");
	}
}

static void process(struct mgo_kube_client *c)
{
	CURLMsg *m;
	int left;

	drain_ready(c);
	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *easy = m->easy_handle;
		CURLcode res = m->data.result;
		char *priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		struct mgo_kube_req *r = (struct mgo_kube_req *)priv;
		/* removing it also drops any other message of it; `m` is dead now */
		leave_multi(r);
		mgo_kube__attempt_done(r, res);
	}
}

static void on_sock_io(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct sock *sk = ctx;
	struct mgo_kube_client *c = sk->c; /* sk may be freed by the action */
	int mask = ((revents & MGO_POLLIN) ? CURL_CSELECT_IN : 0) |
		   ((revents & MGO_POLLOUT) ? CURL_CSELECT_OUT : 0) |
		   ((revents & MGO_POLLERR) ? CURL_CSELECT_ERR : 0);
	int running;

	curl_multi_socket_action(c->multi, fd, mask, &running);
	process(c);
}

void mgo_kube__kick(struct mgo_kube_client *c)
{
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	/* bytes a stream got meanwhile are handed out at the next turn (the
	 * caller is inside process(), past its drain_ready) */
	if (!dl_empty(&c->ready))
		mgo_timer_start(c->curl_timer, 0);
}

static void on_curl_timeout(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_kube_client *c = ctx;
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	process(c);
}

static void on_token_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_kube_client *c = ctx;
	bool changed = false;
	char err[256] = "";

	if (mgo_kube_creds_reload_token(c->creds, &changed, err, sizeof(err)) != 0)
		mgo_warn("kube.token_reload_failed", "keeping the current token: %s", err);
	else if (changed) {
		c->stats.token_reloads++;
		mgo_info("kube.token_reloaded", "the token file holds a new token");
	}
	mgo_timer_start(t, c->o.token_reload_ms);
}

/* ---- setting up ---- */

#define SETOPT(opt, val)                                                                   \
	do {                                                                               \
		if (!cr)                                                                   \
			cr = curl_easy_setopt(e, opt, val);                                \
	} while (0)

static int setup_easy(struct mgo_kube_req *r, const char *content_type)
{
	struct mgo_kube_client *c = r->c;
	struct mgo_kube_creds *cred = c->creds;
	CURL *e = curl_easy_init();
	CURLcode cr = CURLE_OK;
	static const char *const methods[MGO_KUBE_VERB_N] = {
		[MGO_KUBE_UPDATE] = "PUT",
		[MGO_KUBE_PATCH] = "PATCH", [MGO_KUBE_DELETE] = "DELETE",
	};
	char ctype[128];

	if (!e)
		return -ENOMEM;
	r->easy = e;
	SETOPT(CURLOPT_PRIVATE, r);
	SETOPT(CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(CURLOPT_WRITEDATA, r);
	SETOPT(CURLOPT_ERRORBUFFER, r->errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* many requests at start-up share one HTTP/2 connection instead of
	 * each opening its own. Over TLS, ALPN settles at the handshake whether
	 * the connection multiplexes; over plain HTTP curl learns that too late
	 * and a request would wait behind a watch that never ends. */
	if (c->tls)
		SETOPT(CURLOPT_PIPEWAIT, 1L);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_TCP_KEEPIDLE, 30L);
	SETOPT(CURLOPT_TCP_KEEPINTVL, 10L);
	SETOPT(CURLOPT_USERAGENT, c->user_agent);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "gzip");
	if (!r->on_data) {
		/* a watch idles legitimately between events: it relies on its
		 * timeoutSeconds, bookmarks and our idle timer instead */
		SETOPT(CURLOPT_TIMEOUT_MS, c->o.request_timeout_ms);
		SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SETOPT(CURLOPT_LOW_SPEED_TIME, c->o.low_speed_time_s);
	}
	if (cred->ca_pem) {
		struct curl_blob ca = {cred->ca_pem, cred->ca_len, CURL_BLOB_NOCOPY};
		SETOPT(CURLOPT_CAINFO_BLOB, &ca);
		/* trust that CA only, not also the system's directory */
		SETOPT(CURLOPT_CAPATH, NULL);
	}
	if (cred->insecure) {
		SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cred->cert_pem && cred->key_pem) {
		struct curl_blob cert = {cred->cert_pem, cred->cert_len, CURL_BLOB_NOCOPY};
		struct curl_blob key = {cred->key_pem, cred->key_len, CURL_BLOB_NOCOPY};
		SETOPT(CURLOPT_SSLCERT_BLOB, &cert);
		SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
		SETOPT(CURLOPT_SSLKEY_BLOB, &key);
		SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (c->connect_to)
		SETOPT(CURLOPT_CONNECT_TO, c->connect_to);
	if (c->resolve)
		SETOPT(CURLOPT_RESOLVE, c->resolve);
	if (methods[r->verb])
		SETOPT(CURLOPT_CUSTOMREQUEST, methods[r->verb]);
	if (r->body) {
		SETOPT(CURLOPT_POSTFIELDS, r->body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
	} else {
		SETOPT(CURLOPT_HTTPGET, 1L);
	}
	if (cr)
		return -EINVAL;

	snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
	/* "Expect:" drops the 100-continue round trip before large bodies */
	const char *const lines[] = {"Accept: application/json", "Expect:", r->body ? ctype : NULL};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && lines[i]; i++) {
		struct curl_slist *h = curl_slist_append(r->headers, lines[i]);
		if (!h)
			return -ENOMEM;
		r->headers = h;
	}
	if (curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers) != CURLE_OK)
		return -EINVAL;
	return 0;
}

#undef SETOPT

int mgo_kube__start(struct mgo_kube_client *c, struct mgo_kube__spec *s, mgo_kube_done_fn done,
		    void *ctx, struct mgo_kube_req **out)
{
	struct mgo_kube_req *r = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!done || !s->path || (s->verb == MGO_KUBE_WATCH) != (s->on_data != NULL)) {
		free(s->body);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		free(s->body);
		return -ENOMEM;
	}
	r->c = c;
	dl_init(&r->all);
	dl_init(&r->qlink);
	dl_init(&r->rlink);
	dl_add_tail(&c->reqs, &r->all);
	c->n_reqs++;
	r->verb = s->verb;
	r->flags = s->flags;
	r->retry_safe = s->retry_safe || (s->flags & MGO_KUBE_F_IDEMPOTENT);
	r->body = s->body;
	r->body_len = s->body_len;
	s->body = NULL;
	r->on_data = s->on_data;
	r->idle_ms = s->idle_timeout_ms;
	r->on_page = s->on_page;
	r->whole = s->whole_list;
	r->done = done;
	r->ctx = ctx;
	r->cap = c->o.max_body;
	r->page_size = r->limit = s->page_size;
	rc = -ENOMEM;
	if (asprintf(&r->url, "%s%s", c->base, s->path) < 0) {
		r->url = NULL;
		goto out;
	}
	if (s->page_path) {
		if (asprintf(&r->page_url, "%s%s", c->base, s->page_path) < 0) {
			r->page_url = NULL;
			goto out;
		}
		if (s->resource_version &&
		    !(r->first_rv = curl_easy_escape(NULL, s->resource_version, 0)))
			goto out;
		if ((rc = mgo_kube__page_url(r)))
			goto out;
		rc = -ENOMEM;
	}
	r->log_path = strndup(s->path, strcspn(s->path, "?"));
	if (!r->log_path)
		goto out;
	if (r->idle_ms && mgo_timer_new(c->loop, on_idle, r, &r->idle_timer) != 0)
		goto out;
	rc = setup_easy(r, s->content_type ? s->content_type : "application/json");
	if (rc)
		goto out;
	rc = mgo_kube__submit(r);
out:
	if (rc) {
		mgo_kube__free_req(r);
		return rc;
	}
	if (out)
		*out = r;
	return 0;
}

/* The server URL as requests use it: no trailing '/', and with
 * tls_server_name the host replaced by that name, which CONNECT_TO then maps
 * back to the real address, so the certificate is checked against the name
 * (curl has no option to verify against another name than the URL's). */
static int setup_base(struct mgo_kube_client *c, char *err, size_t errlen)
{
	struct mgo_kube_creds *cred = c->creds;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *query = NULL, *url = NULL;
	char *entry = NULL;
	int rc = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, cred->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_NO_QUERY) {
		snprintf(err, errlen, "server is not an http(s) URL without a query");
		goto out;
	}
	c->tls = strcmp(scheme, "https") == 0;
	if (cred->tls_server_name && *cred->tls_server_name) {
		if (strspn(cred->tls_server_name, "abcdefghijklmnopqrstuvwxyz"
						  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		    strlen(cred->tls_server_name)) {
			snprintf(err, errlen, "tls-server-name is not a host name");
			goto out;
		}
		if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
		    curl_url_set(u, CURLUPART_HOST, cred->tls_server_name, 0) != CURLUE_OK) {
			snprintf(err, errlen, "cannot apply tls-server-name to the server URL");
			goto out;
		}
		rc = -ENOMEM;
		if (asprintf(&entry, "%s:%s:%s:%s", cred->tls_server_name, port, host, port) < 0) {
			entry = NULL;
			goto out;
		}
		c->connect_to = curl_slist_append(NULL, entry);
		if (!c->connect_to)
			goto out;
	}
	rc = -ENOMEM;
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		goto out;
	size_t len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	c->base = strndup(url, len);
	if (!c->base)
		goto out;
	rc = 0;
out:
	free(entry);
	curl_free(url);
	curl_free(query);
	curl_free(port);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

static void apply_defaults(struct mgo_kube_client_opts *o, const struct mgo_kube_client_opts *in)
{
	*o = in ? *in : defaults;
#define DEF(f)                                                                             \
	do {                                                                               \
		if (!o->f)                                                                 \
			o->f = defaults.f;                                                 \
	} while (0)
	DEF(qps);
	DEF(burst);
	DEF(max_retries);
	DEF(max_inflight);
	DEF(backoff_base_ms);
	DEF(backoff_cap_ms);
	DEF(retry_after_cap_ms);
	DEF(connect_timeout_ms);
	DEF(request_timeout_ms);
	DEF(low_speed_time_s);
	DEF(max_body);
	DEF(max_list_bytes);
	DEF(max_object_body);
	DEF(token_reload_ms);
	DEF(user_agent);
#undef DEF
}

int mgo_kube_client_new(struct mgo_loop *loop, struct mgo_kube_creds *creds,
			const struct mgo_kube_client_opts *opts, struct mgo_kube_client **out,
			char *err, size_t errlen)
{
	struct mgo_kube_client *c = NULL;
	int rc = -EINVAL;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!loop || !creds || !creds->server) {
		snprintf(err, errlen, "no loop, credentials or server");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->creds = creds;
	dl_init(&c->reqs);
	dl_init(&c->queue);
	dl_init(&c->ready);
	dl_init(&c->socks);
	apply_defaults(&c->o, opts);
	mgo_rng_seed(&c->rng);
	mgo_ratelimit_init(&c->rl, c->o.qps, c->o.burst, mgo_now_ms());
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		goto out;
	}
	c->global_init = true;
	rc = setup_base(c, err, errlen);
	if (rc)
		goto out;
	/* the addresses the process resolved before its sandbox, which refuses
	 * the resolver's datagram sockets (mgo/sandbox.h): libcurl keeps
	 * CURLOPT_RESOLVE entries in its DNS cache for good */
	for (size_t i = 0; creds->resolve && creds->resolve[i]; i++) {
		struct curl_slist *l = curl_slist_append(c->resolve, creds->resolve[i]);
		if (!l) {
			rc = -ENOMEM;
			goto out;
		}
		c->resolve = l;
	}
	rc = -ENOMEM;
	c->user_agent = strdup(c->o.user_agent);
	c->o.user_agent = c->user_agent;
	c->multi = curl_multi_init();
	if (!c->user_agent || !c->multi)
		goto out;
	if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK)
		goto out;
	if ((rc = mgo_timer_new(loop, on_curl_timeout, c, &c->curl_timer)) ||
	    (rc = mgo_timer_new(loop, on_queue_timer, c, &c->queue_timer)))
		goto out;
	if (creds->token_file) {
		rc = mgo_timer_new(loop, on_token_timer, c, &c->token_timer);
		if (rc)
			goto out;
		mgo_timer_start(c->token_timer, c->o.token_reload_ms);
	}
	if (creds->insecure)
		mgo_warn("kube.insecure", "the API server's certificate is not verified");
	if (!c->tls && creds->token)
		mgo_warn("kube.plaintext", "the bearer token goes to %s unencrypted", c->base);
	rc = 0;
out:
	if (rc) {
		if (errlen && (!err[0] || rc == -ENOMEM))
			snprintf(err, errlen, "cannot set up the client: %s", strerror(-rc));
		mgo_kube_client_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void mgo_kube_client_free(struct mgo_kube_client *c)
{
	if (!c)
		return;
	while (!dl_empty(&c->reqs))
		mgo_kube__free_req(REQ_OF(c->reqs.next, all));
	if (c->multi)
		curl_multi_cleanup(c->multi);
	/* curl may close its last connections without telling the socket callback */
	while (!dl_empty(&c->socks)) {
		struct sock *sk =
			(struct sock *)((char *)c->socks.next - offsetof(struct sock, link));
		mgo_watch_remove(sk->w);
		dl_del(&sk->link);
		free(sk);
	}
	mgo_timer_remove(c->token_timer);
	mgo_timer_remove(c->queue_timer);
	mgo_timer_remove(c->curl_timer);
	curl_slist_free_all(c->connect_to);
	curl_slist_free_all(c->resolve);
	free(c->base);
	free(c->user_agent);
	if (c->global_init)
		curl_global_cleanup();
	free(c);
}

/* What the end of an attempt means: the rules for retrying (which depend on
 * what the server may already have done with the request), Kubernetes
 * errors out of response bodies, and list pages. */
#include "kube_transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_unread.h"
#include "mgo/json_prune.h"
#include "mgo/log.h"

static void on_retry_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_kube_req *r = ctx;
	int rc;

	r->state = REQ_IDLE;
	rc = mgo_kube__submit(r);
	if (rc)
		mgo_kube__fail(r, rc, 0, "cannot start the retry");
}

static void retry_later(struct mgo_kube_req *r, uint64_t delay_ms, long code, const char *why)
{
	struct mgo_kube_client *c = r->c;

	if (!r->retry_timer && mgo_timer_new(c->loop, on_retry_timer, r, &r->retry_timer) != 0) {
		mgo_kube__fail(r, -ENOMEM, code, "cannot schedule a retry after: %s", why);
		return;
	}
	r->retries++;
	c->stats.retries++;
	r->state = REQ_BACKOFF;
	mgo_log_kv(MGO_LOG_WARN, __func__, "kube.retry", "{s:s, s:s, s:i, s:s, s:I, s:i}", "verb",
		   mgo_kube_verb_name(r->verb), "path", r->log_path, "code", (int)code, "why", why,
		   "delay_ms", (json_int_t)delay_ms, "retry", (int)r->retries);
	mgo_timer_start(r->retry_timer, delay_ms);
}

static uint64_t backoff_ms(struct mgo_kube_req *r)
{
	struct mgo_kube_client *c = r->c;

	return mgo_backoff_delay(c->o.backoff_base_ms, c->o.backoff_cap_ms, r->retries,
				 mgo_rng_next(&c->rng));
}

static long retry_after_s(struct mgo_kube_req *r)
{
	struct curl_header *h = NULL;

	if (curl_easy_header(r->easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return -1;
	return mgo_kube_parse_retry_after(h->value);
}

static int errno_for(CURLcode res)
{
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* Failures a later attempt may not meet. A certificate the CA does not
 * sign will not sign itself on the retry. */
static bool transient(CURLcode res)
{
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_AGAIN:
		return true;
	default:
		return false;
	}
}

/* Whether the request may have reached the server: only one that surely did
 * not may be repeated when it is not idempotent. */
static bool maybe_sent(struct mgo_kube_req *r, CURLcode res)
{
	curl_off_t pre = 0;
	long req_size = 0;

	if (res == CURLE_COULDNT_RESOLVE_HOST || res == CURLE_COULDNT_CONNECT)
		return false;
	if (curl_easy_getinfo(r->easy, CURLINFO_PRETRANSFER_TIME_T, &pre) != CURLE_OK ||
	    curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &req_size) != CURLE_OK)
		return true;
	return pre > 0 || req_size > 0;
}

static void transport_failed(struct mgo_kube_req *r, CURLcode res, long code)
{
	struct mgo_kube_client *c = r->c;
	bool may_retry = r->retry_safe ||
			 ((r->flags & MGO_KUBE_F_RETRY_CONNECT) && !maybe_sent(r, res));

	if (!r->on_data && transient(res) && may_retry && r->retries < c->o.max_retries) {
		retry_later(r, backoff_ms(r), code, curl_easy_strerror(res));
		return;
	}
	struct mgo_kube_error e = {.errnum = errno_for(res), .http_code = code,
				   .code = (int)code, .curl_code = (int)res};
	snprintf(e.message, sizeof(e.message), "%s",
		 r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
	mgo_log_kv(MGO_LOG_DEBUG, __func__, "kube.request_failed", "{s:s, s:s, s:i, s:s}", "verb",
		   mgo_kube_verb_name(r->verb), "path", r->log_path, "curl", (int)res, "error",
		   e.message);
	mgo_kube__finish(r, code, NULL, &e);
}

const char *const *const *mgo_kube__unread(enum mgo_kube__body body, bool spec_unread)
{
	static const char *const fields[][5] = {
		[MGO_KUBE__OBJECT] = {"metadata", "managedFields", NULL},
		[MGO_KUBE__LIST] = {"items", "*", "metadata", "managedFields", NULL},
		[MGO_KUBE__EVENT] = {"object", "metadata", "managedFields", NULL},
	};
	static const char *const spec[][4] = {
		[MGO_KUBE__OBJECT] = {"spec", NULL},
		[MGO_KUBE__LIST] = {"items", "*", "spec", NULL},
		[MGO_KUBE__EVENT] = {"object", "spec", NULL},
	};
	/* the spec's path first: leaving the spec in is starting one later */
	static const char *const *const paths[][3] = {
		[MGO_KUBE__OBJECT] = {spec[MGO_KUBE__OBJECT], fields[MGO_KUBE__OBJECT]},
		[MGO_KUBE__LIST] = {spec[MGO_KUBE__LIST], fields[MGO_KUBE__LIST]},
		[MGO_KUBE__EVENT] = {spec[MGO_KUBE__EVENT], fields[MGO_KUBE__EVENT]},
	};

	return spec_unread ? paths[body] : paths[body] + 1;
}

/* Parses the body collected so far; NULL for an empty one. What no
 * caller reads is left out (mgo_kube__unread): the body is pruned where it
 * lies, which it may be, as nothing reads it after; text the scan cannot
 * place is parsed as it came. */
static int parse_body(struct mgo_kube_req *r, json_t **out, char *err, size_t errlen)
{
	enum mgo_kube__body body = r->verb == MGO_KUBE_LIST ? MGO_KUBE__LIST : MGO_KUBE__OBJECT;
	size_t len = r->resp_len;
	json_error_t je;

	*out = NULL;
	if (r->resp_len == 0)
		return 0;
	if (mgo_json_prune_paths(r->resp, r->resp_len,
				 mgo_kube__unread(body, r->flags & MGO_KUBE_F_SPEC_UNREAD), r->resp,
				 &len) < 0)
		len = r->resp_len;
	/* jansson bounds nesting itself (JSON_PARSER_MAX_DEPTH) and rejects
	 * trailing bytes; the size was bounded as it arrived */
	*out = json_loadb(r->resp, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out) {
		snprintf(err, errlen, "response is not JSON: %.80s at byte %d", je.text,
			 je.position);
		return -EBADMSG;
	}
	return 0;
}

static void http_failed(struct mgo_kube_req *r, long code)
{
	struct mgo_kube_client *c = r->c;
	struct mgo_kube_error e;
	json_t *body = NULL;
	char err[160];
	long ra = retry_after_s(r);
	uint64_t ra_ms = ra < 0 ? 0 : (uint64_t)ra * 1000;

	if (ra_ms > c->o.retry_after_cap_ms)
		ra_ms = c->o.retry_after_cap_ms;
	/* an error body that is not JSON (a proxy's page) still has a code */
	if (parse_body(r, &body, err, sizeof(err)) != 0)
		body = NULL;
	mgo_kube_error_from_response(&e, code, body);
	/* As client-go does with a token file: a 401 may mean the token
	 * expired and its file already holds the next one (mgo-tokens renews
	 * before expiry; the timer only looks every token_reload_ms). Nothing
	 * was done for an unauthenticated request, so any verb may repeat,
	 * once. */
	if (code == 401 && !r->reauthed && c->creds->token_file) {
		bool changed = false;
		r->reauthed = true;
		if (mgo_kube_creds_reload_token(c->creds, &changed, err, sizeof(err)) == 0 &&
		    changed) {
			c->stats.token_reloads++;
			mgo_info("kube.token_reloaded", "the token file holds a new token");
			json_decref(body);
			retry_later(r, 0, code, e.reason);
			return;
		}
	}
	if (r->retries < c->o.max_retries) {
		/* a 429 was refused before any work: safe to repeat for every verb */
		if (code == 429) {
			json_decref(body);
			/* the server's Priority and Fairness asks this client, not
			 * only this request, to wait: nothing else starts before
			 * then either (priority requests aside: the Lease) */
			if (ra >= 0 && mgo_now_ms() + ra_ms > c->not_before_ms) {
				c->not_before_ms = mgo_now_ms() + ra_ms;
				mgo_log_kv(MGO_LOG_WARN, __func__, "kube.throttled",
					   "{s:s, s:s, s:I}", "verb", mgo_kube_verb_name(r->verb),
					   "path", r->log_path, "retry_after_ms", (json_int_t)ra_ms);
			}
			retry_later(r, ra >= 0 ? ra_ms : backoff_ms(r), code, e.reason);
			return;
		}
		if (code >= 500 && r->retry_safe && !r->on_data) {
			uint64_t d = backoff_ms(r);
			json_decref(body);
			retry_later(r, d > ra_ms ? d : ra_ms, code, e.reason);
			return;
		}
	}
	mgo_log_kv(MGO_LOG_DEBUG, __func__, "kube.request_failed", "{s:s, s:s, s:i, s:s, s:s}",
		   "verb", mgo_kube_verb_name(r->verb), "path", r->log_path, "code", (int)code,
		   "reason", e.reason, "message", e.message);
	mgo_kube__finish(r, code, body, &e);
	json_decref(body);
}

size_t mgo_kube_list_items_within(const char *body, size_t len)
{
	static const char key[] = "items";
	size_t depth = 0, n = 0, at = 0;
	bool in_str = false, esc = false, match = false, last_is_items = false;
	bool in_items = false;

	for (size_t i = 0; i < len; i++) {
		char ch = body[i];

		if (in_str) {
			if (esc) {
				esc = false;
				match = false;
			} else if (ch == '\\') {
				esc = true;
				match = false;
			} else if (ch == '"') {
				in_str = false;
				if (depth == 1)
					last_is_items = match && at == sizeof(key) - 1;
			} else if (match) {
				match = at < sizeof(key) - 1 && ch == key[at];
				at++;
			}
			continue;
		}
		switch (ch) {
		case '"':
			in_str = true;
			match = depth == 1;
			at = 0;
			break;
		case '{':
		case '[':
			/* the value of the top-level key last read is this array */
			if (ch == '[' && depth == 1 && last_is_items)
				in_items = true;
			depth++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return n;
			depth--;
			if (in_items && depth == 2 && ch == '}')
				n++;
			else if (in_items && depth == 1)
				return n; /* the array ended */
			break;
		default:
			break;
		}
	}
	return n;
}

int mgo_kube__page_url(struct mgo_kube_req *r)
{
	char *url = NULL;
	const char *sep = strchr(r->page_url, '?') ? "&" : "?";
	int n;

	if (r->cont)
		n = asprintf(&url, "%s%slimit=%u&continue=%s", r->page_url, sep, r->limit, r->cont);
	else
		n = asprintf(&url, "%s%slimit=%u%s%s", r->page_url, sep, r->limit,
			     r->first_rv ? "&resourceVersion=" : "", r->first_rv ? r->first_rv : "");
	if (n < 0)
		return -ENOMEM;
	free(r->url);
	r->url = url;
	return 0;
}

/* Room left after the items for the rest of a list (its metadata, which
 * may follow them) when counting how many fit. */
#define LIST_TAIL 4096

/* The page was over the cap: ask for it again from the same place, with
 * half as many objects, or (one already) with the cap for one object.
 * False when nothing smaller is left to ask for. */
static bool smaller_page(struct mgo_kube_req *r, long code)
{
	struct mgo_kube_client *c = r->c;
	int rc;

	if (!r->page_url || r->verb != MGO_KUBE_LIST || code < 200 || code > 299)
		return false;
	if (r->limit > 1) {
		/* half as many, or fewer still when fewer ended within the
		 * cap: each attempt over it costs a whole cap's transfer */
		size_t fit = r->resp_len > LIST_TAIL ? mgo_kube_list_items_within(r->resp,
									       r->resp_len - LIST_TAIL)
						     : 0;
		if (!r->shrunk_from)
			r->shrunk_from = r->limit;
		r->limit /= 2;
		if (fit < r->limit)
			r->limit = fit ? (unsigned)fit : 1;
	} else if (r->cap < c->o.max_object_body) {
		if (!r->shrunk_from)
			r->shrunk_from = 1;
		r->cap = c->o.max_object_body;
	} else {
		return false;
	}
	mgo_log_kv(MGO_LOG_DEBUG, __func__, "kube.list_page_over_cap", "{s:s, s:I, s:i, s:I}",
		   "path", r->log_path, "cap", (json_int_t)c->o.max_body, "limit", (int)r->limit,
		   "read_cap", (json_int_t)r->cap);
	rc = mgo_kube__page_url(r);
	if (!rc)
		rc = mgo_kube__submit(r);
	if (rc)
		mgo_kube__fail(r, rc, 200, "cannot ask for a smaller page");
	return true;
}

/* A page that had to be asked for smaller says so once, then the limit
 * grows back for the next page. */
static void page_fitted(struct mgo_kube_req *r, size_t items)
{
	struct mgo_kube_client *c = r->c;

	if (r->shrunk_from)
		mgo_log_kv(MGO_LOG_INFO, __func__, "kube.list_page_smaller",
			   "{s:s, s:I, s:i, s:i, s:I, s:I}", "path", r->log_path, "cap",
			   (json_int_t)c->o.max_body, "limit", (int)r->shrunk_from, "read_limit",
			   (int)r->limit, "items", (json_int_t)items, "bytes",
			   (json_int_t)r->resp_len);
	r->shrunk_from = 0;
	r->cap = c->o.max_body;
	if (r->limit < r->page_size)
		r->limit = r->limit > r->page_size / 2 ? r->page_size : r->limit * 2;
}

/* Asks for the page after this one, from the continue token. */
static int next_page(struct mgo_kube_req *r, const char *cont)
{
	char *enc = curl_easy_escape(NULL, cont, (int)strnlen(cont, 65536));
	int rc;

	if (!enc)
		return -ENOMEM;
	curl_free(r->cont);
	r->cont = enc;
	r->retries = 0;
	rc = mgo_kube__page_url(r);
	if (!rc)
		rc = mgo_kube__submit(r);
	return rc;
}

/* A LIST page arrived: hand it out or merge it, and ask for the next.
 * A consumer's page is handed out after the next one is asked for, so the
 * server serves page N+1 while the consumer digests page N (start-up with
 * many objects: bench/REPORT.md, "Start-up to ready"); a consumer that
 * fails or cancels takes the request in flight down with it
 * (mgo_kube__fail, mgo_kube_cancel). */
static void list_page(struct mgo_kube_req *r, json_t *page)
{
	struct mgo_kube_client *c = r->c;
	json_t *items = json_object_get(page, "items");
	json_t *meta = json_object_get(page, "metadata");
	const char *cont = json_string_value(json_object_get(meta, "continue"));
	bool more = cont && *cont;
	int rc;

	if (!json_is_array(items)) {
		json_decref(page);
		mgo_kube__fail(r, -EBADMSG, 200, "list response without an items array");
		return;
	}
	page_fitted(r, json_array_size(items));
	if (r->on_page) {
		rc = more ? next_page(r, cont) : 0;
		if (rc) {
			json_decref(page);
			mgo_kube__fail(r, rc, 200, "cannot request the next page");
			return;
		}
		if (more)
			mgo_kube__kick(c);
		r->dispatching = true;
		rc = r->on_page(r->ctx, page);
		r->dispatching = false;
		json_decref(page);
		if (r->cancelled)
			mgo_kube__free_req(r);
		else if (rc)
			mgo_kube__fail(r, rc, 200, "list stopped by its consumer");
		else if (!more)
			mgo_kube__finish(r, 200, NULL, NULL);
		return;
	}
	r->list_bytes += r->resp_len;
	if (r->list_bytes > c->o.max_list_bytes) {
		json_decref(page);
		mgo_kube__fail(r, -EMSGSIZE, 200, "list larger than %zu bytes",
			       c->o.max_list_bytes);
		return;
	}
	if (!r->merged) {
		r->merged = json_incref(page);
	} else if (json_array_extend(json_object_get(r->merged, "items"), items) != 0 ||
		   json_object_set(r->merged, "metadata", meta) != 0) {
		json_decref(page);
		mgo_kube__fail(r, -ENOMEM, 200, "cannot merge list pages");
		return;
	}
	if (more) {
		rc = next_page(r, cont);
		json_decref(page);
		if (rc)
			mgo_kube__fail(r, rc, 200, "cannot request the next page");
		return;
	}
	json_decref(page);
	json_t *whole = json_incref(r->merged);
	json_t *wmeta = json_object_get(whole, "metadata");
	json_object_del(wmeta, "continue");
	json_object_del(wmeta, "remainingItemCount");
	mgo_kube__finish(r, 200, whole, NULL);
	json_decref(whole);
}

void mgo_kube__attempt_done(struct mgo_kube_req *r, CURLcode res)
{
	struct mgo_kube_client *c = r->c;
	long code = 0;
	json_t *body = NULL;
	char err[160];
	int rc;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->idle_timer)
		mgo_timer_stop(r->idle_timer);
	mgo_kube__count(c, r->verb, code);
	mgo_log_kv(MGO_LOG_DEBUG, __func__, "kube.response", "{s:s, s:s, s:i, s:i, s:I}", "verb",
		   mgo_kube_verb_name(r->verb), "path", r->log_path, "code", (int)code, "curl",
		   (int)res, "ms", (json_int_t)(mgo_now_ms() - r->attempt_start));
	if (r->abort_errnum == -EMSGSIZE) {
		if (smaller_page(r, code))
			return;
		mgo_kube__fail(r, -EMSGSIZE, code, "response body over %zu bytes", r->cap);
		return;
	}
	if (r->abort_errnum) {
		mgo_kube__fail(r, r->abort_errnum, code, "out of memory reading the response");
		return;
	}
	if (res != CURLE_OK) {
		transport_failed(r, res, code);
		return;
	}
	if (code < 200 || code > 299) {
		http_failed(r, code);
		return;
	}
	if (r->on_data || ((r->flags & MGO_KUBE_F_BODY_UNREAD) && r->verb != MGO_KUBE_LIST)) {
		mgo_kube__finish(r, code, NULL, NULL);
		return;
	}
	rc = parse_body(r, &body, err, sizeof(err));
	if (rc) {
		mgo_kube__fail(r, rc, code, "%s", err);
		return;
	}
	if (r->verb == MGO_KUBE_LIST && (r->on_page || r->whole)) {
		list_page(r, body);
		return;
	}
	mgo_kube__finish(r, code, body, NULL);
	json_decref(body);
}

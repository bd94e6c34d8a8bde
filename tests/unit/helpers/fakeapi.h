/* A scripted HTTP server for client tests (libmicrohttpd, a thread per
 * connection): a test gives a function that says how to answer each request,
 * then checks what the client sent (fake.reqs) and what its callbacks saw.
 * It produces faults the test API server cannot be asked for so precisely:
 * a body over the limit, a stream that stalls or is cut, a connection
 * dropped after the request was sent.
 *
 * Header-only (static functions) because the unit-test build compiles one
 * shared helper file, testenv.c, and this is only for the kube tests. */
#ifndef MGO_FAKEAPI_H
#define MGO_FAKEAPI_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgo/kube.h"
#include "mgo/kubecreds.h"
#include "mgo/log.h"
#include "kubetest.h"
#include "mgo/loop.h"

#define DEADLINE_MS 30000 /* generous: valgrind and a busy machine */
#define MAX_REQS 512

/* ---- the scripted server ---- */

struct fake_req {
	char method[16];
	char path[256];
	char query[1024];       /* decoded "k=v&k=v", in arrival order */
	char auth[256];
	char ctype[128];
	char accept[128];
	char body[4096];
	uint64_t at_ms;
};

struct fake_reply {
	int status;
	const char *header, *header_value;      /* one extra header, or NULL */
	const char *body;                       /* NULL: empty */
	const char *const *chunks;              /* a chunked stream instead of body */
	unsigned gap_ms;                        /* between chunks */
	bool hang;                              /* keep the stream open after the chunks */
	bool cut;                               /* end the stream without its terminator */
	bool drop;                              /* close without any response */
};

struct fake;
typedef void (*fake_fn)(struct fake *f, const struct fake_req *req, int n, struct fake_reply *out);

struct fake {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	struct fake_req reqs[MAX_REQS];
	int n;
	fake_fn fn;
	void *ctx;
};

struct conn {
	struct fake_req req;
	size_t body_len;
};

struct stream {
	struct fake *f;
	const char *const *chunks;
	size_t idx, off;
	unsigned gap_ms;
	bool hang, cut, started;
};

static inline void wait_ms(struct fake *f, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&f->mu);
	if (!f->stopping)
		pthread_cond_timedwait(&f->cv, &f->mu, &ts);
	pthread_mutex_unlock(&f->mu);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;

	if (s->chunks[s->idx] && s->off == 0 && (s->started || s->idx > 0))
		wait_ms(s->f, s->gap_ms);
	s->started = true;
	if (s->chunks[s->idx]) {
		const char *c = s->chunks[s->idx];
		size_t left = strlen(c) - s->off, n = left < max ? left : max;
		memcpy(buf, c + s->off, n);
		s->off += n;
		if (s->off == strlen(c)) {
			s->idx++;
			s->off = 0;
		}
		return (ssize_t)n;
	}
	if (s->hang) {
		pthread_mutex_lock(&s->f->mu);
		while (!s->f->stopping)
			pthread_cond_wait(&s->f->cv, &s->f->mu);
		pthread_mutex_unlock(&s->f->mu);
	}
	return s->cut ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct fake_req *r = cls;
	size_t len = strlen(r->query);

	snprintf(r->query + len, sizeof(r->query) - len, "%s%s=%s", len ? "&" : "", key,
		 value ? value : "");
	return MHD_YES;
}

static void copy_header(struct MHD_Connection *conn, const char *name, char *dst, size_t len)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
	snprintf(dst, len, "%s", v ? v : "");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct fake *f = cls;
	struct conn *c = *con_cls;
	struct fake_reply reply = {.status = 200};
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int n;

	if (!c) {
		c = calloc(1, sizeof(*c));
		*con_cls = c;
		return c ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		size_t room = sizeof(c->req.body) - 1 - c->body_len;
		size_t take = *upload_size < room ? *upload_size : room;
		memcpy(c->req.body + c->body_len, upload, take);
		c->body_len += take;
		*upload_size = 0;
		return MHD_YES;
	}
	snprintf(c->req.method, sizeof(c->req.method), "%s", method);
	snprintf(c->req.path, sizeof(c->req.path), "%s", url);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &c->req);
	copy_header(conn, "Authorization", c->req.auth, sizeof(c->req.auth));
	copy_header(conn, "Content-Type", c->req.ctype, sizeof(c->req.ctype));
	copy_header(conn, "Accept", c->req.accept, sizeof(c->req.accept));
	c->req.at_ms = mgo_now_ms();
	pthread_mutex_lock(&f->mu);
	n = f->n;
	if (f->n < MAX_REQS)
		f->reqs[f->n++] = c->req;
	pthread_mutex_unlock(&f->mu);
	f->fn(f, &c->req, n, &reply);
	if (reply.drop)
		return MHD_NO;
	if (reply.chunks) {
		struct stream *s = calloc(1, sizeof(*s));
		if (!s)
			return MHD_NO;
		*s = (struct stream){.f = f, .chunks = reply.chunks, .gap_ms = reply.gap_ms,
				     .hang = reply.hang, .cut = reply.cut};
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s,
							 free);
	} else {
		const char *b = reply.body ? reply.body : "";
		resp = MHD_create_response_from_buffer(strlen(b), (void *)b,
						       MHD_RESPMEM_MUST_COPY);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (reply.header)
		MHD_add_response_header(resp, reply.header, reply.header_value);
	ret = MHD_queue_response(conn, (unsigned)reply.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

static inline void fake_start(struct fake *f, fake_fn fn, void *ctx)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->fn = fn;
	f->ctx = ctx;
	f->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
				NULL, NULL, on_request, f, MHD_OPTION_NOTIFY_COMPLETED,
				on_completed, f, MHD_OPTION_END);
	cr_assert_not_null(f->d);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
	cr_assert_not_null(info);
	f->port = info->port;
}

static inline void fake_stop(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	MHD_stop_daemon(f->d);
}

static inline int fake_count(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	int n = f->n;
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* ---- the client side ---- */

/* Quick retries and no rate limit, so failure paths finish fast. */
static const struct mgo_kube_client_opts fast_opts = {
	.backoff_base_ms = 10, .backoff_cap_ms = 50, .max_retries = 3, .qps = -1,
};

struct env {
	struct fake fake;
	struct mgo_loop *loop;
	struct mgo_kube_creds creds;
	struct mgo_kube_client *client;
};

/* On the heap: the request log is too big for a thread's stack. */
static inline struct env *env_start(fake_fn fn, void *ctx, const struct mgo_kube_client_opts *o)
{
	char server[64], err[256];
	struct env *e = calloc(1, sizeof(*e));

	cr_assert_not_null(e);
	mgo_log_init("test", getenv("KUBE_TEST_DEBUG") ? MGO_LOG_DEBUG : MGO_LOG_ERROR);
	fake_start(&e->fake, fn, ctx);
	snprintf(server, sizeof(server), "http://127.0.0.1:%d", e->fake.port);
	e->creds = (struct mgo_kube_creds){.server = strdup(server), .token = strdup("tok-1")};
	cr_assert_eq(mgo_loop_new(&e->loop), 0);
	cr_assert_eq(mgo_kube_client_new(e->loop, &e->creds, o, &e->client, err, sizeof(err)), 0,
		     "%s", err);
	return e;
}

static inline void env_stop(struct env *e)
{
	mgo_kube_client_free(e->client);
	mgo_loop_free(e->loop);
	mgo_kube_creds_free(&e->creds);
	fake_stop(&e->fake);
	free(e);
}

/* Runs the loop until *flag or the deadline; true if the flag was set. */
static inline bool run_until(struct env *e, const bool *flag, uint64_t deadline_ms)
{
	uint64_t end = mgo_now_ms() + deadline_ms;

	while (!*flag && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(e->loop, 50), 0);
	return *flag;
}

/* Runs the loop until *count reaches `want` or DEADLINE_MS passes. */
static inline bool run_until_count(struct env *e, const int *count, int want)
{
	uint64_t end = mgo_now_ms() + DEADLINE_MS;

	while (*count < want && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(e->loop, 50), 0);
	return *count >= want;
}

/* Runs the loop until the fake server has seen `want` requests or
 * DEADLINE_MS passes. */
static inline bool run_until_seen(struct env *e, int want)
{
	uint64_t end = mgo_now_ms() + DEADLINE_MS;

	while (fake_count(&e->fake) < want && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(e->loop, 10), 0);
	return fake_count(&e->fake) >= want;
}

#endif

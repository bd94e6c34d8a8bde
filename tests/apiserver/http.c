#include "tas_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tas_audit.h"
#include "tas_handler.h"
#include "mgo/log.h"
#include "tas_stats.h"
#include "tas_status.h"
#include "tas_util.h"
#include "tas_watch.h"

/* kube-apiserver's request body limit (3 MiB). */
#define MAX_BODY (3L * 1024 * 1024)
#define MAX_QUERY 64

struct conn {
	char *body;
	size_t len, cap;
	bool too_large;
	uint64_t start_us;
};

struct args {
	struct tas_query q[MAX_QUERY];
	size_t n;
	bool overflow;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct args *a = cls;

	if (a->n == MAX_QUERY) {
		a->overflow = true;
		return MHD_NO;
	}
	a->q[a->n].k = key;
	a->q[a->n].v = value;
	a->n++;
	return MHD_YES;
}

static enum MHD_Result collect_impersonation(void *cls, enum MHD_ValueKind kind,
					     const char *key, const char *value)
{
	struct tas_req *r = cls;

	if (strncasecmp(key, "Impersonate-", 12) != 0)
		return MHD_YES;
	if (strcasecmp(key, "Impersonate-User") == 0) {
		r->imp_user = value;
	} else if (strcasecmp(key, "Impersonate-Group") == 0) {
		if (r->n_imp_groups == TAS_IMPERSONATE_GROUPS_MAX)
			r->imp_overflow = true;
		else
			r->imp_groups[r->n_imp_groups++] = value;
	} else {
		r->imp_unsupported = true;
	}
	return MHD_YES;
}

static ssize_t watch_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n = tas_watch_read(cls, buf, max);

	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void watch_done(void *cls)
{
	tas_watch_free(cls);
}

/* One "Warning: 299 - \"text\"" header per line, quoted as Go's %q would. */
static void add_warnings(struct MHD_Response *mr, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n"), i, o = 0;
		char w[1200];
		o += (size_t)snprintf(w, sizeof(w), "299 - \"");
		for (i = 0; i < n && o + 4 < sizeof(w); i++) {
			if (text[i] == '"' || text[i] == '\\')
				w[o++] = '\\';
			w[o++] = text[i];
		}
		snprintf(w + o, sizeof(w) - o, "\"");
		MHD_add_response_header(mr, "Warning", w);
		text += n + (text[n] == '\n');
	}
}

static struct MHD_Response *make_response(struct tas_resp *resp, const char *audit_id)
{
	struct MHD_Response *mr;
	char *text = NULL;
	char retry[16];

	if (resp->watch) {
		mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, watch_reader,
						       resp->watch, watch_done);
		if (!mr) {
			tas_watch_free(resp->watch);
			resp->watch = NULL;
			return NULL;
		}
		resp->watch = NULL;
		MHD_add_response_header(mr, "Content-Type", "application/json");
	} else {
		size_t len;
		if (!resp->body) {
			resp->code = 500;
			resp->body = tas_status_internal("out of memory");
		}
		if (json_is_string(resp->body)) {
			text = strdup(json_string_value(resp->body));
		} else {
			text = resp->body ? json_dumps(resp->body, JSON_COMPACT) : NULL;
		}
		if (!text)
			return NULL;
		len = strlen(text);
		/* Go's json.Encoder ends every document with a newline */
		if (!json_is_string(resp->body)) {
			char *t = realloc(text, len + 2);
			if (!t) {
				free(text);
				return NULL;
			}
			text = t;
			text[len++] = '\n';
			text[len] = '\0';
		}
		mr = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (!mr) {
			free(text);
			return NULL;
		}
		MHD_add_response_header(mr, "Content-Type",
					resp->content_type ? resp->content_type
							   : "application/json");
	}
	MHD_add_response_header(mr, "Audit-Id", audit_id);
	MHD_add_response_header(mr, "Cache-Control", "no-cache, private");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	add_warnings(mr, resp->warning);
	if (resp->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%d", resp->retry_after);
		MHD_add_response_header(mr, "Retry-After", retry);
	}
	return mr;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct tas_server *s = cls;
	struct conn *cc = *con_cls;
	struct args args = {.n = 0};
	struct tas_req r = {0};
	struct tas_resp resp = {0};
	struct MHD_Response *mr;
	const union MHD_ConnectionInfo *ci;
	char audit_id[37];
	enum MHD_Result ret;

	if (!cc) {
		cc = calloc(1, sizeof(*cc));
		if (!cc)
			return MHD_NO;
		cc->start_us = tas_now_us();
		*con_cls = cc;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cc->too_large && cc->len + *upload_size > (size_t)MAX_BODY)
			cc->too_large = true;
		if (!cc->too_large) {
			if (cc->len + *upload_size + 1 > cc->cap) {
				size_t cap = (cc->len + *upload_size + 1) * 2;
				char *b = realloc(cc->body, cap);
				if (!b)
					return MHD_NO;
				cc->body = b;
				cc->cap = cap;
			}
			memcpy(cc->body + cc->len, upload, *upload_size);
			cc->len += *upload_size;
			cc->body[cc->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
	r.method = method;
	r.path = url;
	r.query = args.q;
	r.n_query = args.n;
	r.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	r.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	r.user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
	r.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_impersonation, &r);
	r.body = cc->body;
	r.body_len = cc->len;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	r.conn_fd = ci ? ci->connect_fd : -1;
	if (tas_uuid(audit_id))
		snprintf(audit_id, sizeof(audit_id), "00000000-0000-0000-0000-000000000000");

	if (cc->too_large)
		tas_resp_set(&resp, 413, tas_status_too_large(MAX_BODY));
	else if (args.overflow)
		tas_resp_set(&resp, 400, tas_status_bad_request("too many query parameters"));
	else
		tas_handle(s, &r, &resp);

	tas_stats_record(s->stats, r.user ? r.user->name : "", r.ri.verb, r.ri.resource,
			 resp.code);
	tas_audit_write(s, &r, audit_id, resp.code,
			(double)(tas_now_us() - cc->start_us) / 1000.0);
	mr = make_response(&resp, audit_id);
	json_decref(resp.body);
	tas_user_clear(&r.imp);
	tas_user_clear(&r.bound);
	if (!mr)
		return MHD_NO;
	ret = MHD_queue_response(c, (unsigned)resp.code, mr);
	MHD_destroy_response(mr);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *cc = *con_cls;

	if (!cc)
		return;
	free(cc->body);
	free(cc);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	mgo_warn("http.error", "%s", msg);
}

static int listen_socket(const char *host, unsigned short port, unsigned short *bound,
			 char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char portstr[8];
	int fd = -1, one = 1, rc;

	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "--listen %s: %s", host, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		rc = -errno;
		snprintf(err, errlen, "listening on %s:%u: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return rc;
	}
	freeaddrinfo(ai);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int tas_http_start(struct tas_server *s, char *err, size_t errlen)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	int fd = listen_socket(s->cfg->listen_host, s->cfg->listen_port, &s->port, err, errlen);

	if (fd < 0)
		return fd;
	if (!s->cfg->plain_http)
		flags |= MHD_USE_TLS;
	s->httpd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
		s->cfg->plain_http ? MHD_OPTION_END : MHD_OPTION_HTTPS_MEM_KEY, s->pki.key_pem,
		MHD_OPTION_HTTPS_MEM_CERT, s->pki.cert_pem, MHD_OPTION_END);
	if (!s->httpd) {
		close(fd);
		snprintf(err, errlen, "starting the HTTP server failed");
		return -EIO;
	}
	return 0;
}

void tas_http_stop(struct tas_server *s)
{
	int fd;

	if (!s->httpd)
		return;
	fd = MHD_quiesce_daemon(s->httpd);
	pthread_mutex_lock(&s->store.mu);
	s->store.stopping = true;
	pthread_cond_broadcast(&s->store.cv);
	pthread_mutex_unlock(&s->store.mu);
	MHD_stop_daemon(s->httpd);
	if (fd >= 0)
		close(fd);
	s->httpd = NULL;
}

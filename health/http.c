/* mgo-health's HTTP server on the process's one loop: see health.h for
 * the limits and docs/health.md ("Connections") for why they are these.
 *
 * Every connection gets one request and one answer, then is closed: a
 * probe opens a new one each time, and a scraper reconnects. A connection
 * lives at most MGO_HEALTH_CONN_MS from its accept, however it trickles
 * bytes, and a new one always gets in: the oldest connection of its
 * address, or the oldest of all, is closed to make room. Holding
 * connections open therefore costs an attacker its own connections first,
 * and never stalls the listen queue. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health.h"
#include "mgo/log.h"

/* Accepts per wake-up: connections already open get their turn between
 * batches, so a flood of connects cannot push out a probe whose request
 * is already waiting to be read. */
#define ACCEPT_BATCH 8
/* At most one health.shed line per this many ms. */
#define SHED_LOG_MS 10000

enum conn_state { READING, WRITING, DRAINING };

struct mgo_health_conn {
	struct mgo_health_http *srv;
	struct mgo_health_conn *older, *newer;  /* by accept time */
	int fd;
	struct mgo_watch *w;
	unsigned char addr[16];                 /* the peer: IPv4 in the first 4 */
	uint64_t deadline_ms;
	enum conn_state state;
	size_t in;
	char *out;
	size_t out_len, out_off;
	char req[MGO_HEALTH_REQ_MAX];
};

static void rearm(struct mgo_health_http *s)
{
	uint64_t now = mgo_now_ms();

	if (!s->oldest)
		mgo_timer_stop(s->timer);
	else
		mgo_timer_start(s->timer,
				s->oldest->deadline_ms > now ? s->oldest->deadline_ms - now : 0);
}

static void conn_close(struct mgo_health_conn *c)
{
	struct mgo_health_http *s = c->srv;

	if (c->older)
		c->older->newer = c->newer;
	else
		s->oldest = c->newer;
	if (c->newer)
		c->newer->older = c->older;
	else
		s->newest = c->older;
	s->open--;
	if (c->w)
		mgo_watch_remove(c->w);
	close(c->fd);
	free(c->out);
	free(c);
}

/* One rate-limited line for connections closed before their answer. */
static void note_shed(struct mgo_health_http *s, bool evicted)
{
	uint64_t now = mgo_now_ms();

	if (evicted)
		s->evicted++;
	else
		s->timed_out++;
	if (now < s->shed_log_ms)
		return;
	s->shed_log_ms = now + SHED_LOG_MS;
	mgo_log_kv(MGO_LOG_WARN, NULL, "health.shed", "{s:I, s:I, s:i, s:i, s:i}", "evicted",
		   (json_int_t)s->evicted, "timed_out", (json_int_t)s->timed_out,
		   "per_address", MGO_HEALTH_CONN_PER_ADDR, "max", MGO_HEALTH_CONN_MAX,
		   "timeout_ms", MGO_HEALTH_CONN_MS);
}

static const char *reason(unsigned code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Service Unavailable";
	}
}

static void on_conn(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx);

/* The answer, whole, into c->out; the connection then only writes. */
static int respond(struct mgo_health_conn *c, const struct mgo_health_reply *r, bool head)
{
	char hdr[512];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Cache-Control: no-store\r\nConnection: close\r\n%s%s%s\r\n",
			 r->code, reason(r->code), r->content_type, r->len,
			 r->allow ? "Allow: " : "", r->allow ? r->allow : "", r->allow ? "\r\n" : "");
	size_t body = head ? 0 : r->len;

	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -EOVERFLOW;
	if (!(c->out = malloc((size_t)n + body)))
		return -ENOMEM;
	memcpy(c->out, hdr, (size_t)n);
	if (body)
		memcpy(c->out + n, r->body, body);
	c->out_len = (size_t)n + body;
	c->state = WRITING;
	mgo_watch_set_events(c->w, MGO_POLLOUT);
	return 0;
}

/* Reads what came; true while the connection stays. */
static bool read_request(struct mgo_health_conn *c)
{
	char method[MGO_HEALTH_METHOD_MAX], path[MGO_HEALTH_PATH_MAX];
	struct mgo_health_reply r;
	ssize_t n = read(c->fd, c->req + c->in, sizeof(c->req) - c->in);
	int rc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;   /* gone before asking */
	c->in += (size_t)n;
	rc = mgo_health_parse_request(c->req, c->in, method, path);
	if (rc == 0 && c->in < sizeof(c->req))
		return true;
	if (rc == 1)
		c->srv->answer(c->srv->ctx, method, path, &r);
	else if (rc == 0)
		mgo_health_say(&r, 431, "request head too large");
	else
		mgo_health_say(&r, 400, "bad request");
	return respond(c, &r, rc == 1 && strcmp(method, "HEAD") == 0) == 0;
}

static bool write_answer(struct mgo_health_conn *c)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	c->out_off += (size_t)n;
	if (c->out_off < c->out_len)
		return true;
	/* answered: half-close and read what the client still sends until it
	 * closes, so a body we never wanted does not turn our close into a
	 * reset that destroys the answer in flight */
	if (shutdown(c->fd, SHUT_WR) != 0)
		return false;
	c->state = DRAINING;
	mgo_watch_set_events(c->w, MGO_POLLIN);
	return true;
}

static bool drain(struct mgo_health_conn *c)
{
	char sink[512];
	ssize_t n = read(c->fd, sink, sizeof(sink));

	return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
}

static void on_conn(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_health_conn *c = ctx;
	bool keep;

	switch (c->state) {
	case READING:
		keep = read_request(c);
		if (keep && c->state == WRITING)
			keep = write_answer(c);
		break;
	case WRITING:
		keep = write_answer(c);
		break;
	default:
		keep = drain(c);
		break;
	}
	if (!keep) {
		struct mgo_health_http *s = c->srv;

		conn_close(c);
		rearm(s);
	}
}

static void on_deadline(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_health_http *s = ctx;
	uint64_t now = mgo_now_ms();

	while (s->oldest && s->oldest->deadline_ms <= now) {
		/* a connection still reading or writing its answer was too slow */
		if (s->oldest->state != DRAINING)
			note_shed(s, false);
		conn_close(s->oldest);
	}
	rearm(s);
}

static void peer_key(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET)
		memcpy(key, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else if (ss->ss_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
}

/* Makes room for a connection from key: the oldest of that address past
 * the per-address limit, else the oldest of all past the total. */
static void make_room(struct mgo_health_http *s, const unsigned char key[16])
{
	struct mgo_health_conn *first_of_addr = NULL, *victim = NULL;
	unsigned same = 0;

	for (struct mgo_health_conn *c = s->oldest; c; c = c->newer)
		if (memcmp(c->addr, key, 16) == 0 && same++ == 0)
			first_of_addr = c;
	if (same >= MGO_HEALTH_CONN_PER_ADDR)
		victim = first_of_addr;
	else if (s->open >= MGO_HEALTH_CONN_MAX)
		victim = s->oldest;
	if (victim) {
		/* one that answered and only waits for the client's close is
		 * no loss; anything else is a client shed */
		if (victim->state != DRAINING)
			note_shed(s, true);
		conn_close(victim);
	}
}

static int admit(struct mgo_health_http *s, int fd, const struct sockaddr_storage *ss)
{
	struct mgo_health_conn *c;
	unsigned char key[16];
	int rc;

	peer_key(ss, key);
	make_room(s, key);
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	c->srv = s;
	c->fd = fd;
	memcpy(c->addr, key, 16);
	c->deadline_ms = mgo_now_ms() + MGO_HEALTH_CONN_MS;
	if ((rc = mgo_loop_add_fd(s->loop, fd, MGO_POLLIN, on_conn, c, &c->w))) {
		free(c);
		return rc;
	}
	c->older = s->newest;
	if (s->newest)
		s->newest->newer = c;
	else
		s->oldest = c;
	s->newest = c;
	s->open++;
	return 0;
}

static void on_listen(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_health_http *s = ctx;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int rc;

		if (cfd < 0) {
			/* EMFILE and friends: what is open ends at its deadline
			 * and frees a descriptor; the queue waits until then */
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				mgo_warn("health.accept", "accept: %s", strerror(errno));
			break;
		}
		if ((rc = admit(s, cfd, &ss))) {
			mgo_warn("health.accept", "cannot take a connection: %s", strerror(-rc));
			close(cfd);
		}
	}
	rearm(s);
}

int mgo_health_http_start(struct mgo_health_http *s, struct mgo_loop *loop, const char *address,
			  uint16_t port, mgo_health_answer_fn answer, void *ctx)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int one = 1, rc;

	*s = (struct mgo_health_http){.loop = loop, .fd = -1, .answer = answer, .ctx = ctx};
	if (inet_pton(AF_INET, address, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, address, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		sl = sizeof(*a6);
	} else {
		return -EINVAL; /* the configuration checked it */
	}
	if ((s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s->fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(s->fd, 128) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &sl) != 0)
		return -errno;
	s->port = ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port);
	if ((rc = mgo_timer_new(loop, on_deadline, s, &s->timer)) ||
	    (rc = mgo_loop_add_fd(loop, s->fd, MGO_POLLIN, on_listen, s, &s->w)))
		return rc;
	return 0;
}

void mgo_health_http_stop(struct mgo_health_http *s)
{
	while (s->oldest)
		conn_close(s->oldest);
	if (s->w)
		mgo_watch_remove(s->w);
	mgo_timer_remove(s->timer);
	if (s->fd >= 0)
		close(s->fd);
	*s = (struct mgo_health_http){.fd = -1};
}

#include "mgo/supervised.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgo/log.h"
#include "mgo/notify.h"

/* The whole metric set, in as many frames as it takes. A full pipe stops
 * the round; the next beat sends the totals again. */
static void send_metrics(struct mgo_supervised *s)
{
	const struct mgo_metrics *m = mgo_metrics_proc();
	uint64_t version;
	uint8_t frame[PIPE_BUF];
	size_t next = 0, len = 0;
	int rc;

	if (s->collect)
		s->collect(s->collect_ctx);
	version = m->version;
	if (version == s->metrics_sent)
		return;
	while ((rc = mgo_notify_encode_metrics(m, &next, frame, sizeof(frame), &len)) == 0) {
		if (write(s->fd, frame, len) != (ssize_t)len)
			return;
	}
	/* an encoding error would repeat at every beat: said once */
	if (rc != -ENODATA)
		mgo_error("supervised.metrics", "cannot encode metrics: %s", strerror(-rc));
	s->metrics_sent = version;
}

static void beat(struct mgo_supervised *s)
{
	uint8_t frame[MGO_NOTIFY_WIRE_MAX];
	size_t len = 0;
	int rc;

	s->hb.mono_ms = mgo_now_ms();
	rc = mgo_notify_encode(&s->hb, ++s->seq, frame, sizeof(frame), &len);
	if (rc) {
		mgo_error("supervised.encode", "cannot encode a heartbeat: %s", strerror(-rc));
		return;
	}
	/* atomic on a pipe (len < PIPE_BUF): all of it or EAGAIN, never a torn
	 * frame. A full pipe means the supervisor is not reading; skipping a
	 * beat is then the honest signal. */
	if (write(s->fd, frame, len) == (ssize_t)len) {
		s->write_failed = false;
		send_metrics(s);
		return;
	}
	if (!s->write_failed)
		mgo_warn("supervised.heartbeat", "cannot write a heartbeat: %s", strerror(errno));
	s->write_failed = true;
}

static void on_tick(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_supervised *s = ctx;

	beat(s);
	mgo_timer_start(t, s->interval_ms);
}

static void on_news(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_supervised *s = ctx;
	uint8_t news[MGO_NOTIFY_NEWS_LEN];

	/* a bounded batch per wakeup; the rest waits for the next one */
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fd, news, sizeof(news), MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* the supervisor is gone (and our death signal on its way):
			 * stop listening rather than spin on end-of-file */
			mgo_watch_remove(s->news_w);
			s->news_w = NULL;
			return;
		}
		bool leads = n == MGO_NOTIFY_NEWS_LEN && (news[0] & MGO_NOTIFY_NEWS_LEADS);
		enum mgo_role peer = news[0] & (uint8_t)~MGO_NOTIFY_NEWS_LEADS;
		if (n != MGO_NOTIFY_NEWS_LEN || peer < MGO_ROLE_WATCHER || peer > MGO_IPC_ROLE_MAX ||
		    (leads && peer != MGO_ROLE_LAUNCHER)) {
			mgo_warn("supervised.news", "a %zd-byte packet from the supervisor is not "
				 "news of a peer; ignored", n);
			continue;
		}
		mgo_debug("supervised.peer", "%s %s", mgo_role_name(peer),
			  leads ? "now leads" : "is ready");
		if (s->on_peer)
			s->on_peer(s->peer_ctx, peer, leads ? MGO_NEWS_LEADS : MGO_NEWS_READY);
	}
}

int mgo_supervised_start(struct mgo_supervised *s, struct mgo_loop *loop, int fd,
			 enum mgo_role role, unsigned interval_ms)
{
	struct stat st;
	int flags, rc;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->loop = loop;
	s->interval_ms = interval_ms;
	s->hb = (struct mgo_heartbeat){.role = role, .pid = (int32_t)getpid()};
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fstat(fd, &st) != 0)
		return -errno;
	if (S_ISSOCK(st.st_mode) &&
	    (rc = mgo_loop_add_fd(loop, fd, MGO_POLLIN, on_news, s, &s->news_w)))
		return rc;
	if ((rc = mgo_timer_new(loop, on_tick, s, &s->timer)))
		return rc;
	beat(s);
	mgo_timer_start(s->timer, interval_ms);
	return 0;
}

void mgo_supervised_on_peer(struct mgo_supervised *s, mgo_supervised_peer_fn fn, void *ctx)
{
	s->on_peer = fn;
	s->peer_ctx = ctx;
}

void mgo_supervised_ready(struct mgo_supervised *s)
{
	if (s->fd < 0 || s->hb.ready)
		return;
	s->hb.ready = true;
	/* Start-up's transient allocations (the configuration's parse, the
	 * seccomp filter, the watcher's first lists) are freed by now, but
	 * glibc keeps the free pages below the top of the heap resident;
	 * give them back once, so the steady state is what the pod pays
	 * (bench/REPORT.md, "Memory"). */
	(void)malloc_trim(0);
	beat(s);
	if (s->timer)
		mgo_timer_start(s->timer, s->interval_ms);
}

void mgo_supervised_leading(struct mgo_supervised *s, bool leading)
{
	if (s->fd < 0 || s->hb.leading == leading)
		return;
	s->hb.leading = leading;
	beat(s);
	if (s->timer)
		mgo_timer_start(s->timer, s->interval_ms);
}

void mgo_supervised_collect(struct mgo_supervised *s, void (*fn)(void *ctx), void *ctx)
{
	s->collect = fn;
	s->collect_ctx = ctx;
}

void mgo_supervised_stop(struct mgo_supervised *s)
{
	mgo_watch_remove(s->news_w);
	mgo_timer_remove(s->timer);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* Judging health and readiness, and feeding mgo-health its snapshots: see
 * health_feed.h. */
#include "health_feed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgo/log.h"
#include "mgo/snapshot.h"
#include "sup.h"

/* Appends "name what" to a "; "-separated list, cut at the buffer's end. */
static void note(char *buf, size_t len, const char *name, const char *what)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s %s", used ? "; " : "", name, what);
}

static const char *unhealthy(const struct mgo_child *c)
{
	switch (c->state) {
	case MGO_CHILD_READY:
		return NULL;
	case MGO_CHILD_STARTING:
		return c->starts <= 1 ? NULL : "restarted, not ready yet";
	case MGO_CHILD_STOPPING:
		return "stopping";
	case MGO_CHILD_BACKOFF:
		return "waiting to restart";
	default:
		return "down";
	}
}

void mgo_health_judge(const struct mgo_child *kids, size_t n, bool stopping, bool lease_known,
		      bool *healthy, char *health_why, size_t hlen, bool *ready,
		      char *ready_why, size_t rlen)
{
	health_why[0] = ready_why[0] = '\0';
	if (stopping) {
		note(health_why, hlen, "supervisor", "stopping");
		note(ready_why, rlen, "supervisor", "stopping");
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = unhealthy(&kids[i]);
		if (why)
			note(health_why, hlen, kids[i].name, why);
		if (kids[i].state != MGO_CHILD_READY)
			note(ready_why, rlen, kids[i].name, "not ready");
	}
	if (!lease_known)
		note(ready_why, rlen, "launcher", "has not learnt the Lease's holder yet");
	*healthy = health_why[0] == '\0';
	*ready = ready_why[0] == '\0';
}

/* ---- the pipe ---- */

static void drop(struct mgo_health_feed *f)
{
	free(f->out);
	free(f->next);
	f->out = f->next = NULL;
	f->out_len = f->out_off = f->next_len = 0;
}

/* Writes what the pipe takes; POLLOUT stays on while a frame is unfinished. */
static void flush(struct mgo_health_feed *f)
{
	while (f->out) {
		ssize_t n = write(f->fd, f->out + f->out_off, f->out_len - f->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			/* EPIPE: mgo-health died; its reaping detaches the feed */
			drop(f);
			break;
		}
		f->out_off += (size_t)n;
		if (f->out_off < f->out_len)
			continue;
		free(f->out);
		f->out = f->next;
		f->out_len = f->next_len;
		f->out_off = 0;
		f->next = NULL;
		f->next_len = 0;
	}
	mgo_watch_set_events(f->w, f->out ? MGO_POLLOUT : 0);
}

static void on_writable(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	flush(ctx);
}

static void send_snapshot(struct mgo_sup *s)
{
	struct mgo_health_feed *f = &s->feed;
	char hwhy[MGO_SNAP_WHY_MAX], rwhy[MGO_SNAP_WHY_MAX];
	struct mgo_snapshot snap = {.seq = ++f->seq, .health_why = hwhy, .ready_why = rwhy};
	char *metrics = NULL;
	uint8_t *frame = NULL;
	size_t len = 0;
	int rc;

	if (!f->w)
		return;
	mgo_health_judge(s->kids, MGO_SUP_CHILDREN, s->stopping, mgo_sup_lease_known(s),
			 &snap.healthy, hwhy, sizeof(hwhy), &snap.ready, rwhy, sizeof(rwhy));
	if ((rc = mgo_sup_metrics_render(s, &metrics, &len)))
		mgo_error("supervisor.health", "cannot render the metrics: %s", strerror(-rc));
	snap.metrics = metrics;
	rc = mgo_snap_encode(&snap, &frame, &len);
	free(metrics);
	if (rc) {
		mgo_error("supervisor.health", "cannot encode a snapshot: %s", strerror(-rc));
		return;
	}
	if (f->out) {
		/* a frame is under way: this one replaces whatever waited */
		free(f->next);
		f->next = frame;
		f->next_len = len;
	} else {
		f->out = frame;
		f->out_len = len;
		f->out_off = 0;
	}
	flush(f);
}

static void on_tick(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_sup *s = ctx;

	send_snapshot(s);
	mgo_timer_start(t, s->cfg.supervisor.heartbeat_ms);
}

int mgo_health_feed_open(struct mgo_sup *s)
{
	int rc;

	if ((rc = mgo_timer_new(s->loop, on_tick, s, &s->feed.tick)))
		return rc;
	mgo_timer_start(s->feed.tick, s->cfg.supervisor.heartbeat_ms);
	return 0;
}

void mgo_health_feed_attach(struct mgo_sup *s, int fd)
{
	struct mgo_health_feed *f = &s->feed;
	int rc = 0;

	mgo_health_feed_detach(s);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		rc = -errno;
	if (!rc)
		rc = mgo_loop_add_fd(s->loop, fd, 0, on_writable, f, &f->w);
	if (rc) {
		/* mgo-health will find its pipe closed, exit and be restarted */
		mgo_error("supervisor.health", "cannot feed mgo-health: %s", strerror(-rc));
		close(fd);
		return;
	}
	f->fd = fd;
	send_snapshot(s);
}

void mgo_health_feed_detach(struct mgo_sup *s)
{
	struct mgo_health_feed *f = &s->feed;

	if (!f->w)
		return;
	mgo_watch_remove(f->w);
	close(f->fd);
	f->w = NULL;
	f->fd = -1;
	drop(f);
}

void mgo_sup_health_changed(struct mgo_sup *s)
{
	send_snapshot(s);
}

void mgo_health_feed_close(struct mgo_sup *s)
{
	mgo_health_feed_detach(s);
	mgo_timer_remove(s->feed.tick);
	s->feed.tick = NULL;
}

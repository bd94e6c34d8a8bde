/* One child's state machine (see sup.h): spawning with its keys, its
 * heartbeats and deadlines, its output, its exits and restarts. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mgo/log.h"
#include "sup_spawn.h"
#include "sup.h"

/* Reads per wakeup of one pipe, so a child that floods its output cannot
 * keep the loop from its siblings' heartbeats. */
#define READS_PER_WAKEUP 16

static void on_deadline(struct mgo_loop *loop, struct mgo_timer *t, void *ctx);
static void on_healthy(struct mgo_loop *loop, struct mgo_timer *t, void *ctx);

int mgo_child_attach(struct mgo_child *c, struct mgo_sup *s)
{
	int rc;

	c->sup = s;
	if ((rc = mgo_timer_new(s->loop, on_deadline, c, &c->deadline)) ||
	    (rc = mgo_timer_new(s->loop, on_healthy, c, &c->healthy)))
		return rc;
	return 0;
}

/* ---- output: the child's stdout and stderr, one pipe ---- */

static void write_stdout(void *ctx, const char *line, size_t len)
{
	/* a stdout that is gone (EPIPE; SIGPIPE is ignored) drops the line */
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

static void close_output(struct mgo_child *c)
{
	if (c->out_fd < 0)
		return;
	mgo_logmux_flush(&c->mux, write_stdout, NULL);
	mgo_logmux_free(&c->mux);
	mgo_watch_remove(c->out_w);
	close(c->out_fd);
	c->out_w = NULL;
	c->out_fd = -1;
}

enum drain { DRAINED, MORE, CLOSED };

/* Reads at most READS_PER_WAKEUP chunks: DRAINED when the pipe is empty for
 * now, MORE when it may not be, CLOSED at end of file or on an error. */
static enum drain read_output(struct mgo_child *c)
{
	char buf[16384];

	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		ssize_t n = read(c->out_fd, buf, sizeof(buf));
		if (n > 0) {
			if (mgo_logmux_feed(&c->mux, buf, (size_t)n, write_stdout, NULL) != 0)
				mgo_error("supervisor.output", "out of memory: output of %s dropped",
					  c->name);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? DRAINED : CLOSED;
	}
	return MORE;
}

static void on_output(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_child *c = ctx;

	if (read_output(c) == CLOSED)
		close_output(c);
}

/* ---- heartbeats and deadlines ---- */

static void close_notify(struct mgo_child *c)
{
	if (c->notify_fd < 0)
		return;
	mgo_watch_remove(c->notify_w);
	close(c->notify_fd);
	c->notify_w = NULL;
	c->notify_fd = -1;
}

/* The next moment the child must have shown a sign of life by. */
static void arm_deadline(struct mgo_child *c)
{
	const struct mgo_cfg_supervisor *cfg = &c->sup->cfg.supervisor;
	uint64_t due = c->beat_ms + cfg->heartbeat_timeout_ms, now = mgo_now_ms();

	if (c->state == MGO_CHILD_STARTING && c->started_ms + cfg->ready_timeout_ms < due)
		due = c->started_ms + cfg->ready_timeout_ms;
	mgo_timer_start(c->deadline, due > now ? due - now : 0);
}

/* A hung or misbehaving child: SIGKILL works on a stopped process too, and
 * one that lies on its notification fd deserves no grace. Restarted once
 * reaped. */
static void kill_broken(struct mgo_child *c, const char *why)
{
	snprintf(c->why, sizeof(c->why), "%s", why);
	mgo_log_kv(MGO_LOG_WARN, NULL, "supervisor.child.broken", "{s:s, s:i, s:s}", "child",
		   c->name, "child_pid", (int)c->pid, "why", why);
	if (kill(c->pid, SIGKILL) != 0)
		mgo_error("supervisor.kill", "cannot kill %s (%d): %s", c->name, (int)c->pid,
			  strerror(errno));
	c->state = MGO_CHILD_STOPPING;
	mgo_timer_stop(c->deadline);
	mgo_timer_stop(c->healthy);
	close_notify(c);
	mgo_sup_health_changed(c->sup);
}

static int on_beat(void *ctx, const struct mgo_heartbeat *hb)
{
	struct mgo_child *c = ctx;

	if (hb->role != c->role || hb->pid != c->pid) {
		snprintf(c->why, sizeof(c->why), "heartbeat claims to be %s pid %d",
			 mgo_role_name(hb->role), (int)hb->pid);
		return -EBADMSG;
	}
	if (c->state != MGO_CHILD_STARTING && c->state != MGO_CHILD_READY)
		return 0;
	c->beat_ms = mgo_now_ms();
	if (hb->leading && hb->role != MGO_ROLE_LAUNCHER) {
		snprintf(c->why, sizeof(c->why), "%s heartbeat claims to lead", c->name);
		return -EBADMSG;
	}
	if (hb->leading != c->leading) {
		c->leading = hb->leading;
		if (c->leading)
			mgo_sup_launcher_leads(c->sup, c);
	}
	if (hb->ready && c->state == MGO_CHILD_STARTING) {
		c->state = MGO_CHILD_READY;
		mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.child.ready", "{s:s, s:i, s:I}", "child",
			   c->name, "child_pid", (int)c->pid, "after_ms",
			   (json_int_t)(c->beat_ms - c->started_ms));
		mgo_timer_start(c->healthy, c->sup->cfg.supervisor.healthy_after_ms);
		arm_deadline(c);
		mgo_sup_health_changed(c->sup);
		mgo_sup_peer_ready(c->sup, c);
		mgo_sup_child_ready(c->sup);
		return 0;
	}
	arm_deadline(c);
	return 0;
}

static int on_metrics(void *ctx, const struct mgo_metric_series *s)
{
	struct mgo_child *c = ctx;

	struct mgo_sup_store *st = c->sup->metrics;
	int rc = mgo_sup_store_put(st, c->role, s);

	/* a refused series is lost, not the child: metrics are not worth a
	 * restart. Said at the 1st, 2nd, 4th... refusal, so a child that
	 * keeps trying cannot flood the log. */
	if (rc && (st->refused & (st->refused - 1)) == 0)
		mgo_log_kv(MGO_LOG_WARN, NULL, "supervisor.metrics.refused", "{s:s, s:s, s:s, s:I}",
			   "child", c->name, "family", mgo_metric_defs[s->family].name, "error",
			   strerror(-rc), "refused", (json_int_t)st->refused);
	return 0;
}

/* A dead child's last heartbeats say nothing any more. */
static int ignore_beat(void *ctx, const struct mgo_heartbeat *hb)
{
	return 0;
}

/* Reads at most READS_PER_WAKEUP chunks of fd and feeds them, heartbeats to
 * beat. 0, or -1 with why set at the first bad frame (c->why says which
 * lie, if any). */
static int read_notify(struct mgo_child *c, int fd, mgo_notify_fn beat, char *why, size_t whylen)
{
	const struct mgo_notify_handlers h = {.beat = beat, .metrics = on_metrics, .ctx = c};
	uint8_t buf[PIPE_BUF];
	char err[256];

	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		/* one packet per read; MSG_TRUNC makes an oversized one say its
		 * true length instead of being cut silently */
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			/* closed: it can no longer beat, and its silence will say so */
			close_notify(c);
			return 0;
		}
		if ((size_t)n > sizeof(buf)) {
			snprintf(why, whylen, "bad notification: a packet of %zd bytes, "
				 "over the %zu a frame may have", n, sizeof(buf));
			return -1;
		}
		if (mgo_notify_read(&c->notify, buf, (size_t)n, &h, err, sizeof(err))) {
			snprintf(why, whylen, "bad notification: %s", c->why[0] ? c->why : err);
			return -1;
		}
	}
	return 0;
}

static void on_notify(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_child *c = ctx;
	char why[512];

	c->why[0] = '\0';
	if (read_notify(c, fd, on_beat, why, sizeof(why)))
		kill_broken(c, why);
}

static void on_deadline(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_child *c = ctx;
	const struct mgo_cfg_supervisor *cfg = &c->sup->cfg.supervisor;
	uint64_t now = mgo_now_ms();
	char why[128];

	switch (c->state) {
	case MGO_CHILD_STARTING:
	case MGO_CHILD_READY:
		if (c->state == MGO_CHILD_STARTING && now >= c->started_ms + cfg->ready_timeout_ms)
			snprintf(why, sizeof(why), "not ready %u ms after its start",
				 cfg->ready_timeout_ms);
		else
			snprintf(why, sizeof(why), "no heartbeat for %llu ms",
				 (unsigned long long)(now - c->beat_ms));
		kill_broken(c, why);
		break;
	case MGO_CHILD_BACKOFF:
		mgo_child_launch(c);
		break;
	default:
		break;
	}
}

static void on_healthy(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_child *c = ctx;

	if (c->failures > 0)
		mgo_info("supervisor.child.healthy", "%s ready for %u ms: %u failures forgiven",
			 c->name, c->sup->cfg.supervisor.healthy_after_ms, c->failures);
	c->failures = 0;
}

/* ---- starting, failing, stopping ---- */

static void failed(struct mgo_child *c, const char *how)
{
	struct mgo_sup *s = c->sup;
	uint64_t delay;

	c->failures++;
	if (mgo_sup_gives_up(&s->cfg.supervisor, c->failures)) {
		c->state = MGO_CHILD_DOWN;
		mgo_sup_crash_loop(s, c, how);
		return;
	}
	delay = mgo_sup_restart_delay(&s->cfg.supervisor, c->failures, mgo_rng_next(&s->rng));
	c->state = MGO_CHILD_BACKOFF;
	mgo_timer_start(c->deadline, delay);
	mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.child.restarting", "{s:s, s:I, s:i}", "child",
		   c->name, "in_ms", (json_int_t)delay, "failures", (int)c->failures);
	mgo_sup_health_changed(s);
}

/* Pipes, keys, and the spawner's fork and exec; 0 or a negative errno with
 * err set. Only the processes with IPC peers get keys. mgo-health's fd 3 is
 * the read end of the snapshot pipe, whose write end goes to the health
 * feed; mgo-tokens gets neither. */
static int spawn_child(struct mgo_child *c, char *err, size_t errlen)
{
	struct mgo_sup *s = c->sup;
	bool health = c->role == MGO_ROLE_HEALTH, ipc = mgo_sup_peers_of(c->role) != 0;
	int keys[2] = {-1, -1}, notify[2] = {-1, -1}, out[2] = {-1, -1}, rc = 0;
	uint8_t bundle[MGO_IPC_BUNDLE_MAX];
	size_t blen = 0;
	pid_t pid = -1;

	if (ipc && (rc = mgo_sup_bundle(s, c->role, bundle, sizeof(bundle), &blen))) {
		snprintf(err, errlen, "cannot make its key bundle: %s", strerror(-rc));
		goto out;
	}
	/* The notification channel is a packet socket, not a pipe: each write
	 * is one whole frame or nothing (as on a pipe under PIPE_BUF), and it
	 * also carries the supervisor's news the other way (mgo_child_tell). */
	if (pipe2(keys, O_CLOEXEC) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, notify) ||
	    pipe2(out, O_CLOEXEC) || fcntl(notify[0], F_SETFL, O_NONBLOCK) ||
	    fcntl(out[0], F_SETFL, O_NONBLOCK)) {
		rc = -errno;
		snprintf(err, errlen, "cannot make its pipes: %s", strerror(-rc));
		goto out;
	}
	/* far below a pipe's capacity, so this cannot block: the keys wait in
	 * the kernel until the child reads them first thing */
	if (ipc && write(keys[1], bundle, blen) != (ssize_t)blen) {
		rc = -EIO;
		snprintf(err, errlen, "cannot write its keys");
		goto out;
	}
	if (!health) {
		/* no keys (mgo-tokens): an empty pipe, closed at once */
		close(keys[1]);
		keys[1] = -1;
	}
	if ((rc = mgo_logmux_init(&c->mux, c->name, 0))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	pid = mgo_spawner_spawn(&s->spawner, (size_t)(c - s->kids), keys[0], notify[1], out[1]);
	if (pid < 0) {
		rc = (int)pid;
		snprintf(err, errlen, "cannot fork: %s", strerror(-rc));
		goto out;
	}
	c->pid = pid;
	c->leading = false;
	c->starts++;
	c->mux.pid = pid;
	if (health) {
		mgo_health_feed_attach(s, keys[1]);
		keys[1] = -1;
	}
	c->notify_fd = notify[0];
	c->out_fd = out[0];
	notify[0] = out[0] = -1;
	memset(&c->notify, 0, sizeof(c->notify));
	if ((rc = mgo_loop_add_fd(s->loop, c->notify_fd, MGO_POLLIN, on_notify, c, &c->notify_w)) ||
	    (rc = mgo_loop_add_fd(s->loop, c->out_fd, MGO_POLLIN, on_output, c, &c->out_w)))
		snprintf(err, errlen, "cannot watch its pipes: %s", strerror(-rc));
out:
	explicit_bzero(bundle, sizeof(bundle));
	for (int i = 0; i < 2; i++) {
		if (keys[i] >= 0)
			close(keys[i]);
		if (notify[i] >= 0)
			close(notify[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	if (rc && pid < 0)
		mgo_logmux_free(&c->mux);
	return rc;
}

void mgo_child_launch(struct mgo_child *c)
{
	char err[256];
	uint64_t now = mgo_now_ms();

	c->why[0] = '\0';
	if (spawn_child(c, err, sizeof(err)) != 0) {
		mgo_log_kv(MGO_LOG_ERROR, NULL, "supervisor.child.spawn", "{s:s, s:s}", "child",
			   c->name, "error", err);
		if (c->pid > 0) {
			/* running but unwatchable: treat it as broken */
			c->state = MGO_CHILD_STARTING;
			kill_broken(c, err);
			return;
		}
		failed(c, err);
		return;
	}
	c->state = MGO_CHILD_STARTING;
	c->started_ms = c->beat_ms = now;
	mgo_sup_store_started(c->sup->metrics, c->role);
	arm_deadline(c);
	mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.child.started", "{s:s, s:i, s:s}", "child",
		   c->name, "child_pid", (int)c->pid, "program", c->path);
	mgo_sup_health_changed(c->sup);
}

void mgo_child_exited(struct mgo_child *c, int wstatus)
{
	char how[64];
	pid_t pid = c->pid;

	/* all it wrote is in the pipes now: drain them before the exit line;
	 * its last metric frames are the totals carried over */
	if (c->out_fd >= 0) {
		while (read_output(c) == MORE)
			continue;
		close_output(c);
	}
	if (c->notify_fd >= 0) {
		char why[512];
		/* a bad last frame only loses the rest: it is dead already */
		read_notify(c, c->notify_fd, ignore_beat, why, sizeof(why));
	}
	close_notify(c);
	mgo_sup_store_exited(c->sup->metrics, c->role);
	mgo_timer_stop(c->deadline);
	mgo_timer_stop(c->healthy);
	c->pid = 0;
	if (c->role == MGO_ROLE_HEALTH)
		mgo_health_feed_detach(c->sup);
	mgo_sup_describe_exit(wstatus, how, sizeof(how));
	if (c->sup->stopping) {
		c->state = MGO_CHILD_DOWN;
		mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.child.stopped", "{s:s, s:i, s:s}", "child",
			   c->name, "child_pid", (int)pid, "status", how);
		mgo_sup_health_changed(c->sup);
		return;
	}
	mgo_log_kv(MGO_LOG_WARN, NULL, "supervisor.child.exited", "{s:s, s:i, s:s, s:s*}", "child",
		   c->name, "child_pid", (int)pid, "status", how, "why", c->why[0] ? c->why : NULL);
	failed(c, c->why[0] ? c->why : how);
}

void mgo_child_stop(struct mgo_child *c)
{
	mgo_timer_stop(c->healthy);
	if (c->state == MGO_CHILD_BACKOFF) {
		mgo_timer_stop(c->deadline);
		c->state = MGO_CHILD_DOWN;
		return;
	}
	if (!c->pid || c->state == MGO_CHILD_STOPPING)
		return;
	mgo_timer_stop(c->deadline);
	c->state = MGO_CHILD_STOPPING;
	mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.child.stopping", "{s:s, s:i}", "child", c->name,
		   "child_pid", (int)c->pid);
	mgo_sup_health_changed(c->sup);
	if (kill(c->pid, SIGTERM) != 0)
		mgo_error("supervisor.kill", "cannot signal %s (%d): %s", c->name, (int)c->pid,
			  strerror(errno));
}

void mgo_child_kill_now(struct mgo_child *c)
{
	if (!c->pid)
		return;
	mgo_log_kv(MGO_LOG_WARN, NULL, "supervisor.child.killed", "{s:s, s:i, s:s}", "child",
		   c->name, "child_pid", (int)c->pid, "why", "still running at the end of the grace period");
	kill(c->pid, SIGKILL);
}

void mgo_child_free(struct mgo_child *c)
{
	close_output(c);
	close_notify(c);
	mgo_timer_remove(c->deadline);
	mgo_timer_remove(c->healthy);
	c->deadline = c->healthy = NULL;
}

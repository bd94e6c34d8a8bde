#include "lease.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "mgo/kube_write.h"
#include "mgo/log.h"

static const struct mgo_kube_resource res_leases = {"coordination.k8s.io", "v1", "leases", true};

enum mgo_lease_step mgo_lease_next(const struct mgo_lease_view *v, const char *me,
				   uint64_t now_ms)
{
	if (!v->exists)
		return MGO_LEASE_CREATE;
	if (strcmp(v->holder, me) == 0)
		return MGO_LEASE_RENEW;
	if (v->holder[0] == '\0' || now_ms - v->observed_ms > MGO_LEASE_DURATION_S * 1000u)
		return MGO_LEASE_ACQUIRE;
	return MGO_LEASE_FOLLOW;
}

struct mgo_lease {
	struct mgo_loop *loop;
	struct mgo_kube_client *client;
	struct mgo_timer *timer;        /* the next attempt */
	struct mgo_timer *deadline;     /* leader: the renew deadline; else the
					   attempt in flight's time limit */
	struct mgo_kube_req *req;
	char *ns;
	char *me;
	struct mgo_lease_view view;
	bool leader;
	bool known;                     /* leader or not has been decided once */
	bool must_read;                 /* our view is stale (a write conflicted) */
	uint64_t attempt_ms;            /* our clock when the request in flight started */
	int64_t attempt_us;             /* and the wall clock then, for the logs */
	uint64_t renewed_ms;            /* start of the last write that held it */
	/* the interval led, for the lines that open and close it */
	int64_t acquired_us, renewed_us;        /* wall clock, microseconds */
	uint64_t renewals;
	bool releasing;                 /* the release write is in flight */
	int release_rc;                 /* its outcome */
	mgo_lease_change_fn changed;
	void *ctx;
};

static int64_t wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* RFC 3339 with microseconds: the MicroTime the Lease fields are. */
static void micro_time_of(int64_t us, char *buf, size_t len)
{
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(us % 1000000));
}

static void micro_time(char *buf, size_t len)
{
	micro_time_of(wall_us(), buf, len);
}

static void tell(struct mgo_lease *l)
{
	if (l->changed)
		l->changed(l->ctx, l->leader);
}

/* The first answer is news even when it is "standby": whoever watches
 * (metrics, readiness) learns the launcher knows its place. */
static void standing_by(struct mgo_lease *l)
{
	if (l->known)
		return;
	l->known = true;
	tell(l);
}

static void begin_interval(struct mgo_lease *l)
{
	char at[40];

	l->known = true;
	l->leader = true;
	l->acquired_us = wall_us();
	l->renewals = 1;        /* the write that acquired it */
	micro_time_of(l->acquired_us, at, sizeof(at));
	mgo_log_kv(MGO_LOG_INFO, __func__, "lease.acquired",
		   "{s:s, s:s, s:s, s:I, s:s, s:I}", "msg", "leading", "holder", l->me,
		   "acquired_at", at, "acquired_us", (json_int_t)l->acquired_us, "lease_rv",
		   l->view.rv, "transitions", (json_int_t)l->view.transitions);
	tell(l);
}

/* Ends the interval led: one line with all of it (when it began, when its
 * Lease was last renewed, when it ended and why), before anybody hears of
 * it, so that no write is started after the time it gives. */
static void end_interval(struct mgo_lease *l, enum mgo_log_level level, const char *why,
			 bool news)
{
	char acquired[40], renewed[40], lost[40];
	int64_t now = wall_us();

	if (!l->leader)
		return;
	l->leader = false;
	mgo_timer_stop(l->deadline);
	micro_time_of(l->acquired_us, acquired, sizeof(acquired));
	micro_time_of(l->renewed_us, renewed, sizeof(renewed));
	micro_time_of(now, lost, sizeof(lost));
	mgo_log_kv(level, __func__, "lease.lost",
		   "{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:I}", "msg", why, "holder",
		   l->me, "acquired_at", acquired, "acquired_us", (json_int_t)l->acquired_us,
		   "last_renew_at", renewed, "last_renew_us", (json_int_t)l->renewed_us,
		   "lost_at", lost, "lost_us", (json_int_t)now, "renewals",
		   (json_int_t)l->renewals, "led_ms", (json_int_t)((now - l->acquired_us) / 1000));
	if (news)
		tell(l);
}

/* Takes in what the server says the Lease is now. */
static void observe(struct mgo_lease *l, const json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
	const char *rv = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
	struct mgo_lease_view *v = &l->view;

	holder = holder ? holder : "";
	rv = rv ? rv : "";
	if (!v->exists || strcmp(v->holder, holder) != 0 || strcmp(v->rv, rv) != 0)
		v->observed_ms = mgo_now_ms();
	v->exists = true;
	snprintf(v->holder, sizeof(v->holder), "%s", holder);
	snprintf(v->rv, sizeof(v->rv), "%s", rv);
	v->transitions = json_integer_value(json_object_get(spec, "leaseTransitions"));
}

/* The record to write: holding it (holder = our identity), or giving it up
 * (holder NULL: no holder, and a duration of 1 s as client-go writes). */
static json_t *lease_body(struct mgo_lease *l, bool acquire, const char *holder)
{
	char now[64];
	json_t *obj;

	micro_time(now, sizeof(now));
	obj = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:I}}", "apiVersion",
			"coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
			MGO_LEASE_NAME, "namespace", l->ns, "spec", "holderIdentity",
			holder ? holder : "", "leaseDurationSeconds",
			holder ? MGO_LEASE_DURATION_S : 1, "renewTime", now, "leaseTransitions",
			(json_int_t)(l->view.transitions + (acquire && l->view.exists ? 1 : 0)));
	if (!obj)
		return NULL;
	if (l->view.exists)
		json_object_set_new(json_object_get(obj, "metadata"), "resourceVersion",
				    json_string(l->view.rv));
	if (acquire || !l->view.exists)
		json_object_set_new(json_object_get(obj, "spec"), "acquireTime", json_string(now));
	return obj;
}

/* The next attempt: every retry period from the start of the last one
 * while leading (at once when the last took longer), every follower poll
 * otherwise, and for a follower no later than the moment the record it
 * sees expires, so that it takes over then and not up to a poll later. */
static void schedule(struct mgo_lease *l)
{
	uint64_t now = mgo_now_ms();
	uint64_t period = l->leader ? MGO_LEASE_RETRY_MS : MGO_LEASE_FOLLOW_POLL_MS;
	uint64_t since = now - l->attempt_ms;
	uint64_t delay = since < period ? period - since : 0;

	if (!l->leader && l->view.exists && l->view.holder[0] && strcmp(l->view.holder, l->me)) {
		uint64_t expiry = l->view.observed_ms + MGO_LEASE_DURATION_S * 1000u + 1;
		uint64_t until = expiry > now ? expiry - now : 0;
		if (until < delay)
			delay = until;
	}
	mgo_timer_start(l->timer, delay);
}

/* A request of the elector begins: leading, the renew deadline already
 * bounds it; otherwise it gets as long as a renewal would. */
static void attempt_begins(struct mgo_lease *l)
{
	/* the wall clock first: the stamp the logs give is then never later
	 * than the start the deadline counts from */
	l->attempt_us = wall_us();
	l->attempt_ms = mgo_now_ms();
	if (!l->leader)
		mgo_timer_start(l->deadline, MGO_LEASE_RENEW_DEADLINE_MS);
}

static void attempt_ends(struct mgo_lease *l)
{
	l->req = NULL;
	if (!l->leader)
		mgo_timer_stop(l->deadline);
}

static void arm_renew_deadline(struct mgo_lease *l)
{
	uint64_t end = l->renewed_ms + MGO_LEASE_RENEW_DEADLINE_MS, now = mgo_now_ms();

	mgo_timer_start(l->deadline, end > now ? end - now : 0);
}

static void on_written(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_lease *l = ctx;

	attempt_ends(l);
	if (!res->error && mgo_now_ms() - l->attempt_ms >= MGO_LEASE_RENEW_DEADLINE_MS) {
		/* ours at the server, but sent too long ago to lead on: the next
		 * write, made at once, counts from its own start */
		observe(l, res->body);
		mgo_debug("lease.late", "a lease write was answered after %d ms",
			  MGO_LEASE_RENEW_DEADLINE_MS);
		mgo_timer_start(l->timer, 0);
		return;
	}
	if (!res->error) {
		observe(l, res->body);
		/* counted from the start: the server wrote it after that. Set
		 * before anybody hears of the leadership, which they may check */
		l->renewed_ms = l->attempt_ms;
		l->renewed_us = l->attempt_us;
		arm_renew_deadline(l);
		if (!l->leader) {
			begin_interval(l);
		} else {
			l->renewals++;
			mgo_debug("lease.renewed", "lease renewed by %s (rv %s)", l->me, l->view.rv);
		}
	} else {
		/* 409: somebody wrote first; read again next round */
		if (res->error->http_code == 409)
			l->must_read = true;
		mgo_debug("lease.write", "lease write failed: %s %s", res->error->reason,
			  res->error->message);
	}
	schedule(l);
}

static void write_lease(struct mgo_lease *l, bool acquire)
{
	json_t *body = lease_body(l, acquire, l->me);
	struct mgo_kube_call call = {.verb = l->view.exists ? MGO_KUBE_UPDATE : MGO_KUBE_CREATE,
				     .res = &res_leases, .ns = l->ns, .body = body,
				     .flags = MGO_KUBE_F_PRIORITY};
	int rc;

	if (!body) {
		schedule(l);
		return;
	}
	/* an update carries the resourceVersion: a repeat cannot overwrite
	 * anybody else's record. A create is not repeated after it was sent. */
	if (l->view.exists) {
		call.name = MGO_LEASE_NAME;
		call.flags |= MGO_KUBE_F_IDEMPOTENT;
	} else {
		call.flags |= MGO_KUBE_F_RETRY_CONNECT;
	}
	attempt_begins(l);
	rc = mgo_kube_write(l->client, &call, on_written, l, &l->req);
	json_decref(body);
	if (rc) {
		attempt_ends(l);
		mgo_warn("lease.write", "cannot write the lease: %s", strerror(-rc));
		schedule(l);
	}
}

static void on_read(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_lease *l = ctx;

	attempt_ends(l);
	l->must_read = false;
	if (res->error && res->error->http_code == 404) {
		l->view.exists = false;
	} else if (res->error) {
		mgo_debug("lease.read", "cannot read the lease: %s %s", res->error->reason,
			  res->error->message);
		schedule(l);
		return;
	} else {
		observe(l, res->body);
	}
	switch (mgo_lease_next(&l->view, l->me, mgo_now_ms())) {
	case MGO_LEASE_CREATE:
		write_lease(l, true);
		return;
	case MGO_LEASE_RENEW:
		write_lease(l, false);
		return;
	case MGO_LEASE_ACQUIRE:
		if (l->view.holder[0])
			mgo_info("lease.acquiring", "lease held by '%s' expired; taking over",
				 l->view.holder);
		else
			mgo_info("lease.acquiring", "lease released; taking over");
		write_lease(l, true);
		return;
	case MGO_LEASE_FOLLOW:
		end_interval(l, MGO_LOG_WARN, "another launcher holds the lease", true);
		standing_by(l);
		schedule(l);
		return;
	}
}

static void on_tick(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_lease *l = ctx;
	struct mgo_kube_call call = {.verb = MGO_KUBE_GET, .res = &res_leases,
				     .name = MGO_LEASE_NAME, .flags = MGO_KUBE_F_PRIORITY};
	int rc;

	/* the deadline timer ends any attempt that runs too long */
	if (l->req)
		return;
	/* the leader renews on the record it wrote; a follower whose record
	 * expired takes it over conditionally on the resourceVersion it saw
	 * (a renewal since then fails it with 409); anyone else reads first */
	if (l->view.exists && !l->must_read) {
		if (l->leader) {
			write_lease(l, false);
			return;
		}
		if (mgo_lease_next(&l->view, l->me, mgo_now_ms()) == MGO_LEASE_ACQUIRE &&
		    l->view.holder[0]) {
			mgo_info("lease.acquiring", "lease held by '%s' expired; taking over",
				 l->view.holder);
			write_lease(l, true);
			return;
		}
	}
	call.ns = l->ns;
	attempt_begins(l);
	rc = mgo_kube_request(l->client, &call, on_read, l, &l->req);
	if (rc) {
		attempt_ends(l);
		mgo_warn("lease.read", "cannot read the lease: %s", strerror(-rc));
		schedule(l);
	}
}

/* Leading: the renew deadline passed, whatever the renewal in flight is
 * doing (it is abandoned: if the server still takes it, the next read
 * shows the Lease ours and it is renewed as any other). Following: the
 * attempt in flight took as long as a renewal may. */
static void on_deadline(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_lease *l = ctx;

	if (l->req) {
		mgo_kube_cancel(l->req);
		l->req = NULL;
		mgo_debug("lease.timeout", "a lease request was not answered in time; abandoned");
	}
	l->must_read = true;
	if (l->leader) {
		char why[96];
		snprintf(why, sizeof(why), "could not renew the lease within %d ms",
			 MGO_LEASE_RENEW_DEADLINE_MS);
		end_interval(l, MGO_LOG_WARN, why, true);
	}
	schedule(l);
}

int mgo_lease_start(struct mgo_loop *loop, struct mgo_kube_client *client, const char *ns,
		    const char *identity, mgo_lease_change_fn changed, void *ctx,
		    struct mgo_lease **out)
{
	struct mgo_lease *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	l->loop = loop;
	l->client = client;
	l->changed = changed;
	l->ctx = ctx;
	l->ns = strdup(ns);
	l->me = strdup(identity);
	if (!l->ns || !l->me) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = mgo_timer_new(loop, on_tick, l, &l->timer)) ||
	    (rc = mgo_timer_new(loop, on_deadline, l, &l->deadline)))
		goto fail;
	mgo_timer_start(l->timer, 0);
	*out = l;
	return 0;
fail:
	mgo_timer_remove(l->timer);
	free(l->ns);
	free(l->me);
	free(l);
	return rc;
}

bool mgo_lease_is_leader(struct mgo_lease *l)
{
	if (!l || !l->leader)
		return false;
	if (mgo_now_ms() - l->renewed_ms < MGO_LEASE_RENEW_DEADLINE_MS)
		return true;
	/* the loop has not run the deadline's timer yet (it was busy): not
	 * leading from now on, and the loss is told from the loop next */
	mgo_timer_start(l->deadline, 0);
	return false;
}

static void on_released(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_lease *l = ctx;

	l->req = NULL;
	l->releasing = false;
	if (res->error) {
		l->release_rc = res->error->http_code == 409 ? -EBUSY : -EIO;
		mgo_warn("lease.release", "cannot release the lease (%s %s); it expires in %d s",
			 res->error->reason, res->error->message, MGO_LEASE_DURATION_S);
	} else {
		l->release_rc = 0;
		mgo_info("lease.released", "lease released by %s", l->me);
	}
}

int mgo_lease_release(struct mgo_lease *l, int timeout_ms)
{
	struct mgo_kube_call call = {.verb = MGO_KUBE_UPDATE, .res = &res_leases,
				     .name = MGO_LEASE_NAME, .flags = MGO_KUBE_F_PRIORITY};
	uint64_t end = mgo_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	json_t *body;
	int rc;

	if (!l || !l->leader || !l->view.exists)
		return 0;
	/* not the leader from here on: no act is obeyed while the write runs.
	 * Nobody is told: the process is stopping. */
	end_interval(l, MGO_LOG_INFO, "stopping: giving the lease up", false);
	mgo_timer_stop(l->timer);
	if (l->req) {
		/* a renewal in flight may land first and move the resourceVersion;
		 * the release then conflicts and the lease expires as it would have */
		mgo_kube_cancel(l->req);
		l->req = NULL;
	}
	body = lease_body(l, false, NULL);
	if (!body)
		return -ENOMEM;
	call.ns = l->ns;
	call.body = body;
	rc = mgo_kube_write(l->client, &call, on_released, l, &l->req);
	json_decref(body);
	if (rc)
		return rc;
	l->releasing = true;
	while (l->releasing && rc == 0 && mgo_now_ms() < end)
		rc = mgo_loop_run_once(l->loop, (int)(end - mgo_now_ms()));
	if (l->releasing) {
		mgo_kube_cancel(l->req);
		l->req = NULL;
		l->releasing = false;
		mgo_warn("lease.release", "the lease release was not answered in %d ms", timeout_ms);
		return rc ? rc : -ETIMEDOUT;
	}
	return l->release_rc;
}

void mgo_lease_stop(struct mgo_lease *l)
{
	if (!l)
		return;
	if (l->req)
		mgo_kube_cancel(l->req);
	mgo_timer_remove(l->timer);
	mgo_timer_remove(l->deadline);
	free(l->ns);
	free(l->me);
	free(l);
}

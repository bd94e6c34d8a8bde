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
	struct mgo_timer *timer;
	struct mgo_kube_req *req;
	char *ns;
	char *me;
	struct mgo_lease_view view;
	bool leader;
	bool known;                     /* leader or not has been decided once */
	bool must_read;                 /* our view is stale (a write conflicted) */
	uint64_t renewed_ms;            /* our clock at the last successful write */
	bool releasing;                 /* the release write is in flight */
	int release_rc;                 /* its outcome */
	mgo_lease_change_fn changed;
	void *ctx;
};

static void set_leader(struct mgo_lease *l, bool leader, const char *why)
{
	bool first = !l->known;

	/* the first answer is news even when it is "standby": whoever watches
	 * (metrics, readiness) learns the launcher knows its place */
	if (l->leader == leader && !first)
		return;
	l->known = true;
	l->leader = leader;
	if (leader)
		mgo_info("lease.acquired", "leading as %s", l->me);
	else if (!first)
		mgo_warn("lease.lost", "no longer leading: %s", why);
	if (l->changed)
		l->changed(l->ctx, leader);
}

/* RFC 3339 with microseconds: the MicroTime the Lease fields are. */
static void micro_time(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)tv.tv_usec % 1000000);
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

static void schedule(struct mgo_lease *l)
{
	mgo_timer_start(l->timer, MGO_LEASE_RETRY_MS);
}

static void on_written(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_lease *l = ctx;

	l->req = NULL;
	if (!res->error) {
		observe(l, res->body);
		l->renewed_ms = mgo_now_ms();
		set_leader(l, true, NULL);
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
	int rc;

	if (!body) {
		schedule(l);
		return;
	}
	if (l->view.exists) {
		struct mgo_kube_call call = {.verb = MGO_KUBE_UPDATE, .res = &res_leases,
					     .ns = l->ns, .name = MGO_LEASE_NAME, .body = body,
					     .flags = MGO_KUBE_F_IDEMPOTENT};
		rc = mgo_kube_write(l->client, &call, on_written, l, &l->req);
	} else {
		rc = mgo_kube_create(l->client, &res_leases, l->ns, body, 0, on_written, l, &l->req);
	}
	json_decref(body);
	if (rc) {
		mgo_warn("lease.write", "cannot write the lease: %s", strerror(-rc));
		schedule(l);
	}
}

static void on_read(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_lease *l = ctx;

	l->req = NULL;
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
		set_leader(l, false, "another launcher holds the lease");
		schedule(l);
		return;
	}
}

static void on_tick(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_lease *l = ctx;
	int rc;

	if (l->leader && mgo_now_ms() - l->renewed_ms > MGO_LEASE_RENEW_DEADLINE_MS)
		set_leader(l, false, "could not renew the lease in time");
	/* the leader renews on the record it wrote; anyone else reads first */
	if (l->leader && l->view.exists && !l->must_read) {
		write_lease(l, false);
		return;
	}
	rc = mgo_kube_get(l->client, &res_leases, l->ns, MGO_LEASE_NAME, on_read, l, &l->req);
	if (rc) {
		mgo_warn("lease.read", "cannot read the lease: %s", strerror(-rc));
		schedule(l);
	}
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
	if ((rc = mgo_timer_new(loop, on_tick, l, &l->timer)))
		goto fail;
	mgo_timer_start(l->timer, 0);
	*out = l;
	return 0;
fail:
	free(l->ns);
	free(l->me);
	free(l);
	return rc;
}

bool mgo_lease_is_leader(const struct mgo_lease *l)
{
	return l && l->leader;
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
				     .name = MGO_LEASE_NAME};
	uint64_t end = mgo_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	json_t *body;
	int rc;

	if (!l || !l->leader || !l->view.exists)
		return 0;
	/* not the leader from here on: no act is obeyed while the write runs */
	l->leader = false;
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
	free(l->ns);
	free(l->me);
	free(l);
}

#include "watcher.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "mgo/apiobj.h"
#include "mgo/ipc_sock.h"
#include "mgo/kube.h"
#include "mgo/labels.h"
#include "mgo/log.h"
#include "mgo/metrics.h"
#include "mgo/spec.h"

/* What was last sent for one MustGather and when to send it again. The
 * pipeline is level-triggered: the watcher re-sends an unchanged Observe
 * with growing pauses until the MustGather's state moves on, so a message
 * lost to a restarting peer costs a delay, never the MustGather. */
struct pending {
	char *uid;
	uint64_t sent_hash;             /* of the last Observe sent; 0: none */
	uint64_t backoff_ms;
	struct mgo_timer *timer;
	struct mgo_watcher *w;
	/* premises confirmed by a fresh read (see "fresh reads" below) */
	bool allowlist_ok;
	uint64_t allowlist_need;        /* first allowlist read that may confirm it; 0: none */
	struct sa_read *sa_wait;        /* the read of its ServiceAccount it waits for */
	struct pending *sa_prev, *sa_next; /* in sa_wait's waiters */
	uint64_t sa_seen;               /* ServiceAccount reads started before it was seen */
	bool pods_ok;
	struct mgo_kube_req *pods_req;  /* the fresh list of its pods */
	struct mgo_kube_req *pvc_req;   /* the read of the claim its storage names */
	struct mgo_timer *pvc_timer;    /* the next read of a claim not Bound */
	uint64_t pvc_backoff_ms;        /* the pause before it; 0: none yet */
	int pvc_last;                   /* the phase the last read found; -1: none */
	int settled;                    /* the phase waited for its Job once; -1: none */
	UT_hash_handle hh;
};

/* One GET of ServiceAccount ns/name in flight, shared by every MustGather
 * that names it and was seen before the GET started (see "fresh reads"). */
struct sa_read {
	char *key;                      /* "ns/name" */
	struct mgo_watcher *w;
	struct mgo_kube_req *req;
	uint64_t epoch;                 /* w->sa_epoch when it started */
	bool again;                     /* someone seen since waits for a newer read */
	/* those whose sa_wait it is: a read's end visits them, not every
	 * pending MustGather (which it did, and showed in profiles) */
	struct pending *waiters;
	UT_hash_handle hh;
};

#define SELECT_OURS MGO_LABEL_MANAGED_BY "=" MGO_MANAGED_BY

static const struct mgo_kube_resource res_mustgathers = {"operator.openshift.io", "v1alpha1",
							 "mustgathers", true};
static const struct mgo_kube_resource res_allowlist = {"operator.openshift.io", "v1alpha1",
						       "mustgatherimages", false};
static const struct mgo_kube_resource res_jobs = {"batch", "v1", "jobs", true};
static const struct mgo_kube_resource res_pods = {"", "v1", "pods", true};
/* read one at a time, never listed: see "fresh reads" */
static const struct mgo_kube_resource res_sas = {"", "v1", "serviceaccounts", true};
static const struct mgo_kube_resource res_pvcs = {"", "v1", "persistentvolumeclaims", true};

/* What each informer lists and watches. */
static const struct mgo_kube_resource *const inf_resources[MGO_INF_N] = {
	[MGO_INF_MUSTGATHERS] = &res_mustgathers,
	[MGO_INF_ALLOWLIST] = &res_allowlist,
	[MGO_INF_JOBS] = &res_jobs,
	[MGO_INF_PODS] = &res_pods,
};

static bool all_synced(const struct mgo_watcher *w)
{
	return w->synced == (1u << MGO_INF_N) - 1;
}

bool mgo_watcher_synced(const struct mgo_watcher *w)
{
	return all_synced(w);
}

/* FNV-1a over the encoded Observe: equal hashes, nothing new to say. */
uint64_t mgo_watcher_hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h ? h : 1;
}

static void pending_drop(struct mgo_watcher *w, struct pending *p)
{
	if (p->pods_req)
		mgo_kube_cancel(p->pods_req);
	if (p->pvc_req)
		mgo_kube_cancel(p->pvc_req);
	if (p->sa_wait)
		DL_DELETE2(p->sa_wait->waiters, p, sa_prev, sa_next);
	HASH_DEL(w->pending, p);
	mgo_timer_remove(p->timer);
	mgo_timer_remove(p->pvc_timer);
	free(p->uid);
	free(p);
}

static void on_resend(struct mgo_loop *loop, struct mgo_timer *t, void *ctx);
static void on_pvc_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx);

static struct pending *pending_get(struct mgo_watcher *w, const char *uid)
{
	struct pending *p = NULL;

	HASH_FIND_STR(w->pending, uid, p);
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->uid = strdup(uid)) ||
	    mgo_timer_new(w->proc->loop, on_resend, p, &p->timer) != 0) {
		if (p)
			free(p->uid);
		free(p);
		return NULL;
	}
	if (mgo_timer_new(w->proc->loop, on_pvc_timer, p, &p->pvc_timer) != 0) {
		mgo_timer_remove(p->timer);
		free(p->uid);
		free(p);
		return NULL;
	}
	p->w = w;
	p->sa_seen = w->sa_epoch;
	p->settled = -1;
	p->pvc_last = -1;
	HASH_ADD_KEYPTR(hh, w->pending, p->uid, strlen(p->uid), p);
	return p;
}

/* ---- fresh reads ----
 *
 * The informers are separate watch streams, so the watcher can see a new
 * MustGather before an allowlist edit written just before it (one `kubectl
 * apply -f` of both, say), or a failed Job before the pod status that says
 * why. Decided on that view, the MustGather would be refused for good, or
 * fail with a vaguer reason than its own. So before the first Observe of a
 * MustGather whose outcome rests on the allowlist (it names an image) or on
 * the pod of a failed Job, the watcher reads that object anew (a GET or list
 * sees every write made before it) and sends only once the cache agrees
 * with that read: the cache is then at least as new as what decided it, and
 * the informers only move it forward. It costs one read per such MustGather
 * (allowlist reads are shared) and, when the cache is behind, the moments
 * its watch takes to catch up.
 *
 * ServiceAccounts are not watched at all (a cluster-wide cache of them
 * would cost memory and start-up time in proportion to the cluster, not to
 * the MustGathers): the one a MustGather names is read with a GET, which
 * sees every write before it, when an observation that may launch needs
 * it, and what it said is kept with the MustGather (mgo_wcache_sa_set).
 * One read of an account in flight serves every MustGather naming it that
 * was seen before the read started; those seen later wait for the next, so
 * a burst in one namespace costs a few reads, not one each (200 MustGathers
 * naming "default" at once: 47 reads, against the client's 20 a second).
 *
 * PersistentVolumeClaims likewise: the one a MustGather's storage names is
 * read with a GET before it may launch (mgo_wcache_pvc_set), so a claim that
 * does not exist fails it with InvalidSpec instead of a pod that waits for
 * the volume forever. Claims are named by few MustGathers, so each reads its
 * own. The read keeps the claim's phase too; while the MustGather is live
 * and the claim is not Bound, it is read again on a timer (CLAIM_FIRST_MS
 * doubling to CLAIM_MAX_MS, from the first on again when the phase moves),
 * so the validator can say in the status that the pod waits for it
 * (StorageReady) and take that back once it binds. A Bound claim is not
 * read again. */

static void observe(struct mgo_watcher *w, const char *uid, bool again);
static void on_pvc_read(void *ctx, const struct mgo_kube_result *res);

static void allowlist_read(struct mgo_watcher *w);

static void on_allowlist_read(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_watcher *w = ctx;
	struct pending *p, *tmp;
	struct mgo_allowlist fresh = {.present = false};
	char err[256];
	bool agrees, waiting = false;

	w->allow_req = NULL;
	if (res->error && res->error->http_code != 404) {
		mgo_warn("watcher.fresh_read", "cannot read MustGatherImage/cluster: %s %s",
			 res->error->reason, res->error->message);
		goto retry;
	}
	/* an allowlist that does not decode is ignored by the informer too:
	 * waiting cannot make them agree, and the cache has no entries to use */
	if (!res->error && mgo_allowlist_from_json(res->body, &fresh, err, sizeof(err)) != 0)
		agrees = true;
	else
		agrees = mgo_wcache_allowlist_agrees(w->cache, &fresh);
	mgo_allowlist_free(&fresh);
	if (!agrees) {
		mgo_debug("watcher.fresh_read", "the allowlist cache is behind; waiting for its watch");
		goto retry;
	}
	w->allow_backoff_ms = 0;
	HASH_ITER(hh, w->pending, p, tmp) {
		if (!p->allowlist_need)
			continue;
		if (p->allowlist_need > w->allow_epoch) {
			waiting = true; /* first seen after this read was sent */
			continue;
		}
		p->allowlist_ok = true;
		p->allowlist_need = 0;
		observe(w, p->uid, false);
	}
	if (waiting)
		allowlist_read(w);
	return;
retry:
	w->allow_backoff_ms = w->allow_backoff_ms ? w->allow_backoff_ms * 2 : 50;
	if (w->allow_backoff_ms > 2000)
		w->allow_backoff_ms = 2000;
	mgo_timer_start(w->allow_timer, w->allow_backoff_ms);
}

/* Starts a read of the allowlist unless one is running or due. */
static void allowlist_read(struct mgo_watcher *w)
{
	int rc;

	if (w->allow_req || mgo_timer_armed(w->allow_timer))
		return;
	w->allow_epoch++;
	rc = mgo_kube_get(w->client, &res_allowlist, NULL, "cluster", on_allowlist_read, w,
			  &w->allow_req);
	if (rc) {
		mgo_warn("watcher.fresh_read", "cannot read MustGatherImage/cluster: %s", strerror(-rc));
		mgo_timer_start(w->allow_timer, 1000);
	}
}

static void on_allowlist_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	allowlist_read(ctx);
}

/* Ends read r; those still waiting for it ask again at their resend
 * (retry), or not at all (the watcher closes). */
static void sa_read_free(struct mgo_watcher *w, struct sa_read *r, bool retry)
{
	struct pending *p, *tmp;

	DL_FOREACH_SAFE2(r->waiters, p, tmp, sa_next) {
		DL_DELETE2(r->waiters, p, sa_prev, sa_next);
		p->sa_wait = NULL;
		if (retry)
			mgo_timer_start(p->timer, w->first_resend_ms);
	}
	if (r->req)
		mgo_kube_cancel(r->req);
	HASH_DEL(w->sa_reads, r);
	free(r->key);
	free(r);
}

static void on_sa_read(void *ctx, const struct mgo_kube_result *res);

/* (Re)starts read r of ServiceAccount ns/name. */
static int sa_read_start(struct mgo_watcher *w, struct sa_read *r, const char *ns,
			 const char *name)
{
	r->epoch = ++w->sa_epoch;
	r->again = false;
	return mgo_kube_get(w->client, &res_sas, ns, name, on_sa_read, r, &r->req);
}

/* Waits for a read of ServiceAccount ns/name that started after p was
 * seen: joins the one in flight if it did, else asks for the next. */
static void sa_read(struct mgo_watcher *w, struct pending *p, const char *ns, const char *name)
{
	char key[2 * MGO_NAME_MAX + 2];
	struct sa_read *r = NULL;

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	HASH_FIND_STR(w->sa_reads, key, r);
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))) || !(r->key = strdup(key))) {
			free(r);
			mgo_timer_start(p->timer, w->first_resend_ms);
			return;
		}
		r->w = w;
		HASH_ADD_KEYPTR(hh, w->sa_reads, r->key, strlen(r->key), r);
		if (sa_read_start(w, r, ns, name) != 0) {
			sa_read_free(w, r, false);
			mgo_timer_start(p->timer, w->first_resend_ms);
			return;
		}
	} else if (r->epoch <= p->sa_seen) {
		r->again = true;
	}
	p->sa_wait = r;
	DL_APPEND2(r->waiters, p, sa_prev, sa_next);
}

static void on_sa_read(void *ctx, const struct mgo_kube_result *res)
{
	struct sa_read *r = ctx;
	struct mgo_watcher *w = r->w;
	struct pending *p;
	char ns[MGO_NAME_MAX + 1];
	const char *name = strchr(r->key, '/') + 1;
	bool failed = res->error && res->error->http_code != 404;

	r->req = NULL;
	if (failed)
		mgo_warn("watcher.fresh_read", "cannot read ServiceAccount %s: %s %s", r->key,
			 res->error->reason, res->error->message);
	/* what this read says holds for those seen before it started; setting
	 * it touches them, and they observe with it. Each leaves the waiters
	 * before it observes, and the walk starts over after: an observe may
	 * join this read again or drop its own pending, and the list is never
	 * held across one. */
	for (;;) {
		DL_FOREACH2(r->waiters, p, sa_next)
			if (p->sa_seen < r->epoch)
				break;
		if (!p)
			break;
		DL_DELETE2(r->waiters, p, sa_prev, sa_next);
		p->sa_wait = NULL;
		if (failed)
			mgo_timer_start(p->timer, w->first_resend_ms);
		else
			mgo_wcache_sa_set(w->cache, p->uid,
					  res->error ? MGO_PRESENCE_ABSENT : MGO_PRESENCE_PRESENT);
	}
	snprintf(ns, sizeof(ns), "%.*s", (int)(name - 1 - r->key), r->key);
	/* after a failure, no read again at once: the waiters' resends ask */
	if (failed || !r->again || sa_read_start(w, r, ns, name) != 0)
		sa_read_free(w, r, true);
}

static void on_pods_read(void *ctx, const struct mgo_kube_result *res)
{
	struct pending *p = ctx;
	struct mgo_observe now;

	p->pods_req = NULL;
	if (res->error) {
		mgo_warn("watcher.fresh_read", "cannot list the pods of %s: %s %s", p->uid,
			 res->error->reason, res->error->message);
	} else if (mgo_wcache_observe(p->w->cache, p->uid, &now) &&
		   mgo_wcache_pods_agree(&now.job, json_object_get(res->body, "items"))) {
		p->pods_ok = true;
		observe(p->w, p->uid, false);
		return;
	}
	/* behind: the pod's event will touch it; the timer, should it have
	 * come already (the cache ahead of the list) */
	mgo_timer_start(p->timer, p->w->first_resend_ms);
}

static void pods_read(struct mgo_watcher *w, struct pending *p, const char *ns)
{
	char selector[sizeof(MGO_LABEL_UID) + MGO_NAME_MAX + 2];
	struct mgo_kube_list_opts opts = {.label_selector = selector,
					  .flags = MGO_KUBE_F_SPEC_UNREAD};

	snprintf(selector, sizeof(selector), "%s=%s", MGO_LABEL_UID, p->uid);
	if (mgo_kube_list(w->client, &res_pods, ns, &opts, on_pods_read, p, &p->pods_req) != 0)
		mgo_timer_start(p->timer, w->first_resend_ms);
}

#define CLAIM_FIRST_MS 2000
#define CLAIM_MAX_MS 60000

static void pvc_read(struct mgo_watcher *w, struct pending *p, const char *ns, const char *claim)
{
	if (p->pvc_req || mgo_timer_armed(p->pvc_timer))
		return;
	if (mgo_kube_get(w->client, &res_pvcs, ns, claim, on_pvc_read, p, &p->pvc_req) != 0)
		mgo_timer_start(p->timer, w->first_resend_ms);
}

/* The next read of a claim that is not Bound, after a pause that grows
 * while nothing moves. */
static void pvc_again(struct pending *p)
{
	p->pvc_backoff_ms = p->pvc_backoff_ms ? p->pvc_backoff_ms * 2 : CLAIM_FIRST_MS;
	if (p->pvc_backoff_ms > CLAIM_MAX_MS)
		p->pvc_backoff_ms = CLAIM_MAX_MS;
	mgo_timer_start(p->pvc_timer, p->pvc_backoff_ms);
}

static void on_pvc_read(void *ctx, const struct mgo_kube_result *res)
{
	struct pending *p = ctx;
	enum mgo_claim_phase phase;

	p->pvc_req = NULL;
	if (res->error && res->error->http_code != 404) {
		mgo_warn("watcher.fresh_read", "cannot read the claim of %s: %s %s", p->uid,
			 res->error->reason, res->error->message);
		if (p->pvc_last >= 0)
			pvc_again(p);   /* a re-read: the resend asks for none */
		else
			mgo_timer_start(p->timer, p->w->first_resend_ms);
		return;
	}
	phase = res->error ? MGO_CLAIM_UNKNOWN : mgo_claim_phase_from_json(res->body);
	if ((int)phase != p->pvc_last)
		p->pvc_backoff_ms = 0;
	p->pvc_last = (int)phase;
	if (phase == MGO_CLAIM_PENDING || phase == MGO_CLAIM_LOST)
		pvc_again(p);
	/* touches the MustGather, which observes with it */
	mgo_wcache_pvc_set(p->w->cache, p->uid,
			   res->error ? MGO_PRESENCE_ABSENT : MGO_PRESENCE_PRESENT, phase);
}

static void on_pvc_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct pending *p = ctx;
	struct mgo_observe o;

	/* still live, and still naming a claim (else its pending is gone) */
	if (!mgo_wcache_observe(p->w->cache, p->uid, &o) || o.mg.deleting || !o.mg.spec.pvc_claim ||
	    (o.mg.phase != MGO_MG_NEW && o.mg.phase != MGO_MG_RUNNING))
		return;
	pvc_read(p->w, p, o.mg.ns, o.mg.spec.pvc_claim);
}

/* Whether the observation may be sent now; if not, the reads that will
 * allow it are under way. */
static bool premises_confirmed(struct mgo_watcher *w, struct pending *p,
			       const struct mgo_observe *o)
{
	bool live = !o->mg.deleting && (o->mg.phase == MGO_MG_NEW || o->mg.phase == MGO_MG_RUNNING);
	bool ok = true;

	/* one too large to read is failed for that alone, on no premise */
	if (!live || o->mg.too_large_bytes)
		return true;
	if (o->mg.spec.image && !p->allowlist_ok) {
		if (!p->allowlist_need)
			p->allowlist_need = w->allow_epoch + 1;
		allowlist_read(w);
		ok = false;
	}
	/* what may launch (decide.c: no Job yet, or no Running recorded) is
	 * decided knowing whether the account exists */
	if (o->service_account == MGO_PRESENCE_UNKNOWN &&
	    (o->mg.phase == MGO_MG_NEW || o->job.phase == MGO_JOB_NONE)) {
		const char *sa = o->mg.spec.service_account ? o->mg.spec.service_account : "default";
		if (!p->sa_wait)
			sa_read(w, p, o->mg.ns, sa);
		ok = false;
	}
	/* what may launch waits for the claim's read; a Running one (the
	 * watcher restarted) reads it for its phase, and is sent meanwhile */
	if (o->mg.spec.pvc_claim && o->pvc == MGO_PRESENCE_UNKNOWN) {
		pvc_read(w, p, o->mg.ns, o->mg.spec.pvc_claim);
		if (o->mg.phase == MGO_MG_NEW || o->job.phase == MGO_JOB_NONE)
			ok = false;
	}
	if (o->job.phase == MGO_JOB_FAILED && !p->pods_ok) {
		if (!p->pods_req)
			pods_read(w, p, o->mg.ns);
		ok = false;
	}
	return ok;
}

/* The launcher's own writes, seen before the Job's event (two watch
 * streams): a Running MustGather without its Job, a finished one whose Job
 * is still there. The launcher made (deleted) that Job a moment ago and its
 * event follows in milliseconds: sent now, the Observe would only ask for a
 * second launch (a clean-up) the launcher drops. So such a state waits
 * SETTLE_MS once per phase for the Job's event; should none come (a Job
 * deleted by hand, a create that failed), it is sent then. */
#define SETTLE_MS 250

static bool settling(struct pending *p, const struct mgo_observe *o)
{
	bool finished = o->mg.phase == MGO_MG_COMPLETED || o->mg.phase == MGO_MG_FAILED;
	bool ahead = (o->mg.phase == MGO_MG_RUNNING && o->job.phase == MGO_JOB_NONE) ||
		     (finished && o->job.phase != MGO_JOB_NONE && !o->mg.spec.retain);

	if (!ahead || o->mg.deleting || p->settled == (int)o->mg.phase)
		return false;
	p->settled = (int)o->mg.phase;
	mgo_timer_start(p->timer, SETTLE_MS);
	return true;
}

/* Sends the Observe of `uid` if it changed since the last send, or if
 * `again` (a resend timer fired); schedules the next resend. */
static void observe(struct mgo_watcher *w, const char *uid, bool again)
{
	struct mgo_ipc_msg msg = {.version = MGO_IPC_VERSION, .type = MGO_IPC_OBSERVE};
	struct pending *p = NULL;
	char err[256], *buf = NULL;
	size_t len;
	int rc;

	HASH_FIND_STR(w->pending, uid, p);
	if (!mgo_wcache_observe(w->cache, uid, &msg.u.observe)) {
		if (p)
			pending_drop(w, p); /* finished, or gone */
		return;
	}
	if (!p && !(p = pending_get(w, uid))) {
		mgo_error("watcher.oom", "cannot track MustGather %s", uid);
		return;
	}
	if (!premises_confirmed(w, p, &msg.u.observe) || settling(p, &msg.u.observe))
		return;
	msg.trace_uid = msg.u.observe.mg.uid;
	msg.trace_gen = msg.u.observe.mg.generation;
	rc = mgo_ipc_encode(&msg, &buf, &len, err, sizeof(err));
	if (rc) {
		/* ours to fix: the cache holds only what decoded within bounds */
		mgo_error("watcher.encode", "cannot encode the Observe of %s: %s", uid, err);
		return;
	}
	uint64_t h = mgo_watcher_hash(buf, len);
	free(buf);
	if (h == p->sent_hash && !again)
		return; /* nothing new; the resend timer is running */
	if (h != p->sent_hash)
		p->backoff_ms = w->first_resend_ms;
	else if ((p->backoff_ms *= 2) > w->max_resend_ms)
		p->backoff_ms = w->max_resend_ms;
	msg.seq = ++w->seq;
	rc = mgo_ipc_send(w->push, &msg, err, sizeof(err));
	if (rc == 0) {
		p->sent_hash = h;
		mgo_debug("watcher.sent", "observe %s seq %llu", uid, (unsigned long long)msg.seq);
	} else {
		p->sent_hash = 0; /* send it as soon as anything happens */
		mgo_debug("watcher.unsent", "observe %s: %s", uid,
			  rc == -EAGAIN ? "validator unavailable" : err);
	}
	mgo_timer_start(p->timer, p->backoff_ms);
}

static void on_resend(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct pending *p = ctx;

	observe(p->w, p->uid, true);
}

static void on_touched(void *ctx, const char *uid)
{
	struct mgo_watcher *w = ctx;

	/* a partial view (Jobs not listed yet, say) must not reach a decision */
	if (all_synced(w))
		observe(w, uid, false);
}

static void resend_all(struct mgo_watcher *w)
{
	struct pending *p, *tmp;

	HASH_ITER(hh, w->pending, p, tmp)
		p->sent_hash = 0;
	mgo_wcache_each(w->cache, on_touched, w);
	w->mgi_sent_hash = 0;
	mgo_watcher_observe_allowlist(w, false);
}

/* ---- informers ---- */

static const char *meta_str(const json_t *obj, const char *key)
{
	const char *s = mgo_meta_str(obj, key);
	return s ? s : ""; /* for log lines */
}

static void log_bad(const char *what, const json_t *obj, const char *err)
{
	mgo_warn("watcher.undecodable", "%s %s/%s ignored: %s", what, meta_str(obj, "namespace"),
		 meta_str(obj, "name"), err);
}

static void on_event(void *ctx, enum mgo_informer_event ev, const json_t *obj)
{
	struct mgo_inf_ctx *ic = ctx;
	struct mgo_wcache *c = ic->w->cache;
	bool del = ev == MGO_INFORMER_DELETED;
	char err[256] = "";
	int rc = 0;

	switch (ic->which) {
	case MGO_INF_MUSTGATHERS:
		if (del)
			mgo_wcache_mg_del(c, obj);
		else if ((rc = mgo_wcache_mg_put(c, obj, err, sizeof(err))))
			log_bad("MustGather", obj, err);
		break;
	case MGO_INF_ALLOWLIST:
		if (del)
			mgo_wcache_allowlist_del(c);
		else if ((rc = mgo_wcache_allowlist_put(c, obj, err, sizeof(err))))
			log_bad("MustGatherImage", obj, err);
		/* a read waiting to retry may agree now */
		if (mgo_timer_armed(ic->w->allow_timer)) {
			mgo_timer_stop(ic->w->allow_timer);
			allowlist_read(ic->w);
		}
		mgo_watcher_observe_allowlist(ic->w, false);
		break;
	case MGO_INF_JOBS:
		if (del)
			mgo_wcache_job_del(c, obj);
		else if ((rc = mgo_wcache_job_put(c, obj, err, sizeof(err))))
			log_bad("Job", obj, err);
		break;
	case MGO_INF_PODS:
		if (del)
			mgo_wcache_pod_del(c, obj);
		else if ((rc = mgo_wcache_pod_put(c, obj, err, sizeof(err))))
			log_bad("Pod", obj, err);
		break;
	}
	(void)rc; /* each failure is logged where it happens */
}

/* The MustGather informer's objects over MGO_MG_MAX_BYTES (the informer
 * logged it): observed by metadata alone, so that it fails as too large. */
static void on_too_large(void *ctx, const json_t *obj, size_t bytes)
{
	struct mgo_inf_ctx *ic = ctx;
	char err[256] = "";

	if (mgo_wcache_mg_too_large(ic->w->cache, obj, bytes, err, sizeof(err)) != 0)
		log_bad("MustGather", obj, err);
}

static void on_synced(void *ctx)
{
	struct mgo_inf_ctx *ic = ctx;
	struct mgo_watcher *w = ic->w;

	w->synced |= 1u << ic->which;
	if (all_synced(w)) {
		mgo_info("watcher.ready", "informers synced: %zu MustGathers known",
			 mgo_wcache_count(w->cache));
		mgo_proc_ready(w->proc);
		resend_all(w);
	}
}

/* Before each heartbeat's metrics: the informers' and the client's
 * counters, and the MustGathers waiting for a verdict. */
static void collect(void *ctx)
{
	struct mgo_watcher *w = ctx;
	struct mgo_metrics *m = mgo_metrics_proc();

	for (int i = 0; i < MGO_INF_N; i++) {
		struct mgo_informer_stats st;
		const char *res[] = {inf_resources[i]->resource};
		if (!w->inf[i])
			continue;
		mgo_informer_get_stats(w->inf[i], &st);
		mgo_metric_total(m, MGO_M_WATCH_RESTARTS, res, (int64_t)st.restarts);
		mgo_metric_total(m, MGO_M_RELISTS, res, (int64_t)st.relists);
		mgo_metric_set(m, MGO_M_INFORMER_SYNCED, res, (w->synced >> i) & 1);
	}
	mgo_kube_stats_to_metrics(mgo_kube_client_stats(w->client), m);
	mgo_metric_set(m, MGO_M_QUEUE_DEPTH, NULL, (int64_t)HASH_COUNT(w->pending));
}

/* Jobs and Pods are listed by our label only to keep the lists and watches
 * small; anyone who may create a Job can copy a label, so which MustGather
 * an object belongs to is decided by its controller reference in cache.c. */
static int open_informers(struct mgo_watcher *w)
{
	static const struct {
		const char *label, *field;
	} specs[MGO_INF_N] = {
		[MGO_INF_ALLOWLIST] = {NULL, "metadata.name=cluster"},
		[MGO_INF_JOBS] = {SELECT_OURS, NULL},
		[MGO_INF_PODS] = {SELECT_OURS, NULL},
	};
	int rc;

	for (int i = 0; i < MGO_INF_N; i++) {
		w->inf_ctx[i] = (struct mgo_inf_ctx){w, i};
		struct mgo_informer_opts o = {
			.res = inf_resources[i], .label_selector = specs[i].label,
			.field_selector = specs[i].field, .on_event = on_event,
			.on_synced = on_synced, .ctx = &w->inf_ctx[i],
		};
		if (i == MGO_INF_MUSTGATHERS) {
			o.max_object = MGO_MG_MAX_BYTES;
			o.on_too_large = on_too_large;
			/* the cache keeps namespace and name, and forgets a
			 * MustGather by uid (mgo_wcache_mg_del): ~50 bytes
			 * less for each (bench/REPORT.md) */
			o.keys_uid_only = true;
		}
		/* a Job's or Pod's metadata and status are all the cache
		 * keeps: their specs are not even parsed */
		o.spec_unread = i == MGO_INF_JOBS || i == MGO_INF_PODS;
		if ((rc = mgo_informer_new(w->client, &o, &w->inf[i])) ||
		    (rc = mgo_informer_start(w->inf[i])))
			return rc;
	}
	return 0;
}

/* ---- the validator's end of the link ---- */

/* libzmq reports the handshakes of `push` on an inproc PAIR: a validator
 * that (re)connects has lost whatever was sent before, so everything
 * unfinished is sent again at once instead of waiting for the resend timers.
 * Only a completed CURVE handshake counts: before it, ZMQ_IMMEDIATE refuses
 * to queue. A failed one means a validator with the wrong key (or none). */
static void on_monitor(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_watcher *w = ctx;
	bool connected = false;
	uint16_t ev;
	uint32_t value;

	while (mgo_ipc_monitor_recv(zsock, &ev, &value) == 0) {
		enum mgo_ipc_handshake h = mgo_ipc_handshake_of(ev);

		if (h == MGO_IPC_HANDSHAKE_OK)
			connected = true;
		else if (h == MGO_IPC_HANDSHAKE_FAILED)
			mgo_log_kv(MGO_LOG_WARN, NULL, "ipc.handshake.failed", "{s:s, s:i}", "peer",
				   "validator", "code", (int)value);
	}
	if (connected && all_synced(w)) {
		mgo_info("watcher.peer", "validator connected: sending every unfinished MustGather");
		resend_all(w);
	}
}

/* ---- the launcher's restarts and leadership, as the supervisor reports them ---- */

/* A restarted launcher lost the acts queued to its predecessor, and a
 * launcher that has just become the leader ignored every act while it stood
 * by; the watcher has no link of its own to notice either: the supervisor
 * says so. Acts are the validator's answers to our Observes, so everything
 * unfinished is observed again now, with fresh backoffs, instead of at each
 * MustGather's resend timer (up to resyncSeconds away). A restarted
 * validator needs nothing here: its handshake on our own link says it
 * (on_monitor). */
static void on_peer(void *ctx, enum mgo_role peer, enum mgo_news what)
{
	struct mgo_watcher *w = ctx;

	if (peer != MGO_ROLE_LAUNCHER || !all_synced(w))
		return;
	if (what == MGO_NEWS_LEADS)
		mgo_info("watcher.launcher.leads",
			 "launcher now leads: sending every unfinished MustGather");
	else
		mgo_info("watcher.launcher.ready",
			 "launcher ready: sending every unfinished MustGather");
	resend_all(w);
}

static int open_socket(struct mgo_watcher *w)
{
	struct mgo_proc *proc = w->proc;
	int rc;

	if ((rc = mgo_proc_connect(proc, proc->validator_endpoint, MGO_ROLE_VALIDATOR, &w->push)) ||
	    (rc = mgo_ipc_monitor_open(proc->zctx, w->push, "watcher-monitor", &w->monitor)))
		return rc;
	mgo_supervised_on_peer(&proc->sup, on_peer, w);
	return mgo_loop_add_zmq(proc->loop, w->monitor, MGO_POLLIN, on_monitor, w, NULL);
}

int mgo_watcher_open(struct mgo_watcher *w, struct mgo_proc *proc,
		      struct mgo_kube_creds *creds)
{
	char err[512];
	int rc;

	memset(w, 0, sizeof(*w));
	w->proc = proc;
	w->first_resend_ms = 1000;
	w->max_resend_ms = (uint64_t)proc->cfg.resync_seconds * 1000;
	struct mgo_kube_client_opts opts = {.qps = proc->cfg.watcher.qps,
					    .burst = proc->cfg.watcher.burst};

	if ((rc = mgo_kube_client_new(proc->loop, creds, &opts, &w->client, err,
				      sizeof(err)))) {
		mgo_error("watcher.client", "%s", err);
		return rc;
	}
	if ((rc = mgo_wcache_new(on_touched, w, &w->cache)) ||
	    (rc = mgo_timer_new(proc->loop, on_allowlist_timer, w, &w->allow_timer)) ||
	    (rc = mgo_watcher_allowlist_open(w)))
		return rc;
	if ((rc = open_socket(w))) {
		mgo_error("watcher.ipc", "cannot connect to the validator: %s", mgo_ipc_strerror(rc));
		return rc;
	}
	if ((rc = open_informers(w))) {
		mgo_error("watcher.informers", "cannot start the informers: %s", strerror(-rc));
		return rc;
	}
	mgo_supervised_collect(&proc->sup, collect, w);
	return 0;
}

void mgo_watcher_close(struct mgo_watcher *w)
{
	struct pending *p, *tmp;
	struct sa_read *r, *rtmp;

	if (w->proc) {
		mgo_supervised_on_peer(&w->proc->sup, NULL, NULL);
		mgo_supervised_collect(&w->proc->sup, NULL, NULL);
	}
	for (int i = 0; i < MGO_INF_N; i++)
		mgo_informer_free(w->inf[i]);
	HASH_ITER(hh, w->sa_reads, r, rtmp)
		sa_read_free(w, r, false);
	HASH_ITER(hh, w->pending, p, tmp)
		pending_drop(w, p);
	if (w->allow_req)
		mgo_kube_cancel(w->allow_req);
	if (w->allow_timer)
		mgo_timer_remove(w->allow_timer);
	mgo_watcher_allowlist_close(w);
	mgo_wcache_free(w->cache);
	mgo_kube_client_free(w->client);
	mgo_ipc_monitor_close(w->push, w->monitor);
	mgo_ipc_close(w->push);
	memset(w, 0, sizeof(*w));
}

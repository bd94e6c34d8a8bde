#include "launcher.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>
#include <unistd.h>
#include <utlist.h>

#include "mg_status.h"
#include "monitor.h"
#include "mgo/apiobj.h"
#include "mgo/config.h"
#include "mgo/informer.h"
#include "mgo/ipc_sock.h"
#include "mgo/kube.h"
#include "mgo/kube_write.h"
#include "mgo/labels.h"
#include "mgo/log.h"
#include "mgo/metrics.h"
#include "mgo/clock.h"

static const struct mgo_kube_resource res_mustgathers = {"operator.openshift.io", "v1alpha1",
							 "mustgathers", true};
static const struct mgo_kube_resource res_allowlist = {"operator.openshift.io", "v1alpha1",
						       "mustgatherimages", false};
static const struct mgo_kube_resource res_jobs = {"batch", "v1", "jobs", true};
static const struct mgo_kube_resource res_events = {"", "v1", "events", true};
static const struct mgo_kube_resource res_pvcs = {"", "v1", "persistentvolumeclaims", true};
static const struct mgo_kube_resource res_clusterversions = {"config.openshift.io", "v1",
							     "clusterversions", false};
static const struct mgo_kube_resource res_namespaces = {"", "v1", "namespaces", false};

/* Launches made and Jobs deleted, remembered to drop the second act the
 * watcher's view of our own writes causes (accept_act). */
#define LAUNCHED_MAX 4096

/* The steps an act may take: the reads that check it (monitor.h), each
 * before the first write, then one API write each (or the read that checks
 * a Job we found is ours). */
enum step {
	STEP_END = 0,
	STEP_READ_MG,           /* GET the MustGather; check the act against it */
	STEP_ADMIT,             /* no request: a launch past its namespace's limit
				   of running gathers waits (STEP_HOLD) */
	STEP_HOLD,              /* merge-patch /status: Queued, NamespaceLimit */
	STEP_READ_ALLOWLIST,    /* GET MustGatherImage/cluster when the watch of it
				   cannot answer (not synced, or behind the act) */
	STEP_READ_JOB,          /* GET the Job to delete or to finish: ours? */
	STEP_READ_CLAIM,        /* GET the claim a denial says is missing */
	STEP_READ_CLUSTER,      /* the cluster's id for the run's name, once per
				   process: GET ClusterVersion/version, on 404
				   Namespace/kube-system (mgo_run_name) */
	STEP_STATUS,            /* merge-patch /status, conditional on resourceVersion;
				   skipped when it would change nothing a user sees */
	STEP_CREATE_JOB,        /* create the Job; AlreadyExists -> STEP_VERIFY_JOB */
	STEP_VERIFY_JOB,        /* read the existing Job: ours if it names our UID
				   (if not: the act becomes name_taken's) */
	STEP_EVENT,             /* record the Event (AlreadyExists: recorded before) */
	STEP_DELETE_JOB,        /* delete the Job, conditional on its UID */
	STEP_ALLOWLIST_STATUS,  /* merge-patch MustGatherImage/cluster's /status,
				   conditional on resourceVersion */
};

/* What the launcher obeys, and nothing else: the act kinds and, for each,
 * its steps in order. An act of another kind never reaches here (the codec
 * refuses unknown kinds); one that does is refused and logged. */
static const struct act_rule {
	enum mgo_act_kind kind;
	enum step steps[6];
} act_rules[] = {
	{MGO_ACT_LAUNCH, {STEP_READ_MG, STEP_ADMIT, STEP_READ_CLUSTER, STEP_STATUS, STEP_CREATE_JOB,
			  STEP_EVENT}},
	{MGO_ACT_DENY, {STEP_READ_MG, STEP_READ_CLAIM, STEP_READ_JOB, STEP_STATUS, STEP_EVENT,
			STEP_DELETE_JOB}},
	{MGO_ACT_FINISH, {STEP_READ_MG, STEP_READ_JOB, STEP_STATUS, STEP_EVENT, STEP_DELETE_JOB}},
	{MGO_ACT_CLEANUP, {STEP_READ_MG, STEP_READ_JOB, STEP_DELETE_JOB}},
	{MGO_ACT_ALLOWLIST_STATUS, {STEP_READ_ALLOWLIST, STEP_ALLOWLIST_STATUS}},
	/* the claim read back must be in the phase the condition names */
	{MGO_ACT_CLAIM_STATUS, {STEP_READ_MG, STEP_READ_CLAIM, STEP_STATUS, STEP_EVENT}},
};

/* The rest of a launch whose Job name is held by a Job this MustGather does
 * not control: the MustGather fails with JobNameTaken and one Warning Event
 * naming that Job (the Event's name is fixed per reason, so a repeat is
 * AlreadyExists). Of the other Job nothing is touched.
 *
 * Why the launcher decides this one, when the validator decides every other
 * outcome: the create's AlreadyExists is the only true observation of it.
 * The watcher lists only Jobs carrying our label, so it does not see a
 * squatter at all; listing every Job in the cluster to find one would cost
 * the watcher memory for all of them, and a GET before the launch is a race
 * the create answers anyway (a Job made between the two). So the launcher
 * acts on its own read, as it does for AlreadyExists with our UID (success,
 * docs/support.md), and the validator, seeing a Failed MustGather, decides
 * nothing more. It grants no new power: a validator could deny any
 * MustGather already. Without this, the launch failed and the watcher,
 * seeing the Running status written, observed again: forever. */
static const struct act_rule name_taken_rule = {MGO_ACT_DENY, {STEP_STATUS, STEP_EVENT}};

/* One act: queued, carrying out its steps (active), or a launch held for
 * its namespace. */
struct exec {
	struct mgo_launcher *l;
	struct mgo_actq_link link;      /* in l->queue or l->held */
	bool active;                    /* counted in l->active */
	bool reserved;                  /* counted in l->running (mgo_running_reserve) */
	bool job_made;                  /* a launch found or made its Job */
	bool job_known;                 /* the launcher's own watch shows the Job */
	bool job_deleted;               /* its delete of act.job_uid succeeded, or
					   found it gone */
	unsigned holds;                 /* times held for its namespace */
	char *rv_first;                 /* the act's resourceVersion as received */
	struct mgo_ipc_msg msg;         /* owned: the act as received */
	const struct act_rule *rule;
	size_t next;                    /* index into rule->steps */
	enum step step;                 /* the step whose request is in flight */
	struct mgo_kube_req *req;       /* that request; NULL between steps */
	char job_name[80];              /* the launcher's own name for the Job */
	bool job_gone;                  /* STEP_READ_JOB found none: nothing to delete */
	char claim[MGO_NAME_MAX + 1];   /* STEP_READ_CLAIM's */
	bool status_same;               /* STEP_STATUS found nothing to change */
	bool cluster_fallback;          /* STEP_READ_CLUSTER reads kube-system */
	char run_name[MGO_RUN_NAME_MAX + 1]; /* a launch's, from the cluster id */
	char result[768];
	json_t *mg;                     /* the MustGather as last read or written */
	char *kept_mg;                  /* the launch's own copy, for STEP_READ_MG */
	bool mg_kept;                   /* mg is that copy: not read by this act */
	/* name_taken_rule's act: a denial of the launch's MustGather, its
	 * strings borrowed from msg.u.act except these two */
	struct mgo_act taken;
	char taken_message[512];
	char *taken_rv;
	struct timespec received;       /* for mgo_reconcile_duration_seconds */
	UT_hash_handle hh;              /* by msg.u.act.uid */
};

static void run(struct exec *e);

static void note(struct exec *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct exec *e, const char *fmt, ...)
{
	size_t used = strlen(e->result);
	va_list ap;

	if (used && used < sizeof(e->result) - 2) {
		e->result[used++] = ';';
		e->result[used++] = ' ';
		e->result[used] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(e->result + used, sizeof(e->result) - used, fmt, ap);
	va_end(ap);
}

static void exec_free(struct exec *e)
{
	free(e->rv_first);
	free(e->kept_mg);
	mgo_ipc_msg_free(&e->msg);
	json_decref(e->mg);
	free(e->taken_rv);
	free(e);
}

/* The act the current steps carry out. */
static const struct mgo_act *act_of(const struct exec *e)
{
	return e->taken.kind ? &e->taken : &e->msg.u.act;
}

static void keep_mg(struct exec *e, const json_t *obj)
{
	json_decref(e->mg);
	e->mg = json_incref((json_t *)obj);
}

/* Turns the rest of the launch into name_taken_rule, the existing Job `job`
 * named in the message with its controller, if any. Returns -ENOMEM. */
static int name_taken(struct exec *e, const json_t *job)
{
	const struct mgo_act *a = &e->msg.u.act;
	const char *rv = e->mg ? mgo_meta_str(e->mg, "resourceVersion") : NULL;
	char owner[2 * MGO_NAME_MAX + 32] = "no controller";
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(job, "metadata"), "ownerReferences"), i,
			   o) {
		const char *kind = json_string_value(json_object_get(o, "kind"));
		const char *name = json_string_value(json_object_get(o, "name"));
		if (json_is_true(json_object_get(o, "controller")))
			snprintf(owner, sizeof(owner), "controlled by %.64s %.253s",
				 kind ? kind : "?", name ? name : "?");
	}
	if (!(e->taken_rv = strdup(rv ? rv : a->resource_version ? a->resource_version : "")))
		return -ENOMEM;
	snprintf(e->taken_message, sizeof(e->taken_message),
		 "Job %s/%s already exists and is not this MustGather's (%s); remove that Job "
		 "and create the MustGather again, or create it under another name",
		 a->ns, e->job_name, owner);
	e->taken = (struct mgo_act){
		.kind = MGO_ACT_DENY, .ns = a->ns, .name = a->name, .uid = a->uid,
		.generation = a->generation, .resource_version = e->taken_rv[0] ? e->taken_rv : NULL,
		.reason = (char *)MGO_REASON_JOB_NAME_TAKEN, .message = e->taken_message,
	};
	e->rule = &name_taken_rule;
	e->next = 0;
	mgo_warn("launcher.job_name_taken", "MustGather %s/%s fails: %s", a->ns, a->name,
		 e->taken_message);
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

#define EXEC_OF(lk) ((struct exec *)(void *)((char *)(lk) - offsetof(struct exec, link)))

/* ---- launches already made ----
 *
 * A launch writes the Running status, then creates the Job. The watcher
 * sees the status before the Job (two watch streams), so the validator,
 * seeing a Running MustGather without a Job, decides a second launch for
 * nearly every MustGather. Its writes would change nothing (the status is
 * unchanged, the Job and the Event exist: 409s), so an act for a launch
 * made here, decided on the version before or after our own status write,
 * is dropped unread while the launcher's own view has that Job running.
 * Likewise a clean-up of the Job it deleted itself, and a launch decided on
 * the version its finish then wrote the outcome over (the watcher saw that
 * Job gone first). Dropping is always safe: it writes nothing, and any
 * other act is obeyed as usual. */
struct launched {
	char *uid, *rv_first, *rv_after;
	char *job_deleted;              /* the UID of its Job we deleted; NULL: none */
	/* The MustGather as the launch last read or wrote it (version
	 * rv_after), compact JSON, for its finish ("the launch's own copy"
	 * below); NULL: none, or given away */
	char *mg_after;
	struct launched *prev, *next;   /* oldest first */
	struct launched *kprev, *knext; /* those with mg_after, oldest first */
	UT_hash_handle hh;
};

/* The launch's own copy. A gather's finish act reads the MustGather before
 * it writes the outcome; when the act was decided on the very version the
 * launch left (rv_after: nobody has written the object since), the copy the
 * launch kept stands in for that read. It is the launcher's own read or
 * write of the API, never a peer's, and the finish's first write, its
 * status patch, carries that resourceVersion as its precondition: the
 * server refuses it (409) if the object changed in between, and nothing
 * else of the finish is written before it (docs/monitor.md, "Reads the
 * launcher need not make"). The most recent copies are kept, KEPT_BYTES
 * of them at most (about a KiB each: a thousand running gathers); a
 * finish without one reads. Kept as text, parsed again by the finish:
 * jansson's tree of the same object is several times larger, and the
 * bound is on bytes. */
#define KEPT_BYTES (1u << 20)

/* Takes x's copy out of the kept list; the caller owns it (NULL: none). */
static char *kept_unlink(struct mgo_launcher *l, struct launched *x)
{
	char *text = x->mg_after;

	if (!text)
		return NULL;
	DL_DELETE2(l->kept, x, kprev, knext);
	l->kept_bytes -= strlen(text);
	x->mg_after = NULL;
	return text;
}

static void kept_forget(struct mgo_launcher *l, struct launched *x)
{
	free(kept_unlink(l, x));
}

static void launched_drop(struct mgo_launcher *l, struct launched *x)
{
	kept_forget(l, x);
	HASH_DEL(l->launched_by_uid, x);
	DL_DELETE(l->launched, x);
	l->n_launched--;
	free(x->uid);
	free(x->rv_first);
	free(x->rv_after);
	free(x->job_deleted);
	free(x);
}

static struct launched *launched_find(struct mgo_launcher *l, const char *uid)
{
	struct launched *x = NULL;

	if (uid)
		HASH_FIND_STR(l->launched_by_uid, uid, x);
	return x;
}

static bool same_str(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Remembers a launch made (job_deleted NULL) or a Job deleted by e. */
static void launched_add(struct exec *e, const char *job_deleted)
{
	struct mgo_launcher *l = e->l;
	const struct mgo_act *a = &e->msg.u.act;
	const char *after = e->mg ? mgo_meta_str(e->mg, "resourceVersion") : NULL;
	struct launched *x = launched_find(l, a->uid);

	if (x)
		launched_drop(l, x);
	if (l->n_launched >= LAUNCHED_MAX)
		launched_drop(l, l->launched);
	/* an optimisation: out of memory, the second launch is obeyed */
	if (!(x = calloc(1, sizeof(*x))) || !(x->uid = strdup(a->uid)) ||
	    (e->rv_first && !(x->rv_first = strdup(e->rv_first))) ||
	    (after && !(x->rv_after = strdup(after))) ||
	    (job_deleted && !(x->job_deleted = strdup(job_deleted)))) {
		if (x) {
			free(x->uid);
			free(x->rv_first);
			free(x->rv_after);
		}
		free(x);
		return;
	}
	HASH_ADD_KEYPTR(hh, l->launched_by_uid, x->uid, strlen(x->uid), x);
	DL_APPEND(l->launched, x);
	l->n_launched++;
	/* also an optimisation: without a copy the finish reads */
	if (!job_deleted && after && (x->mg_after = json_dumps(e->mg, JSON_COMPACT))) {
		DL_APPEND2(l->kept, x, kprev, knext);
		l->kept_bytes += strlen(x->mg_after);
		while (l->kept_bytes > KEPT_BYTES)
			kept_forget(l, l->kept);
	}
}

/* The launch's own copy of MustGather `uid` for an act decided on version
 * `rv`, taken from its record (the caller frees it); NULL: none. */
static char *kept_take(struct mgo_launcher *l, struct launched *x, const char *rv)
{
	return x && same_str(rv, x->rv_after) ? kept_unlink(l, x) : NULL;
}

/* ---- the queue ---- */

static void schedule_pump(struct mgo_launcher *l)
{
	if (mgo_actq_len(&l->queue) && l->active < l->max_active && !mgo_timer_armed(l->pump))
		mgo_timer_start(l->pump, 0);
}

static void finish(struct exec *e);

/* Launches held for namespace `ns` go back to the queue while it has room
 * for them; each is checked again from its first step. */
static void release_ns(struct mgo_launcher *l, const char *ns)
{
	size_t running = mgo_running_in(&l->running, ns);
	struct mgo_actq_link *lk;

	while (running < l->ns_limit && (lk = mgo_actq_pop_ns(&l->held, ns))) {
		struct exec *e = EXEC_OF(lk);
		if (mgo_actq_push(&l->queue, e->msg.u.act.ns, &e->link)) {
			note(e, "cannot queue: out of memory");
			finish(e);
			continue;
		}
		running++;
	}
	schedule_pump(l);
}

static void finish(struct exec *e)
{
	struct mgo_launcher *l = e->l;
	double took = seconds_since(&e->received);

	mgo_metric_observe(mgo_metrics_proc(), MGO_M_RECONCILE_SECONDS, NULL, took > 0 ? took : 0);
	if (e->holds)
		note(e, "held %u times for its namespace's limit", e->holds);
	mgo_ipc_log("validator", "launcher", &e->msg, e->result);
	if (e->msg.u.act.kind == MGO_ACT_LAUNCH && e->job_made && !e->taken.kind)
		launched_add(e, NULL);
	else if (e->job_deleted)
		launched_add(e, e->msg.u.act.job_uid);
	mgo_actq_remove(&l->queue, &e->link);
	mgo_actq_remove(&l->held, &e->link);
	if (e->active) {
		e->active = false;
		l->active--;
	}
	HASH_DEL(l->inflight, e);
	if (e->reserved) {
		mgo_running_release(&l->running, e->msg.u.act.uid);
		if (l->jobs_synced)
			release_ns(l, e->msg.u.act.ns);
	}
	exec_free(e);
	schedule_pump(l);
}

/* Refuses the whole act: nothing of it is written. Logged at error level
 * and counted: a check that fails is a peer that lied or a bug. */
static void refuse(struct exec *e, const struct mgo_refusal *why)
{
	const struct mgo_act *a = &e->msg.u.act;
	const char *labels[] = {why->check};
	char mg[MGO_NAME_MAX * 2 + 2];

	snprintf(mg, sizeof(mg), "%s/%s", a->ns ? a->ns : "", a->name ? a->name : "");
	mgo_metric_add(mgo_metrics_proc(), MGO_M_LAUNCHER_REFUSALS, labels, 1);
	mgo_log_kv(MGO_LOG_ERROR, __func__, "launcher.refused", "{s:s, s:s, s:s, s:s, s:s}",
		   "check", why->check, "act", mgo_act_kind_name(a->kind), "mg", mg, "uid",
		   a->uid ? a->uid : "", "msg", why->detail);
	note(e, "refused (%s): %s", why->check, why->detail);
	finish(e);
}

/* Continues (1), or has ended the act (0) on what a check said. */
static int checked(struct exec *e, int verdict, const struct mgo_refusal *why)
{
	switch (verdict) {
	case MGO_MONITOR_OK:
		return 1;
	case MGO_MONITOR_GONE:
		e->job_gone = true;
		return 1;
	case MGO_MONITOR_STALE:
		note(e, "stale: the %s changed since the decision",
		     e->msg.u.act.kind == MGO_ACT_ALLOWLIST_STATUS ? "MustGatherImage" : "MustGather");
		finish(e);
		return 0;
	case MGO_MONITOR_REFUSED:
		refuse(e, why);
		return 0;
	default:
		note(e, "cannot check the act: %s", strerror(-verdict));
		finish(e);
		return 0;
	}
}

/* Stops the act after a failed step; the watcher will observe again. */
static void stop(struct exec *e, const struct mgo_kube_error *err, const char *what)
{
	note(e, "%s failed: %s (%ld %s)", what, err->message[0] ? err->message : "no message",
	     err->http_code, err->reason);
	finish(e);
}

/* Once per outcome: a denial or an end when its status write lands, a
 * launch when its Job is created. Not a launch at its status write: the
 * watcher re-observes a running MustGather until its cache has the Job,
 * and that second launch act writes the status again but finds the Job
 * there (AlreadyExists), launching nothing. */
static void count_outcome(const struct mgo_act *a)
{
	const char *labels[] = {
		a->kind == MGO_ACT_LAUNCH ? "launched"
		: a->kind == MGO_ACT_DENY ? "denied"
		: a->succeeded ? "completed" : "failed",
		a->kind == MGO_ACT_LAUNCH || !a->reason ? "" : a->reason};

	mgo_metric_add(mgo_metrics_proc(), MGO_M_MUSTGATHERS, labels, 1);
}

static void on_step(void *ctx, const struct mgo_kube_result *res);

static size_t l_running(const struct exec *e)
{
	return mgo_running_in(&e->l->running, e->msg.u.act.ns);
}

/* The launch's Job exists (we made it, or found ours): it runs, as far as
 * the count of the namespace's gathers goes, from now on, in the place the
 * launch's admission held for it (mgo_running_job; the watch may have said
 * so first). */
static void job_made(struct exec *e, const json_t *job)
{
	e->job_made = true;
	if (mgo_running_job(&e->l->running, job, false))
		mgo_warn("launcher.oom", "cannot count Job %s", e->job_name);
}

/* After our own status write: the act's resourceVersion becomes the one
 * it made, so the rest of the act (or its next run) is conditional on it.
 * Returns -ENOMEM. */
static int follow_own_write(struct exec *e)
{
	const char *rv = e->mg ? mgo_meta_str(e->mg, "resourceVersion") : NULL;
	char *dup;

	if (!rv)
		return 0;
	if (!(dup = strdup(rv)))
		return -ENOMEM;
	free(e->msg.u.act.resource_version);
	e->msg.u.act.resource_version = dup;
	return 0;
}

/* Puts a launch aside until its namespace has room (release_ns); it runs
 * again from its first step, the read. */
static void park(struct exec *e)
{
	struct mgo_launcher *l = e->l;

	if (mgo_actq_push(&l->held, e->msg.u.act.ns, &e->link)) {
		note(e, "cannot hold it: out of memory");
		finish(e);
		return;
	}
	e->holds++;
	e->next = 0;
	if (e->active) {
		e->active = false;
		l->active--;
	}
	schedule_pump(l);
}

/* STEP_ADMIT: 1 when the launch may go on; 0 when it waits (held, or its
 * Queued status is being written) or has ended. The count is the
 * launcher's own: its watch of the Jobs it made and the launches it has
 * admitted, never what a peer says. */
static int admit(struct exec *e)
{
	struct mgo_launcher *l = e->l;
	const struct mgo_act *a = &e->msg.u.act;
	char now[32];
	json_t *body;
	int rc;

	if (!l->jobs_synced) {
		park(e); /* on_jobs_synced lets it go */
		return 0;
	}
	if (mgo_running_owned(&l->running, a->uid)) {
		e->job_known = true; /* its Job runs: only the status is left */
		return 1;
	}
	if (l_running(e) < l->ns_limit) {
		if (mgo_running_reserve(&l->running, a->ns, a->uid) == 0)
			e->reserved = true;
		return 1;
	}
	mgo_rfc3339_now(now, sizeof(now));
	body = mgo_status_queued_patch(a, l->ns_limit, now, json_object_get(e->mg, "status"));
	if (!body) {
		note(e, "out of memory");
		finish(e);
		return 0;
	}
	if (e->mg && !mgo_status_patch_changes(body, json_object_get(e->mg, "status"))) {
		json_decref(body);
		park(e);
		return 0;
	}
	e->step = STEP_HOLD;
	rc = mgo_kube_merge_patch(l->client, &res_mustgathers, a->ns, a->name, "status", body,
				  MGO_KUBE_F_IDEMPOTENT, on_step, e, &e->req);
	json_decref(body);
	if (rc) {
		note(e, "cannot start the request: %s", strerror(-rc));
		finish(e);
	}
	return 0;
}

/* GETs MustGatherImage/cluster for act e, whose step it becomes; a request
 * that cannot start ends the act. */
static void read_allowlist(struct exec *e)
{
	int rc;

	e->step = STEP_READ_ALLOWLIST;
	rc = mgo_kube_get(e->l->client, &res_allowlist, NULL, "cluster", on_step, e, NULL);
	if (rc) {
		note(e, "cannot start the request: %s", strerror(-rc));
		finish(e);
	}
}

/* The MustGather is read: checks the act against it and the allowlist the
 * launcher watches. A launch the watched allowlist does not justify gets
 * one fresh read of it before it is refused: the watch may lag the
 * watcher's. 1: go on; 0: the act has ended or waits for that read. */
static int check_mg(struct exec *e)
{
	struct mgo_launcher *l = e->l;
	const struct mgo_act *a = &e->msg.u.act;
	bool launch = a->kind == MGO_ACT_LAUNCH;
	struct mgo_refusal why;
	int v;

	if (launch && !l->allowlist_synced) {
		read_allowlist(e);
		return 0;
	}
	v = mgo_monitor_check_mg(&l->policy, a, e->mg, launch ? l->allowlist : NULL, &why);
	if (v == MGO_MONITOR_REFUSED && why.allowlist_sensitive) {
		read_allowlist(e);
		return 0;
	}
	return checked(e, v, &why);
}

/* STEP_READ_MG from the launch's own copy (struct launched): as
 * check_mg says (1: go on; 0: ended), or -1 when the copy does not parse
 * (the caller reads instead). */
static int read_kept(struct exec *e)
{
	json_t *mg = json_loads(e->kept_mg, JSON_REJECT_DUPLICATES, NULL);

	free(e->kept_mg);
	e->kept_mg = NULL;
	if (!mg)
		return -1;
	keep_mg(e, mg);
	json_decref(mg);
	e->mg_kept = true;
	note(e, "MustGather as its launch left it (version %s)", act_of(e)->resource_version);
	return check_mg(e);
}

/* A status write that failed ends the act (true): a Conflict is a stale
 * decision, a 404 an object gone, anything else a failure. */
static bool status_failed(struct exec *e, const struct mgo_kube_error *err, const char *what)
{
	if (!err)
		return false;
	if (err->http_code == 409)
		note(e, "stale: the %s changed since the decision",
		     e->step == STEP_ALLOWLIST_STATUS ? "MustGatherImage" : "MustGather");
	else if (err->http_code == 404)
		note(e, "the %s is gone",
		     e->step == STEP_ALLOWLIST_STATUS ? "MustGatherImage" : "MustGather");
	else {
		stop(e, err, what);
		return true;
	}
	finish(e);
	return true;
}

/* The run's name from the cluster's id and the MustGather as read. */
static int name_run(struct exec *e)
{
	const char *created = json_string_value(
		json_object_get(json_object_get(e->mg, "metadata"), "creationTimestamp"));

	if (mgo_run_name(e->l->cluster_id, created, act_of(e)->uid, e->run_name,
			 sizeof(e->run_name)) != 0) {
		note(e, "cannot name the run: cluster id %s, creationTimestamp %s",
		     e->l->cluster_id, created ? created : "(none)");
		finish(e);
		return -EINVAL;
	}
	return 0;
}

/* STEP_READ_CLUSTER's answer: ClusterVersion's spec.clusterID where the
 * cluster is OpenShift, else (404) kube-system's UID, which lives as long
 * as the cluster. Kept for the process's life. 0: go on. A ClusterVersion
 * the launcher may not read (403: its ClusterRole was edited) falls back
 * too, saying so, rather than stopping every launch over a folder's name. */
static int cluster_read(struct exec *e, const struct mgo_kube_result *res)
{
	const struct mgo_kube_error *err = res->error;
	const char *id;

	if (!e->cluster_fallback) {
		if (err && err->http_code != 404 && err->http_code != 403) {
			stop(e, err, "ClusterVersion read");
			return -EIO;
		}
		if (err && err->http_code == 403)
			mgo_warn("launcher.cluster_id_forbidden", "cannot read ClusterVersion "
				 "version (%s); runs are named with Namespace kube-system's UID "
				 "instead: grant the launcher's ClusterRole get on clusterversions "
				 "(deploy/rbac/launcher.yaml) for OpenShift's cluster id", err->message);
		id = err ? NULL
			 : json_string_value(json_object_get(json_object_get(res->body, "spec"),
							     "clusterID"));
		if (!id) {
			e->cluster_fallback = true;
			if (mgo_kube_get(e->l->client, &res_namespaces, NULL, "kube-system", on_step,
					 e, &e->req) == 0)
				return -EINPROGRESS;
			note(e, "cannot start the request for Namespace kube-system");
			finish(e);
			return -ENOMEM;
		}
	} else {
		if (err) {
			stop(e, err, "Namespace kube-system read");
			return -EIO;
		}
		id = json_string_value(json_object_get(json_object_get(res->body, "metadata"), "uid"));
	}
	if (!mgo_cluster_id_valid(id)) {
		note(e, "the cluster's id is not usable in a run's name: %s", id ? id : "(none)");
		finish(e);
		return -EINVAL;
	}
	snprintf(e->l->cluster_id, sizeof(e->l->cluster_id), "%s", id);
	mgo_info("launcher.cluster_id", "runs are named " MGO_RUN_NAME_PREFIX "%s.<time>.<uid>, "
		 "from %s", id, e->cluster_fallback ? "Namespace kube-system's UID"
						      : "ClusterVersion version's spec.clusterID");
	return name_run(e);
}

static void on_step(void *ctx, const struct mgo_kube_result *res)
{
	struct exec *e = ctx;
	const struct mgo_kube_error *err = res->error;
	const struct mgo_act *a = act_of(e);
	long code = err ? err->http_code : res->http_code;
	struct mgo_refusal why;
	int v;

	e->req = NULL;
	switch (e->step) {
	case STEP_READ_MG:
		if (err && code != 404)
			return stop(e, err, "MustGather read");
		if (err && e->holds) {
			/* deleted while it waited for its namespace: no peer lied */
			note(e, "the MustGather is gone");
			finish(e);
			return;
		}
		if (!err)
			keep_mg(e, res->body);
		if (!check_mg(e))
			return;
		break;
	case STEP_READ_ALLOWLIST:
		if (err && code != 404)
			return stop(e, err, "MustGatherImage read");
		if (a->kind == MGO_ACT_LAUNCH)
			v = mgo_monitor_check_mg(&e->l->policy, a, e->mg, err ? NULL : res->body, &why);
		else
			v = mgo_monitor_check_allowlist(a, err ? NULL : res->body, &why);
		if (!checked(e, v, &why))
			return;
		break;
	case STEP_READ_JOB:
		if (err && code != 404)
			return stop(e, err, "Job read");
		if (!checked(e, mgo_monitor_check_job(a, err ? NULL : res->body, &why), &why))
			return;
		break;
	case STEP_READ_CLAIM:
		if (err && code != 404)
			return stop(e, err, "PersistentVolumeClaim read");
		v = mgo_monitor_check_claim(a, e->claim, err ? NULL : res->body, &why);
		if (!checked(e, v, &why))
			return;
		break;
	case STEP_HOLD:
		if (status_failed(e, err, "status (Queued)"))
			return;
		keep_mg(e, res->body);
		/* the act now rests on the version our own write made: unless
		 * someone else writes it, the launch goes on from there */
		if (follow_own_write(e)) {
			note(e, "out of memory");
			finish(e);
			return;
		}
		note(e, "held: namespace %s runs %zu gathers", a->ns, l_running(e));
		park(e);
		/* a gather that ended while the Queued status was being written
		 * found nothing held to let go: look again now */
		if (e->l->jobs_synced)
			release_ns(e->l, a->ns);
		return;
	case STEP_ALLOWLIST_STATUS:
	case STEP_STATUS:
		if (status_failed(e, err, "status"))
			return;
		if (e->step == STEP_STATUS) {
			keep_mg(e, res->body);
			note(e, "status written");
			if (a->kind != MGO_ACT_LAUNCH && a->kind != MGO_ACT_CLAIM_STATUS)
				count_outcome(a);
		} else {
			note(e, "status written: %zu invalid entries", a->n_invalid_images);
		}
		break;
	case STEP_CREATE_JOB:
		if (err && code == 409 && strcmp(err->reason, "AlreadyExists") == 0) {
			e->step = STEP_VERIFY_JOB;
			if (mgo_kube_get(e->l->client, &res_jobs, a->ns, e->job_name, on_step, e,
					 &e->req) == 0)
				return;
			note(e, "cannot read Job %s back", e->job_name);
			finish(e);
			return;
		}
		if (err)
			return stop(e, err, "Job create");
		note(e, "created Job %s", e->job_name);
		count_outcome(a);
		job_made(e, res->body);
		break;
	case STEP_VERIFY_JOB: {
		if (err)
			return stop(e, err, "Job read");
		json_t *owners = json_object_get(json_object_get(res->body, "metadata"),
						 "ownerReferences");
		json_t *o;
		size_t i;
		bool ours = false;
		json_array_foreach(owners, i, o) {
			const char *uid = json_string_value(json_object_get(o, "uid"));
			if (uid && strcmp(uid, a->uid) == 0 && json_is_true(json_object_get(o, "controller")))
				ours = true;
		}
		if (!ours) {
			note(e, "Job %s exists but is not owned by this MustGather; not touching it",
			     e->job_name);
			if (name_taken(e, res->body) != 0) {
				note(e, "out of memory");
				finish(e);
				return;
			}
			break;
		}
		note(e, "Job %s already exists", e->job_name);
		job_made(e, res->body);
		break;
	}
	case STEP_EVENT:
		/* best effort: a lost Event must not stop the act */
		if (err && code != 409)
			note(e, "event not recorded: %s", err->reason);
		else
			note(e, "event recorded");
		break;
	case STEP_DELETE_JOB:
		if (err && code == 404) {
			note(e, "Job %s already gone", a->job_name);
			e->job_deleted = true;
		} else if (err && code == 409)
			note(e, "Job %s is another Job now; left alone", a->job_name);
		else if (err)
			return stop(e, err, "Job delete");
		else {
			note(e, "deleted Job %s", a->job_name);
			e->job_deleted = true;
		}
		break;
	case STEP_READ_CLUSTER:
		if (cluster_read(e, res) != 0)
			return;
		break;
	case STEP_ADMIT: /* no request */
	case STEP_END:
		break;
	}
	run(e);
}

/* Issues the request of `step`; returns 1 when the step does not apply. */
static int start_step(struct exec *e, enum step step)
{
	struct mgo_launcher *l = e->l;
	const struct mgo_act *a = act_of(e);
	const json_t *current = json_object_get(e->mg, "status");
	char now[32];
	json_t *body = NULL;
	int rc;

	mgo_rfc3339_now(now, sizeof(now));
	e->step = step;
	switch (step) {
	case STEP_READ_MG:
		if (e->kept_mg && (rc = read_kept(e)) >= 0)
			return rc;
		rc = mgo_kube_get(l->client, &res_mustgathers, a->ns, a->name, on_step, e, NULL);
		break;
	case STEP_ADMIT:
		return admit(e);
	case STEP_READ_ALLOWLIST: {
		/* the watched object answers when it is the version the act saw */
		const char *rv = json_string_value(
			json_object_get(json_object_get(l->allowlist, "metadata"), "resourceVersion"));
		if (l->allowlist_synced && l->allowlist && rv && a->resource_version &&
		    strcmp(rv, a->resource_version) == 0) {
			struct mgo_refusal why;
			int v = mgo_monitor_check_allowlist(a, l->allowlist, &why);
			return checked(e, v, &why) ? 1 : 0;
		}
		read_allowlist(e);
		return 0;
	}
	case STEP_READ_JOB: {
		struct mgo_ended_job ended;

		if (a->kind != MGO_ACT_FINISH && !a->job_name)
			return 1;
		/* our own watch has seen this Job end: the GET would say the
		 * same (docs/monitor.md, "Reads the launcher need not make") */
		if (mgo_ended_find(&l->ended, a->job_uid, &ended) &&
		    mgo_monitor_job_ended_ok(a, e->job_name, &ended)) {
			note(e, "Job %s: its end is on the launcher's own watch", e->job_name);
			return 1;
		}
		rc = mgo_kube_get(l->client, &res_jobs, a->ns, e->job_name, on_step, e, NULL);
		break;
	}
	case STEP_READ_CLAIM: {
		const char *claim;
		struct mgo_refusal why;
		int v = mgo_monitor_claim_to_read(a, e->mg, &claim, &why);

		if (v != MGO_MONITOR_OK || !claim)
			return checked(e, v, &why) ? 1 : 0;
		snprintf(e->claim, sizeof(e->claim), "%s", claim);
		rc = mgo_kube_get(l->client, &res_pvcs, a->ns, e->claim, on_step, e, NULL);
		break;
	}
	case STEP_READ_CLUSTER:
		if (e->l->cluster_id[0])
			return name_run(e) == 0 ? 1 : 0;
		e->cluster_fallback = false;
		rc = mgo_kube_get(l->client, &res_clusterversions, NULL, "version", on_step, e,
				  &e->req);
		break;
	case STEP_STATUS:
		body = mgo_status_patch(a, e->job_name, a->kind == MGO_ACT_LAUNCH ? e->run_name : NULL,
					now, current);
		if (body && e->mg && !mgo_status_patch_changes(body, current)) {
			json_decref(body);
			if (e->mg_kept) {
				/* nothing would carry the copy's version to the
				 * server: decided again, on a read, when the
				 * watcher observes */
				note(e, "the launch's copy shows this status already; left to a read");
				finish(e);
				return 0;
			}
			e->status_same = true;
			note(e, "status unchanged");
			return 1;
		}
		rc = body ? mgo_kube_merge_patch(l->client, &res_mustgathers, a->ns, a->name,
						 "status", body, MGO_KUBE_F_IDEMPOTENT, on_step, e,
						 &e->req)
			  : -ENOMEM;
		break;
	case STEP_CREATE_JOB:
		if (e->job_known) {
			note(e, "Job %s exists (the launcher's watch shows it)", e->job_name);
			e->job_made = true;
			return 1;
		}
		body = mgo_job_render(a, e->run_name, &l->job_cfg);
		rc = body ? mgo_kube_create(l->client, &res_jobs, a->ns, body,
					    MGO_KUBE_F_RETRY_CONNECT | MGO_KUBE_F_SPEC_UNREAD,
					    on_step, e, &e->req)
			  : -EINVAL; /* out of memory, or a timeout past its bound */
		break;
	case STEP_ALLOWLIST_STATUS:
		body = mgo_allowlist_status_patch(a);
		rc = body ? mgo_kube_merge_patch(l->client, &res_allowlist, NULL, a->name, "status",
						 body, MGO_KUBE_F_IDEMPOTENT, on_step, e, &e->req)
			  : -ENOMEM;
		break;
	case STEP_EVENT:
		if (e->job_known && a->kind == MGO_ACT_LAUNCH)
			return 1; /* recorded with the Job */
		/* one Warning when the claim stops being ready, none per
		 * re-read, none when it binds (the condition says so) */
		if (a->kind == MGO_ACT_CLAIM_STATUS &&
		    (e->status_same || strcmp(a->reason, MGO_REASON_CLAIM_BOUND) == 0))
			return 1;
		body = mgo_event_render(a, e->job_name, now, l->identity);
		rc = body ? mgo_kube_create(l->client, &res_events, a->ns, body,
					    MGO_KUBE_F_RETRY_CONNECT | MGO_KUBE_F_BODY_UNREAD,
					    on_step, e, &e->req)
			  : -ENOMEM;
		break;
	case STEP_DELETE_JOB: {
		if (!a->job_name)
			return 1;
		if (e->job_gone) {
			note(e, "Job %s already gone", a->job_name);
			return 1;
		}
		struct mgo_kube_delete_opts opts = {.propagation = MGO_KUBE_PROPAGATION_BACKGROUND,
						    .uid = a->job_uid};
		rc = mgo_kube_delete(l->client, &res_jobs, a->ns, a->job_name, &opts,
				     MGO_KUBE_F_BODY_UNREAD, on_step, e, &e->req);
		break;
	}
	default:
		return 1;
	}
	json_decref(body);
	if (rc) {
		note(e, "cannot start the request: %s", strerror(-rc));
		finish(e);
	}
	return 0;
}

static const char *const step_names[] = {
	[STEP_END] = "end", [STEP_STATUS] = "status", [STEP_CREATE_JOB] = "Job create",
	[STEP_VERIFY_JOB] = "Job read", [STEP_EVENT] = "Event", [STEP_DELETE_JOB] = "Job delete",
	[STEP_ALLOWLIST_STATUS] = "allowlist status", [STEP_READ_MG] = "MustGather read",
	[STEP_ADMIT] = "admission", [STEP_HOLD] = "status (Queued)",
	[STEP_READ_ALLOWLIST] = "MustGatherImage read", [STEP_READ_JOB] = "Job read",
	[STEP_READ_CLAIM] = "PersistentVolumeClaim read",
	[STEP_READ_CLUSTER] = "cluster id read",
};

static void run(struct exec *e)
{
	while (e->next < sizeof(e->rule->steps) / sizeof(e->rule->steps[0])) {
		enum step step = e->rule->steps[e->next++];
		if (step == STEP_END)
			break;
		/* every step is a write: only while leading, by the clock, not
		 * only when the act was accepted (docs/install.md) */
		if (!mgo_lease_is_leader(e->l->lease)) {
			note(e, "stopped before the %s: not the leader any more", step_names[step]);
			break;
		}
		if (start_step(e, step) == 0)
			return; /* on_step or finish takes it from here */
	}
	finish(e);
}

static void on_pump(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_launcher *l = ctx;
	struct mgo_actq_link *lk;

	while (l->active < l->max_active && (lk = mgo_actq_pop(&l->queue))) {
		struct exec *e = EXEC_OF(lk);
		e->active = true;
		l->active++;
		run(e);
	}
}

/* Past gathers.maxPendingActs: the act is not taken, and says so (its IPC
 * log line, a counter, and a warning at most every 10 s). Level-triggered,
 * the watcher sends its MustGather again later. */
static void shed(struct mgo_launcher *l, const struct mgo_ipc_msg *msg)
{
	uint64_t now = mgo_now_ms();

	l->refused_full++;
	mgo_metric_add(mgo_metrics_proc(), MGO_M_LAUNCHER_SHED, NULL, 1);
	mgo_ipc_log("validator", "launcher", msg,
		    "shed: the launcher holds gathers.maxPendingActs acts; sent again later");
	if (!l->full_logged_ms || now - l->full_logged_ms >= 10000) {
		mgo_warn("launcher.acts_full", "%zu acts held (gathers.maxPendingActs): %llu acts "
			 "shed so far; the watcher sends them again", (size_t)HASH_COUNT(l->inflight),
			 (unsigned long long)l->refused_full);
		l->full_logged_ms = now;
	}
}

/* A newer act for a MustGather whose act waits (queued or held) takes its
 * place: the validator decided again on a newer view. 1 when it did, 0 when
 * the act is the one waiting already (dropped). */
static int supersede(struct mgo_launcher *l, struct exec *e, struct mgo_ipc_msg *msg,
		     const struct act_rule *rule)
{
	const struct mgo_act *old = &e->msg.u.act, *a = &msg->u.act;
	char *rv = NULL;

	/* a claim that bound while its Pending condition waits is news on
	 * the same MustGather version */
	if (old->kind == a->kind &&
	    (a->kind != MGO_ACT_CLAIM_STATUS || same_str(old->reason, a->reason)) &&
	    (same_str(old->resource_version, a->resource_version) ||
	     same_str(e->rv_first, a->resource_version))) {
		mgo_ipc_log("validator", "launcher", msg, mgo_actq_in(&l->held, &e->link)
			    ? "ignored: it waits for its namespace's limit"
			    : "ignored: the same act waits already");
		return 0;
	}
	if (a->resource_version && !(rv = strdup(a->resource_version))) {
		mgo_ipc_log("validator", "launcher", msg, "dropped: out of memory");
		return 0;
	}
	note(e, "superseded by a newer act");
	mgo_ipc_log("validator", "launcher", &e->msg, e->result);
	HASH_DEL(l->inflight, e);
	mgo_ipc_msg_free(&e->msg);
	e->msg = *msg; /* takes ownership */
	memset(msg, 0, sizeof(*msg));
	free(e->rv_first);
	e->rv_first = rv;
	/* the launch's copy was for the act decided on its version: the
	 * newer act reads */
	free(e->kept_mg);
	e->kept_mg = NULL;
	e->mg_kept = false;
	e->rule = rule;
	e->next = 0;
	e->status_same = false;
	e->result[0] = '\0';
	if (e->msg.u.act.kind != MGO_ACT_ALLOWLIST_STATUS && e->msg.u.act.name)
		mgo_job_name(e->msg.u.act.name, e->msg.u.act.uid, e->job_name, sizeof(e->job_name));
	HASH_ADD_KEYPTR(hh, l->inflight, e->msg.u.act.uid, strlen(e->msg.u.act.uid), e);
	/* only a launch waits for its namespace */
	if (e->msg.u.act.kind != MGO_ACT_LAUNCH && mgo_actq_in(&l->held, &e->link)) {
		mgo_actq_remove(&l->held, &e->link);
		if (mgo_actq_push(&l->queue, e->msg.u.act.ns ? e->msg.u.act.ns : "", &e->link)) {
			note(e, "cannot queue: out of memory");
			finish(e);
			return 1;
		}
	}
	schedule_pump(l);
	return 1;
}

static void accept_act(struct mgo_launcher *l, struct mgo_ipc_msg *msg)
{
	const struct act_rule *rule = NULL;
	struct exec *e = NULL;
	const char *uid = msg->u.act.uid;
	struct launched *done;
	char *kept = NULL;

	for (size_t i = 0; i < sizeof(act_rules) / sizeof(act_rules[0]); i++)
		if (act_rules[i].kind == msg->u.act.kind)
			rule = &act_rules[i];
	if (msg->type != MGO_IPC_ACT || !rule) {
		mgo_ipc_log("validator", "launcher", msg, "refused: not an act the launcher obeys");
		return;
	}
	if (!mgo_lease_is_leader(l->lease)) {
		mgo_ipc_log("validator", "launcher", msg, "ignored: not the leader");
		return;
	}
	HASH_FIND_STR(l->inflight, uid, e);
	if (e && e->active) {
		mgo_ipc_log("validator", "launcher", msg, "ignored: an act for it is in progress");
		return;
	}
	if (e) {
		supersede(l, e, msg, rule);
		return;
	}
	/* and only while its Job runs, as the launcher's own watch (or its
	 * create) shows it: a Job deleted by hand is made again */
	done = launched_find(l, uid);
	if (done && msg->u.act.kind == MGO_ACT_LAUNCH && mgo_running_owned(&l->running, uid) &&
	    (same_str(msg->u.act.resource_version, done->rv_first) ||
	     same_str(msg->u.act.resource_version, done->rv_after))) {
		mgo_ipc_log("validator", "launcher", msg, "ignored: launched already");
		return;
	}
	/* a clean-up of the Job we deleted: the watcher saw the outcome
	 * written before the Job gone (two watch streams) */
	if (done && msg->u.act.kind == MGO_ACT_CLEANUP &&
	    same_str(msg->u.act.job_uid, done->job_deleted)) {
		mgo_ipc_log("validator", "launcher", msg, "ignored: its Job is deleted already");
		return;
	}
	if (HASH_COUNT(l->inflight) >= l->max_pending) {
		shed(l, msg);
		return;
	}
	/* a finish decided on the version its launch left */
	if (msg->u.act.kind == MGO_ACT_FINISH)
		kept = kept_take(l, done, msg->u.act.resource_version);
	/* a launch decided on the version our own finish then wrote its
	 * outcome over: the watcher saw the Job we deleted gone before the
	 * outcome (two watch streams again). Read, it would be stale. */
	if (done && msg->u.act.kind == MGO_ACT_LAUNCH && done->job_deleted &&
	    same_str(msg->u.act.resource_version, done->rv_first)) {
		mgo_ipc_log("validator", "launcher", msg,
			    "ignored: decided before its outcome was written");
		return;
	}
	/* its life moved on; a status-only act about its claim is no step of
	 * it, and a second launch decided before it is still dropped */
	if (done && msg->u.act.kind != MGO_ACT_CLAIM_STATUS)
		launched_drop(l, done);
	e = calloc(1, sizeof(*e));
	if (!e || (msg->u.act.resource_version &&
		   !(e->rv_first = strdup(msg->u.act.resource_version)))) {
		free(e);
		free(kept);
		mgo_ipc_log("validator", "launcher", msg, "dropped: out of memory");
		return;
	}
	e->kept_mg = kept;
	e->l = l;
	e->rule = rule;
	clock_gettime(CLOCK_MONOTONIC, &e->received);
	e->msg = *msg; /* takes ownership */
	memset(msg, 0, sizeof(*msg));
	if (e->msg.u.act.kind != MGO_ACT_ALLOWLIST_STATUS && e->msg.u.act.name && uid)
		mgo_job_name(e->msg.u.act.name, e->msg.u.act.uid, e->job_name, sizeof(e->job_name));
	HASH_ADD_KEYPTR(hh, l->inflight, e->msg.u.act.uid, strlen(e->msg.u.act.uid), e);
	/* the allowlist's status has no namespace: it takes its turn as one */
	if (mgo_actq_push(&l->queue, e->msg.u.act.ns ? e->msg.u.act.ns : "", &e->link)) {
		note(e, "cannot queue: out of memory");
		finish(e);
		return;
	}
	schedule_pump(l);
}

static void on_act(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_launcher *l = ctx;
	struct mgo_ipc_msg msg;
	char err[256];
	int rc;

	while ((rc = mgo_ipc_recv(zsock, &msg, err, sizeof(err))) != -EAGAIN) {
		if (rc) {
			mgo_ipc_log_rejected("validator", "launcher", rc, err);
			continue;
		}
		accept_act(l, &msg);
		mgo_ipc_msg_free(&msg);
	}
}

/* A deposed leader stops writing at once: each act in flight is dropped
 * with its request. A request still queued (rate limit, free slot) or
 * waiting to retry is never sent; one already sent cannot be recalled, and
 * the server may still carry it out: that is what the 5 s between the
 * renew deadline and the lease's expiry are for (lease.h). The watcher
 * observes the MustGathers again, and the next leader redoes what is left
 * (every step is idempotent). */
static void abandon_all(struct mgo_launcher *l)
{
	struct exec *e, *tmp;
	size_t n = HASH_COUNT(l->inflight);

	HASH_ITER(hh, l->inflight, e, tmp) {
		if (e->req) {
			mgo_kube_cancel(e->req);
			e->req = NULL;
		}
		if (e->active)
			note(e, "abandoned at the %s: not the leader any more (a request already "
			     "sent may still be carried out)", step_names[e->step]);
		else
			note(e, "abandoned before its turn: not the leader any more");
		finish(e);
	}
	if (n)
		mgo_warn("launcher.abandoned", "%zu acts in flight dropped with the lease", n);
}

static void on_leadership(void *ctx, bool leader)
{
	struct mgo_launcher *l = ctx;

	if (!leader)
		abandon_all(l);
	mgo_metric_set(mgo_metrics_proc(), MGO_M_LEASE_LEADER, NULL, leader ? 1 : 0);
	/* the supervisor tells the watcher, which observes every unfinished
	 * MustGather again: the acts for them went to a standby until now */
	mgo_supervised_leading(&l->proc->sup, leader);
	mgo_info(leader ? "launcher.active" : "launcher.standby",
		 leader ? "acting on the validator's decisions" : "standing by");
}

/* MustGatherImage/cluster as the launcher's own watch last saw it. */
static void on_allowlist(void *ctx, enum mgo_informer_event ev, const json_t *obj)
{
	struct mgo_launcher *l = ctx;

	json_decref(l->allowlist);
	l->allowlist = ev == MGO_INFORMER_DELETED ? NULL : json_incref((json_t *)obj);
}

static void on_allowlist_synced(void *ctx)
{
	struct mgo_launcher *l = ctx;

	l->allowlist_synced = true;
}

/* One watch of the one object, instead of a read of it per launch. */
static int watch_allowlist(struct mgo_launcher *l)
{
	struct mgo_informer_opts o = {.res = &res_allowlist,
				      .field_selector = "metadata.name=cluster",
				      .on_event = on_allowlist,
				      .on_synced = on_allowlist_synced,
				      .ctx = l};
	int rc = mgo_informer_new(l->client, &o, &l->allowlist_inf);

	return rc ? rc : mgo_informer_start(l->allowlist_inf);
}

/* The Jobs we made, as our own watch shows them: the count of gathers
 * running per namespace (mgo_running), and those that ended (mgo_ended),
 * which answer a finish act's Job check without a GET. A gather that ends
 * lets a held launch of its namespace go. */
static void on_job(void *ctx, enum mgo_informer_event ev, const json_t *obj)
{
	struct mgo_launcher *l = ctx;
	const char *ns = mgo_meta_str(obj, "namespace");
	size_t before = ns ? mgo_running_in(&l->running, ns) : 0;
	bool gone = ev == MGO_INFORMER_DELETED;
	/* both, even when the first fails */
	int counted = mgo_running_job(&l->running, obj, gone);
	int noted = mgo_ended_note(&l->ended, obj, gone);

	if (counted || noted)
		mgo_warn("launcher.oom", "cannot count Job %s/%s", ns ? ns : "",
			 mgo_meta_str(obj, "name") ? mgo_meta_str(obj, "name") : "");
	if (ns && l->jobs_synced && mgo_running_in(&l->running, ns) < before)
		release_ns(l, ns);
}

static void on_jobs_synced(void *ctx)
{
	struct mgo_launcher *l = ctx;
	struct mgo_actq_link *lk;

	l->jobs_synced = true;
	/* what waited for the count: admitted or held, each on its own */
	while ((lk = mgo_actq_pop(&l->held))) {
		struct exec *e = EXEC_OF(lk);
		if (mgo_actq_push(&l->queue, e->msg.u.act.ns, &e->link)) {
			note(e, "cannot queue: out of memory");
			finish(e);
		}
	}
	schedule_pump(l);
}

static int watch_jobs(struct mgo_launcher *l)
{
	struct mgo_informer_opts o = {.res = &res_jobs,
				      .label_selector = MGO_LABEL_MANAGED_BY "=" MGO_MANAGED_BY,
				      .spec_unread = true, /* on_job reads metadata and status */
				      .on_event = on_job,
				      .on_synced = on_jobs_synced,
				      .ctx = l};
	int rc = mgo_informer_new(l->client, &o, &l->jobs_inf);

	return rc ? rc : mgo_informer_start(l->jobs_inf);
}

/* Before each heartbeat's metrics: what is counted elsewhere. */
static void collect(void *ctx)
{
	struct mgo_launcher *l = ctx;
	struct mgo_metrics *m = mgo_metrics_proc();

	mgo_kube_stats_to_metrics(mgo_kube_client_stats(l->client), m);
	mgo_metric_set(m, MGO_M_QUEUE_DEPTH, NULL, (int64_t)HASH_COUNT(l->inflight));
	mgo_metric_set(m, MGO_M_LAUNCHER_HELD, NULL, (int64_t)mgo_actq_len(&l->held));
}

int mgo_launcher_open(struct mgo_launcher *l, struct mgo_proc *proc,
		       struct mgo_kube_creds *creds)
{
	const struct mgo_config *cfg = &proc->cfg;
	char err[512], host[64] = "launcher";
	const char *pod = getenv("POD_NAME");
	int rc;

	memset(l, 0, sizeof(*l));
	l->proc = proc;
	if (!pod && gethostname(host, sizeof(host)) == 0)
		host[sizeof(host) - 1] = '\0';
	/* Under a supervisor the identity is the supervisor's, so a launcher it
	 * restarted renews the Lease its predecessor held at once instead of
	 * waiting 15 s for it to expire; it only ever restarts one after the
	 * last is reaped, so two never share it. */
	snprintf(l->identity, sizeof(l->identity), "%s_%d", pod ? pod : host,
		 (int)(mgo_proc_supervised(proc) ? getppid() : getpid()));
	l->job_cfg = (struct mgo_job_config){
		.operator_image = cfg->operator_image,
		.http_proxy = cfg->http_proxy,
		.https_proxy = cfg->https_proxy,
		.no_proxy = cfg->no_proxy,
		.sftp_known_hosts = cfg->sftp_known_hosts,
		.trusted_ca_configmap = cfg->trusted_ca_configmap,
	};
	l->policy = (struct mgo_policy){
		.namespace = cfg->namespace,
		.default_image = cfg->default_image,
		.operator_sas = (const char *const *)cfg->operator_sas,
		.n_operator_sas = cfg->n_operator_sas,
	};
	/* the identity in each request's User-Agent: the audit log then says
	 * which replica's launcher wrote what (all share one account) */
	char agent[192];
	snprintf(agent, sizeof(agent), "mgo-launcher (%s)", l->identity);
	struct mgo_kube_client_opts opts = {.qps = cfg->launcher.qps, .burst = cfg->launcher.burst,
					    .user_agent = agent};

	if ((rc = mgo_kube_client_new(proc->loop, creds, &opts, &l->client, err,
				      sizeof(err)))) {
		mgo_error("launcher.client", "%s", err);
		return rc;
	}
	if ((rc = watch_allowlist(l))) {
		mgo_error("launcher.allowlist", "cannot watch MustGatherImage/cluster: %s",
			  strerror(-rc));
		return rc;
	}
	l->max_active = MGO_LAUNCHER_MAX_ACTIVE; /* mgo/config.h */
	l->max_pending = cfg->gathers.max_pending_acts ? cfg->gathers.max_pending_acts
						       : MGO_CFG_MAX_PENDING_ACTS;
	l->ns_limit = cfg->gathers.max_running_per_ns ? cfg->gathers.max_running_per_ns
						      : MGO_CFG_MAX_RUNNING_PER_NS;
	if ((rc = mgo_timer_new(proc->loop, on_pump, l, &l->pump)) || (rc = watch_jobs(l))) {
		mgo_error("launcher.jobs", "cannot watch its Jobs: %s", strerror(-rc));
		return rc;
	}
	if ((rc = mgo_proc_bind(proc, proc->launcher_endpoint, MGO_ROLE_VALIDATOR, &l->pull)) ||
	    (rc = mgo_loop_add_zmq(proc->loop, l->pull, MGO_POLLIN, on_act, l, NULL))) {
		mgo_error("launcher.ipc", "cannot bind %s: %s", proc->launcher_endpoint,
			  mgo_ipc_strerror(rc));
		return rc;
	}
	if ((rc = mgo_lease_start(proc->loop, l->client, cfg->namespace, l->identity,
				  on_leadership, l, &l->lease))) {
		mgo_error("launcher.lease", "cannot start leader election: %s", strerror(-rc));
		return rc;
	}
	mgo_supervised_collect(&proc->sup, collect, l);
	mgo_info("launcher.ready", "obeying the validator on %s as %s", proc->launcher_endpoint,
		 l->identity);
	return 0;
}

void mgo_launcher_close(struct mgo_launcher *l)
{
	struct exec *e, *tmp;

	if (l->proc)
		mgo_supervised_collect(&l->proc->sup, NULL, NULL);
	/* a successor need not wait for the lease to expire */
	(void)mgo_lease_release(l->lease, MGO_LEASE_RELEASE_MS); /* failures are logged */
	mgo_lease_stop(l->lease);
	mgo_actq_clear(&l->queue); /* links inside the acts freed below */
	mgo_actq_clear(&l->held);
	HASH_ITER(hh, l->inflight, e, tmp) {
		HASH_DEL(l->inflight, e);
		exec_free(e);
	}
	while (l->launched)
		launched_drop(l, l->launched);
	mgo_running_clear(&l->running);
	mgo_ended_clear(&l->ended);
	mgo_informer_free(l->jobs_inf);
	if (l->pump)
		mgo_timer_remove(l->pump);
	mgo_informer_free(l->allowlist_inf);
	json_decref(l->allowlist);
	/* freeing the client cancels the requests of those acts without callbacks */
	mgo_kube_client_free(l->client);
	if (l->proc)
		mgo_ipc_close_bound(l->pull, l->proc->launcher_endpoint);
	memset(l, 0, sizeof(*l));
}

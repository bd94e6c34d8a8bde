#include "launcher.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>
#include <unistd.h>
#include <zmq.h>

#include "mg_status.h"
#include "mgo/ipc_sock.h"
#include "mgo/kube.h"
#include "mgo/log.h"
#include "mgo/metrics.h"

static const struct mgo_kube_resource res_mustgathers = {"operator.openshift.io", "v1alpha1",
							 "mustgathers", true};
static const struct mgo_kube_resource res_allowlist = {"operator.openshift.io", "v1alpha1",
						       "mustgatherimages", false};
static const struct mgo_kube_resource res_jobs = {"batch", "v1", "jobs", true};
static const struct mgo_kube_resource res_events = {"", "v1", "events", true};

/* The steps an act may take, each one API write (or the read that checks
 * a Job we found is ours). */
enum step {
	STEP_END = 0,
	STEP_STATUS,            /* merge-patch /status, conditional on resourceVersion */
	STEP_CREATE_JOB,        /* create the Job; AlreadyExists -> STEP_VERIFY_JOB */
	STEP_VERIFY_JOB,        /* read the existing Job: ours if it names our UID */
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
	enum step steps[4];
} act_rules[] = {
	{MGO_ACT_LAUNCH, {STEP_STATUS, STEP_CREATE_JOB, STEP_EVENT}},
	{MGO_ACT_DENY, {STEP_STATUS, STEP_EVENT, STEP_DELETE_JOB}},
	{MGO_ACT_FINISH, {STEP_STATUS, STEP_EVENT, STEP_DELETE_JOB}},
	{MGO_ACT_CLEANUP, {STEP_DELETE_JOB}},
	{MGO_ACT_ALLOWLIST_STATUS, {STEP_ALLOWLIST_STATUS}},
};

/* One act being carried out. */
struct exec {
	struct mgo_launcher *l;
	struct mgo_ipc_msg msg;         /* owned: the act as received */
	const struct act_rule *rule;
	size_t next;                    /* index into rule->steps */
	enum step step;                 /* the step whose request is in flight */
	struct mgo_kube_req *req;       /* that request; NULL between steps */
	char job_name[80];
	char result[768];
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

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void finish(struct exec *e)
{
	struct mgo_launcher *l = e->l;
	double took = seconds_since(&e->received);

	mgo_metric_observe(mgo_metrics_proc(), MGO_M_RECONCILE_SECONDS, NULL, took > 0 ? took : 0);
	mgo_ipc_log("validator", "launcher", &e->msg, e->result);
	HASH_DEL(l->inflight, e);
	mgo_ipc_msg_free(&e->msg);
	free(e);
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

static void on_step(void *ctx, const struct mgo_kube_result *res)
{
	struct exec *e = ctx;
	const struct mgo_kube_error *err = res->error;
	const struct mgo_act *a = &e->msg.u.act;
	long code = err ? err->http_code : res->http_code;

	e->req = NULL;
	switch (e->step) {
	case STEP_ALLOWLIST_STATUS:
	case STEP_STATUS:
		if (err && code == 409) {
			note(e, "stale: the MustGather changed since the decision");
			finish(e);
			return;
		}
		if (err && code == 404) {
			note(e, "the %s is gone",
			     e->step == STEP_STATUS ? "MustGather" : "MustGatherImage");
			finish(e);
			return;
		}
		if (err)
			return stop(e, err, "status");
		if (e->step == STEP_STATUS) {
			note(e, "status written");
			if (a->kind != MGO_ACT_LAUNCH)
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
			finish(e);
			return;
		}
		note(e, "Job %s already exists", e->job_name);
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
		if (err && code == 404)
			note(e, "Job %s already gone", a->job_name);
		else if (err && code == 409)
			note(e, "Job %s is another Job now; left alone", a->job_name);
		else if (err)
			return stop(e, err, "Job delete");
		else
			note(e, "deleted Job %s", a->job_name);
		break;
	case STEP_END:
		break;
	}
	run(e);
}

/* Issues the request of `step`; returns 1 when the step does not apply. */
static int start_step(struct exec *e, enum step step)
{
	struct mgo_launcher *l = e->l;
	const struct mgo_act *a = &e->msg.u.act;
	char now[32];
	json_t *body = NULL;
	int rc;

	mgo_rfc3339_now(now, sizeof(now));
	e->step = step;
	switch (step) {
	case STEP_STATUS:
		body = mgo_status_patch(a, e->job_name, now);
		rc = body ? mgo_kube_merge_patch(l->client, &res_mustgathers, a->ns, a->name,
						 "status", body, MGO_KUBE_F_IDEMPOTENT, on_step, e,
						 &e->req)
			  : -ENOMEM;
		break;
	case STEP_CREATE_JOB:
		body = mgo_job_render(a, &l->job_cfg);
		rc = body ? mgo_kube_create(l->client, &res_jobs, a->ns, body,
					    MGO_KUBE_F_RETRY_CONNECT, on_step, e, &e->req)
			  : -ENOMEM;
		break;
	case STEP_ALLOWLIST_STATUS:
		body = mgo_allowlist_status_patch(a);
		rc = body ? mgo_kube_merge_patch(l->client, &res_allowlist, NULL, a->name, "status",
						 body, MGO_KUBE_F_IDEMPOTENT, on_step, e, &e->req)
			  : -ENOMEM;
		break;
	case STEP_EVENT:
		body = mgo_event_render(a, e->job_name, now, l->identity);
		rc = body ? mgo_kube_create(l->client, &res_events, a->ns, body,
					    MGO_KUBE_F_RETRY_CONNECT, on_step, e, &e->req)
			  : -ENOMEM;
		break;
	case STEP_DELETE_JOB: {
		if (!a->job_name)
			return 1;
		struct mgo_kube_delete_opts opts = {.propagation = MGO_KUBE_PROPAGATION_BACKGROUND,
						    .uid = a->job_uid};
		rc = mgo_kube_delete(l->client, &res_jobs, a->ns, a->job_name, &opts, 0, on_step, e,
				     &e->req);
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
	[STEP_ALLOWLIST_STATUS] = "allowlist status",
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

/* Defence in depth on the one thing that would hand the launcher's power to
 * a user: a gather pod running as one of the operator's own accounts. The
 * validator refuses it; the launcher does not rely on that. */
static bool launch_allowed(const struct mgo_launcher *l, const struct mgo_act *a)
{
	const struct mgo_config *cfg = &l->proc->cfg;

	if (a->kind != MGO_ACT_LAUNCH)
		return true;
	if (strcmp(a->ns, cfg->namespace) != 0)
		return true;
	for (size_t i = 0; i < cfg->n_operator_sas; i++)
		if (strcmp(a->intent.service_account, cfg->operator_sas[i]) == 0)
			return false;
	return true;
}

static void accept_act(struct mgo_launcher *l, struct mgo_ipc_msg *msg)
{
	const struct act_rule *rule = NULL;
	struct exec *e = NULL;
	const char *uid = msg->u.act.uid;

	for (size_t i = 0; i < sizeof(act_rules) / sizeof(act_rules[0]); i++)
		if (act_rules[i].kind == msg->u.act.kind)
			rule = &act_rules[i];
	if (msg->type != MGO_IPC_ACT || !rule) {
		mgo_ipc_log("validator", "launcher", msg, "refused: not an act the launcher obeys");
		return;
	}
	if (!launch_allowed(l, &msg->u.act)) {
		mgo_ipc_log("validator", "launcher", msg,
			    "refused: a gather may not run as the operator's own service account");
		return;
	}
	if (!mgo_lease_is_leader(l->lease)) {
		mgo_ipc_log("validator", "launcher", msg, "ignored: not the leader");
		return;
	}
	HASH_FIND_STR(l->inflight, uid, e);
	if (e) {
		mgo_ipc_log("validator", "launcher", msg, "ignored: an act for it is in progress");
		return;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		mgo_ipc_log("validator", "launcher", msg, "dropped: out of memory");
		return;
	}
	e->l = l;
	e->rule = rule;
	clock_gettime(CLOCK_MONOTONIC, &e->received);
	e->msg = *msg; /* takes ownership */
	memset(msg, 0, sizeof(*msg));
	if (e->msg.u.act.kind == MGO_ACT_LAUNCH)
		mgo_job_name(e->msg.u.act.name, e->msg.u.act.uid, e->job_name, sizeof(e->job_name));
	HASH_ADD_KEYPTR(hh, l->inflight, e->msg.u.act.uid, strlen(e->msg.u.act.uid), e);
	run(e);
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
		note(e, "abandoned at the %s: not the leader any more (a request already sent "
		     "may still be carried out)", step_names[e->step]);
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

/* Before each heartbeat's metrics: what is counted elsewhere. */
static void collect(void *ctx)
{
	struct mgo_launcher *l = ctx;
	struct mgo_metrics *m = mgo_metrics_proc();

	mgo_kube_stats_to_metrics(mgo_kube_client_stats(l->client), m);
	mgo_metric_set(m, MGO_M_QUEUE_DEPTH, NULL, (int64_t)HASH_COUNT(l->inflight));
}

int mgo_launcher_open(struct mgo_launcher *l, struct mgo_proc *proc)
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
	};
	/* the identity in each request's User-Agent: the audit log then says
	 * which replica's launcher wrote what (all share one account) */
	char agent[192];
	snprintf(agent, sizeof(agent), "mgo-launcher (%s)", l->identity);
	struct mgo_kube_client_opts opts = {.qps = cfg->launcher.qps, .burst = cfg->launcher.burst,
					    .user_agent = agent};

	if ((rc = mgo_kube_client_new(proc->loop, &proc->creds, &opts, &l->client, err,
				      sizeof(err)))) {
		mgo_error("launcher.client", "%s", err);
		return rc;
	}
	if ((rc = mgo_proc_bind(proc, proc->launcher_endpoint, MGO_ROLE_VALIDATOR, &l->pull)) ||
	    (rc = mgo_loop_add_zmq(proc->loop, l->pull, ZMQ_POLLIN, on_act, l, NULL))) {
		mgo_error("launcher.ipc", "cannot bind %s: %s", proc->launcher_endpoint,
			  zmq_strerror(-rc));
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
	HASH_ITER(hh, l->inflight, e, tmp) {
		HASH_DEL(l->inflight, e);
		mgo_ipc_msg_free(&e->msg);
		free(e);
	}
	/* freeing the client cancels the requests of those acts without callbacks */
	mgo_kube_client_free(l->client);
	if (l->proc)
		mgo_ipc_close_bound(l->pull, l->proc->launcher_endpoint);
	memset(l, 0, sizeof(*l));
}

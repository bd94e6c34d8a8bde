/* The MustGather state machine, from the validator's side: given what the
 * watcher observed, which single act moves the MustGather on. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "mgo/apiobj.h"
#include "mgo/upload.h"

static int dup_str(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/* Fills the fields every act carries: which MustGather, which generation. */
static int act_init(struct mgo_act *act, enum mgo_act_kind kind, const struct mgo_mg *mg)
{
	act->kind = kind;
	act->generation = mg->generation;
	if (dup_str(&act->ns, mg->ns) || dup_str(&act->name, mg->name) ||
	    dup_str(&act->uid, mg->uid) || dup_str(&act->resource_version, mg->resource_version))
		return -ENOMEM;
	return 0;
}

static int act_outcome(struct mgo_act *act, const char *reason, const char *message)
{
	if (dup_str(&act->reason, reason) || dup_str(&act->message, message))
		return -ENOMEM;
	return 0;
}

/* Names the Job the launcher must delete; none when the user keeps it. */
static int act_job(struct mgo_act *act, const struct mgo_observe *obs, bool even_if_retained)
{
	if (obs->job.phase == MGO_JOB_NONE || (obs->mg.spec.retain && !even_if_retained))
		return 0;
	if (dup_str(&act->job_name, obs->job.name) || dup_str(&act->job_uid, obs->job.uid))
		return -ENOMEM;
	return 0;
}

/* How much of a container's termination message a condition quotes: with
 * the longest host and the text around it the message stays under the
 * 1 KiB each decision writes (decide_live). */
#define MGO_LAST_LINES_MAX 512

static bool is_pull_failure(const char *reason)
{
	static const char *const pull[] = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName",
					   "ErrImageNeverPull", "RegistryUnavailable"};
	for (size_t i = 0; reason && i < sizeof(pull) / sizeof(pull[0]); i++)
		if (strcmp(reason, pull[i]) == 0)
			return true;
	return false;
}

static bool is_config_failure(const char *reason)
{
	return reason && (strcmp(reason, "CreateContainerConfigError") == 0 ||
			  strcmp(reason, "CreateContainerError") == 0);
}

/* Why a pod that never ran failed, if it says; NULL otherwise. */
static const char *pod_failure(const struct mgo_job_state *job, char *msg, size_t len)
{
	const char *c = job->pod_container ? job->pod_container : "gather";
	const char *m = job->pod_message ? job->pod_message : "";

	if (is_pull_failure(job->pod_reason)) {
		snprintf(msg, len, "container %s cannot pull its image (%s): %s", c,
			 job->pod_reason, m);
		return MGO_REASON_IMAGE_PULL_FAILED;
	}
	if (is_config_failure(job->pod_reason)) {
		snprintf(msg, len, "container %s cannot start (%s): %s", c, job->pod_reason, m);
		return MGO_REASON_POD_CONFIG_ERROR;
	}
	return NULL;
}

/* The end of container `name`'s termination message (its last lines:
 * launcher/job.h) in buf, at most len - 1 bytes cut at a character, or ""
 * when the pod's report is about something else. The message outlives the
 * pod in the MustGather's condition and Event (docs/support.md). */
static const char *last_lines(const struct mgo_job_state *job, const char *name, char *buf,
			      size_t len)
{
	const char *t;
	size_t n;

	if (!job->pod_message || !job->pod_container || strcmp(job->pod_container, name) != 0)
		return "";
	t = mgo_text_tail(job->pod_message, len - 1, &n);
	memcpy(buf, t, n);
	buf[n] = '\0';
	return buf;
}

/* Where a timed-out gather's partial tarball stayed without an upload: the
 * run's folder on the claim (mgo_run_folder, as the launcher mounts it). */
static void partial_on_claim(const struct mgo_observe *obs, char *buf, size_t len)
{
	const struct mgo_mg_spec *sp = &obs->mg.spec;
	char folder[1400];

	if (!sp->pvc_claim) {
		snprintf(buf, len, "; what it wrote before then was packed but stays in the pod's "
			 "emptyDir volume (no upload target, no claim)");
		return;
	}
	/* the launcher recorded the run's name when it launched; without it
	 * (not seen yet) the message names no folder rather than a wrong one */
	if (!obs->mg.result_name) {
		if (snprintf(buf, len, "; what it wrote before then is kept%s as a partial result "
			     "in the run's folder (status.resultName) on PersistentVolumeClaim %s",
			     sp->obfuscate ? ", obfuscated," : "", sp->pvc_claim) < 0)
			buf[0] = '\0';
		return;
	}
	mgo_run_folder(sp->pvc_subpath, obs->mg.result_name, folder, sizeof(folder));
	/* a long subPath may cut the message at the condition's bound */
	if (snprintf(buf, len, "; what it wrote before then is kept%s as a partial result in "
		     "%s/" MGO_RESULT_TARBALL " on PersistentVolumeClaim %s",
		     sp->obfuscate ? ", obfuscated," : "", folder, sp->pvc_claim) < 0)
		buf[0] = '\0';
}

/* Maps a failed Job to the reason a support engineer can act on. */
static const char *job_failure(const struct mgo_observe *obs, char *msg, size_t len)
{
	const struct mgo_job_state *job = &obs->job;
	const char *timeout = obs->mg.spec.timeout ? obs->mg.spec.timeout : "unset";
	const char *host = obs->mg.spec.sftp_host ? obs->mg.spec.sftp_host
						  : "sftp.access.redhat.com";
	const char *reason, *tail;
	char quote[MGO_LAST_LINES_MAX + 1];

	if ((reason = pod_failure(job, msg, len)))
		return reason;
	if (job->upload_exit == MGO_UPLOAD_EXIT_PARTIAL) {
		tail = last_lines(job, "upload", quote, sizeof(quote));
		snprintf(msg, len, "the gather did not finish within spec.mustGatherTimeout (%s); "
			 "what it wrote before then was uploaded to %s as a partial result%s%s",
			 timeout, host, *tail ? ": " : "", tail);
		return MGO_REASON_TIMEOUT;
	}
	/* the gather's status, or with a cleaning step and no upload the
	 * cleaning step's, which passes a timed-out gather's 124 on after
	 * packing what it cleaned (launcher/job.h) */
	if (job->gather_exit == MGO_GATHER_EXIT_TIMEOUT ||
	    job->clean_exit == MGO_GATHER_EXIT_TIMEOUT) {
		int n = snprintf(msg, len, "the gather did not finish within "
				 "spec.mustGatherTimeout (%s)", timeout);
		if (n > 0 && (size_t)n < len)
			partial_on_claim(obs, msg + n, len - (size_t)n);
		return MGO_REASON_TIMEOUT;
	}
	if (job->reason && strcmp(job->reason, "DeadlineExceeded") == 0) {
		snprintf(msg, len, "the gather did not finish within spec.mustGatherTimeout (%s)",
			 timeout);
		return MGO_REASON_TIMEOUT;
	}
	if (job->gather_exit > 0) {
		tail = last_lines(job, "gather", quote, sizeof(quote));
		if (*tail)
			snprintf(msg, len, "the gather exited with status %d; its last lines:\n%s",
				 (int)job->gather_exit, tail);
		else
			snprintf(msg, len, "the gather exited with status %d; see the logs of "
				 "container gather in the Job's pod", (int)job->gather_exit);
		return MGO_REASON_GATHER_FAILED;
	}
	if (job->clean_exit > 0) {
		tail = last_lines(job, "clean", quote, sizeof(quote));
		snprintf(msg, len, "the obfuscation of the gathered data failed (exit status %d); "
			 "nothing was packed, stored or uploaded%s%s", (int)job->clean_exit,
			 *tail ? ": " : "; see the logs of container clean in the Job's pod", tail);
		return MGO_REASON_OBFUSCATION_FAILED;
	}
	if (job->upload_exit > 0) {
		tail = last_lines(job, "upload", quote, sizeof(quote));
		snprintf(msg, len, "the upload to %s failed: %s (exit status %d)%s%s", host,
			 mgo_upload_exit_text(job->upload_exit), (int)job->upload_exit,
			 *tail ? ": " : "", tail);
		return MGO_REASON_UPLOAD_FAILED;
	}
	snprintf(msg, len, "the Job failed (%s): %s", job->reason ? job->reason : "no reason given",
		 job->message ? job->message : "");
	return MGO_REASON_JOB_FAILED;
}

static int decide_new(const struct mgo_policy *policy, const struct mgo_observe *obs,
		      struct mgo_act *act)
{
	const char *reason;
	char msg[1024];
	int rc = mgo_validate_spec(policy, obs, &act->intent, &reason, msg, sizeof(msg));

	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* a Job made before the spec became invalid (the allowlist was
		 * edited) must not keep running under a Failed MustGather */
		if ((rc = act_init(act, MGO_ACT_DENY, &obs->mg)) || (rc = act_outcome(act, reason, msg)) ||
		    (rc = act_job(act, obs, true)))
			return rc;
		return MGO_DECIDE_ACT;
	}
	if ((rc = act_init(act, MGO_ACT_LAUNCH, &obs->mg)))
		return rc;
	return MGO_DECIDE_ACT;
}

static int finish(const struct mgo_observe *obs, struct mgo_act *act, bool ok,
		  const char *reason, const char *msg)
{
	int rc;

	if ((rc = act_init(act, MGO_ACT_FINISH, &obs->mg)) || (rc = act_outcome(act, reason, msg)) ||
	    (rc = act_job(act, obs, false)))
		return rc;
	act->succeeded = ok;
	return MGO_DECIDE_ACT;
}

/* A Running MustGather whose claim is not Bound: its pod waits for the
 * volume, and says nothing a user of the MustGather sees. The StorageReady
 * condition says so (and takes it back once the claim binds); nothing when
 * the status says it already, so a claim that stays Pending costs one write,
 * and a claim Bound from the start none. */
static int claim_status(const struct mgo_observe *obs, struct mgo_act *act)
{
	const char *want, *had = obs->mg.storage_reason;
	char msg[512];
	int rc;

	if (!obs->mg.spec.pvc_claim || obs->pvc != MGO_PRESENCE_PRESENT)
		return MGO_DECIDE_NOTHING;
	want = mgo_claim_condition(obs->pvc_phase, obs->mg.spec.pvc_claim, msg, sizeof(msg));
	if (!want || (had && strcmp(had, want) == 0) ||
	    (!had && strcmp(want, MGO_REASON_CLAIM_BOUND) == 0))
		return MGO_DECIDE_NOTHING;
	if ((rc = act_init(act, MGO_ACT_CLAIM_STATUS, &obs->mg)) || (rc = act_outcome(act, want, msg)))
		return rc;
	return MGO_DECIDE_ACT;
}

static int decide_live(const struct mgo_policy *policy, const struct mgo_observe *obs,
		       struct mgo_act *act)
{
	const struct mgo_job_state *job = &obs->job;
	const char *reason;
	char msg[1024];

	switch (job->phase) {
	case MGO_JOB_NONE:
		/* New, or Running with its Job gone (deleted by hand, or the
		 * launcher stopped between recording Running and creating it):
		 * either way the Job should exist, as for any controller. A
		 * finished MustGather never gets here, and the launcher's write
		 * conditional on resourceVersion refuses a stale view. */
		return decide_new(policy, obs, act);
	case MGO_JOB_ACTIVE:
		if ((reason = pod_failure(job, msg, sizeof(msg))))
			return finish(obs, act, false, reason, msg);
		/* launched but the Running status was not written yet */
		if (obs->mg.phase == MGO_MG_NEW)
			return decide_new(policy, obs, act);
		return claim_status(obs, act);
	case MGO_JOB_SUCCEEDED:
		return finish(obs, act, true, MGO_REASON_COMPLETED,
			      obs->mg.spec.upload_type ? "the must-gather completed and was uploaded"
						       : "the must-gather completed");
	case MGO_JOB_FAILED:
		reason = job_failure(obs, msg, sizeof(msg));
		return finish(obs, act, false, reason, msg);
	}
	return MGO_DECIDE_NOTHING;
}

/* A MustGather too large for the operator to read: the watcher saw only
 * its metadata and phase, so nothing but failing it (and any Job it has)
 * is justified. The launcher measures it itself before writing that. */
static int deny_too_large(const struct mgo_observe *obs, struct mgo_act *act)
{
	char msg[512];
	int rc;

	snprintf(msg, sizeof(msg), "the MustGather is %" PRId64 " bytes as JSON, over the %u "
		 "bytes the operator reads (large annotations or labels?); it is not run: "
		 "create a smaller one", obs->mg.too_large_bytes, MGO_MG_MAX_BYTES);
	if ((rc = act_init(act, MGO_ACT_DENY, &obs->mg)) ||
	    (rc = act_outcome(act, MGO_REASON_OBJECT_TOO_LARGE, msg)) ||
	    (rc = act_job(act, obs, true)))
		return rc;
	return MGO_DECIDE_ACT;
}

int mgo_decide(const struct mgo_policy *policy, const struct mgo_observe *obs,
	       struct mgo_act *act)
{
	int rc;

	memset(act, 0, sizeof(*act));
	if (obs->subject == MGO_SUBJECT_ALLOWLIST)
		return mgo_decide_allowlist(obs, act);
	/* ownerReference GC removes the Job; status on a dying object is moot */
	if (obs->mg.deleting)
		return MGO_DECIDE_NOTHING;
	if (obs->mg.too_large_bytes) {
		/* finished: its outcome stands, and without its spec we cannot
		 * know whether it retains its Job */
		if (obs->mg.phase == MGO_MG_COMPLETED || obs->mg.phase == MGO_MG_FAILED)
			return MGO_DECIDE_NOTHING;
		rc = deny_too_large(obs, act);
		if (rc >= 0)
			return rc;
		goto fail;
	}
	if (obs->mg.phase == MGO_MG_COMPLETED || obs->mg.phase == MGO_MG_FAILED) {
		/* the outcome is recorded; only a leftover Job may remain to go */
		if (obs->job.phase == MGO_JOB_NONE || obs->mg.spec.retain)
			return MGO_DECIDE_NOTHING;
		if ((rc = act_init(act, MGO_ACT_CLEANUP, &obs->mg)) || (rc = act_job(act, obs, false)))
			goto fail;
		return MGO_DECIDE_ACT;
	}
	rc = decide_live(policy, obs, act);
	if (rc >= 0)
		return rc;
fail:
	mgo_act_free(act);
	return rc;
}

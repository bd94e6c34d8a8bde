/* The launcher's checks of each act against what it read itself; see
 * monitor.h and docs/monitor.md. */
#include "monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "job.h"
#include "mgo/apiobj.h"

static int refuse(struct mgo_refusal *why, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct mgo_refusal *why, const char *check, const char *fmt, ...)
{
	va_list ap;

	why->check = check;
	va_start(ap, fmt);
	vsnprintf(why->detail, sizeof(why->detail), fmt, ap);
	va_end(ap);
	/* the act's strings are the peer's: keep the log line printable */
	for (char *p = why->detail; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return MGO_MONITOR_REFUSED;
}

static const char *or_unset(const char *s)
{
	return s ? s : "(unset)";
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* ---- a LAUNCH's intent, field by field ---- */

enum field_type { F_STR, F_BOOL, F_INT, F_STRV };

static const struct intent_field {
	const char *check;
	size_t off;
	enum field_type type;
	size_t count_off; /* F_STRV: where its item count is */
} intent_fields[] = {
#define F(name, member, type) {name, offsetof(struct mgo_job_intent, member), type, 0}
#define FV(name, member, count) \
	{name, offsetof(struct mgo_job_intent, member), F_STRV, \
	 offsetof(struct mgo_job_intent, count)}
	F("image", image, F_STR),
	F("custom_image", custom_image, F_BOOL),
	F("service_account", service_account, F_STR),
	F("audit", audit, F_BOOL),
	F("timeout", timeout_seconds, F_INT),
	F("http_proxy", http_proxy, F_STR),
	F("https_proxy", https_proxy, F_STR),
	F("no_proxy", no_proxy, F_STR),
	F("retain", retain, F_BOOL),
	F("upload", upload, F_BOOL),
	F("sftp_case_id", sftp_case_id, F_STR),
	F("sftp_secret", sftp_secret, F_STR),
	F("sftp_host", sftp_host, F_STR),
	F("sftp_internal_user", sftp_internal_user, F_BOOL),
	F("pvc_claim", pvc_claim, F_STR),
	F("pvc_subpath", pvc_subpath, F_STR),
	F("since", since, F_STR),
	F("since_time", since_time, F_STR),
	FV("command", command, n_command),
	FV("args", args, n_args),
	F("obfuscate", obfuscate, F_BOOL),
	F("obfuscate_config", obfuscate_config, F_STR),
#undef FV
#undef F
};

static int compare_intent(const struct mgo_job_intent *got, const struct mgo_job_intent *want,
			  struct mgo_refusal *why)
{
	for (size_t i = 0; i < sizeof(intent_fields) / sizeof(intent_fields[0]); i++) {
		const struct intent_field *f = &intent_fields[i];
		const char *g = (const char *)got + f->off, *w = (const char *)want + f->off;
		int rc = MGO_MONITOR_OK;

		switch (f->type) {
		case F_STR: {
			const char *gs = *(char *const *)(const void *)g;
			const char *ws = *(char *const *)(const void *)w;
			if (!same(gs, ws))
				rc = refuse(why, f->check, "the act asks for %.200s, the spec and "
					    "allowlist justify %.200s", or_unset(gs), or_unset(ws));
			break;
		}
		case F_BOOL: {
			bool gb = *(const bool *)(const void *)g, wb = *(const bool *)(const void *)w;
			if (gb != wb)
				rc = refuse(why, f->check, "the act asks for %s, the spec says %s",
					    gb ? "true" : "false", wb ? "true" : "false");
			break;
		}
		case F_STRV: {
			char *const *gv = *(char *const *const *)(const void *)g;
			char *const *wv = *(char *const *const *)(const void *)w;
			size_t gn = *(const size_t *)(const void *)((const char *)got + f->count_off);
			size_t wn = *(const size_t *)(const void *)((const char *)want + f->count_off);
			if (gn != wn) {
				rc = refuse(why, f->check, "the act asks for %zu items, the spec "
					    "has %zu", gn, wn);
				break;
			}
			for (size_t k = 0; k < gn && !rc; k++)
				if (!same(gv[k], wv[k]))
					rc = refuse(why, f->check, "item %zu: the act asks for "
						    "%.200s, the spec says %.200s", k,
						    or_unset(gv[k]), or_unset(wv[k]));
			break;
		}
		case F_INT: {
			int64_t gi = *(const int64_t *)(const void *)g;
			int64_t wi = *(const int64_t *)(const void *)w;
			if (gi != wi)
				rc = refuse(why, f->check, "the act asks for %" PRId64 " s, the spec "
					    "says %" PRId64 " s (at most %lld)", gi, wi,
					    MGO_TIMEOUT_MAX_SECONDS);
			break;
		}
		}
		if (rc) {
			why->allowlist_sensitive = true;
			return rc;
		}
	}
	return MGO_MONITOR_OK;
}

static int check_launch(const struct mgo_policy *policy, const struct mgo_act *act,
			struct mgo_mg *mg, const json_t *allowlist, struct mgo_refusal *why)
{
	struct mgo_observe obs = {.subject = MGO_SUBJECT_MUSTGATHER};
	struct mgo_job_intent want;
	const char *reason = NULL;
	char err[512];
	int rc;

	if (((policy->namespace && strcmp(act->ns, policy->namespace) == 0) ||
	     mgo_namespace_is_platform(act->ns)) &&
	    (rc = refuse(why, "namespace", "no gather runs in namespace %.63s (the operator's "
			 "own or the platform's)", act->ns)))
		return rc;
	if (allowlist && mgo_allowlist_from_json(allowlist, &obs.allowlist, err, sizeof(err))) {
		why->allowlist_sensitive = true;
		return refuse(why, "allowlist", "MustGatherImage/cluster cannot be read: %s", err);
	}
	/* what the watcher would add (the ServiceAccount's and claim's
	 * presence) only ever denies: unknown lets the spec speak */
	obs.mg = *mg;
	rc = mgo_validate_spec(policy, &obs, &want, &reason, err, sizeof(err));
	obs.mg = (struct mgo_mg){0}; /* borrowed */
	mgo_allowlist_free(&obs.allowlist);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		why->allowlist_sensitive = true;
		return refuse(why, "spec", "the spec justifies no Job (%s: %s)", reason, err);
	}
	rc = compare_intent(&act->intent, &want, why);
	mgo_job_intent_free(&want);
	return rc;
}

/* ---- acts about a MustGather ---- */

static bool finished(const json_t *obj, const struct mgo_mg *mg)
{
	return mg->phase == MGO_MG_COMPLETED || mg->phase == MGO_MG_FAILED ||
	       json_is_true(json_object_get(json_object_get(obj, "status"), "completed"));
}

static int check_state(const struct mgo_act *act, const json_t *obj, const struct mgo_mg *mg,
		       struct mgo_refusal *why)
{
	bool done = finished(obj, mg), cleanup = act->kind == MGO_ACT_CLEANUP;
	int rc;

	if (!cleanup) {
		if (!act->resource_version &&
		    (rc = refuse(why, "resource_version", "a status write must be conditional "
				 "on the resourceVersion the decision saw")))
			return rc;
		if (act->resource_version && !same(act->resource_version, mg->resource_version))
			return MGO_MONITOR_STALE;
		if (act->generation != mg->generation &&
		    (rc = refuse(why, "generation", "the act says generation %" PRId64 ", the "
				 "MustGather is at %" PRId64, act->generation, mg->generation)))
			return rc;
	}
	if (mg->deleting && (rc = refuse(why, "deleting", "the MustGather is being deleted")))
		return rc;
	if (cleanup && !done &&
	    (rc = refuse(why, "unfinished", "no outcome is recorded yet; nothing to clean up")))
		return rc;
	if (!cleanup && done &&
	    (rc = refuse(why, "finished", "the MustGather is finished (status %s); its outcome "
			 "is never rewritten", mg->phase == MGO_MG_COMPLETED ? "Completed"
			 : mg->phase == MGO_MG_FAILED ? "Failed" : "completed")))
		return rc;
	return MGO_MONITOR_OK;
}

static int check_job_named(const struct mgo_act *act, const struct mgo_mg *mg,
			   struct mgo_refusal *why)
{
	char ours[80];
	int rc;

	if (!act->job_name)
		return MGO_MONITOR_OK;
	if (act->kind == MGO_ACT_LAUNCH)
		return refuse(why, "job_name", "a launch deletes nothing");
	mgo_job_name(act->name, act->uid, ours, sizeof(ours));
	if (strcmp(act->job_name, ours) != 0 &&
	    (rc = refuse(why, "job_name", "Job %.253s is not the one the launcher makes for this "
			 "MustGather (%s)", act->job_name, ours)))
		return rc;
	if (!act->job_uid &&
	    (rc = refuse(why, "job_uid", "a Job is deleted only under its UID")))
		return rc;
	if (act->kind != MGO_ACT_DENY && mg->spec.retain &&
	    (rc = refuse(why, "retain", "the spec retains its Job (retainResourcesOnCompletion)")))
		return rc;
	return MGO_MONITOR_OK;
}

/* A StorageReady condition is about a Running MustGather's storage: it
 * has a claim, the phase is Running (the condition never ends it), and the
 * reason is one of the three (its claim's phase is checked against the
 * claim itself: mgo_monitor_check_claim). */
static int check_claim_state(const struct mgo_act *act, const struct mgo_mg *mg,
			     struct mgo_refusal *why)
{
	if (!same(act->reason, MGO_REASON_CLAIM_PENDING) &&
	    !same(act->reason, MGO_REASON_CLAIM_LOST) && !same(act->reason, MGO_REASON_CLAIM_BOUND))
		return refuse(why, "reason", "%.64s is not a reason of condition "
			      MGO_CONDITION_STORAGE_READY, or_unset(act->reason));
	if (mg->phase != MGO_MG_RUNNING)
		return refuse(why, "phase", "the MustGather is not Running; its storage is no "
			      "one's concern yet");
	if (!mg->spec.pvc_claim)
		return refuse(why, "pvc_claim", "the spec names no claim");
	return MGO_MONITOR_OK;
}

/* A denial for being too large holds only when the MustGather, as the
 * launcher read it, is over the bound: the watcher's word for its size
 * is not taken. */
static int check_too_large(const struct mgo_act *act, const json_t *obj,
			   struct mgo_refusal *why)
{
	size_t bytes = mgo_json_size(obj);

	if (act->kind != MGO_ACT_DENY)
		return refuse(why, "too_large", "only a denial says %s", MGO_REASON_OBJECT_TOO_LARGE);
	if (bytes <= MGO_MG_MAX_BYTES)
		return refuse(why, "too_large", "the MustGather is %zu bytes, within the %u bytes "
			      "the operator reads", bytes, MGO_MG_MAX_BYTES);
	return MGO_MONITOR_OK;
}

int mgo_monitor_check_mg(const struct mgo_policy *policy, const struct mgo_act *act,
			 const json_t *obj, const json_t *allowlist, struct mgo_refusal *why)
{
	struct mgo_mg mg;
	char err[512];
	bool too_large;
	int rc;

	memset(why, 0, sizeof(*why));
	if (act->kind == MGO_ACT_ALLOWLIST_STATUS || !act->ns || !act->name || !act->uid)
		return refuse(why, "kind", "not an act about a MustGather");
	if (!obj)
		return refuse(why, "mustgather", "MustGather %.63s/%.253s does not exist", act->ns,
			      act->name);
	/* a MustGather said to be too large is read as the watcher read it:
	 * its metadata and phase; the size is measured below */
	too_large = act->reason && strcmp(act->reason, MGO_REASON_OBJECT_TOO_LARGE) == 0;
	if ((rc = too_large ? mgo_mg_meta_from_json(obj, &mg, err, sizeof(err))
			    : mgo_mg_from_json(obj, &mg, err, sizeof(err))))
		return rc == -ENOMEM ? rc : refuse(why, "mustgather", "cannot read it: %s", err);
	if (!(same(mg.ns, act->ns) && same(mg.name, act->name)) &&
	    (rc = refuse(why, "mustgather", "the API answered with %.63s/%.253s", mg.ns, mg.name)))
		goto out;
	if (!same(mg.uid, act->uid) &&
	    (rc = refuse(why, "uid", "the act is about UID %.64s, MustGather %.63s/%.253s is %s",
			 act->uid, act->ns, act->name, mg.uid)))
		goto out;
	if ((rc = check_state(act, obj, &mg, why)))
		goto out;
	if (act->kind == MGO_ACT_CLAIM_STATUS && (rc = check_claim_state(act, &mg, why)))
		goto out;
	if ((act->kind == MGO_ACT_DENY || act->kind == MGO_ACT_FINISH) &&
	    !mgo_reason_known(act->reason) &&
	    (rc = refuse(why, "reason", "%.64s is not a reason the operator writes",
			 or_unset(act->reason))))
		goto out;
	if (too_large && (rc = check_too_large(act, obj, why)))
		goto out;
	if ((rc = check_job_named(act, &mg, why)))
		goto out;
	if (act->kind == MGO_ACT_LAUNCH)
		rc = check_launch(policy, act, &mg, allowlist, why);
out:
	mgo_mg_free(&mg);
	return rc;
}

/* ---- Jobs ---- */

static bool controlled_by(const json_t *job, const char *uid)
{
	json_t *owners = json_object_get(json_object_get(job, "metadata"), "ownerReferences");
	json_t *o;
	size_t i;

	json_array_foreach(owners, i, o) {
		if (!json_is_true(json_object_get(o, "controller")))
			continue;
		/* one controller at most: the API server refuses a second */
		return same(json_string_value(json_object_get(o, "uid")), uid) &&
		       same(json_string_value(json_object_get(o, "kind")), "MustGather") &&
		       same(json_string_value(json_object_get(o, "apiVersion")),
			    "operator.openshift.io/v1alpha1");
	}
	return false;
}

static int check_outcome(const struct mgo_act *act, const json_t *job, struct mgo_refusal *why)
{
	struct mgo_job_state st;
	char err[256];
	int rc = mgo_job_state_from_json(job, NULL, &st, err, sizeof(err));

	if (rc)
		return rc == -ENOMEM ? rc : refuse(why, "outcome", "cannot read the Job: %s", err);
	if (act->succeeded && st.phase != MGO_JOB_SUCCEEDED)
		rc = refuse(why, "outcome", "the act says Completed, Job %s has not completed",
			    st.name);
	if (!act->succeeded && st.phase == MGO_JOB_SUCCEEDED)
		rc = refuse(why, "outcome", "the act says Failed, Job %s completed", st.name);
	mgo_job_state_free(&st);
	return rc;
}

int mgo_monitor_check_job(const struct mgo_act *act, const json_t *job, struct mgo_refusal *why)
{
	const char *uid = mgo_meta_str(job, "uid");
	int rc;

	memset(why, 0, sizeof(*why));
	if (!job) {
		if (act->kind == MGO_ACT_FINISH && act->succeeded &&
		    (rc = refuse(why, "outcome", "the act says Completed and there is no Job")))
			return rc;
		return MGO_MONITOR_GONE;
	}
	if (!same(mgo_meta_str(job, "namespace"), act->ns) &&
	    (rc = refuse(why, "job_namespace", "the Job is in %.63s, the MustGather in %.63s",
			 or_unset(mgo_meta_str(job, "namespace")), act->ns)))
		return rc;
	if (!controlled_by(job, act->uid) &&
	    (rc = refuse(why, "job_owner", "Job %.253s is not controlled by MustGather UID %.64s",
			 or_unset(mgo_meta_str(job, "name")), act->uid)))
		return rc;
	if (act->job_uid && !same(uid, act->job_uid) &&
	    (rc = refuse(why, "job_uid", "the act names Job UID %.64s, Job %.253s is %.64s",
			 act->job_uid, or_unset(mgo_meta_str(job, "name")), or_unset(uid))))
		return rc;
	if (act->kind == MGO_ACT_FINISH)
		return check_outcome(act, job, why);
	return MGO_MONITOR_OK;
}

bool mgo_monitor_job_ended_ok(const struct mgo_act *act, const char *job_name,
			      const struct mgo_ended_job *job)
{
	if (!act->uid || !act->job_uid || !job_name || !job->controller ||
	    !same(job->uid, act->job_uid) || !same(job->ns, act->ns) ||
	    !same(job->name, job_name) || !same(job->controller, act->uid))
		return false;
	if (act->kind != MGO_ACT_FINISH)
		return true;
	/* as check_outcome: success needs Complete; a failure is refused
	 * only when the Job completed */
	return act->succeeded ? job->phase == MGO_JOB_SUCCEEDED : job->phase != MGO_JOB_SUCCEEDED;
}

/* ---- a denial for a missing claim ---- */

static const char *spec_claim(const json_t *mg)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(json_object_get(json_object_get(mg, "spec"),
								"storage"),
						"persistentVolume"),
				"claim"),
		"name"));
}

int mgo_monitor_claim_to_read(const struct mgo_act *act, const json_t *mg, const char **claim,
			      struct mgo_refusal *why)
{
	const size_t n = strlen(MGO_DENY_CLAIM_MISSING);
	const char *said, *end;
	int rc;

	memset(why, 0, sizeof(*why));
	*claim = NULL;
	if (act->kind == MGO_ACT_CLAIM_STATUS) {
		if (!(*claim = spec_claim(mg)))
			return refuse(why, "pvc_claim", "the act is about a claim, the spec names "
				      "none");
		return MGO_MONITOR_OK;
	}
	if (act->kind != MGO_ACT_DENY || !same(act->reason, MGO_REASON_INVALID_SPEC) ||
	    !act->message || strncmp(act->message, MGO_DENY_CLAIM_MISSING, n) != 0)
		return MGO_MONITOR_OK;
	said = act->message + n;
	end = strchr(said, ' ');
	*claim = spec_claim(mg);
	if ((!*claim || !end || strlen(*claim) != (size_t)(end - said) ||
	     strncmp(*claim, said, (size_t)(end - said)) != 0) &&
	    (rc = refuse(why, "pvc_claim", "the act says a claim is missing (%.300s), the spec "
			 "names claim %.253s", act->message, or_unset(*claim))))
		return rc;
	return MGO_MONITOR_OK;
}

/* A StorageReady condition holds only as the claim read back gives it:
 * the reason its phase has, and the very message that goes with it. */
static int check_claim_phase(const struct mgo_act *act, const char *claim, const json_t *pvc,
			     struct mgo_refusal *why)
{
	char msg[512];
	const char *want;

	if (!pvc)
		return refuse(why, "pvc_phase", "the act says PersistentVolumeClaim %.253s is %.64s; "
			      "it does not exist in namespace %.63s", claim, or_unset(act->reason),
			      act->ns);
	want = mgo_claim_condition(mgo_claim_phase_from_json(pvc), claim, msg, sizeof(msg));
	if (!same(act->reason, want))
		return refuse(why, "pvc_phase", "the act says %.64s, PersistentVolumeClaim %.253s "
			      "is %.32s", or_unset(act->reason), claim,
			      or_unset(json_string_value(json_object_get(
				      json_object_get(pvc, "status"), "phase"))));
	if (!same(act->message, msg))
		return refuse(why, "message", "the condition's message is not the one for %.64s: "
			      "%.300s", want, or_unset(act->message));
	return MGO_MONITOR_OK;
}

int mgo_monitor_check_claim(const struct mgo_act *act, const char *claim, const json_t *pvc,
			    struct mgo_refusal *why)
{
	memset(why, 0, sizeof(*why));
	if (act->kind == MGO_ACT_CLAIM_STATUS)
		return check_claim_phase(act, claim, pvc, why);
	if (pvc)
		return refuse(why, "pvc_claim", "the act says PersistentVolumeClaim %.253s is "
			      "missing; it exists in namespace %.63s", claim, act->ns);
	return MGO_MONITOR_OK;
}

/* ---- MustGatherImage/cluster's status ---- */

static int compare_invalid(const struct mgo_act *got, const struct mgo_act *want,
			   struct mgo_refusal *why)
{
	if (got->n_invalid_images != want->n_invalid_images ||
	    got->n_invalid_messages != got->n_invalid_images)
		return refuse(why, "invalid_images", "the act lists %zu malformed entries, the "
			      "spec has %zu", got->n_invalid_images, want->n_invalid_images);
	for (size_t i = 0; i < want->n_invalid_images; i++) {
		if (!same(got->invalid_images[i], want->invalid_images[i]))
			return refuse(why, "invalid_images", "entry %zu: the act says %.200s, the "
				      "spec's malformed entry is %.200s", i,
				      or_unset(got->invalid_images[i]), want->invalid_images[i]);
		if (!same(got->invalid_messages[i], want->invalid_messages[i]))
			return refuse(why, "invalid_images", "entry %zu: the act says %.200s, the "
				      "parser says %.200s", i, or_unset(got->invalid_messages[i]),
				      want->invalid_messages[i]);
	}
	return MGO_MONITOR_OK;
}

int mgo_monitor_check_allowlist(const struct mgo_act *act, const json_t *mgi,
				struct mgo_refusal *why)
{
	struct mgo_observe obs = {.subject = MGO_SUBJECT_ALLOWLIST};
	struct mgo_act want = {0};
	char err[512];
	int rc;

	memset(why, 0, sizeof(*why));
	if (act->kind != MGO_ACT_ALLOWLIST_STATUS || act->ns || !same(act->name, "cluster"))
		return refuse(why, "allowlist", "only MustGatherImage/cluster's status is written");
	if (!mgi)
		return refuse(why, "allowlist", "MustGatherImage/cluster does not exist");
	if ((rc = mgo_allowlist_from_json(mgi, &obs.allowlist, err, sizeof(err))))
		return rc == -ENOMEM ? rc : refuse(why, "allowlist", "cannot read it: %s", err);
	if (!same(mgo_meta_str(mgi, "name"), "cluster") &&
	    (rc = refuse(why, "allowlist", "the API answered with %.253s",
			 or_unset(mgo_meta_str(mgi, "name")))))
		goto out;
	if (!same(obs.allowlist.uid, act->uid) &&
	    (rc = refuse(why, "uid", "the act is about UID %.64s, MustGatherImage/cluster is %s",
			 or_unset(act->uid), or_unset(obs.allowlist.uid))))
		goto out;
	if (!act->resource_version &&
	    (rc = refuse(why, "resource_version", "a status write must be conditional on the "
			 "resourceVersion the decision saw")))
		goto out;
	if (act->resource_version && !same(obs.allowlist.resource_version, act->resource_version)) {
		rc = MGO_MONITOR_STALE;
		goto out;
	}
	if (act->generation != obs.allowlist.generation &&
	    (rc = refuse(why, "generation", "the act says generation %" PRId64 ", the object is "
			 "at %" PRId64, act->generation, obs.allowlist.generation)))
		goto out;
	if ((rc = mgo_decide_allowlist(&obs, &want)) == 1)
		rc = compare_invalid(act, &want, why);
out:
	mgo_act_free(&want);
	mgo_allowlist_free(&obs.allowlist);
	return rc;
}

#include "mg_status.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mgo/spec.h"

void mgo_rfc3339_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

/* When condition `type` last moved to `status`: the time `current` (the
 * MustGather's status as read) gives it if it has that status already,
 * else now (Kubernetes API conventions: a transition is a status change,
 * not a write). */
static const char *transition_time(const json_t *current, const char *type, const char *status,
				   const char *now)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(current, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *st = json_string_value(json_object_get(c, "status"));
		const char *ltt = json_string_value(json_object_get(c, "lastTransitionTime"));
		if (t && strcmp(t, type) == 0)
			return st && ltt && strcmp(st, status) == 0 ? ltt : now;
	}
	return now;
}

static json_t *condition(const char *type, const char *status, const char *reason,
			 const char *message, json_int_t gen, const char *now,
			 const json_t *current)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "type", type, "status", status,
			 "reason", reason, "message", message ? message : "", "observedGeneration",
			 gen, "lastTransitionTime", transition_time(current, type, status, now));
}

/* Makes patch (taken; NULL passes through) conditional on the
 * resourceVersion the decision saw: a stale decision gets a Conflict. */
static json_t *conditional(json_t *patch, const struct mgo_act *act)
{
	if (patch && act->resource_version &&
	    json_object_set_new(patch, "metadata",
				json_pack("{s:s}", "resourceVersion", act->resource_version))) {
		json_decref(patch);
		return NULL;
	}
	return patch;
}

/* Appends current's StorageReady condition to conds, if it has one: an
 * outcome written while the claim was Pending keeps saying so. */
static json_t *keep_storage(json_t *conds, const json_t *current)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(current, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (conds && t && strcmp(t, MGO_CONDITION_STORAGE_READY) == 0 &&
		    json_array_append(conds, (json_t *)c)) {
			json_decref(conds);
			return NULL;
		}
	}
	return conds;
}

/* A CLAIM_STATUS: the conditions as they are with StorageReady replaced
 * (a merge patch replaces the array whole); nothing else changes. */
static json_t *claim_patch(const struct mgo_act *act, const char *now, const json_t *current)
{
	const char *status = strcmp(act->reason, MGO_REASON_CLAIM_BOUND) == 0 ? "True" : "False";
	json_t *conds = json_array(), *c;
	size_t i;

	json_array_foreach(json_object_get(current, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (conds && !(t && strcmp(t, MGO_CONDITION_STORAGE_READY) == 0) &&
		    json_array_append(conds, c)) {
			json_decref(conds);
			return NULL;
		}
	}
	if (!conds || json_array_append_new(conds, condition(MGO_CONDITION_STORAGE_READY, status,
							     act->reason, act->message,
							     (json_int_t)act->generation, now,
							     current))) {
		json_decref(conds);
		return NULL;
	}
	return conditional(json_pack("{s:{s:o}}", "status", "conditions", conds), act);
}

json_t *mgo_status_patch(const struct mgo_act *act, const char *job_name, const char *run_name,
			 const char *now, const json_t *current)
{
	json_int_t gen = (json_int_t)act->generation;
	const char *state, *reason = act->reason;
	char msg[1024];
	json_t *conds, *status;

	switch (act->kind) {
	case MGO_ACT_LAUNCH:
		state = "Running";
		reason = MGO_REASON_JOB_CREATED;
		snprintf(msg, sizeof(msg), "Job %s runs image %s", job_name ? job_name : "",
			 act->intent.image ? act->intent.image : "");
		conds = json_pack("[o]", condition("Running", "True", reason, msg, gen, now,
							   current));
		break;
	case MGO_ACT_DENY:
		state = "Failed";
		conds = json_pack("[o]", condition("Failed", "True", reason, act->message, gen, now,
						   current));
		break;
	case MGO_ACT_FINISH:
		state = act->succeeded ? "Completed" : "Failed";
		conds = json_pack("[o, o]",
				  condition("Running", "False", reason, act->message, gen, now,
					    current),
				  condition(state, "True", reason, act->message, gen, now, current));
		break;
	case MGO_ACT_CLAIM_STATUS:
		return act->reason ? claim_patch(act, now, current) : NULL;
	default:
		return NULL;
	}
	if (!conds || !reason || !(conds = keep_storage(conds, current)))
		goto fail;
	status = json_pack("{s:b, s:s, s:s, s:s, s:I, s:o}", "completed",
			   act->kind != MGO_ACT_LAUNCH, "status", state, "reason", reason,
			   "lastUpdate", now, "observedGeneration", gen, "conditions", conds);
	conds = NULL; /* taken by json_pack, even on failure */
	if (!status)
		goto fail;
	if (act->kind == MGO_ACT_LAUNCH &&
	    (json_object_set_new(status, "image", json_string(act->intent.image)) ||
	     json_object_set_new(status, "jobName", json_string(job_name)) ||
	     (run_name && json_object_set_new(status, "resultName", json_string(run_name))))) {
		json_decref(status);
		goto fail;
	}
	return conditional(json_pack("{s:o}", "status", status), act);
fail:
	json_decref(conds);
	return NULL;
}

json_t *mgo_status_queued_patch(const struct mgo_act *act, size_t limit,
				const char *now, const json_t *current)
{
	json_int_t gen = (json_int_t)act->generation;
	char msg[512];

	if (act->kind != MGO_ACT_LAUNCH)
		return NULL;
	snprintf(msg, sizeof(msg), "namespace %s runs %zu gathers, the most the operator runs in "
		 "one namespace at once (gathers.maxRunningPerNamespace); this one starts when one "
		 "of them ends", act->ns ? act->ns : "", limit);
	return conditional(json_pack("{s:{s:s, s:s, s:I, s:[o]}}", "status", "reason",
				     MGO_REASON_NAMESPACE_LIMIT, "lastUpdate", now,
				     "observedGeneration", gen, "conditions",
				     condition(MGO_CONDITION_QUEUED, "True",
					       MGO_REASON_NAMESPACE_LIMIT, msg, gen, now, current)),
			   act);
}

bool mgo_status_patch_changes(const json_t *patch, const json_t *current)
{
	const json_t *status = json_object_get(patch, "status"), *v;
	const char *key;

	json_object_foreach((json_t *)status, key, v) {
		if (strcmp(key, "lastUpdate") == 0)
			continue;
		if (!json_equal(v, json_object_get(current, key)))
			return true;
	}
	return false;
}

json_t *mgo_allowlist_status_patch(const struct mgo_act *act)
{
	json_t *list, *patch;

	if (act->kind != MGO_ACT_ALLOWLIST_STATUS || !(list = json_array()))
		return NULL;
	for (size_t i = 0; i < act->n_invalid_images; i++) {
		if (json_array_append_new(list, json_pack("{s:s, s:s}", "image",
							  act->invalid_images[i], "message",
							  act->invalid_messages[i]))) {
			json_decref(list);
			return NULL;
		}
	}
	patch = json_pack("{s:{s:I, s:I, s:o}}", "status", "observedGeneration",
			  (json_int_t)act->generation, "invalidCount",
			  (json_int_t)act->n_invalid_images, "invalidImages", list);
	return conditional(patch, act);
}

json_t *mgo_event_render(const struct mgo_act *act, const char *job_name, const char *now,
			 const char *instance)
{
	const char *type = "Warning", *reason = act->reason, *message = act->message;
	char msg[1024], name[MGO_NAME_MAX + 1], lower[64];
	size_t i;

	switch (act->kind) {
	case MGO_ACT_LAUNCH:
		type = "Normal";
		reason = MGO_REASON_JOB_CREATED;
		snprintf(msg, sizeof(msg), "Created Job %s running image %s",
			 job_name ? job_name : "", act->intent.image ? act->intent.image : "");
		message = msg;
		break;
	case MGO_ACT_FINISH:
		if (act->succeeded)
			type = "Normal";
		break;
	case MGO_ACT_DENY:
	case MGO_ACT_CLAIM_STATUS:
		break;
	default:
		return NULL;
	}
	if (!reason || !act->uid)
		return NULL;
	for (i = 0; reason[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)reason[i]);
	lower[i] = '\0';
	/* <= 253: 200 of the name, '.', 8 of the UID, '.', the reason */
	snprintf(name, sizeof(name), "%.200s.%.8s.%.40s", act->name, act->uid, lower);
	return json_pack("{s:s, s:s, s:{s:s, s:s},"
			 " s:{s:s, s:s, s:s, s:s, s:s},"
			 " s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:i, s:s, s:s}",
			 "apiVersion", "v1", "kind", "Event",
			 "metadata", "name", name, "namespace", act->ns,
			 "involvedObject", "apiVersion", "operator.openshift.io/v1alpha1", "kind",
			 "MustGather", "name", act->name, "namespace", act->ns, "uid", act->uid,
			 "reason", reason, "message", message ? message : "", "type", type,
			 "source", "component", "mgo-launcher", "firstTimestamp", now,
			 "lastTimestamp", now, "count", 1, "reportingComponent", "mgo-launcher",
			 "reportingInstance", instance ? instance : "mgo-launcher");
}

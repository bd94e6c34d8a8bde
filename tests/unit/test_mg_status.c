/* The status patch and the Event the launcher writes for each act. */
#include <criterion/criterion.h>
#include <string.h>

#include "mg_status.h"

static const char *now = "2026-11-24T01:02:03Z";

static struct mgo_act act(enum mgo_act_kind kind)
{
	return (struct mgo_act){.kind = kind, .ns = "team-a", .name = "mg1",
				.uid = "6f1c2d3e-0000-4000-8000-000000000001", .generation = 2,
				.resource_version = "77"};
}

static const char *s(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);
	return json_string_value(k2 ? json_object_get(v, k2) : v);
}

static json_t *cond(json_t *patch, size_t i)
{
	return json_array_get(json_object_get(json_object_get(patch, "status"), "conditions"), i);
}

Test(status, launch_records_running_with_image_and_job)
{
	struct mgo_act a = act(MGO_ACT_LAUNCH);
	a.intent.image = "quay.io/org/gather:v1";
	json_t *p = mgo_status_patch(&a, "mg1", NULL, now, NULL);

	cr_assert_str_eq(s(p, "metadata", "resourceVersion"), "77");
	json_t *st = json_object_get(p, "status");
	cr_assert_str_eq(s(st, "status", NULL), "Running");
	cr_assert(json_is_false(json_object_get(st, "completed")));
	cr_assert_str_eq(s(st, "image", NULL), "quay.io/org/gather:v1");
	cr_assert_str_eq(s(st, "jobName", NULL), "mg1");
	cr_assert_eq(json_integer_value(json_object_get(st, "observedGeneration")), 2);
	cr_assert_str_eq(s(cond(p, 0), "type", NULL), "Running");
	cr_assert_str_eq(s(cond(p, 0), "status", NULL), "True");
	cr_assert_str_eq(s(cond(p, 0), "reason", NULL), "JobCreated");
	cr_assert_str_eq(s(cond(p, 0), "lastTransitionTime", NULL), now);
	json_decref(p);
}

Test(status, deny_records_failed_with_reason_and_message)
{
	struct mgo_act a = act(MGO_ACT_DENY);
	a.reason = "InvalidImage";
	a.message = "image x is not in MustGatherImage/cluster spec.images";
	json_t *p = mgo_status_patch(&a, NULL, NULL, now, NULL);
	json_t *st = json_object_get(p, "status");

	cr_assert_str_eq(s(st, "status", NULL), "Failed");
	cr_assert_str_eq(s(st, "reason", NULL), "InvalidImage");
	cr_assert(json_is_true(json_object_get(st, "completed")));
	cr_assert_null(json_object_get(st, "image"), "only a launch says which image ran");
	cr_assert_str_eq(s(cond(p, 0), "type", NULL), "Failed");
	cr_assert_str_eq(s(cond(p, 0), "message", NULL), a.message);
	json_decref(p);
}

Test(status, finish_closes_running_and_opens_outcome)
{
	struct mgo_act a = act(MGO_ACT_FINISH);
	a.succeeded = true;
	a.reason = "Completed";
	a.message = "the must-gather completed";
	json_t *p = mgo_status_patch(&a, NULL, NULL, now, NULL);

	cr_assert_str_eq(s(json_object_get(p, "status"), "status", NULL), "Completed");
	cr_assert_str_eq(s(cond(p, 0), "type", NULL), "Running");
	cr_assert_str_eq(s(cond(p, 0), "status", NULL), "False");
	cr_assert_str_eq(s(cond(p, 1), "type", NULL), "Completed");
	cr_assert_str_eq(s(cond(p, 1), "status", NULL), "True");
	json_decref(p);

	a.succeeded = false;
	a.reason = "Timeout";
	p = mgo_status_patch(&a, NULL, NULL, now, NULL);
	cr_assert_str_eq(s(json_object_get(p, "status"), "status", NULL), "Failed");
	cr_assert_str_eq(s(cond(p, 1), "type", NULL), "Failed");
	cr_assert_str_eq(s(cond(p, 1), "reason", NULL), "Timeout");
	json_decref(p);
}

Test(status, cleanup_writes_nothing)
{
	struct mgo_act a = act(MGO_ACT_CLEANUP);
	cr_assert_null(mgo_status_patch(&a, NULL, NULL, now, NULL));
	cr_assert_null(mgo_event_render(&a, NULL, now, "pod-1"));
}

Test(status, events_are_typed_and_named_for_dedup)
{
	struct mgo_act a = act(MGO_ACT_DENY);
	a.reason = "AllowlistNotConfigured";
	a.message = "no MustGatherImage named 'cluster'";
	json_t *e = mgo_event_render(&a, NULL, now, "pod-1");

	cr_assert_str_eq(s(e, "type", NULL), "Warning");
	cr_assert_str_eq(s(e, "reason", NULL), "AllowlistNotConfigured");
	cr_assert_str_eq(s(e, "metadata", "name"), "mg1.6f1c2d3e.allowlistnotconfigured");
	cr_assert_str_eq(s(e, "metadata", "namespace"), "team-a");
	cr_assert_str_eq(s(e, "involvedObject", "kind"), "MustGather");
	cr_assert_str_eq(s(e, "involvedObject", "uid"), a.uid);
	cr_assert_str_eq(s(e, "reportingInstance", NULL), "pod-1");
	json_decref(e);

	a = act(MGO_ACT_LAUNCH);
	a.intent.image = "quay.io/org/gather:v1";
	e = mgo_event_render(&a, "mg1", now, "pod-1");
	cr_assert_str_eq(s(e, "type", NULL), "Normal");
	cr_assert_str_eq(s(e, "reason", NULL), "JobCreated");
	cr_assert(strstr(s(e, "message", NULL), "quay.io/org/gather:v1"));
	json_decref(e);

	char longname[254];
	memset(longname, 'n', 253);
	longname[253] = '\0';
	a.name = longname;
	e = mgo_event_render(&a, "x", now, "pod-1");
	cr_assert_leq(strlen(s(e, "metadata", "name")), 253);
	json_decref(e);
}

Test(status, allowlist_status_lists_entries_and_clears_when_fixed)
{
	char *images[] = {"Not An Image", "quay.io/UPPER/x"};
	char *why[] = {"invalid character ' '", "repository name must be lowercase"};
	struct mgo_act a = {.kind = MGO_ACT_ALLOWLIST_STATUS, .name = "cluster", .uid = "m-1",
			    .generation = 5, .resource_version = "90", .n_invalid_images = 2,
			    .n_invalid_messages = 2, .invalid_images = images,
			    .invalid_messages = why};
	json_t *p = mgo_allowlist_status_patch(&a);
	json_t *st = json_object_get(p, "status");
	json_t *list = json_object_get(st, "invalidImages");

	cr_assert_not_null(p);
	cr_assert_eq(json_integer_value(json_object_get(st, "observedGeneration")), 5);
	cr_assert_eq(json_integer_value(json_object_get(st, "invalidCount")), 2);
	cr_assert_eq(json_array_size(list), 2);
	cr_assert_str_eq(s(json_array_get(list, 1), "image", NULL), "quay.io/UPPER/x");
	cr_assert_str_eq(s(json_array_get(list, 1), "message", NULL), why[1]);
	cr_assert_str_eq(s(p, "metadata", "resourceVersion"), "90", "conditional on what was seen");
	json_decref(p);

	/* fixed: an empty list, which a merge patch writes over the old one */
	a.n_invalid_images = a.n_invalid_messages = 0;
	p = mgo_allowlist_status_patch(&a);
	st = json_object_get(p, "status");
	cr_assert(json_is_array(json_object_get(st, "invalidImages")));
	cr_assert_eq(json_array_size(json_object_get(st, "invalidImages")), 0);
	cr_assert_eq(json_integer_value(json_object_get(st, "invalidCount")), 0);
	json_decref(p);

	/* no other kind has an allowlist status */
	a.kind = MGO_ACT_DENY;
	cr_assert_null(mgo_allowlist_status_patch(&a));
}

/* A write that repeats the status keeps each condition's lastTransitionTime
 * and changes nothing a user sees; one that moves a condition's status
 * stamps that condition now. */
Test(status, transitions_are_status_changes_not_writes)
{
	static const char *later = "2026-11-24T09:09:09Z";
	struct mgo_act a = act(MGO_ACT_LAUNCH);
	a.intent.image = "quay.io/org/gather:v1";
	json_t *first = mgo_status_patch(&a, "mg1", NULL, now, NULL);
	json_t *current = json_object_get(first, "status");

	cr_assert_not_null(first);
	json_t *again = mgo_status_patch(&a, "mg1", NULL, later, current);
	cr_assert_str_eq(s(cond(again, 0), "lastTransitionTime", NULL), now);
	cr_assert_str_eq(s(again, "status", "lastUpdate"), later);
	cr_assert_not(mgo_status_patch_changes(again, current),
		      "a repeated launch would rewrite the status");
	cr_assert(mgo_status_patch_changes(again, NULL), "a first write changes the status");

	/* the message is what a user reads */
	a.intent.image = "quay.io/org/gather:v2";
	json_t *other = mgo_status_patch(&a, "mg1", NULL, later, current);
	cr_assert(mgo_status_patch_changes(other, current));
	cr_assert_str_eq(s(cond(other, 0), "lastTransitionTime", NULL), now,
			 "Running stayed True: no transition");

	/* Running True -> False is a transition; Failed is new */
	struct mgo_act f = act(MGO_ACT_FINISH);
	f.reason = "GatherFailed";
	f.message = "the gather exited with status 2";
	json_t *fin = mgo_status_patch(&f, NULL, NULL, later, current);
	cr_assert_str_eq(s(cond(fin, 0), "type", NULL), "Running");
	cr_assert_str_eq(s(cond(fin, 0), "lastTransitionTime", NULL), later);
	cr_assert_str_eq(s(cond(fin, 1), "lastTransitionTime", NULL), later);
	cr_assert(mgo_status_patch_changes(fin, current));
	json_decref(first);
	json_decref(again);
	json_decref(other);
	json_decref(fin);
}

/* StorageReady alone: the other conditions stay as they are (a merge patch
 * replaces the array, so they are carried), the phase is not touched, the
 * same condition again is no change, Bound turns it True, and an outcome
 * written later keeps it. */
Test(status, claim_status_replaces_storage_ready_alone)
{
	struct mgo_act a = act(MGO_ACT_CLAIM_STATUS);
	json_t *cur = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:s}]}", "status", "Running",
				"reason", "JobCreated", "conditions", "type", "Running", "status",
				"True", "reason", "JobCreated", "lastTransitionTime",
				"2026-11-24T00:00:00Z");
	json_t *p, *st, *e;

	a.reason = "ClaimPending";
	a.message = "PersistentVolumeClaim results is Pending: the Job's pod waits for it to bind";
	p = mgo_status_patch(&a, NULL, NULL, now, cur);
	st = json_object_get(p, "status");
	cr_assert_str_eq(s(p, "metadata", "resourceVersion"), "77");
	cr_assert_eq(json_object_size(st), 1, "conditions alone: %s",
		     json_dumps(st, JSON_COMPACT));
	cr_assert_str_eq(s(cond(p, 0), "type", NULL), "Running", "kept");
	cr_assert_str_eq(s(cond(p, 1), "type", NULL), "StorageReady");
	cr_assert_str_eq(s(cond(p, 1), "status", NULL), "False");
	cr_assert_str_eq(s(cond(p, 1), "reason", NULL), "ClaimPending");
	cr_assert_str_eq(s(cond(p, 1), "message", NULL), a.message);
	cr_assert(mgo_status_patch_changes(p, cur));
	e = mgo_event_render(&a, NULL, now, "mgo-launcher-0");
	cr_assert_str_eq(s(e, "type", NULL), "Warning");
	cr_assert_str_eq(s(e, "reason", NULL), "ClaimPending");
	json_decref(e);

	/* written: the same act again changes nothing */
	json_object_set(cur, "conditions", json_object_get(st, "conditions"));
	json_decref(p);
	p = mgo_status_patch(&a, NULL, NULL, "2026-11-24T09:09:09Z", cur);
	cr_assert_not(mgo_status_patch_changes(p, cur), "a re-read of a Pending claim: no write");
	json_decref(p);

	a.reason = "ClaimBound";
	a.message = "PersistentVolumeClaim results is Bound";
	p = mgo_status_patch(&a, NULL, NULL, now, cur);
	cr_assert_eq(json_array_size(json_object_get(json_object_get(p, "status"), "conditions")),
		     2, "replaced, not added");
	cr_assert_str_eq(s(cond(p, 1), "status", NULL), "True");
	cr_assert_str_eq(s(cond(p, 1), "reason", NULL), "ClaimBound");
	json_decref(p);

	a = act(MGO_ACT_FINISH);
	a.reason = "Timeout";
	a.message = "the gather did not finish within spec.mustGatherTimeout (60s)";
	p = mgo_status_patch(&a, NULL, NULL, now, cur);
	cr_assert_str_eq(s(cond(p, 2), "type", NULL), "StorageReady", "why it timed out");
	cr_assert_str_eq(s(cond(p, 2), "reason", NULL), "ClaimPending");
	json_decref(p);
	json_decref(cur);
}

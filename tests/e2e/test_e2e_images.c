/* The enhancement's test plan (custom must-gather images) and the image
 * decisions around it, end to end: allowlist, MustGather, the operator's
 * three processes, the Job or the refusal. */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

TestSuite(images, .init = cluster_setup, .fini = cluster_teardown);

#define CUSTOM "quay.io/my-org/my-custom-must-gather:latest"

static const char *gather_image(const json_t *job)
{
	return cl_str(cl_container(job, "gather"), "image");
}

/* No Job of that name exists, and (where the audit log tells) the test's
 * namespace got only `jobs` Jobs ever. */
static void expect_no_job(const char *name, size_t jobs)
{
	char path[512];
	json_t *job = NULL;
	long code = cluster_api(&cl, "GET", cl_job_path(&cl, name, path), NULL, NULL, &job);

	cr_expect_eq(code, 404, "Job %s exists", name);
	json_decref(job);
	if (!cl.external)
		cr_expect_eq(cluster_jobs_created(&cl), jobs, "Jobs created in %s", cl.ns);
}

/* MustGather `name` runs: Running, status.image and its Job's gather
 * container both exactly `image`. */
static void expect_runs(const char *name, const char *image)
{
	json_t *mg = cluster_wait_mg(&cl, name, "Running"), *job = cluster_wait_job(&cl, name);

	cr_expect_str_eq(cl_str(mg, "status.image"), image);
	cr_expect_str_eq(gather_image(job), image);
	json_decref(job);
	json_decref(mg);
}

/* A failure the user reads in `kubectl describe`: the Failed condition with
 * this reason, and its Warning Event. Returns the condition's message. */
static char *expect_refusal(const json_t *mg, const char *reason)
{
	json_t *failed = cl_find(cl_at(mg, "status.conditions"), "type", "Failed"), *ev;

	cr_expect_str_eq(cl_str(mg, "status.reason"), reason);
	cr_expect(json_is_true(cl_at(mg, "status.completed")));
	cr_assert_not_null(failed, "no Failed condition");
	cr_expect_str_eq(cl_str(failed, "status"), "True");
	cr_expect_str_eq(cl_str(failed, "reason"), reason);
	ev = cluster_wait_event(&cl, cl_str(mg, "metadata.name"), reason);
	cr_expect_str_eq(cl_str(ev, "type"), "Warning");
	cr_expect_str_eq(cl_str(ev, "involvedObject.uid"), cl_uid(mg));
	cr_expect_str_eq(cl_str(ev, "message"), cl_str(failed, "message"));
	json_decref(ev);
	return strdup(cl_str(failed, "message"));
}

Test(images, allowed_custom_image_runs_exactly_that_image)
{
	/* not canonical: the Job must not run docker.io/library/... */
	static const char *const allow[] = {CUSTOM, "busybox", NULL};

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "custom", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	json_decref(cluster_create_mg(&cl, "short", "{\"mustGatherImage\":\"busybox\"}"));
	expect_runs("custom", CUSTOM);
	expect_runs("short", "busybox");
}

Test(images, image_not_in_allowlist_fails_without_job)
{
	static const char *const allow[] = {CUSTOM, NULL};
	json_t *mg;
	char *msg;

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "unlisted",
				      "{\"mustGatherImage\":\"quay.io/someone-else/gather:v1\"}"));
	mg = cluster_wait_mg(&cl, "unlisted", "Failed");
	msg = expect_refusal(mg, "InvalidImage");
	cr_expect(strstr(msg, "MustGatherImage/cluster"), "message: %s", msg);
	cr_expect(strstr(msg, "quay.io/someone-else/gather:v1"), "message: %s", msg);
	expect_no_job("unlisted", 0);
	free(msg);
	json_decref(mg);
}

Test(images, no_allowlist_refuses_custom_image_and_runs_default)
{
	json_t *mg;
	char *msg;

	json_decref(cluster_create_mg(&cl, "custom", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	json_decref(cluster_create_mg(&cl, "plain", "{}"));

	expect_runs("plain", CL_DEFAULT_IMAGE);
	mg = cluster_wait_mg(&cl, "custom", "Failed");
	msg = expect_refusal(mg, "AllowlistNotConfigured");
	cr_expect(strstr(msg, "MustGatherImage"), "message: %s", msg);
	expect_no_job("custom", 1); /* plain's */
	free(msg);
	json_decref(mg);
}

/* What the grammar refuses, and the words that must say so. */
static const struct {
	const char *image, *says;
} malformed[] = {
	{"quay.io/My-Org/gather:latest", "lowercase"},
	{"quay.io/org/gather:", "tag"},
	{"quay.io/org/gather@sha256:abc", "digest"},
};

Test(images, malformed_image_is_invalid_with_what_is_wrong)
{
	static const char *const allow[] = {CUSTOM, NULL};
	char name[32], spec[256];

	cluster_set_allowlist(&cl, allow);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		snprintf(name, sizeof(name), "bad-%zu", i);
		snprintf(spec, sizeof(spec), "{\"mustGatherImage\":\"%s\"}", malformed[i].image);
		json_decref(cluster_create_mg(&cl, name, spec));
	}
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		snprintf(name, sizeof(name), "bad-%zu", i);
		json_t *mg = cluster_wait_mg(&cl, name, "Failed");
		char *msg = expect_refusal(mg, "InvalidImage");
		cr_expect(strstr(msg, "not a valid image reference"), "%s: %s", malformed[i].image,
			  msg);
		cr_expect(strcasestr(msg, malformed[i].says), "%s: message should say '%s': %s",
			  malformed[i].image, malformed[i].says, msg);
		expect_no_job(name, 0);
		free(msg);
		json_decref(mg);
	}
}

Test(images, allowlist_created_after_start_is_honoured)
{
	static const char *const allow[] = {CUSTOM, NULL};
	json_t *mg;

	/* the operator is running and has seen no allowlist */
	json_decref(cluster_create_mg(&cl, "before", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	mg = cluster_wait_mg(&cl, "before", "Failed");
	cr_expect_str_eq(cl_str(mg, "status.reason"), "AllowlistNotConfigured");
	json_decref(mg);

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "later", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	expect_runs("later", CUSTOM);
}

Test(images, allowlist_edited_after_start_is_honoured)
{
	static const char *const before[] = {CUSTOM, NULL};
	static const char *const after[] = {CUSTOM, "registry.example.com/team-a/debug:v2", NULL};
	json_t *mg;

	cluster_set_allowlist(&cl, before);
	json_decref(cluster_create_mg(&cl, "first",
				      "{\"mustGatherImage\":\"registry.example.com/team-a/debug:v2\"}"));
	mg = cluster_wait_mg(&cl, "first", "Failed");
	cr_expect_str_eq(cl_str(mg, "status.reason"), "InvalidImage");
	json_decref(mg);

	/* an administrator adds the entry: new MustGathers may use it; the
	 * refused one stays refused (a finished MustGather is never re-run) */
	cluster_set_allowlist(&cl, after);
	json_decref(cluster_create_mg(&cl, "second",
				      "{\"mustGatherImage\":\"registry.example.com/team-a/debug:v2\"}"));
	expect_runs("second", "registry.example.com/team-a/debug:v2");
	mg = cluster_wait_mg(&cl, "first", "Failed");
	json_decref(mg);
	expect_no_job("first", 1); /* second's */
}

Test(images, allowlist_edit_seen_late_is_still_honoured)
{
	static const char *const before[] = {CUSTOM, NULL};
	static const char *const after[] = {CUSTOM, "quay.io/my-org/late:v1", NULL};
	const struct cl_audit_match read = {.user = CL_WATCHER_USER, .verb = "get",
					    .resource = "mustgatherimages", .name = "cluster"};
	char path[512];
	size_t reads;
	json_t *mg = NULL;

	cluster_require_test_server(&cl, "fault injection");
	cluster_set_allowlist(&cl, before);
	json_decref(cluster_create_mg(&cl, "seen", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	expect_runs("seen", CUSTOM); /* the watcher has the allowlist */

	/* from now on the operator's view of the allowlist lags behind its view
	 * of MustGathers, as separate watch streams may on any cluster: the
	 * server holds the watch of the allowlist, so the MustGather below
	 * arrives before the edit that allows it */
	cluster_faults(&cl, "{\"hold\":true,\"match\":{\"verb\":\"watch\","
			    "\"resource\":\"mustgatherimages\"}}");
	cluster_drop_watches(&cl);
	cluster_wait_held(&cl, 1);
	cluster_set_allowlist(&cl, after);
	reads = cluster_audit_count(&cl, &read);
	json_decref(cluster_create_mg(&cl, "late", "{\"mustGatherImage\":\"quay.io/my-org/late:v1\"}"));
	/* the watcher read the allowlist, found its cache behind, read again */
	cluster_wait_audit(&cl, &read, reads + 2);
	cr_assert_eq(cluster_api(&cl, "GET", cl_mg_path(&cl, "late", path), NULL, NULL, &mg), 200);
	cr_expect_null(cl_at(mg, "status"), "decided on the old allowlist: %s",
		       cl_str(mg, "status.reason") ? cl_str(mg, "status.reason") : "");
	json_decref(mg);
	cluster_faults(&cl, "{}"); /* the watch brings the edit */
	expect_runs("late", "quay.io/my-org/late:v1");
}

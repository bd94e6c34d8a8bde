/* Which Jobs are a MustGather's: the one it controls in its own namespace,
 * never one that only carries its label or sits elsewhere; and a Job name
 * held by someone else's Job fails the MustGather once, after which the
 * operator leaves it alone. The test plays the Job controller and the
 * kubelet, and reads the audit log: test API server only. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "mgo/labels.h"

#define NEEDS "Job and Pod status set by the test, and the audit log"
#define ATTACKER_NS "attacker"
#define PULL_BACKOFF "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"gather\"," \
	"\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\",\"message\":\"decoy\"}}}]}"

/* Sets the status of the object at path; gone_ok: it may be gone (the
 * garbage collector removes an object whose owner is not in its namespace). */
static void patch_status(const char *path, const char *status_json, bool gone_ok)
{
	char sub[600];
	json_t *body = json_loads(status_json, 0, NULL), *patch;
	long code;

	cr_assert_not_null(body, "%s", status_json);
	patch = json_pack("{s:o}", "status", body);
	snprintf(sub, sizeof(sub), "%s/status", path);
	code = cluster_api(&cl, "PATCH", sub, "application/merge-patch+json", patch, NULL);
	cr_assert(code == 200 || (gone_ok && code == 404), "PATCH %s: %ld", sub, code);
	json_decref(patch);
}

/* A Job or Pod at "NS/NAME" carrying the labels the launcher puts on its
 * own (managed-by, and `uid` as the MustGather's), controlled by
 * `owner_kind` `owner` (NULL: no owner). Returns it. */
static json_t *forge(const char *kind, const char *at, const char *uid, const char *owner_kind,
		     const json_t *owner)
{
	bool job = strcmp(kind, "Job") == 0;
	char path[512], ns[64];
	const char *slash = strchr(at, '/'), *name = slash + 1;
	json_t *labels = json_pack("{s:s, s:s}", MGO_LABEL_MANAGED_BY, MGO_MANAGED_BY,
				   MGO_LABEL_UID, uid);
	json_t *pod = json_pack("{s:s, s:[{s:s, s:s}]}", "restartPolicy", "Never", "containers",
				"name", "gather", "image", "quay.io/attacker/gather:latest");
	json_t *obj;

	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - at), at);
	obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}}", "apiVersion", job ? "batch/v1" : "v1",
			"kind", kind, "metadata", "name", name, "namespace", ns, "labels", labels);
	if (job)
		json_object_set_new(obj, "spec",
				    json_pack("{s:i, s:{s:{s:O}, s:o}}", "backoffLimit", 0,
					      "template", "metadata", "labels", labels, "spec",
					      pod));
	else
		json_object_set_new(obj, "spec", pod);
	if (owner)
		json_object_set_new(json_object_get(obj, "metadata"), "ownerReferences",
				    json_pack("[{s:s, s:s, s:s, s:s, s:b}]", "apiVersion",
					      strcmp(owner_kind, "Job") == 0
						      ? "batch/v1" : "operator.openshift.io/v1alpha1",
					      "kind", owner_kind, "name",
					      cl_str(owner, "metadata.name"), "uid", cl_uid(owner),
					      "controller", 1));
	snprintf(path, sizeof(path), "%s/namespaces/%s/%s", job ? "/apis/batch/v1" : "/api/v1", ns,
		 job ? "jobs" : "pods");
	return cluster_create(&cl, path, obj);
}

static const char *path_of(const json_t *obj, char buf[512])
{
	const bool job = strcmp(cl_str(obj, "kind"), "Job") == 0;

	snprintf(buf, 512, "%s/namespaces/%s/%s/%s", job ? "/apis/batch/v1" : "/api/v1",
		 cl_str(obj, "metadata.namespace"), job ? "jobs" : "pods",
		 cl_str(obj, "metadata.name"));
	return buf;
}

TestSuite(ownership, .init = cluster_setup, .fini = cluster_teardown);

/* The attack: a Job in another namespace with the victim's UID
 * label (here also one naming the victim as its controller, and one in the
 * victim's namespace with the label only) finishes Complete, and pods
 * forged the same ways say the gather cannot pull its image. The victim
 * stays Running until its own Job finishes. A later MustGather whose pod
 * really cannot pull shows the watcher had read all the forgeries first
 * (each watch delivers in write order). */
Test(ownership, decoys_with_the_victims_label_change_nothing)
{
	char path[512], victim_at[128], here[128];
	json_t *victim, *job, *decoys[5], *mg;

	cluster_require_test_server(&cl, NEEDS);
	victim = cluster_create_mg(&cl, "victim-mg", "{}");
	json_decref(cluster_wait_mg(&cl, "victim-mg", "Running"));
	job = cluster_wait_job(&cl, "victim-mg");

	json_decref(cluster_create(&cl, "/api/v1/namespaces",
				   json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
					     "Namespace", "metadata", "name", ATTACKER_NS)));
	snprintf(victim_at, sizeof(victim_at), "%s/decoy-here", cl.ns);
	snprintf(here, sizeof(here), "%s/decoy-pod-here", cl.ns);
	decoys[0] = forge("Job", ATTACKER_NS "/decoy", cl_uid(victim), NULL, NULL);
	decoys[1] = forge("Job", ATTACKER_NS "/decoy-ref", cl_uid(victim), "MustGather", victim);
	decoys[2] = forge("Job", victim_at, cl_uid(victim), NULL, NULL);
	decoys[3] = forge("Pod", ATTACKER_NS "/decoy-pod", cl_uid(victim), "Job", job);
	decoys[4] = forge("Pod", here, cl_uid(victim), NULL, NULL);
	for (size_t i = 0; i < 3; i++)
		patch_status(path_of(decoys[i], path),
			     "{\"succeeded\":1,\"conditions\":[{\"type\":\"Complete\","
			     "\"status\":\"True\"}]}", i == 1);
	for (size_t i = 3; i < 5; i++)
		patch_status(path_of(decoys[i], path), PULL_BACKOFF, i == 3);

	/* the marker: written after every forgery, on both watches */
	json_decref(cluster_create_mg(&cl, "marker", "{}"));
	json_decref(cluster_wait_mg(&cl, "marker", "Running"));
	json_t *mjob = cluster_wait_job(&cl, "marker");
	json_decref(cluster_create_pod(&cl, "marker-x1", mjob, PULL_BACKOFF));
	json_decref(cluster_wait_mg(&cl, "marker", "Failed"));

	mg = cluster_wait_mg(&cl, "victim-mg", "Running");
	cr_expect_str_eq(cl_str(mg, "status.status"), "Running",
			 "a decoy decided the victim's outcome");
	json_decref(mg);
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "victim-mg", path), NULL, NULL, NULL),
		     200, "the victim's own Job is gone");

	/* its own Job decides */
	cluster_job_succeed(&cl, "victim-mg");
	mg = cluster_wait_mg(&cl, "victim-mg", "Completed");
	json_decref(mg);
	/* nothing of the attacker's was deleted on the victim's behalf */
	cr_expect_eq(cluster_api(&cl, "GET", path_of(decoys[0], path), NULL, NULL, NULL), 200,
		     "the decoy Job was cleaned up as the victim's");
	for (size_t i = 0; i < 5; i++)
		json_decref(decoys[i]);
	json_decref(mjob);
	json_decref(job);
	json_decref(victim);
}

/* Jobs the launcher created (201) in the test's namespace. */
static size_t launcher_jobs_created(void)
{
	json_t *audit = cluster_audit(&cl), *line;
	size_t i, n = 0;

	json_array_foreach(audit, i, line)
		n += strcmp(cl_str(line, "user"), CL_LAUNCHER_USER) == 0 &&
		     strcmp(cl_str(line, "namespace"), cl.ns) == 0 &&
		     strcmp(cl_str(line, "verb"), "create") == 0 &&
		     strcmp(cl_str(line, "resource"), "jobs") == 0 &&
		     json_integer_value(json_object_get(line, "code")) == 201;
	json_decref(audit);
	return n;
}

/* The launcher's requests in the test's namespace (name NULL) or about
 * MustGather `name` there (its object and status, the Job and Events named
 * after it; creates name no object in the audit log and count only in the
 * first), by the audit log. */
static size_t launcher_requests(const char *name)
{
	json_t *audit = cluster_audit(&cl), *line;
	size_t i, n = 0, len = name ? strlen(name) : 0;

	json_array_foreach(audit, i, line) {
		const char *obj = cl_str(line, "name"), *ns = cl_str(line, "namespace");
		const char *user = cl_str(line, "user");
		if (!user || strcmp(user, CL_LAUNCHER_USER) != 0 || !ns || strcmp(ns, cl.ns) != 0)
			continue;
		if (name && (!obj || strncmp(obj, name, len) != 0 || (obj[len] && obj[len] != '.')))
			continue;
		n++;
	}
	json_decref(audit);
	return n;
}

static void resync_setup(void)
{
	/* the watcher's longest resend pause, the shortest allowed */
	struct cluster_opts opts = {.resync_seconds = 10};

	cluster_start(&cl, &opts);
}

TestSuite(squat, .init = resync_setup, .fini = cluster_teardown);

#define CLOCK_NS "clock"
#define CLOCK CLOCK_NS "/clock"

/* A Job that is not ours holds the MustGather's Job name: the MustGather
 * fails once with JobNameTaken and one Warning Event naming the Job, the
 * Job is left alone, and then nothing more is asked of the API about it:
 * while another MustGather's Observe is re-sent twice (3 s at least: the
 * watcher's pauses start at 1 s and double), the launcher makes no request
 * in the namespace and the MustGather's resourceVersion stands. Before the
 * fix it made three about every second. */
Test(squat, a_foreign_job_with_the_name_fails_the_mustgather_once)
{
	char path[512], want[256];
	json_t *squatter, *mg, *cond, *events, *after;
	size_t before, n, acts;

	cluster_require_test_server(&cl, NEEDS);
	snprintf(path, sizeof(path), "%s/squat", cl.ns);
	squatter = forge("Job", path, "not-a-mustgather", NULL, NULL);
	json_decref(cluster_create_mg(&cl, "squat", "{}"));

	mg = cluster_wait_mg(&cl, "squat", "Failed");
	cr_expect_str_eq(cl_str(mg, "status.reason"), "JobNameTaken");
	cond = cl_find(cl_at(mg, "status.conditions"), "type", "Failed");
	cr_assert_not_null(cond, "no Failed condition");
	snprintf(want, sizeof(want), "Job %s/squat already exists", cl.ns);
	cr_expect(strstr(cl_str(cond, "message"), want), "%s", cl_str(cond, "message"));
	json_decref(cluster_wait_event(&cl, "squat", "JobNameTaken"));

	cr_expect_leq(launcher_requests("squat"), 6, "%zu requests to fail one MustGather",
		      launcher_requests("squat"));
	/* the clock: a MustGather waiting for its Job is re-observed with
	 * growing pauses. It lives in a namespace of its own, so every
	 * launcher request in the test's namespace is about squat. The window
	 * runs from the validator's next Observe of it to the second after. */
	json_decref(cluster_create(&cl, "/api/v1/namespaces",
				   json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
					     "Namespace", "metadata", "name", CLOCK_NS)));
	json_decref(cluster_create(&cl, "/api/v1/namespaces/" CLOCK_NS "/serviceaccounts",
				   json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
					     "ServiceAccount", "metadata", "name", "clock")));
	json_decref(cluster_create_mg(&cl, CLOCK, "{\"serviceAccountRef\":{\"name\":\"clock\"}}"));
	json_decref(cluster_wait_mg(&cl, CLOCK, "Running"));
	json_decref(cluster_wait_job(&cl, CLOCK));
	n = cluster_ipc_count(&cl, CLOCK, "validator");
	cluster_wait_ipc(&cl, CLOCK, "validator", n + 1);
	before = launcher_requests(NULL);
	acts = cluster_ipc_count(&cl, "squat", "launcher");
	cluster_wait_ipc(&cl, CLOCK, "validator", n + 3);

	cr_expect_eq(cluster_ipc_count(&cl, "squat", "launcher"), acts,
		     "the launcher was asked to act on a failed MustGather");
	cr_expect_eq(launcher_requests(NULL), before,
		     "the launcher kept asking about a failed MustGather");
	cr_expect_eq(launcher_jobs_created(), 0, "a Job was created for squat");

	events = cluster_events(&cl, "squat");
	cr_expect_eq(json_array_size(events), 1, "%zu Events", json_array_size(events));
	snprintf(want, sizeof(want), "Job %s/squat", cl.ns);
	cr_expect(strstr(cl_str(json_array_get(events, 0), "message"), want), "%s",
		  cl_str(json_array_get(events, 0), "message"));
	cr_expect_str_eq(cl_str(json_array_get(events, 0), "type"), "Warning");

	cr_assert_eq(cluster_api(&cl, "GET", cl_mg_path(&cl, "squat", path), NULL, NULL, &after),
		     200);
	cr_expect_str_eq(cl_str(after, "metadata.resourceVersion"),
			 cl_str(mg, "metadata.resourceVersion"), "the MustGather was written again");
	json_decref(after);
	cr_assert_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "squat", path), NULL, NULL, &after),
		     200, "the squatter is gone");
	cr_expect_str_eq(cl_str(after, "metadata.uid"), cl_uid(squatter));
	json_decref(after);
	json_decref(events);
	json_decref(mg);
	json_decref(squatter);
}

/* A launch that finds the status as it would write it writes nothing: the
 * Job of a Running MustGather deleted by hand is created again, and the
 * MustGather's resourceVersion, lastUpdate and Running condition's
 * lastTransitionTime stay those of its first launch, its status written
 * once in all. */
Test(squat, a_launch_that_changes_no_status_writes_none)
{
	char path[512];
	json_t *mg, *job, *again, *now;
	size_t acts;

	cluster_require_test_server(&cl, NEEDS);
	json_decref(cluster_create_mg(&cl, "again", "{}"));
	mg = cluster_wait_mg(&cl, "again", "Running");
	job = cluster_wait_job(&cl, "again");
	/* the launch acts so far are over: the validator has seen the Job */
	cluster_wait_ipc(&cl, "again", "validator", cluster_ipc_count(&cl, "again", "validator") + 1);
	acts = cluster_ipc_count(&cl, "again", "launcher");
	cluster_delete(&cl, cl_job_path(&cl, "again", path));
	cluster_wait_ipc(&cl, "again", "launcher", acts + 1);
	again = cluster_wait_job(&cl, "again");
	cr_expect_str_neq(cl_uid(again), cl_uid(job), "the same Job");

	cr_assert_eq(cluster_api(&cl, "GET", cl_mg_path(&cl, "again", path), NULL, NULL, &now),
		     200);
	cr_expect_str_eq(cl_str(now, "metadata.resourceVersion"),
			 cl_str(mg, "metadata.resourceVersion"), "the status was written again");
	cr_expect_str_eq(cl_str(now, "status.lastUpdate"), cl_str(mg, "status.lastUpdate"));
	cr_expect_str_eq(cl_str(cl_find(cl_at(now, "status.conditions"), "type", "Running"),
				"lastTransitionTime"),
			 cl_str(cl_find(cl_at(mg, "status.conditions"), "type", "Running"),
				"lastTransitionTime"));
	json_decref(now);
	json_decref(again);
	json_decref(job);
	json_decref(mg);
}

/* The watcher's cache: informer events in, Observes out, and a touch for
 * every MustGather whose observation may have changed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <malloc.h>
#include <string.h>

#include "cache.h"
#include "mgo/apiobj.h"
#include "mgo/labels.h"

struct touches {
	char uids[16][64];
	int n;
};

static void on_touch(void *ctx, const char *uid)
{
	struct touches *t = ctx;
	if (t->n < 16)
		snprintf(t->uids[t->n++], 64, "%s", uid);
}

static bool touched(const struct touches *t, const char *uid)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->uids[i], uid) == 0)
			return true;
	return false;
}

static json_t *mg(const char *uid, const char *ns, const char *sa, const char *status)
{
	json_t *o = json_pack("{s:{s:s, s:s, s:s, s:i, s:s}, s:{}}", "metadata", "name", "mg",
			      "namespace", ns, "uid", uid, "generation", 1, "resourceVersion", "5",
			      "spec");
	if (sa)
		json_object_set_new(json_object_get(o, "spec"), "serviceAccountRef",
				    json_pack("{s:s}", "name", sa));
	if (status)
		json_object_set_new(o, "status", json_pack("{s:s}", "status", status));
	return o;
}

/* A Job or Pod named `name` (also its uid) in namespace ns, labelled with the
 * MustGather UID `label` (NULL: unlabelled) and controlled by `owner` (a
 * MustGather's UID for a Job, a Job's for a Pod; NULL: no controller). */
static json_t *object(const char *kind, const char *ns, const char *name, const char *label,
		      const char *owner)
{
	bool job = strcmp(kind, "Job") == 0;
	json_t *o = json_pack("{s:s, s:{s:s, s:s, s:s, s:{}}, s:{}}", "kind", kind, "metadata",
			      "name", name, "namespace", ns, "uid", name, "labels", "status");
	json_t *meta = json_object_get(o, "metadata");

	if (label)
		json_object_set_new(json_object_get(meta, "labels"), MGO_LABEL_UID,
				    json_string(label));
	if (owner)
		json_object_set_new(meta, "ownerReferences",
				    json_pack("[{s:s, s:s, s:s, s:s, s:b}]", "apiVersion",
					      job ? "operator.openshift.io/v1alpha1" : "batch/v1",
					      "kind", job ? "MustGather" : "Job", "name", "owner",
					      "uid", owner, "controller", 1));
	return o;
}

/* In team-a, labelled for MustGather u1 as the launcher labels its Jobs and
 * their pods, and controlled by `owner`. */
static json_t *owned(const char *kind, const char *name, const char *owner)
{
	return object(kind, "team-a", name, strcmp(kind, "Job") == 0 ? owner : "u1", owner);
}

static struct mgo_wcache *cache;
static struct touches t;

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	cr_assert_eq(mgo_wcache_new(on_touch, &t, &cache), 0);
}

static void teardown(void)
{
	mgo_wcache_free(cache);
}

TestSuite(wcache, .init = setup, .fini = teardown);

static void put_mg(json_t *o)
{
	char err[256];
	cr_assert_eq(mgo_wcache_mg_put(cache, o, err, sizeof(err)), 0, "%s", err);
	json_decref(o);
}

Test(wcache, new_must_gather_is_observed_with_allowlist)
{
	struct mgo_observe o;
	char err[256];

	put_mg(mg("u1", "team-a", NULL, NULL));
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_str_eq(o.mg.resource_version, "5");
	cr_assert_not(o.allowlist.present);
	cr_assert_eq(o.job.phase, MGO_JOB_NONE);
	cr_assert_eq(o.service_account, MGO_PRESENCE_UNKNOWN);

	t.n = 0;
	json_t *al = json_pack("{s:{s:s, s:i}, s:{s:[s]}}", "metadata", "name", "cluster",
			       "generation", 4, "spec", "images", "quay.io/a/b:c");
	cr_assert_eq(mgo_wcache_allowlist_put(cache, al, err, sizeof(err)), 0, "%s", err);
	json_decref(al);
	cr_assert(touched(&t, "u1"), "an allowlist change touches every MustGather");
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert(o.allowlist.present);
	cr_assert_str_eq(o.allowlist.images[0], "quay.io/a/b:c");

	t.n = 0;
	mgo_wcache_allowlist_del(cache);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_not(o.allowlist.present);
}

Test(wcache, job_and_pod_fold_into_the_observation)
{
	struct mgo_observe o;
	char err[256];

	/* the Job may be seen before its MustGather */
	json_t *job = owned("Job", "mg", "u1");
	cr_assert_eq(mgo_wcache_job_put(cache, job, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(mgo_wcache_observe(cache, "u1", &o), "no MustGather yet");
	put_mg(mg("u1", "team-a", NULL, "Running"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.phase, MGO_JOB_ACTIVE);
	cr_assert_str_eq(o.job.name, "mg");

	json_t *pod = owned("Pod", "mg-abcde", "mg");
	json_object_set_new(json_object_get(pod, "status"), "containerStatuses",
			    json_pack("[{s:s, s:{s:{s:s, s:s}}}]", "name", "gather", "state",
				      "waiting", "reason", "ImagePullBackOff", "message",
				      "Back-off pulling image"));
	t.n = 0;
	cr_assert_eq(mgo_wcache_pod_put(cache, pod, err, sizeof(err)), 0, "%s", err);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_str_eq(o.job.pod_reason, "ImagePullBackOff");
	cr_assert_str_eq(o.job.pod_container, "gather");

	json_t *cond = json_pack("[{s:s, s:s, s:s}]", "type", "Failed", "status", "True", "reason",
				 "DeadlineExceeded");
	json_object_set_new(json_object_get(job, "status"), "conditions", cond);
	cr_assert_eq(mgo_wcache_job_put(cache, job, err, sizeof(err)), 0, "%s", err);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.phase, MGO_JOB_FAILED);
	cr_assert_str_eq(o.job.reason, "DeadlineExceeded");
	cr_assert_str_eq(o.job.pod_reason, "ImagePullBackOff", "pod state kept across job events");

	t.n = 0;
	mgo_wcache_job_del(cache, job);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.phase, MGO_JOB_NONE);
	json_decref(job);
	json_decref(pod);
}

Test(wcache, a_termination_message_is_kept_to_its_last_kib)
{
	struct mgo_observe o;
	char err[256], big[4000];

	put_mg(mg("u1", "team-a", NULL, "Running"));
	json_t *job = owned("Job", "mg", "u1");
	cr_assert_eq(mgo_wcache_job_put(cache, job, err, sizeof(err)), 0, "%s", err);
	/* FallbackToLogsOnError: up to 4 KiB the gather wrote; its end explains */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big + sizeof(big) - 1 - 1024 - 2, "\xc3\xa9", 2); /* a cut through U+00E9 */
	memcpy(big + sizeof(big) - 6, "last\n", 5);
	json_t *pod = owned("Pod", "mg-abcde", "mg");
	json_object_set_new(json_object_get(pod, "status"), "containerStatuses",
			    json_pack("[{s:s, s:{s:{s:i, s:s, s:s}}}]", "name", "gather", "state",
				      "terminated", "exitCode", 1, "reason", "Error", "message",
				      big));
	cr_assert_eq(mgo_wcache_pod_put(cache, pod, err, sizeof(err)), 0, "%s", err);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_str_eq(o.job.pod_container, "gather");
	size_t n = strlen(o.job.pod_message);
	cr_assert_leq(n, MGO_POD_MESSAGE_MAX);
	cr_assert_gt(n, MGO_POD_MESSAGE_MAX - 4);
	cr_assert_str_eq(o.job.pod_message + n - 4, "last", "the end is kept, less its newline");
	cr_assert_neq((unsigned char)o.job.pod_message[0], 0xa9, "no half character");
	json_decref(job);
	json_decref(pod);
}

static void put(json_t *o)
{
	char err[256];
	bool pod = strcmp(json_string_value(json_object_get(o, "kind")), "Pod") == 0;

	cr_assert_eq(pod ? mgo_wcache_pod_put(cache, o, err, sizeof(err))
			 : mgo_wcache_job_put(cache, o, err, sizeof(err)), 0, "%s", err);
}

static void set_exit(json_t *pod, int code)
{
	json_object_set_new(json_object_get(pod, "status"), "containerStatuses",
			    json_pack("[{s:s, s:{s:{s:i, s:s}}}]", "name", "gather", "state",
				      "terminated", "exitCode", code, "reason", "Error"));
}

static void set_complete(json_t *job)
{
	json_object_set_new(json_object_get(job, "status"), "conditions",
			    json_pack("[{s:s, s:s}]", "type", "Complete", "status", "True"));
}

/* Objects that name MustGather u1 (team-a) or its Job by label, or by a
 * reference from another namespace, or by a reference that is not the
 * controller: each arrives before and after the real ones, finished, and
 * is deleted; u1's observation stays what its own Job and pod say. */
Test(wcache, only_the_controller_in_the_namespace_owns)
{
	json_t *decoys[] = {
		object("Job", "attacker", "d1", "u1", "u1"),   /* reference, elsewhere */
		object("Job", "attacker", "d2", "u1", NULL),   /* label, elsewhere */
		object("Job", "team-a", "d3", "u1", NULL),     /* label, no controller */
		object("Pod", "attacker", "d4", "u1", "mg"),   /* the Job's pod, elsewhere */
		object("Pod", "team-a", "d5", "u1", NULL),     /* label, no controller */
		object("Pod", "team-a", "d6", "u1", "d1"),     /* a pod of the decoy Job */
	};
	size_t n = sizeof(decoys) / sizeof(decoys[0]);
	json_t *ref = object("Job", "team-a", "d7", "u1", NULL);
	struct mgo_observe o;

	/* a reference that is not the controller's */
	json_object_set_new(json_object_get(ref, "metadata"), "ownerReferences",
			    json_pack("[{s:s, s:s, s:s, s:s}]", "apiVersion",
				      "operator.openshift.io/v1alpha1", "kind", "MustGather",
				      "name", "mg", "uid", "u1"));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_string_value(json_object_get(decoys[i], "kind")), "Job") == 0)
			set_complete(decoys[i]);
		else
			set_exit(decoys[i], 2);
	}
	set_complete(ref);

	/* before the MustGather and its Job */
	for (size_t i = 0; i < n; i++)
		put(decoys[i]);
	put(ref);
	put_mg(mg("u1", "team-a", NULL, "Running"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.phase, MGO_JOB_NONE, "a Job that is not u1's own was attached");

	json_t *job = owned("Job", "mg", "u1"), *pod = owned("Pod", "mg-abcde", "mg");
	put(job);
	put(pod);
	/* after them */
	for (size_t i = 0; i < n; i++)
		put(decoys[i]);
	put(ref);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.phase, MGO_JOB_ACTIVE, "a decoy decided the Job's state");
	cr_assert_str_eq(o.job.uid, "mg");
	cr_assert_eq(o.job.gather_exit, -1, "a decoy pod decided the gather's exit");

	for (size_t i = 0; i < n; i++) {
		bool is_job = strcmp(json_string_value(json_object_get(decoys[i], "kind")), "Job") == 0;
		if (is_job)
			mgo_wcache_job_del(cache, decoys[i]);
		else
			mgo_wcache_pod_del(cache, decoys[i]);
		json_decref(decoys[i]);
	}
	mgo_wcache_job_del(cache, ref);
	json_decref(ref);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_str_eq(o.job.uid, "mg", "deleting a decoy forgot the real Job");

	/* finished: a decoy is no leftover Job to clean up */
	json_t *d = object("Job", "attacker", "d1", "u1", "u1");
	put(d);
	mgo_wcache_job_del(cache, job);
	put_mg(mg("u1", "team-a", NULL, "Completed"));
	cr_assert_not(mgo_wcache_observe(cache, "u1", &o), "a decoy Job would be cleaned up");
	json_decref(d);
	json_decref(job);
	json_decref(pod);
}

/* A Job orphaned (its controller reference removed, as `kubectl delete
 * --cascade=orphan` does) is no longer its MustGather's; nor is a pod whose
 * Job reference goes. Found by UID, not by what the object says now. */
Test(wcache, an_orphaned_job_or_pod_is_forgotten)
{
	struct mgo_observe o;
	json_t *job = owned("Job", "mg", "u1"), *pod = owned("Pod", "mg-abcde", "mg");

	set_exit(pod, 2);
	put_mg(mg("u1", "team-a", NULL, "Running"));
	put(job);
	put(pod);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.gather_exit, 2);

	json_object_del(json_object_get(pod, "metadata"), "ownerReferences");
	t.n = 0;
	put(pod);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.gather_exit, -1, "an orphaned pod still speaks for the Job");

	json_object_del(json_object_get(job, "metadata"), "ownerReferences");
	t.n = 0;
	put(job);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.phase, MGO_JOB_NONE, "an orphaned Job is still attached");
	mgo_wcache_job_del(cache, job);
	mgo_wcache_pod_del(cache, pod);
	json_decref(job);
	json_decref(pod);
}

Test(wcache, malformed_owner_references_are_refused)
{
	char err[256];
	json_t *job = owned("Job", "mg", "u1");
	json_t *refs = json_object_get(json_object_get(job, "metadata"), "ownerReferences");

	json_array_append_new(refs, json_pack("{s:s, s:s, s:s, s:s, s:b}", "apiVersion", "v1",
					      "kind", "Other", "name", "x", "uid", "u9",
					      "controller", 1));
	cr_assert_eq(mgo_wcache_job_put(cache, job, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "metadata.ownerReferences[1]"), "%s", err);
	json_decref(job);
}

Test(wcache, finished_is_observed_only_while_a_job_remains)
{
	struct mgo_observe o;
	char err[256];
	json_t *job = owned("Job", "mg", "u1");

	put_mg(mg("u1", "team-a", NULL, "Completed"));
	cr_assert_not(mgo_wcache_observe(cache, "u1", &o), "finished and clean: nothing to do");
	cr_assert_eq(mgo_wcache_job_put(cache, job, err, sizeof(err)), 0, "%s", err);
	cr_assert(mgo_wcache_observe(cache, "u1", &o), "a leftover Job is work");

	json_t *retained = mg("u1", "team-a", NULL, "Completed");
	json_object_set_new(json_object_get(retained, "spec"), "retainResourcesOnCompletion",
			    json_true());
	put_mg(retained);
	cr_assert_not(mgo_wcache_observe(cache, "u1", &o), "kept on purpose");
	json_decref(job);
}

/* There is no cache of ServiceAccounts: what the watcher read of the one a
 * MustGather names is kept with that MustGather, and only with it. */
Test(wcache, service_account_presence_is_what_was_read)
{
	struct mgo_observe o;

	put_mg(mg("u1", "team-a", "gatherer", NULL));
	put_mg(mg("u2", "team-b", "gatherer", NULL));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_UNKNOWN, "nothing read yet");

	t.n = 0;
	mgo_wcache_sa_set(cache, "u1", MGO_PRESENCE_PRESENT);
	cr_assert(touched(&t, "u1"));
	cr_assert_not(touched(&t, "u2"), "another MustGather is not touched");
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_PRESENT);
	cr_assert(mgo_wcache_observe(cache, "u2", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_UNKNOWN);

	t.n = 0;
	mgo_wcache_sa_set(cache, "u1", MGO_PRESENCE_PRESENT);
	cr_assert_eq(t.n, 0, "the same answer changes nothing");

	/* kept across the MustGather's own updates (our status writes) */
	put_mg(mg("u1", "team-a", "gatherer", "Running"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_PRESENT);
	/* but not if it named another account */
	put_mg(mg("u1", "team-a", "other", "Running"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_UNKNOWN);

	/* an unknown MustGather, and one deleted, keep nothing */
	mgo_wcache_sa_set(cache, "nobody", MGO_PRESENCE_ABSENT);
	cr_assert_eq(mgo_wcache_count(cache), 2);
	json_t *m = mg("u2", "team-b", "gatherer", NULL);
	mgo_wcache_sa_set(cache, "u2", MGO_PRESENCE_ABSENT);
	mgo_wcache_mg_del(cache, m);
	put_mg(m);
	cr_assert(mgo_wcache_observe(cache, "u2", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_UNKNOWN);
}

static json_t *mg_on_claim(const char *uid, const char *claim, const char *status)
{
	json_t *o = mg(uid, "team-a", NULL, status);

	json_object_set_new(json_object_get(o, "spec"), "storage",
			    json_pack("{s:s, s:{s:{s:s}}}", "type", "PersistentVolume",
				      "persistentVolume", "claim", "name", claim));
	return o;
}

/* Nor of claims: what was read of the one a MustGather's storage names is
 * kept with it until it names another. */
Test(wcache, claim_presence_is_what_was_read)
{
	struct mgo_observe o;

	put_mg(mg_on_claim("u1", "out", NULL));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.pvc, MGO_PRESENCE_UNKNOWN, "nothing read yet");
	t.n = 0;
	mgo_wcache_pvc_set(cache, "u1", MGO_PRESENCE_ABSENT, MGO_CLAIM_UNKNOWN);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.pvc, MGO_PRESENCE_ABSENT);
	t.n = 0;
	mgo_wcache_pvc_set(cache, "u1", MGO_PRESENCE_ABSENT, MGO_CLAIM_UNKNOWN);
	cr_assert_eq(t.n, 0, "the same answer changes nothing");

	put_mg(mg_on_claim("u1", "out", "Running"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.pvc, MGO_PRESENCE_ABSENT, "kept across its own updates");
	put_mg(mg_on_claim("u1", "elsewhere", "Running"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.pvc, MGO_PRESENCE_UNKNOWN, "another claim: read it anew");
}

/* A claim that exists is kept with its phase; a new phase is news (the
 * MustGather observes again), the same one is not. */
Test(wcache, claim_phase_is_what_was_read)
{
	struct mgo_observe o;
	json_t *m = mg_on_claim("u1", "out", "Running");

	json_object_set_new(m, "status", json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "status",
						   "Running", "conditions", "type", "StorageReady",
						   "status", "False", "reason", "ClaimPending"));
	put_mg(m);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_str_eq(o.mg.storage_reason, "ClaimPending", "the condition as written");
	t.n = 0;
	mgo_wcache_pvc_set(cache, "u1", MGO_PRESENCE_PRESENT, MGO_CLAIM_PENDING);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.pvc, MGO_PRESENCE_PRESENT);
	cr_assert_eq(o.pvc_phase, MGO_CLAIM_PENDING);
	t.n = 0;
	mgo_wcache_pvc_set(cache, "u1", MGO_PRESENCE_PRESENT, MGO_CLAIM_PENDING);
	cr_assert_eq(t.n, 0, "the same phase changes nothing");
	mgo_wcache_pvc_set(cache, "u1", MGO_PRESENCE_PRESENT, MGO_CLAIM_BOUND);
	cr_assert(touched(&t, "u1"), "bound now: observe again");
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.pvc, MGO_PRESENCE_PRESENT);
	cr_assert_eq(o.pvc_phase, MGO_CLAIM_BOUND);
}

Test(wcache, deleted_must_gather_is_forgotten)
{
	struct mgo_observe o;
	json_t *m = mg("u1", "team-a", NULL, NULL);

	put_mg(json_incref(m));
	cr_assert_eq(mgo_wcache_count(cache), 1);
	mgo_wcache_mg_del(cache, m);
	cr_assert_not(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(mgo_wcache_count(cache), 0);
	json_decref(m);
}

Test(wcache, undecodable_objects_are_refused_not_cached)
{
	char err[256];
	json_t *bad = mg("u1", "team-a", NULL, NULL);
	json_object_set_new(json_object_get(bad, "spec"), "mustGatherImage", json_integer(5));
	cr_assert_eq(mgo_wcache_mg_put(cache, bad, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "spec.mustGatherImage"), "%s", err);
	cr_assert_eq(mgo_wcache_count(cache), 0);
	json_decref(bad);
}

Test(wcache, allowlist_agreement_with_a_fresh_read)
{
	static const char *const ab[] = {"quay.io/a:1", "quay.io/b:1"};
	static const char *const ba[] = {"quay.io/b:1", "quay.io/a:1"};
	static const char *const a[] = {"quay.io/a:1"};
	static const struct {
		bool cached;                    /* an allowlist is in the cache (ab) */
		struct mgo_allowlist fresh;
		bool agrees;
	} rows[] = {
		{false, {.present = false}, true},
		{false, {.present = true, .n_images = 2, .images = (char **)ab}, false},
		{true, {.present = false}, false},
		{true, {.present = true, .n_images = 2, .images = (char **)ab}, true},
		/* an edit the cache has not seen yet */
		{true, {.present = true, .n_images = 1, .images = (char **)a}, false},
		{true, {.present = true, .n_images = 2, .images = (char **)ba}, false},
		{true, {.present = true, .n_images = 0, .images = NULL}, false},
	};
	char err[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *al = json_pack("{s:{s:s, s:I}, s:{s:[s, s]}}", "metadata", "name", "cluster",
				       "generation", (json_int_t)1, "spec", "images", ab[0], ab[1]);
		if (rows[i].cached)
			cr_assert_eq(mgo_wcache_allowlist_put(cache, al, err, sizeof(err)), 0, "%s",
				     err);
		else
			mgo_wcache_allowlist_del(cache);
		json_decref(al);
		cr_expect_eq(mgo_wcache_allowlist_agrees(cache, &rows[i].fresh), rows[i].agrees,
			     "row %zu", i);
	}
}

Test(wcache, pod_agreement_with_a_fresh_list)
{
#define POD_OF(job) "{\"metadata\":{\"name\":\"p\",\"namespace\":\"team-a\"," \
	"\"ownerReferences\":[{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"name\":\"j\"," \
	"\"uid\":\"" job "\",\"controller\":true}]},"
#define EXIT2 "\"status\":{\"containerStatuses\":[{\"name\":\"gather\",\"state\":" \
	"{\"terminated\":{\"exitCode\":2,\"reason\":\"Error\"}}}]}}"
	static const char *const pods[] = {
		"[]",
		"[" POD_OF("j1") EXIT2 "]",
		"[" POD_OF("j1") "\"status\":{\"phase\":\"Running\"}}]",
		/* one that does not decode counts as none, as for the informer */
		"[" POD_OF("j1") "\"status\":{\"containerStatuses\":7}}]",
		/* the label selector's pods that another Job controls are not ours */
		"[" POD_OF("decoy") EXIT2 "]",
		"[{\"metadata\":{\"name\":\"p\",\"namespace\":\"team-a\"}," EXIT2 "]",
	};
	static const struct {
		int32_t gather_exit;
		const char *container, *reason;
		size_t pods;
		bool agrees;
	} rows[] = {
		{-1, NULL, NULL, 0, true},
		{-1, NULL, NULL, 1, false},     /* the exit the cache has not seen yet */
		{2, "gather", "Error", 1, true},
		{2, "gather", "Error", 0, false},
		{-1, NULL, NULL, 2, true},      /* running, nothing to say */
		{-1, NULL, NULL, 3, true},
		{2, "gather", "Error", 4, false},
		{-1, NULL, NULL, 4, true},
		{2, "gather", "Error", 5, false},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_job_state cached = {.uid = (char *)"j1",
					       .gather_exit = rows[i].gather_exit, .upload_exit = -1,
					       .clean_exit = -1, .pod_container = (char *)rows[i].container,
					       .pod_reason = (char *)rows[i].reason};
		json_t *items = json_loads(pods[rows[i].pods], 0, NULL);
		cr_assert_not_null(items);
		cr_expect_eq(mgo_wcache_pods_agree(&cached, items), rows[i].agrees, "row %zu", i);
		json_decref(items);
	}
}

/* A MustGather as the API server sends it: a UUID, a numeric
 * resourceVersion, a spec like a user's. */
static json_t *real_mg(unsigned i, const char *status)
{
	char uid[40], name[32], rv[16];
	json_t *o;

	snprintf(uid, sizeof(uid), "%08x-7f3a-4c1e-9b2d-%012x", i * 2654435761u, i);
	snprintf(name, sizeof(name), "cached-%05u", i);
	snprintf(rv, sizeof(rv), "%u", 100000 + i);
	o = json_pack("{s:{s:s, s:s, s:s, s:i, s:s}, s:{s:{s:s}, s:s, s:b}}", "metadata", "name",
		      name, "namespace", "mgo-bench-cached", "uid", uid, "generation", 1,
		      "resourceVersion", rv, "spec", "serviceAccountRef", "name", "gatherer",
		      "mustGatherTimeout", "10m", "retainResourcesOnCompletion", 0);
	if (status)
		json_object_set_new(o, "status", json_pack("{s:s}", "status", status));
	return o;
}

/* Bytes the heap holds in use (glibc's count, so the whole cost of the
 * cache: nodes, table, allocator headers). */
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

#define MANY 10000

/* issue 11: a finished MustGather costs the watcher's cache at most 300
 * bytes, table included, whether it was seen finished or seen running and
 * then finished (its spec then let go). */
Test(wcache, a_finished_must_gather_costs_at_most_300_bytes)
{
	char err[256];
	size_t before = heap_in_use(), after;

	for (unsigned i = 0; i < MANY; i++) {
		json_t *o = real_mg(i, i % 2 ? "Completed" : NULL);
		cr_assert_eq(mgo_wcache_mg_put(cache, o, err, sizeof(err)), 0, "%s", err);
		json_decref(o);
	}
	for (unsigned i = 0; i < MANY; i += 2) {
		json_t *o = real_mg(i, "Failed");
		cr_assert_eq(mgo_wcache_mg_put(cache, o, err, sizeof(err)), 0, "%s", err);
		json_decref(o);
	}
	after = heap_in_use();
	cr_assert_eq(mgo_wcache_count(cache), MANY);
	if (after <= before)
		cr_skip_test("the heap's count did not move: not glibc's allocator (a sanitizer's?), "
			"nothing to measure");
	cr_log_info("%zu bytes per finished MustGather", (after - before) / MANY);
	cr_expect_leq((after - before) / MANY, 300, "%zu bytes per finished MustGather",
		      (after - before) / MANY);
}

/* Finished, a MustGather keeps what a cleanup act names and no more. */
Test(wcache, finished_keeps_what_cleanup_needs)
{
	struct mgo_observe o;
	json_t *job = owned("Job", "mg", "u1"), *pod = owned("Pod", "mg-abcde", "mg"), *m;

	set_exit(pod, 2);
	json_object_set_new(json_object_get(job, "status"), "conditions",
			    json_pack("[{s:s, s:s, s:s, s:s}]", "type", "Failed", "status", "True",
				      "reason", "BackoffLimitExceeded", "message", "too many"));
	m = mg("u1", "team-a", "gatherer", "Running");
	json_object_set_new(json_object_get(m, "spec"), "mustGatherImage",
			    json_string("quay.io/a/b:c"));
	put_mg(m);
	put(job);
	put(pod);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_str_eq(o.job.reason, "BackoffLimitExceeded");
	cr_assert_eq(o.job.gather_exit, 2);
	cr_assert_str_eq(o.mg.spec.image, "quay.io/a/b:c");

	m = mg("u1", "team-a", "gatherer", "Failed");
	json_object_set_new(json_object_get(m, "metadata"), "resourceVersion", json_string("9"));
	put_mg(m);
	cr_assert(mgo_wcache_observe(cache, "u1", &o), "its Job is left to clean up");
	cr_assert_eq(o.mg.phase, MGO_MG_FAILED);
	cr_assert_str_eq(o.mg.ns, "team-a");
	cr_assert_str_eq(o.mg.name, "mg");
	cr_assert_str_eq(o.mg.uid, "u1");
	cr_assert_str_eq(o.mg.resource_version, "9");
	cr_assert_eq(o.mg.generation, 1);
	cr_assert_not(o.mg.spec.retain);
	cr_assert_null(o.mg.spec.image, "the spec is let go");
	cr_assert_eq(o.job.phase, MGO_JOB_FAILED);
	cr_assert_str_eq(o.job.name, "mg");
	cr_assert_str_eq(o.job.uid, "mg");
	cr_assert_null(o.job.reason, "the Job's state is let go");
	cr_assert_eq(o.job.gather_exit, -1, "the pod's state is let go");

	/* a pod event after the finish keeps nothing either */
	put(pod);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.job.gather_exit, -1);
	mgo_wcache_job_del(cache, job);
	cr_assert_not(mgo_wcache_observe(cache, "u1", &o), "cleaned up");
	mgo_wcache_pod_del(cache, pod);
	json_decref(job);
	json_decref(pod);
}

Test(wcache, uids_longer_than_a_uuid_name_nothing)
{
	static const char long_uid[] = "0123456789-0123456789-0123456789-01234";
	struct mgo_observe o;
	char err[256];
	json_t *m = mg(long_uid, "team-a", NULL, NULL), *job = owned("Job", "mg", long_uid);

	cr_assert_eq(mgo_wcache_mg_put(cache, m, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "metadata.uid"), "%s", err);
	cr_assert_eq(mgo_wcache_count(cache), 0);
	cr_assert_not(mgo_wcache_observe(cache, long_uid, &o));
	/* a Job whose controller has such a UID is nobody's */
	cr_assert_eq(mgo_wcache_job_put(cache, job, err, sizeof(err)), 0, "%s", err);
	mgo_wcache_job_del(cache, job);
	json_decref(m);
	json_decref(job);
}

/* The table grows, and deletions keep every other entry findable. */
Test(wcache, many_puts_and_deletes_keep_every_entry_findable)
{
	struct mgo_observe o;
	char err[256], uid[40];

	for (unsigned i = 0; i < 3000; i++) {
		json_t *m = real_mg(i, NULL);
		cr_assert_eq(mgo_wcache_mg_put(cache, m, err, sizeof(err)), 0, "%s", err);
		json_decref(m);
	}
	for (unsigned i = 0; i < 3000; i += 3) {
		json_t *m = real_mg(i, NULL);
		mgo_wcache_mg_del(cache, m);
		json_decref(m);
	}
	cr_assert_eq(mgo_wcache_count(cache), 2000);
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(uid, sizeof(uid), "%08x-7f3a-4c1e-9b2d-%012x", i * 2654435761u, i);
		cr_assert_eq(mgo_wcache_observe(cache, uid, &o), i % 3 != 0, "%u", i);
		if (i % 3)
			cr_assert_str_eq(o.mg.uid, uid);
	}
}

/* One too large to read keeps metadata and phase only, whatever its spec
 * says, and a later version within the bound is read whole again. */
Test(wcache, a_mustgather_too_large_to_read_is_observed_as_such)
{
	struct mgo_observe o;
	char err[256];
	json_t *big = mg("u1", "team-a", "sa1", NULL);

	json_object_set_new(json_object_get(big, "spec"), "mustGatherImage", json_integer(7));
	cr_assert_eq(mgo_wcache_mg_too_large(cache, big, 200000, err, sizeof(err)), 0, "%s", err);
	json_decref(big);
	cr_assert(touched(&t, "u1"));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.mg.too_large_bytes, 200000);
	cr_assert_str_eq(o.mg.resource_version, "5");
	cr_assert_null(o.mg.spec.service_account, "the spec is not read");

	put_mg(mg("u1", "team-a", "sa1", NULL));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.mg.too_large_bytes, 0);
	cr_assert_str_eq(o.mg.spec.service_account, "sa1");
}

/* The watcher's cache: informer events in, Observes out, and a touch for
 * every MustGather whose observation may have changed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "cache.h"
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

static json_t *owned(const char *kind, const char *name, const char *owner)
{
	return json_pack("{s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:{}}", "kind", kind, "metadata",
			 "name", name, "namespace", "team-a", "uid", name, "labels", MGO_LABEL_UID,
			 owner, "status");
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

	json_t *pod = owned("Pod", "mg-abcde", "u1");
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

Test(wcache, service_account_presence_after_sync)
{
	struct mgo_observe o;
	json_t *sa = json_pack("{s:{s:s, s:s}}", "metadata", "name", "gatherer", "namespace",
			       "team-a");

	put_mg(mg("u1", "team-a", "gatherer", NULL));
	put_mg(mg("u2", "team-b", "gatherer", NULL));
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_UNKNOWN);
	mgo_wcache_sa_synced(cache);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_ABSENT);

	t.n = 0;
	cr_assert_eq(mgo_wcache_sa_put(cache, sa), 0);
	cr_assert(touched(&t, "u1"));
	cr_assert_not(touched(&t, "u2"), "another namespace's MustGather is not touched");
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_PRESENT);
	cr_assert(mgo_wcache_observe(cache, "u2", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_ABSENT);

	mgo_wcache_sa_del(cache, sa);
	cr_assert(mgo_wcache_observe(cache, "u1", &o));
	cr_assert_eq(o.service_account, MGO_PRESENCE_ABSENT);
	json_decref(sa);
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
	static const char *const pods[] = {
		"[]",
		("[{\"metadata\":{\"name\":\"p\"},\"status\":{\"containerStatuses\":[{\"name\":"
		 "\"gather\",\"state\":{\"terminated\":{\"exitCode\":2,\"reason\":\"Error\"}}}]}}]"),
		"[{\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Running\"}}]",
		/* one that does not decode counts as none, as for the informer */
		"[{\"metadata\":{\"name\":\"p\"},\"status\":{\"containerStatuses\":7}}]",
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
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_job_state cached = {.gather_exit = rows[i].gather_exit, .upload_exit = -1,
					       .pod_container = (char *)rows[i].container,
					       .pod_reason = (char *)rows[i].reason};
		json_t *items = json_loads(pods[rows[i].pods], 0, NULL);
		cr_assert_not_null(items);
		cr_expect_eq(mgo_wcache_pods_agree(&cached, items), rows[i].agrees, "row %zu", i);
		json_decref(items);
	}
}

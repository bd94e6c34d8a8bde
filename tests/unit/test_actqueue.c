/* The launcher's fair queue (round-robin across namespaces) and its count
 * of gathers running per namespace (launcher/actqueue.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "actqueue.h"

struct item {
	struct mgo_actq_link link;
	char ns[16];
	int n;
};

#define ITEM_OF(lk) ((struct item *)(void *)(lk))

static struct item *pop(struct mgo_actq *q)
{
	struct mgo_actq_link *lk = mgo_actq_pop(q);
	return lk ? ITEM_OF(lk) : NULL;
}

Test(actqueue, one_namespace_is_a_fifo)
{
	struct mgo_actq q = {0};
	struct item it[5];

	for (int i = 0; i < 5; i++) {
		it[i] = (struct item){.n = i};
		cr_assert_eq(mgo_actq_push(&q, "a", &it[i].link), 0);
	}
	cr_assert_eq(mgo_actq_push(&q, "a", &it[2].link), -EALREADY, "queued once only");
	cr_assert_eq(mgo_actq_len(&q), 5);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(pop(&q)->n, i);
	cr_assert_null(pop(&q));
	cr_assert_eq(mgo_actq_len(&q), 0);
	cr_assert_null(q.by_name, "an empty namespace leaves the queue");
}

/* 2,000 acts from namespace a, then one from b: b's is served second, not
 * 2,001st, and a's keep their order. */
Test(actqueue, a_crowded_namespace_delays_another_by_one_act)
{
	static struct item a[2000], b;
	struct mgo_actq q = {0};
	int next_a = 0;

	for (int i = 0; i < 2000; i++) {
		a[i] = (struct item){.n = i};
		snprintf(a[i].ns, sizeof(a[i].ns), "a");
		cr_assert_eq(mgo_actq_push(&q, "a", &a[i].link), 0);
	}
	cr_assert_eq(pop(&q)->n, next_a++);
	b = (struct item){.n = -1};
	cr_assert_eq(mgo_actq_push(&q, "b", &b.link), 0);
	cr_assert_eq(mgo_actq_ns_len(&q, "a"), 1999);
	cr_assert_eq(mgo_actq_ns_len(&q, "b"), 1);
	/* a was served last round: b's turn comes within one act */
	struct item *first = pop(&q), *second = pop(&q);
	cr_assert(first == &b || second == &b, "b served among the next two");
	cr_assert_eq((first == &b ? second : first)->n, next_a++);
	for (struct item *it; (it = pop(&q));)
		cr_assert_eq(it->n, next_a++, "a's acts stay in order");
	cr_assert_eq(next_a, 2000);
}

Test(actqueue, round_robin_across_three_namespaces)
{
	static const char *const names[] = {"x", "y", "z"};
	struct item it[9];
	struct mgo_actq q = {0};
	char order[10] = "";

	/* x gets 5, y 3, z 1, pushed x first */
	int counts[] = {5, 3, 1}, k = 0;
	for (int n = 0; n < 3; n++)
		for (int i = 0; i < counts[n]; i++, k++) {
			it[k] = (struct item){.n = k};
			snprintf(it[k].ns, sizeof(it[k].ns), "%s", names[n]);
			cr_assert_eq(mgo_actq_push(&q, names[n], &it[k].link), 0);
		}
	for (size_t i = 0; i < 9; i++)
		order[i] = pop(&q)->ns[0];
	cr_assert_str_eq(order, "xyzxyxyxx");
}

Test(actqueue, remove_and_pop_by_namespace)
{
	struct mgo_actq q = {0}, other = {0};
	struct item it[4];

	for (int i = 0; i < 4; i++) {
		it[i] = (struct item){.n = i};
		cr_assert_eq(mgo_actq_push(&q, i % 2 ? "odd" : "even", &it[i].link), 0);
	}
	mgo_actq_remove(&other, &it[0].link);
	cr_assert(mgo_actq_in(&q, &it[0].link), "removing from another queue does nothing");
	cr_assert_eq(mgo_actq_len(&q), 4);
	mgo_actq_remove(&q, &it[0].link);
	cr_assert_not(mgo_actq_in(&q, &it[0].link));
	mgo_actq_remove(&q, &it[0].link); /* harmless twice */
	cr_assert_eq(mgo_actq_len(&q), 3);
	cr_assert_eq(ITEM_OF(mgo_actq_pop_ns(&q, "odd"))->n, 1);
	cr_assert_eq(ITEM_OF(mgo_actq_pop_ns(&q, "odd"))->n, 3);
	cr_assert_null(mgo_actq_pop_ns(&q, "odd"));
	cr_assert_eq(mgo_actq_ns_len(&q, "even"), 1);
	mgo_actq_clear(&q);
	cr_assert_eq(mgo_actq_len(&q), 0);
	cr_assert_not(mgo_actq_in(&q, &it[2].link), "clear unlinks");
	cr_assert_eq(mgo_actq_push(&q, "even", &it[2].link), 0, "usable after clear");
	mgo_actq_clear(&q);
}

/* ---- the count of running gathers ---- */

static json_t *job(const char *ns, const char *uid, const char *owner, const char *ended)
{
	json_t *j = json_pack("{s:{s:s, s:s, s:s, s:[{s:s, s:s, s:b}]}, s:{s:[]}}", "metadata",
			      "namespace", ns, "name", uid, "uid", uid, "ownerReferences", "kind",
			      "MustGather", "uid", owner, "controller", 1, "status", "conditions");
	cr_assert_not_null(j);
	if (ended)
		json_array_append_new(json_object_get(json_object_get(j, "status"), "conditions"),
				      json_pack("{s:s, s:s}", "type", ended, "status", "True"));
	return j;
}

static void put(struct mgo_running *r, json_t *j, bool gone)
{
	cr_assert_eq(mgo_running_job(r, j, gone), 0);
	json_decref(j);
}

Test(running, counts_running_jobs_per_namespace)
{
	struct mgo_running r = {0};

	put(&r, job("a", "j1", "m1", NULL), false);
	put(&r, job("a", "j2", "m2", NULL), false);
	put(&r, job("a", "j2", "m2", NULL), false); /* MODIFIED: the same Job */
	put(&r, job("b", "j3", "m3", NULL), false);
	cr_assert_eq(mgo_running_in(&r, "a"), 2);
	cr_assert_eq(mgo_running_in(&r, "b"), 1);
	cr_assert_eq(mgo_running_in(&r, "c"), 0);
	cr_assert(mgo_running_owned(&r, "m2"));
	cr_assert_not(mgo_running_owned(&r, "m9"));
	put(&r, job("a", "j1", "m1", "Complete"), false);
	cr_assert_eq(mgo_running_in(&r, "a"), 1, "a Complete Job runs no more");
	cr_assert_not(mgo_running_owned(&r, "m1"));
	put(&r, job("a", "j2", "m2", "Failed"), false);
	cr_assert_eq(mgo_running_in(&r, "a"), 0, "nor a Failed one");
	put(&r, job("b", "j3", "m3", NULL), true);
	cr_assert_eq(mgo_running_in(&r, "b"), 0, "nor a deleted one");
	cr_assert_eq(r.total, 0);
	cr_assert_null(r.by_ns);

	/* a Job being deleted does not count */
	json_t *j = job("a", "j4", "m4", NULL);
	json_object_set_new(json_object_get(j, "metadata"), "deletionTimestamp",
			    json_string("2026-01-01T00:00:00Z"));
	put(&r, j, false);
	cr_assert_eq(mgo_running_in(&r, "a"), 0);
	/* nor one without a UID or namespace */
	put(&r, json_pack("{s:{s:s}}", "metadata", "namespace", "a"), false);
	cr_assert_eq(mgo_running_in(&r, "a"), 0);
	mgo_running_clear(&r);
}

/* The limit as the launcher applies it: admitted launches count before
 * their Job exists, and the Job itself replaces the reservation
 * (test_e2e_fairness, the_limit_counts_each_gather_once). */
Test(running, reservations_count_until_released)
{
	struct mgo_running r = {0};
	const size_t limit = 2;

	cr_assert_eq(mgo_running_reserve(&r, "a", "m1"), 0);
	cr_assert_eq(mgo_running_reserve(&r, "a", "m1"), -EEXIST);
	cr_assert_eq(mgo_running_reserve(&r, "a", "m2"), 0);
	cr_assert_eq(mgo_running_in(&r, "a"), limit, "two admitted: a third waits");
	cr_assert_not(mgo_running_owned(&r, "m1"), "a reservation has no Job");
	/* m1's Job is recorded (the create's answer or the watch, whichever
	 * first): it takes the reservation's place, the gather counts once */
	put(&r, job("a", "j1", "m1", NULL), false);
	cr_assert_eq(mgo_running_in(&r, "a"), limit, "m1 counted twice");
	cr_assert(mgo_running_owned(&r, "m1"));
	put(&r, job("a", "j1", "m1", NULL), false);
	mgo_running_release(&r, "m1");
	cr_assert_eq(mgo_running_in(&r, "a"), limit, "the act's end leaves its Job counted");
	/* a Job another controller owns takes no reservation's place */
	put(&r, job("a", "j9", "m9", NULL), false);
	cr_assert_eq(mgo_running_in(&r, "a"), limit + 1);
	/* m2's launch failed: its release frees the place */
	mgo_running_release(&r, "m2");
	mgo_running_release(&r, "m2");
	cr_assert_eq(mgo_running_in(&r, "a"), limit);
	mgo_running_clear(&r);
	cr_assert_eq(mgo_running_in(&r, "a"), 0);
}

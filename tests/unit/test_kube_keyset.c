/* The informer's memory of delivered objects: a model check against a plain
 * array under random puts, deletes and sweeps, plus its bounds. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/keyset.h"

#define N 600

struct model {
	bool present[N];
	char rv[N][16];
	uint32_t gen[N];
};

static void uid_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "%08x-0000-4000-8000-%012d", (unsigned)i * 2654435761u, i);
}

struct swept {
	struct model *m;
	int n;
	bool seen[N];
};

static void on_swept(void *ctx, const struct mgo_keyset_entry *e)
{
	struct swept *s = ctx;
	int i;

	cr_assert_eq(sscanf(e->name, "obj-%d", &i), 1);
	cr_assert(s->m->present[i], "only present entries are swept");
	cr_assert_not(s->seen[i], "each swept once");
	cr_assert_str_eq(e->rv, s->m->rv[i]);
	cr_assert_str_eq(e->ns, i % 3 ? "ns" : "");
	s->seen[i] = true;
	s->n++;
}

static void check_all(struct mgo_keyset *ks, struct model *m, int universe)
{
	size_t count = 0;
	char uid[64];

	for (int i = 0; i < universe; i++) {
		struct mgo_keyset_entry e;
		uid_of(i, uid, sizeof(uid));
		bool got = mgo_keyset_get(ks, uid, &e);
		cr_assert_eq(got, m->present[i], "uid %d", i);
		if (!got)
			continue;
		count++;
		char name[32];
		snprintf(name, sizeof(name), "obj-%d", i);
		cr_assert_str_eq(e.uid, uid);
		cr_assert_str_eq(e.name, name);
		cr_assert_str_eq(e.rv, m->rv[i]);
		cr_assert_eq(e.gen, m->gen[i]);
	}
	cr_assert_eq(mgo_keyset_count(ks), count);
}

/* A small universe keeps the table small, so probe runs often wrap around
 * its end; a large one makes it grow. */
static void model_check(int universe, int steps, int check_every)
{
	struct mgo_keyset *ks;
	static struct model m;
	char uid[64], name[32];
	uint32_t gen = 1;

	memset(&m, 0, sizeof(m));
	cr_assert_eq(mgo_keyset_new(&ks), 0);
	for (int step = 0; step < steps; step++) {
		int i = rand() % universe, op = rand() % 100;
		uid_of(i, uid, sizeof(uid));
		if (op < 60) {
			snprintf(name, sizeof(name), "obj-%d", i);
			snprintf(m.rv[i], sizeof(m.rv[i]), "%d", step);
			cr_assert_eq(mgo_keyset_put(ks, uid, i % 3 ? "ns" : NULL, name, m.rv[i], gen), 0);
			m.present[i] = true;
			m.gen[i] = gen;
		} else if (op < 70) {
			cr_assert_eq(mgo_keyset_touch(ks, uid, gen), m.present[i]);
			if (m.present[i])
				m.gen[i] = gen;
		} else if (op < 95) {
			cr_assert_eq(mgo_keyset_del(ks, uid), m.present[i]);
			m.present[i] = false;
		} else if (op == 99) {
			struct swept s = {.m = &m};
			int want = 0;
			uint32_t keep = gen;
			for (int k = 0; k < universe; k++)
				want += m.present[k] && m.gen[k] != keep;
			mgo_keyset_sweep(ks, keep, on_swept, &s);
			cr_assert_eq(s.n, want);
			for (int k = 0; k < universe; k++)
				if (m.present[k] && m.gen[k] != keep)
					m.present[k] = false;
			gen++;
		}
		if (step % check_every == 0)
			check_all(ks, &m, universe);
	}
	check_all(ks, &m, universe);
	cr_assert_gt(mgo_keyset_bytes(ks), mgo_keyset_count(ks) * 40);
	mgo_keyset_free(ks);
}

Test(kube_keyset, matches_a_model_under_random_operations)
{
	srand(42);
	model_check(N, 20000, 500);
	/* each set draws its own hash seed: many small sets put probe runs
	 * across the table's end in many places */
	for (int round = 0; round < 300; round++)
		model_check(45, 500, 1);
}

Test(kube_keyset, bounds)
{
	struct mgo_keyset *ks;
	char big[300];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(mgo_keyset_new(&ks), 0);
	cr_assert_eq(mgo_keyset_put(ks, "", "ns", "n", "1", 0), -EINVAL);
	cr_assert_eq(mgo_keyset_put(ks, "u", "ns", "", "1", 0), -EINVAL);
	cr_assert_eq(mgo_keyset_put(ks, "u", "ns", "n", "", 0), -EINVAL);
	cr_assert_eq(mgo_keyset_put(ks, NULL, "ns", "n", "1", 0), -EINVAL);
	cr_assert_eq(mgo_keyset_put(ks, big, "ns", "n", "1", 0), -EINVAL);
	cr_assert_eq(mgo_keyset_put(ks, "u", big, "n", "1", 0), -EINVAL);
	cr_assert_eq(mgo_keyset_put(ks, "u", "ns", big, "1", 0), -EINVAL);
	cr_assert_eq(mgo_keyset_put(ks, "u", "ns", "n", big, 0), -EINVAL);
	cr_assert_eq(mgo_keyset_count(ks), 0);
	big[253] = '\0';
	cr_assert_eq(mgo_keyset_put(ks, "u", big, big, "1", 0), 0);
	cr_assert_eq(mgo_keyset_count(ks), 1);
	mgo_keyset_free(ks);
}

/* Without a namespace and name (NULL, an informer's keys_uid_only) an entry
 * keeps the uid and resourceVersion, in fewer bytes. */
Test(kube_keyset, an_entry_without_names_keeps_uid_and_rv)
{
	struct mgo_keyset *ks;
	struct mgo_keyset_entry e;
	size_t named, bare;

	cr_assert_eq(mgo_keyset_new(&ks), 0);
	cr_assert_eq(mgo_keyset_put(ks, "u1", "a-namespace", "a-name", "7", 3), 0);
	named = mgo_keyset_bytes(ks);
	cr_assert_eq(mgo_keyset_put(ks, "u1", NULL, NULL, "8", 4), 0);
	bare = mgo_keyset_bytes(ks);
	cr_assert_lt(bare, named, "%zu bytes without names, %zu with", bare, named);
	cr_assert(mgo_keyset_get(ks, "u1", &e));
	cr_assert_str_eq(e.uid, "u1");
	cr_assert_str_eq(e.ns, "");
	cr_assert_str_eq(e.name, "");
	cr_assert_str_eq(e.rv, "8");
	cr_assert_eq(e.gen, 4);
	cr_assert_eq(mgo_keyset_count(ks), 1);
	mgo_keyset_free(ks);
}

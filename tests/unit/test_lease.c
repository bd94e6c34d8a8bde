/* Leader election on the Lease: the pure rule table, and against the test
 * API server that a launcher which stops hands the Lease over at once. */
#include <criterion/criterion.h>
#include <string.h>

#include "lease.h"
#include "mgo/kube.h"
#include "mgo/kubecreds.h"
#include "mgo/loop.h"
#include "testenv.h"

#define T0 1000000u /* any "now" well past zero */

Test(lease, next_step_table)
{
	static const struct {
		bool exists;
		const char *holder;
		uint64_t seen_ms_ago;
		enum mgo_lease_step want;
	} rows[] = {
		{false, "", 0, MGO_LEASE_CREATE},
		{true, "me", 0, MGO_LEASE_RENEW},
		{true, "me", 60000, MGO_LEASE_RENEW},
		/* released (client-go and mgo_lease_release write no holder) */
		{true, "", 0, MGO_LEASE_ACQUIRE},
		{true, "other", 0, MGO_LEASE_FOLLOW},
		{true, "other", MGO_LEASE_DURATION_S * 1000u, MGO_LEASE_FOLLOW},
		{true, "other", MGO_LEASE_DURATION_S * 1000u + 1, MGO_LEASE_ACQUIRE},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_lease_view v = {.exists = rows[i].exists,
					   .observed_ms = T0 - rows[i].seen_ms_ago};
		snprintf(v.holder, sizeof(v.holder), "%s", rows[i].holder);
		cr_expect_eq(mgo_lease_next(&v, "me", T0), rows[i].want, "row %zu", i);
	}
}

struct side {
	bool leader;
};

static void on_change(void *ctx, bool leader)
{
	((struct side *)ctx)->leader = leader;
}

/* Runs the loop until *flag or deadline_ms pass. */
static bool run_until(struct mgo_loop *loop, const bool *flag, uint64_t deadline_ms)
{
	uint64_t end = mgo_now_ms() + deadline_ms;

	while (!*flag && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(loop, (int)(end - mgo_now_ms())), 0);
	return *flag;
}

Test(lease, released_lease_is_taken_over_at_once)
{
	struct testenv env;
	struct mgo_kube_creds creds;
	struct mgo_kube_client *client;
	struct mgo_loop *loop;
	struct mgo_lease *a, *b;
	struct side sa = {false}, sb = {false};
	json_t *lease = NULL;
	char err[256];

	testenv_start(&env, NULL);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", "/api/v1/namespaces", NULL,
				  "{\"metadata\":{\"name\":\"mgo\"}}", NULL),
		     201);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(env.kubeconfig, NULL, &creds, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_kube_client_new(loop, &creds, NULL, &client, err, sizeof(err)), 0, "%s", err);

	cr_assert_eq(mgo_lease_start(loop, client, "mgo", "a", on_change, &sa, &a), 0);
	cr_assert(run_until(loop, &sa.leader, 5000), "a never led");
	cr_assert_eq(mgo_lease_release(a, 2000), 0);
	cr_expect_not(mgo_lease_is_leader(a));
	mgo_lease_stop(a);
	cr_assert_eq(testenv_call(&env, env.admin_token, "GET",
				  "/apis/coordination.k8s.io/v1/namespaces/mgo/leases/" MGO_LEASE_NAME,
				  NULL, NULL, &lease),
		     200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(lease, "spec"),
							   "holderIdentity")), "");
	json_decref(lease);

	/* without the release b would follow a for MGO_LEASE_DURATION_S */
	cr_assert_eq(mgo_lease_start(loop, client, "mgo", "b", on_change, &sb, &b), 0);
	cr_expect(run_until(loop, &sb.leader, 3000), "b did not take over the released lease");
	mgo_lease_stop(b);

	mgo_kube_client_free(client);
	mgo_kube_creds_free(&creds);
	mgo_loop_free(loop);
	testenv_stop(&env);
}

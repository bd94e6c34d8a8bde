/* Two replicas of the operator, as two pods of the Deployment, against one
 * API server; a backlog of MustGathers at 20 requests a second; the
 * leader's pod killed mid-backlog (every process SIGKILLed: no Lease
 * release). From the launchers' logged leadership intervals and the test
 * API server's audit log: no two launchers ever led or wrote at once, the
 * standby took over within lease duration plus one retry period, and every
 * MustGather got exactly one Job (issue 9). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "leadership.h"
#include "spawn.h"

#define BACKLOG 120     /* launches: about 18 s of the launcher's 20 writes/s */
/* lease duration plus one retry period, client-go's 15 s and 2 s */
#define TAKEOVER_MS (15000 + 2000)

/* The rate limit the backlog is sized for (the default was 20 before it
 * kept up with 50 MustGathers/s), and no per-namespace limit in the way of
 * 120 gathers in one namespace: the test is about the Lease. */
static void setup(void)
{
	cluster_start(&cl, &(struct cluster_opts){.launcher_qps = 20, .max_running_per_ns = 1000});
}

TestSuite(failover, .init = setup, .fini = cluster_teardown, .timeout = 280);

/* The last (first) successful Lease write of the launcher with this
 * identity in the audit log, as its time; 0 if none. */
static int64_t lease_write_us(const json_t *audit, const char *holder, bool last)
{
	char agent[200];
	json_t *line;
	size_t i;
	int64_t at = 0;

	snprintf(agent, sizeof(agent), "mgo-launcher (%s)", holder);
	json_array_foreach(audit, i, line) {
		json_int_t code = json_integer_value(json_object_get(line, "code"));
		const char *verb = cl_str(line, "verb");
		if (strcmp(cl_str(line, "resource"), "leases") != 0 ||
		    strcmp(cl_str(line, "userAgent"), agent) != 0 || code < 200 || code > 299 ||
		    (strcmp(verb, "update") != 0 && strcmp(verb, "create") != 0))
			continue;
		at = mgo_test_time_us(cl_str(line, "time"));
		if (!last)
			break;
	}
	return at;
}

Test(failover, the_standby_takes_over_a_killed_leader_without_overlap)
{
	struct cl_replica b;
	struct mgo_test_lead leads[8];
	size_t n = 0;

	cluster_require_test_server(&cl, "audit log");
	cluster_replica_start(&cl, &b, "replica-b");
	for (int i = 0; i < BACKLOG; i++) {
		char name[32];
		snprintf(name, sizeof(name), "mg-%03d", i);
		json_decref(cluster_create_mg(&cl, name, "{}"));
	}
	/* the leader is working the backlog off */
	json_decref(cluster_wait_jobs(&cl, 15, 60000));
	int64_t killed_us = cluster_kill_replica(cl.supervisor, cl.log);
	cl.supervisor = 0;
	char *a_log = strdup(cl.log);
	cr_assert_not_null(a_log);
	cluster_adopt_replica(&cl, &b);

	json_t *jobs = cluster_wait_jobs(&cl, BACKLOG, 180000);
	cr_assert(wait_for_text(cl.log, "\"event\":\"watcher.launcher.leads\"", 0),
		  "the new leader's watcher was not told to send everything again");

	/* who led when: the killed one until its kill, the new one since */
	mgo_test_leads(a_log, killed_us, leads, 8, &n);
	size_t n_a = n;
	mgo_test_leads(cl.log, INT64_MAX, leads, 8, &n);
	cr_assert_eq(n_a, 1, "the first replica led %zu times", n_a);
	cr_assert_eq(n - n_a, 1, "the second replica led %zu times", n - n_a);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "failover: %s led from %lld to %lld (killed at %lld)\n",
			leads[i].holder, (long long)leads[i].from_us, (long long)leads[i].to_us,
			(long long)killed_us);
	mgo_test_leads_disjoint(leads, n);
	size_t writes = mgo_test_writes_fenced(cl.env.audit_log, leads, n, 200);
	cr_assert_geq(writes, BACKLOG, "only %zu act writes", writes);

	/* takeover: by the new leader's log from the kill, and by the server
	 * from the dead leader's last renewal to the new one's first write */
	int64_t by_log = leads[n_a].from_us - killed_us;
	json_t *audit = cluster_audit(&cl);
	int64_t by_server = lease_write_us(audit, leads[n_a].holder, false) -
			    lease_write_us(audit, leads[0].holder, true);
	json_decref(audit);
	fprintf(stderr, "failover: takeover %lld ms after the kill, %lld ms after the last "
		"renewal; %zu act writes checked\n", (long long)by_log / 1000,
		(long long)by_server / 1000, writes);
	cr_assert_leq(by_log, TAKEOVER_MS * 1000LL, "took over %lld ms after the kill",
		      (long long)by_log / 1000);
	cr_assert_leq(by_server, TAKEOVER_MS * 1000LL,
		      "took over %lld ms after the last renewal", (long long)by_server / 1000);

	/* exactly one Job per MustGather: by name and owner, and by the
	 * creations the server answered 201 */
	json_t *job;
	size_t i;
	cr_assert_eq(json_array_size(json_object_get(jobs, "items")), BACKLOG);
	json_array_foreach(json_object_get(jobs, "items"), i, job) {
		json_t *owner = json_array_get(cl_at(job, "metadata.ownerReferences"), 0);
		cr_assert_str_eq(cl_str(owner, "kind"), "MustGather");
		cr_assert_str_eq(cl_str(owner, "name"), cl_str(job, "metadata.name"));
	}
	cr_assert_eq(cluster_jobs_created(&cl), BACKLOG);
	json_decref(jobs);
	free(a_log);
}

/* The supervisor's metric store: each child's series, carried across its
 * restarts, the supervisor's own, and the /metrics body; then the same
 * through a child's notification pipe and its exit. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mgo/metrics.h"
#include "mgo/notify.h"
#include "mgo/supervised.h"
#include "sup.h"

static struct mgo_metric_series counter(enum mgo_metric_family f, const char *a, const char *b,
					int64_t v)
{
	struct mgo_metric_series s = {.family = f, .nlabels = mgo_metric_defs[f].nlabels, .value = v};

	if (s.nlabels > 0)
		snprintf(s.labels[0], sizeof(s.labels[0]), "%s", a ? a : "");
	if (s.nlabels > 1)
		snprintf(s.labels[1], sizeof(s.labels[1]), "%s", b ? b : "");
	return s;
}

static char *render(const struct mgo_sup_store *st, bool up)
{
	static const enum mgo_role roles[] = {MGO_ROLE_VALIDATOR, MGO_ROLE_LAUNCHER, MGO_ROLE_WATCHER};
	bool ups[] = {up, up, up};
	char *text = NULL;
	size_t len = 0;

	cr_assert_eq(mgo_sup_store_render(st, roles, ups, 3, &text, &len), 0);
	return text;
}

#define HAS(text, line) cr_assert(strstr(text, line), "missing %s in:\n%s", line, text)
#define LACKS(text, line) cr_assert(!strstr(text, line), "unexpected %s in:\n%s", line, text)

Test(sup_store, counters_carry_over_restarts_gauges_do_not)
{
	struct mgo_sup_store *st = NULL;
	struct mgo_metric_series s;
	char *text;

	cr_assert_eq(mgo_sup_store_new(&st), 0);
	mgo_sup_store_started(st, MGO_ROLE_LAUNCHER);
	cr_assert_not(mgo_sup_store_lease_known(st));
	s = counter(MGO_M_MUSTGATHERS, "launched", "", 2);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &s), 0);
	s.value = 5;                            /* absolute: replaces, never adds */
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &s), 0);
	s = counter(MGO_M_KUBE_REQUESTS, "create", "201", 5);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &s), 0);
	s = counter(MGO_M_LEASE_LEADER, NULL, NULL, 1);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &s), 0);
	s = counter(MGO_M_KUBE_REQUESTS, "create", "201", 7);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_WATCHER, &s), 0);
	cr_assert(mgo_sup_store_lease_known(st));

	text = render(st, true);
	HAS(text, "\nmgo_mustgathers_total{outcome=\"launched\",reason=\"\"} 5\n");
	HAS(text, "\nmgo_kube_requests_total{role=\"launcher\",verb=\"create\",code=\"201\"} 5\n");
	HAS(text, "\nmgo_kube_requests_total{role=\"watcher\",verb=\"create\",code=\"201\"} 7\n");
	HAS(text, "\nmgo_lease_leader 1\n");
	HAS(text, "\nmgo_child_restarts_total{child=\"launcher\"} 0\n");
	HAS(text, "\nmgo_child_up{child=\"launcher\"} 1\n");
	free(text);

	/* it dies, comes back, and counts from zero again */
	mgo_sup_store_exited(st, MGO_ROLE_LAUNCHER);
	cr_assert_not(mgo_sup_store_lease_known(st));
	mgo_sup_store_started(st, MGO_ROLE_LAUNCHER);
	text = render(st, false);
	HAS(text, "\nmgo_mustgathers_total{outcome=\"launched\",reason=\"\"} 5\n");
	LACKS(text, "\nmgo_lease_leader ");
	HAS(text, "\nmgo_child_restarts_total{child=\"launcher\"} 1\n");
	HAS(text, "\nmgo_child_up{child=\"launcher\"} 0\n");
	free(text);

	s = counter(MGO_M_MUSTGATHERS, "launched", "", 1);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &s), 0);
	s = counter(MGO_M_LEASE_LEADER, NULL, NULL, 0);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &s), 0);
	text = render(st, true);
	HAS(text, "\nmgo_mustgathers_total{outcome=\"launched\",reason=\"\"} 6\n");
	HAS(text, "\nmgo_kube_requests_total{role=\"launcher\",verb=\"create\",code=\"201\"} 5\n");
	HAS(text, "\nmgo_lease_leader 0\n");
	cr_assert(mgo_sup_store_lease_known(st), "standby is known too");
	free(text);

	/* a second death adds to what the first left */
	mgo_sup_store_exited(st, MGO_ROLE_LAUNCHER);
	text = render(st, false);
	HAS(text, "\nmgo_mustgathers_total{outcome=\"launched\",reason=\"\"} 6\n");
	free(text);
	cr_assert_eq(st->refused, 0);
	mgo_sup_store_free(st);
}

Test(sup_store, histograms_carry_over_bucket_by_bucket)
{
	struct mgo_sup_store *st = NULL;
	struct mgo_metrics *m = calloc(1, sizeof(*m));
	char *text;

	cr_assert_eq(mgo_sup_store_new(&st), 0);
	cr_assert_eq(mgo_metric_observe(m, MGO_M_RECONCILE_SECONDS, NULL, 0.2), 0);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &m->s[0]), 0);
	mgo_sup_store_exited(st, MGO_ROLE_LAUNCHER);
	m->n = 0;
	cr_assert_eq(mgo_metric_observe(m, MGO_M_RECONCILE_SECONDS, NULL, 4), 0);
	cr_assert_eq(mgo_sup_store_put(st, MGO_ROLE_LAUNCHER, &m->s[0]), 0);
	text = render(st, true);
	HAS(text, "\nmgo_reconcile_duration_seconds_bucket{le=\"0.25\"} 1\n");
	HAS(text, "\nmgo_reconcile_duration_seconds_bucket{le=\"5\"} 2\n");
	HAS(text, "\nmgo_reconcile_duration_seconds_sum 4.2000000000000002\n");
	HAS(text, "\nmgo_reconcile_duration_seconds_count 2\n");
	free(text);
	free(m);
	mgo_sup_store_free(st);
}

Test(sup_store, a_child_sends_only_its_own_families)
{
	static const struct {
		enum mgo_role role;
		enum mgo_metric_family f;
		int rc;
	} rows[] = {
		{MGO_ROLE_LAUNCHER, MGO_M_MUSTGATHERS, 0},
		{MGO_ROLE_WATCHER, MGO_M_MUSTGATHERS, -EPERM},
		{MGO_ROLE_VALIDATOR, MGO_M_MUSTGATHERS, -EPERM},
		{MGO_ROLE_VALIDATOR, MGO_M_VERDICTS, 0},
		{MGO_ROLE_LAUNCHER, MGO_M_VERDICTS, -EPERM},
		{MGO_ROLE_WATCHER, MGO_M_RELISTS, 0},
		{MGO_ROLE_VALIDATOR, MGO_M_KUBE_REQUESTS, -EPERM},
		{MGO_ROLE_VALIDATOR, MGO_M_IPC_MESSAGES, 0},
		{MGO_ROLE_LAUNCHER, MGO_M_CHILD_RESTARTS, -EPERM},
		{MGO_ROLE_LAUNCHER, MGO_M_CHILD_UP, -EPERM},
		{MGO_ROLE_WATCHER, MGO_M_LEASE_LEADER, -EPERM},
		{MGO_ROLE_SUPERVISOR, MGO_M_LEASE_LEADER, -EPERM},
		{(enum mgo_role)0, MGO_M_LEASE_LEADER, -EINVAL},
		{(enum mgo_role)MGO_SUP_STORE_ROLES, MGO_M_LEASE_LEADER, -EINVAL},
	};
	struct mgo_sup_store *st = NULL;
	uint64_t refused = 0;
	char *text;

	cr_assert_eq(mgo_sup_store_new(&st), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_metric_series s = counter(rows[i].f, "a", "b", 1);
		cr_assert_eq(mgo_sup_store_put(st, rows[i].role, &s), rows[i].rc, "row %zu", i);
		refused += rows[i].rc != 0;
		cr_assert_eq(st->refused, refused, "row %zu", i);
	}
	text = render(st, true);
	HAS(text, "\nmgo_mustgathers_total{outcome=\"a\",reason=\"b\"} 1\n");
	HAS(text, "\nmgo_child_restarts_total{child=\"launcher\"} 0\n");
	free(text);
	mgo_sup_store_free(st);
}

/* ---- through a child's channel: the frames still in it when it dies count ---- */

struct rig {
	struct mgo_sup s;
	struct mgo_child *c;
	int wfd;
};

static void rig_open(struct rig *r)
{
	int p[2];

	memset(&r->s, 0, sizeof(r->s));
	r->s.cfg.supervisor = (struct mgo_cfg_supervisor){
		.grace_ms = 1000, .heartbeat_ms = 100, .heartbeat_timeout_ms = 1000,
		.ready_timeout_ms = 1000, .restart_delay_ms = 60000, .restart_delay_max_ms = 60000,
		.healthy_after_ms = 60000, .crash_loop_limit = 5};
	cr_assert_eq(mgo_loop_new(&r->s.loop), 0);
	cr_assert_eq(mgo_sup_store_new(&r->s.metrics), 0);
	r->s.n_kids = MGO_SUP_CHILDREN;
	for (size_t i = 0; i < MGO_SUP_CHILDREN; i++) {
		r->s.kids[i] = (struct mgo_child){.role = mgo_sup_start_order[i],
						  .name = mgo_role_name(mgo_sup_start_order[i]),
						  .notify_fd = -1, .out_fd = -1};
		cr_assert_eq(mgo_child_attach(&r->s.kids[i], &r->s), 0);
		if (r->s.kids[i].role == MGO_ROLE_LAUNCHER)
			r->c = &r->s.kids[i];
	}
	/* as the supervisor makes it: one packet per frame */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, p), 0);
	r->c->notify_fd = p[0];
	r->wfd = p[1];
	r->c->state = MGO_CHILD_READY;
	r->c->pid = 999999;                     /* never signalled on this path */
	mgo_sup_store_started(r->s.metrics, MGO_ROLE_LAUNCHER);
}

static void rig_close(struct rig *r)
{
	if (r->wfd >= 0)
		close(r->wfd);
	for (size_t i = 0; i < MGO_SUP_CHILDREN; i++)
		mgo_child_free(&r->s.kids[i]);
	mgo_sup_store_free(r->s.metrics);
	mgo_loop_free(r->s.loop);
}

static void send_set(int fd, const struct mgo_metrics *m)
{
	uint8_t frame[PIPE_BUF];
	size_t next = 0, len = 0;
	int rc;

	while ((rc = mgo_notify_encode_metrics(m, &next, frame, sizeof(frame), &len)) == 0)
		cr_assert_eq(write(fd, frame, len), (ssize_t)len);
	cr_assert_eq(rc, -ENODATA);
}

Test(sup_store, a_dead_childs_last_frames_are_read_and_carried)
{
	struct rig r;
	struct mgo_metrics *m = calloc(1, sizeof(*m));
	const char *denied[] = {"denied", "InvalidImage"};
	char *text = NULL;
	size_t len = 0;

	rig_open(&r);
	cr_assert_not(mgo_sup_lease_known(&r.s));
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, denied, 3), 0);
	cr_assert_eq(mgo_metric_set(m, MGO_M_LEASE_LEADER, NULL, 1), 0);
	/* not the launcher's to say: refused, and the rest still taken */
	cr_assert_eq(mgo_metric_add(m, MGO_M_VERDICTS, denied, 1), 0);
	send_set(r.wfd, m);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, denied, 4), 0);
	send_set(r.wfd, m);                     /* the totals again: 7, not 10 */
	close(r.wfd);
	r.wfd = -1;

	mgo_child_exited(r.c, W_EXITCODE(1, 0));
	cr_assert_eq(r.c->state, MGO_CHILD_BACKOFF);
	cr_assert_not(mgo_sup_lease_known(&r.s), "forgotten with its process");
	cr_assert_eq(mgo_sup_metrics_render(&r.s, &text, &len), 0);
	HAS(text, "\nmgo_mustgathers_total{outcome=\"denied\",reason=\"InvalidImage\"} 7\n");
	HAS(text, "\nmgo_child_up{child=\"launcher\"} 0\n");
	LACKS(text, "\nmgo_lease_leader ");
	LACKS(text, "\nmgo_verdicts_total{");
	cr_assert_eq(r.s.metrics->refused, 2, "one per frame that carried it");
	cr_assert_eq(strlen(text), len);
	free(text);
	free(m);
	rig_close(&r);
}

Test(sup_store, a_supervised_process_sends_its_own_set)
{
	struct rig r;
	struct mgo_supervised sv;
	struct mgo_metrics *m = mgo_metrics_proc();
	const char *outcome[] = {"denied", "InvalidSpec"};
	char *text = NULL;
	size_t len = 0;

	rig_open(&r);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, outcome, 2), 0);
	cr_assert_eq(mgo_metric_observe(m, MGO_M_RECONCILE_SECONDS, NULL, 0.5), 0);
	/* the first heartbeat goes out at once, the changed set after it */
	cr_assert_eq(mgo_supervised_start(&sv, r.s.loop, r.wfd, MGO_ROLE_LAUNCHER, 60000), 0);
	cr_assert_eq(sv.metrics_sent, m->version);
	mgo_supervised_stop(&sv);
	r.wfd = -1;                             /* closed by the stop */

	mgo_child_exited(r.c, W_EXITCODE(0, 0));
	cr_assert_eq(mgo_sup_metrics_render(&r.s, &text, &len), 0);
	HAS(text, "\nmgo_mustgathers_total{outcome=\"denied\",reason=\"InvalidSpec\"} 2\n");
	HAS(text, "\nmgo_reconcile_duration_seconds_count 1\n");
	free(text);
	rig_close(&r);
}

Test(sup_store, render_without_a_store_says_so)
{
	struct mgo_sup s;
	char *text = NULL;
	size_t len = 0;

	memset(&s, 0, sizeof(s));
	cr_assert_eq(mgo_sup_metrics_render(&s, &text, &len), -ENODATA);
	cr_assert_null(text);
	cr_assert_not(mgo_sup_lease_known(&s));
}

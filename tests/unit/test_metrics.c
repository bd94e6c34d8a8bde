/* The metric registry, sample sets, frames and the Prometheus renderer. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/metrics.h"
#include "mgo/notify.h"

static struct mgo_metrics *fresh(void)
{
	struct mgo_metrics *m = calloc(1, sizeof(*m));

	cr_assert_not_null(m);
	return m;
}

static char *render(const struct mgo_metrics *m)
{
	char *text = NULL;
	size_t len = 0;

	cr_assert_eq(mgo_metrics_render(m, &text, &len), 0);
	cr_assert_eq(strlen(text), len);
	return text;
}

Test(metrics, names_follow_prometheus_conventions)
{
	regex_t name;

	cr_assert_eq(regcomp(&name, "^mgo_[a-z_]+[a-z]$", REG_EXTENDED | REG_NOSUB), 0);
	for (int f = 0; f < MGO_M_FAMILIES; f++) {
		const struct mgo_metric_def *d = &mgo_metric_defs[f];
		size_t n = strlen(d->name);
		bool total = n > 6 && strcmp(d->name + n - 6, "_total") == 0;
		cr_assert_eq(regexec(&name, d->name, 0, NULL, 0), 0, "%s", d->name);
		cr_assert_eq(total, d->kind == MGO_METRIC_COUNTER, "%s: _total iff counter", d->name);
		if (d->kind == MGO_METRIC_HISTOGRAM)
			cr_assert(strstr(d->name, "_seconds"), "%s: a unit", d->name);
		cr_assert(d->help && d->help[0] && !strchr(d->help, '\n') && !strchr(d->help, '\\'));
		cr_assert_eq(mgo_metric_family_by_name(d->name, n), f);
		cr_assert_eq(d->senders == 0, f == MGO_M_CHILD_RESTARTS || f == MGO_M_CHILD_UP,
			     "%s: only the supervisor's own have no sender", d->name);
		cr_assert(!d->by_role || (d->senders & (d->senders - 1)),
			  "%s: role only where several roles send it", d->name);
		for (unsigned i = 0; i < d->nlabels; i++)
			cr_assert(strcmp(d->labels[i], "role") && strcmp(d->labels[i], "le"),
				  "%s: role and le are added, never sent", d->name);
	}
	regfree(&name);
	cr_assert_eq(mgo_metric_family_by_name("mgo_nope", 8), -1);
}

Test(metrics, label_values)
{
	static const struct {
		const char *v;
		bool ok;
	} rows[] = {
		{"", true},
		{"InvalidImage", true},
		{"quay.io/a \"b\" \\c", true},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true},
		{"line\nbreak", false},
		{"tab\there", false},
		{"del\x7f", false},
		{"\xc3", false},                /* truncated sequence */
		{"\xc0\xaf", false},            /* overlong */
		{"\xed\xa0\x80", false},        /* surrogate */
		{"\xf4\x90\x80\x80", false},    /* past U+10FFFF */
		{"\xff", false},
		{"123456789012345678901234567890123456789012345678901234567890123", true},
		{"1234567890123456789012345678901234567890123456789012345678901234", false},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cr_assert_eq(mgo_metric_label_ok(rows[i].v, strlen(rows[i].v)), rows[i].ok, "row %zu",
			     i);
}

Test(metrics, updates_and_refusals)
{
	struct mgo_metrics *m = fresh();
	const char *deny[] = {"denied", "InvalidImage"}, *bad[] = {"denied", "a\nb"};
	const char *res[] = {"mustgathers"};
	uint64_t v;

	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, deny, 1), 0);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, deny, 2), 0);
	cr_assert_eq(mgo_metric_find(m, MGO_M_MUSTGATHERS, deny, 2)->value, 3);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, deny, -1), -EINVAL);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, bad, 1), -EINVAL);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, NULL, 1), -EINVAL);
	cr_assert_eq(mgo_metric_set(m, MGO_M_MUSTGATHERS, deny, 1), -EINVAL, "not a gauge");
	cr_assert_eq(mgo_metric_observe(m, MGO_M_LEASE_LEADER, NULL, 1), -EINVAL);
	cr_assert_eq(mgo_metric_observe(m, MGO_M_RECONCILE_SECONDS, NULL, NAN), -EINVAL);
	cr_assert_eq(mgo_metric_observe(m, MGO_M_RECONCILE_SECONDS, NULL, -1), -EINVAL);
	cr_assert_eq(m->dropped, 7);
	cr_assert_eq(m->n, 1);

	v = m->version;
	cr_assert_eq(mgo_metric_set(m, MGO_M_INFORMER_SYNCED, res, 0), 0);
	cr_assert_gt(m->version, v, "a new gauge at 0 is a change");
	v = m->version;
	cr_assert_eq(mgo_metric_set(m, MGO_M_INFORMER_SYNCED, res, 0), 0);
	cr_assert_eq(m->version, v, "the same value is no change");
	cr_assert_eq(mgo_metric_set(m, MGO_M_INFORMER_SYNCED, res, 1), 0);
	cr_assert_gt(m->version, v);
	cr_assert_eq(mgo_metric_remove(m, MGO_M_INFORMER_SYNCED, res), 0);
	cr_assert_eq(mgo_metric_remove(m, MGO_M_INFORMER_SYNCED, res), -ENOENT);

	/* bucket edges are inclusive (le), past the last only the count */
	double obs[] = {0, 0.005, 0.0051, 10, 11};
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(mgo_metric_observe(m, MGO_M_RECONCILE_SECONDS, NULL, obs[i]), 0);
	const struct mgo_metric_series *h = mgo_metric_find(m, MGO_M_RECONCILE_SECONDS, NULL, 0);
	cr_assert_eq(h->buckets[0], 2);
	cr_assert_eq(h->buckets[1], 1);
	cr_assert_eq(h->buckets[MGO_METRIC_BUCKETS - 1], 1);
	cr_assert_eq(h->count, 5);
	cr_assert_float_eq(h->sum, 21.0101, 1e-9);
	free(m);
}

Test(metrics, a_full_set_refuses_without_allocating)
{
	struct mgo_metrics *m = fresh();
	char code[16];
	const char *l[] = {"get", code};

	for (int i = 0; i < MGO_METRICS_SERIES_MAX; i++) {
		snprintf(code, sizeof(code), "%d", i);
		cr_assert_eq(mgo_metric_add(m, MGO_M_KUBE_REQUESTS, l, 1), 0);
	}
	snprintf(code, sizeof(code), "x");
	cr_assert_eq(mgo_metric_add(m, MGO_M_KUBE_REQUESTS, l, 1), -ENOSPC);
	snprintf(code, sizeof(code), "7");
	cr_assert_eq(mgo_metric_add(m, MGO_M_KUBE_REQUESTS, l, 1), 0, "existing series still count");
	cr_assert_eq(m->dropped, 1);
	free(m);
}

/* ---- frames ---- */

struct got {
	struct mgo_metrics *m;
	size_t calls;
};

static int collect(void *ctx, const struct mgo_metric_series *s)
{
	struct got *g = ctx;

	g->calls++;
	cr_assert_eq(mgo_metrics_put(g->m, s), 0);
	return 0;
}

static void assert_same(const struct mgo_metrics *a, const struct mgo_metrics *b)
{
	cr_assert_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const char *l[MGO_METRIC_LABELS_MAX];
		for (unsigned k = 0; k < a->s[i].nlabels; k++)
			l[k] = a->s[i].labels[k];
		const struct mgo_metric_series *o = mgo_metric_find(b, a->s[i].family, l, a->s[i].nlabels);
		cr_assert_not_null(o, "series %zu", i);
		cr_assert_eq(o->value, a->s[i].value);
		cr_assert_eq(o->count, a->s[i].count);
		cr_assert_eq(o->sum, a->s[i].sum);
		cr_assert_eq(memcmp(o->buckets, a->s[i].buckets, sizeof(o->buckets)), 0);
	}
}

Test(metrics, a_large_set_round_trips_in_pipe_sized_frames)
{
	struct mgo_metrics *m = fresh(), *back = fresh();
	struct got g = {.m = back};
	char code[16], reason[64];
	size_t next = 0, frames = 0, len = 0;
	uint8_t buf[PIPE_BUF];
	int rc;

	for (int i = 0; i < 300; i++) {
		const char *k[] = {"patch", code};
		const char *mg[] = {"denied", reason};
		snprintf(code, sizeof(code), "%d", 100 + i);
		snprintf(reason, sizeof(reason), "%063d", i);
		cr_assert_eq(mgo_metric_add(m, MGO_M_KUBE_REQUESTS, k, (int64_t)i * 1000000007), 0);
		if (i < 150)
			cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, mg, 1), 0);
	}
	cr_assert_eq(mgo_metric_set(m, MGO_M_LEASE_LEADER, NULL, -5), 0, "gauges may be negative");
	cr_assert_eq(mgo_metric_observe(m, MGO_M_RECONCILE_SECONDS, NULL, 0.3), 0);
	while ((rc = mgo_notify_encode_metrics(m, &next, buf, sizeof(buf), &len)) == 0) {
		struct mgo_notify_reader r = {0};
		struct mgo_notify_handlers h = {.metrics = collect, .ctx = &g};
		cr_assert_leq(len, PIPE_BUF);
		cr_assert_eq(mgo_notify_read(&r, buf, len, &h, NULL, 0), 0);
		cr_assert_eq(r.len, 0);
		frames++;
	}
	cr_assert_eq(rc, -ENODATA);
	cr_assert_eq(next, m->n);
	cr_assert_gt(frames, 5, "%zu frames", frames);
	cr_assert_eq(g.calls, m->n);
	assert_same(m, back);
	free(m);
	free(back);
}

/* One series, encoded, for the bad-frame table to corrupt. */
static size_t one_frame(uint8_t *buf, enum mgo_metric_family f)
{
	struct mgo_metrics *m = fresh();
	const char *l[] = {"a", "b"};
	size_t next = 0, len = 0;

	if (f == MGO_M_RECONCILE_SECONDS)
		cr_assert_eq(mgo_metric_observe(m, f, NULL, 1), 0);
	else
		cr_assert_eq(mgo_metric_add(m, f, l, 5), 0);
	cr_assert_eq(mgo_metrics_encode(m, &next, buf, 1024, &len), 0);
	free(m);
	return len;
}

Test(metrics, bad_frames_deliver_nothing)
{
	static const struct {
		const char *name;
		int rc;
		const char *msg;
	} rows[] = {
		{"empty", -EBADMSG, "truncated"},
		{"a map", -EBADMSG, "an array expected"},
		{"wrong tag", -EBADMSG, "not a metric frame"},
		{"no series", -EBADMSG, "no series"},
		{"series count beyond the bytes", -EMSGSIZE, "array count"},
		{"unknown family", -EBADMSG, "unknown family"},
		{"two fields", -EBADMSG, "wrong number of fields"},
		{"negative counter", -EBADMSG, "a negative counter"},
		{"label with a newline", -EBADMSG, "not printable"},
		{"trailing byte", -EBADMSG, "trailing bytes"},
		{"truncated", -EBADMSG, "truncated"},
		{"buckets beyond the count", -EBADMSG, "exceed the count"},
		{"infinite sum", -EBADMSG, "sum out of range"},
		{"huge string length", -EMSGSIZE, "string too long"},
	};
	uint8_t good[1024], hist[1024], buf[1100];
	size_t gn = one_frame(good, MGO_M_MUSTGATHERS), hn = one_frame(hist, MGO_M_RECONCILE_SECONDS);

	/* good: 92 a7"metrics" 91 93 b5"mgo_mustgathers_total" 92 a1'a' a1'b' 05,
	 * a histogram ends with its count (1) and cb <sum as 8 bytes> */
	cr_assert_eq(gn, 1 + 8 + 1 + 1 + 22 + 1 + 2 + 2 + 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_metrics *m = fresh();
		struct got g = {.m = m};
		char err[256] = "";
		size_t n = gn;
		memcpy(buf, good, gn);
		switch (i) {
		case 0: n = 0; break;
		case 1: buf[0] = 0x82; break;
		case 2: buf[2] = 'M'; break;
		case 3: buf[9] = 0x90; n = 10; break;
		case 4: buf[9] = 0xdd; buf[10] = 0x7f; break;
		case 5: buf[12 + 5] = 'X'; break;
		case 6: buf[10] = 0x92; break;
		case 7: buf[gn - 1] = 0xff; break;
		case 8: buf[gn - 2] = '\n'; break;
		case 9: buf[gn] = 0xc0; n = gn + 1; break;
		case 10: n = gn - 1; break;
		case 11: memcpy(buf, hist, hn); n = hn; buf[hn - 10] = 0; break;
		case 12: memcpy(buf, hist, hn); n = hn; buf[hn - 8] = 0x7f; buf[hn - 7] = 0xf0;
			 memset(buf + hn - 6, 0, 6); break;
		case 13: buf[11] = 0xdb; memset(buf + 12, 0xff, 4); break;
		}
		int rc = mgo_metrics_decode(buf, n, collect, &g, err, sizeof(err));
		cr_assert_eq(rc, rows[i].rc, "%s: %d %s", rows[i].name, rc, err);
		cr_assert(strstr(err, rows[i].msg), "%s: %s", rows[i].name, err);
		cr_assert_eq(g.calls, 0, "%s", rows[i].name);
		free(m);
	}
}

Test(metrics, a_frame_half_bad_delivers_none_of_it)
{
	struct mgo_metrics *m = fresh(), *back = fresh();
	struct got g = {.m = back};
	const char *a[] = {"launched", ""}, *b[] = {"denied", "InvalidSpec"};
	uint8_t buf[1024];
	size_t next = 0, len = 0;

	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, a, 1), 0);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, b, 1), 0);
	cr_assert_eq(mgo_metrics_encode(m, &next, buf, sizeof(buf), &len), 0);
	cr_assert_eq(buf[len - 1], 1);
	buf[len - 1] = 0xff;                    /* the second counter: -1 */
	cr_assert_eq(mgo_metrics_decode(buf, len, collect, &g, NULL, 0), -EBADMSG);
	cr_assert_eq(g.calls, 0);
	free(m);
	free(back);
}

/* ---- rendering ---- */

Test(metrics, render_is_prometheus_text)
{
	struct mgo_metrics *child = fresh(), *m = fresh();
	const char *k1[] = {"list", "200"}, *k2[] = {"get", "404"};
	const char *mg1[] = {"denied", "Invalid\"Image\\\n"}, *mg2[] = {"completed", "Completed"};
	char *text;

	cr_assert_eq(mgo_metric_add(child, MGO_M_KUBE_REQUESTS, k1, 3), 0);
	cr_assert_eq(mgo_metric_add(child, MGO_M_KUBE_REQUESTS, k2, 1), 0);
	cr_assert_eq(mgo_metric_observe(child, MGO_M_RECONCILE_SECONDS, NULL, 0.02), 0);
	cr_assert_eq(mgo_metric_observe(child, MGO_M_RECONCILE_SECONDS, NULL, 3), 0);
	cr_assert_eq(mgo_metric_set(child, MGO_M_LEASE_LEADER, NULL, 1), 0);
	cr_assert_eq(mgo_metrics_merge(m, child, "launcher"), 0);
	/* the renderer escapes what a merged set holds, whatever put it there */
	struct mgo_metric_series s = {.family = MGO_M_MUSTGATHERS, .nlabels = 2, .value = 2};
	strcpy(s.labels[0], mg1[0]);
	strcpy(s.labels[1], mg1[1]);
	cr_assert_eq(mgo_metrics_put(m, &s), 0);
	cr_assert_eq(mgo_metric_add(m, MGO_M_MUSTGATHERS, mg2, 4), 0);
	text = render(m);

	static const char *const want[] = {
		"# HELP mgo_mustgathers_total MustGathers acted on by the launcher, by outcome and condition reason.\n"
		"# TYPE mgo_mustgathers_total counter\n"
		"mgo_mustgathers_total{outcome=\"completed\",reason=\"Completed\"} 4\n"
		"mgo_mustgathers_total{outcome=\"denied\",reason=\"Invalid\\\"Image\\\\\\n\"} 2\n"
		"# HELP mgo_verdicts_total ",
		"# TYPE mgo_kube_requests_total counter\n"
		"mgo_kube_requests_total{role=\"launcher\",verb=\"get\",code=\"404\"} 1\n"
		"mgo_kube_requests_total{role=\"launcher\",verb=\"list\",code=\"200\"} 3\n"
		"# HELP mgo_watch_restarts_total",
		"# TYPE mgo_reconcile_duration_seconds histogram\n"
		"mgo_reconcile_duration_seconds_bucket{le=\"0.005\"} 0\n"
		"mgo_reconcile_duration_seconds_bucket{le=\"0.01\"} 0\n"
		"mgo_reconcile_duration_seconds_bucket{le=\"0.025\"} 1\n"
		"mgo_reconcile_duration_seconds_bucket{le=\"0.05\"} 1\n",
		"mgo_reconcile_duration_seconds_bucket{le=\"2.5\"} 1\n"
		"mgo_reconcile_duration_seconds_bucket{le=\"5\"} 2\n"
		"mgo_reconcile_duration_seconds_bucket{le=\"10\"} 2\n"
		"mgo_reconcile_duration_seconds_bucket{le=\"+Inf\"} 2\n"
		"mgo_reconcile_duration_seconds_sum 3.02\n"
		"mgo_reconcile_duration_seconds_count 2\n",
		"# TYPE mgo_lease_leader gauge\nmgo_lease_leader 1\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(text, want[i]), "missing:\n%s\nin:\n%s", want[i], text);
	/* every family is announced once, in registry order */
	const char *at = text;
	for (int f = 0; f < MGO_M_FAMILIES; f++) {
		char help[128];
		snprintf(help, sizeof(help), "# HELP %s ", mgo_metric_defs[f].name);
		const char *p = strstr(at, help);
		cr_assert_not_null(p, "%s", help);
		at = p + 1;
	}
	cr_assert_eq(text[strlen(text) - 1], '\n');
	free(text);
	free(child);
	free(m);
}

Test(metrics, render_of_nothing_still_announces_families)
{
	struct mgo_metrics *m = fresh();
	char *text = render(m);
	size_t lines = 0;

	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 2 * MGO_M_FAMILIES);
	free(text);
	free(m);
}

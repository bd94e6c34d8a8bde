/* The metric registry and the fixed-capacity sample sets: see mgo/metrics.h. */
#include "mgo/metrics.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define W (1u << MGO_ROLE_WATCHER)
#define V (1u << MGO_ROLE_VALIDATOR)
#define L (1u << MGO_ROLE_LAUNCHER)

const struct mgo_metric_def mgo_metric_defs[MGO_M_FAMILIES] = {
	[MGO_M_MUSTGATHERS] = {"mgo_mustgathers_total",
			       "MustGathers acted on by the launcher, by outcome and condition reason.",
			       MGO_METRIC_COUNTER, false, L, 2, {"outcome", "reason"}},
	[MGO_M_VERDICTS] = {"mgo_verdicts_total", "Acts sent by the validator, by verdict and reason.",
			    MGO_METRIC_COUNTER, false, V, 2, {"verdict", "reason"}},
	[MGO_M_KUBE_REQUESTS] = {"mgo_kube_requests_total",
				 "HTTP exchanges with the API server, retries included; code 0: no response.",
				 MGO_METRIC_COUNTER, true, W | L, 2, {"verb", "code"}},
	[MGO_M_WATCH_RESTARTS] = {"mgo_watch_restarts_total",
				  "Watches resumed from a resourceVersion, by resource.",
				  MGO_METRIC_COUNTER, false, W, 1, {"resource"}},
	[MGO_M_RELISTS] = {"mgo_relists_total", "Lists after the first one (410 Gone), by resource.",
			   MGO_METRIC_COUNTER, false, W, 1, {"resource"}},
	[MGO_M_INFORMER_SYNCED] = {"mgo_informer_synced",
				   "1 once the watcher's informer has listed the resource.",
				   MGO_METRIC_GAUGE, false, W, 1, {"resource"}},
	[MGO_M_IPC_MESSAGES] = {"mgo_ipc_messages_total",
				"IPC messages decoded by the receiving role, by sending peer and type.",
				MGO_METRIC_COUNTER, true, W | V | L, 2, {"peer", "type"}},
	[MGO_M_IPC_REJECTED] = {"mgo_ipc_rejected_total",
				"IPC messages or connections refused by the receiving role, by peer and reason.",
				MGO_METRIC_COUNTER, true, W | V | L, 2, {"peer", "reason"}},
	[MGO_M_CHILD_RESTARTS] = {"mgo_child_restarts_total",
				  "Starts of a child process after its first one.",
				  MGO_METRIC_COUNTER, false, 0, 1, {"child"}},
	[MGO_M_CHILD_UP] = {"mgo_child_up", "1 while the child process runs and is ready.",
			    MGO_METRIC_GAUGE, false, 0, 1, {"child"}},
	[MGO_M_QUEUE_DEPTH] = {"mgo_queue_depth",
			       "Work waiting: the watcher's MustGathers awaiting a verdict, the launcher's Acts queued or in flight.",
			       MGO_METRIC_GAUGE, true, W | L, 0, {0}},
	[MGO_M_RECONCILE_SECONDS] = {"mgo_reconcile_duration_seconds",
				     "Seconds from the launcher receiving an Act to the end of its API writes.",
				     MGO_METRIC_HISTOGRAM, false, L, 0, {0}},
	[MGO_M_LEASE_LEADER] = {"mgo_lease_leader",
				"1 while the launcher holds the leader Lease, 0 on standby.",
				MGO_METRIC_GAUGE, false, L, 0, {0}},
	[MGO_M_LAUNCHER_REFUSALS] = {"mgo_launcher_refusals_total",
				     "Acts the launcher refused after reading the objects they are about, by the check that failed.",
				     MGO_METRIC_COUNTER, false, L, 1, {"check"}},
	[MGO_M_LAUNCHER_SHED] = {"mgo_launcher_acts_shed_total",
				 "Acts the launcher did not take because it held gathers.maxPendingActs already; the watcher sends them again.",
				 MGO_METRIC_COUNTER, false, L, 0, {0}},
	[MGO_M_LAUNCHER_HELD] = {"mgo_launcher_held_launches",
				 "Launches waiting because their namespace runs gathers.maxRunningPerNamespace gathers (their MustGathers say Queued, NamespaceLimit).",
				 MGO_METRIC_GAUGE, false, L, 0, {0}},
};

#undef W
#undef V
#undef L

/* Prometheus' default buckets: reconciles span a local API call (ms) to
 * retries with backoff (s). */
const double mgo_metric_bucket_le[MGO_METRIC_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
							  0.5,   1,    2.5,   5,    10};
const char *const mgo_metric_bucket_le_text[MGO_METRIC_BUCKETS] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};

struct mgo_metrics *mgo_metrics_proc(void)
{
	static struct mgo_metrics proc;

	return &proc;
}

int mgo_metric_family_by_name(const char *name, size_t len)
{
	for (int f = 0; f < MGO_M_FAMILIES; f++)
		if (strlen(mgo_metric_defs[f].name) == len && memcmp(mgo_metric_defs[f].name, name, len) == 0)
			return f;
	return -1;
}

/* Length of the UTF-8 sequence starting at p (at most n bytes), 0 when it is
 * not one: overlong forms, surrogates and values past U+10FFFF refused. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool mgo_metric_label_ok(const char *v, size_t len)
{
	const unsigned char *p = (const unsigned char *)v;

	if (len > MGO_METRIC_VALUE_MAX)
		return false;
	for (size_t i = 0; i < len;) {
		size_t k;
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		if (!(k = utf8_seq(p + i, len - i)))
			return false;
		i += k;
	}
	return true;
}

static bool same_labels(const struct mgo_metric_series *s, const char *const *labels,
			unsigned nlabels)
{
	if (s->nlabels != nlabels)
		return false;
	for (unsigned i = 0; i < nlabels; i++)
		if (strcmp(s->labels[i], labels[i]) != 0)
			return false;
	return true;
}

const struct mgo_metric_series *mgo_metric_find(const struct mgo_metrics *m,
						enum mgo_metric_family f,
						const char *const *labels, unsigned nlabels)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->s[i].family == f && same_labels(&m->s[i], labels, nlabels))
			return &m->s[i];
	return NULL;
}

/* The series (f, labels), created at zero when absent; NULL when the set is
 * full. Labels must have been checked. */
static struct mgo_metric_series *series_at(struct mgo_metrics *m, enum mgo_metric_family f,
					   const char *const *labels, unsigned nlabels)
{
	struct mgo_metric_series *s = (struct mgo_metric_series *)mgo_metric_find(m, f, labels, nlabels);

	if (s)
		return s;
	if (m->n == MGO_METRICS_SERIES_MAX)
		return NULL;
	s = &m->s[m->n++];
	memset(s, 0, sizeof(*s));
	s->family = f;
	s->nlabels = nlabels;
	for (unsigned i = 0; i < nlabels; i++)
		memcpy(s->labels[i], labels[i], strlen(labels[i]) + 1);
	return s;
}

/* Whether labels holds the family's label count of valid values. */
static bool labels_ok(enum mgo_metric_family f, const char *const *labels)
{
	for (unsigned i = 0; i < mgo_metric_defs[f].nlabels; i++)
		if (!labels || !labels[i] || !mgo_metric_label_ok(labels[i], strlen(labels[i])))
			return false;
	return true;
}

/* The series an update of kind `kind` goes to, or NULL with *rc set and the
 * refusal counted. */
static struct mgo_metric_series *updating(struct mgo_metrics *m, enum mgo_metric_family f,
					  const char *const *labels, enum mgo_metric_kind kind,
					  int *rc)
{
	struct mgo_metric_series *s = NULL;

	*rc = -EINVAL;
	if ((unsigned)f >= MGO_M_FAMILIES || mgo_metric_defs[f].kind != kind ||
	    !labels_ok(f, labels))
		goto out;
	*rc = -ENOSPC;
	s = series_at(m, f, labels, mgo_metric_defs[f].nlabels);
	if (s)
		*rc = 0;
out:
	if (*rc)
		m->dropped++;
	return s;
}

int mgo_metric_add(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels,
		   int64_t n)
{
	struct mgo_metric_series *s;
	size_t had = m->n;
	int rc;

	if (n < 0) {
		m->dropped++;
		return -EINVAL;
	}
	if ((s = updating(m, f, labels, MGO_METRIC_COUNTER, &rc)) && (n > 0 || m->n != had)) {
		s->value += n;
		m->version++;
	}
	return rc;
}

int mgo_metric_total(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels,
		     int64_t total)
{
	const struct mgo_metric_series *s;
	int64_t now = 0;

	if ((unsigned)f < MGO_M_FAMILIES && labels_ok(f, labels) &&
	    (s = mgo_metric_find(m, f, labels, mgo_metric_defs[f].nlabels)))
		now = s->value;
	if (total < now) {
		m->dropped++;
		return -ERANGE;
	}
	return mgo_metric_add(m, f, labels, total - now);
}

int mgo_metric_set(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels,
		   int64_t v)
{
	struct mgo_metric_series *s;
	size_t had = m->n;
	int rc;

	/* an unchanged gauge is no change, and costs no frame */
	if ((s = updating(m, f, labels, MGO_METRIC_GAUGE, &rc)) && (s->value != v || m->n != had)) {
		s->value = v;
		m->version++;
	}
	return rc;
}

int mgo_metric_observe(struct mgo_metrics *m, enum mgo_metric_family f,
		       const char *const *labels, double v)
{
	struct mgo_metric_series *s;
	unsigned b = 0;
	int rc;

	if (!isfinite(v) || v < 0) {
		m->dropped++;
		return -EINVAL;
	}
	if (!(s = updating(m, f, labels, MGO_METRIC_HISTOGRAM, &rc)))
		return rc;
	while (b < MGO_METRIC_BUCKETS && v > mgo_metric_bucket_le[b])
		b++;
	if (b < MGO_METRIC_BUCKETS)
		s->buckets[b]++;
	s->count++;
	s->sum += v;
	m->version++;
	return 0;
}

int mgo_metric_remove(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels)
{
	const struct mgo_metric_series *s;

	if ((unsigned)f >= MGO_M_FAMILIES || !labels_ok(f, labels) ||
	    !(s = mgo_metric_find(m, f, labels, mgo_metric_defs[f].nlabels)))
		return -ENOENT;
	/* order does not matter: the renderer sorts */
	m->s[s - m->s] = m->s[m->n - 1];
	m->n--;
	m->version++;
	return 0;
}

int mgo_metrics_put(struct mgo_metrics *m, const struct mgo_metric_series *s)
{
	const char *labels[MGO_METRIC_LABELS_MAX + 1];
	struct mgo_metric_series *at;

	for (unsigned i = 0; i < s->nlabels; i++)
		labels[i] = s->labels[i];
	if (!(at = series_at(m, s->family, labels, s->nlabels))) {
		m->dropped++;
		return -ENOSPC;
	}
	*at = *s;
	m->version++;
	return 0;
}

/* Adds src's series into dst, optionally with role in front and without
 * gauges. */
static int merge(struct mgo_metrics *dst, const struct mgo_metrics *src, const char *role,
		 bool gauges)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct mgo_metric_series *in = &src->s[i];
		const struct mgo_metric_def *def = &mgo_metric_defs[in->family];
		const char *labels[MGO_METRIC_LABELS_MAX + 1];
		struct mgo_metric_series *out;
		unsigned n = 0;

		if (def->kind == MGO_METRIC_GAUGE && !gauges)
			continue;
		if (role && def->by_role)
			labels[n++] = role;
		for (unsigned k = 0; k < in->nlabels && n < MGO_METRIC_LABELS_MAX + 1; k++)
			labels[n++] = in->labels[k];
		if (!(out = series_at(dst, in->family, labels, n)))
			return -ENOSPC;
		out->value += in->value;
		out->count += in->count;
		out->sum += in->sum;
		for (unsigned b = 0; b < MGO_METRIC_BUCKETS; b++)
			out->buckets[b] += in->buckets[b];
		dst->version++;
	}
	return 0;
}

int mgo_metrics_merge(struct mgo_metrics *dst, const struct mgo_metrics *src, const char *role)
{
	return merge(dst, src, role, true);
}

int mgo_metrics_carry(struct mgo_metrics *dst, const struct mgo_metrics *src)
{
	return merge(dst, src, NULL, false);
}

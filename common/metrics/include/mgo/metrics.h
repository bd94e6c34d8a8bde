/* Metrics: one static registry of families, a fixed-capacity sample set per
 * process, its encoding as metric frames on the notification pipe
 * (mgo/notify.h), their bounded decoder, and the Prometheus text renderer.
 *
 * A child counts into its own set (mgo_metrics_proc) and sends the whole set,
 * as absolute values, to the supervisor when it changed; a frame lost on a
 * full pipe costs nothing, since the next one carries the totals. The
 * supervisor keeps the latest set of each child, adds the label `role`
 * (families with by_role), and renders everything as one /metrics body.
 *
 * Label values are bounded (MGO_METRIC_VALUE_MAX bytes of UTF-8 without
 * control characters) and come from fixed vocabularies (reasons, verbs, HTTP
 * codes, resources), so a set of MGO_METRICS_SERIES_MAX series is enough; an
 * increment that would need one more series fails with -ENOSPC and is
 * counted in `dropped`, never allocated. */
#ifndef MGO_METRICS_H
#define MGO_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/role.h"

enum mgo_metric_kind {
	MGO_METRIC_COUNTER,
	MGO_METRIC_GAUGE,
	MGO_METRIC_HISTOGRAM,
};

/* The registry, in rendering order. */
enum mgo_metric_family {
	MGO_M_MUSTGATHERS,      /* launcher: {outcome, reason} per Act applied */
	MGO_M_VERDICTS,         /* validator: {verdict, reason} per Act sent */
	MGO_M_KUBE_REQUESTS,    /* watcher, launcher: {role, verb, code} */
	MGO_M_WATCH_RESTARTS,   /* watcher: {resource} */
	MGO_M_RELISTS,          /* watcher: {resource} */
	MGO_M_INFORMER_SYNCED,  /* watcher: {resource} 0/1 */
	MGO_M_IPC_MESSAGES,     /* receivers: {role, peer, type} frames decoded */
	MGO_M_IPC_REJECTED,     /* receivers: {role, peer, reason} frames dropped */
	MGO_M_CHILD_RESTARTS,   /* supervisor: {child} */
	MGO_M_CHILD_UP,         /* supervisor: {child} 1 while ready */
	MGO_M_QUEUE_DEPTH,      /* watcher, launcher: {role} */
	/* launcher: from receiving an Act to the end of the API writes it
	 * caused (success or not), so it includes the API server's latency and
	 * any retries, but not the time the Act spent in the validator. */
	MGO_M_RECONCILE_SECONDS,
	MGO_M_LEASE_LEADER,     /* launcher: 1 leader, 0 standby; absent before known */
	MGO_M_LAUNCHER_REFUSALS,/* launcher: {check} acts refused (docs/monitor.md) */
	MGO_M_LAUNCHER_SHED,    /* launcher: acts not taken, gathers.maxPendingActs reached */
	MGO_M_LAUNCHER_HELD,    /* launcher: launches waiting for their namespace's limit */
	MGO_M_FAMILIES,
};

#define MGO_METRIC_LABELS_MAX 3
#define MGO_METRIC_VALUE_MAX 63         /* bytes of a label value */
#define MGO_METRIC_BUCKETS 11           /* finite buckets; +Inf is the count */
#define MGO_METRICS_SERIES_MAX 512

struct mgo_metric_def {
	const char *name;
	const char *help;
	enum mgo_metric_kind kind;
	/* The supervisor adds role="<child>" in front of the labels below;
	 * children never send it. */
	bool by_role;
	/* Bit 1 << enum mgo_role of each child that may send the family; the
	 * supervisor refuses it from any other, so a compromised watcher cannot
	 * make up MustGather outcomes. 0: the supervisor's own. */
	unsigned senders;
	unsigned nlabels;                       /* sent by the process itself */
	const char *labels[MGO_METRIC_LABELS_MAX];
};

extern const struct mgo_metric_def mgo_metric_defs[MGO_M_FAMILIES];
/* Upper bounds of the finite buckets of every histogram, as numbers and as
 * the text of their `le` label. */
extern const double mgo_metric_bucket_le[MGO_METRIC_BUCKETS];
extern const char *const mgo_metric_bucket_le_text[MGO_METRIC_BUCKETS];

/* The family named `name`, or -1. */
int mgo_metric_family_by_name(const char *name, size_t len);

struct mgo_metric_series {
	enum mgo_metric_family family;
	/* labels[0..nlabels) as in the def; with role first when the series
	 * sits in a merged set (mgo_metrics_merge) and the family is by_role */
	unsigned nlabels;
	char labels[MGO_METRIC_LABELS_MAX + 1][MGO_METRIC_VALUE_MAX + 1];
	int64_t value;                          /* counter, gauge */
	uint64_t buckets[MGO_METRIC_BUCKETS];   /* histogram: per bucket, not cumulative */
	uint64_t count;                         /* histogram: all observations */
	double sum;                             /* histogram */
};

struct mgo_metrics {
	size_t n;
	uint64_t version;                       /* bumped at every change */
	uint64_t dropped;                       /* updates refused: set full, bad label */
	struct mgo_metric_series s[MGO_METRICS_SERIES_MAX];
};

/* The process's own set (static storage; one per process). */
struct mgo_metrics *mgo_metrics_proc(void);

/* Updates of the series with these label values (def.nlabels of them, no
 * role), created at zero if new. Counters take n >= 0 increments; gauges are
 * set; histograms observe a value (seconds for *_seconds). 0, -EINVAL (wrong
 * kind, bad label value or count, negative increment) or -ENOSPC; both count
 * in `dropped`. */
int mgo_metric_add(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels,
		   int64_t n);
int mgo_metric_set(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels,
		   int64_t v);
int mgo_metric_observe(struct mgo_metrics *m, enum mgo_metric_family f,
		       const char *const *labels, double v);
/* A counter kept elsewhere (the API client's, an informer's), copied in as
 * its total: 0, -ERANGE when it would go backwards (left as it was), or as
 * mgo_metric_add. */
int mgo_metric_total(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels,
		     int64_t total);
/* Removes a series (a gauge that no longer means anything); 0 or -ENOENT. */
int mgo_metric_remove(struct mgo_metrics *m, enum mgo_metric_family f, const char *const *labels);
/* The series, or NULL. `labels` has the set's own count for the family. */
const struct mgo_metric_series *mgo_metric_find(const struct mgo_metrics *m,
						enum mgo_metric_family f,
						const char *const *labels, unsigned nlabels);

/* Stores a whole series (absolute values, as decoded from a frame) over the
 * one with the same family and labels, or as a new one. 0 or -ENOSPC. */
int mgo_metrics_put(struct mgo_metrics *m, const struct mgo_metric_series *s);

/* Whether a label value may appear: at most MGO_METRIC_VALUE_MAX bytes of
 * valid UTF-8 without control characters. */
bool mgo_metric_label_ok(const char *v, size_t len);

/* ---- frames: a child's series to the supervisor ---- */

/* Encodes the series s[*next..] that fit into one frame body of at most cap
 * bytes (the msgpack array ["metrics", [series...]]) and advances *next.
 * Every frame holds at least one series. 0 with *len set, -ENOSPC when not
 * even one fits, -ENODATA when *next is at the end already. */
int mgo_metrics_encode(const struct mgo_metrics *m, size_t *next, uint8_t *buf, size_t cap,
		       size_t *len);

/* Whether a frame body is a metric frame rather than a heartbeat (its first
 * byte: an array, where a heartbeat is a map). */
bool mgo_metrics_is_frame(const uint8_t *buf, size_t len);

/* Called per decoded series (without role); nonzero stops the decoding and
 * is returned by it. */
typedef int (*mgo_metrics_fn)(void *ctx, const struct mgo_metric_series *s);

/* Decodes a frame body from an untrusted child without allocating: every
 * length is checked against the bytes left and its limit before it is used,
 * families must exist, label counts match the registry, label values pass
 * mgo_metric_label_ok, counters are not negative, histogram buckets add up to
 * at most the count, and nothing may follow the array. All series are
 * checked before the first one is delivered, so a bad frame delivers none.
 * 0, fn's first nonzero value, or -EBADMSG / -EMSGSIZE with err set. */
int mgo_metrics_decode(const uint8_t *buf, size_t len, mgo_metrics_fn fn, void *ctx, char *err,
		       size_t errlen);

/* ---- merging and rendering (the supervisor) ---- */

/* Adds every series of src into dst: counters and histograms add, gauges
 * too (when two sources have the same gauge). With role != NULL the series of
 * by_role families get role as their first label. 0 or -ENOSPC (dst is then
 * partly merged). */
int mgo_metrics_merge(struct mgo_metrics *dst, const struct mgo_metrics *src, const char *role);
/* Counters and histograms of src added into dst, gauges left out: what a
 * dead child leaves behind so that its counters never go backwards. */
int mgo_metrics_carry(struct mgo_metrics *dst, const struct mgo_metrics *src);

/* The Prometheus text exposition (format 0.0.4) of a merged set: every
 * family's HELP and TYPE in registry order, its series sorted by label
 * values, label values escaped. *text is malloc'd and NUL-terminated (the
 * caller frees it), *len excludes the NUL. 0 or -ENOMEM. */
int mgo_metrics_render(const struct mgo_metrics *m, char **text, size_t *len);

#endif

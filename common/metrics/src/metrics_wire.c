/* Metric frames between a child and the supervisor: see mgo/metrics.h.
 *
 * A frame body is the msgpack array ["metrics", [series...]], a series
 * [name, [label...], value] or, for a histogram, [name, [label...],
 * [bucket...], count, sum]. Encoding uses msgpack-c's packer on a fixed
 * buffer. Decoding is hand-written: msgpack-c trusts declared sizes and
 * allocates for them, while this shape is small and fixed, so reading the
 * raw bytes straight into a fixed struct bounds everything and allocates
 * nothing. */
#include "mgo/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <string.h>

#define FRAME_TAG "metrics"
/* fixarray(2), the tag, and an array32 header: the most a frame spends
 * before its first series */
#define HEAD_MAX (1 + 1 + sizeof(FRAME_TAG) - 1 + 5)
/* the longest series: name, labels, histogram numbers, with headers */
#define SERIES_WIRE_MAX 1024

struct fixbuf {
	uint8_t *p;
	size_t len, cap;
};

static int fix_write(void *data, const char *buf, size_t len)
{
	struct fixbuf *b = data;

	if (len > b->cap - b->len)
		return -1;
	memcpy(b->p + b->len, buf, len);
	b->len += len;
	return 0;
}

static int pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

static int pack_series(msgpack_packer *pk, const struct mgo_metric_series *s)
{
	bool hist = mgo_metric_defs[s->family].kind == MGO_METRIC_HISTOGRAM;
	int bad = msgpack_pack_array(pk, hist ? 5 : 3) ||
		  pack_str(pk, mgo_metric_defs[s->family].name) ||
		  msgpack_pack_array(pk, s->nlabels);

	for (unsigned i = 0; !bad && i < s->nlabels; i++)
		bad = pack_str(pk, s->labels[i]);
	if (bad)
		return -1;
	if (!hist)
		return msgpack_pack_int64(pk, s->value);
	bad = msgpack_pack_array(pk, MGO_METRIC_BUCKETS);
	for (unsigned b = 0; !bad && b < MGO_METRIC_BUCKETS; b++)
		bad = msgpack_pack_uint64(pk, s->buckets[b]);
	return bad || msgpack_pack_uint64(pk, s->count) || msgpack_pack_double(pk, s->sum);
}

int mgo_metrics_encode(const struct mgo_metrics *m, size_t *next, uint8_t *buf, size_t cap,
		       size_t *len)
{
	uint8_t body[4096], one[SERIES_WIRE_MAX];
	struct fixbuf all = {.p = body, .cap = sizeof(body)}, head = {.p = buf, .cap = cap};
	msgpack_packer pk;
	size_t i = *next;

	if (i >= m->n)
		return -ENODATA;
	if (cap <= HEAD_MAX)
		return -ENOSPC;
	if (all.cap > cap - HEAD_MAX)
		all.cap = cap - HEAD_MAX;
	for (; i < m->n; i++) {
		struct fixbuf b = {.p = one, .cap = sizeof(one)};
		msgpack_packer_init(&pk, &b, fix_write);
		if (pack_series(&pk, &m->s[i]) || fix_write(&all, (const char *)one, b.len))
			break;
	}
	if (i == *next)
		return -ENOSPC;
	msgpack_packer_init(&pk, &head, fix_write);
	if (msgpack_pack_array(&pk, 2) || pack_str(&pk, FRAME_TAG) ||
	    msgpack_pack_array(&pk, i - *next) || fix_write(&head, (const char *)body, all.len))
		return -ENOSPC;
	*len = head.len;
	*next = i;
	return 0;
}

bool mgo_metrics_is_frame(const uint8_t *buf, size_t len)
{
	return len > 0 && (buf[0] & 0xf0) == 0x90;
}

/* ---- decoding ---- */

struct rd {
	const uint8_t *p, *end;
	size_t series;          /* index of the series being read, for messages */
	char *err;
	size_t errlen;
};

static int bad(struct rd *r, int rc, const char *what)
{
	snprintf(r->err, r->errlen, "metric frame, series %zu: %s", r->series, what);
	return rc;
}

static size_t left(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

/* An n-byte big-endian unsigned number. */
static int be(struct rd *r, size_t n, uint64_t *v)
{
	if (left(r) < n)
		return bad(r, -EBADMSG, "truncated");
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v << 8 | *r->p++;
	return 0;
}

/* An array header; its count must be possible in the bytes left (each
 * element takes at least one) and at most max. */
static int array(struct rd *r, uint64_t max, uint64_t *n)
{
	uint8_t b;
	int rc = 0;

	if (!left(r))
		return bad(r, -EBADMSG, "truncated");
	b = *r->p++;
	if ((b & 0xf0) == 0x90)
		*n = b & 0x0f;
	else if (b == 0xdc || b == 0xdd)
		rc = be(r, b == 0xdc ? 2 : 4, n);
	else
		return bad(r, -EBADMSG, "an array expected");
	if (rc)
		return rc;
	if (*n > max || *n > left(r))
		return bad(r, -EMSGSIZE, "array count out of range");
	return 0;
}

/* A string of at most max bytes, borrowed from the frame. */
static int str(struct rd *r, size_t max, const char **s, size_t *n)
{
	uint64_t len = 0;
	uint8_t b;
	int rc = 0;

	if (!left(r))
		return bad(r, -EBADMSG, "truncated");
	b = *r->p++;
	if ((b & 0xe0) == 0xa0)
		len = b & 0x1f;
	else if (b >= 0xd9 && b <= 0xdb)
		rc = be(r, (size_t)1 << (b - 0xd9), &len);
	else
		return bad(r, -EBADMSG, "a string expected");
	if (rc)
		return rc;
	if (len > max)
		return bad(r, -EMSGSIZE, "string too long");
	if (len > left(r))
		return bad(r, -EBADMSG, "truncated");
	*s = (const char *)r->p;
	*n = (size_t)len;
	r->p += len;
	return 0;
}

/* Any msgpack integer that fits an int64. */
static int integer(struct rd *r, int64_t *v)
{
	uint64_t u = 0;
	uint8_t b;
	int rc;

	if (!left(r))
		return bad(r, -EBADMSG, "truncated");
	b = *r->p++;
	if (b <= 0x7f) {
		*v = b;
		return 0;
	}
	if (b >= 0xe0) {
		*v = (int8_t)b;
		return 0;
	}
	if (b >= 0xcc && b <= 0xcf) {
		if ((rc = be(r, (size_t)1 << (b - 0xcc), &u)))
			return rc;
		if (u > INT64_MAX)
			return bad(r, -EBADMSG, "number out of range");
		*v = (int64_t)u;
		return 0;
	}
	if (b >= 0xd0 && b <= 0xd3) {
		size_t n = (size_t)1 << (b - 0xd0);
		if ((rc = be(r, n, &u)))
			return rc;
		/* sign-extend from n bytes */
		if (n < 8 && (u >> (8 * n - 1)))
			u |= ~UINT64_C(0) << (8 * n);
		memcpy(v, &u, sizeof(*v));
		return 0;
	}
	return bad(r, -EBADMSG, "an integer expected");
}

static int unsigned_int(struct rd *r, uint64_t *v)
{
	int64_t i = 0;
	int rc = integer(r, &i);

	if (rc)
		return rc;
	if (i < 0)
		return bad(r, -EBADMSG, "a negative count");
	*v = (uint64_t)i;
	return 0;
}

static int float64(struct rd *r, double *v)
{
	uint64_t u = 0;
	int rc;

	if (!left(r) || *r->p != 0xcb)
		return bad(r, -EBADMSG, "a float64 expected");
	r->p++;
	if ((rc = be(r, 8, &u)))
		return rc;
	memcpy(v, &u, sizeof(*v));
	if (!isfinite(*v) || *v < 0)
		return bad(r, -EBADMSG, "a histogram sum out of range");
	return 0;
}

static int read_series(struct rd *r, struct mgo_metric_series *s)
{
	const struct mgo_metric_def *def;
	const char *p = NULL;
	uint64_t n = 0, total = 0;
	size_t len = 0;
	int f, rc;

	memset(s, 0, sizeof(*s));
	if ((rc = array(r, 5, &n)))
		return rc;
	if ((rc = str(r, 64, &p, &len)))
		return rc;
	if ((f = mgo_metric_family_by_name(p, len)) < 0)
		return bad(r, -EBADMSG, "unknown family");
	s->family = (enum mgo_metric_family)f;
	def = &mgo_metric_defs[f];
	if (n != (def->kind == MGO_METRIC_HISTOGRAM ? 5u : 3u))
		return bad(r, -EBADMSG, "wrong number of fields for its kind");
	if ((rc = array(r, MGO_METRIC_LABELS_MAX, &n)))
		return rc;
	if (n != def->nlabels)
		return bad(r, -EBADMSG, "wrong number of labels");
	s->nlabels = (unsigned)n;
	for (unsigned i = 0; i < s->nlabels; i++) {
		if ((rc = str(r, MGO_METRIC_VALUE_MAX, &p, &len)))
			return rc;
		if (!mgo_metric_label_ok(p, len))
			return bad(r, -EBADMSG, "label value not printable UTF-8");
		memcpy(s->labels[i], p, len);
		s->labels[i][len] = '\0';
	}
	if (def->kind != MGO_METRIC_HISTOGRAM) {
		if ((rc = integer(r, &s->value)))
			return rc;
		if (def->kind == MGO_METRIC_COUNTER && s->value < 0)
			return bad(r, -EBADMSG, "a negative counter");
		return 0;
	}
	if ((rc = array(r, MGO_METRIC_BUCKETS, &n)))
		return rc;
	if (n != MGO_METRIC_BUCKETS)
		return bad(r, -EBADMSG, "wrong number of buckets");
	for (unsigned b = 0; b < MGO_METRIC_BUCKETS; b++) {
		if ((rc = unsigned_int(r, &s->buckets[b])))
			return rc;
		if (s->buckets[b] > UINT64_MAX - total)
			return bad(r, -EBADMSG, "buckets overflow");
		total += s->buckets[b];
	}
	if ((rc = unsigned_int(r, &s->count)) || (rc = float64(r, &s->sum)))
		return rc;
	if (total > s->count)
		return bad(r, -EBADMSG, "buckets exceed the count");
	return 0;
}

/* One pass over the frame; with fn NULL it only checks. */
static int walk(const uint8_t *buf, size_t len, mgo_metrics_fn fn, void *ctx, char *err,
		size_t errlen)
{
	struct rd r = {.p = buf, .end = buf + len, .err = err, .errlen = errlen};
	struct mgo_metric_series s;
	const char *tag = NULL;
	size_t tlen = 0;
	uint64_t n = 0, count = 0;
	int rc;

	if ((rc = array(&r, 2, &n)))
		return rc;
	if (n != 2)
		return bad(&r, -EBADMSG, "not a metric frame");
	if ((rc = str(&r, sizeof(FRAME_TAG), &tag, &tlen)))
		return rc;
	if (tlen != sizeof(FRAME_TAG) - 1 || memcmp(tag, FRAME_TAG, tlen) != 0)
		return bad(&r, -EBADMSG, "not a metric frame");
	if ((rc = array(&r, MGO_METRICS_SERIES_MAX, &count)))
		return rc;
	if (count == 0)
		return bad(&r, -EBADMSG, "no series");
	for (r.series = 0; r.series < count; r.series++) {
		if ((rc = read_series(&r, &s)))
			return rc;
		if (fn && (rc = fn(ctx, &s)))
			return rc;
	}
	if (left(&r))
		return bad(&r, -EBADMSG, "trailing bytes");
	return 0;
}

int mgo_metrics_decode(const uint8_t *buf, size_t len, mgo_metrics_fn fn, void *ctx, char *err,
		       size_t errlen)
{
	char scratch[8];
	int rc;

	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = '\0';
	if ((rc = walk(buf, len, NULL, NULL, err, errlen)))
		return rc;
	return walk(buf, len, fn, ctx, err, errlen);
}

/* The supervisor -> mgo-health snapshot frames: see mgo/snapshot.h. */
#include "mgo/snapshot.h"

#include <errno.h>
#include <stdint.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/schema.h"

enum key { K_V, K_SEQ, K_HEALTHY, K_READY, K_HEALTH_WHY, K_READY_WHY, K_METRICS, K_N };

static const char *const key_names[K_N] = {"v", "seq", "healthy", "ready", "health_why",
					   "ready_why", "metrics"};

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int mgo_snap_encode(const struct mgo_snapshot *s, uint8_t **out, size_t *len)
{
	const char *hw = or_empty(s->health_why), *rw = or_empty(s->ready_why),
		   *metrics = or_empty(s->metrics);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t body;
	int rc = 0;

	*out = NULL;
	if (strlen(hw) > MGO_SNAP_WHY_MAX || strlen(rw) > MGO_SNAP_WHY_MAX ||
	    strlen(metrics) > MGO_SNAP_METRICS_MAX)
		return -EMSGSIZE;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	/* the length prefix, patched once the body's size is known; sbuffer
	 * writes only fail for want of memory, checked through sb.data */
	msgpack_sbuffer_write(&sb, "\0\0\0\0", 4);
	msgpack_pack_map(&pk, K_N);
	pack_str(&pk, key_names[K_V]);
	msgpack_pack_uint32(&pk, MGO_SNAP_VERSION);
	pack_str(&pk, key_names[K_SEQ]);
	msgpack_pack_uint64(&pk, s->seq);
	pack_str(&pk, key_names[K_HEALTHY]);
	s->healthy ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	pack_str(&pk, key_names[K_READY]);
	s->ready ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	pack_str(&pk, key_names[K_HEALTH_WHY]);
	pack_str(&pk, hw);
	pack_str(&pk, key_names[K_READY_WHY]);
	pack_str(&pk, rw);
	pack_str(&pk, key_names[K_METRICS]);
	if (msgpack_pack_str(&pk, strlen(metrics)) || msgpack_pack_str_body(&pk, metrics,
									  strlen(metrics))) {
		rc = -ENOMEM;
		goto out;
	}
	body = sb.size - 4;
	if (body > MGO_SNAP_FRAME_MAX) {
		rc = -EMSGSIZE;
		goto out;
	}
	sb.data[0] = (char)(body >> 24);
	sb.data[1] = (char)(body >> 16);
	sb.data[2] = (char)(body >> 8);
	sb.data[3] = (char)body;
	*out = (uint8_t *)msgpack_sbuffer_release(&sb);
	*len = body + 4;
out:
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

void mgo_snap_free(struct mgo_snapshot *s)
{
	if (!s)
		return;
	free(s->health_why);
	free(s->ready_why);
	free(s->metrics);
	memset(s, 0, sizeof(*s));
}

/* key may be "" for the frame as a whole. */
static int bad(char *err, size_t errlen, const char *key, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s", key, *key ? ": " : "", what);
	return -EBADMSG;
}

static int want_str(const msgpack_object *v, const char *key, size_t max, char **out, char *err,
		    size_t errlen)
{
	struct mgo_fpath p = {0};

	if (v->type != MSGPACK_OBJECT_STR)
		return bad(err, errlen, key, "not a string");
	mgo_fpath_push(&p, key, strlen(key));
	return mgo_schema_strdup(v->via.str.ptr, v->via.str.size, max, out, &p, err, errlen);
}

static int decode_field(enum key k, const msgpack_object *v, struct mgo_snapshot *s, char *err,
			size_t errlen)
{
	const char *key = key_names[k];

	switch (k) {
	case K_V:
		if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return bad(err, errlen, key, "not a version number");
		if (v->via.u64 != MGO_SNAP_VERSION) {
			if (err && errlen)
				snprintf(err, errlen, "v: version %llu, not %d",
					 (unsigned long long)v->via.u64, MGO_SNAP_VERSION);
			return -EPROTONOSUPPORT;
		}
		return 0;
	case K_SEQ:
		if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return bad(err, errlen, key, "not an unsigned integer");
		s->seq = v->via.u64;
		return 0;
	case K_HEALTHY:
	case K_READY:
		if (v->type != MSGPACK_OBJECT_BOOLEAN)
			return bad(err, errlen, key, "not a boolean");
		*(k == K_HEALTHY ? &s->healthy : &s->ready) = v->via.boolean;
		return 0;
	case K_HEALTH_WHY:
		return want_str(v, key, MGO_SNAP_WHY_MAX, &s->health_why, err, errlen);
	case K_READY_WHY:
		return want_str(v, key, MGO_SNAP_WHY_MAX, &s->ready_why, err, errlen);
	case K_METRICS:
		return want_str(v, key, MGO_SNAP_METRICS_MAX, &s->metrics, err, errlen);
	default:
		return -EBADMSG;
	}
}

static int decode_map(const msgpack_object *o, struct mgo_snapshot *s, char *err, size_t errlen)
{
	unsigned seen = 0;
	int rc = 0;

	if (o->type != MSGPACK_OBJECT_MAP)
		return bad(err, errlen, "", "not a map");
	for (uint32_t i = 0; i < o->via.map.size && !rc; i++) {
		const msgpack_object *kobj = &o->via.map.ptr[i].key;
		enum key k = K_N;

		/* the walk let only string keys through */
		for (int j = 0; j < K_N; j++)
			if (kobj->via.str.size == strlen(key_names[j]) &&
			    memcmp(kobj->via.str.ptr, key_names[j], kobj->via.str.size) == 0)
				k = (enum key)j;
		if (k == K_N) {
			if (err && errlen)
				snprintf(err, errlen, "unknown key \"%.*s\"", (int)kobj->via.str.size,
					 kobj->via.str.ptr);
			return -EBADMSG;
		}
		if (seen & (1u << k))
			return bad(err, errlen, key_names[k], "repeated");
		seen |= 1u << k;
		rc = decode_field(k, &o->via.map.ptr[i].val, s, err, errlen);
	}
	for (int j = 0; !rc && j < K_N; j++)
		if (!(seen & (1u << j)))
			rc = bad(err, errlen, key_names[j], "missing");
	return rc;
}

/* Bytes a scalar's header (tag byte included) says it spans, its string
 * body included; 0 for anything that is not a scalar of the kinds used. */
static size_t scalar_span(const uint8_t *p, size_t left)
{
	uint8_t t = p[0];
	size_t hdr = 1, body = 0, n;

	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return 1;                               /* fixints, nil, booleans */
	if (t >= 0xa0 && t <= 0xbf)
		return 1 + (size_t)(t & 0x1f);          /* fixstr */
	if (t >= 0xcc && t <= 0xd3)
		return 1 + ((size_t)1 << (t & 3));      /* (u)int 8..64 */
	if (t < 0xd9 || t > 0xdb)
		return 0;
	n = (size_t)1 << (t - 0xd9);                    /* str 8, 16, 32 */
	if (left < 1 + n)
		return 0;
	for (size_t i = 0; i < n; i++)
		body = body << 8 | p[1 + i];
	hdr += n;
	return body > SIZE_MAX - hdr ? 0 : hdr + body;
}

/* A structural check before msgpack-c sees the bytes: one map of at most
 * 15 pairs (a fixmap) of scalars, that fills the frame exactly. msgpack-c
 * allocates for declared container sizes before it sees their elements, so
 * a container anywhere could ask for gigabytes; with none, its allocations
 * are bounded by the frame. Hand-written because msgpack-c has no validating
 * mode, and mgo_ipc_walk caps strings far below a metrics text. */
static int walk(const uint8_t *p, size_t len, char *err, size_t errlen)
{
	size_t off = 1, pairs;

	if (len < 1 || (p[0] & 0xf0) != 0x80)
		return bad(err, errlen, "", "not a map of at most 15 keys");
	pairs = p[0] & 0x0f;
	for (size_t i = 0; i < 2 * pairs; i++) {
		size_t span = off < len ? scalar_span(p + off, len - off) : 0;
		if (!span || span > len - off)
			return bad(err, errlen, "", i % 2 ? "a value is not a scalar, or is cut short"
							  : "a key is not a string, or is cut short");
		if (i % 2 == 0 && (p[off] < 0xa0 || p[off] > 0xbf))
			return bad(err, errlen, "", "a key is not a short string");
		off += span;
	}
	return off == len ? 0 : bad(err, errlen, "", "trailing bytes after the snapshot");
}

int mgo_snap_decode(const void *buf, size_t len, struct mgo_snapshot *out, char *err,
		    size_t errlen)
{
	msgpack_unpacked u;
	size_t off = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if ((rc = walk(buf, len, err, errlen)))
		return rc;
	msgpack_unpacked_init(&u);
	switch (msgpack_unpack_next(&u, buf, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		rc = off == len ? decode_map(&u.data, out, err, errlen)
				: bad(err, errlen, "", "trailing bytes after the snapshot");
		break;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		rc = -ENOMEM;
		break;
	default:
		/* the walk accepts only what msgpack-c parses */
		rc = bad(err, errlen, "", "msgpack-c rejected the frame");
		break;
	}
	msgpack_unpacked_destroy(&u);
	if (rc)
		mgo_snap_free(out);
	return rc;
}

static size_t frame_len(const uint8_t *b)
{
	return (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
}

int mgo_snap_feed(struct mgo_snap_reader *r, const void *data, size_t n, mgo_snap_fn fn,
		  void *ctx, char *err, size_t errlen)
{
	const uint8_t *p = data;
	struct mgo_snapshot s;
	int rc;

	while (n > 0) {
		size_t take;

		if (r->head_len < 4) {
			take = 4 - r->head_len < n ? 4 - r->head_len : n;
			memcpy(r->head + r->head_len, p, take);
			r->head_len += take;
			p += take;
			n -= take;
			if (r->head_len < 4)
				break;
			r->body_len = frame_len(r->head);
			if (r->body_len == 0 || r->body_len > MGO_SNAP_FRAME_MAX) {
				if (err && errlen)
					snprintf(err, errlen, "frame length %zu out of range",
						 r->body_len);
				return -EMSGSIZE;
			}
			if (!(r->body = malloc(r->body_len)))
				return -ENOMEM;
			r->body_have = 0;
			continue;
		}
		take = r->body_len - r->body_have < n ? r->body_len - r->body_have : n;
		memcpy(r->body + r->body_have, p, take);
		r->body_have += take;
		p += take;
		n -= take;
		if (r->body_have < r->body_len)
			break;
		rc = mgo_snap_decode(r->body, r->body_len, &s, err, errlen);
		free(r->body);
		r->body = NULL;
		r->head_len = 0;
		if (rc)
			return rc;
		if ((rc = fn(ctx, &s)))
			return rc;
	}
	return 0;
}

void mgo_snap_reader_free(struct mgo_snap_reader *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

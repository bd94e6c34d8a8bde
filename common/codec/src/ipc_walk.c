/* Structural pre-check of a msgpack frame: see ipc_walk.h. */
#include "ipc_walk.h"

#include <errno.h>
#include <stdint.h>

#include "mgo/ipc.h"
#include "mgo/schema.h"

struct walk {
	const uint8_t *p;
	const uint8_t *end;
	size_t objects;
	struct mgo_fpath path;
	char *err;
	size_t errlen;
};

static int walk_value(struct walk *w, unsigned depth);

static size_t left(const struct walk *w)
{
	return (size_t)(w->end - w->p);
}

static int need(struct walk *w, size_t n)
{
	if (left(w) < n)
		return mgo_fpath_err(w->err, w->errlen, &w->path,
				     "truncated: %zu bytes declared, %zu left", n, left(w));
	return 0;
}

/* Reads an n-byte big-endian length or integer (n <= 4 for lengths). */
static int take(struct walk *w, size_t n, uint64_t *v)
{
	int ret = need(w, n);

	if (ret)
		return ret;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = (*v << 8) | *w->p++;
	return 0;
}

static int count_object(struct walk *w)
{
	if (++w->objects > MGO_IPC_MAX_OBJECTS)
		return mgo_fpath_err(w->err, w->errlen, &w->path,
				     "more than %d objects in the frame", MGO_IPC_MAX_OBJECTS);
	return 0;
}

/* If the header at w->p is a str, consumes it and sets *len; 1 if not a str. */
static int str_header(struct walk *w, uint64_t *len)
{
	uint8_t b;

	if (need(w, 1))
		return -EBADMSG;
	b = *w->p;
	if (b >= 0xa0 && b <= 0xbf) {
		w->p++;
		*len = b & 0x1f;
		return 0;
	}
	if (b < 0xd9 || b > 0xdb)
		return 1;
	w->p++;
	return take(w, (size_t)1 << (b - 0xd9), len);
}

static int skip_str(struct walk *w, uint64_t len, uint64_t max)
{
	if (len > max)
		return mgo_fpath_err(w->err, w->errlen, &w->path, "string longer than %llu",
				     (unsigned long long)max);
	if (len > left(w))
		return need(w, (size_t)len);
	w->p += len;
	return 0;
}

/* Every element takes at least one byte, so a count above the bytes left is a
 * lie; checking it here keeps even a huge count from costing a loop. */
static int check_count(struct walk *w, uint64_t n, uint64_t per, uint64_t max, const char *what)
{
	if (n > max)
		return mgo_fpath_err(w->err, w->errlen, &w->path, "%s of %llu entries, limit %llu",
				     what, (unsigned long long)n, (unsigned long long)max);
	if (n * per > left(w))
		return mgo_fpath_err(w->err, w->errlen, &w->path,
				     "truncated: %s of %llu entries in %zu bytes",
				     what, (unsigned long long)n, left(w));
	return 0;
}

static int walk_array(struct walk *w, uint64_t n, unsigned depth)
{
	int ret = check_count(w, n, 1, MGO_ALLOWLIST_MAX, "array");

	for (uint64_t i = 0; i < n && ret == 0; i++) {
		size_t mark = mgo_fpath_index(&w->path, (size_t)i);

		ret = walk_value(w, depth + 1);
		mgo_fpath_pop(&w->path, mark);
	}
	return ret;
}

static int walk_map(struct walk *w, uint64_t n, unsigned depth)
{
	int ret = check_count(w, n, 2, MGO_IPC_MAX_MAP, "map");

	for (uint64_t i = 0; i < n && ret == 0; i++) {
		const char *key;
		uint64_t klen = 0; /* set by str_header on success; gcc -O3 cannot see that */
		size_t mark;

		ret = count_object(w);
		if (ret)
			break;
		ret = str_header(w, &klen);
		if (ret > 0)
			ret = mgo_fpath_err(w->err, w->errlen, &w->path,
					    "map key %llu is not a string", (unsigned long long)i);
		if (ret)
			break;
		if (klen > MGO_IPC_MAX_KEY) {
			ret = mgo_fpath_err(w->err, w->errlen, &w->path, "map key longer than %d bytes",
					    MGO_IPC_MAX_KEY);
			break;
		}
		key = (const char *)w->p;
		ret = skip_str(w, klen, klen);
		if (ret)
			break;
		mark = mgo_fpath_push(&w->path, key, (size_t)klen);
		ret = walk_value(w, depth + 1);
		mgo_fpath_pop(&w->path, mark);
	}
	return ret;
}

static int walk_value(struct walk *w, unsigned depth)
{
	uint64_t v;
	uint8_t b;
	int ret;

	if (depth > MGO_IPC_MAX_DEPTH)
		return mgo_fpath_err(w->err, w->errlen, &w->path, "nested deeper than %d",
				     MGO_IPC_MAX_DEPTH);
	ret = count_object(w);
	if (ret)
		return ret;
	ret = str_header(w, &v);
	if (ret == 0)
		return skip_str(w, v, MGO_STR_MAX);
	if (ret < 0)
		return ret;
	b = *w->p++;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;                                       /* fixint, nil, bool */
	if (b >= 0x80 && b <= 0x8f)
		return walk_map(w, b & 0x0f, depth);
	if (b >= 0x90 && b <= 0x9f)
		return walk_array(w, b & 0x0f, depth);
	if (b >= 0xcc && b <= 0xcf)
		return take(w, (size_t)1 << (b - 0xcc), &v);    /* uint 8..64 */
	if (b >= 0xd0 && b <= 0xd3)
		return take(w, (size_t)1 << (b - 0xd0), &v);    /* int 8..64 */
	if (b == 0xdc || b == 0xdd) {
		ret = take(w, b == 0xdc ? 2 : 4, &v);
		return ret ? ret : walk_array(w, v, depth);
	}
	if (b == 0xde || b == 0xdf) {
		ret = take(w, b == 0xde ? 2 : 4, &v);
		return ret ? ret : walk_map(w, v, depth);
	}
	/* bin, ext, float and the reserved 0xc1: nothing in the schema uses them. */
	return mgo_fpath_err(w->err, w->errlen, &w->path, "unsupported msgpack type 0x%02x", b);
}

int mgo_ipc_walk(const void *buf, size_t len, char *err, size_t errlen)
{
	struct walk w = { .p = buf, .end = (const uint8_t *)buf + len, .err = err, .errlen = errlen };
	int ret;

	if (len > MGO_IPC_MAX_FRAME) {
		mgo_fpath_err(err, errlen, NULL, "frame of %zu bytes exceeds %d", len, MGO_IPC_MAX_FRAME);
		return -EMSGSIZE;
	}
	if (len == 0)
		return mgo_fpath_err(err, errlen, NULL, "empty frame");
	ret = walk_value(&w, 1);
	if (ret == 0 && w.p != w.end)
		ret = mgo_fpath_err(err, errlen, NULL, "%zu trailing bytes after the message", left(&w));
	return ret;
}

/* Bounded YAML trees on libyaml events: see mgo/yamldoc.h. */
#include "mgo/yamldoc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct builder {
	const struct mgo_yaml_ctx *cx;
	struct mgo_yaml_node *root;
	struct mgo_yaml_node *stack[MGO_YAML_MAX_DEPTH];
	size_t depth;
	size_t nodes;
};

/* Document text ends up in messages that are logged: keep it short and
 * printable so a crafted key cannot forge log lines. */
static void printable(char *dst, size_t dstlen, const char *s)
{
	size_t i = 0;

	for (; *s && i + 1 < dstlen; s++, i++)
		dst[i] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s && i >= 3 && dstlen > 4)
		memcpy(dst + i - 3, "...", 3);
	dst[i] = '\0';
}

static int vfail(const struct mgo_yaml_ctx *cx, unsigned long line, unsigned long col,
		 const char *path, const char *key, int rc, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));
static int vfail(const struct mgo_yaml_ctx *cx, unsigned long line, unsigned long col,
		 const char *path, const char *key, int rc, const char *fmt, va_list ap)
{
	char pos[48] = "", where[192] = "", msg[256];
	char safekey[72];
	bool has_path = path && *path, has_key = key && *key;

	if (!cx->err || !cx->errlen)
		return rc;
	if (line)
		snprintf(pos, sizeof(pos), ":%lu:%lu", line, col);
	if (has_key)
		printable(safekey, sizeof(safekey), key);
	if (has_path || has_key)
		snprintf(where, sizeof(where), " %s%s%s:", has_path ? path : "",
			 has_path && has_key ? "." : "", has_key ? safekey : "");
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(cx->err, cx->errlen, "%s%s:%s %s", cx->what, pos, where, msg);
	return rc;
}

static int fail_at(const struct mgo_yaml_ctx *cx, unsigned long line, unsigned long col,
		   int rc, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(const struct mgo_yaml_ctx *cx, unsigned long line, unsigned long col,
		   int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfail(cx, line, col, NULL, NULL, rc, fmt, ap);
	va_end(ap);
	return rc;
}

int mgo_yaml_fail(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *at,
		  const char *path, const char *key, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfail(cx, at ? at->line : 0, at ? at->column : 0, path, key, rc, fmt, ap);
	va_end(ap);
	return rc;
}

void mgo_yaml_free(struct mgo_yaml_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		mgo_yaml_free(n->kids[i]);
	free(n->kids);
	if (n->str) {
		explicit_bzero(n->str, n->len);
		free(n->str);
	}
	free(n);
}

struct keyref {
	const struct mgo_yaml_node *n;
	size_t idx;
};

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	size_t l = x->n->len < y->n->len ? x->n->len : y->n->len;
	int c = memcmp(x->n->str, y->n->str, l);

	if (c)
		return c;
	if (x->n->len != y->n->len)
		return x->n->len < y->n->len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int mgo_yaml_first_dup(const struct mgo_yaml_node *const *v, size_t n,
		       const struct mgo_yaml_node **dup)
{
	struct keyref *r;
	size_t i, best = SIZE_MAX;

	*dup = NULL;
	if (n < 2)
		return 0;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		r[i] = (struct keyref){ v[i], i };
	qsort(r, n, sizeof(*r), keyref_cmp);
	for (i = 1; i < n; i++) {
		if (r[i].n->len == r[i - 1].n->len &&
		    !memcmp(r[i].n->str, r[i - 1].n->str, r[i].n->len) && r[i].idx < best)
			best = r[i].idx;
	}
	if (best != SIZE_MAX)
		*dup = v[best];
	free(r);
	return 0;
}

static int add_kid(struct mgo_yaml_node *parent, struct mgo_yaml_node *kid)
{
	/* Capacity is implicit: powers of two from 4, grown when full. */
	size_t n = parent->nkids;

	if (n >= 4 && (n & (n - 1)) == 0) {
		struct mgo_yaml_node **k = realloc(parent->kids, 2 * n * sizeof(*k));

		if (!k)
			return -ENOMEM;
		parent->kids = k;
	} else if (n == 0) {
		parent->kids = malloc(4 * sizeof(*parent->kids));
		if (!parent->kids)
			return -ENOMEM;
	}
	parent->kids[parent->nkids++] = kid;
	return 0;
}

/* Takes ownership of n: it ends up in the tree, or freed. */
static int attach(struct builder *b, struct mgo_yaml_node *n)
{
	struct mgo_yaml_node *parent;
	int rc;

	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->type == MGO_YAML_MAP && parent->nkids % 2 == 0 && n->type != MGO_YAML_SCALAR) {
		rc = fail_at(b->cx, n->line, n->column, -EINVAL, "mapping keys must be scalars");
		mgo_yaml_free(n);
		return rc;
	}
	rc = add_kid(parent, n);
	if (rc) {
		mgo_yaml_free(n);
		return fail_at(b->cx, 0, 0, rc, "out of memory");
	}
	return 0;
}

static int check_map_keys(struct builder *b, const struct mgo_yaml_node *map)
{
	const struct mgo_yaml_node **keys;
	const struct mgo_yaml_node *dup;
	size_t i, n = map->nkids / 2;
	char k[72];
	int rc;

	if (n < 2)
		return 0;
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return fail_at(b->cx, 0, 0, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		keys[i] = map->kids[2 * i];
	rc = mgo_yaml_first_dup(keys, n, &dup);
	if (rc) {
		rc = fail_at(b->cx, 0, 0, rc, "out of memory");
	} else if (dup) {
		printable(k, sizeof(k), dup->str);
		rc = fail_at(b->cx, dup->line, dup->column, -EINVAL, "duplicate key \"%s\"", k);
	}
	free(keys);
	return rc;
}

static int new_node(struct builder *b, enum mgo_yaml_type t, const yaml_mark_t *m,
		    struct mgo_yaml_node **out)
{
	struct mgo_yaml_node *n;

	*out = NULL;
	if (++b->nodes > MGO_YAML_MAX_NODES)
		return fail_at(b->cx, m->line + 1, m->column + 1, -EINVAL,
			       "more than %u nodes", MGO_YAML_MAX_NODES);
	n = calloc(1, sizeof(*n));
	if (!n)
		return fail_at(b->cx, 0, 0, -ENOMEM, "out of memory");
	n->type = t;
	n->line = m->line + 1;
	n->column = m->column + 1;
	*out = n;
	return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct mgo_yaml_node *n;
	size_t len = ev->data.scalar.length;
	int rc;

	if (len && memchr(ev->data.scalar.value, '\0', len))
		return fail_at(b->cx, m->line + 1, m->column + 1, -EINVAL, "NUL byte in a scalar");
	rc = new_node(b, MGO_YAML_SCALAR, m, &n);
	if (rc)
		return rc;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->str = malloc(len + 1);
	if (!n->str) {
		mgo_yaml_free(n);
		return fail_at(b->cx, 0, 0, -ENOMEM, "out of memory");
	}
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->len = len;
	return attach(b, n);
}

static int on_start(struct builder *b, const yaml_event_t *ev, enum mgo_yaml_type t)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct mgo_yaml_node *n;
	int rc;

	if (b->depth == MGO_YAML_MAX_DEPTH)
		return fail_at(b->cx, m->line + 1, m->column + 1, -EINVAL,
			       "nested deeper than %u levels", MGO_YAML_MAX_DEPTH);
	rc = new_node(b, t, m, &n);
	if (rc)
		return rc;
	rc = attach(b, n);
	if (rc)
		return rc;
	b->stack[b->depth++] = n;
	return 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	const yaml_char_t *tag = NULL;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		/* Refused rather than bounded: nothing we read needs them, and
		 * a bound on expansion is one more thing to get right. */
		return fail_at(b->cx, m->line + 1, m->column + 1, -EINVAL,
			       "aliases are not supported");
	case YAML_SCALAR_EVENT:
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		tag = ev->data.mapping_start.tag;
		break;
	case YAML_SEQUENCE_END_EVENT:
		b->depth--;
		return 0;
	case YAML_MAPPING_END_EVENT:
		return check_map_keys(b, b->stack[--b->depth]);
	default:
		return 0;
	}
	if (tag)
		return fail_at(b->cx, m->line + 1, m->column + 1, -EINVAL,
			       "explicit tags are not supported");
	if (ev->type == YAML_SCALAR_EVENT)
		return on_scalar(b, ev);
	return on_start(b, ev, ev->type == YAML_SEQUENCE_START_EVENT ? MGO_YAML_SEQ : MGO_YAML_MAP);
}

static int parser_error(const struct mgo_yaml_ctx *cx, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "malformed YAML";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_at(cx, 0, 0, -ENOMEM, "out of memory");
	case YAML_READER_ERROR:
		return fail_at(cx, 0, 0, -EINVAL, "%s at byte %zu", problem, p->problem_offset);
	default:
		if (p->context)
			return fail_at(cx, p->problem_mark.line + 1, p->problem_mark.column + 1,
				       -EINVAL, "%s %s", p->context, problem);
		return fail_at(cx, p->problem_mark.line + 1, p->problem_mark.column + 1,
			       -EINVAL, "%s", problem);
	}
}

static void wipe_event(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value)
		explicit_bzero(ev->data.scalar.value, ev->data.scalar.length);
}

/* libyaml frees its input buffers without wiping them, and documents carry
 * secrets. Its scanner's scratch strings cannot be reached from here, so this
 * is best effort: the bulk of the text is what gets wiped. */
static void wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start)
		explicit_bzero(p->raw_buffer.start, (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start)
		explicit_bzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
}

int mgo_yaml_parse(const struct mgo_yaml_ctx *cx, const char *buf, size_t len,
		   struct mgo_yaml_node **root)
{
	struct builder b = { .cx = cx };
	yaml_parser_t p;
	yaml_event_t ev;
	bool have_ev = false, done = false;
	int docs = 0, rc;

	*root = NULL;
	if (len > MGO_YAML_MAX_BYTES)
		return fail_at(cx, 0, 0, -EINVAL, "larger than %u bytes", MGO_YAML_MAX_BYTES);
	if (!yaml_parser_initialize(&p))
		return fail_at(cx, 0, 0, -ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = parser_error(cx, &p);
			goto out;
		}
		have_ev = true;
		if (ev.type == YAML_STREAM_END_EVENT) {
			done = true;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && docs++) {
			rc = fail_at(cx, ev.start_mark.line + 1, ev.start_mark.column + 1, -EINVAL,
				     "more than one document");
			goto out;
		} else {
			rc = on_event(&b, &ev);
			if (rc)
				goto out;
		}
		wipe_event(&ev);
		yaml_event_delete(&ev);
		have_ev = false;
	}
	*root = b.root;
	b.root = NULL;
	rc = 0;
out:
	if (have_ev) {
		wipe_event(&ev);
		yaml_event_delete(&ev);
	}
	wipe_parser(&p);
	yaml_parser_delete(&p);
	mgo_yaml_free(b.root);
	return rc;
}

bool mgo_yaml_is_null(const struct mgo_yaml_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (!n)
		return true;
	if (n->type != MGO_YAML_SCALAR || !n->plain)
		return false;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(n->str, nulls[i]))
			return true;
	return false;
}

const struct mgo_yaml_node *mgo_yaml_get(const struct mgo_yaml_node *map, const char *key)
{
	size_t i;

	if (!map || map->type != MGO_YAML_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nkids; i += 2)
		if (!strcmp(map->kids[i]->str, key))
			return map->kids[i + 1];
	return NULL;
}

static const char *type_name(enum mgo_yaml_type t)
{
	switch (t) {
	case MGO_YAML_SCALAR:
		return "a scalar";
	case MGO_YAML_SEQ:
		return "a sequence";
	case MGO_YAML_MAP:
		return "a mapping";
	}
	return "?";
}

int mgo_yaml_want(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *v,
		  const char *path, const char *key, enum mgo_yaml_type t)
{
	if (mgo_yaml_is_null(v) || v->type == t)
		return 0;
	return mgo_yaml_fail(cx, v, path, key, -EINVAL, "must be %s, not %s",
			     type_name(t), type_name(v->type));
}

int mgo_yaml_check_keys(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
			const char *path, const char *const *known)
{
	size_t i;
	const char *const *k;

	if (!map || map->type != MGO_YAML_MAP)
		return 0;
	for (i = 0; i + 1 < map->nkids; i += 2) {
		for (k = known; *k; k++)
			if (!strcmp(map->kids[i]->str, *k))
				break;
		if (!*k)
			return mgo_yaml_fail(cx, map->kids[i], path, map->kids[i]->str, -EINVAL,
					     "unknown key");
	}
	return 0;
}

int mgo_yaml_str(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
		 const char *path, const char *key, size_t maxlen, char **out)
{
	const struct mgo_yaml_node *v = mgo_yaml_get(map, key);
	int rc;

	*out = NULL;
	rc = mgo_yaml_want(cx, v, path, key, MGO_YAML_SCALAR);
	if (rc || mgo_yaml_is_null(v) || !v->len)
		return rc;
	if (v->len > maxlen)
		return mgo_yaml_fail(cx, v, path, key, -EINVAL, "longer than %zu bytes", maxlen);
	*out = strdup(v->str);
	if (!*out)
		return mgo_yaml_fail(cx, v, path, key, -ENOMEM, "out of memory");
	return 0;
}

int mgo_yaml_bool(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
		  const char *path, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	const struct mgo_yaml_node *v = mgo_yaml_get(map, key);
	size_t i;

	if (mgo_yaml_is_null(v))
		return 0;
	if (v->type == MGO_YAML_SCALAR && v->plain) {
		for (i = 0; i < 3; i++) {
			if (!strcmp(v->str, yes[i])) {
				*out = true;
				return 0;
			}
			if (!strcmp(v->str, no[i])) {
				*out = false;
				return 0;
			}
		}
	}
	return mgo_yaml_fail(cx, v, path, key, -EINVAL, "must be true or false");
}

int mgo_yaml_int(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
		 const char *path, const char *key, long long min, long long max,
		 long long *out)
{
	const struct mgo_yaml_node *v = mgo_yaml_get(map, key);
	const char *s, *digits;
	long long x;
	char *end;

	if (mgo_yaml_is_null(v))
		return 0;
	if (v->type != MGO_YAML_SCALAR || !v->plain)
		goto bad;
	s = v->str;
	digits = *s == '-' || *s == '+' ? s + 1 : s;
	if (!isdigit((unsigned char)*digits) || (*digits == '0' && digits[1]))
		goto bad;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (*end || errno == ERANGE || x < min || x > max)
		goto bad;
	*out = x;
	return 0;
bad:
	return mgo_yaml_fail(cx, v, path, key, -EINVAL, "must be an integer from %lld to %lld",
			     min, max);
}

/* Field tables shared by the IPC codec and the JSON decoders: see schema.h. */
#include "mgo/schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/types.h"

/* The enums the tables describe are stored and read as int; that holds only
 * while the compiler gives them int's size, which these asserts pin down. */
_Static_assert(sizeof(enum mgo_mg_phase) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mgo_job_phase) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mgo_presence) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mgo_act_kind) == sizeof(int), "enum size");

#define AT(base, off) ((char *)(base) + (off))
#define CAT(base, off) ((const char *)(base) + (off))

static void fpath_append(struct mgo_fpath *p, const char *s, size_t n)
{
	size_t room = sizeof(p->buf) - 1 - p->len;

	if (n > room)
		n = room;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		p->buf[p->len++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	p->buf[p->len] = '\0';
}

size_t mgo_fpath_push(struct mgo_fpath *p, const char *key, size_t keylen)
{
	size_t mark = p->len;

	if (p->len > 0)
		fpath_append(p, ".", 1);
	fpath_append(p, key, keylen);
	return mark;
}

size_t mgo_fpath_index(struct mgo_fpath *p, size_t i)
{
	size_t mark = p->len;
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "[%zu]", i);

	if (n > 0)
		fpath_append(p, tmp, (size_t)n);
	return mark;
}

void mgo_fpath_pop(struct mgo_fpath *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

int mgo_fpath_err(char *err, size_t errlen, const struct mgo_fpath *p, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!err || errlen == 0)
		return -EBADMSG;
	if (p && p->len > 0)
		n = snprintf(err, errlen, "%s: ", p->buf);
	if (n < 0 || (size_t)n >= errlen)
		return -EBADMSG;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int mgo_schema_strdup(const char *s, size_t len, size_t max, char **out,
		      const struct mgo_fpath *p, char *err, size_t errlen)
{
	char *copy;

	if (len > max)
		return mgo_fpath_err(err, errlen, p, "string longer than %zu", max);
	if (memchr(s, '\0', len))
		return mgo_fpath_err(err, errlen, p, "string contains a NUL byte");
	copy = strndup(s, len);
	if (!copy) {
		mgo_fpath_err(err, errlen, p, "out of memory");
		return -ENOMEM;
	}
	*out = copy;
	return 0;
}

int mgo_schema_set_int(void *base, const struct mgo_field *f, int64_t v,
		       const struct mgo_fpath *p, char *err, size_t errlen)
{
	if (v < f->min || v > f->imax)
		return mgo_fpath_err(err, errlen, p, "%lld out of range [%lld, %lld]",
				     (long long)v, (long long)f->min, (long long)f->imax);
	if (f->kind == MGO_F_I32)
		*(int32_t *)AT(base, f->off) = (int32_t)v;
	else
		*(int64_t *)AT(base, f->off) = v;
	return 0;
}

int mgo_schema_set_enum(void *base, const struct mgo_field *f, const char *s, size_t len,
			const struct mgo_fpath *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < f->n_names; i++) {
		if (f->names[i] && strlen(f->names[i]) == len && memcmp(f->names[i], s, len) == 0) {
			*(int *)AT(base, f->off) = (int)i;
			return 0;
		}
	}
	/* The rejected value is echoed only when short and clean, so a hostile
	 * frame cannot stuff the receiver's log. */
	if (len <= 32 && !memchr(s, '\0', len))
		return mgo_fpath_err(err, errlen, p, "invalid value \"%.*s\"", (int)len, s);
	return mgo_fpath_err(err, errlen, p, "invalid value");
}

int mgo_schema_strv_init(void *base, const struct mgo_field *f, size_t n,
			 const struct mgo_fpath *p, char *err, size_t errlen)
{
	char **v;

	if (n > f->max)
		return mgo_fpath_err(err, errlen, p, "more than %zu entries", f->max);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		mgo_fpath_err(err, errlen, p, "out of memory");
		return -ENOMEM;
	}
	*(char ***)AT(base, f->off) = v;
	*(size_t *)AT(base, f->count_off) = 0;
	return 0;
}

int mgo_schema_strv_add(void *base, const struct mgo_field *f, const char *s, size_t len,
			const struct mgo_fpath *p, char *err, size_t errlen)
{
	char **v = *(char ***)AT(base, f->off);
	size_t *count = (size_t *)AT(base, f->count_off);
	int ret = mgo_schema_strdup(s, len, f->elem_max, &v[*count], p, err, errlen);

	if (ret == 0)
		(*count)++;
	return ret;
}

void mgo_schema_defaults(void *base, const struct mgo_schema *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct mgo_field *f = &s->fields[i];

		if (f->kind == MGO_F_I32)
			*(int32_t *)AT(base, f->off) = (int32_t)f->dflt;
		else if (f->kind == MGO_F_I64)
			*(int64_t *)AT(base, f->off) = f->dflt;
		else if (f->kind == MGO_F_STRUCT)
			mgo_schema_defaults(AT(base, f->off), f->sub);
	}
}

bool mgo_schema_is_default(const void *base, const struct mgo_field *f)
{
	const char *at = CAT(base, f->off);

	switch (f->kind) {
	case MGO_F_STR:
		return *(char *const *)at == NULL;
	case MGO_F_BOOL:
	case MGO_F_FLAG:
		return !*(const bool *)at;
	case MGO_F_I32:
		return *(const int32_t *)at == f->dflt;
	case MGO_F_I64:
		return *(const int64_t *)at == f->dflt;
	case MGO_F_U64:
		return *(const uint64_t *)at == 0;
	case MGO_F_ENUM:
		return *(const int *)at == 0;
	case MGO_F_STRV:
		return *(const size_t *)CAT(base, f->count_off) == 0;
	case MGO_F_STRUCT:
		for (size_t i = 0; i < f->sub->n; i++)
			if (!mgo_schema_is_default(at, &f->sub->fields[i]))
				return false;
		return true;
	}
	return false;
}

const char *mgo_schema_enum_name(const void *base, const struct mgo_field *f)
{
	int v = *(const int *)CAT(base, f->off);

	if (v < 0 || (size_t)v >= f->n_names)
		return NULL;
	return f->names[v];
}

static int check_str(const char *s, size_t max, const struct mgo_fpath *p, char *err, size_t errlen)
{
	if (strnlen(s, max + 1) > max)
		return mgo_fpath_err(err, errlen, p, "string longer than %zu", max);
	return 0;
}

int mgo_schema_check(const void *base, const struct mgo_field *f,
		     struct mgo_fpath *p, char *err, size_t errlen)
{
	const char *at = CAT(base, f->off);
	int ret = 0;

	switch (f->kind) {
	case MGO_F_STR: {
		const char *s = *(char *const *)at;

		if (!s)
			return (f->flags & MGO_F_REQUIRED) ? mgo_fpath_err(err, errlen, p, "required") : 0;
		return check_str(s, f->max, p, err, errlen);
	}
	case MGO_F_I32:
		if (*(const int32_t *)at < f->min || *(const int32_t *)at > f->imax)
			return mgo_fpath_err(err, errlen, p, "%d out of range [%lld, %lld]",
					     *(const int32_t *)at, (long long)f->min, (long long)f->imax);
		return 0;
	case MGO_F_I64:
		if (*(const int64_t *)at < f->min || *(const int64_t *)at > f->imax)
			return mgo_fpath_err(err, errlen, p, "%lld out of range [%lld, %lld]",
					     (long long)*(const int64_t *)at,
					     (long long)f->min, (long long)f->imax);
		return 0;
	case MGO_F_ENUM:
		if (!mgo_schema_enum_name(base, f))
			return mgo_fpath_err(err, errlen, p, "invalid value %d", *(const int *)at);
		return 0;
	case MGO_F_STRV: {
		char *const *v = *(char **const *)at;
		size_t n = *(const size_t *)CAT(base, f->count_off);

		if (n > f->max)
			return mgo_fpath_err(err, errlen, p, "more than %zu entries", f->max);
		for (size_t i = 0; i < n && ret == 0; i++) {
			size_t mark = mgo_fpath_index(p, i);

			if (!v || !v[i])
				ret = mgo_fpath_err(err, errlen, p, "missing entry");
			else
				ret = check_str(v[i], f->elem_max, p, err, errlen);
			mgo_fpath_pop(p, mark);
		}
		return ret;
	}
	case MGO_F_BOOL:
	case MGO_F_FLAG:
	case MGO_F_U64:
	case MGO_F_STRUCT:
		return 0;
	}
	return 0;
}

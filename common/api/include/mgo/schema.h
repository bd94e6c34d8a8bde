/* Field tables shared by the IPC codec and the JSON decoders of API objects
 * (internal to the api, codec and supervision libraries). One description says where a field lives in its
 * struct, how it is bounded and how it is named in errors, so the two decoders
 * cannot drift apart on what is valid. */
#ifndef MGO_SCHEMA_H
#define MGO_SCHEMA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mgo_fkind {
	MGO_F_STR,      /* char *, NULL = unset; max: bytes */
	MGO_F_BOOL,     /* bool */
	MGO_F_FLAG,     /* bool, true when the key is present (JSON only); the value
			 * must have JSON type json_type */
	MGO_F_I32,      /* int32_t in [min, imax], absent = dflt */
	MGO_F_I64,      /* int64_t in [min, imax], absent = dflt */
	MGO_F_U64,      /* uint64_t, absent = 0 */
	MGO_F_ENUM,     /* an int-sized enum; names[value] is its wire name */
	MGO_F_STRV,     /* char ** + size_t count at count_off; max: entries, elem_max: bytes */
	MGO_F_STRUCT,   /* nested struct at off described by sub */
};

#define MGO_F_REQUIRED 0x1u

struct mgo_schema;

struct mgo_field {
	const char *key;        /* IPC: one map key; JSON: a dotted path */
	enum mgo_fkind kind;
	unsigned flags;
	size_t off;
	size_t max;
	size_t elem_max;
	size_t count_off;
	int64_t min, imax, dflt;
	const char *const *names;  /* ENUM: NULL entries are values never on the wire */
	size_t n_names;
	const struct mgo_schema *sub;
	int json_type;          /* FLAG: a jansson json_type */
};

struct mgo_schema {
	const struct mgo_field *fields;
	size_t n;
};

#define MGO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MGO_SCHEMA(fields) { (fields), MGO_ARRAY_SIZE(fields) }

/* Table entries: key, struct type, member, then the kind's bounds and flags. */
#define MGO_FSTR(k, T, m, lim, fl) \
	{ .key = (k), .kind = MGO_F_STR, .flags = (fl), .off = offsetof(T, m), .max = (lim) }
#define MGO_FBOOL(k, T, m, fl) \
	{ .key = (k), .kind = MGO_F_BOOL, .flags = (fl), .off = offsetof(T, m) }
#define MGO_FFLAG(k, T, m, jt) \
	{ .key = (k), .kind = MGO_F_FLAG, .off = offsetof(T, m), .json_type = (jt) }
#define MGO_FI32(k, T, m, lo, hi, d, fl) \
	{ .key = (k), .kind = MGO_F_I32, .flags = (fl), .off = offsetof(T, m), \
	  .min = (lo), .imax = (hi), .dflt = (d) }
#define MGO_FI64(k, T, m, lo, hi, fl) \
	{ .key = (k), .kind = MGO_F_I64, .flags = (fl), .off = offsetof(T, m), \
	  .min = (lo), .imax = (hi) }
#define MGO_FU64(k, T, m, fl) \
	{ .key = (k), .kind = MGO_F_U64, .flags = (fl), .off = offsetof(T, m) }
#define MGO_FENUM(k, T, m, nm, fl) \
	{ .key = (k), .kind = MGO_F_ENUM, .flags = (fl), .off = offsetof(T, m), \
	  .names = (nm), .n_names = MGO_ARRAY_SIZE(nm) }
#define MGO_FSTRV(k, T, m, cnt, lim, elim, fl) \
	{ .key = (k), .kind = MGO_F_STRV, .flags = (fl), .off = offsetof(T, m), \
	  .count_off = offsetof(T, cnt), .max = (lim), .elem_max = (elim) }
#define MGO_FSTRUCT(k, T, m, schema, fl) \
	{ .key = (k), .kind = MGO_F_STRUCT, .flags = (fl), .off = offsetof(T, m), .sub = &(schema) }

/* A field path as errors print it: "body.mg.spec.image", "images[3]". */
struct mgo_fpath {
	char buf[320];
	size_t len;
};

/* Appends ".key" (no dot at the root); returns the length to restore with
 * mgo_fpath_pop. Non-printable bytes print as '?'; an overlong path is cut. */
size_t mgo_fpath_push(struct mgo_fpath *p, const char *key, size_t keylen);
size_t mgo_fpath_index(struct mgo_fpath *p, size_t i);
void mgo_fpath_pop(struct mgo_fpath *p, size_t mark);

/* Writes "path: message" into err (just the message at the root). Returns
 * -EBADMSG so callers can `return mgo_fpath_err(...)`. */
int mgo_fpath_err(char *err, size_t errlen, const struct mgo_fpath *p, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Copies s[0..len) into a new NUL-ended string after checking len <= max and
 * that it holds no NUL. On success *out owns the copy. */
int mgo_schema_strdup(const char *s, size_t len, size_t max, char **out,
		      const struct mgo_fpath *p, char *err, size_t errlen);
/* Stores v into an I32/I64 field of base after the range check. */
int mgo_schema_set_int(void *base, const struct mgo_field *f, int64_t v,
		       const struct mgo_fpath *p, char *err, size_t errlen);
/* Stores the enum whose wire name is s[0..len) into field f of base. */
int mgo_schema_set_enum(void *base, const struct mgo_field *f, const char *s, size_t len,
			const struct mgo_fpath *p, char *err, size_t errlen);
/* STRV fields fill in two steps so a half-decoded struct stays freeable by its
 * *_free(): init checks n against f->max and allocates n empty slots (count 0),
 * add copies one string bounded by f->elem_max into the next slot. */
int mgo_schema_strv_init(void *base, const struct mgo_field *f, size_t n,
			 const struct mgo_fpath *p, char *err, size_t errlen);
int mgo_schema_strv_add(void *base, const struct mgo_field *f, const char *s, size_t len,
			const struct mgo_fpath *p, char *err, size_t errlen);

/* Sets every I32/I64 field of base (recursively) to its default. */
void mgo_schema_defaults(void *base, const struct mgo_schema *s);
/* Whether field f of base holds its default (an encoder may leave it out). */
bool mgo_schema_is_default(const void *base, const struct mgo_field *f);
/* The wire name of the enum in field f of base, NULL if the value has none. */
const char *mgo_schema_enum_name(const void *base, const struct mgo_field *f);
/* Checks an encoder's view of one field: bounds, ranges, enum names, required
 * strings set. Does not descend into STRUCT fields. */
int mgo_schema_check(const void *base, const struct mgo_field *f,
		     struct mgo_fpath *p, char *err, size_t errlen);

#endif

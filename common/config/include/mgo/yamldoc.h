/* YAML documents for configuration files (kubeconfig, operator config).
 *
 * libyaml parses but bounds nothing: no nesting limit, and aliases that a
 * tree walk would expand exponentially (billion laughs). mgo_yaml_parse()
 * builds a small tree from libyaml's events with those bounds enforced before
 * anything grows: input size, nesting depth and node count are capped, aliases
 * and explicit tags are refused (neither kubectl nor our deploy files write
 * them), keys must be scalars and unique, and exactly one document is
 * accepted. The decoding helpers below give every error the same shape:
 *   <what>:<line>:<column>: <key path>: <message>
 * e.g. "config /etc/mgo/config.yaml:4:3: roles.watcher.foo: unknown key". */
#ifndef MGO_YAMLDOC_H
#define MGO_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>

#define MGO_YAML_MAX_BYTES (1u << 20) /* whole document */
#define MGO_YAML_MAX_DEPTH 32         /* nested sequences/mappings */
#define MGO_YAML_MAX_NODES 65536      /* scalars + collections */

enum mgo_yaml_type { MGO_YAML_SCALAR = 1, MGO_YAML_SEQ, MGO_YAML_MAP };

struct mgo_yaml_node {
	enum mgo_yaml_type type;
	unsigned long line, column;   /* 1-based start of the node */
	bool plain;                   /* scalar written unquoted: may be null/bool/int */
	char *str;                    /* scalar: NUL-ended, never holds a NUL */
	size_t len;                   /* scalar: strlen(str) */
	struct mgo_yaml_node **kids;  /* seq: items; map: key, value, key, value... */
	size_t nkids;
};

/* Where errors go: what names the document ("kubeconfig /x/config"). */
struct mgo_yaml_ctx {
	const char *what;
	char *err;
	size_t errlen;
};

/* Parses buf[0..len) (len <= MGO_YAML_MAX_BYTES). *root is NULL for an empty
 * document, else a tree owned by the caller (mgo_yaml_free). On failure *root
 * is NULL, the message is in cx->err, and -EINVAL (malformed or over a bound)
 * or -ENOMEM is returned. */
int mgo_yaml_parse(const struct mgo_yaml_ctx *cx, const char *buf, size_t len,
		   struct mgo_yaml_node **root);

/* Frees a tree, wiping scalar bytes first: documents carry tokens and keys.
 * NULL is accepted. */
void mgo_yaml_free(struct mgo_yaml_node *n);

/* Formats "<what>:<line>:<column>: <path>.<key>: <message>" into cx->err
 * (position omitted when at is NULL; path and key each omitted when NULL or
 * empty) and returns rc, so that callers can `return mgo_yaml_fail(...)`. */
int mgo_yaml_fail(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *at,
		  const char *path, const char *key, int rc, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* True for an absent node and for the plain scalars "", "~", "null", "Null"
 * and "NULL": YAML's ways of writing "unset". */
bool mgo_yaml_is_null(const struct mgo_yaml_node *n);

/* The value of key in map, or NULL (absent, or map is not a mapping). */
const struct mgo_yaml_node *mgo_yaml_get(const struct mgo_yaml_node *map, const char *key);

/* Fails (-EINVAL, message in cx) unless v is null or of type t. */
int mgo_yaml_want(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *v,
		  const char *path, const char *key, enum mgo_yaml_type t);

/* Fails on the first key of map that is not in known (NULL-terminated):
 * "unknown key". A null map passes. */
int mgo_yaml_check_keys(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
			const char *path, const char *const *known);

/* map[key] as a new string (caller frees) of at most maxlen bytes; *out is
 * NULL when the key is absent, null or "". A collection, or a longer string,
 * is an error. */
int mgo_yaml_str(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
		 const char *path, const char *key, size_t maxlen, char **out);

/* map[key] as a boolean: plain true/True/TRUE/false/False/FALSE only (a
 * quoted "true" is a string, and YAML 1.1's yes/no/on/off are refused as
 * ambiguous). *out is left alone when the key is absent or null. */
int mgo_yaml_bool(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
		  const char *path, const char *key, bool *out);

/* map[key] as a plain decimal integer in [min, max] (no leading zeros, no
 * octal or hex). *out is left alone when the key is absent or null. */
int mgo_yaml_int(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
		 const char *path, const char *key, long long min, long long max,
		 long long *out);

/* *dup = the first scalar of v[0..n) whose text equals an earlier one, or
 * NULL. O(n log n): lists may be long and come from untrusted input.
 * Returns 0 or -ENOMEM. */
int mgo_yaml_first_dup(const struct mgo_yaml_node *const *v, size_t n,
		       const struct mgo_yaml_node **dup);

#endif

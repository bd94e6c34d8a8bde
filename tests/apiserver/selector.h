/* Label and field selectors as kube-apiserver parses and evaluates them
 * (apimachinery pkg/labels and pkg/fields), with kube's error messages so a
 * 400 reads like the real one. The parsed forms are plain read-only data. */
#ifndef TAS_SELECTOR_H
#define TAS_SELECTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum tas_selector_op {
    TAS_SEL_IN,         /* in (a,b) */
    TAS_SEL_NOT_IN,     /* notin (a) */
    TAS_SEL_EQUALS,     /* = or == */
    TAS_SEL_NOT_EQUALS, /* != */
    TAS_SEL_EXISTS,     /* key */
    TAS_SEL_NOT_EXISTS, /* !key */
    TAS_SEL_GT,         /* key>1 */
    TAS_SEL_LT,         /* key<1 */
};

struct tas_selector_req {
    char *key;
    enum tas_selector_op op;
    char **values; /* sorted, without duplicates, as kube keeps them */
    size_t n_values;
};

/* A label selector: every requirement must hold. No requirements: matches all. */
struct tas_selector {
    struct tas_selector_req *reqs;
    size_t n;
};

/* Parses a labelSelector ("" or whitespace: everything). On success *out is
 * a new selector (free with tas_selector_free) and 0 is returned; on a syntax
 * or validation error returns -EINVAL with kube's message in err, e.g.
 * "unable to parse requirement: values[0][app]: Invalid value: ...";
 * -ENOMEM when memory ran out. */
int tas_selector_parse(const char *s, struct tas_selector **out, char *err, size_t errlen);
/* labels: an object of strings, or NULL (no labels). Borrowed. */
bool tas_selector_match_labels(const struct tas_selector *sel, const json_t *labels);
void tas_selector_free(struct tas_selector *sel);

struct tas_fieldsel_term {
    char *field;
    char *value; /* unescaped */
    bool negate; /* != */
};

/* A field selector: every term must hold. Terms are sorted by their text, as
 * kube sorts them before parsing (so its first error is the one reported). */
struct tas_fieldsel {
    struct tas_fieldsel_term *terms;
    size_t n;
};

/* Parses a fieldSelector ("metadata.name=x,status.phase!=Running"; "\," "\="
 * and "\\" escape in values). Same return convention as tas_selector_parse,
 * messages like "invalid selector: 'x'; can't understand 'x'". */
int tas_fieldsel_parse(const char *s, struct tas_fieldsel **out, char *err, size_t errlen);
/* Checks every term names one of the n supported fields; -EINVAL with
 * "field label not supported: <field>" otherwise. */
int tas_fieldsel_check_fields(const struct tas_fieldsel *sel, const char *const *supported,
                              size_t n, char *err, size_t errlen);
/* Evaluates the terms against obj (borrowed) by dotted path: strings as they
 * are, integers in decimal, booleans as true/false, anything else or missing
 * as "" (so "spec.x=" matches a missing field, as in kube). */
bool tas_fieldsel_match(const struct tas_fieldsel *sel, const json_t *obj);
/* Same with the caller's field values: get returns the value of a field
 * (borrowed until the next call) or NULL for "". */
bool tas_fieldsel_match_fn(const struct tas_fieldsel *sel,
                           const char *(*get)(void *ctx, const char *field), void *ctx);
/* The value an "=" term requires of field (e.g. metadata.name, which turns a
 * list into a request for one name for authorization), or NULL. Borrowed. */
const char *tas_fieldsel_requires_exact(const struct tas_fieldsel *sel, const char *field);
void tas_fieldsel_free(struct tas_fieldsel *sel);

#endif

/* The steps and their order are kube's (apiextensions-apiserver): pruning,
 * PruneNonNullableNullsWithoutDefaults, Default, then kube-openapi's schema
 * validator converted to field errors (kubeOpenAPIResultToFieldErrors), then
 * listtype.ValidateListSetsAndMaps. Messages are built from the same format
 * strings. Go iterates maps in random order; here properties are visited in
 * schema order and object keys in document order, so results are stable. */
#include "schema.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "gofmt.h"
#include "pattern.h"
#include "strfmt.h"

struct ctx {
    json_t *causes;
    json_t *unknown; /* NULL when the caller does not want the pruned paths */
    struct tas_buf path;
    bool oom;
};

/* ---- schema accessors ---- */

static const json_t *prop(const json_t *s, const char *name)
{
    return json_object_get(json_object_get(s, "properties"), name);
}

static bool flag(const json_t *s, const char *name)
{
    return json_is_true(json_object_get(s, name));
}

/* additionalProperties as a schema; `true` reads as an empty schema-less
 * node (NULL), `false` or absent as no additional properties (*present=false) */
static const json_t *additional(const json_t *s, bool *present)
{
    const json_t *ap = json_object_get(s, "additionalProperties");

    *present = json_is_object(ap) || json_is_true(ap);
    return json_is_object(ap) ? ap : NULL;
}

static bool has_default(const json_t *s)
{
    const json_t *d = json_object_get(s, "default");
    return d != NULL && !json_is_null(d);
}

/* ---- paths ---- */

static size_t push_key(struct ctx *c, const char *k)
{
    size_t saved = c->path.len;
    if (saved > 0)
        tas_buf_putn(&c->path, ".", 1);
    tas_buf_puts(&c->path, k);
    return saved;
}

static size_t push_index(struct ctx *c, size_t i)
{
    size_t saved = c->path.len;
    tas_buf_printf(&c->path, "[%zu]", i);
    return saved;
}

/* field.Path.Key, used by the list-type checks for map entries */
static size_t push_map_key(struct ctx *c, const char *k)
{
    size_t saved = c->path.len;
    tas_buf_printf(&c->path, "[%s]", k);
    return saved;
}

static void pop(struct ctx *c, size_t saved)
{
    tas_buf_truncate(&c->path, saved);
}

static const char *path(const struct ctx *c)
{
    return tas_buf_str(&c->path);
}

/* ---- causes ---- */

static void add_cause(struct ctx *c, const char *reason, const char *field, struct tas_buf *msg)
{
    json_t *cause;

    if (msg->oom || c->path.oom) {
        c->oom = true;
        goto out;
    }
    cause = json_pack("{s:s, s:s, s:s}", "reason", reason, "message", tas_buf_str(msg), "field",
                      field);
    if (cause == NULL || json_array_append_new(c->causes, cause) != 0)
        c->oom = true;
out:
    tas_buf_free(msg);
}

/* "<path> in body " as kube-openapi's messages begin */
static void in_body(struct tas_buf *m, const struct ctx *c)
{
    tas_buf_printf(m, "%s in body ", path(c));
}

static void err_required(struct ctx *c, const char *key)
{
    struct tas_buf m = {0};
    size_t saved = push_key(c, key);

    tas_buf_puts(&m, "Required value");
    add_cause(c, "FieldValueRequired", path(c), &m);
    pop(c, saved);
}

/* "Invalid value: <bad>: <path> in body <detail>", kube-openapi's message
 * carried as the field error's detail */
static void err_value(struct ctx *c, const char *reason, const json_t *bad, const char *detail)
{
    struct tas_buf m = {0};

    tas_buf_puts(&m, "Invalid value: ");
    tas_buf_go_bad_value(&m, bad);
    tas_buf_puts(&m, ": ");
    in_body(&m, c);
    tas_buf_puts(&m, detail);
    add_cause(c, reason, path(c), &m);
}

/* consumes detail */
static void err_invalid(struct ctx *c, const json_t *bad, struct tas_buf *detail)
{
    if (detail->oom)
        c->oom = true;
    else
        err_value(c, "FieldValueInvalid", bad, tas_buf_str(detail));
    tas_buf_free(detail);
}

/* InvalidType: value is the string kube reports (a JSON type name, a format
 * or the offending string itself) */
static void err_type(struct ctx *c, const char *expected, const char *value)
{
    struct tas_buf d = {0};
    json_t *bad = json_string(value);

    tas_buf_printf(&d, "must be of type %s: ", expected);
    tas_buf_go_quote(&d, value);
    if (bad == NULL || d.oom)
        c->oom = true;
    else
        err_value(c, "FieldValueTypeInvalid", bad, tas_buf_str(&d));
    json_decref(bad);
    tas_buf_free(&d);
}

/* "should have at least <min> <what>" for a collection of n entries */
static void err_too_few(struct ctx *c, size_t n, json_int_t min, const char *what)
{
    struct tas_buf d = {0};
    json_t *v = json_integer((json_int_t)n);

    tas_buf_printf(&d, "should have at least %" JSON_INTEGER_FORMAT " %s", min, what);
    if (v == NULL)
        c->oom = true;
    err_invalid(c, v, &d);
    json_decref(v);
}

static void err_too_many(struct ctx *c, size_t actual, json_int_t max)
{
    struct tas_buf m = {0};

    tas_buf_printf(&m, "Too many: %zu: must have at most %" JSON_INTEGER_FORMAT " items", actual, max);
    add_cause(c, "FieldValueTooMany", path(c), &m);
}

/* ---- the kube-openapi validators, in kube's order ---- */

static void validate(struct ctx *c, const json_t *s, const json_t *v);
static void validate_metadata(struct ctx *c, const json_t *s, const json_t *v);

struct types {
    const char *t[2];
    size_t n;
};

static struct types types_of(const json_t *s)
{
    struct types ts = {.n = 0};
    const char *t = json_string_value(json_object_get(s, "type"));

    if (flag(s, "x-kubernetes-int-or-string")) {
        ts.t[0] = "integer";
        ts.t[1] = "string";
        ts.n = 2;
    } else if (t != NULL && t[0] != '\0') {
        ts.t[0] = t;
        ts.n = 1;
    }
    return ts;
}

static bool types_has(const struct types *ts, const char *t)
{
    for (size_t i = 0; i < ts->n; i++)
        if (strcmp(ts->t[i], t) == 0)
            return true;
    return false;
}

/* The format kube keeps after stripping unsupported ones, or NULL. */
static const char *kept_format(const json_t *s, const struct types *ts)
{
    const char *f = json_string_value(json_object_get(s, "format"));
    return tas_strfmt_kept(ts->n == 1 ? ts->t[0] : NULL, f) ? f : NULL;
}

static bool is_integral(const json_t *v)
{
    double d = json_real_value(v);
    return json_is_real(v) && isfinite(d) && d == floor(d);
}

static void check_type(struct ctx *c, const json_t *s, const json_t *v)
{
    struct types ts = types_of(s);
    const char *format = kept_format(s, &ts), *got, *got_format = "";
    char joined[32];
    bool float_int, int_float;

    if (ts.n == 0 && format == NULL)
        return;
    snprintf(joined, sizeof(joined), "%s%s%s", ts.n ? ts.t[0] : "", ts.n > 1 ? "," : "",
             ts.n > 1 ? ts.t[1] : "");
    switch (json_typeof(v)) {
    case JSON_NULL:
        if (ts.n > 0 && !flag(s, "nullable"))
            err_type(c, joined, "null");
        return;
    case JSON_TRUE:
    case JSON_FALSE: got = "boolean"; break;
    case JSON_STRING: got = "string"; break;
    case JSON_INTEGER: got = "integer"; got_format = "int64"; break;
    case JSON_REAL: got = "number"; got_format = "double"; break;
    case JSON_ARRAY: got = "array"; break;
    case JSON_OBJECT:
    default: got = "object"; break;
    }
    float_int = json_is_real(v) && is_integral(v) && types_has(&ts, "integer");
    int_float = json_is_integer(v) && types_has(&ts, "number");
    if (!json_is_string(v) && !json_is_array(v) && format != NULL &&
        !(types_has(&ts, got) || strcmp(format, got_format) == 0 || float_int || int_float)) {
        err_type(c, format, got_format);
        return;
    }
    /* kube skips the type check for strings and arrays when a string format
     * is set, so an array in a "date-time" field passes (faithfully kept) */
    if (!types_has(&ts, "number") && !types_has(&ts, "integer") && format != NULL &&
        (json_is_string(v) || json_is_array(v)))
        return;
    if (!(types_has(&ts, got) || float_int || int_float))
        err_type(c, joined, got);
}

static size_t rune_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static void check_string(struct ctx *c, const json_t *s, const json_t *v)
{
    const json_t *maxl = json_object_get(s, "maxLength"), *minl = json_object_get(s, "minLength");
    const char *pattern = json_string_value(json_object_get(s, "pattern"));
    const char *str = json_string_value(v);
    size_t len = rune_count(str);
    struct tas_buf d = {0};
    char err[256];
    regex_t re;

    if (json_is_integer(maxl) && (json_int_t)len > json_integer_value(maxl)) {
        tas_buf_printf(&d, "Too long: may not be longer than %" JSON_INTEGER_FORMAT,
                       json_integer_value(maxl));
        add_cause(c, "FieldValueTooLong", path(c), &d);
        return;
    }
    if (json_is_integer(minl) && (json_int_t)len < json_integer_value(minl)) {
        tas_buf_printf(&d, "should be at least %" JSON_INTEGER_FORMAT " chars long",
                       json_integer_value(minl));
        goto invalid;
    }
    if (pattern == NULL)
        return;
    if (tas_pattern_compile(&re, pattern, err, sizeof(err)) != 0) {
        tas_buf_printf(&d, "should match '%s, but pattern is invalid: %s'", pattern, err);
        goto invalid;
    }
    if (regexec(&re, str, 0, NULL, 0) != 0)
        tas_buf_printf(&d, "should match '%s'", pattern);
    regfree(&re);
    if (d.len == 0)
        return;
invalid:
    err_invalid(c, v, &d);
}

static void check_format(struct ctx *c, const json_t *s, const json_t *v)
{
    struct types ts = types_of(s);
    const char *format = kept_format(s, &ts);

    if (format != NULL && !tas_strfmt_valid(format, json_string_value(v)))
        err_type(c, format, json_string_value(v));
}

static void go_limit(struct tas_buf *d, const json_t *v, double limit)
{
    /* kube compares an integer with the limit truncated to an integer */
    if (json_is_integer(v))
        tas_buf_printf(d, "%lld", (long long)limit);
    else
        tas_buf_go_float(d, limit);
}

/* sign > 0: maximum, sign < 0: minimum. Like kube, an integer value is
 * compared with the bound truncated to an integer. */
static void check_bound(struct ctx *c, const json_t *s, const json_t *v, int sign)
{
    const json_t *b = json_object_get(s, sign > 0 ? "maximum" : "minimum");
    bool excl = flag(s, sign > 0 ? "exclusiveMaximum" : "exclusiveMinimum");
    struct tas_buf d = {0};
    double lim;
    int cmp;

    if (!json_is_number(b))
        return;
    lim = json_number_value(b);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v), l = (json_int_t)lim;
        cmp = (i > l) - (i < l);
    } else {
        double x = json_real_value(v);
        cmp = (x > lim) - (x < lim);
    }
    if (cmp * sign < 0 || (cmp == 0 && !excl))
        return;
    tas_buf_printf(&d, "should be %s than%s ", sign > 0 ? "less" : "greater",
                   excl ? "" : " or equal to");
    go_limit(&d, v, lim);
    err_invalid(c, v, &d);
}

static void check_number(struct ctx *c, const json_t *s, const json_t *v)
{
    const json_t *mult = json_object_get(s, "multipleOf");
    double f = json_number_value(mult), x = json_number_value(v);
    struct tas_buf d = {0};
    bool bad;

    if (json_is_number(mult) && f > 0) {
        bad = json_is_integer(v)
                  ? ((json_int_t)f != 0 && json_integer_value(v) % (json_int_t)f != 0)
                  : (x / f != floor(x / f));
        if (bad) {
            tas_buf_puts(&d, "should be a multiple of ");
            go_limit(&d, v, f);
            err_invalid(c, v, &d);
        }
    }
    check_bound(c, s, v, 1);
    check_bound(c, s, v, -1);
}

static void check_array(struct ctx *c, const json_t *s, const json_t *v)
{
    const json_t *items = json_object_get(s, "items"), *e;
    const json_t *minl = json_object_get(s, "minItems"), *maxl = json_object_get(s, "maxItems");
    size_t i, n = json_array_size(v);

    if (json_is_object(items)) {
        json_array_foreach(v, i, e) {
            size_t saved = push_index(c, i);
            validate(c, items, e);
            pop(c, saved);
        }
    }
    if (json_is_integer(minl) && (json_int_t)n < json_integer_value(minl))
        err_too_few(c, n, json_integer_value(minl), "items");
    if (json_is_integer(maxl) && (json_int_t)n > json_integer_value(maxl))
        err_too_many(c, n, json_integer_value(maxl));
}

/* basicCommonValidator: Go converts the value to each enum entry's type
 * before comparing, so 1 matches 1.0; null matches nothing. */
static bool enum_equal(const json_t *e, const json_t *v)
{
    if (json_is_number(e) && json_is_number(v))
        return json_number_value(e) == json_number_value(v);
    return !json_is_null(e) && json_equal(e, v);
}

static void check_enum(struct ctx *c, const json_t *s, const json_t *v)
{
    const json_t *values = json_object_get(s, "enum"), *e;
    struct tas_buf m = {0};
    size_t i;

    if (json_array_size(values) == 0)
        return;
    json_array_foreach(values, i, e)
        if (enum_equal(e, v))
            return;
    tas_buf_puts(&m, "Unsupported value: ");
    tas_buf_go_bad_value(&m, v);
    tas_buf_puts(&m, ": supported values: ");
    json_array_foreach(values, i, e) {
        if (i)
            tas_buf_puts(&m, ", ");
        if (json_is_string(e)) {
            tas_buf_go_quote(&m, json_string_value(e));
        } else {
            char *enc = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
            if (enc == NULL)
                m.oom = true;
            else
                tas_buf_go_quote(&m, enc);
            free(enc);
        }
    }
    add_cause(c, "FieldValueNotSupported", path(c), &m);
}

static void check_object(struct ctx *c, const json_t *s, const json_t *v)
{
    const json_t *maxp = json_object_get(s, "maxProperties"), *minp = json_object_get(s, "minProperties");
    const json_t *props = json_object_get(s, "properties"), *ap, *child, *req;
    size_t n = json_object_size(v), i, saved;
    const char *k;
    bool ap_present;

    if (json_is_integer(minp) && (json_int_t)n < json_integer_value(minp)) {
        err_too_few(c, n, json_integer_value(minp), "properties");
        return;
    }
    if (json_is_integer(maxp) && (json_int_t)n > json_integer_value(maxp)) {
        err_too_many(c, n, json_integer_value(maxp));
        return;
    }
    ap = additional(s, &ap_present);
    if (ap != NULL) {
        json_object_foreach((json_t *)v, k, child) {
            if (json_object_get(props, k) != NULL)
                continue;
            saved = push_key(c, k);
            validate(c, ap, child);
            pop(c, saved);
        }
    }
    json_object_foreach((json_t *)props, k, req) {
        bool root_meta = c->path.len == 0 && strcmp(k, "metadata") == 0;
        child = json_object_get(v, k);
        if (child == NULL)
            continue;
        saved = push_key(c, k);
        if (root_meta)
            validate_metadata(c, req, child);
        else
            validate(c, req, child);
        pop(c, saved);
    }
    json_array_foreach(json_object_get(s, "required"), i, req)
        if (json_is_string(req) && json_object_get(v, json_string_value(req)) == NULL)
            err_required(c, json_string_value(req));
}

static void validate(struct ctx *c, const json_t *s, const json_t *v)
{
    if (!json_is_object(s))
        return;
    check_type(c, s, v);
    if (json_is_string(v)) {
        check_string(c, s, v);
        check_format(c, s, v);
    } else if (json_is_number(v)) {
        check_number(c, s, v);
    } else if (json_is_array(v)) {
        check_array(c, s, v);
    }
    check_enum(c, s, v);
    if (json_is_object(v))
        check_object(c, s, v);
}

/* Root metadata: kube validates ObjectMeta itself; the CRD schema may only
 * constrain name and generateName. */
static void validate_metadata(struct ctx *c, const json_t *s, const json_t *v)
{
    static const char *const fields[] = {"name", "generateName"};

    if (!json_is_object(s))
        return;
    check_type(c, s, v);
    for (size_t i = 0; i < 2; i++) {
        const json_t *child = json_object_get(v, fields[i]);
        if (json_is_object(v) && child != NULL) {
            size_t saved = push_key(c, fields[i]);
            validate(c, prop(s, fields[i]), child);
            pop(c, saved);
        }
    }
}

/* ---- x-kubernetes-list-type ---- */

static void list_types(struct ctx *c, const json_t *s, const json_t *v);

static void err_duplicate(struct ctx *c, size_t index, const json_t *value)
{
    struct tas_buf m = {0};
    size_t saved = push_index(c, index);

    tas_buf_puts(&m, "Duplicate value: ");
    tas_buf_go_bad_value(&m, value);
    add_cause(c, "FieldValueDuplicate", path(c), &m);
    pop(c, saved);
}

/* The key of a list-map entry: the key fields it has, {} when none. */
static json_t *map_key(const json_t *entry, const json_t *keys)
{
    json_t *key = json_object();
    const json_t *k;
    size_t i;

    json_array_foreach(keys, i, k) {
        const json_t *kv = json_object_get(entry, json_string_value(k));
        if (key != NULL && kv != NULL && json_object_set(key, json_string_value(k), (json_t *)kv))
            json_decref(key), key = NULL;
    }
    return key;
}

/* listtype.validateListSet: each value that repeats is reported once, at
 * its second occurrence, with the repeated value. */
static void report_duplicates(struct ctx *c, const json_t *vals, const json_t *shown)
{
    size_t i, j, n = json_array_size(vals);

    for (i = 1; i < n; i++) {
        size_t seen = 0;
        for (j = 0; j < i; j++)
            if (json_equal(json_array_get(vals, i), json_array_get(vals, j)))
                seen++;
        if (seen == 1)
            err_duplicate(c, i, json_array_get(shown, i));
    }
}

static void list_map(struct ctx *c, const json_t *s, const json_t *v)
{
    const json_t *keys = json_object_get(s, "x-kubernetes-list-map-keys"), *e;
    json_t *found, *shown;
    size_t i;

    json_array_foreach(v, i, e) {
        if (!json_is_object(e) && !json_is_null(e)) {
            size_t saved = push_index(c, i);
            struct tas_buf m = {0};
            tas_buf_puts(&m, "Invalid value: ");
            tas_buf_go_bad_value(&m, e);
            tas_buf_puts(&m, ": must be an object for an array of list-type map");
            add_cause(c, "FieldValueInvalid", path(c), &m);
            pop(c, saved);
            return;
        }
    }
    found = json_array();
    shown = json_array();
    if (found == NULL || shown == NULL)
        goto oom;
    json_array_foreach(v, i, e) {
        json_t *key = map_key(e, keys);
        /* with one key kube compares the bare values, a missing key being its
         * own value, but reports {key: value} (or {} when missing) */
        const json_t *single = json_array_size(keys) == 1
                                   ? json_object_get(key, json_string_value(json_array_get(keys, 0)))
                                   : NULL;
        if (key == NULL || json_array_append(shown, key) ||
            json_array_append(found, single ? (json_t *)single : key)) {
            json_decref(key);
            goto oom;
        }
        json_decref(key);
    }
    report_duplicates(c, found, shown);
    goto out;
oom:
    c->oom = true;
out:
    json_decref(found);
    json_decref(shown);
}

static void list_types_array(struct ctx *c, const json_t *s, const json_t *v)
{
    const char *lt = json_string_value(json_object_get(s, "x-kubernetes-list-type"));
    const json_t *items = json_object_get(s, "items"), *e;
    size_t i;

    if (lt != NULL && strcmp(lt, "set") == 0)
        report_duplicates(c, v, v);
    else if (lt != NULL && strcmp(lt, "map") == 0)
        list_map(c, s, v);
    if (!json_is_object(items))
        return;
    json_array_foreach(v, i, e) {
        size_t saved = push_index(c, i);
        list_types(c, items, e);
        pop(c, saved);
    }
}

static void list_types(struct ctx *c, const json_t *s, const json_t *v)
{
    const json_t *child, *ps, *ap;
    const char *k;
    bool ap_present;

    if (!json_is_object(s))
        return;
    if (json_is_array(v)) {
        list_types_array(c, s, v);
        return;
    }
    if (!json_is_object(v))
        return;
    ap = additional(s, &ap_present);
    if (ap != NULL) {
        json_object_foreach((json_t *)v, k, child) {
            size_t saved = push_map_key(c, k);
            list_types(c, ap, child);
            pop(c, saved);
        }
    }
    json_object_foreach((json_t *)v, k, child) {
        size_t saved;
        ps = prop(s, k);
        if (ps == NULL)
            continue;
        saved = push_key(c, k);
        list_types(c, ps, child);
        pop(c, saved);
    }
}

/* ---- pruning and defaulting ---- */

static bool meta_field(const char *k)
{
    return strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0 || strcmp(k, "metadata") == 0;
}

static void record_unknown(struct ctx *c, const char *k)
{
    size_t saved = push_key(c, k);

    if (c->unknown != NULL && json_array_append_new(c->unknown, json_string(path(c))) != 0)
        c->oom = true;
    pop(c, saved);
}

static void prune(struct ctx *c, json_t *x, const json_t *s, bool embedded);

static bool embedded_of(const json_t *s)
{
    return flag(s, "x-kubernetes-embedded-resource");
}

/* x-kubernetes-preserve-unknown-fields: unknown keys stay, known ones are
 * still pruned inside */
static void skip_prune(struct ctx *c, json_t *x, const json_t *s, bool embedded)
{
    const json_t *ps, *ap;
    json_t *v;
    const char *k;
    bool ap_present;
    size_t i, saved;

    if (json_is_object(x)) {
        ap = additional(s, &ap_present);
        json_object_foreach(x, k, v) {
            if (embedded && meta_field(k))
                continue;
            ps = prop(s, k);
            if (ps == NULL && !ap_present)
                continue;
            saved = push_key(c, k);
            prune(c, v, ps ? ps : ap, embedded_of(ps ? ps : ap));
            pop(c, saved);
        }
    } else if (json_is_array(x)) {
        ps = json_object_get(s, "items");
        json_array_foreach(x, i, v) {
            if (!json_is_object(ps))
                break;
            saved = push_index(c, i);
            skip_prune(c, v, ps, embedded_of(ps));
            pop(c, saved);
        }
    }
}

static void prune(struct ctx *c, json_t *x, const json_t *s, bool embedded)
{
    const json_t *ps, *ap;
    json_t *v;
    const char *k;
    void *tmp;
    bool ap_present = false;
    size_t i, saved;

    if (flag(s, "x-kubernetes-preserve-unknown-fields")) {
        skip_prune(c, x, s, embedded);
        return;
    }
    if (json_is_object(x)) {
        ap = additional(s, &ap_present);
        json_object_foreach_safe(x, tmp, k, v) {
            if (embedded && meta_field(k))
                continue;
            ps = prop(s, k);
            if (ps != NULL || ap_present) {
                saved = push_key(c, k);
                prune(c, v, ps ? ps : ap, embedded_of(ps ? ps : ap));
                pop(c, saved);
            } else {
                record_unknown(c, k);
                json_object_del(x, k);
            }
        }
    } else if (json_is_array(x)) {
        ps = json_object_get(s, "items");
        json_array_foreach(x, i, v) {
            saved = push_index(c, i);
            prune(c, v, ps, embedded_of(ps));
            pop(c, saved);
        }
    }
}

static const json_t *field_schema(const json_t *s, const char *k)
{
    bool present;
    const json_t *ps = prop(s, k);
    return ps ? ps : additional(s, &present);
}

static bool droppable_null(const json_t *v, const json_t *s)
{
    return json_is_null(v) && s != NULL && !flag(s, "nullable") && !has_default(s);
}

static void prune_nulls(json_t *x, const json_t *s)
{
    json_t *v;
    const char *k;
    void *tmp;
    size_t i;

    if (json_is_object(x)) {
        json_object_foreach_safe(x, tmp, k, v) {
            const json_t *fs = field_schema(s, k);
            if (droppable_null(v, fs))
                json_object_del(x, k);
            else
                prune_nulls(v, fs);
        }
    } else if (json_is_array(x)) {
        json_array_foreach(x, i, v)
            prune_nulls(v, json_object_get(s, "items"));
    }
}

static bool replaceable_null(const json_t *v, const json_t *s)
{
    return json_is_null(v) && s != NULL && !flag(s, "nullable") && has_default(s);
}

static void apply_defaults(struct ctx *c, json_t *x, const json_t *s)
{
    const json_t *ps, *items;
    json_t *v;
    const char *k;
    size_t i;

    if (!json_is_object(s))
        return;
    if (json_is_object(x)) {
        json_object_foreach((json_t *)json_object_get(s, "properties"), k, ps) {
            v = json_object_get(x, k);
            if (has_default(ps) && (v == NULL || replaceable_null(v, ps)) &&
                json_object_set_new(x, k, json_deep_copy(json_object_get(ps, "default"))) != 0)
                c->oom = true;
        }
        json_object_foreach(x, k, v) {
            const json_t *fs = field_schema(s, k);
            if (replaceable_null(v, fs) &&
                json_object_set_new(x, k, json_deep_copy(json_object_get(fs, "default"))) != 0)
                c->oom = true;
            apply_defaults(c, json_object_get(x, k), fs);
        }
    } else if (json_is_array(x)) {
        items = json_object_get(s, "items");
        json_array_foreach(x, i, v) {
            if (replaceable_null(v, items) &&
                json_array_set_new(x, i, json_deep_copy(json_object_get(items, "default"))) != 0)
                c->oom = true;
            apply_defaults(c, json_array_get(x, i), items);
        }
    }
}

json_t *tas_schema_apply_ex(const json_t *schema, json_t *obj, json_t **unknown)
{
    struct ctx c = {.causes = json_array()};

    if (unknown != NULL) {
        *unknown = NULL;
        c.unknown = json_array();
        if (c.unknown == NULL)
            c.oom = true;
    }
    if (c.causes == NULL || c.oom)
        goto fail;

    prune(&c, obj, schema, true);
    prune_nulls(obj, schema);
    apply_defaults(&c, obj, schema);
    validate(&c, schema, obj);
    list_types(&c, schema, obj);
    if (c.oom)
        goto fail;
    tas_buf_free(&c.path);
    if (unknown != NULL)
        *unknown = c.unknown;
    return c.causes;
fail:
    tas_buf_free(&c.path);
    json_decref(c.unknown);
    json_decref(c.causes);
    return NULL;
}

json_t *tas_schema_apply(const json_t *schema, json_t *obj)
{
    return tas_schema_apply_ex(schema, obj, NULL);
}

int tas_schema_invalid_message(const char *kind, const char *group, const char *name,
                               const json_t *causes, char *buf, size_t len)
{
    struct tas_buf list = {0}, m = {0};
    json_t *seen = json_object();
    const json_t *cause;
    size_t i, shown = 0;
    int rc = 0;

    if (seen == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    /* field.ErrorList.ToAggregate: "field: message", duplicates once */
    json_array_foreach(causes, i, cause) {
        struct tas_buf one = {0};
        tas_buf_printf(&one, "%s: %s", json_string_value(json_object_get(cause, "field")),
                       json_string_value(json_object_get(cause, "message")));
        if (!one.oom && json_object_get(seen, tas_buf_str(&one)) == NULL) {
            if (json_object_set_new(seen, tas_buf_str(&one), json_true()) != 0)
                list.oom = true;
            tas_buf_printf(&list, "%s%s", shown++ ? ", " : "", tas_buf_str(&one));
        }
        list.oom |= one.oom;
        tas_buf_free(&one);
    }
    tas_buf_printf(&m, "%s%s%s \"%s\" is invalid", kind, group && group[0] ? "." : "",
                   group ? group : "", name);
    if (shown == 1)
        tas_buf_printf(&m, ": %s", tas_buf_str(&list));
    else if (shown > 1)
        tas_buf_printf(&m, ": [%s]", tas_buf_str(&list));
    if (m.oom || list.oom) {
        rc = -ENOMEM;
        goto out;
    }
    if ((size_t)snprintf(buf, len, "%s", m.p) >= len)
        rc = -ENOSPC;
out:
    json_decref(seen);
    tas_buf_free(&list);
    tas_buf_free(&m);
    return rc;
}

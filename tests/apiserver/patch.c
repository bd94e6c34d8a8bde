/* Strategic merge patch follows apimachinery's strategicpatch.mergeMap with
 * MergeParallelList and IgnoreUnmatchedNulls, the options kube-apiserver
 * uses. The patch metadata Go reads from struct tags is the table below.
 * Hand-written: there is no C implementation of strategic merge patch. */
#include "patch.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define DELETE_FROM "$deleteFromPrimitiveList"
#define SET_ORDER "$setElementOrder"

/* ---- patch metadata of the built-in kinds ---- */

struct smp_type;

struct smp_field {
    const char *name;
    const struct smp_type *type; /* of the value, or of a list's elements */
    bool merge;                  /* patchStrategy:"merge" on a list */
    const char *key;             /* patchMergeKey; NULL for a list of scalars */
};

struct smp_type {
    const struct smp_field *fields;
    size_t n;
};

#define TYPE(name) static const struct smp_type name = {name##_F, sizeof(name##_F) / sizeof(name##_F[0])}

static const struct smp_field OBJECT_META_F[] = {
    {"finalizers", NULL, true, NULL},
    {"ownerReferences", NULL, true, "uid"},
};
TYPE(OBJECT_META);

static const struct smp_field CONTAINER_F[] = {
    {"ports", NULL, true, "containerPort"},
    {"env", NULL, true, "name"},
    {"volumeMounts", NULL, true, "mountPath"},
    {"volumeDevices", NULL, true, "devicePath"},
};
TYPE(CONTAINER);

static const struct smp_field POD_SPEC_F[] = {
    {"volumes", NULL, true, "name"},
    {"initContainers", &CONTAINER, true, "name"},
    {"containers", &CONTAINER, true, "name"},
    {"ephemeralContainers", &CONTAINER, true, "name"},
    {"imagePullSecrets", NULL, true, "name"},
    {"hostAliases", NULL, true, "ip"},
    {"topologySpreadConstraints", NULL, true, "topologyKey"},
    {"resourceClaims", NULL, true, "name"},
    {"schedulingGates", NULL, true, "name"},
};
TYPE(POD_SPEC);

static const struct smp_field POD_STATUS_F[] = {
    {"conditions", NULL, true, "type"},
    {"podIPs", NULL, true, "ip"},
    {"hostIPs", NULL, true, "ip"},
};
TYPE(POD_STATUS);

/* status of Job, Namespace and PersistentVolumeClaim */
static const struct smp_field CONDITIONS_STATUS_F[] = {
    {"conditions", NULL, true, "type"},
};
TYPE(CONDITIONS_STATUS);

static const struct smp_field POD_F[] = {
    {"metadata", &OBJECT_META, false, NULL},
    {"spec", &POD_SPEC, false, NULL},
    {"status", &POD_STATUS, false, NULL},
};
TYPE(POD);

static const struct smp_field POD_TEMPLATE_SPEC_F[] = {
    {"metadata", &OBJECT_META, false, NULL},
    {"spec", &POD_SPEC, false, NULL},
};
TYPE(POD_TEMPLATE_SPEC);

static const struct smp_field JOB_SPEC_F[] = {
    {"template", &POD_TEMPLATE_SPEC, false, NULL},
};
TYPE(JOB_SPEC);

static const struct smp_field JOB_F[] = {
    {"metadata", &OBJECT_META, false, NULL},
    {"spec", &JOB_SPEC, false, NULL},
    {"status", &CONDITIONS_STATUS, false, NULL},
};
TYPE(JOB);

static const struct smp_field WITH_CONDITIONS_F[] = {
    {"metadata", &OBJECT_META, false, NULL},
    {"status", &CONDITIONS_STATUS, false, NULL},
};
TYPE(WITH_CONDITIONS);

static const struct smp_field SERVICE_ACCOUNT_F[] = {
    {"metadata", &OBJECT_META, false, NULL},
    {"secrets", NULL, true, "name"},
};
TYPE(SERVICE_ACCOUNT);

static const struct smp_field META_ONLY_F[] = {
    {"metadata", &OBJECT_META, false, NULL},
};
TYPE(META_ONLY);

static const struct smp_field VAP_SPEC_F[] = {
    {"matchConditions", NULL, true, "name"},
};
TYPE(VAP_SPEC);

static const struct smp_field VAP_F[] = {
    {"metadata", &OBJECT_META, false, NULL},
    {"spec", &VAP_SPEC, false, NULL},
    {"status", &CONDITIONS_STATUS, false, NULL},
};
TYPE(VAP);

static const struct {
    const char *kind;
    const struct smp_type *type;
} KINDS[] = {
    {"Pod", &POD},
    {"Job", &JOB},
    {"ServiceAccount", &SERVICE_ACCOUNT},
    {"Namespace", &WITH_CONDITIONS},
    {"PersistentVolumeClaim", &WITH_CONDITIONS},
    {"Event", &META_ONLY},
    {"Lease", &META_ONLY},
    {"Secret", &META_ONLY},
    {"ConfigMap", &META_ONLY},
    {"ValidatingAdmissionPolicy", &VAP},
    {"ValidatingAdmissionPolicyBinding", &META_ONLY},
    {"Role", &META_ONLY},
    {"ClusterRole", &META_ONLY},
    {"RoleBinding", &META_ONLY},
    {"ClusterRoleBinding", &META_ONLY},
};

static const struct smp_type *kind_type(const char *kind)
{
    for (size_t i = 0; kind != NULL && i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
        if (strcmp(KINDS[i].kind, kind) == 0)
            return KINDS[i].type;
    return NULL;
}

static const struct smp_field *field_of(const struct smp_type *t, const char *name)
{
    for (size_t i = 0; t != NULL && i < t->n; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

/* ---- JSON merge patch ---- */

json_t *tas_merge_patch(const json_t *target, const json_t *patch)
{
    json_t *out;
    const char *k;
    const json_t *pv;

    if (!json_is_object(patch))
        return json_deep_copy(patch);
    out = json_is_object(target) ? json_deep_copy(target) : json_object();
    json_object_foreach((json_t *)patch, k, pv) {
        json_t *merged;
        if (out == NULL)
            return NULL;
        if (json_is_null(pv)) {
            json_object_del(out, k);
            continue;
        }
        merged = tas_merge_patch(json_object_get(out, k), pv);
        if (merged == NULL || json_object_set_new(out, k, merged) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* ---- strategic merge patch ---- */

struct smp {
    char *err;
    size_t errlen;
    int rc;
};

static void *fail(struct smp *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void *fail(struct smp *c, int rc, const char *fmt, ...)
{
    va_list ap;

    if (c->rc == 0) {
        c->rc = rc;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static void *oom(struct smp *c)
{
    return fail(c, -ENOMEM, "out of memory");
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool directive_key(const char *k)
{
    return strcmp(k, DIRECTIVE) == 0 || strcmp(k, RETAIN_KEYS) == 0 || starts(k, DELETE_FROM) ||
           starts(k, SET_ORDER);
}

/* Go decodes every JSON number as float64, so 1 and 1.0 are one merge key */
static bool scalar_eq(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (a == NULL || b == NULL)
        return a == b;
    return json_equal(a, b);
}

static bool same_kind(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return true;
    if (json_is_boolean(a) && json_is_boolean(b))
        return true;
    return json_typeof(a) == json_typeof(b);
}

/* A patch subtree taken as a whole, as kube's decoding into typed objects
 * leaves it: no null members, no directives, and integral numbers as
 * integers (Go reads JSON numbers as float64; the typed fields are ints).
 * New reference. */
static json_t *clean(const json_t *v)
{
    json_t *out, *e;
    const char *k;
    size_t i;

    if (json_is_object(v)) {
        out = json_object();
        json_object_foreach((json_t *)v, k, e) {
            json_t *c;
            if (out == NULL || json_is_null(e) || directive_key(k))
                continue;
            c = clean(e);
            if (c == NULL || json_object_set_new(out, k, c) != 0) {
                json_decref(out);
                out = NULL;
            }
        }
        return out;
    }
    if (json_is_array(v)) {
        out = json_array();
        json_array_foreach(v, i, e) {
            json_t *c;
            if (out == NULL || json_object_get(e, DIRECTIVE) != NULL)
                continue;
            c = clean(e);
            if (c == NULL || json_array_append_new(out, c) != 0) {
                json_decref(out);
                out = NULL;
            }
        }
        return out;
    }
    if (json_is_real(v) && fabs(json_real_value(v)) < 9e18 &&
        json_real_value(v) == floor(json_real_value(v)))
        return json_integer((json_int_t)json_real_value(v));
    return json_deep_copy(v);
}

static json_t *merge_map(struct smp *c, json_t *orig, const json_t *patch, const struct smp_type *t);

/* the value lists are compared by: the merge key of maps, the item itself otherwise */
static const json_t *order_value(const json_t *item, const char *key)
{
    return key ? json_object_get(item, key) : item;
}

static long index_in(const json_t *list, const json_t *item, const char *key)
{
    size_t i;
    const json_t *e;

    json_array_foreach(list, i, e)
        if (scalar_eq(order_value(item, key), order_value(e, key)))
            return (long)i;
    return -1;
}

static void *no_merge_key(struct smp *c, const json_t *item, const char *key)
{
    char *s = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);

    fail(c, -EINVAL, "map: %s does not contain declared merge key: %s", s ? s : "?", key);
    free(s);
    return NULL;
}

/* validateMergeKeyInLists */
static bool has_merge_key(struct smp *c, const json_t *list, const char *key)
{
    size_t i;
    const json_t *e;

    json_array_foreach(list, i, e)
        if (json_object_get(e, key) == NULL)
            return no_merge_key(c, e, key), false;
    return true;
}

/* normalizeSliceOrder: sort.SliceStable (an insertion sort at these sizes)
 * with kube's comparator, which calls an item missing from order "less". */
static void sort_by(json_t *items, const json_t *order, const char *key)
{
    size_t n = json_array_size(items);

    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(items, j), *b = json_array_get(items, j - 1);
            long ia = index_in(order, a, key), ib = index_in(order, b, key);
            if (ia >= 0 && ib >= 0 && ia >= ib)
                break;
            json_incref(a);
            json_incref(b);
            json_array_set_new(items, j, b);
            json_array_set_new(items, j - 1, a);
        }
    }
}

/* normalizeElementOrder then mergeSortedSlice: patch items keep the patch's
 * order, server-only items the live order, and a server-only item goes
 * before a patch item only when the live list had both and it first.
 * Consumes patch_items and server_only; returns a new list. */
static json_t *normalize(struct smp *c, json_t *patch_items, json_t *server_only,
                         const json_t *patch_order, const json_t *server_order, const char *key)
{
    json_t *out = NULL;
    size_t i = 0, j = 0, nl = json_array_size(server_only), nr = json_array_size(patch_items);

    if (key != NULL && (!has_merge_key(c, patch_items, key) || !has_merge_key(c, patch_order, key) ||
                        !has_merge_key(c, server_only, key) || !has_merge_key(c, server_order, key)))
        goto out;
    out = json_array();
    if (out == NULL) {
        oom(c);
        goto out;
    }
    sort_by(patch_items, patch_order, key);
    sort_by(server_only, server_order, key);
    while (i < nl || j < nr) {
        json_t *take;
        if (j >= nr) {
            take = json_array_get(server_only, i++);
        } else if (i >= nl) {
            take = json_array_get(patch_items, j++);
        } else {
            long li = index_in(server_order, json_array_get(server_only, i), key);
            long ri = index_in(server_order, json_array_get(patch_items, j), key);
            take = li >= 0 && ri >= 0 && li < ri ? json_array_get(server_only, i++)
                                                 : json_array_get(patch_items, j++);
        }
        if (json_array_append(out, take) != 0) {
            json_decref(out);
            out = oom(c);
            break;
        }
    }
out:
    json_decref(patch_items);
    json_decref(server_only);
    return out;
}

/* Splits merged into the items present in `by` and the rest, then orders
 * them; consumes merged. */
static json_t *partition_and_order(struct smp *c, json_t *merged, const json_t *by,
                                   const json_t *patch_order, const json_t *server_order,
                                   const char *key)
{
    json_t *in = json_array(), *rest = json_array(), *e;
    size_t i;

    if (in == NULL || rest == NULL) {
        oom(c);
        goto fail;
    }
    if (key != NULL && !has_merge_key(c, merged, key))
        goto fail;
    json_array_foreach(merged, i, e) {
        if (json_array_append(index_in(by, e, key) >= 0 ? in : rest, e) != 0) {
            oom(c);
            goto fail;
        }
    }
    json_decref(merged);
    return normalize(c, in, rest, patch_order, server_order, key);
fail:
    json_decref(in);
    json_decref(rest);
    json_decref(merged);
    return NULL;
}

/* sliceElementType: every element of both lists has one JSON type, not a list. */
static int element_kind(struct smp *c, const json_t *a, const json_t *b)
{
    const json_t *lists[2] = {a, b}, *first = NULL, *e;
    size_t i;

    for (int l = 0; l < 2; l++) {
        json_array_foreach(lists[l], i, e) {
            if (json_is_array(e))
                return fail(c, -EINVAL, "lists of lists are not supported"), -1;
            if (first == NULL)
                first = e;
            else if (!same_kind(first, e))
                return fail(c, -EINVAL, "list element types are not identical"), -1;
        }
    }
    if (first == NULL)
        return fail(c, -EINVAL, "no elements in any of the given slices"), -1;
    return json_typeof(first);
}

/* a copy of list: without the values in `drop` (a $deleteFromPrimitiveList
 * directive), or with the values of `add` it lacks (a set union) */
static json_t *scalars(const json_t *list, const json_t *drop, const json_t *add)
{
    json_t *out = json_array();
    const json_t *parts[2] = {list, add}, *e;
    size_t i;

    for (int l = 0; l < 2; l++) {
        json_array_foreach(parts[l], i, e) {
            bool skip = drop ? index_in(drop, e, NULL) >= 0 : index_in(out, e, NULL) >= 0;
            if (out != NULL && !skip && json_array_append(out, (json_t *)e) != 0) {
                json_decref(out);
                out = NULL;
            }
        }
    }
    return out;
}

static json_t *merge_scalars(struct smp *c, const json_t *orig, const json_t *patch, bool delete_list)
{
    json_t *merged = delete_list ? scalars(orig, patch, NULL) : scalars(orig, NULL, patch);

    if (merged == NULL)
        return oom(c);
    if (delete_list)
        return merged;
    return partition_and_order(c, merged, patch, patch, orig, NULL);
}

/* mergeSliceWithSpecialElements: applies "$patch: delete" elements to orig
 * (which the caller owns) and reports "$patch: replace"; returns the other
 * elements. */
static json_t *special_elements(struct smp *c, json_t *orig, const json_t *patch, const char *key,
                                bool *replace)
{
    json_t *plain = json_array();
    const json_t *e, *d;
    size_t i;

    if (plain == NULL)
        return oom(c);
    *replace = false;
    json_array_foreach(patch, i, e) {
        const char *ds;
        d = json_object_get(e, DIRECTIVE);
        ds = json_string_value(d);
        if (d == NULL) {
            if (json_array_append(plain, (json_t *)e) != 0) {
                oom(c);
                goto fail;
            }
        } else if (ds != NULL && strcmp(ds, "delete") == 0) {
            const json_t *kv = json_object_get(e, key);
            if (kv == NULL) {
                no_merge_key(c, e, key);
                goto fail;
            }
            for (size_t j = json_array_size(orig); j-- > 0;)
                if (scalar_eq(json_object_get(json_array_get(orig, j), key), kv))
                    json_array_remove(orig, j);
        } else if (ds != NULL && strcmp(ds, "replace") == 0) {
            *replace = true;
        } else if (ds != NULL && strcmp(ds, "merge") == 0) {
            fail(c, -EINVAL, "merging lists cannot yet be specified in the patch");
            goto fail;
        } else {
            fail(c, -EINVAL, "unknown patch type: %s in list element %zu", ds ? ds : "(not a string)", i);
            goto fail;
        }
    }
    return plain;
fail:
    json_decref(plain);
    return NULL;
}

/* mergeSliceWithoutSpecialElements: each patch map is merged into the live
 * map with the same key, or appended. */
static int merge_by_key(struct smp *c, json_t *merged, const json_t *plain, const struct smp_field *f)
{
    const json_t *e;
    size_t i;

    if (!has_merge_key(c, plain, f->key))
        return -1;
    json_array_foreach(plain, i, e) {
        long at = index_in(merged, e, f->key);
        json_t *m;

        if (at < 0) {
            m = clean(e);
            if (m == NULL || json_array_append_new(merged, m) != 0)
                return oom(c), -1;
            continue;
        }
        m = json_array_get(merged, (size_t)at);
        if (!json_is_object(m))
            return fail(c, -EINVAL, "value for key %ld is not a map.", at), -1;
        m = merge_map(c, json_incref(m), e, f->type);
        if (m == NULL)
            return -1;
        if (json_array_set_new(merged, (size_t)at, m) != 0)
            return oom(c), -1;
    }
    return 0;
}

/* mergeSlice for a list with patchStrategy merge. New reference or NULL. */
static json_t *merge_list(struct smp *c, const json_t *orig_list, const json_t *patch_list,
                          const struct smp_field *f, bool delete_list)
{
    json_t *orig = NULL, *plain = NULL, *merged = NULL, *out = NULL;
    bool replace = false;
    int kind;

    if (json_array_size(orig_list) == 0 && json_array_size(patch_list) == 0)
        return json_array();
    kind = element_kind(c, orig_list, patch_list);
    if (kind < 0)
        return NULL;
    if (kind != JSON_OBJECT)
        return merge_scalars(c, orig_list, patch_list, delete_list);
    if (f->key == NULL)
        return fail(c, -EINVAL, "cannot merge lists without merge key for type map");
    /* the live list after deletions is the order server-only items keep */
    orig = json_deep_copy(orig_list);
    if (orig == NULL)
        return oom(c);
    plain = special_elements(c, orig, patch_list, f->key, &replace);
    if (plain == NULL)
        goto out;
    if (replace) {
        json_decref(orig);
        orig = clean(plain);
        json_array_clear(plain);
        if (orig == NULL) {
            oom(c);
            goto out;
        }
    }
    merged = json_deep_copy(orig);
    if (merged == NULL) {
        oom(c);
        goto out;
    }
    if (merge_by_key(c, merged, plain, f) != 0)
        goto out;
    out = partition_and_order(c, merged, plain, plain, orig, f->key);
    merged = NULL;
out:
    json_decref(merged);
    json_decref(plain);
    json_decref(orig);
    return out;
}

/* mergeSliceHandler: merge lists merge, others are replaced by the patch */
static json_t *merge_or_replace(struct smp *c, const json_t *orig, const json_t *patch,
                                const struct smp_field *f, bool delete_list)
{
    json_t *v;

    if (f != NULL && f->merge)
        return merge_list(c, orig, patch, f, delete_list);
    v = clean(patch);
    return v ? v : oom(c);
}

/* "$prefix/field" -> field */
static const char *directive_target(struct smp *c, const char *key, const char *prefix,
                                    const char *bad)
{
    if (key[strlen(prefix)] != '/')
        return fail(c, -EINVAL, "%s", bad);
    return key + strlen(prefix) + 1;
}

static bool has_name(const json_t *list, const char *name)
{
    size_t i;
    const json_t *e;

    json_array_foreach(list, i, e)
        if (json_is_string(e) && strcmp(json_string_value(e), name) == 0)
            return true;
    return false;
}

/* applyRetainKeysDirective: every patched field must be retained; live
 * fields not retained are cleared. Deletes the directive from work. */
static int retain_keys(struct smp *c, json_t *orig, json_t *work)
{
    const json_t *keys = json_object_get(work, RETAIN_KEYS), *v;
    const char *k;
    void *tmp;
    json_t *ov;

    if (keys == NULL)
        return 0;
    if (!json_is_array(keys))
        return fail(c, -EINVAL, "invalid patch format of retainKeys"), -1;
    json_object_foreach(work, k, v) {
        if (json_is_null(v) || starts(k, DELETE_FROM) || starts(k, SET_ORDER) ||
            strcmp(k, RETAIN_KEYS) == 0)
            continue;
        if (!has_name(keys, k))
            return fail(c, -EINVAL, "invalid patch format of retainKeys"), -1;
    }
    json_object_foreach_safe(orig, tmp, k, ov)
        if (!has_name(keys, k))
            json_object_del(orig, k);
    json_object_del(work, RETAIN_KEYS);
    return 0;
}

static bool delete_item(const json_t *item, const char *key)
{
    const char *d = json_string_value(json_object_get(item, DIRECTIVE));
    return key != NULL && d != NULL && strcmp(d, "delete") == 0;
}

/* validatePatchWithSetOrderList: the patch list's items (deletions aside)
 * appear in the order list, in the same relative order. */
static int check_order(struct smp *c, const json_t *patch, const json_t *order, const char *key)
{
    size_t p = 0, o = 0, np = json_array_size(patch), no = json_array_size(order);
    char *ps, *os;

    if (np == 0 || no == 0)
        return 0;
    for (; o < no; o++) {
        const json_t *item, *want = json_array_get(order, o);
        while (p < np && delete_item(json_array_get(patch, p), key))
            p++;
        if (p >= np)
            break;
        item = json_array_get(patch, p);
        if (json_object_get(item, DIRECTIVE) != NULL) {
            p++;
            continue;
        }
        if (key != NULL && json_object_get(item, key) == NULL)
            return no_merge_key(c, item, key), -1;
        if (key != NULL && json_object_get(want, key) == NULL)
            return no_merge_key(c, want, key), -1;
        if (scalar_eq(order_value(item, key), order_value(want, key)))
            p++;
    }
    while (p < np && delete_item(json_array_get(patch, p), key))
        p++;
    if (p >= np)
        return 0;
    ps = json_dumps(patch, JSON_COMPACT);
    os = json_dumps(order, JSON_COMPACT);
    fail(c, -EINVAL, "The order in patch list:\n%s\n doesn't match " SET_ORDER " list:\n%s\n",
         ps ? ps : "?", os ? os : "?");
    free(ps);
    free(os);
    return -1;
}

/* mergePatchIntoOriginal: each $setElementOrder/<field> merges that list now
 * and orders it by the directive, then removes both from work, the copy of
 * patch the caller merges afterwards. */
static int set_element_order(struct smp *c, json_t *orig, const json_t *patch, json_t *work,
                             const struct smp_type *t)
{
    const char *k;
    json_t *order;

    json_object_foreach((json_t *)patch, k, order) {
        const char *field;
        const json_t *ol, *pl;
        const struct smp_field *f;
        json_t *merged, *done, *none;
        int kind;

        if (!starts(k, SET_ORDER))
            continue;
        field = directive_target(c, k, SET_ORDER, "invalid patch format of setElementOrder list");
        if (field == NULL)
            return -1;
        ol = json_object_get(orig, field);
        pl = json_object_get(patch, field);
        if (!json_is_array(order) || (ol && !json_is_array(ol)) || (pl && !json_is_array(pl)))
            return fail(c, -EINVAL, "invalid patch format of setElementOrder list"), -1;
        f = field_of(t, field);
        if (check_order(c, pl, order, f ? f->key : NULL) != 0)
            return -1;
        if (ol == NULL && pl == NULL) {
            json_object_del(work, k);
            continue;
        }
        if (ol != NULL && pl != NULL)
            merged = merge_or_replace(c, ol, pl, f, false);
        else
            merged = clean(ol ? ol : pl);
        if (merged == NULL)
            return c->rc ? -1 : (oom(c), -1);
        kind = element_kind(c, ol, pl);
        if (kind < 0) {
            json_decref(merged);
            return -1;
        }
        none = json_array();
        if (none == NULL) {
            json_decref(merged);
            return oom(c), -1;
        }
        done = partition_and_order(c, merged, order, order, ol ? ol : none,
                                   kind == JSON_OBJECT && f ? f->key : NULL);
        json_decref(none);
        if (done == NULL)
            return -1;
        if (json_object_set_new(orig, field, done) != 0)
            return oom(c), -1;
        json_object_del(work, field);
        json_object_del(work, k);
    }
    return 0;
}

static json_t *merge_map(struct smp *c, json_t *orig, const json_t *patch, const struct smp_type *t)
{
    const json_t *d = json_object_get(patch, DIRECTIVE), *pv, *ov;
    json_t *work = NULL, *v;
    const char *k;

    if (d != NULL) {
        const char *ds = json_string_value(d);
        json_decref(orig);
        if (ds != NULL && strcmp(ds, "replace") == 0)
            v = clean(patch);
        else if (ds != NULL && strcmp(ds, "delete") == 0)
            v = json_object();
        else
            return fail(c, -EINVAL, "unknown patch type: %s in map", ds ? ds : "(not a string)");
        return v ? v : oom(c);
    }
    if (orig == NULL)
        orig = json_object();
    work = json_copy((json_t *)patch);
    if (orig == NULL || work == NULL) {
        oom(c);
        goto fail;
    }
    if (retain_keys(c, orig, work) != 0 || set_element_order(c, orig, patch, work, t) != 0)
        goto fail;
    json_object_foreach(work, k, pv) {
        const char *field = k;
        bool delete_list = starts(k, DELETE_FROM);
        const struct smp_field *f;

        if (delete_list) {
            field = directive_target(c, k, DELETE_FROM, "invalid patch format of primitive list");
            if (field == NULL)
                goto fail;
        }
        if (json_is_null(pv)) {
            json_object_del(orig, field);
            continue;
        }
        ov = json_object_get(orig, field);
        f = field_of(t, field);
        if (ov == NULL || !same_kind(ov, pv))
            v = clean(pv);
        else if (json_is_object(ov))
            v = merge_map(c, json_incref((json_t *)ov), pv, f ? f->type : NULL);
        else if (json_is_array(ov))
            v = merge_or_replace(c, ov, pv, f, delete_list);
        else
            v = clean(pv);
        if (v == NULL) {
            if (c->rc == 0)
                oom(c);
            goto fail;
        }
        if (json_object_set_new(orig, field, v) != 0) {
            oom(c);
            goto fail;
        }
    }
    json_decref(work);
    return orig;
fail:
    json_decref(work);
    json_decref(orig);
    return NULL;
}

bool tas_strategic_merge_supported(const char *kind)
{
    return kind_type(kind) != NULL;
}

int tas_strategic_merge_patch_ex(const json_t *target, const json_t *patch, const char *kind,
                                 json_t **out, char *err, size_t errlen)
{
    struct smp c = {.err = err, .errlen = errlen};
    const struct smp_type *t = kind_type(kind);
    json_t *orig;

    *out = NULL;
    if (t == NULL)
        return fail(&c, -ENOTSUP, "%s", TAS_PATCH_SMP_UNSUPPORTED), c.rc;
    if (!json_is_object(patch) || !json_is_object(target))
        return fail(&c, -EINVAL, "invalid JSON document"), c.rc;
    orig = json_deep_copy(target);
    if (orig == NULL)
        return oom(&c), c.rc;
    *out = merge_map(&c, orig, patch, t);
    if (*out == NULL && c.rc == 0)
        oom(&c);
    return c.rc;
}

json_t *tas_strategic_merge_patch(const json_t *target, const json_t *patch, const char *kind,
                                  char *err, size_t errlen)
{
    json_t *out;

    tas_strategic_merge_patch_ex(target, patch, kind, &out, err, errlen);
    return out;
}

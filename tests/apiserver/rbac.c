/* RBAC evaluation in kube's order: ClusterRoleBindings first, then the
 * RoleBindings of the request's namespace; the first rule that allows wins.
 * Matching follows kube's evaluation helpers exactly, including what they do
 * not do: a rule resource "pods/" followed by a star is not a wildcard (only
 * "*" and star-slash-subresource are), and a rule with resourceNames never
 * matches a request without a name (list, watch, create, deletecollection). */
#include "rbac.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RBAC_GROUP "rbac.authorization.k8s.io"
/* Distinct resolution errors kept for the deny reason; a policy with more
 * dangling references than this is reported by its first ones. */
#define MAX_ERRORS 8

struct resolve_errors {
    char msg[MAX_ERRORS][256];
    size_t n;
};

static const char *str_at(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static const char *meta_str(const json_t *obj, const char *key)
{
    return str_at(json_object_get(obj, "metadata"), key);
}

static bool empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static bool streq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* True if arr holds s, or the wildcard when one is given. */
static bool list_has(const json_t *arr, const char *s, const char *wildcard)
{
    size_t i;
    const json_t *v;

    json_array_foreach(arr, i, v) {
        const char *e = json_string_value(v);
        if (e == NULL)
            continue;
        if ((wildcard != NULL && strcmp(e, wildcard) == 0) || streq(e, s))
            return true;
    }
    return false;
}

static bool resource_matches(const json_t *resources, const char *resource,
                             const char *subresource)
{
    size_t i, reslen = strlen(resource);
    const json_t *v;

    json_array_foreach(resources, i, v) {
        const char *r = json_string_value(v);
        if (r == NULL)
            continue;
        if (strcmp(r, "*") == 0)
            return true;
        if (empty(subresource)) {
            if (strcmp(r, resource) == 0)
                return true;
            continue;
        }
        /* "resource/subresource", or star-slash-subresource for any resource */
        if (strncmp(r, resource, reslen) == 0 && r[reslen] == '/' &&
            strcmp(r + reslen + 1, subresource) == 0)
            return true;
        if (strncmp(r, "*/", 2) == 0 && strcmp(r + 2, subresource) == 0)
            return true;
    }
    return false;
}

static bool resource_name_matches(const json_t *names, const char *name)
{
    if (json_array_size(names) == 0)
        return true;
    return list_has(names, nz(name), NULL);
}

static bool url_matches(const json_t *urls, const char *path)
{
    size_t i;
    const json_t *v;

    json_array_foreach(urls, i, v) {
        const char *u = json_string_value(v);
        size_t ulen;
        if (u == NULL)
            continue;
        if (strcmp(u, "*") == 0 || streq(u, path))
            return true;
        ulen = strlen(u);
        if (ulen > 0 && u[ulen - 1] == '*') {
            /* kube trims every trailing '*' before the prefix test */
            while (ulen > 0 && u[ulen - 1] == '*')
                ulen--;
            if (path != NULL && strncmp(path, u, ulen) == 0)
                return true;
        }
    }
    return false;
}

static bool rule_allows(const json_t *rule, const struct tas_rbac_attrs *a)
{
    if (!list_has(json_object_get(rule, "verbs"), a->verb, "*"))
        return false;
    if (!a->resource_request)
        return url_matches(json_object_get(rule, "nonResourceURLs"), a->path);
    return list_has(json_object_get(rule, "apiGroups"), nz(a->api_group), "*") &&
           resource_matches(json_object_get(rule, "resources"), nz(a->resource), a->subresource) &&
           resource_name_matches(json_object_get(rule, "resourceNames"), a->name);
}

static bool has_group(const struct tas_rbac_attrs *a, const char *g)
{
    for (size_t i = 0; i < a->n_groups; i++)
        if (a->groups[i] != NULL && g != NULL && strcmp(a->groups[i], g) == 0)
            return true;
    return false;
}

/* binding_ns is "" for ClusterRoleBindings: a ServiceAccount subject there
 * must name its namespace; in a RoleBinding it defaults to the binding's. */
static bool subject_applies(const json_t *s, const struct tas_rbac_attrs *a,
                            const char *binding_ns)
{
    const char *kind = str_at(s, "kind"), *name = str_at(s, "name");
    const char *sns = str_at(s, "namespace");
    char sa_user[512];
    int n;

    if (kind == NULL || name == NULL)
        return false;
    if (strcmp(kind, "User") == 0)
        return streq(a->user, name);
    if (strcmp(kind, "Group") == 0)
        return has_group(a, name);
    if (strcmp(kind, "ServiceAccount") != 0)
        return false;
    if (empty(sns))
        sns = binding_ns;
    if (empty(sns))
        return false;
    n = snprintf(sa_user, sizeof(sa_user), "system:serviceaccount:%s:%s", sns, name);
    return n > 0 && (size_t)n < sizeof(sa_user) && streq(a->user, sa_user);
}

static const json_t *first_applying_subject(const json_t *binding,
                                            const struct tas_rbac_attrs *a,
                                            const char *binding_ns)
{
    size_t i;
    const json_t *s;

    json_array_foreach(json_object_get(binding, "subjects"), i, s)
        if (subject_applies(s, a, binding_ns))
            return s;
    return NULL;
}

static void add_error(struct resolve_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_error(struct resolve_errors *e, const char *fmt, ...)
{
    char m[sizeof(e->msg[0])];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->msg[i], m) == 0)
            return;
    if (e->n < MAX_ERRORS)
        memcpy(e->msg[e->n++], m, sizeof(m));
}

static const json_t *find_named(const json_t *list, const char *name, const char *ns)
{
    size_t i;
    const json_t *o;

    json_array_foreach(list, i, o) {
        const char *ons = meta_str(o, "namespace");
        if (!streq(meta_str(o, "name"), name))
            continue;
        if (ns != NULL && !empty(ons) && strcmp(ons, ns) != 0)
            continue;
        return o;
    }
    return NULL;
}

/* The rules a roleRef points at, or NULL with the reason kube would report. */
static const json_t *role_rules(const json_t *binding, const json_t *roles,
                                const json_t *clusterroles, const char *binding_ns,
                                struct resolve_errors *errs)
{
    const json_t *ref = json_object_get(binding, "roleRef");
    const char *kind = str_at(ref, "kind"), *name = str_at(ref, "name");
    const json_t *role;

    if (streq(kind, "ClusterRole")) {
        role = find_named(clusterroles, name, NULL);
        if (role == NULL)
            add_error(errs, "clusterrole." RBAC_GROUP " \"%s\" not found", nz(name));
    } else if (streq(kind, "Role")) {
        role = empty(binding_ns) ? NULL : find_named(roles, name, binding_ns);
        if (role == NULL)
            add_error(errs, "role." RBAC_GROUP " \"%s\" not found", nz(name));
    } else {
        add_error(errs, "unsupported role reference kind: \"%s\"", nz(kind));
        return NULL;
    }
    return role ? json_object_get(role, "rules") : NULL;
}

static void describe(char *why, size_t whylen, const json_t *binding, const char *binding_ns,
                     const json_t *subject)
{
    const json_t *ref = json_object_get(binding, "roleRef");
    const char *kind = str_at(subject, "kind"), *name = str_at(subject, "name");
    const char *sns = str_at(subject, "namespace");
    char who[600], bname[600];

    if (streq(kind, "ServiceAccount"))
        snprintf(who, sizeof(who), "ServiceAccount \"%s/%s\"", nz(name),
                 empty(sns) ? binding_ns : sns);
    else
        snprintf(who, sizeof(who), "%s \"%s\"", nz(kind), nz(name));
    if (empty(binding_ns))
        snprintf(bname, sizeof(bname), "ClusterRoleBinding \"%s\"", nz(meta_str(binding, "name")));
    else
        snprintf(bname, sizeof(bname), "RoleBinding \"%s/%s\"", nz(meta_str(binding, "name")),
                 binding_ns);
    snprintf(why, whylen, "RBAC: allowed by %s of %s \"%s\" to %s", bname,
             nz(str_at(ref, "kind")), nz(str_at(ref, "name")), who);
}

/* Visits the bindings of one list; true as soon as a rule allows. */
static bool visit_bindings(const json_t *bindings, const char *binding_ns, const json_t *roles,
                           const json_t *clusterroles, const struct tas_rbac_attrs *a,
                           struct resolve_errors *errs, char *why, size_t whylen)
{
    size_t i, j;
    const json_t *b, *rule;

    json_array_foreach(bindings, i, b) {
        const char *bns = meta_str(b, "namespace");
        const json_t *subject, *rules;

        if (!empty(binding_ns) && !empty(bns) && strcmp(bns, binding_ns) != 0)
            continue;
        subject = first_applying_subject(b, a, binding_ns);
        if (subject == NULL)
            continue;
        rules = role_rules(b, roles, clusterroles, binding_ns, errs);
        json_array_foreach(rules, j, rule) {
            if (rule_allows(rule, a)) {
                describe(why, whylen, b, binding_ns, subject);
                return true;
            }
        }
    }
    return false;
}

bool tas_rbac_authorize(const json_t *roles, const json_t *clusterroles,
                        const json_t *rolebindings, const json_t *crbs,
                        const struct tas_rbac_attrs *a, char *why, size_t whylen)
{
    struct resolve_errors errs = {.n = 0};
    char scratch[8];
    size_t off;

    if (why == NULL || whylen == 0) {
        why = scratch;
        whylen = sizeof(scratch);
    }
    why[0] = '\0';
    if (has_group(a, "system:masters")) {
        snprintf(why, whylen, "allowed: member of system:masters");
        return true;
    }
    if (visit_bindings(crbs, "", roles, clusterroles, a, &errs, why, whylen))
        return true;
    if (!empty(a->ns) &&
        visit_bindings(rolebindings, a->ns, roles, clusterroles, a, &errs, why, whylen))
        return true;

    if (errs.n == 0) {
        snprintf(why, whylen, "%s", TAS_RBAC_NO_MATCH);
        return false;
    }
    /* kube's error aggregate: one error bare, several as "[a, b]" */
    off = (size_t)snprintf(why, whylen, "RBAC: %s", errs.n > 1 ? "[" : "");
    for (size_t i = 0; i < errs.n && off < whylen; i++)
        off += (size_t)snprintf(why + off, whylen - off, "%s%s", i ? ", " : "", errs.msg[i]);
    if (errs.n > 1 && off < whylen)
        snprintf(why + off, whylen - off, "]");
    return false;
}

int tas_rbac_forbidden_message(const struct tas_rbac_attrs *a, const char *why,
                               char *buf, size_t len)
{
    const char *user = nz(a->user), *verb = nz(a->verb);
    const char *group = nz(a->api_group), *res = nz(a->resource);
    char subject[1024], detail[1536];
    int n;

    /* the 403 names what was asked for, the subresource included ... */
    if (!a->resource_request)
        snprintf(detail, sizeof(detail), "User \"%s\" cannot %s path \"%s\"", user, verb,
                 nz(a->path));
    else if (!empty(a->ns))
        snprintf(detail, sizeof(detail),
                 "User \"%s\" cannot %s resource \"%s%s%s\" in API group \"%s\" in the namespace \"%s\"",
                 user, verb, res, empty(a->subresource) ? "" : "/",
                 empty(a->subresource) ? "" : a->subresource, group, a->ns);
    else
        snprintf(detail, sizeof(detail),
                 "User \"%s\" cannot %s resource \"%s%s%s\" in API group \"%s\" at the cluster scope",
                 user, verb, res, empty(a->subresource) ? "" : "/",
                 empty(a->subresource) ? "" : a->subresource, group);

    /* ... while the Status names the group-qualified resource and object */
    if (!a->resource_request)
        snprintf(subject, sizeof(subject), "forbidden");
    else if (empty(a->name))
        snprintf(subject, sizeof(subject), "%s%s%s is forbidden", res, group[0] ? "." : "", group);
    else
        snprintf(subject, sizeof(subject), "%s%s%s \"%s\" is forbidden", res, group[0] ? "." : "",
                 group, a->name);

    if (empty(why) || strcmp(why, TAS_RBAC_NO_MATCH) == 0)
        n = snprintf(buf, len, "%s: %s", subject, detail);
    else
        n = snprintf(buf, len, "%s: %s: %s", subject, detail, why);
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* The test API server's RBAC authorizer against a policy shaped like the
 * operator's deploy/ manifests, one table row per request. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "rbac.h"

static const char POLICY[] = "{"
    "\"clusterroles\": ["
    " {\"metadata\": {\"name\": \"mgo-watcher\"}, \"rules\": ["
    "   {\"apiGroups\": [\"operator.openshift.io\"], \"resources\": [\"mustgathers\", \"mustgatherimages\"],"
    "    \"verbs\": [\"get\", \"list\", \"watch\"]},"
    "   {\"apiGroups\": [\"batch\"], \"resources\": [\"jobs\"], \"verbs\": [\"get\", \"list\", \"watch\"]},"
    "   {\"apiGroups\": [\"\"], \"resources\": [\"pods\"], \"verbs\": [\"get\", \"list\", \"watch\"]}]},"
    " {\"metadata\": {\"name\": \"mgo-launcher\"}, \"rules\": ["
    "   {\"apiGroups\": [\"batch\"], \"resources\": [\"jobs\"], \"verbs\": [\"create\", \"delete\"]},"
    "   {\"apiGroups\": [\"operator.openshift.io\"], \"resources\": [\"mustgathers/status\"],"
    "    \"verbs\": [\"patch\", \"update\"]},"
    "   {\"apiGroups\": [\"operator.openshift.io\"], \"resources\": [\"mustgathers/finalizers\"],"
    "    \"verbs\": [\"update\"]},"
    "   {\"apiGroups\": [\"\", \"events.k8s.io\"], \"resources\": [\"events\"], \"verbs\": [\"create\", \"patch\"]}]},"
    " {\"metadata\": {\"name\": \"must-gather-image-admin\"}, \"rules\": ["
    "   {\"apiGroups\": [\"operator.openshift.io\"], \"resources\": [\"mustgatherimages\"], \"verbs\": [\"*\"]}]},"
    " {\"metadata\": {\"name\": \"upload-secret-reader\"}, \"rules\": ["
    "   {\"apiGroups\": [\"\"], \"resources\": [\"secrets\"], \"resourceNames\": [\"upload-creds\"],"
    "    \"verbs\": [\"get\", \"list\", \"watch\", \"create\", \"update\"]}]},"
    " {\"metadata\": {\"name\": \"status-reader\"}, \"rules\": ["
    "   {\"apiGroups\": [\"*\"], \"resources\": [\"*/status\"], \"verbs\": [\"get\"]}]},"
    " {\"metadata\": {\"name\": \"pods-slash-star\"}, \"rules\": ["
    "   {\"apiGroups\": [\"\"], \"resources\": [\"pods/*\"], \"verbs\": [\"get\"]}]},"
    " {\"metadata\": {\"name\": \"probes\"}, \"rules\": ["
    "   {\"nonResourceURLs\": [\"/metrics\", \"/healthz/*\", \"/api**\"], \"verbs\": [\"get\"]}]},"
    " {\"metadata\": {\"name\": \"everything\"}, \"rules\": ["
    "   {\"apiGroups\": [\"*\"], \"resources\": [\"*\"], \"verbs\": [\"*\"]},"
    "   {\"nonResourceURLs\": [\"*\"], \"verbs\": [\"*\"]}]}"
    "],"
    "\"crbs\": ["
    " {\"metadata\": {\"name\": \"mgo-watcher\"}, \"roleRef\": {\"apiGroup\": \"rbac.authorization.k8s.io\","
    "   \"kind\": \"ClusterRole\", \"name\": \"mgo-watcher\"},"
    "  \"subjects\": [{\"kind\": \"ServiceAccount\", \"name\": \"watcher\", \"namespace\": \"mgo\"}]},"
    " {\"metadata\": {\"name\": \"image-admins\"}, \"roleRef\": {\"kind\": \"ClusterRole\","
    "   \"name\": \"must-gather-image-admin\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"nobody\"}, {\"kind\": \"Group\", \"name\": \"img-admins\"}]},"
    " {\"metadata\": {\"name\": \"probes\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"probes\"},"
    "  \"subjects\": [{\"kind\": \"Group\", \"name\": \"system:authenticated\"}]},"
    " {\"metadata\": {\"name\": \"status\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"status-reader\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"auditor\"}]},"
    " {\"metadata\": {\"name\": \"slash-star\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"pods-slash-star\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"auditor\"}]},"
    " {\"metadata\": {\"name\": \"dangling\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"gone\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"ghost\"}]},"
    " {\"metadata\": {\"name\": \"dangling2\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"gone2\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"ghost\"}]},"
    " {\"metadata\": {\"name\": \"dangling-again\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"gone\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"ghost\"}]},"
    " {\"metadata\": {\"name\": \"crb-to-role\"}, \"roleRef\": {\"kind\": \"Role\", \"name\": \"leases\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"confused\"}]},"
    " {\"metadata\": {\"name\": \"sa-without-ns\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"everything\"},"
    "  \"subjects\": [{\"kind\": \"ServiceAccount\", \"name\": \"default\"}]},"
    " {\"metadata\": {\"name\": \"all-sa-of-ops\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"mgo-watcher\"},"
    "  \"subjects\": [{\"kind\": \"Group\", \"name\": \"system:serviceaccounts:ops\"}]}"
    "],"
    "\"roles\": ["
    " {\"metadata\": {\"name\": \"leases\", \"namespace\": \"mgo\"}, \"rules\": ["
    "   {\"apiGroups\": [\"coordination.k8s.io\"], \"resources\": [\"leases\"], \"verbs\": [\"get\", \"create\", \"update\"]}]},"
    " {\"metadata\": {\"name\": \"leases-elsewhere\", \"namespace\": \"other\"}, \"rules\": ["
    "   {\"apiGroups\": [\"*\"], \"resources\": [\"*\"], \"verbs\": [\"*\"]}]}"
    "],"
    "\"rolebindings\": ["
    " {\"metadata\": {\"name\": \"launcher-leases\", \"namespace\": \"mgo\"},"
    "  \"roleRef\": {\"kind\": \"Role\", \"name\": \"leases\"},"
    "  \"subjects\": [{\"kind\": \"ServiceAccount\", \"name\": \"launcher\"}]},"
    " {\"metadata\": {\"name\": \"launcher\", \"namespace\": \"mgo\"},"
    "  \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"mgo-launcher\"},"
    "  \"subjects\": [{\"kind\": \"ServiceAccount\", \"name\": \"launcher\", \"namespace\": \"mgo\"}]},"
    " {\"metadata\": {\"name\": \"alice-secret\", \"namespace\": \"mgo\"},"
    "  \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"upload-secret-reader\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"alice\"}]},"
    " {\"metadata\": {\"name\": \"other-role\", \"namespace\": \"mgo\"},"
    "  \"roleRef\": {\"kind\": \"Role\", \"name\": \"leases-elsewhere\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"bob\"}]},"
    " {\"metadata\": {\"name\": \"weird-kind\", \"namespace\": \"mgo\"},"
    "  \"roleRef\": {\"kind\": \"Policy\", \"name\": \"x\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"carol\"}]},"
    " {\"metadata\": {\"name\": \"bad-subjects\", \"namespace\": \"mgo\"},"
    "  \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"everything\"},"
    "  \"subjects\": [{\"kind\": \"Robot\", \"name\": \"dave\"}, {\"kind\": \"User\"}, 7, \"dave\"]},"
    " {\"metadata\": {\"name\": \"from-other-ns\", \"namespace\": \"other\"},"
    "  \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"everything\"},"
    "  \"subjects\": [{\"kind\": \"User\", \"name\": \"erin\"}]}"
    "]}";

#define SA(ns, n) "system:serviceaccount:" ns ":" n

struct rbac_case {
    const char *desc;
    const char *user;
    const char *groups[4];
    const char *verb;
    bool resource_request;
    const char *group, *resource, *sub, *ns, *name, *path;
    bool allow;
    const char *why; /* exact reason expected, NULL: not checked */
};

#define RES(verb, grp, res, sub, ns, name) verb, true, grp, res, sub, ns, name, NULL
#define URL(verb, path) verb, false, NULL, NULL, NULL, NULL, NULL, path
#define AUTH "system:authenticated"

static const struct rbac_case CASES[] = {
    {"watcher lists mustgathers everywhere", SA("mgo", "watcher"), {AUTH},
     RES("list", "operator.openshift.io", "mustgathers", NULL, NULL, NULL), true,
     "RBAC: allowed by ClusterRoleBinding \"mgo-watcher\" of ClusterRole \"mgo-watcher\" to "
     "ServiceAccount \"watcher/mgo\""},
    {"watcher watches jobs in a namespace", SA("mgo", "watcher"), {AUTH},
     RES("watch", "batch", "jobs", NULL, "team-a", NULL), true, NULL},
    {"watcher gets one pod", SA("mgo", "watcher"), {AUTH},
     RES("get", "", "pods", NULL, "team-a", "p1"), true, NULL},
    {"watcher cannot create jobs", SA("mgo", "watcher"), {AUTH},
     RES("create", "batch", "jobs", NULL, "team-a", NULL), false, TAS_RBAC_NO_MATCH},
    {"watcher cannot read pods/log: subresource must be named", SA("mgo", "watcher"), {AUTH},
     RES("get", "", "pods", "log", "team-a", "p1"), false, TAS_RBAC_NO_MATCH},
    {"watcher cannot patch mustgathers/status", SA("mgo", "watcher"), {AUTH},
     RES("patch", "operator.openshift.io", "mustgathers", "status", "team-a", "mg"), false, NULL},
    {"api group must match: pods in batch", SA("mgo", "watcher"), {AUTH},
     RES("get", "batch", "pods", NULL, "team-a", "p"), false, NULL},
    {"same-named SA in another namespace", SA("evil", "watcher"), {AUTH},
     RES("list", "operator.openshift.io", "mustgathers", NULL, NULL, NULL), false, NULL},
    {"user named like the SA without the prefix", "watcher", {AUTH},
     RES("list", "operator.openshift.io", "mustgathers", NULL, NULL, NULL), false, NULL},

    {"launcher patches status in its namespace via RoleBinding to ClusterRole", SA("mgo", "launcher"),
     {AUTH}, RES("patch", "operator.openshift.io", "mustgathers", "status", "mgo", "mg1"), true,
     "RBAC: allowed by RoleBinding \"launcher/mgo\" of ClusterRole \"mgo-launcher\" to "
     "ServiceAccount \"launcher/mgo\""},
    {"RoleBinding to ClusterRole is scoped to its namespace", SA("mgo", "launcher"), {AUTH},
     RES("patch", "operator.openshift.io", "mustgathers", "status", "team-a", "mg1"), false, NULL},
    {"RoleBinding does not grant cluster-wide", SA("mgo", "launcher"), {AUTH},
     RES("create", "batch", "jobs", NULL, NULL, NULL), false, NULL},
    {"launcher cannot patch the main resource", SA("mgo", "launcher"), {AUTH},
     RES("patch", "operator.openshift.io", "mustgathers", NULL, "mgo", "mg1"), false, NULL},
    {"launcher updates finalizers", SA("mgo", "launcher"), {AUTH},
     RES("update", "operator.openshift.io", "mustgathers", "finalizers", "mgo", "mg1"), true, NULL},
    {"launcher creates core events", SA("mgo", "launcher"), {AUTH},
     RES("create", "", "events", NULL, "mgo", NULL), true, NULL},
    {"launcher creates events.k8s.io events", SA("mgo", "launcher"), {AUTH},
     RES("create", "events.k8s.io", "events", NULL, "mgo", NULL), true, NULL},
    {"SA subject without namespace defaults to the RoleBinding's", SA("mgo", "launcher"), {AUTH},
     RES("update", "coordination.k8s.io", "leases", NULL, "mgo", "mgo-leader"), true,
     "RBAC: allowed by RoleBinding \"launcher-leases/mgo\" of Role \"leases\" to "
     "ServiceAccount \"launcher/mgo\""},
    {"Role grants no delete", SA("mgo", "launcher"), {AUTH},
     RES("delete", "coordination.k8s.io", "leases", NULL, "mgo", "mgo-leader"), false, NULL},

    {"group subject", "jane", {AUTH, "img-admins"},
     RES("delete", "operator.openshift.io", "mustgatherimages", NULL, NULL, "cluster"), true,
     "RBAC: allowed by ClusterRoleBinding \"image-admins\" of ClusterRole "
     "\"must-gather-image-admin\" to Group \"img-admins\""},
    {"group name is not a user name", "img-admins", {AUTH},
     RES("delete", "operator.openshift.io", "mustgatherimages", NULL, NULL, "cluster"), false, NULL},
    {"wildcard verb covers deletecollection", "jane", {"img-admins"},
     RES("deletecollection", "operator.openshift.io", "mustgatherimages", NULL, NULL, NULL), true,
     NULL},
    {"wildcard verb does not widen resources", "jane", {"img-admins"},
     RES("get", "operator.openshift.io", "mustgathers", NULL, "mgo", "x"), false, NULL},
    {"serviceaccounts:NS group", SA("ops", "anything"), {AUTH, "system:serviceaccounts",
                                                         "system:serviceaccounts:ops"},
     RES("get", "batch", "jobs", NULL, "x", "j"), true, NULL},

    {"resourceNames: the named secret", "alice", {AUTH},
     RES("get", "", "secrets", NULL, "mgo", "upload-creds"), true, NULL},
    {"resourceNames: another secret", "alice", {AUTH},
     RES("get", "", "secrets", NULL, "mgo", "other"), false, NULL},
    {"resourceNames: list has no name", "alice", {AUTH},
     RES("list", "", "secrets", NULL, "mgo", NULL), false, NULL},
    {"resourceNames: watch has no name", "alice", {AUTH},
     RES("watch", "", "secrets", NULL, "mgo", ""), false, NULL},
    {"resourceNames: create has no name", "alice", {AUTH},
     RES("create", "", "secrets", NULL, "mgo", NULL), false, NULL},
    {"resourceNames: watch narrowed by fieldSelector name", "alice", {AUTH},
     RES("watch", "", "secrets", NULL, "mgo", "upload-creds"), true, NULL},
    {"resourceNames: update the named one", "alice", {AUTH},
     RES("update", "", "secrets", NULL, "mgo", "upload-creds"), true, NULL},

    {"*/status matches any status subresource", "auditor", {AUTH},
     RES("get", "batch", "jobs", "status", "x", "j"), true, NULL},
    {"*/status does not match the resource itself", "auditor", {AUTH},
     RES("get", "batch", "jobs", NULL, "x", "j"), false, NULL},
    {"*/status does not match another subresource", "auditor", {AUTH},
     RES("get", "", "pods", "log", "x", "p"), false, NULL},
    {"pods/* is not a subresource wildcard", "auditor", {AUTH},
     RES("get", "", "pods", "exec", "x", "p"), false, NULL},
    {"pods/* does not match pods", "auditor", {AUTH},
     RES("get", "", "pods", NULL, "x", "p"), false, NULL},

    {"non-resource exact URL", "anyone", {AUTH}, URL("get", "/metrics"), true,
     "RBAC: allowed by ClusterRoleBinding \"probes\" of ClusterRole \"probes\" to Group "
     "\"system:authenticated\""},
    {"non-resource prefix URL", "anyone", {AUTH}, URL("get", "/healthz/ready"), true, NULL},
    {"non-resource prefix needs the slash", "anyone", {AUTH}, URL("get", "/healthz"), false, NULL},
    {"non-resource: several trailing stars trimmed", "anyone", {AUTH}, URL("get", "/apis/x"), true,
     NULL},
    {"non-resource verb must match", "anyone", {AUTH}, URL("post", "/metrics"), false, NULL},
    {"non-resource rules don't grant resources", "anyone", {AUTH},
     RES("get", "", "metrics", NULL, NULL, NULL), false, NULL},
    {"unauthenticated gets nothing", "system:anonymous", {"system:unauthenticated"},
     URL("get", "/metrics"), false, NULL},
    {"resource rules don't grant URLs", "jane", {"img-admins"}, URL("get", "/apis"), false, NULL},

    {"system:masters is allowed everything", "root", {"system:masters"},
     RES("delete", "x.io", "things", NULL, "ns", "n"), true, "allowed: member of system:masters"},
    {"system:masters as a user name is nothing", "system:masters", {AUTH},
     RES("delete", "x.io", "things", NULL, "ns", "n"), false, NULL},

    {"dangling ClusterRole reference is reported, deduplicated", "ghost", {AUTH},
     RES("get", "", "pods", NULL, "mgo", "p"), false,
     "RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, "
     "clusterrole.rbac.authorization.k8s.io \"gone2\" not found]"},
    {"ClusterRoleBinding cannot use a Role", "confused", {AUTH},
     RES("get", "coordination.k8s.io", "leases", NULL, "mgo", "l"), false,
     "RBAC: role.rbac.authorization.k8s.io \"leases\" not found"},
    {"RoleBinding cannot use a Role of another namespace", "bob", {AUTH},
     RES("get", "", "pods", NULL, "mgo", "p"), false,
     "RBAC: role.rbac.authorization.k8s.io \"leases-elsewhere\" not found"},
    {"unknown roleRef kind", "carol", {AUTH}, RES("get", "", "pods", NULL, "mgo", "p"), false,
     "RBAC: unsupported role reference kind: \"Policy\""},
    {"malformed subjects never match", "dave", {AUTH}, RES("get", "", "pods", NULL, "mgo", "p"), false,
     TAS_RBAC_NO_MATCH},
    {"RoleBinding of another namespace is ignored", "erin", {AUTH},
     RES("get", "", "pods", NULL, "mgo", "p"), false, NULL},
    {"ServiceAccount subject of a ClusterRoleBinding needs a namespace", SA("", "default"), {AUTH},
     RES("get", "", "pods", NULL, "mgo", "p"), false, NULL},
};

static json_t *load_policy(void)
{
    json_error_t err;
    json_t *p = json_loads(POLICY, 0, &err);
    cr_assert_not_null(p, "policy JSON: %s at %d", err.text, err.position);
    return p;
}

static size_t count_groups(const char *const *g)
{
    size_t n = 0;
    while (n < 4 && g[n] != NULL)
        n++;
    return n;
}

static void attrs_of(const struct rbac_case *c, struct tas_rbac_attrs *a)
{
    *a = (struct tas_rbac_attrs){
        .user = c->user, .groups = c->groups, .n_groups = count_groups(c->groups),
        .verb = c->verb, .resource_request = c->resource_request, .api_group = c->group,
        .resource = c->resource, .subresource = c->sub, .ns = c->ns, .name = c->name,
        .path = c->path,
    };
}

Test(tas_rbac, table)
{
    json_t *p = load_policy();

    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const struct rbac_case *c = &CASES[i];
        struct tas_rbac_attrs a;
        char why[512];
        bool got;

        attrs_of(c, &a);
        got = tas_rbac_authorize(json_object_get(p, "roles"), json_object_get(p, "clusterroles"),
                                 json_object_get(p, "rolebindings"), json_object_get(p, "crbs"),
                                 &a, why, sizeof(why));
        cr_expect_eq(got, c->allow, "%s: expected %s, got %s (%s)", c->desc,
                     c->allow ? "allow" : "deny", got ? "allow" : "deny", why);
        if (c->why != NULL)
            cr_expect_str_eq(why, c->why, "%s: reason", c->desc);
    }
    json_decref(p);
}

Test(tas_rbac, empty_policy_denies_and_tolerates_null_and_non_arrays)
{
    const char *groups[] = {AUTH};
    struct tas_rbac_attrs a = {.user = "u", .groups = groups, .n_groups = 1, .verb = "get",
                               .resource_request = true, .api_group = "", .resource = "pods",
                               .ns = "default", .name = "p"};
    json_t *obj = json_object();
    char why[64];

    cr_expect_not(tas_rbac_authorize(NULL, NULL, NULL, NULL, &a, why, sizeof(why)));
    cr_expect_str_eq(why, TAS_RBAC_NO_MATCH);
    cr_expect_not(tas_rbac_authorize(obj, obj, obj, obj, &a, NULL, 0));
    json_decref(obj);
}

Test(tas_rbac, reason_is_truncated_not_overflowed)
{
    json_t *p = load_policy();
    const char *groups[] = {AUTH};
    struct tas_rbac_attrs a = {.user = SA("mgo", "watcher"), .groups = groups, .n_groups = 1,
                               .verb = "list", .resource_request = true,
                               .api_group = "operator.openshift.io", .resource = "mustgathers"};
    char why[16];

    memset(why, 'x', sizeof(why));
    cr_expect(tas_rbac_authorize(json_object_get(p, "roles"), json_object_get(p, "clusterroles"),
                                 json_object_get(p, "rolebindings"), json_object_get(p, "crbs"),
                                 &a, why, sizeof(why)));
    cr_expect_str_eq(why, "RBAC: allowed b");
    json_decref(p);
}

struct forbidden_case {
    struct tas_rbac_attrs a;
    const char *why;
    const char *want;
};

static const struct forbidden_case FORBIDDEN[] = {
    {{.user = "u", .verb = "get", .resource_request = true, .api_group = "", .resource = "pods",
      .ns = "ns1", .name = "p"},
     TAS_RBAC_NO_MATCH,
     "pods \"p\" is forbidden: User \"u\" cannot get resource \"pods\" in API group \"\" in the "
     "namespace \"ns1\""},
    {{.user = "system:serviceaccount:mgo:watcher", .verb = "list", .resource_request = true,
      .api_group = "operator.openshift.io", .resource = "mustgathers"},
     NULL,
     "mustgathers.operator.openshift.io is forbidden: User \"system:serviceaccount:mgo:watcher\" "
     "cannot list resource \"mustgathers\" in API group \"operator.openshift.io\" at the cluster "
     "scope"},
    {{.user = "u", .verb = "patch", .resource_request = true, .api_group = "operator.openshift.io",
      .resource = "mustgathers", .subresource = "status", .ns = "a", .name = "mg"},
     "",
     "mustgathers.operator.openshift.io \"mg\" is forbidden: User \"u\" cannot patch resource "
     "\"mustgathers/status\" in API group \"operator.openshift.io\" in the namespace \"a\""},
    {{.user = "u", .verb = "get", .resource_request = false, .path = "/metrics"},
     TAS_RBAC_NO_MATCH, "forbidden: User \"u\" cannot get path \"/metrics\""},
    {{.user = "ghost", .verb = "get", .resource_request = true, .api_group = "", .resource = "pods",
      .ns = "n", .name = "p"},
     "RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found",
     "pods \"p\" is forbidden: User \"ghost\" cannot get resource \"pods\" in API group \"\" in the "
     "namespace \"n\": RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found"},
};

Test(tas_rbac, forbidden_message_table)
{
    for (size_t i = 0; i < sizeof(FORBIDDEN) / sizeof(FORBIDDEN[0]); i++) {
        char buf[512];
        cr_expect_eq(tas_rbac_forbidden_message(&FORBIDDEN[i].a, FORBIDDEN[i].why, buf, sizeof(buf)),
                     0, "row %zu", i);
        cr_expect_str_eq(buf, FORBIDDEN[i].want, "row %zu", i);
    }
}

Test(tas_rbac, forbidden_message_reports_short_buffer)
{
    char buf[10];
    cr_expect_eq(tas_rbac_forbidden_message(&FORBIDDEN[0].a, NULL, buf, sizeof(buf)), -ENOSPC);
    cr_expect_str_eq(buf, "pods \"p\" ");
}

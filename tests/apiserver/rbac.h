/* RBAC authorizer of the test API server: the decision kube-apiserver's RBAC
 * authorizer makes (pkg/registry/rbac/validation, plugin/pkg/auth/authorizer/rbac),
 * over Role/ClusterRole/RoleBinding/ClusterRoleBinding objects held as JSON. */
#ifndef TAS_RBAC_H
#define TAS_RBAC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The deny reason written when no rule matched and every role reference
 * resolved; kube sends no reason in that case, so tas_rbac_forbidden_message
 * leaves it out. */
#define TAS_RBAC_NO_MATCH "no RBAC policy matched"

struct tas_rbac_attrs {
    const char *user;
    const char *const *groups; /* the caller adds system:authenticated etc. */
    size_t n_groups;
    const char *verb;          /* get list watch create update patch delete deletecollection;
                                  lowercased HTTP method for non-resource requests */
    bool resource_request;
    const char *api_group;     /* "" for core */
    const char *resource;      /* plural */
    const char *subresource;   /* NULL or "" when none */
    const char *ns;            /* NULL or "": cluster-scoped or all namespaces */
    const char *name;          /* NULL or "": collection (list, create, deletecollection) */
    const char *path;          /* non-resource URL path */
};

/* roles: Role objects of attrs->ns; clusterroles: all ClusterRoles;
 * rolebindings: RoleBindings of attrs->ns; crbs: all ClusterRoleBindings.
 * Each is a borrowed JSON array or NULL (empty). Objects whose
 * metadata.namespace names another namespace are ignored.
 *
 * Returns true if allowed. why (may be NULL) receives kube's reason:
 * `RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to User "u"` on
 * allow; on deny TAS_RBAC_NO_MATCH, or `RBAC: <errors>` when a binding referred
 * to a role that does not exist (what kube appends to its 403 message).
 * The reason is truncated to whylen. Members of system:masters are allowed
 * everything, as kube's privileged-group authorizer does before RBAC. */
bool tas_rbac_authorize(const json_t *roles, const json_t *clusterroles,
                        const json_t *rolebindings, const json_t *crbs,
                        const struct tas_rbac_attrs *a, char *why, size_t whylen);

/* Writes the message of the 403 Status kube returns for a denied request, e.g.
 * `pods "p" is forbidden: User "u" cannot get resource "pods" in API group ""
 * in the namespace "ns"`, with ": <why>" appended when why is a reason kube
 * would print (not NULL, "" or TAS_RBAC_NO_MATCH).
 * Returns 0, or -ENOSPC if buf was too small (buf then holds a truncated,
 * terminated message). */
int tas_rbac_forbidden_message(const struct tas_rbac_attrs *a, const char *why,
                               char *buf, size_t len);

#endif

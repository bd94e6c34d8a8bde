/* The RBAC manifests of deploy/rbac read back for the permission table:
 * ServiceAccounts, (Cluster)Roles and (Cluster)RoleBindings, and which rules
 * reach a ServiceAccount through which binding, as the API server's RBAC
 * authorizer decides it (subjects of kind ServiceAccount, the user
 * system:serviceaccount:NS:NAME, and the groups system:serviceaccounts,
 * system:serviceaccounts:NS and system:authenticated). */
#ifndef MGOCTL_RBAC_H
#define MGOCTL_RBAC_H

#include <stddef.h>

#include "mgo/yamldoc.h"

/* One Kubernetes object of a manifest file. Strings point into root. */
struct mgoctl_obj {
	const char *file;           /* the file's name in the directory */
	const char *kind;
	const char *name;
	const char *ns;             /* NULL: no metadata.namespace */
	struct mgo_yaml_node *root; /* owned by the set */
};

struct mgoctl_manifests {
	struct mgoctl_obj *objs;    /* in file name order, then document order */
	size_t n;
	char **files;               /* owned names the objects point to */
	size_t nfiles;
};

/* Reads every *.yaml file of dir (sorted by name; each a stream of documents,
 * each bounded by mgo_yaml_parse) into *m, which the caller frees with
 * mgoctl_manifests_free on success and failure alike. Fails with -EINVAL and
 * a message naming the file and position on a document that is not a
 * Kubernetes object, or on an RBAC object of a shape the authorizer would
 * not accept (rules, roleRef, subjects); -errno when dir cannot be read. */
int mgoctl_manifests_load(const char *dir, struct mgoctl_manifests *m, char *err, size_t errlen);

void mgoctl_manifests_free(struct mgoctl_manifests *m);

/* A (Cluster)Role's rules reaching a subject through one binding. */
struct mgoctl_grant {
	const struct mgoctl_obj *binding;
	const struct mgoctl_obj *role;   /* NULL: roleRef names no object of the set */
	const char *ref_kind;            /* roleRef.kind: Role or ClusterRole */
	const char *ref_name;
	const char *scope_ns;            /* NULL: cluster-wide (ClusterRoleBinding) */
};

/* Calls fn for every binding of m that grants its role to the ServiceAccount
 * sa_ns/sa_name, in m's order. */
void mgoctl_rbac_grants(const struct mgoctl_manifests *m, const char *sa_ns, const char *sa_name,
			void (*fn)(const struct mgoctl_grant *g, void *ctx), void *ctx);

#endif

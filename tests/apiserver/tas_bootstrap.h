/* What a fresh cluster already has, and the --load manifests: the default
 * namespaces and the bootstrap RBAC kube-apiserver installs (cluster-admin
 * for system:masters, discovery and self-review for every authenticated
 * user, /version and health for everyone). */
#ifndef TAS_BOOTSTRAP_H
#define TAS_BOOTSTRAP_H

#include <jansson.h>
#include <stddef.h>

#include "tas_server.h"

/* Creates the bootstrap objects. 0, or -errno with err. */
int tas_bootstrap(struct tas_server *s, char *err, size_t errlen);
/* Creates or replaces obj (borrowed) as an administrator would (no RBAC).
 * Expects the store lock. 0, or -EINVAL/-ENOMEM with err. */
int tas_apply(struct tas_server *s, const json_t *obj, char *err, size_t errlen);
/* Applies every *.yaml, *.yml and *.json file of dir (by name), namespaces
 * and CRDs first. 0, or -errno with err naming the file. */
int tas_load_dir(struct tas_server *s, const char *dir, char *err, size_t errlen);

#endif

/* Admission checks that depend on who is asking. OwnerReferencesPermission-
 * Enforcement, which OpenShift enables: setting an ownerReference on an
 * existing object needs delete permission on it, and setting
 * blockOwnerDeletion needs update on the owner's "finalizers" subresource.
 * Expects the store lock. */
#ifndef TAS_ADMISSION_H
#define TAS_ADMISSION_H

#include <jansson.h>
#include <stdbool.h>

#include "tas_server.h"

/* obj: the object about to be written; old: the stored one (NULL on
 * create). Returns true to admit; false with resp holding the 403. */
bool tas_admit_owner_refs(struct tas_server *s, const struct tas_req *r,
			  const struct tas_restype *rt, const json_t *obj, const json_t *old,
			  struct tas_resp *resp);

#endif

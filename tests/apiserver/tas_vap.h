/* ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): the policy
 * and binding kinds, and their enforcement on writes, as kube-apiserver's
 * ValidatingAdmissionPolicy plugin does it (plugin/policy/validating), with
 * the CEL subset of cel.h. Policies whose expressions or fields fall
 * outside what this server evaluates are refused when written (422), so a
 * stored policy is always enforced as kube would enforce it.
 * Expects the store lock. */
#ifndef TAS_VAP_H
#define TAS_VAP_H

#include <jansson.h>

#include "tas_restype.h"
#include "tas_server.h"

extern struct tas_restype tas_vap_policies, tas_vap_bindings;

/* Runs the bound policies matching a client's create (old NULL) or update
 * of obj through rt/subresource ("" for the main resource), with the param
 * each binding's paramRef names when the policy has a paramKind. 0: admitted
 * (resp may have gained Warning texts); 1: refused, resp holds kube's
 * Status (422 Invalid unless the validation names another reason);
 * -ENOMEM. */
int tas_admit_vap(struct tas_server *s, const struct tas_req *r, const struct tas_restype *rt,
		  const char *subresource, const json_t *obj, const json_t *old, bool dry_run,
		  struct tas_resp *resp);

/* The same for a client's delete of the stored object old (the policies see
 * it as oldObject, with object null, as kube's do). */
int tas_admit_vap_delete(struct tas_server *s, const struct tas_req *r,
			 const struct tas_restype *rt, const json_t *old, bool dry_run,
			 struct tas_resp *resp);

#endif

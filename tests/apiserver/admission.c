#include "tas_admission.h"

#include <stdio.h>
#include <string.h>

#include "tas_authz.h"
#include "tas_status.h"
#include "tas_util.h"

static const json_t *refs_of(const json_t *o)
{
	return tas_jpath(o, "metadata.ownerReferences");
}

static const json_t *ref_by_uid(const json_t *refs, const char *uid)
{
	size_t i;

	for (i = 0; i < json_array_size(refs); i++)
		if (strcmp(tas_jstr(json_array_get(refs, i), "uid") ?: "", uid) == 0)
			return json_array_get(refs, i);
	return NULL;
}

static void deny(const struct tas_req *r, const struct tas_restype *rt, const json_t *obj,
		 const char *what, const char *why, struct tas_resp *resp)
{
	char msg[2048];

	/* admission.NewForbidden: "%v, %v" of the authorizer's reason and error */
	snprintf(msg, sizeof(msg), "%s: %s, <nil>", what,
		 strcmp(why, TAS_RBAC_NO_MATCH) == 0 ? "" : why);
	tas_resp_set(resp, 403, tas_status_forbidden(rt->group, rt->resource,
						     tas_meta(obj, "name") ?: "", msg));
}

bool tas_admit_owner_refs(struct tas_server *s, const struct tas_req *r,
			  const struct tas_restype *rt, const json_t *obj, const json_t *old,
			  struct tas_resp *resp)
{
	const json_t *refs = refs_of(obj), *old_refs = refs_of(old);
	struct tas_rbac_attrs a;
	char why[1024];
	size_t i;

	if (tas_user_in_group(r->user, "system:masters") ||
	    (!json_array_size(refs) && !json_array_size(old_refs)) || tas_json_same(refs, old_refs))
		return true;
	if (old) {
		memset(&a, 0, sizeof(a));
		a.verb = "delete";
		a.resource_request = true;
		a.api_group = rt->group;
		a.resource = rt->resource;
		a.ns = rt->namespaced ? r->ri.ns : "";
		a.name = tas_meta(old, "name") ?: "";
		if (!tas_authorize(s, r->user, &a, why, sizeof(why))) {
			deny(r, rt, obj, "cannot set an ownerRef on a resource you can't delete",
			     why, resp);
			return false;
		}
	}
	for (i = 0; i < json_array_size(refs); i++) {
		const json_t *ref = json_array_get(refs, i);
		const json_t *was = ref_by_uid(old_refs, tas_jstr(ref, "uid") ?: "");
		const char *av = tas_jstr(ref, "apiVersion") ?: "";
		const char *slash = strchr(av, '/');
		struct tas_restype *ort;
		char group[256];
		if (!json_is_true(json_object_get(ref, "blockOwnerDeletion")) ||
		    (was && json_is_true(json_object_get(was, "blockOwnerDeletion"))))
			continue;
		snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
		ort = tas_registry_find_kind(&s->reg, group, NULL, tas_jstr(ref, "kind") ?: "");
		if (!ort) {
			char what[600];
			snprintf(what, sizeof(what),
				 "cannot set blockOwnerDeletion in this case because cannot find "
				 "RESTMapping for APIVersion %s Kind %s",
				 av, tas_jstr(ref, "kind") ?: "");
			deny(r, rt, obj, what, "no matches for kind", resp);
			return false;
		}
		memset(&a, 0, sizeof(a));
		a.verb = "update";
		a.resource_request = true;
		a.api_group = ort->group;
		a.resource = ort->resource;
		a.subresource = "finalizers";
		a.ns = ort->namespaced ? r->ri.ns : "";
		a.name = tas_jstr(ref, "name") ?: "";
		if (!tas_authorize(s, r->user, &a, why, sizeof(why))) {
			deny(r, rt, obj,
			     "cannot set blockOwnerDeletion if an ownerReference refers to a "
			     "resource you can't set finalizers on",
			     why, resp);
			return false;
		}
	}
	return true;
}

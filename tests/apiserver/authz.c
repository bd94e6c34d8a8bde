#include "tas_authz.h"

#include <stdio.h>
#include <string.h>

#include "tas_status.h"
#include "tas_util.h"

/* The stored objects of a bucket, all or those of one namespace, as a
 * borrowed-contents array (new reference). */
static json_t *items(struct tas_server *s, const char *resource, const char *ns)
{
	struct tas_bucket *b = tas_store_bucket(&s->store, "rbac.authorization.k8s.io", resource);
	json_t *arr = json_array();
	size_t i, first = 0, last;

	if (!b || !arr) {
		json_decref(arr);
		return NULL;
	}
	last = b->n;
	if (ns)
		tas_store_ns_range(b, ns, &first, &last);
	for (i = first; i < last; i++) {
		if (json_array_append(arr, b->items[i].obj)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

bool tas_authorize(struct tas_server *s, const struct tas_user *u, struct tas_rbac_attrs *a,
		   char *why, size_t whylen)
{
	json_t *roles = NULL, *rbs = NULL, *crs, *crbs;
	bool ok = false;

	if (u) {
		a->user = u->name;
		a->groups = (const char *const *)u->groups;
		a->n_groups = u->n_groups;
	}
	crs = items(s, "clusterroles", NULL);
	crbs = items(s, "clusterrolebindings", NULL);
	if (a->ns && *a->ns) {
		roles = items(s, "roles", a->ns);
		rbs = items(s, "rolebindings", a->ns);
	}
	if (!crs || !crbs || (a->ns && *a->ns && (!roles || !rbs)))
		snprintf(why, whylen, "out of memory");
	else
		ok = tas_rbac_authorize(roles, crs, rbs, crbs, a, why, whylen);
	json_decref(roles);
	json_decref(rbs);
	json_decref(crs);
	json_decref(crbs);
	return ok;
}

void tas_attrs_from_request(struct tas_rbac_attrs *a, const struct tas_user *u,
			    const struct tas_reqinfo *ri)
{
	memset(a, 0, sizeof(*a));
	a->user = u->name;
	a->groups = (const char *const *)u->groups;
	a->n_groups = u->n_groups;
	a->verb = ri->verb;
	a->resource_request = ri->resource_request;
	a->api_group = ri->group;
	a->resource = ri->resource;
	a->subresource = ri->subresource;
	a->ns = ri->ns;
	a->name = ri->name;
	a->path = ri->path;
}

json_t *tas_forbidden(const struct tas_rbac_attrs *a, const char *why)
{
	char msg[2048];

	tas_rbac_forbidden_message(a, why, msg, sizeof(msg));
	if (!a->resource_request)
		return tas_status(403, "Forbidden", msg, json_object());
	return tas_status(403, "Forbidden", msg,
			  tas_status_details(a->name, a->api_group, a->resource));
}

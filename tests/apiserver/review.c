#include "tas_review.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tas_authz.h"
#include "tas_status.h"
#include "tas_util.h"
#include "tas_validate.h"

static int access_review(struct tas_server *s, const struct tas_restype *rt,
			 const struct tas_user *caller, const json_t *body, bool self,
			 struct tas_resp *resp)
{
	const json_t *spec = json_object_get(body, "spec");
	const json_t *ra = json_object_get(spec, "resourceAttributes");
	const json_t *na = json_object_get(spec, "nonResourceAttributes");
	struct tas_user subject = {0};
	const struct tas_user *u = caller;
	struct tas_rbac_attrs a = {0};
	const char *groups[64];
	json_t *out, *causes;
	char why[1024];
	bool ok;
	size_t i;

	if (!self) {
		const json_t *g = json_object_get(spec, "groups");
		subject.name = (char *)(uintptr_t)(tas_jstr(spec, "user") ?: "");
		for (i = 0; i < json_array_size(g) && i < 64; i++)
			groups[i] = json_string_value(json_array_get(g, i)) ?: "";
		subject.groups = (char **)(uintptr_t)groups;
		subject.n_groups = i;
		u = &subject;
	}
	if (!!ra == !!na) {
		causes = json_array();
		if (!causes || tas_cause_add(causes, "FieldValueRequired",
					     "spec.resourceAttributes",
					     "Required value: exactly one of nonResourceAttributes or "
					     "resourceAttributes must be specified")) {
			json_decref(causes);
			return -ENOMEM;
		}
		tas_resp_set(resp, 422, tas_status_invalid(rt->group, rt->kind, "", causes));
		json_decref(causes);
		return 0;
	}
	a.user = u->name;
	a.groups = (const char *const *)u->groups;
	a.n_groups = u->n_groups;
	if (ra) {
		a.resource_request = true;
		a.verb = tas_jstr(ra, "verb") ?: "";
		a.api_group = tas_jstr(ra, "group") ?: "";
		a.resource = tas_jstr(ra, "resource") ?: "";
		a.subresource = tas_jstr(ra, "subresource") ?: "";
		a.ns = tas_jstr(ra, "namespace") ?: "";
		a.name = tas_jstr(ra, "name") ?: "";
	} else {
		a.verb = tas_jstr(na, "verb") ?: "";
		a.path = tas_jstr(na, "path") ?: "";
	}
	ok = tas_authorize(s, NULL, &a, why, sizeof(why));
	out = json_deep_copy(body);
	if (!out)
		return -ENOMEM;
	json_object_set_new(out, "kind", json_string(rt->kind));
	json_object_set_new(out, "apiVersion", json_string("authorization.k8s.io/v1"));
	if (!json_object_get(out, "metadata"))
		json_object_set_new(out, "metadata", json_object());
	/* kube reports the allowing binding, and only resolution errors on deny */
	if (json_object_set_new(out, "status", json_pack("{s:b}", "allowed", ok)) ||
	    ((ok ? strncmp(why, "RBAC: allowed", 13) == 0 : strncmp(why, "RBAC:", 5) == 0) &&
	     json_object_set_new(json_object_get(out, "status"), "reason", json_string(why)))) {
		json_decref(out);
		return -ENOMEM;
	}
	tas_resp_set(resp, 201, out);
	return 0;
}

static int self_subject_review(const struct tas_user *u, struct tas_resp *resp)
{
	json_t *groups = json_array();
	size_t i;

	for (i = 0; groups && i < u->n_groups; i++)
		json_array_append_new(groups, json_string(u->groups[i]));
	tas_resp_set(resp, 201,
		     json_pack("{s:s, s:s, s:{}, s:{s:{s:s, s:s, s:o}}}", "kind",
			       "SelfSubjectReview", "apiVersion", "authentication.k8s.io/v1",
			       "metadata", "status", "userInfo", "username", u->name, "uid",
			       u->uid ? u->uid : "", "groups", groups));
	return resp->body ? 0 : -ENOMEM;
}

int tas_review(struct tas_server *s, const struct tas_restype *rt, const struct tas_user *u,
	       const json_t *body, struct tas_resp *resp)
{
	if (strcmp(rt->resource, "selfsubjectaccessreviews") == 0)
		return access_review(s, rt, u, body, true, resp);
	if (strcmp(rt->resource, "subjectaccessreviews") == 0)
		return access_review(s, rt, u, body, false, resp);
	return self_subject_review(u, resp);
}

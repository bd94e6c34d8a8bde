#include "tas_restype.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_kinds.h"
#include "tas_vap.h"
#include "tas_util.h"

static const char *const custom_verbs[] = {"delete", "deletecollection", "get", "list",
					   "patch", "create", "update", "watch", NULL};

/* Storage for the arrays a custom entry points at, freed with it. */
struct owned {
	const char **short_names;
	const char **categories;
	struct tas_field *fields;
};

static void custom_free(struct tas_restype *rt)
{
	struct owned *o = rt->owned;

	if (o) {
		free(o->short_names);
		free(o->categories);
		free(o->fields);
		free(o);
	}
	json_decref(rt->crd);
	free(rt);
}

void tas_restype_hold(struct tas_restype *rt)
{
	if (rt->flags & TAS_RT_CUSTOM)
		rt->refs++;
}

void tas_restype_release(struct tas_restype *rt)
{
	if ((rt->flags & TAS_RT_CUSTOM) && --rt->refs == 0)
		custom_free(rt);
}

int tas_registry_init(struct tas_registry *r, bool admission_policies)
{
	size_t i;

	r->v = calloc(tas_n_builtin_kinds, sizeof(*r->v));
	if (!r->v)
		return -ENOMEM;
	r->n = 0;
	for (i = 0; i < tas_n_builtin_kinds; i++)
		if (admission_policies || (tas_builtin_kinds[i] != &tas_vap_policies &&
					   tas_builtin_kinds[i] != &tas_vap_bindings))
			r->v[r->n++] = tas_builtin_kinds[i];
	return 0;
}

void tas_registry_free(struct tas_registry *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		tas_restype_release(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

struct tas_restype *tas_registry_find(const struct tas_registry *r, const char *group,
				      const char *version, const char *resource)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->group, group) == 0 && strcmp(r->v[i]->version, version) == 0 &&
		    strcmp(r->v[i]->resource, resource) == 0)
			return r->v[i];
	return NULL;
}

struct tas_restype *tas_registry_find_kind(const struct tas_registry *r, const char *group,
					   const char *version, const char *kind)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->group, group) == 0 && strcmp(r->v[i]->kind, kind) == 0 &&
		    (!version || strcmp(r->v[i]->version, version) == 0))
			return r->v[i];
	return NULL;
}

struct tas_restype *tas_registry_find_gr(const struct tas_registry *r, const char *group,
					 const char *resource)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->group, group) == 0 && strcmp(r->v[i]->resource, resource) == 0)
			return r->v[i];
	return NULL;
}

bool tas_registry_has_gv(const struct tas_registry *r, const char *group, const char *version)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->group, group) == 0 && strcmp(r->v[i]->version, version) == 0)
			return true;
	return false;
}

void tas_restype_api_version(const struct tas_restype *rt, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", rt->group, *rt->group ? "/" : "", rt->version);
}

bool tas_restype_has_verb(const struct tas_restype *rt, const char *verb)
{
	size_t i;

	for (i = 0; rt->verbs[i]; i++)
		if (strcmp(rt->verbs[i], verb) == 0)
			return true;
	return false;
}

const json_t *tas_restype_crd_version(const struct tas_restype *rt)
{
	const json_t *vs = tas_jpath(rt->crd, "spec.versions");
	size_t i;

	for (i = 0; i < json_array_size(vs); i++)
		if (strcmp(tas_jstr(json_array_get(vs, i), "name") ?: "", rt->version) == 0)
			return json_array_get(vs, i);
	return NULL;
}

const json_t *tas_restype_schema(const struct tas_restype *rt)
{
	return tas_jpath(tas_restype_crd_version(rt), "schema.openAPIV3Schema");
}

/* A NULL-terminated array of the strings in a JSON array (borrowed). */
static const char **strings(const json_t *arr)
{
	size_t i, n = json_array_size(arr), k = 0;
	const char **v = calloc(n + 1, sizeof(*v));

	for (i = 0; v && i < n; i++)
		if (json_string_value(json_array_get(arr, i)))
			v[k++] = json_string_value(json_array_get(arr, i));
	return v;
}

/* selectableFields: ".spec.color" selects as "spec.color" */
static struct tas_field *selectable(const json_t *version)
{
	const json_t *sf = json_object_get(version, "selectableFields");
	size_t i, n = json_array_size(sf), k = 0;
	struct tas_field *f = calloc(n + 1, sizeof(*f));

	for (i = 0; f && i < n; i++) {
		const char *p = tas_jstr(json_array_get(sf, i), "jsonPath");
		if (!p || *p != '.')
			continue;
		f[k].label = p + 1;
		f[k].path = p + 1;
		f[k].absent = "";
		k++;
	}
	return f;
}

static struct tas_restype *custom_new(const json_t *crd, const json_t *version)
{
	const json_t *spec = json_object_get(crd, "spec");
	const json_t *names = json_object_get(crd, "status") &&
					      tas_jpath_str(crd, "status.acceptedNames.plural")
				      ? tas_jpath(crd, "status.acceptedNames")
				      : json_object_get(spec, "names");
	struct tas_restype *rt = calloc(1, sizeof(*rt));
	struct owned *o = calloc(1, sizeof(*o));

	if (!rt || !o)
		goto fail;
	rt->owned = o;
	rt->crd = json_incref((json_t *)(uintptr_t)crd);
	rt->refs = 1;
	rt->group = tas_jstr(spec, "group");
	rt->version = tas_jstr(version, "name");
	rt->resource = tas_jstr(names, "plural");
	rt->singular = tas_jstr(names, "singular");
	rt->kind = tas_jstr(names, "kind");
	rt->list_kind = tas_jstr(names, "listKind");
	if (!rt->group || !rt->version || !rt->resource || !rt->kind || !rt->singular ||
	    !rt->list_kind) {
		errno = EINVAL;
		goto fail;
	}
	rt->storage_group = rt->group;
	rt->storage_resource = rt->resource;
	rt->namespaced = strcmp(tas_jstr(spec, "scope") ?: "", "Namespaced") == 0;
	rt->flags = TAS_RT_CUSTOM | TAS_RT_GENERATION;
	if (json_is_object(tas_jpath(version, "subresources.status")))
		rt->flags |= TAS_RT_STATUS;
	rt->name_rule = TAS_NAME_SUBDOMAIN;
	o->short_names = strings(json_object_get(names, "shortNames"));
	o->categories = strings(json_object_get(names, "categories"));
	o->fields = selectable(version);
	if (!o->short_names || !o->categories || !o->fields)
		goto fail;
	rt->short_names = o->short_names;
	rt->categories = o->categories;
	rt->fields = o->fields;
	rt->verbs = custom_verbs;
	return rt;
fail:
	if (rt)
		custom_free(rt);
	else
		free(o);
	return NULL;
}

void tas_registry_drop_crd(struct tas_registry *r, const char *crd_name)
{
	size_t i = 0, k = 0;

	for (i = 0; i < r->n; i++) {
		struct tas_restype *rt = r->v[i];
		if ((rt->flags & TAS_RT_CUSTOM) &&
		    strcmp(tas_meta(rt->crd, "name") ?: "", crd_name) == 0) {
			tas_restype_release(rt);
			continue;
		}
		r->v[k++] = rt;
	}
	r->n = k;
}

int tas_registry_set_crd(struct tas_registry *r, const json_t *crd)
{
	const json_t *versions = tas_jpath(crd, "spec.versions");
	size_t i, n = json_array_size(versions);
	struct tas_restype **v;

	tas_registry_drop_crd(r, tas_meta(crd, "name") ?: "");
	v = realloc(r->v, (r->n + n) * sizeof(*v) + 1);
	if (!v)
		return -ENOMEM;
	r->v = v;
	for (i = 0; i < n; i++) {
		const json_t *ver = json_array_get(versions, i);
		struct tas_restype *rt;
		if (!json_is_true(json_object_get(ver, "served")))
			continue;
		rt = custom_new(crd, ver);
		if (!rt)
			return errno == EINVAL ? -EINVAL : -ENOMEM;
		r->v[r->n++] = rt;
	}
	return 0;
}

#include "tas_crd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tas_status.h"
#include "tas_util.h"
#include "tas_validate.h"

int tas_crd_on_create(json_t *obj)
{
	const json_t *vs = tas_jpath(obj, "spec.versions");
	json_t *meta = tas_jobj(obj, "metadata");
	json_t *fin = meta ? json_object_get(meta, "finalizers") : NULL;
	json_t *stored = json_array();
	json_t *st;
	size_t i;
	bool have = false;

	if (!meta || !stored)
		goto fail;
	for (i = 0; i < json_array_size(vs); i++)
		if (json_is_true(json_object_get(json_array_get(vs, i), "storage")) &&
		    json_array_append(stored, json_object_get(json_array_get(vs, i), "name")))
			goto fail;
	st = json_pack("{s:{s:s, s:s}, s:o}", "acceptedNames", "plural", "", "kind", "",
		       "storedVersions", stored);
	stored = NULL;
	if (!st || json_object_set_new(obj, "status", st))
		goto fail;
	if (!json_is_array(fin)) {
		fin = json_array();
		if (!fin || json_object_set_new(meta, "finalizers", fin))
			goto fail;
	}
	for (i = 0; i < json_array_size(fin); i++)
		if (strcmp(json_string_value(json_array_get(fin, i)) ?: "",
			   TAS_CRD_CLEANUP_FINALIZER) == 0)
			have = true;
	if (!have && json_array_append_new(fin, json_string(TAS_CRD_CLEANUP_FINALIZER)))
		goto fail;
	return 0;
fail:
	json_decref(stored);
	return -ENOMEM;
}

int tas_crd_on_write(json_t *obj, char *err, size_t errlen)
{
	json_t *spec = json_object_get(obj, "spec");
	json_t *names = json_object_get(spec, "names");
	const char *kind = tas_jstr(names, "kind");
	json_t *vs = json_object_get(spec, "versions");
	size_t i;

	if (!json_is_object(spec))
		return 0;
	if (!json_object_get(spec, "conversion") &&
	    json_object_set_new(spec, "conversion", json_pack("{s:s}", "strategy", "None")))
		return -ENOMEM;
	if (json_is_object(names) && kind) {
		char lower[256], list[270];
		size_t k;
		for (k = 0; kind[k] && k + 1 < sizeof(lower); k++)
			lower[k] = (char)tolower((unsigned char)kind[k]);
		lower[k] = '\0';
		snprintf(list, sizeof(list), "%sList", kind);
		if ((!json_object_get(names, "singular") &&
		     json_object_set_new(names, "singular", json_string(lower))) ||
		    (!json_object_get(names, "listKind") &&
		     json_object_set_new(names, "listKind", json_string(list))))
			return -ENOMEM;
	}
	for (i = 0; i < json_array_size(vs); i++) {
		json_t *cols = json_object_get(json_array_get(vs, i), "additionalPrinterColumns");
		size_t c;
		for (c = 0; c < json_array_size(cols); c++) {
			json_t *col = json_array_get(cols, c);
			if (json_is_object(col) && !json_object_get(col, "priority") &&
			    json_object_set_new(col, "priority", json_integer(0)))
				return -ENOMEM;
		}
	}
	return 0;
}

static int version_validate(const json_t *v, size_t i, json_t *causes, int *storage)
{
	static const char *const col_types[] = {"integer", "number", "string", "boolean", "date",
						NULL};
	const char *name = tas_jstr(v, "name");
	const json_t *cols = json_object_get(v, "additionalPrinterColumns");
	char field[128];
	size_t c;

	snprintf(field, sizeof(field), "spec.versions[%zu].name", i);
	if (!name || !tas_is_dns_label(name)) {
		if (tas_invalid(causes, field, name ? name : "",
				"a DNS-1035 label must consist of lower case alphanumeric "
				"characters or '-', start with an alphabetic character, and end "
				"with an alphanumeric character"))
			return -ENOMEM;
	}
	if (json_is_true(json_object_get(v, "storage")))
		(*storage)++;
	snprintf(field, sizeof(field), "spec.versions[%zu].schema.openAPIV3Schema", i);
	if (!json_is_object(tas_jpath(v, "schema.openAPIV3Schema")) &&
	    tas_required(causes, field, "schemas are required"))
		return -ENOMEM;
	for (c = 0; c < json_array_size(cols); c++) {
		const json_t *col = json_array_get(cols, c);
		const char *type = tas_jstr(col, "type");
		size_t t;
		snprintf(field, sizeof(field), "spec.versions[%zu].additionalPrinterColumns[%zu].name",
			 i, c);
		if (!tas_jstr(col, "name") && tas_required(causes, field, NULL))
			return -ENOMEM;
		snprintf(field, sizeof(field),
			 "spec.versions[%zu].additionalPrinterColumns[%zu].jsonPath", i, c);
		if (!tas_jstr(col, "jsonPath") && tas_required(causes, field, NULL))
			return -ENOMEM;
		snprintf(field, sizeof(field), "spec.versions[%zu].additionalPrinterColumns[%zu].type",
			 i, c);
		for (t = 0; type && col_types[t] && strcmp(col_types[t], type); t++)
			;
		if (!type) {
			if (tas_required(causes, field, NULL))
				return -ENOMEM;
		} else if (!col_types[t] && tas_unsupported(causes, field, type, col_types)) {
			return -ENOMEM;
		}
	}
	return 0;
}

int tas_crd_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const scopes[] = {"Cluster", "Namespaced", NULL};
	const json_t *spec = json_object_get(obj, "spec");
	const char *group = tas_jstr(spec, "group");
	const char *plural = tas_jpath_str(spec, "names.plural");
	const char *kind = tas_jpath_str(spec, "names.kind");
	const char *scope = tas_jstr(spec, "scope");
	const char *name = tas_meta(obj, "name");
	const json_t *vs = json_object_get(spec, "versions");
	char want[600];
	size_t i;
	int storage = 0;

	if (plural && group) {
		snprintf(want, sizeof(want), "%s.%s", plural, group);
		if (name && strcmp(name, want) &&
		    tas_invalid(causes, "metadata.name", name,
				"must be spec.names.plural+\".\"+spec.group"))
			return -ENOMEM;
	}
	if (!group || !*group) {
		if (tas_required(causes, "spec.group", NULL))
			return -ENOMEM;
	} else if (!strchr(group, '.') &&
		   tas_invalid(causes, "spec.group", group,
			       "should be a domain with at least one dot")) {
		return -ENOMEM;
	}
	if (!plural || !*plural) {
		if (tas_required(causes, "spec.names.plural", NULL))
			return -ENOMEM;
	} else if (!tas_is_dns_label(plural) &&
		   tas_validate_name(TAS_NAME_LABEL, "spec.names.plural", plural, causes)) {
		return -ENOMEM;
	}
	if ((!kind || !*kind) && tas_required(causes, "spec.names.kind", NULL))
		return -ENOMEM;
	if ((!scope || (strcmp(scope, "Cluster") && strcmp(scope, "Namespaced"))) &&
	    tas_unsupported(causes, "spec.scope", scope ? scope : "", scopes))
		return -ENOMEM;
	if (json_array_size(vs) == 0 &&
	    tas_required(causes, "spec.versions", "must have exactly one version marked as storage version"))
		return -ENOMEM;
	for (i = 0; i < json_array_size(vs); i++)
		if (version_validate(json_array_get(vs, i), i, causes, &storage))
			return -ENOMEM;
	if (json_array_size(vs) && storage != 1 &&
	    tas_cause_add(causes, "FieldValueInvalid", "spec.versions",
			  "Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: "
			  "must have exactly one version marked as storage version"))
		return -ENOMEM;
	if (old && scope && tas_jpath_str(old, "spec.scope") &&
	    strcmp(scope, tas_jpath_str(old, "spec.scope")) &&
	    tas_invalid(causes, "spec.scope", scope, "field is immutable"))
		return -ENOMEM;
	return 0;
}

static json_t *condition(const char *type, const char *reason, const char *message,
			 const char *now)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", "True",
			 "lastTransitionTime", now, "reason", reason, "message", message);
}

static bool has_true(const json_t *conds, const char *type)
{
	size_t i;

	for (i = 0; i < json_array_size(conds); i++) {
		const json_t *c = json_array_get(conds, i);
		if (strcmp(tas_jstr(c, "type") ?: "", type) == 0 &&
		    strcmp(tas_jstr(c, "status") ?: "", "True") == 0)
			return true;
	}
	return false;
}

json_t *tas_crd_established(const json_t *crd, int *err)
{
	const json_t *names = tas_jpath(crd, "spec.names");
	const json_t *st = json_object_get(crd, "status");
	const json_t *conds = json_object_get(st, "conditions");
	json_t *out = NULL, *status, *nc;
	char now[21];
	size_t i;

	*err = 0;
	if (json_equal(json_object_get(st, "acceptedNames"), (json_t *)(uintptr_t)names) &&
	    has_true(conds, "NamesAccepted") && has_true(conds, "Established"))
		return NULL;
	tas_time_format(time(NULL), now);
	out = json_deep_copy(crd);
	status = out ? tas_jobj(out, "status") : NULL;
	nc = json_array();
	if (!status || !nc || json_object_set_new(status, "conditions", nc) ||
	    json_object_set(status, "acceptedNames", (json_t *)(uintptr_t)names))
		goto fail;
	/* keep other controllers' conditions, replace ours */
	for (i = 0; i < json_array_size(conds); i++) {
		const char *t = tas_jstr(json_array_get(conds, i), "type") ?: "";
		if (strcmp(t, "NamesAccepted") && strcmp(t, "Established") &&
		    json_array_append(nc, json_array_get(conds, i)))
			goto fail;
	}
	if (json_array_append_new(nc, condition("NamesAccepted", "NoConflicts",
						 "no conflicts found", now)) ||
	    json_array_append_new(nc, condition("Established", "InitialNamesAccepted",
						 "the initial names have been accepted", now)))
		goto fail;
	return out;
fail:
	json_decref(out);
	*err = -ENOMEM;
	return NULL;
}

#include "tas_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"
#include "tas_util.h"

#define MAX_FIELDS 64

int tas_filter_init(struct tas_filter *f, const struct tas_restype *rt, const char *labels,
		    const char *fields, char *err, size_t errlen)
{
	const char *supported[MAX_FIELDS];
	struct tas_selector *ls = NULL;
	struct tas_fieldsel *fs = NULL;
	size_t n = 0, i;
	int rc;

	memset(f, 0, sizeof(*f));
	f->kind_fields = rt->fields;
	if (labels && *labels) {
		rc = tas_selector_parse(labels, &ls, err, errlen);
		if (rc)
			return rc;
		f->labels = ls;
		f->any = true;
	}
	if (fields && *fields) {
		rc = tas_fieldsel_parse(fields, &fs, err, errlen);
		if (rc) {
			tas_filter_free(f);
			return rc;
		}
		f->fields = fs;
		f->any = true;
		supported[n++] = "metadata.name";
		supported[n++] = "metadata.namespace";
		for (i = 0; rt->fields && rt->fields[i].label && n < MAX_FIELDS; i++)
			supported[n++] = rt->fields[i].label;
		rc = tas_fieldsel_check_fields(fs, supported, n, err, errlen);
		if (rc) {
			tas_filter_free(f);
			return rc;
		}
	}
	return 0;
}

struct field_ctx {
	const json_t *obj;
	const struct tas_field *fields;
	char buf[64];
};

/* The value of a field label as kube's GetAttrs computes it. */
static const char *field_value(void *arg, const char *label)
{
	struct field_ctx *c = arg;
	const struct tas_field *f = NULL;
	const char *path = label;
	const json_t *v;
	size_t i;

	for (i = 0; c->fields && c->fields[i].label; i++)
		if (strcmp(c->fields[i].label, label) == 0) {
			f = &c->fields[i];
			path = f->path;
		}
	v = tas_jpath(c->obj, path);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(c->buf, sizeof(c->buf), "%lld", (long long)json_integer_value(v));
		return c->buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	if (!v && f && f->absent && *f->absent)
		return f->absent;
	return NULL;
}

bool tas_filter_match(const struct tas_filter *f, const json_t *obj)
{
	struct field_ctx c = {.obj = obj, .fields = f->kind_fields};

	if (f->labels && !tas_selector_match_labels(f->labels, tas_jpath(obj, "metadata.labels")))
		return false;
	if (f->fields && !tas_fieldsel_match_fn(f->fields, field_value, &c))
		return false;
	return true;
}

void tas_filter_free(struct tas_filter *f)
{
	if (f->labels)
		tas_selector_free(f->labels);
	if (f->fields)
		tas_fieldsel_free(f->fields);
	memset(f, 0, sizeof(*f));
}

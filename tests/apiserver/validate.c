#include "tas_validate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gofmt.h"
#include "names.h"
#include "tas_status.h"

bool tas_is_dns_label(const char *s)
{
	return tas_name_dns1123_label(s, NULL);
}

bool tas_is_dns_subdomain(const char *s)
{
	return tas_name_dns1123_subdomain(s, NULL);
}

int tas_invalid(json_t *causes, const char *field, const char *value, const char *detail)
{
	struct tas_buf v = {0};
	int rc;

	tas_buf_go_quote(&v, value);
	if (v.oom) {
		tas_buf_free(&v);
		return -ENOMEM;
	}
	rc = tas_cause_add(causes, "FieldValueInvalid", field, "Invalid value: %s: %s",
			   tas_buf_str(&v), detail);
	tas_buf_free(&v);
	return rc;
}

int tas_required(json_t *causes, const char *field, const char *detail)
{
	if (detail && *detail)
		return tas_cause_add(causes, "FieldValueRequired", field, "Required value: %s",
				     detail);
	return tas_cause_add(causes, "FieldValueRequired", field, "Required value");
}

int tas_unsupported(json_t *causes, const char *field, const char *value,
		    const char *const *supported)
{
	struct tas_buf list = {0}, v = {0};
	size_t i;
	int rc = -ENOMEM;

	tas_buf_go_quote(&v, value);
	for (i = 0; supported[i]; i++) {
		if (i)
			tas_buf_puts(&list, ", ");
		tas_buf_go_quote(&list, supported[i]);
	}
	if (!list.oom && !v.oom)
		rc = tas_cause_add(causes, "FieldValueNotSupported", field,
				   "Unsupported value: %s: supported values: %s", tas_buf_str(&v),
				   tas_buf_str(&list));
	tas_buf_free(&list);
	tas_buf_free(&v);
	return rc;
}

/* kube adds one cause per message of a check; names.c joins them by "; ". */
static int invalid_each(json_t *causes, const char *field, const char *value,
			struct tas_buf *msgs)
{
	const char *p = tas_buf_str(msgs);
	int rc = msgs->oom ? -ENOMEM : 0;

	while (!rc && *p) {
		const char *sep = strstr(p, "; ");
		size_t n = sep ? (size_t)(sep - p) : strlen(p);
		char *one = strndup(p, n);
		rc = one ? tas_invalid(causes, field, value, one) : -ENOMEM;
		free(one);
		p += n + (sep ? 2 : 0);
	}
	tas_buf_free(msgs);
	return rc;
}

int tas_validate_name(enum tas_name_rule rule, const char *field, const char *name,
		      json_t *causes)
{
	struct tas_buf msgs = {0};

	switch (rule) {
	case TAS_NAME_LABEL:
		tas_name_dns1123_label(name, &msgs);
		return invalid_each(causes, field, name, &msgs);
	case TAS_NAME_SUBDOMAIN:
		tas_name_dns1123_subdomain(name, &msgs);
		return invalid_each(causes, field, name, &msgs);
	case TAS_NAME_PATH_SEGMENT:
		if (strcmp(name, ".") == 0)
			return tas_invalid(causes, field, name, "may not be '.'");
		if (strcmp(name, "..") == 0)
			return tas_invalid(causes, field, name, "may not be '..'");
		if (strchr(name, '/'))
			return tas_invalid(causes, field, name, "may not contain '/'");
		if (strchr(name, '%'))
			return tas_invalid(causes, field, name, "may not contain '%'");
		return 0;
	}
	return 0;
}

int tas_validate_labels(const json_t *labels, const char *field, json_t *causes)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)labels, k, v) {
		struct tas_buf msgs = {0};
		const char *val = json_string_value(v) ? json_string_value(v) : "";
		tas_name_qualified(k, &msgs);
		if (invalid_each(causes, field, k, &msgs))
			return -ENOMEM;
		tas_name_label_value(val, &msgs);
		if (invalid_each(causes, field, val, &msgs))
			return -ENOMEM;
	}
	return 0;
}

int tas_validate_annotations(const json_t *annotations, const char *field, json_t *causes)
{
	const char *k;
	json_t *v;
	size_t total = 0;

	json_object_foreach((json_t *)(uintptr_t)annotations, k, v) {
		struct tas_buf msgs = {0};
		char key[512];
		/* kube lowercases annotation keys before checking them */
		snprintf(key, sizeof(key), "%s", k);
		for (char *p = key; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		tas_name_qualified(key, &msgs);
		if (invalid_each(causes, field, k, &msgs))
			return -ENOMEM;
		total += strlen(k) + json_string_length(v);
	}
	if (total > 256 * 1024)
		return tas_cause_add(causes, "FieldValueTooLong", field,
				     "Too long: must have at most 262144 bytes");
	return 0;
}

/* kube's apimachinery checks on names, labels and annotations, with its
 * wording (k8s.io/apimachinery/pkg/util/validation), so a client sees the
 * same 422 causes it would see from a real cluster. Each function appends
 * causes {reason, message, field} and returns 0 or -ENOMEM. */
#ifndef TAS_VALIDATE_H
#define TAS_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>

#include "tas_restype.h"

bool tas_is_dns_label(const char *s);
bool tas_is_dns_subdomain(const char *s);

int tas_validate_name(enum tas_name_rule rule, const char *field, const char *name,
		      json_t *causes);
int tas_validate_labels(const json_t *labels, const char *field, json_t *causes);
int tas_validate_annotations(const json_t *annotations, const char *field, json_t *causes);
/* An "Invalid value" cause whose value is a JSON string. */
int tas_invalid(json_t *causes, const char *field, const char *value, const char *detail);
int tas_required(json_t *causes, const char *field, const char *detail);
/* An "Unsupported value" cause listing the supported ones (NULL-terminated). */
int tas_unsupported(json_t *causes, const char *field, const char *value,
		    const char *const *supported);

#endif

/* kube's name and label syntax checks (apimachinery util/validation), with its
 * messages, for selectors and object metadata. Each returns true when value
 * is valid; otherwise it appends kube's reasons, joined by "; ", to msg
 * (which may be NULL). */
#ifndef TAS_NAMES_H
#define TAS_NAMES_H

#include <stdbool.h>

#include "gofmt.h"

/* IsQualifiedName: label and annotation keys, "[prefix/]name" */
bool tas_name_qualified(const char *value, struct tas_buf *msg);
/* IsValidLabelValue: empty, or a name part of at most 63 characters */
bool tas_name_label_value(const char *value, struct tas_buf *msg);
/* IsDNS1123Subdomain: most object names */
bool tas_name_dns1123_subdomain(const char *value, struct tas_buf *msg);
/* IsDNS1123Label: namespace names */
bool tas_name_dns1123_label(const char *value, struct tas_buf *msg);

#endif

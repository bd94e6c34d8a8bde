/* The OpenAPI "format" checks kube-apiserver applies to custom resources
 * (apiextensions' supported formats, kube-openapi's strfmt). */
#ifndef TAS_STRFMT_H
#define TAS_STRFMT_H

#include <stdbool.h>

/* Whether kube keeps `format` on a schema of `type` (NULL: untyped) instead of
 * stripping it when it builds the CRD validator: the supported string formats,
 * int32/int64 on integers, float/double on numbers. Format names compare with
 * dashes removed ("date-time" is "datetime"). */
bool tas_strfmt_kept(const char *type, const char *format);

/* Whether the string s is a valid `format` value, for formats kube keeps on
 * strings. Checked as kube does: duration (Go's time.ParseDuration or the
 * Scala-like "3 days" forms), datetime, date, byte (base64), uuid/uuid3/4/5,
 * ipv4, ipv6, cidr, mac, hexcolor, password. The rest of kube's list (hostname,
 * uri, email, isbn*, creditcard, ssn, rgbcolor, bsonobjectid, quantity) is not
 * checked here and always passes: none of our CRDs uses them. */
bool tas_strfmt_valid(const char *format, const char *s);

#endif

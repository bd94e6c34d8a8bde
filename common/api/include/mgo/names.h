/* Kubernetes' naming rules and the API server URL check (pure strings). */
#ifndef MGO_NAMES_H
#define MGO_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 1123 label (namespaces): [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63. */
bool mgo_name_is_dns_label(const char *s);

/* RFC 1123 subdomain (service accounts, most object names): dot-separated
 * labels, at most 253. */
bool mgo_name_is_dns_subdomain(const char *s);

/* A port number of n decimal digits in 1..65535. */
bool mgo_name_valid_port(const char *s, size_t n);

/* Validates an API server URL and returns a copy without trailing '/'
 * (*out owned by the caller). The URL is later glued to API paths, so
 * anything that could change which host or path is reached is refused.
 * reason receives a short text on failure. Negative errno. */
int mgo_name_server_url(const char *in, char **out, char *reason, size_t rlen);

#endif

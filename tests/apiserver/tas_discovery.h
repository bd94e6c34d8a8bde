/* The non-resource API surface: discovery (/api, /apis, group and
 * group/version documents, legacy and aggregated v2 forms), /version, the
 * health endpoints and the OpenAPI v3 documents kubectl reads to learn that
 * the server validates fields itself (fieldValidation). */
#ifndef TAS_DISCOVERY_H
#define TAS_DISCOVERY_H

#include <stdbool.h>

#include "tas_server.h"

/* Answers r if its path is one of the above (takes the store lock itself).
 * Returns false when the path is not one of them. */
bool tas_discovery(struct tas_server *s, const struct tas_req *r, struct tas_resp *resp);

/* kube's version ordering: v1 > v1beta2 > v1beta1 > v1alpha1 > others (<0: a first). */
int tas_version_cmp(const char *a, const char *b);

#endif

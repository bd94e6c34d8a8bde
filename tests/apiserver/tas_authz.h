/* Authorization of a request against the RBAC objects in the store (the
 * decision itself is rbac.c's). Expects the store lock. */
#ifndef TAS_AUTHZ_H
#define TAS_AUTHZ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tas_auth.h"
#include "rbac.h"
#include "tas_server.h"

/* attrs->user/groups are filled from u when u is not NULL. */
bool tas_authorize(struct tas_server *s, const struct tas_user *u, struct tas_rbac_attrs *a,
		   char *why, size_t whylen);
/* The attributes of a request (strings borrowed from ri and u). */
void tas_attrs_from_request(struct tas_rbac_attrs *a, const struct tas_user *u,
			    const struct tas_reqinfo *ri);
/* The 403 Status kube sends for a denied request (new reference). */
json_t *tas_forbidden(const struct tas_rbac_attrs *a, const char *why);

#endif

/* One request from authentication to response: authenticate the bearer
 * token, work out the request's attributes, serve the admin endpoints,
 * inject faults, authorize with RBAC, then answer (discovery or REST). */
#ifndef TAS_HANDLER_H
#define TAS_HANDLER_H

#include "tas_server.h"

void tas_handle(struct tas_server *s, struct tas_req *r, struct tas_resp *resp);

#endif

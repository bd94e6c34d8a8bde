/* The resource API: GET (get, list, watch), POST, PUT, PATCH and DELETE on
 * /api/v1/... and /apis/G/V/... for every served kind. */
#ifndef TAS_REST_H
#define TAS_REST_H

#include "tas_server.h"

/* Answers an authenticated, authorized resource request. */
void tas_rest(struct tas_server *s, struct tas_req *r, struct tas_resp *resp);

#endif

/* The admin-only test endpoints under /mgo-test/ (see README.md):
 * faults, drop-watches, compact, stats. */
#ifndef TAS_ADMIN_H
#define TAS_ADMIN_H

#include <stdbool.h>

#include "tas_server.h"

/* Handles r if its path is under /mgo-test/; false otherwise. The caller
 * has checked that the user is in system:masters. */
bool tas_admin(struct tas_server *s, const struct tas_req *r, struct tas_resp *resp);

#endif

/* The audit log: one JSON line per request with who did what and how it
 * ended ({"user","groups","verb","apiGroup","resource","subresource",
 * "namespace","name","requestURI","code","latencyMs",...}). Never logs the
 * request body or the Authorization header. */
#ifndef TAS_AUDIT_H
#define TAS_AUDIT_H

#include <stdint.h>

#include "tas_server.h"

/* Opens (appends to) path. 0 or -errno. */
int tas_audit_open(struct tas_server *s, const char *path);
void tas_audit_close(struct tas_server *s);
/* Writes the line for a finished (or, for watches, started) request. */
void tas_audit_write(struct tas_server *s, const struct tas_req *r, const char *audit_id,
		     int code, double latency_ms);
/* The request's URI with its query re-encoded, into buf. */
void tas_request_uri(const struct tas_req *r, char *buf, size_t len);

#endif

/* Fault injection for chaos tests, configured through the admin endpoint
 * (see README.md): a share or a count of matching requests gets an error
 * (5xx Status) or is throttled (429 with Retry-After), and every matching
 * request can be delayed, or held until the next configuration. Decisions
 * use a seeded PRNG so a run can be repeated. Has its own lock: requests
 * consult it without the store lock. */
#ifndef TAS_FAULTS_H
#define TAS_FAULTS_H

#include <jansson.h>
#include <stddef.h>

#include "tas_auth.h"
#include "tas_reqinfo.h"
#include "tas_server.h"

struct tas_faults *tas_faults_new(void);
void tas_faults_free(struct tas_faults *f);
/* Replaces the configuration ({} clears it). 0, or -EINVAL with err. */
int tas_faults_set(struct tas_faults *f, const json_t *cfg, char *err, size_t errlen);
/* Lets every held request go and holds no more (the server stopping). */
void tas_faults_release(struct tas_faults *f);
/* The configuration and counters (new reference). */
json_t *tas_faults_describe(struct tas_faults *f);
/* A request the configuration holds waits for the next configuration (or
 * holdMs) and goes through; any other sleeps for the configured latency,
 * then is decided: 0 lets the request through, 1 means resp holds the
 * injected reply. */
int tas_faults_apply(struct tas_faults *f, const struct tas_user *u,
		     const struct tas_reqinfo *ri, struct tas_resp *resp);

#endif

/* Request counters for GET /mgo-test/stats and the benchmarks: totals by
 * user, verb, resource and code. Own lock. */
#ifndef TAS_STATS_H
#define TAS_STATS_H

#include <jansson.h>

struct tas_stats *tas_stats_new(void);
void tas_stats_free(struct tas_stats *st);
void tas_stats_record(struct tas_stats *st, const char *user, const char *verb,
		      const char *resource, int code);
/* The counters (new reference). */
json_t *tas_stats_json(struct tas_stats *st);

#endif

/* Client-side token bucket: `qps` tokens a second, at most `burst` saved up.
 *
 * Pure: the caller passes the time (mgo_now_ms()), so tests can drive it.
 * The caller queues work while a take is refused and retries after the wait
 * it is told, which is how the kube client keeps its QPS without failing
 * requests. */
#ifndef MGO_RATELIMIT_H
#define MGO_RATELIMIT_H

#include <stdint.h>

struct mgo_ratelimit {
	double qps;             /* <= 0: unlimited */
	double burst;           /* >= 1 */
	double tokens;
	uint64_t last_ms;
};

/* Starts full (a fresh client may send a burst at once). burst 0 counts as 1. */
void mgo_ratelimit_init(struct mgo_ratelimit *rl, double qps, unsigned burst, uint64_t now_ms);

/* Takes one token and returns 0, or takes nothing and returns how many ms
 * until a token will be there (always >= 1). */
uint64_t mgo_ratelimit_take(struct mgo_ratelimit *rl, uint64_t now_ms);

#endif

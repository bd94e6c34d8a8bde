/* Exponential backoff with jitter, and the small PRNG that draws the jitter.
 *
 * Pure: the caller passes the random draw, so tests can pin the bounds. Any
 * module that retries (kube client, informer, supervisor restarts) uses this
 * so every retry in the project spreads out the same way. */
#ifndef MGO_BACKOFF_H
#define MGO_BACKOFF_H

#include <stdint.h>

/* The delay before retry number `attempt` (0 for the first retry): with
 * d = min(cap_ms, base_ms * 2^attempt), a value in [d/2, d] chosen by `rnd`.
 * "Equal jitter": the lower half keeps a floor under the delay so a crowd of
 * clients never hammers a recovering server, the upper half de-synchronises
 * them. base_ms 0 gives 0; cap_ms below base_ms caps at cap_ms. */
uint64_t mgo_backoff_delay(uint64_t base_ms, uint64_t cap_ms, unsigned attempt, uint64_t rnd);

/* splitmix64: fast, tiny state, good enough for jitter (not for secrets). */
struct mgo_rng {
	uint64_t s;
};

/* Seeds from getrandom(2), falling back to the clock and pid if that fails
 * (jitter only needs processes to differ, not to be unpredictable). */
void mgo_rng_seed(struct mgo_rng *r);
uint64_t mgo_rng_next(struct mgo_rng *r);

#endif

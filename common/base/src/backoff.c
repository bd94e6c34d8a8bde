#include "mgo/backoff.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uint64_t mgo_backoff_delay(uint64_t base_ms, uint64_t cap_ms, unsigned attempt, uint64_t rnd)
{
	uint64_t d = base_ms;

	/* double until the cap instead of shifting, so a large attempt count
	 * cannot overflow */
	for (unsigned i = 0; i < attempt && d > 0 && d < cap_ms; i++)
		d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
	if (d > cap_ms)
		d = cap_ms;
	uint64_t half = d / 2;
	uint64_t span = d - half; /* [half, d] has span + 1 values */
	if (span == UINT64_MAX)
		return half + rnd;
	return half + rnd % (span + 1);
}

void mgo_rng_seed(struct mgo_rng *r)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		       ((uint64_t)getpid() << 40);
	}
	r->s = seed;
}

uint64_t mgo_rng_next(struct mgo_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Retry pacing: backoff stays within its jittered bounds and cap, and the
 * token bucket lets through exactly its burst and then its rate. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "mgo/backoff.h"
#include "mgo/ratelimit.h"

Test(kube_backoff, bounds_for_every_attempt_and_extreme_draws)
{
	const uint64_t draws[] = {0, 1, 12345, UINT64_MAX / 2, UINT64_MAX};

	for (unsigned attempt = 0; attempt < 80; attempt++) {
		uint64_t d = 100;
		for (unsigned i = 0; i < attempt && d < 30000; i++)
			d *= 2;
		if (d > 30000)
			d = 30000;
		for (size_t k = 0; k < sizeof(draws) / sizeof(draws[0]); k++) {
			uint64_t v = mgo_backoff_delay(100, 30000, attempt, draws[k]);
			cr_assert_geq(v, d / 2, "attempt %u draw %zu: %lu", attempt, k,
				      (unsigned long)v);
			cr_assert_leq(v, d, "attempt %u draw %zu: %lu", attempt, k,
				      (unsigned long)v);
		}
	}
}

Test(kube_backoff, table)
{
	static const struct {
		uint64_t base, cap;
		unsigned attempt;
		uint64_t rnd, want;
	} t[] = {
		{100, 30000, 0, 0, 50},         /* lowest of [50,100] */
		{100, 30000, 0, 50, 100},       /* highest: 50 + 50 % 51 */
		{100, 30000, 3, 0, 400},        /* d = 800 */
		{100, 30000, 20, 0, 15000},     /* capped */
		{100, 30000, 4000000000u, 0, 15000}, /* no overflow, no long loop */
		{0, 30000, 4000000000u, 7, 0},  /* zero base stays zero */
		{500, 200, 0, 0, 100},          /* cap below base wins */
		{1, 1, 5, 1, 1},
		{UINT64_MAX, UINT64_MAX, 3, 0, UINT64_MAX / 2},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_assert_eq(mgo_backoff_delay(t[i].base, t[i].cap, t[i].attempt, t[i].rnd),
			     t[i].want, "row %zu", i);
}

Test(kube_backoff, jitter_spreads_draws)
{
	struct mgo_rng r;
	uint64_t lo = UINT64_MAX, hi = 0;

	mgo_rng_seed(&r);
	for (int i = 0; i < 1000; i++) {
		uint64_t v = mgo_backoff_delay(1000, 60000, 2, mgo_rng_next(&r));
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	cr_assert_lt(lo, 2200, "draws reach the low end of [2000,4000]");
	cr_assert_gt(hi, 3800, "draws reach the high end of [2000,4000]");
}

Test(kube_ratelimit, burst_then_rate)
{
	struct mgo_ratelimit rl;
	uint64_t now = 1000;

	mgo_ratelimit_init(&rl, 10, 3, now);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mgo_ratelimit_take(&rl, now), 0, "burst token %d", i);
	cr_assert_eq(mgo_ratelimit_take(&rl, now), 100, "one token every 100 ms at 10 qps");
	cr_assert_eq(mgo_ratelimit_take(&rl, now + 40), 60, "a refused take consumes nothing");
	cr_assert_eq(mgo_ratelimit_take(&rl, now + 100), 0);
	cr_assert_eq(mgo_ratelimit_take(&rl, now + 100), 100);
	/* a long idle time saves up at most the burst */
	now += 100000;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mgo_ratelimit_take(&rl, now), 0);
	cr_assert_gt(mgo_ratelimit_take(&rl, now), 0);
}

Test(kube_ratelimit, sustained_rate_matches_qps)
{
	struct mgo_ratelimit rl;
	uint64_t now = 0;
	int granted = 0;

	mgo_ratelimit_init(&rl, 5, 1, now);
	/* a caller that retries exactly when told gets qps * seconds + burst */
	while (now <= 10000) {
		uint64_t wait = mgo_ratelimit_take(&rl, now);
		if (wait == 0)
			granted++;
		else
			now += wait;
	}
	cr_assert(granted >= 50 && granted <= 52, "granted %d in 10 s at 5 qps", granted);
}

Test(kube_ratelimit, fractional_qps_unlimited_and_stale_clock)
{
	struct mgo_ratelimit rl;

	mgo_ratelimit_init(&rl, 0.5, 1, 0);
	cr_assert_eq(mgo_ratelimit_take(&rl, 0), 0);
	cr_assert_eq(mgo_ratelimit_take(&rl, 0), 2000);
	cr_assert_eq(mgo_ratelimit_take(&rl, 1999), 1, "never 0 while refusing");
	cr_assert_eq(mgo_ratelimit_take(&rl, 1000), 1, "an older time changes nothing");
	cr_assert_eq(mgo_ratelimit_take(&rl, 2000), 0);

	mgo_ratelimit_init(&rl, 0, 0, 0);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(mgo_ratelimit_take(&rl, 0), 0, "qps 0 is unlimited");
	mgo_ratelimit_init(&rl, -1, 5, 0);
	cr_assert_eq(mgo_ratelimit_take(&rl, 0), 0);
}

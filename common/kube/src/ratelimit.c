#include "mgo/ratelimit.h"

void mgo_ratelimit_init(struct mgo_ratelimit *rl, double qps, unsigned burst, uint64_t now_ms)
{
	rl->qps = qps;
	rl->burst = burst ? burst : 1;
	rl->tokens = rl->burst;
	rl->last_ms = now_ms;
}

uint64_t mgo_ratelimit_take(struct mgo_ratelimit *rl, uint64_t now_ms)
{
	if (!(rl->qps > 0))
		return 0;
	/* the clock is monotonic, but a caller passing a stale time must not
	 * make tokens vanish */
	if (now_ms > rl->last_ms) {
		rl->tokens += (double)(now_ms - rl->last_ms) * rl->qps / 1000.0;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last_ms = now_ms;
	}
	/* tokens add up in floating point: 0.9999999999 is a whole token */
	if (rl->tokens >= 1.0 - 1e-9) {
		rl->tokens -= 1.0;
		return 0;
	}
	double wait = (1.0 - rl->tokens) * 1000.0 / rl->qps;
	uint64_t ms = (uint64_t)wait; /* ceil without libm */
	if ((double)ms < wait)
		ms++;
	return ms ? ms : 1;
}

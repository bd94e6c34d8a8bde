/* What the validator decides for one observation: a pure function from the
 * watcher's Observe to at most one Act for the launcher. No I/O, no clock;
 * every branch is a row in tests/unit/test_decide.c.
 *
 * The decision is level-triggered: the same observation always yields the
 * same act, and the launcher makes each act idempotent, so re-sending an
 * Observe is always safe. */
#ifndef MGO_VALIDATOR_DECIDE_H
#define MGO_VALIDATOR_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "mgo/spec.h"
#include "mgo/types.h"

enum mgo_decision {
	MGO_DECIDE_NOTHING = 0, /* nothing to do now (running, or done and cleaned) */
	MGO_DECIDE_ACT = 1,     /* *act is filled and owned by the caller */
};

/* Decides for *obs. Returns MGO_DECIDE_ACT with *act filled (free with
 * mgo_act_free), MGO_DECIDE_NOTHING with *act zeroed, or -ENOMEM. */
int mgo_decide(const struct mgo_policy *policy, const struct mgo_observe *obs,
	       struct mgo_act *act);

#endif

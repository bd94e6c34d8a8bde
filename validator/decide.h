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

#include "mgo/types.h"

/* Condition and Event reasons the operator writes on a MustGather. A support
 * engineer reads them in `kubectl describe mg`; they are API, never renamed. */
#define MGO_REASON_ALLOWLIST_NOT_CONFIGURED "AllowlistNotConfigured"
#define MGO_REASON_INVALID_IMAGE "InvalidImage"
#define MGO_REASON_INVALID_SPEC "InvalidSpec"
#define MGO_REASON_COMPLETED "Completed"
#define MGO_REASON_TIMEOUT "Timeout"
#define MGO_REASON_GATHER_FAILED "GatherFailed"
#define MGO_REASON_UPLOAD_FAILED "UploadFailed"
#define MGO_REASON_IMAGE_PULL_FAILED "ImagePullFailed"
#define MGO_REASON_POD_CONFIG_ERROR "PodConfigError"
#define MGO_REASON_JOB_FAILED "JobFailed"

/* What the validator is told at start (from the operator's configuration). */
struct mgo_policy {
	const char *namespace;                  /* the operator's own namespace */
	const char *default_image;              /* used when spec.mustGatherImage is unset */
	const char *const *operator_sas;        /* the operator's own service accounts */
	size_t n_operator_sas;
};

enum mgo_decision {
	MGO_DECIDE_NOTHING = 0, /* nothing to do now (running, or done and cleaned) */
	MGO_DECIDE_ACT = 1,     /* *act is filled and owned by the caller */
};

/* Decides for *obs. Returns MGO_DECIDE_ACT with *act filled (free with
 * mgo_act_free), MGO_DECIDE_NOTHING with *act zeroed, or -ENOMEM. */
int mgo_decide(const struct mgo_policy *policy, const struct mgo_observe *obs,
	       struct mgo_act *act);

/* Decides about MustGatherImage/cluster itself (an Observe whose subject is
 * the allowlist): always MGO_DECIDE_ACT with an ALLOWLIST_STATUS act listing
 * each entry that is not an image reference and why, or -ENOMEM. mgo_decide
 * calls it for such observations. */
int mgo_decide_allowlist(const struct mgo_observe *obs, struct mgo_act *act);

/* Checks the spec against the policy and the observed world. Returns 0 with
 * *intent filled (owned by the caller), 1 when the spec is refused (*reason
 * is one of the MGO_REASON_* denials, msg says what is wrong, *intent is
 * zeroed), or -ENOMEM. */
int mgo_validate_spec(const struct mgo_policy *policy, const struct mgo_observe *obs,
		      struct mgo_job_intent *intent, const char **reason, char *msg,
		      size_t msglen);

/* Parses a mustGatherTimeout ("90s", "10m", "1.5h", "1d", "1h30m", "500ms")
 * into whole seconds, rounding up. Returns 0, or -EINVAL with msg set. */
int mgo_parse_duration(const char *s, int64_t *seconds, char *msg, size_t msglen);

#endif

/* What a MustGather's spec and MustGatherImage/cluster justify: the pure
 * validation both the validator (to decide) and the launcher (to check the
 * validator's decision before it writes, docs/monitor.md) run. No I/O, no
 * clock; every branch is a row in tests/unit/test_decide.c. */
#ifndef MGO_SPEC_H
#define MGO_SPEC_H

#include <stdbool.h>
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
#define MGO_REASON_OBJECT_TOO_LARGE "ObjectTooLarge"
#define MGO_REASON_OBFUSCATION_FAILED "ObfuscationFailed"

/* The largest MustGather the operator reads, as compact JSON
 * (mgo_json_size). Its spec is at most about 10 KiB (the CRD's maxLengths),
 * twice that with kubectl's last-applied annotation, plus our status: a
 * larger one carries something else (annotations, labels), and reading it
 * would let one namespace's objects cost the watcher without bound. The
 * watcher fails it with MGO_REASON_OBJECT_TOO_LARGE; the launcher measures
 * it itself before it writes that (docs/design.md, "Objects too large to
 * read"; docs/monitor.md). */
#define MGO_MG_MAX_BYTES (128u * 1024)

/* How an InvalidSpec denial for a missing storage claim begins; the
 * launcher reads the claim itself before it writes one (docs/monitor.md). */
#define MGO_DENY_CLAIM_MISSING "spec.storage.persistentVolume.claim.name: PersistentVolumeClaim "

/* The condition a live MustGather with a storage claim gets while that
 * claim is not Bound, and again when it binds (docs/support.md). Status
 * only: the phase stays Running, spec.mustGatherTimeout still runs. */
#define MGO_CONDITION_STORAGE_READY "StorageReady"
#define MGO_REASON_CLAIM_PENDING "ClaimPending"
#define MGO_REASON_CLAIM_LOST "ClaimLost"
#define MGO_REASON_CLAIM_BOUND "ClaimBound"

/* The StorageReady condition for claim `claim` in `phase`: returns its
 * reason (MGO_REASON_CLAIM_*) and writes its message to msg; NULL for
 * MGO_CLAIM_UNKNOWN. The validator sends exactly this, the launcher
 * derives it again from its own read of the claim (docs/monitor.md). */
const char *mgo_claim_condition(enum mgo_claim_phase phase, const char *claim, char *msg,
				size_t len);

/* Whether reason is one of the MGO_REASON_* above, the StorageReady ones
 * (MGO_REASON_CLAIM_*) aside: they never end a MustGather. */
bool mgo_reason_known(const char *reason);

/* Longest spec.mustGatherTimeout accepted: activeDeadlineSeconds is int64,
 * but a gather that runs for more than a year is a typo. */
#define MGO_TIMEOUT_MAX_SECONDS (366LL * 24 * 3600)

/* What the validator and the launcher are told at start (from the
 * operator's configuration). */
struct mgo_policy {
	const char *namespace;                  /* the operator's own namespace */
	const char *default_image;              /* used when spec.mustGatherImage is unset */
	const char *const *operator_sas;        /* the operator's own service accounts */
	size_t n_operator_sas;
};

/* Whether ns belongs to the platform: openshift, kube, hypershift and their
 * "-*" namespaces. The same list as deploy/policy/mustgather-namespaces.yaml
 * (tests/unit/test_decide.c holds the two together). */
bool mgo_namespace_is_platform(const char *ns);

/* Checks the spec against the policy and the observed world. Returns 0 with
 * *intent filled (owned by the caller), 1 when the spec is refused (*reason
 * is one of the MGO_REASON_* denials, msg says what is wrong, *intent is
 * zeroed), or -ENOMEM. A MustGather in the operator's own namespace or a
 * platform namespace is refused. Presences MGO_PRESENCE_UNKNOWN pass. */
int mgo_validate_spec(const struct mgo_policy *policy, const struct mgo_observe *obs,
		      struct mgo_job_intent *intent, const char **reason, char *msg,
		      size_t msglen);

/* Parses a mustGatherTimeout ("90s", "10m", "1.5h", "1d", "1h30m", "500ms")
 * into whole seconds, rounding up; at most MGO_TIMEOUT_MAX_SECONDS. Returns
 * 0, or -EINVAL with msg set. */
int mgo_parse_duration(const char *s, int64_t *seconds, char *msg, size_t msglen);

/* Decides about MustGatherImage/cluster itself (an Observe whose subject is
 * the allowlist): always MGO_DECIDE_ACT (1) with an ALLOWLIST_STATUS act
 * listing each entry that is not an image reference and why, or -ENOMEM. */
int mgo_decide_allowlist(const struct mgo_observe *obs, struct mgo_act *act);

#endif

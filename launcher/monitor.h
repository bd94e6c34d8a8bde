/* The launcher as OpenSSH's monitor: before it writes anything for an act it
 * reads the objects the act is about and checks the act against them with
 * these pure functions. It never takes the validator's word for what the
 * world looks like (docs/monitor.md).
 *
 * Each function returns MGO_MONITOR_OK, MGO_MONITOR_STALE (the act was
 * decided on an older version of the object: not obeyed, not an attack),
 * MGO_MONITOR_GONE (check_job: nothing there to delete) or
 * MGO_MONITOR_REFUSED with *why naming the check that failed; or -ENOMEM.
 * Objects are the API server's JSON (a GET's body), NULL for a 404. */
#ifndef MGO_LAUNCHER_MONITOR_H
#define MGO_LAUNCHER_MONITOR_H

#include <jansson.h>
#include <stdbool.h>

#include "ended.h"
#include "mgo/spec.h"
#include "mgo/types.h"

enum mgo_monitor_verdict {
	MGO_MONITOR_OK = 0,
	MGO_MONITOR_REFUSED,
	MGO_MONITOR_STALE,
	MGO_MONITOR_GONE,
};

struct mgo_refusal {
	const char *check;      /* static: "uid", "namespace", "image", ... */
	/* The act's intent differs from what the spec and the allowlist
	 * justify: worth one fresh read of the allowlist before refusing,
	 * since the launcher's watch of it may lag the watcher's. */
	bool allowlist_sensitive;
	char detail[768];       /* printable ASCII */
};

/* Every act about a MustGather (all kinds but ALLOWLIST_STATUS), against
 * the MustGather read back: it exists with the act's UID, the act saw its
 * current resourceVersion and generation (not CLEANUP, which writes no
 * status), it is not being deleted, it is unfinished (finished for
 * CLEANUP), a Job named is the one the launcher names for it and not one
 * the spec retains (FINISH, CLEANUP), a reason is one the operator writes.
 * A CLAIM_STATUS is about a Running MustGather whose spec names a claim,
 * with a StorageReady reason (MGO_REASON_CLAIM_*). A LAUNCH must be outside the operator's and the platform's namespaces and
 * its intent equal, field by field, to what mgo_validate_spec makes of the
 * spec and `allowlist` (MustGatherImage/cluster, NULL: none). */
int mgo_monitor_check_mg(const struct mgo_policy *policy, const struct mgo_act *act,
			 const json_t *mg, const json_t *allowlist, struct mgo_refusal *why);

/* A Job an act deletes, or whose end FINISH records, read back from the
 * act's namespace under the launcher's own name for the MustGather: it must
 * be in that namespace, controlled by the MustGather (ownerReference with
 * the act's UID and controller: true), and the Job the act names (its UID).
 * FINISH: its conditions must agree (Complete=True for succeeded; a
 * failure is refused only when the Job says it completed). A missing Job is
 * MGO_MONITOR_GONE, but refused for a FINISH that claims success. */
int mgo_monitor_check_job(const struct mgo_act *act, const json_t *job, struct mgo_refusal *why);

/* Whether the launcher's own record of an ended Job (ended.h) already
 * answers that check with MGO_MONITOR_OK: the Job the act names (UID, and
 * `job_name`, the name the launcher gives the MustGather's Job), in the
 * act's namespace, controlled by its MustGather, and for FINISH with the
 * outcome the act says. Only ever a yes: false sends the act to the GET,
 * whose answer mgo_monitor_check_job judges (and refuses a lie with). */
bool mgo_monitor_job_ended_ok(const struct mgo_act *act, const char *job_name,
			      const struct mgo_ended_job *job);

/* A DENY saying that the claim its MustGather's storage names does not
 * exist (InvalidSpec, MGO_DENY_CLAIM_MISSING), or a CLAIM_STATUS: *claim is
 * set to that claim as `mg` (the MustGather read back) names it, for the
 * launcher to read; NULL when the act says nothing about a claim. Refused
 * when the spec names no claim, or (DENY) another than the message does. */
int mgo_monitor_claim_to_read(const struct mgo_act *act, const json_t *mg, const char **claim,
			      struct mgo_refusal *why);

/* That claim read back from the act's namespace (NULL: 404). A DENY is
 * refused when it exists, as the denial said it does not; a CLAIM_STATUS
 * unless it exists and its status.phase gives exactly the act's reason and
 * message (mgo_claim_condition): a Bound claim is never said to be Pending. */
int mgo_monitor_check_claim(const struct mgo_act *act, const char *claim, const json_t *pvc,
			    struct mgo_refusal *why);

/* An ALLOWLIST_STATUS act against MustGatherImage/cluster read back: the
 * name is "cluster", the UID and generation are the object's, and the
 * malformed entries and their messages are exactly what
 * mgo_decide_allowlist makes of its spec.images. */
int mgo_monitor_check_allowlist(const struct mgo_act *act, const json_t *mgi,
				struct mgo_refusal *why);

#endif

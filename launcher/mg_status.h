/* What the launcher writes about a MustGather: the /status merge patch and
 * the Event for each act. Pure functions; the caller passes the time.
 *
 * Conditions (Kubernetes API conventions: lastTransitionTime is when the
 * condition's status last changed, kept from the current status when the
 * write does not change it):
 *   LAUNCH          Running=True   JobCreated
 *   DENY            Failed=True    <denial reason>
 *   FINISH, ok      Running=False  Completed,  Completed=True Completed
 *   FINISH, failed  Running=False  <reason>,   Failed=True    <reason>
 * status.status is Running, Completed or Failed; status.completed is true once
 * the MustGather is finished either way (as upstream). Every patch carries the
 * resourceVersion the decision saw, so a stale decision gets a Conflict. */
#ifndef MGO_LAUNCHER_STATUS_H
#define MGO_LAUNCHER_STATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mgo/types.h"

#define MGO_REASON_JOB_CREATED "JobCreated"
/* The Job's name is held by a Job this MustGather does not control: the
 * launcher finds it when its create gets AlreadyExists (launcher.c). */
#define MGO_REASON_JOB_NAME_TAKEN "JobNameTaken"
/* A launch held back: its namespace runs as many gathers as the
 * configuration allows at once (gathers.maxRunningPerNamespace). The
 * condition is Queued=True with this reason until the Job is created,
 * whose Running condition replaces it. */
#define MGO_CONDITION_QUEUED "Queued"
#define MGO_REASON_NAMESPACE_LIMIT "NamespaceLimit"

/* The merge patch for act on the MustGather's /status. `job_name` is the
 * Job a LAUNCH creates and `run_name` its run's name (status.resultName;
 * NULL: not written); `now` is RFC 3339; `current` is the MustGather's
 * status as read before the write (NULL: none), whose lastTransitionTimes
 * are kept where a condition keeps its status, and whose StorageReady
 * condition every outcome keeps. A CLAIM_STATUS patches the conditions
 * alone: current's, with StorageReady (False, or True for ClaimBound)
 * replaced. New reference, or NULL when out of memory or act->kind writes
 * no status (CLEANUP). */
json_t *mgo_status_patch(const struct mgo_act *act, const char *job_name, const char *run_name,
			 const char *now, const json_t *current);

/* The merge patch that says a LAUNCH is held back (Queued=True,
 * NamespaceLimit, status.reason NamespaceLimit; no status.status: the
 * MustGather is not running yet), conditional on the act's
 * resourceVersion. `limit` goes into its message (not how many run: a
 * count that moves would rewrite the status at each re-check). New
 * reference, or NULL when out of memory or act is not a LAUNCH. */
json_t *mgo_status_queued_patch(const struct mgo_act *act, size_t limit,
				const char *now, const json_t *current);

/* Whether `patch` (from mgo_status_patch) would change anything a user sees
 * in `current`: any field but lastUpdate, compared as JSON. A write that
 * would not is skipped, so it neither moves the MustGather's resourceVersion
 * nor wakes the watcher, whose backoff then holds. */
bool mgo_status_patch_changes(const json_t *patch, const json_t *current);

/* The merge patch for an ALLOWLIST_STATUS act on MustGatherImage/cluster's
 * /status: observedGeneration, invalidCount and invalidImages (each entry
 * with why; an empty list clears the last one), conditional on the
 * resourceVersion the decision saw. New reference, or NULL when out of
 * memory or act is of another kind. */
json_t *mgo_allowlist_status_patch(const struct mgo_act *act);

/* The core/v1 Event for act, or NULL when act->kind records none (CLEANUP).
 * Its name is derived from the MustGather and the reason, so a repeated act
 * makes the same Event (AlreadyExists) rather than a second one. `instance`
 * names this launcher (reportingInstance). */
json_t *mgo_event_render(const struct mgo_act *act, const char *job_name, const char *now,
			 const char *instance);

/* Writes the current time in RFC 3339 (UTC, seconds) into buf (>= 21 bytes). */
void mgo_rfc3339_now(char *buf, size_t len);

#endif

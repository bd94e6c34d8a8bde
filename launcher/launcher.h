/* The launcher's loop work: obey each Act from the validator with
 * idempotent API writes, and nothing else. Every API write the operator
 * makes is in launcher.c (and the Lease's in lease.c). */
#ifndef MGO_LAUNCHER_H
#define MGO_LAUNCHER_H

#include <jansson.h>
#include <stdbool.h>

#include "actqueue.h"
#include "ended.h"
#include "job.h"
#include "lease.h"
#include "mgo/proc.h"
#include "mgo/spec.h"

struct exec;
struct launched;
struct mgo_informer;
struct mgo_timer;

struct mgo_launcher {
	struct mgo_proc *proc;
	struct mgo_kube_client *client;
	struct mgo_lease *lease;
	struct mgo_job_config job_cfg;
	struct mgo_policy policy;       /* what the monitor checks launches against */
	struct mgo_informer *allowlist_inf;
	json_t *allowlist;              /* MustGatherImage/cluster as watched; NULL: none */
	bool allowlist_synced;          /* the watch has listed once */
	char identity[128];
	char cluster_id[MGO_CLUSTER_ID_MAX + 1]; /* "": not read yet (launcher.c) */
	void *pull;                     /* from the validator */
	struct exec *inflight;          /* by MustGather UID: one act at a time,
					 * queued, active or held */
	/* fair service (docs/design.md, "Fair service") */
	struct mgo_actq queue;          /* acts waiting for their turn */
	struct mgo_actq held;           /* launches waiting for their namespace */
	size_t active, max_active;      /* acts carrying out steps now, and the most */
	size_t max_pending;             /* acts held in all (gathers.maxPendingActs) */
	size_t ns_limit;                /* gathers.maxRunningPerNamespace */
	struct mgo_timer *pump;         /* starts queued acts, outside any callback */
	struct mgo_informer *jobs_inf;  /* the Jobs we made, for `running` */
	bool jobs_synced;
	struct mgo_running running;     /* gathers running per namespace */
	struct mgo_ended ended;         /* the ended Jobs the same watch shows */
	struct launched *launched;      /* recent launches, oldest first */
	struct launched *launched_by_uid;
	size_t n_launched;
	struct launched *kept;          /* launches holding their MustGather's copy */
	size_t kept_bytes;              /* of those copies */
	uint64_t refused_full;          /* acts refused: max_pending reached */
	uint64_t full_logged_ms;        /* when launcher.acts_full was last logged */
};

int mgo_launcher_open(struct mgo_launcher *l, struct mgo_proc *proc,
		      struct mgo_kube_creds *creds);
void mgo_launcher_close(struct mgo_launcher *l);

#endif

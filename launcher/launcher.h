/* The launcher's loop work: obey each Act from the validator with
 * idempotent API writes, and nothing else. Every API write the operator
 * makes is in launcher.c (and the Lease's in lease.c). */
#ifndef MGO_LAUNCHER_H
#define MGO_LAUNCHER_H

#include <jansson.h>
#include <stdbool.h>

#include "job.h"
#include "lease.h"
#include "mgo/proc.h"
#include "mgo/spec.h"

struct exec;
struct mgo_informer;

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
	void *pull;                     /* from the validator */
	struct exec *inflight;          /* by MustGather UID: one act at a time */
};

int mgo_launcher_open(struct mgo_launcher *l, struct mgo_proc *proc,
		      struct mgo_kube_creds *creds);
void mgo_launcher_close(struct mgo_launcher *l);

#endif

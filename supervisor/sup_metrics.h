/* The supervisor's metric store: the latest series of each child, what its
 * earlier runs left, and the supervisor's own (restarts, up), merged into
 * one /metrics body. Separate from struct mgo_sup so it is tested alone. */
#ifndef MGO_SUP_METRICS_H
#define MGO_SUP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "mgo/ipc.h"
#include "mgo/metrics.h"

/* by enum mgo_role, with room for roles to come */
#define MGO_SUP_STORE_ROLES 8

struct mgo_sup_store_child {
	/* absolute values of the running child, as its last frames said */
	struct mgo_metrics now;
	/* counters and histograms of its earlier runs. What is lost at a
	 * restart: the increments after the dead child's last frame (at most
	 * one heartbeat interval's worth, or more when its pipe was full). */
	struct mgo_metrics carried;
	unsigned starts;
};

struct mgo_sup_store {
	struct mgo_sup_store_child kid[MGO_SUP_STORE_ROLES];
	uint64_t refused;               /* series that found no room */
};

/* Zeroed storage on the heap (a few MB); 0 or -ENOMEM. */
int mgo_sup_store_new(struct mgo_sup_store **out);
void mgo_sup_store_free(struct mgo_sup_store *st);

/* A series from role's notification channel replaces its previous value.
 * 0, -EPERM (a family role does not send: def.senders), -EINVAL or -ENOSPC,
 * all counted in `refused`; never stops the channel. */
int mgo_sup_store_put(struct mgo_sup_store *st, enum mgo_role role,
		      const struct mgo_metric_series *s);
/* role was spawned: a start after the first one is a restart. */
void mgo_sup_store_started(struct mgo_sup_store *st, enum mgo_role role);
/* role's process is gone: its counters and histograms carry over to the
 * next run, its gauges (the state of a dead process) are forgotten. */
void mgo_sup_store_exited(struct mgo_sup_store *st, enum mgo_role role);
/* The launcher has said leader or standby since its last start. */
bool mgo_sup_store_lease_known(const struct mgo_sup_store *st);

/* The /metrics body: every child's series with role="<child>" on by_role
 * families, mgo_child_restarts_total and mgo_child_up (up[role]) for the
 * `n` roles in `roles`. *text malloc'd, the caller frees it. 0, -ENOMEM or
 * -ENOSPC. */
int mgo_sup_store_render(const struct mgo_sup_store *st, const enum mgo_role *roles,
			 const bool *up, size_t n, char **text, size_t *len);

#endif

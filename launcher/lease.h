/* Leader election on a coordination.k8s.io/v1 Lease, so that of several
 * operator replicas only one launcher writes. Timings as client-go's
 * defaults: a lease lasts 15 s, the leader renews every 2 s and steps down
 * if it could not renew for 10 s; a follower takes over a lease whose record
 * has not changed for 15 s by its own clock (no trust in remote clocks).
 *
 * Why two launchers never write at once (docs/install.md, "One writer at
 * a time"): the leader's 10 s count from the moment it *sent* its last
 * successful write, so they end before the server's copy of that write is
 * 10 s old; a follower's 15 s count from when it *received* a read that
 * showed the record, so they start after that write was made; and it
 * takes over with an update conditional on the resourceVersion it saw, so
 * any renewal in between makes it fail. The 5 s between are for the writes
 * the leader had already sent when its time ran out: a request sent cannot
 * be recalled. The 10 s are enforced by a timer of their own, whatever the
 * renewal in flight does, and renewals take the kube client's priority lane
 * (MGO_KUBE_F_PRIORITY), never waiting behind act writes. */
#ifndef MGO_LAUNCHER_LEASE_H
#define MGO_LAUNCHER_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "mgo/kube.h"
#include "mgo/loop.h"

#define MGO_LEASE_NAME "mgo-launcher"
#define MGO_LEASE_DURATION_S 15
#define MGO_LEASE_RENEW_DEADLINE_MS 10000
#define MGO_LEASE_RETRY_MS 2000
#define MGO_LEASE_RELEASE_MS 2000       /* how long a stopping launcher waits to release */
/* How often a follower reads the Lease: half the retry period, so that it
 * sees the leader's last renewal within 1 s and, taking over at once when
 * 15 s have passed, is the new leader within lease duration plus retry
 * period of it, request latency included. A GET a second per standby
 * replica. */
#define MGO_LEASE_FOLLOW_POLL_MS (MGO_LEASE_RETRY_MS / 2)

/* ---- the pure part: what to do with what we last saw ---- */

struct mgo_lease_view {
	bool exists;
	char holder[256];               /* "" when nobody holds it */
	char rv[64];
	int64_t transitions;
	uint64_t observed_ms;           /* when holder/rv last changed, our clock */
};

enum mgo_lease_step {
	MGO_LEASE_CREATE,               /* nobody has made it: create, holding it */
	MGO_LEASE_RENEW,                /* ours: renew it */
	MGO_LEASE_ACQUIRE,              /* free or expired: take it over */
	MGO_LEASE_FOLLOW,               /* somebody else's, still alive */
};

enum mgo_lease_step mgo_lease_next(const struct mgo_lease_view *v, const char *me,
				   uint64_t now_ms);

/* ---- the elector ---- */

struct mgo_lease;
/* Called at the first answer (leader or not) and at every change after,
 * from the loop (never from inside another mgo_lease_* call). */
typedef void (*mgo_lease_change_fn)(void *ctx, bool leader);

/* Starts electing in `ns` as `identity` (copied). `client` is borrowed. */
int mgo_lease_start(struct mgo_loop *loop, struct mgo_kube_client *client, const char *ns,
		    const char *identity, mgo_lease_change_fn changed, void *ctx,
		    struct mgo_lease **out);
/* Whether this elector leads now: it holds the Lease and its renew
 * deadline has not passed by the clock, even when the loop has not run
 * the deadline's timer yet (the loss is then reported from the loop at
 * once). Ask before every write. */
bool mgo_lease_is_leader(struct mgo_lease *l);
/* Gives the Lease up if this elector holds it, as client-go's
 * ReleaseOnCancel does: the record is written with no holder and a 1 s
 * duration, so a successor (a restarted launcher, the next replica) takes
 * over at once instead of after MGO_LEASE_DURATION_S. Leadership ends before
 * the write, so nothing is obeyed meanwhile. Runs the loop until the write
 * is answered or timeout_ms pass: for a process that is stopping. Returns
 * 0 (also when not the leader), or a negative errno when the write failed
 * or timed out (the Lease then expires on its own). */
int mgo_lease_release(struct mgo_lease *l, int timeout_ms);
void mgo_lease_stop(struct mgo_lease *l);

#endif

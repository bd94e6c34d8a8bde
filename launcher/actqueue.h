/* Fair service for the launcher (docs/design.md, "Fair service"): acts wait
 * in one FIFO per namespace and are served round-robin across namespaces,
 * so a namespace with 2,000 MustGathers queued delays another namespace's
 * one by a single act, not by 2,000. Pure data structures, no I/O; tested in
 * tests/unit/test_actqueue.c.
 *
 * mgo_actq: the queue. Intrusive: the caller embeds a struct mgo_actq_link
 * in what it queues and gets it back from mgo_actq_pop. The queue does not
 * bound itself; the launcher bounds every act it holds (queued, running or
 * waiting for its namespace) and refuses more, visibly.
 *
 * mgo_running: the gathers running per namespace, as the launcher's own
 * watch of the Jobs it made shows them (never a peer's word), plus the
 * Jobs it has just created and the watch has not shown yet. */
#ifndef MGO_LAUNCHER_ACTQUEUE_H
#define MGO_LAUNCHER_ACTQUEUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mgo_actq_ns;

struct mgo_actq_link {
	struct mgo_actq_link *prev, *next;
	struct mgo_actq_ns *ns;         /* NULL: not queued */
	struct mgo_actq *q;             /* the queue it is in */
};

struct mgo_actq {
	struct mgo_actq_ns *by_name;    /* every namespace with something queued */
	struct mgo_actq_ns *ring;       /* the same, in service order */
	size_t len;
};

/* Queues `link` at the tail of namespace `ns` (copied). A namespace that had
 * nothing queued joins the round at its end. 0 or -ENOMEM; -EALREADY when
 * `link` is queued already. */
int mgo_actq_push(struct mgo_actq *q, const char *ns, struct mgo_actq_link *link);

/* Takes the head of the next namespace in the round, which then goes to
 * the round's end; NULL when nothing is queued. */
struct mgo_actq_link *mgo_actq_pop(struct mgo_actq *q);

/* Takes the head of namespace `ns`'s FIFO; NULL when it has none queued. */
struct mgo_actq_link *mgo_actq_pop_ns(struct mgo_actq *q, const char *ns);

/* Takes `link` out of q; harmless when it is not queued there. */
void mgo_actq_remove(struct mgo_actq *q, struct mgo_actq_link *link);

/* Whether `link` is queued in q. */
static inline bool mgo_actq_in(const struct mgo_actq *q, const struct mgo_actq_link *link)
{
	return link->ns != NULL && link->q == q;
}

/* How many are queued, in all and in namespace `ns`. */
size_t mgo_actq_len(const struct mgo_actq *q);
size_t mgo_actq_ns_len(const struct mgo_actq *q, const char *ns);

/* Unlinks everything (the links' owners keep them) and frees the queue's
 * own memory; the queue is empty and usable after. */
void mgo_actq_clear(struct mgo_actq *q);

/* ---- gathers running per namespace ---- */

struct mgo_running_job;
struct mgo_running_ns;

struct mgo_running {
	struct mgo_running_job *jobs;   /* by Job UID, or a reservation's key */
	struct mgo_running_job *by_owner; /* by the controlling MustGather's UID */
	struct mgo_running_ns *by_ns;
	size_t total;
};

/* Records what a Job of ours (core JSON, borrowed) says: running while it
 * has neither a Complete nor a Failed condition true and is not being
 * deleted; `gone` for a Job deleted. A Job without a namespace or UID is
 * ignored. 0 or -ENOMEM. */
int mgo_running_job(struct mgo_running *r, const json_t *job, bool gone);

/* Counts the launch of MustGather `mg_uid`, admitted but whose Job is not
 * recorded yet, in namespace `ns`. The Job, once recorded as running and
 * controlled by that MustGather (mgo_running_job, from whichever comes
 * first: the create's answer or the watch), takes the reservation's place:
 * a gather is counted once. 0, -EEXIST, -EINVAL (a UID over 255 bytes) or
 * -ENOMEM. mgo_running_release forgets it; harmless when it is not there. */
int mgo_running_reserve(struct mgo_running *r, const char *ns, const char *mg_uid);
void mgo_running_release(struct mgo_running *r, const char *mg_uid);

/* Gathers running in namespace `ns`, reservations included. */
size_t mgo_running_in(const struct mgo_running *r, const char *ns);

/* Whether a running Job is controlled by the MustGather with UID `mg_uid`. */
bool mgo_running_owned(const struct mgo_running *r, const char *mg_uid);

/* Forgets everything (before a relist's replay, and at the end). */
void mgo_running_clear(struct mgo_running *r);

#endif

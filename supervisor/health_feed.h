/* The supervisor's side of mgo-health: what healthy and ready mean, and the
 * snapshot pipe to it (mgo/snapshot.h). The supervisor judges because it
 * alone sees every child; mgo-health only serves the verdict, so the
 * process on the network holds no key and no token (docs/health.md). */
#ifndef MGO_SUP_HEALTH_FEED_H
#define MGO_SUP_HEALTH_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mgo_sup;
struct mgo_child;
struct mgo_loop;
struct mgo_timer;
struct mgo_watch;

/* The pipe's write end and what waits to be written. A frame is written
 * whole before the next starts (the reader would be out of step
 * otherwise); while one is under way only the newest snapshot waits, so a
 * slow reader costs two frames of memory and never blocks PID 1. */
struct mgo_health_feed {
	int fd;
	struct mgo_watch *w;            /* on fd, POLLOUT while out is unfinished;
					   NULL: not attached (a zeroed feed) */
	struct mgo_timer *tick;         /* every heartbeat interval */
	uint8_t *out;                   /* the frame being written */
	size_t out_len, out_off;
	uint8_t *next;                  /* the newest snapshot, not yet begun */
	size_t next_len;
	uint64_t seq;
};

/* The verdict on a set of children. healthy: every child running and
 * heartbeating: ready, or starting for the first time (a restarted child
 * is not healthy until it is ready again), and the supervisor not stopping.
 * ready: every child ready and the launcher's Lease known (leader or
 * standby). The whys name what is not ("watcher restarting"), "" if all
 * is well. */
void mgo_health_judge(const struct mgo_child *kids, size_t n, bool stopping, bool lease_known,
		      bool *healthy, char *health_why, size_t hlen, bool *ready,
		      char *ready_why, size_t rlen);

/* The feed's timer on s's loop; started at once. Negative errno. */
int mgo_health_feed_open(struct mgo_sup *s);
/* mgo-health started with the pipe's read end: the feed takes over the
 * write end fd (made non-blocking) and sends a first snapshot. */
void mgo_health_feed_attach(struct mgo_sup *s, int fd);
/* mgo-health is gone: closes the pipe and drops what was unsent. */
void mgo_health_feed_detach(struct mgo_sup *s);
/* A child's state changed: a snapshot now rather than at the next tick. */
void mgo_sup_health_changed(struct mgo_sup *s);
/* Detaches and removes the timer. */
void mgo_health_feed_close(struct mgo_sup *s);

#endif

/* The supervisor's decisions, without I/O: who starts when, who learns whose
 * key, how long to wait before a restart, when to give up. */
#ifndef MGO_SUP_POLICY_H
#define MGO_SUP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/config.h"
#include "mgo/ipc.h"

#define MGO_SUP_CHILDREN 5

/* The order in which children whose needs are met (mgo_sup_needs) are
 * spawned in one turn of the loop: mgo-health first, so the probes answer
 * (not ready) while the others start. */
extern const enum mgo_role mgo_sup_start_order[MGO_SUP_CHILDREN];
/* The roles (bit 1 << role) that must be ready before `role` is started
 * the first time: what it cannot run without. The launcher and the watcher
 * read their tokens as they start, so they wait for mgo-tokens (when the
 * configuration runs it; a role absent needs no waiting). Nothing waits
 * for a peer's socket: ZeroMQ connects asynchronously, retrying a missing
 * ipc:// path every 10 to 200 ms (mgo_ipc_connect_push), a message to a
 * peer not connected yet is refused rather than queued, and every sender
 * sends again when its peer comes: the watcher on its link's handshake
 * with the validator (watcher.c, on_monitor) and on the supervisor's news
 * of a launcher ready or leading (peers.c). */
unsigned mgo_sup_needs(enum mgo_role role);
/* Stop order: the source first, so nothing is sent to a process gone;
 * mgo-tokens after the roles it serves; mgo-health last, so the probes say
 * "stopping" to the end. */
extern const enum mgo_role mgo_sup_stop_order[MGO_SUP_CHILDREN];

/* The roles (bit 1 << role) whose public keys `role` gets: the processes it
 * talks to, and no other. */
unsigned mgo_sup_peers_of(enum mgo_role role);

/* Delay before restarting a child that failed `failures` times in a row
 * (1 for the first failure): restartDelayMs doubled per failure up to
 * restartDelayMaxMs, with equal jitter from rnd (mgo/backoff.h). */
uint64_t mgo_sup_restart_delay(const struct mgo_cfg_supervisor *c, unsigned failures,
			       uint64_t rnd);

/* Whether `failures` in a row are a crash loop: more than crashLoopLimit,
 * i.e. the limit's restarts have all failed too. */
bool mgo_sup_gives_up(const struct mgo_cfg_supervisor *c, unsigned failures);

/* A wait status for logs: "exit status 1", "killed by SIGKILL". */
const char *mgo_sup_describe_exit(int wstatus, char *buf, size_t len);

#endif

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

/* Start order: mgo-health first, so the probes answer (not ready) while the
 * others start; mgo-tokens next (when the configuration has `tokens`), so
 * the roles find their tokens written; the validator and the launcher bind,
 * the watcher connects and sends, so it comes last; each starts once the
 * one before is ready. */
extern const enum mgo_role mgo_sup_start_order[MGO_SUP_CHILDREN];
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

/* mgo-supervisor: one state machine per child, in the manner of s6 (down,
 * starting, ready, stopping, backoff), all driven by the one event loop:
 * signals through a signalfd (SIGCHLD reaps, SIGTERM/SIGINT stop), each
 * child's notification pipe (heartbeats, readiness) and output pipe (its log
 * lines), and a deadline timer per child.
 *
 *   down ----start----> starting --ready beat--> ready
 *                          |  no beat / not ready  |  no beat, bad frame
 *                          +-------> stopping <----+  (SIGKILL)
 *   backoff <--exit, not the crash-loop limit yet--+--- any exit
 *      \--delay--> starting         exit past the limit: stop all, exit 1
 *
 * Shutdown (SIGTERM, SIGINT, crash loop): backoffs are cancelled, running
 * children get SIGTERM one at a time in stop order, and whatever still runs
 * when the grace period ends gets SIGKILL. */
#ifndef MGO_SUP_H
#define MGO_SUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "health_feed.h"
#include "logmux.h"
#include "sup_metrics.h"
#include "mgo/backoff.h"
#include "mgo/config.h"
#include "mgo/ipc_keys.h"
#include "mgo/loop.h"
#include "mgo/notify.h"
#include "policy.h"
#include "sup_spawn.h"

enum mgo_child_state {
	MGO_CHILD_DOWN = 0,     /* not running, nothing scheduled */
	MGO_CHILD_STARTING,     /* spawned, not ready yet */
	MGO_CHILD_READY,
	MGO_CHILD_STOPPING,     /* signalled, not reaped yet */
	MGO_CHILD_BACKOFF,      /* failed; restarts when `deadline` fires */
};

struct mgo_sup;

struct mgo_child {
	struct mgo_sup *sup;
	enum mgo_role role;
	const char *name;               /* mgo_role_name(role) */
	char path[PATH_MAX];            /* its program */
	enum mgo_child_state state;
	pid_t pid;                      /* 0 when not running */
	unsigned failures;              /* in a row, since the last healthy period */
	unsigned starts;                /* spawns since the supervisor started */
	uint64_t started_ms, beat_ms;   /* spawn, last heartbeat (mgo_now_ms) */
	bool leading;                   /* its last heartbeat said it leads */
	char why[256];                  /* why it was killed, for its exit line */
	struct mgo_timer *deadline;     /* starting/ready: silence; backoff: restart */
	struct mgo_timer *healthy;      /* ready long enough: failures forgiven */
	int notify_fd;
	struct mgo_watch *notify_w;
	struct mgo_notify_reader notify;
	int out_fd;
	struct mgo_watch *out_w;
	struct mgo_logmux mux;
};

struct mgo_sup_pair {
	uint8_t pub[MGO_IPC_KEY_LEN];
	uint8_t sec[MGO_IPC_KEY_LEN];
};

struct mgo_sup {
	const char *config_path;
	const char *log_level;          /* passed on to the children; NULL: theirs */
	struct mgo_config cfg;
	struct mgo_loop *loop;
	struct mgo_rng rng;
	/* in mgo_sup_start_order; mgo-tokens only with the `tokens` key */
	struct mgo_child kids[MGO_SUP_CHILDREN];
	size_t n_kids;
	/* Minted once per supervisor start, handed to a child at each of its
	 * starts: see mgo_sup_open for why not per child start. */
	struct mgo_sup_pair keys[MGO_IPC_ROLE_MAX + 1];
	bool sockdir_made, sockdir_created;
	bool stopping, ready_logged;
	int status;                     /* the exit status once stopped */
	struct mgo_timer *grace;
	struct mgo_health_feed feed;    /* to mgo-health (health_feed.h) */
	struct mgo_spawner spawner;     /* forks and executes the children (sup_spawn.h) */
	struct mgo_sup_store *metrics;  /* sup_metrics.c */
};

/* ---- sup.c: the supervisor's life, in main's order ---- */

/* `--config FILE [--log-level L] [--watcher P] [--validator P] [--launcher P]
 * [--health P] [--tokens P]`:
 * a child's program defaults to mgo-<role> beside the supervisor's own. Loads
 * the configuration. Returns 0 or 2 (usage or configuration error, printed). */
int mgo_sup_args(struct mgo_sup *s, int argc, char **argv);
/* PID 1, or the subreaper of everything below us when not; not dumpable,
 * since it holds every child's secret key. Returns 0 or 1. */
int mgo_sup_become_init(struct mgo_sup *s);
/* The private socket directory (0700, checked): 0 or 2 (refused). */
int mgo_sup_make_sockdir(struct mgo_sup *s);
/* Forks the spawner (sup_spawn.h), before the sandbox, which the children
 * must not inherit, and before the keys, which it must not hold. 0 or 1. */
int mgo_sup_start_spawner(struct mgo_sup *s);
/* Its own sandbox (mgo/sandbox.h, the supervisor's row). 0 or 1. */
int mgo_sup_sandbox(struct mgo_sup *s);
/* The loop and its signals, the children's timers, the health feed, the
 * children's CURVE keys and the metric store. 0 or 1. */
int mgo_sup_open(struct mgo_sup *s);
/* Starts the children and supervises them until shut down; the exit status. */
int mgo_sup_run(struct mgo_sup *s);
/* Kills and reaps what still runs, removes the sockets, wipes the keys. */
void mgo_sup_close(struct mgo_sup *s);

/* ---- sup.c: what children report up ---- */

/* At the start and whenever a child became ready: starts every child not
 * started yet whose needs (policy.h, mgo_sup_needs) are ready, and says
 * supervisor.ready once all are. */
void mgo_sup_child_ready(struct mgo_sup *s);
/* A child failed past the crash-loop limit: log it and stop everything. */
void mgo_sup_crash_loop(struct mgo_sup *s, struct mgo_child *c, const char *last);
/* The key bundle of role (mgo/ipc_keys.h) into buf. */
int mgo_sup_bundle(const struct mgo_sup *s, enum mgo_role role, uint8_t *buf, size_t cap,
		   size_t *len);

/* ---- sup_metrics.c: for the health process ---- */

/* The whole /metrics body (Prometheus text 0.0.4), malloc'd, the caller
 * frees it. 0 or a negative errno. */
int mgo_sup_metrics_render(const struct mgo_sup *s, char **text, size_t *len);
/* The launcher has said leader or standby since its last start. */
bool mgo_sup_lease_known(const struct mgo_sup *s);

/* ---- peers.c: news for the children ---- */

/* Child `ready` became ready: every other running child is told which
 * peer it was, so the watcher can re-send what a restarted launcher lost.
 * Best effort: a child that cannot take the news now loses nothing its
 * own timers would not recover. */
void mgo_sup_peer_ready(struct mgo_sup *s, const struct mgo_child *ready);
/* The launcher `c` has just become the leader: the watcher is told, so it
 * observes everything unfinished again at once (a standby ignored the acts
 * for them). Best effort as above. */
void mgo_sup_launcher_leads(struct mgo_sup *s, const struct mgo_child *c);

/* ---- child.c: one child's state machine ---- */

/* Gives a child (role, name, path and fds -1 set by mgo_sup_args) its
 * timers on s's loop. Negative errno. */
int mgo_child_attach(struct mgo_child *c, struct mgo_sup *s);
/* Spawns it (starting), or on failure counts a failure like an exit would. */
void mgo_child_launch(struct mgo_child *c);
/* It was reaped with wait status `wstatus`. */
void mgo_child_exited(struct mgo_child *c, int wstatus);
/* Shutdown: SIGTERM if running (stopping), cancel a pending restart (down). */
void mgo_child_stop(struct mgo_child *c);
/* The grace period is over: SIGKILL if still running. */
void mgo_child_kill_now(struct mgo_child *c);
/* Releases descriptors, buffers and timers; the process must be gone. */
void mgo_child_free(struct mgo_child *c);

#endif

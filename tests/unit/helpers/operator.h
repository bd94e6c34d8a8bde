/* The whole operator, as it runs in its container: mgo-supervisor starting
 * the real watcher, validator and launcher with their keys, against a test
 * API server. Tests that need the operator start it here, never the three
 * processes by hand (they refuse to run without the supervisor's keys).
 *
 *   struct testenv env;
 *   struct mgo_test_operator op;
 *   mgo_test_operator_env(&env);                       // API server + CRDs + RBAC
 *   mgo_test_operator_start(&op, &(struct mgo_test_operator_opts){
 *           .env = &env, .supervisor_yaml = "{heartbeatIntervalMs: 100}"});
 *   ... create MustGathers with testenv_request, wait on their status ...
 *   cr_assert_eq(mgo_test_operator_stop(&op, 10000), 0);
 *   mgo_test_operator_free(&op);
 *   testenv_stop(&env);
 *
 * Every helper fails the running test on setup errors and every wait has a
 * deadline. */
#ifndef MGO_TEST_OPERATOR_H
#define MGO_TEST_OPERATOR_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "mgo/ipc_keys.h"
#include "testenv.h"

/* The operator's namespace in deploy/, and the bearer tokens of its two
 * service accounts there (system:serviceaccount:<ns>:mgo-watcher and
 * mgo-launcher), which deploy/rbac binds to exactly what each may do. */
#define MGO_TEST_OPERATOR_NS "must-gather-operator"
#define MGO_TEST_WATCHER_TOKEN "mgo-watcher-token-0123456789"
#define MGO_TEST_LAUNCHER_TOKEN "mgo-launcher-token-0123456789"

/* Starts the test API server with deploy/crds and deploy/rbac loaded and
 * the two tokens above. Stop it with testenv_stop. */
void mgo_test_operator_env(struct testenv *env);

struct mgo_test_operator_opts {
	const struct testenv *env;      /* the API server; NULL: none (the
					   children never get that far) */
	const char *watcher_token;      /* NULL: MGO_TEST_WATCHER_TOKEN */
	const char *launcher_token;     /* NULL: MGO_TEST_LAUNCHER_TOKEN */
	const char *launcher_token_file;/* a path used as is instead (say, one
					   that does not exist), or NULL */
	const char *supervisor_yaml;    /* flow mapping for the config's
					   `supervisor` key, or NULL */
	const char *validator_bin;      /* programs instead of the built ones */
	const char *launcher_bin;       /* (a wrapper that misbehaves first), */
	const char *watcher_bin;        /* or NULL */
	const char *installed_bin;      /* a mgo-supervisor started as installed:
					   without program arguments, so it runs
					   the programs beside it; NULL: the built
					   one, told where each program is */
};

struct mgo_test_operator {
	pid_t pid;              /* mgo-supervisor; 0 once reaped */
	char *dir;              /* private: config, tokens, log */
	char *config;           /* dir/config.yaml */
	char *log;              /* dir/operator.log: supervisor's stdout+stderr */
	char *socket_dir;       /* dir/run, made (and removed) by the supervisor */
};

/* Writes dir/config.yaml (dir exists) for o, with socketDir dir/run and the
 * roles' tokens each in its own directory (mgo_test_write_role_token);
 * returns its path (caller frees). */
char *mgo_test_operator_config(const char *dir, const struct mgo_test_operator_opts *o);

/* Writes the configuration and starts mgo-supervisor on the built programs,
 * with stdout and stderr appended to op->log. Does not wait. */
void mgo_test_operator_spawn(struct mgo_test_operator *op, const struct mgo_test_operator_opts *o);

/* spawn, then waits (deadline 30 s) for supervisor.ready and, with an API
 * server, for the launcher to lead. */
void mgo_test_operator_start(struct mgo_test_operator *op, const struct mgo_test_operator_opts *o);

/* SIGTERM to the supervisor; waits up to timeout_ms for its exit and
 * returns the wait status (-1: it had to be killed). */
int mgo_test_operator_stop(struct mgo_test_operator *op, int timeout_ms);

/* Waits up to timeout_ms for the supervisor to exit on its own; the wait
 * status, or -1 (then it is still running). */
int mgo_test_operator_wait_exit(struct mgo_test_operator *op, int timeout_ms);

/* Kills a supervisor still running, and removes the directory. */
void mgo_test_operator_free(struct mgo_test_operator *op);

/* State letter, parent and start time (clock ticks since boot) of pid, from
 * /proc/PID/stat; any may be NULL. False when there is no such process. */
bool mgo_test_proc_stat(pid_t pid, char *state, pid_t *ppid, unsigned long long *start);
/* No such process, or a zombie waiting for its parent (or init) to reap it. */
bool mgo_test_proc_gone(pid_t pid);

/* The log's JSON lines whose "event" is `event` and, if child is not NULL,
 * whose "child" is `child`, in order: a new array. */
json_t *mgo_test_operator_events(const struct mgo_test_operator *op, const char *event,
				 const char *child);

/* The same for any log of JSON lines (a process's, or several's). */
json_t *mgo_test_log_events(const char *logpath, const char *event, const char *child);

/* The pid of role's child at its latest readiness, or 0. */
pid_t mgo_test_operator_child(const struct mgo_test_operator *op, const char *role);

/* Waits until role is ready as a process other than `old`; the new pid, or 0
 * after timeout_ms. */
pid_t mgo_test_operator_wait_ready(const struct mgo_test_operator *op, const char *role,
				   pid_t old, int timeout_ms);

/* Sends sig to role's current child and waits up to timeout_ms for its
 * successor to be ready; fails the test if none comes. The new pid. */
pid_t mgo_test_operator_replace_child(const struct mgo_test_operator *op, const char *role,
				      int sig, int timeout_ms);

/* Keys as the supervisor mints them, for tests that play a peer: the
 * launcher's own (its pair and the validator's public key), and the
 * validator's and the watcher's pairs. */
struct mgo_test_keys {
	struct mgo_ipc_keys launcher;
	uint8_t validator_pub[MGO_IPC_KEY_LEN], validator_sec[MGO_IPC_KEY_LEN];
	uint8_t watcher_pub[MGO_IPC_KEY_LEN], watcher_sec[MGO_IPC_KEY_LEN];
};
void mgo_test_keys_mint(struct mgo_test_keys *k);

/* A peer's PUSH socket on zctx to `endpoint`, authenticating as `self` with
 * (pub, sec) and trusting `server_pub` as the key of `peer`, the process
 * bound there: how a test plays a validator or a watcher whose keys it
 * holds. Fails the test if the socket cannot be made; the caller closes it. */
void *mgo_test_push_as(void *zctx, const char *endpoint, enum mgo_role self,
		       const uint8_t *pub, const uint8_t *sec, enum mgo_role peer,
		       const uint8_t *server_pub);

/* Starts argv with `keys` on fd 3 the way the supervisor hands them over
 * (argv should say --keys-fd 3), stdout and stderr appended to logpath:
 * for tests that play the supervisor or a peer themselves. The pid. */
pid_t mgo_test_spawn_with_keys(const char *const argv[], const struct mgo_ipc_keys *keys,
			       const char *logpath);

#endif

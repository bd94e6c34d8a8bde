/* What every process the supervisor runs over IPC (watcher, validator,
 * launcher) does the same way, as steps its main() calls in order, so that
 * main() reads as the table of contents of its privileges: read the
 * arguments, the keys, the configuration; load credentials (only the roles
 * that have them, mgo/kube_access.h); enter the sandbox; open the loop and
 * the ZeroMQ context; bind and connect; say ready; run the loop.
 * Every function returns 0 or a negative errno; only main() turns that
 * into an exit status (MGO_EXIT_*). */
#ifndef MGO_PROC_H
#define MGO_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "mgo/config.h"
#include "mgo/ipc_keys.h"
#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "mgo/role.h"
#include "mgo/supervised.h"

#define MGO_ENDPOINT_MAX 128

/* Exit statuses: what it was told was wrong (usage, keys, configuration),
 * or what it met (credentials, sandbox, the loop). */
#define MGO_EXIT_OK 0
#define MGO_EXIT_FAILURE 1
#define MGO_EXIT_USAGE 2

struct mgo_proc {
	enum mgo_role role;
	const char *config_path;        /* argv's */
	int keys_fd;                    /* --keys-fd, -1: none; closed once read */
	int notify_fd;                  /* --notify-fd, -1: unsupervised */
	struct mgo_config cfg;
	struct mgo_loop *loop;
	void *zctx;
	/* ipc://<socketDir>/<role>/socket: each bound socket in its own
	 * directory, the only one its role may write (mgo/sandbox.h) */
	char validator_endpoint[MGO_ENDPOINT_MAX];
	char launcher_endpoint[MGO_ENDPOINT_MAX];
	bool stopping;                  /* SIGTERM or SIGINT arrived */
	bool insecure_ipc;              /* --insecure-ipc: no CURVE, development only */
	struct mgo_ipc_keys keys;       /* from --keys-fd; wiped by mgo_proc_finish */
	struct mgo_ipc_zap *zap;        /* opened by the first mgo_proc_bind */
	struct mgo_supervised sup;      /* --notify-fd; sup.fd -1 when unsupervised */
};

/* Parses `--config FILE [--log-level LEVEL] (--keys-fd N | --insecure-ipc)
 * [--notify-fd N]` and starts logging as `role`. -EINVAL after printing
 * usage. Call mgo_proc_finish afterwards whatever it returned. */
int mgo_proc_args(struct mgo_proc *p, enum mgo_role role, int argc, char **argv);

/* Reads the keys from the supervisor's pipe, first of all, so nothing can
 * fail before and leave them unread in it. Without --keys-fd it refuses to
 * run (-EPERM) unless --insecure-ipc says so, which it logs as a warning. */
int mgo_proc_read_keys(struct mgo_proc *p);

/* Loads the configuration and derives the socket endpoints. */
int mgo_proc_read_config(struct mgo_proc *p);

/* Applies the role's sandbox (mgo/sandbox.h), keeping only the notification
 * fd of the inherited ones. read_paths (NULL-ended) and connect_ports
 * (0-ended) come from mgo_kube_access for the roles that reach the API
 * server; both NULL for the validator. */
int mgo_proc_enter_sandbox(struct mgo_proc *p, const char *const *read_paths,
			   const uint16_t *connect_ports);

/* Opens the loop (SIGTERM and SIGINT stop it), starts the heartbeats, and
 * then creates the ZeroMQ context, in that order so libzmq's threads
 * inherit the blocked signals. */
int mgo_proc_open_loop(struct mgo_proc *p);

/* Binds the PULL socket at endpoint, accepting only `peer` (no one checked
 * with --insecure-ipc). Close it with mgo_ipc_close_bound. Negative errno. */
int mgo_proc_bind(struct mgo_proc *p, const char *endpoint, enum mgo_role peer, void **out);

/* Connects a PUSH socket to `peer`'s endpoint, which must hold peer's key. */
int mgo_proc_connect(struct mgo_proc *p, const char *endpoint, enum mgo_role peer, void **out);

/* Tells the supervisor the process is ready (once; later calls do nothing). */
void mgo_proc_ready(struct mgo_proc *p);

/* Whether a supervisor runs this process (it passed --notify-fd). */
bool mgo_proc_supervised(const struct mgo_proc *p);

/* Releases what the steps opened; sockets must be closed before. */
void mgo_proc_finish(struct mgo_proc *p);

#endif

/* What every operator process does the same way before its own work starts:
 * read its arguments, its keys, the configuration and its API credentials,
 * enter its sandbox (mgo/sandbox.h), set up logging, the event loop, the
 * signals that stop it, its supervisor's heartbeats, and the ZeroMQ context. */
#ifndef MGO_PROC_H
#define MGO_PROC_H

#include <stdbool.h>

#include "mgo/config.h"
#include "mgo/ipc_keys.h"
#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "mgo/supervised.h"

#define MGO_ENDPOINT_MAX 128

struct mgo_proc {
	const char *role;               /* "watcher", "validator", "launcher" */
	enum mgo_role role_id;
	struct mgo_config cfg;
	struct mgo_kube_creds creds;    /* watcher, launcher: read before the sandbox */
	bool curl_ready;                /* curl_global_init() done, before the sandbox */
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
 * [--notify-fd N]`, reads the keys from the supervisor's pipe before anything
 * else, loads the configuration and, for the watcher and launcher, their API
 * credentials (p->creds, which the API client borrows), applies the role's
 * sandbox (keeping only the notification fd of the inherited ones), opens
 * the loop (SIGTERM and SIGINT stop it), starts the heartbeats, and then
 * creates the ZeroMQ context, in that order so libzmq's threads inherit the
 * blocked signals. Without --keys-fd a process refuses to run unless
 * --insecure-ipc says so, which it logs as a warning. Returns 0, or 2 after
 * printing usage or the keys' or configuration's error, or 1 when the
 * credentials cannot be read or the sandbox cannot be applied: the exit
 * status. Call mgo_proc_finish afterwards whatever it returned. */
int mgo_proc_start(struct mgo_proc *p, const char *role, int argc, char **argv);

/* Binds the PULL socket at endpoint, accepting only `peer` (no one checked
 * with --insecure-ipc). Close it with mgo_ipc_close_bound. Negative errno. */
int mgo_proc_bind(struct mgo_proc *p, const char *endpoint, enum mgo_role peer, void **out);

/* Connects a PUSH socket to `peer`'s endpoint, which must hold peer's key. */
int mgo_proc_connect(struct mgo_proc *p, const char *endpoint, enum mgo_role peer, void **out);

/* Tells the supervisor the process is ready (once; later calls do nothing). */
void mgo_proc_ready(struct mgo_proc *p);

/* Whether a supervisor runs this process (it passed --notify-fd). */
bool mgo_proc_supervised(const struct mgo_proc *p);

/* An inherited descriptor's number from an argument: 3 and up (stdio is
 * not one), or -1. */
int mgo_proc_parse_fd(const char *s);

/* Releases what mgo_proc_start opened; sockets must be closed before. */
void mgo_proc_finish(struct mgo_proc *p);

#endif

/* What every operator process does the same way before its own work starts:
 * read its arguments, the configuration and its API credentials, enter its
 * sandbox (mgo/sandbox.h), set up logging, the event loop, the signals that
 * stop it, and the ZeroMQ context. */
#ifndef MGO_PROC_H
#define MGO_PROC_H

#include <stdbool.h>

#include "mgo/config.h"
#include "mgo/loop.h"

#define MGO_ENDPOINT_MAX 128

struct mgo_proc {
	const char *role;               /* "watcher", "validator", "launcher" */
	struct mgo_config cfg;
	struct mgo_kube_creds creds;    /* watcher, launcher: read before the sandbox */
	bool curl_ready;                /* curl_global_init() done, before the sandbox */
	struct mgo_loop *loop;
	void *zctx;
	char validator_endpoint[MGO_ENDPOINT_MAX];  /* ipc://<socketDir>/validator */
	char launcher_endpoint[MGO_ENDPOINT_MAX];   /* ipc://<socketDir>/launcher */
	bool stopping;                  /* SIGTERM or SIGINT arrived */
};

/* Parses `--config FILE [--log-level LEVEL]`, loads the configuration and,
 * for the watcher and launcher, their API credentials (p->creds, which the
 * API client borrows), applies the role's sandbox, and opens the loop
 * (SIGTERM and SIGINT stop it) and then the ZeroMQ context, in that order so
 * libzmq's threads inherit the blocked signals. Returns 0, or 2 after
 * printing usage or the configuration error, or 1 when the credentials
 * cannot be read or the sandbox cannot be applied: the exit status.
 * Call mgo_proc_finish afterwards whatever it returned. */
int mgo_proc_start(struct mgo_proc *p, const char *role, int argc, char **argv);

/* Releases what mgo_proc_start opened; sockets must be closed before. */
void mgo_proc_finish(struct mgo_proc *p);

#endif

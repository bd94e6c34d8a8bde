/* What every operator process does the same way before its own work starts:
 * read its arguments and the configuration, set up logging, the event loop,
 * the signals that stop it, and the ZeroMQ context. */
#ifndef MGO_PROC_H
#define MGO_PROC_H

#include <stdbool.h>

#include "mgo/config.h"
#include "mgo/loop.h"

#define MGO_ENDPOINT_MAX 128

struct mgo_proc {
	const char *role;               /* "watcher", "validator", "launcher" */
	struct mgo_config cfg;
	struct mgo_loop *loop;
	void *zctx;
	char validator_endpoint[MGO_ENDPOINT_MAX];  /* ipc://<socketDir>/validator */
	char launcher_endpoint[MGO_ENDPOINT_MAX];   /* ipc://<socketDir>/launcher */
	bool stopping;                  /* SIGTERM or SIGINT arrived */
};

/* Parses `--config FILE [--log-level LEVEL]`, loads the configuration, and
 * opens the loop (SIGTERM and SIGINT stop it) and then the ZeroMQ context, in
 * that order so libzmq's threads inherit the blocked signals. Returns 0, or
 * 2 after printing usage or the configuration error: the exit status.
 * Call mgo_proc_finish afterwards whatever it returned. */
int mgo_proc_start(struct mgo_proc *p, const char *role, int argc, char **argv);

/* Releases what mgo_proc_start opened; sockets must be closed before. */
void mgo_proc_finish(struct mgo_proc *p);

#endif

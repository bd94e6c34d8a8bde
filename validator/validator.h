/* The validator's loop work: receive each Observe, decide, send the Act. */
#ifndef MGO_VALIDATOR_H
#define MGO_VALIDATOR_H

#include "decide.h"
#include "mgo/proc.h"

struct mgo_validator {
	struct mgo_proc *proc;
	struct mgo_policy policy;
	void *pull;             /* from the watcher */
	void *push;             /* to the launcher */
	uint64_t seq;
};

/* Opens the sockets and registers them with the loop. Negative errno. */
int mgo_validator_open(struct mgo_validator *v, struct mgo_proc *proc);
void mgo_validator_close(struct mgo_validator *v);

#endif

/* mgo-supervisor: PID 1 of the operator's container. It creates the private
 * socket directory, forks the spawner and sandboxes itself (mgo_sup_open, in
 * that order: sup_spawn.h says why), mints the children's CURVE keys, starts
 * the validator,
 * the launcher and the watcher in turn once each is ready, restarts the one
 * that dies or hangs, gives up loudly on a crash loop, stops them in order
 * on SIGTERM, reaps every zombie and puts their log lines on its stdout. */
#include "sup.h"

int main(int argc, char **argv)
{
	struct mgo_sup s;
	int status = mgo_sup_args(&s, argc, argv);

	if (status == 0)
		status = mgo_sup_become_init(&s);
	if (status == 0)
		status = mgo_sup_open(&s);
	if (status == 0)
		status = mgo_sup_run(&s);
	mgo_sup_close(&s);
	return status;
}

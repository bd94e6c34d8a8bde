/* mgo-supervisor: PID 1 of the operator's container. It starts each child as
 * soon as what that child needs is ready (the watcher and the launcher wait
 * for mgo-tokens when tokens are minted), restarts the one that dies or
 * hangs, gives up loudly on a crash loop, stops them in order on SIGTERM,
 * reaps every zombie and relays their log lines to its stdout. Its
 * privileges, in the order it takes and drops them: */
#include "sup.h"

int main(int argc, char **argv)
{
	struct mgo_sup s;
	/* what it is told: arguments and the configuration */
	int status = mgo_sup_args(&s, argc, argv);

	/* PID 1 or the subreaper, not dumpable */
	if (status == 0)
		status = mgo_sup_become_init(&s);
	/* the private socket directory, each bound role's own below it */
	if (status == 0)
		status = mgo_sup_make_sockdir(&s);
	/* the spawner: unsandboxed, holding no key, it alone forks and runs
	 * the children */
	if (status == 0)
		status = mgo_sup_start_spawner(&s);
	/* its sandbox: no exec, no fork, no socket(), no file but the socket
	 * directory's removal */
	if (status == 0)
		status = mgo_sup_sandbox(&s);
	/* the loop, the children's keys (minted only now, inside the sandbox) */
	if (status == 0)
		status = mgo_sup_open(&s);
	/* start the children, relay, restart, stop */
	if (status == 0)
		status = mgo_sup_run(&s);
	mgo_sup_close(&s);
	return status;
}

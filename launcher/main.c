/* mgo-launcher: the only process that writes to the API. It holds the token
 * that can create Jobs and obeys only the validator's acts, one table of
 * them (launcher.c), while it holds the leader Lease. */
#include "launcher.h"
#include "mgo/proc.h"

int main(int argc, char **argv)
{
	struct mgo_proc proc;
	struct mgo_launcher l = {0};
	int status = mgo_proc_start(&proc, "launcher", argc, argv);

	if (status == 0 && mgo_launcher_open(&l, &proc) != 0)
		status = 1;
	if (status == 0)
		mgo_proc_ready(&proc); /* bound; leadership is not readiness */
	if (status == 0 && mgo_loop_run(proc.loop) != 0)
		status = 1;
	mgo_launcher_close(&l);
	mgo_proc_finish(&proc);
	return status;
}

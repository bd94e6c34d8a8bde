/* mgo-watcher: reads the cluster, decides nothing, writes nothing. It holds
 * a read-only token and tells the validator what each unfinished MustGather
 * looks like. */
#include "mgo/log.h"
#include "mgo/proc.h"
#include "watcher.h"

int main(int argc, char **argv)
{
	struct mgo_proc proc;
	struct mgo_watcher w = {0};
	int status = mgo_proc_start(&proc, "watcher", argc, argv);

	if (status == 0 && mgo_watcher_open(&w, &proc) != 0)
		status = 1;
	if (status == 0 && mgo_loop_run(proc.loop) != 0)
		status = 1;
	mgo_watcher_close(&w);
	mgo_proc_finish(&proc);
	return status;
}

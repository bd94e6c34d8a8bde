/* mgo-watcher: reads the cluster, decides nothing, writes nothing. It holds
 * a read-only token and tells the validator what each unfinished MustGather
 * looks like. Its privileges, in the order it takes and drops them: */
#include "mgo/kube_access.h"
#include "mgo/proc.h"
#include "watcher.h"

int main(int argc, char **argv)
{
	struct mgo_proc proc;
	struct mgo_kube_access api = {0};
	struct mgo_watcher w = {0};
	int status = MGO_EXIT_USAGE;

	/* what it is told: arguments, its IPC keys (a pipe), the configuration */
	if (mgo_proc_args(&proc, MGO_ROLE_WATCHER, argc, argv) || mgo_proc_read_keys(&proc) ||
	    mgo_proc_read_config(&proc))
		goto out;
	status = MGO_EXIT_FAILURE;
	/* what it holds: the read-only token, the CA; then the sandbox (reads
	 * its token directory, connects to the API server's port) */
	if (mgo_kube_access_load(&api, &proc.cfg, MGO_ROLE_WATCHER) ||
	    mgo_proc_enter_sandbox(&proc, mgo_kube_access_paths(&api), api.ports))
		goto out;
	/* what it does: lists and watches, connects to the validator, and says
	 * it is ready once its caches are synced (watcher.c) */
	if (mgo_proc_open_loop(&proc) || mgo_watcher_open(&w, &proc, &api.creds))
		goto out;
	status = mgo_loop_run(proc.loop) ? MGO_EXIT_FAILURE : MGO_EXIT_OK;
out:
	mgo_watcher_close(&w);
	mgo_kube_access_free(&api);
	mgo_proc_finish(&proc);
	return status;
}

/* mgo-launcher: the only process that writes to the API. It holds the token
 * that can create Jobs and obeys only the validator's acts, one table of
 * them (launcher.c), while it holds the leader Lease. Its privileges, in
 * the order it takes and drops them: */
#include "launcher.h"
#include "mgo/kube_access.h"
#include "mgo/proc.h"

int main(int argc, char **argv)
{
	struct mgo_proc proc;
	struct mgo_kube_access api = {0};
	struct mgo_launcher l = {0};
	int status = MGO_EXIT_USAGE;

	/* what it is told: arguments, its IPC keys (a pipe), the configuration */
	if (mgo_proc_args(&proc, MGO_ROLE_LAUNCHER, argc, argv) || mgo_proc_read_keys(&proc) ||
	    mgo_proc_read_config(&proc))
		goto out;
	status = MGO_EXIT_FAILURE;
	/* what it holds: the writer's token, the CA; then the sandbox (reads its
	 * token directory, binds its socket, connects to the API server's port) */
	if (mgo_kube_access_load(&api, &proc.cfg, MGO_ROLE_LAUNCHER) ||
	    mgo_proc_enter_sandbox(&proc, mgo_kube_access_paths(&api), api.ports))
		goto out;
	/* what it does: binds the validator's link, contends for the Lease */
	if (mgo_proc_open_loop(&proc) || mgo_launcher_open(&l, &proc, &api.creds))
		goto out;
	mgo_proc_ready(&proc); /* bound; leadership is not readiness */
	status = mgo_loop_run(proc.loop) ? MGO_EXIT_FAILURE : MGO_EXIT_OK;
out:
	mgo_launcher_close(&l);
	mgo_kube_access_free(&api);
	mgo_proc_finish(&proc);
	return status;
}

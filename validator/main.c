/* mgo-validator: decides, reaches nothing. It holds no API token and links
 * no HTTP client; it turns each observation from the watcher into at most
 * one act for the launcher. Its privileges, in the order it takes and drops
 * them: */
#include "mgo/log.h"
#include "mgo/proc.h"
#include "validator.h"

int main(int argc, char **argv)
{
	struct mgo_proc proc;
	struct mgo_validator v = {0};
	int status = MGO_EXIT_USAGE;

	/* what it is told: arguments, its IPC keys (a pipe), the configuration */
	if (mgo_proc_args(&proc, MGO_ROLE_VALIDATOR, argc, argv) || mgo_proc_read_keys(&proc) ||
	    mgo_proc_read_config(&proc))
		goto out;
	status = MGO_EXIT_FAILURE;
	/* no credentials: straight into the sandbox (AF_UNIX only, no files
	 * but its socket) */
	if (mgo_proc_enter_sandbox(&proc, NULL, NULL))
		goto out;
	/* what it does: binds the watcher's link, connects to the launcher */
	if (mgo_proc_open_loop(&proc) || mgo_validator_open(&v, &proc))
		goto out;
	mgo_info("validator.ready", "validating observations from the watcher");
	mgo_proc_ready(&proc);
	status = mgo_loop_run(proc.loop) ? MGO_EXIT_FAILURE : MGO_EXIT_OK;
out:
	mgo_validator_close(&v);
	mgo_proc_finish(&proc);
	return status;
}

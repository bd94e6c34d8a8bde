/* mgo-validator: decides, reaches nothing. It holds no API token; it turns
 * each observation from the watcher into at most one act for the launcher. */
#include <stdlib.h>

#include "mgo/log.h"
#include "mgo/proc.h"
#include "validator.h"

int main(int argc, char **argv)
{
	struct mgo_proc proc;
	struct mgo_validator v = {0};
	int status = mgo_proc_start(&proc, "validator", argc, argv);

	if (status == 0 && mgo_validator_open(&v, &proc) != 0)
		status = 1;
	if (status == 0) {
		mgo_info("validator.ready", "validating observations from the watcher");
		if (mgo_loop_run(proc.loop) != 0)
			status = 1;
	}
	mgo_validator_close(&v);
	mgo_proc_finish(&proc);
	return status;
}

/* mgo-clean's sandbox (clean.h): the clean role of common/sandbox, given
 * the two trees. */
#include "clean.h"
#include "mgo/sandbox.h"

int mgo_clean_sandbox(const char *in_dir, const char *out_dir, const int *keep)
{
	const char *reads[] = {in_dir, NULL}, *writes[] = {out_dir, NULL};
	struct mgo_sandbox_policy p = {.role = MGO_ROLE_CLEAN, .read_paths = reads,
				       .write_dirs = writes, .keep_fds = keep};
	struct mgo_sandbox_report r;
	int rc = mgo_sandbox_apply(&p, &r);

	if (!rc)
		mgo_sandbox_log_report(&r);
	return rc;
}

/* mgo-tokens: the table of contents of its privileges. It holds the pod's
 * own token, which may only mint the two roles' tokens; it writes each
 * role's token into that role's directory and nowhere else (tokens.h). */
#include "tokens.h"

int main(int argc, char **argv)
{
	struct mgo_tokens t;
	/* --config FILE [--notify-fd N] [--log-level L]; the configuration */
	int status = mgo_tokens_args(&t, argc, argv);

	/* the pod's own token and the CA, read once before the sandbox */
	if (status == 0)
		status = mgo_tokens_load_creds(&t);
	/* each role's token directory, which the sandbox must find */
	if (status == 0)
		status = mgo_tokens_make_dirs(&t);
	/* reads its own token's directory, writes files only in the role
	 * directories, connects only to the API server's port */
	if (status == 0)
		status = mgo_tokens_sandbox(&t);
	/* the loop, the heartbeats, the API client */
	if (status == 0)
		status = mgo_tokens_open(&t);
	/* mint both, say ready, renew each at 80% of its lifetime */
	if (status == 0)
		status = mgo_tokens_run(&t);
	mgo_tokens_close(&t);
	return status;
}

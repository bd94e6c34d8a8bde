/* Kubeconfig parsing on arbitrary bytes. Relative file references resolve
 * into an empty directory, so they fail cleanly instead of reading whatever
 * lies around; the invariants of the loader's contract are checked too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgo/kubecreds.h"

static char basedir[] = "/tmp/mgo-fuzz-kc-XXXXXX";

static void remove_basedir(void)
{
	rmdir(basedir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(basedir))
		abort();
	atexit(remove_basedir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mgo_kube_creds zero;
	struct mgo_kube_creds c;
	char err[512];
	int rc;

	err[0] = '\0';
	rc = mgo_kube_creds_from_kubeconfig_mem((const char *)data, size, basedir, NULL, &c, err,
	                                        sizeof(err));
	if (rc) {
		/* Failure leaves nothing to free and always says why. */
		if (rc > 0 || memcmp(&c, &zero, sizeof(c)) || !err[0])
			abort();
		return 0;
	}
	if (!c.server || (c.insecure && c.ca_pem) || (!c.cert_pem != !c.key_pem))
		abort();
	mgo_kube_creds_free(&c);
	return 0;
}

/* Operator config parsing on arbitrary bytes, with the loader's contract
 * checked: failure leaves nothing allocated and a reason; success leaves
 * every required field set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mgo_config zero;
	struct mgo_config c;
	char err[512];
	int rc;

	err[0] = '\0';
	rc = mgo_cfg_load_mem((const char *)data, size, "fuzz", &c, err, sizeof(err));
	if (rc) {
		if (rc > 0 || memcmp(&c, &zero, sizeof(c)) || !err[0])
			abort();
		return 0;
	}
	if (!c.namespace || !c.default_image || !c.operator_image || !c.socket_dir ||
	    c.resync_seconds < 10 || c.resync_seconds > 86400 ||
	    !c.watcher.token_file == !c.watcher.kubeconfig ||
	    !c.launcher.token_file == !c.launcher.kubeconfig)
		abort();
	mgo_cfg_free(&c);
	return 0;
}

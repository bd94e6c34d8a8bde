/* The test API server's CEL subset on arbitrary bytes: the compiler must
 * refuse or accept without crashing, within its bounds, and whatever it
 * accepts must evaluate (to a value or an error, never a crash) against a
 * MustGather-shaped object, an admission request and an allowlist-shaped
 * param (compiled with params declared: a superset of the policies without). */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cel.h"

static json_t *object, *request, *params;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	object = json_loads("{\"metadata\": {\"name\": \"mg1\", \"namespace\": \"openshift-x\","
			    " \"labels\": {\"a\": \"b\"}}, \"spec\": {\"mustGatherImage\": "
			    "\"quay.io/x/y:1\", \"n\": 3, \"r\": 1.5, \"l\": [\"a\", 1, true, null]}}",
			    0, NULL);
	request = json_loads("{\"operation\": \"CREATE\", \"namespace\": \"openshift-x\", "
			     "\"userInfo\": {\"username\": \"u\", \"groups\": [\"g\"]}}", 0, NULL);
	params = json_loads("{\"metadata\": {\"name\": \"cluster\"}, \"spec\": {\"images\": "
			    "[\"quay.io/x/y:1\", \"q/z@sha256:00\"]}, \"data\": {\"k\": \"v\"}}",
			    0, NULL);
	if (!object || !request || !params)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tas_cel_vars vars = {.object = object, .request = request, .params = params};
	struct tas_cel *c = NULL;
	json_t *out = NULL;
	char *src, err[512];
	int rc;

	src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	rc = tas_cel_compile_env(src, TAS_CEL_PARAMS, &c, err, sizeof(err));
	if (rc) {
		/* a refusal always says why, and leaves nothing behind */
		if (c || !err[0] || (rc != -EINVAL && rc != -ENOMEM))
			abort();
		goto out;
	}
	if (strlen(src) > TAS_CEL_MAX_LEN)
		abort();
	rc = tas_cel_eval(c, &vars, &out, err, sizeof(err));
	if ((rc == 0) != (out != NULL) || (rc && rc != -EINVAL && rc != -ENOMEM) ||
	    (rc && !err[0]))
		abort();
out:
	json_decref(out);
	tas_cel_free(c);
	free(src);
	return 0;
}

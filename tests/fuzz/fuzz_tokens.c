/* mgo-tokens reading a TokenRequest answer (tokens/mint.c) on arbitrary
 * bytes: the JSON is jansson's, the checks of the token and of the
 * timestamp are ours. Contract: success gives a visible-ASCII token within
 * the bound and an expiry, and a renewal time of at least a second. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/kubecreds.h"
#include "tokens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	const char *token = NULL;
	time_t exp = 0;
	char err[256] = "";

	if (!body)
		return 0;
	if (mgo_tokens_parse_answer(body, &token, &exp, err, sizeof(err)) == 0) {
		size_t len = strlen(token);
		if (!len || len > MGO_KUBE_TOKEN_MAX)
			abort();
		for (size_t i = 0; i < len; i++)
			if (token[i] < 0x21 || token[i] > 0x7e)
				abort();
		if (mgo_tokens_renew_in_ms(exp, 0) < 1000 ||
		    mgo_tokens_renew_in_ms(exp, UINT64_MAX) != 1000)
			abort();
	} else if (!err[0]) {
		abort();
	}
	json_decref(body);
	return 0;
}

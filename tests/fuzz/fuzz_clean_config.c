/* mgo-clean's configuration parser (clean/cleanconf.c) on arbitrary bytes:
 * failure leaves nothing allocated and a message; success leaves a
 * configuration the cleaner takes, within its bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mgo_clean_config zero;
	static const char sample[] = "10.0.0.1 fd00::1 aa:bb:cc:dd:ee:ff example.com";
	struct mgo_clean_config c;
	struct mgo_cleaner cl;
	char err[512], name[300];
	int rc;

	err[0] = '\0';
	rc = mgo_clean_config_parse((const char *)data, size, "fuzz", &c, err, sizeof(err));
	if (rc) {
		if (rc > 0 || memcmp(&c, &zero, sizeof(c)) || !err[0])
			abort();
		return 0;
	}
	if (c.ndomains > MGO_CLEAN_MAX_WORDS || c.nkeywords > MGO_CLEAN_MAX_WORDS ||
	    c.nomits > MGO_CLEAN_MAX_WORDS)
		abort();
	for (size_t i = 0; i < c.nkeywords; i++)
		if (!c.keywords[i].len || c.keywords[i].len > MGO_CLEAN_MAX_WORD ||
		    strchr(c.keywords[i].to, '/'))
			abort();
	for (size_t i = 0; i < c.nomits; i++)
		if (c.omits[i].file ? !c.omits[i].pattern : !c.omits[i].kind)
			abort();
	if (mgo_cleaner_init(&cl, &c, 0))
		abort();
	rc = mgo_clean_name(&cl, sample, name, sizeof(name));
	if (rc && rc != -ENAMETOOLONG)
		abort();
	mgo_cleaner_free(&cl);
	mgo_clean_config_free(&c);
	return 0;
}

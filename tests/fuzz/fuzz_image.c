/* Image references from arbitrary bytes. Beyond "no crash", checks the
 * properties the validator relies on: a canonical form parses back to
 * itself, a reference is allowed by itself and by its canonical form, and a
 * refusal comes with a whole, printable message. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/image.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_image: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static void check_message(const char *err)
{
	size_t n = strlen(err);

	CHECK(n > 0);
	CHECK(n < MGO_IMG_ERR_MAX - 1);
	for (size_t i = 0; i < n; i++)
		CHECK(err[i] >= 0x20 && err[i] < 0x7f);
}

static void check_valid(const struct mgo_img_ref *r)
{
	struct mgo_img_ref again;
	char canon[MGO_IMG_CANONICAL_MAX], canon2[MGO_IMG_CANONICAL_MAX], err[MGO_IMG_ERR_MAX];

	CHECK(mgo_img_canonical(r, canon, sizeof(canon)) == 0);
	CHECK(mgo_img_parse(canon, &again, err, sizeof(err)) == 0);
	CHECK(mgo_img_canonical(&again, canon2, sizeof(canon2)) == 0);
	CHECK(strcmp(canon, canon2) == 0);
	CHECK(memcmp(r, &again, sizeof(*r)) == 0);
	CHECK(mgo_img_allowed(r, r));
	CHECK(mgo_img_allowed(r, &again));
	CHECK(mgo_img_allowed(&again, r));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgo_img_ref r, zero;
	char err[MGO_IMG_ERR_MAX], tiny[4];
	char *s = malloc(size + 1);
	int rc;

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	rc = mgo_img_parse(s, &r, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL);
	CHECK(mgo_img_parse(s, &zero, tiny, sizeof(tiny)) == rc);
	if (rc == 0) {
		check_valid(&r);
	} else {
		memset(&zero, 0, sizeof(zero));
		CHECK(memcmp(&r, &zero, sizeof(r)) == 0);
		check_message(err);
	}
	free(s);
	return 0;
}

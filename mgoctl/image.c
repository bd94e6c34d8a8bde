/* mgoctl image REF...: what the validator would make of each reference. */
#include "cli.h"

#include "mgo/image.h"

static bool check_one(const char *arg)
{
	struct mgo_img_ref ref;
	char err[MGO_IMG_ERR_MAX], canon[MGO_IMG_CANONICAL_MAX];
	bool ok = mgo_img_parse(arg, &ref, err, sizeof(err)) == 0 &&
		  mgo_img_canonical(&ref, canon, sizeof(canon)) == 0;

	mgoctl_put_escaped(stdout, arg);
	if (ok)
		printf(" -> %s\n", canon);
	else
		printf(": invalid: %s\n", err);
	return ok;
}

int mgoctl_image(const struct mgoctl_cmd *self, int argc, char **argv)
{
	int first, code = mgoctl_operands(self, argc, argv, &first);

	if (code >= 0)
		return code;
	code = MGOCTL_EXIT_OK;
	for (int i = first; i < argc; i++)
		if (!check_one(argv[i]))
			code = MGOCTL_EXIT_FAIL;
	return mgoctl_finish(code);
}

/* The decision about MustGatherImage/cluster itself: which entries are not
 * image references at all. MustGathers never match such an entry (their
 * decisions skip it); this is how an administrator learns of it, in the
 * object's status (`kubectl get mgi cluster` shows how many). The validator
 * decides it; the launcher runs it again on the object it watches before it
 * writes the status (docs/monitor.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/image.h"
#include "mgo/spec.h"

int mgo_decide_allowlist(const struct mgo_observe *obs, struct mgo_act *act)
{
	const struct mgo_allowlist *a = &obs->allowlist;
	size_t n = a->n_images ? a->n_images : 1;
	int rc = -ENOMEM;

	memset(act, 0, sizeof(*act));
	act->kind = MGO_ACT_ALLOWLIST_STATUS;
	act->generation = a->generation;
	if (!(act->name = strdup("cluster")) || (a->uid && !(act->uid = strdup(a->uid))) ||
	    (a->resource_version && !(act->resource_version = strdup(a->resource_version))) ||
	    !(act->invalid_images = calloc(n, sizeof(char *))) ||
	    !(act->invalid_messages = calloc(n, sizeof(char *))))
		goto fail;
	for (size_t i = 0; i < a->n_images; i++) {
		struct mgo_img_ref ref;
		char why[MGO_IMG_ERR_MAX];
		size_t k = act->n_invalid_images;

		if (mgo_img_parse(a->images[i], &ref, why, sizeof(why)) == 0)
			continue;
		if (!(act->invalid_images[k] = strdup(a->images[i])))
			goto fail;
		act->n_invalid_images++;
		if (!(act->invalid_messages[k] = strdup(why)))
			goto fail;
		act->n_invalid_messages++;
	}
	return 1;
fail:
	mgo_act_free(act);
	return rc;
}

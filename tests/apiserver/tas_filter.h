/* Which objects a list, watch or deletecollection sees: the label and
 * field selectors of the request, compiled once for a resource type. */
#ifndef TAS_FILTER_H
#define TAS_FILTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tas_restype.h"

struct tas_filter {
	void *labels; /* parsed label selector, NULL: everything */
	void *fields; /* parsed field selector, NULL: everything */
	const struct tas_field *kind_fields; /* the type's selectable fields */
	bool any;     /* some selector was given */
};

/* Parses the selectors (either may be NULL or "") for objects of rt.
 * 0, or -EINVAL with kube's 400 message in err, or -ENOMEM. */
int tas_filter_init(struct tas_filter *f, const struct tas_restype *rt, const char *labels,
		    const char *fields, char *err, size_t errlen);
/* Whether a stored object passes. */
bool tas_filter_match(const struct tas_filter *f, const json_t *obj);
void tas_filter_free(struct tas_filter *f);

#endif

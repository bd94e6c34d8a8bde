/* What a request is about, as kube-apiserver's RequestInfoFactory reads it
 * from the method, path and query: the authorization attributes (verb,
 * API group, resource, subresource, namespace, name) and the route. */
#ifndef TAS_REQINFO_H
#define TAS_REQINFO_H

#include <stdbool.h>

struct tas_reqinfo {
	bool resource_request;
	const char *path;         /* borrowed from the caller */
	char verb[24];            /* get list watch create update patch delete deletecollection;
				     for non-resource paths the lowercase method */
	const char *api_prefix;   /* "api" or "apis"; NULL: not an API path */
	const char *group;        /* "" for the core group */
	const char *version;      /* NULL when the path stops before it */
	const char *ns;           /* "" when not namespaced */
	const char *resource;     /* "" for /api, /apis/G/V (discovery) */
	const char *subresource;  /* "" when none */
	const char *name;         /* "" when none; from fieldSelector metadata.name too */
	bool name_from_selector;  /* name came from a metadata.name field selector */
	char buf[2048];           /* the strings above point in here */
};

/* selected_name: what a fieldSelector requires metadata.name to equal (kube
 * authorizes a list or watch of one name as that name), or NULL.
 * Returns 0, or -EINVAL for a path too long. */
int tas_reqinfo_parse(struct tas_reqinfo *ri, const char *method, const char *path,
		      bool watch, const char *selected_name);

#endif

/* Request paths: every piece that comes from an object or a user is checked
 * or percent-encoded here, so no name can change which URL is requested. */
#include "mgo/kube.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_transport.h"
#include "mgo/types.h"

/* Selectors and continue tokens are the longest values we send; anything far
 * beyond them is a bug upstream, not a request to make. */
#define QUERY_VALUE_MAX 65536

static const char *const verb_names[MGO_KUBE_VERB_N] = {
	[MGO_KUBE_GET] = "get",       [MGO_KUBE_LIST] = "list",
	[MGO_KUBE_WATCH] = "watch",   [MGO_KUBE_CREATE] = "create",
	[MGO_KUBE_UPDATE] = "update", [MGO_KUBE_PATCH] = "patch",
	[MGO_KUBE_DELETE] = "delete",
};

const char *mgo_kube_verb_name(enum mgo_kube_verb v)
{
	return (unsigned)v < MGO_KUBE_VERB_N ? verb_names[v] : "unknown";
}

/* Group, version, resource and subresource come from our own descriptors;
 * checking them anyway keeps a typo from becoming a request elsewhere. */
static bool token_ok(const char *s, const char *extra)
{
	if (!s || !*s || strlen(s) > MGO_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      (*p && strchr(extra, *p))))
			return false;
	return true;
}

static bool key_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

/* Appends "/" and `s` percent-encoded. Dot segments would be resolved away by
 * the server (or a proxy) before routing, so they are refused, not encoded. */
static int put_segment(FILE *f, const char *what, const char *s, char *err, size_t errlen)
{
	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strlen(s) > MGO_NAME_MAX) {
		snprintf(err, errlen, "%s must be 1 to %d characters and not '.' or '..'", what,
			 MGO_NAME_MAX);
		return -EINVAL;
	}
	char *enc = curl_easy_escape(NULL, s, (int)strlen(s));
	if (!enc)
		return -ENOMEM;
	int rc = fprintf(f, "/%s", enc) < 0 ? -ENOMEM : 0;
	curl_free(enc);
	return rc;
}

static int put_query(FILE *f, const char *const *query, char *err, size_t errlen)
{
	char sep = '?';

	for (size_t i = 0; query && query[i]; i += 2) {
		const char *key = query[i], *val = query[i + 1];
		if (!key_ok(key)) {
			snprintf(err, errlen, "query key %zu is not a plain word", i / 2);
			return -EINVAL;
		}
		if (!val)
			continue;
		size_t len = strlen(val);
		if (len > QUERY_VALUE_MAX) {
			snprintf(err, errlen, "query value for %s is longer than %d", key,
				 QUERY_VALUE_MAX);
			return -EINVAL;
		}
		char *enc = curl_easy_escape(NULL, val, (int)len);
		if (!enc)
			return -ENOMEM;
		int n = fprintf(f, "%c%s=%s", sep, key, enc);
		curl_free(enc);
		if (n < 0)
			return -ENOMEM;
		sep = '&';
	}
	return 0;
}

static int check_resource(const struct mgo_kube_resource *r, const char *ns, const char *name,
			  const char *sub, char *err, size_t errlen)
{
	if (!r || !token_ok(r->version, "") || !token_ok(r->resource, "") ||
	    (r->group && *r->group && !token_ok(r->group, ".-"))) {
		snprintf(err, errlen, "bad resource descriptor");
		return -EINVAL;
	}
	if (!r->namespaced && ns) {
		snprintf(err, errlen, "%s is cluster-scoped: no namespace", r->resource);
		return -EINVAL;
	}
	if (sub && (!name || !token_ok(sub, ""))) {
		snprintf(err, errlen, "subresource needs a name and a lowercase word");
		return -EINVAL;
	}
	return 0;
}

int mgo_kube_path(char **out, const struct mgo_kube_resource *r, const char *ns,
		  const char *name, const char *subresource, const char *const *query,
		  char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc;

	*out = NULL;
	rc = check_resource(r, ns, name, subresource, err, errlen);
	if (rc)
		goto out;
	f = open_memstream(&buf, &len);
	if (!f) {
		rc = -ENOMEM;
		goto out;
	}
	if (r->group && *r->group)
		rc = fprintf(f, "/apis/%s/%s", r->group, r->version) < 0 ? -ENOMEM : 0;
	else
		rc = fprintf(f, "/api/%s", r->version) < 0 ? -ENOMEM : 0;
	if (!rc && ns) {
		rc = fputs("/namespaces", f) < 0 ? -ENOMEM : 0;
		if (!rc)
			rc = put_segment(f, "namespace", ns, err, errlen);
	}
	if (!rc)
		rc = fprintf(f, "/%s", r->resource) < 0 ? -ENOMEM : 0;
	if (!rc && name)
		rc = put_segment(f, "name", name, err, errlen);
	if (!rc && subresource)
		rc = fprintf(f, "/%s", subresource) < 0 ? -ENOMEM : 0;
	if (!rc)
		rc = put_query(f, query, err, errlen);
out:
	if (f && fclose(f) != 0 && !rc)
		rc = -ENOMEM;
	if (rc)
		free(buf);
	else
		*out = buf;
	return rc;
}

/* A caller's own path ("/version", "/apis"): one that could not mean
 * another URL than it says. */
static bool raw_path_ok(const char *path)
{
	size_t len = strlen(path);

	if (path[0] != '/' || len > 4096 || strstr(path, "//") || strstr(path, "/./") ||
	    strstr(path, "/../") || (len >= 2 && strcmp(path + len - 2, "/.") == 0) ||
	    (len >= 3 && strcmp(path + len - 3, "/..") == 0))
		return false;
	for (const char *p = path; *p; p++)
		if (*p <= ' ' || *p == '?' || *p == '#' || *p == '%' || *p == 0x7f)
			return false;
	return true;
}

int mgo_kube__raw_path(char **out, const char *path, const char *const *query, char *err,
		       size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc;

	*out = NULL;
	if (!path || !raw_path_ok(path)) {
		snprintf(err, errlen, "path must be absolute, plain and without a query");
		return -EINVAL;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	rc = fputs(path, f) < 0 ? -ENOMEM : 0;
	if (!rc)
		rc = put_query(f, query, err, errlen);
	if (fclose(f) != 0 && !rc)
		rc = -ENOMEM;
	if (rc)
		free(buf);
	else
		*out = buf;
	return rc;
}

#include "tas_discovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_util.h"

/* kube-apiserver's group order for the built-ins; CRD groups follow, by name. */
static const char *const group_order[] = {
	"", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "batch",
	"rbac.authorization.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io",
	"coordination.k8s.io", NULL,
};

static const char aggregated_type[] =
	"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
static const char aggregated_beta_type[] =
	"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/* -1 non-kube, else kind*1000000 + major*1000 + minor, larger is preferred. */
static long version_rank(const char *v)
{
	char *end;
	long major, minor = 0, kind = 3;

	if (v[0] != 'v' || v[1] < '1' || v[1] > '9')
		return -1;
	major = strtol(v + 1, &end, 10);
	if (*end) {
		if (strncmp(end, "beta", 4) == 0) {
			kind = 2;
			end += 4;
		} else if (strncmp(end, "alpha", 5) == 0) {
			kind = 1;
			end += 5;
		} else {
			return -1;
		}
		if (*end < '1' || *end > '9')
			return -1;
		minor = strtol(end, &end, 10);
		if (*end)
			return -1;
	}
	return kind * 1000000 + major * 1000 + minor;
}

int tas_version_cmp(const char *a, const char *b)
{
	long ra = version_rank(a), rb = version_rank(b);

	if (ra != rb)
		return ra > rb ? -1 : 1;
	return strcmp(a, b);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int ver_cmp(const void *a, const void *b)
{
	return tas_version_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* The served groups in kube's order (borrowed strings). */
static size_t groups(const struct tas_registry *reg, const char **out, size_t max)
{
	size_t n = 0, i, k, custom_from;

	for (i = 0; group_order[i] && n < max; i++)
		for (k = 0; k < reg->n; k++)
			if (strcmp(reg->v[k]->group, group_order[i]) == 0) {
				out[n++] = group_order[i];
				break;
			}
	custom_from = n;
	for (k = 0; k < reg->n && n < max; k++) {
		size_t j;
		for (j = 0; j < n && strcmp(out[j], reg->v[k]->group); j++)
			;
		if (j == n)
			out[n++] = reg->v[k]->group;
	}
	qsort(out + custom_from, n - custom_from, sizeof(*out), str_cmp);
	return n;
}

static size_t versions(const struct tas_registry *reg, const char *group, const char **out,
		       size_t max)
{
	size_t n = 0, k, j;

	for (k = 0; k < reg->n && n < max; k++) {
		if (strcmp(reg->v[k]->group, group))
			continue;
		for (j = 0; j < n && strcmp(out[j], reg->v[k]->version); j++)
			;
		if (j == n)
			out[n++] = reg->v[k]->version;
	}
	qsort(out, n, sizeof(*out), ver_cmp);
	return n;
}

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *const status_verbs[] = {"get", "patch", "update", NULL};
static const char *const finalize_verbs[] = {"update", NULL};

static int res_cmp(const void *a, const void *b)
{
	const struct tas_restype *x = *(const struct tas_restype *const *)a;
	const struct tas_restype *y = *(const struct tas_restype *const *)b;

	return strcmp(x->resource, y->resource);
}

/* The entries of group/version, sorted by resource name. */
static size_t resources(const struct tas_registry *reg, const char *group,
			const char *version, const struct tas_restype **out, size_t max)
{
	size_t n = 0, k;

	for (k = 0; k < reg->n && n < max; k++)
		if (strcmp(reg->v[k]->group, group) == 0 &&
		    strcmp(reg->v[k]->version, version) == 0)
			out[n++] = reg->v[k];
	qsort(out, n, sizeof(*out), res_cmp);
	return n;
}

static int add_optional(json_t *obj, const char *key, const char *const *v)
{
	json_t *a;

	if (!v || !v[0])
		return 0;
	a = strings(v);
	return !a || json_object_set_new(obj, key, a) ? -1 : 0;
}

static json_t *resource_list(const struct tas_registry *reg, const char *group,
			     const char *version)
{
	const struct tas_restype *rts[64];
	size_t n = resources(reg, group, version, rts, 64), i;
	char gv[300];
	json_t *list = json_array(), *out;

	snprintf(gv, sizeof(gv), "%s%s%s", group, *group ? "/" : "", version);
	for (i = 0; list && i < n; i++) {
		const struct tas_restype *rt = rts[i];
		char sub[300];
		json_t *r = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", rt->resource,
				      "singularName", rt->singular, "namespaced", rt->namespaced,
				      "kind", rt->kind, "verbs", strings(rt->verbs));
		if (!r || add_optional(r, "shortNames", rt->short_names) ||
		    add_optional(r, "categories", rt->categories) ||
		    json_array_append_new(list, r))
			goto fail;
		if (rt->flags & TAS_RT_STATUS) {
			snprintf(sub, sizeof(sub), "%s/status", rt->resource);
			if (json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name",
								  sub, "singularName", "", "namespaced",
								  rt->namespaced, "kind", rt->kind,
								  "verbs", strings(status_verbs))))
				goto fail;
		}
		if (strcmp(rt->resource, "namespaces") == 0 && !*rt->group &&
		    json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name",
							  "namespaces/finalize", "singularName", "",
							  "namespaced", 0, "kind", "Namespace",
							  "verbs", strings(finalize_verbs))))
			goto fail;
	}
	if (!list)
		return NULL;
	out = json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion", "v1",
			"groupVersion", gv, "resources", list);
	return out;
fail:
	json_decref(list);
	return NULL;
}

static json_t *group_doc(const struct tas_registry *reg, const char *group, bool typed)
{
	const char *vs[16];
	size_t n = versions(reg, group, vs, 16), i;
	json_t *arr = json_array(), *g;
	char gv[300];

	for (i = 0; arr && i < n; i++) {
		snprintf(gv, sizeof(gv), "%s/%s", group, vs[i]);
		if (json_array_append_new(arr, json_pack("{s:s, s:s}", "groupVersion", gv,
							 "version", vs[i]))) {
			json_decref(arr);
			return NULL;
		}
	}
	if (!arr || n == 0) {
		json_decref(arr);
		return NULL;
	}
	snprintf(gv, sizeof(gv), "%s/%s", group, vs[0]);
	g = json_pack("{s:s, s:o, s:{s:s, s:s}}", "name", group, "versions", arr,
		      "preferredVersion", "groupVersion", gv, "version", vs[0]);
	if (g && typed) {
		json_object_set_new(g, "kind", json_string("APIGroup"));
		json_object_set_new(g, "apiVersion", json_string("v1"));
	}
	return g;
}

static json_t *aggregated_group(const struct tas_registry *reg, const char *group)
{
	const char *vs[16];
	size_t nv = versions(reg, group, vs, 16), i, k;
	json_t *versions_arr = json_array(), *meta;

	for (i = 0; versions_arr && i < nv; i++) {
		const struct tas_restype *rts[64];
		size_t n = resources(reg, group, vs[i], rts, 64);
		json_t *res = json_array();
		for (k = 0; res && k < n; k++) {
			const struct tas_restype *rt = rts[k];
			json_t *kind = json_pack("{s:s, s:s, s:s}", "group", group, "version", vs[i],
						 "kind", rt->kind);
			json_t *r = json_pack("{s:s, s:o, s:s, s:s, s:o}", "resource", rt->resource,
					      "responseKind", kind, "scope",
					      rt->namespaced ? "Namespaced" : "Cluster",
					      "singularResource", rt->singular, "verbs",
					      strings(rt->verbs));
			json_t *subs = json_array();
			if (!r || !subs || add_optional(r, "shortNames", rt->short_names) ||
			    add_optional(r, "categories", rt->categories))
				goto fail_r;
			if ((rt->flags & TAS_RT_STATUS) &&
			    json_array_append_new(subs, json_pack("{s:s, s:{s:s, s:s, s:s}, s:o}",
								  "subresource", "status",
								  "responseKind", "group", group,
								  "version", vs[i], "kind", rt->kind,
								  "verbs", strings(status_verbs))))
				goto fail_r;
			if (json_array_size(subs) && json_object_set(r, "subresources", subs))
				goto fail_r;
			json_decref(subs);
			if (json_array_append_new(res, r)) {
				json_decref(res);
				res = NULL;
			}
			continue;
fail_r:
			json_decref(subs);
			json_decref(r);
			json_decref(res);
			res = NULL;
		}
		if (!res || json_array_append_new(versions_arr,
						  json_pack("{s:s, s:o, s:s}", "version", vs[i],
							    "resources", res, "freshness", "Current"))) {
			json_decref(versions_arr);
			return NULL;
		}
	}
	if (!versions_arr)
		return NULL;
	meta = *group ? json_pack("{s:s, s:n}", "name", group, "creationTimestamp")
		      : json_pack("{s:n}", "creationTimestamp");
	return json_pack("{s:o, s:o}", "metadata", meta, "versions", versions_arr);
}

/* Accept lists aggregated discovery first when kubectl (client-go >= 1.26)
 * asks; other clients get the legacy documents. */
static const char *wants_aggregated(const char *accept)
{
	if (!accept || !strstr(accept, "as=APIGroupDiscoveryList"))
		return NULL;
	if (strstr(accept, "v=v2;") || strstr(accept, "v=v2,") ||
	    (strstr(accept, "v=v2") && !strstr(accept, "v=v2beta1")))
		return aggregated_type;
	return aggregated_beta_type;
}

static json_t *aggregated(const struct tas_registry *reg, bool core, const char *type)
{
	const char *gs[64];
	size_t n = groups(reg, gs, 64), i;
	json_t *items = json_array();

	for (i = 0; items && i < n; i++) {
		if ((*gs[i] == '\0') != core)
			continue;
		if (json_array_append_new(items, aggregated_group(reg, gs[i]))) {
			json_decref(items);
			return NULL;
		}
	}
	if (!items)
		return NULL;
	return json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList", "apiVersion",
			 type == aggregated_type ? "apidiscovery.k8s.io/v2"
						 : "apidiscovery.k8s.io/v2beta1",
			 "metadata", "items", items);
}

static json_t *api_versions(struct tas_server *s)
{
	char addr[96];

	snprintf(addr, sizeof(addr), "%s:%u", s->cfg->listen_host, s->port);
	return json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions", "versions", "v1",
			 "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0", "serverAddress",
			 addr);
}

static json_t *group_list(const struct tas_registry *reg)
{
	const char *gs[64];
	size_t n = groups(reg, gs, 64), i;
	json_t *arr = json_array();

	for (i = 0; arr && i < n; i++) {
		if (!*gs[i])
			continue;
		if (json_array_append_new(arr, group_doc(reg, gs[i], false))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr ? json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1",
			       "groups", arr)
		   : NULL;
}

/* --- OpenAPI v3 ------------------------------------------------------------ */

static json_t *patch_op(const struct tas_restype *rt)
{
	json_t *content = json_pack("{s:{}, s:{}, s:{}}", "application/json-patch+json",
				    "application/merge-patch+json", "application/apply-patch+yaml");

	/* Strategic merge patch is left out of the advertised bodies: kubectl
	 * then computes patches from its compiled-in types (built-ins) or as
	 * JSON merge patches (custom resources), as it does against kube for
	 * CRDs, without needing full schemas from us. */
	return json_pack("{s:{s:o}, s:[{s:s, s:s, s:s, s:{s:s}}, {s:s, s:s, s:{s:s}}], "
			 "s:{s:s, s:s, s:s}, s:s}",
			 "requestBody", "content", content, "parameters", "name",
			 "fieldValidation", "in", "query", "description",
			 "fieldValidation instructs the server on how to handle objects in the "
			 "request containing unknown or duplicate fields.",
			 "schema", "type", "string", "name", "dryRun", "in", "query", "schema",
			 "type", "string", "x-kubernetes-group-version-kind", "group", rt->group,
			 "version", rt->version, "kind", rt->kind, "x-kubernetes-action", "patch");
}

static json_t *openapi_gv(const struct tas_registry *reg, const char *group,
			  const char *version)
{
	const struct tas_restype *rts[64];
	size_t n = resources(reg, group, version, rts, 64), i;
	json_t *paths = json_object(), *schemas = json_object();
	char prefix[300], path[600];

	if (!paths || !schemas)
		goto fail;
	if (*group)
		snprintf(prefix, sizeof(prefix), "/apis/%s/%s", group, version);
	else
		snprintf(prefix, sizeof(prefix), "/api/%s", version);
	for (i = 0; i < n; i++) {
		const struct tas_restype *rt = rts[i];
		const json_t *schema = (rt->flags & TAS_RT_CUSTOM) ? tas_restype_schema(rt) : NULL;
		if (rt->flags & TAS_RT_VIRTUAL)
			continue;
		if (rt->namespaced)
			snprintf(path, sizeof(path), "%s/namespaces/{namespace}/%s/{name}", prefix,
				 rt->resource);
		else
			snprintf(path, sizeof(path), "%s/%s/{name}", prefix, rt->resource);
		if (json_object_set_new(paths, path, json_pack("{s:o}", "patch", patch_op(rt))))
			goto fail;
		if (schema) {
			char id[600];
			json_t *sc = json_deep_copy(schema);
			snprintf(id, sizeof(id), "%s.%s.%s", group, version, rt->kind);
			if (!sc ||
			    json_object_set_new(sc, "x-kubernetes-group-version-kind",
						json_pack("[{s:s, s:s, s:s}]", "group", group,
							  "version", version, "kind", rt->kind)) ||
			    json_object_set_new(schemas, id, sc))
				goto fail;
		}
	}
	return json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:o}}", "openapi", "3.0.0", "info",
			 "title", "Kubernetes", "version", "v1.32.0", "paths", paths,
			 "components", "schemas", schemas);
fail:
	json_decref(paths);
	json_decref(schemas);
	return NULL;
}

/* FNV-1a of the document: the ?hash= clients cache it under. */
static void doc_hash(const json_t *doc, char out[17])
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = text ? text : ""; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ull;
	}
	free(text);
	snprintf(out, 17, "%016llX", (unsigned long long)h);
}

static json_t *openapi_root(const struct tas_registry *reg)
{
	const char *gs[64];
	size_t n = groups(reg, gs, 64), i, k;
	json_t *paths = json_object();

	for (i = 0; paths && i < n; i++) {
		const char *vs[16];
		size_t nv = versions(reg, gs[i], vs, 16);
		for (k = 0; k < nv; k++) {
			char key[300], url[400], hash[17];
			json_t *doc = openapi_gv(reg, gs[i], vs[k]);
			if (!doc)
				goto fail;
			doc_hash(doc, hash);
			json_decref(doc);
			if (*gs[i])
				snprintf(key, sizeof(key), "apis/%s/%s", gs[i], vs[k]);
			else
				snprintf(key, sizeof(key), "api/%s", vs[k]);
			snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%s", key, hash);
			if (json_object_set_new(paths, key,
						json_pack("{s:s}", "serverRelativeURL", url)))
				goto fail;
		}
	}
	return paths ? json_pack("{s:o}", "paths", paths) : NULL;
fail:
	json_decref(paths);
	return NULL;
}

static json_t *version_doc(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "major", "1",
			 "minor", "32", "emulationMajor", "1", "emulationMinor", "32",
			 "gitVersion", "v1.32.0", "gitCommit", "mgo-test-apiserver",
			 "gitTreeState", "clean", "buildDate", "2024-12-11T00:00:00Z", "goVersion",
			 "go1.23.3", "compiler", "gc");
}

bool tas_discovery(struct tas_server *s, const struct tas_req *r, struct tas_resp *resp)
{
	const char *p = r->path;
	const struct tas_reqinfo *ri = &r->ri;
	json_t *doc = NULL;
	bool handled = true;

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return false;
	if (strcmp(p, "/version") == 0 || strcmp(p, "/version/") == 0) {
		doc = version_doc();
		if (doc) {
			json_object_set_new(doc, "platform", json_string("linux/amd64"));
		}
		tas_resp_set(resp, 200, doc);
		return true;
	}
	if (strcmp(p, "/healthz") == 0 || strcmp(p, "/livez") == 0 || strcmp(p, "/readyz") == 0) {
		tas_resp_set(resp, 200, json_string("ok"));
		resp->content_type = "text/plain; charset=utf-8";
		return true;
	}
	pthread_mutex_lock(&s->store.mu);
	if (strcmp(p, "/api") == 0 || strcmp(p, "/api/") == 0) {
		const char *type = wants_aggregated(r->accept);
		doc = type ? aggregated(&s->reg, true, type) : api_versions(s);
		resp->content_type = type;
	} else if (strcmp(p, "/apis") == 0 || strcmp(p, "/apis/") == 0) {
		const char *type = wants_aggregated(r->accept);
		doc = type ? aggregated(&s->reg, false, type) : group_list(&s->reg);
		resp->content_type = type;
	} else if (ri->api_prefix && !ri->version && strcmp(ri->api_prefix, "apis") == 0) {
		doc = group_doc(&s->reg, ri->group, true);
		handled = doc != NULL;
	} else if (ri->api_prefix && ri->version && !ri->resource_request) {
		if (!tas_registry_has_gv(&s->reg, ri->group, ri->version))
			handled = false;
		else
			doc = resource_list(&s->reg, ri->group, ri->version);
	} else if (strcmp(p, "/openapi/v3") == 0 || strcmp(p, "/openapi/v3/") == 0) {
		doc = openapi_root(&s->reg);
	} else if (strncmp(p, "/openapi/v3/api/", 16) == 0 ||
		   strncmp(p, "/openapi/v3/apis/", 17) == 0) {
		char g[256] = "", v[64] = "";
		if (p[15] == '/' && sscanf(p + 16, "%63[^/]", v) == 1)
			g[0] = '\0';
		else if (sscanf(p + 17, "%255[^/]/%63[^/]", g, v) != 2)
			v[0] = '\0';
		if (!v[0] || !tas_registry_has_gv(&s->reg, g, v))
			handled = false;
		else
			doc = openapi_gv(&s->reg, g, v);
	} else {
		handled = false;
	}
	pthread_mutex_unlock(&s->store.mu);
	if (handled)
		tas_resp_set(resp, 200, doc);
	return handled;
}

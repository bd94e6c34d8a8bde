#include "tas_bootstrap.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tas_controllers.h"
#include "tas_objects.h"
#include "tas_util.h"
#include "tas_manifest.h"

#define MAX_MANIFEST (16L * 1024 * 1024)

int tas_apply(struct tas_server *s, const json_t *obj, char *err, size_t errlen)
{
	const char *av = tas_jstr(obj, "apiVersion") ?: "";
	const char *kind = tas_jstr(obj, "kind") ?: "";
	const char *slash = strchr(av, '/');
	const char *ns = tas_meta(obj, "namespace");
	const char *name = tas_meta(obj, "name") ?: "";
	struct tas_wopts o = {.subresource = "", .field_validation = TAS_FV_STRICT};
	struct tas_resp resp = {0};
	struct tas_restype *rt;
	struct tas_bucket *b;
	const json_t *old;
	json_t *copy;
	char group[256];
	int rc;

	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
	rt = tas_registry_find_kind(&s->reg, group, slash ? slash + 1 : av, kind);
	if (!rt || (rt->flags & TAS_RT_VIRTUAL)) {
		snprintf(err, errlen, "no matches for kind \"%s\" in version \"%s\"", kind, av);
		return -EINVAL;
	}
	if (!ns || !*ns)
		ns = "default";
	b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	copy = json_deep_copy(obj);
	if (!b || !copy) {
		json_decref(copy);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	old = tas_store_get(b, rt->namespaced ? ns : NULL, name);
	if (old) {
		json_object_set(tas_jobj(copy, "metadata"), "resourceVersion",
				tas_jpath(old, "metadata.resourceVersion"));
		rc = tas_obj_update(s, rt, rt->namespaced ? ns : "", name, copy, &o, &resp);
	} else {
		rc = tas_obj_create(s, rt, rt->namespaced ? ns : "", copy, &o, &resp);
	}
	if (!rc && resp.code >= 300) {
		snprintf(err, errlen, "%s %s: %s", kind, name,
			 tas_jstr(resp.body, "message") ?: "rejected");
		rc = -EINVAL;
	} else if (rc) {
		snprintf(err, errlen, "out of memory");
	}
	json_decref(resp.body);
	if (!rc && tas_controllers_settle(s)) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
	return rc;
}

static json_t *cluster_role(const char *name, json_t *rules)
{
	return json_pack("{s:s, s:s, s:{s:s, s:{s:s}, s:{s:s}}, s:o}", "apiVersion",
			 "rbac.authorization.k8s.io/v1", "kind", "ClusterRole", "metadata", "name",
			 name, "labels", "kubernetes.io/bootstrapping", "rbac-defaults",
			 "annotations", "rbac.authorization.kubernetes.io/autoupdate", "true",
			 "rules", rules);
}

static json_t *binding(const char *name, json_t *subjects)
{
	return json_pack("{s:s, s:s, s:{s:s, s:{s:s}, s:{s:s}}, s:{s:s, s:s, s:s}, s:o}",
			 "apiVersion", "rbac.authorization.k8s.io/v1", "kind",
			 "ClusterRoleBinding", "metadata", "name", name, "labels",
			 "kubernetes.io/bootstrapping", "rbac-defaults", "annotations",
			 "rbac.authorization.kubernetes.io/autoupdate", "true", "roleRef",
			 "apiGroup", "rbac.authorization.k8s.io", "kind", "ClusterRole", "name", name,
			 "subjects", subjects);
}

static json_t *group_subject(const char *g)
{
	return json_pack("{s:s, s:s, s:s}", "apiGroup", "rbac.authorization.k8s.io", "kind",
			 "Group", "name", g);
}

/* Appends v (stolen); a NULL v (allocation failure) shows in the count. */
static void add(json_t *arr, json_t *v)
{
	if (v)
		json_array_append_new(arr, v);
}

int tas_bootstrap(struct tas_server *s, char *err, size_t errlen)
{
	static const char *const namespaces[] = {"default", "kube-system", "kube-public",
						 "kube-node-lease"};
	json_t *objs = json_array();
	size_t i;
	int rc = 0;

	if (!objs)
		return -ENOMEM;
	for (i = 0; i < 4; i++)
		add(objs, json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1",
						      "kind", "Namespace", "metadata", "name",
						      namespaces[i]));
	add(
		objs, cluster_role("cluster-admin",
				   json_pack("[{s:[s], s:[s], s:[s]}, {s:[s], s:[s]}]", "apiGroups",
					     "*", "resources", "*", "verbs", "*", "nonResourceURLs",
					     "*", "verbs", "*")));
	add(objs, binding("cluster-admin",
					    json_pack("[o]", group_subject("system:masters"))));
	add(
		objs, cluster_role("system:discovery",
				   json_pack("[{s:[s,s,s,s,s,s,s,s,s,s,s], s:[s]}]",
					     "nonResourceURLs", "/api", "/api/*", "/apis", "/apis/*",
					     "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz",
					     "/version", "/version/", "verbs", "get")));
	add(objs, binding("system:discovery",
					    json_pack("[o]", group_subject("system:authenticated"))));
	add(
		objs, cluster_role("system:basic-user",
				   json_pack("[{s:[s], s:[s,s], s:[s]}, {s:[s], s:[s], s:[s]}]",
					     "apiGroups", "authorization.k8s.io", "resources",
					     "selfsubjectaccessreviews", "selfsubjectrulesreviews",
					     "verbs", "create", "apiGroups", "authentication.k8s.io",
					     "resources", "selfsubjectreviews", "verbs", "create")));
	add(objs, binding("system:basic-user",
					    json_pack("[o]", group_subject("system:authenticated"))));
	add(
		objs, cluster_role("system:public-info-viewer",
				   json_pack("[{s:[s,s,s,s,s], s:[s]}]", "nonResourceURLs",
					     "/healthz", "/livez", "/readyz", "/version", "/version/",
					     "verbs", "get")));
	add(objs, binding("system:public-info-viewer",
					    json_pack("[o,o]", group_subject("system:authenticated"),
						      group_subject("system:unauthenticated"))));
	if (json_array_size(objs) != 12) {
		snprintf(err, errlen, "out of memory");
		json_decref(objs);
		return -ENOMEM;
	}
	pthread_mutex_lock(&s->store.mu);
	for (i = 0; !rc && i < json_array_size(objs); i++)
		rc = tas_apply(s, json_array_get(objs, i), err, errlen);
	pthread_mutex_unlock(&s->store.mu);
	json_decref(objs);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool manifest(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' &&
	       ((n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")) ||
		(n > 5 && !strcmp(name + n - 5, ".json")));
}

static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (!f || fstat(fileno(f), &st) || st.st_size > MAX_MANIFEST) {
		rc = f && st.st_size > MAX_MANIFEST ? -EFBIG : -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	*out = malloc((size_t)st.st_size + 1);
	if (!*out) {
		rc = -ENOMEM;
		goto out;
	}
	*len = fread(*out, 1, (size_t)st.st_size, f);
	(*out)[*len] = '\0';
out:
	if (f)
		fclose(f);
	return rc;
}

/* Splits "kind: List" documents into their items. */
static int flatten(json_t *docs, json_t *out)
{
	size_t i;

	for (i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);
		if (strcmp(tas_jstr(d, "kind") ?: "", "List") == 0) {
			if (flatten(json_object_get(d, "items"), out))
				return -ENOMEM;
		} else if (json_is_object(d) && json_array_append(out, d)) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int pass_of(const json_t *obj)
{
	const char *k = tas_jstr(obj, "kind") ?: "";

	if (!strcmp(k, "Namespace"))
		return 0;
	if (!strcmp(k, "CustomResourceDefinition"))
		return 1;
	return 2;
}

int tas_load_dir(struct tas_server *s, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	json_t *all = json_array();
	int rc = 0, pass;

	if (!d || !all) {
		rc = d ? -ENOMEM : -errno;
		snprintf(err, errlen, "--load %s: %s", dir, strerror(-rc));
		goto out;
	}
	while ((de = readdir(d))) {
		char **v;
		if (!manifest(de->d_name))
			continue;
		v = realloc(names, (n + 1) * sizeof(*v));
		if (!v || !(v[n] = strdup(de->d_name))) {
			names = v ? v : names;
			rc = -ENOMEM;
			goto out;
		}
		names = v;
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !rc; i++) {
		char path[4096], *text = NULL, yerr[256];
		size_t len = 0;
		json_t *docs;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = read_file(path, &text, &len, err, errlen);
		if (rc)
			break;
		docs = tas_manifest_documents(text, len, yerr, sizeof(yerr));
		free(text);
		if (!docs) {
			snprintf(err, errlen, "%s: %s", path, yerr);
			rc = -EINVAL;
			break;
		}
		rc = flatten(docs, all);
		json_decref(docs);
	}
	pthread_mutex_lock(&s->store.mu);
	for (pass = 0; pass < 3 && !rc; pass++)
		for (i = 0; i < json_array_size(all) && !rc; i++)
			if (pass_of(json_array_get(all, i)) == pass)
				rc = tas_apply(s, json_array_get(all, i), err, errlen);
	pthread_mutex_unlock(&s->store.mu);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	json_decref(all);
	if (d)
		closedir(d);
	return rc;
}

/* Reads deploy/rbac's manifests and follows their bindings; see rbac.h. */
#include "rbac.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/fileio.h"

#define MAX_FILES 256
#define MAX_OBJECTS 4096

struct loader {
	struct mgoctl_manifests *m;
	const char *file;
	char what[1100];
	struct mgo_yaml_ctx cx;
};

static const char *scalar(const struct mgo_yaml_node *n)
{
	return n && n->type == MGO_YAML_SCALAR && !mgo_yaml_is_null(n) ? n->str : NULL;
}

static const char *field(const struct mgo_yaml_node *map, const char *key)
{
	return scalar(mgo_yaml_get(map, key));
}

static bool is(const struct mgoctl_obj *o, const char *kind)
{
	return strcmp(o->kind, kind) == 0;
}

/* A required scalar of map. */
static int need(const struct loader *l, const struct mgo_yaml_node *map, const char *path,
		const char *key)
{
	if (field(map, key))
		return 0;
	return mgo_yaml_fail(&l->cx, map, path, key, -EINVAL, "required");
}

/* Null, or a sequence of non-null scalars. */
static int scalar_seq(const struct loader *l, const struct mgo_yaml_node *map, const char *path,
		      const char *key)
{
	const struct mgo_yaml_node *v = mgo_yaml_get(map, key);
	int rc = mgo_yaml_want(&l->cx, v, path, key, MGO_YAML_SEQ);

	for (size_t i = 0; !rc && !mgo_yaml_is_null(v) && i < v->nkids; i++)
		if (!scalar(v->kids[i]))
			rc = mgo_yaml_fail(&l->cx, v->kids[i], path, key, -EINVAL,
					   "item %zu is not a string", i);
	return rc;
}

static int check_rules(const struct loader *l, const struct mgo_yaml_node *root)
{
	static const char *const lists[] = {"apiGroups", "resources", "resourceNames", "verbs",
					    "nonResourceURLs"};
	const struct mgo_yaml_node *rules = mgo_yaml_get(root, "rules");
	int rc;

	/* the API server would fill the rules from other ClusterRoles by label:
	 * a table that listed none would understate what the role may do */
	if (mgo_yaml_get(root, "aggregationRule"))
		return mgo_yaml_fail(&l->cx, root, NULL, "aggregationRule", -EINVAL,
				     "aggregated ClusterRoles are not expanded here");
	if ((rc = mgo_yaml_want(&l->cx, rules, NULL, "rules", MGO_YAML_SEQ)))
		return rc;
	for (size_t i = 0; !mgo_yaml_is_null(rules) && i < rules->nkids; i++) {
		const struct mgo_yaml_node *r = rules->kids[i];

		if (r->type != MGO_YAML_MAP)
			return mgo_yaml_fail(&l->cx, r, NULL, "rules", -EINVAL, "not a mapping");
		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
			if ((rc = scalar_seq(l, r, "rules", lists[k])))
				return rc;
		if (mgo_yaml_is_null(mgo_yaml_get(r, "verbs")) || !mgo_yaml_get(r, "verbs")->nkids)
			return mgo_yaml_fail(&l->cx, r, "rules", "verbs", -EINVAL, "required");
	}
	return 0;
}

static int check_binding(const struct loader *l, const struct mgoctl_obj *o)
{
	const struct mgo_yaml_node *ref = mgo_yaml_get(o->root, "roleRef");
	const struct mgo_yaml_node *subjects = mgo_yaml_get(o->root, "subjects");
	const char *kind;
	int rc;

	if (!ref || ref->type != MGO_YAML_MAP)
		return mgo_yaml_fail(&l->cx, o->root, NULL, "roleRef", -EINVAL, "required mapping");
	if ((rc = need(l, ref, "roleRef", "kind")) || (rc = need(l, ref, "roleRef", "name")))
		return rc;
	kind = field(ref, "kind");
	if (strcmp(kind, "ClusterRole") != 0 &&
	    (strcmp(kind, "Role") != 0 || is(o, "ClusterRoleBinding")))
		return mgo_yaml_fail(&l->cx, ref, "roleRef", "kind", -EINVAL,
				     "%s cannot refer to a %s", o->kind, kind);
	if ((rc = mgo_yaml_want(&l->cx, subjects, NULL, "subjects", MGO_YAML_SEQ)))
		return rc;
	for (size_t i = 0; !mgo_yaml_is_null(subjects) && i < subjects->nkids; i++) {
		const struct mgo_yaml_node *s = subjects->kids[i];

		if (s->type != MGO_YAML_MAP)
			return mgo_yaml_fail(&l->cx, s, NULL, "subjects", -EINVAL, "not a mapping");
		if ((rc = need(l, s, "subjects", "kind")) || (rc = need(l, s, "subjects", "name")))
			return rc;
	}
	return 0;
}

/* Takes root (a parsed document) into l->m. */
static int add_object(struct loader *l, struct mgo_yaml_node *root)
{
	struct mgoctl_manifests *m = l->m;
	const struct mgo_yaml_node *meta = mgo_yaml_get(root, "metadata");
	struct mgoctl_obj *o, *grown;
	int rc;

	if (root->type != MGO_YAML_MAP)
		rc = mgo_yaml_fail(&l->cx, root, NULL, NULL, -EINVAL, "not a Kubernetes object");
	else if (!(rc = need(l, root, NULL, "apiVersion")) && !(rc = need(l, root, NULL, "kind")))
		rc = need(l, meta, "metadata", "name");
	if (!rc && m->n == MAX_OBJECTS)
		rc = mgo_yaml_fail(&l->cx, root, NULL, NULL, -EINVAL, "more than %d objects",
				   MAX_OBJECTS);
	if (!rc && !(grown = realloc(m->objs, (m->n + 1) * sizeof(*m->objs))))
		rc = -ENOMEM;
	if (rc) {
		mgo_yaml_free(root);
		return rc;
	}
	m->objs = grown;
	o = &m->objs[m->n++];
	*o = (struct mgoctl_obj){l->file, field(root, "kind"), field(meta, "name"),
				 field(meta, "namespace"), root};
	if (is(o, "Role") || is(o, "RoleBinding"))
		if ((rc = need(l, meta, "metadata", "namespace")))
			return rc;
	if (is(o, "Role") || is(o, "ClusterRole"))
		return check_rules(l, root);
	if (is(o, "RoleBinding") || is(o, "ClusterRoleBinding"))
		return check_binding(l, o);
	return 0;
}

/* The end of the document starting at text[pos]: the next separator line,
 * "---" followed by nothing but blanks or a comment, split as kubectl's
 * reader (k8s.io/apimachinery's YAMLReader) does. mgo_yaml_parse takes one
 * document, and is kept that way for the config files. *next is where the
 * following document starts. */
static size_t doc_end(const char *text, size_t len, size_t pos, size_t *next)
{
	for (size_t line = pos; line < len;) {
		const char *nl = memchr(text + line, '\n', len - line);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;

		if (end - line >= 3 && memcmp(text + line, "---", 3) == 0) {
			size_t k = line + 3;
			while (k < end && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
				k++;
			if (k == end || text[k] == '\n' || text[k] == '#') {
				*next = end;
				return line;
			}
		}
		line = end;
	}
	*next = len;
	return len;
}

static int load_file(struct loader *l, const char *dir, const char *name, char *err,
		     size_t errlen)
{
	char path[1024], reason[128];
	char *text = NULL;
	size_t len = 0, pos = 0, next, end, line = 1, next_line;
	unsigned doc = 0;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -ENAMETOOLONG;
	}
	if ((rc = mgo_file_read(path, MGO_YAML_MAX_BYTES, &text, &len, reason, sizeof(reason)))) {
		snprintf(err, errlen, "%s: %s", path, reason);
		return rc;
	}
	/* positions in messages are relative to the document, whose first line
	 * the name gives */
	for (rc = 0; !rc && pos < len; pos = next, line = next_line) {
		struct mgo_yaml_node *root = NULL;

		end = doc_end(text, len, pos, &next);
		next_line = line;
		for (size_t i = pos; i < next; i++)
			next_line += text[i] == '\n';
		/* a leading "---" opens the first document rather than ending one */
		if (end == pos && pos == 0)
			continue;
		doc++;
		snprintf(l->what, sizeof(l->what), "%s (document %u, from line %zu)", path, doc,
			 line);
		if ((rc = mgo_yaml_parse(&l->cx, text + pos, end - pos, &root)) || !root)
			continue;
		rc = add_object(l, root);
	}
	free(text);
	return rc;
}

static int yaml_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0;
}

int mgoctl_manifests_load(const char *dir, struct mgoctl_manifests *m, char *err, size_t errlen)
{
	struct loader l = {.m = m, .cx = {.err = err, .errlen = errlen}};
	struct dirent **names = NULL;
	int n, rc = 0;

	*m = (struct mgoctl_manifests){0};
	l.cx.what = l.what;
	/* alphasort: the table must not depend on the directory's order */
	n = scandir(dir, &names, yaml_file, alphasort);
	if (n < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return rc;
	}
	if (n > MAX_FILES) {
		snprintf(err, errlen, "%s: more than %d manifest files", dir, MAX_FILES);
		rc = -EINVAL;
		goto out;
	}
	if (!(m->files = calloc((size_t)n + 1, sizeof(*m->files)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; !rc && i < n; i++) {
		if (!(m->files[m->nfiles] = strdup(names[i]->d_name))) {
			rc = -ENOMEM;
			break;
		}
		l.file = m->files[m->nfiles++];
		rc = load_file(&l, dir, l.file, err, errlen);
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", dir);
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

void mgoctl_manifests_free(struct mgoctl_manifests *m)
{
	for (size_t i = 0; i < m->n; i++)
		mgo_yaml_free(m->objs[i].root);
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->objs);
	free(m->files);
	*m = (struct mgoctl_manifests){0};
}

/* The RBAC authorizer's appliesTo for a ServiceAccount's user. */
static bool subject_matches(const struct mgo_yaml_node *s, const char *binding_ns,
			    const char *sa_ns, const char *sa_name)
{
	const char *kind = field(s, "kind"), *name = field(s, "name"), *ns = field(s, "namespace");
	char user[512];

	if (strcmp(kind, "ServiceAccount") == 0) {
		/* an empty namespace means the binding's own */
		ns = ns ? ns : binding_ns;
		return ns && strcmp(ns, sa_ns) == 0 && strcmp(name, sa_name) == 0;
	}
	snprintf(user, sizeof(user), "system:serviceaccount:%s:%s", sa_ns, sa_name);
	if (strcmp(kind, "User") == 0)
		return strcmp(name, user) == 0;
	if (strcmp(kind, "Group") != 0)
		return false;
	snprintf(user, sizeof(user), "system:serviceaccounts:%s", sa_ns);
	return strcmp(name, "system:serviceaccounts") == 0 || strcmp(name, user) == 0 ||
	       strcmp(name, "system:authenticated") == 0;
}

static const struct mgoctl_obj *find_role(const struct mgoctl_manifests *m, const char *kind,
					  const char *name, const char *ns)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mgoctl_obj *o = &m->objs[i];

		if (is(o, kind) && strcmp(o->name, name) == 0 &&
		    (strcmp(kind, "ClusterRole") == 0 || strcmp(o->ns, ns) == 0))
			return o;
	}
	return NULL;
}

void mgoctl_rbac_grants(const struct mgoctl_manifests *m, const char *sa_ns, const char *sa_name,
			void (*fn)(const struct mgoctl_grant *g, void *ctx), void *ctx)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mgoctl_obj *b = &m->objs[i];
		const struct mgo_yaml_node *subjects = mgo_yaml_get(b->root, "subjects");
		const struct mgo_yaml_node *ref = mgo_yaml_get(b->root, "roleRef");
		bool cluster = is(b, "ClusterRoleBinding");
		struct mgoctl_grant g;

		if (!cluster && !is(b, "RoleBinding"))
			continue;
		for (size_t k = 0; !mgo_yaml_is_null(subjects) && k < subjects->nkids; k++) {
			if (!subject_matches(subjects->kids[k], b->ns, sa_ns, sa_name))
				continue;
			g = (struct mgoctl_grant){b, NULL, field(ref, "kind"), field(ref, "name"),
						  cluster ? NULL : b->ns};
			g.role = find_role(m, g.ref_kind, g.ref_name, b->ns);
			fn(&g, ctx);
			break;
		}
	}
}

#include "tas_controllers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tas_crd.h"
#include "mgo/log.h"
#include "tas_objects.h"
#include "tas_util.h"

/* --- the dependents index: owner uid -> {"group\x1fresource\x1fkey": true} */

static void dep_key(char *buf, size_t len, const struct tas_bucket *b, const json_t *obj)
{
	char key[600];

	tas_store_key(key, sizeof(key), tas_meta(obj, "namespace"), tas_meta(obj, "name") ?: "");
	snprintf(buf, len, "%s\x1f%s\x1f%s", b->group, b->resource, key);
}

static int index_refs(struct tas_server *s, const struct tas_bucket *b, const json_t *obj,
		      bool add)
{
	const json_t *refs = tas_jpath(obj, "metadata.ownerReferences");
	char dk[900];
	size_t i;

	if (!json_array_size(refs))
		return 0;
	dep_key(dk, sizeof(dk), b, obj);
	for (i = 0; i < json_array_size(refs); i++) {
		const char *uid = tas_jstr(json_array_get(refs, i), "uid");
		json_t *set;
		if (!uid)
			continue;
		set = json_object_get(s->deps, uid);
		if (!add) {
			json_object_del(set, dk);
			if (set && json_object_size(set) == 0)
				json_object_del(s->deps, uid);
			continue;
		}
		if (!set) {
			set = json_object();
			if (!set || json_object_set_new(s->deps, uid, set))
				return -ENOMEM;
		}
		if (json_object_set_new(set, dk, json_true()))
			return -ENOMEM;
	}
	return 0;
}

/* A dependents entry back to its bucket and stored object (or NULL). */
static const json_t *dep_lookup(struct tas_server *s, const char *dk, struct tas_bucket **bp)
{
	char g[256], r[256], ns[256];
	const char *k = dk, *sep1 = strchr(k, '\x1f'), *sep2, *key, *slash;

	if (!sep1 || !(sep2 = strchr(sep1 + 1, '\x1f')))
		return NULL;
	snprintf(g, sizeof(g), "%.*s", (int)(sep1 - k), k);
	snprintf(r, sizeof(r), "%.*s", (int)(sep2 - sep1 - 1), sep1 + 1);
	key = sep2 + 1;
	*bp = tas_store_bucket(&s->store, g, r);
	if (!*bp)
		return NULL;
	slash = strchr(key, '/');
	if (!slash)
		return tas_store_get(*bp, NULL, key);
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	return tas_store_get(*bp, ns, slash + 1);
}

/* --- helpers ------------------------------------------------------------ */

static struct tas_restype *type_of(struct tas_server *s, const struct tas_bucket *b)
{
	return tas_registry_find_gr(&s->reg, b->group, b->resource);
}

static int delete_obj(struct tas_server *s, const struct tas_bucket *b, const json_t *obj,
		      const char *policy)
{
	struct tas_restype *rt = type_of(s, b);
	struct tas_dopts o = {.propagation = policy, .uid = tas_meta(obj, "uid")};
	struct tas_resp resp = {0};
	char ns[256], name[256];
	int rc;

	if (!rt)
		return 0;
	snprintf(ns, sizeof(ns), "%s", tas_meta(obj, "namespace") ?: "");
	snprintf(name, sizeof(name), "%s", tas_meta(obj, "name") ?: "");
	rc = tas_obj_delete(s, rt, ns, name, &o, &resp);
	json_decref(resp.body);
	return rc;
}

/* The owner an ownerReference of a dependent in namespace ns points at.
 * Returns 1 present (uid matches; *owner set), 0 absent, -1 unresolvable
 * (kind not served: kube's collector leaves such dependents alone). */
static int owner_of(struct tas_server *s, const json_t *ref, const char *ns,
		    const json_t **owner)
{
	const char *av = tas_jstr(ref, "apiVersion") ?: "";
	const char *slash = strchr(av, '/');
	char group[256];
	struct tas_restype *rt;
	struct tas_bucket *b;
	const json_t *o;

	*owner = NULL;
	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
	rt = tas_registry_find_kind(&s->reg, group, NULL, tas_jstr(ref, "kind") ?: "");
	if (!rt)
		return -1;
	b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	if (!b)
		return -1;
	o = tas_store_get(b, rt->namespaced ? ns : NULL, tas_jstr(ref, "name") ?: "");
	if (!o || strcmp(tas_meta(o, "uid") ?: "", tas_jstr(ref, "uid") ?: ""))
		return 0;
	*owner = o;
	return 1;
}

static bool waiting_for_dependents(const json_t *owner)
{
	return tas_obj_deleting(owner) && tas_obj_has_finalizer(owner, "foregroundDeletion");
}

static bool has_dependents(struct tas_server *s, const json_t *obj)
{
	return json_object_size(json_object_get(s->deps, tas_meta(obj, "uid") ?: "")) > 0;
}

/* attemptToDeleteItem: decide a dependent's fate from its owners. */
static int check_owners(struct tas_server *s, struct tas_bucket *b, const json_t *dep)
{
	const json_t *refs = tas_jpath(dep, "metadata.ownerReferences");
	const char *ns = tas_meta(dep, "namespace");
	size_t i, absent = 0, present = 0, waiting = 0, unknown = 0;
	json_t *copy, *keep;
	int rc;

	for (i = 0; i < json_array_size(refs); i++) {
		const json_t *owner;
		int r = owner_of(s, json_array_get(refs, i), ns, &owner);
		if (r < 0)
			unknown++;
		else if (r == 0)
			absent++;
		else {
			present++;
			if (waiting_for_dependents(owner))
				waiting++;
		}
	}
	if (!absent && !(present && waiting == present))
		return 0;
	if (tas_obj_deleting(dep) && !(absent && !present && !unknown))
		return 0;
	if (!present && !unknown)
		return tas_obj_deleting(dep) ? 0 : delete_obj(s, b, dep, "Background");
	if (present && waiting == present && !tas_obj_deleting(dep))
		return delete_obj(s, b, dep,
				  has_dependents(s, dep) ? "Foreground" : "Background");
	if (!absent)
		return 0;
	/* some owners gone, others not: drop the dangling references */
	copy = json_deep_copy(dep);
	keep = copy ? tas_jpath(copy, "metadata.ownerReferences") : NULL;
	if (!keep)
		goto oom;
	for (i = json_array_size(keep); i-- > 0;) {
		const json_t *owner;
		if (owner_of(s, json_array_get(keep, i), ns, &owner) == 0)
			json_array_remove(keep, i);
	}
	rc = tas_obj_commit(s, b, copy);
	return rc;
oom:
	json_decref(copy);
	return -ENOMEM;
}

/* Collects the dependents of uid into an array of "dk" strings first, since
 * handling them edits the index. */
static json_t *dependents(struct tas_server *s, const char *uid)
{
	json_t *set = json_object_get(s->deps, uid ?: "");
	json_t *out = json_array();
	const char *dk;
	json_t *v;

	if (!out)
		return NULL;
	json_object_foreach(set, dk, v) {
		if (json_array_append_new(out, json_string(dk))) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Calls fn for every stored dependent of owner, stopping at the first
 * non-zero return. */
static int each_dependent(struct tas_server *s, const json_t *owner,
			  int (*fn)(struct tas_server *s, struct tas_bucket *b, const json_t *dep,
				    const json_t *owner, void *ctx),
			  void *ctx)
{
	json_t *deps = dependents(s, tas_meta(owner, "uid"));
	size_t i;
	int rc = 0;

	if (!deps)
		return -ENOMEM;
	for (i = 0; i < json_array_size(deps) && !rc; i++) {
		struct tas_bucket *db;
		const json_t *d = dep_lookup(s, json_string_value(json_array_get(deps, i)), &db);
		if (d)
			rc = fn(s, db, d, owner, ctx);
	}
	json_decref(deps);
	return rc;
}

static int count_blocking(struct tas_server *s, struct tas_bucket *b, const json_t *dep,
			  const json_t *owner, void *ctx)
{
	const json_t *refs = tas_jpath(dep, "metadata.ownerReferences");
	const char *uid = tas_meta(owner, "uid");
	size_t k, *blocking = ctx;

	for (k = 0; k < json_array_size(refs); k++) {
		const json_t *r = json_array_get(refs, k);
		if (strcmp(tas_jstr(r, "uid") ?: "", uid) == 0 &&
		    json_is_true(json_object_get(r, "blockOwnerDeletion")))
			(*blocking)++;
	}
	return 0;
}

/* A foreground deletion ends when no dependent blocks it any more. */
static int foreground_done(struct tas_server *s, struct tas_bucket *b, const json_t *owner)
{
	size_t blocking = 0;
	int rc = each_dependent(s, owner, count_blocking, &blocking);

	if (rc || blocking)
		return rc;
	return tas_obj_commit(s, b, tas_obj_without_finalizer(owner, "foregroundDeletion"));
}

static int drop_owner_ref(struct tas_server *s, struct tas_bucket *b, const json_t *dep,
			  const json_t *owner, void *ctx)
{
	const char *uid = tas_meta(owner, "uid");
	json_t *copy = json_deep_copy(dep);
	json_t *refs = copy ? tas_jpath(copy, "metadata.ownerReferences") : NULL;
	size_t k;

	if (!refs) {
		json_decref(copy);
		return -ENOMEM;
	}
	for (k = json_array_size(refs); k-- > 0;)
		if (strcmp(tas_jstr(json_array_get(refs, k), "uid") ?: "", uid) == 0)
			json_array_remove(refs, k);
	if (json_array_size(refs) == 0)
		json_object_del(json_object_get(copy, "metadata"), "ownerReferences");
	return tas_obj_commit(s, b, copy);
}

static int orphan(struct tas_server *s, struct tas_bucket *b, const json_t *owner)
{
	int rc = each_dependent(s, owner, drop_owner_ref, NULL);

	if (rc)
		return rc;
	return tas_obj_commit(s, b, tas_obj_without_finalizer(owner, "orphan"));
}

static int delete_one(struct tas_server *s, struct tas_bucket *b, const json_t *dep,
		      const json_t *owner, void *ctx)
{
	if (tas_obj_deleting(dep))
		return 0;
	return delete_obj(s, b, dep, has_dependents(s, dep) ? "Foreground" : "Background");
}

static int delete_dependents(struct tas_server *s, const json_t *owner)
{
	return each_dependent(s, owner, delete_one, NULL);
}

/* --- namespaces ---------------------------------------------------------- */

static int namespace_content(struct tas_server *s, const char *ns, bool *any)
{
	size_t bi, i;
	int rc = 0;

	*any = false;
	for (bi = 0; bi < s->store.n_buckets && !rc; bi++) {
		struct tas_bucket *b = s->store.buckets[bi];
		json_t *doomed = json_array();
		size_t first, last;
		if (!doomed)
			return -ENOMEM;
		tas_store_ns_range(b, ns, &first, &last);
		for (i = first; i < last; i++) {
			*any = true;
			if (!tas_obj_deleting(b->items[i].obj) &&
			    json_array_append(doomed, b->items[i].obj))
				rc = -ENOMEM;
		}
		for (i = 0; i < json_array_size(doomed) && !rc; i++)
			rc = delete_obj(s, b, json_array_get(doomed, i), "Background");
		json_decref(doomed);
	}
	return rc;
}

static int namespace_finalize(struct tas_server *s, const char *ns)
{
	struct tas_bucket *nb = tas_store_bucket(&s->store, "", "namespaces");
	const json_t *nso = nb ? tas_store_get(nb, NULL, ns) : NULL;
	json_t *copy;
	bool any;
	int rc;

	if (!nso || !tas_obj_deleting(nso) || !json_array_size(tas_jpath(nso, "spec.finalizers")))
		return 0;
	rc = namespace_content(s, ns, &any);
	if (rc || any)
		return rc;
	copy = json_deep_copy(nso);
	if (!copy || json_object_set_new(tas_jobj(copy, "spec"), "finalizers", json_array())) {
		json_decref(copy);
		return -ENOMEM;
	}
	return tas_obj_commit(s, nb, copy);
}

/* The service account controller keeps a "default" ServiceAccount in every
 * live namespace, recreating it when deleted. */
static int default_service_account(struct tas_server *s, const char *ns)
{
	struct tas_bucket *b = tas_store_bucket(&s->store, "", "serviceaccounts");
	struct tas_restype *rt = tas_registry_find(&s->reg, "", "v1", "serviceaccounts");
	struct tas_wopts o = {.subresource = ""};
	struct tas_resp resp = {0};
	json_t *sa;
	int rc;

	struct tas_bucket *nb = tas_store_bucket(&s->store, "", "namespaces");
	const json_t *nso = nb ? tas_store_get(nb, NULL, ns) : NULL;

	if (!b || !rt || !nb)
		return -ENOMEM;
	if (!nso || tas_obj_deleting(nso) || tas_store_get(b, ns, "default"))
		return 0;
	sa = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "ServiceAccount",
		       "metadata", "name", "default");
	if (!sa)
		return -ENOMEM;
	rc = tas_obj_create(s, rt, ns, sa, &o, &resp);
	json_decref(resp.body);
	return rc;
}

/* --- CRDs ---------------------------------------------------------------- */

static int crd_changed(struct tas_server *s, struct tas_bucket *b, const json_t *crd)
{
	const char *group = tas_jpath_str(crd, "spec.group") ?: "";
	const char *plural = tas_jpath_str(crd, "spec.names.plural") ?: "";
	json_t *next;
	int err = 0;

	if (tas_obj_deleting(crd)) {
		struct tas_bucket *cb = tas_store_bucket(&s->store, group, plural);
		json_t *doomed = json_array();
		size_t i;
		int rc = 0;
		if (!cb || !doomed) {
			json_decref(doomed);
			return -ENOMEM;
		}
		for (i = 0; i < cb->n; i++)
			if (!tas_obj_deleting(cb->items[i].obj) &&
			    json_array_append(doomed, cb->items[i].obj))
				rc = -ENOMEM;
		for (i = 0; i < json_array_size(doomed) && !rc; i++)
			rc = delete_obj(s, cb, json_array_get(doomed, i), "Background");
		json_decref(doomed);
		if (rc || cb->n || !tas_obj_has_finalizer(crd, TAS_CRD_CLEANUP_FINALIZER))
			return rc;
		return tas_obj_commit(s, b, tas_obj_without_finalizer(crd, TAS_CRD_CLEANUP_FINALIZER));
	}
	next = tas_crd_established(crd, &err);
	if (err)
		return err;
	if (next)
		return tas_obj_commit(s, b, next);
	err = tas_registry_set_crd(&s->reg, crd);
	if (err == -EINVAL) {
		mgo_warn("crd.unservable", "CRD %s: cannot serve its kinds",
			 tas_meta(crd, "name") ?: "");
		err = 0;
	}
	return err;
}

/* --- the loop ------------------------------------------------------------ */

static bool is_bucket(const struct tas_bucket *b, const char *group, const char *resource)
{
	return strcmp(b->group, group) == 0 && strcmp(b->resource, resource) == 0;
}

static int recheck(struct tas_server *s, struct tas_bucket *b, const json_t *dep,
		   const json_t *owner, void *ctx)
{
	return check_owners(s, b, dep);
}

static int on_deleted(struct tas_server *s, struct tas_bucket *b, const json_t *obj)
{
	const json_t *refs = tas_jpath(obj, "metadata.ownerReferences");
	const char *ns = tas_meta(obj, "namespace");
	size_t i;
	int rc = 0;

	if (is_bucket(b, "apiextensions.k8s.io", "customresourcedefinitions"))
		tas_registry_drop_crd(&s->reg, tas_meta(obj, "name") ?: "");
	if (is_bucket(b, "", "serviceaccounts") &&
	    strcmp(tas_meta(obj, "name") ?: "", "default") == 0) {
		rc = default_service_account(s, ns ?: "");
		if (rc)
			return rc;
	}
	rc = each_dependent(s, obj, recheck, NULL);
	for (i = 0; i < json_array_size(refs) && !rc; i++) {
		const json_t *owner;
		if (owner_of(s, json_array_get(refs, i), ns, &owner) == 1 &&
		    waiting_for_dependents(owner)) {
			const char *av = tas_jstr(json_array_get(refs, i), "apiVersion") ?: "";
			const char *slash = strchr(av, '/');
			char group[256];
			struct tas_restype *ort;
			snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
			ort = tas_registry_find_kind(&s->reg, group, NULL,
						     tas_jstr(json_array_get(refs, i), "kind") ?: "");
			if (ort)
				rc = foreground_done(s, tas_store_bucket(&s->store, ort->storage_group,
									 ort->storage_resource),
						     owner);
		}
	}
	if (!rc && ns && *ns)
		rc = namespace_finalize(s, ns);
	return rc;
}

static int on_written(struct tas_server *s, struct tas_bucket *b, const json_t *obj)
{
	int rc = 0;

	if (is_bucket(b, "apiextensions.k8s.io", "customresourcedefinitions")) {
		rc = crd_changed(s, b, obj);
		if (rc)
			return rc;
	}
	if (is_bucket(b, "", "namespaces")) {
		if (!tas_obj_deleting(obj))
			rc = default_service_account(s, tas_meta(obj, "name") ?: "");
		else
			rc = namespace_finalize(s, tas_meta(obj, "name") ?: "");
		if (rc)
			return rc;
	}
	if (tas_obj_deleting(obj)) {
		if (tas_obj_has_finalizer(obj, "orphan"))
			return orphan(s, b, obj);
		if (tas_obj_has_finalizer(obj, "foregroundDeletion")) {
			rc = delete_dependents(s, obj);
			if (rc)
				return rc;
			obj = tas_store_get(b, tas_meta(obj, "namespace"), tas_meta(obj, "name") ?: "");
			if (obj && tas_obj_has_finalizer(obj, "foregroundDeletion"))
				rc = foreground_done(s, b, obj);
			if (rc)
				return rc;
		}
	}
	if (obj && json_array_size(tas_jpath(obj, "metadata.ownerReferences")))
		rc = check_owners(s, b, obj);
	return rc;
}

int tas_controllers_settle(struct tas_server *s)
{
	unsigned long budget = 1000000;
	int rc = 0;

	while (budget--) {
		size_t i = tas_store_events_after(&s->store, s->gc_seen);
		const struct tas_event *e;
		struct tas_bucket *b;
		json_t *old, *obj;
		enum tas_ev_type type;

		if (i == tas_store_event_count(&s->store)) {
			s->gc_seen = s->store.rv;
			return 0;
		}
		e = tas_store_event(&s->store, i);
		/* the ring may move under our writes: keep what we need */
		s->gc_seen = e->rv;
		b = e->b;
		type = e->type;
		old = json_incref(e->old);
		obj = json_incref(e->obj);
		if (old)
			rc = index_refs(s, b, old, false);
		if (!rc && type != TAS_DELETED)
			rc = index_refs(s, b, obj, true);
		if (!rc) {
			/* act on the current state, which later events may have changed */
			const json_t *cur = tas_store_get(b, tas_meta(obj, "namespace"),
							  tas_meta(obj, "name") ?: "");
			if (type == TAS_DELETED)
				rc = on_deleted(s, b, obj);
			else if (cur == obj)
				rc = on_written(s, b, cur);
		}
		json_decref(old);
		json_decref(obj);
		if (rc)
			return rc;
	}
	mgo_error("controllers.unsettled", "controllers did not settle after a million events");
	return 0;
}

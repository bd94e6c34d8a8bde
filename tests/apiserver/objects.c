#include "tas_objects.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "tas_admission.h"
#include "tas_status.h"
#include "tas_util.h"
#include "tas_validate.h"
#include "tas_vap.h"

void tas_resp_set(struct tas_resp *resp, int code, json_t *body)
{
	json_decref(resp->body);
	resp->code = code;
	resp->body = body;
}

bool tas_obj_deleting(const json_t *obj)
{
	return tas_meta(obj, "deletionTimestamp") != NULL;
}

bool tas_obj_has_finalizer(const json_t *obj, const char *f)
{
	const json_t *fin = tas_jpath(obj, "metadata.finalizers");
	size_t i;

	for (i = 0; i < json_array_size(fin); i++)
		if (strcmp(json_string_value(json_array_get(fin, i)) ?: "", f) == 0)
			return true;
	return false;
}

json_t *tas_obj_without_finalizer(const json_t *obj, const char *f)
{
	json_t *out = json_deep_copy(obj);
	json_t *fin = tas_jpath(out, "metadata.finalizers");
	size_t i;

	for (i = json_array_size(fin); i-- > 0;)
		if (strcmp(json_string_value(json_array_get(fin, i)) ?: "", f) == 0)
			json_array_remove(fin, i);
	if (fin && json_array_size(fin) == 0)
		json_object_del(json_object_get(out, "metadata"), "finalizers");
	return out;
}

/* Finalizers keep a deleted object; a namespace also waits for its
 * spec.finalizers (the namespace controller's "kubernetes"). */
static bool held(const json_t *obj)
{
	bool ns = strcmp(tas_jstr(obj, "kind") ?: "", "Namespace") == 0 &&
		  strcmp(tas_jstr(obj, "apiVersion") ?: "", "v1") == 0;

	return json_array_size(tas_jpath(obj, "metadata.finalizers")) > 0 ||
	       (ns && json_array_size(tas_jpath(obj, "spec.finalizers")) > 0);
}

int tas_obj_commit(struct tas_server *s, struct tas_bucket *b, json_t *obj)
{
	int rc;

	if (tas_obj_deleting(obj) && !held(obj)) {
		char ns[256], name[256];
		snprintf(ns, sizeof(ns), "%s", tas_meta(obj, "namespace") ?: "");
		snprintf(name, sizeof(name), "%s", tas_meta(obj, "name") ?: "");
		json_decref(obj);
		rc = tas_store_delete(&s->store, b, ns, name, NULL);
		return rc == -ENOENT ? 0 : rc;
	}
	return tas_store_put(&s->store, b, obj);
}

json_t *tas_obj_present(const struct tas_restype *rt, const json_t *stored)
{
	char av[300];
	json_t *out;

	if (!stored)
		return NULL;
	if (rt->to_version)
		return rt->to_version(stored);
	tas_restype_api_version(rt, av, sizeof(av));
	if (strcmp(tas_jstr(stored, "apiVersion") ?: "", av) == 0)
		return json_incref((json_t *)(uintptr_t)stored);
	out = json_deep_copy(stored);
	if (out && json_object_set_new(out, "apiVersion", json_string(av))) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The apiVersion objects of rt are stored under. */
static void storage_api_version(const struct tas_restype *rt, char *buf, size_t len)
{
	const json_t *vs = tas_jpath(rt->crd, "spec.versions");
	const char *v = rt->version;
	size_t i;

	if (rt->from_version) {
		snprintf(buf, len, "v1");
		return;
	}
	for (i = 0; i < json_array_size(vs); i++)
		if (json_is_true(json_object_get(json_array_get(vs, i), "storage")))
			v = tas_jstr(json_array_get(vs, i), "name") ?: v;
	snprintf(buf, len, "%s%s%s", rt->group, *rt->group ? "/" : "", v);
}

/* Input in rt's version -> the stored form (kind/apiVersion checked). */
static json_t *ingest(const struct tas_restype *rt, json_t *in, struct tas_resp *resp)
{
	char want[300], av[300];
	const char *got_av = tas_jstr(in, "apiVersion");
	const char *got_kind = tas_jstr(in, "kind");
	json_t *out;

	tas_restype_api_version(rt, want, sizeof(want));
	if (got_av && strcmp(got_av, want)) {
		char msg[700];
		snprintf(msg, sizeof(msg),
			 "the API version in the data (%s) does not match the expected API "
			 "version (%s)", got_av, want);
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		json_decref(in);
		return NULL;
	}
	if (got_kind && strcmp(got_kind, rt->kind)) {
		char msg[700];
		snprintf(msg, sizeof(msg), "%s in version \"%s\" cannot be handled as a %s: "
			 "the kind in the data (%s) does not match the expected kind",
			 rt->kind, rt->version, rt->kind, got_kind);
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		json_decref(in);
		return NULL;
	}
	if (json_object_set_new(in, "kind", json_string(rt->kind)) ||
	    json_object_set_new(in, "apiVersion", json_string(want)))
		goto oom;
	if (rt->from_version) {
		out = rt->from_version(in);
		json_decref(in);
		if (!out)
			goto oom_nofree;
		return out;
	}
	storage_api_version(rt, av, sizeof(av));
	if (json_object_set_new(in, "apiVersion", json_string(av)))
		goto oom;
	return in;
oom:
	json_decref(in);
oom_nofree:
	tas_resp_set(resp, 500, tas_status_internal("out of memory"));
	return NULL;
}

static json_t *meta_of(json_t *obj)
{
	return tas_jobj(obj, "metadata");
}

/* Fields of metadata that only the server writes. */
static const char *const system_meta[] = {"uid", "creationTimestamp", "deletionTimestamp",
					  "deletionGracePeriodSeconds", "generation",
					  "selfLink", "managedFields", NULL};

static int copy_system_meta(json_t *meta, const json_t *old_meta)
{
	size_t i;

	for (i = 0; system_meta[i]; i++) {
		json_t *v = json_object_get(old_meta, system_meta[i]);
		if (v && strcmp(system_meta[i], "managedFields") &&
		    strcmp(system_meta[i], "selfLink")) {
			if (json_object_set(meta, system_meta[i], v))
				return -ENOMEM;
		} else {
			json_object_del(meta, system_meta[i]);
		}
	}
	return 0;
}

static int generate_name(json_t *meta, const char *prefix)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char rnd[5];
	char name[300];
	size_t n, i;

	if (tas_random(rnd, sizeof(rnd)))
		return -EIO;
	/* kube caps the prefix so prefix+suffix stays within 63 */
	n = strlen(prefix);
	if (n > 58)
		n = 58;
	memcpy(name, prefix, n);
	for (i = 0; i < 5; i++)
		name[n + i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	name[n + 5] = '\0';
	return json_object_set_new(meta, "name", json_string(name)) ? -ENOMEM : 0;
}

static int validate_owner_refs(const json_t *refs, json_t *causes)
{
	size_t i, controllers = 0;

	for (i = 0; i < json_array_size(refs); i++) {
		const json_t *r = json_array_get(refs, i);
		static const char *const req[] = {"apiVersion", "kind", "name", "uid"};
		size_t k;
		for (k = 0; k < 4; k++) {
			char field[64];
			const char *v = tas_jstr(r, req[k]);
			if (v && *v)
				continue;
			snprintf(field, sizeof(field), "metadata.ownerReferences.%s", req[k]);
			if (tas_invalid(causes, field, v ?: "",
					strcmp(req[k], "uid") == 0 ? "uid must not be empty"
					: strcmp(req[k], "apiVersion") == 0
						? "version must not be empty"
						: strcmp(req[k], "kind") == 0 ? "kind must not be empty"
									      : "name must not be empty"))
				return -ENOMEM;
		}
		if (json_is_true(json_object_get(r, "controller")))
			controllers++;
	}
	if (controllers > 1 &&
	    tas_cause_add(causes, "FieldValueInvalid", "metadata.ownerReferences",
			  "Invalid value: []v1.OwnerReference{...}: Only one reference can "
			  "have Controller set to true"))
		return -ENOMEM;
	return 0;
}

/* Generic checks of metadata plus the kind's own (and, for custom
 * resources, its schema). Appends causes. */
static int validate(const struct tas_restype *rt, const json_t *obj, const json_t *old,
		    json_t *causes)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *name = tas_jstr(meta, "name");
	const json_t *labels = json_object_get(meta, "labels");
	const json_t *ann = json_object_get(meta, "annotations");

	if (!old && name && tas_validate_name(rt->name_rule, "metadata.name", name, causes))
		return -ENOMEM;
	if (labels && tas_validate_labels(labels, "metadata.labels", causes))
		return -ENOMEM;
	if (ann && tas_validate_annotations(ann, "metadata.annotations", causes))
		return -ENOMEM;
	if (validate_owner_refs(json_object_get(meta, "ownerReferences"), causes))
		return -ENOMEM;
	if (old && tas_obj_deleting(old)) {
		const json_t *fin = json_object_get(meta, "finalizers");
		size_t i;
		for (i = 0; i < json_array_size(fin); i++) {
			const char *f = json_string_value(json_array_get(fin, i)) ?: "";
			if (tas_obj_has_finalizer(old, f))
				continue;
			if (tas_cause_add(causes, "FieldValueForbidden", "metadata.finalizers",
					  "Forbidden: no new finalizers can be added if the object "
					  "is being deleted, found new finalizers []string{\"%s\"}",
					  f))
				return -ENOMEM;
		}
	}
	if (rt->validate && rt->validate(obj, old, causes))
		return -ENOMEM;
	return 0;
}

/* Everything but metadata (and status where a subresource owns it). */
static bool spec_changed(const struct tas_restype *rt, const json_t *a, const json_t *b)
{
	json_t *x = json_copy((json_t *)(uintptr_t)a), *y = json_copy((json_t *)(uintptr_t)b);
	bool changed;

	json_object_del(x, "metadata");
	json_object_del(y, "metadata");
	if (rt->flags & TAS_RT_STATUS) {
		json_object_del(x, "status");
		json_object_del(y, "status");
	}
	changed = !json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return changed;
}

static int set_generation(json_t *meta, long long g)
{
	return json_object_set_new(meta, "generation", json_integer(g)) ? -ENOMEM : 0;
}

static struct tas_bucket *bucket_of(struct tas_server *s, const struct tas_restype *rt)
{
	return tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
}

/* Namespaced writes need a live namespace (NamespaceLifecycle admission). */
static bool namespace_ok(struct tas_server *s, const struct tas_restype *rt, const char *ns,
			 const char *name, struct tas_resp *resp)
{
	struct tas_bucket *nb;
	const json_t *nso;

	if (!rt->namespaced)
		return true;
	nb = tas_store_bucket(&s->store, "", "namespaces");
	nso = nb ? tas_store_get(nb, NULL, ns) : NULL;
	if (!nso) {
		tas_resp_set(resp, 404, tas_status_not_found("", "namespaces", ns));
		return false;
	}
	if (tas_obj_deleting(nso)) {
		char why[400];
		json_t *st;
		snprintf(why, sizeof(why),
			 "unable to create new content in namespace %s because it is being "
			 "terminated", ns);
		st = tas_status_forbidden(rt->group, rt->resource, name, why);
		if (st)
			json_object_set_new(json_object_get(st, "details"), "causes",
					    json_pack("[{s:s, s:s, s:s}]", "reason",
						      "NamespaceTerminating", "message", why,
						      "field", "metadata.namespace"));
		tas_resp_set(resp, 403, st);
		return false;
	}
	return true;
}

static int respond_object(struct tas_resp *resp, int code, const struct tas_restype *rt,
			  const json_t *stored)
{
	json_t *out = tas_obj_present(rt, stored);

	if (!out)
		return -ENOMEM;
	tas_resp_set(resp, code, out);
	return 0;
}

static void invalid(struct tas_resp *resp, const struct tas_restype *rt, const char *name,
		    json_t *causes)
{
	tas_resp_set(resp, 422, tas_status_invalid(rt->group, rt->kind, name ?: "", causes));
}

/* A custom resource's structural schema: prune, default, validate. Unknown
 * (pruned) fields are a 400 under fieldValidation=Strict and a warning
 * under Warn, as kube-apiserver reports them. Returns 0 to go on, 1 when
 * resp holds the 400, -ENOMEM. */
static int apply_schema(const struct tas_restype *rt, json_t *obj, const struct tas_wopts *o,
			json_t *causes, struct tas_resp *resp)
{
	const json_t *schema = tas_restype_schema(rt);
	json_t *unknown = NULL, *found;
	size_t i, off;
	int rc = 0;

	if (!(rt->flags & TAS_RT_CUSTOM) || !schema)
		return 0;
	found = tas_schema_apply_ex(schema, obj, &unknown);
	if (!found)
		return -ENOMEM;
	if (json_array_extend(causes, found))
		rc = -ENOMEM;
	json_decref(found);
	if (rc || !json_array_size(unknown) || o->field_validation == TAS_FV_IGNORE)
		goto out;
	if (o->field_validation == TAS_FV_STRICT) {
		char msg[2048];
		off = (size_t)snprintf(msg, sizeof(msg),
				       "%s in version \"%s\" cannot be handled as a %s: strict "
				       "decoding error: ", rt->kind, rt->version, rt->kind);
		for (i = 0; i < json_array_size(unknown) && off < sizeof(msg); i++)
			off += (size_t)snprintf(msg + off, sizeof(msg) - off,
						"%sunknown field \"%s\"", i ? ", " : "",
						json_string_value(json_array_get(unknown, i)));
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		rc = 1;
		goto out;
	}
	off = strlen(resp->warning);
	for (i = 0; i < json_array_size(unknown) && off < sizeof(resp->warning); i++)
		off += (size_t)snprintf(resp->warning + off, sizeof(resp->warning) - off,
					"%sunknown field \"%s\"", off ? "\n" : "",
					json_string_value(json_array_get(unknown, i)));
out:
	json_decref(unknown);
	return rc;
}

/* Defaulting, schema and validation, shared by create and update (old
 * NULL on create). 0 to go on, 1 when resp holds the 400 or 422, -ENOMEM. */
static int admit(const struct tas_restype *rt, json_t *obj, const json_t *old, const char *name,
		 const struct tas_wopts *o, struct tas_resp *resp)
{
	json_t *causes = json_array();
	char err[512] = "";
	int rc = -ENOMEM;

	if (!causes)
		return -ENOMEM;
	if (rt->on_write && (rc = rt->on_write(obj, err, sizeof(err)))) {
		if (rc == -EINVAL) {
			tas_resp_set(resp, 400, tas_status_bad_request(err));
			rc = 1;
		}
		goto out;
	}
	rc = apply_schema(rt, obj, o, causes, resp);
	if (rc)
		goto out;
	rc = -ENOMEM;
	if (validate(rt, obj, old, causes))
		goto out;
	rc = 0;
	if (json_array_size(causes)) {
		invalid(resp, rt, name, causes);
		rc = 1;
	}
out:
	json_decref(causes);
	return rc;
}

int tas_obj_create(struct tas_server *s, struct tas_restype *rt, const char *ns, json_t *in,
		   const struct tas_wopts *o, struct tas_resp *resp)
{
	struct tas_bucket *b = bucket_of(s, rt);
	json_t *obj = NULL, *meta, *causes = json_array();
	const char *name, *body_ns;
	char uid[37], now[21];
	int rc = -ENOMEM;

	if (!b || !causes) {
		json_decref(in);
		goto out;
	}
	obj = ingest(rt, in, resp);
	if (!obj) {
		rc = 0;
		goto out;
	}
	meta = meta_of(obj);
	if (!meta)
		goto out;
	body_ns = tas_jstr(meta, "namespace");
	if (rt->namespaced) {
		if (body_ns && *body_ns && strcmp(body_ns, ns)) {
			tas_resp_set(resp, 400,
				     tas_status_bad_request("the namespace of the provided object "
							    "does not match the namespace sent on "
							    "the request"));
			rc = 0;
			goto out;
		}
		if (json_object_set_new(meta, "namespace", json_string(ns)))
			goto out;
	} else {
		json_object_del(meta, "namespace");
	}
	if (tas_jstr(meta, "resourceVersion") && *tas_jstr(meta, "resourceVersion")) {
		tas_resp_set(resp, 500,
			     tas_status_internal("resourceVersion should not be set on objects "
						 "to be created"));
		rc = 0;
		goto out;
	}
	name = tas_jstr(meta, "name");
	if ((!name || !*name) && tas_jstr(meta, "generateName") &&
	    *tas_jstr(meta, "generateName")) {
		rc = generate_name(meta, tas_jstr(meta, "generateName"));
		if (rc)
			goto out;
		rc = -ENOMEM;
		name = tas_jstr(meta, "name");
	}
	if (!name || !*name) {
		if (tas_required(causes, "metadata.name", "name or generateName is required"))
			goto out;
		invalid(resp, rt, "", causes);
		rc = 0;
		goto out;
	}
	if (!namespace_ok(s, rt, ns, name, resp)) {
		rc = 0;
		goto out;
	}
	for (size_t i = 0; system_meta[i]; i++)
		json_object_del(meta, system_meta[i]);
	if (tas_uuid(uid))
		goto out;
	tas_time_format(time(NULL), now);
	if (json_object_set_new(meta, "uid", json_string(uid)) ||
	    json_object_set_new(meta, "creationTimestamp", json_string(now)) ||
	    ((rt->flags & TAS_RT_GENERATION) && set_generation(meta, 1)))
		goto out;
	if ((rt->flags & (TAS_RT_CUSTOM | TAS_RT_STATUS)) == (TAS_RT_CUSTOM | TAS_RT_STATUS))
		json_object_del(obj, "status");
	if (rt->on_create && rt->on_create(obj))
		goto out;
	rc = admit(rt, obj, NULL, name, o, resp);
	if (rc) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	if (o->req && !tas_admit_owner_refs(s, o->req, rt, obj, NULL, resp))
		goto out;
	rc = o->req ? tas_admit_vap(s, o->req, rt, o->subresource, obj, NULL, o->dry_run, resp)
		    : 0;
	if (rc) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	rc = -ENOMEM;
	if (tas_store_get(b, ns, name)) {
		tas_resp_set(resp, 409, tas_status_already_exists(rt->group, rt->resource, name));
		rc = 0;
		goto out;
	}
	if (o->dry_run) {
		rc = respond_object(resp, 201, rt, obj);
		goto out;
	}
	rc = tas_store_put(&s->store, b, json_incref(obj));
	if (rc)
		goto out;
	rc = respond_object(resp, 201, rt, obj);
out:
	json_decref(obj);
	json_decref(causes);
	return rc;
}

/* The object an update asks for, before validation: what the subresource
 * may change applied over the old object. */
static json_t *merge_update(const struct tas_restype *rt, const json_t *old, json_t *in,
			    const char *sub)
{
	json_t *out;

	if (strcmp(sub, "status") == 0) {
		out = json_deep_copy(old);
		if (!out)
			return NULL;
		if (json_object_get(in, "status")) {
			if (json_object_set(out, "status", json_object_get(in, "status")))
				goto fail;
		} else {
			json_object_del(out, "status");
		}
		return out;
	}
	if (strcmp(sub, "finalize") == 0) {
		json_t *spec;
		out = json_deep_copy(old);
		spec = out ? tas_jobj(out, "spec") : NULL;
		if (!spec || json_object_set(spec, "finalizers",
					     tas_jpath(in, "spec.finalizers") ?: json_array()))
			goto fail;
		return out;
	}
	out = json_incref(in);
	if (rt->flags & TAS_RT_STATUS) {
		if (json_object_get(old, "status")) {
			if (json_object_set(out, "status", json_object_get(old, "status")))
				goto fail;
		} else {
			json_object_del(out, "status");
		}
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

int tas_obj_update(struct tas_server *s, struct tas_restype *rt, const char *ns,
		   const char *name, json_t *in, const struct tas_wopts *o,
		   struct tas_resp *resp)
{
	struct tas_bucket *b = bucket_of(s, rt);
	const json_t *old;
	json_t *obj = NULL, *next = NULL, *meta, *causes = json_array();
	const char *body_name, *body_ns, *rv, *uid;
	int rc = -ENOMEM;

	if (!b || !causes) {
		json_decref(in);
		goto out;
	}
	old = tas_store_get(b, rt->namespaced ? ns : NULL, name);
	if (!old && (rt->flags & TAS_RT_CREATE_ON_UPDATE) && !*o->subresource) {
		json_t *m = meta_of(in);
		if (m)
			json_object_del(m, "resourceVersion");
		json_decref(causes);
		return tas_obj_create(s, rt, ns, in, o, resp);
	}
	if (!old) {
		json_decref(in);
		tas_resp_set(resp, 404, tas_status_not_found(rt->group, rt->resource, name));
		rc = 0;
		goto out;
	}
	obj = ingest(rt, in, resp);
	if (!obj) {
		rc = 0;
		goto out;
	}
	meta = meta_of(obj);
	if (!meta)
		goto out;
	body_name = tas_jstr(meta, "name");
	body_ns = tas_jstr(meta, "namespace");
	if (body_name && *body_name && strcmp(body_name, name)) {
		char msg[600];
		snprintf(msg, sizeof(msg),
			 "the name of the object (%s) does not match the name on the URL (%s)",
			 body_name, name);
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		rc = 0;
		goto out;
	}
	if (rt->namespaced && body_ns && *body_ns && strcmp(body_ns, ns)) {
		tas_resp_set(resp, 400,
			     tas_status_bad_request("the namespace of the provided object does "
						    "not match the namespace sent on the request"));
		rc = 0;
		goto out;
	}
	rv = tas_jstr(meta, "resourceVersion");
	if (!rv || !*rv) {
		if (!(rt->flags & TAS_RT_UNCONDITIONAL)) {
			if (tas_cause_add(causes, "FieldValueInvalid", "metadata.resourceVersion",
					  "Invalid value: 0x0: must be specified for an update"))
				goto out;
			invalid(resp, rt, name, causes);
			rc = 0;
			goto out;
		}
	} else if (strcmp(rv, tas_meta(old, "resourceVersion") ?: "")) {
		tas_resp_set(resp, 409,
			     tas_status_conflict(rt->group, rt->resource, name,
						 "the object has been modified; please apply your "
						 "changes to the latest version and try again"));
		rc = 0;
		goto out;
	}
	uid = tas_jstr(meta, "uid");
	if (uid && *uid && strcmp(uid, tas_meta(old, "uid") ?: "")) {
		char why[300];
		snprintf(why, sizeof(why),
			 "Precondition failed: UID in precondition: %s, UID in object meta: %s",
			 uid, tas_meta(old, "uid") ?: "");
		tas_resp_set(resp, 409, tas_status_conflict(rt->group, rt->resource, name, why));
		rc = 0;
		goto out;
	}
	if (json_object_set_new(meta, "name", json_string(name)) ||
	    (rt->namespaced && json_object_set_new(meta, "namespace", json_string(ns))))
		goto out;
	if (!rt->namespaced)
		json_object_del(meta, "namespace");
	next = merge_update(rt, old, obj, o->subresource);
	if (!next)
		goto out;
	meta = meta_of(next);
	if (!meta || copy_system_meta(meta, json_object_get(old, "metadata")))
		goto out;
	rc = admit(rt, next, old, name, o, resp);
	if (rc) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	if (o->req && !tas_admit_owner_refs(s, o->req, rt, next, old, resp))
		goto out;
	rc = o->req ? tas_admit_vap(s, o->req, rt, o->subresource, next, old, o->dry_run, resp)
		    : 0;
	if (rc) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	rc = -ENOMEM;
	if ((rt->flags & TAS_RT_GENERATION) && spec_changed(rt, next, old) &&
	    set_generation(meta, json_integer_value(tas_jpath(old, "metadata.generation")) + 1))
		goto out;
	if (json_object_set(meta, "resourceVersion",
			    tas_jpath(old, "metadata.resourceVersion")))
		goto out;
	/* An update that changes nothing writes nothing: same resourceVersion,
	 * no event (etcd3 store GuaranteedUpdate). */
	if (json_equal(next, (json_t *)(uintptr_t)old) || o->dry_run) {
		rc = respond_object(resp, 200, rt, o->dry_run ? next : old);
		goto out;
	}
	{
		json_t *keep = json_incref(next);
		rc = tas_obj_commit(s, b, next);
		next = keep;
	}
	if (rc)
		goto out;
	rc = respond_object(resp, 200, rt, next);
out:
	json_decref(next);
	json_decref(obj);
	json_decref(causes);
	return rc;
}

/* The finalizers deletion adds or removes for a propagation policy. */
static int apply_propagation(json_t *obj, const char *policy)
{
	json_t *meta = meta_of(obj);
	json_t *fin;
	const char *add = NULL;
	size_t i;

	if (!meta)
		return -ENOMEM;
	fin = json_object_get(meta, "finalizers");
	if (!json_is_array(fin)) {
		fin = json_array();
		if (!fin || json_object_set_new(meta, "finalizers", fin))
			return -ENOMEM;
	}
	for (i = json_array_size(fin); i-- > 0;) {
		const char *f = json_string_value(json_array_get(fin, i)) ?: "";
		if ((strcmp(f, "orphan") == 0 && strcmp(policy, "Orphan")) ||
		    (strcmp(f, "foregroundDeletion") == 0 && strcmp(policy, "Foreground")))
			json_array_remove(fin, i);
	}
	if (strcmp(policy, "Orphan") == 0)
		add = "orphan";
	else if (strcmp(policy, "Foreground") == 0)
		add = "foregroundDeletion";
	if (add && !tas_obj_has_finalizer(obj, add) &&
	    json_array_append_new(fin, json_string(add)))
		return -ENOMEM;
	if (json_array_size(fin) == 0)
		json_object_del(meta, "finalizers");
	return 0;
}

int tas_obj_delete(struct tas_server *s, struct tas_restype *rt, const char *ns,
		   const char *name, const struct tas_dopts *o, struct tas_resp *resp)
{
	struct tas_bucket *b = bucket_of(s, rt);
	const json_t *old;
	const char *policy = o->propagation;
	json_t *obj = NULL, *final = NULL;
	char why[400], now[21];
	int rc = -ENOMEM;

	if (!b)
		return -ENOMEM;
	old = tas_store_get(b, rt->namespaced ? ns : NULL, name);
	if (!old) {
		tas_resp_set(resp, 404, tas_status_not_found(rt->group, rt->resource, name));
		return 0;
	}
	if (o->uid && strcmp(o->uid, tas_meta(old, "uid") ?: "")) {
		snprintf(why, sizeof(why),
			 "Precondition failed: UID in precondition: %s, UID in object meta: %s",
			 o->uid, tas_meta(old, "uid") ?: "");
		tas_resp_set(resp, 409, tas_status_conflict(rt->group, rt->resource, name, why));
		return 0;
	}
	if (o->rv && strcmp(o->rv, tas_meta(old, "resourceVersion") ?: "")) {
		snprintf(why, sizeof(why),
			 "Precondition failed: ResourceVersion in precondition: %s, "
			 "ResourceVersion in object meta: %s",
			 o->rv, tas_meta(old, "resourceVersion") ?: "");
		tas_resp_set(resp, 409, tas_status_conflict(rt->group, rt->resource, name, why));
		return 0;
	}
	if (o->req) {
		rc = tas_admit_vap_delete(s, o->req, rt, old, o->dry_run, resp);
		if (rc)
			return rc < 0 ? rc : 0;
		rc = -ENOMEM;
	}
	if (!policy) {
		if (tas_obj_has_finalizer(old, "orphan"))
			policy = "Orphan";
		else if (tas_obj_has_finalizer(old, "foregroundDeletion"))
			policy = "Foreground";
		else if (rt->flags & TAS_RT_ORPHAN_DEFAULT) {
			policy = "Orphan";
			snprintf(resp->warning, sizeof(resp->warning),
				 "child pods are preserved by default when jobs are deleted; set "
				 "propagationPolicy=Background to remove them or set "
				 "propagationPolicy=Orphan to suppress this warning");
		} else
			policy = "Background";
	}
	obj = json_deep_copy(old);
	if (!obj || apply_propagation(obj, policy))
		goto out;
	if (!held(obj)) {
		if (o->dry_run) {
			rc = respond_object(resp, 200, rt, old);
			goto out;
		}
		rc = tas_store_delete(&s->store, b, rt->namespaced ? ns : NULL, name, &final);
		if (rc)
			goto out;
		if (rt->flags & TAS_RT_RETURN_DELETED) {
			rc = respond_object(resp, 200, rt, final);
		} else {
			tas_resp_set(resp, 200,
				     tas_status_success(name, rt->group, rt->resource,
							tas_meta(final, "uid")));
			rc = resp->body ? 0 : -ENOMEM;
		}
		goto out;
	}
	/* Something holds it: mark it (graceful deletion bumps generation). */
	if (!tas_obj_deleting(obj)) {
		json_t *meta = meta_of(obj);
		const json_t *gen = json_object_get(meta, "generation");
		tas_time_format(time(NULL), now);
		if (!meta || json_object_set_new(meta, "deletionTimestamp", json_string(now)) ||
		    json_object_set_new(meta, "deletionGracePeriodSeconds", json_integer(0)) ||
		    (json_integer_value(gen) > 0 &&
		     set_generation(meta, json_integer_value(gen) + 1)))
			goto out;
		if (strcmp(rt->kind, "Namespace") == 0 && !rt->group[0] &&
		    json_object_set_new(tas_jobj(obj, "status"), "phase", json_string("Terminating")))
			goto out;
	}
	if (o->dry_run || json_equal(obj, (json_t *)(uintptr_t)old)) {
		rc = respond_object(resp, 200, rt, o->dry_run ? obj : old);
		goto out;
	}
	rc = tas_store_put(&s->store, b, json_incref(obj));
	if (rc)
		goto out;
	rc = respond_object(resp, 200, rt, obj);
out:
	json_decref(obj);
	json_decref(final);
	return rc;
}

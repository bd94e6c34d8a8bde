/* JSON decoding of API objects (see mgo/apiobj.h). The field tables use the
 * schema.c machinery of the IPC codec, with dotted JSON paths as keys, so both
 * decoders bound and name fields the same way. */
#include "mgo/apiobj.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/schema.h"
#include "mgo/spec.h"

#define REQ MGO_F_REQUIRED

static const char *const phase_names[] = {
	[MGO_MG_NEW] = NULL, [MGO_MG_RUNNING] = "Running",
	[MGO_MG_COMPLETED] = "Completed", [MGO_MG_FAILED] = "Failed",
};

#define MG struct mgo_mg
static const struct mgo_field mg_fields[] = {
	MGO_FSTR("metadata.namespace", MG, ns, MGO_NAME_MAX, REQ),
	MGO_FSTR("metadata.name", MG, name, MGO_NAME_MAX, REQ),
	MGO_FSTR("metadata.uid", MG, uid, MGO_NAME_MAX, REQ),
	MGO_FI64("metadata.generation", MG, generation, 0, INT64_MAX, REQ),
	MGO_FSTR("metadata.resourceVersion", MG, resource_version, MGO_NAME_MAX, 0),
	MGO_FFLAG("metadata.deletionTimestamp", MG, deleting, JSON_STRING),
	MGO_FENUM("status.status", MG, phase, phase_names, 0),
	MGO_FSTR("status.resultName", MG, result_name, MGO_NAME_MAX, 0),
	MGO_FSTR("spec.serviceAccountRef.name", MG, spec.service_account, MGO_NAME_MAX, 0),
	MGO_FSTR("spec.mustGatherImage", MG, spec.image, MGO_STR_MAX, 0),
	MGO_FBOOL("spec.additionalConfig.audit", MG, spec.audit, 0),
	MGO_FSTR("spec.proxyConfig.httpProxy", MG, spec.http_proxy, MGO_STR_MAX, 0),
	MGO_FSTR("spec.proxyConfig.httpsProxy", MG, spec.https_proxy, MGO_STR_MAX, 0),
	MGO_FSTR("spec.proxyConfig.noProxy", MG, spec.no_proxy, MGO_STR_MAX, 0),
	MGO_FSTR("spec.mustGatherTimeout", MG, spec.timeout, MGO_STR_MAX, 0),
	MGO_FBOOL("spec.retainResourcesOnCompletion", MG, spec.retain, 0),
	MGO_FSTR("spec.uploadTarget.type", MG, spec.upload_type, MGO_STR_MAX, 0),
	MGO_FFLAG("spec.uploadTarget.sftp", MG, spec.has_sftp, JSON_OBJECT),
	MGO_FSTR("spec.uploadTarget.sftp.caseID", MG, spec.sftp_case_id, MGO_STR_MAX, 0),
	MGO_FSTR("spec.uploadTarget.sftp.caseManagementAccountSecretRef.name", MG,
		 spec.sftp_secret, MGO_NAME_MAX, 0),
	MGO_FSTR("spec.uploadTarget.sftp.host", MG, spec.sftp_host, MGO_STR_MAX, 0),
	MGO_FBOOL("spec.uploadTarget.sftp.internalUser", MG, spec.sftp_internal_user, 0),
	MGO_FSTR("spec.storage.type", MG, spec.storage_type, MGO_STR_MAX, 0),
	MGO_FSTR("spec.storage.persistentVolume.claim.name", MG, spec.pvc_claim, MGO_NAME_MAX, 0),
	MGO_FSTR("spec.storage.persistentVolume.subPath", MG, spec.pvc_subpath, MGO_STR_MAX, 0),
	MGO_FSTR("spec.gatherSpec.since", MG, spec.since, MGO_STR_MAX, 0),
	MGO_FSTR("spec.gatherSpec.sinceTime", MG, spec.since_time, MGO_STR_MAX, 0),
	MGO_FSTRV("spec.gatherSpec.command", MG, spec.command, spec.n_command, MGO_ARGV_DECODE_MAX,
		  MGO_STR_MAX, 0),
	MGO_FSTRV("spec.gatherSpec.args", MG, spec.args, spec.n_args, MGO_ARGV_DECODE_MAX,
		  MGO_STR_MAX, 0),
	MGO_FBOOL("spec.obfuscate.enabled", MG, spec.obfuscate, 0),
	MGO_FSTR("spec.obfuscate.configMapRef.name", MG, spec.obfuscate_config, MGO_STR_MAX, 0),
};
static const struct mgo_schema mg_schema = MGO_SCHEMA(mg_fields);

#define AL struct mgo_allowlist
static const struct mgo_field allowlist_fields[] = {
	MGO_FSTR("metadata.uid", AL, uid, MGO_NAME_MAX, 0),
	MGO_FSTR("metadata.resourceVersion", AL, resource_version, MGO_NAME_MAX, 0),
	MGO_FI64("metadata.generation", AL, generation, 0, INT64_MAX, REQ),
	MGO_FSTRV("spec.images", AL, images, n_images, MGO_ALLOWLIST_MAX, MGO_STR_MAX, REQ),
	MGO_FI64("status.observedGeneration", AL, observed_generation, 0, INT64_MAX, 0),
};
static const struct mgo_schema allowlist_schema = MGO_SCHEMA(allowlist_fields);

#define JOB struct mgo_job_state
static const struct mgo_field job_fields[] = {
	MGO_FSTR("metadata.name", JOB, name, MGO_NAME_MAX, REQ),
	MGO_FSTR("metadata.uid", JOB, uid, MGO_NAME_MAX, REQ),
};
static const struct mgo_schema job_schema = MGO_SCHEMA(job_fields);

/* A terminal Job condition (Complete or Failed), read only when its type is one
 * of those, so long messages of other conditions cannot fail the decode. */
struct cond {
	char *status;
	char *reason;
	char *message;
};
static const struct mgo_field cond_fields[] = {
	MGO_FSTR("status", struct cond, status, MGO_NAME_MAX, REQ),
	MGO_FSTR("reason", struct cond, reason, MGO_STR_MAX, 0),
	MGO_FSTR("message", struct cond, message, MGO_STR_MAX, 0),
};
static const struct mgo_schema cond_schema = MGO_SCHEMA(cond_fields);

/* The state of container "gather", "upload" or "clean" (other names are not
 * read). */
struct cstate {
	char *waiting_reason;
	char *waiting_message;
	bool terminated;
	int32_t exit_code;
	char *terminated_reason;
	char *terminated_message;
};
#define CS struct cstate
static const struct mgo_field cstate_fields[] = {
	MGO_FSTR("state.waiting.reason", CS, waiting_reason, MGO_STR_MAX, 0),
	MGO_FSTR("state.waiting.message", CS, waiting_message, MGO_STR_MAX, 0),
	MGO_FFLAG("state.terminated", CS, terminated, JSON_OBJECT),
	MGO_FI32("state.terminated.exitCode", CS, exit_code, INT32_MIN, INT32_MAX, -1, 0),
	MGO_FSTR("state.terminated.reason", CS, terminated_reason, MGO_STR_MAX, 0),
	MGO_FSTR("state.terminated.message", CS, terminated_message, MGO_STR_MAX, 0),
};
static const struct mgo_schema cstate_schema = MGO_SCHEMA(cstate_fields);

struct pod_status {
	char *reason;
	char *message;
};
static const struct mgo_field pod_fields[] = {
	MGO_FSTR("status.reason", struct pod_status, reason, MGO_STR_MAX, 0),
	MGO_FSTR("status.message", struct pod_status, message, MGO_STR_MAX, 0),
};
static const struct mgo_schema pod_schema = MGO_SCHEMA(pod_fields);

const char *mgo_meta_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

static const char *type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

static const char *jtype(const json_t *j)
{
	return j ? type_name(json_typeof(j)) : "nothing";
}

static int want(bool ok, const char *name, const json_t *j, const struct mgo_fpath *p,
		char *err, size_t errlen)
{
	return ok ? 0 : mgo_fpath_err(err, errlen, p, "expected %s, got %s", name, jtype(j));
}

/* Follows a dotted path from root (an object), pushing each segment onto p.
 * *val is NULL when a segment is absent or null; a segment on the way that is
 * not an object is an error. */
static int lookup(const json_t *root, const char *path, const json_t **val,
		  struct mgo_fpath *p, char *err, size_t errlen)
{
	const json_t *cur = root;
	const char *seg = path;

	for (;;) {
		const char *dot = strchr(seg, '.');
		size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
		int ret = want(json_is_object(cur), "object", cur, p, err, errlen);

		if (ret)
			return ret;
		cur = json_object_getn(cur, seg, n);
		mgo_fpath_push(p, seg, n);
		if (!cur || json_is_null(cur) || !dot)
			break;
		seg = dot + 1;
	}
	*val = json_is_null(cur) ? NULL : cur;
	return 0;
}

static int decode_strv(const json_t *v, const struct mgo_field *f, void *base,
		       struct mgo_fpath *p, char *err, size_t errlen)
{
	int ret = want(json_is_array(v), "array", v, p, err, errlen);

	if (ret == 0)
		ret = mgo_schema_strv_init(base, f, json_array_size(v), p, err, errlen);
	for (size_t i = 0; ret == 0 && i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		size_t mark = mgo_fpath_index(p, i);

		ret = want(json_is_string(e), "string", e, p, err, errlen);
		if (ret == 0)
			ret = mgo_schema_strv_add(base, f, json_string_value(e), json_string_length(e),
						  p, err, errlen);
		mgo_fpath_pop(p, mark);
	}
	return ret;
}

static int decode_value(const json_t *v, const struct mgo_field *f, void *base,
			struct mgo_fpath *p, char *err, size_t errlen)
{
	char *at = (char *)base + f->off;
	int ret;

	switch (f->kind) {
	case MGO_F_STR:
		ret = want(json_is_string(v), "string", v, p, err, errlen);
		return ret ? ret : mgo_schema_strdup(json_string_value(v), json_string_length(v),
						     f->max, (char **)at, p, err, errlen);
	case MGO_F_BOOL:
		ret = want(json_is_boolean(v), "boolean", v, p, err, errlen);
		if (ret == 0)
			*(bool *)at = json_is_true(v);
		return ret;
	case MGO_F_FLAG:
		ret = want(json_typeof(v) == (json_type)f->json_type,
			   type_name((json_type)f->json_type), v, p, err, errlen);
		*(bool *)at = ret == 0;
		return ret;
	case MGO_F_I32:
	case MGO_F_I64:
		ret = want(json_is_integer(v), "integer", v, p, err, errlen);
		return ret ? ret : mgo_schema_set_int(base, f, json_integer_value(v), p, err, errlen);
	case MGO_F_ENUM:
		ret = want(json_is_string(v), "string", v, p, err, errlen);
		return ret ? ret : mgo_schema_set_enum(base, f, json_string_value(v),
						       json_string_length(v), p, err, errlen);
	case MGO_F_STRV:
		return decode_strv(v, f, base, p, err, errlen);
	case MGO_F_U64:
	case MGO_F_STRUCT:
		break;
	}
	return mgo_fpath_err(err, errlen, p, "field kind %d has no JSON form", (int)f->kind);
}

/* Fills base from the fields of s found in root; p is the path of root. */
static int decode_fields(const json_t *root, const struct mgo_schema *s, void *base,
			 struct mgo_fpath *p, char *err, size_t errlen)
{
	int ret = want(json_is_object(root), "object", root, p, err, errlen);

	mgo_schema_defaults(base, s);
	for (size_t i = 0; ret == 0 && i < s->n; i++) {
		const struct mgo_field *f = &s->fields[i];
		size_t mark = p->len;
		const json_t *v = NULL;

		ret = lookup(root, f->key, &v, p, err, errlen);
		if (ret == 0 && v)
			ret = decode_value(v, f, base, p, err, errlen);
		else if (ret == 0 && (f->flags & REQ)) {
			/* Name the field, not the first absent object on its path. */
			mgo_fpath_pop(p, mark);
			mgo_fpath_push(p, f->key, strlen(f->key));
			ret = mgo_fpath_err(err, errlen, p, "required");
		}
		mgo_fpath_pop(p, mark);
	}
	return ret;
}

static void start(void *out, size_t size, char *err, size_t errlen)
{
	memset(out, 0, size);
	if (err && errlen)
		err[0] = '\0';
}

/* The reason of condition StorageReady, ours alone: a condition someone
 * else shaped oddly is not an undecodable MustGather, it is none. */
static int storage_reason(const json_t *obj, struct mgo_mg *out)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(obj, "status"), "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *r = json_string_value(json_object_get(c, "reason"));

		if (!t || strcmp(t, MGO_CONDITION_STORAGE_READY) != 0)
			continue;
		if (!r || strlen(r) > MGO_NAME_MAX)
			return 0;
		return (out->storage_reason = strdup(r)) ? 0 : -ENOMEM;
	}
	return 0;
}

int mgo_mg_from_json(const json_t *obj, struct mgo_mg *out, char *err, size_t errlen)
{
	struct mgo_fpath p = { .len = 0 };
	int ret;

	start(out, sizeof(*out), err, errlen);
	ret = decode_fields(obj, &mg_schema, out, &p, err, errlen);
	if (ret == 0 && (ret = storage_reason(obj, out)) && err && errlen)
		snprintf(err, errlen, "out of memory");
	if (ret)
		mgo_mg_free(out);
	return ret;
}

enum mgo_claim_phase mgo_claim_phase_from_json(const json_t *pvc)
{
	const char *ph = json_string_value(json_object_get(json_object_get(pvc, "status"), "phase"));

	if (!pvc)
		return MGO_CLAIM_UNKNOWN;
	if (ph && strcmp(ph, "Bound") == 0)
		return MGO_CLAIM_BOUND;
	if (ph && strcmp(ph, "Lost") == 0)
		return MGO_CLAIM_LOST;
	return MGO_CLAIM_PENDING;
}

int mgo_mg_meta_from_json(const json_t *obj, struct mgo_mg *out, char *err, size_t errlen)
{
	json_t *slim = json_object();
	const json_t *md = json_object_get(obj, "metadata");
	const json_t *status = json_object_get(obj, "status");
	int ret = -ENOMEM;

	/* the other fields are borrowed, not copied: only the spec stays out */
	if (slim && (!md || json_object_set(slim, "metadata", (json_t *)md) == 0) &&
	    (!status || json_object_set(slim, "status", (json_t *)status) == 0))
		ret = mgo_mg_from_json(slim, out, err, errlen);
	else
		memset(out, 0, sizeof(*out));
	json_decref(slim);
	return ret;
}

/* A string as json_dumpb writes it with JSON_COMPACT: quoted, with \\ and
 * \" and the control characters escaped (\b \f \n \r \t, the others as
 * \u00XX), everything else (UTF-8 included) as it is. */
static size_t json_str_size(const char *s, size_t n)
{
	size_t out = n + 2;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
		    c == '\t')
			out += 1;
		else if (c < 0x20)
			out += 5;
	}
	return out;
}

static size_t json_int_size(json_int_t v)
{
	/* in unsigned arithmetic: -INT64_MIN does not fit an int64 */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n = v < 0 ? 2 : 1;

	while (u >= 10) {
		u /= 10;
		n++;
	}
	return n;
}

/* Not json_dumpb(obj, NULL, 0, ...), which gives the same count by
 * writing the object out: it formats every number and walks every string
 * code point by code point, and the watcher measures every object it is
 * sent (informer.c). This walk counts the same bytes about three times
 * faster (bench/REPORT.md, "Later: the next page asked for early, and
 * objects measured by a walk"); tests/unit/test_apiobj.c
 * and fuzz_apiobj hold it to json_dumpb's count. Reals, rare in API
 * objects, are measured by jansson itself: its format for them is its
 * own. Parsed strings are valid UTF-8 (jansson checks), which json_dumpb
 * needs too. */
static size_t json_size(const json_t *j)
{
	const char *key;
	json_t *v;
	size_t n = 2, i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)j, key, v)
			n += json_str_size(key, strlen(key)) + 1 + json_size(v);
		return n + (json_object_size(j) ? json_object_size(j) - 1 : 0);
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			n += json_size(v);
		return n + (json_array_size(j) ? json_array_size(j) - 1 : 0);
	case JSON_STRING:
		return json_str_size(json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return json_int_size(json_integer_value(j));
	case JSON_REAL:
		return json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	case JSON_TRUE:
	case JSON_NULL:
		return 4;
	case JSON_FALSE:
		return 5;
	}
	return 0;
}

size_t mgo_json_size(const json_t *obj)
{
	return obj ? json_size(obj) : 0;
}

int mgo_allowlist_from_json(const json_t *obj, struct mgo_allowlist *out, char *err, size_t errlen)
{
	struct mgo_fpath p = { .len = 0 };
	int ret;

	start(out, sizeof(*out), err, errlen);
	ret = decode_fields(obj, &allowlist_schema, out, &p, err, errlen);
	if (ret)
		mgo_allowlist_free(out);
	else
		out->present = true;
	return ret;
}

/* Moves *from into *to (freeing what *to held): a later, weightier source
 * replaces an earlier one without copying. */
static void move_str(char **to, char **from)
{
	free(*to);
	*to = *from;
	*from = NULL;
}

const char *mgo_text_tail(const char *s, size_t max, size_t *len)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n > max) {
		s += n - max;
		n = max;
	}
	while (n > 0 && ((unsigned char)*s & 0xc0) == 0x80) { /* not a character's start */
		s++;
		n--;
	}
	*len = n;
	return s;
}

/* One entry of metadata.ownerReferences. The fields the API server
 * requires are required here too: an entry without them is not one the
 * server would have stored, so the object is refused, not half-read. */
struct oref {
	char *api_version;
	char *kind;
	char *uid;
	bool controller;
};
static const struct mgo_field oref_fields[] = {
	MGO_FSTR("apiVersion", struct oref, api_version, MGO_NAME_MAX, REQ),
	MGO_FSTR("kind", struct oref, kind, MGO_NAME_MAX, REQ),
	MGO_FSTR("uid", struct oref, uid, MGO_NAME_MAX, REQ),
	MGO_FBOOL("controller", struct oref, controller, 0),
};
static const struct mgo_schema oref_schema = MGO_SCHEMA(oref_fields);

struct owner_meta {
	char *ns;
};
static const struct mgo_field owner_meta_fields[] = {
	MGO_FSTR("metadata.namespace", struct owner_meta, ns, MGO_NAME_MAX, REQ),
};
static const struct mgo_schema owner_meta_schema = MGO_SCHEMA(owner_meta_fields);

static void oref_free(struct oref *r)
{
	free(r->api_version);
	free(r->kind);
	free(r->uid);
	memset(r, 0, sizeof(*r));
}

void mgo_owner_free(struct mgo_owner *o)
{
	free(o->ns);
	free(o->uid);
	memset(o, 0, sizeof(*o));
}

int mgo_owner_from_json(const json_t *obj, const char *api_version, const char *kind,
			struct mgo_owner *out, char *err, size_t errlen)
{
	struct mgo_fpath p = { .len = 0 };
	struct owner_meta meta = { NULL };
	const json_t *refs = NULL;
	bool seen = false;
	int ret;

	start(out, sizeof(*out), err, errlen);
	ret = decode_fields(obj, &owner_meta_schema, &meta, &p, err, errlen);
	out->ns = meta.ns;
	if (ret == 0)
		ret = lookup(obj, "metadata.ownerReferences", &refs, &p, err, errlen);
	if (ret == 0 && refs)
		ret = want(json_is_array(refs), "array", refs, &p, err, errlen);
	for (size_t i = 0; ret == 0 && refs && i < json_array_size(refs); i++) {
		struct oref r;
		size_t mark = mgo_fpath_index(&p, i);

		memset(&r, 0, sizeof(r));
		ret = decode_fields(json_array_get(refs, i), &oref_schema, &r, &p, err, errlen);
		if (ret == 0 && r.controller && seen)
			ret = mgo_fpath_err(err, errlen, &p, "a second controller");
		if (ret == 0 && r.controller) {
			seen = true;
			if (strcmp(r.api_version, api_version) == 0 && strcmp(r.kind, kind) == 0)
				move_str(&out->uid, &r.uid);
		}
		oref_free(&r);
		mgo_fpath_pop(&p, mark);
	}
	if (ret)
		mgo_owner_free(out);
	return ret;
}

static int job_conditions(const json_t *job, struct mgo_job_state *out,
			  struct mgo_fpath *p, char *err, size_t errlen)
{
	size_t mark = p->len;
	const json_t *conds = NULL;
	int ret = lookup(job, "status.conditions", &conds, p, err, errlen);

	if (ret == 0 && conds)
		ret = want(json_is_array(conds), "array", conds, p, err, errlen);
	for (size_t i = 0; ret == 0 && conds && i < json_array_size(conds); i++) {
		const json_t *c = json_array_get(conds, i);
		size_t imark = mgo_fpath_index(p, i), cmark = p->len;
		const json_t *type = NULL;
		struct cond cd = { NULL, NULL, NULL };
		bool complete, failed;

		ret = lookup(c, "type", &type, p, err, errlen);
		if (ret == 0)
			ret = want(json_is_string(type), "string", type, p, err, errlen);
		mgo_fpath_pop(p, cmark);
		complete = ret == 0 && strcmp(json_string_value(type), "Complete") == 0;
		failed = ret == 0 && strcmp(json_string_value(type), "Failed") == 0;
		if (complete || failed)
			ret = decode_fields(c, &cond_schema, &cd, p, err, errlen);
		if (ret == 0 && cd.status && strcmp(cd.status, "True") == 0 &&
		    (failed || out->phase != MGO_JOB_FAILED)) {
			out->phase = failed ? MGO_JOB_FAILED : MGO_JOB_SUCCEEDED;
			move_str(&out->reason, &cd.reason);
			move_str(&out->message, &cd.message);
		}
		free(cd.status);
		free(cd.reason);
		free(cd.message);
		mgo_fpath_pop(p, imark);
	}
	mgo_fpath_pop(p, mark);
	return ret;
}

/* Reads the status of containers "gather", "upload" and "clean" from one of
 * the Pod's status arrays into cs[0], cs[1] and cs[2] (the first entry of
 * each name counts). */
static int pod_containers(const json_t *pod, const char *key, struct cstate *cs, bool *seen,
			  struct mgo_fpath *p, char *err, size_t errlen)
{
	static const char *const names[] = { "gather", "upload", "clean" };
	size_t mark = p->len;
	const json_t *list = NULL;
	int ret = lookup(pod, key, &list, p, err, errlen);

	if (ret == 0 && list)
		ret = want(json_is_array(list), "array", list, p, err, errlen);
	for (size_t i = 0; ret == 0 && list && i < json_array_size(list); i++) {
		const json_t *c = json_array_get(list, i);
		size_t imark = mgo_fpath_index(p, i), cmark = p->len;
		const json_t *name = NULL;

		ret = lookup(c, "name", &name, p, err, errlen);
		if (ret == 0)
			ret = want(json_is_string(name), "string", name, p, err, errlen);
		mgo_fpath_pop(p, cmark);
		for (size_t k = 0; ret == 0 && k < 3; k++) {
			if (seen[k] || strcmp(json_string_value(name), names[k]) != 0)
				continue;
			seen[k] = true;
			ret = decode_fields(c, &cstate_schema, &cs[k], p, err, errlen);
		}
		mgo_fpath_pop(p, imark);
	}
	mgo_fpath_pop(p, mark);
	return ret;
}

static void cstate_free(struct cstate *c)
{
	free(c->waiting_reason);
	free(c->waiting_message);
	free(c->terminated_reason);
	free(c->terminated_message);
	memset(c, 0, sizeof(*c));
}

/* Takes container c's report into out if it has one (waiting, or exited
 * non-zero): 1 when taken, 0 when it has none, -ENOMEM. */
static int take_report(struct cstate *c, const char *name, struct mgo_job_state *out)
{
	if (!c->waiting_reason && !(c->terminated && c->exit_code != 0))
		return 0;
	out->pod_container = strdup(name);
	if (!out->pod_container)
		return -ENOMEM;
	if (c->waiting_reason) {
		move_str(&out->pod_reason, &c->waiting_reason);
		move_str(&out->pod_message, &c->waiting_message);
	} else {
		move_str(&out->pod_reason, &c->terminated_reason);
		move_str(&out->pod_message, &c->terminated_message);
		if (out->pod_message) {
			size_t n;
			const char *t = mgo_text_tail(out->pod_message, MGO_POD_MESSAGE_MAX, &n);
			memmove(out->pod_message, t, n);
			out->pod_message[n] = '\0';
		}
	}
	return 1;
}

static int pod_state(const json_t *pod, struct mgo_job_state *out,
		     struct mgo_fpath *p, char *err, size_t errlen)
{
	struct cstate cs[3];
	struct pod_status ps = { NULL, NULL };
	bool seen[3] = { false, false, false };
	int ret;

	memset(cs, 0, sizeof(cs));
	ret = want(json_is_object(pod), "object", pod, p, err, errlen);
	if (ret == 0)
		ret = pod_containers(pod, "status.initContainerStatuses", cs, seen, p, err, errlen);
	if (ret == 0)
		ret = pod_containers(pod, "status.containerStatuses", cs, seen, p, err, errlen);
	if (ret == 0)
		ret = decode_fields(pod, &pod_schema, &ps, p, err, errlen);
	if (ret)
		goto out;
	out->gather_exit = cs[0].terminated ? cs[0].exit_code : -1;
	out->upload_exit = cs[1].terminated ? cs[1].exit_code : -1;
	out->clean_exit = cs[2].terminated ? cs[2].exit_code : -1;
	/* A reason on the Pod itself (Evicted, DeadlineExceeded) is why its
	 * containers stopped, so it explains more than their states do. */
	if (ps.reason) {
		move_str(&out->pod_reason, &ps.reason);
		move_str(&out->pod_message, &ps.message);
	} else {
		/* in the order they run (launcher/job.h) */
		ret = take_report(&cs[0], "gather", out);
		if (ret == 0)
			ret = take_report(&cs[2], "clean", out);
		if (ret == 0)
			ret = take_report(&cs[1], "upload", out);
	}
	if (ret < 0)
		mgo_fpath_err(err, errlen, p, "out of memory");
	else
		ret = 0;
out:
	free(ps.reason);
	free(ps.message);
	cstate_free(&cs[2]);
	cstate_free(&cs[1]);
	cstate_free(&cs[0]);
	return ret;
}

int mgo_job_state_from_json(const json_t *job, const json_t *pod, struct mgo_job_state *out,
			    char *err, size_t errlen)
{
	struct mgo_fpath p = { .len = 0 };
	int ret;

	start(out, sizeof(*out), err, errlen);
	out->gather_exit = -1;
	out->upload_exit = -1;
	out->clean_exit = -1;
	mgo_fpath_push(&p, "job", 3);
	ret = decode_fields(job, &job_schema, out, &p, err, errlen);
	if (ret == 0) {
		out->phase = MGO_JOB_ACTIVE;
		ret = job_conditions(job, out, &p, err, errlen);
	}
	if (ret == 0 && pod) {
		mgo_fpath_pop(&p, 0);
		mgo_fpath_push(&p, "pod", 3);
		ret = pod_state(pod, out, &p, err, errlen);
	}
	if (ret)
		mgo_job_state_free(out);
	return ret;
}

/* Nesting on the raw text, so a depth bomb is refused before jansson builds
 * anything. Brackets inside strings do not count; on text that is not JSON the
 * count may be off, but jansson then refuses the text anyway. */
static int check_depth(const char *buf, size_t len, char *err, size_t errlen)
{
	bool in_str = false;
	size_t depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > MGO_JSON_MAX_DEPTH)
				return mgo_fpath_err(err, errlen, NULL, "JSON nested deeper than %d at byte %zu",
						     MGO_JSON_MAX_DEPTH, i);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int mgo_json_parse(const char *buf, size_t len, json_t **out, char *err, size_t errlen)
{
	json_error_t jerr;
	int ret;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (len > MGO_JSON_MAX) {
		mgo_fpath_err(err, errlen, NULL, "JSON text of %zu bytes exceeds %d", len, MGO_JSON_MAX);
		return -EMSGSIZE;
	}
	ret = check_depth(buf, len, err, errlen);
	if (ret)
		return ret;
	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*out)
		return 0;
	if (json_error_code(&jerr) == json_error_out_of_memory) {
		mgo_fpath_err(err, errlen, NULL, "out of memory");
		return -ENOMEM;
	}
	return mgo_fpath_err(err, errlen, NULL, "JSON: %s at line %d column %d", jerr.text,
			     jerr.line, jerr.column);
}

/* The IPC message codec (see mgo/ipc.h).
 *
 * Decoding runs in three steps: mgo_ipc_walk() bounds the raw bytes, msgpack-c
 * unpacks them into a zone, and the field tables below turn the objects into
 * the domain structs with per-field bounds. Encoding walks the same tables, and
 * both directions run the same cross-field rules (check_*), which is what keeps
 * the encoder from writing a frame the decoder would refuse. */
#include "mgo/ipc.h"

#include <errno.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_walk.h"
#include "mgo/schema.h"

_Static_assert(sizeof(enum mgo_ipc_type) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mgo_role) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mgo_subject) == sizeof(int), "enum size");

#define AT(base, off) ((char *)(base) + (off))
#define CAT(base, off) ((const char *)(base) + (off))

/* Wire keys are the C member names, so the tables name each member once. */
#define STR(T, m, lim, fl) MGO_FSTR(#m, T, m, lim, fl)
#define BOOL(T, m) MGO_FBOOL(#m, T, m, 0)
#define I64(T, m, fl) MGO_FI64(#m, T, m, 0, INT64_MAX, fl)
#define EXIT(T, m) MGO_FI32(#m, T, m, INT32_MIN, INT32_MAX, -1, 0)
#define ENUM(T, m, nm, fl) MGO_FENUM(#m, T, m, nm, fl)
#define STRUCT(T, m, sc, fl) MGO_FSTRUCT(#m, T, m, sc, fl)
#define REQ MGO_F_REQUIRED

static const char *const type_names[] = { NULL, "observe", "act", "heartbeat" };
static const char *const mg_phase_names[] = { "new", "running", "completed", "failed" };
static const char *const job_phase_names[] = { "none", "active", "succeeded", "failed" };
static const char *const presence_names[] = { "unknown", "present", "absent" };
static const char *const claim_phase_names[] = { "unknown", "pending", "bound", "lost" };
static const char *const act_kind_names[] = { NULL, "launch", "deny", "finish", "cleanup",
					       "allowlist-status", "claim-status" };
static const char *const subject_names[] = { "mustgather", "allowlist" };

#define SPEC struct mgo_mg_spec
static const struct mgo_field spec_fields[] = {
	STR(SPEC, service_account, MGO_NAME_MAX, 0),
	STR(SPEC, image, MGO_STR_MAX, 0),
	BOOL(SPEC, audit),
	STR(SPEC, http_proxy, MGO_STR_MAX, 0),
	STR(SPEC, https_proxy, MGO_STR_MAX, 0),
	STR(SPEC, no_proxy, MGO_STR_MAX, 0),
	STR(SPEC, timeout, MGO_STR_MAX, 0),
	BOOL(SPEC, retain),
	STR(SPEC, upload_type, MGO_STR_MAX, 0),
	BOOL(SPEC, has_sftp),
	STR(SPEC, sftp_case_id, MGO_STR_MAX, 0),
	STR(SPEC, sftp_secret, MGO_NAME_MAX, 0),
	STR(SPEC, sftp_host, MGO_STR_MAX, 0),
	BOOL(SPEC, sftp_internal_user),
	STR(SPEC, storage_type, MGO_STR_MAX, 0),
	STR(SPEC, pvc_claim, MGO_NAME_MAX, 0),
	STR(SPEC, pvc_subpath, MGO_STR_MAX, 0),
	STR(SPEC, since, MGO_STR_MAX, 0),
	STR(SPEC, since_time, MGO_STR_MAX, 0),
	MGO_FSTRV("command", SPEC, command, n_command, MGO_ARGV_DECODE_MAX, MGO_STR_MAX, 0),
	MGO_FSTRV("args", SPEC, args, n_args, MGO_ARGV_DECODE_MAX, MGO_STR_MAX, 0),
	BOOL(SPEC, obfuscate),
	STR(SPEC, obfuscate_config, MGO_STR_MAX, 0),
};
static const struct mgo_schema spec_schema = MGO_SCHEMA(spec_fields);

#define MG struct mgo_mg
static const struct mgo_field mg_fields[] = {
	STR(MG, ns, MGO_NAME_MAX, REQ),
	STR(MG, name, MGO_NAME_MAX, REQ),
	STR(MG, uid, MGO_NAME_MAX, REQ),
	I64(MG, generation, REQ),
	STR(MG, resource_version, MGO_NAME_MAX, 0),
	BOOL(MG, deleting),
	ENUM(MG, phase, mg_phase_names, 0),
	I64(MG, too_large_bytes, 0),
	STR(MG, result_name, MGO_NAME_MAX, 0),
	STR(MG, storage_reason, MGO_NAME_MAX, 0),
	STRUCT(MG, spec, spec_schema, REQ),
};
static const struct mgo_schema mg_schema = MGO_SCHEMA(mg_fields);

#define AL struct mgo_allowlist
static const struct mgo_field allowlist_fields[] = {
	BOOL(AL, present),
	STR(AL, uid, MGO_NAME_MAX, 0),
	STR(AL, resource_version, MGO_NAME_MAX, 0),
	I64(AL, generation, 0),
	I64(AL, observed_generation, 0),
	MGO_FSTRV("images", AL, images, n_images, MGO_ALLOWLIST_MAX, MGO_STR_MAX, 0),
};
static const struct mgo_schema allowlist_schema = MGO_SCHEMA(allowlist_fields);

#define JOB struct mgo_job_state
static const struct mgo_field job_fields[] = {
	ENUM(JOB, phase, job_phase_names, 0),
	STR(JOB, name, MGO_NAME_MAX, 0),
	STR(JOB, uid, MGO_NAME_MAX, 0),
	STR(JOB, reason, MGO_STR_MAX, 0),
	STR(JOB, message, MGO_STR_MAX, 0),
	STR(JOB, pod_container, MGO_NAME_MAX, 0),
	STR(JOB, pod_reason, MGO_STR_MAX, 0),
	STR(JOB, pod_message, MGO_STR_MAX, 0),
	EXIT(JOB, gather_exit),
	EXIT(JOB, upload_exit),
	EXIT(JOB, clean_exit),
};
static const struct mgo_schema job_schema = MGO_SCHEMA(job_fields);

#define OBS struct mgo_observe
static const struct mgo_field observe_fields[] = {
	ENUM(OBS, subject, subject_names, 0),
	STRUCT(OBS, mg, mg_schema, 0),          /* required for a MustGather: check_observe */
	STRUCT(OBS, allowlist, allowlist_schema, REQ),
	STRUCT(OBS, job, job_schema, REQ),
	ENUM(OBS, service_account, presence_names, 0),
	ENUM(OBS, pvc, presence_names, 0),
	ENUM(OBS, pvc_phase, claim_phase_names, 0),
};
static const struct mgo_schema observe_schema = MGO_SCHEMA(observe_fields);

#define INTENT struct mgo_job_intent
static const struct mgo_field intent_fields[] = {
	STR(INTENT, image, MGO_STR_MAX, 0),
	BOOL(INTENT, custom_image),
	STR(INTENT, service_account, MGO_NAME_MAX, 0),
	BOOL(INTENT, audit),
	I64(INTENT, timeout_seconds, 0),
	STR(INTENT, http_proxy, MGO_STR_MAX, 0),
	STR(INTENT, https_proxy, MGO_STR_MAX, 0),
	STR(INTENT, no_proxy, MGO_STR_MAX, 0),
	BOOL(INTENT, retain),
	BOOL(INTENT, upload),
	STR(INTENT, sftp_case_id, MGO_STR_MAX, 0),
	STR(INTENT, sftp_secret, MGO_NAME_MAX, 0),
	STR(INTENT, sftp_host, MGO_STR_MAX, 0),
	BOOL(INTENT, sftp_internal_user),
	STR(INTENT, pvc_claim, MGO_NAME_MAX, 0),
	STR(INTENT, pvc_subpath, MGO_STR_MAX, 0),
	STR(INTENT, since, MGO_STR_MAX, 0),
	STR(INTENT, since_time, MGO_STR_MAX, 0),
	/* validated: the limits of mgo_validate_spec (mgo/types.h) */
	MGO_FSTRV("command", INTENT, command, n_command, MGO_ARGV_MAX, MGO_ARGV_MAX, 0),
	MGO_FSTRV("args", INTENT, args, n_args, MGO_ARGV_MAX, MGO_ARGV_MAX, 0),
	BOOL(INTENT, obfuscate),
	STR(INTENT, obfuscate_config, MGO_NAME_MAX, 0),
};
static const struct mgo_schema intent_schema = MGO_SCHEMA(intent_fields);

#define ACT struct mgo_act
static const struct mgo_field act_fields[] = {
	ENUM(ACT, kind, act_kind_names, REQ),
	STR(ACT, ns, MGO_NAME_MAX, 0),          /* per kind: check_act */
	STR(ACT, name, MGO_NAME_MAX, REQ),
	STR(ACT, uid, MGO_NAME_MAX, REQ),
	I64(ACT, generation, REQ),
	STR(ACT, resource_version, MGO_NAME_MAX, 0),
	BOOL(ACT, succeeded),
	STR(ACT, reason, MGO_STR_MAX, 0),
	STR(ACT, message, MGO_STR_MAX, 0),
	STR(ACT, job_name, MGO_NAME_MAX, 0),
	STR(ACT, job_uid, MGO_NAME_MAX, 0),
	STRUCT(ACT, intent, intent_schema, 0),
	MGO_FSTRV("invalid_images", ACT, invalid_images, n_invalid_images, MGO_ALLOWLIST_MAX,
		  MGO_STR_MAX, 0),
	MGO_FSTRV("invalid_messages", ACT, invalid_messages, n_invalid_messages,
		  MGO_ALLOWLIST_MAX, MGO_STR_MAX, 0),
};
static const struct mgo_schema act_schema = MGO_SCHEMA(act_fields);

#define HB struct mgo_heartbeat
static const struct mgo_field heartbeat_fields[] = {
	ENUM(HB, role, mgo_role_names, REQ),
	MGO_FI32("pid", HB, pid, 1, INT32_MAX, 0, REQ),
	MGO_FBOOL("ready", HB, ready, REQ),
	MGO_FBOOL("leading", HB, leading, 0),
	MGO_FU64("mono_ms", HB, mono_ms, REQ),
};
static const struct mgo_schema heartbeat_schema = MGO_SCHEMA(heartbeat_fields);

#define MSG struct mgo_ipc_msg
static const struct mgo_field trace_fields[] = {
	MGO_FSTR("uid", MSG, trace_uid, MGO_NAME_MAX, REQ),
	MGO_FI64("gen", MSG, trace_gen, 0, INT64_MAX, REQ),
};
static const struct mgo_schema trace_schema = MGO_SCHEMA(trace_fields);

/* The top level: "v" and "body" are handled by hand (the version is checked
 * before anything else, the body's schema depends on the type); the table
 * still lists them so unknown and duplicate keys are caught in one place. */
enum { TOP_V, TOP_TYPE, TOP_SEQ, TOP_TRACE, TOP_BODY };
static const struct mgo_field top_fields[] = {
	[TOP_V] = MGO_FU64("v", MSG, version, REQ),
	[TOP_TYPE] = MGO_FENUM("type", MSG, type, type_names, REQ),
	[TOP_SEQ] = MGO_FU64("seq", MSG, seq, REQ),
	[TOP_TRACE] = { .key = "trace", .kind = MGO_F_STRUCT, .off = 0, .sub = &trace_schema },
	[TOP_BODY] = { .key = "body", .kind = MGO_F_STRUCT, .flags = REQ, .off = offsetof(MSG, u) },
};
static const struct mgo_schema top_schema = MGO_SCHEMA(top_fields);

/* decode_map keeps one slot per field on the stack. */
_Static_assert(MGO_ARRAY_SIZE(spec_fields) <= MGO_IPC_MAX_MAP, "spec_fields");
_Static_assert(MGO_ARRAY_SIZE(intent_fields) <= MGO_IPC_MAX_MAP, "intent_fields");
_Static_assert(MGO_ARRAY_SIZE(act_fields) <= MGO_IPC_MAX_MAP, "act_fields");
_Static_assert(MGO_ARRAY_SIZE(job_fields) <= MGO_IPC_MAX_MAP, "job_fields");

static const struct mgo_schema *body_schema(enum mgo_ipc_type t)
{
	switch (t) {
	case MGO_IPC_OBSERVE:
		return &observe_schema;
	case MGO_IPC_ACT:
		return &act_schema;
	case MGO_IPC_HEARTBEAT:
		return &heartbeat_schema;
	}
	return NULL;
}

/* ---- cross-field rules, shared by encode and decode ---- */

/* "<path>.<key>: <what> <ctx>", e.g. "body.intent.image: required for launch". */
static int key_err(struct mgo_fpath *p, const char *key, const char *what, const char *ctx,
		   char *err, size_t errlen)
{
	size_t mark = mgo_fpath_push(p, key, strlen(key));
	int ret = mgo_fpath_err(err, errlen, p, "%s %s", what, ctx);

	mgo_fpath_pop(p, mark);
	return ret;
}

static int require(const void *v, struct mgo_fpath *p, const char *key, const char *ctx,
		   char *err, size_t errlen)
{
	return v ? 0 : key_err(p, key, "required", ctx, err, errlen);
}

static int check_observe(const struct mgo_observe *o, struct mgo_fpath *p, char *err, size_t errlen)
{
	const struct mgo_job_state *j = &o->job;
	size_t mark;
	int ret;

	if (!o->allowlist.present && (o->allowlist.n_images > 0 || o->allowlist.generation != 0))
		return key_err(p, "allowlist", "images or generation given", "for an absent allowlist",
			       err, errlen);
	if (o->subject == MGO_SUBJECT_ALLOWLIST) {
		/* about the allowlist object alone: nothing of a MustGather */
		bool stray = o->mg.uid || o->mg.ns || o->mg.name || j->phase != MGO_JOB_NONE ||
			     o->service_account || o->pvc || o->pvc_phase;
		if (stray)
			return key_err(p, "mg", "or job given", "for the allowlist", err, errlen);
		if (!o->allowlist.present)
			return key_err(p, "allowlist", "absent", "for the allowlist", err, errlen);
		mark = mgo_fpath_push(p, "allowlist", 9);
		ret = require(o->allowlist.uid, p, "uid", "for the allowlist", err, errlen);
		mgo_fpath_pop(p, mark);
		return ret;
	}
	/* a phase is read from a claim that exists */
	if (o->pvc_phase && o->pvc != MGO_PRESENCE_PRESENT)
		return key_err(p, "pvc_phase", "given", "for a claim not known to exist", err,
			       errlen);
	mark = mgo_fpath_push(p, "mg", 2);
	ret = require(o->mg.uid, p, "uid", "for a MustGather", err, errlen);
	mgo_fpath_pop(p, mark);
	if (ret)
		return ret;
	if (j->phase == MGO_JOB_NONE)
		return 0;
	mark = mgo_fpath_push(p, "job", 3);
	ret = require(j->name, p, "name", "when a job exists", err, errlen);
	if (ret == 0)
		ret = require(j->uid, p, "uid", "when a job exists", err, errlen);
	mgo_fpath_pop(p, mark);
	return ret;
}

static int check_intent(const struct mgo_job_intent *i, struct mgo_fpath *p, char *err, size_t errlen)
{
	const char *stray = i->sftp_case_id ? "sftp_case_id" : i->sftp_secret ? "sftp_secret" :
			    i->sftp_host ? "sftp_host" :
			    i->sftp_internal_user ? "sftp_internal_user" : NULL;
	size_t mark = mgo_fpath_push(p, "intent", 6);
	int ret = require(i->image, p, "image", "for launch", err, errlen);

	if (ret == 0)
		ret = require(i->service_account, p, "service_account", "for launch", err, errlen);
	if (ret == 0 && i->upload) {
		ret = require(i->sftp_case_id, p, "sftp_case_id", "with upload", err, errlen);
		if (ret == 0)
			ret = require(i->sftp_secret, p, "sftp_secret", "with upload", err, errlen);
		if (ret == 0)
			ret = require(i->sftp_host, p, "sftp_host", "with upload", err, errlen);
	} else if (ret == 0 && stray) {
		ret = key_err(p, stray, "not allowed", "without upload", err, errlen);
	}
	if (ret == 0 && i->pvc_subpath)
		ret = require(i->pvc_claim, p, "pvc_claim", "with pvc_subpath", err, errlen);
	if (ret == 0 && i->obfuscate_config && !i->obfuscate)
		ret = key_err(p, "obfuscate_config", "not allowed", "without obfuscate", err,
			      errlen);
	mgo_fpath_pop(p, mark);
	return ret;
}

static bool intent_empty(const struct mgo_job_intent *i)
{
	for (size_t k = 0; k < intent_schema.n; k++)
		if (!mgo_schema_is_default(i, &intent_schema.fields[k]))
			return false;
	return true;
}

/* What each act kind must and may carry: the launcher obeys a small table of
 * kinds, and a kind with stray fields comes from a confused or forged sender. */
enum {
	A_SUCCEEDED = 1 << 0,
	A_REASON = 1 << 1,
	A_MESSAGE = 1 << 2,
	A_JOB_NAME = 1 << 3,
	A_JOB_UID = 1 << 4,
	A_INTENT = 1 << 5,
	A_INVALID = 1 << 6,
	A_NS = 1 << 7,
};
static const char *const act_bit_keys[] = {
	"succeeded", "reason", "message", "job_name", "job_uid", "intent", "invalid_images", "ns",
};
static const struct {
	unsigned required, allowed;
} act_rules[] = {
	[MGO_ACT_LAUNCH] = { A_NS | A_INTENT, A_NS | A_INTENT | A_MESSAGE },
	[MGO_ACT_DENY] = { A_NS | A_REASON | A_MESSAGE, A_NS | A_REASON | A_MESSAGE },
	/* A FINISH may lack a Job: someone deleted it while it ran. */
	[MGO_ACT_FINISH] = { A_NS | A_REASON | A_MESSAGE,
			     A_NS | A_REASON | A_MESSAGE | A_SUCCEEDED | A_JOB_NAME | A_JOB_UID },
	[MGO_ACT_CLEANUP] = { A_NS | A_JOB_NAME | A_JOB_UID,
			      A_NS | A_JOB_NAME | A_JOB_UID | A_MESSAGE },
	/* cluster-scoped; no malformed entry is news too (a fixed allowlist) */
	[MGO_ACT_ALLOWLIST_STATUS] = { 0, A_INVALID },
	/* the StorageReady condition alone: no Job to touch */
	[MGO_ACT_CLAIM_STATUS] = { A_NS | A_REASON | A_MESSAGE, A_NS | A_REASON | A_MESSAGE },
};

static int check_act(const struct mgo_act *a, struct mgo_fpath *p, char *err, size_t errlen)
{
	char ctx[32];
	unsigned has = (a->succeeded ? A_SUCCEEDED : 0) | (a->reason ? A_REASON : 0) |
		       (a->message ? A_MESSAGE : 0) | (a->job_name ? A_JOB_NAME : 0) |
		       (a->job_uid ? A_JOB_UID : 0) | (intent_empty(&a->intent) ? 0 : A_INTENT) |
		       (a->n_invalid_images || a->n_invalid_messages ? A_INVALID : 0) |
		       (a->ns ? A_NS : 0);
	unsigned missing = act_rules[a->kind].required & ~has;
	unsigned extra = has & ~act_rules[a->kind].allowed;

	/* The uid is the delete precondition: a name alone could hit a newer Job. */
	if ((has & (A_JOB_NAME | A_JOB_UID)) && (act_rules[a->kind].allowed & A_JOB_NAME))
		missing |= (A_JOB_NAME | A_JOB_UID) & ~has;
	snprintf(ctx, sizeof(ctx), "for %s", act_kind_names[a->kind]);
	if (a->n_invalid_images != a->n_invalid_messages)
		return key_err(p, "invalid_messages", "not one per invalid image", ctx, err, errlen);
	for (size_t b = 0; b < MGO_ARRAY_SIZE(act_bit_keys); b++) {
		if (missing & (1u << b))
			return key_err(p, act_bit_keys[b], "required", ctx, err, errlen);
		if (extra & (1u << b))
			return key_err(p, act_bit_keys[b], "not allowed", ctx, err, errlen);
	}
	return a->kind == MGO_ACT_LAUNCH ? check_intent(&a->intent, p, err, errlen) : 0;
}

/* The rules the tables cannot express. Enums are in range by now (decode: by
 * name; encode: the field checks run first). */
static int check_msg(const struct mgo_ipc_msg *m, char *err, size_t errlen)
{
	struct mgo_fpath p = { .len = 0 };

	if (m->type != MGO_IPC_HEARTBEAT && !m->trace_uid)
		return mgo_fpath_err(err, errlen, NULL, "trace: required for %s", type_names[m->type]);
	if (m->type == MGO_IPC_HEARTBEAT && (m->trace_uid || m->trace_gen))
		return mgo_fpath_err(err, errlen, NULL, "trace: not allowed for heartbeat");
	mgo_fpath_push(&p, "body", 4);
	if (m->type == MGO_IPC_OBSERVE)
		return check_observe(&m->u.observe, &p, err, errlen);
	if (m->type == MGO_IPC_ACT)
		return check_act(&m->u.act, &p, err, errlen);
	return 0;
}

/* ---- decode: msgpack objects -> structs ---- */

static const char *otype(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return "nil";
	case MSGPACK_OBJECT_BOOLEAN:
		return "boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return "integer";
	case MSGPACK_OBJECT_STR:
		return "string";
	case MSGPACK_OBJECT_ARRAY:
		return "array";
	case MSGPACK_OBJECT_MAP:
		return "map";
	default:
		return "another type";
	}
}

static int want(const msgpack_object *o, msgpack_object_type t, const char *name,
		const struct mgo_fpath *p, char *err, size_t errlen)
{
	if (o->type == t)
		return 0;
	return mgo_fpath_err(err, errlen, p, "expected %s, got %s", name, otype(o));
}

static int decode_map(const msgpack_object *o, const struct mgo_schema *s, void *base,
		      struct mgo_fpath *p, char *err, size_t errlen);

static int decode_int(const msgpack_object *o, const struct mgo_field *f, void *base,
		      const struct mgo_fpath *p, char *err, size_t errlen)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return mgo_schema_set_int(base, f, o->via.i64, p, err, errlen);
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return mgo_fpath_err(err, errlen, p, "expected integer, got %s", otype(o));
	if (o->via.u64 > INT64_MAX)
		return mgo_fpath_err(err, errlen, p, "%llu out of range",
				     (unsigned long long)o->via.u64);
	return mgo_schema_set_int(base, f, (int64_t)o->via.u64, p, err, errlen);
}

static int decode_strv(const msgpack_object *o, const struct mgo_field *f, void *base,
		       struct mgo_fpath *p, char *err, size_t errlen)
{
	int ret = want(o, MSGPACK_OBJECT_ARRAY, "array", p, err, errlen);

	if (ret == 0)
		ret = mgo_schema_strv_init(base, f, o->via.array.size, p, err, errlen);
	for (uint32_t i = 0; ret == 0 && i < o->via.array.size; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		size_t mark = mgo_fpath_index(p, i);

		ret = want(e, MSGPACK_OBJECT_STR, "string", p, err, errlen);
		if (ret == 0)
			ret = mgo_schema_strv_add(base, f, e->via.str.ptr, e->via.str.size,
						  p, err, errlen);
		mgo_fpath_pop(p, mark);
	}
	return ret;
}

static int decode_field(const msgpack_object *o, const struct mgo_field *f, void *base,
			struct mgo_fpath *p, char *err, size_t errlen)
{
	int ret;

	switch (f->kind) {
	case MGO_F_STR:
		ret = want(o, MSGPACK_OBJECT_STR, "string", p, err, errlen);
		return ret ? ret : mgo_schema_strdup(o->via.str.ptr, o->via.str.size, f->max,
						     (char **)AT(base, f->off), p, err, errlen);
	case MGO_F_BOOL:
		ret = want(o, MSGPACK_OBJECT_BOOLEAN, "boolean", p, err, errlen);
		if (ret == 0)
			*(bool *)AT(base, f->off) = o->via.boolean;
		return ret;
	case MGO_F_I32:
	case MGO_F_I64:
		return decode_int(o, f, base, p, err, errlen);
	case MGO_F_U64:
		ret = want(o, MSGPACK_OBJECT_POSITIVE_INTEGER, "unsigned integer", p, err, errlen);
		if (ret == 0)
			*(uint64_t *)AT(base, f->off) = o->via.u64;
		return ret;
	case MGO_F_ENUM:
		ret = want(o, MSGPACK_OBJECT_STR, "string", p, err, errlen);
		return ret ? ret : mgo_schema_set_enum(base, f, o->via.str.ptr, o->via.str.size,
						       p, err, errlen);
	case MGO_F_STRV:
		return decode_strv(o, f, base, p, err, errlen);
	case MGO_F_STRUCT:
		return decode_map(o, f->sub, AT(base, f->off), p, err, errlen);
	case MGO_F_FLAG:
		break;
	}
	return mgo_fpath_err(err, errlen, p, "a presence flag has no msgpack form");
}

/* Matches each key of map o to its field in s: unknown and duplicate keys are
 * errors (strict, so a schema change must come with a version bump). */
static int collect(const msgpack_object *o, const struct mgo_schema *s,
		   const msgpack_object **slot, struct mgo_fpath *p, char *err, size_t errlen)
{
	int ret = want(o, MSGPACK_OBJECT_MAP, "map", p, err, errlen);

	for (uint32_t i = 0; ret == 0 && i < o->via.map.size; i++) {
		const msgpack_object_str *k = &o->via.map.ptr[i].key.via.str;
		size_t f = 0;

		while (f < s->n && !(strlen(s->fields[f].key) == k->size &&
				     memcmp(s->fields[f].key, k->ptr, k->size) == 0))
			f++;
		if (f == s->n || slot[f]) {
			size_t mark = mgo_fpath_push(p, k->ptr, k->size);

			ret = mgo_fpath_err(err, errlen, p, f == s->n ? "unknown key" : "duplicate key");
			mgo_fpath_pop(p, mark);
		} else {
			slot[f] = &o->via.map.ptr[i].val;
		}
	}
	return ret;
}

static int decode_map(const msgpack_object *o, const struct mgo_schema *s, void *base,
		      struct mgo_fpath *p, char *err, size_t errlen)
{
	const msgpack_object *slot[MGO_IPC_MAX_MAP] = { NULL };
	int ret = collect(o, s, slot, p, err, errlen);

	for (size_t i = 0; ret == 0 && i < s->n; i++) {
		const struct mgo_field *f = &s->fields[i];
		size_t mark = mgo_fpath_push(p, f->key, strlen(f->key));

		if (slot[i])
			ret = decode_field(slot[i], f, base, p, err, errlen);
		else if (f->flags & MGO_F_REQUIRED)
			ret = mgo_fpath_err(err, errlen, p, "required");
		mgo_fpath_pop(p, mark);
	}
	return ret;
}

/* The version is read before the rest is judged, so a frame from a newer peer
 * is reported as such and not as a pile of unknown keys. */
static int check_version(const msgpack_object *root, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < root->via.map.size; i++) {
		const msgpack_object_kv *kv = &root->via.map.ptr[i];

		if (kv->key.via.str.size != 1 || kv->key.via.str.ptr[0] != 'v')
			continue;
		if (kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return mgo_fpath_err(err, errlen, NULL, "v: expected unsigned integer, got %s",
					     otype(&kv->val));
		if (kv->val.via.u64 != MGO_IPC_VERSION) {
			mgo_fpath_err(err, errlen, NULL, "v: unsupported version %llu (this build speaks %d)",
				      (unsigned long long)kv->val.via.u64, MGO_IPC_VERSION);
			return -EPROTONOSUPPORT;
		}
		return 0;
	}
	return mgo_fpath_err(err, errlen, NULL, "v: required");
}

static int decode_msg(const msgpack_object *root, struct mgo_ipc_msg *m, char *err, size_t errlen)
{
	const msgpack_object *slot[MGO_ARRAY_SIZE(top_fields)] = { NULL };
	struct mgo_fpath p = { .len = 0 };
	const struct mgo_schema *body;
	int ret = want(root, MSGPACK_OBJECT_MAP, "map", &p, err, errlen);

	if (ret == 0)
		ret = check_version(root, err, errlen);
	if (ret == 0)
		ret = collect(root, &top_schema, slot, &p, err, errlen);
	for (size_t i = 0; ret == 0 && i < MGO_ARRAY_SIZE(top_fields); i++) {
		if (!slot[i] && (top_fields[i].flags & MGO_F_REQUIRED))
			ret = mgo_fpath_err(err, errlen, NULL, "%s: required", top_fields[i].key);
	}
	if (ret)
		return ret;
	m->version = MGO_IPC_VERSION;
	for (size_t i = TOP_TYPE; ret == 0 && i <= TOP_TRACE; i++) {
		size_t mark = mgo_fpath_push(&p, top_fields[i].key, strlen(top_fields[i].key));

		if (slot[i])
			ret = decode_field(slot[i], &top_fields[i], m, &p, err, errlen);
		mgo_fpath_pop(&p, mark);
	}
	if (ret)
		return ret;
	body = body_schema(m->type);
	mgo_fpath_push(&p, "body", 4);
	mgo_schema_defaults(&m->u, body);
	ret = decode_map(slot[TOP_BODY], body, &m->u, &p, err, errlen);
	return ret ? ret : check_msg(m, err, errlen);
}

int mgo_ipc_decode(const void *buf, size_t len, struct mgo_ipc_msg *out, char *err, size_t errlen)
{
	msgpack_unpacked u;
	size_t off = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	ret = mgo_ipc_walk(buf, len, err, errlen);
	if (ret)
		return ret;
	msgpack_unpacked_init(&u);
	switch (msgpack_unpack_next(&u, buf, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		ret = off == len ? decode_msg(&u.data, out, err, errlen) :
		      mgo_fpath_err(err, errlen, NULL, "%zu trailing bytes after the message", len - off);
		break;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		mgo_fpath_err(err, errlen, NULL, "out of memory");
		ret = -ENOMEM;
		break;
	default:
		/* The walker accepts only what msgpack-c parses; reaching this is a bug. */
		ret = mgo_fpath_err(err, errlen, NULL, "msgpack-c rejected the frame");
		break;
	}
	msgpack_unpacked_destroy(&u);
	if (ret)
		mgo_ipc_msg_free(out);
	return ret;
}

/* ---- encode: structs -> msgpack, checking what the decoder checks ---- */

static int encode_map(msgpack_packer *pk, const struct mgo_schema *s, const void *base,
		      struct mgo_fpath *p, char *err, size_t errlen);

static int pack_cstr(msgpack_packer *pk, const char *s)
{
	return msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* Pack errors from msgpack-c are the buffer failing to grow. */
static int pack_failed(char *err, size_t errlen)
{
	mgo_fpath_err(err, errlen, NULL, "out of memory");
	return -ENOMEM;
}

static int encode_field(msgpack_packer *pk, const struct mgo_field *f, const void *base,
			struct mgo_fpath *p, char *err, size_t errlen)
{
	const char *at = CAT(base, f->off);
	int r = -1;

	switch (f->kind) {
	case MGO_F_STR:
		r = pack_cstr(pk, *(char *const *)at);
		break;
	case MGO_F_BOOL:
		r = *(const bool *)at ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
		break;
	case MGO_F_I32:
		r = msgpack_pack_int64(pk, *(const int32_t *)at);
		break;
	case MGO_F_I64:
		r = msgpack_pack_int64(pk, *(const int64_t *)at);
		break;
	case MGO_F_U64:
		r = msgpack_pack_uint64(pk, *(const uint64_t *)at);
		break;
	case MGO_F_ENUM:
		r = pack_cstr(pk, mgo_schema_enum_name(base, f));
		break;
	case MGO_F_STRV: {
		char *const *v = *(char **const *)at;
		size_t n = *(const size_t *)CAT(base, f->count_off);

		r = msgpack_pack_array(pk, n);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = pack_cstr(pk, v[i]);
		break;
	}
	case MGO_F_STRUCT:
		return encode_map(pk, f->sub, at, p, err, errlen);
	case MGO_F_FLAG:
		return mgo_fpath_err(err, errlen, p, "a presence flag has no msgpack form");
	}
	return r ? pack_failed(err, errlen) : 0;
}

/* Fields at their default are left out; mgo_schema_check bounds the rest
 * exactly as decoding would. */
static int encode_map(msgpack_packer *pk, const struct mgo_schema *s, const void *base,
		      struct mgo_fpath *p, char *err, size_t errlen)
{
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct mgo_field *f = &s->fields[i];
		size_t mark = mgo_fpath_push(p, f->key, strlen(f->key));

		ret = mgo_schema_check(base, f, p, err, errlen);
		mgo_fpath_pop(p, mark);
		if (ret)
			return ret;
		if ((f->flags & MGO_F_REQUIRED) || !mgo_schema_is_default(base, f))
			n++;
	}
	if (msgpack_pack_map(pk, n))
		return pack_failed(err, errlen);
	for (size_t i = 0; ret == 0 && i < s->n; i++) {
		const struct mgo_field *f = &s->fields[i];
		size_t mark;

		if (!(f->flags & MGO_F_REQUIRED) && mgo_schema_is_default(base, f))
			continue;
		mark = mgo_fpath_push(p, f->key, strlen(f->key));
		if (pack_cstr(pk, f->key))
			ret = pack_failed(err, errlen);
		else
			ret = encode_field(pk, f, base, p, err, errlen);
		mgo_fpath_pop(p, mark);
	}
	return ret;
}

static int encode_msg(msgpack_packer *pk, const struct mgo_ipc_msg *m, char *err, size_t errlen)
{
	const struct mgo_schema *body = body_schema(m->type);
	bool traced = m->type != MGO_IPC_HEARTBEAT;
	struct mgo_fpath p = { .len = 0 };
	int ret;

	if (m->version != MGO_IPC_VERSION)
		return mgo_fpath_err(err, errlen, NULL, "v: unsupported version %u (this build speaks %d)",
				     m->version, MGO_IPC_VERSION);
	if (!body)
		return mgo_fpath_err(err, errlen, NULL, "type: invalid value %d", (int)m->type);
	if (msgpack_pack_map(pk, traced ? 5 : 4) || pack_cstr(pk, "v") ||
	    msgpack_pack_uint32(pk, m->version) || pack_cstr(pk, "type") ||
	    pack_cstr(pk, type_names[m->type]) || pack_cstr(pk, "seq") ||
	    msgpack_pack_uint64(pk, m->seq))
		return pack_failed(err, errlen);
	if (traced) {
		mgo_fpath_push(&p, "trace", 5);
		if (pack_cstr(pk, "trace"))
			return pack_failed(err, errlen);
		ret = encode_map(pk, &trace_schema, m, &p, err, errlen);
		if (ret)
			return ret;
		mgo_fpath_pop(&p, 0);
	}
	mgo_fpath_push(&p, "body", 4);
	if (pack_cstr(pk, "body"))
		return pack_failed(err, errlen);
	ret = encode_map(pk, body, &m->u, &p, err, errlen);
	/* Last, because the cross-field rules index tables by the enums that
	 * encode_map has just range-checked. */
	return ret ? ret : check_msg(m, err, errlen);
}

int mgo_ipc_encode(const struct mgo_ipc_msg *m, char **out, size_t *outlen, char *err, size_t errlen)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int ret;

	*out = NULL;
	*outlen = 0;
	if (err && errlen)
		err[0] = '\0';
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	ret = encode_msg(&pk, m, err, errlen);
	if (ret == 0 && sb.size > MGO_IPC_MAX_FRAME) {
		mgo_fpath_err(err, errlen, NULL, "frame of %zu bytes exceeds %d", sb.size,
			      MGO_IPC_MAX_FRAME);
		ret = -EMSGSIZE;
	}
	if (ret == 0) {
		*outlen = sb.size;
		*out = msgpack_sbuffer_release(&sb);
	}
	msgpack_sbuffer_destroy(&sb);
	return ret;
}

void mgo_ipc_msg_free(struct mgo_ipc_msg *m)
{
	if (!m)
		return;
	if (m->type == MGO_IPC_OBSERVE)
		mgo_observe_free(&m->u.observe);
	else if (m->type == MGO_IPC_ACT)
		mgo_act_free(&m->u.act);
	free(m->trace_uid);
	memset(m, 0, sizeof(*m));
}

static const char *name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n && names[v] ? names[v] : "invalid";
}

const char *mgo_ipc_type_name(enum mgo_ipc_type t)
{
	return name_of(type_names, MGO_ARRAY_SIZE(type_names), (int)t);
}

const char *mgo_act_kind_name(enum mgo_act_kind k)
{
	return name_of(act_kind_names, MGO_ARRAY_SIZE(act_kind_names), (int)k);
}

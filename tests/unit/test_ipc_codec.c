/* The IPC codec: round trips of every message type, and a table of malformed
 * frames that must each be refused with an error naming the field. Labelled
 * "valgrind" so scripts/valgrind.sh checks every path for leaks too. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/ipc.h"

static char *S(const char *s)
{
	char *d = strdup(s);

	cr_assert(d, "strdup");
	return d;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert(s, "malloc");
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ---- messages with every field set, and with only the required ones ---- */

static void observe_full(struct mgo_ipc_msg *m)
{
	struct mgo_observe *o = &m->u.observe;
	struct mgo_mg_spec *s = &o->mg.spec;

	memset(m, 0, sizeof(*m));
	m->version = MGO_IPC_VERSION;
	m->type = MGO_IPC_OBSERVE;
	m->seq = UINT64_MAX;
	m->trace_uid = S("6f0c2b9e-1111-4a4a-9c9c-000000000001");
	m->trace_gen = 3;
	o->mg.ns = S("openshift-must-gather-operator");
	o->mg.name = S("example-mustgather");
	o->mg.uid = S("6f0c2b9e-1111-4a4a-9c9c-000000000001");
	o->mg.generation = 3;
	o->mg.deleting = true;
	o->mg.phase = MGO_MG_RUNNING;
	s->service_account = S("must-gather-admin");
	s->image = S("quay.io/my-org/my-custom-must-gather:latest");
	s->audit = true;
	s->http_proxy = S("http://proxy.example.com:3128");
	s->https_proxy = S("https://proxy.example.com:3129");
	s->no_proxy = S(".cluster.local,10.0.0.0/8");
	s->timeout = S("1h30m");
	s->retain = true;
	s->upload_type = S("SFTP");
	s->has_sftp = true;
	s->sftp_case_id = S("01234567");
	s->sftp_secret = S("case-management-creds");
	s->sftp_host = S("sftp.access.redhat.com");
	s->sftp_internal_user = true;
	s->storage_type = S("PersistentVolume");
	s->pvc_claim = S("mg-output");
	s->pvc_subpath = S("runs/today");
	s->since = S("2h30m");
	s->since_time = S("2026-01-02T15:04:05Z"); /* both: the validator refuses it */
	s->command = calloc(2, sizeof(char *));
	s->args = calloc(1, sizeof(char *));
	cr_assert(s->command && s->args);
	s->command[0] = S("/usr/bin/gather_network_logs");
	s->command[1] = S("");
	s->n_command = 2;
	s->args[0] = S("$(not run by a shell)");
	s->n_args = 1;
	s->obfuscate = true;
	s->obfuscate_config = S("clean-config");
	o->allowlist.present = true;
	o->allowlist.generation = 9;
	o->allowlist.n_images = 2;
	o->allowlist.images = calloc(2, sizeof(char *));
	cr_assert(o->allowlist.images);
	o->allowlist.images[0] = S("quay.io/my-org/my-custom-must-gather:latest");
	o->allowlist.images[1] = S("registry.example.com/team-a/debug@sha256:"
				   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	o->job.phase = MGO_JOB_FAILED;
	o->job.name = S("example-mustgather");
	o->job.uid = S("0c1d2e3f-2222-4b4b-8d8d-000000000002");
	o->job.reason = S("DeadlineExceeded");
	o->job.message = S("Job was active longer than specified deadline");
	o->job.pod_container = S("upload");
	o->job.pod_reason = S("Error");
	o->job.pod_message = S("upload failed: connection refused");
	o->job.gather_exit = 0;
	o->job.upload_exit = 3;
	o->job.clean_exit = 0;
	o->service_account = MGO_PRESENCE_PRESENT;
	o->pvc = MGO_PRESENCE_PRESENT;
	o->pvc_phase = MGO_CLAIM_LOST;
	o->mg.storage_reason = S("ClaimPending");
}

static void observe_min(struct mgo_ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->version = MGO_IPC_VERSION;
	m->type = MGO_IPC_OBSERVE;
	m->trace_uid = S("u1");
	m->u.observe.mg.ns = S("ns");
	m->u.observe.mg.name = S("mg");
	m->u.observe.mg.uid = S("u1");
	m->u.observe.job.gather_exit = -1;
	m->u.observe.job.upload_exit = -1;
	m->u.observe.job.clean_exit = -1;
}

/* A MustGather too large to read: metadata and phase, no spec. */
static void observe_too_large(struct mgo_ipc_msg *m)
{
	observe_min(m);
	m->u.observe.mg.generation = 1;
	m->u.observe.mg.resource_version = S("41");
	m->u.observe.mg.too_large_bytes = 204955;
}

static void act_head(struct mgo_ipc_msg *m, enum mgo_act_kind kind)
{
	memset(m, 0, sizeof(*m));
	m->version = MGO_IPC_VERSION;
	m->type = MGO_IPC_ACT;
	m->seq = 42;
	m->trace_uid = S("u1");
	m->trace_gen = 2;
	m->u.act.kind = kind;
	m->u.act.ns = S("ns");
	m->u.act.name = S("mg");
	m->u.act.uid = S("u1");
	m->u.act.generation = 2;
}

static void act_launch_full(struct mgo_ipc_msg *m)
{
	struct mgo_job_intent *i = &m->u.act.intent;

	act_head(m, MGO_ACT_LAUNCH);
	m->u.act.message = S("Job example-mustgather created");
	i->image = S("quay.io/my-org/my-custom-must-gather:latest");
	i->custom_image = true;
	i->service_account = S("must-gather-admin");
	i->audit = true;
	i->timeout_seconds = 5400;
	i->http_proxy = S("http://proxy:3128");
	i->https_proxy = S("https://proxy:3129");
	i->no_proxy = S("localhost");
	i->retain = true;
	i->upload = true;
	i->sftp_case_id = S("01234567");
	i->sftp_secret = S("case-management-creds");
	i->sftp_host = S("sftp.access.redhat.com");
	i->sftp_internal_user = true;
	i->pvc_claim = S("mg-output");
	i->pvc_subpath = S("runs");
	i->since = S("90m");
	i->command = calloc(1, sizeof(char *));
	i->args = calloc(2, sizeof(char *));
	cr_assert(i->command && i->args);
	i->command[0] = S("/usr/bin/gather");
	i->n_command = 1;
	i->args[0] = S("--since");
	i->args[1] = S("90m");
	i->n_args = 2;
	i->obfuscate = true;
	i->obfuscate_config = S("clean-config");
}

static void act_launch_min(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_LAUNCH);
	m->u.act.intent.image = S("quay.io/openshift/must-gather:latest");
	m->u.act.intent.service_account = S("default");
}

static void act_deny(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_DENY);
	m->u.act.reason = S("InvalidImage");
	m->u.act.message = S("image quay.io/x/y:1 is not in MustGatherImage/cluster");
}

static void act_finish(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_FINISH);
	m->u.act.succeeded = true;
	m->u.act.reason = S("Completed");
	m->u.act.message = S("must-gather finished");
	m->u.act.job_name = S("mg");
	m->u.act.job_uid = S("j1");
}

static void act_finish_nojob(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_FINISH);
	m->u.act.reason = S("JobDeleted");
	m->u.act.message = S("the Job disappeared while running");
}

static void act_cleanup(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_CLEANUP);
	m->u.act.job_name = S("mg");
	m->u.act.job_uid = S("j1");
}

static void act_claim_status(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_CLAIM_STATUS);
	m->u.act.reason = S("ClaimPending");
	m->u.act.message = S("PersistentVolumeClaim mg-output is Pending: the Job's pod waits "
			     "for it to bind (spec.mustGatherTimeout still applies)");
}

/* MustGatherImage/cluster itself, for its status */
static void observe_allowlist(struct mgo_ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->version = MGO_IPC_VERSION;
	m->type = MGO_IPC_OBSERVE;
	m->seq = 3;
	m->trace_uid = S("a1");
	m->trace_gen = 4;
	m->u.observe.subject = MGO_SUBJECT_ALLOWLIST;
	m->u.observe.allowlist.present = true;
	m->u.observe.allowlist.uid = S("a1");
	m->u.observe.allowlist.resource_version = S("77");
	m->u.observe.allowlist.generation = 4;
	m->u.observe.allowlist.observed_generation = 3;
	m->u.observe.allowlist.n_images = 2;
	m->u.observe.allowlist.images = calloc(2, sizeof(char *));
	cr_assert_not_null(m->u.observe.allowlist.images);
	m->u.observe.allowlist.images[0] = S("quay.io/a/b:1");
	m->u.observe.allowlist.images[1] = S("Not An Image");
	m->u.observe.job.gather_exit = -1;
	m->u.observe.job.upload_exit = -1;
	m->u.observe.job.clean_exit = -1;
}

static void act_allowlist_status(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_ALLOWLIST_STATUS);
	free(m->u.act.ns);
	m->u.act.ns = NULL;
	free(m->u.act.name);
	m->u.act.name = S("cluster");
	m->u.act.resource_version = S("77");
	m->u.act.n_invalid_images = m->u.act.n_invalid_messages = 1;
	m->u.act.invalid_images = calloc(1, sizeof(char *));
	m->u.act.invalid_messages = calloc(1, sizeof(char *));
	cr_assert(m->u.act.invalid_images && m->u.act.invalid_messages);
	m->u.act.invalid_images[0] = S("Not An Image");
	m->u.act.invalid_messages[0] = S("invalid character ' ' at position 4");
}

static void act_allowlist_status_clean(struct mgo_ipc_msg *m)
{
	act_head(m, MGO_ACT_ALLOWLIST_STATUS);
	free(m->u.act.ns);
	m->u.act.ns = NULL;
}

static void heartbeat(struct mgo_ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->version = MGO_IPC_VERSION;
	m->type = MGO_IPC_HEARTBEAT;
	m->seq = 7;
	m->u.heartbeat.role = MGO_ROLE_VALIDATOR;
	m->u.heartbeat.pid = 4242;
	m->u.heartbeat.ready = true;
	m->u.heartbeat.mono_ms = 123456789012ULL;
}

static void heartbeat_min(struct mgo_ipc_msg *m)
{
	heartbeat(m);
	m->seq = 0;
	m->u.heartbeat.ready = false;
	m->u.heartbeat.mono_ms = 0;
}

/* The launcher's beat once it holds the Lease (supervisor/child.c tells
 * the watcher). */
static void heartbeat_leading(struct mgo_ipc_msg *m)
{
	heartbeat(m);
	m->u.heartbeat.role = MGO_ROLE_LAUNCHER;
	m->u.heartbeat.leading = true;
}

static const struct sample {
	const char *name;
	void (*build)(struct mgo_ipc_msg *m);
} samples[] = {
	{ "observe-full", observe_full },
	{ "observe-min", observe_min },
	{ "observe-too-large", observe_too_large },
	{ "act-launch-full", act_launch_full },
	{ "act-launch-min", act_launch_min },
	{ "act-deny", act_deny },
	{ "act-finish", act_finish },
	{ "act-finish-nojob", act_finish_nojob },
	{ "act-cleanup", act_cleanup },
	{ "observe-allowlist", observe_allowlist },
	{ "act-allowlist-status", act_allowlist_status },
	{ "act-allowlist-status-clean", act_allowlist_status_clean },
	{ "act-claim-status", act_claim_status },
	{ "heartbeat", heartbeat },
	{ "heartbeat-min", heartbeat_min },
	{ "heartbeat-leading", heartbeat_leading },
};

/* ---- field-by-field comparison, written apart from the codec's tables ---- */

static void eq_str(const char *what, const char *a, const char *b)
{
	if (!a || !b)
		cr_assert(a == b, "%s: %s vs %s", what, a ? a : "(null)", b ? b : "(null)");
	else
		cr_assert_str_eq(a, b, "%s", what);
}

#define EQS(f) eq_str(#f, a->f, b->f)
#define EQ(f) cr_assert(a->f == b->f, "%s differs", #f)

static void eq_mg(const struct mgo_mg *a, const struct mgo_mg *b)
{
	EQS(ns); EQS(name); EQS(uid); EQ(generation); EQ(deleting); EQ(phase);
	EQ(too_large_bytes); EQS(result_name); EQS(storage_reason);
	EQS(spec.service_account); EQS(spec.image); EQ(spec.audit); EQS(spec.http_proxy);
	EQS(spec.https_proxy); EQS(spec.no_proxy); EQS(spec.timeout); EQ(spec.retain);
	EQS(spec.upload_type); EQ(spec.has_sftp); EQS(spec.sftp_case_id); EQS(spec.sftp_secret);
	EQS(spec.sftp_host); EQ(spec.sftp_internal_user); EQS(spec.storage_type);
	EQS(spec.pvc_claim); EQS(spec.pvc_subpath); EQS(spec.since); EQS(spec.since_time);
	EQ(spec.obfuscate); EQS(spec.obfuscate_config);
	EQ(spec.n_command); EQ(spec.n_args);
	for (size_t i = 0; i < a->spec.n_command; i++)
		EQS(spec.command[i]);
	for (size_t i = 0; i < a->spec.n_args; i++)
		EQS(spec.args[i]);
}

static void eq_observe(const struct mgo_observe *a, const struct mgo_observe *b)
{
	EQ(subject);
	eq_mg(&a->mg, &b->mg);
	EQ(allowlist.present); EQ(allowlist.generation); EQ(allowlist.n_images);
	EQS(allowlist.uid); EQS(allowlist.resource_version); EQ(allowlist.observed_generation);
	for (size_t i = 0; i < a->allowlist.n_images; i++)
		EQS(allowlist.images[i]);
	EQ(job.phase); EQS(job.name); EQS(job.uid); EQS(job.reason); EQS(job.message);
	EQS(job.pod_container); EQS(job.pod_reason); EQS(job.pod_message);
	EQ(job.gather_exit); EQ(job.upload_exit); EQ(job.clean_exit);
	EQ(service_account); EQ(pvc); EQ(pvc_phase);
}

static void eq_act(const struct mgo_act *a, const struct mgo_act *b)
{
	EQ(kind); EQS(ns); EQS(name); EQS(uid); EQ(generation); EQ(succeeded);
	EQS(reason); EQS(message); EQS(job_name); EQS(job_uid);
	EQS(intent.image); EQ(intent.custom_image); EQS(intent.service_account);
	EQ(intent.audit); EQ(intent.timeout_seconds); EQS(intent.http_proxy);
	EQS(intent.https_proxy); EQS(intent.no_proxy); EQ(intent.retain); EQ(intent.upload);
	EQS(intent.sftp_case_id); EQS(intent.sftp_secret); EQS(intent.sftp_host);
	EQ(intent.sftp_internal_user); EQS(intent.pvc_claim); EQS(intent.pvc_subpath);
	EQ(intent.obfuscate); EQS(intent.obfuscate_config);
	EQS(intent.since); EQS(intent.since_time); EQ(intent.n_command); EQ(intent.n_args);
	for (size_t i = 0; i < a->intent.n_command; i++)
		EQS(intent.command[i]);
	for (size_t i = 0; i < a->intent.n_args; i++)
		EQS(intent.args[i]);
	EQS(resource_version); EQ(n_invalid_images); EQ(n_invalid_messages);
	for (size_t i = 0; i < a->n_invalid_images; i++) {
		EQS(invalid_images[i]);
		EQS(invalid_messages[i]);
	}
}

static void eq_msg(const struct mgo_ipc_msg *a, const struct mgo_ipc_msg *b)
{
	EQ(version); EQ(type); EQ(seq); EQS(trace_uid); EQ(trace_gen);
	if (a->type == MGO_IPC_OBSERVE)
		eq_observe(&a->u.observe, &b->u.observe);
	else if (a->type == MGO_IPC_ACT)
		eq_act(&a->u.act, &b->u.act);
	else {
		EQ(u.heartbeat.role); EQ(u.heartbeat.pid); EQ(u.heartbeat.ready);
		EQ(u.heartbeat.leading); EQ(u.heartbeat.mono_ms);
	}
}

static void encode_ok(const struct mgo_ipc_msg *m, char **buf, size_t *len)
{
	char err[256];
	int ret = mgo_ipc_encode(m, buf, len, err, sizeof(err));

	cr_assert_eq(ret, 0, "encode: %d %s", ret, err);
	cr_assert(*buf && *len > 0 && *len <= MGO_IPC_MAX_FRAME);
}

Test(ipc_codec, round_trip_every_sample)
{
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		struct mgo_ipc_msg m, d;
		char err[256], *buf, *again;
		size_t len, len2;
		int ret;

		samples[k].build(&m);
		encode_ok(&m, &buf, &len);
		ret = mgo_ipc_decode(buf, len, &d, err, sizeof(err));
		cr_assert_eq(ret, 0, "%s: decode: %s", samples[k].name, err);
		eq_msg(&m, &d);
		/* The encoding is canonical: the decoded message encodes to the same bytes. */
		encode_ok(&d, &again, &len2);
		cr_assert(len == len2 && memcmp(buf, again, len) == 0, "%s: re-encoding differs",
			  samples[k].name);
		free(again);
		free(buf);
		mgo_ipc_msg_free(&d);
		mgo_ipc_msg_free(&m);
		cr_assert(m.trace_uid == NULL && m.type == 0, "free leaves the message zeroed");
	}
}

Test(ipc_codec, defaults_restored_for_absent_fields)
{
	struct mgo_ipc_msg m, d;
	char err[256], *buf;
	size_t len;

	observe_min(&m);
	encode_ok(&m, &buf, &len);
	cr_assert_eq(mgo_ipc_decode(buf, len, &d, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(d.u.observe.job.gather_exit, -1);
	cr_assert_eq(d.u.observe.job.upload_exit, -1);
	cr_assert_eq(d.u.observe.job.clean_exit, -1);
	cr_assert_null(d.u.observe.mg.spec.image, "unset stays NULL, not \"\"");
	cr_assert_eq(d.u.observe.allowlist.n_images, 0);
	free(buf);
	mgo_ipc_msg_free(&d);
	mgo_ipc_msg_free(&m);
}

Test(ipc_codec, empty_string_is_not_unset)
{
	struct mgo_ipc_msg m, d;
	char err[256], *buf;
	size_t len;

	observe_min(&m);
	m.u.observe.mg.spec.image = S("");
	encode_ok(&m, &buf, &len);
	cr_assert_eq(mgo_ipc_decode(buf, len, &d, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(d.u.observe.mg.spec.image);
	cr_assert_str_eq(d.u.observe.mg.spec.image, "");
	free(buf);
	mgo_ipc_msg_free(&d);
	mgo_ipc_msg_free(&m);
}

/* Every proper prefix of a valid frame is incomplete; each must be refused
 * without reading past it (the copy is exactly that long, for ASan/valgrind). */
Test(ipc_codec, truncated_at_every_offset)
{
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		struct mgo_ipc_msg m, d;
		char err[256], *buf;
		size_t len;

		samples[k].build(&m);
		encode_ok(&m, &buf, &len);
		for (size_t cut = 0; cut < len; cut++) {
			char *part = malloc(cut ? cut : 1);
			int ret;

			cr_assert(part);
			memcpy(part, buf, cut);
			ret = mgo_ipc_decode(part, cut, &d, err, sizeof(err));
			cr_assert(ret == -EBADMSG, "%s cut at %zu: %d", samples[k].name, cut, ret);
			cr_assert(err[0] != '\0', "an error message");
			cr_assert(d.trace_uid == NULL && d.type == 0, "out zeroed on failure");
			free(part);
		}
		free(buf);
		mgo_ipc_msg_free(&m);
	}
}

/* ---- malformed frames ---- */

/* Frames for the schema cases are written as JSON (single quotes for double)
 * and packed to msgpack here, apart from the codec. Two shorthands make big
 * values: the string "@N" packs N 'x' bytes, "@@N" an array of N strings. */
static void pack_json(msgpack_packer *pk, const json_t *j)
{
	const char *s, *k;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(j));
		json_object_foreach((json_t *)j, k, v) {
			msgpack_pack_str_with_body(pk, k, strlen(k));
			pack_json(pk, v);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, v)
			pack_json(pk, v);
		break;
	case JSON_STRING:
		s = json_string_value(j);
		if (strncmp(s, "@@", 2) == 0) {
			size_t n = strtoul(s + 2, NULL, 10);

			msgpack_pack_array(pk, n);
			for (i = 0; i < n; i++)
				msgpack_pack_str_with_body(pk, "img", 3);
		} else if (s[0] == '@') {
			char *big = repeat('x', strtoul(s + 1, NULL, 10));

			msgpack_pack_str_with_body(pk, big, strlen(big));
			free(big);
		} else {
			msgpack_pack_str_with_body(pk, s, json_string_length(j));
		}
		break;
	case JSON_INTEGER:
		msgpack_pack_int64(pk, json_integer_value(j));
		break;
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(j));
		break;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		break;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		break;
	case JSON_NULL:
		msgpack_pack_nil(pk);
		break;
	}
}

static void frame_from_json(const char *tmpl, msgpack_sbuffer *sb)
{
	char *text = S(tmpl);
	json_error_t jerr;
	msgpack_packer pk;
	json_t *j;

	for (char *c = text; *c; c++)
		if (*c == '\'')
			*c = '"';
	j = json_loads(text, JSON_ALLOW_NUL, &jerr);
	cr_assert(j, "test JSON: %s in %s", jerr.text, text);
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	pack_json(&pk, j);
	json_decref(j);
	free(text);
}

#define HEAD "'v':1,'type':'act','seq':1,'trace':{'uid':'u','gen':1}"
#define ACT(kind, more) \
	"{" HEAD ",'body':{'kind':'" kind "','ns':'n','name':'m','uid':'u','generation':1" more "}}"
#define HB(body) "{'v':1,'type':'heartbeat','seq':1,'body':{" body "}}"
#define HBOK "'role':'watcher','pid':42,'ready':true,'mono_ms':1000"
#define OBS(mg, more) \
	"{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n'," \
	"'name':'m','uid':'u','generation':1,'spec':{" mg "}},'allowlist':{" more "},'job':{}}}"

static const struct bad_json {
	const char *frame;
	int ret;
	const char *err;
} bad_json[] = {
	{ "{'v':2,'type':'bogus','x':1}", -EPROTONOSUPPORT,
	  "v: unsupported version 2 (this build speaks 1)" },
	{ "{'v':'1','type':'heartbeat','seq':1,'body':{" HBOK "}}", -EBADMSG,
	  "v: expected unsigned integer, got string" },
	{ "{'type':'heartbeat','seq':1,'body':{" HBOK "}}", -EBADMSG, "v: required" },
	{ "{'v':1,'type':'bogus','seq':1,'body':{}}", -EBADMSG, "type: invalid value \"bogus\"" },
	{ "{'v':1,'type':'heartbeat','body':{" HBOK "}}", -EBADMSG, "seq: required" },
	{ "{'v':1,'type':'heartbeat','seq':1}", -EBADMSG, "body: required" },
	{ "{'v':1,'type':'heartbeat','seq':1,'body':{" HBOK "},'x':1}", -EBADMSG, "x: unknown key" },
	{ "{'v':1,'type':'heartbeat','seq':'1','body':{" HBOK "}}", -EBADMSG,
	  "seq: expected unsigned integer, got string" },
	{ "{'v':1,'type':'heartbeat','seq':-1,'body':{" HBOK "}}", -EBADMSG,
	  "seq: expected unsigned integer, got integer" },
	{ "{'v':1,'type':'heartbeat','seq':null,'body':{" HBOK "}}", -EBADMSG,
	  "seq: expected unsigned integer, got nil" },
	{ "{'v':1,'type':'heartbeat','seq':1.5,'body':{" HBOK "}}", -EBADMSG,
	  "seq: unsupported msgpack type 0xcb" },
	{ "{'v':1,'type':'heartbeat','seq':1,'body':[]}", -EBADMSG, "body: expected map, got array" },
	{ "[1]", -EBADMSG, "expected map, got array" },
	{ HB("'role':'watcher','pid':42,'ready':1,'mono_ms':1000"), -EBADMSG,
	  "body.ready: expected boolean, got integer" },
	{ HB("'role':'watcher','pid':'42','ready':true,'mono_ms':1000"), -EBADMSG,
	  "body.pid: expected integer, got string" },
	{ HB("'role':'watcher','pid':0,'ready':true,'mono_ms':1000"), -EBADMSG,
	  "body.pid: 0 out of range [1, 2147483647]" },
	{ HB("'role':'watcher','pid':2147483648,'ready':true,'mono_ms':1000"), -EBADMSG,
	  "body.pid: 2147483648 out of range" },
	{ HB("'role':'root','pid':42,'ready':true,'mono_ms':1000"), -EBADMSG,
	  "body.role: invalid value \"root\"" },
	{ HB("'role':'@40','pid':42,'ready':true,'mono_ms':1000"), -EBADMSG,
	  "body.role: invalid value" },
	{ HB("'role':'@5000','pid':42,'ready':true,'mono_ms':1000"), -EBADMSG,
	  "body.role: string longer than 4096" },
	{ HB("'role':'watcher','pid':42,'ready':true"), -EBADMSG, "body.mono_ms: required" },
	{ HB(HBOK ",'state':'up'"), -EBADMSG, "body.state: unknown key" },
	{ "{'v':1,'type':'heartbeat','seq':1,'trace':{'uid':'u','gen':1},'body':{" HBOK "}}",
	  -EBADMSG, "trace: not allowed for heartbeat" },
	{ "{'v':1,'type':'act','seq':1,'body':{'kind':'deny','ns':'n','name':'m','uid':'u',"
	  "'generation':1,'reason':'r','message':'m'}}", -EBADMSG, "trace: required for act" },
	{ "{" HEAD ",'body':{'kind':'deny','ns':'n','name':'m','uid':'u\\u0000x','generation':1}}",
	  -EBADMSG, "body.uid: string contains a NUL byte" },
	{ "{'v':1,'type':'act','seq':1,'trace':{'uid':'@254','gen':1},'body':{}}", -EBADMSG,
	  "trace.uid: string longer than 253" },
	{ ACT("nuke", ""), -EBADMSG, "body.kind: invalid value \"nuke\"" },
	{ ACT("launch", ""), -EBADMSG, "body.intent: required for launch" },
	{ ACT("launch", ",'intent':{'service_account':'default'}"), -EBADMSG,
	  "body.intent.image: required for launch" },
	{ ACT("launch", ",'intent':{'image':'i','service_account':'sa','upload':true,"
		       "'sftp_case_id':'1','sftp_secret':'s'}"), -EBADMSG,
	  "body.intent.sftp_host: required with upload" },
	{ ACT("launch", ",'intent':{'image':'i','service_account':'sa','sftp_host':'h'}"),
	  -EBADMSG, "body.intent.sftp_host: not allowed without upload" },
	{ ACT("launch", ",'intent':{'image':'i','service_account':'sa','pvc_subpath':'p'}"),
	  -EBADMSG, "body.intent.pvc_claim: required with pvc_subpath" },
	{ ACT("launch", ",'intent':{'image':'i','service_account':'sa','args':['a','@257']}"),
	  -EBADMSG, "body.intent.args[1]: string longer than 256" },
	{ ACT("launch", ",'reason':'r','intent':{'image':'i','service_account':'sa'}"), -EBADMSG,
	  "body.reason: not allowed for launch" },
	{ ACT("launch", ",'intent':{'image':'i','service_account':'sa','timeout_seconds':-5}"),
	  -EBADMSG, "body.intent.timeout_seconds: -5 out of range" },
	{ ACT("deny", ",'reason':'r'"), -EBADMSG, "body.message: required for deny" },
	{ ACT("deny", ",'reason':'r','message':'m','intent':{'image':'i'}"), -EBADMSG,
	  "body.intent: not allowed for deny" },
	{ ACT("deny", ",'reason':'r','message':'m','succeeded':true"), -EBADMSG,
	  "body.succeeded: not allowed for deny" },
	{ ACT("finish", ",'reason':'r','message':'m','job_name':'j'"), -EBADMSG,
	  "body.job_uid: required for finish" },
	{ ACT("cleanup", ",'job_uid':'j'"), -EBADMSG, "body.job_name: required for cleanup" },
	{ ACT("deny", ",'reason':'r','message':'m','job_uid':'j'"), -EBADMSG,
	  "body.job_uid: not allowed for deny" },
	{ ACT("cleanup", ",'job_name':'j','job_uid':'j','reason':'r'"), -EBADMSG,
	  "body.reason: not allowed for cleanup" },
	{ ACT("claim-status", ",'reason':'ClaimPending'"), -EBADMSG,
	  "body.message: required for claim-status" },
	{ ACT("claim-status", ",'reason':'r','message':'m','job_name':'j','job_uid':'j'"),
	  -EBADMSG, "body.job_name: not allowed for claim-status" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1,'spec':{}},'allowlist':{},'job':{},"
	  "'pvc':'absent','pvc_phase':'pending'}}", -EBADMSG,
	  "body.pvc_phase: given for a claim not known to exist" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1,'spec':{}},'allowlist':{},'job':{},"
	  "'pvc':'present','pvc_phase':'released'}}", -EBADMSG,
	  "body.pvc_phase: invalid value \"released\"" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1,'storage_reason':'@254','spec':{}},"
	  "'allowlist':{},'job':{}}}", -EBADMSG,
	  "body.mg.storage_reason: string longer than 253" },
	{ OBS("'image':'@4097'", ""), -EBADMSG, "body.mg.spec.image: string longer than 4096" },
	{ OBS("'service_account':'@254'", ""), -EBADMSG,
	  "body.mg.spec.service_account: string longer than 253" },
	{ OBS("'audit':'yes'", ""), -EBADMSG, "body.mg.spec.audit: expected boolean, got string" },
	{ OBS("'colour':'red'", ""), -EBADMSG, "body.mg.spec.colour: unknown key" },
	{ OBS("", "'present':true,'images':'@@1025'"), -EBADMSG,
	  "body.allowlist.images: array of 1025 entries, limit 1024" },
	{ OBS("", "'present':true,'images':['a',1]"), -EBADMSG,
	  "body.allowlist.images[1]: expected string, got integer" },
	{ OBS("", "'images':['a']"), -EBADMSG,
	  "body.allowlist: images or generation given for an absent allowlist" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1,'spec':{}},'allowlist':{},'job':{'phase':'active'}}}",
	  -EBADMSG, "body.job.name: required when a job exists" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1,'spec':{}},'allowlist':{},'job':{'phase':'gone'}}}",
	  -EBADMSG, "body.job.phase: invalid value \"gone\"" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1,'spec':{}},'allowlist':{},'job':{'gather_exit':"
	  "4294967296}}}", -EBADMSG, "body.job.gather_exit: 4294967296 out of range" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1},'allowlist':{},'job':{}}}", -EBADMSG,
	  "body.mg.spec: required" },
	{ "{'v':1,'type':'observe','seq':1,'trace':{'uid':'u','gen':1},'body':{'mg':{'ns':'n',"
	  "'name':'m','uid':'u','generation':1,'too_large_bytes':-1,'spec':{}},'allowlist':{},"
	  "'job':{}}}", -EBADMSG, "body.mg.too_large_bytes: -1 out of range" },
	{ "{'v':1,'type':'heartbeat','seq':1,'body':{'a':[[[[[[[[[1]]]]]]]]]}}", -EBADMSG,
	  "body.a[0][0][0][0][0][0]: nested deeper than 8" },
};

static void expect_refused(const void *buf, size_t len, int want_ret, const char *want_err,
			   const char *label)
{
	struct mgo_ipc_msg d;
	char err[512];
	int ret = mgo_ipc_decode(buf, len, &d, err, sizeof(err));

	cr_assert_eq(ret, want_ret, "%s: got %d (%s)", label, ret, ret ? err : "accepted");
	cr_assert(strstr(err, want_err), "%s: error \"%s\" lacks \"%s\"", label, err, want_err);
	cr_assert(d.trace_uid == NULL && d.type == 0 && d.u.act.ns == NULL, "%s: out zeroed", label);
}

Test(ipc_codec, refuses_malformed_schema)
{
	for (size_t k = 0; k < sizeof(bad_json) / sizeof(bad_json[0]); k++) {
		msgpack_sbuffer sb;

		frame_from_json(bad_json[k].frame, &sb);
		expect_refused(sb.data, sb.size, bad_json[k].ret, bad_json[k].err, bad_json[k].frame);
		msgpack_sbuffer_destroy(&sb);
	}
}

/* Frames JSON cannot express: lies about sizes, raw bytes, duplicate keys. */
#define BYTES(s) s, sizeof(s) - 1
#define HB_BODY "\xa4" "body\x84\xa4role\xa7watcher\xa3pid\x2a\xa5ready\xc3\xa7mono_ms\xcd\x03\xe8"
#define HB_FRAME "\x84\xa1v\x01\xa4type\xa9heartbeat\xa3seq\x07" HB_BODY

static const struct bad_bytes {
	const char *label;
	const char *buf;
	size_t len;
	const char *err;
} bad_bytes[] = {
	{ "empty", BYTES(""), "empty frame" },
	{ "trailing byte", BYTES(HB_FRAME "\xc0"), "1 trailing bytes after the message" },
	{ "two messages", BYTES(HB_FRAME HB_FRAME), "trailing bytes" },
	{ "duplicate key", BYTES("\x85\xa1v\x01\xa4type\xa9heartbeat\xa3seq\x07\xa3seq\x08" HB_BODY),
	  "seq: duplicate key" },
	{ "duplicate v", BYTES("\x85\xa1v\x01\xa1v\x01\xa4type\xa9heartbeat\xa3seq\x07" HB_BODY),
	  "v: duplicate key" },
	{ "str8 longer than left", BYTES("\x81\xa1v\xd9\xff" "abc"), "v: truncated: 255 bytes declared, 3 left" },
	{ "str16 longer than left", BYTES("\x81\xa1v\xda\x01\x00" "abc"), "v: truncated" },
	{ "str32 huge", BYTES("\x81\xa1v\xdb\xff\xff\xff\xff" "abc"), "v: string longer than 4096" },
	{ "fixstr longer than left", BYTES("\x81\xa1v\xbf" "ab"), "v: truncated: 31 bytes declared, 2 left" },
	{ "map32 huge", BYTES("\xdf\xff\xff\xff\xff\xa1v\x01"), "map of 4294967295 entries, limit 32" },
	{ "map16 lie", BYTES("\xde\x00\x14\xa1v\x01"), "truncated: map of 20 entries in 3 bytes" },
	{ "fixmap lie", BYTES("\x8f\xa1v\x01"), "truncated: map of 15 entries in 3 bytes" },
	{ "array32 huge", BYTES("\x81\xa1v\xdd\xff\xff\xff\xff\x01"),
	  "v: array of 4294967295 entries, limit 1024" },
	{ "array16 lie", BYTES("\x81\xa1v\xdc\x03\xe8\x01\x02"), "v: truncated: array of 1000 entries in 2 bytes" },
	{ "key length lie", BYTES("\x81\xd9\x14" "v\x01"), "truncated: 20 bytes declared, 2 left" },
	{ "nested duplicate key",
	  BYTES("\x84\xa1v\x01\xa4type\xa9heartbeat\xa3seq\x07\xa4" "body\x85\xa4role\xa7watcher"
		"\xa3pid\x2a\xa3pid\x2b\xa5ready\xc3\xa7mono_ms\xcd\x03\xe8"),
	  "body.pid: duplicate key" },
	{ "long key", BYTES("\x81\xd9\x21" "012345678901234567890123456789012\x01"),
	  "map key longer than 32 bytes" },
	{ "integer key", BYTES("\x81\x01\x01"), "map key 0 is not a string" },
	{ "bin value", BYTES("\x81\xa1v\xc4\x01\x01"), "v: unsupported msgpack type 0xc4" },
	{ "ext value", BYTES("\x81\xa1v\xd4\x01\x01"), "v: unsupported msgpack type 0xd4" },
	{ "reserved byte", BYTES("\x81\xa1v\xc1"), "v: unsupported msgpack type 0xc1" },
	{ "uint64 cut", BYTES("\x81\xa1v\xcf\x00\x00"), "v: truncated: 8 bytes declared, 2 left" },
	{ "not a map", BYTES("\x01"), "expected map, got integer" },
	{ "depth bomb", BYTES("\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x90"),
	  "nested deeper than 8" },
};

Test(ipc_codec, refuses_malformed_bytes)
{
	for (size_t k = 0; k < sizeof(bad_bytes) / sizeof(bad_bytes[0]); k++) {
		/* An exact-size heap copy, so a read past the end is caught. */
		char *copy = malloc(bad_bytes[k].len ? bad_bytes[k].len : 1);

		cr_assert(copy);
		memcpy(copy, bad_bytes[k].buf, bad_bytes[k].len);
		expect_refused(copy, bad_bytes[k].len, -EBADMSG, bad_bytes[k].err, bad_bytes[k].label);
		free(copy);
	}
}

Test(ipc_codec, the_heartbeat_bytes_are_valid)
{
	struct mgo_ipc_msg d;
	char err[256];

	cr_assert_eq(mgo_ipc_decode(BYTES(HB_FRAME), &d, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(d.type, MGO_IPC_HEARTBEAT);
	cr_assert_eq(d.u.heartbeat.role, MGO_ROLE_WATCHER);
	cr_assert_eq(d.u.heartbeat.mono_ms, 1000);
	mgo_ipc_msg_free(&d);
}

Test(ipc_codec, refuses_oversized_frame)
{
	size_t len = MGO_IPC_MAX_FRAME + 1;
	char *buf = calloc(1, len);
	struct mgo_ipc_msg d;
	char err[256];

	cr_assert(buf);
	cr_assert_eq(mgo_ipc_decode(buf, len, &d, err, sizeof(err)), -EMSGSIZE);
	cr_assert(strstr(err, "exceeds 1048576"), "%s", err);
	free(buf);
}

/* A depth bomb as deep as the frame allows still costs only the walk. */
Test(ipc_codec, refuses_deep_bomb_of_max_frame)
{
	char *buf = malloc(MGO_IPC_MAX_FRAME);
	struct mgo_ipc_msg d;
	char err[256];

	cr_assert(buf);
	memset(buf, 0x91, MGO_IPC_MAX_FRAME);
	cr_assert_eq(mgo_ipc_decode(buf, MGO_IPC_MAX_FRAME, &d, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "nested deeper than 8"), "%s", err);
	free(buf);
}

/* ---- the encoder refuses what the decoder would refuse ---- */

static void expect_encode_refused(struct mgo_ipc_msg *m, int want_ret, const char *want_err)
{
	char err[512], *buf = (char *)1;
	size_t len = 1;
	int ret = mgo_ipc_encode(m, &buf, &len, err, sizeof(err));

	cr_assert_eq(ret, want_ret, "want \"%s\", got %d (%s)", want_err, ret, ret ? err : "encoded");
	cr_assert(strstr(err, want_err), "error \"%s\" lacks \"%s\"", err, want_err);
	cr_assert(buf == NULL && len == 0, "no output on failure");
	mgo_ipc_msg_free(m);
}

Test(ipc_codec, encoder_refuses_invalid)
{
	struct mgo_ipc_msg m;

	heartbeat(&m);
	m.version = 2;
	expect_encode_refused(&m, -EBADMSG, "v: unsupported version 2");
	heartbeat(&m);
	m.type = 9;
	expect_encode_refused(&m, -EBADMSG, "type: invalid value 9");
	heartbeat(&m);
	m.u.heartbeat.pid = -3;
	expect_encode_refused(&m, -EBADMSG, "body.pid: -3 out of range");
	heartbeat(&m);
	m.u.heartbeat.role = 0;
	expect_encode_refused(&m, -EBADMSG, "body.role: invalid value 0");
	heartbeat(&m);
	m.trace_uid = S("u");
	expect_encode_refused(&m, -EBADMSG, "trace: not allowed for heartbeat");

	act_deny(&m);
	free(m.trace_uid);
	m.trace_uid = NULL;
	expect_encode_refused(&m, -EBADMSG, "trace.uid: required");
	act_launch_min(&m);
	free(m.u.act.intent.image);
	m.u.act.intent.image = NULL;
	expect_encode_refused(&m, -EBADMSG, "body.intent.image: required for launch");
	act_launch_min(&m);
	m.u.act.reason = S("Why");
	expect_encode_refused(&m, -EBADMSG, "body.reason: not allowed for launch");
	act_deny(&m);
	m.u.act.intent.audit = true;
	expect_encode_refused(&m, -EBADMSG, "body.intent: not allowed for deny");
	act_cleanup(&m);
	free(m.u.act.job_uid);
	m.u.act.job_uid = NULL;
	expect_encode_refused(&m, -EBADMSG, "body.job_uid: required for cleanup");
	act_deny(&m);
	m.u.act.kind = 0;
	expect_encode_refused(&m, -EBADMSG, "body.kind: invalid value 0");
	act_deny(&m);
	m.u.act.generation = -1;
	expect_encode_refused(&m, -EBADMSG, "body.generation: -1 out of range");

	observe_full(&m);
	free(m.u.observe.mg.spec.image);
	m.u.observe.mg.spec.image = repeat('a', MGO_STR_MAX + 1);
	expect_encode_refused(&m, -EBADMSG, "body.mg.spec.image: string longer than 4096");
	observe_full(&m);
	free(m.u.observe.mg.name);
	m.u.observe.mg.name = repeat('a', MGO_NAME_MAX + 1);
	expect_encode_refused(&m, -EBADMSG, "body.mg.name: string longer than 253");
	observe_full(&m);
	m.u.observe.mg.phase = 7;
	expect_encode_refused(&m, -EBADMSG, "body.mg.phase: invalid value 7");
	observe_min(&m);
	m.u.observe.job.phase = MGO_JOB_ACTIVE;
	m.u.observe.job.name = S("j");
	expect_encode_refused(&m, -EBADMSG, "body.job.uid: required when a job exists");

	/* a MustGather's observation names it; the allowlist's names nothing else */
	observe_min(&m);
	mgo_mg_free(&m.u.observe.mg);
	expect_encode_refused(&m, -EBADMSG, "body.mg.uid: required for a MustGather");
	observe_allowlist(&m);
	m.u.observe.mg.ns = S("ns");
	m.u.observe.mg.name = S("mg");
	m.u.observe.mg.uid = S("u1");
	expect_encode_refused(&m, -EBADMSG, "body.mg: or job given for the allowlist");
	observe_allowlist(&m);
	m.u.observe.service_account = MGO_PRESENCE_PRESENT;
	expect_encode_refused(&m, -EBADMSG, "body.mg: or job given for the allowlist");
	observe_allowlist(&m);
	free(m.u.observe.allowlist.uid);
	m.u.observe.allowlist.uid = NULL;
	expect_encode_refused(&m, -EBADMSG, "body.allowlist.uid: required for the allowlist");

	/* cluster-scoped status: no namespace, pairwise entries; others need one */
	act_allowlist_status(&m);
	m.u.act.ns = S("ns");
	expect_encode_refused(&m, -EBADMSG, "body.ns: not allowed for allowlist-status");
	act_allowlist_status_clean(&m);
	m.u.act.invalid_images = calloc(2, sizeof(char *));
	m.u.act.invalid_messages = calloc(1, sizeof(char *));
	cr_assert(m.u.act.invalid_images && m.u.act.invalid_messages);
	m.u.act.invalid_images[0] = S("A");
	m.u.act.invalid_images[1] = S("B");
	m.u.act.invalid_messages[0] = S("why A");
	m.u.act.n_invalid_images = 2;
	m.u.act.n_invalid_messages = 1;
	expect_encode_refused(&m, -EBADMSG,
			      "body.invalid_messages: not one per invalid image for allowlist-status");
	act_allowlist_status(&m);
	m.u.act.reason = S("Why");
	expect_encode_refused(&m, -EBADMSG, "body.reason: not allowed for allowlist-status");
	act_deny(&m);
	free(m.u.act.ns);
	m.u.act.ns = NULL;
	expect_encode_refused(&m, -EBADMSG, "body.ns: required for deny");
	act_launch_min(&m);
	m.u.act.invalid_images = calloc(1, sizeof(char *));
	m.u.act.invalid_messages = calloc(1, sizeof(char *));
	m.u.act.invalid_images[0] = S("x");
	m.u.act.invalid_messages[0] = S("y");
	m.u.act.n_invalid_images = m.u.act.n_invalid_messages = 1;
	expect_encode_refused(&m, -EBADMSG, "body.invalid_images: not allowed for launch");
}

static void big_allowlist(struct mgo_ipc_msg *m, size_t n, size_t len)
{
	observe_min(m);
	m->u.observe.allowlist.present = true;
	m->u.observe.allowlist.images = calloc(n, sizeof(char *));
	cr_assert(m->u.observe.allowlist.images);
	for (size_t i = 0; i < n; i++)
		m->u.observe.allowlist.images[i] = repeat('i', len);
	m->u.observe.allowlist.n_images = n;
}

Test(ipc_codec, encoder_refuses_oversize)
{
	struct mgo_ipc_msg m;

	big_allowlist(&m, MGO_ALLOWLIST_MAX + 1, 8);
	expect_encode_refused(&m, -EBADMSG, "body.allowlist.images: more than 1024 entries");
	/* Each entry is within bounds, the whole is not: 1024 * 1100 bytes. */
	big_allowlist(&m, MGO_ALLOWLIST_MAX, 1100);
	expect_encode_refused(&m, -EMSGSIZE, "exceeds 1048576");
}

/* A LAUNCH's command and args carry what validation allows and no more
 * (mgo/types.h, MGO_ARGV_MAX); both directions refuse past it. */
Test(ipc_codec, intent_argv_is_bounded)
{
	struct mgo_ipc_msg m, d;
	char err[256], *buf;
	size_t len;

	act_launch_min(&m);
	m.u.act.intent.command = calloc(MGO_ARGV_MAX + 1, sizeof(char *));
	cr_assert(m.u.act.intent.command);
	for (size_t i = 0; i < MGO_ARGV_MAX; i++)
		m.u.act.intent.command[i] = repeat('c', MGO_ARGV_MAX);
	m.u.act.intent.n_command = MGO_ARGV_MAX;
	encode_ok(&m, &buf, &len); /* at the limits: carried */
	cr_assert_eq(mgo_ipc_decode(buf, len, &d, err, sizeof(err)), 0, "%s", err);
	eq_msg(&m, &d);
	free(buf);
	mgo_ipc_msg_free(&d);

	m.u.act.intent.command[MGO_ARGV_MAX] = S("x");
	m.u.act.intent.n_command = MGO_ARGV_MAX + 1;
	expect_encode_refused(&m, -EBADMSG, "body.intent.command: more than 256 entries");
	act_launch_min(&m);
	m.u.act.intent.args = calloc(2, sizeof(char *));
	cr_assert(m.u.act.intent.args);
	m.u.act.intent.args[0] = S("ok");
	m.u.act.intent.args[1] = repeat('a', MGO_ARGV_MAX + 1);
	m.u.act.intent.n_args = 2;
	expect_encode_refused(&m, -EBADMSG, "body.intent.args[1]: string longer than 256");
}

/* The largest allowlist the CRD admits (1024 entries of 600 bytes) fits a
 * frame and decodes: the structural limits do not cut below the schema's. */
Test(ipc_codec, full_allowlist_round_trips)
{
	struct mgo_ipc_msg m, d;
	char err[256], *buf;
	size_t len;

	big_allowlist(&m, MGO_ALLOWLIST_MAX, 600);
	encode_ok(&m, &buf, &len);
	cr_assert_eq(mgo_ipc_decode(buf, len, &d, err, sizeof(err)), 0, "%s", err);
	eq_msg(&m, &d);
	free(buf);
	mgo_ipc_msg_free(&d);
	mgo_ipc_msg_free(&m);
}

Test(ipc_codec, names)
{
	cr_assert_str_eq(mgo_ipc_type_name(MGO_IPC_OBSERVE), "observe");
	cr_assert_str_eq(mgo_ipc_type_name(MGO_IPC_HEARTBEAT), "heartbeat");
	cr_assert_str_eq(mgo_ipc_type_name(0), "invalid");
	cr_assert_str_eq(mgo_ipc_type_name(77), "invalid");
	cr_assert_str_eq(mgo_role_name(MGO_ROLE_LAUNCHER), "launcher");
	cr_assert_str_eq(mgo_role_name(-1), "invalid");
}

/* The fuzz seed corpus (tests/fuzz/corpus/fuzz_ipc/) is the samples' frames.
 * With MGO_WRITE_CORPUS=<dir> this test writes them there (see
 * tests/fuzz/make_corpus.sh); otherwise it checks that the committed frames
 * still match the encoder byte for byte, which also catches an unintended
 * change of the wire format. */
Test(ipc_codec, fuzz_corpus_is_current)
{
	const char *dir = getenv("MGO_WRITE_CORPUS");

	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		struct mgo_ipc_msg m;
		char path[4096], *buf, *file;
		size_t len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.mp",
			 dir ? dir : MGO_SOURCE_DIR "/tests/fuzz/corpus/fuzz_ipc", samples[k].name);
		samples[k].build(&m);
		encode_ok(&m, &buf, &len);
		f = fopen(path, dir ? "wb" : "rb");
		cr_assert(f, "%s: %s", path, strerror(errno));
		if (dir) {
			cr_assert_eq(fwrite(buf, 1, len, f), len, "%s: short write", path);
		} else {
			file = malloc(len + 1);
			cr_assert(file);
			cr_assert(fread(file, 1, len + 1, f) == len && memcmp(file, buf, len) == 0,
				  "%s differs from the encoder's frame: rerun tests/fuzz/make_corpus.sh",
				  path);
			free(file);
		}
		cr_assert_eq(fclose(f), 0, "%s", path);
		free(buf);
		mgo_ipc_msg_free(&m);
	}
}

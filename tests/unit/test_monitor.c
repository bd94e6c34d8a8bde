/* The launcher's checks (launcher/monitor.c), row by row: an act that
 * matches the objects read passes; each way it can differ is refused by the
 * check that names it, or is stale. The end-to-end side, with the real
 * processes and forged messages, is tests/e2e/test_e2e_compromised.c. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "mgo/apiobj.h"
#include "monitor.h"

/* a run name as mgo_run_name makes it (mgo/upload.h) */
#define TEST_RUN_NAME "must-gather.local.5f1c2d3e-0000-4000-8000-000000000001.20261207T091500Z.6f1c2d3e"

static const char *const operator_sas[] = {"mgo-watcher", "mgo-launcher"};
static const struct mgo_policy policy = {
	.namespace = "must-gather-operator",
	.default_image = "quay.io/openshift/origin-must-gather:latest",
	.operator_sas = operator_sas,
	.n_operator_sas = 2,
};

#define LISTED "quay.io/my-org/gather:v1"
#define JOB_UID "job-uid-1"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "%s: %s", e.text, text);
	return j;
}

/* MustGather team-a/mg1 with the spec given, merged with `extra` (JSON
 * text merged into the whole object, or NULL). */
static json_t *mg(const char *spec, const char *extra)
{
	json_t *obj = parse("{\"apiVersion\":\"operator.openshift.io/v1alpha1\","
			    "\"kind\":\"MustGather\",\"metadata\":{\"namespace\":\"team-a\","
			    "\"name\":\"mg1\",\"uid\":\"uid-1\",\"generation\":1,"
			    "\"resourceVersion\":\"10\"}}");

	cr_assert_eq(json_object_set_new(obj, "spec", parse(spec)), 0);
	if (extra) {
		json_t *e = parse(extra);
		cr_assert_eq(json_object_update_recursive(obj, e), 0);
		json_decref(e);
	}
	return obj;
}

static json_t *allowlist(void)
{
	return parse("{\"metadata\":{\"name\":\"cluster\",\"uid\":\"al-1\",\"generation\":2,"
		     "\"resourceVersion\":\"20\"},\"spec\":{\"images\":[\"" LISTED "\","
		     "\"Not A Valid Entry\"]}}");
}

static char *dup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	cr_assert(!s || d);
	return d;
}

static void set(char **f, const char *v)
{
	free(*f);
	*f = dup(v);
}

static struct mgo_act act(enum mgo_act_kind kind)
{
	struct mgo_act a = {.kind = kind, .ns = dup("team-a"), .name = dup("mg1"),
			    .uid = dup("uid-1"), .generation = 1, .resource_version = dup("10")};

	if (kind == MGO_ACT_LAUNCH) {
		a.intent.image = dup(policy.default_image);
		a.intent.service_account = dup("default");
	}
	if (kind == MGO_ACT_DENY || kind == MGO_ACT_FINISH) {
		a.reason = dup(kind == MGO_ACT_DENY ? "InvalidSpec" : "Completed");
		a.message = dup("why");
		a.succeeded = kind == MGO_ACT_FINISH;
	}
	if (kind == MGO_ACT_FINISH || kind == MGO_ACT_CLEANUP) {
		a.job_name = dup("mg1");
		a.job_uid = dup(JOB_UID);
	}
	return a;
}

static void expect(int got, int want, const struct mgo_refusal *why, const char *check)
{
	cr_assert_eq(got, want, "verdict %d, wanted %d (%s: %s)", got, want,
		     why->check ? why->check : "-", why->detail);
	if (want == MGO_MONITOR_REFUSED)
		cr_assert_str_eq(why->check, check, "refused by %s (%s)", why->check, why->detail);
}

static void check_mg(struct mgo_act *a, json_t *obj, json_t *al, int want, const char *check)
{
	struct mgo_refusal why;

	expect(mgo_monitor_check_mg(&policy, a, obj, al, &why), want, &why, check);
	mgo_act_free(a);
	json_decref(obj);
	json_decref(al);
}

Test(monitor, a_launch_as_decided_passes)
{
	struct mgo_act a = act(MGO_ACT_LAUNCH);
	check_mg(&a, mg("{}", NULL), NULL, MGO_MONITOR_OK, NULL);

	a = act(MGO_ACT_LAUNCH);
	set(&a.intent.image, LISTED);
	a.intent.custom_image = true;
	check_mg(&a, mg("{\"mustGatherImage\":\"" LISTED "\"}", NULL), allowlist(), MGO_MONITOR_OK,
		 NULL);
}

Test(monitor, the_mustgather_must_be_the_acts)
{
	struct mgo_act a = act(MGO_ACT_ALLOWLIST_STATUS);
	check_mg(&a, mg("{}", NULL), NULL, MGO_MONITOR_REFUSED, "kind");
	a = act(MGO_ACT_LAUNCH);
	check_mg(&a, NULL, NULL, MGO_MONITOR_REFUSED, "mustgather");
	a = act(MGO_ACT_LAUNCH);
	check_mg(&a, mg("{}", "{\"metadata\":{\"uid\":\"uid-2\"}}"), NULL, MGO_MONITOR_REFUSED,
		 "uid");
	a = act(MGO_ACT_LAUNCH);
	check_mg(&a, mg("{}", "{\"metadata\":{\"resourceVersion\":\"11\"}}"), NULL,
		 MGO_MONITOR_STALE, NULL);
	a = act(MGO_ACT_LAUNCH);
	a.generation = 2;
	check_mg(&a, mg("{}", NULL), NULL, MGO_MONITOR_REFUSED, "generation");
	a = act(MGO_ACT_LAUNCH);
	set(&a.resource_version, NULL);
	check_mg(&a, mg("{}", NULL), NULL, MGO_MONITOR_REFUSED, "resource_version");
	a = act(MGO_ACT_LAUNCH);
	check_mg(&a, mg("{}", "{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"}}"),
		 NULL, MGO_MONITOR_REFUSED, "deleting");
	a = act(MGO_ACT_LAUNCH);
	check_mg(&a, mg("{}", "{\"status\":{\"status\":\"Completed\",\"completed\":true}}"), NULL,
		 MGO_MONITOR_REFUSED, "finished");
	a = act(MGO_ACT_DENY);
	check_mg(&a, mg("{}", "{\"status\":{\"completed\":true}}"), NULL, MGO_MONITOR_REFUSED,
		 "finished");
}

Test(monitor, no_launch_in_the_operators_or_the_platforms_namespace)
{
	static const char *const places[] = {"must-gather-operator", "kube-system", "openshift",
					     "hypershift-x"};
	char extra[256];

	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		struct mgo_act a = act(MGO_ACT_LAUNCH);
		set(&a.ns, places[i]);
		snprintf(extra, sizeof(extra), "{\"metadata\":{\"namespace\":\"%s\"}}", places[i]);
		check_mg(&a, mg("{}", extra), NULL, MGO_MONITOR_REFUSED, "namespace");
	}
}

Test(monitor, each_field_of_the_intent_is_the_specs)
{
	static const char spec[] =
		"{\"mustGatherImage\":\"" LISTED "\",\"serviceAccountRef\":{\"name\":\"gatherer\"},"
		"\"mustGatherTimeout\":\"1h\",\"proxyConfig\":{\"httpProxy\":\"http://p:3128\"},"
		"\"uploadTarget\":{\"type\":\"SFTP\",\"sftp\":{\"caseID\":\"0123\","
		"\"caseManagementAccountSecretRef\":{\"name\":\"creds\"}}},"
		"\"storage\":{\"type\":\"PersistentVolume\",\"persistentVolume\":{\"claim\":"
		"{\"name\":\"pvc\"},\"subPath\":\"runs\"}}}";
	struct mgo_act good = act(MGO_ACT_LAUNCH);

	set(&good.intent.image, LISTED);
	good.intent.custom_image = true;
	set(&good.intent.service_account, "gatherer");
	good.intent.timeout_seconds = 3600;
	good.intent.http_proxy = dup("http://p:3128");
	good.intent.upload = true;
	good.intent.sftp_case_id = dup("0123");
	good.intent.sftp_secret = dup("creds");
	good.intent.sftp_host = dup("sftp.access.redhat.com");
	good.intent.pvc_claim = dup("pvc");
	good.intent.pvc_subpath = dup("runs");

	static const struct {
		const char *check;
		size_t off;             /* a string field of the intent, or ... */
		const char *value;
	} rows[] = {
#define S(name, member, v) {name, offsetof(struct mgo_job_intent, member), v}
		S("image", image, "evil.example.com/rootkit:latest"),
		S("service_account", service_account, "cluster-admin-robot"),
		S("http_proxy", http_proxy, "http://evil:3128"),
		S("https_proxy", https_proxy, "http://evil:3128"),
		S("no_proxy", no_proxy, "*"),
		S("sftp_case_id", sftp_case_id, "9999"),
		S("sftp_secret", sftp_secret, "someone-elses"),
		S("sftp_host", sftp_host, "evil.example.com"),
		S("pvc_claim", pvc_claim, "other"),
		S("pvc_subpath", pvc_subpath, "../.."),
#undef S
	};
	struct mgo_refusal why;

	json_t *obj0 = mg(spec, NULL), *al0 = allowlist();
	expect(mgo_monitor_check_mg(&policy, &good, obj0, al0, &why), MGO_MONITOR_OK, &why, NULL);
	json_decref(obj0);
	json_decref(al0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_act a = good;
		char **field = (char **)(void *)((char *)&a.intent + rows[i].off);
		char *saved = *field;
		json_t *obj = mg(spec, NULL), *al = allowlist();

		*field = (char *)rows[i].value;
		expect(mgo_monitor_check_mg(&policy, &a, obj, al, &why), MGO_MONITOR_REFUSED,
		       &why, rows[i].check);
		cr_assert(why.allowlist_sensitive);
		*field = saved;
		json_decref(obj);
		json_decref(al);
	}
	struct mgo_act a = good;
	json_t *obj = mg(spec, NULL), *al = allowlist();
	a.intent.timeout_seconds = INT64_MAX - 100;
	expect(mgo_monitor_check_mg(&policy, &a, obj, al, &why), MGO_MONITOR_REFUSED, &why,
	       "timeout");
	a.intent.timeout_seconds = 3600;
	a.intent.audit = true;
	expect(mgo_monitor_check_mg(&policy, &a, obj, al, &why), MGO_MONITOR_REFUSED, &why,
	       "audit");
	a.intent.audit = false;
	a.intent.custom_image = false;
	expect(mgo_monitor_check_mg(&policy, &a, obj, al, &why), MGO_MONITOR_REFUSED, &why,
	       "custom_image");
	a.intent.custom_image = true;
	/* the allowlist no longer lists it: the spec justifies nothing */
	json_decref(al);
	al = parse("{\"metadata\":{\"name\":\"cluster\",\"generation\":3},\"spec\":{\"images\":[]}}");
	expect(mgo_monitor_check_mg(&policy, &a, obj, al, &why), MGO_MONITOR_REFUSED, &why, "spec");
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why, "spec");
	json_decref(al);
	json_decref(obj);
	mgo_act_free(&good);
}

/* spec.gatherSpec is part of the intent the monitor recomputes: an act that
 * adds, drops or changes a since, a command item or an argument is refused. */
Test(monitor, gather_spec_is_part_of_the_intent)
{
	static const char spec[] = "{\"gatherSpec\":{\"since\":\"2h\","
				   "\"command\":[\"/usr/bin/gather\",\"-v\"],\"args\":[\"x\"]}}";
	char *command[] = {"/usr/bin/gather", "-v", "--and-more"}, *evil[] = {"/bin/sh", "-v"};
	char *args[] = {"x"};
	struct mgo_refusal why;
	struct mgo_act good = act(MGO_ACT_LAUNCH), a;
	json_t *obj = mg(spec, NULL);

	good.intent.since = "2h";
	good.intent.command = command;
	good.intent.n_command = 2;
	good.intent.args = args;
	good.intent.n_args = 1;
	expect(mgo_monitor_check_mg(&policy, &good, obj, NULL, &why), MGO_MONITOR_OK, &why, NULL);

	a = good;
	a.intent.since = "200h";
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "since");
	a = good;
	a.intent.since_time = "2020-01-01T00:00:00Z";
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "since_time");
	a = good;
	a.intent.n_command = 3;
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "command");
	a = good;
	a.intent.command = evil;
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "command");
	a = good;
	a.intent.n_args = 0;
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "args");
	json_decref(obj);
	/* borrowed strings: free only what act() allocated */
	good.intent.since = NULL;
	good.intent.command = good.intent.args = NULL;
	good.intent.n_command = good.intent.n_args = 0;
	mgo_act_free(&good);
}

/* spec.obfuscate is part of the intent: an act that drops the cleaning
 * step, or names another ConfigMap for it (one that cleans nothing), or
 * adds one the spec does not ask for, is refused. */
Test(monitor, obfuscation_is_part_of_the_intent)
{
	static const char spec[] =
		"{\"obfuscate\":{\"enabled\":true,\"configMapRef\":{\"name\":\"clean-config\"}}}";
	struct mgo_refusal why;
	struct mgo_act good = act(MGO_ACT_LAUNCH), a;
	json_t *obj = mg(spec, NULL), *plain = mg("{}", NULL);

	good.intent.obfuscate = true;
	good.intent.obfuscate_config = "clean-config";
	expect(mgo_monitor_check_mg(&policy, &good, obj, NULL, &why), MGO_MONITOR_OK, &why, NULL);

	a = good;
	a.intent.obfuscate = false;
	a.intent.obfuscate_config = NULL;
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "obfuscate");
	a = good;
	a.intent.obfuscate_config = "keeps-everything";
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "obfuscate_config");
	a = good;
	a.intent.obfuscate_config = NULL;
	expect(mgo_monitor_check_mg(&policy, &a, obj, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "obfuscate_config");
	a = good;
	expect(mgo_monitor_check_mg(&policy, &a, plain, NULL, &why), MGO_MONITOR_REFUSED, &why,
	       "obfuscate");
	json_decref(obj);
	json_decref(plain);
	good.intent.obfuscate_config = NULL; /* borrowed */
	mgo_act_free(&good);
}

Test(monitor, deletes_only_the_launchers_job_of_a_finished_mustgather)
{
	struct mgo_act a = act(MGO_ACT_CLEANUP);
	check_mg(&a, mg("{}", "{\"status\":{\"status\":\"Failed\"}}"), NULL, MGO_MONITOR_OK, NULL);
	a = act(MGO_ACT_CLEANUP);
	check_mg(&a, mg("{}", NULL), NULL, MGO_MONITOR_REFUSED, "unfinished");
	a = act(MGO_ACT_CLEANUP);
	set(&a.job_name, "etcd-backup");
	check_mg(&a, mg("{}", "{\"status\":{\"status\":\"Failed\"}}"), NULL, MGO_MONITOR_REFUSED,
		 "job_name");
	a = act(MGO_ACT_CLEANUP);
	check_mg(&a, mg("{\"retainResourcesOnCompletion\":true}",
			"{\"status\":{\"status\":\"Failed\"}}"),
		 NULL, MGO_MONITOR_REFUSED, "retain");
	a = act(MGO_ACT_FINISH);
	set(&a.reason, "Pwned");
	check_mg(&a, mg("{}", NULL), NULL, MGO_MONITOR_REFUSED, "reason");
}

static json_t *job(const char *extra)
{
	json_t *j = parse("{\"metadata\":{\"namespace\":\"team-a\",\"name\":\"mg1\",\"uid\":\"" JOB_UID
			  "\",\"ownerReferences\":[{\"apiVersion\":\"operator.openshift.io/v1alpha1\","
			  "\"kind\":\"MustGather\",\"name\":\"mg1\",\"uid\":\"uid-1\","
			  "\"controller\":true}]}}");

	if (extra) {
		json_t *e = parse(extra);
		cr_assert_eq(json_object_update_recursive(j, e), 0);
		json_decref(e);
	}
	return j;
}

static void check_job(struct mgo_act *a, json_t *j, int want, const char *check)
{
	struct mgo_refusal why;

	expect(mgo_monitor_check_job(a, j, &why), want, &why, check);
	json_decref(j);
}

#define COMPLETE "{\"status\":{\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\"}]}}"

Test(monitor, the_job_is_the_mustgathers_and_says_the_outcome)
{
	struct mgo_act a = act(MGO_ACT_CLEANUP);

	check_job(&a, job(NULL), MGO_MONITOR_OK, NULL);
	check_job(&a, NULL, MGO_MONITOR_GONE, NULL);
	check_job(&a, job("{\"metadata\":{\"namespace\":\"kube-system\"}}"), MGO_MONITOR_REFUSED,
		  "job_namespace");
	check_job(&a, job("{\"metadata\":{\"ownerReferences\":[]}}"), MGO_MONITOR_REFUSED,
		  "job_owner");
	check_job(&a, job("{\"metadata\":{\"ownerReferences\":[{\"kind\":\"MustGather\","
			  "\"uid\":\"uid-1\"}]}}"),
		  MGO_MONITOR_REFUSED, "job_owner"); /* not the controller */
	check_job(&a, job("{\"metadata\":{\"uid\":\"other\"}}"), MGO_MONITOR_REFUSED, "job_uid");
	mgo_act_free(&a);

	a = act(MGO_ACT_FINISH);
	check_job(&a, job(COMPLETE), MGO_MONITOR_OK, NULL);
	check_job(&a, job(NULL), MGO_MONITOR_REFUSED, "outcome");
	check_job(&a, NULL, MGO_MONITOR_REFUSED, "outcome");
	a.succeeded = false;
	check_job(&a, job(NULL), MGO_MONITOR_OK, NULL); /* failed on its pod's state */
	check_job(&a, NULL, MGO_MONITOR_GONE, NULL);
	check_job(&a, job(COMPLETE), MGO_MONITOR_REFUSED, "outcome");
	mgo_act_free(&a);
}

/* COMPLETE without its opening brace, to follow other members */
#define COMPLETE_TAIL "\"status\":{\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\"}]}}"
#define FAILED "{\"status\":{\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\"}]}}"

/* What the launcher's watch keeps of Job j (ended.c) answers the act as
 * mgo_monitor_job_ended_ok says; returns that, or false with no record. */
static bool ended_ok(const struct mgo_act *a, const char *job_name, const json_t *j)
{
	struct mgo_ended set = {0};
	struct mgo_ended_job rec;
	bool ok = false;

	cr_assert_eq(mgo_ended_note(&set, j, false), 0);
	if (mgo_ended_find(&set, a->job_uid, &rec))
		ok = mgo_monitor_job_ended_ok(a, job_name, &rec);
	mgo_ended_clear(&set);
	return ok;
}

Test(monitor, an_ended_job_on_the_launchers_watch_answers_only_what_the_get_would)
{
	static const char *const jobs[] = {
		COMPLETE, FAILED, NULL, /* running: never recorded */
		"{\"metadata\":{\"namespace\":\"kube-system\"}," COMPLETE_TAIL,
		"{\"metadata\":{\"ownerReferences\":[]}," COMPLETE_TAIL,
		"{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"operator.openshift.io/"
		"v1alpha1\",\"kind\":\"MustGather\",\"name\":\"mg1\",\"uid\":\"uid-1\"}]},"
		COMPLETE_TAIL, /* an owner, not the controller */
		"{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"operator.openshift.io/"
		"v1alpha1\",\"kind\":\"MustGather\",\"name\":\"mg2\",\"uid\":\"uid-2\","
		"\"controller\":true}]}," COMPLETE_TAIL,
		"{\"metadata\":{\"uid\":\"other\"}," COMPLETE_TAIL,
		"{\"metadata\":{\"deletionTimestamp\":\"2026-12-07T00:00:00Z\"}," COMPLETE_TAIL,
	};
	static const char *const names[] = {"mg1", "mg2"};
	const enum mgo_act_kind kinds[] = {MGO_ACT_FINISH, MGO_ACT_FINISH, MGO_ACT_CLEANUP,
					   MGO_ACT_DENY};
	size_t yes = 0;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
			for (size_t n = 0; n < 2; n++) {
				struct mgo_act a = act(kinds[k]);
				struct mgo_refusal why;
				json_t *j = job(jobs[i]);

				if (k == 1)
					a.succeeded = false;
				if (kinds[k] == MGO_ACT_DENY) {
					a.job_name = dup("mg1");
					a.job_uid = dup(JOB_UID);
				}
				if (ended_ok(&a, names[n], j)) {
					yes++;
					/* the name checked is the launcher's own,
					 * the one the GET reads */
					cr_assert_str_eq(names[n], "mg1");
					cr_assert_eq(mgo_monitor_check_job(&a, j, &why),
						     MGO_MONITOR_OK, "kind %zu, job %zu: %s", k, i,
						     why.detail);
				}
				json_decref(j);
				mgo_act_free(&a);
			}
		}
	}
	/* finish: Complete for a success, Failed for a failure; cleanup and
	 * deny: either ended Job */
	cr_assert_eq(yes, 6, "%zu answers from the record", yes);
}

Test(monitor, the_launchers_record_follows_the_watch)
{
	struct mgo_ended set = {0};
	struct mgo_ended_job rec;
	json_t *done = job(COMPLETE), *running = job(NULL);

	cr_assert_eq(mgo_ended_note(&set, running, false), 0);
	cr_assert_not(mgo_ended_find(&set, JOB_UID, &rec), "a running Job is not recorded");
	cr_assert_eq(mgo_ended_note(&set, done, false), 0);
	cr_assert(mgo_ended_find(&set, JOB_UID, &rec));
	cr_assert_str_eq(rec.ns, "team-a");
	cr_assert_str_eq(rec.name, "mg1");
	cr_assert_str_eq(rec.controller, "uid-1");
	cr_assert_eq(rec.phase, MGO_JOB_SUCCEEDED);
	cr_assert_eq(mgo_ended_note(&set, done, false), 0);
	cr_assert_eq(set.n, 1, "a second event replaces, not adds");
	cr_assert_eq(mgo_ended_note(&set, done, true), 0);
	cr_assert_not(mgo_ended_find(&set, JOB_UID, &rec), "a deleted Job is forgotten");
	cr_assert_eq(set.n, 0);
	json_decref(done);
	json_decref(running);
}

static void check_al(struct mgo_act *a, json_t *mgi, int want, const char *check)
{
	struct mgo_refusal why;

	expect(mgo_monitor_check_allowlist(a, mgi, &why), want, &why, check);
	json_decref(mgi);
}

Test(monitor, the_allowlists_status_is_what_the_parser_says)
{
	struct mgo_observe obs = {.subject = MGO_SUBJECT_ALLOWLIST};
	struct mgo_act a;
	char err[256];
	json_t *mgi = allowlist();

	cr_assert_eq(mgo_allowlist_from_json(mgi, &obs.allowlist, err, sizeof(err)), 0, "%s", err);
	json_decref(mgi);
	cr_assert_eq(mgo_decide_allowlist(&obs, &a), 1);
	check_al(&a, allowlist(), MGO_MONITOR_OK, NULL);
	check_al(&a, NULL, MGO_MONITOR_REFUSED, "allowlist");
	check_al(&a, parse("{\"metadata\":{\"name\":\"cluster\",\"uid\":\"al-1\",\"generation\":2,"
			   "\"resourceVersion\":\"21\"},\"spec\":{\"images\":[]}}"),
		 MGO_MONITOR_STALE, NULL);
	set(&a.invalid_images[0], LISTED);
	check_al(&a, allowlist(), MGO_MONITOR_REFUSED, "invalid_images");
	set(&a.invalid_images[0], "Not A Valid Entry");
	set(&a.invalid_messages[0], "made up");
	check_al(&a, allowlist(), MGO_MONITOR_REFUSED, "invalid_images");
	set(&a.uid, "al-2");
	check_al(&a, allowlist(), MGO_MONITOR_REFUSED, "uid");
	set(&a.name, "other");
	check_al(&a, allowlist(), MGO_MONITOR_REFUSED, "allowlist");
	mgo_act_free(&a);
	mgo_observe_free(&obs);
}

Test(monitor, a_timeout_past_its_bound_renders_no_job)
{
	struct mgo_job_config cfg = {.operator_image = "quay.io/mgo/operator:latest"};
	struct mgo_act a = act(MGO_ACT_LAUNCH);
	json_t *j;

	a.intent.timeout_seconds = MGO_TIMEOUT_MAX_SECONDS;
	j = mgo_job_render(&a, TEST_RUN_NAME, &cfg);
	cr_assert_not_null(j);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "spec"),
							"activeDeadlineSeconds")),
		     MGO_TIMEOUT_MAX_SECONDS + MGO_DEADLINE_SLACK_SECONDS);
	json_decref(j);
	a.intent.timeout_seconds = INT64_MAX - 100; /* overflowed into a negative deadline */
	cr_assert_null(mgo_job_render(&a, TEST_RUN_NAME, &cfg));
	a.intent.timeout_seconds = -1;
	cr_assert_null(mgo_job_render(&a, TEST_RUN_NAME, &cfg));
	mgo_act_free(&a);
}

/* A denial for being too large is written only for a MustGather the
 * launcher itself measures over MGO_MG_MAX_BYTES (docs/monitor.md). */
Test(monitor, too_large_only_for_a_mustgather_that_is)
{
	char *fat = malloc(MGO_MG_MAX_BYTES + 64), *extra = NULL;

	cr_assert_not_null(fat);
	memset(fat, 'x', MGO_MG_MAX_BYTES);
	fat[MGO_MG_MAX_BYTES] = '\0';
	cr_assert(asprintf(&extra, "{\"metadata\":{\"annotations\":{\"a\":\"%s\"}}}", fat) > 0);

	struct mgo_act a = act(MGO_ACT_DENY);
	set(&a.reason, MGO_REASON_OBJECT_TOO_LARGE);
	check_mg(&a, mg("{}", extra), NULL, MGO_MONITOR_OK, NULL);

	/* the spec is not read: one that would not decode does not matter */
	a = act(MGO_ACT_DENY);
	set(&a.reason, MGO_REASON_OBJECT_TOO_LARGE);
	check_mg(&a, mg("{\"mustGatherImage\":42}", extra), NULL, MGO_MONITOR_OK, NULL);

	a = act(MGO_ACT_DENY);
	set(&a.reason, MGO_REASON_OBJECT_TOO_LARGE);
	check_mg(&a, mg("{}", "{\"metadata\":{\"annotations\":{\"a\":\"small\"}}}"), NULL,
		 MGO_MONITOR_REFUSED, "too_large");

	a = act(MGO_ACT_FINISH);
	set(&a.reason, MGO_REASON_OBJECT_TOO_LARGE);
	a.succeeded = false;
	check_mg(&a, mg("{}", extra), NULL, MGO_MONITOR_REFUSED, "too_large");

	/* its identity is checked as for any act */
	a = act(MGO_ACT_DENY);
	set(&a.reason, MGO_REASON_OBJECT_TOO_LARGE);
	set(&a.uid, "uid-2");
	check_mg(&a, mg("{}", extra), NULL, MGO_MONITOR_REFUSED, "uid");
	free(extra);
	free(fat);
}

/* ---- the StorageReady condition ---- */

#define ON_CLAIM "{\"storage\":{\"type\":\"PersistentVolume\",\"persistentVolume\":" \
	"{\"claim\":{\"name\":\"results\"}}}}"
#define RUNNING "{\"status\":{\"status\":\"Running\"}}"

static struct mgo_act claim_act(enum mgo_claim_phase phase)
{
	struct mgo_act a = act(MGO_ACT_CLAIM_STATUS);
	char msg[512];

	a.reason = dup(mgo_claim_condition(phase, "results", msg, sizeof(msg)));
	a.message = dup(msg);
	return a;
}

static json_t *pvc(const char *phase)
{
	json_t *o = parse("{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\","
			  "\"metadata\":{\"namespace\":\"team-a\",\"name\":\"results\"}}");

	if (phase)
		cr_assert_eq(json_object_set_new(o, "status", json_pack("{s:s}", "phase", phase)),
			     0);
	return o;
}

static void check_claim(struct mgo_act *a, json_t *claim, int want, const char *check)
{
	struct mgo_refusal why;

	expect(mgo_monitor_check_claim(a, "results", claim, &why), want, &why, check);
	mgo_act_free(a);
	json_decref(claim);
}

/* The act's reason and message are what the claim read back gives, or it
 * is refused: a validator cannot say a Bound claim is Pending, nor the
 * reverse, nor put its own words into the condition. */
Test(monitor, claim_status_is_the_claims_phase)
{
	struct mgo_act a = claim_act(MGO_CLAIM_PENDING);
	check_claim(&a, pvc("Pending"), MGO_MONITOR_OK, NULL);
	a = claim_act(MGO_CLAIM_PENDING);
	check_claim(&a, pvc(NULL), MGO_MONITOR_OK, NULL); /* no phase yet: Pending */
	a = claim_act(MGO_CLAIM_LOST);
	check_claim(&a, pvc("Lost"), MGO_MONITOR_OK, NULL);
	a = claim_act(MGO_CLAIM_BOUND);
	check_claim(&a, pvc("Bound"), MGO_MONITOR_OK, NULL);

	a = claim_act(MGO_CLAIM_PENDING);
	check_claim(&a, pvc("Bound"), MGO_MONITOR_REFUSED, "pvc_phase");
	a = claim_act(MGO_CLAIM_LOST);
	check_claim(&a, pvc("Bound"), MGO_MONITOR_REFUSED, "pvc_phase");
	a = claim_act(MGO_CLAIM_BOUND);
	check_claim(&a, pvc("Pending"), MGO_MONITOR_REFUSED, "pvc_phase");
	a = claim_act(MGO_CLAIM_PENDING);
	check_claim(&a, NULL, MGO_MONITOR_REFUSED, "pvc_phase");
	a = claim_act(MGO_CLAIM_PENDING);
	set(&a.message, "PersistentVolumeClaim results is Pending: visit evil.example");
	check_claim(&a, pvc("Pending"), MGO_MONITOR_REFUSED, "message");
}

/* The claim read is the one the MustGather read back names. */
Test(monitor, claim_status_reads_the_specs_claim)
{
	struct mgo_act a = claim_act(MGO_CLAIM_PENDING);
	struct mgo_refusal why;
	const char *claim;
	json_t *obj = mg(ON_CLAIM, RUNNING);

	expect(mgo_monitor_claim_to_read(&a, obj, &claim, &why), MGO_MONITOR_OK, &why, NULL);
	cr_assert_str_eq(claim, "results");
	json_decref(obj);
	obj = mg("{}", RUNNING);
	expect(mgo_monitor_claim_to_read(&a, obj, &claim, &why), MGO_MONITOR_REFUSED, &why,
	       "pvc_claim");
	json_decref(obj);
	mgo_act_free(&a);
}

/* Only about a Running MustGather with a claim, with one of the three
 * reasons; conditional on the version seen like every status write. */
Test(monitor, claim_status_only_on_a_running_mustgather)
{
	struct mgo_act a = claim_act(MGO_CLAIM_PENDING);
	check_mg(&a, mg(ON_CLAIM, RUNNING), NULL, MGO_MONITOR_OK, NULL);
	a = claim_act(MGO_CLAIM_PENDING);
	check_mg(&a, mg(ON_CLAIM, NULL), NULL, MGO_MONITOR_REFUSED, "phase");
	a = claim_act(MGO_CLAIM_PENDING);
	check_mg(&a, mg(ON_CLAIM, "{\"status\":{\"status\":\"Failed\"}}"), NULL,
		 MGO_MONITOR_REFUSED, "finished");
	a = claim_act(MGO_CLAIM_PENDING);
	check_mg(&a, mg("{}", RUNNING), NULL, MGO_MONITOR_REFUSED, "pvc_claim");
	a = claim_act(MGO_CLAIM_PENDING);
	set(&a.reason, "Completed");
	check_mg(&a, mg(ON_CLAIM, RUNNING), NULL, MGO_MONITOR_REFUSED, "reason");
	a = claim_act(MGO_CLAIM_PENDING);
	check_mg(&a, mg(ON_CLAIM, "{\"status\":{\"status\":\"Running\"},"
			"\"metadata\":{\"resourceVersion\":\"11\"}}"), NULL,
		 MGO_MONITOR_STALE, NULL);
}

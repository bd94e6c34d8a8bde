/* Every row of the decision table: what the validator does for each state a
 * MustGather, its allowlist and its Job can be in. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"
#include "mgo/upload.h"

static const char *const operator_sas[] = {"mgo-watcher", "mgo-launcher"};
static const struct mgo_policy policy = {
	.namespace = "must-gather-operator",
	.default_image = "quay.io/openshift/origin-must-gather:latest",
	.operator_sas = operator_sas,
	.n_operator_sas = 2,
};

static char *allowed[] = {
	"quay.io/my-org/my-custom-must-gather:latest",
	("registry.example.com/team-a/debug-must-gather@sha256:"
	 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
	"Not A Valid Entry",
	"busybox",
};

/* A MustGather in team-a with nothing set, an allowlist with the entries
 * above, no Job, and its service account present. Strings are borrowed from
 * literals: the observation is never freed. */
static struct mgo_observe base(void)
{
	return (struct mgo_observe){
		.mg = {.ns = "team-a", .name = "mg1", .uid = "uid-1", .generation = 1},
		.allowlist = {.present = true, .generation = 3, .n_images = 4, .images = allowed},
		.job = {.gather_exit = -1, .upload_exit = -1},
		.service_account = MGO_PRESENCE_PRESENT,
		.pvc = MGO_PRESENCE_PRESENT,
	};
}

static struct mgo_act decide_ok(const struct mgo_observe *o, int want)
{
	struct mgo_act act;
	int rc = mgo_decide(&policy, o, &act);
	cr_assert_eq(rc, want, "decision %d, wanted %d (reason %s: %s)", rc, want,
		     act.reason ? act.reason : "-", act.message ? act.message : "-");
	return act;
}

static void expect_deny(const struct mgo_observe *o, const char *reason, const char *needle)
{
	struct mgo_act act = decide_ok(o, MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_DENY, "kind %d", act.kind);
	cr_assert_str_eq(act.reason, reason);
	cr_assert(strstr(act.message, needle), "message \"%s\" lacks \"%s\"", act.message, needle);
	cr_assert_null(act.intent.image, "a denial carries no intent");
	cr_assert_str_eq(act.uid, "uid-1");
	mgo_act_free(&act);
}

static struct mgo_act expect_launch(const struct mgo_observe *o, const char *image)
{
	struct mgo_act act = decide_ok(o, MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_LAUNCH, "kind %d (%s: %s)", act.kind,
		     act.reason ? act.reason : "-", act.message ? act.message : "-");
	cr_assert_str_eq(act.intent.image, image);
	cr_assert_str_eq(act.ns, "team-a");
	cr_assert_str_eq(act.name, "mg1");
	cr_assert_eq(act.generation, 1);
	return act;
}

/* ---- the enhancement's cases ---- */

Test(decide, no_custom_image_runs_default_with_or_without_allowlist)
{
	struct mgo_observe o = base();
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert_not(act.intent.custom_image);
	cr_assert_str_eq(act.intent.service_account, "default");
	mgo_act_free(&act);

	o.allowlist = (struct mgo_allowlist){0};
	act = expect_launch(&o, policy.default_image);
	mgo_act_free(&act);
}

Test(decide, allowed_image_runs_exactly_as_written)
{
	struct mgo_observe o = base();
	o.mg.spec.image = "quay.io/my-org/my-custom-must-gather"; /* :latest implied */
	struct mgo_act act = expect_launch(&o, "quay.io/my-org/my-custom-must-gather");
	cr_assert(act.intent.custom_image);
	mgo_act_free(&act);

	o.mg.spec.image = "docker.io/library/busybox:latest"; /* entry written "busybox" */
	act = expect_launch(&o, "docker.io/library/busybox:latest");
	mgo_act_free(&act);
}

Test(decide, image_not_in_allowlist_is_invalid_image)
{
	struct mgo_observe o = base();
	o.mg.spec.image = "quay.io/evil/gather:latest";
	expect_deny(&o, "InvalidImage", "not in MustGatherImage/cluster");

	o.mg.spec.image = "quay.io/my-org/my-custom-must-gather:v2"; /* other tag */
	expect_deny(&o, "InvalidImage", "not in MustGatherImage/cluster");
}

Test(decide, digest_pinned_entry_allows_only_that_digest)
{
	struct mgo_observe o = base();
	o.mg.spec.image = "registry.example.com/team-a/debug-must-gather:latest";
	expect_deny(&o, "InvalidImage", "not in MustGatherImage/cluster");

	o.mg.spec.image = "registry.example.com/team-a/debug-must-gather@sha256:"
			  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee";
	expect_deny(&o, "InvalidImage", "not in MustGatherImage/cluster");

	o.mg.spec.image = "registry.example.com/team-a/debug-must-gather@sha256:"
			  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct mgo_act act = expect_launch(&o, o.mg.spec.image);
	mgo_act_free(&act);
}

Test(decide, custom_image_without_allowlist_is_not_configured)
{
	struct mgo_observe o = base();
	o.allowlist = (struct mgo_allowlist){0};
	o.mg.spec.image = "quay.io/my-org/my-custom-must-gather:latest";
	expect_deny(&o, "AllowlistNotConfigured", "MustGatherImage named 'cluster'");
}

Test(decide, malformed_image_says_what_is_wrong)
{
	struct mgo_observe o = base();
	o.mg.spec.image = "quay.io/My-Org/gather:latest";
	expect_deny(&o, "InvalidImage", "not a valid image reference");
	/* malformed beats a missing allowlist: the user can fix it alone */
	o.allowlist = (struct mgo_allowlist){0};
	expect_deny(&o, "InvalidImage", "lowercase");
}

Test(decide, malformed_allowlist_entry_allows_nothing)
{
	struct mgo_observe o = base();
	o.mg.spec.image = "Not A Valid Entry";
	expect_deny(&o, "InvalidImage", "not a valid image reference");
}

/* ---- the rest of the spec ---- */

Test(decide, service_account_checks)
{
	struct mgo_observe o = base();
	o.mg.spec.service_account = "gatherer";
	o.service_account = MGO_PRESENCE_ABSENT;
	expect_deny(&o, "InvalidSpec", "ServiceAccount gatherer not found in namespace team-a");

	o.service_account = MGO_PRESENCE_PRESENT;
	o.mg.spec.service_account = "Bad_Name";
	expect_deny(&o, "InvalidSpec", "spec.serviceAccountRef.name");

	o.mg.spec.service_account = "mgo-launcher";
	o.mg.ns = "must-gather-operator";
	expect_deny(&o, "InvalidSpec", "operator's own service accounts");

	o.mg.ns = "team-a"; /* same name elsewhere is somebody else's account */
	o.mg.spec.service_account = "mgo-launcher";
	struct mgo_observe copy = o;
	struct mgo_act act;
	cr_assert_eq(mgo_decide(&policy, &copy, &act), MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_LAUNCH);
	cr_assert_str_eq(act.intent.service_account, "mgo-launcher");
	mgo_act_free(&act);
}

/* A spec added (or changed) after creation, by a server that did not
 * enforce the CRD's CEL: no spec but the first runs. */
Test(decide, spec_changed_after_creation_is_invalid)
{
	struct mgo_observe o = base();

	o.mg.generation = 2;
	expect_deny(&o, MGO_REASON_INVALID_SPEC, "changed after creation");
}

/* A missing claim is named; one not read yet lets the spec speak. */
Test(decide, missing_claim_is_invalid_spec_naming_it)
{
	struct mgo_observe o = base();

	o.mg.spec.storage_type = "PersistentVolume";
	o.mg.spec.pvc_claim = "out";
	o.pvc = MGO_PRESENCE_ABSENT;
	expect_deny(&o, MGO_REASON_INVALID_SPEC, MGO_DENY_CLAIM_MISSING "out not found");
}

Test(decide, timeout_rendered_in_seconds)
{
	struct mgo_observe o = base();
	o.mg.spec.timeout = "1h30m";
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert_eq(act.intent.timeout_seconds, 5400);
	mgo_act_free(&act);

	o.mg.spec.timeout = "10x";
	expect_deny(&o, "InvalidSpec", "spec.mustGatherTimeout");
}

Test(decide, upload_target)
{
	struct mgo_observe o = base();
	o.mg.spec.upload_type = "SFTP";
	expect_deny(&o, "InvalidSpec", "sftp is required");

	o.mg.spec.has_sftp = true;
	o.mg.spec.sftp_case_id = "01234567";
	o.mg.spec.sftp_secret = "case-creds";
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert(act.intent.upload);
	cr_assert_str_eq(act.intent.sftp_host, "sftp.access.redhat.com");
	cr_assert_str_eq(act.intent.sftp_secret, "case-creds");
	cr_assert_str_eq(act.intent.sftp_case_id, "01234567");
	mgo_act_free(&act);

	o.mg.spec.sftp_case_id = "../../etc";
	expect_deny(&o, "InvalidSpec", "caseID");
	o.mg.spec.sftp_case_id = "01234567";
	o.mg.spec.sftp_host = "sftp.example.com:99999";
	expect_deny(&o, "InvalidSpec", "sftp.host");
	o.mg.spec.sftp_host = "[::1]:2222";
	act = expect_launch(&o, policy.default_image);
	mgo_act_free(&act);
	o.mg.spec.upload_type = "S3";
	expect_deny(&o, "InvalidSpec", "only SFTP");
}

Test(decide, storage)
{
	struct mgo_observe o = base();
	o.mg.spec.storage_type = "PersistentVolume";
	o.mg.spec.pvc_claim = "gathers";
	o.mg.spec.pvc_subpath = "cases/123";
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert_str_eq(act.intent.pvc_claim, "gathers");
	cr_assert_str_eq(act.intent.pvc_subpath, "cases/123");
	mgo_act_free(&act);

	o.mg.spec.pvc_subpath = "cases/../../etc";
	expect_deny(&o, "InvalidSpec", "subPath");
	o.mg.spec.pvc_subpath = "/abs";
	expect_deny(&o, "InvalidSpec", "subPath");
	o.mg.spec.pvc_subpath = NULL;
	o.pvc = MGO_PRESENCE_ABSENT;
	expect_deny(&o, "InvalidSpec", "PersistentVolumeClaim gathers not found");
}

Test(decide, obfuscate)
{
	struct mgo_observe o = base();
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert(!act.intent.obfuscate, "not asked, no cleaning step");
	mgo_act_free(&act);

	o.mg.spec.obfuscate = true;
	act = expect_launch(&o, policy.default_image);
	cr_assert(act.intent.obfuscate);
	cr_assert_null(act.intent.obfuscate_config, "no ConfigMap: mgo-clean's defaults");
	mgo_act_free(&act);

	o.mg.spec.obfuscate_config = "clean-config";
	act = expect_launch(&o, policy.default_image);
	cr_assert(act.intent.obfuscate);
	cr_assert_str_eq(act.intent.obfuscate_config, "clean-config");
	mgo_act_free(&act);

	o.mg.spec.obfuscate_config = "Not_A_Name";
	expect_deny(&o, "InvalidSpec", "spec.obfuscate.configMapRef.name Not_A_Name must name a "
		    "ConfigMap");
	o.mg.spec.obfuscate_config = "clean-config";
	o.mg.spec.obfuscate = false;
	expect_deny(&o, "InvalidSpec", "spec.obfuscate.configMapRef is set but "
		    "spec.obfuscate.enabled is not true");
}

Test(decide, proxy)
{
	struct mgo_observe o = base();
	o.mg.spec.https_proxy = "file:///etc/passwd";
	expect_deny(&o, "InvalidSpec", "httpsProxy");
	o.mg.spec.https_proxy = "http://proxy.example.com:3128";
	o.mg.spec.no_proxy = ".cluster.local,10.0.0.0/8";
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert_str_eq(act.intent.https_proxy, "http://proxy.example.com:3128");
	mgo_act_free(&act);
}

Test(decide, gather_spec_since)
{
	static const char *const good[] = {"2h30m", "90m", "1.5h", "300ms", "10us", "5ns", "0s"};
	static const char *const bad[] = {"", "1d", "-1h", "h", "1.h", "1h ", "1H", "1h;rm",
		"1234567890123456789012345678901234567890123456789012345678901234s"};
	struct mgo_observe o = base();

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o.mg.spec.since = (char *)good[i];
		struct mgo_act act = expect_launch(&o, policy.default_image);
		cr_assert_str_eq(act.intent.since, good[i]);
		cr_assert_null(act.intent.since_time);
		mgo_act_free(&act);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.mg.spec.since = (char *)bad[i];
		expect_deny(&o, "InvalidSpec", "spec.gatherSpec.since ");
	}
}

Test(decide, gather_spec_since_time)
{
	static const char *const good[] = {"2026-01-02T15:04:05Z", "2024-02-29T00:00:00+01:00",
		"2026-12-31T23:59:59.123456789-07:30"};
	static const char *const bad[] = {"2026-01-02", "2026-01-02 15:04:05Z",
		"2026-01-02T15:04:05", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T23:59:60Z",
		"2026-01-02T15:04:05.Z", "2026-01-02T15:04:05.1234567890Z",
		"2026-01-02T15:04:05+0100", "2026-01-02T15:04:05Zjunk", "yesterday"};
	struct mgo_observe o = base();

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o.mg.spec.since_time = (char *)good[i];
		struct mgo_act act = expect_launch(&o, policy.default_image);
		cr_assert_str_eq(act.intent.since_time, good[i]);
		mgo_act_free(&act);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.mg.spec.since_time = (char *)bad[i];
		expect_deny(&o, "InvalidSpec", "spec.gatherSpec.sinceTime");
	}
	o.mg.spec.since_time = (char *)good[0];
	o.mg.spec.since = "1h";
	expect_deny(&o, "InvalidSpec", "set at most one of them");
}

Test(decide, gather_spec_command_and_args_exactly_as_written)
{
	char *command[] = {"/bin/sh", "-c", "echo $HOME; rm -rf /"};
	char *args[] = {"--flag", "", "a b"};
	struct mgo_observe o = base();
	o.mg.spec.command = command;
	o.mg.spec.n_command = 3;
	o.mg.spec.args = args;
	o.mg.spec.n_args = 3;
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert_eq(act.intent.n_command, 3);
	cr_assert_eq(act.intent.n_args, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_str_eq(act.intent.command[i], command[i]);
		cr_assert_str_eq(act.intent.args[i], args[i]);
	}
	mgo_act_free(&act);
}

Test(decide, gather_spec_limits)
{
	static char *many[MGO_ARGV_MAX + 1];
	char long_item[MGO_ARGV_MAX + 2];
	struct mgo_observe o = base();

	for (size_t i = 0; i < MGO_ARGV_MAX + 1; i++)
		many[i] = "x";
	memset(long_item, 'a', sizeof(long_item) - 1);
	long_item[sizeof(long_item) - 1] = '\0';

	/* exactly at the limits: accepted */
	o.mg.spec.command = many;
	o.mg.spec.n_command = MGO_ARGV_MAX;
	o.mg.spec.args = many;
	o.mg.spec.n_args = MGO_ARGV_MAX;
	many[0] = long_item + 1; /* 256 bytes */
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert_eq(act.intent.n_command, MGO_ARGV_MAX);
	mgo_act_free(&act);

	o.mg.spec.n_command = MGO_ARGV_MAX + 1;
	expect_deny(&o, "InvalidSpec", "spec.gatherSpec.command has 257 items, at most 256");
	o.mg.spec.n_command = 1;
	o.mg.spec.n_args = MGO_ARGV_MAX + 1;
	expect_deny(&o, "InvalidSpec", "spec.gatherSpec.args has 257 items");
	o.mg.spec.n_args = 2;
	many[1] = long_item; /* 257 bytes */
	expect_deny(&o, "InvalidSpec", "spec.gatherSpec.args[1] is 257 bytes long, at most 256");
	o.mg.spec.n_command = 2;
	expect_deny(&o, "InvalidSpec", "spec.gatherSpec.command[1] is 257 bytes");
}

Test(decide, audit_only_with_the_default_image_and_command)
{
	char *command[] = {"/usr/bin/my-gather"};
	char *args[] = {"--quick"};
	struct mgo_observe o = base();
	o.mg.spec.audit = true;
	o.mg.spec.args = args;
	o.mg.spec.n_args = 1;
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert(act.intent.audit);
	mgo_act_free(&act);

	o.mg.spec.command = command;
	o.mg.spec.n_command = 1;
	expect_deny(&o, "InvalidSpec",
		    "spec.additionalConfig.audit gathers audit logs with the default image and "
		    "command only; unset spec.gatherSpec.command or the audit");
	o.mg.spec.image = allowed[0];
	expect_deny(&o, "InvalidSpec", "unset spec.mustGatherImage and spec.gatherSpec.command");
	o.mg.spec.n_command = 0;
	expect_deny(&o, "InvalidSpec", "unset spec.mustGatherImage or the audit");
	o.mg.spec.audit = false;
	act = expect_launch(&o, allowed[0]);
	mgo_act_free(&act);
}

/* ---- the lifecycle ---- */

Test(decide, deleting_does_nothing)
{
	struct mgo_observe o = base();
	o.mg.deleting = true;
	decide_ok(&o, MGO_DECIDE_NOTHING);
}

Test(decide, running_job_does_nothing)
{
	struct mgo_observe o = base();
	o.mg.phase = MGO_MG_RUNNING;
	o.job.phase = MGO_JOB_ACTIVE;
	o.job.name = "mg1";
	decide_ok(&o, MGO_DECIDE_NOTHING);
}

/* ---- the storage claim of a running gather ---- */

static struct mgo_observe running_on_claim(enum mgo_claim_phase phase, const char *condition)
{
	struct mgo_observe o = base();

	o.mg.phase = MGO_MG_RUNNING;
	o.mg.resource_version = "7";
	o.mg.spec.storage_type = "PersistentVolume";
	o.mg.spec.pvc_claim = "results";
	o.mg.storage_reason = (char *)condition;
	o.job = (struct mgo_job_state){.phase = MGO_JOB_ACTIVE, .name = "mg1", .uid = "j1",
				       .gather_exit = -1, .upload_exit = -1};
	o.pvc_phase = phase;
	return o;
}

static void expect_claim_status(const struct mgo_observe *o, const char *reason,
				const char *needle)
{
	struct mgo_act act = decide_ok(o, MGO_DECIDE_ACT);

	cr_assert_eq(act.kind, MGO_ACT_CLAIM_STATUS, "kind %d", act.kind);
	cr_assert_str_eq(act.reason, reason);
	cr_assert(strstr(act.message, needle), "message \"%s\" lacks \"%s\"", act.message,
		  needle);
	cr_assert_str_eq(act.resource_version, "7", "conditional on the version seen");
	cr_assert_null(act.job_name, "a status-only act touches no Job");
	cr_assert_null(act.intent.image);
	mgo_act_free(&act);
}

/* Pending or Lost: said once (False), and taken back once Bound (True);
 * nothing while the status says it already, nothing for a claim Bound
 * from the start, nothing before it is read. */
Test(decide, claim_not_bound_is_said_in_the_status_once)
{
	struct {
		enum mgo_claim_phase phase;
		const char *had, *want, *needle;
	} rows[] = {
		{MGO_CLAIM_PENDING, NULL, MGO_REASON_CLAIM_PENDING,
		 "PersistentVolumeClaim results is Pending: the Job's pod waits for it to bind"},
		{MGO_CLAIM_PENDING, MGO_REASON_CLAIM_BOUND, MGO_REASON_CLAIM_PENDING, "is Pending"},
		{MGO_CLAIM_PENDING, MGO_REASON_CLAIM_LOST, MGO_REASON_CLAIM_PENDING, "is Pending"},
		{MGO_CLAIM_PENDING, MGO_REASON_CLAIM_PENDING, NULL, NULL},
		{MGO_CLAIM_LOST, NULL, MGO_REASON_CLAIM_LOST,
		 "results is Lost (its volume is gone) and will not bind again"},
		{MGO_CLAIM_LOST, MGO_REASON_CLAIM_PENDING, MGO_REASON_CLAIM_LOST, "is Lost"},
		{MGO_CLAIM_LOST, MGO_REASON_CLAIM_LOST, NULL, NULL},
		{MGO_CLAIM_BOUND, MGO_REASON_CLAIM_PENDING, MGO_REASON_CLAIM_BOUND,
		 "PersistentVolumeClaim results is Bound"},
		{MGO_CLAIM_BOUND, MGO_REASON_CLAIM_LOST, MGO_REASON_CLAIM_BOUND, "is Bound"},
		{MGO_CLAIM_BOUND, MGO_REASON_CLAIM_BOUND, NULL, NULL},
		{MGO_CLAIM_BOUND, NULL, NULL, NULL},
		{MGO_CLAIM_UNKNOWN, NULL, NULL, NULL},
		{MGO_CLAIM_UNKNOWN, MGO_REASON_CLAIM_PENDING, NULL, NULL},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_observe o = running_on_claim(rows[i].phase, rows[i].had);

		if (rows[i].want)
			expect_claim_status(&o, rows[i].want, rows[i].needle);
		else
			decide_ok(&o, MGO_DECIDE_NOTHING);
	}
}

/* Only a Running MustGather with its Job: before that it is launched (the
 * pod waits as it would), after it the outcome stands, and a pod that
 * cannot start fails it whatever its claim. */
Test(decide, claim_status_only_while_running)
{
	struct mgo_observe o = running_on_claim(MGO_CLAIM_PENDING, NULL);
	struct mgo_act act;

	o.mg.phase = MGO_MG_NEW;
	act = expect_launch(&o, policy.default_image);
	mgo_act_free(&act);

	o = running_on_claim(MGO_CLAIM_PENDING, NULL);
	o.mg.phase = MGO_MG_COMPLETED;
	o.mg.spec.retain = true;
	decide_ok(&o, MGO_DECIDE_NOTHING);

	o = running_on_claim(MGO_CLAIM_PENDING, NULL);
	o.mg.deleting = true;
	decide_ok(&o, MGO_DECIDE_NOTHING);

	o = running_on_claim(MGO_CLAIM_PENDING, NULL);
	o.job.pod_container = "gather";
	o.job.pod_reason = "ImagePullBackOff";
	act = decide_ok(&o, MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_FINISH);
	mgo_act_free(&act);

	o = running_on_claim(MGO_CLAIM_PENDING, NULL);
	o.mg.spec.pvc_claim = NULL;
	o.mg.spec.storage_type = NULL;
	decide_ok(&o, MGO_DECIDE_NOTHING);
}

Test(decide, launched_but_status_not_written_relaunches_idempotently)
{
	struct mgo_observe o = base();
	o.job = (struct mgo_job_state){.phase = MGO_JOB_ACTIVE, .name = "mg1", .uid = "j1",
				       .gather_exit = -1, .upload_exit = -1};
	struct mgo_act act = expect_launch(&o, policy.default_image);
	mgo_act_free(&act);

	/* ... unless the image was removed from the allowlist meanwhile */
	o.mg.spec.image = "quay.io/evil/gather:latest";
	act = decide_ok(&o, MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_DENY);
	cr_assert_str_eq(act.job_name, "mg1");
	cr_assert_str_eq(act.job_uid, "j1");
	mgo_act_free(&act);
}

static struct mgo_observe finished(enum mgo_job_phase phase)
{
	struct mgo_observe o = base();
	o.mg.phase = MGO_MG_RUNNING;
	o.job = (struct mgo_job_state){.phase = phase, .name = "mg1", .uid = "j1",
				       .gather_exit = -1, .upload_exit = -1};
	return o;
}

static void expect_finish(const struct mgo_observe *o, bool ok, const char *reason,
			  const char *needle, bool deletes_job)
{
	struct mgo_act act = decide_ok(o, MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_FINISH);
	cr_assert_eq(act.succeeded, ok);
	cr_assert_str_eq(act.reason, reason);
	cr_assert(strstr(act.message, needle), "message \"%s\" lacks \"%s\"", act.message, needle);
	if (deletes_job) {
		cr_assert_str_eq(act.job_name, "mg1");
		cr_assert_str_eq(act.job_uid, "j1");
	} else {
		cr_assert_null(act.job_name);
	}
	mgo_act_free(&act);
}

Test(decide, job_outcomes)
{
	struct mgo_observe o = finished(MGO_JOB_SUCCEEDED);
	expect_finish(&o, true, "Completed", "completed", true);
	o.mg.spec.retain = true;
	expect_finish(&o, true, "Completed", "completed", false);

	o = finished(MGO_JOB_FAILED);
	o.job.reason = "DeadlineExceeded";
	o.mg.spec.timeout = "10m";
	expect_finish(&o, false, "Timeout", "within spec.mustGatherTimeout (10m)", true);

	o = finished(MGO_JOB_FAILED);
	o.job.gather_exit = 124;
	expect_finish(&o, false, "Timeout", "mustGatherTimeout", true);

	o = finished(MGO_JOB_FAILED);
	o.job.gather_exit = 2;
	expect_finish(&o, false, "GatherFailed", "exited with status 2", true);

	o = finished(MGO_JOB_FAILED);
	o.job.gather_exit = 0;
	o.job.upload_exit = 5;
	expect_finish(&o, false, "UploadFailed", "refused the credentials", true);

	o = finished(MGO_JOB_FAILED);
	o.job.reason = "BackoffLimitExceeded";
	o.job.message = "Job has reached the specified backoff limit";
	expect_finish(&o, false, "JobFailed", "BackoffLimitExceeded", true);
}

Test(decide, timed_out_gather_says_where_its_partial_result_went)
{
	/* uploaded: the gather step succeeded, mgo-upload said partial */
	struct mgo_observe o = finished(MGO_JOB_FAILED);
	o.mg.spec.timeout = "10m";
	o.mg.spec.upload_type = "SFTP";
	o.mg.spec.sftp_host = "sftp.example.com";
	o.job.reason = "BackoffLimitExceeded";
	o.job.gather_exit = 0;
	o.job.upload_exit = MGO_UPLOAD_EXIT_PARTIAL;
	o.job.pod_container = "upload";
	o.job.pod_reason = "Error";
	o.job.pod_message = "uploaded 1234 bytes to sftp.example.com as 0123_must-gather-mg1.tar.gz\n";
	expect_finish(&o, false, "Timeout",
		      "within spec.mustGatherTimeout (10m); what it wrote before then was uploaded "
		      "to sftp.example.com as a partial result: uploaded 1234 bytes to "
		      "sftp.example.com as 0123_must-gather-mg1.tar.gz", true);

	/* kept on a claim: its folder named */
	o = finished(MGO_JOB_FAILED);
	o.mg.spec.timeout = "10m";
	o.mg.spec.pvc_claim = "results";
	o.mg.spec.pvc_subpath = "runs";
	o.job.gather_exit = MGO_GATHER_EXIT_TIMEOUT;
	o.mg.result_name = "must-gather.local.c1.20261207T091500Z.uid-1abc";
	expect_finish(&o, false, "Timeout",
		      "is kept as a partial result in "
		      "runs/must-gather.local.c1.20261207T091500Z.uid-1abc/must-gather.tar.gz on "
		      "PersistentVolumeClaim results", true);
	/* its name not seen: no folder made up */
	o.mg.result_name = NULL;
	expect_finish(&o, false, "Timeout",
		      "is kept as a partial result in the run's folder (status.resultName) on "
		      "PersistentVolumeClaim results", true);

	/* neither: said plainly that nothing keeps it */
	o = finished(MGO_JOB_FAILED);
	o.job.gather_exit = MGO_GATHER_EXIT_TIMEOUT;
	expect_finish(&o, false, "Timeout", "stays in the pod's emptyDir volume", true);
}

Test(decide, failure_quotes_the_containers_last_lines)
{
	struct mgo_observe o = finished(MGO_JOB_FAILED);
	o.job.gather_exit = 3;
	o.job.pod_container = "gather";
	o.job.pod_reason = "Error";
	o.job.pod_message = "collecting nodes\nerror: nodes is forbidden\nmgo: gather failed with "
			    "exit status 3\n";
	expect_finish(&o, false, "GatherFailed",
		      "exited with status 3; its last lines:\ncollecting nodes\nerror: nodes is "
		      "forbidden\nmgo: gather failed with exit status 3", true);

	/* a report about the other container is not quoted as the gather's */
	o.job.pod_container = "upload";
	expect_finish(&o, false, "GatherFailed", "see the logs of container gather", true);

	o = finished(MGO_JOB_FAILED);
	o.job.gather_exit = 0;
	o.job.upload_exit = MGO_UPLOAD_EXIT_UNREACHABLE;
	o.job.pod_container = "upload";
	o.job.pod_message = "cannot reach [sftp.access.redhat.com]:22: timed out";
	expect_finish(&o, false, "UploadFailed", "(exit status 6): cannot reach", true);

	/* bounded: the end is kept, cut where a character starts */
	static char big[4096];
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big + 3000, "\xc3\xa9", 2); /* U+00E9 */
	memcpy(big + sizeof(big) - 5, "end\n", 4);
	o = finished(MGO_JOB_FAILED);
	o.job.gather_exit = 1;
	o.job.pod_container = "gather";
	o.job.pod_message = big;
	struct mgo_act act = decide_ok(&o, MGO_DECIDE_ACT);
	cr_assert_lt(strlen(act.message), 1024, "%zu bytes", strlen(act.message));
	cr_assert(strstr(act.message, "xxxend"), "%s", act.message);
	mgo_act_free(&act);
	/* a cut inside a two-byte character never leaves its second byte */
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big + sizeof(big) - 1 - 513, "\xc3\xa9", 2);
	act = decide_ok(&o, MGO_DECIDE_ACT);
	cr_assert_null(strstr(act.message, "\xa9"), "%s", act.message);
	mgo_act_free(&act);
}

Test(decide, pod_that_cannot_start_fails_the_must_gather)
{
	struct mgo_observe o = finished(MGO_JOB_ACTIVE);
	o.job.pod_container = "gather";
	o.job.pod_reason = "ImagePullBackOff";
	o.job.pod_message = "Back-off pulling image \"quay.io/x/y:z\"";
	expect_finish(&o, false, "ImagePullFailed", "cannot pull its image", true);

	o.job.pod_container = "upload";
	o.job.pod_reason = "CreateContainerConfigError";
	o.job.pod_message = "secret \"case-creds\" not found";
	expect_finish(&o, false, "PodConfigError", "secret \"case-creds\" not found", true);
}

/* The cleaning step (spec.obfuscate, launcher/job.h): its failure is its
 * own reason, quoting its message; its 124 is the gather's timeout, passed
 * on after packing what it cleaned. */
Test(decide, cleaning_outcomes)
{
	struct mgo_observe o = finished(MGO_JOB_FAILED);
	o.mg.spec.obfuscate = true;
	o.mg.spec.upload_type = "SFTP";
	o.job.gather_exit = 0;
	o.job.clean_exit = 3;
	o.job.pod_container = "clean";
	o.job.pod_reason = "Error";
	o.job.pod_message = "mgo-clean: namespaces/a/pods/b/b.log: read: Permission denied\n";
	expect_finish(&o, false, "ObfuscationFailed",
		      "the obfuscation of the gathered data failed (exit status 3); nothing was "
		      "packed, stored or uploaded: mgo-clean: namespaces/a/pods/b/b.log: read: "
		      "Permission denied", true);
	/* no message of its own: where to look */
	o.job.pod_container = "upload";
	expect_finish(&o, false, "ObfuscationFailed", "see the logs of container clean", true);

	/* the gather's failure is still the gather's */
	o = finished(MGO_JOB_FAILED);
	o.mg.spec.obfuscate = true;
	o.job.gather_exit = 2;
	o.job.clean_exit = -1;
	expect_finish(&o, false, "GatherFailed", "exited with status 2", true);

	/* a timed-out gather, cleaned and kept on a claim without an upload */
	o = finished(MGO_JOB_FAILED);
	o.mg.spec.obfuscate = true;
	o.mg.spec.timeout = "10m";
	o.mg.spec.pvc_claim = "results";
	o.job.gather_exit = 0;
	o.mg.result_name = "must-gather.local.c1.20261207T091500Z.uid-1abc";
	o.job.clean_exit = MGO_GATHER_EXIT_TIMEOUT;
	expect_finish(&o, false, "Timeout", "is kept, obfuscated, as a partial result in "
		      "must-gather.local.c1.20261207T091500Z.uid-1abc/must-gather.tar.gz on "
		      "PersistentVolumeClaim results", true);
}

Test(decide, job_gone_while_running_is_launched_again)
{
	struct mgo_observe o = base();
	o.mg.phase = MGO_MG_RUNNING;
	o.mg.resource_version = "42";
	struct mgo_act act = expect_launch(&o, policy.default_image);
	cr_assert_str_eq(act.resource_version, "42", "the launcher's write is conditional on it");
	mgo_act_free(&act);
}

Test(decide, finished_must_gather_is_never_rerun)
{
	enum mgo_mg_phase terminal[] = {MGO_MG_COMPLETED, MGO_MG_FAILED};
	for (size_t i = 0; i < 2; i++) {
		struct mgo_observe o = base();
		o.mg.phase = terminal[i];
		decide_ok(&o, MGO_DECIDE_NOTHING); /* no Job: never a LAUNCH */

		o.job = (struct mgo_job_state){.phase = MGO_JOB_SUCCEEDED, .name = "mg1",
					       .uid = "j1", .gather_exit = -1, .upload_exit = -1};
		struct mgo_act act = decide_ok(&o, MGO_DECIDE_ACT);
		cr_assert_eq(act.kind, MGO_ACT_CLEANUP);
		cr_assert_str_eq(act.job_name, "mg1");
		mgo_act_free(&act);

		o.mg.spec.retain = true;
		decide_ok(&o, MGO_DECIDE_NOTHING);
	}
}

/* ---- durations ---- */

/* Criterion copies parameters into a re-executed worker: no pointers. */
struct dur_case {
	char in[40];
	int64_t secs; /* -1: invalid */
};

ParameterizedTestParameters(decide, durations)
{
	static struct dur_case cases[] = {
		{"90s", 90}, {"10m", 600}, {"2h", 7200}, {"1d", 86400}, {"1.5h", 5400},
		{"500ms", 1}, {"1h30m", 5400}, {"0.5s", 1}, {"1m1s", 61}, {"366d", 31622400},
		{"", -1}, {"10", -1}, {"x", -1}, {"10x", -1}, {"-5s", -1}, {"0s", -1},
		{"1.s", -1}, {"0x10s", -1}, {"1e3s", -1}, {"inf", -1}, {"367d", -1},
		{"99999999999999999999999999999d", -1}, {" 5s", -1}, {"5s ", -1}, {"5S", -1},
	};
	return cr_make_param_array(struct dur_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct dur_case *c, decide, durations)
{
	int64_t secs = 0;
	char msg[256] = "";
	int rc = mgo_parse_duration(c->in, &secs, msg, sizeof(msg));
	if (c->secs < 0) {
		cr_assert_neq(rc, 0, "\"%s\" accepted as %lld", c->in, (long long)secs);
		cr_assert(msg[0], "no message for \"%s\"", c->in);
	} else {
		cr_assert_eq(rc, 0, "\"%s\": %s", c->in, msg);
		cr_assert_eq(secs, c->secs, "\"%s\" -> %lld", c->in, (long long)secs);
	}
}

/* The allowlist's own status: each entry that is no image reference, with
 * why, and nothing about the MustGathers. */
Test(decide, allowlist_status_lists_each_malformed_entry)
{
	struct mgo_observe o = {
		.subject = MGO_SUBJECT_ALLOWLIST,
		.allowlist = {.present = true, .uid = "mgi-uid", .resource_version = "41",
			      .generation = 3, .observed_generation = 2, .n_images = 4,
			      .images = allowed},
		.job = {.gather_exit = -1, .upload_exit = -1},
	};
	struct mgo_act act = decide_ok(&o, MGO_DECIDE_ACT);

	cr_assert_eq(act.kind, MGO_ACT_ALLOWLIST_STATUS);
	cr_assert_null(act.ns);
	cr_assert_str_eq(act.name, "cluster");
	cr_assert_str_eq(act.uid, "mgi-uid");
	cr_assert_str_eq(act.resource_version, "41");
	cr_assert_eq(act.generation, 3);
	cr_assert_eq(act.n_invalid_images, 1, "only the entry with spaces is malformed");
	cr_assert_eq(act.n_invalid_messages, 1);
	cr_assert_str_eq(act.invalid_images[0], "Not A Valid Entry");
	cr_assert(strlen(act.invalid_messages[0]) > 0);
	cr_assert_null(act.reason);
	mgo_act_free(&act);

	/* every entry fine: the act still comes, to write invalidCount 0 */
	o.allowlist.n_images = 2;
	act = decide_ok(&o, MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_ALLOWLIST_STATUS);
	cr_assert_eq(act.n_invalid_images, 0);
	mgo_act_free(&act);

	/* an empty list is valid too */
	o.allowlist.n_images = 0;
	act = decide_ok(&o, MGO_DECIDE_ACT);
	cr_assert_eq(act.n_invalid_images, 0);
	mgo_act_free(&act);
}

Test(decide, namespaces_where_no_gather_runs)
{
	static const char *const refused[] = {"must-gather-operator", "openshift", "openshift-etcd",
					      "kube", "kube-system", "hypershift", "hypershift-x"};
	static const char *const admitted[] = {"team-a", "openshifty", "kubelet-tests", "default",
					       "hypershiftless"};
	struct mgo_observe o = base();

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		o.mg.ns = (char *)refused[i];
		expect_deny(&o, "InvalidSpec", "metadata.namespace");
	}
	for (size_t i = 0; i < sizeof(admitted) / sizeof(admitted[0]); i++) {
		struct mgo_act act;
		o.mg.ns = (char *)admitted[i];
		cr_assert_eq(mgo_decide(&policy, &o, &act), MGO_DECIDE_ACT);
		cr_assert_eq(act.kind, MGO_ACT_LAUNCH, "%s: %s", admitted[i],
			     act.message ? act.message : "");
		mgo_act_free(&act);
	}
}

/* The platform's namespaces are one list: the admission policy's CEL in
 * deploy/components/admission-policies and mgo_namespace_is_platform must name the same ones. */
Test(decide, platform_namespaces_are_the_admission_policys)
{
	static const char *const platform[] = {"openshift", "kube", "hypershift"};
	FILE *f = fopen(MGO_SOURCE_DIR "/deploy/components/admission-policies/mustgather-namespaces.yaml", "r");
	char text[16384], *in, *end, needle[64];
	size_t n, listed = 0;

	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	in = strstr(text, "request.namespace in [");
	cr_assert_not_null(in, "the policy's exact-name list is gone");
	end = strchr(in, ']');
	cr_assert_not_null(end);
	for (char *q = in; q < end; q++)
		listed += *q == ',';
	/* the platform's names and the operator's own, deploy/'s namespace */
	cr_assert_eq(listed + 1, sizeof(platform) / sizeof(platform[0]) + 1,
		     "the policy names another number of namespaces than the code");
	cr_assert(strstr(in, "'must-gather-operator'") && strstr(in, "'must-gather-operator'") < end,
		  "the operator's namespace is not in the list");
	f = fopen(MGO_SOURCE_DIR "/deploy/config/mgo.yaml", "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	cr_assert_not_null(strstr(text, "\nnamespace: must-gather-operator\n"),
			   "the policy names another operator namespace than deploy/'s mgo.yaml");
	f = fopen(MGO_SOURCE_DIR "/deploy/components/admission-policies/mustgather-namespaces.yaml",
		  "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	in = strstr(text, "request.namespace in [");
	end = strchr(in, ']');
	for (size_t i = 0; i < sizeof(platform) / sizeof(platform[0]); i++) {
		snprintf(needle, sizeof(needle), "'%s'", platform[i]);
		cr_assert(strstr(in, needle) && strstr(in, needle) < end, "%s not in the list",
			  platform[i]);
		snprintf(needle, sizeof(needle), "startsWith('%s-')", platform[i]);
		cr_assert_not_null(strstr(text, needle), "no %s", needle);
		cr_assert(mgo_namespace_is_platform(platform[i]));
		snprintf(needle, sizeof(needle), "%s-x", platform[i]);
		cr_assert(mgo_namespace_is_platform(needle));
		snprintf(needle, sizeof(needle), "%sx", platform[i]);
		cr_assert_not(mgo_namespace_is_platform(needle));
	}
	n = 0;
	for (char *q = text; (q = strstr(q, "startsWith(")); q++)
		n++;
	cr_assert_eq(n, sizeof(platform) / sizeof(platform[0]), "prefixes the code lacks");
}

/* docs/design.md, "Objects too large to read": the watcher read only its
 * metadata and phase; nothing but failing it (and its Job) is justified. */
Test(decide, a_mustgather_too_large_to_read_fails_as_too_large)
{
	struct mgo_observe o = base();

	o.mg.too_large_bytes = 204955;
	o.service_account = MGO_PRESENCE_ABSENT; /* no premise counts */
	expect_deny(&o, MGO_REASON_OBJECT_TOO_LARGE, "204955 bytes");
	expect_deny(&o, MGO_REASON_OBJECT_TOO_LARGE, "131072 bytes the operator reads");

	o.mg.phase = MGO_MG_RUNNING;
	o.job = (struct mgo_job_state){.phase = MGO_JOB_ACTIVE, .name = "mg1", .uid = "j1",
				       .gather_exit = -1, .upload_exit = -1};
	struct mgo_act act = decide_ok(&o, MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_DENY);
	cr_assert_str_eq(act.reason, MGO_REASON_OBJECT_TOO_LARGE);
	cr_assert_str_eq(act.job_uid, "j1", "its Job goes too");
	mgo_act_free(&act);

	/* a recorded outcome stands; without the spec, whether it retains
	 * its Job is unknown, so the Job is left alone */
	o.mg.phase = MGO_MG_COMPLETED;
	decide_ok(&o, MGO_DECIDE_NOTHING);
	o.mg.deleting = true;
	o.mg.phase = MGO_MG_NEW;
	decide_ok(&o, MGO_DECIDE_NOTHING);
}

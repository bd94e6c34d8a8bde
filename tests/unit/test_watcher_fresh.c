/* The watcher process against the test API server, with this test as its
 * validator: an Observe never rests on a view of the allowlist or of a pod
 * older than the MustGather it is about, even when the watch of those lags
 * behind the watch of MustGathers (forced here: the server holds that
 * watch until the watcher has read anew), and the ServiceAccount it names
 * is read, not watched. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/ipc.h"
#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "spawn.h"
#include "testenv.h"

#define NS "team-a"
#define TOKEN "watcher-token-0123456789"
#define USER "system:serviceaccount:must-gather-operator:mgo-watcher"

static struct testenv env;
static void *zctx, *pull;
static char endpoint[256];
static pid_t watcher;

static void admin(const char *method, const char *path, const char *content_type,
		  const char *body, long want)
{
	json_t *resp = NULL;
	long code = testenv_call(&env, env.admin_token, method, path, content_type, body, &resp);

	cr_assert_eq(code, want, "%s %s: %ld %s", method, path, code,
		     json_string_value(json_object_get(resp, "message")));
	json_decref(resp);
}

static void setup(void)
{
	static const char tokens[] = TOKEN "," USER ",uid-w,\"system:serviceaccounts\"\n";
	char crds[512], rbac[512], *tok, *ltok, *cfg, *text = NULL, *log;
	struct testenv_opts opts = {.extra_tokens = tokens};

	snprintf(crds, sizeof(crds), "%s/deploy/crds", MGO_SOURCE_DIR);
	snprintf(rbac, sizeof(rbac), "%s/deploy/rbac", MGO_SOURCE_DIR);
	opts.load_dirs[0] = crds;
	opts.load_dirs[1] = rbac;
	testenv_start(&env, &opts);
	admin("POST", "/api/v1/namespaces", NULL, "{\"metadata\":{\"name\":\"" NS "\"}}", 201);
	tok = mgo_test_write_role_token(env.dir, "watcher", TOKEN);
	ltok = mgo_test_write_role_token(env.dir, "launcher", TOKEN);
	cr_assert(asprintf(&text,
			   "namespace: must-gather-operator\n"
			   "defaultImage: quay.io/openshift/origin-must-gather:latest\n"
			   "operatorImage: quay.io/openshift/must-gather-operator:latest\n"
			   "socketDir: %s\n"
			   "roles:\n"
			   "  watcher: {tokenFile: %s, caFile: %s, server: \"%s\"}\n"
			   "  launcher: {tokenFile: %s, caFile: %s, server: \"%s\"}\n",
			   env.dir, tok, env.ca, env.url, ltok, env.ca, env.url) > 0);
	cfg = mgo_test_write(env.dir, "config.yaml", text);
	snprintf(endpoint, sizeof(endpoint), "%s/validator", env.dir);
	cr_assert_eq(mkdir(endpoint, 0700), 0);
	snprintf(endpoint, sizeof(endpoint), "ipc://%s/validator/socket", env.dir);
	zctx = zmq_ctx_new();
	cr_assert_not_null(zctx);
	cr_assert_eq(mgo_ipc_bind_pull(zctx, endpoint, NULL, &pull), 0);
	cr_assert(asprintf(&log, "%s/watcher.log", env.dir) > 0);
	/* this test is the validator, on a plain socket */
	const char *argv[] = {MGO_WATCHER_BIN, "--config", cfg, "--insecure-ipc", NULL};
	watcher = spawn_logged(argv, NULL, log);
	cr_assert_gt(watcher, 0);
	cr_assert(wait_for_text(log, "\"watcher.ready\"", 10000), "the watcher did not start");
	free(log);
	free(text);
	free(cfg);
	free(tok);
	free(ltok);
}

static void teardown(void)
{
	int status = stop_process(watcher, SIGTERM, 10000);

	cr_expect(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the watcher did not exit 0 (%#x)", status);
	mgo_ipc_close_bound(pull, endpoint);
	zmq_ctx_term(zctx);
	testenv_stop(&env);
}

TestSuite(watcher_fresh, .init = setup, .fini = teardown);

/* The first Observe about MustGather `name` (whose Job is in `phase`, if
 * phase >= 0); fails after 10 s. */
static void first_observe_with(const char *name, int phase, struct mgo_ipc_msg *out)
{
	uint64_t end = mgo_now_ms() + 10000;
	char err[256];

	while (mgo_now_ms() < end) {
		zmq_pollitem_t item = {.socket = pull, .events = ZMQ_POLLIN};
		if (zmq_poll(&item, 1, (long)(end - mgo_now_ms())) != 1)
			continue;
		cr_assert_eq(mgo_ipc_recv(pull, out, err, sizeof(err)), 0, "%s", err);
		if (out->type == MGO_IPC_OBSERVE &&
		    out->u.observe.subject == MGO_SUBJECT_MUSTGATHER &&
		    strcmp(out->u.observe.mg.name, name) == 0 &&
		    (phase < 0 || (int)out->u.observe.job.phase == phase))
			return;
		mgo_ipc_msg_free(out);
	}
	cr_assert_fail("no Observe about %s", name);
}

static void first_observe(const char *name, struct mgo_ipc_msg *out)
{
	first_observe_with(name, -1, out);
}

/* Creates MustGather `name`; returns its UID (caller frees). */
static char *create_mg(const char *name, const char *spec)
{
	char body[512];
	json_t *mg = NULL;
	char *uid;

	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
		 "\"metadata\":{\"name\":\"%s\"},\"spec\":%s}",
		 name, spec);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST",
				  "/apis/operator.openshift.io/v1alpha1/namespaces/" NS "/mustgathers",
				  NULL, body, &mg),
		     201);
	uid = strdup(json_string_value(json_object_get(json_object_get(mg, "metadata"), "uid")));
	json_decref(mg);
	return uid;
}

/* The watcher's reads (get or list) of `resource`, by the audit log. */
static size_t watcher_reads(const char *resource)
{
	char *lines = testenv_audit_grep(&env, "resource", resource), *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *user = json_string_value(json_object_get(j, "user"));
		const char *verb = json_string_value(json_object_get(j, "verb"));
		if (user && verb && strcmp(user, USER) == 0 &&
		    (strcmp(verb, "get") == 0 || strcmp(verb, "list") == 0))
			n++;
		json_decref(j);
	}
	free(lines);
	return n;
}

/* From now on the server holds the watch of `resource`, so its informer
 * stays behind the one of MustGathers until let_go_after. */
static void lag(const char *resource)
{
	char faults[256];

	snprintf(faults, sizeof(faults),
		 "{\"hold\":true,\"match\":{\"verb\":\"watch\",\"resource\":\"%s\"}}", resource);
	admin("POST", "/mgo-test/faults", NULL, faults, 200);
	admin("POST", "/mgo-test/drop-watches", NULL, "{}", 200);
	cr_assert(testenv_wait_held(&env, 1, 10000), "the watch of %s was never held", resource);
}

/* Once the watcher has read `resource` at least `n` times (it found its
 * cache behind that read, and waits for the watch), lets the watch go. */
static void let_go_after(const char *resource, size_t n)
{
	uint64_t end = mgo_now_ms() + 10000;

	while (watcher_reads(resource) < n && mgo_now_ms() < end)
		usleep(10000); /* the audit log: nothing to wait on */
	cr_assert_geq(watcher_reads(resource), n, "the watcher did not read %s anew", resource);
	admin("POST", "/mgo-test/faults", NULL, "{}", 200);
}

#define ALLOWLIST "/apis/operator.openshift.io/v1alpha1/mustgatherimages"

Test(watcher_fresh, observe_waits_for_an_allowlist_edit_made_before_the_mustgather)
{
	struct mgo_ipc_msg m;
	size_t reads;

	admin("POST", ALLOWLIST, NULL,
	      "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGatherImage\","
	      "\"metadata\":{\"name\":\"cluster\"},\"spec\":{\"images\":[\"quay.io/a/g:1\"]}}",
	      201);
	free(create_mg("first", "{\"mustGatherImage\":\"quay.io/a/g:1\"}"));
	first_observe("first", &m);
	cr_assert_eq(m.u.observe.allowlist.n_images, 1);
	mgo_ipc_msg_free(&m);

	lag("mustgatherimages");
	admin("PATCH", ALLOWLIST "/cluster", "application/merge-patch+json",
	      "{\"spec\":{\"images\":[\"quay.io/a/g:1\",\"quay.io/b/g:1\"]}}", 200);
	reads = watcher_reads("mustgatherimages");
	free(create_mg("second", "{\"mustGatherImage\":\"quay.io/b/g:1\"}"));
	/* a read, its cache found behind, a read again */
	let_go_after("mustgatherimages", reads + 2);
	first_observe("second", &m);
	cr_expect(m.u.observe.allowlist.present);
	cr_expect_eq(m.u.observe.allowlist.n_images, 2,
		     "the Observe carries the allowlist from before the edit");
	mgo_ipc_msg_free(&m);
}

/* The watcher keeps no cache of ServiceAccounts (issue 11: its memory and
 * start-up would grow with the cluster): it reads the one a MustGather
 * names, so an account made just before the MustGather is found, and one
 * missing is reported so. */
/* The watcher's requests about ServiceAccounts, by the audit log: each must
 * be a GET (the accounts are read, never listed or watched). */
static size_t sa_gets(void)
{
	char *lines = testenv_audit_grep(&env, "resource", "serviceaccounts"), *line, *save = NULL;
	size_t gets = 0;

	for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *user = json_string_value(json_object_get(j, "user"));
		const char *verb = json_string_value(json_object_get(j, "verb"));
		if (user && strcmp(user, USER) == 0) {
			cr_expect_str_eq(verb, "get", "the watcher did %s serviceaccounts", verb);
			gets++;
		}
		json_decref(j);
	}
	free(lines);
	return gets;
}

Test(watcher_fresh, observe_reads_the_service_account_it_names)
{
	struct mgo_ipc_msg m;
	size_t gets;

	admin("POST", "/api/v1/namespaces/" NS "/serviceaccounts", NULL,
	      "{\"metadata\":{\"name\":\"gatherer\"}}", 201);
	free(create_mg("with-sa", "{\"serviceAccountRef\":{\"name\":\"gatherer\"}}"));
	first_observe("with-sa", &m);
	cr_expect_eq(m.u.observe.service_account, MGO_PRESENCE_PRESENT,
		     "the Observe says the account is missing");
	mgo_ipc_msg_free(&m);

	free(create_mg("no-sa", "{\"serviceAccountRef\":{\"name\":\"nobody\"}}"));
	first_observe("no-sa", &m);
	cr_expect_eq(m.u.observe.service_account, MGO_PRESENCE_ABSENT);
	mgo_ipc_msg_free(&m);

	/* one GET each, no list, no watch */
	gets = sa_gets();
	cr_expect_eq(gets, 2, "%zu reads of ServiceAccounts", gets);
}

Test(watcher_fresh, failed_job_is_observed_with_the_pod_that_says_why)
{
	char body[1024], *uid;
	json_t *job = NULL;
	struct mgo_ipc_msg m;
	size_t reads;

	uid = create_mg("failing", "{}");
	/* the launcher's Job and the Job controller's pod (labels and
	 * controller references as theirs) */
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"failing\","
		 "\"labels\":{\"app.kubernetes.io/managed-by\":\"mgo\",\"must-gather.openshift.io/uid\":"
		 "\"%s\"},\"ownerReferences\":[{\"apiVersion\":\"operator.openshift.io/v1alpha1\","
		 "\"kind\":\"MustGather\",\"name\":\"failing\",\"uid\":\"%s\",\"controller\":true}]},"
		 "\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\","
		 "\"containers\":[{\"name\":\"gather\",\"image\":\"busybox\"}]}}}}",
		 uid, uid);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST",
				  "/apis/batch/v1/namespaces/" NS "/jobs", NULL, body, &job), 201);
	lag("pods");
	reads = watcher_reads("pods");
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"failing-x1\",\"labels\":{\"app.kubernetes.io/managed-by\":"
		 "\"mgo\",\"must-gather.openshift.io/uid\":\"%s\"},\"ownerReferences\":[{"
		 "\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"name\":\"failing\",\"uid\":\"%s\","
		 "\"controller\":true}]},\"spec\":{\"restartPolicy\":"
		 "\"Never\",\"containers\":[{\"name\":\"gather\",\"image\":\"busybox\"}]}}",
		 uid, json_string_value(json_object_get(json_object_get(job, "metadata"), "uid")));
	admin("POST", "/api/v1/namespaces/" NS "/pods", NULL, body, 201);
	json_decref(job);
	admin("PATCH", "/api/v1/namespaces/" NS "/pods/failing-x1/status",
	      "application/merge-patch+json",
	      "{\"status\":{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"gather\","
	      "\"state\":{\"terminated\":{\"exitCode\":2,\"reason\":\"Error\"}}}]}}",
	      200);
	admin("PATCH", "/apis/batch/v1/namespaces/" NS "/jobs/failing/status",
	      "application/merge-patch+json",
	      "{\"status\":{\"failed\":1,\"conditions\":[{\"type\":\"Failed\",\"status\":"
	      "\"True\",\"reason\":\"BackoffLimitExceeded\"}]}}",
	      200);
	let_go_after("pods", reads + 1); /* the pods listed anew, its cache behind */
	first_observe_with("failing", MGO_JOB_FAILED, &m);
	cr_expect_eq(m.u.observe.job.gather_exit, 2,
		     "the failed Job is observed without its pod's exit status");
	mgo_ipc_msg_free(&m);
	free(uid);
}

/* One read of an account in flight serves every MustGather seen before it
 * started; those seen after it started wait together for the next one
 * (watcher.c, sa_read). With each read held 1 s by the server, ten
 * MustGathers naming one account created at once cost two reads (three
 * if the creations straddle a read), and each is observed with what the
 * read said. */
Test(watcher_fresh, one_service_account_read_serves_many)
{
	enum { N = 10 };
	bool seen[N] = {false};
	size_t nseen = 0, gets;
	uint64_t end;
	char err[256];

	admin("POST", "/api/v1/namespaces/" NS "/serviceaccounts", NULL,
	      "{\"metadata\":{\"name\":\"shared\"}}", 201);
	admin("POST", "/mgo-test/faults", NULL,
	      "{\"latencyMs\":1000,\"match\":{\"verb\":\"get\",\"resource\":\"serviceaccounts\"}}",
	      200);
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "shared-%d", i);
		free(create_mg(name, "{\"serviceAccountRef\":{\"name\":\"shared\"}}"));
	}
	end = mgo_now_ms() + 20000;
	while (nseen < N && mgo_now_ms() < end) {
		zmq_pollitem_t item = {.socket = pull, .events = ZMQ_POLLIN};
		struct mgo_ipc_msg m;
		int i;

		if (zmq_poll(&item, 1, (long)(end - mgo_now_ms())) != 1)
			continue;
		cr_assert_eq(mgo_ipc_recv(pull, &m, err, sizeof(err)), 0, "%s", err);
		if (m.type == MGO_IPC_OBSERVE && m.u.observe.subject == MGO_SUBJECT_MUSTGATHER &&
		    sscanf(m.u.observe.mg.name, "shared-%d", &i) == 1 && i >= 0 && i < N &&
		    !seen[i]) {
			cr_expect_eq(m.u.observe.service_account, MGO_PRESENCE_PRESENT,
				     "%s observed without its account", m.u.observe.mg.name);
			seen[i] = true;
			nseen++;
		}
		mgo_ipc_msg_free(&m);
	}
	cr_assert_eq(nseen, N, "%zu of %d MustGathers observed", nseen, N);
	gets = sa_gets();
	cr_expect(gets >= 1 && gets <= 3, "%zu reads of the account for %d MustGathers", gets, N);
}

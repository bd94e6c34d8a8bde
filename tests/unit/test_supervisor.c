/* mgo-supervisor running the real processes: ordered start and stop,
 * restarts of a killed or hung child while MustGathers are in flight, the
 * crash-loop limit, and nothing left behind. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgo/loop.h"
#include "operator.h"
#include "spawn.h"
#include "testenv.h"

/* Fast enough for tests, slow enough for a loaded CI machine (and the
 * sanitizer build). */
#define FAST "{gracePeriodMs: 10000, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 3000," \
	     " restartDelayMs: 200, restartDelayMaxMs: 400}"

static struct testenv env;
static struct mgo_test_operator op;
static char *scratch;

static void teardown(void)
{
	mgo_test_operator_free(&op);
	if (scratch) {
		mgo_test_rmtree(scratch);
		free(scratch);
	}
	if (env.pid)
		testenv_stop(&env);
}

TestSuite(supervisor, .fini = teardown, .timeout = 180);

static const char *str(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static bool alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

Test(supervisor, sigterm_stops_in_order_and_leaves_nothing_behind)
{
	struct mgo_test_operator_opts o = {.env = &env, .supervisor_yaml = FAST};
	pid_t kids[4];
	static const char *const roles[] = {"health", "validator", "launcher", "watcher"};
	char path[600];
	struct stat st;

	mgo_test_operator_env(&env);
	mgo_test_operator_start(&op, &o);
	/* all started at once, in start order, none waiting for another to be
	 * ready (nothing here needs one: no mgo-tokens), then all ready */
	json_t *started = mgo_test_operator_events(&op, "supervisor.child.started", NULL);
	json_t *ev = mgo_test_operator_events(&op, "supervisor.child.ready", NULL);
	cr_assert_eq(json_array_size(started), 4);
	cr_assert_eq(json_array_size(ev), 4);
	for (size_t i = 0; i < 4; i++) {
		const char *first_ready = str(json_array_get(ev, 0), "ts");
		cr_assert_str_eq(str(json_array_get(started, i), "child"), roles[i]);
		cr_assert_leq(strcmp(str(json_array_get(started, i), "ts"), first_ready), 0,
			      "%s started after %s was ready", roles[i],
			      str(json_array_get(ev, 0), "child"));
		kids[i] = mgo_test_operator_child(&op, roles[i]);
		cr_assert(kids[i] > 0 && alive(kids[i]), "%s not ready", roles[i]);
	}
	json_decref(started);
	json_decref(ev);
	snprintf(path, sizeof(path), "%s/launcher/socket", op.socket_dir);
	cr_assert_eq(stat(path, &st), 0, "the launcher's socket exists while it runs");
	cr_assert_eq(stat(op.socket_dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700, "the socket directory is private");
	/* the supervisor is sandboxed, its children are its own (made by the
	 * spawner with CLONE_PARENT) and not inside its sandbox: each is
	 * running with its own */
	json_t *sb = mgo_test_operator_events(&op, "sandbox.applied", NULL);
	bool sup_sandboxed = false;
	for (size_t i = 0; i < json_array_size(sb); i++)
		sup_sandboxed |= strcmp(str(json_array_get(sb, i), "role"), "supervisor") == 0 &&
				 strcmp(str(json_array_get(sb, i), "sandbox"), "supervisor") == 0;
	json_decref(sb);
	cr_assert(sup_sandboxed, "no sandbox.applied line of the supervisor's");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)op.pid);
	char *status_text = slurp(path);
	cr_assert(status_text && strstr(status_text, "Seccomp:\t2\n"), "supervisor: no filter");
	free(status_text);
	for (size_t i = 0; i < 4; i++) {
		char want[32];
		snprintf(path, sizeof(path), "/proc/%d/status", (int)kids[i]);
		snprintf(want, sizeof(want), "PPid:\t%d\n", (int)op.pid);
		status_text = slurp(path);
		cr_assert(status_text && strstr(status_text, want), "%s: not the supervisor's child",
			  roles[i]);
		free(status_text);
		/* GnuTLS, linked through libcurl but never used, is not
		 * initialised in any child (sup_spawn.c) */
		snprintf(path, sizeof(path), "/proc/%d/environ", (int)kids[i]);
		FILE *f = fopen(path, "r");
		char *var = NULL;
		size_t cap = 0;
		bool off = false;
		cr_assert_not_null(f, "%s: %s", path, strerror(errno));
		while (getdelim(&var, &cap, '\0', f) > 0)
			off |= strcmp(var, "GNUTLS_NO_IMPLICIT_INIT=1") == 0;
		free(var);
		fclose(f);
		cr_assert(off, "%s runs without GNUTLS_NO_IMPLICIT_INIT=1", roles[i]);
	}
	snprintf(path, sizeof(path), "%s/launcher/socket", op.socket_dir);

	uint64_t t0 = mgo_now_ms();
	int status = mgo_test_operator_stop(&op, 10000);
	uint64_t took = mgo_now_ms() - t0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	cr_assert_lt(took, 10000, "within the grace period (%llu ms)", (unsigned long long)took);

	/* stopped one at a time: watcher, validator, launcher, health */
	static const char *const order[] = {"watcher", "validator", "launcher", "health"};
	json_t *stopping = mgo_test_operator_events(&op, "supervisor.child.stopping", NULL);
	json_t *stopped = mgo_test_operator_events(&op, "supervisor.child.stopped", NULL);
	cr_assert_eq(json_array_size(stopping), 4);
	cr_assert_eq(json_array_size(stopped), 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_str_eq(str(json_array_get(stopping, i), "child"), order[i]);
		cr_assert_str_eq(str(json_array_get(stopped, i), "child"), order[i]);
		cr_assert_str_eq(str(json_array_get(stopped, i), "status"), "exit status 0");
		if (i > 0) /* each stop starts once the one before is done */
			cr_assert_geq(strcmp(str(json_array_get(stopping, i), "ts"),
					     str(json_array_get(stopped, i - 1), "ts")), 0);
	}
	json_decref(stopping);
	json_decref(stopped);
	/* the children's metric frames were all taken, none cost a child */
	static const char *const never[] = {"supervisor.child.broken", "supervisor.metrics.refused"};
	for (size_t i = 0; i < 2; i++) {
		json_t *bad = mgo_test_operator_events(&op, never[i], NULL);
		cr_assert_eq(json_array_size(bad), 0, "%s", never[i]);
		json_decref(bad);
	}
	for (size_t i = 0; i < 4; i++)
		cr_assert_not(alive(kids[i]), "%s (%d) left running", roles[i], (int)kids[i]);
	cr_assert_neq(stat(path, &st), 0, "socket file left behind");
	cr_assert_neq(stat(op.socket_dir, &st), 0, "the directory it made is gone too");
	/* the output stayed JSON lines, children's tagged with their role */
	char *text = slurp(op.log), *save = NULL;
	size_t lines = 0, from_children = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		cr_assert_not_null(j, "not a JSON line: %s", line);
		const char *role = str(j, "role");
		cr_assert_not_null(role, "%s", line);
		from_children += strcmp(role, "supervisor") != 0;
		lines++;
		json_decref(j);
	}
	free(text);
	cr_assert_gt(from_children, 5, "%zu of %zu lines from the children", from_children, lines);
}

Test(supervisor, a_crash_loop_gives_up_naming_the_child)
{
	char missing[600];
	struct mgo_test_operator_opts o = {
		.supervisor_yaml = "{restartDelayMs: 20, restartDelayMaxMs: 40, crashLoopLimit: 2}",
		.launcher_token_file = missing,
	};

	snprintf(missing, sizeof(missing), "/nonexistent/mgo-test/%d/token", (int)getpid());
	mgo_test_operator_spawn(&op, &o);
	int status = mgo_test_operator_wait_exit(&op, 30000);
	cr_assert_neq(status, -1, "the supervisor did not give up");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %#x", status);

	json_t *loop = mgo_test_operator_events(&op, "supervisor.crashloop", NULL);
	cr_assert_eq(json_array_size(loop), 1, "one clear line");
	json_t *line = json_array_get(loop, 0);
	cr_assert_str_eq(str(line, "child"), "launcher");
	cr_assert_str_eq(str(line, "level"), "error");
	cr_assert(strstr(str(line, "msg"), "launcher failed 3 times in a row"), "%s", str(line, "msg"));
	json_decref(loop);
	json_t *started = mgo_test_operator_events(&op, "supervisor.child.started", "launcher");
	cr_assert_eq(json_array_size(started), 3, "the first start and crashLoopLimit restarts");
	json_decref(started);
	/* the others started beside it, needing nothing of it, and are
	 * stopped with it */
	static const char *const rest[] = {"validator", "watcher"};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = mgo_test_operator_events(&op, "supervisor.child.started", rest[i]);
		cr_assert_eq(json_array_size(v), 1, "%s started once", rest[i]);
		json_decref(v);
		v = mgo_test_operator_events(&op, "supervisor.child.stopped", rest[i]);
		cr_assert_eq(json_array_size(v), 1, "%s stopped", rest[i]);
		json_decref(v);
	}
	char why[700];
	snprintf(why, sizeof(why), "token file %s: ", missing);
	cr_assert(wait_for_text(op.log, why, 0), "the child's own reason is in the log too");
}

Test(supervisor, a_hung_child_is_found_by_its_silence_and_restarted)
{
	struct mgo_test_operator_opts o = {.env = &env, .supervisor_yaml = FAST};
	static const char *const roles[] = {"validator", "launcher", "watcher"};

	mgo_test_operator_env(&env);
	mgo_test_operator_start(&op, &o);
	for (size_t i = 0; i < 3; i++) {
		/* the stopped process is killed and reaped, its successor ready */
		mgo_test_operator_replace_child(&op, roles[i], SIGSTOP, 30000);
		json_t *broken = mgo_test_operator_events(&op, "supervisor.child.broken", roles[i]);
		cr_assert_eq(json_array_size(broken), 1);
		cr_assert(strstr(str(json_array_get(broken, 0), "why"), "no heartbeat for"),
			  "%s", str(json_array_get(broken, 0), "why"));
		json_decref(broken);
	}
	cr_assert_eq(WEXITSTATUS(mgo_test_operator_stop(&op, 10000)), 0);
}

/* A program that does `misdeed` (shell) the first time it runs, then
 * becomes `real` with the supervisor's arguments and descriptors. In
 * `scratch`, which teardown removes. */
static char *wrapper(const char *name, const char *misdeed, const char *real)
{
	char *script = NULL, *path;

	if (!scratch)
		scratch = mgo_test_tmpdir();
	cr_assert(asprintf(&script,
			   "#!/bin/sh\n"
			   "if [ ! -e \"$0.done\" ]; then : >\"$0.done\"; %s; fi\n"
			   "exec '%s' \"$@\"\n",
			   misdeed, real) > 0);
	path = mgo_test_write(scratch, name, script);
	cr_assert_eq(chmod(path, 0700), 0);
	free(script);
	return path;
}

Test(supervisor, a_bad_notification_frame_gets_a_child_killed_and_restarted)
{
	char *bin = wrapper("validator", "printf 'garbage!' >&4", MGO_VALIDATOR_BIN);
	struct mgo_test_operator_opts o = {.supervisor_yaml = FAST, .validator_bin = bin};

	mgo_test_operator_spawn(&op, &o);
	cr_assert(wait_for_text(op.log, "\"event\":\"supervisor.child.broken\"", 30000));
	pid_t now = mgo_test_operator_wait_ready(&op, "validator", 0, 30000);
	cr_assert_gt(now, 0, "no validator ready after the restart");
	json_t *broken = mgo_test_operator_events(&op, "supervisor.child.broken", "validator");
	cr_assert_eq(json_array_size(broken), 1);
	cr_assert(strstr(str(json_array_get(broken, 0), "why"),
			 "bad notification: frame length 1734439522 out of range"),
		  "%s", str(json_array_get(broken, 0), "why"));
	json_decref(broken);
	json_t *started = mgo_test_operator_events(&op, "supervisor.child.started", "validator");
	cr_assert_eq(json_array_size(started), 2, "killed, then started again");
	json_decref(started);
	int status = mgo_test_operator_stop(&op, 10000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	free(bin);
}

/* The harness itself: a process of the operator's tree that does not act
 * on SIGTERM (here a stray that ignores it; in session 6 a watcher hung in
 * its shutdown) is not left running when a test ends without a graceful
 * stop. */
Test(supervisor, the_harness_leaves_nothing_of_a_killed_supervisor)
{
	char *bin = wrapper("validator",
			    "(trap '' TERM HUP; sleep 1000 </dev/null >/dev/null 2>&1 3<&- 4>&- &"
			    " echo $! >\"$0.stray\")",
			    MGO_VALIDATOR_BIN);
	struct mgo_test_operator_opts o = {.supervisor_yaml = FAST, .validator_bin = bin};
	char *pidfile = NULL, *text = NULL;
	pid_t stray = 0;

	mgo_test_operator_spawn(&op, &o);
	cr_assert(mgo_test_operator_wait_ready(&op, "validator", 0, 30000) > 0);
	cr_assert(asprintf(&pidfile, "%s.stray", bin) > 0);
	uint64_t end = mgo_now_ms() + 30000;
	while (!stray && mgo_now_ms() < end) {
		free(text);
		text = slurp(pidfile);
		if (text && strchr(text, '\n'))
			stray = (pid_t)atoi(text);
		else
			usleep(10000); /* a file written by a shell: nothing to wait on */
	}
	cr_assert_gt(stray, 0, "the stray never started");
	cr_assert_not(mgo_test_proc_gone(stray));
	mgo_test_operator_free(&op);
	end = mgo_now_ms() + 10000;
	while (!mgo_test_proc_gone(stray) && mgo_now_ms() < end)
		usleep(10000); /* no descriptor to wait on for a stranger's exit */
	cr_assert(mgo_test_proc_gone(stray), "pid %d outlived the test", (int)stray);
	free(text);
	free(pidfile);
	free(bin);
}

Test(supervisor, orphans_are_reaped)
{
	/* a grandchild whose parent is gone at once: the kernel hands it to
	 * the nearest subreaper, the supervisor, which must reap it */
	char *bin = wrapper("validator", "(sleep 0.2 </dev/null >/dev/null 2>&1 3<&- 4>&- &)",
			    MGO_VALIDATOR_BIN);
	struct mgo_test_operator_opts o = {.supervisor_yaml = FAST, .validator_bin = bin};

	mgo_test_operator_spawn(&op, &o);
	cr_assert(wait_for_text(op.log, "\"event\":\"supervisor.reaped\"", 30000),
		  "the orphan was not reaped");
	json_t *reaped = mgo_test_operator_events(&op, "supervisor.reaped", NULL);
	cr_assert_eq(json_array_size(reaped), 1);
	pid_t orphan = (pid_t)json_integer_value(json_object_get(json_array_get(reaped, 0),
								  "orphan_pid"));
	cr_assert_str_eq(str(json_array_get(reaped, 0), "status"), "exit status 0");
	json_decref(reaped);
	cr_assert_gt(orphan, 0);
	cr_assert_not(alive(orphan), "no zombie left");
	int status = mgo_test_operator_stop(&op, 10000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	free(bin);
}

/* ---- SIGKILL while MustGathers are in flight ---- */

static void create_mg(const char *ns, const char *name, const char *image)
{
	struct testenv_resp r;
	char path[256], body[512];

	snprintf(path, sizeof(path), "/apis/operator.openshift.io/v1alpha1/namespaces/%s/mustgathers",
		 ns);
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
		 "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":{%s%s%s}}",
		 name, ns, image ? "\"mustGatherImage\":\"" : "", image ? image : "",
		 image ? "\"" : "");
	testenv_request(&env, env.admin_token, "POST", path, NULL, body, &r);
	cr_assert_eq(r.code, 201, "create %s: %ld %s", name, r.code, r.body);
	testenv_resp_free(&r);
}

/* The MustGather's status.status, or "" (caller frees). */
static char *mg_state(const char *ns, const char *name)
{
	struct testenv_resp r;
	char path[256];
	const char *s;
	char *out;

	snprintf(path, sizeof(path),
		 "/apis/operator.openshift.io/v1alpha1/namespaces/%s/mustgathers/%s", ns, name);
	testenv_request(&env, env.admin_token, "GET", path, NULL, NULL, &r);
	cr_assert_eq(r.code, 200, "get %s: %ld", name, r.code);
	s = json_string_value(json_object_get(json_object_get(r.json, "status"), "status"));
	out = strdup(s ? s : "");
	testenv_resp_free(&r);
	return out;
}

static void wait_state(const char *ns, const char *name, const char *want, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;
	char *got = NULL;

	do {
		free(got);
		got = mg_state(ns, name);
		if (strcmp(got, want) == 0) {
			free(got);
			return;
		}
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL); /* polling the API */
	} while (mgo_now_ms() < end);
	char *log = slurp(op.log);
	cr_assert_fail("%s/%s is \"%s\", not \"%s\", after %d ms\n%s", ns, name, got, want,
		       timeout_ms, log);
	free(log);
	free(got);
}

static void complete_job(const char *ns, const char *name)
{
	struct testenv_resp r;
	char path[256];

	snprintf(path, sizeof(path), "/apis/batch/v1/namespaces/%s/jobs/%s/status", ns, name);
	testenv_request(&env, env.admin_token, "PATCH", path, "application/merge-patch+json",
			"{\"status\":{\"succeeded\":1,\"conditions\":[{\"type\":\"Complete\","
			"\"status\":\"True\"}]}}",
			&r);
	cr_assert_eq(r.code, 200, "complete Job %s: %ld %s", name, r.code, r.body);
	testenv_resp_free(&r);
}

static void post(const char *path, const char *body)
{
	struct testenv_resp r;

	testenv_request(&env, env.admin_token, "POST", path, NULL, body, &r);
	cr_assert_eq(r.code, 201, "POST %s: %ld %s", path, r.code, r.body);
	testenv_resp_free(&r);
}

/* Job creations that succeeded, from the audit log (a create's audit line
 * has no name: it is in the body). */
static int jobs_created(void)
{
	char *lines = testenv_audit_grep(&env, "resource", "jobs"), *save = NULL;
	int n = 0;

	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(l, 0, NULL);
		if (str(j, "verb") && strcmp(str(j, "verb"), "create") == 0 &&
		    json_integer_value(json_object_get(j, "code")) == 201)
			n++;
		json_decref(j);
	}
	free(lines);
	return n;
}

/* The names of the Jobs in ns, each with the MustGather that controls it. */
static json_t *jobs_by_owner(const char *ns)
{
	struct testenv_resp r;
	char path[256];
	json_t *out = json_object(), *job;
	size_t i;

	snprintf(path, sizeof(path), "/apis/batch/v1/namespaces/%s/jobs", ns);
	testenv_request(&env, env.admin_token, "GET", path, NULL, NULL, &r);
	cr_assert_eq(r.code, 200);
	json_array_foreach(json_object_get(r.json, "items"), i, job) {
		json_t *meta = json_object_get(job, "metadata");
		json_t *owner = json_array_get(json_object_get(meta, "ownerReferences"), 0);
		const char *mg = str(owner, "name");
		cr_assert_not_null(mg, "Job %s has no owner", str(meta, "name"));
		cr_assert_null(json_object_get(out, mg), "%s owns two Jobs", mg);
		json_object_set_new(out, mg, json_string(str(meta, "name")));
	}
	testenv_resp_free(&r);
	return out;
}

Test(supervisor, sigkill_of_each_child_with_mustgathers_in_flight)
{
	struct mgo_test_operator_opts o = {.env = &env, .supervisor_yaml = FAST};
	static const char *const roles[] = {"validator", "launcher", "watcher"};
	static const char *const ns = "chaos";
	char allowed[16][32], denied[8][32];
	size_t n_allowed = 0, n_denied = 0;

	mgo_test_operator_env(&env);
	mgo_test_operator_start(&op, &o);
	post("/api/v1/namespaces",
	     "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"chaos\"}}");
	post("/apis/operator.openshift.io/v1alpha1/mustgatherimages",
	     "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGatherImage\","
	     "\"metadata\":{\"name\":\"cluster\"},\"spec\":{\"images\":[\"quay.io/ok/gather:v1\"]}}");
	for (size_t i = 0; i < 3; i++) {
		/* a burst, then the kill while the pipeline works on it */
		snprintf(allowed[n_allowed], sizeof(allowed[0]), "default-%zu", i);
		create_mg(ns, allowed[n_allowed++], NULL);
		snprintf(allowed[n_allowed], sizeof(allowed[0]), "custom-%zu", i);
		create_mg(ns, allowed[n_allowed++], "quay.io/ok/gather:v1");
		snprintf(denied[n_denied], sizeof(denied[0]), "denied-%zu", i);
		create_mg(ns, denied[n_denied++], "quay.io/evil/gather:v1");
		mgo_test_operator_replace_child(&op, roles[i], SIGKILL, 30000);
		json_t *r = mgo_test_operator_events(&op, "supervisor.child.restarting", roles[i]);
		cr_assert_eq(json_array_size(r), 1);
		json_int_t in = json_integer_value(json_object_get(json_array_get(r, 0), "in_ms"));
		cr_assert(in >= 100 && in <= 200, "%s back after %lld ms, not within the first "
			  "backoff (restartDelayMs 200, halved at most by jitter)", roles[i],
			  (long long)in);
		json_decref(r);
		snprintf(allowed[n_allowed], sizeof(allowed[0]), "after-%zu", i);
		create_mg(ns, allowed[n_allowed++], NULL);
	}
	for (size_t i = 0; i < n_denied; i++)
		wait_state(ns, denied[i], "Failed", 60000);
	for (size_t i = 0; i < n_allowed; i++)
		wait_state(ns, allowed[i], "Running", 60000);
	/* Running is written before the Job is created: wait for the Jobs */
	json_t *jobs = jobs_by_owner(ns);
	for (uint64_t end = mgo_now_ms() + 30000;
	     json_object_size(jobs) < n_allowed && mgo_now_ms() < end; jobs = jobs_by_owner(ns)) {
		json_decref(jobs);
		nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
	}
	cr_assert_eq(json_object_size(jobs), n_allowed, "one Job per launchable MustGather");
	for (size_t i = 0; i < n_allowed; i++) {
		const char *job = str(jobs, allowed[i]);
		cr_assert_not_null(job, "no Job for %s", allowed[i]);
		complete_job(ns, job);
	}
	json_decref(jobs);
	for (size_t i = 0; i < n_allowed; i++)
		wait_state(ns, allowed[i], "Completed", 60000);
	cr_assert_eq(jobs_created(), (int)n_allowed, "exactly one Job was ever created for each");
	for (size_t i = 0; i < n_denied; i++) {
		char *state = mg_state(ns, denied[i]);
		cr_assert_str_eq(state, "Failed", "%s, with no Job, stays Failed", denied[i]);
		free(state);
	}
	int status = mgo_test_operator_stop(&op, 15000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}

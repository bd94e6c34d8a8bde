/* The gather step's script, run for real in a local shell with stand-in
 * gather programs that succeed, fail and overrun the timeout: exit status,
 * timeout report and completion marker are checked each time. With
 * spec.obfuscate, the gather then the cleaning step's script, with a
 * stand-in cleaner and with the real mgo-clean on a synthetic must-gather
 * of a few hundred files and a 100 MB log, made in the test's directory
 * and removed after. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decide.h"
#include "job.h"
#include "mgo/loop.h"
#include "mgo/upload.h"
#include "testenv.h"

/* a run name as mgo_run_name makes it (mgo/upload.h) */
#define TEST_RUN_NAME "must-gather.local.5f1c2d3e-0000-4000-8000-000000000001.20261207T091500Z.6f1c2d3e"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mgo-script-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *read_file(const char *name)
{
	static char buf[65536];
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

struct run {
	int status;
	char output[65536];
};

/* Runs the script as the gather container would, with the environment the
 * Job sets, output captured; killed if it outlives `deadline_s`. With argv
 * (NULL-ended), runs that instead of the bare script, after setting each
 * "NAME=value" of env (NULL-ended) over the defaults. */
static struct run run_exec(const char *timeout_s, const char *audit, int deadline_s,
			   char *const *argv, char *const *env)
{
	struct run r = {.status = -1};
	char out[128], res[128], gather[128], auditbin[128];
	int p[2];

	snprintf(out, sizeof(out), "%s/gather", dir);
	snprintf(res, sizeof(res), "%s/out", dir);
	snprintf(gather, sizeof(gather), "%s/fake-gather", dir);
	snprintf(auditbin, sizeof(auditbin), "%s/fake-audit", dir);
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		setenv("MGO_OUTPUT_DIR", out, 1);
		setenv("MGO_RESULT_DIR", res, 1);
		setenv("MGO_GATHER_BIN", gather, 1);
		setenv("MGO_AUDIT_BIN", auditbin, 1);
		setenv("MGO_TIMEOUT_SECONDS", timeout_s, 1);
		setenv("MGO_AUDIT", audit, 1);
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		if (argv)
			execv(argv[0], argv);
		else
			execl("/bin/sh", "sh", "-c", mgo_gather_script, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	/* read until every writer is gone (EOF), within the deadline */
	ssize_t used = mgo_test_drain(p[0], pid, r.output, sizeof(r.output),
				      (uint64_t)deadline_s * 1000);
	if (used < 0)
		cr_assert_fail("the gather script outlived its %d s deadline", deadline_s);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	close(p[0]);
	return r;
}

/* The names in the tarball, as tar lists them. */
static char *tar_list(void)
{
	static char list[4096];
	char tarball[160];
	int p[2];

	snprintf(tarball, sizeof(tarball), "%s/out/" MGO_TARBALL, dir);
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execlp("tar", "tar", "-tzf", tarball, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	size_t used = 0;
	ssize_t n;
	while (used < sizeof(list) - 1 && (n = read(p[0], list + used, sizeof(list) - 1 - used)) > 0)
		used += (size_t)n;
	list[used] = '\0';
	close(p[0]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tar -t failed: %s", list);
	return list;
}

static struct run run_script(const char *timeout_s, const char *audit, int deadline_s)
{
	return run_exec(timeout_s, audit, deadline_s, NULL, NULL);
}

TestSuite(job_script, .init = setup, .fini = teardown);

Test(job_script, success_packs_result_and_marks_done)
{
	write_file("fake-gather", "#!/bin/sh\necho gathering\necho data > data.txt\nexit 0\n", 0755);
	struct run r = run_script("0", "false", 30);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert(strstr(r.output, "gathering"), "gather output is shown: %s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "0\n");
	cr_assert(exists("out/" MGO_TARBALL));
	cr_assert(strstr(read_file("gather/must-gather.log"), "gathering"));

	/* the tarball holds the gather's files and its log */
	char *list = tar_list();
	cr_assert(strstr(list, "./data.txt"), "tar lists: %s", list);
	cr_assert(strstr(list, "./must-gather.log"), "tar lists: %s", list);
}

Test(job_script, failure_keeps_exit_status_and_packs_nothing)
{
	write_file("fake-gather", "#!/bin/sh\necho broken >&2\nexit 3\n", 0755);
	struct run r = run_script("0", "false", 30);
	cr_assert_eq(r.status, 3, "output: %s", r.output);
	cr_assert(strstr(r.output, "gather failed with exit status 3"), "%s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "3\n");
	cr_assert_not(exists("out/" MGO_TARBALL));
}

Test(job_script, overrun_is_reported_as_timeout_and_packs_a_partial_result)
{
	/* writes a file, then overruns: what it wrote is the partial result */
	write_file("fake-gather", "#!/bin/sh\necho started\necho early > early.txt\nexec sleep 60\n",
		   0755);
	struct run r = run_script("1", "false", 30);
	cr_assert_eq(r.status, MGO_GATHER_EXIT_TIMEOUT, "output: %s", r.output);
	cr_assert(strstr(r.output, "timed out after 1s"), "%s", r.output);
	cr_assert(strstr(r.output, "partial result"), "%s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "124\n");
	cr_assert(exists("out/" MGO_TARBALL), "the partial tarball is left: %s", r.output);
	char *list = tar_list();
	cr_assert(strstr(list, "./early.txt"), "tar lists: %s", list);
	cr_assert(strstr(list, "./must-gather.log"), "tar lists: %s", list);
}

Test(job_script, before_an_upload_step_an_overrun_lets_it_run_a_failure_does_not)
{
	/* with an upload step (an init container before it) a timed-out
	 * gather step succeeds so that the partial tarball is uploaded; the
	 * marker keeps the timeout for mgo-upload to report */
	setenv("MGO_UPLOAD_FOLLOWS", "true", 1);
	write_file("fake-gather", "#!/bin/sh\necho early > early.txt\nexec sleep 60\n", 0755);
	struct run r = run_script("1", "false", 30);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert(strstr(r.output, "timed out after 1s"), "%s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "124\n");
	cr_assert(strstr(tar_list(), "./early.txt"));

	/* any other failure still fails the step: nothing is uploaded */
	write_file("fake-gather", "#!/bin/sh\necho half > half.txt\nexit 3\n", 0755);
	r = run_script("5", "false", 30);
	unsetenv("MGO_UPLOAD_FOLLOWS");
	cr_assert_eq(r.status, 3, "output: %s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "3\n");
	cr_assert_not(exists("out/" MGO_TARBALL));
}

Test(job_script, audit_runs_after_gather_and_its_failure_counts)
{
	write_file("fake-gather", "#!/bin/sh\necho g > g.txt\n", 0755);
	write_file("fake-audit", "#!/bin/sh\necho auditing\nexit 5\n", 0755);
	struct run r = run_script("0", "true", 30);
	cr_assert_eq(r.status, 5, "output: %s", r.output);
	cr_assert(strstr(r.output, "auditing"));

	r = run_script("0", "false", 30); /* audit off: the failing audit is not run */
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert_null(strstr(r.output, "auditing"));
}

Test(job_script, rerun_clears_a_stale_marker)
{
	write_file("fake-gather", "#!/bin/sh\nexit 0\n", 0755);
	cr_assert_eq(run_script("0", "false", 30).status, 0);
	write_file("fake-gather", "#!/bin/sh\nexit 9\n", 0755);
	cr_assert_eq(run_script("0", "false", 30).status, 9);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "9\n");
	cr_assert_not(exists("out/" MGO_TARBALL), "the old tarball must not be uploaded");
}

/* ---- spec.gatherSpec, through the Job the launcher renders ---- */

/* Renders the Job for intent and runs its gather container's command with
 * its environment, the two directories moved into the test's own. */
static struct run run_rendered(const struct mgo_job_intent *intent, int deadline_s)
{
	static const struct mgo_job_config cfg = {.operator_image = "mgo:test"};
	struct mgo_act act = {.kind = MGO_ACT_LAUNCH, .ns = "team-a", .name = "mg1",
			      .uid = "6f1c2d3e-0000-4000-8000-000000000001", .generation = 1,
			      .intent = *intent};
	char *argv[600] = {0}, *env[64] = {0};
	size_t n_env = 0, i;
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg), *c, *v;

	cr_assert_not_null(job);
	c = json_object_get(json_object_get(job, "spec"), "template");
	c = json_array_get(json_object_get(json_object_get(c, "spec"), "containers"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(c, "name")), "gather");
	cr_assert_lt(json_array_size(json_object_get(c, "command")), 600);
	json_array_foreach(json_object_get(c, "command"), i, v)
		argv[i] = (char *)json_string_value(v);
	json_array_foreach(json_object_get(c, "env"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		if (strncmp(name, "MGO_", 4) == 0 && strcmp(name, "MGO_CUSTOM_COMMAND") != 0)
			continue; /* the directories and defaults are run_exec's */
		cr_assert_lt(n_env, 63);
		cr_assert_not_null(env[n_env] = malloc(512));
		snprintf(env[n_env++], 512, "%s=%s", name,
			 json_string_value(json_object_get(v, "value")));
	}
	struct run r = run_exec("0", intent->audit ? "true" : "false", deadline_s, argv, env);
	for (i = 0; i < n_env; i++)
		free(env[i]);
	json_decref(job);
	return r;
}

Test(job_script, since_reaches_the_default_gather)
{
	write_file("fake-gather",
		   "#!/bin/sh\necho \"since=${MUST_GATHER_SINCE:-unset} "
		   "time=${MUST_GATHER_SINCE_TIME:-unset} args=$*\" > seen.txt\n", 0755);
	struct mgo_job_intent in = {.image = "gather:v1", .service_account = "default",
				    .since = "2h30m"};
	struct run r = run_rendered(&in, 30);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert_str_eq(read_file("gather/seen.txt"), "since=2h30m time=unset args=\n");
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "0\n");
	cr_assert(exists("out/" MGO_TARBALL));

	/* sinceTime, and args alone go to the default gather */
	char *args[] = {"--odd arg", "$(touch pwned)"};
	in.since = NULL;
	in.since_time = "2026-01-02T15:04:05Z";
	in.args = args;
	in.n_args = 2;
	r = run_rendered(&in, 30);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert_str_eq(read_file("gather/seen.txt"),
			 "since=unset time=2026-01-02T15:04:05Z args=--odd arg $(touch pwned)\n");
	cr_assert_not(exists("gather/pwned"), "an argument was run by a shell");
}

Test(job_script, custom_command_replaces_gather_and_keeps_status_and_marker)
{
	char script[256];
	snprintf(script, sizeof(script), "%s/my-gather", dir);
	write_file("my-gather", "#!/bin/sh\necho \"custom $# [$1] [$2]\" > custom.txt\n"
		   "echo custom ran\nexit ${MY_EXIT:-0}\n", 0755);
	write_file("fake-gather", "#!/bin/sh\necho default ran\n", 0755);
	char *command[] = {script, "a;b"};
	char *args[] = {"$(touch pwned) `touch pwned2`"};
	struct mgo_job_intent in = {.image = "gather:v1", .service_account = "default",
				    .command = command, .n_command = 2, .args = args, .n_args = 1};
	struct run r = run_rendered(&in, 30);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert(strstr(r.output, "custom ran"), "%s", r.output);
	cr_assert_null(strstr(r.output, "default ran"), "%s", r.output);
	cr_assert_str_eq(read_file("gather/custom.txt"),
			 "custom 2 [a;b] [$(touch pwned) `touch pwned2`]\n");
	cr_assert_not(exists("gather/pwned") || exists("gather/pwned2"),
		      "an argument was run by a shell");
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "0\n");
	cr_assert(exists("out/" MGO_TARBALL));

	/* its non-zero exit is the container's (GatherFailed), marked, nothing packed */
	write_file("my-gather", "#!/bin/sh\necho custom broke >&2\nexit 7\n", 0755);
	r = run_rendered(&in, 30);
	cr_assert_eq(r.status, 7, "output: %s", r.output);
	cr_assert(strstr(r.output, "gather failed with exit status 7"), "%s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "7\n");
	cr_assert_not(exists("out/" MGO_TARBALL));
	/* and the validator reads that exit status as GatherFailed */
	static const struct mgo_policy policy = {.namespace = "must-gather-operator",
						 .default_image = "gather:v1"};
	struct mgo_observe o = {.mg = {.ns = "team-a", .name = "mg1", .uid = "uid-1",
				       .generation = 1, .phase = MGO_MG_RUNNING},
				.job = {.phase = MGO_JOB_FAILED, .name = "mg1", .uid = "j",
					.reason = "BackoffLimitExceeded", .gather_exit = r.status,
					.upload_exit = -1}};
	struct mgo_act act;
	cr_assert_eq(mgo_decide(&policy, &o, &act), MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_FINISH);
	cr_assert_not(act.succeeded);
	cr_assert_str_eq(act.reason, MGO_REASON_GATHER_FAILED, "%s: %s", act.reason, act.message);
	mgo_act_free(&act);
}

/* ---- spec.obfuscate: the gather, then the cleaning step ---- */

/* Runs argv (NULL-ended) with env over run_exec's defaults. */
#define RUN(deadline_s, env, ...) \
	run_exec("0", "false", deadline_s, (char *const[]){__VA_ARGS__, NULL}, env)

/* The gather script as the Job runs it before a cleaning step: its tree in
 * raw/gather, its marker in raw (launcher/job.c). */
static struct run run_gather_before_clean(const char *timeout_s)
{
	static char out[128], res[128];
	char *env[] = {"MGO_CLEAN_FOLLOWS=true", out, res, NULL};

	snprintf(out, sizeof(out), "MGO_OUTPUT_DIR=%s/raw/gather", dir);
	snprintf(res, sizeof(res), "MGO_RESULT_DIR=%s/raw", dir);
	return run_exec(timeout_s, "false", 60, (char *const[]){"/bin/sh", "-c",
		(char *)mgo_gather_script, NULL}, env);
}

/* The cleaning step's script with `bin` as mgo-clean, config (or NULL)
 * as the mounted ConfigMap key, upload as MGO_UPLOAD_FOLLOWS. */
static struct run run_clean(const char *bin, const char *config, const char *upload,
			    int deadline_s)
{
	static char raw[128], res[128], cbin[256], cfg[256], follows[64];
	char *env[] = {raw, res, cbin, follows, "MGO_CLEAN_CONFIG_MAP=clean-config",
		       config ? cfg : NULL, NULL};

	snprintf(raw, sizeof(raw), "MGO_RAW_DIR=%s/raw", dir);
	snprintf(res, sizeof(res), "MGO_RESULT_DIR=%s/out", dir);
	snprintf(cbin, sizeof(cbin), "MGO_CLEAN_BIN=%s", bin);
	snprintf(cfg, sizeof(cfg), "MGO_CLEAN_CONFIG=%s", config ? config : "");
	snprintf(follows, sizeof(follows), "MGO_UPLOAD_FOLLOWS=%s", upload);
	return RUN(deadline_s, env, "/bin/sh", "-c", (char *)mgo_clean_script, "mgo-clean");
}

/* A stand-in for mgo-clean: copies --input to --output, replacing one
 * address, writes a report, and exits with $FAKE_CLEAN_EXIT. */
static char *fake_clean(void)
{
	static char path[128];

	write_file("fake-clean",
		   "#!/bin/sh\n"
		   "[ \"$1\" = --input ] && [ \"$3\" = --output ] || exit 2\n"
		   "echo \"args: $*\" > \"${0%/*}/clean-args\"\n"
		   "mkdir -p \"$4\" && cp -R \"$2\"/. \"$4\"/ || exit 3\n"
		   "find \"$4\" -type f -exec sed -i 's/10\\.1\\.2\\.3/x-ipv4-000001-x/g' {} +\n"
		   "echo 'replacements: {ipv4: 1}' > \"$4/obfuscation-report.yaml\"\n"
		   "exit ${FAKE_CLEAN_EXIT:-0}\n", 0755);
	snprintf(path, sizeof(path), "%s/fake-clean", dir);
	return path;
}

Test(job_script, cleaning_step_cleans_then_packs_and_the_raw_tree_stays_out)
{
	write_file("fake-gather", "#!/bin/sh\necho gathering\necho 'from 10.1.2.3' > a.log\n", 0755);
	struct run r = run_gather_before_clean("0");
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert_str_eq(read_file("raw/" MGO_DONE_MARKER), "0\n");
	cr_assert_not(exists("raw/" MGO_TARBALL), "the raw tree is never packed");
	cr_assert_not(exists("out"), "the gather wrote nowhere but raw");

	r = run_clean(fake_clean(), NULL, "false", 60);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	char want[512];
	snprintf(want, sizeof(want), "args: --input %s/raw/gather --output %s/out/gather\n", dir,
		 dir);
	cr_assert_str_eq(read_file("clean-args"), want, "no --config without a ConfigMap");
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "0\n");
	cr_assert_str_eq(read_file("out/gather/a.log"), "from x-ipv4-000001-x\n");
	char *list = tar_list();
	cr_assert(strstr(list, "./a.log") && strstr(list, "./obfuscation-report.yaml") &&
		  strstr(list, "./must-gather.log"), "tar lists: %s", list);
}

Test(job_script, a_timed_out_gathers_partial_tree_is_cleaned_then_packed)
{
	write_file("fake-gather", "#!/bin/sh\necho 'early 10.1.2.3' > early.log\nexec sleep 60\n",
		   0755);
	struct run r = run_gather_before_clean("1");
	cr_assert_eq(r.status, 0, "the cleaning step must run: %s", r.output);
	cr_assert(strstr(r.output, "timed out after 1s"), "%s", r.output);
	cr_assert_str_eq(read_file("raw/" MGO_DONE_MARKER), "124\n");

	/* no upload: the cleaning step ends as a timed-out gather would */
	r = run_clean(fake_clean(), NULL, "false", 60);
	cr_assert_eq(r.status, MGO_GATHER_EXIT_TIMEOUT, "output: %s", r.output);
	cr_assert(strstr(r.output, "partial result"), "%s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "124\n");
	cr_assert_str_eq(read_file("out/gather/early.log"), "early x-ipv4-000001-x\n");
	cr_assert(strstr(tar_list(), "./early.log"));

	/* before an upload it lets the upload send the partial result */
	char rm[160];
	snprintf(rm, sizeof(rm), "%s/out", dir);
	struct run x = RUN(30, NULL, "/bin/rm", "-rf", rm);
	cr_assert_eq(x.status, 0, "%s", x.output);
	r = run_clean(fake_clean(), NULL, "true", 60);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "124\n");
	cr_assert(exists("out/" MGO_TARBALL));
}

/* mgo-clean fails: its output is removed, nothing packed, the marker says
 * so, and the exit status is the container's, read as ObfuscationFailed. */
Test(job_script, a_failed_cleaning_packs_nothing_and_fails_the_mustgather)
{
	write_file("fake-gather", "#!/bin/sh\necho 'from 10.1.2.3' > a.log\n", 0755);
	cr_assert_eq(run_gather_before_clean("0").status, 0);
	setenv("FAKE_CLEAN_EXIT", "3", 1);
	struct run r = run_clean(fake_clean(), NULL, "true", 60);
	unsetenv("FAKE_CLEAN_EXIT");
	cr_assert_eq(r.status, 3, "output: %s", r.output);
	cr_assert(strstr(r.output, "the obfuscation failed with exit status 3; nothing was packed"),
		  "%s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "3\n");
	cr_assert_not(exists("out/" MGO_TARBALL));
	cr_assert_not(exists("out/gather"), "the partial output tree is removed");

	static const struct mgo_policy policy = {.namespace = "must-gather-operator",
						 .default_image = "gather:v1"};
	struct mgo_observe o = {.mg = {.ns = "team-a", .name = "mg1", .uid = "uid-1",
				       .generation = 1, .phase = MGO_MG_RUNNING,
				       .spec = {.obfuscate = true}},
				.job = {.phase = MGO_JOB_FAILED, .name = "mg1", .uid = "j",
					.reason = "BackoffLimitExceeded", .gather_exit = 0,
					.clean_exit = r.status, .upload_exit = -1,
					.pod_container = "clean", .pod_message = r.output}};
	struct mgo_act act;
	cr_assert_eq(mgo_decide(&policy, &o, &act), MGO_DECIDE_ACT);
	cr_assert_eq(act.kind, MGO_ACT_FINISH);
	cr_assert_not(act.succeeded);
	cr_assert_str_eq(act.reason, MGO_REASON_OBFUSCATION_FAILED, "%s: %s", act.reason,
			 act.message);
	cr_assert(strstr(act.message, "nothing was packed or uploaded"), "%s", act.message);
	mgo_act_free(&act);
}

Test(job_script, a_missing_configmap_is_said_and_nothing_is_cleaned)
{
	char config[160];
	write_file("fake-gather", "#!/bin/sh\necho 'from 10.1.2.3' > a.log\n", 0755);
	cr_assert_eq(run_gather_before_clean("0").status, 0);
	/* the kubelet mounts an optional ConfigMap that is absent as an
	 * empty directory: no key file */
	snprintf(config, sizeof(config), "%s/config.yaml", dir);
	struct run r = run_clean(fake_clean(), config, "true", 60);
	cr_assert_eq(r.status, 2, "output: %s", r.output);
	cr_assert(strstr(r.output, "spec.obfuscate.configMapRef: ConfigMap clean-config does not "
			 "exist in this namespace or has no key config.yaml"), "%s", r.output);
	cr_assert_not(exists("clean-args"), "mgo-clean did not run");
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "2\n");
	cr_assert_not(exists("out/" MGO_TARBALL));

	/* present: passed on as --config */
	write_file("config.yaml", "config: {}\n", 0644);
	r = run_clean(fake_clean(), config, "true", 60);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert(strstr(read_file("clean-args"), "--config"), "%s", read_file("clean-args"));
}

Test(job_script, no_cleaning_without_a_gather_that_ended)
{
	/* a gather that failed never lets the cleaning step run (its
	 * container fails); should it run anyway, it cleans nothing */
	write_file("fake-gather", "#!/bin/sh\necho 'from 10.1.2.3' > a.log\nexit 4\n", 0755);
	struct run r = run_gather_before_clean("0");
	cr_assert_eq(r.status, 4, "output: %s", r.output);
	cr_assert_str_eq(read_file("raw/" MGO_DONE_MARKER), "4\n");
	r = run_clean(fake_clean(), NULL, "true", 60);
	cr_assert_eq(r.status, 1, "output: %s", r.output);
	cr_assert(strstr(r.output, "nothing is cleaned or packed"), "%s", r.output);
	cr_assert_not(exists("clean-args"));
	cr_assert_not(exists("out/" MGO_TARBALL));
}

/* ---- the real mgo-clean on a synthetic must-gather (issue 13) ---- */

#define N_V4 12
#define N_V6 6
#define N_MAC 6
#define N_PODS 240
#define N_NODES 40
#define N_SECRETS 30
#define N_CMS 30
#define BIG_BYTES (100L * 1024 * 1024)

/* Distinct addresses, each always written the same way. */
static void address(int kind, int i, char *buf, size_t len)
{
	if (kind == 0)
		snprintf(buf, len, "10.%d.%d.%d", 20 + i, 3 * i + 1, 7 + i);
	else if (kind == 1)
		snprintf(buf, len, i % 2 ? "fd00:%x::%x" : "2001:db8:0:0:%x:0:0:%x", 16 + i,
			 i + 1);
	else
		snprintf(buf, len, i % 2 ? "02:42:ac:11:00:%02x" : "52-54-00-ab-cd-%02x", i + 1);
}

static void synth_write(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/raw/gather/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "%s: %s", path, strerror(errno));
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert(fputs(text, f) >= 0 && fclose(f) == 0);
}

/* One pod log line: src, dst and mac from the pools, by n. */
static int pod_line(char *buf, size_t len, long n, long counts[3])
{
	char a[64], b[64], c[64];
	address(0, (int)(n % N_V4), a, sizeof(a));
	address(1, (int)(n % N_V6), b, sizeof(b));
	address(2, (int)(n % N_MAC), c, sizeof(c));
	counts[0]++, counts[1]++, counts[2]++;
	return snprintf(buf, len, "line %ld src=%s:6443 dst=[%s]:8443 mac=%s end\n", n, a, b, c);
}

/* The tree and what it holds: addresses per kind in files that are kept. */
static void synth_tree(long counts[3])
{
	char rel[256], text[8192], a[64];
	int n;

	for (int i = 0; i < N_PODS; i++) {
		n = 0;
		for (long l = 0; l < 20; l++)
			n += pod_line(text + n, sizeof(text) - (size_t)n, i + l, counts);
		snprintf(rel, sizeof(rel), "namespaces/ns-%d/pods/pod-%d/app/app/logs/current.log",
			 i % 12, i);
		synth_write(rel, text);
	}
	for (int i = 0; i < N_NODES; i++) {
		address(0, i % N_V4, a, sizeof(a));
		snprintf(text, sizeof(text), "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-%d\n"
			 "status:\n  addresses:\n  - type: InternalIP\n    address: %s\n", i, a);
		counts[0]++;
		snprintf(rel, sizeof(rel), "cluster-scoped-resources/core/nodes/node-%d.yaml", i);
		synth_write(rel, text);
	}
	/* omitted whole: their addresses are not counted */
	for (int i = 0; i < N_SECRETS; i++) {
		address(0, i % N_V4, a, sizeof(a));
		snprintf(text, sizeof(text), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s%d\n"
			 "  namespace: ns-%d\nstringData:\n  token: SECRET-MARKER-%d\n  host: %s\n",
			 i, i % 12, i, a);
		snprintf(rel, sizeof(rel), "namespaces/ns-%d/core/secrets/s%d.yaml", i % 12, i);
		synth_write(rel, text);
	}
	for (int i = 0; i < N_CMS; i++) {
		address(2, i % N_MAC, a, sizeof(a));
		snprintf(text, sizeof(text), "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", "
			 "\"metadata\": {\"name\": \"cm%d\"}, \"data\": {\"k\": \"CONFIGMAP-MARKER-%d "
			 "%s\"}}\n", i, i, a);
		snprintf(rel, sizeof(rel), "namespaces/ns-%d/core/configmaps/cm%d.json", i % 12, i);
		synth_write(rel, text);
	}
	/* the 100 MB log */
	snprintf(rel, sizeof(rel), "%s/raw/gather/host_service_logs/masters/kubelet.log", dir);
	synth_write("host_service_logs/masters/kubelet.log", "");
	FILE *f = fopen(rel, "w");
	cr_assert_not_null(f);
	static char buf[1 << 16];
	cr_assert_eq(setvbuf(f, buf, _IOFBF, sizeof(buf)), 0);
	for (long l = 0, written = 0; written < BIG_BYTES; l++) {
		written += pod_line(text, sizeof(text), l, counts);
		cr_assert(fputs(text, f) >= 0);
	}
	cr_assert_eq(fclose(f), 0);
}

/* The replacement after `key=` in a cleaned line, up to the next
 * character that ends it (':' before a port, ']', ' '). */
static void token_after(const char *line, const char *key, const char *stop, char *out,
			size_t len)
{
	const char *p = strstr(line, key);
	cr_assert_not_null(p, "no %s in: %.200s", key, line);
	p += strlen(key);
	size_t n = strcspn(p, stop);
	cr_assert_lt(n, len);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Each pool entry maps to one replacement everywhere, distinct entries to
 * distinct replacements; `line` is line n of a pod log (pod_line). */
static void same_everywhere(char map[3][N_V4][64], const char *line, long n)
{
	static const char *const keys[] = {"src=", "dst=[", "mac="};
	static const char *const stops[] = {": ", "]", " "};
	static const int pool[] = {N_V4, N_V6, N_MAC};
	char tok[64];

	for (int k = 0; k < 3; k++) {
		int i = (int)(n % pool[k]);
		token_after(line, keys[k], stops[k], tok, sizeof(tok));
		if (!map[k][i][0]) {
			for (int j = 0; j < pool[k]; j++)
				cr_assert_str_neq(map[k][j], tok, "two addresses, one replacement %s", tok);
			snprintf(map[k][i], sizeof(map[k][i]), "%s", tok);
		}
		cr_assert_str_eq(tok, map[k][i], "kind %d entry %d replaced two ways", k, i);
	}
}

/* count: N, distinct: D of `kind` in the report. */
static void report_counts(const char *report, const char *kind, long *count, long *distinct)
{
	char key[64];
	snprintf(key, sizeof(key), "  %s: {count: ", kind);
	const char *p = strstr(report, key);
	cr_assert_not_null(p, "no %s in the report:\n%s", kind, report);
	cr_assert_eq(sscanf(p + strlen(key), "%ld, distinct: %ld}", count, distinct), 2, "%s", p);
}

Test(job_script, real_cleaner_on_a_synthetic_must_gather, .timeout = 900)
{
	long counts[3] = {0, 0, 0};
	char orig[64], xdir[128], raw[128], res[128], patterns[160], line[512];
	char map[3][N_V4][64];
	struct run r;

	memset(map, 0, sizeof(map));
	synth_tree(counts);
	write_file("fake-gather", "#!/bin/sh\necho gathered\n", 0755);
	r = run_gather_before_clean("0");
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	r = run_clean(MGO_CLEAN_BIN, NULL, "true", 600);
	cr_assert_eq(r.status, 0, "output: %s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "0\n");

	/* what support gets is the tarball: unpacked, with both trees gone */
	snprintf(xdir, sizeof(xdir), "%s/x", dir);
	snprintf(raw, sizeof(raw), "%s/raw", dir);
	snprintf(res, sizeof(res), "%s/out", dir);
	r = RUN(300, NULL, "/bin/sh", "-c", "rm -rf \"$1\" \"$2/gather\" && mkdir \"$3\" && "
		"tar -xzf \"$2/" MGO_TARBALL "\" -C \"$3\"", "sh", raw, res, xdir);
	cr_assert_eq(r.status, 0, "%s", r.output);

	/* no original address, no Secret, no ConfigMap, in any file */
	snprintf(patterns, sizeof(patterns), "%s/patterns", dir);
	FILE *f = fopen(patterns, "w");
	cr_assert_not_null(f);
	static const int pool[] = {N_V4, N_V6, N_MAC};
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < pool[k]; i++) {
			address(k, i, orig, sizeof(orig));
			fprintf(f, "%s\n", orig);
		}
	fprintf(f, "SECRET-MARKER\nCONFIGMAP-MARKER\nkind: Secret\n\"ConfigMap\"\n");
	cr_assert_eq(fclose(f), 0);
	r = RUN(300, NULL, "/bin/sh", "-c", "grep -rlF -f \"$1\" \"$2\"; echo \"grep: $?\"",
		"sh", patterns, xdir);
	cr_assert(strstr(r.output, "grep: 1\n"), "originals left in: %s", r.output);

	/* the same address, the same replacement, in every file and line */
	for (int i = 0; i < N_PODS; i++) {
		snprintf(line, sizeof(line), "%s/namespaces/ns-%d/pods/pod-%d/app/app/logs/current.log",
			 xdir, i % 12, i);
		f = fopen(line, "r");
		cr_assert_not_null(f, "%s: %s", line, strerror(errno));
		for (long l = 0; fgets(line, sizeof(line), f); l++)
			same_everywhere(map, line, i + l);
		fclose(f);
	}
	snprintf(line, sizeof(line), "%s/host_service_logs/masters/kubelet.log", xdir);
	f = fopen(line, "r");
	cr_assert_not_null(f, "%s: %s", line, strerror(errno));
	long lines = 0;
	for (; fgets(line, sizeof(line), f); lines++)
		if (lines < 5000 || lines % 9973 == 0)
			same_everywhere(map, line, lines);
	fclose(f);
	cr_assert_gt(lines, BIG_BYTES / 100, "the big log arrived whole: %ld lines", lines);
	for (int i = 0; i < N_NODES; i++) {
		char tok[64];
		snprintf(line, sizeof(line), "%s/cluster-scoped-resources/core/nodes/node-%d.yaml", xdir,
			 i);
		f = fopen(line, "r");
		cr_assert_not_null(f, "%s: %s", line, strerror(errno));
		while (fgets(line, sizeof(line), f) && !strstr(line, "address: "))
			;
		fclose(f);
		token_after(line, "address: ", "\n", tok, sizeof(tok));
		cr_assert_str_eq(tok, map[0][i % N_V4], "node-%d's address", i);
	}

	/* the report counts what was replaced, and names what was left out */
	snprintf(line, sizeof(line), "%s/obfuscation-report.yaml", xdir);
	f = fopen(line, "r");
	cr_assert_not_null(f, "the report is in the bundle");
	static char report[1 << 16];
	size_t n = fread(report, 1, sizeof(report) - 1, f);
	report[n] = '\0';
	fclose(f);
	static const char *const kinds[] = {"ipv4", "ipv6", "mac"};
	for (int k = 0; k < 3; k++) {
		long count, distinct;
		report_counts(report, kinds[k], &count, &distinct);
		cr_assert_eq(count, counts[k], "%s: the report says %ld, the tree had %ld", kinds[k],
			     count, counts[k]);
		cr_assert_eq(distinct, pool[k], "%s: %ld distinct", kinds[k], distinct);
	}
	int omitted = 0;
	for (const char *p = strstr(report, "action: omitted"); p;
	     p = strstr(p + 1, "action: omitted"))
		omitted++;
	cr_assert_eq(omitted, N_SECRETS + N_CMS, "%d omitted:\n%s", omitted, report);
	cr_assert(strstr(report, "files_omitted: 60\n"), "%s", report);
}

/* A configuration mgo-clean refuses (exit 2): nothing packed, the marker
 * says so, and its message names the key. */
Test(job_script, real_cleaner_refuses_a_bad_configuration)
{
	char config[160];
	write_file("fake-gather", "#!/bin/sh\necho 'from 10.1.2.3' > a.log\n", 0755);
	cr_assert_eq(run_gather_before_clean("0").status, 0);
	write_file("config.yaml", "config:\n  obfuscate:\n  - type: IP\n    replacementType: Consistent\n"
		   "  frobnicate: true\n", 0644);
	snprintf(config, sizeof(config), "%s/config.yaml", dir);
	struct run r = run_clean(MGO_CLEAN_BIN, config, "true", 60);
	cr_assert_eq(r.status, 2, "output: %s", r.output);
	cr_assert(strstr(r.output, "frobnicate"), "the unknown key is named: %s", r.output);
	cr_assert_str_eq(read_file("out/" MGO_DONE_MARKER), "2\n");
	cr_assert_not(exists("out/" MGO_TARBALL));
	cr_assert_not(exists("out/gather"));
}

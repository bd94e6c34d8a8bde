/* The gather step's script, run for real in a local shell with stand-in
 * gather programs that succeed, fail and overrun the timeout: exit status,
 * timeout report and completion marker are checked each time. */
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

#include "job.h"
#include "mgo/loop.h"
#include "mgo/upload.h"
#include "testenv.h"

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
 * Job sets, output captured; killed if it outlives `deadline_s`. */
static struct run run_script(const char *timeout_s, const char *audit, int deadline_s)
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

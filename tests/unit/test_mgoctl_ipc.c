/* mgoctl ipc reads the processes' IPC log lines back as one MustGather's
 * timeline: filtered by MustGather or trace, sorted by time, noise ignored. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "spawn.h"

static char dir[64], logfile[128], out[128];

static void setup(void)
{
	make_temp_dir(dir, sizeof(dir), "mgoctl-ipc");
	snprintf(logfile, sizeof(logfile), "%s/operator.log", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	FILE *f = fopen(logfile, "w");
	cr_assert_not_null(f);
	/* as the supervisor multiplexes them: interleaved, not in time order */
	fputs("{\"ts\":\"2026-11-24T02:00:00.300Z\",\"role\":\"launcher\",\"event\":\"ipc\","
	      "\"from\":\"validator\",\"to\":\"launcher\",\"type\":\"act\",\"seq\":2,"
	      "\"trace\":\"uid-a\",\"gen\":1,\"mg\":\"team-a/mg1\",\"verdict\":\"launch\","
	      "\"result\":\"status written; created Job mg1; event recorded\"}\n", f);
	fputs("not json: a stray line from a library\n", f);
	fputs("{\"ts\":\"2026-11-24T02:00:00.100Z\",\"role\":\"validator\",\"event\":\"ipc\","
	      "\"from\":\"watcher\",\"to\":\"validator\",\"type\":\"observe\",\"seq\":7,"
	      "\"trace\":\"uid-a\",\"gen\":1,\"mg\":\"team-a/mg1\","
	      "\"verdict\":\"observe:job=none,phase=new\",\"result\":\"sent launch\"}\n", f);
	fputs("{\"ts\":\"2026-11-24T02:00:00.200Z\",\"role\":\"validator\",\"event\":\"ipc\","
	      "\"from\":\"watcher\",\"to\":\"validator\",\"type\":\"observe\",\"seq\":8,"
	      "\"trace\":\"uid-b\",\"gen\":1,\"mg\":\"team-b/other\","
	      "\"verdict\":\"observe:job=none,phase=new\",\"result\":\"sent deny:InvalidImage\"}\n", f);
	fputs("{\"ts\":\"2026-11-24T02:00:00.050Z\",\"role\":\"watcher\",\"event\":\"watcher.ready\"}\n",
	      f);
	cr_assert_eq(fclose(f), 0);
}

static void teardown(void)
{
	remove_tree(dir);
}

TestSuite(mgoctl_ipc, .init = setup, .fini = teardown, .timeout = 30);

/* Runs mgoctl with argv; its stdout and stderr land in `out`. */
static int mgoctl(const char *const argv[])
{
	int status;
	unlink(out);
	pid_t pid = spawn_logged(argv, NULL, out);
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

Test(mgoctl_ipc, one_must_gather_as_a_timeline)
{
	const char *argv[] = {MGO_MGOCTL_BIN, "ipc", "--mg", "team-a/mg1", logfile, NULL};
	cr_assert_eq(mgoctl(argv), 0);
	char *text = slurp(out);
	cr_assert(strstr(text, "MustGather team-a/mg1  trace uid-a"), "%s", text);
	char *observe = strstr(text, "watcher -> validator");
	char *act = strstr(text, "validator -> launcher");
	cr_assert(observe && act && observe < act, "watcher first, then launcher:\n%s", text);
	cr_assert(strstr(text, "created Job mg1"), "%s", text);
	cr_assert_null(strstr(text, "team-b"), "other MustGathers left out:\n%s", text);
	free(text);
}

Test(mgoctl_ipc, by_trace_and_from_stdin)
{
	const char *argv[] = {MGO_MGOCTL_BIN, "ipc", "--trace", "uid-b", "-", NULL};
	/* stdin from the log file: spawn through a child that redirects it */
	int status;
	unlink(out);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen(logfile, "r", stdin))
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(mgoctl_ipc, nothing_matched_is_exit_1)
{
	const char *argv[] = {MGO_MGOCTL_BIN, "ipc", "--mg", "team-z/none", logfile, NULL};
	cr_assert_eq(mgoctl(argv), 1);
	char *text = slurp(out);
	cr_assert(strstr(text, "no IPC log line matched"), "%s", text);
	free(text);
}

Test(mgoctl_ipc, usage_errors_are_exit_2)
{
	const char *bad_mg[] = {MGO_MGOCTL_BIN, "ipc", "--mg", "no-slash", logfile, NULL};
	cr_assert_eq(mgoctl(bad_mg), 2);
	const char *missing[] = {MGO_MGOCTL_BIN, "ipc", "--trace", NULL};
	cr_assert_eq(mgoctl(missing), 2);
	const char *nofile[] = {MGO_MGOCTL_BIN, "ipc", "/nonexistent/log", NULL};
	cr_assert_eq(mgoctl(nofile), 2);
}

Test(mgoctl_ipc, all_lines_sorted_without_filter)
{
	const char *argv[] = {MGO_MGOCTL_BIN, "ipc", logfile, NULL};
	cr_assert_eq(mgoctl(argv), 0);
	char *text = slurp(out);
	char *a = strstr(text, "#7"), *b = strstr(text, "#8"), *c = strstr(text, "#2");
	cr_assert(a && b && c && a < b && b < c, "sorted by time:\n%s", text);
	free(text);
}

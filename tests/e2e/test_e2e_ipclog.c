/* What a support engineer does with the operator's log: `mgoctl ipc` on the
 * real output of a run (the supervisor's stdout, every process's lines, as
 * `kubectl logs` would give it) prints one MustGather's path across the
 * processes, watcher -> validator -> launcher, with the verdict and what the
 * launcher did. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "spawn.h"

TestSuite(ipclog, .init = cluster_setup, .fini = cluster_teardown);

#define CUSTOM "quay.io/my-org/my-custom-must-gather:latest"

/* Runs `mgoctl ipc ARGS... LOG` with stdin from `in` (NULL: /dev/null) and
 * returns its stdout and stderr; asserts it exited with `want`. */
static char *mgoctl_ipc(const char *const args[], const char *in, int want)
{
	char out[512];
	const char *argv[8] = {MGO_MGOCTL_BIN, "ipc"};
	size_t n = 2;
	int status;
	pid_t pid;

	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]) - 1);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s.mgoctl", cl.log);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(in ? in : "/dev/null", O_RDONLY | O_CLOEXEC);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || o < 0 || dup2(fd, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	char *text = slurp(out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == want,
		  "mgoctl ipc: wait status %d, expected exit %d:\n%s", status, want, text);
	return text;
}

/* The timeline shows the hops in order: the first `watcher -> validator`
 * line comes before the first `validator -> launcher` line, and the latter
 * carries `verdict` and `result`. */
static void expect_path(const char *text, const char *verdict, const char *result)
{
	const char *observe = strstr(text, "watcher -> validator");
	const char *act = strstr(text, "validator -> launcher");

	cr_assert_not_null(observe, "no observe in the timeline:\n%s", text);
	cr_assert_not_null(act, "no act in the timeline:\n%s", text);
	cr_expect_lt(observe, act, "the act before the observe that caused it:\n%s", text);
	cr_expect_not_null(strstr(act, verdict), "no %s after the first act:\n%s", verdict, text);
	cr_expect_not_null(strstr(act, result), "no \"%s\" after the first act:\n%s", result, text);
}

Test(ipclog, a_launched_and_a_denied_mustgather_read_back_from_the_run_log)
{
	char allowed[128], denied[128], header[256];
	const char *images[] = {CUSTOM, NULL};

	cluster_set_allowlist(&cl, images);
	json_t *mg = cluster_create_mg(&cl, "traced", "{\"mustGatherImage\":\"" CUSTOM "\"}");
	json_decref(cluster_create_mg(&cl, "refused",
				      "{\"mustGatherImage\":\"quay.io/evil/not-listed:1\"}"));
	free(cluster_wait_act(&cl, "traced", "launch"));
	free(cluster_wait_act(&cl, "refused", "deny:InvalidImage"));
	/* and the validator's lines about the Observes: each process writes
	 * its own, and the supervisor relays them in the order it reads its
	 * pipes, so the launcher's can be in the file first */
	cluster_wait_ipc(&cl, "traced", "validator", 1);
	cluster_wait_ipc(&cl, "refused", "validator", 1);
	snprintf(allowed, sizeof(allowed), "%s/traced", cl.ns);
	snprintf(denied, sizeof(denied), "%s/refused", cl.ns);

	/* by name, from the file */
	char *text = mgoctl_ipc((const char *[]){"--mg", allowed, cl.log, NULL}, NULL, 0);
	snprintf(header, sizeof(header), "MustGather %s  trace %s", allowed, cl_uid(mg));
	cr_expect_not_null(strstr(text, header), "no header \"%s\":\n%s", header, text);
	expect_path(text, "launch", "created Job traced");
	cr_expect_null(strstr(text, "refused"), "another MustGather's lines:\n%s", text);
	free(text);

	/* by trace id, from stdin as `kubectl logs ... | mgoctl ipc --trace UID -` */
	text = mgoctl_ipc((const char *[]){"--trace", cl_uid(mg), "-", NULL}, cl.log, 0);
	expect_path(text, "launch", "created Job traced");
	free(text);

	/* the refusal: the verdict says why, and no Job is mentioned */
	text = mgoctl_ipc((const char *[]){"--mg", denied, cl.log, NULL}, NULL, 0);
	expect_path(text, "deny:InvalidImage", "status written");
	cr_expect_null(strstr(text, "created Job"), "a Job for a refused MustGather:\n%s", text);
	free(text);

	/* a MustGather that never existed is said so, not printed as empty */
	snprintf(denied, sizeof(denied), "%s/never", cl.ns);
	free(mgoctl_ipc((const char *[]){"--mg", denied, cl.log, NULL}, NULL, 1));
	json_decref(mg);
}

/* bench/bench.py on a tiny input: it must still drive the real programs to
 * the end and print every metric of the report. Nothing here is timed; the
 * numbers are only checked to be there. */

/* This build's mgo-health, if it has one: bench.py must not guess from
 * another build's directory. */
#ifndef MGO_HEALTH_BIN
#define MGO_HEALTH_BIN ""
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "testenv.h"

TestSuite(bench, .init = mgo_test_tmp_init, .fini = mgo_test_tmp_fini);

#define BENCH_DEADLINE_MS 240000
#define HAND_LATER "a note on the machine"
#define HAND_SECTION "Written by hand"

/* Waits for pid's exit through a pidfd (no polling loop); its wait status,
 * or -1 after timeout_ms (then it is killed). */
static int wait_exit(pid_t pid, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), st = -1;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	cr_assert_geq(fd, 0, "pidfd_open: %s", strerror(errno));
	if (poll(&p, 1, timeout_ms) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else {
		cr_assert_eq(waitpid(pid, &st, 0), pid);
	}
	close(fd);
	return st;
}

static char *run_bench(void)
{
	char *out = NULL, *log = NULL, *text;
	int st;

	cr_assert(asprintf(&log, "%s/bench.log", mgo_test_dir) > 0);
	/* what people wrote by hand, which the run must keep
	 * (bench/report.py) */
	out = mgo_test_write(mgo_test_dir, "report.md",
			     "# mgo benchmarks\n\nold preamble\n\n## Machine\n\nold machine\n\n"
			     "### Later: " HAND_LATER "\n\nby hand\n\n"
			     "## " HAND_SECTION "\n\nby hand too\n");
	cr_assert_not_null(out);
	const char *argv[] = {"/usr/bin/python3", MGO_SOURCE_DIR "/bench/bench.py",
			      "--source", MGO_SOURCE_DIR, "--apiserver", MGO_APISERVER_BIN,
			      "--supervisor", MGO_SUPERVISOR_BIN, "--watcher", MGO_WATCHER_BIN,
			      "--validator", MGO_VALIDATOR_BIN, "--launcher", MGO_LAUNCHER_BIN,
			      "--health", MGO_HEALTH_BIN,
			      "--mustgathers", "5", "--rate", "20", "--burst", "5", "--cached", "20",
			      "--startups", "2", "--steady", "1", "--update", out, NULL};
	pid_t pid = spawn_logged(argv, NULL, log);

	cr_assert_gt(pid, 0, "cannot start bench.py");
	st = wait_exit(pid, BENCH_DEADLINE_MS);
	text = slurp(log);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "bench.py failed (status %#x):\n%s", (unsigned)st, text ? text : "(no log)");
	free(text);
	text = slurp(out);
	cr_assert_not_null(text, "no report at %s", out);
	free(log);
	free(out);
	return text;
}

Test(bench, tiny_run_prints_every_metric, .timeout = 300)
{
	static const char *const want[] = {
		"## Machine", "| cores |", "| kernel |", "| build |",
		"## Start-up to ready",
		"informers synced: 0 MustGathers known",
		"informers synced: 20 MustGathers known",
		"(20 say completed)",
		"## Latency: MustGather created -> Job created",
		"| p50 | p90 | p99 | max | outcomes |",
		"| paced 20/s | 5 |", "| burst | 5 |", "Latency histogram, paced:",
		"Latency histogram, burst:", "Throughput: the burst's 5 lifecycles",
		"| Completed 5 |",
		"## API requests per MustGather lifecycle",
		"| launcher | create | jobs | 201 | 5 | 1.00 |",
		"| launcher | delete | jobs | 200 | 5 | 1.00 |",
		"**all but leases and watches**",
		"## CPU and memory per process with MustGathers cached",
		"With 20 MustGathers cached.",
		"### Later: " HAND_LATER, "## " HAND_SECTION, "by hand too",
		"| supervisor |", "| watcher |", "| validator |", "| launcher |", "| apiserver |",
		"CPU while idle", "bytes per cached MustGather",
		"## Sizing the operator's container", "| steady RSS, 20 MustGathers cached |",
		"| peak RSS (sum of each process's VmHWM) |",
	};
	char *report = run_bench();

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(report, want[i]), "the report lacks \"%s\":\n%s", want[i], report);
	cr_expect(!strstr(report, "old machine") && !strstr(report, "old preamble"),
		  "generated text was kept:\n%s", report);
	cr_expect(strstr(report, "### Later: " HAND_LATER) > strstr(report, "## Machine") &&
			  strstr(report, "## Start-up to ready") > strstr(report, HAND_LATER),
		  "the note is not under its section:\n%s", report);
	/* no metric came out as a placeholder */
	cr_expect(!strstr(report, "nan"), "a metric is missing:\n%s", report);
	free(report);
}

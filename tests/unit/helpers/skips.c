/* A skipped test must show as skipped, with its reason, never as passed.
 * Criterion counts a skip as neither and exits 0, which ctest reads as a
 * pass. So every test binary (this file is linked into each) prints each
 * skip with its reason, and exits with SKIP_STATUS when something was
 * skipped and nothing failed; the test's ctest property SKIP_RETURN_CODE
 * (tests/unit/CMakeLists.txt, tests/e2e/CMakeLists.txt) and
 * scripts/valgrind.sh turn that into "skipped".
 *
 * A binary that ran no test at all (its registrations lost at link time, a
 * filter that matches nothing) would exit 0 too; it fails instead. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SKIP_STATUS 77

/* Tests that ran, skipped on their own included: a filter's exclusions
 * reach POST_ALL as skips too, but never POST_TEST. */
static size_t ran;

ReportHook(POST_TEST)(struct criterion_test_stats *st)
{
	ran++;
	if (st->test_status == CR_STATUS_SKIPPED)
		fprintf(stderr, "[SKIP] %s::%s: %s\n", st->test->category, st->test->name,
			st->message ? st->message : "(no reason given)");
}

/* Last of the process's exit: Criterion's runner has finished and
 * cleaned up, and the hook below ran on one of its threads, where exiting
 * would be too early (memcheck sees a thread leave with its error reporting
 * disabled). */
static void exit_skipped(void)
{
	fflush(NULL);
	_exit(SKIP_STATUS);
}

static void exit_empty(void)
{
	fflush(NULL);
	_exit(EXIT_FAILURE);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	if (ran == 0) {
		fprintf(stderr, "no test ran: an empty run is a failure, not a pass\n");
		if (atexit(exit_empty) != 0)
			fprintf(stderr, "cannot fail the empty run: ctest will call it a pass\n");
		return;
	}
	if (stats->tests_skipped && !stats->tests_failed && !stats->tests_crashed) {
		fprintf(stderr, "%zu of %zu tests skipped, none failed\n", stats->tests_skipped,
			stats->nb_tests);
		if (atexit(exit_skipped) != 0)
			fprintf(stderr, "cannot report the skip: ctest will call it a pass\n");
	}
}

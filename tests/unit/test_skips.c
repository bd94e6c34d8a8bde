/* A skip shows as a skip, with its reason (helpers/skips.c): a binary whose
 * tests pass but one skips exits 77, which the tests' SKIP_RETURN_CODE makes
 * ctest report as skipped, and names the skipped test and why. A binary
 * that runs no test fails. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "spawn.h"
#include "testenv.h"

/* Runs the probe with one extra argument (or none); *out its output. */
static int run_probe(const char *arg, char **out)
{
	char *dir = mgo_test_tmpdir(), log[4200];
	int status = -1;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/out", dir);
	/* a clean environment: Criterion's own variables would make the probe
	 * take itself for one of this runner's workers */
	pid = spawn_logged((const char *[]){"/usr/bin/env", "-i", MGO_SKIP_PROBE_BIN, arg, NULL},
			   NULL, log);
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	*out = slurp(log);
	cr_assert_not_null(*out);
	mgo_test_rmtree(dir);
	free(dir);
	return status;
}

Test(skips, a_skipped_test_is_reported_as_skipped_with_its_reason)
{
	char *out;
	int status = run_probe(NULL, &out);

	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 77, "status %#x:\n%s", status,
		  out ? out : "");
	cr_assert_not_null(strstr(out, "[SKIP] probe::skips: the probe's reason"), "%s", out);
	free(out);
}

Test(skips, a_run_of_no_test_fails)
{
	char *out;
	int status = run_probe("--filter=nothing/matches", &out);

	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %#x:\n%s", status, out);
	cr_assert_not_null(strstr(out, "no test ran"), "%s", out);
	free(out);
}

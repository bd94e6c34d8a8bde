/* scripts/check-source.sh holds the tree to the rules of docs/hacking.md:
 * the tree passes, and a small tree that breaks each rule fails with the
 * rule named, so the checker cannot silently check nothing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "spawn.h"
#include "testenv.h"

static char *dir;

static void teardown(void)
{
	if (dir) {
		mgo_test_rmtree(dir);
		free(dir);
	}
}

TestSuite(source_rules, .fini = teardown, .timeout = 120);

static int mkdir_p(const char *path)
{
	char buf[4200];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0700) != 0 && errno != EEXIST ? -errno : 0;
}

/* Runs the checker on `tree`; returns its exit status, *out its output. */
static int check(const char *tree, char **out)
{
	char log[4200];
	int status;

	snprintf(log, sizeof(log), "%s/check.log", dir);
	pid_t pid = spawn_logged((const char *[]){"/bin/bash",
						  MGO_SOURCE_DIR "/scripts/check-source.sh", tree,
						  NULL},
				 NULL, log);
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	*out = slurp(log);
	cr_assert(WIFEXITED(status), "the checker died: %#x", status);
	return WEXITSTATUS(status);
}

Test(source_rules, the_tree_follows_them)
{
	char *out;

	dir = mgo_test_tmpdir();
	cr_assert_eq(check(MGO_SOURCE_DIR, &out), 0, "scripts/check-source.sh:\n%s", out);
	free(out);
}

Test(source_rules, each_rule_catches_its_breach)
{
	char path[4200], *out;

	dir = mgo_test_tmpdir();
	snprintf(path, sizeof(path), "%s/tree/common/base/src", dir);
	cr_assert_eq(mkdir_p(path), 0);
	free(mgo_test_write(path, "bad.c",
			    "#include <zmq.h>\n"
			    "#include <curl/curl.h>\n"
			    "int helper(void)\n{\n        return 0;\n}\n"
			    "static int fine(void)\n{\n\treturn 1; \n}\n"));
	snprintf(path, sizeof(path), "%s/tree/common/base/include/mgo", dir);
	cr_assert_eq(mkdir_p(path), 0);
	free(mgo_test_write(path, "noguard.h", "int mgo_x(void);\n"));
	snprintf(path, sizeof(path), "%s/tree", dir);
	cr_assert_eq(check(path, &out), 1, "%s", out);
	cr_assert_not_null(strstr(out, "bad.c: includes <zmq.h> outside the IPC library"), "%s", out);
	cr_assert_not_null(strstr(out, "bad.c: includes <curl/curl.h> outside"), "%s", out);
	cr_assert_not_null(strstr(out, "bad.c:3: exported function helper has no mgo_ prefix"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "bad.c:5: indentation: 8 spaces"), "%s", out);
	cr_assert_not_null(strstr(out, "bad.c:9: trailing whitespace"), "%s", out);
	cr_assert_not_null(strstr(out, "noguard.h: no MGO_*_H include guard"), "%s", out);
	cr_assert_null(strstr(out, "function fine"), "a static function is file-local: %s", out);
	free(out);
}

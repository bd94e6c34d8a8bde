/* mgo-supervisor as the container image installs it: the five programs in
 * one directory, the supervisor started with nothing but its configuration,
 * finding its children beside itself. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "operator.h"
#include "spawn.h"
#include "testenv.h"

static struct testenv env;
static struct mgo_test_operator op;
static char *bin;

static void teardown(void)
{
	mgo_test_operator_free(&op);
	if (env.pid)
		testenv_stop(&env);
	if (bin) {
		mgo_test_rmtree(bin);
		free(bin);
	}
}

TestSuite(supervisor_installed, .fini = teardown, .timeout = 120);

/* A copy, not a link: the supervisor finds its directory by its own
 * /proc/self/exe, which resolves links to the build tree. */
static void install(const char *from, const char *name)
{
	char to[4096];
	size_t n = 0;
	char *data = NULL;
	FILE *in = fopen(from, "rb"), *out;

	cr_assert_not_null(in, "%s", from);
	snprintf(to, sizeof(to), "%s/%s", bin, name);
	out = fopen(to, "wb");
	cr_assert_not_null(out, "%s", to);
	data = malloc(1 << 20);
	cr_assert_not_null(data);
	while ((n = fread(data, 1, 1 << 20, in)) > 0)
		cr_assert_eq(fwrite(data, 1, n, out), n);
	cr_assert(!ferror(in));
	free(data);
	cr_assert_eq(fclose(in), 0);
	cr_assert_eq(fclose(out), 0);
	cr_assert_eq(chmod(to, 0755), 0);
}

Test(supervisor_installed, finds_every_program_beside_itself)
{
	char sup[4096];

	bin = mgo_test_tmpdir();
	install(MGO_SUPERVISOR_BIN, "mgo-supervisor");
	install(MGO_WATCHER_BIN, "mgo-watcher");
	install(MGO_VALIDATOR_BIN, "mgo-validator");
	install(MGO_LAUNCHER_BIN, "mgo-launcher");
	install(MGO_HEALTH_BIN, "mgo-health");
	snprintf(sup, sizeof(sup), "%s/mgo-supervisor", bin);

	mgo_test_operator_env(&env);
	mgo_test_operator_start(&op, &(struct mgo_test_operator_opts){.env = &env,
								       .installed_bin = sup});
	/* each child ran from the installed directory, none from the build */
	json_t *started = mgo_test_operator_events(&op, "supervisor.child.started", NULL), *line;
	size_t i;
	cr_assert_eq(json_array_size(started), 4, "four children started");
	json_array_foreach(started, i, line) {
		const char *path = json_string_value(json_object_get(line, "program"));
		cr_assert(path && strncmp(path, bin, strlen(bin)) == 0, "%s ran from %s",
			  json_string_value(json_object_get(line, "child")), path ? path : "?");
	}
	json_decref(started);
	cr_assert_eq(mgo_test_operator_stop(&op, 15000), 0);
}

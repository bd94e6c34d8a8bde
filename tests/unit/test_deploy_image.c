/* deploy/Containerfile cannot be built here (no container engine), so what
 * it promises is checked against the build it runs: `cmake --install`
 * puts exactly the operator's programs in the image, and the runtime
 * stage installs the package of every library they link directly (the
 * packages' own dependencies bring the rest). A program that gains a
 * library, or a library left off the list, fails here and not at the
 * first start of the image. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

TestSuite(deploy_image, .fini = teardown, .timeout = 120);

/* The packages the runtime stage's apt-get installs: the words after
 * "install" on the continued RUN line of the last FROM stage. */
static size_t runtime_packages(char pkgs[][64], size_t max)
{
	char *text = slurp(MGO_SOURCE_DIR "/deploy/Containerfile"), *stage, *p, *end;
	size_t n = 0;

	cr_assert_not_null(text);
	stage = strstr(text, "\nFROM ");
	cr_assert_not_null(stage, "no build stage");
	while ((p = strstr(stage + 1, "\nFROM ")))
		stage = p;
	p = strstr(stage, "apt-get install");
	cr_assert_not_null(p, "the runtime stage installs no package");
	p += strlen("apt-get install");
	end = strstr(p, "&&");
	cr_assert_not_null(end);
	*end = '\0';
	for (char *tok = strtok(p, " \t\\\n"); tok; tok = strtok(NULL, " \t\\\n")) {
		if (tok[0] == '-')
			continue;
		cr_assert_lt(n, max);
		snprintf(pkgs[n++], sizeof(pkgs[0]), "%s", tok);
	}
	free(text);
	return n;
}

static bool listed(char pkgs[][64], size_t n, const char *pkg)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(pkgs[i], pkg) == 0)
			return true;
	/* in every Debian image: the C library and the compiler's runtime */
	return strcmp(pkg, "libc6") == 0 || strcmp(pkg, "libgcc-s1") == 0;
}

/* The Debian package that holds the library `soname` as `prog` loads it. */
static void package_of(const char *prog, const char *ldd, const char *soname, char *pkg,
		       size_t len)
{
	char needle[300], path[4096], pattern[4200], *real, *text;
	const char *at;

	snprintf(needle, sizeof(needle), "\t%s => ", soname);
	at = strstr(ldd, needle);
	cr_assert_not_null(at, "%s: ldd does not resolve %s", prog, soname);
	at += strlen(needle);
	cr_assert_eq(sscanf(at, "%4095s", path), 1);
	real = realpath(path, NULL);
	cr_assert_not_null(real, "%s", path);
	/* by its directory's name and its file name: with merged /usr, dpkg may
	 * know it under /lib or /usr/lib, and the directory keeps other
	 * architectures' copies (lib32, i386) out */
	char *file = strrchr(real, '/');
	*file = '\0';
	const char *arch_dir = strrchr(real, '/');
	snprintf(pattern, sizeof(pattern), "*%s/%s", arch_dir ? arch_dir : "", file + 1);
	free(real);
	text = run_ok(dir, (const char *[]){"/usr/bin/dpkg", "-S", pattern, NULL});
	cr_assert_not_null(strchr(text, ':'), "dpkg -S %s: %s", pattern, text);
	snprintf(pkg, len, "%.*s", (int)(strchr(text, ':') - text), text);
	free(text);
}

Test(deploy_image, installs_the_programs_and_the_libraries_they_link)
{
	static const char *const programs[] = {"mgo-supervisor", "mgo-watcher", "mgo-validator",
					       "mgo-launcher", "mgo-health", "mgo-tokens",
					       "mgo-upload", "mgo-clean"};
	char pkgs[64][64], bin[4200], prefix[4096], *needed, *ldd;
	size_t n_pkgs = runtime_packages(pkgs, 64);
	struct dirent *de;
	DIR *d;
	size_t installed = 0;

	dir = mgo_test_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/image", dir);
	free(run_ok(dir, (const char *[]){MGO_CMAKE, "--install", MGO_BINARY_DIR, "--prefix",
					  prefix, "--component", "operator", NULL}));
	snprintf(bin, sizeof(bin), "%s/bin", prefix);
	d = opendir(bin);
	cr_assert_not_null(d, "cmake --install made no %s", bin);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		bool known = false;
		for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
			known |= strcmp(de->d_name, programs[i]) == 0;
		cr_expect(known, "the image would carry %s, which it does not need", de->d_name);
		installed++;
	}
	closedir(d);
	cr_assert_eq(installed, sizeof(programs) / sizeof(programs[0]),
		     "the image carries %zu programs, not the operator's eight", installed);

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", bin, programs[i]);
		needed = run_ok(dir, (const char *[]){"/usr/bin/readelf", "-d", path, NULL});
		ldd = run_ok(dir, (const char *[]){"/usr/bin/ldd", path, NULL});
		for (char *p = strstr(needed, "(NEEDED)"); p; p = strstr(p + 1, "(NEEDED)")) {
			char soname[256], pkg[128];
			const char *open = strchr(p, '['), *close = open ? strchr(open, ']') : NULL;
			cr_assert(open && close && close - open < (long)sizeof(soname));
			snprintf(soname, sizeof(soname), "%.*s", (int)(close - open - 1), open + 1);
			package_of(programs[i], ldd, soname, pkg, sizeof(pkg));
			cr_expect(listed(pkgs, n_pkgs, pkg),
				  "%s links %s from %s, which deploy/Containerfile's runtime stage "
				  "does not install", programs[i], soname, pkg);
		}
		free(needed);
		free(ldd);
	}
}

/* The Job's steps run the operator's image by these paths (launcher/job.c):
 * the runtime stage must put the programs there. */
Test(deploy_image, the_jobs_steps_are_where_the_job_runs_them)
{
	char *text = slurp(MGO_SOURCE_DIR "/deploy/Containerfile"), *stage, *p;

	cr_assert_not_null(text);
	stage = strstr(text, "\nFROM ");
	while (stage && (p = strstr(stage + 1, "\nFROM ")))
		stage = p;
	cr_assert_not_null(stage);
	cr_expect(strstr(stage, "COPY --from=build /usr/local/bin/mgo-upload "
				"/usr/local/bin/mgo-clean /usr/libexec/mgo/"),
		  "the runtime stage does not put mgo-upload and mgo-clean in /usr/libexec/mgo");
	free(text);
}

/* What deploy/Containerfile promises, checked against the build it runs:
 * `cmake --install` of the "operator" component puts exactly the operator's
 * programs in the image, where the supervisor (its children beside it) and
 * the Jobs (launcher/job.c: /usr/libexec/mgo/mgo-upload) look for them, and
 * the runtime stage installs the package of every library they link
 * directly (the packages' own dependencies bring the rest). A program that
 * gains a library, or a library left off the list, fails here and not at
 * the first start of the image. The image itself is built and run by
 * test_e2e_image (label "image"). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <ftw.h>
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

TestSuite(deploy_image, .fini = teardown, .timeout = 120);

/* The packages the runtime stage installs: the words after "RUN set --" in
 * the last FROM stage, up to "&&" (scripts/image.sh reads them so too). */
static size_t runtime_packages(char pkgs[][64], size_t max)
{
	char *text = slurp(MGO_SOURCE_DIR "/deploy/Containerfile"), *stage, *p, *end;
	size_t n = 0;

	cr_assert_not_null(text);
	stage = strstr(text, "\nFROM ");
	cr_assert_not_null(stage, "no build stage");
	while ((p = strstr(stage + 1, "\nFROM ")))
		stage = p;
	p = strstr(stage, "\nRUN set -- ");
	cr_assert_not_null(p, "the runtime stage lists no package (RUN set -- PACKAGES)");
	p += strlen("\nRUN set -- ");
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

/* Every file `cmake --install` put under the prefix, relative to it. */
static char installed[16][256];
static size_t n_installed;
static size_t prefix_len;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_F || flag == FTW_SL) {
		if (n_installed == sizeof(installed) / sizeof(installed[0]))
			return 1;
		snprintf(installed[n_installed++], sizeof(installed[0]), "%s", path + prefix_len + 1);
	}
	return 0;
}

Test(deploy_image, installs_the_programs_and_the_libraries_they_link)
{
	/* the supervisor runs the mgo-<role> beside itself; the Job runs its
	 * steps from /usr/libexec/mgo (launcher/job.c: mgo-upload) */
	static const char *const programs[] = {"bin/mgo-supervisor", "bin/mgo-watcher",
					       "bin/mgo-validator",  "bin/mgo-launcher",
					       "bin/mgo-health",     "bin/mgo-tokens",
					       "libexec/mgo/mgo-upload", "libexec/mgo/mgo-clean"};
	char pkgs[64][64], prefix[4096], *needed, *ldd;
	size_t n_pkgs = runtime_packages(pkgs, 64);
	bool used[64] = {false};

	dir = mgo_test_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/image", dir);
	free(run_ok(dir, (const char *[]){MGO_CMAKE, "--install", MGO_BINARY_DIR, "--prefix",
					  prefix, "--component", "operator", NULL}));
	prefix_len = strlen(prefix);
	cr_assert_eq(nftw(prefix, collect, 16, FTW_PHYS), 0, "cmake --install made no %s, or "
		     "too many files in it", prefix);
	for (size_t k = 0; k < n_installed; k++) {
		bool known = false;
		for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
			known |= strcmp(installed[k], programs[i]) == 0;
		cr_expect(known, "the image would carry %s, which it does not need", installed[k]);
	}
	cr_assert_eq(n_installed, sizeof(programs) / sizeof(programs[0]),
		     "the image carries %zu files, not the operator's %zu programs", n_installed,
		     sizeof(programs) / sizeof(programs[0]));

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", prefix, programs[i]);
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
			for (size_t k = 0; k < n_pkgs; k++)
				used[k] |= strcmp(pkgs[k], pkg) == 0;
		}
		free(needed);
		free(ldd);
	}
	/* and nothing more: each package listed holds a library a program links */
	for (size_t k = 0; k < n_pkgs; k++)
		cr_expect(used[k], "deploy/Containerfile's runtime stage installs %s, which no "
			  "program links", pkgs[k]);
}

/* The Job's steps run the operator's image by /usr/libexec/mgo/mgo-upload and
 * mgo-clean (launcher/job.c): the build stage installs the component with
 * prefix /usr (whose libexec/mgo/ the test above checks) into a root the
 * runtime stage copies whole. */
Test(deploy_image, the_jobs_steps_are_where_the_job_runs_them)
{
	char *text = slurp(MGO_SOURCE_DIR "/deploy/Containerfile"), *stage, *p;

	cr_assert_not_null(text);
	stage = strstr(text, "\nFROM ");
	while (stage && (p = strstr(stage + 1, "\nFROM ")))
		stage = p;
	cr_assert_not_null(stage);
	cr_expect(strstr(text, "DESTDIR=/image cmake --install build --prefix /usr "),
		  "the build stage does not install the programs under /usr in /image");
	cr_expect(strstr(stage, "\nCOPY --from=build /image/ /\n"),
		  "the runtime stage does not copy the installed programs to /");
	free(text);
}

/* The link table of docs/design.md, held: each program the operator
 * installs links exactly the libraries its row lists (ELF NEEDED) and
 * defines none of the functions its row forbids. The table is read from
 * the document, so what auditors read is what this test enforces. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "spawn.h"
#include "testenv.h"

#define MAX_ROWS 16
#define MAX_WORDS 32

struct row {
	char program[64];
	char needed[MAX_WORDS][64];
	size_t n_needed;
	char forbidden[MAX_WORDS][64];
	size_t n_forbidden;
};

/* What the sanitizer runtimes add to a program's NEEDED entries. */
static const char *const sanitizer_libs[] = {"libm.so.6", "libpthread.so.0", "libdl.so.2",
					     "librt.so.1", "libgcc_s.so.1", "libresolv.so.2"};

static char *dir;

static void teardown(void)
{
	if (dir) {
		mgo_test_rmtree(dir);
		free(dir);
	}
}

TestSuite(link_table, .fini = teardown, .timeout = 120);

static size_t split_words(char *cell, char words[][64], size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *w = strtok_r(cell, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		cr_assert_lt(n, max, "too many words in a cell of the link table");
		cr_assert_lt(strlen(w), 64u, "%s: too long", w);
		strcpy(words[n++], w);
	}
	return n;
}

/* The rows between the link-table markers of docs/design.md. */
static size_t read_table(struct row *rows, size_t max)
{
	char *text = slurp(MGO_SOURCE_DIR "/docs/design.md");
	char *begin, *end, *save = NULL;
	size_t n = 0;

	cr_assert_not_null(text, "cannot read docs/design.md");
	begin = strstr(text, "<!-- link-table: begin -->");
	end = strstr(text, "<!-- link-table: end -->");
	cr_assert(begin && end && begin < end, "docs/design.md has no link table");
	*end = '\0';
	for (char *line = strtok_r(begin, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *cells[4] = {0}, *p = line;
		size_t k = 0;

		if (strncmp(line, "| mgo-", 6) != 0)
			continue; /* the marker, the header and its rule */
		while (k < 4 && (p = strchr(p, '|'))) {
			*p++ = '\0';
			cells[k++] = p;
		}
		cr_assert_eq(k, 4, "a row of the link table does not have three cells: %s", line);
		cr_assert_lt(n, max);
		struct row *r = &rows[n++];
		memset(r, 0, sizeof(*r));
		char prog[64][64];
		cr_assert_eq(split_words(cells[0], prog, 64), 1, "one program per row");
		strcpy(r->program, prog[0]);
		r->n_needed = split_words(cells[1], r->needed, MAX_WORDS);
		r->n_forbidden = split_words(cells[2], r->forbidden, MAX_WORDS);
	}
	free(text);
	return n;
}

static bool listed(const char *lib, const struct row *r)
{
	for (size_t i = 0; i < r->n_needed; i++)
		if (strcmp(lib, r->needed[i]) == 0)
			return true;
	return false;
}

static bool sanitizer_lib(const char *lib)
{
#ifdef MGO_SANITIZED
	for (size_t i = 0; i < sizeof(sanitizer_libs) / sizeof(sanitizer_libs[0]); i++)
		if (strcmp(lib, sanitizer_libs[i]) == 0)
			return true;
#else
	(void)lib;
	(void)sanitizer_libs;
#endif
	return false;
}

/* Compares the program's NEEDED entries with its row both ways. */
static void check_needed(const char *path, const struct row *r)
{
	char *out = run_ok(dir, (const char *[]){"/usr/bin/readelf", "-d", path, NULL});
	char seen[MAX_WORDS][64];
	size_t n_seen = 0;

	for (char *p = out; (p = strstr(p, "(NEEDED)")); p++) {
		char *lb = strchr(p, '['), *rb = lb ? strchr(lb, ']') : NULL;

		cr_assert(lb && rb && rb - lb - 1 < 64, "unreadable readelf line in %s", path);
		cr_assert_lt(n_seen, MAX_WORDS);
		memcpy(seen[n_seen], lb + 1, (size_t)(rb - lb - 1));
		seen[n_seen][rb - lb - 1] = '\0';
		cr_expect(listed(seen[n_seen], r) || sanitizer_lib(seen[n_seen]),
			  "%s links %s, which its row of the link table does not allow", r->program,
			  seen[n_seen]);
		n_seen++;
	}
	for (size_t i = 0; i < r->n_needed; i++) {
		bool found = false;
		for (size_t j = 0; j < n_seen; j++)
			found |= strcmp(seen[j], r->needed[i]) == 0;
		cr_expect(found, "%s no longer links %s: update the link table", r->program,
			  r->needed[i]);
	}
	free(out);
}

/* No defined symbol of the program matches a forbidden name (a name
 * ending in '_' is a prefix). */
static void check_symbols(const char *path, const struct row *r)
{
	char *out = run_ok(dir, (const char *[]){"/usr/bin/nm", "--defined-only", path, NULL});
	char *save = NULL;

	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *sym = strrchr(line, ' ');

		sym = sym ? sym + 1 : line;
		for (size_t i = 0; i < r->n_forbidden; i++) {
			const char *f = r->forbidden[i];
			size_t n = strlen(f);
			bool hit = f[n - 1] == '_' ? strncmp(sym, f, n) == 0 : strcmp(sym, f) == 0;

			cr_expect(!hit, "%s defines %s, which the link table forbids (%s)",
				  r->program, sym, f);
		}
	}
	free(out);
}

/* Checks every program installed in dir against its row; returns how many. */
static size_t check_dir(const char *dir_path, const struct row *rows, size_t n_rows)
{
	char path[4600];
	struct dirent *de;
	size_t checked = 0;
	DIR *d = opendir(dir_path);

	cr_assert_not_null(d, "cmake --install made no %s", dir_path);
	while ((de = readdir(d))) {
		const struct row *r = NULL;

		if (de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < n_rows; i++)
			if (strcmp(rows[i].program, de->d_name) == 0)
				r = &rows[i];
		cr_expect_not_null(r, "%s is installed but has no row in the link table",
				   de->d_name);
		if (!r)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir_path, de->d_name);
		check_needed(path, r);
		check_symbols(path, r);
		checked++;
	}
	closedir(d);
	return checked;
}

Test(link_table, every_installed_program_links_only_what_its_row_allows)
{
	struct row rows[MAX_ROWS];
	size_t n_rows = read_table(rows, MAX_ROWS), checked = 0;
	char prefix[4200], bin[4300];

	cr_assert_geq(n_rows, 6u, "the link table lists %zu programs", n_rows);
	dir = mgo_test_tmpdir();
	snprintf(prefix, sizeof(prefix), "%s/prefix", dir);
	free(run_ok(dir, (const char *[]){MGO_CMAKE, "--install", MGO_BINARY_DIR, "--prefix",
					  prefix, "--component", "operator", NULL}));
	/* the processes in bin, the Job's steps where the Job runs them */
	snprintf(bin, sizeof(bin), "%s/bin", prefix);
	checked += check_dir(bin, rows, n_rows);
	snprintf(bin, sizeof(bin), "%s/libexec/mgo", prefix);
	checked += check_dir(bin, rows, n_rows);
	cr_assert_eq(checked, n_rows, "the table lists %zu programs, %zu are installed", n_rows,
		     checked);
}

/* The forbidden-symbol check can fail: the launcher, which may write,
 * defines what the watcher's row forbids. */
Test(link_table, the_symbol_check_sees_the_write_verbs_where_they_are)
{
	char *out;

	dir = mgo_test_tmpdir();
	out = run_ok(dir, (const char *[]){"/usr/bin/nm", "--defined-only", MGO_LAUNCHER_BIN, NULL});
	cr_assert(strstr(out, " mgo_kube_create\n") && strstr(out, " mgo_kube_delete\n"),
		  "the launcher defines no write verb: the check would prove nothing");
	free(out);
	out = run_ok(dir, (const char *[]){"/usr/bin/nm", "--defined-only", MGO_WATCHER_BIN, NULL});
	cr_assert_null(strstr(out, " mgo_kube_create\n"));
	cr_assert_not_null(strstr(out, " mgo_kube_get\n"), "the watcher has no read verb?");
	free(out);
}

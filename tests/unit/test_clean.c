/* mgo-clean, the program: a synthetic must-gather tree in, a cleaned tree
 * and its report out (no original address anywhere, the same address the
 * same replacement in every file and name, Secrets and ConfigMaps omitted
 * by kind, the report's counts what the files hold); its exit statuses and
 * messages; memory that does not grow with a file; and its sandbox. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "clean.h"
#include "spawn.h"
#include "testenv.h"

TestSuite(clean, .init = mgo_test_tmp_init, .fini = mgo_test_tmp_fini, .timeout = 120);

struct result {
	int status;     /* exit status, or -1 if it did not exit */
	long maxrss_kb;
	char *log;      /* its stderr and stdout */
};

static struct result run_clean(const char *const *args)
{
	const char *argv[16] = {MGO_CLEAN_BIN};
	char logpath[4200];
	struct result r = {-1, 0, NULL};
	struct rusage ru;
	int st;
	pid_t pid;

	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(i + 2, sizeof(argv) / sizeof(argv[0]));
		argv[i + 1] = args[i];
	}
	snprintf(logpath, sizeof(logpath), "%s/clean.log", mgo_test_dir);
	unlink(logpath);
	pid = spawn_logged(argv, NULL, logpath);
	cr_assert_gt(pid, 0);
	cr_assert_eq(wait4(pid, &st, 0, &ru), pid);
	if (WIFEXITED(st))
		r.status = WEXITSTATUS(st);
	r.maxrss_kb = ru.ru_maxrss;
	r.log = slurp(logpath);
	cr_assert_not_null(r.log);
	return r;
}

static char *path_of(const char *rel)
{
	char *p;

	cr_assert_geq(asprintf(&p, "%s/%s", mgo_test_dir, rel), 0);
	return p;
}

static void mkdirs(const char *rel)
{
	char *p = path_of(rel);

	for (char *s = p + strlen(mgo_test_dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		cr_assert(mkdir(p, 0700) == 0 || errno == EEXIST, "mkdir %s", p);
		*s = '/';
	}
	cr_assert(mkdir(p, 0700) == 0 || errno == EEXIST, "mkdir %s", p);
	free(p);
}

static void put(const char *rel, const char *content)
{
	char *p = path_of(rel), *dir = strdup(rel);

	cr_assert_not_null(dir);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	free(mgo_test_write(mgo_test_dir, rel, content));
	free(dir);
	free(p);
}

/* ---- the synthetic tree ---------------------------------------------- */

static const char *const originals[] = {
	"10.0.187.218", "10-0-187-218", "10.0.187.219", "fd00::5", "fd00:0:0:0:0:0:0:5",
	"0a:58:0a:80:00:02", "0A-58-0A-80-00-02", "10.9.9.9", "10.9.9.8", "10.7.7.7",
	"s3cr3t-password",
};

#define POD_DIR "in/namespaces/ns1/pods/etcd-ip-10-0-187-218.ec2.internal"

static void make_tree(void)
{
	put(POD_DIR "/etcd/etcd/logs/current.log",
	    "2026-12-07T09:04:29.123Z connecting to 10.0.187.218:2379 and [fd00::5]:2380\n"
	    "mac 0a:58:0a:80:00:02 version 1.2.3.4.5 at 12:34:56\n");
	put("in/namespaces/ns2/pods/p2/logs/current.log",
	    "peer 10.0.187.218 and 10.0.187.219 fd00:0:0:0:0:0:0:5 0A-58-0A-80-00-02\n");
	put("in/cluster-scoped-resources/core/nodes/node1.yaml",
	    "apiVersion: v1\nkind: Node\nmetadata:\n  name: ip-10-0-187-219.ec2.internal\n"
	    "status:\n  addresses:\n  - address: 10.0.187.219\n    type: InternalIP\n");
	put("in/namespaces/ns1/core/secrets.yaml",
	    "apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    password: s3cr3t-password\n"
	    "  kind: Secret\n  metadata:\n    annotations:\n      at: 10.9.9.9\nkind: SecretList\n");
	put("in/namespaces/ns1/core/configmaps.json",
	    "{\"apiVersion\":\"v1\",\"items\":[{\"data\":{\"server\":\"10.9.9.8\"},"
	    "\"kind\":\"ConfigMap\"}],\"kind\":\"List\"}\n");
	/* named like Secrets, holding Pods: kept and cleaned */
	put("in/namespaces/ns2/core/secrets.yaml",
	    "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  status:\n"
	    "    podIP: 10.0.187.219\nkind: PodList\n");
	/* named like anything, holding a Secret: omitted */
	put("in/notes.txt", "apiVersion: v1\nkind: Secret\ndata:\n  p: s3cr3t-password\n");
	/* the report's own name */
	put("in/obfuscation-report.yaml", "mine\n");
	put("outside/secret.log", "10.7.7.7 s3cr3t-password\n");
	mkdirs("outside/dir");
	put("outside/dir/x.log", "10.7.7.7\n");
	char *target = path_of("outside/secret.log"), *link = path_of("in/link.log");
	cr_assert_eq(symlink(target, link), 0);
	free(target);
	free(link);
	target = path_of("outside/dir");
	link = path_of("in/namespaces/linkdir");
	cr_assert_eq(symlink(target, link), 0);
	free(target);
	free(link);
}

struct found {
	char *all;          /* every cleaned file's path and content, concatenated */
	size_t len;
	unsigned files;
};

static void collect(const char *dir, const char *rel, struct found *f)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d))) {
		char *p, *r, *text;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cr_assert_geq(asprintf(&p, "%s/%s", dir, de->d_name), 0);
		cr_assert_geq(asprintf(&r, "%s%s%s", rel, *rel ? "/" : "", de->d_name), 0);
		cr_assert_eq(lstat(p, &st), 0);
		cr_assert(!S_ISLNK(st.st_mode), "%s: a symlink was copied", r);
		if (S_ISDIR(st.st_mode)) {
			collect(p, r, f);
		} else if (strcmp(r, "obfuscation-report.yaml")) {
			text = slurp(p);
			cr_assert_not_null(text);
			f->all = realloc(f->all, f->len + strlen(r) + strlen(text) + 3);
			cr_assert_not_null(f->all);
			f->len += (size_t)sprintf(f->all + f->len, "%s\n%s\n", r, text);
			f->files++;
			free(text);
		}
		free(p);
		free(r);
	}
	closedir(d);
}

static unsigned long long occurrences(const char *hay, const char *needle)
{
	unsigned long long n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The distinct replacement tokens "x-KIND-NNNNNN-x" in text. */
static unsigned distinct_tokens(const char *text, const char *kind)
{
	char prefix[32], seen[64][24];
	unsigned n = 0;

	snprintf(prefix, sizeof(prefix), "x-%s-", kind);
	for (const char *p = text; (p = strstr(p, prefix)); p++) {
		char tok[24];
		bool dup = false;

		snprintf(tok, sizeof(tok), "%.*s", (int)(strlen(prefix) + 8), p);
		for (unsigned i = 0; i < n; i++)
			dup |= !strcmp(seen[i], tok);
		if (!dup && n < 64)
			strcpy(seen[n++], tok);
	}
	return n;
}

static unsigned long long report_number(const char *report, const char *key)
{
	const char *p = strstr(report, key);

	cr_assert_not_null(p, "the report has no %s:\n%s", key, report);
	return strtoull(p + strlen(key), NULL, 10);
}

/* The replacement given to the address after `after` in text. */
static void token_after(const char *text, const char *after, char *tok, size_t len)
{
	const char *p = strstr(text, after);

	cr_assert_not_null(p, "no \"%s\" in:\n%s", after, text);
	snprintf(tok, len, "%.15s", p + strlen(after));
	cr_assert(!strncmp(tok, "x-ipv4-", 7), "%s", tok);
}

Test(clean, a_synthetic_must_gather)
{
	struct found f = {0};
	char *out, *report, *log1, *log2, tok[32], expect[128];
	struct result r;

	make_tree();
	/* relative paths: run from the test's directory */
	cr_assert_eq(chdir(mgo_test_dir), 0);
	r = run_clean((const char *[]){"--input", "in", "--output", "out", NULL});
	cr_assert_eq(r.status, 0, "exit %d:\n%s", r.status, r.log);
	cr_assert(strstr(r.log, "\"event\":\"sandbox.applied\"") &&
		  strstr(r.log, "\"sandbox\":\"clean\""), "no sandbox line:\n%s", r.log);
	out = path_of("out");
	collect(out, "", &f);
	report = slurp("out/obfuscation-report.yaml");
	cr_assert_not_null(report);
	/* no original value in any name, file or the report */
	for (size_t i = 0; i < sizeof(originals) / sizeof(originals[0]); i++) {
		cr_expect_null(strstr(f.all, originals[i]), "%s is left:\n%s", originals[i], f.all);
		cr_expect_null(strstr(report, originals[i]), "%s in the report", originals[i]);
	}
	cr_assert_not_null(strstr(f.all, "obfuscation-report.yaml-dup1\nmine\n"), "%s", f.all);
	/* one address, one replacement, across files and names */
	token_after(f.all, "namespaces/ns1/pods/etcd-ip-", tok, sizeof(tok));
	snprintf(expect, sizeof(expect), "out/namespaces/ns1/pods/etcd-ip-%s.ec2.internal/etcd/etcd/"
		 "logs/current.log", tok);
	log1 = slurp(expect);
	cr_assert_not_null(log1, "no %s:\n%s", expect, f.all);
	log2 = slurp("out/namespaces/ns2/pods/p2/logs/current.log");
	cr_assert_not_null(log2);
	snprintf(expect, sizeof(expect), "connecting to %s:2379", tok);
	cr_assert_not_null(strstr(log1, expect), "the name and the content differ:\n%s", log1);
	snprintf(expect, sizeof(expect), "peer %s and ", tok);
	cr_assert_not_null(strstr(log2, expect), "%s", log2);
	cr_assert_not_null(strstr(log1, "version 1.2.3.4.5 at 12:34:56"), "%s", log1);
	cr_assert_not_null(strstr(log1, "mac x-mac-000001-x"), "%s", log1);
	cr_assert_not_null(strstr(log2, " x-mac-000001-x"), "%s", log2);
	cr_assert_not_null(strstr(log1, "[x-ipv6-000001-x]:2380"), "%s", log1);
	cr_assert_not_null(strstr(log2, " x-ipv6-000001-x "), "%s", log2);
	/* by kind, not by name */
	cr_assert_eq(access("out/namespaces/ns1/core/secrets.yaml", F_OK), -1);
	cr_assert_eq(access("out/namespaces/ns1/core/configmaps.json", F_OK), -1);
	cr_assert_eq(access("out/notes.txt", F_OK), -1);
	cr_assert_eq(access("out/namespaces/ns2/core/secrets.yaml", F_OK), 0, "a Pod list was lost");
	cr_assert_eq(access("out/link.log", F_OK), -1);
	cr_assert_eq(access("out/namespaces/linkdir", F_OK), -1);
	cr_assert_eq(access("out/obfuscation-report.yaml-dup1", F_OK), 0);
	cr_assert_not_null(strstr(report, "{path: \"namespaces/ns1/core/secrets.yaml\", action: "
				  "omitted, reason: \"kind Secret\"}"), "%s", report);
	cr_assert_not_null(strstr(report, "{path: \"namespaces/ns1/core/configmaps.json\", action: "
				  "omitted, reason: \"kind ConfigMap\"}"), "%s", report);
	cr_assert_not_null(strstr(report, "{path: \"notes.txt\", action: omitted, reason: \"kind "
				  "Secret\"}"), "%s", report);
	cr_assert_not_null(strstr(report, "{path: \"link.log\", action: skipped, reason: "
				  "\"symlink\"}"), "%s", report);
	cr_assert_not_null(strstr(report, "{path: \"namespaces/linkdir\", action: skipped"), "%s",
			   report);
	/* the report's counts are what the tree holds */
	static const char *const kinds[] = {"ipv4", "ipv6", "mac"};
	for (size_t i = 0; i < 3; i++) {
		char key[64];

		snprintf(key, sizeof(key), "x-%s-", kinds[i]);
		unsigned long long count = occurrences(f.all, key);
		snprintf(key, sizeof(key), "  %s: {count: ", kinds[i]);
		cr_expect_eq(report_number(report, key), count, "%s count", kinds[i]);
		snprintf(key, sizeof(key), "%s: {count: %llu, distinct: ", kinds[i], count);
		cr_expect_eq(report_number(report, key), distinct_tokens(f.all, kinds[i]),
			     "%s distinct", kinds[i]);
	}
	cr_expect_eq(report_number(report, "files_omitted: "), 3u);
	cr_expect_eq(report_number(report, "symlinks_skipped: "), 2u);
	cr_expect_eq(report_number(report, "files_cleaned: "), f.files);
	cr_expect_eq(report_number(report, "files_read_as_resources: "), 2u);
	free(f.all);
	free(log1);
	free(log2);
	free(report);
	free(out);
	free(r.log);
}

struct usage_row {
	const char *args[8];
	const char *config;   /* written to clean.yaml when not NULL */
	const char *says;
};

Test(clean, usage_and_configuration_errors_exit_2)
{
	static const struct usage_row rows[] = {
		{{"--input", "in", NULL}, NULL, "--input and --output are required"},
		{{"--input", "in", "--output", "out", "--verbose", NULL}, NULL,
		 "unknown argument \\\"--verbose\\\""},
		{{"--input", "in", "--output", NULL}, NULL, "--output needs a value"},
		{{"--input", "missing", "--output", "out", NULL}, NULL, "--input missing"},
		{{"--input", "in", "--output", "full", NULL}, NULL, "is not empty"},
		{{"--input", "in", "--output", "in/sub", NULL}, NULL, "overlap"},
		{{"--input", "in", "--output", "out", "--config", "clean.yaml", NULL},
		 "config:\n  obfuscate:\n  - type: IP\n    foo: bar\n", "config.obfuscate[0].foo: unknown key"},
		{{"--input", "in", "--output", "out", "--config", "clean.yaml", NULL},
		 "config:\n  omit:\n  - type: Kubernetes\n    kubernetesResource: {kind: Secret, "
		 "namespaces: [a]}\n", "namespaces: not supported"},
		{{"--input", "in", "--output", "out", "--config", "nothere.yaml", NULL}, NULL,
		 "nothere.yaml"},
	};

	cr_assert_eq(chdir(mgo_test_dir), 0);
	put("in/a.log", "10.0.0.1\n");
	put("full/x", "x");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct result r;

		if (rows[i].config)
			free(mgo_test_write(mgo_test_dir, "clean.yaml", rows[i].config));
		r = run_clean(rows[i].args);
		cr_expect_eq(r.status, MGO_CLEAN_EXIT_CONFIG, "row %zu: exit %d:\n%s", i, r.status,
			     r.log);
		cr_expect_not_null(strstr(r.log, rows[i].says), "row %zu does not say %s:\n%s", i,
				   rows[i].says, r.log);
		cr_expect_not_null(strstr(r.log, "\"event\":\"clean.failed\""), "row %zu", i);
		if (rows[i].config)
			cr_expect_eq(access("out", F_OK), -1, "row %zu made the output", i);
		free(r.log);
	}
}

/* Any other failure exits 3 and says the output must not be used. */
Test(clean, a_failure_exits_3)
{
	char name[300] = "in/";
	struct result r;

	cr_assert_eq(chdir(mgo_test_dir), 0);
	memset(name + 3, 'a', 250);
	strcpy(name + 253, "_::2");  /* cleaned, longer than a name may be */
	put(name, "x\n");
	r = run_clean((const char *[]){"--input", "in", "--output", "out", NULL});
	cr_assert_eq(r.status, MGO_CLEAN_EXIT_FAILED, "exit %d:\n%s", r.status, r.log);
	cr_assert_not_null(strstr(r.log, "must not be used"), "%s", r.log);
	cr_assert_not_null(strstr(r.log, "too long"), "%s", r.log);
	cr_assert_null(strstr(r.log, "_::2"), "the message quotes the original name");
	free(r.log);
}

/* A keyword's replacement cannot name the output's parent. */
Test(clean, a_name_cleaned_to_dot_dot_fails)
{
	struct result r;

	cr_assert_eq(chdir(mgo_test_dir), 0);
	put("in/up/a.log", "x\n");
	free(mgo_test_write(mgo_test_dir, "clean.yaml",
			    "config:\n  obfuscate:\n  - {type: Keywords, replacement: {up: ..}}\n"));
	mkdirs("box/out");
	r = run_clean((const char *[]){"--input", "in", "--output", "box/out", "--config",
				       "clean.yaml", NULL});
	cr_assert_eq(r.status, MGO_CLEAN_EXIT_FAILED, "exit %d:\n%s", r.status, r.log);
	cr_assert_not_null(strstr(r.log, "must not be used"), "%s", r.log);
	cr_assert_not_null(strstr(r.log, "a name cleans to"), "%s", r.log);
	cr_assert_eq(access("box/a.log", F_OK), -1, "written beside the output");
	free(r.log);
}

/* A file's size does not raise the peak memory: one 64 MiB log costs what
 * a 64 KiB one does, within a few pages. */
Test(clean, memory_does_not_grow_with_a_file)
{
	static const char line[] = "I1207 09:04:29.123 pod 10.128.3.7 -> [fd00::17]:6443 "
				   "mac 0a:58:0a:80:03:07 ok\n";
	long small_kb, big_kb;
	struct result r;
	FILE *f;

	cr_assert_eq(chdir(mgo_test_dir), 0);
	mkdirs("small");
	mkdirs("big");
	f = fopen("small/a.log", "w");
	cr_assert_not_null(f);
	for (size_t n = 0; n < (64u << 10); n += sizeof(line) - 1)
		fputs(line, f);
	fclose(f);
	f = fopen("big/a.log", "w");
	cr_assert_not_null(f);
	for (size_t n = 0; n < (64u << 20); n += sizeof(line) - 1)
		fputs(line, f);
	fclose(f);
	r = run_clean((const char *[]){"--input", "small", "--output", "out1", NULL});
	cr_assert_eq(r.status, 0, "%s", r.log);
	small_kb = r.maxrss_kb;
	free(r.log);
	r = run_clean((const char *[]){"--input", "big", "--output", "out2", NULL});
	cr_assert_eq(r.status, 0, "%s", r.log);
	big_kb = r.maxrss_kb;
	free(r.log);
	cr_assert_lt(big_kb - small_kb, 4096, "64 MiB took %ld KiB at its peak, 64 KiB %ld KiB",
		     big_kb, small_kb);
}

/* ---- the sandbox ----------------------------------------------------- */

/* 0 under valgrind, which does not emulate Landlock (the sandbox skips it
 * there too, mgo/sandbox.h) and would log the probe as an unhandled call. */
static int landlock_abi(void)
{
	long abi;

#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return 0;
#endif
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1u /* VERSION */);
	return abi > 0 ? (int)abi : 0;
}

/* Each probe: 0 when the sandbox behaves, else a line number. */
static int probe(const char *in, const char *out, const char *outside)
{
	char p[4200];
	int fd;

	snprintf(p, sizeof(p), "%s/written", outside);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0 || errno != EACCES)
		return __LINE__;
	snprintf(p, sizeof(p), "%s/a.log", outside);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) >= 0 || errno != EACCES)
		return __LINE__;
	snprintf(p, sizeof(p), "%s/a.log", in);
	if ((fd = open(p, O_WRONLY | O_CLOEXEC)) >= 0 || errno != EACCES)
		return __LINE__;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return __LINE__;
	close(fd);
	snprintf(p, sizeof(p), "%s/d", out);
	if (mkdir(p, 0700) != 0)
		return __LINE__;
	snprintf(p, sizeof(p), "%s/d/new", out);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return __LINE__;
	close(fd);
	if (unlink(p) == 0 || errno != EACCES)
		return __LINE__;
	if ((fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC)) >= 0 || errno != EACCES)
		return __LINE__;
	if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EACCES)
		return __LINE__;
	if (socket(AF_INET6, SOCK_DGRAM, 0) >= 0 || errno != EACCES)
		return __LINE__;
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EACCES)
		return __LINE__;
	return 0;
}

/* What the program applies (mgo_clean_sandbox, which main calls: the
 * synthetic tree's test sees its log line): only --input read, only
 * --output written, no socket. */
Test(clean, the_sandbox_holds_one_tree_in_and_one_out)
{
	char *in, *out, *outside;
	int st, abi = landlock_abi();
	pid_t pid;

	if (abi < 1)
		cr_skip("no Landlock here (the kernel, or valgrind): files are not restricted "
			"(seccomp still is)");
	put("in/a.log", "10.0.0.1\n");
	put("outside/a.log", "10.0.0.2\n");
	mkdirs("out");
	in = path_of("in");
	out = path_of("out");
	outside = path_of("outside");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int rc = mgo_clean_sandbox(in, out, (const int[]){-1});

		_exit(rc ? 200 : probe(in, out, outside) % 200);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "the child died (status %#x)", st);
	cr_assert_neq(WEXITSTATUS(st), 200, "the sandbox failed");
	cr_assert_eq(WEXITSTATUS(st), 0, "the probe at line %d (mod 200) was not refused",
		     WEXITSTATUS(st));
	free(in);
	free(out);
	free(outside);
}

/* The supervisor's pure parts: who learns whose key, restart delays and the
 * crash-loop limit, exit descriptions, the log multiplexer's lines, and the
 * socket directory's checks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logmux.h"
#include "policy.h"
#include "sockdir.h"
#include "testenv.h"

Test(sup_policy, each_child_learns_only_its_peers_keys)
{
	cr_assert_eq(mgo_sup_peers_of(MGO_ROLE_WATCHER), 1u << MGO_ROLE_VALIDATOR);
	cr_assert_eq(mgo_sup_peers_of(MGO_ROLE_LAUNCHER), 1u << MGO_ROLE_VALIDATOR);
	cr_assert_eq(mgo_sup_peers_of(MGO_ROLE_VALIDATOR),
		     1u << MGO_ROLE_WATCHER | 1u << MGO_ROLE_LAUNCHER);
	cr_assert_eq(mgo_sup_peers_of(MGO_ROLE_SUPERVISOR), 0);
	cr_assert_eq(mgo_sup_peers_of(MGO_ROLE_HEALTH), 0, "mgo-health gets no key at all");
	cr_assert_eq(mgo_sup_peers_of(MGO_ROLE_TOKENS), 0, "nor does mgo-tokens");
	cr_assert_eq(mgo_sup_peers_of(0), 0);
}

Test(sup_policy, orders)
{
	static const enum mgo_role start[] = {MGO_ROLE_HEALTH, MGO_ROLE_TOKENS, MGO_ROLE_VALIDATOR,
					      MGO_ROLE_LAUNCHER, MGO_ROLE_WATCHER};
	static const enum mgo_role stop[] = {MGO_ROLE_WATCHER, MGO_ROLE_VALIDATOR,
					     MGO_ROLE_LAUNCHER, MGO_ROLE_TOKENS, MGO_ROLE_HEALTH};

	cr_assert_arr_eq(mgo_sup_start_order, start, sizeof(start));
	cr_assert_arr_eq(mgo_sup_stop_order, stop, sizeof(stop));
	/* only the token readers wait, for their tokens; nobody for a peer */
	cr_assert_eq(mgo_sup_needs(MGO_ROLE_HEALTH), 0);
	cr_assert_eq(mgo_sup_needs(MGO_ROLE_TOKENS), 0);
	cr_assert_eq(mgo_sup_needs(MGO_ROLE_VALIDATOR), 0);
	cr_assert_eq(mgo_sup_needs(MGO_ROLE_LAUNCHER), 1u << MGO_ROLE_TOKENS);
	cr_assert_eq(mgo_sup_needs(MGO_ROLE_WATCHER), 1u << MGO_ROLE_TOKENS);
}

Test(sup_policy, restart_delay_doubles_with_jitter_and_caps)
{
	const struct mgo_cfg_supervisor c = {.restart_delay_ms = 100, .restart_delay_max_ms = 1000,
					     .crash_loop_limit = 3};
	static const struct {
		unsigned failures;
		uint64_t lo, hi;
	} cases[] = {
		{1, 50, 100}, {2, 100, 200}, {3, 200, 400}, {4, 400, 800},
		{5, 500, 1000}, {40, 500, 1000}, {0, 50, 100},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t lo = UINT64_MAX, hi = 0;
		for (uint64_t rnd = 0; rnd < 1000; rnd++) {
			uint64_t d = mgo_sup_restart_delay(&c, cases[i].failures, rnd * 7919);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		cr_assert_geq(lo, cases[i].lo, "failures %u: %llu", cases[i].failures,
			      (unsigned long long)lo);
		cr_assert_leq(hi, cases[i].hi, "failures %u: %llu", cases[i].failures,
			      (unsigned long long)hi);
		cr_assert_lt(lo, hi, "jitter spreads restarts (failures %u)", cases[i].failures);
	}
	cr_assert_not(mgo_sup_gives_up(&c, 3), "the limit's restarts are all made");
	cr_assert(mgo_sup_gives_up(&c, 4));
}

Test(sup_policy, exit_descriptions)
{
	char buf[64];

	cr_assert_str_eq(mgo_sup_describe_exit(0, buf, sizeof(buf)), "exit status 0");
	cr_assert_str_eq(mgo_sup_describe_exit(2 << 8, buf, sizeof(buf)), "exit status 2");
	cr_assert_str_eq(mgo_sup_describe_exit(SIGKILL, buf, sizeof(buf)), "killed by SIGKILL");
	cr_assert_str_eq(mgo_sup_describe_exit(SIGSEGV | 0x80, buf, sizeof(buf)),
			 "killed by SIGSEGV");
}

/* ---- the log multiplexer ---- */

static json_t *format(const char *line, size_t len, bool truncated)
{
	size_t n = 0;
	char *out = mgo_logmux_format("watcher", 77, line, len, truncated, &n);
	json_error_t e;
	json_t *j;

	cr_assert_not_null(out);
	cr_assert_gt(n, 1);
	cr_assert_eq(out[n - 1], '\n', "one line");
	cr_assert_null(memchr(out, '\n', n - 1), "exactly one line");
	j = json_loadb(out, n - 1, 0, &e);
	cr_assert_not_null(j, "%s: %.*s", e.text, (int)n, out);
	free(out);
	return j;
}

static const char *str(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

Test(sup_logmux, json_lines_pass_tagged)
{
	const char *line = "{\"ts\":\"t\",\"level\":\"warn\",\"role\":\"launcher\",\"pid\":5,"
			   "\"event\":\"x.y\",\"msg\":\"hello\"}";
	json_t *j = format(line, strlen(line), false);

	cr_assert_str_eq(str(j, "role"), "watcher", "the supervisor's word, not the child's");
	cr_assert_str_eq(str(j, "event"), "x.y");
	cr_assert_str_eq(str(j, "level"), "warn");
	cr_assert_str_eq(str(j, "msg"), "hello");
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), 5);
	cr_assert_null(json_object_get(j, "raw"));
	json_decref(j);
}

/* A child's own line passes byte for byte, after a scan that proves it is
 * one JSON object with exactly one top-level "role", the child's; any
 * other is rebuilt with the supervisor's role, so a child can neither
 * speak as another nor make two "role"s that readers would take apart. */
Test(sup_logmux, own_lines_pass_as_they_are)
{
	static const struct {
		const char *line;
		bool as_is;
	} rows[] = {
		{"{\"ts\":\"t\",\"level\":\"info\",\"role\":\"watcher\",\"pid\":5,\"event\":\"ipc\","
		 "\"seq\":18446744,\"gen\":-3,\"x\":1.5e-7,\"ok\":true,\"n\":null,\"a\":[1,{\"b\":[]}],"
		 "\"u\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/\"}", true},
		{"{ \"role\" :\t\"watcher\" }", true},
		{"{\"role\":\"watcher\",\r\"k\":1}", false},  /* '\r' rebuilt away */
		{"{\"role\":\"w\\u0061tcher\"}", true},           /* the same string */
		{"{\"k\":{\"role\":\"launcher\"},\"role\":\"watcher\"}", true}, /* nested: not a role */
		{"{\"role\":\"launcher\"}", false},
		{"{\"role\":\"watcher\",\"role\":\"launcher\"}", false},
		{"{\"role\":\"launcher\",\"role\":\"watcher\"}", false},
		{"{\"role\":\"watcher\",\"r\\u006fle\":\"launcher\"}", false},
		{"{\"role\":\"watcher\",\"role\":\"watcher\"}", false},
		{"{\"role\":\"watcherx\"}", false},
		{"{\"role\":\"watche\"}", false},
		{"{\"role\":[\"watcher\"]}", false},
		{"{\"role\":null}", false},
		{"{\"event\":\"no role\"}", false},
		{"{\"role\":\"watcher\",\"n\":12345678901234567890}", false}, /* over a long long */
		{"{\"role\":\"watcher\",\"n\":1e999}", false},            /* infinity */
		{"{\"role\":\"watcher\",\"s\":\"\\u0000\"}", false},
		{"{\"role\":\"watcher\",\"s\":\"\\ud800\"}", false},
		{"{\"role\":\"watcher\",\"s\":\"\xed\xa0\x80\"}", false}, /* a surrogate in UTF-8 */
		{"{\"role\":\"watcher\",\"s\":\"\xc0\xaf\"}", false},     /* overlong */
		{"{\"role\":\"watcher\",\"s\":\"tab\there\"}", false},
		{"{\"role\":\"watcher\",}", false},
		{"{\"role\":\"watcher\"} {}", false},
		{"{\"role\":\"watcher\",\"n\":01}", false},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *line = rows[i].line;
		size_t len = strlen(line), n = 0;
		char *out = mgo_logmux_format("watcher", 77, line, len, false, &n);
		json_error_t e;
		json_t *j;

		cr_assert_not_null(out, "row %zu", i);
		cr_assert_eq(out[n - 1], '\n', "row %zu", i);
		cr_assert_null(memchr(out, '\n', n - 1), "row %zu", i);
		cr_assert_eq(n == len + 1 && memcmp(out, line, len) == 0, rows[i].as_is,
			     "row %zu %s: %.*s", i, rows[i].as_is ? "rebuilt" : "passed as it is",
			     (int)n, out);
		j = json_loadb(out, n - 1, JSON_REJECT_DUPLICATES, &e);
		if (!rows[i].as_is)
			cr_assert_not_null(j, "row %zu: %s: %.*s", i, e.text, (int)n, out);
		else if (!j) /* the child's own duplicate keys, other than role */
			j = json_loadb(out, n - 1, 0, &e);
		cr_assert_not_null(j, "row %zu: %s", i, e.text);
		cr_assert_str_eq(str(j, "role"), "watcher", "row %zu", i);
		json_decref(j);
		free(out);
	}
}

Test(sup_logmux, anything_else_is_wrapped)
{
	static const struct {
		const char *line;
		size_t len;
		const char *raw;
	} cases[] = {
		{"Segmentation fault", 18, "Segmentation fault"},
		{"[1,2]", 5, "[1,2]"},
		{"{\"a\":1", 6, "{\"a\":1"},
		{"{\"a\":1} trailing", 16, "{\"a\":1} trailing"},
		{"\"quoted\" \\ back", 15, "\"quoted\" \\ back"},
		{"bad \xff\xfe utf8", 11, "bad ?? utf8"},
		{"nul\0byte", 8, "nul?byte"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = format(cases[i].line, cases[i].len, false);
		cr_assert_str_eq(str(j, "role"), "watcher", "case %zu", i);
		cr_assert_eq(json_integer_value(json_object_get(j, "pid")), 77);
		cr_assert_str_eq(str(j, "event"), "output");
		cr_assert_str_eq(str(j, "level"), "info");
		cr_assert_not_null(str(j, "ts"));
		cr_assert_str_eq(str(j, "raw"), cases[i].raw, "case %zu", i);
		cr_assert_null(json_object_get(j, "truncated"));
		json_decref(j);
	}
	json_t *j = format("{\"a\":1}", 7, true);
	cr_assert_str_eq(str(j, "raw"), "{\"a\":1}", "a cut line is never parsed");
	cr_assert(json_is_true(json_object_get(j, "truncated")));
	json_decref(j);
}

struct lines {
	json_t *got[16];
	size_t n;
};

static void collect(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;

	cr_assert_eq(line[len - 1], '\n');
	cr_assert_lt(l->n, 16);
	l->got[l->n++] = json_loadb(line, len - 1, 0, NULL);
}

Test(sup_logmux, split_and_bound)
{
	struct mgo_logmux m;
	struct lines l = {0};
	char *big = malloc(MGO_LOGMUX_LINE_MAX + 100);

	cr_assert_eq(mgo_logmux_init(&m, "validator", 9), 0);
	cr_assert_eq(mgo_logmux_feed(&m, "one\ntw", 6, collect, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(mgo_logmux_feed(&m, "o\r\n\n{\"k\":", 9, collect, &l), 0);
	cr_assert_eq(l.n, 2, "empty lines are skipped");
	cr_assert_str_eq(str(l.got[0], "raw"), "one");
	cr_assert_str_eq(str(l.got[1], "raw"), "two", "CR LF is a line end");
	cr_assert_eq(mgo_logmux_feed(&m, "2}\n", 3, collect, &l), 0);
	cr_assert_eq(json_integer_value(json_object_get(l.got[2], "k")), 2, "joined across feeds");
	cr_assert_str_eq(str(l.got[2], "role"), "validator");

	/* a line past the bound: the kept part once, the rest dropped up to
	 * its end, then the next line as usual */
	memset(big, 'x', MGO_LOGMUX_LINE_MAX + 100);
	cr_assert_eq(mgo_logmux_feed(&m, big, MGO_LOGMUX_LINE_MAX - 10, collect, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_assert_eq(mgo_logmux_feed(&m, big, 100, collect, &l), 0);
	cr_assert_eq(l.n, 4);
	cr_assert(json_is_true(json_object_get(l.got[3], "truncated")));
	cr_assert_eq(json_string_length(json_object_get(l.got[3], "raw")), MGO_LOGMUX_LINE_MAX);
	cr_assert_eq(mgo_logmux_feed(&m, big, 100, collect, &l), 0);
	cr_assert_eq(mgo_logmux_feed(&m, "x\nafter\nlast", 12, collect, &l), 0);
	cr_assert_eq(l.n, 5);
	cr_assert_str_eq(str(l.got[4], "raw"), "after");
	cr_assert_eq(mgo_logmux_flush(&m, collect, &l), 0);
	cr_assert_eq(l.n, 6, "an unfinished last line is not lost");
	cr_assert_str_eq(str(l.got[5], "raw"), "last");
	cr_assert_eq(mgo_logmux_flush(&m, collect, &l), 0);
	cr_assert_eq(l.n, 6);
	for (size_t i = 0; i < l.n; i++)
		json_decref(l.got[i]);
	mgo_logmux_free(&m);
	free(big);
}

/* ---- the socket directory ---- */

TestSuite(sup_sockdir, .init = mgo_test_tmp_init, .fini = mgo_test_tmp_fini);

Test(sup_sockdir, made_private_or_refused)
{
	char dir[512], err[256];
	bool created;
	struct stat st;
	mode_t old = umask(0777);

	snprintf(dir, sizeof(dir), "%s/run", mgo_test_dir);
	cr_assert_eq(mgo_sockdir_make(dir, &created, err, sizeof(err)), 0, "%s", err);
	umask(old);
	cr_assert(created);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700, "0700 whatever the umask");
	cr_assert_eq(mgo_sockdir_make(dir, &created, err, sizeof(err)), 0, "ours already: fine");
	cr_assert_not(created);

	cr_assert_eq(chmod(dir, 0750), 0);
	cr_assert_eq(mgo_sockdir_make(dir, &created, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "has mode 0750, not 0700"), "%s", err);
	cr_assert_eq(chmod(dir, 0700), 0);

	if (geteuid() == 0) {
		cr_assert_eq(chown(dir, 65534, 65534), 0);
		cr_assert_eq(mgo_sockdir_make(dir, &created, err, sizeof(err)), -EPERM);
		cr_assert(strstr(err, "is owned by uid 65534"), "%s", err);
		cr_assert_eq(chown(dir, 0, 0), 0);
	}

	char link[512];
	snprintf(link, sizeof(link), "%s/link", mgo_test_dir);
	cr_assert_eq(symlink(dir, link), 0);
	cr_assert_eq(mgo_sockdir_make(link, &created, err, sizeof(err)), -ELOOP);
	cr_assert(strstr(err, "symbolic link"), "%s", err);

	char *file = mgo_test_write(mgo_test_dir, "file", "x");
	cr_assert_eq(mgo_sockdir_make(file, &created, err, sizeof(err)), -ENOTDIR);
	free(file);

	snprintf(link, sizeof(link), "%s/no/such/parent", mgo_test_dir);
	cr_assert_eq(mgo_sockdir_make(link, &created, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "cannot create"), "%s", err);
}

Test(sup_sockdir, clean_removes_sockets_and_what_it_made)
{
	char dir[512], path[600], err[256];
	bool created;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/run", mgo_test_dir);
	cr_assert_eq(mgo_sockdir_make(dir, &created, err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, i ? "launcher" : "validator");
		cr_assert_eq(stat(path, &st), 0, "%s: made", path);
		cr_assert_eq(st.st_mode & 07777, 0700, "%s: private", path);
		free(mgo_test_write(path, "socket", ""));
	}
	mgo_sockdir_clean(dir, false);
	snprintf(path, sizeof(path), "%s/launcher", dir);
	cr_assert_neq(stat(path, &st), 0);
	cr_assert_eq(stat(dir, &st), 0, "not ours to remove");
	mgo_sockdir_clean(dir, true);
	cr_assert_neq(stat(dir, &st), 0, "made by us: removed");
}

/* The upload step's pure parts, by tables: known_hosts parsing and matching
 * (keys, fingerprints and hashed names made by OpenSSH's ssh-keygen), the
 * environment the Job sets, remote paths, backoff and the meaning of
 * libcurl's results. The program itself is driven against a real sshd in
 * test_upload.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "known_hosts.h"
#include "mgo/upload.h"
#include "upload_config.h"

/* ssh-keygen -t ed25519 (A, B) and -t ecdsa (E) public keys */
#define KA "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvysnbyRp8CCu2u9DJMaKIMSU3KLdffS2YPj9dr5V2n"
#define KB "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFEN3Lzko9CBPOBqLa6RjSGcPCh9U8u+PKRrRgqEoncs"
#define KE                                                                                     \
	"ecdsa-sha2-nistp256 "                                                                 \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKzTSTZbf2x6EXZ+LNKaos/"         \
	"7h+Y6YDU6/5KIWhzKvZXj7Kkk1L+OCyo9LjGlsjOcLWHpZF8MuUUBNurPEmhzeEs="
/* ssh-keygen -l of A and E */
#define FP_A "SHA256:o3kq4uI/7YmacrN9+w9krD0aY7tWDzCqBQ+DSzQ6coM"
#define FP_E "SHA256:2pzAd3y6KNC+Fbuf+zPEoNBKA30XaeQMEfo/vLqfTEw"
/* ssh-keygen -H of "example.com" and "[127.0.0.1]:2222" */
#define HASHED_EXAMPLE "|1|EKNGR48/RHCtPl+n3LmCkoHUsww=|Ek0nG3BOHl8uZTi0K3nSlk/wRuQ="
#define HASHED_LOCAL_2222 "|1|/kTh8k5m5kQgzmO8oeizSF+xhcs=|2C8RuRM3yJom4C2x+6GwdHtS8tQ="

/* A test run once per row of `table`, the row in `c`. Criterion copies
 * parameters into a re-executed worker, where the runner's pointers mean
 * nothing: the parameter is the row's index, and the worker reads its own
 * copy of the table. */
#define TABLE_TEST(suite, name, table)                                                         \
	ParameterizedTestParameters(suite, name)                                               \
	{                                                                                      \
		static size_t rows[sizeof(table) / sizeof(table[0])];                          \
		for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)                    \
			rows[k] = k;                                                           \
		return cr_make_param_array(size_t, rows, sizeof(rows) / sizeof(rows[0]));      \
	}                                                                                      \
	static void suite##_##name##_row(const __typeof__(table[0]) *c);                       \
	ParameterizedTest(size_t *row, suite, name)                                            \
	{                                                                                      \
		suite##_##name##_row(&table[*row]);                                            \
	}                                                                                      \
	static void suite##_##name##_row(const __typeof__(table[0]) *c)

/* The key blob of a known_hosts line, as a server would present it. */
struct blob {
	unsigned char bytes[512];
	size_t len;
};

static struct blob blob_of(const char *key)
{
	char line[600];
	char msg[200] = "";
	struct mgo_kh kh = {0};
	struct blob b = {.len = 0};

	snprintf(line, sizeof(line), "x %s", key);
	cr_assert_eq(mgo_kh_parse(&kh, line, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(kh.count, 1);
	cr_assert_leq(kh.entries[0].key_len, sizeof(b.bytes));
	memcpy(b.bytes, kh.entries[0].key, kh.entries[0].key_len);
	b.len = kh.entries[0].key_len;
	mgo_kh_free(&kh);
	return b;
}

/* ---- known_hosts: what parses ---- */

struct parse_ok {
	const char *text;
	size_t entries;
};

static struct parse_ok parse_ok_cases[] = {
	{"", 0},
	{"# a comment\n\n   \n\t# indented comment\n", 0},
	{"example.com " KA, 1},
	{"example.com " KA " a comment, with words", 1},
	{"a.example,b.example,[10.0.0.1]:2222 " KA "\r\n", 1},
	{"  \texample.com\t" KA, 1},
	{"@revoked * " KA, 1},
	{HASHED_EXAMPLE " " KA, 1},
	{"example.com " KA "\n# between\n[127.0.0.1]:2222 " KE "\n", 2},
	{"*.example.com,!bad.example.com,host?.example " KB, 1},
};

TABLE_TEST(known_hosts, parses, parse_ok_cases)
{
	struct mgo_kh kh = {0};
	char msg[200] = "";

	cr_assert_eq(mgo_kh_parse(&kh, c->text, msg, sizeof(msg)), 0, "%s: %s", c->text, msg);
	cr_assert_eq(kh.count, c->entries, "%s", c->text);
	mgo_kh_free(&kh);
}

/* ---- known_hosts: what is refused, and why ---- */

struct parse_bad {
	const char *text;
	const char *why;
};

static struct parse_bad parse_bad_cases[] = {
	{"example.com ssh-ed25519", "line 1: expected \"host key-type base64-key\""},
	{"example.com", "line 1: expected"},
	{"example.com ssh-ed25519 AAAA!!!!", "not valid base64"},
	/* the ECDSA key without its '=' padding */
	{"example.com ecdsa-sha2-nistp256 "
	 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKzTSTZbf2x6EXZ+LNKaos/"
	 "7h+Y6YDU6/5KIWhzKvZXj7Kkk1L+OCyo9LjGlsjOcLWHpZF8MuUUBNurPEmhzeEs",
	 "not valid base64"},
	{"example.com ssh-ed25519 ", "line 1: expected"},
	{"example.com ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIEvysnbyRp8CCu2u9DJMaKIMSU3KLdffS2YPj9dr5V2n",
	 "not a ssh-rsa public key"},
	{"example.com ssh-foo AAAA", "unsupported key type \"ssh-foo\""},
	{"@cert-authority *.example.com " KA, "@cert-authority is not supported"},
	{"@bogus example.com " KA, "unknown marker \"@bogus\""},
	{"@revoked", "line 1: expected"},
	{"a,,b " KA, "empty host name"},
	{"a,! " KA, "empty host name"},
	{",a " KA, "empty host name"},
	{"caf\xc3\xa9.example " KA, "non-ASCII"},
	{"|1|abc " KA, "hashed host name has no '|'"},
	{"|1|EKNGR48/RHCtPl+n3LmCkoHUsww=|Ek0n " KA, "hashed host name is not"},
	{"|1|AAAA|Ek0nG3BOHl8uZTi0K3nSlk/wRuQ= " KA, "hashed host name is not"},
	{"# fine\nexample.com " KA "\nbad", "line 3:"},
};

TABLE_TEST(known_hosts, refuses, parse_bad_cases)
{
	struct mgo_kh kh = {0};
	char msg[200] = "";

	cr_assert_eq(mgo_kh_parse(&kh, c->text, msg, sizeof(msg)), -EINVAL, "%s", c->text);
	cr_assert(strstr(msg, c->why), "for %s: message \"%s\" lacks \"%s\"", c->text, msg,
		  c->why);
	mgo_kh_free(&kh);
}

Test(known_hosts, bounds_text_and_entries)
{
	size_t len = MGO_KH_MAX_TEXT + 1;
	char *big = malloc(len + 1);
	struct mgo_kh kh = {0};
	char msg[200] = "";

	cr_assert_not_null(big);
	memset(big, '#', len);
	big[len] = '\0';
	cr_assert_eq(mgo_kh_parse(&kh, big, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "longer than"), "%s", msg);

	/* one entry too many, each line short enough to stay under the size bound */
	size_t line_len = strlen("h " KA "\n");
	size_t n = MGO_KH_MAX_ENTRIES + 1;
	cr_assert_lt(n * line_len, MGO_KH_MAX_TEXT);
	big[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(big, "h " KA "\n");
	cr_assert_eq(mgo_kh_parse(&kh, big, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "more than 1024 entries"), "%s", msg);
	mgo_kh_free(&kh);
	free(big);
}

/* ---- known_hosts: which key is accepted for which host ---- */

struct check_case {
	const char *known_hosts;
	const char *host;
	unsigned port;
	const char *key;
	enum mgo_kh_verdict verdict;
};

static struct check_case check_cases[] = {
	{"example.com " KA, "example.com", 22, KA, MGO_KH_MATCH},
	{"Example.COM " KA, "example.com", 22, KA, MGO_KH_MATCH},
	{"example.com " KA, "example.com", 22, KB, MGO_KH_MISMATCH},
	{"example.com " KA, "example.com", 22, KE, MGO_KH_MISMATCH},
	{"example.com " KA, "example.com", 2222, KA, MGO_KH_UNKNOWN_HOST},
	{"example.com " KA, "other.example", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"", "example.com", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"[127.0.0.1]:2222 " KA, "127.0.0.1", 2222, KA, MGO_KH_MATCH},
	{"[127.0.0.1]:2222 " KA, "127.0.0.1", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"[127.0.0.1]:2222 " KA, "127.0.0.1", 2223, KA, MGO_KH_UNKNOWN_HOST},
	{"a.example,b.example " KA, "b.example", 22, KA, MGO_KH_MATCH},
	{"a.example,b.example " KA, "c.example", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"*.wild.example " KA, "x.wild.example", 22, KA, MGO_KH_MATCH},
	{"*.wild.example " KA, "wild.example", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"*.wild.example,!bad.wild.example " KA, "bad.wild.example", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"!bad.wild.example,*.wild.example " KA, "bad.wild.example", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"host?.example " KA, "host1.example", 22, KA, MGO_KH_MATCH},
	{"host?.example " KA, "host12.example", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"[*]:2222 " KA, "anything.example", 2222, KA, MGO_KH_MATCH},
	{"example.com " KB "\nexample.com " KE "\nexample.com " KA, "example.com", 22, KA,
	 MGO_KH_MATCH},
	{"example.com " KB "\nexample.com " KE, "example.com", 22, KA, MGO_KH_MISMATCH},
	{HASHED_EXAMPLE " " KA, "example.com", 22, KA, MGO_KH_MATCH},
	{HASHED_EXAMPLE " " KA, "example.com", 22, KB, MGO_KH_MISMATCH},
	{HASHED_EXAMPLE " " KA, "example.org", 22, KA, MGO_KH_UNKNOWN_HOST},
	{HASHED_LOCAL_2222 " " KA, "127.0.0.1", 2222, KA, MGO_KH_MATCH},
	{HASHED_LOCAL_2222 " " KA, "127.0.0.1", 22, KA, MGO_KH_UNKNOWN_HOST},
	{"@revoked example.com " KA "\nexample.com " KA, "example.com", 22, KA, MGO_KH_REVOKED},
	{"example.com " KA "\n@revoked * " KA, "example.com", 22, KA, MGO_KH_REVOKED},
	{"@revoked example.com " KA "\nexample.com " KB, "example.com", 22, KB, MGO_KH_MATCH},
	{"@revoked example.com " KA, "example.com", 22, KB, MGO_KH_UNKNOWN_HOST},
	{"[::1]:2222 " KA, "::1", 2222, KA, MGO_KH_MATCH},
	{"::1 " KA, "::1", 22, KA, MGO_KH_MATCH},
};

TABLE_TEST(known_hosts, checks, check_cases)
{
	struct mgo_kh kh = {0};
	char msg[200] = "";
	struct blob key = blob_of(c->key);

	cr_assert_eq(mgo_kh_parse(&kh, c->known_hosts, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(mgo_kh_check(&kh, c->host, c->port, key.bytes, key.len), c->verdict,
		     "%s:%u in \"%s\"", c->host, c->port, c->known_hosts);
	mgo_kh_free(&kh);
}

Test(known_hosts, fingerprints_as_ssh_keygen_prints_them)
{
	struct blob a = blob_of(KA), e = blob_of(KE);
	char fp[64];

	cr_assert_eq(mgo_kh_fingerprint(a.bytes, a.len, fp, sizeof(fp)), 0);
	cr_assert_str_eq(fp, FP_A);
	cr_assert_eq(mgo_kh_fingerprint(e.bytes, e.len, fp, sizeof(fp)), 0);
	cr_assert_str_eq(fp, FP_E);
	cr_assert_eq(mgo_kh_fingerprint(e.bytes, e.len, fp, 20), -ENAMETOOLONG);
}

Test(known_hosts, suggested_line_parses_and_matches)
{
	struct blob a = blob_of(KA);
	char *line = mgo_kh_format_line("127.0.0.1", 2222, a.bytes, a.len);
	struct mgo_kh kh = {0};
	char msg[200] = "";

	cr_assert_str_eq(line, "[127.0.0.1]:2222 " KA);
	cr_assert_eq(mgo_kh_parse(&kh, line, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(mgo_kh_check(&kh, "127.0.0.1", 2222, a.bytes, a.len), MGO_KH_MATCH);
	free(line);
	line = mgo_kh_format_line("sftp.example.com", 22, a.bytes, a.len);
	cr_assert_str_eq(line, "sftp.example.com " KA);
	free(line);
	mgo_kh_free(&kh);
}

Test(known_hosts, blob_type_is_bounded)
{
	char type[32];
	struct blob a = blob_of(KA);
	static const unsigned char truncated[] = {0, 0, 0, 11, 's', 's', 'h'};
	static const unsigned char empty[] = {0, 0, 0, 0};
	static const unsigned char huge[] = {0xff, 0xff, 0xff, 0xff, 'x'};

	cr_assert_eq(mgo_kh_blob_type(a.bytes, a.len, type, sizeof(type)), 0);
	cr_assert_str_eq(type, "ssh-ed25519");
	cr_assert_eq(mgo_kh_blob_type(a.bytes, a.len, type, 5), -EINVAL);
	cr_assert_eq(mgo_kh_blob_type(truncated, sizeof(truncated), type, sizeof(type)), -EINVAL);
	cr_assert_eq(mgo_kh_blob_type(empty, sizeof(empty), type, sizeof(type)), -EINVAL);
	cr_assert_eq(mgo_kh_blob_type(huge, sizeof(huge), type, sizeof(type)), -EINVAL);
	cr_assert_eq(mgo_kh_blob_type(a.bytes, 3, type, sizeof(type)), -EINVAL);
}

Test(known_hosts, host_name_form)
{
	char name[64];

	cr_assert_eq(mgo_kh_host_name("SFTP.Example.com", 22, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "sftp.example.com");
	cr_assert_eq(mgo_kh_host_name("::1", 2222, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "[::1]:2222");
	cr_assert_eq(mgo_kh_host_name("a-rather-long-host.example.com", 2222, name, 20),
		     -ENAMETOOLONG);
}

/* ---- MGO_SFTP_HOST ---- */

struct host_case {
	const char *text;
	const char *host; /* NULL: refused */
	unsigned port;
};

static struct host_case host_cases[] = {
	{"sftp.access.redhat.com", "sftp.access.redhat.com", 22},
	{"SFTP.Example.com:2222", "sftp.example.com", 2222},
	{"127.0.0.1:22", "127.0.0.1", 22},
	{"internal_name.corp", "internal_name.corp", 22},
	{"[::1]:2222", "::1", 2222},
	{"[::1]", "::1", 22},
	{"[FE80::1]:65535", "fe80::1", 65535},
	{"fe80::1", "fe80::1", 22},
	{"h:1", "h", 1},
	{"", NULL, 0},
	{":22", NULL, 0},
	{"host:", NULL, 0},
	{"host:0", NULL, 0},
	{"host:65536", NULL, 0},
	{"host:22x", NULL, 0},
	{"host:+22", NULL, 0},
	{"host:022222", NULL, 0},
	{"[::1", NULL, 0},
	{"[::1]x", NULL, 0},
	{"[::1]:", NULL, 0},
	{"[nothost]:22", NULL, 0},
	{"[]:22", NULL, 0},
	{"1:2:3", NULL, 0},
	{"-bad.example", NULL, 0},
	{"bad-.example", NULL, 0},
	{"a..b", NULL, 0},
	{"trailing.dot.", NULL, 0},
	{"a b", NULL, 0},
	{"host/path", NULL, 0},
	{"user@host", NULL, 0},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", NULL, 0},
};

TABLE_TEST(upload_config, parses_host, host_cases)
{
	char host[256] = "", msg[160] = "";
	unsigned port = 0;
	int ret = mgo_upload_parse_host(c->text, host, sizeof(host), &port, msg, sizeof(msg));

	if (!c->host) {
		cr_assert_eq(ret, -EINVAL, "\"%s\" was accepted as %s:%u", c->text, host, port);
		cr_assert_neq(msg[0], '\0', "no reason for \"%s\"", c->text);
		return;
	}
	cr_assert_eq(ret, 0, "\"%s\": %s", c->text, msg);
	cr_assert_str_eq(host, c->host);
	cr_assert_eq(port, c->port, "\"%s\"", c->text);
}

Test(upload_config, host_longer_than_253_is_refused)
{
	char text[300], host[256], msg[160];
	unsigned port;

	/* four 63-character labels: 255 characters */
	text[0] = '\0';
	for (int i = 0; i < 4; i++) {
		char label[70];
		memset(label, 'a', 63);
		label[63] = '\0';
		strcat(text, i ? "." : "");
		strcat(text, label);
	}
	cr_assert_eq(mgo_upload_parse_host(text, host, sizeof(host), &port, msg, sizeof(msg)),
		     -EINVAL);
}

/* ---- the environment ---- */

#define SECRET_USER "rhn-support-someone"
#define SECRET_PASSWORD "s3cret-Pa55"

struct var {
	const char *name;
	const char *value;
};

struct env {
	struct var vars[16];
};

static const struct env base_env = {{
	{MGO_UPLOAD_ENV_RESULT_DIR, "/mgo-out"},
	{MGO_UPLOAD_ENV_HOST, "sftp.access.redhat.com"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, "01234567_must-gather-example-0a1b2c3d.tar.gz"},
	{MGO_UPLOAD_ENV_INTERNAL_USER, "false"},
	{MGO_UPLOAD_ENV_KNOWN_HOSTS, "sftp.access.redhat.com " KA},
	{MGO_UPLOAD_ENV_USERNAME, SECRET_USER},
	{MGO_UPLOAD_ENV_PASSWORD, SECRET_PASSWORD},
}};

static const char *lookup(const char *name, void *arg)
{
	const struct env *env = arg;

	for (size_t i = 0; i < sizeof(env->vars) / sizeof(env->vars[0]); i++)
		if (env->vars[i].name && strcmp(env->vars[i].name, name) == 0)
			return env->vars[i].value;
	return NULL;
}

/* Sets name to value (NULL: unset) in env, adding it if absent. */
static void env_set(struct env *env, const char *name, const char *value)
{
	size_t i = 0;

	while (env->vars[i].name && strcmp(env->vars[i].name, name) != 0)
		i++;
	cr_assert_lt(i, sizeof(env->vars) / sizeof(env->vars[0]) - 1);
	env->vars[i] = (struct var){name, value};
}

static struct env env_with(const char *name, const char *value)
{
	struct env env = base_env;

	env_set(&env, name, value);
	return env;
}

Test(upload_config, loads_what_the_job_sets)
{
	struct mgo_upload_config cfg = {0};
	struct env env = base_env;
	char msg[300] = "";

	cr_assert_eq(mgo_upload_config_load(&cfg, lookup, &env, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(cfg.result_dir, "/mgo-out");
	cr_assert_str_eq(cfg.host, "sftp.access.redhat.com");
	cr_assert_eq(cfg.port, 22);
	cr_assert_str_eq(cfg.remote_name, "01234567_must-gather-example-0a1b2c3d.tar.gz");
	cr_assert_not(cfg.internal_user);
	cr_assert_eq(cfg.known_hosts.count, 1);
	cr_assert_str_eq(cfg.username, SECRET_USER);
	cr_assert_str_eq(cfg.password, SECRET_PASSWORD);
	cr_assert_null(cfg.proxy);
	cr_assert_str_eq(cfg.proxy_display, "");
	cr_assert_null(cfg.no_proxy);
	cr_assert_eq(cfg.attempts, MGO_UPLOAD_DEFAULT_ATTEMPTS);
	mgo_upload_config_free(&cfg);
	cr_assert_null(cfg.password);
}

struct env_case {
	const char *name;
	const char *value;  /* NULL: unset */
	const char *why;    /* NULL: accepted */
};

static struct env_case env_cases[] = {
	{MGO_UPLOAD_ENV_RESULT_DIR, NULL, "MGO_RESULT_DIR must be an absolute directory path"},
	{MGO_UPLOAD_ENV_RESULT_DIR, "mgo-out", "MGO_RESULT_DIR must be"},
	{MGO_UPLOAD_ENV_RESULT_DIR, "/mgo\nout", "MGO_RESULT_DIR must be"},
	{MGO_UPLOAD_ENV_HOST, NULL, "MGO_SFTP_HOST is not set"},
	{MGO_UPLOAD_ENV_HOST, "", "MGO_SFTP_HOST is not set"},
	{MGO_UPLOAD_ENV_HOST, "bad host", "MGO_SFTP_HOST \"bad host\": not a host name"},
	{MGO_UPLOAD_ENV_HOST, "h:99999", "port must be a number from 1 to 65535"},
	{MGO_UPLOAD_ENV_HOST, "[::1]:2222", NULL},
	{MGO_UPLOAD_ENV_REMOTE_NAME, NULL, "MGO_REMOTE_NAME must be a file name"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, "", "MGO_REMOTE_NAME must be"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, "../etc/passwd", "MGO_REMOTE_NAME must be"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, "a/b.tar.gz", "MGO_REMOTE_NAME must be"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, ".hidden", "MGO_REMOTE_NAME must be"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, "with space.tar.gz", "MGO_REMOTE_NAME must be"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, "quote\".tar.gz", "MGO_REMOTE_NAME must be"},
	{MGO_UPLOAD_ENV_REMOTE_NAME, "x.tar.gz", NULL},
	{MGO_UPLOAD_ENV_INTERNAL_USER, NULL, "MGO_INTERNAL_USER must be \"true\" or \"false\""},
	{MGO_UPLOAD_ENV_INTERNAL_USER, "yes", "MGO_INTERNAL_USER must be"},
	{MGO_UPLOAD_ENV_INTERNAL_USER, "True", "MGO_INTERNAL_USER must be"},
	{MGO_UPLOAD_ENV_INTERNAL_USER, "true", NULL},
	{MGO_UPLOAD_ENV_KNOWN_HOSTS, NULL, NULL},
	{MGO_UPLOAD_ENV_KNOWN_HOSTS, "", NULL},
	{MGO_UPLOAD_ENV_KNOWN_HOSTS, "# none yet\n", NULL},
	{MGO_UPLOAD_ENV_KNOWN_HOSTS, "h ssh-ed25519 !!!", "MGO_SFTP_KNOWN_HOSTS line 1: "},
	{MGO_UPLOAD_ENV_USERNAME, NULL, "MGO_SFTP_USERNAME is not set"},
	{MGO_UPLOAD_ENV_USERNAME, "", "MGO_SFTP_USERNAME is not set"},
	{MGO_UPLOAD_ENV_USERNAME, SECRET_USER "\n", "MGO_SFTP_USERNAME contains a control"},
	{MGO_UPLOAD_ENV_PASSWORD, NULL, "MGO_SFTP_PASSWORD is not set"},
	{MGO_UPLOAD_ENV_PASSWORD, SECRET_PASSWORD "\n", "MGO_SFTP_PASSWORD contains a control"},
	{MGO_UPLOAD_ENV_ATTEMPTS, "1", NULL},
	{MGO_UPLOAD_ENV_ATTEMPTS, "20", NULL},
	{MGO_UPLOAD_ENV_ATTEMPTS, "0", "MGO_UPLOAD_ATTEMPTS must be a number from 1 to 20"},
	{MGO_UPLOAD_ENV_ATTEMPTS, "21", "MGO_UPLOAD_ATTEMPTS must be"},
	{MGO_UPLOAD_ENV_ATTEMPTS, "-1", "MGO_UPLOAD_ATTEMPTS must be"},
	{MGO_UPLOAD_ENV_ATTEMPTS, " 3", "MGO_UPLOAD_ATTEMPTS must be"},
	{MGO_UPLOAD_ENV_ATTEMPTS, "3x", "MGO_UPLOAD_ATTEMPTS must be"},
	{MGO_UPLOAD_ENV_ATTEMPTS, "99999999999999999999", "MGO_UPLOAD_ATTEMPTS must be"},
	{"HTTPS_PROXY", "socks5://proxy:1080", "HTTPS_PROXY must be an http:// or https:// URL"},
	{"HTTPS_PROXY", "http://[bad", "HTTPS_PROXY is not a URL"},
	{"HTTPS_PROXY", "http://proxy.example:3128 x", "HTTPS_PROXY is not a URL"},
	{"HTTP_PROXY", "http://user:" SECRET_PASSWORD "@proxy:notaport",
	 "HTTP_PROXY is not a URL"},
	{"HTTPS_PROXY", "", NULL},
	{"NO_PROXY", "a\nb", "NO_PROXY is not a host list"},
};

TABLE_TEST(upload_config, validates_each_variable, env_cases)
{
	struct mgo_upload_config cfg = {0};
	struct env env = env_with(c->name, c->value);
	char msg[300] = "";
	int ret = mgo_upload_config_load(&cfg, lookup, &env, msg, sizeof(msg));

	if (!c->why) {
		cr_assert_eq(ret, 0, "%s=%s: %s", c->name, c->value ? c->value : "(unset)", msg);
	} else {
		cr_assert_eq(ret, -EINVAL, "%s=%s was accepted", c->name,
			     c->value ? c->value : "(unset)");
		cr_assert(strstr(msg, c->why), "%s: \"%s\" lacks \"%s\"", c->name, msg, c->why);
	}
	/* a message never quotes a credential */
	cr_assert_null(strstr(msg, SECRET_PASSWORD), "%s", msg);
	cr_assert_null(strstr(msg, SECRET_USER), "%s", msg);
	mgo_upload_config_free(&cfg);
}

Test(upload_config, internal_user_name_must_be_a_plain_directory)
{
	static const char *const bad[] = {"a/b", "..", ".", "user name", "us\"er"};
	char msg[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mgo_upload_config cfg = {0};
		struct env env = env_with(MGO_UPLOAD_ENV_INTERNAL_USER, "true");
		env_set(&env, MGO_UPLOAD_ENV_USERNAME, bad[i]);
		cr_assert_eq(mgo_upload_config_load(&cfg, lookup, &env, msg, sizeof(msg)), -EINVAL,
			     "internal user \"%s\" accepted", bad[i]);
		cr_assert(strstr(msg, "remote directory of an internal user"), "%s", msg);
		mgo_upload_config_free(&cfg);
	}
	/* an external user's name is only a login, not a path */
	struct mgo_upload_config cfg = {0};
	struct env env = env_with(MGO_UPLOAD_ENV_USERNAME, "user name/with slash");
	cr_assert_eq(mgo_upload_config_load(&cfg, lookup, &env, msg, sizeof(msg)), 0, "%s", msg);
	mgo_upload_config_free(&cfg);
}

struct proxy_case {
	const char *https_proxy;
	const char *http_proxy;
	const char *proxy;    /* what libcurl gets */
	const char *display;  /* what the log shows */
};

static struct proxy_case proxy_cases[] = {
	{NULL, NULL, NULL, ""},
	{"", "", NULL, ""},
	{NULL, "http://proxy.example:3128", "http://proxy.example:3128", "http://proxy.example:3128"},
	{NULL, "proxy.example:3128", "http://proxy.example:3128", "http://proxy.example:3128"},
	{"https://secure.example", "http://plain.example:3128", "https://secure.example",
	 "https://secure.example:443"},
	{"", "http://plain.example:3128", "http://plain.example:3128", "http://plain.example:3128"},
	{"http://user:" SECRET_PASSWORD "@proxy.example:8080", NULL,
	 "http://user:" SECRET_PASSWORD "@proxy.example:8080", "http://proxy.example:8080"},
	{"http://[::1]:3128", NULL, "http://[::1]:3128", "http://[::1]:3128"},
};

TABLE_TEST(upload_config, picks_the_proxy, proxy_cases)
{
	struct mgo_upload_config cfg = {0};
	struct env env = env_with("HTTPS_PROXY", c->https_proxy);
	char msg[300] = "";

	env_set(&env, "HTTP_PROXY", c->http_proxy);
	env_set(&env, "NO_PROXY", "localhost,.cluster.local");
	cr_assert_eq(mgo_upload_config_load(&cfg, lookup, &env, msg, sizeof(msg)), 0, "%s", msg);
	if (c->proxy)
		cr_assert_str_eq(cfg.proxy, c->proxy);
	else
		cr_assert_null(cfg.proxy);
	cr_assert_str_eq(cfg.proxy_display, c->display);
	cr_assert_str_eq(cfg.no_proxy, "localhost,.cluster.local");
	mgo_upload_config_free(&cfg);
}

/* ---- remote paths ---- */

Test(upload_config, remote_paths_mirror_the_upstream_script)
{
	struct mgo_upload_config cfg = {.remote_name = "0123_must-gather-x-0a1b2c3d.tar.gz",
					.username = "rhn-support-someone"};
	char final[300], part[300];

	cr_assert_eq(mgo_upload_remote_paths(&cfg, final, sizeof(final), part, sizeof(part)), 0);
	cr_assert_str_eq(final, "0123_must-gather-x-0a1b2c3d.tar.gz");
	cr_assert_str_eq(part, ".0123_must-gather-x-0a1b2c3d.tar.gz.part");

	cfg.internal_user = true;
	cr_assert_eq(mgo_upload_remote_paths(&cfg, final, sizeof(final), part, sizeof(part)), 0);
	cr_assert_str_eq(final, "rhn-support-someone/0123_must-gather-x-0a1b2c3d.tar.gz");
	cr_assert_str_eq(part, "rhn-support-someone/.0123_must-gather-x-0a1b2c3d.tar.gz.part");

	cr_assert_eq(mgo_upload_remote_paths(&cfg, final, sizeof(final), part, 40), -ENAMETOOLONG);
	cr_assert_eq(mgo_upload_remote_paths(&cfg, final, 20, part, sizeof(part)), -ENAMETOOLONG);
}

/* ---- backoff ---- */

struct backoff_case {
	unsigned failures;
	unsigned ceiling_ms;
};

static struct backoff_case backoff_cases[] = {
	{0, 1000}, {1, 1000}, {2, 2000}, {3, 4000}, {4, 8000}, {5, 16000},
	{6, 30000}, {7, 30000}, {20, 30000}, {40, 30000}, {4000000000u, 30000},
};

TABLE_TEST(upload_config, backs_off, backoff_cases)
{
	unsigned half = c->ceiling_ms / 2;

	/* the jitter spans the upper half of the ceiling, both ends reached */
	cr_assert_eq(mgo_upload_backoff_ms(c->failures, 0), half);
	cr_assert_eq(mgo_upload_backoff_ms(c->failures, half), c->ceiling_ms);
	for (uint32_t r = 1; r < 4000000000u; r = r * 7 + 13) {
		unsigned d = mgo_upload_backoff_ms(c->failures, r);
		cr_assert(d >= half && d <= c->ceiling_ms, "failures %u random %u: %u ms",
			  c->failures, r, d);
	}
}

/* ---- what libcurl's results mean ---- */

struct classify_case {
	CURLcode rc;
	bool ssh_reached;
	int exit_status;
	bool retry;
};

static struct classify_case classify_cases[] = {
	{CURLE_OK, true, MGO_UPLOAD_EXIT_OK, false},
	{CURLE_PEER_FAILED_VERIFICATION, true, MGO_UPLOAD_EXIT_HOST_KEY, false},
	{CURLE_PEER_FAILED_VERIFICATION, false, MGO_UPLOAD_EXIT_HOST_KEY, false},
	{CURLE_LOGIN_DENIED, true, MGO_UPLOAD_EXIT_AUTH, false},
	{CURLE_COULDNT_CONNECT, false, MGO_UPLOAD_EXIT_UNREACHABLE, true},
	{CURLE_COULDNT_RESOLVE_HOST, false, MGO_UPLOAD_EXIT_UNREACHABLE, true},
	{CURLE_COULDNT_RESOLVE_PROXY, false, MGO_UPLOAD_EXIT_UNREACHABLE, true},
	{CURLE_OPERATION_TIMEDOUT, false, MGO_UPLOAD_EXIT_UNREACHABLE, true},
	{CURLE_OPERATION_TIMEDOUT, true, MGO_UPLOAD_EXIT_TRANSFER, true},
	{CURLE_RECV_ERROR, false, MGO_UPLOAD_EXIT_UNREACHABLE, true},
	{CURLE_SEND_ERROR, true, MGO_UPLOAD_EXIT_TRANSFER, true},
	{CURLE_SSH, true, MGO_UPLOAD_EXIT_TRANSFER, true},
	{CURLE_PARTIAL_FILE, true, MGO_UPLOAD_EXIT_TRANSFER, true},
	{CURLE_GOT_NOTHING, true, MGO_UPLOAD_EXIT_TRANSFER, true},
	{CURLE_REMOTE_ACCESS_DENIED, true, MGO_UPLOAD_EXIT_TRANSFER, false},
	{CURLE_REMOTE_FILE_NOT_FOUND, true, MGO_UPLOAD_EXIT_TRANSFER, false},
	{CURLE_REMOTE_DISK_FULL, true, MGO_UPLOAD_EXIT_TRANSFER, false},
	{CURLE_QUOTE_ERROR, true, MGO_UPLOAD_EXIT_TRANSFER, false},
	{CURLE_ABORTED_BY_CALLBACK, true, MGO_UPLOAD_EXIT_TRANSFER, false},
	{CURLE_OUT_OF_MEMORY, false, MGO_UPLOAD_EXIT_TRANSFER, false},
};

TABLE_TEST(upload_config, classifies_curl_results, classify_cases)
{
	struct mgo_upload_outcome out = mgo_upload_classify(c->rc, c->ssh_reached);

	cr_assert_eq(out.exit_status, c->exit_status, "%s (reached %d)", curl_easy_strerror(c->rc),
		     c->ssh_reached);
	cr_assert_eq(out.retry, c->retry, "%s (reached %d)", curl_easy_strerror(c->rc),
		     c->ssh_reached);
}

Test(upload_config, redacts_every_occurrence)
{
	char text[] = "pw: login pw failed for pwx";

	mgo_upload_redact(text, "pw");
	cr_assert_str_eq(text, "**: login ** failed for **x");
	mgo_upload_redact(text, "");
	mgo_upload_redact(text, NULL);
	cr_assert_str_eq(text, "**: login ** failed for **x");
}

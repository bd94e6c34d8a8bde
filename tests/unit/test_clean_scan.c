/* mgo-clean's tokenizer (clean/scan.c): what counts as an address and what
 * does not, row by row, as docs/obfuscation.md states the rules; addresses
 * split at every position of the streaming buffer's boundary; names; the
 * bound of the consistent map. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clean.h"

static struct mgo_clean_config cfg;

static void setup(void)
{
	static const char text[] =
		"config:\n"
		"  obfuscate:\n"
		"  - type: IP\n"
		"  - type: MAC\n"
		"  - type: Domain\n"
		"    domainNames: [example.com, dev.example.org]\n"
		"  - type: Keywords\n"
		"    replacement: {secretword: REDACTED, \"team blue\": team-x}\n";
	char err[512] = "";

	cr_assert_eq(mgo_clean_config_parse(text, strlen(text), "test", &cfg, err, sizeof(err)), 0,
		     "%s", err);
}

static void teardown(void)
{
	mgo_clean_config_free(&cfg);
}

TestSuite(clean_scan, .init = setup, .fini = teardown, .timeout = 60);

static int memfd_with(const char *data, size_t n)
{
	int fd = memfd_create("clean-test", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, n), (ssize_t)n);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int memfd_str(const char *s)
{
	return memfd_with(s, strlen(s));
}

/* What the cleaner c makes of the bytes read from in (closed). */
static char *drain(struct mgo_cleaner *c, int in, int *rc)
{
	int out = memfd_create("clean-out", MFD_CLOEXEC);
	off_t n;
	char *buf;

	cr_assert_geq(out, 0);
	*rc = mgo_clean_stream(c, in, out, NULL);
	close(in);
	n = lseek(out, 0, SEEK_END);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(out, buf, (size_t)n, 0), n);
	close(out);
	return buf;
}

/* Cleans text with a fresh cleaner (numbers from 1) of the given buffer. */
static char *clean_text(const char *text, size_t bufsize)
{
	struct mgo_cleaner c;
	char *out;
	int rc;

	cr_assert_eq(mgo_cleaner_init(&c, &cfg, bufsize), 0);
	out = drain(&c, memfd_with(text, strlen(text)), &rc);
	cr_assert_eq(rc, 0, "clean %s: %s", text, strerror(-rc));
	mgo_cleaner_free(&c);
	return out;
}

struct row {
	const char *in, *out;
};

static const struct row rows[] = {
	/* IPv4, alone and inside longer tokens, YAML and JSON values */
	{"10.0.0.1", "x-ipv4-000001-x"},
	{"host 10.0.0.1:6443 up", "host x-ipv4-000001-x:6443 up"},
	{"net 10.0.0.0/24", "net x-ipv4-000001-x/24"},
	{"[10.0.0.1]", "[x-ipv4-000001-x]"},
	{"https://10.0.0.1:6443/api", "https://x-ipv4-000001-x:6443/api"},
	{"addr=10.0.0.1,", "addr=x-ipv4-000001-x,"},
	{"node_10.0.0.1_x", "node_x-ipv4-000001-x_x"},
	{"podIP: 10.128.0.56\n", "podIP: x-ipv4-000001-x\n"},
	{"{\"hostIP\":\"10.0.187.218\"}", "{\"hostIP\":\"x-ipv4-000001-x\"}"},
	{"01.02.03.04", "x-ipv4-000001-x"},
	{"10.0.0.1 10.0.0.2 10.0.0.1", "x-ipv4-000001-x x-ipv4-000002-x x-ipv4-000001-x"},
	{"end 10.0.0.1.", "end x-ipv4-000001-x."},
	/* the dashed form of host names, after "ip-" only; same number as dotted */
	{"ip-10-0-187-218.ec2.internal", "ip-x-ipv4-000001-x.ec2.internal"},
	{"etcd-ip-10-0-187-218 10.0.187.218", "etcd-ip-x-ipv4-000001-x x-ipv4-000001-x"},
	{"IP-10-0-0-1", "IP-x-ipv4-000001-x"},
	{"zip-10-0-0-1", "zip-10-0-0-1"},
	{"10-0-0-1", "10-0-0-1"},
	{"ip-10-0-0-1-abc", "ip-10-0-0-1-abc"},
	/* not IPv4: versions, times, dates, out of range */
	{"1.2.3.4.5", "1.2.3.4.5"},
	{"v1.2.3.4", "v1.2.3.4"},
	{"go1.21.3", "go1.21.3"},
	{"1.2.3", "1.2.3"},
	{"256.1.1.1", "256.1.1.1"},
	{"1.2.3.4a", "1.2.3.4a"},
	{"1.2.3.1234", "1.2.3.1234"},
	{"oid 1.3.6.1.4.1.2021", "oid 1.3.6.1.4.1.2021"},
	{"12:34:56", "12:34:56"},
	{"at 12:34:56.789", "at 12:34:56.789"},
	{"2026-12-07T09:04:29.123Z", "2026-12-07T09:04:29.123Z"},
	{"I1207 09:04:29.123456 1 main.go:42]", "I1207 09:04:29.123456 1 main.go:42]"},
	/* kept: not sensitive */
	{"127.0.0.1 0.0.0.0 ::1 ::", "127.0.0.1 0.0.0.0 ::1 ::"},
	/* IPv6: compressed, full, ports, prefixes, embedded IPv4, zones */
	{"fd00::1", "x-ipv6-000001-x"},
	{"[fd00::1]:443", "[x-ipv6-000001-x]:443"},
	{"fd00::/64", "x-ipv6-000001-x/64"},
	{"fd00:1::/48 fd00:1:0:0:0:0:0:0", "x-ipv6-000001-x/48 x-ipv6-000001-x"},
	{"2001:db8:0:0:0:0:0:1", "x-ipv6-000001-x"},
	{"2001:0db8:0000:0000:0000:0000:0000:0001 2001:db8::1", "x-ipv6-000001-x x-ipv6-000001-x"},
	{"::ffff:10.0.0.1", "x-ipv6-000001-x"},
	{"64:ff9b::192.0.2.33", "x-ipv6-000001-x"},
	{"fe80::1%eth0", "x-ipv6-000001-x%eth0"},
	{"FD00::1 fd00::1", "x-ipv6-000001-x x-ipv6-000001-x"},
	{"\"podIPs\":[{\"ip\":\"fd02::2\"}]", "\"podIPs\":[{\"ip\":\"x-ipv6-000001-x\"}]"},
	{"- ip: fd02::2\n", "- ip: x-ipv6-000001-x\n"},
	{"http://[2001:db8::5]:8080/x", "http://[x-ipv6-000001-x]:8080/x"},
	/* not IPv6 */
	{"std::string", "std::string"},
	{"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:9"},
	{"a:b:c", "a:b:c"},
	/* MAC: ':' and '-', one number for both spellings */
	{"aa:bb:cc:dd:ee:01", "x-mac-000001-x"},
	{"AA-BB-CC-DD-EE-01 aa:bb:cc:dd:ee:01", "x-mac-000001-x x-mac-000001-x"},
	{"link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff",
	 "link/ether x-mac-000001-x brd ff:ff:ff:ff:ff:ff"},
	{"node-00-11-22-33-44-55", "node-x-mac-000001-x"},
	{"mac=\"0a:58:0a:80:00:02\"", "mac=\"x-mac-000001-x\""},
	/* not MAC: longer chains of groups (fingerprints) */
	{"a1-b2-c3-d4-e5-f6-a7", "a1-b2-c3-d4-e5-f6-a7"},
	{"aa:bb:cc:dd:ee:ff:00:11:22", "aa:bb:cc:dd:ee:ff:00:11:22"},
	{"00:00:00:00:00:00", "00:00:00:00:00:00"},
	/* domain names at label boundaries, any case; the longest listed wins */
	{"api.cluster.example.com", "api.cluster.x-domain-000001-x"},
	{"EXAMPLE.COM example.com", "x-domain-000001-x x-domain-000001-x"},
	{"user@example.com.", "user@x-domain-000001-x."},
	{"example.com.au notexample.com my-example.com", "example.com.au notexample.com my-example.com"},
	{"a.dev.example.org example.org", "a.x-domain-000001-x example.org"},
	/* keywords: exactly their bytes, anywhere */
	{"the secretword is here", "the REDACTED is here"},
	{"xsecretwordx team blue", "xREDACTEDx team-x"},
	{"Secretword", "Secretword"},
	{"", ""},
};

Test(clean_scan, address_forms)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out = clean_text(rows[i].in, 0);

		cr_expect_str_eq(out, rows[i].out, "row %zu: \"%s\" became \"%s\", not \"%s\"", i,
				 rows[i].in, out, rows[i].out);
		free(out);
	}
}

/* The same rows through the smallest buffer: every row's bytes cross reads */
Test(clean_scan, address_forms_with_the_smallest_buffer)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out = clean_text(rows[i].in, 1);

		cr_expect_str_eq(out, rows[i].out, "row %zu", i);
		free(out);
	}
}

static const char line[] = "10.0.0.1 fd00::1 aa:bb:cc:dd:ee:01 ip-10-0-0-2 v1.2.3.4 1.2.3.4.5 "
			   "12:34:56 api.example.com\n";
static const char cleaned[] = "x-ipv4-000001-x x-ipv6-000001-x x-mac-000001-x ip-x-ipv4-000002-x "
			      "v1.2.3.4 1.2.3.4.5 12:34:56 api.x-domain-000001-x\n";

/* The line after k bytes of filler, for every k over three buffers: each
 * address starts, ends and is cut at every offset of a read. */
Test(clean_scan, addresses_split_at_every_buffer_boundary)
{
	struct mgo_cleaner probe;
	size_t bufsize;

	cr_assert_eq(mgo_cleaner_init(&probe, &cfg, 1), 0);
	bufsize = probe.bufsize; /* the smallest the patterns allow */
	mgo_cleaner_free(&probe);
	for (size_t k = 0; k < 3 * bufsize; k++) {
		char *in = malloc(k + sizeof(line)), *want = malloc(k + sizeof(cleaned)), *out;

		cr_assert(in && want);
		for (size_t j = 0; j < k; j++)
			in[j] = want[j] = j % 7 == 6 ? ' ' : '_';
		if (k)
			in[k - 1] = want[k - 1] = ' ';
		memcpy(in + k, line, sizeof(line));
		memcpy(want + k, cleaned, sizeof(cleaned));
		out = clean_text(in, bufsize);
		cr_assert_str_eq(out, want, "filler %zu, buffer %zu", k, bufsize);
		free(in);
		free(want);
		free(out);
	}
}

/* Short reads (a pipe written 7 bytes at a time) change nothing. */
Test(clean_scan, short_reads_from_a_pipe)
{
	struct mgo_cleaner c;
	char text[4096] = "", want[8192] = "", *out;
	int p[2], rc;
	pid_t pid;

	for (int i = 0; i < 20; i++) {
		strcat(text, line);
		strcat(want, cleaned);
	}
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		for (size_t i = 0; i < strlen(text); i += 7)
			if (write(p[1], text + i, strlen(text) - i < 7 ? strlen(text) - i : 7) < 0)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(mgo_cleaner_init(&c, &cfg, 1), 0);
	out = drain(&c, p[0], &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(out, want);
	cr_assert_eq(c.count[MGO_CLEAN_IPV4], 40u);
	cr_assert_eq(c.map.next_id[MGO_CLEAN_IPV4], 2u);
	waitpid(pid, NULL, 0);
	free(out);
	mgo_cleaner_free(&c);
}

/* One cleaner over several inputs: the same value, the same replacement. */
Test(clean_scan, consistent_across_inputs)
{
	struct mgo_cleaner c;
	char *a, *b;
	int rc;

	cr_assert_eq(mgo_cleaner_init(&c, &cfg, 0), 0);
	a = drain(&c, memfd_str("10.0.0.9 fd00::9"), &rc);
	cr_assert_eq(rc, 0);
	b = drain(&c, memfd_str("fd00:0::9 x 10.0.0.9 10.0.0.10"), &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(a, "x-ipv4-000001-x x-ipv6-000001-x");
	cr_assert_str_eq(b, "x-ipv6-000001-x x x-ipv4-000001-x x-ipv4-000002-x");
	cr_assert_eq(c.count[MGO_CLEAN_IPV4], 3u);
	cr_assert_eq(c.count[MGO_CLEAN_IPV6], 2u);
	free(a);
	free(b);
	mgo_cleaner_free(&c);
}

Test(clean_scan, static_replacements)
{
	static const char text[] = "config:\n  obfuscate:\n  - {type: IP, replacementType: Static}\n"
				   "  - {type: MAC, replacementType: Static}\n";
	struct mgo_clean_config st;
	struct mgo_cleaner c;
	char err[256], *out;
	int rc;

	cr_assert_eq(mgo_clean_config_parse(text, strlen(text), "t", &st, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(mgo_cleaner_init(&c, &st, 0), 0);
	out = drain(&c, memfd_str("10.0.0.1 10.0.0.2 fd00::1 aa:bb:cc:dd:ee:01"), &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(out, "xxx.xxx.xxx.xxx xxx.xxx.xxx.xxx xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx "
			      "xx:xx:xx:xx:xx:xx");
	cr_assert_eq(c.map.next_id[MGO_CLEAN_IPV4], 2u, "distinct values are still counted");
	free(out);
	mgo_cleaner_free(&c);
	mgo_clean_config_free(&st);
}

/* target: FilePath or FileContents limits where a type is replaced. */
Test(clean_scan, targets)
{
	static const char text[] = "config:\n  obfuscate:\n  - {type: IP, target: FileContents}\n"
				   "  - {type: MAC, target: FilePath}\n";
	struct mgo_clean_config t;
	struct mgo_cleaner c;
	char err[256], name[256], *out;
	int rc;

	cr_assert_eq(mgo_clean_config_parse(text, strlen(text), "t", &t, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(mgo_cleaner_init(&c, &t, 0), 0);
	out = drain(&c, memfd_str("10.0.0.1 aa:bb:cc:dd:ee:01"), &rc);
	cr_assert_str_eq(out, "x-ipv4-000001-x aa:bb:cc:dd:ee:01");
	cr_assert_eq(mgo_clean_name(&c, "10.0.0.1_aa-bb-cc-dd-ee-01", name, sizeof(name)), 0);
	cr_assert_str_eq(name, "10.0.0.1_x-mac-000001-x");
	free(out);
	mgo_cleaner_free(&c);
	mgo_clean_config_free(&t);
}

Test(clean_scan, names)
{
	struct mgo_cleaner c;
	char name[300], longname[256];

	cr_assert_eq(mgo_cleaner_init(&c, &cfg, 0), 0);
	cr_assert_eq(mgo_clean_name(&c, "etcd-ip-10-0-187-218.ec2.internal", name, sizeof(name)), 0);
	cr_assert_str_eq(name, "etcd-ip-x-ipv4-000001-x.ec2.internal");
	/* a name that grows past NAME_MAX cannot be written */
	memset(longname, 'a', 250);
	strcpy(longname + 250, " ::2");
	cr_assert_eq(mgo_clean_name(&c, longname, name, sizeof(name)), -ENAMETOOLONG);
	mgo_cleaner_free(&c);
}

/* The map is bounded: one value too many fails the run, with -ENOSPC. */
Test(clean_scan, the_map_is_bounded)
{
	struct mgo_cleaner c;
	char *out;
	int rc;

	cr_assert_eq(mgo_cleaner_init(&c, &cfg, 0), 0);
	c.map.max_values = 3;
	out = drain(&c, memfd_str("10.0.0.1 10.0.0.2 10.0.0.1 fd00::1"), &rc);
	cr_assert_eq(rc, 0, "three distinct values fit");
	free(out);
	out = drain(&c, memfd_str("10.0.0.1 10.0.0.3"), &rc);
	cr_assert_eq(rc, -ENOSPC);
	free(out);
	mgo_cleaner_free(&c);
}

/* Memory does not grow with the input: a long stream goes through one
 * buffer (what the program's peak is, test_clean measures). */
Test(clean_scan, a_long_stream_without_a_delimiter)
{
	struct mgo_cleaner c;
	size_t n = 4u << 20;
	char *big = malloc(n), *out;
	int rc;

	cr_assert_not_null(big);
	memset(big, 'f', n);  /* a hex digit, no boundary: the worst case */
	memcpy(big + n - 9, " 1.2.3.4", 8);
	big[n - 1] = '\n';
	cr_assert_eq(mgo_cleaner_init(&c, &cfg, 0), 0);
	out = drain(&c, memfd_with(big, n), &rc);
	cr_assert_eq(rc, 0);
	cr_assert_eq(strlen(out), n - 7 + strlen("x-ipv4-000001-x"));
	cr_assert_eq(memcmp(out + n - 9, " x-ipv4-000001-x\n", 17), 0);
	free(out);
	free(big);
	mgo_cleaner_free(&c);
}

/* Image references: the grammar, the canonical form, the messages users read,
 * and the allowlist decision, each as a table. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "mgo/image.h"

#define HEX16 "0123456789abcdef"
#define H64 HEX16 HEX16 HEX16 HEX16
#define H96 H64 HEX16 HEX16
#define H128 H64 H64
#define H64_OTHER "f" HEX16 HEX16 HEX16 "0123456789abcde"

/* An invalid case names its exact message: the wording is part of the contract. */
struct parse_case {
	const char *in;
	const char *canonical;  /* NULL: must be refused */
	const char *message;    /* for refused cases */
};

static const struct parse_case parse_cases[] = {
	/* Docker Hub short forms */
	{ "busybox", "docker.io/library/busybox:latest", NULL },
	{ "busybox:1.36", "docker.io/library/busybox:1.36", NULL },
	{ "library/busybox", "docker.io/library/busybox:latest", NULL },
	{ "docker.io/busybox", "docker.io/library/busybox:latest", NULL },
	{ "index.docker.io/busybox", "docker.io/library/busybox:latest", NULL },
	{ "index.docker.io/org/img:v1", "docker.io/org/img:v1", NULL },
	{ "docker.io/library/busybox:latest", "docker.io/library/busybox:latest", NULL },
	{ "myorg/myimage", "docker.io/myorg/myimage:latest", NULL },
	{ "0/0", "docker.io/0/0:latest", NULL },
	/* distribution reads a bare host:port as name:tag */
	{ "localhost:5000", "docker.io/library/localhost:5000", NULL },
	/* registries, ports, IP literals */
	{ "quay.io/openshift/must-gather", "quay.io/openshift/must-gather:latest", NULL },
	{ "localhost/x", "localhost/x:latest", NULL },
	{ "localhost:5000/x", "localhost:5000/x:latest", NULL },
	{ "localhost:5000/x:v2", "localhost:5000/x:v2", NULL },
	{ "localhost:65535/x", "localhost:65535/x:latest", NULL },
	{ "example:5000/x", "example:5000/x:latest", NULL },
	{ "127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", NULL },
	{ "[::1]:5000/x", "[::1]:5000/x:latest", NULL },
	{ "[::1]/x", "[::1]/x:latest", NULL },
	{ "[2001:DB8::1]:443/team/img:1.0", "[2001:DB8::1]:443/team/img:1.0", NULL },
	{ "registry.example.com:8443/a/b/c/d:tag", "registry.example.com:8443/a/b/c/d:tag", NULL },
	{ "my-reg.local-domain.io/x", "my-reg.local-domain.io/x:latest", NULL },
	/* distribution's rule: an uppercase first component is a registry host */
	{ "Foo/bar", "Foo/bar:latest", NULL },
	/* separators */
	{ "a__b/c", "docker.io/a__b/c:latest", NULL },
	{ "a---b", "docker.io/library/a---b:latest", NULL },
	{ "a.b_c-d", "docker.io/library/a.b_c-d:latest", NULL },
	/* tags */
	{ "busybox:_x", "docker.io/library/busybox:_x", NULL },
	{ "busybox:V1.0-rc_1", "docker.io/library/busybox:V1.0-rc_1", NULL },
	/* digests of each registered algorithm, with and without a tag */
	{ "busybox@sha256:" H64, "docker.io/library/busybox@sha256:" H64, NULL },
	{ "quay.io/a/b@sha384:" H96, "quay.io/a/b@sha384:" H96, NULL },
	{ "quay.io/a/b@sha512:" H128, "quay.io/a/b@sha512:" H128, NULL },
	{ "quay.io/a/b:v1@sha256:" H64, "quay.io/a/b:v1@sha256:" H64, NULL },
	{ "busybox:1@sha256:" H64, "docker.io/library/busybox:1@sha256:" H64, NULL },

	/* bytes that never belong in a reference */
	{ "", NULL, "reference is empty" },
	{ " busybox", NULL, "reference has whitespace (0x20) at position 1" },
	{ "busybox\t", NULL, "reference has whitespace (0x09) at position 8" },
	{ "busybox\n", NULL, "reference has whitespace (0x0a) at position 8" },
	{ "busy\x01" "box", NULL, "reference has control character 0x01 at position 5" },
	{ "bus\x7f", NULL, "reference has control character 0x7f at position 4" },
	{ "bus\xc3\xa9", NULL, "reference has non-ASCII byte 0xc3 at position 4" },
	{ H64, NULL, "reference is 64 hex characters, an image ID, not a repository name" },
	/* no name */
	{ ":tag", NULL, "reference has no repository name" },
	{ "@sha256:", NULL, "reference has no repository name" },
	{ "@sha256:" H64, NULL, "reference has no repository name" },
	/* path */
	{ "Busybox", NULL, "path component \"Busybox\" must be lowercase" },
	{ "docker.io/Library/busybox", NULL, "path component \"Library\" must be lowercase" },
	{ "quay.io/org/Img:v1", NULL, "path component \"Img\" must be lowercase" },
	{ "a//b", NULL, "path \"a//b\" has '//' at position 2" },
	{ "quay.io/", NULL, "path is empty after the domain" },
	{ "quay.io//x", NULL, "path \"/x\" must not start with '/'" },
	{ "/busybox", NULL, "path \"/busybox\" must not start with '/'" },
	{ "busybox/", NULL, "path \"busybox/\" must not end with '/'" },
	{ "a___b", NULL,
	  "path component \"a___b\" has invalid separator \"___\" at position 2 (use '.', '_', '__' or dashes)" },
	{ "a._b", NULL,
	  "path component \"a._b\" has invalid separator \"._\" at position 2 (use '.', '_', '__' or dashes)" },
	{ "a..b", NULL,
	  "path component \"a..b\" has invalid separator \"..\" at position 2 (use '.', '_', '__' or dashes)" },
	{ "-a", NULL, "path component \"-a\" must start with a lowercase letter or digit" },
	{ "_a/b", NULL, "path component \"_a\" must start with a lowercase letter or digit" },
	{ "a-", NULL, "path component \"a-\" must end with a lowercase letter or digit" },
	{ "org/a./b", NULL, "path component \"a.\" must end with a lowercase letter or digit" },
	{ "a!b", NULL, "path component \"a!b\" has invalid character '!' at position 2" },
	{ "a:b:c", NULL, "path component \"a:b\" has invalid character ':' at position 2" },
	{ "[abc]/x", NULL, "path component \"[abc]\" has invalid character '[' at position 1" },
	/* tag */
	{ "busybox:", NULL, "tag after ':' is empty" },
	{ "busybox:v1!", NULL, "tag \"v1!\" has invalid character '!' at position 3" },
	{ "busybox:.v1", NULL, "tag \".v1\" must start with a letter, digit or '_'" },
	{ "busybox:-v1", NULL, "tag \"-v1\" must start with a letter, digit or '_'" },
	/* digest */
	{ "busybox@", NULL, "digest after '@' is empty" },
	{ "busybox@sha256", NULL, "digest \"sha256\" must be algorithm:hex" },
	{ "busybox@sha256:", NULL, "digest sha256 needs 64 hex characters, got 0" },
	{ "busybox@sha256:abc123abc123", NULL, "digest sha256 needs 64 hex characters, got 12" },
	{ "busybox@sha256:" H64 "00", NULL, "digest sha256 needs 64 hex characters, got 66" },
	{ "busybox@sha384:" H64, NULL, "digest sha384 needs 96 hex characters, got 64" },
	{ "busybox@sha256:0123456789ABCDEF", NULL, "digest hex must be lowercase, found 'A' at position 11" },
	{ "busybox@sha256:12g4", NULL, "digest hex has invalid character 'g' at position 3" },
	{ "busybox@sha256:" H64 "@sha256:" H64, NULL, "digest hex has invalid character '@' at position 65" },
	{ "busybox@md5:0123456789abcdef0123456789abcdef", NULL,
	  "digest algorithm \"md5\" is not supported (use sha256, sha384 or sha512)" },
	{ "busybox@sha3_256:" H64, NULL,
	  "digest algorithm \"sha3_256\" is not supported (use sha256, sha384 or sha512)" },
	{ "busybox@SHA256:" H64, NULL, "digest algorithm \"SHA256\" must be lowercase" },
	{ "busybox@sha256+:" H64, NULL, "digest algorithm \"sha256+\" has a misplaced '+' at position 7" },
	{ "busybox@a+-b:" H64, NULL, "digest algorithm \"a+-b\" has a misplaced '+' at position 2" },
	{ "busybox@sha/256:" H64, NULL, "digest algorithm \"sha/256\" has invalid character '/' at position 4" },
	{ "busybox@:" H64, NULL, "digest has no algorithm before ':'" },
	/* domain and port */
	{ "localhost:5000/", NULL, "path is empty after the domain" },
	{ "localhost:/x", NULL, "port after ':' is empty" },
	{ "localhost:50a0/x", NULL, "port \"50a0\" has invalid character 'a' at position 3" },
	{ "localhost:0/x", NULL, "port \"0\" is out of range 1-65535" },
	{ "localhost:65536/x", NULL, "port \"65536\" is out of range 1-65535" },
	{ "localhost:99999999999999999999999/x", NULL,
	  "port \"99999999999999999999999\" is out of range 1-65535" },
	{ ":5000/x", NULL, "domain \":5000\" has no host before ':'" },
	{ "exa_mple.com/x", NULL, "domain \"exa_mple.com\" has invalid character '_' at position 4" },
	{ "-example.com/x", NULL, "domain component \"-example\" must not start or end with '-'" },
	{ "example-.com/x", NULL, "domain component \"example-\" must not start or end with '-'" },
	{ "example..com/x", NULL, "domain \"example..com\" has '..' at position 8" },
	{ "example.com./x", NULL, "domain \"example.com.\" must not end with '.'" },
	{ ".example.com/x", NULL, "domain \".example.com\" must not start with '.'" },
	{ "[::1/x", NULL, "domain \"[::1\" has no ']' closing its IPv6 address" },
	{ "[::1]x:5000/y", NULL, "domain \"[::1]x:5000\" has 'x' after its IPv6 address; only ':port' may follow" },
	{ "[fe80::1%eth0]:5000/x", NULL, "IPv6 address \"fe80::1%eth0\" has invalid character '%' at position 8" },
	{ "[::ffff:1.2.3.4]/x", NULL, "IPv6 address \"::ffff:1.2.3.4\" has invalid character '.' at position 9" },
	{ "[:::]/x", NULL, "IPv6 address \":::\" is not an IPv6 address" },
	{ "[]:5000/x", NULL, "IPv6 address \"\" is not an IPv6 address" },
};

Test(image, parse_table)
{
	size_t n = sizeof(parse_cases) / sizeof(parse_cases[0]);

	cr_assert_geq(n, 60);
	for (size_t i = 0; i < n; i++) {
		const struct parse_case *c = &parse_cases[i];
		struct mgo_img_ref r;
		char err[MGO_IMG_ERR_MAX], canon[MGO_IMG_CANONICAL_MAX];
		int rc = mgo_img_parse(c->in, &r, err, sizeof(err));

		if (c->canonical != NULL) {
			cr_expect_eq(rc, 0, "case %zu \"%s\": refused: %s", i, c->in, err);
			if (rc != 0)
				continue;
			cr_expect_eq(mgo_img_canonical(&r, canon, sizeof(canon)), 0);
			cr_expect_str_eq(canon, c->canonical, "case %zu \"%s\"", i, c->in);
		} else {
			cr_expect_eq(rc, -EINVAL, "case %zu \"%s\": accepted", i, c->in);
			cr_expect_str_eq(err, c->message, "case %zu \"%s\"", i, c->in);
		}
	}
}

/* A string of n copies of ch, in a buffer the caller frees. */
static char *repeat(const char *head, char ch, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *s = malloc(h + n + t + 1);

	cr_assert_not_null(s);
	memcpy(s, head, h);
	memset(s + h, ch, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

struct length_case {
	const char *head;
	size_t n;
	const char *tail;
	const char *message;    /* NULL: accepted */
};

static const struct length_case length_cases[] = {
	/* tag: 128 allowed, 129 not */
	{ "busybox:", 128, "", NULL },
	{ "busybox:", 129, "", "tag is 129 characters, longer than 128" },
	/* name with an explicit registry: quay.io/ is 8, so 247 + 8 = 255 */
	{ "quay.io/", 247, "", NULL },
	{ "quay.io/", 248, "", "name is 256 characters, longer than 255" },
	/* the implied docker.io/ counts: 10 + 245 = 255 */
	{ "org/", 241, ":v1", NULL },
	{ "org/", 242, ":v1", "name is 256 characters counting the implied docker.io/ or library/, longer than 255" },
	/* and so does library/: 18 + 237 = 255 */
	{ "", 237, "", NULL },
	{ "", 238, "", "name is 256 characters counting the implied docker.io/ or library/, longer than 255" },
	/* index.docker.io/ is rewritten before counting: 10 + 245 = 255 */
	{ "index.docker.io/org/", 241, "", NULL },
	/* the input bound is checked before anything else, even bad bytes */
	{ "", MGO_IMG_INPUT_MAX, "", "name is 4114 characters counting the implied docker.io/ or library/, longer than 255" },
	{ "", MGO_IMG_INPUT_MAX + 1, "", "reference is longer than 4096 bytes" },
	{ " ", MGO_IMG_INPUT_MAX, "", "reference is longer than 4096 bytes" },
};

Test(image, length_limits)
{
	for (size_t i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		const struct length_case *c = &length_cases[i];
		char *s = repeat(c->head, 'a', c->n, c->tail);
		struct mgo_img_ref r;
		char err[MGO_IMG_ERR_MAX];
		int rc = mgo_img_parse(s, &r, err, sizeof(err));

		if (c->message == NULL) {
			cr_expect_eq(rc, 0, "case %zu (%zu): refused: %s", i, c->n, err);
		} else {
			cr_expect_eq(rc, -EINVAL, "case %zu (%zu): accepted", i, c->n);
			cr_expect_str_eq(err, c->message, "case %zu (%zu)", i, c->n);
		}
		free(s);
	}
}

Test(image, longest_reference_fits_canonical_buffer)
{
	char *s = repeat("quay.io/", 'a', 247, ":");
	char *tag = repeat(s, 'b', 128, "@sha512:" H128);
	struct mgo_img_ref r;
	char err[MGO_IMG_ERR_MAX], canon[MGO_IMG_CANONICAL_MAX];

	cr_assert_eq(mgo_img_parse(tag, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(mgo_img_canonical(&r, canon, sizeof(canon)), 0);
	cr_expect_eq(strlen(canon), MGO_IMG_CANONICAL_MAX - 1);
	cr_expect_eq(mgo_img_canonical(&r, canon, MGO_IMG_CANONICAL_MAX - 1), -ENOSPC);
	free(tag);
	free(s);
}

Test(image, failure_zeroes_output_and_truncates_message)
{
	struct mgo_img_ref r, zero;
	char err[8];

	memset(&r, 'x', sizeof(r));
	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(mgo_img_parse("Busybox", &r, err, sizeof(err)), -EINVAL);
	cr_expect_eq(memcmp(&r, &zero, sizeof(r)), 0);
	cr_expect_str_eq(err, "path co");
	cr_expect_eq(mgo_img_parse("Busybox", &r, NULL, 0), -EINVAL);
	cr_expect_eq(mgo_img_parse(NULL, &r, NULL, 0), -EINVAL);
}

Test(image, parts)
{
	struct mgo_img_ref r;
	char err[MGO_IMG_ERR_MAX];

	cr_assert_eq(mgo_img_parse("busybox@sha256:" H64, &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(r.domain, "docker.io");
	cr_expect_str_eq(r.path, "library/busybox");
	cr_expect_str_eq(r.tag, "");
	cr_expect_str_eq(r.digest, "sha256:" H64);
}

struct allow_case {
	const char *req;
	const char *entry;
	bool allowed;
};

static const struct allow_case allow_cases[] = {
	/* equal once canonical */
	{ "busybox", "docker.io/library/busybox:latest", true },
	{ "docker.io/library/busybox", "busybox:latest", true },
	{ "index.docker.io/library/busybox", "busybox", true },
	{ "[::1]:5000/x", "[::1]:5000/x:latest", true },
	{ "quay.io/a/b:v1", "quay.io/a/b:v1", true },
	/* different tag, including the implied one, and tag case */
	{ "busybox:1.36", "busybox", false },
	{ "busybox", "busybox:1.36", false },
	{ "quay.io/a/b:V1", "quay.io/a/b:v1", false },
	/* a tag entry cannot vouch for a digest: the runtime would run the digest */
	{ "quay.io/a/b@sha256:" H64, "quay.io/a/b:v1", false },
	{ "quay.io/a/b:v1@sha256:" H64, "quay.io/a/b:v1", false },
	{ "quay.io/a/b@sha256:" H64, "quay.io/a/b", false },
	/* a digest-pinned entry permits that digest only */
	{ "quay.io/a/b:v1", "quay.io/a/b@sha256:" H64, false },
	{ "quay.io/a/b", "quay.io/a/b@sha256:" H64, false },
	{ "quay.io/a/b:v1", "quay.io/a/b:v1@sha256:" H64, false },
	{ "quay.io/a/b@sha256:" H64, "quay.io/a/b@sha256:" H64, true },
	{ "quay.io/a/b@sha256:" H64_OTHER, "quay.io/a/b@sha256:" H64, false },
	{ "quay.io/a/b@sha512:" H128, "quay.io/a/b@sha256:" H64, false },
	/* the tag beside a digest does not change what runs */
	{ "quay.io/a/b:v9@sha256:" H64, "quay.io/a/b@sha256:" H64, true },
	{ "quay.io/a/b@sha256:" H64, "quay.io/a/b:v1@sha256:" H64, true },
	/* same digest in another repository or registry */
	{ "quay.io/a/c@sha256:" H64, "quay.io/a/b@sha256:" H64, false },
	{ "evil.example/a/b@sha256:" H64, "quay.io/a/b@sha256:" H64, false },
	/* registry, port, case, path */
	{ "quay.io:443/a/b:v1", "quay.io/a/b:v1", false },
	{ "localhost:5000/x", "localhost:5001/x", false },
	{ "localhost/x", "localhost:5000/x", false },
	{ "quay.io/a/b", "registry.example.com/a/b", false },
	{ "QUAY.IO/a/b", "quay.io/a/b", false },
	{ "quay.io/a/b/c", "quay.io/a/b", false },
	{ "quay.io/a/bc", "quay.io/a/b", false },
	{ "quay.io/a/b", "quay.io/a/bc", false },
	{ "docker.io/busybox", "docker.io/library/busybox@sha256:" H64, false },
};

Test(image, allowlist_table)
{
	for (size_t i = 0; i < sizeof(allow_cases) / sizeof(allow_cases[0]); i++) {
		const struct allow_case *c = &allow_cases[i];
		struct mgo_img_ref req, entry;
		char err[MGO_IMG_ERR_MAX];


		cr_assert_eq(mgo_img_parse(c->req, &req, err, sizeof(err)), 0, "case %zu req: %s", i, err);
		cr_assert_eq(mgo_img_parse(c->entry, &entry, err, sizeof(err)), 0, "case %zu entry: %s", i, err);
		cr_expect_eq(mgo_img_allowed(&req, &entry), c->allowed, "case %zu: %s vs entry %s", i, c->req,
			     c->entry);
		cr_expect(mgo_img_allowed(&req, &req), "case %zu: a reference must match itself", i);
	}
}

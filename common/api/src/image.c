/* OCI image references (grammar and rules: mgo/image.h).
 *
 * Hand-written rather than a regex library: POSIX regex has no way to say
 * *where* a reference is malformed, and the messages end up in a MustGather
 * condition that a user has to act on. Every check below names the part it
 * looks at and the first offending position in it. */
#include "mgo/image.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_PREFIX "library/"
#define DEFAULT_TAG "latest"

/* Cut long user strings in messages so one reference cannot flood a
 * condition; the first 64 characters are enough to find the problem. */
#define QUOTE_MAX 64
#define QFMT "\"%.*s%s\""
#define QARG(sp) (int)((sp).n > QUOTE_MAX ? QUOTE_MAX : (sp).n), (sp).p, \
	((sp).n > QUOTE_MAX ? "..." : "")

/* A piece of the input; not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct algorithm {
	const char *name;
	size_t hex_len;
};

/* The registered algorithms of the OCI image spec (and go-digest). */
static const struct algorithm algorithms[] = {
	{ "sha256", 64 },
	{ "sha384", 96 },
	{ "sha512", 128 },
};

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || is_upper(c);
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_upper_hex(char c)
{
	return c >= 'A' && c <= 'F';
}

static bool span_eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static bool span_has(struct span s, char c)
{
	return memchr(s.p, c, s.n) != NULL;
}

static bool span_all(struct span s, char c)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] != c)
			return false;
	return true;
}

static bool span_has_upper(struct span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (is_upper(s.p[i]))
			return true;
	return false;
}

/* Only printable ASCII other than space can appear in a valid reference;
 * refusing the rest first also means every later message can quote input
 * as it is. */
static int check_bytes(const char *s, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || (c >= '\t' && c <= '\r'))
			return fail(err, errlen, "reference has whitespace (0x%02x) at position %zu", c, i + 1);
		if (c < 0x20 || c == 0x7f)
			return fail(err, errlen, "reference has control character 0x%02x at position %zu", c, i + 1);
		if (c > 0x7f)
			return fail(err, errlen, "reference has non-ASCII byte 0x%02x at position %zu", c, i + 1);
	}
	return 0;
}

static bool is_identifier(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(s[i]))
			return false;
	return true;
}

static int check_port(struct span port, char *err, size_t errlen)
{
	unsigned long v = 0;

	if (port.n == 0)
		return fail(err, errlen, "port after ':' is empty");
	for (size_t i = 0; i < port.n; i++) {
		char c = port.p[i];

		if (c < '0' || c > '9')
			return fail(err, errlen, "port " QFMT " has invalid character '%c' at position %zu",
				    QARG(port), c, i + 1);
		/* Stop accumulating once out of range so no digit count can overflow. */
		if (v <= 65535)
			v = v * 10 + (unsigned long)(c - '0');
	}
	if (v < 1 || v > 65535)
		return fail(err, errlen, "port " QFMT " is out of range 1-65535", QARG(port));
	return 0;
}

static int check_ipv6(struct span host, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	struct span inner = { host.p + 1, host.n - 2 };

	for (size_t i = 0; i < inner.n; i++) {
		char c = inner.p[i];

		/* Distribution's set: no zone (%), no embedded IPv4 (.). */
		if (!(is_lower_hex(c) || is_upper_hex(c) || c == ':'))
			return fail(err, errlen, "IPv6 address " QFMT " has invalid character '%c' at position %zu",
				    QARG(inner), c, i + 1);
	}
	if (inner.n == 0 || inner.n >= sizeof(buf))
		return fail(err, errlen, "IPv6 address " QFMT " is not an IPv6 address", QARG(inner));
	memcpy(buf, inner.p, inner.n);
	buf[inner.n] = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return fail(err, errlen, "IPv6 address " QFMT " is not an IPv6 address", QARG(inner));
	return 0;
}

/* Names the empty piece that starts at index i of s, whose pieces are
 * separated by sep: a leading, trailing or doubled separator. */
static int empty_piece(const char *what, struct span s, size_t i, char sep, char *err, size_t errlen)
{
	if (i == 0)
		return fail(err, errlen, "%s " QFMT " must not start with '%c'", what, QARG(s), sep);
	if (i == s.n)
		return fail(err, errlen, "%s " QFMT " must not end with '%c'", what, QARG(s), sep);
	return fail(err, errlen, "%s " QFMT " has '%c%c' at position %zu", what, QARG(s), sep, sep, i);
}

/* Dot-separated components of letters, digits and '-', not at either end. */
static int check_hostname(struct span host, char *err, size_t errlen)
{
	size_t start = 0;

	for (size_t i = 0; i <= host.n; i++) {
		char c = i < host.n ? host.p[i] : '.';

		if (c == '.') {
			if (i == start)
				return empty_piece("domain", host, i, '.', err, errlen);
			if (host.p[start] == '-' || host.p[i - 1] == '-') {
				struct span comp = { host.p + start, i - start };

				return fail(err, errlen, "domain component " QFMT " must not start or end with '-'",
					    QARG(comp));
			}
			start = i + 1;
		} else if (!is_alnum(c) && c != '-') {
			return fail(err, errlen, "domain " QFMT " has invalid character '%c' at position %zu",
				    QARG(host), c, i + 1);
		}
	}
	return 0;
}

static int check_domain(struct span d, char *err, size_t errlen)
{
	struct span host = d;
	const char *colon;
	int rc;

	if (d.n > 0 && d.p[0] == '[') {
		const char *close = memchr(d.p, ']', d.n);

		if (close == NULL)
			return fail(err, errlen, "domain " QFMT " has no ']' closing its IPv6 address", QARG(d));
		host.n = (size_t)(close - d.p) + 1;
		rc = check_ipv6(host, err, errlen);
		if (rc != 0)
			return rc;
		colon = host.n < d.n ? host.p + host.n : NULL;
		if (colon != NULL && *colon != ':')
			return fail(err, errlen, "domain " QFMT " has '%c' after its IPv6 address; only ':port' may follow",
				    QARG(d), *colon);
	} else {
		colon = memchr(d.p, ':', d.n);
		if (colon != NULL)
			host.n = (size_t)(colon - d.p);
		if (host.n == 0)
			return fail(err, errlen, "domain " QFMT " has no host before ':'", QARG(d));
		rc = check_hostname(host, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (colon != NULL) {
		struct span port = { colon + 1, d.n - (size_t)(colon - d.p) - 1 };

		return check_port(port, err, errlen);
	}
	return 0;
}

/* One component: [a-z0-9]+ joined by ".", "_", "__" or a run of "-". */
static int check_path_component(struct span c, char *err, size_t errlen)
{
	size_t i = 0;

	while (i < c.n) {
		size_t run = i;

		while (run < c.n && (c.p[run] == '.' || c.p[run] == '_' || c.p[run] == '-'))
			run++;
		if (run > i) {
			struct span sep = { c.p + i, run - i };
			if (i == 0)
				return fail(err, errlen, "path component " QFMT " must start with a lowercase letter or digit",
					    QARG(c));
			if (run == c.n)
				return fail(err, errlen, "path component " QFMT " must end with a lowercase letter or digit",
					    QARG(c));
			if (!span_all(sep, '-') && !span_eq(sep, ".") && !span_eq(sep, "_") && !span_eq(sep, "__"))
				return fail(err, errlen, "path component " QFMT " has invalid separator " QFMT
					    " at position %zu (use '.', '_', '__' or dashes)", QARG(c), QARG(sep), i + 1);
			i = run;
			continue;
		}
		if (is_upper(c.p[i]))
			return fail(err, errlen, "path component " QFMT " must be lowercase", QARG(c));
		if (!is_lower_alnum(c.p[i]))
			return fail(err, errlen, "path component " QFMT " has invalid character '%c' at position %zu",
				    QARG(c), c.p[i], i + 1);
		i++;
	}
	return 0;
}

static int check_path(struct span path, char *err, size_t errlen)
{
	size_t start = 0;
	int rc;

	if (path.n == 0)
		return fail(err, errlen, "path is empty after the domain");
	for (size_t i = 0; i <= path.n; i++) {
		if (i < path.n && path.p[i] != '/')
			continue;
		if (i == start)
			return empty_piece("path", path, i, '/', err, errlen);
		rc = check_path_component((struct span){ path.p + start, i - start }, err, errlen);
		if (rc != 0)
			return rc;
		start = i + 1;
	}
	return 0;
}

static int check_tag(struct span tag, char *err, size_t errlen)
{
	if (tag.n == 0)
		return fail(err, errlen, "tag after ':' is empty");
	if (!(is_alnum(tag.p[0]) || tag.p[0] == '_'))
		return fail(err, errlen, "tag " QFMT " must start with a letter, digit or '_'", QARG(tag));
	for (size_t i = 1; i < tag.n; i++) {
		char c = tag.p[i];

		if (!(is_alnum(c) || c == '_' || c == '.' || c == '-'))
			return fail(err, errlen, "tag " QFMT " has invalid character '%c' at position %zu",
				    QARG(tag), c, i + 1);
	}
	if (tag.n > MGO_IMG_TAG_MAX)
		return fail(err, errlen, "tag is %zu characters, longer than %d", tag.n, MGO_IMG_TAG_MAX);
	return 0;
}

/* The OCI image spec's algorithm grammar: [a-z0-9]+ joined by one of "+._-". */
static int check_algorithm(struct span alg, char *err, size_t errlen)
{
	if (alg.n == 0)
		return fail(err, errlen, "digest has no algorithm before ':'");
	for (size_t i = 0; i < alg.n; i++) {
		char c = alg.p[i];

		if (is_lower_alnum(c))
			continue;
		if (is_upper(c))
			return fail(err, errlen, "digest algorithm " QFMT " must be lowercase", QARG(alg));
		if (!strchr("+._-", c))
			return fail(err, errlen, "digest algorithm " QFMT " has invalid character '%c' at position %zu",
				    QARG(alg), c, i + 1);
		if (i == 0 || i + 1 == alg.n || !is_lower_alnum(alg.p[i + 1]))
			return fail(err, errlen, "digest algorithm " QFMT " has a misplaced '%c' at position %zu",
				    QARG(alg), c, i + 1);
	}
	return 0;
}

static int check_digest(struct span d, char *err, size_t errlen)
{
	const char *colon = memchr(d.p, ':', d.n);
	const struct algorithm *a = NULL;
	struct span alg, hex;
	int rc;

	if (d.n == 0)
		return fail(err, errlen, "digest after '@' is empty");
	if (colon == NULL)
		return fail(err, errlen, "digest " QFMT " must be algorithm:hex", QARG(d));
	alg = (struct span){ d.p, (size_t)(colon - d.p) };
	hex = (struct span){ colon + 1, d.n - alg.n - 1 };
	rc = check_algorithm(alg, err, errlen);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (span_eq(alg, algorithms[i].name))
			a = &algorithms[i];
	if (a == NULL)
		return fail(err, errlen, "digest algorithm " QFMT " is not supported (use sha256, sha384 or sha512)",
			    QARG(alg));
	for (size_t i = 0; i < hex.n; i++) {
		char c = hex.p[i];

		if (is_upper_hex(c))
			return fail(err, errlen, "digest hex must be lowercase, found '%c' at position %zu", c, i + 1);
		if (!is_lower_hex(c))
			return fail(err, errlen, "digest hex has invalid character '%c' at position %zu", c, i + 1);
	}
	if (hex.n != a->hex_len)
		return fail(err, errlen, "digest %s needs %zu hex characters, got %zu", a->name, a->hex_len, hex.n);
	return 0;
}

/* distribution's splitDockerDomain: whether the first component names a
 * registry. The uppercase rule is theirs too: repository paths are
 * lowercase, so a capitalised first component can only be a host. */
static bool names_domain(struct span first)
{
	return span_eq(first, "localhost") || span_has(first, '.') || span_has(first, ':') ||
	       span_has_upper(first);
}

static void copy_span(char *dst, struct span s)
{
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
}

int mgo_img_parse(const char *s, struct mgo_img_ref *out, char *err, size_t errlen)
{
	struct span name, domain = { DEFAULT_DOMAIN, strlen(DEFAULT_DOMAIN) }, path, tag = { NULL, 0 },
		    digest = { NULL, 0 };
	const char *at, *slash, *colon, *prefix = "";
	bool has_tag = false, has_digest = false;
	size_t n, name_len;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL || s == NULL)
		return fail(err, errlen, "no reference given");
	memset(out, 0, sizeof(*out));
	n = strnlen(s, MGO_IMG_INPUT_MAX + 1);
	if (n > MGO_IMG_INPUT_MAX)
		return fail(err, errlen, "reference is longer than %d bytes", MGO_IMG_INPUT_MAX);
	if (n == 0)
		return fail(err, errlen, "reference is empty");
	rc = check_bytes(s, n, err, errlen);
	if (rc != 0)
		return rc;
	if (is_identifier(s, n))
		return fail(err, errlen, "reference is 64 hex characters, an image ID, not a repository name");

	/* No part of the name or tag may hold '@', so the first one starts the digest. */
	name = (struct span){ s, n };
	at = memchr(s, '@', n);
	if (at != NULL) {
		has_digest = true;
		digest = (struct span){ at + 1, n - (size_t)(at - s) - 1 };
		name.n = (size_t)(at - s);
	}
	/* A ':' after the last '/' starts the tag; one before it is a port. */
	slash = memrchr(name.p, '/', name.n);
	colon = memrchr(name.p, ':', name.n);
	if (colon != NULL && (slash == NULL || colon > slash)) {
		has_tag = true;
		tag = (struct span){ colon + 1, name.n - (size_t)(colon - name.p) - 1 };
		name.n = (size_t)(colon - name.p);
	}
	if (name.n == 0)
		return fail(err, errlen, "reference has no repository name");

	path = name;
	slash = memchr(name.p, '/', name.n);
	if (slash != NULL && names_domain((struct span){ name.p, (size_t)(slash - name.p) })) {
		struct span written = { name.p, (size_t)(slash - name.p) };

		rc = check_domain(written, err, errlen);
		if (rc != 0)
			return rc;
		if (!span_eq(written, LEGACY_DEFAULT_DOMAIN))
			domain = written;
		path = (struct span){ slash + 1, name.n - written.n - 1 };
	}
	rc = check_path(path, err, errlen);
	if (rc != 0)
		return rc;
	if (span_eq(domain, DEFAULT_DOMAIN) && !span_has(path, '/'))
		prefix = OFFICIAL_PREFIX;
	name_len = domain.n + 1 + strlen(prefix) + path.n;
	if (name_len > MGO_IMG_NAME_MAX)
		return fail(err, errlen, "name is %zu characters%s, longer than %d", name_len,
			    name_len > name.n ? " counting the implied docker.io/ or library/" : "",
			    MGO_IMG_NAME_MAX);
	if (has_tag) {
		rc = check_tag(tag, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (has_digest) {
		rc = check_digest(digest, err, errlen);
		if (rc != 0)
			return rc;
	}

	copy_span(out->domain, domain);
	memcpy(out->path, prefix, strlen(prefix));
	copy_span(out->path + strlen(prefix), path);
	if (has_tag)
		copy_span(out->tag, tag);
	else if (!has_digest)
		memcpy(out->tag, DEFAULT_TAG, sizeof(DEFAULT_TAG));
	if (has_digest)
		copy_span(out->digest, digest);
	return 0;
}

int mgo_img_canonical(const struct mgo_img_ref *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s%s%s%s", r->domain, r->path, r->tag[0] != '\0' ? ":" : "", r->tag,
			 r->digest[0] != '\0' ? "@" : "", r->digest);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENOSPC;
	return 0;
}

bool mgo_img_allowed(const struct mgo_img_ref *req, const struct mgo_img_ref *entry)
{
	if (strcmp(req->domain, entry->domain) != 0 || strcmp(req->path, entry->path) != 0)
		return false;
	if (entry->digest[0] != '\0')
		return strcmp(req->digest, entry->digest) == 0;
	return req->digest[0] == '\0' && strcmp(req->tag, entry->tag) == 0;
}

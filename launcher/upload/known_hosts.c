/* known_hosts parsing and matching; see known_hosts.h. Base64, SHA-256 and
 * HMAC-SHA1 come from GnuTLS (its base64 decoder is strict: bad characters,
 * missing padding and non-canonical trailing bits are all refused). */
#include "known_hosts.h"

#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_SEPARATORS " \t"
#define HASH_MAGIC "|1|"
#define SHA1_LEN 20
#define SHA256_LEN 32
#define MAX_LINE 16384u

/* What OpenSSH writes for host keys; libssh2 1.10 negotiates among these. */
static const char *const key_types[] = {
	"ssh-ed25519",         "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "ssh-rsa",             "ssh-dss",
};

static int line_error(char *msg, size_t msglen, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int line_error(char *msg, size_t msglen, unsigned line, const char *fmt, ...)
{
	int n = snprintf(msg, msglen, "line %u: ", line);
	va_list ap;

	if (n >= 0 && (size_t)n < msglen) {
		va_start(ap, fmt);
		vsnprintf(msg + n, msglen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Decodes base64 text of len bytes into a malloc'd buffer of at most max
 * bytes. Returns 0, -EINVAL for bad or oversized input, or -ENOMEM. */
static int b64_decode(const char *text, size_t len, size_t max, unsigned char **out,
		      size_t *out_len)
{
	gnutls_datum_t in = {(unsigned char *)text, (unsigned int)len}, dec = {NULL, 0};
	int ret = -EINVAL;

	*out = NULL;
	*out_len = 0;
	/* bounded before the library allocates: 4 characters per 3 bytes */
	if (len == 0 || len > (max + 2) / 3 * 4)
		goto out;
	if (gnutls_base64_decode2(&in, &dec) != 0 || dec.size == 0 || dec.size > max)
		goto out;
	*out = malloc(dec.size);
	if (!*out) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(*out, dec.data, dec.size);
	*out_len = dec.size;
	ret = 0;
out:
	gnutls_free(dec.data);
	return ret;
}

static bool known_key_type(const char *name)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (strcmp(name, key_types[i]) == 0)
			return true;
	return false;
}

int mgo_kh_blob_type(const unsigned char *key, size_t key_len, char *buf, size_t len)
{
	if (!key || key_len < 4)
		return -EINVAL;
	uint32_t n = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 |
		     key[3];
	if (n == 0 || n > key_len - 4 || n >= len || memchr(key + 4, '\0', n))
		return -EINVAL;
	memcpy(buf, key + 4, n);
	buf[n] = '\0';
	return 0;
}

/* "|1|salt|hash", both 20 bytes once decoded. */
static int parse_hashed(struct mgo_kh_entry *e, const char *field, char *msg, size_t msglen)
{
	const char *salt = field + strlen(HASH_MAGIC);
	const char *bar = strchr(salt, '|');
	unsigned char *s = NULL, *h = NULL;
	size_t slen = 0, hlen = 0;
	int ret;

	if (!bar) {
		ret = line_error(msg, msglen, e->line, "hashed host name has no '|' before its hash");
		goto out;
	}
	ret = b64_decode(salt, (size_t)(bar - salt), SHA1_LEN, &s, &slen);
	if (ret == 0)
		ret = b64_decode(bar + 1, strlen(bar + 1), SHA1_LEN, &h, &hlen);
	if (ret == -ENOMEM)
		goto out;
	if (ret != 0 || slen != SHA1_LEN || hlen != SHA1_LEN) {
		ret = line_error(msg, msglen, e->line,
				 "hashed host name is not |1|<base64 salt>|<base64 SHA-1 HMAC>");
		goto out;
	}
	memcpy(e->salt, s, SHA1_LEN);
	memcpy(e->hash, h, SHA1_LEN);
	e->hashed = true;
out:
	free(h);
	free(s);
	return ret;
}

static int parse_patterns(struct mgo_kh_entry *e, const char *field, char *msg, size_t msglen)
{
	const char *p = field;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0 && *p == '!') {
			p++;
			len--;
		}
		if (len == 0)
			return line_error(msg, msglen, e->line, "empty host name in \"%s\"", field);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
				return line_error(msg, msglen, e->line,
						  "host name with a control or non-ASCII byte");
		if (!end)
			break;
		p = end + 1;
	}
	e->patterns = strdup(field);
	return e->patterns ? 0 : -ENOMEM;
}

static int parse_key(struct mgo_kh_entry *e, const char *type, const char *b64, char *msg,
		     size_t msglen)
{
	char blob_type[sizeof(e->keytype)];
	int ret;

	if (!known_key_type(type))
		return line_error(msg, msglen, e->line, "unsupported key type \"%.40s\"", type);
	snprintf(e->keytype, sizeof(e->keytype), "%s", type);
	ret = b64_decode(b64, strlen(b64), MGO_KH_MAX_KEY, &e->key, &e->key_len);
	if (ret == -ENOMEM)
		return ret;
	if (ret != 0)
		return line_error(msg, msglen, e->line, "the key is not valid base64");
	/* as ssh(1) does: a blob of another type than the line says is bad */
	if (mgo_kh_blob_type(e->key, e->key_len, blob_type, sizeof(blob_type)) != 0 ||
	    strcmp(blob_type, type) != 0)
		return line_error(msg, msglen, e->line, "the key is not a %s public key", type);
	return 0;
}

/* Splits one line (modified in place) into an entry. *used is set when
 * the line held an entry rather than a comment or nothing. */
static int parse_line(struct mgo_kh_entry *e, char *line, bool *used, char *msg, size_t msglen)
{
	char *save = NULL;
	char *field = strtok_r(line, FIELD_SEPARATORS, &save);

	*used = false;
	if (!field || *field == '#')
		return 0;
	*used = true;
	if (*field == '@') {
		if (strcmp(field, "@cert-authority") == 0)
			return line_error(msg, msglen, e->line,
					  "@cert-authority is not supported (libssh2 does not "
					  "verify host certificates); list the host keys instead");
		if (strcmp(field, "@revoked") != 0)
			return line_error(msg, msglen, e->line, "unknown marker \"%.40s\"", field);
		e->revoked = true;
		field = strtok_r(NULL, FIELD_SEPARATORS, &save);
	}
	char *type = strtok_r(NULL, FIELD_SEPARATORS, &save);
	char *b64 = strtok_r(NULL, FIELD_SEPARATORS, &save);
	if (!field || !type || !b64)
		return line_error(msg, msglen, e->line,
				  "expected \"host key-type base64-key\", found fewer fields");
	int ret = strncmp(field, HASH_MAGIC, strlen(HASH_MAGIC)) == 0
			  ? parse_hashed(e, field, msg, msglen)
			  : parse_patterns(e, field, msg, msglen);
	if (ret == 0)
		ret = parse_key(e, type, b64, msg, msglen);
	return ret;
}

static void entry_free(struct mgo_kh_entry *e)
{
	free(e->patterns);
	free(e->key);
	memset(e, 0, sizeof(*e));
}

/* Moves *e into kh; on failure *e is left to the caller. */
static int append(struct mgo_kh *kh, struct mgo_kh_entry *e, char *msg, size_t msglen)
{
	if (kh->count == MGO_KH_MAX_ENTRIES)
		return line_error(msg, msglen, e->line, "more than %u entries", MGO_KH_MAX_ENTRIES);
	struct mgo_kh_entry *grown = realloc(kh->entries, (kh->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	kh->entries = grown;
	kh->entries[kh->count++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

int mgo_kh_parse(struct mgo_kh *kh, const char *text, char *msg, size_t msglen)
{
	char *copy = NULL;
	unsigned lineno = 0;
	int ret = 0;

	if (!text || !*text)
		goto out;
	size_t len = strnlen(text, MGO_KH_MAX_TEXT + 1);
	if (len > MGO_KH_MAX_TEXT) {
		snprintf(msg, msglen, "longer than %u bytes", MGO_KH_MAX_TEXT);
		ret = -EINVAL;
		goto out;
	}
	copy = strndup(text, len);
	if (!copy) {
		ret = -ENOMEM;
		goto out;
	}
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n > MAX_LINE) {
			ret = line_error(msg, msglen, lineno, "longer than %u bytes", MAX_LINE);
			goto out;
		}
		struct mgo_kh_entry e = {.line = lineno};
		bool used;
		ret = parse_line(&e, line, &used, msg, msglen);
		if (ret == 0 && used)
			ret = append(kh, &e, msg, msglen);
		entry_free(&e); /* nothing left to free once appended */
		if (ret != 0)
			goto out;
	}
out:
	free(copy);
	return ret;
}

void mgo_kh_free(struct mgo_kh *kh)
{
	if (!kh)
		return;
	for (size_t i = 0; i < kh->count; i++)
		entry_free(&kh->entries[i]);
	free(kh->entries);
	kh->entries = NULL;
	kh->count = 0;
}

int mgo_kh_host_name(const char *host, unsigned port, char *buf, size_t len)
{
	int n = port == 22 ? snprintf(buf, len, "%s", host)
			   : snprintf(buf, len, "[%s]:%u", host, port);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* ssh(1)'s wildcards, `*` and `?`, case-insensitive. Hand-written because
 * fnmatch(3) would read `[host]:port` as a bracket expression. Greedy with
 * one backtrack point, so linear in practice and never exponential. */
static bool glob_match(const char *pat, size_t plen, const char *name)
{
	size_t p = 0, s = 0, star = SIZE_MAX, star_s = 0;

	while (name[s]) {
		if (p < plen && pat[p] == '*') {
			star = p++;
			star_s = s;
		} else if (p < plen && (pat[p] == '?' || tolower((unsigned char)pat[p]) ==
								 tolower((unsigned char)name[s]))) {
			p++;
			s++;
		} else if (star != SIZE_MAX) {
			p = star + 1;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* ssh(1)'s rule: any matching negation excludes the line, otherwise one
 * matching pattern includes it. */
static bool patterns_name(const char *patterns, const char *name)
{
	bool found = false;

	for (const char *p = patterns;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool negated = *p == '!';
		if (glob_match(p + negated, len - negated, name)) {
			if (negated)
				return false;
			found = true;
		}
		if (!end)
			return found;
		p = end + 1;
	}
}

static bool entry_names(const struct mgo_kh_entry *e, const char *name)
{
	unsigned char digest[SHA1_LEN];

	if (!e->hashed)
		return patterns_name(e->patterns, name);
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA1, e->salt, SHA1_LEN, name, strlen(name), digest) != 0)
		return false;
	return memcmp(digest, e->hash, SHA1_LEN) == 0;
}

enum mgo_kh_verdict mgo_kh_check(const struct mgo_kh *kh, const char *host, unsigned port,
				 const unsigned char *key, size_t key_len)
{
	char name[300];
	bool known = false, matched = false;

	if (mgo_kh_host_name(host, port, name, sizeof(name)) != 0)
		return MGO_KH_UNKNOWN_HOST;
	for (size_t i = 0; i < kh->count; i++) {
		const struct mgo_kh_entry *e = &kh->entries[i];
		if (!entry_names(e, name))
			continue;
		bool same = e->key_len == key_len && memcmp(e->key, key, key_len) == 0;
		/* a revoked key stays refused whatever other lines say */
		if (e->revoked) {
			if (same)
				return MGO_KH_REVOKED;
			continue;
		}
		known = true;
		matched = matched || same;
	}
	if (matched)
		return MGO_KH_MATCH;
	return known ? MGO_KH_MISMATCH : MGO_KH_UNKNOWN_HOST;
}

static char *b64_encode(const unsigned char *data, size_t len)
{
	gnutls_datum_t in = {(unsigned char *)data, (unsigned int)len}, enc = {NULL, 0};
	char *out = NULL;

	if (len > UINT32_MAX / 2 || gnutls_base64_encode2(&in, &enc) != 0)
		return NULL;
	out = strndup((const char *)enc.data, enc.size);
	gnutls_free(enc.data);
	return out;
}

int mgo_kh_fingerprint(const unsigned char *key, size_t key_len, char *buf, size_t len)
{
	unsigned char digest[SHA256_LEN];
	char *b64;
	int ret = 0;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, key, key_len, digest) != 0)
		return -EINVAL;
	b64 = b64_encode(digest, sizeof(digest));
	if (!b64)
		return -ENOMEM;
	/* ssh-keygen -l drops the padding */
	b64[strcspn(b64, "=")] = '\0';
	int n = snprintf(buf, len, "SHA256:%s", b64);
	if (n < 0 || (size_t)n >= len)
		ret = -ENAMETOOLONG;
	free(b64);
	return ret;
}

char *mgo_kh_format_line(const char *host, unsigned port, const unsigned char *key,
			 size_t key_len)
{
	char name[300], type[32];
	char *b64 = NULL, *line = NULL;

	if (mgo_kh_host_name(host, port, name, sizeof(name)) != 0 ||
	    mgo_kh_blob_type(key, key_len, type, sizeof(type)) != 0)
		goto out;
	b64 = b64_encode(key, key_len);
	if (!b64 || asprintf(&line, "%s %s %s", name, type, b64) < 0)
		line = NULL;
out:
	free(b64);
	return line;
}

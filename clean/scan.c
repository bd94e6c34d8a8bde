/* The streaming tokenizer and replacer of mgo-clean (clean.h). The rules of
 * what counts as an address are in docs/obfuscation.md ("What is
 * replaced"), and tests/unit/test_clean_scan.c holds them row by row.
 *
 * A match starts only at a position whose previous byte is a boundary for
 * its kind, and must be followed by one; the scan stops short of the end of
 * its input while a match could still need bytes it has not seen
 * (c->lookahead), so an address split between two reads is found whole. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clean.h"

#define DEFAULT_BUFSIZE 65536u
/* what a match looks back at: "x" "ip-" before a dashed IPv4, a MAC's
 * previous group */
#define CONTEXT 8u
#define IPV6_MAX 45u  /* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */

#define START_ADDR 1u    /* an address: never right after a letter or digit */
#define START_DOMAIN 2u  /* a domain name: neither */
#define START_KW 4u      /* a keyword: anywhere */

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* A view of the bytes around a candidate: s[0..avail) ahead, s[-back..-1]
 * behind; what lies outside reads as 0, a boundary (the caller passes
 * enough ahead unless at the end of input). */
struct at {
	const unsigned char *s;
	size_t avail, back;
};

static int ahead(const struct at *a, size_t k)
{
	return k < a->avail ? a->s[k] : 0;
}

static int behind(const struct at *a, size_t k)
{
	return k <= a->back ? a->s[-(ptrdiff_t)k] : 0;
}

/* Four decimal octets (at most 3 digits, <= 255) separated by sep. */
static size_t octets(const struct at *a, int sep, unsigned char out[4])
{
	size_t i = 0;

	for (int o = 0; o < 4; o++) {
		unsigned v = 0, d = 0;

		if (o) {
			if (ahead(a, i) != sep)
				return 0;
			i++;
		}
		while (d < 3 && is_digit(ahead(a, i))) {
			v = v * 10 + (unsigned)(ahead(a, i) - '0');
			i++;
			d++;
		}
		if (!d || v > 255 || is_digit(ahead(a, i)))
			return 0;
		out[o] = (unsigned char)v;
	}
	return i;
}

/* 10.0.0.1 (ports, prefixes, brackets around it are kept). Not after a
 * letter, digit or '.', nor before one or before ".<digit>": v1.2.3.4 and
 * 1.2.3.4.5 are versions. */
static size_t match_ipv4(const struct at *a, unsigned char out[4])
{
	int b = behind(a, 1), c;
	size_t n;

	if (is_alnum(b) || b == '.' || !is_digit(ahead(a, 0)))
		return 0;
	if (!(n = octets(a, '.', out)))
		return 0;
	c = ahead(a, n);
	if (is_alnum(c) || (c == '.' && is_digit(ahead(a, n + 1))))
		return 0;
	return n;
}

/* ip-10-0-0-1, the host names of AWS and others: only right after "ip-"
 * that starts a word, and not before '-' and more of the word. */
static size_t match_ipv4_dashed(const struct at *a, unsigned char out[4])
{
	size_t n;
	int c;

	if (behind(a, 1) != '-' || lower(behind(a, 2)) != 'p' || lower(behind(a, 3)) != 'i' ||
	    is_alnum(behind(a, 4)))
		return 0;
	if (!(n = octets(a, '-', out)))
		return 0;
	c = ahead(a, n);
	if (is_alnum(c) || (c == '-' && is_alnum(ahead(a, n + 1))) ||
	    (c == '.' && is_digit(ahead(a, n + 1))))
		return 0;
	return n;
}

static int hexval(int c)
{
	return is_digit(c) ? c - '0' : lower(c) - 'a' + 10;
}

/* aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, six groups of two hex digits;
 * not inside a longer chain of such groups (an IPv6 address, a
 * fingerprint). */
static size_t match_mac(const struct at *a, unsigned char out[6])
{
	int sep = ahead(a, 2), b = behind(a, 1), c;

	if (sep != ':' && sep != '-')
		return 0;
	if (is_alnum(b) || b == ':' || b == '.' ||
	    (b == sep && is_hex(behind(a, 2)) && is_hex(behind(a, 3)) && !is_alnum(behind(a, 4))))
		return 0;
	for (size_t g = 0; g < 6; g++) {
		int h = ahead(a, 3 * g), l = ahead(a, 3 * g + 1);

		if (!is_hex(h) || !is_hex(l) || (g < 5 && ahead(a, 3 * g + 2) != sep))
			return 0;
		out[g] = (unsigned char)(hexval(h) << 4 | hexval(l));
	}
	c = ahead(a, 17);
	if (is_alnum(c) || (c == ':' && sep == ':') || (c == sep && is_hex(ahead(a, 18))))
		return 0;
	return 17;
}

/* Compressed, full, or with an IPv4 tail, as inet_pton(3) reads them; at
 * least two ':' (times like 12:34:56 have them but are not addresses:
 * inet_pton refuses three groups without "::"). The longest such prefix of
 * the run of hex digits, ':' and '.' that is followed by a boundary. */
static size_t match_ipv6(const struct at *a, unsigned char out[16])
{
	char text[IPV6_MAX + 1];
	int b = behind(a, 1);
	size_t run = 0, colons = 0;

	if (is_alnum(b) || b == ':' || b == '.')
		return 0;
	if (ahead(a, 0) == ':' && ahead(a, 1) != ':')
		return 0;
	while (run <= IPV6_MAX) {
		int c = ahead(a, run);

		if (!is_hex(c) && c != ':' && c != '.')
			break;
		colons += c == ':';
		run++;
	}
	if (colons < 2)
		return 0;
	for (size_t n = run > IPV6_MAX ? IPV6_MAX : run; n >= 2; n--) {
		int c = ahead(a, n);

		if (is_alnum(c) || c == ':' || (c == '.' && is_digit(ahead(a, n + 1))))
			continue;
		memcpy(text, a->s, n);
		text[n] = '\0';
		if (inet_pton(AF_INET6, text, out) == 1)
			return n;
	}
	return 0;
}

/* A configured domain name, case-insensitive, at a label boundary: after
 * anything but a letter, digit or '-' (so "api.example.com" has its
 * "example.com" replaced), and not followed by one or by ".<label>". */
static size_t match_domain(const struct at *a, const struct mgo_clean_word *w)
{
	int b = behind(a, 1), c;

	if (is_alnum(b) || b == '-' || a->avail < w->len)
		return 0;
	for (size_t i = 0; i < w->len; i++)
		if (lower(a->s[i]) != w->from[i])
			return 0;
	c = ahead(a, w->len);
	if (is_alnum(c) || c == '-' || (c == '.' && is_alnum(ahead(a, w->len + 1))))
		return 0;
	return w->len;
}

/* A keyword: exactly its bytes, anywhere. */
static size_t match_keyword(const struct at *a, const struct mgo_clean_word *w)
{
	return a->avail >= w->len && !memcmp(a->s, w->from, w->len) ? w->len : 0;
}

static const char *const static_text[MGO_CLEAN_NKINDS] = {
	[MGO_CLEAN_IPV4] = "xxx.xxx.xxx.xxx",
	[MGO_CLEAN_IPV6] = "xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx",
	[MGO_CLEAN_MAC] = "xx:xx:xx:xx:xx:xx",
	[MGO_CLEAN_DOMAIN] = "x-domain-x",
};

/* Not sensitive, and kept readable, as must-gather-clean keeps them. */
static bool excluded(enum mgo_clean_kind k, const unsigned char *v)
{
	static const unsigned char v4_any[4], v4_lo[4] = {127, 0, 0, 1}, v6_any[16],
		v6_lo[16] = {[15] = 1}, mac_zero[6],
		mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	switch (k) {
	case MGO_CLEAN_IPV4:
		return !memcmp(v, v4_any, 4) || !memcmp(v, v4_lo, 4);
	case MGO_CLEAN_IPV6:
		return !memcmp(v, v6_any, 16) || !memcmp(v, v6_lo, 16);
	case MGO_CLEAN_MAC:
		return !memcmp(v, mac_zero, 6) || !memcmp(v, mac_bcast, 6);
	default:
		return false;
	}
}

/* The replacement of a match of kind k whose normalised value is key. */
static int replace(struct mgo_cleaner *c, enum mgo_clean_kind k, const void *key, size_t len,
		   const struct mgo_clean_word *w, mgo_clean_sink *sink, void *arg)
{
	char text[64];
	uint32_t id;
	int rc, n;

	if ((rc = mgo_clean_vmap_get(&c->map, k, key, len, &id)))
		return rc;
	c->count[k]++;
	if (k == MGO_CLEAN_KEYWORD)
		return sink(arg, w->to, w->tolen);
	if (c->cfg->type[k].fixed)
		return sink(arg, static_text[k], strlen(static_text[k]));
	/* x-ipv4-000001-x, as must-gather-clean writes them */
	n = snprintf(text, sizeof(text), "x-%s-%06u-x", mgo_clean_kind_name(k), id);
	return sink(arg, text, (size_t)n);
}

static bool on(const struct mgo_cleaner *c, enum mgo_clean_kind k, unsigned target)
{
	return c->cfg->type[k].on && (c->cfg->type[k].targets & target);
}

/* What a match found: its length (0: none), kind and normalised value. */
struct found {
	size_t len;
	enum mgo_clean_kind kind;
	const void *key;
	size_t keylen;
	const struct mgo_clean_word *word;
	unsigned char v[16];
};

/* Tries every enabled kind at a, in order: keywords, domain names, MAC,
 * IPv6, IPv4. */
static void match_at(const struct mgo_cleaner *c, unsigned target, const struct at *a,
		     unsigned char first, struct found *f)
{
	unsigned starts = c->starts[target - 1][first];

	f->len = 0;
	if ((starts & START_KW) && on(c, MGO_CLEAN_KEYWORD, target))
		for (const struct mgo_clean_word **w = c->kw_sorted; *w; w++)
			if ((*w)->from[0] == (char)first && (f->len = match_keyword(a, *w))) {
				*f = (struct found){f->len, MGO_CLEAN_KEYWORD, (*w)->from, (*w)->len, *w, {0}};
				return;
			}
	if ((starts & START_DOMAIN) && on(c, MGO_CLEAN_DOMAIN, target))
		for (const struct mgo_clean_word **w = c->dom_sorted; *w; w++)
			if ((*w)->from[0] == lower(first) && (f->len = match_domain(a, *w))) {
				*f = (struct found){f->len, MGO_CLEAN_DOMAIN, (*w)->from, (*w)->len, *w, {0}};
				return;
			}
	if (!(starts & START_ADDR))
		return;
	f->key = f->v;
	f->word = NULL;
	if (on(c, MGO_CLEAN_MAC, target) && (f->len = match_mac(a, f->v))) {
		f->kind = MGO_CLEAN_MAC;
		f->keylen = 6;
	} else if (on(c, MGO_CLEAN_IPV6, target) && (f->len = match_ipv6(a, f->v))) {
		f->kind = MGO_CLEAN_IPV6;
		f->keylen = 16;
	} else if (on(c, MGO_CLEAN_IPV4, target) &&
		   ((f->len = match_ipv4(a, f->v)) || (f->len = match_ipv4_dashed(a, f->v)))) {
		f->kind = MGO_CLEAN_IPV4;
		f->keylen = 4;
	}
	if (f->len && excluded(f->kind, f->v))
		f->len = 0;
}

ssize_t mgo_clean_scan(struct mgo_cleaner *c, unsigned target, const char *p, size_t ctx,
		       size_t n, bool eof, mgo_clean_sink *sink, void *arg)
{
	const unsigned char *s = (const unsigned char *)p;
	const unsigned char *starts = c->starts[target - 1];
	size_t i = 0, lit = 0;
	int rc;

	while (i < n) {
		unsigned flags = starts[s[i]];
		struct found f;
		struct at a;

		/* only a keyword starts right after a letter or digit: most
		 * bytes of a word are passed over here */
		if (!flags || (!(flags & START_KW) && (i || ctx) && is_alnum(s[(ptrdiff_t)i - 1]))) {
			i++;
			continue;
		}
		if (n - i < c->lookahead && !eof)
			break;
		a = (struct at){s + i, n - i, i + ctx};
		match_at(c, target, &a, s[i], &f);
		if (!f.len) {
			i++;
			continue;
		}
		if (i > lit && (rc = sink(arg, p + lit, i - lit)))
			return rc;
		if ((rc = replace(c, f.kind, f.key, f.keylen, f.word, sink, arg)))
			return rc;
		i += f.len;
		lit = i;
	}
	if (i > lit && (rc = sink(arg, p + lit, i - lit)))
		return rc;
	return (ssize_t)i;
}

static int cmp_len_desc(const void *x, const void *y)
{
	const struct mgo_clean_word *a = *(const struct mgo_clean_word *const *)x;
	const struct mgo_clean_word *b = *(const struct mgo_clean_word *const *)y;

	return (a->len < b->len) - (a->len > b->len);
}

static const struct mgo_clean_word **sorted(const struct mgo_clean_word *w, size_t n)
{
	const struct mgo_clean_word **v = calloc(n + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = &w[i];
	qsort(v, n, sizeof(*v), cmp_len_desc);
	return v;
}

int mgo_cleaner_init(struct mgo_cleaner *c, const struct mgo_clean_config *cfg, size_t bufsize)
{
	size_t longest = IPV6_MAX;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->map.max_values = MGO_CLEAN_MAX_VALUES;
	c->dom_sorted = sorted(cfg->domains, cfg->ndomains);
	c->kw_sorted = sorted(cfg->keywords, cfg->nkeywords);
	if (!c->dom_sorted || !c->kw_sorted) {
		mgo_cleaner_free(c);
		return -ENOMEM;
	}
	for (unsigned t = 0; t < 2; t++) {
		unsigned target = t ? MGO_CLEAN_IN_CONTENTS : MGO_CLEAN_IN_PATH;

		for (int b = 0; b < 256; b++)
			if ((is_hex(b) || b == ':') &&
			    (on(c, MGO_CLEAN_IPV4, target) || on(c, MGO_CLEAN_IPV6, target) ||
			     on(c, MGO_CLEAN_MAC, target)))
				c->starts[t][b] |= START_ADDR;
		for (size_t i = 0; on(c, MGO_CLEAN_DOMAIN, target) && i < cfg->ndomains; i++) {
			unsigned char f = (unsigned char)cfg->domains[i].from[0];

			c->starts[t][f] |= START_DOMAIN;
			c->starts[t][f >= 'a' && f <= 'z' ? f - 'a' + 'A' : f] |= START_DOMAIN;
		}
		for (size_t i = 0; on(c, MGO_CLEAN_KEYWORD, target) && i < cfg->nkeywords; i++)
			c->starts[t][(unsigned char)cfg->keywords[i].from[0]] |= START_KW;
	}
	for (size_t i = 0; i < cfg->ndomains; i++)
		longest = cfg->domains[i].len > longest ? cfg->domains[i].len : longest;
	for (size_t i = 0; i < cfg->nkeywords; i++)
		longest = cfg->keywords[i].len > longest ? cfg->keywords[i].len : longest;
	/* the match, the byte after it, and one more for ".<digit>" */
	c->lookahead = longest + 2;
	c->bufsize = bufsize ? bufsize : DEFAULT_BUFSIZE;
	if (c->bufsize < 2 * c->lookahead + CONTEXT)
		c->bufsize = 2 * c->lookahead + CONTEXT;
	return 0;
}

void mgo_cleaner_free(struct mgo_cleaner *c)
{
	mgo_clean_vmap_free(&c->map);
	free(c->dom_sorted);
	free(c->kw_sorted);
	c->dom_sorted = c->kw_sorted = NULL;
}

/* ---- files and names -------------------------------------------------- */

struct out {
	int fd;
	char *buf;
	size_t len, cap;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int out_sink(void *arg, const char *p, size_t n)
{
	struct out *o = arg;
	int rc;

	if (o->len + n > o->cap) {
		if ((rc = write_all(o->fd, o->buf, o->len)))
			return rc;
		o->len = 0;
		if (n > o->cap)
			return write_all(o->fd, p, n);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

int mgo_clean_stream(struct mgo_cleaner *c, int in_fd, int out_fd, unsigned long long *bytes)
{
	struct out o = {out_fd, NULL, 0, c->bufsize};
	size_t cap = c->bufsize, ctx = 0, len = 0;
	unsigned long long total = 0;
	char *buf = malloc(cap);
	int rc = -ENOMEM;

	o.buf = malloc(o.cap);
	if (!buf || !o.buf)
		goto out;
	for (;;) {
		ssize_t r = read(in_fd, buf + ctx + len, cap - ctx - len);
		ssize_t used;
		size_t keep;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		total += (unsigned long long)r;
		len += (size_t)r;
		used = mgo_clean_scan(c, MGO_CLEAN_IN_CONTENTS, buf + ctx, ctx, len, r == 0,
				      out_sink, &o);
		if (used < 0) {
			rc = (int)used;
			goto out;
		}
		if (r == 0)
			break;
		/* keep what is not consumed, and up to CONTEXT bytes before it */
		keep = ctx + (size_t)used < CONTEXT ? ctx + (size_t)used : CONTEXT;
		memmove(buf, buf + ctx + (size_t)used - keep, keep + len - (size_t)used);
		ctx = keep;
		len -= (size_t)used;
	}
	rc = write_all(out_fd, o.buf, o.len);
out:
	if (bytes)
		*bytes = total;
	free(buf);
	free(o.buf);
	return rc;
}

struct name_out {
	char *p;
	size_t len, cap;
};

static int name_sink(void *arg, const char *p, size_t n)
{
	struct name_out *o = arg;

	if (o->len + n >= o->cap)
		return -ENAMETOOLONG;
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return 0;
}

int mgo_clean_name(struct mgo_cleaner *c, const char *name, char *out, size_t outlen)
{
	struct name_out o = {out, 0, outlen < NAME_MAX + 1 ? outlen : NAME_MAX + 1};
	ssize_t used = mgo_clean_scan(c, MGO_CLEAN_IN_PATH, name, 0, strlen(name), true, name_sink,
				      &o);

	if (used < 0)
		return (int)used;
	out[o.len] = '\0';
	return 0;
}

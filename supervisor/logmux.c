#include "logmux.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/log.h"

int mgo_logmux_init(struct mgo_logmux *m, const char *role, pid_t pid)
{
	*m = (struct mgo_logmux){.role = role, .pid = pid};
	m->buf = malloc(MGO_LOGMUX_LINE_MAX + 1);       /* + the '\n' passed on */
	return m->buf ? 0 : -ENOMEM;
}

void mgo_logmux_free(struct mgo_logmux *m)
{
	free(m->buf);
	*m = (struct mgo_logmux){0};
}

/* ---- the scan: a child's own line, checked without building it ----
 *
 * Nearly every line is one the child's mgo_log wrote: a JSON object with
 * the child's role. Such a line passes as it is, after one bounded pass
 * that proves it is one JSON object (what jansson would accept: UTF-8,
 * no NUL, numbers it can hold) whose top level has exactly one "role"
 * member, equal to the role the supervisor gave the child, escapes
 * decoded. Anything else (another role, two, none, JSON the scan is not
 * sure of) takes the slow way below, which parses it and sets the role. */

#define SCAN_DEPTH 32

struct scan {
	const unsigned char *p, *end;
};

/* Spaces and tabs only: a '\r' between tokens is JSON too, but on a
 * terminal it would let a line overwrite what it shows; such a line is
 * rebuilt, which drops it. */
static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

static int hex4(const unsigned char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
			: p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
			: p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
						     : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* One UTF-8 sequence at s->p, strictly (no overlong form, no surrogate,
 * nothing past U+10FFFF); false if it is not one. */
static bool utf8(struct scan *s)
{
	const unsigned char *p = s->p;
	size_t left = (size_t)(s->end - p), n;
	unsigned cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return false;
	n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (left < n)
		return false;
	cp = p[0] & (0xff >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return false;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return false;
	s->p += n;
	return true;
}

/* A string at s->p; *same (if want) tells whether it decodes to want. */
static bool string(struct scan *s, const char *want, bool *same)
{
	size_t at = 0;
	bool eq = true;

	if (s->p >= s->end || *s->p != '"')
		return false;
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		int c = *s->p;

		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (s->end - s->p < 2)
				return false;
			c = s->p[1];
			s->p += 2;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (s->end - s->p < 4 || (c = hex4(s->p)) <= 0)
					return false;   /* not hex, or \u0000 */
				s->p += 4;
				if (c >= 0xdc00 && c <= 0xdfff)
					return false;   /* a low surrogate alone */
				if (c >= 0xd800 && c <= 0xdbff) {
					int lo;
					if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
					    (lo = hex4(s->p + 2)) < 0xdc00 || lo > 0xdfff)
						return false;
					s->p += 6;
					c = 0x10000;    /* compares unequal to ASCII */
				}
				break;
			default:
				return false;
			}
		} else if (c >= 0x80) {
			if (!utf8(s))
				return false;
			c = 0x80;
		} else {
			s->p++;
		}
		if (want && eq)
			eq = c < 0x80 && want[at] == c ? (at++, true) : false;
	}
	if (s->p >= s->end)
		return false;
	s->p++;
	if (same)
		*same = eq && want && want[at] == '\0';
	return true;
}

static size_t digits(struct scan *s)
{
	const unsigned char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return (size_t)(s->p - start);
}

/* A number jansson holds: an integer of at most 18 digits (a long long),
 * or a real whose exponent has at most 2 digits and whose text is short
 * (no overflow to infinity). */
static bool number(struct scan *s)
{
	const unsigned char *start = s->p;
	size_t d;
	bool real = false;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++, d = 1;
	else if ((d = digits(s)) == 0)
		return false;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s) == 0)
			return false;
		real = true;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		size_t e = digits(s);
		if (e == 0 || e > 2)
			return false;
		real = true;
	}
	return real ? s->p - start <= 64 : d <= 18;
}

static bool word(struct scan *s, const char *w, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return false;
	s->p += n;
	return true;
}

static bool value(struct scan *s, int depth);

/* An object or an array (open is '{' or '['); at depth 0 also counts the
 * "role" members and whether each is the child's role. */
static bool container(struct scan *s, int depth, const char *role, int *roles, bool *role_ok)
{
	bool obj = *s->p == '{';
	unsigned char close = obj ? '}' : ']';

	if (depth >= SCAN_DEPTH)
		return false;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return true;
	}
	for (;;) {
		bool is_role = false, same = false;

		if (obj) {
			if (!string(s, roles ? "role" : NULL, &is_role))
				return false;
			skip_ws(s);
			if (s->p >= s->end || *s->p++ != ':')
				return false;
			skip_ws(s);
		}
		if (is_role && roles) {
			++*roles;
			if (s->p < s->end && *s->p == '"' ? !string(s, role, &same)
							  : !value(s, depth + 1))
				return false;
			*role_ok = same;
		} else if (!value(s, depth + 1)) {
			return false;
		}
		skip_ws(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == close) {
			s->p++;
			return true;
		}
		if (*s->p++ != ',')
			return false;
		skip_ws(s);
	}
}

static bool value(struct scan *s, int depth)
{
	if (s->p >= s->end)
		return false;
	switch (*s->p) {
	case '{':
	case '[':
		return container(s, depth, NULL, NULL, NULL);
	case '"':
		return string(s, NULL, NULL);
	case 't':
		return word(s, "true", 4);
	case 'f':
		return word(s, "false", 5);
	case 'n':
		return word(s, "null", 4);
	default:
		return number(s);
	}
}

/* True when line can pass as it is: see above. */
static bool passes_as_is(const char *role, const char *line, size_t len)
{
	struct scan s = {(const unsigned char *)line, (const unsigned char *)line + len};
	int roles = 0;
	bool role_ok = false;

	if (len == 0 || line[0] != '{' || !container(&s, 0, role, &roles, &role_ok))
		return false;
	skip_ws(&s);
	return s.p == s.end && roles == 1 && role_ok;
}

/* ---- the slow way: parse and rebuild, or wrap ---- */

/* jansson refuses strings that are not UTF-8, and readers of the stream
 * refuse "\u0000" by default; such bytes become '?' so the line is kept
 * rather than lost. */
static json_t *text(const char *s, size_t len)
{
	json_t *j = memchr(s, '\0', len) ? NULL : json_stringn(s, len);
	char *copy;

	if (j)
		return j;
	copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < len; i++)
		copy[i] = s[i] && (unsigned char)s[i] < 0x80 ? s[i] : '?';
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

static json_t *wrap(const char *role, pid_t pid, const char *line, size_t len, bool truncated)
{
	char ts[64];
	json_t *raw = text(line, len), *obj;

	if (!raw)
		return NULL;
	mgo_log_timestamp(ts, sizeof(ts));
	obj = json_pack("{s:s, s:s, s:s, s:i, s:s, s:o}", "ts", ts, "level", "info", "role", role,
			"pid", (int)pid, "event", "output", "raw", raw);
	if (obj && truncated && json_object_set_new(obj, "truncated", json_true()) != 0) {
		json_decref(obj);
		obj = NULL;
	}
	return obj;
}

char *mgo_logmux_format(const char *role, pid_t pid, const char *line, size_t len,
			bool truncated, size_t *outlen)
{
	json_t *obj = NULL;
	char *out = NULL;
	size_t n;

	if (!truncated && passes_as_is(role, line, len)) {
		if ((out = malloc(len + 1))) {
			memcpy(out, line, len);
			out[len] = '\n';
			*outlen = len + 1;
		}
		return out;
	}
	if (len > 0 && line[0] == '{' && !truncated)
		obj = json_loadb(line, len, 0, NULL);
	/* the role is the supervisor's word, not the child's */
	if (obj && (!json_is_object(obj) || json_object_set_new(obj, "role", json_string(role)))) {
		json_decref(obj);
		obj = NULL;
	}
	if (!obj)
		obj = wrap(role, pid, line, len, truncated);
	if (!obj)
		return NULL;
	n = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	if (n > 0 && (out = malloc(n + 1)) && json_dumpb(obj, out, n, JSON_COMPACT) == n) {
		out[n] = '\n';
		*outlen = n + 1;
	} else {
		free(out);
		out = NULL;
	}
	json_decref(obj);
	return out;
}

static int emit_line(struct mgo_logmux *m, char *line, size_t len, bool truncated,
		     mgo_logmux_emit_fn emit, void *ctx)
{
	size_t n = 0;
	char *out;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0 && !truncated)
		return 0;
	if (!truncated && passes_as_is(m->role, line, len)) {
		/* line is m->buf, which has room for the '\n' */
		line[len] = '\n';
		emit(ctx, line, len + 1);
		return 0;
	}
	out = mgo_logmux_format(m->role, m->pid, line, len, truncated, &n);
	if (!out)
		return -ENOMEM;
	emit(ctx, out, n);
	free(out);
	return 0;
}

int mgo_logmux_feed(struct mgo_logmux *m, const char *data, size_t n, mgo_logmux_emit_fn emit,
		    void *ctx)
{
	int rc = 0;

	while (n > 0 && !rc) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		size_t room = MGO_LOGMUX_LINE_MAX - m->len;

		if (m->discarding) {
			/* the rest of a line already emitted truncated */
		} else if (take <= room) {
			memcpy(m->buf + m->len, data, take);
			m->len += take;
		} else {
			memcpy(m->buf + m->len, data, room);
			rc = emit_line(m, m->buf, MGO_LOGMUX_LINE_MAX, true, emit, ctx);
			m->len = 0;
			m->discarding = true;
		}
		if (nl) {
			if (!m->discarding && !rc)
				rc = emit_line(m, m->buf, m->len, false, emit, ctx);
			m->len = 0;
			m->discarding = false;
			take++;
		}
		data += take;
		n -= take;
	}
	return rc;
}

int mgo_logmux_flush(struct mgo_logmux *m, mgo_logmux_emit_fn emit, void *ctx)
{
	int rc = 0;

	if (m->len > 0 && !m->discarding)
		rc = emit_line(m, m->buf, m->len, false, emit, ctx);
	m->len = 0;
	m->discarding = false;
	return rc;
}

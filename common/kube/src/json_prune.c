/* A byte scan of JSON text that finds the values a reader skips
 * (mgo/json_prune.h). Not a parser, and hand-written because no library
 * the project uses does this: jansson (and libyaml) build every value
 * before the caller can say it is not wanted. The scan only has to agree
 * with jansson about where strings and bracketed values begin and end,
 * which for well-formed text the grammar fixes; on anything it cannot
 * place it gives up and the caller parses the original text. */
#include "mgo/json_prune.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct scan {
	const char *in;
	size_t len, pos;
	char *out;
	size_t out_len;
	size_t copied;          /* in[0..copied) is in out already */
	int pruned;
};

static void skip_ws(struct scan *s)
{
	while (s->pos < s->len) {
		char c = s->in[s->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		s->pos++;
	}
}

/* At an opening quote: past the closing one. */
static int skip_string(struct scan *s)
{
	for (s->pos++; s->pos < s->len; s->pos++) {
		char c = s->in[s->pos];
		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c == '\\')
			s->pos++;       /* the escaped byte, whatever it is */
	}
	return -EBADMSG;
}

/* A value the path does not go into: a string, a bracketed value whose
 * brackets pair (a bit per level says which kind is open), or the bytes
 * of a number or literal up to the next delimiter. */
static int skip_value(struct scan *s)
{
	uint8_t is_array[MGO_JSON_PRUNE_MAX_DEPTH / 8];
	size_t depth = 0, start;

	skip_ws(s);
	if (s->pos >= s->len)
		return -EBADMSG;
	switch (s->in[s->pos]) {
	case '"':
		return skip_string(s);
	case '{':
	case '[':
		break;
	case '}':
	case ']':
	case ',':
	case ':':
		return -EBADMSG;
	default:
		start = s->pos;
		while (s->pos < s->len && !strchr(",}] \t\n\r:{[\"", s->in[s->pos]))
			s->pos++;
		return s->pos > start ? 0 : -EBADMSG;
	}
	while (s->pos < s->len) {
		char c = s->in[s->pos];

		if (c == '"') {
			if (skip_string(s))
				return -EBADMSG;
			continue;
		}
		s->pos++;
		if (c == '{' || c == '[') {
			if (depth == MGO_JSON_PRUNE_MAX_DEPTH)
				return -EBADMSG;
			if (c == '[')
				is_array[depth / 8] |= (uint8_t)(1u << (depth % 8));
			else
				is_array[depth / 8] &= (uint8_t)~(1u << (depth % 8));
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
			if (((is_array[depth / 8] >> (depth % 8)) & 1u) != (c == ']'))
				return -EBADMSG;
			if (depth == 0)
				return 0;
		}
	}
	return -EBADMSG;
}

/* Writes in[from..to) at the end of out (a dry run writes nothing). In
 * place, out never passes in: what is written is never longer than what
 * was read. */
static void emit(struct scan *s, size_t from, size_t to)
{
	if (s->out)
		memmove(s->out + s->out_len, s->in + from, to - from);
	s->out_len += to - from;
}

/* The value at s->pos is to go: what precedes it is copied, then null in
 * its place (or the value itself when shorter). */
static int prune_value(struct scan *s)
{
	size_t start;

	skip_ws(s);
	start = s->pos;
	if (skip_value(s))
		return -EBADMSG;
	emit(s, s->copied, start);
	if (s->pos - start >= 4) {
		if (s->out)
			memcpy(s->out + s->out_len, "null", 4);
		s->out_len += 4;
		s->pruned++;
	} else {
		emit(s, start, s->pos);
	}
	s->copied = s->pos;
	return 0;
}

/* After a member or element: past the comma (1) or the closing bracket (0). */
static int next_or_close(struct scan *s, char close)
{
	skip_ws(s);
	if (s->pos < s->len && s->in[s->pos] == ',') {
		s->pos++;
		return 1;
	}
	if (s->pos < s->len && s->in[s->pos] == close) {
		s->pos++;
		return 0;
	}
	return -EBADMSG;
}

/* A value on some of the paths; each paths[i] is the rest of one path,
 * paths[i][0] the step into this value. Recursion is as deep as the
 * longest path: values off every path are skipped. */
static int on_paths(struct scan *s, const char *const *const *paths, size_t n)
{
	const char *const *here[MGO_JSON_PRUNE_MAX_PATHS];
	size_t k = 0;
	bool into_array;
	char c;
	int more;

	skip_ws(s);
	if (s->pos >= s->len)
		return -EBADMSG;
	c = s->in[s->pos];
	into_array = c == '[';
	if (c == '[' || c == '{')
		for (size_t i = 0; i < n; i++)
			if ((strcmp(paths[i][0], "*") == 0) == into_array)
				here[k++] = paths[i];
	if (k == 0)
		return skip_value(s);
	s->pos++;
	skip_ws(s);
	if (s->pos < s->len && s->in[s->pos] == (into_array ? ']' : '}')) {
		s->pos++;
		return 0;
	}
	do {
		const char *const *next[MGO_JSON_PRUNE_MAX_PATHS];
		size_t m = 0, key = 0, klen = 0;
		bool prune = false;

		if (!into_array) {
			skip_ws(s);
			if (s->pos >= s->len || s->in[s->pos] != '"')
				return -EBADMSG;
			key = s->pos + 1;
			if (skip_string(s))
				return -EBADMSG;
			klen = s->pos - 1 - key;
			skip_ws(s);
			if (s->pos >= s->len || s->in[s->pos] != ':')
				return -EBADMSG;
			s->pos++;
		}
		for (size_t j = 0; j < k; j++) {
			if (!into_array && (strlen(here[j][0]) != klen ||
					    memcmp(s->in + key, here[j][0], klen) != 0))
				continue;
			if (!here[j][1])
				prune = true;
			else
				next[m++] = here[j] + 1;
		}
		if (prune ? prune_value(s) : m ? on_paths(s, next, m) : skip_value(s))
			return -EBADMSG;
		more = next_or_close(s, into_array ? ']' : '}');
	} while (more == 1);
	return more;
}

static int run(const char *in, size_t len, const char *const *const *paths, size_t n, char *out,
	       size_t *out_len)
{
	struct scan s = {.in = in, .len = len, .out = out};

	if (on_paths(&s, paths, n))
		return -EBADMSG;
	skip_ws(&s);
	if (s.pos != len)
		return -EBADMSG;
	emit(&s, s.copied, len);
	*out_len = s.out_len;
	return s.pruned;
}

int mgo_json_prune_paths(const char *in, size_t len, const char *const *const *paths, char *out,
			 size_t *out_len)
{
	size_t n = 0;
	int rc;

	*out_len = 0;
	while (paths && paths[n]) {
		if (n == MGO_JSON_PRUNE_MAX_PATHS || !paths[n][0])
			return -EINVAL;
		n++;
	}
	if (n == 0)
		return -EINVAL;
	/* in place, text refused half-way would be half rewritten: a dry
	 * run first leaves it as it came */
	if (out == in && (rc = run(in, len, paths, n, NULL, out_len)) < 0)
		return rc;
	return run(in, len, paths, n, out, out_len);
}

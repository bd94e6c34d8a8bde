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

/* The value at s->pos is to go: what precedes it is copied, then null in
 * its place (or the value itself when shorter). */
static int prune_value(struct scan *s)
{
	size_t start, n;

	skip_ws(s);
	start = s->pos;
	if (skip_value(s))
		return -EBADMSG;
	n = s->pos - start;
	memcpy(s->out + s->out_len, s->in + s->copied, start - s->copied);
	s->out_len += start - s->copied;
	if (n >= 4) {
		memcpy(s->out + s->out_len, "null", 4);
		s->out_len += 4;
		s->pruned++;
	} else {
		memcpy(s->out + s->out_len, s->in + start, n);
		s->out_len += n;
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

/* A value on the path; path[0] is the step into it. Recursion is as deep
 * as the path is long: values off the path are skipped. */
static int on_path(struct scan *s, const char *const *path)
{
	bool into_array = strcmp(path[0], "*") == 0;
	size_t klen = strlen(path[0]);
	int more;

	skip_ws(s);
	if (s->pos >= s->len || s->in[s->pos] != (into_array ? '[' : '{'))
		return skip_value(s);
	s->pos++;
	skip_ws(s);
	if (s->pos < s->len && s->in[s->pos] == (into_array ? ']' : '}')) {
		s->pos++;
		return 0;
	}
	do {
		bool match = into_array;

		if (!into_array) {
			size_t k;

			skip_ws(s);
			if (s->pos >= s->len || s->in[s->pos] != '"')
				return -EBADMSG;
			k = s->pos + 1;
			if (skip_string(s))
				return -EBADMSG;
			match = s->pos - 1 - k == klen && memcmp(s->in + k, path[0], klen) == 0;
			skip_ws(s);
			if (s->pos >= s->len || s->in[s->pos] != ':')
				return -EBADMSG;
			s->pos++;
		}
		if (match && !path[1]) {
			if (prune_value(s))
				return -EBADMSG;
		} else if (match) {
			if (on_path(s, path + 1))
				return -EBADMSG;
		} else if (skip_value(s)) {
			return -EBADMSG;
		}
		more = next_or_close(s, into_array ? ']' : '}');
	} while (more == 1);
	return more;
}

int mgo_json_prune(const char *in, size_t len, const char *const *path, char *out,
		   size_t *out_len)
{
	struct scan s = {.in = in, .len = len, .out = out};

	*out_len = 0;
	if (!path || !path[0])
		return -EINVAL;
	if (on_path(&s, path))
		return -EBADMSG;
	skip_ws(&s);
	if (s.pos != len)
		return -EBADMSG;
	memcpy(out + s.out_len, in + s.copied, len - s.copied);
	*out_len = s.out_len + (len - s.copied);
	return s.pruned;
}

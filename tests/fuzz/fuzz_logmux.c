/* The supervisor's reader of its children's output (supervisor/logmux.c):
 * every byte a possibly compromised child writes to stdout or stderr goes
 * through it. The first byte says where to cut the stream (0: whole).
 * Beyond "no crash": every line emitted is one JSON object on one line,
 * '\n'-ended, with no '\r', whose "role" is the supervisor's word for the child whatever
 * the child wrote; no more lines come out than went in (a line the bound
 * cut counts once); and the stream cut in pieces gives the same lines as
 * whole. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logmux.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_logmux: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#define ROLE "validator"

struct seen {
	size_t lines;
	uint64_t hash;          /* of every line but its "ts" (it moves) */
};

static void check_line(void *ctx, const char *line, size_t len)
{
	struct seen *s = ctx;
	json_error_t e;
	json_t *j;
	const char *role;

	CHECK(len >= 2 && line[len - 1] == '\n');
	CHECK(memchr(line, '\n', len - 1) == NULL);
	CHECK(memchr(line, '\r', len) == NULL); /* nothing that rewinds a terminal line */
	j = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, &e);
	if (!j) /* a child's own object with a duplicate key passes as it was */
		j = json_loadb(line, len - 1, 0, &e);
	CHECK(j && json_is_object(j));
	role = json_string_value(json_object_get(j, "role"));
	CHECK(role && strcmp(role, ROLE) == 0);
	json_object_del(j, "ts");
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(text);
	for (const char *p = text; *p; p++)
		s->hash = (s->hash ^ (uint8_t)*p) * 1099511628211ull;
	s->hash = (s->hash ^ '\n') * 1099511628211ull;
	free(text);
	json_decref(j);
	s->lines++;
}

static struct seen run(const uint8_t *data, size_t size, size_t cut)
{
	struct mgo_logmux m;
	struct seen s = {0, 14695981039346656037ull};

	CHECK(mgo_logmux_init(&m, ROLE, 42) == 0);
	for (size_t off = 0; off < size;) {
		size_t n = cut && size - off > cut ? cut : size - off;
		CHECK(mgo_logmux_feed(&m, (const char *)data + off, n, check_line, &s) == 0);
		off += n;
	}
	CHECK(mgo_logmux_flush(&m, check_line, &s) == 0);
	mgo_logmux_free(&m);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut, newlines = 0;
	struct seen whole, pieces;

	if (size < 1)
		return 0;
	cut = data[0];
	data++;
	size--;
	for (size_t i = 0; i < size; i++)
		newlines += data[i] == '\n';
	whole = run(data, size, 0);
	CHECK(whole.lines <= newlines + 1);
	if (cut) {
		pieces = run(data, size, cut);
		CHECK(pieces.lines == whole.lines && pieces.hash == whole.hash);
	}
	return 0;
}

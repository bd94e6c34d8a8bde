/* A watch stream from arbitrary bytes, cut into chunks of a size the first
 * byte picks. Beyond "no crash": the splitter hands out exactly the lines a
 * plain split of the whole input gives (empty ones dropped, "\r\n" as "\n"),
 * refuses the first line over its bound and nothing before it, and each
 * line that is a Status-like object yields a bounded, NUL-ended error. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/kube.h"
#include "mgo/linesplit.h"

#define MAX_LINE 512

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_kube_watch: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

struct want {
	const uint8_t *data;
	size_t size, pos;       /* where the next expected line starts */
	size_t lines;
};

/* The next line a plain split gives from w->pos, skipping empty ones;
 * false at the end (an unterminated tail is not a line yet). */
static bool next_line(struct want *w, const char **line, size_t *len, size_t *raw)
{
	while (w->pos < w->size) {
		const uint8_t *start = w->data + w->pos;
		const uint8_t *nl = memchr(start, '\n', w->size - w->pos);
		if (!nl)
			return false;
		*raw = (size_t)(nl - start);
		*line = (const char *)start;
		*len = *raw && start[*raw - 1] == '\r' ? *raw - 1 : *raw;
		w->pos += *raw + 1;
		if (*len)
			return true;
	}
	return false;
}

static void check_status(const char *line, size_t len)
{
	json_t *ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	struct mgo_kube_error e;

	if (!ev)
		return;
	mgo_kube_error_from_response(&e, 410, json_object_get(ev, "object"));
	CHECK(e.errnum == -EREMOTEIO);
	CHECK(memchr(e.reason, '\0', sizeof(e.reason)) != NULL);
	CHECK(memchr(e.message, '\0', sizeof(e.message)) != NULL);
	CHECK(e.message[0] != '\0');
	json_decref(ev);
}

static int on_line(void *ctx, const char *line, size_t len)
{
	struct want *w = ctx;
	const char *exp;
	size_t elen, raw;

	CHECK(next_line(w, &exp, &elen, &raw));
	CHECK(raw <= MAX_LINE);
	CHECK(len == elen && memcmp(line, exp, len) == 0);
	w->lines++;
	check_status(line, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgo_lines l;
	struct want w;
	size_t chunk, off = 0;
	int rc = 0;

	if (size < 1)
		return 0;
	chunk = data[0] % 97 + 1;
	w = (struct want){.data = data + 1, .size = size - 1};
	mgo_lines_init(&l, MAX_LINE);
	while (off < w.size && rc == 0) {
		size_t n = w.size - off < chunk ? w.size - off : chunk;
		rc = mgo_lines_feed(&l, (const char *)w.data + off, n, on_line, &w);
		off += n;
	}
	if (rc == 0) {
		/* every complete line came out; what is held back is the tail */
		const char *line;
		size_t len, raw;
		CHECK(!next_line(&w, &line, &len, &raw));
		CHECK(mgo_lines_pending(&l) == w.size - w.pos);
	} else {
		/* refused: after the last line handed out come only empty lines,
		 * then one (complete or not) over the bound */
		CHECK(rc == -EMSGSIZE);
		for (;;) {
			const uint8_t *start = w.data + w.pos;
			size_t left = w.size - w.pos;
			const uint8_t *nl = memchr(start, '\n', left);
			size_t raw = nl ? (size_t)(nl - start) : left;
			if (raw > MAX_LINE)
				break;
			CHECK(nl != NULL);
			CHECK(raw == 0 || (raw == 1 && start[0] == '\r'));
			w.pos += raw + 1;
		}
	}
	mgo_lines_free(&l);
	return 0;
}

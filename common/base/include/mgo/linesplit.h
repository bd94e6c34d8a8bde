/* Incremental splitting of a byte stream into '\n'-ended lines, with a bound
 * on the length of a line so a peer cannot make us buffer without end.
 *
 * A watch response is one JSON event a line, arriving in chunks cut anywhere;
 * this turns chunks back into whole lines. Lines that fit inside one chunk are
 * handed over in place (no copy); only a line cut by a chunk edge is copied. */
#ifndef MGO_LINESPLIT_H
#define MGO_LINESPLIT_H

#include <stddef.h>

struct mgo_lines {
	char *buf;              /* the start of a line cut by a chunk edge */
	size_t len, cap;
	size_t max;             /* longest line accepted, '\n' not counted */
};

/* Called once per non-empty line, without its "\n" (or "\r\n"). `line` is
 * valid for the call only and is not NUL-terminated. A nonzero return stops
 * the feed and is returned by it. */
typedef int (*mgo_line_fn)(void *ctx, const char *line, size_t len);

void mgo_lines_init(struct mgo_lines *l, size_t max);
/* Returns 0; -EMSGSIZE as soon as a line is longer than `max` (the partial
 * line is dropped: the stream is unusable and should be restarted);
 * -ENOMEM; or the first nonzero value `fn` returned. */
int mgo_lines_feed(struct mgo_lines *l, const char *data, size_t n, mgo_line_fn fn, void *ctx);
/* Bytes of an unfinished line held back: non-zero at the end of a stream
 * means the last line was cut off. */
size_t mgo_lines_pending(const struct mgo_lines *l);
/* Forgets any unfinished line (keeps the buffer for reuse). */
void mgo_lines_reset(struct mgo_lines *l);
void mgo_lines_free(struct mgo_lines *l);

#endif

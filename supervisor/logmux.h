/* The children's output, line by line, onto the supervisor's stdout as JSON
 * lines tagged with the child's role.
 *
 * Children log JSON lines already; a line that is a JSON object passes with
 * its "role" set by the supervisor (a child cannot speak as another): as it
 * is, after one bounded scan and no parse, when its one top-level "role" is
 * the child's already (what every mgo_log line of an honest child has),
 * else parsed and rebuilt with the role set (supervisor/logmux.c says what
 * the scan proves). Anything else (a crash message from libc, a stray
 * printf) is wrapped as {"ts","level":"info","role","pid","event":"output",
 * "raw"} so the stream stays JSON lines. A line is at most
 * MGO_LOGMUX_LINE_MAX bytes: the excess of a longer one is dropped and the
 * kept part wrapped with "truncated":true. */
#ifndef MGO_SUP_LOGMUX_H
#define MGO_SUP_LOGMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MGO_LOGMUX_LINE_MAX (64 * 1024)

/* Receives one finished output line, '\n' included; valid for the call. */
typedef void (*mgo_logmux_emit_fn)(void *ctx, const char *line, size_t len);

struct mgo_logmux {
	const char *role;       /* borrowed, outlives the mux */
	pid_t pid;
	char *buf;              /* MGO_LOGMUX_LINE_MAX + 1 bytes: the unfinished line */
	size_t len;
	bool discarding;        /* past the bound: dropping until the next '\n' */
};

/* Returns 0 or -ENOMEM. */
int mgo_logmux_init(struct mgo_logmux *m, const char *role, pid_t pid);
/* Splits data into lines and emits each; returns 0 or -ENOMEM. */
int mgo_logmux_feed(struct mgo_logmux *m, const char *data, size_t n, mgo_logmux_emit_fn emit,
		    void *ctx);
/* End of the stream: emits an unfinished last line. */
int mgo_logmux_flush(struct mgo_logmux *m, mgo_logmux_emit_fn emit, void *ctx);
void mgo_logmux_free(struct mgo_logmux *m);

/* The output line for one input line (without its '\n'): a new buffer the
 * caller frees, '\n'-ended, of *outlen bytes; NULL when out of memory. */
char *mgo_logmux_format(const char *role, pid_t pid, const char *line, size_t len,
			bool truncated, size_t *outlen);

#endif

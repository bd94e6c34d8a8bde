/* The notification fd between a supervised child and mgo-supervisor, in the
 * manner of s6: readiness is something the child writes, not something the
 * supervisor guesses.
 *
 * The child writes heartbeats (struct mgo_heartbeat, encoded by the IPC codec
 * of mgo/ipc.h as a message of type heartbeat), each framed by its length in
 * 4 bytes big-endian. The first one with ready=true is readiness; then one
 * comes every heartbeat interval from the child's loop, so silence means the
 * loop is stuck. A whole frame is far below PIPE_BUF, so a non-blocking write
 * on a pipe puts all of it or nothing: frames never tear. The supervisor
 * makes the channel a SOCK_SEQPACKET socket pair, where every write is one
 * packet, whole or not at all.
 *
 * The child also writes metric frames (mgo/metrics.h): the same length
 * prefix, a body of at most MGO_NOTIFY_METRICS_MAX bytes so that the whole
 * frame is at most PIPE_BUF and still cannot tear on a pipe. The body's
 * first byte tells them apart (a heartbeat is a map, a metric frame an
 * array).
 *
 * The other direction carries the supervisor's news: packets of one byte,
 * each the enum mgo_role of a peer that has just become ready, or the
 * launcher's with MGO_NOTIFY_NEWS_LEADS set when it has just become the
 * leader (its heartbeat's `leading` went true). */
#ifndef MGO_NOTIFY_H
#define MGO_NOTIFY_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/ipc.h"
#include "mgo/metrics.h"

/* A heartbeat encodes to well under 100 bytes; anything longer is not one. */
#define MGO_NOTIFY_FRAME_MAX 128
#define MGO_NOTIFY_WIRE_MAX (4 + MGO_NOTIFY_FRAME_MAX)
#define MGO_NOTIFY_METRICS_MAX (PIPE_BUF - 4)

/* Frames hb (with sequence number seq) into buf. Returns 0 with *len set,
 * -ENOSPC when cap < MGO_NOTIFY_WIRE_MAX, or the encoder's error. */
int mgo_notify_encode(const struct mgo_heartbeat *hb, uint64_t seq, uint8_t *buf, size_t cap,
		      size_t *len);

/* Frames the series m->s[*next..] that fit into one metric frame of at most
 * PIPE_BUF bytes into buf (cap >= PIPE_BUF) and advances *next: call until
 * -ENODATA to send a whole set. 0 with *len set, or mgo_metrics_encode's
 * error. */
int mgo_notify_encode_metrics(const struct mgo_metrics *m, size_t *next, uint8_t *buf,
			      size_t cap, size_t *len);

/* The length of one packet of news (supervisor -> child). */
#define MGO_NOTIFY_NEWS_LEN 1
/* Or'ed into a news byte: that peer (the launcher) now leads. */
#define MGO_NOTIFY_NEWS_LEADS 0x80u

/* The supervisor's end: reassembles frames from a byte stream cut anywhere. */
struct mgo_notify_reader {
	uint8_t buf[PIPE_BUF];
	size_t len;
};

/* Called per decoded heartbeat; a nonzero return stops the feed and is
 * returned by it. hb is valid for the call only. */
typedef int (*mgo_notify_fn)(void *ctx, const struct mgo_heartbeat *hb);

struct mgo_notify_handlers {
	mgo_notify_fn beat;             /* required */
	mgo_metrics_fn metrics;         /* NULL: metric frames checked, then dropped */
	void *ctx;                      /* passed to both */
};

/* Feeds n bytes. Returns 0 (an unfinished frame is kept for the next feed),
 * the first nonzero value of a handler, or for the first bad frame
 * -EMSGSIZE (a length of 0, over MGO_NOTIFY_METRICS_MAX, or a heartbeat
 * over MGO_NOTIFY_FRAME_MAX), -EBADMSG (neither a heartbeat nor a metric
 * frame, or undecodable) or -EPROTONOSUPPORT, with err saying why. After an
 * error the stream is out of step: the writer is broken, and the reader
 * must be reset (zeroed) before reuse. */
int mgo_notify_read(struct mgo_notify_reader *r, const void *data, size_t n,
		    const struct mgo_notify_handlers *h, char *err, size_t errlen);
/* mgo_notify_read with heartbeats only for fn. */
int mgo_notify_feed(struct mgo_notify_reader *r, const void *data, size_t n, mgo_notify_fn fn,
		    void *ctx, char *err, size_t errlen);

#endif

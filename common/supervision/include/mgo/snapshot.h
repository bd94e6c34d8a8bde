/* The pipe from mgo-supervisor to mgo-health: snapshots of what the probes
 * and the scrape answer, so that the process that listens on the network
 * holds nothing but them (docs/health.md says why).
 *
 * A frame is its length in 4 bytes big-endian, then a msgpack map with
 * exactly the keys v (MGO_SNAP_VERSION), seq, healthy, ready, health_why,
 * ready_why and metrics. The supervisor writes one at every heartbeat
 * interval and at every child state change; mgo-health keeps the last.
 * Decoding is bounded before allocation (the frame length, then a walk of
 * the raw bytes that admits one flat map of scalars) and rejects trailing
 * bytes, unknown, missing or repeated keys and strings holding NUL. */
#ifndef MGO_SNAPSHOT_H
#define MGO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MGO_SNAP_VERSION 1
#define MGO_SNAP_WHY_MAX 1024
/* A whole frame (length prefix excluded). */
#define MGO_SNAP_FRAME_MAX (1024 * 1024)
/* What is left for the metrics text once the rest of the map is counted. */
#define MGO_SNAP_METRICS_MAX (MGO_SNAP_FRAME_MAX - 4 * MGO_SNAP_WHY_MAX)

/* Strings are owned (NUL-terminated, no NUL inside); "" when empty. */
struct mgo_snapshot {
	uint64_t seq;
	bool healthy;           /* supervisor and every child alive */
	bool ready;             /* every child ready, the Lease known */
	char *health_why;       /* what is down, "" when healthy */
	char *ready_why;        /* what is not ready, "" when ready */
	char *metrics;          /* Prometheus text format 0.0.4 */
};

/* Frames s into a new buffer *out (the caller frees it) of *len bytes.
 * NULL strings encode as "". -EMSGSIZE when a string is over its bound,
 * -ENOMEM. */
int mgo_snap_encode(const struct mgo_snapshot *s, uint8_t **out, size_t *len);

/* Frees what s owns and zeroes it; a zeroed struct is fine. */
void mgo_snap_free(struct mgo_snapshot *s);

/* mgo-health's end: reassembles frames from a byte stream cut anywhere. The
 * body buffer is allocated once the length is read and known to be within
 * MGO_SNAP_FRAME_MAX, and freed after each frame. */
struct mgo_snap_reader {
	uint8_t head[4];
	size_t head_len;
	uint8_t *body;
	size_t body_len, body_have;
};

/* Called per decoded snapshot, which it takes over (it must free it or
 * keep it); a nonzero return stops the feed and is returned by it. */
typedef int (*mgo_snap_fn)(void *ctx, struct mgo_snapshot *s);

/* Feeds n bytes. Returns 0 (an unfinished frame is kept), the first nonzero
 * value of fn, or for the first bad frame -EMSGSIZE (a length of 0 or over
 * MGO_SNAP_FRAME_MAX), -EBADMSG or -EPROTONOSUPPORT with err saying why;
 * after an error the stream is out of step and the reader must be freed. */
int mgo_snap_feed(struct mgo_snap_reader *r, const void *data, size_t n, mgo_snap_fn fn,
		  void *ctx, char *err, size_t errlen);

/* Decodes one frame body (without its length prefix); *out as with fn. */
int mgo_snap_decode(const void *buf, size_t len, struct mgo_snapshot *out, char *err,
		    size_t errlen);

/* Releases the reader's buffer and zeroes it. */
void mgo_snap_reader_free(struct mgo_snap_reader *r);

#endif

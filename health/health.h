/* mgo-health: serves /healthz, /readyz and /metrics from the snapshots the
 * supervisor sends on an inherited pipe (mgo/snapshot.h). It holds no key
 * and no token, reads no file once sandboxed and connects nowhere: the one
 * process on the network knows only what the probes and the scrape may see
 * (docs/health.md).
 *
 * Single-threaded: its own small HTTP server (http.c) runs on the
 * process's one mgo_loop, with bounded connections that shed load rather
 * than stall (docs/health.md, "Connections"). */
#ifndef MGO_HEALTH_H
#define MGO_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/config.h"
#include "mgo/loop.h"
#include "mgo/snapshot.h"
#include "mgo/supervised.h"

/* Snapshots older than this many heartbeat intervals: the supervisor is
 * stuck, and the probes say so. */
#define MGO_HEALTH_SILENT_BEATS 3

/* ---- answer.c: what each request gets, without I/O ---- */

/* What mgo-health last heard: the snapshot (zeroed before the first) and
 * when it came (mgo_now_ms; 0: never). Borrowed by mgo_health_answer. */
struct mgo_health_view {
	const struct mgo_snapshot *last;
	uint64_t last_ms;
	unsigned interval_ms;           /* the supervisor's heartbeat interval */
};

struct mgo_health_reply {
	unsigned code;
	const char *content_type;
	const char *allow;              /* for 405; NULL otherwise */
	const char *body;               /* text[] or the snapshot's metrics */
	size_t len;
	char text[MGO_SNAP_WHY_MAX + 128];
};

/* A plain-text answer: msg and a newline, for curl and kubectl. */
void mgo_health_say(struct mgo_health_reply *out, unsigned code, const char *msg);

/* The answer to `method url` at now_ms: GET or HEAD of /healthz, /readyz
 * or /metrics, 404 for any other path, 405 for any other method. The
 * probes fail (503) before the first snapshot and once the last is older
 * than MGO_HEALTH_SILENT_BEATS intervals ("supervisor silent"); /metrics
 * then still serves the last text. out->body may point into v->last. */
void mgo_health_answer(const struct mgo_health_view *v, uint64_t now_ms, const char *method,
		       const char *url, struct mgo_health_reply *out);

/* ---- request.c: the head of one request, from anyone on the network ---- */

#define MGO_HEALTH_METHOD_MAX 16
#define MGO_HEALTH_PATH_MAX 256

/* buf[0..len) is what a connection sent so far. 1: a whole request head
 * (request line, headers, blank line; "\n" or "\r\n"), its method and
 * path (query dropped) copied out; 0: not whole yet; -EINVAL: not an
 * HTTP/1.0 or 1.1 request head. Reads nothing past len and never more
 * than the bytes given. */
int mgo_health_parse_request(const char *buf, size_t len, char method[MGO_HEALTH_METHOD_MAX],
			     char path[MGO_HEALTH_PATH_MAX]);

/* ---- http.c: the server ---- */

/* Connections open at once from one client address, and in all: past
 * either, the oldest (of that address, or of all) is closed for the new
 * one. A connection lives at most MGO_HEALTH_CONN_MS from its accept. The
 * sandbox's 128 descriptors hold the total with room to spare. */
#define MGO_HEALTH_CONN_PER_ADDR 8
#define MGO_HEALTH_CONN_MAX 32
#define MGO_HEALTH_CONN_MS 2000
/* A request head longer than this is answered 431. */
#define MGO_HEALTH_REQ_MAX 4096

typedef void (*mgo_health_answer_fn)(void *ctx, const char *method, const char *path,
				     struct mgo_health_reply *out);

struct mgo_health_conn;

struct mgo_health_http {
	struct mgo_loop *loop;
	int fd;                         /* listening */
	struct mgo_watch *w;
	struct mgo_timer *timer;        /* the oldest connection's deadline */
	struct mgo_health_conn *oldest, *newest;
	unsigned open;
	uint64_t evicted, timed_out;    /* connections shed, since the start */
	uint64_t shed_log_ms;           /* no health.shed line before then */
	mgo_health_answer_fn answer;
	void *ctx;
	uint16_t port;                  /* bound */
};

/* Binds address (an IPv4 or IPv6 literal) and port (0: any), and serves on
 * loop; answer (with ctx) says what each request gets. Returns 0 or a
 * negative errno; call mgo_health_http_stop whatever it returned. */
int mgo_health_http_start(struct mgo_health_http *s, struct mgo_loop *loop, const char *address,
			  uint16_t port, mgo_health_answer_fn answer, void *ctx);
/* Closes every connection and the listening socket. */
void mgo_health_http_stop(struct mgo_health_http *s);

/* ---- health.c: the process ---- */

struct mgo_health {
	struct mgo_config cfg;
	int snapshot_fd;                /* --snapshot-fd, read end of the pipe */
	struct mgo_loop *loop;
	struct mgo_supervised sup;      /* --notify-fd; sup.fd -1 when unsupervised */
	struct mgo_snap_reader reader;
	struct mgo_watch *snapshot_w;
	struct mgo_snapshot last;
	uint64_t last_ms;
	struct mgo_health_http http;
	int status;                     /* exit status once the loop ends */
};

/* `--config FILE [--log-level L] --snapshot-fd N [--notify-fd N]`: parses,
 * loads the configuration, enters the health sandbox (keeping only the two
 * descriptors), opens the loop with its stop signals and starts the
 * heartbeats. Returns 0, or the exit status (2 usage or configuration, 1
 * sandbox or loop) after logging why. Call mgo_health_close whatever it
 * returned. */
int mgo_health_start(struct mgo_health *h, int argc, char **argv);

/* Watches the snapshot pipe, binds and starts the HTTP server, logs
 * health.listening with the bound port and reports readiness. 0 or 1. */
int mgo_health_open(struct mgo_health *h);

/* Runs until SIGTERM, SIGINT or the end of the snapshot pipe; the exit
 * status (1 after a bad snapshot frame). */
int mgo_health_run(struct mgo_health *h);

/* Stops the server and releases everything. */
void mgo_health_close(struct mgo_health *h);

#endif

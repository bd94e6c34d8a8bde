/* mgo-health: serves /healthz, /readyz and /metrics from the snapshots the
 * supervisor sends on an inherited pipe (mgo/snapshot.h). It holds no key
 * and no token, reads no file once sandboxed and connects nowhere: the one
 * process on the network knows only what the probes and the scrape may see
 * (docs/health.md).
 *
 * Single-threaded: libmicrohttpd runs without any thread of its own, in
 * its epoll mode, driven by the process's one mgo_loop (its epoll fd is a
 * watched descriptor, its timeout a loop timer). */
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

/* The answer to `method url` at now_ms: GET or HEAD of /healthz, /readyz
 * or /metrics, 404 for any other path, 405 for any other method. The
 * probes fail (503) before the first snapshot and once the last is older
 * than MGO_HEALTH_SILENT_BEATS intervals ("supervisor silent"); /metrics
 * then still serves the last text. out->body may point into v->last. */
void mgo_health_answer(const struct mgo_health_view *v, uint64_t now_ms, const char *method,
		       const char *url, struct mgo_health_reply *out);

/* ---- health.c: the process ---- */

struct MHD_Daemon;

struct mgo_health {
	struct mgo_config cfg;
	int snapshot_fd;                /* --snapshot-fd, read end of the pipe */
	struct mgo_loop *loop;
	struct mgo_supervised sup;      /* --notify-fd; sup.fd -1 when unsupervised */
	struct mgo_snap_reader reader;
	struct mgo_watch *snapshot_w;
	struct mgo_snapshot last;
	uint64_t last_ms;
	struct MHD_Daemon *mhd;
	struct mgo_watch *mhd_w;
	struct mgo_timer *mhd_timer;
	uint16_t port;                  /* bound */
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

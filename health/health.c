/* mgo-health as a process: arguments, sandbox, the snapshot pipe and the
 * HTTP server on the one loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "mgo/log.h"
#include "mgo/parse.h"
#include "mgo/sandbox.h"

/* A few probes and one scraper at a time; anything more is a flood. */
#define CONNECTION_LIMIT 32
#define CONNECTION_TIMEOUT_S 10

static int usage(void)
{
	fprintf(stderr, "usage: mgo-health --config FILE [--log-level debug|info|warn|error]\n"
			"       --snapshot-fd N [--notify-fd N]\n");
	return 2;
}

static void on_stop_signal(struct mgo_loop *loop, int signo, void *ctx)
{
	mgo_info("health.stopping", "%s received, stopping", strsignal(signo));
	mgo_loop_stop(loop);
}

static int enter_sandbox(struct mgo_health *h, int notify_fd)
{
	const int keep[] = {h->snapshot_fd, notify_fd, -1};
	struct mgo_sandbox_policy pol = {.role = MGO_ROLE_HEALTH, .keep_fds = keep,
					 .bind_port = (uint16_t)h->cfg.health.port};
	struct mgo_sandbox_report report;
	int rc = mgo_sandbox_apply(&pol, &report);

	if (rc == 0)
		mgo_sandbox_log_report(&report);
	return rc;
}

int mgo_health_start(struct mgo_health *h, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'l'},
		{"snapshot-fd", required_argument, NULL, 's'},
		{"notify-fd", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *config = NULL;
	int level = MGO_LOG_INFO, notify_fd = -1, c, rc;
	char err[512];

	memset(h, 0, sizeof(*h));
	h->snapshot_fd = -1;
	h->sup.fd = -1;
	mgo_log_init("health", MGO_LOG_INFO);
	while ((c = getopt_long(argc, argv, "c:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			if ((level = mgo_log_level_parse(optarg)) < 0)
				return usage();
			break;
		case 's':
			if ((h->snapshot_fd = mgo_parse_fd(optarg)) < 0)
				return usage();
			break;
		case 'n':
			if ((notify_fd = mgo_parse_fd(optarg)) < 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (!config || h->snapshot_fd < 0 || notify_fd == h->snapshot_fd || optind != argc)
		return usage();
	mgo_log_init("health", (enum mgo_log_level)level);
	/* a supervisor or a client gone away must not kill us mid-write */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		mgo_error("health.signals", "cannot ignore SIGPIPE: %s", strerror(errno));
		return 2;
	}
	if (mgo_cfg_load(config, &h->cfg, err, sizeof(err)) != 0) {
		mgo_error("config.invalid", "%s", err);
		return 2;
	}
	/* the first JSON line seeds jansson's hash from /dev/urandom, which
	 * the sandbox closes */
	mgo_log_kv(MGO_LOG_INFO, NULL, "health.starting", "{s:s, s:i}", "address",
		   h->cfg.health.address, "port", (int)h->cfg.health.port);
	if (enter_sandbox(h, notify_fd) != 0)
		return 1;
	if ((rc = mgo_loop_new(&h->loop)) ||
	    (rc = mgo_loop_add_signal(h->loop, SIGTERM, on_stop_signal, h)) ||
	    (rc = mgo_loop_add_signal(h->loop, SIGINT, on_stop_signal, h))) {
		mgo_error("health.loop", "cannot set up the event loop: %s", strerror(-rc));
		return 1;
	}
	if (notify_fd >= 0 && (rc = mgo_supervised_start(&h->sup, h->loop, notify_fd,
							 MGO_ROLE_HEALTH,
							 h->cfg.supervisor.heartbeat_ms))) {
		mgo_error("health.notify", "cannot use --notify-fd %d: %s", notify_fd,
			  strerror(-rc));
		return 1;
	}
	return 0;
}

/* ---- snapshots ---- */

static int keep_snapshot(void *ctx, struct mgo_snapshot *s)
{
	struct mgo_health *h = ctx;

	mgo_snap_free(&h->last);
	h->last = *s;
	h->last_ms = mgo_now_ms();
	return 0;
}

static void on_snapshot(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_health *h = ctx;
	uint8_t buf[65536];
	char err[256] = "";
	ssize_t n;
	int rc;

	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		mgo_info("health.supervisor_gone", "the snapshot pipe is closed; stopping");
		mgo_loop_stop(loop);
		return;
	}
	if ((rc = mgo_snap_feed(&h->reader, buf, (size_t)n, keep_snapshot, h, err, sizeof(err)))) {
		/* the writer is our supervisor: a bad frame is a bug there, and
		 * the stream is out of step; exit and be restarted */
		mgo_error("health.snapshot", "bad snapshot frame (%s): %s", strerror(-rc), err);
		h->status = 1;
		mgo_loop_stop(loop);
	}
}

/* ---- HTTP ---- */

/* MHD's own messages (bind failures, a flood of connections) as JSON lines */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	mgo_warn("health.http", "%s", msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **req_cls)
{
	struct mgo_health *h = cls;
	struct mgo_health_view v = {.last = &h->last, .last_ms = h->last_ms,
				    .interval_ms = h->cfg.supervisor.heartbeat_ms};
	struct mgo_health_reply reply;
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	/* a request body is never wanted: answer at once and let MHD discard
	 * whatever follows */
	mgo_health_answer(&v, mgo_now_ms(), method, url, &reply);
	resp = MHD_create_response_from_buffer(reply.len, (void *)reply.body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type) ==
		    MHD_YES &&
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
	    (!reply.allow || MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, reply.allow) ==
				     MHD_YES))
		ret = MHD_queue_response(conn, reply.code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* After every run: MHD says when it next needs one without I/O (timeouts,
 * connections it has data for already). */
static void mhd_rearm(struct mgo_health *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES)
		mgo_timer_start(h->mhd_timer, ms);
	else
		mgo_timer_stop(h->mhd_timer);
}

static void mhd_step(struct mgo_health *h)
{
	if (MHD_run(h->mhd) != MHD_YES)
		mgo_warn("health.http", "MHD_run failed");
	mhd_rearm(h);
}

static void on_mhd_io(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	mhd_step(ctx);
}

static void on_mhd_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	mhd_step(ctx);
}

static int start_http(struct mgo_health *h)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	const struct sockaddr *addr = (const struct sockaddr *)&a4;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	int rc;

	if (inet_pton(AF_INET, h->cfg.health.address, &a4.sin_addr) == 1) {
		a4.sin_port = htons((uint16_t)h->cfg.health.port);
	} else if (inet_pton(AF_INET6, h->cfg.health.address, &a6.sin6_addr) == 1) {
		a6.sin6_port = htons((uint16_t)h->cfg.health.port);
		addr = (const struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		return -EINVAL; /* the configuration checked it */
	}
	h->mhd = MHD_start_daemon(flags, (uint16_t)h->cfg.health.port, NULL, NULL, on_request, h,
				  /* first, or MHD prints what comes before */
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				  MHD_OPTION_SOCK_ADDR, addr,
				  MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!h->mhd)
		return -EADDRNOTAVAIL;
	if (!(info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD)))
		return -EIO;
	if ((rc = mgo_loop_add_fd(h->loop, info->epoll_fd, MGO_POLLIN, on_mhd_io, h, &h->mhd_w)) ||
	    (rc = mgo_timer_new(h->loop, on_mhd_timer, h, &h->mhd_timer)))
		return rc;
	if (!(info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT)))
		return -EIO;
	h->port = info->port;
	mhd_rearm(h);
	return 0;
}

int mgo_health_open(struct mgo_health *h)
{
	int rc;

	if (fcntl(h->snapshot_fd, F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(h->snapshot_fd, F_SETFD, FD_CLOEXEC) != 0) {
		mgo_error("health.snapshot", "cannot use --snapshot-fd %d: %s", h->snapshot_fd,
			  strerror(errno));
		return 1;
	}
	if ((rc = mgo_loop_add_fd(h->loop, h->snapshot_fd, MGO_POLLIN, on_snapshot, h,
				  &h->snapshot_w))) {
		mgo_error("health.loop", "cannot watch the snapshot pipe: %s", strerror(-rc));
		return 1;
	}
	if ((rc = start_http(h))) {
		mgo_error("health.listen", "cannot serve HTTP on %s port %u: %s",
			  h->cfg.health.address, h->cfg.health.port, strerror(-rc));
		return 1;
	}
	mgo_log_kv(MGO_LOG_INFO, NULL, "health.listening", "{s:s, s:i}", "address",
		   h->cfg.health.address, "port", (int)h->port);
	mgo_supervised_ready(&h->sup);
	return 0;
}

int mgo_health_run(struct mgo_health *h)
{
	int rc = mgo_loop_run(h->loop);

	if (rc) {
		mgo_error("health.loop", "the event loop failed: %s", strerror(-rc));
		return 1;
	}
	return h->status;
}

void mgo_health_close(struct mgo_health *h)
{
	if (h->mhd_w)
		mgo_watch_remove(h->mhd_w);
	mgo_timer_remove(h->mhd_timer);
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	if (h->snapshot_w)
		mgo_watch_remove(h->snapshot_w);
	mgo_supervised_stop(&h->sup);
	mgo_loop_free(h->loop);
	if (h->snapshot_fd >= 0)
		close(h->snapshot_fd);
	mgo_snap_reader_free(&h->reader);
	mgo_snap_free(&h->last);
	mgo_cfg_free(&h->cfg);
	memset(h, 0, sizeof(*h));
	h->snapshot_fd = -1;
}

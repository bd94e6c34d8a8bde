/* The ZAP handler (RFC 27) of a process: the REP socket at
 * inproc://zeromq.zap.01 that libzmq asks, for each CURVE handshake on a
 * bound socket, whether the client's long-term key may connect.
 *
 * Written here rather than taken from a library: the one that has it (CZMQ's
 * zauth) is not in Debian's default install with us, runs in its own thread
 * and allows by configuration files and directories of certificates, while we
 * need an allowlist of exactly one key held in memory, served from the
 * process's one event loop, and every refusal logged. RFC 27's request and
 * reply are a few frames each. */
#include "ipc_internal.h"
#include "ipc_zap.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "mgo/log.h"
#include "mgo/metrics.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
/* version, request id, domain, address, routing id, mechanism, credentials;
 * anything past this is drained and makes the request malformed */
#define ZAP_FRAMES_MAX 8
#define FIELD_MAX 64

struct mgo_ipc_zap {
	void *zctx;
	struct mgo_loop *loop;
	void *rep;
	void *monitor;          /* handshake failures of the guarded socket */
	char monitor_ep[32 + FIELD_MAX];
	char domain[FIELD_MAX];
	char peer[FIELD_MAX];
	uint8_t key[MGO_IPC_KEY_LEN];
	bool guarding;
	uint64_t denials;       /* refused requests so far */
};

/* Refused peers can come again and again (one restarting with a wrong key
 * in a crash loop, a local process probing the socket): refusals are logged
 * at the 1st, 2nd, 4th, 8th... with the running total, so the log says it
 * keeps happening without being flooded; mgo_ipc_rejected_total counts
 * every one. */
static bool log_denial(struct mgo_ipc_zap *z)
{
	z->denials++;
	return (z->denials & (z->denials - 1)) == 0;
}

static void on_request(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx);

int mgo_ipc_zap_open(void *zctx, struct mgo_loop *loop, struct mgo_ipc_zap **out)
{
	struct mgo_ipc_zap *z = calloc(1, sizeof(*z));
	int zero = 0, rc;

	if (!z)
		return -ENOMEM;
	z->zctx = zctx;
	z->loop = loop;
	z->rep = zmq_socket(zctx, ZMQ_REP);
	if (!z->rep || zmq_setsockopt(z->rep, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_bind(z->rep, ZAP_ENDPOINT) != 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = mgo_loop_add_zmq(loop, z->rep, ZMQ_POLLIN, on_request, z, NULL)))
		goto fail;
	*out = z;
	return 0;
fail:
	mgo_ipc_zap_close(z);
	return rc;
}

void mgo_ipc_zap_close(struct mgo_ipc_zap *z)
{
	if (!z)
		return;
	/* the loop's watches on these go with the loop; closing the sockets
	 * first is fine because the loop is not run again before it is freed */
	mgo_ipc__forget(z->monitor);
	mgo_ipc__forget(z->rep);
	if (z->monitor)
		zmq_close(z->monitor);
	if (z->rep)
		zmq_close(z->rep);
	explicit_bzero(z->key, sizeof(z->key));
	free(z);
}

/* Equal keys, in time that does not depend on where they differ. */
static bool same_key(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (size_t i = 0; i < MGO_IPC_KEY_LEN; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static bool frame_is(zmq_msg_t *f, const char *s)
{
	size_t n = strlen(s);
	return zmq_msg_size(f) == n && memcmp(zmq_msg_data(f), s, n) == 0;
}

/* A frame as text for a log: printable ASCII, bounded. */
static const char *frame_text(zmq_msg_t *f, char *buf, size_t len)
{
	const unsigned char *p = zmq_msg_data(f);
	size_t n = zmq_msg_size(f), i;

	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int send_frame(void *s, const void *data, size_t len, bool more)
{
	mgo_ipc__touched(s);
	return zmq_send(s, data, len, ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)) < 0 ? -errno : 0;
}

/* RFC 27 reply: version, request id, status code, status text, user id,
 * metadata. */
static void reply(struct mgo_ipc_zap *z, zmq_msg_t *request_id, const char *code,
		  const char *text, const char *user)
{
	int rc = send_frame(z->rep, "1.0", 3, true);

	if (!rc)
		rc = send_frame(z->rep, request_id ? zmq_msg_data(request_id) : "",
				request_id ? zmq_msg_size(request_id) : 0, true);
	if (!rc)
		rc = send_frame(z->rep, code, strlen(code), true);
	if (!rc)
		rc = send_frame(z->rep, text, strlen(text), true);
	if (!rc)
		rc = send_frame(z->rep, user, strlen(user), true);
	if (!rc)
		rc = send_frame(z->rep, "", 0, false);
	if (rc)
		mgo_error("ipc.zap.reply", "cannot answer a ZAP request: %s", zmq_strerror(-rc));
}

/* A refused connection, for metrics: the peer is unknown, since a key we
 * accept is by definition the expected peer's. */
static void count_denied(const char *reason)
{
	const char *labels[] = {"unknown", reason};

	mgo_metric_add(mgo_metrics_proc(), MGO_M_IPC_REJECTED, labels, 1);
}

/* Decides one request of n frames (n <= ZAP_FRAMES_MAX, or more than that
 * when `overflow`) and answers it. */
static void decide(struct mgo_ipc_zap *z, zmq_msg_t *f, size_t n, bool overflow)
{
	char domain[FIELD_MAX], mech[FIELD_MAX], tag[MGO_IPC_KEY_TAG_LEN + 1] = "";
	const char *why = NULL, *reason = NULL;

	if (n < 6 || overflow || !frame_is(&f[0], "1.0")) {
		if (log_denial(z))
			mgo_log_kv(MGO_LOG_WARN, NULL, "ipc.zap.denied", "{s:s, s:s, s:I}",
				   "expected", z->peer, "why", "malformed ZAP request", "denials",
				   (json_int_t)z->denials);
		count_denied("zap_malformed");
		reply(z, n > 1 ? &f[1] : NULL, "500", "malformed request", "");
		return;
	}
	frame_text(&f[2], domain, sizeof(domain));
	frame_text(&f[5], mech, sizeof(mech));
	if (n == 7 && zmq_msg_size(&f[6]) == MGO_IPC_KEY_LEN)
		mgo_ipc_key_tag(zmq_msg_data(&f[6]), tag);
	if (!z->guarding || strcmp(domain, z->domain) != 0)
		why = "unknown domain", reason = "zap_domain";
	else if (!frame_is(&f[5], "CURVE"))
		why = "not a CURVE client", reason = "zap_not_curve";
	else if (n != 7 || zmq_msg_size(&f[6]) != MGO_IPC_KEY_LEN)
		why = "malformed CURVE credentials", reason = "zap_malformed";
	else if (!same_key(zmq_msg_data(&f[6]), z->key))
		why = "key not allowed", reason = "zap_key";
	if (why) {
		count_denied(reason);
		if (log_denial(z))
			mgo_log_kv(MGO_LOG_WARN, NULL, "ipc.zap.denied",
				   "{s:s, s:s, s:s, s:s, s:s, s:I}", "domain", domain, "mechanism",
				   mech, "key", tag, "expected", z->peer, "why", why, "denials",
				   (json_int_t)z->denials);
		reply(z, &f[1], "400", why, "");
		return;
	}
	mgo_log_kv(MGO_LOG_INFO, NULL, "ipc.zap.allowed", "{s:s, s:s, s:s}", "domain", domain,
		   "peer", z->peer, "key", tag);
	reply(z, &f[1], "200", "OK", z->peer);
}

static void on_request(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_ipc_zap *z = ctx;

	for (;;) {
		zmq_msg_t f[ZAP_FRAMES_MAX], extra;
		size_t n = 0;
		bool more, overflow = false;

		zmq_msg_init(&f[0]);
		mgo_ipc__touched(z->rep);
		if (zmq_msg_recv(&f[0], z->rep, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&f[0]);
			return; /* EAGAIN: all answered */
		}
		more = zmq_msg_more(&f[n++]);
		/* the frames of one request arrive together (inproc delivers a
		 * multi-part message whole), so these receives do not wait */
		while (more) {
			zmq_msg_t *dst = n < ZAP_FRAMES_MAX ? &f[n] : &extra;
			zmq_msg_init(dst);
			if (zmq_msg_recv(dst, z->rep, 0) < 0) {
				zmq_msg_close(dst);
				break;
			}
			more = zmq_msg_more(dst);
			if (dst == &extra) {
				overflow = true;
				zmq_msg_close(&extra);
			} else {
				n++;
			}
		}
		decide(z, f, n, overflow);
		for (size_t i = 0; i < n; i++)
			zmq_msg_close(&f[i]);
	}
}

/* ---- failed handshakes of the guarded socket ---- */

static void on_monitor(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_ipc_zap *z = ctx;
	uint16_t ev;
	uint32_t value;

	/* refusals by key are logged by decide(); these are the handshakes
	 * that never got that far (no CURVE, or the wrong server key) */
	while (mgo_ipc_monitor_recv(zsock, &ev, &value) == 0)
		if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
			mgo_log_kv(MGO_LOG_WARN, NULL, "ipc.handshake.failed", "{s:s, s:s, s:i}",
				   "domain", z->domain, "expected", z->peer, "code", (int)value);
			count_denied("handshake");
		}
}

int mgo_ipc_zap_guard(struct mgo_ipc_zap *z, void *sock, const char *domain,
		      const uint8_t key[MGO_IPC_KEY_LEN], const char *peer)
{
	int rc;

	if (z->guarding)
		return -EBUSY;
	if (strlen(domain) >= sizeof(z->domain) || strlen(peer) >= sizeof(z->peer))
		return -EINVAL;
	snprintf(z->monitor_ep, sizeof(z->monitor_ep), "inproc://mgo-zap-monitor-%s", domain);
	if (zmq_socket_monitor(sock, z->monitor_ep,
			       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
		return -errno;
	z->monitor = zmq_socket(z->zctx, ZMQ_PAIR);
	if (!z->monitor || zmq_connect(z->monitor, z->monitor_ep) != 0)
		return -errno;
	if ((rc = mgo_loop_add_zmq(z->loop, z->monitor, ZMQ_POLLIN, on_monitor, z, NULL)))
		return rc;
	snprintf(z->domain, sizeof(z->domain), "%s", domain);
	snprintf(z->peer, sizeof(z->peer), "%s", peer);
	memcpy(z->key, key, MGO_IPC_KEY_LEN);
	z->guarding = true;
	return 0;
}

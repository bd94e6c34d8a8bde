#include "mgo/ipc_sock.h"

#include <errno.h>
#include <malloc.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "ipc_internal.h"
#include "ipc_zap.h"
#include "mgo/log.h"
#include "mgo/metrics.h"

/* A DRAFT option in libzmq 4.3's header but part of its ABI since 4.2.3;
 * Debian builds libzmq with it. Setting it fails on a library without it,
 * and the bind fails with it: never a silent fallback to no authentication. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

/* Options every link shares: no lingering on close (a restarted process
 * must not block on messages for a dead peer), bounded frames and queues. */
static int common_opts(void *s)
{
	int zero = 0, hwm = MGO_IPC_HWM;
	int64_t max = MGO_IPC_MAX_FRAME;

	if (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof(max)) ||
	    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm)) ||
	    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm)))
		return -errno;
	return 0;
}

/* CURVE server options; the ZAP handler then guards the socket. */
static int curve_server(void *s, const struct mgo_ipc_auth *auth)
{
	const struct mgo_ipc_keys *k = auth->keys;
	const char *domain = mgo_role_name(k->self);
	int one = 1;

	if (!auth->zap)
		return -EINVAL;
	if (!mgo_ipc_keys_has_peer(k, auth->peer))
		return -ENOKEY;
	if (zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) ||
	    zmq_setsockopt(s, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof(one)) ||
	    zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k->secret_key, MGO_IPC_KEY_LEN))
		return -errno;
	return mgo_ipc_zap_guard(auth->zap, s, domain, k->peer[auth->peer],
				 mgo_role_name(auth->peer));
}

static int curve_client(void *s, const struct mgo_ipc_auth *auth)
{
	const struct mgo_ipc_keys *k = auth->keys;

	if (!mgo_ipc_keys_has_peer(k, auth->peer))
		return -ENOKEY;
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, k->peer[auth->peer], MGO_IPC_KEY_LEN) ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, k->public_key, MGO_IPC_KEY_LEN) ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k->secret_key, MGO_IPC_KEY_LEN))
		return -errno;
	return 0;
}

int mgo_ipc_bind_pull(void *zctx, const char *endpoint, const struct mgo_ipc_auth *auth,
		      void **out)
{
	void *s = zmq_socket(zctx, ZMQ_PULL);
	int rc;

	if (!s)
		return -errno;
	rc = common_opts(s);
	if (!rc && auth)
		rc = curve_server(s, auth);
	if (!rc && zmq_bind(s, endpoint) != 0)
		rc = -errno;
	if (rc) {
		zmq_socket_monitor(s, NULL, 0);
		zmq_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void mgo_ipc_close_bound(void *sock, const char *endpoint)
{
	if (!sock)
		return;
	zmq_socket_monitor(sock, NULL, 0); /* the ZAP handler's, if any */
	mgo_ipc__forget(sock);
	zmq_close(sock);
	if (strncmp(endpoint, "ipc://", 6) == 0 && unlink(endpoint + 6) != 0 && errno != ENOENT)
		mgo_warn("ipc.unlink", "cannot remove %s: %s", endpoint + 6, strerror(errno));
}

int mgo_ipc_connect_push(void *zctx, const char *endpoint, const struct mgo_ipc_auth *auth,
			 void **out)
{
	void *s = zmq_socket(zctx, ZMQ_PUSH);
	int one = 1, ivl = 10, ivl_max = 200, rc;

	if (!s)
		return -errno;
	rc = common_opts(s);
	if (!rc && auth)
		rc = curve_client(s, auth);
	/* queue only to a connected peer: with none, send says EAGAIN at once
	 * instead of piling messages up for a process that may never come */
	if (!rc && zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof(one)))
		rc = -errno;
	/* The peer binds moments after we connect (the supervisor starts the
	 * validator before the launcher) or comes back after a restart: retry
	 * a missing ipc:// path every 10 ms, backing off to 200 ms, instead of
	 * libzmq's flat 100 ms, which the first MustGather after a start paid
	 * for with a whole resend interval. Retrying a local connect() is
	 * cheap. */
	if (!rc && (zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl)) ||
		    zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof(ivl_max))))
		rc = -errno;
	if (!rc && zmq_connect(s, endpoint) != 0)
		rc = -errno;
	if (rc) {
		zmq_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int mgo_ipc_send(void *sock, const struct mgo_ipc_msg *m, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = mgo_ipc_encode(m, &buf, &len, err, errlen);

	if (rc)
		return rc;
	mgo_ipc__touched(sock);
	if (zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "zmq_send: %s", zmq_strerror(-rc));
	}
	free(buf);
	return rc;
}

int mgo_ipc_recv(void *sock, struct mgo_ipc_msg *m, char *err, size_t errlen)
{
	zmq_msg_t frame;
	int more = 0, rc;
	size_t more_len = sizeof(more);

	if (zmq_msg_init(&frame) != 0)
		return -errno;
	mgo_ipc__touched(sock);
	if (zmq_msg_recv(&frame, sock, ZMQ_DONTWAIT) < 0) {
		rc = -errno;
		zmq_msg_close(&frame);
		return rc;
	}
	/* our frames are single-part; drain and refuse anything else */
	if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_len) == 0 && more) {
		while (more && zmq_msg_recv(&frame, sock, ZMQ_DONTWAIT) >= 0)
			if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_len) != 0)
				break;
		zmq_msg_close(&frame);
		if (err && errlen)
			snprintf(err, errlen, "multi-part message refused");
		return -EBADMSG;
	}
	rc = mgo_ipc_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), m, err, errlen);
	zmq_msg_close(&frame);
	return rc;
}

int mgo_ipc_monitor_recv(void *monitor, uint16_t *event, uint32_t *value)
{
	unsigned char frame[64];
	int n;

	mgo_ipc__touched(monitor);
	n = zmq_recv(monitor, frame, sizeof(frame), ZMQ_DONTWAIT);

	if (n < 0)
		return -errno;
	/* libzmq 4.x: uint16 event and uint32 value in host order, then the
	 * address in a frame of its own */
	*event = 0;
	*value = 0;
	if (n >= 6) {
		memcpy(event, frame, sizeof(*event));
		memcpy(value, frame + 2, sizeof(*value));
	}
	(void)zmq_recv(monitor, frame, sizeof(frame), ZMQ_DONTWAIT);
	return 0;
}

const char *mgo_ipc_verdict(const struct mgo_ipc_msg *m, char *buf, size_t len)
{
	static const char *const jobs[] = {"none", "active", "succeeded", "failed"};
	static const char *const phases[] = {"new", "running", "completed", "failed"};

	switch (m->type) {
	case MGO_IPC_ACT: {
		const struct mgo_act *a = &m->u.act;
		const char *kind = mgo_act_kind_name(a->kind);
		if (a->kind == MGO_ACT_ALLOWLIST_STATUS)
			snprintf(buf, len, "%s:%zu-invalid", kind, a->n_invalid_images);
		else if (a->reason)
			snprintf(buf, len, "%s:%s", kind, a->reason);
		else
			snprintf(buf, len, "%s", kind);
		break;
	}
	case MGO_IPC_OBSERVE: {
		const struct mgo_observe *o = &m->u.observe;
		if (o->subject == MGO_SUBJECT_ALLOWLIST) {
			snprintf(buf, len, "observe:allowlist,entries=%zu", o->allowlist.n_images);
			break;
		}
		snprintf(buf, len, "observe:job=%s,phase=%s",
			 (unsigned)o->job.phase < 4 ? jobs[o->job.phase] : "?",
			 (unsigned)o->mg.phase < 4 ? phases[o->mg.phase] : "?");
		break;
	}
	case MGO_IPC_HEARTBEAT:
		snprintf(buf, len, "%s", m->u.heartbeat.ready ? "ready" : "alive");
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}

/* The object a message is about: a MustGather's "ns/name", the allowlist's
 * "mustgatherimage/cluster" (no namespace can be named so), or NULL. */
static const char *mg_of(const struct mgo_ipc_msg *m, char *buf, size_t len)
{
	const char *ns = NULL, *name = NULL;

	if ((m->type == MGO_IPC_OBSERVE && m->u.observe.subject == MGO_SUBJECT_ALLOWLIST) ||
	    (m->type == MGO_IPC_ACT && m->u.act.kind == MGO_ACT_ALLOWLIST_STATUS)) {
		snprintf(buf, len, "mustgatherimage/cluster");
		return buf;
	}
	if (m->type == MGO_IPC_OBSERVE) {
		ns = m->u.observe.mg.ns;
		name = m->u.observe.mg.name;
	} else if (m->type == MGO_IPC_ACT) {
		ns = m->u.act.ns;
		name = m->u.act.name;
	}
	if (!ns || !name)
		return NULL;
	snprintf(buf, len, "%s/%s", ns, name);
	return buf;
}

void mgo_ipc_log(const char *from, const char *to, const struct mgo_ipc_msg *m,
		 const char *result)
{
	char verdict[160], mg[2 * MGO_NAME_MAX + 2];
	const char *labels[] = {from, mgo_ipc_type_name(m->type)};

	/* every receiver logs each message it decoded here, exactly once */
	mgo_metric_add(mgo_metrics_proc(), MGO_M_IPC_MESSAGES, labels, 1);
	mgo_log_kv(MGO_LOG_INFO, NULL, "ipc", "{s:s, s:s, s:s, s:I, s:s?, s:I, s:s?, s:s, s:s?}",
		   "from", from, "to", to, "type", mgo_ipc_type_name(m->type), "seq",
		   (json_int_t)m->seq, "trace", m->trace_uid, "gen", (json_int_t)m->trace_gen,
		   "mg", mg_of(m, mg, sizeof(mg)), "verdict",
		   mgo_ipc_verdict(m, verdict, sizeof(verdict)), "result", result);
}

void mgo_ipc_log_rejected(const char *from, const char *to, int rc, const char *why)
{
	const char *labels[] = {from, rc == -EMSGSIZE ? "too_large"
				      : rc == -EPROTONOSUPPORT ? "version"
				      : rc == -EBADMSG ? "malformed" : "error"};

	mgo_metric_add(mgo_metrics_proc(), MGO_M_IPC_REJECTED, labels, 1);
	mgo_log_kv(MGO_LOG_WARN, NULL, "ipc.rejected", "{s:s, s:s, s:s, s:s}", "from", from, "to",
		   to, "error", zmq_strerror(-rc), "why", why ? why : "");
}

int mgo_ipc_ctx_new(void **out)
{
	/* libzmq's I/O and reaper threads would each get a malloc arena of
	 * their own, about 64 KiB of private pages for a few small
	 * allocations (bench/REPORT.md, "Memory"); one arena is plenty at
	 * this process's rate of messages. It must precede their first
	 * malloc, hence before the context; mallopt only fails for an
	 * unknown parameter, which M_ARENA_MAX is not since glibc 2.10. */
	(void)mallopt(M_ARENA_MAX, 1);
	*out = zmq_ctx_new();
	return *out ? 0 : (errno ? -errno : -ENOMEM);
}

void mgo_ipc_ctx_term(void *zctx)
{
	if (zctx)
		zmq_ctx_term(zctx);
}

void mgo_ipc_close(void *sock)
{
	if (sock) {
		mgo_ipc__forget(sock);
		zmq_close(sock);
	}
}

const char *mgo_ipc_strerror(int errnum)
{
	return zmq_strerror(errnum < 0 ? -errnum : errnum);
}

#define HANDSHAKE_FAILED (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | \
			  ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

int mgo_ipc_monitor_open(void *zctx, void *sock, const char *name, void **out)
{
	char ep[96];
	int rc;

	*out = NULL;
	if ((size_t)snprintf(ep, sizeof(ep), "inproc://%s", name) >= sizeof(ep))
		return -ENAMETOOLONG;
	if (zmq_socket_monitor(sock, ep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED | HANDSHAKE_FAILED))
		return -errno;
	*out = zmq_socket(zctx, ZMQ_PAIR);
	if (!*out || zmq_connect(*out, ep) != 0) {
		rc = -errno;
		mgo_ipc_monitor_close(sock, *out);
		*out = NULL;
		return rc;
	}
	return 0;
}

/* The monitoring stops before its receiving end closes: libzmq's I/O thread
 * sends each event with a blocking send while holding the monitored
 * socket's monitor lock, and a PAIR with no peer blocks it for good, so
 * zmq_socket_monitor(sock, NULL) after the close waited on that lock
 * forever (the watcher hung at SIGTERM when a handshake event came in
 * between; test_supervisor caught it under load). */
void mgo_ipc_monitor_close(void *sock, void *monitor)
{
	if (sock)
		zmq_socket_monitor(sock, NULL, 0);
	if (monitor) {
		mgo_ipc__forget(monitor);
		zmq_close(monitor);
	}
}

enum mgo_ipc_handshake mgo_ipc_handshake_of(uint16_t event)
{
	if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
		return MGO_IPC_HANDSHAKE_OK;
	if (event & HANDSHAKE_FAILED)
		return MGO_IPC_HANDSHAKE_FAILED;
	return MGO_IPC_HANDSHAKE_OTHER;
}

#include "mgo/ipc_sock.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/log.h"

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

int mgo_ipc_bind_pull(void *zctx, const char *endpoint, void **out)
{
	void *s = zmq_socket(zctx, ZMQ_PULL);
	int rc;

	if (!s)
		return -errno;
	rc = common_opts(s);
	if (!rc && zmq_bind(s, endpoint) != 0)
		rc = -errno;
	if (rc) {
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
	zmq_close(sock);
	if (strncmp(endpoint, "ipc://", 6) == 0 && unlink(endpoint + 6) != 0 && errno != ENOENT)
		mgo_warn("ipc.unlink", "cannot remove %s: %s", endpoint + 6, strerror(errno));
}

int mgo_ipc_connect_push(void *zctx, const char *endpoint, void **out)
{
	void *s = zmq_socket(zctx, ZMQ_PUSH);
	int one = 1, rc;

	if (!s)
		return -errno;
	rc = common_opts(s);
	/* queue only to a connected peer: with none, send says EAGAIN at once
	 * instead of piling messages up for a process that may never come */
	if (!rc && zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof(one)))
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

const char *mgo_ipc_verdict(const struct mgo_ipc_msg *m, char *buf, size_t len)
{
	static const char *const kinds[] = {"?", "launch", "deny", "finish", "cleanup"};
	static const char *const jobs[] = {"none", "active", "succeeded", "failed"};
	static const char *const phases[] = {"new", "running", "completed", "failed"};

	switch (m->type) {
	case MGO_IPC_ACT: {
		const struct mgo_act *a = &m->u.act;
		const char *kind = (unsigned)a->kind < 5 ? kinds[a->kind] : "?";
		if (a->reason)
			snprintf(buf, len, "%s:%s", kind, a->reason);
		else
			snprintf(buf, len, "%s", kind);
		break;
	}
	case MGO_IPC_OBSERVE: {
		const struct mgo_observe *o = &m->u.observe;
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

/* The MustGather a message is about, "ns/name", or NULL. */
static const char *mg_of(const struct mgo_ipc_msg *m, char *buf, size_t len)
{
	const char *ns = NULL, *name = NULL;

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

	mgo_log_kv(MGO_LOG_INFO, NULL, "ipc", "{s:s, s:s, s:s, s:I, s:s?, s:I, s:s?, s:s, s:s?}",
		   "from", from, "to", to, "type", mgo_ipc_type_name(m->type), "seq",
		   (json_int_t)m->seq, "trace", m->trace_uid, "gen", (json_int_t)m->trace_gen,
		   "mg", mg_of(m, mg, sizeof(mg)), "verdict",
		   mgo_ipc_verdict(m, verdict, sizeof(verdict)), "result", result);
}

void mgo_ipc_log_rejected(const char *from, const char *to, int rc, const char *why)
{
	mgo_log_kv(MGO_LOG_WARN, NULL, "ipc.rejected", "{s:s, s:s, s:s, s:s}", "from", from, "to",
		   to, "error", zmq_strerror(-rc), "why", why ? why : "");
}

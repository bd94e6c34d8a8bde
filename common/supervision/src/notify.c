#include "mgo/notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mgo_notify_encode(const struct mgo_heartbeat *hb, uint64_t seq, uint8_t *buf, size_t cap,
		      size_t *len)
{
	struct mgo_ipc_msg m = {.version = MGO_IPC_VERSION, .type = MGO_IPC_HEARTBEAT, .seq = seq,
				.u.heartbeat = *hb};
	char *frame = NULL;
	size_t n = 0;
	int rc;

	if (cap < MGO_NOTIFY_WIRE_MAX)
		return -ENOSPC;
	rc = mgo_ipc_encode(&m, &frame, &n, NULL, 0);
	if (rc)
		return rc;
	if (n > MGO_NOTIFY_FRAME_MAX) {
		free(frame);
		return -EMSGSIZE;
	}
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	memcpy(buf + 4, frame, n);
	*len = 4 + n;
	free(frame);
	return 0;
}

int mgo_notify_encode_metrics(const struct mgo_metrics *m, size_t *next, uint8_t *buf,
			      size_t cap, size_t *len)
{
	size_t n = 0;
	int rc;

	if (cap < PIPE_BUF)
		return -ENOSPC;
	if ((rc = mgo_metrics_encode(m, next, buf + 4, MGO_NOTIFY_METRICS_MAX, &n)))
		return rc;
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	*len = 4 + n;
	return 0;
}

static int drop_series(void *ctx, const struct mgo_metric_series *s)
{
	return 0;
}

/* Decodes one complete frame of the reader's buffer. */
static int deliver(const uint8_t *frame, size_t n, const struct mgo_notify_handlers *h,
		   char *err, size_t errlen)
{
	struct mgo_ipc_msg m;
	char why[192];
	int rc;

	if (mgo_metrics_is_frame(frame, n))
		return mgo_metrics_decode(frame, n, h->metrics ? h->metrics : drop_series, h->ctx,
					  err, errlen);
	if (n > MGO_NOTIFY_FRAME_MAX) {
		snprintf(err, errlen, "heartbeat frame length %zu out of range", n);
		return -EMSGSIZE;
	}
	rc = mgo_ipc_decode(frame, n, &m, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "undecodable frame: %s", why);
		return rc;
	}
	if (m.type != MGO_IPC_HEARTBEAT) {
		snprintf(err, errlen, "a %s where a heartbeat belongs", mgo_ipc_type_name(m.type));
		mgo_ipc_msg_free(&m);
		return -EBADMSG;
	}
	rc = h->beat(h->ctx, &m.u.heartbeat);
	mgo_ipc_msg_free(&m);
	return rc;
}

static size_t frame_len(const uint8_t *b)
{
	return (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
}

int mgo_notify_read(struct mgo_notify_reader *r, const void *data, size_t n,
		    const struct mgo_notify_handlers *h, char *err, size_t errlen)
{
	const uint8_t *p = data;
	char scratch[8];
	int rc;

	if (!err || !errlen) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	/* the length, then exactly that many bytes: the buffer holds at most
	 * one frame and never grows */
	while (n > 0) {
		size_t want = r->len < 4 ? 4 : 4 + frame_len(r->buf);
		size_t take = want - r->len < n ? want - r->len : n;

		memcpy(r->buf + r->len, p, take);
		r->len += take;
		p += take;
		n -= take;
		if (want == 4 && r->len == 4) {
			size_t f = frame_len(r->buf);
			if (f == 0 || f > MGO_NOTIFY_METRICS_MAX) {
				snprintf(err, errlen, "frame length %zu out of range", f);
				return -EMSGSIZE;
			}
		} else if (r->len == want) {
			r->len = 0;
			if ((rc = deliver(r->buf + 4, want - 4, h, err, errlen)))
				return rc;
		}
	}
	return 0;
}

int mgo_notify_feed(struct mgo_notify_reader *r, const void *data, size_t n, mgo_notify_fn fn,
		    void *ctx, char *err, size_t errlen)
{
	const struct mgo_notify_handlers h = {.beat = fn, .ctx = ctx};

	return mgo_notify_read(r, data, n, &h, err, errlen);
}

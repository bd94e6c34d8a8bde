/* The two decoders the supervisor and its children run on each other's
 * bytes: the notification stream (the supervisor reads what a possibly
 * compromised child writes) and the key bundle (a child reads what came on
 * its inherited pipe). The first byte picks the decoder and, for the stream,
 * where to cut it. Beyond "no crash": the stream decodes the same whole or
 * byte by byte, its buffer stays within one frame, every heartbeat and
 * metric series it delivers is within the schema, and every accepted metric
 * frame re-encodes to a frame the decoder takes again; a bundle accepted re-encodes to the same
 * bytes, and one refused leaves no key behind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/ipc_keys.h"
#include "mgo/notify.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_notify: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static int count(void *ctx, const struct mgo_heartbeat *hb)
{
	CHECK(hb->role >= MGO_ROLE_SUPERVISOR && hb->role < MGO_ROLE_N); /* a named role */
	CHECK(hb->pid > 0);
	(*(size_t *)ctx)++;
	return 0;
}

static int same_series(void *ctx, const struct mgo_metric_series *s)
{
	const struct mgo_metric_series *want = ctx;

	CHECK(s->family == want->family && s->nlabels == want->nlabels);
	CHECK(s->value == want->value && s->count == want->count && s->sum == want->sum);
	return 0;
}

static int series(void *ctx, const struct mgo_metric_series *s)
{
	const struct mgo_metric_def *def;
	struct mgo_metrics *one = calloc(1, sizeof(*one));
	uint8_t frame[PIPE_BUF];
	size_t next = 0, len = 0;
	uint64_t total = 0;

	CHECK(one);
	CHECK((unsigned)s->family < MGO_M_FAMILIES);
	def = &mgo_metric_defs[s->family];
	CHECK(s->nlabels == def->nlabels);
	for (unsigned i = 0; i < s->nlabels; i++)
		CHECK(mgo_metric_label_ok(s->labels[i], strlen(s->labels[i])));
	CHECK(def->kind != MGO_METRIC_COUNTER || s->value >= 0);
	for (unsigned b = 0; b < MGO_METRIC_BUCKETS; b++)
		total += s->buckets[b];
	CHECK(total <= s->count);
	CHECK(mgo_metrics_put(one, s) == 0);
	CHECK(mgo_metrics_encode(one, &next, frame, sizeof(frame), &len) == 0);
	CHECK(mgo_metrics_decode(frame, len, same_series, (void *)s, NULL, 0) == 0);
	free(one);
	(*(size_t *)ctx)++;
	return 0;
}

static int feed(struct mgo_notify_reader *r, const uint8_t *data, size_t n, size_t *seen,
		char *err, size_t errlen)
{
	const struct mgo_notify_handlers h = {.beat = count, .metrics = series, .ctx = seen};

	return mgo_notify_read(r, data, n, &h, err, errlen);
}

static void stream(const uint8_t *data, size_t size, size_t cut)
{
	struct mgo_notify_reader whole = {0}, bytes = {0};
	size_t n_whole = 0, n_bytes = 0;
	char err[256] = "";
	int rc_whole, rc_bytes = 0;

	cut = size ? cut % (size + 1) : 0;
	rc_whole = feed(&whole, data, cut, &n_whole, err, sizeof(err));
	if (rc_whole == 0)
		rc_whole = feed(&whole, data + cut, size - cut, &n_whole, err, sizeof(err));
	CHECK(strlen(err) < sizeof(err));
	CHECK(rc_whole != 0 || err[0] == '\0');
	CHECK(whole.len < sizeof(whole.buf));
	for (size_t i = 0; i < size && rc_bytes == 0; i++)
		rc_bytes = feed(&bytes, data + i, 1, &n_bytes, NULL, 0);
	CHECK(rc_bytes == rc_whole);
	CHECK(n_bytes == n_whole);
	CHECK(rc_whole != 0 || bytes.len == whole.len);
}

static bool zeroed(const struct mgo_ipc_keys *k)
{
	const uint8_t *p = (const uint8_t *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		if (p[i])
			return false;
	return true;
}

static void bundle(const uint8_t *data, size_t size, unsigned pick)
{
	enum mgo_role role = (enum mgo_role)(MGO_ROLE_WATCHER + pick % 3);
	struct mgo_ipc_keys k;
	uint8_t again[MGO_IPC_BUNDLE_MAX];
	size_t len = 0;
	char err[128] = "";

	if (mgo_ipc_bundle_decode(data, size, role, &k, err, sizeof(err)) != 0) {
		CHECK(zeroed(&k));
		CHECK(err[0] != '\0');
		return;
	}
	CHECK(k.self == role);
	CHECK(mgo_ipc_bundle_encode(&k, again, sizeof(again), &len) == 0);
	CHECK(len == size && memcmp(again, data, size) == 0);
	mgo_ipc_keys_wipe(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		bundle(data + 1, size - 1, data[0] >> 1);
	else
		stream(data + 1, size - 1, data[0] >> 1);
	return 0;
}

/* The snapshot stream mgo-health reads from the supervisor (mgo/snapshot.h):
 * the first byte says where to cut the stream. Beyond "no crash": the
 * stream decodes the same whole or byte by byte, nothing is held between
 * frames, and every snapshot delivered re-encodes and decodes to itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/snapshot.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_snapshot: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static int check(void *ctx, struct mgo_snapshot *s)
{
	struct mgo_snapshot again;
	uint8_t *frame = NULL;
	size_t len = 0;

	CHECK(s->health_why && s->ready_why && s->metrics);
	CHECK(strlen(s->health_why) <= MGO_SNAP_WHY_MAX && strlen(s->ready_why) <= MGO_SNAP_WHY_MAX);
	CHECK(mgo_snap_encode(s, &frame, &len) == 0);
	CHECK(mgo_snap_decode(frame + 4, len - 4, &again, NULL, 0) == 0);
	CHECK(again.seq == s->seq && again.healthy == s->healthy && again.ready == s->ready);
	CHECK(strcmp(again.metrics, s->metrics) == 0 && strcmp(again.ready_why, s->ready_why) == 0 &&
	      strcmp(again.health_why, s->health_why) == 0);
	mgo_snap_free(&again);
	mgo_snap_free(s);
	free(frame);
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgo_snap_reader whole = {0}, bytes = {0};
	size_t n_whole = 0, n_bytes = 0, cut;
	char err[256] = "";
	int rc_whole, rc_bytes = 0;

	if (size < 1)
		return 0;
	cut = data[0] % size;
	data++;
	size--;
	rc_whole = mgo_snap_feed(&whole, data, cut, check, &n_whole, err, sizeof(err));
	if (rc_whole == 0)
		rc_whole = mgo_snap_feed(&whole, data + cut, size - cut, check, &n_whole, err,
					 sizeof(err));
	CHECK(strlen(err) < sizeof(err));
	for (size_t i = 0; i < size && rc_bytes == 0; i++)
		rc_bytes = mgo_snap_feed(&bytes, data + i, 1, check, &n_bytes, NULL, 0);
	CHECK(rc_bytes == rc_whole);
	CHECK(n_bytes == n_whole);
	CHECK(rc_whole != 0 || (whole.head_len == bytes.head_len &&
				whole.body_have == bytes.body_have));
	mgo_snap_reader_free(&whole);
	mgo_snap_reader_free(&bytes);
	return 0;
}

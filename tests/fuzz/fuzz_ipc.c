/* libFuzzer target: the IPC decoder on arbitrary bytes. Whatever it accepts
 * must re-encode, decode again, and re-encode to the same bytes: encoder and
 * decoder agree on every input the fuzzer finds, and the encoding is canonical. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_ipc: %s: %s\n", what, err);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgo_ipc_msg m, again;
	char err[512], *buf, *buf2;
	size_t len, len2;

	if (mgo_ipc_decode(data, size, &m, err, sizeof(err)) != 0)
		return 0;
	if (mgo_ipc_encode(&m, &buf, &len, err, sizeof(err)) != 0)
		fail("decoded message does not encode", err);
	if (mgo_ipc_decode(buf, len, &again, err, sizeof(err)) != 0)
		fail("encoded frame does not decode", err);
	if (mgo_ipc_encode(&again, &buf2, &len2, err, sizeof(err)) != 0)
		fail("second encode failed", err);
	if (len != len2 || memcmp(buf, buf2, len) != 0)
		fail("round trip changed the message", "frames differ");
	free(buf2);
	free(buf);
	mgo_ipc_msg_free(&again);
	mgo_ipc_msg_free(&m);
	return 0;
}

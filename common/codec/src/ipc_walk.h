/* Structural pre-check of a msgpack frame (internal to libmgo-common).
 *
 * msgpack-c 4.0 allocates for declared container sizes before it has seen the
 * elements, so a 6-byte frame can make it ask for gigabytes. This walker reads
 * only the headers of the raw bytes, allocates nothing, and accepts a frame
 * only when every declared length fits in the bytes that remain and within the
 * MGO_IPC_MAX_* limits, map keys are short strings, only the types the schema
 * uses appear (nil, bool, int, str, array, map) and exactly one object fills
 * the frame. After that, msgpack_unpack's allocations are bounded by the frame
 * size. It is hand-written because msgpack-c has no validating mode. */
#ifndef MGO_IPC_WALK_H
#define MGO_IPC_WALK_H

#include <stddef.h>

/* Returns 0 or -EBADMSG / -EMSGSIZE with err naming the field path. */
int mgo_ipc_walk(const void *buf, size_t len, char *err, size_t errlen);

#endif

/* The IPC message codec: the one wire format every process speaks.
 *
 * A frame is one msgpack map with string keys:
 *   v      uint   schema version, MGO_IPC_VERSION
 *   type   str    "observe" | "act" | "heartbeat"
 *   seq    uint   sender's sequence number
 *   trace  map    {uid: str, gen: int}: the MustGather's UID and generation;
 *                 required for observe and act, absent for heartbeat
 *   body   map    the struct of the type; its keys are the C member names
 *                 (body.mg.spec.image, body.intent.sftp_host, ...), enums are
 *                 lower-case strings ("launch", "running", "present").
 * Strings left NULL and other fields at their default (false, 0, enum 0, an
 * exit code of -1) are left out; the decoder restores the default.
 *
 * The decoder is strict because the version is how the schema grows: unknown
 * or duplicate keys, wrong value types, out-of-range values, strings with NUL
 * bytes, over-limit sizes, trailing bytes and act kinds carrying the wrong
 * fields are all errors, each named by its field path. The encoder checks the
 * same rules, so it never produces a frame the decoder would reject. */
#ifndef MGO_IPC_H
#define MGO_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "mgo/role.h"
#include "mgo/types.h"

#define MGO_IPC_VERSION 1
/* Room for the largest Observe the CRDs admit: an allowlist of 1024 entries
 * of at most 600 bytes each (a maximal reference, name:tag@sha512, is 520),
 * plus the MustGather. */
#define MGO_IPC_MAX_FRAME (1024 * 1024)
/* Structural limits checked on the raw bytes before anything is allocated.
 * They are generous next to the schema (at most 5 levels, 17 keys per map),
 * which then applies each field's own bound. */
#define MGO_IPC_MAX_DEPTH 8
#define MGO_IPC_MAX_MAP 32
#define MGO_IPC_MAX_KEY 32
#define MGO_IPC_MAX_OBJECTS (4 * MGO_ALLOWLIST_MAX)

enum mgo_ipc_type {
	MGO_IPC_OBSERVE = 1,
	MGO_IPC_ACT,
	MGO_IPC_HEARTBEAT,
};


/* child -> supervisor: "I am alive", and whether the child is ready to work. */
struct mgo_heartbeat {
	enum mgo_role role;
	int32_t pid;            /* > 0 */
	bool ready;
	bool leading;           /* the launcher holds the leader Lease */
	uint64_t mono_ms;       /* sender's CLOCK_MONOTONIC in ms */
};

struct mgo_ipc_msg {
	uint32_t version;       /* must be MGO_IPC_VERSION to encode */
	enum mgo_ipc_type type;
	uint64_t seq;
	char *trace_uid;        /* owned; NULL for heartbeats */
	int64_t trace_gen;
	union {
		struct mgo_observe observe;
		struct mgo_act act;
		struct mgo_heartbeat heartbeat;
	} u;
};

/* Encodes m into a new buffer. On success *out (owned by the caller, free())
 * holds *outlen bytes. Returns -EBADMSG when m breaks the schema (err names
 * the field), -EMSGSIZE when the frame would exceed MGO_IPC_MAX_FRAME,
 * -ENOMEM. On failure *out is NULL. err may be NULL. */
int mgo_ipc_encode(const struct mgo_ipc_msg *m, char **out, size_t *outlen,
		   char *err, size_t errlen);

/* Decodes one frame of untrusted bytes into *out (which need not be
 * initialised). On success the caller owns *out and releases it with
 * mgo_ipc_msg_free(). On failure *out is zeroed and err says why, naming the
 * field: -EMSGSIZE (frame too large), -EPROTONOSUPPORT (another schema
 * version), -EBADMSG (malformed), -ENOMEM. err may be NULL. */
int mgo_ipc_decode(const void *buf, size_t len, struct mgo_ipc_msg *out,
		   char *err, size_t errlen);

/* Frees what m owns and zeroes it; NULL and zeroed messages are fine. */
void mgo_ipc_msg_free(struct mgo_ipc_msg *m);

/* Wire names, for logs and metrics: "observe", "act", "heartbeat";
 * "watcher", ...; "launch", "deny", ...; "invalid" for values outside the
 * enums. */
const char *mgo_ipc_type_name(enum mgo_ipc_type t);
const char *mgo_act_kind_name(enum mgo_act_kind k);

#endif

/* CURVE keys of the operator's processes, and the bundle in which the
 * supervisor hands a child its own keys over an inherited pipe.
 *
 * A child learns exactly its own secret key and the public keys of the peers
 * it talks to, nothing else (DESIGN §3): the watcher and the launcher the
 * validator's, the validator both of theirs. The bundle is binary and of one
 * exact size per peer set, so its decoder has nothing to bound but a length:
 *
 *   0  "MGOK"                 magic
 *   4  1                      version
 *   5  role                   the reader's enum mgo_role
 *   6  peers                  bit (1 << role) per public key that follows
 *   7  0                      reserved
 *   8  secret key (32 bytes)
 *   40 public keys (32 bytes each), in ascending role order
 *
 * Keys live in memory only; whoever holds a struct mgo_ipc_keys wipes it
 * with mgo_ipc_keys_wipe before letting it go. */
#ifndef MGO_IPC_KEYS_H
#define MGO_IPC_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/ipc.h"

#define MGO_IPC_KEY_LEN 32
#define MGO_IPC_BUNDLE_MAX (8 + MGO_IPC_KEY_LEN + 3 * MGO_IPC_KEY_LEN)
/* Z85 characters of a key shown in logs: enough to tell keys apart. */
#define MGO_IPC_KEY_TAG_LEN 10

struct mgo_ipc_keys {
	enum mgo_role self;
	uint8_t public_key[MGO_IPC_KEY_LEN];
	uint8_t secret_key[MGO_IPC_KEY_LEN];
	uint8_t peer[MGO_IPC_ROLE_MAX + 1][MGO_IPC_KEY_LEN]; /* public keys by role */
	unsigned peers;                                       /* bit (1u << role) per peer[] set */
};

/* A fresh CURVE keypair from libzmq (libsodium's generator). Returns 0 or a
 * negative errno (-ENOTSUP: libzmq built without CURVE). */
int mgo_ipc_keypair(uint8_t public_key[MGO_IPC_KEY_LEN], uint8_t secret_key[MGO_IPC_KEY_LEN]);

/* Whether k holds the public key of role. */
bool mgo_ipc_keys_has_peer(const struct mgo_ipc_keys *k, enum mgo_role role);

/* Writes the bundle for k->self: its secret key and the peer keys of
 * k->peers. *len is the bundle's size (at most MGO_IPC_BUNDLE_MAX). Returns 0,
 * -EINVAL for roles outside the operator's processes (or a peer that is
 * self), -ENOSPC when cap is too small. */
int mgo_ipc_bundle_encode(const struct mgo_ipc_keys *k, uint8_t *buf, size_t cap, size_t *len);

/* Decodes a bundle of untrusted bytes meant for role `expect`, deriving the
 * public key from the secret. On success *out holds the keys (wipe them
 * after use); on failure *out is zeroed, err says why and -EBADMSG (or
 * -EPROTONOSUPPORT for another version) is returned. */
int mgo_ipc_bundle_decode(const uint8_t *buf, size_t len, enum mgo_role expect,
			  struct mgo_ipc_keys *out, char *err, size_t errlen);

/* Zeroes k in a way the compiler cannot drop. NULL is fine. */
/* Reads the key bundle  meant for role `self` from fd until
 * end of file, then closes fd whatever happens. fd must be a pipe: keys never
 * come from a file. Every copy of the bytes is wiped. Returns 0 with *out
 * filled (the caller wipes it), or a negative errno with err set. */
int mgo_ipc_keys_read_fd(int fd, enum mgo_role self, struct mgo_ipc_keys *out, char *err,
			     size_t errlen);

/* Wipes k. */
void mgo_ipc_keys_wipe(struct mgo_ipc_keys *k);

/* The first MGO_IPC_KEY_TAG_LEN characters of key's Z85 text, NUL-ended in
 * out: how logs name a public key. */
void mgo_ipc_key_tag(const uint8_t key[MGO_IPC_KEY_LEN], char out[MGO_IPC_KEY_TAG_LEN + 1]);

#endif

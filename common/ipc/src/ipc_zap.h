/* Between ipc_sock.c and ipc_zap.c: how a bound socket is put under the
 * process's ZAP handler. */
#ifndef MGO_IPC_ZAP_INTERNAL_H
#define MGO_IPC_ZAP_INTERNAL_H

#include "mgo/ipc_sock.h"

/* Makes z answer for `domain` (the ZAP domain set on sock), accepting only
 * the CURVE client whose public key is `key` and calling it `peer` in logs,
 * and logs sock's failed handshakes. One domain per handler: -EBUSY for a
 * second. Negative errno. */
int mgo_ipc_zap_guard(struct mgo_ipc_zap *z, void *sock, const char *domain,
		      const uint8_t key[MGO_IPC_KEY_LEN], const char *peer);

#endif

/* The ZeroMQ links of the pipeline: watcher -> validator -> launcher, each a
 * PUSH socket connected to the next process's bound PULL socket over ipc://.
 *
 * Nothing here waits: sends and receives are non-blocking, and a message
 * that cannot be sent now is dropped with -EAGAIN, because the pipeline is
 * level-triggered (the watcher re-sends whatever has not moved on). Frames
 * are bounded by ZMQ_MAXMSGSIZE before libzmq allocates them, and decoded by
 * the bounded codec of mgo/ipc.h. */
#ifndef MGO_IPC_SOCK_H
#define MGO_IPC_SOCK_H

#include <stddef.h>

#include "mgo/ipc.h"

/* High-water mark of every link: enough for a burst of thousands of
 * MustGathers, small enough that a stuck peer costs little memory. */
#define MGO_IPC_HWM 10000

/* Opens the receiving end, bound at `endpoint` ("ipc:///run/mgo/launcher").
 * On success *out is a socket the caller closes with zmq_close. Negative
 * errno on failure. */
int mgo_ipc_bind_pull(void *zctx, const char *endpoint, void **out);

/* Closes a socket opened by mgo_ipc_bind_pull and removes its socket file,
 * which libzmq (4.3) leaves behind. NULL sock is fine. */
void mgo_ipc_close_bound(void *sock, const char *endpoint);

/* Opens the sending end, connected to `endpoint`; connection happens in the
 * background, so this succeeds before the peer exists. */
int mgo_ipc_connect_push(void *zctx, const char *endpoint, void **out);

/* Encodes and sends m without blocking. Returns 0, -EAGAIN when the peer is
 * absent or full (the message is dropped), or the encoder's error. */
int mgo_ipc_send(void *sock, const struct mgo_ipc_msg *m, char *err, size_t errlen);

/* Receives and decodes one frame without blocking. Returns 0 with *m owned by
 * the caller (mgo_ipc_msg_free), -EAGAIN when nothing is waiting, or the
 * decoder's error with err set (the bad frame is consumed and gone). */
int mgo_ipc_recv(void *sock, struct mgo_ipc_msg *m, char *err, size_t errlen);

/* Writes the IPC log line for a message that crossed a process boundary:
 * event "ipc", with from, to, type, seq, trace (uid/gen), mg (ns/name), the
 * verdict the message carries and what the receiver did with it (`result`,
 * may be NULL). mgoctl ipc reads these lines back. */
void mgo_ipc_log(const char *from, const char *to, const struct mgo_ipc_msg *m,
		 const char *result);

/* Writes the IPC log line for a frame that could not be decoded. */
void mgo_ipc_log_rejected(const char *from, const char *to, int rc, const char *why);

/* A short verdict for logs: "launch", "deny:InvalidImage", "finish:Completed",
 * "observe:job=active,phase=running"; written into buf. */
const char *mgo_ipc_verdict(const struct mgo_ipc_msg *m, char *buf, size_t len);

#endif

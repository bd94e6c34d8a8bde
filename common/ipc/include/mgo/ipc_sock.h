/* The ZeroMQ links of the pipeline: watcher -> validator -> launcher, each a
 * PUSH socket connected to the next process's bound PULL socket over ipc://.
 *
 * Nothing here waits: sends and receives are non-blocking, and a message
 * that cannot be sent now is dropped with -EAGAIN, because the pipeline is
 * level-triggered (the watcher re-sends whatever has not moved on). Frames
 * are bounded by ZMQ_MAXMSGSIZE before libzmq allocates them, and decoded by
 * the bounded codec of mgo/ipc.h.
 *
 * Links are authenticated with CURVE (DESIGN §3): a bound socket is a CURVE
 * server whose process's ZAP handler accepts exactly one client key, the
 * expected peer's; a connecting socket knows the server's key, so it talks to
 * the expected peer or to nobody. ZMQ_ZAP_ENFORCE_DOMAIN makes the bound side
 * fail closed: without a ZAP handler answering, libzmq would let any CURVE
 * client in. */
#ifndef MGO_IPC_SOCK_H
#define MGO_IPC_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "mgo/ipc.h"
#include "mgo/ipc_keys.h"
#include "mgo/loop.h"

/* High-water mark of every link: enough for a burst of thousands of
 * MustGathers, small enough that a stuck peer costs little memory. */
#define MGO_IPC_HWM 10000

/* Watches a ZeroMQ socket on the process's loop (mgo/loop.h); for a
 * ZeroMQ socket the callback's fd is -1 and zsock the socket. */
int mgo_loop_add_zmq(struct mgo_loop *loop, void *zsock, short events, mgo_io_fn fn,
		     void *ctx, struct mgo_watch **out);

/* A process's ZAP handler (RFC 27), served by its loop: one per ZeroMQ
 * context, opened before the first authenticated bind and closed (after
 * the sockets it guards) before the context is terminated. Negative errno;
 * -EADDRINUSE when the context has one already. */
struct mgo_ipc_zap;
int mgo_ipc_zap_open(void *zctx, struct mgo_loop *loop, struct mgo_ipc_zap **out);
void mgo_ipc_zap_close(struct mgo_ipc_zap *z);

/* How one end of a link authenticates. A NULL auth means not at all: plain
 * sockets, for --insecure-ipc and for tests that say so. */
struct mgo_ipc_auth {
	const struct mgo_ipc_keys *keys;        /* this process's keys (borrowed) */
	enum mgo_role peer;                     /* the process at the other end */
	struct mgo_ipc_zap *zap;                /* binding only: the process's handler */
};

/* Opens the receiving end, bound at `endpoint` ("ipc:///run/mgo/launcher").
 * With auth it is a CURVE server with auth->keys' secret key whose ZAP
 * handler, auth->zap, accepts only auth->peer's public key (a handler guards
 * one socket: -EBUSY for a second). On success *out is a socket the caller
 * closes with mgo_ipc_close_bound. Negative errno on failure (-ENOKEY when
 * the keys lack the peer's). */
int mgo_ipc_bind_pull(void *zctx, const char *endpoint, const struct mgo_ipc_auth *auth,
		      void **out);

/* Closes a socket opened by mgo_ipc_bind_pull and removes its socket file,
 * which libzmq (4.3) leaves behind. NULL sock is fine. */
void mgo_ipc_close_bound(void *sock, const char *endpoint);

/* Opens the sending end, connected to `endpoint`; connection happens in the
 * background, so this succeeds before the peer exists. With auth it is a
 * CURVE client with auth->keys' pair that accepts only a server holding
 * auth->peer's key (auth->zap is not used). */
int mgo_ipc_connect_push(void *zctx, const char *endpoint, const struct mgo_ipc_auth *auth,
			 void **out);

/* Encodes and sends m without blocking. Returns 0, -EAGAIN when the peer is
 * absent or full (the message is dropped), or the encoder's error. */
int mgo_ipc_send(void *sock, const struct mgo_ipc_msg *m, char *err, size_t errlen);

/* Receives and decodes one frame without blocking. Returns 0 with *m owned by
 * the caller (mgo_ipc_msg_free), -EAGAIN when nothing is waiting, or the
 * decoder's error with err set (the bad frame is consumed and gone). */
int mgo_ipc_recv(void *sock, struct mgo_ipc_msg *m, char *err, size_t errlen);

/* Reads one event from a zmq_socket_monitor PAIR without blocking: 0 with
 * *event (ZMQ_EVENT_*) and *value set, or -EAGAIN when none is waiting. The
 * event's second frame (the peer's address) is consumed and dropped. */
/* The ZeroMQ context of a process (one per process); negative errno. */
int mgo_ipc_ctx_new(void **out);
void mgo_ipc_ctx_term(void *zctx);

/* Closes a socket that is not a bound one (NULL is fine). */
void mgo_ipc_close(void *sock);

/* libzmq's message for an errno value (either sign): it knows its own. */
const char *mgo_ipc_strerror(int errnum);

/* Handshake events of a connecting socket, read with mgo_ipc_monitor_recv:
 * a completed CURVE handshake, or one refused (wrong key, protocol). */
enum mgo_ipc_handshake { MGO_IPC_HANDSHAKE_OTHER, MGO_IPC_HANDSHAKE_OK, MGO_IPC_HANDSHAKE_FAILED };
/* Starts reporting sock's handshakes on a new PAIR socket (*out), named
 * inproc://<name>. Close it with mgo_ipc_monitor_close. Negative errno. */
int mgo_ipc_monitor_open(void *zctx, void *sock, const char *name, void **out);
void mgo_ipc_monitor_close(void *sock, void *monitor);
/* What a monitor's event means. */
enum mgo_ipc_handshake mgo_ipc_handshake_of(uint16_t event);

int mgo_ipc_monitor_recv(void *monitor, uint16_t *event, uint32_t *value);

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

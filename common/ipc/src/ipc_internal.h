/* Within the IPC library only. */
#ifndef MGO_IPC_INTERNAL_H
#define MGO_IPC_INTERNAL_H

/* Says that this library is about to send or receive on ZeroMQ socket
 * sock: the loop's poller asks it for its events again at its next turn
 * (loop_zmq.c). Every call that can change a socket's events without a
 * command from libzmq's I/O thread must come with it. */
void mgo_ipc__touched(void *sock);
/* Before sock is closed: its address may come back as another socket's. */
void mgo_ipc__forget(void *sock);

#endif

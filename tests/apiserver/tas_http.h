/* The HTTP(S) front: libmicrohttpd in thread-per-connection mode. A thread
 * per connection lets a watch block on the store's condition variable while
 * it waits for events, with no event loop of our own; a test server has
 * few connections, so the threads cost nothing that matters. */
#ifndef TAS_HTTP_H
#define TAS_HTTP_H

#include <stddef.h>

#include "tas_server.h"

/* Binds host:port (port 0: any free one) and starts serving; s->port is
 * set to the bound port. 0, or -errno with err filled. */
int tas_http_start(struct tas_server *s, char *err, size_t errlen);
/* Stops accepting, ends open watches and joins every connection thread. */
void tas_http_stop(struct tas_server *s);

#endif

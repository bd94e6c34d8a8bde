/* One server's life: build its state from the configuration, serve, stop. */
#ifndef TAS_INSTANCE_H
#define TAS_INSTANCE_H

#include <stddef.h>

#include "tas_server.h"

/* Store, kinds, tokens (the file's plus a fresh admin token), PKI, audit
 * log, bootstrap objects and --load manifests. 0 or -errno with err; free
 * with tas_server_free() in any case. */
int tas_server_init(struct tas_server *s, const struct tas_config *cfg, char *err,
		    size_t errlen);
/* Starts serving and writes --kubeconfig-out and --ca-out; url gets the
 * address clients use. 0 or -errno with err. */
int tas_server_start(struct tas_server *s, char *url, size_t urllen, char *err,
		     size_t errlen);
void tas_server_stop(struct tas_server *s);
void tas_server_free(struct tas_server *s);

#endif

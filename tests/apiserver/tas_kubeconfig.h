/* The files a test reads to reach the server: an admin kubeconfig (CA data
 * embedded, bearer token in system:masters) and the CA certificate. Both
 * are written to a temporary name with mode 0600, then renamed, so a
 * reader never sees half a file. */
#ifndef TAS_KUBECONFIG_H
#define TAS_KUBECONFIG_H

#include <stddef.h>

#include "tas_server.h"

int tas_write_kubeconfig(const struct tas_server *s, const char *path, char *err,
			 size_t errlen);
int tas_write_ca(const struct tas_server *s, const char *path, char *err, size_t errlen);

#endif

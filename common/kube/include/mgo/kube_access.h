/* What a process that talks to the API server holds, and what its sandbox
 * must still let it reach: its role's credentials, read before the sandbox
 * (the CA and a kubeconfig's files are read once and could not be opened
 * afterwards, nor could OpenSSL's configuration by curl_global_init), the
 * paths it reads later (the token's directory, the trust store) and the TCP
 * ports it connects to. Only the watcher's and launcher's main() use it. */
#ifndef MGO_KUBE_ACCESS_H
#define MGO_KUBE_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "mgo/config.h"
#include "mgo/kubecreds.h"
#include "mgo/role.h"

/* Room for the API server's port, one port per proxy variable, and 0. */
#define MGO_KUBE_PORTS_MAX 8

/* Fills out with the TCP ports an API client of `server` may connect to,
 * then 0: the server's (its URL's, or its scheme's default) and the port of
 * the proxy in each of https_proxy, HTTPS_PROXY, http_proxy, all_proxy and
 * ALL_PROXY (libcurl reads them, and no_proxy decides per host, so all
 * count). No port 53: names are resolved before the sandbox (below).
 * Returns how many, or -EINVAL with err naming what it could not parse:
 * never a value, as a proxy URL may hold a password. */
int mgo_kube_connect_ports(const char *server, uint16_t out[MGO_KUBE_PORTS_MAX],
			   char *err, size_t errlen);

/* Resolves, now, the host of `server` and of each proxy variable above
 * that is a name and not an address, and returns them in *out as a
 * NULL-ended array of "host:port:address[,address...]" entries for
 * libcurl's CURLOPT_RESOLVE (malloc'd; free with mgo_kube_pins_free; NULL
 * when there is no name to resolve). The sandbox then refuses the datagram
 * sockets a resolver needs (mgo/sandbox.h): a name is resolved once per
 * process start (docs/permissions.md). 0, -EINVAL with err set as above, or
 * -EHOSTUNREACH with err naming the host that did not resolve. */
int mgo_kube_pin_names(const char *server, char ***out, char *err, size_t errlen);
void mgo_kube_pins_free(char **pins);

/* Loads the credentials of `role` (MGO_ROLE_WATCHER or MGO_ROLE_LAUNCHER)
 * from the configuration with the loaders of mgo/kubecreds.h. The namespace
 * defaults to the config's. *out as with those loaders; -ENOENT for a role
 * that has none. */
int mgo_kube_creds_for_role(const struct mgo_config *c, enum mgo_role role,
			    struct mgo_kube_creds *out, char *err, size_t errlen);

struct mgo_kube_access {
	struct mgo_kube_creds creds;    /* the API client borrows it */
	/* NULL-ended: the token's directory, the trust store's file and
	 * directory when the credentials carry no CA (OpenSSL opens them at
	 * each new connection). Owned. */
	char *read_paths[4];
	uint16_t ports[MGO_KUBE_PORTS_MAX];     /* 0-ended */
	int curl_ready;                 /* curl_global_init() done */
};

/* Fills a for `role`: its credentials, libcurl initialised, the paths and
 * ports above. Refuses (-EPERM) a token directory that also holds another
 * role's token or kubeconfig: the sandbox grants the whole directory.
 * Logs what failed. Negative errno; mgo_kube_access_free in any case. */
int mgo_kube_access_load(struct mgo_kube_access *a, const struct mgo_config *c,
			 enum mgo_role role);

/* The read_paths as the sandbox policy takes them. */
const char *const *mgo_kube_access_paths(const struct mgo_kube_access *a);

void mgo_kube_access_free(struct mgo_kube_access *a);

#endif

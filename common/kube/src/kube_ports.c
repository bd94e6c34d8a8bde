/* The TCP ports an API client may connect to, for the Landlock rules of the
 * watcher and launcher: see mgo_kube_connect_ports in mgo/kube_access.h. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/kube_access.h"

/* The proxy variables libcurl reads, in any order: it takes one of them for
 * a request, and which depends on the URL and no_proxy, so all are allowed.
 * HTTP_PROXY (upper case) is ignored by libcurl for http:// (httpoxy). */
static const char *const proxy_vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
					 "all_proxy", "ALL_PROXY"};

/* libcurl's defaults for a URL without a port: the scheme's for the API
 * server; for a proxy 443 when it is https://, 1080 otherwise (plain, socks),
 * and a proxy without a scheme is http://. */
static int url_port(const char *url, bool proxy, uint16_t *port)
{
	char *portstr = NULL, *scheme = NULL, *withscheme = NULL, *end;
	CURLU *u = curl_url();
	unsigned long v;
	int rc = -ENOMEM;

	if (!u)
		return -ENOMEM;
	if (proxy && !strstr(url, "://")) {
		if (asprintf(&withscheme, "http://%s", url) < 0) {
			withscheme = NULL;
			goto out;
		}
		url = withscheme;
	}
	rc = -EINVAL;
	if (curl_url_set(u, CURLUPART_URL, url, proxy ? CURLU_NON_SUPPORT_SCHEME : 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &portstr, proxy ? 0 : CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		v = strtoul(portstr, &end, 10);
		if (*end || v == 0 || v > 65535)
			goto out;
	} else if (proxy) {
		v = strcmp(scheme, "https") == 0 ? 443 : 1080;
	} else {
		goto out;
	}
	*port = (uint16_t)v;
	rc = 0;
out:
	free(withscheme);
	curl_free(portstr);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

static void add_port(uint16_t *out, size_t *n, uint16_t port)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i] == port)
			return;
	out[(*n)++] = port;
}

int mgo_kube_connect_ports(const char *server, uint16_t out[MGO_KUBE_PORTS_MAX],
			   char *err, size_t errlen)
{
	size_t n = 0;
	uint16_t port;

	memset(out, 0, MGO_KUBE_PORTS_MAX * sizeof(out[0]));
	if (!server || url_port(server, false, &port) != 0) {
		snprintf(err, errlen, "cannot tell the port of the API server URL");
		return -EINVAL;
	}
	add_port(out, &n, port);
	add_port(out, &n, 53);
	for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++) {
		const char *v = getenv(proxy_vars[i]);

		if (!v || !*v)
			continue;
		/* the value may hold a password: name the variable only */
		if (url_port(v, true, &port) != 0) {
			snprintf(err, errlen, "cannot tell the port of the proxy in $%s",
				 proxy_vars[i]);
			return -EINVAL;
		}
		add_port(out, &n, port);
	}
	return (int)n;
}

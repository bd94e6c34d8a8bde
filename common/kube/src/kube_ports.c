/* Where an API client connects, for the sandbox of the watcher and
 * launcher: the TCP ports for the Landlock rules, and the host names to
 * resolve before seccomp refuses the resolver's datagram sockets. See
 * mgo_kube_connect_ports and mgo_kube_pin_names in mgo/kube_access.h. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mgo/kube_access.h"

/* The proxy variables libcurl reads, in any order: it takes one of them for
 * a request, and which depends on the URL and no_proxy, so all are allowed.
 * HTTP_PROXY (upper case) is ignored by libcurl for http:// (httpoxy). */
static const char *const proxy_vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
					 "all_proxy", "ALL_PROXY"};

/* libcurl's defaults for a URL without a port: the scheme's for the API
 * server; for a proxy 443 when it is https://, 1080 otherwise (plain, socks),
 * and a proxy without a scheme is http://. host may be NULL; else it
 * receives the URL's host (IPv6 without brackets), to free. */
static int url_port(const char *url, bool proxy, uint16_t *port, char **host)
{
	char *portstr = NULL, *scheme = NULL, *withscheme = NULL, *end, *h = NULL;
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
	if (host) {
		size_t n;

		if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !(n = strlen(h)))
			goto out;
		if (h[0] == '[' && h[n - 1] == ']') {
			memmove(h, h + 1, n - 2);
			h[n - 2] = '\0';
		}
		rc = -ENOMEM;
		if (!(*host = strdup(h)))
			goto out;
	}
	*port = (uint16_t)v;
	rc = 0;
out:
	curl_free(h);
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
	if (!server || url_port(server, false, &port, NULL) != 0) {
		snprintf(err, errlen, "cannot tell the port of the API server URL");
		return -EINVAL;
	}
	add_port(out, &n, port);
	for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++) {
		const char *v = getenv(proxy_vars[i]);

		if (!v || !*v)
			continue;
		/* the value may hold a password: name the variable only */
		if (url_port(v, true, &port, NULL) != 0) {
			snprintf(err, errlen, "cannot tell the port of the proxy in $%s",
				 proxy_vars[i]);
			return -EINVAL;
		}
		add_port(out, &n, port);
	}
	return (int)n;
}

void mgo_kube_pins_free(char **pins)
{
	for (size_t i = 0; pins && pins[i]; i++)
		free(pins[i]);
	free(pins);
}

/* "host:port:a1,a2,..." for CURLOPT_RESOLVE (IPv6 addresses bracketed), or
 * NULL in *entry when host is an address already. */
static int pin_one(const char *host, uint16_t port, char **entry, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	unsigned char bin[sizeof(struct in6_addr)];
	char *s = NULL, *grown;
	size_t len = 0;
	int rc;

	*entry = NULL;
	if (inet_pton(AF_INET, host, bin) == 1 || inet_pton(AF_INET6, host, bin) == 1)
		return 0;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	rc = -ENOMEM;
	if (asprintf(&s, "%s:%u:", host, (unsigned)port) < 0) {
		s = NULL;
		goto out;
	}
	len = strlen(s);
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		char addr[INET6_ADDRSTRLEN];
		const void *src = a->ai_family == AF_INET
					  ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
					  : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;

		if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
		    !inet_ntop(a->ai_family, src, addr, sizeof(addr)))
			continue;
		if (!(grown = realloc(s, len + strlen(addr) + 4)))
			goto out;
		s = grown;
		len += (size_t)sprintf(s + len, a->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
				       s[len - 1] == ':' ? "" : ",", addr);
	}
	rc = -EHOSTUNREACH;
	if (s[len - 1] == ':') {
		snprintf(err, errlen, "%s resolves to no IPv4 or IPv6 address", host);
		goto out;
	}
	*entry = s;
	s = NULL;
	rc = 0;
out:
	free(s);
	freeaddrinfo(res);
	return rc;
}

int mgo_kube_pin_names(const char *server, char ***out, char *err, size_t errlen)
{
	char *pins[MGO_KUBE_PORTS_MAX + 1] = {0}, *host = NULL;
	size_t n = 0;
	uint16_t port;
	int rc;

	*out = NULL;
	if (!server || url_port(server, false, &port, &host) != 0) {
		snprintf(err, errlen, "cannot tell the host of the API server URL");
		return -EINVAL;
	}
	rc = pin_one(host, port, &pins[n], err, errlen);
	n += pins[n] != NULL;
	for (size_t i = 0; !rc && i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++) {
		const char *v = getenv(proxy_vars[i]);

		if (!v || !*v)
			continue;
		free(host);
		host = NULL;
		if (url_port(v, true, &port, &host) != 0) {
			snprintf(err, errlen, "cannot tell the host of the proxy in $%s",
				 proxy_vars[i]);
			rc = -EINVAL;
			break;
		}
		rc = pin_one(host, port, &pins[n], err, errlen);
		n += pins[n] != NULL;
	}
	free(host);
	if (!rc && n > 0) {
		if (!(*out = calloc(n + 1, sizeof(**out)))) {
			rc = -ENOMEM;
		} else {
			memcpy(*out, pins, n * sizeof(*pins));
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(pins[i]);
	return rc;
}

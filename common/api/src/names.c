/* Kubernetes' naming rules and the API server URL check: pure string code
 * that the configuration, the credential loaders and the tools share. */
#include "mgo/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool mgo_name_valid_port(const char *s, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (n < 1 || n > 5)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

static bool host_char(char c, bool bracketed)
{
	if (bracketed)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		       c == ':' || c == '.';
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '.' || c == '_';
}

/* Why a server URL is refused, or NULL. The URL is later glued to API paths:
 * anything that could change which host or path is reached (userinfo, query,
 * fragment, escapes, stray bytes) is refused rather than escaped. */
static const char *server_problem(const char *in, const char **host_out)
{
	const char *host, *auth_end, *after, *p, *end;
	bool br;

	if (!strncmp(in, "https://", 8))
		host = in + 8;
	else if (!strncmp(in, "http://", 7))
		host = in + 7;
	else
		return "must start with https:// or http://";
	for (p = host; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || strchr("@?#%\\", *p))
			return "must not contain spaces, control bytes, '@', '?', '#', '%' or '\\'";
	auth_end = host + strcspn(host, "/");
	br = *host == '[';
	if (br) {
		end = memchr(host, ']', (size_t)(auth_end - host));
		if (!end)
			return "malformed bracketed IPv6 host";
		p = host + 1;
		after = end + 1;
	} else {
		end = after = host + strcspn(host, ":/");
		p = host;
	}
	if (p == end)
		return "has no host";
	for (; p < end; p++)
		if (!host_char(*p, br))
			return "malformed host";
	if (after < auth_end && (*after != ':' || !mgo_name_valid_port(after + 1, (size_t)(auth_end - after - 1))))
		return "malformed port";
	*host_out = host;
	return NULL;
}

int mgo_name_server_url(const char *in, char **out, char *reason, size_t rlen)
{
	const char *why, *host = NULL;
	size_t len = strlen(in);

	*out = NULL;
	why = server_problem(in, &host);
	if (why) {
		snprintf(reason, rlen, "%s", why);
		return -EINVAL;
	}
	while (len > (size_t)(host - in) && in[len - 1] == '/')
		len--;
	*out = strndup(in, len);
	if (!*out) {
		snprintf(reason, rlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}


bool mgo_name_is_dns_label(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

bool mgo_name_is_dns_subdomain(const char *s)
{
	char label[64];
	const char *dot;
	size_t n = strlen(s), l;

	if (n < 1 || n > 253)
		return false;
	for (;;) {
		dot = strchr(s, '.');
		l = dot ? (size_t)(dot - s) : strlen(s);
		if (l >= sizeof(label))
			return false;
		memcpy(label, s, l);
		label[l] = '\0';
		if (!mgo_name_is_dns_label(label))
			return false;
		if (!dot)
			return true;
		s = dot + 1;
	}
}

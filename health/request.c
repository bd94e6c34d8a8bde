/* The head of one HTTP/1.x request, as far as mgo-health needs it: see
 * health.h. Anyone who can reach the port writes these bytes. */
#include <errno.h>
#include <string.h>

#include "health.h"

/* "METHOD SP TARGET SP HTTP/1.x": the method and the target's path (the
 * query dropped) copied out. */
static int request_line(const char *s, size_t n, char method[MGO_HEALTH_METHOD_MAX],
			char path[MGO_HEALTH_PATH_MAX])
{
	size_t m = 0, t, p;

	while (m < n && s[m] >= 'A' && s[m] <= 'Z')
		m++;
	if (m == 0 || m >= MGO_HEALTH_METHOD_MAX || m >= n || s[m] != ' ')
		return -EINVAL;
	t = m + 1;
	for (p = t; p < n && s[p] > ' ' && s[p] < 0x7f; p++)
		;
	if (p == t || p >= n || s[p] != ' ' || s[t] != '/')
		return -EINVAL;
	if (n - p - 1 != 8 || (memcmp(s + p + 1, "HTTP/1.1", 8) != 0 &&
			       memcmp(s + p + 1, "HTTP/1.0", 8) != 0))
		return -EINVAL;
	memcpy(method, s, m);
	method[m] = '\0';
	/* the query matters to no endpoint */
	for (size_t q = t; q < p; q++)
		if (s[q] == '?') {
			p = q;
			break;
		}
	if (p - t >= MGO_HEALTH_PATH_MAX)
		return -EINVAL;
	memcpy(path, s + t, p - t);
	path[p - t] = '\0';
	return 0;
}

int mgo_health_parse_request(const char *buf, size_t len, char method[MGO_HEALTH_METHOD_MAX],
			     char path[MGO_HEALTH_PATH_MAX])
{
	size_t off = 0, line = 0;
	int rc;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n;

		if (!nl)
			break;
		n = (size_t)(nl - (buf + off));
		if (n > 0 && buf[off + n - 1] == '\r')
			n--;
		for (size_t i = 0; i < n; i++)
			if (((unsigned char)buf[off + i] < ' ' && buf[off + i] != '\t') ||
			    buf[off + i] == 0x7f)
				return -EINVAL;
		if (line == 0) {
			if ((rc = request_line(buf + off, n, method, path)))
				return rc;
		} else if (n == 0) {
			return 1;       /* the blank line: the head is whole */
		} else if (buf[off] == ' ' || buf[off] == '\t' || !memchr(buf + off, ':', n)) {
			return -EINVAL; /* folded or not a header */
		}
		line++;
		off = (size_t)(nl - buf) + 1;
	}
	/* incomplete: a control byte in the unfinished line is junk already */
	for (size_t i = off; i < len; i++)
		if (((unsigned char)buf[i] < ' ' && buf[i] != '\t' && buf[i] != '\r') ||
		    buf[i] == 0x7f)
			return -EINVAL;
	return 0;
}

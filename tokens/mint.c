/* What mgo-tokens says and reads, when it asks again, and how a token file
 * is replaced: see tokens.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgo/kubecreds.h"
#include "mgo/loop.h"
#include "tokens.h"

json_t *mgo_tokens_request_body(unsigned seconds, const char *const *audiences, size_t n)
{
	json_t *aud = json_array(), *body;

	for (size_t i = 0; aud && i < n; i++) {
		if (json_array_append_new(aud, json_string(audiences[i])) != 0) {
			json_decref(aud);
			return NULL;
		}
	}
	if (!aud)
		return NULL;
	body = json_pack("{s:s, s:s, s:{s:I, s:o}}", "apiVersion", "authentication.k8s.io/v1",
			 "kind", "TokenRequest", "spec", "expirationSeconds", (json_int_t)seconds,
			 "audiences", aud);
	return body;
}

/* "2026-12-07T03:12:34Z", and the fractional seconds kube never writes but
 * RFC 3339 allows ("...34.5Z"). Only UTC: kube writes nothing else. */
static int parse_stamp(const char *s, time_t *out)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	time_t t;

	if (!end)
		return -EBADMSG;
	if (*end == '.') {
		end++;
		if (*end < '0' || *end > '9')
			return -EBADMSG;
		while (*end >= '0' && *end <= '9')
			end++;
	}
	if (strcmp(end, "Z") != 0)
		return -EBADMSG;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EBADMSG;
	*out = t;
	return 0;
}

static bool visible_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

int mgo_tokens_parse_answer(const json_t *body, const char **token, time_t *exp, char *err,
			    size_t errlen)
{
	const json_t *st = json_object_get(body, "status");
	const json_t *tok = json_object_get(st, "token");
	const char *stamp = json_string_value(json_object_get(st, "expirationTimestamp"));
	size_t len = json_string_length(tok);

	if (!json_is_string(tok) || len == 0 || len > MGO_KUBE_TOKEN_MAX ||
	    strlen(json_string_value(tok)) != len || !visible_ascii(json_string_value(tok), len)) {
		snprintf(err, errlen, "status.token is missing or not a bearer token");
		return -EBADMSG;
	}
	if (!stamp || strlen(stamp) > 64 || parse_stamp(stamp, exp) != 0) {
		snprintf(err, errlen, "status.expirationTimestamp is missing or not RFC 3339 UTC");
		return -EBADMSG;
	}
	*token = json_string_value(tok);
	return 0;
}

uint64_t mgo_tokens_renew_in_ms(time_t exp, uint64_t now_unix_ms)
{
	/* no server grants more than a day (tokens.expirationSeconds' maximum);
	 * a later expiry is renewed within one anyway */
	const uint64_t day_ms = (uint64_t)MGO_CFG_TOKEN_SECONDS_MAX * 1000;
	uint64_t exp_ms = exp <= 0 ? 0
			  : (uint64_t)exp > UINT64_MAX / 1000 ? UINT64_MAX : (uint64_t)exp * 1000;
	uint64_t left = exp_ms > now_unix_ms ? exp_ms - now_unix_ms : 0;
	uint64_t in = left / 5 * 4;

	return in < 1000 ? 1000 : in > day_ms ? day_ms : in;
}

int mgo_tokens_write(const char *path, const char *token)
{
	static unsigned counter;
	const char *slash = strrchr(path, '/');
	size_t len = strlen(token), off = 0;
	char tmp[4096];
	int fd, rc = 0;

	if (!slash || snprintf(tmp, sizeof(tmp), "%.*s/.token.%d.%u.%llu", (int)(slash - path),
			       path, (int)getpid(), counter++,
			       (unsigned long long)mgo_now_ms()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, token + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

#include "tas_util.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int tas_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tas_uuid(char out[37])
{
	unsigned char b[16];
	int rc = tas_random(b, sizeof(b));

	if (rc)
		return rc;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
		 b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

void tas_time_format(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int tas_time_parse(const char *s, time_t *out)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long offset = 0;

	if (!p)
		return -EINVAL;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == '+' || *p == '-') {
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || strlen(p) != 6)
			return -EINVAL;
		offset = (hh * 3600L + mm * 60L) * (*p == '+' ? 1 : -1);
	} else if (strcmp(p, "Z") != 0) {
		return -EINVAL;
	}
	*out = timegm(&tm) - offset;
	return 0;
}

uint64_t tas_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t tas_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

char *tas_b64_encode(const void *data, size_t len, bool url)
{
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)data, (unsigned)len};
	gnutls_datum_t enc = {NULL, 0};
	char *out = NULL;

	if (gnutls_base64_encode2(&in, &enc) < 0)
		return NULL;
	out = malloc(enc.size + 1);
	if (!out)
		goto out;
	memcpy(out, enc.data, enc.size);
	out[enc.size] = '\0';
	if (url) {
		char *p;
		for (p = out; *p; p++) {
			if (*p == '+')
				*p = '-';
			else if (*p == '/')
				*p = '_';
			else if (*p == '=')
				*p = '\0';
		}
	}
out:
	gnutls_free(enc.data);
	return out;
}

int tas_b64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s);
	char *norm = malloc(n + 4);
	gnutls_datum_t in, dec = {NULL, 0};
	size_t i;
	int rc = 0;

	*out = NULL;
	*len = 0;
	if (!norm)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		norm[i] = c;
	}
	while (i % 4)
		norm[i++] = '=';
	norm[i] = '\0';
	in.data = (unsigned char *)norm;
	in.size = (unsigned)i;
	if (i == 0 || gnutls_base64_decode2(&in, &dec) < 0) {
		rc = -EINVAL;
		goto out;
	}
	*out = malloc(dec.size + 1);
	if (!*out) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*out, dec.data, dec.size);
	(*out)[dec.size] = '\0';
	*len = dec.size;
out:
	gnutls_free(dec.data);
	free(norm);
	return rc;
}

bool tas_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

bool tas_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

const char *tas_jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

json_t *tas_jpath(const json_t *obj, const char *dotted)
{
	char key[256];
	const char *p = dotted;
	json_t *cur = (json_t *)(uintptr_t)obj;

	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key) || !json_is_object(cur))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		p += n + (dot ? 1 : 0);
	}
	return cur;
}

const char *tas_jpath_str(const json_t *obj, const char *dotted)
{
	return json_string_value(tas_jpath(obj, dotted));
}

const char *tas_meta(const json_t *obj, const char *key)
{
	return tas_jstr(json_object_get(obj, "metadata"), key);
}

json_t *tas_jobj(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_object(v))
		return v;
	v = json_object();
	if (!v || json_object_set_new(obj, key, v))
		return NULL;
	return v;
}

bool tas_json_same(const json_t *a, const json_t *b)
{
	return a == b || (a && b && json_equal((json_t *)(uintptr_t)a, (json_t *)(uintptr_t)b));
}

char *tas_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

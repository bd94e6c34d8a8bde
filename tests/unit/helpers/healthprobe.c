#include "healthprobe.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mgo/loop.h"
#include "spawn.h"
#include "testenv.h"

/* Nothing to block on between polls of a file or a port; a short pause,
 * bounded by the caller's deadline, is the wait. */
static void pause_briefly(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static unsigned last_port(const char *text)
{
	unsigned port = 0;
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		if (strstr(line, "\"event\":\"health.listening\"") &&
		    (!end || strstr(line, "\"event\":\"health.listening\"") < end)) {
			json_t *j = json_loadb(line, end ? (size_t)(end - line) : strlen(line), 0, NULL);
			json_int_t p = json_integer_value(json_object_get(j, "port"));
			if (p > 0 && p < 65536)
				port = (unsigned)p;
			json_decref(j);
		}
		line = end ? end + 1 : NULL;
	}
	return port;
}

unsigned mgo_test_health_port(const char *path, size_t after, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		char *text = slurp(path);
		unsigned port = text && strlen(text) > after ? last_port(text + after) : 0;
		free(text);
		if (port)
			return port;
		if (mgo_now_ms() > end)
			break;
		pause_briefly();
	}
	cr_assert_fail("no health.listening line in %s", path);
	return 0;
}

struct sink {
	char *ctype, *allow;
};

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name);

	if (!out || n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	snprintf(out, cap, "%.*s", (int)n, line);
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;

	header_value(p, size * n, "Content-Type", s->ctype, 128);
	header_value(p, size * n, "Allow", s->allow, 64);
	return size * n;
}

long mgo_test_health_get(unsigned port, const char *method, const char *path, char **body,
			 char ctype[128], char allow[64])
{
	char url[128];
	struct sink s = {.ctype = ctype, .allow = allow};
	struct mgo_test_buf b = {NULL, 0};
	CURL *c = curl_easy_init();
	long code = 0;

	cr_assert_not_null(c);
	if (ctype)
		ctype[0] = '\0';
	if (allow)
		allow[0] = '\0';
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mgo_test_buf_append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (body)
		*body = b.p ? b.p : strdup("");
	else
		free(b.p);
	return code;
}

long mgo_test_health_wait(unsigned port, const char *path, long code, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;
	long got;

	while ((got = mgo_test_health_get(port, "GET", path, NULL, NULL, NULL)) != code &&
	       mgo_now_ms() <= end)
		pause_briefly();
	return got;
}

#include "healthprobe.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
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

static long request(unsigned port, const char *method, const char *path, char **body,
		    char ctype[128], char allow[64], long timeout_ms)
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
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
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

long mgo_test_health_get(unsigned port, const char *method, const char *path, char **body,
			 char ctype[128], char allow[64])
{
	return request(port, method, path, body, ctype, allow, 5000);
}

long mgo_test_health_probe(unsigned port, const char *path, long timeout_ms)
{
	return request(port, "GET", path, NULL, NULL, NULL, timeout_ms);
}

/* A connect to 127.0.0.1:port that sends nothing, connected or failed
 * within 5 s. */
static int idle_one(unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = 0;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(err);

	cr_assert_geq(fd, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		cr_assert_eq(errno, EINPROGRESS, "connect: %s", strerror(errno));
	cr_assert_eq(poll(&p, 1, 5000), 1, "an idle connection did not connect in 5 s");
	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, 0, "an idle connection failed: %s", strerror(err));
	return fd;
}

void mgo_test_health_idle_open(unsigned port, int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fds[i] = idle_one(port);
}

size_t mgo_test_health_idle_refill(unsigned port, int *fds, size_t n)
{
	size_t again = 0;

	for (size_t i = 0; i < n; i++) {
		char c;
		ssize_t r = recv(fds[i], &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			continue;       /* still open, still idle */
		close(fds[i]);
		fds[i] = idle_one(port);
		again++;
	}
	return again;
}

void mgo_test_health_idle_close(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
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

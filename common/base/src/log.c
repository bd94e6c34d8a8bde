#include "mgo/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A line longer than this has its "msg" cut, so one event stays one line
 * that a log shipper will not split. */
#define LOG_MSG_MAX 8192

static char log_role[32] = "mgo";
static enum mgo_log_level log_min = MGO_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void mgo_log_init(const char *role, enum mgo_log_level min_level)
{
	snprintf(log_role, sizeof(log_role), "%s", role ? role : "mgo");
	log_min = min_level;
}

int mgo_log_level_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void mgo_log_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm)) {
		snprintf(buf, len, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(ts.tv_nsec / 1000000) % 1000);
}

/* Writes all of buf; a short write on a pipe is retried, EINTR too. Logging
 * has nowhere to report its own failure, so a dead stderr drops the line. */
static void write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Messages may quote user input that is not UTF-8, which jansson refuses;
 * such bytes become '?' rather than losing the line. */
static json_t *utf8_string(const char *msg)
{
	size_t len = strnlen(msg, LOG_MSG_MAX);
	json_t *s = json_stringn(msg, len);
	char copy[LOG_MSG_MAX];

	if (s)
		return s;
	for (size_t i = 0; i < len; i++)
		copy[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
	return json_stringn(copy, len);
}

/* Emits the line; `fields` (borrowed, may be NULL) is merged after the header
 * keys, which it cannot override. */
static void emit(enum mgo_log_level level, const char *func, const char *event,
		 const char *msg, json_t *fields)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	char stackbuf[LOG_MSG_MAX + 1024];
	char *buf = stackbuf, *heap = NULL;
	char ts[64];
	json_t *line;

	mgo_log_timestamp(ts, sizeof(ts));
	line = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ts", ts, "level",
			 level_names[level], "role", log_role, "pid", (int)getpid(),
			 "event", event ? event : "unnamed");
	if (!line)
		return;
	if (func)
		json_object_set_new(line, "func", json_string(func));
	if (msg)
		json_object_set_new(line, "msg", utf8_string(msg));
	if (fields)
		json_object_update_missing(line, fields);
	/* one write of the whole line keeps lines from interleaving on a pipe */
	size_t n = json_dumpb(line, stackbuf, sizeof(stackbuf) - 1, flags);
	if (n > sizeof(stackbuf) - 1) {
		heap = malloc(n + 1);
		if (heap && json_dumpb(line, heap, n, flags) == n)
			buf = heap;
		else
			n = 0;
	}
	if (n > 0) {
		buf[n] = '\n';
		write_all(buf, n + 1);
	}
	free(heap);
	json_decref(line);
}

void mgo_log_msg(enum mgo_log_level level, const char *func, const char *event,
		 const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	va_list ap;

	if (level < log_min || level > MGO_LOG_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(level, func, event, msg, NULL);
}

void mgo_log_kv(enum mgo_log_level level, const char *func, const char *event,
		const char *pack_fmt, ...)
{
	json_error_t jerr;
	json_t *fields;
	va_list ap;

	if (level < log_min || level > MGO_LOG_ERROR)
		return;
	va_start(ap, pack_fmt);
	fields = json_vpack_ex(&jerr, 0, pack_fmt, ap);
	va_end(ap);
	if (!fields || !json_is_object(fields)) {
		char msg[256];
		snprintf(msg, sizeof(msg), "log fields could not be packed: %s", jerr.text);
		emit(level, func, event, msg, NULL);
		json_decref(fields);
		return;
	}
	emit(level, func, event, NULL, fields);
	json_decref(fields);
}

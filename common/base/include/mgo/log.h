/* JSON-lines logging on stderr: one event a line, each with the process role.
 *
 *   {"ts":"2026-11-24T01:02:03.456Z","level":"info","role":"watcher","pid":7,
 *    "event":"informer.synced","func":"informer_on_list","msg":"...", ...fields}
 *
 * `event` is a stable dotted name a reader can grep; `msg` is for humans; extra
 * fields come from a jansson pack format so values are escaped by the library.
 * Callers never pass credentials: nothing here can tell a token from a name. */
#ifndef MGO_LOG_H
#define MGO_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum mgo_log_level {
	MGO_LOG_DEBUG = 0,
	MGO_LOG_INFO,
	MGO_LOG_WARN,
	MGO_LOG_ERROR,
};

/* Sets the role stamped on every line ("watcher", ...) and the lowest level
 * written. The role string is copied. Safe to call again (after fork, say). */
void mgo_log_init(const char *role, enum mgo_log_level min_level);

/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int mgo_log_level_parse(const char *s);

/* The current time as log lines stamp it, "2026-11-24T01:02:03.456Z", for
 * writers of other JSON lines (the supervisor wrapping a child's output). */
void mgo_log_timestamp(char *buf, size_t len);

/* Writes one line to fd 2 with a single write(2). fmt is printf-style. */
void mgo_log_msg(enum mgo_log_level level, const char *func, const char *event,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Writes one line whose extra fields come from a jansson pack format that must
 * build an object, e.g. "{s:s, s:I}", "resource", name, "rv", (json_int_t)rv.
 * A pack error is itself logged rather than losing the event. */
void mgo_log_kv(enum mgo_log_level level, const char *func, const char *event,
		const char *pack_fmt, ...);

#define mgo_debug(event, ...) mgo_log_msg(MGO_LOG_DEBUG, __func__, event, __VA_ARGS__)
#define mgo_info(event, ...) mgo_log_msg(MGO_LOG_INFO, __func__, event, __VA_ARGS__)
#define mgo_warn(event, ...) mgo_log_msg(MGO_LOG_WARN, __func__, event, __VA_ARGS__)
#define mgo_error(event, ...) mgo_log_msg(MGO_LOG_ERROR, __func__, event, __VA_ARGS__)

#endif

/* The server's own diagnostics: one JSON line per message on stderr
 * ({"time","level","component":"apiserver","msg",...}). */
#ifndef TAS_LOG_H
#define TAS_LOG_H

void tas_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

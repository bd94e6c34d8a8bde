/* Talking to mgo-health from tests: the port it logged, and one HTTP
 * request to it. */
#ifndef MGO_TEST_HEALTHPROBE_H
#define MGO_TEST_HEALTHPROBE_H

#include <stddef.h>

/* The port of the last "health.listening" line in the log at path, waiting
 * up to timeout_ms for one to appear after `after` bytes of it (0: any);
 * fails the test at the deadline. */
unsigned mgo_test_health_port(const char *path, size_t after, int timeout_ms);

/* One request to 127.0.0.1:port; the HTTP code (0: no answer). *body (if
 * not NULL) gets the body (caller frees); ctype (if not NULL) the
 * Content-Type, allow the Allow header ("" when absent). */
long mgo_test_health_get(unsigned port, const char *method, const char *path, char **body,
			 char ctype[128], char allow[64]);

/* Polls path until it answers `code` or timeout_ms passes; the last code. */
long mgo_test_health_wait(unsigned port, const char *path, long code, int timeout_ms);

#endif

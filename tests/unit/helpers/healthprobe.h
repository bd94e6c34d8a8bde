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

/* Like mgo_test_health_get for GET path with no body kept, giving up after
 * timeout_ms (a kubelet probe's timeoutSeconds): the code, 0 when none came
 * in time. */
long mgo_test_health_probe(unsigned port, const char *path, long timeout_ms);

/* Keeps n connections to 127.0.0.1:port open that send nothing, each
 * connected before it returns (fails the test otherwise). fds[] holds
 * them; mgo_test_health_idle_refill reopens those the server closed (and
 * returns how many), mgo_test_health_idle_close closes all. */
void mgo_test_health_idle_open(unsigned port, int *fds, size_t n);
size_t mgo_test_health_idle_refill(unsigned port, int *fds, size_t n);
void mgo_test_health_idle_close(int *fds, size_t n);

/* Polls path until it answers `code` or timeout_ms passes; the last code. */
long mgo_test_health_wait(unsigned port, const char *path, long code, int timeout_ms);

#endif

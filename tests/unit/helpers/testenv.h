/* Helpers shared by the Criterion tests: starting the programs under test. */
#ifndef MGO_TESTENV_H
#define MGO_TESTENV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads fd until every writer has closed it, into buf (NUL-terminated,
 * the excess dropped). If that takes longer than deadline_ms, kills pid
 * with SIGKILL, reaps it and returns -ETIMEDOUT; otherwise returns the
 * bytes kept. Does not close fd or reap pid on success. */
ssize_t mgo_test_drain(int fd, pid_t pid, char *buf, size_t len, uint64_t deadline_ms);

#endif

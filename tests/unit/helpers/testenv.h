/* Helpers shared by the Criterion tests: starting the programs under test. */
#ifndef MGO_TESTENV_H
#define MGO_TESTENV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Temporary fixture trees. Each helper fails the running test (cr_assert)
 * instead of returning an error. */

/* A new private directory under $TMPDIR (default /tmp); free the result and
 * remove the tree with mgo_test_rmtree(). */
char *mgo_test_tmpdir(void);

/* Writes content to dir/name (mode 0600, replacing any file there) and
 * returns the new path (caller frees). */
char *mgo_test_write(const char *dir, const char *name, const char *content);

/* Removes dir and everything under it, without following symlinks. */
void mgo_test_rmtree(const char *dir);

/* A suite fixture: TestSuite(x, .init = mgo_test_tmp_init, .fini =
 * mgo_test_tmp_fini) gives each test a fresh mgo_test_dir, removed after. */
extern char *mgo_test_dir;
void mgo_test_tmp_init(void);
void mgo_test_tmp_fini(void);

/* Reads fd until every writer has closed it, into buf (NUL-terminated,
 * the excess dropped). If that takes longer than deadline_ms, kills pid
 * with SIGKILL, reaps it and returns -ETIMEDOUT; otherwise returns the
 * bytes kept. Does not close fd or reap pid on success. */
ssize_t mgo_test_drain(int fd, pid_t pid, char *buf, size_t len, uint64_t deadline_ms);

#endif

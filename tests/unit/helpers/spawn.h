/* Starting the operator's programs from tests and waiting on what they say.
 * Every wait has a deadline; nothing sleeps for a guessed time. */
#ifndef MGO_TEST_SPAWN_H
#define MGO_TEST_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

/* Starts argv[0] with stdout and stderr appended to `logpath` and the given
 * extra environment ("K=V" strings, NULL-ended, may be NULL). Returns the pid
 * or -1. Under valgrind (scripts/valgrind.sh) the child is traced too. */
pid_t spawn_logged(const char *const argv[], const char *const env[], const char *logpath);

/* Sends `sig` and waits up to timeout_ms for the exit; SIGKILL after that.
 * Returns the wait status, or -1 if the process had to be killed. */
int stop_process(pid_t pid, int sig, int timeout_ms);

/* Waits until the file at path contains `needle`; true if it did in time. */
bool wait_for_text(const char *path, const char *needle, int timeout_ms);

/* Runs argv to the end with its stdout and stderr in dir/out and returns
 * what it wrote (caller frees), asserting it exited 0. */
char *run_ok(const char *dir, const char *const argv[]);

/* Reads a whole file into a new NUL-ended buffer (caller frees), or NULL. */
char *slurp(const char *path);

/* Creates a fresh private directory under /tmp into buf. */
void make_temp_dir(char *buf, size_t len, const char *prefix);

/* Removes a directory tree made by make_temp_dir (rm -rf, no shell). */
void remove_tree(const char *dir);

#endif

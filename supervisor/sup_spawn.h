/* Starting children from a sandboxed supervisor.
 *
 * Whatever sandbox a process installs, the processes it forks inherit
 * (Landlock and seccomp both), so a supervisor that forked its children
 * itself could be sandboxed no tighter than the union of theirs: it could
 * read both API tokens and open inet sockets. Instead, before it sandboxes
 * itself and before it mints any key, the supervisor forks the spawner: a
 * small unsandboxed process that holds no secret, reads nothing but the
 * supervisor's fixed-size requests on a socket pair, and for each one forks
 * with CLONE_PARENT, so the new process is the supervisor's own child (it
 * reaps it, signals it and sees its SIGCHLD as before), lays out its
 * descriptors and executes the program of the role asked for, with the
 * arguments the spawner built from the supervisor's command line at start:
 * a compromised supervisor can ask it for nothing else. */
#ifndef MGO_SUP_SUP_SPAWN_H
#define MGO_SUP_SUP_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Where a child finds what the supervisor gives it (its --keys-fd and
 * --notify-fd arguments). */
#define MGO_SPAWN_KEYS_FD 3
#define MGO_SPAWN_NOTIFY_FD 4

struct mgo_sup;

struct mgo_spawner {
	pid_t pid;              /* 0: not running */
	int fd;                 /* the supervisor's end of the request socket */
};

/* Forks the spawner, which keeps its copy of s's child programs, config
 * path and log level. Call before the supervisor's sandbox and keys: the
 * spawner is left with neither. 0 or a negative errno. */
int mgo_spawner_start(struct mgo_spawner *sp, const struct mgo_sup *s);

/* Asks the spawner to start child `kid` (its index in s->kids) with fd3
 * (the read end of its keys pipe, or mgo-health's snapshot pipe) as its
 * fd 3, notify_fd as fd 4 and out_fd as fds 1 and 2. The child gets stdin
 * from /dev/null and nothing else, an empty signal mask and default
 * SIGPIPE, its own process group (a terminal's ^C reaches only the
 * supervisor, which stops the children in order) and SIGTERM if the
 * supervisor dies. An exec failure is reported on the child's output and
 * exits 127. Returns the pid, which is the caller's child, or a negative
 * errno; the caller still owns and closes its descriptors. */
pid_t mgo_spawner_spawn(struct mgo_spawner *sp, size_t kid, int fd3, int notify_fd, int out_fd);

/* Closes the request socket (the spawner exits at end of file) and reaps
 * the spawner. */
void mgo_spawner_stop(struct mgo_spawner *sp);

#endif

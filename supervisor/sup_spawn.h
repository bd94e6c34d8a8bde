/* Starting one child: its descriptors laid out, its signals reset, exec. */
#ifndef MGO_SUP_SUP_SPAWN_H
#define MGO_SUP_SUP_SPAWN_H

#include <sys/types.h>

/* Where a child finds what the supervisor gives it (its --keys-fd and
 * --notify-fd arguments). */
#define MGO_SPAWN_KEYS_FD 3
#define MGO_SPAWN_NOTIFY_FD 4

struct mgo_spawn {
	const char *path;       /* absolute: no PATH search */
	char *const *argv;
	int keys_fd;            /* read end of the keys pipe: the child's fd 3 */
	int notify_fd;          /* write end of the notification pipe: fd 4 */
	int out_fd;             /* write end of the output pipe: fds 1 and 2 */
};

/* Forks and execs s->path. The child gets stdin from /dev/null, the three
 * descriptors above and nothing else, an empty signal mask and default
 * SIGPIPE (the supervisor blocks and ignores signals for itself), its own
 * process group (a terminal's ^C reaches only the supervisor, which stops
 * the children in order) and SIGTERM if the supervisor dies. An exec
 * failure is reported on the child's output and exits 127. Returns the pid
 * or a negative errno; the caller still owns and closes its descriptors. */
pid_t mgo_spawn(const struct mgo_spawn *s);

#endif

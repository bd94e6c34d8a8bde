#include "sup_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

/* Runs in the child between fork and exec. The supervisor is single
 * threaded, so this may call what it likes; it still does little. */
static void become(const struct mgo_spawn *s, pid_t parent)
{
	sigset_t none;
	int devnull, keys, notify, out;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0 || signal(SIGPIPE, SIG_DFL) == SIG_ERR ||
	    setpgid(0, 0) != 0 || prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		goto fail;
	if (getppid() != parent)
		_exit(1); /* the supervisor died before the death signal was armed */
	/* move the sources above the targets first, so no dup2 below
	 * overwrites a source it still needs */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	keys = fcntl(s->keys_fd, F_DUPFD_CLOEXEC, 10);
	notify = fcntl(s->notify_fd, F_DUPFD_CLOEXEC, 10);
	out = fcntl(s->out_fd, F_DUPFD_CLOEXEC, 10);
	if (devnull < 0 || keys < 0 || notify < 0 || out < 0 || dup2(devnull, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(out, 2) < 0 || dup2(keys, MGO_SPAWN_KEYS_FD) < 0 ||
	    dup2(notify, MGO_SPAWN_NOTIFY_FD) < 0 ||
	    close_range(MGO_SPAWN_NOTIFY_FD + 1, ~0u, 0) != 0)
		goto fail;
	execve(s->path, s->argv, environ);
fail:
	dprintf(2, "mgo-supervisor: cannot start %s: %s\n", s->path, strerror(errno));
	_exit(127);
}

pid_t mgo_spawn(const struct mgo_spawn *s)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		become(s, parent);
	return pid;
}

/* The spawner (see sup_spawn.h): its request loop, and what the child does
 * between the fork and the exec. */
#include "sup_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sup.h"

extern char **environ;

struct request {
	uint32_t kid;
};

struct reply {
	int32_t pid;            /* or a negative errno */
};

/* The three descriptors of a request, in this order. */
enum { FD3, FD_NOTIFY, FD_OUT, NFDS };

/* Runs in the child between fork and exec: lays out its descriptors and
 * executes the program. Never returns. */
static void become(const struct mgo_sup *s, size_t kid, const int fds[NFDS], pid_t parent)
{
	static const int reset[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	const struct mgo_child *c = &s->kids[kid];
	bool health = c->role == MGO_ROLE_HEALTH, ipc = mgo_sup_peers_of(c->role) != 0;
	char fd3_arg[8], notify_arg[8], *argv[12];
	int devnull, fd3, notify, out;
	size_t n = 0;
	sigset_t none;

	snprintf(fd3_arg, sizeof(fd3_arg), "%d", MGO_SPAWN_KEYS_FD);
	snprintf(notify_arg, sizeof(notify_arg), "%d", MGO_SPAWN_NOTIFY_FD);
	argv[n++] = (char *)c->path;
	argv[n++] = "--config";
	argv[n++] = (char *)s->config_path;
	if (health || ipc) { /* mgo-tokens gets neither keys nor snapshots */
		argv[n++] = health ? "--snapshot-fd" : "--keys-fd";
		argv[n++] = fd3_arg;
	}
	argv[n++] = "--notify-fd";
	argv[n++] = notify_arg;
	if (s->log_level) {
		argv[n++] = "--log-level";
		argv[n++] = (char *)s->log_level;
	}
	argv[n] = NULL;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0 || setpgid(0, 0) != 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		goto fail;
	/* the spawner ignores these; an ignored signal stays ignored across exec */
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		if (signal(reset[i], SIG_DFL) == SIG_ERR)
			goto fail;
	if (getppid() != parent)
		_exit(1); /* the supervisor died before the death signal was armed */
	/* move the sources above the targets first, so no dup2 below
	 * overwrites a source it still needs */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fd3 = fcntl(fds[FD3], F_DUPFD_CLOEXEC, 10);
	notify = fcntl(fds[FD_NOTIFY], F_DUPFD_CLOEXEC, 10);
	out = fcntl(fds[FD_OUT], F_DUPFD_CLOEXEC, 10);
	if (devnull < 0 || fd3 < 0 || notify < 0 || out < 0 || dup2(devnull, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(out, 2) < 0 || dup2(fd3, MGO_SPAWN_KEYS_FD) < 0 ||
	    dup2(notify, MGO_SPAWN_NOTIFY_FD) < 0 ||
	    close_range(MGO_SPAWN_NOTIFY_FD + 1, ~0u, 0) != 0)
		goto fail;
	execve(c->path, argv, environ);
fail:
	dprintf(2, "mgo-supervisor: cannot start %s: %s\n", c->path, strerror(errno));
	_exit(127);
}

/* One request: its kid and exactly NFDS descriptors, or -EBADMSG (with
 * whatever descriptors came closed). 0 at end of file. */
static int take_request(int sock, struct request *req, int fds[NFDS])
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NFDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {req, sizeof(*req)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	size_t got = 0;
	ssize_t n;

	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (got < NFDS)
				fds[got++] = fd;
			else
				close(fd);
		}
	}
	if (n == (ssize_t)sizeof(*req) && got == NFDS && !(m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
	    req->kid < MGO_SUP_CHILDREN)
		return 1;
	for (size_t i = 0; i < got; i++)
		close(fds[i]);
	return -EBADMSG;
}

/* The spawner's life: one request at a time until the supervisor closes
 * its end. Never returns. */
static void serve(int sock, const struct mgo_sup *s, pid_t parent)
{
	static const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

	/* it goes when the supervisor goes; the signals a terminal or the
	 * container runtime sends the supervisor's group are the supervisor's
	 * to act on, which it does by closing the socket */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	for (;;) {
		struct request req;
		struct reply rep;
		int fds[NFDS], rc = take_request(sock, &req, fds);

		if (rc == 0)
			_exit(0);
		if (rc < 0 && rc != -EBADMSG)
			_exit(1);
		if (rc > 0 && req.kid >= s->n_kids) { /* a child this run does not have */
			for (int i = 0; i < NFDS; i++)
				close(fds[i]);
			rc = -EBADMSG;
		}
		if (rc == -EBADMSG) {
			rep.pid = -EBADMSG;
		} else {
			/* the child is the supervisor's: it reaps and signals it */
			long pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), 0,
					   NULL, NULL, 0);
			if (pid == 0)
				become(s, req.kid, fds, parent);
			rep.pid = pid < 0 ? -errno : (int32_t)pid;
			for (int i = 0; i < NFDS; i++)
				close(fds[i]);
		}
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
			_exit(1);
	}
}

int mgo_spawner_start(struct mgo_spawner *sp, const struct mgo_sup *s)
{
	/* a spawner that does not answer in this time is broken */
	const struct timeval timeout = {.tv_sec = 10};
	pid_t parent = getpid(), pid;
	int pair[2];

	sp->pid = 0;
	sp->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int rc = -errno;
		close(pair[0]);
		close(pair[1]);
		return rc;
	}
	if (pid == 0) {
		close(pair[0]);
		/* Debian's libcurl4 needs librtmp, which needs GnuTLS, whose
		 * library constructor initialises it in every process that
		 * links libcurl (its priority file, its PKCS#11 modules) though
		 * only OpenSSL carries the operator's TLS: about 640 KiB of the
		 * pod's memory (bench/REPORT.md). The children never call GnuTLS,
		 * and librtmp initialises it itself should it ever be asked to
		 * (only http and https are enabled). The spawner is one thread. */
		if (setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 1) != 0)
			_exit(1);
		serve(pair[1], s, parent);
	}
	close(pair[1]);
	if (setsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
		int rc = -errno;
		close(pair[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	sp->pid = pid;
	sp->fd = pair[0];
	return 0;
}

pid_t mgo_spawner_spawn(struct mgo_spawner *sp, size_t kid, int fd3, int notify_fd, int out_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NFDS)];
		struct cmsghdr align;
	} u;
	const int fds[NFDS] = {fd3, notify_fd, out_fd};
	struct request req = {.kid = (uint32_t)kid};
	struct iovec iov = {&req, sizeof(req)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	struct reply rep;
	ssize_t n;

	if (sp->fd < 0)
		return -EPIPE;
	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	do
		n = sendmsg(sp->fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(req))
		return n < 0 ? -errno : -EIO;
	do
		n = recv(sp->fd, &rep, sizeof(rep), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rep))
		return n < 0 ? -errno : -EPIPE;
	return rep.pid;
}

void mgo_spawner_stop(struct mgo_spawner *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	if (sp->pid > 0)
		waitpid(sp->pid, NULL, 0);
	sp->pid = 0;
}

#include "testenv.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mgo/loop.h"

ssize_t mgo_test_drain(int fd, pid_t pid, char *buf, size_t len, uint64_t deadline_ms)
{
	uint64_t end = mgo_now_ms() + deadline_ms;
	size_t used = 0;

	for (;;) {
		uint64_t now = mgo_now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (now >= end || poll(&pfd, 1, (int)(end - now)) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			buf[used] = '\0';
			return -ETIMEDOUT;
		}
		char chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && used + 1 < len; i++)
			buf[used++] = chunk[i];
	}
	buf[used] = '\0';
	return (ssize_t)used;
}

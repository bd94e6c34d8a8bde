#include "testenv.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mgo/loop.h"

char *mgo_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = NULL;

	cr_assert(asprintf(&dir, "%s/mgo-test-XXXXXX", base && *base ? base : "/tmp") > 0);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
	return dir;
}

char *mgo_test_write(const char *dir, const char *name, const char *content)
{
	size_t len = strlen(content), off = 0;
	char *path = NULL;
	int fd;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert(fd >= 0, "open %s", path);
	while (off < len) {
		ssize_t n = write(fd, content + off, len - off);

		cr_assert(n > 0, "write %s", path);
		off += (size_t)n;
	}
	cr_assert(close(fd) == 0);
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void mgo_test_rmtree(const char *dir)
{
	cr_assert(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "rm -r %s", dir);
}

char *mgo_test_dir;

void mgo_test_tmp_init(void)
{
	mgo_test_dir = mgo_test_tmpdir();
}

void mgo_test_tmp_fini(void)
{
	mgo_test_rmtree(mgo_test_dir);
	free(mgo_test_dir);
	mgo_test_dir = NULL;
}

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

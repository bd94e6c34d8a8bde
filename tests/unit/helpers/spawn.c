#include "spawn.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgo/loop.h"
#include "testenv.h"

extern char **environ;

pid_t spawn_logged(const char *const argv[], const char *const env[], const char *logpath)
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (mgo_test_die_with_parent(parent) != 0 || fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	for (size_t i = 0; env && env[i]; i++)
		putenv((char *)env[i]);
	execve(argv[0], (char *const *)argv, environ);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waiting for a child or a file has no fd to block on here; a short pause
 * between checks, bounded by the caller's deadline, is the wait. */
static void pause_briefly(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

int stop_process(pid_t pid, int sig, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;
	int st;

	if (kill(pid, sig) != 0 && errno != ESRCH)
		return -1;
	while (mgo_now_ms() < end) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return st;
		if (w < 0)
			return -1;
		pause_briefly();
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, used = 0, n;

	if (!f)
		return NULL;
	do {
		if (used + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + used, 1, 4096, f);
		used += n;
	} while (n > 0);
	fclose(f);
	buf[used] = '\0';
	return buf;
}

bool wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;

	do {
		char *text = slurp(path);
		bool found = text && strstr(text, needle);
		free(text);
		if (found)
			return true;
		pause_briefly();
	} while (mgo_now_ms() < end);
	return false;
}

void make_temp_dir(char *buf, size_t len, const char *prefix)
{
	snprintf(buf, len, "/tmp/%s-XXXXXX", prefix);
	if (!mkdtemp(buf))
		abort();
}

void remove_tree(const char *dir)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

char *run_ok(const char *dir, const char *const argv[])
{
	char out[4096];
	int status;
	pid_t pid;
	char *text;

	snprintf(out, sizeof(out), "%s/out", dir);
	unlink(out);
	pid = spawn_logged(argv, NULL, out);
	cr_assert_gt(pid, 0, "cannot run %s", argv[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	text = slurp(out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s %s failed:\n%s", argv[0],
		  argv[1] ? argv[1] : "", text ? text : "");
	return text;
}

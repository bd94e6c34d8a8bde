/* mgoctl image, and mgoctl's usage handling, run as a user would run them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_TIMEOUT_MS 10000
#define MAX_ARGS 8

struct output {
	char buf[16384];
	size_t n;
};

struct result {
	int exit_code;          /* -1: did not exit normally */
	struct output out, err;
};

static long now_ms(void)
{
	struct timespec ts;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads what is ready on fd into o; closes fd and returns -1 at EOF. */
static int drain(int fd, struct output *o)
{
	ssize_t k = read(fd, o->buf + o->n, sizeof(o->buf) - 1 - o->n);

	if (k < 0 && errno == EINTR)
		return fd;
	cr_assert_geq(k, 0, "read: %s", strerror(errno));
	cr_assert_lt(o->n + (size_t)k, sizeof(o->buf) - 1, "mgoctl wrote more than the test expects");
	o->n += (size_t)k;
	o->buf[o->n] = '\0';
	if (k == 0) {
		cr_assert_eq(close(fd), 0);
		return -1;
	}
	return fd;
}

/* Runs mgoctl with args (NULL-terminated), no shell, and collects both
 * output streams until it exits or RUN_TIMEOUT_MS passes. */
static void run_mgoctl(const char *const *args, struct result *res)
{
	char *argv[MAX_ARGS + 2] = { MGO_MGOCTL_BIN };
	int out[2], err[2], status;
	struct pollfd p[2];
	long deadline = now_ms() + RUN_TIMEOUT_MS;
	pid_t pid;
	size_t i;

	memset(res, 0, sizeof(*res));
	for (i = 0; args[i] != NULL; i++) {
		cr_assert_lt(i, MAX_ARGS);
		argv[i + 1] = (char *)args[i];
	}
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
			_exit(126);
		execv(MGO_MGOCTL_BIN, argv);
		_exit(127);
	}
	cr_assert_eq(close(out[1]), 0);
	cr_assert_eq(close(err[1]), 0);
	p[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long left = deadline - now_ms();
		int rc;

		if (left <= 0) {
			cr_expect_eq(kill(pid, SIGKILL), 0);
			cr_expect_eq(waitpid(pid, NULL, 0), pid);
			cr_assert_fail("mgoctl did not finish within %d ms", RUN_TIMEOUT_MS);
		}
		rc = poll(p, 2, (int)left);
		cr_assert(rc >= 0 || errno == EINTR, "poll: %s", strerror(errno));
		if (rc > 0 && p[0].revents != 0)
			p[0].fd = drain(p[0].fd, &res->out);
		if (rc > 0 && p[1].revents != 0)
			p[1].fd = drain(p[1].fd, &res->err);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct cli_case {
	const char *args[MAX_ARGS + 1];
	int exit_code;
	const char *out;        /* exact stdout */
	const char *err;        /* substring of stderr; NULL: stderr must be empty */
};

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define USAGE "usage: mgoctl COMMAND [ARG...]\n"

static const struct cli_case cli_cases[] = {
	{ { "image", "busybox", "localhost:5000/x", "[::1]:5000/x", "quay.io/a/b@sha256:" H64, NULL }, 0,
	  "busybox -> docker.io/library/busybox:latest\n"
	  "localhost:5000/x -> localhost:5000/x:latest\n"
	  "[::1]:5000/x -> [::1]:5000/x:latest\n"
	  "quay.io/a/b@sha256:" H64 " -> quay.io/a/b@sha256:" H64 "\n", NULL },
	/* one bad reference fails the run but every reference is reported */
	{ { "image", "Busybox", "busybox:1.36", "busybox@md5:00", NULL }, 1,
	  "Busybox: invalid: path component \"Busybox\" must be lowercase\n"
	  "busybox:1.36 -> docker.io/library/busybox:1.36\n"
	  "busybox@md5:00: invalid: digest algorithm \"md5\" is not supported (use sha256, sha384 or sha512)\n",
	  NULL },
	/* what is echoed back stays on one line, one token */
	{ { "image", "a b\nc", NULL }, 1,
	  "a\\x20b\\x0ac: invalid: reference has whitespace (0x20) at position 2\n", NULL },
	{ { "image", "a\\b", NULL }, 1,
	  "a\\x5cb: invalid: path component \"a\\b\" has invalid character '\\' at position 2\n", NULL },
	{ { "image", "", NULL }, 1, ": invalid: reference is empty\n", NULL },
	{ { "image", "--", "busybox", NULL }, 0, "busybox -> docker.io/library/busybox:latest\n", NULL },
	/* help is asked for: stdout, success */
	{ { "--help", NULL }, 0, USAGE "\ncommands:\n"
	  "  image REF...\n      check image references and print their canonical form\n"
	  "  ipc [--trace UID | --mg NS/NAME] [FILE|-]\n"
	  "      print the IPC log of the operator's processes as a timeline\n"
	  "  permissions [--deploy DIR] [--config FILE]\n"
	  "      print what each process may do (API, token, sandbox) as Markdown\n"
	  "\nexit status: 0 success, 1 the command found a problem, 2 usage or output error\n", NULL },
	{ { "image", "--help", NULL }, 0,
	  "usage: mgoctl image [--] REF...\ncheck image references and print their canonical form\n", NULL },
	/* usage errors: nothing on stdout, the reason on stderr */
	{ { NULL }, 2, "", USAGE },
	{ { "frobnicate", NULL }, 2, "", "mgoctl: unknown command \"frobnicate\"\n" USAGE },
	{ { "image", NULL }, 2, "", "mgoctl image: missing REF...\n" },
	{ { "image", "--", NULL }, 2, "", "mgoctl image: missing REF...\n" },
	{ { "image", "-x", "busybox", NULL }, 2, "", "mgoctl image: unknown option \"-x\"\n" },
};

Test(mgoctl_image, cli_table)
{
	for (size_t i = 0; i < sizeof(cli_cases) / sizeof(cli_cases[0]); i++) {
		const struct cli_case *c = &cli_cases[i];
		struct result r;

		run_mgoctl(c->args, &r);
		cr_expect_eq(r.exit_code, c->exit_code, "case %zu: exit %d, stderr: %s", i, r.exit_code, r.err.buf);
		cr_expect_str_eq(r.out.buf, c->out, "case %zu: stdout", i);
		if (c->err == NULL)
			cr_expect_str_empty(r.err.buf, "case %zu: stderr", i);
		else
			cr_expect_not_null(strstr(r.err.buf, c->err), "case %zu: stderr is \"%s\"", i, r.err.buf);
	}
}

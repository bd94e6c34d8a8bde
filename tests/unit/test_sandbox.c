/* The per-role sandbox (mgo/sandbox.h) holds its promises. Each check runs in
 * a forked child that sandboxes itself, reports what it saw on a kept pipe
 * and exits; the parent asserts on the report and on how the child ended
 * (SIGSYS for a refused syscall). A sandboxed process cannot run Criterion's
 * assertions: their descriptors are closed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/ipc_sock.h"
#include "mgo/kube_access.h"
#include "mgo/sandbox.h"
#include "spawn.h"
#include "tokens.h"

static char dir[64], sockdir[80], vdir[96], ldir[96];
static int report_fd = -1;
static struct mgo_sandbox_report child_report; /* in the child, once sandboxed */

static void setup(void)
{
	make_temp_dir(dir, sizeof(dir), "mgo-sandbox");
	snprintf(sockdir, sizeof(sockdir), "%s/run", dir);
	cr_assert_eq(mkdir(sockdir, 0700), 0);
	/* as the supervisor makes them: each binder's own directory */
	snprintf(vdir, sizeof(vdir), "%s/validator", sockdir);
	snprintf(ldir, sizeof(ldir), "%s/launcher", sockdir);
	cr_assert_eq(mkdir(vdir, 0700), 0);
	cr_assert_eq(mkdir(ldir, 0700), 0);
}

static void teardown(void)
{
	remove_tree(dir);
}

TestSuite(sandbox, .init = setup, .fini = teardown, .timeout = 120);

/* In the child: note a failed claim for the parent and stop there. */
__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(report_fd, fmt, ap);
	va_end(ap);
	_exit(1);
}

#define CHECK(cond, ...)                  \
	do {                              \
		if (!(cond))              \
			fail(__VA_ARGS__); \
	} while (0)

struct child {
	struct mgo_sandbox_policy policy;
	int keep[8];                   /* besides the report pipe; -1-ended */
	const char *stderr_path;       /* the child's stderr goes there; NULL: inherited */
	int (*before)(void *arg);      /* runs before the sandbox, may be NULL;
	                                  returns a descriptor to keep, or -1 */
	void (*body)(void *arg);       /* runs sandboxed; returning means success */
	void *arg;
	int expect_rc;                 /* what mgo_sandbox_apply must return */
};

struct outcome {
	int status;                    /* waitpid status, -1: timed out */
	char report[512];              /* what the child said failed */
};

static struct outcome run_child(struct child *c)
{
	struct outcome o = {0};
	int pipefd[2], keep[10], n = 0, errfd;
	pid_t pid;

	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int rc;

		close(pipefd[0]);
		report_fd = pipefd[1];
		if (c->stderr_path) {
			errfd = open(c->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (errfd < 0 || dup2(errfd, 2) < 0)
				fail("stderr: %s", strerror(errno));
			close(errfd);
		}
		keep[n++] = report_fd;
		if (c->before && (keep[n] = c->before(c->arg)) >= 0)
			n++;
		for (int i = 0; c->keep[i] != -1; i++)
			keep[n++] = c->keep[i];
		keep[n] = -1;
		c->policy.keep_fds = keep;
		if ((rc = mgo_sandbox_apply(&c->policy, &child_report)) != c->expect_rc)
			fail("mgo_sandbox_apply: %s", strerror(-rc));
		c->body(c->arg);
		_exit(0);
	}
	close(pipefd[1]);
	o.status = stop_process(pid, 0, 60000);
	ssize_t got = read(pipefd[0], o.report, sizeof(o.report) - 1);
	o.report[got > 0 ? got : 0] = '\0';
	close(pipefd[0]);
	return o;
}

static void assert_passed(const struct outcome *o)
{
	cr_assert(o->status != -1, "the child hung");
	cr_assert(WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0,
		  "the child failed (status %#x): %s", o->status, o->report);
}

/* The validator's filter kills every call off its allowlist (mgo/sandbox.h):
 * for it a refusal may be the kill itself, SIGSYS with nothing reported. */
static bool killed_by_allowlist(enum mgo_role role, const struct outcome *o)
{
	return role == MGO_ROLE_VALIDATOR && o->status != -1 && WIFSIGNALED(o->status) &&
	       WTERMSIG(o->status) == SIGSYS && o->report[0] == '\0';
}

/* The directory a role's policy names, as the programs fill it in. */
static const char *bind_dir_of(enum mgo_role role)
{
	return role == MGO_ROLE_VALIDATOR ? vdir : role == MGO_ROLE_LAUNCHER ? ldir : sockdir;
}

static struct child role_child(enum mgo_role role, void (*body)(void *), void *arg)
{
	return (struct child){
		.policy = {.role = role, .bind_dir = bind_dir_of(role)},
		.keep = {-1},
		.body = body,
		.arg = arg,
	};
}

/* Runs body in role's sandbox with the default policy; it must pass. */
static void passes(enum mgo_role role, void (*body)(void *), void *arg)
{
	struct child c = role_child(role, body, arg);
	struct outcome o = run_child(&c);

	assert_passed(&o);
}

/* Runs body in role's sandbox: it must pass, or be a refusal the
 * validator's allowlist made by killing it. */
static void passes_or_killed(enum mgo_role role, void (*body)(void *), void *arg)
{
	struct child c = role_child(role, body, arg);
	struct outcome o = run_child(&c);

	if (killed_by_allowlist(role, &o))
		return;
	cr_assert(o.status != -1, "%s: the child hung", mgo_role_name(role));
	cr_assert(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
		  "%s: the child failed (status %#x): %s", mgo_role_name(role), o.status, o.report);
}

static int tcp_listener(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int tcp_connect(int fd, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* --- the validator reaches nothing ------------------------------------- */

static void unix_refused(void *arg)
{
	static const int families[] = {AF_UNIX, AF_NETLINK, AF_PACKET, AF_VSOCK, AF_BLUETOOTH,
				       AF_MAX};
	int fd, pair[2];

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		errno = 0;
		fd = socket(families[i], SOCK_STREAM, 0);
		CHECK(fd < 0 && errno == EACCES, "socket(%d): fd %d, %s", families[i], fd,
		      strerror(errno));
	}
	/* the kernel reads an int: stray high bits must not smuggle AF_UNIX
	 * past the rules */
	fd = (int)syscall(SYS_socket, (1L << 32) | AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd < 0 && errno == EACCES, "socket(1<<32|AF_UNIX): %d", fd);
	CHECK(socketpair(AF_INET, SOCK_STREAM, 0, pair) < 0 && errno == EACCES,
	      "socketpair(AF_INET): %s", strerror(errno));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0, "socket(AF_INET): %s", strerror(errno));
}

/* mgo-health, with a refusal table, may make only TCP sockets: every other
 * family is refused politely. (The validator's allowlist kills each one
 * instead: the_validator_is_killed_off_its_allowlist.) */
Test(sandbox, a_role_opens_no_socket_of_a_family_it_lacks)
{
	passes(MGO_ROLE_HEALTH, unix_refused, NULL);
}

struct tcp_case {
	int listener;
	uint16_t port;
	int presocket;                 /* made before the sandbox, as if leaked */
};

static int make_presocket(void *arg)
{
	struct tcp_case *t = arg;

	t->presocket = socket(AF_INET, SOCK_STREAM, 0);
	if (t->presocket < 0)
		fail("socket before the sandbox: %s", strerror(errno));
	return t->presocket;
}

static void tcp_refused(void *arg)
{
	struct tcp_case *t = arg;
	struct sockaddr_in any = {.sin_family = AF_INET};

	/* the listener was not kept: it is closed */
	CHECK(fcntl(t->listener, F_GETFD) < 0, "the listener's descriptor survived");
	errno = 0;
	CHECK(tcp_connect(t->presocket, t->port) < 0 && errno == EACCES,
	      "connect to 127.0.0.1:%u: %s", (unsigned)t->port, strerror(errno));
	errno = 0;
	CHECK(bind(t->presocket, (struct sockaddr *)&any, sizeof(any)) < 0 && errno == EACCES,
	      "bind: %s", strerror(errno));
}

/* Landlock's own refusal, on a TCP socket seccomp never saw being made. */
Test(sandbox, validator_connects_nowhere_over_tcp)
{
	struct tcp_case t = {0};
	t.listener = tcp_listener(&t.port);
	struct child c = role_child(MGO_ROLE_VALIDATOR, tcp_refused, &t);
	c.before = make_presocket;
	struct outcome o = run_child(&c);
	close(t.listener);
	assert_passed(&o);
}

static void zmq_ipc_works(void *arg)
{
	char endpoint[160], buf[16];
	void *zctx = zmq_ctx_new(), *pull = NULL, *push = NULL;
	struct stat st;
	int n;

	snprintf(endpoint, sizeof(endpoint), "ipc://%s/socket", vdir);
	CHECK(zctx, "zmq_ctx_new: %s", zmq_strerror(errno));
	CHECK(mgo_ipc_bind_pull(zctx, endpoint, NULL, &pull) == 0, "bind %s: %s", endpoint,
	      zmq_strerror(errno));
	CHECK(mgo_ipc_connect_push(zctx, endpoint, NULL, &push) == 0, "connect: %s",
	      zmq_strerror(errno));
	CHECK(zmq_send(push, "ping", 4, 0) == 4, "send: %s", zmq_strerror(errno));
	zmq_pollitem_t item = {.socket = pull, .events = ZMQ_POLLIN};
	CHECK(zmq_poll(&item, 1, 10000) == 1, "nothing arrived");
	n = zmq_recv(pull, buf, sizeof(buf), 0);
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "recv: %d", n);
	zmq_close(push);
	mgo_ipc_close_bound(pull, endpoint);
	CHECK(stat(endpoint + 6, &st) != 0 && errno == ENOENT, "the socket file stayed");
	zmq_ctx_term(zctx);
}

Test(sandbox, validator_zeromq_ipc_still_works)
{
	passes(MGO_ROLE_VALIDATOR, zmq_ipc_works, NULL);
}

/* --- refused syscalls --------------------------------------------------- */

struct probe {
	const char *desc;   /* the syscall's name in mgo_sandbox_describe */
	long nr;
	long a[6];
};

/* Each must kill the process. Arguments are harmless should the rule be
 * missing: null pointers, bad descriptors, no privilege. */
static const struct probe killed[] = {
	{"io_uring_setup", SYS_io_uring_setup, {1, 0}},
	{"io_uring_enter", SYS_io_uring_enter, {-1}},
	{"io_uring_register", SYS_io_uring_register, {-1}},
	{"ptrace", SYS_ptrace, {PTRACE_TRACEME}},
	{"process_vm_readv", SYS_process_vm_readv, {1}},
	{"process_vm_writev", SYS_process_vm_writev, {1}},
	{"pidfd_getfd", SYS_pidfd_getfd, {-1, 0}},
	{"kcmp", SYS_kcmp, {1, 1}},
	{"process_madvise", SYS_process_madvise, {-1}},
	{"migrate_pages", SYS_migrate_pages, {1}},
	{"move_pages", SYS_move_pages, {1}},
	{"bpf", SYS_bpf, {0, 0, 0}},
	{"perf_event_open", SYS_perf_event_open, {0}},
	{"userfaultfd", SYS_userfaultfd, {0}},
	{"keyctl", SYS_keyctl, {0}},
	{"add_key", SYS_add_key, {0}},
	{"request_key", SYS_request_key, {0}},
	{"kexec_load", SYS_kexec_load, {0}},
	{"kexec_file_load", SYS_kexec_file_load, {-1, -1}},
	{"init_module", SYS_init_module, {0}},
	{"finit_module", SYS_finit_module, {-1}},
	{"delete_module", SYS_delete_module, {0}},
	{"mount", SYS_mount, {0}},
	{"umount2", SYS_umount2, {0}},
	{"pivot_root", SYS_pivot_root, {0}},
	{"chroot", SYS_chroot, {0}},
	{"mount_setattr", SYS_mount_setattr, {-1}},
	{"move_mount", SYS_move_mount, {-1}},
	{"open_tree", SYS_open_tree, {-1}},
	{"fsopen", SYS_fsopen, {0}},
	{"fsconfig", SYS_fsconfig, {-1}},
	{"fsmount", SYS_fsmount, {-1}},
	{"fspick", SYS_fspick, {-1}},
	{"name_to_handle_at", SYS_name_to_handle_at, {-1}},
	{"open_by_handle_at", SYS_open_by_handle_at, {-1}},
	{"unshare", SYS_unshare, {CLONE_NEWUSER}},
	{"setns", SYS_setns, {-1}},
	{"clone", SYS_clone, {SIGCHLD}},                                   /* fork */
	{"clone", SYS_clone, {CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWNET, -1}},
	{"fork", SYS_fork, {0}},
	{"vfork", SYS_vfork, {0}},
	{"execve", SYS_execve, {0}},
	{"execveat", SYS_execveat, {-1}},
	{"personality", SYS_personality, {READ_IMPLIES_EXEC}},
	{"prctl", SYS_prctl, {PR_SET_DUMPABLE, 1}},
	{"prctl", SYS_prctl, {(1L << 32) | PR_SET_DUMPABLE, 1}},         /* the kernel reads an int */
	{"ioctl", SYS_ioctl, {-1, TIOCSTI}},
	{"ioctl", SYS_ioctl, {-1, (1L << 32) | TIOCSTI}},
	{"ioctl", SYS_ioctl, {-1, TIOCLINUX}},
	{"reboot", SYS_reboot, {0}},
	{"syslog", SYS_syslog, {3, 0, 0}},
	{"acct", SYS_acct, {0}},
	{"swapon", SYS_swapon, {0}},
	{"swapoff", SYS_swapoff, {0}},
	{"settimeofday", SYS_settimeofday, {0}},
	{"clock_settime", SYS_clock_settime, {-1}},
	{"clock_adjtime", SYS_clock_adjtime, {-1}},
	{"adjtimex", SYS_adjtimex, {0}},
	{"sethostname", SYS_sethostname, {0}},
	{"setdomainname", SYS_setdomainname, {0}},
	{"iopl", SYS_iopl, {0}},
	{"ioperm", SYS_ioperm, {0}},
	{"modify_ldt", SYS_modify_ldt, {0}},
	{"quotactl", SYS_quotactl, {0}},
	{"vhangup", SYS_vhangup, {0}},
	{"uselib", SYS_uselib, {0}},
	{"ustat", SYS_ustat, {0}},
	{"sysfs", SYS_sysfs, {0}},
	{"_sysctl", SYS__sysctl, {0}},
	{"lookup_dcookie", SYS_lookup_dcookie, {0}},
	/* x32's socket(): another ABI's number space */
	{"a syscall of another ABI (i386, x32)", 0x40000000L | SYS_socket, {AF_INET, SOCK_STREAM}},
};

static void make_call(void *arg)
{
	const struct probe *p = arg;
	long r = syscall(p->nr, p->a[0], p->a[1], p->a[2], p->a[3], p->a[4], p->a[5]);

	if (r == 0 && (p->nr == SYS_fork || p->nr == SYS_vfork || p->nr == SYS_clone))
		_exit(0); /* a new process the filter let through */
	fail("%s returned %ld (%s)", p->desc, r, strerror(errno));
}

Test(sandbox, dangerous_syscalls_kill_every_role)
{
	char failures[4096] = "";
	size_t used = 0;

	for (int role = MGO_ROLE_SUPERVISOR; role < MGO_ROLE_N; role++) {
		for (size_t i = 0; i < sizeof(killed) / sizeof(killed[0]); i++) {
			struct child c = role_child((enum mgo_role)role, make_call,
						    (void *)&killed[i]);
			struct outcome o = run_child(&c);

			if (o.status != -1 && WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGSYS)
				continue;
			used += (size_t)snprintf(failures + used, sizeof(failures) - used,
						 "%s: %s #%zu (status %#x) %s\n",
						 mgo_role_name(role), killed[i].desc, i,
						 o.status, o.report);
			if (used >= sizeof(failures))
				break;
		}
	}
	cr_assert_str_empty(failures, "not killed:\n%s", failures);
}

/* What the other roles may do but the validator's allowlist does not list:
 * each kills it. With the refusal table in its place, each would return. */
static const struct probe off_the_validators_list[] = {
	{"socket(AF_INET)", SYS_socket, {AF_INET, SOCK_STREAM}},
	{"socket(AF_INET6)", SYS_socket, {AF_INET6, SOCK_STREAM}},
	{"socket(1<<32|AF_INET)", SYS_socket, {(1L << 32) | AF_INET, SOCK_STREAM}},
	{"socket(AF_NETLINK)", SYS_socket, {AF_NETLINK, SOCK_RAW}},
	{"socket(AF_UNIX, SOCK_DGRAM)", SYS_socket, {AF_UNIX, SOCK_DGRAM}},
	{"socket(AF_UNIX, SOCK_SEQPACKET)", SYS_socket, {AF_UNIX, SOCK_SEQPACKET}},
	{"socketpair(AF_UNIX)", SYS_socketpair, {AF_UNIX, SOCK_STREAM, 0, 0}},
	{"kill", SYS_kill, {0, 0}},
	{"getcwd", SYS_getcwd, {0, 0}},
	{"uname", SYS_uname, {0}},
	{"rename", SYS_rename, {0, 0}},
	{"mkdir", SYS_mkdir, {0, 0700}},
	{"prlimit64", SYS_prlimit64, {0, RLIMIT_NOFILE, 0, 0}},
	{"prctl(PR_GET_DUMPABLE)", SYS_prctl, {PR_GET_DUMPABLE}},
	{"personality(query)", SYS_personality, {0xffffffff}},
	{"dup", SYS_dup, {2}},
	{"pipe2", SYS_pipe2, {0, 0}},
	{"chdir", SYS_chdir, {0}},
};

Test(sandbox, the_validator_is_killed_off_its_allowlist)
{
	char failures[4096] = "";
	size_t used = 0;

	for (size_t i = 0; i < sizeof(off_the_validators_list) / sizeof(off_the_validators_list[0]);
	     i++) {
		struct child c = role_child(MGO_ROLE_VALIDATOR, make_call,
					    (void *)&off_the_validators_list[i]);
		struct outcome o = run_child(&c);

		if (o.status != -1 && WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGSYS)
			continue;
		used += (size_t)snprintf(failures + used, sizeof(failures) - used,
					 "%s (status %#x) %s\n", off_the_validators_list[i].desc,
					 o.status, o.report);
		if (used >= sizeof(failures))
			break;
	}
	cr_assert_str_empty(failures, "not killed:\n%s", failures);
}

static void *thread_main(void *arg)
{
	return arg;
}

/* What the filter must keep allowing, and the polite refusals. */
static void allowed_calls(void *arg)
{
	static int token;
	pthread_t t;
	void *ret = NULL;
	long r;

	CHECK(pthread_create(&t, NULL, thread_main, &token) == 0 && pthread_join(t, &ret) == 0 &&
	      ret == &token, "threads no longer start");
	errno = 0;
	r = syscall(SYS_clone3, NULL, 0);
	CHECK(r < 0 && errno == ENOSYS, "clone3: %ld %s", r, strerror(errno));
	if (child_report.role == MGO_ROLE_VALIDATOR)
		return; /* no queries on its allowlist */
	CHECK(personality(0xffffffff) >= 0, "querying the personality: %s", strerror(errno));
	CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "dumpable");
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs");
	CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, "seccomp filter mode");
}

Test(sandbox, threads_and_queries_still_work)
{
	for (int role = MGO_ROLE_SUPERVISOR; role < MGO_ROLE_N; role++)
		passes((enum mgo_role)role, allowed_calls, NULL);
}

struct described {
	const char *name;
	bool found;
};

static void find_kill_entry(const struct mgo_sandbox_entry *e, void *ctx)
{
	struct described *d = ctx;
	size_t n = strlen(d->name);

	if (strcmp(e->layer, "seccomp") == 0 && strncmp(e->what, d->name, n) == 0 &&
	    (e->what[n] == '\0' || e->what[n] == ':') && strcmp(e->effect, "kill (SIGSYS)") == 0)
		d->found = true;
}

/* For the allowlist: found when name is allowed whatever its arguments
 * (clone and prctl are allowed only in forms the probes do not use). */
static void find_allowed_entry(const struct mgo_sandbox_entry *e, void *ctx)
{
	struct described *d = ctx;

	if (strcmp(e->layer, "seccomp") == 0 && strcmp(e->what, d->name) == 0 &&
	    strcmp(e->effect, "allowed") == 0)
		d->found = true;
}

/* The auditors' table lists every refusal the kernel enforces. */
Test(sandbox, the_description_lists_each_refusal)
{
	for (int role = MGO_ROLE_SUPERVISOR; role < MGO_ROLE_N; role++)
		for (size_t i = 0; i < sizeof(killed) / sizeof(killed[0]); i++) {
			struct described d = {killed[i].desc, false};
			/* the allowlist kills what it does not list */
			if (role == MGO_ROLE_VALIDATOR &&
			    strncmp(killed[i].desc, "a syscall of", 12) != 0) {
				mgo_sandbox_describe((enum mgo_role)role, find_allowed_entry, &d);
				cr_assert(!d.found, "validator: %s is allowed", killed[i].desc);
				d = (struct described){"any syscall not allowed below", false};
			}
			mgo_sandbox_describe((enum mgo_role)role, find_kill_entry, &d);
			cr_assert(d.found, "%s: no kill entry for %s", mgo_role_name(role),
				  d.name);
		}
}

struct layers {
	char order[16];                /* first letter of each run of one layer */
	char families[128];
};

static void collect_layers(const struct mgo_sandbox_entry *e, void *ctx)
{
	struct layers *l = ctx;
	size_t n = strlen(l->order);

	if ((n == 0 || l->order[n - 1] != e->layer[0]) && n + 1 < sizeof(l->order))
		l->order[n] = e->layer[0];
	if (strcmp(e->layer, "seccomp") == 0 && strncmp(e->what, "socket: any family", 18) == 0)
		snprintf(l->families, sizeof(l->families), "%s", e->what);
}

Test(sandbox, the_description_follows_the_order_applied)
{
	struct layers l = {0};

	mgo_sandbox_describe(MGO_ROLE_VALIDATOR, collect_layers, &l);
	/* descriptors, rlimits, prctl, Landlock, seccomp */
	cr_assert_str_eq(l.order, "prpls");
	memset(&l, 0, sizeof(l));
	mgo_sandbox_describe(MGO_ROLE_HEALTH, collect_layers, &l);
	cr_assert_str_eq(l.families, "socket: any family but AF_INET, AF_INET6");
	memset(&l, 0, sizeof(l));
	mgo_sandbox_describe(MGO_ROLE_WATCHER, collect_layers, &l);
	cr_assert_str_eq(l.families, "socket: any family but AF_UNIX, AF_INET, AF_INET6");
}

/* --- files -------------------------------------------------------------- */

struct paths {
	char own_dir[160], own[200], other[200], config[200];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_geq(fputs(text, f), 0);
	cr_assert_eq(fclose(f), 0);
}

static void make_tokens(struct paths *p)
{
	char d[160];

	snprintf(d, sizeof(d), "%s/secrets", dir);
	cr_assert_eq(mkdir(d, 0700), 0);
	snprintf(p->own_dir, sizeof(p->own_dir), "%s/secrets/watcher", dir);
	cr_assert_eq(mkdir(p->own_dir, 0700), 0);
	snprintf(d, sizeof(d), "%s/secrets/launcher", dir);
	cr_assert_eq(mkdir(d, 0700), 0);
	snprintf(p->own, sizeof(p->own), "%s/token", p->own_dir);
	snprintf(p->other, sizeof(p->other), "%s/secrets/launcher/token", dir);
	snprintf(p->config, sizeof(p->config), "%s/config.yaml", dir);
	write_file(p->own, "watcher-token");
	write_file(p->other, "launcher-token");
	write_file(p->config, "namespace: x\n");
}

static void expect_eacces(const char *what, int rc)
{
	CHECK(rc < 0 && errno == EACCES, "%s: %d, %s", what, rc, strerror(errno));
}

static void watcher_files(void *arg)
{
	const struct paths *p = arg;
	char buf[64] = "", path[200];
	int fd = open(p->own, O_RDONLY);

	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 13 && strcmp(buf, "watcher-token") == 0,
	      "its own token: %s", strerror(errno));
	close(fd);
	expect_eacces("the launcher's token", open(p->other, O_RDONLY));
	expect_eacces("the configuration", open(p->config, O_RDONLY));
	expect_eacces("its own token for writing", open(p->own, O_WRONLY));
	snprintf(path, sizeof(path), "%s/new", dir);
	expect_eacces("a new file", open(path, O_WRONLY | O_CREAT, 0600));
	snprintf(path, sizeof(path), "%s/new", sockdir);
	expect_eacces("a new file in the socket directory", open(path, O_WRONLY | O_CREAT, 0600));
	expect_eacces("unlink", unlink(p->config));
	expect_eacces("truncate", truncate(p->config, 0));
}

Test(sandbox, watcher_reads_its_token_and_nothing_else)
{
	struct paths p;
	make_tokens(&p);
	const char *reads[] = {p.own_dir, NULL};
	struct child c = role_child(MGO_ROLE_WATCHER, watcher_files, &p);
	c.policy.read_paths = reads;
	struct outcome o = run_child(&c);
	assert_passed(&o);
}

static void launcher_writes(void *arg)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char path[200];
	int fd;

	snprintf(path, sizeof(path), "%s/file", ldir);
	expect_eacces("a regular file in its socket directory", open(path, O_WRONLY | O_CREAT, 0600));
	snprintf(path, sizeof(path), "%s/sub", ldir);
	expect_eacces("a directory in its socket directory", mkdir(path, 0700));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/socket", ldir);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind in the socket directory: %s",
	      strerror(errno));
	CHECK(unlink(a.sun_path) == 0, "removing its socket: %s", strerror(errno));
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/elsewhere", dir);
	expect_eacces("bind outside the socket directory", bind(fd, (struct sockaddr *)&a, sizeof(a)));
	snprintf(path, sizeof(path), "%s/file", dir);
	expect_eacces("a file outside the socket directory", open(path, O_WRONLY | O_CREAT, 0600));
}

Test(sandbox, launcher_creates_only_its_socket)
{
	passes(MGO_ROLE_LAUNCHER, launcher_writes, NULL);
}

struct rotation {
	char token[200];
	int ready, go;                 /* child -> parent, parent -> child */
};

static void read_token(const char *path, const char *want)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(read(fd, buf, sizeof(buf) - 1) > 0 && strcmp(buf, want) == 0, "read %s: '%s'", path,
	      buf);
	close(fd);
}

static void rotated_token(void *arg)
{
	struct rotation *r = arg;
	char c;

	read_token(r->token, "one");
	CHECK(write(r->ready, "r", 1) == 1, "ready");
	CHECK(read(r->go, &c, 1) == 1, "go");
	read_token(r->token, "two");
}

/* The kubelet rotates a projected token by writing a new timestamped
 * directory and swapping the ..data symlink to it. */
Test(sandbox, a_rotated_projected_token_stays_readable)
{
	char d[160], p[200], tmp[200];
	int ready[2], go[2];
	struct rotation r;

	snprintf(d, sizeof(d), "%s/token", dir);
	cr_assert_eq(mkdir(d, 0700), 0);
	snprintf(p, sizeof(p), "%s/..v1", d);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/..v1/token", d);
	write_file(p, "one");
	snprintf(p, sizeof(p), "%s/..data", d);
	cr_assert_eq(symlink("..v1", p), 0);
	snprintf(r.token, sizeof(r.token), "%s/token", d);
	cr_assert_eq(symlink("..data/token", r.token), 0);
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	r.ready = ready[1];
	r.go = go[0];

	const char *reads[] = {d, NULL};
	struct child c = role_child(MGO_ROLE_WATCHER, rotated_token, &r);
	c.policy.read_paths = reads;
	c.keep[0] = ready[1];
	c.keep[1] = go[0];
	c.keep[2] = -1;

	/* the rotation runs in a helper so that run_child can wait meanwhile */
	pid_t rotator = fork();
	cr_assert_geq(rotator, 0);
	if (rotator == 0) {
		char ch;
		if (read(ready[0], &ch, 1) != 1)
			_exit(1);
		snprintf(p, sizeof(p), "%s/..v2", d);
		if (mkdir(p, 0700) != 0)
			_exit(2);
		snprintf(p, sizeof(p), "%s/..v2/token", d);
		FILE *f = fopen(p, "w");
		if (!f || fputs("two", f) < 0 || fclose(f) != 0)
			_exit(3);
		snprintf(tmp, sizeof(tmp), "%s/..data_tmp", d);
		snprintf(p, sizeof(p), "%s/..data", d);
		if (symlink("..v2", tmp) != 0 || rename(tmp, p) != 0)
			_exit(4);
		_exit(write(go[1], "g", 1) == 1 ? 0 : 5);
	}
	struct outcome o = run_child(&c);
	int st = stop_process(rotator, 0, 10000);
	assert_passed(&o);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "rotation failed: %#x", st);
}

/* --- the watcher and launcher on the network ---------------------------- */

/* --- no datagrams, no Unix socket outside the peers, no peer's socket ---- */

static const enum mgo_role all_roles[] = {
	MGO_ROLE_WATCHER, MGO_ROLE_VALIDATOR, MGO_ROLE_LAUNCHER, MGO_ROLE_HEALTH,
	MGO_ROLE_SUPERVISOR,
};

/* Runs body in each role's sandbox; every one must pass (or, the
 * validator, be killed by its allowlist). */
static void passes_in_every_role(void (*body)(void *), void *arg)
{
	for (size_t i = 0; i < sizeof(all_roles) / sizeof(all_roles[0]); i++)
		passes_or_killed(all_roles[i], body, arg);
}

struct udp_case {
	int listener;
	uint16_t port;
};

/* A token sent as a datagram would leave by UDP to any address (Landlock
 * has no UDP rules): every way to make a datagram socket is refused. */
static void udp_refused(void *arg)
{
	static const struct {
		int family, type, proto;
	} tries[] = {
		{AF_INET, SOCK_DGRAM, 0},
		{AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP},
		{AF_INET6, SOCK_DGRAM, 0},
		{AF_INET, SOCK_RAW, IPPROTO_UDP},
		{AF_INET, SOCK_RAW, IPPROTO_ICMP},
		{AF_INET6, SOCK_SEQPACKET, 0},
		{AF_UNIX, SOCK_DGRAM, 0},
		{AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0},
	};
	const struct udp_case *u = arg;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(u->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd;

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		errno = 0;
		fd = socket(tries[i].family, tries[i].type, tries[i].proto);
		if (fd >= 0 && tries[i].family == AF_INET && (tries[i].type & 0xf) == SOCK_DGRAM)
			sendto(fd, "exfil:token", 11, 0, (struct sockaddr *)&to, sizeof(to));
		CHECK(fd < 0 && errno == EACCES, "socket(%d, %#x, %d): fd %d, %s", tries[i].family,
		      tries[i].type, tries[i].proto, fd, strerror(errno));
	}
	/* the kernel reads an int: high bits must not hide SOCK_DGRAM */
	fd = (int)syscall(SYS_socket, AF_INET, (1L << 32) | SOCK_DGRAM, 0);
	if (fd >= 0)
		sendto(fd, "exfil:token", 11, 0, (struct sockaddr *)&to, sizeof(to));
	CHECK(fd < 0 && errno == EACCES, "socket(AF_INET, 1<<32|SOCK_DGRAM): %d", fd);
	/* and so no name resolves: the API server's was pinned before */
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo("mgo-test.invalid", "443", &hints, &res);
	CHECK(rc != 0, "a name resolved inside the sandbox");
}

Test(sandbox, no_role_sends_a_datagram)
{
	struct udp_case u;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	char buf[64];

	u.listener = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(u.listener, 0);
	cr_assert_eq(bind(u.listener, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(u.listener, (struct sockaddr *)&a, &len), 0);
	u.port = ntohs(a.sin_port);
	passes_in_every_role(udp_refused, &u);
	errno = 0;
	cr_assert(recv(u.listener, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN,
		  "a datagram arrived: %s", strerror(errno));
	close(u.listener);
}

/* Where the roles that connect over ipc:// may still connect: the
 * abstract namespace is scoped (Landlock ABI 6), and a role without
 * AF_UNIX cannot make the socket at all. */
struct unix_case {
	int abstract;                  /* listening, made outside the sandbox */
	char abstract_name[64];
	int abi;
};

static void abstract_refused(void *arg)
{
	const struct unix_case *u = arg;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				    strlen(u->abstract_name));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0) {
		/* health and the supervisor: no Unix socket of their own */
		CHECK(errno == EACCES, "socket(AF_UNIX): %s", strerror(errno));
		CHECK(child_report.role == MGO_ROLE_HEALTH ||
		      child_report.role == MGO_ROLE_SUPERVISOR, "socket(AF_UNIX) refused");
		return;
	}
	memcpy(a.sun_path + 1, u->abstract_name, strlen(u->abstract_name));
	errno = 0;
	CHECK(connect(fd, (struct sockaddr *)&a, len) < 0 && errno == EPERM,
	      "connect to an abstract socket made outside: %s", strerror(errno));
	close(fd);
}

Test(sandbox, no_role_reaches_an_abstract_unix_socket)
{
	struct unix_case u = {0};
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	u.abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1);
	if (u.abi < 6)
		cr_skip("Landlock ABI %d: abstract Unix sockets are scoped from ABI 6 on", u.abi);
	snprintf(u.abstract_name, sizeof(u.abstract_name), "mgo-test-%d", (int)getpid());
	memcpy(a.sun_path + 1, u.abstract_name, strlen(u.abstract_name));
	u.abstract = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(u.abstract, 0);
	cr_assert_eq(bind(u.abstract, (struct sockaddr *)&a,
			  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				      strlen(u.abstract_name))), 0);
	cr_assert_eq(listen(u.abstract, 4), 0);
	passes_in_every_role(abstract_refused, &u);
	close(u.abstract);
}

static void pathname_reached(void *arg)
{
	const char *path = arg;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK(fd >= 0, "socket(AF_UNIX): %s", strerror(errno));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0,
	      "connect to %s was refused: docs/permissions.md says it is not", path);
	close(fd);
}

/* What docs/permissions.md says Landlock cannot do here: a role with
 * AF_UNIX can connect() to a pathname socket it can name, even outside its
 * peer set (the kernel checks only the socket file's write permission,
 * the same uid's). CURVE and ZAP refuse such a peer on the operator's own
 * sockets (test_ipc_auth). A kernel with a Landlock ABI above 7 may have
 * LANDLOCK_ACCESS_FS_RESOLVE_UNIX, which the sandbox does not use yet:
 * then this proof no longer describes the whole truth. */
Test(sandbox, a_pathname_unix_connect_is_what_landlock_cannot_refuse)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1), fd;

	if (abi > 7)
		cr_skip("Landlock ABI %d may restrict pathname Unix connects "
			"(LANDLOCK_ACCESS_FS_RESOLVE_UNIX); the sandbox does not use it yet", abi);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/elsewhere", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	passes(MGO_ROLE_WATCHER, pathname_reached, a.sun_path);
	passes(MGO_ROLE_VALIDATOR, pathname_reached, a.sun_path);
	passes(MGO_ROLE_LAUNCHER, pathname_reached, a.sun_path);
	close(fd);
}

/* The peers' sockets, bound before the sandbox as the other process would. */
struct peers {
	int vfd, lfd;
	char vsock[160], lsock[160];
};

static int bind_unix(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind %s: %s", path,
		     strerror(errno));
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

static void make_peers(struct peers *p)
{
	snprintf(p->vsock, sizeof(p->vsock), "%s/socket", vdir);
	snprintf(p->lsock, sizeof(p->lsock), "%s/socket", ldir);
	p->vfd = bind_unix(p->vsock);
	p->lfd = bind_unix(p->lsock);
}

/* Neither peer's socket can be removed, renamed away or replaced; the
 * role's own directory (validator, launcher) still takes its own socket. */
static void peers_untouchable(void *arg)
{
	const struct peers *p = arg;
	enum mgo_role role = child_report.role;
	const char *own = role == MGO_ROLE_VALIDATOR ? vdir
			  : role == MGO_ROLE_LAUNCHER ? ldir : NULL;
	const char *socks[] = {p->vsock, p->lsock};
	const char *dirs[] = {vdir, ldir};
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char path[200];

	/* first, as the validator's allowlist kills it at rename() below */
	if (own) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(a.sun_path, sizeof(a.sun_path), "%s/next", own);
		CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0,
		      "bind in its own directory: %s", strerror(errno));
		CHECK(unlink(a.sun_path) == 0, "unlink its own socket: %s", strerror(errno));
		close(fd);
	}
	for (int i = 0; i < 2; i++) {
		if (own && strcmp(dirs[i], own) == 0)
			continue;
		expect_eacces("unlink a peer's socket", unlink(socks[i]));
		snprintf(path, sizeof(path), "%s/moved", own ? own : dir);
		errno = 0;
		CHECK(rename(socks[i], path) < 0 && (errno == EACCES || errno == EXDEV),
		      "rename a peer's socket: %s", strerror(errno));
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0) {
			CHECK(errno == EACCES, "socket(AF_UNIX): %s", strerror(errno));
			continue;
		}
		snprintf(a.sun_path, sizeof(a.sun_path), "%s/other", dirs[i]);
		expect_eacces("bind in a peer's directory", bind(fd, (struct sockaddr *)&a,
								 sizeof(a)));
		close(fd);
	}
}

Test(sandbox, no_role_but_the_owner_removes_or_replaces_a_socket)
{
	struct peers p;
	struct stat st;

	make_peers(&p);
	for (size_t i = 0; i < sizeof(all_roles) / sizeof(all_roles[0]); i++) {
		/* the supervisor removes them all at exit: its own test below */
		if (all_roles[i] == MGO_ROLE_SUPERVISOR)
			continue;
		passes_or_killed(all_roles[i], peers_untouchable, &p);
		cr_assert_eq(stat(p.vsock, &st), 0, "%s: the validator's socket is gone",
			     mgo_role_name(all_roles[i]));
		cr_assert_eq(stat(p.lsock, &st), 0, "%s: the launcher's socket is gone",
			     mgo_role_name(all_roles[i]));
	}
	close(p.vfd);
	close(p.lfd);
}

static void sibling_unsignalled(void *arg)
{
	const pid_t *sibling = arg;

	errno = 0;
	CHECK(kill(*sibling, SIGKILL) < 0 && errno == EPERM, "kill a sibling: %s",
	      strerror(errno));
}

/* Signals are scoped (Landlock ABI 6) for the four children: none can
 * signal a process outside its sandbox, a sibling of the same uid least of
 * all. The supervisor's are not (its own test below). */
Test(sandbox, no_child_signals_a_sibling)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1);
	pid_t sibling;

	if (abi < 6)
		cr_skip("Landlock ABI %d: signals are scoped from ABI 6 on", abi);
	sibling = fork();
	cr_assert_geq(sibling, 0);
	if (sibling == 0) {
		pause();
		_exit(0);
	}
	for (size_t i = 0; i < sizeof(all_roles) / sizeof(all_roles[0]); i++)
		if (all_roles[i] != MGO_ROLE_SUPERVISOR)
			passes_or_killed(all_roles[i], sibling_unsignalled, &sibling);
	int st = stop_process(sibling, SIGKILL, 5000);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the sibling ended %#x", st);
}

/* --- the supervisor ------------------------------------------------------ */

struct sup_case {
	struct paths p;
	struct peers peers;
	pid_t sibling;                 /* a process outside its domain */
};

/* Reads no file (the tokens least of all), makes no socket but a pair,
 * can stop a process it did not start in its sandbox, and removes the
 * socket directory at exit. */
static void supervisor_confined(void *arg)
{
	const struct sup_case *sc = arg;
	char path[200];
	int pair[2];

	expect_eacces("the watcher's token", open(sc->p.own, O_RDONLY));
	expect_eacces("the launcher's token", open(sc->p.other, O_RDONLY));
	expect_eacces("the configuration", open(sc->p.config, O_RDONLY));
	expect_eacces("a directory listing", open(dir, O_RDONLY | O_DIRECTORY));
	snprintf(path, sizeof(path), "%s/new", sockdir);
	expect_eacces("a new file in the socket directory", open(path, O_WRONLY | O_CREAT, 0600));
	expect_eacces("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0));
	expect_eacces("socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0));
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0,
	      "socketpair(AF_UNIX, SOCK_SEQPACKET): %s", strerror(errno));
	CHECK(kill(sc->sibling, SIGKILL) == 0, "kill a child made by the spawner: %s",
	      strerror(errno));
	CHECK(unlink(sc->peers.vsock) == 0 && unlink(sc->peers.lsock) == 0,
	      "removing the sockets at exit: %s", strerror(errno));
	CHECK(rmdir(vdir) == 0 && rmdir(ldir) == 0 && rmdir(sockdir) == 0,
	      "removing the socket directory it made: %s", strerror(errno));
	expect_eacces("removing a file elsewhere", unlink(sc->p.config));
}

Test(sandbox, the_supervisor_reads_no_token_and_opens_no_socket)
{
	struct sup_case sc;
	struct stat st;

	make_tokens(&sc.p);
	make_peers(&sc.peers);
	sc.sibling = fork();
	cr_assert_geq(sc.sibling, 0);
	if (sc.sibling == 0) {
		pause();
		_exit(0);
	}
	struct child c = role_child(MGO_ROLE_SUPERVISOR, supervisor_confined, &sc);
	c.policy.remove_bind_dir = true;
	struct outcome o = run_child(&c);
	int st_sib = stop_process(sc.sibling, SIGKILL, 5000);
	close(sc.peers.vfd);
	close(sc.peers.lfd);
	assert_passed(&o);
	cr_assert(WIFSIGNALED(st_sib) && WTERMSIG(st_sib) == SIGKILL, "status %#x", st_sib);
	cr_assert_neq(stat(sockdir, &st), 0, "the socket directory stayed");
}

static void supervisor_execs(void *arg)
{
	char *const argv[] = {"/bin/true", NULL};

	execve("/bin/true", argv, NULL);
	fail("execve: %s", strerror(errno));
}

/* The spawner executes the children; the supervisor itself cannot. */
Test(sandbox, the_supervisor_cannot_execute_a_program)
{
	struct child c = role_child(MGO_ROLE_SUPERVISOR, supervisor_execs, NULL);
	struct outcome o = run_child(&c);

	cr_assert(o.status != -1 && WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGSYS,
		  "status %#x: %s", o.status, o.report);
}

struct ports_case {
	uint16_t allowed, other;
};

static void connects_to_allowed_port_only(void *arg)
{
	const struct ports_case *t = arg;
	struct sockaddr_in any = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0, "socket(AF_INET): %s", strerror(errno));
	CHECK(tcp_connect(fd, t->allowed) == 0, "connect to the API port: %s", strerror(errno));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	expect_eacces("connect to another port", tcp_connect(fd, t->other));
	expect_eacces("bind", bind(fd, (struct sockaddr *)&any, sizeof(any)));
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW, 0);
	expect_eacces("socket(AF_NETLINK)", fd);
}

Test(sandbox, launcher_connects_only_to_allowed_ports)
{
	struct ports_case t;
	int a = tcp_listener(&t.allowed), b = tcp_listener(&t.other);
	uint16_t ports[] = {t.allowed, 0};
	struct child c = role_child(MGO_ROLE_LAUNCHER, connects_to_allowed_port_only, &t);
	c.policy.connect_ports = ports;
	struct outcome o = run_child(&c);
	close(a);
	close(b);
	assert_passed(&o);
}

/* --- mgo-tokens: its own token in, role tokens out, the API port only --- */

struct tokens_case {
	struct paths p;                /* own: the pod's token; other: the launcher's */
	char watcher_dir[160], launcher_dir[160], pod_dir[160];
	uint16_t allowed, other;
};

static void tokens_confined(void *arg)
{
	const struct tokens_case *t = arg;
	char buf[64] = "", path[200], target[200];
	int fd;

	/* its own (the pod's) token: read */
	fd = open(t->p.own, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 13, "the pod's token: %s",
	      strerror(errno));
	close(fd);
	/* each role's token: written the way mgo-tokens writes it */
	snprintf(target, sizeof(target), "%s/token", t->watcher_dir);
	CHECK(mgo_tokens_write(target, "minted-w") == 0, "writing the watcher's token: %s",
	      strerror(errno));
	snprintf(path, sizeof(path), "%s/token", t->launcher_dir);
	CHECK(mgo_tokens_write(path, "minted-l") == 0, "writing the launcher's token");
	CHECK(mgo_tokens_write(path, "minted-l2") == 0, "replacing the launcher's token");
	/* ... but never read back, and nothing else made there */
	expect_eacces("reading a role's token", open(target, O_RDONLY));
	snprintf(path, sizeof(path), "%s/sub", t->watcher_dir);
	expect_eacces("a directory in a role's directory", mkdir(path, 0700));
	expect_eacces("a symlink in a role's directory", symlink("/etc/passwd", path));
	/* nothing else read or written */
	expect_eacces("the configuration", open(t->p.config, O_RDONLY));
	expect_eacces("writing the pod's token", open(t->p.own, O_WRONLY));
	snprintf(path, sizeof(path), "%s/token", t->pod_dir);
	expect_eacces("replacing the pod's token", mgo_tokens_write(path, "x") == 0 ? 0 : -1);
	snprintf(path, sizeof(path), "%s/new", dir);
	expect_eacces("a new file elsewhere", open(path, O_WRONLY | O_CREAT, 0600));
	snprintf(path, sizeof(path), "%s/new", sockdir);
	expect_eacces("a file in the socket directory", open(path, O_WRONLY | O_CREAT, 0600));
	/* no IPC at all, TCP to the API server's port only */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_eacces("socket(AF_UNIX)", fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0 && tcp_connect(fd, t->allowed) == 0, "connect to the API port: %s",
	      strerror(errno));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	expect_eacces("connect to another port", tcp_connect(fd, t->other));
	close(fd);
}

Test(sandbox, tokens_reads_its_token_writes_only_role_tokens)
{
	struct tokens_case t;
	int a = tcp_listener(&t.allowed), b = tcp_listener(&t.other);
	uint16_t ports[] = {t.allowed, 0};
	char path[200];

	make_tokens(&t.p); /* p.own: the pod's token, alone in its directory */
	snprintf(t.pod_dir, sizeof(t.pod_dir), "%s", t.p.own_dir);
	snprintf(t.watcher_dir, sizeof(t.watcher_dir), "%s/roles-watcher", dir);
	snprintf(t.launcher_dir, sizeof(t.launcher_dir), "%s/roles-launcher", dir);
	cr_assert_eq(mkdir(t.watcher_dir, 0700), 0);
	cr_assert_eq(mkdir(t.launcher_dir, 0700), 0);
	const char *reads[] = {t.pod_dir, NULL};
	const char *writes[] = {t.watcher_dir, t.launcher_dir, NULL};
	struct child c = role_child(MGO_ROLE_TOKENS, tokens_confined, &t);
	c.policy.read_paths = reads;
	c.policy.write_dirs = writes;
	c.policy.connect_ports = ports;
	struct outcome o = run_child(&c);
	close(a);
	close(b);
	assert_passed(&o);
	snprintf(path, sizeof(path), "%s/token", t.launcher_dir);
	char *text = slurp(path);
	cr_assert_str_eq(text ?: "", "minted-l2", "the last write won");
	free(text);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0400, "the token file is its owner's to read only");
}

/* --- mgo-health: no file, no connect, its port only --------------------- */

struct health_case {
	struct paths p;
	int listener;
	uint16_t listening, port, other;
};

/* A port free a moment ago (bound, then closed). */
static uint16_t free_port(void)
{
	uint16_t port;
	int fd = tcp_listener(&port);

	close(fd);
	return port;
}

static int bind_port(int fd, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static void health_confined(void *arg)
{
	const struct health_case *t = arg;
	char path[200];
	int fd;

	expect_eacces("a token", open(t->p.own, O_RDONLY));
	expect_eacces("the other token", open(t->p.other, O_RDONLY));
	expect_eacces("the configuration", open(t->p.config, O_RDONLY));
	expect_eacces("/dev/urandom", open("/dev/urandom", O_RDONLY));
	snprintf(path, sizeof(path), "%s/new", dir);
	expect_eacces("a new file", open(path, O_WRONLY | O_CREAT, 0600));
	expect_eacces("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0, "socket(AF_INET): %s", strerror(errno));
	if (child_report.landlock_tcp)
		expect_eacces("connect to a 127.0.0.1 listener", tcp_connect(fd, t->listening));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind_port(fd, t->port) == 0 && listen(fd, 4) == 0, "bind its port %u: %s",
	      (unsigned)t->port, strerror(errno));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (child_report.landlock_tcp)
		expect_eacces("bind another port", bind_port(fd, t->other));
	close(fd);
}

Test(sandbox, health_reads_nothing_connects_nowhere_and_binds_its_port)
{
	struct health_case t = {0};

	make_tokens(&t.p);
	t.listener = tcp_listener(&t.listening);
	t.port = free_port();
	t.other = free_port();
	struct child c = role_child(MGO_ROLE_HEALTH, health_confined, &t);
	c.policy.bind_port = t.port;
	struct outcome o = run_child(&c);
	close(t.listener);
	assert_passed(&o);
	/* LANDLOCK_CREATE_RULESET_VERSION: the kernel's ABI */
	if (syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL) < 4)
		cr_log_warn("Landlock ABI < 4 here: the TCP claims were not checked");
}

static void health_ephemeral(void *arg)
{
	const struct health_case *t = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0 && bind_port(fd, 0) == 0, "bind port 0: %s", strerror(errno));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (child_report.landlock_tcp)
		expect_eacces("bind a chosen port", bind_port(fd, t->other));
	close(fd);
}

Test(sandbox, health_port_0_allows_only_an_ephemeral_port)
{
	struct health_case t = {.other = free_port()};

	passes(MGO_ROLE_HEALTH, health_ephemeral, &t);
}

struct ports_row {
	const char *server, *var, *value;
	int n;
	uint16_t want[4];
};

Test(sandbox, connect_ports_follow_the_server_and_proxies)
{
	static const struct ports_row rows[] = {
		{"https://10.0.0.1:6443", NULL, NULL, 1, {6443}},
		{"https://api.example.com", NULL, NULL, 1, {443}},
		{"http://127.0.0.1", NULL, NULL, 1, {80}},
		{"https://[fd00::1]:8443", NULL, NULL, 1, {8443}},
		{"https://dns.example:53", NULL, NULL, 1, {53}},
		{"https://h", "https_proxy", "http://proxy:3128", 2, {443, 3128}},
		{"https://h", "HTTPS_PROXY", "proxy.corp", 2, {443, 1080}},
		{"https://h", "all_proxy", "socks5h://s:9050", 2, {443, 9050}},
		{"https://h:6443", "http_proxy", "https://p", 2, {6443, 443}},
		{"https://h:443", "https_proxy", "http://p:443", 1, {443}},
		{"https://h", "ALL_PROXY", "", 1, {443}},
		{"not a url", NULL, NULL, -EINVAL, {0}},
		{"https://h", "https_proxy", "http://user:s3cret@[::1", -EINVAL, {0}},
		{"https://h", "https_proxy", "http://p:99999", -EINVAL, {0}},
	};
	static const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
					   "all_proxy", "ALL_PROXY"};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct ports_row *r = &rows[i];
		uint16_t out[MGO_KUBE_PORTS_MAX];
		char err[128] = "";

		for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]); v++)
			unsetenv(vars[v]);
		if (r->var)
			setenv(r->var, r->value, 1);
		int n = mgo_kube_connect_ports(r->server, out, err, sizeof(err));
		cr_assert_eq(n, r->n, "row %zu: %d (%s)", i, n, err);
		if (n < 0) {
			cr_assert_null(strstr(err, "s3cret"), "row %zu leaks the value: %s", i, err);
			cr_assert_neq(err[0], '\0');
			continue;
		}
		for (int k = 0; k < n; k++)
			cr_assert_eq(out[k], r->want[k], "row %zu port %d: %u", i, k, out[k]);
		cr_assert_eq(out[n], 0, "row %zu: not 0-ended", i);
	}
}

/* What the watcher and launcher resolve before their sandbox: names only,
 * the API server's and each proxy's, with its port, for CURLOPT_RESOLVE. */
Test(sandbox, names_are_pinned_before_the_sandbox_and_addresses_left_alone)
{
	static const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
					   "all_proxy", "ALL_PROXY"};
	char **pins = NULL, err[128] = "";

	for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]); v++)
		unsetenv(vars[v]);
	cr_assert_eq(mgo_kube_pin_names("https://10.0.0.1:6443", &pins, err, sizeof(err)), 0);
	cr_assert_null(pins, "an address needs no pin");
	cr_assert_eq(mgo_kube_pin_names("https://[fd00::1]:8443", &pins, err, sizeof(err)), 0);
	cr_assert_null(pins);
	setenv("https_proxy", "http://localhost:3128", 1);
	cr_assert_eq(mgo_kube_pin_names("https://localhost:6443", &pins, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_not_null(pins);
	cr_assert_not_null(pins[0]);
	cr_assert_eq(strncmp(pins[0], "localhost:6443:", 15), 0, "%s", pins[0]);
	cr_assert(strstr(pins[0], "127.0.0.1") || strstr(pins[0], "[::1]"), "%s", pins[0]);
	cr_assert_not_null(pins[1]);
	cr_assert_eq(strncmp(pins[1], "localhost:3128:", 15), 0, "%s", pins[1]);
	cr_assert_null(pins[2]);
	mgo_kube_pins_free(pins);
	setenv("https_proxy", "http://user:s3cret@[::1", 1);
	cr_assert_eq(mgo_kube_pin_names("https://localhost", &pins, err, sizeof(err)), -EINVAL);
	cr_assert_null(strstr(err, "s3cret"), "leaks the value: %s", err);
	cr_assert_null(pins);
	unsetenv("https_proxy");
}

/* --- process state ------------------------------------------------------ */

struct fds_case {
	int closed1, kept, closed2;
};

static void fds_checked(void *arg)
{
	const struct fds_case *f = arg;

	CHECK(fcntl(f->closed1, F_GETFD) < 0 && errno == EBADF, "fd %d survived", f->closed1);
	CHECK(fcntl(f->closed2, F_GETFD) < 0 && errno == EBADF, "fd %d survived", f->closed2);
	CHECK(fcntl(f->kept, F_GETFD) >= 0, "kept fd %d was closed", f->kept);
	for (int fd = 0; fd < 3; fd++)
		CHECK(fcntl(fd, F_GETFD) >= 0, "fd %d was closed", fd);
}

Test(sandbox, inherited_descriptors_are_closed_but_the_kept_ones)
{
	struct fds_case f = {open("/dev/null", O_RDONLY), open("/dev/null", O_RDONLY),
			     open("/dev/null", O_RDONLY)};
	cr_assert(f.closed1 > 2 && f.kept > 2 && f.closed2 > 2);
	struct child c = role_child(MGO_ROLE_VALIDATOR, fds_checked, &f);
	c.keep[0] = f.kept;
	c.keep[1] = -1;
	struct outcome o = run_child(&c);
	assert_passed(&o);
}

static void limits_checked(void *arg)
{
	const unsigned long *want = arg;
	struct rlimit rl;

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == *want && rl.rlim_max == *want,
	      "RLIMIT_NOFILE %lu/%lu, want %lu", (unsigned long)rl.rlim_cur,
	      (unsigned long)rl.rlim_max, *want);
	CHECK(getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 && rl.rlim_max == 0, "core");
	CHECK(getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_max == 0, "msgqueue");
	CHECK(child_report.max_fds == *want && child_report.max_fds_hard, "report");
	CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "dumpable");
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs");
}

Test(sandbox, rlimits_dumpable_and_no_new_privs)
{
	/* the validator's allowlist has no getrlimit or prctl queries: health
	 * has the same default */
	unsigned long health = 128, custom = 50;
	passes(MGO_ROLE_HEALTH, limits_checked, &health);

	struct child c = role_child(MGO_ROLE_LAUNCHER, limits_checked, &custom);
	c.policy.max_fds = custom;
	struct outcome o = run_child(&c);
	assert_passed(&o);
}

/* --- degraded kernels and failures -------------------------------------- */

/* True when the log line holding `said` has the given level. */
static bool logged_at(const char *path, const char *said, const char *level)
{
	char *log = slurp(path), *at = log ? strstr(log, said) : NULL, *line, *end;
	char want[32];
	bool ok = false;

	if (at) {
		for (line = at; line > log && line[-1] != '\n'; line--)
			;
		end = strchr(at, '\n');
		if (end)
			*end = '\0';
		snprintf(want, sizeof(want), "\"level\":\"%s\"", level);
		ok = strstr(line, want) != NULL;
	}
	free(log);
	return ok;
}

/* Runs body (given the path of a readable file outside every grant) in
 * role's sandbox under the test hooks h, with stderr captured: apply must
 * return expect_rc and the log must then say `said` at `level`. */
static void degraded(enum mgo_role role, struct mgo_sandbox_test_hooks h,
		     void (*body)(void *), int expect_rc, const char *said, const char *level)
{
	char config[160], errlog[160];

	snprintf(config, sizeof(config), "%s/config.yaml", dir);
	snprintf(errlog, sizeof(errlog), "%s/stderr", dir);
	write_file(config, "x");
	mgo_sandbox_set_test_hooks(&h);
	struct child c = role_child(role, body, config);
	c.stderr_path = errlog;
	c.expect_rc = expect_rc;
	struct outcome o = run_child(&c);
	assert_passed(&o);
	cr_assert(logged_at(errlog, said, level), "the log does not say at %s: %s", level, said);
}

static void without_landlock(void *arg)
{
	const char *config = arg;
	int fd = open(config, O_RDONLY);

	CHECK(child_report.landlock_abi == 0 && !child_report.landlock_tcp, "report says Landlock");
	CHECK(fd >= 0, "files are not restricted without Landlock, yet: %s", strerror(errno));
	CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, "seccomp is on anyway");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	expect_eacces("socket(AF_INET)", fd);
}

Test(sandbox, no_landlock_warns_and_carries_on)
{
	/* the supervisor: no socket family, and prctl queries on its filter */
	degraded(MGO_ROLE_SUPERVISOR, (struct mgo_sandbox_test_hooks){.landlock_abi = 0},
		 without_landlock, 0, "Landlock is not available", "warn");
}

static void with_abi3(void *arg)
{
	const char *config = arg;

	CHECK(child_report.landlock_abi == 3 && !child_report.landlock_tcp &&
	      !child_report.landlock_scoped, "report: abi %d", child_report.landlock_abi);
	expect_eacces("the configuration", open(config, O_RDONLY));
}

Test(sandbox, an_older_landlock_abi_gives_what_it_has)
{
	degraded(MGO_ROLE_WATCHER, (struct mgo_sandbox_test_hooks){.landlock_abi = 3},
		 with_abi3, 0, "Landlock ABI 3 has no TCP rules", "warn");
}

static void not_sandboxed(void *arg)
{
	CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0, "a filter is installed");
}

Test(sandbox, a_seccomp_failure_fails_closed)
{
	degraded(MGO_ROLE_VALIDATOR,
		 (struct mgo_sandbox_test_hooks){.landlock_abi = -1, .seccomp_error = -EINVAL},
		 not_sandboxed, -EINVAL, "the validator sandbox failed at seccomp", "error");
}

static void applies_once(void *arg)
{
	struct mgo_sandbox_policy p = {.role = MGO_ROLE_VALIDATOR, .bind_dir = sockdir};
	CHECK(mgo_sandbox_apply(&p, NULL) == -EALREADY, "a second apply");
}

static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static int start_thread(void *arg)
{
	pthread_t t;
	if (pthread_create(&t, NULL, idle, NULL) != 0)
		fail("pthread_create");
	return -1;
}

static void nothing_applied(void *arg)
{
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0, "no_new_privs set by a refused apply");
}

Test(sandbox, once_and_only_before_threads)
{
	passes(MGO_ROLE_VALIDATOR, applies_once, NULL);

	struct child c = role_child(MGO_ROLE_VALIDATOR, nothing_applied, NULL);
	c.before = start_thread;
	c.expect_rc = -EBUSY;
	struct outcome o = run_child(&c);
	assert_passed(&o);

	struct mgo_sandbox_policy bad = {.role = MGO_ROLE_VALIDATOR, .bind_dir = "relative"};
	cr_assert_eq(mgo_sandbox_apply(&bad, NULL), -EINVAL);
	bad.role = MGO_ROLE_N;
	cr_assert_eq(mgo_sandbox_apply(&bad, NULL), -EINVAL);
}

/* --- the real programs -------------------------------------------------- */

static bool status_has(pid_t pid, const char *line)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = slurp(path);
	bool found = s && strstr(s, line);
	free(s);
	return found;
}

static void write_config(const char *path, const char *watcher_token, const char *launcher_token)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"namespace: must-gather-operator\n"
		"defaultImage: quay.io/openshift/origin-must-gather:latest\n"
		"operatorImage: quay.io/mgo/operator:latest\n"
		"socketDir: %s\n"
		"roles:\n"
		"  watcher: {tokenFile: %s, server: \"https://127.0.0.1:1\"}\n"
		"  launcher: {tokenFile: %s, server: \"https://127.0.0.1:1\"}\n",
		sockdir, watcher_token, launcher_token);
	cr_assert_eq(fclose(f), 0);
}

static void expect_sandboxed(const char *bin, const char *ready)
{
	char config[160], logpath[160];
	struct paths p;

	make_tokens(&p);
	snprintf(config, sizeof(config), "%s/config.yaml", dir);
	snprintf(logpath, sizeof(logpath), "%s/proc.log", dir);
	write_config(config, p.own, p.other);
	const char *argv[] = {bin, "--config", config, "--insecure-ipc", NULL};
	pid_t pid = spawn_logged(argv, NULL, logpath);
	cr_assert_gt(pid, 0);
	cr_assert(wait_for_text(logpath, ready, 20000), "%s never got to %s", bin, ready);
	bool seccomp = status_has(pid, "Seccomp:\t2\n"), nnp = status_has(pid, "NoNewPrivs:\t1\n");
	int st = stop_process(pid, SIGTERM, 10000);
	cr_assert(wait_for_text(logpath, "\"event\":\"sandbox.applied\"", 1000));
	cr_assert(seccomp, "no seccomp filter in /proc/<pid>/status");
	cr_assert(nnp, "no no_new_privs in /proc/<pid>/status");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

Test(sandbox, the_validator_program_runs_sandboxed)
{
	expect_sandboxed(MGO_VALIDATOR_BIN, "validator.ready");
}

/* The watcher and launcher start sandboxed; their API server is unreachable
 * (they retry), and the launcher binds its socket inside the sandbox. */
Test(sandbox, the_watcher_program_runs_sandboxed)
{
	expect_sandboxed(MGO_WATCHER_BIN, "proc.started");
}

Test(sandbox, the_launcher_program_runs_sandboxed)
{
	expect_sandboxed(MGO_LAUNCHER_BIN, "launcher.ready");
}

Test(sandbox, a_shared_token_directory_is_refused)
{
	char config[160], logpath[160], other[200];
	struct paths p;

	make_tokens(&p);
	snprintf(other, sizeof(other), "%s/launcher-token", p.own_dir);
	write_file(other, "launcher-token");
	snprintf(config, sizeof(config), "%s/config.yaml", dir);
	snprintf(logpath, sizeof(logpath), "%s/proc.log", dir);
	write_config(config, p.own, other);
	const char *argv[] = {MGO_WATCHER_BIN, "--config", config, "--insecure-ipc", NULL};
	pid_t pid = spawn_logged(argv, NULL, logpath);
	int st = stop_process(pid, 0, 20000);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %#x", st);
	cr_assert(wait_for_text(logpath, "give each role its own directory", 1000));
}

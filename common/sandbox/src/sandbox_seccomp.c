/* The seccomp layer of the sandbox: one table of refused syscalls, which both
 * builds the filter and describes it, so the auditors' table cannot drift
 * from what the kernel enforces. See mgo/sandbox.h for the policy. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgo/log.h"
#include "sandbox_internal.h"

/* Every namespace flag clone() accepts; unshare() and setns() are refused
 * outright. */
#define NS_FLAGS                                                                        \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |       \
		    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET))

#define KILL SCMP_ACT_KILL_PROCESS

struct rule {
	const char *syscall;
	uint32_t action;
	int arg;                    /* -1: whatever the arguments */
	enum scmp_compare op;
	uint64_t a, b;
	bool each_bit;              /* one rule per bit of a: "arg & bit == bit" */
	const char *when;           /* the condition in words; NULL: always */
	const char *why;
};

static const char why_io_uring[] =
	"a second way into the kernel that seccomp cannot inspect; a rich source of kernel bugs";
static const char why_other_process[] =
	"reaches into another process: a sibling's memory holds its token";
static const char why_kernel_surface[] =
	"kernel attack surface no role uses (userfaultfd widens exploit race windows)";
static const char why_keyring[] = "kernel keyrings are shared by the uid, not by the process";
static const char why_kernel_code[] = "loads or replaces kernel code";
static const char why_fs_view[] = "changes or escapes the file system view Landlock checks";
static const char why_ns[] = "new namespaces (a user namespace) open privileged kernel paths";
static const char why_no_exec[] =
	"no role forks or runs another program (the supervisor's spawner, outside its "
	"sandbox, does it for it); threads only";
static const char why_admin[] = "system administration, no role's business";

#define ALWAYS(name, action, why) {name, action, -1, SCMP_CMP_EQ, 0, 0, false, NULL, why}
#define WHEN(name, arg, op, a, b, when, why) {name, KILL, arg, op, a, b, false, when, why}

static const struct rule rules[] = {
	ALWAYS("io_uring_setup", KILL, why_io_uring),
	ALWAYS("io_uring_enter", KILL, why_io_uring),
	ALWAYS("io_uring_register", KILL, why_io_uring),
	ALWAYS("ptrace", KILL, why_other_process),
	ALWAYS("process_vm_readv", KILL, why_other_process),
	ALWAYS("process_vm_writev", KILL, why_other_process),
	ALWAYS("pidfd_getfd", KILL, why_other_process),
	ALWAYS("kcmp", KILL, why_other_process),
	ALWAYS("process_madvise", KILL, why_other_process),
	ALWAYS("migrate_pages", KILL, why_other_process),
	ALWAYS("move_pages", KILL, why_other_process),
	ALWAYS("bpf", KILL, why_kernel_surface),
	ALWAYS("perf_event_open", KILL, why_kernel_surface),
	ALWAYS("userfaultfd", KILL, why_kernel_surface),
	ALWAYS("keyctl", KILL, why_keyring),
	ALWAYS("add_key", KILL, why_keyring),
	ALWAYS("request_key", KILL, why_keyring),
	ALWAYS("kexec_load", KILL, why_kernel_code),
	ALWAYS("kexec_file_load", KILL, why_kernel_code),
	ALWAYS("init_module", KILL, why_kernel_code),
	ALWAYS("finit_module", KILL, why_kernel_code),
	ALWAYS("delete_module", KILL, why_kernel_code),
	ALWAYS("mount", KILL, why_fs_view),
	ALWAYS("umount2", KILL, why_fs_view),
	ALWAYS("pivot_root", KILL, why_fs_view),
	ALWAYS("chroot", KILL, why_fs_view),
	ALWAYS("mount_setattr", KILL, why_fs_view),
	ALWAYS("move_mount", KILL, why_fs_view),
	ALWAYS("open_tree", KILL, why_fs_view),
	ALWAYS("fsopen", KILL, why_fs_view),
	ALWAYS("fsconfig", KILL, why_fs_view),
	ALWAYS("fsmount", KILL, why_fs_view),
	ALWAYS("fspick", KILL, why_fs_view),
	ALWAYS("name_to_handle_at", KILL, why_fs_view),
	ALWAYS("open_by_handle_at", KILL, why_fs_view),
	ALWAYS("unshare", KILL, why_ns),
	ALWAYS("setns", KILL, why_ns),
	{"clone", KILL, 0, SCMP_CMP_MASKED_EQ, NS_FLAGS, 0, true, "flags have any CLONE_NEW*",
	 why_ns},
	WHEN("clone", 0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0, "flags lack CLONE_THREAD (fork)",
	     why_no_exec),
	ALWAYS("fork", KILL, why_no_exec),
	ALWAYS("vfork", KILL, why_no_exec),
	ALWAYS("execve", KILL, why_no_exec),
	ALWAYS("execveat", KILL, why_no_exec),
	ALWAYS("clone3", SCMP_ACT_ERRNO(ENOSYS),
	       "its flags are in memory the filter cannot read: ENOSYS makes glibc fall back "
	       "to clone(), which is checked"),
	WHEN("personality", 0, SCMP_CMP_NE, 0xffffffffu, 0, "any but the query 0xffffffff",
	     "changes the execution domain (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE)"),
	/* the option and the request are ints: compare the low 32 bits only,
	 * as the kernel reads them */
	WHEN("prctl", 0, SCMP_CMP_MASKED_EQ, 0xffffffffu, PR_SET_DUMPABLE, "PR_SET_DUMPABLE",
	     "the sandbox made the process undumpable; nothing may undo it"),
	WHEN("ioctl", 1, SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI, "TIOCSTI",
	     "types into the terminal the process may have inherited"),
	WHEN("ioctl", 1, SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX, "TIOCLINUX",
	     "types into the terminal the process may have inherited"),
	ALWAYS("reboot", KILL, why_admin),
	ALWAYS("syslog", KILL, why_admin),
	ALWAYS("acct", KILL, why_admin),
	ALWAYS("swapon", KILL, why_admin),
	ALWAYS("swapoff", KILL, why_admin),
	ALWAYS("settimeofday", KILL, why_admin),
	ALWAYS("clock_settime", KILL, why_admin),
	ALWAYS("clock_adjtime", KILL, why_admin),
	ALWAYS("adjtimex", KILL, why_admin),
	ALWAYS("sethostname", KILL, why_admin),
	ALWAYS("setdomainname", KILL, why_admin),
	ALWAYS("iopl", KILL, why_admin),
	ALWAYS("ioperm", KILL, why_admin),
	ALWAYS("modify_ldt", KILL, why_admin),
	ALWAYS("quotactl", KILL, why_admin),
	ALWAYS("vhangup", KILL, why_admin),
	ALWAYS("uselib", KILL, why_admin),
	ALWAYS("ustat", KILL, why_admin),
	ALWAYS("sysfs", KILL, why_admin),
	ALWAYS("_sysctl", KILL, why_admin),
	ALWAYS("lookup_dcookie", KILL, why_admin),
};

/* The validator's allowlist: everything else kills it. It links no HTTP
 * client, no TLS and no resolver, so what it calls once sandboxed is small
 * and known: glibc's allocator and threads, libzmq's I/O thread over Unix
 * stream sockets, libsodium's CURVE, jansson and its log lines. Found by
 * tracing the validator through the e2e suite, and kept by it: a syscall
 * missing here kills the validator in every e2e test that reaches it. */
struct allowed {
	const char *syscall;
	int arg;                    /* -1: whatever the arguments */
	enum scmp_compare op;
	uint64_t a, b;
	const char *when;           /* the condition in words; NULL: always */
	const char *why;
};

static const char why_memory[] = "glibc's allocator; libsodium locks its key pages";
static const char why_threads[] = "libzmq's I/O and reaper threads, and their locks";
static const char why_signals[] = "blocks SIGTERM into its signalfd; thread exits";
static const char why_time[] = "timeouts and log timestamps";
static const char why_fds[] = "the loop, libzmq's pollers and signalling eventfds; Landlock "
			      "limits which files open";
static const char why_unix[] = "its two ZeroMQ links and the supervisor's notification socket";
static const char why_exit[] = "exits";

#define ALLOW(name, why) {name, -1, SCMP_CMP_EQ, 0, 0, NULL, why}

static const struct allowed validator_allowed[] = {
	ALLOW("brk", why_memory),
	ALLOW("mmap", why_memory),
	ALLOW("munmap", why_memory),
	ALLOW("mremap", why_memory),
	ALLOW("mprotect", why_memory),
	ALLOW("madvise", why_memory),
	ALLOW("mlock", why_memory),
	ALLOW("munlock", why_memory),
	ALLOW("futex", why_threads),
	/* a thread: CLONE_THREAD set and no namespace flag */
	{"clone", 0, SCMP_CMP_MASKED_EQ, NS_FLAGS | CLONE_THREAD, CLONE_THREAD,
	 "flags have CLONE_THREAD and no CLONE_NEW*", why_threads},
	ALLOW("set_robust_list", why_threads),
	ALLOW("rseq", why_threads),
	ALLOW("gettid", why_threads),
	ALLOW("getpid", why_threads),
	ALLOW("sched_yield", why_threads),
	ALLOW("sched_getaffinity", why_threads),
	ALLOW("sched_getparam", why_threads),
	ALLOW("sched_getscheduler", why_threads),
	/* libzmq sets its threads' policy; RLIMIT_RTPRIO 0 keeps it ordinary */
	ALLOW("sched_setscheduler", why_threads),
	/* libzmq names its threads; the option is an int */
	{"prctl", 0, SCMP_CMP_MASKED_EQ, 0xffffffffu, PR_SET_NAME, "PR_SET_NAME", why_threads},
	ALLOW("rt_sigprocmask", why_signals),
	ALLOW("rt_sigaction", why_signals),
	ALLOW("rt_sigreturn", why_signals),
	ALLOW("sigaltstack", why_signals),
	ALLOW("signalfd4", why_signals),
	ALLOW("restart_syscall", why_signals),
	ALLOW("clock_gettime", why_time),
	ALLOW("clock_nanosleep", why_time),
	ALLOW("nanosleep", why_time),
	ALLOW("gettimeofday", why_time),
	ALLOW("read", why_fds),
	ALLOW("write", why_fds),
	ALLOW("readv", why_fds),
	ALLOW("writev", why_fds),
	ALLOW("close", why_fds),
	ALLOW("fcntl", why_fds),
	ALLOW("poll", why_fds),
	ALLOW("ppoll", why_fds),
	ALLOW("epoll_create1", why_fds),
	ALLOW("epoll_ctl", why_fds),
	ALLOW("epoll_wait", why_fds),
	ALLOW("epoll_pwait", why_fds),
	ALLOW("eventfd2", why_fds),
	ALLOW("newfstatat", why_fds),
	ALLOW("fstat", why_fds),
	ALLOW("openat", why_fds),
	ALLOW("getrandom", why_fds),
	/* its socket's stale path, in its own directory (Landlock) */
	ALLOW("unlink", why_fds),
	/* Unix stream sockets only */
	{"socket", 0, SCMP_CMP_EQ, AF_UNIX, 0, "AF_UNIX (and SOCK_STREAM, below)", why_unix},
	ALLOW("bind", why_unix),
	ALLOW("listen", why_unix),
	ALLOW("accept4", why_unix),
	ALLOW("connect", why_unix),
	ALLOW("getsockname", why_unix),
	ALLOW("getpeername", why_unix),
	ALLOW("getsockopt", why_unix),
	ALLOW("setsockopt", why_unix),
	ALLOW("sendto", why_unix),
	ALLOW("recvfrom", why_unix),
	ALLOW("sendmsg", why_unix),
	ALLOW("recvmsg", why_unix),
	ALLOW("shutdown", why_unix),
	ALLOW("exit", why_exit),
	ALLOW("exit_group", why_exit),
};

static const char why_families[] =
	"libc and libraries probe socket families and cope with EACCES; "
	"the role needs no other family";

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, int arg,
		    enum scmp_compare op, uint64_t a, uint64_t b, unsigned *n)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR) {
		mgo_error("sandbox.seccomp", "libseccomp does not know the syscall %s", name);
		return -EINVAL;
	}
	if (arg < 0)
		rc = seccomp_rule_add(ctx, action, nr, 0);
	else
		rc = seccomp_rule_add(ctx, action, nr, 1,
				      (struct scmp_arg_cmp){(unsigned)arg, op, a, b});
	if (rc) {
		mgo_error("sandbox.seccomp", "cannot add the rule for %s: %s", name, strerror(-rc));
		return rc;
	}
	(*n)++;
	return 0;
}

/* socket(): EACCES for every family outside the role's set, by value (a rule
 * cannot compare one argument twice) and for anything from AF_MAX up, which
 * also catches values with stray high bits that the kernel would truncate. */
static int add_family_rules(scmp_filter_ctx ctx, uint64_t families, unsigned *n)
{
	int rc = 0;

	for (uint64_t f = 0; f < AF_MAX && !rc; f++)
		if (!(families & (1ull << f)))
			rc = add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 0, SCMP_CMP_EQ, f, 0, n);
	if (!rc)
		rc = add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 0, SCMP_CMP_GE, AF_MAX, 0, n);
	if (!rc)
		rc = add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "socketpair", 0, SCMP_CMP_NE, AF_UNIX,
			      0, n);
	return rc;
}

static const char why_types[] =
	"no role sends datagrams: no UDP to exfiltrate a token by, no raw socket, no "
	"Unix datagram; names are resolved before the sandbox";

/* socket(): EACCES for every type but SOCK_STREAM, whatever the family.
 * The type's low four bits are the type (SOCK_TYPE_MASK); SOCK_NONBLOCK and
 * SOCK_CLOEXEC sit above them and are masked off. */
static int add_type_rules(scmp_filter_ctx ctx, unsigned *n)
{
	int rc = 0;

	for (uint64_t t = 0; t <= 0xf && !rc; t++)
		if (t != SOCK_STREAM)
			rc = add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 1, SCMP_CMP_MASKED_EQ,
				      0xf, t, n);
	return rc;
}

static int add_table(scmp_filter_ctx ctx, unsigned *n)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && !rc; i++) {
		const struct rule *r = &rules[i];

		if (!r->each_bit) {
			rc = add_rule(ctx, r->action, r->syscall, r->arg, r->op, r->a, r->b, n);
			continue;
		}
		for (uint64_t bit = 1; bit && !rc; bit <<= 1)
			if (r->a & bit)
				rc = add_rule(ctx, r->action, r->syscall, r->arg, r->op, bit, bit, n);
	}
	return rc;
}

/* Loads the filter with prctl() rather than seccomp_load(): seccomp(2) is only
 * needed to synchronise threads, and the caller has none (checked), while
 * valgrind 3.19 does not emulate seccomp(2). The BPF goes through a memfd
 * because libseccomp 2.5 exports it only to a descriptor. */
static int load(scmp_filter_ctx ctx)
{
	struct sock_fprog prog = {0};
	struct sock_filter *code = NULL;
	struct stat st;
	int fd, rc;

	fd = memfd_create("mgo-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((rc = seccomp_export_bpf(ctx, fd)))
		goto out;
	rc = -EIO;
	if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size % sizeof(*code) ||
	    (size_t)st.st_size / sizeof(*code) > BPF_MAXINSNS)
		goto out;
	rc = -ENOMEM;
	if (!(code = malloc((size_t)st.st_size)))
		goto out;
	rc = -EIO;
	if (pread(fd, code, (size_t)st.st_size, 0) != st.st_size)
		goto out;
	prog.len = (unsigned short)((size_t)st.st_size / sizeof(*code));
	prog.filter = code;
	rc = mgo_sandbox__seccomp_fault();
	if (!rc && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		rc = -errno;
out:
	free(code);
	close(fd);
	return rc;
}

/* The allowlist's rules. socket() is allowed for AF_UNIX with the type
 * SOCK_STREAM (two arguments compared in one rule); clone3() fails with
 * ENOSYS as in the other roles' filter. */
static int add_allowed(scmp_filter_ctx ctx, unsigned *n)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(validator_allowed) / sizeof(validator_allowed[0]) && !rc;
	     i++) {
		const struct allowed *a = &validator_allowed[i];
		int nr = seccomp_syscall_resolve_name(a->syscall);

		if (nr == __NR_SCMP_ERROR) {
			mgo_error("sandbox.seccomp", "libseccomp does not know the syscall %s",
				  a->syscall);
			return -EINVAL;
		}
		if (a->arg < 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		else if (strcmp(a->syscall, "socket") == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
					      (struct scmp_arg_cmp){0, SCMP_CMP_EQ, AF_UNIX, 0},
					      (struct scmp_arg_cmp){1, SCMP_CMP_MASKED_EQ, 0xf,
								    SOCK_STREAM});
		else
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					      (struct scmp_arg_cmp){(unsigned)a->arg, a->op, a->a,
								    a->b});
		if (rc) {
			mgo_error("sandbox.seccomp", "cannot allow %s: %s", a->syscall,
				  strerror(-rc));
			return rc;
		}
		(*n)++;
	}
	return add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", -1, SCMP_CMP_EQ, 0, 0, n);
}

int mgo_sandbox__seccomp(enum mgo_role role, unsigned *nrules)
{
	const struct mgo_sandbox__profile *prof = mgo_sandbox__profile(role);
	bool allowlist = prof->allowlist && !mgo_sandbox__under_valgrind();
	scmp_filter_ctx ctx = NULL;
	int rc;

	*nrules = 0;
	/* Level 3 is what the filter uses (SECCOMP_RET_KILL_PROCESS, Linux
	 * 4.14). Stating it spares libseccomp its probe of the kernel through
	 * seccomp(2), which valgrind would report as an unhandled syscall;
	 * libseccomp only generates BPF here, load() installs it. */
	if ((rc = seccomp_api_set(3)))
		return rc;
	if (prof->allowlist && !allowlist)
		mgo_warn("sandbox.seccomp", "running under valgrind, whose own syscalls the "
			 "%s's allowlist does not know: the refusal table instead", prof->name);
	if (!(ctx = seccomp_init(allowlist ? KILL : SCMP_ACT_ALLOW)))
		return -ENOMEM;
	/* a syscall of another ABI (i386's int 0x80, x32) would bypass the
	 * rules, which are for the native one: kill */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, KILL)))
		goto out;
	if (allowlist)
		rc = add_allowed(ctx, nrules);
	else if (!(rc = add_family_rules(ctx, prof->families, nrules)) &&
		 !(rc = add_type_rules(ctx, nrules)))
		rc = add_table(ctx, nrules);
	if (rc)
		goto out;
	rc = load(ctx);
	if (rc)
		mgo_error("sandbox.seccomp", "cannot install the seccomp filter: %s", strerror(-rc));
out:
	seccomp_release(ctx);
	return rc;
}

static void describe_allowed(mgo_sandbox__describe_fn *fn, void *ctx)
{
	char what[128];

	fn(&(struct mgo_sandbox_entry){"seccomp", "any syscall not allowed below",
				       "kill (SIGSYS)", "an allowlist, as OpenSSH's sandbox: a "
				       "correct validator never makes another call"}, ctx);
	for (size_t i = 0; i < sizeof(validator_allowed) / sizeof(validator_allowed[0]); i++) {
		const struct allowed *a = &validator_allowed[i];

		if (a->when)
			snprintf(what, sizeof(what), "%s: %s", a->syscall, a->when);
		else
			snprintf(what, sizeof(what), "%s", a->syscall);
		fn(&(struct mgo_sandbox_entry){"seccomp", what, "allowed", a->why}, ctx);
	}
	fn(&(struct mgo_sandbox_entry){"seccomp", "socket: a type other than SOCK_STREAM",
				       "kill (SIGSYS)", why_types}, ctx);
	fn(&(struct mgo_sandbox_entry){"seccomp", "clone3", "ENOSYS",
				       "its flags are in memory the filter cannot read: ENOSYS "
				       "makes glibc fall back to clone(), which is checked"}, ctx);
	fn(&(struct mgo_sandbox_entry){"seccomp", "a syscall of another ABI (i386, x32)",
				       "kill (SIGSYS)", "the rules are written for the native ABI"},
	   ctx);
}

static const char *action_text(uint32_t action)
{
	if (action == KILL)
		return "kill (SIGSYS)";
	if (action == SCMP_ACT_ERRNO(ENOSYS))
		return "ENOSYS";
	return "EACCES";
}

void mgo_sandbox__seccomp_describe(enum mgo_role role, mgo_sandbox__describe_fn *fn,
				   void *ctx)
{
	const struct mgo_sandbox__profile *prof = mgo_sandbox__profile(role);
	char what[128];

	if (prof->allowlist) {
		describe_allowed(fn, ctx);
		return;
	}
	if (prof->families)
		snprintf(what, sizeof(what), "socket: any family but %s", prof->families_text);
	else
		snprintf(what, sizeof(what), "socket: any family");
	fn(&(struct mgo_sandbox_entry){"seccomp", what, "EACCES", why_families}, ctx);
	fn(&(struct mgo_sandbox_entry){"seccomp", "socket: any type but SOCK_STREAM (UDP, raw, "
				       "Unix datagram)", "EACCES", why_types}, ctx);
	fn(&(struct mgo_sandbox_entry){"seccomp", "socketpair: any family but AF_UNIX", "EACCES",
				       why_families}, ctx);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];

		if (r->when)
			snprintf(what, sizeof(what), "%s: %s", r->syscall, r->when);
		else
			snprintf(what, sizeof(what), "%s", r->syscall);
		fn(&(struct mgo_sandbox_entry){"seccomp", what, action_text(r->action), r->why},
		   ctx);
	}
	fn(&(struct mgo_sandbox_entry){"seccomp", "any other syscall", "allowed",
				       "files and TCP are Landlock's; see mgo/sandbox.h"}, ctx);
	fn(&(struct mgo_sandbox_entry){"seccomp", "a syscall of another ABI (i386, x32)",
				       "kill (SIGSYS)", "the rules are written for the native ABI"},
	   ctx);
}

/* The per-role sandbox of the operator's processes, in one place.
 *
 * mgo_sandbox_apply() does, in this order and only once per process:
 *   1. close every inherited descriptor but 0, 1, 2 and the kept ones;
 *   2. rlimits: no core files, a per-role cap on descriptors, no locked
 *      memory, no POSIX message queues, no real-time or raised priority;
 *   3. PR_SET_DUMPABLE 0: no core dump, and a same-uid sibling cannot ptrace
 *      it or read its /proc/<pid>/mem (where the token lives);
 *   4. PR_SET_NO_NEW_PRIVS: nothing it could exec gains privileges;
 *   5. Landlock (what the kernel's ABI has, see below);
 *   6. a seccomp filter, last, so that it need not allow what 1-5 call.
 *
 * Seccomp is the boundary that must hold: if it cannot be installed the call
 * fails and the process exits (fail closed). Landlock is best effort: a
 * kernel without it, or with an older ABI, gets a logged warning and the
 * rights that ABI has. Both are kernel-enforced on every thread created
 * afterwards, so the call must come before the first thread (the first
 * ZeroMQ socket, libcurl's resolver): it refuses to run in a process that
 * has more than one thread already (-EBUSY).
 *
 * The validator's seccomp filter is an allowlist that kills by default, as
 * OpenSSH's sandbox is: it links no HTTP client, no TLS and no resolver, so
 * the ~60 syscalls glibc, libzmq, libsodium and jansson make for it are
 * known, and the e2e suite runs it under them. The other roles' filters
 * allow by default and refuse a fixed table of syscalls by name
 * (mgo_sandbox_describe lists both): an allowlist over libcurl, OpenSSL
 * and their resolvers would have to follow every libc release (clone3,
 * rseq, statx, epoll_pwait2 came that way), and a rarely taken path that
 * missed it would kill the operator in production. Under valgrind, whose
 * own syscalls the allowlist does not know, the validator gets the refusal
 * table with a logged warning.
 * What a compromised process could use against the kernel or its siblings
 * is refused by name; files and TCP are Landlock's. A refused syscall kills
 * the process (SIGSYS), as OpenSSH's sandbox does: a correct process never
 * makes it, so the call is a compromise. Two exceptions fail politely:
 * socket()/socketpair() of a family or socket() of a type the role may not
 * use return EACCES (libc and libraries probe families and cope), and
 * clone3() returns ENOSYS so that glibc falls back to clone(), whose flags
 * the filter can read. No role may make a socket() of any type but
 * SOCK_STREAM: no UDP, no raw socket, no Unix datagram (nothing it could
 * send a token with beside the connections Landlock checks); the roles that
 * talk to the API server resolve its name before the sandbox and pin the
 * addresses (mgo_kube_pin_names), so they need no resolver afterwards.
 *
 * Roles: the three operator processes; mgo-clean, the Job's obfuscation
 * step, which reads its --input tree, fills its --output tree, and may make
 * no socket at all; mgo-tokens, which mints the
 * watcher's and the launcher's API tokens: it reads its own token's
 * directory, writes regular files only in the two role token directories,
 * and connects only to the API server's port; mgo-health, which serves the probes
 * and metrics: it reads no file at all once sandboxed, connects nowhere,
 * and may bind TCP only on its configured port; and the supervisor. The
 * supervisor's sandbox would be inherited by every child it forks, so it
 * forks one unsandboxed helper first (supervisor/sup_spawn.h), which forks
 * and executes the children on its request as the supervisor's own children
 * (CLONE_PARENT), and then sandboxes itself: no exec, no fork, no socket(),
 * no file but the removal of the socket directory at exit; in particular
 * none of the roles' token directories, which its children can still read.
 *
 * Each role that binds an ipc:// socket binds it in its own directory
 * (<socketDir>/<role>/, mgo_sandbox_policy.bind_dir), the only place it may
 * create or remove anything: the validator cannot unlink or replace the
 * launcher's socket, nor the launcher the validator's. What Landlock cannot
 * restrict on the kernels this runs on is connect() to a pathname Unix
 * socket (docs/permissions.md says what that leaves open and why CURVE and
 * ZAP close it for the operator's own sockets).
 *
 * Under valgrind 3.19, which does not emulate the Landlock syscalls (it would
 * report them as unhandled), Landlock is skipped with the usual warning and
 * the RLIMIT_NOFILE hard limit is left as valgrind requires; seccomp applies.
 * In sanitizer builds LeakSanitizer is turned off once the sandbox is on:
 * its exit-time check needs ptrace and /proc, which the sandbox refuses
 * (valgrind's memcheck covers the sandboxed processes' leaks instead). */
#ifndef MGO_SANDBOX_H
#define MGO_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgo/role.h"

/* Everything is borrowed for the duration of the call. */
struct mgo_sandbox_policy {
	enum mgo_role role;
	/* The validator and launcher: their own directory under the socket
	 * directory, the only one where they may create or remove anything
	 * (their ipc:// socket). The supervisor: the socket directory, beneath
	 * which it may remove files and directories (at exit), and nothing
	 * else. Others: ignored. */
	const char *bind_dir;
	/* The supervisor only: also remove bind_dir itself (it made it). */
	bool remove_bind_dir;
	/* NULL-ended, may be NULL: files or directories the role may read once
	 * the sandbox is on, on top of its built-in runtime files (DNS
	 * configuration for the roles that resolve names, /dev/urandom). A
	 * directory grants its whole tree: that is how a Kubernetes projected
	 * token stays readable when the kubelet swaps its ..data symlink. Paths
	 * that do not exist are skipped. */
	const char *const *read_paths;
	/* NULL-ended, may be NULL: the tokens role: directories where it may
	 * create, write, rename over and remove regular files (each role's
	 * token directory); the clean role: trees where it may make
	 * directories and regular files, list and write them, and nothing
	 * else (its --output). Others: ignored. Each must exist. */
	const char *const *write_dirs;
	/* -1-ended, may be NULL: descriptors kept open besides 0, 1 and 2. */
	const int *keep_fds;
	/* 0-ended, may be NULL: the TCP ports the watcher and launcher may
	 * connect to (the API server's, a proxy's). NULL leaves
	 * TCP connect open. Ignored for the validator, which may not connect. */
	const uint16_t *connect_ports;
	/* RLIMIT_NOFILE; 0: the role's default (validator and health 128,
	 * others 1024). */
	unsigned long max_fds;
	/* The health role only: the one TCP port it may bind (0: an ephemeral
	 * port, as bind(2) picks it). Other roles may bind no TCP port. */
	uint16_t bind_port;
};

/* What was applied, for the start-up log line and the auditors' table. */
struct mgo_sandbox_report {
	enum mgo_role role;
	unsigned long max_fds;        /* RLIMIT_NOFILE soft limit now */
	bool max_fds_hard;            /* the hard limit was lowered too */
	int landlock_abi;             /* the ABI used; 0: no Landlock */
	bool landlock_tcp;            /* TCP bind/connect rules (ABI >= 4) */
	bool landlock_scoped;         /* signals, abstract sockets (ABI >= 6) */
	unsigned read_rules;          /* paths granted read access */
	unsigned seccomp_rules;       /* rules in the filter */
};

/* Applies p's sandbox to the calling process, as described above. Returns 0,
 * or a negative errno: -EBUSY (more than one thread), -EINVAL (bad policy),
 * -EALREADY (called twice), or the failure of a step; every failure but
 * Landlock's absence is logged and leaves the process to exit. report may
 * be NULL. */
int mgo_sandbox_apply(const struct mgo_sandbox_policy *p, struct mgo_sandbox_report *report);

/* Logs one "sandbox.applied" line with the report's fields. */
void mgo_sandbox_log_report(const struct mgo_sandbox_report *r);

/* Whether role binds an ipc:// socket, in <socketDir>/<role>/ (its policy's
 * bind_dir). */
bool mgo_sandbox_binds(enum mgo_role role);

/* One line of a role's sandbox for the generated permission table: the
 * layer ("process", "rlimit", "landlock", "seccomp"), what it covers, the
 * effect, and why. Strings are static. */
struct mgo_sandbox_entry {
	const char *layer;
	const char *what;
	const char *effect;
	const char *why;
};

/* Calls fn for every entry of role's sandbox, in the order it is applied.
 * The seccomp entries come from the table that builds the filter. */
void mgo_sandbox_describe(enum mgo_role role,
			  void (*fn)(const struct mgo_sandbox_entry *e, void *ctx), void *ctx);

/* For tests only: make mgo_sandbox_apply see Landlock ABI `landlock_abi`
 * (0: no Landlock; -1: ask the kernel) and, when seccomp_error is a negative
 * errno, fail the seccomp install with it. NULL restores the defaults. */
struct mgo_sandbox_test_hooks {
	int landlock_abi;
	int seccomp_error;
};
void mgo_sandbox_set_test_hooks(const struct mgo_sandbox_test_hooks *h);

#endif

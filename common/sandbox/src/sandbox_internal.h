/* Shared by sandbox.c (order, descriptors, rlimits, prctl), sandbox_landlock.c
 * and sandbox_seccomp.c; not public API. */
#ifndef MGO_SANDBOX_INTERNAL_H
#define MGO_SANDBOX_INTERNAL_H

#include <stdint.h>

#include "mgo/sandbox.h"

/* What differs between the roles; the seccomp table is the same for all. */
struct mgo_sandbox__profile {
	const char *name;
	uint64_t families;              /* bit (1 << AF_x) per socket family allowed */
	const char *families_text;
	bool binds;                     /* binds an ipc:// socket in bind_dir */
	bool cleans;                    /* removes beneath bind_dir (the supervisor) */
	bool signals_out;               /* may signal outside its Landlock domain */
	bool tcp_connect;               /* talks to the API server */
	bool tcp_bind;                  /* listens on policy.bind_port (health) */
	const char *const *runtime_reads; /* NULL-ended */
	const char *reads_why;          /* for mgo_sandbox_describe */
	unsigned long max_fds;
	/* policy.write_dirs: none; regular files in each (tokens); a whole
	 * tree of new directories and files beneath each (clean) */
	enum { MGO_SANDBOX__WRITES_NONE, MGO_SANDBOX__WRITES_FILES, MGO_SANDBOX__WRITES_TREE } writes;
	/* seccomp kills every syscall but an allowlist (the validator's),
	 * instead of allowing all but a table of refusals */
	bool allowlist;
};

const struct mgo_sandbox__profile *mgo_sandbox__profile(enum mgo_role role);

typedef void mgo_sandbox__describe_fn(const struct mgo_sandbox_entry *e, void *ctx);

/* Whether the process runs under valgrind, which emulates neither the
 * Landlock syscalls nor a seccomp allowlist's view of its own calls. */
bool mgo_sandbox__under_valgrind(void);

/* The Landlock ABI of the running kernel (0: none), or the test hook's. */
int mgo_sandbox__landlock_abi(void);

/* Restricts the calling thread with Landlock at ABI abi (>= 1); fills the
 * landlock fields of r. Returns 0 or a negative errno. */
int mgo_sandbox__landlock(const struct mgo_sandbox_policy *p, int abi,
			  struct mgo_sandbox_report *r);

void mgo_sandbox__landlock_describe(enum mgo_role role, mgo_sandbox__describe_fn *fn,
				    void *ctx);

/* Installs the role's seccomp filter on the calling (only) thread; *nrules
 * receives the number of rules. Returns 0 or a negative errno. */
int mgo_sandbox__seccomp(enum mgo_role role, unsigned *nrules);

void mgo_sandbox__seccomp_describe(enum mgo_role role, mgo_sandbox__describe_fn *fn,
				   void *ctx);

/* The seccomp failure the test hook asks for, or 0. */
int mgo_sandbox__seccomp_fault(void);

#endif

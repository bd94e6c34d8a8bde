/* The sandbox's fixed order and its first layers (descriptors, rlimits,
 * prctl); Landlock and seccomp are in sandbox_landlock.c and
 * sandbox_seccomp.c. See mgo/sandbox.h. */
#include "mgo/sandbox.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mgo/log.h"
#include "sandbox_internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define MGO_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(MGO_LSAN)
#define MGO_LSAN 1
#endif
#ifdef MGO_LSAN
#include <sanitizer/common_interface_defs.h>
#endif

/* What libc and libcurl read while the watcher and launcher run: entropy.
 * No resolver configuration: names are resolved before the sandbox
 * (mgo_kube_pin_names), which refuses the resolver's sockets anyway.
 * OpenSSL's configuration is read before the sandbox, by
 * curl_global_init(). */
static const char *const net_reads[] = {"/dev/urandom", NULL};
/* jansson seeds its hash function from /dev/urandom at the first JSON value,
 * which may be the first log line after the sandbox is on. */
static const char *const validator_reads[] = {"/dev/urandom", NULL};
/* mgo-health logs before its sandbox, so jansson is seeded by then; it
 * serves from memory and needs no file at all. */
static const char *const health_reads[] = {NULL};

static const char net_reads_why[] = "entropy; plus the token's directory and the CA when "
				    "not in memory (names are resolved before the sandbox)";

/* The supervisor reads nothing once sandboxed: its configuration, keys and
 * entropy are taken before, and its children read their own files. */
static const char *const supervisor_reads[] = {NULL};
/* mgo-clean reads what the policy names (its --input) and nothing built in */
static const char *const clean_reads[] = {NULL};

#define FAMILY(f) (1ull << (f))

static const struct mgo_sandbox__profile profiles[MGO_ROLE_N] = {
	[MGO_ROLE_WATCHER] = {"watcher", FAMILY(AF_UNIX) | FAMILY(AF_INET) | FAMILY(AF_INET6),
				 "AF_UNIX, AF_INET, AF_INET6", false, false, false, true, false,
				 net_reads, net_reads_why, 1024, false, false},
	[MGO_ROLE_VALIDATOR] = {"validator", FAMILY(AF_UNIX), "AF_UNIX", true, false, false,
				   false, false, validator_reads,
				   "entropy for jansson's hash seed; nothing else", 128, false, true},
	[MGO_ROLE_LAUNCHER] = {"launcher", FAMILY(AF_UNIX) | FAMILY(AF_INET) | FAMILY(AF_INET6),
				  "AF_UNIX, AF_INET, AF_INET6", true, false, false, true, false,
				  net_reads, net_reads_why, 1024, false, false},
	/* no AF_UNIX: it talks to the supervisor over inherited pipes only */
	[MGO_ROLE_HEALTH] = {"health", FAMILY(AF_INET) | FAMILY(AF_INET6), "AF_INET, AF_INET6",
				false, false, false, false, true, health_reads,
				"nothing: it serves snapshots from memory", 128, false, false},
	/* no AF_UNIX either: no IPC, only the API server and its supervisor's
	 * inherited socket */
	[MGO_ROLE_TOKENS] = {"tokens", FAMILY(AF_INET) | FAMILY(AF_INET6), "AF_INET, AF_INET6",
				false, false, false, true, false, net_reads,
				"its own token's directory and the CA when not in memory", 128,
				MGO_SANDBOX__WRITES_FILES, false},
	/* no socket() at all: its children's channels are socketpairs; it
	 * signals its children, which the spawner made outside its domain */
	[MGO_ROLE_SUPERVISOR] = {"supervisor", 0, "none", false, true, true, false, false,
				    supervisor_reads, "nothing: configuration, keys and entropy "
				    "are taken before; the children read their own files", 256, false, false},
	/* mgo-clean: no socket at all, no runtime file; its --input tree
	 * read-only and its --output tree to fill (policy.read_paths and
	 * write_dirs) */
	[MGO_ROLE_CLEAN] = {"clean", 0, "none", false, false, false, false, false, clean_reads,
			       "read_file and read_dir there only; no runtime file (it logs "
			       "before the sandbox, which seeds jansson)", 256, MGO_SANDBOX__WRITES_TREE, false},
};

static struct mgo_sandbox_test_hooks hooks = {.landlock_abi = -1};
static bool applied;

static bool known(enum mgo_role role)
{
	return role >= MGO_ROLE_SUPERVISOR && role < MGO_ROLE_N;
}

/* role is known() */
const struct mgo_sandbox__profile *mgo_sandbox__profile(enum mgo_role role)
{
	return &profiles[role];
}

bool mgo_sandbox_binds(enum mgo_role role)
{
	return known(role) && profiles[role].binds;
}

void mgo_sandbox_set_test_hooks(const struct mgo_sandbox_test_hooks *h)
{
	hooks = h ? *h : (struct mgo_sandbox_test_hooks){.landlock_abi = -1};
}

int mgo_sandbox__seccomp_fault(void)
{
	return hooks.seccomp_error < 0 ? hooks.seccomp_error : 0;
}

#ifdef MGO_LSAN
/* LeakSanitizer's exit-time check stops the world with ptrace from a forked
 * tracer and lists /proc/self/task: both refused once the sandbox is on. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return applied;
}
#endif

/* Landlock and no_new_privs bind the calling thread only (seccomp could sync
 * threads, Landlock cannot before ABI 8): a second thread would escape. */
static int single_threaded(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int threads = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &threads) == 1)
			break;
	fclose(f);
	if (threads == 1)
		return 0;
	mgo_error("sandbox.threads", "%d threads already run; the sandbox must come first",
		  threads);
	return -EBUSY;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int close_range_or_loop(unsigned lo, unsigned hi)
{
	struct rlimit rl;

	if (close_range(lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* before Linux 5.9: every descriptor the limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -errno;
	for (unsigned fd = lo; fd <= hi && fd < rl.rlim_cur; fd++)
		close((int)fd);
	return 0;
}

/* Closes every descriptor from 3 up except keep (-1-ended, may be NULL). */
static int close_inherited(const int *keep)
{
	int sorted[64], n = 0, rc;
	unsigned lo = 3;

	for (size_t i = 0; keep && keep[i] != -1; i++) {
		if (keep[i] < 0 || (size_t)n == sizeof(sorted) / sizeof(sorted[0]))
			return -EINVAL;
		if (keep[i] > 2)
			sorted[n++] = keep[i];
	}
	qsort(sorted, (size_t)n, sizeof(sorted[0]), cmp_int);
	for (int i = 0; i < n; i++) {
		if ((unsigned)sorted[i] > lo && (rc = close_range_or_loop(lo, (unsigned)sorted[i] - 1)))
			return rc;
		if ((unsigned)sorted[i] >= lo)
			lo = (unsigned)sorted[i] + 1;
	}
	return close_range_or_loop(lo, ~0u);
}

/* RLIMIT_NOFILE: soft and hard. valgrind reserves descriptors above the hard
 * limit it shows and refuses to have it changed (EPERM): the soft limit
 * still applies there, and the report says so. */
static int limit_fds(unsigned long want, struct mgo_sandbox_report *r)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -errno;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	r->max_fds = want;
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){want, want}) == 0) {
		r->max_fds_hard = true;
		return 0;
	}
	if (errno != EPERM || setrlimit(RLIMIT_NOFILE, &(struct rlimit){want, rl.rlim_max}) != 0)
		return -errno;
	mgo_warn("sandbox.rlimit", "RLIMIT_NOFILE: the hard limit cannot be lowered here "
		 "(valgrind?); the soft limit is %lu", want);
	return 0;
}

static int set_rlimits(const struct mgo_sandbox_policy *p, struct mgo_sandbox_report *r)
{
	/* no core file could hold the token; POSIX message queues would be a
	 * channel between siblings around the IPC that authenticates them */
	static const int zero[] = {RLIMIT_CORE, RLIMIT_MSGQUEUE};
	const struct mgo_sandbox__profile *prof = mgo_sandbox__profile(p->role);

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (setrlimit(zero[i], &(struct rlimit){0, 0}) != 0)
			return -errno;
	return limit_fds(p->max_fds ? p->max_fds : prof->max_fds, r);
}

static int set_prctls(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	return 0;
}

static int landlock(const struct mgo_sandbox_policy *p, struct mgo_sandbox_report *r)
{
	int abi = hooks.landlock_abi >= 0 ? hooks.landlock_abi : mgo_sandbox__landlock_abi();

	if (abi == 0) {
		mgo_warn("sandbox.landlock", "Landlock is not available (kernel, or valgrind): "
			 "files and TCP are not restricted; seccomp still applies");
		return 0;
	}
	return mgo_sandbox__landlock(p, abi, r);
}

static const char *const step_names[] = {"threads", "descriptors", "rlimits", "prctl",
					 "landlock", "seccomp"};

int mgo_sandbox_apply(const struct mgo_sandbox_policy *p, struct mgo_sandbox_report *report)
{
	struct mgo_sandbox_report r = {0};
	unsigned step = 0;
	int rc;

	if (!p || !known(p->role) ||
	    ((profiles[p->role].binds || profiles[p->role].cleans) &&
	     (!p->bind_dir || p->bind_dir[0] != '/')))
		return -EINVAL;
	if (applied)
		return -EALREADY;
	r.role = p->role;
	if ((rc = single_threaded()))
		goto out;
	step++;
	if ((rc = close_inherited(p->keep_fds)))
		goto out;
	step++;
	if ((rc = set_rlimits(p, &r)))
		goto out;
	step++;
	if ((rc = set_prctls()))
		goto out;
#ifdef MGO_LSAN
	/* lets the sanitizer read /proc/self/maps and start its symbolizer
	 * while it still can */
	__sanitizer_sandbox_on_notify(&(__sanitizer_sandbox_arguments){.coverage_fd = -1});
#endif
	step++;
	if ((rc = landlock(p, &r)))
		goto out;
	step++;
	if ((rc = mgo_sandbox__seccomp(p->role, &r.seccomp_rules)))
		goto out;
	applied = true;
	if (report)
		*report = r;
out:
	if (rc)
		mgo_error("sandbox.failed", "the %s sandbox failed at %s: %s", profiles[p->role].name,
			  step_names[step], strerror(-rc));
	return rc;
}

void mgo_sandbox_log_report(const struct mgo_sandbox_report *r)
{
	mgo_log_kv(MGO_LOG_INFO, __func__, "sandbox.applied",
		   "{s:s, s:I, s:b, s:i, s:b, s:b, s:i, s:i}", "sandbox",
		   mgo_role_name(r->role), "max_fds", (json_int_t)r->max_fds,
		   "max_fds_hard", r->max_fds_hard, "landlock_abi", r->landlock_abi,
		   "landlock_tcp", r->landlock_tcp, "landlock_scoped", r->landlock_scoped,
		   "read_rules", (int)r->read_rules, "seccomp_rules", (int)r->seccomp_rules);
}

void mgo_sandbox_describe(enum mgo_role role,
			  void (*fn)(const struct mgo_sandbox_entry *e, void *ctx), void *ctx)
{
	const struct mgo_sandbox__profile *prof;
	char fds[64];

	if (!known(role))
		return;
	prof = mgo_sandbox__profile(role);
	fn(&(struct mgo_sandbox_entry){"process", "inherited descriptors", "closed but 0, 1, 2 "
				       "and the kept ones", "one leaked by the parent (another "
				       "child's key, a socket) is gone before any input is read"},
	   ctx);
	fn(&(struct mgo_sandbox_entry){"rlimit", "RLIMIT_CORE", "0", "no core file holds the token"},
	   ctx);
	fn(&(struct mgo_sandbox_entry){"rlimit", "RLIMIT_MSGQUEUE", "0",
				       "no POSIX message queue between siblings"}, ctx);
	snprintf(fds, sizeof(fds), "%lu", prof->max_fds);
	fn(&(struct mgo_sandbox_entry){"rlimit", "RLIMIT_NOFILE", fds,
				       "a leak or a flood of peers fails early"}, ctx);
	fn(&(struct mgo_sandbox_entry){"process", "PR_SET_DUMPABLE", "0",
				       "no core dump; a same-uid sibling cannot ptrace it or read "
				       "its memory"}, ctx);
	fn(&(struct mgo_sandbox_entry){"process", "PR_SET_NO_NEW_PRIVS", "1",
				       "nothing gains privileges; required by Landlock and seccomp"},
	   ctx);
	mgo_sandbox__landlock_describe(role, fn, ctx);
	mgo_sandbox__seccomp_describe(role, fn, ctx);
}

/* The Landlock layer of the sandbox, by raw syscalls (glibc 2.36 has no
 * wrappers): the roles' file, TCP and scope rights at whatever ABI the
 * kernel has. See mgo/sandbox.h for the policy. */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "mgo/log.h"
#include "sandbox_internal.h"

/* Debian 12's linux-libc-dev (6.1) stops at ABI 2; the rest is from the
 * kernel's include/uapi/linux/landlock.h. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)           /* ABI 3, Linux 6.2 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)           /* ABI 4, Linux 6.7 */
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)        /* ABI 4 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)          /* ABI 5, Linux 6.10 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)    /* ABI 6, Linux 6.12 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)                  /* ABI 6 */
#endif

/* Enum values and structs cannot be tested with #ifndef, and the installed
 * struct landlock_ruleset_attr has only its ABI 1 member: these mirror the
 * UAPI under our own names (the kernel takes the larger struct from an older
 * caller's point of view as long as it knows every member that is set). */
#define MGO_LANDLOCK_RULE_NET_PORT 2                       /* ABI 4 */

struct mgo_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;                       /* ABI 4 */
	uint64_t scoped;                                   /* ABI 6 */
};

struct mgo_landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define FS_ABI1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
#define FS_FILE_RIGHTS                                                                  \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                   \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                   \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define SOCKET_DIR_RIGHTS (LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_REMOVE_FILE)
/* a temporary file written, then renamed over the old one (no REFER: the
 * rename stays inside the directory), or removed after a failed write */
#define WRITE_DIR_RIGHTS                                                                \
	(LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE |                 \
	 LANDLOCK_ACCESS_FS_WRITE_FILE)
#define CLEAN_RIGHTS (LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR)
/* mgo-clean's --output: new directories and files, listed and written;
 * nothing removed, renamed or linked */
#define TREE_RIGHTS                                                                     \
	(LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                    \
	 LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

static uint64_t fs_rights(int abi)
{
	uint64_t r = FS_ABI1;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

bool mgo_sandbox__under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
	return RUNNING_ON_VALGRIND != 0;
#else
	return false;
#endif
}

int mgo_sandbox__landlock_abi(void)
{
	long abi;

	/* valgrind 3.19 would print "unhandled syscall" for every call */
	if (mgo_sandbox__under_valgrind())
		return 0;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi > 0 ? (int)abi : 0;
}

/* Grants `access` (cut to what the object and the ABI take) beneath path and
 * counts it in *n (n may be NULL). An optional path that does not exist, or
 * that we may not even look up, is skipped: it could not be read without the
 * sandbox either. */
static int add_path(int ruleset, const char *path, uint64_t access, uint64_t handled,
		    bool optional, unsigned *n)
{
	struct landlock_path_beneath_attr pb = {0};
	struct stat st;
	int fd, rc = 0;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (optional && (errno == ENOENT || errno == ENOTDIR || errno == EACCES)) {
			mgo_debug("sandbox.landlock", "%s: %s; not granted", path, strerror(errno));
			return 0;
		}
		rc = -errno;
		mgo_error("sandbox.landlock", "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISDIR(st.st_mode))
		access &= FS_FILE_RIGHTS;
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
		rc = -errno;
		goto out;
	}
	if (n)
		(*n)++;
out:
	if (rc)
		mgo_error("sandbox.landlock", "cannot grant %s: %s", path, strerror(-rc));
	close(fd);
	return rc;
}

static int add_reads(int ruleset, const char *const *paths, uint64_t handled, unsigned *n)
{
	int rc = 0;

	for (size_t i = 0; paths && paths[i] && !rc; i++)
		rc = add_path(ruleset, paths[i],
			      LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR, handled,
			      true, n);
	return rc;
}

/* The supervisor's removal of the socket directory at exit: what is beneath
 * it, and with remove_bind_dir the directory itself, which takes the right
 * on its parent (Landlock checks REMOVE_DIR on the directory holding the
 * one removed). */
static int add_clean(int ruleset, const struct mgo_sandbox_policy *p, uint64_t handled)
{
	char parent[4096];
	char *slash;
	int rc = add_path(ruleset, p->bind_dir, CLEAN_RIGHTS, handled, false, NULL);

	if (rc || !p->remove_bind_dir)
		return rc;
	if (snprintf(parent, sizeof(parent), "%s", p->bind_dir) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	slash[slash == parent ? 1 : 0] = '\0';
	return add_path(ruleset, parent, LANDLOCK_ACCESS_FS_REMOVE_DIR, handled, false, NULL);
}

/* A bind rule for port 0 allows the ephemeral port bind(2) picks. */
static int add_port(int ruleset, uint16_t port, uint64_t access)
{
	struct mgo_landlock_net_port_attr np = {access, port};
	int rc;

	if (syscall(SYS_landlock_add_rule, ruleset, MGO_LANDLOCK_RULE_NET_PORT, &np, 0) == 0)
		return 0;
	rc = -errno;
	mgo_error("sandbox.landlock", "cannot allow TCP %s on port %u: %s",
		  access == LANDLOCK_ACCESS_NET_BIND_TCP ? "bind" : "connect", (unsigned)port,
		  strerror(-rc));
	return rc;
}

static int add_connect_ports(int ruleset, const uint16_t *ports)
{
	int rc = 0;

	for (size_t i = 0; ports[i] && !rc; i++)
		rc = add_port(ruleset, ports[i], LANDLOCK_ACCESS_NET_CONNECT_TCP);
	return rc;
}

/* What the ABI in use leaves unenforced, said once at start. */
static void warn_gaps(const struct mgo_sandbox__profile *prof, int abi)
{
	if (abi < 4)
		mgo_warn("sandbox.landlock", "Landlock ABI %d has no TCP rules: %s", abi,
			 prof->tcp_connect ? "TCP bind and connect are not restricted"
					   : "only seccomp keeps inet sockets out");
	if (abi < 6)
		mgo_warn("sandbox.landlock", "Landlock ABI %d cannot scope signals or abstract "
			 "sockets: the process can signal others of its uid", abi);
}

int mgo_sandbox__landlock(const struct mgo_sandbox_policy *p, int abi,
			  struct mgo_sandbox_report *r)
{
	const struct mgo_sandbox__profile *prof = mgo_sandbox__profile(p->role);
	struct mgo_landlock_ruleset_attr attr = {.handled_access_fs = fs_rights(abi)};
	int ruleset, rc = 0;

	if (abi >= 4) {
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
		if (!prof->tcp_connect || p->connect_ports)
			attr.handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
	}
	if (abi >= 6)
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
			      (prof->signals_out ? 0 : LANDLOCK_SCOPE_SIGNAL);
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0) {
		rc = -errno;
		mgo_error("sandbox.landlock", "cannot create the ruleset: %s", strerror(-rc));
		return rc;
	}
	if (prof->binds)
		rc = add_path(ruleset, p->bind_dir, SOCKET_DIR_RIGHTS, attr.handled_access_fs,
			      false, NULL);
	for (size_t i = 0; !rc && prof->writes && p->write_dirs && p->write_dirs[i]; i++)
		rc = add_path(ruleset, p->write_dirs[i],
			      prof->writes == MGO_SANDBOX__WRITES_TREE ? TREE_RIGHTS
								     : WRITE_DIR_RIGHTS,
			      attr.handled_access_fs, false, NULL);
	if (!rc && prof->cleans)
		rc = add_clean(ruleset, p, attr.handled_access_fs);
	if (!rc)
		rc = add_reads(ruleset, prof->runtime_reads, attr.handled_access_fs, &r->read_rules);
	if (!rc)
		rc = add_reads(ruleset, p->read_paths, attr.handled_access_fs, &r->read_rules);
	if (!rc && prof->tcp_connect && p->connect_ports && abi >= 4)
		rc = add_connect_ports(ruleset, p->connect_ports);
	if (!rc && prof->tcp_bind && abi >= 4)
		rc = add_port(ruleset, p->bind_port, LANDLOCK_ACCESS_NET_BIND_TCP);
	if (!rc && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
		rc = -errno;
		mgo_error("sandbox.landlock", "cannot restrict the process: %s", strerror(-rc));
	}
	close(ruleset);
	if (rc)
		return rc;
	r->landlock_abi = abi;
	r->landlock_tcp = abi >= 4;
	r->landlock_scoped = abi >= 6;
	warn_gaps(prof, abi);
	return 0;
}

void mgo_sandbox__landlock_describe(enum mgo_role role, mgo_sandbox__describe_fn *fn,
				    void *ctx)
{
	const struct mgo_sandbox__profile *prof = mgo_sandbox__profile(role);
	char reads[512] = "";
	size_t used = 0;

	for (size_t i = 0; prof->runtime_reads[i]; i++)
		used += (size_t)snprintf(reads + used, used < sizeof(reads) ? sizeof(reads) - used : 0,
					 "%s%s", i ? ", " : "", prof->runtime_reads[i]);
	/* a tree writer reads the tree its policy names (mgo-clean's --input) */
	fn(&(struct mgo_sandbox_entry){"landlock", "read",
				       reads[0]				      ? reads
				       : prof->writes == MGO_SANDBOX__WRITES_TREE ? "its --input tree"
										  : "nothing",
				       prof->reads_why},
	   ctx);
	if (prof->cleans)
		fn(&(struct mgo_sandbox_entry){"landlock", "socket directory", "remove_file, "
					       "remove_dir beneath it; remove_dir on its parent "
					       "when it made it", "removes the sockets and their "
					       "directories at exit"}, ctx);
	else
		fn(&(struct mgo_sandbox_entry){"landlock", "socket directory",
					       prof->binds ? "make_sock, remove_file in <socketDir>/"
							     "<role>/ only"
							   : "nothing",
					       prof->binds ? "binds its ipc:// socket and removes it at "
							     "exit; cannot unlink or replace its peer's"
							   : prof->families & (1ull << AF_UNIX)
							   ? "only connects to its peer's socket"
							   : "it has no IPC socket"},
		   ctx);
	if (prof->writes == MGO_SANDBOX__WRITES_TREE)
		fn(&(struct mgo_sandbox_entry){"landlock", "its --output tree",
					       "make_dir, make_reg, write_file, read_dir beneath it",
					       "writes the cleaned copy; cannot remove, rename or "
					       "link anything"},
		   ctx);
	if (prof->writes == MGO_SANDBOX__WRITES_FILES)
		fn(&(struct mgo_sandbox_entry){"landlock", "each role's token directory",
					       "make_reg, write_file, remove_file",
					       "writes a role's token to a new file and renames it "
					       "over the old one; reads nothing there"},
		   ctx);
	fn(&(struct mgo_sandbox_entry){"landlock", "any other file or directory", "no access",
				       "every right of the kernel's ABI is handled"},
	   ctx);
	fn(&(struct mgo_sandbox_entry){"landlock", "TCP bind (ABI >= 4)",
				       prof->tcp_bind ? "its configured port (health.port)" : "refused",
				       prof->tcp_bind ? "serves /healthz, /readyz and /metrics there"
						      : "only mgo-health listens on the network"},
	   ctx);
	fn(&(struct mgo_sandbox_entry){"landlock", "TCP connect (ABI >= 4)",
				       prof->tcp_connect ? "the API server's port, proxy ports"
							 : "refused",
				       prof->tcp_connect ? "not a cloud metadata service or a pod "
							   "port; no DNS: names are pinned before"
							 : "it reaches nothing"},
	   ctx);
	fn(&(struct mgo_sandbox_entry){"landlock", "abstract unix sockets (ABI >= 6)",
				       "own domain only", "a compromised process cannot reach an "
				       "abstract socket made outside its sandbox"},
	   ctx);
	fn(&(struct mgo_sandbox_entry){"landlock", "signals (ABI >= 6)",
				       prof->signals_out ? "allowed" : "own domain only",
				       prof->signals_out ? "stops its children, which the spawner "
							   "started outside its domain"
							 : "a compromised child cannot signal its "
							   "siblings"},
	   ctx);
	fn(&(struct mgo_sandbox_entry){"landlock", "connect to a pathname unix socket",
				       "not restricted: Landlock up to ABI 7 has no right for it",
				       "CURVE and ZAP refuse a peer outside the role's set; "
				       "see docs/permissions.md"},
	   ctx);
}

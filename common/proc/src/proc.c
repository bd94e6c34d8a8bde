/* The steps every IPC process takes before its own work (mgo/proc.h). */
#include "mgo/proc.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgo/log.h"
#include "mgo/parse.h"
#include "mgo/sandbox.h"

static void on_stop_signal(struct mgo_loop *loop, int signo, void *ctx)
{
	struct mgo_proc *p = ctx;

	mgo_info("proc.stopping", "%s received, stopping", strsignal(signo));
	p->stopping = true;
	mgo_loop_stop(loop);
}

static int usage(enum mgo_role role)
{
	fprintf(stderr,
		"usage: mgo-%s --config FILE [--log-level debug|info|warn|error]\n"
		"       (--keys-fd N | --insecure-ipc) [--notify-fd N]\n",
		mgo_role_name(role));
	return -EINVAL;
}

int mgo_proc_args(struct mgo_proc *p, enum mgo_role role, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'l'},
		{"keys-fd", required_argument, NULL, 'k'},
		{"notify-fd", required_argument, NULL, 'n'},
		{"insecure-ipc", no_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int level = MGO_LOG_INFO, c;

	memset(p, 0, sizeof(*p));
	p->sup.fd = -1;
	p->keys_fd = -1;
	p->notify_fd = -1;
	p->role = role;
	mgo_log_init(mgo_role_name(role), MGO_LOG_INFO);
	while ((c = getopt_long(argc, argv, "c:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			p->config_path = optarg;
			break;
		case 'l':
			if ((level = mgo_log_level_parse(optarg)) < 0)
				return usage(role);
			break;
		case 'k':
			if ((p->keys_fd = mgo_parse_fd(optarg)) < 0)
				return usage(role);
			break;
		case 'n':
			if ((p->notify_fd = mgo_parse_fd(optarg)) < 0)
				return usage(role);
			break;
		case 'i':
			p->insecure_ipc = true;
			break;
		default:
			return usage(role);
		}
	}
	if (!p->config_path || optind != argc)
		return usage(role);
	mgo_log_init(mgo_role_name(role), (enum mgo_log_level)level);
	/* a supervisor that went away must not kill us mid-write: EPIPE is
	 * handled where it happens (heartbeats, log lines) */
	if (p->notify_fd >= 0 && signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		mgo_error("proc.signals", "cannot ignore SIGPIPE: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int mgo_proc_read_keys(struct mgo_proc *p)
{
	char err[256];
	int rc, fd = p->keys_fd;

	if (fd < 0) {
		if (!p->insecure_ipc) {
			mgo_error("ipc.unauthenticated",
				  "no --keys-fd: refusing to run without IPC authentication "
				  "(--insecure-ipc, for development only, overrides this)");
			return -EPERM;
		}
		mgo_warn("ipc.insecure",
			 "--insecure-ipc: IPC is NOT authenticated; any process that can reach the "
			 "socket directory can talk to this one. Never run like this in a cluster.");
		return 0;
	}
	if (p->insecure_ipc) {
		mgo_error("ipc.args", "--keys-fd and --insecure-ipc exclude each other");
		return -EINVAL;
	}
	p->keys_fd = -1; /* closed by the read, whatever happens */
	if ((rc = mgo_ipc_keys_read_fd(fd, p->role, &p->keys, err, sizeof(err))))
		mgo_error("ipc.keys", "%s", err);
	return rc;
}

int mgo_proc_read_config(struct mgo_proc *p)
{
	char err[512];
	int rc;

	if ((rc = mgo_cfg_load(p->config_path, &p->cfg, err, sizeof(err)))) {
		mgo_error("config.invalid", "%s", err);
		return rc;
	}
	snprintf(p->validator_endpoint, sizeof(p->validator_endpoint), "ipc://%s/validator/socket",
		 p->cfg.socket_dir);
	snprintf(p->launcher_endpoint, sizeof(p->launcher_endpoint), "ipc://%s/launcher/socket",
		 p->cfg.socket_dir);
	return 0;
}

/* The directory of the role's own socket, made 0700 unless the supervisor
 * made it already (mgo-supervisor does; a process run on its own for
 * development makes its own). */
static int own_socket_dir(const struct mgo_proc *p, char *dir, size_t len)
{
	struct stat st;

	if (snprintf(dir, len, "%s/%s", p->cfg.socket_dir, mgo_role_name(p->role)) >= (int)len)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		int rc = -errno;
		mgo_error("proc.sockdir", "cannot create %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		mgo_error("proc.sockdir", "%s is not a directory of ours", dir);
		return -EPERM;
	}
	return 0;
}

int mgo_proc_enter_sandbox(struct mgo_proc *p, const char *const *read_paths,
			   const uint16_t *connect_ports)
{
	const int keep[] = {p->notify_fd, -1};
	char bind_dir[PATH_MAX];
	struct mgo_sandbox_policy pol = {
		.role = p->role,
		.bind_dir = bind_dir,
		.read_paths = read_paths,
		.keep_fds = p->notify_fd >= 0 ? keep : NULL,
		.connect_ports = connect_ports,
	};
	struct mgo_sandbox_report report;
	int rc;

	/* each bound socket in its own directory, the only one its role may
	 * write (mgo/sandbox.h) */
	if (mgo_sandbox_binds(p->role) &&
	    (rc = own_socket_dir(p, bind_dir, sizeof(bind_dir))))
		return rc;
	if ((rc = mgo_sandbox_apply(&pol, &report)) == 0)
		mgo_sandbox_log_report(&report);
	return rc;
}

int mgo_proc_open_loop(struct mgo_proc *p)
{
	int rc;

	if ((rc = mgo_loop_new(&p->loop)) ||
	    (rc = mgo_loop_add_signal(p->loop, SIGTERM, on_stop_signal, p)) ||
	    (rc = mgo_loop_add_signal(p->loop, SIGINT, on_stop_signal, p))) {
		mgo_error("proc.loop", "cannot set up the event loop: %s", strerror(-rc));
		return rc;
	}
	if (p->notify_fd >= 0 &&
	    (rc = mgo_supervised_start(&p->sup, p->loop, p->notify_fd, p->role,
				       p->cfg.supervisor.heartbeat_ms))) {
		mgo_error("proc.notify", "cannot use --notify-fd %d: %s", p->notify_fd,
			  strerror(-rc));
		return rc;
	}
	/* after the signals are blocked: libzmq's I/O thread inherits the mask */
	if ((rc = mgo_ipc_ctx_new(&p->zctx))) {
		mgo_error("proc.zmq", "cannot create the ZeroMQ context: %s", mgo_ipc_strerror(rc));
		return rc;
	}
	mgo_info("proc.started", "mgo-%s started with %s", mgo_role_name(p->role), p->config_path);
	return 0;
}

/* NULL when --insecure-ipc: mgo_ipc_* then make plain sockets. */
static const struct mgo_ipc_auth *auth_for(struct mgo_proc *p, enum mgo_role peer,
					   struct mgo_ipc_auth *buf)
{
	if (p->insecure_ipc)
		return NULL;
	*buf = (struct mgo_ipc_auth){.keys = &p->keys, .peer = peer, .zap = p->zap};
	return buf;
}

int mgo_proc_bind(struct mgo_proc *p, const char *endpoint, enum mgo_role peer, void **out)
{
	struct mgo_ipc_auth a;
	int rc;

	if (!p->insecure_ipc && !p->zap && (rc = mgo_ipc_zap_open(p->zctx, p->loop, &p->zap)))
		return rc;
	return mgo_ipc_bind_pull(p->zctx, endpoint, auth_for(p, peer, &a), out);
}

int mgo_proc_connect(struct mgo_proc *p, const char *endpoint, enum mgo_role peer, void **out)
{
	struct mgo_ipc_auth a;

	return mgo_ipc_connect_push(p->zctx, endpoint, auth_for(p, peer, &a), out);
}

void mgo_proc_ready(struct mgo_proc *p)
{
	mgo_supervised_ready(&p->sup);
}

bool mgo_proc_supervised(const struct mgo_proc *p)
{
	return p->sup.fd >= 0;
}

void mgo_proc_finish(struct mgo_proc *p)
{
	mgo_supervised_stop(&p->sup);
	mgo_ipc_zap_close(p->zap);
	mgo_ipc_ctx_term(p->zctx);
	mgo_loop_free(p->loop);
	mgo_cfg_free(&p->cfg);
	mgo_ipc_keys_wipe(&p->keys);
	memset(p, 0, sizeof(*p));
	p->sup.fd = -1;
}

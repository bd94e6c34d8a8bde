#include "mgo/proc.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "mgo/log.h"
#include "mgo/sandbox.h"

static void on_stop_signal(struct mgo_loop *loop, int signo, void *ctx)
{
	struct mgo_proc *p = ctx;

	mgo_info("proc.stopping", "%s received, stopping", strsignal(signo));
	p->stopping = true;
	mgo_loop_stop(loop);
}

/* The credentials of the roles that talk to the API server are read before
 * the sandbox: the CA and a kubeconfig's files are read once and could not be
 * opened afterwards. So is OpenSSL's configuration, by curl_global_init(). */
static int load_creds(struct mgo_proc *p)
{
	char err[512];
	int rc = mgo_cfg_role_creds(&p->cfg, p->role, &p->creds, err, sizeof(err));

	if (rc) {
		mgo_error("proc.credentials", "%s", err);
		return rc;
	}
	/* the sandbox refuses the resolver's datagram sockets: names now */
	if ((rc = mgo_sandbox_pin_names(p->creds.server, &p->creds.resolve, err, sizeof(err)))) {
		mgo_error("proc.resolve", "%s", err);
		return rc;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		mgo_error("proc.curl", "libcurl initialisation failed");
		return -EIO;
	}
	p->curl_ready = true;
	return 0;
}

/* True when path is dir or lies beneath it, compared after resolving both
 * where they exist (a projected token is reached through symlinks). */
static bool beneath(const char *dir, const char *path)
{
	char rdir[PATH_MAX], rpath[PATH_MAX];
	size_t n;

	if (realpath(dir, rdir))
		dir = rdir;
	if (realpath(path, rpath))
		path = rpath;
	n = strlen(dir);
	if (n == 1)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The sandbox lets a role read its token's whole directory (the kubelet
 * rotates a projected token by swapping a symlink to a new directory), so
 * the other role's credentials must not be in there. */
static int check_token_dir(const struct mgo_proc *p, const char *dir)
{
	const struct mgo_cfg_role *other =
		strcmp(p->role, "watcher") == 0 ? &p->cfg.launcher : &p->cfg.watcher;
	const char *files[] = {other->token_file, other->kubeconfig};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i] && beneath(dir, files[i])) {
			mgo_error("proc.sandbox", "the %s's token directory %s also holds %s, which "
				  "its sandbox would let it read: give each role its own directory",
				  p->role, dir, files[i]);
			return -EPERM;
		}
	}
	return 0;
}

/* With no CA in the credentials libcurl trusts its built-in bundle and
 * directory, which OpenSSL opens at each new connection. */
static int trust_store(char **cainfo, char **capath)
{
	CURL *e = curl_easy_init();
	char *s = NULL;
	int rc = 0;

	if (!e)
		return -ENOMEM;
	if (curl_easy_getinfo(e, CURLINFO_CAINFO, &s) == CURLE_OK && s && !(*cainfo = strdup(s)))
		rc = -ENOMEM;
	s = NULL;
	if (!rc && curl_easy_getinfo(e, CURLINFO_CAPATH, &s) == CURLE_OK && s &&
	    !(*capath = strdup(s)))
		rc = -ENOMEM;
	curl_easy_cleanup(e);
	return rc;
}

/* notify_fd, the supervisor's notification pipe (-1: none), is the one
 * inherited descriptor kept open; the keys' pipe is read and closed by now. */
/* The directory of the role's own socket, made 0700 unless the supervisor
 * made it already (mgo-supervisor does; a process run on its own for
 * development makes its own). */
static int own_socket_dir(const struct mgo_proc *p, char *dir, size_t len)
{
	struct stat st;

	if (snprintf(dir, len, "%s/%s", p->cfg.socket_dir, p->role) >= (int)len)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		mgo_error("proc.sockdir", "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		mgo_error("proc.sockdir", "%s is not a directory of ours", dir);
		return -EPERM;
	}
	return 0;
}

static int enter_sandbox(struct mgo_proc *p, int notify_fd)
{
	const int keep[] = {notify_fd, -1};
	char bind_dir[PATH_MAX];
	const char *reads[4] = {0};
	char *token_dir = NULL, *cainfo = NULL, *capath = NULL, err[256];
	uint16_t ports[MGO_SANDBOX_PORTS_MAX];
	struct mgo_sandbox_policy pol = {
		.role = (enum mgo_sandbox_role)mgo_sandbox_role_parse(p->role),
		.bind_dir = bind_dir,
		.read_paths = reads,
		.keep_fds = notify_fd >= 0 ? keep : NULL,
	};
	struct mgo_sandbox_report report;
	size_t n = 0;
	int rc = 0;

	if ((pol.role == MGO_SANDBOX_VALIDATOR || pol.role == MGO_SANDBOX_LAUNCHER) &&
	    (rc = own_socket_dir(p, bind_dir, sizeof(bind_dir))))
		return rc;
	if (p->creds.server) {
		if (p->creds.token_file) {
			if (!(token_dir = strdup(p->creds.token_file))) {
				rc = -ENOMEM;
				goto out;
			}
			reads[n++] = dirname(token_dir);
			if ((rc = check_token_dir(p, reads[0])))
				goto out;
		}
		if (!p->creds.ca_pem && (rc = trust_store(&cainfo, &capath)))
			goto out;
		if (cainfo)
			reads[n++] = cainfo;
		if (capath)
			reads[n++] = capath;
		if ((rc = mgo_sandbox_connect_ports(p->creds.server, ports, err, sizeof(err))) < 0) {
			mgo_error("proc.sandbox", "%s", err);
			goto out;
		}
		pol.connect_ports = ports;
	}
	if ((rc = mgo_sandbox_apply(&pol, &report)) == 0)
		mgo_sandbox_log_report(&report);
out:
	free(capath);
	free(cainfo);
	free(token_dir);
	return rc < 0 ? rc : 0;
}

static int usage(const char *role)
{
	fprintf(stderr,
		"usage: mgo-%s --config FILE [--log-level debug|info|warn|error]\n"
		"       (--keys-fd N | --insecure-ipc) [--notify-fd N]\n",
		role);
	return 2;
}

int mgo_proc_parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 3 || v > INT_MAX)
		return -1;
	return (int)v;
}

static enum mgo_role role_of(const char *name)
{
	for (enum mgo_role r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++)
		if (strcmp(mgo_role_name(r), name) == 0)
			return r;
	return 0;
}

/* The keys come first, before the configuration is even read: the pipe
 * holding them is closed as soon as possible and nothing else can fail
 * first and leave them unread in it. */
static int take_keys(struct mgo_proc *p, int keys_fd)
{
	char err[256];
	int rc;

	if (keys_fd < 0) {
		if (!p->insecure_ipc) {
			mgo_error("ipc.unauthenticated",
				  "no --keys-fd: refusing to run without IPC authentication "
				  "(--insecure-ipc, for development only, overrides this)");
			return 2;
		}
		mgo_warn("ipc.insecure",
			 "--insecure-ipc: IPC is NOT authenticated; any process that can reach the "
			 "socket directory can talk to this one. Never run like this in a cluster.");
		return 0;
	}
	if (p->insecure_ipc) {
		mgo_error("ipc.args", "--keys-fd and --insecure-ipc exclude each other");
		return 2;
	}
	rc = mgo_supervised_read_keys(keys_fd, p->role_id, &p->keys, err, sizeof(err));
	if (rc) {
		mgo_error("ipc.keys", "%s", err);
		return 2;
	}
	return 0;
}

int mgo_proc_start(struct mgo_proc *p, const char *role, int argc, char **argv)
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
	const char *config = NULL;
	int level = MGO_LOG_INFO, keys_fd = -1, notify_fd = -1, c, rc;
	char err[512];

	memset(p, 0, sizeof(*p));
	p->sup.fd = -1;
	p->role = role;
	p->role_id = role_of(role);
	mgo_log_init(role, MGO_LOG_INFO);
	while ((c = getopt_long(argc, argv, "c:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			if ((level = mgo_log_level_parse(optarg)) < 0)
				return usage(role);
			break;
		case 'k':
			if ((keys_fd = mgo_proc_parse_fd(optarg)) < 0)
				return usage(role);
			break;
		case 'n':
			if ((notify_fd = mgo_proc_parse_fd(optarg)) < 0)
				return usage(role);
			break;
		case 'i':
			p->insecure_ipc = true;
			break;
		default:
			return usage(role);
		}
	}
	if (!config || optind != argc || !p->role_id)
		return usage(role);
	mgo_log_init(role, (enum mgo_log_level)level);
	if ((rc = take_keys(p, keys_fd)))
		return rc;
	/* a supervisor that went away must not kill us mid-write: EPIPE is
	 * handled where it happens (heartbeats, log lines) */
	if (notify_fd >= 0 && signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		mgo_error("proc.signals", "cannot ignore SIGPIPE: %s", strerror(errno));
		return 2;
	}
	if (mgo_cfg_load(config, &p->cfg, err, sizeof(err)) != 0) {
		mgo_error("config.invalid", "%s", err);
		return 2;
	}
	snprintf(p->validator_endpoint, sizeof(p->validator_endpoint), "ipc://%s/validator/socket",
		 p->cfg.socket_dir);
	snprintf(p->launcher_endpoint, sizeof(p->launcher_endpoint), "ipc://%s/launcher/socket",
		 p->cfg.socket_dir);
	if (mgo_sandbox_role_parse(role) < 0)
		return 2;
	if ((strcmp(role, "validator") != 0 && load_creds(p) != 0) ||
	    enter_sandbox(p, notify_fd) != 0)
		return 1;
	if ((rc = mgo_loop_new(&p->loop)) || (rc = mgo_loop_add_signal(p->loop, SIGTERM,
								       on_stop_signal, p)) ||
	    (rc = mgo_loop_add_signal(p->loop, SIGINT, on_stop_signal, p))) {
		mgo_error("proc.loop", "cannot set up the event loop: %s", strerror(-rc));
		return 2;
	}
	if (notify_fd >= 0 && (rc = mgo_supervised_start(&p->sup, p->loop, notify_fd, p->role_id,
							 p->cfg.supervisor.heartbeat_ms))) {
		mgo_error("proc.notify", "cannot use --notify-fd %d: %s", notify_fd, strerror(-rc));
		return 2;
	}
	/* after the signals are blocked: libzmq's I/O thread inherits the mask */
	p->zctx = zmq_ctx_new();
	if (!p->zctx) {
		mgo_error("proc.zmq", "cannot create the ZeroMQ context: %s", zmq_strerror(errno));
		return 2;
	}
	mgo_info("proc.started", "mgo-%s started with %s", role, config);
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
	if (p->zctx)
		zmq_ctx_term(p->zctx);
	mgo_loop_free(p->loop);
	if (p->curl_ready)
		curl_global_cleanup();
	mgo_kube_creds_free(&p->creds);
	mgo_cfg_free(&p->cfg);
	mgo_ipc_keys_wipe(&p->keys);
	memset(p, 0, sizeof(*p));
	p->sup.fd = -1;
}

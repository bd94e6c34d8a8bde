/* The supervisor's life: arguments, becoming init, the socket directory and
 * the keys, the start sequence, reaping, and the ordered shutdown. */
#include "sup.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mgo/log.h"
#include "mgo/sandbox.h"
#include "sockdir.h"

static int usage(void)
{
	fprintf(stderr, "usage: mgo-supervisor --config FILE [--log-level debug|info|warn|error]\n"
			"       [--watcher PROGRAM] [--validator PROGRAM] [--launcher PROGRAM]\n"
			"       [--health PROGRAM] [--tokens PROGRAM]\n");
	return 2;
}

static struct mgo_child *child_of(struct mgo_sup *s, enum mgo_role role)
{
	for (size_t i = 0; i < s->n_kids; i++)
		if (s->kids[i].role == role)
			return &s->kids[i];
	return NULL;
}

/* Without the `tokens` key the roles' token files are someone else's to
 * keep (a mounted Secret, a kubeconfig): no mgo-tokens to run. */
static void drop_child(struct mgo_sup *s, enum mgo_role role)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n_kids; i++)
		if (s->kids[i].role != role)
			s->kids[k++] = s->kids[i];
	s->n_kids = k;
}

/* The children's programs default to mgo-<role> beside our own executable,
 * as installed in the image. */
static int default_paths(struct mgo_sup *s)
{
	char self[PATH_MAX];
	const char *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	self[n] = '\0';
	/* once: dirname() may write into its argument, so a second call would
	 * give the directory above */
	dir = dirname(self);
	for (size_t i = 0; i < s->n_kids; i++) {
		struct mgo_child *c = &s->kids[i];
		if (c->path[0])
			continue;
		if (snprintf(c->path, sizeof(c->path), "%s/mgo-%s", dir, c->name) >=
		    (int)sizeof(c->path))
			return -ENAMETOOLONG;
	}
	return 0;
}

int mgo_sup_args(struct mgo_sup *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'l'},
		{"watcher", required_argument, NULL, 'W'},
		{"validator", required_argument, NULL, 'V'},
		{"launcher", required_argument, NULL, 'L'},
		{"health", required_argument, NULL, 'H'},
		{"tokens", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	char err[512];
	int c, rc, level = MGO_LOG_INFO;

	memset(s, 0, sizeof(*s));
	s->spawner.fd = -1;
	mgo_log_init("supervisor", MGO_LOG_INFO);
	s->n_kids = MGO_SUP_CHILDREN;
	for (size_t i = 0; i < s->n_kids; i++)
		s->kids[i] = (struct mgo_child){.role = mgo_sup_start_order[i],
						.name = mgo_role_name(mgo_sup_start_order[i]),
						.notify_fd = -1, .out_fd = -1};
	while ((c = getopt_long(argc, argv, "c:l:h", opts, NULL)) != -1) {
		struct mgo_child *k = NULL;
		switch (c) {
		case 'c':
			s->config_path = optarg;
			break;
		case 'l':
			if ((level = mgo_log_level_parse(optarg)) < 0)
				return usage();
			s->log_level = optarg;
			break;
		case 'W':
		case 'V':
		case 'L':
		case 'H':
		case 'T':
			k = child_of(s, c == 'W' ? MGO_ROLE_WATCHER
					: c == 'V' ? MGO_ROLE_VALIDATOR
					: c == 'L' ? MGO_ROLE_LAUNCHER
					: c == 'H' ? MGO_ROLE_HEALTH : MGO_ROLE_TOKENS);
			if (optarg[0] != '/' ||
			    snprintf(k->path, sizeof(k->path), "%s", optarg) >= (int)sizeof(k->path)) {
				fprintf(stderr, "mgo-supervisor: --%s needs an absolute path\n", k->name);
				return 2;
			}
			break;
		default:
			return usage();
		}
	}
	if (!s->config_path || optind != argc)
		return usage();
	mgo_log_init("supervisor", (enum mgo_log_level)level);
	if (mgo_cfg_load(s->config_path, &s->cfg, err, sizeof(err)) != 0) {
		mgo_error("config.invalid", "%s", err);
		return 2;
	}
	if (!s->cfg.tokens.enabled)
		drop_child(s, MGO_ROLE_TOKENS);
	if ((rc = default_paths(s)) != 0) {
		mgo_error("supervisor.args", "cannot find the programs beside our own: %s",
			  strerror(-rc));
		return 2;
	}
	for (size_t i = 0; i < s->n_kids; i++) {
		if (access(s->kids[i].path, X_OK) != 0) {
			mgo_error("supervisor.args", "cannot run %s: %s", s->kids[i].path,
				  strerror(errno));
			return 2;
		}
	}
	return 0;
}

int mgo_sup_become_init(struct mgo_sup *s)
{
	/* As PID 1 every orphan of the container is ours already; otherwise
	 * become the reaper of everything below us, as a test or a shell runs
	 * us, so "reaps every zombie" holds there too. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		mgo_error("supervisor.init", "cannot become a subreaper: %s", strerror(errno));
		return 1;
	}
	/* we hold every child's secret key: no core dumps, no ptrace by peers */
	if (prctl(PR_SET_DUMPABLE, 0) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		mgo_error("supervisor.init", "cannot harden the process: %s", strerror(errno));
		return 1;
	}
	return 0;
}

/* ---- signals ---- */

static void begin_shutdown(struct mgo_sup *s, int status, const char *why);

static void reap(struct mgo_loop *loop, int signo, void *ctx)
{
	struct mgo_sup *s = ctx;
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct mgo_child *c = NULL;
		char how[64];

		if (pid == s->spawner.pid) {
			/* no child could be started again: stop, and let the
			 * kubelet restart the container */
			s->spawner.pid = 0;
			mgo_log_kv(MGO_LOG_ERROR, NULL, "supervisor.spawner.died", "{s:s}", "status",
				   mgo_sup_describe_exit(st, how, sizeof(how)));
			if (!s->stopping)
				begin_shutdown(s, 1, "the spawner died");
			continue;
		}
		for (size_t i = 0; i < s->n_kids; i++)
			if (s->kids[i].pid == pid)
				c = &s->kids[i];
		if (c) {
			mgo_child_exited(c, st);
		} else {
			mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.reaped", "{s:i, s:s}", "orphan_pid",
				   (int)pid, "status", mgo_sup_describe_exit(st, how, sizeof(how)));
		}
	}
	if (s->stopping)
		begin_shutdown(s, s->status, NULL);
}

static void on_stop_signal(struct mgo_loop *loop, int signo, void *ctx)
{
	struct mgo_sup *s = ctx;

	if (s->stopping) {
		mgo_info("supervisor.signal", "%s: already stopping", strsignal(signo));
		return;
	}
	begin_shutdown(s, 0, strsignal(signo));
}

/* ---- shutdown ---- */

/* Starts the shutdown (why != NULL) or carries it on after a reaping (why
 * NULL): the next running child in stop order gets SIGTERM, one at a time;
 * with none left, the loop ends. */
static void begin_shutdown(struct mgo_sup *s, int status, const char *why)
{
	if (why) {
		s->stopping = true;
		s->status = status;
		mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.stopping", "{s:s, s:i}", "why", why,
			   "grace_ms", (int)s->cfg.supervisor.grace_ms);
		mgo_timer_start(s->grace, s->cfg.supervisor.grace_ms);
		for (size_t i = 0; i < s->n_kids; i++)
			if (s->kids[i].state == MGO_CHILD_BACKOFF)
				mgo_child_stop(&s->kids[i]);
	}
	for (size_t i = 0; i < MGO_SUP_CHILDREN; i++) {
		struct mgo_child *c = child_of(s, mgo_sup_stop_order[i]);
		if (!c || !c->pid)
			continue;
		mgo_child_stop(c);
		return;
	}
	mgo_timer_stop(s->grace);
	mgo_loop_stop(s->loop);
}

static void on_grace(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	struct mgo_sup *s = ctx;

	for (size_t i = 0; i < s->n_kids; i++)
		mgo_child_kill_now(&s->kids[i]);
}

void mgo_sup_crash_loop(struct mgo_sup *s, struct mgo_child *c, const char *last)
{
	char msg[512];

	snprintf(msg, sizeof(msg),
		 "%s failed %u times in a row (last: %s); giving up so that the kubelet's "
		 "restart backoff takes over",
		 c->name, c->failures, last);
	mgo_log_kv(MGO_LOG_ERROR, NULL, "supervisor.crashloop", "{s:s, s:s, s:i, s:s}", "msg", msg,
		   "child", c->name, "failures", (int)c->failures, "last", last);
	begin_shutdown(s, 1, "crash loop");
}

/* ---- starting ---- */

/* Every role c needs (mgo_sup_needs) that runs here is ready. */
static bool needs_met(const struct mgo_sup *s, const struct mgo_child *c)
{
	unsigned needs = mgo_sup_needs(c->role);

	for (size_t i = 0; i < s->n_kids; i++)
		if ((needs & (1u << s->kids[i].role)) && s->kids[i].state != MGO_CHILD_READY)
			return false;
	return true;
}

void mgo_sup_child_ready(struct mgo_sup *s)
{
	bool all = true;

	/* not one after another: each as soon as what it needs is ready */
	for (size_t i = 0; i < s->n_kids && !s->stopping; i++) {
		struct mgo_child *c = &s->kids[i];
		if (c->state == MGO_CHILD_DOWN && needs_met(s, c))
			mgo_child_launch(c);
		all &= c->state == MGO_CHILD_READY;
	}
	if (all && !s->stopping && !s->ready_logged) {
		s->ready_logged = true;
		/* start-up's freed heap back to the kernel, as each child does
		 * at its readiness (mgo_supervised_ready) */
		(void)malloc_trim(0);
		mgo_info("supervisor.ready", "%s", s->n_kids == MGO_SUP_CHILDREN
			 ? "health, tokens, validator, launcher and watcher are ready"
			 : "health, validator, launcher and watcher are ready");
	}
}

int mgo_sup_bundle(const struct mgo_sup *s, enum mgo_role role, uint8_t *buf, size_t cap,
		   size_t *len)
{
	struct mgo_ipc_keys k = {.self = role, .peers = mgo_sup_peers_of(role)};
	int rc;

	memcpy(k.secret_key, s->keys[role].sec, MGO_IPC_KEY_LEN);
	for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++)
		if (k.peers & (1u << r))
			memcpy(k.peer[r], s->keys[r].pub, MGO_IPC_KEY_LEN);
	rc = mgo_ipc_bundle_encode(&k, buf, cap, len);
	mgo_ipc_keys_wipe(&k);
	return rc;
}

/* From here on it reads no file and opens no socket; it cannot fork or
 * execute anything (the spawner does), nor read the roles' tokens. */
static int enter_sandbox(struct mgo_sup *s)
{
	const int keep[] = {s->spawner.fd, -1};
	const struct mgo_sandbox_policy pol = {
		.role = MGO_ROLE_SUPERVISOR,
		.bind_dir = s->cfg.socket_dir,
		.remove_bind_dir = s->sockdir_created,
		.keep_fds = keep,
	};
	struct mgo_sandbox_report report;
	int rc = mgo_sandbox_apply(&pol, &report);

	if (rc == 0)
		mgo_sandbox_log_report(&report);
	return rc;
}

int mgo_sup_make_sockdir(struct mgo_sup *s)
{
	char err[512];

	if (mgo_sockdir_make(s->cfg.socket_dir, &s->sockdir_created, err, sizeof(err))) {
		mgo_error("supervisor.sockdir", "%s; refusing to run", err);
		return 2;
	}
	s->sockdir_made = true;
	return 0;
}

int mgo_sup_start_spawner(struct mgo_sup *s)
{
	int rc = mgo_spawner_start(&s->spawner, s);

	if (rc)
		mgo_error("supervisor.spawner", "cannot start the spawner: %s", strerror(-rc));
	return rc ? 1 : 0;
}

int mgo_sup_sandbox(struct mgo_sup *s)
{
	return enter_sandbox(s) ? 1 : 0;
}

int mgo_sup_open(struct mgo_sup *s)
{
	int rc;

	if ((rc = mgo_loop_new(&s->loop)) ||
	    (rc = mgo_loop_add_signal(s->loop, SIGCHLD, reap, s)) ||
	    (rc = mgo_loop_add_signal(s->loop, SIGTERM, on_stop_signal, s)) ||
	    (rc = mgo_loop_add_signal(s->loop, SIGINT, on_stop_signal, s)) ||
	    (rc = mgo_timer_new(s->loop, on_grace, s, &s->grace))) {
		mgo_error("supervisor.loop", "cannot set up the event loop: %s", strerror(-rc));
		return 1;
	}
	for (size_t i = 0; i < s->n_kids; i++) {
		if ((rc = mgo_child_attach(&s->kids[i], s))) {
			mgo_error("supervisor.loop", "cannot set up timers: %s", strerror(-rc));
			return 1;
		}
	}
	if ((rc = mgo_health_feed_open(s))) {
		mgo_error("supervisor.loop", "cannot set up the health feed: %s", strerror(-rc));
		return 1;
	}
	/* One keypair per child for the supervisor's lifetime, handed to it at
	 * each of its starts. A fresh pair per child start would force its
	 * peers to restart as well to learn the new public key (the
	 * validator's is known to both others, so any restart would become a
	 * restart of all three, the launcher's Lease and the watcher's caches
	 * with it) for no gain: the secret of a child that died was in the
	 * supervisor all along, and whoever could read it from the child can
	 * read it from its successor. Keys never outlive the supervisor: a
	 * new container mints new ones. */
	for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++) {
		if ((rc = mgo_ipc_keypair(s->keys[r].pub, s->keys[r].sec))) {
			mgo_error("supervisor.keys", "cannot mint CURVE keys: %s", strerror(-rc));
			return 1;
		}
	}
	if ((rc = mgo_sup_store_new(&s->metrics))) {
		mgo_error("supervisor.metrics", "cannot make the metric store: %s", strerror(-rc));
		return 1;
	}
	mgo_rng_seed(&s->rng);
	return 0;
}

int mgo_sup_run(struct mgo_sup *s)
{
	int rc;

	mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.started", "{s:s, s:s}", "config",
		   s->config_path, "socket_dir", s->cfg.socket_dir);
	mgo_sup_child_ready(s);
	rc = mgo_loop_run(s->loop);
	if (rc) {
		mgo_error("supervisor.loop", "the event loop failed: %s", strerror(-rc));
		return 1;
	}
	mgo_log_kv(MGO_LOG_INFO, NULL, "supervisor.stopped", "{s:i}", "status", s->status);
	return s->status;
}

void mgo_sup_close(struct mgo_sup *s)
{
	for (size_t i = 0; i < s->n_kids; i++) {
		struct mgo_child *c = &s->kids[i];
		/* only after a failed loop: a normal stop reaped them all */
		if (c->pid > 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
			c->pid = 0;
		}
		mgo_child_free(c);
	}
	mgo_spawner_stop(&s->spawner);
	mgo_health_feed_close(s);
	mgo_timer_remove(s->grace);
	mgo_loop_free(s->loop);
	if (s->sockdir_made)
		mgo_sockdir_clean(s->cfg.socket_dir, s->sockdir_created);
	explicit_bzero(s->keys, sizeof(s->keys));
	mgo_sup_store_free(s->metrics);
	s->metrics = NULL;
	mgo_cfg_free(&s->cfg);
}

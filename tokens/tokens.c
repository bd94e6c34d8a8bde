/* mgo-tokens as a process: arguments, credentials, directories, sandbox,
 * and the loop that mints and renews (tokens.h). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mgo/log.h"
#include "mgo/kube_write.h"
#include "mgo/parse.h"
#include "mgo/sandbox.h"
#include "tokens.h"

/* Failed requests are retried after 1 s, doubling up to a minute: well
 * inside the 20% of a lifetime (2 minutes at the 600 s minimum) left
 * when renewal starts. */
#define RETRY_BASE_MS 1000
#define RETRY_CAP_MS 60000

static const struct mgo_kube_resource serviceaccounts = {"", "v1", "serviceaccounts", true};

static int usage(void)
{
	fprintf(stderr, "usage: mgo-tokens --config FILE [--log-level debug|info|warn|error]\n"
			"       [--notify-fd N]\n");
	return 2;
}

int mgo_tokens_args(struct mgo_tokens *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'l'},
		{"notify-fd", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *config = NULL;
	int level = MGO_LOG_INFO, c;
	char err[512];

	memset(t, 0, sizeof(*t));
	t->notify_fd = -1;
	t->sup.fd = -1;
	mgo_log_init("tokens", MGO_LOG_INFO);
	while ((c = getopt_long(argc, argv, "c:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			if ((level = mgo_log_level_parse(optarg)) < 0)
				return usage();
			break;
		case 'n':
			if ((t->notify_fd = mgo_parse_fd(optarg)) < 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (!config || optind != argc)
		return usage();
	mgo_log_init("tokens", (enum mgo_log_level)level);
	/* a supervisor gone away must not kill us mid-write */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		mgo_error("tokens.signals", "cannot ignore SIGPIPE: %s", strerror(errno));
		return 2;
	}
	if (mgo_cfg_load(config, &t->cfg, err, sizeof(err)) != 0) {
		mgo_error("config.invalid", "%s", err);
		return 2;
	}
	if (!t->cfg.tokens.enabled) {
		mgo_error("config.invalid", "config %s has no tokens key: there is nothing to mint",
			  config);
		return 2;
	}
	t->roles[0] = (struct mgo_tokens_role){.t = t, .name = "watcher",
					       .sa = t->cfg.tokens.watcher_sa,
					       .path = t->cfg.watcher.token_file};
	t->roles[1] = (struct mgo_tokens_role){.t = t, .name = "launcher",
					       .sa = t->cfg.tokens.launcher_sa,
					       .path = t->cfg.launcher.token_file};
	return 0;
}

int mgo_tokens_load_creds(struct mgo_tokens *t)
{
	/* with OpenSSL's configuration, read here before the sandbox */
	return mgo_kube_access_load(&t->api, &t->cfg, MGO_ROLE_TOKENS) ? 1 : 0;
}

/* The last component only: the parent is the volume the pod mounts. */
int mgo_tokens_make_dirs(struct mgo_tokens *t)
{
	for (size_t i = 0; i < 2; i++) {
		struct mgo_tokens_role *r = &t->roles[i];
		const char *slash = strrchr(r->path, '/');

		if (!(r->dir = strndup(r->path, (size_t)(slash - r->path)))) {
			mgo_error("tokens.dirs", "out of memory");
			return 1;
		}
		if (mkdir(r->dir, 0700) != 0 && errno != EEXIST) {
			mgo_error("tokens.dirs", "cannot make the %s's token directory %s: %s", r->name,
				  r->dir, strerror(errno));
			return 1;
		}
	}
	return 0;
}

int mgo_tokens_sandbox(struct mgo_tokens *t)
{
	const int keep[] = {t->notify_fd, -1};
	const char *writes[] = {t->roles[0].dir, t->roles[1].dir, NULL};
	/* its own token's directory (the kubelet rotates it there), the trust
	 * store when the CA is not in memory, the API server's port */
	struct mgo_sandbox_policy pol = {.role = MGO_ROLE_TOKENS, .write_dirs = writes,
					 .keep_fds = t->notify_fd >= 0 ? keep : NULL,
					 .read_paths = mgo_kube_access_paths(&t->api),
					 .connect_ports = t->api.ports};
	struct mgo_sandbox_report report;
	int rc;

	if ((rc = mgo_sandbox_apply(&pol, &report)) == 0)
		mgo_sandbox_log_report(&report);
	return rc < 0 ? 1 : 0;
}

static void on_stop_signal(struct mgo_loop *loop, int signo, void *ctx)
{
	mgo_info("tokens.stopping", "%s received, stopping", strsignal(signo));
	mgo_loop_stop(loop);
}

static void on_timer(struct mgo_loop *loop, struct mgo_timer *timer, void *ctx);

int mgo_tokens_open(struct mgo_tokens *t)
{
	const struct mgo_kube_client_opts o = {.qps = t->cfg.tokens.creds.qps,
					       .burst = t->cfg.tokens.creds.burst};
	char err[256];
	int rc;

	if ((rc = mgo_loop_new(&t->loop)) ||
	    (rc = mgo_loop_add_signal(t->loop, SIGTERM, on_stop_signal, t)) ||
	    (rc = mgo_loop_add_signal(t->loop, SIGINT, on_stop_signal, t))) {
		mgo_error("tokens.loop", "cannot set up the event loop: %s", strerror(-rc));
		return 1;
	}
	if (t->notify_fd >= 0) {
		rc = mgo_supervised_start(&t->sup, t->loop, t->notify_fd, MGO_ROLE_TOKENS,
					  t->cfg.supervisor.heartbeat_ms);
		t->notify_fd = -1; /* the supervised struct owns it now */
		if (rc) {
			mgo_error("tokens.notify", "cannot use --notify-fd: %s", strerror(-rc));
			return 1;
		}
	}
	for (size_t i = 0; i < 2; i++) {
		if ((rc = mgo_timer_new(t->loop, on_timer, &t->roles[i], &t->roles[i].timer))) {
			mgo_error("tokens.loop", "cannot make a timer: %s", strerror(-rc));
			return 1;
		}
	}
	if (mgo_kube_client_new(t->loop, &t->api.creds, &o, &t->client, err, sizeof(err)) != 0) {
		mgo_error("tokens.client", "%s", err);
		return 1;
	}
	t->body = mgo_tokens_request_body(t->cfg.tokens.expiration_s,
					  (const char *const *)t->cfg.tokens.audiences,
					  t->cfg.tokens.n_audiences);
	if (!t->body) {
		mgo_error("tokens.request", "out of memory");
		return 1;
	}
	mgo_rng_seed(&t->rng);
	return 0;
}

static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void retry(struct mgo_tokens_role *r, const char *why)
{
	uint64_t in = mgo_backoff_delay(RETRY_BASE_MS, RETRY_CAP_MS, r->failures,
					mgo_rng_next(&r->t->rng));

	r->failures++;
	mgo_log_kv(MGO_LOG_WARN, NULL, "tokens.mint_failed", "{s:s, s:s, s:s, s:I, s:i, s:b}",
		   "for", r->name, "serviceAccount", r->sa, "error", why, "retry_in_ms",
		   (json_int_t)in, "failures", (int)r->failures, "has_token", r->written);
	mgo_timer_start(r->timer, in);
}

static void became_ready(struct mgo_tokens *t)
{
	if (t->ready || !t->roles[0].written || !t->roles[1].written)
		return;
	t->ready = true;
	mgo_info("tokens.ready", "both roles' tokens are written");
	mgo_supervised_ready(&t->sup);
}

static void on_answer(void *ctx, const struct mgo_kube_result *res)
{
	struct mgo_tokens_role *r = ctx;
	const char *token = NULL;
	char why[MGO_KUBE_MESSAGE_MAX + MGO_KUBE_REASON_MAX + 32], stamp[32];
	time_t exp = 0;
	uint64_t in;
	int rc;

	r->req = NULL;
	if (res->error) {
		snprintf(why, sizeof(why), "%ld %s: %s", res->http_code, res->error->reason,
			 res->error->message);
		retry(r, why);
		return;
	}
	if (mgo_tokens_parse_answer(res->body, &token, &exp, why, sizeof(why)) != 0) {
		retry(r, why);
		return;
	}
	if ((rc = mgo_tokens_write(r->path, token)) != 0) {
		snprintf(why, sizeof(why), "cannot write %s: %s", r->path, strerror(-rc));
		retry(r, why);
		return;
	}
	r->written = true;
	r->failures = 0;
	in = mgo_tokens_renew_in_ms(exp, unix_ms());
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
	mgo_log_kv(MGO_LOG_INFO, NULL, "tokens.minted", "{s:s, s:s, s:s, s:s, s:I}", "for",
		   r->name, "serviceAccount", r->sa, "file", r->path, "expires", stamp,
		   "renew_in_ms", (json_int_t)in);
	mgo_timer_start(r->timer, in);
	became_ready(r->t);
}

/* POST serviceaccounts/SA/token; repeating it only mints another token. */
static void mint(struct mgo_tokens_role *r)
{
	struct mgo_tokens *t = r->t;
	const struct mgo_kube_call call = {.verb = MGO_KUBE_CREATE, .res = &serviceaccounts,
					   .ns = t->cfg.namespace, .name = r->sa,
					   .subresource = "token", .body = t->body,
					   .flags = MGO_KUBE_F_IDEMPOTENT};
	int rc = mgo_kube_write(t->client, &call, on_answer, r, &r->req);

	if (rc) {
		r->req = NULL;
		retry(r, strerror(-rc));
	}
}

static void on_timer(struct mgo_loop *loop, struct mgo_timer *timer, void *ctx)
{
	mint(ctx);
}

int mgo_tokens_run(struct mgo_tokens *t)
{
	int rc;

	mgo_log_kv(MGO_LOG_INFO, NULL, "tokens.started", "{s:s, s:s, s:i}", "watcher",
		   t->roles[0].sa, "launcher", t->roles[1].sa, "expirationSeconds",
		   (int)t->cfg.tokens.expiration_s);
	for (size_t i = 0; i < 2; i++)
		mint(&t->roles[i]);
	if ((rc = mgo_loop_run(t->loop)) != 0) {
		mgo_error("tokens.loop", "the event loop failed: %s", strerror(-rc));
		return 1;
	}
	return 0;
}

void mgo_tokens_close(struct mgo_tokens *t)
{
	for (size_t i = 0; i < 2; i++) {
		struct mgo_tokens_role *r = &t->roles[i];
		if (r->req)
			mgo_kube_cancel(r->req);
		if (r->timer)
			mgo_timer_remove(r->timer);
		free(r->dir);
		memset(r, 0, sizeof(*r));
	}
	mgo_kube_client_free(t->client);
	json_decref(t->body);
	mgo_supervised_stop(&t->sup);
	mgo_loop_free(t->loop);
	mgo_kube_access_free(&t->api);
	mgo_cfg_free(&t->cfg);
	memset(t, 0, sizeof(*t));
	t->sup.fd = -1;
}

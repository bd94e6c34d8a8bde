#include "mgo/proc.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "mgo/log.h"

static void on_stop_signal(struct mgo_loop *loop, int signo, void *ctx)
{
	struct mgo_proc *p = ctx;

	mgo_info("proc.stopping", "%s received, stopping", strsignal(signo));
	p->stopping = true;
	mgo_loop_stop(loop);
}

static int usage(const char *role)
{
	fprintf(stderr, "usage: mgo-%s --config FILE [--log-level debug|info|warn|error]\n", role);
	return 2;
}

int mgo_proc_start(struct mgo_proc *p, const char *role, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *config = NULL;
	int level = MGO_LOG_INFO, c, rc;
	char err[512];

	memset(p, 0, sizeof(*p));
	p->role = role;
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
		default:
			return usage(role);
		}
	}
	if (!config || optind != argc)
		return usage(role);
	mgo_log_init(role, (enum mgo_log_level)level);
	if (mgo_cfg_load(config, &p->cfg, err, sizeof(err)) != 0) {
		mgo_error("config.invalid", "%s", err);
		return 2;
	}
	snprintf(p->validator_endpoint, sizeof(p->validator_endpoint), "ipc://%s/validator",
		 p->cfg.socket_dir);
	snprintf(p->launcher_endpoint, sizeof(p->launcher_endpoint), "ipc://%s/launcher",
		 p->cfg.socket_dir);
	if ((rc = mgo_loop_new(&p->loop)) || (rc = mgo_loop_add_signal(p->loop, SIGTERM,
								       on_stop_signal, p)) ||
	    (rc = mgo_loop_add_signal(p->loop, SIGINT, on_stop_signal, p))) {
		mgo_error("proc.loop", "cannot set up the event loop: %s", strerror(-rc));
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

void mgo_proc_finish(struct mgo_proc *p)
{
	if (p->zctx)
		zmq_ctx_term(p->zctx);
	mgo_loop_free(p->loop);
	mgo_cfg_free(&p->cfg);
	memset(p, 0, sizeof(*p));
}

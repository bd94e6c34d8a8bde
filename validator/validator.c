#include "validator.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgo/ipc_sock.h"
#include "mgo/log.h"
#include "mgo/metrics.h"

/* Decides for one observation and sends the act on; returns what happened,
 * for the IPC log line. */
static const char *handle_observe(struct mgo_validator *v, const struct mgo_ipc_msg *in,
				  char *result, size_t len)
{
	struct mgo_ipc_msg out = {.version = MGO_IPC_VERSION, .type = MGO_IPC_ACT,
				  .trace_uid = in->trace_uid, .trace_gen = in->trace_gen};
	char err[256], verdict[160];
	int rc = mgo_decide(&v->policy, &in->u.observe, &out.u.act);

	if (rc < 0) {
		snprintf(result, len, "error: %s", strerror(-rc));
		return result;
	}
	if (rc == MGO_DECIDE_NOTHING)
		return "nothing to do";
	out.seq = ++v->seq;
	rc = mgo_ipc_send(v->push, &out, err, sizeof(err));
	mgo_ipc_verdict(&out, verdict, sizeof(verdict));
	if (rc == 0) {
		const char *labels[] = {mgo_act_kind_name(out.u.act.kind),
					out.u.act.reason ? out.u.act.reason : ""};
		mgo_metric_add(mgo_metrics_proc(), MGO_M_VERDICTS, labels, 1);
		snprintf(result, len, "sent %s", verdict);
	}
	else
		snprintf(result, len, "%s not sent (%s); the watcher will observe again", verdict,
			 rc == -EAGAIN ? "launcher unavailable" : err);
	out.trace_uid = NULL; /* borrowed from the observation */
	mgo_ipc_msg_free(&out);
	return result;
}

static void on_observe(struct mgo_loop *loop, int fd, void *zsock, short revents, void *ctx)
{
	struct mgo_validator *v = ctx;
	struct mgo_ipc_msg msg;
	char err[256], result[512];
	int rc;

	while ((rc = mgo_ipc_recv(zsock, &msg, err, sizeof(err))) != -EAGAIN) {
		if (rc) {
			mgo_ipc_log_rejected("watcher", "validator", rc, err);
			continue;
		}
		if (msg.type != MGO_IPC_OBSERVE) {
			mgo_ipc_log("watcher", "validator", &msg, "refused: not an observe");
		} else {
			mgo_ipc_log("watcher", "validator", &msg,
				    handle_observe(v, &msg, result, sizeof(result)));
		}
		mgo_ipc_msg_free(&msg);
	}
}

int mgo_validator_open(struct mgo_validator *v, struct mgo_proc *proc)
{
	int rc;

	memset(v, 0, sizeof(*v));
	v->proc = proc;
	v->policy = (struct mgo_policy){
		.namespace = proc->cfg.namespace,
		.default_image = proc->cfg.default_image,
		.operator_sas = (const char *const *)proc->cfg.operator_sas,
		.n_operator_sas = proc->cfg.n_operator_sas,
	};
	if ((rc = mgo_proc_bind(proc, proc->validator_endpoint, MGO_ROLE_WATCHER, &v->pull))) {
		mgo_error("ipc.bind", "cannot bind %s: %s", proc->validator_endpoint, strerror(-rc));
		return rc;
	}
	if ((rc = mgo_proc_connect(proc, proc->launcher_endpoint, MGO_ROLE_LAUNCHER, &v->push))) {
		mgo_error("ipc.connect", "cannot connect %s: %s", proc->launcher_endpoint,
			  strerror(-rc));
		return rc;
	}
	return mgo_loop_add_zmq(proc->loop, v->pull, MGO_POLLIN, on_observe, v, NULL);
}

void mgo_validator_close(struct mgo_validator *v)
{
	mgo_ipc_close_bound(v->pull, v->proc ? v->proc->validator_endpoint : "");
	if (v->push)
		mgo_ipc_close(v->push);
	v->pull = v->push = NULL;
}

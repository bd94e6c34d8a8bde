/* MustGatherImage/cluster's own status: while its status.observedGeneration
 * lags its generation, the validator is sent an Observe of the allowlist
 * alone, and answers with the act that has the launcher write which entries
 * are malformed. The watcher only notices the lag; parsing the entries
 * belongs to the sandboxed validator, writing to the launcher. Re-sent with
 * backoff like a MustGather's Observe, until the status catches up. */
#include <errno.h>
#include <stdlib.h>

#include "mgo/ipc_sock.h"
#include "mgo/log.h"
#include "watcher.h"

static void on_timer(struct mgo_loop *loop, struct mgo_timer *t, void *ctx)
{
	mgo_watcher_observe_allowlist(ctx, true);
}

int mgo_watcher_allowlist_open(struct mgo_watcher *w)
{
	return mgo_timer_new(w->proc->loop, on_timer, w, &w->mgi_timer);
}

void mgo_watcher_allowlist_close(struct mgo_watcher *w)
{
	mgo_timer_remove(w->mgi_timer);
	w->mgi_timer = NULL;
}

void mgo_watcher_observe_allowlist(struct mgo_watcher *w, bool again)
{
	const struct mgo_allowlist *a = mgo_wcache_allowlist(w->cache);
	struct mgo_ipc_msg msg = {.version = MGO_IPC_VERSION, .type = MGO_IPC_OBSERVE};
	char err[256], *buf = NULL;
	size_t len = 0;
	uint64_t h;
	int rc;

	if (!w->mgi_timer || !mgo_watcher_synced(w))
		return;
	if (!a->present || !a->uid || a->observed_generation == a->generation) {
		/* nothing to write (gone, or up to date): stop resending */
		mgo_timer_stop(w->mgi_timer);
		w->mgi_sent_hash = 0;
		return;
	}
	msg.u.observe.subject = MGO_SUBJECT_ALLOWLIST;
	msg.u.observe.allowlist = *a; /* borrowed: not freed here */
	msg.trace_uid = a->uid;
	msg.trace_gen = a->generation;
	if ((rc = mgo_ipc_encode(&msg, &buf, &len, err, sizeof(err)))) {
		mgo_error("watcher.encode", "cannot encode the allowlist's Observe: %s", err);
		return;
	}
	h = mgo_watcher_hash(buf, len);
	free(buf);
	if (h == w->mgi_sent_hash && !again)
		return; /* nothing new; the resend timer is running */
	if (h != w->mgi_sent_hash)
		w->mgi_backoff_ms = w->first_resend_ms;
	else if ((w->mgi_backoff_ms *= 2) > w->max_resend_ms)
		w->mgi_backoff_ms = w->max_resend_ms;
	msg.seq = ++w->seq;
	rc = mgo_ipc_send(w->push, &msg, err, sizeof(err));
	w->mgi_sent_hash = rc == 0 ? h : 0;
	if (rc)
		mgo_debug("watcher.unsent", "the allowlist's observe: %s",
			  rc == -EAGAIN ? "validator unavailable" : err);
	mgo_timer_start(w->mgi_timer, w->mgi_backoff_ms);
}

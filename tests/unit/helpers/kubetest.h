/* What kube client tests record of a finished request (header-only, like
 * fakeapi.h, which uses it too). */
#ifndef MGO_KUBETEST_H
#define MGO_KUBETEST_H

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "mgo/kube.h"
#include "mgo/loop.h"

struct outcome {
	bool done;
	int calls;
	long http;
	json_t *body;
	struct mgo_kube_error err;
	bool failed;
	unsigned attempts;
	uint64_t at_ms;
};

static inline void on_done(void *ctx, const struct mgo_kube_result *res)
{
	struct outcome *o = ctx;

	o->calls++;
	o->done = true;
	o->http = res->http_code;
	o->body = json_incref(res->body);
	o->failed = res->error != NULL;
	if (res->error)
		o->err = *res->error;
	o->attempts = res->attempts;
	o->at_ms = mgo_now_ms();
}

static inline void outcome_free(struct outcome *o)
{
	json_decref(o->body);
	memset(o, 0, sizeof(*o));
}

#endif

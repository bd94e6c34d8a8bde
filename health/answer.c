/* What each request gets: see health.h. */
#include <stdio.h>
#include <string.h>

#include "health.h"

#define TEXT "text/plain; charset=utf-8"
/* the Prometheus text exposition format */
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

void mgo_health_say(struct mgo_health_reply *out, unsigned code, const char *msg)
{
	memset(out, 0, sizeof(*out));
	out->code = code;
	out->content_type = TEXT;
	snprintf(out->text, sizeof(out->text), "%s\n", msg);
	out->body = out->text;
	out->len = strlen(out->text);
}

/* Why the supervisor's word cannot be trusted now, or NULL. */
static const char *stale(const struct mgo_health_view *v, uint64_t now_ms, char *buf,
			 size_t len)
{
	uint64_t age;

	if (!v->last_ms)
		return "no snapshot from the supervisor yet";
	age = now_ms > v->last_ms ? now_ms - v->last_ms : 0;
	if (age <= (uint64_t)MGO_HEALTH_SILENT_BEATS * v->interval_ms)
		return NULL;
	snprintf(buf, len, "supervisor silent for %llu ms", (unsigned long long)age);
	return buf;
}

static void probe(const struct mgo_health_view *v, uint64_t now_ms, bool ok, const char *why,
		  struct mgo_health_reply *out)
{
	char buf[64];
	const char *silent = stale(v, now_ms, buf, sizeof(buf));

	if (silent)
		mgo_health_say(out, 503, silent);
	else if (!ok)
		mgo_health_say(out, 503, why && *why ? why : "not ok");
	else
		mgo_health_say(out, 200, "ok");
}

void mgo_health_answer(const struct mgo_health_view *v, uint64_t now_ms, const char *method,
		       const char *url, struct mgo_health_reply *out)
{
	enum { HEALTHZ, READYZ, METRICS, NONE } what = NONE;
	const struct mgo_snapshot *s = v->last;

	memset(out, 0, sizeof(*out));
	if (strcmp(url, "/healthz") == 0)
		what = HEALTHZ;
	else if (strcmp(url, "/readyz") == 0)
		what = READYZ;
	else if (strcmp(url, "/metrics") == 0)
		what = METRICS;
	if (what == NONE) {
		mgo_health_say(out, 404, "not found: /healthz, /readyz and /metrics are served");
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		mgo_health_say(out, 405, "method not allowed: GET or HEAD");
		out->allow = "GET, HEAD";
		return;
	}
	switch (what) {
	case HEALTHZ:
		probe(v, now_ms, s->healthy, s->health_why, out);
		return;
	case READYZ:
		probe(v, now_ms, s->ready, s->ready_why, out);
		return;
	default:
		break;
	}
	if (!v->last_ms || !s->metrics) {
		mgo_health_say(out, 503, "no snapshot from the supervisor yet");
		return;
	}
	out->code = 200;
	out->content_type = METRICS_TYPE;
	out->body = s->metrics;
	out->len = strlen(s->metrics);
}

#include "tas_faults.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tas_status.h"
#include "tas_util.h"

struct tas_faults {
	pthread_mutex_t mu;
	/* signalled at each new configuration: what it held is let go */
	pthread_cond_t changed;
	uint64_t generation;  /* configurations set so far */
	json_t *cfg;          /* as given, for describe */
	double error_rate, throttle_rate;
	long error_count, throttle_count; /* the next N matching requests */
	int error_code, retry_after;
	unsigned latency_ms;
	bool hold;            /* until the next configuration or hold_ms */
	unsigned hold_ms;
	char user[256], verb[32], resource[256], ns[256], name[256];
	uint64_t rng;
	unsigned long errors, throttles, delayed, held;
};

struct tas_faults *tas_faults_new(void)
{
	struct tas_faults *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;
	bool ok;

	if (!f)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	/* a hold's limit is measured on the monotonic clock */
	if (pthread_condattr_init(&ca) != 0) {
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&f->changed, &ca) == 0;
	pthread_condattr_destroy(&ca);
	if (!ok) {
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	f->cfg = json_object();
	f->rng = 0x9e3779b97f4a7c15ull;
	if (!f->cfg) {
		tas_faults_free(f);
		return NULL;
	}
	return f;
}

void tas_faults_free(struct tas_faults *f)
{
	if (!f)
		return;
	json_decref(f->cfg);
	pthread_cond_destroy(&f->changed);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* splitmix64: small, seedable, good enough to pick a share of requests */
static double next_unit(struct tas_faults *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(1ull << 53);
}

static int get_rate(const json_t *cfg, const char *key, double *out, char *err, size_t len)
{
	const json_t *v = json_object_get(cfg, key);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
		snprintf(err, len, "%s must be a number between 0 and 1", key);
		return -EINVAL;
	}
	*out = json_number_value(v);
	return 0;
}

static int get_int(const json_t *cfg, const char *key, long lo, long hi, long dflt, long *out,
		   char *err, size_t len)
{
	const json_t *v = json_object_get(cfg, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(err, len, "%s must be an integer from %ld to %ld", key, lo, hi);
		return -EINVAL;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

static int get_match(const json_t *m, const char *key, char *out, size_t n, char *err,
		     size_t len)
{
	const json_t *v = json_object_get(m, key);

	out[0] = '\0';
	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= n) {
		snprintf(err, len, "match.%s must be a string", key);
		return -EINVAL;
	}
	snprintf(out, n, "%s", json_string_value(v));
	return 0;
}

int tas_faults_set(struct tas_faults *f, const json_t *cfg, char *err, size_t errlen)
{
	static const char *const keys[] = {"errorRate", "errorCode", "throttleRate",
					   "retryAfterSeconds", "latencyMs", "errorCount",
					   "throttleCount", "seed", "hold", "holdMs", "match", NULL};
	struct tas_faults n = {0};
	const json_t *match = json_object_get(cfg, "match");
	const char *k;
	json_t *v;
	long code, retry, latency, seed, hold_ms;
	const json_t *hold = json_object_get(cfg, "hold");

	if (!json_is_object(cfg)) {
		snprintf(err, errlen, "the fault configuration must be a JSON object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)(uintptr_t)cfg, k, v) {
		size_t i;
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i]) {
			snprintf(err, errlen, "unknown field \"%s\"", k);
			return -EINVAL;
		}
	}
	if (hold && !json_is_boolean(hold)) {
		snprintf(err, errlen, "hold must be true or false");
		return -EINVAL;
	}
	if (match && !json_is_object(match)) {
		snprintf(err, errlen, "match must be an object");
		return -EINVAL;
	}
	if (get_rate(cfg, "errorRate", &n.error_rate, err, errlen) ||
	    get_rate(cfg, "throttleRate", &n.throttle_rate, err, errlen) ||
	    get_int(cfg, "errorCode", 500, 599, 503, &code, err, errlen) ||
	    get_int(cfg, "retryAfterSeconds", 0, 3600, 1, &retry, err, errlen) ||
	    get_int(cfg, "latencyMs", 0, 60000, 0, &latency, err, errlen) ||
	    get_int(cfg, "errorCount", 0, 1000000000, 0, &n.error_count, err, errlen) ||
	    get_int(cfg, "throttleCount", 0, 1000000000, 0, &n.throttle_count, err, errlen) ||
	    get_int(cfg, "seed", 0, 0x7fffffff, 1, &seed, err, errlen) ||
	    get_int(cfg, "holdMs", 1, 600000, 60000, &hold_ms, err, errlen) ||
	    get_match(match, "user", n.user, sizeof(n.user), err, errlen) ||
	    get_match(match, "verb", n.verb, sizeof(n.verb), err, errlen) ||
	    get_match(match, "resource", n.resource, sizeof(n.resource), err, errlen) ||
	    get_match(match, "namespace", n.ns, sizeof(n.ns), err, errlen) ||
	    get_match(match, "name", n.name, sizeof(n.name), err, errlen))
		return -EINVAL;
	pthread_mutex_lock(&f->mu);
	json_decref(f->cfg);
	f->cfg = json_deep_copy(cfg);
	f->error_rate = n.error_rate;
	f->throttle_rate = n.throttle_rate;
	f->error_count = n.error_count;
	f->throttle_count = n.throttle_count;
	f->error_code = (int)code;
	f->retry_after = (int)retry;
	f->latency_ms = (unsigned)latency;
	f->hold = json_is_true(hold);
	f->hold_ms = (unsigned)hold_ms;
	memcpy(f->user, n.user, sizeof(f->user));
	memcpy(f->verb, n.verb, sizeof(f->verb));
	memcpy(f->resource, n.resource, sizeof(f->resource));
	memcpy(f->ns, n.ns, sizeof(f->ns));
	memcpy(f->name, n.name, sizeof(f->name));
	f->rng = 0x9e3779b97f4a7c15ull * (uint64_t)seed;
	f->generation++;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

void tas_faults_release(struct tas_faults *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->hold = false;
	f->generation++;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->mu);
}

json_t *tas_faults_describe(struct tas_faults *f)
{
	json_t *out;

	pthread_mutex_lock(&f->mu);
	out = json_pack("{s:O, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}}", "config",
			f->cfg ? f->cfg : json_null(), "injected", "errors",
			(json_int_t)f->errors, "throttles", (json_int_t)f->throttles, "delayed",
			(json_int_t)f->delayed, "held", (json_int_t)f->held, "remaining", "errorCount",
			(json_int_t)f->error_count, "throttleCount", (json_int_t)f->throttle_count);
	pthread_mutex_unlock(&f->mu);
	return out;
}

static bool matches(const struct tas_faults *f, const struct tas_user *u,
		    const struct tas_reqinfo *ri)
{
	return (!f->user[0] || strcmp(f->user, u->name) == 0) &&
	       (!f->verb[0] || strcmp(f->verb, ri->verb) == 0) &&
	       (!f->resource[0] || strcmp(f->resource, ri->resource) == 0) &&
	       (!f->ns[0] || strcmp(f->ns, ri->ns) == 0) &&
	       (!f->name[0] || strcmp(f->name, ri->name) == 0);
}

/* Holds the request until the configuration changes or hold_ms pass;
 * with f->mu held. */
static void hold(struct tas_faults *f)
{
	const uint64_t generation = f->generation;
	struct timespec until;

	f->held++;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += f->hold_ms / 1000;
	until.tv_nsec += (long)(f->hold_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (f->generation == generation)
		if (pthread_cond_timedwait(&f->changed, &f->mu, &until) == ETIMEDOUT)
			break;
}

int tas_faults_apply(struct tas_faults *f, const struct tas_user *u,
		     const struct tas_reqinfo *ri, struct tas_resp *resp)
{
	unsigned latency = 0;
	int code = 0, retry = 0;

	pthread_mutex_lock(&f->mu);
	if (f->hold && matches(f, u, ri)) {
		/* let go as it came: what the new configuration says is for
		 * the requests after it */
		hold(f);
		pthread_mutex_unlock(&f->mu);
		return 0;
	}
	if (matches(f, u, ri)) {
		latency = f->latency_ms;
		if (latency)
			f->delayed++;
		if (f->error_count > 0) {
			f->error_count--;
			code = f->error_code;
		} else if (f->throttle_count > 0) {
			f->throttle_count--;
			code = 429;
		} else if (f->error_rate > 0 && next_unit(f) < f->error_rate) {
			code = f->error_code;
		} else if (f->throttle_rate > 0 && next_unit(f) < f->throttle_rate) {
			code = 429;
		}
		if (code == 429)
			f->throttles++;
		else if (code)
			f->errors++;
		retry = f->retry_after;
	}
	pthread_mutex_unlock(&f->mu);
	if (latency) {
		struct timespec ts = {latency / 1000, (long)(latency % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	if (!code)
		return 0;
	if (code == 429) {
		tas_resp_set(resp, 429, tas_status_too_many_requests(retry));
		resp->retry_after = retry;
	} else {
		tas_resp_set(resp, code, tas_status_unavailable(code));
	}
	return 1;
}

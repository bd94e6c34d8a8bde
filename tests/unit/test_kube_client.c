/* The API client against a scripted HTTP server (fakeapi.h): each test says
 * how the server answers, then checks what the client sent and what its
 * callbacks saw. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakeapi.h"
#include "mgo/kube.h"
#include "mgo/kube_write.h"
#include "mgo/kubecreds.h"
#include "mgo/loop.h"
#include "testenv.h"

static const struct mgo_kube_resource pods = {"", "v1", "pods", true};
static const struct mgo_kube_resource mgs = {"operator.openshift.io", "v1alpha1",
					     "mustgathers", true};


/* ---- tests ---- */

static void reply_pod(struct fake *f, const struct fake_req *req, int n, struct fake_reply *out)
{
	out->body = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\"}}";
}

Test(kube_client, get_sends_token_and_accept_and_parses_the_body)
{
	struct env *e;
	struct outcome o = {0};

	e = env_start(reply_pod, NULL, &fast_opts);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "default", "web-0", on_done, &o, NULL), 0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert_not(o.failed, "%s", o.err.message);
	cr_assert_eq(o.http, 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o.body, "metadata"),
							   "name")),
			 "web-0");
	cr_assert_eq(fake_count(&e->fake), 1);
	cr_assert_str_eq(e->fake.reqs[0].method, "GET");
	cr_assert_str_eq(e->fake.reqs[0].path, "/api/v1/namespaces/default/pods/web-0");
	cr_assert_str_eq(e->fake.reqs[0].auth, "Bearer tok-1");
	cr_assert_str_eq(e->fake.reqs[0].accept, "application/json");
	cr_assert_eq(mgo_kube_stats_count(mgo_kube_client_stats(e->client), MGO_KUBE_GET, 200), 1);
	cr_assert_eq(mgo_kube_client_pending(e->client), 0);
	json_decref(o.body);
	env_stop(e);
}

/* The addresses a sandboxed process pinned before its sandbox (which
 * refuses the resolver's sockets) are what libcurl connects to: a name
 * under .invalid (RFC 6761) resolves nowhere else. */
Test(kube_client, pinned_addresses_stand_in_for_the_resolver)
{
	struct env *e = calloc(1, sizeof(*e));
	struct outcome o = {0};
	char server[64], pin[96], err[256];

	cr_assert_not_null(e);
	mgo_log_init("test", MGO_LOG_ERROR);
	fake_start(&e->fake, reply_pod, NULL);
	snprintf(server, sizeof(server), "http://mgo-api.invalid:%d", e->fake.port);
	snprintf(pin, sizeof(pin), "mgo-api.invalid:%d:127.0.0.1", e->fake.port);
	e->creds = (struct mgo_kube_creds){.server = strdup(server), .token = strdup("tok-1"),
					   .resolve = calloc(2, sizeof(char *))};
	cr_assert_not_null(e->creds.resolve);
	e->creds.resolve[0] = strdup(pin);
	cr_assert_eq(mgo_loop_new(&e->loop), 0);
	cr_assert_eq(mgo_kube_client_new(e->loop, &e->creds, &fast_opts, &e->client, err,
					 sizeof(err)), 0, "%s", err);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "default", "web-0", on_done, &o, NULL), 0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert_not(o.failed, "%s", o.err.message);
	cr_assert_eq(o.http, 200);
	cr_assert_eq(fake_count(&e->fake), 1);
	json_decref(o.body);
	env_stop(e);
}

static void reply_status(struct fake *f, const struct fake_req *req, int n,
			 struct fake_reply *out)
{
	const char *which = f->ctx;

	if (strcmp(which, "404") == 0) {
		out->status = 404;
		out->body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			    "\"message\":\"pods \\\"x\\\" not found\",\"reason\":\"NotFound\","
			    "\"code\":404}";
	} else if (strcmp(which, "409") == 0) {
		out->status = 409;
		out->body = "{\"kind\":\"Status\",\"reason\":\"Conflict\",\"message\":\"the object "
			    "has been modified\",\"code\":409}";
	} else {
		out->status = 502;
		out->body = "<html>bad gateway</html>";
	}
}

Test(kube_client, api_errors_carry_the_status_and_are_not_retried)
{
	static const struct {
		const char *which;
		enum mgo_kube_verb verb;
		long http;
		const char *reason;
		unsigned attempts;
	} t[] = {
		{"404", MGO_KUBE_GET, 404, "NotFound", 1},
		{"409", MGO_KUBE_PATCH, 409, "Conflict", 1},
		{"502", MGO_KUBE_CREATE, 502, "", 1},           /* POST: never blindly */
		{"502", MGO_KUBE_GET, 502, "", 4},              /* GET: 1 + 3 retries */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct env *e;
		struct outcome o = {0};
		json_t *obj = json_pack("{s:{s:s}}", "metadata", "name", "x");
		e = env_start(reply_status, (void *)t[i].which, &fast_opts);
		if (t[i].verb == MGO_KUBE_GET)
			cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "x", on_done, &o, NULL), 0);
		else if (t[i].verb == MGO_KUBE_PATCH)
			cr_assert_eq(mgo_kube_merge_patch(e->client, &mgs, "ns", "x", "status", obj, 0,
							  on_done, &o, NULL),
				     0);
		else
			cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, 0, on_done, &o,
						     NULL),
				     0);
		cr_assert(run_until(e, &o.done, DEADLINE_MS));
		cr_assert(o.failed, "row %zu", i);
		cr_assert_eq(o.err.errnum, -EREMOTEIO);
		cr_assert_eq(o.http, t[i].http, "row %zu", i);
		cr_assert_eq(o.err.http_code, t[i].http);
		cr_assert_str_eq(o.err.reason, t[i].reason, "row %zu", i);
		cr_assert_eq(o.attempts, t[i].attempts, "row %zu", i);
		cr_assert_eq(fake_count(&e->fake), (int)t[i].attempts, "row %zu", i);
		if (t[i].verb == MGO_KUBE_PATCH) {
			cr_assert_str_eq(e->fake.reqs[0].method, "PATCH");
			cr_assert_str_eq(e->fake.reqs[0].path, "/apis/operator.openshift.io/v1alpha1/"
							      "namespaces/ns/mustgathers/x/status");
			cr_assert_str_eq(e->fake.reqs[0].ctype, "application/merge-patch+json");
			cr_assert_str_eq(e->fake.reqs[0].body, "{\"metadata\":{\"name\":\"x\"}}");
			cr_assert_str_eq(o.err.message, "the object has been modified");
		}
		if (t[i].verb == MGO_KUBE_CREATE) {
			cr_assert_str_eq(e->fake.reqs[0].method, "POST");
			cr_assert_str_eq(e->fake.reqs[0].path, "/api/v1/namespaces/ns/pods");
			cr_assert_str_eq(e->fake.reqs[0].ctype, "application/json");
		}
		json_decref(obj);
		json_decref(o.body);
		env_stop(e);
	}
}

static void reply_503_twice(struct fake *f, const struct fake_req *req, int n,
			    struct fake_reply *out)
{
	if (n < 2) {
		out->status = 503;
		out->body = "{\"kind\":\"Status\",\"reason\":\"ServiceUnavailable\",\"code\":503}";
	} else {
		reply_pod(f, req, n, out);
	}
}

Test(kube_client, get_is_retried_through_5xx_with_backoff)
{
	struct env *e;
	struct outcome o = {0};
	const struct mgo_kube_client_opts opts = {.backoff_base_ms = 100, .backoff_cap_ms = 1000,
						  .qps = -1};

	e = env_start(reply_503_twice, NULL, &opts);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "default", "web-0", on_done, &o, NULL), 0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert_not(o.failed, "%s", o.err.message);
	cr_assert_eq(o.attempts, 3);
	cr_assert_eq(fake_count(&e->fake), 3);
	/* equal jitter: retry k waits at least half of base * 2^k */
	cr_assert_geq(e->fake.reqs[1].at_ms - e->fake.reqs[0].at_ms, 50);
	cr_assert_geq(e->fake.reqs[2].at_ms - e->fake.reqs[1].at_ms, 100);
	const struct mgo_kube_stats *s = mgo_kube_client_stats(e->client);
	cr_assert_eq(s->retries, 2);
	cr_assert_eq(mgo_kube_stats_count(s, MGO_KUBE_GET, 503), 2);
	cr_assert_eq(mgo_kube_stats_count(s, MGO_KUBE_GET, 200), 1);
	json_decref(o.body);
	env_stop(e);
}

static void reply_429_once(struct fake *f, const struct fake_req *req, int n,
			   struct fake_reply *out)
{
	if (n == 0) {
		out->status = 429;
		out->header = "Retry-After";
		out->header_value = "1";
		out->body = "{\"kind\":\"Status\",\"reason\":\"TooManyRequests\",\"code\":429}";
	} else {
		out->status = 201;
		out->body = "{\"kind\":\"Pod\"}";
	}
}

Test(kube_client, too_many_requests_waits_retry_after_even_for_a_post)
{
	struct env *e;
	struct outcome o = {0};
	json_t *obj = json_pack("{s:s}", "kind", "Pod");

	e = env_start(reply_429_once, NULL, &fast_opts);
	cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, 0, on_done, &o, NULL), 0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert_not(o.failed, "%s", o.err.message);
	cr_assert_eq(o.http, 201);
	cr_assert_eq(fake_count(&e->fake), 2);
	uint64_t gap = e->fake.reqs[1].at_ms - e->fake.reqs[0].at_ms;
	cr_assert_geq(gap, 1000, "retried after %lu ms, before Retry-After: 1", (unsigned long)gap);
	cr_assert_lt(gap, 3000);
	cr_assert_str_eq(e->fake.reqs[1].body, "{\"kind\":\"Pod\"}");
	json_decref(obj);
	json_decref(o.body);
	env_stop(e);
}

/* The server's Priority and Fairness said "wait 1 s" to this client: a
 * request started meanwhile waits too (it would only be refused), but a
 * priority one (the Lease) goes at once. */
Test(kube_client, retry_after_pauses_the_whole_client_but_the_priority_lane)
{
	struct env *e;
	struct outcome first = {0}, second = {0}, lease = {0};
	json_t *obj = json_pack("{s:s}", "kind", "Pod");

	e = env_start(reply_429_once, NULL, &fast_opts);
	cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, 0, on_done, &first, NULL), 0);
	/* the 429 answered: its retry is scheduled */
	for (uint64_t end = mgo_now_ms() + DEADLINE_MS;
	     mgo_kube_client_stats(e->client)->retries == 0 && mgo_now_ms() < end;)
		cr_assert_eq(mgo_loop_run_once(e->loop, 10), 0);
	cr_assert_eq(mgo_kube_client_stats(e->client)->retries, 1);
	uint64_t t429 = mgo_now_ms();
	cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, 0, on_done, &second, NULL), 0);
	cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, MGO_KUBE_F_PRIORITY, on_done,
				     &lease, NULL), 0);
	cr_assert(run_until(e, &lease.done, DEADLINE_MS));
	cr_assert_lt(mgo_now_ms() - t429, 900, "the priority lane waited for Retry-After");
	cr_assert(run_until(e, &second.done, DEADLINE_MS));
	cr_assert(run_until(e, &first.done, DEADLINE_MS));
	cr_assert_not(second.failed, "%s", second.err.message);
	cr_assert_eq(fake_count(&e->fake), 4);
	/* requests 0 (429) and 1 (the lease's); 2 and 3 after the pause */
	for (int i = 2; i < 4; i++)
		cr_assert_geq(e->fake.reqs[i].at_ms - e->fake.reqs[0].at_ms, 950,
			      "request %d went %lu ms after the 429's, within its Retry-After: 1",
			      i, (unsigned long)(e->fake.reqs[i].at_ms - e->fake.reqs[0].at_ms));
	json_decref(obj);
	json_decref(first.body);
	json_decref(second.body);
	json_decref(lease.body);
	env_stop(e);
}

/* A port nobody listens on: bound, never listened, closed at the end. */
static int dead_port(int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(*fd, 0);
	cr_assert_eq(bind(*fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

Test(kube_client, connection_refused_retries_only_what_is_safe)
{
	static const struct {
		enum mgo_kube_verb verb;
		unsigned flags;
		unsigned attempts;
	} t[] = {
		{MGO_KUBE_GET, 0, 4},
		{MGO_KUBE_CREATE, 0, 1},
		{MGO_KUBE_CREATE, MGO_KUBE_F_RETRY_CONNECT, 4},
		{MGO_KUBE_DELETE, 0, 1},                /* no precondition */
		{MGO_KUBE_UPDATE, 0, 1},
		{MGO_KUBE_UPDATE, MGO_KUBE_F_IDEMPOTENT, 4},
	};
	struct mgo_loop *loop;
	struct mgo_kube_client *c;
	char server[64], err[256];
	int fd, port = dead_port(&fd);
	json_t *obj = json_pack("{s:s}", "kind", "Pod");

	snprintf(server, sizeof(server), "http://127.0.0.1:%d", port);
	struct mgo_kube_creds creds = {.server = server};
	mgo_log_init("test", MGO_LOG_ERROR);
	cr_assert_eq(mgo_loop_new(&loop), 0);
	cr_assert_eq(mgo_kube_client_new(loop, &creds, &fast_opts, &c, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct outcome o = {0};
		struct mgo_kube_call call = {.verb = t[i].verb, .res = &pods, .ns = "ns",
					     .name = t[i].verb == MGO_KUBE_CREATE ? NULL : "x",
					     .body = t[i].verb == MGO_KUBE_DELETE ? NULL : obj,
					     .flags = t[i].flags};
		if (t[i].verb == MGO_KUBE_GET)
			call.body = NULL;
		cr_assert_eq(t[i].verb == MGO_KUBE_GET ? mgo_kube_request(c, &call, on_done, &o, NULL)
						       : mgo_kube_write(c, &call, on_done, &o, NULL), 0);
		uint64_t end = mgo_now_ms() + DEADLINE_MS;
		while (!o.done && mgo_now_ms() < end)
			cr_assert_eq(mgo_loop_run_once(loop, 50), 0);
		cr_assert(o.done);
		cr_assert(o.failed);
		cr_assert_eq(o.err.errnum, -ECONNREFUSED, "row %zu: %d %s", i, o.err.errnum,
			     o.err.message);
		cr_assert_eq(o.http, 0);
		cr_assert_eq(o.attempts, t[i].attempts, "row %zu", i);
	}
	cr_assert_eq(mgo_kube_stats_count(mgo_kube_client_stats(c), MGO_KUBE_GET, 0), 4);
	mgo_kube_client_free(c);
	mgo_loop_free(loop);
	json_decref(obj);
	close(fd);
}

static void reply_drop(struct fake *f, const struct fake_req *req, int n, struct fake_reply *out)
{
	out->drop = true;
}

Test(kube_client, post_that_reached_the_server_is_not_retried_even_when_allowed)
{
	struct env *e;
	struct outcome o = {0};
	json_t *obj = json_pack("{s:s}", "kind", "Pod");

	e = env_start(reply_drop, NULL, &fast_opts);
	cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, MGO_KUBE_F_RETRY_CONNECT, on_done,
				     &o, NULL),
		     0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert(o.failed);
	cr_assert_eq(o.attempts, 1);
	cr_assert_eq(fake_count(&e->fake), 1);
	cr_assert_eq(o.err.errnum, -EIO, "%d %s", o.err.errnum, o.err.message);
	cr_assert_neq(o.err.curl_code, 0);
	json_decref(obj);
	env_stop(e);
}

static void reply_big(struct fake *f, const struct fake_req *req, int n, struct fake_reply *out)
{
	static char big[8192];

	memset(big, ' ', sizeof(big) - 3);
	big[0] = '[';
	big[sizeof(big) - 3] = ']';
	big[sizeof(big) - 2] = '\0';
	out->body = strcmp(req->path, "/notjson") == 0 ? "{\"a\":1} trailing" : big;
}

Test(kube_client, oversized_and_non_json_bodies_fail_cleanly)
{
	struct env *e;
	struct outcome o = {0}, p = {0};
	const struct mgo_kube_client_opts opts = {.max_body = 4096, .qps = -1};
	struct mgo_kube_call call = {.verb = MGO_KUBE_GET, .path = "/notjson"};

	e = env_start(reply_big, NULL, &opts);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "x", on_done, &o, NULL), 0);
	cr_assert_eq(mgo_kube_request(e->client, &call, on_done, &p, NULL), 0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert(run_until(e, &p.done, DEADLINE_MS));
	cr_assert_eq(o.err.errnum, -EMSGSIZE, "%d %s", o.err.errnum, o.err.message);
	cr_assert_eq(o.attempts, 1, "a body over the limit is not fetched again");
	cr_assert_eq(p.err.errnum, -EBADMSG, "%d %s", p.err.errnum, p.err.message);
	cr_assert_null(p.body);
	env_stop(e);
}

Test(kube_client, bad_arguments_start_nothing)
{
	struct env *e;
	struct outcome o = {0};
	struct mgo_kube_req *r = (struct mgo_kube_req *)&o;
	json_t *arr = json_array();
	const struct mgo_kube_call raw_q = {.verb = MGO_KUBE_GET, .path = "/api?x=1"};
	const struct mgo_kube_call raw_dots = {.verb = MGO_KUBE_GET, .path = "/api/../secrets"};
	const struct mgo_kube_call both = {.verb = MGO_KUBE_GET, .path = "/api", .res = &pods};
	const struct mgo_kube_call watch = {.verb = MGO_KUBE_WATCH, .res = &pods};

	e = env_start(reply_pod, NULL, &fast_opts);
	mgo_log_init("test", MGO_LOG_ERROR + 1);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "..", on_done, &o, &r), -EINVAL);
	cr_assert_null(r);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", NULL, on_done, &o, NULL), -EINVAL);
	cr_assert_eq(mgo_kube_merge_patch(e->client, &pods, "ns", "x", NULL, arr, 0, on_done, &o,
					  NULL),
		     -EINVAL);
	cr_assert_eq(mgo_kube_create(e->client, &pods, NULL, arr, 0, on_done, &o, NULL), -EINVAL);
	cr_assert_eq(mgo_kube_request(e->client, &raw_q, on_done, &o, NULL), -EINVAL);
	cr_assert_eq(mgo_kube_request(e->client, &raw_dots, on_done, &o, NULL), -EINVAL);
	cr_assert_eq(mgo_kube_request(e->client, &both, on_done, &o, NULL), -EINVAL);
	cr_assert_eq(mgo_kube_request(e->client, &watch, on_done, &o, NULL), -EINVAL);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "x", NULL, &o, NULL), -EINVAL);
	cr_assert_eq(mgo_kube_client_pending(e->client), 0);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(mgo_loop_run_once(e->loop, 10), 0);
	cr_assert_eq(o.calls, 0);
	cr_assert_eq(fake_count(&e->fake), 0);
	json_decref(arr);
	env_stop(e);
}

/* Three pages: the continue token names the next one. */
static void reply_pages(struct fake *f, const struct fake_req *req, int n, struct fake_reply *out)
{
	if (strstr(req->query, "continue=p3"))
		out->body = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"77\"},"
			    "\"items\":[{\"i\":5}]}";
	else if (strstr(req->query, "continue=p2/+="))
		out->body = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"77\","
			    "\"continue\":\"p3\",\"remainingItemCount\":1},"
			    "\"items\":[{\"i\":3},{\"i\":4}]}";
	else
		out->body = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"77\","
			    "\"continue\":\"p2/+=\"},\"items\":[{\"i\":1},{\"i\":2}]}";
}

Test(kube_client, list_merges_every_page)
{
	struct env *e;
	struct outcome o = {0};
	const struct mgo_kube_list_opts lo = {.label_selector = "app=web", .page_size = 2,
					      .resource_version = "0"};

	e = env_start(reply_pages, NULL, &fast_opts);
	cr_assert_eq(mgo_kube_list(e->client, &pods, NULL, &lo, on_done, &o, NULL), 0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert_not(o.failed, "%s", o.err.message);
	json_t *items = json_object_get(o.body, "items");
	cr_assert_eq(json_array_size(items), 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, i), "i")),
			     (json_int_t)i + 1);
	json_t *meta = json_object_get(o.body, "metadata");
	cr_assert_str_eq(json_string_value(json_object_get(meta, "resourceVersion")), "77");
	cr_assert_null(json_object_get(meta, "continue"));
	cr_assert_null(json_object_get(meta, "remainingItemCount"));
	cr_assert_eq(fake_count(&e->fake), 3);
	cr_assert_str_eq(e->fake.reqs[0].path, "/api/v1/pods");
	cr_assert_str_eq(e->fake.reqs[0].query, "labelSelector=app=web&limit=2&resourceVersion=0");
	cr_assert_str_eq(e->fake.reqs[1].query, "labelSelector=app=web&limit=2&continue=p2/+=");
	cr_assert_str_eq(e->fake.reqs[2].query, "labelSelector=app=web&limit=2&continue=p3");
	json_decref(o.body);
	env_stop(e);
}

/* A Job or a JobList, whichever is asked for, each with a spec. */
static void reply_jobs(struct fake *f, const struct fake_req *req, int n, struct fake_reply *out)
{
#define JOB_TEXT "{\"metadata\":{\"name\":\"j\",\"managedFields\":[{\"manager\":\"m\"}]}," \
		 "\"spec\":{\"template\":{}},\"status\":{\"active\":1}}"
	if (strcmp(req->method, "GET") == 0 && strstr(req->path, "/jobs/j") == NULL)
		out->body = "{\"kind\":\"JobList\",\"metadata\":{\"resourceVersion\":\"9\"},"
			    "\"items\":[" JOB_TEXT "," JOB_TEXT "]}";
	else
		out->body = JOB_TEXT;
	out->status = strcmp(req->method, "POST") == 0 ? 201 : 200;
#undef JOB_TEXT
}

static void assert_job(const json_t *job, bool spec_read)
{
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(job, "metadata"),
							   "name")), "j");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(job, "status"),
							"active")), 1);
	/* never read by anyone: never parsed */
	cr_assert(json_is_null(json_object_get(json_object_get(job, "metadata"), "managedFields")));
	if (spec_read)
		cr_assert(json_is_object(json_object_get(json_object_get(job, "spec"), "template")));
	else
		cr_assert(json_is_null(json_object_get(job, "spec")), "the spec was parsed");
}

/* MGO_KUBE_F_SPEC_UNREAD: the answer's spec (each item's, for a list) is
 * parsed as null; metadata and status as before; without it, all of it.
 * managedFields are left out either way. */
Test(kube_client, a_spec_the_caller_does_not_read_is_not_parsed)
{
	static const struct mgo_kube_resource jobs = {"batch", "v1", "jobs", true};
	struct env *e = env_start(reply_jobs, NULL, &fast_opts);
	const struct mgo_kube_list_opts lo = {.flags = MGO_KUBE_F_SPEC_UNREAD};
	json_t *job = json_pack("{s:{s:s}}", "metadata", "name", "j");

	for (int read = 0; read <= 1; read++) {
		struct outcome o = {0}, l = {0}, c = {0};
		const struct mgo_kube_call get = {.verb = MGO_KUBE_GET, .res = &jobs, .ns = "ns",
						  .name = "j",
						  .flags = read ? 0 : MGO_KUBE_F_SPEC_UNREAD};

		cr_assert_eq(mgo_kube_request(e->client, &get, on_done, &o, NULL), 0);
		cr_assert_eq(mgo_kube_list(e->client, &jobs, "ns", read ? NULL : &lo, on_done, &l,
					   NULL), 0);
		cr_assert_eq(mgo_kube_create(e->client, &jobs, "ns", job,
					     read ? 0 : MGO_KUBE_F_SPEC_UNREAD, on_done, &c, NULL), 0);
		cr_assert(run_until(e, &o.done, DEADLINE_MS));
		cr_assert(run_until(e, &l.done, DEADLINE_MS));
		cr_assert(run_until(e, &c.done, DEADLINE_MS));
		cr_assert_not(o.failed || l.failed || c.failed);
		assert_job(o.body, read);
		assert_job(c.body, read);
		cr_assert_eq(json_array_size(json_object_get(l.body, "items")), 2);
		assert_job(json_array_get(json_object_get(l.body, "items"), 0), read);
		assert_job(json_array_get(json_object_get(l.body, "items"), 1), read);
		json_decref(o.body);
		json_decref(l.body);
		json_decref(c.body);
	}
	json_decref(job);
	env_stop(e);
}

/* 201 with a body that is not JSON, or 409 with a Status. */
static void reply_unread(struct fake *f, const struct fake_req *req, int n,
			 struct fake_reply *out)
{
	if (strstr(req->path, "/taken")) {
		out->status = 409;
		out->body = "{\"kind\":\"Status\",\"code\":409,\"reason\":\"AlreadyExists\"}";
	} else {
		out->status = 201;
		out->body = "not JSON at all";
	}
}

/* MGO_KUBE_F_BODY_UNREAD: a 2xx body is not parsed (one that is not JSON
 * does not fail the request); an error's Status still is. */
Test(kube_client, a_body_the_caller_does_not_read_is_not_parsed)
{
	static const struct mgo_kube_resource events = {"", "v1", "events", true};
	struct env *e = env_start(reply_unread, NULL, &fast_opts);
	json_t *ev = json_pack("{s:{s:s}}", "metadata", "name", "x");
	struct outcome plain = {0}, unread = {0}, taken = {0};
	const struct mgo_kube_delete_opts none = {0};

	cr_assert_eq(mgo_kube_create(e->client, &events, "ns", ev, 0, on_done, &plain, NULL), 0);
	cr_assert_eq(mgo_kube_create(e->client, &events, "ns", ev, MGO_KUBE_F_BODY_UNREAD, on_done,
				     &unread, NULL), 0);
	cr_assert_eq(mgo_kube_delete(e->client, &events, "ns", "taken", &none,
				     MGO_KUBE_F_BODY_UNREAD, on_done, &taken, NULL), 0);
	cr_assert(run_until(e, &plain.done, DEADLINE_MS));
	cr_assert(run_until(e, &unread.done, DEADLINE_MS));
	cr_assert(run_until(e, &taken.done, DEADLINE_MS));
	cr_assert(plain.failed, "a body that is not JSON fails a request that reads it");
	cr_assert_not(unread.failed, "%s", unread.err.message);
	cr_assert_eq(unread.http, 201);
	cr_assert_null(unread.body);
	cr_assert(taken.failed);
	cr_assert_eq(taken.err.http_code, 409);
	cr_assert_str_eq(taken.err.reason, "AlreadyExists");
	json_decref(plain.body);
	json_decref(taken.body);
	json_decref(ev);
	env_stop(e);
}

struct pages {
	struct outcome o;
	int pages, items, stop_at;
};

static int on_page(void *ctx, json_t *page)
{
	struct pages *p = ctx;

	p->pages++;
	p->items += (int)json_array_size(json_object_get(page, "items"));
	return p->pages == p->stop_at ? -ECANCELED : 0;
}

static void on_pages_done(void *ctx, const struct mgo_kube_result *res)
{
	struct pages *p = ctx;
	on_done(&p->o, res);
}

Test(kube_client, list_hands_out_pages_and_stops_when_told)
{
	for (int stop_at = 0; stop_at <= 2; stop_at++) {
		struct env *e;
		struct pages p = {.stop_at = stop_at};
		const struct mgo_kube_list_opts lo = {.page_size = 2, .on_page = on_page};
		e = env_start(reply_pages, NULL, &fast_opts);
		cr_assert_eq(mgo_kube_list(e->client, &pods, "ns", &lo, on_pages_done, &p, NULL), 0);
		cr_assert(run_until(e, &p.o.done, DEADLINE_MS));
		cr_assert_null(p.o.body);
		if (stop_at == 0) {
			cr_assert_not(p.o.failed);
			cr_assert_eq(p.pages, 3);
			cr_assert_eq(p.items, 5);
		} else {
			cr_assert(p.o.failed);
			cr_assert_eq(p.o.err.errnum, -ECANCELED);
			cr_assert_eq(p.pages, stop_at);
			/* the next page was asked for before this one was handed
			 * out (list_asks_for_the_next_page_before_...), and no
			 * page after it */
			uint64_t end = mgo_now_ms() + DEADLINE_MS;
			while (fake_count(&e->fake) < stop_at + 1 && mgo_now_ms() < end)
				cr_assert_eq(mgo_loop_run_once(e->loop, 20), 0);
			for (int i = 0; i < 10; i++)
				cr_assert_eq(mgo_loop_run_once(e->loop, 10), 0);
			cr_assert_eq(fake_count(&e->fake), stop_at + 1);
		}
		env_stop(e);
	}
}

/* The consumer of page 1 waits (with a deadline) for the server to have
 * the request for page 2: the client asks for the next page before it
 * hands out this one, so the server works while the consumer digests. */
struct overlap {
	struct outcome o;
	struct fake *fake;
	int pages;
	bool seen_next; /* page 2's request reached the server during page 1 */
};

static int on_page_wait_for_next(void *ctx, json_t *page)
{
	struct overlap *ov = ctx;

	if (ov->pages++ == 0) {
		uint64_t end = mgo_now_ms() + DEADLINE_MS;
		while (fake_count(ov->fake) < 2 && mgo_now_ms() < end)
			usleep(1000);
		ov->seen_next = fake_count(ov->fake) >= 2;
	}
	return 0;
}

static void on_overlap_done(void *ctx, const struct mgo_kube_result *res)
{
	on_done(&((struct overlap *)ctx)->o, res);
}

Test(kube_client, list_asks_for_the_next_page_before_handing_out_this_one)
{
	struct env *e = env_start(reply_pages, NULL, &fast_opts);
	struct overlap ov = {.fake = &e->fake};
	const struct mgo_kube_list_opts lo = {.page_size = 2, .on_page = on_page_wait_for_next};

	cr_assert_eq(mgo_kube_list(e->client, &pods, "ns", &lo, on_overlap_done, &ov, NULL), 0);
	cr_assert(run_until(e, &ov.o.done, DEADLINE_MS));
	cr_assert_not(ov.o.failed, "%s", ov.o.err.message);
	cr_assert(ov.seen_next, "page 2 was not on the wire while page 1 was digested");
	cr_assert_eq(ov.pages, 3);
	cr_assert_eq(fake_count(&e->fake), 3);
	env_stop(e);
}

static void reply_slow(struct fake *f, const struct fake_req *req, int n, struct fake_reply *out)
{
	static const char *const chunks[] = {"{\"kind\":", "\"Pod\"}", NULL};

	if (strcmp(req->path, "/slow") == 0) {
		out->chunks = chunks;
		out->hang = true;
	} else {
		reply_pod(f, req, n, out);
	}
}

Test(kube_client, cancel_stops_an_in_flight_request_without_its_callback)
{
	struct env *e;
	struct outcome slow = {0}, quick = {0}, queued = {0};
	struct mgo_kube_req *r, *q;
	const struct mgo_kube_call call = {.verb = MGO_KUBE_GET, .path = "/slow"};
	const struct mgo_kube_client_opts opts = {.qps = 1, .burst = 2};

	e = env_start(reply_slow, NULL, &opts);
	cr_assert_eq(mgo_kube_request(e->client, &call, on_done, &slow, &r), 0);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "a", on_done, &quick, NULL), 0);
	/* the third waits for a token: cancel it while queued */
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "b", on_done, &queued, &q), 0);
	mgo_kube_cancel(q);
	cr_assert(run_until(e, &quick.done, DEADLINE_MS));
	uint64_t end = mgo_now_ms() + DEADLINE_MS;
	while (fake_count(&e->fake) < 2 && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(e->loop, 20), 0);
	cr_assert_eq(mgo_kube_client_pending(e->client), 1);
	mgo_kube_cancel(r);
	cr_assert_eq(mgo_kube_client_pending(e->client), 0);
	for (int i = 0; i < 30; i++)
		cr_assert_eq(mgo_loop_run_once(e->loop, 10), 0);
	cr_assert_not(slow.done);
	cr_assert_not(queued.done);
	cr_assert_eq(fake_count(&e->fake), 2, "the cancelled queued request never went out");
	json_decref(quick.body);
	env_stop(e);
}

Test(kube_client, requests_beyond_max_inflight_wait_for_a_free_slot)
{
	struct env *e;
	struct outcome a = {0}, b = {0}, q = {0};
	struct mgo_kube_req *ra, *rb;
	const struct mgo_kube_call slow = {.verb = MGO_KUBE_GET, .path = "/slow"};
	const struct mgo_kube_client_opts opts = {.qps = -1, .max_inflight = 2};

	e = env_start(reply_slow, NULL, &opts);
	cr_assert_eq(mgo_kube_request(e->client, &slow, on_done, &a, &ra), 0);
	cr_assert_eq(mgo_kube_request(e->client, &slow, on_done, &b, &rb), 0);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "q", on_done, &q, NULL), 0);
	uint64_t end = mgo_now_ms() + DEADLINE_MS;
	while (fake_count(&e->fake) < 2 && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(e->loop, 20), 0);
	for (int i = 0; i < 20; i++)
		cr_assert_eq(mgo_loop_run_once(e->loop, 10), 0);
	cr_assert_eq(fake_count(&e->fake), 2, "the third waits while two are in flight");
	cr_assert_not(q.done);
	mgo_kube_cancel(ra);
	cr_assert(run_until(e, &q.done, DEADLINE_MS));
	cr_assert_not(q.failed, "%s", q.err.message);
	cr_assert_str_eq(e->fake.reqs[2].path, "/api/v1/namespaces/ns/pods/q");
	cr_assert_not(a.done);
	mgo_kube_cancel(rb);
	json_decref(q.body);
	env_stop(e);
}

/* The Lease's lane: a backlog waiting for rate-limit tokens and for a free
 * slot does not hold a priority request back. */
Test(kube_client, priority_requests_pass_the_queue_and_the_cap)
{
	struct env *e;
	struct outcome first = {0}, queued = {0}, prio = {0};
	struct mgo_kube_req *r1;
	const struct mgo_kube_call slow = {.verb = MGO_KUBE_GET, .path = "/slow"};
	const struct mgo_kube_call lane = {.verb = MGO_KUBE_GET, .res = &pods, .ns = "ns",
					   .name = "lease", .flags = MGO_KUBE_F_PRIORITY};
	/* one slot, and a token every 10 s after the first */
	const struct mgo_kube_client_opts opts = {.qps = 0.1, .burst = 1, .max_inflight = 1};

	e = env_start(reply_slow, NULL, &opts);
	cr_assert_eq(mgo_kube_request(e->client, &slow, on_done, &first, &r1), 0);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "queued", on_done, &queued, NULL), 0);
	/* the slot is taken once the server holds the first (a loaded machine
	 * may take a while to get it there) */
	cr_assert(run_until_seen(e, 1));
	cr_assert_eq(mgo_kube_request(e->client, &lane, on_done, &prio, NULL), 0);
	cr_assert(run_until(e, &prio.done, DEADLINE_MS));
	cr_assert_not(prio.failed, "%s", prio.err.message);
	cr_assert_not(queued.done, "the queued one waits for its token and slot");
	cr_assert_eq(fake_count(&e->fake), 2);
	cr_assert_str_eq(e->fake.reqs[1].path, "/api/v1/namespaces/ns/pods/lease");
	mgo_kube_cancel(r1);
	json_decref(prio.body);
	env_stop(e);
}

struct many {
	int done, failed;
	uint64_t last_ms;
};

static void on_many(void *ctx, const struct mgo_kube_result *res)
{
	struct many *m = ctx;

	m->done++;
	m->failed += res->error != NULL;
	m->last_ms = mgo_now_ms();
}

Test(kube_client, rate_limit_queues_instead_of_failing)
{
	struct env *e;
	struct many m = {0};
	const struct mgo_kube_client_opts opts = {.qps = 20, .burst = 5};

	e = env_start(reply_pod, NULL, &opts);
	uint64_t start = mgo_now_ms();
	for (int i = 0; i < 15; i++)
		cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "x", on_many, &m, NULL), 0);
	cr_assert(run_until_count(e, &m.done, 15));
	cr_assert_eq(m.failed, 0);
	/* 5 at once, then 10 more at 20/s: at least 500 ms */
	uint64_t took = m.last_ms - start;
	cr_assert_geq(took, 450, "15 requests at 20 qps burst 5 took %lu ms", (unsigned long)took);
	cr_assert_lt(took, 2000);
	cr_assert_geq(mgo_kube_client_stats(e->client)->throttled, 10);
	for (int i = 1; i < 15; i++)
		cr_assert_geq(e->fake.reqs[i].at_ms + 5, e->fake.reqs[i - 1].at_ms, "in order");
	env_stop(e);
}

Test(kube_client, many_concurrent_requests_share_the_loop)
{
	struct env *e;
	struct many m = {0};

	e = env_start(reply_pod, NULL, &fast_opts);
	for (int i = 0; i < 100; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", name, on_many, &m, NULL), 0);
	}
	cr_assert(run_until_count(e, &m.done, 100), "%d done, server saw %d, %zu pending", m.done,
		  fake_count(&e->fake), mgo_kube_client_pending(e->client));
	cr_assert_eq(m.failed, 0);
	cr_assert_eq(fake_count(&e->fake), 100);
	cr_assert_eq(mgo_kube_client_pending(e->client), 0);
	env_stop(e);
}

static void reply_whoami(struct fake *f, const struct fake_req *req, int n,
			 struct fake_reply *out)
{
	out->body = "{}";
}

static void reply_401_to_tok1(struct fake *f, const struct fake_req *req, int n,
			      struct fake_reply *out)
{
	if (strcmp(req->auth, "Bearer tok-1") == 0) {
		out->status = 401;
		out->body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			    "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";
		return;
	}
	out->status = 201;
	out->body = "{}";
}

/* An expired token whose file already holds the next one (mgo-tokens
 * renews it): the 401 re-reads the file and the request goes again, even a
 * POST, once; with nothing new in the file the 401 is the answer. */
Test(kube_client, a_401_rereads_the_token_file_and_retries_once)
{
	struct env *e;
	char *dir = mgo_test_tmpdir();
	char *file = mgo_test_write(dir, "token", "tok-1\n");
	const struct mgo_kube_client_opts opts = {.token_reload_ms = 600000, .qps = -1};
	json_t *obj = json_pack("{s:{s:s}}", "metadata", "name", "x");
	struct outcome a = {0}, b = {0};
	char err[256];

	e = env_start(reply_401_to_tok1, NULL, &opts);
	e->creds.token_file = strdup(file);
	mgo_kube_client_free(e->client);
	cr_assert_eq(mgo_kube_client_new(e->loop, &e->creds, &opts, &e->client, err, sizeof(err)), 0);
	/* nothing new in the file: one exchange, the 401 */
	cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, 0, on_done, &a, NULL), 0);
	cr_assert(run_until(e, &a.done, DEADLINE_MS));
	cr_assert_eq(a.http, 401);
	cr_assert_eq(a.attempts, 1);
	cr_assert_eq(fake_count(&e->fake), 1);
	/* renewed behind its back: the next 401 finds tok-2 and goes again */
	free(mgo_test_write(dir, "token", "tok-2\n"));
	cr_assert_eq(mgo_kube_create(e->client, &pods, "ns", obj, 0, on_done, &b, NULL), 0);
	cr_assert(run_until(e, &b.done, DEADLINE_MS));
	cr_assert_eq(b.http, 201, "%ld %s", b.http, b.err.message);
	cr_assert_eq(b.attempts, 2);
	cr_assert_eq(fake_count(&e->fake), 3);
	cr_assert_str_eq(e->fake.reqs[1].auth, "Bearer tok-1");
	cr_assert_str_eq(e->fake.reqs[2].auth, "Bearer tok-2");
	cr_assert_eq(mgo_kube_client_stats(e->client)->token_reloads, 1);
	json_decref(obj);
	outcome_free(&a);
	outcome_free(&b);
	env_stop(e);
	mgo_test_rmtree(dir);
	free(file);
	free(dir);
}

Test(kube_client, rotated_token_file_is_used_by_later_requests)
{
	struct env *e;
	char *dir = mgo_test_tmpdir();
	char *file = mgo_test_write(dir, "token", "tok-1\n");
	const struct mgo_kube_client_opts opts = {.token_reload_ms = 50, .qps = -1};
	struct outcome a = {0}, b = {0};

	e = env_start(reply_whoami, NULL, &opts);
	e->creds.token_file = strdup(file);
	/* the client read token_file at creation: rebuild it now that it is set */
	mgo_kube_client_free(e->client);
	char err[256];
	cr_assert_eq(mgo_kube_client_new(e->loop, &e->creds, &opts, &e->client, err, sizeof(err)), 0);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "a", on_done, &a, NULL), 0);
	cr_assert(run_until(e, &a.done, DEADLINE_MS));
	free(mgo_test_write(dir, "token", "tok-2\n"));
	uint64_t end = mgo_now_ms() + DEADLINE_MS;
	while (mgo_kube_client_stats(e->client)->token_reloads == 0 && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(e->loop, 20), 0);
	cr_assert_eq(mgo_kube_client_stats(e->client)->token_reloads, 1);
	cr_assert_eq(mgo_kube_get(e->client, &pods, "ns", "b", on_done, &b, NULL), 0);
	cr_assert(run_until(e, &b.done, DEADLINE_MS));
	cr_assert_str_eq(e->fake.reqs[0].auth, "Bearer tok-1");
	cr_assert_str_eq(e->fake.reqs[1].auth, "Bearer tok-2");
	json_decref(a.body);
	json_decref(b.body);
	env_stop(e);
	mgo_test_rmtree(dir);
	free(file);
	free(dir);
}

static void reply_delete(struct fake *f, const struct fake_req *req, int n,
			 struct fake_reply *out)
{
	if (n == 0 || n == 2) {
		out->status = 500;
		return;
	}
	out->body = "{\"kind\":\"Status\",\"status\":\"Success\"}";
}

Test(kube_client, delete_sends_options_and_retries_only_with_a_precondition)
{
	struct env *e;
	struct outcome o = {0}, p = {0};
	const struct mgo_kube_delete_opts with = {.propagation = MGO_KUBE_PROPAGATION_FOREGROUND,
						  .uid = "u-1", .resource_version = "9"};
	const struct mgo_kube_delete_opts bad = {.propagation = 7};

	e = env_start(reply_delete, NULL, &fast_opts);
	cr_assert_eq(mgo_kube_delete(e->client, &mgs, "ns", "g", &bad, 0, on_done, &o, NULL),
		     -EINVAL);
	cr_assert_eq(mgo_kube_delete(e->client, &mgs, "ns", "g", &with, 0, on_done, &o, NULL), 0);
	cr_assert(run_until(e, &o.done, DEADLINE_MS));
	cr_assert_not(o.failed, "%s", o.err.message);
	cr_assert_eq(o.attempts, 2);
	cr_assert_str_eq(e->fake.reqs[0].method, "DELETE");
	cr_assert_str_eq(e->fake.reqs[0].ctype, "application/json");
	json_error_t je;
	json_t *sent = json_loads(e->fake.reqs[1].body, 0, &je);
	cr_assert_not_null(sent, "%s", e->fake.reqs[1].body);
	cr_assert_str_eq(json_string_value(json_object_get(sent, "propagationPolicy")),
			 "Foreground");
	json_t *pre = json_object_get(sent, "preconditions");
	cr_assert_str_eq(json_string_value(json_object_get(pre, "uid")), "u-1");
	cr_assert_str_eq(json_string_value(json_object_get(pre, "resourceVersion")), "9");
	json_decref(sent);
	/* without a precondition: the 500 is the answer */
	cr_assert_eq(mgo_kube_delete(e->client, &mgs, "ns", "g", NULL, 0, on_done, &p, NULL), 0);
	cr_assert(run_until(e, &p.done, DEADLINE_MS));
	cr_assert(p.failed);
	cr_assert_eq(p.http, 500);
	cr_assert_eq(p.err.code, 500);
	cr_assert_str_eq(p.err.reason, "InternalError");
	cr_assert_eq(p.attempts, 1);
	cr_assert_str_eq(e->fake.reqs[2].body, "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\"}");
	json_decref(o.body);
	json_decref(p.body);
	env_stop(e);
}

/* ---- watch streams ---- */

struct watch {
	struct outcome o;
	char got[4096];
	size_t len;
	int calls;
	int stop_after;
};

static int on_data(void *ctx, const char *data, size_t len)
{
	struct watch *w = ctx;

	cr_assert_lt(w->len + len, sizeof(w->got));
	memcpy(w->got + w->len, data, len);
	w->len += len;
	w->calls++;
	return w->stop_after && w->calls >= w->stop_after ? -ECANCELED : 0;
}

static void on_watch_done(void *ctx, const struct mgo_kube_result *res)
{
	struct watch *w = ctx;
	on_done(&w->o, res);
}

static void reply_stream(struct fake *f, const struct fake_req *req, int n,
			 struct fake_reply *out)
{
	static const char *const chunks[] = {"{\"type\":\"ADD", "ED\"}\n{\"ty", "pe\":\"B\"}\n",
					     NULL};
	const char *mode = f->ctx;

	if (strcmp(mode, "gone") == 0) {
		out->status = 410;
		out->body = "{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410,"
			    "\"message\":\"too old resource version\"}";
		return;
	}
	out->chunks = chunks;
	out->gap_ms = 20;
	out->hang = strcmp(mode, "hang") == 0;
	out->cut = strcmp(mode, "cut") == 0;
}

Test(kube_client, watch_streams_bytes_and_reports_how_it_ended)
{
	static const struct {
		const char *mode;
		uint64_t idle_ms;
		int stop_after;
		long http;
		int errnum;             /* 0: a clean end */
	} t[] = {
		{"end", 0, 0, 200, 0},
		{"cut", 0, 0, 200, -EIO},
		{"hang", 300, 0, 200, -ETIMEDOUT},
		{"hang", 0, 1, 200, -ECANCELED},
		{"gone", 0, 0, 410, -EREMOTEIO},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct env *e;
		struct watch w = {.stop_after = t[i].stop_after};
		const struct mgo_kube_watch_opts wo = {.resource_version = "42", .timeout_s = 30,
						       .bookmarks = true, .label_selector = "a=b",
						       .idle_timeout_ms = t[i].idle_ms,
						       .on_data = on_data};
		e = env_start(reply_stream, (void *)t[i].mode, &fast_opts);
		uint64_t start = mgo_now_ms();
		cr_assert_eq(mgo_kube_watch(e->client, &pods, "ns", &wo, on_watch_done, &w, NULL), 0);
		cr_assert(run_until(e, &w.o.done, DEADLINE_MS), "row %zu", i);
		cr_assert_eq(w.o.http, t[i].http, "row %zu", i);
		cr_assert_eq(w.o.failed, t[i].errnum != 0, "row %zu: %s", i, w.o.err.message);
		if (t[i].errnum)
			cr_assert_eq(w.o.err.errnum, t[i].errnum, "row %zu: %d %s", i,
				     w.o.err.errnum, w.o.err.message);
		if (strcmp(t[i].mode, "gone") == 0) {
			cr_assert_str_eq(w.o.err.reason, "Expired");
			cr_assert_eq(w.len, 0, "an error body is not stream data");
		} else if (t[i].stop_after) {
			cr_assert_eq(w.calls, 1);
		} else {
			w.got[w.len] = '\0';
			cr_assert_str_eq(w.got, "{\"type\":\"ADDED\"}\n{\"type\":\"B\"}\n", "row %zu", i);
		}
		if (t[i].idle_ms)
			cr_assert_geq(mgo_now_ms() - start, t[i].idle_ms);
		cr_assert_str_eq(e->fake.reqs[0].query, "watch=true&labelSelector=a=b&"
						       "resourceVersion=42&allowWatchBookmarks=true&"
						       "timeoutSeconds=30");
		cr_assert_eq(mgo_kube_stats_count(mgo_kube_client_stats(e->client), MGO_KUBE_WATCH,
						  t[i].http),
			     1, "row %zu", i);
		cr_assert_eq(fake_count(&e->fake), 1, "a watch is not retried by the client");
		json_decref(w.o.body);
		env_stop(e);
	}
}

/* The client and the informer against the test API server over HTTPS, with
 * the server's CA in memory: Kubernetes errors, pagination, status patches,
 * 429 Retry-After, token rotation, relist after compaction, resuming after
 * dropped watches, and many requests and watches on one loop. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/informer.h"
#include "mgo/kube.h"
#include "mgo/kube_write.h"
#include "mgo/kubecreds.h"
#include "mgo/log.h"
#include "kubetest.h"
#include "mgo/loop.h"
#include "testenv.h"

#define DEADLINE_MS 60000 /* generous: valgrind traces the server too */

static const struct mgo_kube_resource cms = {"", "v1", "configmaps", true};
static const struct mgo_kube_resource mgs = {"operator.openshift.io", "v1alpha1",
					     "mustgathers", true};
static const struct mgo_kube_resource crds = {"apiextensions.k8s.io", "v1",
					      "customresourcedefinitions", false};

struct live {
	struct testenv env;
	struct mgo_kube_creds creds;
	struct mgo_loop *loop;
	struct mgo_kube_client *client;
};

static struct live L;

/* Quick retries, and a connect timeout that allows for the TLS handshakes
 * of a server running under valgrind. */
static const struct mgo_kube_client_opts quick = {
	.backoff_base_ms = 50, .backoff_cap_ms = 200, .max_retries = 4, .qps = -1,
	.token_reload_ms = 100, .connect_timeout_ms = 60000,
};

static void creds_for(struct live *l, struct mgo_kube_creds *c)
{
	char err[512];

	cr_assert_eq(mgo_kube_creds_from_kubeconfig(l->env.kubeconfig, NULL, c, err, sizeof(err)),
		     0, "%s", err);
}

static struct mgo_kube_client *client_for(struct live *l, struct mgo_kube_creds *c)
{
	struct mgo_kube_client *client;
	char err[512];

	cr_assert_eq(mgo_kube_client_new(l->loop, c, &quick, &client, err, sizeof(err)), 0, "%s",
		     err);
	return client;
}

static void setup(void)
{
	mgo_log_init("test", getenv("KUBE_TEST_DEBUG") ? MGO_LOG_DEBUG : MGO_LOG_ERROR);
	testenv_start(&L.env, NULL);
	creds_for(&L, &L.creds);
	cr_assert_eq(mgo_loop_new(&L.loop), 0);
	L.client = client_for(&L, &L.creds);
}

static void teardown(void)
{
	mgo_kube_client_free(L.client);
	mgo_loop_free(L.loop);
	mgo_kube_creds_free(&L.creds);
	if (L.env.pid)
		testenv_stop(&L.env);
}

TestSuite(kube_apiserver, .init = setup, .fini = teardown, .timeout = 240);

static bool run_until(const bool *flag)
{
	uint64_t end = mgo_now_ms() + DEADLINE_MS;

	while (!*flag && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(L.loop, 50), 0);
	return *flag;
}

static bool run_until_n(const int *n, int want)
{
	uint64_t end = mgo_now_ms() + DEADLINE_MS;

	while (*n < want && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(L.loop, 50), 0);
	return *n >= want;
}

/* Waits for a request started with `rc`; the outcome is in *o. */
static void wait_for(int rc, struct outcome *o)
{
	cr_assert_eq(rc, 0);
	cr_assert(run_until(&o->done), "no answer within the deadline");
}

static json_t *configmap(const char *name, const char *label)
{
	json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "apiVersion", "v1",
			       "kind", "ConfigMap", "metadata", "name", name, "labels", "app",
			       label, "data", "k", "v");
	cr_assert_not_null(cm);
	return cm;
}

static void create_cm(const char *name, const char *label)
{
	struct outcome o = {0};
	json_t *cm = configmap(name, label);

	wait_for(mgo_kube_create(L.client, &cms, "default", cm, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 201, "create %s: %ld %s", name, o.http, o.err.message);
	json_decref(cm);
	outcome_free(&o);
}

static const char *meta_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

static void admin(const char *method, const char *path, const char *body)
{
	struct testenv_resp r;

	testenv_request(&L.env, L.env.admin_token, method, path, NULL, body, &r);
	cr_assert_eq(r.code, 200, "%s %s: %ld %s", method, path, r.code, r.body);
	testenv_resp_free(&r);
}

Test(kube_apiserver, errors_come_back_with_their_kubernetes_reason)
{
	struct outcome o = {0};
	json_t *cm = configmap("c1", "errs");
	json_t *stale = json_pack("{s:{s:s}, s:{s:s}}", "metadata", "resourceVersion", "1",
				  "data", "k", "w");
	json_t *fresh = json_pack("{s:{s:s}}", "data", "k2", "v2");

	wait_for(mgo_kube_create(L.client, &cms, "default", cm, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 201, "%s", o.err.message);
	char uid[64];
	snprintf(uid, sizeof(uid), "%s", meta_str(o.body, "uid"));
	outcome_free(&o);

	wait_for(mgo_kube_create(L.client, &cms, "default", cm, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 409);
	cr_assert_str_eq(o.err.reason, "AlreadyExists");
	cr_assert_eq(o.attempts, 1);
	outcome_free(&o);

	wait_for(mgo_kube_get(L.client, &cms, "default", "nope", on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 404);
	cr_assert_str_eq(o.err.reason, "NotFound");
	cr_assert_not_null(strstr(o.err.message, "nope"), "%s", o.err.message);
	outcome_free(&o);

	wait_for(mgo_kube_merge_patch(L.client, &cms, "default", "c1", NULL, stale, 0, on_done, &o,
				      NULL),
		 &o);
	cr_assert_eq(o.http, 409);
	cr_assert_str_eq(o.err.reason, "Conflict");
	outcome_free(&o);

	wait_for(mgo_kube_merge_patch(L.client, &cms, "default", "c1", NULL, fresh, 0, on_done, &o,
				      NULL),
		 &o);
	cr_assert_eq(o.http, 200, "%s", o.err.message);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o.body, "data"), "k2")),
			 "v2");
	outcome_free(&o);

	const struct mgo_kube_delete_opts wrong = {.uid = "not-its-uid"};
	const struct mgo_kube_delete_opts right = {.uid = uid,
						   .propagation = MGO_KUBE_PROPAGATION_BACKGROUND};
	wait_for(mgo_kube_delete(L.client, &cms, "default", "c1", &wrong, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 409, "%ld %s", o.http, o.err.message);
	cr_assert_str_eq(o.err.reason, "Conflict");
	outcome_free(&o);
	wait_for(mgo_kube_delete(L.client, &cms, "default", "c1", &right, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 200, "%ld %s", o.http, o.err.message);
	outcome_free(&o);
	wait_for(mgo_kube_get(L.client, &cms, "default", "c1", on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 404);
	outcome_free(&o);
	json_decref(cm);
	json_decref(stale);
	json_decref(fresh);
}

Test(kube_apiserver, a_restricted_token_gets_forbidden_with_the_servers_message)
{
	struct mgo_kube_creds bob;
	struct outcome o = {0};

	creds_for(&L, &bob);
	free(bob.token);
	bob.token = strdup(TESTENV_BOB_TOKEN);
	struct mgo_kube_client *c = client_for(&L, &bob);
	wait_for(mgo_kube_list(c, &cms, "default", NULL, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 403);
	cr_assert_str_eq(o.err.reason, "Forbidden");
	cr_assert_eq(o.err.code, 403);
	cr_assert_not_null(strstr(o.err.message, "\"bob\""), "%s", o.err.message);
	cr_assert_not_null(strstr(o.err.message, "configmaps"), "%s", o.err.message);
	cr_assert_eq(o.attempts, 1);
	outcome_free(&o);
	mgo_kube_client_free(c);
	mgo_kube_creds_free(&bob);
}

Test(kube_apiserver, a_list_is_fetched_page_by_page)
{
	struct outcome o = {0};
	const struct mgo_kube_list_opts lo = {.label_selector = "app=paged", .page_size = 3};
	char name[32];

	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		create_cm(name, "paged");
	}
	create_cm("other", "unpaged");
	wait_for(mgo_kube_list(L.client, &cms, "default", &lo, on_done, &o, NULL), &o);
	cr_assert_not(o.failed, "%s", o.err.message);
	json_t *items = json_object_get(o.body, "items");
	cr_assert_eq(json_array_size(items), 7);
	for (size_t i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "p%zu", i);
		cr_assert_str_eq(meta_str(json_array_get(items, i), "name"), name);
	}
	cr_assert_eq(o.attempts, 3, "three pages of at most 3");
	cr_assert_eq(mgo_kube_stats_count(mgo_kube_client_stats(L.client), MGO_KUBE_LIST, 200), 3);
	outcome_free(&o);
}

struct paged {
	int pages;
	struct outcome o;
};

static int compact_on_first_page(void *ctx, json_t *page)
{
	struct paged *p = ctx;

	struct testenv_resp r;

	if (p->pages++ > 0)
		return 0;
	/* a change after the list's snapshot, then forget the changes: the
	 * snapshot the continue token names is gone */
	testenv_request(&L.env, L.env.admin_token, "POST", "/api/v1/namespaces/default/configmaps",
			NULL, "{\"metadata\":{\"name\":\"later\"}}", &r);
	cr_assert_eq(r.code, 201, "%s", r.body);
	testenv_resp_free(&r);
	admin("POST", "/mgo-test/compact", NULL);
	return 0;
}

static void on_paged_done(void *ctx, const struct mgo_kube_result *res)
{
	on_done(&((struct paged *)ctx)->o, res);
}

Test(kube_apiserver, an_expired_continue_token_ends_the_list_with_expired)
{
	struct paged p = {0};
	const struct mgo_kube_list_opts lo = {.label_selector = "app=exp", .page_size = 2,
					      .on_page = compact_on_first_page};
	char name[32];

	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		create_cm(name, "exp");
	}
	wait_for(mgo_kube_list(L.client, &cms, "default", &lo, on_paged_done, &p, NULL), &p.o);
	/* page 2 was asked for before page 1 was handed out, so from the
	 * snapshot still; page 3's token is the first the server no longer
	 * knows */
	cr_assert_eq(p.pages, 2);
	cr_assert_eq(p.o.http, 410);
	cr_assert_str_eq(p.o.err.reason, "Expired", "%s", p.o.err.message);
	cr_assert_eq(p.o.attempts, 3, "a 410 is final: the caller lists again");
	outcome_free(&p.o);
}

static void install_mustgather_crd(void)
{
	struct outcome o = {0};
	json_error_t je;
	json_t *crd = json_loads(
		"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
		"\"metadata\":{\"name\":\"mustgathers.operator.openshift.io\"},\"spec\":{"
		"\"group\":\"operator.openshift.io\",\"scope\":\"Namespaced\",\"names\":{"
		"\"kind\":\"MustGather\",\"plural\":\"mustgathers\",\"listKind\":\"MustGatherList\","
		"\"singular\":\"mustgather\"},\"versions\":[{\"name\":\"v1alpha1\",\"served\":true,"
		"\"storage\":true,\"subresources\":{\"status\":{}},\"schema\":{\"openAPIV3Schema\":"
		"{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}]}}",
		0, &je);

	cr_assert_not_null(crd, "%s", je.text);
	wait_for(mgo_kube_create(L.client, &crds, NULL, crd, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 201, "%s", o.err.message);
	outcome_free(&o);
	json_decref(crd);
	/* served once established: poll with a deadline */
	uint64_t end = mgo_now_ms() + DEADLINE_MS;
	do {
		outcome_free(&o);
		wait_for(mgo_kube_list(L.client, &mgs, "default", NULL, on_done, &o, NULL), &o);
	} while (o.http != 200 && mgo_now_ms() < end);
	cr_assert_eq(o.http, 200);
	outcome_free(&o);
}

Test(kube_apiserver, status_is_merge_patched_through_its_subresource)
{
	struct outcome o = {0};
	json_t *mg = json_pack("{s:s, s:s, s:{s:s}, s:{}}", "apiVersion",
			       "operator.openshift.io/v1alpha1", "kind", "MustGather", "metadata",
			       "name", "g1", "spec");
	json_t *st = json_pack("{s:{s:b, s:s}}", "status", "completed", 1, "status", "Completed");

	install_mustgather_crd();
	wait_for(mgo_kube_create(L.client, &mgs, "default", mg, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 201, "%s", o.err.message);
	outcome_free(&o);
	wait_for(mgo_kube_merge_patch(L.client, &mgs, "default", "g1", "status", st, 0, on_done, &o,
				      NULL),
		 &o);
	cr_assert_eq(o.http, 200, "%s", o.err.message);
	outcome_free(&o);
	wait_for(mgo_kube_get(L.client, &mgs, "default", "g1", on_done, &o, NULL), &o);
	json_t *status = json_object_get(o.body, "status");
	cr_assert(json_is_true(json_object_get(status, "completed")), "%s",
		  json_dumps(o.body, 0));
	cr_assert_str_eq(json_string_value(json_object_get(status, "status")), "Completed");
	outcome_free(&o);
	json_decref(mg);
	json_decref(st);
}

/* Seconds since midnight of an audit "time" (2026-11-24T01:02:03.456789Z). */
static double audit_seconds(const char *line)
{
	json_t *j = json_loads(line, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "time"));
	int h = 0, m = 0;
	double s = 0;

	cr_assert_not_null(t);
	cr_assert_eq(sscanf(strchr(t, 'T') + 1, "%d:%d:%lfZ", &h, &m, &s), 3, "%s", t);
	json_decref(j);
	return h * 3600 + m * 60 + s;
}

Test(kube_apiserver, too_many_requests_is_retried_after_retry_after)
{
	struct outcome o = {0};

	create_cm("throttled", "t");
	admin("POST", "/mgo-test/faults",
	      "{\"throttleCount\":1,\"retryAfterSeconds\":1,\"match\":{\"verb\":\"get\","
	      "\"resource\":\"configmaps\"}}");
	wait_for(mgo_kube_get(L.client, &cms, "default", "throttled", on_done, &o, NULL), &o);
	cr_assert_not(o.failed, "%s", o.err.message);
	cr_assert_eq(o.attempts, 2);
	const struct mgo_kube_stats *s = mgo_kube_client_stats(L.client);
	cr_assert_eq(mgo_kube_stats_count(s, MGO_KUBE_GET, 429), 1);
	cr_assert_eq(mgo_kube_stats_count(s, MGO_KUBE_GET, 200), 1);
	/* the server's own clock: the retry arrived a second after the 429 */
	char *lines = testenv_audit_grep(&L.env, "name", "throttled");
	char *first = strstr(lines, "\"code\":429") ? lines : NULL;
	cr_assert_not_null(first, "%s", lines);
	char *save = NULL, *l429 = NULL, *l200 = NULL;
	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "\"verb\":\"get\"") && strstr(l, "\"code\":429"))
			l429 = l;
		else if (strstr(l, "\"verb\":\"get\"") && strstr(l, "\"code\":200"))
			l200 = l;
	}
	cr_assert(l429 && l200);
	double gap = audit_seconds(l200) - audit_seconds(l429);
	cr_assert_geq(gap, 0.99, "retried %.3f s after a Retry-After of 1 s", gap);
	free(lines);
	outcome_free(&o);
}

Test(kube_apiserver, a_rotated_token_file_changes_the_user_of_later_requests)
{
	struct mgo_kube_creds rot;
	struct outcome o = {0};
	char *file = NULL;

	creds_for(&L, &rot);
	free(rot.token);
	rot.token = strdup(TESTENV_ALICE_TOKEN);
	file = mgo_test_write(L.env.dir, "token", TESTENV_ALICE_TOKEN "\n");
	rot.token_file = strdup(file);
	struct mgo_kube_client *c = client_for(&L, &rot);

	wait_for(mgo_kube_get(c, &cms, "default", "probe-alice", on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 403, "alice may not read configmaps");
	outcome_free(&o);
	free(mgo_test_write(L.env.dir, "token", L.env.admin_token));
	uint64_t end = mgo_now_ms() + DEADLINE_MS;
	while (mgo_kube_client_stats(c)->token_reloads == 0 && mgo_now_ms() < end)
		cr_assert_eq(mgo_loop_run_once(L.loop, 20), 0);
	cr_assert_eq(mgo_kube_client_stats(c)->token_reloads, 1);
	wait_for(mgo_kube_get(c, &cms, "default", "probe-admin", on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 404, "the admin may read, and it is not there");
	outcome_free(&o);

	char *a = testenv_audit_grep(&L.env, "name", "probe-alice");
	char *b = testenv_audit_grep(&L.env, "name", "probe-admin");
	cr_assert_not_null(strstr(a, "\"user\":\"alice\""), "%s", a);
	cr_assert_not_null(strstr(b, "\"user\":\"mgo-test-admin\""), "%s", b);
	free(a);
	free(b);
	mgo_kube_client_free(c);
	mgo_kube_creds_free(&rot);
	free(file);
}

Test(kube_apiserver, a_wrong_ca_or_server_name_fails_verification_and_is_not_retried)
{
	struct testenv other;
	struct mgo_kube_creds wrong, named;
	struct outcome o = {0};
	char err[512];

	/* another server's CA: a real CA, just not this server's */
	testenv_start(&other, NULL);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(other.kubeconfig, NULL, &wrong, err,
						    sizeof(err)),
		     0, "%s", err);
	free(wrong.server);
	wrong.server = strdup(L.env.url);
	struct mgo_kube_client *c = client_for(&L, &wrong);
	wait_for(mgo_kube_get(c, &cms, "default", "x", on_done, &o, NULL), &o);
	cr_assert(o.failed);
	cr_assert_eq(o.http, 0);
	cr_assert_eq(o.err.errnum, -EPROTO, "%d %s", o.err.errnum, o.err.message);
	cr_assert_eq(o.attempts, 1, "a certificate does not get better on a retry");
	outcome_free(&o);
	mgo_kube_client_free(c);
	mgo_kube_creds_free(&wrong);
	testenv_stop(&other);

	/* the certificate names localhost: reaching 127.0.0.1 as "localhost" works,
	 * as another name it does not */
	const char *names[] = {"localhost", "elsewhere.example"};
	for (int i = 0; i < 2; i++) {
		creds_for(&L, &named);
		named.tls_server_name = strdup(names[i]);
		c = client_for(&L, &named);
		wait_for(mgo_kube_get(c, &cms, "default", "x", on_done, &o, NULL), &o);
		if (i == 0) {
			cr_assert_eq(o.http, 404, "%ld %s", o.http, o.err.message);
		} else {
			cr_assert_eq(o.err.errnum, -EPROTO, "%d %s", o.err.errnum, o.err.message);
		}
		outcome_free(&o);
		mgo_kube_client_free(c);
		mgo_kube_creds_free(&named);
	}
}

/* ---- informers ---- */

struct seen {
	char log[16384];
	int events, synced;
};

static void on_event(void *ctx, enum mgo_informer_event ev, const json_t *obj)
{
	struct seen *s = ctx;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%s %s;", mgo_informer_event_name(ev),
		 meta_str(obj, "name"));
	s->events++;
}

static void on_synced(void *ctx)
{
	((struct seen *)ctx)->synced++;
}

static struct mgo_informer *informer(const char *ns, const char *selector, struct seen *s)
{
	struct mgo_informer *inf;
	const struct mgo_informer_opts o = {.res = &cms, .ns = ns, .label_selector = selector,
					    .page_size = 2, .backoff_base_ms = 100,
					    .backoff_cap_ms = 200,
					    .on_event = on_event, .on_synced = on_synced,
					    .ctx = s};

	cr_assert_eq(mgo_informer_new(L.client, &o, &inf), 0);
	cr_assert_eq(mgo_informer_start(inf), 0);
	return inf;
}

/* Watches fail (503) until unblocked, so changes pile up behind them. */
static void block_watches(void)
{
	admin("POST", "/mgo-test/faults",
	      "{\"errorCount\":1000000,\"errorCode\":503,\"match\":{\"verb\":\"watch\"}}");
	admin("POST", "/mgo-test/drop-watches", NULL);
}

static void unblock_watches(void)
{
	admin("DELETE", "/mgo-test/faults", NULL);
}

static void patch_cm(const char *name)
{
	struct outcome o = {0};
	json_t *p = json_pack("{s:{s:s}}", "data", "k", "changed");

	wait_for(mgo_kube_merge_patch(L.client, &cms, "default", name, NULL, p, 0, on_done, &o,
				      NULL),
		 &o);
	cr_assert_eq(o.http, 200, "%s", o.err.message);
	json_decref(p);
	outcome_free(&o);
}

static void delete_cm(const char *name)
{
	struct outcome o = {0};

	wait_for(mgo_kube_delete(L.client, &cms, "default", name, NULL, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 200, "%s", o.err.message);
	outcome_free(&o);
}

Test(kube_apiserver, informer_relists_after_compaction_and_delivers_only_the_difference)
{
	struct seen s = {0};
	struct mgo_informer_stats st;

	create_cm("a1", "inf");
	create_cm("a2", "inf");
	create_cm("a3", "inf");
	struct mgo_informer *inf = informer("default", "app=inf", &s);
	cr_assert(run_until_n(&s.events, 3));
	cr_assert_eq(s.synced, 1);
	cr_assert_str_eq(s.log, "ADDED a1;ADDED a2;ADDED a3;");
	s.log[0] = '\0';
	s.events = 0;

	block_watches();
	delete_cm("a1");
	patch_cm("a2");
	create_cm("a4", "inf");
	admin("POST", "/mgo-test/compact", NULL);
	unblock_watches();

	cr_assert(run_until_n(&s.events, 3));
	for (int i = 0; i < 20; i++)
		cr_assert_eq(mgo_loop_run_once(L.loop, 10), 0);
	cr_assert_str_eq(s.log, "MODIFIED a2;ADDED a4;DELETED a1;");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.relists, 1);
	cr_assert_eq(st.objects, 3);
	cr_assert_eq(s.synced, 1);
	mgo_informer_free(inf);
}

Test(kube_apiserver, informer_resumes_after_dropped_watches_without_loss_or_duplicates)
{
	struct seen s = {0};
	struct mgo_informer_stats st;
	char want[4096] = "", name[32];
	int n = 0;

	struct mgo_informer *inf = informer("default", "app=res", &s);
	cr_assert(run_until_n(&s.synced, 1));
	for (int round = 0; round < 4; round++) {
		/* rounds 0, 2: changes while the watch is held off; 1, 3: a drop racing
		 * the changes */
		if (round % 2 == 0)
			block_watches();
		else
			admin("POST", "/mgo-test/drop-watches", NULL);
		for (int i = 0; i < 5; i++, n++) {
			snprintf(name, sizeof(name), "r%d", n);
			create_cm(name, "res");
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "ADDED %s;",
				 name);
		}
		if (round % 2 == 0)
			unblock_watches();
		cr_assert(run_until_n(&s.events, n), "round %d: %d of %d events", round, s.events,
			  n);
	}
	for (int i = 0; i < 20; i++)
		cr_assert_eq(mgo_loop_run_once(L.loop, 10), 0);
	cr_assert_str_eq(s.log, want, "each creation once, in order");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.relists, 0, "resumed from the resourceVersion, never relisted");
	cr_assert_geq(st.restarts, 4);
	cr_assert_eq(st.added, (uint64_t)n);
	mgo_informer_free(inf);
}

struct many {
	int done, failed;
	char last[256];
};

static void on_many(void *ctx, const struct mgo_kube_result *res)
{
	struct many *m = ctx;

	m->done++;
	m->failed += res->error != NULL;
	if (res->error && res->http_code != 404)
		snprintf(m->last, sizeof(m->last), "%ld %d %.200s", res->http_code,
			 res->error->errnum, res->error->message);
}

Test(kube_apiserver, many_requests_and_three_watches_share_one_loop)
{
	struct seen s1 = {0}, s2 = {0}, s3 = {0};
	struct many m = {0};
	char name[32];
	json_t *cm;

	struct mgo_informer *i1 = informer("default", "app=w1", &s1);
	struct mgo_informer *i2 = informer("default", "app=w2", &s2);
	struct mgo_informer *i3 = informer(NULL, "app in (w1,w2)", &s3);
	cr_assert(run_until_n(&s1.synced, 1));
	cr_assert(run_until_n(&s2.synced, 1));
	cr_assert(run_until_n(&s3.synced, 1));
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		cm = configmap(name, i % 2 ? "w2" : "w1");
		cr_assert_eq(mgo_kube_create(L.client, &cms, "default", cm, 0, on_many, &m, NULL), 0);
		json_decref(cm);
		cr_assert_eq(mgo_kube_get(L.client, &cms, "default", "absent", on_many, &m, NULL), 0);
	}
	cr_assert(run_until_n(&m.done, 120));
	cr_assert_eq(m.failed, 60, "the 60 gets of a missing object fail, the creates do not: "
		     "%d failed, last %s", m.failed, m.last);
	cr_assert(run_until_n(&s1.events, 30));
	cr_assert(run_until_n(&s2.events, 30));
	cr_assert(run_until_n(&s3.events, 60));
	const struct mgo_kube_stats *st = mgo_kube_client_stats(L.client);
	cr_assert_eq(mgo_kube_stats_count(st, MGO_KUBE_CREATE, 201), 60);
	cr_assert_eq(mgo_kube_stats_count(st, MGO_KUBE_GET, 404), 60);
	mgo_informer_free(i1);
	mgo_informer_free(i2);
	mgo_informer_free(i3);
}

/* ---- objects too large to read (docs/design.md, "Objects too large to read") ---- */

static void create_fat(struct mgo_kube_client *c, const char *name, size_t bytes)
{
	struct outcome o = {0};
	char *fill = malloc(bytes + 1);

	cr_assert_not_null(fill);
	memset(fill, 'x', bytes);
	fill[bytes] = '\0';
	json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "apiVersion", "v1",
			       "kind", "ConfigMap", "metadata", "name", name, "labels", "app",
			       "fat", "data", "k", fill);
	cr_assert_not_null(cm);
	wait_for(mgo_kube_create(c, &cms, "default", cm, 0, on_done, &o, NULL), &o);
	cr_assert_eq(o.http, 201, "create %s: %ld %s", name, o.http, o.err.message);
	json_decref(cm);
	free(fill);
	outcome_free(&o);
}

static void on_too_large(void *ctx, const json_t *obj, size_t bytes)
{
	struct seen *s = ctx;
	size_t len = strlen(s->log);

	cr_assert_gt(bytes, 100u << 10);
	snprintf(s->log + len, sizeof(s->log) - len, "TOO_LARGE %s;", meta_str(obj, "name"));
	s->events++;
}

/* A client whose body cap (64 KiB) a page of these objects exceeds, and an
 * informer that reads objects up to 100 KiB and watch events up to
 * 150 KiB: pages are asked for smaller down to one object (one over the
 * cap is read with max_object_body), the object over the bound is named
 * and not delivered, an event too long to read makes it list again, and
 * the watch goes on. */
Test(kube_apiserver, informer_reads_past_pages_and_objects_over_the_caps)
{
	struct mgo_kube_client_opts small = quick;
	struct mgo_kube_client *c;
	struct mgo_informer *inf;
	struct mgo_informer_stats st;
	struct seen s = {0};
	char name[16], err[512];

	small.max_body = 64u << 10;
	small.max_object_body = 1u << 20;
	cr_assert_eq(mgo_kube_client_new(L.loop, &L.creds, &small, &c, err, sizeof(err)), 0,
		     "%s", err);
	create_fat(c, "big", 200u << 10);       /* over the bound and the cap */
	create_fat(c, "mid", 80u << 10);        /* over the cap only */
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		create_fat(c, name, 20u << 10); /* eight of them are over the cap */
	}
	const struct mgo_informer_opts o = {.res = &cms, .ns = "default",
					    .label_selector = "app=fat",
					    .max_object = 100u << 10, .max_line = 150u << 10,
					    .backoff_base_ms = 100, .backoff_cap_ms = 200,
					    .on_event = on_event, .on_too_large = on_too_large,
					    .on_synced = on_synced, .ctx = &s};
	cr_assert_eq(mgo_informer_new(c, &o, &inf), 0);
	cr_assert_eq(mgo_informer_start(inf), 0);
	cr_assert(run_until_n(&s.synced, 1), "never synced: %s", s.log);
	cr_assert_str_eq(s.log, "TOO_LARGE big;ADDED mid;ADDED s0;ADDED s1;ADDED s2;ADDED s3;"
				"ADDED s4;ADDED s5;ADDED s6;ADDED s7;");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.too_large, 1);
	cr_assert_eq(st.errors, 0, "no page failed");
	cr_assert_eq(st.lists, 1);
	cr_assert_eq(st.objects, 10, "the one too large is known, not delivered");

	/* its next version's event is too long to read: dropped, listed
	 * again, named again; later events still come */
	s.log[0] = '\0';
	s.events = 0;
	create_fat(c, "big2", 160u << 10);
	create_fat(c, "t", 10);
	cr_assert(run_until_n(&s.events, 2), "%s", s.log);
	cr_assert_str_eq(s.log, "TOO_LARGE big2;ADDED t;");
	mgo_informer_get_stats(inf, &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(st.relists, 1);
	cr_assert_eq(st.too_large, 2);
	cr_assert_eq(st.errors, 0);
	mgo_informer_free(inf);
	mgo_kube_client_free(c);
}

/* The API semantics clients rely on: optimistic concurrency, generation,
 * finalizers and garbage collection, watch framing, bookmarks and 410,
 * pagination, Status bodies. Over HTTPS as a client sees them. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

static struct testenv env;

static void setup(void)
{
	struct testenv_opts o = {.bookmark_interval_ms = 100};

	testenv_start(&env, &o);
}

static void teardown(void)
{
	testenv_stop(&env);
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 120);

/* One admin request; fails the test unless the code is want. Returns the
 * body as JSON (caller decrefs). */
static json_t *req(const char *method, const char *path, const char *ct, const char *body,
		   long want)
{
	struct testenv_resp r;
	json_t *j;

	testenv_request(&env, env.admin_token, method, path, ct, body, &r);
	cr_assert_eq(r.code, want, "%s %s: %ld, want %ld: %s", method, path, r.code, want, r.body);
	j = json_incref(r.json);
	testenv_resp_free(&r);
	return j;
}

static const char *str_at(const json_t *j, const char *path)
{
	char buf[256], *save = NULL, *k;
	const json_t *cur = j;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, k);
	return json_string_value(cur);
}

static long long int_at(const json_t *j, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(j, a), b));
}

#define CM "/api/v1/namespaces/default/configmaps"
#define MG "/apis/operator.openshift.io/v1alpha1/namespaces/default/mustgathers"
#define MERGE "application/merge-patch+json"

static void install_crd(void)
{
	json_decref(req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", NULL,
			"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":"
			"\"CustomResourceDefinition\",\"metadata\":{\"name\":"
			"\"mustgathers.operator.openshift.io\"},\"spec\":{\"group\":"
			"\"operator.openshift.io\",\"scope\":\"Namespaced\",\"names\":{\"kind\":"
			"\"MustGather\",\"plural\":\"mustgathers\"},\"versions\":[{\"name\":"
			"\"v1alpha1\",\"served\":true,\"storage\":true,\"subresources\":{\"status\":"
			"{}},\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\",\"properties\":{"
			"\"spec\":{\"type\":\"object\",\"properties\":{\"image\":{\"type\":"
			"\"string\"}},\"required\":[\"image\"]},\"status\":{\"type\":\"object\","
			"\"x-kubernetes-preserve-unknown-fields\":true}}}}}]}}",
			201));
}

/* ConfigMaps prefix-0 .. prefix-(n-1). */
static void configmaps(const char *prefix, int n)
{
	char b[128];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(b, sizeof(b), "{\"metadata\":{\"name\":\"%s-%d\"}}", prefix, i);
		json_decref(req("POST", CM, NULL, b, 201));
	}
}

static void status_is(const json_t *st, long code, const char *reason, const char *message)
{
	cr_assert_str_eq(str_at(st, "kind"), "Status");
	cr_assert_str_eq(str_at(st, "status"), "Failure");
	cr_assert_eq(json_integer_value(json_object_get(st, "code")), code);
	cr_assert_str_eq(str_at(st, "reason"), reason);
	if (message)
		cr_assert_str_eq(str_at(st, "message"), message);
}

Test(api, stale_update_is_a_409_conflict)
{
	json_t *a = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"1\"}}", 201);
	json_t *st;
	char *stale;

	json_object_set_new(json_object_get(a, "data"), "k", json_string("2"));
	stale = json_dumps(a, 0);
	json_decref(req("PUT", CM "/c", NULL, stale, 200));
	/* the same resourceVersion again is now stale */
	st = req("PUT", CM "/c", NULL, stale, 409);
	status_is(st, 409, "Conflict",
		  "Operation cannot be fulfilled on configmaps \"c\": the object has been "
		  "modified; please apply your changes to the latest version and try again");
	cr_assert_str_eq(str_at(st, "details.name"), "c");
	cr_assert_str_eq(str_at(st, "details.kind"), "configmaps");
	json_decref(st);
	free(stale);
	json_decref(a);
}

Test(api, generation_counts_spec_changes_only)
{
	json_t *o;

	install_crd();
	o = req("POST", MG, NULL, "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":"
		"\"MustGather\",\"metadata\":{\"name\":\"m\"},\"spec\":{\"image\":\"a\"},"
		"\"status\":{\"x\":1}}", 201);
	cr_assert_eq(int_at(o, "metadata", "generation"), 1);
	cr_assert_null(json_object_get(o, "status"), "create drops status under a subresource");
	json_decref(o);
	o = req("PATCH", MG "/m", MERGE, "{\"metadata\":{\"labels\":{\"l\":\"v\"}}}", 200);
	cr_assert_eq(int_at(o, "metadata", "generation"), 1, "metadata is not spec");
	json_decref(o);
	o = req("PATCH", MG "/m/status", MERGE, "{\"status\":{\"phase\":\"Done\"},\"spec\":{\"image\":\"z\"}}", 200);
	cr_assert_eq(int_at(o, "metadata", "generation"), 1, "status is not spec");
	cr_assert_str_eq(str_at(o, "spec.image"), "a", "/status ignores spec");
	cr_assert_str_eq(str_at(o, "status.phase"), "Done");
	json_decref(o);
	o = req("PATCH", MG "/m", MERGE, "{\"spec\":{\"image\":\"b\"}}", 200);
	cr_assert_eq(int_at(o, "metadata", "generation"), 2);
	json_decref(o);
	/* an update that changes nothing writes nothing */
	{
		json_t *before = req("GET", MG "/m", NULL, NULL, 200);
		json_t *after = req("PATCH", MG "/m", MERGE, "{\"spec\":{\"image\":\"b\"}}", 200);
		cr_assert_str_eq(str_at(before, "metadata.resourceVersion"),
				 str_at(after, "metadata.resourceVersion"));
		json_decref(before);
		json_decref(after);
	}
}

Test(api, custom_resources_are_checked_against_their_schema)
{
	json_t *st;

	install_crd();
	st = req("POST", MG, NULL, "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":"
		 "\"MustGather\",\"metadata\":{\"name\":\"bad\"},\"spec\":{}}", 422);
	status_is(st, 422, "Invalid",
		  "MustGather.operator.openshift.io \"bad\" is invalid: spec.image: Required value");
	cr_assert_str_eq(str_at(json_array_get(json_object_get(json_object_get(st, "details"),
							       "causes"), 0), "reason"),
			 "FieldValueRequired");
	json_decref(st);
	st = req("POST", MG "?fieldValidation=Strict", NULL,
		 "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
		 "\"metadata\":{\"name\":\"x\"},\"spec\":{\"image\":\"i\",\"bogus\":1}}", 400);
	status_is(st, 400, "BadRequest",
		  "MustGather in version \"v1alpha1\" cannot be handled as a MustGather: strict "
		  "decoding error: unknown field \"spec.bogus\"");
	json_decref(st);
	st = req("PATCH", MG "/x", "application/strategic-merge-patch+json", "{}", 404);
	json_decref(st);
	json_decref(req("POST", MG, NULL, "{\"apiVersion\":\"operator.openshift.io/v1alpha1\","
			"\"kind\":\"MustGather\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"image\":"
			"\"i\"}}", 201));
	st = req("PATCH", MG "/x", "application/strategic-merge-patch+json", "{}", 415);
	status_is(st, 415, "UnsupportedMediaType", NULL);
	json_decref(st);
}

Test(api, creates_check_names_namespaces_and_duplicates)
{
	json_t *st, *o;

	st = req("POST", "/api/v1/namespaces/nope/configmaps", NULL, "{\"metadata\":{\"name\":\"c\"}}", 404);
	status_is(st, 404, "NotFound", "namespaces \"nope\" not found");
	json_decref(st);
	json_decref(req("POST", CM, NULL, "{\"metadata\":{\"name\":\"dup\"}}", 201));
	st = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"dup\"}}", 409);
	status_is(st, 409, "AlreadyExists", "configmaps \"dup\" already exists");
	json_decref(st);
	st = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"Bad_Name\"}}", 422);
	status_is(st, 422, "Invalid", NULL);
	cr_assert(strstr(str_at(st, "message"), "metadata.name: Invalid value: \"Bad_Name\": a "
				       "lowercase RFC 1123 subdomain"), "%s", str_at(st, "message"));
	json_decref(st);
	o = req("POST", CM, NULL, "{\"metadata\":{\"generateName\":\"gen-\"}}", 201);
	cr_assert(strncmp(str_at(o, "metadata.name"), "gen-", 4) == 0 &&
		  strlen(str_at(o, "metadata.name")) == 9, "%s", str_at(o, "metadata.name"));
	json_decref(o);
	st = req("GET", CM "/missing", NULL, NULL, 404);
	status_is(st, 404, "NotFound", "configmaps \"missing\" not found");
	json_decref(st);
	st = req("GET", "/apis/batch/v1/namespaces/default/jobs/missing", NULL, NULL, 404);
	status_is(st, 404, "NotFound", "jobs.batch \"missing\" not found");
	json_decref(st);
}

Test(api, finalizers_hold_a_deleted_object)
{
	json_t *o;

	json_decref(req("POST", CM, NULL, "{\"metadata\":{\"name\":\"f\",\"finalizers\":[\"x.io/a\"]}}", 201));
	o = req("DELETE", CM "/f", NULL, NULL, 200);
	cr_assert_not_null(str_at(o, "metadata.deletionTimestamp"), "the object comes back marked");
	json_decref(o);
	o = req("GET", CM "/f", NULL, NULL, 200);
	cr_assert_not_null(str_at(o, "metadata.deletionTimestamp"));
	json_decref(o);
	o = req("PATCH", CM "/f", MERGE, "{\"metadata\":{\"finalizers\":[\"x.io/a\",\"x.io/new\"]}}", 422);
	json_decref(o);
	json_decref(req("PATCH", CM "/f", MERGE, "{\"metadata\":{\"finalizers\":null}}", 200));
	json_decref(req("GET", CM "/f", NULL, NULL, 404));
}

Test(api, delete_preconditions)
{
	json_t *o = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"p\"}}", 201), *st;

	st = req("DELETE", CM "/p", NULL, "{\"preconditions\":{\"uid\":\"not-it\"}}", 409);
	cr_assert(strstr(str_at(st, "message"), "Precondition failed: UID in precondition: not-it"),
		  "%s", str_at(st, "message"));
	json_decref(st);
	st = req("DELETE", CM "/p", NULL, "{\"preconditions\":{\"resourceVersion\":\"1\"}}", 409);
	json_decref(st);
	st = req("DELETE", CM "/p", NULL, "{\"propagationPolicy\":\"Sometimes\"}", 422);
	json_decref(st);
	{
		char body[256];
		snprintf(body, sizeof(body), "{\"preconditions\":{\"uid\":\"%s\"}}",
			 str_at(o, "metadata.uid"));
		st = req("DELETE", CM "/p", NULL, body, 200);
		cr_assert_str_eq(str_at(st, "status"), "Success");
		json_decref(st);
	}
	json_decref(o);
}

static char *owner_ref(const json_t *owner, const char *kind, bool block)
{
	char *s = NULL;

	cr_assert(asprintf(&s, "{\"apiVersion\":\"v1\",\"kind\":\"%s\",\"name\":\"%s\",\"uid\":"
			   "\"%s\",\"blockOwnerDeletion\":%s}",
			   kind, str_at(owner, "metadata.name"), str_at(owner, "metadata.uid"),
			   block ? "true" : "false") > 0);
	return s;
}

static json_t *dependent(const char *name, const char *ref, const char *finalizers)
{
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"%s\",\"ownerReferences\":[%s]%s%s}}", name, ref,
		 finalizers ? ",\"finalizers\":" : "", finalizers ? finalizers : "");
	return req("POST", "/api/v1/namespaces/default/secrets", NULL, body, 201);
}

Test(api, garbage_collection_background_foreground_orphan)
{
	json_t *owner, *o;
	char *ref;

	/* background: the dependent goes after its owner */
	owner = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"bg\"}}", 201);
	ref = owner_ref(owner, "ConfigMap", false);
	json_decref(dependent("bg-dep", ref, NULL));
	json_decref(req("DELETE", CM "/bg", NULL, "{\"propagationPolicy\":\"Background\"}", 200));
	json_decref(req("GET", "/api/v1/namespaces/default/secrets/bg-dep", NULL, NULL, 404));
	free(ref);
	json_decref(owner);

	/* foreground: the owner waits, marked, for its blocking dependents */
	owner = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"fg\"}}", 201);
	ref = owner_ref(owner, "ConfigMap", true);
	json_decref(dependent("fg-dep", ref, "[\"x.io/hold\"]"));
	o = req("DELETE", CM "/fg", NULL, "{\"propagationPolicy\":\"Foreground\"}", 200);
	json_decref(o);
	o = req("GET", CM "/fg", NULL, NULL, 200);
	cr_assert_not_null(str_at(o, "metadata.deletionTimestamp"));
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(o, "metadata"), "finalizers"), 0)),
			 "foregroundDeletion");
	json_decref(o);
	o = req("GET", "/api/v1/namespaces/default/secrets/fg-dep", NULL, NULL, 200);
	cr_assert_not_null(str_at(o, "metadata.deletionTimestamp"), "the dependent is being deleted");
	json_decref(o);
	json_decref(req("PATCH", "/api/v1/namespaces/default/secrets/fg-dep", MERGE,
			"{\"metadata\":{\"finalizers\":null}}", 200));
	json_decref(req("GET", CM "/fg", NULL, NULL, 404));
	free(ref);
	json_decref(owner);

	/* orphan: the dependent stays and loses its owner reference */
	owner = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"or\"}}", 201);
	ref = owner_ref(owner, "ConfigMap", false);
	json_decref(dependent("or-dep", ref, NULL));
	json_decref(req("DELETE", CM "/or", NULL, "{\"propagationPolicy\":\"Orphan\"}", 200));
	json_decref(req("GET", CM "/or", NULL, NULL, 404));
	o = req("GET", "/api/v1/namespaces/default/secrets/or-dep", NULL, NULL, 200);
	cr_assert_null(json_object_get(json_object_get(o, "metadata"), "ownerReferences"));
	json_decref(o);
	free(ref);
	json_decref(owner);

	/* a dependent whose owner never existed is collected */
	json_decref(dependent("stray", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":"
			      "\"ghost\",\"uid\":\"00000000-0000-4000-8000-000000000000\"}", NULL));
	json_decref(req("GET", "/api/v1/namespaces/default/secrets/stray", NULL, NULL, 404));
}

Test(api, deleting_a_job_orphans_its_pods_by_default_with_a_warning)
{
	struct testenv_resp r;
	char warning[512];

	json_decref(req("POST", "/apis/batch/v1/namespaces/default/jobs", NULL,
			"{\"metadata\":{\"name\":\"j\"},\"spec\":{\"template\":{\"spec\":{"
			"\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":"
			"\"busybox\"}]}}}}", 201));
	testenv_request(&env, env.admin_token, "DELETE", "/apis/batch/v1/namespaces/default/jobs/j",
			NULL, NULL, &r);
	cr_assert_eq(r.code, 200, "%s", r.body);
	cr_assert(testenv_header(&r, "Warning", warning, sizeof(warning)), "%s", r.headers);
	cr_assert(strstr(warning, "child pods are preserved by default when jobs are deleted"),
		  "%s", warning);
	testenv_resp_free(&r);
}

/* A watch read until the server ends it (timeoutSeconds). */
static char *watch(const char *path)
{
	struct testenv_resp r;
	char *body;

	testenv_request(&env, env.admin_token, "GET", path, NULL, NULL, &r);
	cr_assert_eq(r.code, 200, "%s", r.body);
	body = strdup(r.body);
	testenv_resp_free(&r);
	return body;
}

Test(api, watch_streams_events_from_a_resource_version)
{
	json_t *a = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"w1\"}}", 201);
	char path[256], *body, *line, *save = NULL;
	int n = 0;

	json_decref(req("PATCH", CM "/w1", MERGE, "{\"data\":{\"k\":\"v\"}}", 200));
	json_decref(req("DELETE", CM "/w1", NULL, NULL, 200));
	snprintf(path, sizeof(path), CM "?watch=1&timeoutSeconds=1&resourceVersion=%s",
		 str_at(a, "metadata.resourceVersion"));
	body = watch(path);
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *ev = json_loads(line, 0, NULL);
		cr_assert_not_null(ev, "each line is one JSON event: %s", line);
		cr_assert_str_eq(str_at(ev, "type"), n == 0 ? "MODIFIED" : "DELETED", "%s", line);
		cr_assert_str_eq(str_at(ev, "object.kind"), "ConfigMap");
		cr_assert_str_eq(str_at(ev, "object.metadata.name"), "w1");
		json_decref(ev);
		n++;
	}
	cr_assert_eq(n, 2);
	free(body);
	json_decref(a);

	/* no resourceVersion: the current objects first, as ADDED */
	body = watch(CM "?watch=true&timeoutSeconds=1&labelSelector=none%3Dsuch");
	cr_assert_str_eq(body, "");
	free(body);
}

Test(api, bookmarks_carry_only_a_resource_version)
{
	char *body = watch(CM "?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=1000");
	json_t *ev;
	char *nl = strchr(body, '\n');

	cr_assert_not_null(nl, "no event within the timeout: %s", body);
	*nl = '\0';
	ev = json_loads(body, 0, NULL);
	cr_assert_str_eq(str_at(ev, "type"), "BOOKMARK", "%s", body);
	cr_assert_str_eq(str_at(ev, "object.kind"), "ConfigMap");
	cr_assert_not_null(str_at(ev, "object.metadata.resourceVersion"));
	cr_assert_null(str_at(ev, "object.metadata.name"));
	json_decref(ev);
	free(body);
}

Test(api, compaction_makes_old_versions_410)
{
	json_t *a = req("POST", CM, NULL, "{\"metadata\":{\"name\":\"c1\"}}", 201), *ev, *st, *page;
	char path[512], *body;

	configmaps("more", 4);
	page = req("GET", CM "?limit=2", NULL, NULL, 200);
	cr_assert_not_null(str_at(page, "metadata.continue"));
	cr_assert_eq(int_at(page, "metadata", "remainingItemCount"), 3);
	/* compaction forgets what came before the current version */
	json_decref(req("POST", CM, NULL, "{\"metadata\":{\"name\":\"later\"}}", 201));
	json_decref(req("POST", "/mgo-test/compact", NULL, "", 200));

	snprintf(path, sizeof(path), CM "?watch=1&timeoutSeconds=5&resourceVersion=%s",
		 str_at(a, "metadata.resourceVersion"));
	body = watch(path);
	ev = json_loads(body, JSON_DISABLE_EOF_CHECK, NULL);
	cr_assert_str_eq(str_at(ev, "type"), "ERROR", "%s", body);
	st = json_object_get(ev, "object");
	status_is(st, 410, "Expired", NULL);
	cr_assert(strstr(str_at(st, "message"), "too old resource version"), "%s", body);
	json_decref(ev);
	free(body);

	snprintf(path, sizeof(path), CM "?limit=2&continue=%s", str_at(page, "metadata.continue"));
	st = req("GET", path, NULL, NULL, 410);
	status_is(st, 410, "Expired", NULL);
	cr_assert_not_null(str_at(st, "metadata.continue"),
			   "the 410 offers an inconsistent continuation");
	json_decref(st);
	json_decref(page);
	json_decref(a);
}

Test(api, continue_pages_are_a_consistent_snapshot)
{
	json_t *page, *rest;
	char path[512];

	configmaps("p", 4);
	page = req("GET", CM "?limit=2", NULL, NULL, 200);
	/* a change after the first page is not seen by the rest of the list */
	json_decref(req("DELETE", CM "/p-3", NULL, NULL, 200));
	json_decref(req("POST", CM, NULL, "{\"metadata\":{\"name\":\"p-4\"}}", 201));
	snprintf(path, sizeof(path), CM "?limit=10&continue=%s", str_at(page, "metadata.continue"));
	rest = req("GET", path, NULL, NULL, 200);
	cr_assert_eq(json_array_size(json_object_get(rest, "items")), 2);
	cr_assert_str_eq(str_at(json_array_get(json_object_get(rest, "items"), 1), "metadata.name"), "p-3");
	cr_assert_str_eq(str_at(rest, "metadata.resourceVersion"), str_at(page, "metadata.resourceVersion"));
	cr_assert_null(str_at(rest, "metadata.continue"));
	json_decref(rest);
	json_decref(page);
}

Test(api, field_selectors_and_json_patch)
{
	json_t *l, *o;

	json_decref(req("POST", CM, NULL, "{\"metadata\":{\"name\":\"fs-a\"}}", 201));
	json_decref(req("POST", CM, NULL, "{\"metadata\":{\"name\":\"fs-b\"}}", 201));
	l = req("GET", CM "?fieldSelector=metadata.name%3Dfs-b", NULL, NULL, 200);
	cr_assert_eq(json_array_size(json_object_get(l, "items")), 1);
	cr_assert_str_eq(str_at(l, "kind"), "ConfigMapList");
	json_decref(l);
	l = req("GET", CM "?fieldSelector=spec.bogus%3Dx", NULL, NULL, 400);
	status_is(l, 400, "BadRequest", NULL);
	json_decref(l);
	o = req("PATCH", CM "/fs-a", "application/json-patch+json",
		"[{\"op\":\"add\",\"path\":\"/data\",\"value\":{\"a\":\"1\"}},"
		"{\"op\":\"test\",\"path\":\"/data/a\",\"value\":\"1\"}]", 200);
	cr_assert_str_eq(str_at(o, "data.a"), "1");
	json_decref(o);
	o = req("PATCH", CM "/fs-a", "application/json-patch+json",
		"[{\"op\":\"test\",\"path\":\"/data/a\",\"value\":\"2\"}]", 422);
	json_decref(o);
}

Test(api, immutable_data_and_job_templates)
{
	json_t *st;

	json_decref(req("POST", "/api/v1/namespaces/default/secrets", NULL,
			"{\"metadata\":{\"name\":\"frozen\"},\"immutable\":true,"
			"\"stringData\":{\"k\":\"v\"}}", 201));
	/* metadata may change; data may not */
	json_decref(req("PATCH", "/api/v1/namespaces/default/secrets/frozen", MERGE,
			"{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", 200));
	st = req("PATCH", "/api/v1/namespaces/default/secrets/frozen", MERGE,
		 "{\"data\":{\"k\":\"eHg=\"}}", 422);
	status_is(st, 422, "Invalid", NULL);
	cr_assert(strstr(str_at(st, "message"), "data: Forbidden: field is immutable when `immutable` is set"),
		  "%s", str_at(st, "message"));
	json_decref(st);

	json_decref(req("POST", "/apis/batch/v1/namespaces/default/jobs", NULL,
			"{\"metadata\":{\"name\":\"t\"},\"spec\":{\"template\":{\"spec\":{"
			"\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":"
			"\"busybox\"}]}}}}", 201));
	json_decref(req("PATCH", "/apis/batch/v1/namespaces/default/jobs/t", MERGE,
			"{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", 200));
	st = req("PATCH", "/apis/batch/v1/namespaces/default/jobs/t", MERGE,
		 "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"other\"}]}}}}",
		 422);
	cr_assert(strstr(str_at(st, "message"), "spec.template"), "%s", str_at(st, "message"));
	json_decref(st);
}

Test(api, events_are_served_in_both_api_groups)
{
	json_t *e, *l;

	json_decref(req("POST", "/apis/events.k8s.io/v1/namespaces/default/events", NULL,
			"{\"metadata\":{\"name\":\"ev1\"},\"eventTime\":\"2026-01-02T03:04:05.000000Z\","
			"\"reportingController\":\"mgo\",\"reportingInstance\":\"mgo-1\",\"action\":"
			"\"Launch\",\"reason\":\"Launched\",\"type\":\"Normal\",\"note\":\"started\","
			"\"regarding\":{\"kind\":\"MustGather\",\"name\":\"m\",\"namespace\":\"default\"}}",
			201));
	e = req("GET", "/api/v1/namespaces/default/events/ev1", NULL, NULL, 200);
	cr_assert_str_eq(str_at(e, "message"), "started");
	cr_assert_str_eq(str_at(e, "involvedObject.name"), "m");
	cr_assert_str_eq(str_at(e, "reportingComponent"), "mgo");
	json_decref(e);
	l = req("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dm%2Creason%3DLaunched",
		NULL, NULL, 200);
	cr_assert_eq(json_array_size(json_object_get(l, "items")), 1);
	json_decref(l);
	e = req("POST", "/apis/events.k8s.io/v1/namespaces/default/events", NULL,
		"{\"metadata\":{\"name\":\"ev2\"},\"reason\":\"R\"}", 422);
	cr_assert(strstr(str_at(e, "message"), "eventTime: Required value"), "%s", str_at(e, "message"));
	json_decref(e);
}

Test(api, send_initial_events_ends_with_a_marked_bookmark)
{
	char *body, *last;
	json_t *ev;

	configmaps("init", 2);
	body = watch(CM "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
		     "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1");
	cr_assert(strstr(body, "\"ADDED\"") && strstr(body, "init-0") && strstr(body, "init-1"),
		  "%s", body);
	last = strstr(body, "{\"type\":\"BOOKMARK\"");
	cr_assert_not_null(last, "%s", body);
	ev = json_loads(last, JSON_DISABLE_EOF_CHECK, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(json_object_get(json_object_get(ev, "object"), "metadata"),
						 "annotations"),
				 "k8s.io/initial-events-end")),
			 "true", "%s", last);
	json_decref(ev);
	free(body);
}

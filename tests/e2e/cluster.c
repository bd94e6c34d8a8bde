#include "cluster.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgo/kubecreds.h"
#include "mgo/loop.h"
#include "healthprobe.h"
#include "operator.h"
#include "leadership.h"
#include "spawn.h"

struct cluster cl;

static const char *const proc_name[CL_NPROCS] = {
	[CL_LAUNCHER] = "launcher", [CL_VALIDATOR] = "validator", [CL_WATCHER] = "watcher",
	[CL_HEALTH] = "health", [CL_TOKENS] = "tokens"};
static const char *const proc_bin[CL_NPROCS] = {
	[CL_LAUNCHER] = MGO_LAUNCHER_BIN, [CL_VALIDATOR] = MGO_VALIDATOR_BIN,
	[CL_WATCHER] = MGO_WATCHER_BIN, [CL_HEALTH] = MGO_HEALTH_BIN,
	[CL_TOKENS] = MGO_TOKENS_BIN};

/* The supervisor's children in this cluster: mgo-tokens (last) only when
 * the roles' tokens are minted. */
static int nprocs(const struct cluster *c)
{
	return c->minted ? CL_NPROCS : CL_TOKENS;
}

#define POD_TOKEN "e2e-pod-token-0123456789"
#define POD_SA "system:serviceaccount:" CL_OPERATOR_NS ":must-gather-operator"
#define WATCHER_TOKEN "e2e-watcher-token-0123456789"
#define LAUNCHER_TOKEN "e2e-launcher-token-0123456789"
#define SA_GROUPS "\"system:serviceaccounts,system:serviceaccounts:" CL_OPERATOR_NS \
		  ",system:authenticated\""

/* Polling an HTTP endpoint or a log file has no fd to block on; this pause
 * between looks, bounded by each caller's deadline, is the wait. */
static void pause_poll(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static uint64_t deadline(const struct cluster *c)
{
	return mgo_now_ms() + (uint64_t)CL_WAIT_MS * (uint64_t)(c->slow > 0 ? c->slow : 1);
}

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* ---- JSON conveniences ---- */

json_t *cl_at(const json_t *obj, const char *dotted)
{
	char key[128];
	const char *p = dotted;

	while (obj && *p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		p += n + (p[n] == '.');
	}
	return (json_t *)obj;
}

const char *cl_str(const json_t *obj, const char *dotted)
{
	return json_string_value(cl_at(obj, dotted));
}

json_t *cl_find(const json_t *list, const char *key, const char *value)
{
	json_t *one;
	size_t i;

	json_array_foreach(list, i, one) {
		const char *v = cl_str(one, key);
		if (v && strcmp(v, value) == 0)
			return one;
	}
	return NULL;
}

json_t *cl_container(const json_t *job, const char *name)
{
	json_t *c = cl_find(cl_at(job, "spec.template.spec.initContainers"), "name", name);

	return c ? c : cl_find(cl_at(job, "spec.template.spec.containers"), "name", name);
}

const char *cl_env(const json_t *container, const char *name)
{
	return cl_str(cl_find(cl_at(container, "env"), "name", name), "value");
}

const char *cl_uid(const json_t *obj)
{
	return cl_str(obj, "metadata.uid");
}

/* ---- paths ---- */

/* "NAME" in the test's namespace, or "NS/NAME" */
static void split(const struct cluster *c, const char *name, char ns[64], const char **base)
{
	const char *slash = name ? strchr(name, '/') : NULL;

	if (!slash) {
		snprintf(ns, 64, "%s", c->ns);
		*base = name;
		return;
	}
	snprintf(ns, 64, "%.*s", (int)(slash - name), name);
	*base = slash + 1;
}

static const char *path_of(const struct cluster *c, const char *prefix, const char *plural,
			   const char *name, char buf[512])
{
	char ns[64];
	const char *base;

	split(c, name, ns, &base);
	snprintf(buf, 512, "%s/namespaces/%s/%s%s%s", prefix, ns, plural, base ? "/" : "",
		 base ? base : "");
	return buf;
}

const char *cl_mg_path(const struct cluster *c, const char *name, char buf[512])
{
	return path_of(c, "/apis/operator.openshift.io/v1alpha1", "mustgathers", name, buf);
}

const char *cl_job_path(const struct cluster *c, const char *name, char buf[512])
{
	return path_of(c, "/apis/batch/v1", "jobs", name, buf);
}

const char *cl_pod_path(const struct cluster *c, const char *name, char buf[512])
{
	return path_of(c, "/api/v1", "pods", name, buf);
}

/* ---- the admin client ---- */

long cluster_api(const struct cluster *c, const char *method, const char *path,
		 const char *content_type, const json_t *body, json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	long code;

	cr_assert(!body || text, "cannot encode the body of %s %s", method, path);
	code = testenv_call(&c->env, c->env.admin_token[0] ? c->env.admin_token : NULL, method,
			    path, content_type, text, out);
	free(text);
	return code;
}

/* The body of a failed call, for the assertion message. */
static const char *why(const json_t *resp)
{
	const char *m = cl_str(resp, "message");
	return m ? m : "(no message)";
}

static json_t *get(const struct cluster *c, const char *path)
{
	json_t *obj = NULL;
	long code = cluster_api(c, "GET", path, NULL, NULL, &obj);

	if (code == 404) {
		json_decref(obj);
		return NULL;
	}
	cr_assert(code == 200, "GET %s: %ld %s", path, code, why(obj));
	return obj;
}

json_t *cluster_create(const struct cluster *c, const char *path, json_t *body)
{
	json_t *resp = NULL;
	long code;

	cr_assert_not_null(body, "no body to POST to %s", path);
	code = cluster_api(c, "POST", path, NULL, body, &resp);
	cr_assert(code == 201 || code == 200, "POST %s: %ld %s", path, code, why(resp));
	json_decref(body);
	return resp;
}

void cluster_create_pvc_unbound(const struct cluster *c, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/persistentvolumeclaims", c->ns);
	json_decref(cluster_create(
		c, path,
		json_pack("{s:s, s:s, s:{s:s}, s:{s:[s], s:{s:{s:s}}}}", "apiVersion", "v1", "kind",
			  "PersistentVolumeClaim", "metadata", "name", name, "spec", "accessModes",
			  "ReadWriteOnce", "resources", "requests", "storage", "1Gi")));
}

void cluster_create_pvc(const struct cluster *c, const char *name)
{
	cluster_create_pvc_unbound(c, name);
	cluster_pvc_phase(c, name, "Bound");
}

void cluster_delete(const struct cluster *c, const char *path)
{
	json_t *resp = NULL;
	long code = cluster_api(c, "DELETE", path, NULL, NULL, &resp);

	cr_assert(code == 200 || code == 202, "DELETE %s: %ld %s", path, code, why(resp));
	json_decref(resp);
}

static void merge_patch(const struct cluster *c, const char *path, json_t *patch)
{
	json_t *resp = NULL;
	long code = cluster_api(c, "PATCH", path, "application/merge-patch+json", patch, &resp);

	cr_assert(code == 200, "PATCH %s: %ld %s", path, code, why(resp));
	json_decref(patch);
	json_decref(resp);
}

static json_t *parse(const char *text, const char *what)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "%s is not JSON: %s (%s)", what, e.text, text);
	return j;
}

/* ---- kubectl ---- */

char *cluster_kubectl(const struct cluster *c, const char *const argv[])
{
	char *out = NULL;
	int code = -1;

	run_kubectl(&c->env, argv, &out, &code);
	cr_assert(code == 0, "kubectl %s %s exited %d:\n%s", argv[0], argv[1] ? argv[1] : "",
		  code, out);
	return out;
}

void cluster_describe_has(const struct cluster *c, const char *name, const char *needle)
{
	const char *argv[] = {"describe", "mg", name, "-n", c->ns, NULL};
	char *out = cluster_kubectl(c, argv);

	cr_log_info("kubectl describe mg %s:\n%s", name, out);
	cr_expect(strstr(out, needle), "no \"%s\" in:\n%s", needle, out);
	free(out);
}

/* ---- a MustGather's course ---- */

json_t *cluster_launch(const struct cluster *c, const char *name, const char *spec_json)
{
	json_decref(cluster_create_mg(c, name, spec_json));
	json_decref(cluster_wait_mg(c, name, "Running"));
	return cluster_wait_job(c, name);
}

char *cluster_expect_outcome(const struct cluster *c, const char *name, const char *state,
			     const char *reason, const char *event_type)
{
	json_t *mg = cluster_wait_mg(c, name, state), *ev;
	json_t *conds = cl_at(mg, "status.conditions");
	json_t *done = cl_find(conds, "type", state), *running = cl_find(conds, "type", "Running");
	char *msg;

	cr_expect(json_is_true(cl_at(mg, "status.completed")));
	cr_expect_str_eq(cl_str(mg, "status.reason"), reason);
	cr_assert_not_null(done, "no %s condition", state);
	cr_expect_str_eq(cl_str(done, "status"), "True");
	cr_expect_str_eq(cl_str(done, "reason"), reason);
	cr_assert_not_null(running, "no Running condition");
	cr_expect_str_eq(cl_str(running, "status"), "False");
	ev = cluster_wait_event(c, name, reason);
	cr_expect_str_eq(cl_str(ev, "type"), event_type);
	cr_expect_str_eq(cl_str(ev, "message"), cl_str(done, "message"));
	msg = strdup(cl_str(done, "message"));
	json_decref(ev);
	json_decref(mg);
	return msg;
}

char *cluster_fail_by_pod(const struct cluster *c, const char *name, const char *spec_json,
			  const char *pod_status, const char *job_reason, const char *reason,
			  bool lag)
{
	char path[512], pod[128], ns[64], *msg;
	const char *base;
	json_t *job = cluster_launch(c, name, spec_json);
	struct cl_audit_match fresh = {.user = CL_WATCHER_USER, .verb = "list",
				       .resource = "pods", .ns = ns};
	size_t reads = 0;

	split(c, name, ns, &base);
	if (lag) {
		/* the server holds the watch of pods: the watcher's view of
		 * them stays behind its view of Jobs until the test lets go */
		cluster_faults(c, "{\"hold\":true,\"match\":{\"verb\":\"watch\","
				  "\"resource\":\"pods\"}}");
		cluster_drop_watches(c);
		cluster_wait_held(c, 1);
		reads = cluster_audit_count(c, &fresh);
	}
	snprintf(pod, sizeof(pod), "%s-x1", name);
	json_decref(cluster_create_pod(c, pod, job, pod_status));
	if (job_reason)
		cluster_job_fail(c, name, job_reason);
	if (lag) {
		/* it read the pods anew and found its cache behind */
		cluster_wait_audit(c, &fresh, reads + 1);
		cluster_faults(c, "{}");
	}
	msg = cluster_expect_outcome(c, name, "Failed", reason, "Warning");
	/* nothing stuck or failed is left behind under a Failed MustGather */
	cluster_wait_gone(c, cl_job_path(c, name, path), "the Job");
	json_decref(job);
	return msg;
}

void cluster_refused_twice(const struct cluster *c, const char *name, const char *spec_json,
			   const char *crd_says, const char *we_say)
{
	char path[512];
	json_t *spec = json_loads(spec_json, 0, NULL), *out = NULL, *mg, *ev;
	json_t *body = json_pack("{s:s, s:s, s:{s:s}, s:o}", "apiVersion",
				 "operator.openshift.io/v1alpha1", "kind", "MustGather",
				 "metadata", "name", name, "spec", spec);
	long code = cluster_api(c, "POST", cl_mg_path(c, NULL, path), NULL, body, &out);
	const char *msg = cl_str(out, "message") ? cl_str(out, "message") : "";

	json_decref(body);
	if (code == 422) {
		cr_expect(strstr(msg, crd_says), "%s: %s", name, msg);
		json_decref(out);
		return;
	}
	cr_assert_eq(code, 201, "%s: HTTP %ld, %s", name, code, msg);
	cr_expect_not(c->external, "%s: a real API server evaluates the CEL rule", name);
	json_decref(out);
	mg = cluster_wait_mg(c, name, "Failed");
	cr_expect_str_eq(cl_str(mg, "status.reason"), "InvalidSpec");
	ev = cluster_wait_event(c, name, "InvalidSpec");
	cr_expect(strstr(cl_str(ev, "message"), we_say), "%s: %s", name, cl_str(ev, "message"));
	cr_expect_eq(cluster_api(c, "GET", cl_job_path(c, name, path), NULL, NULL, NULL), 404);
	json_decref(ev);
	json_decref(mg);
}

/* ---- diagnostics ---- */

static void dump_tail(const char *title, const char *path, size_t lines)
{
	char *text = path ? slurp(path) : NULL;
	const char *p;
	size_t n = 0;

	if (!text)
		return;
	for (p = text + strlen(text); p > text; p--)
		if (p[-1] == '\n' && ++n > lines)
			break;
	fprintf(stderr, "---- %s (%s), last lines ----\n%s\n", title, path, p);
	free(text);
}

void cluster_dump(const struct cluster *c)
{
	dump_tail("the operator", c->log, 60);
	if (!c->external)
		dump_tail("test API server", c->env.server_log, 10);
}

/* ---- waiting ---- */

/* Calls look(c, arg) until it returns an object or the deadline passes;
 * then fails the test with `what` and the last words of look's *last. */
typedef json_t *(*look_fn)(const struct cluster *c, const void *arg, char *last, size_t len);

static json_t *wait_until_ms(const struct cluster *c, look_fn look, const void *arg,
			     const char *what, uint64_t end)
{
	char last[1024] = "nothing yet";

	for (;;) {
		json_t *got = look(c, arg, last, sizeof(last));
		if (got)
			return got;
		if (mgo_now_ms() > end)
			break;
		pause_poll();
	}
	cluster_dump(c);
	cr_assert_fail("timed out waiting for %s; last seen: %s", what, last);
	return NULL;
}

static json_t *wait_until(const struct cluster *c, look_fn look, const void *arg,
			  const char *what)
{
	return wait_until_ms(c, look, arg, what, deadline(c));
}

static json_t *look_allowlist(const struct cluster *c, const void *arg, char *last, size_t len)
{
	json_int_t want = *(const json_int_t *)arg;
	json_t *mgi = get(c, CL_ALLOWLIST_PATH);
	json_int_t gen = json_integer_value(cl_at(mgi, "metadata.generation"));
	json_int_t seen = json_integer_value(cl_at(mgi, "status.observedGeneration"));
	json_int_t invalid = json_integer_value(cl_at(mgi, "status.invalidCount"));

	snprintf(last, len, "generation %lld, observedGeneration %lld, invalidCount %lld",
		 (long long)gen, (long long)seen, (long long)invalid);
	if (mgi && gen > 0 && seen == gen && invalid == want)
		return mgi;
	json_decref(mgi);
	return NULL;
}

json_t *cluster_wait_allowlist_status(const struct cluster *c, json_int_t invalid)
{
	return wait_until(c, look_allowlist, &invalid, "the allowlist's status");
}

struct mg_want {
	const char *name, *state;
	const char *reason;     /* instead of state: status.reason */
};

static json_t *look_mg(const struct cluster *c, const void *arg, char *last, size_t len)
{
	const struct mg_want *w = arg;
	char path[512];
	json_t *mg = get(c, cl_mg_path(c, w->name, path));
	const char *state = cl_str(mg, "status.status");
	const char *reason = cl_str(mg, "status.reason");

	if (!mg) {
		snprintf(last, len, "MustGather %s does not exist", w->name);
		return NULL;
	}
	if (w->reason ? reason && strcmp(reason, w->reason) == 0
		      : state && strcmp(state, w->state) == 0)
		return mg;
	char *status = json_dumps(cl_at(mg, "status"), JSON_COMPACT);
	snprintf(last, len, "status %s", status ? status : "(none)");
	free(status);
	/* a terminal state never changes again: no point waiting it out */
	if (state && (strcmp(state, "Completed") == 0 || strcmp(state, "Failed") == 0)) {
		cluster_dump(c);
		cr_assert_fail("MustGather %s became %s, not %s: %s", w->name, state, w->state,
			       last);
	}
	json_decref(mg);
	return NULL;
}

json_t *cluster_wait_mg(const struct cluster *c, const char *name, const char *state)
{
	struct mg_want w = {name, state, NULL};
	char what[256];

	snprintf(what, sizeof(what), "MustGather %s to be %s", name, state);
	return wait_until(c, look_mg, &w, what);
}

json_t *cluster_wait_mg_within(const struct cluster *c, const char *name, const char *state,
			       int ms)
{
	struct mg_want w = {name, state, NULL};
	char what[256];

	snprintf(what, sizeof(what), "MustGather %s to be %s within %d ms", name, state, ms);
	return wait_until_ms(c, look_mg, &w, what,
			     mgo_now_ms() + (uint64_t)ms * (uint64_t)(c->slow > 0 ? c->slow : 1));
}

json_t *cluster_wait_mg_reason(const struct cluster *c, const char *name, const char *reason,
			       int ms)
{
	struct mg_want w = {name, NULL, reason};
	char what[256];

	snprintf(what, sizeof(what), "MustGather %s to say %s", name, reason);
	if (!ms)
		return wait_until(c, look_mg, &w, what);
	return wait_until_ms(c, look_mg, &w, what,
			     mgo_now_ms() + (uint64_t)ms * (uint64_t)(c->slow > 0 ? c->slow : 1));
}

struct cond_want {
	const char *name, *type, *status, *reason;
};

static json_t *look_condition(const struct cluster *c, const void *arg, char *last, size_t len)
{
	const struct cond_want *w = arg;
	char path[512];
	json_t *mg = get(c, cl_mg_path(c, w->name, path));
	json_t *cond = cl_find(cl_at(mg, "status.conditions"), "type", w->type);
	char *text;

	if (cond && strcmp(cl_str(cond, "status") ? cl_str(cond, "status") : "", w->status) == 0 &&
	    strcmp(cl_str(cond, "reason") ? cl_str(cond, "reason") : "", w->reason) == 0)
		return mg;
	text = json_dumps(cl_at(mg, "status"), JSON_COMPACT);
	snprintf(last, len, "status %s", text ? text : "(none)");
	free(text);
	json_decref(mg);
	return NULL;
}

json_t *cluster_wait_mg_condition(const struct cluster *c, const char *name, const char *type,
				  const char *status, const char *reason)
{
	struct cond_want w = {name, type, status, reason};
	char what[256];

	snprintf(what, sizeof(what), "MustGather %s to say %s=%s (%s)", name, type, status, reason);
	return wait_until(c, look_condition, &w, what);
}

static json_t *look_exists(const struct cluster *c, const void *arg, char *last, size_t len)
{
	json_t *obj = get(c, arg);

	if (!obj)
		snprintf(last, len, "%s: not found", (const char *)arg);
	return obj;
}

json_t *cluster_wait_exists(const struct cluster *c, const char *path, const char *what)
{
	return wait_until(c, look_exists, path, what);
}

json_t *cluster_wait_job(const struct cluster *c, const char *name)
{
	char what[256], path[512];

	snprintf(what, sizeof(what), "Job %s/%s to exist", c->ns, name);
	return wait_until(c, look_exists, cl_job_path(c, name, path), what);
}

static json_t *look_jobs(const struct cluster *c, const void *arg, char *last, size_t len)
{
	size_t want = *(const size_t *)arg;
	char path[512];
	json_t *list = get(c, cl_job_path(c, NULL, path));
	size_t have = json_array_size(json_object_get(list, "items"));

	snprintf(last, len, "%zu Jobs", have);
	if (have >= want)
		return list;
	json_decref(list);
	return NULL;
}

json_t *cluster_wait_jobs(const struct cluster *c, size_t n, int timeout_ms)
{
	return wait_until_ms(c, look_jobs, &n, "the Jobs",
			     mgo_now_ms() + (uint64_t)timeout_ms * (uint64_t)c->slow);
}

static json_t *look_gone(const struct cluster *c, const void *arg, char *last, size_t len)
{
	json_t *obj = get(c, arg);

	if (!obj)
		return json_true(); /* a token object: "done" */
	snprintf(last, len, "still there (deletionTimestamp %s)",
		 cl_str(obj, "metadata.deletionTimestamp") ? cl_str(obj, "metadata.deletionTimestamp")
							   : "unset");
	json_decref(obj);
	return NULL;
}

void cluster_wait_gone(const struct cluster *c, const char *path, const char *what)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "%s (%s) to be gone", what, path);
	json_decref(wait_until(c, look_gone, path, msg));
}

json_t *cluster_events(const struct cluster *c, const char *mg_name)
{
	char path[512], ns[64];
	const char *base;
	json_t *list, *items;

	split(c, mg_name, ns, &base);
	snprintf(path, sizeof(path),
		 "/api/v1/namespaces/%s/events?fieldSelector=involvedObject.name%%3D%s", ns, base);
	list = get(c, path);
	cr_assert_not_null(list, "no events collection in %s", ns);
	items = json_incref(json_object_get(list, "items"));
	json_decref(list);
	cr_assert(json_is_array(items), "the event list has no items");
	return items;
}

struct event_want {
	const char *mg, *reason;
};

static json_t *look_event(const struct cluster *c, const void *arg, char *last, size_t len)
{
	const struct event_want *w = arg;
	json_t *items = cluster_events(c, w->mg);
	json_t *found = json_incref(cl_find(items, "reason", w->reason));

	snprintf(last, len, "%zu events about %s, none with reason %s", json_array_size(items),
		 w->mg, w->reason);
	json_decref(items);
	return found;
}

json_t *cluster_wait_event(const struct cluster *c, const char *mg_name, const char *reason)
{
	struct event_want w = {mg_name, reason};
	char what[256];

	snprintf(what, sizeof(what), "an Event %s about MustGather %s", reason, mg_name);
	return wait_until(c, look_event, &w, what);
}

struct act_want {
	char mg[128];
	const char *verdict;
};

/* An act the launcher received but did not carry out says so first. */
static bool carried_out(const char *result)
{
	return result && strncmp(result, "ignored", 7) != 0 && strncmp(result, "refused", 7) != 0 &&
	       strncmp(result, "dropped", 7) != 0;
}

static json_t *look_act(const struct cluster *c, const void *arg, char *last, size_t len)
{
	const struct act_want *w = arg;
	char *text = slurp(c->log), *save = NULL, *line;
	json_t *found = NULL;

	snprintf(last, len, "no act %s for %s in %s", w->verdict, w->mg, c->log);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *mg = cl_str(j, "mg"), *verdict = cl_str(j, "verdict");
		const char *result = cl_str(j, "result"), *event = cl_str(j, "event");
		const char *to = cl_str(j, "to");
		if (event && strcmp(event, "ipc") == 0 && to && strcmp(to, "launcher") == 0 && mg &&
		    strcmp(mg, w->mg) == 0 && verdict &&
		    strcmp(verdict, w->verdict) == 0 && carried_out(result))
			found = json_string(result);
		json_decref(j);
	}
	free(text);
	return found;
}

char *cluster_wait_act(const struct cluster *c, const char *mg_name, const char *verdict)
{
	struct act_want w = {.verdict = verdict};
	char ns[64], what[256], *result;
	const char *base;
	json_t *r;

	split(c, mg_name, ns, &base);
	snprintf(w.mg, sizeof(w.mg), "%s/%s", ns, base);
	snprintf(what, sizeof(what), "the launcher to carry out %s for %s", verdict, w.mg);
	r = wait_until(c, look_act, &w, what);
	result = strdup(json_string_value(r));
	json_decref(r);
	return result;
}

struct ipc_want {
	char mg[128];
	const char *to;
	size_t n;
};

static size_t count_ipc(const struct cluster *c, const struct ipc_want *w)
{
	char *text = slurp(c->log), *save = NULL, *line;
	size_t n = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *mg = cl_str(j, "mg"), *event = cl_str(j, "event"), *to = cl_str(j, "to");
		if (event && strcmp(event, "ipc") == 0 && to && strcmp(to, w->to) == 0 && mg &&
		    strcmp(mg, w->mg) == 0)
			n++;
		json_decref(j);
	}
	free(text);
	return n;
}

static json_t *look_ipc(const struct cluster *c, const void *arg, char *last, size_t len)
{
	const struct ipc_want *w = arg;
	size_t n = count_ipc(c, w);

	snprintf(last, len, "%zu of %zu messages to %s about %s in %s", n, w->n, w->to, w->mg,
		 c->log);
	return n >= w->n ? json_true() : NULL;
}

size_t cluster_ipc_count(const struct cluster *c, const char *mg_name, const char *to)
{
	struct ipc_want w = {.to = to};
	char ns[64];
	const char *base;

	split(c, mg_name, ns, &base);
	snprintf(w.mg, sizeof(w.mg), "%s/%s", ns, base);
	return count_ipc(c, &w);
}

void cluster_wait_ipc(const struct cluster *c, const char *mg_name, const char *to, size_t n)
{
	struct ipc_want w = {.to = to, .n = n};
	char ns[64], what[256];
	const char *base;

	split(c, mg_name, ns, &base);
	snprintf(w.mg, sizeof(w.mg), "%s/%s", ns, base);
	snprintf(what, sizeof(what), "%zu messages to the %s about %s", n, to, w.mg);
	json_decref(wait_until(c, look_ipc, &w, what));
}

json_t *cluster_log_events(const struct cluster *c, const char *event)
{
	return mgo_test_log_events(c->log, event, NULL);
}

struct log_want {
	const char *event;
	size_t n;
};

static json_t *look_log(const struct cluster *c, const void *arg, char *last, size_t len)
{
	const struct log_want *w = arg;
	json_t *lines = cluster_log_events(c, w->event);
	json_t *got = json_incref(json_array_get(lines, w->n - 1));

	snprintf(last, len, "%zu lines with event %s", json_array_size(lines), w->event);
	json_decref(lines);
	return got;
}

json_t *cluster_wait_log(const struct cluster *c, const char *event, size_t n)
{
	struct log_want w = {event, n};
	char what[256];

	cr_assert(n > 0);
	snprintf(what, sizeof(what), "%zu log lines with event %s", n, event);
	return wait_until(c, look_log, &w, what);
}

/* ---- objects ---- */

void cluster_set_allowlist(const struct cluster *c, const char *const images[])
{
	json_t *list, *resp = NULL;
	long code;

	if (!images) {
		code = cluster_api(c, "DELETE", CL_ALLOWLIST_PATH, NULL, NULL, &resp);
		cr_assert(code == 200 || code == 404, "DELETE the allowlist: %ld %s", code,
			  why(resp));
		json_decref(resp);
		cluster_wait_gone(c, CL_ALLOWLIST_PATH, "MustGatherImage/cluster");
		return;
	}
	list = json_array();
	cr_assert_not_null(list);
	for (size_t i = 0; images[i]; i++)
		cr_assert(json_array_append_new(list, json_string(images[i])) == 0);
	json_t *obj = json_pack("{s:s, s:s, s:{s:s}, s:{s:O}}", "apiVersion",
				"operator.openshift.io/v1alpha1", "kind", "MustGatherImage",
				"metadata", "name", "cluster", "spec", "images", list);
	cr_assert_not_null(obj);
	code = cluster_api(c, "POST", "/apis/operator.openshift.io/v1alpha1/mustgatherimages", NULL,
			   obj, &resp);
	json_decref(obj);
	if (code == 409) {
		/* it exists: an edit, the way an administrator's kubectl edit lands */
		merge_patch(c, CL_ALLOWLIST_PATH, json_pack("{s:{s:O}}", "spec", "images", list));
	} else {
		cr_assert(code == 201, "create the allowlist: %ld %s", code, why(resp));
	}
	json_decref(resp);
	json_decref(list);
}

json_t *cluster_create_mg(const struct cluster *c, const char *name, const char *spec_json)
{
	char path[512], ns[64];
	const char *base;
	json_t *spec = spec_json ? parse(spec_json, "the MustGather spec") : NULL, *out;

	split(c, name, ns, &base);
	snprintf(path, sizeof(path), "/apis/operator.openshift.io/v1alpha1/namespaces/%s/mustgathers",
		 ns);
	out = cluster_create(c, path,
			     json_pack("{s:s, s:s, s:{s:s, s:s}, s:o*}", "apiVersion",
				       "operator.openshift.io/v1alpha1", "kind", "MustGather",
				       "metadata", "name", base, "namespace", ns, "spec", spec));
	cr_assert_not_null(cl_uid(out), "the created MustGather has no uid");
	return out;
}

void cluster_job_status(const struct cluster *c, const char *job, const char *status_json)
{
	char path[512], sub[560];

	snprintf(sub, sizeof(sub), "%s/status", cl_job_path(c, job, path));
	merge_patch(c, sub, json_pack("{s:o}", "status", parse(status_json, "the Job status")));
}

void cluster_label_mg(const struct cluster *c, const char *name, const char *key,
		      const char *value)
{
	char path[512];

	merge_patch(c, cl_mg_path(c, name, path),
		    json_pack("{s:{s:{s:s}}}", "metadata", "labels", key, value));
}

void cluster_pvc_phase(const struct cluster *c, const char *claim, const char *phase)
{
	char sub[512];

	snprintf(sub, sizeof(sub), "/api/v1/namespaces/%s/persistentvolumeclaims/%s/status", c->ns,
		 claim);
	merge_patch(c, sub, json_pack("{s:{s:s}}", "status", "phase", phase));
}

void cluster_job_succeed(const struct cluster *c, const char *job)
{
	cluster_job_status(c, job, "{\"succeeded\":1,\"conditions\":[{\"type\":\"Complete\","
				   "\"status\":\"True\"}]}");
}

void cluster_job_fail(const struct cluster *c, const char *job, const char *reason)
{
	char status[512];

	snprintf(status, sizeof(status),
		 "{\"failed\":1,\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\","
		 "\"reason\":\"%s\",\"message\":\"set by the e2e test\"}]}",
		 reason);
	cluster_job_status(c, job, status);
}

json_t *cluster_create_pod(const struct cluster *c, const char *name, const json_t *job,
			   const char *status_json)
{
	char path[512], sub[560];
	json_t *labels = json_deep_copy(cl_at(job, "spec.template.metadata.labels"));
	json_t *spec = json_deep_copy(cl_at(job, "spec.template.spec")), *pod = NULL;

	cr_assert(labels && spec, "Job %s has no pod template", cl_str(job, "metadata.name"));
	/* what the Job controller adds to its pods */
	json_object_set_new(labels, "job-name", json_string(cl_str(job, "metadata.name")));
	pod = cluster_create(c, cl_pod_path(c, NULL, path),
	       json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]}, s:o}",
			 "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace",
			 c->ns, "labels", labels, "ownerReferences", "apiVersion", "batch/v1",
			 "kind", "Job", "name", cl_str(job, "metadata.name"), "uid", cl_uid(job),
			 "controller", 1, "blockOwnerDeletion", 1, "spec", spec));
	if (status_json) {
		snprintf(sub, sizeof(sub), "%s/status", cl_pod_path(c, name, path));
		merge_patch(c, sub, json_pack("{s:o}", "status", parse(status_json, "the Pod status")));
	}
	return pod;
}

static void admin_post(const struct cluster *c, const char *path, const char *body_json)
{
	json_t *body = parse(body_json, path), *resp = NULL;
	long code;

	cr_assert(!c->external, "%s is the test API server's", path);
	code = cluster_api(c, "POST", path, NULL, body, &resp);
	cr_assert(code == 200, "POST %s: %ld %s", path, code, why(resp));
	json_decref(body);
	json_decref(resp);
}

void cluster_faults(const struct cluster *c, const char *faults_json)
{
	admin_post(c, "/mgo-test/faults", faults_json);
}

void cluster_drop_watches(const struct cluster *c)
{
	admin_post(c, "/mgo-test/drop-watches", "{}");
}

static json_t *look_held(const struct cluster *c, const void *arg, char *last, size_t len)
{
	json_int_t want = *(const json_int_t *)arg, held;
	json_t *f = NULL;

	cr_assert_eq(cluster_api(c, "GET", "/mgo-test/faults", NULL, NULL, &f), 200);
	held = json_integer_value(cl_at(f, "injected.held"));
	json_decref(f);
	snprintf(last, len, "%lld held", (long long)held);
	return held >= want ? json_integer(held) : NULL;
}

void cluster_wait_held(const struct cluster *c, json_int_t n)
{
	char what[64];

	snprintf(what, sizeof(what), "the server to hold %lld requests", (long long)n);
	json_decref(wait_until(c, look_held, &n, what));
}

struct audit_want {
	struct cl_audit_match m;
	size_t n;
};

static json_t *look_audit(const struct cluster *c, const void *arg, char *last, size_t len)
{
	const struct audit_want *w = arg;
	size_t n = cluster_audit_count(c, &w->m);

	snprintf(last, len, "%zu requests", n);
	return n >= w->n ? json_integer((json_int_t)n) : NULL;
}

void cluster_wait_audit(const struct cluster *c, const struct cl_audit_match *m, size_t n)
{
	struct audit_want w = {.m = *m, .n = n};
	char what[300];

	snprintf(what, sizeof(what), "%zu %s %s by %s in the audit log", n, m->verb ? m->verb : "",
		 m->resource ? m->resource : "", m->user ? m->user : "anyone");
	json_decref(wait_until(c, look_audit, &w, what));
}

json_t *cluster_audit(const struct cluster *c)
{
	char *text = slurp(c->env.audit_log), *save = NULL, *line;
	json_t *all = json_array();

	cr_assert(!c->external && text && all, "no audit log at %s", c->env.audit_log);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		cr_assert(json_array_append_new(all, parse(line, "an audit log line")) == 0);
	free(text);
	return all;
}

static bool audit_field(const json_t *line, const char *key, const char *want)
{
	const char *got = cl_str(line, key);

	return !want || (got && strcmp(got, want) == 0);
}

size_t cluster_audit_count(const struct cluster *c, const struct cl_audit_match *m)
{
	json_t *audit = cluster_audit(c), *line;
	size_t i, n = 0;

	json_array_foreach(audit, i, line)
		n += audit_field(line, "user", m->user) && audit_field(line, "verb", m->verb) &&
		     audit_field(line, "resource", m->resource) &&
		     audit_field(line, "subresource", m->subresource) &&
		     audit_field(line, "namespace", m->ns) && audit_field(line, "name", m->name);
	json_decref(audit);
	return n;
}

size_t cluster_jobs_created(const struct cluster *c)
{
	json_t *audit = cluster_audit(c), *line;
	size_t i, n = 0;

	json_array_foreach(audit, i, line) {
		if (strcmp(cl_str(line, "verb"), "create") == 0 &&
		    strcmp(cl_str(line, "resource"), "jobs") == 0 &&
		    strcmp(cl_str(line, "namespace"), c->ns) == 0 &&
		    json_integer_value(json_object_get(line, "code")) == 201) {
			cr_expect_str_eq(cl_str(line, "user"), CL_LAUNCHER_USER);
			n++;
		}
	}
	json_decref(audit);
	return n;
}

/* ---- the processes ---- */

/* The operator's configuration with socket directory sockdir, written to
 * the fixture's directory as `name`; its path. */
static char *config_file(const struct cluster *c, const char *sockdir, const char *name)
{
	const char *server = c->env.url, *ca = c->env.ca;
	const char *watcher_token = c->watcher_token, *launcher_token = c->launcher_token;
	char *text = NULL, *path, cafield[PATH_MAX + 16] = "", resync[32] = "";
	char tokens[2 * PATH_MAX + 300] = "", qps[48] = "", gathers[64] = "";

	if (ca)
		snprintf(cafield, sizeof(cafield), ", caFile: \"%s\"", ca);
	if (c->resync_seconds)
		snprintf(resync, sizeof(resync), "resyncSeconds: %u\n", c->resync_seconds);
	if (c->launcher_qps)
		snprintf(qps, sizeof(qps), ", qps: %u, burst: %u", c->launcher_qps,
			 2 * c->launcher_qps);
	if (c->max_running_per_ns)
		snprintf(gathers, sizeof(gathers), "gathers: {maxRunningPerNamespace: %u}\n",
			 c->max_running_per_ns);
	if (c->minted)
		snprintf(tokens, sizeof(tokens), "tokens: {tokenFile: \"%s/pod/token\"%s, "
			 "server: \"%s\"}\n", c->env.dir, cafield, server);
	cr_assert(asprintf(&text,
			   "%s"
			   "namespace: " CL_OPERATOR_NS "\n"
			   "defaultImage: " CL_DEFAULT_IMAGE "\n"
			   "operatorImage: " CL_OPERATOR_IMAGE "\n"
			   "socketDir: \"%s\"\n"
			   "sftpKnownHosts: \"" CL_KNOWN_HOSTS "\"\n"
			   "trustedCAConfigMap: " CL_TRUSTED_CA "\n"
			   /* any free port, found in the log (cluster_health_port) */
			   "health: {address: 127.0.0.1, port: 0}\n"
			   "roles:\n"
			   "  watcher: {tokenFile: \"%s\"%s, server: \"%s\"}\n"
			   "  launcher: {tokenFile: \"%s\"%s, server: \"%s\"%s}\n"
			   /* done within the fixture's stop deadline; memcheck
			    * slows everything (and beats) tenfold and more */
			   "supervisor: {gracePeriodMs: %d, heartbeatTimeoutMs: %d, "
			   "readyTimeoutMs: %d}\n%s%s",
			   resync, sockdir, watcher_token, cafield, server, launcher_token, cafield,
			   server, qps, CL_WAIT_MS * c->slow * 8 / 10, c->valgrind ? 60000 : 10000,
			   c->valgrind ? 600000 : 120000, tokens, gathers) > 0);
	path = mgo_test_write(c->env.dir, name, text);
	free(text);
	return path;
}

static bool exited(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

/* Memcheck's command line for `who` in this run, up to the program. */
static size_t memcheck_argv(const struct cluster *c, const char *who, const char **argv,
			    char *vgarg, size_t vglen, char *supp, size_t supplen)
{
	char name[96], *vglog;
	size_t n = 0;

	snprintf(name, sizeof(name), "%s-%u.valgrind", who, c->runs);
	vglog = path_in(c->env.dir, name);
	snprintf(vgarg, vglen, "--log-file=%s", vglog);
	free(vglog);
	snprintf(supp, supplen, "--suppressions=%s/tests/valgrind.supp", MGO_SOURCE_DIR);
	argv[n++] = "/usr/bin/valgrind";
	argv[n++] = "--quiet";
	argv[n++] = "--leak-check=full";
	argv[n++] = "--errors-for-leak-kinds=definite,indirect";
	argv[n++] = "--show-leak-kinds=definite,indirect";
	argv[n++] = "--error-exitcode=99";
	argv[n++] = supp;
	argv[n++] = vgarg;
	return n;
}

/* Under valgrind, each child is a script that runs it under memcheck with
 * the supervisor's arguments and descriptors; the path of the script. */
static char *memcheck_wrapper(const struct cluster *c, int i)
{
	char name[96], vgarg[PATH_MAX + 16], supp[PATH_MAX + 32], *script = NULL, *path;
	const char *argv[12];
	size_t n = memcheck_argv(c, proc_name[i], argv, vgarg, sizeof(vgarg), supp, sizeof(supp));
	size_t len = 0;
	FILE *f = open_memstream(&script, &len);

	cr_assert_not_null(f);
	fputs("#!/bin/sh\nexec", f);
	for (size_t k = 0; k < n; k++)
		fprintf(f, " '%s'", argv[k]);  /* our own paths: no quote in them */
	fprintf(f, " '%s' \"$@\"\n", proc_bin[i]);
	cr_assert(fclose(f) == 0);
	snprintf(name, sizeof(name), "memcheck-%s", proc_name[i]);
	path = mgo_test_write(c->env.dir, name, script);
	cr_assert(chmod(path, 0700) == 0);
	free(script);
	return path;
}

void cluster_procs_spawn(struct cluster *c)
{
	char name[64], vgarg[PATH_MAX + 16], supp[PATH_MAX + 32], *wrap[CL_NPROCS] = {NULL};
	const char *bin[CL_NPROCS], *argv[24];
	size_t n = 0;

	c->runs++;
	snprintf(name, sizeof(name), "operator-%u.log", c->runs);
	free(c->log);
	c->log = path_in(c->env.dir, name);
	for (int i = 0; i < nprocs(c); i++)
		bin[i] = c->valgrind ? (wrap[i] = memcheck_wrapper(c, i)) : proc_bin[i];
	if (c->valgrind) /* the supervisor too */
		n = memcheck_argv(c, "supervisor", argv, vgarg, sizeof(vgarg), supp, sizeof(supp));
	argv[n++] = MGO_SUPERVISOR_BIN;
	argv[n++] = "--config";
	argv[n++] = c->config;
	argv[n++] = "--validator";
	argv[n++] = bin[CL_VALIDATOR];
	argv[n++] = "--launcher";
	argv[n++] = bin[CL_LAUNCHER];
	argv[n++] = "--watcher";
	argv[n++] = bin[CL_WATCHER];
	argv[n++] = "--health";
	argv[n++] = bin[CL_HEALTH];
	if (c->minted) {
		argv[n++] = "--tokens";
		argv[n++] = bin[CL_TOKENS];
	}
	argv[n] = NULL;
	c->supervisor = spawn_logged(argv, NULL, c->log);
	cr_assert(c->supervisor > 0, "cannot start mgo-supervisor");
	for (int i = 0; i < CL_NPROCS; i++)
		free(wrap[i]);
}

void cluster_procs_start(struct cluster *c)
{
	uint64_t end;
	int status;

	cluster_procs_spawn(c);
	end = deadline(c);
	for (;;) {
		char *text = slurp(c->log);
		bool ready = text && strstr(text, "\"supervisor.ready\"") &&
			     strstr(text, "\"launcher.active\"");
		free(text);
		if (ready)
			return;
		if (exited(c->supervisor, &status)) {
			c->supervisor = 0;
			cluster_dump(c);
			cr_assert_fail("mgo-supervisor exited while starting (status %#x)", status);
		}
		if (mgo_now_ms() > end)
			break;
		pause_poll();
	}
	cluster_dump(c);
	cr_assert_fail("the operator did not start (no supervisor.ready and launcher.active)");
}

const char *cl_launcher_endpoint(const struct cluster *c, char buf[600])
{
	snprintf(buf, 600, "ipc://%s/launcher/socket", c->env.dir);
	return buf;
}

const char *cl_validator_endpoint(const struct cluster *c, char buf[600])
{
	snprintf(buf, 600, "ipc://%s/validator/socket", c->env.dir);
	return buf;
}

void cluster_peers_start(struct cluster *c, const struct mgo_test_keys *keys)
{
	struct mgo_ipc_keys v = {.self = MGO_ROLE_VALIDATOR,
				 .peers = 1u << MGO_ROLE_WATCHER | 1u << MGO_ROLE_LAUNCHER};
	const char *largv[] = {MGO_LAUNCHER_BIN, "--config", c->config, "--keys-fd", "3", NULL};
	const char *vargv[] = {MGO_VALIDATOR_BIN, "--config", c->config, "--keys-fd", "3", NULL};
	char name[64];

	cr_assert(!c->supervisor && !c->valgrind, "the test plays the supervisor here");
	c->runs++;
	snprintf(name, sizeof(name), "operator-%u.log", c->runs);
	free(c->log);
	c->log = path_in(c->env.dir, name);
	memcpy(v.public_key, keys->validator_pub, MGO_IPC_KEY_LEN);
	memcpy(v.secret_key, keys->validator_sec, MGO_IPC_KEY_LEN);
	memcpy(v.peer[MGO_ROLE_WATCHER], keys->watcher_pub, MGO_IPC_KEY_LEN);
	memcpy(v.peer[MGO_ROLE_LAUNCHER], keys->launcher.public_key, MGO_IPC_KEY_LEN);
	/* the launcher binds first, as the supervisor starts them */
	c->peer[CL_LAUNCHER] = mgo_test_spawn_with_keys(largv, &keys->launcher, c->log);
	json_decref(cluster_wait_log(c, "launcher.active", 1));
	c->peer[CL_VALIDATOR] = mgo_test_spawn_with_keys(vargv, &v, c->log);
	mgo_ipc_keys_wipe(&v);
	json_decref(cluster_wait_log(c, "validator.ready", 1));
}

/* Waits until the log at path has every needle, or the supervisor exits
 * or the deadline passes (which fail the test). */
static void wait_log(const struct cluster *c, pid_t supervisor, const char *path,
		     const char *const needles[], const char *what)
{
	uint64_t end = deadline(c);
	int status;

	for (;;) {
		char *text = slurp(path);
		bool all = text != NULL;
		for (size_t i = 0; all && needles[i]; i++)
			all = strstr(text, needles[i]) != NULL;
		free(text);
		if (all)
			return;
		if (exited(supervisor, &status)) {
			dump_tail("the replica", path, 60);
			cr_assert_fail("mgo-supervisor exited while starting (status %#x)", status);
		}
		if (mgo_now_ms() > end)
			break;
		pause_poll();
	}
	dump_tail("the replica", path, 60);
	cr_assert_fail("timed out waiting for %s", what);
}

void cluster_replica_start(struct cluster *c, struct cl_replica *r, const char *name)
{
	char file[96], *sockdir;
	static const char *const standby[] = {"\"supervisor.ready\"", "\"launcher.standby\"",
					      NULL};

	cr_assert_not(c->valgrind, "replicas are not run under valgrind");
	memset(r, 0, sizeof(*r));
	snprintf(file, sizeof(file), "%s-run", name);
	sockdir = path_in(c->env.dir, file);
	snprintf(file, sizeof(file), "%s.yaml", name);
	r->config = config_file(c, sockdir, file);
	free(sockdir);
	snprintf(file, sizeof(file), "%s.log", name);
	r->log = path_in(c->env.dir, file);
	const char *argv[] = {MGO_SUPERVISOR_BIN, "--config", r->config,
			      "--validator", MGO_VALIDATOR_BIN, "--launcher", MGO_LAUNCHER_BIN,
			      "--watcher", MGO_WATCHER_BIN, "--health", MGO_HEALTH_BIN, NULL};
	r->supervisor = spawn_logged(argv, NULL, r->log);
	cr_assert(r->supervisor > 0, "cannot start the replica's mgo-supervisor");
	c->replica = r->supervisor;
	wait_log(c, r->supervisor, r->log, standby, "the replica to be ready and stand by");
}

pid_t cluster_child_pid(const char *log, const char *role)
{
	json_t *ready = mgo_test_log_events(log, "supervisor.child.ready", role);
	pid_t pid = (pid_t)json_integer_value(
		json_object_get(json_array_get(ready, json_array_size(ready) - 1), "child_pid"));

	json_decref(ready);
	return pid;
}

int64_t cluster_kill_replica(pid_t supervisor, const char *log)
{
	int64_t launcher_us = 0;
	int status;

	/* stopped, it neither restarts a child nor dies (which would send the
	 * children its death signal, SIGTERM, and let the launcher release) */
	cr_assert_eq(kill(supervisor, SIGSTOP), 0);
	for (int i = 0; i < CL_NPROCS; i++) {
		pid_t pid = cluster_child_pid(log, proc_name[i]);
		if (i == CL_TOKENS && pid <= 0)
			continue; /* runs only when the roles' tokens are minted */
		cr_assert_gt(pid, 0, "no %s in %s", proc_name[i], log);
		/* each child leads its own process group (supervisor/sup_spawn.c) */
		cr_assert(kill(-pid, SIGKILL) == 0 || kill(pid, SIGKILL) == 0, "kill %s: %s",
			  proc_name[i], strerror(errno));
		if (i == CL_LAUNCHER) {
			struct timeval tv;
			gettimeofday(&tv, NULL);
			launcher_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		}
	}
	cr_assert_eq(kill(supervisor, SIGKILL), 0);
	cr_assert_eq(waitpid(supervisor, &status, 0), supervisor);
	return launcher_us;
}

void cluster_adopt_replica(struct cluster *c, struct cl_replica *r)
{
	cr_assert_eq(c->supervisor, 0, "the first replica still runs");
	free(c->log);
	free(c->config);
	c->supervisor = r->supervisor;
	c->log = r->log;
	c->config = r->config;
	c->replica = 0;
	memset(r, 0, sizeof(*r));
}

unsigned cluster_health_port(const struct cluster *c)
{
	return mgo_test_health_port(c->log, 0, CL_WAIT_MS * c->slow);
}

/* Memcheck's findings, if it wrote any (--quiet: silence means clean). */
static void expect_valgrind_clean(const struct cluster *c, const char *who)
{
	char name[96], *path, *text;

	snprintf(name, sizeof(name), "%s-%u.valgrind", who, c->runs);
	path = path_in(c->env.dir, name);
	text = slurp(path);
	cr_expect_not_null(text, "mgo-%s did not run under valgrind (no %s)", who, path);
	cr_expect(!text || !*text, "valgrind found errors in mgo-%s:\n%s", who, text);
	free(text);
	free(path);
}

/* How many of this run's processes the supervisor saw exit 0 when it
 * stopped them. */
static int stopped_cleanly(const struct cluster *c)
{
	json_t *stopped = mgo_test_log_events(c->log, "supervisor.child.stopped", NULL), *line;
	size_t i;
	int n = 0;

	json_array_foreach(stopped, i, line) {
		const char *st = cl_str(line, "status");
		n += st && strcmp(st, "exit status 0") == 0;
	}
	json_decref(stopped);
	return n;
}

/* The processes the test started itself, watcher side first. */
static void peers_stop(struct cluster *c)
{
	for (int i = CL_NPROCS - 1; i >= 0; i--) {
		int status;
		if (c->peer[i] <= 0)
			continue;
		status = stop_process(c->peer[i], SIGTERM, CL_WAIT_MS);
		c->peer[i] = 0;
		if (!(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			cluster_dump(c);
			cr_expect(0, "mgo-%s did not stop cleanly: wait status %#x", proc_name[i],
				  status);
		}
	}
}

void cluster_procs_stop(struct cluster *c)
{
	int status;

	peers_stop(c);
	if (c->supervisor <= 0)
		return;
	/* it stops the watcher first, so nothing new flows while the others stop */
	status = stop_process(c->supervisor, SIGTERM, CL_WAIT_MS * c->slow);
	c->supervisor = 0;
	if (!(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    stopped_cleanly(c) != nprocs(c)) {
		cluster_dump(c);
		cr_expect(0, "the operator did not stop cleanly: supervisor wait status %#x, %d of "
			  "%d processes exited 0", status, stopped_cleanly(c), nprocs(c));
	}
	for (int i = 0; c->valgrind && i < nprocs(c); i++)
		expect_valgrind_clean(c, proc_name[i]);
	if (c->valgrind)
		expect_valgrind_clean(c, "supervisor");
}

/* ---- setting up ---- */

static void start_test_server(struct cluster *c, const struct cluster_opts *o,
			      char **watcher_token, char **launcher_token)
{
	static const char tokens[] =
		WATCHER_TOKEN "," CL_WATCHER_USER ",uid-mgo-watcher," SA_GROUPS "\n"
		LAUNCHER_TOKEN "," CL_LAUNCHER_USER ",uid-mgo-launcher," SA_GROUPS "\n";
	/* minted: the roles have no token the server knows of beforehand */
	static const char pod_token[] = POD_TOKEN "," POD_SA ",uid-pod-sa," SA_GROUPS "\n";
	struct testenv_opts opts = {.extra_tokens = tokens};
	char *roles;

	if (c->minted) {
		opts.extra_tokens = o->token_max_seconds ? pod_token : NULL;
		opts.max_token_expiration = o->token_max_seconds;
	}
	testenv_start(&c->env, &opts);
	if (!c->minted) {
		*watcher_token = mgo_test_write_role_token(c->env.dir, "watcher", WATCHER_TOKEN);
		*launcher_token = mgo_test_write_role_token(c->env.dir, "launcher", LAUNCHER_TOKEN);
		return;
	}
	/* the Deployment's role-tokens emptyDir; mgo-tokens makes <role>/ */
	roles = path_in(c->env.dir, "roles");
	cr_assert_eq(mkdir(roles, 0700), 0);
	free(roles);
	cr_assert(asprintf(watcher_token, "%s/roles/watcher/token", c->env.dir) > 0);
	cr_assert(asprintf(launcher_token, "%s/roles/launcher/token", c->env.dir) > 0);
	c->role_token[0] = strdup(*watcher_token);
	c->role_token[1] = strdup(*launcher_token);
	cr_assert(c->role_token[0] && c->role_token[1]);
}

/* The kubelet's part for the pod's own token, at dir/pod/token: a Pod of
 * the operator running as its account, and a token bound to it (or, when
 * tokens live seconds, the token file's line for that account, which the
 * kubelet's rotation would otherwise have to keep renewing). */
static void pod_token(struct cluster *c, unsigned max_seconds)
{
	char *dir = path_in(c->env.dir, "pod"), path[512];
	json_t *pod, *tr;

	cr_assert_eq(mkdir(dir, 0700), 0);
	if (max_seconds) {
		free(mgo_test_write(dir, "token", POD_TOKEN));
		free(dir);
		return;
	}
	pod = cluster_create(c, "/api/v1/namespaces/" CL_OPERATOR_NS "/pods",
			     json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:[{s:s, s:s}]}}",
				       "apiVersion", "v1", "kind", "Pod", "metadata", "name",
				       "must-gather-operator-e2e", "spec", "serviceAccountName",
				       "must-gather-operator", "containers", "name", "operator",
				       "image", CL_OPERATOR_IMAGE));
	snprintf(path, sizeof(path),
		 "/api/v1/namespaces/" CL_OPERATOR_NS "/serviceaccounts/must-gather-operator/token");
	tr = cluster_create(c, path,
			    json_pack("{s:s, s:s, s:{s:i, s:{s:s, s:s, s:s, s:s}}}", "apiVersion",
				      "authentication.k8s.io/v1", "kind", "TokenRequest", "spec",
				      "expirationSeconds", 3600, "boundObjectRef", "apiVersion", "v1",
				      "kind", "Pod", "name", "must-gather-operator-e2e", "uid",
				      cl_uid(pod)));
	cr_assert_not_null(cl_str(tr, "status.token"), "no token for the pod");
	free(mgo_test_write(dir, "token", cl_str(tr, "status.token")));
	json_decref(tr);
	json_decref(pod);
	free(dir);
}

static char *absolute_env(const char *var)
{
	const char *v = getenv(var);
	char *abs;

	cr_assert(v && *v, "MGO_E2E_KUBECONFIG is set, so %s must be too (tests/e2e/README.md)",
		  var);
	abs = realpath(v, NULL);
	cr_assert_not_null(abs, "%s=%s: %s", var, v, strerror(errno));
	return abs;
}

/* The CA bundle as a file in the fixture's private directory: the
 * operator's config names files. */
static char *pem_file(struct cluster *c, const char *name, const char *pem, size_t len)
{
	char *text = strndup(pem, len), *path;

	cr_assert_not_null(text);
	path = mgo_test_write(c->env.dir, name, text);
	free(text);
	return path;
}

static void connect_external(struct cluster *c, const char *kubeconfig, char **watcher_token,
			     char **launcher_token)
{
	const char *lock = getenv("MGO_E2E_LOCK");
	struct mgo_kube_creds creds;
	char err[512];

	/* the allowlist and the operator's Lease are cluster-wide: tests
	 * against one cluster take turns, across test binaries too */
	lock = lock && *lock ? lock : "/tmp/mgo-e2e-external.lock";
	c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	cr_assert(c->lock_fd >= 0, "open %s: %s", lock, strerror(errno));
	c->locked = true;
	cr_assert(flock(c->lock_fd, LOCK_EX) == 0, "lock %s: %s", lock, strerror(errno));

	cr_assert(mgo_kube_creds_from_kubeconfig(kubeconfig, NULL, &creds, err, sizeof(err)) == 0,
		  "MGO_E2E_KUBECONFIG: %s", err);
	cr_assert(!creds.insecure, "MGO_E2E_KUBECONFIG: insecure-skip-tls-verify is not supported");
	cr_assert(creds.token || creds.cert_pem,
		  "MGO_E2E_KUBECONFIG: needs a bearer token or a client certificate");
	cr_assert(strlen(creds.server) < sizeof(c->env.url), "server URL too long");
	cr_assert(!creds.token || strlen(creds.token) < sizeof(c->env.admin_token),
		  "MGO_E2E_KUBECONFIG: the admin token is longer than %zu bytes; use a client "
		  "certificate", sizeof(c->env.admin_token));
	c->external = true;
	c->env.dir = mgo_test_tmpdir();
	c->env.kubeconfig = strdup(kubeconfig);
	snprintf(c->env.url, sizeof(c->env.url), "%s", creds.server);
	if (creds.token)
		snprintf(c->env.admin_token, sizeof(c->env.admin_token), "%s", creds.token);
	if (creds.ca_pem)
		c->env.ca = pem_file(c, "ca.pem", creds.ca_pem, creds.ca_len);
	if (creds.cert_pem) {
		c->env.client_cert_pem = strndup(creds.cert_pem, creds.cert_len);
		c->env.client_key_pem = strndup(creds.key_pem, creds.key_len);
		cr_assert(c->env.client_cert_pem && c->env.client_key_pem);
	}
	mgo_kube_creds_free(&creds);
	*watcher_token = absolute_env("MGO_E2E_WATCHER_TOKEN_FILE");
	*launcher_token = absolute_env("MGO_E2E_LAUNCHER_TOKEN_FILE");
}

/* CRDs, the operator's namespace and its RBAC, the way an administrator
 * installs them. */
static void install(const struct cluster *c)
{
	char ns[PATH_MAX], crds[PATH_MAX], rbac[PATH_MAX];

	snprintf(ns, sizeof(ns), "%s/deploy/rbac/namespace.yaml", MGO_SOURCE_DIR);
	snprintf(crds, sizeof(crds), "%s/deploy/crds", MGO_SOURCE_DIR);
	snprintf(rbac, sizeof(rbac), "%s/deploy/rbac", MGO_SOURCE_DIR);
	const char *apply[] = {"apply", "-f", ns, "-f", crds, "-f", rbac, NULL};
	const char *wait[] = {"wait", "--for", "condition=established", "--timeout=30s",
			      "crd/mustgathers.operator.openshift.io",
			      "crd/mustgatherimages.operator.openshift.io", NULL};
	free(cluster_kubectl(c, apply));
	free(cluster_kubectl(c, wait));
}

/* The admission policies, as an administrator on Kubernetes 1.30+ adds
 * them; their param ConfigMap must name the images write_config gives the
 * operator, and does (checked here, so a changed default shows). */
static void install_admission_policies(const struct cluster *c)
{
	char dir[PATH_MAX], path[512];
	const char *apply[] = {"apply", "-k", dir, NULL};
	json_t *cm = NULL;

	snprintf(dir, sizeof(dir), "%s/deploy/components/admission-policies", MGO_SOURCE_DIR);
	free(cluster_kubectl(c, apply));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps/mgo-admission-images",
		 CL_OPERATOR_NS);
	cr_assert_eq(cluster_api(c, "GET", path, NULL, NULL, &cm), 200);
	cr_assert_str_eq(cl_str(cm, "data.defaultImage") ?: "", CL_DEFAULT_IMAGE);
	cr_assert_str_eq(cl_str(cm, "data.operatorImage") ?: "", CL_OPERATOR_IMAGE);
	json_decref(cm);
}

/* Every namespace a test makes carries this label, so that on an external
 * cluster the next test can find what a failed one left (sweep_leftovers). */
#define CL_NS_LABEL "app.kubernetes.io/created-by"
#define CL_NS_LABEL_VALUE "mgo-e2e"

/* Namespace `ns`, with the default ServiceAccount a MustGather runs as by
 * default (a real cluster adds it a moment after the namespace). */
static void create_namespace(struct cluster *c, const char *ns)
{
	char path[512];

	json_decref(cluster_create(c, "/api/v1/namespaces",
				   json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
					     "Namespace", "metadata", "name", ns, "labels",
					     CL_NS_LABEL, CL_NS_LABEL_VALUE)));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/serviceaccounts/default", ns);
	json_decref(wait_until(c, look_exists, path, "the namespace's default ServiceAccount"));
}

static void make_namespace(struct cluster *c)
{
	snprintf(c->ns, sizeof(c->ns), "mgo-e2e-%d", (int)getpid());
	create_namespace(c, c->ns);
}

const char *cluster_second_namespace(struct cluster *c)
{
	if (!c->ns2[0]) {
		snprintf(c->ns2, sizeof(c->ns2), "%.50s-b", c->ns);
		create_namespace(c, c->ns2);
	}
	return c->ns2;
}

void cluster_create_mgs(const struct cluster *c, const char *ns, const char *prefix, size_t n,
			const char *spec_json)
{
	enum { PARALLEL = 8 };
	CURLM *multi = curl_multi_init();
	struct curl_slist *h = NULL;
	struct mgo_test_buf sink[PARALLEL];
	CURL *slot[PARALLEL] = {0};
	char *bodies[PARALLEL] = {0}, url[1024], line[1024];
	size_t next = 0, done = 0;
	json_t *spec = parse(spec_json, "the MustGather spec");

	cr_assert_not_null(multi);
	memset(sink, 0, sizeof(sink));
	snprintf(url, sizeof(url), "%s/apis/operator.openshift.io/v1alpha1/namespaces/%s/mustgathers",
		 c->env.url, ns ? ns : c->ns);
	if (c->env.admin_token[0]) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", c->env.admin_token);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)PARALLEL);
	while (done < n) {
		for (int i = 0; i < PARALLEL && next < n; i++) {
			if (slot[i])
				continue;
			char name[128];
			snprintf(name, sizeof(name), "%s-%zu", prefix, next++);
			json_t *mg = json_pack("{s:s, s:s, s:{s:s}, s:O}", "apiVersion",
					       "operator.openshift.io/v1alpha1", "kind",
					       "MustGather", "metadata", "name", name, "spec", spec);
			bodies[i] = json_dumps(mg, JSON_COMPACT);
			json_decref(mg);
			cr_assert_not_null(bodies[i]);
			CURL *e = curl_easy_init();
			cr_assert_not_null(e);
			curl_easy_setopt(e, CURLOPT_URL, url);
			testenv_curl_tls(&c->env, e);
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, bodies[i]);
			curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, mgo_test_buf_append);
			curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink[i]);
			curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
			curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)(intptr_t)i);
			cr_assert_eq(curl_multi_add_handle(multi, e), CURLM_OK);
			slot[i] = e;
		}
		int running, left;
		CURLMsg *m;
		cr_assert_eq(curl_multi_perform(multi, &running), CURLM_OK);
		while ((m = curl_multi_info_read(multi, &left))) {
			char *priv = NULL;
			long code = 0;
			if (m->msg != CURLMSG_DONE)
				continue;
			CURL *e = m->easy_handle;
			CURLcode res = m->data.result;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
			int i = (int)(intptr_t)priv;
			cr_assert(res == CURLE_OK && code == 201, "creating %s's MustGathers: %s %ld %.200s",
				  prefix, curl_easy_strerror(res), code, sink[i].p ? sink[i].p : "");
			curl_multi_remove_handle(multi, e);
			curl_easy_cleanup(e);
			free(bodies[i]);
			free(sink[i].p);
			sink[i] = (struct mgo_test_buf){NULL, 0};
			bodies[i] = NULL;
			slot[i] = NULL;
			done++;
		}
		if (running && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
			cr_assert_fail("curl_multi_poll");
	}
	json_decref(spec);
	curl_slist_free_all(h);
	curl_multi_cleanup(multi);
}

/* How long a real API server may take to delete a namespace (it empties
 * it first: every MustGather, Job and pod, then the namespace controller's
 * finalizer) or the allowlist. */
#define CL_GONE_MS 180000

/* What a test makes on an external cluster besides the shared install:
 * its namespaces and the allowlist (paths into buf; n of them). */
static size_t external_objects(const struct cluster *c, char paths[3][512])
{
	size_t n = 0;

	if (c->ns[0])
		snprintf(paths[n++], 512, "/api/v1/namespaces/%s", c->ns);
	if (c->ns2[0])
		snprintf(paths[n++], 512, "/api/v1/namespaces/%s", c->ns2);
	snprintf(paths[n++], 512, "%s", CL_ALLOWLIST_PATH);
	return n;
}

/* DELETE path as the admin, refused only if the server says so. */
static void delete_path(const struct cluster *c, const char *path)
{
	json_t *resp = NULL;
	long code = cluster_api(c, "DELETE", path, NULL, NULL, &resp);

	cr_expect(code == 200 || code == 202 || code == 404, "DELETE %s: %ld %s", path, code,
		  why(resp));
	json_decref(resp);
}

/* Deletes them and waits, with CL_GONE_MS, until the server no longer has
 * them, so the next test's operator cannot see this test's MustGathers,
 * Jobs or allowlist (a real server takes seconds to empty a namespace). */
static void external_remove(const struct cluster *c)
{
	char paths[3][512], what[600];
	size_t n = external_objects(c, paths);
	uint64_t end;

	for (size_t i = 0; i < n; i++)
		delete_path(c, paths[i]);
	end = mgo_now_ms() + CL_GONE_MS;
	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%.511s to be gone", paths[i]);
		json_decref(wait_until_ms(c, look_gone, paths[i], what, end));
	}
}

/* The cluster a failed start must not leave behind: Criterion runs no
 * .fini after a failed .init (nor after a skip); exit handlers run when the
 * test process exits, which a failed .init was seen not to do (Criterion
 * 2.4.1): on an external cluster, the next test's sweep_leftovers removes
 * the namespace such a start left. */
static struct cluster *live;

/* Quietly, without assertions (the test is over): stop the processes so
 * the launcher releases its Lease, stop the server, remove the files. */
static void leave_nothing_behind(void)
{
	struct cluster *c = live;

	if (!c)
		return;
	live = NULL;
	if (c->supervisor > 0)
		stop_process(c->supervisor, SIGTERM, CL_WAIT_MS * c->slow);
	for (int i = 0; i < CL_NPROCS; i++)
		if (c->peer[i] > 0)
			stop_process(c->peer[i], SIGTERM, CL_WAIT_MS);
	if (c->replica > 0)
		stop_process(c->replica, SIGTERM, CL_WAIT_MS * c->slow);
	if (c->env.pid > 0)
		stop_process(c->env.pid, SIGTERM, CL_WAIT_MS);
	if (c->env.dir)
		remove_tree(c->env.dir);
}

/* On an external cluster, with the lock held: the namespaces an earlier
 * test left (one whose setup failed: Criterion then runs neither .fini nor
 * exit handlers, or one killed at its timeout), deleted and waited for, so
 * that this test's operator does not see their MustGathers and Jobs. */
static void sweep_leftovers(const struct cluster *c)
{
	json_t *list = get(c, "/api/v1/namespaces?labelSelector=" CL_NS_LABEL "%3D"
			      CL_NS_LABEL_VALUE), *ns;
	uint64_t end = mgo_now_ms() + CL_GONE_MS;
	char paths[64][512], what[600];
	size_t i, n = 0;

	cr_assert_not_null(list, "cannot list namespaces");
	json_array_foreach(json_object_get(list, "items"), i, ns) {
		if (n == sizeof(paths) / sizeof(paths[0]))
			break;
		cr_log_warn("deleting namespace %s, which an earlier test left behind",
			    cl_str(ns, "metadata.name"));
		snprintf(paths[n], sizeof(paths[n]), "/api/v1/namespaces/%s",
			 cl_str(ns, "metadata.name"));
		delete_path(c, paths[n++]);
	}
	json_decref(list);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%.511s to be gone", paths[i]);
		json_decref(wait_until_ms(c, look_gone, paths[i], what, end));
	}
}

void cluster_start(struct cluster *c, const struct cluster_opts *opts)
{
	static bool registered;
	const char *external = getenv("MGO_E2E_KUBECONFIG");
	char *watcher_token = NULL, *launcher_token = NULL;

	memset(c, 0, sizeof(*c));
	if (!registered)
		registered = atexit(leave_nothing_behind) == 0;
	live = c;
	c->valgrind = opts && opts->valgrind;
	c->resync_seconds = opts ? opts->resync_seconds : 0;
	c->launcher_qps = opts ? opts->launcher_qps : 0;
	c->max_running_per_ns = opts ? opts->max_running_per_ns : 0;
	c->minted = opts && opts->minted_tokens;
	c->slow = c->valgrind ? 10 : 1;
	cr_assert(testenv_have_kubectl(), "kubectl is not on PATH");
	if (external && *external && c->minted) {
		c->external = true;
		cluster_require_test_server(c, "the pod's own token, as the kubelet projects it");
	}
	if (external && *external)
		connect_external(c, external, &watcher_token, &launcher_token);
	else
		start_test_server(c, opts, &watcher_token, &launcher_token);
	if (c->external)
		sweep_leftovers(c);
	install(c);
	if (opts && opts->admission_policies)
		install_admission_policies(c);
	if (c->minted)
		pod_token(c, opts->token_max_seconds);
	if (c->external)
		cluster_set_allowlist(c, NULL); /* every test starts without one */
	make_namespace(c);
	c->watcher_token = watcher_token;
	c->launcher_token = launcher_token;
	c->config = config_file(c, c->env.dir, "config.yaml");
	if (!(opts && opts->peers_by_test))
		cluster_procs_start(c);
}

void cluster_stop(struct cluster *c)
{
	if (live == c)
		live = NULL;
	cluster_procs_stop(c);
	if (c->replica > 0)
		stop_process(c->replica, SIGTERM, CL_WAIT_MS * c->slow);
	if (c->external && c->env.url[0]) /* connected (a minted test skips before) */
		external_remove(c);
	if (c->env.dir)
		testenv_stop(&c->env);
	free(c->log);
	free(c->config);
	free(c->watcher_token);
	free(c->launcher_token);
	free(c->role_token[0]);
	free(c->role_token[1]);
	if (c->locked)
		close(c->lock_fd); /* releases the lock */
	memset(c, 0, sizeof(*c));
}

void cluster_setup(void)
{
	cluster_start(&cl, NULL);
}

void cluster_teardown(void)
{
	cluster_stop(&cl);
}

void cluster_require_test_server(struct cluster *c, const char *needs)
{
	if (!c->external)
		return;
	/* a skipped test's fixture is not torn down for it: without this its
	 * launcher would die holding the Lease, and the namespace would stay */
	cluster_stop(c);
	cr_skip_test("needs the test API server (%s); MGO_E2E_KUBECONFIG points elsewhere", needs);
}

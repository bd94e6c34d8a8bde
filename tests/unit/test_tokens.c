/* mgo-tokens against the test API server with deploy/'s RBAC: it mints each
 * role a token that is that role and nothing more, writes it for that role
 * alone, renews it before it expires, retries what is refused, and never
 * writes a token to its log. The pod's own token is a line of the server's
 * token file here (the kubelet's part); its pod binding is the server's,
 * tested in test_apiserver_tokenrequest.c. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "mgo/loop.h"
#include "spawn.h"
#include "testenv.h"
#include "tokens.h"

#define NS "must-gather-operator"
#define POD_TOKEN "pod-token-0123456789"
#define POD_SA "system:serviceaccount:" NS ":must-gather-operator"
#define WAIT_MS 15000

static struct testenv env;
static char *cfg, *log_path, *watcher_file, *launcher_file;
static pid_t pid;

static void start_server(unsigned max_expiration)
{
	struct testenv_opts o = {
		.load_dirs = {MGO_SOURCE_DIR "/deploy/crds", MGO_SOURCE_DIR "/deploy/rbac", NULL},
		.extra_tokens = POD_TOKEN "," POD_SA ",uid-pod-sa,\"system:serviceaccounts,"
			       "system:serviceaccounts:" NS "\"\n",
		.max_token_expiration = max_expiration,
	};
	char dir[600], *text = NULL;

	testenv_start(&env, &o);
	snprintf(dir, sizeof(dir), "%s/pod", env.dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	free(mgo_test_write(dir, "token", POD_TOKEN));
	snprintf(dir, sizeof(dir), "%s/roles", env.dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert(asprintf(&watcher_file, "%s/roles/watcher/token", env.dir) > 0);
	cr_assert(asprintf(&launcher_file, "%s/roles/launcher/token", env.dir) > 0);
	cr_assert(asprintf(&log_path, "%s/tokens.log", env.dir) > 0);
	cr_assert(asprintf(&text,
			   "namespace: " NS "\n"
			   "defaultImage: quay.io/openshift/origin-must-gather:latest\n"
			   "operatorImage: quay.io/openshift/must-gather-operator:latest\n"
			   "roles:\n"
			   "  watcher: {tokenFile: %s, caFile: %s, server: \"%s\"}\n"
			   "  launcher: {tokenFile: %s, caFile: %s, server: \"%s\"}\n"
			   "tokens: {tokenFile: %s/pod/token, caFile: %s, server: \"%s\"}\n",
			   watcher_file, env.ca, env.url, launcher_file, env.ca, env.url, env.dir,
			   env.ca, env.url) > 0);
	cfg = mgo_test_write(env.dir, "config.yaml", text);
	free(text);
}

static void start_tokens(void)
{
	const char *argv[] = {MGO_TOKENS_BIN, "--config", cfg, NULL};

	pid = spawn_logged(argv, NULL, log_path);
	cr_assert_gt(pid, 0);
}

static void teardown(void)
{
	if (pid > 0)
		stop_process(pid, SIGKILL, 5000);
	pid = 0;
	testenv_stop(&env);
	free(cfg);
	free(log_path);
	free(watcher_file);
	free(launcher_file);
	cfg = log_path = watcher_file = launcher_file = NULL;
}

TestSuite(tokens, .fini = teardown, .timeout = 120);

/* Who the token is, by SelfSubjectReview. */
static char *whoami(const char *token)
{
	json_t *r = NULL;
	long code = testenv_call(&env, token, "POST",
				 "/apis/authentication.k8s.io/v1/selfsubjectreviews", NULL,
				 "{\"apiVersion\":\"authentication.k8s.io/v1\","
				 "\"kind\":\"SelfSubjectReview\"}", &r);
	const char *u = json_string_value(json_object_get(
		json_object_get(json_object_get(r, "status"), "userInfo"), "username"));
	char *out;

	cr_assert_eq(code, 201, "SelfSubjectReview: %ld", code);
	out = strdup(u ? u : "");
	json_decref(r);
	return out;
}

/* Whether the token may create Jobs in namespace team-a, by
 * SelfSubjectAccessReview (RBAC, asked as the token). */
static bool may_create_jobs(const char *token)
{
	json_t *r = NULL;
	long code = testenv_call(&env, token, "POST",
				 "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", NULL,
				 "{\"apiVersion\":\"authorization.k8s.io/v1\","
				 "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":"
				 "{\"namespace\":\"team-a\",\"verb\":\"create\",\"group\":\"batch\","
				 "\"resource\":\"jobs\"}}}", &r);
	bool ok = json_is_true(json_object_get(json_object_get(r, "status"), "allowed"));

	cr_assert_eq(code, 201, "SelfSubjectAccessReview: %ld", code);
	json_decref(r);
	return ok;
}

static char *read_token(const char *path)
{
	char *t = slurp(path);

	cr_assert(t && *t, "no token in %s", path);
	return t;
}

/* The "expires" of the n-th (0-based) tokens.minted line for role, as Unix
 * seconds, or 0. */
static time_t minted_expiry(const char *role, int n)
{
	char *text = slurp(log_path), *save = NULL;
	time_t exp = 0;

	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && !exp;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *ev = json_string_value(json_object_get(j, "event"));
		const char *r = json_string_value(json_object_get(j, "for"));
		const char *e = json_string_value(json_object_get(j, "expires"));
		struct tm tm = {0};
		if (ev && r && e && !strcmp(ev, "tokens.minted") && !strcmp(r, role) && n-- == 0 &&
		    strptime(e, "%Y-%m-%dT%H:%M:%SZ", &tm))
			exp = timegm(&tm);
		json_decref(j);
	}
	free(text);
	return exp;
}

static void expect_not_logged(const char *token)
{
	char *log = slurp(log_path), *audit = slurp(env.audit_log);

	cr_assert_not_null(log);
	cr_expect_null(strstr(log, token), "a token in mgo-tokens's log");
	cr_expect(!audit || !strstr(audit, token), "a token in the audit log");
	free(log);
	free(audit);
}

Test(tokens, mints_each_role_a_token_that_is_that_role_only)
{
	struct stat st;
	char *w, *l, *who;
	int status;

	start_server(0);
	start_tokens();
	cr_assert(wait_for_text(log_path, "\"tokens.ready\"", WAIT_MS), "not ready:\n%s",
		  slurp(log_path));
	w = read_token(watcher_file);
	l = read_token(launcher_file);
	cr_assert_str_neq(w, l);
	cr_assert_eq(stat(watcher_file, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0400, "token file mode %o", st.st_mode & 07777);
	who = whoami(w);
	cr_expect_str_eq(who, "system:serviceaccount:" NS ":mgo-watcher");
	free(who);
	who = whoami(l);
	cr_expect_str_eq(who, "system:serviceaccount:" NS ":mgo-launcher");
	free(who);
	/* deploy/rbac decides what each is worth */
	cr_expect(!may_create_jobs(w), "the watcher's token creates Jobs");
	cr_expect(may_create_jobs(l), "the launcher's token cannot create Jobs");
	cr_expect(!may_create_jobs(POD_TOKEN), "the pod's own token creates Jobs");
	cr_expect_eq(testenv_call(&env, POD_TOKEN, "GET",
				  "/apis/operator.openshift.io/v1alpha1/mustgathers", NULL, NULL,
				  NULL), 403, "the pod's own token reads MustGathers");
	cr_expect_eq(testenv_call(&env, POD_TOKEN, "POST",
				  "/api/v1/namespaces/" NS "/serviceaccounts/default/token", NULL,
				  "{\"spec\":{}}", NULL), 403,
		     "the pod's own token mints for another account");
	/* asked for kube's minimum, 600 s */
	time_t exp = minted_expiry("watcher", 0);
	cr_expect(exp >= time(NULL) + 590 && exp <= time(NULL) + 601, "expires in 600 s");
	status = stop_process(pid, SIGTERM, WAIT_MS);
	pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %#x", status);
	expect_not_logged(w);
	expect_not_logged(l);
	expect_not_logged(POD_TOKEN);
	free(w);
	free(l);
}

Test(tokens, renews_each_token_before_it_expires)
{
	char *first, *now = NULL;
	time_t exp;
	uint64_t end;

	/* the server cuts every lifetime to 3 s: renewal at 80% */
	start_server(3);
	start_tokens();
	cr_assert(wait_for_text(log_path, "\"tokens.ready\"", WAIT_MS), "not ready:\n%s",
		  slurp(log_path));
	first = read_token(watcher_file);
	exp = minted_expiry("watcher", 0);
	cr_assert(exp > 0 && exp <= time(NULL) + 3, "the first token lives at most 3 s");
	end = mgo_now_ms() + WAIT_MS;
	for (;;) {
		free(now);
		now = slurp(watcher_file);
		if (now && *now && strcmp(now, first) != 0)
			break;
		cr_assert(mgo_now_ms() < end, "the watcher's token was never renewed");
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_assert_lt(time(NULL), exp, "renewed only at or after the old token's expiry");
	/* the old token dies on time, the new one works */
	end = mgo_now_ms() + 5000;
	while (time(NULL) < exp && mgo_now_ms() < end) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_expect_eq(testenv_call(&env, first, "GET", "/version", NULL, NULL, NULL), 401);
	char *who = whoami(now);
	cr_expect_str_eq(who, "system:serviceaccount:" NS ":mgo-watcher");
	free(who);
	cr_assert(minted_expiry("launcher", 1) > 0, "the launcher's token was renewed too");
	expect_not_logged(first);
	expect_not_logged(now);
	free(first);
	free(now);
}

Test(tokens, a_refused_request_is_retried_and_not_ready_until_it_works)
{
	json_t *rb = NULL;
	const char *path =
		"/apis/rbac.authorization.k8s.io/v1/namespaces/" NS "/rolebindings/mgo-tokens";

	start_server(0);
	cr_assert_eq(testenv_call(&env, env.admin_token, "GET", path, NULL, NULL, &rb), 200);
	json_object_del(json_object_get(rb, "metadata"), "resourceVersion");
	json_object_del(json_object_get(rb, "metadata"), "uid");
	json_object_del(json_object_get(rb, "metadata"), "creationTimestamp");
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", path, NULL, NULL, NULL), 200);
	start_tokens();
	cr_assert(wait_for_text(log_path, "\"tokens.mint_failed\"", WAIT_MS), "no failure logged");
	cr_assert(wait_for_text(log_path, "403 Forbidden", WAIT_MS), "not the 403:\n%s",
		  slurp(log_path));
	char *log = slurp(log_path);
	cr_expect_null(strstr(log, "\"tokens.ready\""), "ready without tokens");
	free(log);
	char *text = json_dumps(rb, JSON_COMPACT);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST",
				  "/apis/rbac.authorization.k8s.io/v1/namespaces/" NS "/rolebindings",
				  NULL, text, NULL), 201);
	free(text);
	json_decref(rb);
	cr_assert(wait_for_text(log_path, "\"tokens.ready\"", WAIT_MS), "not ready after the fix");
}

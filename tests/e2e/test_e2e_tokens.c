/* The operator as deploy/ runs it: mgo-tokens mints the watcher's and the
 * launcher's tokens with the pod's own token, and the roles work with
 * nothing else (the server's token file has no token for them). With
 * tokens that live seconds, each is rewritten before it expires and the
 * operator carries on across many expiries (the roles re-read their token
 * file on a 401). Needs the test API server: the pod's own token is the
 * kubelet's to project, which the fixture plays here. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cluster.h"
#include "mgo/loop.h"
#include "spawn.h"

static void teardown(void)
{
	cluster_stop(&cl);
}

TestSuite(tokens, .fini = teardown, .timeout = 240);

static char *token_of(int role)
{
	char *t = slurp(cl.role_token[role]);

	cr_assert(t && *t, "mgo-tokens wrote no token at %s", cl.role_token[role]);
	return t;
}

/* The audit log's user for requests made with a token, by the request:
 * the Job's creation in the test's namespace. */
static const char *job_creator(const json_t *audit)
{
	const json_t *line;
	size_t i;

	json_array_foreach(audit, i, line) {
		const char *verb = cl_str(line, "verb"), *res = cl_str(line, "resource");
		const char *ns = cl_str(line, "namespace");
		if (verb && res && ns && !strcmp(verb, "create") && !strcmp(res, "jobs") &&
		    !strcmp(ns, cl.ns) && json_integer_value(json_object_get(line, "code")) == 201)
			return cl_str(line, "user");
	}
	return NULL;
}

/* The line number of the first supervisor line of `event` about `child`
 * in the operator's log, or -1. */
static long first_line(const char *event, const char *child)
{
	char *text = slurp(cl.log), *save = NULL;
	long n = 0, found = -1;

	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && found < 0;
	     line = strtok_r(NULL, "\n", &save), n++) {
		json_t *j = json_loads(line, 0, NULL);
		const char *ev = cl_str(j, "event"), *ch = cl_str(j, "child");
		if (ev && ch && !strcmp(ev, event) && !strcmp(ch, child))
			found = n;
		json_decref(j);
	}
	free(text);
	return found;
}

static void expect_not_in_log(const char *token)
{
	char *log = slurp(cl.log);

	cr_assert_not_null(log);
	cr_expect_null(strstr(log, token), "a token in the operator's log");
	free(log);
}

Test(tokens, minted_tokens_launch_a_mustgather)
{
	struct cluster_opts o = {.minted_tokens = true};
	char *w, *l;
	json_t *audit;
	struct stat st;

	cluster_start(&cl, &o);
	w = token_of(0);
	l = token_of(1);
	cr_expect_str_neq(w, l);
	cr_assert_eq(stat(cl.role_token[0], &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0400);
	/* the roles with a token start once it is written; the validator,
	 * which has none, does not wait (supervisor/policy.h, mgo_sup_needs) */
	long ready = first_line("supervisor.child.ready", "tokens");
	cr_expect(ready >= 0, "mgo-tokens never became ready");
	cr_expect_lt(ready, first_line("supervisor.child.started", "launcher"));
	cr_expect_lt(ready, first_line("supervisor.child.started", "watcher"));
	cr_expect_lt(first_line("supervisor.child.started", "validator"), ready);
	json_decref(cluster_create_mg(&cl, "minted", "{}"));
	json_decref(cluster_wait_job(&cl, "minted"));
	/* the Job came from the launcher's minted token: the server knows the
	 * launcher by no other */
	audit = cluster_audit(&cl);
	cr_expect_str_eq(job_creator(audit) ?: "(none)", CL_LAUNCHER_USER);
	json_decref(audit);
	cr_expect_eq(testenv_call(&cl.env, w, "GET", "/version", NULL, NULL, NULL), 200);
	expect_not_in_log(w);
	expect_not_in_log(l);
	free(w);
	free(l);
}

Test(tokens, tokens_are_rewritten_before_they_expire_and_the_operator_carries_on)
{
	struct cluster_opts o = {.minted_tokens = true, .token_max_seconds = 4};
	char *first[2], *now = NULL;
	uint64_t end;

	cluster_start(&cl, &o);
	for (int r = 0; r < 2; r++) {
		first[r] = token_of(r);
		end = mgo_now_ms() + (uint64_t)CL_WAIT_MS;
		for (;;) {
			free(now);
			now = slurp(cl.role_token[r]);
			if (now && *now && strcmp(now, first[r]) != 0)
				break;
			cr_assert(mgo_now_ms() < end, "the %s's token was never rewritten",
				  r ? "launcher" : "watcher");
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		/* the token it replaced was still valid: the new one came first */
		cr_expect_eq(testenv_call(&cl.env, first[r], "GET", "/version", NULL, NULL, NULL),
			     200, "the %s's token was renewed only after it expired",
			     r ? "launcher" : "watcher");
	}
	/* several lifetimes later, the first tokens are dead and the operator
	 * still works with their successors */
	end = mgo_now_ms() + 9000;
	while (mgo_now_ms() < end) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	for (int r = 0; r < 2; r++) {
		cr_expect_eq(testenv_call(&cl.env, first[r], "GET", "/version", NULL, NULL, NULL),
			     401, "an expired token still works");
		expect_not_in_log(first[r]);
		free(first[r]);
	}
	json_decref(cluster_create_mg(&cl, "renewed", "{}"));
	json_decref(cluster_wait_job(&cl, "renewed"));
	free(now);
}

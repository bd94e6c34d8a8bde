/* Helpers shared by the Criterion tests: starting the programs under test. */
#ifndef MGO_TESTENV_H
#define MGO_TESTENV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Temporary fixture trees. Each helper fails the running test (cr_assert)
 * instead of returning an error. */

/* A new private directory under $TMPDIR (default /tmp); free the result and
 * remove the tree with mgo_test_rmtree(). */
char *mgo_test_tmpdir(void);

/* Writes content to dir/name (mode 0600, replacing any file there) and
 * returns the new path (caller frees). */
char *mgo_test_write(const char *dir, const char *name, const char *content);

/* Writes a role's token to dir/ROLE.credentials/token, alone in its own
 * directory (the sandbox refuses a token directory shared with another
 * role's; and dir/ROLE is where that role's socket goes); returns the path
 * (caller frees). */
char *mgo_test_write_role_token(const char *dir, const char *role, const char *token);

/* Removes dir and everything under it, without following symlinks. */
void mgo_test_rmtree(const char *dir);

/* In a child between fork and exec: SIGKILL it when the test process that
 * forked it (pid `parent`) dies, so a test that crashes or is killed at its
 * timeout leaves no server or operator process behind. 0 or -errno. */
int mgo_test_die_with_parent(pid_t parent);

/* A suite fixture: TestSuite(x, .init = mgo_test_tmp_init, .fini =
 * mgo_test_tmp_fini) gives each test a fresh mgo_test_dir, removed after. */
extern char *mgo_test_dir;
void mgo_test_tmp_init(void);
void mgo_test_tmp_fini(void);

/* --- the test API server ------------------------------------------------
 *
 * testenv_start() runs MGO_APISERVER_BIN on 127.0.0.1:0 in a fresh private
 * directory with a token file holding the users below, waits (with a
 * deadline) for its "listening" line, and leaves the kubeconfig, CA and
 * audit log paths in the struct. testenv_stop() terminates and reaps it and
 * removes the directory. Each helper fails the running test on setup
 * errors; request helpers report HTTP results for the test to assert. */

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* Users of the token file every test server gets. */
#define TESTENV_ALICE_TOKEN "alice-token-0123456789"  /* user alice, group dev */
#define TESTENV_BOB_TOKEN "bob-token-0123456789"      /* user bob, no groups */
#define TESTENV_SA_TOKEN "sa-token-0123456789"        /* system:serviceaccount:ops:robot */

struct testenv_opts {
	const char *load_dirs[4];      /* --load directories, NULL-terminated */
	const char *extra_tokens;      /* more token-file lines, or NULL */
	unsigned bookmark_interval_ms; /* 0: the server's default */
	unsigned long event_window;    /* 0: the server's default */
	/* --service-account-max-token-expiration: TokenRequest tokens live at
	 * most this many seconds (0: as asked, kube's 600 s minimum) */
	unsigned max_token_expiration;
	/* --no-admission-policies: no ValidatingAdmissionPolicy kinds, as before
	 * Kubernetes 1.30 */
	bool no_admission_policies;
};

struct testenv {
	pid_t pid;
	char *dir;
	char url[128];
	char admin_token[128];
	char *kubeconfig, *ca, *audit_log, *server_log;
	/* A client certificate and key (PEM, NUL-ended, in memory: never
	 * written to disk) testenv_request presents, or NULL. testenv_start
	 * leaves them NULL; the e2e fixture sets them for an external cluster
	 * whose admin kubeconfig uses one. testenv_stop wipes and frees them. */
	char *client_cert_pem, *client_key_pem;
};

void testenv_start(struct testenv *env, const struct testenv_opts *opts);
void testenv_stop(struct testenv *env);

struct testenv_resp {
	long code;
	char *body;    /* NUL-ended */
	json_t *json;  /* body parsed, or NULL */
	char *headers; /* raw response headers */
};

/* One HTTPS request with the bearer token (NULL: none), verifying the
 * server against its CA. body may be NULL. Fails the test only when the
 * request could not be made at all. */
void testenv_request(const struct testenv *env, const char *token, const char *method,
		     const char *path, const char *content_type, const char *body,
		     struct testenv_resp *out);
void testenv_resp_free(struct testenv_resp *r);

/* Sets a libcurl easy handle (a CURL *) up to trust env's CA and, where env
 * has one, to present its client certificate: what every request to the
 * server needs besides its own URL, method and headers. */
void testenv_curl_tls(const struct testenv *env, void *easy);

/* A growing NUL-ended buffer, and curl's write callback that appends to
 * one (CURLOPT_WRITEDATA: the buffer); p is NULL until something arrives.
 * The caller frees p. */
struct mgo_test_buf {
	char *p;
	size_t len;
};
size_t mgo_test_buf_append(char *data, size_t size, size_t n, void *buf);
/* testenv_request for callers that want the code and, if json is not NULL,
 * a new reference to the parsed body (NULL when it was not JSON). */
long testenv_call(const struct testenv *env, const char *token, const char *method,
		  const char *path, const char *content_type, const char *body, json_t **json);
/* Makes namespace ns as admin, or finds it there; fails the test otherwise. */
void testenv_mkns(const struct testenv *env, const char *ns);
/* The value of response header name (case-insensitive) into buf, or false. */
bool testenv_header(const struct testenv_resp *r, const char *name, char *buf, size_t len);
/* Lines of the audit log whose JSON has key == value, joined by '\n'
 * (caller frees). */
char *testenv_audit_grep(const struct testenv *env, const char *key, const char *value);
/* Until the server has held n requests so far (a fault with "hold":
 * tests/apiserver/README.md), or timeout_ms pass; returns whether it has. */
bool testenv_wait_held(const struct testenv *env, long n, int timeout_ms);

/* Whether kubectl is on PATH (tests skip with a message otherwise). */
bool testenv_have_kubectl(void);
/* Runs kubectl argv[] (without "kubectl", NULL-terminated) with KUBECONFIG
 * and HOME set for env, never through a shell; *out gets stdout and stderr
 * (caller frees), *exitcode the exit status. Killed after 60 seconds. */
void run_kubectl(const struct testenv *env, const char *const argv[], char **out,
		 int *exitcode);
/* /usr/bin/python3 script args... the same way. */
void run_python(const struct testenv *env, const char *script, const char *const args[],
		char **out, int *exitcode);

/* A program left running (kubectl get -w) whose output is read as it comes. */
struct testenv_proc {
	pid_t pid;
	int fd;
	char *buf;
	size_t len, cap;
};
void testenv_spawn_kubectl(const struct testenv *env, const char *const argv[],
			   struct testenv_proc *p);
/* Reads until the output contains needle or timeout_ms pass; true if found. */
bool testenv_proc_wait_for(struct testenv_proc *p, const char *needle, int timeout_ms);
void testenv_proc_stop(struct testenv_proc *p);
/* Reads fd until every writer has closed it, into buf (NUL-terminated,
 * the excess dropped). If that takes longer than deadline_ms, kills pid
 * with SIGKILL, reaps it and returns -ETIMEDOUT; otherwise returns the
 * bytes kept. Does not close fd or reap pid on success. */
ssize_t mgo_test_drain(int fd, pid_t pid, char *buf, size_t len, uint64_t deadline_ms);

#endif

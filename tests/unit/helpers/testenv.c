#include "testenv.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgo/loop.h"

char *mgo_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = NULL;

	cr_assert(asprintf(&dir, "%s/mgo-test-XXXXXX", base && *base ? base : "/tmp") > 0);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
	return dir;
}

char *mgo_test_write(const char *dir, const char *name, const char *content)
{
	size_t len = strlen(content), off = 0;
	char *path = NULL;
	int fd;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert(fd >= 0, "open %s", path);
	while (off < len) {
		ssize_t n = write(fd, content + off, len - off);

		cr_assert(n > 0, "write %s", path);
		off += (size_t)n;
	}
	cr_assert(close(fd) == 0);
	return path;
}

char *mgo_test_write_role_token(const char *dir, const char *role, const char *token)
{
	char *sub = NULL, *path;

	/* each role's token alone in its directory, as the sandbox requires */
	cr_assert(asprintf(&sub, "%s/%s.credentials", dir, role) > 0);
	cr_assert(mkdir(sub, 0700) == 0 || errno == EEXIST, "mkdir %s", sub);
	path = mgo_test_write(sub, "token", token);
	free(sub);
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void mgo_test_rmtree(const char *dir)
{
	cr_assert(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "rm -r %s", dir);
}

int mgo_test_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return -errno;
	/* the parent may have died before the request took effect */
	return getppid() == parent ? 0 : -ESRCH;
}

char *mgo_test_dir;

void mgo_test_tmp_init(void)
{
	mgo_test_dir = mgo_test_tmpdir();
}

void mgo_test_tmp_fini(void)
{
	mgo_test_rmtree(mgo_test_dir);
	free(mgo_test_dir);
	mgo_test_dir = NULL;
}

/* --- the test API server ---------------------------------------------------- */


extern char **environ;

#define SERVER_START_MS 20000
#define CHILD_MS 60000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* environ with KUBECONFIG and HOME replaced (strings live in env). */
static char **child_env(const struct testenv *env, char *kc, size_t kclen, char *home,
			size_t homelen)
{
	size_t n = 0, i, k = 0;
	char **v;

	while (environ[n])
		n++;
	v = calloc(n + 3, sizeof(*v));
	cr_assert_not_null(v);
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "KUBECONFIG=", 11) && strncmp(environ[i], "HOME=", 5))
			v[k++] = environ[i];
	snprintf(kc, kclen, "KUBECONFIG=%s", env->kubeconfig);
	snprintf(home, homelen, "HOME=%s", env->dir);
	v[k++] = kc;
	v[k++] = home;
	return v;
}

/* fork + exec with stdout (and stderr, unless err_fd >= 0) on a new pipe
 * whose read end is returned in *fd. path_search uses PATH. */
static pid_t spawn(const char *file, char *const argv[], char *const envp[], bool path_search,
		   int err_fd, int *fd)
{
	pid_t parent = getpid(), pid;
	int p[2];

	cr_assert(pipe2(p, O_CLOEXEC) == 0);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (mgo_test_die_with_parent(parent) != 0 || devnull < 0 || dup2(devnull, 0) < 0 ||
		    dup2(p[1], 1) < 0 || dup2(err_fd >= 0 ? err_fd : p[1], 2) < 0)
			_exit(127);
		if (path_search)
			execvpe(file, argv, envp);
		else
			execve(file, argv, envp);
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/* Reads fd into *buf (appending) until EOF or the deadline; true at EOF. */
static bool read_until(int fd, char **buf, size_t *len, size_t *cap, long long deadline,
		       const char *needle)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_ms();
		ssize_t n;
		if (needle && *buf && strstr(*buf, needle))
			return false;
		if (left <= 0)
			return false;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (*len + 4097 > *cap) {
			*cap = (*len + 4097) * 2;
			*buf = realloc(*buf, *cap);
			cr_assert_not_null(*buf);
		}
		n = read(fd, *buf + *len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
}

static int reap(pid_t pid, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(5000);
	}
}

static void run_child(const struct testenv *env, const char *file, char *const argv[],
		      bool path_search, char **out, int *exitcode)
{
	char kc[1024], home[1024];
	char **envp = child_env(env, kc, sizeof(kc), home, sizeof(home));
	size_t len = 0, cap = 0;
	int fd, status;
	pid_t pid = spawn(file, argv, envp, path_search, -1, &fd);
	bool eof;

	*out = NULL;
	eof = read_until(fd, out, &len, &cap, now_ms() + CHILD_MS, NULL);
	close(fd);
	if (!eof)
		kill(pid, SIGKILL);
	status = reap(pid, eof ? CHILD_MS : 1000);
	free(envp);
	if (!*out)
		*out = strdup("");
	*exitcode = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return strdup("");
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

void testenv_start(struct testenv *env, const struct testenv_opts *opts)
{
	static const char tokens[] = TESTENV_ALICE_TOKEN ",alice,uid-alice,\"dev\"\n"
				     TESTENV_BOB_TOKEN ",bob,uid-bob\n"
				     TESTENV_SA_TOKEN ",system:serviceaccount:ops:robot,uid-robot,"
				     "\"system:serviceaccounts,system:serviceaccounts:ops\"\n";
	char *tokfile, bm[32], ew[32], mte[32], *kc, *t;
	const char *argv[28];
	size_t n = 0, len = 0, cap = 0;
	char *out = NULL;
	int fd, logfd;

	memset(env, 0, sizeof(*env));
	env->dir = mgo_test_tmpdir();
	if (opts && opts->extra_tokens) {
		char *all = NULL;
		cr_assert(asprintf(&all, "%s%s", tokens, opts->extra_tokens) > 0);
		tokfile = mgo_test_write(env->dir, "tokens.csv", all);
		free(all);
	} else {
		tokfile = mgo_test_write(env->dir, "tokens.csv", tokens);
	}
	cr_assert(asprintf(&env->kubeconfig, "%s/kubeconfig", env->dir) > 0);
	cr_assert(asprintf(&env->ca, "%s/ca.pem", env->dir) > 0);
	cr_assert(asprintf(&env->audit_log, "%s/audit.log", env->dir) > 0);
	cr_assert(asprintf(&env->server_log, "%s/server.log", env->dir) > 0);
	argv[n++] = MGO_APISERVER_BIN;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--token-auth-file";
	argv[n++] = tokfile;
	argv[n++] = "--kubeconfig-out";
	argv[n++] = env->kubeconfig;
	argv[n++] = "--ca-out";
	argv[n++] = env->ca;
	argv[n++] = "--audit-log";
	argv[n++] = env->audit_log;
	for (size_t i = 0; opts && i < 4 && opts->load_dirs[i]; i++) {
		argv[n++] = "--load";
		argv[n++] = opts->load_dirs[i];
	}
	if (opts && opts->bookmark_interval_ms) {
		snprintf(bm, sizeof(bm), "%u", opts->bookmark_interval_ms);
		argv[n++] = "--bookmark-interval-ms";
		argv[n++] = bm;
	}
	if (opts && opts->event_window) {
		snprintf(ew, sizeof(ew), "%lu", opts->event_window);
		argv[n++] = "--event-window";
		argv[n++] = ew;
	}
	if (opts && opts->max_token_expiration) {
		snprintf(mte, sizeof(mte), "%u", opts->max_token_expiration);
		argv[n++] = "--service-account-max-token-expiration";
		argv[n++] = mte;
	}
	if (opts && opts->no_admission_policies)
		argv[n++] = "--no-admission-policies";
	argv[n] = NULL;
	logfd = open(env->server_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert(logfd >= 0);
	env->pid = spawn(MGO_APISERVER_BIN, (char *const *)argv, environ, false, logfd, &fd);
	close(logfd);
	read_until(fd, &out, &len, &cap, now_ms() + SERVER_START_MS, "\n");
	close(fd);
	if (!out || strncmp(out, "listening ", 10)) {
		char *log = read_whole(env->server_log);
		cr_assert_fail("the test API server did not start: %s\n%s", out ? out : "(no output)", log);
	}
	snprintf(env->url, sizeof(env->url), "%.*s", (int)strcspn(out + 10, "\n"), out + 10);
	free(out);
	free(tokfile);
	kc = read_whole(env->kubeconfig);
	t = strstr(kc, "token: ");
	cr_assert_not_null(t, "no token in the kubeconfig");
	snprintf(env->admin_token, sizeof(env->admin_token), "%.*s", (int)strcspn(t + 7, "\n"),
		 t + 7);
	free(kc);
}

void testenv_stop(struct testenv *env)
{
	int status;

	if (env->pid > 0) {
		kill(env->pid, SIGTERM);
		status = reap(env->pid, 20000);
		if (!(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			char *log = read_whole(env->server_log);
			cr_expect(0, "the test API server did not exit cleanly (status %d):\n%s",
				  status, log);
			free(log);
		}
		env->pid = 0;
	}
	if (env->dir) {
		mgo_test_rmtree(env->dir);
		free(env->dir);
	}
	free(env->kubeconfig);
	free(env->ca);
	free(env->audit_log);
	free(env->server_log);
	free(env->client_cert_pem);
	if (env->client_key_pem)
		explicit_bzero(env->client_key_pem, strlen(env->client_key_pem));
	free(env->client_key_pem);
	memset(env, 0, sizeof(*env));
}

size_t mgo_test_buf_append(char *data, size_t size, size_t n, void *arg)
{
	struct mgo_test_buf *g = arg;
	char *p = realloc(g->p, g->len + size * n + 1);

	if (!p)
		return 0;
	memcpy(p + g->len, data, size * n);
	g->p = p;
	g->len += size * n;
	g->p[g->len] = '\0';
	return size * n;
}

void testenv_curl_tls(const struct testenv *env, void *easy)
{
	CURL *c = easy;

	curl_easy_setopt(c, CURLOPT_CAINFO, env->ca);
	if (env->client_cert_pem && env->client_key_pem) {
		struct curl_blob cert = {env->client_cert_pem, strlen(env->client_cert_pem),
					 CURL_BLOB_NOCOPY};
		struct curl_blob key = {env->client_key_pem, strlen(env->client_key_pem),
					CURL_BLOB_NOCOPY};
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	}
}

void testenv_request(const struct testenv *env, const char *token, const char *method,
		     const char *path, const char *content_type, const char *body,
		     struct testenv_resp *out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct mgo_test_buf b = {NULL, 0}, hd = {NULL, 0};
	char url[2048], line[1024];
	CURLcode rc;

	cr_assert_not_null(c);
	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s%s", env->url, path);
	if (token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, line);
	}
	snprintf(line, sizeof(line), "Content-Type: %s",
		 content_type ? content_type : "application/json");
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	testenv_curl_tls(env, c);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mgo_test_buf_append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, mgo_test_buf_append);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	cr_assert(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->code);
	out->body = b.p ? b.p : strdup("");
	out->headers = hd.p ? hd.p : strdup("");
	out->json = json_loads(out->body, 0, NULL);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

void testenv_resp_free(struct testenv_resp *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

void testenv_mkns(const struct testenv *env, const char *ns)
{
	char body[300];
	long code;

	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"}}", ns);
	code = testenv_call(env, env->admin_token, "POST", "/api/v1/namespaces", NULL, body, NULL);
	cr_assert(code == 201 || code == 409, "namespace %s: %ld", ns, code);
}

long testenv_call(const struct testenv *env, const char *token, const char *method,
		  const char *path, const char *content_type, const char *body, json_t **json)
{
	struct testenv_resp r;
	long code;

	testenv_request(env, token, method, path, content_type, body, &r);
	code = r.code;
	if (json)
		*json = json_incref(r.json);
	testenv_resp_free(&r);
	return code;
}

bool testenv_header(const struct testenv_resp *r, const char *name, char *buf, size_t len)
{
	const char *p = r->headers;
	size_t n = strlen(name);

	while (p && *p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			snprintf(buf, len, "%.*s", (int)strcspn(v, "\r\n"), v);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static long held_so_far(const struct testenv *env)
{
	json_t *f = NULL;
	long n;

	cr_assert_eq(testenv_call(env, env->admin_token, "GET", "/mgo-test/faults", NULL, NULL, &f),
		     200);
	n = (long)json_integer_value(json_object_get(json_object_get(f, "injected"), "held"));
	json_decref(f);
	return n;
}

bool testenv_wait_held(const struct testenv *env, long n, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;

	while (held_so_far(env) < n) {
		if (mgo_now_ms() >= end)
			return false;
		usleep(10000); /* the server's counter: nothing to wait on */
	}
	return true;
}

char *testenv_audit_grep(const struct testenv *env, const char *key, const char *value)
{
	char *all = read_whole(env->audit_log), *out = strdup(""), *save = NULL, *line;
	size_t olen = 0;

	cr_assert_not_null(out);
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *v = json_string_value(json_object_get(j, key));
		if (v && strcmp(v, value) == 0) {
			size_t l = strlen(line);
			out = realloc(out, olen + l + 2);
			cr_assert_not_null(out);
			memcpy(out + olen, line, l);
			olen += l;
			out[olen++] = '\n';
			out[olen] = '\0';
		}
		json_decref(j);
	}
	free(all);
	return out;
}

bool testenv_have_kubectl(void)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (!path)
		return false;
	copy = strdup(path);
	cr_assert_not_null(copy);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char file[4096];
		snprintf(file, sizeof(file), "%s/kubectl", dir);
		found = access(file, X_OK) == 0;
	}
	free(copy);
	return found;
}

void run_kubectl(const struct testenv *env, const char *const argv[], char **out,
		 int *exitcode)
{
	const char *full[64];
	size_t n = 0;

	full[n++] = "kubectl";
	while (argv[n - 1] && n < 63) {
		full[n] = argv[n - 1];
		n++;
	}
	full[n] = NULL;
	run_child(env, "kubectl", (char *const *)full, true, out, exitcode);
}

void run_python(const struct testenv *env, const char *script, const char *const args[],
		char **out, int *exitcode)
{
	const char *full[64];
	size_t n = 0, i;

	full[n++] = "/usr/bin/python3";
	full[n++] = script;
	for (i = 0; args && args[i] && n < 63; i++)
		full[n++] = args[i];
	full[n] = NULL;
	run_child(env, "/usr/bin/python3", (char *const *)full, false, out, exitcode);
}

void testenv_spawn_kubectl(const struct testenv *env, const char *const argv[],
			   struct testenv_proc *p)
{
	char kc[1024], home[1024];
	char **envp = child_env(env, kc, sizeof(kc), home, sizeof(home));
	const char *full[64];
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	full[n++] = "kubectl";
	while (argv[n - 1] && n < 63) {
		full[n] = argv[n - 1];
		n++;
	}
	full[n] = NULL;
	p->pid = spawn("kubectl", (char *const *)full, envp, true, -1, &p->fd);
	free(envp);
}

bool testenv_proc_wait_for(struct testenv_proc *p, const char *needle, int timeout_ms)
{
	read_until(p->fd, &p->buf, &p->len, &p->cap, now_ms() + timeout_ms, needle);
	return p->buf && strstr(p->buf, needle);
}

void testenv_proc_stop(struct testenv_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		reap(p->pid, 5000);
	}
	if (p->fd > 0)
		close(p->fd);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

ssize_t mgo_test_drain(int fd, pid_t pid, char *buf, size_t len, uint64_t deadline_ms)
{
	uint64_t end = mgo_now_ms() + deadline_ms;
	size_t used = 0;

	for (;;) {
		uint64_t now = mgo_now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (now >= end || poll(&pfd, 1, (int)(end - now)) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			buf[used] = '\0';
			return -ETIMEDOUT;
		}
		char chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && used + 1 < len; i++)
			buf[used++] = chunk[i];
	}
	buf[used] = '\0';
	return (ssize_t)used;
}

/* mgo-upload run for real: against an OpenSSH sshd started per test on a
 * loopback port with a throwaway host key and internal-sftp, as a local
 * account made for the purpose, and through a small HTTP CONNECT proxy,
 * also behind TLS as an HTTPS proxy checked against a trusted CA bundle.
 * Each run gets an explicit environment, as the Job gives it, and its exit
 * status and JSON log are checked; no run may print the password.
 *
 * The SFTP tests need root (to create the account and run sshd) and skip
 * without it; the ones about the gather's result need nothing. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "mgo/loop.h"
#include "mgo/upload.h"
#include "testenv.h"

#define SFTP_USER "mgo-sftp-test"
/* The throwaway account's password: known by design, so that concurrent
 * test runs set the same one; the account has no shell. */
#define SFTP_PASSWORD "mgo-Upload-test-7f3a9c41"
#define REMOTE_NAME "01234567_must-gather-example-0a1b2c3d.tar.gz"
#define PART_NAME "." REMOTE_NAME ".part"
#define TARBALL_SIZE (300 * 1024)
#define RUN_DEADLINE_MS 120000
#define START_DEADLINE_MS 15000
/* an ed25519 key no test server has */
#define OTHER_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFEN3Lzko9CBPOBqLa6RjSGcPCh9U8u+PKRrRgqEoncs"

static struct {
	char *dir;              /* owned */
	char result[PATH_MAX];  /* MGO_RESULT_DIR */
	char remote[PATH_MAX];  /* the SFTP login directory */
	unsigned port;          /* sshd's */
	pid_t sshd;
	pid_t proxy;
	pid_t tls;              /* the HTTPS front of the proxy */
	char host[64];          /* MGO_SFTP_HOST */
	char known_hosts[400];  /* the server's line */
	char fingerprint[128];  /* as ssh-keygen -l prints it */
} fx;

/* ---- processes ---- */

/* Runs argv (PATH searched) with `input` on stdin and stdout captured into
 * out. Returns the exit status, or -1 when it could not run. Usable outside
 * a test (no assertions). */
static int run_program(char *const argv[], const char *input, char *out, size_t outlen)
{
	int in[2] = {-1, -1}, res[2] = {-1, -1}, st = -1;
	size_t used = 0;

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0)
		goto out;
	pid_t pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	in[0] = -1;
	close(res[1]);
	res[1] = -1;
	if (input && write(in[1], input, strlen(input)) != (ssize_t)strlen(input))
		st = -1;
	close(in[1]);
	in[1] = -1;
	for (;;) {
		char buf[4096];
		ssize_t n = read(res[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && out && used + 1 < outlen; i++)
			out[used++] = buf[i];
	}
	if (out && outlen)
		out[used] = '\0';
	if (waitpid(pid, &st, 0) != pid)
		st = -1;
	else
		st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (res[i] >= 0)
			close(res[i]);
	}
	return st;
}

static void stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

/* ---- the account, once per run ---- */

/* Creates the account if missing and sets its password; returns NULL or
 * what failed. chpasswd takes a lock that a concurrent run may hold, so it
 * is retried until a deadline. */
static const char *prepare_account(void)
{
	char *useradd[] = {"useradd", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin",
			   "-c", "mgo upload tests", SFTP_USER, NULL};
	char *chpasswd[] = {"chpasswd", NULL};
	uint64_t end = mgo_now_ms() + START_DEADLINE_MS;

	/* sshd's privilege separation directory */
	if (mkdir("/run/sshd", 0755) != 0 && errno != EEXIST)
		return "cannot create /run/sshd";
	if (!getpwnam(SFTP_USER) && run_program(useradd, NULL, NULL, 0) != 0 &&
	    !getpwnam(SFTP_USER))
		return "useradd " SFTP_USER " failed";
	while (run_program(chpasswd, SFTP_USER ":" SFTP_PASSWORD "\n", NULL, 0) != 0) {
		if (mgo_now_ms() > end)
			return "chpasswd failed";
		poll(NULL, 0, 100);
	}
	return NULL;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	if (geteuid() != 0)
		return;
	const char *err = prepare_account();
	setenv(err ? "MGO_TEST_SFTP_ERROR" : "MGO_TEST_SFTP_READY", err ? err : "1", 1);
}

/* ---- files ---- */

/* Writes dir/name into buf, which holds PATH_MAX bytes; returns buf. */
static char *join(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	cr_assert(n > 0 && n < PATH_MAX, "path too long: %s/%s", dir, name);
	return buf;
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	cr_assert_eq(close(fd), 0);
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf + used, len - used);
		cr_assert(n >= 0, "read %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		used += (size_t)n;
		cr_assert_lt(used, len, "%s is larger than expected", path);
	}
	cr_assert_eq(close(fd), 0);
	return used;
}

static void assert_same_file(const char *a, const char *b)
{
	static char x[TARBALL_SIZE + 1], y[TARBALL_SIZE + 1];
	size_t nx = read_file(a, x, sizeof(x)), ny = read_file(b, y, sizeof(y));

	cr_assert_eq(nx, ny, "%s has %zu bytes, %s %zu", a, nx, b, ny);
	cr_assert(memcmp(x, y, nx) == 0, "%s and %s differ", a, b);
}

/* The names in dir, sorted, joined by spaces ("" when empty). */
static const char *list_dir(const char *dir)
{
	static char names[1024];
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	cr_assert(n >= 0, "scandir %s: %s", dir, strerror(errno));
	names[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			strncat(names, names[0] ? " " : "", sizeof(names) - strlen(names) - 1);
			strncat(names, ents[i]->d_name, sizeof(names) - strlen(names) - 1);
		}
		free(ents[i]);
	}
	free(ents);
	return names;
}

static void set_marker(const char *text)
{
	char path[PATH_MAX];

	join(path, fx.result, ".mgo-gather-done");
	write_file(path, text, strlen(text));
}

/* ---- sockets ---- */

static int listen_loopback(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A loopback port nothing listens on (it was free a moment ago). */
static unsigned closed_port(void)
{
	unsigned port;

	close(listen_loopback(&port));
	return port;
}

static int connect_loopback(unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---- the server ---- */

static void make_host_key(void)
{
	char key[PATH_MAX], pub[PATH_MAX], out[512], type[64], b64[256];
	char *keygen[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key, NULL};
	char *fp[] = {"ssh-keygen", "-l", "-E", "sha256", "-f", pub, NULL};

	join(key, fx.dir, "hostkey");
	join(pub, fx.dir, "hostkey.pub");
	cr_assert_eq(run_program(keygen, NULL, NULL, 0), 0, "ssh-keygen failed");
	size_t n = read_file(pub, out, sizeof(out) - 1);
	out[n] = '\0';
	cr_assert_eq(sscanf(out, "%63s %255s", type, b64), 2, "%s", out);
	snprintf(fx.known_hosts, sizeof(fx.known_hosts), "[127.0.0.1]:%u %s %s", fx.port, type,
		 b64);
	/* "256 SHA256:... comment (ED25519)" */
	cr_assert_eq(run_program(fp, NULL, out, sizeof(out)), 0);
	cr_assert_eq(sscanf(out, "%*u %127s", fx.fingerprint), 1, "ssh-keygen -l said %s", out);
}

/* Starts sshd with internal-sftp rooted (for our account) at fx.remote;
 * `sftp_flags` are extra internal-sftp options. Returns once the port
 * accepts connections. */
static void start_server(const char *sftp_flags)
{
	char config[PATH_MAX], log[PATH_MAX], text[2048 + 3 * PATH_MAX];
	const char *err;

	if (geteuid() != 0)
		cr_skip_test("needs root: creates the local account " SFTP_USER " and runs sshd");
	err = getenv("MGO_TEST_SFTP_ERROR");
	cr_assert_null(err, "preparing the SFTP account: %s", err);
	cr_assert_not_null(getenv("MGO_TEST_SFTP_READY"));

	struct passwd *pw = getpwnam(SFTP_USER);
	cr_assert_not_null(pw);
	cr_assert_eq(chown(fx.remote, pw->pw_uid, pw->pw_gid), 0);
	fx.port = closed_port();
	snprintf(fx.host, sizeof(fx.host), "127.0.0.1:%u", fx.port);
	make_host_key();
	join(config, fx.dir, "sshd_config");
	join(log, fx.dir, "sshd.log");
	snprintf(text, sizeof(text),
		 "ListenAddress 127.0.0.1\nPort %u\nHostKey %s/hostkey\nPidFile %s/sshd.pid\n"
		 "UsePAM no\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
		 "PubkeyAuthentication no\nAuthorizedKeysFile none\nPermitRootLogin no\n"
		 "AllowUsers " SFTP_USER "\nStrictModes no\nUseDNS no\nLogLevel VERBOSE\n"
		 "Subsystem sftp internal-sftp\nForceCommand internal-sftp -d %s %s\n",
		 fx.port, fx.dir, fx.dir, fx.remote, sftp_flags);
	write_file(config, text, strlen(text));

	fx.sshd = fork();
	cr_assert(fx.sshd >= 0);
	if (fx.sshd == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", config, (char *)NULL);
		_exit(127);
	}
	uint64_t end = mgo_now_ms() + START_DEADLINE_MS;
	for (;;) {
		int fd = connect_loopback(fx.port);
		if (fd >= 0) {
			close(fd);
			return;
		}
		if (waitpid(fx.sshd, NULL, WNOHANG) == fx.sshd || mgo_now_ms() > end) {
			size_t n = read_file(log, text, sizeof(text) - 1);
			text[n] = '\0';
			fx.sshd = 0;
			cr_assert_fail("sshd did not come up on port %u: %s", fx.port, text);
		}
		poll(NULL, 0, 20);
	}
}

/* ---- a minimal HTTP CONNECT proxy, one connection ---- */

/* Relays between a and b until either side closes. */
static void relay(int a, int b)
{
	char buf[16384];
	struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};

	while (poll(p, 2, RUN_DEADLINE_MS) > 0) {
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0 || write(p[1 - i].fd, buf, (size_t)n) != n)
				return;
		}
	}
}

/* The proxy's child: reports the request line on `report`, connects to
 * the loopback port asked for, answers 200 and relays. */
static void proxy_serve(int lfd, int report)
{
	char req[8192];
	size_t used = 0;
	unsigned port;
	struct pollfd p = {.fd = lfd, .events = POLLIN};

	if (poll(&p, 1, RUN_DEADLINE_MS) != 1)
		_exit(1);
	int c = accept(lfd, NULL, NULL);
	while (c >= 0 && used + 1 < sizeof(req)) {
		ssize_t n = read(c, req + used, sizeof(req) - 1 - used);
		if (n <= 0)
			_exit(1);
		used += (size_t)n;
		req[used] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	size_t line = strcspn(req, "\r\n");
	if (write(report, req, line) != (ssize_t)line ||
	    sscanf(req, "CONNECT 127.0.0.1:%u HTTP/1.1", &port) != 1)
		_exit(1);
	int up = connect_loopback(port);
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	if (up < 0 || write(c, ok, sizeof(ok) - 1) != (ssize_t)(sizeof(ok) - 1))
		_exit(1);
	relay(c, up);
	_exit(0);
}

/* Starts the proxy; returns the fd its request line will arrive on. */
static int start_proxy(unsigned *port)
{
	int report[2];
	int lfd = listen_loopback(port);

	cr_assert_eq(pipe2(report, O_CLOEXEC), 0);
	fx.proxy = fork();
	cr_assert(fx.proxy >= 0);
	if (fx.proxy == 0) {
		close(report[0]);
		proxy_serve(lfd, report[1]);
	}
	close(lfd);
	close(report[1]);
	return report[0];
}

/* ---- the same proxy behind TLS: an HTTPS proxy ---- */

/* A self-signed certificate for 127.0.0.1 (its own CA) and its key, as
 * <name>.crt and <name>.key in the test's directory; the certificate's
 * path in crt. */
static void make_cert(const char *name, char *crt, char *key)
{
	char subj[64], file[64];

	snprintf(file, sizeof(file), "%s.crt", name);
	join(crt, fx.dir, file);
	snprintf(file, sizeof(file), "%s.key", name);
	join(key, fx.dir, file);
	snprintf(subj, sizeof(subj), "/CN=%s proxy", name);
	char *req[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		       "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", subj,
		       "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", crt, NULL};
	cr_assert_eq(run_program(req, NULL, NULL, 0), 0, "openssl req failed");
}

/* The front's child: one TLS connection with crt/key, relayed in clear to
 * the proxy on `upstream`. A client that refuses the certificate ends it. */
static void tls_serve(int lfd, unsigned upstream, const char *crt, const char *key)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	char buf[16384];
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int rc;

	if (poll(&p, 1, RUN_DEADLINE_MS) != 1)
		_exit(1);
	int c = accept(lfd, NULL, NULL);
	if (c < 0 || gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, crt, key, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_init(&s, GNUTLS_SERVER) < 0 || gnutls_set_default_priority(s) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		_exit(1);
	gnutls_transport_set_int(s, c);
	do
		rc = gnutls_handshake(s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	int up = rc < 0 ? -1 : connect_loopback(upstream);
	if (up < 0)
		_exit(1);
	struct pollfd fds[2] = {{.fd = c, .events = POLLIN}, {.fd = up, .events = POLLIN}};
	for (;;) {
		bool pending = gnutls_record_check_pending(s) > 0;
		if (!pending && poll(fds, 2, RUN_DEADLINE_MS) <= 0)
			_exit(1);
		if (pending || fds[0].revents) {
			ssize_t n = gnutls_record_recv(s, buf, sizeof(buf));
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				continue;
			if (n <= 0 || write(up, buf, (size_t)n) != n)
				_exit(0);
		}
		if (!pending && fds[1].revents) {
			ssize_t n = read(up, buf, sizeof(buf));
			if (n <= 0 || gnutls_record_send(s, buf, (size_t)n) != n)
				_exit(0);
		}
	}
}

/* Starts an HTTPS proxy (crt, key) in front of the plain one; its port. */
static unsigned start_tls_front(unsigned upstream, const char *crt, const char *key)
{
	unsigned port;
	int lfd = listen_loopback(&port);

	fx.tls = fork();
	cr_assert(fx.tls >= 0);
	if (fx.tls == 0)
		tls_serve(lfd, upstream, crt, key);
	close(lfd);
	return port;
}

/* ---- running mgo-upload ---- */

struct env {
	char vars[24][1024];
	size_t n;
	char *envp[25];
};

static void env_set(struct env *env, const char *name, const char *value)
{
	size_t len = strlen(name), i = 0;

	while (i < env->n && !(strncmp(env->vars[i], name, len) == 0 && env->vars[i][len] == '='))
		i++;
	cr_assert_lt(i, sizeof(env->vars) / sizeof(env->vars[0]));
	if (i == env->n)
		env->n++;
	int n = snprintf(env->vars[i], sizeof(env->vars[i]), "%s=%s", name, value);
	cr_assert_lt((size_t)n, sizeof(env->vars[i]));
}

static void env_unset(struct env *env, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->vars[i], name, len) == 0 && env->vars[i][len] == '=') {
			memmove(env->vars[i], env->vars[env->n - 1], sizeof(env->vars[i]));
			env->n--;
			return;
		}
}

/* What the Job sets, pointed at this test's server; one attempt unless a
 * test says otherwise. */
static struct env job_env(void)
{
	static const char *const sanitizers[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
	struct env env = {.n = 0};

	env_set(&env, "MGO_RESULT_DIR", fx.result);
	env_set(&env, "MGO_SFTP_HOST", fx.host[0] ? fx.host : "127.0.0.1:1");
	env_set(&env, "MGO_REMOTE_NAME", REMOTE_NAME);
	env_set(&env, "MGO_INTERNAL_USER", "false");
	env_set(&env, "MGO_SFTP_KNOWN_HOSTS", fx.known_hosts);
	env_set(&env, "MGO_SFTP_USERNAME", SFTP_USER);
	env_set(&env, "MGO_SFTP_PASSWORD", SFTP_PASSWORD);
	env_set(&env, "MGO_UPLOAD_ATTEMPTS", "1");
	for (size_t i = 0; i < sizeof(sanitizers) / sizeof(sanitizers[0]); i++)
		if (getenv(sanitizers[i]))
			env_set(&env, sanitizers[i], getenv(sanitizers[i]));
	return env;
}

struct run {
	int status;
	char log[65536];
};

/* Runs mgo-upload with exactly env; its stderr is the log. Whatever the
 * outcome, the password it was given must not appear there. */
static void run_upload(struct env *env, struct run *r)
{
	char *argv[] = {MGO_UPLOAD_BIN, NULL};
	const char *password = NULL;
	int p[2], st;

	for (size_t i = 0; i < env->n; i++) {
		env->envp[i] = env->vars[i];
		if (strncmp(env->vars[i], "MGO_SFTP_PASSWORD=", 18) == 0)
			password = env->vars[i] + 18;
	}
	env->envp[env->n] = NULL;
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 2);
		execve(argv[0], argv, env->envp);
		_exit(127);
	}
	close(p[1]);
	ssize_t used = mgo_test_drain(p[0], pid, r->log, sizeof(r->log), RUN_DEADLINE_MS);
	close(p[0]);
	cr_assert(used >= 0, "mgo-upload outlived its deadline; log so far: %s", r->log);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "mgo-upload died of signal %d: %s", WTERMSIG(st), r->log);
	r->status = WEXITSTATUS(st);
	if (password && *password)
		cr_assert_null(strstr(r->log, password), "the password is in the log: %s", r->log);
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

#define ATTEMPT "\"event\":\"upload.attempt\""

static void setup(void)
{
	char tarball[PATH_MAX];
	static char data[TARBALL_SIZE];

	memset(&fx, 0, sizeof(fx));
	fx.dir = mgo_test_tmpdir();
	/* the SFTP account must get through to its directory */
	cr_assert_eq(chmod(fx.dir, 0755), 0);
	join(fx.result, fx.dir, "out");
	join(fx.remote, fx.dir, "remote");
	cr_assert_eq(mkdir(fx.result, 0755), 0);
	cr_assert_eq(mkdir(fx.remote, 0755), 0);
	for (size_t off = 0; off < sizeof(data);) {
		ssize_t n = getrandom(data + off, sizeof(data) - off, 0);
		cr_assert(n > 0);
		off += (size_t)n;
	}
	join(tarball, fx.result, "must-gather.tar.gz");
	write_file(tarball, data, sizeof(data));
	set_marker("0\n");
}

static void teardown(void)
{
	stop(&fx.tls);
	stop(&fx.proxy);
	stop(&fx.sshd);
	mgo_test_rmtree(fx.dir);
	free(fx.dir);
}

TestSuite(upload, .init = setup, .fini = teardown);

/* ---- the gather's result, no server needed ---- */

Test(upload, refuses_to_start_on_bad_environment)
{
	struct run r;
	struct env env = job_env();

	env_unset(&env, "MGO_SFTP_HOST");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_USAGE, "%s", r.log);
	cr_assert(strstr(r.log, "MGO_SFTP_HOST is not set"), "%s", r.log);

	env = job_env();
	env_set(&env, "MGO_INTERNAL_USER", "maybe");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_USAGE, "%s", r.log);
	cr_assert(strstr(r.log, "MGO_INTERNAL_USER must be"), "%s", r.log);
	cr_assert(strstr(r.log, "\"event\":\"upload.failed\""), "%s", r.log);
	cr_assert_eq(count(r.log, ATTEMPT), 0);
}

Test(upload, failed_gather_means_no_upload)
{
	static const struct {
		const char *marker;
		const char *why;
	} cases[] = {
		{"3\n", "the gather failed with exit status 3"},
		{"zero\n", "holds no exit status"},
		{"0 but more\n", "holds no exit status"},
		{"", "holds no exit status"},
	};
	struct run r;
	struct env env = job_env();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_marker(cases[i].marker);
		run_upload(&env, &r);
		cr_assert_eq(r.status, MGO_UPLOAD_EXIT_NO_TARBALL, "%s", r.log);
		cr_assert(strstr(r.log, cases[i].why), "marker \"%s\": %s", cases[i].marker, r.log);
		cr_assert_eq(count(r.log, ATTEMPT), 0);
	}
}

Test(upload, missing_result_files_mean_no_upload)
{
	/* in this order: the marker is written again, the tarball is not */
	static const struct {
		const char *file;
		const char *why;
	} cases[] = {
		{".mgo-gather-done", "no completion marker"},
		{"must-gather.tar.gz", "the gather succeeded but left no tarball"},
	};
	struct run r;
	struct env env = job_env();
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_marker("0\n");
		join(path, fx.result, cases[i].file);
		cr_assert_eq(unlink(path), 0);
		run_upload(&env, &r);
		cr_assert_eq(r.status, MGO_UPLOAD_EXIT_NO_TARBALL, "%s", r.log);
		cr_assert(strstr(r.log, cases[i].why), "without %s: %s", cases[i].file, r.log);
		cr_assert_eq(count(r.log, ATTEMPT), 0);
	}
}

Test(upload, timed_out_gather_without_tarball_means_no_upload)
{
	struct run r;
	struct env env = job_env();
	char path[PATH_MAX];

	set_marker("124\n");
	join(path, fx.result, "must-gather.tar.gz");
	cr_assert_eq(unlink(path), 0);
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_NO_TARBALL, "%s", r.log);
	cr_assert(strstr(r.log, "the gather timed out and left no tarball"), "%s", r.log);
	cr_assert_eq(count(r.log, ATTEMPT), 0);
}

/* ---- against sshd ---- */

/* Runs the upload against the server with the Job's environment: it
 * exits with `want`, and the tarball arrived whole under its remote name
 * (the temporary name is gone: only the finished file is there). */
static void upload_arrives(struct run *r, int want)
{
	char local[PATH_MAX], remote[PATH_MAX];
	struct env env = job_env();

	run_upload(&env, r);
	cr_assert_eq(r->status, want, "%s", r->log);
	cr_assert_str_eq(list_dir(fx.remote), REMOTE_NAME);
	join(local, fx.result, "must-gather.tar.gz");
	join(remote, fx.remote, REMOTE_NAME);
	assert_same_file(local, remote);
}

Test(upload, tarball_arrives_whole_under_its_name)
{
	struct run r;

	start_server("");
	upload_arrives(&r, MGO_UPLOAD_EXIT_OK);
	cr_assert_eq(count(r.log, ATTEMPT), 1, "%s", r.log);
	cr_assert(strstr(r.log, "\"event\":\"upload.done\""), "%s", r.log);
	/* the login name is a credential too */
	cr_assert_null(strstr(r.log, SFTP_USER), "%s", r.log);
}

Test(upload, timed_out_gather_uploads_its_partial_result)
{
	struct run r;

	start_server("");
	set_marker("124\n");
	/* uploaded whole, and still a failure: the MustGather says Timeout */
	upload_arrives(&r, MGO_UPLOAD_EXIT_PARTIAL);
	cr_assert(strstr(r.log, "\"event\":\"upload.done\""), "%s", r.log);
	cr_assert(strstr(r.log, "its partial result was uploaded"), "%s", r.log);
	cr_assert(strstr(r.log, "as " REMOTE_NAME), "the log says where: %s", r.log);
}

/* The gather's container exits 0 after a timeout so that this step runs:
 * a failed upload must still say the gather had timed out. */
Test(upload, failed_upload_of_a_partial_result_says_the_gather_timed_out)
{
	struct run r;

	start_server("");
	set_marker("124\n");
	struct env env = job_env();
	env_set(&env, "MGO_SFTP_PASSWORD", "not-" SFTP_PASSWORD);
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_AUTH, "%s", r.log);
	cr_assert(strstr(r.log, "\"msg\":\"the gather timed out and its partial result was "
			  "not uploaded: "),
		  "%s", r.log);
	cr_assert(strstr(r.log, "refused the username and password"), "%s", r.log);
	cr_assert_str_eq(list_dir(fx.remote), "");
}

Test(upload, internal_user_uploads_into_their_directory)
{
	struct run r;
	char local[PATH_MAX], dir[PATH_MAX], remote[PATH_MAX];
	struct passwd *pw;

	start_server("");
	pw = getpwnam(SFTP_USER);
	join(dir, fx.remote, SFTP_USER);
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(chown(dir, pw->pw_uid, pw->pw_gid), 0);
	struct env env = job_env();
	env_set(&env, "MGO_INTERNAL_USER", "true");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_OK, "%s", r.log);
	cr_assert_str_eq(list_dir(dir), REMOTE_NAME);
	cr_assert_str_eq(list_dir(fx.remote), SFTP_USER);
	join(local, fx.result, "must-gather.tar.gz");
	join(remote, dir, REMOTE_NAME);
	assert_same_file(local, remote);
}

Test(upload, other_host_key_is_refused_without_retry)
{
	struct run r;
	char kh[256];

	start_server("");
	struct env env = job_env();
	snprintf(kh, sizeof(kh), "# another server's key under this name\n[127.0.0.1]:%u %s\n",
		 fx.port, OTHER_KEY);
	env_set(&env, "MGO_SFTP_KNOWN_HOSTS", kh);
	env_set(&env, "MGO_UPLOAD_ATTEMPTS", "2");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_HOST_KEY, "%s", r.log);
	cr_assert(strstr(r.log, "host key mismatch"), "%s", r.log);
	cr_assert(strstr(r.log, fx.fingerprint), "the log lacks %s: %s", fx.fingerprint, r.log);
	cr_assert_eq(count(r.log, ATTEMPT), 1, "a host key failure is not retried: %s", r.log);
	cr_assert_str_eq(list_dir(fx.remote), "", "nothing may arrive");
}

Test(upload, unknown_host_is_refused_with_its_fingerprint)
{
	struct run r;
	char kh[256];

	start_server("");
	struct env env = job_env();
	/* the right key, but for the default port: not this server */
	snprintf(kh, sizeof(kh), "127.0.0.1 %s", strchr(fx.known_hosts, ' ') + 1);
	env_set(&env, "MGO_SFTP_KNOWN_HOSTS", kh);
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_HOST_KEY, "%s", r.log);
	cr_assert(strstr(r.log, "no MGO_SFTP_KNOWN_HOSTS entry for [127.0.0.1]:"), "%s", r.log);
	cr_assert(strstr(r.log, fx.fingerprint), "the log lacks %s: %s", fx.fingerprint, r.log);
	/* the line an administrator would add is the server's own */
	cr_assert(strstr(r.log, fx.known_hosts), "the log lacks \"%s\": %s", fx.known_hosts,
		  r.log);
	cr_assert_str_eq(list_dir(fx.remote), "");

	env_unset(&env, "MGO_SFTP_KNOWN_HOSTS");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_HOST_KEY, "%s", r.log);
	cr_assert(strstr(r.log, fx.fingerprint), "%s", r.log);
	cr_assert_str_eq(list_dir(fx.remote), "");
}

Test(upload, wrong_password_is_refused_without_retry)
{
	struct run r;

	start_server("");
	struct env env = job_env();
	env_set(&env, "MGO_SFTP_PASSWORD", "not-" SFTP_PASSWORD);
	env_set(&env, "MGO_UPLOAD_ATTEMPTS", "2");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_AUTH, "%s", r.log);
	cr_assert(strstr(r.log, "refused the username and password"), "%s", r.log);
	cr_assert_eq(count(r.log, ATTEMPT), 1, "an auth failure is not retried: %s", r.log);
	cr_assert_null(strstr(r.log, SFTP_PASSWORD), "%s", r.log);
	cr_assert_str_eq(list_dir(fx.remote), "");
}

Test(upload, closed_port_is_unreachable_after_retries)
{
	struct run r;
	struct env env = job_env();
	char host[64];

	snprintf(host, sizeof(host), "127.0.0.1:%u", closed_port());
	env_set(&env, "MGO_SFTP_HOST", host);
	env_set(&env, "MGO_UPLOAD_ATTEMPTS", "2");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_UNREACHABLE, "%s", r.log);
	cr_assert_eq(count(r.log, ATTEMPT), 2, "a refused connection is retried: %s", r.log);
	cr_assert(strstr(r.log, "cannot reach [127.0.0.1]:"), "%s", r.log);
}

Test(upload, refused_rename_falls_back_to_the_final_name)
{
	struct run r;
	char local[PATH_MAX], remote[PATH_MAX];

	start_server("-P rename,posix-rename");
	struct env env = job_env();
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_OK, "%s", r.log);
	cr_assert(strstr(r.log, "\"event\":\"upload.rename_refused\""), "%s", r.log);
	/* the stranded temporary file was removed before the second upload */
	cr_assert_str_eq(list_dir(fx.remote), REMOTE_NAME);
	join(local, fx.result, "must-gather.tar.gz");
	join(remote, fx.remote, REMOTE_NAME);
	assert_same_file(local, remote);
}

/* Runs mgo-upload with env: it succeeds, through the proxy whose request
 * line arrives on `report` (closed here), to the server. */
static void upload_through_proxy(struct env *env, int report)
{
	struct run r;
	char request[256] = "", expect[64];

	run_upload(env, &r);
	ssize_t n = read(report, request, sizeof(request) - 1);
	close(report);
	request[n > 0 ? n : 0] = '\0';
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_OK, "%s", r.log);
	snprintf(expect, sizeof(expect), "CONNECT 127.0.0.1:%u HTTP/1.1", fx.port);
	cr_assert_str_eq(request, expect, "not through the proxy");
	cr_assert_str_eq(list_dir(fx.remote), REMOTE_NAME);
}

Test(upload, goes_through_an_http_connect_proxy)
{
	unsigned proxy_port;
	char proxy[64];

	start_server("");
	int report = start_proxy(&proxy_port);
	struct env env = job_env();
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", proxy_port);
	env_set(&env, "HTTPS_PROXY", proxy);
	upload_through_proxy(&env, report);
}

Test(upload, no_proxy_bypasses_the_proxy)
{
	struct run r;
	char proxy[64];

	start_server("");
	struct env env = job_env();
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", closed_port());
	env_set(&env, "HTTP_PROXY", proxy);
	/* the proxy is used at all: it is down, so the server is unreachable */
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_UNREACHABLE, "%s", r.log);
	cr_assert(strstr(r.log, "through the proxy http://127.0.0.1:"), "%s", r.log);

	env_set(&env, "NO_PROXY", "localhost,127.0.0.1");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_OK, "%s", r.log);
	cr_assert_str_eq(list_dir(fx.remote), REMOTE_NAME);
}

/* Operator configuration trustedCAConfigMap (docs/design.md, "Trusted CA
 * for uploads"): the HTTPS proxy's certificate is verified against the
 * mounted bundle, and one it does not vouch for stops the upload. */
Test(upload, goes_through_an_https_proxy_verified_against_the_trusted_ca)
{
	struct run r;
	unsigned proxy_port;
	char proxy[64], crt[PATH_MAX], key[PATH_MAX], other[PATH_MAX], other_key[PATH_MAX];

	start_server("");
	make_cert("trusted", crt, key);
	make_cert("other", other, other_key);
	int report = start_proxy(&proxy_port);
	unsigned tls_port = start_tls_front(proxy_port, crt, key);
	struct env env = job_env();
	snprintf(proxy, sizeof(proxy), "https://127.0.0.1:%u", tls_port);
	env_set(&env, "HTTPS_PROXY", proxy);
	env_set(&env, "MGO_PROXY_CA_FILE", crt);
	env_set(&env, "MGO_PROXY_CA_CONFIGMAP", "trusted-ca");
	upload_through_proxy(&env, report);
	stop(&fx.tls);
	stop(&fx.proxy);

	/* a bundle that does not hold the proxy's CA: refused, not retried,
	 * nothing sent, and said to be the proxy's certificate */
	cr_assert_eq(unlink(join(other_key, fx.remote, REMOTE_NAME)), 0);
	report = start_proxy(&proxy_port);
	tls_port = start_tls_front(proxy_port, crt, key);
	snprintf(proxy, sizeof(proxy), "https://127.0.0.1:%u", tls_port);
	env_set(&env, "HTTPS_PROXY", proxy);
	env_set(&env, "MGO_PROXY_CA_FILE", other);
	env_set(&env, "MGO_UPLOAD_ATTEMPTS", "3");
	run_upload(&env, &r);
	close(report);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_UNREACHABLE, "%s", r.log);
	cr_assert(strstr(r.log, "through the proxy https://127.0.0.1:"), "%s", r.log);
	cr_assert(strstr(r.log, "certificate"), "%s", r.log);
	cr_assert_eq(count(r.log, ATTEMPT), 1, "a certificate refused is not retried: %s", r.log);
	cr_assert_str_eq(list_dir(fx.remote), "");
}

Test(upload, a_missing_trusted_ca_bundle_is_named_not_replaced)
{
	struct run r;
	char missing[PATH_MAX];
	struct env env = job_env();

	join(missing, fx.dir, "ca-bundle.crt");
	env_set(&env, "HTTPS_PROXY", "https://127.0.0.1:1");
	env_set(&env, "MGO_PROXY_CA_FILE", missing);
	env_set(&env, "MGO_PROXY_CA_CONFIGMAP", "trusted-ca");
	run_upload(&env, &r);
	cr_assert_eq(r.status, MGO_UPLOAD_EXIT_USAGE, "%s", r.log);
	cr_assert(strstr(r.log, "ConfigMap trusted-ca (operator configuration trustedCAConfigMap) "
			 "does not exist in the MustGather's namespace or has no key ca-bundle.crt"),
		  "%s", r.log);
	cr_assert(strstr(r.log, "inject-trusted-cabundle=true"), "%s", r.log);

	/* an http:// proxy has no certificate: the bundle is not needed */
	env_set(&env, "HTTPS_PROXY", "http://127.0.0.1:1");
	run_upload(&env, &r);
	cr_assert_neq(r.status, MGO_UPLOAD_EXIT_USAGE, "%s", r.log);
}

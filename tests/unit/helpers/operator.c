#include "operator.h"
#include "leadership.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgo/ipc_sock.h"
#include "mgo/loop.h"
#include "spawn.h"

extern char **environ;

#define SA(name) "system:serviceaccount:" MGO_TEST_OPERATOR_NS ":" name
#define SA_GROUPS "\"system:serviceaccounts,system:serviceaccounts:" MGO_TEST_OPERATOR_NS "\""

void mgo_test_operator_env(struct testenv *env)
{
	struct testenv_opts opts = {
		.load_dirs = {MGO_SOURCE_DIR "/deploy/crds", MGO_SOURCE_DIR "/deploy/rbac", NULL},
		.extra_tokens = MGO_TEST_WATCHER_TOKEN "," SA("mgo-watcher") ",uid-mgo-watcher,"
				SA_GROUPS "\n"
				MGO_TEST_LAUNCHER_TOKEN "," SA("mgo-launcher") ",uid-mgo-launcher,"
				SA_GROUPS "\n",
	};

	testenv_start(env, &opts);
}

char *mgo_test_operator_config(const char *dir, const struct mgo_test_operator_opts *o)
{
	char *wtok, *ltok = NULL, *yaml = NULL, *path, server[300] = "", ca[1100] = "";

	wtok = mgo_test_write_role_token(dir, "watcher",
					 o->watcher_token ? o->watcher_token : MGO_TEST_WATCHER_TOKEN);
	if (!o->launcher_token_file)
		ltok = mgo_test_write_role_token(dir, "launcher", o->launcher_token
								  ? o->launcher_token
								  : MGO_TEST_LAUNCHER_TOKEN);
	if (o->env) {
		snprintf(server, sizeof(server), ", server: \"%s\"", o->env->url);
		snprintf(ca, sizeof(ca), ", caFile: %s", o->env->ca);
	} else {
		/* nothing listens there: the children that get so far retry */
		snprintf(server, sizeof(server), ", server: \"https://127.0.0.1:9\"");
	}
	cr_assert(asprintf(&yaml,
			   "namespace: " MGO_TEST_OPERATOR_NS "\n"
			   "defaultImage: quay.io/openshift/origin-must-gather:latest\n"
			   "operatorImage: quay.io/openshift/must-gather-operator:latest\n"
			   "socketDir: %s/run\n"
			   /* any free port: tests run side by side */
			   "health: {address: 127.0.0.1, port: 0}\n"
			   "roles:\n"
			   "  watcher: {tokenFile: %s%s%s}\n"
			   "  launcher: {tokenFile: %s%s%s}\n"
			   "%s%s%s",
			   dir, wtok, ca, server, ltok ? ltok : o->launcher_token_file, ca, server,
			   o->supervisor_yaml ? "supervisor: " : "",
			   o->supervisor_yaml ? o->supervisor_yaml : "",
			   o->supervisor_yaml ? "\n" : "") > 0);
	path = mgo_test_write(dir, "config.yaml", yaml);
	free(yaml);
	free(wtok);
	free(ltok);
	return path;
}

void mgo_test_operator_spawn(struct mgo_test_operator *op, const struct mgo_test_operator_opts *o)
{
	memset(op, 0, sizeof(*op));
	op->dir = mgo_test_tmpdir();
	op->config = mgo_test_operator_config(op->dir, o);
	cr_assert(asprintf(&op->log, "%s/operator.log", op->dir) > 0);
	cr_assert(asprintf(&op->socket_dir, "%s/run", op->dir) > 0);
	const char *argv[] = {MGO_SUPERVISOR_BIN, "--config", op->config,
			      "--validator", o->validator_bin ? o->validator_bin : MGO_VALIDATOR_BIN,
			      "--launcher", o->launcher_bin ? o->launcher_bin : MGO_LAUNCHER_BIN,
			      "--watcher", o->watcher_bin ? o->watcher_bin : MGO_WATCHER_BIN,
			      "--health", MGO_HEALTH_BIN, NULL};
	if (o->installed_bin) {
		argv[0] = o->installed_bin;
		argv[3] = NULL;
	}
	op->pid = spawn_logged(argv, NULL, op->log);
	cr_assert_gt(op->pid, 0, "cannot start mgo-supervisor");
}

void mgo_test_operator_start(struct mgo_test_operator *op, const struct mgo_test_operator_opts *o)
{
	mgo_test_operator_spawn(op, o);
	if (!wait_for_text(op->log, "\"event\":\"supervisor.ready\"", 30000)) {
		char *text = slurp(op->log);
		cr_assert_fail("the operator did not get ready:\n%s", text ? text : "(no log)");
	}
	if (o->env)
		cr_assert(wait_for_text(op->log, "\"event\":\"launcher.active\"", 30000),
			  "the launcher never led");
}

/* ---- the whole process tree ----
 *
 * The supervisor's children each lead their own process group and get
 * SIGTERM when it dies (supervisor/sup_spawn.c), which a child hung in its
 * shutdown does not act on: killing the supervisor alone can leave it
 * running after the test. So the harness notes the tree before it stops
 * the supervisor and kills whatever of it is left after. */

#define TREE_MAX 64

struct tree {
	size_t n;
	pid_t pid[TREE_MAX];
	unsigned long long start[TREE_MAX]; /* to tell a reused pid */
};

bool mgo_test_proc_stat(pid_t pid, char *state, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024], st;
	int fd, ppid_i;
	unsigned long long start_v;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	/* after the command's closing parenthesis: state ppid ... field 22 */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %llu", &st, &ppid_i, &start_v) != 3)
		return false;
	if (state)
		*state = st;
	if (ppid)
		*ppid = (pid_t)ppid_i;
	if (start)
		*start = start_v;
	return true;
}

bool mgo_test_proc_gone(pid_t pid)
{
	char state;

	return !mgo_test_proc_stat(pid, &state, NULL, NULL) || state == 'Z';
}

/* root's descendants now (not root). */
static void tree_note(struct tree *t, pid_t root)
{
	bool grew = true;

	t->n = 0;
	/* breadth by passes: a process's parent is noted before it, or a
	 * later pass finds it; the tree is a handful of processes */
	while (grew && t->n < TREE_MAX) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		grew = false;
		cr_assert_not_null(d, "opendir /proc: %s", strerror(errno));
		while ((e = readdir(d)) && t->n < TREE_MAX) {
			pid_t pid = (pid_t)atoi(e->d_name), ppid;
			unsigned long long start;
			bool known = pid <= 0 || pid == root, parent = false;

			for (size_t i = 0; i < t->n && !known; i++)
				known = t->pid[i] == pid;
			if (known || !mgo_test_proc_stat(pid, NULL, &ppid, &start))
				continue;
			parent = ppid == root;
			for (size_t i = 0; i < t->n && !parent; i++)
				parent = t->pid[i] == ppid;
			if (!parent)
				continue;
			t->pid[t->n] = pid;
			t->start[t->n++] = start;
			grew = true;
		}
		closedir(d);
	}
}

/* Kills what is left of the noted tree. After a graceful stop (`say`), a
 * process that outlived its supervisor is a bug to hear about, not to
 * leave running; after a SIGKILL of the supervisor its children are still
 * on their way out, and are only made to hurry. */
static void tree_kill(const struct tree *t, bool say)
{
	for (size_t i = 0; i < t->n; i++) {
		unsigned long long start;
		char state;

		if (!mgo_test_proc_stat(t->pid[i], &state, NULL, &start) || state == 'Z' ||
		    start != t->start[i])
			continue;
		if (say)
			fprintf(stderr,
				"operator harness: pid %d outlived mgo-supervisor; killing it\n",
				(int)t->pid[i]);
		(void)kill(t->pid[i], SIGKILL);
	}
}

int mgo_test_operator_stop(struct mgo_test_operator *op, int timeout_ms)
{
	int st;

	struct tree t;

	if (op->pid <= 0)
		return -1;
	tree_note(&t, op->pid);
	st = stop_process(op->pid, SIGTERM, timeout_ms);
	op->pid = 0;
	tree_kill(&t, true);
	return st;
}

int mgo_test_operator_wait_exit(struct mgo_test_operator *op, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;
	struct timespec pause = {0, 10 * 1000 * 1000};
	int st;

	while (op->pid > 0) {
		pid_t w = waitpid(op->pid, &st, WNOHANG);
		if (w == op->pid) {
			op->pid = 0;
			return st;
		}
		cr_assert_eq(w, 0, "waitpid: %s", strerror(errno));
		if (mgo_now_ms() >= end)
			break;
		nanosleep(&pause, NULL); /* no descriptor to wait on for a child's exit */
	}
	return -1;
}

void mgo_test_operator_free(struct mgo_test_operator *op)
{
	if (op->pid > 0) {
		struct tree t;

		tree_note(&t, op->pid);
		stop_process(op->pid, SIGKILL, 5000);
		tree_kill(&t, false);
	}
	if (op->dir) {
		mgo_test_rmtree(op->dir);
		free(op->dir);
	}
	free(op->config);
	free(op->log);
	free(op->socket_dir);
	memset(op, 0, sizeof(*op));
}

json_t *mgo_test_operator_events(const struct mgo_test_operator *op, const char *event,
				 const char *child)
{
	return mgo_test_log_events(op->log, event, child);
}

pid_t mgo_test_operator_child(const struct mgo_test_operator *op, const char *role)
{
	json_t *ready = mgo_test_operator_events(op, "supervisor.child.ready", role);
	size_t n = json_array_size(ready);
	pid_t pid = n ? (pid_t)json_integer_value(
				json_object_get(json_array_get(ready, n - 1), "child_pid"))
		      : 0;

	json_decref(ready);
	return pid;
}

pid_t mgo_test_operator_wait_ready(const struct mgo_test_operator *op, const char *role,
				   pid_t old, int timeout_ms)
{
	uint64_t end = mgo_now_ms() + (uint64_t)timeout_ms;
	struct timespec pause = {0, 10 * 1000 * 1000};

	do {
		pid_t pid = mgo_test_operator_child(op, role);
		if (pid > 0 && pid != old)
			return pid;
		nanosleep(&pause, NULL); /* the log is a file: re-read it until the deadline */
	} while (mgo_now_ms() < end);
	return 0;
}

pid_t mgo_test_operator_replace_child(const struct mgo_test_operator *op, const char *role,
				      int sig, int timeout_ms)
{
	pid_t old = mgo_test_operator_child(op, role), now;

	cr_assert_gt(old, 0, "no %s running", role);
	cr_assert_eq(kill(old, sig), 0, "kill %s: %s", role, strerror(errno));
	now = mgo_test_operator_wait_ready(op, role, old, timeout_ms);
	cr_assert_gt(now, 0, "%s not back within %d ms after signal %d", role, timeout_ms, sig);
	cr_assert(kill(old, 0) != 0 && errno == ESRCH, "the old %s (%d) is still there", role,
		  (int)old);
	return now;
}

void mgo_test_keys_mint(struct mgo_test_keys *k)
{
	memset(k, 0, sizeof(*k));
	cr_assert_eq(mgo_ipc_keypair(k->validator_pub, k->validator_sec), 0);
	cr_assert_eq(mgo_ipc_keypair(k->watcher_pub, k->watcher_sec), 0);
	k->launcher.self = MGO_ROLE_LAUNCHER;
	k->launcher.peers = 1u << MGO_ROLE_VALIDATOR;
	cr_assert_eq(mgo_ipc_keypair(k->launcher.public_key, k->launcher.secret_key), 0);
	memcpy(k->launcher.peer[MGO_ROLE_VALIDATOR], k->validator_pub, MGO_IPC_KEY_LEN);
}

void *mgo_test_push_as(void *zctx, const char *endpoint, enum mgo_role self,
		       const uint8_t *pub, const uint8_t *sec, enum mgo_role peer,
		       const uint8_t *server_pub)
{
	struct mgo_ipc_keys k = {.self = self, .peers = 1u << peer};
	struct mgo_ipc_auth a = {.keys = &k, .peer = peer};
	void *s = NULL;

	memcpy(k.public_key, pub, MGO_IPC_KEY_LEN);
	memcpy(k.secret_key, sec, MGO_IPC_KEY_LEN);
	memcpy(k.peer[peer], server_pub, MGO_IPC_KEY_LEN);
	cr_assert_eq(mgo_ipc_connect_push(zctx, endpoint, &a, &s), 0);
	mgo_ipc_keys_wipe(&k);
	return s;
}

pid_t mgo_test_spawn_with_keys(const char *const argv[], const struct mgo_ipc_keys *keys,
			       const char *logpath)
{
	uint8_t bundle[MGO_IPC_BUNDLE_MAX];
	size_t len = 0;
	int p[2];
	pid_t pid;

	cr_assert_eq(mgo_ipc_bundle_encode(keys, bundle, sizeof(bundle), &len), 0);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(write(p[1], bundle, len), (ssize_t)len);
	close(p[1]);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int keyfd = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
		if (log < 0 || keyfd < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0 ||
		    dup2(keyfd, 3) != 3)
			_exit(127);
		execve(argv[0], (char *const *)argv, environ);
		_exit(127);
	}
	close(p[0]);
	return pid;
}

/* The operator's image (deploy/Containerfile, built by scripts/image.sh) run
 * the way deploy/ runs it, against the test API server on the host network:
 * `kubectl apply -k deploy/` installs the operator on the server, and the
 * test plays the kubelet for the Deployment it created. Its pod and
 * container securityContext become podman's options (the user, group and
 * fsGroup; a read-only root file system; every capability dropped; no new
 * privileges; RuntimeDefault seccomp, which is podman's default profile),
 * each volume is given at its mount path as the kubelet would (the
 * ConfigMaps as read-only files, the emptyDirs as tmpfs, the projected
 * token 0440 to the fsGroup, bound to a Pod of the operator's account), and
 * the container gets the Deployment's args and the KUBERNETES_SERVICE_*
 * variables of a pod. Two things differ from a pod, both for the host
 * network: the configuration's cluster address is the test server's, and
 * its health port is any free one (the log says which).
 *
 * What it sees: the container runs as the Deployment says (read from the
 * runtime's own view: /proc and the OCI configuration runc was given), a
 * default MustGather gets its Job, /readyz answers 200, and SIGTERM ends the
 * container with status 0 after every process stopped cleanly, within the
 * Deployment's terminationGracePeriodSeconds.
 *
 * It runs the image of the sources it was built from (scripts/image.sh
 * --name), so it never runs a stale one; ctest builds that image first
 * (the image_build fixture, tests/e2e/CMakeLists.txt). It skips only where
 * no container can run: no podman, not root, or podman unable to start one. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "healthprobe.h"
#include "spawn.h"

#define PODMAN "/usr/bin/podman"
/* As scripts/image.sh runs it: runc (crun refuses these machines' hybrid
 * cgroups), cgroupfs and a file for events (no systemd, no journald); and
 * no warnings in the output this test reads (inspect's about the mounts
 * under /var/run, a link to /run in the image). */
#define PODMAN_GLOBAL PODMAN, "--runtime", "runc", "--cgroup-manager", "cgroupfs", \
	"--events-backend", "file", "--log-level", "error"
#define OPERATOR_DEPLOYMENT \
	"/apis/apps/v1/namespaces/" CL_OPERATOR_NS "/deployments/must-gather-operator"
/* podman wants the open-files limit given, and may not raise it past this
 * process's hard limit (no CAP_SYS_RESOURCE on these machines), nor set
 * its own default process limit: this one is ample for the operator's six
 * processes, as scripts/image.sh gives its build. */
#define NPROC "nproc=4096:4096"

static char *dir;          /* the volumes' contents, podman's output */
static char container[64]; /* the container's name, once created */
static unsigned outputs;   /* podman commands run so far */
static char nofile[64];    /* --ulimit nofile=N:N, N this process's hard limit
			      (a pod's is 1048576 under containerd and CRI-O) */

/* Runs podman with argv (after the global options) to the end within
 * timeout_ms; its exit status (-1: killed at the deadline), and its output
 * in *out (caller frees) if out is not NULL. */
static int podman(const char *const args[], char **out, int timeout_ms)
{
	const char *argv[64] = {PODMAN_GLOBAL};
	size_t n = 0;
	char log[PATH_MAX];
	pid_t pid;
	int st;

	while (argv[n])
		n++;
	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]) - 1);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/podman-%u.out", dir, ++outputs);
	pid = spawn_logged(argv, NULL, log);
	cr_assert(pid > 0, "cannot start %s", PODMAN);
	st = stop_process(pid, 0, timeout_ms); /* signal 0: only the wait */
	if (out) {
		*out = slurp(log);
		cr_assert_not_null(*out);
	}
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* podman ... that must succeed; its output without the last newline. */
static char *podman_ok(const char *const args[])
{
	char *out = NULL;
	int rc = podman(args, &out, 60000);
	size_t len = strlen(out);

	cr_assert_eq(rc, 0, "podman %s %s: exit %d: %s", args[0], args[1] ? args[1] : "", rc,
		     out);
	while (len && out[len - 1] == '\n')
		out[--len] = '\0';
	return out;
}

static void teardown(void)
{
	/* stops a container still running through its podman run (the
	 * supervisor's place in the fixture), then the server */
	cluster_stop(&cl);
	if (container[0]) {
		char *out = NULL;
		podman((const char *[]){"rm", "--force", "--time", "5", container, NULL}, &out,
		       60000);
		free(out);
		container[0] = '\0';
	}
	if (dir) {
		mgo_test_rmtree(dir);
		free(dir);
		dir = NULL;
	}
}

TestSuite(image, .fini = teardown, .timeout = 240);

/* The image of these sources, after the skips for a machine where no
 * container can run. */
static char *the_image(void)
{
	char *name, *out = NULL;
	struct rlimit rl;
	int rc;

	if (access(PODMAN, X_OK) != 0)
		cr_skip_test("no container runtime: %s is missing (as root, bash scripts/image.sh "
			     "installs it)", PODMAN);
	if (geteuid() != 0)
		cr_skip_test("podman runs the image as root on these machines; this test is not "
			     "root");
	cr_assert(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 1048576)
		rl.rlim_max = 1048576;
	snprintf(nofile, sizeof(nofile), "nofile=%llu:%llu", (unsigned long long)rl.rlim_max,
		 (unsigned long long)rl.rlim_max);
	dir = mgo_test_tmpdir();
	name = run_ok(dir, (const char *[]){"/bin/bash", MGO_SOURCE_DIR "/scripts/image.sh",
					    "--name", NULL});
	name[strcspn(name, "\n")] = '\0';
	rc = podman((const char *[]){"image", "exists", name, NULL}, NULL, 60000);
	cr_assert_eq(rc, 0, "no image %s for the sources as they are: bash scripts/image.sh "
		     "builds it", name);
	/* the runtime itself, on the image's own /bin/true */
	rc = podman((const char *[]){"run", "--rm", "--network", "none", "--pull", "never",
				     "--ulimit", nofile, "--ulimit", NPROC, "--entrypoint", "/bin/true", name, NULL},
		    &out, 60000);
	if (rc != 0)
		cr_skip_test("podman cannot run a container here (exit %d): %s", rc, out);
	free(out);
	return name;
}

/* Writes content to path with this mode and group (the kubelet's fsGroup). */
static void write_file(const char *path, const char *content, mode_t mode, gid_t gid)
{
	const char *slash = strrchr(path, '/');
	char d[PATH_MAX];

	snprintf(d, sizeof(d), "%.*s", (int)(slash - path), path);
	free(mgo_test_write(d, slash + 1, content));
	cr_assert(chown(path, 0, gid) == 0 && chmod(path, mode) == 0, "%s: %s", path,
		  strerror(errno));
}

/* A new directory for volume `name`, 0750 to root and the fsGroup. */
static char *volume_dir(const char *name, gid_t gid)
{
	char *path = NULL;

	cr_assert(asprintf(&path, "%s/volume-%s", dir, name) > 0);
	cr_assert(mkdir(path, 0750) == 0 && chown(path, 0, gid) == 0, "%s: %s", path,
		  strerror(errno));
	return path;
}

/* text with every `from` replaced by `to` (a new string). */
static char *replace(const char *text, const char *from, const char *to)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *p;

	cr_assert_not_null(f);
	while ((p = strstr(text, from))) {
		fwrite(text, 1, (size_t)(p - text), f);
		fputs(to, f);
		text = p + strlen(from);
	}
	fputs(text, f);
	cr_assert(fclose(f) == 0);
	return out;
}

/* The operator's configuration as the container on the host network sees
 * it: the cluster's address is the test server's, and mgo-health takes any
 * free port (a pod has its own network; the host may have 8080 taken). */
static char *host_network_config(const char *yaml)
{
	char *a = replace(yaml, "https://kubernetes.default.svc", cl.env.url);
	char *b = replace(a, "port: 8080", "port: 0");

	cr_assert(strcmp(a, yaml) != 0 && strcmp(b, a) != 0,
		  "deploy/config/mgo.yaml no longer names https://kubernetes.default.svc and "
		  "port 8080: this test must learn its new shape");
	free(a);
	return b;
}

/* A ConfigMap volume: each item (or every key) as a file, 0644 as the
 * kubelet's default mode. kube-root-ca.crt is kube-controller-manager's,
 * which the test server does not run: its own CA is what it would publish. */
static char *configmap_volume(const json_t *vol, gid_t gid)
{
	const char *cm = cl_str(vol, "configMap.name"), *vname = cl_str(vol, "name");
	char path[512], *vdir = volume_dir(vname, gid), file[PATH_MAX];
	json_t *obj = NULL, *items = cl_at(vol, "configMap.items"), *data, *it;
	size_t i;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps/%s", CL_OPERATOR_NS, cm);
	if (cluster_api(&cl, "GET", path, NULL, NULL, &obj) == 404 &&
	    strcmp(cm, "kube-root-ca.crt") == 0) {
		char *ca = slurp(cl.env.ca);
		cr_assert_not_null(ca);
		json_decref(obj);
		obj = json_pack("{s:{s:s}}", "data", "ca.crt", ca);
		free(ca);
	}
	data = cl_at(obj, "data");
	cr_assert(json_is_object(data), "ConfigMap %s (volume %s): no data", cm, vname);
	if (!items) {
		const char *key;
		json_t *v;
		json_object_foreach(data, key, v) {
			char *text = strcmp(key, "mgo.yaml") == 0 ?
					     host_network_config(json_string_value(v)) :
					     strdup(json_string_value(v));
			snprintf(file, sizeof(file), "%s/%s", vdir, key);
			write_file(file, text, 0644, gid);
			free(text);
		}
	}
	json_array_foreach(items, i, it) {
		/* keys have dots: not a cl_str path */
		const char *v = json_string_value(json_object_get(data, cl_str(it, "key")));
		cr_assert_not_null(v, "ConfigMap %s has no %s", cm, cl_str(it, "key"));
		cr_assert_null(strchr(cl_str(it, "path"), '/'));
		snprintf(file, sizeof(file), "%s/%s", vdir, cl_str(it, "path"));
		write_file(file, v, 0644, gid);
	}
	json_decref(obj);
	return vdir;
}

/* A projected volume of the pod's own ServiceAccount token: the token the
 * fixture had the server bind to a Pod of the account (the kubelet's), with
 * the volume's defaultMode, group-owned by the fsGroup. */
static char *token_volume(const json_t *vol, gid_t gid)
{
	char *vdir = volume_dir(cl_str(vol, "name"), gid), src[PATH_MAX], file[PATH_MAX], *tok;
	json_t *sources = cl_at(vol, "projected.sources"), *mode = cl_at(vol, "projected.defaultMode");
	const char *tpath = cl_str(json_array_get(sources, 0), "serviceAccountToken.path");

	cr_assert(json_array_size(sources) == 1 && tpath && !strchr(tpath, '/'),
		  "projected volume %s: only one serviceAccountToken is known here",
		  cl_str(vol, "name"));
	snprintf(src, sizeof(src), "%s/pod/token", cl.env.dir);
	tok = slurp(src);
	cr_assert(tok && *tok, "the fixture made no pod token at %s", src);
	snprintf(file, sizeof(file), "%s/%s", vdir, tpath);
	write_file(file, tok, mode ? (mode_t)json_integer_value(mode) : 0644, gid);
	free(tok);
	return vdir;
}

/* "16Mi" -> "16m": an emptyDir's sizeLimit as a tmpfs size. */
static void tmpfs_size(const char *limit, char *buf, size_t len)
{
	char *end;
	unsigned long long n = strtoull(limit, &end, 10);

	cr_assert(n > 0 && (!strcmp(end, "Mi") || !strcmp(end, "Ki") || !strcmp(end, "Gi")),
		  "emptyDir sizeLimit %s: not a quantity this test knows", limit);
	snprintf(buf, len, "%llu%c", n, end[0] == 'K' ? 'k' : end[0] == 'M' ? 'm' : 'g');
}

struct run {
	const char *argv[96];
	size_t n;
	char strings[32][PATH_MAX + 128];
	size_t ns;
};

static void arg(struct run *r, const char *a)
{
	cr_assert_lt(r->n, sizeof(r->argv) / sizeof(r->argv[0]) - 1);
	r->argv[r->n++] = a;
}

static const char *fmt_arg(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt_arg(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	cr_assert_lt(r->ns, sizeof(r->strings) / sizeof(r->strings[0]));
	s = r->strings[r->ns++];
	va_start(ap, fmt);
	vsnprintf(s, sizeof(r->strings[0]), fmt, ap);
	va_end(ap);
	arg(r, s);
	return s;
}

/* The pod's securityContext field, overridden by the container's. */
static json_t *security(const json_t *pod, const json_t *ctr, const char *field)
{
	json_t *v = cl_at(cl_at(ctr, "securityContext"), field);

	return v ? v : cl_at(cl_at(pod, "securityContext"), field);
}

/* podman run's command line for the Deployment's one container. */
static void podman_run_args(struct run *r, const json_t *dep, const char *image, unsigned *grace)
{
	const json_t *pod = cl_at(dep, "spec.template.spec"), *ctr, *m, *vols = cl_at(pod, "volumes");
	const char *port = strrchr(cl.env.url, ':') + 1;
	json_t *drop;
	gid_t fs_group;
	size_t i;

	cr_assert_eq(json_array_size(cl_at(pod, "containers")), 1);
	ctr = json_array_get(cl_at(pod, "containers"), 0);
	cr_assert_null(cl_at(pod, "initContainers"));
	for (const char *const *g = (const char *const[]){PODMAN_GLOBAL, NULL}; *g; g++)
		arg(r, *g);
	arg(r, "run");
	arg(r, "--name");
	arg(r, container);
	arg(r, "--pull");
	arg(r, "never");
	arg(r, "--network");
	arg(r, "host");
	arg(r, "--ulimit");
	arg(r, nofile);
	arg(r, "--ulimit");
	arg(r, NPROC);
	cr_assert(json_is_true(security(pod, ctr, "runAsNonRoot")));
	fs_group = (gid_t)json_integer_value(security(pod, ctr, "fsGroup"));
	fmt_arg(r, "--user=%lld:%lld", json_integer_value(security(pod, ctr, "runAsUser")),
		json_integer_value(security(pod, ctr, "runAsGroup")));
	cr_assert_gt(fs_group, 0, "no fsGroup: the pod token would not be readable");
	fmt_arg(r, "--group-add=%u", (unsigned)fs_group);
	cr_assert(json_is_true(security(pod, ctr, "readOnlyRootFilesystem")));
	arg(r, "--read-only");
	arg(r, "--read-only-tmpfs=false"); /* the kubelet mounts nothing but the volumes */
	drop = security(pod, ctr, "capabilities.drop");
	cr_assert(json_array_size(drop) == 1 &&
		  strcmp(json_string_value(json_array_get(drop, 0)), "ALL") == 0);
	cr_assert_null(security(pod, ctr, "capabilities.add"));
	arg(r, "--cap-drop=all");
	cr_assert(json_is_false(security(pod, ctr, "allowPrivilegeEscalation")));
	arg(r, "--security-opt=no-new-privileges");
	cr_assert(!json_is_true(security(pod, ctr, "privileged")));
	/* RuntimeDefault: the runtime's own profile, podman's default */
	cr_assert_str_eq(cl_str(security(pod, ctr, "seccompProfile"), "type") ?: "",
			 "RuntimeDefault");
	*grace = (unsigned)json_integer_value(cl_at(pod, "terminationGracePeriodSeconds"));
	cr_assert_gt(*grace, 0);
	fmt_arg(r, "--stop-timeout=%u", *grace);
	/* what the kubelet puts in every pod's environment */
	arg(r, "--env=KUBERNETES_SERVICE_HOST=127.0.0.1");
	fmt_arg(r, "--env=KUBERNETES_SERVICE_PORT=%s", port);

	json_array_foreach(cl_at(ctr, "volumeMounts"), i, m) {
		const json_t *vol = cl_find(vols, "name", cl_str(m, "name"));
		const char *dst = cl_str(m, "mountPath");
		bool ro = json_is_true(cl_at(m, "readOnly"));
		char *src = NULL, size[32];

		cr_assert_not_null(vol, "volumeMount %s names no volume", cl_str(m, "name"));
		if (cl_at(vol, "emptyDir")) {
			/* medium Memory; 0777 as the kubelet makes an emptyDir */
			tmpfs_size(cl_str(vol, "emptyDir.sizeLimit") ?: "64Mi", size, sizeof(size));
			fmt_arg(r, "--mount=type=tmpfs,destination=%s,tmpfs-size=%s,tmpfs-mode=0777",
				dst, size);
			continue;
		}
		if (cl_at(vol, "configMap"))
			src = configmap_volume(vol, fs_group);
		else if (cl_at(vol, "projected"))
			src = token_volume(vol, fs_group);
		cr_assert_not_null(src, "volume %s: a kind this test cannot give the container",
				   cl_str(vol, "name"));
		fmt_arg(r, "--mount=type=bind,source=%s,destination=%s%s", src, dst,
			ro ? ",ro=true" : "");
		free(src);
	}
	arg(r, image);
	for (i = 0; i < json_array_size(cl_at(ctr, "args")); i++) /* dep is freed first */
		fmt_arg(r, "%s", json_string_value(json_array_get(cl_at(ctr, "args"), i)));
	cr_assert_null(cl_at(ctr, "command"), "the Deployment replaces the image's entrypoint");
	r->argv[r->n] = NULL;
}

/* One "Key:\tvalue" line of /proc/PID/status. */
static void status_field(const char *status, const char *key, char *buf, size_t len)
{
	char needle[64];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s:", key);
	p = strstr(status, needle);
	cr_assert_not_null(p, "no %s in /proc/PID/status", key);
	p += strlen(needle);
	p += strspn(p, " \t");
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* The container as runc set it up: its PID 1 (the supervisor) in /proc,
 * and the OCI configuration podman handed runc. */
static void expect_deployment_security(void)
{
	char *pid = podman_ok((const char *[]){"inspect", "--format", "{{.State.Pid}}",
					       container, NULL});
	char *oci = podman_ok((const char *[]){"inspect", "--format", "{{.OCIConfigPath}}",
					       container, NULL});
	char path[128], buf[256], *status, *mountinfo;
	json_t *cfg = json_load_file(oci, 0, NULL), *sc;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	status = slurp(path);
	cr_assert_not_null(status, "%s", path);
	status_field(status, "Uid", buf, sizeof(buf));
	cr_expect_str_eq(buf, "65532\t65532\t65532\t65532");
	status_field(status, "Gid", buf, sizeof(buf));
	cr_expect_str_eq(buf, "65532\t65532\t65532\t65532");
	status_field(status, "Groups", buf, sizeof(buf));
	cr_expect_str_eq(buf, "65532 ");
	for (size_t i = 0; i < 5; i++) {
		static const char *const caps[] = {"CapInh", "CapPrm", "CapEff", "CapBnd",
						   "CapAmb"};
		status_field(status, caps[i], buf, sizeof(buf));
		cr_expect_str_eq(buf, "0000000000000000", "%s: %s", caps[i], buf);
	}
	free(status);

	/* the root file system read-only: mountinfo's "/" line, fields 5 and 6 */
	snprintf(path, sizeof(path), "/proc/%s/mountinfo", pid);
	mountinfo = slurp(path);
	cr_assert_not_null(mountinfo);
	bool ro = false, seen = false;
	for (char *save = NULL, *l = strtok_r(mountinfo, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_MAX], opts[256];
		if (sscanf(l, "%*s %*s %*s %*s %4095s %255s", mnt, opts) == 2 && !strcmp(mnt, "/")) {
			seen = true;
			ro = strncmp(opts, "ro", 2) == 0 && (opts[2] == ',' || !opts[2]);
		}
	}
	cr_expect(seen && ro, "the container's root file system is not read-only");
	free(mountinfo);

	/* no new privileges and a seccomp profile from the runtime (the
	 * processes' own filters come later and would hide its absence in
	 * /proc): podman's default, which allows what it lists */
	cr_assert_not_null(cfg, "%s", oci);
	cr_expect(json_is_true(cl_at(cfg, "process.noNewPrivileges")));
	sc = cl_at(cfg, "linux.seccomp");
	cr_expect(sc && strcmp(cl_str(sc, "defaultAction") ?: "", "SCMP_ACT_ALLOW") != 0 &&
			  json_array_size(cl_at(sc, "syscalls")) > 0,
		  "the container has no seccomp profile from the runtime");
	json_decref(cfg);
	free(pid);
	free(oci);
}

Test(image, runs_as_the_deployment_says_launches_a_job_and_stops_cleanly)
{
	char *image = the_image(), log[PATH_MAX];
	json_t *dep = NULL, *job, *stopped, *line;
	struct run r = {.n = 0};
	unsigned grace = 0;
	int st, clean = 0;
	size_t i;

	cluster_start(&cl, &(struct cluster_opts){.minted_tokens = true, .peers_by_test = true});
	free(cluster_kubectl(&cl, (const char *[]){"apply", "-k", MGO_SOURCE_DIR "/deploy", NULL}));
	cr_assert_eq(cluster_api(&cl, "GET", OPERATOR_DEPLOYMENT, NULL, NULL, &dep), 200);
	snprintf(container, sizeof(container), "mgo-image-test-%d", (int)getpid());
	podman_run_args(&r, dep, image, &grace);
	json_decref(dep);

	/* podman run in the foreground: the container's output is the log */
	snprintf(log, sizeof(log), "%s/container.log", dir);
	free(cl.log);
	cl.log = strdup(log);
	cr_assert_not_null(cl.log);
	cl.supervisor = spawn_logged(r.argv, NULL, log);
	cr_assert(cl.supervisor > 0, "cannot start podman run");
	cl.slow = 3; /* a container's start, on a machine shared with builds */
	json_decref(cluster_wait_log(&cl, "supervisor.ready", 1));
	json_decref(cluster_wait_log(&cl, "launcher.active", 1));
	expect_deployment_security();

	cr_expect_eq(mgo_test_health_wait(cluster_health_port(&cl), "/readyz", 200,
					  CL_WAIT_MS * cl.slow), 200, "/readyz did not answer 200");

	json_decref(cluster_create_mg(&cl, "image-default", "{}"));
	job = cluster_wait_job(&cl, "image-default");
	cr_expect_str_eq(cl_str(cl_container(job, "gather"), "image") ?: "", CL_DEFAULT_IMAGE);
	json_decref(job);

	/* the kubelet's stop: SIGTERM to PID 1, the container's exit awaited
	 * for the grace period */
	free(podman_ok((const char *[]){"kill", "--signal", "TERM", container, NULL}));
	st = stop_process(cl.supervisor, 0, (int)grace * 1000);
	cl.supervisor = 0;
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the container did not exit 0 within %u s of SIGTERM (wait status %#x)", grace,
		  st);
	char *code = podman_ok((const char *[]){"inspect", "--format", "{{.State.ExitCode}}",
						container, NULL});
	cr_expect_str_eq(code, "0", "the container's exit status");
	free(code);
	stopped = cluster_log_events(&cl, "supervisor.child.stopped");
	json_array_foreach(stopped, i, line)
		clean += strcmp(cl_str(line, "status") ?: "", "exit status 0") == 0;
	cr_expect_eq(clean, CL_NPROCS, "%d of the %d processes exited 0", clean, CL_NPROCS);
	json_decref(stopped);
	free(image);
}

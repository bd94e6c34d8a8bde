/* mgo-clean: the obfuscation step of a MustGather's Job. It reads the
 * gathered tree under --input and writes a cleaned copy under --output:
 * addresses replaced consistently, Secrets and ConfigMaps omitted, and a
 * report of what it did (docs/obfuscation.md, "The cleaner"). Exit 0:
 * cleaned; 2: the usage or the configuration is wrong; 3: anything else,
 * and the output tree must not be used. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clean.h"
#include "mgo/log.h"
#include "mgo/termlog.h"
#include "tree.h"

struct args {
	const char *input, *output, *config;
};

static const char usage[] = "usage: mgo-clean --input DIR --output DIR [--config FILE]";

static int parse_args(int argc, char **argv, struct args *a, char *msg, size_t msglen)
{
	for (int i = 1; i < argc; i++) {
		const char **to = !strcmp(argv[i], "--input")    ? &a->input
				  : !strcmp(argv[i], "--output") ? &a->output
				  : !strcmp(argv[i], "--config") ? &a->config
								 : NULL;

		if (!to) {
			snprintf(msg, msglen, "unknown argument \"%.64s\"; %s", argv[i], usage);
			return -EINVAL;
		}
		if (i + 1 >= argc || !argv[i + 1][0]) {
			snprintf(msg, msglen, "%s needs a value; %s", argv[i], usage);
			return -EINVAL;
		}
		if (*to) {
			snprintf(msg, msglen, "%s given twice; %s", argv[i], usage);
			return -EINVAL;
		}
		*to = argv[++i];
	}
	if (!a->input || !a->output) {
		snprintf(msg, msglen, "--input and --output are required; %s", usage);
		return -EINVAL;
	}
	return 0;
}

static bool beneath(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return !strncmp(dir, path, n) && (path[n] == '/' || path[n] == '\0' || n == 1);
}

/* The two roots, resolved and opened before the sandbox: --output is made
 * when absent and must be empty, and neither may hold the other. */
static int open_roots(const struct args *a, char *in, char *out, int *in_fd, int *out_fd,
		      char *msg, size_t msglen)
{
	struct stat st;
	DIR *d;

	if (!realpath(a->input, in) || stat(in, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, msglen, "--input %.1500s: %s", a->input,
			 errno ? strerror(errno) : "not a directory");
		return -EINVAL;
	}
	if (mkdir(a->output, 0750) != 0 && errno != EEXIST) {
		snprintf(msg, msglen, "--output %.1500s: %s", a->output, strerror(errno));
		return -EINVAL;
	}
	if (!realpath(a->output, out)) {
		snprintf(msg, msglen, "--output %.1500s: %s", a->output, strerror(errno));
		return -EINVAL;
	}
	if (beneath(in, out) || beneath(out, in)) {
		snprintf(msg, msglen, "--input %.1000s and --output %.1000s overlap", in, out);
		return -EINVAL;
	}
	*in_fd = open(in, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*out_fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*in_fd < 0 || *out_fd < 0) {
		snprintf(msg, msglen, "opening %.1500s: %s", *in_fd < 0 ? in : out, strerror(errno));
		return -EINVAL;
	}
	if (!(d = fdopendir(dup(*out_fd)))) {
		snprintf(msg, msglen, "--output %.1500s: %s", out, strerror(errno));
		return -EINVAL;
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			snprintf(msg, msglen, "--output %.1500s is not empty", out);
			return -EINVAL;
		}
	}
	closedir(d);
	return 0;
}

static int run(struct mgo_cleaner *c, int in_fd, int out_fd, int report_fd,
	       struct mgo_clean_run *r)
{
	FILE *f = fdopen(report_fd, "w");
	int rc;

	if (!f) {
		snprintf(r->err, r->errlen, "the report: %s", strerror(errno));
		close(report_fd);
		return -errno;
	}
	r->c = c;
	r->report = f;
	fputs("# mgo-clean: what was replaced and omitted (docs/obfuscation.md).\n"
	      "# Paths are the cleaned ones; no original value is written here.\n", f);
	rc = mgo_clean_tree(r, in_fd, out_fd);
	if (!rc && (rc = mgo_clean_report_summary(r)))
		snprintf(r->err, r->errlen, "writing the report: %s", strerror(-rc));
	if (fclose(f) != 0 && !rc) {
		rc = -errno;
		snprintf(r->err, r->errlen, "writing the report: %s", strerror(-rc));
	}
	return rc;
}

static void report(int status, const char *msg, int termlog)
{
	mgo_log_kv(status ? MGO_LOG_ERROR : MGO_LOG_INFO, "main",
		   status ? "clean.failed" : "clean.done", "{s:i, s:s}", "exit_status", status,
		   "msg", msg);
	mgo_termlog_put(termlog, msg);
}

int main(int argc, char **argv)
{
	struct mgo_clean_config cfg = {0};
	struct mgo_cleaner cleaner = {0};
	struct args a = {0};
	char in[PATH_MAX], out[PATH_MAX], msg[2048] = "", err[1536] = "";
	struct mgo_clean_run r = {.err = err, .errlen = sizeof(err)};
	int termlog, in_fd = -1, out_fd = -1, report_fd = -1, status = MGO_CLEAN_EXIT_CONFIG, rc;
	bool cleaner_ready = false;

	mgo_log_init("clean", MGO_LOG_INFO);
	/* before the sandbox, which hides /dev */
	termlog = mgo_termlog_open(MGO_TERMINATION_LOG);
	if (parse_args(argc, argv, &a, msg, sizeof(msg)))
		goto out;
	rc = a.config ? mgo_clean_config_load(a.config, &cfg, msg, sizeof(msg))
		      : mgo_clean_config_default(&cfg);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(msg, sizeof(msg), "out of memory reading the configuration");
		status = rc == -ENOMEM ? MGO_CLEAN_EXIT_FAILED : MGO_CLEAN_EXIT_CONFIG;
		goto out;
	}
	if (open_roots(&a, in, out, &in_fd, &out_fd, msg, sizeof(msg)))
		goto out;
	status = MGO_CLEAN_EXIT_FAILED;
	report_fd = openat(out_fd, MGO_CLEAN_REPORT, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			   O_CLOEXEC, 0640);
	if (report_fd < 0) {
		snprintf(msg, sizeof(msg), "creating %.1500s/%s: %s", out, MGO_CLEAN_REPORT,
			 strerror(errno));
		goto out;
	}
	mgo_log_kv(MGO_LOG_INFO, "main", "clean.start", "{s:s, s:s, s:s}", "input", in, "output",
		   out, "config", a.config ? a.config : "(default)");
	if ((rc = mgo_clean_sandbox(in, out, (const int[]){in_fd, out_fd, report_fd, termlog, -1}))) {
		snprintf(msg, sizeof(msg), "the sandbox failed: %s", strerror(-rc));
		goto out;
	}
	if (mgo_cleaner_init(&cleaner, &cfg, 0)) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto out;
	}
	cleaner_ready = true;
	rc = run(&cleaner, in_fd, out_fd, report_fd, &r);
	report_fd = -1;
	if (rc) {
		snprintf(msg, sizeof(msg), "cleaning failed: %s; the output tree is incomplete and "
			 "must not be used", err);
		goto out;
	}
	status = MGO_CLEAN_EXIT_OK;
	snprintf(msg, sizeof(msg), "cleaned %llu files (%llu omitted, %llu symlinks skipped): "
		 "%llu addresses replaced; report in %s", r.cleaned, r.omitted, r.symlinks,
		 cleaner.count[MGO_CLEAN_IPV4] + cleaner.count[MGO_CLEAN_IPV6] +
			 cleaner.count[MGO_CLEAN_MAC], MGO_CLEAN_REPORT);
out:
	if (status == MGO_CLEAN_EXIT_CONFIG && msg[0] && !strstr(msg, "must not be used"))
		strncat(msg, "; nothing was cleaned", sizeof(msg) - strlen(msg) - 1);
	report(status, msg, termlog);
	if (report_fd >= 0)
		close(report_fd);
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (cleaner_ready)
		mgo_cleaner_free(&cleaner);
	mgo_clean_config_free(&cfg);
	return status;
}

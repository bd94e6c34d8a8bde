/* mgo-upload: the upload step of a MustGather's Job. It runs after the
 * gather (an init container) succeeded, as the Job's main container, with
 * the environment launcher/job.c gives it; it exits with a status of
 * mgo/upload.h that the operator turns into the MustGather's condition. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mgo/log.h"
#include "mgo/termlog.h"
#include "mgo/upload.h"
#include "sftp.h"
#include "tarball.h"
#include "upload_config.h"
#include "wipe_alloc.h"

static const char *from_environment(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

/* The Secret's values (and a proxy URL's credentials) arrive in the
 * environment, readable in /proc/PID/environ for as long as the process
 * lives. Once copied they are wiped there: getenv returns environ's own
 * storage, so writing over it is what clears them. */
static void scrub_environment(void)
{
	static const char *const names[] = {MGO_UPLOAD_ENV_USERNAME, MGO_UPLOAD_ENV_PASSWORD,
					    "HTTPS_PROXY", "HTTP_PROXY"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *v = getenv(names[i]);
		if (v) {
			explicit_bzero(v, strlen(v));
			unsetenv(names[i]);
		}
	}
}

static int load_config(struct mgo_upload_config *cfg, char *msg, size_t msglen)
{
	int ret = mgo_upload_config_load(cfg, from_environment, NULL, msg, msglen);

	scrub_environment();
	if (ret == 0)
		return MGO_UPLOAD_EXIT_OK;
	if (ret != -EINVAL)
		snprintf(msg, msglen, "reading the configuration: %s", strerror(-ret));
	return MGO_UPLOAD_EXIT_USAGE;
}

/* The container's termination message (mgo/termlog.h) is what the log
 * line says too. */
static void report(int status, const char *msg)
{
	bool ok = status == MGO_UPLOAD_EXIT_OK || status == MGO_UPLOAD_EXIT_PARTIAL;

	mgo_log_kv(ok ? MGO_LOG_INFO : MGO_LOG_ERROR, "main", ok ? "upload.done" : "upload.failed",
		   "{s:i, s:s, s:s}", "exit_status", status, "result",
		   mgo_upload_exit_text(status), "msg", msg);
	mgo_termlog_put(mgo_termlog_open(MGO_TERMINATION_LOG), msg);
}

static void partial_failed(char *msg, size_t len)
{
	static const char prefix[] = "the gather timed out and its partial result was not "
				     "uploaded: ";
	size_t have = strnlen(msg, len - 1);

	if (len <= sizeof(prefix))
		return;
	if (have > len - sizeof(prefix))
		have = len - sizeof(prefix);
	memmove(msg + sizeof(prefix) - 1, msg, have);
	memcpy(msg, prefix, sizeof(prefix) - 1);
	msg[sizeof(prefix) - 1 + have] = '\0';
}

int main(void)
{
	struct mgo_upload_config cfg = {0};
	struct mgo_upload_tarball tarball = {.fd = -1};
	char msg[2048] = "";
	bool curl_ready = false;
	int status;

	mgo_log_init("upload", MGO_LOG_INFO);
	/* no core dump, no ptrace by other processes of our user: the
	 * password is in this process's memory */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		mgo_warn("upload.not_dumpable", "prctl(PR_SET_DUMPABLE): %m");
	if (mgo_upload_curl_init() != 0) {
		snprintf(msg, sizeof(msg), "libcurl failed to initialise");
		status = MGO_UPLOAD_EXIT_TRANSFER;
		goto out;
	}
	curl_ready = true;
	status = mgo_upload_check_backend(msg, sizeof(msg));
	if (status != MGO_UPLOAD_EXIT_OK)
		goto out;
	status = load_config(&cfg, msg, sizeof(msg));
	if (status != MGO_UPLOAD_EXIT_OK)
		goto out;
	status = mgo_upload_tarball_open(cfg.result_dir, &tarball, msg, sizeof(msg));
	if (status != MGO_UPLOAD_EXIT_OK)
		goto out;
	status = mgo_upload_run(&cfg, &tarball, msg, sizeof(msg));
	if (status == MGO_UPLOAD_EXIT_OK && tarball.partial)
		status = MGO_UPLOAD_EXIT_PARTIAL; /* msg: "uploaded N bytes to HOST as NAME" */
	else if (status != MGO_UPLOAD_EXIT_OK && tarball.partial)
		/* the gather's own container exited 0 so that this step runs
		 * (launcher/job.c): only this message can tell the MustGather
		 * that the gather had timed out as well */
		partial_failed(msg, sizeof(msg));
out:
	report(status, msg);
	mgo_upload_tarball_close(&tarball);
	mgo_upload_config_free(&cfg);
	if (curl_ready)
		curl_global_cleanup();
	return status;
}

/* The Job a MustGather runs as; see job.h for its shape and why. */
#include "job.h"

#include <stdio.h>
#include <string.h>

#include "mgo/spec.h"

/* Where the one volume is mounted: the gather writes below MGO_OUTPUT_DIR
 * (a subPath of it), the tarball and the marker sit in RESULT_DIR, outside
 * what is packed, so tar never reads the file it writes. */
#define RESULT_DIR "/mgo-out"
#define UPLOAD_COMMAND "/usr/libexec/mgo/mgo-upload"

/* Runs the gather (and the audit gather when asked) under the timeout, keeps
 * its exit status (the pipe to tee would otherwise swallow it), packs the
 * result and leaves the completion marker the upload step waits for.
 * Everything variable comes from the environment or, for spec.gatherSpec's
 * command and args, the positional parameters; nothing is interpolated. */
const char mgo_gather_script[] =
	"set -u\n"
	"out=${MGO_OUTPUT_DIR:?}\n"
	"res=${MGO_RESULT_DIR:?}\n"
	"export MGO_GATHER_BIN=${MGO_GATHER_BIN:-/usr/bin/gather}\n"
	"export MGO_AUDIT_BIN=${MGO_AUDIT_BIN:-/usr/bin/gather_audit_logs}\n"
	"export MGO_AUDIT=${MGO_AUDIT:-false}\n"
	"mkdir -p \"$out\" \"$res\" || exit 1\n"
	"rm -f \"$res/" MGO_DONE_MARKER "\" \"$res/" MGO_TARBALL "\" \"$res/.status\"\n"
	/* spec.gatherSpec: the positional parameters are its command and args,
	 * exec form; without a command they are args to the default gather */
	"[ \"${MGO_CUSTOM_COMMAND:-false}\" = true ] || set -- \"$MGO_GATHER_BIN\" \"$@\"\n"
	"steps='\"$@\" && { [ \"$MGO_AUDIT\" != true ] || \"$MGO_AUDIT_BIN\"; }'\n"
	"limit=${MGO_TIMEOUT_SECONDS:-0}\n"
	"{\n"
	"  cd \"$out\" || exit 1\n"
	"  if [ \"$limit\" -gt 0 ]; then\n"
	"    timeout -k 30 \"$limit\" /bin/sh -c \"$steps\" mgo-gather \"$@\"\n"
	"  else\n"
	"    /bin/sh -c \"$steps\" mgo-gather \"$@\"\n"
	"  fi\n"
	"  echo $? > \"$res/.status\"\n"
	"} 2>&1 | tee \"$out/must-gather.log\"\n"
	"status=$(cat \"$res/.status\" 2>/dev/null) || status=1\n"
	"rm -f \"$res/.status\"\n"
	"if [ \"$limit\" -gt 0 ] && { [ \"$status\" -eq 124 ] || [ \"$status\" -eq 137 ]; }; then\n"
	"  echo \"mgo: gather timed out after ${limit}s (spec.mustGatherTimeout)\" >&2\n"
	"  status=124\n"
	"elif [ \"$status\" -ne 0 ]; then\n"
	"  echo \"mgo: gather failed with exit status $status\" >&2\n"
	"fi\n"
	/* a timed-out gather's files are packed too: partial data (issue 12) */
	"if [ \"$status\" -eq 0 ] || [ \"$status\" -eq 124 ]; then\n"
	"  if tar -czf \"$res/.tarball\" -C \"$out\" . && mv \"$res/.tarball\" \"$res/" MGO_TARBALL "\"; then\n"
	"    [ \"$status\" -eq 0 ] || echo \"mgo: packed what the gather wrote before the timeout as a partial result\" >&2\n"
	"  else\n"
	"    rm -f \"$res/.tarball\"\n"
	"    echo \"mgo: packing the result failed\" >&2\n"
	"    [ \"$status\" -ne 0 ] || status=1\n"
	"  fi\n"
	"fi\n"
	"echo \"$status\" > \"$res/" MGO_DONE_MARKER "\"\n"
	/* the upload step runs only after a gather init container that
	 * succeeded: it reads the timeout from the marker and reports it */
	"if [ \"$status\" -eq 124 ] && [ \"${MGO_UPLOAD_FOLLOWS:-false}\" = true ] &&\n"
	"   [ -f \"$res/" MGO_TARBALL "\" ]; then\n"
	"  exit 0\n"
	"fi\n"
	"exit \"$status\"\n";

/* FNV-1a: a short, stable suffix for names that must be shortened; not a
 * security boundary (the UID label is what the watcher trusts). */
static unsigned long hash32(const char *s)
{
	unsigned long h = 2166136261u;

	for (; *s; s++)
		h = ((h ^ (unsigned char)*s) * 16777619u) & 0xffffffffu;
	return h;
}

void mgo_job_name(const char *mg_name, const char *mg_uid, char *buf, size_t len)
{
	/* the Job controller puts the Job's name in a pod label: at most 63 */
	if (strlen(mg_name) <= 63) {
		snprintf(buf, len, "%s", mg_name);
		return;
	}
	int keep = 54;
	while (keep > 0 && (mg_name[keep - 1] == '-' || mg_name[keep - 1] == '.'))
		keep--;
	snprintf(buf, len, "%.*s-%08lx", keep, mg_name, hash32(mg_uid ? mg_uid : ""));
}

static int env_add(json_t *env, const char *name, const char *value)
{
	if (!value)
		return 0;
	return json_array_append_new(env, json_pack("{s:s, s:s}", "name", name, "value", value));
}

static int env_secret(json_t *env, const char *name, const char *secret, const char *key)
{
	return json_array_append_new(
		env, json_pack("{s:s, s:{s:{s:s, s:s}}}", "name", name, "valueFrom",
			       "secretKeyRef", "name", secret, "key", key));
}

/* Restricted pod security for every container we add. */
static json_t *container_security(void)
{
	return json_pack("{s:b, s:{s:[s]}, s:b}", "allowPrivilegeEscalation", 0, "capabilities",
			 "drop", "ALL", "runAsNonRoot", 1);
}

/* The run's own folder on the volume, so runs sharing a claim never mix;
 * with an emptyDir, the volume's root. */
static void run_dir(const struct mgo_act *act, const char *run_name, char *buf, size_t len)
{
	if (act->intent.pvc_claim)
		mgo_run_folder(act->intent.pvc_subpath, run_name, buf, len);
	else
		buf[0] = '\0';
}

static json_t *gather_container(const struct mgo_act *act, const char *base)
{
	const struct mgo_job_intent *in = &act->intent;
	char timeout[32], gather_sub[1400];
	json_t *env = json_array();

	snprintf(timeout, sizeof(timeout), "%lld", (long long)in->timeout_seconds);
	snprintf(gather_sub, sizeof(gather_sub), "%s%sgather", base, *base ? "/" : "");
	if (!env || env_add(env, "MGO_OUTPUT_DIR", MGO_OUTPUT_DIR) ||
	    env_add(env, "MGO_RESULT_DIR", RESULT_DIR) ||
	    env_add(env, "MGO_TIMEOUT_SECONDS", timeout) ||
	    env_add(env, "MGO_AUDIT", in->audit ? "true" : "false") ||
	    env_add(env, "MGO_UPLOAD_FOLLOWS", in->upload ? "true" : "false") ||
	    env_add(env, "MGO_CUSTOM_COMMAND", in->n_command ? "true" : NULL) ||
	    env_add(env, "MUST_GATHER_SINCE", in->since) ||
	    env_add(env, "MUST_GATHER_SINCE_TIME", in->since_time)) {
		json_decref(env);
		return NULL;
	}
	json_t *mounts = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "name", "output",
				   "mountPath", MGO_OUTPUT_DIR, "subPath", gather_sub, "name",
				   "output", "mountPath", RESULT_DIR, "subPath", base);
	if (mounts && !*base) /* an empty subPath is refused by validation */
		json_object_del(json_array_get(mounts, 1), "subPath");
	/* $0, then spec.gatherSpec's command and args as the script's
	 * positional parameters: each one argv item, never parsed by a shell */
	json_t *command = json_pack("[s, s, s, s]", "/bin/sh", "-c", mgo_gather_script,
				    "mgo-gather");
	for (size_t i = 0; command && i < in->n_command + in->n_args; i++) {
		const char *arg = i < in->n_command ? in->command[i] : in->args[i - in->n_command];
		if (json_array_append_new(command, json_string(arg))) {
			json_decref(command);
			command = NULL;
		}
	}
	if (!command) {
		json_decref(env);
		json_decref(mounts);
		return NULL;
	}
	/* FallbackToLogsOnError: a failed gather's last log lines (at most
	 * 2048 bytes or 80 lines, the kubelet's bound) stay in the pod's status
	 * as its termination message, which the validator copies into the
	 * MustGather's condition (docs/support.md) */
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "name", "gather", "image",
			 in->image, "imagePullPolicy", "IfNotPresent", "command", command, "env",
			 env, "volumeMounts", mounts, "securityContext", container_security(),
			 "terminationMessagePolicy", "FallbackToLogsOnError");
}

/* At most 64 + 1 + 128 + 7 = 200 bytes: the upload step refuses names over
 * 200 so that its temporary ".NAME.part" fits every server. */
_Static_assert(MGO_RUN_NAME_MAX == 128, "remote_name's format bounds the run name");
static char *remote_name(const struct mgo_act *act, const char *run_name, char *buf, size_t len)
{
	snprintf(buf, len, "%.64s_%.128s.tar.gz",
		 act->intent.sftp_case_id, run_name);
	return buf;
}

static json_t *upload_container(const struct mgo_act *act, const char *run_name,
				const struct mgo_job_config *cfg, const char *base)
{
	const struct mgo_job_intent *in = &act->intent;
	const char *http = in->http_proxy && *in->http_proxy ? in->http_proxy : cfg->http_proxy;
	const char *https = in->https_proxy && *in->https_proxy ? in->https_proxy : cfg->https_proxy;
	const char *noproxy = in->no_proxy && *in->no_proxy ? in->no_proxy : cfg->no_proxy;
	char remote[600];
	json_t *env = json_array();

	if (!env || env_add(env, "MGO_RESULT_DIR", RESULT_DIR) ||
	    env_add(env, "MGO_SFTP_HOST", in->sftp_host) ||
	    env_add(env, "MGO_REMOTE_NAME", remote_name(act, run_name, remote, sizeof(remote))) ||
	    env_add(env, "MGO_INTERNAL_USER", in->sftp_internal_user ? "true" : "false") ||
	    env_add(env, "MGO_SFTP_KNOWN_HOSTS", cfg->sftp_known_hosts) ||
	    env_secret(env, "MGO_SFTP_USERNAME", in->sftp_secret, "username") ||
	    env_secret(env, "MGO_SFTP_PASSWORD", in->sftp_secret, "password") ||
	    env_add(env, "HTTP_PROXY", http) || env_add(env, "HTTPS_PROXY", https) ||
	    env_add(env, "NO_PROXY", noproxy)) {
		json_decref(env);
		return NULL;
	}
	json_t *mount = json_pack("{s:s, s:s, s:s, s:b}", "name", "output", "mountPath",
				  RESULT_DIR, "subPath", base, "readOnly", 1);
	if (mount && !*base)
		json_object_del(mount, "subPath");
	/* mgo-upload writes its outcome to /dev/termination-log itself */
	return json_pack("{s:s, s:s, s:s, s:[s], s:o, s:[o], s:o, s:s}", "name", "upload", "image",
			 cfg->operator_image, "imagePullPolicy", "IfNotPresent", "command",
			 UPLOAD_COMMAND, "env", env, "volumeMounts", mount, "securityContext",
			 container_security(), "terminationMessagePolicy", "FallbackToLogsOnError");
}

static json_t *output_volume(const struct mgo_act *act)
{
	if (act->intent.pvc_claim)
		return json_pack("{s:s, s:{s:s}}", "name", "output", "persistentVolumeClaim",
				 "claimName", act->intent.pvc_claim);
	return json_pack("{s:s, s:{}}", "name", "output", "emptyDir");
}

static json_t *pod_spec(const struct mgo_act *act, const char *run_name,
			const struct mgo_job_config *cfg)
{
	char base[1400];
	json_t *gather, *spec;

	run_dir(act, run_name, base, sizeof(base));
	gather = gather_container(act, base);
	if (!gather)
		return NULL;
	spec = json_pack("{s:s, s:s, s:{s:b, s:{s:s}}, s:[o]}", "serviceAccountName",
			 act->intent.service_account, "restartPolicy", "Never", "securityContext",
			 "runAsNonRoot", 1, "seccompProfile", "type", "RuntimeDefault", "volumes",
			 output_volume(act));
	if (!spec) {
		json_decref(gather);
		return NULL;
	}
	if (act->intent.upload) {
		/* json_pack's "o" takes the reference even when it fails */
		json_t *upload = upload_container(act, run_name, cfg, base);
		if (!upload) {
			json_decref(gather);
			json_decref(spec);
			return NULL;
		}
		if (json_object_set_new(spec, "initContainers", json_pack("[o]", gather)) ||
		    json_object_set_new(spec, "containers", json_pack("[o]", upload))) {
			json_decref(spec);
			return NULL;
		}
	} else if (json_object_set_new(spec, "containers", json_pack("[o]", gather))) {
		json_decref(spec);
		return NULL;
	}
	return spec;
}

json_t *mgo_job_render(const struct mgo_act *act, const char *run_name,
		       const struct mgo_job_config *cfg)
{
	char name[80], trace[160];
	json_t *job, *pod;

	if (act->kind != MGO_ACT_LAUNCH || !act->intent.image || !act->uid)
		return NULL;
	if ((act->intent.pvc_claim || act->intent.upload) &&
	    (!run_name || strncmp(run_name, MGO_RUN_NAME_PREFIX, strlen(MGO_RUN_NAME_PREFIX)) != 0 ||
	     strlen(run_name) > MGO_RUN_NAME_MAX))
		return NULL;
	/* the bound spec validation keeps; past it the deadline below would
	 * overflow (the monitor refuses such an act before it gets here) */
	if (act->intent.timeout_seconds < 0 || act->intent.timeout_seconds > MGO_TIMEOUT_MAX_SECONDS)
		return NULL;
	mgo_job_name(act->name, act->uid, name, sizeof(name));
	snprintf(trace, sizeof(trace), "%s/%lld", act->uid, (long long)act->generation);
	pod = pod_spec(act, run_name, cfg);
	if (!pod)
		return NULL;
	job = json_pack(
		"{s:s, s:s,"
		" s:{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s},"
		"    s:[{s:s, s:s, s:s, s:s, s:b, s:b}]},"
		" s:{s:i, s:{s:{s:{s:s, s:s}}, s:o}}}",
		"apiVersion", "batch/v1", "kind", "Job",
		"metadata", "name", name, "namespace", act->ns,
		"labels", MGO_LABEL_MANAGED_BY, MGO_MANAGED_BY, MGO_LABEL_UID, act->uid,
		MGO_LABEL_IMAGE_SOURCE,
		act->intent.custom_image ? MGO_IMAGE_SOURCE_ALLOWLIST : MGO_IMAGE_SOURCE_DEFAULT,
		"annotations", MGO_ANNOTATION_NAME, act->name, MGO_ANNOTATION_TRACE, trace,
		"ownerReferences", "apiVersion", "operator.openshift.io/v1alpha1", "kind",
		"MustGather", "name", act->name, "uid", act->uid, "controller", 1,
		"blockOwnerDeletion", 1,
		"spec", "backoffLimit", 0, "template", "metadata", "labels", MGO_LABEL_MANAGED_BY,
		MGO_MANAGED_BY, MGO_LABEL_UID, act->uid, "spec", pod);
	if (job && act->intent.timeout_seconds > 0)
		json_object_set_new(json_object_get(job, "spec"), "activeDeadlineSeconds",
				    json_integer(act->intent.timeout_seconds +
						 MGO_DEADLINE_SLACK_SECONDS));
	return job;
}

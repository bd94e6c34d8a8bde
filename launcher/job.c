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
/* With spec.obfuscate the gather writes into the "raw" emptyDir instead:
 * its tree below MGO_OUTPUT_DIR (a subPath) and its marker in RAW_DIR. That
 * volume is never the claim and never mounted by the upload step; the
 * cleaning step reads it read-only and writes the cleaned tree, the tarball
 * and the marker where the gather would have (launcher/job.h). */
#define RAW_DIR "/mgo-raw"
#define CLEAN_CONFIG_DIR "/etc/mgo-clean"
#define CLEAN_CONFIG_KEY "config.yaml"
#define TRUSTED_CA_DIR "/etc/mgo-trusted-ca"

/* What both scripts end with: pack $out into the tarball when $status is 0
 * or a timeout (124: a partial result, issue 12), leave the completion
 * marker the upload step reads, and exit so that a timed-out gather's
 * partial tarball still reaches an upload step that follows. */
#define PACK_AND_FINISH \
	"if [ \"$status\" -eq 0 ] || [ \"$status\" -eq 124 ]; then\n" \
	"  if tar -czf \"$res/.tarball\" -C \"$out\" . && mv \"$res/.tarball\" \"$res/" MGO_TARBALL "\"; then\n" \
	"    [ \"$status\" -eq 0 ] || echo \"mgo: packed what the gather wrote before the timeout as a partial result\" >&2\n" \
	"  else\n" \
	"    rm -f \"$res/.tarball\"\n" \
	"    echo \"mgo: packing the result failed\" >&2\n" \
	"    [ \"$status\" -ne 0 ] || status=1\n" \
	"  fi\n" \
	"fi\n" \
	"echo \"$status\" > \"$res/" MGO_DONE_MARKER "\"\n" \
	/* the upload step runs only after init containers that succeeded: \
	 * it reads the timeout from the marker and reports it */ \
	"if [ \"$status\" -eq 124 ] && [ \"${MGO_UPLOAD_FOLLOWS:-false}\" = true ] &&\n" \
	"   [ -f \"$res/" MGO_TARBALL "\" ]; then\n" \
	"  exit 0\n" \
	"fi\n" \
	"exit \"$status\"\n"

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
	/* spec.obfuscate: the cleaning step packs, from the marker left here
	 * in the raw volume; it runs only if this container exits 0 */
	"if [ \"${MGO_CLEAN_FOLLOWS:-false}\" = true ]; then\n"
	"  echo \"$status\" > \"$res/" MGO_DONE_MARKER "\"\n"
	"  [ \"$status\" -ne 124 ] || exit 0\n"
	"  exit \"$status\"\n"
	"fi\n"
	PACK_AND_FINISH;

/* The cleaning step (spec.obfuscate), in the operator's image after the
 * gather: runs mgo-clean from the raw tree (read-only) to $out, then packs
 * as the gather would have. A timed-out gather's partial tree is cleaned
 * and packed too. A failed cleaning removes its output, packs nothing and
 * exits non-zero, so no upload step runs; mgo-clean's own message is the
 * container's termination message (docs/obfuscation.md). Everything
 * variable comes from the environment; nothing is interpolated. */
const char mgo_clean_script[] =
	"set -u\n"
	"raw=${MGO_RAW_DIR:?}\n"
	"res=${MGO_RESULT_DIR:?}\n"
	"out=$res/gather\n"
	"clean=${MGO_CLEAN_BIN:-/usr/libexec/mgo/mgo-clean}\n"
	"mkdir -p \"$res\" || exit 1\n"
	"rm -f \"$res/" MGO_DONE_MARKER "\" \"$res/" MGO_TARBALL "\" \"$res/.tarball\"\n"
	"status=$(cat \"$raw/" MGO_DONE_MARKER "\" 2>/dev/null) || status=none\n"
	"if [ \"$status\" != 0 ] && [ \"$status\" != 124 ]; then\n"
	"  echo \"mgo: the gather left no completion marker saying it ended (found: $status); nothing is cleaned or packed\" >&2\n"
	"  echo 1 > \"$res/" MGO_DONE_MARKER "\"\n"
	"  exit 1\n"
	"fi\n"
	"set -- --input \"$raw/gather\" --output \"$out\"\n"
	"if [ -n \"${MGO_CLEAN_CONFIG:-}\" ]; then\n"
	"  if [ ! -f \"$MGO_CLEAN_CONFIG\" ]; then\n"
	"    echo \"mgo: spec.obfuscate.configMapRef: ConfigMap ${MGO_CLEAN_CONFIG_MAP:-} does not exist in this namespace or has no key " CLEAN_CONFIG_KEY "; nothing was cleaned, packed or uploaded\" >&2\n"
	"    echo 2 > \"$res/" MGO_DONE_MARKER "\"\n"
	"    exit 2\n"
	"  fi\n"
	"  set -- \"$@\" --config \"$MGO_CLEAN_CONFIG\"\n"
	"fi\n"
	"\"$clean\" \"$@\"\n"
	"rc=$?\n"
	"if [ \"$rc\" -ne 0 ]; then\n"
	"  rm -rf \"$out\"\n"
	"  echo \"mgo: the obfuscation failed with exit status $rc; nothing was packed or uploaded\" >&2\n"
	"  [ \"$rc\" -ne 124 ] || rc=3\n"
	"  echo \"$rc\" > \"$res/" MGO_DONE_MARKER "\"\n"
	"  exit \"$rc\"\n"
	"fi\n"
	PACK_AND_FINISH;

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
	    env_add(env, "MGO_RESULT_DIR", in->obfuscate ? RAW_DIR : RESULT_DIR) ||
	    env_add(env, "MGO_TIMEOUT_SECONDS", timeout) ||
	    env_add(env, "MGO_AUDIT", in->audit ? "true" : "false") ||
	    env_add(env, "MGO_UPLOAD_FOLLOWS", in->upload ? "true" : "false") ||
	    env_add(env, "MGO_CLEAN_FOLLOWS", in->obfuscate ? "true" : NULL) ||
	    env_add(env, "MGO_CUSTOM_COMMAND", in->n_command ? "true" : NULL) ||
	    env_add(env, "MUST_GATHER_SINCE", in->since) ||
	    env_add(env, "MUST_GATHER_SINCE_TIME", in->since_time)) {
		json_decref(env);
		return NULL;
	}
	/* with obfuscation the raw tree never touches "output" (the claim,
	 * or what the upload step reads) */
	json_t *mounts = in->obfuscate
		? json_pack("[{s:s, s:s, s:s}, {s:s, s:s}]", "name", "raw", "mountPath",
			    MGO_OUTPUT_DIR, "subPath", "gather", "name", "raw", "mountPath", RAW_DIR)
		: json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "name", "output", "mountPath",
			    MGO_OUTPUT_DIR, "subPath", gather_sub, "name", "output", "mountPath",
			    RESULT_DIR, "subPath", base);
	if (mounts && !in->obfuscate && !*base) /* an empty subPath is refused by validation */
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

/* The output volume at RESULT_DIR, below the run's folder on a claim. */
static json_t *result_mount(const char *base, bool read_only)
{
	json_t *mount = json_pack("{s:s, s:s, s:s, s:b}", "name", "output", "mountPath",
				  RESULT_DIR, "subPath", base, "readOnly", read_only);

	if (mount && !*base) /* an empty subPath is refused by validation */
		json_object_del(mount, "subPath");
	if (mount && !read_only)
		json_object_del(mount, "readOnly");
	return mount;
}

/* Appends a read-only mount of `volume` at `path` to mounts (NULL passes
 * through); on failure releases mounts and returns NULL. */
static json_t *add_read_only(json_t *mounts, const char *volume, const char *path)
{
	if (mounts && json_array_append_new(mounts, json_pack("{s:s, s:s, s:b}", "name", volume,
							      "mountPath", path, "readOnly", 1))) {
		json_decref(mounts);
		return NULL;
	}
	return mounts;
}

/* The cleaning step (spec.obfuscate): mgo-clean from the operator's image,
 * run by mgo_clean_script between the gather and the upload. Its own
 * resources: it streams (mgo-clean's memory does not grow with file size),
 * and tar and gzip need little. */
static json_t *clean_container(const struct mgo_act *act, const struct mgo_job_config *cfg,
			       const char *base)
{
	const struct mgo_job_intent *in = &act->intent;
	const char *config = in->obfuscate_config ? CLEAN_CONFIG_DIR "/" CLEAN_CONFIG_KEY : NULL;
	json_t *env = json_array(), *mounts;

	if (!env || env_add(env, "MGO_RAW_DIR", RAW_DIR) ||
	    env_add(env, "MGO_RESULT_DIR", RESULT_DIR) ||
	    env_add(env, "MGO_UPLOAD_FOLLOWS", in->upload ? "true" : "false") ||
	    env_add(env, "MGO_CLEAN_CONFIG", config) ||
	    env_add(env, "MGO_CLEAN_CONFIG_MAP", in->obfuscate_config)) {
		json_decref(env);
		return NULL;
	}
	mounts = json_pack("[{s:s, s:s, s:b}, o]", "name", "raw", "mountPath", RAW_DIR,
			   "readOnly", 1, result_mount(base, false));
	if (config)
		mounts = add_read_only(mounts, "clean-config", CLEAN_CONFIG_DIR);
	if (!mounts) {
		json_decref(env);
		return NULL;
	}
	json_t *command = json_pack("[s, s, s, s]", "/bin/sh", "-c", mgo_clean_script, "mgo-clean");
	/* FallbackToLogsOnError: mgo-clean writes its own message to
	 * /dev/termination-log; when it could not (it never ran), the
	 * script's last lines say why */
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s,"
			 " s:{s:{s:s, s:s}, s:{s:s}}}",
			 "name", "clean", "image", cfg->operator_image, "imagePullPolicy",
			 "IfNotPresent", "command", command, "env", env, "volumeMounts", mounts,
			 "securityContext", container_security(), "terminationMessagePolicy",
			 "FallbackToLogsOnError", "resources", "requests", "cpu", "100m", "memory",
			 "128Mi", "limits", "memory", "512Mi");
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
	    env_add(env, "NO_PROXY", noproxy) ||
	    env_add(env, MGO_UPLOAD_ENV_PROXY_CA_FILE,
		    cfg->trusted_ca_configmap ? TRUSTED_CA_DIR "/" MGO_TRUSTED_CA_KEY : NULL) ||
	    env_add(env, MGO_UPLOAD_ENV_PROXY_CA_CONFIGMAP, cfg->trusted_ca_configmap)) {
		json_decref(env);
		return NULL;
	}
	json_t *mounts = json_pack("[o]", result_mount(base, true));
	if (cfg->trusted_ca_configmap)
		mounts = add_read_only(mounts, "trusted-ca", TRUSTED_CA_DIR);
	if (!mounts) {
		json_decref(env);
		return NULL;
	}
	/* mgo-upload writes its outcome to /dev/termination-log itself */
	return json_pack("{s:s, s:s, s:s, s:[s], s:o, s:o, s:o, s:s}", "name", "upload", "image",
			 cfg->operator_image, "imagePullPolicy", "IfNotPresent", "command",
			 UPLOAD_COMMAND, "env", env, "volumeMounts", mounts, "securityContext",
			 container_security(), "terminationMessagePolicy", "FallbackToLogsOnError");
}

/* A ConfigMap of the MustGather's namespace, one key, read by the kubelet.
 * Optional: a missing one must not hold the whole pod at volume setup (no
 * container would say why); the step that needs the file says it is
 * missing instead (docs/design.md, "Obfuscation"). */
static json_t *configmap_volume(const char *volume, const char *configmap, const char *key)
{
	return json_pack("{s:s, s:{s:s, s:[{s:s, s:s}], s:b}}", "name", volume, "configMap",
			 "name", configmap, "items", "key", key, "path", key, "optional", 1);
}

static json_t *volumes(const struct mgo_act *act, const struct mgo_job_config *cfg)
{
	const struct mgo_job_intent *in = &act->intent;
	json_t *v = in->pvc_claim ? json_pack("[{s:s, s:{s:s}}]", "name", "output",
					      "persistentVolumeClaim", "claimName", in->pvc_claim)
				  : json_pack("[{s:s, s:{}}]", "name", "output", "emptyDir");

	if (v && in->obfuscate &&
	    json_array_append_new(v, json_pack("{s:s, s:{}}", "name", "raw", "emptyDir")))
		goto fail;
	if (v && in->obfuscate && in->obfuscate_config &&
	    json_array_append_new(v, configmap_volume("clean-config", in->obfuscate_config,
						      CLEAN_CONFIG_KEY)))
		goto fail;
	if (v && in->upload && cfg->trusted_ca_configmap &&
	    json_array_append_new(v, configmap_volume("trusted-ca", cfg->trusted_ca_configmap,
						      MGO_TRUSTED_CA_KEY)))
		goto fail;
	return v;
fail:
	json_decref(v);
	return NULL;
}

static json_t *pod_spec(const struct mgo_act *act, const char *run_name,
			const struct mgo_job_config *cfg)
{
	char base[1400];
	json_t *steps, *spec;

	run_dir(act, run_name, base, sizeof(base));
	/* in the order they run: every step but the last is an init
	 * container, so each runs only after the one before succeeded */
	steps = json_pack("[o]", gather_container(act, base));
	if (steps && act->intent.obfuscate &&
	    json_array_append_new(steps, clean_container(act, cfg, base)))
		goto fail;
	if (steps && act->intent.upload &&
	    json_array_append_new(steps, upload_container(act, run_name, cfg, base)))
		goto fail;
	if (!steps)
		return NULL;
	spec = json_pack("{s:s, s:s, s:{s:b, s:{s:s}}, s:o}", "serviceAccountName",
			 act->intent.service_account, "restartPolicy", "Never", "securityContext",
			 "runAsNonRoot", 1, "seccompProfile", "type", "RuntimeDefault", "volumes",
			 volumes(act, cfg));
	if (!spec)
		goto fail;
	size_t last = json_array_size(steps) - 1;
	json_t *main_container = json_incref(json_array_get(steps, last));
	if (json_array_remove(steps, last) ||
	    json_object_set_new(spec, "containers", json_pack("[o]", main_container)) ||
	    (json_array_size(steps) && json_object_set(spec, "initContainers", steps))) {
		json_decref(spec);
		goto fail;
	}
	json_decref(steps);
	return spec;
fail:
	json_decref(steps);
	return NULL;
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

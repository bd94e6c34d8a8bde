/* The Job a LAUNCH becomes, field by field. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "job.h"

/* a run name as mgo_run_name makes it (mgo/upload.h) */
#define CLUSTER "5f1c2d3e-0000-4000-8000-000000000001"
#define TEST_RUN_NAME "must-gather.local.5f1c2d3e-0000-4000-8000-000000000001.20261207T091500Z.6f1c2d3e"

static const struct mgo_job_config cfg = {
	.operator_image = "quay.io/openshift/must-gather-operator:latest",
	.https_proxy = "http://cluster-proxy:3128",
	.no_proxy = ".cluster.local",
	.sftp_known_hosts = "sftp.access.redhat.com ssh-ed25519 AAAAC3Nza",
};

static struct mgo_act launch(void)
{
	return (struct mgo_act){
		.kind = MGO_ACT_LAUNCH, .ns = "team-a", .name = "mg1",
		.uid = "6f1c2d3e-0000-4000-8000-000000000001", .generation = 2,
		.intent = {.image = "quay.io/my-org/gather:v1", .custom_image = true,
			   .service_account = "gatherer"},
	};
}

static json_t *at(json_t *obj, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save, *k = strtok_r(buf, ".", &save); obj && k; k = strtok_r(NULL, ".", &save)) {
		char *end;
		long idx = strtol(k, &end, 10);
		obj = *end == '\0' ? json_array_get(obj, (size_t)idx) : json_object_get(obj, k);
	}
	return obj;
}

static const char *str(json_t *obj, const char *path)
{
	return json_string_value(at(obj, path));
}

/* The value of env var `name` in a container, or its secretKeyRef "secret/key". */
static const char *env(json_t *container, const char *name)
{
	static char ref[300];
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(container, "env"), i, e) {
		if (strcmp(str(e, "name"), name) != 0)
			continue;
		if (str(e, "value"))
			return str(e, "value");
		snprintf(ref, sizeof(ref), "%s/%s", str(e, "valueFrom.secretKeyRef.name"),
			 str(e, "valueFrom.secretKeyRef.key"));
		return ref;
	}
	return NULL;
}

Test(job, identity_ownership_and_labels)
{
	struct mgo_act act = launch();
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);

	cr_assert_not_null(job);
	cr_assert_str_eq(str(job, "apiVersion"), "batch/v1");
	cr_assert_str_eq(str(job, "metadata.name"), "mg1");
	cr_assert_str_eq(str(job, "metadata.namespace"), "team-a");
	json_t *labels = at(job, "metadata.labels");
	cr_assert_str_eq(json_string_value(json_object_get(labels, MGO_LABEL_UID)), act.uid);
	cr_assert_str_eq(json_string_value(json_object_get(labels, MGO_LABEL_IMAGE_SOURCE)),
			 MGO_IMAGE_SOURCE_ALLOWLIST);
	act.intent.custom_image = false;
	json_t *plain = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	cr_assert_str_eq(json_string_value(json_object_get(at(plain, "metadata.labels"),
							   MGO_LABEL_IMAGE_SOURCE)),
			 MGO_IMAGE_SOURCE_DEFAULT);
	json_decref(plain);
	json_t *pod_labels = at(job, "spec.template.metadata.labels");
	cr_assert_str_eq(json_string_value(json_object_get(pod_labels, MGO_LABEL_UID)), act.uid);
	json_t *ann = at(job, "metadata.annotations");
	cr_assert_str_eq(json_string_value(json_object_get(ann, MGO_ANNOTATION_TRACE)),
			 "6f1c2d3e-0000-4000-8000-000000000001/2");
	cr_assert_str_eq(str(job, "metadata.ownerReferences.0.kind"), "MustGather");
	cr_assert_str_eq(str(job, "metadata.ownerReferences.0.uid"), act.uid);
	cr_assert(json_is_true(at(job, "metadata.ownerReferences.0.controller")));
	cr_assert_eq(json_integer_value(at(job, "spec.backoffLimit")), 0);
	cr_assert_null(at(job, "spec.activeDeadlineSeconds"), "no timeout, no deadline");
	json_decref(job);
}

Test(job, runs_exactly_the_image_with_restricted_security)
{
	struct mgo_act act = launch();
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	json_t *pod = at(job, "spec.template.spec");

	cr_assert_str_eq(str(pod, "serviceAccountName"), "gatherer");
	cr_assert_str_eq(str(pod, "restartPolicy"), "Never");
	cr_assert(json_is_true(at(pod, "securityContext.runAsNonRoot")));
	cr_assert_str_eq(str(pod, "securityContext.seccompProfile.type"), "RuntimeDefault");
	cr_assert_null(at(pod, "initContainers"), "no upload: the gather is the only container");
	cr_assert_eq(json_array_size(at(pod, "containers")), 1);
	json_t *g = at(pod, "containers.0");
	cr_assert_str_eq(str(g, "name"), "gather");
	cr_assert_str_eq(str(g, "image"), "quay.io/my-org/gather:v1");
	cr_assert_str_eq(str(g, "command.0"), "/bin/sh");
	cr_assert_str_eq(str(g, "command.2"), mgo_gather_script);
	cr_assert(json_is_false(at(g, "securityContext.allowPrivilegeEscalation")));
	cr_assert_str_eq(str(g, "securityContext.capabilities.drop.0"), "ALL");
	cr_assert_str_eq(env(g, "MGO_AUDIT"), "false");
	cr_assert_str_eq(env(g, "MGO_TIMEOUT_SECONDS"), "0");
	cr_assert_str_eq(env(g, "MGO_UPLOAD_FOLLOWS"), "false", "no upload: a timeout fails it");
	/* its last lines outlive the pod (docs/support.md) */
	cr_assert_str_eq(str(g, "terminationMessagePolicy"), "FallbackToLogsOnError");
	cr_assert_not_null(at(pod, "volumes.0.emptyDir"));
	json_decref(job);
}

Test(job, no_user_string_reaches_a_command_line)
{
	struct mgo_act act = launch();
	act.name = "mg-$(touch-x)";
	act.intent.image = "quay.io/org/img:`id`";
	act.intent.upload = true;
	act.intent.sftp_case_id = "123;rm";
	act.intent.sftp_secret = "s";
	act.intent.sftp_host = "h";
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	json_t *cmd;
	size_t i;

	/* the only commands are constants */
	json_array_foreach(at(job, "spec.template.spec.initContainers.0.command"), i, cmd)
		cr_assert_null(strstr(json_string_value(cmd), "touch-x"));
	json_array_foreach(at(job, "spec.template.spec.containers.0.command"), i, cmd)
		cr_assert_null(strstr(json_string_value(cmd), "123;rm"));
	cr_assert_str_eq(str(job, "spec.template.spec.containers.0.command.0"),
			 "/usr/libexec/mgo/mgo-upload");
	json_decref(job);
}

Test(job, timeout_and_audit_rendered)
{
	struct mgo_act act = launch();
	act.intent.timeout_seconds = 600;
	act.intent.audit = true;
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	json_t *g = at(job, "spec.template.spec.containers.0");

	cr_assert_str_eq(env(g, "MGO_TIMEOUT_SECONDS"), "600");
	cr_assert_str_eq(env(g, "MGO_AUDIT"), "true");
	cr_assert_eq(json_integer_value(at(job, "spec.activeDeadlineSeconds")),
		     600 + MGO_DEADLINE_SLACK_SECONDS);
	json_decref(job);
}

/* An SFTP upload target, as the validator fills it. */
static void with_upload(struct mgo_act *act)
{
	act->intent.upload = true;
	act->intent.sftp_case_id = "01234567";
	act->intent.sftp_secret = "case-creds";
	act->intent.sftp_host = "sftp.access.redhat.com";
}

Test(job, upload_step_only_with_a_target_and_after_the_gather)
{
	struct mgo_act act = launch();
	with_upload(&act);
	act.intent.http_proxy = "http://mine:8080";
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	json_t *pod = at(job, "spec.template.spec");

	cr_assert_str_eq(str(pod, "initContainers.0.name"), "gather");
	/* a timed-out gather lets the upload step send its partial result */
	cr_assert_str_eq(env(at(pod, "initContainers.0"), "MGO_UPLOAD_FOLLOWS"), "true");
	cr_assert_eq(json_array_size(at(pod, "containers")), 1);
	json_t *u = at(pod, "containers.0");
	cr_assert_str_eq(str(u, "terminationMessagePolicy"), "FallbackToLogsOnError");
	cr_assert_str_eq(str(u, "name"), "upload");
	cr_assert_str_eq(str(u, "image"), cfg.operator_image);
	cr_assert_str_eq(env(u, "MGO_SFTP_USERNAME"), "case-creds/username");
	cr_assert_str_eq(env(u, "MGO_SFTP_PASSWORD"), "case-creds/password");
	cr_assert_str_eq(env(u, "MGO_SFTP_HOST"), "sftp.access.redhat.com");
	cr_assert_str_eq(env(u, "MGO_REMOTE_NAME"), "01234567_" TEST_RUN_NAME ".tar.gz");
	json_decref(job);

	/* the longest case ID and run name still fit the upload step's limit */
	char case_id[65], run_name[MGO_RUN_NAME_MAX + 1];
	memset(case_id, '7', 64);
	case_id[64] = '\0';
	memset(run_name, 'r', MGO_RUN_NAME_MAX);
	memcpy(run_name, MGO_RUN_NAME_PREFIX, strlen(MGO_RUN_NAME_PREFIX));
	run_name[MGO_RUN_NAME_MAX] = '\0';
	act.intent.sftp_case_id = case_id;
	job = mgo_job_render(&act, run_name, &cfg);
	u = at(job, "spec.template.spec.containers.0");
	cr_assert_eq(strlen(env(u, "MGO_REMOTE_NAME")), 200, "the upload step's limit");
	json_decref(job);
	/* an upload needs a run name, and one of mgo_run_name's making */
	cr_assert_null(mgo_job_render(&act, NULL, &cfg));
	cr_assert_null(mgo_job_render(&act, "mg1", &cfg));
	act.intent.sftp_case_id = "01234567";
	job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	pod = at(job, "spec.template.spec");
	u = at(pod, "containers.0");
	cr_assert_str_eq(env(u, "MGO_INTERNAL_USER"), "false");
	cr_assert_str_eq(env(u, "MGO_SFTP_KNOWN_HOSTS"), cfg.sftp_known_hosts);
	cr_assert_str_eq(env(u, "HTTP_PROXY"), "http://mine:8080", "the spec's proxy wins");
	cr_assert_str_eq(env(u, "HTTPS_PROXY"), "http://cluster-proxy:3128", "else the cluster's");
	cr_assert_str_eq(env(u, "NO_PROXY"), ".cluster.local");
	cr_assert(json_is_true(at(u, "volumeMounts.0.readOnly")));
	/* the operator never reads the credentials: no Secret content anywhere */
	cr_assert_null(env(at(pod, "initContainers.0"), "MGO_SFTP_PASSWORD"));
	json_decref(job);
}

Test(job, runs_on_one_claim_get_different_sub_paths)
{
	struct mgo_act a = launch(), b = launch();
	a.intent.pvc_claim = b.intent.pvc_claim = "gathers";
	a.intent.pvc_subpath = b.intent.pvc_subpath = "cases";
	b.name = "mg2";
	b.uid = "7a000000-0000-4000-8000-000000000002";
	char na[MGO_RUN_NAME_MAX + 1], nb[MGO_RUN_NAME_MAX + 1];
	/* created in the same second: the UIDs keep them apart */
	cr_assert_eq(mgo_run_name(CLUSTER, "2026-12-07T09:15:00Z", a.uid, na, sizeof(na)), 0);
	cr_assert_eq(mgo_run_name(CLUSTER, "2026-12-07T09:15:00Z", b.uid, nb, sizeof(nb)), 0);
	json_t *ja = mgo_job_render(&a, na, &cfg), *jb = mgo_job_render(&b, nb, &cfg);

	cr_assert_str_eq(str(ja, "spec.template.spec.volumes.0.persistentVolumeClaim.claimName"),
			 "gathers");
	const char *pa = str(ja, "spec.template.spec.containers.0.volumeMounts.1.subPath");
	const char *pb = str(jb, "spec.template.spec.containers.0.volumeMounts.1.subPath");
	cr_assert_str_eq(pa, "cases/must-gather.local." CLUSTER ".20261207T091500Z.6f1c2d3e");
	cr_assert_str_eq(pb, "cases/must-gather.local." CLUSTER ".20261207T091500Z.7a000000");
	cr_assert_str_eq(str(ja, "spec.template.spec.containers.0.volumeMounts.0.subPath"),
			 "cases/must-gather.local." CLUSTER ".20261207T091500Z.6f1c2d3e/gather");
	json_decref(ja);
	json_decref(jb);
}

/* Upstream's naming: must-gather.local.<cluster id>.<UTC time>.<random> */
Test(job, run_names_are_upstreams_and_refuse_what_would_not_fit)
{
	char buf[MGO_RUN_NAME_MAX + 1];

	cr_assert_eq(mgo_run_name(CLUSTER, "2026-12-07T09:15:00Z",
				  "6f1c2d3e-0000-4000-8000-000000000001", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "must-gather.local." CLUSTER ".20261207T091500Z.6f1c2d3e");
	/* what could leave the file name, the path or the URL is refused */
	static const char *const bad_ids[] = {"", "a/b", "a.b", "../x", "a b", "a%2f",
		"0123456789012345678901234567890123456789012345678901234567890123456789"};
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		cr_assert_eq(mgo_run_name(bad_ids[i], "2026-12-07T09:15:00Z", "6f1c2d3e", buf,
					  sizeof(buf)), -EINVAL, "%s", bad_ids[i]);
	static const char *const bad_times[] = {"", "2026-12-07", "2026-12-07T09:15:00.5Z",
		"2026-12-07T09:15:00+01:00", "2026-12-07T09:15:0xZ", "2026-12-07 09:15:00Z"};
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
		cr_assert_eq(mgo_run_name(CLUSTER, bad_times[i], "6f1c2d3e", buf, sizeof(buf)),
			     -EINVAL, "%s", bad_times[i]);
	cr_assert_eq(mgo_run_name(CLUSTER, "2026-12-07T09:15:00Z", "6f1c2d", buf, sizeof(buf)),
		     -EINVAL, "a UID too short");
	cr_assert_eq(mgo_run_name(CLUSTER, "2026-12-07T09:15:00Z", "6f1c/d3e", buf, sizeof(buf)),
		     -EINVAL);
	cr_assert_eq(mgo_run_name(CLUSTER, "2026-12-07T09:15:00Z", "6f1c2d3e", buf, 20), -EINVAL,
		     "cut short");
}

Test(job, long_names_are_shortened_deterministically)
{
	char name[254], a[80], b[80];
	memset(name, 'a', 200);
	name[200] = '\0';
	mgo_job_name(name, "uid-1", a, sizeof(a));
	mgo_job_name(name, "uid-1", b, sizeof(b));
	cr_assert_str_eq(a, b);
	cr_assert_leq(strlen(a), 63);
	mgo_job_name(name, "uid-2", b, sizeof(b));
	cr_assert_str_neq(a, b, "different MustGathers, different Jobs");
	mgo_job_name("short", "uid-1", a, sizeof(a));
	cr_assert_str_eq(a, "short");
}

Test(job, only_launch_renders)
{
	struct mgo_act act = launch();
	act.kind = MGO_ACT_DENY;
	cr_assert_null(mgo_job_render(&act, TEST_RUN_NAME, &cfg));
}

/* The first element of array `list` whose string `key` is `value`, or NULL. */
static json_t *find(json_t *list, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (strcmp(str(e, key), value) == 0)
			return e;
	return NULL;
}

/* The mount at mount_path in container c; the pod's volume `name`. */
static json_t *mount_at(json_t *c, const char *mount_path)
{
	return find(json_object_get(c, "volumeMounts"), "mountPath", mount_path);
}

static json_t *volume(json_t *pod, const char *name)
{
	return find(json_object_get(pod, "volumes"), "name", name);
}

Test(job, no_cleaning_step_unless_asked)
{
	struct mgo_act act = launch();
	with_upload(&act);
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	json_t *pod = at(job, "spec.template.spec");

	cr_assert_eq(json_array_size(at(pod, "initContainers")), 1);
	cr_assert_str_eq(str(pod, "initContainers.0.name"), "gather");
	cr_assert_null(env(at(pod, "initContainers.0"), "MGO_CLEAN_FOLLOWS"));
	cr_assert_eq(json_array_size(at(pod, "volumes")), 1, "only \"output\"");
	cr_assert_null(volume(pod, "raw"));
	json_decref(job);
}

/* spec.obfuscate with an upload and a claim: gather, clean, upload, in that
 * order; the raw tree only in the "raw" emptyDir, which neither the claim
 * nor the upload step sees. */
Test(job, cleaning_step_between_the_gather_and_the_upload)
{
	struct mgo_act act = launch();
	with_upload(&act);
	act.intent.pvc_claim = "gathers";
	act.intent.pvc_subpath = "cases";
	act.intent.obfuscate = true;
	act.intent.obfuscate_config = "clean-config";
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	json_t *pod = at(job, "spec.template.spec");

	cr_assert_eq(json_array_size(at(pod, "initContainers")), 2);
	json_t *g = at(pod, "initContainers.0"), *c = at(pod, "initContainers.1");
	json_t *u = at(pod, "containers.0");
	cr_assert_str_eq(str(g, "name"), "gather");
	cr_assert_str_eq(str(c, "name"), "clean");
	cr_assert_str_eq(str(u, "name"), "upload");
	cr_assert_eq(json_array_size(at(pod, "containers")), 1);

	/* the gather: raw volume only, no packing, its timeout passed on */
	cr_assert_str_eq(env(g, "MGO_CLEAN_FOLLOWS"), "true");
	cr_assert_str_eq(env(g, "MGO_RESULT_DIR"), "/mgo-raw");
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(g, "volumeMounts"), i, m)
		cr_assert_str_eq(str(m, "name"), "raw", "the gather writes nowhere else");
	cr_assert_str_eq(str(mount_at(g, MGO_OUTPUT_DIR), "subPath"), "gather");
	cr_assert_not_null(at(volume(pod, "raw"), "emptyDir"), "never the claim");
	cr_assert_str_eq(str(volume(pod, "output"), "persistentVolumeClaim.claimName"), "gathers");

	/* the cleaning step: operator image, restricted, its own resources,
	 * raw read-only, the run's folder on the claim writable */
	cr_assert_str_eq(str(c, "image"), cfg.operator_image);
	cr_assert_str_eq(str(c, "command.0"), "/bin/sh");
	cr_assert_str_eq(str(c, "command.2"), mgo_clean_script);
	cr_assert_str_eq(str(c, "command.3"), "mgo-clean");
	cr_assert_eq(json_array_size(at(c, "command")), 4, "nothing else on its command line");
	cr_assert(json_is_false(at(c, "securityContext.allowPrivilegeEscalation")));
	cr_assert(json_is_true(at(c, "securityContext.runAsNonRoot")));
	cr_assert_str_eq(str(c, "securityContext.capabilities.drop.0"), "ALL");
	cr_assert_not_null(at(c, "resources.limits.memory"));
	cr_assert_not_null(at(c, "resources.requests.cpu"));
	cr_assert_str_eq(str(c, "terminationMessagePolicy"), "FallbackToLogsOnError");
	cr_assert(json_is_true(at(mount_at(c, "/mgo-raw"), "readOnly")));
	cr_assert_str_eq(str(mount_at(c, "/mgo-out"), "name"), "output");
	cr_assert_str_eq(str(mount_at(c, "/mgo-out"), "subPath"), "cases/" TEST_RUN_NAME);
	cr_assert_null(at(mount_at(c, "/mgo-out"), "readOnly"));
	cr_assert_str_eq(env(c, "MGO_UPLOAD_FOLLOWS"), "true");
	cr_assert_str_eq(env(c, "MGO_CLEAN_CONFIG"), "/etc/mgo-clean/config.yaml");
	cr_assert_str_eq(env(c, "MGO_CLEAN_CONFIG_MAP"), "clean-config");
	cr_assert(json_is_true(at(mount_at(c, "/etc/mgo-clean"), "readOnly")));
	json_t *cm = volume(pod, "clean-config");
	cr_assert_str_eq(str(cm, "configMap.name"), "clean-config");
	cr_assert_str_eq(str(cm, "configMap.items.0.key"), "config.yaml");
	cr_assert(json_is_true(at(cm, "configMap.optional")),
		  "a missing ConfigMap is the cleaning step's to report, not a stuck pod");

	/* the upload sees the cleaned result only */
	json_array_foreach(json_object_get(u, "volumeMounts"), i, m)
		cr_assert_str_neq(str(m, "name"), "raw");
	cr_assert_str_eq(str(mount_at(u, "/mgo-out"), "subPath"), "cases/" TEST_RUN_NAME);
	json_decref(job);
}

Test(job, cleaning_step_is_the_main_container_without_an_upload)
{
	struct mgo_act act = launch();
	act.intent.obfuscate = true;
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	json_t *pod = at(job, "spec.template.spec");

	cr_assert_eq(json_array_size(at(pod, "initContainers")), 1);
	cr_assert_str_eq(str(pod, "initContainers.0.name"), "gather");
	cr_assert_str_eq(str(pod, "containers.0.name"), "clean");
	cr_assert_eq(json_array_size(at(pod, "containers")), 1);
	json_t *c = at(pod, "containers.0");
	cr_assert_str_eq(env(c, "MGO_UPLOAD_FOLLOWS"), "false");
	cr_assert_null(env(c, "MGO_CLEAN_CONFIG"), "no configMapRef: mgo-clean's defaults");
	cr_assert_null(volume(pod, "clean-config"));
	cr_assert_not_null(at(volume(pod, "output"), "emptyDir"));
	cr_assert_null(mount_at(c, "/etc/mgo-clean"));
	cr_assert_null(at(mount_at(c, "/mgo-out"), "subPath"), "no claim, no run folder");
	json_decref(job);
}

Test(job, trusted_ca_mounted_into_the_upload_step_only)
{
	struct mgo_job_config ca = cfg;
	struct mgo_act act = launch();
	ca.trusted_ca_configmap = "trusted-ca";
	json_t *job = mgo_job_render(&act, TEST_RUN_NAME, &ca);
	cr_assert_null(volume(at(job, "spec.template.spec"), "trusted-ca"), "no upload, no CA");
	json_decref(job);

	with_upload(&act);
	job = mgo_job_render(&act, TEST_RUN_NAME, &ca);
	json_t *pod = at(job, "spec.template.spec"), *u = at(pod, "containers.0");
	json_t *v = volume(pod, "trusted-ca");
	cr_assert_str_eq(str(v, "configMap.name"), "trusted-ca");
	cr_assert_str_eq(str(v, "configMap.items.0.key"), MGO_TRUSTED_CA_KEY);
	cr_assert(json_is_true(at(v, "configMap.optional")));
	cr_assert(json_is_true(at(mount_at(u, "/etc/mgo-trusted-ca"), "readOnly")));
	cr_assert_str_eq(env(u, MGO_UPLOAD_ENV_PROXY_CA_FILE), "/etc/mgo-trusted-ca/ca-bundle.crt");
	cr_assert_str_eq(env(u, MGO_UPLOAD_ENV_PROXY_CA_CONFIGMAP), "trusted-ca");
	cr_assert_null(mount_at(at(pod, "initContainers.0"), "/etc/mgo-trusted-ca"));
	json_decref(job);

	job = mgo_job_render(&act, TEST_RUN_NAME, &cfg);
	cr_assert_null(env(at(job, "spec.template.spec.containers.0"), MGO_UPLOAD_ENV_PROXY_CA_FILE));
	json_decref(job);
}

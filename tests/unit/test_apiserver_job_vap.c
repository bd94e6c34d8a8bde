/* The admission policies on the launcher's Jobs
 * (deploy/components/admission-policies/launcher-jobs.yaml), applied with
 * kubectl to the test API server after deploy/: as the launcher's
 * ServiceAccount, the Jobs launcher/job.c renders from the shipped mgo.yaml
 * are admitted, and each way of stepping outside them is refused with its
 * rule's message (an unlisted image, no owner, privileged, a hostPath, the
 * host's network, ...); deletes of Jobs that are not the operator's are
 * refused; other users' Jobs are none of the policies' business. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "mgo/config.h"
#include "testenv.h"

/* a run name as mgo_run_name makes it (mgo/upload.h) */
#define TEST_RUN_NAME "must-gather.local.5f1c2d3e-0000-4000-8000-000000000001.20261207T091500Z.6f1c2d3e"

#define LAUNCHER_TOKEN "launcher-token-0123456789"
#define LAUNCHER_USER "system:serviceaccount:must-gather-operator:mgo-launcher"
#define CREATE "mgo-launcher-job-create.operator.openshift.io"
#define IMAGE "mgo-launcher-job-image.operator.openshift.io"
#define DELETE "mgo-launcher-job-delete.operator.openshift.io"
#define JOBS "/apis/batch/v1/namespaces/%s/jobs"
#define MGS "/apis/operator.openshift.io/v1alpha1/namespaces/%s/mustgathers"
#define LISTED "quay.io/my-org/gather:v1"

static struct testenv env;
static struct mgo_config cfg;

static void kubectl_ok(const char *const argv[])
{
	char *out = NULL;
	int rc = -1;

	run_kubectl(&env, argv, &out, &rc);
	cr_assert_eq(rc, 0, "kubectl %s %s: %s", argv[0], argv[1] ?: "", out);
	free(out);
}

static void setup(void)
{
	struct testenv_opts o = {
		.load_dirs = {MGO_SOURCE_DIR "/deploy/crds", NULL},
		.extra_tokens = LAUNCHER_TOKEN "," LAUNCHER_USER ",uid-l,\"system:serviceaccounts,"
			"system:serviceaccounts:must-gather-operator\"\n",
	};
	char err[256];

	cr_assert(testenv_have_kubectl(), "kubectl is not on PATH");
	cr_assert_eq(mgo_cfg_load(MGO_SOURCE_DIR "/deploy/config/mgo.yaml", &cfg, err,
				  sizeof(err)), 0, "%s", err);
	testenv_start(&env, &o);
	kubectl_ok((const char *const[]){"apply", "-k", MGO_SOURCE_DIR "/deploy", NULL});
	kubectl_ok((const char *const[]){"apply", "-k",
					 MGO_SOURCE_DIR "/deploy/components/admission-policies",
					 NULL});
}

static void teardown(void)
{
	testenv_stop(&env);
	mgo_cfg_free(&cfg);
}

TestSuite(job_vap, .init = setup, .fini = teardown, .timeout = 180);

static void put_allowlist(void)
{
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST",
				  "/apis/operator.openshift.io/v1alpha1/mustgatherimages", NULL,
				  "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":"
				  "\"MustGatherImage\",\"metadata\":{\"name\":\"cluster\"},\"spec\":{"
				  "\"images\":[\"" LISTED "\"]}}", NULL), 201);
}

/* A MustGather ns/name (made as admin) and the LAUNCH act for it; image NULL
 * is the configured default. The act borrows its strings: uid is static. */
static struct mgo_act launch(const char *ns, const char *name, const char *image, bool upload)
{
	static char uids[64][40];
	static size_t n_uids;
	char path[256], body[512];
	json_t *mg = NULL;
	long code;

	cr_assert(n_uids < 64);
	testenv_mkns(&env, ns);
	snprintf(path, sizeof(path), MGS, ns);
	snprintf(body, sizeof(body), "{\"apiVersion\":\"operator.openshift.io/v1alpha1\","
		 "\"kind\":\"MustGather\",\"metadata\":{\"name\":\"%s\"},\"spec\":{}}", name);
	code = testenv_call(&env, env.admin_token, "POST", path, NULL, body, &mg);
	if (code == 403 && strcmp(ns, "must-gather-operator") == 0) {
		/* the namespace policy keeps MustGathers out of the operator's
		 * namespace: the Job's policy is tested with a made-up owner */
		snprintf(uids[n_uids], sizeof(uids[n_uids]), "0000000%zu-0000-4000-8000-000000000000",
			 n_uids % 10);
	} else {
		cr_assert_eq(code, 201, "MustGather %s/%s: %ld", ns, name, code);
		snprintf(uids[n_uids], sizeof(uids[n_uids]), "%s",
			 json_string_value(json_object_get(json_object_get(mg, "metadata"), "uid")));
	}
	json_decref(mg);
	return (struct mgo_act){
		.kind = MGO_ACT_LAUNCH, .ns = (char *)ns, .name = (char *)name,
		.uid = uids[n_uids++], .generation = 1,
		.intent = {.image = (char *)(image ? image : cfg.default_image),
			   .custom_image = image != NULL, .service_account = "default",
			   .timeout_seconds = 600, .upload = upload,
			   .sftp_case_id = "01234567", .sftp_secret = "sftp-creds",
			   .sftp_host = "sftp.access.redhat.com",
			   .pvc_claim = upload ? "gathers" : NULL},
	};
}

/* The Job job.c renders for act, with the shipped mgo.yaml's images. */
static json_t *render(const struct mgo_act *act)
{
	struct mgo_job_config jc = {.operator_image = cfg.operator_image};
	json_t *job = mgo_job_render(act, TEST_RUN_NAME, &jc);

	cr_assert_not_null(job);
	return job;
}

/* POSTs job as token; the code, and the Status message in msg. */
static long create(const char *token, const json_t *job, char *msg, size_t len)
{
	const char *ns = json_string_value(json_object_get(json_object_get(job, "metadata"),
							   "namespace"));
	char path[256], *body = json_dumps(job, JSON_COMPACT);
	json_t *st = NULL;
	long code;

	cr_assert_not_null(body);
	snprintf(path, sizeof(path), JOBS, ns);
	code = testenv_call(&env, token, "POST", path, NULL, body, &st);
	if (msg)
		snprintf(msg, len, "%s", json_string_value(json_object_get(st, "message")) ?: "");
	json_decref(st);
	free(body);
	return code;
}

/* As the launcher, job is refused by policy with a message containing want:
 * 403 Forbidden, the reason every rule names, or 422 Invalid for a binding
 * that cannot be configured (kube's code when no reason is given). */
static void expect_refused_code(const json_t *job, const char *policy, const char *want,
				long code)
{
	char msg[4096], head[600];

	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), code, "%s", msg);
	snprintf(head, sizeof(head), "ValidatingAdmissionPolicy '%s' with binding '%s' denied "
		 "request: ", policy, policy);
	cr_assert(strstr(msg, head), "not refused by %s: %s", policy, msg);
	cr_assert(strstr(strstr(msg, head) + strlen(head), want), "want \"%s\" in: %s", want, msg);
}

static void expect_refused(const json_t *job, const char *policy, const char *want)
{
	expect_refused_code(job, policy, want, 403);
}

static json_t *gather_container(json_t *job)
{
	json_t *spec = json_object_get(json_object_get(json_object_get(job, "spec"), "template"),
				       "spec");
	json_t *init = json_object_get(spec, "initContainers");

	return json_array_get(init ? init : json_object_get(spec, "containers"), 0);
}

static json_t *pod_spec(json_t *job)
{
	return json_object_get(json_object_get(json_object_get(job, "spec"), "template"), "spec");
}

Test(job_vap, the_rendered_jobs_are_admitted)
{
	struct mgo_act plain = launch("team-a", "plain", NULL, false);
	struct mgo_act upload = launch("team-a", "upload", NULL, true);
	struct mgo_act custom = launch("team-a", "custom", LISTED, true);
	json_t *job;
	char msg[4096];

	put_allowlist();
	job = render(&plain);
	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);
	job = render(&upload);
	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);
	job = render(&custom);
	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);
}

Test(job_vap, images_outside_the_default_and_the_allowlist_are_refused)
{
	struct mgo_act plain = launch("team-a", "plain", NULL, true);
	struct mgo_act act = launch("team-a", "evil", "evil.example.com/attacker/rootkit:latest",
				    true);
	json_t *job = render(&plain);
	char msg[4096];

	/* no allowlist at all: the default image runs (the allowlist policy's
	 * objectSelector keeps it out of a policy whose param is missing)... */
	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);
	job = render(&act);
	/* ...and a Job claiming the allowlist is refused outright */
	expect_refused_code(job, IMAGE, "failed to configure binding: no params found for policy "
			    "binding with `Deny` parameterNotFoundAction", 422);
	put_allowlist();
	expect_refused(job, IMAGE, "is listed, as written, in MustGatherImage/cluster");
	/* claiming the default image's label does not help */
	json_object_set_new(json_object_get(json_object_get(job, "metadata"), "labels"),
			    MGO_LABEL_IMAGE_SOURCE, json_string(MGO_IMAGE_SOURCE_DEFAULT));
	expect_refused(job, CREATE, "the containers are \"gather\", running ");
	json_decref(job);

	/* the upload step runs the operator's image and only its upload program */
	act = launch("team-a", "upload-image", NULL, true);
	job = render(&act);
	json_object_set_new(json_array_get(json_object_get(pod_spec(job), "containers"), 0),
			    "image", json_string("quay.io/openshift/must-gather-operator:other"));
	expect_refused(job, CREATE, "\"upload\", running /usr/libexec/mgo/mgo-upload from ");
	json_decref(job);
	job = render(&act);
	json_object_set_new(json_array_get(json_object_get(pod_spec(job), "containers"), 0),
			    "command", json_pack("[s, s, s]", "/bin/sh", "-c", "id"));
	expect_refused(job, CREATE, "\"upload\", running /usr/libexec/mgo/mgo-upload from ");
	json_decref(job);
}

Test(job_vap, jobs_stepping_outside_the_rendered_shape_are_refused)
{
	struct mgo_act act = launch("team-a", "shape", NULL, true);
	json_t *job;

	job = render(&act);
	json_object_del(json_object_get(job, "metadata"), "ownerReferences");
	expect_refused(job, CREATE, "a Job of the launcher is controlled by a MustGather");
	json_decref(job);

	job = render(&act);
	json_object_set_new(json_object_get(gather_container(job), "securityContext"),
			    "privileged", json_true());
	expect_refused(job, CREATE, "every container's securityContext is exactly");
	json_decref(job);

	job = render(&act);
	cr_assert_eq(json_array_append_new(json_object_get(pod_spec(job), "volumes"),
					   json_pack("{s:s, s:{s:s}}", "name", "host", "hostPath",
						     "path", "/")), 0);
	expect_refused(job, CREATE, "the pod's volumes are \"output\"");
	json_decref(job);

	job = render(&act);
	json_object_set_new(pod_spec(job), "hostNetwork", json_true());
	expect_refused(job, CREATE, "the pod shares no host namespace");
	json_decref(job);

	job = render(&act);
	json_object_set_new(json_object_get(json_object_get(pod_spec(job), "securityContext"),
					    "seccompProfile"), "type", json_string("Unconfined"));
	expect_refused(job, CREATE, "the pod's securityContext is exactly runAsNonRoot");
	json_decref(job);

	job = render(&act);
	json_object_del(json_object_get(json_object_get(job, "metadata"), "labels"),
			MGO_LABEL_MANAGED_BY);
	expect_refused(job, CREATE, "is labelled app.kubernetes.io/managed-by=mgo");
	json_decref(job);

	/* nowhere near the operator's own accounts */
	act = launch("must-gather-operator", "own", NULL, false);
	job = render(&act);
	expect_refused(job, CREATE, "no Job in the platform's namespaces or the operator's own");
	json_decref(job);
}

/* spec.obfuscate's cleaning step and the trusted CA mount (launcher/job.h)
 * are admitted as rendered; the cleaning step in another image, or its raw
 * volume on the host, are not. */
Test(job_vap, obfuscating_jobs_are_admitted_as_rendered_only)
{
	struct mgo_act up = launch("team-a", "clean-up", NULL, true);
	struct mgo_act plain = launch("team-a", "clean-only", NULL, false);
	struct mgo_act shape = launch("team-a", "clean-shape", NULL, true);
	struct mgo_job_config jc = {.operator_image = cfg.operator_image,
				    .trusted_ca_configmap = "trusted-ca"};
	json_t *job, *init, *volumes, *v;
	char msg[4096];
	size_t i;

	up.intent.obfuscate = plain.intent.obfuscate = shape.intent.obfuscate = true;
	up.intent.obfuscate_config = "clean-config";
	job = mgo_job_render(&up, TEST_RUN_NAME, &jc);
	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);
	job = mgo_job_render(&plain, TEST_RUN_NAME, &jc);
	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);

	job = mgo_job_render(&shape, TEST_RUN_NAME, &jc);
	init = json_object_get(pod_spec(job), "initContainers");
	json_object_set_new(json_array_get(init, 1), "image",
			    json_string("evil.example.com/attacker/rootkit:latest"));
	expect_refused(job, CREATE, "\"clean\", the cleaning step from");
	json_decref(job);

	job = mgo_job_render(&shape, TEST_RUN_NAME, &jc);
	volumes = json_object_get(pod_spec(job), "volumes");
	json_array_foreach(volumes, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), "raw") == 0) {
			json_object_del(v, "emptyDir");
			json_object_set_new(v, "hostPath", json_pack("{s:s}", "path", "/"));
		}
	expect_refused(job, CREATE, "\"raw\", an emptyDir");
	json_decref(job);
}

static long delete_job(const char *token, const char *ns, const char *name, char *msg,
		       size_t len)
{
	char path[256];
	json_t *st = NULL;
	long code;

	snprintf(path, sizeof(path), JOBS "/%s", ns, name);
	code = testenv_call(&env, token, "DELETE", path, NULL, NULL, &st);
	snprintf(msg, len, "%s", json_string_value(json_object_get(st, "message")) ?: "");
	json_decref(st);
	return code;
}

Test(job_vap, deletes_only_of_the_operators_jobs)
{
	struct mgo_act ours = launch("team-a", "ours", NULL, false);
	struct mgo_act unlabelled = launch("team-a", "unlabelled", NULL, false);
	struct mgo_act unowned = launch("team-a", "unowned", NULL, false);
	char msg[4096];
	json_t *job;

	job = render(&ours);
	cr_assert_eq(create(LAUNCHER_TOKEN, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);
	/* someone else's Jobs, made as admin: owned but unlabelled, labelled but
	 * owned by nothing */
	job = render(&unlabelled);
	json_object_del(json_object_get(job, "metadata"), "labels");
	cr_assert_eq(create(env.admin_token, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);
	job = render(&unowned);
	json_object_del(json_object_get(job, "metadata"), "ownerReferences");
	cr_assert_eq(create(env.admin_token, job, msg, sizeof(msg)), 201, "%s", msg);
	json_decref(job);

	cr_assert_eq(delete_job(LAUNCHER_TOKEN, "team-a", "unlabelled", msg, sizeof(msg)), 403,
		     "%s", msg);
	cr_assert(strstr(msg, "ValidatingAdmissionPolicy '" DELETE "' with binding '" DELETE
			      "' denied request: the launcher deletes only Jobs labelled "
			      "app.kubernetes.io/managed-by=mgo"), "%s", msg);
	cr_assert_eq(delete_job(LAUNCHER_TOKEN, "team-a", "unowned", msg, sizeof(msg)), 403,
		     "%s", msg);
	cr_assert(strstr(msg, "denied request: the launcher deletes only Jobs a MustGather "
			      "controls"), "%s", msg);
	cr_assert_eq(delete_job(LAUNCHER_TOKEN, "team-a", "ours", msg, sizeof(msg)), 200, "%s",
		     msg);
	/* the refused ones are still there; their owner may delete them */
	cr_assert_eq(delete_job(env.admin_token, "team-a", "unlabelled", msg, sizeof(msg)), 200,
		     "%s", msg);
	cr_assert_eq(delete_job(env.admin_token, "team-a", "unowned", msg, sizeof(msg)), 200,
		     "%s", msg);
}

Test(job_vap, other_users_jobs_are_not_the_policies_business)
{
	struct mgo_act act = launch("team-a", "admins", NULL, false);
	json_t *job = render(&act);
	char msg[4096];

	json_object_set_new(gather_container(job), "image",
			    json_string("anything.example.com/x:1"));
	json_object_del(json_object_get(job, "metadata"), "ownerReferences");
	json_object_set_new(pod_spec(job), "hostNetwork", json_true());
	json_object_set_new(json_object_get(gather_container(job), "securityContext"),
			    "privileged", json_true());
	cr_assert_eq(create(env.admin_token, job, msg, sizeof(msg)), 201, "%s", msg);
	json_object_del(json_object_get(job, "metadata"), "labels");
	json_object_set_new(json_object_get(job, "metadata"), "name", json_string("admins2"));
	cr_assert_eq(create(env.admin_token, job, msg, sizeof(msg)), 201, "%s", msg);
	cr_assert_eq(delete_job(env.admin_token, "team-a", "admins2", msg, sizeof(msg)), 200,
		     "%s", msg);
	json_decref(job);
}

/* The manifests are what the server keeps (the policies spell out the
 * defaults of their atomic lists), so applying again changes nothing. */
Test(job_vap, applying_again_changes_nothing)
{
	const char *const argv[] = {"apply", "-k",
				    MGO_SOURCE_DIR "/deploy/components/admission-policies", NULL};
	char *out = NULL;
	size_t lines = 0;
	int rc = -1;

	run_kubectl(&env, argv, &out, &rc);
	cr_assert_eq(rc, 0, "%s", out);
	for (char *save, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		cr_expect(strstr(l, " unchanged"), "a second apply changed something: %s", l);
		lines++;
	}
	cr_expect_eq(lines, 9, "%zu objects", lines);
	free(out);
}

/* The operator under its own admission policies
 * (deploy/components/admission-policies): every Job the real launcher makes
 * for the kinds of MustGather (default image, allowlisted image, upload,
 * claim) is admitted, and so is its delete after the outcome; a Job the
 * validator allows but the policy does not (an image written otherwise than
 * its allowlist entry) is not created, and the launcher says why. */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

static void setup(void)
{
	cluster_start(&cl, &(struct cluster_opts){.admission_policies = true});
}

TestSuite(admission, .init = setup, .fini = cluster_teardown);

#define CUSTOM "quay.io/my-org/my-custom-must-gather:latest"

/* MustGather `name` runs its Job with the gather image `image`. */
static void expect_runs(const char *name, const char *image)
{
	json_t *mg = cluster_wait_mg(&cl, name, "Running"), *job = cluster_wait_job(&cl, name);

	cr_expect_str_eq(cl_str(cl_container(job, "gather"), "image"), image);
	json_decref(job);
	json_decref(mg);
}

Test(admission, the_launchers_jobs_are_admitted_and_deleted)
{
	static const char *const allow[] = {CUSTOM, NULL};
	char path[512];

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "plain", "{}"));
	json_decref(cluster_create_mg(&cl, "custom", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	json_decref(cluster_create_mg(
		&cl, "upload",
		"{\"uploadTarget\":{\"type\":\"SFTP\",\"sftp\":{\"caseID\":\"04123456\","
		"\"caseManagementAccountSecretRef\":{\"name\":\"case-creds\"},"
		"\"host\":\"sftp.example.com\"}},"
		"\"proxyConfig\":{\"httpsProxy\":\"http://proxy.example.com:3128\"}}"));
	cluster_create_pvc(&cl, "shared");
	json_decref(cluster_create_mg(&cl, "claim",
				      "{\"storage\":{\"type\":\"PersistentVolume\","
				      "\"persistentVolume\":{\"claim\":{\"name\":\"shared\"},"
				      "\"subPath\":\"runs\"}}}"));
	expect_runs("plain", CL_DEFAULT_IMAGE);
	expect_runs("custom", CUSTOM);
	expect_runs("upload", CL_DEFAULT_IMAGE);
	expect_runs("claim", CL_DEFAULT_IMAGE);

	/* the cleanup after the outcome is a delete the policy admits */
	cluster_require_test_server(&cl, "Job status set by the test");
	cluster_job_succeed(&cl, "plain");
	json_decref(cluster_wait_mg(&cl, "plain", "Completed"));
	cluster_wait_gone(&cl, cl_job_path(&cl, "plain", path), "the Job");
}

Test(admission, a_job_the_policy_refuses_is_not_created)
{
	/* the validator matches canonical forms, the policy strings */
	static const char *const allow[] = {"docker.io/library/busybox:latest", NULL};
	char path[512], *did;
	json_t *job = NULL;

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "short", "{\"mustGatherImage\":\"busybox\"}"));
	did = cluster_wait_act(&cl, "short", "launch");
	cr_expect(strstr(did, "Job create failed") &&
			  strstr(did, "ValidatingAdmissionPolicy "
				      "'mgo-launcher-job-image.operator.openshift.io'") &&
			  strstr(did, "403 Forbidden"),
		  "the launcher's act: %s", did);
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "short", path), NULL, NULL, &job),
		     404);
	json_decref(job);
	free(did);
}

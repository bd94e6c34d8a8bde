/* spec.obfuscate end to end (docs/obfuscation.md): the Job has the cleaning
 * step only when asked, between the gather and the upload, with the raw
 * tree only in an emptyDir; a configMapRef without enabled is refused by
 * the CRD and the validator alike; a failed cleaning (the kubelet's part
 * played by the test) fails the MustGather with ObfuscationFailed quoting
 * the step's message, and its upload step never ran. All of it runs in
 * external mode: the kubelet's report is written through the Pod's status
 * subresource, as test_e2e_lifecycle does. */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

TestSuite(obfuscate, .init = cluster_setup, .fini = cluster_teardown);

#define UPLOAD \
	"\"uploadTarget\":{\"type\":\"SFTP\",\"sftp\":{\"caseID\":\"04123456\"," \
	"\"caseManagementAccountSecretRef\":{\"name\":\"case-creds\"}}}"

static json_t *pod_spec(const json_t *job)
{
	return cl_at(job, "spec.template.spec");
}

/* The names of a pod template's init containers, then "|", then its
 * containers: "gather,clean|upload". */
static const char *steps(const json_t *job, char *buf, size_t len)
{
	static const char *const lists[] = {"initContainers", "containers"};
	size_t used = 0, i;
	json_t *c;

	buf[0] = '\0';
	for (int l = 0; l < 2; l++) {
		json_array_foreach(cl_at(pod_spec(job), lists[l]), i, c)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "",
						 cl_str(c, "name"));
		if (!l)
			used += (size_t)snprintf(buf + used, len - used, "|");
	}
	return buf;
}

static json_t *mount_at(const json_t *container, const char *path)
{
	return cl_find(cl_at(container, "volumeMounts"), "mountPath", path);
}

Test(obfuscate, the_cleaning_step_only_when_asked_and_before_the_upload)
{
	char buf[256];
	json_t *plain, *job, *gather, *clean, *upload, *m;
	size_t i;

	plain = cluster_launch(&cl, "plain", "{" UPLOAD "}");
	cr_expect_str_eq(steps(plain, buf, sizeof(buf)), "gather|upload");
	cr_expect_null(cl_find(cl_at(pod_spec(plain), "volumes"), "name", "raw"));
	cr_expect_null(cl_env(cl_container(plain, "gather"), "MGO_CLEAN_FOLLOWS"));
	json_decref(plain);

	cluster_create_pvc(&cl, "results");
	job = cluster_launch(&cl, "clean",
			     "{" UPLOAD ",\"obfuscate\":{\"enabled\":true,\"configMapRef\":"
			     "{\"name\":\"clean-config\"}},\"storage\":{\"type\":\"PersistentVolume\","
			     "\"persistentVolume\":{\"claim\":{\"name\":\"results\"}}}}");
	/* the upload, the main container, runs only after both */
	cr_expect_str_eq(steps(job, buf, sizeof(buf)), "gather,clean|upload");
	gather = cl_container(job, "gather");
	clean = cl_container(job, "clean");
	upload = cl_container(job, "upload");
	cr_assert(gather && clean && upload);
	json_array_foreach(cl_at(gather, "volumeMounts"), i, m)
		cr_expect_str_eq(cl_str(m, "name"), "raw", "the gather writes only the raw tree");
	cr_expect_not_null(cl_at(cl_find(cl_at(pod_spec(job), "volumes"), "name", "raw"),
				 "emptyDir"));
	json_array_foreach(cl_at(upload, "volumeMounts"), i, m)
		cr_expect_str_neq(cl_str(m, "name"), "raw", "the upload never sees the raw tree");
	cr_expect_str_eq(cl_str(clean, "image"), CL_OPERATOR_IMAGE);
	cr_expect_str_eq(cl_str(mount_at(clean, "/mgo-out"), "name"), "output");
	cr_expect(json_is_true(cl_at(mount_at(clean, "/mgo-raw"), "readOnly")));
	cr_expect_str_eq(cl_env(clean, "MGO_CLEAN_CONFIG_MAP"), "clean-config");
	json_t *cm = cl_find(cl_at(pod_spec(job), "volumes"), "name", "clean-config");
	cr_expect_str_eq(cl_str(cm, "configMap.name"), "clean-config");
	cr_expect(json_is_true(cl_at(cm, "configMap.optional")));
	cr_expect_str_eq(cl_str(cl_find(cl_at(pod_spec(job), "volumes"), "name", "output"),
				"persistentVolumeClaim.claimName"), "results");
	/* as a user sees it (docs/obfuscation.md shows this output) */
	const char *argv[] = {"get", "job", "clean", "-n", cl.ns, "-o",
			      "jsonpath={range .spec.template.spec.initContainers[*]}{.name}{\" \"}"
			      "{end}{\"| \"}{.spec.template.spec.containers[0].name}{\"\\n\"}", NULL};
	char *out = cluster_kubectl(&cl, argv);
	cr_log_info("kubectl get job clean -o jsonpath=...:\n%s", out);
	cr_expect_str_eq(out, "gather clean | upload\n");
	free(out);
	/* the configuration's trusted CA bundle, for an HTTPS proxy: the
	 * upload step's alone */
	json_t *ca = cl_find(cl_at(pod_spec(job), "volumes"), "name", "trusted-ca");
	cr_expect_str_eq(cl_str(ca, "configMap.name"), CL_TRUSTED_CA);
	cr_expect_str_eq(cl_str(mount_at(upload, "/etc/mgo-trusted-ca"), "name"), "trusted-ca");
	cr_expect_str_eq(cl_env(upload, "MGO_PROXY_CA_FILE"), "/etc/mgo-trusted-ca/ca-bundle.crt");
	cr_expect_null(mount_at(clean, "/etc/mgo-trusted-ca"));
	cr_expect_null(mount_at(gather, "/etc/mgo-trusted-ca"));
	json_decref(job);

	/* no upload target: the cleaning step is the last */
	job = cluster_launch(&cl, "clean-local", "{\"obfuscate\":{\"enabled\":true}}");
	cr_expect_str_eq(steps(job, buf, sizeof(buf)), "gather|clean");
	cr_expect_null(cl_env(cl_container(job, "clean"), "MGO_CLEAN_CONFIG"));
	json_decref(job);
}

Test(obfuscate, a_configmap_without_enabled_is_refused)
{
	cluster_refused_twice(&cl, "half", "{\"obfuscate\":{\"configMapRef\":{\"name\":\"cfg\"}}}",
			      "configMapRef is set but enabled is not true",
			      "spec.obfuscate.configMapRef is set but spec.obfuscate.enabled is "
			      "not true");
	cluster_refused_twice(&cl, "off", "{\"obfuscate\":{\"enabled\":false,\"configMapRef\":"
				      "{\"name\":\"cfg\"}}}",
			      "configMapRef is set but enabled is not true",
			      "spec.obfuscate.configMapRef is set but spec.obfuscate.enabled is "
			      "not true");
}

#define CLEAN_FAILED(code, message) \
	"{\"phase\":\"Failed\",\"initContainerStatuses\":[" \
	"{\"name\":\"gather\",\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}}," \
	"{\"name\":\"clean\",\"state\":{\"terminated\":{\"exitCode\":" code ",\"reason\":\"Error\"," \
	"\"message\":\"" message "\"}}}]," \
	"\"containerStatuses\":[{\"name\":\"upload\",\"state\":{\"waiting\":" \
	"{\"reason\":\"PodInitializing\"}}}]}"

Test(obfuscate, a_failed_cleaning_fails_as_obfuscation_failed_and_uploads_nothing)
{
	char *msg;

	/* mgo-clean's own termination message */
	msg = cluster_fail_by_pod(
		&cl, "broken", "{" UPLOAD ",\"obfuscate\":{\"enabled\":true}}",
		CLEAN_FAILED("3", "cleaning failed: namespaces/a/pods/b/b.log: Permission denied; "
			     "the output tree is incomplete and must not be used\\n"),
		"BackoffLimitExceeded", "ObfuscationFailed", false);
	cr_expect(strstr(msg, "the obfuscation of the gathered data failed (exit status 3); "
			      "nothing was packed, stored or uploaded: cleaning failed: "
			      "namespaces/a/pods/b/b.log: Permission denied"), "message: %s", msg);
	free(msg);
	cluster_describe_has(&cl, "broken", "ObfuscationFailed");

	/* the ConfigMap it names is missing: the step's script says which */
	msg = cluster_fail_by_pod(
		&cl, "no-config",
		"{" UPLOAD ",\"obfuscate\":{\"enabled\":true,\"configMapRef\":{\"name\":\"gone\"}}}",
		CLEAN_FAILED("2", "mgo: spec.obfuscate.configMapRef: ConfigMap gone does not exist "
			     "in this namespace or has no key config.yaml; nothing was cleaned, "
			     "packed or uploaded\\n"),
		"BackoffLimitExceeded", "ObfuscationFailed", false);
	cr_expect(strstr(msg, "ConfigMap gone does not exist in this namespace"), "message: %s",
		  msg);
	free(msg);
	cluster_describe_has(&cl, "no-config", "ConfigMap gone does not exist");
}

/* The Python kubernetes client (python3-kubernetes 22.6) lists and watches
 * the same custom objects kubectl sees, and handles 410 Gone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testenv.h"

#define CRD MGO_SOURCE_DIR "/tests/unit/fixtures/mustgather-crd.yaml"
#define SCRIPT MGO_SOURCE_DIR "/tests/unit/py/list_watch.py"

static struct testenv env;

static void setup(void)
{
	if (access("/usr/bin/python3", X_OK))
		cr_skip_test("/usr/bin/python3 is missing");
	testenv_start(&env, NULL);
}

static void teardown(void)
{
	if (env.pid)
		testenv_stop(&env);
}

TestSuite(python, .init = setup, .fini = teardown, .timeout = 180);

static void post(const char *path, const char *body)
{
	struct testenv_resp r;

	testenv_request(&env, env.admin_token, "POST", path, NULL, body, &r);
	cr_assert(r.code == 201, "POST %s: %ld %s", path, r.code, r.body);
	testenv_resp_free(&r);
}

/* The CRD via the API, then wait (deadline) for its kind to be served. */
static void install_crd_and_objects(void)
{
	static const char *const names[] = {"one", "two", "three"};
	char body[512];
	struct testenv_resp r;
	int i;

	testenv_request(&env, env.admin_token, "POST",
			"/apis/apiextensions.k8s.io/v1/customresourcedefinitions", NULL,
			"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
			"\"metadata\":{\"name\":\"mustgathers.operator.openshift.io\"},\"spec\":{"
			"\"group\":\"operator.openshift.io\",\"scope\":\"Namespaced\",\"names\":{"
			"\"kind\":\"MustGather\",\"plural\":\"mustgathers\",\"shortNames\":[\"mg\"]},"
			"\"versions\":[{\"name\":\"v1alpha1\",\"served\":true,\"storage\":true,"
			"\"subresources\":{\"status\":{}},\"schema\":{\"openAPIV3Schema\":{\"type\":"
			"\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}]}}",
			&r);
	cr_assert_eq(r.code, 201, "%s", r.body);
	testenv_resp_free(&r);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
			 "\"metadata\":{\"name\":\"%s\"},\"spec\":{}}",
			 names[i]);
		post("/apis/operator.openshift.io/v1alpha1/namespaces/default/mustgathers", body);
	}
}

Test(python, lists_and_watches_custom_objects)
{
	char *out;
	int rc;

	install_crd_and_objects();
	run_python(&env, SCRIPT, (const char *const[]){"list", "default", "3", NULL}, &out, &rc);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "LIST one three two"), "%s", out);
	cr_assert(strstr(out, "EVENT ADDED from-python"), "%s", out);
	free(out);
}

Test(python, watch_from_a_compacted_version_fails_with_410)
{
	struct testenv_resp r;
	char *out;
	int rc;

	install_crd_and_objects();
	testenv_request(&env, env.admin_token, "POST", "/mgo-test/compact", NULL, "", &r);
	cr_assert_eq(r.code, 200, "%s", r.body);
	testenv_resp_free(&r);
	run_python(&env, SCRIPT, (const char *const[]){"expired", "default", "1001", NULL}, &out,
		   &rc);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "EXPIRED 410"), "%s", out);
	free(out);
}

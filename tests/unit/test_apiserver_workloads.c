/* The test API server's apps/v1 Deployments and networking.k8s.io/v1
 * NetworkPolicies: stored with kube's defaults, refused with kube's 422
 * causes for what deploy/ could get wrong, served to discovery. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

static struct testenv env;

static void setup(void)
{
	testenv_start(&env, NULL);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", "/api/v1/namespaces", NULL,
				  "{\"metadata\":{\"name\":\"ns\"}}", NULL), 201);
}

static void teardown(void)
{
	testenv_stop(&env);
}

TestSuite(workloads, .init = setup, .fini = teardown, .timeout = 60);

#define DEPLOYS "/apis/apps/v1/namespaces/ns/deployments"
#define NETPOLS "/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies"

/* A Deployment whose spec is `spec` (JSON text). */
static char *deployment(const char *name, const char *spec)
{
	char *s = NULL;

	cr_assert(asprintf(&s, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
			       "\"metadata\":{\"name\":\"%s\"},\"spec\":%s}", name, spec) > 0);
	return s;
}

#define TEMPLATE(labels, extra)                                                             \
	"\"template\":{\"metadata\":{\"labels\":" labels "},\"spec\":{\"containers\":"      \
	"[{\"name\":\"c\",\"image\":\"quay.io/x/y:1\"}]" extra "}}"
#define SEL(labels) "\"selector\":{\"matchLabels\":" labels "}"

/* Each row: a body, the code, and for a 422 the field of its first cause. */
static const struct row {
	const char *path, *body;
	long code;
	const char *field;
} rows[] = {
	{DEPLOYS, "{" SEL("{\"a\":\"b\"}") "," TEMPLATE("{\"a\":\"b\"}", "") "}", 201, NULL},
	{DEPLOYS, "{" TEMPLATE("{\"a\":\"b\"}", "") "}", 422, "spec.selector"},
	{DEPLOYS, "{\"selector\":{}," TEMPLATE("{\"a\":\"b\"}", "") "}", 422, "spec.selector"},
	{DEPLOYS, "{" SEL("{\"a\":\"c\"}") "," TEMPLATE("{\"a\":\"b\"}", "") "}", 422,
	 "spec.template.metadata.labels"},
	{DEPLOYS, "{" SEL("{\"a\":\"b\"}") "," TEMPLATE("{\"a\":\"b\"}", ",\"restartPolicy\":\"Never\"")
	 "}", 422, "spec.template.spec.restartPolicy"},
	{DEPLOYS, "{\"replicas\":-1," SEL("{\"a\":\"b\"}") "," TEMPLATE("{\"a\":\"b\"}", "") "}", 422,
	 "spec.replicas"},
	{DEPLOYS, "{" SEL("{\"a\":\"b\"}") ",\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},"
	 "\"spec\":{\"containers\":[]}}}", 422, "spec.template.spec.containers"},
	{NETPOLS, "{\"podSelector\":{},\"egress\":[{\"ports\":[{\"port\":443}],"
	 "\"to\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0/24\"}}]}],"
	 "\"ingress\":[{\"ports\":[{\"port\":\"health\"}]}]}", 201, NULL},
	{NETPOLS, "{\"egress\":[{\"ports\":[{\"port\":0}]}]}", 422, "spec.egress[0].ports[0].port"},
	{NETPOLS, "{\"ingress\":[{\"ports\":[{\"port\":\"Health_1\"}]}]}", 422,
	 "spec.ingress[0].ports[0].port"},
	{NETPOLS, "{\"egress\":[{\"ports\":[{\"protocol\":\"ICMP\",\"port\":1}]}]}", 422,
	 "spec.egress[0].ports[0].protocol"},
	{NETPOLS, "{\"egress\":[{\"to\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0/33\"}}]}]}", 422,
	 "spec.egress[0].to[0].ipBlock.cidr"},
	{NETPOLS, "{\"egress\":[{\"to\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0\"}}]}]}", 422,
	 "spec.egress[0].to[0].ipBlock.cidr"},
	{NETPOLS, "{\"egress\":[{\"to\":[{\"ipBlock\":{\"cidr\":\"fd00::/64\"}}]}]}", 201, NULL},
	{NETPOLS, "{\"policyTypes\":[\"Sideways\"]}", 422, "spec.policyTypes[0]"},
};

Test(workloads, create_validates)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char name[32], *body = NULL;
		json_t *resp = NULL;
		long code;

		snprintf(name, sizeof(name), "row-%zu", i);
		if (strcmp(r->path, DEPLOYS) == 0)
			body = deployment(name, r->body);
		else
			cr_assert(asprintf(&body, "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":"
					   "\"NetworkPolicy\",\"metadata\":{\"name\":\"%s\"},"
					   "\"spec\":%s}", name, r->body) > 0);
		code = testenv_call(&env, env.admin_token, "POST", r->path, NULL, body, &resp);
		cr_expect_eq(code, r->code, "row %zu: %ld %s", i, code,
			     json_string_value(json_object_get(resp, "message")) ?: "");
		if (r->field) {
			const json_t *c = json_array_get(
				json_object_get(json_object_get(resp, "details"), "causes"), 0);
			cr_expect_str_eq(json_string_value(json_object_get(c, "field")) ?: "",
					 r->field, "row %zu", i);
		}
		json_decref(resp);
		free(body);
	}
}

Test(workloads, defaults_generation_and_immutable_selector)
{
	char *body = deployment("d", "{" SEL("{\"a\":\"b\"}") "," TEMPLATE("{\"a\":\"b\"}", "") "}");
	char *moved = deployment("d", "{" SEL("{\"a\":\"c\"}") "," TEMPLATE("{\"a\":\"c\"}", "") "}");
	json_t *d = NULL, *np = NULL, *resp = NULL, *both = json_pack("[s, s]", "Ingress", "Egress");

	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", DEPLOYS, NULL, body, &d), 201);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(d, "spec"), "replicas")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(d, "spec"),
		"strategy"), "type")) ?: "", "RollingUpdate");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
		json_object_get(d, "spec"), "template"), "spec"), "restartPolicy")) ?: "", "Always");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(d, "metadata"),
							"generation")), 1);
	cr_expect_eq(testenv_call(&env, env.admin_token, "PUT", DEPLOYS "/d", NULL, moved, &resp),
		     422, "the selector of a Deployment is immutable");
	json_decref(resp);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", NETPOLS, NULL,
				  "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"egress\":"
				  "[{\"ports\":[{\"port\":53}]}]}}", &np), 201);
	cr_expect(json_equal(json_object_get(json_object_get(np, "spec"), "policyTypes"), both));
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(json_object_get(np, "spec"), "egress"), 0), "ports"), 0),
		"protocol")) ?: "", "TCP");
	cr_expect(json_is_object(json_object_get(json_object_get(np, "spec"), "podSelector")));
	json_decref(both);
	json_decref(np);
	json_decref(d);
	free(moved);
	free(body);
}

Test(workloads, discovery_serves_both)
{
	json_t *apps = NULL, *net = NULL;
	char *s;

	cr_assert_eq(testenv_call(&env, env.admin_token, "GET", "/apis/apps/v1", NULL, NULL, &apps),
		     200);
	cr_assert_eq(testenv_call(&env, env.admin_token, "GET", "/apis/networking.k8s.io/v1", NULL,
				  NULL, &net), 200);
	s = json_dumps(apps, JSON_COMPACT);
	cr_expect(strstr(s, "\"name\":\"deployments\"") && strstr(s, "\"deploy\""), "%s", s);
	free(s);
	s = json_dumps(net, JSON_COMPACT);
	cr_expect(strstr(s, "\"name\":\"networkpolicies\"") && strstr(s, "\"netpol\""), "%s", s);
	free(s);
	json_decref(net);
	json_decref(apps);
}

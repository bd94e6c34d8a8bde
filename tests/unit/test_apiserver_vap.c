/* ValidatingAdmissionPolicy in the test API server: the admission-policies
 * component applied with kubectl keeps MustGathers out of the platform's
 * namespaces with kube's denial; the binding is what enforces it; policies
 * outside the CEL subset are refused when written; failurePolicy, reasons,
 * the Warn action and params behave as in kube. (The component's policies on
 * the launcher's Jobs: test_apiserver_job_vap.) */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#define POLICY "mustgather-namespaces.operator.openshift.io"
#define VAP "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"
#define VAPB "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings"
#define POLICIES MGO_SOURCE_DIR "/deploy/components/admission-policies/"
#define MG_BODY                                                                            \
	"{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","        \
	"\"metadata\":{\"name\":\"mg1\"},\"spec\":{}}"

static struct testenv env;

static void setup(void)
{
	struct testenv_opts o = {.load_dirs = {MGO_SOURCE_DIR "/deploy/crds", NULL}};

	testenv_start(&env, &o);
}

static void teardown(void)
{
	testenv_stop(&env);
}

TestSuite(vap, .init = setup, .fini = teardown, .timeout = 120);

static void mgs_path(char *buf, size_t len, const char *ns, const char *name)
{
	snprintf(buf, len, "/apis/operator.openshift.io/v1alpha1/namespaces/%s/mustgathers%s%s",
		 ns, name ? "/" : "", name ? name : "");
}

/* Creates MustGather mg1 in ns as admin; returns the code, *st the body. */
static long create_mg(const char *ns, json_t **st)
{
	char path[256];

	testenv_mkns(&env, ns);
	mgs_path(path, sizeof(path), ns, NULL);
	return testenv_call(&env, env.admin_token, "POST", path, NULL, MG_BODY, st);
}

/* kubectl apply -k deploy/components/admission-policies/ (its param
 * ConfigMap goes to the operator's namespace); first says whether the
 * objects are new (else the policy is there already, unchanged: the
 * manifest spells out the defaults of its atomic lists). */
static void apply_policy(bool first)
{
	const char *const argv[] = {"apply", "-k", POLICIES, NULL};
	char *out = NULL;
	int rc = -1;

	testenv_mkns(&env, "must-gather-operator");
	run_kubectl(&env, argv, &out, &rc);
	cr_assert_eq(rc, 0, "kubectl apply -k %s: %s", POLICIES, out);
	cr_assert(strstr(out, first ? "validatingadmissionpolicy.admissionregistration.k8s.io/"
				      POLICY " created"
				    : "validatingadmissionpolicy.admissionregistration.k8s.io/"
				      POLICY " unchanged"), "%s", out);
	cr_assert(strstr(out, "validatingadmissionpolicybinding.admissionregistration.k8s.io/"
			      POLICY " created"), "%s", out);
	free(out);
}

static void expect_refused(const char *ns)
{
	json_t *st = NULL;
	char want[1024];
	long code = create_mg(ns, &st);
	const json_t *cause;

	snprintf(want, sizeof(want),
		 "ValidatingAdmissionPolicy '" POLICY "' with binding '" POLICY "' denied "
		 "request: MustGathers are not allowed in namespace %s: openshift, kube, "
		 "hypershift and their -* namespaces belong to the platform and "
		 "must-gather-operator to the operator; create it in a namespace of your own",
		 ns);
	cr_assert_eq(code, 403, "%s: %ld", ns, code);
	cr_assert_str_eq(json_string_value(json_object_get(st, "reason")), "Forbidden");
	cr_assert(strncmp(json_string_value(json_object_get(st, "message")),
			  "mustgathers.operator.openshift.io \"mg1\" is forbidden: ", 54) == 0,
		  "%s", json_string_value(json_object_get(st, "message")));
	cr_assert_str_eq(json_string_value(json_object_get(st, "message")) + 54, want);
	cause = json_array_get(json_object_get(json_object_get(st, "details"), "causes"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(cause, "message")), want);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(st, "details"),
							   "kind")), "mustgathers");
	json_decref(st);
}

Test(vap, deploy_policy_keeps_mustgathers_out_of_platform_namespaces)
{
	static const char *const refused[] = {"openshift-foo", "kube-system", "kube-x",
					      "hypershift-y", "openshift", "hypershift",
					      "must-gather-operator", NULL};
	static const char *const admitted[] = {"must-gather-user-ns", "must-gather-operators", "openshifty", "kubex",
					       "default", "my-openshift-tests", NULL};
	char path[256];

	if (!testenv_have_kubectl())
		cr_skip_test("kubectl is not on PATH");
	apply_policy(true);
	for (size_t i = 0; refused[i]; i++)
		expect_refused(refused[i]);
	for (size_t i = 0; admitted[i]; i++)
		cr_assert_eq(create_mg(admitted[i], NULL), 201, "%s", admitted[i]);

	/* the binding is what enforces the policy */
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", VAPB "/" POLICY, NULL, NULL,
				  NULL), 200);
	mgs_path(path, sizeof(path), "openshift-foo", NULL);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", path, NULL,
				  "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":"
				  "\"MustGather\",\"metadata\":{\"name\":\"mg1\",\"finalizers\":"
				  "[\"test.mgo/hold\"]},\"spec\":{}}", NULL), 201);

	/* once bound again, updates of the object that got in are refused too,
	 * except while it is being deleted, so its finalizers can go */
	apply_policy(false);
	mgs_path(path, sizeof(path), "openshift-foo", "mg1");
	cr_assert_eq(testenv_call(&env, env.admin_token, "PATCH", path,
				  "application/merge-patch+json",
				  "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", NULL), 403);
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", path, NULL, NULL, NULL), 200);
	cr_assert_eq(testenv_call(&env, env.admin_token, "PATCH", path,
				  "application/merge-patch+json",
				  "{\"metadata\":{\"finalizers\":null}}", NULL), 200);
	cr_assert_eq(testenv_call(&env, env.admin_token, "GET", path, NULL, NULL, NULL), 404);
}

Test(vap, kubectl_shows_the_denial)
{
	const char *const get[] = {"get", "validatingadmissionpolicies", NULL};
	char *file, *out = NULL;
	int rc = -1;

	if (!testenv_have_kubectl())
		cr_skip_test("kubectl is not on PATH");
	file = mgo_test_write(env.dir, "mg.yaml",
			      "apiVersion: operator.openshift.io/v1alpha1\nkind: MustGather\n"
			      "metadata:\n  name: mg1\n  namespace: kube-x\nspec: {}\n");
	apply_policy(true);
	run_kubectl(&env, get, &out, &rc);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, POLICY), "%s", out);
	free(out);
	testenv_mkns(&env, "kube-x");
	run_kubectl(&env, (const char *const[]){"create", "-f", file, NULL}, &out, &rc);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(strstr(out, "Error from server (Forbidden)"), "%s", out);
	cr_assert(strstr(out, "denied request: MustGathers are not allowed in namespace "
			      "kube-x"), "%s", out);
	free(out);
	free(file);
}

/* A policy on MustGathers with one validation (JSON fragment v) and
 * failurePolicy fp, bound with actions. */
static long put_policy(const char *name, const char *fp, const char *v, const char *actions,
		       json_t **st)
{
	char *body = NULL;
	long code;

	cr_assert(asprintf(&body,
			   "{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":"
			   "\"ValidatingAdmissionPolicy\",\"metadata\":{\"name\":\"%s\"},\"spec\":{"
			   "\"failurePolicy\":\"%s\",\"matchConstraints\":{\"resourceRules\":[{"
			   "\"apiGroups\":[\"operator.openshift.io\"],\"apiVersions\":[\"*\"],"
			   "\"operations\":[\"CREATE\"],\"resources\":[\"mustgathers\"]}]},"
			   "\"validations\":[%s]}}", name, fp, v) > 0);
	code = testenv_call(&env, env.admin_token, "POST", VAP, NULL, body, st);
	free(body);
	if (code != 201 || !actions)
		return code;
	if (st) {
		json_decref(*st);
		*st = NULL;
	}
	cr_assert(asprintf(&body,
			   "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"policyName\":\"%s\","
			   "\"validationActions\":%s}}", name, name, actions) > 0);
	code = testenv_call(&env, env.admin_token, "POST", VAPB, NULL, body, st);
	free(body);
	return code;
}

Test(vap, policies_outside_the_subset_are_refused_when_written)
{
	json_t *st = NULL;
	const char *msg;

	cr_assert_eq(put_policy("p", "Fail", "{\"expression\":\"object.spec.x < 3\"}", NULL, &st),
		     422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert_str_eq(msg, "ValidatingAdmissionPolicy.admissionregistration.k8s.io \"p\" is "
			      "invalid: spec.validations[0].expression: Invalid value: "
			      "\"object.spec.x < 3\": compilation failed: ERROR: <input>:1:15: "
			      "unsupported: operator '<'");
	json_decref(st);
	cr_assert_eq(put_policy("p", "Sometimes", "{\"expression\":\"true\",\"messageExpression\":"
				"\"size(object)\"}", NULL, &st), 422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "spec.failurePolicy: Unsupported value: \"Sometimes\""), "%s", msg);
	cr_assert(strstr(msg, "spec.validations[0].messageExpression: Invalid value: "
			      "\"size(object)\": compilation failed: ERROR: <input>:1:1: "
			      "unsupported: function 'size'"), "%s", msg);
	json_decref(st);
	cr_assert_eq(put_policy("p", "Fail", "{\"expression\":\"true\"}", "[\"Deny\",\"Warn\"]",
				&st), 422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "must not contain both Deny and Warn"), "%s", msg);
	json_decref(st);
}

Test(vap, reasons_failure_policy_and_warnings)
{
	struct testenv_resp r;
	json_t *st = NULL;
	char warning[1024];

	/* no reason: 422 Invalid; no message: the expression */
	cr_assert_eq(put_policy("named", "Fail", "{\"expression\":\"object.metadata.name != "
				"'mg1'\"}", "[\"Deny\"]", NULL), 201);
	cr_assert_eq(create_mg("team-a", &st), 422);
	cr_assert_str_eq(json_string_value(json_object_get(st, "reason")), "Invalid");
	cr_assert_str_eq(json_string_value(json_object_get(st, "message")),
			 "mustgathers.operator.openshift.io \"mg1\" is forbidden: "
			 "ValidatingAdmissionPolicy 'named' with binding 'named' denied request: "
			 "failed expression: object.metadata.name != 'mg1'");
	json_decref(st);
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", VAPB "/named", NULL, NULL,
				  NULL), 200);

	/* an evaluation error fails closed under Fail, and open under Ignore */
	cr_assert_eq(put_policy("strict", "Fail", "{\"expression\":\"object.spec.nope == 1\"}",
				"[\"Deny\"]", NULL), 201);
	cr_assert_eq(create_mg("team-b", &st), 422);
	cr_assert(strstr(json_string_value(json_object_get(st, "message")),
			 "denied request: expression 'object.spec.nope == 1' resulted in error: "
			 "no such key: nope"), "%s", json_string_value(json_object_get(st, "message")));
	json_decref(st);
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", VAP "/strict", NULL, NULL,
				  NULL), 200);
	cr_assert_eq(put_policy("lenient", "Ignore", "{\"expression\":\"object.spec.nope == 1\"}",
				"[\"Deny\"]", NULL), 201);
	cr_assert_eq(create_mg("team-c", NULL), 201);

	/* Warn admits with kube's Warning header */
	cr_assert_eq(put_policy("warned", "Fail", "{\"expression\":\"false\",\"message\":"
				"\"just so you know\"}", "[\"Warn\"]", NULL), 201);
	testenv_mkns(&env, "team-d");
	testenv_request(&env, env.admin_token, "POST",
			"/apis/operator.openshift.io/v1alpha1/namespaces/team-d/mustgathers", NULL,
			MG_BODY, &r);
	cr_assert_eq(r.code, 201, "%s", r.body);
	cr_assert(testenv_header(&r, "Warning", warning, sizeof(warning)));
	cr_assert_str_eq(warning, "299 - \"Validation failed for ValidatingAdmissionPolicy "
				  "'warned' with binding 'warned': just so you know\"");
	testenv_resp_free(&r);
}

static long create_labelled_mg(const char *ns, const char *name, const char *labels)
{
	char path[256], body[512];

	mgs_path(path, sizeof(path), ns, NULL);
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"operator.openshift.io/v1alpha1\",\"kind\":\"MustGather\","
		 "\"metadata\":{\"name\":\"%s\",\"labels\":%s},\"spec\":{}}", name, labels);
	return testenv_call(&env, env.admin_token, "POST", path, NULL, body, NULL);
}

Test(vap, selectors_scope_a_binding)
{
	json_t *st = NULL;
	const char *msg;

	cr_assert_eq(put_policy("deny-all", "Fail", "{\"expression\":\"false\",\"message\":"
				"\"no\"}", NULL, NULL), 201);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", VAPB, NULL,
				  "{\"metadata\":{\"name\":\"deny-all\"},\"spec\":{\"policyName\":"
				  "\"deny-all\",\"validationActions\":[\"Deny\"],\"matchResources\":{"
				  "\"namespaceSelector\":{\"matchExpressions\":[{\"key\":\"team\","
				  "\"operator\":\"NotIn\",\"values\":[\"ops\"]}]},"
				  "\"objectSelector\":{\"matchLabels\":{\"gate\":\"on\"}}}}}", NULL),
		     201);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", "/api/v1/namespaces", NULL,
				  "{\"metadata\":{\"name\":\"ns-ops\",\"labels\":{\"team\":\"ops\"}}}",
				  NULL), 201);
	testenv_mkns(&env, "ns-dev");
	cr_assert_eq(create_labelled_mg("ns-dev", "gated", "{\"gate\":\"on\"}"), 422);
	cr_assert_eq(create_labelled_mg("ns-dev", "other", "{\"gate\":\"off\"}"), 201);
	cr_assert_eq(create_labelled_mg("ns-ops", "gated", "{\"gate\":\"on\"}"), 201);

	/* a value that would add a requirement of its own is refused */
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", VAPB, NULL,
				  "{\"metadata\":{\"name\":\"sneaky\"},\"spec\":{\"policyName\":"
				  "\"deny-all\",\"validationActions\":[\"Deny\"],\"matchResources\":{"
				  "\"objectSelector\":{\"matchLabels\":{\"a\":\"b,c=d\"}}}}}", &st),
		     422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "spec.matchResources.objectSelector: Invalid value"), "%s", msg);
	json_decref(st);
}

/* A policy taking a ConfigMap as param, bound by paramRef with action. */
static void put_param_policy(const char *name, const char *param_ref)
{
	char *body = NULL;

	cr_assert(asprintf(&body,
			   "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"paramKind\":{\"apiVersion\":"
			   "\"v1\",\"kind\":\"ConfigMap\"},\"matchConstraints\":{\"resourceRules\":[{"
			   "\"apiGroups\":[\"operator.openshift.io\"],\"apiVersions\":[\"*\"],"
			   "\"operations\":[\"CREATE\"],\"resources\":[\"mustgathers\"]}]},"
			   "\"validations\":[{\"expression\":\"object.metadata.name != "
			   "params.data.forbidden\",\"messageExpression\":\"params.data.forbidden + "
			   "' is taken'\"}]}}", name) > 0);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", VAP, NULL, body, NULL), 201);
	free(body);
	cr_assert(asprintf(&body,
			   "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"policyName\":\"%s\","
			   "\"validationActions\":[\"Deny\"]%s%s}}", name, name,
			   param_ref ? ",\"paramRef\":" : "", param_ref ? param_ref : "") > 0);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", VAPB, NULL, body, NULL), 201);
	free(body);
}

Test(vap, params_by_name_with_both_not_found_actions)
{
	json_t *st = NULL;
	const char *msg;

	/* Allow: no param, no policy */
	put_param_policy("allow", "{\"name\":\"names\",\"namespace\":\"default\","
			 "\"parameterNotFoundAction\":\"Allow\"}");
	cr_assert_eq(create_mg("team-a", NULL), 201);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST",
				  "/api/v1/namespaces/default/configmaps", NULL,
				  "{\"metadata\":{\"name\":\"names\"},\"data\":{\"forbidden\":"
				  "\"mg1\"}}", NULL), 201);
	cr_assert_eq(create_mg("team-b", &st), 422);
	cr_assert_str_eq(json_string_value(json_object_get(st, "message")),
			 "mustgathers.operator.openshift.io \"mg1\" is forbidden: "
			 "ValidatingAdmissionPolicy 'allow' with binding 'allow' denied request: "
			 "mg1 is taken");
	json_decref(st);
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", VAP "/allow", NULL, NULL,
				  NULL), 200);

	/* Deny: no param refuses everything the binding matches; a namespaced
	 * param without a namespace is the request's */
	put_param_policy("deny", "{\"name\":\"other\",\"parameterNotFoundAction\":\"Deny\"}");
	cr_assert_eq(create_mg("team-c", &st), 422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "ValidatingAdmissionPolicy 'deny' with binding 'deny' denied "
			      "request: failed to configure binding: no params found for policy "
			      "binding with `Deny` parameterNotFoundAction"), "%s", msg);
	json_decref(st);
	testenv_mkns(&env, "team-d");
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST",
				  "/api/v1/namespaces/team-d/configmaps", NULL,
				  "{\"metadata\":{\"name\":\"other\"},\"data\":{\"forbidden\":"
				  "\"x\"}}", NULL), 201);
	cr_assert_eq(create_mg("team-d", NULL), 201);
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", VAP "/deny", NULL, NULL,
				  NULL), 200);

	/* a binding without the paramRef its policy needs fails closed */
	put_param_policy("unref", NULL);
	cr_assert_eq(create_mg("team-e", &st), 422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "paramKind kind `v1, Kind=ConfigMap` is defined but paramRef is "
			      "nil"), "%s", msg);
	json_decref(st);
}

Test(vap, params_and_deletes_outside_the_subset_are_refused_when_written)
{
	json_t *st = NULL;
	const char *msg;
	long code;

	/* params only where the policy declares a paramKind */
	cr_assert_eq(put_policy("p", "Fail", "{\"expression\":\"params.x == 1\"}", NULL, &st), 422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "undeclared reference to 'params'"), "%s", msg);
	json_decref(st);
	cr_assert_eq(put_policy("p", "Fail", "{\"expression\":\"true\"}", NULL, NULL), 201);
	code = testenv_call(&env, env.admin_token, "POST", VAPB, NULL,
			    "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"policyName\":\"p\","
			    "\"validationActions\":[\"Deny\"],\"paramRef\":{\"selector\":{},"
			    "\"parameterNotFoundAction\":\"Deny\"}}}", &st);
	cr_assert_eq(code, 422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "spec.paramRef.selector: Forbidden: not evaluated by the test API "
			      "server"), "%s", msg);
	json_decref(st);
	code = testenv_call(&env, env.admin_token, "POST", VAPB, NULL,
			    "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"policyName\":\"p\","
			    "\"validationActions\":[\"Deny\"],\"paramRef\":{\"name\":\"x\"}}}", &st);
	cr_assert_eq(code, 422);
	msg = json_string_value(json_object_get(st, "message"));
	cr_assert(strstr(msg, "spec.paramRef.parameterNotFoundAction: Required value"), "%s", msg);
	json_decref(st);
}

Test(vap, deletes_go_through_admission_with_the_old_object)
{
	char path[256];
	json_t *st = NULL;

	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", VAP, NULL,
				  "{\"metadata\":{\"name\":\"keep\"},\"spec\":{\"matchConstraints\":{"
				  "\"resourceRules\":[{\"apiGroups\":[\"operator.openshift.io\"],"
				  "\"apiVersions\":[\"*\"],\"operations\":[\"DELETE\"],\"resources\":["
				  "\"mustgathers\"]}]},\"validations\":[{\"expression\":\"object == null "
				  "&& !(has(oldObject.metadata.labels) && 'keep' in "
				  "oldObject.metadata.labels) && request.operation == 'DELETE'\","
				  "\"message\":\"kept\"}]}}", NULL), 201);
	cr_assert_eq(testenv_call(&env, env.admin_token, "POST", VAPB, NULL,
				  "{\"metadata\":{\"name\":\"keep\"},\"spec\":{\"policyName\":\"keep\","
				  "\"validationActions\":[\"Deny\"]}}", NULL), 201);
	testenv_mkns(&env, "team-a");
	cr_assert_eq(create_labelled_mg("team-a", "kept", "{\"keep\":\"yes\"}"), 201);
	cr_assert_eq(create_labelled_mg("team-a", "gone", "{}"), 201);
	mgs_path(path, sizeof(path), "team-a", "kept");
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", path, NULL, NULL, &st), 422);
	cr_assert_str_eq(json_string_value(json_object_get(st, "message")),
			 "mustgathers.operator.openshift.io \"kept\" is forbidden: "
			 "ValidatingAdmissionPolicy 'keep' with binding 'keep' denied request: kept");
	json_decref(st);
	mgs_path(path, sizeof(path), "team-a", "gone");
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", path, NULL, NULL, NULL), 200);
	/* a collection delete answers with the refused item's error, as kube's does */
	mgs_path(path, sizeof(path), "team-a", NULL);
	cr_assert_eq(testenv_call(&env, env.admin_token, "DELETE", path, NULL, NULL, NULL), 422);
	mgs_path(path, sizeof(path), "team-a", "kept");
	cr_assert_eq(testenv_call(&env, env.admin_token, "GET", path, NULL, NULL, NULL), 200);
}

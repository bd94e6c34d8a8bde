#include "tas_kinds.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_crd.h"
#include "tas_status.h"
#include "tas_util.h"
#include "tas_validate.h"
#include "tas_vap.h"

static const char *const std_verbs[] = {"create", "delete", "deletecollection", "get", "list",
					"patch", "update", "watch", NULL};
static const char *const ns_verbs[] = {"create", "delete", "get", "list", "patch", "update",
				       "watch", NULL};
static const char *const create_only[] = {"create", NULL};
static const char *const cat_all[] = {"all", NULL};

/* Sets obj[key] = v (stolen) unless obj already has key. */
static int setdef(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_get(obj, key)) {
		json_decref(v);
		return 0;
	}
	return json_object_set_new(obj, key, v) ? -ENOMEM : 0;
}

/* --- pods and pod templates ------------------------------------------- */

static int container_defaults(json_t *c)
{
	const char *image = tas_jstr(c, "image");
	const char *policy = "IfNotPresent";

	if (image && !strchr(image, '@')) {
		const char *slash = strrchr(image, '/');
		const char *colon = strrchr(slash ? slash : image, ':');
		if (!colon || strcmp(colon, ":latest") == 0)
			policy = "Always";
	}
	if (setdef(c, "terminationMessagePath", json_string("/dev/termination-log")) ||
	    setdef(c, "terminationMessagePolicy", json_string("File")) ||
	    setdef(c, "imagePullPolicy", json_string(policy)) ||
	    setdef(c, "resources", json_object()))
		return -ENOMEM;
	return 0;
}

static int pod_spec_defaults(json_t *spec)
{
	static const char *const lists[] = {"containers", "initContainers"};
	size_t i, j;

	if (!json_is_object(spec))
		return 0;
	if (setdef(spec, "restartPolicy", json_string("Always")) ||
	    setdef(spec, "dnsPolicy", json_string("ClusterFirst")) ||
	    setdef(spec, "schedulerName", json_string("default-scheduler")) ||
	    setdef(spec, "securityContext", json_object()) ||
	    setdef(spec, "terminationGracePeriodSeconds", json_integer(30)))
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		json_t *cs = json_object_get(spec, lists[i]);
		for (j = 0; j < json_array_size(cs); j++)
			if (json_is_object(json_array_get(cs, j)) &&
			    container_defaults(json_array_get(cs, j)))
				return -ENOMEM;
	}
	return 0;
}

static int pod_spec_validate(const json_t *spec, const char *path, json_t *causes)
{
	static const char *const policies[] = {"Always", "OnFailure", "Never", NULL};
	const json_t *cs = json_object_get(spec, "containers");
	const char *rp = tas_jstr(spec, "restartPolicy");
	char field[256];
	size_t i;

	snprintf(field, sizeof(field), "%s.containers", path);
	if (json_array_size(cs) == 0 && tas_required(causes, field, NULL))
		return -ENOMEM;
	for (i = 0; i < json_array_size(cs); i++) {
		const json_t *c = json_array_get(cs, i);
		const char *name = tas_jstr(c, "name");
		snprintf(field, sizeof(field), "%s.containers[%zu].name", path, i);
		if (!name || !*name) {
			if (tas_required(causes, field, NULL))
				return -ENOMEM;
		} else if (tas_validate_name(TAS_NAME_LABEL, field, name, causes)) {
			return -ENOMEM;
		}
		snprintf(field, sizeof(field), "%s.containers[%zu].image", path, i);
		if ((!tas_jstr(c, "image") || !*tas_jstr(c, "image")) &&
		    tas_required(causes, field, NULL))
			return -ENOMEM;
	}
	snprintf(field, sizeof(field), "%s.restartPolicy", path);
	for (i = 0; rp && policies[i] && strcmp(policies[i], rp); i++)
		;
	if (rp && !policies[i] && tas_unsupported(causes, field, rp, policies))
		return -ENOMEM;
	return 0;
}

/* Only what the QoS class needs: BestEffort without any requests or
 * limits, Guaranteed when every container limits cpu and memory with equal
 * (or absent) requests, Burstable otherwise. */
static const char *qos_class(const json_t *spec)
{
	const json_t *cs = json_object_get(spec, "containers");
	bool any = false, guaranteed = json_array_size(cs) > 0;
	size_t i;

	for (i = 0; i < json_array_size(cs); i++) {
		const json_t *res = json_object_get(json_array_get(cs, i), "resources");
		const json_t *lim = json_object_get(res, "limits");
		const json_t *req = json_object_get(res, "requests");
		static const char *const r[] = {"cpu", "memory"};
		size_t k;
		if (json_object_size(lim) || json_object_size(req))
			any = true;
		for (k = 0; k < 2; k++) {
			const json_t *l = json_object_get(lim, r[k]);
			const json_t *q = json_object_get(req, r[k]);
			if (!l || (q && !json_equal((json_t *)(uintptr_t)l, (json_t *)(uintptr_t)q)))
				guaranteed = false;
		}
	}
	if (!any)
		return "BestEffort";
	return guaranteed ? "Guaranteed" : "Burstable";
}

static int pod_on_create(json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	json_t *st = json_pack("{s:s, s:s}", "phase", "Pending", "qosClass", qos_class(spec));

	if (!st || json_object_set_new(obj, "status", st))
		return -ENOMEM;
	if (json_is_object(spec)) {
		/* the ServiceAccount admission plugin's default */
		if (setdef(spec, "serviceAccountName", json_string("default")) ||
		    setdef(spec, "serviceAccount",
			   json_string(tas_jstr(spec, "serviceAccountName"))) ||
		    setdef(spec, "enableServiceLinks", json_true()) ||
		    setdef(spec, "priority", json_integer(0)) ||
		    setdef(spec, "preemptionPolicy", json_string("PreemptLowerPriority")))
			return -ENOMEM;
	}
	return 0;
}

static int pod_on_write(json_t *obj, char *err, size_t errlen)
{
	return pod_spec_defaults(json_object_get(obj, "spec"));
}

/* Pod updates may change little of the spec (ValidatePodUpdate). */
static int pod_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	const json_t *spec = json_object_get(obj, "spec");
	json_t *a = NULL, *b = NULL;
	int rc = 0;

	if (!old)
		return pod_spec_validate(spec, "spec", causes);
	a = spec ? json_deep_copy(spec) : json_object();
	b = json_object_get(old, "spec") ? json_deep_copy(json_object_get(old, "spec"))
					 : json_object();
	if (!a || !b) {
		rc = -ENOMEM;
		goto out;
	}
	for (int pass = 0; pass < 2; pass++) {
		json_t *s = pass ? b : a;
		static const char *const lists[] = {"containers", "initContainers"};
		json_object_del(s, "activeDeadlineSeconds");
		json_object_del(s, "tolerations");
		for (int l = 0; l < 2; l++) {
			json_t *cs = json_object_get(s, lists[l]);
			for (size_t i = 0; i < json_array_size(cs); i++)
				json_object_del(json_array_get(cs, i), "image");
		}
	}
	if (!json_equal(a, b))
		rc = tas_cause_add(causes, "FieldValueForbidden", "spec",
				   "Forbidden: pod updates may not change fields other than "
				   "`spec.containers[*].image`,`spec.initContainers[*].image`,"
				   "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
				   "to existing tolerations),`spec.terminationGracePeriodSeconds` "
				   "(allow it to be set to 1 if it was previously negative)");
out:
	json_decref(a);
	json_decref(b);
	return rc;
}

static const struct tas_field pod_fields[] = {
	{"spec.nodeName", "spec.nodeName", ""},
	{"spec.restartPolicy", "spec.restartPolicy", ""},
	{"spec.schedulerName", "spec.schedulerName", ""},
	{"spec.serviceAccountName", "spec.serviceAccountName", ""},
	{"spec.hostNetwork", "spec.hostNetwork", "false"},
	{"status.phase", "status.phase", ""},
	{"status.podIP", "status.podIP", ""},
	{"status.nominatedNodeName", "status.nominatedNodeName", ""},
	{NULL, NULL, NULL},
};

static const char *const pod_short[] = {"po", NULL};

static struct tas_restype pods = {
	.group = "", .version = "v1", .resource = "pods", .singular = "pod", .kind = "Pod",
	.list_kind = "PodList", .storage_group = "", .storage_resource = "pods",
	.namespaced = true, .flags = TAS_RT_STATUS | TAS_RT_RETURN_DELETED | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .short_names = pod_short, .categories = cat_all,
	.verbs = std_verbs, .fields = pod_fields, .on_create = pod_on_create,
	.on_write = pod_on_write, .validate = pod_validate,
};

/* --- jobs -------------------------------------------------------------- */

static int job_on_create(json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	const char *uid = tas_meta(obj, "uid");
	const char *name = tas_meta(obj, "name");
	json_t *tmeta, *labels;

	if (json_object_set_new(obj, "status", json_object()))
		return -ENOMEM;
	if (!json_is_object(spec) || json_is_true(json_object_get(spec, "manualSelector")))
		return 0;
	/* the generated selector and template labels (job strategy) */
	if (json_object_set_new(spec, "selector",
				json_pack("{s:{s:s}}", "matchLabels",
					  "batch.kubernetes.io/controller-uid", uid)))
		return -ENOMEM;
	tmeta = tas_jobj(tas_jobj(spec, "template"), "metadata");
	labels = tmeta ? tas_jobj(tmeta, "labels") : NULL;
	if (!labels ||
	    json_object_set_new(labels, "batch.kubernetes.io/controller-uid", json_string(uid)) ||
	    json_object_set_new(labels, "batch.kubernetes.io/job-name", json_string(name)) ||
	    json_object_set_new(labels, "controller-uid", json_string(uid)) ||
	    json_object_set_new(labels, "job-name", json_string(name)))
		return -ENOMEM;
	return 0;
}

static int job_on_write(json_t *obj, char *err, size_t errlen)
{
	json_t *spec = json_object_get(obj, "spec");

	if (!json_is_object(spec))
		return 0;
	if (setdef(spec, "completions", json_integer(1)) ||
	    setdef(spec, "parallelism", json_integer(1)) ||
	    setdef(spec, "backoffLimit", json_integer(6)) ||
	    setdef(spec, "completionMode", json_string("NonIndexed")) ||
	    setdef(spec, "suspend", json_false()) ||
	    setdef(spec, "podReplacementPolicy", json_string("TerminatingOrFailed")))
		return -ENOMEM;
	return pod_spec_defaults(json_object_get(json_object_get(spec, "template"), "spec"));
}

static int job_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const policies[] = {"OnFailure", "Never", NULL};
	static const char *const immutable[] = {"selector", "completionMode", "template", NULL};
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *tmpl = json_object_get(spec, "template");
	const char *name = tas_meta(obj, "name");
	const char *rp = tas_jpath_str(tmpl, "spec.restartPolicy");
	size_t i;

	if (name && strlen(name) > 63 &&
	    tas_invalid(causes, "spec.template.labels", name, "must be no more than 63 characters"))
		return -ENOMEM;
	if (!json_is_object(tmpl))
		return tas_required(causes, "spec.template", NULL);
	if (pod_spec_validate(json_object_get(tmpl, "spec"), "spec.template.spec", causes))
		return -ENOMEM;
	if (rp && strcmp(rp, "OnFailure") && strcmp(rp, "Never") &&
	    tas_unsupported(causes, "spec.template.spec.restartPolicy", rp, policies))
		return -ENOMEM;
	if (!old)
		return 0;
	/* A running Job's pod template is fixed (kube allows changes while
	 * suspended; our Jobs never run, so only the suspended case relaxes). */
	for (i = 0; immutable[i]; i++) {
		const json_t *ospec = json_object_get(old, "spec");
		char field[64];
		if (tas_json_same(json_object_get(spec, immutable[i]),
				  json_object_get(ospec, immutable[i])))
			continue;
		if (strcmp(immutable[i], "template") == 0 &&
		    json_is_true(json_object_get(ospec, "suspend")))
			continue;
		snprintf(field, sizeof(field), "spec.%s", immutable[i]);
		if (tas_cause_add(causes, "FieldValueInvalid", field,
				  "Invalid value: \"object\": field is immutable"))
			return -ENOMEM;
	}
	return 0;
}

static const struct tas_field job_fields[] = {
	{"status.successful", "status.succeeded", "0"},
	{NULL, NULL, NULL},
};

static struct tas_restype jobs = {
	.group = "batch", .version = "v1", .resource = "jobs", .singular = "job", .kind = "Job",
	.list_kind = "JobList", .storage_group = "batch", .storage_resource = "jobs",
	.namespaced = true,
	.flags = TAS_RT_STATUS | TAS_RT_GENERATION | TAS_RT_UNCONDITIONAL | TAS_RT_ORPHAN_DEFAULT,
	.name_rule = TAS_NAME_SUBDOMAIN, .categories = cat_all, .verbs = std_verbs,
	.fields = job_fields, .on_create = job_on_create, .on_write = job_on_write,
	.validate = job_validate,
};

/* --- deployments (apps/v1) --------------------------------------------- */

static int deployment_on_create(json_t *obj)
{
	return json_object_set_new(obj, "status", json_object()) ? -ENOMEM : 0;
}

/* SetDefaults_Deployment of apps/v1 */
static int deployment_on_write(json_t *obj, char *err, size_t errlen)
{
	json_t *spec = json_object_get(obj, "spec");
	json_t *strategy;

	if (!json_is_object(spec))
		return 0;
	if (setdef(spec, "replicas", json_integer(1)) ||
	    setdef(spec, "revisionHistoryLimit", json_integer(10)) ||
	    setdef(spec, "progressDeadlineSeconds", json_integer(600)) ||
	    setdef(spec, "strategy", json_object()))
		return -ENOMEM;
	strategy = json_object_get(spec, "strategy");
	if (json_is_object(strategy)) {
		if (setdef(strategy, "type", json_string("RollingUpdate")))
			return -ENOMEM;
		if (strcmp(tas_jstr(strategy, "type") ?: "", "RollingUpdate") == 0 &&
		    setdef(strategy, "rollingUpdate",
			   json_pack("{s:s, s:s}", "maxUnavailable", "25%", "maxSurge", "25%")))
			return -ENOMEM;
	}
	return pod_spec_defaults(json_object_get(json_object_get(spec, "template"), "spec"));
}

/* Whether every matchLabels pair of the selector is among labels. Selectors
 * with matchExpressions are not evaluated here (README: not mirrored). */
static bool selector_matches(const json_t *selector, const json_t *labels)
{
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(selector, "matchLabels"), k, v) {
		const char *have = tas_jstr(labels, k);
		if (!have || !json_is_string(v) || strcmp(have, json_string_value(v)))
			return false;
	}
	return true;
}

/* ValidateDeployment for the fields a manifest sets: the selector (present,
 * not empty, matching the template, immutable), the pod template and its
 * restartPolicy (Always only), replicas. */
static int deployment_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const always[] = {"Always", NULL};
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *sel = json_object_get(spec, "selector");
	const json_t *tmpl = json_object_get(spec, "template");
	const json_t *labels = tas_jpath(tmpl, "metadata.labels");
	const json_t *replicas = json_object_get(spec, "replicas");
	const char *rp = tas_jpath_str(tmpl, "spec.restartPolicy");

	if (!json_is_object(sel)) {
		if (tas_required(causes, "spec.selector", NULL))
			return -ENOMEM;
	} else if (!json_object_size(json_object_get(sel, "matchLabels")) &&
		   !json_array_size(json_object_get(sel, "matchExpressions"))) {
		if (tas_cause_add(causes, "FieldValueInvalid", "spec.selector",
				  "Invalid value: \"object\": empty selector is invalid for "
				  "deployment"))
			return -ENOMEM;
	} else if (!selector_matches(sel, labels) &&
		   tas_cause_add(causes, "FieldValueInvalid", "spec.template.metadata.labels",
				 "Invalid value: \"object\": `selector` does not match template "
				 "`labels`")) {
		return -ENOMEM;
	}
	if (replicas && json_integer_value(replicas) < 0 &&
	    tas_cause_add(causes, "FieldValueInvalid", "spec.replicas",
			  "Invalid value: %lld: must be greater than or equal to 0",
			  (long long)json_integer_value(replicas)))
		return -ENOMEM;
	if (!json_is_object(tmpl))
		return tas_required(causes, "spec.template", NULL);
	if (tas_validate_labels(labels, "spec.template.metadata.labels", causes) ||
	    pod_spec_validate(json_object_get(tmpl, "spec"), "spec.template.spec", causes))
		return -ENOMEM;
	if (rp && strcmp(rp, "Always") &&
	    tas_unsupported(causes, "spec.template.spec.restartPolicy", rp, always))
		return -ENOMEM;
	if (old && !tas_json_same(sel, tas_jpath(old, "spec.selector")) &&
	    tas_cause_add(causes, "FieldValueInvalid", "spec.selector",
			  "Invalid value: \"object\": field is immutable"))
		return -ENOMEM;
	return 0;
}

static const char *const deploy_short[] = {"deploy", NULL};

static struct tas_restype deployments = {
	.group = "apps", .version = "v1", .resource = "deployments", .singular = "deployment",
	.kind = "Deployment", .list_kind = "DeploymentList", .storage_group = "apps",
	.storage_resource = "deployments", .namespaced = true,
	.flags = TAS_RT_STATUS | TAS_RT_GENERATION | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .short_names = deploy_short, .categories = cat_all,
	.verbs = std_verbs, .on_create = deployment_on_create, .on_write = deployment_on_write,
	.validate = deployment_validate,
};

/* --- network policies (networking.k8s.io/v1) ---------------------------- */

/* SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort: an absent
 * podSelector is the empty one, ports are TCP, and policyTypes is Ingress,
 * plus Egress when there are egress rules. */
static int netpol_on_write(json_t *obj, char *err, size_t errlen)
{
	static const char *const dirs[] = {"ingress", "egress"};
	json_t *spec = json_object_get(obj, "spec");
	size_t d, i, j;

	if (!json_is_object(spec))
		return 0;
	if (setdef(spec, "podSelector", json_object()))
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		json_t *rules = json_object_get(spec, dirs[d]);
		for (i = 0; i < json_array_size(rules); i++) {
			json_t *ports = json_object_get(json_array_get(rules, i), "ports");
			for (j = 0; j < json_array_size(ports); j++)
				if (json_is_object(json_array_get(ports, j)) &&
				    setdef(json_array_get(ports, j), "protocol", json_string("TCP")))
					return -ENOMEM;
		}
	}
	if (json_array_size(json_object_get(spec, "policyTypes")) == 0 &&
	    json_object_set_new(spec, "policyTypes",
				json_array_size(json_object_get(spec, "egress"))
					? json_pack("[s, s]", "Ingress", "Egress")
					: json_pack("[s]", "Ingress")))
		return -ENOMEM;
	return 0;
}

/* IsValidPortName: an IANA service name. */
static bool port_name_ok(const char *s)
{
	size_t n = strlen(s);
	bool letter = false;

	if (n == 0 || n > 15 || s[0] == '-' || s[n - 1] == '-' || strstr(s, "--"))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return false;
	}
	return letter;
}

static bool cidr_ok(const char *s)
{
	char addr[64], *slash, *end;
	unsigned char buf[16];
	long bits;
	int family;

	if (snprintf(addr, sizeof(addr), "%s", s) >= (int)sizeof(addr))
		return false;
	slash = strchr(addr, '/');
	if (!slash)
		return false;
	*slash = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, buf) != 1 || !slash[1])
		return false;
	bits = strtol(slash + 1, &end, 10);
	return !*end && bits >= 0 && bits <= (family == AF_INET ? 32 : 128);
}

static int netpol_peers(const json_t *peers, const char *path, json_t *causes)
{
	for (size_t i = 0; i < json_array_size(peers); i++) {
		const json_t *ip = json_object_get(json_array_get(peers, i), "ipBlock");
		const char *cidr = tas_jstr(ip, "cidr");
		char field[192];

		snprintf(field, sizeof(field), "%s[%zu].ipBlock.cidr", path, i);
		if (ip && !cidr) {
			if (tas_required(causes, field, NULL))
				return -ENOMEM;
		} else if (cidr && !cidr_ok(cidr) &&
			   tas_invalid(causes, field, cidr, "must be a valid CIDR value, (e.g. "
				       "10.9.8.0/24 or 2001:db8::/64)")) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int netpol_ports(const json_t *ports, const char *path, json_t *causes)
{
	static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};

	for (size_t i = 0; i < json_array_size(ports); i++) {
		const json_t *p = json_array_get(ports, i);
		const json_t *port = json_object_get(p, "port");
		const char *proto = tas_jstr(p, "protocol");
		char field[192];

		snprintf(field, sizeof(field), "%s[%zu].protocol", path, i);
		if (proto && strcmp(proto, "TCP") && strcmp(proto, "UDP") && strcmp(proto, "SCTP") &&
		    tas_unsupported(causes, field, proto, protocols))
			return -ENOMEM;
		snprintf(field, sizeof(field), "%s[%zu].port", path, i);
		if (json_is_integer(port) &&
		    (json_integer_value(port) < 1 || json_integer_value(port) > 65535) &&
		    tas_cause_add(causes, "FieldValueInvalid", field,
				  "Invalid value: %lld: must be between 1 and 65535, inclusive",
				  (long long)json_integer_value(port)))
			return -ENOMEM;
		if (json_is_string(port) && !port_name_ok(json_string_value(port)) &&
		    tas_invalid(causes, field, json_string_value(port),
				"must be a valid IANA service name"))
			return -ENOMEM;
	}
	return 0;
}

static int netpol_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const dirs[][2] = {{"ingress", "from"}, {"egress", "to"}};
	static const char *const types[] = {"Ingress", "Egress", NULL};
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *pt = json_object_get(spec, "policyTypes");
	char path[96];
	size_t d, i;

	for (i = 0; i < json_array_size(pt); i++) {
		const char *t = json_string_value(json_array_get(pt, i));
		snprintf(path, sizeof(path), "spec.policyTypes[%zu]", i);
		if ((!t || (strcmp(t, "Ingress") && strcmp(t, "Egress"))) &&
		    tas_unsupported(causes, path, t ? t : "", types))
			return -ENOMEM;
	}
	if (json_array_size(pt) > 2 &&
	    tas_cause_add(causes, "FieldValueInvalid", "spec.policyTypes",
			  "Invalid value: \"array\": may not specify more than two policyTypes"))
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		const json_t *rules = json_object_get(spec, dirs[d][0]);
		for (i = 0; i < json_array_size(rules); i++) {
			const json_t *r = json_array_get(rules, i);
			snprintf(path, sizeof(path), "spec.%s[%zu].ports", dirs[d][0], i);
			if (netpol_ports(json_object_get(r, "ports"), path, causes))
				return -ENOMEM;
			snprintf(path, sizeof(path), "spec.%s[%zu].%s", dirs[d][0], i, dirs[d][1]);
			if (netpol_peers(json_object_get(r, dirs[d][1]), path, causes))
				return -ENOMEM;
		}
	}
	return 0;
}

static const char *const netpol_short[] = {"netpol", NULL};

static struct tas_restype networkpolicies = {
	.group = "networking.k8s.io", .version = "v1", .resource = "networkpolicies",
	.singular = "networkpolicy", .kind = "NetworkPolicy", .list_kind = "NetworkPolicyList",
	.storage_group = "networking.k8s.io", .storage_resource = "networkpolicies",
	.namespaced = true, .flags = TAS_RT_GENERATION | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .short_names = netpol_short, .verbs = std_verbs,
	.on_write = netpol_on_write, .validate = netpol_validate,
};

/* --- namespaces -------------------------------------------------------- */

static int ns_on_create(json_t *obj)
{
	json_t *spec = tas_jobj(obj, "spec");

	if (!spec || json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active")) ||
	    json_object_set_new(spec, "finalizers", json_pack("[s]", "kubernetes")))
		return -ENOMEM;
	return 0;
}

static int ns_on_write(json_t *obj, char *err, size_t errlen)
{
	json_t *labels = tas_jobj(tas_jobj(obj, "metadata"), "labels");
	const char *name = tas_meta(obj, "name");

	/* kube pins this label to the name on every write */
	if (!labels || json_object_set_new(labels, "kubernetes.io/metadata.name",
					   json_string(name ? name : "")))
		return -ENOMEM;
	return 0;
}

static const struct tas_field ns_fields[] = {
	{"status.phase", "status.phase", ""},
	{NULL, NULL, NULL},
};
static const char *const ns_short[] = {"ns", NULL};

static struct tas_restype namespaces = {
	.group = "", .version = "v1", .resource = "namespaces", .singular = "namespace",
	.kind = "Namespace", .list_kind = "NamespaceList", .storage_group = "",
	.storage_resource = "namespaces", .namespaced = false,
	.flags = TAS_RT_STATUS | TAS_RT_RETURN_DELETED | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_LABEL, .short_names = ns_short, .verbs = ns_verbs,
	.fields = ns_fields, .on_create = ns_on_create, .on_write = ns_on_write,
};

/* --- secrets and configmaps -------------------------------------------- */

static const char key_msg[] =
	"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
	"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
	"'[-._a-zA-Z0-9]+')";

static int data_keys(const json_t *data, const char *what, json_t *causes)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)data, k, v) {
		char field[512];
		snprintf(field, sizeof(field), "%s[%s]", what, k);
		if (*k == '\0' || strspn(k, "-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789") != strlen(k) ||
		    strcmp(k, ".") == 0 || strcmp(k, "..") == 0) {
			if (tas_invalid(causes, field, k, key_msg))
				return -ENOMEM;
		}
	}
	return 0;
}

/* Values of a map must be base64, else the body cannot be decoded (400). */
static int base64_values(const json_t *data, const char *kind, char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)data, k, v) {
		unsigned char *dec = NULL;
		size_t len;
		const char *s = json_string_value(v);
		int rc = s && *s ? tas_b64_decode(s, &dec, &len) : 0;
		free(dec);
		if (rc == -ENOMEM)
			return rc;
		if (!s || rc || strchr(s, '-') || strchr(s, '_')) {
			snprintf(err, errlen,
				 "%s in version \"v1\" cannot be handled as a %s: illegal base64 "
				 "data at input byte 0", kind, kind);
			return -EINVAL;
		}
	}
	return 0;
}

static int immutable_data(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const keys[] = {"data", "binaryData", NULL};
	size_t i;

	if (!old || !json_is_true(json_object_get(old, "immutable")))
		return 0;
	if (!json_is_true(json_object_get(obj, "immutable")) &&
	    tas_cause_add(causes, "FieldValueForbidden", "immutable",
			  "Forbidden: field is immutable when `immutable` is set"))
		return -ENOMEM;
	for (i = 0; keys[i]; i++)
		if (!tas_json_same(json_object_get(obj, keys[i]), json_object_get(old, keys[i])) &&
		    tas_cause_add(causes, "FieldValueForbidden", keys[i],
				  "Forbidden: field is immutable when `immutable` is set"))
			return -ENOMEM;
	return 0;
}

static int secret_on_write(json_t *obj, char *err, size_t errlen)
{
	json_t *sd = json_object_get(obj, "stringData");
	json_t *data;
	const char *k;
	json_t *v;
	int rc;

	if (setdef(obj, "type", json_string("Opaque")))
		return -ENOMEM;
	rc = base64_values(json_object_get(obj, "data"), "Secret", err, errlen);
	if (rc || !sd)
		return rc;
	/* stringData is write-only: merged into data, never stored */
	data = tas_jobj(obj, "data");
	if (!data)
		return -ENOMEM;
	json_object_foreach(sd, k, v) {
		const char *s = json_string_value(v);
		char *enc = tas_b64_encode(s ? s : "", s ? strlen(s) : 0, false);
		if (!enc || json_object_set_new(data, k, json_string(enc))) {
			free(enc);
			return -ENOMEM;
		}
		free(enc);
	}
	json_object_del(obj, "stringData");
	return 0;
}

static int secret_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	const char *type = tas_jstr(obj, "type");

	if (data_keys(json_object_get(obj, "data"), "data", causes))
		return -ENOMEM;
	if (old && type && tas_jstr(old, "type") && strcmp(type, tas_jstr(old, "type")) &&
	    tas_invalid(causes, "type", type, "field is immutable"))
		return -ENOMEM;
	return immutable_data(obj, old, causes);
}

static int configmap_on_write(json_t *obj, char *err, size_t errlen)
{
	return base64_values(json_object_get(obj, "binaryData"), "ConfigMap", err, errlen);
}

static int configmap_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	if (data_keys(json_object_get(obj, "data"), "data", causes) ||
	    data_keys(json_object_get(obj, "binaryData"), "binaryData", causes))
		return -ENOMEM;
	return immutable_data(obj, old, causes);
}

static const struct tas_field secret_fields[] = {
	{"type", "type", ""},
	{NULL, NULL, NULL},
};

static struct tas_restype secrets = {
	.group = "", .version = "v1", .resource = "secrets", .singular = "secret",
	.kind = "Secret", .list_kind = "SecretList", .storage_group = "",
	.storage_resource = "secrets", .namespaced = true, .flags = TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .verbs = std_verbs, .fields = secret_fields,
	.on_write = secret_on_write, .validate = secret_validate,
};

static const char *const cm_short[] = {"cm", NULL};

static struct tas_restype configmaps = {
	.group = "", .version = "v1", .resource = "configmaps", .singular = "configmap",
	.kind = "ConfigMap", .list_kind = "ConfigMapList", .storage_group = "",
	.storage_resource = "configmaps", .namespaced = true, .flags = TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .short_names = cm_short, .verbs = std_verbs,
	.on_write = configmap_on_write, .validate = configmap_validate,
};

static const char *const sa_short[] = {"sa", NULL};

static struct tas_restype serviceaccounts = {
	.group = "", .version = "v1", .resource = "serviceaccounts",
	.singular = "serviceaccount", .kind = "ServiceAccount",
	.list_kind = "ServiceAccountList", .storage_group = "",
	.storage_resource = "serviceaccounts", .namespaced = true,
	.flags = TAS_RT_RETURN_DELETED | TAS_RT_UNCONDITIONAL, .name_rule = TAS_NAME_SUBDOMAIN,
	.short_names = sa_short, .verbs = std_verbs,
};

/* PersistentVolumeClaims are only stored: no volume controller binds them
 * (a test sets status.phase itself through the status subresource). */
static const char *const pvc_short[] = {"pvc", NULL};

static struct tas_restype persistentvolumeclaims = {
	.group = "", .version = "v1", .resource = "persistentvolumeclaims",
	.singular = "persistentvolumeclaim", .kind = "PersistentVolumeClaim",
	.list_kind = "PersistentVolumeClaimList", .storage_group = "",
	.storage_resource = "persistentvolumeclaims", .namespaced = true,
	.flags = TAS_RT_STATUS | TAS_RT_RETURN_DELETED | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .short_names = pvc_short, .verbs = std_verbs,
};

/* --- events: core/v1 is stored; events.k8s.io/v1 is a renamed view ----- */

static const char *const event_renames[][2] = {
	/* core/v1          events.k8s.io/v1 */
	{"involvedObject", "regarding"},
	{"message", "note"},
	{"reportingComponent", "reportingController"},
	{"source", "deprecatedSource"},
	{"firstTimestamp", "deprecatedFirstTimestamp"},
	{"lastTimestamp", "deprecatedLastTimestamp"},
	{"count", "deprecatedCount"},
};

static json_t *event_rename(const json_t *in, int from, const char *api_version)
{
	json_t *out = json_deep_copy(in);
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < sizeof(event_renames) / sizeof(event_renames[0]); i++) {
		json_t *v = json_object_get(out, event_renames[i][from]);
		if (!v)
			continue;
		if (json_object_set(out, event_renames[i][1 - from], v)) {
			json_decref(out);
			return NULL;
		}
		json_object_del(out, event_renames[i][from]);
	}
	if (json_object_set_new(out, "apiVersion", json_string(api_version))) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *event_to_v1beta(const json_t *stored)
{
	return event_rename(stored, 0, "events.k8s.io/v1");
}

static json_t *event_from_v1beta(const json_t *obj)
{
	return event_rename(obj, 1, "v1");
}

/* events.k8s.io/v1 create validation (ValidateEventCreate for the new API) */
static int event_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const types[] = {"Normal", "Warning", NULL};
	static const char *const req[][2] = {
		{"eventTime", "eventTime"},
		{"reportingComponent", "reportingController"},
		{"reportingInstance", "reportingInstance"},
		{"action", "action"},
		{"reason", "reason"},
	};
	const char *type = tas_jstr(obj, "type");
	size_t i;

	if (old)
		return 0;
	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!json_object_get(obj, req[i][0]) && tas_required(causes, req[i][1], NULL))
			return -ENOMEM;
	if (type && strcmp(type, "Normal") && strcmp(type, "Warning") &&
	    tas_unsupported(causes, "type", type, types))
		return -ENOMEM;
	if (json_string_length(json_object_get(obj, "message")) > 1024 &&
	    tas_cause_add(causes, "FieldValueTooLong", "note",
			  "Too long: may not be longer than 1024"))
		return -ENOMEM;
	return 0;
}

static const struct tas_field event_fields[] = {
	{"involvedObject.kind", "involvedObject.kind", ""},
	{"involvedObject.namespace", "involvedObject.namespace", ""},
	{"involvedObject.name", "involvedObject.name", ""},
	{"involvedObject.uid", "involvedObject.uid", ""},
	{"involvedObject.apiVersion", "involvedObject.apiVersion", ""},
	{"involvedObject.resourceVersion", "involvedObject.resourceVersion", ""},
	{"involvedObject.fieldPath", "involvedObject.fieldPath", ""},
	{"reason", "reason", ""},
	{"reportingComponent", "reportingComponent", ""},
	{"source", "source.component", ""},
	{"type", "type", ""},
	{NULL, NULL, NULL},
};
static const char *const ev_short[] = {"ev", NULL};

static struct tas_restype events_core = {
	.group = "", .version = "v1", .resource = "events", .singular = "event", .kind = "Event",
	.list_kind = "EventList", .storage_group = "", .storage_resource = "events",
	.namespaced = true, .flags = TAS_RT_CREATE_ON_UPDATE | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .short_names = ev_short, .verbs = std_verbs,
	.fields = event_fields,
};

static struct tas_restype events_new = {
	.group = "events.k8s.io", .version = "v1", .resource = "events", .singular = "event",
	.kind = "Event", .list_kind = "EventList", .storage_group = "",
	.storage_resource = "events", .namespaced = true,
	.flags = TAS_RT_CREATE_ON_UPDATE | TAS_RT_UNCONDITIONAL, .name_rule = TAS_NAME_SUBDOMAIN,
	.short_names = ev_short, .verbs = std_verbs, .fields = event_fields,
	.validate = event_validate, .to_version = event_to_v1beta,
	.from_version = event_from_v1beta,
};

/* --- leases ------------------------------------------------------------ */

static int lease_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	const json_t *d = tas_jpath(obj, "spec.leaseDurationSeconds");
	const json_t *t = tas_jpath(obj, "spec.leaseTransitions");

	if (d && json_integer_value(d) <= 0 &&
	    tas_cause_add(causes, "FieldValueInvalid", "spec.leaseDurationSeconds",
			  "Invalid value: %lld: must be greater than 0",
			  (long long)json_integer_value(d)))
		return -ENOMEM;
	if (t && json_integer_value(t) < 0 &&
	    tas_cause_add(causes, "FieldValueInvalid", "spec.leaseTransitions",
			  "Invalid value: %lld: must be greater than or equal to 0",
			  (long long)json_integer_value(t)))
		return -ENOMEM;
	return 0;
}

static struct tas_restype leases = {
	.group = "coordination.k8s.io", .version = "v1", .resource = "leases",
	.singular = "lease", .kind = "Lease", .list_kind = "LeaseList",
	.storage_group = "coordination.k8s.io", .storage_resource = "leases",
	.namespaced = true, .flags = TAS_RT_CREATE_ON_UPDATE | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .verbs = std_verbs, .validate = lease_validate,
};

/* --- RBAC -------------------------------------------------------------- */

static int rules_validate(const json_t *obj, bool namespaced, json_t *causes)
{
	const json_t *rules = json_object_get(obj, "rules");
	size_t i;

	for (i = 0; i < json_array_size(rules); i++) {
		const json_t *r = json_array_get(rules, i);
		char field[64];
		snprintf(field, sizeof(field), "rules[%zu].verbs", i);
		if (json_array_size(json_object_get(r, "verbs")) == 0 &&
		    tas_required(causes, field, "verbs must contain at least one value"))
			return -ENOMEM;
		if (json_array_size(json_object_get(r, "nonResourceURLs"))) {
			snprintf(field, sizeof(field), "rules[%zu].nonResourceURLs", i);
			if (namespaced &&
			    tas_cause_add(causes, "FieldValueInvalid", field,
					  "Invalid value: []string{...}: namespaced rules cannot "
					  "apply to non-resource URLs"))
				return -ENOMEM;
			continue;
		}
		snprintf(field, sizeof(field), "rules[%zu].apiGroups", i);
		if (json_array_size(json_object_get(r, "apiGroups")) == 0 &&
		    tas_required(causes, field, "resource rules must supply at least one api group"))
			return -ENOMEM;
		snprintf(field, sizeof(field), "rules[%zu].resources", i);
		if (json_array_size(json_object_get(r, "resources")) == 0 &&
		    tas_required(causes, field, "resource rules must supply at least one resource"))
			return -ENOMEM;
	}
	return 0;
}

static int role_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	return rules_validate(obj, true, causes);
}

static int clusterrole_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	return rules_validate(obj, false, causes);
}

static int binding_validate(const json_t *obj, const json_t *old, bool cluster, json_t *causes)
{
	static const char *const role_kinds[] = {"Role", "ClusterRole", NULL};
	static const char *const cluster_kinds[] = {"ClusterRole", NULL};
	static const char *const subject_kinds[] = {"ServiceAccount", "User", "Group", NULL};
	const json_t *ref = json_object_get(obj, "roleRef");
	const json_t *subjects = json_object_get(obj, "subjects");
	const char *kind = tas_jstr(ref, "kind");
	const char *group = tas_jstr(ref, "apiGroup");
	size_t i;

	if ((!kind || (strcmp(kind, "ClusterRole") && (cluster || strcmp(kind, "Role")))) &&
	    tas_unsupported(causes, "roleRef.kind", kind ? kind : "",
			    cluster ? cluster_kinds : role_kinds))
		return -ENOMEM;
	if ((!group || strcmp(group, "rbac.authorization.k8s.io")) &&
	    tas_unsupported(causes, "roleRef.apiGroup", group ? group : "",
			    (const char *const[]){"rbac.authorization.k8s.io", NULL}))
		return -ENOMEM;
	if ((!tas_jstr(ref, "name") || !*tas_jstr(ref, "name")) &&
	    tas_required(causes, "roleRef.name", NULL))
		return -ENOMEM;
	if (old && !tas_json_same(ref, json_object_get(old, "roleRef")) &&
	    tas_cause_add(causes, "FieldValueInvalid", "roleRef",
			  "Invalid value: \"object\": cannot change roleRef"))
		return -ENOMEM;
	for (i = 0; i < json_array_size(subjects); i++) {
		const json_t *s = json_array_get(subjects, i);
		const char *sk = tas_jstr(s, "kind");
		char field[64];
		snprintf(field, sizeof(field), "subjects[%zu].kind", i);
		if ((!sk || (strcmp(sk, "ServiceAccount") && strcmp(sk, "User") &&
			     strcmp(sk, "Group"))) &&
		    tas_unsupported(causes, field, sk ? sk : "", subject_kinds))
			return -ENOMEM;
		snprintf(field, sizeof(field), "subjects[%zu].name", i);
		if ((!tas_jstr(s, "name") || !*tas_jstr(s, "name")) &&
		    tas_required(causes, field, NULL))
			return -ENOMEM;
		snprintf(field, sizeof(field), "subjects[%zu].namespace", i);
		if (sk && strcmp(sk, "ServiceAccount") == 0 && cluster &&
		    (!tas_jstr(s, "namespace") || !*tas_jstr(s, "namespace")) &&
		    tas_required(causes, field, NULL))
			return -ENOMEM;
	}
	return 0;
}

static int rolebinding_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	return binding_validate(obj, old, false, causes);
}

static int crb_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	return binding_validate(obj, old, true, causes);
}

#define RBAC(var, res, sing, k, ns, val)                                                    \
	static struct tas_restype var = {                                                   \
		.group = "rbac.authorization.k8s.io", .version = "v1", .resource = res,     \
		.singular = sing, .kind = k, .list_kind = k "List",                         \
		.storage_group = "rbac.authorization.k8s.io", .storage_resource = res,      \
		.namespaced = ns, .flags = TAS_RT_CREATE_ON_UPDATE | TAS_RT_UNCONDITIONAL,  \
		.name_rule = TAS_NAME_PATH_SEGMENT, .verbs = std_verbs, .validate = val,    \
	}
RBAC(roles, "roles", "role", "Role", true, role_validate);
RBAC(clusterroles, "clusterroles", "clusterrole", "ClusterRole", false, clusterrole_validate);
RBAC(rolebindings, "rolebindings", "rolebinding", "RoleBinding", true, rolebinding_validate);
RBAC(crbs, "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false,
     crb_validate);

/* --- reviews (answered, never stored) ---------------------------------- */

static struct tas_restype ssar = {
	.group = "authorization.k8s.io", .version = "v1",
	.resource = "selfsubjectaccessreviews", .singular = "selfsubjectaccessreview",
	.kind = "SelfSubjectAccessReview", .list_kind = "SelfSubjectAccessReviewList",
	.storage_group = "authorization.k8s.io", .storage_resource = "selfsubjectaccessreviews",
	.flags = TAS_RT_VIRTUAL, .verbs = create_only,
};

static struct tas_restype sar = {
	.group = "authorization.k8s.io", .version = "v1", .resource = "subjectaccessreviews",
	.singular = "subjectaccessreview", .kind = "SubjectAccessReview",
	.list_kind = "SubjectAccessReviewList", .storage_group = "authorization.k8s.io",
	.storage_resource = "subjectaccessreviews", .flags = TAS_RT_VIRTUAL,
	.verbs = create_only,
};

static struct tas_restype ssr = {
	.group = "authentication.k8s.io", .version = "v1", .resource = "selfsubjectreviews",
	.singular = "selfsubjectreview", .kind = "SelfSubjectReview",
	.list_kind = "SelfSubjectReviewList", .storage_group = "authentication.k8s.io",
	.storage_resource = "selfsubjectreviews", .flags = TAS_RT_VIRTUAL, .verbs = create_only,
};

/* --- CustomResourceDefinitions (their strategy lives in crd.c) ---------- */

static const char *const crd_short[] = {"crd", "crds", NULL};
static const char *const crd_cat[] = {"api-extensions", NULL};

static struct tas_restype crds = {
	.group = "apiextensions.k8s.io", .version = "v1",
	.resource = "customresourcedefinitions", .singular = "customresourcedefinition",
	.kind = "CustomResourceDefinition", .list_kind = "CustomResourceDefinitionList",
	.storage_group = "apiextensions.k8s.io", .storage_resource = "customresourcedefinitions",
	.flags = TAS_RT_STATUS | TAS_RT_GENERATION | TAS_RT_UNCONDITIONAL,
	.name_rule = TAS_NAME_SUBDOMAIN, .short_names = crd_short, .categories = crd_cat,
	.verbs = std_verbs, .on_create = tas_crd_on_create, .on_write = tas_crd_on_write,
	.validate = tas_crd_validate,
};

struct tas_restype *const tas_builtin_kinds[] = {
	&tas_vap_policies, &tas_vap_bindings, /* vap.c */
	&namespaces, &pods, &secrets, &configmaps, &serviceaccounts, &persistentvolumeclaims,
	&events_core, &jobs,
	&leases, &events_new, &roles, &clusterroles, &rolebindings, &crbs, &ssar, &sar, &ssr,
	&crds,
	&deployments, &networkpolicies,
};
const size_t tas_n_builtin_kinds = sizeof(tas_builtin_kinds) / sizeof(tas_builtin_kinds[0]);

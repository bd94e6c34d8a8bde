#include "tas_vap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cel.h"
#include "gofmt.h"
#include "names.h"
#include "selector.h"
#include "tas_objects.h"
#include "tas_status.h"
#include "tas_util.h"
#include "tas_validate.h"

#define GROUP "admissionregistration.k8s.io"

static const char *const verbs[] = {"create", "delete", "deletecollection", "get", "list",
				    "patch", "update", "watch", NULL};
static const char *const categories[] = {"api-extensions", NULL};
static const char *const reasons[] = {"Unauthorized", "Forbidden", "Invalid",
				      "RequestEntityTooLarge", NULL};
static const int reason_codes[] = {401, 403, 422, 413};

static bool one_of(const char *v, const char *const *set)
{
	for (size_t i = 0; v && set[i]; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

/* --- defaults (kube's pkg/apis/admissionregistration/v1/defaults.go) ----- */

/* Adds the members of defaults (stolen) that obj lacks. */
static int set_defaults(json_t *obj, json_t *defaults)
{
	return !defaults || json_object_update_missing_new(obj, defaults) ? -ENOMEM : 0;
}

static int match_defaults(json_t *m)
{
	static const char *const lists[] = {"resourceRules", "excludeResourceRules"};

	if (!json_is_object(m))
		return 0;
	if (set_defaults(m, json_pack("{s:s, s:{}, s:{}}", "matchPolicy", "Equivalent",
				      "namespaceSelector", "objectSelector")))
		return -ENOMEM;
	for (size_t l = 0; l < 2; l++) {
		json_t *rules = json_object_get(m, lists[l]);
		for (size_t i = 0; i < json_array_size(rules); i++)
			if (json_is_object(json_array_get(rules, i)) &&
			    set_defaults(json_array_get(rules, i), json_pack("{s:s}", "scope", "*")))
				return -ENOMEM;
	}
	return 0;
}

static int policy_on_write(json_t *obj, char *err, size_t errlen)
{
	json_t *spec = json_object_get(obj, "spec");

	if (!json_is_object(spec))
		return 0;
	if (set_defaults(spec, json_pack("{s:s}", "failurePolicy", "Fail")))
		return -ENOMEM;
	return match_defaults(json_object_get(spec, "matchConstraints"));
}

static int binding_on_write(json_t *obj, char *err, size_t errlen)
{
	return match_defaults(tas_jpath(obj, "spec.matchResources"));
}

/* --- validation ------------------------------------------------------------ */

/* A field kube accepts but this server would not evaluate: refused, so that
 * no stored policy is enforced differently from kube. */
static int not_here(json_t *causes, const char *field)
{
	return tas_cause_add(causes, "FieldValueForbidden", field,
			     "Forbidden: not evaluated by the test API server "
			     "(tests/apiserver/README.md)");
}

/* flags: the variables the expression may use (TAS_CEL_PARAMS). */
static int check_expr(json_t *causes, const char *field, const json_t *v, bool required,
		      unsigned flags)
{
	const char *src = json_string_value(v);
	struct tas_cel *c = NULL;
	char err[600], detail[700];
	int rc;

	if (!src || !*src)
		return required ? tas_required(causes, field, NULL) : 0;
	rc = tas_cel_compile_env(src, flags, &c, err, sizeof(err));
	tas_cel_free(c);
	if (rc == -ENOMEM)
		return rc;
	if (!rc)
		return 0;
	snprintf(detail, sizeof(detail), "compilation failed: %s", err);
	return tas_invalid(causes, field, src, detail);
}

static int check_list(json_t *causes, const char *field, const json_t *list,
		      const char *const *allowed, const char *const *refused)
{
	char f[330];

	if (json_array_size(list) == 0)
		return tas_required(causes, field, NULL);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *v = json_string_value(json_array_get(list, i));
		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if (refused && one_of(v, refused)) {
			if (not_here(causes, f))
				return -ENOMEM;
		} else if (allowed && !one_of(v, allowed)) {
			if (tas_unsupported(causes, f, v ?: "", allowed))
				return -ENOMEM;
		}
	}
	return 0;
}

static int check_rules(json_t *causes, const char *field, const json_t *rules)
{
	static const char *const ops[] = {"*", "CREATE", "UPDATE", "DELETE", "CONNECT", NULL};
	/* kube also admits CONNECT; no connect subresource is served here */
	static const char *const ops_not_here[] = {"CONNECT", NULL};
	static const char *const scopes[] = {"*", "Cluster", "Namespaced", NULL};
	static const char *const lists[] = {"apiGroups", "apiVersions", "resources"};
	char f[300];

	for (size_t i = 0; i < json_array_size(rules); i++) {
		const json_t *r = json_array_get(rules, i);
		const char *scope = tas_jstr(r, "scope");
		snprintf(f, sizeof(f), "%s[%zu].operations", field, i);
		if (check_list(causes, f, json_object_get(r, "operations"), ops, ops_not_here))
			return -ENOMEM;
		for (size_t k = 0; k < 3; k++) {
			snprintf(f, sizeof(f), "%s[%zu].%s", field, i, lists[k]);
			if (check_list(causes, f, json_object_get(r, lists[k]), NULL, NULL))
				return -ENOMEM;
		}
		snprintf(f, sizeof(f), "%s[%zu].scope", field, i);
		if (scope && !one_of(scope, scopes) && tas_unsupported(causes, f, scope, scopes))
			return -ENOMEM;
	}
	return 0;
}

/* A metav1.LabelSelector (borrowed; NULL selects everything) in the form
 * selector.c evaluates. Keys and values are checked before they are joined
 * into selector text, so none can smuggle in a requirement of its own.
 * 0 with *out; -EINVAL with err; -ENOMEM. */
static int label_selector(const json_t *sel, struct tas_selector **out, char *err,
			  size_t errlen)
{
	static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};
	const json_t *exprs = json_object_get(sel, "matchExpressions"), *v;
	struct tas_buf b = {0}, why = {0};
	const char *k;
	int rc = -EINVAL;

	*out = NULL;
	json_object_foreach((json_t *)(uintptr_t)json_object_get(sel, "matchLabels"), k, v) {
		if (!tas_name_qualified(k, &why) ||
		    !tas_name_label_value(json_string_value(v) ?: "", &why) || !json_is_string(v))
			goto bad;
		tas_buf_printf(&b, "%s%s=%s", b.len ? "," : "", k, json_string_value(v));
	}
	for (size_t i = 0; i < json_array_size(exprs); i++) {
		const json_t *e = json_array_get(exprs, i), *vals = json_object_get(e, "values");
		const char *key = tas_jstr(e, "key") ?: "", *op = tas_jstr(e, "operator") ?: "";
		bool with_values = one_of(op, ops) && op[0] != 'E' && op[0] != 'D';
		if (!tas_name_qualified(key, &why))
			goto bad;
		if (!one_of(op, ops) || with_values != (json_array_size(vals) > 0)) {
			tas_buf_printf(&why, "matchExpressions[%zu]: operator %s with %zu values",
				       i, op, json_array_size(vals));
			goto bad;
		}
		tas_buf_printf(&b, "%s%s%s", b.len ? "," : "",
			       strcmp(op, "DoesNotExist") == 0 ? "!" : "", key);
		for (size_t j = 0; j < json_array_size(vals); j++) {
			const char *val = json_string_value(json_array_get(vals, j));
			if (!val || !tas_name_label_value(val, &why))
				goto bad;
			tas_buf_printf(&b, "%s%s", j ? "," : (op[0] == 'I' ? " in (" : " notin ("),
				       val);
		}
		if (with_values)
			tas_buf_puts(&b, ")");
	}
	rc = b.oom || why.oom ? -ENOMEM : tas_selector_parse(tas_buf_str(&b), out, err, errlen);
	goto out;
bad:
	rc = why.oom ? -ENOMEM : -EINVAL;
	snprintf(err, errlen, "%s", why.len ? tas_buf_str(&why) : "invalid label selector");
out:
	tas_buf_free(&b);
	tas_buf_free(&why);
	return rc;
}

static int check_selector(json_t *causes, const char *field, const json_t *sel)
{
	struct tas_selector *parsed = NULL;
	char err[512];
	int rc = label_selector(sel, &parsed, err, sizeof(err));

	tas_selector_free(parsed);
	if (rc == -EINVAL)
		return tas_cause_add(causes, "FieldValueInvalid", field, "Invalid value: %s", err);
	return rc;
}

static int check_match(json_t *causes, const char *field, const json_t *m, bool required)
{
	static const char *const policies[] = {"Exact", "Equivalent", NULL};
	const char *mp = tas_jstr(m, "matchPolicy");
	char f[300];

	if (!m)
		return required ? tas_required(causes, field, NULL) : 0;
	snprintf(f, sizeof(f), "%s.resourceRules", field);
	if (required && !json_array_size(json_object_get(m, "resourceRules")) &&
	    tas_required(causes, f, NULL))
		return -ENOMEM;
	if (check_rules(causes, f, json_object_get(m, "resourceRules")))
		return -ENOMEM;
	snprintf(f, sizeof(f), "%s.excludeResourceRules", field);
	if (check_rules(causes, f, json_object_get(m, "excludeResourceRules")))
		return -ENOMEM;
	snprintf(f, sizeof(f), "%s.matchPolicy", field);
	if (mp && !one_of(mp, policies) && tas_unsupported(causes, f, mp, policies))
		return -ENOMEM;
	snprintf(f, sizeof(f), "%s.namespaceSelector", field);
	if (check_selector(causes, f, json_object_get(m, "namespaceSelector")))
		return -ENOMEM;
	snprintf(f, sizeof(f), "%s.objectSelector", field);
	return check_selector(causes, f, json_object_get(m, "objectSelector"));
}

static int policy_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const failure[] = {"Fail", "Ignore", NULL};
	static const char *const unsupported[] = {"variables", "auditAnnotations", NULL};
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *pk = json_object_get(spec, "paramKind");
	unsigned flags = pk ? TAS_CEL_PARAMS : 0;
	const json_t *vals = json_object_get(spec, "validations");
	const json_t *conds = json_object_get(spec, "matchConditions");
	const char *fp = tas_jstr(spec, "failurePolicy");
	char f[300];

	if (fp && !one_of(fp, failure) &&
	    tas_unsupported(causes, "spec.failurePolicy", fp, failure))
		return -ENOMEM;
	for (size_t i = 0; unsupported[i]; i++) {
		snprintf(f, sizeof(f), "spec.%s", unsupported[i]);
		if (json_object_get(spec, unsupported[i]) && not_here(causes, f))
			return -ENOMEM;
	}
	if (pk && (!tas_jstr(pk, "apiVersion") || !*tas_jstr(pk, "apiVersion")) &&
	    tas_required(causes, "spec.paramKind.apiVersion", NULL))
		return -ENOMEM;
	if (pk && (!tas_jstr(pk, "kind") || !*tas_jstr(pk, "kind")) &&
	    tas_required(causes, "spec.paramKind.kind", NULL))
		return -ENOMEM;
	if (check_match(causes, "spec.matchConstraints", json_object_get(spec, "matchConstraints"),
			true))
		return -ENOMEM;
	if (!json_array_size(vals) &&
	    tas_required(causes, "spec.validations",
			 "validations or auditAnnotations must contain at least one item"))
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(vals); i++) {
		const json_t *v = json_array_get(vals, i);
		const char *reason = tas_jstr(v, "reason");
		snprintf(f, sizeof(f), "spec.validations[%zu].expression", i);
		if (check_expr(causes, f, json_object_get(v, "expression"), true, flags))
			return -ENOMEM;
		snprintf(f, sizeof(f), "spec.validations[%zu].messageExpression", i);
		if (check_expr(causes, f, json_object_get(v, "messageExpression"), false, flags))
			return -ENOMEM;
		snprintf(f, sizeof(f), "spec.validations[%zu].reason", i);
		if (reason && !one_of(reason, reasons) &&
		    tas_unsupported(causes, f, reason, reasons))
			return -ENOMEM;
	}
	for (size_t i = 0; i < json_array_size(conds); i++) {
		const json_t *c = json_array_get(conds, i);
		snprintf(f, sizeof(f), "spec.matchConditions[%zu].name", i);
		if (!tas_jstr(c, "name") && tas_required(causes, f, NULL))
			return -ENOMEM;
		snprintf(f, sizeof(f), "spec.matchConditions[%zu].expression", i);
		if (check_expr(causes, f, json_object_get(c, "expression"), true, flags))
			return -ENOMEM;
	}
	return 0;
}

/* A binding's paramRef by name (a selector, which may pick several params,
 * is not evaluated here). */
static int check_param_ref(json_t *causes, const json_t *ref)
{
	static const char *const actions[] = {"Allow", "Deny", NULL};
	const char *action = tas_jstr(ref, "parameterNotFoundAction");

	if (!ref)
		return 0;
	if (json_object_get(ref, "selector"))
		return not_here(causes, "spec.paramRef.selector");
	if ((!tas_jstr(ref, "name") || !*tas_jstr(ref, "name")) &&
	    tas_required(causes, "spec.paramRef.name", NULL))
		return -ENOMEM;
	if (!action)
		return tas_required(causes, "spec.paramRef.parameterNotFoundAction", NULL);
	if (!one_of(action, actions))
		return tas_unsupported(causes, "spec.paramRef.parameterNotFoundAction", action,
				       actions);
	return 0;
}

static int binding_validate(const json_t *obj, const json_t *old, json_t *causes)
{
	static const char *const actions[] = {"Deny", "Warn", "Audit", NULL};
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *acts = json_object_get(spec, "validationActions");
	bool deny = false, warn = false;
	char f[64];

	if ((!tas_jstr(spec, "policyName") || !*tas_jstr(spec, "policyName")) &&
	    tas_required(causes, "spec.policyName", NULL))
		return -ENOMEM;
	if (check_param_ref(causes, json_object_get(spec, "paramRef")))
		return -ENOMEM;
	if (check_list(causes, "spec.validationActions", acts, actions, NULL))
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(acts); i++) {
		const char *a = json_string_value(json_array_get(acts, i)) ?: "";
		snprintf(f, sizeof(f), "spec.validationActions[%zu]", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(a, json_string_value(json_array_get(acts, j)) ?: "") == 0 &&
			    tas_cause_add(causes, "FieldValueDuplicate", f,
					  "Duplicate value: \"%s\"", a))
				return -ENOMEM;
		deny = deny || strcmp(a, "Deny") == 0;
		warn = warn || strcmp(a, "Warn") == 0;
	}
	if (deny && warn &&
	    tas_cause_add(causes, "FieldValueInvalid", "spec.validationActions",
			  "Invalid value: []string{\"Deny\", \"Warn\"}: must not contain both "
			  "Deny and Warn (repeating the same validation failure information in "
			  "the API response and headers serves no purpose)"))
		return -ENOMEM;
	return check_match(causes, "spec.matchResources", json_object_get(spec, "matchResources"),
			   false);
}

struct tas_restype tas_vap_policies = {
	.group = GROUP, .version = "v1", .resource = "validatingadmissionpolicies",
	.singular = "validatingadmissionpolicy", .kind = "ValidatingAdmissionPolicy",
	.list_kind = "ValidatingAdmissionPolicyList", .storage_group = GROUP,
	.storage_resource = "validatingadmissionpolicies",
	.flags = TAS_RT_STATUS | TAS_RT_GENERATION, .name_rule = TAS_NAME_SUBDOMAIN,
	.categories = categories, .verbs = verbs, .on_write = policy_on_write,
	.validate = policy_validate,
};

struct tas_restype tas_vap_bindings = {
	.group = GROUP, .version = "v1", .resource = "validatingadmissionpolicybindings",
	.singular = "validatingadmissionpolicybinding",
	.kind = "ValidatingAdmissionPolicyBinding",
	.list_kind = "ValidatingAdmissionPolicyBindingList", .storage_group = GROUP,
	.storage_resource = "validatingadmissionpolicybindings", .flags = TAS_RT_GENERATION,
	.name_rule = TAS_NAME_SUBDOMAIN, .categories = categories, .verbs = verbs,
	.on_write = binding_on_write, .validate = binding_validate,
};

/* --- enforcement ----------------------------------------------------------- */

struct attrs {
	const struct tas_restype *rt;
	const char *sub, *op, *name;
	const json_t *obj, *old, *ns_obj; /* ns_obj: the namespace, NULL if cluster-scoped */
};

static bool listed(const json_t *list, const char *v)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i)) ?: "";
		if (strcmp(s, "*") == 0 || strcmp(s, v) == 0)
			return true;
	}
	return false;
}

static bool listed_exactly(const json_t *list, const char *v)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (strcmp(json_string_value(json_array_get(list, i)) ?: "", v) == 0)
			return true;
	return false;
}

/* kube's rule matching (admission/plugin/webhook/predicates/rules). */
static bool resource_listed(const json_t *list, const char *res, const char *sub)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i)) ?: "";
		const char *slash = strchr(s, '/');
		size_t rl = slash ? (size_t)(slash - s) : strlen(s);
		bool res_ok = (rl == 1 && s[0] == '*') ||
			      (rl == strlen(res) && strncmp(s, res, rl) == 0);
		if (strcmp(s, "*/*") == 0)
			return true;
		if (!res_ok)
			continue;
		if (!*sub ? !slash : slash && (strcmp(slash + 1, "*") == 0 ||
					       strcmp(slash + 1, sub) == 0))
			return true;
	}
	return false;
}

static bool rule_matches(const json_t *r, const struct attrs *a)
{
	const char *scope = tas_jstr(r, "scope") ?: "*";
	const json_t *names = json_object_get(r, "resourceNames");

	if (strcmp(scope, "Cluster") == 0 && a->rt->namespaced)
		return false;
	if (strcmp(scope, "Namespaced") == 0 && !a->rt->namespaced)
		return false;
	if (json_array_size(names) && !listed(names, a->name))
		return false;
	return listed(json_object_get(r, "operations"), a->op) &&
	       listed(json_object_get(r, "apiGroups"), a->rt->group) &&
	       listed(json_object_get(r, "apiVersions"), a->rt->version) &&
	       resource_listed(json_object_get(r, "resources"), a->rt->resource, a->sub);
}

static bool any_rule(const json_t *rules, const struct attrs *a)
{
	for (size_t i = 0; i < json_array_size(rules); i++)
		if (rule_matches(json_array_get(rules, i), a))
			return true;
	return false;
}

static const json_t *labels_of(const json_t *obj)
{
	return tas_jpath(obj, "metadata.labels");
}

/* Selectors as kube's matching applies them: namespaceSelector against the
 * object's namespace (a Namespace against itself; other cluster-scoped
 * objects always match), objectSelector against the object or, on update,
 * its old state. 1, 0, or -ENOMEM. */
static int selectors_match(const json_t *m, const struct attrs *a)
{
	struct tas_selector *ns_sel = NULL, *obj_sel = NULL;
	const json_t *ns_labels = NULL;
	bool check_ns = true;
	char err[512];
	int rc = -ENOMEM;

	if (label_selector(json_object_get(m, "namespaceSelector"), &ns_sel, err, sizeof(err)) ||
	    label_selector(json_object_get(m, "objectSelector"), &obj_sel, err, sizeof(err)))
		goto out;
	if (strcmp(a->rt->kind, "Namespace") == 0 && !*a->rt->group)
		ns_labels = labels_of(a->obj);
	else if (a->rt->namespaced)
		ns_labels = labels_of(a->ns_obj);
	else
		check_ns = false;
	rc = (!check_ns || tas_selector_match_labels(ns_sel, ns_labels)) &&
	     (tas_selector_match_labels(obj_sel, labels_of(a->obj)) ||
	      (a->old && tas_selector_match_labels(obj_sel, labels_of(a->old))));
out:
	tas_selector_free(ns_sel);
	tas_selector_free(obj_sel);
	return rc;
}

/* m NULL, or without resourceRules (a binding's matchResources may leave
 * them out), matches everything its policy matches. 1, 0, or -ENOMEM. */
static int match_resources(const json_t *m, const struct attrs *a)
{
	const json_t *rules = json_object_get(m, "resourceRules");

	if (!m)
		return 1;
	if ((json_array_size(rules) && !any_rule(rules, a)) ||
	    any_rule(json_object_get(m, "excludeResourceRules"), a))
		return 0;
	return selectors_match(m, a);
}

static json_t *groups_of(const struct tas_user *u)
{
	json_t *g = json_array();

	for (size_t i = 0; g && i < u->n_groups; i++)
		if (json_array_append_new(g, json_string(u->groups[i]))) {
			json_decref(g);
			return NULL;
		}
	return g;
}

/* The admission.k8s.io/v1 AdmissionRequest a policy sees as `request`. */
static json_t *request_var(const struct tas_req *r, const struct attrs *a, const char *ns,
			   bool dry_run)
{
	const struct tas_user *u = r->user ? r->user : &tas_anonymous;
	json_t *kind = json_pack("{s:s, s:s, s:s}", "group", a->rt->group, "version",
				 a->rt->version, "kind", a->rt->kind);
	json_t *res = json_pack("{s:s, s:s, s:s}", "group", a->rt->group, "version",
				a->rt->version, "resource", a->rt->resource);
	json_t *groups = groups_of(u);
	json_t *req = NULL;
	char uid[37];

	if (!kind || !res || !groups || tas_uuid(uid))
		goto out;
	req = json_pack("{s:s, s:O, s:O, s:O, s:O, s:s, s:s, s:s, s:{s:s, s:s, s:O}, s:b}",
			"uid", uid, "kind", kind, "resource", res, "requestKind", kind,
			"requestResource", res, "name", a->name, "namespace", ns ? ns : "",
			"operation", a->op, "userInfo", "username", u->name ? u->name : "",
			"uid", u->uid ? u->uid : "", "groups", groups, "dryRun", dry_run);
	if (req && *a->sub && json_object_set_new(req, "subResource", json_string(a->sub))) {
		json_decref(req);
		req = NULL;
	}
out:
	json_decref(kind);
	json_decref(res);
	json_decref(groups);
	return req;
}

/* Evaluates src. 0 with *out; -EINVAL with "expression '...' resulted in
 * error: ..." in err, as kube words it; -ENOMEM. */
static int run(const char *src, const struct tas_cel_vars *vars, json_t **out, char *err,
	       size_t errlen)
{
	struct tas_cel *c = NULL;
	char why[512];
	int rc;

	*out = NULL;
	/* vars->params is set exactly when the policy has a paramKind (else
	 * writing the policy would have been refused) */
	rc = tas_cel_compile_env(src, vars->params ? TAS_CEL_PARAMS : 0, &c, why, sizeof(why));
	if (!rc)
		rc = tas_cel_eval(c, vars, out, why, sizeof(why));
	tas_cel_free(c);
	/* bounded parts, so the whole fits the callers' buffers */
	if (rc == -EINVAL)
		snprintf(err, errlen, "expression '%.200s' resulted in error: %.240s", src, why);
	return rc;
}

/* The message of a failed validation: its messageExpression when that gives
 * a non-empty single line, else message, else the expression (kube). */
static void failure_message(const json_t *v, const struct tas_cel_vars *vars, char *msg,
			    size_t len)
{
	const char *me = tas_jstr(v, "messageExpression");
	const char *m = tas_jstr(v, "message");
	json_t *out = NULL;
	char err[512];

	if (me && run(me, vars, &out, err, sizeof(err)) == 0 && json_is_string(out) &&
	    strspn(json_string_value(out), " \t") < json_string_length(out) &&
	    !strpbrk(json_string_value(out), "\r\n")) {
		snprintf(msg, len, "%s", json_string_value(out));
	} else if (m && *m) {
		snprintf(msg, len, "%s", m);
	} else {
		snprintf(msg, len, "failed expression: %s", tas_jstr(v, "expression") ?: "");
	}
	json_decref(out);
}

/* 0: the policy admits (or does not apply); 1: it fails, msg and *reason
 * set; -ENOMEM. */
static int run_policy(const json_t *spec, const struct tas_cel_vars *vars, char *msg,
		      size_t len, const char **reason)
{
	const json_t *conds = json_object_get(spec, "matchConditions");
	const json_t *vals = json_object_get(spec, "validations");
	bool ignore = strcmp(tas_jstr(spec, "failurePolicy") ?: "Fail", "Ignore") == 0;
	json_t *out = NULL;
	int rc;

	for (size_t i = 0; i < json_array_size(conds); i++) {
		rc = run(tas_jstr(json_array_get(conds, i), "expression") ?: "", vars, &out, msg,
			 len);
		if (!rc && !json_is_boolean(out)) {
			snprintf(msg, len, "matchCondition '%s' must evaluate to bool",
				 tas_jstr(json_array_get(conds, i), "name") ?: "");
			rc = -EINVAL;
		}
		if (rc == -ENOMEM)
			goto out;
		if (rc) {
			*reason = NULL;
			rc = ignore ? 0 : 1;
			goto out;
		}
		if (json_is_false(out))
			goto out;
		json_decref(out);
		out = NULL;
	}
	for (size_t i = 0; i < json_array_size(vals); i++) {
		const json_t *v = json_array_get(vals, i);
		const char *src = tas_jstr(v, "expression") ?: "";
		json_decref(out);
		rc = run(src, vars, &out, msg, len);
		if (!rc && !json_is_boolean(out)) {
			snprintf(msg, len, "expression '%s' resulted in error: no such overload: "
				 "validation must evaluate to bool", src);
			rc = -EINVAL;
		}
		if (rc == -ENOMEM)
			goto out;
		*reason = tas_jstr(v, "reason");
		if (rc) {
			if (ignore)
				continue;
			rc = 1;
			goto out;
		}
		if (json_is_false(out)) {
			failure_message(v, vars, msg, len);
			rc = 1;
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(out);
	return rc;
}

/* admission.NewForbidden's Status, with the reason and code the validation
 * names (Invalid, 422, by default) and the message as its one cause. */
static int deny(struct tas_resp *resp, const struct attrs *a, const char *msg,
		const char *reason)
{
	json_t *st = tas_status_forbidden(a->rt->group, a->rt->resource, a->name, msg);
	json_t *causes = json_pack("[{s:s}]", "message", msg);
	size_t i;

	reason = reason ? reason : "Invalid";
	for (i = 0; reasons[i] && strcmp(reasons[i], reason); i++)
		;
	if (!st || !causes || json_object_set_new(st, "reason", json_string(reason)) ||
	    json_object_set_new(st, "code", json_integer(reasons[i] ? reason_codes[i] : 422)) ||
	    json_object_set(json_object_get(st, "details"), "causes", causes)) {
		json_decref(st);
		json_decref(causes);
		return -ENOMEM;
	}
	json_decref(causes);
	tas_resp_set(resp, reasons[i] ? reason_codes[i] : 422, st);
	return 1;
}

static void warn(struct tas_resp *resp, const char *policy, const char *binding,
		 const char *msg)
{
	size_t off = strlen(resp->warning);
	int n;

	/* a warning too long for the header buffer is cut, not dropped */
	n = snprintf(resp->warning + off, sizeof(resp->warning) - off,
		     "%sValidation failed for ValidatingAdmissionPolicy '%s' with binding '%s': %s",
		     off ? "\n" : "", policy, binding, msg);
	(void)n;
}

/* The param a binding gives its policy (kube's generic.CollectParams, for
 * a paramRef by name). 0: *params is a new reference, or NULL when the
 * policy takes none; 2: no param and the binding allows that, so it does
 * not apply; 1: a configuration error in msg, for the failure policy;
 * -ENOMEM. */
static int binding_params(struct tas_server *s, const json_t *pspec, const json_t *bspec,
			  const char *req_ns, json_t **params, char *msg, size_t len)
{
	const json_t *pk = json_object_get(pspec, "paramKind");
	const json_t *ref = json_object_get(bspec, "paramRef");
	const char *av = tas_jstr(pk, "apiVersion") ?: "", *kind = tas_jstr(pk, "kind") ?: "";
	const char *slash = strchr(av, '/'), *ns = tas_jstr(ref, "namespace");
	char group[256];
	const struct tas_restype *rt;
	struct tas_bucket *b;
	const json_t *stored;

	*params = NULL;
	if (!pk)
		return 0;
	if (!ref) {
		snprintf(msg, len, "failed to configure binding: paramKind kind `%s, Kind=%s` is "
			 "defined but paramRef is nil", av, kind);
		return 1;
	}
	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
	rt = tas_registry_find_kind(&s->reg, group, slash ? slash + 1 : av, kind);
	if (!rt) {
		snprintf(msg, len, "failed to configure policy: failed to find resource referenced "
			 "by paramKind: '%s, Kind=%s'", av, kind);
		return 1;
	}
	if (rt->namespaced && (!ns || !*ns))
		ns = req_ns;
	if (rt->namespaced && (!ns || !*ns)) {
		snprintf(msg, len, "failed to configure binding: cannot use namespaced paramRef in "
			 "policy binding that matches cluster-scoped resources");
		return 1;
	}
	if (!rt->namespaced && ns && *ns) {
		snprintf(msg, len, "failed to configure binding: paramRef.namespace must not be "
			 "provided for a cluster-scoped `paramKind`");
		return 1;
	}
	b = tas_store_bucket(&s->store, rt->storage_group, rt->storage_resource);
	if (!b)
		return -ENOMEM;
	stored = tas_store_get(b, rt->namespaced ? ns : NULL, tas_jstr(ref, "name") ?: "");
	if (!stored) {
		if (strcmp(tas_jstr(ref, "parameterNotFoundAction") ?: "", "Deny"))
			return 2;
		snprintf(msg, len, "failed to configure binding: no params found for policy "
			 "binding with `Deny` parameterNotFoundAction");
		return 1;
	}
	*params = tas_obj_present(rt, stored);
	return *params ? 0 : -ENOMEM;
}

/* Runs the bindings matching a (op CREATE, UPDATE or DELETE; obj NULL on
 * DELETE, old NULL on CREATE) against their policies. */
static int admit(struct tas_server *s, const struct tas_req *r, struct attrs *a, bool dry_run,
		 struct tas_resp *resp)
{
	struct tas_bucket *bb = tas_store_bucket(&s->store, GROUP, tas_vap_bindings.resource);
	struct tas_bucket *pb = tas_store_bucket(&s->store, GROUP, tas_vap_policies.resource);
	struct tas_bucket *nsb = tas_store_bucket(&s->store, "", "namespaces");
	const json_t *any = a->obj ? a->obj : a->old;
	const char *ns = a->rt->namespaced ? tas_meta(any, "namespace") : NULL;
	struct tas_cel_vars vars = {.object = a->obj, .old_object = a->old};
	json_t *request = NULL, *params = NULL;
	char msg[2048];
	int rc = -ENOMEM;

	if (!bb || !pb || !nsb)
		goto out;
	a->ns_obj = ns ? tas_store_get(nsb, NULL, ns) : NULL;
	vars.namespace_object = a->ns_obj;
	rc = 0;
	for (size_t i = 0; i < bb->n && rc == 0; i++) {
		const json_t *bspec = json_object_get(bb->items[i].obj, "spec");
		const char *bname = tas_meta(bb->items[i].obj, "name") ?: "";
		const char *pname = tas_jstr(bspec, "policyName") ?: "";
		const json_t *policy = tas_store_get(pb, NULL, pname);
		const json_t *pspec = json_object_get(policy, "spec");
		const json_t *acts = json_object_get(bspec, "validationActions");
		bool ignore = strcmp(tas_jstr(pspec, "failurePolicy") ?: "Fail", "Ignore") == 0;
		const char *reason = NULL;
		/* kube evaluates bindings only for policies that exist */
		if (!policy)
			continue;
		rc = match_resources(json_object_get(pspec, "matchConstraints"), a);
		if (rc == 1)
			rc = match_resources(json_object_get(bspec, "matchResources"), a);
		if (rc <= 0) /* not matched, or -ENOMEM, which ends the loop */
			continue;
		rc = 0;
		if (!request) {
			request = request_var(r, a, ns, dry_run);
			if (!request) {
				rc = -ENOMEM;
				goto out;
			}
			vars.request = request;
		}
		json_decref(params);
		rc = binding_params(s, pspec, bspec, ns, &params, msg, sizeof(msg));
		vars.params = params;
		if (rc < 0)
			goto out;
		if (rc == 2 || (rc == 1 && ignore)) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = run_policy(pspec, &vars, msg, sizeof(msg), &reason);
		if (rc <= 0)
			continue;
		rc = 0;
		if (listed_exactly(acts, "Warn"))
			warn(resp, pname, bname, msg);
		if (listed_exactly(acts, "Deny")) {
			char full[sizeof(msg) + 700]; /* two names of <= 253 */
			snprintf(full, sizeof(full),
				 "ValidatingAdmissionPolicy '%s' with binding '%s' denied request: %s",
				 pname, bname, msg);
			rc = deny(resp, a, full, reason);
		}
	}
out:
	json_decref(params);
	json_decref(request);
	return rc;
}

int tas_admit_vap(struct tas_server *s, const struct tas_req *r, const struct tas_restype *rt,
		  const char *subresource, const json_t *obj, const json_t *old, bool dry_run,
		  struct tas_resp *resp)
{
	struct attrs a = {.rt = rt, .sub = subresource, .op = old ? "UPDATE" : "CREATE",
			  .name = tas_meta(obj, "name") ?: "", .obj = obj, .old = old};

	return admit(s, r, &a, dry_run, resp);
}

int tas_admit_vap_delete(struct tas_server *s, const struct tas_req *r,
			 const struct tas_restype *rt, const json_t *old, bool dry_run,
			 struct tas_resp *resp)
{
	struct attrs a = {.rt = rt, .sub = "", .op = "DELETE", .name = tas_meta(old, "name") ?: "",
			  .old = old};

	return admit(s, r, &a, dry_run, resp);
}

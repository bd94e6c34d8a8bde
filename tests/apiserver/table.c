#include "tas_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tas_objects.h"
#include "tas_util.h"

static const char name_desc[] =
	"Name must be unique within a namespace. Is required when creating resources, "
	"although some resources may allow a client to request the generation of an "
	"appropriate name automatically. Name is primarily intended for creation "
	"idempotence and configuration definition. Cannot be updated. More info: "
	"https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
static const char age_desc[] =
	"CreationTimestamp is a timestamp representing the server time when this object was "
	"created. It is not guaranteed to be set in happens-before order across separate "
	"operations. Clients may not set this value. It is represented in RFC3339 form and is "
	"in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
	"https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

void tas_human_age(long long secs, char *buf, size_t len)
{
	long long m, h;

	if (secs < -1) {
		snprintf(buf, len, "<invalid>");
		return;
	}
	if (secs < 0)
		secs = 0;
	if (secs < 120) {
		snprintf(buf, len, "%llds", secs);
		return;
	}
	m = secs / 60;
	if (m < 10) {
		if (secs % 60)
			snprintf(buf, len, "%lldm%llds", m, secs % 60);
		else
			snprintf(buf, len, "%lldm", m);
		return;
	}
	if (m < 180) {
		snprintf(buf, len, "%lldm", m);
		return;
	}
	h = secs / 3600;
	if (h < 8) {
		if (m % 60)
			snprintf(buf, len, "%lldh%lldm", h, m % 60);
		else
			snprintf(buf, len, "%lldh", h);
	} else if (h < 48) {
		snprintf(buf, len, "%lldh", h);
	} else if (h < 24 * 8) {
		if (h % 24)
			snprintf(buf, len, "%lldd%lldh", h / 24, h % 24);
		else
			snprintf(buf, len, "%lldd", h / 24);
	} else if (h < 24 * 365 * 2) {
		snprintf(buf, len, "%lldd", h / 24);
	} else if (h < 24 * 365 * 8) {
		long long dy = (h / 24) % 365;
		if (dy)
			snprintf(buf, len, "%lldy%lldd", h / 24 / 365, dy);
		else
			snprintf(buf, len, "%lldy", h / 24 / 365);
	} else {
		snprintf(buf, len, "%lldy", h / 24 / 365);
	}
}

static json_t *age_of(const char *ts)
{
	char buf[32];
	time_t t;

	if (!ts || tas_time_parse(ts, &t))
		return json_string("<unknown>");
	tas_human_age((long long)(time(NULL) - t), buf, sizeof(buf));
	return json_string(buf);
}

/* --- JSONPath subset ------------------------------------------------------ */

static const json_t *filter_match(const json_t *arr, const char *expr, size_t n)
{
	/* ?(@.key=="value") or ?(@.key=='value') */
	char key[128], val[256];
	const char *p = expr, *end = expr + n;
	size_t i, k = 0, v = 0;
	char q;

	if (n < 8 || strncmp(p, "?(@.", 4) || end[-1] != ')')
		return NULL;
	p += 4;
	while (p < end && *p != '=' && k + 1 < sizeof(key))
		key[k++] = *p++;
	key[k] = '\0';
	if (end - p < 4 || p[0] != '=' || p[1] != '=')
		return NULL;
	p += 2;
	q = *p++;
	if (q != '"' && q != '\'')
		return NULL;
	while (p < end && *p != q && v + 1 < sizeof(val))
		val[v++] = *p++;
	val[v] = '\0';
	for (i = 0; i < json_array_size(arr); i++) {
		const char *got = tas_jpath_str(json_array_get(arr, i), key);
		if (got && strcmp(got, val) == 0)
			return json_array_get(arr, i);
	}
	return NULL;
}

const json_t *tas_jsonpath(const json_t *obj, const char *path)
{
	const json_t *cur = obj;
	const char *p = path;

	if (*p == '{') {
		size_t n = strlen(p);
		if (n < 2 || p[n - 1] != '}')
			return NULL;
		/* "{.a.b}": the braces add nothing for a single expression */
		char inner[512];
		snprintf(inner, sizeof(inner), "%.*s", (int)(n - 2), p + 1);
		return tas_jsonpath(obj, inner);
	}
	while (cur && *p) {
		char key[256];
		size_t k = 0;
		if (*p == '.')
			p++;
		while (*p && *p != '.' && *p != '[' && k + 1 < sizeof(key))
			key[k++] = *p++;
		key[k] = '\0';
		if (k)
			cur = json_object_get(cur, key);
		while (cur && *p == '[') {
			const char *close = strchr(p, ']');
			char *endp;
			long idx;
			if (!close)
				return NULL;
			if (p[1] == '?') {
				cur = filter_match(cur, p + 1, (size_t)(close - p - 1));
			} else {
				idx = strtol(p + 1, &endp, 10);
				if (endp != close)
					return NULL;
				if (idx < 0)
					idx += (long)json_array_size(cur);
				cur = idx >= 0 ? json_array_get(cur, (size_t)idx) : NULL;
			}
			p = close + 1;
		}
	}
	return cur;
}

/* --- cells ----------------------------------------------------------------- */

static json_t *cell_string(const json_t *v)
{
	char *s;
	json_t *out;

	if (!v || json_is_null(v))
		return json_null();
	if (json_is_string(v))
		return json_string(json_string_value(v));
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	out = s ? json_string(s) : NULL;
	free(s);
	return out;
}

/* cellForJSONValue */
static json_t *cell_typed(const char *type, const json_t *v)
{
	if (!v || json_is_null(v))
		return json_null();
	if (strcmp(type, "integer") == 0 && json_is_number(v))
		return json_integer((json_int_t)json_number_value(v));
	if (strcmp(type, "number") == 0 && json_is_number(v))
		return json_real(json_number_value(v));
	if (strcmp(type, "boolean") == 0 && json_is_boolean(v))
		return json_boolean(json_is_true(v));
	if (strcmp(type, "date") == 0 && json_is_string(v)) {
		time_t t;
		char buf[32];
		if (tas_time_parse(json_string_value(v), &t))
			return json_string("<invalid>");
		tas_human_age((long long)(time(NULL) - t), buf, sizeof(buf));
		return json_string(buf);
	}
	if (strcmp(type, "string") == 0)
		return cell_string(v);
	return json_null();
}

static json_t *coldef(const char *name, const char *type, const char *format,
		      const char *desc, int priority)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", name, "type", type, "format",
			 format ?: "", "description", desc ?: "", "priority", priority);
}

/* --- built-in printers ------------------------------------------------------ */

struct printer {
	const char *resource;
	json_t *(*columns)(void);
	json_t *(*cells)(const json_t *obj);
};

static json_t *name_cell(const json_t *o)
{
	return json_string(tas_meta(o, "name") ?: "");
}

static json_t *age_cell(const json_t *o)
{
	return age_of(tas_meta(o, "creationTimestamp"));
}

static json_t *pod_columns(void)
{
	return json_pack("[o,o,o,o,o,o,o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0),
			 coldef("Status", "string", "", "The aggregate status of the containers in this pod.", 0),
			 coldef("Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0),
			 coldef("Age", "string", "", age_desc, 0),
			 coldef("IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
			 coldef("Node", "string", "", "NodeName is a request to schedule this pod onto a specific node.", 1),
			 coldef("Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
			 coldef("Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness.", 1));
}

static json_t *pod_cells(const json_t *o)
{
	const json_t *cs = tas_jpath(o, "status.containerStatuses");
	size_t total = json_array_size(tas_jpath(o, "spec.containers")), ready = 0, i;
	long long restarts = 0;
	const char *reason = tas_jpath_str(o, "status.reason") ?: tas_jpath_str(o, "status.phase");
	char r[32], rs[32];

	for (i = 0; i < json_array_size(cs); i++) {
		const json_t *c = json_array_get(cs, i);
		const char *w = tas_jpath_str(c, "state.waiting.reason");
		const char *t = tas_jpath_str(c, "state.terminated.reason");
		if (json_is_true(json_object_get(c, "ready")))
			ready++;
		restarts += json_integer_value(json_object_get(c, "restartCount"));
		if (w && *w)
			reason = w;
		else if (t && *t)
			reason = t;
	}
	if (tas_obj_deleting(o))
		reason = "Terminating";
	snprintf(r, sizeof(r), "%zu/%zu", ready, total);
	snprintf(rs, sizeof(rs), "%lld", restarts);
	return json_pack("[o,s,s,s,o,s,s,s,s]", name_cell(o), r, reason ?: "", rs, age_cell(o),
			 tas_jpath_str(o, "status.podIP") ?: "<none>",
			 tas_jpath_str(o, "spec.nodeName") ?: "<none>",
			 tas_jpath_str(o, "status.nominatedNodeName") ?: "<none>", "<none>");
}

static bool has_condition(const json_t *o, const char *type)
{
	const json_t *cs = tas_jpath(o, "status.conditions");
	size_t i;

	for (i = 0; i < json_array_size(cs); i++)
		if (strcmp(tas_jstr(json_array_get(cs, i), "type") ?: "", type) == 0 &&
		    strcmp(tas_jstr(json_array_get(cs, i), "status") ?: "", "True") == 0)
			return true;
	return false;
}

static json_t *job_columns(void)
{
	return json_pack("[o,o,o,o,o,o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Status", "string", "", "Status of the job.", 0),
			 coldef("Completions", "string", "", "The completion status of the job.", 0),
			 coldef("Duration", "string", "", "Time required to complete the job.", 0),
			 coldef("Age", "string", "", age_desc, 0),
			 coldef("Containers", "string", "", "Names of each container in the template.", 1),
			 coldef("Images", "string", "", "Images referenced by each container in the template.", 1),
			 coldef("Selector", "string", "", "Query over pods that should match the job count.", 1));
}

static json_t *job_cells(const json_t *o)
{
	const char *status = "Running";
	char comp[64], dur[32] = "";
	const char *start = tas_jpath_str(o, "status.startTime");
	const char *end = tas_jpath_str(o, "status.completionTime");
	const json_t *cs = tas_jpath(o, "spec.template.spec.containers");
	char names[512] = "", images[1024] = "";
	size_t i, no = 0, io = 0;
	time_t ts, te;

	if (has_condition(o, "Complete"))
		status = "Complete";
	else if (has_condition(o, "Failed"))
		status = "Failed";
	else if (tas_obj_deleting(o))
		status = "Terminating";
	else if (has_condition(o, "FailureTarget"))
		status = "FailureTarget";
	else if (has_condition(o, "SuccessCriteriaMet"))
		status = "SuccessCriteriaMet";
	else if (json_is_true(tas_jpath(o, "spec.suspend")))
		status = "Suspended";
	snprintf(comp, sizeof(comp), "%lld/%lld",
		 (long long)json_integer_value(tas_jpath(o, "status.succeeded")),
		 (long long)json_integer_value(tas_jpath(o, "spec.completions")));
	if (start && !tas_time_parse(start, &ts)) {
		if (!end || tas_time_parse(end, &te))
			te = time(NULL);
		tas_human_age((long long)(te - ts), dur, sizeof(dur));
	}
	for (i = 0; i < json_array_size(cs); i++) {
		const json_t *c = json_array_get(cs, i);
		no += (size_t)snprintf(names + no, no < sizeof(names) ? sizeof(names) - no : 0,
				       "%s%s", i ? "," : "", tas_jstr(c, "name") ?: "");
		io += (size_t)snprintf(images + io, io < sizeof(images) ? sizeof(images) - io : 0,
				       "%s%s", i ? "," : "", tas_jstr(c, "image") ?: "");
	}
	return json_pack("[o,s,s,s,o,s,s,s]", name_cell(o), status, comp, dur, age_cell(o),
			 names, images, "");
}

static json_t *ns_columns(void)
{
	return json_pack("[o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Status", "string", "", "The status of the namespace", 0),
			 coldef("Age", "string", "", age_desc, 0));
}

static json_t *ns_cells(const json_t *o)
{
	return json_pack("[o,s,o]", name_cell(o), tas_jpath_str(o, "status.phase") ?: "",
			 age_cell(o));
}

static json_t *secret_columns(void)
{
	return json_pack("[o,o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Type", "string", "", "The type of the secret", 0),
			 coldef("Data", "integer", "", "The number of entries in the secret", 0),
			 coldef("Age", "string", "", age_desc, 0));
}

static json_t *secret_cells(const json_t *o)
{
	return json_pack("[o,s,I,o]", name_cell(o), tas_jstr(o, "type") ?: "",
			 (json_int_t)json_object_size(json_object_get(o, "data")), age_cell(o));
}

static json_t *cm_columns(void)
{
	return json_pack("[o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Data", "integer", "", "The number of entries in the configmap", 0),
			 coldef("Age", "string", "", age_desc, 0));
}

static json_t *cm_cells(const json_t *o)
{
	return json_pack("[o,I,o]", name_cell(o),
			 (json_int_t)(json_object_size(json_object_get(o, "data")) +
				      json_object_size(json_object_get(o, "binaryData"))),
			 age_cell(o));
}

static json_t *sa_columns(void)
{
	return json_pack("[o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Secrets", "integer", "", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", 0),
			 coldef("Age", "string", "", age_desc, 0));
}

static json_t *sa_cells(const json_t *o)
{
	return json_pack("[o,I,o]", name_cell(o),
			 (json_int_t)json_array_size(json_object_get(o, "secrets")), age_cell(o));
}

static json_t *event_columns(void)
{
	return json_pack("[o,o,o,o,o]", coldef("Last Seen", "string", "", "", 0),
			 coldef("Type", "string", "", "", 0), coldef("Reason", "string", "", "", 0),
			 coldef("Object", "string", "", "", 0), coldef("Message", "string", "", "", 0));
}

static json_t *event_cells(const json_t *o)
{
	const char *last = tas_jstr(o, "lastTimestamp") ?: tas_jstr(o, "eventTime");
	char obj[600];

	snprintf(obj, sizeof(obj), "%s/%s",
		 tas_jpath_str(o, "involvedObject.kind") ?: "",
		 tas_jpath_str(o, "involvedObject.name") ?: "");
	for (char *p = obj; *p && *p != '/'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return json_pack("[o,s,s,s,s]", age_of(last), tas_jstr(o, "type") ?: "",
			 tas_jstr(o, "reason") ?: "", obj, tas_jstr(o, "message") ?: "");
}

static json_t *lease_columns(void)
{
	return json_pack("[o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Holder", "string", "", "The holder of the lease.", 0),
			 coldef("Age", "string", "", age_desc, 0));
}

static json_t *lease_cells(const json_t *o)
{
	return json_pack("[o,s,o]", name_cell(o),
			 tas_jpath_str(o, "spec.holderIdentity") ?: "", age_cell(o));
}

static json_t *created_at_columns(void)
{
	return json_pack("[o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Created At", "date", "", age_desc, 0));
}

static json_t *created_at_cells(const json_t *o)
{
	return json_pack("[o,s]", name_cell(o), tas_meta(o, "creationTimestamp") ?: "");
}

static json_t *binding_columns(void)
{
	return json_pack("[o,o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Role", "string", "", "Role", 0),
			 coldef("Age", "string", "", age_desc, 0));
}

static json_t *binding_cells(const json_t *o)
{
	char role[600];

	snprintf(role, sizeof(role), "%s/%s", tas_jpath_str(o, "roleRef.kind") ?: "",
		 tas_jpath_str(o, "roleRef.name") ?: "");
	return json_pack("[o,s,o]", name_cell(o), role, age_cell(o));
}

static json_t *default_columns(void)
{
	return json_pack("[o,o]", coldef("Name", "string", "name", name_desc, 0),
			 coldef("Created At", "date", "", age_desc, 0));
}

static const struct printer printers[] = {
	{"pods", pod_columns, pod_cells},
	{"jobs", job_columns, job_cells},
	{"namespaces", ns_columns, ns_cells},
	{"secrets", secret_columns, secret_cells},
	{"configmaps", cm_columns, cm_cells},
	{"serviceaccounts", sa_columns, sa_cells},
	{"events", event_columns, event_cells},
	{"leases", lease_columns, lease_cells},
	{"roles", created_at_columns, created_at_cells},
	{"clusterroles", created_at_columns, created_at_cells},
	{"rolebindings", binding_columns, binding_cells},
	{"clusterrolebindings", binding_columns, binding_cells},
	{"customresourcedefinitions", created_at_columns, created_at_cells},
};

/* --- custom resources ----------------------------------------------------- */

static const json_t *printer_columns(const struct tas_restype *rt)
{
	return json_object_get(tas_restype_crd_version(rt), "additionalPrinterColumns");
}

static json_t *custom_columns(const struct tas_restype *rt)
{
	const json_t *cols = printer_columns(rt);
	json_t *out = json_pack("[o]", coldef("Name", "string", "name", name_desc, 0));
	size_t i;

	if (!out)
		return NULL;
	if (!json_array_size(cols)) {
		if (json_array_append_new(out, coldef("Age", "date", "", age_desc, 0))) {
			json_decref(out);
			return NULL;
		}
		return out;
	}
	for (i = 0; i < json_array_size(cols); i++) {
		const json_t *c = json_array_get(cols, i);
		if (json_array_append_new(out, coldef(tas_jstr(c, "name") ?: "",
						       tas_jstr(c, "type") ?: "string",
						       tas_jstr(c, "format"),
						       tas_jstr(c, "description"),
						       (int)json_integer_value(json_object_get(c, "priority"))))) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *custom_cells(const struct tas_restype *rt, const json_t *o)
{
	const json_t *cols = printer_columns(rt);
	json_t *out = json_pack("[o]", name_cell(o));
	size_t i;

	if (!out)
		return NULL;
	if (!json_array_size(cols)) {
		if (json_array_append_new(out, cell_typed("date", tas_jpath(o, "metadata.creationTimestamp")))) {
			json_decref(out);
			return NULL;
		}
		return out;
	}
	for (i = 0; i < json_array_size(cols); i++) {
		const json_t *c = json_array_get(cols, i);
		const json_t *v = tas_jsonpath(o, tas_jstr(c, "jsonPath") ?: "");
		if (json_array_append_new(out, cell_typed(tas_jstr(c, "type") ?: "string", v))) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* --- tables ------------------------------------------------------------------ */

json_t *tas_partial(const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");

	return json_pack("{s:s, s:s, s:o}", "kind", "PartialObjectMetadata", "apiVersion",
			 "meta.k8s.io/v1", "metadata",
			 meta ? json_deep_copy(meta) : json_object());
}

static const struct printer *printer_for(const struct tas_restype *rt)
{
	size_t i;

	if (rt->flags & TAS_RT_CUSTOM)
		return NULL;
	for (i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (strcmp(printers[i].resource, rt->resource) == 0)
			return &printers[i];
	return NULL;
}

json_t *tas_table(const struct tas_restype *rt, const json_t *const *objs, size_t n,
		  bool headers, enum tas_include inc, const json_t *list_meta)
{
	const struct printer *p = printer_for(rt);
	json_t *t = NULL, *rows = json_array();
	size_t i;

	if (!rows)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *shown = tas_obj_present(rt, objs[i]);
		json_t *cells = !shown ? NULL
			      : (rt->flags & TAS_RT_CUSTOM) ? custom_cells(rt, shown)
			      : p ? p->cells(shown)
				  : json_pack("[o,s]", name_cell(shown),
					      tas_meta(shown, "creationTimestamp") ?: "");
		json_t *row = cells ? json_pack("{s:o}", "cells", cells) : NULL;
		json_t *ob = NULL;
		if (row && inc == TAS_INCLUDE_METADATA)
			ob = tas_partial(shown);
		else if (row && inc == TAS_INCLUDE_OBJECT)
			ob = json_incref(shown);
		json_decref(shown);
		if (!row || (inc != TAS_INCLUDE_NONE && (!ob || json_object_set_new(row, "object", ob))) ||
		    json_array_append_new(rows, row))
			goto fail;
	}
	t = json_pack("{s:s, s:s, s:o}", "kind", "Table", "apiVersion", "meta.k8s.io/v1",
		      "metadata", list_meta ? json_deep_copy(list_meta) : json_object());
	if (!t)
		goto fail;
	if (headers) {
		json_t *cols = (rt->flags & TAS_RT_CUSTOM) ? custom_columns(rt)
			       : p ? p->columns() : default_columns();
		if (!cols || json_object_set_new(t, "columnDefinitions", cols))
			goto fail;
	}
	if (json_object_set_new(t, "rows", rows)) {
		rows = NULL;
		goto fail;
	}
	return t;
fail:
	json_decref(rows);
	json_decref(t);
	return NULL;
}

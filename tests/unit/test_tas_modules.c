/* Table-driven tests of the test API server's pure modules: request
 * attributes, JSON patch, JSONPath and ages for printing, the protobuf
 * request decoder, manifest YAML, version order and the store's
 * snapshots and event window. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "tas_discovery.h"
#include "tas_jsonpatch.h"
#include "tas_manifest.h"
#include "tas_protobuf.h"
#include "tas_reqinfo.h"
#include "tas_store.h"
#include "tas_table.h"
#include "tas_json.h"

/* --- request attributes ---------------------------------------------------- */

struct ri_case {
	const char *method, *path;
	bool watch;
	const char *selected;
	const char *verb, *group, *version, *ns, *resource, *sub, *name;
	bool resource_request;
};

static const struct ri_case ri_cases[] = {
	{"GET", "/api/v1/namespaces/a/pods", false, NULL, "list", "", "v1", "a", "pods", "", "", true},
	{"GET", "/api/v1/namespaces/a/pods/p", false, NULL, "get", "", "v1", "a", "pods", "", "p", true},
	{"GET", "/api/v1/namespaces/a/pods", true, NULL, "watch", "", "v1", "a", "pods", "", "", true},
	{"GET", "/api/v1/watch/namespaces/a/pods", false, NULL, "watch", "", "v1", "a", "pods", "", "", true},
	{"GET", "/api/v1/namespaces/a/pods", false, "p", "list", "", "v1", "a", "pods", "", "p", true},
	{"DELETE", "/api/v1/namespaces/a/pods", false, NULL, "deletecollection", "", "v1", "a", "pods", "", "", true},
	{"PATCH", "/apis/batch/v1/namespaces/a/jobs/j/status", false, NULL, "patch", "batch", "v1", "a", "jobs", "status", "j", true},
	{"POST", "/apis/batch/v1/namespaces/a/jobs", false, NULL, "create", "batch", "v1", "a", "jobs", "", "", true},
	{"PUT", "/api/v1/namespaces/n", false, NULL, "update", "", "v1", "n", "namespaces", "", "n", true},
	{"PUT", "/api/v1/namespaces/n/finalize", false, NULL, "update", "", "v1", "n", "namespaces", "finalize", "n", true},
	{"GET", "/api/v1/namespaces", false, NULL, "list", "", "v1", "", "namespaces", "", "", true},
	{"GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/x", false, NULL, "get", "rbac.authorization.k8s.io", "v1", "", "clusterroles", "", "x", true},
	{"GET", "/apis", false, NULL, "get", "", NULL, "", "", "", "", false},
	{"GET", "/apis/batch/v1", false, NULL, "get", "batch", "v1", "", "", "", "", false},
	{"GET", "/version", false, NULL, "get", "", NULL, "", "", "", "", false},
	{"POST", "/mgo-test/faults", false, NULL, "post", "", NULL, "", "", "", "", false},
};

/* Criterion re-executes the binary per parameterized case, so tables with
 * pointers are walked in one test instead. */
Test(reqinfo, table)
{
	size_t i;

	for (i = 0; i < sizeof(ri_cases) / sizeof(ri_cases[0]); i++) {
		const struct ri_case *c = &ri_cases[i];
		struct tas_reqinfo ri;

		cr_assert_eq(tas_reqinfo_parse(&ri, c->method, c->path, c->watch, c->selected), 0);
		cr_assert_str_eq(ri.verb, c->verb, "%s %s", c->method, c->path);
		cr_assert_eq(ri.resource_request, c->resource_request, "%s", c->path);
		cr_assert_str_eq(ri.group, c->group, "%s", c->path);
		if (c->version)
			cr_assert_str_eq(ri.version, c->version, "%s", c->path);
		cr_assert_str_eq(ri.ns, c->ns, "%s", c->path);
		cr_assert_str_eq(ri.resource, c->resource, "%s", c->path);
		cr_assert_str_eq(ri.subresource, c->sub, "%s", c->path);
		cr_assert_str_eq(ri.name, c->name, "%s", c->path);
	}
}

/* --- JSON patch ------------------------------------------------------------------ */

struct jp_case {
	const char *doc, *patch, *want; /* want NULL: fails */
	int bad_request;
};

static const struct jp_case jp_cases[] = {
	{"{'a':1}", "[{'op':'add','path':'/b','value':2}]", "{'a':1,'b':2}", 0},
	{"{'a':[1,2]}", "[{'op':'add','path':'/a/1','value':9}]", "{'a':[1,9,2]}", 0},
	{"{'a':[1,2]}", "[{'op':'add','path':'/a/-','value':3}]", "{'a':[1,2,3]}", 0},
	{"{'a':1,'b':2}", "[{'op':'remove','path':'/a'}]", "{'b':2}", 0},
	{"{'a':1}", "[{'op':'replace','path':'/a','value':5}]", "{'a':5}", 0},
	{"{'a':{'b':1}}", "[{'op':'move','from':'/a/b','path':'/c'}]", "{'a':{},'c':1}", 0},
	{"{'a':{'b':1}}", "[{'op':'copy','from':'/a','path':'/c'}]", "{'a':{'b':1},'c':{'b':1}}", 0},
	{"{'a/b':1,'m~n':2}", "[{'op':'remove','path':'/a~1b'},{'op':'remove','path':'/m~0n'}]", "{}", 0},
	{"{'a':1}", "[{'op':'test','path':'/a','value':1}]", "{'a':1}", 0},
	{"{'a':1}", "[{'op':'test','path':'/a','value':2}]", NULL, 0},
	{"{'a':1}", "[{'op':'remove','path':'/x'}]", NULL, 0},
	{"{'a':1}", "[{'op':'replace','path':'/x','value':1}]", NULL, 0},
	{"{'a':[]}", "[{'op':'add','path':'/a/5','value':1}]", NULL, 0},
	{"{'a':1}", "[{'op':'frob','path':'/a'}]", NULL, 1},
	{"{'a':1}", "[{'op':'add','path':'/a'}]", NULL, 1},
	{"{'a':1}", "{'op':'add'}", NULL, 1},
	{"{'a':1}", "[{'op':'add','path':'a','value':1}]", NULL, 0},
	{"{'a':1}", "[{'op':'remove','path':'/a~2'}]", NULL, 0},
};

Test(jsonpatch, table)
{
	size_t i;

	for (i = 0; i < sizeof(jp_cases) / sizeof(jp_cases[0]); i++) {
		const struct jp_case *c = &jp_cases[i];
		json_t *doc = J(c->doc), *patch = J(c->patch), *out;
		char err[256] = "";
		int bad;

		out = tas_json_patch(doc, patch, err, sizeof(err), &bad);
		if (c->want) {
			json_t *want = J(c->want);
			cr_assert_not_null(out, "%s on %s: %s", c->patch, c->doc, err);
			cr_assert(json_equal(out, want), "%s on %s", c->patch, c->doc);
			json_decref(want);
		} else {
			cr_assert_null(out, "%s on %s should fail", c->patch, c->doc);
			cr_assert_eq(bad, c->bad_request, "%s: %s", c->patch, err);
			cr_assert(err[0], "%s: no message", c->patch);
		}
		json_decref(out);
		json_decref(doc);
		json_decref(patch);
	}
}

/* --- printing ----------------------------------------------------------------------- */

Test(table, jsonpath_subset)
{
	json_t *o = J("{'spec':{'image':'i','list':[{'n':1},{'n':2}]},"
		      "'status':{'conditions':[{'type':'A','reason':'x'},{'type':'Failed','reason':'Bad'}]}}");

	cr_assert_str_eq(json_string_value(tas_jsonpath(o, ".spec.image")), "i");
	cr_assert_str_eq(json_string_value(tas_jsonpath(o, "{.spec.image}")), "i");
	cr_assert_eq(json_integer_value(tas_jsonpath(o, ".spec.list[1].n")), 2);
	cr_assert_eq(json_integer_value(tas_jsonpath(o, ".spec.list[-1].n")), 2);
	cr_assert_str_eq(json_string_value(tas_jsonpath(
				 o, ".status.conditions[?(@.type==\"Failed\")].reason")), "Bad");
	cr_assert_str_eq(json_string_value(tas_jsonpath(
				 o, ".status.conditions[?(@.type=='A')].reason")), "x");
	cr_assert_null(tas_jsonpath(o, ".status.conditions[?(@.type==\"None\")].reason"));
	cr_assert_null(tas_jsonpath(o, ".spec.missing.deeper"));
	cr_assert_null(tas_jsonpath(o, ".spec.list[9].n"));
	cr_assert_null(tas_jsonpath(o, ".spec.list[x].n"));
	json_decref(o);
}

Test(table, human_ages_as_kubectl_prints_them)
{
	static const struct {
		long long s;
		const char *want;
	} t[] = {
		{-5, "<invalid>"}, {-1, "0s"}, {0, "0s"}, {119, "119s"}, {120, "2m"},
		{125, "2m5s"}, {600, "10m"}, {10799, "179m"}, {10800, "3h"}, {11100, "3h5m"},
		{8 * 3600, "8h"}, {47 * 3600, "47h"}, {49 * 3600, "2d1h"}, {8 * 86400, "8d"},
		{800 * 86400LL, "2y70d"}, {9 * 365 * 86400LL, "9y"},
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tas_human_age(t[i].s, buf, sizeof(buf));
		cr_assert_str_eq(buf, t[i].want, "%lld s", t[i].s);
	}
}

Test(discovery, kube_version_order)
{
	static const char *const sorted[] = {"v2", "v1", "v11beta2", "v10beta3", "v3beta1",
					     "v12alpha1", "v11alpha2", "foo1", "foo10"};
	size_t i, k;

	for (i = 0; i < 9; i++)
		for (k = 0; k < 9; k++)
			cr_assert_eq(tas_version_cmp(sorted[i], sorted[k]) < 0, i < k, "%s vs %s",
				     sorted[i], sorted[k]);
}

/* --- protobuf request bodies ---------------------------------------------------------- */

/* A SelfSubjectAccessReview as kubectl auth can-i encodes it. */
static const unsigned char ssar_pb[] = {
	'k', '8', 's', 0,
	0x0a, 0x32, /* typeMeta */
	0x0a, 0x17, 'a', 'u', 't', 'h', 'o', 'r', 'i', 'z', 'a', 't', 'i', 'o', 'n', '.', 'k', '8',
	's', '.', 'i', 'o', '/', 'v', '1',
	0x12, 0x17, 'S', 'e', 'l', 'f', 'S', 'u', 'b', 'j', 'e', 'c', 't', 'A', 'c', 'c', 'e', 's',
	's', 'R', 'e', 'v', 'i', 'e', 'w',
	0x12, 0x1e, /* raw */
	0x0a, 0x00, /* metadata */
	0x12, 0x1a, /* spec */
	0x0a, 0x18, /* resourceAttributes */
	0x0a, 0x02, 'n', 's', /* namespace */
	0x12, 0x06, 'c', 'r', 'e', 'a', 't', 'e', /* verb */
	0x1a, 0x05, 'b', 'a', 't', 'c', 'h', /* group */
	0x2a, 0x03, 'j', 'o', 'b', /* resource (truncated name on purpose: "job") */
	0x1a, 0x00, /* contentEncoding */
	0x22, 0x00, /* contentType */
};

Test(protobuf, self_subject_access_review)
{
	char err[256];
	int unsupported;
	json_t *o = tas_protobuf_decode(ssar_pb, sizeof(ssar_pb), err, sizeof(err), &unsupported);
	json_t *want = J("{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectAccessReview',"
			 "'metadata':{},'spec':{'resourceAttributes':{'namespace':'ns','verb':"
			 "'create','group':'batch','resource':'job'}}}");

	cr_assert_not_null(o, "%s", err);
	cr_assert(json_equal(o, want), "%s", json_dumps(o, 0));
	json_decref(o);
	json_decref(want);
}

Test(protobuf, malformed_and_unsupported_bodies)
{
	unsigned char buf[sizeof(ssar_pb)];
	size_t n;
	char err[256];
	int unsupported;

	cr_assert_null(tas_protobuf_decode((const unsigned char *)"{}", 2, err, sizeof(err), &unsupported));
	cr_assert_eq(unsupported, 0);
	/* every truncation is refused or decodes within bounds, never overreads */
	for (n = 4; n < sizeof(ssar_pb); n++) {
		json_t *o = tas_protobuf_decode(ssar_pb, n, err, sizeof(err), &unsupported);
		json_decref(o);
	}
	/* a length that runs past the end */
	memcpy(buf, ssar_pb, sizeof(buf));
	buf[5] = 0x7f;
	cr_assert_null(tas_protobuf_decode(buf, sizeof(buf), err, sizeof(err), &unsupported));
	cr_assert_eq(unsupported, 0);
	/* a kind we do not decode is a 415, not a 400 */
	memcpy(buf, ssar_pb, sizeof(buf));
	buf[33] = 'X';
	cr_assert_null(tas_protobuf_decode(buf, sizeof(buf), err, sizeof(err), &unsupported));
	cr_assert_eq(unsupported, 1, "%s", err);
}

/* --- manifests ------------------------------------------------------------------------ */

Test(manifest, documents_and_yaml_1_1_scalars)
{
	const char *text = "a: 1\nb: yes\nc: 'yes'\nd: ~\ne: 1.5\nf: 0x10\ng: '007'\nh: 007\n"
			   "---\n---\nx: &anchor {k: v}\nyy: *anchor\nlist: [1, two]\n";
	char err[256];
	json_t *docs = tas_manifest_documents(text, strlen(text), err, sizeof(err));
	json_t *want = J("[{'a':1,'b':true,'c':'yes','d':null,'e':1.5,'f':16,'g':'007','h':7},"
			 "{'x':{'k':'v'},'yy':{'k':'v'},'list':[1,'two']}]");

	cr_assert_not_null(docs, "%s", err);
	cr_assert(json_equal(docs, want), "%s", json_dumps(docs, 0));
	json_decref(docs);
	json_decref(want);
}

Test(manifest, errors_and_bounds)
{
	char err[256], *deep;
	size_t i;

	cr_assert_null(tas_manifest_documents("a: [1\n", 6, err, sizeof(err)));
	cr_assert(strstr(err, "line"), "%s", err);
	cr_assert_null(tas_manifest_documents("a: *nope\n", 9, err, sizeof(err)));
	deep = malloc(1000);
	cr_assert_not_null(deep);
	for (i = 0; i < 300; i++)
		deep[i] = '[';
	deep[300] = '\0';
	cr_assert_null(tas_manifest_documents(deep, 300, err, sizeof(err)));
	cr_assert(strstr(err, "deep"), "%s", err);
	free(deep);
	/* an alias bomb is refused before it grows */
	{
		const char *bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
				   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
				   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
				   "g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
		cr_assert_null(tas_manifest_documents(bomb, strlen(bomb), err, sizeof(err)));
		cr_assert(strstr(err, "too many"), "%s", err);
	}
}

/* --- the store ----------------------------------------------------------------------- */

static json_t *obj(const char *ns, const char *name, int v)
{
	return json_pack("{s:{s:s, s:s}, s:i}", "metadata", "namespace", ns, "name", name, "v", v);
}

Test(store, snapshots_undo_later_changes)
{
	struct tas_store s;
	struct tas_bucket *b;
	struct tas_snapshot snap;
	uint64_t at;
	bool expired;

	cr_assert_eq(tas_store_init(&s, 64), 0);
	b = tas_store_bucket(&s, "", "things");
	cr_assert_eq(tas_store_put(&s, b, obj("a", "x", 1)), 0);
	cr_assert_eq(tas_store_put(&s, b, obj("a", "y", 1)), 0);
	at = s.rv;
	cr_assert_eq(tas_store_put(&s, b, obj("a", "x", 2)), 0);
	cr_assert_eq(tas_store_delete(&s, b, "a", "y", NULL), 0);
	cr_assert_eq(tas_store_put(&s, b, obj("a", "z", 1)), 0);
	cr_assert_eq(tas_store_put(&s, b, obj("b", "w", 1)), 0);

	cr_assert_eq(tas_store_snapshot(&s, b, at, "a", NULL, &snap, &expired), 0);
	cr_assert(!expired);
	cr_assert_eq(snap.n, 2);
	cr_assert_str_eq(snap.items[0].key, "a/x");
	cr_assert_eq(json_integer_value(json_object_get(snap.items[0].obj, "v")), 1);
	cr_assert_str_eq(snap.items[1].key, "a/y");
	tas_snapshot_free(&snap);

	cr_assert_eq(tas_store_snapshot(&s, b, 0, NULL, "a/x", &snap, &expired), 0);
	cr_assert_eq(snap.n, 2, "now: a/z and b/w after a/x");
	cr_assert_str_eq(snap.items[0].key, "a/z");
	cr_assert_str_eq(snap.items[1].key, "b/w");
	tas_snapshot_free(&snap);

	{
		size_t first, last;
		/* "a-b" sorts between "a" and "a/": ranges must not mix them up */
		cr_assert_eq(tas_store_put(&s, b, obj("a-b", "q", 1)), 0);
		tas_store_ns_range(b, "a", &first, &last);
		cr_assert_eq(last - first, 2);
		cr_assert_str_eq(b->items[first].key, "a/x");
		tas_store_ns_range(b, "a-b", &first, &last);
		cr_assert_eq(last - first, 1);
		tas_store_ns_range(b, "c", &first, &last);
		cr_assert_eq(last, first);
	}
	tas_store_compact(&s);
	cr_assert_eq(tas_store_snapshot(&s, b, at, NULL, NULL, &snap, &expired), 0);
	cr_assert(expired);
	tas_store_free(&s);
}

Test(store, the_event_window_is_bounded)
{
	struct tas_store s;
	struct tas_bucket *b;
	const struct tas_event *e;
	int i;

	cr_assert_eq(tas_store_init(&s, 4), 0);
	b = tas_store_bucket(&s, "g", "r");
	for (i = 0; i < 10; i++)
		cr_assert_eq(tas_store_put(&s, b, obj("", "x", i)), 0);
	cr_assert_eq(tas_store_event_count(&s), 4);
	cr_assert_eq(s.compacted, s.rv - 4, "dropping the oldest event compacts up to it");
	cr_assert_eq(tas_store_events_after(&s, s.rv - 2), 2);
	e = tas_store_event(&s, 3);
	cr_assert_eq(e->type, TAS_MODIFIED);
	cr_assert_eq(json_integer_value(json_object_get(e->old, "v")), 8);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(e->obj, "metadata"),
							   "resourceVersion")),
			 "1010");
	tas_store_free(&s);
}

/* Request paths are built only from checked or percent-encoded parts, and
 * API errors come back as the reason/message/code callers compare against. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/kube.h"

static const struct mgo_kube_resource pods = {"", "v1", "pods", true};
static const struct mgo_kube_resource nodes = {NULL, "v1", "nodes", false};
static const struct mgo_kube_resource mgs = {"operator.openshift.io", "v1alpha1",
					     "mustgathers", true};
static const struct mgo_kube_resource mgis = {"operator.openshift.io", "v1alpha1",
					      "mustgatherimages", false};
static const struct mgo_kube_resource bad_group = {"Operator.io", "v1", "x", true};
static const struct mgo_kube_resource bad_res = {"", "v1", "pods/exec", true};

#define Q(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(kube_path, table)
{
	const struct {
		const struct mgo_kube_resource *r;
		const char *ns, *name, *sub;
		const char *const *query;
		int rc;
		const char *want;
	} t[] = {
		{&pods, "default", "web-0", NULL, NULL, 0, "/api/v1/namespaces/default/pods/web-0"},
		{&pods, NULL, NULL, NULL, NULL, 0, "/api/v1/pods"},
		{&pods, "ns", NULL, NULL, NULL, 0, "/api/v1/namespaces/ns/pods"},
		{&nodes, NULL, "n1", NULL, NULL, 0, "/api/v1/nodes/n1"},
		{&mgs, "ops", "g1", "status", NULL, 0,
		 "/apis/operator.openshift.io/v1alpha1/namespaces/ops/mustgathers/g1/status"},
		{&mgis, NULL, "cluster", NULL, NULL, 0,
		 "/apis/operator.openshift.io/v1alpha1/mustgatherimages/cluster"},
		/* names are one segment whatever they contain */
		{&pods, "a/b", "x?y#z", NULL, NULL, 0,
		 "/api/v1/namespaces/a%2Fb/pods/x%3Fy%23z"},
		{&pods, "ns", "..a", NULL, NULL, 0, "/api/v1/namespaces/ns/pods/..a"},
		{&pods, "ns", "sp ace%", NULL, NULL, 0, "/api/v1/namespaces/ns/pods/sp%20ace%25"},
		/* query values are encoded, NULL values left out */
		{&pods, NULL, NULL, NULL,
		 Q("labelSelector", "app=web,tier in (a,b)", "fieldSelector", NULL, "limit", "500"),
		 0, "/api/v1/pods?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=500"},
		{&pods, "ns", NULL, NULL, Q("continue", "eyJ2IjoxfQ==&x=y"), 0,
		 "/api/v1/namespaces/ns/pods?continue=eyJ2IjoxfQ%3D%3D%26x%3Dy"},
		{&pods, NULL, NULL, NULL, Q("watch", NULL), 0, "/api/v1/pods"},
		/* refused */
		{&pods, "ns", "..", NULL, NULL, -EINVAL, NULL},
		{&pods, "ns", ".", NULL, NULL, -EINVAL, NULL},
		{&pods, "ns", "", NULL, NULL, -EINVAL, NULL},
		{&pods, "..", NULL, NULL, NULL, -EINVAL, NULL},
		{&pods, "", NULL, NULL, NULL, -EINVAL, NULL},
		{&nodes, "ns", "n1", NULL, NULL, -EINVAL, NULL},
		{&pods, "ns", NULL, "status", NULL, -EINVAL, NULL},
		{&pods, "ns", "p", "st/atus", NULL, -EINVAL, NULL},
		{&pods, "ns", "p", "", NULL, -EINVAL, NULL},
		{&bad_group, "ns", NULL, NULL, NULL, -EINVAL, NULL},
		{&bad_res, "ns", NULL, NULL, NULL, -EINVAL, NULL},
		{NULL, NULL, NULL, NULL, NULL, -EINVAL, NULL},
		{&pods, NULL, NULL, NULL, Q("label=Selector", "x"), -EINVAL, NULL},
		{&pods, NULL, NULL, NULL, Q("", "x"), -EINVAL, NULL},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *path = (char *)"unset", err[128] = "";
		int rc = mgo_kube_path(&path, t[i].r, t[i].ns, t[i].name, t[i].sub, t[i].query, err,
				       sizeof(err));
		cr_assert_eq(rc, t[i].rc, "row %zu: rc %d (%s)", i, rc, err);
		if (rc == 0) {
			cr_assert_str_eq(path, t[i].want, "row %zu", i);
			free(path);
		} else {
			cr_assert_null(path, "row %zu: nothing returned on error", i);
			cr_assert_neq(err[0], '\0', "row %zu: error says why", i);
		}
	}
}

Test(kube_path, long_names_and_values)
{
	char name[300], *path, err[128];
	char *big = malloc(70000);

	memset(name, 'a', sizeof(name));
	name[253] = '\0';
	cr_assert_eq(mgo_kube_path(&path, &pods, "ns", name, NULL, NULL, err, sizeof(err)), 0);
	free(path);
	name[253] = 'a';
	name[254] = '\0';
	cr_assert_eq(mgo_kube_path(&path, &pods, "ns", name, NULL, NULL, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(big);
	memset(big, 'v', 69999);
	big[69999] = '\0';
	cr_assert_eq(mgo_kube_path(&path, &pods, NULL, NULL, NULL, Q("labelSelector", big), err,
				   sizeof(err)),
		     -EINVAL);
	free(big);
}

Test(kube_path, verb_names)
{
	cr_assert_str_eq(mgo_kube_verb_name(MGO_KUBE_GET), "get");
	cr_assert_str_eq(mgo_kube_verb_name(MGO_KUBE_CREATE), "create");
	cr_assert_str_eq(mgo_kube_verb_name(MGO_KUBE_DELETE), "delete");
	cr_assert_str_eq(mgo_kube_verb_name(MGO_KUBE_VERB_N), "unknown");
}

static json_t *parse(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	cr_assert_not_null(j, "%s", je.text);
	return j;
}

Test(kube_status, status_bodies_and_fallbacks)
{
	static const struct {
		long http;
		const char *body;       /* NULL: no body */
		const char *reason, *message;
		int code;
	} t[] = {
		{409, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
		      "\"message\":\"Operation cannot be fulfilled on mustgathers \\\"a\\\": the "
		      "object has been modified\",\"reason\":\"Conflict\",\"code\":409}",
		 "Conflict", "Operation cannot be fulfilled on mustgathers \"a\": the object has "
			     "been modified", 409},
		{409, "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"message\":\"jobs.batch "
		      "\\\"x\\\" already exists\",\"code\":409}",
		 "AlreadyExists", "jobs.batch \"x\" already exists", 409},
		{403, "{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"message\":\"pods is "
		      "forbidden: User \\\"w\\\" cannot list resource\",\"code\":403}",
		 "Forbidden", "pods is forbidden: User \"w\" cannot list resource", 403},
		{404, NULL, "NotFound", "HTTP 404 NotFound", 404},
		{410, "{\"kind\":\"Status\",\"code\":410}", "Expired", "HTTP 410 Expired", 410},
		/* a Status whose code disagrees: the Status wins for code, HTTP stays */
		{500, "{\"kind\":\"Status\",\"reason\":\"Timeout\",\"code\":504,\"message\":\"m\"}",
		 "Timeout", "m", 504},
		/* not a Status: ignore its fields */
		{404, "{\"kind\":\"Pod\",\"reason\":\"Evil\",\"message\":\"no\"}", "NotFound",
		 "HTTP 404 NotFound", 404},
		{502, "[1,2]", "", "HTTP 502", 502},
		/* junk in Status fields */
		{422, "{\"kind\":\"Status\",\"reason\":\"not a reason!\",\"code\":\"x\"}", "Invalid",
		 "HTTP 422 Invalid", 422},
		{429, "{\"kind\":\"Status\",\"reason\":7,\"code\":99999}", "TooManyRequests",
		 "HTTP 429 TooManyRequests", 429},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mgo_kube_error e;
		json_t *body = t[i].body ? parse(t[i].body) : NULL;
		mgo_kube_error_from_response(&e, t[i].http, body);
		cr_assert_eq(e.errnum, -EREMOTEIO, "row %zu", i);
		cr_assert_eq(e.http_code, t[i].http, "row %zu", i);
		cr_assert_eq(e.code, t[i].code, "row %zu", i);
		cr_assert_str_eq(e.reason, t[i].reason, "row %zu", i);
		cr_assert_str_eq(e.message, t[i].message, "row %zu", i);
		json_decref(body);
	}
}

Test(kube_status, long_message_is_cut_on_a_utf8_boundary)
{
	char msg[3000];
	size_t n = 0;
	struct mgo_kube_error e;

	/* "é" is two bytes: the cut lands inside one for one of the two offsets */
	for (int off = 0; off < 2; off++) {
		n = 0;
		for (int i = 0; i < off; i++)
			msg[n++] = 'a';
		while (n + 2 < sizeof(msg)) {
			msg[n++] = (char)0xC3;
			msg[n++] = (char)0xA9;
		}
		msg[n] = '\0';
		json_t *body = json_pack("{s:s, s:s, s:s}", "kind", "Status", "reason", "Invalid",
					 "message", msg);
		cr_assert_not_null(body);
		mgo_kube_error_from_response(&e, 422, body);
		size_t len = strlen(e.message);
		cr_assert_lt(len, sizeof(e.message));
		cr_assert_geq(len, sizeof(e.message) - 3);
		json_t *s = json_string(e.message);
		cr_assert_not_null(s, "offset %d: still valid UTF-8", off);
		json_decref(s);
		json_decref(body);
	}
}

Test(kube_status, reason_for_code)
{
	cr_assert_str_eq(mgo_kube_reason_for_code(404), "NotFound");
	cr_assert_str_eq(mgo_kube_reason_for_code(409), "Conflict");
	cr_assert_str_eq(mgo_kube_reason_for_code(410), "Expired");
	cr_assert_str_eq(mgo_kube_reason_for_code(429), "TooManyRequests");
	cr_assert_str_eq(mgo_kube_reason_for_code(418), "");
}

Test(kube_status, retry_after)
{
	static const struct {
		const char *in;
		long want;
	} t[] = {
		{"0", 0}, {"1", 1}, {" 3 ", 3}, {"120", 120}, {"86400", 86400},
		{"86401", -1}, {"-1", -1}, {"1.5", -1}, {"", -1}, {"abc", -1},
		{"Wed, 21 Oct 2015 07:28:00 GMT", -1}, {"99999999999999999999999", -1},
		{"5x", -1}, {NULL, -1},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_assert_eq(mgo_kube_parse_retry_after(t[i].in), t[i].want, "row %zu", i);
}

/* How many objects of a list page cut short at the cap ended within it
 * (docs/design.md, "Objects too large to read"). */
Test(kube_status, list_items_within_a_cut_page)
{
	static const struct {
		const char *in;
		size_t want;
	} t[] = {
		{"{\"kind\":\"PodList\",\"items\":[{\"a\":1},{\"b\":{\"c\":[1,{}]}},{\"d\":\"}\"}]}", 3},
		/* a custom resource's list: items first, metadata after */
		{"{\"apiVersion\":\"v1\",\"items\":[{\"m\":\"x\\\"}]\"},{\"m\":2}],\"kind\":\"L\","
		 "\"metadata\":{\"continue\":\"c\"}}", 2},
		{"{\"items\":[{\"a\":1},{\"b\":", 1},   /* cut inside the second */
		{"{\"items\":[{\"a\":\"xx", 0},
		{"{\"items\":[]}", 0},
		{"{\"metadata\":{\"items\":[{}]},\"x\":[{}]}", 0},  /* not at the top */
		{"{\"item\":[{}],\"itemsx\":[{}],\"i\\u0074ems\":[{}]}", 0},
		{"{\"kind\":\"items\",\"list\":[{}]}", 0},     /* a value, not the key */
		{"{\"items\":[{}]}garbage{\"items\":[{},{}]}", 1},
		{"}}}]]]{\"items\":[{}]}", 0},
		{"", 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_assert_eq(mgo_kube_list_items_within(t[i].in, strlen(t[i].in)), t[i].want,
			     "row %zu", i);
}

/* The test API server's CEL subset (tests/apiserver/cel.h): what compiles,
 * what it evaluates to against a MustGather-shaped object and an admission
 * request, which errors it reports, and what is refused at compile time.
 * JSON is written with ' for " to stay readable. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cel.h"
#include "tas_json.h"

#define OBJECT                                                                            \
	"{'apiVersion': 'operator.openshift.io/v1alpha1', 'kind': 'MustGather',"          \
	" 'metadata': {'name': 'mg1', 'namespace': 'openshift-etcd',"                     \
	"  'labels': {'app.kubernetes.io/name': 'gather', 'tier': ''}},"                  \
	" 'spec': {'mustGatherImage': 'quay.io/x/y:1', 'retries': 3, 'ratio': 3.0,"       \
	"  'tags': ['a', 'b'], 'nothing': null}}"
#define REQUEST                                                                           \
	"{'operation': 'CREATE', 'namespace': 'openshift-etcd', 'name': 'mg1',"           \
	" 'userInfo': {'username': 'alice', 'groups': ['dev']}}"

struct evalcase {
	const char *expr;
	const char *want; /* JSON of the result, or NULL when an error is expected */
	const char *err;  /* substring of the error */
};

static const struct evalcase eval_cases[] = {
	{"true", "true", NULL},
	{"object.metadata.name == 'mg1'", "true", NULL},
	{"object.metadata.name != \"mg1\"", "false", NULL},
	{"request.namespace.startsWith('openshift-')", "true", NULL},
	{"request.namespace.startsWith('kube-')", "false", NULL},
	{"request.namespace.endsWith('-etcd')", "true", NULL},
	{"request.namespace.contains('shift')", "true", NULL},
	{"request.namespace.matches('^(openshift|kube|hypershift)(-.*)?$')", "true", NULL},
	{"'openshifty'.matches('^(openshift|kube|hypershift)(-.*)?$')", "false", NULL},
	{"'xopenshift-'.matches('openshift-')", "true", NULL}, /* unanchored, as RE2's */
	{"'a+b'.matches('^a[+{]b$')", "true", NULL}, /* quantifiers as bracket literals */
	{"'aab'.matches('^(a+)+b$')", "true", NULL},
	{"request.operation in ['CREATE', 'UPDATE']", "true", NULL},
	{"request.operation in []", "false", NULL},
	{"'dev' in request.userInfo.groups", "true", NULL},
	{"'tier' in object.metadata.labels", "true", NULL},
	{"has(object.spec.mustGatherImage)", "true", NULL},
	{"has(object.spec.storage)", "false", NULL},
	{"has(object.spec.nothing)", "true", NULL},
	{"!has(object.status)", "true", NULL},
	{"!!true", "true", NULL},
	{"object.metadata.labels['app.kubernetes.io/name']", "'gather'", NULL},
	{"object.spec.tags[1]", "'b'", NULL},
	{"object.spec.retries == 3", "true", NULL},
	{"object.spec.ratio == 3", "true", NULL}, /* numbers compare by value */
	{"object.spec.retries == '3'", "false", NULL}, /* other types: unequal */
	{"object.spec.retries + 2", "5", NULL},
	{"'in ' + request.namespace + ': no'", "'in openshift-etcd: no'", NULL},
	{"oldObject == null", "true", NULL},
	{"namespaceObject == null || namespaceObject.metadata.name == 'x'", "true", NULL},
	{"(true || false) && !(false)", "true", NULL},
	{"[1, 'a', true, null]", "[1, 'a', true, null]", NULL},
	/* CEL's commutative logic: the deciding side absorbs the other's error */
	{"object.spec.storage == 1 || true", "true", NULL},
	{"false && object.spec.storage == 1", "false", NULL},
	{"object.spec.storage == 1 && false", "false", NULL},
	{"object.spec.storage == 1 || false", NULL, "no such key: storage"},
	{"true && object.spec.storage", NULL, "no such key: storage"},
	{"oldObject.metadata", NULL, "type 'null_type' does not support field selection"},
	{"has(oldObject.metadata)", NULL, "invalid type for field selection: null_type"},
	{"object.spec.tags[5]", NULL, "index out of bounds: 5"},
	{"object.spec.tags['x']", NULL, "no such overload: list[string]"},
	{"!object.spec.retries", NULL, "no such overload: !_ applied to int"},
	{"object.spec.retries || false", NULL, "no such overload: _||_ applied to int"},
	{"object.spec.retries.startsWith('3')", NULL, "no such overload: int.startsWith(string)"},
	{"'a' + 1", NULL, "no such overload: string + int"},
	{"1 in 'abc'", NULL, "no such overload: int in string"},
	/* all() and exists(): over a list's elements, a map's keys, nested */
	{"object.spec.tags.all(t, t in ['a', 'b'])", "true", NULL},
	{"object.spec.tags.all(t, t == 'a')", "false", NULL},
	{"object.spec.tags.exists(t, t == 'b')", "true", NULL},
	{"object.spec.tags.exists(t, t == 'c')", "false", NULL},
	{"[].all(x, false)", "true", NULL},
	{"[].exists(x, true)", "false", NULL},
	{"object.metadata.labels.all(k, k == 'tier' || k.contains('/'))", "true", NULL},
	{"object.metadata.labels.exists(k, object.metadata.labels[k] == 'gather')", "true", NULL},
	{"[[1, 2], [3]].all(l, l.exists(x, x == 1 || x == 3))", "true", NULL},
	{"[[1, 2], [3]].all(l, l.all(x, l.exists(y, y == x)))", "true", NULL},
	{"object.spec.tags.exists(object, object == 'a')", "true", NULL}, /* shadows */
	{"object.spec.tags.all(t, true) && object.metadata.name == 'mg1'", "true", NULL},
	/* the deciding element absorbs another's error, as && and || do */
	{"['a', 1].exists(x, x.startsWith('a'))", "true", NULL},
	{"[1, 'b'].all(x, x.startsWith('a'))", "false", NULL},
	{"[1].all(x, x.startsWith('a'))", NULL, "no such overload: int.startsWith(string)"},
	{"[1, 'a'].exists(x, x.startsWith('b'))", NULL, "no such overload: int.startsWith"},
	{"object.spec.tags.all(t, t.x == 1)", NULL, "does not support field selection"},
	{"object.spec.tags.all(t, t)", NULL, "no such overload: all() predicate applied to "
	 "string"},
	{"object.spec.retries.all(x, true)", NULL, "no such overload: int.all(...)"},
	{"object.spec.missing.exists(x, true)", NULL, "no such key: missing"},
};

static void check_eval(const struct evalcase *tc)
{
	json_t *obj = J(OBJECT), *req = J(REQUEST), *got = NULL, *want;
	struct tas_cel_vars vars = {.object = obj, .request = req};
	struct tas_cel *c = NULL;
	char err[512];
	int rc;

	rc = tas_cel_compile(tc->expr, &c, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s: %s", tc->expr, err);
	rc = tas_cel_eval(c, &vars, &got, err, sizeof(err));
	if (tc->want) {
		cr_assert_eq(rc, 0, "%s: %s", tc->expr, err);
		want = J(tc->want);
		cr_assert(json_equal(got, want), "%s: got %s", tc->expr,
			  json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT));
		json_decref(want);
	} else {
		cr_assert_eq(rc, -EINVAL, "%s: rc %d", tc->expr, rc);
		cr_assert_null(got);
		cr_assert(strstr(err, tc->err), "%s: error %s", tc->expr, err);
	}
	json_decref(got);
	tas_cel_free(c);
	json_decref(obj);
	json_decref(req);
}

struct compilecase {
	const char *expr;
	const char *err; /* substring of the compile error */
};

static const struct compilecase compile_cases[] = {
	{"", "ERROR: <input>:1:1: Syntax error: unexpected end of input"},
	{"object.spec.x < 3", "ERROR: <input>:1:15: unsupported: operator '<'"},
	{"object.spec.x > 3", "unsupported: operator '>'"},
	{"true ? 1 : 2", "unsupported: operator '?'"},
	{"1 - 1", "unsupported: operator '-'"},
	{"{'a': 1}", "unsupported: operator '{'"},
	{"size(object.spec)", "unsupported: function 'size'"},
	{"object.spec.tags.map(t, t)", "unsupported: function 'map'"},
	{"object.spec.tags.exists_one(t, t == 'a')", "unsupported: function 'exists_one'"},
	{"object.spec.tags.filter(t, t == 'a')", "unsupported: function 'filter'"},
	{"object.spec.tags.all(1, true)", "argument must be a simple name"},
	{"object.spec.tags.all(t.x, true)", "expected ','"},
	{"object.spec.tags.all(t)", "expected ','"},
	{"object.spec.tags.all(t, true, false)", "all() with more than two arguments"},
	{"t == 'a'", "undeclared reference to 't'"},
	{"object.spec.tags.all(t, true) && t == 'a'", "undeclared reference to 't'"},
	{"[1].all(a, [1].all(b, [1].all(c, [1].all(d, [1].all(e, true)))))",
	 "comprehensions nest deeper than 4"},
	{"object.metadata.name.lowerAscii()", "unsupported: function 'lowerAscii'"},
	{"params.x == 1", "undeclared reference to 'params'"},
	{"authorizer.group('x')", "undeclared reference to 'authorizer'"},
	{"variables.foo", "undeclared reference to 'variables'"},
	{"object.x.matches(object.y)", "matches() with a pattern that is not a string literal"},
	{"'a'.matches('\\\\d+')", "unsupported: regular expression escape '\\d'"},
	{"'a'.matches('(?i)a')", "unsupported: regular expression construct '(?'"},
	{"'a'.matches('a+?')", "construct '+?'"},
	{"'a'.matches('(')", "invalid regular expression"},
	/* what would make regcomp copy a group without bound */
	{"'a'.matches('#+++')", "unsupported: regular expression with a repetition of a repetition"},
	{"'a'.matches('a*+')", "a repetition of a repetition"},
	{"'a'.matches('a{2}')", "counted repetition"},
	{"'a'.matches('(a+)+(b+)+(c+)+(d+)+(e+)+')", "more than four groups repeated with '+'"},
	{"'a'.startsWith('a', 'b')", "more than one argument"},
	{"has(object)", "invalid argument to has() macro"},
	{"'abc", "unterminated string literal"},
	{"'\\x41'", "unsupported: escape sequence '\\x'"},
	{"r'raw'", "unsupported: raw and bytes literals"},
	{"'''x'''", "unsupported: triple-quoted strings"},
	{"1.5", "unsupported: numeric literal"},
	{"0x10", "unsupported: numeric literal"},
	{"99999999999999999999", "integer literal out of range"},
	{"true true", "unexpected token after the expression"},
	{"(true", "expected ')'"},
	{"[1, 2", "expected ']'"},
	{"object.", "expected a field name"},
	{"true &&\n  @", "ERROR: <input>:2:3: Syntax error: token recognition error at: '@'"},
	{"true && \x01", "byte 0x01"},
	{"'\xff'", "invalid UTF-8"},
};

Test(cel, eval_table)
{
	for (size_t i = 0; i < sizeof(eval_cases) / sizeof(eval_cases[0]); i++)
		check_eval(&eval_cases[i]);
}

static void check_refused(const struct compilecase *tc)
{
	struct tas_cel *c = (struct tas_cel *)1;
	char err[512];

	cr_assert_eq(tas_cel_compile(tc->expr, &c, err, sizeof(err)), -EINVAL, "%s", tc->expr);
	cr_assert_null(c);
	cr_assert(strstr(err, tc->err), "%s: error %s", tc->expr, err);
}

Test(cel, refused_table)
{
	for (size_t i = 0; i < sizeof(compile_cases) / sizeof(compile_cases[0]); i++)
		check_refused(&compile_cases[i]);
}

/* Builds "(((...(true)...)))" with n parentheses. */
static char *nested(int n)
{
	char *s = malloc((size_t)n * 2 + 5);

	cr_assert_not_null(s);
	memset(s, '(', (size_t)n);
	memcpy(s + n, "true", 4);
	memset(s + n + 4, ')', (size_t)n);
	s[2 * n + 4] = '\0';
	return s;
}

Test(cel, bounds_on_size_depth_and_nodes)
{
	struct tas_cel *c = NULL;
	char err[512], *s;
	size_t i;

	s = nested(TAS_CEL_MAX_DEPTH - 1);
	cr_assert_eq(tas_cel_compile(s, &c, err, sizeof(err)), 0, "%s", err);
	tas_cel_free(c);
	free(s);
	s = nested(TAS_CEL_MAX_DEPTH + 1);
	cr_assert_eq(tas_cel_compile(s, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "nests deeper than 32"), "%s", err);
	free(s);

	/* 600 "true ||" terms: short enough, but too many nodes */
	s = calloc(1, TAS_CEL_MAX_LEN + 2);
	cr_assert_not_null(s);
	for (i = 0; strlen(s) + 8 < 600 * 6; i++)
		strcat(s, "1 || ");
	strcat(s, "1");
	cr_assert_eq(tas_cel_compile(s, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "more than 512 nodes"), "%s", err);

	memset(s, ' ', TAS_CEL_MAX_LEN + 1);
	s[0] = '1';
	cr_assert_eq(tas_cel_compile(s, &c, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "expression is 4097 bytes long, more than 4096");
	free(s);
}

Test(cel, evaluation_steps_are_bounded)
{
	json_t *big = json_array(), *got = NULL;
	struct tas_cel_vars vars = {.object = big};
	struct tas_cel *c = NULL;
	char err[512];

	cr_assert_not_null(big);
	for (int i = 0; i < TAS_CEL_MAX_STEPS; i++)
		cr_assert_eq(json_array_append_new(big, json_integer(i)), 0);
	cr_assert_eq(tas_cel_compile("-1 in object", &c, err, sizeof(err)), -EINVAL);
	cr_assert_eq(tas_cel_compile("'x' in object", &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tas_cel_eval(c, &vars, &got, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "operation cancelled: actual cost limit exceeded");
	cr_assert_null(got);
	tas_cel_free(c);
	json_decref(big);
}

Test(cel, concatenation_is_bounded)
{
	char *long_s = malloc(TAS_CEL_MAX_STRING / 2 + 2);
	json_t *obj, *got = NULL;
	struct tas_cel *c = NULL;
	struct tas_cel_vars vars;
	char err[512];

	cr_assert_not_null(long_s);
	memset(long_s, 'a', TAS_CEL_MAX_STRING / 2 + 1);
	long_s[TAS_CEL_MAX_STRING / 2 + 1] = '\0';
	obj = json_pack("{s:s}", "s", long_s);
	vars = (struct tas_cel_vars){.object = obj};
	cr_assert_eq(tas_cel_compile("object.s + object.s", &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tas_cel_eval(c, &vars, &got, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "string longer than 1048576 bytes");
	tas_cel_free(c);
	json_decref(obj);
	free(long_s);
}

Test(cel, params_only_when_declared)
{
	json_t *obj = J(OBJECT), *params = J("{'spec': {'images': ['quay.io/x/y:1', 'q/z:2']}}");
	struct tas_cel_vars vars = {.object = obj, .params = params};
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{"object.spec.mustGatherImage in params.spec.images", "true"},
		{"params.spec.images.exists(i, i == object.spec.mustGatherImage)", "true"},
		{"params.spec.images.all(i, i.startsWith('q'))", "true"},
		{"has(params.spec.images) && !has(params.data)", "true"},
	};
	struct tas_cel *c = NULL;
	json_t *got = NULL;
	char err[512];

	cr_assert_eq(tas_cel_compile("params.spec == null", &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "undeclared reference to 'params'"), "%s", err);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *want = J(cases[i].want);
		cr_assert_eq(tas_cel_compile_env(cases[i].expr, TAS_CEL_PARAMS, &c, err,
						 sizeof(err)), 0, "%s: %s", cases[i].expr, err);
		cr_assert_eq(tas_cel_eval(c, &vars, &got, err, sizeof(err)), 0, "%s: %s",
			     cases[i].expr, err);
		cr_assert(json_equal(got, want), "%s", cases[i].expr);
		json_decref(got);
		json_decref(want);
		tas_cel_free(c);
	}
	json_decref(obj);
	json_decref(params);
}

/* Nested macros cost the product of their ranges, and the step bound
 * stops them: 200 x 200 elements is past 10000 steps. */
Test(cel, nested_macros_are_bounded)
{
	json_t *big = json_array(), *got = NULL;
	struct tas_cel_vars vars = {.object = big};
	struct tas_cel *c = NULL;
	char err[512];

	cr_assert_not_null(big);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(json_array_append_new(big, json_integer(i)), 0);
	cr_assert_eq(tas_cel_compile("object.all(a, true)", &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tas_cel_eval(c, &vars, &got, err, sizeof(err)), 0, "%s", err);
	cr_assert(json_is_true(got));
	json_decref(got);
	tas_cel_free(c);
	cr_assert_eq(tas_cel_compile("object.all(a, object.all(b, true))", &c, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(tas_cel_eval(c, &vars, &got, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "operation cancelled: actual cost limit exceeded");
	cr_assert_null(got);
	tas_cel_free(c);
	/* an error inside the fold does not let it run on past the bound */
	cr_assert_eq(tas_cel_compile("object.all(a, object.all(b, b.x == 1) || true)", &c, err,
				     sizeof(err)), 0, "%s", err);
	cr_assert_eq(tas_cel_eval(c, &vars, &got, err, sizeof(err)), -EINVAL);
	cr_assert_null(got);
	tas_cel_free(c);
	json_decref(big);
}

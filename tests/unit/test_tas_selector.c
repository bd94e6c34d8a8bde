/* Label and field selectors and the name checks behind them, one table row
 * per input, with kube's exact error messages. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "selector.h"
#include "tas_json.h"

#define QNAME_ERR                                                                                 \
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "  \
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_ERR                                                                           \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value', " \
    " or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define SUBDOMAIN_ERR                                                                             \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "  \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define REQ "unable to parse requirement: "

struct label_case {
    const char *selector;
    const char *labels; /* JSON object, or NULL for an object without labels */
    int match;          /* 1 / 0, or -1: parse error */
    const char *err;
};

static const struct label_case LABELS[] = {
    {"", "{'a': 'b'}", 1, NULL},
    {"  \t\n", NULL, 1, NULL},
    {"app=web", "{'app': 'web'}", 1, NULL},
    {"app=web", "{'app': 'db'}", 0, NULL},
    {"app=web", "{}", 0, NULL},
    {"app==web", "{'app': 'web'}", 1, NULL},
    {"app!=web", "{'app': 'db'}", 1, NULL},
    {"app!=web", "{}", 1, NULL},
    {"app!=web", "{'app': 'web'}", 0, NULL},
    {"app in (web, db)", "{'app': 'db'}", 1, NULL},
    {"app in (web,db)", "{'app': 'x'}", 0, NULL},
    {"app in (web)", NULL, 0, NULL},
    {"app notin (web)", "{}", 1, NULL},
    {"app notin (web,db)", "{'app': 'db'}", 0, NULL},
    {"app", "{'app': ''}", 1, NULL},
    {"app", "{'apps': 'x'}", 0, NULL},
    {"!app", "{}", 1, NULL},
    {"!app", NULL, 1, NULL},
    {"!app", "{'app': 'x'}", 0, NULL},
    {"app=web,tier=fe", "{'app': 'web', 'tier': 'fe'}", 1, NULL},
    {"app=web,tier=fe", "{'app': 'web', 'tier': 'be'}", 0, NULL},
    {"  app = web ,  tier in ( fe , be ) , !gone", "{'app': 'web', 'tier': 'be'}", 1, NULL},
    {"app=", "{'app': ''}", 1, NULL},
    {"app=,x", "{'app': '', 'x': '1'}", 1, NULL},
    {"app in ()", "{'app': ''}", 1, NULL},
    {"app in (,a)", "{'app': ''}", 1, NULL},
    {"app in (a,,b)", "{'app': ''}", 1, NULL},
    {"app in (a,)", "{'app': ''}", 1, NULL},
    {"in=notin", "{'in': 'notin'}", 1, NULL},
    {"app in (in,notin)", "{'app': 'notin'}", 1, NULL},
    {"x>5", "{'x': '7'}", 1, NULL},
    {"x>5", "{'x': '5'}", 0, NULL},
    {"x>5", "{'x': 'abc'}", 0, NULL},
    {"x>5", "{}", 0, NULL},
    {"x<10", "{'x': '-3'}", 1, NULL},
    {"example.com/app=web", "{'example.com/app': 'web'}", 1, NULL},
    {"app.kubernetes.io/name in (mgo)", "{'app.kubernetes.io/name': 'mgo'}", 1, NULL},
    {"app", "{'app': 5}", 0, NULL},

    {"app=web c", NULL, -1, "found 'c', expected: ',' or 'end of string'"},
    {"app=,", NULL, -1, "found '', expected: identifier after ','"},
    {"a,,b", NULL, -1, "found ',', expected: identifier after ','"},
    {"=x", NULL, -1, "found '=', expected: !, identifier, or 'end of string'"},
    {"!=a", NULL, -1, "found '!=', expected: !, identifier, or 'end of string'"},
    {"!a=b", NULL, -1, "found '=', expected: ',' or 'end of string'"},
    {"!", NULL, -1, REQ "found '', expected: identifier"},
    {"app foo", NULL, -1, REQ "found 'foo', expected: in, notin, =, ==, !=, gt, lt"},
    {"app in web", NULL, -1, REQ "found 'web' expected: '('"},
    {"app in (a b)", NULL, -1, REQ "found 'b', expected: ',' or ')'"},
    {"app in (a", NULL, -1, REQ "found '', expected: ',' or ')'"},
    {"app in (=)", NULL, -1, REQ "found '=', expected: ',', ')' or identifier"},
    {"app in (a,=)", NULL, -1, REQ "found '=', expected: ',', or identifier"},
    {"app=(x)", NULL, -1, REQ "found '(', expected: identifier"},
    {"-app=x", NULL, -1, REQ "<nil>: Invalid value: \"-app\": " QNAME_ERR},
    {"app=-x", NULL, -1, REQ "values[0][app]: Invalid value: \"-x\": " LABEL_VALUE_ERR},
    {"app in (b-,-a)", NULL, -1,
     REQ "[values[0][app]: Invalid value: \"-a\": " LABEL_VALUE_ERR ", values[1][app]: Invalid value: "
         "\"b-\": " LABEL_VALUE_ERR "]"},
    {"x>a", NULL, -1,
     REQ "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"},
    {"x>-1", NULL, -1, REQ "values[0][x]: Invalid value: \"-1\": " LABEL_VALUE_ERR},
    {"x<-a", NULL, -1,
     REQ "[values[0]: Invalid value: \"-a\": for 'Gt', 'Lt' operators, the value must be an "
         "integer, values[0][x]: Invalid value: \"-a\": " LABEL_VALUE_ERR "]"},
    {"a/b/c", NULL, -1,
     REQ "<nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, "
         "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
         "'my.name',  or '123-abc', regex used for validation is "
         "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
         "(e.g. 'example.com/MyName')"},
    {"/a", NULL, -1, REQ "<nil>: Invalid value: \"/a\": prefix part must be non-empty"},
    {"Bad.Prefix/a", NULL, -1, REQ "<nil>: Invalid value: \"Bad.Prefix/a\": prefix part " SUBDOMAIN_ERR},
    {"a/", NULL, -1,
     REQ "<nil>: Invalid value: \"a/\": name part must be non-empty; " QNAME_ERR},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, -1,
     REQ "<nil>: Invalid value: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": "
         "name part must be no more than 63 characters"},
    {"a=\xe2\x98\x83", NULL, -1, REQ "values[0][a]: Invalid value: \"\xe2\x98\x83\": " LABEL_VALUE_ERR},
};

Test(tas_selector, labels_table)
{
    for (size_t i = 0; i < sizeof(LABELS) / sizeof(LABELS[0]); i++) {
        const struct label_case *c = &LABELS[i];
        struct tas_selector *sel = (void *)1;
        char err[1024] = "";
        int rc = tas_selector_parse(c->selector, &sel, err, sizeof(err));

        if (c->match < 0) {
            cr_expect_eq(rc, -EINVAL, "\"%s\": expected a parse error", c->selector);
            cr_expect_null(sel);
            cr_expect_str_eq(err, c->err, "\"%s\"", c->selector);
            continue;
        }
        cr_expect_eq(rc, 0, "\"%s\": %s", c->selector, err);
        if (rc != 0)
            continue;
        json_t *labels = c->labels ? J(c->labels) : NULL;
        cr_expect_eq(tas_selector_match_labels(sel, labels), c->match == 1, "\"%s\" on %s",
                     c->selector, c->labels ? c->labels : "no labels");
        json_decref(labels);
        tas_selector_free(sel);
    }
}

Test(tas_selector, parsed_form_is_kubes)
{
    struct tas_selector *sel;
    char err[256];

    cr_assert_eq(tas_selector_parse("b notin (z,y,z), !c, a, d>3, e==f", &sel, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(sel->n, 5);
    cr_expect_str_eq(sel->reqs[0].key, "b");
    cr_expect_eq(sel->reqs[0].op, TAS_SEL_NOT_IN);
    cr_assert_eq(sel->reqs[0].n_values, 2);
    cr_expect_str_eq(sel->reqs[0].values[0], "y");
    cr_expect_str_eq(sel->reqs[0].values[1], "z");
    cr_expect_eq(sel->reqs[1].op, TAS_SEL_NOT_EXISTS);
    cr_expect_eq(sel->reqs[1].n_values, 0);
    cr_expect_eq(sel->reqs[2].op, TAS_SEL_EXISTS);
    cr_expect_eq(sel->reqs[3].op, TAS_SEL_GT);
    cr_expect_eq(sel->reqs[4].op, TAS_SEL_EQUALS);
    cr_expect_str_eq(sel->reqs[4].values[0], "f");
    tas_selector_free(sel);
    tas_selector_free(NULL);
}

struct field_case {
    const char *selector;
    const char *obj;
    int match; /* 1 / 0, or -1: parse error */
    const char *err;
};

#define OBJ "{'metadata': {'name': 'a', 'namespace': 'ns'}, 'spec': {'b': true, 'n': null}," \
            " 'status': {'succeeded': 1, 'phase': 'Running'}}"

static const struct field_case FIELDS[] = {
    {"", OBJ, 1, NULL},
    {"metadata.name=a", OBJ, 1, NULL},
    {"metadata.name=b", OBJ, 0, NULL},
    {"metadata.name==a", OBJ, 1, NULL},
    {"metadata.name!=a", OBJ, 0, NULL},
    {"metadata.name!=b", OBJ, 1, NULL},
    {"metadata.namespace=ns,metadata.name=a", OBJ, 1, NULL},
    {"metadata.namespace=ns,metadata.name=b", OBJ, 0, NULL},
    {"spec.missing=", OBJ, 1, NULL},
    {"spec.missing!=", OBJ, 0, NULL},
    {"spec.n=", OBJ, 1, NULL},
    {"metadata=", OBJ, 1, NULL},
    {"status.succeeded=1", OBJ, 1, NULL},
    {"spec.b=true", OBJ, 1, NULL},
    {"status.phase!=Running", OBJ, 0, NULL},
    {"metadata.name.deeper=a", OBJ, 0, NULL},
    {"metadata.name=a,,", OBJ, 1, NULL},
    {"metadata.name=a\\,b", "{'metadata': {'name': 'a,b'}}", 1, NULL},
    {"metadata.name=a\\=b", "{'metadata': {'name': 'a=b'}}", 1, NULL},
    {"metadata.name=a\\\\b", "{'metadata': {'name': 'a\\\\b'}}", 1, NULL},
    {"metadata.name", OBJ, -1, "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
    {"b=1,a", OBJ, -1, "invalid selector: 'b=1,a'; can't understand 'a'"},
    {"a=b=c", OBJ, -1, "invalid field selector: unescaped character in value: 61"},
    {"a=b,c=d\\,e,f=g,h", OBJ, -1, "invalid selector: 'a=b,c=d\\,e,f=g,h'; can't understand 'h'"},
    {"a=b\\x", OBJ, -1, "invalid field selector: invalid escape sequence: \\x"},
    {"a=b\\", OBJ, -1, "invalid field selector: invalid escape sequence: \\"},
};

Test(tas_selector, fields_table)
{
    for (size_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++) {
        const struct field_case *c = &FIELDS[i];
        struct tas_fieldsel *sel = (void *)1;
        char err[512] = "";
        int rc = tas_fieldsel_parse(c->selector, &sel, err, sizeof(err));

        if (c->match < 0) {
            cr_expect_eq(rc, -EINVAL, "\"%s\": expected a parse error", c->selector);
            cr_expect_null(sel);
            cr_expect_str_eq(err, c->err, "\"%s\"", c->selector);
            continue;
        }
        cr_expect_eq(rc, 0, "\"%s\": %s", c->selector, err);
        if (rc != 0)
            continue;
        json_t *obj = J(c->obj);
        cr_expect_eq(tas_fieldsel_match(sel, obj), c->match == 1, "\"%s\"", c->selector);
        json_decref(obj);
        tas_fieldsel_free(sel);
    }
}

static const char *const SUPPORTED[] = {"metadata.name", "metadata.namespace"};

Test(tas_selector, field_labels_supported_and_exact_name)
{
    struct tas_fieldsel *sel;
    char err[128];

    cr_assert_eq(tas_fieldsel_parse("metadata.namespace!=b,metadata.name=x", &sel, err, sizeof(err)), 0);
    cr_expect_eq(tas_fieldsel_check_fields(sel, SUPPORTED, 2, err, sizeof(err)), 0);
    cr_expect_str_eq(tas_fieldsel_requires_exact(sel, "metadata.name"), "x");
    cr_expect_null(tas_fieldsel_requires_exact(sel, "metadata.namespace"));
    cr_expect_null(tas_fieldsel_requires_exact(sel, "spec.x"));
    tas_fieldsel_free(sel);

    cr_assert_eq(tas_fieldsel_parse("metadata.name=x,spec.nodeName=n", &sel, err, sizeof(err)), 0);
    cr_expect_eq(tas_fieldsel_check_fields(sel, SUPPORTED, 2, err, sizeof(err)), -EINVAL);
    cr_expect_str_eq(err, "field label not supported: spec.nodeName");
    tas_fieldsel_free(sel);

    /* kube does not trim: the spaces are part of the field name */
    cr_assert_eq(tas_fieldsel_parse(" metadata.name = x", &sel, err, sizeof(err)), 0);
    cr_expect_eq(tas_fieldsel_check_fields(sel, SUPPORTED, 2, err, sizeof(err)), -EINVAL);
    cr_expect_str_eq(err, "field label not supported:  metadata.name ");
    cr_expect_str_eq(sel->terms[0].value, " x");
    tas_fieldsel_free(sel);
    tas_fieldsel_free(NULL);
}

static const char *getter(void *ctx, const char *field)
{
    (*(int *)ctx)++;
    return strcmp(field, "status.phase") == 0 ? "Failed" : NULL;
}

Test(tas_selector, field_match_with_callback)
{
    struct tas_fieldsel *sel;
    char err[128];
    int calls = 0;

    cr_assert_eq(tas_fieldsel_parse("status.phase=Failed,spec.nodeName=", &sel, err, sizeof(err)), 0);
    cr_expect(tas_fieldsel_match_fn(sel, getter, &calls));
    cr_expect_eq(calls, 2);
    tas_fieldsel_free(sel);
    cr_assert_eq(tas_fieldsel_parse("status.phase!=Failed", &sel, err, sizeof(err)), 0);
    cr_expect_not(tas_fieldsel_match_fn(sel, getter, &calls));
    tas_fieldsel_free(sel);
}

struct name_case {
    bool (*check)(const char *, struct tas_buf *);
    const char *value;
    const char *err; /* NULL: valid */
};

static const struct name_case NAMES[] = {
    {tas_name_dns1123_subdomain, "mg-1.example", NULL},
    {tas_name_dns1123_subdomain, "a", NULL},
    {tas_name_dns1123_subdomain, "", SUBDOMAIN_ERR},
    {tas_name_dns1123_subdomain, "Upper", SUBDOMAIN_ERR},
    {tas_name_dns1123_subdomain, "a..b", SUBDOMAIN_ERR},
    {tas_name_dns1123_subdomain, "a.-b", SUBDOMAIN_ERR},
    {tas_name_dns1123_label, "openshift-must-gather-operator", NULL},
    {tas_name_dns1123_label, "a.b", "must not contain dots"},
    {tas_name_dns1123_label, "a_b",
     "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
     "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
     "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
    {tas_name_dns1123_label, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "must be no more than 63 characters"},
    {tas_name_qualified, "app.kubernetes.io/name", NULL},
    {tas_name_qualified, "My_Key.1", NULL},
    {tas_name_qualified, "", "name part must be non-empty; " QNAME_ERR},
    {tas_name_label_value, "", NULL},
    {tas_name_label_value, "v1.2_x-y", NULL},
    {tas_name_label_value, "-x", LABEL_VALUE_ERR},
    {tas_name_label_value, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "must be no more than 63 characters"},
};

Test(tas_selector, names_table)
{
    for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++) {
        struct tas_buf msg = {0};
        bool ok = NAMES[i].check(NAMES[i].value, &msg);

        cr_expect_eq(ok, NAMES[i].err == NULL, "row %zu \"%s\": %s", i, NAMES[i].value, tas_buf_str(&msg));
        if (NAMES[i].err != NULL)
            cr_expect_str_eq(tas_buf_str(&msg), NAMES[i].err, "row %zu", i);
        cr_expect(NAMES[i].check(NAMES[i].value, NULL) == ok);
        tas_buf_free(&msg);
    }
}

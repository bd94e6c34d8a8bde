/* Hand-written to kube's grammar (pkg/labels/selector.go, pkg/fields/selector.go):
 * the label lexer, its token contexts ("in" is a value inside values) and the
 * messages are kube's, which no C library reproduces. */
#include "selector.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gofmt.h"
#include "names.h"

/* ---- label selector lexer ---- */

enum tok {
    T_END, T_IDENT, T_IN, T_NOTIN, T_OPEN, T_CLOSE, T_COMMA, T_NOT, T_EQ, T_DEQ, T_NEQ, T_GT, T_LT,
};

struct token {
    enum tok t;
    char *lit;
};

static const struct {
    const char *s;
    enum tok t;
} SYMBOLS[] = {
    {")", T_CLOSE}, {",", T_COMMA}, {"!", T_NOT}, {"==", T_DEQ}, {"=", T_EQ}, {">", T_GT},
    {"in", T_IN},   {"<", T_LT},    {"!=", T_NEQ}, {"notin", T_NOTIN}, {"(", T_OPEN},
};

static bool special(char c)
{
    return c != '\0' && strchr("=!(),><", c) != NULL;
}

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool symbol(const char *s, size_t n, enum tok *t)
{
    for (size_t i = 0; i < sizeof(SYMBOLS) / sizeof(SYMBOLS[0]); i++)
        if (strlen(SYMBOLS[i].s) == n && strncmp(SYMBOLS[i].s, s, n) == 0) {
            *t = SYMBOLS[i].t;
            return true;
        }
    return false;
}

/* One token at *p. Operators are the longest run of symbol characters that
 * is still an operator ("!=" before "!"), words end at a symbol or space. */
static int lex(const char **p, struct token *out)
{
    const char *s = *p, *start;
    size_t n = 0;
    enum tok t = T_IDENT;

    while (space(*s))
        s++;
    start = s;
    if (*s == '\0') {
        out->t = T_END;
    } else if (special(*s)) {
        size_t best = 0;
        enum tok cand;
        for (n = 1; special(s[n - 1]); n++) {
            if (symbol(s, n, &cand)) {
                best = n;
                t = cand;
            } else {
                break;
            }
        }
        n = best;
        out->t = t;
    } else {
        while (s[n] != '\0' && !special(s[n]) && !space(s[n]))
            n++;
        out->t = symbol(s, n, &t) ? t : T_IDENT;
    }
    out->lit = strndup(start, n);
    *p = start + n;
    return out->lit ? 0 : -ENOMEM;
}

/* ---- label selector parser ---- */

struct parser {
    struct token *toks;
    size_t n, pos;
    struct tas_buf err;
};

/* Inside value lists "in" and "notin" are plain words. */
static enum tok as_value(enum tok t)
{
    return t == T_IN || t == T_NOTIN ? T_IDENT : t;
}

static const struct token *peek(const struct parser *p)
{
    return &p->toks[p->pos];
}

static const struct token *next(struct parser *p)
{
    const struct token *t = &p->toks[p->pos];
    if (t->t != T_END)
        p->pos++;
    return t;
}

static int syntax(struct parser *p, const char *found, const char *expected)
{
    tas_buf_printf(&p->err, "found '%s', expected: %s", found, expected);
    return -EINVAL;
}

static void free_req(struct tas_selector_req *r)
{
    for (size_t i = 0; i < r->n_values; i++)
        free(r->values[i]);
    free(r->values);
    free(r->key);
}

/* Adds v to the sorted set of values. */
static int add_value(struct tas_selector_req *r, const char *v)
{
    size_t i = 0;
    char **vals, *copy;

    while (i < r->n_values && strcmp(r->values[i], v) < 0)
        i++;
    if (i < r->n_values && strcmp(r->values[i], v) == 0)
        return 0;
    vals = realloc(r->values, (r->n_values + 1) * sizeof(*vals));
    if (vals == NULL)
        return -ENOMEM;
    r->values = vals;
    copy = strdup(v);
    if (copy == NULL)
        return -ENOMEM;
    memmove(&vals[i + 1], &vals[i], (r->n_values - i) * sizeof(*vals));
    vals[i] = copy;
    r->n_values++;
    return 0;
}

/* parseValues: "(" [ident|","]... ")", where empty slots are the value "" */
static int parse_values(struct parser *p, struct tas_selector_req *r)
{
    const struct token *t = next(p);
    int rc;

    if (t->t != T_OPEN)
        return tas_buf_printf(&p->err, "found '%s' expected: '('", t->lit), -EINVAL;
    t = peek(p);
    if (as_value(t->t) == T_CLOSE) {
        next(p);
        return add_value(r, "");
    }
    if (as_value(t->t) != T_IDENT && t->t != T_COMMA)
        return syntax(p, t->lit, "',', ')' or identifier");
    for (;;) {
        t = next(p);
        if (as_value(t->t) == T_IDENT) {
            if ((rc = add_value(r, t->lit)) != 0)
                return rc;
            t = peek(p);
            if (t->t == T_CLOSE)
                break;
            if (t->t != T_COMMA)
                return syntax(p, t->lit, "',' or ')'");
        } else if (t->t == T_COMMA) {
            if ((r->n_values == 0 && (rc = add_value(r, "")) != 0))
                return rc;
            if (peek(p)->t == T_CLOSE) {
                if ((rc = add_value(r, "")) != 0)
                    return rc;
                break;
            }
            if (peek(p)->t == T_COMMA) {
                next(p);
                if ((rc = add_value(r, "")) != 0)
                    return rc;
            }
        } else {
            return syntax(p, t->lit, "',', or identifier");
        }
    }
    next(p); /* ')' */
    return 0;
}

static int parse_operator(struct parser *p, struct tas_selector_req *r)
{
    const struct token *t = next(p);

    switch (t->t) {
    case T_IN: r->op = TAS_SEL_IN; return 0;
    case T_NOTIN: r->op = TAS_SEL_NOT_IN; return 0;
    case T_EQ: case T_DEQ: r->op = TAS_SEL_EQUALS; return 0;
    case T_NEQ: r->op = TAS_SEL_NOT_EQUALS; return 0;
    case T_GT: r->op = TAS_SEL_GT; return 0;
    case T_LT: r->op = TAS_SEL_LT; return 0;
    default: return syntax(p, t->lit, "in, notin, =, ==, !=, gt, lt");
    }
}

/* field.Invalid(path, value, detail).Error() */
static void field_invalid(struct tas_buf *b, const char *path, const char *value, const char *detail)
{
    tas_buf_printf(b, "%s: Invalid value: ", path);
    tas_buf_go_quote(b, value);
    tas_buf_printf(b, ": %s", detail);
}

static bool parse_int64(const char *s)
{
    char *end;
    errno = 0;
    (void)strtoimax(s, &end, 10);
    return *s != '\0' && *end == '\0' && errno == 0 && !isspace((unsigned char)*s);
}

/* NewRequirement's checks of the values, as one error aggregate. */
static int check_values(struct parser *p, const struct tas_selector_req *r)
{
    struct tas_buf list = {0};
    size_t errors = 0;

    for (size_t i = 0; i < r->n_values; i++) {
        struct tas_buf why = {0}, path = {0};
        if (!tas_name_label_value(r->values[i], &why)) {
            tas_buf_printf(&path, "values[%zu][%s]", i, r->key);
            if (errors++)
                tas_buf_puts(&list, ", ");
            field_invalid(&list, tas_buf_str(&path), r->values[i], tas_buf_str(&why));
        }
        tas_buf_free(&why);
        tas_buf_free(&path);
    }
    if ((r->op == TAS_SEL_GT || r->op == TAS_SEL_LT) && !parse_int64(r->values[0])) {
        struct tas_buf one = {0};
        field_invalid(&one, "values[0]", r->values[0],
                      "for 'Gt', 'Lt' operators, the value must be an integer");
        /* kube lists the integer check first */
        tas_buf_printf(&one, "%s%s", errors ? ", " : "", tas_buf_str(&list));
        tas_buf_free(&list);
        list = one;
        errors++;
    }
    if (errors == 1)
        tas_buf_puts(&p->err, tas_buf_str(&list));
    else if (errors > 1)
        tas_buf_printf(&p->err, "[%s]", tas_buf_str(&list));
    if (list.oom)
        p->err.oom = true;
    tas_buf_free(&list);
    return errors ? -EINVAL : 0;
}

static int parse_requirement(struct parser *p, struct tas_selector_req *r)
{
    const struct token *t = next(p);
    bool negated = false;
    struct tas_buf why = {0};
    int rc;

    if (t->t == T_NOT) {
        negated = true;
        t = next(p);
    }
    if (as_value(t->t) != T_IDENT)
        return syntax(p, t->lit, "identifier");
    if (!tas_name_qualified(t->lit, &why)) {
        field_invalid(&p->err, "<nil>", t->lit, tas_buf_str(&why));
        tas_buf_free(&why);
        return -EINVAL;
    }
    r->key = strdup(t->lit);
    if (r->key == NULL)
        return -ENOMEM;
    if (negated || peek(p)->t == T_END || peek(p)->t == T_COMMA) {
        r->op = negated ? TAS_SEL_NOT_EXISTS : TAS_SEL_EXISTS;
        return 0;
    }
    if ((rc = parse_operator(p, r)) != 0)
        return rc;
    if (r->op == TAS_SEL_IN || r->op == TAS_SEL_NOT_IN) {
        rc = parse_values(p, r);
    } else if (peek(p)->t == T_END || peek(p)->t == T_COMMA) {
        rc = add_value(r, "");
    } else {
        t = next(p);
        rc = as_value(t->t) == T_IDENT ? add_value(r, t->lit) : syntax(p, t->lit, "identifier");
    }
    return rc ? rc : check_values(p, r);
}

static int parse_selector(struct parser *p, struct tas_selector *sel)
{
    for (;;) {
        const struct token *t = peek(p);
        struct tas_selector_req *reqs;
        int rc;

        if (t->t == T_END)
            return 0;
        if (as_value(t->t) != T_IDENT && t->t != T_NOT)
            return syntax(p, t->lit, "!, identifier, or 'end of string'");
        reqs = realloc(sel->reqs, (sel->n + 1) * sizeof(*reqs));
        if (reqs == NULL)
            return -ENOMEM;
        sel->reqs = reqs;
        memset(&reqs[sel->n], 0, sizeof(*reqs));
        rc = parse_requirement(p, &reqs[sel->n]);
        sel->n++;
        if (rc == -EINVAL) {
            /* errors inside a requirement carry kube's prefix */
            struct tas_buf m = {0};
            tas_buf_printf(&m, "unable to parse requirement: %s", tas_buf_str(&p->err));
            tas_buf_free(&p->err);
            p->err = m;
        }
        if (rc)
            return rc;
        t = next(p);
        if (t->t == T_END)
            return 0;
        if (t->t != T_COMMA)
            return syntax(p, t->lit, "',' or 'end of string'");
        t = peek(p);
        if (as_value(t->t) != T_IDENT && t->t != T_NOT)
            return syntax(p, t->lit, "identifier after ','");
    }
}

void tas_selector_free(struct tas_selector *sel)
{
    if (sel == NULL)
        return;
    for (size_t i = 0; i < sel->n; i++)
        free_req(&sel->reqs[i]);
    free(sel->reqs);
    free(sel);
}

int tas_selector_parse(const char *s, struct tas_selector **out, char *err, size_t errlen)
{
    struct parser p = {0};
    struct tas_selector *sel = calloc(1, sizeof(*sel));
    struct token *toks;
    int rc = -ENOMEM;

    *out = NULL;
    if (sel == NULL)
        goto out;
    /* kube lexes everything first; so do we, which bounds the parser */
    for (;;) {
        toks = realloc(p.toks, (p.n + 1) * sizeof(*toks));
        if (toks == NULL)
            goto out;
        p.toks = toks;
        if (lex(&s, &p.toks[p.n]) != 0)
            goto out;
        if (p.toks[p.n++].t == T_END)
            break;
    }
    rc = parse_selector(&p, sel);
    if (rc == 0) {
        *out = sel;
        sel = NULL;
    } else if (p.err.oom) {
        rc = -ENOMEM;
    }
out:
    if (rc != 0)
        snprintf(err, errlen, "%s", rc == -ENOMEM ? "out of memory" : tas_buf_str(&p.err));
    for (size_t i = 0; i < p.n; i++)
        free(p.toks[i].lit);
    free(p.toks);
    tas_buf_free(&p.err);
    tas_selector_free(sel);
    return rc;
}

static bool has_value(const struct tas_selector_req *r, const char *v)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (strcmp(r->values[i], v) == 0)
            return true;
    return false;
}

static bool compare(const struct tas_selector_req *r, const char *v)
{
    char *end;
    intmax_t have, want;

    if (!parse_int64(v) || r->n_values != 1)
        return false;
    have = strtoimax(v, &end, 10);
    want = strtoimax(r->values[0], &end, 10);
    return r->op == TAS_SEL_GT ? have > want : have < want;
}

static bool req_matches(const struct tas_selector_req *r, const json_t *labels)
{
    const char *v = json_string_value(json_object_get(labels, r->key));

    switch (r->op) {
    case TAS_SEL_IN:
    case TAS_SEL_EQUALS: return v != NULL && has_value(r, v);
    case TAS_SEL_NOT_IN:
    case TAS_SEL_NOT_EQUALS: return v == NULL || !has_value(r, v);
    case TAS_SEL_EXISTS: return v != NULL;
    case TAS_SEL_NOT_EXISTS: return v == NULL;
    case TAS_SEL_GT:
    case TAS_SEL_LT: return v != NULL && compare(r, v);
    }
    return false;
}

bool tas_selector_match_labels(const struct tas_selector *sel, const json_t *labels)
{
    for (size_t i = 0; i < sel->n; i++)
        if (!req_matches(&sel->reqs[i], labels))
            return false;
    return true;
}

/* ---- field selectors ---- */

void tas_fieldsel_free(struct tas_fieldsel *sel)
{
    if (sel == NULL)
        return;
    for (size_t i = 0; i < sel->n; i++) {
        free(sel->terms[i].field);
        free(sel->terms[i].value);
    }
    free(sel->terms);
    free(sel);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* UnescapeValue: "\\" "\," "\=" only; a bare ',' or '=' is an error. */
static int unescape(const char *s, char *out, char *err, size_t errlen)
{
    for (; *s; s++) {
        if (*s == '\\') {
            s++;
            if (*s == '\\' || *s == ',' || *s == '=') {
                *out++ = *s;
                continue;
            }
            snprintf(err, errlen, "invalid field selector: invalid escape sequence: \\%.*s",
                     *s ? 1 : 0, s);
            return -EINVAL;
        }
        if (*s == ',' || *s == '=') {
            /* kube prints the rune with %v: its number */
            snprintf(err, errlen, "invalid field selector: unescaped character in value: %d", *s);
            return -EINVAL;
        }
        *out++ = *s;
    }
    *out = '\0';
    return 0;
}

/* Splits at commas not escaped by a backslash; the pieces keep their escapes. */
static int split_terms(const char *s, char ***parts, size_t *n)
{
    size_t cap = 1;
    const char *start = s;
    bool slash = false;

    for (const char *c = s; *c; c++)
        cap += *c == ',';
    *parts = calloc(cap, sizeof(**parts));
    if (*parts == NULL)
        return -ENOMEM;
    *n = 0;
    for (const char *c = s;; c++) {
        if (*c == '\0' || (*c == ',' && !slash)) {
            (*parts)[*n] = strndup(start, (size_t)(c - start));
            if ((*parts)[(*n)++] == NULL)
                return -ENOMEM;
            if (*c == '\0')
                return 0;
            start = c + 1;
        }
        slash = !slash && *c == '\\';
    }
}

static int parse_term(const char *sel, const char *part, struct tas_fieldsel_term *t, char *err,
                      size_t errlen)
{
    static const char *const ops[] = {"!=", "==", "="};
    const char *at = NULL, *op = NULL;

    for (const char *c = part; *c && at == NULL; c++)
        for (size_t i = 0; i < 3 && at == NULL; i++)
            if (strncmp(c, ops[i], strlen(ops[i])) == 0) {
                at = c;
                op = ops[i];
            }
    if (at == NULL) {
        snprintf(err, errlen, "invalid selector: '%s'; can't understand '%s'", sel, part);
        return -EINVAL;
    }
    t->field = strndup(part, (size_t)(at - part));
    t->value = malloc(strlen(at) + 1);
    if (t->field == NULL || t->value == NULL)
        return -ENOMEM;
    t->negate = op[0] == '!';
    return unescape(at + strlen(op), t->value, err, errlen);
}

int tas_fieldsel_parse(const char *s, struct tas_fieldsel **out, char *err, size_t errlen)
{
    struct tas_fieldsel *sel = calloc(1, sizeof(*sel));
    char **parts = NULL;
    size_t n = 0;
    int rc = -ENOMEM;

    *out = NULL;
    if (sel == NULL)
        goto out;
    if (*s == '\0') {
        rc = 0;
        goto out;
    }
    if ((rc = split_terms(s, &parts, &n)) != 0)
        goto out;
    qsort(parts, n, sizeof(*parts), cmp_str);
    sel->terms = calloc(n, sizeof(*sel->terms));
    if (sel->terms == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (parts[i][0] == '\0')
            continue;
        rc = parse_term(s, parts[i], &sel->terms[sel->n++], err, errlen);
        if (rc)
            goto out;
    }
out:
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (rc == 0) {
        *out = sel;
        sel = NULL;
    }
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
    tas_fieldsel_free(sel);
    return rc;
}

int tas_fieldsel_check_fields(const struct tas_fieldsel *sel, const char *const *supported,
                              size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < sel->n; i++) {
        bool ok = false;
        for (size_t j = 0; j < n && !ok; j++)
            ok = strcmp(sel->terms[i].field, supported[j]) == 0;
        if (!ok) {
            snprintf(err, errlen, "field label not supported: %s", sel->terms[i].field);
            return -EINVAL;
        }
    }
    return 0;
}

bool tas_fieldsel_match_fn(const struct tas_fieldsel *sel,
                           const char *(*get)(void *ctx, const char *field), void *ctx)
{
    for (size_t i = 0; i < sel->n; i++) {
        const char *v = get(ctx, sel->terms[i].field);
        if ((strcmp(v ? v : "", sel->terms[i].value) == 0) == sel->terms[i].negate)
            return false;
    }
    return true;
}

struct path_ctx {
    const json_t *obj;
    char buf[32];
};

static const char *get_path(void *vctx, const char *field)
{
    struct path_ctx *c = vctx;
    const json_t *v = c->obj;
    const char *dot;
    char key[256];

    for (const char *p = field; v != NULL; p = dot + 1) {
        dot = strchr(p, '.');
        if (dot == NULL) {
            v = json_object_get(v, p);
            break;
        }
        if ((size_t)(dot - p) >= sizeof(key))
            return NULL;
        memcpy(key, p, (size_t)(dot - p));
        key[dot - p] = '\0';
        v = json_object_get(v, key);
    }
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(c->buf, sizeof(c->buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return c->buf;
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

bool tas_fieldsel_match(const struct tas_fieldsel *sel, const json_t *obj)
{
    struct path_ctx c = {.obj = obj};
    return tas_fieldsel_match_fn(sel, get_path, &c);
}

const char *tas_fieldsel_requires_exact(const struct tas_fieldsel *sel, const char *field)
{
    for (size_t i = 0; i < sel->n; i++)
        if (!sel->terms[i].negate && strcmp(sel->terms[i].field, field) == 0)
            return sel->terms[i].value;
    return NULL;
}

/* The CEL subset of cel.h: a recursive-descent parser into a fixed arena of
 * nodes, and a tree-walking evaluator over jansson values. */
#include "cel.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum node_kind {
	N_VAR,    /* var */
	N_LIT,    /* lit */
	N_LIST,   /* first item a, items chained by next */
	N_SELECT, /* a.name */
	N_INDEX,  /* a[b] */
	N_HAS,    /* has(a.name): a is the N_SELECT */
	N_NOT,    /* !a */
	N_AND,
	N_OR,
	N_EQ,
	N_NE,
	N_IN,
	N_ADD,
	N_CALL, /* a.fn(b) */
	N_LOCAL, /* the variable of an enclosing comprehension: var is its slot */
	N_COMP,  /* a.all(name, b) / a.exists(name, b): var is enum macro; slot, name's */
};

enum var { V_OBJECT, V_OLD_OBJECT, V_REQUEST, V_NAMESPACE_OBJECT, V_PARAMS };
static const char *const var_names[] = {"object", "oldObject", "request", "namespaceObject",
					"params"};

enum macro { M_ALL, M_EXISTS };
static const char *const macro_names[] = {"all", "exists"};

enum fn { F_STARTS_WITH, F_ENDS_WITH, F_CONTAINS, F_MATCHES };
static const char *const fn_names[] = {"startsWith", "endsWith", "contains", "matches"};

struct node {
	enum node_kind kind;
	int a, b, next; /* node indices, -1: none */
	int var;        /* N_VAR: enum var; N_CALL: enum fn; N_LOCAL: slot; N_COMP: macro */
	int slot;       /* N_COMP: where its variable lives while b is evaluated */
	char *name;     /* N_SELECT: the field */
	json_t *lit;    /* N_LIT */
	regex_t *re;    /* N_CALL matches */
};

struct tas_cel {
	struct node *nodes;
	int n;
	int root;
};

/* --- lexer ---------------------------------------------------------------- */

enum tok {
	T_EOF, T_IDENT, T_STRING, T_INT, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_DOT,
	T_COMMA, T_NOT, T_AND, T_OR, T_EQ, T_NE, T_PLUS, T_IN, T_TRUE, T_FALSE, T_NULL,
};

struct parser {
	const char *src;
	size_t pos;      /* next byte to lex */
	size_t tok_pos;  /* where the current token starts */
	enum tok tok;
	char *text;      /* T_IDENT, T_STRING: the (unescaped) text, owned */
	size_t text_len;
	long long ival;
	struct tas_cel *c;
	int depth;
	bool params;    /* `params` is declared (the policy has a paramKind) */
	/* the variables of the comprehensions being parsed, innermost last */
	char *locals[TAS_CEL_MAX_LOCALS];
	int n_locals;
	char *err;
	size_t errlen;
	int rc; /* first error; 0 while none */
};

/* Records the first error, cel-go style, at byte offset at. */
static void fail(struct parser *p, int rc, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct parser *p, int rc, size_t at, const char *fmt, ...)
{
	char msg[512];
	int line = 1, col = 1;
	va_list ap;

	if (p->rc)
		return;
	p->rc = rc;
	for (size_t i = 0; i < at && p->src[i]; i++) {
		if (p->src[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "ERROR: <input>:%d:%d: %s", line, col, msg);
}

static const char *const word_ops[] = {"in", "true", "false", "null"};
static const enum tok word_toks[] = {T_IN, T_TRUE, T_FALSE, T_NULL};

static void lex_string(struct parser *p, char quote)
{
	const char *s = p->src;
	size_t start = p->pos;
	char *buf;
	size_t n = 0;

	if (s[p->pos + 1] == quote && s[p->pos + 2] == quote) {
		fail(p, -EINVAL, start, "unsupported: triple-quoted strings");
		return;
	}
	buf = malloc(strlen(s + p->pos) + 1);
	if (!buf) {
		fail(p, -ENOMEM, start, "out of memory");
		return;
	}
	p->pos++;
	for (;;) {
		char ch = s[p->pos];
		if (ch == '\0' || ch == '\n') {
			fail(p, -EINVAL, start, "unterminated string literal");
			goto fail;
		}
		p->pos++;
		if (ch == quote)
			break;
		if (ch == '\\') {
			static const char from[] = "\\'\"nrt", to[] = "\\'\"\n\r\t";
			const char *at = s[p->pos] ? strchr(from, s[p->pos]) : NULL;
			if (!at) {
				fail(p, -EINVAL, p->pos - 1,
				     "unsupported: escape sequence '\\%c' (only \\\\ \\' \\\" \\n "
				     "\\r \\t)", s[p->pos] ? s[p->pos] : ' ');
				goto fail;
			}
			ch = to[at - from];
			p->pos++;
		}
		buf[n++] = ch;
	}
	buf[n] = '\0';
	p->text = buf;
	p->text_len = n;
	p->tok = T_STRING;
	return;
fail:
	free(buf);
}

static void lex(struct parser *p)
{
	const char *s = p->src;
	static const struct {
		const char *op;
		enum tok tok;
	} ops[] = {
		{"&&", T_AND}, {"||", T_OR}, {"==", T_EQ}, {"!=", T_NE}, {"(", T_LPAREN},
		{")", T_RPAREN}, {"[", T_LBRACK}, {"]", T_RBRACK}, {".", T_DOT}, {",", T_COMMA},
		{"!", T_NOT}, {"+", T_PLUS},
	};

	free(p->text);
	p->text = NULL;
	if (p->rc) {
		p->tok = T_EOF;
		return;
	}
	while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
		p->pos++;
	p->tok_pos = p->pos;
	if (!s[p->pos]) {
		p->tok = T_EOF;
		return;
	}
	if (s[p->pos] == '\'' || s[p->pos] == '"') {
		lex_string(p, s[p->pos]);
		return;
	}
	if ((s[p->pos] == 'r' || s[p->pos] == 'R' || s[p->pos] == 'b' || s[p->pos] == 'B') &&
	    (s[p->pos + 1] == '\'' || s[p->pos + 1] == '"')) {
		fail(p, -EINVAL, p->pos, "unsupported: raw and bytes literals");
		return;
	}
	if (isalpha((unsigned char)s[p->pos]) || s[p->pos] == '_') {
		size_t start = p->pos;
		while (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '_')
			p->pos++;
		p->text = strndup(s + start, p->pos - start);
		if (!p->text) {
			fail(p, -ENOMEM, start, "out of memory");
			return;
		}
		p->text_len = p->pos - start;
		p->tok = T_IDENT;
		for (size_t i = 0; i < sizeof(word_ops) / sizeof(word_ops[0]); i++)
			if (strcmp(p->text, word_ops[i]) == 0)
				p->tok = word_toks[i];
		return;
	}
	if (isdigit((unsigned char)s[p->pos])) {
		size_t start = p->pos;
		long long v = 0;
		while (isdigit((unsigned char)s[p->pos])) {
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, s[p->pos] - '0', &v)) {
				fail(p, -EINVAL, start, "integer literal out of range");
				return;
			}
			p->pos++;
		}
		if (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '.' || s[p->pos] == '_') {
			fail(p, -EINVAL, start,
			     "unsupported: numeric literal (only decimal integers)");
			return;
		}
		p->ival = v;
		p->tok = T_INT;
		return;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i].op);
		if (strncmp(s + p->pos, ops[i].op, l) == 0) {
			p->pos += l;
			p->tok = ops[i].tok;
			return;
		}
	}
	if (strchr("<>?:-*/%{}", s[p->pos]))
		fail(p, -EINVAL, p->pos, "unsupported: operator '%c'", s[p->pos]);
	else if (isprint((unsigned char)s[p->pos]))
		fail(p, -EINVAL, p->pos, "Syntax error: token recognition error at: '%c'",
		     s[p->pos]);
	else
		fail(p, -EINVAL, p->pos, "Syntax error: token recognition error at: byte 0x%02x",
		     (unsigned char)s[p->pos]);
}

/* --- parser --------------------------------------------------------------- */

static int new_node(struct parser *p, enum node_kind kind, int a, int b)
{
	struct node *n;

	if (p->rc)
		return -1;
	if (p->c->n >= TAS_CEL_MAX_NODES) {
		fail(p, -EINVAL, p->tok_pos, "expression has more than %d nodes",
		     TAS_CEL_MAX_NODES);
		return -1;
	}
	n = &p->c->nodes[p->c->n];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->a = a;
	n->b = b;
	n->next = -1;
	return p->c->n++;
}

static bool expect(struct parser *p, enum tok t, const char *what)
{
	if (p->rc)
		return false;
	if (p->tok != t) {
		fail(p, -EINVAL, p->tok_pos, "Syntax error: expected %s", what);
		return false;
	}
	lex(p);
	return !p->rc;
}

static int parse_expr(struct parser *p);

/* What glibc's regcomp would turn into an explosion of memory: it copies a
 * group once per `+` and n times per {n}, so nested repetitions multiply
 * (the fuzzer found `#+++++...` and its 2 GiB). Stacked quantifiers are
 * errors in RE2 too; counted repetition is left out of the subset; at most
 * four groups may take `+`, bounding the copies of the pattern to 16. NULL
 * when the pattern is fine, else why not. */
static const char *pattern_too_costly(const char *re)
{
	bool after_quantifier = false;
	unsigned group_plus = 0;

	for (size_t i = 0; re[i]; i++) {
		char c = re[i];

		if (c == '\\' && re[i + 1]) {
			i++;
			after_quantifier = false;
			continue;
		}
		if (c == '[') {
			/* a bracket expression: its characters are literals */
			size_t j = i + 1;
			if (re[j] == '^')
				j++;
			if (re[j] == ']')
				j++;
			while (re[j] && re[j] != ']')
				j++;
			if (!re[j])
				return NULL; /* unbalanced: regcomp says so */
			i = j;
			after_quantifier = false;
			continue;
		}
		if (c == '{')
			return "counted repetition '{n,m}'";
		if (c == '*' || c == '+' || c == '?') {
			if (after_quantifier)
				return "a repetition of a repetition";
			if (c == '+' && i > 0 && re[i - 1] == ')' && ++group_plus > 4)
				return "more than four groups repeated with '+'";
			after_quantifier = true;
			continue;
		}
		after_quantifier = false;
	}
	return NULL;
}

/* Bad patterns are refused here rather than at the first request. */
static regex_t *compile_pattern(struct parser *p, const char *re, size_t at)
{
	const char *costly = pattern_too_costly(re);
	static const char *const re2_only[] = {"(?", "*?", "+?", "??", "}?"};
	regex_t *r;
	int rc;

	for (size_t i = 0; re[i]; i++) {
		if (re[i] == '\\' && isalnum((unsigned char)re[i + 1])) {
			fail(p, -EINVAL, at, "unsupported: regular expression escape '\\%c' "
			     "(RE2 and POSIX ERE differ on it)", re[i + 1]);
			return NULL;
		}
		if (re[i] == '\\' && re[i + 1])
			i++;
	}
	for (size_t i = 0; i < sizeof(re2_only) / sizeof(re2_only[0]); i++) {
		if (strstr(re, re2_only[i])) {
			fail(p, -EINVAL, at, "unsupported: regular expression construct '%s' "
			     "(RE2 only)", re2_only[i]);
			return NULL;
		}
	}
	if (costly) {
		fail(p, -EINVAL, at, "unsupported: regular expression with %s", costly);
		return NULL;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		fail(p, -ENOMEM, at, "out of memory");
		return NULL;
	}
	rc = regcomp(r, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char why[256];
		regerror(rc, r, why, sizeof(why));
		free(r);
		fail(p, -EINVAL, at, "invalid regular expression: %s", why);
		return NULL;
	}
	return r;
}

/* After "recv.name(": the one argument and ")". */
static int parse_call(struct parser *p, int recv, const char *name, size_t at)
{
	size_t i, arg_at;
	int id, arg;

	for (i = 0; i < sizeof(fn_names) / sizeof(fn_names[0]); i++)
		if (strcmp(name, fn_names[i]) == 0)
			break;
	if (i == sizeof(fn_names) / sizeof(fn_names[0])) {
		fail(p, -EINVAL, at, "unsupported: function '%s'", name);
		return -1;
	}
	arg_at = p->tok_pos;
	arg = parse_expr(p);
	if (p->rc)
		return -1;
	if (p->tok == T_COMMA) {
		fail(p, -EINVAL, p->tok_pos, "found no matching overload for '%s' with more "
		     "than one argument", name);
		return -1;
	}
	id = new_node(p, N_CALL, recv, arg);
	if (id < 0)
		return -1;
	p->c->nodes[id].var = (int)i;
	if (i == F_MATCHES) {
		const struct node *an = &p->c->nodes[arg];
		if (an->kind != N_LIT || !json_is_string(an->lit)) {
			fail(p, -EINVAL, arg_at,
			     "unsupported: matches() with a pattern that is not a string literal");
			return -1;
		}
		p->c->nodes[id].re = compile_pattern(p, json_string_value(an->lit), arg_at);
		if (!p->c->nodes[id].re)
			return -1;
	}
	if (!expect(p, T_RPAREN, "')'"))
		return -1;
	return id;
}

/* After "range.all(" or "range.exists(": the variable, ",", the predicate
 * and ")". The variable is visible in the predicate only, in the slot of
 * its nesting level. */
static int parse_comprehension(struct parser *p, int range, int macro, size_t at)
{
	int id, pred;

	if (p->tok != T_IDENT) {
		fail(p, -EINVAL, p->tok_pos, "argument must be a simple name");
		return -1;
	}
	if (p->n_locals >= TAS_CEL_MAX_LOCALS) {
		fail(p, -EINVAL, at, "comprehensions nest deeper than %d", TAS_CEL_MAX_LOCALS);
		return -1;
	}
	p->locals[p->n_locals++] = p->text;
	p->text = NULL;
	lex(p);
	if (!expect(p, T_COMMA, "','")) {
		free(p->locals[--p->n_locals]);
		return -1;
	}
	pred = parse_expr(p);
	free(p->locals[--p->n_locals]);
	if (p->rc)
		return -1;
	if (p->tok == T_COMMA) {
		fail(p, -EINVAL, p->tok_pos, "unsupported: %s() with more than two arguments",
		     macro_names[macro]);
		return -1;
	}
	id = new_node(p, N_COMP, range, pred);
	if (id < 0)
		return -1;
	p->c->nodes[id].var = macro;
	p->c->nodes[id].slot = p->n_locals;
	if (!expect(p, T_RPAREN, "')'"))
		return -1;
	return id;
}

static int parse_member(struct parser *p);

static int parse_primary(struct parser *p)
{
	size_t at = p->tok_pos;
	int id = -1;

	switch (p->tok) {
	case T_IDENT: {
		char *name = p->text;
		size_t i;
		p->text = NULL;
		lex(p);
		if (strcmp(name, "has") == 0 && p->tok == T_LPAREN) {
			int sel;
			free(name);
			lex(p);
			if (++p->depth > TAS_CEL_MAX_DEPTH) {
				fail(p, -EINVAL, at, "expression nests deeper than %d",
				     TAS_CEL_MAX_DEPTH);
				return -1;
			}
			sel = parse_member(p);
			p->depth--;
			if (p->rc)
				return -1;
			if (p->c->nodes[sel].kind != N_SELECT) {
				fail(p, -EINVAL, at, "invalid argument to has() macro");
				return -1;
			}
			id = new_node(p, N_HAS, sel, -1);
			if (!expect(p, T_RPAREN, "')'"))
				return -1;
			return id;
		}
		if (p->tok == T_LPAREN) {
			fail(p, -EINVAL, at, "unsupported: function '%s'", name);
			free(name);
			return -1;
		}
		for (int l = p->n_locals - 1; l >= 0; l--) {
			if (strcmp(name, p->locals[l]) == 0) {
				free(name);
				id = new_node(p, N_LOCAL, -1, -1);
				if (id >= 0)
					p->c->nodes[id].var = l;
				return id;
			}
		}
		for (i = 0; i < sizeof(var_names) / sizeof(var_names[0]); i++)
			if (strcmp(name, var_names[i]) == 0)
				break;
		if (i == V_PARAMS && !p->params)
			i = sizeof(var_names) / sizeof(var_names[0]);
		if (i == sizeof(var_names) / sizeof(var_names[0])) {
			fail(p, -EINVAL, at, "undeclared reference to '%s' (in container '')",
			     name);
			free(name);
			return -1;
		}
		free(name);
		id = new_node(p, N_VAR, -1, -1);
		if (id >= 0)
			p->c->nodes[id].var = (int)i;
		return id;
	}
	case T_STRING:
	case T_INT:
	case T_TRUE:
	case T_FALSE:
	case T_NULL: {
		json_t *v = p->tok == T_STRING ? json_stringn(p->text, p->text_len)
			    : p->tok == T_INT  ? json_integer(p->ival)
			    : p->tok == T_TRUE ? json_true()
			    : p->tok == T_FALSE ? json_false()
						: json_null();
		if (!v) {
			/* jansson refuses only invalid UTF-8 and memory */
			fail(p, p->tok == T_STRING ? -EINVAL : -ENOMEM, at,
			     "invalid UTF-8 in string literal");
			return -1;
		}
		id = new_node(p, N_LIT, -1, -1);
		if (id < 0) {
			json_decref(v);
			return -1;
		}
		p->c->nodes[id].lit = v;
		lex(p);
		return id;
	}
	case T_LPAREN:
		lex(p);
		id = parse_expr(p);
		if (!expect(p, T_RPAREN, "')'"))
			return -1;
		return id;
	case T_LBRACK: {
		int last = -1;
		lex(p);
		id = new_node(p, N_LIST, -1, -1);
		while (!p->rc && p->tok != T_RBRACK) {
			int item = parse_expr(p);
			if (p->rc)
				return -1;
			if (last < 0)
				p->c->nodes[id].a = item;
			else
				p->c->nodes[last].next = item;
			last = item;
			if (p->tok != T_COMMA)
				break;
			lex(p);
		}
		if (!expect(p, T_RBRACK, "']'"))
			return -1;
		return id;
	}
	case T_EOF:
		fail(p, -EINVAL, at, "Syntax error: unexpected end of input");
		return -1;
	default:
		fail(p, -EINVAL, at, "Syntax error: unexpected token");
		return -1;
	}
}

static int parse_member(struct parser *p)
{
	int id = parse_primary(p);

	while (!p->rc && (p->tok == T_DOT || p->tok == T_LBRACK)) {
		if (p->tok == T_DOT) {
			size_t at;
			char *name;
			lex(p);
			at = p->tok_pos;
			if (p->tok != T_IDENT) {
				fail(p, -EINVAL, at, "Syntax error: expected a field name");
				return -1;
			}
			name = p->text;
			p->text = NULL;
			lex(p);
			if (p->tok == T_LPAREN) {
				lex(p);
				if (++p->depth > TAS_CEL_MAX_DEPTH) {
					fail(p, -EINVAL, at, "expression nests deeper than %d",
					     TAS_CEL_MAX_DEPTH);
					free(name);
					return -1;
				}
				if (strcmp(name, macro_names[M_ALL]) == 0)
					id = parse_comprehension(p, id, M_ALL, at);
				else if (strcmp(name, macro_names[M_EXISTS]) == 0)
					id = parse_comprehension(p, id, M_EXISTS, at);
				else
					id = parse_call(p, id, name, at);
				p->depth--;
				free(name);
				continue;
			}
			id = new_node(p, N_SELECT, id, -1);
			if (id < 0) {
				free(name);
				return -1;
			}
			p->c->nodes[id].name = name;
		} else {
			int idx;
			lex(p);
			idx = parse_expr(p);
			if (!expect(p, T_RBRACK, "']'"))
				return -1;
			id = new_node(p, N_INDEX, id, idx);
		}
	}
	return p->rc ? -1 : id;
}

static int parse_unary(struct parser *p)
{
	size_t nots = 0;
	int id;

	while (p->tok == T_NOT && !p->rc) {
		nots++;
		lex(p);
	}
	id = parse_member(p);
	while (nots-- && !p->rc)
		id = new_node(p, N_NOT, id, -1);
	return p->rc ? -1 : id;
}

static int parse_add(struct parser *p)
{
	int id = parse_unary(p);

	while (!p->rc && p->tok == T_PLUS) {
		lex(p);
		id = new_node(p, N_ADD, id, parse_unary(p));
	}
	return p->rc ? -1 : id;
}

static int parse_rel(struct parser *p)
{
	int id = parse_add(p);

	while (!p->rc && (p->tok == T_EQ || p->tok == T_NE || p->tok == T_IN)) {
		enum node_kind k = p->tok == T_EQ ? N_EQ : p->tok == T_NE ? N_NE : N_IN;
		lex(p);
		id = new_node(p, k, id, parse_add(p));
	}
	return p->rc ? -1 : id;
}

static int parse_and(struct parser *p)
{
	int id = parse_rel(p);

	while (!p->rc && p->tok == T_AND) {
		lex(p);
		id = new_node(p, N_AND, id, parse_rel(p));
	}
	return p->rc ? -1 : id;
}

static int parse_expr(struct parser *p)
{
	int id;

	if (++p->depth > TAS_CEL_MAX_DEPTH) {
		fail(p, -EINVAL, p->tok_pos, "expression nests deeper than %d",
		     TAS_CEL_MAX_DEPTH);
		return -1;
	}
	id = parse_and(p);
	while (!p->rc && p->tok == T_OR) {
		lex(p);
		id = new_node(p, N_OR, id, parse_and(p));
	}
	p->depth--;
	return p->rc ? -1 : id;
}

void tas_cel_free(struct tas_cel *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++) {
		free(c->nodes[i].name);
		json_decref(c->nodes[i].lit);
		if (c->nodes[i].re) {
			regfree(c->nodes[i].re);
			free(c->nodes[i].re);
		}
	}
	free(c->nodes);
	free(c);
}

int tas_cel_compile(const char *src, struct tas_cel **out, char *err, size_t errlen)
{
	return tas_cel_compile_env(src, 0, out, err, errlen);
}

int tas_cel_compile_env(const char *src, unsigned flags, struct tas_cel **out, char *err,
			size_t errlen)
{
	struct parser p = {.src = src, .err = err, .errlen = errlen,
			   .params = flags & TAS_CEL_PARAMS};
	struct tas_cel *c = NULL;
	size_t len = strlen(src);

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (len > TAS_CEL_MAX_LEN) {
		snprintf(err, errlen, "expression is %zu bytes long, more than %d", len,
			 TAS_CEL_MAX_LEN);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->nodes = calloc(TAS_CEL_MAX_NODES, sizeof(*c->nodes));
	if (!c || !c->nodes) {
		snprintf(err, errlen, "out of memory");
		tas_cel_free(c);
		return -ENOMEM;
	}
	p.c = c;
	lex(&p);
	c->root = parse_expr(&p);
	if (!p.rc && p.tok != T_EOF)
		fail(&p, -EINVAL, p.tok_pos, "Syntax error: unexpected token after the "
		     "expression");
	free(p.text);
	while (p.n_locals > 0)
		free(p.locals[--p.n_locals]);
	if (p.rc) {
		tas_cel_free(c);
		return p.rc;
	}
	*out = c;
	return 0;
}

/* --- evaluation ----------------------------------------------------------- */

struct eval {
	const struct tas_cel *c;
	const json_t *vars[5];
	const json_t *locals[TAS_CEL_MAX_LOCALS]; /* comprehension variables, borrowed */
	unsigned long steps;
	char *err;
	size_t errlen;
};

static int eval_fail(struct eval *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int eval_fail(struct eval *e, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, e->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "map";
	case JSON_ARRAY: return "list";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "int";
	case JSON_REAL: return "double";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "null_type";
	}
}

/* CEL's heterogeneous equality: values of different types are unequal,
 * except numbers, which compare by value. */
static bool cel_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b) && json_typeof(a) != json_typeof(b))
		return json_number_value(a) == json_number_value(b);
	return json_equal((json_t *)(uintptr_t)a, (json_t *)(uintptr_t)b);
}

static int eval(struct eval *e, int id, json_t **out);

static int select_field(struct eval *e, const json_t *base, const char *name, json_t **out)
{
	const json_t *v;

	if (!json_is_object(base))
		return eval_fail(e, -EINVAL, "type '%s' does not support field selection",
				 type_name(base));
	v = json_object_get(base, name);
	if (!v)
		return eval_fail(e, -EINVAL, "no such key: %s", name);
	*out = json_incref((json_t *)(uintptr_t)v);
	return 0;
}

static int eval_index(struct eval *e, const json_t *base, const json_t *idx, json_t **out)
{
	if (json_is_object(base) && json_is_string(idx))
		return select_field(e, base, json_string_value(idx), out);
	if (json_is_array(base) && json_is_integer(idx)) {
		json_int_t i = json_integer_value(idx);
		if (i < 0 || (size_t)i >= json_array_size(base))
			return eval_fail(e, -EINVAL, "index out of bounds: %" JSON_INTEGER_FORMAT,
					 i);
		*out = json_incref(json_array_get(base, (size_t)i));
		return 0;
	}
	return eval_fail(e, -EINVAL, "no such overload: %s[%s]", type_name(base),
			 type_name(idx));
}

/* && and || as CEL defines them: an error on one side is absorbed when the
 * other side decides the result (false for &&, true for ||). */
static int eval_logic(struct eval *e, const struct node *n, json_t **out)
{
	bool is_and = n->kind == N_AND;
	const char *op = is_and ? "_&&_" : "_||_";
	json_t *l = NULL, *r = NULL;
	char lerr[512] = "";
	int lrc, rrc, rc;

	lrc = eval(e, n->a, &l);
	if (lrc == -ENOMEM)
		return lrc;
	if (!lrc && !json_is_boolean(l)) {
		lrc = eval_fail(e, -EINVAL, "no such overload: %s applied to %s", op,
				type_name(l));
	}
	if (!lrc && json_is_true(l) != is_and) {
		*out = l;
		return 0;
	}
	if (lrc)
		snprintf(lerr, sizeof(lerr), "%s", e->err);
	rrc = eval(e, n->b, &r);
	if (rrc == -ENOMEM) {
		rc = rrc;
		goto out;
	}
	if (!rrc && !json_is_boolean(r))
		rrc = eval_fail(e, -EINVAL, "no such overload: %s applied to %s", op,
				type_name(r));
	if (!rrc && (json_is_true(r) != is_and || !lrc)) {
		*out = json_incref(r);
		rc = 0;
		goto out;
	}
	if (lrc) {
		rc = eval_fail(e, lrc, "%s", lerr);
		goto out;
	}
	rc = rrc;
out:
	json_decref(l);
	json_decref(r);
	return rc;
}

static int eval_call(struct eval *e, const struct node *n, const json_t *recv,
		     const json_t *arg, json_t **out)
{
	const char *s, *t;
	size_t sl, tl;
	bool r;

	if (!json_is_string(recv) || !json_is_string(arg))
		return eval_fail(e, -EINVAL, "no such overload: %s.%s(%s)", type_name(recv),
				 fn_names[n->var], type_name(arg));
	s = json_string_value(recv);
	sl = json_string_length(recv);
	t = json_string_value(arg);
	tl = json_string_length(arg);
	e->steps += sl / 256;
	switch (n->var) {
	case F_STARTS_WITH:
		r = tl <= sl && memcmp(s, t, tl) == 0;
		break;
	case F_ENDS_WITH:
		r = tl <= sl && memcmp(s + sl - tl, t, tl) == 0;
		break;
	case F_CONTAINS:
		r = memmem(s, sl, t, tl) != NULL;
		break;
	default: {
		regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)sl};
		int rc = regexec(n->re, s, 1, &m, REG_STARTEND);
		if (rc && rc != REG_NOMATCH)
			return eval_fail(e, -EINVAL, "regular expression evaluation failed");
		r = rc == 0;
	}
	}
	*out = json_boolean(r);
	return 0;
}

static int eval_binary(struct eval *e, const struct node *n, const json_t *a, const json_t *b,
		       json_t **out)
{
	switch (n->kind) {
	case N_EQ:
	case N_NE:
		*out = json_boolean(cel_equal(a, b) == (n->kind == N_EQ));
		return 0;
	case N_IN:
		if (json_is_array(b)) {
			size_t i;
			bool found = false;
			for (i = 0; i < json_array_size(b) && !found; i++)
				found = cel_equal(a, json_array_get(b, i));
			e->steps += i;
			*out = json_boolean(found);
			return 0;
		}
		if (json_is_object(b) && json_is_string(a)) {
			*out = json_boolean(json_object_get(b, json_string_value(a)) != NULL);
			return 0;
		}
		return eval_fail(e, -EINVAL, "no such overload: %s in %s", type_name(a),
				 type_name(b));
	case N_ADD:
		if (json_is_string(a) && json_is_string(b)) {
			size_t al = json_string_length(a), bl = json_string_length(b);
			char *buf;
			if (al + bl > TAS_CEL_MAX_STRING)
				return eval_fail(e, -EINVAL, "string longer than %d bytes",
						 TAS_CEL_MAX_STRING);
			buf = malloc(al + bl + 1);
			if (!buf)
				return eval_fail(e, -ENOMEM, "out of memory");
			memcpy(buf, json_string_value(a), al);
			memcpy(buf + al, json_string_value(b), bl);
			*out = json_stringn_nocheck(buf, al + bl);
			free(buf);
			return *out ? 0 : eval_fail(e, -ENOMEM, "out of memory");
		}
		if (json_is_integer(a) && json_is_integer(b)) {
			json_int_t s;
			if (__builtin_add_overflow(json_integer_value(a), json_integer_value(b),
						   &s))
				return eval_fail(e, -EINVAL, "integer overflow");
			*out = json_integer(s);
			return 0;
		}
		return eval_fail(e, -EINVAL, "no such overload: %s + %s", type_name(a),
				 type_name(b));
	default:
		return eval_fail(e, -EINVAL, "internal error: unknown operator");
	}
}

/* all() and exists() as CEL folds them: the first element that decides
 * (false for all, true for exists) gives the result even when another
 * element's predicate failed; otherwise the first error, if any. Over a
 * map, the variable takes its keys. One step per element on top of the
 * predicate's own. */
static int eval_comprehension(struct eval *e, const struct node *n, json_t **out)
{
	bool is_all = n->var == M_ALL;
	json_t *range = NULL, *key = NULL, *r = NULL, *v;
	char first_err[512] = "";
	int first_rc = 0, rc;
	const char *k;
	void *it;
	size_t i = 0;

	rc = eval(e, n->a, &range);
	if (rc)
		return rc;
	if (!json_is_array(range) && !json_is_object(range)) {
		rc = eval_fail(e, -EINVAL, "no such overload: %s.%s(...)", type_name(range),
			       macro_names[n->var]);
		goto out;
	}
	it = json_is_object(range) ? json_object_iter(range) : NULL;
	for (;;) {
		if (json_is_array(range)) {
			if (i >= json_array_size(range))
				break;
			v = json_array_get(range, i++);
		} else {
			if (!it)
				break;
			k = json_object_iter_key(it);
			it = json_object_iter_next(range, it);
			json_decref(key);
			key = json_stringn_nocheck(k, strlen(k));
			if (!key) {
				rc = eval_fail(e, -ENOMEM, "out of memory");
				goto out;
			}
			v = key;
		}
		if (++e->steps > TAS_CEL_MAX_STEPS) {
			rc = eval_fail(e, -EINVAL, "operation cancelled: actual cost limit exceeded");
			goto out;
		}
		e->locals[n->slot] = v;
		rc = eval(e, n->b, &r);
		e->locals[n->slot] = NULL;
		if (rc == -ENOMEM)
			goto out;
		if (!rc && !json_is_boolean(r)) {
			rc = eval_fail(e, -EINVAL, "no such overload: %s() predicate applied to %s",
				       macro_names[n->var], type_name(r));
			json_decref(r);
			r = NULL;
		}
		if (rc) {
			/* the cost limit ends the fold: nothing after it may run */
			if (e->steps > TAS_CEL_MAX_STEPS)
				goto out;
			if (!first_rc) {
				first_rc = rc;
				snprintf(first_err, sizeof(first_err), "%s", e->err);
			}
			continue;
		}
		if (json_is_true(r) != is_all) {
			*out = r;
			r = NULL;
			rc = 0;
			goto out;
		}
		json_decref(r);
		r = NULL;
	}
	if (first_rc) {
		rc = eval_fail(e, first_rc, "%s", first_err);
		goto out;
	}
	*out = json_boolean(is_all);
	rc = 0;
out:
	json_decref(r);
	json_decref(key);
	json_decref(range);
	return rc;
}

static int eval(struct eval *e, int id, json_t **out)
{
	const struct node *n = &e->c->nodes[id];
	json_t *a = NULL, *b = NULL;
	int rc;

	*out = NULL;
	if (++e->steps > TAS_CEL_MAX_STEPS)
		return eval_fail(e, -EINVAL, "operation cancelled: actual cost limit exceeded");
	switch (n->kind) {
	case N_VAR:
		*out = e->vars[n->var] ? json_incref((json_t *)(uintptr_t)e->vars[n->var])
				       : json_null();
		return 0;
	case N_LIT:
		*out = json_incref(n->lit);
		return 0;
	case N_LOCAL: /* set whenever it can be reached: only a predicate names it */
		*out = e->locals[n->var] ? json_incref((json_t *)(uintptr_t)e->locals[n->var])
					 : json_null();
		return 0;
	case N_COMP:
		return eval_comprehension(e, n, out);
	case N_AND:
	case N_OR:
		return eval_logic(e, n, out);
	case N_LIST: {
		json_t *list = json_array();
		if (!list)
			return eval_fail(e, -ENOMEM, "out of memory");
		for (int i = n->a; i >= 0; i = e->c->nodes[i].next) {
			rc = eval(e, i, &a);
			if (!rc && json_array_append_new(list, a))
				rc = eval_fail(e, -ENOMEM, "out of memory");
			if (rc) {
				json_decref(list);
				return rc;
			}
		}
		*out = list;
		return 0;
	}
	case N_HAS: {
		const struct node *sel = &e->c->nodes[n->a];
		rc = eval(e, sel->a, &a);
		if (!rc && !json_is_object(a))
			rc = eval_fail(e, -EINVAL, "invalid type for field selection: %s",
				       type_name(a));
		if (!rc)
			*out = json_boolean(json_object_get(a, sel->name) != NULL);
		goto out;
	}
	default:
		break;
	}
	rc = eval(e, n->a, &a);
	if (rc)
		goto out;
	switch (n->kind) {
	case N_SELECT:
		rc = select_field(e, a, n->name, out);
		goto out;
	case N_NOT:
		if (!json_is_boolean(a)) {
			rc = eval_fail(e, -EINVAL, "no such overload: !_ applied to %s",
				       type_name(a));
			goto out;
		}
		*out = json_boolean(!json_is_true(a));
		goto out;
	default:
		break;
	}
	rc = eval(e, n->b, &b);
	if (rc)
		goto out;
	if (n->kind == N_INDEX)
		rc = eval_index(e, a, b, out);
	else if (n->kind == N_CALL)
		rc = eval_call(e, n, a, b, out);
	else
		rc = eval_binary(e, n, a, b, out);
out:
	json_decref(b);
	json_decref(a);
	return rc;
}

int tas_cel_eval(const struct tas_cel *c, const struct tas_cel_vars *vars, json_t **out,
		 char *err, size_t errlen)
{
	struct eval e = {
		.c = c,
		.vars = {vars->object, vars->old_object, vars->request, vars->namespace_object,
			 vars->params},
		.err = err,
		.errlen = errlen,
	};
	int rc;

	if (errlen)
		err[0] = '\0';
	rc = eval(&e, c->root, out);
	if (!rc && e.steps > TAS_CEL_MAX_STEPS) {
		json_decref(*out);
		*out = NULL;
		rc = eval_fail(&e, -EINVAL, "operation cancelled: actual cost limit exceeded");
	}
	return rc;
}

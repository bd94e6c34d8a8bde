#include "tas_manifest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define MAX_DEPTH 128
#define MAX_VALUES 1000000

struct ctx {
	yaml_parser_t p;
	json_t *anchors; /* anchor name -> value */
	size_t values;
	char *err;
	size_t errlen;
};

static void fail(struct ctx *c, const yaml_mark_t *m, const char *what)
{
	if (!c->err[0])
		snprintf(c->err, c->errlen, "line %zu column %zu: %s", m->line + 1, m->column + 1,
			 what);
}

static bool is_one_of(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (strcmp(s, *v) == 0)
			return true;
	return false;
}

/* The YAML 1.1 resolution of an untagged plain scalar. */
static json_t *plain_scalar(const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const trues[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
					    "on", "On", "ON", NULL};
	static const char *const falses[] = {"n", "N", "no", "No", "NO", "false", "False",
					     "FALSE", "off", "Off", "OFF", NULL};
	char *end;
	long long ll;
	double d;

	if (is_one_of(s, nulls))
		return json_null();
	if (is_one_of(s, trues))
		return json_true();
	if (is_one_of(s, falses))
		return json_false();
	if (*s && strspn(s, "+-0123456789_xXoabcdefABCDEF") == strlen(s)) {
		errno = 0;
		ll = strtoll(s, &end, 0);
		if (!*end && !errno && strchr(s, '_') == NULL)
			return json_integer(ll);
	}
	if (!strcasecmp(s, ".inf") || !strcasecmp(s, "+.inf"))
		return json_real(INFINITY);
	if (!strcasecmp(s, "-.inf"))
		return json_real(-INFINITY);
	if (*s && strspn(s, "+-0123456789.eE") == strlen(s) && strpbrk(s, "0123456789")) {
		errno = 0;
		d = strtod(s, &end);
		if (!*end && !errno)
			return json_real(d);
	}
	return json_string(s);
}

static json_t *scalar(const yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;
	const char *tag = (const char *)e->data.scalar.tag;

	if (tag && strcmp(tag, YAML_STR_TAG) == 0)
		return json_stringn(v, e->data.scalar.length);
	if (tag && (strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0 ||
		    strcmp(tag, YAML_BOOL_TAG) == 0 || strcmp(tag, YAML_NULL_TAG) == 0))
		return plain_scalar(v);
	if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || tag)
		return json_stringn(v, e->data.scalar.length);
	return plain_scalar(v);
}

static json_t *node(struct ctx *c, yaml_event_t *e, int depth);

/* Reads the value after an already-consumed start event. */
static json_t *collection(struct ctx *c, yaml_event_t *start, int depth)
{
	bool map = start->type == YAML_MAPPING_START_EVENT;
	json_t *out = map ? json_object() : json_array();
	yaml_event_t e;

	if (!out)
		return NULL;
	for (;;) {
		json_t *k = NULL, *v;
		if (!yaml_parser_parse(&c->p, &e)) {
			fail(c, &c->p.problem_mark, c->p.problem ? c->p.problem : "parse error");
			goto bad;
		}
		if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&e);
			return out;
		}
		if (map) {
			k = node(c, &e, depth + 1);
			yaml_event_delete(&e);
			if (!k)
				goto bad;
			if (!json_is_string(k)) {
				char *text = json_dumps(k, JSON_ENCODE_ANY);
				json_decref(k);
				k = text ? json_string(text) : NULL;
				free(text);
				if (!k)
					goto bad;
			}
			if (!yaml_parser_parse(&c->p, &e)) {
				fail(c, &c->p.problem_mark, c->p.problem ? c->p.problem : "parse error");
				json_decref(k);
				goto bad;
			}
		}
		v = node(c, &e, depth + 1);
		yaml_event_delete(&e);
		if (!v || (map ? json_object_set_new(out, json_string_value(k), v)
			       : json_array_append_new(out, v))) {
			json_decref(k);
			goto bad;
		}
		json_decref(k);
	}
bad:
	json_decref(out);
	return NULL;
}

static json_t *node(struct ctx *c, yaml_event_t *e, int depth)
{
	const yaml_char_t *anchor = NULL;
	size_t start = c->values;
	json_t *v = NULL, *entry;

	if (depth > MAX_DEPTH) {
		fail(c, &e->start_mark, "nesting too deep");
		return NULL;
	}
	if (++c->values > MAX_VALUES) {
		fail(c, &e->start_mark, "too many values");
		return NULL;
	}
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		anchor = e->data.scalar.anchor;
		v = scalar(e);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = e->data.sequence_start.anchor;
		v = collection(c, e, depth);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = e->data.mapping_start.anchor;
		v = collection(c, e, depth);
		break;
	case YAML_ALIAS_EVENT:
		entry = json_object_get(c->anchors, (const char *)e->data.alias.anchor);
		if (!entry) {
			fail(c, &e->start_mark, "unknown anchor");
			return NULL;
		}
		/* an alias costs every value it expands to */
		c->values += (size_t)json_integer_value(json_array_get(entry, 1));
		if (c->values > MAX_VALUES) {
			fail(c, &e->start_mark, "too many values");
			return NULL;
		}
		return json_deep_copy(json_array_get(entry, 0));
	default:
		fail(c, &e->start_mark, "unexpected event");
		return NULL;
	}
	if (!v) {
		fail(c, &e->start_mark, "out of memory");
		return NULL;
	}
	if (anchor && json_object_set_new(c->anchors, (const char *)anchor,
					  json_pack("[O, I]", v, (json_int_t)(c->values - start)))) {
		json_decref(v);
		return NULL;
	}
	return v;
}

json_t *tas_manifest_documents(const char *text, size_t len, char *err, size_t errlen)
{
	struct ctx c = {.err = err, .errlen = errlen};
	json_t *docs = json_array();
	yaml_event_t e;
	bool ok = false;

	err[0] = '\0';
	if (!docs || !yaml_parser_initialize(&c.p)) {
		json_decref(docs);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&c.p, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&c.p, &e)) {
			fail(&c, &c.p.problem_mark, c.p.problem ? c.p.problem : "parse error");
			break;
		}
		if (e.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&e);
			ok = true;
			break;
		}
		if (e.type == YAML_DOCUMENT_START_EVENT) {
			json_decref(c.anchors);
			c.anchors = json_object();
		}
		if (e.type == YAML_SCALAR_EVENT || e.type == YAML_SEQUENCE_START_EVENT ||
		    e.type == YAML_MAPPING_START_EVENT || e.type == YAML_ALIAS_EVENT) {
			json_t *v = c.anchors ? node(&c, &e, 0) : NULL;
			yaml_event_delete(&e);
			if (!v)
				break;
			if (!json_is_null(v) && json_array_append(docs, v)) {
				json_decref(v);
				break;
			}
			json_decref(v);
			continue;
		}
		yaml_event_delete(&e);
	}
	json_decref(c.anchors);
	yaml_parser_delete(&c.p);
	if (!ok) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		json_decref(docs);
		return NULL;
	}
	return docs;
}

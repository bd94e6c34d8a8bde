#include "tas_jsonpatch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS 10000

/* Splits the next reference token of a pointer, unescaping ~1 and ~0. */
static const char *next_token(const char *p, char *tok, size_t len, int *ok)
{
	size_t n = 0;

	*ok = 1;
	for (; *p && *p != '/'; p++) {
		char c = *p;
		if (c == '~') {
			if (p[1] == '0')
				c = '~';
			else if (p[1] == '1')
				c = '/';
			else {
				*ok = 0;
				return p;
			}
			p++;
		}
		if (n + 1 >= len) {
			*ok = 0;
			return p;
		}
		tok[n++] = c;
	}
	tok[n] = '\0';
	return p;
}

static int parse_index(const char *tok, size_t limit, size_t *out)
{
	char *end;
	unsigned long v;

	if (!*tok || (tok[0] == '0' && tok[1]) || tok[0] < '0' || tok[0] > '9')
		return -1;
	v = strtoul(tok, &end, 10);
	if (*end || v > limit)
		return -1;
	*out = v;
	return 0;
}

/* Resolves all but the last token: *parent and the last token in last. */
static int resolve(json_t *doc, const char *ptr, json_t **parent, char *last, size_t len,
		   char *err, size_t errlen)
{
	json_t *cur = doc;
	const char *p = ptr;
	char tok[1024];
	int ok;

	if (*p != '/') {
		snprintf(err, errlen, "invalid JSON pointer \"%s\"", ptr);
		return -1;
	}
	for (;;) {
		p = next_token(p + 1, tok, sizeof(tok), &ok);
		if (!ok) {
			snprintf(err, errlen, "invalid JSON pointer \"%s\"", ptr);
			return -1;
		}
		if (*p == '\0') {
			snprintf(last, len, "%s", tok);
			*parent = cur;
			return 0;
		}
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok);
		} else if (json_is_array(cur)) {
			size_t i;
			cur = parse_index(tok, json_array_size(cur) - 1, &i) ? NULL
									   : json_array_get(cur, i);
		} else {
			cur = NULL;
		}
		if (!cur) {
			snprintf(err, errlen, "doc is missing path: \"%s\"", ptr);
			return -1;
		}
	}
}

static json_t *get(json_t *doc, const char *ptr, char *err, size_t errlen)
{
	json_t *parent, *v = NULL;
	char last[1024];
	size_t i;

	if (*ptr == '\0')
		return doc;
	if (resolve(doc, ptr, &parent, last, sizeof(last), err, errlen))
		return NULL;
	if (json_is_object(parent))
		v = json_object_get(parent, last);
	else if (json_is_array(parent) && !parse_index(last, json_array_size(parent) - 1, &i))
		v = json_array_get(parent, i);
	if (!v)
		snprintf(err, errlen, "doc is missing path: \"%s\"", ptr);
	return v;
}

static int add(json_t *doc, const char *ptr, json_t *value, char *err, size_t errlen)
{
	json_t *parent;
	char last[1024];
	size_t i;

	if (resolve(doc, ptr, &parent, last, sizeof(last), err, errlen))
		return -1;
	if (json_is_object(parent))
		return json_object_set(parent, last, value);
	if (json_is_array(parent)) {
		if (strcmp(last, "-") == 0)
			return json_array_append(parent, value);
		if (parse_index(last, json_array_size(parent), &i)) {
			snprintf(err, errlen, "add operation does not apply: index out of range in \"%s\"", ptr);
			return -1;
		}
		return json_array_insert(parent, i, value);
	}
	snprintf(err, errlen, "add operation does not apply: doc is missing path: \"%s\"", ptr);
	return -1;
}

static int del(json_t *doc, const char *ptr, char *err, size_t errlen)
{
	json_t *parent;
	char last[1024];
	size_t i;

	if (resolve(doc, ptr, &parent, last, sizeof(last), err, errlen))
		return -1;
	if (json_is_object(parent) && json_object_get(parent, last))
		return json_object_del(parent, last);
	if (json_is_array(parent) && !parse_index(last, json_array_size(parent) - 1, &i))
		return json_array_remove(parent, i);
	snprintf(err, errlen, "remove operation does not apply: doc is missing path: \"%s\"", ptr);
	return -1;
}

static int apply_op(json_t *doc, const json_t *op, char *err, size_t errlen, int *bad)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	json_t *v;
	int rc;

	if (!name || !path) {
		*bad = 1;
		snprintf(err, errlen, "invalid JSON patch operation: missing \"op\" or \"path\"");
		return -1;
	}
	if (!strcmp(name, "add") || !strcmp(name, "replace") || !strcmp(name, "test")) {
		if (!value) {
			*bad = 1;
			snprintf(err, errlen, "invalid JSON patch operation: \"%s\" needs \"value\"",
				 name);
			return -1;
		}
	}
	if (!strcmp(name, "add"))
		return add(doc, path, value, err, errlen);
	if (!strcmp(name, "remove"))
		return del(doc, path, err, errlen);
	if (!strcmp(name, "replace")) {
		if (!get(doc, path, err, errlen) || del(doc, path, err, errlen))
			return -1;
		return add(doc, path, value, err, errlen);
	}
	if (!strcmp(name, "test")) {
		v = get(doc, path, err, errlen);
		if (!v)
			return -1;
		if (!json_equal(v, value)) {
			snprintf(err, errlen, "testing value %s failed: test failed", path);
			return -1;
		}
		return 0;
	}
	if (!strcmp(name, "move") || !strcmp(name, "copy")) {
		if (!from) {
			*bad = 1;
			snprintf(err, errlen, "invalid JSON patch operation: \"%s\" needs \"from\"",
				 name);
			return -1;
		}
		v = get(doc, from, err, errlen);
		if (!v)
			return -1;
		v = json_deep_copy(v);
		if (!v)
			return -1;
		rc = (!strcmp(name, "move") && del(doc, from, err, errlen)) ||
		     add(doc, path, v, err, errlen);
		json_decref(v);
		return rc ? -1 : 0;
	}
	*bad = 1;
	snprintf(err, errlen, "Unexpected kind: %s", name);
	return -1;
}

json_t *tas_json_patch(const json_t *doc, const json_t *patch, char *err, size_t errlen,
		       int *bad_request)
{
	json_t *out;
	size_t i;

	*bad_request = 0;
	if (!json_is_array(patch) || json_array_size(patch) > MAX_OPS) {
		*bad_request = 1;
		snprintf(err, errlen, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
		return NULL;
	}
	out = json_deep_copy(doc);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < json_array_size(patch); i++) {
		const json_t *op = json_array_get(patch, i);
		if (!json_is_object(op) || apply_op(out, op, err, errlen, bad_request)) {
			if (!json_is_object(op)) {
				*bad_request = 1;
				snprintf(err, errlen, "invalid JSON patch operation %zu", i);
			}
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

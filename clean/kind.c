/* Resource kinds of a file, streaming (kind.h). YAML is read line by line:
 * a document's own keys start at column 0 and a List's items are the
 * entries of its top-level `items:`, so `kind:` at those two places is an
 * object's kind and any other `kind:` (an Event's involvedObject, an
 * ownerReference) is not. JSON is read by its tokens: the keys of the top
 * object and of the objects in its "items" array, or of the objects of a
 * top-level array. */
#include "kind.h"

#include <stdio.h>
#include <string.h>

bool mgo_clean_kind_omitted(const struct mgo_clean_config *cfg, const char *kind,
			    const char *api, char *reason, size_t reasonlen)
{
	size_t n = strlen(kind);

	for (size_t i = 0; kind[0] && i < cfg->nomits; i++) {
		const struct mgo_clean_omit *o = &cfg->omits[i];
		size_t k;

		if (o->file || !o->kind)
			continue;
		k = strlen(o->kind);
		if (!(n == k || (n == k + 4 && !strcmp(kind + k, "List"))) ||
		    strncmp(kind, o->kind, k))
			continue;
		if (o->api_version && strcmp(o->api_version, api))
			continue;
		if (reason)
			snprintf(reason, reasonlen, "kind %s", kind);
		return true;
	}
	return false;
}

void mgo_clean_kind_init(struct mgo_clean_kindscan *k, const struct mgo_clean_config *cfg)
{
	memset(k, 0, sizeof(*k));
	k->cfg = cfg;
	k->item_dash = -1;
}

/* An object ended: level 0 the document or top object, 1 an item. */
static void settle(struct mgo_clean_kindscan *k, int level)
{
	if (!k->omit && mgo_clean_kind_omitted(k->cfg, k->kind[level], k->api[level], k->reason,
					       sizeof(k->reason))) {
		k->omit = true;
		k->done = true;
	}
	k->kind[level][0] = k->api[level][0] = '\0';
}

/* ---- YAML ------------------------------------------------------------- */

/* value of "key: value" with quotes, a trailing comment and spaces gone */
static void yaml_value(const char *v, char *out, size_t outlen)
{
	size_t n;

	while (*v == ' ')
		v++;
	n = strcspn(v, "#");
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* A key of the object at level: kind and apiVersion are kept. */
static void yaml_key(struct mgo_clean_kindscan *k, int level, const char *s)
{
	if (!strncmp(s, "kind:", 5))
		yaml_value(s + 5, k->kind[level], KIND_FIELD);
	else if (!strncmp(s, "apiVersion:", 11))
		yaml_value(s + 11, k->api[level], KIND_FIELD);
	else
		return;
	if (level == 0)
		k->yaml_resource = true;
}

static void end_item(struct mgo_clean_kindscan *k)
{
	if (k->in_item)
		settle(k, 1);
	k->in_item = false;
}

static void yaml_line(struct mgo_clean_kindscan *k, char *s)
{
	size_t n = strlen(s);
	int col = 0;

	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	if (!strncmp(s, "---", 3) && (s[3] == '\0' || s[3] == ' ')) {
		end_item(k);
		settle(k, 0);
		k->in_items = false;
		return;
	}
	while (s[col] == ' ')
		col++;
	if (s[col] == '\0' || s[col] == '#')
		return;
	if (col == 0 && s[0] != '-') {
		end_item(k);
		k->in_items = !strncmp(s, "items:", 6);
		k->item_dash = -1;
		yaml_key(k, 0, s);
		return;
	}
	if (!k->in_items)
		return;
	if (s[col] == '-' && (s[col + 1] == ' ' || s[col + 1] == '\0')) {
		if (k->item_dash < 0)
			k->item_dash = col;
		if (col != k->item_dash)
			return;
		end_item(k);
		k->in_item = true;
		col += 2;
		while (s[col] == ' ')
			col++;
		yaml_key(k, 1, s + col);
		return;
	}
	if (k->in_item && col == k->item_dash + 2)
		yaml_key(k, 1, s + col);
}

static void feed_yaml(struct mgo_clean_kindscan *k, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !k->done; i++) {
		if (p[i] != '\n') {
			if (k->linelen < KIND_LINE - 1)
				k->line[k->linelen++] = p[i];
			else
				k->line_long = true;
			continue;
		}
		k->line[k->linelen] = '\0';
		/* a line longer than any key and value we look for is data */
		if (!k->line_long)
			yaml_line(k, k->line);
		k->linelen = 0;
		k->line_long = false;
	}
}

/* ---- JSON ------------------------------------------------------------- */

/* Whether the object at the current depth is an item: of the top object's
 * "items", or of a top-level array. */
static bool json_item(const struct mgo_clean_kindscan *k)
{
	return (k->depth == 3 && k->is_obj[0] && k->top_items) ||
	       (k->depth == 2 && !k->is_obj[0]);
}

static void json_string_done(struct mgo_clean_kindscan *k)
{
	int level = k->depth == 1 && k->is_obj[0] ? 0 : json_item(k) ? 1 : -1;

	k->str[k->str_long ? 0 : k->strlen_] = '\0';
	if (k->key_string) {
		if (k->depth >= 1 && k->depth <= 3) {
			size_t n = k->str_long || k->strlen_ >= sizeof(k->key[0]) ? 0 : k->strlen_;

			memcpy(k->key[k->depth], k->str, n);
			k->key[k->depth][n] = '\0';
		}
		if (k->depth == 1)
			k->top_items = !strcmp(k->key[1], "items");
		return;
	}
	if (level < 0 || k->str_long)
		return;
	if (!strcmp(k->key[k->depth], "kind"))
		snprintf(k->kind[level], KIND_FIELD, "%s", k->str);
	else if (!strcmp(k->key[k->depth], "apiVersion"))
		snprintf(k->api[level], KIND_FIELD, "%s", k->str);
}

static void json_close(struct mgo_clean_kindscan *k)
{
	if (k->depth <= 0)
		return;
	if (k->depth <= KIND_DEPTH && k->is_obj[k->depth - 1]) {
		if (k->depth == 1)
			settle(k, 0);
		else if (json_item(k))
			settle(k, 1);
	}
	k->depth--;
	if (k->depth == 0) {
		k->ended = true;
		k->done = true;   /* one resource a file; JSON lines are text */
	}
	k->want_key = false;
}

static void feed_json(struct mgo_clean_kindscan *k, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !k->done; i++) {
		char c = p[i];

		if (k->in_string) {
			if (k->escape) {
				k->escape = false;
			} else if (c == '\\') {
				k->escape = true;
				continue;
			} else if (c == '"') {
				k->in_string = false;
				json_string_done(k);
				continue;
			}
			if (k->strlen_ < KIND_FIELD - 1)
				k->str[k->strlen_++] = c;
			else
				k->str_long = true;
			continue;
		}
		switch (c) {
		case '"':
			k->in_string = true;
			k->key_string = k->want_key;
			k->strlen_ = 0;
			k->str_long = false;
			break;
		case '{':
		case '[':
			if (k->depth < KIND_DEPTH)
				k->is_obj[k->depth] = c == '{';
			k->depth++;
			k->want_key = c == '{';
			if (k->depth >= 1 && k->depth <= 3)
				k->key[k->depth][0] = '\0';
			break;
		case '}':
		case ']':
			json_close(k);
			break;
		case ',':
			k->want_key = k->depth > 0 && k->depth <= KIND_DEPTH && k->is_obj[k->depth - 1];
			break;
		case ':':
			k->want_key = false;
			break;
		default:
			break;
		}
	}
}

/* ---- both ------------------------------------------------------------- */

bool mgo_clean_kind_feed(struct mgo_clean_kindscan *k, const char *p, size_t n)
{
	if (!k->decided) {
		size_t i = 0;

		while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
			i++;
		if (i == n) {
			/* JSON ignores it; a YAML line's indentation does not */
			feed_yaml(k, p, n);
			k->seen += n;
			goto check;
		}
		k->decided = true;
		k->format = p[i] == '{' || p[i] == '[' ? MGO_CLEAN_JSON : MGO_CLEAN_YAML;
	}
	if (k->format == MGO_CLEAN_JSON)
		feed_json(k, p, n);
	else
		feed_yaml(k, p, n);
	k->seen += n;
check:
	/* a file whose first part has no top-level kind or apiVersion is not
	 * a YAML resource, and is read as text */
	if (!k->done && k->seen >= MGO_CLEAN_KIND_PREFIX &&
	    !(k->format == MGO_CLEAN_JSON || k->yaml_resource)) {
		k->format = MGO_CLEAN_TEXT;
		k->done = true;
	}
	return k->done;
}

void mgo_clean_kind_end(struct mgo_clean_kindscan *k)
{
	if (k->done)
		goto out;
	if (k->format == MGO_CLEAN_YAML) {
		if (k->linelen && !k->line_long) {
			k->line[k->linelen] = '\0';
			yaml_line(k, k->line);
		}
		end_item(k);
		settle(k, 0);
	}
	k->done = true;
out:
	if (k->format == MGO_CLEAN_YAML && !k->yaml_resource)
		k->format = MGO_CLEAN_TEXT;
	if (k->format == MGO_CLEAN_JSON && !k->ended && !k->omit)
		k->format = MGO_CLEAN_TEXT; /* not one whole JSON value */
}

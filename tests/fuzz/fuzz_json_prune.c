/* mgo_json_prune_paths on arbitrary bytes; the first byte picks the paths
 * (as the Kubernetes client prunes: a watch event's, a List's or an
 * object's managedFields, and its spec or not) and whether the text is
 * pruned in place. Beyond "no crash": on text jansson accepts, the scan
 * never refuses, and jansson reads the pruned text as the original with the
 * values at the paths set to null; text refused in place is left as it
 * came. */
#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/json_prune.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_json_prune: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static const char *const event_spec[] = {"object", "spec", NULL};
static const char *const items_spec[] = {"items", "*", "spec", NULL};
static const char *const top_spec[] = {"spec", NULL};
static const char *const event_fields[] = {"object", "metadata", "managedFields", NULL};
static const char *const items_fields[] = {"items", "*", "metadata", "managedFields", NULL};
static const char *const top_fields[] = {"metadata", "managedFields", NULL};

/* Sets the values at `path` to null, as the pruning does. */
static void null_at(json_t *v, const char *const *path)
{
	size_t i;
	json_t *e;

	if (strcmp(path[0], "*") == 0) {
		if (!json_is_array(v))
			return;
		json_array_foreach(v, i, e) {
			if (!path[1])
				CHECK(json_array_set_new(v, i, json_null()) == 0);
			else
				null_at(e, path + 1);
		}
	} else if (json_is_object(v) && (e = json_object_get(v, path[0]))) {
		if (!path[1])
			CHECK(json_object_set_new(v, path[0], json_null()) == 0);
		else
			null_at(e, path + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const *const sets[][3] = {
		{event_spec, NULL, NULL},   {items_spec, NULL, NULL},   {top_spec, NULL, NULL},
		{event_fields, event_spec, NULL}, {items_fields, items_spec, NULL},
		{top_fields, top_spec, NULL},
	};
	const char *const *const *paths;
	bool in_place;
	const char *in;
	size_t len, out_len = (size_t)-1;
	char *out;
	json_t *a, *b;
	int rc;

	if (size < 1)
		return 0;
	paths = sets[data[0] % 6];
	in_place = data[0] & 0x80;
	in = (const char *)data + 1;
	len = size - 1;
	out = malloc(len ? len : 1);
	CHECK(out);
	if (in_place)
		memcpy(out, in, len);
	rc = mgo_json_prune_paths(in_place ? out : in, len, paths, out, &out_len);
	CHECK(rc >= -EBADMSG && rc != -EINVAL);
	CHECK(rc < 0 || out_len <= len);
	if (in_place && rc < 0)
		CHECK(memcmp(out, in, len) == 0);
	a = json_loadb(in, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	/* jansson takes a NUL byte for the end of the text (it reads "{}\0"
	 * as "{}"); the scan calls it a byte after the value and refuses,
	 * and the caller then parses the text whole: the same outcome */
	if (a && rc < 0)
		CHECK(memchr(in, '\0', len) != NULL);
	if (a && rc >= 0) {
		b = json_loadb(out, out_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		CHECK(b);
		for (size_t i = 0; paths[i]; i++) {
			null_at(a, paths[i]);
			null_at(b, paths[i]);
		}
		CHECK(json_equal(a, b));
		json_decref(b);
	}
	json_decref(a);
	free(out);
	return 0;
}

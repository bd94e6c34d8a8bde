/* mgo_json_prune on arbitrary bytes; the first byte picks the path (a
 * watch event's spec, each List item's, an object's). Beyond "no crash":
 * on text jansson accepts, the scan never refuses, and jansson reads the
 * pruned text as the original with the values at the path set to null. */
#include <errno.h>
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
	static const char *const *const paths[] = {event_spec, items_spec, top_spec};
	const char *const *path;
	const char *in;
	size_t len, out_len = (size_t)-1;
	char *out;
	json_t *a, *b;
	int rc;

	if (size < 1)
		return 0;
	path = paths[data[0] % 3];
	in = (const char *)data + 1;
	len = size - 1;
	out = malloc(len ? len : 1);
	CHECK(out);
	rc = mgo_json_prune(in, len, path, out, &out_len);
	CHECK(rc >= -EBADMSG && rc != -EINVAL);
	CHECK(rc < 0 || out_len <= len);
	a = json_loadb(in, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	/* jansson takes a NUL byte for the end of the text (it reads "{}\0"
	 * as "{}"); the scan calls it a byte after the value and refuses,
	 * and the caller then parses the text whole: the same outcome */
	if (a && rc < 0)
		CHECK(memchr(in, '\0', len) != NULL);
	if (a && rc >= 0) {
		b = json_loadb(out, out_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		CHECK(b);
		null_at(a, path);
		null_at(b, path);
		CHECK(json_equal(a, b));
		json_decref(b);
	}
	json_decref(a);
	free(out);
	return 0;
}

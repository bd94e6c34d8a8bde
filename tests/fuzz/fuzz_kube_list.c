/* mgo_kube_list_items_within over arbitrary bytes: the count of a list page
 * cut short at the client's cap, which decides how small the next page
 * is. Beyond "no crash": a longer prefix never counts fewer, and where the
 * whole input is a JSON object without escapes, the count is exactly the
 * objects in its "items" array. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/kube.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_kube_list: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static size_t objects_in_items(const json_t *doc)
{
	const json_t *items = json_object_get(doc, "items"), *v;
	size_t i, n = 0;

	json_array_foreach(items, i, v)
		n += json_is_object(v);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t whole = mgo_kube_list_items_within(buf, size);
	size_t half = mgo_kube_list_items_within(buf, size / 2);
	json_t *doc;

	CHECK(half <= whole);
	CHECK(whole <= size / 2);
	if (memchr(buf, '\\', size))
		return 0;
	doc = json_loadb(buf, size, JSON_REJECT_DUPLICATES, NULL);
	/* jansson takes the whole array; the scan stops at its end */
	if (json_is_object(doc) && json_is_array(json_object_get(doc, "items")))
		CHECK(whole == objects_in_items(doc));
	json_decref(doc);
	return 0;
}

/* mgo_json_prune_paths: the values at the paths become null and nothing else of
 * the text changes; text the scan cannot place is refused, so the caller
 * parses it whole. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/json_prune.h"

static const char *const event_spec[] = {"object", "spec", NULL};
static const char *const items_spec[] = {"items", "*", "spec", NULL};
static const char *const top_spec[] = {"spec", NULL};

/* Prunes `in` along `path` into a fresh NUL-ended string (NULL when
 * refused) and the count into *n. */
static char *prune(const char *in, const char *const *path, int *n)
{
	const char *const *const paths[] = {path, NULL};
	size_t len = strlen(in), out_len = 0;
	char *out = malloc(len + 1);

	cr_assert_not_null(out);
	*n = mgo_json_prune_paths(in, len, paths, out, &out_len);
	if (*n < 0) {
		free(out);
		return NULL;
	}
	cr_assert_leq(out_len, len);
	out[out_len] = '\0';
	return out;
}

static void assert_pruned(const char *in, const char *const *path, const char *want, int count)
{
	int n;
	char *got = prune(in, path, &n);

	cr_assert_not_null(got, "refused: %s", in);
	cr_assert_eq(n, count, "%d values pruned of %s", n, in);
	cr_assert_str_eq(got, want);
	free(got);
}

static void assert_refused(const char *in, const char *const *path)
{
	int n;
	char *got = prune(in, path, &n);

	cr_assert_null(got, "%s gave %s", in, got);
	cr_assert_eq(n, -EBADMSG);
}

Test(json_prune, a_watch_events_spec_becomes_null_and_the_rest_is_kept_byte_for_byte)
{
	assert_pruned("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"j\"},"
		      "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"command\":"
		      "[\"/bin/sh\",\"-c\",\"echo \\\"}]\\\" \\\\\"]}]}}},"
		      "\"status\":{\"succeeded\":1}}}",
		      event_spec,
		      "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"j\"},"
		      "\"spec\":null,\"status\":{\"succeeded\":1}}}", 1);
}

Test(json_prune, whitespace_anywhere_is_kept)
{
	assert_pruned(" {\n \"object\" : {\t\"spec\" :\r\n [ 1 , { \"a\" : \"b\" } ] ,"
		      " \"status\" : { } } } \n",
		      event_spec,
		      " {\n \"object\" : {\t\"spec\" :\r\n null ,"
		      " \"status\" : { } } } \n", 1);
}

Test(json_prune, every_item_of_a_list_loses_its_spec)
{
	assert_pruned("{\"kind\":\"JobList\",\"items\":[{\"spec\":{\"a\":1},\"status\":{}},"
		      "{\"metadata\":{}},{\"spec\":[true, false]}],\"metadata\":{}}",
		      items_spec,
		      "{\"kind\":\"JobList\",\"items\":[{\"spec\":null,\"status\":{}},"
		      "{\"metadata\":{}},{\"spec\":null}],\"metadata\":{}}", 2);
}

Test(json_prune, only_the_member_at_the_path_goes)
{
	/* a spec inside metadata, status or a string is not the object's */
	const char *in = "{\"metadata\":{\"annotations\":{\"spec\":\"{\\\"spec\\\":1}\"}},"
			 "\"status\":{\"spec\":{\"x\":2}},\"spec\":{\"x\":3},\"specs\":{\"x\":4}}";

	assert_pruned(in, top_spec,
		      "{\"metadata\":{\"annotations\":{\"spec\":\"{\\\"spec\\\":1}\"}},"
		      "\"status\":{\"spec\":{\"x\":2}},\"spec\":null,\"specs\":{\"x\":4}}", 1);
	/* the path goes through objects only where it says */
	assert_pruned("{\"object\":[{\"spec\":{\"x\":1}}]}", event_spec,
		      "{\"object\":[{\"spec\":{\"x\":1}}]}", 0);
	assert_pruned("{\"items\":{\"a\":{\"spec\":{\"x\":1}}}}", items_spec,
		      "{\"items\":{\"a\":{\"spec\":{\"x\":1}}}}", 0);
	assert_pruned("[{\"spec\":{\"x\":1}}]", top_spec, "[{\"spec\":{\"x\":1}}]", 0);
	assert_pruned("\"spec\"", top_spec, "\"spec\"", 0);
	assert_pruned("{}", top_spec, "{}", 0);
	assert_pruned("{\"items\":[]}", items_spec, "{\"items\":[]}", 0);
}

Test(json_prune, a_name_written_with_escapes_is_not_matched)
{
	/* jansson reads it as "spec": kept, as the header says */
	assert_pruned("{\"sp\\u0065c\":{\"x\":1}}", top_spec, "{\"sp\\u0065c\":{\"x\":1}}", 0);
}

Test(json_prune, a_value_shorter_than_null_is_kept)
{
	assert_pruned("{\"spec\":1,\"b\":2}", top_spec, "{\"spec\":1,\"b\":2}", 0);
	assert_pruned("{\"spec\":{}}", top_spec, "{\"spec\":{}}", 0);
	assert_pruned("{\"spec\":1234}", top_spec, "{\"spec\":null}", 1);
	assert_pruned("{\"spec\":\"ab\"}", top_spec, "{\"spec\":null}", 1);
}

Test(json_prune, duplicate_members_both_go_and_jansson_still_refuses_them)
{
	int n;
	char *got = prune("{\"spec\":{\"a\":1},\"spec\":{\"b\":2}}", top_spec, &n);

	cr_assert_not_null(got);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(got, "{\"spec\":null,\"spec\":null}");
	cr_assert_null(json_loads(got, JSON_REJECT_DUPLICATES, NULL));
	free(got);
}

Test(json_prune, text_the_scan_cannot_place_is_refused)
{
	assert_refused("", top_spec);
	assert_refused("   ", top_spec);
	assert_refused("{\"spec\":{\"a\":\"b}}", top_spec);          /* string not closed */
	assert_refused("{\"spec\":{\"a\":[1}]}", top_spec);          /* brackets do not pair */
	assert_refused("{\"spec\":{\"a\":1}", top_spec);             /* object not closed */
	assert_refused("{\"spec\":{\"a\":1}} x", top_spec);          /* bytes after it */
	assert_refused("{\"spec\" {\"a\":1}}", top_spec);            /* no colon */
	assert_refused("{\"spec\":{\"a\":1} \"b\":2}", top_spec);    /* no comma */
	assert_refused("{\"a\":1,}", top_spec);                      /* no member after the comma */
	assert_refused("{spec:1}", top_spec);                        /* a name not quoted */
	assert_refused("{\"a\":}", top_spec);                        /* no value */
	assert_refused("{\"a\":]}", top_spec);
	assert_refused("{\"items\":[{\"spec\":1},]}", items_spec);   /* no element after it */
	assert_refused("{\"a\":\"\\", top_spec);                     /* an escape at the end */
}

Test(json_prune, malformed_text_only_inside_a_pruned_value_is_read_as_null)
{
	/* what the header says: the value is checked for paired brackets
	 * and closed strings only */
	assert_pruned("{\"spec\":{\"a\" 1 ,, }}", top_spec, "{\"spec\":null}", 1);
}

Test(json_prune, nesting_past_the_bound_is_refused_and_up_to_it_is_not)
{
	const char *const *const top_only[] = {top_spec, NULL};
	size_t deep = MGO_JSON_PRUNE_MAX_DEPTH;
	char *in = malloc(2 * deep + 32);
	char *out = malloc(2 * deep + 32);
	size_t len, out_len;

	cr_assert(in && out);
	for (size_t extra = 0; extra <= 1; extra++) {
		size_t d = deep + extra;

		len = 0;
		memcpy(in, "{\"spec\":", 8);
		len = 8;
		memset(in + len, '[', d);
		len += d;
		memset(in + len, ']', d);
		len += d;
		in[len++] = '}';
		cr_assert_eq(mgo_json_prune_paths(in, len, top_only, out, &out_len),
			     extra ? -EBADMSG : 1,
			     "depth %zu", d);
	}
	free(in);
	free(out);
}

/* What jansson reads from the pruned text is what it reads from the
 * original with the pruned members set to null. */
Test(json_prune, jansson_reads_the_pruned_text_as_the_original_with_nulls)
{
	const char *in = "{\"kind\":\"PodList\",\"items\":["
			 "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"[{\"}},"
			 "\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"\\\\\",\"\\\"\"]}]},"
			 "\"status\":{\"phase\":\"Running\",\"n\":-1.5e3,\"ok\":true,\"z\":null}},"
			 "{\"spec\":\"a string of a spec\",\"status\":{}}]}";
	int n;
	char *got = prune(in, items_spec, &n);
	json_t *a = json_loads(in, JSON_REJECT_DUPLICATES, NULL);
	json_t *b = got ? json_loads(got, JSON_REJECT_DUPLICATES, NULL) : NULL;
	size_t i;
	json_t *item;

	cr_assert_not_null(a);
	cr_assert_not_null(b, "%s", got);
	cr_assert_eq(n, 2);
	json_array_foreach(json_object_get(a, "items"), i, item)
		json_object_set_new(item, "spec", json_null());
	cr_assert(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	free(got);
}

Test(json_prune, a_path_that_is_empty_is_an_error)
{
	static const char *const empty[] = {NULL};
	const char *const *const just_empty[] = {empty, NULL};
	const char *const *const no_path[] = {NULL, NULL};
	char out[8];
	size_t n;

	cr_assert_eq(mgo_json_prune_paths("{}", 2, just_empty, out, &n), -EINVAL);
	cr_assert_eq(mgo_json_prune_paths("{}", 2, no_path, out, &n), -EINVAL);
}

static const char *const fields[] = {"metadata", "managedFields", NULL};
static const char *const items_fields[] = {"items", "*", "metadata", "managedFields", NULL};

/* Prunes `in` along `paths` in place, in a copy that is NUL-ended. */
static char *prune_in_place(const char *in, const char *const *const *paths, int *n)
{
	size_t len = strlen(in), out_len = 0;
	char *buf = strdup(in);

	cr_assert_not_null(buf);
	*n = mgo_json_prune_paths(buf, len, paths, buf, &out_len);
	if (*n >= 0)
		buf[out_len] = '\0';
	return buf;
}

Test(json_prune, several_paths_are_followed_in_one_scan)
{
	const char *const *const paths[] = {items_fields, items_spec, NULL};
	const char *in = "{\"items\":[{\"metadata\":{\"name\":\"a\",\"managedFields\":[{\"manager\":"
			 "\"kubectl\",\"fieldsV1\":{\"f:spec\":{}}}]},\"spec\":{\"x\":1},"
			 "\"status\":{\"managedFields\":[1,2]}}]}";
	size_t len = strlen(in), out_len;
	char out[512];
	int n = mgo_json_prune_paths(in, len, paths, out, &out_len);

	cr_assert_eq(n, 2);
	out[out_len] = '\0';
	cr_assert_str_eq(out, "{\"items\":[{\"metadata\":{\"name\":\"a\",\"managedFields\":null},"
			      "\"spec\":null,\"status\":{\"managedFields\":[1,2]}}]}");
}

Test(json_prune, a_path_that_ends_where_another_goes_on_prunes_the_whole)
{
	static const char *const metadata[] = {"metadata", NULL};
	const char *const *const paths[] = {fields, metadata, NULL};
	char out[128];
	size_t out_len;
	const char *in = "{\"metadata\":{\"managedFields\":[{}],\"name\":\"a\"},\"b\":1}";

	cr_assert_eq(mgo_json_prune_paths(in, strlen(in), paths, out, &out_len), 1);
	out[out_len] = '\0';
	cr_assert_str_eq(out, "{\"metadata\":null,\"b\":1}");
}

Test(json_prune, in_place_it_prunes_and_what_it_refuses_is_left_as_it_came)
{
	const char *const *const paths[] = {fields, top_spec, NULL};
	const char *bad = "{\"metadata\":{\"managedFields\":[{\"a\":1}]},\"spec\":{\"b\":2}} x";
	int n;
	char *got = prune_in_place("{\"metadata\":{\"managedFields\":[{\"a\":1}],\"uid\":\"u\"},"
				   "\"spec\":{\"b\":2},\"status\":{}}", paths, &n);

	cr_assert_eq(n, 2);
	cr_assert_str_eq(got, "{\"metadata\":{\"managedFields\":null,\"uid\":\"u\"},\"spec\":null,"
			      "\"status\":{}}");
	free(got);
	got = prune_in_place(bad, paths, &n);
	cr_assert_eq(n, -EBADMSG);
	cr_assert_str_eq(got, bad, "refused text was rewritten");
	free(got);
}

Test(json_prune, too_many_or_empty_paths_are_an_error)
{
	static const char *const empty[] = {NULL};
	const char *const *const five[] = {top_spec, top_spec, top_spec, top_spec, top_spec, NULL};
	const char *const *const with_empty[] = {top_spec, empty, NULL};
	const char *const *const none[] = {NULL};
	char out[8];
	size_t n;

	cr_assert_eq(MGO_JSON_PRUNE_MAX_PATHS, 4);
	cr_assert_eq(mgo_json_prune_paths("{}", 2, five, out, &n), -EINVAL);
	cr_assert_eq(mgo_json_prune_paths("{}", 2, with_empty, out, &n), -EINVAL);
	cr_assert_eq(mgo_json_prune_paths("{}", 2, none, out, &n), -EINVAL);
	cr_assert_eq(mgo_json_prune_paths("{}", 2, NULL, out, &n), -EINVAL);
}

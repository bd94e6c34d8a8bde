/* The log is a contract with whoever ships it: one JSON object a line, with
 * the role, level and event in every line. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mgo/log.h"

static FILE *capture;
static int saved_stderr = -1;

static void start_capture(void)
{
	capture = tmpfile();
	cr_assert_not_null(capture);
	saved_stderr = dup(STDERR_FILENO);
	cr_assert(dup2(fileno(capture), STDERR_FILENO) >= 0);
}

/* Returns the captured lines as a JSON array of the parsed objects. */
static json_t *stop_capture(void)
{
	char line[65536];
	json_t *lines = json_array();

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture);
	while (fgets(line, sizeof(line), capture)) {
		json_error_t err;
		size_t n = strlen(line);
		cr_assert(n > 0 && line[n - 1] == '\n', "every line ends with a newline");
		json_t *obj = json_loads(line, 0, &err);
		cr_assert_not_null(obj, "not JSON: %s (%s)", line, err.text);
		json_array_append_new(lines, obj);
	}
	fclose(capture);
	return lines;
}

Test(log, line_has_header_fields)
{
	mgo_log_init("watcher", MGO_LOG_INFO);
	start_capture();
	mgo_info("informer.synced", "synced %d objects", 3);
	json_t *lines = stop_capture();

	cr_assert_eq(json_array_size(lines), 1);
	json_t *l = json_array_get(lines, 0);
	cr_assert_str_eq(json_string_value(json_object_get(l, "role")), "watcher");
	cr_assert_str_eq(json_string_value(json_object_get(l, "level")), "info");
	cr_assert_str_eq(json_string_value(json_object_get(l, "event")), "informer.synced");
	cr_assert_str_eq(json_string_value(json_object_get(l, "msg")), "synced 3 objects");
	cr_assert_str_eq(json_string_value(json_object_get(l, "func")), "log_line_has_header_fields_impl");
	cr_assert_eq(json_integer_value(json_object_get(l, "pid")), getpid());
	const char *ts = json_string_value(json_object_get(l, "ts"));
	cr_assert(ts && strlen(ts) == 24 && ts[10] == 'T' && ts[23] == 'Z', "ts %s", ts);
	json_decref(lines);
}

Test(log, below_level_is_dropped)
{
	mgo_log_init("launcher", MGO_LOG_WARN);
	start_capture();
	mgo_info("x.info", "dropped");
	mgo_debug("x.debug", "dropped");
	mgo_warn("x.warn", "kept");
	mgo_error("x.error", "kept");
	json_t *lines = stop_capture();

	cr_assert_eq(json_array_size(lines), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 0), "event")), "x.warn");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 1), "event")), "x.error");
	json_decref(lines);
}

Test(log, kv_fields_escaped_and_cannot_override_header)
{
	mgo_log_init("validator", MGO_LOG_DEBUG);
	start_capture();
	mgo_log_kv(MGO_LOG_INFO, __func__, "ipc.recv", "{s:s, s:I, s:s, s:s?}", "type",
		   "observe\n\"quoted\"", "seq", (json_int_t)42, "role", "forged", "absent", NULL);
	json_t *lines = stop_capture();

	cr_assert_eq(json_array_size(lines), 1);
	json_t *l = json_array_get(lines, 0);
	cr_assert_str_eq(json_string_value(json_object_get(l, "type")), "observe\n\"quoted\"");
	cr_assert_eq(json_integer_value(json_object_get(l, "seq")), 42);
	cr_assert_str_eq(json_string_value(json_object_get(l, "role")), "validator");
	cr_assert(json_is_null(json_object_get(l, "absent")));
	json_decref(lines);
}

Test(log, bad_pack_format_still_logs_the_event)
{
	mgo_log_init("watcher", MGO_LOG_INFO);
	start_capture();
	mgo_log_kv(MGO_LOG_ERROR, __func__, "bad.pack", "[s]", "not an object");
	json_t *lines = stop_capture();

	cr_assert_eq(json_array_size(lines), 1);
	json_t *l = json_array_get(lines, 0);
	cr_assert_str_eq(json_string_value(json_object_get(l, "event")), "bad.pack");
	cr_assert(strstr(json_string_value(json_object_get(l, "msg")), "could not be packed"));
	json_decref(lines);
}

Test(log, invalid_utf8_and_long_messages_stay_one_line)
{
	char big[20000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	mgo_log_init("watcher", MGO_LOG_INFO);
	start_capture();
	mgo_info("bytes", "image \xff\xfe name");
	mgo_info("big", "%s", big);
	json_t *lines = stop_capture();

	cr_assert_eq(json_array_size(lines), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 0), "msg")),
			 "image ?? name");
	size_t n = strlen(json_string_value(json_object_get(json_array_get(lines, 1), "msg")));
	cr_assert(n > 1000 && n < sizeof(big), "long message cut, got %zu", n);
	json_decref(lines);
}

Test(log, level_parse)
{
	cr_assert_eq(mgo_log_level_parse("debug"), MGO_LOG_DEBUG);
	cr_assert_eq(mgo_log_level_parse("error"), MGO_LOG_ERROR);
	cr_assert_eq(mgo_log_level_parse("verbose"), -1);
	cr_assert_eq(mgo_log_level_parse(NULL), -1);
}

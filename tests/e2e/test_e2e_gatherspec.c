/* spec.gatherSpec end to end: since/sinceTime and command/args reach the
 * Job's gather container exactly as written; what the CRD refuses never
 * becomes an object, and what only the validator refuses fails the
 * MustGather with InvalidSpec naming the field (docs/design.md, "What the
 * gather runs"). Nothing here needs fault injection: it runs in external mode. */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

TestSuite(gatherspec, .init = cluster_setup, .fini = cluster_teardown);

/* The gather container's command after "/bin/sh -c SCRIPT mgo-gather". */
static void expect_argv(const json_t *gather, const char *const want[], size_t n)
{
	const json_t *cmd = cl_at(gather, "command");

	cr_assert_eq(json_array_size(cmd), 4 + n, "command has %zu items",
		     json_array_size(cmd));
	cr_expect_str_eq(json_string_value(json_array_get(cmd, 0)), "/bin/sh");
	cr_expect_str_eq(json_string_value(json_array_get(cmd, 3)), "mgo-gather");
	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(json_string_value(json_array_get(cmd, 4 + i)), want[i]);
}

Test(gatherspec, since_command_and_args_reach_the_gather)
{
	static const char *const argv[] = {"/usr/bin/gather_network_logs", "--since", "$(id)"};
	json_t *job, *gather;

	json_decref(cluster_create_mg(
		&cl, "custom",
		"{\"gatherSpec\":{\"since\":\"2h30m\",\"command\":[\"/usr/bin/gather_network_logs\"],"
		"\"args\":[\"--since\",\"$(id)\"]}}"));
	json_decref(cluster_wait_mg(&cl, "custom", "Running"));
	job = cluster_wait_job(&cl, "custom");
	gather = cl_container(job, "gather");
	cr_assert_not_null(gather);
	cr_expect_str_eq(cl_env(gather, "MUST_GATHER_SINCE"), "2h30m");
	cr_expect_null(cl_env(gather, "MUST_GATHER_SINCE_TIME"));
	cr_expect_str_eq(cl_env(gather, "MGO_CUSTOM_COMMAND"), "true");
	expect_argv(gather, argv, 3);
	json_decref(job);

	json_decref(cluster_create_mg(&cl, "since-time",
				      "{\"gatherSpec\":{\"sinceTime\":\"2026-01-02T15:04:05Z\"}}"));
	json_decref(cluster_wait_mg(&cl, "since-time", "Running"));
	job = cluster_wait_job(&cl, "since-time");
	gather = cl_container(job, "gather");
	cr_expect_str_eq(cl_env(gather, "MUST_GATHER_SINCE_TIME"), "2026-01-02T15:04:05Z");
	cr_expect_null(cl_env(gather, "MUST_GATHER_SINCE"));
	cr_expect_null(cl_env(gather, "MGO_CUSTOM_COMMAND"), "the default gather runs");
	expect_argv(gather, NULL, 0);
	json_decref(job);
}

Test(gatherspec, the_crd_and_the_validator_refuse_alike)
{
	char path[512];
	json_t *out = NULL;

	cluster_refused_twice(&cl, "both", "{\"gatherSpec\":{\"since\":\"1h\","
			      "\"sinceTime\":\"2026-01-02T15:04:05Z\"}}",
		      "set at most one of since and sinceTime",
		      "spec.gatherSpec.since and spec.gatherSpec.sinceTime are both set");
	cluster_refused_twice(&cl, "audit", "{\"additionalConfig\":{\"audit\":true},"
			       "\"gatherSpec\":{\"command\":[\"/bin/true\"]}}",
		      "unset mustGatherImage and gatherSpec.command",
		      "unset spec.gatherSpec.command or the audit");

	/* the schema's pattern is enforced by both servers */
	json_t *body = json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:s}}}", "apiVersion",
				 "operator.openshift.io/v1alpha1", "kind", "MustGather",
				 "metadata", "name", "days", "spec", "gatherSpec", "since", "1d");
	long code = cluster_api(&cl, "POST", cl_mg_path(&cl, NULL, path), NULL, body, &out);
	cr_expect_eq(code, 422);
	cr_expect(strstr(cl_str(out, "message") ? cl_str(out, "message") : "",
			 "spec.gatherSpec.since"), "%s", cl_str(out, "message"));
	json_decref(body);
	json_decref(out);
}

/* maxLength counts characters, the validator bytes (an argv item's size is
 * bytes): 200 two-byte characters pass the CRD and fail as InvalidSpec. */
Test(gatherspec, an_item_over_256_bytes_fails_naming_it)
{
	char spec[1024] = "{\"gatherSpec\":{\"args\":[\"ok\",\"", *p = spec + strlen(spec), path[512];
	json_t *mg, *ev;

	for (int i = 0; i < 200; i++, p += 2)
		memcpy(p, "\xc3\xa9", 2); /* é */
	strcpy(p, "\"]}}");
	json_decref(cluster_create_mg(&cl, "long-arg", spec));
	mg = cluster_wait_mg(&cl, "long-arg", "Failed");
	cr_expect_str_eq(cl_str(mg, "status.reason"), "InvalidSpec");
	ev = cluster_wait_event(&cl, "long-arg", "InvalidSpec");
	cr_expect(strstr(cl_str(ev, "message"), "spec.gatherSpec.args[1] is 400 bytes long"),
		  "message: %s", cl_str(ev, "message"));
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "long-arg", path), NULL, NULL, NULL),
		     404);
	json_decref(ev);
	json_decref(mg);
}

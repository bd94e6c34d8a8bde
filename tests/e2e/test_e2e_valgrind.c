/* The three processes under memcheck through a MustGather's whole life, a
 * refusal, a failed pull and a restart, each run ending with SIGTERM: no
 * invalid access, no leak (definite or indirect), and a clean exit.
 * Registered as ctest e2e_valgrind, outside the "e2e" label. */
#include <criterion/criterion.h>

#include "cluster.h"

static void start(void)
{
	struct cluster_opts opts = {.valgrind = true};

	cluster_start(&cl, &opts);
}

TestSuite(e2e_valgrind, .init = start, .fini = cluster_teardown, .timeout = 280);

Test(e2e_valgrind, lifecycle_is_clean_under_memcheck)
{
	static const char *const allow[] = {"quay.io/my-org/gather:v1", NULL};
	char path[512];

	cluster_require_test_server(&cl, "Job status set by the test");
	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "ok", "{\"mustGatherImage\":\"quay.io/my-org/gather:v1\"}"));
	json_decref(cluster_create_mg(&cl, "refused", "{\"mustGatherImage\":\"quay.io/x/y:1\"}"));
	json_decref(cluster_wait_mg(&cl, "refused", "Failed"));
	json_decref(cluster_wait_job(&cl, "ok"));
	cluster_job_succeed(&cl, "ok");
	json_decref(cluster_wait_mg(&cl, "ok", "Completed"));
	cluster_wait_gone(&cl, cl_job_path(&cl, "ok", path), "the completed Job");

	/* stopping checks each exit status and memcheck's findings */
	cluster_procs_stop(&cl);
	cluster_procs_start(&cl);
	json_decref(cluster_create_mg(&cl, "nopull", "{}"));
	json_t *job = cluster_wait_job(&cl, "nopull");
	json_decref(cluster_create_pod(&cl, "nopull-x1", job,
				       "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":"
				       "\"gather\",\"state\":{\"waiting\":{\"reason\":"
				       "\"ErrImagePull\"}}}]}"));
	json_decref(job);
	json_decref(cluster_wait_mg(&cl, "nopull", "Failed"));
	cluster_procs_stop(&cl);
}

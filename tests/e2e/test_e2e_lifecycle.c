/* A MustGather's life after its Job exists: completion, failure and its
 * reasons, deletion, and what a restart of the operator must not do. The
 * test plays the Job controller and the kubelet (the test API server runs
 * no pods) by writing Job and Pod status through their status subresource,
 * which any API server takes from an admin: these run in external mode too,
 * on a cluster whose kubelets do not run the test's pods
 * (tests/e2e/README.md). Only what needs fault injection or the audit log
 * skips there. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cluster.h"

TestSuite(lifecycle, .init = cluster_setup, .fini = cluster_teardown);

#define JOB_CONTROL "Job and Pod status set by the test"

static json_t *condition(const json_t *mg, const char *type)
{
	return cl_find(cl_at(mg, "status.conditions"), "type", type);
}

Test(lifecycle, succeeded_job_completes_and_is_removed_with_its_pods)
{
	char path[512];
	json_t *job, *pod;

	job = cluster_launch(&cl, "done", "{}");
	pod = cluster_create_pod(&cl, "done-x1", job,
				 "{\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"gather\","
				 "\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}}]}");
	cluster_job_succeed(&cl, "done");
	free(cluster_expect_outcome(&cl, "done", "Completed", "Completed", "Normal"));
	cluster_wait_gone(&cl, cl_job_path(&cl, "done", path), "the Job");
	cluster_wait_gone(&cl, cl_pod_path(&cl, "done-x1", path), "the Job's pod");
	json_decref(pod);
	json_decref(job);
}

Test(lifecycle, retained_job_stays_after_completion)
{
	char path[512], *did;
	json_t *job;

	job = cluster_launch(&cl, "kept", "{\"retainResourcesOnCompletion\":true}");
	cluster_job_succeed(&cl, "kept");
	free(cluster_expect_outcome(&cl, "kept", "Completed", "Completed", "Normal"));
	/* the act that would delete it is over: the Job must still be there */
	did = cluster_wait_act(&cl, "kept", "finish:Completed");
	cr_expect(!strstr(did, "deleted"), "the launcher says: %s", did);
	json_decref(job);
	job = NULL;
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "kept", path), NULL, NULL, &job), 200,
		     "the retained Job is gone");
	json_decref(job);
	free(did);
}

static char *fail_by_pod(const char *name, const char *pod_status, const char *job_reason,
			 const char *reason, bool lag)
{
	return cluster_fail_by_pod(&cl, name, "{}", pod_status, job_reason, reason, lag);
}

#define GATHER_EXIT_2 \
	"{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"gather\",\"state\":" \
	"{\"terminated\":{\"exitCode\":2,\"reason\":\"Error\"}}}]}"

Test(lifecycle, gather_exit_code_fails_as_gather_failed)
{
	char *msg;

	msg = fail_by_pod("broken", GATHER_EXIT_2, "BackoffLimitExceeded", "GatherFailed", false);
	cr_expect(strstr(msg, "exited with status 2"), "message: %s", msg);
	free(msg);
}

Test(lifecycle, gather_exit_code_seen_late_still_fails_as_gather_failed)
{
	char *msg;

	cluster_require_test_server(&cl, JOB_CONTROL ", fault injection");
	/* the Job's failure reaches the operator before the pod's exit */
	msg = fail_by_pod("late", GATHER_EXIT_2, "BackoffLimitExceeded", "GatherFailed", true);
	cr_expect(strstr(msg, "exited with status 2"), "message: %s", msg);
	free(msg);
}

/* `kubectl describe mg name` mentions needle (printed with --verbose). */

Test(lifecycle, failed_gather_is_explained_by_its_last_lines)
{
	char *msg;
	json_t *mg;

	/* the kubelet's termination message under FallbackToLogsOnError: the
	 * end of the gather's log (launcher/job.h) */
	msg = fail_by_pod("forbidden",
			  "{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"gather\","
			  "\"state\":{\"terminated\":{\"exitCode\":2,\"reason\":\"Error\","
			  "\"message\":\"collecting nodes\\nerror: nodes is forbidden\\nmgo: gather "
			  "failed with exit status 2\\n\"}}}]}",
			  "BackoffLimitExceeded", "GatherFailed", false);
	/* in the condition and (expect_outcome) the Event alike */
	cr_expect(strstr(msg, "exited with status 2; its last lines:\ncollecting nodes\n"
			      "error: nodes is forbidden"),
		  "message: %s", msg);
	free(msg);
	/* the pod and the Job are gone; the explanation stays, where a user
	 * reads it (docs/support.md shows this output) */
	mg = cluster_wait_mg(&cl, "forbidden", "Failed");
	cr_expect(strstr(cl_str(condition(mg, "Failed"), "message"), "nodes is forbidden"));
	json_decref(mg);
	cluster_describe_has(&cl, "forbidden", "error: nodes is forbidden");
}

Test(lifecycle, timed_out_gather_is_reported_with_its_uploaded_partial_result)
{
	char *msg;

	/* the gather step packed and exited 0 on the timeout; mgo-upload sent
	 * the partial tarball and exited 8 with where it went */
	msg = cluster_fail_by_pod(&cl, 
		"partial",
		"{\"mustGatherTimeout\":\"2m\",\"uploadTarget\":{\"type\":\"SFTP\",\"sftp\":"
		"{\"caseID\":\"04123456\",\"caseManagementAccountSecretRef\":{\"name\":"
		"\"case-creds\"},\"host\":\"sftp.example.com\"}}}",
		"{\"phase\":\"Failed\",\"initContainerStatuses\":[{\"name\":\"gather\",\"state\":"
		"{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}}],"
		"\"containerStatuses\":[{\"name\":\"upload\",\"state\":{\"terminated\":"
		"{\"exitCode\":8,\"reason\":\"Error\",\"message\":\"uploaded 4096 bytes to "
		"sftp.example.com as 04123456_must-gather-partial.tar.gz\\n\"}}}]}",
		"BackoffLimitExceeded", "Timeout", false);
	cr_expect(strstr(msg, "did not finish within spec.mustGatherTimeout (2m)"), "message: %s",
		  msg);
	cr_expect(strstr(msg, "uploaded to sftp.example.com as a partial result: uploaded 4096 "
			      "bytes to sftp.example.com as 04123456_must-gather-partial.tar.gz"),
		  "message: %s", msg);
	free(msg);
	cluster_describe_has(&cl, "partial", "as a partial result");
}

Test(lifecycle, deadline_exceeded_fails_as_timeout)
{
	json_t *job;
	char *msg;

	job = cluster_launch(&cl, "slow", "{\"mustGatherTimeout\":\"2m\"}");
	/* the timeout reaches the gather (MGO_TIMEOUT_SECONDS) and is backed up
	 * by the Job's own deadline, with room to pack and upload */
	cr_expect_gt(json_integer_value(cl_at(job, "spec.activeDeadlineSeconds")), 120);
	cr_expect_str_eq(cl_env(cl_container(job, "gather"), "MGO_TIMEOUT_SECONDS"), "120");

	cluster_job_fail(&cl, "slow", "DeadlineExceeded");
	msg = cluster_expect_outcome(&cl, "slow", "Failed", "Timeout", "Warning");
	cr_expect(strstr(msg, "mustGatherTimeout") && strstr(msg, "2m"), "message: %s", msg);
	free(msg);
	json_decref(job);
}

Test(lifecycle, unpullable_image_fails_as_image_pull_failed)
{
	char *msg;

	/* the Job stays active: only the pod says the image cannot be pulled */
	msg = fail_by_pod("nopull",
			  "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"gather\","
			  "\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\","
			  "\"message\":\"Back-off pulling image\"}}}]}",
			  NULL, "ImagePullFailed", false);
	cr_expect(strstr(msg, "ImagePullBackOff") && strstr(msg, "gather"), "message: %s", msg);
	free(msg);
}

Test(lifecycle, deleting_the_mustgather_removes_its_job)
{
	char path[512];

	json_decref(cluster_launch(&cl, "bye", "{}"));
	cluster_delete(&cl, cl_mg_path(&cl, "bye", path));
	cluster_wait_gone(&cl, cl_mg_path(&cl, "bye", path), "the MustGather");
	cluster_wait_gone(&cl, cl_job_path(&cl, "bye", path), "the Job it owned");
}

Test(lifecycle, restart_after_completion_creates_no_second_job)
{
	char path[512];
	json_t *mg;

	cluster_require_test_server(&cl, "audit log, " JOB_CONTROL);
	json_decref(cluster_launch(&cl, "once", "{}"));
	cluster_job_succeed(&cl, "once");
	json_decref(cluster_wait_mg(&cl, "once", "Completed"));
	cluster_wait_gone(&cl, cl_job_path(&cl, "once", path), "the completed Job");

	cluster_procs_stop(&cl);
	cluster_procs_start(&cl);
	/* the restarted pipeline works (a Job for a new MustGather)... */
	json_decref(cluster_launch(&cl, "after", "{}"));
	/* ...and made no second Job for the finished one */
	cr_expect_eq(cluster_jobs_created(&cl), 2, "Jobs created: once and after, each once");
	mg = cluster_wait_mg(&cl, "once", "Completed");
	json_decref(mg);
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "once", path), NULL, NULL, NULL), 404);
}

/* The launcher's GETs of `resource` `name` in the test's namespace. */
static size_t launcher_gets(const char *resource, const char *name)
{
	struct cl_audit_match m = {.user = CL_LAUNCHER_USER, .verb = "get", .resource = resource,
				   .ns = cl.ns, .name = name};

	return cluster_audit_count(&cl, &m);
}

/* A finish whose Job's end the launcher's own watch of its Jobs has shown
 * checks the act against that (docs/monitor.md, "Reads the launcher need
 * not make") and reads the Job no more. The order is made, not hoped for:
 * with gathers.maxRunningPerNamespace 1 a second MustGather waits behind
 * the first, and the launcher lets it go in the very step in which its
 * watch records the first Job's end (launcher.c, on_job), so the second
 * Job is the sign that the record is there. The validator is stopped
 * until then: no finish can reach the launcher before it. */
Test(lifecycle, a_finish_takes_the_jobs_end_from_the_launchers_watch)
{
	pid_t validator;
	char *result;

	cluster_require_test_server(&cl, "audit log, " JOB_CONTROL);
	cluster_stop(&cl);
	cluster_start(&cl, &(struct cluster_opts){.max_running_per_ns = 1});
	json_decref(cluster_launch(&cl, "seen", "{}"));
	free(cluster_wait_act(&cl, "seen", "launch"));
	json_decref(cluster_create_mg(&cl, "next", "{}"));
	json_decref(cluster_wait_mg_reason(&cl, "next", "NamespaceLimit", 0));
	validator = cluster_child_pid(cl.log, "validator");
	cr_assert_gt(validator, 0, "no validator in %s", cl.log);
	cr_assert_eq(kill(validator, SIGSTOP), 0, "stop the validator: %s", strerror(errno));
	cluster_job_succeed(&cl, "seen");
	json_decref(cluster_wait_job(&cl, "next"));
	cr_assert_eq(kill(validator, SIGCONT), 0, "resume the validator: %s", strerror(errno));
	json_decref(cluster_wait_mg(&cl, "seen", "Completed"));
	result = cluster_wait_act(&cl, "seen", "finish:Completed");
	cr_expect(strstr(result, "its end is on the launcher's own watch"), "the finish: %s",
		  result);
	free(result);
	cr_expect_eq(launcher_gets("jobs", "seen"), 0, "the launcher read the Job");
}

/* A finish decided on the version of the MustGather its launch left (nobody
 * wrote it since) takes the copy the launch kept instead of reading it
 * again: the launch's reads are the lifecycle's. Its status write carries that
 * version, so the server would refuse it had the object changed
 * (compromised::a_finish_on_an_old_copy_writes_nothing). */
Test(lifecycle, a_finish_takes_the_mustgather_as_its_launch_left_it)
{
	char *result;
	size_t launch_reads, reads;

	cluster_require_test_server(&cl, "audit log, " JOB_CONTROL);
	json_decref(cluster_launch(&cl, "kept", "{}"));
	free(cluster_wait_act(&cl, "kept", "launch"));
	/* one, or two when the launch waited for the launcher's first list of
	 * its Jobs (it reads again when it goes on) */
	launch_reads = launcher_gets("mustgathers", "kept");
	cluster_job_succeed(&cl, "kept");
	json_decref(cluster_wait_mg(&cl, "kept", "Completed"));
	result = cluster_wait_act(&cl, "kept", "finish:Completed");
	cr_expect(strstr(result, "as its launch left it"), "the finish: %s", result);
	free(result);
	reads = launcher_gets("mustgathers", "kept");
	cr_expect_eq(reads, launch_reads, "the finish read the MustGather (%zu reads, %zu before)",
		     reads, launch_reads);
}

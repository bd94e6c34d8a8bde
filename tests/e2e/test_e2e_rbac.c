/* Privilege separation, as the API server saw it: after a few ordinary
 * scenarios, the audit log must show that the watcher's token only ever
 * read, that every write the operator made came from the launcher's token,
 * and that neither was refused anything (its RBAC in deploy/ is enough). */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

TestSuite(rbac, .init = cluster_setup, .fini = cluster_teardown);

static bool one_of(const char *s, const char *const set[])
{
	for (size_t i = 0; s && set[i]; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool in_group(const json_t *line, const char *group)
{
	json_t *g;
	size_t i;

	json_array_foreach(json_object_get(line, "groups"), i, g)
		if (strcmp(json_string_value(g), group) == 0)
			return true;
	return false;
}

/* Runs the scenarios every role's calls come from: a launch that
 * completes, a refusal, a failure, a deletion. */
static void scenarios(void)
{
	static const char *const allow[] = {"quay.io/my-org/gather:v1", NULL};
	char path[512];

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "ok", "{\"mustGatherImage\":\"quay.io/my-org/gather:v1\"}"));
	json_decref(cluster_create_mg(&cl, "refused", "{\"mustGatherImage\":\"quay.io/x/y:1\"}"));
	json_decref(cluster_create_mg(&cl, "fails", "{}"));
	json_decref(cluster_create_mg(&cl, "deleted", "{}"));
	json_decref(cluster_wait_mg(&cl, "refused", "Failed"));
	json_decref(cluster_wait_job(&cl, "ok"));
	json_decref(cluster_wait_job(&cl, "fails"));
	json_decref(cluster_wait_job(&cl, "deleted"));
	cluster_job_succeed(&cl, "ok");
	cluster_job_fail(&cl, "fails", "BackoffLimitExceeded");
	cluster_delete(&cl, cl_mg_path(&cl, "deleted", path));
	json_decref(cluster_wait_mg(&cl, "ok", "Completed"));
	json_decref(cluster_wait_mg(&cl, "fails", "Failed"));
	cluster_wait_gone(&cl, cl_job_path(&cl, "ok", path), "the completed Job");
	cluster_wait_gone(&cl, cl_job_path(&cl, "fails", path), "the failed Job");
	cluster_wait_gone(&cl, cl_job_path(&cl, "deleted", path), "the deleted MustGather's Job");
}

Test(rbac, watcher_only_reads_and_launcher_alone_writes)
{
	static const char *const reads[] = {"get", "list", "watch", NULL};
	/* what the launcher needs: its Jobs (read back on AlreadyExists, and
	 * before a delete), the Lease, MustGather and MustGatherImage status,
	 * Events; the MustGather each act is about and MustGatherImage/cluster
	 * read by name (docs/monitor.md); the cluster's id for the run's name,
	 * ClusterVersion/version or Namespace/kube-system, by name; nothing else */
	static const char *const launcher_resources[] = {"jobs", "leases", "mustgathers",
							 "mustgatherimages", "events",
							 "persistentvolumeclaims", "clusterversions",
							 "namespaces", NULL};
	size_t watcher_reads = 0, launcher_writes = 0, i;
	json_t *audit, *line;

	cluster_require_test_server(&cl, "audit log, Job status set by the test");
	scenarios();
	/* the restart of every process is part of the run: the launcher's
	 * release of its Lease is a write too */
	cluster_procs_stop(&cl);
	audit = cluster_audit(&cl);
	json_array_foreach(audit, i, line) {
		const char *user = cl_str(line, "user"), *verb = cl_str(line, "verb");
		const char *res = cl_str(line, "resource"), *uri = cl_str(line, "requestURI");
		json_int_t code = json_integer_value(json_object_get(line, "code"));

		if (in_group(line, "system:masters"))
			continue; /* the test itself, and kubectl */
		if (strcmp(user, CL_WATCHER_USER) == 0) {
			cr_expect(one_of(verb, reads), "the watcher's token did %s %s", verb, uri);
			watcher_reads++;
		} else if (strcmp(user, CL_LAUNCHER_USER) == 0) {
			cr_expect(one_of(res, launcher_resources), "the launcher touched %s (%s %s)",
				  res, verb, uri);
			bool ours = strcmp(res, "mustgathers") == 0 ||
				    strcmp(res, "mustgatherimages") == 0;
			bool status = strcmp(cl_str(line, "subresource"), "status") == 0;
			bool by_name = *cl_str(line, "name") &&
				       (strcmp(res, "mustgathers") == 0 ? strcmp(verb, "get") == 0
				       : strcmp(cl_str(line, "name"), "cluster") == 0);
			cr_expect(!ours || status || (one_of(verb, reads) && by_name),
				  "the launcher did %s %s", verb, uri);
			if (strcmp(res, "clusterversions") == 0 || strcmp(res, "namespaces") == 0)
				cr_expect(strcmp(verb, "get") == 0 &&
					  strcmp(cl_str(line, "name"),
						 *res == 'c' ? "version" : "kube-system") == 0,
					  "the launcher did %s %s", verb, uri);
			if (!one_of(verb, reads))
				launcher_writes++;
		} else {
			cr_expect_fail("a request by %s: %s %s", user, verb, uri);
		}
		cr_expect_neq(code, 403, "%s was refused %s %s", user, verb, uri);
		cr_expect_neq(code, 401, "%s was not authenticated for %s %s", user, verb, uri);
	}
	/* the rules above held for something */
	cr_expect_gt(watcher_reads, 5);
	cr_expect_gt(launcher_writes, 5);
	json_decref(audit);
}

/* The API server's RBAC decision for user `user` doing verb on resource
 * (subresource "" for none) in namespace ns. */
static bool user_may(const char *user, const char *verb, const char *group,
		     const char *resource, const char *subresource, const char *ns)
{
	json_t *resp = cluster_create(
		&cl, "/apis/authorization.k8s.io/v1/subjectaccessreviews",
		json_pack("{s:s, s:s, s:{s:s, s:[s], s:{s:s, s:s, s:s, s:s, s:s}}}", "apiVersion",
			  "authorization.k8s.io/v1", "kind", "SubjectAccessReview", "spec", "user",
			  user, "groups", "system:authenticated", "resourceAttributes", "namespace",
			  ns, "verb", verb, "group", group, "resource", resource, "subresource",
			  subresource));
	bool ok = json_is_true(cl_at(resp, "status.allowed"));

	json_decref(resp);
	return ok;
}

/* Someone bound to must-gather-user in a namespace can follow
 * docs/support.md there (the MustGathers, their Events, the Jobs, their
 * pods and logs) and read or write nothing else, there or elsewhere. */
Test(rbac, must_gather_user_reads_what_support_asks_and_nothing_else)
{
	static const char user[] = "mgo-e2e-support-reader";
	static const struct {
		const char *verb, *group, *resource, *sub;
	} granted[] = {
		{"create", "operator.openshift.io", "mustgathers", ""},
		{"delete", "operator.openshift.io", "mustgathers", ""},
		{"list", "operator.openshift.io", "mustgathers", ""},
		{"list", "", "events", ""},
		{"watch", "", "events", ""},
		{"list", "events.k8s.io", "events", ""},
		{"get", "batch", "jobs", ""},
		{"list", "batch", "jobs", ""},
		{"get", "", "pods", ""},
		{"list", "", "pods", ""},
		{"get", "", "pods", "log"},
	}, refused[] = {
		{"update", "operator.openshift.io", "mustgathers", "status"},
		{"update", "operator.openshift.io", "mustgatherimages", ""},
		{"create", "batch", "jobs", ""},
		{"delete", "batch", "jobs", ""},
		{"create", "", "pods", ""},
		{"delete", "", "pods", ""},
		{"create", "", "pods", "exec"},
		{"create", "", "pods", "attach"},
		{"create", "", "pods", "portforward"},
		{"create", "", "events", ""},
		{"get", "", "secrets", ""},
		{"list", "", "secrets", ""},
		{"get", "", "configmaps", ""},
		{"get", "", "serviceaccounts", ""},
		{"create", "", "serviceaccounts", "token"},
		{"get", "", "persistentvolumeclaims", ""},
	};
	const char *other = cluster_second_namespace(&cl);
	char path[512];
	size_t i;

	/* before the binding, nothing: the grants below are the role's */
	cr_assert_not(user_may(user, "list", "", "events", "", cl.ns));
	snprintf(path, sizeof(path), "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings",
		 cl.ns);
	json_decref(cluster_create(
		&cl, path,
		json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:s}]}", "apiVersion",
			  "rbac.authorization.k8s.io/v1", "kind", "RoleBinding", "metadata", "name",
			  "support-reader", "roleRef", "apiGroup", "rbac.authorization.k8s.io", "kind",
			  "ClusterRole", "name", "must-gather-user", "subjects", "apiGroup",
			  "rbac.authorization.k8s.io", "kind", "User", "name", user)));
	for (i = 0; i < sizeof(granted) / sizeof(granted[0]); i++) {
		cr_expect(user_may(user, granted[i].verb, granted[i].group, granted[i].resource,
				   granted[i].sub, cl.ns),
			  "must-gather-user cannot %s %s/%s in its namespace", granted[i].verb,
			  granted[i].resource, granted[i].sub);
		cr_expect_not(user_may(user, granted[i].verb, granted[i].group,
				       granted[i].resource, granted[i].sub, other),
			      "must-gather-user can %s %s/%s in another namespace", granted[i].verb,
			      granted[i].resource, granted[i].sub);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		cr_expect_not(user_may(user, refused[i].verb, refused[i].group, refused[i].resource,
				       refused[i].sub, cl.ns),
			      "must-gather-user can %s %s/%s", refused[i].verb, refused[i].resource,
			      refused[i].sub);
}

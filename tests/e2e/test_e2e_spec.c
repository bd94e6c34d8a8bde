/* How a MustGather's spec shapes its Job (audit switch, upload step,
 * storage) and which specs are refused (service accounts), end to end. */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

TestSuite(spec, .init = cluster_setup, .fini = cluster_teardown);

static json_t *env_of(const json_t *container, const char *name)
{
	return cl_find(cl_at(container, "env"), "name", name);
}

Test(spec, audit_switch_reaches_the_gather)
{
	json_t *on = cluster_launch(&cl, "audit-on", "{\"additionalConfig\":{\"audit\":true}}");
	json_t *off = cluster_launch(&cl, "audit-off", "{}");

	cr_expect_str_eq(cl_env(cl_container(on, "gather"), "MGO_AUDIT"), "true");
	cr_expect_str_eq(cl_env(cl_container(off, "gather"), "MGO_AUDIT"), "false");
	json_decref(on);
	json_decref(off);
}

Test(spec, upload_step_only_with_an_upload_target)
{
	json_t *plain = cluster_launch(&cl, "local", "{}"), *up, *upload, *gather, *user, *pass;

	/* no target: the gather alone, as the pod's one container */
	cr_expect_null(cl_container(plain, "upload"));
	cr_expect_null(cl_at(plain, "spec.template.spec.initContainers"));
	cr_expect_eq(json_array_size(cl_at(plain, "spec.template.spec.containers")), 1);
	json_decref(plain);

	up = cluster_launch(&cl, "upload",
		    "{\"uploadTarget\":{\"type\":\"SFTP\",\"sftp\":{\"caseID\":\"04123456\","
		    "\"caseManagementAccountSecretRef\":{\"name\":\"case-creds\"},"
		    "\"host\":\"sftp.example.com\"}},"
		    "\"proxyConfig\":{\"httpsProxy\":\"http://proxy.example.com:3128\"}}");
	gather = cl_container(up, "gather");
	upload = cl_container(up, "upload");
	cr_assert_not_null(upload, "no upload container");
	/* the upload runs only after the gather succeeded: gather is an init container */
	cr_expect_str_eq(cl_str(json_array_get(cl_at(up, "spec.template.spec.initContainers"), 0),
				"name"),
			 "gather");
	cr_expect_not_null(gather);
	cr_expect_str_eq(cl_str(upload, "image"), CL_OPERATOR_IMAGE);
	cr_expect_str_eq(cl_env(upload, "MGO_SFTP_HOST"), "sftp.example.com");
	cr_expect_str_eq(cl_env(upload, "MGO_SFTP_KNOWN_HOSTS"), CL_KNOWN_HOSTS);
	cr_expect_str_eq(cl_env(upload, "MGO_INTERNAL_USER"), "false");
	cr_expect_str_eq(cl_env(upload, "HTTPS_PROXY"), "http://proxy.example.com:3128");
	cr_expect(cl_env(upload, "MGO_REMOTE_NAME") &&
			  strncmp(cl_env(upload, "MGO_REMOTE_NAME"), "04123456_", 9) == 0,
		  "remote name %s", cl_env(upload, "MGO_REMOTE_NAME"));
	/* the credentials come from the Secret at run time, never in the Job */
	user = cl_at(env_of(upload, "MGO_SFTP_USERNAME"), "valueFrom.secretKeyRef");
	pass = cl_at(env_of(upload, "MGO_SFTP_PASSWORD"), "valueFrom.secretKeyRef");
	cr_expect_str_eq(cl_str(user, "name"), "case-creds");
	cr_expect_str_eq(cl_str(user, "key"), "username");
	cr_expect_str_eq(cl_str(pass, "name"), "case-creds");
	cr_expect_str_eq(cl_str(pass, "key"), "password");
	cr_expect_null(cl_at(env_of(upload, "MGO_SFTP_PASSWORD"), "value"));
	json_decref(up);
}

/* The subPath of the gather's output mount. */
static const char *gather_sub_path(const json_t *job)
{
	json_t *m;
	size_t i;

	/* the volume is mounted twice: the gather's own folder, and the run's */
	json_array_foreach(cl_at(cl_container(job, "gather"), "volumeMounts"), i, m)
		if (cl_str(m, "subPath") && strstr(cl_str(m, "subPath"), "gather"))
			return cl_str(m, "subPath");
	return NULL;
}

Test(spec, two_runs_on_one_claim_write_to_different_folders)
{
	static const char pvc[] = "{\"storage\":{\"type\":\"PersistentVolume\",\"persistentVolume\":"
				  "{\"claim\":{\"name\":\"shared\"},\"subPath\":\"runs\"}}}";
	json_t *a, *b;
	const char *pa, *pb;

	cluster_create_pvc(&cl, "shared");
	a = cluster_launch(&cl, "first", pvc);
	b = cluster_launch(&cl, "second", pvc);
	pa = gather_sub_path(a);
	pb = gather_sub_path(b);

	cr_expect_str_eq(cl_str(json_array_get(cl_at(a, "spec.template.spec.volumes"), 0),
				"persistentVolumeClaim.claimName"),
			 "shared");
	cr_expect_str_eq(cl_str(json_array_get(cl_at(b, "spec.template.spec.volumes"), 0),
				"persistentVolumeClaim.claimName"),
			 "shared");
	cr_assert(pa && pb, "no gather subPath: %s / %s", pa, pb);
	cr_expect(strncmp(pa, "runs/", 5) == 0 && strncmp(pb, "runs/", 5) == 0,
		  "under the requested subPath: %s, %s", pa, pb);
	cr_expect_str_neq(pa, pb);
	json_decref(a);
	json_decref(b);
}

/* The name a run of `mg` must have: upstream's must-gather.local.<cluster
 * id>.<creation time>.<random>, the cluster's id read as the launcher
 * reads it (ClusterVersion where there is one, else kube-system's UID). */
static void expected_run_name(const json_t *mg, char *buf, size_t len)
{
	json_t *cv = NULL, *ks = NULL;
	const char *id, *created = cl_str(mg, "metadata.creationTimestamp");
	char when[32];
	size_t w = 0;

	if (cluster_api(&cl, "GET", "/apis/config.openshift.io/v1/clusterversions/version", NULL,
			NULL, &cv) == 200)
		id = cl_str(cv, "spec.clusterID");
	else {
		cr_assert_eq(cluster_api(&cl, "GET", "/api/v1/namespaces/kube-system", NULL, NULL,
					 &ks), 200);
		id = cl_str(ks, "metadata.uid");
	}
	cr_assert(id && created, "cluster id %s, creationTimestamp %s", id, created);
	for (const char *p = created; *p && w < sizeof(when) - 1; p++)
		if (*p != '-' && *p != ':')
			when[w++] = *p;
	when[w] = '\0';
	snprintf(buf, len, "must-gather.local.%s.%s.%.8s", id, when, cl_uid(mg));
	json_decref(cv);
	json_decref(ks);
}

/* Upstream's naming, which support tooling recognises, for the folder on
 * the claim and the uploaded tarball; status.resultName says it. */
Test(spec, runs_are_named_as_upstream_names_them)
{
	static const char spec[] =
		"{\"storage\":{\"type\":\"PersistentVolume\",\"persistentVolume\":"
		"{\"claim\":{\"name\":\"named\"},\"subPath\":\"runs\"}},"
		"\"uploadTarget\":{\"type\":\"SFTP\",\"sftp\":{\"caseID\":\"04123456\","
		"\"caseManagementAccountSecretRef\":{\"name\":\"case-creds\"}}}}";
	char want[256], folder[300], remote[300];
	json_t *mg, *job;

	cluster_create_pvc(&cl, "named");
	mg = cluster_create_mg(&cl, "named", spec);
	expected_run_name(mg, want, sizeof(want));
	json_decref(mg);
	mg = cluster_wait_mg(&cl, "named", "Running");
	job = cluster_wait_job(&cl, "named");
	cr_expect_str_eq(cl_str(mg, "status.resultName"), want);
	snprintf(folder, sizeof(folder), "runs/%s/gather", want);
	cr_expect_str_eq(gather_sub_path(job), folder);
	snprintf(remote, sizeof(remote), "04123456_%s.tar.gz", want);
	cr_expect_str_eq(cl_env(cl_container(job, "upload"), "MGO_REMOTE_NAME"), remote);
	json_decref(mg);
	json_decref(job);
}

/* A launcher whose ClusterRole was edited so that it may not read the
 * ClusterVersion still launches: its runs are named with kube-system's UID
 * and it says why once, rather than failing every launch over a name. */
Test(spec, forbidden_cluster_version_falls_back_to_kube_system)
{
	const char *role = "/apis/rbac.authorization.k8s.io/v1/clusterroles/mgo-launcher";
	json_t *cr = NULL, *orig, *now = NULL, *kept, *ks = NULL, *mg, *warned;
	char want[256];
	size_t i;

	cluster_procs_stop(&cl);
	cr_assert_eq(cluster_api(&cl, "GET", role, NULL, NULL, &cr), 200);
	orig = json_deep_copy(cr);
	kept = json_array();
	for (i = 0; i < json_array_size(json_object_get(cr, "rules")); i++) {
		json_t *rule = json_array_get(json_object_get(cr, "rules"), i);
		bool cv = false;
		for (size_t k = 0; k < json_array_size(json_object_get(rule, "resources")); k++)
			cv |= strcmp(json_string_value(json_array_get(
					     json_object_get(rule, "resources"), k)) ?: "",
				     "clusterversions") == 0;
		if (!cv)
			json_array_append(kept, rule);
	}
	cr_assert_eq(json_array_size(kept) + 1, json_array_size(json_object_get(cr, "rules")),
		     "one rule grants clusterversions");
	json_object_set_new(cr, "rules", kept);
	cr_assert_eq(cluster_api(&cl, "PUT", role, "application/json", cr, NULL), 200);
	json_decref(cr);
	cluster_procs_start(&cl);

	mg = cluster_create_mg(&cl, "forbidden", NULL);
	cr_assert_eq(cluster_api(&cl, "GET", "/api/v1/namespaces/kube-system", NULL, NULL, &ks),
		     200);
	snprintf(want, sizeof(want), "must-gather.local.%s.", cl_str(ks, "metadata.uid"));
	json_decref(ks);
	json_decref(mg);
	mg = cluster_wait_mg(&cl, "forbidden", "Running");
	cr_expect(strncmp(cl_str(mg, "status.resultName") ?: "", want, strlen(want)) == 0,
		  "resultName %s, want %s...", cl_str(mg, "status.resultName"), want);
	json_decref(mg);
	warned = cluster_wait_log(&cl, "launcher.cluster_id_forbidden", 1);
	cr_expect(strstr(json_string_value(json_object_get(warned, "msg")) ?: "",
			 "clusterversions"), "the warning names what to grant");
	json_decref(warned);
	/* as installed again (an external cluster keeps it past this run) */
	cr_assert_eq(cluster_api(&cl, "GET", role, NULL, NULL, &now), 200);
	json_object_set(json_object_get(orig, "metadata"), "resourceVersion",
			json_object_get(json_object_get(now, "metadata"), "resourceVersion"));
	cr_expect_eq(cluster_api(&cl, "PUT", role, "application/json", orig, NULL), 200);
	json_decref(now);
	json_decref(orig);
}

static void create_sa(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/serviceaccounts", cl.ns);
	json_decref(cluster_create(&cl, path,
				   json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
					     "ServiceAccount", "metadata", "name", name)));
}

/* The Failed condition's message of a refused MustGather, after checking
 * its reason and the Warning Event; caller frees. */
static char *refused(const char *name, const char *reason)
{
	json_t *mg = cluster_wait_mg(&cl, name, "Failed"), *ev;
	char *msg;

	cr_expect_str_eq(cl_str(mg, "status.reason"), reason);
	ev = cluster_wait_event(&cl, name, reason);
	cr_expect_str_eq(cl_str(ev, "type"), "Warning");
	msg = strdup(cl_str(ev, "message"));
	json_decref(ev);
	json_decref(mg);
	return msg;
}

Test(spec, missing_service_account_fails_naming_it)
{
	char path[512], *msg;
	json_t *job;

	json_decref(cluster_create_mg(&cl, "nosa", "{\"serviceAccountRef\":{\"name\":\"gatherer\"}}"));
	msg = refused("nosa", "InvalidSpec");
	cr_expect(strstr(msg, "gatherer") && strstr(msg, "not found"), "message: %s", msg);
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "nosa", path), NULL, NULL, NULL), 404);
	free(msg);

	/* once the account exists, a MustGather naming it runs as it */
	create_sa("gatherer");
	job = cluster_launch(&cl, "withsa", "{\"serviceAccountRef\":{\"name\":\"gatherer\"}}");
	cr_expect_str_eq(cl_str(job, "spec.template.spec.serviceAccountName"), "gatherer");
	json_decref(job);
}

Test(spec, missing_claim_fails_naming_it)
{
	static const char spec[] = "{\"storage\":{\"type\":\"PersistentVolume\","
				   "\"persistentVolume\":{\"claim\":{\"name\":\"nowhere\"}}}}";
	char path[512], *msg;
	json_t *job;

	json_decref(cluster_create_mg(&cl, "noclaim", spec));
	msg = refused("noclaim", "InvalidSpec");
	cr_expect(strstr(msg, "PersistentVolumeClaim nowhere not found"), "message: %s", msg);
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "noclaim", path), NULL, NULL, NULL),
		     404);
	free(msg);

	/* once the claim exists, a MustGather naming it runs on it */
	cluster_create_pvc(&cl, "nowhere");
	job = cluster_launch(&cl, "withclaim", spec);
	cr_expect_str_eq(cl_str(json_array_get(cl_at(job, "spec.template.spec.volumes"), 0),
				"persistentVolumeClaim.claimName"),
			 "nowhere");
	json_decref(job);
}

/* The watcher's reads of claim `name`, by the audit log. */
static size_t claim_reads(const char *name)
{
	struct cl_audit_match m = {.user = CL_WATCHER_USER, .resource = "persistentvolumeclaims",
				   .name = name};

	return cluster_audit_count(&cl, &m);
}

/* The launcher's writes of MustGather `name`'s status, by the audit log. */
static size_t status_writes(const char *name)
{
	struct cl_audit_match m = {.user = CL_LAUNCHER_USER, .verb = "patch",
				   .resource = "mustgathers", .subresource = "status", .name = name};

	return cluster_audit_count(&cl, &m);
}

static void log_condition(const char *when, const json_t *mg)
{
	char *text = json_dumps(cl_find(cl_at(mg, "status.conditions"), "type", "StorageReady"),
				JSON_INDENT(2));

	cr_log_info("%s: %s", when, text ? text : "(none)");
	free(text);
}

/* A claim that exists but is not Bound: the Job is made and its pod waits,
 * and the MustGather, still Running, says why (StorageReady=False, one
 * Warning Event); once the claim binds the condition says so (True), and
 * the status is not written again for the same news. */
Test(spec, unbound_claim_is_said_in_the_status)
{
	static const char spec[] = "{\"storage\":{\"type\":\"PersistentVolume\","
				   "\"persistentVolume\":{\"claim\":{\"name\":\"slow\"}}}}";
	json_t *job, *mg, *cond, *events, *ev;
	size_t i, pending_events = 0, writes = 0, reads;

	cluster_create_pvc_unbound(&cl, "slow");
	job = cluster_launch(&cl, "waits", spec);
	json_decref(job);

	mg = cluster_wait_mg_condition(&cl, "waits", "StorageReady", "False", "ClaimPending");
	log_condition("claim Pending", mg);
	cond = cl_find(cl_at(mg, "status.conditions"), "type", "StorageReady");
	cr_expect(strstr(cl_str(cond, "message"), "PersistentVolumeClaim slow is Pending: the "
			 "Job's pod waits for it to bind"), "message: %s", cl_str(cond, "message"));
	cr_expect_str_eq(cl_str(mg, "status.status"), "Running", "the phase is not changed");
	cr_expect_not_null(cl_find(cl_at(mg, "status.conditions"), "type", "Running"),
			   "the Running condition is kept");
	json_decref(mg);
	ev = cluster_wait_event(&cl, "waits", "ClaimPending");
	cr_expect_str_eq(cl_str(ev, "type"), "Warning");
	json_decref(ev);
	cluster_describe_has(&cl, "waits", "ClaimPending");
	if (!cl.external)
		writes = status_writes("waits");

	cluster_pvc_phase(&cl, "slow", "Bound");
	mg = cluster_wait_mg_condition(&cl, "waits", "StorageReady", "True", "ClaimBound");
	log_condition("claim Bound", mg);
	cr_expect_str_eq(cl_str(mg, "status.status"), "Running");
	json_decref(mg);
	cluster_describe_has(&cl, "waits", "ClaimBound");

	events = cluster_events(&cl, "waits");
	json_array_foreach(events, i, ev)
		pending_events += strcmp(cl_str(ev, "reason"), "ClaimPending") == 0;
	json_decref(events);
	cr_expect_eq(pending_events, 1, "one Event when it went pending, none per re-read");
	/* the Running status and the two conditions: each written once */
	if (cl.external)
		return;
	cr_expect_eq(status_writes("waits"), writes + 1, "%zu status writes before the claim "
		     "bound, %zu after", writes, status_writes("waits"));
	/* a Bound claim is not read again: over three more of the watcher's
	 * re-sends (about 7 s), where a claim still Pending is read at least
	 * once more (every 2 s doubling) */
	reads = claim_reads("slow");
	cluster_wait_ipc(&cl, "waits", "validator", cluster_ipc_count(&cl, "waits", "validator") + 3);
	cr_expect_eq(claim_reads("slow"), reads, "the watcher read the Bound claim again");
	cr_expect_leq(reads, 4, "%zu reads of the claim in the seconds it was Pending", reads);
}

/* MustGather `base` in the operator's namespace with `spec` fails with
 * InvalidSpec, a message holding both needles, and no Job. */
static void refused_in_operator_ns(const char *base, const char *spec, const char *needle,
				   const char *needle2)
{
	char name[128], path[512], *msg;

	snprintf(name, sizeof(name), "%s/%s", CL_OPERATOR_NS, base);
	json_decref(cluster_create_mg(&cl, name, spec));
	msg = refused(name, "InvalidSpec");
	cr_expect(strstr(msg, needle) && strstr(msg, needle2), "message: %s", msg);
	cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, name, path), NULL, NULL, NULL), 404);
	cluster_delete(&cl, cl_mg_path(&cl, name, path));
	free(msg);
}

Test(spec, operator_service_account_is_refused)
{
	/* the operator's own account, in the operator's namespace: a gather
	 * running as it would hold the launcher's power */
	refused_in_operator_ns("as-launcher", "{\"serviceAccountRef\":{\"name\":\"mgo-launcher\"}}",
			       "mgo-launcher", "operator");
}

Test(spec, service_account_seen_late_is_still_found)
{
	json_t *job;

	cluster_require_test_server(&cl, "fault injection");
	/* the account is created just before the MustGather that names it; the
	 * watcher reads it when it needs it, so a watch of accounts, were there
	 * one, held behind the watch of MustGathers changes nothing */
	cluster_faults(&cl, "{\"hold\":true,\"match\":{\"verb\":\"watch\","
			    "\"resource\":\"serviceaccounts\"}}");
	cluster_drop_watches(&cl);
	create_sa("fresh");
	job = cluster_launch(&cl, "fresh-sa", "{\"serviceAccountRef\":{\"name\":\"fresh\"}}");
	cr_expect_str_eq(cl_str(job, "spec.template.spec.serviceAccountName"), "fresh");
	json_decref(job);
}

/* A MustGather created without spec cannot be given one later: a server
 * enforcing the CRD's CEL refuses the update (422); one that does not (the
 * test API server evaluates no CEL in CRD schemas) lets it through, and
 * the operator then fails it rather than run the later spec. The operator
 * is stopped meanwhile, so that it first sees the MustGather with its
 * later spec, or none. */
Test(spec, spec_cannot_be_added_after_creation)
{
	json_t *body = json_pack("{s:{s:{s:s}}}", "spec", "serviceAccountRef", "name", "gatherer");
	json_t *resp = NULL, *job;
	char path[512], *msg;
	long code;

	cluster_procs_stop(&cl);
	json_decref(cluster_create_mg(&cl, "late", NULL));
	code = cluster_api(&cl, "PATCH", cl_mg_path(&cl, "late", path),
			   "application/merge-patch+json", body, &resp);
	json_decref(body);
	cluster_procs_start(&cl);
	if (code == 422) {
		cr_expect(strstr(cl_str(resp, "message"), "spec cannot be added"), "%s",
			  cl_str(resp, "message"));
		/* the first spec (none) runs */
		job = cluster_wait_job(&cl, "late");
		cr_expect_str_eq(cl_str(job, "spec.template.spec.serviceAccountName"), "default");
		json_decref(job);
	} else {
		cr_assert_eq(code, 200, "PATCH: %ld", code);
		cr_assert(!cl.external, "the external server let spec be added: %ld", code);
		msg = refused("late", "InvalidSpec");
		cr_expect(strstr(msg, "changed after creation"), "message: %s", msg);
		cr_expect_eq(cluster_api(&cl, "GET", cl_job_path(&cl, "late", path), NULL, NULL,
					 NULL),
			     404);
		free(msg);
	}
	json_decref(resp);
}

/* The operator's own namespace is refused like the platform's (where the
 * admission policies are not installed, the validator is what refuses). */
Test(spec, operator_namespace_is_refused)
{
	refused_in_operator_ns("in-operator-ns", "{}", "operator's own namespace", "");
}

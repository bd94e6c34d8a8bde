/* JSON decoding of API objects: fixtures under tests/unit/fixtures/apiobj/
 * (also the fuzz_apiobj seed corpus), and tables of mutations of them that
 * must each fail with an error naming the field. Labelled "valgrind". */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/apiobj.h"

#define FIXTURES MGO_SOURCE_DIR "/tests/unit/fixtures/apiobj/"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert(s, "malloc");
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static json_t *load(const char *name)
{
	char path[4096], err[256], *buf;
	json_t *j;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	f = fopen(path, "rb");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert(fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0);
	buf = malloc((size_t)len);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len, "%s", path);
	fclose(f);
	cr_assert_eq(mgo_json_parse(buf, (size_t)len, &j, err, sizeof(err)), 0, "%s: %s", name, err);
	free(buf);
	return j;
}

/* Test values are JSON text; "@N" stands for a string of N 'x', "@@N" for an
 * array of N short strings. */
static json_t *value(const char *text)
{
	json_error_t jerr;
	json_t *v;

	if (strncmp(text, "\"@@", 3) == 0) {
		size_t n = strtoul(text + 3, NULL, 10);

		v = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(v, json_string("quay.io/a/b:1"));
		return v;
	}
	if (strncmp(text, "\"@", 2) == 0) {
		char *s = repeat('x', strtoul(text + 2, NULL, 10));

		v = json_string(s);
		free(s);
		return v;
	}
	v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	cr_assert(v, "test value %s: %s", text, jerr.text);
	return v;
}

/* Sets (text != NULL) or deletes the field at a dotted path; "a.b[1].c" and
 * "a.b[1]" index arrays. Missing objects on the way are created. */
static void set_path(json_t *root, const char *path, const char *text)
{
	char *copy = strdup(path), *save = NULL;
	json_t *cur = root;

	cr_assert(copy);
	for (char *seg = strtok_r(copy, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
		char *br = strchr(seg, '[');
		bool last = save == NULL || *save == '\0';
		json_t *next;

		if (br)
			*br = '\0';
		next = json_object_get(cur, seg);
		if (br) {
			size_t i = strtoul(br + 1, NULL, 10);

			cr_assert(json_is_array(next) && i < json_array_size(next), "%s: no such index", path);
			if (last) {
				cr_assert(text, "%s: deleting array entries is not supported", path);
				json_array_set_new(next, i, value(text));
				break;
			}
			cur = json_array_get(next, i);
			continue;
		}
		if (last) {
			if (text)
				json_object_set_new(cur, seg, value(text));
			else
				json_object_del(cur, seg);
			break;
		}
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(cur, seg, next);
		}
		cur = next;
	}
	free(copy);
}

static void eq_str(const char *what, const char *got, const char *want)
{
	if (!want || !got)
		cr_assert(want == got, "%s: got %s, want %s", what, got ? got : "(null)",
			  want ? want : "(null)");
	else
		cr_assert_str_eq(got, want, "%s", what);
}

/* ---- MustGather ---- */

Test(apiobj, mg_full_spec)
{
	json_t *j = load("mg-full.json");
	struct mgo_mg m;
	char err[256];

	cr_assert_eq(mgo_mg_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
	eq_str("ns", m.ns, "openshift-must-gather-operator");
	eq_str("name", m.name, "example-mustgather");
	eq_str("uid", m.uid, "6f0c2b9e-1111-4a4a-9c9c-000000000001");
	cr_assert_eq(m.generation, 1);
	cr_assert(!m.deleting);
	cr_assert_eq(m.phase, MGO_MG_RUNNING);
	eq_str("sa", m.spec.service_account, "must-gather-admin");
	eq_str("image", m.spec.image, "quay.io/my-org/my-custom-must-gather:latest");
	cr_assert(m.spec.audit);
	eq_str("http", m.spec.http_proxy, "http://proxy.example.com:3128");
	eq_str("https", m.spec.https_proxy, "https://proxy.example.com:3129");
	eq_str("no", m.spec.no_proxy, ".cluster.local,10.0.0.0/8");
	eq_str("timeout", m.spec.timeout, "1h30m");
	cr_assert(m.spec.retain);
	eq_str("upload", m.spec.upload_type, "SFTP");
	cr_assert(m.spec.has_sftp);
	eq_str("case", m.spec.sftp_case_id, "01234567");
	eq_str("secret", m.spec.sftp_secret, "case-management-creds");
	eq_str("host", m.spec.sftp_host, "sftp.access.redhat.com");
	cr_assert(m.spec.sftp_internal_user);
	eq_str("storage", m.spec.storage_type, "PersistentVolume");
	eq_str("claim", m.spec.pvc_claim, "mg-output");
	eq_str("subpath", m.spec.pvc_subpath, "runs/today");
	eq_str("since", m.spec.since, "2h30m");
	cr_assert_null(m.spec.since_time);
	cr_assert_eq(m.spec.n_command, 1);
	eq_str("command", m.spec.command[0], "/usr/bin/gather_network_logs");
	cr_assert_eq(m.spec.n_args, 2);
	eq_str("args[0]", m.spec.args[0], "--quick");
	eq_str("args[1]", m.spec.args[1], "");
	cr_assert(m.spec.obfuscate);
	eq_str("obfuscate config", m.spec.obfuscate_config, "clean-config");
	eq_str("storage reason", m.storage_reason, "ClaimPending");
	mgo_mg_free(&m);
	cr_assert(m.ns == NULL && m.spec.image == NULL, "free leaves it zeroed");
	json_decref(j);
}

/* StorageReady is ours: a condition of that type shaped otherwise (no
 * reason, not a string, too long) is none, never an undecodable MustGather. */
Test(apiobj, mg_storage_ready_reason)
{
	static const char *const odd[] = {
		"[{\"type\":\"StorageReady\",\"status\":\"False\"}]",
		"[{\"type\":\"StorageReady\",\"reason\":7}]",
		"[{\"type\":\"StorageReady\",\"reason\":\"@254\"}]",
		"[{\"type\":7}, \"x\", null]",
		"{\"type\":\"StorageReady\",\"reason\":\"ClaimPending\"}",
		"[]",
	};
	json_t *j = load("mg-full.json");
	struct mgo_mg m;
	char err[256], text[512], longest[MGO_NAME_MAX + 2];

	memset(longest, 'r', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		const char *at = strstr(odd[i], "@254");
		if (at)
			snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - odd[i]), odd[i], longest,
				 at + 4);
		else
			snprintf(text, sizeof(text), "%s", odd[i]);
		set_path(j, "status.conditions", text);
		cr_assert_eq(mgo_mg_from_json(j, &m, err, sizeof(err)), 0, "%s: %s", text, err);
		cr_assert_null(m.storage_reason, "%s", text);
		mgo_mg_free(&m);
	}
	json_decref(j);
}

/* A claim's phase as both the watcher and the launcher read it: Pending
 * for no phase or one not known. */
Test(apiobj, claim_phase)
{
	static const struct {
		const char *json;
		enum mgo_claim_phase want;
	} rows[] = {
		{"{\"status\":{\"phase\":\"Bound\"}}", MGO_CLAIM_BOUND},
		{"{\"status\":{\"phase\":\"Lost\"}}", MGO_CLAIM_LOST},
		{"{\"status\":{\"phase\":\"Pending\"}}", MGO_CLAIM_PENDING},
		{"{\"status\":{}}", MGO_CLAIM_PENDING},
		{"{}", MGO_CLAIM_PENDING},
		{"{\"status\":{\"phase\":\"bound\"}}", MGO_CLAIM_PENDING},
		{"{\"status\":{\"phase\":1}}", MGO_CLAIM_PENDING},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *j = json_loads(rows[i].json, 0, NULL);
		cr_assert_not_null(j);
		cr_assert_eq(mgo_claim_phase_from_json(j), rows[i].want, "%s", rows[i].json);
		json_decref(j);
	}
	cr_assert_eq(mgo_claim_phase_from_json(NULL), MGO_CLAIM_UNKNOWN);
}

Test(apiobj, mg_minimal)
{
	json_t *j = load("mg-minimal.json");
	struct mgo_mg m;
	char err[256];

	cr_assert_eq(mgo_mg_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
	eq_str("ns", m.ns, "default");
	cr_assert_eq(m.phase, MGO_MG_NEW);
	cr_assert(!m.deleting && !m.spec.audit && !m.spec.retain && !m.spec.has_sftp);
	cr_assert(!m.spec.service_account && !m.spec.image && !m.spec.timeout &&
		  !m.spec.upload_type && !m.spec.storage_type && !m.spec.pvc_claim);
	mgo_mg_free(&m);
	/* No spec at all is the same as an empty one. */
	set_path(j, "spec", NULL);
	cr_assert_eq(mgo_mg_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(m.spec.image);
	mgo_mg_free(&m);
	json_decref(j);
}

Test(apiobj, mg_deletion_and_terminal_phases)
{
	json_t *j = load("mg-minimal.json");
	struct mgo_mg m;
	char err[256];

	set_path(j, "metadata.deletionTimestamp", "\"2025-01-15T12:00:00Z\"");
	set_path(j, "status.status", "\"Completed\"");
	cr_assert_eq(mgo_mg_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert(m.deleting);
	cr_assert_eq(m.phase, MGO_MG_COMPLETED);
	mgo_mg_free(&m);
	set_path(j, "metadata.deletionTimestamp", "null");
	set_path(j, "status.status", "\"Failed\"");
	cr_assert_eq(mgo_mg_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert(!m.deleting, "a null deletionTimestamp is not a deletion");
	cr_assert_eq(m.phase, MGO_MG_FAILED);
	mgo_mg_free(&m);
	json_decref(j);
}

Test(apiobj, mg_null_is_absent)
{
	json_t *j = load("mg-full.json");
	struct mgo_mg m;
	char err[256];

	set_path(j, "spec.mustGatherImage", "null");
	set_path(j, "spec.uploadTarget.sftp", "null");
	cr_assert_eq(mgo_mg_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(m.spec.image);
	cr_assert(!m.spec.has_sftp && !m.spec.sftp_host);
	eq_str("upload", m.spec.upload_type, "SFTP");
	mgo_mg_free(&m);
	json_decref(j);
}

static const struct mutation {
	const char *path;
	const char *value;      /* NULL: delete the field */
	const char *err;
} mg_bad[] = {
	{ "spec.additionalConfig.audit", "\"yes\"", "spec.additionalConfig.audit: expected boolean, got string" },
	{ "spec.retainResourcesOnCompletion", "1", "spec.retainResourcesOnCompletion: expected boolean, got integer" },
	{ "spec.mustGatherImage", "\"@4097\"", "spec.mustGatherImage: string longer than 4096" },
	{ "spec.mustGatherImage", "[\"a\"]", "spec.mustGatherImage: expected string, got array" },
	{ "spec.serviceAccountRef.name", "\"@254\"", "spec.serviceAccountRef.name: string longer than 253" },
	{ "spec.serviceAccountRef", "\"default\"", "spec.serviceAccountRef: expected object, got string" },
	{ "spec.proxyConfig.noProxy", "5", "spec.proxyConfig.noProxy: expected string, got integer" },
	{ "spec.proxyConfig.httpsProxy", "\"@4097\"", "spec.proxyConfig.httpsProxy: string longer than 4096" },
	{ "spec.mustGatherTimeout", "90", "spec.mustGatherTimeout: expected string, got integer" },
	{ "spec.uploadTarget", "\"sftp\"", "spec.uploadTarget: expected object, got string" },
	{ "spec.uploadTarget.sftp", "true", "spec.uploadTarget.sftp: expected object, got boolean" },
	{ "spec.uploadTarget.sftp.internalUser", "\"true\"",
	  "spec.uploadTarget.sftp.internalUser: expected boolean, got string" },
	{ "spec.uploadTarget.sftp.caseManagementAccountSecretRef.name", "\"@254\"",
	  "spec.uploadTarget.sftp.caseManagementAccountSecretRef.name: string longer than 253" },
	{ "spec.storage.persistentVolume.claim.name", "{}",
	  "spec.storage.persistentVolume.claim.name: expected string, got object" },
	{ "spec.storage.persistentVolume.subPath", "\"a\\u0000b\"",
	  "spec.storage.persistentVolume.subPath: string contains a NUL byte" },
	{ "spec", "[]", "spec: expected object, got array" },
	{ "metadata", "[]", "metadata: expected object, got array" },
	{ "metadata.deletionTimestamp", "5", "metadata.deletionTimestamp: expected string, got integer" },
	{ "metadata.uid", NULL, "metadata.uid: required" },
	{ "metadata.namespace", "null", "metadata.namespace: required" },
	{ "metadata.name", "\"@254\"", "metadata.name: string longer than 253" },
	{ "metadata.generation", "1.5", "metadata.generation: expected integer, got number" },
	{ "metadata.generation", "-1", "metadata.generation: -1 out of range" },
	{ "metadata.generation", "\"1\"", "metadata.generation: expected integer, got string" },
	{ "status.status", "\"Exploded\"", "status.status: invalid value \"Exploded\"" },
	{ "status.status", "\"New\"", "status.status: invalid value \"New\"" },
	{ "status", "\"Running\"", "status: expected object, got string" },
};

Test(apiobj, mg_refuses_bad_fields)
{
	for (size_t k = 0; k < sizeof(mg_bad) / sizeof(mg_bad[0]); k++) {
		json_t *j = load("mg-full.json");
		struct mgo_mg m;
		char err[256];
		int ret;

		set_path(j, mg_bad[k].path, mg_bad[k].value);
		ret = mgo_mg_from_json(j, &m, err, sizeof(err));
		cr_assert_eq(ret, -EBADMSG, "%s=%s: got %d", mg_bad[k].path, mg_bad[k].value, ret);
		cr_assert(strstr(err, mg_bad[k].err), "error \"%s\" lacks \"%s\"", err, mg_bad[k].err);
		cr_assert(m.ns == NULL && m.spec.service_account == NULL && m.spec.sftp_secret == NULL,
			  "out zeroed on failure");
		json_decref(j);
	}
}

Test(apiobj, mg_not_an_object)
{
	json_t *a = json_array();
	struct mgo_mg m;
	char err[256];

	cr_assert_eq(mgo_mg_from_json(a, &m, err, sizeof(err)), -EBADMSG);
	cr_assert_str_eq(err, "expected object, got array");
	cr_assert_eq(mgo_mg_from_json(NULL, &m, err, sizeof(err)), -EBADMSG);
	cr_assert_str_eq(err, "expected object, got nothing");
	json_decref(a);
}

/* ---- MustGatherImage ---- */

Test(apiobj, allowlist_present)
{
	json_t *j = load("mgi-cluster.json");
	struct mgo_allowlist a;
	char err[256];

	cr_assert_eq(mgo_allowlist_from_json(j, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert(a.present);
	cr_assert_eq(a.generation, 4);
	cr_assert_eq(a.n_images, 2);
	eq_str("0", a.images[0], "quay.io/my-org/my-custom-must-gather:latest");
	cr_assert(strncmp(a.images[1], "registry.example.com/team-a/", 28) == 0);
	mgo_allowlist_free(&a);
	json_decref(j);
}

Test(apiobj, allowlist_empty)
{
	json_t *j = load("mgi-cluster.json");
	struct mgo_allowlist a;
	char err[256];

	set_path(j, "spec.images", "[]");
	cr_assert_eq(mgo_allowlist_from_json(j, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert(a.present);
	cr_assert_eq(a.n_images, 0);
	mgo_allowlist_free(&a);
	json_decref(j);
}

static const struct mutation allowlist_bad[] = {
	{ "spec.images", NULL, "spec.images: required" },
	{ "spec", NULL, "spec.images: required" },
	{ "spec.images", "\"quay.io/a/b:1\"", "spec.images: expected array, got string" },
	{ "spec.images", "\"@@1025\"", "spec.images: more than 1024 entries" },
	{ "spec.images", "[\"quay.io/a/b:1\", 3]", "spec.images[1]: expected string, got integer" },
	{ "spec.images[1]", "\"@4097\"", "spec.images[1]: string longer than 4096" },
	{ "metadata.generation", NULL, "metadata.generation: required" },
};

Test(apiobj, allowlist_refuses_bad_fields)
{
	for (size_t k = 0; k < sizeof(allowlist_bad) / sizeof(allowlist_bad[0]); k++) {
		json_t *j = load("mgi-cluster.json");
		struct mgo_allowlist a;
		char err[256];

		set_path(j, allowlist_bad[k].path, allowlist_bad[k].value);
		cr_assert_eq(mgo_allowlist_from_json(j, &a, err, sizeof(err)), -EBADMSG,
			     "%s=%s: %s", allowlist_bad[k].path, allowlist_bad[k].value, err);
		cr_assert(strstr(err, allowlist_bad[k].err), "error \"%s\" lacks \"%s\"", err,
			  allowlist_bad[k].err);
		cr_assert(!a.present && a.images == NULL && a.n_images == 0, "out zeroed");
		json_decref(j);
	}
}

Test(apiobj, allowlist_at_the_limit)
{
	json_t *j = load("mgi-cluster.json");
	struct mgo_allowlist a;
	char err[256];

	set_path(j, "spec.images", "\"@@1024\"");
	cr_assert_eq(mgo_allowlist_from_json(j, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(a.n_images, 1024);
	mgo_allowlist_free(&a);
	json_decref(j);
}

/* ---- Job and Pod ---- */

static void job_state(const char *job, const char *pod, struct mgo_job_state *s)
{
	json_t *jj = load(job), *pj = pod ? load(pod) : NULL;
	char err[256];

	cr_assert_eq(mgo_job_state_from_json(jj, pj, s, err, sizeof(err)), 0, "%s", err);
	eq_str("job name", s->name, "example-mustgather");
	eq_str("job uid", s->uid, "0c1d2e3f-2222-4b4b-8d8d-000000000002");
	json_decref(pj);
	json_decref(jj);
}

Test(apiobj, job_active)
{
	struct mgo_job_state s;

	job_state("job-active.json", NULL, &s);
	cr_assert_eq(s.phase, MGO_JOB_ACTIVE);
	cr_assert(!s.reason && !s.message && !s.pod_container && !s.pod_reason);
	cr_assert_eq(s.gather_exit, -1);
	cr_assert_eq(s.upload_exit, -1);
	cr_assert_eq(s.clean_exit, -1);
	mgo_job_state_free(&s);
}

Test(apiobj, job_complete)
{
	struct mgo_job_state s;

	job_state("job-complete.json", NULL, &s);
	cr_assert_eq(s.phase, MGO_JOB_SUCCEEDED);
	mgo_job_state_free(&s);
}

Test(apiobj, job_failed_deadline)
{
	struct mgo_job_state s;

	job_state("job-failed-deadline.json", NULL, &s);
	cr_assert_eq(s.phase, MGO_JOB_FAILED);
	eq_str("reason", s.reason, "DeadlineExceeded");
	eq_str("message", s.message, "Job was active longer than specified deadline");
	mgo_job_state_free(&s);
}

Test(apiobj, job_condition_not_true_is_not_terminal)
{
	json_t *j = load("job-complete.json");
	struct mgo_job_state s;
	char err[256];

	set_path(j, "status.conditions[1].status", "\"False\"");
	cr_assert_eq(mgo_job_state_from_json(j, NULL, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.phase, MGO_JOB_ACTIVE);
	mgo_job_state_free(&s);
	json_decref(j);
}

Test(apiobj, pod_image_pull_backoff_on_gather)
{
	struct mgo_job_state s;

	job_state("job-active.json", "pod-gather-imagepull.json", &s);
	cr_assert_eq(s.phase, MGO_JOB_ACTIVE);
	eq_str("container", s.pod_container, "gather");
	eq_str("reason", s.pod_reason, "ImagePullBackOff");
	cr_assert(s.pod_message && strstr(s.pod_message, "my-custom-must-gather"));
	cr_assert_eq(s.gather_exit, -1);
	cr_assert_eq(s.upload_exit, -1);
	mgo_job_state_free(&s);
}

Test(apiobj, pod_upload_exit_3)
{
	struct mgo_job_state s;

	job_state("job-active.json", "pod-upload-exit3.json", &s);
	cr_assert_eq(s.gather_exit, 0);
	cr_assert_eq(s.upload_exit, 3);
	eq_str("container", s.pod_container, "upload");
	eq_str("reason", s.pod_reason, "Error");
	eq_str("message", s.pod_message, "sftp: authentication failed for case 01234567");
	mgo_job_state_free(&s);
}

/* The cleaning step (spec.obfuscate) failed: its exit and its message,
 * before the upload's "waiting" that only says it never started. */
Test(apiobj, pod_clean_exit_3)
{
	struct mgo_job_state s;

	job_state("job-active.json", "pod-clean-exit3.json", &s);
	cr_assert_eq(s.gather_exit, 0);
	cr_assert_eq(s.clean_exit, 3);
	cr_assert_eq(s.upload_exit, -1);
	eq_str("container", s.pod_container, "clean");
	eq_str("reason", s.pod_reason, "Error");
	eq_str("message", s.pod_message, "mgo-clean: namespaces/a/pods/b/b.log: read: Permission denied");
	mgo_job_state_free(&s);
}

Test(apiobj, pod_evicted)
{
	struct mgo_job_state s;

	job_state("job-active.json", "pod-evicted.json", &s);
	cr_assert_null(s.pod_container, "the Pod's reason is about no one container");
	eq_str("reason", s.pod_reason, "Evicted");
	eq_str("message", s.pod_message, "The node was low on resource: ephemeral-storage.");
	cr_assert_eq(s.gather_exit, 137);
	cr_assert_eq(s.upload_exit, -1);
	mgo_job_state_free(&s);
}

/* Other containers (a sidecar) are not read: their size cannot fail us. */
Test(apiobj, pod_other_containers_ignored)
{
	json_t *j = load("job-active.json"), *p = load("pod-upload-exit3.json");
	struct mgo_job_state s;
	char err[256];

	set_path(p, "status.containerStatuses[0].state", "{\"waiting\": {\"message\": \"@9000\"}}");
	cr_assert_eq(mgo_job_state_from_json(j, p, &s, err, sizeof(err)), 0, "%s", err);
	eq_str("container", s.pod_container, "upload");
	mgo_job_state_free(&s);
	json_decref(p);
	json_decref(j);
}

static const struct job_mutation {
	bool pod;               /* mutate the Pod, else the Job */
	const char *path;
	const char *value;
	const char *err;
} job_bad[] = {
	{ false, "metadata.uid", NULL, "job.metadata.uid: required" },
	{ false, "metadata.name", "\"@254\"", "job.metadata.name: string longer than 253" },
	{ false, "status.conditions", "{}", "job.status.conditions: expected array, got object" },
	{ false, "status.conditions[1].status", "true",
	  "job.status.conditions[1].status: expected string, got boolean" },
	{ false, "status.conditions[1].type", "7",
	  "job.status.conditions[1].type: expected string, got integer" },
	{ false, "status.conditions[1].message", "\"@4097\"",
	  "job.status.conditions[1].message: string longer than 4096" },
	{ false, "status", "[]", "job.status: expected object, got array" },
	{ true, "status.containerStatuses[1].state.terminated.exitCode", "\"3\"",
	  "pod.status.containerStatuses[1].state.terminated.exitCode: expected integer, got string" },
	{ true, "status.containerStatuses[1].state.terminated.exitCode", "4294967296",
	  "pod.status.containerStatuses[1].state.terminated.exitCode: 4294967296 out of range" },
	{ true, "status.initContainerStatuses[0].state.terminated.reason", "\"@4097\"",
	  "pod.status.initContainerStatuses[0].state.terminated.reason: string longer than 4096" },
	{ true, "status.initContainerStatuses[0].name", "null",
	  "pod.status.initContainerStatuses[0].name: expected string, got nothing" },
	{ true, "status.initContainerStatuses", "\"gather\"",
	  "pod.status.initContainerStatuses: expected array, got string" },
	{ true, "status.reason", "1", "pod.status.reason: expected string, got integer" },
	{ true, "status.containerStatuses[1].state.terminated", "\"yes\"",
	  "pod.status.containerStatuses[1].state.terminated: expected object, got string" },
};

Test(apiobj, job_refuses_bad_fields)
{
	for (size_t k = 0; k < sizeof(job_bad) / sizeof(job_bad[0]); k++) {
		json_t *j = load("job-failed-deadline.json"), *p = load("pod-upload-exit3.json");
		struct mgo_job_state s;
		char err[256];

		set_path(job_bad[k].pod ? p : j, job_bad[k].path, job_bad[k].value);
		cr_assert_eq(mgo_job_state_from_json(j, p, &s, err, sizeof(err)), -EBADMSG,
			     "%s", job_bad[k].path);
		cr_assert(strstr(err, job_bad[k].err), "error \"%s\" lacks \"%s\"", err, job_bad[k].err);
		cr_assert(s.name == NULL && s.reason == NULL && s.pod_reason == NULL, "out zeroed");
		json_decref(p);
		json_decref(j);
	}
}

/* ---- parsing JSON text ---- */

static void parse_fails(const char *text, size_t len, int want, const char *want_err)
{
	char err[256];
	json_t *j = (json_t *)1;
	int ret = mgo_json_parse(text, len, &j, err, sizeof(err));

	cr_assert_eq(ret, want, "%.40s: got %d (%s)", text, ret, ret ? err : "parsed");
	cr_assert(strstr(err, want_err), "error \"%s\" lacks \"%s\"", err, want_err);
	cr_assert_null(j);
}

static char *nested(size_t depth, const char *inner)
{
	size_t n = strlen(inner);
	char *s = malloc(2 * depth + n + 1);

	cr_assert(s);
	memset(s, '[', depth);
	memcpy(s + depth, inner, n);
	memset(s + depth + n, ']', depth);
	s[2 * depth + n] = '\0';
	return s;
}

Test(apiobj, json_parse_refuses)
{
	static const char bad_utf8[] = "{\"a\": \"\xff\xfe\"}";
	char *deep = nested(MGO_JSON_MAX_DEPTH + 1, "1");

	parse_fails("{\"a\": 1, \"a\": 2}", 16, -EBADMSG, "duplicate object key");
	parse_fails("{\"a\": 1} x", 10, -EBADMSG, "end of file expected");
	parse_fails("{\"a\": \"\\u0000\"}", 15, -EBADMSG, "\\u0000 is not allowed");
	parse_fails(bad_utf8, sizeof(bad_utf8) - 1, -EBADMSG, "unable to decode byte 0xff");
	parse_fails("{\"a\": [1, 2", 11, -EBADMSG, "JSON: ");
	parse_fails("", 0, -EBADMSG, "JSON: ");
	parse_fails(deep, strlen(deep), -EBADMSG, "JSON nested deeper than 64 at byte 64");
	free(deep);
}

Test(apiobj, json_parse_depth_limit_is_exact)
{
	char *ok = nested(MGO_JSON_MAX_DEPTH, "\"[[[[{{{{\\\"[[[[\"");
	char err[256];
	json_t *j;

	/* Brackets in strings, escaped quotes included, do not count. */
	cr_assert_eq(mgo_json_parse(ok, strlen(ok), &j, err, sizeof(err)), 0, "%s", err);
	json_decref(j);
	free(ok);
}

Test(apiobj, json_parse_size_limit)
{
	size_t len = MGO_JSON_MAX + 1;
	char *big = malloc(len);

	cr_assert(big);
	memset(big, ' ', len);
	big[0] = '[';
	big[len - 1] = ']';
	parse_fails(big, len, -EMSGSIZE, "exceeds 16777216");
	free(big);
}

/* The controller reference, and only it, of the asked kind. */
Test(apiobj, owner_is_the_controller_reference)
{
#define REF(api, kind, uid, ctl) "{\"apiVersion\":\"" api "\",\"kind\":\"" kind "\"," \
	"\"name\":\"n\",\"uid\":\"" uid "\"" ctl "}"
#define MG_REF(uid, ctl) REF("operator.openshift.io/v1alpha1", "MustGather", uid, ctl)
#define OBJ(refs) "{\"metadata\":{\"namespace\":\"ns\",\"ownerReferences\":" refs "}}"
	static const struct {
		const char *json;
		int rc;
		const char *uid;        /* or the error's text */
	} rows[] = {
		{OBJ("[" MG_REF("u1", ",\"controller\":true") "]"), 0, "u1"},
		{OBJ("null"), 0, NULL},
		{"{\"metadata\":{\"namespace\":\"ns\"}}", 0, NULL},
		/* a reference that is not the controller owns nothing */
		{OBJ("[" MG_REF("u1", "") "]"), 0, NULL},
		{OBJ("[" MG_REF("u1", ",\"controller\":false") "]"), 0, NULL},
		/* a controller of another kind or version */
		{OBJ("[" REF("batch/v1", "Job", "j1", ",\"controller\":true") "]"), 0, NULL},
		{OBJ("[" REF("operator.openshift.io/v1", "MustGather", "u1", ",\"controller\":true")
		     "]"), 0, NULL},
		{OBJ("[" MG_REF("u2", "") "," MG_REF("u1", ",\"controller\":true") "]"), 0, "u1"},
		{OBJ("[" MG_REF("u1", ",\"controller\":true") ","
		     REF("v1", "ConfigMap", "c", ",\"controller\":true") "]"), -EBADMSG,
		 "metadata.ownerReferences[1]: a second controller"},
		{OBJ("[" MG_REF("u1", ",\"controller\":\"yes\"") "]"), -EBADMSG,
		 "metadata.ownerReferences[0].controller: expected boolean, got string"},
		{OBJ("[{\"kind\":\"MustGather\",\"uid\":\"u1\",\"controller\":true}]"), -EBADMSG,
		 "metadata.ownerReferences[0].apiVersion: required"},
		{OBJ("{}"), -EBADMSG, "metadata.ownerReferences: expected array, got object"},
		{"{\"metadata\":{}}", -EBADMSG, "metadata.namespace: required"},
	};
	char err[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgo_owner o;
		json_t *j = json_loads(rows[i].json, 0, NULL);
		int rc;

		cr_assert_not_null(j, "row %zu", i);
		rc = mgo_owner_from_json(j, "operator.openshift.io/v1alpha1", "MustGather", &o, err,
					 sizeof(err));
		cr_expect_eq(rc, rows[i].rc, "row %zu: %d %s", i, rc, err);
		if (rc == 0) {
			cr_expect_str_eq(o.ns, "ns", "row %zu", i);
			if (rows[i].uid)
				cr_expect_str_eq(o.uid ? o.uid : "(null)", rows[i].uid, "row %zu", i);
			else
				cr_expect_null(o.uid, "row %zu", i);
		} else {
			cr_expect(strstr(err, rows[i].uid), "row %zu: %s", i, err);
			cr_expect_null(o.ns, "row %zu", i);
		}
		mgo_owner_free(&o);
		json_decref(j);
	}
}

/* ---- mgo_json_size: what json_dumpb would write, without writing ---- */

static size_t dumped(const json_t *j)
{
	return json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
}

Test(apiobj, json_size_counts_what_json_dumpb_writes)
{
	static const char *const texts[] = {
		"{}", "[]", "\"\"", "0", "-1", "true", "false", "null",
		"[1,-2,10,-10,99,100,9223372036854775807,-9223372036854775808]",
		/* every escape: quote, backslash, the named controls, \u00XX,
		 * and what is not escaped (slash, DEL, UTF-8 of 2, 3, 4 bytes) */
		"\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f/\\u007f\\u00e9\\u20ac\\ud83d\\ude00\"",
		"{\"k\\n\\\"\":{\"\":[[],{},[{}]]}}",
		"[1.5,-0.0,1e300,1e-7,100.0,0.1,-2.5e-300,123456789.125]",
		"{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"y\"}},\"spec\":{\"n\":[1,2,3]}}",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t e;
		json_t *j = json_loads(texts[i], JSON_DECODE_ANY, &e);

		cr_assert_not_null(j, "%s: %s", texts[i], e.text);
		cr_assert_eq(mgo_json_size(j), dumped(j), "%s: %zu, json_dumpb %zu", texts[i],
			     mgo_json_size(j), dumped(j));
		json_decref(j);
	}
	cr_assert_eq(mgo_json_size(NULL), 0);
}

/* And on every JSON text of the fuzz_apiobj corpus (API objects as the
 * server sends them, and what the fuzzer made of them). */
Test(apiobj, json_size_counts_what_json_dumpb_writes_on_the_corpus)
{
	const char *dir = MGO_SOURCE_DIR "/tests/fuzz/corpus/fuzz_apiobj";
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t checked = 0;

	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char path[4096], err[256];
		json_t *j;
		size_t len = 0;
		char *buf;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		cr_assert_not_null(f, "%s", path);
		buf = malloc(1 << 20);
		cr_assert_not_null(buf);
		len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		if (mgo_json_parse(buf, len, &j, err, sizeof(err)) == 0) {
			cr_assert_eq(mgo_json_size(j), dumped(j), "%s: %zu, json_dumpb %zu", path,
				     mgo_json_size(j), dumped(j));
			checked++;
			json_decref(j);
		}
		free(buf);
	}
	closedir(d);
	cr_assert_gt(checked, 10, "only %zu corpus files parsed", checked);
}

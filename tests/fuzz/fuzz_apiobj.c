/* libFuzzer target: JSON text through mgo_json_parse, then every decoder of API
 * objects. A top-level [job, pod] array also feeds the pair to the Job/Pod
 * decoder (the seed corpus has such pairs); any other value is tried as a Job
 * alone and as both Job and Pod, and every value's ownerReferences are read
 * as a Job's and as a Pod's (mgo_owner_from_json), and its claim phase (a
 * PersistentVolumeClaim's, mgo_claim_phase_from_json). Crashes, leaks and sanitizer reports are the
 * findings; decoders must also leave their output zeroed when they fail, and
 * mgo_json_size must count exactly what json_dumpb writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/apiobj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char zero[sizeof(struct mgo_mg)];

static void job(const json_t *j, const json_t *pod)
{
	struct mgo_job_state s;
	char err[256];

	if (mgo_job_state_from_json(j, pod, &s, err, sizeof(err)) != 0 &&
	    memcmp(&s, zero, sizeof(s)) != 0)
		abort();
	mgo_job_state_free(&s);
}

static void owner(const json_t *j, const char *api_version, const char *kind)
{
	struct mgo_owner o;
	char err[256];

	if (mgo_owner_from_json(j, api_version, kind, &o, err, sizeof(err)) != 0 &&
	    memcmp(&o, zero, sizeof(o)) != 0)
		abort();
	mgo_owner_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgo_allowlist a;
	struct mgo_mg m;
	char err[256];
	json_t *root;

	_Static_assert(sizeof(zero) >= sizeof(struct mgo_job_state), "zero too small");
	_Static_assert(sizeof(zero) >= sizeof(struct mgo_allowlist), "zero too small");
	_Static_assert(sizeof(zero) >= sizeof(struct mgo_owner), "zero too small");
	if (mgo_json_parse((const char *)data, size, &root, err, sizeof(err)) != 0)
		return 0;
	if (mgo_json_size(root) != json_dumpb(root, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY))
		abort();
	if (mgo_mg_from_json(root, &m, err, sizeof(err)) != 0 && memcmp(&m, zero, sizeof(m)) != 0)
		abort();
	mgo_mg_free(&m);
	if (mgo_allowlist_from_json(root, &a, err, sizeof(err)) != 0 &&
	    memcmp(&a, zero, sizeof(a)) != 0)
		abort();
	mgo_allowlist_free(&a);
	(void)mgo_claim_phase_from_json(root);
	if (json_is_array(root) && json_array_size(root) == 2) {
		job(json_array_get(root, 0), json_array_get(root, 1));
	} else {
		job(root, NULL);
		job(root, root);
	}
	owner(root, "operator.openshift.io/v1alpha1", "MustGather");
	owner(root, "batch/v1", "Job");
	json_decref(root);
	return 0;
}

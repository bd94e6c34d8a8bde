/* The ended Jobs the launcher's watch has shown; see ended.h. */
#include "ended.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "mgo/apiobj.h"

/* a Job's controller as the monitor checks it (monitor.c, controlled_by) */
#define OWNER_API_VERSION "operator.openshift.io/v1alpha1"
#define OWNER_KIND "MustGather"

struct mgo_ended_rec {
	char *uid, *ns, *name, *controller;
	enum mgo_job_phase phase;
	UT_hash_handle hh;
};

static void rec_free(struct mgo_ended_rec *r)
{
	if (!r)
		return;
	free(r->uid);
	free(r->ns);
	free(r->name);
	free(r->controller);
	free(r);
}

static void forget(struct mgo_ended *s, const char *uid)
{
	struct mgo_ended_rec *r = NULL;

	HASH_FIND_STR(s->by_uid, uid, r);
	if (!r)
		return;
	HASH_DEL(s->by_uid, r);
	s->n--;
	rec_free(r);
}

int mgo_ended_note(struct mgo_ended *s, const json_t *job, bool gone)
{
	const char *uid = mgo_meta_str(job, "uid"), *name = mgo_meta_str(job, "name");
	struct mgo_job_state st = {0};
	struct mgo_owner owner = {0};
	struct mgo_ended_rec *r = NULL;
	char err[160];
	int rc = 0;

	if (!uid)
		return 0;
	forget(s, uid);
	if (gone || mgo_meta_str(job, "deletionTimestamp") || !name)
		return 0;
	rc = mgo_job_state_from_json(job, NULL, &st, err, sizeof(err));
	if (rc || (st.phase != MGO_JOB_SUCCEEDED && st.phase != MGO_JOB_FAILED))
		goto out;
	rc = mgo_owner_from_json(job, OWNER_API_VERSION, OWNER_KIND, &owner, err, sizeof(err));
	/* without a MustGather for a controller no act's check can pass on
	 * it: not kept, so labelled Jobs anyone makes cost nothing here */
	if (rc || !owner.uid)
		goto out;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->uid = strdup(uid)) || !(r->ns = strdup(owner.ns)) ||
	    !(r->name = strdup(name)) || !(r->controller = strdup(owner.uid))) {
		rc = -ENOMEM;
		goto out;
	}
	r->phase = st.phase;
	HASH_ADD_KEYPTR(hh, s->by_uid, r->uid, strlen(r->uid), r);
	s->n++;
	r = NULL;
out:
	rec_free(r);
	mgo_owner_free(&owner);
	mgo_job_state_free(&st);
	/* a Job the API serves that these cannot read is the GET's to judge */
	return rc == -ENOMEM ? rc : 0;
}

bool mgo_ended_find(const struct mgo_ended *s, const char *uid, struct mgo_ended_job *out)
{
	struct mgo_ended_rec *r = NULL;

	if (!uid)
		return false;
	HASH_FIND_STR(s->by_uid, uid, r);
	if (!r)
		return false;
	*out = (struct mgo_ended_job){.uid = r->uid, .ns = r->ns, .name = r->name,
				      .controller = r->controller, .phase = r->phase};
	return true;
}

void mgo_ended_clear(struct mgo_ended *s)
{
	struct mgo_ended_rec *r, *tmp;

	HASH_ITER(hh, s->by_uid, r, tmp) {
		HASH_DEL(s->by_uid, r);
		rec_free(r);
	}
	s->n = 0;
}

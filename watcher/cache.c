#include "cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "mgo/apiobj.h"

/* uthash aborts the process when it cannot allocate its buckets, which is
 * what we would do anyway; entries themselves are checked. */

struct mg_entry {
	char *uid;                      /* key; == mg.uid */
	struct mgo_mg mg;
	UT_hash_handle hh;
};

/* What a Job or a Pod says, filed under its owner: a Job under "<MustGather
 * UID>/<namespace>" of its controller reference, a Pod under "<Job
 * UID>/<namespace>". A MustGather looks only under its own namespace and a
 * Job's pod only under the Job's, so an object elsewhere naming them (by
 * label or by reference) sits in an entry nobody reads and displaces
 * nothing: ownership is the controller reference within one namespace, as
 * for the garbage collector, never the label (the label only selects what
 * the informers list). One object per key: the latest, as the Job
 * controller keeps one pod running at a time. */
struct owned {
	char *key;                      /* "<owner uid>/<namespace>" */
	char *owner;                    /* the owner's UID */
	const char *ns;                 /* in key */
	char *uid;                      /* this Job's or Pod's own UID */
	struct mgo_job_state js;        /* a Job: phase, name, uid, reason;
					   a Pod: pod_* and exit codes */
	UT_hash_handle hh;              /* by key */
	UT_hash_handle hh_uid;          /* by uid: an object that loses or changes
					   its controller, or is deleted, is found
					   by what it is, not by what it says now */
};

struct owned_table {
	struct owned *by_key;
	struct owned *by_uid;
};

/* "ns/name" of a ServiceAccount that exists. */
struct sa_entry {
	char *key;
	UT_hash_handle hh;
};

struct mgo_wcache {
	struct mg_entry *mgs;
	struct owned_table jobs;
	struct owned_table pods;
	struct sa_entry *sas;
	bool sa_synced;
	struct mgo_allowlist allowlist;
	mgo_wcache_touched_fn touched;
	void *ctx;
};

int mgo_wcache_new(mgo_wcache_touched_fn touched, void *ctx, struct mgo_wcache **out)
{
	struct mgo_wcache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->touched = touched;
	c->ctx = ctx;
	*out = c;
	return 0;
}

static void entry_free(struct mg_entry *e)
{
	free(e->uid);
	mgo_mg_free(&e->mg);
	free(e);
}

static void owned_free(struct owned *o)
{
	free(o->key);
	free(o->owner);
	free(o->uid);
	mgo_job_state_free(&o->js);
	free(o);
}

void mgo_wcache_free(struct mgo_wcache *c)
{
	struct mg_entry *e, *etmp;
	struct sa_entry *s, *stmp;

	if (!c)
		return;
	struct owned *o, *otmp;

	HASH_ITER(hh, c->mgs, e, etmp) {
		HASH_DEL(c->mgs, e);
		entry_free(e);
	}
	HASH_CLEAR(hh_uid, c->jobs.by_uid);
	HASH_CLEAR(hh_uid, c->pods.by_uid);
	HASH_ITER(hh, c->jobs.by_key, o, otmp) {
		HASH_DEL(c->jobs.by_key, o);
		owned_free(o);
	}
	HASH_ITER(hh, c->pods.by_key, o, otmp) {
		HASH_DEL(c->pods.by_key, o);
		owned_free(o);
	}
	HASH_ITER(hh, c->sas, s, stmp) {
		HASH_DEL(c->sas, s);
		free(s->key);
		free(s);
	}
	mgo_allowlist_free(&c->allowlist);
	free(c);
}

static void touch(struct mgo_wcache *c, const char *uid)
{
	if (c->touched)
		c->touched(c->ctx, uid);
}

static void touch_all(struct mgo_wcache *c)
{
	mgo_wcache_each(c, c->touched, c->ctx);
}

static struct mg_entry *find(const struct mgo_wcache *c, const char *uid)
{
	struct mg_entry *e = NULL;

	if (uid)
		HASH_FIND_STR(c->mgs, uid, e);
	return e;
}

/* The entry for `uid`, created empty if needed. */
static struct mg_entry *find_or_add(struct mgo_wcache *c, const char *uid)
{
	struct mg_entry *e = find(c, uid);

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->uid = strdup(uid))) {
		free(e);
		return NULL;
	}
	HASH_ADD_KEYPTR(hh, c->mgs, e->uid, strlen(e->uid), e);
	return e;
}

/* Takes mg (decoded) into the cache. */
static int store_mg(struct mgo_wcache *c, struct mgo_mg mg)
{
	struct mg_entry *e = find_or_add(c, mg.uid);

	if (!e) {
		mgo_mg_free(&mg);
		return -ENOMEM;
	}
	mgo_mg_free(&e->mg);
	e->mg = mg;
	touch(c, e->uid);
	return 0;
}

int mgo_wcache_mg_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen)
{
	struct mgo_mg mg;
	int rc = mgo_mg_from_json(obj, &mg, err, errlen);

	return rc ? rc : store_mg(c, mg);
}

int mgo_wcache_mg_too_large(struct mgo_wcache *c, const json_t *obj, size_t bytes, char *err,
			    size_t errlen)
{
	struct mgo_mg mg;
	int rc = mgo_mg_meta_from_json(obj, &mg, err, errlen);

	if (rc)
		return rc;
	mg.too_large_bytes = bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes;
	return store_mg(c, mg);
}

static const char *uid_of(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));
}

void mgo_wcache_mg_del(struct mgo_wcache *c, const json_t *obj)
{
	struct mg_entry *e = find(c, uid_of(obj));

	if (!e)
		return;
	/* its Job goes with it (ownerReference GC) and is forgotten with its
	 * own event; nothing to observe now */
	HASH_DEL(c->mgs, e);
	entry_free(e);
}

int mgo_wcache_allowlist_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen)
{
	struct mgo_allowlist a;
	int rc = mgo_allowlist_from_json(obj, &a, err, errlen);

	if (rc)
		return rc;
	/* our own status writes change only its status and resourceVersion:
	 * nothing a MustGather's decision reads */
	bool same = c->allowlist.generation == a.generation &&
		    mgo_wcache_allowlist_agrees(c, &a);
	mgo_allowlist_free(&c->allowlist);
	c->allowlist = a;
	if (!same)
		touch_all(c);
	return 0;
}

const struct mgo_allowlist *mgo_wcache_allowlist(const struct mgo_wcache *c)
{
	return &c->allowlist;
}

void mgo_wcache_allowlist_del(struct mgo_wcache *c)
{
	mgo_allowlist_free(&c->allowlist);
	touch_all(c);
}

#define API_MUSTGATHER "operator.openshift.io/v1alpha1"
#define API_JOB "batch/v1"

static struct owned *owned_find(const struct owned_table *t, const char *owner, const char *ns)
{
	char key[2 * MGO_NAME_MAX + 2];
	struct owned *o = NULL;

	if (owner && ns) {
		snprintf(key, sizeof(key), "%s/%s", owner, ns);
		HASH_FIND_STR(t->by_key, key, o);
	}
	return o;
}

static struct owned *owned_by_uid(const struct owned_table *t, const char *uid)
{
	struct owned *o = NULL;

	if (uid)
		HASH_FIND(hh_uid, t->by_uid, uid, strlen(uid), o);
	return o;
}

/* The Job a MustGather owns in its own namespace, and that Job's pod. */
static const struct owned *job_of(const struct mgo_wcache *c, const struct mgo_mg *mg)
{
	return owned_find(&c->jobs, mg->uid, mg->ns);
}

static const struct owned *pod_of(const struct mgo_wcache *c, const struct owned *job)
{
	return job ? owned_find(&c->pods, job->uid, job->ns) : NULL;
}

/* Touches the MustGather whose observation a change of Job or Pod `o` may
 * alter: a Job's owner; a Pod's Job's owner if that Job is filed in the
 * Pod's namespace. */
static void touch_owner(struct mgo_wcache *c, const struct owned *o, bool pod)
{
	const struct owned *job = pod ? owned_by_uid(&c->jobs, o->owner) : o;

	if (job && (!pod || strcmp(job->ns, o->ns) == 0))
		touch(c, job->owner);
}

/* Unlinks o, touches its owner (who then observes the cache without it)
 * and frees it. */
static void owned_drop(struct mgo_wcache *c, struct owned_table *t, struct owned *o, bool pod)
{
	HASH_DEL(t->by_key, o);
	HASH_DELETE(hh_uid, t->by_uid, o);
	touch_owner(c, o, pod);
	owned_free(o);
}

/* Files what was decoded of a Job (pod false) or of a Pod (pod true) with
 * UID `uid` under its controller own->uid (NULL: it has none, and is
 * forgotten); takes *js. An object already filed under another owner, and
 * another object filed under this one, are dropped first. */
static int store_owned(struct mgo_wcache *c, const struct mgo_owner *own, const char *uid,
		       struct mgo_job_state *js, bool pod)
{
	struct owned_table *t = pod ? &c->pods : &c->jobs;
	struct owned *o = owned_by_uid(t, uid), *other;
	size_t n;

	if (o && (!own->uid || o != owned_find(t, own->uid, own->ns))) {
		owned_drop(c, t, o, pod);
		o = NULL;
	}
	if (!own->uid) {
		mgo_job_state_free(js);
		return 0;
	}
	if ((other = owned_find(t, own->uid, own->ns)) && other != o)
		owned_drop(c, t, other, pod);
	if (o) {
		mgo_job_state_free(&o->js);
	} else {
		n = strlen(own->uid) + strlen(own->ns) + 2;
		if (!(o = calloc(1, sizeof(*o))) || !(o->key = malloc(n)) ||
		    !(o->owner = strdup(own->uid)) || !(o->uid = strdup(uid))) {
			mgo_job_state_free(js);
			if (o)
				owned_free(o);
			return -ENOMEM;
		}
		snprintf(o->key, n, "%s/%s", own->uid, own->ns);
		o->ns = o->key + strlen(own->uid) + 1;
		HASH_ADD_KEYPTR(hh, t->by_key, o->key, strlen(o->key), o);
		HASH_ADD_KEYPTR(hh_uid, t->by_uid, o->uid, strlen(o->uid), o);
	}
	o->js = *js;
	memset(js, 0, sizeof(*js));
	touch_owner(c, o, pod);
	return 0;
}

static void drop_owned(struct mgo_wcache *c, const json_t *obj, bool pod)
{
	struct owned_table *t = pod ? &c->pods : &c->jobs;
	struct owned *o = owned_by_uid(t, uid_of(obj));

	if (o)
		owned_drop(c, t, o, pod);
}

int mgo_wcache_job_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen)
{
	struct mgo_owner own;
	struct mgo_job_state js;
	int rc = mgo_owner_from_json(obj, API_MUSTGATHER, "MustGather", &own, err, errlen);

	if (rc)
		return rc;
	/* without a MustGather as its controller (labelled like ours, or
	 * orphaned) it is no MustGather's, and forgotten if it was */
	rc = mgo_job_state_from_json(obj, NULL, &js, err, errlen);
	if (rc == 0)
		rc = store_owned(c, &own, js.uid, &js, false);
	mgo_owner_free(&own);
	return rc;
}

void mgo_wcache_job_del(struct mgo_wcache *c, const json_t *obj)
{
	drop_owned(c, obj, false);
}

/* What a Pod says, folded as the watcher keeps it. */
static int fold_pod(const json_t *pod, struct mgo_job_state *js, char *err, size_t errlen)
{
	/* The decoder folds a Pod only beside a Job; this stand-in carries
	 * the identity it requires and nothing the pod fields depend on. */
	static const char stub[] = "{\"metadata\":{\"name\":\"pod\",\"uid\":\"pod\"}}";
	json_t *job = json_loads(stub, 0, NULL);
	int rc;

	if (!job)
		return -ENOMEM;
	rc = mgo_job_state_from_json(job, pod, js, err, errlen);
	json_decref(job);
	return rc;
}

int mgo_wcache_pod_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen)
{
	struct mgo_owner own;
	struct mgo_job_state js;
	const char *uid = uid_of(obj);
	int rc = mgo_owner_from_json(obj, API_JOB, "Job", &own, err, errlen);

	if (rc)
		return rc;
	if (!uid) {
		mgo_owner_free(&own);
		snprintf(err, errlen, "metadata.uid: required");
		return -EBADMSG;
	}
	/* without a Job as its controller it is no Job's pod */
	rc = fold_pod(obj, &js, err, errlen);
	if (rc == 0)
		rc = store_owned(c, &own, uid, &js, true);
	mgo_owner_free(&own);
	return rc;
}

void mgo_wcache_pod_del(struct mgo_wcache *c, const json_t *obj)
{
	drop_owned(c, obj, true);
}

static int sa_key(const json_t *obj, char *buf, size_t len)
{
	json_t *meta = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));

	if (!ns || !name || (size_t)snprintf(buf, len, "%s/%s", ns, name) >= len)
		return -EINVAL;
	return 0;
}

/* Touches the MustGathers of namespace ns/... that name this account. */
static void touch_sa_users(struct mgo_wcache *c, const char *key)
{
	struct mg_entry *e, *tmp;

	HASH_ITER(hh, c->mgs, e, tmp) {
		char k[2 * MGO_NAME_MAX + 2];
		const char *sa = e->mg.spec.service_account ? e->mg.spec.service_account : "default";
		if (!e->mg.ns)
			continue;
		snprintf(k, sizeof(k), "%s/%s", e->mg.ns, sa);
		if (strcmp(k, key) == 0)
			touch(c, e->uid);
	}
}

int mgo_wcache_sa_put(struct mgo_wcache *c, const json_t *obj)
{
	char key[2 * MGO_NAME_MAX + 2];
	struct sa_entry *s = NULL;

	if (sa_key(obj, key, sizeof(key)))
		return -EINVAL;
	HASH_FIND_STR(c->sas, key, s);
	if (s)
		return 0; /* an update changes nothing we keep */
	s = calloc(1, sizeof(*s));
	if (!s || !(s->key = strdup(key))) {
		free(s);
		return -ENOMEM;
	}
	HASH_ADD_KEYPTR(hh, c->sas, s->key, strlen(s->key), s);
	touch_sa_users(c, key);
	return 0;
}

void mgo_wcache_sa_del(struct mgo_wcache *c, const json_t *obj)
{
	char key[2 * MGO_NAME_MAX + 2];
	struct sa_entry *s = NULL;

	if (sa_key(obj, key, sizeof(key)))
		return;
	HASH_FIND_STR(c->sas, key, s);
	if (!s)
		return;
	HASH_DEL(c->sas, s);
	free(s->key);
	free(s);
	touch_sa_users(c, key);
}

void mgo_wcache_sa_synced(struct mgo_wcache *c)
{
	c->sa_synced = true;
	touch_all(c);
}

static enum mgo_presence sa_presence(const struct mgo_wcache *c, const struct mgo_mg *mg)
{
	char key[2 * MGO_NAME_MAX + 2];
	struct sa_entry *s = NULL;

	if (!c->sa_synced)
		return MGO_PRESENCE_UNKNOWN;
	snprintf(key, sizeof(key), "%s/%s", mg->ns,
		 mg->spec.service_account ? mg->spec.service_account : "default");
	HASH_FIND_STR(c->sas, key, s);
	return s ? MGO_PRESENCE_PRESENT : MGO_PRESENCE_ABSENT;
}

bool mgo_wcache_observe(const struct mgo_wcache *c, const char *uid, struct mgo_observe *out)
{
	const struct mg_entry *e = find(c, uid);
	const struct owned *job, *pod;
	bool finished;

	memset(out, 0, sizeof(*out));
	if (!e)
		return false;
	job = job_of(c, &e->mg);
	pod = pod_of(c, job);
	finished = e->mg.phase == MGO_MG_COMPLETED || e->mg.phase == MGO_MG_FAILED;
	if (finished && (!job || e->mg.spec.retain))
		return false;
	out->mg = e->mg;
	out->allowlist = c->allowlist;
	/* the allowlist object's identity and status are for its own status;
	 * left out, our writes of that status do not re-send every MustGather */
	out->allowlist.uid = out->allowlist.resource_version = NULL;
	out->allowlist.observed_generation = 0;
	out->service_account = sa_presence(c, &e->mg);
	out->pvc = MGO_PRESENCE_UNKNOWN;
	out->job.gather_exit = out->job.upload_exit = -1;
	if (job) {
		out->job = job->js;
		out->job.pod_container = pod ? pod->js.pod_container : NULL;
		out->job.pod_reason = pod ? pod->js.pod_reason : NULL;
		out->job.pod_message = pod ? pod->js.pod_message : NULL;
		out->job.gather_exit = pod ? pod->js.gather_exit : -1;
		out->job.upload_exit = pod ? pod->js.upload_exit : -1;
	}
	return true;
}

bool mgo_wcache_allowlist_agrees(const struct mgo_wcache *c, const struct mgo_allowlist *fresh)
{
	const struct mgo_allowlist *a = &c->allowlist;

	if (a->present != fresh->present || a->n_images != fresh->n_images)
		return false;
	for (size_t i = 0; i < a->n_images; i++)
		if (strcmp(a->images[i], fresh->images[i]) != 0)
			return false;
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_pod_report(const struct mgo_job_state *a, const struct mgo_job_state *b)
{
	return a->gather_exit == b->gather_exit && a->upload_exit == b->upload_exit &&
	       same_str(a->pod_container, b->pod_container) && same_str(a->pod_reason, b->pod_reason);
}

bool mgo_wcache_pods_agree(const struct mgo_job_state *cached, const json_t *items)
{
	struct mgo_job_state none = {.gather_exit = -1, .upload_exit = -1};
	bool decoded = false, agree = false;
	const json_t *pod;
	size_t i;
	char err[64];

	json_array_foreach(items, i, pod) {
		struct mgo_job_state js;
		struct mgo_owner own;
		bool mine;
		/* as the informer files them: only the pods of this Job */
		if (mgo_owner_from_json(pod, API_JOB, "Job", &own, err, sizeof(err)) != 0)
			continue;
		mine = own.uid && cached->uid && strcmp(own.uid, cached->uid) == 0;
		mgo_owner_free(&own);
		if (!mine || fold_pod(pod, &js, err, sizeof(err)) != 0)
			continue;
		decoded = true;
		agree = agree || same_pod_report(cached, &js);
		mgo_job_state_free(&js);
	}
	return decoded ? agree : same_pod_report(cached, &none);
}

void mgo_wcache_each(const struct mgo_wcache *c, mgo_wcache_touched_fn fn, void *ctx)
{
	struct mg_entry *e, *tmp;

	if (!fn)
		return;
	HASH_ITER(hh, c->mgs, e, tmp)
		fn(ctx, e->uid);
}

size_t mgo_wcache_count(const struct mgo_wcache *c)
{
	return HASH_COUNT(c->mgs);
}

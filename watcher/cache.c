#include "cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "mgo/apiobj.h"
#include "mgo/labels.h"

/* uthash aborts the process when it cannot allocate its buckets, which is
 * what we would do anyway; entries themselves are checked. */

struct mg_entry {
	char *uid;                      /* key; == mg.uid */
	struct mgo_mg mg;
	struct mgo_job_state job;       /* from the Job: phase, name, uid, reason */
	struct mgo_job_state pod;       /* from the Pod: pod_* and exit codes */
	bool have_job;
	bool have_pod;
	UT_hash_handle hh;
};

/* "ns/name" of a ServiceAccount that exists. */
struct sa_entry {
	char *key;
	UT_hash_handle hh;
};

struct mgo_wcache {
	struct mg_entry *mgs;
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
	mgo_job_state_free(&e->job);
	mgo_job_state_free(&e->pod);
	free(e);
}

void mgo_wcache_free(struct mgo_wcache *c)
{
	struct mg_entry *e, *etmp;
	struct sa_entry *s, *stmp;

	if (!c)
		return;
	HASH_ITER(hh, c->mgs, e, etmp) {
		HASH_DEL(c->mgs, e);
		entry_free(e);
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

/* The entry for `uid`, created empty (no MustGather seen yet) if needed:
 * a Job's events may arrive before its MustGather's. */
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
	e->job.gather_exit = e->job.upload_exit = -1;
	e->pod.gather_exit = e->pod.upload_exit = -1;
	HASH_ADD_KEYPTR(hh, c->mgs, e->uid, strlen(e->uid), e);
	return e;
}

/* Drops an entry that holds nothing any more. */
static void forget_if_empty(struct mgo_wcache *c, struct mg_entry *e)
{
	if (e->mg.uid || e->have_job || e->have_pod)
		return;
	HASH_DEL(c->mgs, e);
	entry_free(e);
}

int mgo_wcache_mg_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen)
{
	struct mgo_mg mg;
	struct mg_entry *e;
	int rc = mgo_mg_from_json(obj, &mg, err, errlen);

	if (rc)
		return rc;
	e = find_or_add(c, mg.uid);
	if (!e) {
		mgo_mg_free(&mg);
		return -ENOMEM;
	}
	mgo_mg_free(&e->mg);
	e->mg = mg;
	touch(c, e->uid);
	return 0;
}

static const char *uid_of(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));
}

/* The MustGather a Job or Pod belongs to, from the label the launcher set. */
static const char *owner_uid(const json_t *obj)
{
	json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	return json_string_value(json_object_get(labels, MGO_LABEL_UID));
}

void mgo_wcache_mg_del(struct mgo_wcache *c, const json_t *obj)
{
	struct mg_entry *e = find(c, uid_of(obj));

	if (!e)
		return;
	mgo_mg_free(&e->mg);
	/* its Job goes with it (ownerReference GC); nothing to observe now */
	forget_if_empty(c, e);
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

/* Stores what was decoded of a Job (pod false) or of its Pod (pod true) in
 * the entry of the MustGather that owns it; takes *js. */
static int store_state(struct mgo_wcache *c, const char *owner, struct mgo_job_state *js,
		       bool pod)
{
	struct mg_entry *e = find_or_add(c, owner);

	if (!e) {
		mgo_job_state_free(js);
		return -ENOMEM;
	}
	mgo_job_state_free(pod ? &e->pod : &e->job);
	*(pod ? &e->pod : &e->job) = *js;
	*(pod ? &e->have_pod : &e->have_job) = true;
	touch(c, e->uid);
	return 0;
}

static void clear_state(struct mgo_wcache *c, const json_t *obj, bool pod)
{
	struct mg_entry *e = find(c, owner_uid(obj));
	struct mgo_job_state *js;

	if (!e || !(pod ? e->have_pod : e->have_job))
		return;
	js = pod ? &e->pod : &e->job;
	mgo_job_state_free(js);
	js->gather_exit = js->upload_exit = -1;
	*(pod ? &e->have_pod : &e->have_job) = false;
	touch(c, e->uid);
	forget_if_empty(c, e);
}

int mgo_wcache_job_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen)
{
	const char *owner = owner_uid(obj);
	struct mgo_job_state js;
	int rc;

	if (!owner)
		return 0; /* not one of ours: the label selector should not send it */
	rc = mgo_job_state_from_json(obj, NULL, &js, err, errlen);
	return rc ? rc : store_state(c, owner, &js, false);
}

void mgo_wcache_job_del(struct mgo_wcache *c, const json_t *obj)
{
	clear_state(c, obj, false);
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
	const char *owner = owner_uid(obj);
	struct mgo_job_state js;
	int rc;

	if (!owner)
		return 0;
	rc = fold_pod(obj, &js, err, errlen);
	return rc ? rc : store_state(c, owner, &js, true);
}

void mgo_wcache_pod_del(struct mgo_wcache *c, const json_t *obj)
{
	clear_state(c, obj, true);
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
	bool finished;

	memset(out, 0, sizeof(*out));
	if (!e || !e->mg.uid)
		return false;
	finished = e->mg.phase == MGO_MG_COMPLETED || e->mg.phase == MGO_MG_FAILED;
	if (finished && (!e->have_job || e->mg.spec.retain))
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
	if (e->have_job) {
		out->job = e->job;
		out->job.pod_container = e->pod.pod_container;
		out->job.pod_reason = e->pod.pod_reason;
		out->job.pod_message = e->pod.pod_message;
		out->job.gather_exit = e->pod.gather_exit;
		out->job.upload_exit = e->pod.upload_exit;
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
		if (fold_pod(pod, &js, err, sizeof(err)) != 0)
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

#include "cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/apiobj.h"
#include "mgo/backoff.h"

/* One table of nodes keyed by (kind, UID), each UID stored once, inline.
 *
 * A node is a MustGather, a Job or a Pod. A Job is filed under the node of
 * the MustGather its controller reference names, a Pod under its Job's (the
 * owner's node is made, empty, when an object names it before it is seen),
 * and an owner's observation reads only what is filed under it in its own
 * namespace: an object elsewhere naming it (by label or by reference) sits
 * where nobody reads it and displaces nothing. Ownership is the controller
 * reference within one namespace, as for the garbage collector, never the
 * label (the label only selects what the informers list). One object per
 * owner and namespace: the latest, as the Job controller keeps one pod
 * running at a time.
 *
 * What a node keeps shrinks with what its MustGather still needs: the spec
 * only while it is unfinished; once it is finished only what a cleanup act
 * names (namespace, name, resourceVersion, generation, whether it retains)
 * and, of its Job and the Job's pod, their identity (docs/design.md,
 * "Processes": a finished MustGather only has its leftover Job deleted). */

#define UID_LEN 36              /* Kubernetes UIDs are 36-character UUIDs */

enum kind { K_MG, K_JOB, K_POD };

enum {
	F_SEEN = 1 << 0,        /* the object itself is cached, not only named as an owner */
	F_DELETING = 1 << 1,    /* MG: metadata.deletionTimestamp */
	F_RETAIN = 1 << 2,      /* MG: spec.retainResourcesOnCompletion */
	F_HAS_RV = 1 << 3,      /* MG: metadata.resourceVersion was given */
};

struct node {
	union {
		int64_t generation;     /* MG */
		struct node *owner;     /* Job, Pod: the node it is filed under; NULL: none */
	} u;
	struct node *owned;     /* MG: its Jobs, Job: its Pods (any namespace), by `next` */
	struct node *next;      /* the next one filed under the same owner */
	/* MG: struct mg_detail while unfinished; Job: reason and message;
	 * Pod: pod_* and the exit codes; NULL once its MustGather finished */
	void *detail;
	char uid[UID_LEN + 1];
	uint8_t kind;
	uint8_t flags;
	uint8_t phase;          /* MG: enum mgo_mg_phase; Job: enum mgo_job_phase */
	uint8_t sa;             /* MG: enum mgo_presence of its ServiceAccount */
	uint8_t pvc;            /* MG: enum mgo_presence of its storage claim, and
				   its enum mgo_claim_phase << PVC_PHASE_SHIFT */
	uint16_t name_off, rv_off;
	char data[];            /* ns "\0" name "\0" rv "\0" (MG), ns "\0" name "\0" (Job), ns (Pod) */
};

#define PVC_PHASE_SHIFT 4
#define PVC_PRESENCE_MASK ((1u << PVC_PHASE_SHIFT) - 1)

/* An unfinished MustGather's detail: its spec, and its size when it was
 * too large to keep whole (mgo_wcache_mg_too_large; 0 otherwise). */
struct mg_detail {
	struct mgo_mg_spec spec;
	int64_t too_large_bytes;
	char *result_name;      /* status.resultName, for where a result stayed */
	char *storage_reason;   /* its StorageReady condition's reason */
};

struct mgo_wcache {
	struct node **slots;    /* open addressing, linear probing, at most 3/4 full */
	size_t cap;             /* power of two */
	size_t count;           /* nodes */
	size_t mgs;             /* MustGathers seen */
	uint64_t seed;          /* the UIDs of owner references are anyone's: seed the hash */
	struct mgo_allowlist allowlist;
	mgo_wcache_touched_fn touched;
	void *ctx;
};

#define MIN_CAP 64

/* ---- the table ---- */

static uint64_t hash_key(uint64_t seed, enum kind kind, const char *uid)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed ^ (uint64_t)kind;

	for (const unsigned char *p = (const unsigned char *)uid; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

/* The slot holding (kind, uid), or the empty one where it would go. */
static size_t slot_of(const struct mgo_wcache *c, enum kind kind, const char *uid)
{
	size_t mask = c->cap - 1, i = (size_t)hash_key(c->seed, kind, uid) & mask;

	while (c->slots[i] && (c->slots[i]->kind != kind || strcmp(c->slots[i]->uid, uid) != 0))
		i = (i + 1) & mask;
	return i;
}

static struct node *lookup(const struct mgo_wcache *c, enum kind kind, const char *uid)
{
	if (!uid || strlen(uid) > UID_LEN)
		return NULL;
	return c->slots[slot_of(c, kind, uid)];
}

static int grow(struct mgo_wcache *c)
{
	struct node **old = c->slots;
	size_t oldcap = c->cap;

	c->slots = calloc(oldcap * 2, sizeof(*c->slots));
	if (!c->slots) {
		c->slots = old;
		return -ENOMEM;
	}
	c->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			c->slots[slot_of(c, old[i]->kind, old[i]->uid)] = old[i];
	free(old);
	return 0;
}

/* Puts n where its key would go; the key must not be there. */
static int table_add(struct mgo_wcache *c, struct node *n)
{
	int rc;

	if ((c->count + 1) * 4 > c->cap * 3 && (rc = grow(c)))
		return rc;
	c->slots[slot_of(c, n->kind, n->uid)] = n;
	c->count++;
	return 0;
}

/* Removes n, shifting back the run after it (no tombstones). */
static void table_del(struct mgo_wcache *c, const struct node *n)
{
	size_t mask = c->cap - 1, i = slot_of(c, n->kind, n->uid), j = i;

	if (!c->slots[i])
		return;
	c->slots[i] = NULL;
	c->count--;
	for (;;) {
		j = (j + 1) & mask;
		if (!c->slots[j])
			return;
		size_t home = (size_t)hash_key(c->seed, c->slots[j]->kind, c->slots[j]->uid) & mask;
		/* j's entry may move to i unless its home lies in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			c->slots[i] = c->slots[j];
			c->slots[j] = NULL;
			i = j;
		}
	}
}

/* ---- nodes ---- */

static const char *node_ns(const struct node *n)
{
	return n->data;
}

static const char *node_name(const struct node *n)
{
	return n->data + n->name_off;
}

/* A node for (kind, uid) holding ns, name and rv (NULL: none), not in the
 * table. */
static struct node *node_new(enum kind kind, const char *uid, const char *ns, const char *name,
			     const char *rv)
{
	size_t lns = strlen(ns ? ns : ""), lname = name ? strlen(name) : 0,
	       lrv = rv ? strlen(rv) : 0;
	size_t size = lns + 1 + (name ? lname + 1 : 0) + (rv ? lrv + 1 : 0);
	struct node *n;

	if (lns + lname + 2 > UINT16_MAX)
		return NULL;
	n = calloc(1, sizeof(*n) + size);
	if (!n)
		return NULL;
	n->kind = (uint8_t)kind;
	memcpy(n->uid, uid, strlen(uid) + 1);
	memcpy(n->data, ns ? ns : "", lns + 1);
	n->name_off = n->rv_off = (uint16_t)lns;
	if (name) {
		n->name_off = (uint16_t)(lns + 1);
		memcpy(n->data + n->name_off, name, lname + 1);
		n->rv_off = (uint16_t)(n->name_off + lname);
	}
	if (rv) {
		n->rv_off = (uint16_t)(n->rv_off + 1);
		memcpy(n->data + n->rv_off, rv, lrv + 1);
		n->flags |= F_HAS_RV;
	}
	return n;
}

static void detail_free(struct node *n)
{
	if (!n->detail)
		return;
	if (n->kind == K_MG) {
		mgo_mg_spec_free(&((struct mg_detail *)n->detail)->spec);
		free(((struct mg_detail *)n->detail)->result_name);
		free(((struct mg_detail *)n->detail)->storage_reason);
	} else
		mgo_job_state_free(n->detail);
	free(n->detail);
	n->detail = NULL;
}

static void unlink_from_owner(struct node *n)
{
	struct node **pp;

	if (!n->u.owner)
		return;
	for (pp = &n->u.owner->owned; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	n->u.owner = NULL;
	n->next = NULL;
}

/* Frees n if nothing keeps it: not seen itself and nothing filed under it. */
static void maybe_free(struct mgo_wcache *c, struct node *n)
{
	if (!n || (n->flags & F_SEEN) || n->owned)
		return;
	table_del(c, n);
	if (n->kind != K_MG)
		unlink_from_owner(n);
	detail_free(n);
	free(n);
}

/* Takes n's place in the table and in its owner's list, with what is filed
 * under it; frees n. */
static void replace(struct mgo_wcache *c, struct node *n, struct node *fresh)
{
	struct node **pp;

	c->slots[slot_of(c, n->kind, n->uid)] = fresh;
	if (n->kind != K_MG) {
		fresh->u.owner = n->u.owner;
		fresh->next = n->next;
		if (n->u.owner)
			for (pp = &n->u.owner->owned; *pp; pp = &(*pp)->next)
				if (*pp == n) {
					*pp = fresh;
					break;
				}
	} else {
		fresh->u.generation = n->u.generation;
	}
	fresh->owned = n->owned;
	for (struct node *o = fresh->owned; o; o = o->next)
		o->u.owner = fresh;
	fresh->detail = n->detail;
	fresh->flags |= n->flags & F_SEEN;
	fresh->phase = n->phase;
	fresh->sa = n->sa;
	fresh->pvc = n->pvc;
	free(n);
}

/* The node of (kind, uid) with ns, name and rv, made (unseen) if needed or
 * remade if those differ; NULL: out of memory. */
static struct node *node_get(struct mgo_wcache *c, enum kind kind, const char *uid,
			     const char *ns, const char *name, const char *rv)
{
	struct node *n = lookup(c, kind, uid), *fresh;

	if (n && strcmp(node_ns(n), ns ? ns : "") == 0 &&
	    (!name || strcmp(node_name(n), name) == 0) &&
	    (kind != K_MG || (rv ? (n->flags & F_HAS_RV) && strcmp(n->data + n->rv_off, rv) == 0
				 : !(n->flags & F_HAS_RV))))
		return n;
	if (!(fresh = node_new(kind, uid, ns, name, rv)))
		return NULL;
	if (n) {
		replace(c, n, fresh);
	} else if (table_add(c, fresh)) {
		free(fresh);
		return NULL;
	}
	return fresh;
}

/* ---- the cache ---- */

int mgo_wcache_new(mgo_wcache_touched_fn touched, void *ctx, struct mgo_wcache **out)
{
	struct mgo_wcache *c = calloc(1, sizeof(*c));
	struct mgo_rng rng;

	if (!c || !(c->slots = calloc(MIN_CAP, sizeof(*c->slots)))) {
		free(c);
		return -ENOMEM;
	}
	c->cap = MIN_CAP;
	mgo_rng_seed(&rng);
	c->seed = mgo_rng_next(&rng);
	c->touched = touched;
	c->ctx = ctx;
	*out = c;
	return 0;
}

void mgo_wcache_free(struct mgo_wcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->slots[i])
			continue;
		detail_free(c->slots[i]);
		free(c->slots[i]);
	}
	free(c->slots);
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

static const struct node *mg_node(const struct mgo_wcache *c, const char *uid)
{
	const struct node *n = lookup(c, K_MG, uid);

	return n && (n->flags & F_SEEN) ? n : NULL;
}

static bool finished(const struct node *mg)
{
	return mg->phase == MGO_MG_COMPLETED || mg->phase == MGO_MG_FAILED;
}

/* Whether what is filed under Job or Pod node n is of no more use: its
 * MustGather finished. */
static bool owner_finished(const struct node *n)
{
	const struct node *mg = n->kind == K_POD && n->u.owner ? n->u.owner->u.owner : n->u.owner;

	return mg && mg->kind == K_MG && (mg->flags & F_SEEN) && finished(mg);
}

/* A finished MustGather keeps no spec, and its Job and that Job's pods no
 * state but their identity and the Job's phase. */
static void compact(struct node *mg)
{
	if (!finished(mg))
		return;
	detail_free(mg);
	for (struct node *job = mg->owned; job; job = job->next) {
		detail_free(job);
		for (struct node *pod = job->owned; pod; pod = pod->next)
			detail_free(pod);
	}
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Takes mg (decoded) into the cache; err as mgo_wcache_mg_put's. */
static int store_mg(struct mgo_wcache *c, struct mgo_mg mg, char *err, size_t errlen)
{
	struct mg_detail *d;
	struct node *n;
	bool seen;
	int rc = 0;

	if (strlen(mg.uid) > UID_LEN) {
		snprintf(err, errlen, "metadata.uid: longer than %d characters", UID_LEN);
		rc = -EBADMSG;
		goto out;
	}
	if (!(n = node_get(c, K_MG, mg.uid, mg.ns, mg.name, mg.resource_version))) {
		rc = -ENOMEM;
		goto out;
	}
	seen = n->flags & F_SEEN;
	/* the spec is immutable (the CRD's CEL); should the account it names
	 * change all the same, what was read of the old one says nothing */
	if (seen && n->detail &&
	    !same_str(((struct mg_detail *)n->detail)->spec.service_account,
		      mg.spec.service_account))
		n->sa = MGO_PRESENCE_UNKNOWN;
	if (seen && n->detail &&
	    !same_str(((struct mg_detail *)n->detail)->spec.pvc_claim, mg.spec.pvc_claim))
		n->pvc = MGO_PRESENCE_UNKNOWN;
	detail_free(n);
	n->u.generation = mg.generation;
	n->phase = (uint8_t)mg.phase;
	n->flags = (uint8_t)((n->flags & F_HAS_RV) | F_SEEN | (mg.deleting ? F_DELETING : 0) |
			     (mg.spec.retain ? F_RETAIN : 0));
	if (!seen)
		c->mgs++;
	if (finished(n)) {
		compact(n);
	} else if ((d = malloc(sizeof(*d)))) {
		d->spec = mg.spec;
		d->too_large_bytes = mg.too_large_bytes;
		d->result_name = mg.result_name;
		d->storage_reason = mg.storage_reason;
		mg.result_name = mg.storage_reason = NULL;
		memset(&mg.spec, 0, sizeof(mg.spec));
		n->detail = d;
	} else {
		rc = -ENOMEM; /* observed with an empty spec until its next event */
	}
	touch(c, n->uid);
out:
	mgo_mg_free(&mg);
	return rc;
}

int mgo_wcache_mg_put(struct mgo_wcache *c, const json_t *obj, char *err, size_t errlen)
{
	struct mgo_mg mg;
	int rc = mgo_mg_from_json(obj, &mg, err, errlen);

	return rc ? rc : store_mg(c, mg, err, errlen);
}

int mgo_wcache_mg_too_large(struct mgo_wcache *c, const json_t *obj, size_t bytes, char *err,
			    size_t errlen)
{
	struct mgo_mg mg;
	int rc = mgo_mg_meta_from_json(obj, &mg, err, errlen);

	if (rc)
		return rc;
	mg.too_large_bytes = bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes;
	return store_mg(c, mg, err, errlen);
}

static const char *uid_of(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));
}

void mgo_wcache_mg_del(struct mgo_wcache *c, const json_t *obj)
{
	struct node *n = lookup(c, K_MG, uid_of(obj));

	if (!n || !(n->flags & F_SEEN))
		return;
	/* its Job goes with it (ownerReference GC) and is forgotten with its
	 * own event; nothing to observe now */
	n->flags &= (uint8_t)~F_SEEN;
	n->sa = n->pvc = MGO_PRESENCE_UNKNOWN;
	detail_free(n);
	c->mgs--;
	maybe_free(c, n);
}

void mgo_wcache_sa_set(struct mgo_wcache *c, const char *uid, enum mgo_presence sa)
{
	struct node *n = lookup(c, K_MG, uid);

	if (!n || !(n->flags & F_SEEN) || n->sa == sa)
		return;
	n->sa = (uint8_t)sa;
	touch(c, n->uid);
}

void mgo_wcache_pvc_set(struct mgo_wcache *c, const char *uid, enum mgo_presence pvc,
			enum mgo_claim_phase phase)
{
	struct node *n = lookup(c, K_MG, uid);
	uint8_t v = (uint8_t)(pvc | (pvc == MGO_PRESENCE_PRESENT ? phase << PVC_PHASE_SHIFT : 0));

	if (!n || !(n->flags & F_SEEN) || n->pvc == v)
		return;
	n->pvc = v;
	touch(c, n->uid);
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

/* The Job a MustGather owns in its own namespace, and that Job's pod. */
static const struct node *filed_in(const struct node *owner, const char *ns)
{
	for (const struct node *o = owner ? owner->owned : NULL; o; o = o->next)
		if ((o->flags & F_SEEN) && strcmp(node_ns(o), ns) == 0)
			return o;
	return NULL;
}

static const struct node *job_of(const struct node *mg)
{
	return filed_in(mg, node_ns(mg));
}

static const struct node *pod_of(const struct node *job)
{
	return job ? filed_in(job, node_ns(job)) : NULL;
}

/* The UID of the MustGather whose observation a change of Job or Pod n may
 * alter ("" if none): a Job's owner; a Pod's Job's owner if that Job is
 * in the Pod's namespace. */
static void owner_uid(const struct node *n, char out[UID_LEN + 1])
{
	const struct node *job = n->kind == K_POD ? n->u.owner : n;

	out[0] = '\0';
	if (!job || !job->u.owner || (n->kind == K_POD && !(job->flags & F_SEEN)))
		return;
	if (n->kind == K_POD && strcmp(node_ns(job), node_ns(n)) != 0)
		return;
	memcpy(out, job->u.owner->uid, sizeof(job->u.owner->uid));
}

static void touch_owner(struct mgo_wcache *c, const struct node *n)
{
	char uid[UID_LEN + 1];

	owner_uid(n, uid);
	if (uid[0])
		touch(c, uid);
}

/* Forgets Job or Pod n: unfiles it, frees it unless pods are still filed
 * under it (they are forgotten with their own events), then touches its
 * MustGather, which observes the cache without it. */
static void forget(struct mgo_wcache *c, struct node *n)
{
	char uid[UID_LEN + 1];
	struct node *owner = n->u.owner;

	owner_uid(n, uid);
	n->flags &= (uint8_t)~F_SEEN;
	unlink_from_owner(n);
	detail_free(n);
	maybe_free(c, n);
	maybe_free(c, owner);
	if (uid[0])
		touch(c, uid);
}

/* The seen object other than `uid` filed under `owner` in namespace ns. */
static struct node *other_filed(const struct node *owner, const char *ns, const char *uid)
{
	for (struct node *o = owner ? owner->owned : NULL; o; o = o->next)
		if ((o->flags & F_SEEN) && strcmp(node_ns(o), ns) == 0 && strcmp(o->uid, uid) != 0)
			return o;
	return NULL;
}

/* Files what was decoded of a Job or Pod (kind) with UID `uid` and name
 * `name` (a Pod: NULL), in namespace own->ns, under its controller own->uid
 * (NULL: it has none, and is forgotten); takes *js. An object filed under
 * another owner is forgotten there, and another object filed under this
 * owner in this namespace is forgotten. */
static int store_owned(struct mgo_wcache *c, enum kind kind, const struct mgo_owner *own,
		       const char *uid, const char *name, struct mgo_job_state *js, char *err,
		       size_t errlen)
{
	enum kind owner_kind = kind == K_JOB ? K_MG : K_JOB;
	/* no owner can have a UID that long: as good as none */
	bool has_owner = own->uid && strlen(own->uid) <= UID_LEN;
	struct node *n, *owner, *other;
	int rc = 0;

	if (strlen(uid) > UID_LEN) {
		snprintf(err, errlen, "metadata.uid: longer than %d characters", UID_LEN);
		rc = -EBADMSG;
		goto out;
	}
	n = lookup(c, kind, uid);
	if (n && (n->flags & F_SEEN) &&
	    (!has_owner || !n->u.owner || strcmp(n->u.owner->uid, own->uid) != 0 ||
	     strcmp(node_ns(n), own->ns) != 0))
		forget(c, n);
	if (!has_owner)
		goto out;
	if ((other = other_filed(lookup(c, owner_kind, own->uid), own->ns, uid)))
		forget(c, other);
	/* looked up again: forgetting may have freed what was found before */
	if (!(owner = lookup(c, owner_kind, own->uid)) &&
	    !(owner = node_get(c, owner_kind, own->uid, own->ns, NULL, NULL))) {
		rc = -ENOMEM;
		goto out;
	}
	if (!(n = node_get(c, kind, uid, own->ns, name, NULL))) {
		maybe_free(c, owner);
		rc = -ENOMEM;
		goto out;
	}
	if (n->u.owner != owner) {
		unlink_from_owner(n);
		n->u.owner = owner;
		n->next = owner->owned;
		owner->owned = n;
	}
	n->flags |= F_SEEN;
	n->phase = (uint8_t)js->phase;
	detail_free(n);
	if (!owner_finished(n)) {
		if (!(n->detail = malloc(sizeof(*js)))) {
			rc = -ENOMEM; /* filed, with nothing said */
		} else {
			free(js->name);
			free(js->uid);
			js->name = js->uid = NULL;
			memcpy(n->detail, js, sizeof(*js));
			memset(js, 0, sizeof(*js));
		}
	}
	touch_owner(c, n);
out:
	mgo_job_state_free(js);
	return rc;
}

static void drop_owned(struct mgo_wcache *c, const json_t *obj, enum kind kind)
{
	struct node *n = lookup(c, kind, uid_of(obj));

	if (n && (n->flags & F_SEEN))
		forget(c, n);
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
	if (rc == 0) {
		char *uid = js.uid, *name = js.name;
		js.uid = js.name = NULL;
		rc = store_owned(c, K_JOB, &own, uid, name, &js, err, errlen);
		free(uid);
		free(name);
	}
	mgo_owner_free(&own);
	return rc;
}

void mgo_wcache_job_del(struct mgo_wcache *c, const json_t *obj)
{
	drop_owned(c, obj, K_JOB);
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
	if (rc == 0) {
		js.phase = MGO_JOB_NONE;
		rc = store_owned(c, K_POD, &own, uid, NULL, &js, err, errlen);
	}
	mgo_owner_free(&own);
	return rc;
}

void mgo_wcache_pod_del(struct mgo_wcache *c, const json_t *obj)
{
	drop_owned(c, obj, K_POD);
}

bool mgo_wcache_observe(const struct mgo_wcache *c, const char *uid, struct mgo_observe *out)
{
	const struct node *n = mg_node(c, uid), *job, *pod;
	const struct mgo_job_state *jd, *pd;

	memset(out, 0, sizeof(*out));
	if (!n)
		return false;
	job = job_of(n);
	pod = pod_of(job);
	if (finished(n) && (!job || (n->flags & F_RETAIN)))
		return false;
	if (n->detail) {
		const struct mg_detail *d = n->detail;

		out->mg.spec = d->spec;
		out->mg.too_large_bytes = d->too_large_bytes;
		out->mg.result_name = d->result_name;
		out->mg.storage_reason = d->storage_reason;
	}
	out->mg.spec.retain = n->flags & F_RETAIN;
	out->mg.ns = (char *)node_ns(n);
	out->mg.name = (char *)node_name(n);
	out->mg.uid = (char *)n->uid;
	out->mg.resource_version = n->flags & F_HAS_RV ? (char *)n->data + n->rv_off : NULL;
	out->mg.generation = n->u.generation;
	out->mg.deleting = n->flags & F_DELETING;
	out->mg.phase = (enum mgo_mg_phase)n->phase;
	out->allowlist = c->allowlist;
	/* the allowlist object's identity and status are for its own status;
	 * left out, our writes of that status do not re-send every MustGather */
	out->allowlist.uid = out->allowlist.resource_version = NULL;
	out->allowlist.observed_generation = 0;
	out->service_account = (enum mgo_presence)n->sa;
	out->pvc = (enum mgo_presence)(n->pvc & PVC_PRESENCE_MASK);
	out->pvc_phase = (enum mgo_claim_phase)(n->pvc >> PVC_PHASE_SHIFT);
	out->job.gather_exit = out->job.upload_exit = out->job.clean_exit = -1;
	if (job) {
		out->job.phase = (enum mgo_job_phase)job->phase;
		out->job.name = (char *)node_name(job);
		out->job.uid = (char *)job->uid;
		if ((jd = job->detail)) {
			out->job.reason = jd->reason;
			out->job.message = jd->message;
		}
		if (pod && (pd = pod->detail)) {
			out->job.pod_container = pd->pod_container;
			out->job.pod_reason = pd->pod_reason;
			out->job.pod_message = pd->pod_message;
			out->job.gather_exit = pd->gather_exit;
			out->job.upload_exit = pd->upload_exit;
			out->job.clean_exit = pd->clean_exit;
		}
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

static bool same_pod_report(const struct mgo_job_state *a, const struct mgo_job_state *b)
{
	return a->gather_exit == b->gather_exit && a->upload_exit == b->upload_exit &&
	       a->clean_exit == b->clean_exit &&
	       same_str(a->pod_container, b->pod_container) && same_str(a->pod_reason, b->pod_reason);
}

bool mgo_wcache_pods_agree(const struct mgo_job_state *cached, const json_t *items)
{
	struct mgo_job_state none = {.gather_exit = -1, .upload_exit = -1, .clean_exit = -1};
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
	if (!fn)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i] && c->slots[i]->kind == K_MG && (c->slots[i]->flags & F_SEEN))
			fn(ctx, c->slots[i]->uid);
}

size_t mgo_wcache_count(const struct mgo_wcache *c)
{
	return c->mgs;
}

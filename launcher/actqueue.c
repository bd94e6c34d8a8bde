/* The launcher's fair queue and its count of running gathers; see
 * actqueue.h. */
#include "actqueue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "mgo/apiobj.h"

struct mgo_actq_ns {
	char *name;
	struct mgo_actq_link *head;     /* utlist DL: head->prev is the tail */
	size_t len;
	struct mgo_actq_ns *rprev, *rnext; /* the round (utlist DL, CDL-free) */
	UT_hash_handle hh;
};

static struct mgo_actq_ns *ns_find(const struct mgo_actq *q, const char *name)
{
	struct mgo_actq_ns *n = NULL;

	HASH_FIND_STR(q->by_name, name, n);
	return n;
}

static void ns_drop(struct mgo_actq *q, struct mgo_actq_ns *n)
{
	HASH_DEL(q->by_name, n);
	DL_DELETE2(q->ring, n, rprev, rnext);
	free(n->name);
	free(n);
}

int mgo_actq_push(struct mgo_actq *q, const char *ns, struct mgo_actq_link *link)
{
	struct mgo_actq_ns *n;

	if (link->ns)
		return -EALREADY;
	if (!(n = ns_find(q, ns))) {
		n = calloc(1, sizeof(*n));
		if (!n || !(n->name = strdup(ns))) {
			free(n);
			return -ENOMEM;
		}
		HASH_ADD_KEYPTR(hh, q->by_name, n->name, strlen(n->name), n);
		DL_APPEND2(q->ring, n, rprev, rnext);
	}
	DL_APPEND(n->head, link);
	link->ns = n;
	link->q = q;
	n->len++;
	q->len++;
	return 0;
}

static struct mgo_actq_link *take(struct mgo_actq *q, struct mgo_actq_ns *n,
				  struct mgo_actq_link *link)
{
	DL_DELETE(n->head, link);
	link->prev = link->next = NULL;
	link->ns = NULL;
	link->q = NULL;
	n->len--;
	q->len--;
	if (!n->len)
		ns_drop(q, n);
	return link;
}

struct mgo_actq_link *mgo_actq_pop(struct mgo_actq *q)
{
	struct mgo_actq_ns *n = q->ring;

	if (!n)
		return NULL;
	/* served: to the end of the round, unless it empties and leaves it */
	if (n->len > 1 && n->rnext) {
		DL_DELETE2(q->ring, n, rprev, rnext);
		DL_APPEND2(q->ring, n, rprev, rnext);
	}
	return take(q, n, n->head);
}

struct mgo_actq_link *mgo_actq_pop_ns(struct mgo_actq *q, const char *ns)
{
	struct mgo_actq_ns *n = ns_find(q, ns);

	return n ? take(q, n, n->head) : NULL;
}

void mgo_actq_remove(struct mgo_actq *q, struct mgo_actq_link *link)
{
	if (mgo_actq_in(q, link))
		take(q, link->ns, link);
}

size_t mgo_actq_len(const struct mgo_actq *q)
{
	return q->len;
}

size_t mgo_actq_ns_len(const struct mgo_actq *q, const char *ns)
{
	struct mgo_actq_ns *n = ns_find(q, ns);

	return n ? n->len : 0;
}

void mgo_actq_clear(struct mgo_actq *q)
{
	while (q->ring)
		while (q->ring && q->ring->head)
			take(q, q->ring, q->ring->head);
	memset(q, 0, sizeof(*q));
}

/* ---- gathers running per namespace ---- */

struct mgo_running_ns {
	char *name;
	size_t n;
	UT_hash_handle hh;
};

struct mgo_running_job {
	char *key;
	char *owner;                    /* NULL: none (a reservation) */
	struct mgo_running_ns *ns;
	UT_hash_handle hh, hho;
};

/* Finished: a Complete or Failed condition that is True (what the Job
 * controller writes, and what the watcher reads: mgo/apiobj.h). */
static bool job_ended(const json_t *job)
{
	json_t *conds = json_object_get(json_object_get(job, "status"), "conditions");
	json_t *c;
	size_t i;

	json_array_foreach(conds, i, c) {
		const char *type = json_string_value(json_object_get(c, "type"));
		const char *status = json_string_value(json_object_get(c, "status"));
		if (type && status && strcmp(status, "True") == 0 &&
		    (strcmp(type, "Complete") == 0 || strcmp(type, "Failed") == 0))
			return true;
	}
	return false;
}

static const char *controller_uid(const json_t *job)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(job, "metadata"), "ownerReferences"), i,
			   o) if (json_is_true(json_object_get(o, "controller")))
		return json_string_value(json_object_get(o, "uid"));
	return NULL;
}

static void forget(struct mgo_running *r, struct mgo_running_job *j)
{
	HASH_DEL(r->jobs, j);
	if (j->owner)
		HASH_DELETE(hho, r->by_owner, j);
	if (--j->ns->n == 0) {
		HASH_DEL(r->by_ns, j->ns);
		free(j->ns->name);
		free(j->ns);
	}
	r->total--;
	free(j->owner);
	free(j->key);
	free(j);
}

static int add(struct mgo_running *r, const char *ns, const char *key, const char *owner)
{
	struct mgo_running_job *j = NULL, *o = NULL;
	struct mgo_running_ns *n = NULL;

	HASH_FIND_STR(r->by_ns, ns, n);
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n || !(n->name = strdup(ns))) {
			free(n);
			return -ENOMEM;
		}
		HASH_ADD_KEYPTR(hh, r->by_ns, n->name, strlen(n->name), n);
	}
	j = calloc(1, sizeof(*j));
	if (!j || !(j->key = strdup(key)) || (owner && !(j->owner = strdup(owner)))) {
		if (j)
			free(j->key);
		free(j);
		if (!n->n) {
			HASH_DEL(r->by_ns, n);
			free(n->name);
			free(n);
		}
		return -ENOMEM;
	}
	j->ns = n;
	n->n++;
	r->total++;
	HASH_ADD_KEYPTR(hh, r->jobs, j->key, strlen(j->key), j);
	if (j->owner) {
		/* one controller per MustGather's Job: the newest names it */
		HASH_FIND(hho, r->by_owner, j->owner, strlen(j->owner), o);
		if (o)
			HASH_DELETE(hho, r->by_owner, o);
		if (o) {
			free(o->owner);
			o->owner = NULL;
		}
		HASH_ADD_KEYPTR(hho, r->by_owner, j->owner, strlen(j->owner), j);
	}
	return 0;
}

/* A reservation's key: never a Job UID (which has no colon). */
#define RESERVED_PREFIX "mg:"
#define RESERVED_KEY_MAX (sizeof(RESERVED_PREFIX) + 255)

/* The key of MustGather mg_uid's reservation in buf; false for a UID too
 * long to be one (the IPC codec bounds UIDs far below). */
static bool reserved_key(char buf[RESERVED_KEY_MAX], const char *mg_uid)
{
	return (size_t)snprintf(buf, RESERVED_KEY_MAX, RESERVED_PREFIX "%s", mg_uid) <
	       RESERVED_KEY_MAX;
}

int mgo_running_job(struct mgo_running *r, const json_t *job, bool gone)
{
	const char *uid = mgo_meta_str(job, "uid"), *ns = mgo_meta_str(job, "namespace");
	const char *owner = controller_uid(job);
	struct mgo_running_job *j = NULL;
	bool running;
	int rc;

	if (!uid || !ns)
		return 0;
	running = !gone && !job_ended(job) && !mgo_meta_str(job, "deletionTimestamp");
	HASH_FIND_STR(r->jobs, uid, j);
	if (!running) {
		if (j)
			forget(r, j);
		return 0;
	}
	if (j)
		return 0;
	rc = add(r, ns, uid, owner);
	/* the Job takes the place its launch's admission held */
	if (!rc && owner)
		mgo_running_release(r, owner);
	return rc;
}

int mgo_running_reserve(struct mgo_running *r, const char *ns, const char *mg_uid)
{
	struct mgo_running_job *j = NULL;
	char key[RESERVED_KEY_MAX];

	if (!reserved_key(key, mg_uid))
		return -EINVAL;
	HASH_FIND_STR(r->jobs, key, j);
	return j ? -EEXIST : add(r, ns, key, NULL);
}

void mgo_running_release(struct mgo_running *r, const char *mg_uid)
{
	struct mgo_running_job *j = NULL;
	char key[RESERVED_KEY_MAX];

	if (reserved_key(key, mg_uid))
		HASH_FIND_STR(r->jobs, key, j);
	if (j)
		forget(r, j);
}

bool mgo_running_owned(const struct mgo_running *r, const char *mg_uid)
{
	struct mgo_running_job *j = NULL;

	HASH_FIND(hho, r->by_owner, mg_uid, strlen(mg_uid), j);
	return j != NULL;
}

size_t mgo_running_in(const struct mgo_running *r, const char *ns)
{
	struct mgo_running_ns *n = NULL;

	HASH_FIND_STR(r->by_ns, ns, n);
	return n ? n->n : 0;
}

void mgo_running_clear(struct mgo_running *r)
{
	struct mgo_running_job *j, *tmp;

	HASH_ITER(hh, r->jobs, j, tmp)
		forget(r, j);
	memset(r, 0, sizeof(*r));
}

/* The supervisor's metric store (sup_metrics.h) and its two entry points for
 * the health process (sup.h). */
#include "sup_metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/log.h"
#include "sup.h"

int mgo_sup_store_new(struct mgo_sup_store **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void mgo_sup_store_free(struct mgo_sup_store *st)
{
	free(st);
}

static bool valid_role(enum mgo_role role)
{
	return role >= MGO_ROLE_SUPERVISOR && role < MGO_SUP_STORE_ROLES;
}

int mgo_sup_store_put(struct mgo_sup_store *st, enum mgo_role role,
		      const struct mgo_metric_series *s)
{
	int rc = -EPERM;

	if (!valid_role(role))
		rc = -EINVAL;
	else if (mgo_metric_defs[s->family].senders & (1u << role))
		rc = mgo_metrics_put(&st->kid[role].now, s);

	if (rc)
		st->refused++;
	return rc;
}

void mgo_sup_store_started(struct mgo_sup_store *st, enum mgo_role role)
{
	if (valid_role(role))
		st->kid[role].starts++;
}

void mgo_sup_store_exited(struct mgo_sup_store *st, enum mgo_role role)
{
	struct mgo_sup_store_child *k;

	if (!valid_role(role))
		return;
	k = &st->kid[role];
	/* carried has room for everything `now` has: the same vocabulary */
	if (mgo_metrics_carry(&k->carried, &k->now))
		st->refused++;
	k->now.n = 0;
	k->now.version++;
}

bool mgo_sup_store_lease_known(const struct mgo_sup_store *st)
{
	return mgo_metric_find(&st->kid[MGO_ROLE_LAUNCHER].now, MGO_M_LEASE_LEADER, NULL, 0) != NULL;
}

static int own_series(struct mgo_metrics *m, const struct mgo_sup_store *st, enum mgo_role role,
		      bool up)
{
	const char *child[1] = {mgo_role_name(role)};
	unsigned starts = st->kid[role].starts;
	int rc;

	if ((rc = mgo_metric_add(m, MGO_M_CHILD_RESTARTS, child, starts > 1 ? starts - 1 : 0)))
		return rc;
	return mgo_metric_set(m, MGO_M_CHILD_UP, child, up ? 1 : 0);
}

int mgo_sup_store_render(const struct mgo_sup_store *st, const enum mgo_role *roles,
			 const bool *up, size_t n, char **text, size_t *len)
{
	struct mgo_metrics *m = calloc(1, sizeof(*m));
	int rc = -ENOMEM;

	*text = NULL;
	*len = 0;
	if (!m)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct mgo_sup_store_child *k;
		const char *name = mgo_role_name(roles[i]);

		rc = -EINVAL;
		if (!valid_role(roles[i]))
			goto out;
		k = &st->kid[roles[i]];
		if ((rc = mgo_metrics_merge(m, &k->carried, name)) ||
		    (rc = mgo_metrics_merge(m, &k->now, name)) ||
		    (rc = own_series(m, st, roles[i], up[i])))
			goto out;
	}
	rc = mgo_metrics_render(m, text, len);
out:
	free(m);
	return rc;
}

/* ---- for the health process ---- */

int mgo_sup_metrics_render(const struct mgo_sup *s, char **text, size_t *len)
{
	enum mgo_role roles[MGO_SUP_CHILDREN];
	bool up[MGO_SUP_CHILDREN];

	*text = NULL;
	*len = 0;
	if (!s->metrics)
		return -ENODATA;
	for (size_t i = 0; i < s->n_kids; i++) {
		roles[i] = s->kids[i].role;
		up[i] = s->kids[i].state == MGO_CHILD_READY;
	}
	return mgo_sup_store_render(s->metrics, roles, up, s->n_kids, text, len);
}

bool mgo_sup_lease_known(const struct mgo_sup *s)
{
	return s->metrics && mgo_sup_store_lease_known(s->metrics);
}

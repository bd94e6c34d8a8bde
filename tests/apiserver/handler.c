#include "tas_handler.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tas_admin.h"
#include "tas_authz.h"
#include "tas_discovery.h"
#include "tas_faults.h"
#include "tas_rest.h"
#include "selector.h"
#include "tas_status.h"
#include "tas_tokenreq.h"
#include "tas_util.h"

const char *tas_query_get(const struct tas_req *r, const char *k)
{
	size_t i;

	for (i = 0; i < r->n_query; i++)
		if (strcmp(r->query[i].k, k) == 0)
			return r->query[i].v ? r->query[i].v : "";
	return NULL;
}

/* Bearer tokens only; a missing header is the anonymous user. A token of
 * the token file, else one TokenRequest issued (its user goes in r->bound). */
static const struct tas_user *authenticate(struct tas_server *s, struct tas_req *r)
{
	const struct tas_user *u;
	const char *tok, *header = r->authorization;
	int rc;

	if (!header || !*header)
		return &tas_anonymous;
	if (strncasecmp(header, "Bearer ", 7))
		return NULL;
	tok = header + 7;
	while (*tok == ' ')
		tok++;
	if (!*tok)
		return NULL;
	if ((u = tas_tokens_find(&s->tokens, tok)))
		return u;
	pthread_mutex_lock(&s->store.mu);
	rc = tas_tokenreq_authenticate(s, tok, &r->bound);
	pthread_mutex_unlock(&s->store.mu);
	return rc == 1 ? &r->bound : NULL;
}

/* kube's impersonation filter: the caller must be allowed to impersonate
 * the user (or service account) and each group; the request then runs as
 * that user. Returns true when it answered (refused) the request. */
static bool impersonate(struct tas_server *s, struct tas_req *r, struct tas_resp *resp)
{
	static const char sa_prefix[] = "system:serviceaccount:";
	struct tas_rbac_attrs a = {.verb = "impersonate", .resource_request = true,
				   .api_group = ""};
	char ns[256] = "", why[1024];
	bool ok;

	if (r->imp_unsupported || r->imp_overflow || !r->imp_user) {
		tas_resp_set(resp, 400, tas_status_bad_request(
			r->imp_user ? "only Impersonate-User and up to 16 Impersonate-Group headers "
				      "are supported by the test API server"
				    : "impersonating groups requires impersonating a user"));
		return true;
	}
	a.user = r->user->name;
	a.groups = (const char *const *)r->user->groups;
	a.n_groups = r->user->n_groups;
	if (strncmp(r->imp_user, sa_prefix, sizeof(sa_prefix) - 1) == 0 &&
	    strchr(r->imp_user + sizeof(sa_prefix) - 1, ':')) {
		const char *n = r->imp_user + sizeof(sa_prefix) - 1, *colon = strchr(n, ':');
		snprintf(ns, sizeof(ns), "%.*s", (int)(colon - n), n);
		a.resource = "serviceaccounts";
		a.ns = ns;
		a.name = colon + 1;
	} else {
		a.resource = "users";
		a.name = r->imp_user;
	}
	for (size_t i = 0; i <= r->n_imp_groups; i++) {
		if (i > 0) {
			a.resource = "groups";
			a.ns = NULL;
			a.name = r->imp_groups[i - 1];
		}
		pthread_mutex_lock(&s->store.mu);
		ok = tas_authorize(s, NULL, &a, why, sizeof(why));
		pthread_mutex_unlock(&s->store.mu);
		if (!ok) {
			tas_resp_set(resp, 403, tas_forbidden(&a, why));
			return true;
		}
	}
	if (tas_user_impersonated(&r->imp, r->imp_user, r->imp_groups, r->n_imp_groups)) {
		tas_resp_set(resp, 500, tas_status(500, "InternalError", "out of memory", NULL));
		return true;
	}
	r->user = &r->imp;
	return false;
}

void tas_handle(struct tas_server *s, struct tas_req *r, struct tas_resp *resp)
{
	struct tas_rbac_attrs a;
	const char *watch = tas_query_get(r, "watch");
	const char *fsq = tas_query_get(r, "fieldSelector");
	const char *selected = NULL;
	struct tas_fieldsel *fs = NULL;
	bool w = false;
	char why[1024];
	bool ok;
	int rc;

	r->user = authenticate(s, r);
	if (watch && !tas_parse_bool(watch, &w))
		w = false;
	if (fsq && *fsq && tas_fieldsel_parse(fsq, &fs, why, sizeof(why)) == 0)
		selected = tas_fieldsel_requires_exact(fs, "metadata.name");
	rc = tas_reqinfo_parse(&r->ri, r->method, r->path, w, selected);
	if (fs)
		tas_fieldsel_free(fs);
	if (rc) {
		tas_resp_set(resp, 414, tas_status(414, "RequestURITooLong",
						   "the request URI is too long", NULL));
		return;
	}
	if (!r->user) {
		tas_resp_set(resp, 401, tas_status_unauthorized());
		return;
	}
	if ((r->imp_user || r->n_imp_groups || r->imp_unsupported) && impersonate(s, r, resp))
		return;
	tas_attrs_from_request(&a, r->user, &r->ri);
	if (strncmp(r->path, "/mgo-test/", 10) == 0) {
		if (!tas_user_in_group(r->user, "system:masters")) {
			tas_resp_set(resp, 403, tas_forbidden(&a, NULL));
			return;
		}
		tas_admin(s, r, resp);
		return;
	}
	if (tas_faults_apply(s->faults, r->user, &r->ri, resp))
		return;
	pthread_mutex_lock(&s->store.mu);
	ok = tas_authorize(s, NULL, &a, why, sizeof(why));
	pthread_mutex_unlock(&s->store.mu);
	if (!ok) {
		tas_resp_set(resp, 403, tas_forbidden(&a, why));
		return;
	}
	if (tas_discovery(s, r, resp))
		return;
	if (r->ri.resource_request) {
		tas_rest(s, r, resp);
		return;
	}
	tas_resp_set(resp, 404, tas_status_no_route());
}

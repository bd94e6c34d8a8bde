/* TokenRequest and its tokens: see tas_tokenreq.h. The rules follow
 * kube-apiserver's (pkg/registry/core/serviceaccount/storage/token.go and
 * pkg/apis/authentication/validation): at least 10 minutes, at most 2^32
 * seconds, capped by --service-account-max-token-expiration; a Pod bound
 * must run as the ServiceAccount the token is for. */
#include "tas_tokenreq.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_status.h"
#include "tas_store.h"
#include "tas_util.h"
#include "tas_validate.h"

#define MIN_EXPIRATION 600                      /* kube: "less than 10 minutes" */
#define MAX_EXPIRATION (INT64_C(1) << 32)
#define DEFAULT_EXPIRATION 3600
#define DEFAULT_AUDIENCE "https://kubernetes.default.svc"

static const char *uid_of(const json_t *obj)
{
	return tas_jstr(json_object_get(obj, "metadata"), "uid");
}

static const json_t *lookup(struct tas_server *s, const char *resource, const char *ns,
			    const char *name)
{
	struct tas_bucket *b = tas_store_bucket(&s->store, "", resource);

	return b ? tas_store_get(b, ns, name) : NULL;
}

static void minted_clear(struct tas_minted *m)
{
	if (m->token) {
		explicit_bzero(m->token, strlen(m->token));
		free(m->token);
	}
	free(m->ns);
	free(m->sa);
	free(m->sa_uid);
	free(m->bound_name);
	free(m->bound_uid);
	memset(m, 0, sizeof(*m));
}

void tas_minted_free(struct tas_minted_set *m)
{
	for (size_t i = 0; i < m->n; i++)
		minted_clear(&m->v[i]);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Tokens past their expiry authenticate nothing ever again: drop them
 * before adding, so a long test run does not accumulate them. */
static void forget_expired(struct tas_minted_set *m, time_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].exp <= now)
			minted_clear(&m->v[i]);
		else
			m->v[k++] = m->v[i];
	}
	m->n = k;
}

static int new_token(char **out)
{
	unsigned char raw[32];
	char hex[2 * sizeof(raw) + 1];
	int rc = tas_random(raw, sizeof(raw));

	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	rc = asprintf(out, "mgo-tas-bound.%s", hex) < 0 ? -ENOMEM : 0;
	explicit_bzero(hex, sizeof(hex));
	return rc;
}

/* spec.boundObjectRef: the object (Pod or Secret) the token lives with.
 * Returns true when it answered resp (refused the request). */
static bool bind_object(struct tas_server *s, const char *ns, const char *sa, const json_t *ref,
			struct tas_minted *m, struct tas_resp *resp)
{
	const char *kind = tas_jstr(ref, "kind"), *av = tas_jstr(ref, "apiVersion");
	const char *name = tas_jstr(ref, "name"), *want_uid = tas_jstr(ref, "uid");
	const char *resource = NULL, *uid;
	const json_t *obj;
	char msg[512];

	if (kind && (!av || strcmp(av, "v1") == 0) && strcmp(kind, "Pod") == 0)
		resource = "pods";
	else if (kind && (!av || strcmp(av, "v1") == 0) && strcmp(kind, "Secret") == 0)
		resource = "secrets";
	if (!resource) {
		snprintf(msg, sizeof(msg), "cannot bind token to object of type %s%s%s",
			 av ? av : "", av ? ", Kind=" : "", kind ? kind : "");
		tas_resp_set(resp, 400, tas_status_bad_request(msg));
		return true;
	}
	if (!name || !*name || !(obj = lookup(s, resource, ns, name))) {
		tas_resp_set(resp, 404, tas_status_not_found("", resource, name ? name : ""));
		return true;
	}
	if (strcmp(resource, "pods") == 0) {
		const char *pod_sa = tas_jstr(json_object_get(obj, "spec"), "serviceAccountName");
		if (!pod_sa || strcmp(pod_sa, sa) != 0) {
			snprintf(msg, sizeof(msg),
				 "cannot bind token for serviceaccount \"%s\" to pod running with "
				 "different serviceaccount name.", sa);
			tas_resp_set(resp, 400, tas_status_bad_request(msg));
			return true;
		}
	}
	uid = uid_of(obj);
	if (want_uid && *want_uid && strcmp(want_uid, uid ? uid : "") != 0) {
		snprintf(msg, sizeof(msg),
			 "the UID in the bound object reference (%s) does not match the UID in "
			 "record. The object might have been deleted and then recreated", want_uid);
		tas_resp_set(resp, 409, tas_status_conflict("", kind, name, msg));
		return true;
	}
	m->bound_resource = resource;
	if (!(m->bound_name = strdup(name)) || !(m->bound_uid = strdup(uid ? uid : "")))
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
	return resp->code != 0;
}

/* spec.expirationSeconds, checked as kube's validation does. */
static bool lifetime(const json_t *spec, const char *name, json_int_t *secs,
		     struct tas_resp *resp)
{
	const json_t *v = json_object_get(spec, "expirationSeconds");
	json_t *causes;
	char val[32];

	*secs = DEFAULT_EXPIRATION;
	if (!v || json_is_null(v))
		return false;
	*secs = json_integer_value(v);
	if (json_is_integer(v) && *secs >= MIN_EXPIRATION && *secs <= MAX_EXPIRATION)
		return false;
	causes = json_array();
	snprintf(val, sizeof(val), "%lld", (long long)*secs);
	if (!causes ||
	    tas_cause_add(causes, "FieldValueInvalid", "spec.expirationSeconds",
			  "Invalid value: %s: %s", val,
			  !json_is_integer(v) ? "must be an integer"
			  : *secs < MIN_EXPIRATION ? "may not specify a duration less than 10 minutes"
						   : "may not specify a duration larger than 2^32 seconds"))
		tas_resp_set(resp, 500, tas_status_internal("out of memory"));
	else
		tas_resp_set(resp, 422, tas_status_invalid("authentication.k8s.io", "TokenRequest",
							   name, causes));
	json_decref(causes);
	return true;
}

int tas_tokenreq_create(struct tas_server *s, const char *ns, const char *name,
			const json_t *body, struct tas_resp *resp)
{
	const json_t *spec = json_object_get(body, "spec"), *ref;
	const char *kind = tas_jstr(body, "kind"), *av = tas_jstr(body, "apiVersion");
	const json_t *sa = lookup(s, "serviceaccounts", ns, name);
	json_t *audiences = NULL, *out = NULL;
	struct tas_minted m = {0}, *grown;
	time_t now = time(NULL);
	json_int_t secs;
	char stamp[21], created[21];

	if ((kind && strcmp(kind, "TokenRequest") != 0) ||
	    (av && strcmp(av, "authentication.k8s.io/v1") != 0)) {
		tas_resp_set(resp, 400, tas_status_bad_request(
			"the body of the request was not an authentication.k8s.io/v1 TokenRequest"));
		return 0;
	}
	if (!sa) {
		tas_resp_set(resp, 404, tas_status_not_found("", "serviceaccounts", name));
		return 0;
	}
	if (lifetime(spec, name, &secs, resp))
		return 0;
	/* kube's --service-account-max-token-expiration: a longer request
	 * gets the maximum, not an error */
	if (s->cfg->max_token_expiration && secs > (json_int_t)s->cfg->max_token_expiration)
		secs = (json_int_t)s->cfg->max_token_expiration;
	ref = json_object_get(spec, "boundObjectRef");
	if (ref && !json_is_null(ref) && bind_object(s, ns, name, ref, &m, resp))
		goto out;
	audiences = json_deep_copy(json_object_get(spec, "audiences"));
	if (!json_is_array(audiences) || json_array_size(audiences) == 0) {
		json_decref(audiences);
		audiences = json_pack("[s]", DEFAULT_AUDIENCE);
	}
	m.exp = now + (time_t)secs;
	if (!audiences || !(m.ns = strdup(ns)) || !(m.sa = strdup(name)) ||
	    !(m.sa_uid = strdup(uid_of(sa) ? uid_of(sa) : "")) || new_token(&m.token))
		goto oom;
	tas_time_format(m.exp, stamp);
	tas_time_format(now, created);
	out = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:O, s:I, s:O*}, s:{s:s, s:s}}", "kind",
			"TokenRequest", "apiVersion", "authentication.k8s.io/v1", "metadata", "name",
			name, "namespace", ns, "creationTimestamp", created, "spec", "audiences",
			audiences, "expirationSeconds", secs, "boundObjectRef",
			ref && !json_is_null(ref) ? ref : NULL, "status", "token", m.token,
			"expirationTimestamp", stamp);
	forget_expired(&s->minted, now);
	grown = out ? realloc(s->minted.v, (s->minted.n + 1) * sizeof(*grown)) : NULL;
	if (!grown)
		goto oom;
	s->minted.v = grown;
	s->minted.v[s->minted.n++] = m;
	memset(&m, 0, sizeof(m));
	tas_resp_set(resp, 201, out);
	out = NULL;
	goto out;
oom:
	tas_resp_set(resp, 500, tas_status_internal("out of memory"));
out:
	json_decref(out);
	json_decref(audiences);
	minted_clear(&m);
	return 0;
}

/* Whether what the token was issued for still stands. */
static bool still_valid(struct tas_server *s, const struct tas_minted *m, time_t now)
{
	const json_t *sa, *obj;
	const char *uid;

	if (now >= m->exp)
		return false;
	sa = lookup(s, "serviceaccounts", m->ns, m->sa);
	uid = sa ? uid_of(sa) : NULL;
	if (!uid || strcmp(uid, m->sa_uid) != 0)
		return false;
	if (!m->bound_resource)
		return true;
	obj = lookup(s, m->bound_resource, m->ns, m->bound_name);
	uid = obj ? uid_of(obj) : NULL;
	return uid && strcmp(uid, m->bound_uid) == 0 &&
	       !json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp");
}

int tas_tokenreq_authenticate(struct tas_server *s, const char *token, struct tas_user *u)
{
	const struct tas_minted *found = NULL;
	size_t tlen = strlen(token);
	char name[600];
	const char *groups[2];
	char ns_group[300];

	/* every entry compared in full, as tas_tokens_find does */
	for (size_t i = 0; i < s->minted.n; i++) {
		const char *cand = s->minted.v[i].token;
		size_t clen = strlen(cand);
		unsigned char diff = (unsigned char)(clen != tlen);
		for (size_t j = 0; j < tlen; j++)
			diff |= (unsigned char)(token[j] ^ cand[j < clen ? j : 0]);
		if (!diff)
			found = &s->minted.v[i];
	}
	if (!found)
		return 0;
	if (!still_valid(s, found, time(NULL)))
		return -EKEYEXPIRED;
	snprintf(name, sizeof(name), "system:serviceaccount:%s:%s", found->ns, found->sa);
	snprintf(ns_group, sizeof(ns_group), "system:serviceaccounts:%s", found->ns);
	groups[0] = "system:serviceaccounts";
	groups[1] = ns_group;
	if (tas_user_impersonated(u, name, groups, 2))
		return -ENOMEM;
	free(u->uid);
	if (!(u->uid = strdup(found->sa_uid))) {
		tas_user_clear(u);
		return -ENOMEM;
	}
	return 1;
}

/* Bearer-token authentication, as kube-apiserver's --token-auth-file does it.
 *
 * The file is CSV: token,user,uid[,"group1,group2"]. Every authenticated
 * user also gets the group system:authenticated; a request without an
 * Authorization header is system:anonymous in system:unauthenticated
 * (kube's default --anonymous-auth=true). */
#ifndef TAS_AUTH_H
#define TAS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct tas_user {
	char *name;
	char *uid;
	char **groups;
	size_t n_groups;
};

struct tas_tokens {
	struct tas_token {
		char *token;
		struct tas_user user;
	} *v;
	size_t n;
};

/* The tokens TokenRequest issued (tas_tokenreq.h), guarded by the store
 * lock. */
struct tas_minted {
	char *token;
	char *ns, *sa, *sa_uid;
	const char *bound_resource;     /* "pods", "secrets" or NULL (unbound) */
	char *bound_name, *bound_uid;
	time_t exp;
};

struct tas_minted_set {
	struct tas_minted *v;
	size_t n;
};

extern const struct tas_user tas_anonymous;

/* Adds the records of a token file. 0, or -errno with err naming the line. */
int tas_tokens_load(struct tas_tokens *t, const char *path, char *err, size_t errlen);
/* Adds one token (copied). groups_csv: "a,b" or NULL. 0 or -ENOMEM. */
int tas_tokens_add(struct tas_tokens *t, const char *token, const char *user, const char *uid,
		   const char *groups_csv);
/* The user a token belongs to (borrowed from t), or NULL. Compares every
 * token in full so the time taken does not depend on where they differ. */
const struct tas_user *tas_tokens_find(const struct tas_tokens *t, const char *token);
void tas_tokens_free(struct tas_tokens *t);

bool tas_user_in_group(const struct tas_user *u, const char *group);

/* The user a request impersonates (Impersonate-User and Impersonate-Group
 * headers, as kubectl --as/--as-group send them): `name` with `groups`, or
 * with a service account's own groups when none are given, and
 * system:authenticated. *u is filled (release with tas_user_clear); 0 or
 * -ENOMEM. */
int tas_user_impersonated(struct tas_user *u, const char *name, const char *const *groups,
			  size_t n_groups);
void tas_user_clear(struct tas_user *u);

#endif

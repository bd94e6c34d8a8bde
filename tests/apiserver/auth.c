#include "tas_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *anon_groups[] = {"system:unauthenticated"};
const struct tas_user tas_anonymous = {"system:anonymous", "", anon_groups, 1};

static int add_group(struct tas_user *u, const char *g, size_t len)
{
	char **v;
	size_t i;

	while (len && (*g == ' ' || *g == '\t')) {
		g++;
		len--;
	}
	while (len && (g[len - 1] == ' ' || g[len - 1] == '\t'))
		len--;
	if (!len)
		return 0;
	for (i = 0; i < u->n_groups; i++)
		if (strlen(u->groups[i]) == len && memcmp(u->groups[i], g, len) == 0)
			return 0;
	v = realloc(u->groups, (u->n_groups + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	u->groups = v;
	v[u->n_groups] = strndup(g, len);
	if (!v[u->n_groups])
		return -ENOMEM;
	u->n_groups++;
	return 0;
}

void tas_user_clear(struct tas_user *u)
{
	size_t i;

	for (i = 0; i < u->n_groups; i++)
		free(u->groups[i]);
	free(u->groups);
	free(u->name);
	free(u->uid);
	memset(u, 0, sizeof(*u));
}

int tas_user_impersonated(struct tas_user *u, const char *name, const char *const *groups,
			  size_t n_groups)
{
	static const char sa_prefix[] = "system:serviceaccount:";
	char sa_ns_group[300];
	int rc = 0;

	memset(u, 0, sizeof(*u));
	if (!(u->name = strdup(name)) || !(u->uid = strdup("")))
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n_groups; i++)
		rc = add_group(u, groups[i], strlen(groups[i]));
	/* kube: a service account impersonated without groups gets its own */
	if (rc == 0 && n_groups == 0 && strncmp(name, sa_prefix, sizeof(sa_prefix) - 1) == 0) {
		const char *ns = name + sizeof(sa_prefix) - 1, *colon = strchr(ns, ':');
		snprintf(sa_ns_group, sizeof(sa_ns_group), "system:serviceaccounts:%.*s",
			 colon ? (int)(colon - ns) : 0, ns);
		rc = add_group(u, "system:serviceaccounts", strlen("system:serviceaccounts"));
		if (rc == 0 && colon)
			rc = add_group(u, sa_ns_group, strlen(sa_ns_group));
	}
	if (rc == 0 && strcmp(name, "system:anonymous") != 0)
		rc = add_group(u, "system:authenticated", strlen("system:authenticated"));
	if (rc)
		tas_user_clear(u);
	return rc;
}

int tas_tokens_add(struct tas_tokens *t, const char *token, const char *user, const char *uid,
		   const char *groups_csv)
{
	struct tas_token tok = {0};
	struct tas_token *v;
	const char *p = groups_csv;
	int rc = -ENOMEM;

	tok.token = strdup(token);
	tok.user.name = strdup(user);
	tok.user.uid = strdup(uid);
	if (!tok.token || !tok.user.name || !tok.user.uid)
		goto fail;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (add_group(&tok.user, p, len))
			goto fail;
		p = comma ? comma + 1 : NULL;
	}
	if (add_group(&tok.user, "system:authenticated", strlen("system:authenticated")))
		goto fail;
	v = realloc(t->v, (t->n + 1) * sizeof(*v));
	if (!v)
		goto fail;
	t->v = v;
	t->v[t->n++] = tok;
	return 0;
fail:
	free(tok.token);
	tas_user_clear(&tok.user);
	return rc;
}

/* One CSV record as encoding/csv reads it: fields may be double-quoted,
 * "" inside quotes is a quote. Hand-written: Debian has no small C CSV
 * library we already depend on, and the grammar needed is this small. */
static int csv_fields(const char *line, char fields[4][1024], int *n)
{
	const char *p = line;

	*n = 0;
	for (;;) {
		size_t len = 0;
		char *f;
		if (*n == 4)
			return -EINVAL;
		f = fields[*n];
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0')
					return -EINVAL;
				if (*p == '"' && p[1] == '"') {
					p++;
				} else if (*p == '"') {
					p++;
					break;
				}
				if (len + 1 >= 1024)
					return -EINVAL;
				f[len++] = *p++;
			}
		} else {
			while (*p && *p != ',') {
				if (len + 1 >= 1024 || *p == '"')
					return -EINVAL;
				f[len++] = *p++;
			}
		}
		f[len] = '\0';
		(*n)++;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
}

int tas_tokens_load(struct tas_tokens *t, const char *path, char *err, size_t errlen)
{
	char fields[4][1024];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, n, rc = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "opening token file %s: %s", path, strerror(errno));
		return rc;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (csv_fields(line, fields, &n) || n < 3) {
			snprintf(err, errlen,
				 "token file %s line %d: want token,user,uid[,\"groups\"]", path,
				 lineno);
			rc = -EINVAL;
			goto out;
		}
		rc = tas_tokens_add(t, fields[0], fields[1], fields[2], n > 3 ? fields[3] : NULL);
		if (rc) {
			snprintf(err, errlen, "token file %s: out of memory", path);
			goto out;
		}
	}
out:
	if (line)
		explicit_bzero(line, cap);
	explicit_bzero(fields, sizeof(fields));
	free(line);
	fclose(f);
	return rc;
}

const struct tas_user *tas_tokens_find(const struct tas_tokens *t, const char *token)
{
	const struct tas_user *found = NULL;
	size_t tlen = strlen(token), i, j;

	/* The last record wins, as in kube where a later duplicate overwrites. */
	for (i = 0; i < t->n; i++) {
		const char *cand = t->v[i].token;
		size_t clen = strlen(cand);
		unsigned char diff = (unsigned char)(clen != tlen);
		for (j = 0; j < tlen; j++)
			diff |= (unsigned char)(token[j] ^ cand[j < clen ? j : 0]);
		if (!diff)
			found = &t->v[i].user;
	}
	return found;
}

void tas_tokens_free(struct tas_tokens *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		explicit_bzero(t->v[i].token, strlen(t->v[i].token));
		free(t->v[i].token);
		tas_user_clear(&t->v[i].user);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

bool tas_user_in_group(const struct tas_user *u, const char *group)
{
	size_t i;

	for (i = 0; i < u->n_groups; i++)
		if (strcmp(u->groups[i], group) == 0)
			return true;
	return false;
}

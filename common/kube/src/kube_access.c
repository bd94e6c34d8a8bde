/* The watcher's and launcher's access to the API server, as main() loads
 * it before the sandbox (mgo/kube_access.h). */
#include "mgo/kube_access.h"

#include <curl/curl.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/log.h"

int mgo_kube_creds_for_role(const struct mgo_config *c, enum mgo_role role,
			    struct mgo_kube_creds *out, char *err, size_t errlen)
{
	const struct mgo_cfg_role *r = mgo_cfg_role_of(c, role);
	char msg[768];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!r) {
		snprintf(err, errlen, "role %s: it has no API access", mgo_role_name(role));
		return -ENOENT;
	}
	if (r->kubeconfig)
		rc = mgo_kube_creds_from_kubeconfig(r->kubeconfig, r->context, out, msg, sizeof(msg));
	else
		rc = mgo_kube_creds_from_token_file(r->server, r->token_file, r->ca_file, out, msg,
						    sizeof(msg));
	if (rc) {
		snprintf(err, errlen, "role %s: %s", mgo_role_name(role), msg);
		return rc;
	}
	if (!out->namespace && c->namespace && !(out->namespace = strdup(c->namespace))) {
		mgo_kube_creds_free(out);
		snprintf(err, errlen, "role %s: out of memory", mgo_role_name(role));
		return -ENOMEM;
	}
	return 0;
}

/* True when path is dir or lies beneath it, compared after resolving both
 * where they exist (a projected token is reached through symlinks). */
static bool beneath(const char *dir, const char *path)
{
	char rdir[PATH_MAX], rpath[PATH_MAX];
	size_t n;

	if (realpath(dir, rdir))
		dir = rdir;
	if (realpath(path, rpath))
		path = rpath;
	n = strlen(dir);
	if (n == 1)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The sandbox lets a role read its token's whole directory (the kubelet
 * rotates a projected token by swapping a symlink to a new directory), so
 * no other role's credentials may be in there. */
static int check_token_dir(const struct mgo_config *c, enum mgo_role self, const char *dir)
{
	for (int r = 1; r < MGO_ROLE_N; r++) {
		const struct mgo_cfg_role *other = mgo_cfg_role_of(c, (enum mgo_role)r);
		const char *files[2];

		if (r == (int)self || !other)
			continue;
		files[0] = other->token_file;
		files[1] = other->kubeconfig;
		for (size_t i = 0; i < 2; i++) {
			if (files[i] && beneath(dir, files[i])) {
				mgo_error("proc.sandbox",
					  "the %s's token directory %s also holds %s, which its "
					  "sandbox would let it read: give each role its own directory",
					  mgo_role_name(self), dir, files[i]);
				return -EPERM;
			}
		}
	}
	return 0;
}

/* With no CA in the credentials libcurl trusts its built-in bundle and
 * directory, which OpenSSL opens at each new connection. */
static int trust_store(struct mgo_kube_access *a, size_t *n)
{
	CURL *e = curl_easy_init();
	char *s = NULL;
	int rc = 0;

	if (!e)
		return -ENOMEM;
	if (curl_easy_getinfo(e, CURLINFO_CAINFO, &s) == CURLE_OK && s &&
	    !(a->read_paths[(*n)++] = strdup(s)))
		rc = -ENOMEM;
	s = NULL;
	if (!rc && curl_easy_getinfo(e, CURLINFO_CAPATH, &s) == CURLE_OK && s &&
	    !(a->read_paths[(*n)++] = strdup(s)))
		rc = -ENOMEM;
	curl_easy_cleanup(e);
	return rc;
}

int mgo_kube_access_load(struct mgo_kube_access *a, const struct mgo_config *c,
			 enum mgo_role role)
{
	char err[768];
	size_t n = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = mgo_kube_creds_for_role(c, role, &a->creds, err, sizeof(err)))) {
		mgo_error("proc.credentials", "%s", err);
		return rc;
	}
	/* the sandbox refuses the resolver's datagram sockets: names now */
	if ((rc = mgo_kube_pin_names(a->creds.server, &a->creds.resolve, err, sizeof(err)))) {
		mgo_error("proc.resolve", "%s", err);
		return rc;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		mgo_error("proc.curl", "libcurl initialisation failed");
		return -EIO;
	}
	a->curl_ready = 1;
	if (a->creds.token_file) {
		char *dir = strdup(a->creds.token_file);

		if (!dir)
			return -ENOMEM;
		/* dirname() may return a static string: copy what it gives */
		a->read_paths[n] = strdup(dirname(dir));
		free(dir);
		if (!a->read_paths[n])
			return -ENOMEM;
		if ((rc = check_token_dir(c, role, a->read_paths[n++])))
			return rc;
	}
	if (!a->creds.ca_pem && (rc = trust_store(a, &n)))
		return rc;
	if ((rc = mgo_kube_connect_ports(a->creds.server, a->ports, err, sizeof(err))) < 0) {
		mgo_error("proc.sandbox", "%s", err);
		return rc;
	}
	return 0;
}

const char *const *mgo_kube_access_paths(const struct mgo_kube_access *a)
{
	return (const char *const *)a->read_paths;
}

void mgo_kube_access_free(struct mgo_kube_access *a)
{
	for (size_t i = 0; i < sizeof(a->read_paths) / sizeof(a->read_paths[0]); i++)
		free(a->read_paths[i]);
	if (a->curl_ready)
		curl_global_cleanup();
	mgo_kube_creds_free(&a->creds);
	memset(a, 0, sizeof(*a));
}

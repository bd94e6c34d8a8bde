/* Credentials that do not come from a kubeconfig (in-cluster, token file),
 * token reload, and the checks every loader shares. */
#include "mgo/kubecreds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_internal.h"
#include "mgo/fileio.h"
#include "mgo/names.h"

static void wipe_free(char *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

void mgo_kube_creds_free(struct mgo_kube_creds *c)
{
	if (!c)
		return;
	wipe_free(c->token, c->token ? strlen(c->token) : 0);
	wipe_free(c->key_pem, c->key_len);
	free(c->server);
	free(c->ca_pem);
	free(c->tls_server_name);
	free(c->token_file);
	free(c->cert_pem);
	free(c->namespace);
	for (size_t i = 0; c->resolve && c->resolve[i]; i++)
		free(c->resolve[i]);
	free(c->resolve);
	memset(c, 0, sizeof(*c));
}

void mgo_kube__token_read_now(struct mgo_kube_creds *c)
{
	/* CLOCK_MONOTONIC cannot fail on Linux; a zero stamp would only make
	 * the next reload come early. */
	if (clock_gettime(CLOCK_MONOTONIC, &c->token_read) < 0)
		memset(&c->token_read, 0, sizeof(c->token_read));
}

bool mgo_kube__token_ok(const char *tok, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)tok[i] < 0x21 || (unsigned char)tok[i] > 0x7e)
			return false;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int mgo_kube__read_token(const char *file, char **tok, char *reason, size_t rlen)
{
	char *buf = NULL;
	size_t len = 0, start = 0;
	int rc;

	*tok = NULL;
	rc = mgo_file_read(file, MGO_KUBE_TOKEN_MAX, &buf, &len, reason, rlen);
	if (rc)
		goto out;
	/* Trimmed like client-go's file token source: editors and `echo` add
	 * a newline that is not part of the token. */
	while (len && is_space(buf[len - 1]))
		buf[--len] = '\0';
	while (start < len && is_space(buf[start]))
		start++;
	if (start == len) {
		rc = -EINVAL;
		snprintf(reason, rlen, "empty token");
		goto out;
	}
	if (!mgo_kube__token_ok(buf + start, len - start)) {
		rc = -EINVAL;
		snprintf(reason, rlen, "token holds bytes that cannot go in an HTTP header");
		goto out;
	}
	memmove(buf, buf + start, len - start + 1);
	explicit_bzero(buf + len - start + 1, start);
	*tok = buf;
	buf = NULL;
out:
	if (buf)
		wipe_free(buf, len);
	return rc;
}

int mgo_kube__check_pem(const char *buf, size_t len, enum mgo_kube__pem kind,
			char *reason, size_t rlen)
{
	static const char begin[] = "-----BEGIN ";
	static const char cert[] = "-----BEGIN CERTIFICATE-----";
	static const char keyend[] = "PRIVATE KEY-----";
	const char *p, *eol;

	if (kind == MGO_KUBE__CERT) {
		if (memmem(buf, len, cert, sizeof(cert) - 1))
			return 0;
		snprintf(reason, rlen, "no PEM certificate found");
		return -EINVAL;
	}
	/* Encrypted keys would need a passphrase we have nowhere to take from. */
	if (memmem(buf, len, "ENCRYPTED", 9)) {
		snprintf(reason, rlen, "encrypted private keys are not supported");
		return -EINVAL;
	}
	p = memmem(buf, len, begin, sizeof(begin) - 1);
	if (p) {
		eol = memchr(p, '\n', len - (size_t)(p - buf));
		if (!eol)
			eol = buf + len;
		while (eol > p && (eol[-1] == '\r' || eol[-1] == ' '))
			eol--;
		if ((size_t)(eol - p) >= sizeof(begin) - 1 + sizeof(keyend) - 1 &&
		    !memcmp(eol - (sizeof(keyend) - 1), keyend, sizeof(keyend) - 1))
			return 0;
	}
	snprintf(reason, rlen, "no PEM private key found");
	return -EINVAL;
}

int mgo_kube__read_pem(const char *file, enum mgo_kube__pem kind, char **pem, size_t *len,
		       char *reason, size_t rlen)
{
	char *buf = NULL;
	size_t n = 0;
	int rc;

	*pem = NULL;
	*len = 0;
	rc = mgo_file_read(file, MGO_KUBE_FILE_MAX, &buf, &n, reason, rlen);
	if (rc)
		goto out;
	rc = mgo_kube__check_pem(buf, n, kind, reason, rlen);
	if (rc)
		goto out;
	*pem = buf;
	*len = n;
	buf = NULL;
out:
	if (buf)
		wipe_free(buf, n);
	return rc;
}

/* client-go's in-cluster rule, plus brackets for an IPv6 literal (the service
 * host of a single-stack IPv6 cluster is a bare address). */
static int server_from_env(char **out, char *err, size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char reason[128], *url = NULL;
	bool v6;
	int rc = -EINVAL;

	*out = NULL;
	if (!host || !*host || !port || !*port) {
		snprintf(err, errlen, "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
		goto out;
	}
	if (strpbrk(host, "[]/@")) {
		snprintf(err, errlen, "KUBERNETES_SERVICE_HOST: not a host name or address");
		goto out;
	}
	if (!mgo_name_valid_port(port, strlen(port))) {
		snprintf(err, errlen, "KUBERNETES_SERVICE_PORT: not a port number");
		goto out;
	}
	v6 = strchr(host, ':') != NULL;
	if (asprintf(&url, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port) < 0) {
		url = NULL;
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = mgo_name_server_url(url, out, reason, sizeof(reason));
	if (rc)
		snprintf(err, errlen, "KUBERNETES_SERVICE_HOST/PORT: %s", reason);
out:
	free(url);
	return rc;
}

int mgo_kube_creds_from_token_file(const char *server, const char *token_file,
				   const char *ca_file, struct mgo_kube_creds *out,
				   char *err, size_t errlen)
{
	struct mgo_kube_creds c = { 0 };
	char reason[128];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!token_file || token_file[0] != '/' || (ca_file && ca_file[0] != '/')) {
		rc = -EINVAL;
		snprintf(err, errlen, "token and CA file paths must be absolute");
		goto out;
	}
	if (server) {
		rc = mgo_name_server_url(server, &c.server, reason, sizeof(reason));
		if (rc) {
			snprintf(err, errlen, "server %s: %s", server, reason);
			goto out;
		}
	} else {
		rc = server_from_env(&c.server, err, errlen);
		if (rc)
			goto out;
	}
	rc = mgo_kube__read_token(token_file, &c.token, reason, sizeof(reason));
	if (rc) {
		snprintf(err, errlen, "token file %s: %s", token_file, reason);
		goto out;
	}
	mgo_kube__token_read_now(&c);
	c.token_file = strdup(token_file);
	if (!c.token_file) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (ca_file) {
		rc = mgo_kube__read_pem(ca_file, MGO_KUBE__CERT, &c.ca_pem, &c.ca_len, reason,
					sizeof(reason));
		if (rc) {
			snprintf(err, errlen, "CA file %s: %s", ca_file, reason);
			goto out;
		}
	}
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	mgo_kube_creds_free(&c);
	return rc;
}

static int read_namespace(const char *file, char **ns, char *err, size_t errlen)
{
	char reason[128], *buf = NULL;
	size_t len = 0;
	int rc;

	*ns = NULL;
	rc = mgo_file_read(file, 256, &buf, &len, reason, sizeof(reason));
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc) {
		snprintf(err, errlen, "namespace file %s: %s", file, reason);
		goto out;
	}
	while (len && is_space(buf[len - 1]))
		buf[--len] = '\0';
	if (!mgo_name_is_dns_label(buf)) {
		rc = -EINVAL;
		snprintf(err, errlen, "namespace file %s: not a namespace name", file);
		goto out;
	}
	*ns = buf;
	buf = NULL;
out:
	free(buf);
	return rc;
}

int mgo_kube_creds_in_cluster(const char *sa_dir, struct mgo_kube_creds *out,
			      char *err, size_t errlen)
{
	struct mgo_kube_creds c = { 0 };
	char *token = NULL, *ca = NULL, *ns = NULL, msg[384];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!sa_dir)
		sa_dir = MGO_KUBE_SA_DIR;
	if (asprintf(&token, "%s/token", sa_dir) < 0 || asprintf(&ca, "%s/ca.crt", sa_dir) < 0 ||
	    asprintf(&ns, "%s/namespace", sa_dir) < 0) {
		rc = -ENOMEM;
		snprintf(msg, sizeof(msg), "out of memory");
		goto out;
	}
	/* The CA is required, unlike client-go, which falls back to the system
	 * roots: those never sign an in-cluster API server's certificate. */
	rc = mgo_kube_creds_from_token_file(NULL, token, ca, &c, msg, sizeof(msg));
	if (rc)
		goto out;
	rc = read_namespace(ns, &c.namespace, msg, sizeof(msg));
	if (rc)
		goto out;
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	if (rc)
		snprintf(err, errlen, "in-cluster config: %s", msg);
	mgo_kube_creds_free(&c);
	free(ns);
	free(ca);
	free(token);
	return rc;
}

int mgo_kube_creds_reload_token(struct mgo_kube_creds *c, bool *changed,
				char *err, size_t errlen)
{
	char reason[128], *tok = NULL;
	int rc;

	*changed = false;
	if (!c->token_file)
		return 0;
	rc = mgo_kube__read_token(c->token_file, &tok, reason, sizeof(reason));
	if (rc) {
		snprintf(err, errlen, "token file %s: %s", c->token_file, reason);
		return rc;
	}
	if (!c->token || strcmp(c->token, tok)) {
		wipe_free(c->token, c->token ? strlen(c->token) : 0);
		c->token = tok;
		tok = NULL;
		*changed = true;
	}
	wipe_free(tok, tok ? strlen(tok) : 0);
	mgo_kube__token_read_now(c);
	return 0;
}

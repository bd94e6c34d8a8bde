/* The operator's configuration file: see mgo/config.h for every key. */
#include "mgo/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/names.h"
#include "mgo/fileio.h"
#include "mgo/types.h"
#include "mgo/yamldoc.h"

#define IMAGE_MAX 512

static void role_free(struct mgo_cfg_role *r)
{
	free(r->token_file);
	free(r->ca_file);
	free(r->server);
	free(r->kubeconfig);
	free(r->context);
	memset(r, 0, sizeof(*r));
}

void mgo_cfg_free(struct mgo_config *c)
{
	size_t i;

	if (!c)
		return;
	free(c->namespace);
	free(c->default_image);
	free(c->operator_image);
	free(c->http_proxy);
	free(c->https_proxy);
	free(c->no_proxy);
	free(c->socket_dir);
	free(c->sftp_known_hosts);
	free(c->trusted_ca_configmap);
	for (i = 0; i < c->n_operator_sas; i++)
		free(c->operator_sas[i]);
	free(c->operator_sas);
	role_free(&c->watcher);
	role_free(&c->launcher);
	role_free(&c->tokens.creds);
	for (i = 0; i < c->tokens.n_audiences; i++)
		free(c->tokens.audiences[i]);
	free(c->tokens.audiences);
	free(c->tokens.watcher_sa);
	free(c->tokens.launcher_sa);
	free(c->health.address);
	memset(c, 0, sizeof(*c));
}

/* Values that end up in Job manifests and environment variables: printable
 * ASCII only (space allowed where asked), so nothing can smuggle a newline. */
static bool clean(const char *s, bool space_ok)
{
	for (; *s; s++)
		if (*s < (space_ok ? 0x20 : 0x21) || *s > 0x7e)
			return false;
	return true;
}

static int get_path(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
		    const char *path, const char *key, char **out)
{
	int rc = mgo_yaml_str(cx, map, path, key, PATH_MAX - 1, out);

	if (rc || !*out)
		return rc;
	if ((*out)[0] != '/' || !clean(*out, false))
		return mgo_yaml_fail(cx, mgo_yaml_get(map, key), path, key, -EINVAL,
				     "must be an absolute path without spaces or control bytes");
	return 0;
}

static int get_required(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map,
			const char *path, const char *key, size_t max, char **out)
{
	int rc = mgo_yaml_str(cx, map, path, key, max, out);

	if (!rc && !*out)
		rc = mgo_yaml_fail(cx, NULL, path, key, -EINVAL, "required");
	return rc;
}

static int get_image(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
		     const char *key, char **out)
{
	int rc = get_required(cx, root, NULL, key, IMAGE_MAX, out);

	if (!rc && !clean(*out, false))
		rc = mgo_yaml_fail(cx, mgo_yaml_get(root, key), NULL, key, -EINVAL,
				   "must not contain spaces or control bytes");
	return rc;
}

/* known_hosts lines for the upload step: public keys, so plain text in the
 * config is fine; one line an entry, printable ASCII otherwise. */
static int get_known_hosts(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
			   struct mgo_config *c)
{
	int rc = mgo_yaml_str(cx, root, NULL, "sftpKnownHosts", MGO_CFG_KNOWN_HOSTS_MAX,
			      &c->sftp_known_hosts);

	for (const char *s = c->sftp_known_hosts; !rc && s && *s; s++)
		if ((*s < 0x20 && *s != '\n') || *s > 0x7e)
			rc = mgo_yaml_fail(cx, mgo_yaml_get(root, "sftpKnownHosts"), NULL,
					   "sftpKnownHosts", -EINVAL,
					   "must be known_hosts lines of printable ASCII");
	return rc;
}

/* The ConfigMap each upload step mounts its HTTPS proxy's CA bundle from,
 * by name in the MustGather's namespace (docs/design.md, "Trusted CA for
 * uploads"). */
static int get_trusted_ca(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
			  struct mgo_config *c)
{
	int rc = mgo_yaml_str(cx, root, NULL, "trustedCAConfigMap", MGO_NAME_MAX,
			      &c->trusted_ca_configmap);

	if (!rc && c->trusted_ca_configmap && !mgo_name_is_dns_subdomain(c->trusted_ca_configmap))
		rc = mgo_yaml_fail(cx, mgo_yaml_get(root, "trustedCAConfigMap"), NULL,
				   "trustedCAConfigMap", -EINVAL, "not a ConfigMap name");
	return rc;
}

static int load_proxy(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
		      struct mgo_config *c)
{
	static const char *const keys[] = { "httpProxy", "httpsProxy", "noProxy", NULL };
	const struct mgo_yaml_node *p = mgo_yaml_get(root, "proxy");
	char **dst[] = { &c->http_proxy, &c->https_proxy, &c->no_proxy };
	size_t i;
	int rc;

	rc = mgo_yaml_want(cx, p, NULL, "proxy", MGO_YAML_MAP);
	if (!rc)
		rc = mgo_yaml_check_keys(cx, p, "proxy", keys);
	for (i = 0; !rc && i < 3; i++) {
		rc = mgo_yaml_str(cx, p, "proxy", keys[i], MGO_STR_MAX, dst[i]);
		if (!rc && *dst[i] && !clean(*dst[i], true))
			rc = mgo_yaml_fail(cx, mgo_yaml_get(p, keys[i]), "proxy", keys[i], -EINVAL,
					   "must not contain control bytes");
	}
	return rc;
}

static int load_sas(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
		    struct mgo_config *c)
{
	static const char *const defaults[] = { "mgo-watcher", "mgo-launcher" };
	const struct mgo_yaml_node *seq = mgo_yaml_get(root, "operatorServiceAccounts"), *dup;
	size_t i, n;
	int rc;

	rc = mgo_yaml_want(cx, seq, NULL, "operatorServiceAccounts", MGO_YAML_SEQ);
	if (rc)
		return rc;
	n = mgo_yaml_is_null(seq) ? 2 : seq->nkids;
	if (n > MGO_CFG_SA_MAX)
		return mgo_yaml_fail(cx, seq, NULL, "operatorServiceAccounts", -EINVAL,
				     "more than %d entries", MGO_CFG_SA_MAX);
	if (!n)
		return 0;
	c->operator_sas = calloc(n, sizeof(*c->operator_sas));
	if (!c->operator_sas)
		return mgo_yaml_fail(cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct mgo_yaml_node *v = mgo_yaml_is_null(seq) ? NULL : seq->kids[i];
		char path[48];

		snprintf(path, sizeof(path), "operatorServiceAccounts[%zu]", i);
		if (v && (v->type != MGO_YAML_SCALAR || !mgo_name_is_dns_subdomain(v->str)))
			return mgo_yaml_fail(cx, v, path, NULL, -EINVAL, "not a service account name");
		c->operator_sas[i] = strdup(v ? v->str : defaults[i]);
		if (!c->operator_sas[i])
			return mgo_yaml_fail(cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
		c->n_operator_sas++;
	}
	if (mgo_yaml_is_null(seq))
		return 0;
	rc = mgo_yaml_first_dup((const struct mgo_yaml_node *const *)seq->kids, n, &dup);
	if (rc)
		return mgo_yaml_fail(cx, NULL, NULL, NULL, rc, "out of memory");
	if (dup)
		return mgo_yaml_fail(cx, dup, "operatorServiceAccounts", NULL, -EINVAL,
				     "duplicate name \"%s\"", dup->str);
	return 0;
}

static int load_supervisor(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
			   struct mgo_cfg_supervisor *sv)
{
	static const char *const keys[] = { "gracePeriodMs", "heartbeatIntervalMs",
					     "heartbeatTimeoutMs", "readyTimeoutMs", "restartDelayMs",
					     "restartDelayMaxMs", "healthyAfterMs", "crashLoopLimit",
					     NULL };
	/* in the order of keys[]: default, min, max */
	static const long long bounds[][3] = {
		{ 20000, 100, 600000 }, { 1000, 50, 60000 },   { 10000, 100, 600000 },
		{ 120000, 100, 3600000 }, { 500, 10, 600000 }, { 30000, 10, 3600000 },
		{ 60000, 100, 86400000 }, { 5, 1, 1000 },
	};
	unsigned *dst[] = { &sv->grace_ms, &sv->heartbeat_ms, &sv->heartbeat_timeout_ms,
			    &sv->ready_timeout_ms, &sv->restart_delay_ms, &sv->restart_delay_max_ms,
			    &sv->healthy_after_ms, &sv->crash_loop_limit };
	const struct mgo_yaml_node *m = mgo_yaml_get(root, "supervisor");
	int rc = mgo_yaml_want(cx, m, NULL, "supervisor", MGO_YAML_MAP);

	if (!rc)
		rc = mgo_yaml_check_keys(cx, m, "supervisor", keys);
	for (size_t i = 0; !rc && keys[i]; i++) {
		long long v = bounds[i][0];
		rc = mgo_yaml_int(cx, m, "supervisor", keys[i], bounds[i][1], bounds[i][2], &v);
		*dst[i] = (unsigned)v;
	}
	if (rc)
		return rc;
	/* one late heartbeat on a busy node must not get a healthy child killed */
	if (sv->heartbeat_timeout_ms < 2 * sv->heartbeat_ms)
		return mgo_yaml_fail(cx, mgo_yaml_get(m, "heartbeatTimeoutMs"), "supervisor",
				     "heartbeatTimeoutMs", -EINVAL,
				     "must be at least twice heartbeatIntervalMs (%u)", sv->heartbeat_ms);
	if (sv->restart_delay_max_ms < sv->restart_delay_ms)
		return mgo_yaml_fail(cx, mgo_yaml_get(m, "restartDelayMaxMs"), "supervisor",
				     "restartDelayMaxMs", -EINVAL,
				     "must be at least restartDelayMs (%u)", sv->restart_delay_ms);
	return 0;
}

/* An address literal only: mgo-health has no resolver and no file access
 * once sandboxed, so a name could not be looked up there. */
static int load_health(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
		       struct mgo_cfg_health *h)
{
	static const char *const keys[] = { "address", "port", NULL };
	const struct mgo_yaml_node *m = mgo_yaml_get(root, "health");
	long long port = MGO_CFG_HEALTH_PORT;
	unsigned char addr[sizeof(struct in6_addr)];
	int rc = mgo_yaml_want(cx, m, NULL, "health", MGO_YAML_MAP);

	if (!rc)
		rc = mgo_yaml_check_keys(cx, m, "health", keys);
	if (!rc)
		rc = mgo_yaml_str(cx, m, "health", "address", INET6_ADDRSTRLEN, &h->address);
	if (!rc)
		rc = mgo_yaml_int(cx, m, "health", "port", 0, 65535, &port);
	if (rc)
		return rc;
	h->port = (unsigned)port;
	if (!h->address && !(h->address = strdup(MGO_CFG_HEALTH_ADDRESS)))
		return mgo_yaml_fail(cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
	if (inet_pton(AF_INET, h->address, addr) != 1 && inet_pton(AF_INET6, h->address, addr) != 1)
		return mgo_yaml_fail(cx, mgo_yaml_get(m, "address"), "health", "address", -EINVAL,
				     "must be an IPv4 or IPv6 address literal");
	return 0;
}

static int load_gathers(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
			struct mgo_cfg_gathers *g)
{
	static const char *const keys[] = { "maxRunningPerNamespace", "maxPendingActs", NULL };
	const struct mgo_yaml_node *m = mgo_yaml_get(root, "gathers");
	long long per_ns = MGO_CFG_MAX_RUNNING_PER_NS, pending = MGO_CFG_MAX_PENDING_ACTS;
	int rc = mgo_yaml_want(cx, m, NULL, "gathers", MGO_YAML_MAP);

	if (!rc)
		rc = mgo_yaml_check_keys(cx, m, "gathers", keys);
	if (!rc)
		rc = mgo_yaml_int(cx, m, "gathers", "maxRunningPerNamespace", 1, 100000, &per_ns);
	if (!rc)
		rc = mgo_yaml_int(cx, m, "gathers", "maxPendingActs", 64, 1000000, &pending);
	if (rc)
		return rc;
	g->max_running_per_ns = (unsigned)per_ns;
	g->max_pending_acts = (unsigned)pending;
	return 0;
}

/* Normalised here so that a bad URL fails at start, not at the first
 * request. */
static int normalise_server(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *m,
			    const char *path, const char *server, char **out)
{
	char reason[128];
	int rc = mgo_name_server_url(server, out, reason, sizeof(reason));

	if (rc)
		rc = mgo_yaml_fail(cx, mgo_yaml_get(m, "server"), path, "server", rc, "%s", reason);
	return rc;
}

static int load_role(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *roles,
		     const char *name, struct mgo_cfg_role *r)
{
	static const char *const keys[] = { "tokenFile", "caFile", "server", "kubeconfig",
					     "context", "qps", "burst", NULL };
	long long qps = MGO_CFG_QPS, burst = MGO_CFG_BURST;
	const struct mgo_yaml_node *m = mgo_yaml_get(roles, name);
	char path[32], *server = NULL;
	int rc;

	snprintf(path, sizeof(path), "roles.%s", name);
	if (mgo_yaml_is_null(m))
		return mgo_yaml_fail(cx, NULL, "roles", name, -EINVAL, "required");
	rc = mgo_yaml_want(cx, m, "roles", name, MGO_YAML_MAP);
	if (!rc)
		rc = mgo_yaml_check_keys(cx, m, path, keys);
	if (!rc)
		rc = get_path(cx, m, path, "tokenFile", &r->token_file);
	if (!rc)
		rc = get_path(cx, m, path, "caFile", &r->ca_file);
	if (!rc)
		rc = get_path(cx, m, path, "kubeconfig", &r->kubeconfig);
	if (!rc)
		rc = mgo_yaml_str(cx, m, path, "context", 253, &r->context);
	if (!rc)
		rc = mgo_yaml_str(cx, m, path, "server", 4096, &server);
	if (!rc)
		rc = mgo_yaml_int(cx, m, path, "qps", 1, 1000, &qps);
	if (!rc)
		rc = mgo_yaml_int(cx, m, path, "burst", 1, 2000, &burst);
	if (rc)
		goto out;
	r->qps = (unsigned)qps;
	r->burst = (unsigned)burst;
	if (!r->token_file == !r->kubeconfig) {
		rc = mgo_yaml_fail(cx, m, path, NULL, -EINVAL, "needs exactly one of tokenFile or kubeconfig");
	} else if (r->kubeconfig && (r->ca_file || server)) {
		rc = mgo_yaml_fail(cx, m, path, r->ca_file ? "caFile" : "server", -EINVAL,
				   "goes with tokenFile, not kubeconfig");
	} else if (r->token_file && r->context) {
		rc = mgo_yaml_fail(cx, m, path, "context", -EINVAL, "goes with kubeconfig, not tokenFile");
	} else if (server) {
		rc = normalise_server(cx, m, path, server, &r->server);
	}
out:
	free(server);
	return rc;
}

static int load_audiences(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *m,
			  struct mgo_cfg_tokens *t)
{
	const struct mgo_yaml_node *seq = mgo_yaml_get(m, "audiences");
	int rc = mgo_yaml_want(cx, seq, "tokens", "audiences", MGO_YAML_SEQ);

	if (rc || mgo_yaml_is_null(seq) || !seq->nkids)
		return rc;
	if (seq->nkids > MGO_CFG_AUDIENCES_MAX)
		return mgo_yaml_fail(cx, seq, "tokens", "audiences", -EINVAL, "more than %d entries",
				     MGO_CFG_AUDIENCES_MAX);
	if (!(t->audiences = calloc(seq->nkids, sizeof(*t->audiences))))
		return mgo_yaml_fail(cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < seq->nkids; i++) {
		const struct mgo_yaml_node *v = seq->kids[i];
		char path[48];

		snprintf(path, sizeof(path), "tokens.audiences[%zu]", i);
		if (v->type != MGO_YAML_SCALAR || !*v->str || strlen(v->str) > 1024 ||
		    !clean(v->str, false))
			return mgo_yaml_fail(cx, v, path, NULL, -EINVAL,
					     "must be a non-empty string without spaces");
		if (!(t->audiences[i] = strdup(v->str)))
			return mgo_yaml_fail(cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
		t->n_audiences++;
	}
	return 0;
}

static int load_token_sas(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *m,
			  struct mgo_cfg_tokens *t)
{
	static const char *const keys[] = { "watcher", "launcher", NULL };
	static const char *const defaults[] = { "mgo-watcher", "mgo-launcher" };
	const struct mgo_yaml_node *sas = mgo_yaml_get(m, "serviceAccounts");
	char **dst[] = { &t->watcher_sa, &t->launcher_sa };
	int rc = mgo_yaml_want(cx, sas, "tokens", "serviceAccounts", MGO_YAML_MAP);

	if (!rc)
		rc = mgo_yaml_check_keys(cx, sas, "tokens.serviceAccounts", keys);
	for (size_t i = 0; !rc && i < 2; i++) {
		rc = mgo_yaml_str(cx, sas, "tokens.serviceAccounts", keys[i], MGO_NAME_MAX, dst[i]);
		if (!rc && *dst[i] && !mgo_name_is_dns_subdomain(*dst[i]))
			rc = mgo_yaml_fail(cx, mgo_yaml_get(sas, keys[i]), "tokens.serviceAccounts",
					   keys[i], -EINVAL, "not a service account name");
		if (!rc && !*dst[i] && !(*dst[i] = strdup(defaults[i])))
			rc = mgo_yaml_fail(cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
	}
	return rc;
}

/* The directory of a token file: the unit the sandboxes grant. */
static bool same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa - a == sb - b && strncmp(a, b, (size_t)(sa - a)) == 0;
}

/* mgo-tokens writes each role's token where that role reads it, so each
 * needs a tokenFile of its own directory, and the minter's own token must
 * be in neither. */
static int check_token_dirs(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
			    const struct mgo_config *c)
{
	const struct mgo_cfg_role *roles[] = { &c->watcher, &c->launcher };
	const char *names[] = { "watcher", "launcher" };

	for (size_t i = 0; i < 2; i++) {
		char path[32];

		snprintf(path, sizeof(path), "roles.%s", names[i]);
		if (!roles[i]->token_file)
			return mgo_yaml_fail(cx, NULL, path, "tokenFile", -EINVAL,
					     "required with tokens: mgo-tokens writes the role's token there");
		if (same_dir(roles[i]->token_file, c->tokens.creds.token_file))
			return mgo_yaml_fail(cx, NULL, path, "tokenFile", -EINVAL,
					     "must not be in the directory of tokens.tokenFile");
	}
	if (same_dir(c->watcher.token_file, c->launcher.token_file))
		return mgo_yaml_fail(cx, mgo_yaml_get(root, "roles"), "roles.launcher", "tokenFile",
				     -EINVAL, "must not be in the directory of the watcher's");
	return 0;
}

static int load_tokens(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
		       struct mgo_cfg_tokens *t)
{
	static const char *const keys[] = { "tokenFile", "caFile", "server", "expirationSeconds",
					    "audiences", "serviceAccounts", NULL };
	const struct mgo_yaml_node *m = mgo_yaml_get(root, "tokens");
	long long secs = MGO_CFG_TOKEN_SECONDS;
	char *server = NULL;
	int rc;

	if (mgo_yaml_is_null(m))
		return 0;
	t->enabled = true;
	rc = mgo_yaml_want(cx, m, NULL, "tokens", MGO_YAML_MAP);
	if (!rc)
		rc = mgo_yaml_check_keys(cx, m, "tokens", keys);
	if (!rc)
		rc = get_path(cx, m, "tokens", "tokenFile", &t->creds.token_file);
	if (!rc && !t->creds.token_file)
		rc = mgo_yaml_fail(cx, m, "tokens", "tokenFile", -EINVAL, "required");
	if (!rc)
		rc = get_path(cx, m, "tokens", "caFile", &t->creds.ca_file);
	if (!rc)
		rc = mgo_yaml_str(cx, m, "tokens", "server", 4096, &server);
	if (!rc && server)
		rc = normalise_server(cx, m, "tokens", server, &t->creds.server);
	if (!rc)
		rc = mgo_yaml_int(cx, m, "tokens", "expirationSeconds", MGO_CFG_TOKEN_SECONDS_MIN,
				  MGO_CFG_TOKEN_SECONDS_MAX, &secs);
	if (!rc)
		rc = load_audiences(cx, m, t);
	if (!rc)
		rc = load_token_sas(cx, m, t);
	t->expiration_s = (unsigned)secs;
	/* one request a renewal: a low rate is plenty */
	t->creds.qps = 1;
	t->creds.burst = 4;
	free(server);
	return rc;
}

static int load_tree(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
		     struct mgo_config *c)
{
	static const char *const keys[] = { "namespace", "defaultImage", "operatorImage", "proxy",
					    "resyncSeconds", "socketDir", "operatorServiceAccounts",
					    "sftpKnownHosts", "trustedCAConfigMap", "roles", "supervisor",
					    "health", "tokens", "gathers", NULL };
	static const char *const role_keys[] = { "watcher", "launcher", NULL };
	const struct mgo_yaml_node *roles;
	long long resync = MGO_CFG_DEFAULT_RESYNC;
	int rc;

	if (!mgo_yaml_is_null(root)) {
		rc = mgo_yaml_want(cx, root, NULL, NULL, MGO_YAML_MAP);
		if (!rc)
			rc = mgo_yaml_check_keys(cx, root, NULL, keys);
		if (rc)
			return rc;
	}
	rc = get_required(cx, root, NULL, "namespace", 63, &c->namespace);
	if (rc)
		return rc;
	if (!mgo_name_is_dns_label(c->namespace))
		return mgo_yaml_fail(cx, mgo_yaml_get(root, "namespace"), NULL, "namespace", -EINVAL,
				     "not a namespace name");
	rc = get_image(cx, root, "defaultImage", &c->default_image);
	if (!rc)
		rc = get_image(cx, root, "operatorImage", &c->operator_image);
	if (!rc)
		rc = load_proxy(cx, root, c);
	if (!rc)
		rc = mgo_yaml_int(cx, root, NULL, "resyncSeconds", 10, 86400, &resync);
	if (rc)
		return rc;
	c->resync_seconds = (unsigned)resync;
	rc = get_path(cx, root, NULL, "socketDir", &c->socket_dir);
	if (rc)
		return rc;
	if (c->socket_dir && strlen(c->socket_dir) > MGO_CFG_SOCKET_DIR_MAX)
		return mgo_yaml_fail(cx, mgo_yaml_get(root, "socketDir"), NULL, "socketDir", -EINVAL,
				     "longer than %d bytes", MGO_CFG_SOCKET_DIR_MAX);
	if (!c->socket_dir && !(c->socket_dir = strdup(MGO_CFG_DEFAULT_SOCKET_DIR)))
		return mgo_yaml_fail(cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
	rc = load_sas(cx, root, c);
	if (!rc)
		rc = get_known_hosts(cx, root, c);
	if (!rc)
		rc = get_trusted_ca(cx, root, c);
	if (!rc)
		rc = load_supervisor(cx, root, &c->supervisor);
	if (!rc)
		rc = load_health(cx, root, &c->health);
	if (!rc)
		rc = load_gathers(cx, root, &c->gathers);
	if (rc)
		return rc;
	roles = mgo_yaml_get(root, "roles");
	if (mgo_yaml_is_null(roles))
		return mgo_yaml_fail(cx, NULL, NULL, "roles", -EINVAL, "required");
	rc = mgo_yaml_want(cx, roles, NULL, "roles", MGO_YAML_MAP);
	if (!rc)
		rc = mgo_yaml_check_keys(cx, roles, "roles", role_keys);
	if (!rc)
		rc = load_role(cx, roles, "watcher", &c->watcher);
	if (!rc)
		rc = load_role(cx, roles, "launcher", &c->launcher);
	if (!rc)
		rc = load_tokens(cx, root, &c->tokens);
	if (!rc && c->tokens.enabled)
		rc = check_token_dirs(cx, root, c);
	return rc;
}

int mgo_cfg_load_mem(const char *yaml, size_t len, const char *name, struct mgo_config *out,
		     char *err, size_t errlen)
{
	struct mgo_config c = { 0 };
	struct mgo_yaml_node *root = NULL;
	struct mgo_yaml_ctx cx = { NULL, err, errlen };
	char *what = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (asprintf(&what, "config %s", name) < 0) {
		what = NULL;
		rc = -ENOMEM;
		snprintf(err, errlen, "config %s: out of memory", name);
		goto out;
	}
	cx.what = what;
	if (len > MGO_CFG_FILE_MAX) {
		rc = mgo_yaml_fail(&cx, NULL, NULL, NULL, -EFBIG, "larger than %u bytes",
				   MGO_CFG_FILE_MAX);
		goto out;
	}
	rc = mgo_yaml_parse(&cx, yaml, len, &root);
	if (rc)
		goto out;
	rc = load_tree(&cx, root, &c);
	if (rc)
		goto out;
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	mgo_cfg_free(&c);
	mgo_yaml_free(root);
	free(what);
	return rc;
}

int mgo_cfg_load(const char *path, struct mgo_config *out, char *err, size_t errlen)
{
	char *buf = NULL, reason[128];
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mgo_file_read(path, MGO_CFG_FILE_MAX, &buf, &len, reason, sizeof(reason));
	if (rc) {
		snprintf(err, errlen, "config %s: %s", path, reason);
		return rc;
	}
	rc = mgo_cfg_load_mem(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

const struct mgo_cfg_role *mgo_cfg_role_of(const struct mgo_config *c, enum mgo_role role)
{
	switch (role) {
	case MGO_ROLE_WATCHER:
		return &c->watcher;
	case MGO_ROLE_LAUNCHER:
		return &c->launcher;
	case MGO_ROLE_TOKENS:
		return c->tokens.enabled ? &c->tokens.creds : NULL;
	default:
		return NULL;
	}
}

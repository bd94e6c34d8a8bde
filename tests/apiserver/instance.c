#include "tas_instance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_audit.h"
#include "tas_bootstrap.h"
#include "tas_faults.h"
#include "tas_http.h"
#include "tas_kubeconfig.h"
#include "tas_stats.h"
#include "tas_tokenreq.h"
#include "tas_util.h"

static int admin_token(struct tas_server *s)
{
	unsigned char raw[32];
	size_t i;
	int rc = tas_random(raw, sizeof(raw));

	if (rc)
		return rc;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(s->admin_token + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	return tas_tokens_add(&s->tokens, s->admin_token, "mgo-test-admin", "mgo-test-admin",
			      "system:masters");
}

int tas_server_init(struct tas_server *s, const struct tas_config *cfg, char *err,
		    size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	rc = tas_store_init(&s->store, cfg->event_window);
	if (rc)
		goto oom;
	s->deps = json_object();
	s->stats = tas_stats_new();
	s->faults = tas_faults_new();
	if (!s->deps || !s->stats || !s->faults || tas_registry_init(&s->reg, !cfg->no_admission_policies))
		goto oom;
	if (cfg->token_auth_file) {
		rc = tas_tokens_load(&s->tokens, cfg->token_auth_file, err, errlen);
		if (rc)
			return rc;
	}
	rc = admin_token(s);
	if (rc)
		goto oom;
	if (!cfg->plain_http) {
		rc = tas_pki_generate(&s->pki, err, errlen);
		if (rc)
			return -EIO;
	}
	if (cfg->audit_log) {
		rc = tas_audit_open(s, cfg->audit_log);
		if (rc) {
			snprintf(err, errlen, "--audit-log %s: %s", cfg->audit_log, strerror(-rc));
			return rc;
		}
	}
	rc = tas_bootstrap(s, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < cfg->n_load; i++) {
		rc = tas_load_dir(s, cfg->load_dirs[i], err, errlen);
		if (rc)
			return rc;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int tas_server_start(struct tas_server *s, char *url, size_t urllen, char *err,
		     size_t errlen)
{
	bool v6;
	int rc = tas_http_start(s, err, errlen);

	if (rc)
		return rc;
	if (s->cfg->kubeconfig_out &&
	    (rc = tas_write_kubeconfig(s, s->cfg->kubeconfig_out, err, errlen)))
		return rc;
	if (s->cfg->ca_out && (rc = tas_write_ca(s, s->cfg->ca_out, err, errlen)))
		return rc;
	v6 = strchr(s->cfg->listen_host, ':') != NULL;
	snprintf(url, urllen, "%s://%s%s%s:%u", s->cfg->plain_http ? "http" : "https",
		 v6 ? "[" : "", s->cfg->listen_host, v6 ? "]" : "", s->port);
	return 0;
}

void tas_server_stop(struct tas_server *s)
{
	tas_faults_release(s->faults); /* the held requests' threads end too */
	tas_http_stop(s);
}

void tas_server_free(struct tas_server *s)
{
	tas_audit_close(s);
	tas_registry_free(&s->reg);
	if (s->store.ring)
		tas_store_free(&s->store);
	json_decref(s->deps);
	tas_stats_free(s->stats);
	tas_faults_free(s->faults);
	tas_tokens_free(&s->tokens);
	tas_minted_free(&s->minted);
	tas_pki_free(&s->pki);
	explicit_bzero(s->admin_token, sizeof(s->admin_token));
}

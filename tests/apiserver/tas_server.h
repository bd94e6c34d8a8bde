/* The state one server instance runs on, and the request/response shapes
 * its handlers exchange. */
#ifndef TAS_SERVER_H
#define TAS_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tas_auth.h"
#include "tas_config.h"
#include "tas_reqinfo.h"
#include "tas_restype.h"
#include "tas_store.h"
#include "tas_tls.h"

struct tas_faults;
struct tas_stats;

struct tas_server {
	const struct tas_config *cfg;
	struct tas_store store;    /* its mutex also guards reg, gc_seen, deps and stats */
	struct tas_registry reg;
	struct tas_tokens tokens;  /* read-only once serving */
	struct tas_minted_set minted; /* TokenRequest's; under the store lock */
	struct tas_pki pki;
	char admin_token[65];
	FILE *audit;               /* NULL: no audit log; written under audit_mu */
	pthread_mutex_t audit_mu;
	struct tas_faults *faults; /* own lock */
	struct tas_stats *stats;
	uint64_t gc_seen;          /* controllers have handled events up to here */
	json_t *deps;              /* owner uid -> {"group/resource|key": true} */
	struct MHD_Daemon *httpd;
	unsigned short port;
};

/* A parsed HTTP request. Strings are borrowed from the HTTP layer. */
struct tas_query {
	const char *k, *v;
};

struct tas_req {
	const char *method;
	const char *path;
	struct tas_query *query;
	size_t n_query;
	const char *accept;
	const char *content_type;
	const char *user_agent;
	const char *authorization;
	const char *body;
	size_t body_len;
	const struct tas_user *user; /* set by authentication */
	/* Impersonate-* headers (kubectl --as, --as-group) */
#define TAS_IMPERSONATE_GROUPS_MAX 16
	const char *imp_user;
	const char *imp_groups[TAS_IMPERSONATE_GROUPS_MAX];
	size_t n_imp_groups;
	bool imp_overflow;           /* more groups than that */
	bool imp_unsupported;        /* Impersonate-Uid or -Extra-*: refused */
	struct tas_user imp;         /* owned: the impersonated user, when one is */
	struct tas_user bound;       /* owned: the user of a TokenRequest token */
	struct tas_reqinfo ri;
	int conn_fd;                 /* for watches to notice a client going away */
};

struct tas_watch;

struct tas_resp {
	int code;
	json_t *body;             /* owned; NULL with watch set */
	const char *content_type; /* static string; NULL: application/json */
	char warning[1024];       /* Warning header texts, one per line; "" for none */
	int retry_after;          /* > 0: Retry-After header */
	struct tas_watch *watch;  /* a stream to serve instead of body */
};

/* The value of query parameter k (first occurrence) or NULL. */
const char *tas_query_get(const struct tas_req *r, const char *k);

/* Sets code and body (stolen) on resp. */
void tas_resp_set(struct tas_resp *resp, int code, json_t *body);

#endif

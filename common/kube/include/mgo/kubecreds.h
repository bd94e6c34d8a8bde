/* Credentials for the Kubernetes client: where the API server is, how to
 * trust it, and how to authenticate, all held in memory.
 *
 * Nothing here is ever written to disk: the HTTP client hands the PEM blobs
 * to libcurl (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB)
 * and sends the token as a bearer header. Three sources:
 *   - a kubeconfig (kubectl's format, merged across $KUBECONFIG like kubectl),
 *   - the pod's service account (in-cluster),
 *   - a token file plus CA file (the operator config's per-role credentials).
 * Every loader fills *out only on success (it is overwritten, not freed, on
 * entry and left zeroed on failure); the caller then owns it and releases it
 * with mgo_kube_creds_free(). Errors return a negative errno value and a
 * message naming the file and the key that failed, e.g.
 *   kubeconfig /x/config:9:5: users[0].user.client-key: file /x/key.pem: No such file or directory
 *
 * What is refused rather than ignored, because ignoring it would connect or
 * authenticate differently from what the file says: username/password,
 * exec and auth-provider plugins, impersonation (as, as-uid, as-groups,
 * as-user-extra), proxy-url, a value given both inline and as a file (or
 * token and tokenFile together), a CA together with insecure-skip-tls-verify,
 * and unknown keys in the entries used. */
#ifndef MGO_KUBECREDS_H
#define MGO_KUBECREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MGO_KUBE_FILE_MAX (1u << 20)   /* kubeconfig, CA bundle, certificate, key */
#define MGO_KUBE_TOKEN_MAX (64u << 10) /* bearer token */
#define MGO_KUBE_PATHS_MAX 32          /* files named in $KUBECONFIG */
#define MGO_KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct mgo_kube_creds {
	char *server;                 /* "https://host:port" (or http://), no trailing '/';
					 IPv6 host bracketed */
	char *ca_pem;                 /* PEM bundle; NULL: system trust store */
	size_t ca_len;
	bool insecure;                /* insecure-skip-tls-verify (never with ca_pem) */
	char *tls_server_name;        /* name to verify instead of the host; may be NULL */
	char *token;                  /* bearer token, visible ASCII only; NULL if none */
	char *token_file;             /* set when the token must be re-read (absolute path) */
	struct timespec token_read;   /* CLOCK_MONOTONIC of the last good read of token_file */
	char *cert_pem;               /* client certificate (PEM), with key_pem or neither */
	size_t cert_len;
	char *key_pem;                /* client key (PEM) */
	size_t key_len;
	char *namespace;              /* context / service account namespace; may be NULL */
	/* NULL-ended "host:port:addresses" entries the client gives libcurl
	 * (CURLOPT_RESOLVE), so it resolves no name itself; may be NULL. Set
	 * before the sandbox (mgo_kube_pin_names); freed here. */
	char **resolve;
};

/* path NULL: the files of $KUBECONFIG (colon-separated; missing ones are
 * skipped, the first to define a name wins, current-context comes from the
 * first file that sets it), else ~/.kube/config. A path given explicitly must
 * exist. context NULL: current-context. Relative file references resolve
 * against the directory of the kubeconfig that holds them. */
int mgo_kube_creds_from_kubeconfig(const char *path, const char *context,
				   struct mgo_kube_creds *out, char *err, size_t errlen);

/* The same for a document in memory. basedir resolves relative file
 * references; NULL refuses them. */
int mgo_kube_creds_from_kubeconfig_mem(const char *yaml, size_t len, const char *basedir,
				       const char *context, struct mgo_kube_creds *out,
				       char *err, size_t errlen);

/* The pod's own service account: server from KUBERNETES_SERVICE_HOST and
 * KUBERNETES_SERVICE_PORT (an IPv6 host gets brackets), sa_dir/token (re-read
 * later: token_file is set), sa_dir/ca.crt (required) and sa_dir/namespace
 * (optional). sa_dir NULL: MGO_KUBE_SA_DIR. */
int mgo_kube_creds_in_cluster(const char *sa_dir, struct mgo_kube_creds *out,
			      char *err, size_t errlen);

/* A projected token file and its CA, as the operator config names them per
 * role. server NULL: from KUBERNETES_SERVICE_HOST/PORT as in-cluster; ca_file
 * NULL: system trust store. Paths must be absolute. */
int mgo_kube_creds_from_token_file(const char *server, const char *token_file,
				   const char *ca_file, struct mgo_kube_creds *out,
				   char *err, size_t errlen);

/* Re-reads c->token_file (no-op with *changed false when it is NULL). On
 * success *changed tells whether the token differs and token_read is
 * updated; on failure the old token stays in place, so a rotation caught
 * half-way does not drop a working credential. */
int mgo_kube_creds_reload_token(struct mgo_kube_creds *c, bool *changed,
				char *err, size_t errlen);

/* Wipes the token and key before freeing everything; leaves *c zeroed.
 * Accepts a zeroed struct. */
void mgo_kube_creds_free(struct mgo_kube_creds *c);



#endif

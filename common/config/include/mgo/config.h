/* The operator's configuration: one strict YAML file read by every process.
 *
 * Strict means an unknown key, a wrong type, an out-of-range value or a
 * missing required key is an error naming the file, line:column and key path
 * ("config /etc/mgo/config.yaml:7:5: roles.watcher.tokenFle: unknown key"):
 * a typo must stop the operator at start, not quietly change what it does.
 * Anchors are harmless but aliases and explicit tags are refused (see
 * mgo/yamldoc.h). deploy/config/mgo.yaml is a complete example.
 *
 * Keys:
 *   namespace        required. The operator's own namespace (RFC 1123 label):
 *                    its Lease, its Events' fallback, the credentials'
 *                    default namespace.
 *   defaultImage     required. The must-gather image used when a MustGather
 *                    names none. Checked here only for stray bytes; the image
 *                    grammar is the validator's.
 *   operatorImage    required. The image of the Job's upload step (our own
 *                    upload program).
 *   proxy            optional mapping: the cluster-wide proxy a MustGather's
 *                    upload uses when its spec.proxyConfig is empty.
 *     httpProxy, httpsProxy, noProxy   strings; "" or absent means unset.
 *   resyncSeconds    optional integer 10..86400, default 300: the longest pause
 *                    between the watcher's re-sends of an unfinished
 *                    MustGather whose state has not moved (re-sends start
 *                    after 1 s and double up to this).
 *   socketDir        optional absolute path, default /run/mgo: where the
 *                    supervisor creates its private 0700 IPC directory. At
 *                    most MGO_CFG_SOCKET_DIR_MAX bytes, so that socket paths
 *                    inside it fit sun_path.
 *   operatorServiceAccounts
 *                    optional list of service account names (RFC 1123
 *                    subdomains, at most MGO_CFG_SA_MAX, no duplicates) that a
 *                    MustGather may not run as: the operator's own. Default
 *                    [mgo-watcher, mgo-launcher]; [] refuses none.
 *   sftpKnownHosts   optional string: OpenSSH known_hosts lines for the SFTP
 *                    servers uploads go to (sftp.access.redhat.com's keys).
 *                    The upload step refuses a server whose key is not
 *                    listed, so uploads fail until this is set.
 *   trustedCAConfigMap
 *                    optional ConfigMap name: in each MustGather's namespace,
 *                    the ConfigMap whose key ca-bundle.crt holds the CA
 *                    bundle an HTTPS proxy's certificate is verified against
 *                    (on OpenShift, one labelled
 *                    config.openshift.io/inject-trusted-cabundle=true). The
 *                    upload step mounts it; unset: the system trust store.
 *   roles            required mapping with exactly the keys watcher and
 *                    launcher: the API credentials of each process that talks
 *                    to the API server. Each is one of
 *     {tokenFile, caFile, server}  a projected service account token (re-read
 *                    while running) and its CA bundle; tokenFile required,
 *                    caFile optional (absent: system trust store), server
 *                    optional (absent: https://KUBERNETES_SERVICE_HOST:PORT).
 *     {kubeconfig, context}        a kubeconfig file; context optional
 *                    (absent: its current-context).
 *                    Paths must be absolute. Either form may add
 *     qps, burst     the client-side rate limit of that process's API
 *                    requests: qps 1..1000 (default 500) a second, bursts
 *                    of 1..2000 (default 1000). A launch costs the
 *                    launcher about 4 requests and a finish 5: the default
 *                    keeps up with 50 MustGathers a second
 *                    (bench/REPORT.md); the API server's Priority and
 *                    Fairness protects it, and its 429s with Retry-After
 *                    pause the client.
 *   supervisor       optional mapping: how mgo-supervisor runs the three
 *                    processes (all in milliseconds but crashLoopLimit). The
 *                    children read it too: they heartbeat at its interval.
 *     gracePeriodMs        100..600000, default 20000: from SIGTERM to
 *                    SIGKILL of whatever still runs; keep it below the pod's
 *                    terminationGracePeriodSeconds.
 *     heartbeatIntervalMs  50..60000, default 1000: how often a child says
 *                    it is alive on its notification fd.
 *     heartbeatTimeoutMs   at least twice the interval, at most 600000,
 *                    default 10000: silence after which a child is hung.
 *     readyTimeoutMs       100..3600000, default 120000: from spawn to
 *                    readiness (the watcher lists everything first).
 *     restartDelayMs       10..600000, default 500: the first restart's
 *                    delay; each failure in a row doubles it (with jitter)...
 *     restartDelayMaxMs    ...up to this, at least restartDelayMs, at most
 *                    3600000, default 30000.
 *     healthyAfterMs       100..86400000, default 60000: ready this long and
 *                    a child's failures are forgiven (the delay starts over).
 *     crashLoopLimit       1..1000, default 5: restarts in a row without a
 *                    healthy period after which the supervisor gives up.
 *   health           optional mapping: where mgo-health serves /healthz,
 *                    /readyz and /metrics.
 *     address        an IPv4 or IPv6 literal (no name: the process that
 *                    listens has no resolver), default 0.0.0.0.
 *     port           0..65535, default 8080; 0 takes any free port, which
 *                    mgo-health logs (health.listening) once bound.
 *   gathers          optional mapping: how many gathers the launcher runs
 *                    and how many acts it holds (docs/install.md, "Fair
 *                    service").
 *     maxRunningPerNamespace  1..100000, default 10: gathers (Jobs not yet
 *                    Complete or Failed) running at once in one namespace;
 *                    a launch past it waits, its MustGather saying so
 *                    (condition Queued, reason NamespaceLimit).
 *     maxPendingActs 64..1000000, default 10000: acts the launcher holds at
 *                    once (queued, running, or waiting for their
 *                    namespace); past it an act is refused, logged
 *                    (launcher.acts_full) and counted, and the watcher
 *                    sends it again later.
 *   tokens           optional mapping: the roles' tokens are minted, not
 *                    mounted. mgo-supervisor then runs mgo-tokens first,
 *                    which asks the TokenRequest API for each role's token
 *                    and writes it to that role's tokenFile (required then,
 *                    each in a directory of its own), renewing it at 80% of
 *                    its lifetime (docs/install.md, "Tokens").
 *     tokenFile      required: the pod's own projected ServiceAccount token,
 *                    which may create serviceaccounts/token for the two
 *                    accounts below and nothing else.
 *     caFile, server as for a role.
 *     expirationSeconds  600..86400, default 600: the lifetime asked for
 *                    (kube's minimum is 600; the API server may give less).
 *     audiences      optional list of strings: the tokens' audiences
 *                    (absent: the API server's own).
 *     serviceAccounts  optional mapping {watcher, launcher}: the accounts
 *                    minted for, default mgo-watcher and mgo-launcher, in
 *                    the configuration's namespace.
 */
#ifndef MGO_CONFIG_H
#define MGO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "mgo/role.h"

#define MGO_CFG_FILE_MAX (256u << 10)
#define MGO_CFG_SA_MAX 64
#define MGO_CFG_SOCKET_DIR_MAX 80 /* sun_path is 108 bytes; leaves room for names */
#define MGO_CFG_DEFAULT_SOCKET_DIR "/run/mgo"
#define MGO_CFG_DEFAULT_RESYNC 300
#define MGO_CFG_KNOWN_HOSTS_MAX (64u << 10)

/* The supervisor's timings; see the `supervisor` key above. */
struct mgo_cfg_supervisor {
	unsigned grace_ms;
	unsigned heartbeat_ms;
	unsigned heartbeat_timeout_ms;
	unsigned ready_timeout_ms;
	unsigned restart_delay_ms;
	unsigned restart_delay_max_ms;
	unsigned healthy_after_ms;
	unsigned crash_loop_limit;
};

/* The API client's rate limit per process (mgo/kube.h's defaults). */
#define MGO_CFG_QPS 500
#define MGO_CFG_BURST 1000

#define MGO_CFG_HEALTH_ADDRESS "0.0.0.0"
#define MGO_CFG_HEALTH_PORT 8080

/* Where mgo-health listens; see the `health` key above. */
struct mgo_cfg_health {
	char *address;            /* an IP literal, checked with inet_pton */
	unsigned port;
};

#define MGO_CFG_MAX_RUNNING_PER_NS 10
#define MGO_CFG_MAX_PENDING_ACTS 10000
/* Not a setting: the acts the launcher carries out at once. Each has one
 * request in flight at most, so this keeps the client's own FIFO short
 * (within its cap on requests in flight, mgo/kube.h) and the order acts are
 * served in is the fair queue's, not the client's; the rest wait in that
 * queue, gathers.maxPendingActs of them at most. */
#define MGO_LAUNCHER_MAX_ACTIVE 32

/* The launcher's fairness; see the `gathers` key above. */
struct mgo_cfg_gathers {
	unsigned max_running_per_ns;
	unsigned max_pending_acts;
};

/* One role's credentials: token_file set, or kubeconfig set, never both. */
struct mgo_cfg_role {
	char *token_file;
	char *ca_file;            /* NULL: system trust store */
	char *server;             /* NULL: from KUBERNETES_SERVICE_HOST/PORT */
	char *kubeconfig;
	char *context;            /* NULL: the kubeconfig's current-context */
	unsigned qps, burst;      /* API requests a second, and a burst */
};

#define MGO_CFG_TOKEN_SECONDS 600
#define MGO_CFG_TOKEN_SECONDS_MIN 600
#define MGO_CFG_TOKEN_SECONDS_MAX 86400
#define MGO_CFG_AUDIENCES_MAX 16

/* mgo-tokens; see the `tokens` key above. */
struct mgo_cfg_tokens {
	bool enabled;             /* the key is present */
	struct mgo_cfg_role creds;/* the pod's own token: tokenFile, caFile, server */
	unsigned expiration_s;
	char **audiences;         /* n_audiences; none: the API server's */
	size_t n_audiences;
	char *watcher_sa, *launcher_sa;
};

/* Every string is owned by the struct; NULL means unset. */
struct mgo_config {
	char *namespace;
	char *default_image;
	char *operator_image;
	char *http_proxy;
	char *https_proxy;
	char *no_proxy;
	unsigned resync_seconds;
	char *socket_dir;
	char *sftp_known_hosts;
	char *trusted_ca_configmap;
	char **operator_sas;
	size_t n_operator_sas;
	struct mgo_cfg_role watcher;
	struct mgo_cfg_role launcher;
	struct mgo_cfg_supervisor supervisor;
	struct mgo_cfg_health health;
	struct mgo_cfg_gathers gathers;
	struct mgo_cfg_tokens tokens;
};

/* Reads and validates the file at path (at most MGO_CFG_FILE_MAX bytes).
 * *out is overwritten; on success the caller owns it (mgo_cfg_free), on
 * failure it is left zeroed and err holds the reason. */
int mgo_cfg_load(const char *path, struct mgo_config *out, char *err, size_t errlen);

/* The same for a document in memory; name stands for the file in messages. */
int mgo_cfg_load_mem(const char *yaml, size_t len, const char *name, struct mgo_config *out,
		     char *err, size_t errlen);

/* Frees every member and leaves *c zeroed; accepts a zeroed struct. */
void mgo_cfg_free(struct mgo_config *c);

/* The API access settings of a role that has them (watcher, launcher, and
 * tokens when the `tokens` key is present), or NULL. */
const struct mgo_cfg_role *mgo_cfg_role_of(const struct mgo_config *c, enum mgo_role role);

#endif

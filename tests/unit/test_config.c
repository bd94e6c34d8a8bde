/* The operator config: the shipped example, defaults, every refusal, and
 * turning a role into credentials. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgo/config.h"
#include "mgo/kube_access.h"
#include "testenv.h"

static char err[1024];

TestSuite(config, .init = mgo_test_tmp_init, .fini = mgo_test_tmp_fini);

#define HEAD                                                                 \
	"namespace: mgo\n"                                                   \
	"defaultImage: quay.io/openshift/origin-must-gather:latest\n"        \
	"operatorImage: quay.io/openshift/must-gather-operator:latest\n"
#define ROLES                                                                \
	"roles:\n"                                                           \
	"  watcher: {tokenFile: /w/token}\n"                                 \
	"  launcher: {kubeconfig: /l/kubeconfig}\n"

static int load(const char *yaml, struct mgo_config *c)
{
	return mgo_cfg_load_mem(yaml, strlen(yaml), "test.yaml", c, err, sizeof(err));
}

Test(config, shipped_example)
{
	struct mgo_config c;
	char *path = NULL;

	cr_assert(asprintf(&path, "%s/deploy/config/mgo.yaml", MGO_SOURCE_DIR) > 0);
	cr_assert_eq(mgo_cfg_load(path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.namespace, "must-gather-operator");
	cr_assert_str_eq(c.default_image, "quay.io/openshift/origin-must-gather:latest");
	cr_assert_str_eq(c.operator_image, "quay.io/openshift/must-gather-operator:latest");
	cr_assert_null(c.http_proxy, "\"\" means unset");
	cr_assert_null(c.no_proxy);
	cr_assert_eq(c.resync_seconds, 300);
	cr_assert_str_eq(c.socket_dir, "/run/mgo/ipc");
	cr_assert_eq(c.n_operator_sas, 2);
	cr_assert_str_eq(c.operator_sas[0], "mgo-watcher");
	cr_assert_str_eq(c.operator_sas[1], "mgo-launcher");
	cr_assert_str_eq(c.watcher.token_file, "/var/run/secrets/mgo/roles/watcher/token");
	cr_assert_str_eq(c.watcher.ca_file, "/var/run/secrets/mgo/ca/ca.crt");
	cr_assert(c.tokens.enabled, "the shipped roles' tokens are minted");
	cr_assert_str_eq(c.tokens.creds.token_file, "/var/run/secrets/mgo/pod/token");
	cr_assert_eq(c.tokens.expiration_s, 600);
	cr_assert_str_eq(c.tokens.watcher_sa, "mgo-watcher");
	cr_assert_str_eq(c.tokens.launcher_sa, "mgo-launcher");
	cr_assert_str_eq(c.watcher.server, "https://kubernetes.default.svc");
	cr_assert_null(c.launcher.server);
	cr_assert_null(c.launcher.kubeconfig);
	cr_assert_eq(c.supervisor.grace_ms, 20000);
	cr_assert_eq(c.supervisor.crash_loop_limit, 5);
	cr_assert_str_eq(c.health.address, "0.0.0.0");
	cr_assert_eq(c.health.port, 8080, "the port the Deployment's probes use");
	cr_assert_eq(c.watcher.qps, 500);
	cr_assert_eq(c.watcher.burst, 1000);
	cr_assert_eq(c.launcher.qps, 500);
	cr_assert_eq(c.launcher.burst, 1000);
	cr_assert_eq(c.gathers.max_running_per_ns, 10);
	cr_assert_eq(c.gathers.max_pending_acts, 10000);
	mgo_cfg_free(&c);
	cr_assert_null(c.namespace, "free leaves the struct zeroed");
	free(path);
}

Test(config, defaults_and_values)
{
	struct mgo_config c;

	cr_assert_eq(load(HEAD ROLES, &c), 0, "%s", err);
	cr_assert_eq(c.resync_seconds, MGO_CFG_DEFAULT_RESYNC);
	cr_assert_str_eq(c.socket_dir, MGO_CFG_DEFAULT_SOCKET_DIR);
	cr_assert_eq(c.n_operator_sas, 2);
	cr_assert_str_eq(c.operator_sas[1], "mgo-launcher");
	cr_assert_null(c.https_proxy);
	cr_assert_str_eq(c.launcher.kubeconfig, "/l/kubeconfig");
	cr_assert_null(c.launcher.context);
	mgo_cfg_free(&c);

	cr_assert_eq(load(HEAD ROLES
	                  "proxy: {httpProxy: 'http://proxy:3128', httpsProxy: 'http://proxy:3128',"
	                  " noProxy: '.cluster.local, .svc'}\n"
	                  "resyncSeconds: 10\nsocketDir: /run/x\noperatorServiceAccounts: []\n", &c),
	             0, "%s", err);
	cr_assert_str_eq(c.http_proxy, "http://proxy:3128");
	cr_assert_str_eq(c.no_proxy, ".cluster.local, .svc");
	cr_assert_eq(c.resync_seconds, 10);
	cr_assert_str_eq(c.socket_dir, "/run/x");
	cr_assert_eq(c.n_operator_sas, 0, "[] refuses none");
	mgo_cfg_free(&c);
}

Test(config, health_defaults_and_values)
{
	static const struct { const char *yaml, *address; unsigned port; } rows[] = {
		{ "", "0.0.0.0", 8080 },
		{ "health: {}\n", "0.0.0.0", 8080 },
		{ "health: {port: 0}\n", "0.0.0.0", 0 },
		{ "health: {address: 127.0.0.1, port: 9090}\n", "127.0.0.1", 9090 },
		{ "health: {address: \"::\", port: 65535}\n", "::", 65535 },
		{ "health: {address: \"fe80::1\"}\n", "fe80::1", 8080 },
	};
	struct mgo_config c;
	char yaml[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", HEAD ROLES, rows[i].yaml);
		cr_assert_eq(load(yaml, &c), 0, "row %zu: %s", i, err);
		cr_assert_str_eq(c.health.address, rows[i].address, "row %zu", i);
		cr_assert_eq(c.health.port, rows[i].port, "row %zu", i);
		mgo_cfg_free(&c);
	}
}

Test(config, gathers_defaults_and_values)
{
	static const struct { const char *yaml; unsigned per_ns, pending; } rows[] = {
		{ "", MGO_CFG_MAX_RUNNING_PER_NS, MGO_CFG_MAX_PENDING_ACTS },
		{ "gathers: {}\n", 10, 10000 },
		{ "gathers: {maxRunningPerNamespace: 1}\n", 1, 10000 },
		{ "gathers: {maxRunningPerNamespace: 3, maxPendingActs: 64}\n", 3, 64 },
	};
	static const struct { const char *yaml, *err; } bad[] = {
		{ "gathers: {maxRunningPerNamespace: 0}\n", "gathers.maxRunningPerNamespace: must be an integer from 1" },
		{ "gathers: {maxPendingActs: 63}\n", "gathers.maxPendingActs: must be an integer from 64" },
		{ "gathers: {maxRunning: 3}\n", "gathers.maxRunning: unknown key" },
	};
	struct mgo_config c;
	char yaml[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", HEAD ROLES, rows[i].yaml);
		cr_assert_eq(load(yaml, &c), 0, "row %zu: %s", i, err);
		cr_assert_eq(c.gathers.max_running_per_ns, rows[i].per_ns, "row %zu", i);
		cr_assert_eq(c.gathers.max_pending_acts, rows[i].pending, "row %zu", i);
		mgo_cfg_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", HEAD ROLES, bad[i].yaml);
		cr_assert_neq(load(yaml, &c), 0, "row %zu", i);
		cr_assert(strstr(err, bad[i].err), "row %zu: %s", i, err);
	}
}

Test(config, supervisor_defaults_and_values)
{
	struct mgo_config c;
	const struct mgo_cfg_supervisor *sv = &c.supervisor;

	cr_assert_eq(load(HEAD ROLES, &c), 0, "%s", err);
	cr_assert_eq(sv->grace_ms, 20000);
	cr_assert_eq(sv->heartbeat_ms, 1000);
	cr_assert_eq(sv->heartbeat_timeout_ms, 10000);
	cr_assert_eq(sv->ready_timeout_ms, 120000);
	cr_assert_eq(sv->restart_delay_ms, 500);
	cr_assert_eq(sv->restart_delay_max_ms, 30000);
	cr_assert_eq(sv->healthy_after_ms, 60000);
	cr_assert_eq(sv->crash_loop_limit, 5);
	mgo_cfg_free(&c);

	cr_assert_eq(load(HEAD ROLES "supervisor:\n  gracePeriodMs: 3000\n  heartbeatIntervalMs: 100\n"
	                  "  heartbeatTimeoutMs: 200\n  readyTimeoutMs: 5000\n  restartDelayMs: 50\n"
	                  "  restartDelayMaxMs: 50\n  healthyAfterMs: 1000\n  crashLoopLimit: 2\n", &c),
	             0, "%s", err);
	cr_assert_eq(sv->grace_ms, 3000);
	cr_assert_eq(sv->heartbeat_ms, 100);
	cr_assert_eq(sv->heartbeat_timeout_ms, 200);
	cr_assert_eq(sv->ready_timeout_ms, 5000);
	cr_assert_eq(sv->restart_delay_ms, 50);
	cr_assert_eq(sv->restart_delay_max_ms, 50);
	cr_assert_eq(sv->healthy_after_ms, 1000);
	cr_assert_eq(sv->crash_loop_limit, 2);
	mgo_cfg_free(&c);
}

Test(config, unknown_key_has_line_and_column)
{
	struct mgo_config c;

	cr_assert_eq(load(HEAD "roles:\n  watcher:\n    tokenFle: /w/token\n"
	                       "  launcher: {kubeconfig: /l}\n", &c), -EINVAL);
	cr_assert_str_eq(err, "config test.yaml:6:5: roles.watcher.tokenFle: unknown key");
	cr_assert_null(c.namespace, "out is zeroed on failure");
	cr_assert_eq(load(HEAD ROLES "resync: 30\n", &c), -EINVAL);
	cr_assert_str_eq(err, "config test.yaml:7:1: resync: unknown key");
}

#define MINTED                                                               \
	"roles:\n"                                                           \
	"  watcher: {tokenFile: /r/w/token}\n"                               \
	"  launcher: {tokenFile: /r/l/token}\n"

Test(config, tokens_defaults_and_values)
{
	struct mgo_config c;

	cr_assert_eq(load(HEAD ROLES, &c), 0, "%s", err);
	cr_assert_not(c.tokens.enabled, "no tokens key: nothing minted");
	mgo_cfg_free(&c);
	cr_assert_eq(load(HEAD MINTED "tokens: {tokenFile: /pod/token}\n", &c), 0, "%s", err);
	cr_assert(c.tokens.enabled);
	cr_assert_eq(c.tokens.expiration_s, 600, "kube's minimum by default");
	cr_assert_eq(c.tokens.n_audiences, 0);
	cr_assert_str_eq(c.tokens.watcher_sa, "mgo-watcher");
	cr_assert_str_eq(c.tokens.launcher_sa, "mgo-launcher");
	cr_assert_null(c.tokens.creds.server);
	mgo_cfg_free(&c);
	cr_assert_eq(load(HEAD MINTED "tokens: {tokenFile: /pod/token, caFile: /ca.crt, server: "
			  "\"https://h:6443/\", expirationSeconds: 3600, audiences: [a, b], "
			  "serviceAccounts: {watcher: w, launcher: l}}\n", &c), 0, "%s", err);
	cr_assert_eq(c.tokens.expiration_s, 3600);
	cr_assert_eq(c.tokens.n_audiences, 2);
	cr_assert_str_eq(c.tokens.audiences[1], "b");
	cr_assert_str_eq(c.tokens.watcher_sa, "w");
	cr_assert_str_eq(c.tokens.launcher_sa, "l");
	cr_assert_str_eq(c.tokens.creds.server, "https://h:6443");
	cr_assert_str_eq(c.tokens.creds.ca_file, "/ca.crt");
	mgo_cfg_free(&c);
}

Test(config, tokens_refusals)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
		{ HEAD MINTED "tokens: {}\n", "tokens.tokenFile: required" },
		{ HEAD MINTED "tokens: {tokenFile: pod/token}\n", "tokens.tokenFile: must be an absolute path" },
		{ HEAD MINTED "tokens: {tokenFile: /p/t, expirationSeconds: 599}\n",
		  "tokens.expirationSeconds: must be an integer from 600 to 86400" },
		{ HEAD MINTED "tokens: {tokenFile: /p/t, expirationSeconds: 86401}\n",
		  "tokens.expirationSeconds: must be an integer from 600 to 86400" },
		{ HEAD MINTED "tokens: {tokenFile: /p/t, audiences: [\"\"]}\n",
		  "tokens.audiences[0]: must be a non-empty string" },
		{ HEAD MINTED "tokens: {tokenFile: /p/t, serviceAccounts: {watcher: W}}\n",
		  "tokens.serviceAccounts.watcher: not a service account name" },
		{ HEAD MINTED "tokens: {tokenFile: /p/t, serviceAccounts: {validator: v}}\n",
		  "tokens.serviceAccounts.validator: unknown key" },
		{ HEAD MINTED "tokens: {tokenFile: /p/t, kubeconfig: /k}\n", "tokens.kubeconfig: unknown key" },
		{ HEAD ROLES "tokens: {tokenFile: /p/t}\n",
		  "roles.launcher.tokenFile: required with tokens" },
		{ HEAD MINTED "tokens: {tokenFile: /r/w/pod}\n",
		  "roles.watcher.tokenFile: must not be in the directory of tokens.tokenFile" },
		{ HEAD "roles: {watcher: {tokenFile: /r/token}, launcher: {tokenFile: /r/l}}\n"
		  "tokens: {tokenFile: /p/t}\n",
		  "roles.launcher.tokenFile: must not be in the directory of the watcher's" },
	};
	struct mgo_config c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_neq(load(cases[i].yaml, &c), 0, "case %zu loaded", i);
		cr_expect(strstr(err, cases[i].msg), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].msg);
	}
}

Test(config, refusals)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
		{ "", "config test.yaml: namespace: required" },
		{ "- a\n", "config test.yaml:1:1: must be a mapping, not a sequence" },
		{ "defaultImage: x\noperatorImage: y\n" ROLES, "namespace: required" },
		{ "namespace: My_NS\ndefaultImage: x\noperatorImage: y\n" ROLES,
		  ":1:12: namespace: not a namespace name" },
		{ "namespace: [a]\n", "namespace: must be a scalar, not a sequence" },
		{ "namespace: mgo\noperatorImage: y\n" ROLES, "defaultImage: required" },
		{ "namespace: mgo\ndefaultImage: x\n" ROLES, "operatorImage: required" },
		{ "namespace: mgo\ndefaultImage: 'a b'\noperatorImage: y\n" ROLES,
		  "defaultImage: must not contain spaces" },
		{ HEAD ROLES "resyncSeconds: 9\n", "resyncSeconds: must be an integer from 10 to 86400" },
		{ HEAD ROLES "resyncSeconds: 86401\n", "resyncSeconds: must be an integer" },
		{ HEAD ROLES "resyncSeconds: '300'\n", "resyncSeconds: must be an integer" },
		{ HEAD ROLES "resyncSeconds: 0300\n", "resyncSeconds: must be an integer" },
		{ HEAD ROLES "resyncSeconds: 3e2\n", "resyncSeconds: must be an integer" },
		{ HEAD ROLES "resyncSeconds: 99999999999999999999\n", "resyncSeconds: must be an integer" },
		{ HEAD ROLES "socketDir: run/mgo\n", "socketDir: must be an absolute path" },
		{ HEAD ROLES "socketDir: /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		  "socketDir: longer than 80 bytes" },
		{ HEAD ROLES "operatorServiceAccounts: mgo\n",
		  "operatorServiceAccounts: must be a sequence, not a scalar" },
		{ HEAD ROLES "operatorServiceAccounts: [a, B]\n",
		  ":7:30: operatorServiceAccounts[1]: not a service account name" },
		{ HEAD ROLES "operatorServiceAccounts: [a, b, a]\n",
		  ":7:33: operatorServiceAccounts: duplicate name \"a\"" },
		{ HEAD ROLES "operatorServiceAccounts: [a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,"
		  " a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,"
		  " a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a]\n",
		  "operatorServiceAccounts: more than 64 entries" },
		{ HEAD ROLES "proxy: {httpProxy: \"http://p\\n:1\"}\n",
		  "proxy.httpProxy: must not contain control bytes" },
		{ HEAD ROLES "proxy: {ftpProxy: x}\n", "proxy.ftpProxy: unknown key" },
		{ HEAD, "config test.yaml: roles: required" },
		{ HEAD "roles: {watcher: {tokenFile: /t}}\n", "config test.yaml: roles.launcher: required" },
		{ HEAD "roles: {watcher: {tokenFile: /t}, launcher: {tokenFile: /t}, validator: {}}\n",
		  "roles.validator: unknown key" },
		{ HEAD "roles: {watcher: {}, launcher: {tokenFile: /t}}\n",
		  ":4:18: roles.watcher: needs exactly one of tokenFile or kubeconfig" },
		{ HEAD "roles: {watcher: {tokenFile: /t, kubeconfig: /k}, launcher: {tokenFile: /t}}\n",
		  "roles.watcher: needs exactly one of tokenFile or kubeconfig" },
		{ HEAD "roles: {watcher: {kubeconfig: /k, caFile: /c}, launcher: {tokenFile: /t}}\n",
		  "roles.watcher.caFile: goes with tokenFile, not kubeconfig" },
		{ HEAD "roles: {watcher: {kubeconfig: /k, server: 'https://h'}, launcher: {tokenFile: /t}}\n",
		  "roles.watcher.server: goes with tokenFile, not kubeconfig" },
		{ HEAD "roles: {watcher: {tokenFile: /t, context: c}, launcher: {tokenFile: /t}}\n",
		  "roles.watcher.context: goes with kubeconfig, not tokenFile" },
		{ HEAD "roles: {watcher: {tokenFile: t}, launcher: {tokenFile: /t}}\n",
		  "roles.watcher.tokenFile: must be an absolute path" },
		{ HEAD "roles: {watcher: {tokenFile: /t}, launcher: {tokenFile: /t, server: 'http://a@b'}}\n",
		  "roles.launcher.server: must not contain" },
		{ HEAD "roles: {watcher: {tokenFile: /t}, launcher: [x]}\n",
		  "roles.launcher: must be a mapping, not a sequence" },
		{ HEAD "x: &a 1\ny: *a\n", "config test.yaml:5:4: aliases are not supported" },
		{ HEAD ROLES "supervisor: 5\n", "supervisor: must be a mapping, not a scalar" },
		{ HEAD ROLES "supervisor: {graceMs: 5}\n", "supervisor.graceMs: unknown key" },
		{ HEAD ROLES "supervisor: {gracePeriodMs: 99}\n",
		  "supervisor.gracePeriodMs: must be an integer from 100 to 600000" },
		{ HEAD ROLES "supervisor: {crashLoopLimit: 0}\n", "supervisor.crashLoopLimit: must be" },
		{ HEAD ROLES "supervisor: {heartbeatIntervalMs: 49}\n",
		  "supervisor.heartbeatIntervalMs: must be an integer from 50" },
		{ HEAD ROLES "supervisor: {heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 1999}\n",
		  ":7:61: supervisor.heartbeatTimeoutMs: must be at least twice heartbeatIntervalMs (1000)" },
		{ HEAD ROLES "supervisor: {heartbeatIntervalMs: 6000}\n",
		  "config test.yaml: supervisor.heartbeatTimeoutMs: must be at least twice" },
		{ HEAD ROLES "supervisor: {restartDelayMs: 2000, restartDelayMaxMs: 1000}\n",
		  "supervisor.restartDelayMaxMs: must be at least restartDelayMs (2000)" },
		{ HEAD ROLES "health: 8080\n", "health: must be a mapping, not a scalar" },
		{ HEAD ROLES "health: {prot: 8080}\n", "health.prot: unknown key" },
		{ HEAD ROLES "health: {port: 65536}\n", "health.port: must be an integer from 0 to 65535" },
		{ HEAD ROLES "health: {port: -1}\n", "health.port: must be an integer from 0" },
		{ HEAD ROLES "health: {address: localhost}\n",
		  "health.address: must be an IPv4 or IPv6 address literal" },
		{ HEAD ROLES "health: {address: \"10.0.0.1 \"}\n", "health.address: must be an IPv4" },
		{ HEAD ROLES "health: {address: [1]}\n", "health.address:" },
		{ HEAD "roles:\n  watcher: {tokenFile: /w/token, qps: 0}\n"
		       "  launcher: {tokenFile: /l/token}\n",
		  "roles.watcher.qps: must be an integer from 1 to 1000" },
		{ HEAD "roles:\n  watcher: {tokenFile: /w/token}\n"
		       "  launcher: {kubeconfig: /l/kc, burst: 2001}\n",
		  "roles.launcher.burst: must be an integer from 1 to 2000" },
	};
	struct mgo_config c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_neq(load(cases[i].yaml, &c), 0, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].msg), "case %zu: %s", i, err);
		cr_assert_null(c.namespace);
	}
}

Test(config, files)
{
	struct mgo_config c;
	char *path = mgo_test_write(mgo_test_dir, "mgo.yaml", HEAD ROLES "bogus: 1\n"), *want = NULL;

	cr_assert_eq(mgo_cfg_load(path, &c, err, sizeof(err)), -EINVAL);
	cr_assert(asprintf(&want, "config %s:7:1: bogus: unknown key", path) > 0);
	cr_assert_str_eq(err, want);
	free(want);
	cr_assert_eq(mgo_cfg_load(mgo_test_dir, &c, err, sizeof(err)), -EINVAL);
	cr_assert(asprintf(&want, "config %s: not a regular file", mgo_test_dir) > 0);
	cr_assert_str_eq(err, want);
	free(want);
	free(path);
	cr_assert_eq(mgo_cfg_load("/nonexistent/mgo.yaml", &c, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "config /nonexistent/mgo.yaml: No such file or directory");
}

static const char CA[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

Test(config, role_creds)
{
	struct mgo_config c;
	struct mgo_kube_creds k;
	char *tok = mgo_test_write(mgo_test_dir, "token", "watcher-token\n");
	char *ca = mgo_test_write(mgo_test_dir, "ca.crt", CA);
	char *kc = mgo_test_write(mgo_test_dir, "kubeconfig",
	                          "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
	                          "users: [{name: u, user: {token: launcher-token}}]\n"
	                          "contexts: [{name: a, context: {cluster: c, user: u}},"
	                          " {name: b, context: {cluster: c, user: u, namespace: elsewhere}}]\n"
	                          "current-context: a\n");
	char *yaml = NULL;

	cr_assert(asprintf(&yaml, HEAD "roles:\n  watcher: {tokenFile: %s, caFile: %s}\n"
	                          "  launcher: {kubeconfig: %s}\n", tok, ca, kc) > 0);
	cr_assert_eq(load(yaml, &c), 0, "%s", err);

	cr_assert_eq(setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1), 0);
	cr_assert_eq(setenv("KUBERNETES_SERVICE_PORT", "443", 1), 0);
	cr_assert_eq(mgo_kube_creds_for_role(&c, MGO_ROLE_WATCHER, &k, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(k.server, "https://[fd00::1]:443");
	cr_assert_str_eq(k.token, "watcher-token");
	cr_assert_str_eq(k.token_file, tok, "a role's token is re-read");
	cr_assert_eq(k.ca_len, strlen(CA));
	cr_assert_str_eq(k.namespace, "mgo", "the config's namespace by default");
	mgo_kube_creds_free(&k);

	cr_assert_eq(mgo_kube_creds_for_role(&c, MGO_ROLE_LAUNCHER, &k, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(k.server, "https://127.0.0.1:6443");
	cr_assert_str_eq(k.token, "launcher-token");
	cr_assert_null(k.token_file);
	cr_assert_str_eq(k.namespace, "mgo");
	mgo_kube_creds_free(&k);

	free(c.launcher.context);
	c.launcher.context = strdup("b");
	cr_assert_eq(mgo_kube_creds_for_role(&c, MGO_ROLE_LAUNCHER, &k, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(k.namespace, "elsewhere", "a context's own namespace wins");
	mgo_kube_creds_free(&k);

	cr_assert_eq(mgo_kube_creds_for_role(&c, MGO_ROLE_VALIDATOR, &k, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "role validator: it has no API access");

	cr_assert_eq(unlink(tok), 0);
	cr_assert_eq(mgo_kube_creds_for_role(&c, MGO_ROLE_WATCHER, &k, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "role watcher: token file "), "%s", err);
	cr_assert(strstr(err, ": No such file or directory"), "%s", err);
	cr_assert_null(k.server);
	mgo_cfg_free(&c);
	free(yaml);
	free(kc);
	free(ca);
	free(tok);
}

Test(config, sftp_known_hosts)
{
	struct mgo_config c;

	cr_assert_eq(load(HEAD ROLES
	                  "sftpKnownHosts: |\n"
	                  "  sftp.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n"
	                  "  [sftp.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n",
	                  &c),
	             0, "%s", err);
	cr_assert_str_eq(c.sftp_known_hosts,
	                 "sftp.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n"
	                 "[sftp.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n");
	mgo_cfg_free(&c);
	cr_assert_eq(load(HEAD ROLES, &c), 0, "%s", err);
	cr_assert_null(c.sftp_known_hosts, "unset: uploads refuse every server");
	mgo_cfg_free(&c);
	cr_assert_neq(load(HEAD ROLES "sftpKnownHosts: \"host ssh-rsa AAAA\\tx\"\n", &c), 0);
	cr_assert(strstr(err, "sftpKnownHosts"), "%s", err);
}

Test(config, trusted_ca_configmap)
{
	struct mgo_config c;

	cr_assert_eq(load(HEAD ROLES "trustedCAConfigMap: trusted-ca\n", &c), 0, "%s", err);
	cr_assert_str_eq(c.trusted_ca_configmap, "trusted-ca");
	mgo_cfg_free(&c);
	cr_assert_eq(load(HEAD ROLES, &c), 0, "%s", err);
	cr_assert_null(c.trusted_ca_configmap, "unset: the system's trust store");
	mgo_cfg_free(&c);
	cr_assert_neq(load(HEAD ROLES "trustedCAConfigMap: Trusted_CA\n", &c), 0);
	cr_assert(strstr(err, "trustedCAConfigMap: not a ConfigMap name"), "%s", err);
}

Test(config, api_rate_limits_per_role)
{
	struct mgo_config c;

	cr_assert_eq(load(HEAD "roles:\n  watcher: {tokenFile: /w/token, qps: 5}\n"
			  "  launcher: {kubeconfig: /l/kc, qps: 100, burst: 200}\n", &c), 0, "%s",
		     err);
	cr_assert_eq(c.watcher.qps, 5);
	cr_assert_eq(c.watcher.burst, 1000, "default");
	cr_assert_eq(c.launcher.qps, 100);
	cr_assert_eq(c.launcher.burst, 200);
	mgo_cfg_free(&c);
}

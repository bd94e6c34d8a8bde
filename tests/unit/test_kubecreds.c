/* Credentials loading: kubeconfig (inline, files, relative, merged, written
 * by kubectl), in-cluster, token rotation, and the inputs we refuse. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "mgo/base64.h"
#include "mgo/fileio.h"
#include "mgo/kubecreds.h"
#include "mgo/yamldoc.h"
#include "testenv.h"

/* A throwaway self-signed P-256 certificate and its key, used both as CA and
 * as client certificate: the loaders check PEM shape, not trust. */
static const char CERT[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBkjCCATegAwIBAgIUDZcW3a3YfbtAhmPwJLIXM94PXA4wCgYIKoZIzj0EAwIw\n"
	"HTEbMBkGA1UEAwwSbWdvLXRlc3QtdGhyb3dhd2F5MCAXDTI2MTEyNDAxMTgwOFoY\n"
	"DzIxMjYxMDMxMDExODA4WjAdMRswGQYDVQQDDBJtZ28tdGVzdC10aHJvd2F3YXkw\n"
	"WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQYWfGJnHg8FHO/5UcB9mynLUdw9OP9\n"
	"8OWipfQmNWLCsXyyG0JOsBndYX0z6ep8qxmd2d8Kbpme4KG0BoZzOzSNo1MwUTAd\n"
	"BgNVHQ4EFgQUcLOXV+TwHycg9eIuleYwiyIfZlAwHwYDVR0jBBgwFoAUcLOXV+Tw\n"
	"Hycg9eIuleYwiyIfZlAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG\n"
	"AiEAvbHhZSSZqmka2nr7JD0/Y7y8d5xnmjA8XaxlWmjXLagCIQDrnKZU5/lv3HK2\n"
	"ihho4bN2NfKDcMyHRgNpDd2fj/MXHA==\n"
	"-----END CERTIFICATE-----\n";
static const char KEY[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOOvh/0WaNzF9oe6p\n"
	"O0MUzq5p/s0ZD0KMPF2QQr4kejuhRANCAAQYWfGJnHg8FHO/5UcB9mynLUdw9OP9\n"
	"8OWipfQmNWLCsXyyG0JOsBndYX0z6ep8qxmd2d8Kbpme4KG0BoZzOzSN\n"
	"-----END PRIVATE KEY-----\n";
/* base64 -w0 of CERT and KEY. */
#define CERT_B64 \
	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrakNDQVRlZ0F3SUJBZ0lVRFpjVzNhM1lmYnRBaG1Qd0pMSVhNOTRQWEE0d0NnWUlLb1pJemowRUF3SXcKSFRFYk1Ca0dBMVVFQXd3U2JXZHZMWFJsYzNRdGRHaHliM2RoZDJGNU1DQVhEVEkyTVRFeU5EQXhNVGd3T0ZvWQpEekl4TWpZeE1ETXhNREV4T0RBNFdqQWRNUnN3R1FZRFZRUUREQkp0WjI4dGRHVnpkQzEwYUhKdmQyRjNZWGt3CldUQVRCZ2NxaGtqT1BRSUJCZ2dxaGtqT1BRTUJCd05DQUFRWVdmR0puSGc4RkhPLzVVY0I5bXluTFVkdzlPUDkKOE9XaXBmUW1OV0xDc1h5eUcwSk9zQm5kWVgwejZlcDhxeG1kMmQ4S2JwbWU0S0cwQm9aek96U05vMU13VVRBZApCZ05WSFE0RUZnUVVjTE9YVitUd0h5Y2c5ZUl1bGVZd2l5SWZabEF3SHdZRFZSMGpCQmd3Rm9BVWNMT1hWK1R3Ckh5Y2c5ZUl1bGVZd2l5SWZabEF3RHdZRFZSMFRBUUgvQkFVd0F3RUIvekFLQmdncWhrak9QUVFEQWdOSkFEQkcKQWlFQXZiSGhaU1NacW1rYTJucjdKRDAvWTd5OGQ1eG5takE4WGF4bFdtalhMYWdDSVFEcm5LWlU1L2x2M0hLMgppaGhvNGJOMk5mS0RjTXlIUmdOcERkMmZqL01YSEE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="
#define KEY_B64 \
	"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JR0hBZ0VBTUJNR0J5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSEJHMHdhd0lCQVFRZ09PdmgvMFdhTnpGOW9lNnAKTzBNVXpxNXAvczBaRDBLTVBGMlFRcjRrZWp1aFJBTkNBQVFZV2ZHSm5IZzhGSE8vNVVjQjlteW5MVWR3OU9QOQo4T1dpcGZRbU5XTENzWHl5RzBKT3NCbmRZWDB6NmVwOHF4bWQyZDhLYnBtZTRLRzBCb1p6T3pTTgotLS0tLUVORCBQUklWQVRFIEtFWS0tLS0tCg=="

static char err[1024];

TestSuite(kubecreds, .init = mgo_test_tmp_init, .fini = mgo_test_tmp_fini);

static int load_mem(const char *yaml, const char *basedir, const char *context,
                    struct mgo_kube_creds *c)
{
	return mgo_kube_creds_from_kubeconfig_mem(yaml, strlen(yaml), basedir, context, c, err,
	                                          sizeof(err));
}

/* A one-context kubeconfig whose cluster and user bodies are given. */
static char *kubeconfig(const char *cluster, const char *user)
{
	char *s = NULL;

	cr_assert(asprintf(&s,
	                   "apiVersion: v1\nkind: Config\n"
	                   "clusters:\n- name: c\n  cluster:\n%s"
	                   "users:\n- name: alice\n  user:\n%s"
	                   "contexts:\n- name: ctx\n  context: {cluster: c, user: alice}\n"
	                   "current-context: ctx\n",
	                   cluster, user) > 0);
	return s;
}

static void assert_blob(const char *got, size_t len, const char *want)
{
	cr_assert_not_null(got);
	cr_assert_eq(len, strlen(want));
	cr_assert_eq(memcmp(got, want, len), 0);
	cr_assert_eq(got[len], '\0', "blobs are NUL-ended for convenience");
}

Test(kubecreds, inline_data)
{
	struct mgo_kube_creds c;
	char *y = kubeconfig("    server: https://api.example.com:6443/\n"
	                     "    certificate-authority-data: " CERT_B64 "\n"
	                     "    tls-server-name: kubernetes.default.svc\n",
	                     "    client-certificate-data: " CERT_B64 "\n"
	                     "    client-key-data: " KEY_B64 "\n"
	                     "    token: abc.DEF-123_~+/=\n");

	cr_assert_eq(load_mem(y, NULL, NULL, &c), 0, "%s", err);
	cr_assert_str_eq(c.server, "https://api.example.com:6443", "trailing slash dropped");
	assert_blob(c.ca_pem, c.ca_len, CERT);
	assert_blob(c.cert_pem, c.cert_len, CERT);
	assert_blob(c.key_pem, c.key_len, KEY);
	cr_assert_str_eq(c.token, "abc.DEF-123_~+/=");
	cr_assert_null(c.token_file, "an inline token is not re-read");
	cr_assert_str_eq(c.tls_server_name, "kubernetes.default.svc");
	cr_assert_not(c.insecure);
	cr_assert_null(c.namespace);
	mgo_kube_creds_free(&c);
	cr_assert_null(c.server, "free leaves the struct zeroed");
	free(y);
}

Test(kubecreds, absolute_files)
{
	struct mgo_kube_creds c;
	char *ca = mgo_test_write(mgo_test_dir, "ca.crt", CERT);
	char *crt = mgo_test_write(mgo_test_dir, "client.crt", CERT);
	char *key = mgo_test_write(mgo_test_dir, "client.key", KEY);
	char *cl = NULL, *us = NULL, *y;

	cr_assert(asprintf(&cl, "    server: https://10.0.0.1\n    certificate-authority: %s\n", ca) > 0);
	cr_assert(asprintf(&us, "    client-certificate: %s\n    client-key: %s\n", crt, key) > 0);
	y = kubeconfig(cl, us);
	/* No base directory: absolute references still work. */
	cr_assert_eq(load_mem(y, NULL, NULL, &c), 0, "%s", err);
	cr_assert_str_eq(c.server, "https://10.0.0.1");
	assert_blob(c.ca_pem, c.ca_len, CERT);
	assert_blob(c.cert_pem, c.cert_len, CERT);
	assert_blob(c.key_pem, c.key_len, KEY);
	cr_assert_null(c.token);
	mgo_kube_creds_free(&c);
	free(y);
	free(us);
	free(cl);
	free(key);
	free(crt);
	free(ca);
}

Test(kubecreds, relative_files_resolve_against_the_kubeconfig_dir)
{
	struct mgo_kube_creds c;
	char *sub = NULL, *ca, *tok, *crt, *key, *cfg, *want = NULL;
	char *y = kubeconfig("    server: https://h:1\n    certificate-authority: ca.crt\n",
	                     "    tokenFile: tok\n    client-certificate: ./c.crt\n"
	                     "    client-key: c.key\n");

	cr_assert(asprintf(&sub, "%s/sub", mgo_test_dir) > 0);
	cr_assert_eq(mkdir(sub, 0700), 0);
	ca = mgo_test_write(sub, "ca.crt", CERT);
	tok = mgo_test_write(sub, "tok", "  s3cret-token\n\n");
	crt = mgo_test_write(sub, "c.crt", CERT);
	key = mgo_test_write(sub, "c.key", KEY);
	cfg = mgo_test_write(sub, "config", y);
	/* The process's directory must not matter. */
	cr_assert_eq(chdir("/"), 0);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(cfg, NULL, &c, err, sizeof(err)), 0, "%s", err);
	assert_blob(c.ca_pem, c.ca_len, CERT);
	assert_blob(c.cert_pem, c.cert_len, CERT);
	assert_blob(c.key_pem, c.key_len, KEY);
	cr_assert_str_eq(c.token, "s3cret-token", "surrounding whitespace trimmed");
	cr_assert(asprintf(&want, "%s/tok", sub) > 0);
	cr_assert_str_eq(c.token_file, want, "token_file is absolute for later re-reads");
	cr_assert(c.token_read.tv_sec || c.token_read.tv_nsec);
	mgo_kube_creds_free(&c);

	/* In memory, the base directory plays the file's directory... */
	cr_assert_eq(load_mem(y, sub, NULL, &c), 0, "%s", err);
	assert_blob(c.ca_pem, c.ca_len, CERT);
	mgo_kube_creds_free(&c);
	/* ...and without one, relative references are refused. */
	cr_assert_eq(load_mem(y, NULL, NULL, &c), -EINVAL);
	cr_assert(strstr(err, "clusters[0].cluster.certificate-authority: relative path ca.crt"), "%s", err);
	free(want);
	free(cfg);
	free(key);
	free(crt);
	free(tok);
	free(ca);
	free(sub);
	free(y);
}

Test(kubecreds, missing_file_error_names_file_and_key_path)
{
	struct mgo_kube_creds c;
	char *us = NULL, *y, *cfg, *want = NULL;

	cr_assert(asprintf(&us, "    client-certificate-data: %s\n    client-key: %s/key.pem\n",
	                   CERT_B64, mgo_test_dir) > 0);
	y = kubeconfig("    server: https://h\n", us);
	cfg = mgo_test_write(mgo_test_dir, "config", y);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(cfg, NULL, &c, err, sizeof(err)), -ENOENT);
	cr_assert(asprintf(&want, "kubeconfig %s:11:17: users[0].user.client-key: file %s/key.pem: "
	                   "No such file or directory", cfg, mgo_test_dir) > 0);
	cr_assert_str_eq(err, want);
	cr_assert_null(c.server, "out is zeroed on failure");
	free(want);
	free(cfg);
	free(y);
	free(us);
}

static const char MULTI[] =
	"clusters:\n"
	"- name: prod\n  cluster: {server: 'https://prod:6443'}\n"
	"- name: dev\n  cluster: {server: 'https://[fd00::10]:6443', insecure-skip-tls-verify: true}\n"
	"users:\n"
	"- name: ops\n  user: {token: ops-token}\n"
	"- name: dev\n  user: {token: dev-token}\n"
	"- name: plugin\n  user: {exec: {command: gke-gcloud-auth-plugin, apiVersion: client.authentication.k8s.io/v1}}\n"
	"contexts:\n"
	"- name: prod\n  context: {cluster: prod, user: ops, namespace: kube-system}\n"
	"- name: dev\n  context: {cluster: dev, user: dev, namespace: team-a}\n"
	"- name: anon\n  context: {cluster: dev}\n"
	"- name: gke\n  context: {cluster: prod, user: plugin}\n"
	"- name: lost\n  context: {cluster: nowhere, user: ops}\n"
	"- name: lostuser\n  context: {cluster: prod, user: nobody}\n"
	"current-context: dev\n";

Test(kubecreds, multiple_contexts)
{
	struct mgo_kube_creds c;

	cr_assert_eq(load_mem(MULTI, NULL, NULL, &c), 0, "%s", err);
	cr_assert_str_eq(c.server, "https://[fd00::10]:6443");
	cr_assert(c.insecure);
	cr_assert_str_eq(c.token, "dev-token");
	cr_assert_str_eq(c.namespace, "team-a");
	mgo_kube_creds_free(&c);

	/* An unusable user elsewhere in the file does not spoil this context. */
	cr_assert_eq(load_mem(MULTI, NULL, "prod", &c), 0, "%s", err);
	cr_assert_str_eq(c.server, "https://prod:6443");
	cr_assert_not(c.insecure);
	cr_assert_str_eq(c.token, "ops-token");
	cr_assert_str_eq(c.namespace, "kube-system");
	mgo_kube_creds_free(&c);

	cr_assert_eq(load_mem(MULTI, NULL, "anon", &c), 0, "%s", err);
	cr_assert_null(c.token, "a context without a user is anonymous");
	cr_assert_null(c.cert_pem);
	mgo_kube_creds_free(&c);

	cr_assert_eq(load_mem(MULTI, NULL, "", &c), 0, "an empty name means current-context");
	cr_assert_str_eq(c.token, "dev-token");
	mgo_kube_creds_free(&c);
	cr_assert_eq(load_mem(MULTI, NULL, "nope", &c), -ENOENT);
	cr_assert_str_eq(err, "kubeconfig <memory>: context \"nope\" not found");
	cr_assert_eq(load_mem(MULTI, NULL, "lost", &c), -ENOENT);
	cr_assert(strstr(err, "contexts[4].context.cluster: cluster \"nowhere\" not found"), "%s", err);
	cr_assert_eq(load_mem(MULTI, NULL, "lostuser", &c), -ENOENT);
	cr_assert(strstr(err, "contexts[5].context.user: user \"nobody\" not found"), "%s", err);
	cr_assert_eq(load_mem(MULTI, NULL, "gke", &c), -ENOTSUP);
	cr_assert(strstr(err, ":12:16: users[2].user.exec: user \"plugin\": exec credential plugins are not supported"),
	          "%s", err);
}

Test(kubecreds, kubeconfig_env_merges_like_kubectl)
{
	struct mgo_kube_creds c;
	char *a, *b, *bdir = NULL, *env = NULL, *tok, *want = NULL;

	/* a: defines cluster "shared" and context "first", sets no current-context. */
	a = mgo_test_write(mgo_test_dir, "a.yaml",
	                   "clusters:\n- name: shared\n  cluster: {server: 'https://from-a'}\n"
	                   "contexts:\n- name: first\n  context: {cluster: shared, user: u, namespace: ns-a}\n"
	                   "current-context: \"\"\n");
	/* b: redefines "shared" (loses), adds the user, whose token file is
	 * relative to b's own directory, and names the current context. */
	cr_assert(asprintf(&bdir, "%s/b", mgo_test_dir) > 0);
	cr_assert_eq(mkdir(bdir, 0700), 0);
	tok = mgo_test_write(bdir, "token", "tok-b\n");
	b = mgo_test_write(bdir, "config",
	                   "clusters:\n- name: shared\n  cluster: {server: 'https://from-b'}\n"
	                   "users:\n- name: u\n  user: {tokenFile: token}\n"
	                   "contexts:\n- name: first\n  context: {cluster: shared, namespace: ns-b}\n"
	                   "current-context: first\n");
	/* Empty entries, a missing file and a repeated file are skipped. */
	cr_assert(asprintf(&env, "%s::%s/missing:%s:%s", a, mgo_test_dir, b, a) > 0);
	cr_assert_eq(setenv("KUBECONFIG", env, 1), 0);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.server, "https://from-a", "the first file to define a name wins");
	cr_assert_str_eq(c.namespace, "ns-a");
	cr_assert_str_eq(c.token, "tok-b");
	cr_assert_str_eq(c.token_file, tok);
	mgo_kube_creds_free(&c);

	/* A name missing everywhere is reported against the whole list. */
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(NULL, "other", &c, err, sizeof(err)), -ENOENT);
	cr_assert(asprintf(&want, "kubeconfig %s: context \"other\" not found", env) > 0);
	cr_assert_str_eq(err, want);

	/* An explicit path overrides $KUBECONFIG and must exist. */
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(b, NULL, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.server, "https://from-b");
	cr_assert_null(c.token, "b's own context has no user");
	mgo_kube_creds_free(&c);

	cr_assert_eq(setenv("KUBECONFIG", "/nonexistent/a:/nonexistent/b", 1), 0);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(NULL, NULL, &c, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "none of its files exists"), "%s", err);

	/* Without $KUBECONFIG: ~/.kube/config. */
	cr_assert_eq(unsetenv("KUBECONFIG"), 0);
	cr_assert_eq(setenv("HOME", mgo_test_dir, 1), 0);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(NULL, NULL, &c, err, sizeof(err)), -ENOENT);
	free(want);
	cr_assert(asprintf(&want, "kubeconfig %s/.kube/config: No such file or directory", mgo_test_dir) > 0);
	cr_assert_str_eq(err, want);
	free(want);
	free(env);
	free(b);
	free(tok);
	free(bdir);
	free(a);
}

static void set_service_env(const char *host, const char *port)
{
	cr_assert_eq(setenv("KUBERNETES_SERVICE_HOST", host, 1), 0);
	cr_assert_eq(setenv("KUBERNETES_SERVICE_PORT", port, 1), 0);
}

Test(kubecreds, in_cluster)
{
	static const struct {
		const char *host, *port, *server;
	} cases[] = {
		{ "fd00:10:96::1", "443", "https://[fd00:10:96::1]:443" },
		{ "10.96.0.1", "6443", "https://10.96.0.1:6443" },
		{ "kubernetes.default.svc", "443", "https://kubernetes.default.svc:443" },
		{ "10.96.0.1", "0", NULL },
		{ "10.96.0.1", "65536", NULL },
		{ "10.96.0.1", "44x", NULL },
		{ "10.96.0.1", "", NULL },
		{ "", "443", NULL },
		{ "[fd00::1]", "443", NULL },
		{ "evil@host", "443", NULL },
		{ "host/path", "443", NULL },
		{ "bad host", "443", NULL },
	};
	struct mgo_kube_creds c;
	char *tok = mgo_test_write(mgo_test_dir, "token", "eyJhbGciOi.payload.sig\n");
	char *ca = mgo_test_write(mgo_test_dir, "ca.crt", CERT);
	char *ns;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_service_env(cases[i].host, cases[i].port);
		if (!cases[i].server) {
			cr_assert_neq(mgo_kube_creds_in_cluster(mgo_test_dir, &c, err, sizeof(err)), 0,
			              "host %s port %s", cases[i].host, cases[i].port);
			cr_assert(strstr(err, "in-cluster config: KUBERNETES_SERVICE_"), "%s", err);
			continue;
		}
		cr_assert_eq(mgo_kube_creds_in_cluster(mgo_test_dir, &c, err, sizeof(err)), 0, "%s", err);
		cr_assert_str_eq(c.server, cases[i].server);
		cr_assert_str_eq(c.token, "eyJhbGciOi.payload.sig");
		cr_assert_str_eq(c.token_file, tok);
		assert_blob(c.ca_pem, c.ca_len, CERT);
		cr_assert_null(c.namespace, "no namespace file: none");
		mgo_kube_creds_free(&c);
	}

	set_service_env("10.96.0.1", "443");
	ns = mgo_test_write(mgo_test_dir, "namespace", "must-gather-operator\n");
	cr_assert_eq(mgo_kube_creds_in_cluster(mgo_test_dir, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.namespace, "must-gather-operator");
	mgo_kube_creds_free(&c);
	free(mgo_test_write(mgo_test_dir, "namespace", "../etc\n"));
	cr_assert_eq(mgo_kube_creds_in_cluster(mgo_test_dir, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a namespace name"), "%s", err);

	cr_assert_eq(unsetenv("KUBERNETES_SERVICE_PORT"), 0);
	cr_assert_eq(mgo_kube_creds_in_cluster(mgo_test_dir, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "must be set"), "%s", err);

	/* The CA is required in-cluster; so is the token. */
	set_service_env("10.96.0.1", "443");
	cr_assert_eq(unlink(ca), 0);
	cr_assert_eq(mgo_kube_creds_in_cluster(mgo_test_dir, &c, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "ca.crt: No such file or directory"), "%s", err);
	cr_assert_eq(unlink(tok), 0);
	cr_assert_eq(mgo_kube_creds_in_cluster(mgo_test_dir, &c, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "token: No such file or directory"), "%s", err);
	free(ns);
	free(ca);
	free(tok);
}

/* Replaces the token the way kubelet does: a new file renamed over the old. */
static void rotate(const char *dir, const char *token)
{
	char *fresh = mgo_test_write(dir, "token.new", token), *dst = NULL;

	cr_assert(asprintf(&dst, "%s/token", dir) > 0);
	cr_assert_eq(rename(fresh, dst), 0);
	free(dst);
	free(fresh);
}

Test(kubecreds, token_reload)
{
	struct mgo_kube_creds c;
	bool changed = true;
	char *tok = mgo_test_write(mgo_test_dir, "token", "first\n");

	cr_assert_eq(mgo_kube_creds_from_token_file("https://api:6443", tok, NULL, &c, err,
	                                            sizeof(err)), 0, "%s", err);
	cr_assert_null(c.ca_pem, "no CA file: system trust store");
	cr_assert_str_eq(c.token, "first");

	cr_assert_eq(mgo_kube_creds_reload_token(&c, &changed, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(changed, "same token: unchanged");

	rotate(mgo_test_dir, "second");
	cr_assert_eq(mgo_kube_creds_reload_token(&c, &changed, err, sizeof(err)), 0, "%s", err);
	cr_assert(changed);
	cr_assert_str_eq(c.token, "second");

	/* A failed read keeps the working token. */
	cr_assert_eq(unlink(tok), 0);
	cr_assert_eq(mgo_kube_creds_reload_token(&c, &changed, err, sizeof(err)), -ENOENT);
	cr_assert_not(changed);
	cr_assert_str_eq(c.token, "second");
	cr_assert(strstr(err, "token: No such file or directory"), "%s", err);

	rotate(mgo_test_dir, "\n \n");
	cr_assert_eq(mgo_kube_creds_reload_token(&c, &changed, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "empty token"), "%s", err);
	rotate(mgo_test_dir, "two words");
	cr_assert_eq(mgo_kube_creds_reload_token(&c, &changed, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "cannot go in an HTTP header"), "%s", err);
	cr_assert_str_eq(c.token, "second");

	rotate(mgo_test_dir, "third");
	cr_assert_eq(mgo_kube_creds_reload_token(&c, &changed, err, sizeof(err)), 0, "%s", err);
	cr_assert(changed);
	cr_assert_str_eq(c.token, "third");
	mgo_kube_creds_free(&c);

	/* Nothing to reload for an inline token. */
	cr_assert_eq(mgo_kube_creds_reload_token(&c, &changed, err, sizeof(err)), 0);
	cr_assert_not(changed);

	cr_assert_eq(mgo_kube_creds_from_token_file(NULL, "relative/token", NULL, &c, err,
	                                            sizeof(err)), -EINVAL);
	free(tok);
}

Test(kubecreds, refused_auth_kinds_name_the_user)
{
	static const struct {
		const char *user, *msg;
	} cases[] = {
		{ "    username: admin\n    password: hunter2\n",
		  "users[0].user.username: user \"alice\": basic authentication (username/password) is not supported" },
		{ "    password: hunter2\n",
		  "users[0].user.password: user \"alice\": basic authentication" },
		{ "    exec:\n      command: aws\n      args: [eks, get-token]\n",
		  "users[0].user.exec: user \"alice\": exec credential plugins are not supported" },
		{ "    auth-provider: {name: oidc, config: {idp-issuer-url: 'https://x'}}\n",
		  "users[0].user.auth-provider: user \"alice\": auth-provider plugins are not supported" },
		{ "    token: t\n    as: root\n",
		  "users[0].user.as: user \"alice\": impersonation (as) is not supported" },
		{ "    token: t\n    as-groups: [system:masters]\n",
		  "users[0].user.as-groups: user \"alice\": impersonation" },
	};
	struct mgo_kube_creds c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *y = kubeconfig("    server: https://h\n", cases[i].user);

		cr_assert_eq(load_mem(y, NULL, NULL, &c), -ENOTSUP, "case %zu", i);
		cr_assert(strstr(err, cases[i].msg), "case %zu: %s", i, err);
		free(y);
	}
	/* A null value is as good as absent (kubectl writes `exec: null` nowhere,
	 * but YAML allows it). */
	{
		char *y = kubeconfig("    server: https://h\n", "    exec: null\n    token: t\n");

		cr_assert_eq(load_mem(y, NULL, NULL, &c), 0, "%s", err);
		mgo_kube_creds_free(&c);
		free(y);
	}
}

Test(kubecreds, invalid_entries)
{
	static const struct {
		const char *cluster, *user, *msg;
	} cases[] = {
		{ "    insecure-skip-tls-verify: true\n", "    token: t\n",
		  "clusters[0].cluster.server: required" },
		{ "    server: ftp://h\n", "    token: t\n", "server: must start with https:// or http://" },
		{ "    server: https://user@h\n", "    token: t\n", "must not contain" },
		{ "    server: https://h?x=1\n", "    token: t\n", "must not contain" },
		{ "    server: https://h:0\n", "    token: t\n", "malformed port" },
		{ "    server: https://h:99999\n", "    token: t\n", "malformed port" },
		{ "    server: 'https://h:'\n", "    token: t\n", "malformed port" },
		{ "    server: https://[fd00::1\n", "    token: t\n", "malformed bracketed IPv6 host" },
		{ "    server: 'https://[]:1'\n", "    token: t\n", "has no host" },
		{ "    server: https://:443\n", "    token: t\n", "has no host" },
		{ "    server: https://h_x!\n", "    token: t\n", "malformed host" },
		{ "    server: [https://h]\n", "    token: t\n", "server: must be a scalar, not a sequence" },
		{ "    server: https://h\n    insecure-skip-tls-verify: yes\n", "    token: t\n",
		  "insecure-skip-tls-verify: must be true or false" },
		{ "    server: https://h\n    insecure-skip-tls-verify: true\n"
		  "    certificate-authority-data: " CERT_B64 "\n", "    token: t\n",
		  "a certificate authority and insecure-skip-tls-verify are both set" },
		{ "    server: https://h\n    certificate-authority: /x\n"
		  "    certificate-authority-data: " CERT_B64 "\n", "    token: t\n",
		  "certificate-authority and certificate-authority-data are both set" },
		{ "    server: https://h\n    certificate-authority-data: " KEY_B64 "\n", "    token: t\n",
		  "certificate-authority-data: no PEM certificate found" },
		{ "    server: https://h\n    proxy-url: http://proxy:3128\n", "    token: t\n",
		  "clusters[0].cluster.proxy-url: cluster \"c\": proxy-url is not supported" },
		{ "    server: https://h\n    serverr: https://x\n", "    token: t\n",
		  ":7:5: clusters[0].cluster.serverr: unknown key" },
		{ "    server: https://h\n", "    token: t\n    tokenFile: /t\n",
		  "users[0].user.tokenFile: token and tokenFile are both set" },
		{ "    server: https://h\n", "    token: 'two words'\n",
		  "users[0].user.token: holds bytes that cannot go in an HTTP header" },
		{ "    server: https://h\n", "    client-certificate-data: " CERT_B64 "\n",
		  "users[0].user.client-certificate: a client certificate needs both" },
		{ "    server: https://h\n", "    client-key-data: " KEY_B64 "\n",
		  "users[0].user.client-key: a client certificate needs both" },
		{ "    server: https://h\n", "    client-certificate-data: " CERT_B64 "\n"
		  "    client-key-data: " CERT_B64 "\n", "client-key-data: no PEM private key found" },
		{ "    server: https://h\n", "    client-certificate-data: " CERT_B64 "\n"
		  "    client-key-data: LS0tLS1CRUdJTiBFTkNSWVBURUQgUFJJVkFURSBLRVktLS0tLQo=\n",
		  "encrypted private keys are not supported" },
		{ "    server: https://h\n", "    tokn: t\n", "users[0].user.tokn: unknown key" },
	};
	struct mgo_kube_creds c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *y = kubeconfig(cases[i].cluster, cases[i].user);

		cr_assert_neq(load_mem(y, NULL, NULL, &c), 0, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].msg), "case %zu: %s", i, err);
		cr_assert_null(c.server);
		free(y);
	}
}

Test(kubecreds, bad_base64)
{
	static const char *const bad[] = {
		"LS0tLS1", "LS0tLS1C=", "LS0t LS1C", "LS0tLS1C\tRUdJ", "LS0*LS1C", "LS0=LS1C",
		"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg===", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCh==",
		"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tC1==", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg-_",
	};
	struct mgo_kube_creds c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *cl = NULL, *y;

		cr_assert(asprintf(&cl, "    server: https://h\n    certificate-authority-data: '%s'\n",
		                   bad[i]) > 0);
		y = kubeconfig(cl, "    token: t\n");
		cr_assert_eq(load_mem(y, NULL, NULL, &c), -EINVAL, "%s accepted", bad[i]);
		cr_assert(strstr(err, "clusters[0].cluster.certificate-authority-data: not valid base64"),
		          "%s: %s", bad[i], err);
		free(y);
		free(cl);
	}
}

Test(base64, table)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} cases[] = {
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" },
		{ "Zm9v\r\nYmFy", "foobar" },
		{ "+/+/", "\xfb\xff\xbf" },
		{ "Zg=", NULL },
		{ "Zg", NULL },
		{ "Z===", NULL },
		{ "====", NULL },
		{ "Zh==", NULL },       /* non-zero trailing bits */
		{ "Zm9=", NULL },
		{ "Zg==Zg==", NULL },   /* padding before the end */
		{ "Zm9v ", NULL },
		{ "-_-_", NULL },       /* URL alphabet */
		{ "Zm9v\x80", NULL },
	};
	size_t i, len;
	unsigned char *out;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = mgo_base64_decode(cases[i].in, strlen(cases[i].in), &out, &len);

		if (!cases[i].out) {
			cr_assert_eq(rc, -EINVAL, "%s accepted", cases[i].in);
			cr_assert_null(out);
			continue;
		}
		cr_assert_eq(rc, 0, "%s refused", cases[i].in);
		cr_assert_eq(len, strlen(cases[i].out));
		cr_assert_eq(memcmp(out, cases[i].out, len), 0);
		free(out);
	}
}

Test(kubecreds, hostile_yaml)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
		{ "a: &a [x, x, x, x, x, x, x, x, x]\n"
		  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		  "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
		  "kubeconfig <memory>:2:8: aliases are not supported" },
		{ "clusters:\n- &x {name: c, cluster: {server: 'https://h'}}\n- *x\n",
		  "aliases are not supported" },
		{ "current-context: !!str x\n", ":1:18: explicit tags are not supported" },
		{ "kind: Config\nkind: Config\n", ":2:1: duplicate key \"kind\"" },
		{ "kind: Config\n---\nkind: Config\n", "more than one document" },
		{ "{[a]: b}\n", "mapping keys must be scalars" },
		{ "kind: \"a\\0b\"\n", "NUL byte in a scalar" },
		{ "kind: [\n", "kubeconfig <memory>:2:1: while parsing a flow node did not find expected node content" },
		{ "- 1\n", "must be a mapping, not a sequence" },
		{ "apiVersion: v2\n", "apiVersion: must be v1" },
		{ "kind: Pod\n", "kind: must be Config" },
		{ "colors: true\n", ":1:1: colors: unknown key" },
		{ "clusters: {c: {}}\n", "clusters: must be a sequence, not a mapping" },
		{ "clusters: [x]\n", "clusters[0]: must be a mapping" },
		{ "clusters: [{cluster: {}}]\n", "clusters[0].name: required, a non-empty string" },
		{ "clusters: [{name: \"a\\nb\"}]\n", "clusters[0].name: must be at most 253 printable" },
		{ "clusters: [{name: a}, {name: b}, {name: a}]\n", ":1:41: clusters: duplicate name \"a\"" },
		{ "users: [{name: u, user: [x]}]\n", "users[0].user: must be a mapping, not a sequence" },
		{ "contexts: [{name: x, context: {}, extra: 1}]\n", "contexts[0].extra: unknown key" },
		{ "", "kubeconfig <memory>: no context given and current-context is not set" },
		{ "contexts: [{name: x, context: {user: u}}]\ncurrent-context: x\n",
		  "contexts[0].context.cluster: required" },
		{ "contexts: [{name: x, context: {cluster: c, namespace: Bad_NS}}]\ncurrent-context: x\n",
		  "contexts[0].context.namespace: not a namespace name" },
		{ "contexts: [{name: x, context: {cluster: \"c\\e[31m\"}}]\ncurrent-context: x\n",
		  "contexts[0].context.cluster: must be printable ASCII" },
		{ "contexts: [{name: x, context: {cluster: c, user: \"u\\r\"}}]\ncurrent-context: x\n",
		  "contexts[0].context.user: must be printable ASCII" },
		{ "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority: \"a\\nb\"}}]\n"
		  "contexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n",
		  "clusters[0].cluster.certificate-authority: path holds control bytes" },
	};
	struct mgo_kube_creds c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_neq(load_mem(cases[i].yaml, NULL, NULL, &c), 0, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].msg), "case %zu: %s", i, err);
	}
}

Test(kubecreds, bounds)
{
	struct mgo_kube_creds c;
	size_t depth = MGO_YAML_MAX_DEPTH + 1, i, n;
	char *y = malloc(2 * depth + 2), *big, *path;

	/* Nesting: refused at the first level too deep, before the rest is read. */
	for (i = 0; i < depth; i++)
		y[i] = '[';
	for (i = 0; i < depth; i++)
		y[depth + i] = ']';
	y[2 * depth] = '\n';
	y[2 * depth + 1] = '\0';
	cr_assert_eq(load_mem(y, NULL, NULL, &c), -EINVAL);
	cr_assert(strstr(err, "nested deeper than 32 levels"), "%s", err);
	free(y);

	/* Node count: a flat list of many tiny scalars. */
	n = MGO_YAML_MAX_NODES + 1;
	big = malloc(2 * n + 8);
	memcpy(big, "x: [", 4);
	for (i = 0; i < n; i++)
		memcpy(big + 4 + 2 * i, "1,", 2);
	memcpy(big + 4 + 2 * n - 1, "]\n", 3);
	cr_assert_eq(load_mem(big, NULL, NULL, &c), -EINVAL);
	cr_assert(strstr(err, "more than 65536 nodes"), "%s", err);
	free(big);

	/* Size: a file over the limit is refused before it is parsed. */
	big = malloc(MGO_KUBE_FILE_MAX + 2);
	memset(big, '#', MGO_KUBE_FILE_MAX + 1);
	big[MGO_KUBE_FILE_MAX + 1] = '\0';
	path = mgo_test_write(mgo_test_dir, "huge", big);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(path, NULL, &c, err, sizeof(err)), -EFBIG);
	cr_assert(strstr(err, "larger than 1048576 bytes"), "%s", err);
	cr_assert_eq(load_mem(big, NULL, NULL, &c), -EINVAL);
	cr_assert(strstr(err, "larger than 1048576 bytes"), "%s", err);
	free(path);
	free(big);

	/* A directory is not a kubeconfig. */
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(mgo_test_dir, NULL, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
}

/* Runs kubectl with KUBECONFIG=kc; returns its exit status. alarm() survives
 * exec, so a hung kubectl dies instead of hanging the test.
 * Some kubectl builds (the Cloud SDK's version dispatcher) contact the
 * kubeconfig's server even for `kubectl config`: the fixtures name a
 * loopback address with a closed port so that probe stays on this machine
 * and fails at once. */
static int kubectl(const char *kc, char *const argv[])
{
	int status = -1;
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || setenv("KUBECONFIG", kc, 1) ||
		    setenv("HOME", mgo_test_dir, 1))
			_exit(126);
		alarm(60);
		execvp("kubectl", argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool kubectl_on_path(void)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *cand = NULL;
	bool found = false;

	if (!path)
		return false;
	copy = strdup(path);
	cr_assert_not_null(copy);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		cr_assert(asprintf(&cand, "%s/kubectl", *dir ? dir : ".") > 0);
		found = access(cand, X_OK) == 0;
		free(cand);
	}
	free(copy);
	return found;
}

/* Its own suite: the fixture directory is made only once the skips are
 * past, since a skipped test does not run the suite's .fini. */
Test(kubectl, written_by_kubectl)
{
	struct mgo_kube_creds c;
	char *ca, *kc = NULL, *ca_arg = NULL;

	if (!kubectl_on_path())
		cr_skip_test("kubectl is not on PATH");
	/* memcheck with --trace-children follows the exec into kubectl, a Go
	 * binary it cannot check cleanly; the normal and ASan runs cover this. */
	if (RUNNING_ON_VALGRIND)
		cr_skip_test("under valgrind, which would trace into kubectl");
	mgo_test_tmp_init();
	ca = mgo_test_write(mgo_test_dir, "ca.crt", CERT);
	cr_assert(asprintf(&kc, "%s/kubeconfig", mgo_test_dir) > 0);
	cr_assert(asprintf(&ca_arg, "--certificate-authority=%s", ca) > 0);
	{
		char *set_cluster[] = { "kubectl", "config", "set-cluster", "lab",
			                "--server=https://[::1]:1", ca_arg, "--embed-certs=true",
			                NULL };
		char *set_creds[] = { "kubectl", "config", "set-credentials", "mgo-admin",
			              "--token=kubectl-written.token", NULL };
		char *set_ctx[] = { "kubectl", "config", "set-context", "lab-admin", "--cluster=lab",
			            "--user=mgo-admin", "--namespace=must-gather-operator", NULL };
		char *set_other[] = { "kubectl", "config", "set-context", "other", "--cluster=lab", NULL };
		char *use_ctx[] = { "kubectl", "config", "use-context", "lab-admin", NULL };

		cr_assert_eq(kubectl(kc, set_cluster), 0);
		cr_assert_eq(kubectl(kc, set_creds), 0);
		cr_assert_eq(kubectl(kc, set_ctx), 0);
		cr_assert_eq(kubectl(kc, set_other), 0);
		cr_assert_eq(kubectl(kc, use_ctx), 0);
	}
	/* The CA went into the file: removing it proves it is read from there. */
	cr_assert_eq(unlink(ca), 0);
	cr_assert_eq(mgo_kube_creds_from_kubeconfig(kc, NULL, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.server, "https://[::1]:1");
	assert_blob(c.ca_pem, c.ca_len, CERT);
	cr_assert_str_eq(c.token, "kubectl-written.token");
	cr_assert_str_eq(c.namespace, "must-gather-operator");
	cr_assert_not(c.insecure);
	mgo_kube_creds_free(&c);

	cr_assert_eq(mgo_kube_creds_from_kubeconfig(kc, "other", &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(c.token);
	cr_assert_null(c.namespace);
	mgo_kube_creds_free(&c);
	free(ca_arg);
	free(kc);
	free(ca);
	mgo_test_tmp_fini();
}

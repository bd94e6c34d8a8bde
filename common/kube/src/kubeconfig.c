/* kubectl's kubeconfig format read into mgo_kube_creds (see mgo/kubecreds.h).
 *
 * Each file is parsed and its structure checked as a whole; only the entries
 * the chosen context uses are decoded further, so that a user entry we would
 * refuse (an exec plugin, say) does not make an unrelated context unusable. */
#include "mgo/kubecreds.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube_internal.h"
#include "mgo/base64.h"
#include "mgo/fileio.h"
#include "mgo/names.h"
#include "mgo/yamldoc.h"

#define KC_NAME_MAX 253

struct kc_file {
	char *what;                 /* "kubeconfig PATH", the prefix of its messages */
	char *dir;                  /* absolute base of relative references; NULL refuses them */
	struct mgo_yaml_node *root; /* NULL: empty file */
	struct mgo_yaml_ctx cx;
};

/* One named item of clusters/users/contexts, with where it came from. */
struct kc_entry {
	const struct kc_file *f;
	const struct mgo_yaml_node *item;
	const struct mgo_yaml_node *body;
	const char *kind;           /* "cluster", "user", "context" */
	const char *name;
	char path[48];              /* "users[3].user" */
};

struct kc_list {
	const char *list;
	const char *body;
};

static const struct kc_list kc_clusters = { "clusters", "cluster" };
static const struct kc_list kc_users = { "users", "user" };
static const struct kc_list kc_contexts = { "contexts", "context" };

static bool printable_name(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static int kc_check_list(const struct kc_file *f, const struct kc_list *l)
{
	const struct mgo_yaml_node *seq = mgo_yaml_get(f->root, l->list), *dup;
	const struct mgo_yaml_node **names = NULL;
	const char *const keys[] = { "name", l->body, NULL };
	char path[48];
	size_t i;
	int rc;

	rc = mgo_yaml_want(&f->cx, seq, NULL, l->list, MGO_YAML_SEQ);
	if (rc || mgo_yaml_is_null(seq) || !seq->nkids)
		goto out;
	names = calloc(seq->nkids, sizeof(*names));
	if (!names) {
		rc = mgo_yaml_fail(&f->cx, NULL, NULL, NULL, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < seq->nkids; i++) {
		const struct mgo_yaml_node *item = seq->kids[i], *name;

		snprintf(path, sizeof(path), "%s[%zu]", l->list, i);
		if (item->type != MGO_YAML_MAP) {
			rc = mgo_yaml_fail(&f->cx, item, path, NULL, -EINVAL, "must be a mapping");
			goto out;
		}
		rc = mgo_yaml_check_keys(&f->cx, item, path, keys);
		if (rc)
			goto out;
		name = mgo_yaml_get(item, "name");
		if (!name || name->type != MGO_YAML_SCALAR || !name->len) {
			rc = mgo_yaml_fail(&f->cx, name ? name : item, path, "name", -EINVAL,
					   "required, a non-empty string");
			goto out;
		}
		if (name->len > KC_NAME_MAX || !printable_name(name->str)) {
			rc = mgo_yaml_fail(&f->cx, name, path, "name", -EINVAL,
					   "must be at most %d printable ASCII characters", KC_NAME_MAX);
			goto out;
		}
		rc = mgo_yaml_want(&f->cx, mgo_yaml_get(item, l->body), path, l->body, MGO_YAML_MAP);
		if (rc)
			goto out;
		names[i] = name;
	}
	/* client-go refuses a name twice in one file: which entry is meant
	 * would be a guess. */
	rc = mgo_yaml_first_dup(names, seq->nkids, &dup);
	if (rc)
		rc = mgo_yaml_fail(&f->cx, NULL, NULL, NULL, rc, "out of memory");
	else if (dup)
		rc = mgo_yaml_fail(&f->cx, dup, l->list, NULL, -EINVAL, "duplicate name \"%s\"", dup->str);
out:
	free(names);
	return rc;
}

static int kc_check_file(const struct kc_file *f)
{
	static const char *const top[] = { "apiVersion", "kind", "preferences", "clusters",
					   "users", "contexts", "current-context", "extensions",
					   NULL };
	const struct mgo_yaml_node *v;
	int rc;

	if (mgo_yaml_is_null(f->root))
		return 0;
	rc = mgo_yaml_want(&f->cx, f->root, NULL, NULL, MGO_YAML_MAP);
	if (rc)
		return rc;
	rc = mgo_yaml_check_keys(&f->cx, f->root, NULL, top);
	if (rc)
		return rc;
	v = mgo_yaml_get(f->root, "apiVersion");
	if (!mgo_yaml_is_null(v) && (v->type != MGO_YAML_SCALAR || strcmp(v->str, "v1")))
		return mgo_yaml_fail(&f->cx, v, NULL, "apiVersion", -EINVAL, "must be v1");
	v = mgo_yaml_get(f->root, "kind");
	if (!mgo_yaml_is_null(v) && (v->type != MGO_YAML_SCALAR || strcmp(v->str, "Config")))
		return mgo_yaml_fail(&f->cx, v, NULL, "kind", -EINVAL, "must be Config");
	rc = mgo_yaml_want(&f->cx, mgo_yaml_get(f->root, "preferences"), NULL, "preferences",
			   MGO_YAML_MAP);
	if (rc)
		return rc;
	rc = mgo_yaml_want(&f->cx, mgo_yaml_get(f->root, "current-context"), NULL,
			   "current-context", MGO_YAML_SCALAR);
	if (rc)
		return rc;
	rc = kc_check_list(f, &kc_clusters);
	if (rc)
		return rc;
	rc = kc_check_list(f, &kc_users);
	if (rc)
		return rc;
	return kc_check_list(f, &kc_contexts);
}

/* The first file to define a name wins, as with kubectl's merge. */
static bool kc_find(const struct kc_file *files, size_t n, const struct kc_list *l,
		    const char *name, struct kc_entry *e)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct mgo_yaml_node *seq = mgo_yaml_get(files[i].root, l->list);

		if (!seq || seq->type != MGO_YAML_SEQ)
			continue;
		for (j = 0; j < seq->nkids; j++) {
			const struct mgo_yaml_node *nm = mgo_yaml_get(seq->kids[j], "name");

			if (strcmp(nm->str, name))
				continue;
			e->f = &files[i];
			e->item = seq->kids[j];
			e->body = mgo_yaml_get(seq->kids[j], l->body);
			e->kind = l->body;
			e->name = nm->str;
			snprintf(e->path, sizeof(e->path), "%s[%zu].%s", l->list, j, l->body);
			return true;
		}
	}
	return false;
}

static int kc_fail(const struct kc_entry *e, const char *key, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int kc_fail(const struct kc_entry *e, const char *key, int rc, const char *fmt, ...)
{
	const struct mgo_yaml_node *at = key ? mgo_yaml_get(e->body, key) : NULL;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mgo_yaml_fail(&e->f->cx, at ? at : e->item, e->path, key, rc, "%s", msg);
}

static int kc_str(const struct kc_entry *e, const char *key, size_t max, char **out)
{
	return mgo_yaml_str(&e->f->cx, e->body, e->path, key, max, out);
}

/* Keys whose meaning we do not implement: honouring the rest of the entry
 * without them would connect or authenticate other than the file says. */
static int kc_refuse(const struct kc_entry *e, const char *key, const char *what)
{
	if (mgo_yaml_is_null(mgo_yaml_get(e->body, key)))
		return 0;
	return kc_fail(e, key, -ENOTSUP, "%s \"%s\": %s not supported", e->kind, e->name, what);
}

static int kc_resolve(const struct kc_entry *e, const char *key, const char *ref, char **abs)
{
	const char *p;

	*abs = NULL;
	/* The path is quoted in messages that get logged. */
	for (p = ref; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return kc_fail(e, key, -EINVAL, "path holds control bytes");
	if (ref[0] == '/')
		*abs = strdup(ref);
	else if (!e->f->dir)
		return kc_fail(e, key, -EINVAL, "relative path %s with no base directory", ref);
	else if (asprintf(abs, "%s%s%s", e->f->dir, e->f->dir[strlen(e->f->dir) - 1] == '/' ? "" : "/",
			  ref) < 0)
		*abs = NULL;
	if (!*abs)
		return kc_fail(e, key, -ENOMEM, "out of memory");
	return 0;
}

/* key holds a file reference (key) or base64 data (key-data), never both. */
static int kc_pem(const struct kc_entry *e, const char *key, const char *datakey,
		  enum mgo_kube__pem kind, char **pem, size_t *len)
{
	char *ref = NULL, *data = NULL, *file = NULL, reason[128];
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	int rc;

	rc = kc_str(e, key, PATH_MAX, &ref);
	if (rc)
		goto out;
	rc = kc_str(e, datakey, MGO_YAML_MAX_BYTES, &data);
	if (rc)
		goto out;
	if (ref && data) {
		rc = kc_fail(e, datakey, -EINVAL, "%s and %s are both set", key, datakey);
	} else if (data) {
		rc = mgo_base64_decode(data, strlen(data), &raw, &rawlen);
		if (rc) {
			rc = kc_fail(e, datakey, rc, rc == -ENOMEM ? "out of memory" : "not valid base64");
			goto out;
		}
		rc = mgo_kube__check_pem((char *)raw, rawlen, kind, reason, sizeof(reason));
		if (rc) {
			rc = kc_fail(e, datakey, rc, "%s", reason);
			goto out;
		}
		*pem = (char *)raw;
		*len = rawlen;
		raw = NULL;
	} else if (ref) {
		rc = kc_resolve(e, key, ref, &file);
		if (rc)
			goto out;
		rc = mgo_kube__read_pem(file, kind, pem, len, reason, sizeof(reason));
		if (rc)
			rc = kc_fail(e, key, rc, "file %s: %s", file, reason);
	}
out:
	if (raw) {
		explicit_bzero(raw, rawlen);
		free(raw);
	}
	if (data) {
		explicit_bzero(data, strlen(data));
		free(data);
	}
	free(file);
	free(ref);
	return rc;
}

static int kc_cluster(const struct kc_entry *e, struct mgo_kube_creds *c)
{
	static const char *const keys[] = { "server", "certificate-authority",
					    "certificate-authority-data", "insecure-skip-tls-verify",
					    "tls-server-name", "proxy-url", "disable-compression",
					    "extensions", NULL };
	const struct mgo_yaml_ctx *cx = &e->f->cx;
	char *server = NULL, reason[128];
	bool compression_off = false;
	int rc;

	rc = mgo_yaml_check_keys(cx, e->body, e->path, keys);
	if (rc)
		goto out;
	rc = kc_refuse(e, "proxy-url", "proxy-url is");
	if (rc)
		goto out;
	rc = kc_str(e, "server", 4096, &server);
	if (rc)
		goto out;
	if (!server) {
		rc = kc_fail(e, "server", -EINVAL, "required");
		goto out;
	}
	rc = mgo_name_server_url(server, &c->server, reason, sizeof(reason));
	if (rc) {
		rc = kc_fail(e, "server", rc, "%s", reason);
		goto out;
	}
	rc = mgo_yaml_bool(cx, e->body, e->path, "insecure-skip-tls-verify", &c->insecure);
	if (rc)
		goto out;
	/* Validated so that a typo is caught; whether to compress is the HTTP
	 * client's choice. */
	rc = mgo_yaml_bool(cx, e->body, e->path, "disable-compression", &compression_off);
	if (rc)
		goto out;
	rc = kc_pem(e, "certificate-authority", "certificate-authority-data", MGO_KUBE__CERT,
		    &c->ca_pem, &c->ca_len);
	if (rc)
		goto out;
	if (c->insecure && c->ca_pem) {
		rc = kc_fail(e, "insecure-skip-tls-verify", -EINVAL,
			     "a certificate authority and insecure-skip-tls-verify are both set");
		goto out;
	}
	rc = kc_str(e, "tls-server-name", KC_NAME_MAX, &c->tls_server_name);
	if (rc)
		goto out;
	if (c->tls_server_name && !mgo_name_is_dns_subdomain(c->tls_server_name) &&
	    strspn(c->tls_server_name, "0123456789abcdefABCDEF:.") != strlen(c->tls_server_name))
		rc = kc_fail(e, "tls-server-name", -EINVAL, "not a host name or address");
out:
	free(server);
	return rc;
}

static int kc_user(const struct kc_entry *e, struct mgo_kube_creds *c)
{
	static const char *const keys[] = { "token", "tokenFile", "client-certificate",
					    "client-certificate-data", "client-key", "client-key-data",
					    "username", "password", "exec", "auth-provider", "as",
					    "as-uid", "as-groups", "as-user-extra", "extensions", NULL };
	static const struct {
		const char *key, *what;
	} refused[] = {
		{ "username", "basic authentication (username/password) is" },
		{ "password", "basic authentication (username/password) is" },
		{ "exec", "exec credential plugins are" },
		{ "auth-provider", "auth-provider plugins are" },
		{ "as", "impersonation (as) is" },
		{ "as-uid", "impersonation (as-uid) is" },
		{ "as-groups", "impersonation (as-groups) is" },
		{ "as-user-extra", "impersonation (as-user-extra) is" },
	};
	char *tokfile = NULL, *abs = NULL, reason[128];
	size_t i;
	int rc;

	rc = mgo_yaml_check_keys(&e->f->cx, e->body, e->path, keys);
	for (i = 0; !rc && i < sizeof(refused) / sizeof(refused[0]); i++)
		rc = kc_refuse(e, refused[i].key, refused[i].what);
	if (rc)
		goto out;
	rc = kc_str(e, "token", MGO_KUBE_TOKEN_MAX, &c->token);
	if (rc)
		goto out;
	if (c->token && !mgo_kube__token_ok(c->token, strlen(c->token))) {
		rc = kc_fail(e, "token", -EINVAL, "holds bytes that cannot go in an HTTP header");
		goto out;
	}
	rc = kc_str(e, "tokenFile", PATH_MAX, &tokfile);
	if (rc)
		goto out;
	/* client-go would let the file win and keep the inline token as a
	 * fallback; two sources for one secret is a mistake worth reporting. */
	if (tokfile && c->token) {
		rc = kc_fail(e, "tokenFile", -EINVAL, "token and tokenFile are both set");
		goto out;
	}
	if (tokfile) {
		rc = kc_resolve(e, "tokenFile", tokfile, &abs);
		if (rc)
			goto out;
		rc = mgo_kube__read_token(abs, &c->token, reason, sizeof(reason));
		if (rc) {
			rc = kc_fail(e, "tokenFile", rc, "file %s: %s", abs, reason);
			goto out;
		}
		mgo_kube__token_read_now(c);
		c->token_file = abs;
		abs = NULL;
	}
	rc = kc_pem(e, "client-certificate", "client-certificate-data", MGO_KUBE__CERT,
		    &c->cert_pem, &c->cert_len);
	if (rc)
		goto out;
	rc = kc_pem(e, "client-key", "client-key-data", MGO_KUBE__KEY, &c->key_pem, &c->key_len);
	if (rc)
		goto out;
	if (!c->cert_pem != !c->key_pem)
		rc = kc_fail(e, c->cert_pem ? "client-certificate" : "client-key", -EINVAL,
			     "a client certificate needs both client-certificate and client-key");
out:
	free(abs);
	free(tokfile);
	return rc;
}

static int kc_context(const struct kc_entry *e, char **cluster, char **user,
		      struct mgo_kube_creds *c)
{
	static const char *const keys[] = { "cluster", "user", "namespace", "extensions", NULL };
	int rc;

	rc = mgo_yaml_check_keys(&e->f->cx, e->body, e->path, keys);
	if (rc)
		return rc;
	rc = kc_str(e, "cluster", KC_NAME_MAX, cluster);
	if (rc)
		return rc;
	if (!*cluster)
		return kc_fail(e, "cluster", -EINVAL, "required");
	rc = kc_str(e, "user", KC_NAME_MAX, user);
	if (rc)
		return rc;
	/* Both are quoted in messages; names themselves were checked likewise. */
	if (!printable_name(*cluster) || (*user && !printable_name(*user)))
		return kc_fail(e, printable_name(*cluster) ? "user" : "cluster", -EINVAL,
			       "must be printable ASCII");
	rc = kc_str(e, "namespace", 63, &c->namespace);
	if (rc)
		return rc;
	/* The namespace goes into request paths: only a real name may. */
	if (c->namespace && !mgo_name_is_dns_label(c->namespace))
		return kc_fail(e, "namespace", -EINVAL, "not a namespace name");
	return 0;
}

/* Decodes the chosen context of the merged files into *out. what_all names
 * the merged set in messages that belong to no single file. */
static int kc_creds(const struct kc_file *files, size_t n, const char *what_all,
		    const char *context, struct mgo_kube_creds *out, char *err, size_t errlen)
{
	const struct mgo_yaml_ctx all = { what_all, err, errlen };
	struct mgo_kube_creds c = { 0 };
	struct kc_entry ctx, cl, us;
	char *cluster = NULL, *user = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = kc_check_file(&files[i]);
		if (rc)
			goto out;
	}
	if (context && !*context)
		context = NULL;
	for (i = 0; !context && i < n; i++) {
		const struct mgo_yaml_node *cc = mgo_yaml_get(files[i].root, "current-context");

		if (!mgo_yaml_is_null(cc) && cc->len)
			context = cc->str;
	}
	if (!context) {
		rc = mgo_yaml_fail(&all, NULL, NULL, NULL, -ENOENT,
				   "no context given and current-context is not set");
		goto out;
	}
	if (!kc_find(files, n, &kc_contexts, context, &ctx)) {
		rc = mgo_yaml_fail(&all, NULL, NULL, NULL, -ENOENT, "context \"%.*s\" not found",
				   KC_NAME_MAX, context);
		goto out;
	}
	rc = kc_context(&ctx, &cluster, &user, &c);
	if (rc)
		goto out;
	if (!kc_find(files, n, &kc_clusters, cluster, &cl)) {
		rc = kc_fail(&ctx, "cluster", -ENOENT, "cluster \"%s\" not found", cluster);
		goto out;
	}
	rc = kc_cluster(&cl, &c);
	if (rc)
		goto out;
	/* A context without a user is anonymous access, as with kubectl. */
	if (user) {
		if (!kc_find(files, n, &kc_users, user, &us)) {
			rc = kc_fail(&ctx, "user", -ENOENT, "user \"%s\" not found", user);
			goto out;
		}
		rc = kc_user(&us, &c);
		if (rc)
			goto out;
	}
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	mgo_kube_creds_free(&c);
	free(user);
	free(cluster);
	return rc;
}

static void kc_file_free(struct kc_file *f)
{
	mgo_yaml_free(f->root);
	free(f->dir);
	free(f->what);
	memset(f, 0, sizeof(*f));
}

/* Relative references must survive a later chdir (the token file is
 * re-read for the process's lifetime), so the base is made absolute now. */
static int abs_dir(const char *dir, size_t len, char **out)
{
	char cwd[PATH_MAX];

	*out = NULL;
	if (len && dir[0] == '/') {
		*out = strndup(dir, len);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		if (asprintf(out, "%s/%.*s", cwd, (int)(len ? len : 1), len ? dir : ".") < 0)
			*out = NULL;
	}
	return *out ? 0 : -ENOMEM;
}

static int kc_file_init(struct kc_file *f, const char *name, const char *dir, size_t dirlen,
			bool have_dir, const char *buf, size_t len, char *err, size_t errlen)
{
	int rc;

	memset(f, 0, sizeof(*f));
	if (asprintf(&f->what, "kubeconfig %s", name) < 0) {
		f->what = NULL;
		snprintf(err, errlen, "kubeconfig %s: out of memory", name);
		return -ENOMEM;
	}
	f->cx = (struct mgo_yaml_ctx){ f->what, err, errlen };
	if (have_dir) {
		rc = abs_dir(dir, dirlen, &f->dir);
		if (rc)
			return mgo_yaml_fail(&f->cx, NULL, NULL, NULL, rc, "base directory: %s",
					     strerror(-rc));
	}
	return mgo_yaml_parse(&f->cx, buf, len, &f->root);
}

int mgo_kube_creds_from_kubeconfig_mem(const char *yaml, size_t len, const char *basedir,
				       const char *context, struct mgo_kube_creds *out,
				       char *err, size_t errlen)
{
	struct kc_file f;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = kc_file_init(&f, "<memory>", basedir, basedir ? strlen(basedir) : 0, basedir != NULL,
			  yaml, len, err, errlen);
	if (!rc)
		rc = kc_creds(&f, 1, f.what, context, out, err, errlen);
	kc_file_free(&f);
	return rc;
}

/* Loads one file into f. When optional (a $KUBECONFIG entry), a missing file
 * returns 1 with f untouched and no message. */
static int kc_load_file(struct kc_file *f, const char *path, bool optional, char *err,
			size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *buf = NULL, reason[128];
	size_t len = 0;
	int rc;

	rc = mgo_file_read(path, MGO_KUBE_FILE_MAX, &buf, &len, reason, sizeof(reason));
	if (rc == -ENOENT && optional)
		return 1;
	if (rc) {
		snprintf(err, errlen, "kubeconfig %s: %s", path, reason);
		return rc;
	}
	if (slash)
		rc = kc_file_init(f, path, path, slash == path ? 1 : (size_t)(slash - path), true,
				  buf, len, err, errlen);
	else
		rc = kc_file_init(f, path, ".", 1, true, buf, len, err, errlen);
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

int mgo_kube_creds_from_kubeconfig(const char *path, const char *context,
				   struct mgo_kube_creds *out, char *err, size_t errlen)
{
	struct kc_file files[MGO_KUBE_PATHS_MAX];
	const char *env = getenv("KUBECONFIG"), *home;
	char *list = NULL, *save = NULL, *p, *what_all = NULL, *seen[MGO_KUBE_PATHS_MAX];
	size_t n = 0, nseen = 0, i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(files, 0, sizeof(files));
	if (!path && env && *env) {
		list = strdup(env);
		if (!list || asprintf(&what_all, "kubeconfig %s", env) < 0) {
			what_all = NULL;
			rc = -ENOMEM;
			snprintf(err, errlen, "kubeconfig: out of memory");
			goto out;
		}
		for (p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
			for (i = 0; i < nseen && strcmp(seen[i], p); i++)
				;
			if (i < nseen)
				continue;
			if (nseen == MGO_KUBE_PATHS_MAX) {
				rc = -E2BIG;
				snprintf(err, errlen, "KUBECONFIG: more than %d files", MGO_KUBE_PATHS_MAX);
				goto out;
			}
			seen[nseen++] = p;
			rc = kc_load_file(&files[n], p, true, err, errlen);
			if (rc == 1)
				continue;
			n++;
			if (rc)
				goto out;
		}
		if (!n) {
			rc = -ENOENT;
			snprintf(err, errlen, "KUBECONFIG=%s: none of its files exists", env);
			goto out;
		}
		rc = kc_creds(files, n, what_all, context, out, err, errlen);
		goto out;
	}
	if (!path) {
		home = getenv("HOME");
		if (!home || home[0] != '/') {
			rc = -ENOENT;
			snprintf(err, errlen, "kubeconfig: neither KUBECONFIG nor HOME is set");
			goto out;
		}
		if (asprintf(&what_all, "%s/.kube/config", home) < 0) {
			what_all = NULL;
			rc = -ENOMEM;
			snprintf(err, errlen, "kubeconfig: out of memory");
			goto out;
		}
		path = what_all;
	}
	rc = kc_load_file(&files[0], path, false, err, errlen);
	n = 1;
	if (!rc)
		rc = kc_creds(files, 1, files[0].what, context, out, err, errlen);
out:
	for (i = 0; i < n; i++)
		kc_file_free(&files[i]);
	free(what_all);
	free(list);
	return rc;
}

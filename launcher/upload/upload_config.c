/* The upload step's configuration and decisions; see upload_config.h. */
#include "upload_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mgo/upload.h"

#define MAX_SECRET 4096u
#define MAX_NO_PROXY 4096u
#define PART_PREFIX "."
#define PART_SUFFIX ".part"
#define BACKOFF_BASE_MS 1000u
#define BACKOFF_CAP_MS 30000u

int mgo_upload_fail(int ret, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return ret;
}

#define invalid(msg, msglen, ...) mgo_upload_fail(-EINVAL, msg, msglen, __VA_ARGS__)

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A DNS name or an IPv4 address: labels of letters, digits, '-' and '_'
 * (seen on internal names), none empty, none starting or ending with '-'. */
static bool is_hostname(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
		if (label == 0 && s[i] == '-')
			return false;
		label++;
	}
	return true;
}

static bool is_ipv6(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr addr;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &addr) == 1;
}

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

int mgo_upload_parse_host(const char *s, char *host, size_t hostlen, unsigned *port, char *msg,
			  size_t msglen)
{
	const char *name = s, *port_text = NULL;
	size_t len;

	*port = 22;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return invalid(msg, msglen, "'[' without ']'");
		name = s + 1;
		len = (size_t)(close - name);
		if (!is_ipv6(name, len))
			return invalid(msg, msglen, "not an IPv6 address inside [ ]");
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1])
			return invalid(msg, msglen, "unexpected text after ']'");
	} else if (strchr(s, ':') && strchr(s, ':') != strrchr(s, ':')) {
		len = strlen(s);
		if (!is_ipv6(s, len))
			return invalid(msg, msglen, "several ':' but not an IPv6 address");
	} else {
		const char *colon = strchr(s, ':');
		len = colon ? (size_t)(colon - s) : strlen(s);
		port_text = colon ? colon + 1 : NULL;
		if (!is_hostname(s, len))
			return invalid(msg, msglen, "not a host name or IPv4 address");
	}
	if (port_text && parse_port(port_text, port) != 0)
		return invalid(msg, msglen, "the port must be a number from 1 to 65535");
	if (len >= hostlen)
		return invalid(msg, msglen, "too long");
	for (size_t i = 0; i < len; i++)
		host[i] = (char)tolower((unsigned char)name[i]);
	host[len] = '\0';
	return 0;
}

/* A remote name is one plain file name: it becomes part of a URL and of an
 * SFTP "rename" command, so it is kept to characters neither needs quoted. */
static bool is_remote_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MGO_UPLOAD_MAX_REMOTE_NAME || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* An internal user's name becomes a directory in the remote path, so the
 * same care applies; Red Hat logins fit these characters. */
static bool is_path_user(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._@+-", s[i]))
			return false;
	return true;
}

static int dup_secret(char **dst, const char *name, const char *value, char *msg, size_t msglen)
{
	if (!value || !*value)
		return invalid(msg, msglen, "%s is not set (the Secret needs this key)", name);
	if (strnlen(value, MAX_SECRET + 1) > MAX_SECRET)
		return invalid(msg, msglen, "%s is longer than %u bytes", name, MAX_SECRET);
	if (has_control(value))
		return invalid(msg, msglen,
			       "%s contains a control character (a trailing newline from "
			       "`echo` when the Secret was made?)",
			       name);
	*dst = strdup(value);
	return *dst ? 0 : -ENOMEM;
}

/* The CA bundle an https:// proxy is verified against, when the Job mounts
 * one (operator configuration trustedCAConfigMap). The ConfigMap is mounted
 * optional, so a namespace without it gets an empty directory: that is
 * refused here by name, never silently replaced by the system's CAs. */
static int load_proxy_ca(struct mgo_upload_config *cfg, mgo_upload_getenv_fn *get, void *arg,
			 char *msg, size_t msglen)
{
	const char *file = get(MGO_UPLOAD_ENV_PROXY_CA_FILE, arg);
	const char *cm = get(MGO_UPLOAD_ENV_PROXY_CA_CONFIGMAP, arg);
	struct stat st;

	if (!file || !*file)
		return 0;
	if (file[0] != '/' || strlen(file) >= PATH_MAX || has_control(file))
		return invalid(msg, msglen, "%s must be an absolute file path",
			       MGO_UPLOAD_ENV_PROXY_CA_FILE);
	bool missing = stat(file, &st) != 0;
	if (missing || !S_ISREG(st.st_mode) || st.st_size == 0)
		return invalid(msg, msglen,
			       "the HTTPS proxy's CA bundle %s is %s: ConfigMap %.253s (operator "
			       "configuration trustedCAConfigMap) does not exist in the MustGather's "
			       "namespace or has no key " MGO_TRUSTED_CA_KEY " (on OpenShift, create "
			       "it labelled config.openshift.io/inject-trusted-cabundle=true)",
			       file, missing ? "missing" : "empty or not a file",
			       cm && *cm ? cm : "(unnamed)");
	cfg->proxy_ca_file = strdup(file);
	return cfg->proxy_ca_file ? 0 : -ENOMEM;
}

/* HTTPS_PROXY wins over HTTP_PROXY, as in the upstream script; both name an
 * HTTP(S) proxy that SFTP goes through with CONNECT. */
static int load_proxy(struct mgo_upload_config *cfg, mgo_upload_getenv_fn *get, void *arg,
		      char *msg, size_t msglen)
{
	const char *name = "HTTPS_PROXY", *value = get("HTTPS_PROXY", arg);
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *url = NULL;
	int ret = 0;

	if (!value || !*value) {
		name = "HTTP_PROXY";
		value = get("HTTP_PROXY", arg);
	}
	if (!value || !*value)
		goto no_proxy;
	if (strlen(value) > MAX_SECRET || has_control(value) || strchr(value, ' ')) {
		ret = invalid(msg, msglen, "%s is not a URL", name);
		goto out;
	}
	/* curl takes a bare host:port as http://; say so explicitly */
	if (asprintf(&cfg->proxy, "%s%s", strstr(value, "://") ? "" : "http://", value) < 0) {
		cfg->proxy = NULL;
		ret = -ENOMEM;
		goto out;
	}
	url = curl_url();
	if (!url) {
		ret = -ENOMEM;
		goto out;
	}
	/* the URL may hold credentials: the message names the variable only */
	if (curl_url_set(url, CURLUPART_URL, cfg->proxy, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		ret = invalid(msg, msglen, "%s is not a URL", name);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		ret = invalid(msg, msglen, "%s must be an http:// or https:// URL", name);
		goto out;
	}
	snprintf(cfg->proxy_display, sizeof(cfg->proxy_display), "%s://%s:%s", scheme, host, port);
	if (strcmp(scheme, "https") == 0 && (ret = load_proxy_ca(cfg, get, arg, msg, msglen)))
		goto out;
no_proxy:
	value = get("NO_PROXY", arg);
	if (value && *value) {
		if (strlen(value) > MAX_NO_PROXY || has_control(value)) {
			ret = invalid(msg, msglen, "NO_PROXY is not a host list");
			goto out;
		}
		cfg->no_proxy = strdup(value);
		if (!cfg->no_proxy)
			ret = -ENOMEM;
	}
out:
	curl_free(port);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(url);
	return ret;
}

static int load_attempts(struct mgo_upload_config *cfg, const char *value, char *msg,
			 size_t msglen)
{
	char *end;
	unsigned long n;

	cfg->attempts = MGO_UPLOAD_DEFAULT_ATTEMPTS;
	if (!value || !*value)
		return 0;
	errno = 0;
	n = strtoul(value, &end, 10);
	if (errno || *end || !isdigit((unsigned char)*value) || n < 1 ||
	    n > MGO_UPLOAD_MAX_ATTEMPTS)
		return invalid(msg, msglen, "%s must be a number from 1 to %u",
			       MGO_UPLOAD_ENV_ATTEMPTS, MGO_UPLOAD_MAX_ATTEMPTS);
	cfg->attempts = (unsigned)n;
	return 0;
}

int mgo_upload_config_load(struct mgo_upload_config *cfg, mgo_upload_getenv_fn *get, void *arg,
			   char *msg, size_t msglen)
{
	const char *v;
	char why[160];
	int ret;

	v = get(MGO_UPLOAD_ENV_RESULT_DIR, arg);
	if (!v || v[0] != '/' || strlen(v) >= PATH_MAX || has_control(v))
		return invalid(msg, msglen, "%s must be an absolute directory path",
			       MGO_UPLOAD_ENV_RESULT_DIR);
	cfg->result_dir = strdup(v);
	if (!cfg->result_dir)
		return -ENOMEM;

	v = get(MGO_UPLOAD_ENV_HOST, arg);
	if (!v || !*v)
		return invalid(msg, msglen, "%s is not set", MGO_UPLOAD_ENV_HOST);
	if (mgo_upload_parse_host(v, cfg->host, sizeof(cfg->host), &cfg->port, why,
				  sizeof(why)) != 0)
		return invalid(msg, msglen, "%s \"%.100s\": %s", MGO_UPLOAD_ENV_HOST, v, why);

	v = get(MGO_UPLOAD_ENV_REMOTE_NAME, arg);
	if (!v || !is_remote_name(v))
		return invalid(msg, msglen,
			       "%s must be a file name of 1 to %u letters, digits, '.', '_' or "
			       "'-', not starting with '.'",
			       MGO_UPLOAD_ENV_REMOTE_NAME, MGO_UPLOAD_MAX_REMOTE_NAME);
	cfg->remote_name = strdup(v);
	if (!cfg->remote_name)
		return -ENOMEM;

	v = get(MGO_UPLOAD_ENV_INTERNAL_USER, arg);
	if (!v || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
		return invalid(msg, msglen, "%s must be \"true\" or \"false\"",
			       MGO_UPLOAD_ENV_INTERNAL_USER);
	cfg->internal_user = strcmp(v, "true") == 0;

	ret = mgo_kh_parse(&cfg->known_hosts, get(MGO_UPLOAD_ENV_KNOWN_HOSTS, arg), why,
			   sizeof(why));
	if (ret == -EINVAL)
		return invalid(msg, msglen, "%s %s", MGO_UPLOAD_ENV_KNOWN_HOSTS, why);
	if (ret)
		return ret;

	ret = dup_secret(&cfg->username, MGO_UPLOAD_ENV_USERNAME,
			 get(MGO_UPLOAD_ENV_USERNAME, arg), msg, msglen);
	if (ret)
		return ret;
	if (cfg->internal_user && !is_path_user(cfg->username))
		return invalid(msg, msglen,
			       "%s names the remote directory of an internal user, so it must be "
			       "1 to 128 letters, digits, '.', '_', '@', '+' or '-'",
			       MGO_UPLOAD_ENV_USERNAME);
	ret = dup_secret(&cfg->password, MGO_UPLOAD_ENV_PASSWORD,
			 get(MGO_UPLOAD_ENV_PASSWORD, arg), msg, msglen);
	if (ret)
		return ret;

	ret = load_proxy(cfg, get, arg, msg, msglen);
	if (ret)
		return ret;
	return load_attempts(cfg, get(MGO_UPLOAD_ENV_ATTEMPTS, arg), msg, msglen);
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void mgo_upload_config_free(struct mgo_upload_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->result_dir);
	free(cfg->remote_name);
	mgo_kh_free(&cfg->known_hosts);
	free_secret(cfg->username);
	free_secret(cfg->password);
	free_secret(cfg->proxy);
	free(cfg->no_proxy);
	free(cfg->proxy_ca_file);
	explicit_bzero(cfg, sizeof(*cfg));
}

int mgo_upload_remote_paths(const struct mgo_upload_config *cfg, char *final, size_t final_len,
			    char *part, size_t part_len)
{
	const char *dir = cfg->internal_user ? cfg->username : "";
	const char *slash = cfg->internal_user ? "/" : "";
	int n = snprintf(final, final_len, "%s%s%s", dir, slash, cfg->remote_name);
	int m = snprintf(part, part_len, "%s%s" PART_PREFIX "%s" PART_SUFFIX, dir, slash,
			 cfg->remote_name);

	if (n < 0 || (size_t)n >= final_len || m < 0 || (size_t)m >= part_len)
		return -ENAMETOOLONG;
	return 0;
}

unsigned mgo_upload_backoff_ms(unsigned failures, uint32_t random)
{
	unsigned ceiling = BACKOFF_CAP_MS;

	if (failures <= 1)
		ceiling = BACKOFF_BASE_MS;
	else if (failures < 16 && (BACKOFF_BASE_MS << (failures - 1)) < BACKOFF_CAP_MS)
		ceiling = BACKOFF_BASE_MS << (failures - 1);
	return ceiling / 2 + random % (ceiling / 2 + 1);
}

struct mgo_upload_outcome mgo_upload_classify(CURLcode rc, bool ssh_reached)
{
	/* before the host key, a broken connection is a server (or proxy) we
	 * could not reach; after it, a transfer that broke */
	int broken = ssh_reached ? MGO_UPLOAD_EXIT_TRANSFER : MGO_UPLOAD_EXIT_UNREACHABLE;

	switch (rc) {
	case CURLE_OK:
		return (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_OK, false};
	case CURLE_PEER_FAILED_VERIFICATION:
		return (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_HOST_KEY, false};
	case CURLE_LOGIN_DENIED:
		return (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_AUTH, false};
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_UNREACHABLE, true};
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSH: /* libssh2's session-level failures, a dropped connection among them */
		return (struct mgo_upload_outcome){broken, true};
	default:
		/* the server refused the file (permissions, disk, path) or we
		 * could not read it: the same again would fail the same way */
		return (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_TRANSFER, false};
	}
}

void mgo_upload_redact(char *text, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;

	if (n == 0)
		return;
	for (char *p = strstr(text, secret); p; p = strstr(p + n, secret))
		memset(p, '*', n);
}

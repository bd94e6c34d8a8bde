/* The SFTP transfer; see sftp.h. */
#include "sftp.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mgo/log.h"
#include "mgo/clock.h"
#include "mgo/upload.h"

/* CURLOPT_SSH_HOSTKEYFUNCTION came in 7.84, CURLOPT_PROTOCOLS_STR in 7.85 */
#if LIBCURL_VERSION_NUM < 0x075500
#error "mgo-upload needs libcurl 7.85 or later"
#endif

#define CONNECT_TIMEOUT_S 30L
/* a transfer slower than this for that long is stalled: abort and retry */
#define LOW_SPEED_BYTES 1024L
#define LOW_SPEED_TIME_S 120L

/* Whether the file goes to a temporary name first. Some SFTP servers
 * accept uploads but refuse renames; there the file goes straight to its
 * final name (a partial file is then possible, and logged as such). */
enum mode {
	VIA_PART,
	DIRECT,
};

struct host_key {
	const struct mgo_upload_config *cfg;
	bool seen;                  /* the handshake got as far as the key */
	enum mgo_kh_verdict verdict;
	char type[32];
	char fingerprint[64];
	char *line;                 /* owned: the known_hosts line to add, if unknown */
};

struct source {
	int fd;
	curl_off_t size;
	curl_off_t offset;
	int error;                  /* errno of a failed read */
};

struct attempt {
	CURLcode rc;
	char error[CURL_ERROR_SIZE];
	struct host_key key;
	struct source src;
	uint64_t millis;
};

/* libcurl hands over the server's key blob once libssh2 has checked the
 * server holds it; it is compared byte for byte (type included) with the
 * known keys for this host and port. There is no fallback to accepting. */
static int on_host_key(void *arg, int curl_type, const char *key, size_t len)
{
	struct host_key *hk = arg;
	const unsigned char *blob = (const unsigned char *)key;

	(void)curl_type; /* the blob names its type; that is what we compare */
	hk->seen = true;
	hk->verdict = mgo_kh_check(&hk->cfg->known_hosts, hk->cfg->host, hk->cfg->port, blob, len);
	if (mgo_kh_blob_type(blob, len, hk->type, sizeof(hk->type)) != 0)
		snprintf(hk->type, sizeof(hk->type), "unknown");
	if (mgo_kh_fingerprint(blob, len, hk->fingerprint, sizeof(hk->fingerprint)) != 0)
		snprintf(hk->fingerprint, sizeof(hk->fingerprint), "unavailable");
	if (hk->verdict == MGO_KH_UNKNOWN_HOST && !hk->line)
		hk->line = mgo_kh_format_line(hk->cfg->host, hk->cfg->port, blob, len);
	return hk->verdict == MGO_KH_MATCH ? CURLKHMATCH_OK : CURLKHMATCH_MISMATCH;
}

static size_t read_tarball(char *buf, size_t size, size_t n, void *arg)
{
	struct source *src = arg;
	curl_off_t left = src->size - src->offset;
	size_t want = size * n;
	ssize_t got;

	if (left <= 0)
		return 0;
	if ((curl_off_t)want > left)
		want = (size_t)left;
	do
		got = pread(src->fd, buf, want, (off_t)src->offset);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		/* the file shrank under us, or the volume failed */
		src->error = got < 0 ? errno : EIO;
		return CURL_READFUNC_ABORT;
	}
	src->offset += got;
	return (size_t)got;
}

/* sftp://host:port/~/<path>, built by libcurl so the host and the path are
 * escaped by the library that parses them again. Returns a curl_free'd
 * string; it holds an internal user's name, so it is never logged. */
static char *remote_url(const struct mgo_upload_config *cfg, const char *path)
{
	char host[sizeof(cfg->host) + 2], port[8], rpath[600];
	char *url = NULL;
	CURLU *u = curl_url();

	if (!u)
		return NULL;
	snprintf(host, sizeof(host), strchr(cfg->host, ':') ? "[%s]" : "%s", cfg->host);
	snprintf(port, sizeof(port), "%u", cfg->port);
	if (snprintf(rpath, sizeof(rpath), "/~/%s", path) >= (int)sizeof(rpath) ||
	    curl_url_set(u, CURLUPART_SCHEME, "sftp", 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PORT, port, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PATH, rpath, CURLU_URLENCODE) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		url = NULL;
	curl_url_cleanup(u);
	return url;
}

/* One SFTP quote command on two paths. The paths are relative, hence
 * resolved in the login directory like the upload URL's "/~/", and hold
 * only characters upload_config.c allows, so none needs quoting. */
static struct curl_slist *command(const char *verb, const char *a, const char *b)
{
	char line[1300];
	struct curl_slist *list;

	if (snprintf(line, sizeof(line), "%s %s%s%s", verb, a, b ? " " : "", b ? b : "") >=
	    (int)sizeof(line))
		return NULL;
	list = curl_slist_append(NULL, line);
	explicit_bzero(line, sizeof(line));
	return list;
}

#define SET(opt, val)                                                                          \
	do {                                                                                   \
		if (curl_easy_setopt(curl, opt, val) != CURLE_OK)                              \
			goto out;                                                              \
	} while (0)

/* One connection, one upload. Fills *a; never fails by itself (a setup
 * failure is an attempt with an error too). */
static void run_attempt(const struct mgo_upload_config *cfg, enum mode mode, const char *final,
			const char *part, struct attempt *a)
{
	struct curl_slist *quote = NULL, *postquote = NULL;
	char *url = NULL;
	CURL *curl = NULL;
	uint64_t start = mgo_now_ms();

	a->rc = CURLE_OUT_OF_MEMORY;
	url = remote_url(cfg, mode == VIA_PART ? part : final);
	if (mode == VIA_PART)
		postquote = command("rename", part, final);
	else /* a part left by a refused rename; '*': its failure is no error */
		quote = command("*rm", part, NULL);
	curl = curl_easy_init();
	if (!url || !(mode == VIA_PART ? postquote : quote) || !curl)
		goto out;
	a->rc = CURLE_FAILED_INIT;
	SET(CURLOPT_ERRORBUFFER, a->error);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "sftp");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERNAME, cfg->username);
	SET(CURLOPT_PASSWORD, cfg->password);
	/* the Secret holds a password; servers ask for it either way */
	SET(CURLOPT_SSH_AUTH_TYPES, (long)(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
	SET(CURLOPT_SSH_HOSTKEYFUNCTION, on_host_key);
	SET(CURLOPT_SSH_HOSTKEYDATA, &a->key);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_tarball);
	SET(CURLOPT_READDATA, &a->src);
	SET(CURLOPT_INFILESIZE_LARGE, a->src.size);
	SET(CURLOPT_QUOTE, quote);
	SET(CURLOPT_POSTQUOTE, postquote);
	SET(CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	SET(CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
	SET(CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME_S);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	/* only the proxy we were given: "" keeps libcurl from reading its own
	 * *_proxy variables behind our back */
	SET(CURLOPT_PROXY, cfg->proxy ? cfg->proxy : "");
	SET(CURLOPT_HTTPPROXYTUNNEL, cfg->proxy ? 1L : 0L);
	SET(CURLOPT_NOPROXY, cfg->no_proxy ? cfg->no_proxy : "");
	/* an https:// proxy is verified (libcurl's default) against the
	 * cluster's trusted bundle when the Job mounts one */
	if (cfg->proxy_ca_file)
		SET(CURLOPT_PROXY_CAINFO, cfg->proxy_ca_file);
	a->rc = curl_easy_perform(curl);
out:
	a->millis = mgo_now_ms() - start;
	curl_easy_cleanup(curl);
	curl_slist_free_all(postquote);
	curl_slist_free_all(quote);
	curl_free(url);
}

#undef SET

/* The reason an attempt failed, for the Job's log and the final line. */
static void describe(const struct mgo_upload_config *cfg, const struct attempt *a, int status,
		     char *msg, size_t msglen)
{
	char where[300];
	const struct host_key *hk = &a->key;

	if (mgo_kh_host_name(cfg->host, cfg->port, where, sizeof(where)) != 0)
		snprintf(where, sizeof(where), "the server");
	switch (status) {
	case MGO_UPLOAD_EXIT_OK:
		snprintf(msg, msglen, "uploaded %lld bytes to %s as %s", (long long)a->src.size,
			 where, cfg->remote_name);
		break;
	case MGO_UPLOAD_EXIT_HOST_KEY:
		if (!hk->seen)
			snprintf(msg, msglen, "the host key of %s was not checked: %s", where,
				 a->error[0] ? a->error : "libcurl did not hand it over");
		else if (hk->verdict == MGO_KH_UNKNOWN_HOST)
			snprintf(msg, msglen,
				 "no %s entry for %s, which offered the %s key %s; if that "
				 "fingerprint is confirmed as the server's, add this line: %s",
				 MGO_UPLOAD_ENV_KNOWN_HOSTS, where, hk->type, hk->fingerprint,
				 hk->line ? hk->line : "(out of memory)");
		else if (hk->verdict == MGO_KH_REVOKED)
			snprintf(msg, msglen, "%s offered the %s key %s, which is marked @revoked",
				 where, hk->type, hk->fingerprint);
		else
			snprintf(msg, msglen,
				 "host key mismatch: %s offered the %s key %s, which is not among its "
				 "known keys; refusing to connect (the key changed, or someone is "
				 "in the middle)",
				 where, hk->type, hk->fingerprint);
		break;
	case MGO_UPLOAD_EXIT_AUTH:
		snprintf(msg, msglen,
			 "%s refused the username and password from the case management Secret",
			 where);
		break;
	case MGO_UPLOAD_EXIT_UNREACHABLE:
		snprintf(msg, msglen, "cannot reach %s%s%s: %s", where,
			 cfg->proxy_display[0] ? " through the proxy " : "", cfg->proxy_display,
			 a->error);
		break;
	default:
		if (a->rc == CURLE_ABORTED_BY_CALLBACK && a->src.error)
			snprintf(msg, msglen, "reading the tarball failed: %s",
				 strerror(a->src.error));
		else if (a->rc == CURLE_OK)
			snprintf(msg, msglen, "%s took %lld of %lld bytes", where,
				 (long long)a->src.offset, (long long)a->src.size);
		else if (a->rc == CURLE_REMOTE_FILE_NOT_FOUND && cfg->internal_user)
			snprintf(msg, msglen,
				 "%s has no directory named after the internal user: %s", where,
				 a->error);
		else
			snprintf(msg, msglen, "upload to %s failed: %s", where,
				 a->error[0] ? a->error : curl_easy_strerror(a->rc));
	}
}

static void log_attempt(const struct mgo_upload_config *cfg, unsigned n, unsigned budget,
			const struct attempt *a, int status, unsigned delay_ms, const char *msg)
{
	mgo_log_kv(status == MGO_UPLOAD_EXIT_OK ? MGO_LOG_INFO : MGO_LOG_WARN, __func__,
		   "upload.attempt",
		   "{s:i, s:i, s:s, s:i, s:s?, s:s, s:i, s:i, s:I, s:I, s:I, s:i, s:s}", "attempt",
		   (int)n, "of", (int)budget, "host", cfg->host, "port", (int)cfg->port, "proxy",
		   cfg->proxy_display[0] ? cfg->proxy_display : NULL, "remote_name",
		   cfg->remote_name, "exit_status", status, "curl_code", (int)a->rc, "bytes",
		   (json_int_t)a->src.offset, "size", (json_int_t)a->src.size, "millis",
		   (json_int_t)a->millis, "retry_in_ms", (int)delay_ms, "msg", msg);
}

static void log_host_key(const struct mgo_upload_config *cfg, const struct host_key *hk)
{
	mgo_log_kv(MGO_LOG_ERROR, __func__, "upload.host_key",
		   "{s:s, s:i, s:s, s:s, s:s, s:s?}", "host", cfg->host, "port", (int)cfg->port,
		   "verdict",
		   hk->verdict == MGO_KH_UNKNOWN_HOST ? "unknown host"
		   : hk->verdict == MGO_KH_REVOKED    ? "revoked"
						      : "mismatch",
		   "key_type", hk->type, "fingerprint", hk->fingerprint, "known_hosts_line",
		   hk->line);
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint32_t jitter(void)
{
	uint32_t r = 0;

	/* a predictable jitter only loses spread, so a failure is harmless */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)mgo_now_ms();
	return r;
}

int mgo_upload_check_backend(char *msg, size_t msglen)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *ssh = v && v->libssh_version ? v->libssh_version : "none";

	if (strncmp(ssh, "libssh2/", strlen("libssh2/")) == 0)
		return MGO_UPLOAD_EXIT_OK;
	return mgo_upload_fail(MGO_UPLOAD_EXIT_USAGE, msg, msglen,
			       "libcurl's SSH backend is %s, not libssh2: it would not let us check "
			       "the server's host key, so nothing is uploaded",
			       ssh);
}

int mgo_upload_run(const struct mgo_upload_config *cfg, const struct mgo_upload_tarball *tb,
		   char *msg, size_t msglen)
{
	char final[600], part[600];
	enum mode mode = VIA_PART;
	unsigned budget = cfg->attempts;
	int status = MGO_UPLOAD_EXIT_TRANSFER;

	if (mgo_upload_remote_paths(cfg, final, sizeof(final), part, sizeof(part)) != 0) {
		snprintf(msg, msglen, "the remote path is too long");
		return MGO_UPLOAD_EXIT_USAGE;
	}
	for (unsigned n = 1; n <= budget; n++) {
		struct attempt a = {.key.cfg = cfg, .src = {.fd = tb->fd, .size = tb->size}};
		run_attempt(cfg, mode, final, part, &a);
		mgo_upload_redact(a.error, cfg->password);
		mgo_upload_redact(a.error, cfg->username);

		struct mgo_upload_outcome out = mgo_upload_classify(a.rc, a.key.seen);
		if (a.rc == CURLE_OK && a.src.offset != a.src.size)
			out = (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_TRANSFER, true};
		/* a TLS verification that failed before the SSH handshake is the
		 * HTTPS proxy's certificate (the trusted CA bundle does not vouch
		 * for it), not the server's key; trying again changes nothing */
		if (a.rc == CURLE_PEER_FAILED_VERIFICATION && !a.key.seen && cfg->proxy)
			out = (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_UNREACHABLE, false};
		/* never reported as a success unless we checked the key ourselves */
		if (a.rc == CURLE_OK && !a.key.seen)
			out = (struct mgo_upload_outcome){MGO_UPLOAD_EXIT_HOST_KEY, false};
		status = out.exit_status;
		describe(cfg, &a, status, msg, msglen);
		/* the file is whole on the server, but renaming was refused:
		 * send it again under its final name, without using an attempt */
		bool rename_refused = mode == VIA_PART && a.rc == CURLE_QUOTE_ERROR;
		unsigned delay = 0;
		if (out.retry && n < budget)
			delay = mgo_upload_backoff_ms(n, jitter());
		log_attempt(cfg, n, budget, &a, status, delay, msg);
		if (status == MGO_UPLOAD_EXIT_HOST_KEY && a.key.seen)
			log_host_key(cfg, &a.key);
		free(a.key.line);
		if (rename_refused) {
			mgo_warn("upload.rename_refused",
				 "the server refused to rename the uploaded file; uploading again "
				 "directly under the final name");
			mode = DIRECT;
			budget++;
			continue;
		}
		if (status == MGO_UPLOAD_EXIT_OK || delay == 0)
			break;
		pause_ms(delay);
	}
	return status;
}

/* The upload step's pure parts: its configuration from the environment the
 * Job sets (launcher/job.c, upload_container()), where the file goes on the
 * server, how long to wait between attempts, and which libcurl results are
 * worth another attempt. No I/O; tested by tables in tests/unit.
 *
 * Where files go mirrors the upstream operator's upload script
 * (github.com/openshift/must-gather-operator, build/bin/upload): it runs
 * `sftp user@sftp.access.redhat.com` and `put FILE REMOTE` with a path
 * relative to the login directory, REMOTE being "<caseid>_<file>" for
 * customers and "<username>/<caseid>_<file>" for internal users ("internal
 * users must upload to a different path on the sftp"). We upload to the same
 * relative paths; the Job already puts the case ID in MGO_REMOTE_NAME. */
#ifndef MGO_UPLOAD_CONFIG_H
#define MGO_UPLOAD_CONFIG_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "known_hosts.h"

#define MGO_UPLOAD_ENV_RESULT_DIR "MGO_RESULT_DIR"
#define MGO_UPLOAD_ENV_HOST "MGO_SFTP_HOST"
#define MGO_UPLOAD_ENV_REMOTE_NAME "MGO_REMOTE_NAME"
#define MGO_UPLOAD_ENV_INTERNAL_USER "MGO_INTERNAL_USER"
#define MGO_UPLOAD_ENV_KNOWN_HOSTS "MGO_SFTP_KNOWN_HOSTS"
#define MGO_UPLOAD_ENV_USERNAME "MGO_SFTP_USERNAME"
#define MGO_UPLOAD_ENV_PASSWORD "MGO_SFTP_PASSWORD"
#define MGO_UPLOAD_ENV_ATTEMPTS "MGO_UPLOAD_ATTEMPTS"

#define MGO_UPLOAD_DEFAULT_ATTEMPTS 5u
#define MGO_UPLOAD_MAX_ATTEMPTS 20u
#define MGO_UPLOAD_MAX_REMOTE_NAME 200u /* ".<name>.part" must fit NAME_MAX */

struct mgo_upload_config {
	char *result_dir;           /* absolute */
	char host[256];             /* lowercased; an IPv6 address without brackets */
	unsigned port;
	char *remote_name;          /* one file name of [A-Za-z0-9._-] */
	bool internal_user;
	struct mgo_kh known_hosts;  /* possibly empty: every host is then unknown */
	char *username;             /* secret: never logged; wiped when freed */
	char *password;             /* secret: never logged; wiped when freed */
	char *proxy;                /* NULL: direct; may carry credentials, wiped when freed */
	char proxy_display[300];    /* "scheme://host:port" of the proxy, for logs; "" if none */
	char *no_proxy;             /* NULL: none; curl's CURLOPT_NOPROXY syntax */
	char *proxy_ca_file;        /* an https:// proxy's CA bundle (the trusted CA
				       ConfigMap's mount); NULL: the system's */
	unsigned attempts;          /* 1..MGO_UPLOAD_MAX_ATTEMPTS */
};

/* Looks a variable up; returns NULL when unset. The string is borrowed. */
typedef const char *mgo_upload_getenv_fn(const char *name, void *arg);

/* Fills *cfg (zeroed by the caller) from the variables `get` returns.
 * Returns 0, -EINVAL with a message naming the variable (never quoting a
 * secret) or -ENOMEM. The caller releases *cfg with mgo_upload_config_free()
 * whatever the result. */
int mgo_upload_config_load(struct mgo_upload_config *cfg, mgo_upload_getenv_fn *get, void *arg,
			   char *msg, size_t msglen);

/* Wipes the secrets, frees what *cfg owns and zeroes it. */
void mgo_upload_config_free(struct mgo_upload_config *cfg);

/* Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address
 * into a lowercased host (no brackets) and a port (22 when absent).
 * Returns 0, or -EINVAL with the reason in msg. */
int mgo_upload_parse_host(const char *s, char *host, size_t hostlen, unsigned *port, char *msg,
			  size_t msglen);

/* The final and the temporary remote paths, relative to the login
 * directory (see the top of this file). The temporary one is hidden and
 * suffixed, so a partial upload never looks like a complete tarball.
 * Returns 0 or -ENAMETOOLONG. */
int mgo_upload_remote_paths(const struct mgo_upload_config *cfg, char *final, size_t final_len,
			    char *part, size_t part_len);

/* Milliseconds to wait after the n-th failed attempt (n >= 1): exponential
 * from 1 s, capped at 30 s, with jitter from `random` over the upper half
 * so that many Jobs failing together do not retry in step. */
unsigned mgo_upload_backoff_ms(unsigned failures, uint32_t random);

/* What a libcurl result means for the Job: its exit status (mgo/upload.h)
 * and whether another attempt may help. ssh_reached says whether the SSH
 * handshake got as far as the host key, which separates a server that
 * cannot be reached from a transfer that broke. */
struct mgo_upload_outcome {
	int exit_status;
	bool retry;
};
struct mgo_upload_outcome mgo_upload_classify(CURLcode rc, bool ssh_reached);

/* Formats a reason into msg and returns `ret`, for one-line failure paths. */
int mgo_upload_fail(int ret, char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Overwrites every occurrence of secret in text with '*', so a library's
 * error message can be logged even if it ever quoted a credential. */
void mgo_upload_redact(char *text, const char *secret);

#endif

/* mgo-tokens: mints the watcher's and the launcher's API tokens with the
 * TokenRequest API and keeps them fresh (docs/install.md, "Tokens").
 *
 * It holds the pod's own projected ServiceAccount token, which the kubelet
 * binds to the pod and rotates, and which may do exactly one thing: create
 * serviceaccounts/token for the two role accounts. For each role it asks
 * for a token of expirationSeconds, writes it to the role's tokenFile (a
 * new file renamed over the old one, mode 0400, in the role's own
 * directory, which only that role's sandbox may read) and asks again at
 * 80% of the lifetime the API server gave; the roles re-read their token
 * files on their own. It is ready once both tokens are written, so the
 * supervisor starts the roles only then. A failed request is retried with
 * backoff and logged; a token never is.
 *
 * Why the role tokens are not bound to the pod: kube binds a token to a Pod
 * only when the Pod runs as that token's ServiceAccount ("cannot bind token
 * for serviceaccount ... to pod running with different serviceaccount
 * name"), and this pod runs as its own account, not as either role's. So
 * they are bound by time and audience; what ties them to the pod is that
 * only this pod's own (pod-bound) token can mint them: once the pod is gone
 * no new one is made and the last ones die within expirationSeconds. */
#ifndef MGO_TOKENS_H
#define MGO_TOKENS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mgo/backoff.h"
#include "mgo/config.h"
#include "mgo/kube.h"
#include "mgo/kube_access.h"
#include "mgo/kubecreds.h"
#include "mgo/loop.h"
#include "mgo/supervised.h"

/* ---- mint.c: the request, the answer, the timing, the file ---- */

/* The TokenRequest asking for `seconds` of lifetime for the `audiences`
 * (n of them; none: the API server's). A new reference, or NULL. */
json_t *mgo_tokens_request_body(unsigned seconds, const char *const *audiences, size_t n);

/* Reads a TokenRequest answer (untrusted): its status.token (visible ASCII,
 * at most MGO_KUBE_TOKEN_MAX bytes; *token points into body) and its
 * status.expirationTimestamp (RFC 3339 in UTC, as kube writes it) as Unix
 * seconds. 0, or -EBADMSG with err saying which field is wrong (never its
 * value). */
int mgo_tokens_parse_answer(const json_t *body, const char **token, time_t *exp, char *err,
			    size_t errlen);

/* When to ask again, in ms from now: at 80% of the lifetime left between
 * now (Unix ms) and exp (Unix s), at least 1 s, at most a day. */
uint64_t mgo_tokens_renew_in_ms(time_t exp, uint64_t now_unix_ms);

/* Writes token to path: a new file (mode 0400) in path's directory,
 * renamed over path, so a reader sees the old token or the new one, never
 * a part. 0 or a negative errno; the temporary file is gone either way. */
int mgo_tokens_write(const char *path, const char *token);

/* ---- tokens.c: the process ---- */

struct mgo_tokens;

/* One role whose token is minted. */
struct mgo_tokens_role {
	struct mgo_tokens *t;
	const char *name;               /* "watcher", "launcher" */
	const char *sa;                 /* its ServiceAccount */
	const char *path;               /* its tokenFile */
	char *dir;                      /* the directory of path (owned) */
	struct mgo_timer *timer;        /* the next request */
	struct mgo_kube_req *req;       /* in flight, or NULL */
	unsigned failures;              /* in a row */
	bool written;                   /* a token is in path */
};

struct mgo_tokens {
	struct mgo_config cfg;
	struct mgo_kube_access api;     /* the pod's own token, what the sandbox leaves */
	int notify_fd;                  /* --notify-fd, -1: none */
	struct mgo_loop *loop;
	struct mgo_supervised sup;
	struct mgo_kube_client *client;
	struct mgo_rng rng;
	json_t *body;                   /* the TokenRequest, the same every time */
	struct mgo_tokens_role roles[2];
	bool ready;
};

/* In main's order; each returns 0 or the exit status. */
int mgo_tokens_args(struct mgo_tokens *t, int argc, char **argv);
int mgo_tokens_load_creds(struct mgo_tokens *t);
int mgo_tokens_make_dirs(struct mgo_tokens *t);
int mgo_tokens_sandbox(struct mgo_tokens *t);
int mgo_tokens_open(struct mgo_tokens *t);
int mgo_tokens_run(struct mgo_tokens *t);
void mgo_tokens_close(struct mgo_tokens *t);

#endif

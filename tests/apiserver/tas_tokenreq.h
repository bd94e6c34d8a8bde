/* TokenRequest: POST /api/v1/namespaces/NS/serviceaccounts/NAME/token, the
 * subresource kube-apiserver serves for bound service account tokens, and
 * the authentication of the tokens it issues.
 *
 * A token issued here authenticates as system:serviceaccount:NS:NAME (groups
 * system:serviceaccounts, system:serviceaccounts:NS, system:authenticated)
 * until its expirationTimestamp, while the ServiceAccount still exists with
 * the uid it had, and, when the request bound it to a Pod or a Secret, while
 * that object exists with the uid it had. Past any of these a request
 * carrying it gets 401, as kube answers. The tokens are opaque strings, not
 * JWTs: clients must not read them (kube's are JWTs, but a client that reads
 * the claims is out of spec). Everything here expects the store lock. */
#ifndef TAS_TOKENREQ_H
#define TAS_TOKENREQ_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "tas_auth.h"
#include "tas_server.h"

/* Answers the POST of a TokenRequest for ServiceAccount `name` in `ns`;
 * the caller has authorized `create serviceaccounts/token` on it. body is
 * the decoded request (borrowed). 0 or -ENOMEM. */
int tas_tokenreq_create(struct tas_server *s, const char *ns, const char *name,
			const json_t *body, struct tas_resp *resp);

/* What a bearer token issued here is worth now: 1 with *u filled (release
 * it with tas_user_clear) when it authenticates, 0 when it was never
 * issued here, -EKEYEXPIRED when it was but no longer authenticates (past
 * its expiry, or its ServiceAccount or bound object gone or replaced),
 * -ENOMEM. */
int tas_tokenreq_authenticate(struct tas_server *s, const char *token, struct tas_user *u);

void tas_minted_free(struct tas_minted_set *m);

#endif

/* Shared between the credential loaders (kubecreds.c, kubeconfig.c); not
 * public API. Each function takes a reason buffer that receives a short text
 * without the file name, for the caller to put in context. */
#ifndef MGO_KUBE_INTERNAL_H
#define MGO_KUBE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "mgo/kubecreds.h"

enum mgo_kube__pem { MGO_KUBE__CERT, MGO_KUBE__KEY };

/* Reads a bearer token file: surrounding whitespace trimmed, then non-empty
 * visible ASCII only (it becomes an HTTP header). *tok is new, caller wipes. */
int mgo_kube__read_token(const char *file, char **tok, char *reason, size_t rlen);

/* Checks an inline token as mgo_kube__read_token checks a file's. */
bool mgo_kube__token_ok(const char *tok, size_t len);

/* Checks that buf holds PEM of the given kind, so that a wrong file fails
 * here with its name rather than later as a TLS handshake error. */
int mgo_kube__check_pem(const char *buf, size_t len, enum mgo_kube__pem kind,
			char *reason, size_t rlen);

/* Reads a PEM file of the given kind (at most MGO_KUBE_FILE_MAX). */
int mgo_kube__read_pem(const char *file, enum mgo_kube__pem kind, char **pem, size_t *len,
		       char *reason, size_t rlen);

/* Stamps the token as read now. */
void mgo_kube__token_read_now(struct mgo_kube_creds *c);

#endif

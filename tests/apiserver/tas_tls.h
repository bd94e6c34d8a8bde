/* The server's PKI, made fresh at every start: a self-signed CA and a
 * serving certificate it signs for 127.0.0.1, ::1 and localhost. ECDSA P-256
 * keeps start-up fast and is accepted by Go (kubectl) and OpenSSL (Python). */
#ifndef TAS_TLS_H
#define TAS_TLS_H

#include <stddef.h>

struct tas_pki {
	char *ca_pem;   /* CA certificate (what clients trust) */
	char *cert_pem; /* serving certificate */
	char *key_pem;  /* serving key; never written to disk */
};

/* Fills pki with malloc'd PEM strings. 0 or a negative gnutls/errno code,
 * with err filled. Free with tas_pki_free() in any case. */
int tas_pki_generate(struct tas_pki *pki, char *err, size_t errlen);
void tas_pki_free(struct tas_pki *pki);

#endif

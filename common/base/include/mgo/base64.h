/* Strict base64 decoding for credentials carried inside documents
 * (kubeconfig *-data fields, Secret data).
 *
 * Hand-written because none of the libraries libmgo-common links exposes a
 * raw base64 decoder (libcurl's is internal; gnutls has gnutls_base64_decode2
 * but is not linked into libmgo-common, and pulling a TLS library into every
 * process, the validator included, for forty lines is the worse trade). */
#ifndef MGO_BASE64_H
#define MGO_BASE64_H

#include <stddef.h>

/* Decodes the standard alphabet (RFC 4648 section 4) with mandatory padding.
 * CR and LF are skipped anywhere, as Go's encoding/base64 does for the
 * kubeconfig fields it wrote; every other byte outside the alphabet, padding
 * before the end, and non-zero trailing bits are -EINVAL. On success *out is
 * a new NUL-ended buffer owned by the caller (*outlen excludes the NUL; empty
 * input gives an empty buffer). On failure *out is NULL and nothing is left
 * allocated; -ENOMEM when allocation fails. */
int mgo_base64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen);

#endif

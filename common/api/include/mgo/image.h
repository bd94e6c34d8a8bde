/* OCI image references: parse, canonicalise, match against the allowlist.
 *
 * Grammar: github.com/distribution/reference (what docker, containerd and
 * CRI-O accept), `[domain[:port]/]path[:tag][@algorithm:hex]`, normalised the
 * way its ParseNormalizedNamed does:
 *  - The first '/'-separated component is a domain only when the reference
 *    has a '/' and that component is "localhost", contains '.' or ':', or has
 *    an uppercase letter (distribution's splitDockerDomain, rule for rule).
 *    Otherwise the domain is docker.io; "index.docker.io" is rewritten to
 *    docker.io too. So "localhost:5000" alone is docker.io/library/localhost
 *    with tag 5000, exactly as docker reads it.
 *  - On docker.io a one-component path gets the "library/" prefix.
 *  - ":latest" is implied only when neither tag nor digest is written.
 *  - The name (domain "/" path) is at most 255 characters after that
 *    normalisation, so a canonical form always parses back to itself.
 * Stricter than distribution, on purpose: a digest must use a registered
 * algorithm (sha256, sha384, sha512) with exactly its length of lowercase
 * hex; a port is 1-65535; a bracketed IPv6 address must parse as one; a
 * 64-hex-character string is refused as an image ID (as ParseNormalizedNamed).
 * The domain keeps the case it was written in: registry configuration on the
 * node matches host names as strings, so "QUAY.IO/x" is not made "quay.io/x"
 * and does not match an entry written in lowercase. */
#ifndef MGO_IMAGE_H
#define MGO_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#define MGO_IMG_INPUT_MAX 4096  /* longer input is refused before it is read */
#define MGO_IMG_NAME_MAX 255    /* domain + "/" + path, normalised */
#define MGO_IMG_TAG_MAX 128
#define MGO_IMG_DIGEST_MAX 135  /* "sha512:" + 128 hex */
/* Room for any canonical form, NUL included. */
#define MGO_IMG_CANONICAL_MAX (MGO_IMG_NAME_MAX + 1 + MGO_IMG_TAG_MAX + 1 + MGO_IMG_DIGEST_MAX + 1)
/* Room for any message mgo_img_parse writes; a shorter buffer truncates it. */
#define MGO_IMG_ERR_MAX 256

/* A reference in canonical parts. Fixed arrays rather than heap strings:
 * every part is bounded by the grammar, so the struct is under 1 KiB, needs
 * no free, copies by assignment, and parsing untrusted input allocates
 * nothing. */
struct mgo_img_ref {
	char domain[MGO_IMG_NAME_MAX + 1];    /* never empty: docker.io when implied */
	char path[MGO_IMG_NAME_MAX + 1];      /* with "library/" where implied */
	char tag[MGO_IMG_TAG_MAX + 1];        /* "latest" when implied; "" beside a digest written without a tag */
	char digest[MGO_IMG_DIGEST_MAX + 1];  /* "algorithm:hex", or "" */
};

/* Parses the NUL-terminated reference s into *out. Returns 0, or -EINVAL
 * when s is malformed (then *out is zeroed and err holds one line saying
 * what is wrong and where, positions 1-based within the quoted part; it
 * never contains bytes of s that are not printable ASCII). err may be NULL
 * when errlen is 0. Allocates nothing; keeps no pointer into s. */
int mgo_img_parse(const char *s, struct mgo_img_ref *out, char *err, size_t errlen);

/* Writes the canonical form of r, "domain/path[:tag][@digest]", into buf.
 * r must come from mgo_img_parse. Returns 0, or -ENOSPC when len is too
 * small (MGO_IMG_CANONICAL_MAX always suffices). */
int mgo_img_canonical(const struct mgo_img_ref *r, char *buf, size_t len);

/* Whether the allowlist entry permits the requested reference. Both come
 * from mgo_img_parse, so both are canonical and the comparison is exact:
 *  - the names (domain and path) must be equal;
 *  - an entry with a digest permits exactly the requests with that digest,
 *    whatever tag either side writes beside it: the runtime pulls by digest
 *    and ignores the tag;
 *  - an entry without a digest permits requests with the same tag and no
 *    digest. A request pinned by digest ("repo@sha256:x" or
 *    "repo:tag@sha256:x") is refused: nothing here can prove that x is what
 *    the tag points to, and the runtime would run x. */
bool mgo_img_allowed(const struct mgo_img_ref *req, const struct mgo_img_ref *entry);

#endif

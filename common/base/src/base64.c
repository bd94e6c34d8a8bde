/* Strict base64 decoder: see mgo/base64.h for why it is hand-written. */
#include "mgo/base64.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int is_skipped(unsigned char c)
{
	return c == '\r' || c == '\n';
}

int mgo_base64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	size_t sig = 0, pad = 0, i, o = 0;
	unsigned char *buf = NULL;
	uint32_t acc = 0;
	size_t nq = 0;
	int rc = -EINVAL;

	*out = NULL;
	*outlen = 0;
	/* First pass validates the shape, so the output is sized exactly before
	 * anything is allocated. */
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (is_skipped(c))
			continue;
		if (c == '=') {
			pad++;
		} else {
			if (pad || b64_value(c) < 0)
				goto out;
		}
		sig++;
	}
	if (sig % 4 != 0 || pad > 2)
		goto out;
	buf = malloc(sig / 4 * 3 - pad + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (is_skipped(c) || c == '=')
			continue;
		acc = acc << 6 | (uint32_t)b64_value(c);
		if (++nq == 4) {
			buf[o++] = (unsigned char)(acc >> 16);
			buf[o++] = (unsigned char)(acc >> 8);
			buf[o++] = (unsigned char)acc;
			acc = 0;
			nq = 0;
		}
	}
	/* Canonical encodings leave the bits below the last output byte zero;
	 * anything else is a different encoder's bug or a forged value. */
	if (pad == 1) {
		if (acc & 0x3)
			goto out;
		buf[o++] = (unsigned char)(acc >> 10);
		buf[o++] = (unsigned char)(acc >> 2);
	} else if (pad == 2) {
		if (acc & 0xf)
			goto out;
		buf[o++] = (unsigned char)(acc >> 4);
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	buf = NULL;
	rc = 0;
out:
	if (buf) {
		explicit_bzero(buf, o);
		free(buf);
	}
	return rc;
}

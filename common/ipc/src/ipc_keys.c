#include "mgo/ipc_keys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define HEADER 8
#define Z85_LEN 40

#define PROCESS_BITS ((1u << MGO_ROLE_WATCHER) | (1u << MGO_ROLE_VALIDATOR) | \
		      (1u << MGO_ROLE_LAUNCHER))

static const uint8_t magic[4] = {'M', 'G', 'O', 'K'};

static bool is_process(enum mgo_role r)
{
	return r >= MGO_ROLE_WATCHER && r <= MGO_IPC_ROLE_MAX;
}

int mgo_ipc_keypair(uint8_t public_key[MGO_IPC_KEY_LEN], uint8_t secret_key[MGO_IPC_KEY_LEN])
{
	char pub[Z85_LEN + 1], sec[Z85_LEN + 1];
	int rc = 0;

	if (zmq_curve_keypair(pub, sec) != 0)
		rc = -errno;
	else if (!zmq_z85_decode(public_key, pub) || !zmq_z85_decode(secret_key, sec))
		rc = -EINVAL;
	explicit_bzero(sec, sizeof(sec));
	return rc;
}

bool mgo_ipc_keys_has_peer(const struct mgo_ipc_keys *k, enum mgo_role role)
{
	return is_process(role) && (k->peers & (1u << role));
}

int mgo_ipc_bundle_encode(const struct mgo_ipc_keys *k, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = HEADER + MGO_IPC_KEY_LEN;

	if (!is_process(k->self) || (k->peers & (1u << k->self)) || (k->peers & ~PROCESS_BITS))
		return -EINVAL;
	for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++)
		if (k->peers & (1u << r))
			n += MGO_IPC_KEY_LEN;
	if (n > cap)
		return -ENOSPC;
	memcpy(buf, magic, sizeof(magic));
	buf[4] = 1;
	buf[5] = (uint8_t)k->self;
	buf[6] = (uint8_t)k->peers;
	buf[7] = 0;
	memcpy(buf + HEADER, k->secret_key, MGO_IPC_KEY_LEN);
	n = HEADER + MGO_IPC_KEY_LEN;
	for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++) {
		if (!(k->peers & (1u << r)))
			continue;
		memcpy(buf + n, k->peer[r], MGO_IPC_KEY_LEN);
		n += MGO_IPC_KEY_LEN;
	}
	*len = n;
	return 0;
}

/* The public half of a secret key, through libzmq's Z85 interface. */
static int derive_public(const uint8_t secret[MGO_IPC_KEY_LEN], uint8_t public_key[MGO_IPC_KEY_LEN])
{
	char sec[Z85_LEN + 1], pub[Z85_LEN + 1];
	int rc = 0;

	if (!zmq_z85_encode(sec, secret, MGO_IPC_KEY_LEN) || zmq_curve_public(pub, sec) != 0 ||
	    !zmq_z85_decode(public_key, pub))
		rc = -EINVAL;
	explicit_bzero(sec, sizeof(sec));
	return rc;
}

static int bad(struct mgo_ipc_keys *out, int rc, char *err, size_t errlen, const char *why)
{
	mgo_ipc_keys_wipe(out);
	if (err && errlen)
		snprintf(err, errlen, "key bundle: %s", why);
	return rc;
}

int mgo_ipc_bundle_decode(const uint8_t *buf, size_t len, enum mgo_role expect,
			  struct mgo_ipc_keys *out, char *err, size_t errlen)
{
	size_t want = HEADER + MGO_IPC_KEY_LEN, off;
	unsigned peers;

	mgo_ipc_keys_wipe(out);
	if (len < HEADER || memcmp(buf, magic, sizeof(magic)) != 0)
		return bad(out, -EBADMSG, err, errlen, "not a key bundle");
	if (buf[4] != 1)
		return bad(out, -EPROTONOSUPPORT, err, errlen, "unknown version");
	if (buf[5] != expect || !is_process(expect))
		return bad(out, -EBADMSG, err, errlen, "meant for another process");
	peers = buf[6];
	if ((peers & ~PROCESS_BITS) || (peers & (1u << expect)))
		return bad(out, -EBADMSG, err, errlen, "names a peer that is not one");
	for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++)
		if (peers & (1u << r))
			want += MGO_IPC_KEY_LEN;
	if (buf[7] != 0)
		return bad(out, -EBADMSG, err, errlen, "reserved byte set");
	if (len != want)
		return bad(out, -EBADMSG, err, errlen, len < want ? "truncated" : "trailing bytes");
	out->self = expect;
	out->peers = peers;
	memcpy(out->secret_key, buf + HEADER, MGO_IPC_KEY_LEN);
	off = HEADER + MGO_IPC_KEY_LEN;
	for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++) {
		if (!(peers & (1u << r)))
			continue;
		memcpy(out->peer[r], buf + off, MGO_IPC_KEY_LEN);
		off += MGO_IPC_KEY_LEN;
	}
	if (derive_public(out->secret_key, out->public_key) != 0)
		return bad(out, -EBADMSG, err, errlen, "cannot derive the public key");
	return 0;
}

void mgo_ipc_keys_wipe(struct mgo_ipc_keys *k)
{
	if (k)
		explicit_bzero(k, sizeof(*k));
}

void mgo_ipc_key_tag(const uint8_t key[MGO_IPC_KEY_LEN], char out[MGO_IPC_KEY_TAG_LEN + 1])
{
	char z85[Z85_LEN + 1] = "";

	if (!zmq_z85_encode(z85, key, MGO_IPC_KEY_LEN))
		z85[0] = '\0';
	memcpy(out, z85, MGO_IPC_KEY_TAG_LEN);
	out[MGO_IPC_KEY_TAG_LEN] = '\0';
}

int mgo_ipc_keys_read_fd(int fd, enum mgo_role self, struct mgo_ipc_keys *out, char *err,
			     size_t errlen)
{
	/* one byte more than a bundle may have, so an over-long one is seen */
	uint8_t buf[MGO_IPC_BUNDLE_MAX + 1];
	size_t len = 0;
	struct stat st;
	int rc = 0;

	mgo_ipc_keys_wipe(out);
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "key fd %d: %s", fd, strerror(-rc));
		return rc; /* nothing to close */
	}
	if (!S_ISFIFO(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "key fd %d is not a pipe", fd);
		goto out;
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "key fd %d: %s", fd, strerror(-rc));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = mgo_ipc_bundle_decode(buf, len, self, out, err, errlen);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* The key bundle a child gets from the supervisor: round trips for each
 * role, and every malformed bundle refused with the keys left zeroed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <zmq.h>

#include "mgo/ipc_keys.h"

static struct mgo_ipc_keys make(enum mgo_role self, unsigned peers)
{
	struct mgo_ipc_keys k = {.self = self, .peers = peers};
	uint8_t pub[MGO_IPC_KEY_LEN];

	cr_assert_eq(mgo_ipc_keypair(k.public_key, k.secret_key), 0);
	for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++)
		if (peers & (1u << r))
			cr_assert_eq(mgo_ipc_keypair(k.peer[r], pub), 0);
	return k;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

Test(ipc_keys, keypairs_are_fresh)
{
	uint8_t p1[32], s1[32], p2[32], s2[32];

	cr_assert_eq(mgo_ipc_keypair(p1, s1), 0);
	cr_assert_eq(mgo_ipc_keypair(p2, s2), 0);
	cr_assert_neq(memcmp(p1, p2, 32), 0);
	cr_assert_neq(memcmp(s1, s2, 32), 0);
	cr_assert_neq(memcmp(p1, s1, 32), 0);
}

Test(ipc_keys, round_trip_per_role)
{
	static const struct {
		enum mgo_role self;
		unsigned peers;
		size_t len;
	} cases[] = {
		{MGO_ROLE_WATCHER, 1u << MGO_ROLE_VALIDATOR, 72},
		{MGO_ROLE_VALIDATOR, 1u << MGO_ROLE_WATCHER | 1u << MGO_ROLE_LAUNCHER, 104},
		{MGO_ROLE_LAUNCHER, 1u << MGO_ROLE_VALIDATOR, 72},
		{MGO_ROLE_LAUNCHER, 0, 40},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mgo_ipc_keys k = make(cases[i].self, cases[i].peers), out;
		uint8_t buf[MGO_IPC_BUNDLE_MAX];
		size_t len = 0;
		char err[128];

		cr_assert_eq(mgo_ipc_bundle_encode(&k, buf, sizeof(buf), &len), 0, "case %zu", i);
		cr_assert_eq(len, cases[i].len, "case %zu: %zu bytes", i, len);
		cr_assert_eq(mgo_ipc_bundle_decode(buf, len, cases[i].self, &out, err, sizeof(err)),
			     0, "case %zu: %s", i, err);
		cr_assert_eq(out.self, cases[i].self);
		cr_assert_eq(out.peers, cases[i].peers);
		cr_assert_eq(memcmp(out.secret_key, k.secret_key, 32), 0);
		cr_assert_eq(memcmp(out.public_key, k.public_key, 32), 0,
			     "case %zu: the public key is derived from the secret", i);
		for (int r = MGO_ROLE_WATCHER; r <= MGO_IPC_ROLE_MAX; r++) {
			cr_assert_eq(mgo_ipc_keys_has_peer(&out, r), !!(cases[i].peers & (1u << r)));
			if (cases[i].peers & (1u << r))
				cr_assert_eq(memcmp(out.peer[r], k.peer[r], 32), 0);
			else
				cr_assert(all_zero(out.peer[r], 32), "no key it was not given");
		}
		mgo_ipc_keys_wipe(&out);
		cr_assert(all_zero(&out, sizeof(out)));
	}
}

Test(ipc_keys, encoder_refusals)
{
	struct mgo_ipc_keys k = make(MGO_ROLE_LAUNCHER, 1u << MGO_ROLE_VALIDATOR);
	uint8_t buf[MGO_IPC_BUNDLE_MAX];
	size_t len;

	cr_assert_eq(mgo_ipc_bundle_encode(&k, buf, 71, &len), -ENOSPC);
	k.peers |= 1u << MGO_ROLE_LAUNCHER;
	cr_assert_eq(mgo_ipc_bundle_encode(&k, buf, sizeof(buf), &len), -EINVAL, "self as a peer");
	k.peers = 1u << MGO_ROLE_SUPERVISOR;
	cr_assert_eq(mgo_ipc_bundle_encode(&k, buf, sizeof(buf), &len), -EINVAL);
	k.peers = 0;
	k.self = MGO_ROLE_SUPERVISOR;
	cr_assert_eq(mgo_ipc_bundle_encode(&k, buf, sizeof(buf), &len), -EINVAL);
}

Test(ipc_keys, decoder_refusals)
{
	struct mgo_ipc_keys k = make(MGO_ROLE_LAUNCHER, 1u << MGO_ROLE_VALIDATOR), out;
	uint8_t good[MGO_IPC_BUNDLE_MAX], bad[MGO_IPC_BUNDLE_MAX + 8];
	size_t len = 0;
	char err[128];
	static const struct {
		int at;          /* byte to change, or -1 */
		uint8_t value;
		int delta;       /* change of length */
		enum mgo_role expect;
		int rc;
		const char *msg;
	} cases[] = {
		{0, 'X', 0, MGO_ROLE_LAUNCHER, -EBADMSG, "not a key bundle"},
		{4, 2, 0, MGO_ROLE_LAUNCHER, -EPROTONOSUPPORT, "unknown version"},
		{5, MGO_ROLE_WATCHER, 0, MGO_ROLE_LAUNCHER, -EBADMSG, "meant for another"},
		{-1, 0, 0, MGO_ROLE_WATCHER, -EBADMSG, "meant for another"},
		{-1, 0, 0, MGO_ROLE_SUPERVISOR, -EBADMSG, "meant for another"},
		{6, 1u << MGO_ROLE_LAUNCHER, 0, MGO_ROLE_LAUNCHER, -EBADMSG, "not one"},
		{6, 1u << 1 | 1u << MGO_ROLE_VALIDATOR, 0, MGO_ROLE_LAUNCHER, -EBADMSG, "not one"},
		{6, 0x80, 0, MGO_ROLE_LAUNCHER, -EBADMSG, "not one"},
		{6, 1u << MGO_ROLE_VALIDATOR | 1u << MGO_ROLE_WATCHER, 0, MGO_ROLE_LAUNCHER,
		 -EBADMSG, "truncated"},
		{7, 1, 0, MGO_ROLE_LAUNCHER, -EBADMSG, "reserved"},
		{-1, 0, -1, MGO_ROLE_LAUNCHER, -EBADMSG, "truncated"},
		{-1, 0, -72, MGO_ROLE_LAUNCHER, -EBADMSG, "not a key bundle"},
		{-1, 0, -60, MGO_ROLE_LAUNCHER, -EBADMSG, "truncated"},
		{-1, 0, 1, MGO_ROLE_LAUNCHER, -EBADMSG, "trailing"},
		{-1, 0, 8, MGO_ROLE_LAUNCHER, -EBADMSG, "trailing"},
	};

	cr_assert_eq(mgo_ipc_bundle_encode(&k, good, sizeof(good), &len), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(bad, 0xA5, sizeof(bad));
		memcpy(bad, good, len);
		if (cases[i].at >= 0)
			bad[cases[i].at] = cases[i].value;
		memset(&out, 0x5A, sizeof(out));
		int rc = mgo_ipc_bundle_decode(bad, (size_t)((int)len + cases[i].delta),
					       cases[i].expect, &out, err, sizeof(err));
		cr_assert_eq(rc, cases[i].rc, "case %zu: %d (%s)", i, rc, err);
		cr_assert(strstr(err, cases[i].msg), "case %zu: %s", i, err);
		cr_assert(all_zero(&out, sizeof(out)), "case %zu: keys left behind", i);
	}
}

Test(ipc_keys, tag_is_a_z85_prefix)
{
	uint8_t key[32];
	char z85[41], tag[MGO_IPC_KEY_TAG_LEN + 1];

	memset(key, 0x42, sizeof(key));
	cr_assert_not_null(zmq_z85_encode(z85, key, sizeof(key)));
	mgo_ipc_key_tag(key, tag);
	cr_assert_eq(strlen(tag), MGO_IPC_KEY_TAG_LEN);
	cr_assert_eq(strncmp(tag, z85, MGO_IPC_KEY_TAG_LEN), 0);
}

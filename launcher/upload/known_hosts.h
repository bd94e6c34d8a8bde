/* OpenSSH known_hosts lines, parsed and matched in memory, so the upload
 * checks the SFTP server's host key without a file on disk.
 *
 * Accepted, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes it:
 *   [@revoked] patterns keytype base64-key [comment]
 * where patterns is a comma list of host names, `[host]:port` for ports
 * other than 22, `*` and `?` wildcards and `!` negations, or one hashed name
 * `|1|salt|hmac` (what `ssh-keygen -H` writes). `@cert-authority` lines are
 * refused: libssh2 does not verify host certificates.
 *
 * Pure functions, no I/O; bounded before allocation. */
#ifndef MGO_UPLOAD_KNOWN_HOSTS_H
#define MGO_UPLOAD_KNOWN_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds on what the parser accepts (an environment variable's worth). */
#define MGO_KH_MAX_TEXT (128u * 1024u)
#define MGO_KH_MAX_ENTRIES 1024u
#define MGO_KH_MAX_KEY 8192u /* decoded key blob; a 16384-bit RSA key is ~2 KiB */

struct mgo_kh_entry {
	char *patterns;             /* owned; NULL for a hashed entry */
	unsigned char salt[20];     /* hashed entry: HMAC-SHA1 key */
	unsigned char hash[20];     /* hashed entry: HMAC-SHA1(salt, name) */
	bool hashed;
	bool revoked;
	char keytype[24];
	unsigned char *key;         /* owned; the SSH wire blob, type included */
	size_t key_len;
	unsigned line;              /* 1-based, for messages */
};

struct mgo_kh {
	struct mgo_kh_entry *entries; /* owned */
	size_t count;
};

enum mgo_kh_verdict {
	MGO_KH_MATCH = 0,     /* an entry for this host holds exactly this key */
	MGO_KH_MISMATCH,      /* the host is known, with other keys */
	MGO_KH_UNKNOWN_HOST,  /* no entry names this host */
	MGO_KH_REVOKED,       /* the key is listed as @revoked */
};

/* Parses known_hosts text (NULL or empty: no entries) into *kh, which the
 * caller zeroes first and releases with mgo_kh_free() on success and on
 * failure. Returns 0, or -EINVAL with "line N: reason" in msg, or -ENOMEM. */
int mgo_kh_parse(struct mgo_kh *kh, const char *text, char *msg, size_t msglen);

void mgo_kh_free(struct mgo_kh *kh);

/* The name known_hosts uses for host:port: "host" on port 22, otherwise
 * "[host]:port", lowercased. Returns 0, or -ENAMETOOLONG. */
int mgo_kh_host_name(const char *host, unsigned port, char *buf, size_t len);

/* Looks the server's key blob up for host:port. */
enum mgo_kh_verdict mgo_kh_check(const struct mgo_kh *kh, const char *host, unsigned port,
				 const unsigned char *key, size_t key_len);

/* Copies the key type named inside an SSH key blob ("ssh-ed25519"...) into
 * buf. Returns 0, or -EINVAL when the blob does not start with one. */
int mgo_kh_blob_type(const unsigned char *key, size_t key_len, char *buf, size_t len);

/* Writes "SHA256:<base64 without padding>", the fingerprint ssh-keygen -l
 * prints, into buf (at least 51 bytes). Returns 0 or a negative errno. */
int mgo_kh_fingerprint(const unsigned char *key, size_t key_len, char *buf, size_t len);

/* The known_hosts line an administrator would add for this key:
 * "<name> <type> <base64>". Returns a malloc'd string the caller frees, or
 * NULL when out of memory or the blob has no type. */
char *mgo_kh_format_line(const char *host, unsigned port, const unsigned char *key,
			 size_t key_len);

#endif

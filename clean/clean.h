/* mgo-clean's vocabulary: the kinds of values it replaces, its configuration
 * (a subset of OpenShift must-gather-clean's, docs/obfuscation.md "The
 * cleaner"), and the cleaner that holds the consistent map of one run. */
#ifndef MGO_CLEAN_H
#define MGO_CLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit statuses of mgo-clean (the Job's obfuscation step reads them). */
#define MGO_CLEAN_EXIT_OK 0
#define MGO_CLEAN_EXIT_CONFIG 2   /* usage or configuration invalid */
#define MGO_CLEAN_EXIT_FAILED 3   /* anything else: I/O, a bound exceeded */

enum mgo_clean_kind {
	MGO_CLEAN_IPV4,
	MGO_CLEAN_IPV6,
	MGO_CLEAN_MAC,
	MGO_CLEAN_DOMAIN,
	MGO_CLEAN_KEYWORD,
	MGO_CLEAN_NKINDS
};

/* "ipv4", "ipv6", "mac", "domain", "keyword": the report's names. */
const char *mgo_clean_kind_name(enum mgo_clean_kind k);

/* Where a type of value is replaced (must-gather-clean's `target`). */
#define MGO_CLEAN_IN_PATH 1u      /* file and directory names */
#define MGO_CLEAN_IN_CONTENTS 2u  /* file contents */

/* Bounds of the configuration (docs/obfuscation.md). */
#define MGO_CLEAN_MAX_WORDS 256       /* domain names, keywords, omit rules each */
#define MGO_CLEAN_MAX_WORD 253        /* bytes of a domain name or keyword */
#define MGO_CLEAN_MAX_PATTERN 1024    /* bytes of an omit pattern */
#define MGO_CLEAN_MAX_KIND 253        /* bytes of a kind or apiVersion */

struct mgo_clean_type {
	bool on;
	bool fixed;          /* replacementType Static: one replacement for all */
	unsigned targets;    /* MGO_CLEAN_IN_* */
};

/* A domain name (to == NULL: generated) or a keyword and its replacement. */
struct mgo_clean_word {
	char *from;
	size_t len;
	char *to;
	size_t tolen;
};

struct mgo_clean_omit {
	bool file;           /* type File: pattern; else type Kubernetes */
	char *pattern;       /* fnmatch(3) on the path relative to --input */
	char *kind;          /* matches kind and kind + "List" */
	char *api_version;   /* NULL: any */
};

/* Owned members; mgo_clean_config_free accepts a zeroed struct. */
struct mgo_clean_config {
	struct mgo_clean_type type[MGO_CLEAN_NKINDS]; /* IPV4 and IPV6 together: "IP" */
	struct mgo_clean_word *domains;
	size_t ndomains;
	struct mgo_clean_word *keywords;
	size_t nkeywords;
	struct mgo_clean_omit *omits;
	size_t nomits;
};

/* The configuration without --config: IPv4, IPv6 and MAC addresses replaced
 * consistently in names and contents; Secrets and ConfigMaps omitted.
 * 0 or -ENOMEM. */
int mgo_clean_config_default(struct mgo_clean_config *c);

/* Parses a configuration document (what names it in messages). On -EINVAL
 * err says which key or value is wrong; -ENOMEM otherwise. */
int mgo_clean_config_parse(const char *buf, size_t len, const char *what,
			   struct mgo_clean_config *c, char *err, size_t errlen);

/* Reads and parses the file at path: as above, -errno when unreadable. */
int mgo_clean_config_load(const char *path, struct mgo_clean_config *c, char *err,
			  size_t errlen);

void mgo_clean_config_free(struct mgo_clean_config *c);

/* ---- the consistent map ------------------------------------------------ */

/* Every distinct value met in a run, by kind, with its number: the same
 * input always gets the same replacement. Bounded by max_values (all kinds
 * together); the keys are normalised values (binary addresses, lowercase
 * domain names). */
struct mgo_clean_vmap {
	struct mgo_clean_vent *slots;
	size_t cap, used, max_values;
	uint32_t next_id[MGO_CLEAN_NKINDS];
	char *arena;          /* current block of key bytes */
	size_t arena_left;
	void *blocks;         /* list of arena blocks */
};

/* *id = the number of (kind, key) from 1, given a new one if unseen; *fresh
 * says which. -ENOSPC when a new value would pass max_values, -ENOMEM. */
int mgo_clean_vmap_get(struct mgo_clean_vmap *m, enum mgo_clean_kind kind, const void *key,
		       size_t len, uint32_t *id);
void mgo_clean_vmap_free(struct mgo_clean_vmap *m);

/* The default bound on distinct values of one run (about 40 MiB at most). */
#define MGO_CLEAN_MAX_VALUES 500000u

/* ---- the cleaner ------------------------------------------------------- */

struct mgo_cleaner {
	const struct mgo_clean_config *cfg;   /* borrowed */
	struct mgo_clean_vmap map;
	unsigned long long count[MGO_CLEAN_NKINDS]; /* replacements made */
	size_t lookahead;       /* bytes a match may need past its start */
	size_t bufsize;         /* the streaming buffer (tests make it small) */
	/* per target (0: path, 1: contents), per first byte: may a match start */
	unsigned char starts[2][256];
	/* domain names and keywords, longest first, indexed by first byte */
	const struct mgo_clean_word **dom_sorted, **kw_sorted;
};

/* cfg is borrowed for the cleaner's life. bufsize 0: the default (64 KiB);
 * it is raised to what the longest pattern needs. 0 or -ENOMEM. */
int mgo_cleaner_init(struct mgo_cleaner *c, const struct mgo_clean_config *cfg, size_t bufsize);
void mgo_cleaner_free(struct mgo_cleaner *c);

/* Receives the cleaned bytes; returns 0 or a negative errno, which stops the
 * scan and is returned by it. */
typedef int mgo_clean_sink(void *arg, const char *p, size_t n);

/* Cleans p[0..n) for target (MGO_CLEAN_IN_PATH or _CONTENTS): ctx bytes
 * before p (p[-ctx..-1]) are context already written. Returns how many bytes
 * were consumed: fewer than n when a match could need more input (never when
 * eof), which the caller passes again with what follows. Or a negative
 * errno: -ENOSPC (the map is full) or the sink's. */
ssize_t mgo_clean_scan(struct mgo_cleaner *c, unsigned target, const char *p, size_t ctx,
		       size_t n, bool eof, mgo_clean_sink *sink, void *arg);

/* Cleans what in_fd reads into out_fd, in c->bufsize pieces: memory does not
 * grow with the file. *bytes (may be NULL) receives the bytes read. 0 or a
 * negative errno. */
int mgo_clean_stream(struct mgo_cleaner *c, int in_fd, int out_fd, unsigned long long *bytes);

/* Cleans one file or directory name into out (NUL-ended). -ENAMETOOLONG when
 * the result does not fit outlen or NAME_MAX; -ENOSPC as above. */
int mgo_clean_name(struct mgo_cleaner *c, const char *name, char *out, size_t outlen);

/* ---- the sandbox ------------------------------------------------------ */

/* Applies the clean role's sandbox (mgo/sandbox.h, docs/permissions.md):
 * in_dir readable, out_dir to fill, no socket, no other file; keep is the
 * -1-ended list of descriptors to keep open. Logs what was applied. 0 or a
 * negative errno (seccomp's failure is one: it fails closed). */
int mgo_clean_sandbox(const char *in_dir, const char *out_dir, const int *keep);

#endif

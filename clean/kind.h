/* Which files are Kubernetes resources of an omitted kind: by what they
 * hold (the `kind` of the object, of each item of a List, of each YAML
 * document), not by their name. A streaming scan with bounded state
 * (docs/obfuscation.md, "What is omitted"). */
#ifndef MGO_CLEAN_KIND_H
#define MGO_CLEAN_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include "clean.h"

/* How much of a file decides whether it is YAML or JSON at all. */
#define MGO_CLEAN_KIND_PREFIX 65536u

enum mgo_clean_format { MGO_CLEAN_TEXT, MGO_CLEAN_YAML, MGO_CLEAN_JSON };

#define KIND_FIELD 256        /* a kind or apiVersion value, NUL included */
#define KIND_LINE 512         /* what a YAML line is read of */
#define KIND_DEPTH 64         /* JSON nesting tracked */

struct mgo_clean_kindscan {
	const struct mgo_clean_config *cfg;
	enum mgo_clean_format format;
	unsigned long long seen;          /* bytes fed */
	bool decided;                     /* format known */
	bool done;                        /* nothing more to learn */
	bool omit;
	char reason[KIND_FIELD + 32];     /* why omitted: "kind Secret" */
	/* the object being read: the document, or an item of its List */
	char kind[2][KIND_FIELD], api[2][KIND_FIELD]; /* [0] top, [1] item */
	/* YAML */
	char line[KIND_LINE];
	size_t linelen;
	bool line_long;
	bool yaml_resource;               /* a top-level kind or apiVersion seen */
	bool in_items;
	int item_dash;                    /* column of the items' "- ", -1 unknown */
	bool in_item;
	/* JSON */
	int depth;
	bool in_string, escape, want_key, key_string;
	unsigned char is_obj[KIND_DEPTH];
	char key[4][16];                  /* the current key at depths 1..3 */
	char str[KIND_FIELD];
	size_t strlen_;
	bool str_long;
	bool top_items;                   /* the depth-1 key is "items" */
	bool ended;                       /* the top-level value closed */
};

void mgo_clean_kind_init(struct mgo_clean_kindscan *k, const struct mgo_clean_config *cfg);

/* Feeds the next n bytes; returns true once the scan needs no more (k->done). */
bool mgo_clean_kind_feed(struct mgo_clean_kindscan *k, const char *p, size_t n);

/* The end of the file: settles the last object. */
void mgo_clean_kind_end(struct mgo_clean_kindscan *k);

/* Whether an object of this kind and apiVersion ("" when absent) is omitted;
 * reason (may be NULL) says by which rule. */
bool mgo_clean_kind_omitted(const struct mgo_clean_config *cfg, const char *kind,
			    const char *api, char *reason, size_t reasonlen);

#endif

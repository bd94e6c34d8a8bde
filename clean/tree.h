/* One run of mgo-clean over a tree: the walk, the files, the report
 * (docs/obfuscation.md, "The report"). */
#ifndef MGO_CLEAN_TREE_H
#define MGO_CLEAN_TREE_H

#include <stdio.h>

#include "clean.h"

#define MGO_CLEAN_REPORT "obfuscation-report.yaml"
#define MGO_CLEAN_MAX_DEPTH 64   /* directories beneath --input */

struct mgo_clean_run {
	struct mgo_cleaner *c;           /* borrowed */
	FILE *report;                    /* borrowed: the report's file */
	char *err;                       /* the first failure, for a human */
	size_t errlen;
	unsigned long long cleaned, text, resources, omitted, symlinks, special, dirs;
	unsigned long long bytes;        /* bytes of the files cleaned */
	unsigned long long entries;      /* lines of the report's `files` */
	char *buf;                       /* the kind scan's read buffer */
	char rel[4096];                  /* the path under --input */
	char crel[4096];                 /* the same, cleaned */
};

/* Cleans the tree of in_dir into out_dir (both open directories, borrowed)
 * and writes the report's `files` list as it goes. 0, or a negative errno
 * with r->err set: -ENOSPC (the map is full), -ELOOP (too deep), I/O. */
int mgo_clean_tree(struct mgo_clean_run *r, int in_dir, int out_dir);

/* Writes the report's summary (after mgo_clean_tree). 0 or -EIO. */
int mgo_clean_report_summary(struct mgo_clean_run *r);

/* Writes s as a YAML double-quoted scalar: '"', '\' and every byte outside
 * printable ASCII escaped. */
void mgo_clean_yaml_quote(FILE *f, const char *s);

#endif

/* The walk of mgo-clean (tree.h): every entry of --input, by descriptor and
 * never through a symlink; what each became goes to the report. Paths in
 * messages and in the report are the cleaned ones: an original name may
 * hold an address. */
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kind.h"

void mgo_clean_yaml_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < ' ' || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void entry(struct mgo_clean_run *r, const char *action, const char *reason)
{
	if (!r->entries++)
		fputs("files:\n", r->report);
	fputs("  - {path: ", r->report);
	mgo_clean_yaml_quote(r->report, r->crel);
	fprintf(r->report, ", action: %s, reason: ", action);
	mgo_clean_yaml_quote(r->report, reason);
	fputs("}\n", r->report);
}

static int fail(struct mgo_clean_run *r, int rc, const char *what)
{
	if (rc == -ENOSPC)
		snprintf(r->err, r->errlen, "%s: more than %zu distinct values to replace (the "
			 "bound of one run)", r->crel, r->c->map.max_values);
	else
		snprintf(r->err, r->errlen, "%s: %s: %s", r->crel[0] ? r->crel : ".", what,
			 strerror(-rc));
	return rc;
}

/* Appends name to both relative paths; returns the old lengths packed. */
static int push(struct mgo_clean_run *r, const char *name, const char *cname, size_t *olen,
		size_t *oclen)
{
	size_t a = strlen(r->rel), b = strlen(r->crel);
	int n1, n2;

	*olen = a;
	*oclen = b;
	n1 = snprintf(r->rel + a, sizeof(r->rel) - a, "%s%s", a ? "/" : "", name);
	n2 = snprintf(r->crel + b, sizeof(r->crel) - b, "%s%s", b ? "/" : "", cname);
	if (n1 < 0 || (size_t)n1 >= sizeof(r->rel) - a || n2 < 0 ||
	    (size_t)n2 >= sizeof(r->crel) - b) {
		r->rel[a] = r->crel[b] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

static void pop(struct mgo_clean_run *r, size_t olen, size_t oclen)
{
	r->rel[olen] = '\0';
	r->crel[oclen] = '\0';
}

static const char *compressed(int fd)
{
	unsigned char m[6] = {0};
	ssize_t n = pread(fd, m, sizeof(m), 0);

	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return "compressed (gzip): cannot be cleaned";
	if (n >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6))
		return "compressed (xz): cannot be cleaned";
	if (n >= 4 && !memcmp(m, "\x28\xb5\x2f\xfd", 4))
		return "compressed (zstd): cannot be cleaned";
	if (n >= 3 && !memcmp(m, "BZh", 3))
		return "compressed (bzip2): cannot be cleaned";
	if (n >= 4 && !memcmp(m, "PK\x03\x04", 4))
		return "compressed (zip): cannot be cleaned";
	return NULL;
}

static bool has_kind_rules(const struct mgo_clean_config *cfg)
{
	for (size_t i = 0; i < cfg->nomits; i++)
		if (!cfg->omits[i].file)
			return true;
	return false;
}

/* The kind scan: reads fd to the end or until decided, then rewinds it. */
static int scan_kind(struct mgo_clean_run *r, int fd, struct mgo_clean_kindscan *k)
{
	mgo_clean_kind_init(k, r->c->cfg);
	if (has_kind_rules(r->c->cfg)) {
		for (;;) {
			ssize_t n = read(fd, r->buf, r->c->bufsize);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (n == 0 || mgo_clean_kind_feed(k, r->buf, (size_t)n))
				break;
		}
	}
	mgo_clean_kind_end(k);
	return lseek(fd, 0, SEEK_SET) == 0 ? 0 : -errno;
}

/* The output file for a cleaned name; two input names may clean to one
 * (a Static replacement): the later ones get "-dupN". */
static int create_out(struct mgo_clean_run *r, int out_dir, char *cname, size_t cap,
		      mode_t mode)
{
	size_t base = strlen(cname), crel = strlen(r->crel);

	for (unsigned n = 1; n < 100; n++) {
		int fd = openat(out_dir, cname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				mode);

		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
		if (snprintf(cname + base, cap - base, "-dup%u", n) >= (int)(cap - base) ||
		    snprintf(r->crel + crel, sizeof(r->crel) - crel, "-dup%u", n) >=
			    (int)(sizeof(r->crel) - crel))
			return -ENAMETOOLONG;
	}
	return -EEXIST;
}

static int clean_file(struct mgo_clean_run *r, int in_dir, const char *name, int out_dir,
		      char *cname, size_t cap)
{
	const struct mgo_clean_config *cfg = r->c->cfg;
	struct mgo_clean_kindscan k;
	unsigned long long bytes = 0;
	const char *why;
	struct stat st;
	int fd, out = -1, rc = 0;

	fd = openat(in_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(r, -errno, "open");
	errno = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = fail(r, errno ? -errno : -EINVAL, "not a regular file any more");
		goto out;
	}
	for (size_t i = 0; i < cfg->nomits; i++) {
		if (cfg->omits[i].file && !fnmatch(cfg->omits[i].pattern, r->rel, 0)) {
			r->omitted++;
			entry(r, "omitted", "pattern");
			goto out;
		}
	}
	if ((why = compressed(fd))) {
		r->omitted++;
		entry(r, "omitted", why);
		goto out;
	}
	if ((rc = scan_kind(r, fd, &k))) {
		fail(r, rc, "read");
		goto out;
	}
	if (k.omit) {
		r->omitted++;
		entry(r, "omitted", k.reason);
		goto out;
	}
	out = create_out(r, out_dir, cname, cap, (st.st_mode & 0755) | 0600);
	if (out < 0) {
		rc = fail(r, out, "create");
		goto out;
	}
	if ((rc = mgo_clean_stream(r->c, fd, out, &bytes))) {
		fail(r, rc, "clean");
		goto out;
	}
	r->cleaned++;
	r->bytes += bytes;
	if (k.format == MGO_CLEAN_TEXT)
		r->text++;
	else
		r->resources++;
out:
	if (out >= 0 && close(out) != 0 && !rc)
		rc = fail(r, -errno, "close");
	close(fd);
	return rc;
}

static int walk(struct mgo_clean_run *r, int in_dir, int out_dir, int depth);

static int clean_dir(struct mgo_clean_run *r, int in_dir, const char *name, int out_dir,
		     const char *cname, int depth)
{
	int in = -1, out = -1, rc;

	if (depth >= MGO_CLEAN_MAX_DEPTH)
		return fail(r, -ELOOP, "more than 64 directories deep");
	if (mkdirat(out_dir, cname, 0750) != 0 && errno != EEXIST)
		return fail(r, -errno, "mkdir");
	in = openat(in_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return fail(r, -errno, "open");
	out = openat(out_dir, cname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (out < 0) {
		rc = fail(r, -errno, "open the output directory");
		goto out;
	}
	r->dirs++;
	rc = walk(r, in, out, depth + 1);
out:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

static int visit(struct mgo_clean_run *r, int in_dir, int out_dir, const char *name, int depth)
{
	char cname[NAME_MAX + 8];
	size_t olen, oclen;
	struct stat st;
	int rc;

	if ((rc = mgo_clean_name(r->c, name, cname, NAME_MAX + 1)))
		return fail(r, rc, rc == -ENAMETOOLONG ? "the cleaned name is too long" : "name");
	/* a keyword's replacement could make one of these of a name */
	if (!cname[0] || !strcmp(cname, ".") || !strcmp(cname, ".."))
		return fail(r, -EINVAL, "a name cleans to \"\", \".\" or \"..\"");
	if ((rc = push(r, name, cname, &olen, &oclen)))
		return fail(r, rc, "path");
	if (fstatat(in_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		rc = fail(r, -errno, "stat");
	} else if (S_ISLNK(st.st_mode)) {
		r->symlinks++;
		entry(r, "skipped", "symlink");
	} else if (S_ISDIR(st.st_mode)) {
		rc = clean_dir(r, in_dir, name, out_dir, cname, depth);
	} else if (S_ISREG(st.st_mode)) {
		rc = clean_file(r, in_dir, name, out_dir, cname, sizeof(cname));
	} else {
		r->special++;
		entry(r, "skipped", "not a regular file");
	}
	pop(r, olen, oclen);
	return rc;
}

static int walk(struct mgo_clean_run *r, int in_dir, int out_dir, int depth)
{
	int fd = dup(in_dir), rc = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return fail(r, rc, "open");
	}
	rewinddir(d);
	while (!rc) {
		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				rc = fail(r, -errno, "readdir");
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* the report is ours; an input file of that name becomes -dup1 */
		rc = visit(r, in_dir, out_dir, de->d_name, depth);
	}
	closedir(d);
	return rc;
}

int mgo_clean_tree(struct mgo_clean_run *r, int in_dir, int out_dir)
{
	int rc;

	r->rel[0] = r->crel[0] = '\0';
	if (!(r->buf = malloc(r->c->bufsize)))
		return fail(r, -ENOMEM, "memory");
	rc = walk(r, in_dir, out_dir, 0);
	free(r->buf);
	r->buf = NULL;
	return rc;
}

int mgo_clean_report_summary(struct mgo_clean_run *r)
{
	FILE *f = r->report;
	const struct mgo_cleaner *c = r->c;

	if (!r->entries)
		fputs("files: []\n", f);
	fputs("replacements:\n", f);
	for (int k = 0; k < MGO_CLEAN_NKINDS; k++)
		fprintf(f, "  %s: {count: %llu, distinct: %u}\n",
			mgo_clean_kind_name((enum mgo_clean_kind)k), c->count[k], c->map.next_id[k]);
	fprintf(f, "totals:\n  files_cleaned: %llu\n  files_read_as_text: %llu\n"
		"  files_read_as_resources: %llu\n  files_omitted: %llu\n  symlinks_skipped: %llu\n"
		"  special_files_skipped: %llu\n  directories: %llu\n  bytes_cleaned: %llu\n",
		r->cleaned, r->text, r->resources, r->omitted, r->symlinks, r->special, r->dirs,
		r->bytes);
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

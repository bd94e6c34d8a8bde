/* mgoctl ipc [--trace UID | --mg NS/NAME] [FILE|-]: one MustGather's path
 * through the processes, read back from their IPC log lines (the JSON lines
 * with "event":"ipc" each receiver writes), as a timeline sorted by time.
 * Input is the operator's log: a file, or `kubectl logs ... | mgoctl ipc`. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mgo/apiobj.h"

/* A log line longer than this is not one of ours; it is skipped and counted. */
#define LINE_MAX_BYTES (64 * 1024)

struct entry {
	json_t *line;           /* owned */
	size_t order;           /* input position, to keep equal times stable */
};

struct filter {
	const char *trace;
	const char *mg;
};

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* A short field for a column: printable ASCII only, the rest '?'. */
static const char *col(const json_t *o, const char *key, char *buf, size_t len)
{
	const char *s = str(o, key);
	size_t i = 0;

	for (; s[i] && i + 1 < len; i++)
		buf[i] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static bool wanted(const json_t *line, const struct filter *f)
{
	if (strcmp(str(line, "event"), "ipc") != 0)
		return false;
	if (f->trace && strcmp(str(line, "trace"), f->trace) != 0)
		return false;
	if (f->mg && strcmp(str(line, "mg"), f->mg) != 0)
		return false;
	return true;
}

static int by_time(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(str(x->line, "ts"), str(y->line, "ts"));

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Log values may quote user input: control and non-ASCII bytes are shown
 * as \xNN so a value can neither break the line nor drive the terminal. */
static void put_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= ' ' && *p < 0x7f && *p != '\\')
			putchar(*p);
		else
			printf("\\x%02x", *p);
	}
}

static void print_entry(const json_t *l)
{
	json_int_t seq = json_integer_value(json_object_get(l, "seq"));
	char ts[40], from[24], to[24], type[24], verdict[160];

	printf("%-24s %9s -> %-9s %-7s #%-5lld %-30s ", col(l, "ts", ts, sizeof(ts)),
	       col(l, "from", from, sizeof(from)), col(l, "to", to, sizeof(to)),
	       col(l, "type", type, sizeof(type)), (long long)seq,
	       col(l, "verdict", verdict, sizeof(verdict)));
	put_text(str(l, "result"));
	putchar('\n');
}

/* Reads every matching line of f into *out (grown as needed). */
static int collect(FILE *f, const struct filter *flt, struct entry **out, size_t *n,
		   size_t *skipped)
{
	char *buf = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;
	int rc = 0;

	while ((len = getline(&buf, &cap, f)) >= 0) {
		json_t *line = NULL;

		if (len > LINE_MAX_BYTES) {
			(*skipped)++;
			continue;
		}
		/* not JSON: another program's output on the same stream */
		if (mgo_json_parse(buf, (size_t)len, &line, NULL, 0) != 0)
			continue;
		if (!json_is_object(line) || !wanted(line, flt)) {
			json_decref(line);
			continue;
		}
		if (*n == alloc) {
			struct entry *e = realloc(*out, (alloc = alloc ? alloc * 2 : 64) * sizeof(*e));
			if (!e) {
				json_decref(line);
				rc = -ENOMEM;
				break;
			}
			*out = e;
		}
		(*out)[*n] = (struct entry){line, *n};
		(*n)++;
	}
	free(buf);
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}

static int parse_args(const struct mgoctl_cmd *self, int argc, char **argv, struct filter *flt,
		      const char **path)
{
	int i = 1;

	*path = "-";
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			printf("usage: mgoctl %s %s\n%s\n", self->name, self->operands, self->summary);
			return mgoctl_finish(MGOCTL_EXIT_OK);
		}
		if ((strcmp(a, "--trace") == 0 || strcmp(a, "--mg") == 0) && i + 1 < argc) {
			if (a[2] == 't')
				flt->trace = argv[++i];
			else
				flt->mg = argv[++i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] == '-' && a[1] != '\0') {
			fputs("mgoctl ipc: unknown option or missing value: \"", stderr);
			mgoctl_put_escaped(stderr, a);
			fputs("\"\n", stderr);
			return MGOCTL_EXIT_USAGE;
		}
		break;
	}
	if (i < argc)
		*path = argv[i++];
	if (i < argc) {
		fputs("mgoctl ipc: one log file at most (use - or nothing for stdin)\n", stderr);
		return MGOCTL_EXIT_USAGE;
	}
	if (flt->mg && !strchr(flt->mg, '/')) {
		fputs("mgoctl ipc: --mg takes NAMESPACE/NAME\n", stderr);
		return MGOCTL_EXIT_USAGE;
	}
	return -1;
}

int mgoctl_ipc(const struct mgoctl_cmd *self, int argc, char **argv)
{
	struct filter flt = {0};
	struct entry *entries = NULL;
	size_t n = 0, skipped = 0;
	const char *path;
	FILE *f;
	int code = parse_args(self, argc, argv, &flt, &path), rc;

	if (code >= 0)
		return code;
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mgoctl ipc: %s: %s\n", path, strerror(errno));
		return MGOCTL_EXIT_USAGE;
	}
	rc = collect(f, &flt, &entries, &n, &skipped);
	if (f != stdin)
		fclose(f);
	if (rc) {
		fprintf(stderr, "mgoctl ipc: reading %s: %s\n", path, strerror(-rc));
		code = MGOCTL_EXIT_USAGE;
		goto out;
	}
	if (n > 1) /* qsort may not be given NULL, even for nothing */
		qsort(entries, n, sizeof(*entries), by_time);
	if (n > 0 && (flt.mg || flt.trace)) {
		char mg[2 * 253 + 2], trace[160];
		printf("MustGather %s  trace %s\n", col(entries[0].line, "mg", mg, sizeof(mg)),
		       col(entries[0].line, "trace", trace, sizeof(trace)));
	}
	for (size_t i = 0; i < n; i++)
		print_entry(entries[i].line);
	if (skipped)
		fprintf(stderr, "mgoctl ipc: %zu lines over %d bytes skipped\n", skipped,
			LINE_MAX_BYTES);
	if (n == 0)
		fputs("mgoctl ipc: no IPC log line matched\n", stderr);
	code = mgoctl_finish(n > 0 ? MGOCTL_EXIT_OK : MGOCTL_EXIT_FAIL);
out:
	for (size_t i = 0; i < n; i++)
		json_decref(entries[i].line);
	free(entries);
	return code;
}

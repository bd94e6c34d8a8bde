/* The Prometheus text exposition format 0.0.4 of a sample set: see
 * mgo/metrics.h. Hand-written: no C library for it is in Debian, and the
 * format is a few lines of printf with one escaping rule. */
#include "mgo/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Label names of a series: role first where the merged set added it. */
static const char *label_name(const struct mgo_metric_series *s, unsigned i)
{
	const struct mgo_metric_def *def = &mgo_metric_defs[s->family];
	unsigned extra = s->nlabels - def->nlabels;

	if (i < extra)
		return "role";
	return def->labels[i - extra];
}

static int by_labels(const void *a, const void *b)
{
	const struct mgo_metric_series *x = *(const struct mgo_metric_series *const *)a;
	const struct mgo_metric_series *y = *(const struct mgo_metric_series *const *)b;

	for (unsigned i = 0; i < x->nlabels && i < y->nlabels; i++) {
		int c = strcmp(x->labels[i], y->labels[i]);
		if (c)
			return c;
	}
	return (int)x->nlabels - (int)y->nlabels;
}

static void escaped(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* {a="x",b="y"} with an optional le="..." last; nothing for no labels. */
static void labels(FILE *f, const struct mgo_metric_series *s, const char *le)
{
	if (!s->nlabels && !le)
		return;
	fputc('{', f);
	for (unsigned i = 0; i < s->nlabels; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", label_name(s, i));
		escaped(f, s->labels[i]);
		fputc('"', f);
	}
	if (le)
		fprintf(f, "%sle=\"%s\"", s->nlabels ? "," : "", le);
	fputc('}', f);
}

static void series(FILE *f, const struct mgo_metric_series *s)
{
	const char *name = mgo_metric_defs[s->family].name;
	uint64_t cum = 0;

	if (mgo_metric_defs[s->family].kind != MGO_METRIC_HISTOGRAM) {
		fputs(name, f);
		labels(f, s, NULL);
		fprintf(f, " %" PRId64 "\n", s->value);
		return;
	}
	for (unsigned b = 0; b < MGO_METRIC_BUCKETS; b++) {
		cum += s->buckets[b];
		fprintf(f, "%s_bucket", name);
		labels(f, s, mgo_metric_bucket_le_text[b]);
		fprintf(f, " %" PRIu64 "\n", cum);
	}
	fprintf(f, "%s_bucket", name);
	labels(f, s, "+Inf");
	fprintf(f, " %" PRIu64 "\n%s_sum", s->count, name);
	labels(f, s, NULL);
	fprintf(f, " %.17g\n%s_count", s->sum, name);
	labels(f, s, NULL);
	fprintf(f, " %" PRIu64 "\n", s->count);
}

static const char *type_name(enum mgo_metric_kind k)
{
	return k == MGO_METRIC_COUNTER ? "counter" : k == MGO_METRIC_GAUGE ? "gauge" : "histogram";
}

int mgo_metrics_render(const struct mgo_metrics *m, char **text, size_t *len)
{
	const struct mgo_metric_series **order = NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = NULL;
	int rc = -ENOMEM;

	*text = NULL;
	*len = 0;
	if (m->n && !(order = calloc(m->n, sizeof(*order))))
		goto out;
	if (!(f = open_memstream(&buf, &size)))
		goto out;
	for (int fam = 0; fam < MGO_M_FAMILIES; fam++) {
		const struct mgo_metric_def *def = &mgo_metric_defs[fam];
		size_t n = 0;

		for (size_t i = 0; i < m->n; i++)
			if (m->s[i].family == (enum mgo_metric_family)fam)
				order[n++] = &m->s[i];
		if (n)
			qsort(order, n, sizeof(*order), by_labels);
		/* the help texts are ours, with nothing to escape */
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", def->name, def->help, def->name,
			type_name(def->kind));
		for (size_t i = 0; i < n; i++)
			series(f, order[i]);
	}
	if (ferror(f))
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = NULL;
	*text = buf;
	*len = size;
	buf = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	free(order);
	return rc;
}

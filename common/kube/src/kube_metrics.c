/* The API client's counters as metrics: see mgo/kube.h. */
#include <stdio.h>

#include "mgo/kube.h"
#include "mgo/metrics.h"

void mgo_kube_stats_to_metrics(const struct mgo_kube_stats *s, struct mgo_metrics *m)
{
	for (size_t i = 0; i < s->n_by_code; i++) {
		char code[24];
		const char *labels[] = {mgo_kube_verb_name(s->by_code[i].verb), code};

		snprintf(code, sizeof(code), "%ld", s->by_code[i].code);
		/* a full set is counted in m->dropped */
		mgo_metric_total(m, MGO_M_KUBE_REQUESTS, labels, (int64_t)s->by_code[i].n);
	}
}

/* CPU of reading one Job watch event (common/kube/src/json_prune.c): parsed
 * whole by jansson, as the informers did; the scan alone; and the scan
 * then jansson on what is left, as the Job and Pod informers of the
 * watcher and the launcher now do (the spec and metadata.managedFields
 * left out). Two events, the fuzz seeds: a Job as the launcher renders it
 * and the test API server returns it (4.3 KB, no managedFields), and the
 * same Job with the managedFields a kube-apiserver would add for the
 * launcher's create and the Job controller's status update.
 *
 *   cmake --build build --target bench_json_prune && build/common/bench_json_prune [ROUNDS]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mgo/fileio.h"
#include "mgo/json_prune.h"

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One seed's three rows; 0, or 1 when it cannot be read or pruned. */
static int measure(const char *name, const char *what, long rounds)
{
	static const char *const spec[] = {"object", "spec", NULL};
	static const char *const fields[] = {"object", "metadata", "managedFields", NULL};
	static const char *const *const paths[] = {fields, spec, NULL};
	char path[512], *text = NULL, *out = NULL, err[160];
	size_t len = 0, out_len = 0;
	double t0, whole, scan, both;
	int rc = 1;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz_json_prune/%s", MGO_SOURCE_DIR,
		 name);
	if (mgo_file_read(path, 1 << 20, &text, &len, err, sizeof(err))) {
		fprintf(stderr, "bench_json_prune: %s: %s\n", path, err);
		return 1;
	}
	/* the seed's first byte picks the fuzz target's paths */
	if (len < 2 || !(out = malloc(len))) {
		fprintf(stderr, "bench_json_prune: %s: too short, or out of memory\n", name);
		goto out;
	}
	t0 = cpu_ns();
	for (long i = 0; i < rounds; i++)
		json_decref(json_loadb(text + 1, len - 1, JSON_REJECT_DUPLICATES, NULL));
	whole = (cpu_ns() - t0) / rounds;
	t0 = cpu_ns();
	for (long i = 0; i < rounds; i++)
		if (mgo_json_prune_paths(text + 1, len - 1, paths, out, &out_len) < 1)
			goto bad;
	scan = (cpu_ns() - t0) / rounds;
	t0 = cpu_ns();
	for (long i = 0; i < rounds; i++) {
		if (mgo_json_prune_paths(text + 1, len - 1, paths, out, &out_len) < 1)
			goto bad;
		json_decref(json_loadb(out, out_len, JSON_REJECT_DUPLICATES, NULL));
	}
	both = (cpu_ns() - t0) / rounds;
	printf("| %s, %zu bytes (%zu left) | %.1f | %.1f | %.1f |\n", what, len - 1, out_len,
	       whole / 1e3, scan / 1e3, both / 1e3);
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "bench_json_prune: %s: nothing was pruned\n", name);
out:
	free(out);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000;

	if (rounds < 1)
		rounds = 1;
	printf("| a Job watch event | jansson, whole: µs (CPU) | the scan alone | the scan, then "
	       "jansson |\n|---|---:|---:|---:|\n");
	return measure("seed-job-event", "as the test API server sends it", rounds) |
	       measure("seed-job-event-fields", "with a kube-apiserver's managedFields", rounds);
}

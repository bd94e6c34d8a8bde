/* CPU of reading one Job watch event (common/kube/src/json_prune.c): parsed
 * whole by jansson, as the informers did; the scan alone; and the scan
 * then jansson on what is left, as the Job and Pod informers of the
 * watcher and the launcher now do. The event is the fuzz seed taken from
 * a benchmark run (a Job as the launcher renders it, 4.3 KB).
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

int main(int argc, char **argv)
{
	static const char *const event_spec[] = {"object", "spec", NULL};
	const char *seed = MGO_SOURCE_DIR "/tests/fuzz/corpus/fuzz_json_prune/seed-job-event";
	long rounds = argc > 1 ? atol(argv[1]) : 20000;
	char *text = NULL, *out = NULL, err[160];
	size_t len = 0, out_len = 0;
	double t0, whole, scan, both;
	int rc = 1;

	if (rounds < 1)
		rounds = 1;
	if (mgo_file_read(seed, 1 << 20, &text, &len, err, sizeof(err))) {
		fprintf(stderr, "bench_json_prune: %s: %s\n", seed, err);
		return 1;
	}
	/* the seed's first byte picks the fuzz target's path */
	if (len < 2 || !(out = malloc(len))) {
		fprintf(stderr, "bench_json_prune: bad seed or out of memory\n");
		goto out;
	}
	t0 = cpu_ns();
	for (long i = 0; i < rounds; i++)
		json_decref(json_loadb(text + 1, len - 1, JSON_REJECT_DUPLICATES, NULL));
	whole = (cpu_ns() - t0) / rounds;
	t0 = cpu_ns();
	for (long i = 0; i < rounds; i++)
		if (mgo_json_prune(text + 1, len - 1, event_spec, out, &out_len) != 1)
			goto bad;
	scan = (cpu_ns() - t0) / rounds;
	t0 = cpu_ns();
	for (long i = 0; i < rounds; i++) {
		if (mgo_json_prune(text + 1, len - 1, event_spec, out, &out_len) != 1)
			goto bad;
		json_decref(json_loadb(out, out_len, JSON_REJECT_DUPLICATES, NULL));
	}
	both = (cpu_ns() - t0) / rounds;
	printf("| reading a Job watch event of %zu bytes | µs (CPU) |\n|---|---:|\n", len - 1);
	printf("| jansson, whole | %.1f |\n| the scan alone (%zu bytes left) | %.1f |\n"
	       "| the scan, then jansson | %.1f |\n", whole / 1e3, out_len, scan / 1e3, both / 1e3);
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "bench_json_prune: the seed's spec was not pruned\n");
out:
	free(out);
	free(text);
	return rc;
}

/* CPU per line of the supervisor's log relay (supervisor/logmux.c), alone:
 * no pipe, no write, each line handed to a callback that only counts it.
 * Three kinds of line: a child's own (its mgo_log, the usual case: an IPC
 * line and a plain event), one claiming another role (a compromised child),
 * and output that is not JSON. Prints ns and bytes per line of each.
 *
 *   cmake --build build --target bench_logmux && build/supervisor/bench_logmux [LINES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logmux.h"

static const char *const kinds[][2] = {
	{"own ipc line",
	 "{\"ts\":\"2026-12-07T06:21:29.179Z\",\"level\":\"info\",\"role\":\"watcher\",\"pid\":1689,"
	 "\"event\":\"ipc\",\"from\":\"validator\",\"to\":\"watcher\",\"type\":\"act\",\"seq\":18,"
	 "\"trace\":\"df4cca79-1100-448c-a505-0fe8aaabf65d\",\"gen\":1,\"mg\":\"team-a/allowed\","
	 "\"verdict\":\"launch\",\"result\":\"status written; created Job allowed; event recorded\"}\n"},
	{"own event line",
	 "{\"ts\":\"2026-12-07T06:21:29.180Z\",\"level\":\"info\",\"role\":\"watcher\",\"pid\":1689,"
	 "\"event\":\"proc.started\",\"func\":\"mgo_proc_open_loop\","
	 "\"msg\":\"mgo-watcher started with /etc/mgo/mgo.yaml\"}\n"},
	{"another role's line",
	 "{\"ts\":\"2026-12-07T06:21:29.180Z\",\"level\":\"info\",\"role\":\"launcher\",\"pid\":1689,"
	 "\"event\":\"proc.started\",\"func\":\"mgo_proc_open_loop\","
	 "\"msg\":\"mgo-watcher started with /etc/mgo/mgo.yaml\"}\n"},
	{"not JSON", "Segmentation fault (core dumped) in some library's own message\n"},
};

static size_t out_bytes;

static void count(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	out_bytes += len;
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long lines = argc > 1 ? atol(argv[1]) : 200000;
	enum { BATCH = 64 };

	if (lines < BATCH)
		lines = BATCH;
	printf("| line | bytes | ns per line (CPU) | lines/s |\n|---|---:|---:|---:|\n");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t len = strlen(kinds[k][1]);
		char *chunk = malloc(len * BATCH);
		struct mgo_logmux m;
		double t0, ns;

		if (!chunk || mgo_logmux_init(&m, "watcher", 1689) != 0)
			return 1;
		/* as a pipe delivers them: many lines per read */
		for (int i = 0; i < BATCH; i++)
			memcpy(chunk + (size_t)i * len, kinds[k][1], len);
		t0 = cpu_ns();
		for (long n = 0; n < lines; n += BATCH)
			if (mgo_logmux_feed(&m, chunk, len * BATCH, count, NULL) != 0)
				return 1;
		ns = (cpu_ns() - t0) / (double)(lines / BATCH * BATCH);
		printf("| %s | %zu | %.0f | %.0f |\n", kinds[k][0], len, ns, 1e9 / ns);
		mgo_logmux_free(&m);
		free(chunk);
	}
	return out_bytes ? 0 : 1;
}

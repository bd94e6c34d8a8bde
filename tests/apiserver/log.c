#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

void tas_log(const char *level, const char *fmt, ...)
{
	char msg[2048], ts[21];
	va_list ap;
	json_t *line;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tas_time_format(time(NULL), ts);
	line = json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level", level, "component",
			 "apiserver", "msg", msg);
	s = line ? json_dumps(line, JSON_COMPACT) : NULL;
	/* One fputs per line so concurrent request threads never interleave. */
	if (s) {
		fprintf(stderr, "%s\n", s);
		fflush(stderr);
	}
	free(s);
	json_decref(line);
}

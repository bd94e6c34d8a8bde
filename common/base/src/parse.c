#include "mgo/parse.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

int mgo_parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 3 || v > INT_MAX)
		return -1;
	return (int)v;
}

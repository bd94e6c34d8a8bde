/* mgo-health's reading of a request head (health/request.c): every byte
 * of it comes from whoever reaches the port. The first byte says where to
 * cut the input (0: whole). Beyond "no crash": a whole head gives a method
 * of A-Z only and a path starting with '/', both bounded and
 * NUL-terminated; and fed prefix by prefix, as a connection's reads would,
 * the answer never changes once given (a head is whole or refused once). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_health_request: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char method[MGO_HEALTH_METHOD_MAX], path[MGO_HEALTH_PATH_MAX];
	size_t step;
	int whole, first = 0;

	if (size < 1 || size - 1 > MGO_HEALTH_REQ_MAX)
		return 0;
	step = data[0];
	data++;
	size--;
	whole = mgo_health_parse_request((const char *)data, size, method, path);
	CHECK(whole == 1 || whole == 0 || whole == -EINVAL);
	if (whole == 1) {
		size_t m = strnlen(method, sizeof(method)), p = strnlen(path, sizeof(path));
		CHECK(m > 0 && m < sizeof(method) && p > 0 && p < sizeof(path) && path[0] == '/');
		for (size_t i = 0; i < m; i++)
			CHECK(method[i] >= 'A' && method[i] <= 'Z');
		for (size_t i = 0; i < p; i++)
			CHECK(path[i] > ' ' && path[i] < 0x7f && path[i] != '?');
	}
	if (!step)
		return 0;
	/* the first prefix with an answer gives the answer of the whole */
	for (size_t n = 0; n <= size; n += step) {
		char *copy = malloc(n ? n : 1);  /* exactly n bytes: ASan sees overreads */
		CHECK(copy);
		memcpy(copy, data, n);
		first = mgo_health_parse_request(copy, n, method, path);
		free(copy);
		if (first != 0)
			break;
	}
	CHECK(first == 0 || first == whole);
	return 0;
}

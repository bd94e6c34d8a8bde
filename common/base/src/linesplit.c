#include "mgo/linesplit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void mgo_lines_init(struct mgo_lines *l, size_t max)
{
	*l = (struct mgo_lines){.max = max};
}

static int append(struct mgo_lines *l, const char *data, size_t n)
{
	size_t need = l->len + n;

	if (need > l->cap) {
		size_t ncap = l->cap ? l->cap : 4096;
		while (ncap < need)
			ncap *= 2;
		if (ncap > l->max && need <= l->max)
			ncap = l->max;
		char *p = realloc(l->buf, ncap);
		if (!p)
			return -ENOMEM;
		l->buf = p;
		l->cap = ncap;
	}
	memcpy(l->buf + l->len, data, n);
	l->len = need;
	return 0;
}

static int deliver(const char *line, size_t len, mgo_line_fn fn, void *ctx)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	return fn(ctx, line, len);
}

int mgo_lines_feed(struct mgo_lines *l, const char *data, size_t n, mgo_line_fn fn, void *ctx)
{
	int rc;

	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;

		if (take > l->max || l->len > l->max - take) {
			l->len = 0;
			return -EMSGSIZE;
		}
		if (!nl)
			return append(l, data, n);
		if (l->len == 0) {
			rc = deliver(data, take, fn, ctx);
		} else {
			rc = append(l, data, take);
			if (rc)
				return rc;
			size_t full = l->len;
			l->len = 0;
			rc = deliver(l->buf, full, fn, ctx);
		}
		if (rc)
			return rc;
		data += take + 1;
		n -= take + 1;
	}
	return 0;
}

size_t mgo_lines_pending(const struct mgo_lines *l)
{
	return l->len;
}

void mgo_lines_reset(struct mgo_lines *l)
{
	l->len = 0;
}

void mgo_lines_free(struct mgo_lines *l)
{
	free(l->buf);
	*l = (struct mgo_lines){.max = l->max};
}

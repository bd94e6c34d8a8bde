/* The watch stream's line splitter: the same lines come out however the
 * stream is cut into chunks, and no line may grow past its bound. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/linesplit.h"

struct collect {
	char out[4096];
	size_t len;
	int lines;
	int stop_after;         /* return 1 from the callback at this line; 0 never */
};

/* Records each line followed by '|' so line boundaries are visible. */
static int collect_line(void *ctx, const char *line, size_t len)
{
	struct collect *c = ctx;

	cr_assert(len > 0, "empty lines are never delivered");
	cr_assert(memchr(line, '\n', len) == NULL);
	cr_assert_lt(c->len + len + 1, sizeof(c->out));
	memcpy(c->out + c->len, line, len);
	c->len += len;
	c->out[c->len++] = '|';
	c->out[c->len] = '\0';
	c->lines++;
	return c->stop_after && c->lines == c->stop_after ? 1 : 0;
}

static const struct {
	const char *in;
	const char *want;       /* lines joined by '|' */
	size_t pending;         /* bytes of an unfinished last line */
} cases[] = {
	{"", "", 0},
	{"a\n", "a|", 0},
	{"a\nbb\nccc\n", "a|bb|ccc|", 0},
	{"a\r\nb\r\n", "a|b|", 0},
	{"\n\n\r\nx\n\n", "x|", 0},
	{"{\"type\":\"ADDED\"}\n{\"type\":\"BOOKMARK\"}\ntail", "{\"type\":\"ADDED\"}|{\"type\":\"BOOKMARK\"}|", 4},
	{"no newline", "", 10},
	{"a\rb\n", "a\rb|", 0},
};

/* Feeds `in` cut at the positions whose bits are set in `cuts` (each bit i
 * means a chunk edge after byte i). */
static void feed_cut(const char *in, unsigned long cuts, struct collect *c, struct mgo_lines *l)
{
	size_t n = strlen(in), start = 0;

	for (size_t i = 0; i < n; i++) {
		if (i + 1 == n || (cuts >> i & 1)) {
			cr_assert_eq(mgo_lines_feed(l, in + start, i + 1 - start, collect_line, c), 0);
			start = i + 1;
		}
	}
}

Test(kube_lines, every_two_cut_chunking_gives_the_same_lines)
{
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t n = strlen(cases[k].in);
		/* one cut at every byte boundary, and every pair of cuts */
		for (size_t a = 0; a <= n; a++) {
			for (size_t b = a; b <= n; b++) {
				struct collect c = {0};
				struct mgo_lines l;
				unsigned long cuts = 0;
				if (a < n && a < 64)
					cuts |= 1ul << a;
				if (b < n && b < 64)
					cuts |= 1ul << b;
				mgo_lines_init(&l, 1024);
				feed_cut(cases[k].in, cuts, &c, &l);
				cr_assert_str_eq(c.out, cases[k].want, "case %zu cuts %zu,%zu", k, a, b);
				cr_assert_eq(mgo_lines_pending(&l), cases[k].pending, "case %zu", k);
				mgo_lines_free(&l);
			}
		}
	}
}

Test(kube_lines, byte_at_a_time)
{
	const char *in = "{\"a\":1}\r\n{\"b\":2}\n\n{\"c\":3}\n";
	struct collect c = {0};
	struct mgo_lines l;

	mgo_lines_init(&l, 64);
	for (size_t i = 0; in[i]; i++)
		cr_assert_eq(mgo_lines_feed(&l, in + i, 1, collect_line, &c), 0);
	cr_assert_str_eq(c.out, "{\"a\":1}|{\"b\":2}|{\"c\":3}|");
	cr_assert_eq(c.lines, 3);
	cr_assert_eq(mgo_lines_pending(&l), 0);
	mgo_lines_free(&l);
}

Test(kube_lines, line_of_exactly_max_is_accepted_one_more_is_refused)
{
	char in[20];
	struct mgo_lines l;

	for (int split = 1; split < 10; split++) {
		struct collect c = {0};
		memset(in, 'x', 8);
		in[8] = '\n';
		mgo_lines_init(&l, 8);
		cr_assert_eq(mgo_lines_feed(&l, in, (size_t)split, collect_line, &c), 0);
		cr_assert_eq(mgo_lines_feed(&l, in + split, (size_t)(9 - split), collect_line, &c), 0);
		cr_assert_str_eq(c.out, "xxxxxxxx|");
		mgo_lines_free(&l);
	}
	for (int split = 1; split < 10; split++) {
		struct collect c = {0};
		memset(in, 'y', 9);
		in[9] = '\n';
		mgo_lines_init(&l, 8);
		int rc1 = mgo_lines_feed(&l, in, (size_t)split, collect_line, &c);
		int rc2 = rc1 ? rc1 : mgo_lines_feed(&l, in + split, (size_t)(10 - split),
						     collect_line, &c);
		cr_assert_eq(rc2, -EMSGSIZE, "split %d", split);
		cr_assert_eq(c.lines, 0);
		cr_assert_eq(mgo_lines_pending(&l), 0, "the partial line is dropped");
		mgo_lines_free(&l);
	}
}

Test(kube_lines, refused_without_waiting_for_the_newline)
{
	struct mgo_lines l;
	struct collect c = {0};
	char chunk[100];

	memset(chunk, 'z', sizeof(chunk));
	mgo_lines_init(&l, 250);
	cr_assert_eq(mgo_lines_feed(&l, chunk, sizeof(chunk), collect_line, &c), 0);
	cr_assert_eq(mgo_lines_feed(&l, chunk, sizeof(chunk), collect_line, &c), 0);
	cr_assert_eq(mgo_lines_feed(&l, chunk, sizeof(chunk), collect_line, &c), -EMSGSIZE);
	cr_assert_leq(l.cap, 250, "the buffer never grows past the bound");
	mgo_lines_free(&l);
}

Test(kube_lines, callback_stop_is_returned_and_reset_forgets)
{
	struct mgo_lines l;
	struct collect c = {.stop_after = 2};

	mgo_lines_init(&l, 64);
	cr_assert_eq(mgo_lines_feed(&l, "one\ntwo\nthree\n", 14, collect_line, &c), 1);
	cr_assert_str_eq(c.out, "one|two|");
	cr_assert_eq(mgo_lines_feed(&l, "par", 3, collect_line, &c), 0);
	cr_assert_eq(mgo_lines_pending(&l), 3);
	mgo_lines_reset(&l);
	c.stop_after = 0;
	cr_assert_eq(mgo_lines_feed(&l, "tial\n", 5, collect_line, &c), 0);
	cr_assert_str_eq(c.out, "one|two|tial|");
	mgo_lines_free(&l);
}

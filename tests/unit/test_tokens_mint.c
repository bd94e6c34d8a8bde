/* mgo-tokens's pure parts (tokens/mint.c): the request it sends, what it
 * accepts of an answer, and when it asks again. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "tokens.h"

Test(tokens_mint, the_request_asks_for_the_lifetime_and_audiences)
{
	const char *aud[] = {"a", "b"};
	json_t *b = mgo_tokens_request_body(600, aud, 2);
	char *text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);

	cr_assert_str_eq(text, "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":"
			       "\"TokenRequest\",\"spec\":{\"audiences\":[\"a\",\"b\"],"
			       "\"expirationSeconds\":600}}");
	free(text);
	json_decref(b);
	b = mgo_tokens_request_body(3600, NULL, 0);
	cr_assert_eq(json_array_size(json_object_get(json_object_get(b, "spec"), "audiences")), 0,
		     "none: the API server's own");
	json_decref(b);
}

static int parse(const char *status, const char **tok, time_t *exp)
{
	char text[512], err[256] = "";
	json_t *body;
	int rc;

	snprintf(text, sizeof(text), "{\"status\":%s}", status);
	body = json_loads(text, JSON_ALLOW_NUL, NULL);
	cr_assert_not_null(body, "%s", text);
	rc = mgo_tokens_parse_answer(body, tok, exp, err, sizeof(err));
	cr_assert(rc == 0 || err[0], "a refusal says why");
	cr_assert(!strstr(err, "s3cret"), "the reason never quotes the token: %s", err);
	if (rc == 0)
		*tok = strdup(*tok); /* body goes away */
	json_decref(body);
	return rc;
}

Test(tokens_mint, answers)
{
	static const struct {
		const char *status;
		bool ok;
		time_t exp;
	} rows[] = {
		{"{\"token\":\"abc.def\",\"expirationTimestamp\":\"2026-12-07T03:22:34Z\"}", true,
		 1796613754},
		{"{\"token\":\"abc\",\"expirationTimestamp\":\"2026-12-07T03:22:34.123Z\"}", true,
		 1796613754},
		{"{\"token\":\"abc\",\"expirationTimestamp\":\"2026-12-07T03:22:34+00:00\"}", false, 0},
		{"{\"token\":\"abc\",\"expirationTimestamp\":\"2026-12-07 03:22:34Z\"}", false, 0},
		{"{\"token\":\"abc\",\"expirationTimestamp\":\"2026-12-07T03:22:34.Z\"}", false, 0},
		{"{\"token\":\"abc\"}", false, 0},
		{"{\"token\":\"\",\"expirationTimestamp\":\"2026-12-07T03:22:34Z\"}", false, 0},
		{"{\"token\":\"s3cret with space\",\"expirationTimestamp\":\"2026-12-07T03:22:34Z\"}",
		 false, 0},
		{"{\"token\":\"s3cret\\n\",\"expirationTimestamp\":\"2026-12-07T03:22:34Z\"}", false, 0},
		{"{\"token\":\"s3cret\\u0000x\",\"expirationTimestamp\":\"2026-12-07T03:22:34Z\"}",
		 false, 0},
		{"{\"token\":7,\"expirationTimestamp\":\"2026-12-07T03:22:34Z\"}", false, 0},
		{"{\"expirationTimestamp\":\"2026-12-07T03:22:34Z\"}", false, 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *tok = NULL;
		time_t exp = 0;
		int rc = parse(rows[i].status, &tok, &exp);
		cr_expect_eq(rc == 0, rows[i].ok, "row %zu: %s", i, rows[i].status);
		if (rc == 0) {
			cr_expect_eq(exp, rows[i].exp, "row %zu", i);
			free((char *)tok);
		}
	}
}

Test(tokens_mint, renews_at_80_percent_between_a_second_and_a_day)
{
	const uint64_t now = 1796613154000ull; /* exp - 600 s */
	const time_t exp = 1796613754;

	cr_assert_eq(mgo_tokens_renew_in_ms(exp, now), 480000, "600 s: at 480 s");
	cr_assert_eq(mgo_tokens_renew_in_ms(exp, now + 597500), 2000, "2.5 s left: at 2 s");
	cr_assert_eq(mgo_tokens_renew_in_ms(exp, now + 600000), 1000, "expired: at once, in 1 s");
	cr_assert_eq(mgo_tokens_renew_in_ms(exp, now + 900000), 1000, "a clock ahead: 1 s");
	cr_assert_eq(mgo_tokens_renew_in_ms(0, now), 1000);
	cr_assert_eq(mgo_tokens_renew_in_ms(exp + 10 * 86400, now), 86400000, "at most a day");
	cr_assert_eq(mgo_tokens_renew_in_ms((time_t)1 << 62, now), 86400000, "no overflow");
}

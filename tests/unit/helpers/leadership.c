#include "leadership.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spawn.h"

int64_t mgo_test_time_us(const char *s)
{
	struct tm tm = {0};
	const char *p;
	int64_t frac = 0, scale = 1000000;

	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	return (int64_t)timegm(&tm) * 1000000 + frac;
}

json_t *mgo_test_log_events(const char *path, const char *event, const char *child)
{
	char *text = slurp(path), *save = NULL, *line;
	json_t *out = json_array();

	cr_assert_not_null(out);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *ev = json_string_value(json_object_get(j, "event"));
		const char *ch = json_string_value(json_object_get(j, "child"));
		if (ev && strcmp(ev, event) == 0 && (!child || (ch && strcmp(ch, child) == 0)))
			json_array_append(out, j);
		json_decref(j);
	}
	free(text);
	return out;
}

void mgo_test_leads(const char *path, int64_t open_until_us, struct mgo_test_lead *out,
		    size_t cap, size_t *n)
{
	char *text = slurp(path), *save = NULL, *line;
	struct mgo_test_lead *open = NULL;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *ev = json_string_value(json_object_get(j, "event"));
		const char *holder = json_string_value(json_object_get(j, "holder"));

		if (ev && holder && strcmp(ev, "lease.acquired") == 0) {
			cr_assert(!open, "%s acquired the lease while leading", holder);
			cr_assert_lt(*n, cap, "more than %zu intervals", cap);
			open = &out[(*n)++];
			snprintf(open->holder, sizeof(open->holder), "%s", holder);
			open->from_us = json_integer_value(json_object_get(j, "acquired_us"));
			open->to_us = open_until_us;
		} else if (ev && holder && strcmp(ev, "lease.lost") == 0) {
			cr_assert(open && strcmp(open->holder, holder) == 0,
				  "%s lost a lease it had not acquired", holder);
			open->to_us = json_integer_value(json_object_get(j, "lost_us"));
			open = NULL;
		}
		json_decref(j);
	}
	free(text);
}

static int by_start(const void *a, const void *b)
{
	const struct mgo_test_lead *x = a, *y = b;

	return x->from_us < y->from_us ? -1 : x->from_us > y->from_us;
}

void mgo_test_leads_disjoint(const struct mgo_test_lead *l, size_t n)
{
	struct mgo_test_lead *s = calloc(n ? n : 1, sizeof(*s));

	cr_assert_not_null(s);
	memcpy(s, l, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_start);
	for (size_t i = 1; i < n; i++)
		cr_assert_geq(s[i].from_us, s[i - 1].to_us,
			      "%s led from %lld while %s led until %lld: %lld ms together",
			      s[i].holder, (long long)s[i].from_us, s[i - 1].holder,
			      (long long)s[i - 1].to_us,
			      (long long)(s[i - 1].to_us - s[i].from_us) / 1000);
	free(s);
}

/* "mgo-launcher (ID)" -> ID into buf; false for any other agent. */
static bool writer_of(const char *agent, char *buf, size_t len)
{
	static const char prefix[] = "mgo-launcher (";
	size_t n;

	if (!agent || strncmp(agent, prefix, sizeof(prefix) - 1) != 0)
		return false;
	agent += sizeof(prefix) - 1;
	n = strlen(agent);
	if (n == 0 || agent[n - 1] != ')' || n >= len)
		return false;
	memcpy(buf, agent, n - 1);
	buf[n - 1] = '\0';
	return true;
}

static bool is_write(const char *verb)
{
	return verb && (strcmp(verb, "create") == 0 || strcmp(verb, "update") == 0 ||
			strcmp(verb, "patch") == 0 || strcmp(verb, "delete") == 0);
}

size_t mgo_test_writes_fenced(const char *audit_path, const struct mgo_test_lead *l, size_t n,
			      int64_t grace_ms)
{
	char *text = slurp(audit_path), *save = NULL, *line;
	char holder[160] = "";          /* the Lease's holder by its last successful write */
	size_t checked = 0;

	cr_assert_not_null(text, "no audit log at %s", audit_path);
	/* the file is in the order the server finished the requests */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *verb = json_string_value(json_object_get(j, "verb"));
		const char *res = json_string_value(json_object_get(j, "resource"));
		const char *agent = json_string_value(json_object_get(j, "userAgent"));
		json_int_t code = json_integer_value(json_object_get(j, "code"));
		int64_t done = mgo_test_time_us(json_string_value(json_object_get(j, "time")));
		int64_t arrived = done - (int64_t)(json_number_value(json_object_get(j, "latencyMs")) * 1000);
		char who[160];

		cr_assert(j && done > 0, "an audit line without a time: %s", line);
		if (!is_write(verb) || !writer_of(agent, who, sizeof(who))) {
			json_decref(j);
			continue;
		}
		if (res && strcmp(res, "leases") == 0) {
			/* a Lease write that succeeded names its holder (a release
			 * leaves none, and the next one writes it) */
			if (code >= 200 && code < 300)
				snprintf(holder, sizeof(holder), "%s", who);
			json_decref(j);
			continue;
		}
		checked++;
		cr_assert(holder[0] == '\0' || strcmp(holder, who) == 0,
			  "%s wrote (%s %s, done at %s) after %s took the Lease over", who, verb, res,
			  json_string_value(json_object_get(j, "time")), holder);
		bool inside = false;
		for (size_t i = 0; i < n && !inside; i++)
			inside = strcmp(l[i].holder, who) == 0 && arrived >= l[i].from_us &&
				 arrived - grace_ms * 1000 <= l[i].to_us;
		cr_assert(inside, "%s wrote (%s %s, arrived at %lld us) while not leading", who, verb,
			  res, (long long)arrived);
		json_decref(j);
	}
	free(text);
	return checked;
}

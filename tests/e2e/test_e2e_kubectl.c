/* What a user sees with kubectl: the printer columns of `kubectl get mg`
 * and, in `kubectl describe mg`, the conditions and Events that explain a
 * refusal (the enhancement's Support Procedures rely on both). */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

TestSuite(kubectl, .init = cluster_setup, .fini = cluster_teardown);

#define CUSTOM "quay.io/my-org/my-custom-must-gather:latest"

/* The line of `out` that starts with `first` (a table row by name). */
static char *row(const char *out, const char *first)
{
	size_t n = strlen(first);

	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, first, n) == 0 && (p[n] == ' ' || p[n] == '\t'))
			return strndup(p, strcspn(p, "\n"));
	return NULL;
}

static void expect_words(const char *line, const char *const words[])
{
	for (size_t i = 0; words[i]; i++)
		cr_expect(line && strstr(line, words[i]), "'%s' not in: %s", words[i], line);
}

Test(kubectl, get_shows_image_state_and_reason)
{
	static const char *const allow[] = {CUSTOM, NULL};
	static const char *const header[] = {"NAME", "IMAGE", "STATE", "REASON", "AGE", NULL};
	static const char *const running[] = {CUSTOM, "Running", "JobCreated", NULL};
	static const char *const refused[] = {"Failed", "InvalidImage", NULL};
	const char *argv[] = {"get", "mg", "-n", cl.ns, NULL};
	char *out, *line;

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "shown", "{\"mustGatherImage\":\"" CUSTOM "\"}"));
	json_decref(cluster_create_mg(&cl, "refused", "{\"mustGatherImage\":\"quay.io/x/y:1\"}"));
	json_decref(cluster_wait_mg(&cl, "shown", "Running"));
	json_decref(cluster_wait_mg(&cl, "refused", "Failed"));

	out = cluster_kubectl(&cl, argv);
	line = row(out, "NAME");
	expect_words(line, header);
	free(line);
	line = row(out, "shown");
	expect_words(line, running);
	free(line);
	line = row(out, "refused");
	expect_words(line, refused);
	free(line);
	free(out);
}

/* Whether some line of text below `from` reads "  key:   value". */
static bool field(const char *from, const char *key, const char *value)
{
	for (const char *p = from; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *k = p + strspn(p, " ");
		size_t n = strlen(key);
		if (strncmp(k, key, n) != 0 || k[n] != ':')
			continue;
		const char *v = k + n + 1 + strspn(k + n + 1, " ");
		if (strncmp(v, value, strlen(value)) == 0 && (v[strlen(value)] == '\n' || !v[strlen(value)]))
			return true;
	}
	return false;
}

Test(kubectl, describe_shows_conditions_and_events)
{
	static const char *const allow[] = {CUSTOM, NULL};
	const char *argv[] = {"describe", "mg", "refused", "-n", cl.ns, NULL};
	json_t *ev;
	char *out;

	cluster_set_allowlist(&cl, allow);
	json_decref(cluster_create_mg(&cl, "refused", "{\"mustGatherImage\":\"quay.io/x/y:1\"}"));
	json_decref(cluster_wait_mg(&cl, "refused", "Failed"));
	ev = cluster_wait_event(&cl, "refused", "InvalidImage");
	json_decref(ev);

	out = cluster_kubectl(&cl, argv);
	/* the condition, with its reason and the message naming the allowlist */
	const char *conds = strstr(out, "Conditions:");
	cr_assert_not_null(conds, "no conditions in:\n%s", out);
	cr_expect(field(conds, "Type", "Failed"), "no Failed condition in:\n%s", out);
	cr_expect(field(conds, "Reason", "InvalidImage"), "no reason in:\n%s", out);
	cr_expect(strstr(conds, "is not in MustGatherImage/cluster"), "no message in:\n%s", out);
	/* and the Warning Event below it */
	const char *events = strstr(out, "Events:");
	cr_assert_not_null(events, "no Events section in:\n%s", out);
	cr_expect(strstr(events, "Warning  InvalidImage"), "no Warning InvalidImage event in:\n%s",
		  events);
	free(out);
}

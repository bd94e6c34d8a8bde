/* MustGatherImage/cluster tells its administrator which entries are not
 * image references (DESIGN section 2: "status: written by the operator:
 * which entries are malformed, observedGeneration"): such an entry allows
 * nothing, and without the status it would fail MustGathers silently. */
#include <criterion/criterion.h>
#include <string.h>

#include "cluster.h"

TestSuite(allowlist_status, .init = cluster_setup, .fini = cluster_teardown);

#define GOOD "quay.io/my-org/my-custom-must-gather:latest"
#define BAD "Quay.io/My Org/gather"

Test(allowlist_status, malformed_entries_are_listed_until_fixed)
{
	const char *with_bad[] = {GOOD, BAD, NULL}, *fixed[] = {GOOD, NULL};
	json_t *mgi, *entry;

	cluster_set_allowlist(&cl, with_bad);
	mgi = cluster_wait_allowlist_status(&cl, 1);
	entry = json_array_get(cl_at(mgi, "status.invalidImages"), 0);
	cr_assert_str_eq(cl_str(entry, "image"), BAD);
	cr_assert(strlen(cl_str(entry, "message")) > 10, "no reason given: \"%s\"",
		  cl_str(entry, "message"));
	cr_assert_eq(json_array_size(cl_at(mgi, "status.invalidImages")), 1);
	json_decref(mgi);

	/* what `kubectl get mgi` shows an administrator */
	char *table = cluster_kubectl(&cl, (const char *const[]){"get", "mgi", "cluster", NULL});
	cr_assert(strstr(table, "INVALID"), "no Invalid column:\n%s", table);
	cr_assert(strstr(table, "   1   ") || strstr(table, " 1 "), "the count is not shown:\n%s",
		  table);
	free(table);

	/* the good entry still works beside the bad one */
	json_decref(cluster_create_mg(&cl, "custom", "{\"mustGatherImage\":\"" GOOD "\"}"));
	json_decref(cluster_wait_mg(&cl, "custom", "Running"));

	cluster_set_allowlist(&cl, fixed);
	mgi = cluster_wait_allowlist_status(&cl, 0);
	cr_assert(json_is_array(cl_at(mgi, "status.invalidImages")));
	cr_assert_eq(json_array_size(cl_at(mgi, "status.invalidImages")), 0,
		     "the fixed entry is still listed");
	json_decref(mgi);
}

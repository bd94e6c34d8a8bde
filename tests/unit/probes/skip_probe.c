/* Not a test: a Criterion binary with one test that passes and one that
 * skips, which test_skips runs to see what ctest will be told. */
#include <criterion/criterion.h>

Test(probe, passes)
{
	cr_assert(1);
}

Test(probe, skips)
{
	cr_skip_test("the probe's reason");
}

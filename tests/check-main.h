/* check-main: the shared main() of the Check test programs.
 * Each test-*.c defines make_suite() and includes this last. The fixture
 * trees live under NM_TEST_DATA (tests/data), captured from real guests. */
#ifndef NM_CHECK_MAIN_H
#define NM_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static Suite *make_suite(void);

int main(void)
{
	SRunner *sr = srunner_create(make_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

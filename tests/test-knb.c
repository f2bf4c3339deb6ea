/* Tests of lib/knb.c on a fixture captured from a real guest and on a
 * throwaway tree (writing the live sysctl is left to the VM tests). */
#include "config.h"

#include <check.h>

#include "fixture.h"
#include "numamig/knb.h"

START_TEST(test_read_guest)
{
	struct nm_root *root = fixture_root("2n");
	int v = -1;

	ck_assert_int_eq(nm_knb_read(root, &v), 0);
	ck_assert_int_eq(v, 1); /* Debian's default on a multi-node machine */
	nm_root_free(root);
}
END_TEST

START_TEST(test_write_and_errors)
{
	char *tree = make_tree();
	struct nm_root *root;
	int v = -1;

	put(tree, "proc/sys/kernel/numa_balancing", "2\n");
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_knb_read(root, &v), 0);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(nm_knb_write(root, 0), 0);
	ck_assert_int_eq(nm_knb_read(root, &v), 0);
	ck_assert_int_eq(v, 0);
	put(tree, "proc/sys/kernel/numa_balancing", "x\n");
	ck_assert_int_eq(nm_knb_read(root, &v), -EINVAL);
	nm_root_free(root);
	remove_tree(tree);
	tree = make_tree();
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_knb_read(root, &v), -ENOENT);
	ck_assert_int_eq(nm_knb_write(root, 0), -ENOENT);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("knb");
	TCase *tc = tcase_create("knb");

	tcase_add_test(tc, test_read_guest);
	tcase_add_test(tc, test_write_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

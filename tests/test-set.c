/* Tests of lib/base/set.c: the kernel list format on libnuma bitmasks. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <check.h>

#include "numamig/set.h"

/* Parse TEXT and print it back; the result must equal WANT. */
static void roundtrip(const char *text, const char *want)
{
	char buf[128];
	struct bitmask *s = nm_set_parse_list(text, 0);

	ck_assert_msg(s != NULL, "parse '%s' failed: %s", text, strerror(errno));
	ck_assert_int_ge(nm_set_format(s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	numa_bitmask_free(s);
}

START_TEST(test_parse_forms)
{
	roundtrip("", "");
	roundtrip("\n", "");
	roundtrip("0\n", "0");
	roundtrip("0-3\n", "0-3");
	roundtrip("0-1,16-17\n", "0-1,16-17");
	roundtrip("0,2", "0,2");
	roundtrip("3,1,2", "1-3");
	roundtrip("0-0", "0");
	roundtrip("8191", "8191");
}
END_TEST

START_TEST(test_parse_sparse_bits)
{
	struct bitmask *s = nm_set_parse_list("0-1,16-17\n", 0);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(numa_bitmask_weight(s), 4);
	ck_assert(numa_bitmask_isbitset(s, 16));
	ck_assert(!numa_bitmask_isbitset(s, 2));
	ck_assert_int_eq(nm_set_next(s, 2), 16);
	ck_assert_int_eq(nm_set_next(s, 18), -1);
	ck_assert_int_eq(nm_set_last(s), 17);
	numa_bitmask_free(s);
}
END_TEST

static void rejects(const char *text, int err)
{
	errno = 0;
	ck_assert_msg(nm_set_parse_list(text, 0) == NULL, "'%s' was accepted", text);
	ck_assert_int_eq(errno, err);
}

START_TEST(test_parse_rejects)
{
	rejects("a", EINVAL);
	rejects("1-", EINVAL);
	rejects("-1", EINVAL);
	rejects("3-1", EINVAL);
	rejects("1,", EINVAL);
	rejects(",1", EINVAL);
	rejects("1 2", EINVAL);
	rejects("1\n2", EINVAL);
	rejects("1,,2", EINVAL);
	rejects("8192", ERANGE);
	rejects("99999999999999999999", ERANGE);
	errno = 0;
	ck_assert_ptr_null(nm_set_parse_list("4", 4));
	ck_assert_int_eq(errno, ERANGE);
}
END_TEST

START_TEST(test_format_small_buffer)
{
	struct bitmask *s = nm_set_parse_list("0,2,4,6,8", 0);
	char buf[4];

	ck_assert_int_eq(nm_set_format(s, buf, sizeof(buf)), -ENOSPC);
	ck_assert_int_eq(nm_set_format(s, buf, 0), -ENOSPC);
	numa_bitmask_free(s);
}
END_TEST

START_TEST(test_empty_set)
{
	struct bitmask *s = nm_set_parse_list("", 0);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(nm_set_last(s), -1);
	ck_assert_int_eq(nm_set_next(s, 0), -1);
	numa_bitmask_free(s);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("set");
	TCase *tc = tcase_create("list");

	tcase_add_test(tc, test_parse_forms);
	tcase_add_test(tc, test_parse_sparse_bits);
	tcase_add_test(tc, test_parse_rejects);
	tcase_add_test(tc, test_format_small_buffer);
	tcase_add_test(tc, test_empty_set);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

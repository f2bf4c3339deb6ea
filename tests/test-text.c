/* Tests of lib/base/text.c: untrusted text escaped for logs and terminals. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "numamig/text.h"

static const char *esc(const char *s, size_t size)
{
	static char out[256];

	return nm_escape(s, out, size ? size : sizeof(out));
}

START_TEST(test_escape)
{
	/* The audit's comm: a forged emergency line, a terminal sequence. */
	ck_assert_str_eq(esc("x\n<0>FORGED", 0), "x\\x0a<0>FORGED");
	ck_assert_str_eq(esc("\x1b[2J\x1b]0;owned\x07", 0), "\\x1b[2J\\x1b]0;owned\\x07");
	ck_assert_str_eq(esc("tab\tcr\rdel\x7f", 0), "tab\\x09cr\\x0ddel\\x7f");
	ck_assert_str_eq(esc("back\\slash", 0), "back\\\\slash");
	/* Valid UTF-8 stays; C1 controls (CSI as U+009B), stray and overlong
	 * bytes, and surrogates do not. */
	ck_assert_str_eq(esc("/system.slice/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x90\xa7", 0),
			 "/system.slice/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x90\xa7");
	ck_assert_str_eq(esc("\xc2\x9b" "31m", 0), "\\xc2\\x9b31m");
	ck_assert_str_eq(esc("\x9b" "31m", 0), "\\x9b31m");
	ck_assert_str_eq(esc("\xc0\xaf", 0), "\\xc0\\xaf");
	ck_assert_str_eq(esc("\xed\xa0\x80", 0), "\\xed\\xa0\\x80");
	ck_assert_str_eq(esc("\xe2\x82", 0), "\\xe2\\x82");
	ck_assert_str_eq(esc("", 0), "");
	/* Cut at a whole character, never inside an escape. */
	ck_assert_str_eq(esc("ab\ncd", 5), "ab");
	ck_assert_str_eq(esc("ab\ncd", 7), "ab\\x0a");
	ck_assert_str_eq(esc("\xc3\xa9\xc3\xa9", 4), "\xc3\xa9");
	ck_assert_str_eq(esc("x", 1), "");
}
END_TEST

/* Whatever the input, the output has no byte a terminal or journald
 * would act on. The bytes are checked in plain C and asserted once: each
 * Check assertion that passes still reports to the parent process, and
 * half a million of them make the test slow on a busy host. */
static bool harmless(const char *out)
{
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return false;
	return true;
}

START_TEST(test_every_byte)
{
	char in[3] = { 0 }, out[32], bad[64] = "";

	for (int a = 1; a < 256 && !bad[0]; a++) {
		for (int b = 0; b < 256 && !bad[0]; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			nm_escape(in, out, sizeof(out));
			if (!harmless(out))
				snprintf(bad, sizeof(bad), "%02x %02x -> %s", a, b, out);
		}
	}
	ck_assert_msg(!bad[0], "%s", bad);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_every_byte);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

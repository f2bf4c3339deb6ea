/* Tests of ctl/cli.c: numamigctl's command line. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char out[8192], err[8192];

/* Parse the NULL-terminated words after "numamigctl"; OUT and ERR hold
 * what was printed. */
static int parse(struct cli *c, ...)
{
	static char *argv[32]; /* C's arguments point into it */
	int argc = 1;
	FILE *fo = fmemopen(out, sizeof(out), "w"), *fe = fmemopen(err, sizeof(err), "w");
	va_list ap;
	int r;

	/* fmemopen "w" writes no NUL until something is written: clear the
	 * buffers, or a call that prints nothing shows the last one's text
	 * (seen with CK_FORK=no, as under valgrind). */
	out[0] = err[0] = '\0';
	argv[0] = "numamigctl";
	va_start(ap, c);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	r = cli_parse(argc, argv, "/run/default", c, fo, fe);
	fclose(fo);
	fclose(fe);
	return r;
}

START_TEST(test_options_anywhere)
{
	/* The three spellings give the same request. */
	static const char *const lines[][4] = {
		{ "status", "--json", NULL },
		{ "--json", "status", NULL },
		{ "status", "-j", NULL },
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		struct cli c;

		ck_assert_int_eq(parse(&c, lines[i][0], lines[i][1], NULL), -1);
		ck_assert_int_eq(c.cmd, CLI_STATUS);
		ck_assert(c.json);
		ck_assert_int_eq(c.nargs, 0);
		ck_assert_str_eq(c.socket, "/run/default");
	}
}
END_TEST

START_TEST(test_command_options)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, "migrate", "--cgroup", "/x", "--to", "1", "--dry-run",
			       "-s", "/tmp/s", NULL), -1);
	ck_assert_int_eq(c.cmd, CLI_MIGRATE);
	ck_assert_str_eq(c.cgroup, "/x");
	ck_assert_str_eq(c.to, "1");
	ck_assert_ptr_null(c.from);
	ck_assert(c.dry_run);
	ck_assert_str_eq(c.socket, "/tmp/s");
	ck_assert_int_eq(c.nargs, 0);

	/* Pids and options mixed, --opt=value. */
	ck_assert_int_eq(parse(&c, "--to=0-1", "migrate", "12", "--from=2,3", "34", "--direct",
			       NULL), -1);
	ck_assert_int_eq(c.nargs, 2);
	ck_assert_str_eq(c.args[0], "12");
	ck_assert_str_eq(c.args[1], "34");
	ck_assert_str_eq(c.to, "0-1");
	ck_assert_str_eq(c.from, "2,3");
	ck_assert_str_eq(c.mode, "direct");

	ck_assert_int_eq(parse(&c, "move", "1", "0x1000", "4K", "--shared", "0", NULL), -1);
	ck_assert_int_eq(c.cmd, CLI_MOVE);
	ck_assert_int_eq(c.nargs, 4);
	ck_assert_str_eq(c.args[3], "0");
	ck_assert(c.shared);

	/* watch: its numbers, and their defaults. */
	ck_assert_int_eq(parse(&c, "watch", NULL), -1);
	ck_assert_int_eq(c.cmd, CLI_WATCH);
	ck_assert(c.interval == 2);
	ck_assert_uint_eq(c.iterations, 0);
	ck_assert_int_eq(parse(&c, "watch", "--iterations", "3", "--interval=0.5", NULL), -1);
	ck_assert_uint_eq(c.iterations, 3);
	ck_assert(c.interval == 0.5);

	/* "--" ends the options. */
	ck_assert_int_eq(parse(&c, "explain", "--", "--json", NULL), -1);
	ck_assert(!c.json);
	ck_assert_int_eq(c.nargs, 1);
	ck_assert_str_eq(c.args[0], "--json");
}
END_TEST

/* Usage errors: exit 2, a message naming what is wrong, nothing on OUT. */
#define USAGE_ERROR(needle, ...)                                                   \
	do {                                                                       \
		struct cli c_;                                                     \
		ck_assert_int_eq(parse(&c_, __VA_ARGS__, NULL), CLI_EXIT_USAGE);   \
		ck_assert_msg(strstr(err, needle), "'%s' not in '%s'", needle, err); \
		ck_assert_str_eq(out, "");                                         \
	} while (0)

START_TEST(test_usage_errors)
{
	USAGE_ERROR("no command", "--json");
	USAGE_ERROR("unknown command 'stats'", "stats");
	USAGE_ERROR("status takes no option --to", "status", "--to", "1");
	USAGE_ERROR("explain takes no option --shared", "--shared", "explain", "1");
	USAGE_ERROR("move takes no option --cgroup", "move", "--cgroup=/x", "1", "2", "3", "4");
	USAGE_ERROR("unknown option '--nope'", "status", "--nope");
	USAGE_ERROR("unknown option '-x'", "status", "-x");
	USAGE_ERROR("option '--to' needs a value", "migrate", "1", "--to");
	USAGE_ERROR("option '-s' needs a value", "status", "-s");
	USAGE_ERROR("option '--socket' needs a value", "status", "--socket");
	USAGE_ERROR("--direct and --lazy", "migrate", "1", "--to", "0", "--direct", "--lazy");
	USAGE_ERROR("usage: numamigctl explain PID", "explain");
	USAGE_ERROR("usage: numamigctl explain PID", "explain", "1", "2");
	USAGE_ERROR("usage: numamigctl move PID ADDR", "move", "1", "2", "3");
	USAGE_ERROR("usage: numamigctl status", "status", "extra");
	USAGE_ERROR("'2.5' is not a whole number", "watch", "--iterations", "2.5");
	USAGE_ERROR("'-1' is not a whole number", "watch", "--iterations=-1");
	USAGE_ERROR("'0' is not a number from 1", "watch", "--iterations=0");
	USAGE_ERROR("'x' is not a number from 0.1", "watch", "--interval", "x");
	USAGE_ERROR("'nan' is not a number", "watch", "--interval", "nan");
	USAGE_ERROR("status takes no option --interval", "status", "--interval", "1");
	USAGE_ERROR("migrate takes no option --iterations", "migrate", "1", "--to", "0",
		    "--iterations", "2");
}
END_TEST

START_TEST(test_help)
{
	struct cli c;

	/* Every command's --help, before or after it, prints its usage
	 * and its own options only. */
	for (int i = 0; i < CLI_NR_CMDS; i++) {
		char want[128];

		snprintf(want, sizeof(want), "Usage: numamigctl %s", cli_commands[i].name);
		ck_assert_int_eq(parse(&c, cli_commands[i].name, "--help", NULL), 0);
		ck_assert_msg(strstr(out, want), "%s", out);
		ck_assert_msg(strstr(out, "--json"), "%s", out);
		ck_assert_str_eq(err, "");
		ck_assert_int_eq(parse(&c, "-h", cli_commands[i].name, NULL), 0);
		ck_assert_msg(strstr(out, want), "%s", out);
	}
	ck_assert_int_eq(parse(&c, "migrate", "--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "--cgroup=PATH"));
	ck_assert_ptr_null(strstr(out, "--shared"));
	/* Help wins over an incomplete command line. */
	ck_assert_int_eq(parse(&c, "move", "1", "--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "Usage: numamigctl move PID ADDR LEN NODE"));
	/* The program's help lists every command. */
	ck_assert_int_eq(parse(&c, "--help", NULL), 0);
	for (int i = 0; i < CLI_NR_CMDS; i++)
		ck_assert_ptr_nonnull(strstr(out, cli_commands[i].name));
	ck_assert_ptr_nonnull(strstr(out, "/run/default"));
	ck_assert_int_eq(parse(&c, "status", "--version", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "numamigctl " PACKAGE_VERSION));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_test(tc, test_options_anywhere);
	tcase_add_test(tc, test_command_options);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_help);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

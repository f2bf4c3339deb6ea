/* Tests of lib/base/procparse.c: /proc/PID/stat, status and cgroup, on captured
 * guest text and on hostile text (comm with ") (", spaces, a newline). */
#include "config.h"

#include <check.h>

#include "fixture.h"
#include "numamig/procparse.h"
#include "numamig/set.h"

static int parse_stat_text(const char *text, struct nm_stat *st)
{
	return nm_stat_parse(text, strlen(text), st);
}

START_TEST(test_stat_hostile_comm)
{
	size_t len;
	char *text = fixture_text("hostile/proc/4242/stat", &len);
	struct nm_stat st;

	ck_assert_int_eq(nm_stat_parse(text, len, &st), 0);
	ck_assert_int_eq(st.pid, 4242);
	ck_assert_str_eq(st.comm, "a) (b c\nd");
	ck_assert_int_eq(st.state, 'S');
	ck_assert_int_eq(st.ppid, 1);
	ck_assert_uint_eq(st.minflt, 101);
	ck_assert_uint_eq(st.majflt, 7);
	ck_assert_uint_eq(st.utime, 1234);
	ck_assert_uint_eq(st.stime, 567);
	ck_assert_int_eq(st.num_threads, 3);
	ck_assert_uint_eq(st.starttime, 52508);
	ck_assert_uint_eq(st.vsize, 3133440);
	ck_assert_int_eq(st.rss, 390);
	ck_assert_int_eq(st.processor, 1);
	free(text);
}
END_TEST

START_TEST(test_stat_comm_is_paren)
{
	size_t len;
	char *text = fixture_text("hostile/proc/4242/task/4243/stat", &len);
	struct nm_stat st;

	ck_assert_int_eq(nm_stat_parse(text, len, &st), 0);
	ck_assert_int_eq(st.pid, 4243);
	ck_assert_str_eq(st.comm, ")");
	ck_assert_uint_eq(st.utime, 20);
	ck_assert_uint_eq(st.stime, 30);
	ck_assert_int_eq(st.processor, 1);
	free(text);
}
END_TEST

START_TEST(test_stat_rejects)
{
	struct nm_stat st;
	static const char *bad[] = {
		"",
		"1",
		"1 (x",
		"1 x) S 1",
		"(x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1", /* cut before 39 */
		"1 (x)S 1",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 z 0 0 0 20 0 1 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"-1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		/* Past pid_t: would wrap to pid 0 or a negative pid (fuzz find 4). */
		"4294967296 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"2147483648 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_stat_text(bad[i], &st) == -EINVAL, "accepted: '%s'", bad[i]);
}
END_TEST

START_TEST(test_stat_long_comm_truncated_safely)
{
	char text[512];
	struct nm_stat st;

	snprintf(text, sizeof(text), "7 (%0100d) R 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 9 4096 "
		 "2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 3\n", 0);
	ck_assert_int_eq(parse_stat_text(text, &st), 0);
	ck_assert_uint_eq(strlen(st.comm), NM_COMM_MAX - 1);
	ck_assert_int_eq(st.processor, 3);
	ck_assert_uint_eq(st.utime, 5);
}
END_TEST

static const char status_text[] =
	"Name:\ta) (b c\\nd\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t4242\n"
	"Pid:\t4242\n"
	"Threads:\t3\n"
	"VmRSS:\t    1760 kB\n"
	"RssAnon:\t     112 kB\n"
	"SomeFutureKey:\t1 2 3\n"
	"Cpus_allowed:\tff\n"
	"Cpus_allowed_list:\t0-7\n"
	"Mems_allowed:\t00000000,00030003\n"
	"Mems_allowed_list:\t0-1,16-17\n"
	"voluntary_ctxt_switches:\t5\n";

START_TEST(test_status_fields)
{
	struct nm_status st;
	char buf[64];

	ck_assert_int_eq(nm_status_parse(status_text, strlen(status_text), &st), 0);
	ck_assert_int_eq(st.tgid, 4242);
	ck_assert_int_eq(st.threads, 3);
	ck_assert_uint_eq(st.vmrss_kb, 1760);
	ck_assert_uint_eq(st.rss_anon_kb, 112);
	nm_set_format(st.cpus_allowed, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0-7");
	nm_set_format(st.mems_allowed, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0-1,16-17");
	nm_status_clear(&st);
}
END_TEST

/* Drop the line starting with KEY from status_text and expect -EINVAL. */
static void status_without(const char *key)
{
	char text[sizeof(status_text)], *p;
	struct nm_status st;

	strcpy(text, status_text);
	p = strstr(text, key);
	memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
	ck_assert_int_eq(nm_status_parse(text, strlen(text), &st), -EINVAL);
	ck_assert_ptr_null(st.cpus_allowed);
	ck_assert_ptr_null(st.mems_allowed);
}

START_TEST(test_status_required)
{
	static const char kernel_thread[] = "Name:\tkthreadd\nTgid:\t2\nThreads:\t1\n"
		"Cpus_allowed_list:\t0-1\nMems_allowed_list:\t0\n";
	static const char wrapped_tgid[] = "Tgid:\t4294967296\nCpus_allowed_list:\t0\n"
		"Mems_allowed_list:\t0\n";
	struct nm_status st;

	status_without("Tgid:");
	status_without("Cpus_allowed_list:");
	status_without("Mems_allowed_list:");
	ck_assert_int_eq(nm_status_parse("Tgid:\t1\nCpus_allowed_list:\t0-\n"
					 "Mems_allowed_list:\t0\n", 46, &st), -EINVAL);
	/* A Tgid past pid_t would wrap to 0 or a negative pid. */
	ck_assert_int_eq(nm_status_parse(wrapped_tgid, strlen(wrapped_tgid), &st), -EINVAL);
	/* Kernel threads have no VmRSS: zero, not an error. */
	ck_assert_int_eq(nm_status_parse(kernel_thread, strlen(kernel_thread), &st), 0);
	ck_assert_uint_eq(st.vmrss_kb, 0);
	nm_status_clear(&st);
}
END_TEST

START_TEST(test_cgroup_hybrid)
{
	size_t len;
	char *text = fixture_text("hybrid/proc/4242/cgroup", &len);
	struct nm_cgroup_path cg;

	ck_assert_int_eq(nm_cgroup_path_parse(text, len, &cg), 0);
	ck_assert_str_eq(cg.unified, "/");
	ck_assert_str_eq(cg.cpuset, "/");
	ck_assert_str_eq(cg.memory, "/process_api/0f1cdec8b3092656a4b40d3f96e39711");
	nm_cgroup_path_clear(&cg);
	free(text);
}
END_TEST

START_TEST(test_cgroup_v2_and_odd)
{
	static const char v2[] = "0::/system.slice/postgresql@15-main.service\n";
	static const char colon[] = "0::/a:b/c d\n";
	static const char combined[] = "5:cpu,cpuacct:/x\n4:cpuset,memory:/y\n0::/z";
	struct nm_cgroup_path cg;

	ck_assert_int_eq(nm_cgroup_path_parse(v2, strlen(v2), &cg), 0);
	ck_assert_str_eq(cg.unified, "/system.slice/postgresql@15-main.service");
	ck_assert_ptr_null(cg.cpuset);
	nm_cgroup_path_clear(&cg);
	ck_assert_int_eq(nm_cgroup_path_parse(colon, strlen(colon), &cg), 0);
	ck_assert_str_eq(cg.unified, "/a:b/c d");
	nm_cgroup_path_clear(&cg);
	ck_assert_int_eq(nm_cgroup_path_parse(combined, strlen(combined), &cg), 0);
	ck_assert_str_eq(cg.unified, "/z");
	ck_assert_str_eq(cg.cpuset, "/y");
	ck_assert_str_eq(cg.memory, "/y");
	nm_cgroup_path_clear(&cg);
	/* An exiting process has an empty file. */
	ck_assert_int_eq(nm_cgroup_path_parse("", 0, &cg), 0);
	ck_assert_ptr_null(cg.unified);
	ck_assert_int_eq(nm_cgroup_path_parse("garbage\n", 8, &cg), -EINVAL);
	ck_assert_int_eq(nm_cgroup_path_parse("0::relative\n", 12, &cg), -EINVAL);
	ck_assert_ptr_null(cg.unified);
}
END_TEST

/* The fixture workload on the 2-node guest: main thread, one thread per
 * node (processor 0 and 1), and a fork()ed child with "(2)" in its comm. */
/* Found by tests/fuzz/fuzz-procparse: a last line ending at "ID:CTRL:"
 * made cgroup_line() test the byte after the buffer for '/'. Here that
 * byte is a '/', which the old code accepted as an empty path. */
START_TEST(test_cgroup_empty_path_at_end)
{
	struct nm_cgroup_path cg;

	ck_assert_int_eq(nm_cgroup_path_parse("0::/", 3, &cg), -EINVAL);
	ck_assert_ptr_null(cg.unified);
	ck_assert_int_eq(nm_cgroup_path_parse("0::/x\n4:memory:/", 15, &cg), -EINVAL);
	ck_assert_ptr_null(cg.unified);
	ck_assert_ptr_null(cg.memory);
}
END_TEST

START_TEST(test_guest_2n_tasks)
{
	static const struct { const char *file, *comm; int pid, processor; } tasks[] = {
		{ "2n/proc/108/stat", "a) (b c\nd)", 108, 1 },
		{ "2n/proc/108/task/111/stat", "t0) x (n0 ", 111, 0 },
		{ "2n/proc/108/task/112/stat", "t1) x (n1 ", 112, 1 },
		{ "2n/proc/110/stat", "fx child (2)", 110, 0 },
	};

	for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++) {
		size_t len;
		char *text = fixture_text(tasks[i].file, &len);
		struct nm_stat st;

		ck_assert_int_eq(nm_stat_parse(text, len, &st), 0);
		ck_assert_int_eq(st.pid, tasks[i].pid);
		ck_assert_str_eq(st.comm, tasks[i].comm);
		ck_assert_int_eq(st.processor, tasks[i].processor);
		ck_assert_int_eq(st.state, 'S');
		free(text);
	}
}
END_TEST

START_TEST(test_guest_status_and_cgroup)
{
	size_t len;
	char *text = fixture_text("cxl/proc/111/status", &len), buf[32];
	struct nm_status st;
	struct nm_cgroup_path cg;

	ck_assert_int_eq(nm_status_parse(text, len, &st), 0);
	ck_assert_int_eq(st.tgid, 111);
	ck_assert_int_eq(st.threads, 3);
	ck_assert_uint_eq(st.vmrss_kb, 10260);
	ck_assert_uint_eq(st.rss_anon_kb, 8376);
	nm_set_format(st.cpus_allowed, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0-1");
	nm_set_format(st.mems_allowed, buf, sizeof(buf)); /* includes the CPU-less node */
	ck_assert_str_eq(buf, "0-2");
	nm_status_clear(&st);
	free(text);
	text = fixture_text("cxl/proc/111/cgroup", &len);
	ck_assert_int_eq(nm_cgroup_path_parse(text, len, &cg), 0);
	ck_assert_str_eq(cg.unified, "/numamig.test");
	ck_assert_ptr_null(cg.cpuset);
	nm_cgroup_path_clear(&cg);
	free(text);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("procparse");
	TCase *stat = tcase_create("stat"), *status = tcase_create("status");
	TCase *cgroup = tcase_create("cgroup");

	tcase_add_test(stat, test_stat_hostile_comm);
	tcase_add_test(stat, test_stat_comm_is_paren);
	tcase_add_test(stat, test_stat_rejects);
	tcase_add_test(stat, test_stat_long_comm_truncated_safely);
	tcase_add_test(status, test_status_fields);
	tcase_add_test(status, test_status_required);
	tcase_add_test(cgroup, test_cgroup_hybrid);
	tcase_add_test(cgroup, test_cgroup_v2_and_odd);
	tcase_add_test(cgroup, test_cgroup_empty_path_at_end);
	suite_add_tcase(s, stat);
	suite_add_tcase(s, status);
	suite_add_tcase(s, cgroup);
	stat = tcase_create("guests");
	tcase_add_test(stat, test_guest_2n_tasks);
	tcase_add_test(stat, test_guest_status_and_cgroup);
	suite_add_tcase(s, stat);
	return s;
}

#include "check-main.h"

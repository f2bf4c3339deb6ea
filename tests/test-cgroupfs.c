/* Tests of lib/sys/cgroupfs.c: on the live host (a hybrid v1+v2 layout here,
 * pure v2 in the guests) and on throwaway trees. */
#include "config.h"

#include <check.h>

#include "fixture.h"
#include "numamig/cgroupfs.h"
#include "numamig/procparse.h"
#include "numamig/file.h"

struct seen {
	char paths[8][64];
	int n;
};

static int record(const char *path, void *arg)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	snprintf(s->paths[s->n++], sizeof(s->paths[0]), "%s", path);
	return 0;
}

static char *make_cgroup_tree(const char *mountpoint)
{
	char *tree = make_tree(), line[256];

	snprintf(line, sizeof(line),
		 "25 30 0:22 / /proc rw - proc proc rw\n"
		 "31 25 0:26 / %s rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", mountpoint);
	put(tree, "proc/self/mountinfo", line);
	snprintf(line, sizeof(line), "%s/cgroup.procs", mountpoint + 1);
	put(tree, line, "1\n7\n");
	snprintf(line, sizeof(line), "%s/system.slice/db.service/cgroup.procs", mountpoint + 1);
	put(tree, line, "108\n110\n");
	snprintf(line, sizeof(line), "%s/user.slice/cgroup.procs", mountpoint + 1);
	put(tree, line, "");
	return tree;
}

START_TEST(test_tree_walk_and_procs)
{
	char *tree = make_cgroup_tree("/sys/fs/cgroup");
	struct nm_cgroupfs *cg;
	struct nm_root *root;
	struct seen s = { 0 };
	pid_t *pids;
	int found_db = 0;

	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_cgfs_open(root, &cg), 0);
	ck_assert_str_eq(nm_cgfs_mount(cg), "sys/fs/cgroup");
	ck_assert_int_eq(nm_cgfs_walk(cg, record, &s), 0);
	ck_assert_int_eq(s.n, 4);
	ck_assert_str_eq(s.paths[0], "/");
	for (int i = 1; i < s.n; i++) {
		found_db += strcmp(s.paths[i], "/system.slice/db.service") == 0;
		/* parents before children */
		if (strcmp(s.paths[i], "/system.slice/db.service") == 0)
			ck_assert_int_eq(strcmp(s.paths[i - 1], "/system.slice"), 0);
	}
	ck_assert_int_eq(found_db, 1);
	ck_assert_int_eq(nm_cgfs_procs(cg, "/system.slice/db.service", &pids), 2);
	ck_assert_int_eq(pids[0], 108);
	ck_assert_int_eq(pids[1], 110);
	free(pids);
	ck_assert_int_eq(nm_cgfs_procs(cg, "/", &pids), 2);
	free(pids);
	ck_assert_int_eq(nm_cgfs_procs(cg, "/user.slice", &pids), 0);
	free(pids);
	ck_assert_int_eq(nm_cgfs_procs(cg, "/gone.scope", &pids), -ENOENT);
	nm_cgfs_free(cg);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

/* Found by tests/fuzz/fuzz-sysfs: an id past INT_MAX wrapped through the
 * cast to pid_t into 0 (4294967296) or a negative pid (2147483648). */
START_TEST(test_procs_out_of_range)
{
	char *tree = make_cgroup_tree("/sys/fs/cgroup");
	struct nm_cgroupfs *cg;
	struct nm_root *root;
	pid_t *pids;

	put(tree, "sys/fs/cgroup/cgroup.procs", "4294967296\n2147483648\n-5\n9\n");
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_cgfs_open(root, &cg), 0);
	ck_assert_int_eq(nm_cgfs_procs(cg, "/", &pids), 1);
	ck_assert_int_eq(pids[0], 9);
	free(pids);
	nm_cgfs_free(cg);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

static int stop_at_second(const char *path, void *arg)
{
	(void)path;
	return ++*(int *)arg == 2 ? 42 : 0;
}

START_TEST(test_walk_stops_and_hybrid_mount)
{
	char *tree = make_cgroup_tree("/sys/fs/cgroup/unified");
	struct nm_cgroupfs *cg;
	struct nm_root *root;
	int count = 0;

	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_cgfs_open(root, &cg), 0);
	ck_assert_str_eq(nm_cgfs_mount(cg), "sys/fs/cgroup/unified");
	ck_assert_int_eq(nm_cgfs_walk(cg, stop_at_second, &count), 42);
	ck_assert_int_eq(count, 2);
	nm_cgfs_free(cg);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

static int prune_system(const char *path, void *arg)
{
	record(path, arg);
	return strcmp(path, "/system.slice") == 0 ? NM_CGFS_PRUNE : 0;
}

/* A pruned cgroup is visited, its children are not, the walk goes on. */
START_TEST(test_walk_prunes)
{
	char *tree = make_cgroup_tree("/sys/fs/cgroup");
	struct nm_cgroupfs *cg;
	struct nm_root *root;
	struct seen s = { 0 };

	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_cgfs_open(root, &cg), 0);
	ck_assert_int_eq(nm_cgfs_walk(cg, prune_system, &s), 0);
	ck_assert_int_eq(s.n, 3); /* /, /system.slice, /user.slice */
	for (int i = 0; i < s.n; i++)
		ck_assert_str_ne(s.paths[i], "/system.slice/db.service");
	nm_cgfs_free(cg);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

START_TEST(test_path_norm)
{
	static const char *const bad[] = { "", "x", "/..", "/a/../b", "/a/./b", "/a//b", "/.",
					   "/a/\nb", "/a/\x1b" };
	char out[16];

	ck_assert_int_eq(nm_cgroup_path_norm("/", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/");
	ck_assert_int_eq(nm_cgroup_path_norm("///", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/");
	ck_assert_int_eq(nm_cgroup_path_norm("/a/b.slice/", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a/b.slice");
	ck_assert_int_eq(nm_cgroup_path_norm("/a/..b/c..", out, sizeof(out)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(nm_cgroup_path_norm(bad[i], out, sizeof(out)) == -EINVAL, "%s", bad[i]);
	ck_assert_int_eq(nm_cgroup_path_norm("/0123456789abcdef", out, sizeof(out)), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_no_cgroup2)
{
	char *tree = make_tree();
	struct nm_cgroupfs *cg = NULL;
	struct nm_root *root;

	put(tree, "proc/self/mountinfo", "31 25 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_cgfs_open(root, &cg), -ENOENT);
	ck_assert_ptr_null(cg);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

/* The live kernel: our own cgroup (from /proc/self/cgroup) lists us. */
START_TEST(test_live_self)
{
	struct nm_cgroupfs *cg;
	struct nm_cgroup_path cgp;
	struct nm_root *root;
	char *text;
	size_t len;
	pid_t *pids;
	int n, found = 0;

	ck_assert_int_eq(nm_root_open("/", &root), 0);
	ck_assert_int_eq(nm_cgfs_open(root, &cg), 0);
	ck_assert_int_eq(nm_read_file_at(AT_FDCWD, "/proc/self/cgroup", 65536, &text, &len), 0);
	ck_assert_int_eq(nm_cgroup_path_parse(text, len, &cgp), 0);
	ck_assert_ptr_nonnull(cgp.unified);
	n = nm_cgfs_procs(cg, cgp.unified, &pids);
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++)
		found += pids[i] == getpid();
	ck_assert_int_eq(found, 1);
	free(pids);
	free(text);
	nm_cgroup_path_clear(&cgp);
	nm_cgfs_free(cg);
	nm_root_free(root);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cgroupfs");
	TCase *tc = tcase_create("cgroupfs");

	tcase_add_test(tc, test_tree_walk_and_procs);
	tcase_add_test(tc, test_procs_out_of_range);
	tcase_add_test(tc, test_walk_stops_and_hybrid_mount);
	tcase_add_test(tc, test_no_cgroup2);
	tcase_add_test(tc, test_walk_prunes);
	tcase_add_test(tc, test_path_norm);
	tcase_add_test(tc, test_live_self);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

/* Tests of lib/access/damon.c on throwaway trees laid out as the 6.12
 * guests' /sys/kernel/mm/damon/admin (tests/vm/scenarios/daemon-tier-read.sh
 * drives the real one): what is written where, what a snapshot reads, and
 * the refusals (no DAMON, another user, no vaddr). A tree does not act on
 * what is written, so the test plays the kernel's part. */
#include "config.h"

#include <check.h>
#include <errno.h>

#include "fixture.h"
#include "numamig/damon.h"

#define K "sys/kernel/mm/damon/admin/kdamonds"

static const char *const slot_files[] = {
	"state", "pid", "contexts/nr_contexts", "contexts/0/operations",
	"contexts/0/monitoring_attrs/intervals/sample_us",
	"contexts/0/monitoring_attrs/intervals/aggr_us",
	"contexts/0/monitoring_attrs/intervals/update_us",
	"contexts/0/monitoring_attrs/nr_regions/max", "contexts/0/monitoring_attrs/nr_regions/min",
	"contexts/0/targets/nr_targets", "contexts/0/targets/0/pid_target",
	"contexts/0/schemes/nr_schemes", "contexts/0/schemes/0/action",
	"contexts/0/schemes/0/access_pattern/sz/max",
	"contexts/0/schemes/0/access_pattern/nr_accesses/max",
	"contexts/0/schemes/0/access_pattern/age/max",
	"contexts/0/schemes/0/tried_regions/total_bytes",
};

/* A tree with SLOTS kdamonds' files (the kernel makes them when
 * nr_kdamonds is written), nr_kdamonds saying NR. */
static char *damon_tree(unsigned slots, const char *nr)
{
	char *tree = make_tree(), rel[256];

	put(tree, K "/nr_kdamonds", nr);
	for (unsigned i = 0; i < slots; i++) {
		for (size_t f = 0; f < sizeof(slot_files) / sizeof(slot_files[0]); f++) {
			snprintf(rel, sizeof(rel), K "/%u/%s", i, slot_files[f]);
			put(tree, rel, strcmp(slot_files[f], "state") == 0 ? "off\n" : "0\n");
		}
	}
	return tree;
}

static char *text(const char *tree, const char *rel)
{
	char path[PATH_MAX], *buf = NULL;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	ck_assert_int_eq(nm_read_file_at(AT_FDCWD, path, 4096, &buf, NULL), 0);
	return buf;
}

static void assert_text(const char *tree, const char *rel, const char *want)
{
	char *got = text(tree, rel);

	ck_assert_msg(strcmp(got, want) == 0, "%s: '%s', not '%s'", rel, got, want);
	free(got);
}

static struct nm_root *open_tree(const char *tree)
{
	struct nm_root *root = NULL;

	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	return root;
}

/* A region directory of slot 0's snapshot. */
static void region(const char *tree, int i, const char *start, const char *end,
		   const char *acc, const char *age)
{
	char rel[256];
	const char *files[] = { "start", "end", "nr_accesses", "age" }, *v[] = { start, end, acc, age };

	for (int f = 0; f < 4; f++) {
		snprintf(rel, sizeof(rel), K "/0/contexts/0/schemes/0/tried_regions/%d/%s", i,
			 files[f]);
		put(tree, rel, v[f]);
	}
}

/* Taken when free: every kdamond set up (vaddr, one target, a stat scheme
 * matching every region), started on a pid, read, stopped, given back. */
START_TEST(test_lifecycle)
{
	char *tree = damon_tree(2, "0\n"), why[160] = "";
	struct nm_root *root = open_tree(tree);
	const struct nm_damon_region *v;
	struct nm_damon_stats st;
	struct nm_damon *d = NULL;
	size_t n;

	ck_assert_int_eq(nm_damon_open(root, 2, &d, why, sizeof(why)), 0);
	assert_text(tree, K "/nr_kdamonds", "2");
	assert_text(tree, K "/1/contexts/0/operations", "vaddr");
	assert_text(tree, K "/1/contexts/0/schemes/0/action", "stat");
	assert_text(tree, K "/1/contexts/0/monitoring_attrs/intervals/aggr_us", "100000");
	assert_text(tree, K "/1/contexts/0/monitoring_attrs/nr_regions/min", "100");
	assert_text(tree, K "/0/contexts/0/schemes/0/access_pattern/nr_accesses/max",
		    "4294967295");
	/* Off: no snapshot. */
	ck_assert_int_eq(nm_damon_snapshot(d, 0, &v, &n), -ESRCH);
	ck_assert_int_eq(nm_damon_start(d, 0, 4242), 0);
	assert_text(tree, K "/0/contexts/0/targets/0/pid_target", "4242");
	assert_text(tree, K "/0/state", "on");
	/* The kernel's snapshot: two regions, plus total_bytes. */
	region(tree, 0, "140000000000\n", "140000200000\n", "20\n", "3\n");
	region(tree, 1, "140000200000\n", "140000600000\n", "0\n", "50\n");
	ck_assert_int_eq(nm_damon_snapshot(d, 0, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) { /* in readdir's order */
		bool first = v[i].start == 140000000000ul;

		ck_assert_uint_eq(v[i].end, first ? 140000200000ul : 140000600000ul);
		ck_assert_uint_eq(v[i].nr_accesses, first ? 20 : 0);
		ck_assert_uint_eq(v[i].age, first ? 3 : 50);
	}
	assert_text(tree, K "/0/state", "update_schemes_tried_regions");
	/* A malformed region: an error, counted. */
	put(tree, K "/0/state", "on\n");
	region(tree, 1, "140000200000\n", "140000100000\n", "0\n", "50\n");
	ck_assert_int_eq(nm_damon_snapshot(d, 0, &v, &n), -EINVAL);
	put(tree, K "/0/state", "on\n");
	ck_assert_int_eq(nm_damon_stop(d, 0), 0);
	assert_text(tree, K "/0/state", "off");
	nm_damon_get_stats(d, &st);
	ck_assert_uint_eq(st.starts, 1);
	ck_assert_uint_eq(st.snapshots, 1);
	ck_assert_uint_eq(st.snapshot_errors, 1);
	ck_assert_uint_eq(st.regions, 2);
	ck_assert_int_eq(nm_damon_start(d, 2, 1), -EINVAL); /* no such slot */
	nm_damon_close(d);
	assert_text(tree, K "/nr_kdamonds", "0");
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

/* Refusals, each saying why: no DAMON at all, a kdamond of another user
 * running, no vaddr operations. A set left all off is taken over. */
START_TEST(test_refusals)
{
	char *tree = make_tree(), why[160] = "";
	struct nm_root *root = open_tree(tree);
	struct nm_damon *d = NULL;

	ck_assert_int_eq(nm_damon_open(root, 1, &d, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(why, "CONFIG_DAMON_SYSFS"));
	nm_root_free(root);
	remove_tree(tree);

	tree = damon_tree(2, "2\n");
	root = open_tree(tree);
	put(tree, K "/1/state", "on\n");
	ck_assert_int_eq(nm_damon_open(root, 2, &d, why, sizeof(why)), -EBUSY);
	ck_assert_str_eq(why, "in use by another DAMON user: kdamond 1 is on");
	put(tree, K "/1/state", "off\n");
	ck_assert_int_eq(nm_damon_open(root, 2, &d, why, sizeof(why)), 0);
	nm_damon_close(d);
	nm_root_free(root);
	remove_tree(tree);

	/* No operations file to write "vaddr" to: a setup step fails. */
	tree = damon_tree(1, "0\n");
	root = open_tree(tree);
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/" K "/0/contexts/0/operations", tree);
		ck_assert_int_eq(unlink(path), 0);
	}
	ck_assert_int_eq(nm_damon_open(root, 1, &d, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(why, "contexts/0/operations"));
	assert_text(tree, K "/nr_kdamonds", "0");
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("damon");
	TCase *tc = tcase_create("sysfs");

	tcase_add_test(tc, test_lifecycle);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

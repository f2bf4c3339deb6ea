/* Tests of lib/sys/knb.c on a fixture captured from a real guest and on a
 * throwaway tree (writing the live sysctl is left to the VM tests). */
#include "config.h"

#include <check.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "numamig/knb.h"

START_TEST(test_read_guest)
{
	struct nm_root *root = fixture_root("2n");
	int v = -1;

	ck_assert_int_eq(nm_knb_read(root, NM_KNB_BALANCING, &v), 0);
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
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_BALANCING, &v), 0);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(nm_knb_write(root, NM_KNB_BALANCING, 0), 0);
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_BALANCING, &v), 0);
	ck_assert_int_eq(v, 0);
	put(tree, "proc/sys/kernel/numa_balancing", "x\n");
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_BALANCING, &v), -EINVAL);
	/* demotion_enabled, as the kernel prints it; written as 1/0, which
	 * it takes (kstrtobool). */
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_DEMOTION, &v), -ENOENT);
	put(tree, "sys/kernel/mm/numa/demotion_enabled", "true\n");
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_DEMOTION, &v), 0);
	ck_assert_int_eq(v, 1);
	put(tree, "sys/kernel/mm/numa/demotion_enabled", "false\n");
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_DEMOTION, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(nm_knb_write(root, NM_KNB_DEMOTION, 1), 0);
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_DEMOTION, &v), 0);
	ck_assert_int_eq(v, 1);
	put(tree, "sys/kernel/mm/numa/demotion_enabled", "maybe\n");
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_DEMOTION, &v), -EINVAL);
	put(tree, "sys/kernel/mm/numa/demotion_enabled", "2\n");
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_DEMOTION, &v), -EINVAL);
	ck_assert_str_eq(nm_knb_name(NM_KNB_DEMOTION), "demotion_enabled");
	nm_root_free(root);
	remove_tree(tree);
	tree = make_tree();
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_knb_read(root, NM_KNB_BALANCING, &v), -ENOENT);
	ck_assert_int_eq(nm_knb_write(root, NM_KNB_BALANCING, 0), -ENOENT);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

/* The value to restore outlives the process that saved it. */
START_TEST(test_saved_value)
{
	char *tree = make_tree(), dir[512], path[600];
	struct stat st;
	int v = -1;

	snprintf(dir, sizeof(dir), "%s/var/lib/state", tree);
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_BALANCING, &v), -ENOENT);   /* no directory yet */
	ck_assert_int_eq(nm_knb_forget(dir, NM_KNB_BALANCING), 0);
	ck_assert_int_eq(nm_knb_save(dir, NM_KNB_BALANCING, 1), 0);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_BALANCING, &v), 0);
	ck_assert_int_eq(v, 1);
	/* Each setting has its own file. */
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_DEMOTION, &v), -ENOENT);
	ck_assert_int_eq(nm_knb_save(dir, NM_KNB_DEMOTION, 0), 0);
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_DEMOTION, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(nm_knb_forget(dir, NM_KNB_DEMOTION), 0);
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_DEMOTION, &v), -ENOENT);
	ck_assert_int_eq(nm_knb_save(dir, NM_KNB_BALANCING, 3), 0);            /* replaced */
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_BALANCING, &v), 0);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(nm_knb_forget(dir, NM_KNB_BALANCING), 0);
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_BALANCING, &v), -ENOENT);
	/* Garbage is not a value, and a link is not followed. */
	put(dir, "kernel.numa_balancing.saved", "one\n");
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_BALANCING, &v), -EINVAL);
	snprintf(path, sizeof(path), "%s/kernel.numa_balancing.saved", dir);
	ck_assert_int_eq(unlink(path), 0);
	put(tree, "elsewhere", "1\n");
	snprintf(dir + strlen(dir), 64, "/../elsewhere");
	ck_assert_int_eq(symlink(dir, path), 0);
	snprintf(dir, sizeof(dir), "%s/var/lib/state", tree);
	ck_assert_int_eq(nm_knb_saved(dir, NM_KNB_BALANCING, &v), -ELOOP);
	/* Saving replaces the link, never writes through it. */
	ck_assert_int_eq(nm_knb_save(dir, NM_KNB_BALANCING, 2), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	remove_tree(tree);
}
END_TEST

/* What kernel_numa_balancing: disable asks of each setting, on the cxl
 * fixture (node 2 has memory and no CPUs) and on 2n (none such). */
START_TEST(test_wanted)
{
	struct nm_root *cxl = fixture_root("cxl"), *two = fixture_root("2n");
	struct nm_topology *tc, *t2;
	struct nm_policy p[2] = { { .mode = NM_MODE_ADVISE, .goal_used_pct = 90 },
				  { .mode = NM_MODE_LAZY, .goal_used_pct = 100 } };
	struct nm_config c = { .kernel_numa_balancing = NM_KNB_KEEP, .policies = p,
			       .n_policies = 2 };

	ck_assert_int_eq(nm_topo_load(cxl, &tc), 0);
	ck_assert_int_eq(nm_topo_load(two, &t2), 0);
	ck_assert_int_eq(nm_knb_wanted(&c, tc, NM_KNB_BALANCING), -1); /* keep */
	ck_assert_int_eq(nm_knb_wanted(&c, tc, NM_KNB_DEMOTION), -1);
	c.kernel_numa_balancing = NM_KNB_DISABLE;
	ck_assert_int_eq(nm_knb_wanted(&c, tc, NM_KNB_BALANCING), 0);
	ck_assert_int_eq(nm_knb_wanted(&c, t2, NM_KNB_BALANCING), 0);
	/* A goal only in a policy that moves nothing: not needed. */
	ck_assert_int_eq(nm_knb_wanted(&c, tc, NM_KNB_DEMOTION), -1);
	p[1].goal_used_pct = 95;
	ck_assert_int_eq(nm_knb_wanted(&c, tc, NM_KNB_DEMOTION), 1);
	/* No memory-only node: nothing to demote to. */
	ck_assert_int_eq(nm_knb_wanted(&c, t2, NM_KNB_DEMOTION), -1);
	nm_topo_free(tc);
	nm_topo_free(t2);
	nm_root_free(cxl);
	nm_root_free(two);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("knb");
	TCase *tc = tcase_create("knb");

	tcase_add_test(tc, test_read_guest);
	tcase_add_test(tc, test_write_and_errors);
	tcase_add_test(tc, test_saved_value);
	tcase_add_test(tc, test_wanted);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

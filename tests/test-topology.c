/* Tests of lib/sys/topology.c on fixture trees: real guests (2n, 4n, cxl,
 * captured by tests/vm/capture-fixtures) and hand-made sparse-id trees. */
#include "config.h"

#include "fixture.h"
#include "numamig/set.h"
#include "numamig/topology.h"

static struct nm_topology *load(const char *name)
{
	struct nm_root *root = fixture_root(name);
	struct nm_topology *t = NULL;
	int r = nm_topo_load(root, &t);

	ck_assert_msg(r == 0, "load %s: %s", name, strerror(-r));
	nm_root_free(root);
	return t;
}

static void assert_set(const struct bitmask *set, const char *want)
{
	char buf[256];

	ck_assert_int_ge(nm_set_format(set, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_sparse_0_2)
{
	struct nm_topology *t = load("sparse-0-2");

	assert_set(t->online, "0,2");
	assert_set(t->possible, "0-3");
	assert_set(t->has_cpu, "0,2");
	assert_set(t->has_memory, "0,2");
	ck_assert_int_eq(t->max_node, 2);
	ck_assert_int_eq(t->nr_cpus, 4);
	ck_assert_int_eq(nm_topo_cpu_node(t, 0), 0);
	ck_assert_int_eq(nm_topo_cpu_node(t, 1), 0);
	ck_assert_int_eq(nm_topo_cpu_node(t, 2), 2);
	ck_assert_int_eq(nm_topo_cpu_node(t, 3), 2);
	ck_assert_int_eq(nm_topo_cpu_node(t, 4), -1);
	ck_assert_int_eq(nm_topo_cpu_node(t, -1), -1);
	ck_assert_int_eq(nm_topo_distance(t, 0, 0), 10);
	ck_assert_int_eq(nm_topo_distance(t, 0, 2), 20);
	ck_assert_int_eq(nm_topo_distance(t, 2, 0), 20);
	ck_assert_int_eq(nm_topo_distance(t, 0, 1), -1); /* the gap */
	ck_assert_ptr_null(t->node_cpus[1]);
	ck_assert_uint_eq(t->mem[0].total_kb, 1048576);
	ck_assert_uint_eq(t->mem[0].free_kb, 524288);
	ck_assert_uint_eq(t->mem[2].total_kb, 2097152);
	ck_assert_uint_eq(t->mem[2].free_kb, 1048576);
	ck_assert_uint_eq(t->mem[1].total_kb, 0);
	/* Watermarks sum over zones, in pages of 4 KiB (x86 fixtures). */
	ck_assert_uint_eq(t->mem[0].wmark_min_kb, (100 + 200) * 4);
	ck_assert_uint_eq(t->mem[0].wmark_low_kb, (125 + 250) * 4);
	ck_assert_uint_eq(t->mem[0].wmark_high_kb, (150 + 300) * 4);
	ck_assert_uint_eq(t->mem[2].wmark_high_kb, 600 * 4);
	nm_topo_free(t);
}
END_TEST

START_TEST(test_sparse_16_cpuless)
{
	struct nm_topology *t = load("sparse-16");
	static const int online[] = { 0, 1, 16, 17 };
	static const int dist[4][4] = {
		{ 10, 21, 30, 40 }, { 21, 10, 40, 30 }, { 30, 40, 10, 50 }, { 40, 30, 50, 10 },
	};

	assert_set(t->online, "0-1,16-17");
	assert_set(t->possible, "0-31");
	assert_set(t->has_cpu, "0-1");
	assert_set(t->has_memory, "0-1,16-17");
	ck_assert_int_eq(t->max_node, 17);
	ck_assert_int_eq(t->nr_cpus, 8);
	for (int cpu = 0; cpu < 8; cpu++)
		ck_assert_int_eq(nm_topo_cpu_node(t, cpu), cpu < 4 ? 0 : 1);
	ck_assert_int_eq(numa_bitmask_weight(t->node_cpus[16]), 0);
	ck_assert_int_eq(numa_bitmask_weight(t->node_cpus[17]), 0);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			ck_assert_int_eq(nm_topo_distance(t, online[i], online[j]), dist[i][j]);
	ck_assert_int_eq(nm_topo_distance(t, 0, 2), -1);
	ck_assert_int_eq(nm_topo_distance(t, 0, 18), -1);
	ck_assert_uint_eq(t->mem[16].total_kb, 8388608);
	ck_assert_uint_eq(t->mem[17].free_kb, 4194304);
	ck_assert_uint_eq(t->mem[16].wmark_low_kb, 22 * 4);
	ck_assert_uint_eq(t->mem[17].wmark_high_kb, 33 * 4);
	nm_topo_free(t);
}
END_TEST

START_TEST(test_no_numa_is_enodev)
{
	char *tree = make_tree();
	struct nm_topology *t = NULL;
	struct nm_root *root;

	put(tree, "sys/devices/system/cpu/possible", "0-1\n");
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_topo_load(root, &t), -ENODEV);
	ck_assert_ptr_null(t);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

/* A two-node tree (online ids ONLINE, "0-1" normally) whose node0/distance
 * is DIST0. */
static int load_two(const char *online, const char *dist0)
{
	char *tree = make_tree();
	struct nm_topology *t = NULL;
	struct nm_root *root;
	int r;

	put(tree, "sys/devices/system/node/online", online);
	put(tree, "sys/devices/system/node/possible", online);
	put(tree, "sys/devices/system/node/has_cpu", online);
	put(tree, "sys/devices/system/node/has_memory", online);
	put(tree, "sys/devices/system/cpu/possible", "0-1\n");
	put(tree, "sys/devices/system/node/node0/cpulist", "0\n");
	put(tree, "sys/devices/system/node/node1/cpulist", "1\n");
	put(tree, "sys/devices/system/node/node0/distance", dist0);
	put(tree, "sys/devices/system/node/node1/distance", "21 10\n");
	put(tree, "sys/devices/system/node/node0/meminfo",
	    "Node 0 MemTotal: 100 kB\nNode 0 MemFree: 50 kB\n");
	put(tree, "sys/devices/system/node/node1/meminfo",
	    "Node 1 MemTotal: 100 kB\nNode 1 MemFree: 50 kB\n");
	put(tree, "proc/zoneinfo", "");
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	r = nm_topo_load(root, &t);
	nm_topo_free(t);
	nm_root_free(root);
	remove_tree(tree);
	return r;
}

START_TEST(test_malformed_distance)
{
	ck_assert_int_eq(load_two("0-1\n", "10 21\n"), 0);
	ck_assert_int_eq(load_two("0-1\n", "10\n"), -EINVAL);       /* too few */
	ck_assert_int_eq(load_two("0-1\n", "10 21 30\n"), -EINVAL); /* too many */
	ck_assert_int_eq(load_two("0-1\n", "10 x\n"), -EINVAL);
	ck_assert_int_eq(load_two("0-1\n", "10 0\n"), -EINVAL);
	ck_assert_int_eq(load_two("0-1\n", ""), -EINVAL);
}
END_TEST

/* An id no kernel can have is refused before tables are sized by it. */
START_TEST(test_node_id_beyond_max)
{
	ck_assert_int_eq(load_two("0,1024\n", "10 21\n"), -ERANGE);
	ck_assert_int_eq(load_two("0,8191\n", "10 21\n"), -ERANGE);
}
END_TEST

/* The three emulated guests: exactly what QEMU was told (tests/vm/run). */
START_TEST(test_guest_2n)
{
	struct nm_topology *t = load("2n");

	assert_set(t->online, "0-1");
	assert_set(t->has_cpu, "0-1");
	assert_set(t->has_memory, "0-1");
	ck_assert_int_eq(t->nr_cpus, 2);
	ck_assert_int_eq(nm_topo_cpu_node(t, 0), 0);
	ck_assert_int_eq(nm_topo_cpu_node(t, 1), 1);
	ck_assert_int_eq(nm_topo_distance(t, 0, 1), 21);
	ck_assert_int_eq(nm_topo_distance(t, 1, 1), 10);
	ck_assert_uint_eq(t->mem[0].total_kb, 256584);
	ck_assert_uint_eq(t->mem[1].free_kb, 172424);
	ck_assert_uint_eq(t->mem[0].wmark_min_kb, (190 + 2988) * 4);
	ck_assert_uint_eq(t->mem[0].wmark_low_kb, (237 + 3735) * 4);
	ck_assert_uint_eq(t->mem[0].wmark_high_kb, (284 + 4482) * 4);
	ck_assert_uint_eq(t->mem[1].wmark_high_kb, 3903 * 4);
	nm_topo_free(t);
}
END_TEST

START_TEST(test_guest_4n_distances)
{
	struct nm_topology *t = load("4n");
	static const int dist[4][4] = {
		{ 10, 16, 22, 28 }, { 16, 10, 16, 22 }, { 22, 16, 10, 16 }, { 28, 22, 16, 10 },
	};

	assert_set(t->online, "0-3");
	assert_set(t->has_cpu, "0-3");
	ck_assert_int_eq(t->nr_cpus, 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(nm_topo_cpu_node(t, i), i);
		for (int j = 0; j < 4; j++)
			ck_assert_int_eq(nm_topo_distance(t, i, j), dist[i][j]);
	}
	ck_assert_uint_eq(t->mem[1].total_kb, 148864);
	ck_assert_uint_eq(t->mem[3].free_kb, 169152);
	nm_topo_free(t);
}
END_TEST

START_TEST(test_guest_cxl_cpuless)
{
	struct nm_topology *t = load("cxl");

	assert_set(t->online, "0-2");
	assert_set(t->has_cpu, "0-1");
	assert_set(t->has_memory, "0-2");
	ck_assert_int_eq(t->nr_cpus, 2);
	ck_assert_int_eq(numa_bitmask_weight(t->node_cpus[2]), 0);
	ck_assert_int_eq(nm_topo_distance(t, 0, 2), 20);
	ck_assert_int_eq(nm_topo_distance(t, 2, 1), 20);
	ck_assert_uint_eq(t->mem[2].total_kb, 255676);
	ck_assert_uint_eq(t->mem[2].free_kb, 244500);
	ck_assert_uint_eq(t->mem[2].wmark_low_kb, 3932 * 4);
	ck_assert_uint_eq(t->mem[2].wmark_high_kb, 4718 * 4);
	nm_topo_free(t);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("topology");
	TCase *tc = tcase_create("handmade");

	tcase_add_test(tc, test_sparse_0_2);
	tcase_add_test(tc, test_sparse_16_cpuless);
	tcase_add_test(tc, test_no_numa_is_enodev);
	tcase_add_test(tc, test_malformed_distance);
	suite_add_tcase(s, tc);
	tc = tcase_create("guests");
	tcase_add_test(tc, test_node_id_beyond_max);
	tcase_add_test(tc, test_guest_2n);
	tcase_add_test(tc, test_guest_4n_distances);
	tcase_add_test(tc, test_guest_cxl_cpuless);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

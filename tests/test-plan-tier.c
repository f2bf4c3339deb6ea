/* Tests of lib/plan/plan-tier.c: how much a node above its goal sheds,
 * which chunks go (coldest first, only cold ones, within the rate limit),
 * and where (the nearest memory-only node with room), on synthetic states
 * and the cxl guest's topology. */
#include "config.h"

#include <numa.h>

#include "fixture.h"
#include "numamig/tier.h"

#define MiB (1024ull * 1024)

START_TEST(test_excess)
{
	struct nm_node_mem m = { .total_kb = 1024 * 1024, .free_kb = 30 * 1024 }; /* 1 GiB, 97 % used */

	/* 97 % used against 95 %: 2 % of 1 GiB minus what is on its way. */
	ck_assert_uint_eq(nm_tier_excess(&m, 95, 0), 1024 * MiB - 30 * MiB - 1024 * MiB / 100 * 95);
	ck_assert_uint_eq(nm_tier_excess(&m, 95, 4 * MiB),
			  1024 * MiB - 30 * MiB - 1024 * MiB / 100 * 95 - 4 * MiB);
	ck_assert_uint_eq(nm_tier_excess(&m, 95, 1024 * MiB), 0); /* in flight covers it */
	ck_assert_uint_eq(nm_tier_excess(&m, 98, 0), 0);          /* below the goal */
	ck_assert_uint_eq(nm_tier_excess(&m, 100, 0), 0);         /* 100 %: never */
	m.free_kb = m.total_kb + 1;                                 /* hostile meminfo */
	ck_assert_uint_eq(nm_tier_excess(&m, 50, 0), 0);
}
END_TEST

static struct nm_tier_chunk chunk(unsigned long start, uint64_t mib, uint64_t idle_ms)
{
	return (struct nm_tier_chunk){ .start = start, .end = start + 2 * MiB,
				       .bytes = mib * MiB, .idle_ms = idle_ms };
}

START_TEST(test_pick_coldest_first)
{
	struct nm_tier_chunk v[] = {
		chunk(0x1000000, 2, 40000), chunk(0x1200000, 2, 5000),   /* hot */
		chunk(0x1400000, 2, 90000), chunk(0x1600000, 0, 99000),  /* nothing there */
		chunk(0x1800000, 2, 30000),
	};
	uint64_t cap;
	size_t k = nm_tier_pick(v, 5, 30000, 5 * MiB, UINT64_MAX, &cap);

	/* Every cold chunk with something there, coldest first: 90 s, 40 s,
	 * 30 s; the walker stops at the 5 MiB the node needs. */
	ck_assert_uint_eq(k, 3);
	ck_assert_uint_eq(cap, 5 * MiB);
	ck_assert_uint_eq(v[0].start, 0x1400000);
	ck_assert_uint_eq(v[1].start, 0x1000000);
	ck_assert_uint_eq(v[2].start, 0x1800000);
	/* Equally cold: in address order. */
	v[0].idle_ms = v[1].idle_ms = v[2].idle_ms = 50000;
	ck_assert_uint_eq(nm_tier_pick(v, 3, 30000, 5 * MiB, UINT64_MAX, &cap), 3);
	ck_assert_uint_eq(v[0].start, 0x1000000);
	ck_assert_uint_eq(v[2].start, 0x1800000);
	/* Needing more than they hold: what they hold. */
	nm_tier_pick(v, 3, 30000, 64 * MiB, UINT64_MAX, &cap);
	ck_assert_uint_eq(cap, 6 * MiB);
}
END_TEST

START_TEST(test_pick_only_cold)
{
	struct nm_tier_chunk v[] = { chunk(0, 2, 29999), chunk(2 * MiB, 2, 1000) };
	uint64_t cap = 1;

	/* However much the node needs, nothing written within cold_after goes. */
	ck_assert_uint_eq(nm_tier_pick(v, 2, 30000, 1024 * MiB, UINT64_MAX, &cap), 0);
	ck_assert_uint_eq(cap, 0);
}
END_TEST

START_TEST(test_pick_rate_limit)
{
	struct nm_tier_chunk v[] = { chunk(0, 2, 60000), chunk(2 * MiB, 2, 50000),
				     chunk(4 * MiB, 2, 40000) };
	uint64_t cap;

	/* The rate limit caps the bytes, not the chunks: a budget under one
	 * chunk still moves that much of it; none at all moves nothing. */
	ck_assert_uint_eq(nm_tier_pick(v, 3, 30000, 64 * MiB, 5 * MiB, &cap), 3);
	ck_assert_uint_eq(cap, 5 * MiB);
	ck_assert_uint_eq(nm_tier_pick(v, 3, 30000, 64 * MiB, 1 * MiB, &cap), 3);
	ck_assert_uint_eq(cap, 1 * MiB);
	ck_assert_uint_eq(nm_tier_pick(v, 3, 30000, 64 * MiB, 0, &cap), 0);
	ck_assert_uint_eq(cap, 0);
}
END_TEST

static struct nm_topology *cxl(void)
{
	struct nm_root *root = fixture_root("cxl");
	struct nm_topology *t = NULL;

	ck_assert_int_eq(nm_topo_load(root, &t), 0);
	nm_root_free(root);
	return t;
}

START_TEST(test_target)
{
	struct nm_topology *t = cxl();
	int64_t room[3] = { 1 << 30, 1 << 30, 1 << 30 };
	struct bitmask *allowed = numa_bitmask_alloc(3);

	/* Nodes 0 and 1 have CPUs, node 2 is memory only. */
	ck_assert_int_eq(nm_tier_target(t, 0, NULL, room, 64 * MiB), 2);
	ck_assert_int_eq(nm_tier_target(t, 1, NULL, room, 64 * MiB), 2);
	ck_assert_int_eq(nm_tier_target(t, 2, NULL, room, 64 * MiB), -1); /* itself */
	room[2] = 32 * MiB;                                               /* no room */
	ck_assert_int_eq(nm_tier_target(t, 0, NULL, room, 64 * MiB), -1);
	room[2] = 1 << 30;
	numa_bitmask_setbit(allowed, 0);
	numa_bitmask_setbit(allowed, 1);                                  /* cpuset.mems 0-1 */
	ck_assert_int_eq(nm_tier_target(t, 0, allowed, room, 64 * MiB), -1);
	/* Two memory-only nodes: the nearer one, whatever its id. */
	numa_bitmask_clearbit(t->has_cpu, 1);
	t->distance[0 * 3 + 1] = 30;
	ck_assert_int_eq(nm_tier_target(t, 0, NULL, room, 64 * MiB), 2);
	t->distance[0 * 3 + 2] = 40;
	ck_assert_int_eq(nm_tier_target(t, 0, NULL, room, 64 * MiB), 1);
	numa_bitmask_free(allowed);
	nm_topo_free(t);
}
END_TEST

/* Ping-pong: a region that moves between tiers the other way than its
 * last move within the hold time; the same way again, or later, is not.
 * Old moves are forgotten. */
START_TEST(test_pingpong_log)
{
	struct nm_tier_log log = { 0 };
	const unsigned long a = 0x200000, b = 0x400000;

	ck_assert_int_eq(nm_tier_log_move(&log, a, 1, 1000, 30000), 0);   /* promoted */
	ck_assert_int_eq(nm_tier_log_move(&log, b, -1, 2000, 30000), 0);  /* another, demoted */
	ck_assert_int_eq(nm_tier_log_move(&log, a, 1, 5000, 30000), 0);   /* the same way */
	ck_assert_int_eq(nm_tier_log_move(&log, a, -1, 20000, 30000), 1); /* back: 15 s later */
	ck_assert_int_eq(nm_tier_log_move(&log, b, 1, 40000, 30000), 0);  /* back, 38 s later */
	ck_assert_uint_eq(log.n, 2);
	ck_assert_int_eq(nm_tier_log_move(&log, 0x600000, 1, 81000, 30000), 0);
	ck_assert_uint_eq(log.n, 2);                       /* a forgotten: kept 60 s */
	ck_assert_ptr_null(nm_tier_log_find(&log, a));
	ck_assert_int_eq(nm_tier_log_find(&log, b)->dir, 1);
	for (unsigned long r = 0; r < 100; r++)                             /* it grows */
		ck_assert_int_eq(nm_tier_log_move(&log, 0x800000 + (r << 21), -1, 82000, 30000), 0);
	ck_assert_uint_eq(log.n, 102);
	nm_tier_log_free(&log);
	ck_assert_uint_eq(log.n, 0);
	ck_assert_ptr_null(log.v);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("plan-tier");
	TCase *tc = tcase_create("tier");

	tcase_add_test(tc, test_excess);
	tcase_add_test(tc, test_pick_coldest_first);
	tcase_add_test(tc, test_pick_only_cold);
	tcase_add_test(tc, test_pick_rate_limit);
	tcase_add_test(tc, test_target);
	tcase_add_test(tc, test_pingpong_log);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

/* Tests of planning per region (lib/plan/plan-region.c) fed by the access
 * store (lib/access/store.c) on synthetic access streams: write faults
 * after each clear, and PMU-style samples with data addresses. The test
 * plays the daemon: each tick it feeds the window's records, closes the
 * window, plans every region and moves the pages each decision asks for. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/access.h"
#include "numamig/planner.h"

#define NODES 2
#define REGIONS 4
#define RPAGES 512ull                 /* 4 KiB pages in a 2 MiB region */
#define PAGE 4096ull
#define BASE 0x7f0000000000ul
#define SEC 1000000000ull

struct region_sim {
	struct nm_policy pol;
	struct nm_access store;
	struct nm_plan_state st[REGIONS];
	struct nm_plan_decision d[REGIONS];
	uint64_t pages[REGIONS][NODES], seq[REGIONS], cpu[NODES];
	uint64_t now_ms, moved, moved_since;
	struct bitmask *src;
};

static void rs_init(struct region_sim *r)
{
	struct nm_access_opts o;

	memset(r, 0, sizeof(*r));
	r->pol = (struct nm_policy){ .mode = NM_MODE_LAZY, .policy = NM_POLICY_RESIDENCY,
				     .dwell_ms = 1000, .hysteresis_ms = 10000,
				     .dominance_pct = 70, .min_gain_pct = 10, .batch_min = 64,
				     .min_rss_bytes = 64ull << 20 };
	nm_access_default_opts(&o, NODES);
	ck_assert_int_eq(nm_access_init(&r->store, &o, 0), 0);
	for (int k = 0; k < REGIONS; k++)
		r->pages[k][0] = RPAGES; /* all first touched on node 0 */
	r->src = numa_bitmask_alloc(NODES);
}

static void rs_free(struct region_sim *r)
{
	nm_access_free(&r->store);
	numa_bitmask_free(r->src);
}

/* Region K written this window by a thread on NODE (-1: not written; 2:
 * both nodes, half the pages each), as write faults: each page once, and
 * the kernel's retry a second time. */
static void write_region(struct region_sim *r, int k, int node)
{
	for (unsigned long p = 0; p < RPAGES && node >= 0; p++) {
		int n = node == 2 ? (int)(p % 2) : node;
		struct nm_access_rec v = { .pid = 1, .tid = 10 + n,
					   .addr = BASE + (unsigned long)k * RPAGES * PAGE + p * PAGE,
					   .node = n, .src = NM_ACCESS_WRITES };

		nm_access_add(&r->store, &v, 1);
		nm_access_add(&r->store, &v, 1);
	}
}

/* One tick: the writers of each region (WRITERS[k] as write_region), then
 * plan every region and move what it asks for. Returns the reason of
 * region WATCH. */
static enum nm_plan_reason rs_tick(struct region_sim *r, const int *writers, int watch)
{
	struct nm_plan_input in;
	double all = 0;
	enum nm_plan_reason why = NM_PLAN_R_NONE;

	for (int k = 0; k < REGIONS; k++)
		write_region(r, k, writers[k]);
	r->now_ms += 1000;
	/* Both threads ran the whole second. */
	r->cpu[0] = r->cpu[1] = SEC;
	in = (struct nm_plan_input){ .now_ms = r->now_ms, .window_ms = 1000, .nr_nodes = NODES,
				     .page_size = PAGE, .last_node = -1 };
	for (size_t i = 0; i < r->store.n; i++)
		all += r->store.regions[i].total;
	for (int k = 0; k < REGIONS; k++) {
		const struct nm_access_region *reg =
			nm_access_find(&r->store, BASE + (unsigned long)k * RPAGES * PAGE);
		float counts[NODES] = { 0 };
		uint64_t cpu[NODES];
		struct nm_plan_region pr = {
			.proc = &in, .proc_cpu_ns = 2 * SEC, .counts = counts, .all_counts = all,
			.pages = r->pages[k], .placement_seq = ++r->seq[k], .cpu_ns = cpu,
		};

		for (int n = 0; reg && n < NODES; n++)
			counts[n] = nm_access_count(&r->store, reg, n, NM_ACCESS_NR_SRCS);
		r->d[k].src = r->src;
		ck_assert_int_eq(nm_plan_region_tick(&r->pol, &pr, NULL, &r->st[k], &r->d[k]), 0);
		if (k == watch)
			why = r->d[k].reason;
		if (r->d[k].action != NM_PLAN_MIGRATE)
			continue;
		/* The walker moves every page off the target. */
		for (int n = 0; n < NODES; n++)
			if (n != r->d[k].target) {
				r->moved += r->pages[k][n];
				r->moved_since += r->pages[k][n];
				r->pages[k][r->d[k].target] += r->pages[k][n];
				r->pages[k][n] = 0;
			}
	}
	nm_access_end_window(&r->store, r->now_ms * 1000000);
	return why;
}

/* One thread per node, each writing its own half, all first touched on
 * node 0: the node-1 half moves after the dwell, the other half is
 * already local, and every misplaced page moves once. min_rss (64 MiB)
 * does not hold back a 2 MiB region. */
START_TEST(test_thread_private)
{
	struct region_sim r;
	const int writers[REGIONS] = { 0, 0, 1, 1 };

	rs_init(&r);
	ck_assert_int_eq(rs_tick(&r, writers, 2), NM_PLAN_R_HOME_CHANGED);
	ck_assert_int_eq(r.d[0].reason, NM_PLAN_R_ALREADY_LOCAL);
	ck_assert_int_eq(r.d[2].target, 1);
	for (int t = 0; t < 10; t++)
		rs_tick(&r, writers, 2);
	ck_assert_uint_eq(r.moved, 2 * RPAGES);
	ck_assert_uint_eq(r.pages[2][1] + r.pages[3][1], 2 * RPAGES);
	ck_assert_uint_eq(r.pages[0][0] + r.pages[1][0], 2 * RPAGES);
	rs_free(&r);
}
END_TEST

/* A region written by both nodes alike has no home and stays put. */
START_TEST(test_shared_stays)
{
	struct region_sim r;
	const int writers[REGIONS] = { 2, 2, 2, 2 };

	rs_init(&r);
	for (int t = 0; t < 20; t++)
		ck_assert_int_eq(rs_tick(&r, writers, 0), NM_PLAN_R_NO_DOMINANT_NODE);
	ck_assert_uint_eq(r.moved, 0);
	rs_free(&r);
}
END_TEST

/* The writers of every region swap nodes every 3 s for 60 s, hysteresis
 * 10 s: moves are bounded by the cooldown and the backoff (at most twice
 * the working set in all, at most a tenth of it in the second half). */
START_TEST(test_rotation_bounded)
{
	struct region_sim r;
	uint64_t ws = REGIONS * RPAGES;

	rs_init(&r);
	for (int t = 0; t < 60; t++) {
		int w = (t / 3) % 2;
		const int writers[REGIONS] = { w, w, !w, !w };

		if (t == 30)
			r.moved_since = 0;
		rs_tick(&r, writers, 0);
	}
	ck_assert_uint_le(r.moved, 2 * ws);
	ck_assert_uint_le(r.moved_since, ws / 10);
	rs_free(&r);
}
END_TEST

/* PMU-style samples (a few per region, reads and writes, every sample
 * counting) give regions a home just as write faults do; a region nobody
 * accesses has no counts and so no plan but idle. */
START_TEST(test_pmu_samples_and_unaccessed)
{
	struct region_sim r;
	const int none[REGIONS] = { -1, -1, -1, -1 };

	rs_init(&r);
	for (int t = 0; t < 3; t++) {
		for (unsigned long i = 0; i < 40; i++) {
			struct nm_access_rec v = { .pid = 1, .tid = 11, .node = 1,
						   .addr = BASE + 2 * RPAGES * PAGE + i * 64,
						   .src = NM_ACCESS_PMU };

			nm_access_add(&r.store, &v, 1);
		}
		rs_tick(&r, none, 2);
	}
	ck_assert_uint_eq(r.pages[2][1], RPAGES);
	ck_assert_int_eq(r.d[0].reason, NM_PLAN_R_IDLE);
	ck_assert_uint_eq(r.pages[0][0], RPAGES);
	rs_free(&r);
}
END_TEST

#define TICK_NS (1000 * 1000 * 1000ull)

/* A thread's node changes: the first is a placement (its regions follow);
 * a second within the hysteresis makes it unstable until the hysteresis
 * has passed since; ticks it did not run change nothing; threads gone are
 * forgotten, and one never seen is stable. A thread stayed on a node
 * since a time when it has run there, and changed nodes no later. */
START_TEST(test_thread_unstable)
{
	struct nm_thread_hist *h = NULL;
	size_t n = 0;
	struct nm_thread_residency v[2] = { { .tid = 10, .node = 0, .ns = TICK_NS },
					    { .tid = 11, .node = 1, .ns = TICK_NS } };

	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 1000, TICK_NS), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(nm_plan_thread_stayed(h, n, 11, 1, 1000));
	ck_assert(nm_plan_threads_stayed(h, n, 1000));
	ck_assert(!nm_plan_threads_stayed(h, 0, 1000)); /* no thread known */
	v[0].node = 1; /* thread 10 placed on node 1 at 2 s */
	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 2000, TICK_NS), 0);
	ck_assert(nm_plan_threads_stayed(h, n, 2000));
	ck_assert(!nm_plan_threads_stayed(h, n, 1999)); /* thread 10 moved after */
	ck_assert(!nm_plan_thread_unstable(h, n, 10, 2000, 10000));
	ck_assert(nm_plan_thread_stayed(h, n, 10, 1, 2000)); /* its memory moved then */
	ck_assert(!nm_plan_thread_stayed(h, n, 10, 1, 1999)); /* moved before it */
	ck_assert(!nm_plan_thread_stayed(h, n, 10, 0, 2000));
	v[0].node = -1; /* did not run */
	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 3000, TICK_NS), 0);
	ck_assert(!nm_plan_thread_unstable(h, n, 10, 3000, 10000));
	ck_assert(nm_plan_thread_stayed(h, n, 10, 1, 2000)); /* where it last ran */
	v[0].node = 0; /* back at 5 s: a second change within 10 s */
	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 5000, TICK_NS), 0);
	ck_assert(nm_plan_thread_unstable(h, n, 10, 5000, 10000));
	ck_assert(!nm_plan_thread_stayed(h, n, 10, 1, 2000));
	ck_assert(!nm_plan_thread_stayed(h, n, 12, 1, 2000)); /* unknown */
	ck_assert(nm_plan_thread_unstable(h, n, 10, 11999, 10000));
	ck_assert(!nm_plan_thread_unstable(h, n, 10, 12000, 10000)); /* 10 s after 2 s */
	ck_assert(!nm_plan_thread_unstable(h, n, 11, 5000, 10000));
	ck_assert(!nm_plan_thread_unstable(h, n, 12, 5000, 10000));
	/* Thread 10 gone, 12 new: 11 keeps its history. */
	v[0] = (struct nm_thread_residency){ .tid = 11, .node = 0, .ns = TICK_NS };
	v[1] = (struct nm_thread_residency){ .tid = 12, .node = 1, .ns = TICK_NS };
	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 6000, TICK_NS), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(!nm_plan_thread_unstable(h, n, 10, 6000, 10000));
	v[0].node = 1;
	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 7000, TICK_NS), 0);
	ck_assert(nm_plan_thread_unstable(h, n, 11, 7000, 10000));
	/* A thread that ran only a moment elsewhere (under a twentieth of
	 * the tick) did not change nodes. */
	v[1].node = 0;
	v[1].ns = TICK_NS / NM_PLAN_THREAD_MIN_SHARE - 1;
	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 8000, TICK_NS), 0);
	ck_assert(nm_plan_thread_stayed(h, n, 12, 1, 6000));
	ck_assert(nm_plan_threads_stayed(h, n, 7000));
	v[1].ns = TICK_NS / NM_PLAN_THREAD_MIN_SHARE;
	ck_assert_int_eq(nm_plan_threads_note(&h, &n, v, 2, 9000, TICK_NS), 0);
	ck_assert(!nm_plan_thread_stayed(h, n, 12, 1, 6000));
	free(h);
}
END_TEST

/* Pages [LO, HI) of region K written by a thread on NODE, once each. */
static void write_pages(struct region_sim *r, int k, unsigned long lo, unsigned long hi, int node)
{
	for (unsigned long p = lo; p < hi; p++) {
		struct nm_access_rec v = { .pid = 1, .tid = 10 + node,
					   .addr = BASE + (unsigned long)k * RPAGES * PAGE + p * PAGE,
					   .node = node, .src = NM_ACCESS_WRITES };

		nm_access_add(&r->store, &v, 1);
	}
}

/* A region two threads' slices share (a boundary 156 pages in, as in an
 * unaligned buffer), whose writers' pages lie apart, splits into the two
 * writers' parts, each with its span (the store keeps one per node, over
 * windows); so does one where a writer has 6 % (31 pages at the end).
 * Pages the writers interleave do not split, nor does memory the
 * process's threads share. */
START_TEST(test_split_by_writer)
{
	struct region_sim r;
	struct nm_plan_input in = { .nr_nodes = NODES, .page_size = PAGE, .last_node = -1 };
	const struct nm_access_region *reg;
	struct nm_access_span sp;
	int w[NODES];

	rs_init(&r);
	write_pages(&r, 0, 0, 156, 0);
	write_pages(&r, 0, 156, RPAGES, 1);
	nm_access_end_window(&r.store, SEC);
	write_pages(&r, 0, 0, 100, 0); /* a second window, part of each */
	write_pages(&r, 0, 300, 400, 1);
	reg = nm_access_find(&r.store, BASE);
	ck_assert_ptr_nonnull(reg);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 2);
	ck_assert_int_eq(w[0], 0);
	ck_assert_int_eq(w[1], 1);
	sp = nm_access_node_span(&r.store, reg, 0);
	ck_assert_uint_eq(sp.lo, 0);
	ck_assert_uint_eq(sp.hi, 156);
	sp = nm_access_node_span(&r.store, reg, 1);
	ck_assert_uint_eq(sp.lo, 156);
	ck_assert_uint_eq(sp.hi, RPAGES);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 1, w), 0); /* shared */
	/* A thread of node 0 writes a page inside node 1's span: they overlap. */
	write_pages(&r, 0, 200, 201, 0);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 0);
	/* Interleaved pages (write_region's "both"): no split. */
	write_region(&r, 1, 2);
	reg = nm_access_find(&r.store, BASE + RPAGES * PAGE);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 0);
	ck_assert_uint_eq(nm_access_node_span(&r.store, reg, 5).hi, 0); /* no such node */
	/* A boundary 31 pages before the region's end: node 0 dominates. */
	write_pages(&r, 2, 0, RPAGES - 31, 0);
	write_pages(&r, 2, RPAGES - 31, RPAGES, 1);
	reg = nm_access_find(&r.store, BASE + 2 * RPAGES * PAGE);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 2);
	ck_assert_uint_eq(nm_access_node_span(&r.store, reg, 1).lo, RPAGES - 31);
	rs_free(&r);
}
END_TEST

/* Threads that swap nodes at a slice boundary inside a region: each
 * node's span holds both writers' pages then, and splits nothing; within
 * two generations of windows (four windows each at the default half-life
 * of two) the spans are narrowed to the pages written since, and the
 * region splits again, by the new layout. A writer that wrote its part
 * only at the start, with no one overlapping it, keeps its span. */
START_TEST(test_split_after_swap)
{
	struct region_sim r;
	struct nm_plan_input in = { .nr_nodes = NODES, .page_size = PAGE, .last_node = -1 };
	const struct nm_access_region *reg;
	uint64_t win = 0;
	int w[NODES], windows = 0;

	rs_init(&r);
	for (; win < 4; win++) {
		write_pages(&r, 0, 0, 156, 0);
		write_pages(&r, 0, 156, RPAGES, 1);
		write_pages(&r, 1, 0, 100, 0); /* region 1: node 0 once, then node 1 */
		if (!win)
			write_pages(&r, 1, 300, RPAGES, 1);
		nm_access_end_window(&r.store, (win + 1) * SEC);
	}
	reg = nm_access_find(&r.store, BASE);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 2);
	/* The swap. */
	for (; win < 32 && (windows == 0 || win < 24); win++) {
		write_pages(&r, 0, 0, 156, 1);
		write_pages(&r, 0, 156, RPAGES, 0);
		nm_access_end_window(&r.store, (win + 1) * SEC);
		if (win == 4)
			ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 0);
		if (!windows && nm_plan_region_split(&r.store, reg, &in, 0, w) == 2)
			windows = (int)win - 3;
	}
	ck_assert_int_gt(windows, 0);
	ck_assert_int_le(windows, 8);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 2);
	ck_assert_uint_eq(nm_access_node_span(&r.store, reg, 0).lo, 156);
	ck_assert_uint_eq(nm_access_node_span(&r.store, reg, 0).hi, RPAGES);
	ck_assert_uint_eq(nm_access_node_span(&r.store, reg, 1).lo, 0);
	ck_assert_uint_eq(nm_access_node_span(&r.store, reg, 1).hi, 156);
	/* Region 1: node 1 wrote [300, 512) in the first window only, node 0
	 * [0, 100) in four; no overlap, so both spans stand. */
	reg = nm_access_find(&r.store, BASE + RPAGES * PAGE);
	ck_assert_uint_eq(nm_access_node_span(&r.store, reg, 1).lo, 300);
	ck_assert_int_eq(nm_plan_region_split(&r.store, reg, &in, 0, w), 2);
	rs_free(&r);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("plan-region");
	TCase *tc = tcase_create("region");

	tcase_add_test(tc, test_thread_private);
	tcase_add_test(tc, test_shared_stays);
	tcase_add_test(tc, test_rotation_bounded);
	tcase_add_test(tc, test_thread_unstable);
	tcase_add_test(tc, test_split_by_writer);
	tcase_add_test(tc, test_split_after_swap);
	tcase_add_test(tc, test_pmu_samples_and_unaccessed);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

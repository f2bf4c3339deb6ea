/* Tests of the daemon's moves (lib/act/migrator.c) and the page walker under
 * them (lib/act/walk.c) on the one scripted kernel (tests/fake-kernel.h):
 * ordering, batching, accounting, retries, huge pages, stopping. That pages
 * really move is tested on real kernels in the multi-node VM tests. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrator-fixture.h"
#include "act/walk.h"

START_TEST(test_moves_everything_misplaced)
{
	struct setup *s = setup(5000);

	AT(s, 10)->node = 1; /* already local: never requested */
	AT(s, 20)->absent = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	ck_assert_uint_eq(s->res.c.misplaced, 4998);
	ck_assert_uint_eq(s->res.c.requested, 4998);
	ck_assert_uint_eq(s->f->requested, 4998);
	ck_assert(!AT(s, 10)->requested);
	ck_assert(!AT(s, 20)->requested);
	ck_assert_uint_eq(s->res.c.moved, 4998);
	ck_assert_uint_eq(s->res.moved_from[0], 4998);
	ck_assert_uint_eq(s->res.c.bytes_moved, 4998 * PG);
	for (int i = 0; i < 5000; i++)
		ck_assert_int_eq(AT(s, i)->node, i == 20 ? 0 : 1);
	/* 1 us/page is far under 20 ms: the batch grew from its minimum. */
	ck_assert_uint_gt(s->tuner.cur, 64);
	ck_assert_uint_lt(s->res.c.calls, 4998 / 64);
	teardown(s);
}
END_TEST

START_TEST(test_shared_never_requested_busy_counted)
{
	struct setup *s = setup(1000);

	for (int i = 0; i < 100; i++)
		AT(s, i)->mapped_twice = true;
	for (int i = 100; i < 110; i++)
		AT(s, i)->busy = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_msg(!AT(s, i)->requested, "shared page %d was requested", i);
	ck_assert_uint_eq(s->res.c.requested, 900);
	ck_assert_uint_eq(s->res.c.moved, 890);
	ck_assert_uint_eq(s->res.c.failed_by[NM_MIG_EBUSY], 10);
	/* With max_mapcount 2 shared pages are requested (MPOL_MF_MOVE_ALL). */
	s->req.max_mapcount = 2;
	for (int i = 0; i < 1000; i++)
		AT(s, i)->node = 0;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->res.c.requested, 1000);
	teardown(s);
}
END_TEST

/* A partial return makes the migrator check placement itself. */
START_TEST(test_partial_is_reverified)
{
	struct setup *s = setup(1000);

	AT(s, 5)->busy = true;
	AT(s, 6)->lie = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->res.c.failed_by[NM_MIG_EBUSY], 1);
	ck_assert_uint_eq(s->res.c.failed_by[NM_MIG_EOTHER], 1);
	ck_assert_uint_eq(s->res.c.moved, 998);
	ck_assert_int_eq(AT(s, 6)->node, 0);
	teardown(s);
}
END_TEST

START_TEST(test_major_error_aborts)
{
	struct setup *s = setup(1000);

	s->f->procs[0].call_errno = ENODEV;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_ABORTED);
	ck_assert_int_eq(s->res.abort_errno, ENODEV);
	ck_assert_uint_eq(s->res.c.moved, 0);
	s->f->procs[0].call_errno = ESRCH;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_GONE);
	/* An exiting process has lost its mm: EINVAL (6.12), then gone. */
	s->f->procs[0].call_errno = EINVAL;
	s->f->procs[0].exit_on_error = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_GONE);
	ck_assert_int_eq(s->res.abort_errno, 0);
	teardown(s);
}
END_TEST

START_TEST(test_enomem_burst_stops)
{
	struct setup *s = setup(3000);

	s->f->full_node = 1;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_FULL);
	ck_assert_uint_eq(s->f->move_calls, 1); /* stopped after the first batch */
	ck_assert_uint_eq(s->res.c.failed_by[NM_MIG_ENOMEM], 64);
	teardown(s);
}
END_TEST

START_TEST(test_byte_cap)
{
	struct setup *s = setup(2000);

	s->req.max_bytes = 100 * PG;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_BUDGET);
	ck_assert_uint_eq(s->res.c.requested, 100);
	teardown(s);
}
END_TEST

START_TEST(test_process_dies_midway)
{
	struct setup *s = setup(5000);

	s->f->procs[0].die_after = 2;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_GONE);
	/* The second call's results are dropped, and nothing follows it. */
	ck_assert_uint_eq(s->f->move_calls, 2);
	ck_assert_uint_eq(s->res.c.moved, 64);
	teardown(s);
}
END_TEST

/* SIGTERM during a long walk: it ends before the next call, what moved
 * counted; a direct move is not started. */
START_TEST(test_stops_between_calls)
{
	struct setup *s = setup(5000);
	struct bitmask *from = numa_bitmask_alloc(8), *to = numa_bitmask_alloc(8);

	s->f->stop_after_calls = 2;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_STOPPED);
	ck_assert_uint_eq(s->f->move_calls, 2);
	ck_assert_uint_gt(s->res.c.moved, 0);
	ck_assert_uint_lt(s->res.c.moved, 5000);
	numa_bitmask_setbit(from, 0);
	numa_bitmask_setbit(to, 1);
	ck_assert_int_eq(nm_mig_direct(&s->sys, &s->proc, from, to, 1, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_STOPPED);
	ck_assert_uint_eq(s->res.c.calls, 0);
	nm_mig_set_stopping(false);
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE); /* the rest, once allowed */
	numa_bitmask_free(from);
	numa_bitmask_free(to);
	teardown(s);
}
END_TEST

START_TEST(test_sources_filter)
{
	struct setup *s = setup(1000);
	struct bitmask *src = numa_bitmask_alloc(8);

	for (int i = 0; i < 1000; i++)
		AT(s, i)->node = i % 2 ? 2 : 0;
	numa_bitmask_setbit(src, 2);
	s->req.sources = src;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->res.c.requested, 500);
	ck_assert_uint_eq(s->res.moved_from[2], 500);
	ck_assert_uint_eq(s->res.moved_from[0], 0);
	numa_bitmask_free(src);
	teardown(s);
}
END_TEST

START_TEST(test_direct)
{
	struct setup *s = setup(10);
	struct bitmask *from = numa_bitmask_alloc(8), *to = numa_bitmask_alloc(8);

	numa_bitmask_setbit(from, 0);
	numa_bitmask_setbit(to, 1);
	ck_assert_int_eq(nm_mig_direct(&s->sys, &s->proc, from, to, 1, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	ck_assert_uint_eq(s->res.c.failed_by[NM_MIG_EOTHER], 3);
	ck_assert(!s->f->last_migrate_shared);
	ck_assert_int_eq(nm_mig_direct(&s->sys, &s->proc, from, to, 2, &s->res), 0);
	ck_assert(s->f->last_migrate_shared);
	numa_bitmask_free(from);
	numa_bitmask_free(to);
	teardown(s);
}
END_TEST


/* The daemon's walk asks pages that were busy for an instant once more
 * (the same rule as the operator's Move). */
START_TEST(test_busy_retried)
{
	struct setup *s = setup(1000);

	for (int i = 0; i < 10; i++)
		AT(s, i)->busy_once = true;
	AT(s, 20)->busy = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	ck_assert_uint_eq(s->res.c.retried, 11);
	ck_assert_uint_eq(s->res.c.moved, 999);
	ck_assert_uint_eq(s->res.c.failed_by[NM_MIG_EBUSY], 1);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(AT(s, i)->node, 1);
	teardown(s);
}
END_TEST

/* A huge page is requested by its head alone and counted as its 512
 * pages; without kpageflags (unprivileged) every page is requested. */
START_TEST(test_thp_one_address)
{
	struct setup *s = setup(2048);

	fk_thp(s->f, PID, BASE);
	fk_thp(s->f, PID, BASE + 1024 * PG);
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	ck_assert_uint_eq(s->f->requested, 2 + 1024);
	ck_assert_uint_eq(s->res.c.moved, 2048);
	ck_assert_uint_eq(s->res.c.requested, 2048);
	ck_assert_uint_eq(s->res.moved_from[0], 2048);
	ck_assert_uint_eq(s->res.c.bytes_moved, 2048 * PG);
	for (int i = 0; i < 2048; i++)
		ck_assert_int_eq(AT(s, i)->node, 1);
	/* A run whose head is not a THP head is not one. */
	for (int i = 0; i < 2048; i++)
		AT(s, i)->node = 0;
	AT(s, 0)->thp = false;
	s->f->requested = 0;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->f->requested, 512 + 1 + 1024);
	ck_assert_uint_eq(s->res.c.moved, 2048);
	/* No kpageflags: page by page, the same result. */
	for (int i = 0; i < 2048; i++)
		AT(s, i)->node = 0;
	s->f->no_kpageflags = true;
	s->f->requested = 0;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->f->requested, 2048);
	ck_assert_uint_eq(s->res.c.moved, 2048);
	teardown(s);
}
END_TEST

/* Huge pages are 512 pages each, so batches of them cannot match the
 * tuner's size exactly: a batch the size cut still lets the tuner grow,
 * past one huge page per call. */
START_TEST(test_thp_batches_grow)
{
	struct setup *s = setup(32 * 512);

	for (int i = 0; i < 32; i++)
		fk_thp(s->f, PID, BASE + (unsigned long)i * 512 * PG);
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->res.c.moved, 32 * 512);
	ck_assert_uint_gt(s->tuner.cur, 1024);
	ck_assert_uint_lt(s->res.c.calls, 24);
	teardown(s);
}
END_TEST

/* A process's small VMAs (stack, heap, each library's data) share their
 * move calls: a short last batch waits for the next VMA's pages, and what
 * waits at the end is moved, within the byte cap. */
START_TEST(test_small_vmas_share_calls)
{
	enum { NV = 5, PER = 3 };
	struct setup *s = setup(1);
	struct nm_map_vma vmas[NV];
	struct nm_node_pages nodes[NV];

	for (int i = 0; i < NV; i++) {
		unsigned long start = BASE + (unsigned long)(i + 1) * 64 * PG;

		fk_add_anon(s->f, PID, start, start + PER * PG);
		nodes[i] = (struct nm_node_pages){ 0, PER };
		vmas[i] = (struct nm_map_vma){ .start = start, .end = start + PER * PG,
					       .page_kb = 4, .pages = PER, .first_node = i,
					       .nr_nodes = 1 };
	}
	s->fp.tab.vmas = vmas;
	s->fp.tab.n_vmas = NV;
	s->fp.tab.nodes = nodes;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	ck_assert_uint_eq(s->res.c.moved, NV * PER);
	ck_assert_uint_eq(s->res.moved_from[0], NV * PER);
	ck_assert_uint_eq(s->f->move_calls, 1);
	ck_assert_uint_eq(s->res.c.calls, 1);
	for (int i = 0; i < NV; i++)
		ck_assert_int_eq(fk_count(s->f, PID, vmas[i].start, vmas[i].end, 1), PER);
	/* Back to node 0, and a cap of 10 pages: 10 move, then the budget. */
	for (int i = 0; i < NV; i++)
		for (int j = 0; j < PER; j++)
			fk_page(s->f, PID, vmas[i].start + (unsigned long)j * PG)->node = 0;
	s->req.max_bytes = 10 * PG;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_BUDGET);
	ck_assert_uint_eq(s->res.c.moved, 10);
	teardown(s);
}
END_TEST

/* Small regions share calls (their targets differ: each page carries its
 * own), and each still counts exactly what moved from it. */
START_TEST(test_regions_share_calls)
{
	enum { NR = 16, PER = 32 };
	struct setup *s = setup(NR * PER);
	unsigned long long from[NR][3];
	struct nm_mig_region rg[NR];

	for (int i = 0; i < NR; i++)
		rg[i] = (struct nm_mig_region){ BASE + (unsigned long)i * PER * PG,
						BASE + (unsigned long)(i + 1) * PER * PG, 1 + i % 2,
						from[i] };
	s->req.target = -1;
	s->req.regions = rg;
	s->req.n_regions = NR;
	s->req.nr_nodes = 3;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	for (int i = 0; i < NR * PER; i++)
		ck_assert_int_eq(AT(s, i)->node, 1 + (i / PER) % 2);
	for (int i = 0; i < NR; i++) {
		ck_assert_uint_eq(from[i][0], PER);
		ck_assert_uint_eq(from[i][1] + from[i][2], 0);
	}
	ck_assert_uint_eq(s->res.moved_from[0], NR * PER);
	ck_assert_uint_lt(s->f->move_calls, NR / 2);
	teardown(s);
}
END_TEST

/* A byte cap smaller than a huge page stops before it. */
START_TEST(test_thp_budget)
{
	struct setup *s = setup(1024);

	fk_thp(s->f, PID, BASE);
	s->req.max_bytes = 100 * PG;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_BUDGET);
	ck_assert_uint_eq(s->res.c.requested, 0);
	s->req.max_bytes = 600 * PG;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_BUDGET);
	ck_assert_uint_eq(s->res.c.requested, 600);
	teardown(s);
}
END_TEST

/* An address list with a target per page: each page goes to its own
 * node, absent pages and pages already there are not requested. */
START_TEST(test_list_per_page)
{
	struct setup *s = setup(100);
	unsigned long addrs[6];
	int targets[6] = { 1, 2, 3, -1, 1, 0 };
	struct nm_walk_counts c = { 0 };
	struct nm_walk w = { .sys = &s->sys, .proc = &s->proc, .exclusive_only = true, .c = &c };

	for (int i = 0; i < 6; i++)
		addrs[i] = BASE + (unsigned long)i * 10 * PG + 5; /* not page aligned */
	AT(s, 40)->absent = true;
	AT(s, 30)->mapped_twice = true;
	ck_assert_int_eq(nm_walk_init(&w), 0);
	ck_assert_int_eq(nm_walk_list(&w, addrs, targets, 6), NM_MIG_DONE);
	nm_walk_fini(&w);
	ck_assert_int_eq(AT(s, 0)->node, 1);
	ck_assert_int_eq(AT(s, 10)->node, 2);
	ck_assert_int_eq(AT(s, 20)->node, 3);
	ck_assert_int_eq(AT(s, 30)->node, 0);
	ck_assert_uint_eq(c.pages, 6);
	ck_assert_uint_eq(c.absent, 1);
	ck_assert_uint_eq(c.shared, 1);
	ck_assert_uint_eq(c.stay, 1);  /* page 50: already on node 0 */
	ck_assert_uint_eq(c.requested, 3);
	ck_assert_uint_eq(c.moved, 3);
	ck_assert_uint_eq(s->f->requested, 3);
	teardown(s);
}
END_TEST

/* A region request: each region's pages go to its own target, only
 * inside the footprint's eligible VMAs; pages already there stay. */
START_TEST(test_regions)
{
	struct setup *s = setup(2048);
	unsigned long long from[2][4];
	struct nm_mig_region rg[2] = {
		{ BASE, BASE + 512 * PG, 1, from[0] },
		{ BASE + 1024 * PG, BASE + 4096 * PG, 2, from[1] }, /* past the VMA's end */
	};

	for (int i = 1024; i < 1124; i++)
		AT(s, i)->node = 2;
	AT(s, 10)->node = 3;
	s->req.target = -1;
	s->req.regions = rg;
	s->req.n_regions = 2;
	s->req.nr_nodes = 4;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	for (int i = 0; i < 2048; i++)
		ck_assert_int_eq(AT(s, i)->node, i < 512 ? 1 : i < 1024 ? 0 : 2);
	ck_assert_uint_eq(from[0][0], 511);
	ck_assert_uint_eq(from[0][3], 1);
	ck_assert_uint_eq(from[1][0], 1024 - 100);
	ck_assert_uint_eq(from[1][2], 0);
	ck_assert_uint_eq(s->res.moved_from[0], 511 + 924);
	ck_assert_uint_eq(s->res.c.moved, 512 + 924);
	{
		unsigned long long on[4];
		struct nm_walk_counts c;

		/* Placement sees only the footprint's part of a range too. */
		ck_assert_int_eq(placement(s, BASE + 1024 * PG, BASE + 8192 * PG, on, &c), 0);
		ck_assert_uint_eq(on[2], 1024);
		ck_assert_uint_eq(c.pages, 1024);
	}
	s->req.nr_nodes = 0;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), -EINVAL);
	teardown(s);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(nm_mig_outcome_name(NM_MIG_EBUSY), "EBUSY");
	ck_assert_str_eq(nm_mig_stop_name(NM_MIG_FULL), "target_full");
	ck_assert_str_eq(nm_mig_stop_name((enum nm_mig_stop)99), "unknown");
}
END_TEST


static Suite *make_suite(void)
{
	Suite *s = suite_create("migrator");
	TCase *tc = tcase_create("lazy");

	tcase_add_test(tc, test_moves_everything_misplaced);
	tcase_add_test(tc, test_shared_never_requested_busy_counted);
	tcase_add_test(tc, test_partial_is_reverified);
	tcase_add_test(tc, test_major_error_aborts);
	tcase_add_test(tc, test_enomem_burst_stops);
	tcase_add_test(tc, test_byte_cap);
	tcase_add_test(tc, test_process_dies_midway);
	tcase_add_test(tc, test_sources_filter);
	tcase_add_test(tc, test_stops_between_calls);
	tcase_add_test(tc, test_direct);
	tcase_add_test(tc, test_busy_retried);
	tcase_add_test(tc, test_thp_one_address);
	tcase_add_test(tc, test_thp_budget);
	tcase_add_test(tc, test_thp_batches_grow);
	tcase_add_test(tc, test_small_vmas_share_calls);
	tcase_add_test(tc, test_list_per_page);
	tcase_add_test(tc, test_regions);
	tcase_add_test(tc, test_regions_share_calls);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

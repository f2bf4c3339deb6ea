/* Tests of lib/migrator.c with a scripted kernel: the
 * struct nm_mig_sys seam answers move_pages/pagemap from a model of one
 * process's pages. These test the migrator's own logic (ordering, batching,
 * accounting, stopping); that pages really move is tested on real kernels
 * in the multi-node VM tests. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numamig/migrator.h"

#define PG 4096ul
#define BASE 0x100000ul
#define NPAGES 10000

struct fake {
	int node[NPAGES];
	bool present[NPAGES], exclusive[NPAGES], busy[NPAGES];
	bool lie[NPAGES];       /* status claims the target, the page stays */
	int full_node;          /* moves to it fail with -ENOMEM */
	int call_errno;         /* next moving call fails with this */
	int die_after_calls;    /* alive() turns false after this many moves (0: never) */
	unsigned stop_after_calls; /* the daemon stops after this many moves (0: never) */
	bool dead;              /* alive() is false */
	bool exit_on_error;     /* a failing call is the process exiting */
	unsigned move_calls, query_calls, requested;
	uint64_t now, ns_per_page;
	bool was_requested[NPAGES];
	bool migrate_shared;    /* what the last migrate_pages call asked */
};

static long f_move(void *ctx, pid_t pid, unsigned long n, void **pages, const int *nodes,
		   int *status, int flags)
{
	struct fake *f = ctx;

	(void)pid;
	(void)flags;
	if (!nodes) {
		f->query_calls++;
		for (unsigned long i = 0; i < n; i++) {
			size_t p = ((unsigned long)pages[i] - BASE) / PG;
			status[i] = f->present[p] ? f->node[p] : -ENOENT;
		}
		return 0;
	}
	if (f->call_errno) {
		f->dead = f->exit_on_error;
		errno = f->call_errno;
		return -1;
	}
	f->move_calls++;
	f->now += n * f->ns_per_page;
	long not_moved = 0;
	for (unsigned long i = 0; i < n; i++) {
		size_t p = ((unsigned long)pages[i] - BASE) / PG;

		f->requested++;
		f->was_requested[p] = true;
		if (f->busy[p])
			status[i] = -EBUSY;
		else if (nodes[i] == f->full_node)
			status[i] = -ENOMEM;
		else if (f->lie[p])
			status[i] = nodes[i];
		else
			status[i] = f->node[p] = nodes[i];
		not_moved += status[i] < 0;
	}
	if (f->stop_after_calls && f->move_calls == f->stop_after_calls)
		nm_mig_set_stopping(true); /* SIGTERM while this call runs */
	/* Like the kernel: the number of pages not migrated. */
	return not_moved;
}

static long f_migrate(void *ctx, pid_t pid, unsigned long maxnode, const unsigned long *old_nodes,
		      const unsigned long *new_nodes, bool shared)
{
	((struct fake *)ctx)->migrate_shared = shared;
	(void)pid;
	(void)maxnode;
	(void)old_nodes;
	(void)new_nodes;
	return 7; /* pages not moved */
}

static int f_pagemap(void *ctx, const struct nm_proc *p, unsigned long start, size_t n,
		     uint64_t *e)
{
	struct fake *f = ctx;

	(void)p;
	for (size_t i = 0; i < n; i++) {
		size_t pg = (start - BASE) / PG + i;

		e[i] = (f->present[pg] ? 1ull << 63 : 0) | (f->exclusive[pg] ? 1ull << 56 : 0);
	}
	return 0;
}

static bool f_alive(void *ctx, const struct nm_proc *p)
{
	struct fake *f = ctx;

	(void)p;
	return !f->dead && (!f->die_after_calls || f->move_calls < (unsigned)f->die_after_calls);
}

static uint64_t f_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static struct fake *fake_new(int n, int on_node)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->full_node = -1;
	f->ns_per_page = 1000; /* 1 us per page */
	for (int i = 0; i < n; i++) {
		f->node[i] = on_node;
		f->present[i] = f->exclusive[i] = true;
	}
	return f;
}

/* A footprint with one VMA [BASE, BASE + n pages) reported on node 0. */
static void one_vma(struct nm_footprint *fp, unsigned long n)
{
	static struct nm_fp_vma vma;
	static struct nm_node_pages nodes[1];

	memset(fp, 0, sizeof(*fp));
	nodes[0] = (struct nm_node_pages){ 0, n };
	vma = (struct nm_fp_vma){ .start = BASE, .end = BASE + n * PG, .page_kb = 4, .pages = n,
				  .first_node = 0, .nr_nodes = 1 };
	fp->vmas = &vma;
	fp->n_vmas = 1;
	fp->nodes = nodes;
}

struct setup {
	struct fake *f;
	struct nm_mig_sys sys;
	struct nm_footprint fp;
	struct nm_tuner tuner;
	struct nm_bucket bucket;
	struct nm_proc proc;
	struct nm_mig_request req;
	struct nm_mig_result res;
};

static struct setup *setup(int pages, uint64_t rate_bps)
{
	struct setup *s = calloc(1, sizeof(*s));

	s->f = fake_new(pages, 0);
	s->sys = (struct nm_mig_sys){ f_move, f_migrate, f_pagemap, f_alive, f_now, s->f };
	one_vma(&s->fp, (unsigned long)pages);
	nm_tuner_init(&s->tuner, 64, 4096, 20 * 1000000ull);
	nm_bucket_init(&s->bucket, rate_bps, 0);
	s->proc.pid = 4242;
	s->req = (struct nm_mig_request){ .proc = &s->proc, .fp = &s->fp, .target = 1,
					  .max_mapcount = 1, .tuner = &s->tuner,
					  .bucket = &s->bucket };
	return s;
}

static void teardown(struct setup *s)
{
	free(s->f);
	free(s);
}

START_TEST(test_moves_everything_misplaced)
{
	struct setup *s = setup(5000, 0);

	s->f->node[10] = 1; /* already local: never requested */
	s->f->present[20] = false;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	ck_assert_uint_eq(s->res.misplaced, 4998);
	ck_assert_uint_eq(s->res.requested, 4998);
	ck_assert_uint_eq(s->f->requested, 4998);
	ck_assert(!s->f->was_requested[10]);
	ck_assert(!s->f->was_requested[20]);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_MOVED], 4998);
	ck_assert_uint_eq(s->res.moved_from[0], 4998);
	ck_assert_uint_eq(s->res.bytes_moved, 4998 * PG);
	for (int i = 0; i < 5000; i++)
		ck_assert_int_eq(s->f->node[i], i == 20 ? 0 : 1);
	/* 1 us/page is far under 20 ms: the batch grew from its minimum. */
	ck_assert_uint_gt(s->tuner.cur, 64);
	ck_assert_uint_lt(s->res.calls, 4998 / 64);
	teardown(s);
}
END_TEST

START_TEST(test_shared_never_requested_busy_counted)
{
	struct setup *s = setup(1000, 0);

	for (int i = 0; i < 100; i++)
		s->f->exclusive[i] = false;
	for (int i = 100; i < 110; i++)
		s->f->busy[i] = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_msg(!s->f->was_requested[i], "shared page %d was requested", i);
	ck_assert_uint_eq(s->res.requested, 900);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_MOVED], 890);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_EBUSY], 10);
	/* With max_mapcount 2 shared pages are requested (MPOL_MF_MOVE_ALL). */
	s->req.max_mapcount = 2;
	for (int i = 0; i < 1000; i++)
		s->f->node[i] = 0;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->res.requested, 1000);
	teardown(s);
}
END_TEST

/* A partial return makes the migrator check placement itself. */
START_TEST(test_partial_is_reverified)
{
	struct setup *s = setup(1000, 0);

	s->f->busy[5] = true;
	s->f->lie[6] = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_EBUSY], 1);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_EOTHER], 1);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_MOVED], 998);
	ck_assert_int_eq(s->f->node[6], 0);
	teardown(s);
}
END_TEST

START_TEST(test_major_error_aborts)
{
	struct setup *s = setup(1000, 0);

	s->f->call_errno = ENODEV;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_ABORTED);
	ck_assert_int_eq(s->res.abort_errno, ENODEV);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_MOVED], 0);
	s->f->call_errno = ESRCH;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_GONE);
	/* An exiting process has lost its mm: EINVAL (6.12), then gone. */
	s->f->call_errno = EINVAL;
	s->f->exit_on_error = true;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_GONE);
	ck_assert_int_eq(s->res.abort_errno, 0);
	teardown(s);
}
END_TEST

START_TEST(test_enomem_burst_stops)
{
	struct setup *s = setup(3000, 0);

	s->f->full_node = 1;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_FULL);
	ck_assert_uint_eq(s->f->move_calls, 1); /* stopped after the first batch */
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_ENOMEM], 64);
	teardown(s);
}
END_TEST

START_TEST(test_rate_limit)
{
	/* 1 MiB/s: the bucket starts with one second's worth (256 pages). */
	struct setup *s = setup(2000, 1 << 20);

	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_BUDGET);
	/* 256 pages plus what accrued during the fake 1 us per page moves. */
	ck_assert_uint_ge(s->res.requested, 256);
	ck_assert_uint_le(s->res.requested, 258);
	/* Half a second later, about 128 more pages are allowed. */
	s->f->now += 500000000ull;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_ge(s->res.requested, 127);
	ck_assert_uint_le(s->res.requested, 130);
	teardown(s);
}
END_TEST

START_TEST(test_byte_cap)
{
	struct setup *s = setup(2000, 0);

	s->req.max_bytes = 100 * PG;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_BUDGET);
	ck_assert_uint_eq(s->res.requested, 100);
	teardown(s);
}
END_TEST

START_TEST(test_process_dies_midway)
{
	struct setup *s = setup(5000, 0);

	s->f->die_after_calls = 2;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_GONE);
	/* The second call's results are dropped, and nothing follows it. */
	ck_assert_uint_eq(s->f->move_calls, 2);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_MOVED], 64);
	teardown(s);
}
END_TEST

/* SIGTERM during a long walk: it ends before the next call, what moved
 * counted; a direct move is not started. */
START_TEST(test_stops_between_calls)
{
	struct setup *s = setup(5000, 0);
	struct bitmask *from = numa_bitmask_alloc(8), *to = numa_bitmask_alloc(8);

	s->f->stop_after_calls = 2;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_STOPPED);
	ck_assert_uint_eq(s->f->move_calls, 2);
	ck_assert_uint_gt(s->res.outcomes[NM_MIG_MOVED], 0);
	ck_assert_uint_lt(s->res.outcomes[NM_MIG_MOVED], 5000);
	numa_bitmask_setbit(from, 0);
	numa_bitmask_setbit(to, 1);
	ck_assert_int_eq(nm_mig_direct(&s->sys, &s->proc, from, to, 1, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_STOPPED);
	ck_assert_uint_eq(s->res.calls, 0);
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
	struct setup *s = setup(1000, 0);
	struct bitmask *src = numa_bitmask_alloc(8);

	for (int i = 0; i < 1000; i++)
		s->f->node[i] = i % 2 ? 2 : 0;
	numa_bitmask_setbit(src, 2);
	s->req.sources = src;
	ck_assert_int_eq(nm_mig_lazy(&s->sys, &s->req, &s->res), 0);
	ck_assert_uint_eq(s->res.requested, 500);
	ck_assert_uint_eq(s->res.moved_from[2], 500);
	ck_assert_uint_eq(s->res.moved_from[0], 0);
	numa_bitmask_free(src);
	teardown(s);
}
END_TEST

START_TEST(test_direct)
{
	struct setup *s = setup(10, 0);
	struct bitmask *from = numa_bitmask_alloc(8), *to = numa_bitmask_alloc(8);

	numa_bitmask_setbit(from, 0);
	numa_bitmask_setbit(to, 1);
	ck_assert_int_eq(nm_mig_direct(&s->sys, &s->proc, from, to, 1, &s->res), 0);
	ck_assert_int_eq(s->res.stop, NM_MIG_DONE);
	ck_assert_uint_eq(s->res.outcomes[NM_MIG_EOTHER], 7);
	ck_assert(!s->f->migrate_shared);
	ck_assert_int_eq(nm_mig_direct(&s->sys, &s->proc, from, to, 2, &s->res), 0);
	ck_assert(s->f->migrate_shared);
	numa_bitmask_free(from);
	numa_bitmask_free(to);
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
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_byte_cap);
	tcase_add_test(tc, test_process_dies_midway);
	tcase_add_test(tc, test_sources_filter);
	tcase_add_test(tc, test_stops_between_calls);
	tcase_add_test(tc, test_direct);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

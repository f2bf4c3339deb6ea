/* Tests of lib/access/store.c: the access store on synthetic record
 * streams (write faults after a clear, PMU-style samples with data
 * addresses). Pure: time is an input. */
#include "config.h"

#include <check.h>
#include <errno.h>

#include "numamig/access.h"

#define MB (1ul << 20)
#define BASE 0x7f0000000000ul

static struct nm_access_rec wr(unsigned long addr, int node)
{
	return (struct nm_access_rec){ .pid = 1, .tid = 2 + node, .addr = addr, .node = node,
				       .src = NM_ACCESS_WRITES };
}

static struct nm_access_rec pmu(unsigned long addr, int node)
{
	struct nm_access_rec r = wr(addr, node);

	r.src = NM_ACCESS_PMU;
	return r;
}

static void setup(struct nm_access *a, int nodes, unsigned max_regions, unsigned half_life)
{
	struct nm_access_opts o;

	nm_access_default_opts(&o, nodes);
	o.max_regions = max_regions;
	o.half_life = half_life;
	ck_assert_int_eq(nm_access_init(a, &o, 1000), 0);
}

/* Two threads on two nodes, each writing its own 2 MiB slice: each page
 * once per window, whatever the retried faults repeat; the next window
 * counts it again. */
START_TEST(test_writes_per_node)
{
	struct nm_access a;
	const struct nm_access_region *r0, *r1;

	setup(&a, 2, 64, 1);
	for (int round = 0; round < 2; round++)
		for (unsigned long p = 0; p < 512; p++) {
			struct nm_access_rec v[2] = { wr(BASE + p * 4096 + 8, 0),
						      wr(BASE + 2 * MB + p * 4096, 1) };

			ck_assert_int_eq(nm_access_add(&a, v, 2), 0);
		}
	r0 = nm_access_find(&a, BASE + 100);
	r1 = nm_access_find(&a, BASE + 3 * MB);
	ck_assert_ptr_nonnull(r0);
	ck_assert_ptr_nonnull(r1);
	ck_assert_ptr_null(nm_access_find(&a, BASE + 4 * MB));
	ck_assert_uint_eq(r0->start, BASE);
	ck_assert_uint_eq(r1->start, BASE + 2 * MB);
	ck_assert_float_eq(nm_access_count(&a, r0, 0, NM_ACCESS_WRITES), 512);
	ck_assert_float_eq(nm_access_count(&a, r0, 1, NM_ACCESS_NR_SRCS), 0);
	ck_assert_float_eq(nm_access_count(&a, r1, 1, NM_ACCESS_NR_SRCS), 512);
	ck_assert_uint_eq(r0->seen_now, 512);
	ck_assert_uint_eq(a.st.records, 2048);
	ck_assert_uint_eq(a.st.counted, 1024);
	ck_assert_uint_eq(a.st.repeats, 1024);
	/* Half-life one window: halved, and the pages count again. */
	nm_access_end_window(&a, 2000);
	ck_assert_float_eq(nm_access_count(&a, r0, 0, NM_ACCESS_WRITES), 256);
	ck_assert_float_eq(r0->total, 256);
	ck_assert_uint_eq(r0->seen_now, 0);
	for (unsigned long p = 0; p < 512; p++) {
		struct nm_access_rec v = wr(BASE + p * 4096, 1);

		ck_assert_int_eq(nm_access_add(&a, &v, 1), 0);
	}
	ck_assert_float_eq(nm_access_count(&a, r0, 1, NM_ACCESS_WRITES), 512);
	ck_assert_float_eq(nm_access_count(&a, r0, 0, NM_ACCESS_WRITES), 256);
	ck_assert_uint_eq(r0->last_window, 1);
	ck_assert_uint_eq(r1->last_window, 0);
	/* Every page was accessed: the span is the whole region. */
	ck_assert_uint_eq(r0->lo, 0);
	ck_assert_uint_eq(r0->hi, 512);
	nm_access_free(&a);
}
END_TEST

/* The pages of a region ever accessed lie in [lo, hi): a region whose
 * tail is a thread's stack, written, and whose head is a buffer only read
 * says so, and the buffer stays out of its moves (engine-regions.c). */
START_TEST(test_accessed_span)
{
	struct nm_access a;
	const struct nm_access_region *r;

	setup(&a, 2, 64, 1);
	for (unsigned long p = 500; p > 400; p--) {
		struct nm_access_rec v = wr(BASE + p * 4096 + 123, 1);

		ck_assert_int_eq(nm_access_add(&a, &v, 1), 0);
	}
	r = nm_access_find(&a, BASE);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->lo, 401);
	ck_assert_uint_eq(r->hi, 501);
	/* The span outlives the window; a sample of another source widens
	 * it too. */
	nm_access_end_window(&a, 2000);
	{
		struct nm_access_rec v = pmu(BASE + 7 * 4096, 0);

		ck_assert_int_eq(nm_access_add(&a, &v, 1), 0);
	}
	ck_assert_uint_eq(r->lo, 7);
	ck_assert_uint_eq(r->hi, 501);
	/* A region never accessed... is never created. */
	ck_assert_ptr_null(nm_access_find(&a, BASE + 2 * MB));
	nm_access_free(&a);
}
END_TEST

/* PMU samples (reads and writes, with data addresses) each count: they are
 * samples, not one fault per page. Sources are kept apart. */
/* Writers window after window: a region each thread keeps to itself never
 * flips; a region the first writer of which alternates flips every window;
 * one written by two threads in one window flips too; a region not
 * written in a window keeps its owner for the next comparison. */
START_TEST(test_writer_flips)
{
	struct nm_access a;
	struct nm_access_rec r;

	setup(&a, 2, 64, 2);
	for (int w = 0; w < 4; w++) {
		r = wr(BASE, 0); /* private to thread 2 */
		ck_assert_int_eq(nm_access_add(&a, &r, 1), 0);
		r = wr(BASE + 2 * MB, w % 2); /* threads 2 and 3 take turns */
		ck_assert_int_eq(nm_access_add(&a, &r, 1), 0);
		if (w < 2) { /* written by both in windows 0 and 1, then left alone */
			struct nm_access_rec two[2] = { wr(BASE + 4 * MB, 0),
							wr(BASE + 4 * MB + 4096, 1) };

			ck_assert_int_eq(nm_access_add(&a, two, 2), 0);
		}
		nm_access_end_window(&a, 2000 + (uint64_t)w);
	}
	/* Windows 1-3 compare the first two regions (3 + 3), window 1 the
	 * third: 3 flips of the alternating one, 1 of the mixed one. */
	ck_assert_uint_eq(a.st.compared, 7);
	ck_assert_uint_eq(a.st.flips, 4);
	ck_assert_int_eq(nm_access_find(&a, BASE)->owner, 2);
	ck_assert_int_eq(nm_access_find(&a, BASE + 4 * MB)->owner, -1);
	nm_access_free(&a);
}
END_TEST

START_TEST(test_pmu_samples)
{
	struct nm_access a;
	struct nm_access_rec v[4] = { pmu(BASE, 1), pmu(BASE, 1), pmu(BASE + 64, 0), wr(BASE, 0) };
	const struct nm_access_region *r;

	setup(&a, 4, 64, 2);
	ck_assert_int_eq(nm_access_add(&a, v, 4), 0);
	r = nm_access_find(&a, BASE);
	ck_assert_float_eq(nm_access_count(&a, r, 1, NM_ACCESS_PMU), 2);
	ck_assert_float_eq(nm_access_count(&a, r, 0, NM_ACCESS_PMU), 1);
	ck_assert_float_eq(nm_access_count(&a, r, 0, NM_ACCESS_WRITES), 1);
	ck_assert_float_eq(nm_access_count(&a, r, 0, NM_ACCESS_NR_SRCS), 2);
	ck_assert_float_eq(r->total, 4);
	ck_assert_str_eq(nm_access_src_name(NM_ACCESS_PMU), "pmu");
	/* Half-life two windows: two windows halve. */
	nm_access_end_window(&a, 2000);
	nm_access_end_window(&a, 3000);
	ck_assert_float_eq_tol(r->total, 2, 1e-4);
	ck_assert_uint_eq(a.since_ns, 1000);
	ck_assert_uint_eq(a.window_start_ns, 3000);
	nm_access_free(&a);
}
END_TEST

/* A range (DAMON's regions): each region it overlaps counts the pages it
 * overlaps times the weight, spans them, and is accessed now; the return
 * says how many of them were not accessed in the window before. */
/* The soft-dirty bits of a window, in bulk: each page once per window,
 * whichever of the two write sources saw it first; a range across two
 * regions counts in both, and the first call wakes them; the next window
 * counts the pages again. */
START_TEST(test_written)
{
	struct nm_access a;
	const struct nm_access_region *r0, *r1;
	struct nm_access_rec v = wr(BASE + 2 * MB - 4096, 1);

	setup(&a, 2, 64, 1);
	ck_assert_int_eq(nm_access_add(&a, &v, 1), 0);
	/* The last 10 pages of the first region, the first 6 of the next. */
	ck_assert_int_eq(nm_access_add_range(&a, BASE + 2 * MB - 10 * 4096, BASE + 2 * MB + 6 * 4096,
					     0, NM_ACCESS_SOFTDIRTY, 1), 1);
	r0 = nm_access_find(&a, BASE);
	r1 = nm_access_find(&a, BASE + 2 * MB);
	ck_assert_ptr_nonnull(r0);
	ck_assert_ptr_nonnull(r1);
	ck_assert_float_eq_tol(nm_access_count(&a, r0, 0, NM_ACCESS_SOFTDIRTY), 9, 1e-4);
	ck_assert_float_eq_tol(nm_access_count(&a, r0, 1, NM_ACCESS_WRITES), 1, 1e-4);
	ck_assert_float_eq_tol(nm_access_count(&a, r1, 0, NM_ACCESS_SOFTDIRTY), 6, 1e-4);
	ck_assert_uint_eq(r0->seen_now, 10);
	ck_assert_uint_eq(r1->seen_now, 6);
	ck_assert_uint_eq(r0->lo, 502);
	ck_assert_uint_eq(r0->hi, 512);
	ck_assert_uint_eq(r1->lo, 0);
	ck_assert_uint_eq(r1->hi, 6);
	/* The same bits read again at the next tick: nothing new, no wake. */
	ck_assert_int_eq(nm_access_add_range(&a, BASE + 2 * MB - 10 * 4096, BASE + 2 * MB + 6 * 4096,
					     0, NM_ACCESS_SOFTDIRTY, 1), 0);
	ck_assert_float_eq_tol(nm_access_count(&a, r0, 0, NM_ACCESS_SOFTDIRTY), 9, 1e-4);
	ck_assert_uint_eq(a.st.counted, 1 + 15);
	ck_assert_uint_eq(a.st.repeats, 1 + 16);
	/* A later fault on a page the bits counted is a repeat too. */
	v = wr(BASE + 2 * MB + 4096, 1);
	ck_assert_int_eq(nm_access_add(&a, &v, 1), 0);
	ck_assert_uint_eq(a.st.repeats, 18);
	/* The next window: counted again, not woken (accessed in the last). */
	nm_access_end_window(&a, 2000);
	ck_assert_int_eq(nm_access_add_range(&a, BASE, BASE + 4 * 4096, 0, NM_ACCESS_SOFTDIRTY, 1), 0);
	ck_assert_uint_eq(r0->seen_now, 4);
	nm_access_free(&a);
}
END_TEST

START_TEST(test_range)
{
	struct nm_access a;
	const struct nm_access_region *r;
	struct nm_access_rec w = wr(BASE + 2 * MB, 0);

	setup(&a, 2, 64, 2);
	/* 1 MiB into the first region to 512 KiB into the third. */
	ck_assert_int_eq(nm_access_add_range(&a, BASE + MB, BASE + 4 * MB + MB / 2, 1,
					     NM_ACCESS_DAMON, 0.5f), 3);
	ck_assert_uint_eq(a.n, 3);
	r = nm_access_find(&a, BASE);
	ck_assert_float_eq(nm_access_count(&a, r, 1, NM_ACCESS_DAMON), 128);  /* 256 pages */
	ck_assert_uint_eq(r->lo, 256);
	ck_assert_uint_eq(r->hi, 512);
	r = nm_access_find(&a, BASE + 2 * MB);
	ck_assert_float_eq(nm_access_count(&a, r, 1, NM_ACCESS_NR_SRCS), 256);
	ck_assert_uint_eq(r->lo, 0);
	ck_assert_uint_eq(r->hi, 512);
	r = nm_access_find(&a, BASE + 4 * MB);
	ck_assert_float_eq(nm_access_count(&a, r, 1, NM_ACCESS_DAMON), 64);
	ck_assert_uint_eq(r->hi, 128);
	ck_assert_float_eq(nm_access_count(&a, r, 0, NM_ACCESS_DAMON), 0);
	ck_assert_str_eq(nm_access_src_name(NM_ACCESS_DAMON), "damon");
	/* Not a writes record: the page seen by DAMON still counts a write. */
	ck_assert_int_eq(nm_access_add(&a, &w, 1), 0);
	ck_assert_uint_eq(a.st.counted, 4);
	/* The next window: the same range is no news, a new one is. */
	nm_access_end_window(&a, 2000);
	ck_assert_int_eq(nm_access_add_range(&a, BASE + MB, BASE + 2 * MB, 1, NM_ACCESS_DAMON,
					     1.0f), 0);
	ck_assert_int_eq(nm_access_add_range(&a, BASE + 8 * MB, BASE + 9 * MB, 1, NM_ACCESS_DAMON,
					     1.0f), 1);
	nm_access_end_window(&a, 3000);
	nm_access_end_window(&a, 4000);
	ck_assert_int_eq(nm_access_add_range(&a, BASE + 2 * MB, BASE + 3 * MB, 0, NM_ACCESS_DAMON,
					     1.0f), 1);                  /* idle for a window */
	/* Bad input: dropped. */
	ck_assert_int_eq(nm_access_add_range(&a, BASE, BASE, 0, NM_ACCESS_DAMON, 1.0f), 0);
	ck_assert_int_eq(nm_access_add_range(&a, BASE, BASE + MB, 2, NM_ACCESS_DAMON, 1.0f), 0);
	ck_assert_int_eq(nm_access_add_range(&a, BASE, BASE + MB, 0, NM_ACCESS_DAMON, -1), 0);
	ck_assert_uint_eq(a.st.dropped, 3);
	/* Weight 0: accessed (not idle), nothing counted, no news. */
	nm_access_end_window(&a, 5000);
	nm_access_end_window(&a, 6000);
	r = nm_access_find(&a, BASE + 4 * MB);
	ck_assert_uint_gt(nm_access_idle_ns(&a, r, 7000), 0);
	ck_assert_int_eq(nm_access_add_range(&a, BASE + 4 * MB, BASE + 5 * MB, 0, NM_ACCESS_DAMON,
					     0), 0);
	r = nm_access_find(&a, BASE + 4 * MB);
	ck_assert_uint_eq(nm_access_idle_ns(&a, r, 7000), 0);
	ck_assert_float_eq_tol(nm_access_count(&a, r, 1, NM_ACCESS_DAMON), 11.3137f, 1e-3); /* 64, 5 windows */
	ck_assert_uint_eq(r->hi, 128);
	nm_access_free(&a);
}
END_TEST

static bool held_4m(unsigned long start, void *arg)
{
	(void)arg;
	return start == BASE + 4 * MB;
}

/* Ranges region by region: a hot set of two full regions, and a range
 * that straddles its lower edge with 64 pages in the region below: that
 * region holds under half the weighted pages of the fullest, and counts
 * nothing. The straddling range's pages in the hot region count, over the
 * span of the ranges there. TOUCH marks every region accessed, counting
 * nothing; HELD leaves the regions it names alone. */
START_TEST(test_ranges)
{
	struct nm_access a;
	const struct nm_access_region *r;
	const struct nm_access_range v[] = {
		{ BASE + 2 * MB - MB / 4, BASE + 2 * MB + MB / 4, 0.8f }, /* straddles */
		{ BASE + 2 * MB + MB / 4, BASE + 6 * MB, 0.8f },
	};

	setup(&a, 2, 64, 2);
	ck_assert_int_eq(nm_access_add_ranges(&a, v, 2, 0, NM_ACCESS_DAMON, false, NULL, NULL), 2);
	ck_assert_ptr_null(nm_access_find(&a, BASE));       /* 51.2 of 409.6 weighted pages */
	r = nm_access_find(&a, BASE + 2 * MB);
	ck_assert_float_eq_tol(nm_access_count(&a, r, 0, NM_ACCESS_DAMON), 409.6f, 1e-2);
	ck_assert_uint_eq(r->lo, 0);
	ck_assert_uint_eq(r->hi, 512);
	r = nm_access_find(&a, BASE + 4 * MB);
	ck_assert_float_eq_tol(nm_access_count(&a, r, 0, NM_ACCESS_DAMON), 409.6f, 1e-2);
	/* Touch: all three regions accessed, none counted. */
	nm_access_end_window(&a, 2000);
	ck_assert_int_eq(nm_access_add_ranges(&a, v, 2, 0, NM_ACCESS_DAMON, true, NULL, NULL), 0);
	r = nm_access_find(&a, BASE);
	ck_assert_ptr_nonnull(r);
	ck_assert_float_eq(r->total, 0);
	ck_assert_uint_eq(nm_access_idle_ns(&a, r, 3000), 0);
	ck_assert_int_eq(nm_access_add_ranges(&a, v, 0, 0, NM_ACCESS_DAMON, false, NULL, NULL), 0);
	nm_access_free(&a);
	/* A region held (the caller's rule) is left alone. */
	setup(&a, 2, 64, 2);
	ck_assert_int_eq(nm_access_add_ranges(&a, v, 2, 0, NM_ACCESS_DAMON, false, held_4m, NULL),
			 1);
	ck_assert_ptr_null(nm_access_find(&a, BASE + 4 * MB));
	ck_assert_float_gt(nm_access_find(&a, BASE + 2 * MB)->total, 400);
	nm_access_free(&a);
}
END_TEST

/* A full table: the regions of a range that do not fit are dropped. */
START_TEST(test_range_full)
{
	struct nm_access a;

	setup(&a, 1, 2, 2);
	ck_assert_int_eq(nm_access_add_range(&a, BASE, BASE + 8 * MB, 0, NM_ACCESS_DAMON, 1.0f), 2);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(a.st.dropped, 2);
	nm_access_free(&a);
}
END_TEST

/* A node out of range is dropped, not counted; bad options are refused. */
/* How long a region went unwritten: 0 while written in the open window,
 * then from the end of the last window that saw it (tiering's coldness). */
START_TEST(test_idle)
{
	struct nm_access a;
	struct nm_access_rec r = wr(0x200000, 0);
	const struct nm_access_region *reg;
	const uint64_t s = 1000000000ull;

	setup(&a, 2, 16, 2);
	ck_assert_int_eq(nm_access_add(&a, &r, 1), 0);
	reg = nm_access_find(&a, 0x200000);
	ck_assert_ptr_nonnull(reg);
	ck_assert_uint_eq(nm_access_idle_ns(&a, reg, 5 * s), 0);   /* the open window */
	nm_access_end_window(&a, 10 * s);
	reg = nm_access_find(&a, 0x200000);
	ck_assert_uint_eq(nm_access_idle_ns(&a, reg, 15 * s), 5 * s);
	nm_access_end_window(&a, 20 * s);                             /* not written */
	reg = nm_access_find(&a, 0x200000);
	ck_assert_uint_eq(nm_access_idle_ns(&a, reg, 40 * s), 30 * s);
	ck_assert_int_eq(nm_access_add(&a, &r, 1), 0);              /* written again */
	reg = nm_access_find(&a, 0x200000);
	ck_assert_uint_eq(nm_access_idle_ns(&a, reg, 40 * s), 0);
	nm_access_free(&a);
}
END_TEST

START_TEST(test_bad_input)
{
	struct nm_access a;
	struct nm_access_opts o;
	struct nm_access_rec v[3] = { wr(BASE, -1), wr(BASE, 2), wr(BASE, 1) };

	setup(&a, 2, 64, 1);
	v[2].src = (enum nm_access_src)7;
	ck_assert_int_eq(nm_access_add(&a, v, 3), 0);
	ck_assert_uint_eq(a.st.dropped, 3);
	ck_assert_uint_eq(a.n, 0);
	nm_access_free(&a);
	nm_access_default_opts(&o, 2);
	o.region_shift = 11;
	ck_assert_int_eq(nm_access_init(&a, &o, 0), -EINVAL);
	nm_access_default_opts(&o, 0);
	ck_assert_int_eq(nm_access_init(&a, &o, 0), -EINVAL);
	nm_access_default_opts(&o, 2);
	o.max_regions = 0;
	ck_assert_int_eq(nm_access_init(&a, &o, 0), -EINVAL);
}
END_TEST

/* A full table drops records for new regions until the window ends, then
 * evicts its coldest quarter and takes new ones again. */
START_TEST(test_eviction)
{
	struct nm_access a;
	struct nm_access_rec extra = wr(BASE + 100 * MB, 0);

	setup(&a, 1, 8, 1);
	for (unsigned long i = 0; i < 8; i++)
		for (unsigned long p = 0; p <= i; p++) { /* region i: i + 1 pages */
			struct nm_access_rec v = wr(BASE + i * 2 * MB + p * 4096, 0);

			ck_assert_int_eq(nm_access_add(&a, &v, 1), 0);
		}
	ck_assert_uint_eq(a.n, 8);
	ck_assert_int_eq(nm_access_add(&a, &extra, 1), 0);
	ck_assert_uint_eq(a.st.dropped, 1);
	nm_access_end_window(&a, 2000);
	ck_assert_uint_eq(a.st.evicted, 2);
	ck_assert_uint_eq(a.n, 6);
	ck_assert_ptr_null(nm_access_find(&a, BASE));          /* 1 page: evicted */
	ck_assert_ptr_null(nm_access_find(&a, BASE + 2 * MB)); /* 2 pages: evicted */
	for (unsigned long i = 2; i < 8; i++) {
		const struct nm_access_region *r = nm_access_find(&a, BASE + i * 2 * MB);

		ck_assert_ptr_nonnull(r);
		ck_assert_float_eq(nm_access_count(&a, r, 0, NM_ACCESS_WRITES), (i + 1) / 2.0f);
	}
	ck_assert_int_eq(nm_access_add(&a, &extra, 1), 0);
	ck_assert_ptr_nonnull(nm_access_find(&a, extra.addr));
	nm_access_free(&a);
}
END_TEST

/* Many regions (the index grows, the arrays move) and a smaller region
 * size: every region is found with its own count. */
START_TEST(test_many_regions)
{
	struct nm_access a;
	struct nm_access_opts o;

	nm_access_default_opts(&o, 3);
	o.region_shift = 16;
	ck_assert_int_eq(nm_access_init(&a, &o, 0), 0);
	for (unsigned long i = 0; i < 10000; i++) {
		struct nm_access_rec v = wr(BASE + i * 65536 + (i % 16) * 4096, (int)(i % 3));

		ck_assert_int_eq(nm_access_add(&a, &v, 1), 0);
	}
	ck_assert_uint_eq(a.n, 10000);
	ck_assert_uint_eq(nm_access_region_bytes(&a), 65536);
	for (unsigned long i = 0; i < 10000; i++) {
		const struct nm_access_region *r = nm_access_find(&a, BASE + i * 65536 + 65535);

		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(r->start, BASE + i * 65536);
		ck_assert_float_eq(nm_access_count(&a, r, (int)(i % 3), NM_ACCESS_WRITES), 1);
	}
	nm_access_reset(&a, 5);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_ptr_null(nm_access_find(&a, BASE));
	nm_access_free(&a);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc = tcase_create("store");

	tcase_add_test(tc, test_writes_per_node);
	tcase_add_test(tc, test_accessed_span);
	tcase_add_test(tc, test_writer_flips);
	tcase_add_test(tc, test_pmu_samples);
	tcase_add_test(tc, test_idle);
	tcase_add_test(tc, test_written);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_range_full);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_eviction);
	tcase_add_test(tc, test_many_regions);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

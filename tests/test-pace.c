/* Tests of lib/act/pace.c: the batch tuner on synthetic call costs (a fixed
 * part, a part per page, scheduler stalls), the token bucket and the
 * refusal backoff. Pure: time is an input. */
#include "config.h"

#include <check.h>
#include <stdint.h>

#include "numamig/pace.h"

/* Doubling while the learnt cost fits twice the batch, then a quarter. */
START_TEST(test_tuner_slow_start)
{
	struct nm_tuner t;

	nm_tuner_init(&t, 64, 4096, 20000000);
	nm_tuner_update(&t, 64, true, 1000000);
	ck_assert_uint_eq(t.cur, 128);
	/* 64 pages beyond the minimum took 10 ms more: 156 us each, so 128
	 * fit in 20 ms (192 in all), less than twice 128: a quarter up. */
	nm_tuner_update(&t, 128, true, 1000000 + 64 * 156250);
	ck_assert_uint_eq(t.cur, 161);
	/* A huge page (512 pages) went through at cur 64: double from it. */
	nm_tuner_init(&t, 64, 4096, 20000000);
	nm_tuner_update(&t, 512, true, 4000000);
	ck_assert_uint_eq(t.cur, 1024);
}
END_TEST

START_TEST(test_tuner)
{
	struct nm_tuner t;

	nm_tuner_init(&t, 64, 1024, 20000000);
	ck_assert_uint_eq(t.cur, 64);
	nm_tuner_update(&t, 64, true, 1000000); /* fast, no cost per page seen: double */
	ck_assert_uint_eq(t.cur, 128);
	for (int i = 0; i < 100; i++)
		nm_tuner_update(&t, t.cur, true, 1000000);
	ck_assert_uint_eq(t.cur, 1024);    /* capped */
	/* 80 ms where 64 pages took 1: 82 us for each of the 960 pages
	 * beyond the minimum, so 243 of them fit in 20 ms: straight down. */
	nm_tuner_update(&t, 1024, true, 80000000);
	ck_assert_uint_eq(t.cur, 64 + 243);
	nm_tuner_update(&t, 10, false, 1000000); /* short of pages: says nothing */
	ck_assert_uint_eq(t.cur, 64 + 243);
	for (int i = 0; i < 20; i++)         /* 1 ms a page: 20 more fit */
		nm_tuner_update(&t, t.cur, true, t.cur * 1000000ull);
	ck_assert_uint_le(t.cur, 64 + 20 + 16); /* the probes go a quarter up */
}
END_TEST

/* Drive a tuner with calls costing FIXED_US + PAGE_US per page, plus a
 * scheduler stall of STALL_US on every 5th call; return where it settles. */
static unsigned settle(struct nm_tuner *t, unsigned fixed_us, unsigned page_us, unsigned stall_us)
{
	for (int i = 0; i < 60; i++)
		nm_tuner_update(t, t->cur, true,
				1000ull * (fixed_us + (uint64_t)page_us * t->cur +
					   (i % 5 == 4 ? stall_us : 0)));
	return t->cur;
}

/* 20 ms at 100 us a page is 200 pages beyond the minimum, whether or not
 * each call also waits 50 ms for the kernel's per-CPU drains (a tuner that
 * budgeted whole calls sank to the minimum there, and paid the 50 ms per
 * 64 pages). */
START_TEST(test_tuner_fixed_cost)
{
	struct nm_tuner a, b;

	nm_tuner_init(&a, 64, 4096, 20000000);
	nm_tuner_init(&b, 64, 4096, 20000000);
	ck_assert_uint_eq(settle(&a, 0, 100, 0), 264);
	ck_assert_uint_eq(settle(&b, 50000, 100, 0), 264);
}
END_TEST

/* A 200 ms stall on one call in five does not move the batch (the cost
 * per page is the least of the last calls'); a lasting 10x slowdown
 * brings it down to the new fit, a speedup up to the max. */
START_TEST(test_tuner_noise_and_slowdown)
{
	struct nm_tuner t;

	nm_tuner_init(&t, 64, 4096, 20000000);
	ck_assert_uint_eq(settle(&t, 30000, 100, 200000), 264);
	ck_assert_uint_le(settle(&t, 30000, 1000, 0), 84 + 16);
	ck_assert_uint_eq(settle(&t, 30000, 1, 0), 4096);
	nm_tuner_init(&t, 64, 4096, 20000000);
	ck_assert_uint_eq(settle(&t, 0, 10, 0), 2064);
	ck_assert_uint_le(settle(&t, 0, 100, 0), 264);
}
END_TEST

/* Drive a tuner with moves of huge pages (512 base pages each) costing
 * FIXED_US + PAGE_US per base page; STALL_US is added to call number
 * STALL_AT. Returns where it settles after N calls. */
static unsigned settle_thp(struct nm_tuner *t, unsigned fixed_us, unsigned page_us, int stall_at,
			   unsigned stall_us, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned pages = t->cur / 512 ? t->cur / 512 * 512 : 512;

		nm_tuner_update(t, pages, true,
				1000ull * (fixed_us + (uint64_t)page_us * pages +
					   (i == stall_at ? stall_us : 0)));
	}
	return t->cur;
}

/* A walk of huge pages never calls with the minimum batch: its smallest
 * call is one huge page, and the budget counts from that call. At 8 us a
 * page, 20 ms is 2500 pages beyond it: four huge pages more, five in all
 * (2560 pages), not the six that counting from 64 pages fitted. */
START_TEST(test_tuner_huge_pages)
{
	struct nm_tuner t;

	nm_tuner_init(&t, 64, 4096, 20000000);
	ck_assert_uint_eq(settle_thp(&t, 300, 8, -1, 0, 20), 512 + 2500);
	ck_assert_uint_eq(t.base_pages, 512);
	/* A stall on the first call of two huge pages made one page look
	 * 6x dearer: the batch fell under two huge pages, so every call was
	 * of the smallest size and told nothing of the pages. A probe of
	 * twice it finds the batch again. */
	nm_tuner_init(&t, 64, 4096, 20000000);
	ck_assert_uint_lt(settle_thp(&t, 300, 8, 1, 25000, 2), 1024);
	ck_assert_uint_eq(settle_thp(&t, 300, 8, -1, 0, 20), 512 + 2500);
	/* A call that cost barely more than the smallest (its huge pages
	 * cached, a timer's coarse tick) teaches no cost per page; the next
	 * call that measures one counts at once (a zero kept in the window
	 * would have held the cost at nothing, the batch at the maximum, for
	 * a window of calls). */
	nm_tuner_init(&t, 64, 4096, 20000000);
	nm_tuner_update(&t, 512, true, 300000 + 8 * 512000);
	nm_tuner_update(&t, 1024, true, 300000 + 8 * 512000 + 100);
	ck_assert_uint_eq(t.page_ns, 0);
	settle_thp(&t, 300, 8, -1, 0, 1);
	ck_assert_uint_eq(t.page_ns, 8000);
}
END_TEST

START_TEST(test_backoff)
{
	ck_assert_uint_eq(nm_backoff_next(0, 1000, 300000), 1000);
	ck_assert_uint_eq(nm_backoff_next(1000, 1000, 300000), 2000);
	ck_assert_uint_eq(nm_backoff_next(256000, 1000, 300000), 300000); /* capped */
	ck_assert_uint_eq(nm_backoff_next(300000, 1000, 300000), 300000);
	ck_assert_uint_eq(nm_backoff_next(UINT64_MAX / 2 + 1, 1000, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(nm_backoff_next(10, 1000, 300000), 1000);      /* floor */
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("pace");

	tcase_add_test(tc, test_tuner);
	tcase_add_test(tc, test_tuner_slow_start);
	tcase_add_test(tc, test_tuner_fixed_cost);
	tcase_add_test(tc, test_tuner_noise_and_slowdown);
	tcase_add_test(tc, test_tuner_huge_pages);
	tcase_add_test(tc, test_backoff);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

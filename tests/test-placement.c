/* Tests of the placement reads (nm_mig_placement in lib/act/migrator.c,
 * through the page walker) on the one scripted kernel
 * (tests/fake-kernel.h): pages counted per node, huge pages, absent and
 * shared pages apart, many spans in one read, a process gone. */
#include "config.h"

#include <check.h>
#include <errno.h>

#include "migrator-fixture.h"

/* A placement query: pages per node, a THP as its 512, absent pages and
 * shared ones apart, nothing moved; a process gone says so. */
START_TEST(test_placement)
{
	struct setup *s = setup(2048);
	unsigned long long on[4];
	struct nm_walk_counts c;

	fk_thp(s->f, PID, BASE + 1024 * PG);
	for (int i = 0; i < 100; i++)
		AT(s, i)->node = 2;
	AT(s, 200)->absent = true;
	AT(s, 300)->mapped_twice = true;
	s->req.fp = NULL;
	s->req.nr_nodes = 4;
	ck_assert_int_eq(placement(s, BASE, BASE + 2048 * PG, on, &c), 0);
	ck_assert_uint_eq(on[2], 100);
	ck_assert_uint_eq(on[0], 2048 - 100 - 2);
	ck_assert_uint_eq(on[1], 0);
	ck_assert_uint_eq(c.absent, 1);
	ck_assert_uint_eq(c.shared, 1);
	ck_assert_uint_eq(c.moved + c.requested, 0);
	ck_assert_int_eq(AT(s, 0)->node, 2);
	fk_proc(s->f, PID)->dead = true;
	ck_assert_int_eq(placement(s, BASE, BASE + 2048 * PG, on, &c), -ESRCH);
	teardown(s);
}
END_TEST

/* Many spans in one read: each has its own counts; once the process is
 * gone, every span after says so, unread. */
START_TEST(test_placement_spans)
{
	struct setup *s = setup(2048);
	unsigned long long on[3][4];
	struct nm_mig_span sp[3] = {
		{ .start = BASE, .end = BASE + 512 * PG, .on_node = on[0] },
		{ .start = BASE + 512 * PG, .end = BASE + 1024 * PG, .on_node = on[1] },
		{ .start = BASE + 1024 * PG, .end = BASE + 1100 * PG, .on_node = on[2] },
	};
	unsigned calls;

	for (int i = 500; i < 600; i++)
		AT(s, i)->node = 3;
	s->req.fp = NULL;
	s->req.nr_nodes = 4;
	ck_assert_int_eq(nm_mig_placement(&s->sys, &s->req, sp, 3), 0);
	ck_assert_uint_eq(on[0][0], 500);
	ck_assert_uint_eq(on[0][3], 12);
	ck_assert_uint_eq(on[1][0], 424);
	ck_assert_uint_eq(on[1][3], 88);
	ck_assert_uint_eq(on[2][0], 76);
	ck_assert_uint_eq(on[2][3], 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sp[i].err, 0);
	ck_assert_uint_eq(sp[1].c.pages, 512);
	ck_assert_uint_eq(sp[2].c.pages, 76);
	fk_proc(s->f, PID)->dead = true;
	calls = s->f->move_calls;
	ck_assert_int_eq(nm_mig_placement(&s->sys, &s->req, sp, 3), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sp[i].err, -ESRCH);
		ck_assert_uint_eq(sp[i].c.pages, 0);
	}
	ck_assert_uint_eq(s->f->move_calls, calls);
	s->req.nr_nodes = 0;
	ck_assert_int_eq(nm_mig_placement(&s->sys, &s->req, sp, 3), -EINVAL);
	teardown(s);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("placement");
	TCase *tc = tcase_create("reads");

	tcase_add_test(tc, test_placement);
	tcase_add_test(tc, test_placement_spans);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

/* Tests of lib/job/rangemove.c (seed 004: move an address range of a pid to a
 * node) with a scripted kernel (tests/fake-kernel.h) on the job fixture
 * tree (tests/data/job) and throwaway trees: the counts of moved and
 * failed pages by errno, and the errno contract (each major error aborts
 * with that errno; per-page failures are counted and the walk goes on).
 * That pages really move is tested in the VM (tests/vm/vmt-job.c). */
#include "config.h"

#include <check.h>
#include <time.h>

#include "fixture.h"
#include "numamig/proc.h"
#include "numamig/rangemove.h"
#include "numamig/topology.h"
#include "fake-kernel.h"

/* pid 201 of tests/data/job: its 256-page anonymous VMA and the VMAs
 * around it (see tests/data/job/make-job-tree). */
#define HEAP 0x555500009000ul   /* [heap], 32 pages */
#define ANON 0x55550002a000ul   /* 256 pages */
#define ANON_PAGES 256ul

struct env {
	struct nm_root *root;
	struct nm_topology *topo;
	struct fake *f;
	struct nm_mig_sys sys;
	struct nm_proc *p;
	struct nm_range_result res;
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	e->root = fixture_root("job");
	ck_assert_int_eq(nm_topo_load(e->root, &e->topo), 0);
	e->f = fk_new();
	fk_add_proc(e->f, e->root, 201);
	e->sys = fk_sys(e->f);
	ck_assert_int_eq(nm_proc_open(e->root, 201, &e->p), 0);
	return e;
}

static void env_free(struct env *e)
{
	nm_proc_close(e->p);
	nm_topo_free(e->topo);
	nm_root_free(e->root);
	fk_free(e->f);
	free(e);
}

static int move(struct env *e, unsigned long addr, unsigned long len, int node, unsigned flags)
{
	return nm_range_move(&e->sys, e->topo, e->p, addr, len, node, flags, NULL, &e->res);
}

START_TEST(test_moves_range)
{
	struct env *e = env_new();

	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), 0);
	ck_assert_int_eq(e->res.err, 0);
	ck_assert_uint_eq(e->res.bytes, ANON_PAGES * FK_PG);
	ck_assert_uint_eq(e->res.c.pages, ANON_PAGES);
	ck_assert_uint_eq(e->res.c.requested, ANON_PAGES);
	ck_assert_uint_eq(e->res.c.moved, ANON_PAGES);
	ck_assert_uint_eq(e->res.c.failed, 0);
	ck_assert_uint_eq(e->res.on_node[0], ANON_PAGES);
	ck_assert_uint_eq(e->res.moved_from[0], ANON_PAGES);
	ck_assert_int_eq(e->res.max_node, 0);
	ck_assert_uint_eq(fk_count(e->f, 201, ANON, ANON + ANON_PAGES * FK_PG, 1), ANON_PAGES);
	/* Private memory: MPOL_MF_MOVE unless asked for shared pages. */
	ck_assert_uint_eq(e->f->move_all_calls, 0);
	/* Again: everything is there already, nothing is requested. */
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), 0);
	ck_assert_uint_eq(e->res.c.stay, ANON_PAGES);
	ck_assert_uint_eq(e->res.c.requested, 0);
	ck_assert_uint_eq(e->res.c.calls, 0);
	env_free(e);
}
END_TEST

/* Minor failures are counted by errno and the walk goes on. */
START_TEST(test_per_page_failures_continue)
{
	struct env *e = env_new();

	fk_page(e->f, 201, ANON + 3 * FK_PG)->absent = true;
	fk_page(e->f, 201, ANON + 4 * FK_PG)->node = 1;       /* already there */
	for (int i = 10; i < 15; i++)
		fk_page(e->f, 201, ANON + i * FK_PG)->busy = true;
	fk_page(e->f, 201, ANON + 20 * FK_PG)->lie = true;    /* "moved", stays */
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), 0);
	ck_assert_uint_eq(e->res.c.absent, 1);
	ck_assert_uint_eq(e->res.c.stay, 1);
	ck_assert_uint_eq(e->res.c.requested, ANON_PAGES - 2);
	ck_assert_uint_eq(e->res.c.failed_by[NM_MIG_EBUSY], 5);
	ck_assert_uint_eq(e->res.c.failed_by[NM_MIG_EOTHER], 1);
	ck_assert_uint_eq(e->res.c.failed, 6);
	ck_assert_uint_eq(e->res.c.moved, ANON_PAGES - 8);
	ck_assert_uint_eq(e->res.on_node[0], ANON_PAGES - 2);
	ck_assert_uint_eq(e->res.on_node[1], 1);
	ck_assert_int_eq(e->res.max_node, 1);
	/* The pages after the failures moved: the walk went on. */
	ck_assert_int_eq(fk_page(e->f, 201, ANON + 255 * FK_PG)->node, 1);
	env_free(e);
}
END_TEST

/* Busy at that instant: asked once more, in one call, and moved. */
START_TEST(test_transient_busy_retried)
{
	struct env *e = env_new();

	for (int i = 0; i < 3; i++)
		fk_page(e->f, 201, ANON + (unsigned long)(7 * i) * FK_PG)->busy_once = true;
	fk_page(e->f, 201, ANON + 100 * FK_PG)->busy = true; /* pinned for good */
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), 0);
	ck_assert_uint_eq(e->res.c.retried, 4);
	ck_assert_uint_eq(e->res.c.requested, ANON_PAGES);
	ck_assert_uint_eq(e->res.c.moved, ANON_PAGES - 1);
	ck_assert_uint_eq(e->res.c.failed_by[NM_MIG_EBUSY], 1);
	ck_assert_uint_eq(e->res.c.calls, 2);
	ck_assert_uint_eq(fk_count(e->f, 201, ANON, ANON + ANON_PAGES * FK_PG, 1), ANON_PAGES - 1);
	env_free(e);
}
END_TEST

START_TEST(test_einval)
{
	struct env *e = env_new();

	ck_assert_int_eq(move(e, ANON + 1, FK_PG, 1, 0), -EINVAL);
	ck_assert_int_eq(e->res.err, EINVAL);
	ck_assert_int_eq(move(e, ANON, 0, 1, 0), -EINVAL);
	ck_assert_int_eq(move(e, ANON, ~0ul - ANON, 1, 0), -EINVAL);
	ck_assert_uint_eq(e->f->move_calls, 0);
	/* LEN is rounded up to whole pages. */
	ck_assert_int_eq(move(e, ANON, 1, 1, 0), 0);
	ck_assert_uint_eq(e->res.bytes, FK_PG);
	ck_assert_uint_eq(e->res.c.moved, 1);
	env_free(e);
}
END_TEST

START_TEST(test_enodev)
{
	struct env *e = env_new();

	/* Node 3 has CPUs and no memory; 7 does not exist; -1 is no node. */
	ck_assert_int_eq(move(e, ANON, FK_PG, 3, 0), -ENODEV);
	ck_assert_int_eq(e->res.err, ENODEV);
	ck_assert_int_eq(move(e, ANON, FK_PG, 7, 0), -ENODEV);
	ck_assert_int_eq(move(e, ANON, FK_PG, -1, 0), -ENODEV);
	ck_assert_uint_eq(e->f->move_calls, 0);
	/* Without a topology the kernel's ENODEV comes through as the abort. */
	e->f->memless_node = 3;
	ck_assert_int_eq(nm_range_move(&e->sys, NULL, e->p, ANON, FK_PG, 3, 0, NULL, &e->res), -ENODEV);
	ck_assert_int_eq(e->res.err, ENODEV);
	env_free(e);
}
END_TEST

START_TEST(test_efault_hole)
{
	struct env *e = env_new();

	/* [heap] ends one page before the anonymous VMA starts. */
	ck_assert_int_eq(move(e, HEAP, ANON + FK_PG - HEAP, 1, 0), -EFAULT);
	ck_assert_int_eq(e->res.err, EFAULT);
	ck_assert_uint_eq(e->f->move_calls + e->f->procs[0].query_calls, 0);
	ck_assert_int_eq(move(e, 0x1000, FK_PG, 1, 0), -EFAULT);
	/* Adjacent VMAs without a hole are one range. */
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG + FK_PG, 1, 0), -EFAULT);
	env_free(e);
}
END_TEST

START_TEST(test_esrch)
{
	struct env *e = env_new();

	e->f->procs[0].dead = true;
	ck_assert_int_eq(move(e, ANON, FK_PG, 1, 0), -ESRCH);
	ck_assert_int_eq(e->res.err, ESRCH);
	/* Dying during the move call: the answer about a process that is
	 * gone is dropped, and the walk stops with ESRCH. */
	e->f->procs[0].dead = false;
	e->f->procs[0].die_after = 1;
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), -ESRCH);
	ck_assert_int_eq(e->res.err, ESRCH);
	ck_assert_uint_eq(e->res.c.moved, 0);
	ck_assert_uint_eq(e->f->procs[0].move_calls, 1);
	env_free(e);
}
END_TEST

/* A process that exits during the call: 6.12 fails move_pages() with
 * EINVAL once the mm is gone, before the pidfd says so. That is ESRCH
 * (gone), not the contract's EINVAL (a bad address). */
START_TEST(test_exit_during_call)
{
	struct env *e = env_new();

	e->f->procs[0].call_errno = EINVAL;
	e->f->procs[0].exit_on_error = true;
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), -ESRCH);
	ck_assert_int_eq(e->res.err, ESRCH);
	env_free(e);
}
END_TEST

/* A stopping daemon moves nothing more: -ECANCELED. */
START_TEST(test_stopping)
{
	struct env *e = env_new();

	nm_mig_set_stopping(true);
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), -ECANCELED);
	ck_assert_int_eq(e->res.err, ECANCELED);
	ck_assert_uint_eq(e->f->procs[0].move_calls, 0);
	nm_mig_set_stopping(false);
	ck_assert_str_eq(nm_range_errno_name(ECANCELED), "ECANCELED");
	env_free(e);
}
END_TEST

/* Every call-level error of move_pages aborts with that errno. */
START_TEST(test_major_errors_abort)
{
	static const int errs[] = { EPERM, EINVAL, EFAULT, ENOMEM, ENODEV, ESRCH };

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct env *e = env_new();

		e->f->procs[0].call_errno = errs[i];
		ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, 0), -errs[i]);
		ck_assert_int_eq(e->res.err, errs[i]);
		ck_assert_uint_eq(e->res.c.moved, 0);
		env_free(e);
	}
}
END_TEST

/* A target that answers ENOMEM page after page is full: stop. */
START_TEST(test_full_target_enomem)
{
	struct env *e = env_new();

	e->f->full_node = 2;
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 2, 0), -ENOMEM);
	ck_assert_uint_eq(e->res.c.failed_by[NM_MIG_ENOMEM], ANON_PAGES);
	ck_assert_uint_eq(e->res.c.moved, 0);
	env_free(e);
}
END_TEST

START_TEST(test_dry_run)
{
	struct env *e = env_new();

	fk_page(e->f, 201, ANON)->node = 2;
	ck_assert_int_eq(move(e, ANON, ANON_PAGES * FK_PG, 1, NM_RANGE_DRY_RUN), 0);
	ck_assert_uint_eq(e->f->move_calls, 0);
	ck_assert_uint_eq(e->res.c.requested, ANON_PAGES);
	ck_assert_uint_eq(e->res.c.moved, 0);
	ck_assert_uint_eq(e->res.on_node[0], ANON_PAGES - 1);
	ck_assert_uint_eq(e->res.on_node[2], 1);
	ck_assert_int_eq(e->res.max_node, 2);
	ck_assert_uint_eq(fk_count(e->f, 201, ANON, ANON + ANON_PAGES * FK_PG, 0), ANON_PAGES - 1);
	env_free(e);
}
END_TEST

START_TEST(test_shared_flag)
{
	struct env *e = env_new();

	ck_assert_int_eq(move(e, HEAP, 32 * FK_PG, 1, NM_RANGE_SHARED), 0);
	ck_assert_uint_eq(e->res.c.moved, 32);
	ck_assert_uint_eq(e->f->move_all_calls, e->f->move_calls);
	ck_assert_uint_gt(e->f->move_calls, 0);
	env_free(e);
}
END_TEST

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A range bigger than a window (4096 pages) and a batch (1024): every
 * page is moved once, across window and batch edges; its progress, a
 * cancel, and pacing. */
START_TEST(test_windows_and_batches)
{
	char *tree = make_tree();
	struct nm_root *root;
	struct nm_proc *p;
	struct fake *f = fk_new();
	struct nm_mig_sys sys = fk_sys(f);
	struct nm_range_result *res = calloc(1, sizeof(*res));
	unsigned long start = 0x7f0000000000ul, n = 10000;
	struct nm_progress pr = { 0 };
	struct nm_walk_counts c;
	unsigned long long planned;
	char maps[256];
	double t0;

	snprintf(maps, sizeof(maps), "%lx-%lx rw-p 00000000 00:00 0 \n", start, start + n * FK_PG);
	put(tree, "proc/300/maps", maps);
	put(tree, "proc/300/stat", "300 (big) S 1 300 300 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1\n");
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	fk_add_proc(f, root, 300);
	ck_assert_int_eq(nm_proc_open(root, 300, &p), 0);
	ck_assert_int_eq(nm_range_move(&sys, NULL, p, start, n * FK_PG, 1, 0, &pr, res), 0);
	ck_assert_uint_eq(res->c.pages, n);
	ck_assert_uint_eq(res->c.moved, n);
	ck_assert_uint_eq(f->requested, n);
	ck_assert_uint_eq(res->c.calls, 10); /* 4 + 4 + 2 batches over 3 windows */
	ck_assert_uint_eq(fk_count(f, 300, start, start + n * FK_PG, 1), n);
	/* The progress another thread reads holds the same counts. */
	nm_progress_read(&pr, &c, &planned);
	ck_assert_uint_eq(c.pages, n);
	ck_assert_uint_eq(c.moved, n);
	ck_assert_uint_eq(c.calls, 10);
	ck_assert_uint_eq(c.bytes_moved, n * FK_PG);

	/* Back to node 0, cancelled (by the operator) during the third call:
	 * the walk stops before the fourth, with ECANCELED, what moved so
	 * far counted in the result and the progress alike. */
	memset(&pr, 0, sizeof(pr));
	f->cancel = &pr;
	f->stop_after_calls = f->move_calls + 3;
	ck_assert_int_eq(nm_range_move(&sys, NULL, p, start, n * FK_PG, 0, 0, &pr, res),
			 -ECANCELED);
	ck_assert(!nm_mig_stopping());
	nm_progress_read(&pr, &c, &planned);
	ck_assert_uint_eq(res->c.calls, 3);
	ck_assert_uint_eq(res->c.moved, 3 * 1024);
	ck_assert_uint_eq(c.moved, 3 * 1024);
	ck_assert_uint_eq(fk_count(f, 300, start, start + n * FK_PG, 0), 3 * 1024);

	/* The rest, paced: at most 16 MiB a second after a second's burst.
	 * After 20 MiB (a call of 1024 pages in the first window, four in the
	 * second) the last calls wait until 20/16 - 1 s (a lower bound: a
	 * busy host only adds). */
	memset(&pr, 0, sizeof(pr));
	pr.rate_bps = 16ull << 20;
	f->stop_after_calls = 0;
	t0 = mono_s();
	ck_assert_int_eq(nm_range_move(&sys, NULL, p, start, n * FK_PG, 0, 0, &pr, res), 0);
	ck_assert_double_ge(mono_s() - t0, 0.25);
	ck_assert_uint_eq(res->c.moved, n - 3 * 1024);
	ck_assert_uint_eq(fk_count(f, 300, start, start + n * FK_PG, 0), n);
	nm_proc_close(p);
	nm_root_free(root);
	remove_tree(tree);
	fk_free(f);
	free(res);
}
END_TEST

START_TEST(test_errno_names)
{
	ck_assert_str_eq(nm_range_errno_name(0), "0");
	ck_assert_str_eq(nm_range_errno_name(ENODEV), "ENODEV");
	ck_assert_str_eq(nm_range_errno_name(ESRCH), "ESRCH");
	ck_assert_str_eq(nm_range_errno_name(EFAULT), "EFAULT");
	ck_assert_str_eq(nm_range_errno_name(12345), "EOTHER");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("rangemove");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_moves_range);
	tcase_add_test(tc, test_per_page_failures_continue);
	tcase_add_test(tc, test_transient_busy_retried);
	tcase_add_test(tc, test_einval);
	tcase_add_test(tc, test_enodev);
	tcase_add_test(tc, test_efault_hole);
	tcase_add_test(tc, test_esrch);
	tcase_add_test(tc, test_stopping);
	tcase_add_test(tc, test_exit_during_call);
	tcase_add_test(tc, test_major_errors_abort);
	tcase_add_test(tc, test_full_target_enomem);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_shared_flag);
	tcase_add_test(tc, test_windows_and_batches);
	tcase_add_test(tc, test_errno_names);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

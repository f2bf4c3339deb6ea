/* Tests of lib/job/job-exec.c (seed 003: manual job migration), execution,
 * on the job of test-job-env.h and its scripted kernel: pages move as
 * planned, the dry run moves nothing, a process exiting mid-job is
 * reported while the others are still migrated, major errors abort, and
 * the direct mode calls migrate_pages. */
#include "config.h"

#include "test-job-env.h"

/* Execute: every requested page on the target, each shared file page
 * requested once, the shared libraries' text where it was. */
START_TEST(test_execute)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	const struct nm_job_totals *t;

	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	t = nm_job_totals(e->plan);
	ck_assert(t->executed);
	ck_assert_int_eq(t->err, 0);
	ck_assert_uint_eq(t->requests_done, t->requests);
	ck_assert_uint_eq(t->done.failed, 0);
	ck_assert_uint_eq(t->done.moved, t->done.requested);
	ck_assert_uint_eq(t->moved_to[1], t->done.moved);
	/* The union of input.dat (96 + 32 pages), all on node 1; each
	 * file page of the job was requested exactly once. */
	ck_assert_uint_eq(fk_count(e->f, 201, INPUT_201, INPUT_201 + 64 * FK_PG, 1), 64);
	ck_assert_uint_eq(fk_count(e->f, 202, INPUT_202, INPUT_202 + 64 * FK_PG, 1), 64);
	ck_assert_uint_eq(fk_count(e->f, 203, INPUT_203B, INPUT_203B + 32 * FK_PG, 1), 32);
	for (unsigned i = 0; i < FK_SLOTS; i++) {
		const struct fk_page *pg = &e->f->pages[i];

		if (pg->key >> 63)
			ck_assert_uint_le(pg->requested, 1);
	}
	/* libc text (its second VMA) and libjob.so stayed on node 0. */
	ck_assert_uint_eq(fk_count(e->f, 201, BASE(201) + 0x1b7000, BASE(201) + 0x21b000, 0), 100);
	for (size_t p = 0; p < 3; p++) {
		const struct nm_job_proc_info *pi = nm_job_proc(e->plan, p);

		ck_assert_int_eq(pi->state, NM_JOB_DONE);
		ck_assert_uint_eq(fk_count(e->f, job[p], BASE(job[p]) + 0x2a000,
					   BASE(job[p]) + 0x12a000, 1), 256);
		/* numa_maps afterwards: the fixture does not change. */
		ck_assert_ptr_nonnull(pi->after);
	}
	/* Executing twice is refused. */
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), -EINVAL);
	env_free(e);
}
END_TEST

START_TEST(test_dry_run_execute)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	const struct nm_job_totals *t;

	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, NM_JOB_DRY_RUN), 0);
	t = nm_job_totals(e->plan);
	ck_assert(t->dry_run);
	ck_assert_uint_eq(e->f->move_calls, 0);
	ck_assert_uint_eq(t->done.moved, 0);
	/* Everything in the fake starts on node 0 and is present: the exact
	 * count is every page of the requested ranges. */
	ck_assert_uint_gt(t->done.requested, 0);
	ck_assert_uint_eq(t->done.requested + t->done.shared, t->done.pages);
	ck_assert_uint_eq(fk_count(e->f, 201, INPUT_201, INPUT_201 + 64 * FK_PG, 0), 64);
	env_free(e);
}
END_TEST

/* A process that exits mid-job is reported; the others are migrated. */
START_TEST(test_exit_mid_job)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	const struct nm_job_totals *t;

	e->f->procs[1].die_after = 2; /* 202 */
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	t = nm_job_totals(e->plan);
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->state, NM_JOB_GONE);
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->err, ESRCH);
	ck_assert_ptr_null(nm_job_proc(e->plan, 1)->after);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->state, NM_JOB_DONE);
	ck_assert_int_eq(nm_job_proc(e->plan, 2)->state, NM_JOB_DONE);
	ck_assert_uint_eq(t->procs_gone, 1);
	ck_assert_uint_gt(t->requests_lost, 0);
	ck_assert_uint_eq(t->requests_done + t->requests_lost, t->requests);
	/* Nothing was requested through 202 after it died. */
	ck_assert_uint_eq(e->f->procs[1].move_calls, 2);
	ck_assert_uint_eq(fk_count(e->f, 203, BASE(203) + 0x2a000, BASE(203) + 0x12a000, 1), 256);
	env_free(e);

	/* 201 exits after its first call: its input.dat piece is carried by
	 * 202 (offsets [32,64)) and 203 ([16,32)); [0,16) is mapped by no
	 * one left. */
	e = env_new(to, 1);
	e->f->procs[0].die_after = 1;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->state, NM_JOB_GONE);
	ck_assert_uint_eq(fk_count(e->f, 202, INPUT_202, INPUT_202 + 32 * FK_PG, 1), 32);
	ck_assert_uint_eq(fk_count(e->f, 203, BASE(203) + 0x13c000, BASE(203) + 0x14c000, 1), 16);
	ck_assert_uint_eq(fk_count(e->f, 201, INPUT_201, INPUT_201 + 16 * FK_PG, 0), 16);
	/* input.dat 48, /dev/zero 16, the program's text 2 and rodata 1. */
	ck_assert_uint_eq(nm_job_totals(e->plan)->alt_pages, 48 + 16 + 2 + 1);
	env_free(e);
}
END_TEST

/* A process that exits during a call (EINVAL on 6.12, see
 * test-job-range) is gone, and the job goes on past it. */
START_TEST(test_exit_during_call)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);

	e->f->procs[0].call_errno = EINVAL; /* 201, walked first */
	e->f->procs[0].exit_on_error = true;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_int_eq(nm_job_totals(e->plan)->err, 0);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->state, NM_JOB_GONE);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->err, ESRCH);
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->state, NM_JOB_DONE);
	ck_assert_int_eq(nm_job_proc(e->plan, 2)->state, NM_JOB_DONE);
	ck_assert_uint_eq(fk_count(e->f, 203, BASE(203) + 0x2a000, BASE(203) + 0x12a000, 1), 256);
	env_free(e);
}
END_TEST

/* A per-process major error fails that process; a job-wide one (the
 * target node) stops the job with its errno. */
START_TEST(test_major_errors)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	unsigned calls;

	e->f->procs[1].call_errno = EPERM;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->state, NM_JOB_FAILED);
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->err, EPERM);
	ck_assert_int_eq(nm_job_proc(e->plan, 2)->state, NM_JOB_DONE);
	ck_assert_uint_eq(nm_job_totals(e->plan)->procs_failed, 1);

	env_free(e);
	e = env_new(to, 1);
	e->f->memless_node = 1;
	calls = e->f->move_calls;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), -ENODEV);
	ck_assert_int_eq(nm_job_totals(e->plan)->err, ENODEV);
	ck_assert_uint_eq(e->f->move_calls, calls);
	/* Stopped at the first request: the others were not walked. */
	ck_assert_uint_eq(nm_job_totals(e->plan)->requests_done, 0);
	ck_assert(!nm_job_request(e->plan, 1)->walked);
	env_free(e);
}
END_TEST

START_TEST(test_cgroup_and_gone)
{
	static const int to[] = { 1 };
	static const pid_t some_gone[] = { 4242, 201, 201 }, all_gone[] = { 4242, 4243 };
	struct env *e = env_new(to, 1);
	struct nm_job_spec s = e->spec;

	s.pids = NULL;
	s.n_pids = 0;
	s.cgroup = "/job.slice/";
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), 0);
	/* Its own processes and its child cgroup's, by pid. */
	ck_assert_uint_eq(nm_job_nprocs(e->plan), 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(nm_job_proc(e->plan, i)->pid, job[i]);
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "/data/input.dat"), 3);
	nm_job_plan_free(e->plan);
	e->plan = NULL;
	s.cgroup = "/nope";
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -ENOENT);
	s.cgroup = "/other.slice"; /* pid 999 does not exist */
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -ESRCH);
	/* Pids: a missing one is kept as gone, a repeated one counted once. */
	s = e->spec;
	s.pids = some_gone;
	s.n_pids = 3;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), 0);
	ck_assert_uint_eq(nm_job_nprocs(e->plan), 2);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->state, NM_JOB_GONE);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->err, ESRCH);
	ck_assert_uint_eq(nm_job_totals(e->plan)->procs_gone, 1);
	/* TO[k mod n] counts the job's order, gone ones included. */
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->target, 1);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->state, NM_JOB_DONE);
	nm_job_plan_free(e->plan);
	e->plan = NULL;
	s.pids = all_gone;
	s.n_pids = 2;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -ESRCH);
	env_free(e);
}
END_TEST

/* Direct mode: one migrate_pages() per process, without MOVE_ALL. */
START_TEST(test_direct)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);

	e->spec.mode = NM_JOB_DIRECT;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_uint_eq(nm_job_totals(e->plan)->direct_calls, 3);
	ck_assert_uint_eq(nm_job_totals(e->plan)->direct_not_moved, 9);
	for (int p = 0; p < 3; p++)
		ck_assert_uint_eq(e->f->procs[p].migrate_calls, 1);
	ck_assert_uint_eq(e->f->move_calls, 0);
	ck_assert(!e->f->last_migrate_shared);
	ck_assert_int_eq(e->f->last_migrate_from, 0x5); /* nodes 0 and 2: memory, not target */
	ck_assert_int_eq(e->f->last_migrate_to, 0x2);
	env_free(e);
}
END_TEST

/* A job's progress, as another thread reads it while it runs, and the
 * operator's cancel: between two calls, lazy or direct. */
START_TEST(test_progress_cancel)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	struct nm_progress pr = { 0 };
	const struct nm_job_totals *t;
	struct nm_walk_counts c;
	unsigned long long planned;

	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	nm_job_set_progress(e->plan, &pr);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	t = nm_job_totals(e->plan);
	nm_progress_read(&pr, &c, &planned);
	ck_assert_uint_eq(planned, t->planned_pages);
	ck_assert_uint_gt(c.moved, 0);
	ck_assert_uint_eq(c.moved, t->done.moved);
	ck_assert_uint_eq(c.requested, t->done.requested);
	ck_assert_uint_eq(c.calls, t->done.calls);
	env_free(e);

	/* Cancelled during the first call: nothing more is asked. */
	e = env_new(to, 1);
	memset(&pr, 0, sizeof(pr));
	e->f->cancel = &pr;
	e->f->stop_after_calls = 1;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	nm_job_set_progress(e->plan, &pr);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), -ECANCELED);
	ck_assert_uint_eq(e->f->move_calls, 1);
	nm_progress_read(&pr, &c, &planned);
	ck_assert_uint_gt(c.moved, 0);
	ck_assert_uint_eq(c.moved, nm_job_totals(e->plan)->done.moved);
	ck_assert_uint_lt(c.moved, planned);
	env_free(e);

	/* Direct: cancelled before it starts, no migrate_pages call. */
	e = env_new(to, 1);
	memset(&pr, 0, sizeof(pr));
	nm_progress_cancel(&pr);
	e->spec.mode = NM_JOB_DIRECT;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	nm_job_set_progress(e->plan, &pr);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), -ECANCELED);
	for (int p = 0; p < 3; p++)
		ck_assert_uint_eq(e->f->procs[p].migrate_calls, 0);
	env_free(e);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("job-exec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_execute);
	tcase_add_test(tc, test_dry_run_execute);
	tcase_add_test(tc, test_exit_mid_job);
	tcase_add_test(tc, test_major_errors);
	tcase_add_test(tc, test_exit_during_call);
	tcase_add_test(tc, test_cgroup_and_gone);
	tcase_add_test(tc, test_direct);
	tcase_add_test(tc, test_progress_cancel);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

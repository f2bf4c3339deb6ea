/* test-job-env: the 3-process job of tests/data/job (make-job-tree there
 * describes it) on the scripted kernel of fake-kernel.h, shared by
 * tests/test-job.c (planning) and tests/test-job-exec.c (execution).
 * Header-only: each test program includes it once. */
#ifndef NM_TEST_JOB_ENV_H
#define NM_TEST_JOB_ENV_H

#include <check.h>

#include "fixture.h"
#include "numamig/job.h"
#include "fake-kernel.h"

static const pid_t job[] = { 201, 202, 203 };

/* Base addresses of the processes' VMAs (make-job-tree). */
#define BASE(pid) (0x555500000000ul + ((unsigned long)(pid) - 201) * 0x100000000ul)
#define INPUT_201 (BASE(201) + 0x13c000)
#define INPUT_202 (BASE(202) + 0x13c000)
#define INPUT_203B (BASE(203) + 0x15d000)

struct env {
	struct nm_root *root;
	struct fake *f;
	struct nm_mig_sys sys;
	struct nm_job_spec spec;
	struct nm_job_plan *plan;
};

static inline struct env *env_new(const int *to, size_t n_to)
{
	struct env *e = calloc(1, sizeof(*e));

	e->root = fixture_root("job");
	e->f = fk_new();
	for (size_t i = 0; i < 3; i++)
		fk_add_proc(e->f, e->root, job[i]);
	e->sys = fk_sys(e->f);
	e->spec = (struct nm_job_spec){ .pids = job, .n_pids = 3, .to = to, .n_to = n_to };
	return e;
}

static inline void env_free(struct env *e)
{
	nm_job_plan_free(e->plan);
	nm_root_free(e->root);
	fk_free(e->f);
	free(e);
}

static inline void dump(const struct nm_job_plan *plan)
{
	if (!getenv("NM_TEST_DUMP"))
		return;
	for (size_t i = 0; i < nm_job_nrequests(plan); i++) {
		const struct nm_job_request *q = nm_job_request(plan, i);

		printf("req %zu: %s pid %d stage %u %lx-%lx (%lu pages) off %llx all=%d excl=%d est=%llu %s\n",
		       i, q->kind == NM_JOB_REQ_FILE ? "file" : "priv",
		       (int)nm_job_proc(plan, q->proc)->pid, q->stage, q->start, q->end,
		       (q->end - q->start) / FK_PG, q->offset, q->move_all, q->exclusive_only,
		       q->planned_pages, q->path ? q->path : "-");
	}
}

static inline const struct nm_job_request *find_req(const struct nm_job_plan *plan, pid_t pid,
					     unsigned long start)
{
	for (size_t i = 0; i < nm_job_nrequests(plan); i++) {
		const struct nm_job_request *q = nm_job_request(plan, i);

		if (nm_job_proc(plan, q->proc)->pid == pid && q->start == start)
			return q;
	}
	return NULL;
}

#endif

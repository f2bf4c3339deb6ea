/* job-exec: carrying out a job migration plan. See numamig/job.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "job-internal.h"
#include "numamig/set.h"
#include "act/walk.h"
#include "base/api.h"

struct placement {
	unsigned long page_bytes;
	int nr_nodes;
	unsigned long long *pages;
};

static int on_vma(const struct nm_vma *v, void *arg)
{
	struct placement *pl = arg;

	if (v->huge)
		return 0;
	for (int i = 0; i < v->nr_nodes; i++)
		if (v->nodes[i].node < pl->nr_nodes)
			pl->pages[v->nodes[i].node] += (unsigned long long)v->nodes[i].pages *
						       v->kernelpagesize_kb * 1024 / pl->page_bytes;
	return 0;
}

int job_read_placement(const struct nm_proc *p, unsigned long page_bytes, int nr_nodes,
		       unsigned long long *pages)
{
	struct placement pl = { page_bytes, nr_nodes, pages };
	struct nm_maps_result res;

	memset(pages, 0, (size_t)nr_nodes * sizeof(*pages));
	return nm_maps_read(p, NULL, on_vma, &pl, &res);
}

static void add_counts(struct nm_walk_counts *to, const struct nm_walk_counts *from)
{
	to->pages += from->pages;
	to->absent += from->absent;
	to->shared += from->shared;
	to->stay += from->stay;
	to->requested += from->requested;
	to->moved += from->moved;
	to->failed += from->failed;
	to->retried += from->retried;
	to->misplaced += from->misplaced;
	to->bytes_moved += from->bytes_moved;
	to->busy_ns += from->busy_ns;
	for (int i = 0; i < NM_MIG_NR_OUTCOMES; i++)
		to->failed_by[i] += from->failed_by[i];
	to->calls += from->calls;
}

/* Errors that concern the whole job, not one process: the target nodes
 * (ENODEV, a full node's ENOMEM), our own state (EINVAL, ENOMEM), or the
 * daemon stopping (ECANCELED). */
static bool job_wide(int err)
{
	return err == ENODEV || err == EINVAL || err == ENOMEM || err == ECANCELED;
}

/* Record ERR against process P. Returns ERR if it stops the job. */
static int proc_error(struct nm_job_plan *plan, size_t p, int err)
{
	struct nm_job_proc_info *info = &plan->procs[p].info;

	if (err == ESRCH) {
		info->state = NM_JOB_GONE;
		info->err = ESRCH;
		return 0;
	}
	if (job_wide(err)) {
		plan->totals.err = err;
		return err;
	}
	info->state = NM_JOB_FAILED;
	info->err = err;
	return 0;
}

static bool live(const struct nm_job_plan *plan, size_t p)
{
	const struct job_proc *jp = &plan->procs[p];

	return jp->handle && jp->info.state != NM_JOB_GONE && jp->info.state != NM_JOB_FAILED;
}

/* Walk [START, END) through process P with W, counting into C. Returns
 * the walker's 0 or -errno (see proc_error). */
static int walk_through(struct nm_job_plan *plan, struct nm_walk *w, const struct nm_job_request *q,
			size_t p, unsigned long start, unsigned long end, struct nm_walk_counts *c)
{
	struct job_proc *jp = &plan->procs[p];

	job_fill_map(plan, p, q->stage, (int *)w->map);
	w->proc = jp->handle;
	w->move_all = q->move_all;
	w->exclusive_only = q->exclusive_only;
	w->c = c;
	w->moved_from = jp->info.moved_from;
	nm_walk_range(w, start, end);
	return nm_walk_errno(w);
}

static size_t count_set(const unsigned char *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i];
	return k;
}

/* A shared file piece: through its process, then the pages that process
 * does not map through the job's other mappings of them, each page once.
 * Returns 0 or a job-wide -errno. */
static int walk_file(struct nm_job_plan *plan, struct nm_walk *w, size_t i)
{
	struct nm_job_request *q = &plan->reqs[i];
	size_t n = (q->end - q->start) / plan->page_bytes, left = n;
	unsigned char *missing = malloc(n ? n : 1), *want = malloc(n ? n : 1);
	int err = 0;

	if (!missing || !want) {
		free(missing);
		free(want);
		return -ENOMEM;
	}
	memset(missing, 1, n);
	if (live(plan, q->proc)) {
		int e;

		w->missing = missing;
		e = walk_through(plan, w, q, q->proc, q->start, q->end, &q->done);
		add_counts(&plan->procs[q->proc].info.done, &q->done);
		q->walked = true;
		q->err = -e;
		err = e ? -proc_error(plan, q->proc, -e) : 0;
		/* Stopped part way: the alternates look at every page (those
		 * it did move are found on their target and left alone). */
		if (e)
			memset(missing, 1, n);
		else
			left = count_set(missing, n);
	}
	for (size_t a = plan->alt_first[i]; a < plan->alt_first[i + 1] && left && !err; a++) {
		const struct job_alt *alt = &plan->alts[a];
		size_t first = (size_t)((alt->off0 - q->offset) / plan->page_bytes);
		size_t len = (size_t)((alt->off1 - alt->off0) / plan->page_bytes);
		struct nm_walk_counts c = { 0 };
		int e;

		if (!live(plan, alt->proc))
			continue;
		memcpy(want, missing + first, len);
		if (!count_set(want, len))
			continue;
		w->want = want;
		w->missing = missing + first;
		e = walk_through(plan, w, q, alt->proc, alt->vaddr,
				 alt->vaddr + len * plan->page_bytes, &c);
		w->want = NULL;
		q->walked = true;
		q->alt_walks++;
		plan->totals.alt_walks++;
		plan->totals.alt_pages += c.pages - c.absent;
		add_counts(&plan->procs[alt->proc].info.done, &c);
		/* Pages and absent pages are counted once for the piece, below. */
		c.pages = c.absent = 0;
		add_counts(&q->done, &c);
		err = e ? -proc_error(plan, alt->proc, -e) : 0;
		left = count_set(missing, n);
	}
	w->missing = NULL;
	q->done.pages = n;
	q->done.absent = left;
	free(missing);
	free(want);
	return err;
}

static int run_lazy(const struct nm_mig_sys *sys, struct nm_job_plan *plan, bool dry_run)
{
	struct nm_job_totals *t = &plan->totals;
	int *map = malloc((size_t)plan->nr_nodes * sizeof(*map));
	struct nm_walk w = { .sys = sys, .map = map, .nr_map = plan->nr_nodes,
			     .dry_run = dry_run, .batch = plan->batch,
			     .page_bytes = plan->page_bytes, .moved_to = t->moved_to,
			     .progress = plan->progress };
	int err = map ? nm_walk_init(&w) : -ENOMEM;

	for (size_t i = 0; i < plan->nreqs && !err; i++) {
		struct nm_job_request *q = &plan->reqs[i];
		struct job_proc *jp = &plan->procs[q->proc];
		bool done;

		if (q->kind == NM_JOB_REQ_FILE) {
			err = walk_file(plan, &w, i);
			done = q->walked && (!q->err || q->alt_walks);
		} else if (live(plan, q->proc)) {
			int e = walk_through(plan, &w, q, q->proc, q->start, q->end, &q->done);

			add_counts(&jp->info.done, &q->done);
			q->walked = true;
			q->err = -e;
			err = e ? -proc_error(plan, q->proc, -e) : 0;
			done = !e;
		} else {
			done = false;
		}
		add_counts(&t->done, &q->done);
		if (done)
			t->requests_done++;
		else if (!err && jp->info.state == NM_JOB_GONE)
			t->requests_lost++;
	}
	nm_walk_fini(&w);
	free(map);
	if (err == -ENOMEM && !t->err)
		t->err = ENOMEM;
	return err;
}

static bool has_memory_bit(const struct nm_job_plan *plan, int n)
{
	return (unsigned)n < plan->has_memory->size &&
	       numa_bitmask_isbitset(plan->has_memory, (unsigned)n);
}

/* Direct mode: migrate_pages() per process, per stage and pair. With TO
 * alone, one call per process: every node with memory that is not a
 * target, to the process's target. */
static int run_direct(const struct nm_mig_sys *sys, struct nm_job_plan *plan)
{
	struct nm_job_totals *t = &plan->totals;
	unsigned bits = (unsigned)plan->nr_nodes;
	struct bitmask *from, *to;
	int err = 0;

	if ((int)bits < numa_num_possible_nodes())
		bits = (unsigned)numa_num_possible_nodes();
	from = numa_bitmask_alloc(bits);
	to = numa_bitmask_alloc(bits);
	if (!from || !to)
		err = -ENOMEM;
	for (unsigned s = 0; s < plan->nstages && !err; s++) {
		for (size_t p = 0; p < plan->nprocs && !err; p++) {
			size_t npairs = plan->n_to ? 1 : plan->n_pairs;

			for (size_t k = 0; k < npairs && !err && live(plan, p); k++) {
				struct nm_mig_result res;

				numa_bitmask_clearall(from);
				numa_bitmask_clearall(to);
				if (plan->n_to) {
					int tgt = plan->procs[p].info.target;

					for (int n = 0; n < plan->nr_nodes; n++)
						if (has_memory_bit(plan, n) && !job_in_list(plan->to, plan->n_to, n))
							numa_bitmask_setbit(from, (unsigned)n);
					numa_bitmask_setbit(to, (unsigned)tgt);
				} else {
					if (plan->pairs[k].stage != s)
						continue;
					numa_bitmask_setbit(from, (unsigned)plan->pairs[k].from);
					numa_bitmask_setbit(to, (unsigned)plan->pairs[k].to);
				}
				if (nm_set_last(from) < 0)
					continue;
				nm_progress_pace(plan->progress);
				if (nm_progress_cancelled(plan->progress)) {
					err = -proc_error(plan, p, ECANCELED);
					break;
				}
				if (nm_mig_direct(sys, plan->procs[p].handle, from, to, 1, &res) < 0) {
					err = -ENOMEM;
					break;
				}
				t->direct_calls++;
				nm_progress_add(plan->progress, &res.c);
				plan->procs[p].info.done.calls++;
				t->direct_not_moved += res.c.failed_by[NM_MIG_EOTHER];
				if (res.stop == NM_MIG_GONE)
					err = -proc_error(plan, p, ESRCH);
				else if (res.stop == NM_MIG_ABORTED)
					err = -proc_error(plan, p, res.abort_errno);
				else if (res.stop == NM_MIG_STOPPED)
					err = -proc_error(plan, p, ECANCELED);
			}
		}
	}
	if (from)
		numa_bitmask_free(from);
	if (to)
		numa_bitmask_free(to);
	if (err == -ENOMEM && !t->err)
		t->err = ENOMEM;
	return err;
}

NM_API void nm_job_set_progress(struct nm_job_plan *plan, struct nm_progress *progress)
{
	plan->progress = progress;
}

NM_API int nm_job_execute(const struct nm_mig_sys *sys, struct nm_job_plan *plan, unsigned flags)
{
	struct nm_job_totals *t = &plan->totals;
	bool dry_run = flags & NM_JOB_DRY_RUN;
	int err;

	if (t->executed)
		return -EINVAL;
	t->executed = true;
	t->dry_run = dry_run;
	nm_progress_set_planned(plan->progress, t->planned_pages);
	if (plan->mode == NM_JOB_DIRECT && !dry_run)
		err = run_direct(sys, plan);
	else
		err = run_lazy(sys, plan, dry_run);
	for (size_t p = 0; p < plan->nprocs; p++) {
		struct job_proc *jp = &plan->procs[p];

		for (int n = 0; n < plan->nr_nodes; n++)
			t->moved_from[n] += jp->info.moved_from[n];
		if (!live(plan, p))
			continue;
		if (!err)
			jp->info.state = NM_JOB_DONE;
		if (dry_run)
			continue;
		/* Placement is proof: where the pages are now. */
		jp->info.after = calloc((size_t)plan->nr_nodes, sizeof(*jp->info.after));
		if (jp->info.after &&
		    job_read_placement(jp->handle, plan->page_bytes, plan->nr_nodes,
				       jp->info.after) == -ESRCH) {
			free(jp->info.after);
			jp->info.after = NULL;
		}
	}
	for (size_t p = 0; p < plan->nprocs; p++) {
		t->procs_gone += plan->procs[p].info.state == NM_JOB_GONE &&
				 plan->procs[p].handle; /* gone since planning */
		t->procs_failed += plan->procs[p].info.state == NM_JOB_FAILED;
	}
	return err;
}

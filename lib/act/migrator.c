/* migrator: the daemon's moves, lazy and direct. See numamig/migrator.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/migrator.h"
#include "walk.h"

struct order {
	size_t vma;
	unsigned long misplaced;
};

static int by_misplaced_desc(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	return x->misplaced < y->misplaced ? 1 : x->misplaced > y->misplaced ? -1 : 0;
}

/* Most misplaced VMAs first: the biggest locality gain per byte of budget. */
static struct order *plan_order(const struct nm_mig_request *req, size_t *n)
{
	const struct nm_footprint *fp = req->fp;
	struct order *o = malloc(sizeof(*o) * (fp->tab.n_vmas ? fp->tab.n_vmas : 1));

	*n = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < fp->tab.n_vmas; i++) {
		unsigned long off = fp->tab.vmas[i].pages -
			nm_vmatab_pages_on(&fp->tab, &fp->tab.vmas[i], req->target);

		if (off && fp->tab.vmas[i].page_kb)
			o[(*n)++] = (struct order){ i, off };
	}
	qsort(o, *n, sizeof(*o), by_misplaced_desc);
	return o;
}

/* Where a page on each node goes: to the target from a source node,
 * nowhere from any other. */
static int *node_map(const struct nm_mig_request *req)
{
	int *map = malloc(NM_MAPS_MAX_NODES * sizeof(*map));

	for (int n = 0; map && n < NM_MAPS_MAX_NODES; n++) {
		bool src = !req->sources || ((unsigned)n < req->sources->size &&
					     numa_bitmask_isbitset(req->sources, (unsigned)n));

		map[n] = src && n != req->target ? req->target : -1;
	}
	return map;
}

/* The first eligible VMA that ends after ADDR (the table is in address
 * order), or n_vmas. */
static size_t vma_after(const struct nm_vmatab *t, unsigned long addr)
{
	size_t lo = 0, hi = t->n_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The parts of [START, END) inside FP's eligible VMAs (all of it when FP
 * is NULL), each with its VMA's page size. */
static void walk_clipped(struct nm_walk *w, const struct nm_footprint *fp, unsigned long start,
			 unsigned long end)
{
	const struct nm_vmatab *t = fp ? &fp->tab : NULL;

	if (!t) {
		nm_walk_range(w, start, end);
		return;
	}
	for (size_t i = vma_after(t, start); i < t->n_vmas && !w->stop; i++) {
		const struct nm_map_vma *v = &t->vmas[i];

		if (v->start >= end)
			break;
		if (!v->page_kb)
			continue;
		w->page_bytes = v->page_kb * 1024;
		nm_walk_range(w, v->start > start ? v->start : start, v->end < end ? v->end : end);
	}
}

/* One region: every node but the target (of the sources) maps to it. */
static void walk_region(struct nm_walk *w, const struct nm_mig_request *req, int *map,
			const struct nm_mig_region *rg)
{
	for (int n = 0; n < req->nr_nodes; n++) {
		bool src = !req->sources || ((unsigned)n < req->sources->size &&
					     numa_bitmask_isbitset(req->sources, (unsigned)n));

		map[n] = src && n != rg->target ? rg->target : -1;
	}
	walk_clipped(w, req->fp, rg->start, rg->end);
}

/* Regions carry batches from one to the next (a process's regions are
 * often one 2 MiB region per thread's slice: a call each cost as much as
 * their pages), so each region counts what moved in an array of its own,
 * summed into RES at the end. */
static int mig_regions(const struct nm_mig_sys *sys, const struct nm_mig_request *req,
		       struct nm_mig_result *res)
{
	size_t nn = req->nr_nodes > 0 && req->nr_nodes <= NM_MAPS_MAX_NODES ?
		(size_t)req->nr_nodes : 0;
	int *map = nn ? malloc(nn * sizeof(*map)) : NULL;
	unsigned long long *from = nn ? calloc(req->n_regions * nn + 1, sizeof(*from)) : NULL;
	struct nm_walk w = { .sys = sys, .proc = req->proc, .map = map, .nr_map = req->nr_nodes,
			     .move_all = req->max_mapcount > 1,
			     .exclusive_only = req->max_mapcount <= 1, .tuner = req->tuner,
			     .max_bytes = req->max_bytes, .carry = true, .c = &res->c };
	int r = !nn ? -EINVAL : !map || !from || nm_walk_init(&w) < 0 ? -ENOMEM : 0;

	for (size_t i = 0; i < req->n_regions && !r && !w.stop; i++) {
		w.moved_from = from + i * nn;
		walk_region(&w, req, map, &req->regions[i]);
	}
	if (!r)
		nm_walk_flush(&w);
	for (size_t i = 0; i < req->n_regions && !r; i++) {
		struct nm_mig_region *rg = &req->regions[i];

		for (size_t n = 0; n < nn; n++)
			res->moved_from[n] += from[i * nn + n];
		if (rg->moved_from)
			memcpy(rg->moved_from, from + i * nn, nn * sizeof(*from));
	}
	res->stop = w.stop;
	res->abort_errno = w.abort_errno;
	nm_walk_fini(&w);
	free(from);
	free(map);
	return r;
}

int nm_mig_lazy(const struct nm_mig_sys *sys, const struct nm_mig_request *req,
		struct nm_mig_result *res)
{
	int *map;
	/* carry: the VMAs of a process are mostly small (stack, heap, the
	 * data of each library); a call each cost more than their pages. */
	struct nm_walk w = { .sys = sys, .proc = req->proc, .nr_map = NM_MAPS_MAX_NODES,
			     .move_all = req->max_mapcount > 1,
			     .exclusive_only = req->max_mapcount <= 1, .tuner = req->tuner,
			     .max_bytes = req->max_bytes, .carry = true, .c = &res->c,
			     .moved_from = res->moved_from };
	struct order *order = NULL;
	size_t n = 0;

	memset(res, 0, sizeof(*res));
	if (req->regions)
		return mig_regions(sys, req, res);
	w.map = map = node_map(req);
	if (!map || nm_walk_init(&w) < 0 || !(order = plan_order(req, &n))) {
		nm_walk_fini(&w);
		free(map);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !w.stop; i++) {
		const struct nm_map_vma *v = &req->fp->tab.vmas[order[i].vma];

		w.page_bytes = v->page_kb * 1024;
		nm_walk_range(&w, v->start, v->end);
	}
	nm_walk_flush(&w);
	res->stop = w.stop;
	res->abort_errno = w.abort_errno;
	free(order);
	nm_walk_fini(&w);
	free(map);
	return 0;
}

int nm_mig_placement(const struct nm_mig_sys *sys, const struct nm_mig_request *req,
		     struct nm_mig_span *spans, size_t n)
{
	/* No map: nothing is misplaced, so the walk only asks where pages are. */
	struct nm_walk w = { .sys = sys, .proc = req->proc, .nr_map = req->nr_nodes,
			     .exclusive_only = req->max_mapcount <= 1, .dry_run = true };
	int err = 0;

	if (req->nr_nodes <= 0)
		return -EINVAL;
	if (nm_walk_init(&w) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct nm_mig_span *s = &spans[i];

		memset(&s->c, 0, sizeof(s->c));
		memset(s->on_node, 0, (size_t)req->nr_nodes * sizeof(*s->on_node));
		w.c = &s->c;
		w.on_node = s->on_node;
		/* Gone or stopping: so are the rest. */
		if (err != -ESRCH && err != -ECANCELED) {
			walk_clipped(&w, req->fp, s->start, s->end);
			err = nm_walk_errno(&w);
		}
		s->err = err;
	}
	nm_walk_fini(&w);
	return 0;
}

/* One call moves everything (the kernel orders overlapping moves), so a
 * stop is seen before it, between the processes of a job, not inside. */
int nm_mig_direct(const struct nm_mig_sys *sys, const struct nm_proc *proc,
		  const struct bitmask *from, const struct bitmask *to, unsigned max_mapcount,
		  struct nm_mig_result *res)
{
	long left;

	memset(res, 0, sizeof(*res));
	if (nm_mig_stopping()) {
		res->stop = NM_MIG_STOPPED;
		return 0;
	}
	if (!sys->alive(sys->ctx, proc)) {
		res->stop = NM_MIG_GONE;
		return 0;
	}
	/* maxnode as numa_migrate_pages() passes it: the mask size plus one. */
	left = sys->migrate_pages(sys->ctx, proc->pid, from->size + 1, from->maskp, to->maskp,
				  max_mapcount > 1);
	res->c.calls = 1;
	if (left < 0) {
		res->stop = (enum nm_mig_stop)nm_mig_failed(sys, proc, errno, &res->abort_errno);
	} else {
		res->c.failed_by[NM_MIG_EOTHER] = res->c.failed = (unsigned long long)left;
		res->stop = sys->alive(sys->ctx, proc) ? NM_MIG_DONE : NM_MIG_GONE;
	}
	return 0;
}

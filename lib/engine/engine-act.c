/* engine-act: the "act" and "account" stages of the engine: hand a
 * decision to the migrator's worker (with the source nodes it takes: not
 * those tiering leaves to the regions), and count what came back. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "numamig/set.h"

/* A migration as the engine hands it to the worker: the worker's part
 * first, so the pointer the worker hands back is also this. */
struct engine_work {
	struct nm_mig_work base;
	struct bitmask *sources;
	const struct nm_config *config; /* the config the budget belongs to */
	struct nm_plan_budget *budget;
	uint64_t reserved;              /* bytes the planner debited */
	struct nm_tuner tuner;          /* the task's, learnt on and handed back:
	                                   a task's items may run side by side */
	unsigned long long *from;       /* a region item's [n_regions][nr_nodes] */
	struct nm_region_plan **plans;  /* and its regions' plans: they stay put
	                                   while the task is busy (not planned);
	                                   NULL for a demotion's chunks */
	int demote_from;                /* a demotion: the node it relieves; -1 */
	uint64_t demote_bytes;          /* what it counts in e->demoting */
};

static void work_free(struct engine_work *j)
{
	free(j->base.req.regions);
	free(j->from);
	free(j->plans);
	if (j->sources)
		numa_bitmask_free(j->sources);
	if (j->base.from)
		numa_bitmask_free(j->base.from);
	if (j->base.to)
		numa_bitmask_free(j->base.to);
	free(j);
}

bool engine_hot_only(const struct nm_engine *e, const struct nm_task *t, int n)
{
	return t->id.policy->promote == NM_PROMOTE_HOT &&
	       !numa_bitmask_isbitset(e->topo->has_cpu, (unsigned)n);
}

bool engine_has_tiered(const struct nm_engine *e, const struct nm_task *t)
{
	for (int n = 0; n < t->fp.eligible.nr_nodes && n < e->nr_nodes; n++)
		if (t->fp.eligible.kb[n] && engine_hot_only(e, t, n))
			return true;
	return false;
}

/* The decision's source nodes: wherever eligible pages sit off target,
 * but for those left to the regions (tiering). */
static struct bitmask *sources_of(struct nm_engine *e, const struct nm_task *t, int target)
{
	struct bitmask *m = numa_bitmask_alloc((unsigned)e->nr_nodes);

	if (!m)
		return NULL;
	for (int n = 0; n < t->fp.eligible.nr_nodes && n < e->nr_nodes; n++)
		if (n != target && t->fp.eligible.kb[n] && !engine_hot_only(e, t, n))
			numa_bitmask_setbit(m, (unsigned)n);
	return m;
}

static int fill_direct(struct nm_engine *e, struct engine_work *j, int target)
{
	j->base.direct = true;
	j->base.from = numa_bitmask_alloc((unsigned)e->nr_nodes);
	j->base.to = numa_bitmask_alloc((unsigned)e->nr_nodes);
	if (!j->base.from || !j->base.to)
		return -ENOMEM;
	for (int n = nm_set_next(j->sources, 0); n >= 0; n = nm_set_next(j->sources, n + 1))
		numa_bitmask_setbit(j->base.from, (unsigned)n);
	numa_bitmask_setbit(j->base.to, (unsigned)target);
	return 0;
}

/* Queue J, T's, which took BYTES of BUDGET. */
static void hand_over(struct nm_engine *e, struct nm_task *t, struct engine_work *j,
		      struct nm_plan_budget *budget, uint64_t bytes)
{
	j->tuner = t->tuner;
	j->base.req.tuner = &j->tuner;
	j->base.owner = t;
	j->config = e->config;
	j->budget = budget;
	j->reserved = bytes;
	t->busy++;
	nm_migq_submit(e->migq, &j->base);
}

void engine_submit(struct nm_engine *e, struct nm_task *t, struct nm_plan_budget *budget)
{
	const struct nm_plan_decision *d = &t->last;
	struct engine_work *j = calloc(1, sizeof(*j));

	if (j) {
		j->demote_from = -1;
		j->sources = sources_of(e, t, d->target);
	}
	if (!j || !j->sources || (d->direct && fill_direct(e, j, d->target) < 0)) {
		if (j)
			work_free(j);
		nm_plan_budget_refund(budget, d->bytes);
		return;
	}
	j->base.req = (struct nm_mig_request){
		.proc = t->id.proc, .fp = &t->fp, .target = d->target, .sources = j->sources,
		.max_mapcount = t->id.policy->max_mapcount, .max_bytes = d->bytes,
	};
	hand_over(e, t, j, budget, d->bytes);
}

void engine_moves_reset(struct nm_engine *e)
{
	e->n_moves = 0;
	memset(e->moves_to, 0, (size_t)e->nr_nodes * sizeof(*e->moves_to));
}

int engine_moves_add(struct nm_engine *e, unsigned long start, unsigned long end, int target,
		     struct nm_region_plan *p)
{
	if (e->n_moves == e->cap_moves) {
		size_t cap = e->cap_moves ? 2 * e->cap_moves : 16;
		struct nm_mig_region *v = realloc(e->moves, cap * sizeof(*v));
		struct nm_region_plan **pv = v ? realloc(e->move_plans, cap * sizeof(*pv)) : NULL;

		if (v)
			e->moves = v;
		if (!pv)
			return -ENOMEM;
		e->move_plans = pv;
		e->cap_moves = cap;
	}
	e->move_plans[e->n_moves] = p;
	e->moves[e->n_moves++] = (struct nm_mig_region){ .start = start, .end = end,
							 .target = target };
	return 0;
}

void engine_region_move(struct nm_engine *e, unsigned long start, unsigned long end,
			struct nm_region_plan *p, struct nm_plan_budget *budget)
{
	int dst = p->last.target;

	if (dst < 0 || dst >= e->nr_nodes || engine_moves_add(e, start, end, dst, p) < 0) {
		nm_plan_budget_refund(budget, p->last.bytes);
		return;
	}
	e->moves_to[dst] += p->last.bytes;
	/* The next region's headroom gate sees what this one takes. */
	e->headroom[dst] -= (int64_t)p->last.bytes;
	e->counters.region_moves++;
}

/* T's moves in e->moves to node TO, if any, as one item. */
static void submit_to(struct nm_engine *e, struct nm_task *t, struct nm_plan_budget *budget,
		      int demote_from, int to)
{
	struct engine_work *j;
	uint64_t bytes = e->moves_to[to];
	size_t n = 0, k = 0;

	for (size_t i = 0; i < e->n_moves; i++)
		n += e->moves[i].target == to;
	if (!n)
		return;
	j = calloc(1, sizeof(*j));
	if (j) {
		j->base.req.regions = malloc(n * sizeof(*j->base.req.regions));
		j->from = calloc(n * (size_t)e->nr_nodes, sizeof(*j->from));
		j->plans = malloc(n * sizeof(*j->plans));
		j->demote_from = demote_from;
		if (demote_from >= 0) {
			j->sources = numa_bitmask_alloc((unsigned)e->nr_nodes);
			if (j->sources)
				numa_bitmask_setbit(j->sources, (unsigned)demote_from);
		}
	}
	if (!j || !j->base.req.regions || !j->from || !j->plans ||
	    (demote_from >= 0 && !j->sources)) {
		if (j)
			work_free(j);
		nm_plan_budget_refund(budget, bytes);
		return;
	}
	for (size_t i = 0; i < e->n_moves; i++) {
		if (e->moves[i].target != to)
			continue;
		j->base.req.regions[k] = e->moves[i];
		j->base.req.regions[k].moved_from = j->from + k * (size_t)e->nr_nodes;
		j->plans[k++] = e->move_plans[i];
	}
	j->base.req.proc = t->id.proc;
	j->base.req.fp = &t->fp;
	/* Not pinned to TO's CPUs (migq.c): the process's threads that
	 * write these regions run there, and a worker pinned there takes
	 * their CPU while the kernel still shoots down the TLBs of the
	 * threads on the other nodes (in a 2-node 6.1 guest the move ran at
	 * 323 pages/s pinned, 1,900-2,700 not). */
	j->base.req.target = -1;
	j->base.req.max_mapcount = t->id.policy->max_mapcount;
	j->base.req.max_bytes = bytes;
	j->base.req.n_regions = n;
	j->base.req.nr_nodes = e->nr_nodes;
	j->base.req.sources = j->sources;
	if (demote_from >= 0) {
		j->demote_bytes = bytes;
		e->demoting[demote_from] += bytes;
	}
	hand_over(e, t, j, budget, bytes);
}

/* One item per target node, on workers of their own (numamig/migq.h): a
 * process whose regions go to several nodes has them moved side by side,
 * not one node after the other on one worker (in a 4-node 6.12 guest, 3
 * nodes' 16 MiB each reached 90 % locality 2 s sooner). The items hold
 * disjoint regions. */
void engine_submit_regions(struct nm_engine *e, struct nm_task *t, struct nm_plan_budget *budget,
			   int demote_from)
{
	for (int to = 0; to < e->nr_nodes; to++)
		submit_to(e, t, budget, demote_from, to);
}

/* PAGES moved from SRC to DST: a promotion (+1) or a demotion (-1) when
 * they are in different tiers (a node with CPUs, a memory-only node). */
static int count_move(struct nm_engine *e, int src, int dst, uint64_t pages)
{
	bool from_cpu = numa_bitmask_isbitset(e->topo->has_cpu, (unsigned)src);
	bool to_cpu = numa_bitmask_isbitset(e->topo->has_cpu, (unsigned)dst);

	e->counters.moved[src * e->nr_nodes + dst] += pages;
	if (!from_cpu && to_cpu)
		e->counters.promoted_pages += pages;
	else if (from_cpu && !to_cpu)
		e->counters.demoted_pages += pages;
	return from_cpu == to_cpu ? 0 : to_cpu ? 1 : -1;
}

/* PAGES of T's region at START moved between tiers (DIR) at NOW_MS: a
 * ping-pong when the region moved the other way within cold_after. */
static void log_tier_move(struct nm_engine *e, struct nm_task *t, unsigned long start, int dir,
			  uint64_t pages, uint64_t now_ms)
{
	const struct nm_policy *pol = t->id.policy;

	if (!pol || nm_tier_log_move(&t->tier.log, start & ~(unsigned long)(pol->region_bytes - 1),
				     dir, now_ms, pol->cold_after_ms) <= 0)
		return;
	t->tier.pingpong_pages += pages;
	e->counters.pingpong_pages += pages;
}

/* A region item: each region's pages to its own target; its plan reads
 * placement again. */
static void account_regions(struct nm_engine *e, struct nm_task *t, const struct engine_work *j,
			    uint64_t now_ms)
{
	const struct nm_mig_work *w = &j->base;
	int nn = e->nr_nodes;

	for (size_t i = 0; i < w->req.n_regions; i++) {
		const struct nm_mig_region *rg = &w->req.regions[i];
		struct nm_region_plan *p = j->plans[i];
		uint64_t moved = 0, tiered = 0;
		int dir = 0;

		for (int src = 0; src < nn && rg->target >= 0 && rg->target < nn; src++) {
			int d = count_move(e, src, rg->target, rg->moved_from[src]);

			moved += rg->moved_from[src];
			if (d && rg->moved_from[src]) {
				tiered += rg->moved_from[src];
				dir = d;
			}
		}
		if (tiered)
			log_tier_move(e, t, rg->start, dir, tiered, now_ms);
		if (j->demote_from >= 0) {
			t->tier.pages_demoted += moved;
			continue;
		}
		e->counters.region_pages_moved += moved;
		if (t->rg)
			t->rg->pages_moved += moved;
		p->pages_moved += moved;
		p->placed_window = 0;
	}
}

static void account(struct nm_engine *e, const struct nm_mig_work *work)
{
	const struct nm_mig_result *res = &work->res;
	struct nm_counters *c = &e->counters;
	int dst = work->req.target;

	c->migrations++;
	c->mig_ns += res->c.busy_ns;
	c->stops[res->stop]++;
	if (res->stop == NM_MIG_ABORTED && res->abort_errno > 0 && res->abort_errno <= NM_ERRNO_MAX)
		c->aborts[res->abort_errno]++;
	c->outcomes[NM_MIG_MOVED] += res->c.moved;
	for (int i = 1; i < NM_MIG_NR_OUTCOMES; i++)
		c->outcomes[i] += res->c.failed_by[i];
	for (int src = 0; src < e->nr_nodes && dst >= 0 && dst < e->nr_nodes; src++)
		count_move(e, src, dst, res->moved_from[src]);
}

/* EPERM (a security module, ptrace rules) or pages all refused with EACCES
 * (shared, without CAP_SYS_NICE) will fail the same way next tick: back
 * off exponentially, from one tick up to five minutes. A batch that moved
 * pages ends the backoff. */
#define REFUSED_MAX_MS (300u * 1000)

static void note_refusal(struct nm_engine *e, struct nm_task *t, const struct nm_mig_result *r,
			 uint64_t now_ms)
{
	bool refused = (r->stop == NM_MIG_ABORTED &&
			(r->abort_errno == EPERM || r->abort_errno == EACCES)) ||
		       (r->c.failed_by[NM_MIG_EACCES] && !r->c.moved);

	if (!refused) {
		if (r->c.moved)
			t->refused_wait_ms = 0;
		return;
	}
	e->counters.refusals++;
	t->refused_wait_ms = nm_backoff_next(t->refused_wait_ms, e->config->interval_ms,
					     REFUSED_MAX_MS);
	t->refused_until_ms = now_ms + t->refused_wait_ms;
}

void nm_engine_reap(struct nm_engine *e, uint64_t now_ms)
{
	struct nm_mig_work *list = nm_migq_done(e->migq);

	e->counters.priority_errors = nm_migq_priority_errors(e->migq, &e->counters.priority_errno);
	while (list) {
		struct nm_mig_work *next = list->next;
		struct engine_work *j;
		struct nm_task *t;

		if (list->run) {
			/* A custom item is not a struct engine_work: its owner answers. */
			list->done(list);
			list = next;
			continue;
		}
		j = (struct engine_work *)list;
		t = j->base.owner;
		list = next;
		account(e, &j->base);
		if (j->base.req.regions) {
			account_regions(e, t, j, now_ms);
			t->regions_moved = true;
		}
		if (t->rg && j->demote_from >= 0 && j->base.res.c.moved)
			engine_window_moved(e, t->rg, j->base.req.regions, j->base.req.n_regions);
		if (j->demote_from >= 0) {
			e->demoting[j->demote_from] -= j->demote_bytes;
			e->tier_settle_ms[j->demote_from] = now_ms + NM_TIER_SETTLE_MS;
			/* Cold chunks whose pages would not move (shared, pinned,
			 * the zero page): not every two seconds again. */
			if (!j->base.res.c.moved && t->id.policy)
				t->tier.retry_ms = now_ms + t->id.policy->cold_after_ms;
		}
		if (e->on_reap)
			e->on_reap(t, &j->base, e->on_reap_arg);
		/* Give back what the planner reserved but the worker did not move
		 * (direct mode cannot tell, and keeps its debit). */
		if (!j->base.direct && j->config == e->config && j->reserved > j->base.res.c.bytes_moved)
			nm_plan_budget_refund(j->budget, j->reserved - j->base.res.c.bytes_moved);
		t->busy--;
		t->tuner = j->tuner;
		t->pages_moved += j->base.res.c.moved;
		t->fp_stale = true; /* re-read placement next tick */
		if (e->config)
			note_refusal(e, t, &j->base.res, now_ms);
		if (j->base.res.stop == NM_MIG_GONE || j->base.err == -ECANCELED)
			t->id.doomed = true;
		work_free(j);
	}
	nm_track_sweep(&e->tracker);
}

void nm_engine_run(struct nm_engine *e, struct nm_mig_work *work)
{
	work->err = 0;
	work->owner = NULL;
	nm_migq_submit(e->migq, work);
}

void nm_engine_on_reap(struct nm_engine *e, nm_engine_reap_fn fn, void *arg)
{
	e->on_reap = fn;
	e->on_reap_arg = arg;
}

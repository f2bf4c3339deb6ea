/* engine-regions: memory that follows the threads. For a process whose
 * threads run on several nodes, read where each region written in its
 * windows (engine-windows.c) has its pages, plan each region as a task of
 * its own and hand the moves to the worker. See numamig/regions.h and
 * numamig/access.h.
 *
 * Cost, bounded: a placement read is a pagemap read and a move_pages()
 * query of one region, at most QUERIES_PER_TICK a tick, all in one walk. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "base/array.h"

/* ---- the region plans, by start ---- */

static struct nm_region_plan *plan_find(struct nm_regions *rg, unsigned long key)
{
	size_t k = nm_regions_plan_lower(rg, key);

	return k < rg->n && rg->v[k].start == key ? &rg->v[k] : NULL;
}

/* The plan keyed START, made if need be; NULL: out of memory. */
static struct nm_region_plan *plan_get(struct nm_regions *rg, unsigned long start, int nr_nodes)
{
	struct nm_region_plan *p = plan_find(rg, start);
	size_t i;
	uint64_t *pages;

	if (p)
		return p;
	i = nm_regions_plan_lower(rg, start);
	if (rg->n == rg->cap) {
		size_t cap = rg->cap ? 2 * rg->cap : 64;
		struct nm_region_plan *v = realloc(rg->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		rg->v = v;
		rg->cap = cap;
	}
	pages = calloc((size_t)nr_nodes, sizeof(*pages));
	if (!pages)
		return NULL;
	memmove(&rg->v[i + 1], &rg->v[i], (rg->n - i) * sizeof(*rg->v));
	rg->n++;
	rg->v[i] = (struct nm_region_plan){ .start = start, .pages = pages };
	return &rg->v[i];
}

/* The plan of writer node N's part of region START: keyed inside the
 * region, where no other plan's start falls. */
static unsigned long split_key(unsigned long start, int n)
{
	return start + 1 + (unsigned long)n;
}

/* ---- planning ---- */

/* The part of region S that is placed and moves as one: the pages from its
 * first accessed page to its last. A region may hold two mappings, or one
 * that the kernel merged from two (a thread's stack right below a buffer
 * has the same flags as the buffer); pages outside that span were never
 * seen accessed (a buffer only read), and stay where they are. */
static void region_span(const struct nm_access *a, const struct nm_access_region *s,
			unsigned long *start, unsigned long *end)
{
	*start = s->start;
	*end = s->start + nm_access_region_bytes(a);
	if (s->lo >= s->hi)
		return;
	*start = s->start + ((unsigned long)s->lo << a->o.page_shift);
	*end = s->start + ((unsigned long)s->hi << a->o.page_shift);
}

/* One thing a plan of all regions plans: region S of the store whole
 * (NODE -1), or writer NODE's part of it; [START, END) under the plan
 * keyed KEY. */
struct region_part {
	size_t s;
	unsigned long key, start, end;
	int node;
	struct nm_region_plan *p;       /* set once every plan exists */
	bool known;                     /* its pages were read, now or before */
};

/* Whether what P read of [START, END) of S still holds: a span is read
 * once per window S is written in (WIN, the window planned on), again
 * after a move (placed_window 0), and when the span changed (a set next to
 * the one written before it, in the same region, is written now: its
 * pages were not in the span read). placed_window is the store window of
 * the read, plus one. */
static bool still_placed(const struct nm_region_plan *p, const struct nm_access_region *s,
			 uint64_t win, unsigned long start, unsigned long end)
{
	return p->placed_window && start == p->placed_start && end == p->placed_end &&
	       (s->last_window < win || p->placed_window > win);
}

/* Read where the pages of the N parts V of T are, those that need it, at
 * most QUERIES_PER_TICK, in one walk; each part is known if read now or
 * before (an older read stands in when the tick's reads are spent or
 * this one failed). */
static void read_placements(struct nm_engine *e, struct nm_task *t, struct region_part *v,
			    size_t nv, uint64_t now_ms)
{
	const struct nm_access *a = &t->rg->store;
	uint64_t win = nm_regions_planned_window(t->rg, now_ms);
	struct nm_mig_request req = { .proc = t->id.proc, .fp = &t->fp,
				      .max_mapcount = t->id.policy->max_mapcount,
				      .nr_nodes = e->nr_nodes };
	size_t k = 0, ix[QUERIES_PER_TICK];

	for (size_t i = 0; i < nv; i++) {
		struct region_part *q = &v[i];

		q->known = q->p->placed_window != 0;
		if (still_placed(q->p, &a->regions[q->s], win, q->start, q->end) ||
		    k == QUERIES_PER_TICK)
			continue;
		e->spans[k] = (struct nm_mig_span){ .start = q->start, .end = q->end,
						    .on_node = e->region_on + k * (size_t)e->nr_nodes };
		ix[k++] = i;
	}
	if (!k || nm_mig_placement(&nm_mig_kernel, &req, e->spans, k) < 0)
		return;
	for (size_t j = 0; j < k; j++) {
		struct region_part *q = &v[ix[j]];
		struct nm_region_plan *p = q->p;

		if (e->spans[j].err < 0)
			continue;
		for (int n = 0; n < e->nr_nodes; n++)
			p->pages[n] = e->spans[j].on_node[n];
		p->placed_window = a->window + 1;
		p->placed_start = q->start;
		p->placed_end = q->end;
		p->placement_seq++;
		q->known = true;
		t->rg->queries++;
		e->counters.region_queries++;
	}
}

/* Intervals a region that moved is watched with a clear each: long enough
 * to see writers that change nodes every few seconds move on. */
#define WATCH_INTERVALS 4

/* shared: spread. A region written from several nodes, none dominant,
 * gets one of the allowed writers as its home, by its index in the address
 * space: consecutive regions of a buffer alternate between the writers, so
 * the buffer ends evenly spread, and a region keeps its node as long as the
 * writers stay the same. The writers are the region's own, or with PROC
 * (the process's CPU time per node, when its written memory is shared: one
 * region's counts then only say who came first) the nodes its threads run
 * on. The counts
 * then say that node, so the planner's gates (dwell, hysteresis, backoff,
 * min_gain, rate) apply as to any move. */
static void spread(const struct nm_policy *pol, const struct nm_plan_input *in,
		   unsigned long index, const float *proc, float *counts)
{
	float total = 0, max = 0;
	int writers[NM_MAPS_MAX_NODES], nw;

	for (int n = 0; n < in->nr_nodes; n++) {
		total += counts[n];
		max = counts[n] > max ? counts[n] : max;
	}
	if (total <= 0 || (!proc && max * 100 >= total * (float)pol->dominance_pct))
		return; /* unwritten, or one node is dominant and its own */
	nw = nm_plan_region_writers(in, proc ? proc : counts, NM_PLAN_WRITER_PCT, writers);
	if (nw < 2)
		return;
	for (int n = 0; n < in->nr_nodes; n++)
		counts[n] = 0;
	counts[writers[index % (unsigned long)nw]] = total;
}

/* shared: stay, for a process whose written memory is shared: no node is
 * a region's home, however its counts lean (the first writer after a clear
 * takes a whole page, so a faster thread looks dominant). */
static void no_home(const struct nm_plan_input *in, float *counts)
{
	float total = 0;

	for (int n = 0; n < in->nr_nodes; n++)
		total += counts[n];
	for (int n = 0; n < in->nr_nodes; n++)
		counts[n] = total / (float)in->nr_nodes;
}

/* P's pages off its dominant node (0 without one). */
static uint64_t off_dominant(const struct nm_region_plan *p, int nr_nodes)
{
	uint64_t off = 0;

	for (int n = 0; p->plan.has_dom && n < nr_nodes; n++)
		off += n == p->plan.dom ? 0 : p->pages[n];
	return off;
}

/* Whether P keeps its process's clears one interval apart. Placement is
 * still changing where a region worth a call is about to move (a region
 * still to be decided is planned only on fresh writes), unless it moves
 * whole at this tick and the process's threads are STILL
 * (threads_still). A thread's stack or a few heap pages swapping nodes
 * with the thread that writes them must not keep the whole process at one
 * clear per interval, and neither must a region whose home proved
 * unstable (its dwell backed off): writers that keep changing nodes would
 * otherwise keep every page faulting once a second while nothing moves.
 * And a region that moved a call's worth is watched for a few intervals:
 * that is when a home that does not hold (writers that move on) shows,
 * and backs its dwell off before the cooldown ends. Windows backing off at once would see it once or not at
 * all; watching the whole cooldown would cost a clear a second for every
 * region that stays. Not while its writers stay where they ran when it
 * moved (its one writer thread on the node it moved to; with several, as
 * at a slice boundary inside a region, every thread of the process): the
 * sampler sees where each thread runs at every tick, at no cost, and a
 * clear would only confirm it, for a fault on every page the process
 * writes. A region another thread takes over shows at the next window,
 * which the gap puts off by 2 s. */
static bool watched(const struct nm_engine *e, const struct nm_task *t,
		    const struct nm_access_region *s, const struct nm_region_plan *p,
		    const struct nm_policy *pol, const struct nm_plan_input *in, bool still)
{
	const struct nm_plan_state *st = &p->plan;
	const struct nm_regions *rg = t->rg;
	bool moving = st->phase == NM_PLAN_MIGRATING ||
		      ((st->phase == NM_PLAN_CANDIDATE || st->phase == NM_PLAN_STABLE) &&
		       !st->backoff);
	bool stayed;

	/* Moved whole at this tick: nothing is left to plan on fresh writes. */
	if (still && p->last.action == NM_PLAN_MIGRATE && !p->last.partial)
		return false;
	if (moving)
		return off_dominant(p, in->nr_nodes) >= pol->batch_min;
	if (st->phase != NM_PLAN_COOLDOWN ||
	    st->last_bytes < (uint64_t)pol->batch_min * in->page_size ||
	    in->now_ms >= st->last_action_ms + WATCH_INTERVALS * e->config->interval_ms)
		return false;
	stayed = s->owner > 0 ?
		 nm_plan_thread_stayed(rg->thr, rg->n_thr, s->owner, st->home, st->last_action_ms) :
		 nm_plan_threads_stayed(rg->thr, rg->n_thr, st->last_action_ms);
	return !(st->has_home && stayed);
}

/* Whether region S of T, whose threads have no common home, is written by
 * one thread that keeps changing nodes: it stays where it is
 * (nm_thread_hist). */
static bool writer_unstable(const struct nm_task *t, const struct nm_access_region *s,
			    const struct nm_policy *pol, const struct nm_plan_input *in)
{
	return t->last.home < 0 && s->owner > 0 &&
	       nm_plan_thread_unstable(t->rg->thr, t->rg->n_thr, s->owner, in->now_ms,
				       pol->hysteresis_ms);
}

struct plan_all {
	struct nm_engine *e;
	struct nm_task *t;
	const struct nm_plan_input *in;
	const struct nm_policy *pol;
	struct nm_plan_budget *budget;
	struct nm_plan_region pr;
	int shared;
	bool unsettled;
	bool still;             /* threads_still() */
	uint64_t hot, fast, local;
};

/* The pages of part Q (plan P) on a node that writes it: its writer's,
 * for a writer's part of a split region, else those on any writer of
 * the region (NM_PLAN_WRITER_PCT of COUNTS, its writes per node). */
static uint64_t local_pages(const struct nm_plan_input *in, const struct region_part *q,
			    const struct nm_region_plan *p, const float *counts)
{
	int w[NM_MAPS_MAX_NODES], nw;
	uint64_t local = 0;

	if (q->node >= 0)
		return p->pages[q->node];
	nw = nm_plan_region_writers(in, counts, NM_PLAN_WRITER_PCT, w);
	for (int i = 0; i < nw; i++)
		local += p->pages[w[i]];
	return local;
}

/* Plan part Q: its node's writes only (a part of a split region), or all
 * of the region's (node -1). */
static void plan_part(struct plan_all *c, const struct region_part *q)
{
	struct nm_engine *e = c->e;
	const struct nm_access *a = &c->t->rg->store;
	const struct nm_access_region *s = &a->regions[q->s];
	const struct nm_plan_input *in = c->in;
	struct nm_region_plan *p = q->p;

	if (!q->known)
		return;
	for (int n = 0; n < in->nr_nodes; n++) {
		e->region_counts[n] = q->node < 0 || n == q->node ?
			nm_access_count(a, s, n, NM_ACCESS_NR_SRCS) : 0;
		c->hot += p->pages[n];
		c->fast += numa_bitmask_isbitset(e->topo->has_cpu, (unsigned)n) ? p->pages[n] : 0;
	}
	c->local += local_pages(in, q, p, e->region_counts);
	/* A writer's part has one writer's counts in a process whose writes
	 * are private: neither spread nor left without a home. */
	if (c->pol->shared == NM_SHARED_SPREAD)
		spread(c->pol, in, s->start >> a->o.region_shift,
		       c->shared ? e->region_proc : NULL, e->region_counts);
	else if (c->shared)
		no_home(in, e->region_counts);
	c->pr.pages = p->pages;
	c->pr.placement_seq = p->placement_seq;
	p->last.src = NULL;
	if (nm_plan_region_tick(c->pol, &c->pr, c->budget, &p->plan, &p->last) < 0)
		return;
	c->unsettled |= watched(e, c->t, s, p, c->pol, in, c->still);
	if (p->last.action == NM_PLAN_MIGRATE)
		engine_region_move(e, q->start, q->end, p, c->budget);
}

/* Add part [START, END) of region I, keyed KEY, to the N parts, making its
 * plan; only made, not added, unless PLANNED. */
static void add_part(struct plan_all *c, size_t i, unsigned long key, unsigned long start,
		     unsigned long end, int node, bool planned, size_t *n)
{
	struct nm_engine *e = c->e;

	if (!plan_get(c->t->rg, key, e->nr_nodes) || !planned)
		return;
	e->parts[(*n)++] = (struct region_part){ .s = i, .key = key, .start = start, .end = end,
						 .node = node };
}

/* Add the parts of region I: the region whole, or each writer's part of
 * it (nm_plan_region_split). Every region written gets its plans, those
 * not planned now (cold, or a writer that keeps changing nodes) too. */
static int add_parts(struct plan_all *c, size_t i, size_t *n)
{
	struct nm_engine *e = c->e;
	const struct nm_access *a = &c->t->rg->store;
	const struct nm_access_region *s = &a->regions[i];
	int w[NM_MAPS_MAX_NODES];
	int nw = nm_plan_region_split(a, s, c->in, c->shared, w);
	bool planned = !engine_tier_cold(c->pol, a, s, c->in->now_ms) &&
		       !writer_unstable(c->t, s, c->pol, c->in);
	unsigned long start, end;

	if (array_grow((void **)&e->parts, &e->cap_parts, *n + (size_t)(nw ? nw : 1),
		       sizeof(*e->parts)) < 0)
		return -ENOMEM;
	for (int k = 0; k < nw; k++) {
		struct nm_access_span sp = nm_access_node_span(a, s, w[k]);

		add_part(c, i, split_key(s->start, w[k]),
			 s->start + ((unsigned long)sp.lo << a->o.page_shift),
			 s->start + ((unsigned long)sp.hi << a->o.page_shift), w[k], planned, n);
	}
	if (nw)
		return 0;
	region_span(a, s, &start, &end);
	add_part(c, i, s->start, start, end, -1, planned, n);
	return 0;
}

/* Whether this tick's moves of a process are only a tail: fewer pages
 * than a call's worth (batch_min) in all, the last few of a region moved
 * just before that faulted in after its placement was read, or a thread's
 * stack. That is no change of placement, and keeps no window one interval
 * after the last (in a 4-node guest a 9-page tail, 20 s after the move,
 * had put the gap from 16 intervals back to one: three more clears). */
static bool only_tail(const struct nm_engine *e, const struct nm_policy *pol,
		      const struct nm_plan_input *in)
{
	uint64_t bytes = 0;

	for (int n = 0; n < e->nr_nodes; n++)
		bytes += e->moves_to[n];
	return bytes < (uint64_t)(pol->batch_min ? pol->batch_min : 1) * in->page_size;
}

/* Whether no thread of T changed nodes in the last WATCH_INTERVALS, or
 * since its windows began if that is later: the windows saw the threads
 * where they run, and the next ones would only say the same. Its regions
 * then move without keeping the clears one interval apart: a move that
 * follows writers who stay is placement, not a change of it. (In a
 * 2-node guest, two threads writing 48 MiB each from the start: 9 clears
 * in 30 s before, each a fault on all 24,576 pages, where kernel NUMA
 * balancing took 172k hint faults.) */
static bool threads_still(const struct nm_engine *e, const struct nm_regions *rg, uint64_t now_ms)
{
	uint64_t watch = WATCH_INTERVALS * e->config->interval_ms;
	uint64_t since = now_ms > watch ? now_ms - watch : 0;

	return nm_plan_threads_stayed(rg->thr, rg->n_thr, since > rg->since_ms ? since : rg->since_ms);
}

/* Plan every written region of T; collect the moves in e->moves. Whether
 * placement is settled: nothing moves but a tail or after threads that
 * stay still, nothing is watched (false too while the writers are not
 * known, and nothing was planned). */
static bool plan_all(struct nm_engine *e, struct nm_task *t, const struct nm_plan_input *in,
		     const struct nm_policy *pol, struct nm_plan_budget *budget)
{
	struct nm_regions *rg = t->rg;
	const struct nm_access *a = &rg->store;
	struct plan_all c = { .e = e, .t = t, .in = in, .pol = pol, .budget = budget,
			      .pr = { .proc = in, .counts = e->region_counts,
				      .cpu_ns = e->region_cpu },
			      .shared = nm_regions_shared(rg),
			      .still = threads_still(e, rg, in->now_ms) };
	size_t np = 0;

	/* One window cannot tell private memory from shared; that matters
	 * only when the threads run on several nodes (one node dominant: a
	 * region written is written from there, shared or not). */
	if (c.shared < 0 && t->last.home < 0)
		return false;
	c.shared = c.shared > 0;
	/* Shared memory is spread over the nodes its threads run on: the
	 * first writes favour the fastest thread, CPU time does not. */
	for (int n = 0; n < in->nr_nodes; n++) {
		e->region_proc[n] = (float)in->cpu_ns[n];
		c.pr.proc_cpu_ns += in->cpu_ns[n];
	}
	/* First every plan, then the decisions: a move keeps a pointer to
	 * its plan, which a later insertion would move. */
	for (size_t i = 0; i < a->n; i++) {
		c.pr.all_counts += a->regions[i].total;
		if (a->regions[i].total > 0 && add_parts(&c, i, &np) < 0)
			return false;
	}
	for (size_t k = 0; k < np; k++)
		e->parts[k].p = plan_find(rg, e->parts[k].key);
	read_placements(e, t, e->parts, np, in->now_ms);
	for (size_t k = 0; k < np; k++)
		plan_part(&c, &e->parts[k]);
	/* The hot set and its share on the fast tier (nodes with CPUs), as
	 * placed when planned: status and metrics show it. */
	t->tier.hot_pages = c.hot;
	t->tier.hot_fast_pages = c.fast;
	t->tier.hot_local_pages = c.local;
	return !c.unsettled && (!e->n_moves || c.still || only_tail(e, pol, in));
}

/* The process plan said where T stands; T's regions follow its threads
 * when it has no dominant node because its threads run on several nodes
 * (or its policy asks for it always), and
 * when it has pages on a memory-only node that only its regions promote
 * (tiering.promote: hot): the written ones, the hot part. The
 * regions' states (cooldowns, backoffs) outlive a tick or two of one node
 * being dominant, idle ticks and the like, or threads that swap nodes
 * would have their regions moved afresh each time; they go when the
 * process moves as a whole, or its policy turns them off. */
void engine_regions_plan(struct nm_engine *e, struct nm_task *t, const struct nm_plan_input *in,
			 const struct nm_policy *pol, struct nm_plan_budget *budget)
{
	enum nm_plan_reason why = t->last.reason;
	bool tiered = engine_has_tiered(e, t), due;
	/* Regions once opened stay on through ticks when fewer threads ran. */
	bool spread = why == NM_PLAN_R_NO_DOMINANT_NODE && (t->rg || nm_regions_threads_spread(&t->res));
	bool by_region = pol->attribution == NM_ATTR_WRITES || spread ||
			 (why != NM_PLAN_R_IDLE && tiered) || engine_tier_pressed(e, t);

	engine_tier_none(t);
	if (!by_region || !t->rg)
		t->tier.hot_pages = t->tier.hot_fast_pages = t->tier.hot_local_pages = 0;
	/* Every window begins with a soft-dirty clear. Without the fault
	 * event, only the bits tell what was written, and they name no node:
	 * a process with one home is credited there (its window stays
	 * through a tick without one); one whose threads are spread cannot
	 * be placed. */
	if (e->sd_err || (!e->writes && t->last.home < 0 && !t->rg) ||
	    pol->attribution == NM_ATTR_OFF ||
	    t->last.action == NM_PLAN_MIGRATE) {
		engine_windows_drop(t);
		return;
	}
	if (!by_region) {
		/* A clear would find no writer, or none but one node's. The
		 * window closes: the fault event sees every fault on the
		 * machine while any window is open. */
		if (t->rg) {
			t->rg->wait = why == NM_PLAN_R_IDLE ? NM_REGIONS_IDLE : NM_REGIONS_WHOLE;
			engine_window_close(t->rg, in->now_ms);
			t->rg->next_clear_ms = 0;
		}
		return;
	}
	if (!t->rg && engine_windows_new(e, t, in->now_ms) < 0)
		return;
	nm_plan_threads_note(&t->rg->thr, &t->rg->n_thr, t->res.threads, t->res.nr_threads,
			     in->now_ms, in->window_ms * 1000000);
	/* One home: the writes of a window that woke say that node. */
	due = engine_window_due(e, t, in->now_ms, tiered && t->last.home >= 0);
	engine_damon_watch(e, t, tiered || engine_tier_pressed(e, t), in->now_ms);
	engine_moves_reset(e);
	if (nm_regions_fresh(t->rg, in->now_ms, e->config->interval_ms))
		t->rg->settled = plan_all(e, t, in, pol, budget);
	/* No clear while regions move: its faults would meet the move at
	 * the pages' locks, and the window would close after the move, too
	 * old to plan on. The first tick after the move opens it. */
	if (due && !e->n_moves)
		engine_window_open(e, t, in->now_ms);
	if (t->id.doomed)
		return;
	engine_windows_schedule(e, t->rg, in->now_ms, tiered);
	if (e->n_moves)
		engine_submit_regions(e, t, budget, -1);
	else
		engine_tier_demote(e, t, in, pol, budget);
}

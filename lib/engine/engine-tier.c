/* engine-tier: demotion to a per-policy goal. When a node with CPUs is
 * above a policy's tiering.goal_used, the writes of that policy's
 * processes on it are watched (engine-windows.c opens their windows), and
 * once they have been for tiering.cold_after, the chunks of their memory
 * there that nothing wrote for that long go to the nearest memory-only
 * node, coldest first, until the node is back at its goal. The decisions
 * are numamig/tier.h's; this file gathers their input and hands the moves
 * to the worker as a region item restricted to the node relieved. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "engine-internal.h"
#include "base/array.h"

/* The node with CPUs holding T's movable memory that is furthest above
 * POL's goal, with that excess in *NEED; -1 when none is above it by a
 * smallest batch at least: less is not worth a call, and a node at its
 * goal moves up and down that much on its own. */
static int pressed_node(const struct nm_engine *e, const struct nm_task *t,
			const struct nm_policy *pol, uint64_t *need)
{
	int best = -1;

	*need = (uint64_t)pol->batch_min * (uint64_t)sysconf(_SC_PAGESIZE) - 1;
	for (int n = 0; n < t->fp.eligible.nr_nodes && n < e->nr_nodes; n++) {
		uint64_t x;

		if (!t->fp.eligible.kb[n] || !numa_bitmask_isbitset(e->topo->has_cpu, (unsigned)n))
			continue;
		x = nm_tier_excess(&e->topo->mem[n], pol->goal_used_pct, e->demoting[n]);
		if (x > *need) {
			*need = x;
			best = n;
		}
	}
	if (best < 0)
		*need = 0;
	return best;
}

bool engine_tier_cold(const struct nm_policy *pol, const struct nm_access *a,
		      const struct nm_access_region *s, uint64_t now_ms)
{
	return nm_policy_demotes(pol) &&
	       nm_access_idle_ns(a, s, now_ms * 1000000) / 1000000 >= pol->cold_after_ms;
}

bool engine_tier_pressed(const struct nm_engine *e, const struct nm_task *t)
{
	uint64_t need;

	return nm_policy_demotes(t->id.policy) && e->topo &&
	       pressed_node(e, t, t->id.policy, &need) >= 0;
}

static struct nm_tier_chunk *chunk_add(struct nm_engine *e, size_t n)
{
	if (array_grow((void **)&e->chunks, &e->cap_chunks, n + 1, sizeof(*e->chunks)) < 0)
		return NULL;
	return &e->chunks[n];
}

/* How long the store has seen nothing written in [START, ...) (one
 * region), at NOW_MS: never more than it has watched (since OBSERVED_MS). */
static uint64_t idle_ms(const struct nm_access *a, unsigned long start, uint64_t now_ms,
			uint64_t observed_ms)
{
	const struct nm_access_region *r = nm_access_find(a, start);
	uint64_t watched = now_ms - observed_ms, idle;

	if (!r)
		return watched;
	idle = nm_access_idle_ns(a, r, now_ms * 1000000) / 1000000;
	return idle < watched ? idle : watched;
}

/* T's movable memory on NODE, cut at region boundaries, into e->chunks;
 * how many. A row's pages on the node are taken as spread evenly over it
 * (numa_maps says no better); the walker moves what is really there. */
static size_t gather(struct nm_engine *e, const struct nm_task *t, int node, uint64_t now_ms)
{
	const struct nm_vmatab *tab = &t->fp.tab;
	const struct nm_access *a = &t->rg->store;
	unsigned long size = nm_access_region_bytes(a);
	size_t n = 0;

	for (size_t i = 0; i < tab->n_vmas; i++) {
		const struct nm_map_vma *v = &tab->vmas[i];
		uint64_t on = (uint64_t)nm_vmatab_pages_on(tab, v, node) * v->page_kb * 1024;

		for (unsigned long s = v->start; on && s < v->end;) {
			unsigned long end = (s & ~(size - 1)) + size;
			struct nm_tier_chunk *c = chunk_add(e, n);

			end = end < v->end ? end : v->end;
			if (!c)
				return n;
			*c = (struct nm_tier_chunk){
				.start = s, .end = end,
				.bytes = on * (end - s) / (v->end - v->start),
				.idle_ms = idle_ms(a, s, now_ms, t->rg->observed_ms),
			};
			n++;
			s = end;
		}
	}
	return n;
}

void engine_tier_none(struct nm_task *t)
{
	t->tier.from = t->tier.to = -1;
	t->tier.need = t->tier.planned = 0;
	t->tier.state = NM_TIER_NONE;
}

void engine_tier_demote(struct nm_engine *e, struct nm_task *t, const struct nm_plan_input *in,
			const struct nm_policy *pol, struct nm_plan_budget *budget)
{
	struct nm_tier_status *ts = &t->tier;
	uint64_t need, bytes, avail;
	size_t n, k;
	int from, to;

	engine_tier_none(t);
	from = nm_policy_demotes(pol) && t->rg ? pressed_node(e, t, pol, &need) : -1;
	if (from < 0)
		return;
	ts->from = from;
	ts->need = need;
	ts->state = NM_TIER_LEARNING;
	if (!t->rg->open || !t->rg->observed_ms ||
	    in->now_ms < t->rg->observed_ms + pol->cold_after_ms)
		return; /* an unwritten region is cold only once watched that long */
	if (in->now_ms < e->tier_settle_ms[from]) {
		ts->state = NM_TIER_SETTLING;
		return;
	}
	if (in->now_ms < ts->retry_ms) {
		ts->state = NM_TIER_NO_COLD; /* the last try found nothing that moves */
		return;
	}
	avail = nm_plan_budget_available(budget, in->now_ms);
	if (!avail) {
		ts->state = NM_TIER_RATE_LIMIT;
		return;
	}
	/* In a busy cxl 6.1 guest the last read was seconds old, and a set
	 * promoted and written since was demoted with the cold one. */
	engine_window_read(e, t, in->now_ms);
	n = gather(e, t, from, in->now_ms);
	k = nm_tier_pick(e->chunks, n, pol->cold_after_ms, need, avail, &bytes);
	ts->state = NM_TIER_NO_COLD;
	if (!bytes)
		return;
	to = nm_tier_target(e->topo, from, in->allowed, in->headroom, bytes);
	ts->to = to;
	ts->state = NM_TIER_NO_TARGET;
	if (to < 0)
		return;
	engine_moves_reset(e);
	for (size_t i = 0; i < k; i++)
		if (engine_moves_add(e, e->chunks[i].start, e->chunks[i].end, to, NULL) < 0)
			return;
	e->moves_to[to] = bytes;
	nm_plan_budget_take(budget, bytes, true);
	e->headroom[to] -= (int64_t)bytes;
	ts->planned = bytes;
	ts->state = NM_TIER_DEMOTING;
	e->counters.demotions++;
	engine_submit_regions(e, t, budget, from);
}

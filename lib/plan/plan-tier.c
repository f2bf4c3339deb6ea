/* plan-tier: which cold memory a node above its goal sheds, and where to.
 * See numamig/tier.h. Pure. */
#include "config.h"

#include <errno.h>
#include <numa.h>
#include <stdlib.h>

#include "numamig/tier.h"
#include "base/array.h"

const char *nm_tier_state_name(enum nm_tier_state s)
{
	static const char *const names[] = {
		"none", "learning", "no_cold", "no_target", "rate_limit", "settling", "demoting",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

uint64_t nm_tier_excess(const struct nm_node_mem *m, unsigned goal_pct, uint64_t in_flight)
{
	uint64_t used, goal;

	if (goal_pct >= 100 || m->free_kb >= m->total_kb)
		return 0;
	used = (m->total_kb - m->free_kb) * 1024;
	goal = m->total_kb * 1024 / 100 * goal_pct;
	return used > goal + in_flight ? used - goal - in_flight : 0;
}

static int by_idle_desc(const void *x, const void *y)
{
	const struct nm_tier_chunk *a = x, *b = y;

	if (a->idle_ms != b->idle_ms)
		return a->idle_ms < b->idle_ms ? 1 : -1;
	return a->start < b->start ? -1 : a->start > b->start;
}

size_t nm_tier_pick(struct nm_tier_chunk *v, size_t n, uint64_t cold_ms, uint64_t need,
		    uint64_t budget, uint64_t *cap)
{
	uint64_t held = 0;
	size_t k = 0;

	*cap = 0;
	if (!budget || !need)
		return 0;
	qsort(v, n, sizeof(*v), by_idle_desc);
	for (size_t i = 0; i < n && v[i].idle_ms >= cold_ms; i++) {
		if (!v[i].bytes)
			continue;
		held += v[i].bytes;
		v[k++] = v[i];
	}
	*cap = need < budget ? need : budget;
	*cap = held < *cap ? held : *cap;
	return k;
}

int nm_tier_target(const struct nm_topology *topo, int from, const struct bitmask *allowed,
		   const int64_t *headroom, uint64_t bytes)
{
	int best = -1, best_d = 0;

	for (int n = 0; n <= topo->max_node; n++) {
		int d = nm_topo_distance(topo, from, n);

		if (n == from || d < 0 || !nm_topo_memory_only(topo, n))
			continue;
		if (allowed && ((unsigned)n >= allowed->size ||
				!numa_bitmask_isbitset(allowed, (unsigned)n)))
			continue;
		if (headroom[n] < 0 || (uint64_t)headroom[n] < bytes)
			continue;
		if (best < 0 || d < best_d) {
			best = n;
			best_d = d;
		}
	}
	return best;
}

int nm_tier_log_move(struct nm_tier_log *log, unsigned long start, int dir, uint64_t now_ms,
		     uint64_t hold_ms)
{
	uint64_t keep = hold_ms > NM_TIER_LOG_KEEP_MS ? hold_ms : NM_TIER_LOG_KEEP_MS;
	struct nm_tier_move *found = NULL;
	size_t k = 0;
	int back = 0;

	for (size_t i = 0; i < log->n; i++) {
		if (now_ms >= log->v[i].ms + keep)
			continue; /* forgotten */
		log->v[k] = log->v[i];
		if (log->v[k].start == start)
			found = &log->v[k];
		k++;
	}
	log->n = k;
	if (found) {
		back = found->dir != dir && now_ms < found->ms + hold_ms;
		*found = (struct nm_tier_move){ start, dir, now_ms };
		return back;
	}
	if (array_grow((void **)&log->v, &log->cap, log->n + 1, sizeof(*log->v)) < 0)
		return -ENOMEM;
	log->v[log->n++] = (struct nm_tier_move){ start, dir, now_ms };
	return 0;
}

void nm_tier_log_free(struct nm_tier_log *log)
{
	free(log->v);
	*log = (struct nm_tier_log){ 0 };
}

const struct nm_tier_move *nm_tier_log_find(const struct nm_tier_log *log, unsigned long start)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].start == start)
			return &log->v[i];
	return NULL;
}

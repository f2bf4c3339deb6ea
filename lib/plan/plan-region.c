/* plan-region: a region of a process planned as a task of its own. See
 * numamig/planner.h (struct nm_plan_region). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "plan-internal.h"

int nm_plan_region_tick(const struct nm_policy *pol, const struct nm_plan_region *r,
			struct nm_plan_budget *budget, struct nm_plan_state *st,
			struct nm_plan_decision *out)
{
	struct nm_plan_input in = *r->proc;
	struct nm_policy rpol = *pol;

	if (!r->counts || !r->pages || !r->cpu_ns || r->all_counts < 0)
		return -EINVAL;
	for (int n = 0; n < in.nr_nodes; n++)
		r->cpu_ns[n] = r->all_counts > 0 && r->counts[n] > 0 ?
			(uint64_t)((double)r->proc_cpu_ns * r->counts[n] / r->all_counts) : 0;
	in.cpu_ns = r->cpu_ns;
	in.pages = r->pages;
	in.placement_seq = r->placement_seq;
	in.last_node = -1;
	rpol.min_rss_bytes = 0;
	return plan_tick(&rpol, &in, budget, st, out, true);
}

int nm_plan_threads_note(struct nm_thread_hist **h, size_t *n, const struct nm_thread_residency *v,
			 size_t nv, uint64_t now_ms)
{
	struct nm_thread_hist *out = malloc((nv ? nv : 1) * sizeof(*out));
	size_t j = 0;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < nv; i++) {
		struct nm_thread_hist t = { .tid = v[i].tid, .node = v[i].node };

		while (j < *n && (*h)[j].tid < v[i].tid)
			j++;
		if (j < *n && (*h)[j].tid == v[i].tid) {
			t = (*h)[j];
			if (v[i].node >= 0 && t.node >= 0 && v[i].node != t.node) {
				t.changed_ms[1] = t.changed_ms[0];
				t.changed_ms[0] = now_ms;
			}
			if (v[i].node >= 0)
				t.node = v[i].node;
		}
		out[i] = t;
	}
	free(*h);
	*h = out;
	*n = nv;
	return 0;
}

static int by_tid(const void *key, const void *elem)
{
	pid_t a = *(const pid_t *)key, b = ((const struct nm_thread_hist *)elem)->tid;

	return (a > b) - (a < b);
}

bool nm_plan_thread_unstable(const struct nm_thread_hist *h, size_t n, pid_t tid, uint64_t now_ms,
			     uint64_t hysteresis_ms)
{
	const struct nm_thread_hist *t = n ? bsearch(&tid, h, n, sizeof(*h), by_tid) : NULL;

	return t && t->changed_ms[1] && now_ms < t->changed_ms[1] + hysteresis_ms;
}

/* plan-region: a region of a process planned as a task of its own. See
 * numamig/planner.h (struct nm_plan_region). */
#include "config.h"

#include <errno.h>

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

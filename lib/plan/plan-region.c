/* plan-region: a region of a process planned as a task of its own. See
 * numamig/planner.h (struct nm_plan_region). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "plan-internal.h"
#include "numamig/set.h"

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

int nm_plan_region_writers(const struct nm_plan_input *in, const float *by, unsigned pct, int *w)
{
	float total = 0;
	int nw = 0;

	for (int n = 0; n < in->nr_nodes; n++)
		total += by[n];
	for (int n = 0; n < in->nr_nodes && nw < NM_MAPS_MAX_NODES; n++)
		if (by[n] > 0 && by[n] * 100 >= total * (float)pct &&
		    (!in->allowed || ((unsigned)n < in->allowed->size &&
				      numa_bitmask_isbitset(in->allowed, (unsigned)n))))
			w[nw++] = n;
	return nw;
}

int nm_plan_region_split(const struct nm_access *a, const struct nm_access_region *s,
			 const struct nm_plan_input *in, int shared, int *w)
{
	float by[NM_MAPS_MAX_NODES];
	struct nm_access_span sp[NM_MAPS_MAX_NODES];
	int n, nw = 0;

	if (shared != 0 || in->nr_nodes > NM_MAPS_MAX_NODES)
		return 0;
	for (int k = 0; k < in->nr_nodes; k++)
		by[k] = nm_access_count(a, s, k, NM_ACCESS_NR_SRCS);
	n = nm_plan_region_writers(in, by, 0, w);
	/* A node whose span was narrowed to nothing (it wrote here, but not
	 * in the last two generations of windows) gets no part: its old
	 * pages go with the region. */
	for (int i = 0; i < n; i++) {
		sp[nw] = nm_access_node_span(a, s, w[i]);
		if (sp[nw].hi > 0)
			w[nw++] = w[i];
	}
	for (int i = 0; i < nw; i++)
		for (int j = 0; j < i; j++)
			if (sp[i].lo < sp[j].hi && sp[j].lo < sp[i].hi)
				return 0;
	return nw >= 2 ? nw : 0;
}

int nm_plan_threads_note(struct nm_thread_hist **h, size_t *n, const struct nm_thread_residency *v,
			 size_t nv, uint64_t now_ms,
			 uint64_t window_ns)
{
	struct nm_thread_hist *out = malloc((nv ? nv : 1) * sizeof(*out));
	size_t j = 0;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < nv; i++) {
		int node = v[i].ns >= window_ns / NM_PLAN_THREAD_MIN_SHARE ? v[i].node : -1;
		struct nm_thread_hist t = { .tid = v[i].tid, .node = node };

		while (j < *n && (*h)[j].tid < v[i].tid)
			j++;
		if (j < *n && (*h)[j].tid == v[i].tid) {
			t = (*h)[j];
			if (node >= 0 && t.node >= 0 && node != t.node) {
				t.changed_ms[1] = t.changed_ms[0];
				t.changed_ms[0] = now_ms;
			}
			if (node >= 0)
				t.node = node;
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

static const struct nm_thread_hist *find(const struct nm_thread_hist *h, size_t n, pid_t tid)
{
	return n ? bsearch(&tid, h, n, sizeof(*h), by_tid) : NULL;
}

bool nm_plan_thread_unstable(const struct nm_thread_hist *h, size_t n, pid_t tid, uint64_t now_ms,
			     uint64_t hysteresis_ms)
{
	const struct nm_thread_hist *t = find(h, n, tid);

	return t && t->changed_ms[1] && now_ms < t->changed_ms[1] + hysteresis_ms;
}

bool nm_plan_thread_stayed(const struct nm_thread_hist *h, size_t n, pid_t tid, int node,
			   uint64_t since_ms)
{
	const struct nm_thread_hist *t = find(h, n, tid);

	return t && t->node == node && t->changed_ms[0] <= since_ms;
}

bool nm_plan_threads_stayed(const struct nm_thread_hist *h, size_t n, uint64_t since_ms)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].changed_ms[0] > since_ms)
			return false;
	return n > 0;
}

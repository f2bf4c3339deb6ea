/* ctl-json: the small JSON helpers every ctl-* builder and handler shares
 * (numbers, nodes, percentages, arrays) and the figures of a tracked task
 * they all show. See ctl-status.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl-status.h"

json_object *ctl_json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

json_object *ctl_json_pct(uint64_t num, uint64_t den)
{
	char buf[32];

	if (!den)
		return NULL;
	/* Keep the printed form: json-c would print the double's full
	 * binary expansion (93.400000000000006). */
	snprintf(buf, sizeof(buf), "%.1f", (double)num * 100.0 / (double)den);
	return json_object_new_double_s((double)num * 100.0 / (double)den, buf);
}

json_object *ctl_json_node(int node)
{
	return node < 0 ? NULL : json_object_new_int(node);
}

void ctl_json_hot_set(json_object *o, const struct nm_tier_status *ts)
{
	json_object_object_add(o, "hot_pages", ctl_json_u64(ts->hot_pages));
	json_object_object_add(o, "hot_fast_pct", ctl_json_pct(ts->hot_fast_pages, ts->hot_pages));
	json_object_object_add(o, "hot_local_pct", ctl_json_pct(ts->hot_local_pages, ts->hot_pages));
	json_object_object_add(o, "pingpong_pages", ctl_json_u64(ts->pingpong_pages));
}

uint64_t ctl_task_eligible_kb(const struct nm_task *t, int node)
{
	if (node < 0 || node >= t->fp.eligible.nr_nodes || !t->fp.eligible.kb)
		return 0;
	return t->fp.eligible.kb[node];
}

uint64_t ctl_task_eligible_total_kb(const struct nm_task *t)
{
	uint64_t sum = 0;

	for (int n = 0; n < t->fp.eligible.nr_nodes && t->fp.eligible.kb; n++)
		sum += t->fp.eligible.kb[n];
	return sum;
}

int ctl_task_home(const struct nm_task *t)
{
	return t->plan.has_home ? t->plan.home : -1;
}

int ctl_task_cpu_node(const struct nm_task *t)
{
	const struct nm_residency *r = &t->res;
	int best = -1;

	if (!r->total_ns || !r->node_ns)
		return r->last_node;
	for (int n = 0; n < r->nr_nodes; n++)
		if (r->node_ns[n] && (best < 0 || r->node_ns[n] > r->node_ns[best]))
			best = n;
	return best;
}

/* The planner's home is where memory was sent, not where the task is: a
 * task that moved on since (or has not been planned yet) has its memory
 * on the home and its CPU time elsewhere. So locality weighs each node's
 * memory by the node's share of the task's CPU time now: the share of its
 * accesses that are local if its threads touch its pages alike. */
bool ctl_task_local_kb(const struct nm_task *t, uint64_t *local_kb)
{
	const struct nm_residency *r = &t->res;
	double sum = 0;

	if (!r->total_ns || !r->node_ns) {
		*local_kb = ctl_task_eligible_kb(t, r->last_node);
		return r->last_node >= 0;
	}
	for (int n = 0; n < r->nr_nodes; n++)
		sum += (double)ctl_task_eligible_kb(t, n) * (double)r->node_ns[n];
	*local_kb = (uint64_t)(sum / (double)r->total_ns + 0.5);
	return true;
}

uint64_t ctl_ago(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

json_object *ctl_json_hash(const struct nm_config *config)
{
	char buf[20];

	snprintf(buf, sizeof(buf), "%016" PRIx64, nm_config_hash(config));
	return json_object_new_string(buf);
}

json_object *ctl_json_u64_array(const unsigned long long *v, int n)
{
	json_object *a;

	if (!v)
		return NULL;
	a = json_object_new_array();
	for (int i = 0; a && i < n; i++)
		json_object_array_add(a, ctl_json_u64(v[i]));
	return a;
}

json_object *ctl_json_int_array(const int *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_int(v[i]));
	return a;
}

/* {errno name: pages} of the failures counted in C. */
static json_object *failed_by(const struct nm_walk_counts *c)
{
	json_object *o = json_object_new_object();

	for (int i = 0; i < NM_MIG_NR_OUTCOMES; i++)
		if (i != NM_MIG_MOVED && c->failed_by[i])
			json_object_object_add(o, nm_mig_outcome_name((enum nm_mig_outcome)i),
					       ctl_json_u64(c->failed_by[i]));
	return o;
}

void ctl_json_add_counts(json_object *o, const struct nm_walk_counts *c)
{
	json_object_object_add(o, "pages", ctl_json_u64(c->pages));
	json_object_object_add(o, "requested", ctl_json_u64(c->requested));
	json_object_object_add(o, "moved", ctl_json_u64(c->moved));
	json_object_object_add(o, "failed", ctl_json_u64(c->failed));
	json_object_object_add(o, "failed_by", failed_by(c));
	json_object_object_add(o, "absent", ctl_json_u64(c->absent));
	json_object_object_add(o, "already", ctl_json_u64(c->stay));
	json_object_object_add(o, "shared_pages", ctl_json_u64(c->shared));
	json_object_object_add(o, "retried", ctl_json_u64(c->retried));
}

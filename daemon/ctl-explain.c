/* ctl-explain: the Explain reply, the planner's view of one process: its
 * state machine, the inputs of its last tick (CPU time per node, eligible
 * pages per node), its last decision with the cost/benefit estimate, and
 * how its ticks ended so far; for a process placed by region, its write
 * windows and its most written regions. See ctl-status.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-status.h"

#define add json_object_object_add

static const char *const scan_status_names[] = {
	[NM_MAPS_WHOLE] = "whole", [NM_MAPS_BUDGET] = "budget", [NM_MAPS_TORN] = "torn",
	[NM_MAPS_BAD_LINE] = "bad_line", [NM_MAPS_STOPPED] = "stopped",
};

static json_object *planner_json(const struct ctl_state *s, const struct nm_task *t)
{
	const struct nm_plan_state *st = &t->plan;
	json_object *o = json_object_new_object();

	add(o, "state", json_object_new_string(nm_plan_state_name(st->phase)));
	add(o, "home", ctl_json_node(ctl_task_home(t)));
	add(o, "dominant", st->has_dom ? json_object_new_int(st->dom) : NULL);
	add(o, "dominant_for_ms", st->has_dom ? ctl_json_u64(ctl_ago(s->now_ms, st->dom_since_ms)) : NULL);
	add(o, "streak_ms", ctl_json_u64(st->streak_ms));
	add(o, "dwell_ms", t->id.policy ? ctl_json_u64(nm_plan_dwell_ms(t->id.policy, st)) : NULL);
	add(o, "backoff", json_object_new_int(st->backoff));
	add(o, "cooldown_remaining_ms", ctl_json_u64(ctl_ago(st->cooldown_until_ms, s->now_ms)));
	add(o, "awaiting_placement", json_object_new_boolean(st->awaiting));
	add(o, "triggered", json_object_new_boolean(t->triggered));
	add(o, "migrations", ctl_json_u64(st->migrations));
	add(o, "bytes_planned", ctl_json_u64(st->bytes_planned));
	return o;
}

/* How the task's ticks ended, the ones that happened. */
static json_object *reasons_json(const struct nm_plan_state *st)
{
	json_object *o = json_object_new_object();

	for (int r = NM_PLAN_R_NONE + 1; r < NM_PLAN_R_COUNT; r++)
		if (st->reasons[r])
			add(o, nm_plan_reason_name(r), ctl_json_u64(st->reasons[r]));
	return o;
}

static json_object *decision_json(const struct ctl_state *s, const struct nm_plan_decision *d)
{
	json_object *o;

	if (d->reason == NM_PLAN_R_NONE)
		return NULL; /* never planned (new, or paused since it came) */
	o = json_object_new_object();
	add(o, "action", json_object_new_string(nm_plan_action_name(d->action)));
	add(o, "reason", json_object_new_string(nm_plan_reason_name(d->reason)));
	add(o, "ago_ms", ctl_json_u64(ctl_ago(s->now_ms, d->now_ms)));
	add(o, "home", ctl_json_node(d->home));
	add(o, "target", ctl_json_node(d->target));
	add(o, "eligible_pages", ctl_json_u64(d->eligible_pages));
	add(o, "misplaced_pages", ctl_json_u64(d->misplaced_pages));
	add(o, "pages", ctl_json_u64(d->pages));
	add(o, "bytes", ctl_json_u64(d->bytes));
	add(o, "partial", json_object_new_boolean(d->partial));
	add(o, "direct", json_object_new_boolean(d->direct));
	add(o, "dwell_ms", ctl_json_u64(d->dwell_ms));
	add(o, "benefit_us", ctl_json_u64(d->benefit_us));
	add(o, "cost_us", ctl_json_u64(d->cost_us));
	return o;
}

/* CPU time per node of the last tick, as nanoseconds and shares. */
static json_object *residency_json(const struct ctl_state *s, const struct nm_residency *r)
{
	json_object *o = json_object_new_object();
	json_object *ns = json_object_new_array(), *pct = json_object_new_array();

	for (int n = 0; n < s->nr_nodes; n++) {
		uint64_t v = n < r->nr_nodes && r->node_ns ? r->node_ns[n] : 0;

		json_object_array_add(ns, ctl_json_u64(v));
		json_object_array_add(pct, ctl_json_pct(v, r->total_ns));
	}
	add(o, "cpu_ns_per_node", ns);
	add(o, "cpu_pct_per_node", pct);
	add(o, "cpu_ns", ctl_json_u64(r->total_ns));
	add(o, "samples", ctl_json_u64(r->samples));
	add(o, "last_node", ctl_json_node(r->last_node));
	add(o, "threads", ctl_json_u64(r->nr_threads));
	add(o, "node_changes", json_object_new_int((int)r->node_changes));
	add(o, "cpu_changes", json_object_new_int((int)r->cpu_changes));
	return o;
}

static json_object *footprint_json(const struct ctl_state *s, const struct nm_task *t)
{
	const struct nm_footprint *fp = &t->fp;
	json_object *o = json_object_new_object();
	json_object *pages = json_object_new_array(), *skipped = json_object_new_object();
	uint64_t page_kb = s->page_size / 1024 ? s->page_size / 1024 : 4;

	for (int n = 0; n < s->nr_nodes; n++)
		json_object_array_add(pages, ctl_json_u64(ctl_task_eligible_kb(t, n) / page_kb));
	for (int v = NM_VERDICT_ELIGIBLE + 1; v < NM_NR_VERDICTS; v++)
		add(skipped, nm_verdict_name(v), ctl_json_u64(fp->skipped_kb[v] * 1024));
	add(o, "eligible_pages_per_node", pages);
	add(o, "eligible_bytes", ctl_json_u64(ctl_task_eligible_total_kb(t) * 1024));
	add(o, "skipped_bytes", skipped);
	add(o, "vmas", ctl_json_u64(fp->tab.n_vmas));
	add(o, "scans", ctl_json_u64(t->fp_seq));
	add(o, "scan_bytes", ctl_json_u64(fp->scan.bytes));
	add(o, "scan_status", json_object_new_string((unsigned)fp->scan.status < 5 ?
						     scan_status_names[fp->scan.status] : "unknown"));
	add(o, "scan_age_ms", ctl_json_u64(ctl_ago(s->now_ms, t->fp_scanned_ms)));
	add(o, "next_scan_ms", ctl_json_u64(ctl_ago(nm_engine_rescan_due(t), s->now_ms)));
	return o;
}

/* ---- regions: memory that follows the threads ---- */

/* Regions shown by explain: the hottest. */
#define TOP_REGIONS 8

/* A plan's decision: the node it homes its pages on, its state, why. */
static void plan_json(const struct ctl_state *s, json_object *o, const struct nm_region_plan *p)
{
	json_object *pages = json_object_new_array();

	for (int n = 0; n < s->nr_nodes; n++)
		json_object_array_add(pages, p ? ctl_json_u64(p->pages[n]) : NULL);
	add(o, "pages_per_node", pages);
	add(o, "home", p && p->plan.has_home ? json_object_new_int(p->plan.home) : NULL);
	add(o, "state", p ? json_object_new_string(nm_plan_state_name(p->plan.phase)) : NULL);
	add(o, "reason", p ? json_object_new_string(nm_plan_reason_name(p->last.reason)) : NULL);
	add(o, "pages_moved", ctl_json_u64(p ? p->pages_moved : 0));
}

/* The writers' parts of a region split by writer (engine-regions.c): the
 * plans keyed inside [START, END), by the span last read. */
static json_object *parts_json(const struct ctl_state *s, const struct nm_regions *rg,
			       unsigned long start, unsigned long end)
{
	json_object *arr = json_object_new_array();

	for (size_t k = 0; k < rg->n; k++) {
		const struct nm_region_plan *p = &rg->v[k];
		json_object *o;
		char range[64];

		if (p->start <= start || p->start >= end)
			continue;
		o = json_object_new_object();
		snprintf(range, sizeof(range), "%lx-%lx", p->placed_start, p->placed_end);
		add(o, "range", json_object_new_string(range));
		plan_json(s, o, p);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *region_json(const struct ctl_state *s, const struct nm_regions *rg,
				const struct nm_access_region *r, const struct nm_region_plan *p)
{
	const struct nm_access *a = &rg->store;
	json_object *o = json_object_new_object(), *w = json_object_new_array();
	unsigned long end = r->start + nm_access_region_bytes(a);
	char range[64];
	float damon = 0;

	snprintf(range, sizeof(range), "%lx-%lx", r->start, end);
	for (int n = 0; n < s->nr_nodes; n++) {
		float c = nm_access_count(a, r, n, NM_ACCESS_NR_SRCS);

		damon += nm_access_count(a, r, n, NM_ACCESS_DAMON);
		json_object_array_add(w, json_object_new_double(r->total > 0 ? c / r->total : 0));
	}
	add(o, "range", json_object_new_string(range));
	/* The temperature: accessed pages, decayed (numamigd.yaml(5),
	 * tiering), of which the writes and DAMON's reads. */
	add(o, "temperature", json_object_new_double(r->total));
	add(o, "writes", json_object_new_double(r->total - damon));
	add(o, "damon", json_object_new_double(damon));
	add(o, "write_share_per_node", w);
	plan_json(s, o, p);
	add(o, "parts", parts_json(s, rg, r->start, end));
	return o;
}

static int by_total_desc(const void *x, const void *y)
{
	const struct nm_access_region *a = *(const struct nm_access_region *const *)x;
	const struct nm_access_region *b = *(const struct nm_access_region *const *)y;

	return a->total < b->total ? 1 : a->total > b->total ? -1 : 0;
}

static json_object *top_regions_json(const struct ctl_state *s, const struct nm_regions *rg)
{
	const struct nm_access *a = &rg->store;
	const struct nm_access_region **v = malloc((a->n ? a->n : 1) * sizeof(*v));
	json_object *arr = json_object_new_array();

	for (size_t i = 0; v && i < a->n; i++)
		v[i] = &a->regions[i];
	if (v)
		qsort(v, a->n, sizeof(*v), by_total_desc);
	for (size_t i = 0; v && i < a->n && i < TOP_REGIONS; i++) {
		const struct nm_region_plan *p = NULL;

		for (size_t k = 0; k < rg->n && !p; k++)
			if (rg->v[k].start == v[i]->start)
				p = &rg->v[k];
		json_object_array_add(arr, region_json(s, rg, v[i], p));
	}
	free(v);
	return arr;
}

/* Why little moves when little is written: the signal is writes. */
static json_object *regions_note(const struct ctl_state *s, const struct nm_task *t)
{
	const struct nm_regions *rg = t->rg;
	uint64_t eligible = ctl_task_eligible_total_kb(t) * 1024 / (s->page_size ? s->page_size : 4096);
	char buf[256];

	if (rg->store.st.windows < 1 || rg->written_last * 10 >= eligible || rg->damon_slot)
		return NULL;
	snprintf(buf, sizeof(buf), "%llu of its %llu eligible pages were written in the last "
		 "window: pages only read are not seen by the writes source, and stay where "
		 "they are", (unsigned long long)rg->written_last, (unsigned long long)eligible);
	return json_object_new_string(buf);
}

static json_object *regions_json(const struct ctl_state *s, const struct nm_task *t)
{
	const struct nm_regions *rg = t->rg;
	json_object *o;

	if (!rg)
		return NULL;
	o = json_object_new_object();
	add(o, "state", json_object_new_string(nm_regions_wait_name(rg->wait)));
	add(o, "clear_error", rg->clear_err ? json_object_new_string(strerror(rg->clear_err)) : NULL);
	add(o, "region_bytes", ctl_json_u64(nm_access_region_bytes(&rg->store)));
	add(o, "since_ms", ctl_json_u64(ctl_ago(s->now_ms, rg->since_ms)));
	add(o, "window_age_ms", rg->open ? ctl_json_u64(ctl_ago(s->now_ms, rg->window_ms)) : NULL);
	add(o, "clear_gap_ms", ctl_json_u64(rg->gap_ms));
	add(o, "next_clear_in_ms", ctl_json_u64(ctl_ago(rg->next_clear_ms, s->now_ms)));
	add(o, "clears", ctl_json_u64(rg->clears));
	add(o, "clear_ms", ctl_json_u64(rg->clear_ns / 1000000));
	add(o, "induced_faults", ctl_json_u64(rg->faults));
	/* Who tells the window's writes: the fault records (thread and CPU)
	 * or, without the fault event, the soft-dirty bits (on its home). */
	add(o, "write_source", json_object_new_string(s->writes_err ? "softdirty" : "faults"));
	add(o, "writers", json_object_new_string(nm_regions_shared(rg) < 0 ? "unknown" :
						 nm_regions_shared(rg) ? "shared" : "private"));
	add(o, "flipping_pct", rg->compared > 0 ?
	    json_object_new_double(100.0 * rg->flips / rg->compared) : NULL);
	add(o, "shared_from_pct", json_object_new_double(100.0 * NM_REGIONS_SHARED));
	add(o, "regions_written", ctl_json_u64(rg->store.n));
	add(o, "regions_planned", ctl_json_u64(rg->n));
	add(o, "placement_reads", ctl_json_u64(rg->queries));
	add(o, "pages_moved", ctl_json_u64(rg->pages_moved));
	add(o, "written_last_window_pages", ctl_json_u64(rg->written_last));
	add(o, "damon", json_object_new_boolean(rg->damon_slot != 0));
	add(o, "damon_snapshots", ctl_json_u64(rg->damon_snapshots));
	add(o, "damon_hot_pages", ctl_json_u64(rg->damon_hot));
	add(o, "note", regions_note(s, t));
	add(o, "top", top_regions_json(s, rg));
	return o;
}

/* Demotion to the policy's goal (numamig/tier.h); NULL when it never
 * applied to this process. */
static json_object *tier_json(const struct nm_tier_status *ts)
{
	json_object *o;

	if (ts->state == NM_TIER_NONE && !ts->pages_demoted && !ts->hot_pages && !ts->pingpong_pages)
		return NULL;
	o = json_object_new_object();
	add(o, "state", json_object_new_string(nm_tier_state_name(ts->state)));
	add(o, "from_node", ts->from >= 0 ? json_object_new_int(ts->from) : NULL);
	add(o, "to_node", ts->to >= 0 ? json_object_new_int(ts->to) : NULL);
	add(o, "above_goal_bytes", ctl_json_u64(ts->need));
	add(o, "planned_bytes", ctl_json_u64(ts->planned));
	add(o, "pages_demoted", ctl_json_u64(ts->pages_demoted));
	ctl_json_hot_set(o, ts);
	return o;
}

int ctl_explain_build(const struct ctl_state *s, pid_t pid, json_object **out)
{
	const struct nm_ident *id = nm_track_find(s->tracker, pid);
	const struct nm_task *t = id ? nm_task_of(id) : NULL;
	json_object *o;

	if (!t || t->id.doomed)
		return -ESRCH;
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	add(o, "process", ctl_task_json(s, t));
	add(o, "policy", t->id.policy ? ctl_json_policy(t->id.policy) : NULL);
	add(o, "tracked_for_ms", ctl_json_u64(ctl_ago(s->now_ms, t->id.tracked_since_ms)));
	add(o, "paused", json_object_new_boolean(s->paused));
	add(o, "planner", planner_json(s, t));
	add(o, "reasons", reasons_json(&t->plan));
	add(o, "last_decision", decision_json(s, &t->last));
	add(o, "residency", residency_json(s, &t->res));
	add(o, "footprint", footprint_json(s, t));
	add(o, "regions", regions_json(s, t));
	add(o, "tiering", tier_json(&t->tier));
	*out = o;
	return 0;
}

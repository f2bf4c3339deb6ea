/* ctl-status: the GetStatus reply. See ctl-status.h.
 *
 *   daemon     version, uptime, config, sampler, kernel autoNUMA, paused, cost
 *   totals     migrated pages and bytes per src->dst, promoted and demoted
 *              pages (tiering), failures, stops,
 *              decisions per reason, numa_maps scanning, samples
 *   attribution the writes source: live or why not, clears, induced faults,
 *              budget waits, region moves
 *   policies   per policy: processes, RSS and eligible memory per node, locality
 *   processes  the tasks with the most eligible memory
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-status.h"
#include "numamig/rangemove.h"

#define add json_object_object_add

/* A plain counter of struct nm_counters under KEY, divided by DIV (1, or
 * ns to ms): the replies' runs of them are tables. */
struct counter_key {
	const char *key;
	size_t off;
	uint64_t div;
};
#define COUNTER(key, field, div) { key, offsetof(struct nm_counters, field), div }
#define NS_MS 1000000

static void add_counters(json_object *o, const struct nm_counters *c, const struct counter_key *k,
			 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)c + k[i].off, sizeof(v));
		add(o, k[i].key, ctl_json_u64(v / k[i].div));
	}
}

/* ---- daemon ------------------------------------------------------------- */

static json_object *sampler_json(const struct ctl_state *s)
{
	json_object *o = json_object_new_object();

	add(o, "source", json_object_new_string(s->sampler_source));
	add(o, "description", json_object_new_string(s->sampler_description));
	add(o, "fallback_reason", s->sampler_fallback ? json_object_new_string(s->sampler_fallback) : NULL);
	add(o, "hw_pmu", json_object_new_boolean(s->hw_pmu));
	add(o, "hw_pmu_detail", s->hw_pmu_detail ? json_object_new_string(s->hw_pmu_detail) : NULL);
	return o;
}

/* A kernel setting numamigd may change (numamig/knb.h). */
static json_object *knb_json(const struct ctl_state *s, enum nm_knb_setting k)
{
	json_object *o = json_object_new_object();
	int v = s->knb[k].value, saved = s->knb[k].saved;

	add(o, "value", v >= 0 ? json_object_new_int(v) : NULL);
	if (v < 0)
		add(o, "error", json_object_new_string(strerror(-v)));
	add(o, "changed", json_object_new_boolean(saved >= 0));
	add(o, "restore_value", saved >= 0 ? json_object_new_int(saved) : NULL);
	/* The value to restore survives a crash in this directory; "adopted":
	 * an earlier numamigd saved it and never put it back. */
	add(o, "state_dir", s->state_dir ? json_object_new_string(s->state_dir) : NULL);
	add(o, "adopted", json_object_new_boolean(s->knb[k].adopted));
	return o;
}

static json_object *daemon_json(const struct ctl_state *s)
{
	json_object *o = json_object_new_object();

	add(o, "version", json_object_new_string(s->version));
	add(o, "pid", json_object_new_int((int)s->pid));
	add(o, "uptime_ms", ctl_json_u64(ctl_ago(s->now_ms, s->started_ms)));
	add(o, "config_hash", ctl_json_hash(s->config));
	add(o, "policies", ctl_json_u64(s->config->n_policies));
	add(o, "interval_ms", ctl_json_u64(s->config->interval_ms));
	add(o, "paused", json_object_new_boolean(s->paused));
	add(o, "sampler", sampler_json(s));
	add(o, "kernel_numa_balancing", knb_json(s, NM_KNB_BALANCING));
	add(o, "kernel_demotion", knb_json(s, NM_KNB_DEMOTION));
	add(o, "cpu_user_ms", ctl_json_u64(s->cpu_user_ms));
	add(o, "cpu_system_ms", ctl_json_u64(s->cpu_system_ms));
	add(o, "max_rss_bytes", ctl_json_u64(s->max_rss_bytes));
	add(o, "ticks", ctl_json_u64(s->counters->ticks));
	return o;
}

static const struct counter_key attribution_counters[] = {
	COUNTER("clears", clears, 1), COUNTER("clear_ms", clear_ns, NS_MS),
	COUNTER("clear_errors", clear_errors, 1), COUNTER("induced_faults", induced_faults, 1),
	COUNTER("softdirty_scans", softdirty_scans, 1),
	COUNTER("softdirty_pages_read", softdirty_words, 1),
	COUNTER("softdirty_scan_ms", softdirty_ns, NS_MS),
	COUNTER("softdirty_errors", softdirty_errors, 1), COUNTER("budget_waits", budget_waits, 1),
	COUNTER("placement_reads", region_queries, 1), COUNTER("region_moves", region_moves, 1),
	COUNTER("region_pages_moved", region_pages_moved, 1),
};

static json_object *attribution_json(const struct ctl_state *s)
{
	const struct nm_counters *c = s->counters;
	json_object *o = json_object_new_object();
	uint64_t n = 0;

	for (size_t i = 0; i < s->tracker->n; i++)
		n += nm_task_of(s->tracker->v[i])->rg != NULL;
	add(o, "writes", json_object_new_string(s->writes_err ? "unavailable" : "live"));
	add(o, "writes_reason", s->writes_err && s->writes_why ?
	    json_object_new_string(s->writes_why) : NULL);
	/* The soft-dirty bits stand in for the fault records where the
	 * fault event cannot be opened. */
	add(o, "softdirty", json_object_new_string(s->sd_err ? "unavailable" :
						   !s->writes_err ? "standby" : "live"));
	add(o, "softdirty_reason", s->sd_err && s->sd_why ? json_object_new_string(s->sd_why) :
	    NULL);
	add(o, "pmu", json_object_new_string(s->pmu_err ? "unavailable" : "live"));
	add(o, "pmu_event", !s->pmu_err && s->pmu_what ? json_object_new_string(s->pmu_what) : NULL);
	add(o, "pmu_reason", s->pmu_err && s->pmu_what ? json_object_new_string(s->pmu_what) : NULL);
	add(o, "processes", ctl_json_u64(n));
	add(o, "fault_budget_per_s", ctl_json_u64(s->config->fault_budget));
	add(o, "clear_budget_us_per_s", ctl_json_u64(s->config->clear_budget_us));
	add_counters(o, c, attribution_counters,
		     sizeof(attribution_counters) / sizeof(attribution_counters[0]));
	return o;
}

/* Who moves memory between tiers (memory-only nodes and nodes with CPUs):
 * the kernel's tiering mode (kernel.numa_balancing bit 2) promotes on hint
 * faults, demotion_enabled demotes on reclaim; numamigd's policies that
 * move memory promote (tiering.promote), and those with a goal demote. */
static json_object *tiering_json(const struct ctl_state *s)
{
	const struct nm_config *c = s->config;
	json_object *o = json_object_new_object();
	unsigned promote = 0, demote = 0;
	int memonly = s->topo ? nm_topo_memory_only_nodes(s->topo) : 0;

	for (size_t i = 0; i < c->n_policies; i++) {
		promote += nm_policy_moves(&c->policies[i]);
		demote += nm_policy_demotes(&c->policies[i]);
	}
	add(o, "memory_only_nodes", json_object_new_int(memonly));
	add(o, "kernel_promotion", s->knb[NM_KNB_BALANCING].value >= 0 ?
	    json_object_new_boolean(s->knb[NM_KNB_BALANCING].value & 2) : NULL);
	add(o, "kernel_demotion", s->knb[NM_KNB_DEMOTION].value >= 0 ?
	    json_object_new_boolean(s->knb[NM_KNB_DEMOTION].value) : NULL);
	add(o, "numamigd_promotion_policies", json_object_new_int((int)promote));
	add(o, "numamigd_demotion_policies", json_object_new_int((int)demote));
	return o;
}

/* The DAMON source: whether it is open, and what it cost. */
static json_object *damon_json(const struct ctl_state *s)
{
	json_object *o = json_object_new_object();
	uint64_t n = 0;

	for (size_t i = 0; i < s->tracker->n; i++) {
		const struct nm_regions *rg = nm_task_of(s->tracker->v[i])->rg;

		n += rg && rg->damon_slot;
	}
	add(o, "state", json_object_new_string(s->damon_err == 0 ? "live" :
					      s->damon_err == 1 ? "unused" : "unavailable"));
	add(o, "reason", s->damon_why ? json_object_new_string(s->damon_why) : NULL);
	add(o, "processes", ctl_json_u64(n));
	add(o, "max_processes", ctl_json_u64(NM_DAMON_SLOTS));
	add(o, "starts", ctl_json_u64(s->damon.starts));
	add(o, "start_errors", ctl_json_u64(s->damon.start_errors));
	add(o, "snapshots", ctl_json_u64(s->damon.snapshots));
	add(o, "snapshot_errors", ctl_json_u64(s->damon.snapshot_errors));
	add(o, "snapshot_ms", ctl_json_u64(s->damon.snapshot_ns / 1000000));
	add(o, "regions", ctl_json_u64(s->damon.regions));
	return o;
}

/* ---- totals ------------------------------------------------------------- */

/* Each nonzero src->dst pair, and the sums. */
static void add_migrated(json_object *o, const struct ctl_state *s)
{
	const struct nm_counters *c = s->counters;
	json_object *a = json_object_new_array();
	uint64_t pages = 0;

	for (int src = 0; src < c->nr_nodes; src++) {
		for (int dst = 0; dst < c->nr_nodes; dst++) {
			uint64_t n = c->moved[src * c->nr_nodes + dst];
			json_object *e;

			if (!n)
				continue;
			e = json_object_new_object();
			add(e, "src", json_object_new_int(src));
			add(e, "dst", json_object_new_int(dst));
			add(e, "pages", ctl_json_u64(n));
			add(e, "bytes", ctl_json_u64(n * s->page_size));
			json_object_array_add(a, e);
			pages += n;
		}
	}
	add(o, "migrated", a);
	add(o, "pages_migrated", ctl_json_u64(pages));
	add(o, "bytes_migrated", ctl_json_u64(pages * s->page_size));
}

/* Pages requested but not moved, by outcome; migrations a call errno
 * aborted, by errno name. */
static void add_failures(json_object *o, const struct nm_counters *c)
{
	json_object *f = json_object_new_object(), *ab = json_object_new_object();
	uint64_t failed = 0;

	for (int i = NM_MIG_MOVED + 1; i < NM_MIG_NR_OUTCOMES; i++) {
		add(f, nm_mig_outcome_name(i), ctl_json_u64(c->outcomes[i]));
		failed += c->outcomes[i];
	}
	for (int e = 1; e <= NM_ERRNO_MAX; e++) {
		const char *name = strerrorname_np(e);
		char buf[16];

		if (!c->aborts[e])
			continue;
		if (!name) {
			snprintf(buf, sizeof(buf), "E%d", e);
			name = buf;
		}
		add(ab, name, ctl_json_u64(c->aborts[e]));
	}
	add(o, "pages_failed", ctl_json_u64(failed));
	add(o, "failures", f);
	add(o, "aborts", ab);
}

/* V[FROM..N-1] as {name(i): V[i]}. */
static json_object *counts_json(const uint64_t *v, int from, int n, const char *(*name)(int))
{
	json_object *o = json_object_new_object();

	for (int i = from; i < n; i++)
		add(o, name(i), ctl_json_u64(v[i]));
	return o;
}

static const char *stop_name(int i) { return nm_mig_stop_name(i); }
static const char *reason_name(int i) { return nm_plan_reason_name(i); }

/* Migrations, and the pages of tiering: from a memory-only node to one
 * with CPUs (promoted), and back (demoted). */
static const struct counter_key migration_counters[] = {
	COUNTER("migrations", migrations, 1), COUNTER("migration_ms", mig_ns, NS_MS),
	COUNTER("promoted_pages", promoted_pages, 1), COUNTER("demoted_pages", demoted_pages, 1),
	COUNTER("demotions", demotions, 1), COUNTER("pingpong_pages", pingpong_pages, 1),
};
static const struct counter_key scan_counters[] = {
	COUNTER("numa_maps_scans", scans, 1), COUNTER("numa_maps_bytes", scan_bytes, 1),
	COUNTER("numa_maps_ms", scan_ns, NS_MS),
};

static json_object *totals_json(const struct ctl_state *s)
{
	const struct nm_counters *c = s->counters;
	const struct nm_sampler_stats *st = &s->sampler_stats;
	json_object *o = json_object_new_object();

	add_migrated(o, s);
	add_counters(o, c, migration_counters,
		     sizeof(migration_counters) / sizeof(migration_counters[0]));
	add_failures(o, c);
	add(o, "stops", counts_json(c->stops, 0, NM_MIG_NR_STOPS, stop_name));
	/* Refused by the kernel (EPERM/EACCES), and task ticks spent waiting. */
	add(o, "refusals", ctl_json_u64(c->refusals));
	add(o, "refused_ticks", ctl_json_u64(c->refused_ticks));
	add(o, "move_priority", json_object_new_string(nm_move_priority_name(s->config->move_priority)));
	add(o, "move_priority_errors", ctl_json_u64(c->priority_errors));
	add(o, "move_priority_error", c->priority_errno ?
	    json_object_new_string(nm_range_errno_name(c->priority_errno)) : NULL);
	/* NONE is "never planned", not an outcome of a tick. */
	add(o, "reasons", counts_json(c->reasons, NM_PLAN_R_NONE + 1, NM_PLAN_R_COUNT, reason_name));
	add_counters(o, c, scan_counters, sizeof(scan_counters) / sizeof(scan_counters[0]));
	add(o, "samples", ctl_json_u64(st->samples));
	add(o, "samples_lost", ctl_json_u64(st->lost));
	add(o, "samples_dropped", ctl_json_u64(st->dropped));
	add(o, "processes_tracked", ctl_json_u64(s->tracker->n));
	add(o, "processes_added", ctl_json_u64(s->tracker->added));
	add(o, "processes_dropped", ctl_json_u64(s->tracker->dropped));
	/* Cgroups visited by the tracking walks (subtrees no policy can
	 * match are not entered). */
	add(o, "cgroups_walked", ctl_json_u64(s->tracker->cgroups_walked));
	/* The last walk's cost, which paces the next (NM_TRACK_WALK_FACTOR). */
	add(o, "cgroup_walk_us", ctl_json_u64(s->tracker->walk_ns / 1000));
	return o;
}

/* ---- policies ----------------------------------------------------------- */

struct policy_sum {
	uint64_t processes, rss_bytes;
	uint64_t *eligible_kb;          /* [nr_nodes] */
	uint64_t local_kb, placed_kb;   /* over tasks known to run somewhere */
};

static void sum_task(struct policy_sum *p, const struct nm_task *t, int nr_nodes)
{
	uint64_t local;

	p->processes++;
	p->rss_bytes += t->id.rss_bytes;
	for (int n = 0; n < nr_nodes; n++)
		p->eligible_kb[n] += ctl_task_eligible_kb(t, n);
	if (ctl_task_local_kb(t, &local)) {
		p->local_kb += local;
		p->placed_kb += ctl_task_eligible_total_kb(t);
	}
}

static json_object *policy_sum_json(const struct nm_policy *pol, const struct policy_sum *p,
				    int nr_nodes)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	uint64_t total = 0;

	for (int n = 0; n < nr_nodes; n++) {
		json_object_array_add(a, ctl_json_u64(p->eligible_kb[n] * 1024));
		total += p->eligible_kb[n] * 1024;
	}
	add(o, "name", json_object_new_string(pol->name));
	add(o, "mode", json_object_new_string(nm_mode_name(pol->mode)));
	add(o, "policy", json_object_new_string(nm_policy_kind_name(pol->policy)));
	add(o, "processes", ctl_json_u64(p->processes));
	add(o, "rss_bytes", ctl_json_u64(p->rss_bytes));
	add(o, "eligible_bytes", ctl_json_u64(total));
	add(o, "eligible_bytes_per_node", a);
	/* Each process's locality (ctl_task_local_kb), weighted by its
	 * eligible memory, over the processes known to run somewhere. */
	add(o, "locality_pct", ctl_json_pct(p->local_kb, p->placed_kb));
	return o;
}

static json_object *policies_json(const struct ctl_state *s)
{
	const struct nm_config *cfg = s->config;
	json_object *a = json_object_new_array();
	struct policy_sum p;

	p.eligible_kb = calloc((size_t)s->nr_nodes + 1, sizeof(*p.eligible_kb));
	if (!p.eligible_kb)
		return a;
	for (size_t i = 0; i < cfg->n_policies; i++) {
		memset(p.eligible_kb, 0, ((size_t)s->nr_nodes + 1) * sizeof(*p.eligible_kb));
		p.processes = p.rss_bytes = p.local_kb = p.placed_kb = 0;
		for (size_t j = 0; j < s->tracker->n; j++)
			if (s->tracker->v[j]->policy == &cfg->policies[i])
				sum_task(&p, nm_task_of(s->tracker->v[j]), s->nr_nodes);
		json_object_array_add(a, policy_sum_json(&cfg->policies[i], &p, s->nr_nodes));
	}
	free(p.eligible_kb);
	return a;
}

/* ---- processes ---------------------------------------------------------- */

static json_object *last_action_json(const struct ctl_state *s, const struct nm_task *t)
{
	const struct nm_plan_state *st = &t->plan;
	json_object *o;

	if (st->last_action_reason == NM_PLAN_R_NONE)
		return NULL;
	o = json_object_new_object();
	add(o, "action", json_object_new_string(t->id.policy && t->id.policy->mode == NM_MODE_ADVISE ?
						"advise" : "migrate"));
	add(o, "reason", json_object_new_string(nm_plan_reason_name(st->last_action_reason)));
	add(o, "target", ctl_json_node(st->last_target));
	add(o, "bytes", ctl_json_u64(st->last_bytes));
	add(o, "ago_ms", ctl_json_u64(ctl_ago(s->now_ms, st->last_action_ms)));
	return o;
}

json_object *ctl_task_json(const struct ctl_state *s, const struct nm_task *t)
{
	json_object *o = json_object_new_object();
	uint64_t total = ctl_task_eligible_total_kb(t), local;
	bool placed = ctl_task_local_kb(t, &local);

	add(o, "pid", json_object_new_int((int)t->id.pid));
	add(o, "comm", json_object_new_string(t->id.comm));
	add(o, "cgroup", t->id.cgroup ? json_object_new_string(t->id.cgroup) : NULL);
	add(o, "policy", t->id.policy ? json_object_new_string(t->id.policy->name) : NULL);
	add(o, "rss_bytes", ctl_json_u64(t->id.rss_bytes));
	add(o, "eligible_bytes", ctl_json_u64(total * 1024));
	/* Where the planner sent its memory, and where it runs now. */
	add(o, "home", ctl_json_node(ctl_task_home(t)));
	add(o, "cpu_node", ctl_json_node(ctl_task_cpu_node(t)));
	add(o, "locality_pct", placed ? ctl_json_pct(local, total) : NULL);
	/* Placed by region: its hot set (regions planned on recent accesses),
	 * the share of it on nodes with CPUs (tiering) and on a node whose
	 * threads write it (its locality by region); none while not placed
	 * by region. */
	ctl_json_hot_set(o, &t->tier);
	add(o, "state", json_object_new_string(nm_plan_state_name(t->plan.phase)));
	add(o, "busy", json_object_new_boolean(t->busy > 0));
	add(o, "pages_moved", ctl_json_u64(t->pages_moved));
	add(o, "last_reason", json_object_new_string(nm_plan_reason_name(t->plan.last_reason)));
	add(o, "last_reason_ago_ms", t->plan.last_reason == NM_PLAN_R_NONE ? NULL :
	    ctl_json_u64(ctl_ago(s->now_ms, t->plan.last_reason_ms)));
	add(o, "last_action", last_action_json(s, t));
	return o;
}

/* Most eligible memory first; pid breaks ties so the order is stable. */
static int by_eligible(const void *a, const void *b)
{
	const struct nm_task *x = *(const struct nm_task *const *)a;
	const struct nm_task *y = *(const struct nm_task *const *)b;
	uint64_t ex = ctl_task_eligible_total_kb(x), ey = ctl_task_eligible_total_kb(y);

	if (ex != ey)
		return ex < ey ? 1 : -1;
	return x->id.pid < y->id.pid ? -1 : x->id.pid > y->id.pid;
}

static json_object *processes_json(const struct ctl_state *s, size_t top)
{
	const struct nm_tracker *tr = s->tracker;
	json_object *a = json_object_new_array();
	const struct nm_task **v;

	if (!tr->n)
		return a;
	v = malloc(tr->n * sizeof(*v));
	if (!v)
		return a;
	for (size_t i = 0; i < tr->n; i++)
		v[i] = nm_task_of(tr->v[i]);
	qsort(v, tr->n, sizeof(*v), by_eligible);
	for (size_t i = 0; i < tr->n && i < top; i++)
		json_object_array_add(a, ctl_task_json(s, v[i]));
	free(v);
	return a;
}

/* Per online node: its CPUs and memory (free as of the last tick), and
 * the tracked processes' CPU time there in the last tick (as a share of
 * the node's CPUs over that tick's window, an interval unless the tick
 * came early) and eligible memory there. */
static json_object *nodes_json(const struct ctl_state *s)
{
	const struct nm_topology *tp = s->topo;
	json_object *a = json_object_new_array();
	uint64_t window = s->window_ms ? s->window_ms : s->config->interval_ms;

	for (int n = 0; tp && n <= tp->max_node; n++) {
		json_object *o;
		unsigned cpus;
		uint64_t ns = 0, kb = 0;

		if (!numa_bitmask_isbitset(tp->online, (unsigned)n))
			continue;
		cpus = tp->node_cpus[n] ? numa_bitmask_weight(tp->node_cpus[n]) : 0;
		for (size_t i = 0; i < s->tracker->n; i++) {
			const struct nm_task *t = nm_task_of(s->tracker->v[i]);

			if (n < t->res.nr_nodes && t->res.node_ns)
				ns += t->res.node_ns[n];
			kb += ctl_task_eligible_kb(t, n);
		}
		o = json_object_new_object();
		add(o, "node", json_object_new_int(n));
		add(o, "cpus", json_object_new_int((int)cpus));
		add(o, "mem_total_bytes", ctl_json_u64(tp->mem[n].total_kb * 1024));
		add(o, "mem_free_bytes", ctl_json_u64(tp->mem[n].free_kb * 1024));
		add(o, "tracked_cpu_pct", ctl_json_pct(ns / 1000000, (uint64_t)cpus * window));
		add(o, "tracked_eligible_bytes", ctl_json_u64(kb * 1024));
		json_object_array_add(a, o);
	}
	return a;
}

/* The reply's sections, in order (the processes come last). */
static const struct {
	const char *key;
	json_object *(*build)(const struct ctl_state *s);
} sections[] = {
	{ "daemon", daemon_json }, { "attribution", attribution_json }, { "damon", damon_json },
	{ "tiering", tiering_json }, { "totals", totals_json }, { "nodes", nodes_json },
	{ "policies", policies_json },
};

json_object *ctl_status_build(const struct ctl_state *s, size_t top)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "nr_nodes", json_object_new_int(s->nr_nodes));
	add(o, "page_size", ctl_json_u64(s->page_size));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		add(o, sections[i].key, sections[i].build(s));
	add(o, "processes", processes_json(s, top));
	return o;
}

/* engine: one tick of the pipeline. See numamig/engine.h. The "act" and
 * "account" half (submitting and reaping migrations) is in engine-act.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-internal.h"
#include "base/clock.h"
#include "numamig/file.h"
#include "numamig/pmu.h"

/* A footprint rescan costs its process a page-table walk under mmap_lock
 * and costs us CPU; spacing rescans 200x the CPU time each took keeps both
 * near 0.5 %, half of the daemon's 1 %-of-a-core goal, leaving the other
 * half to sampling and planning; so a big process is re-read less often.
 * A migration forces the next tick's rescan (placement is re-read after
 * every migration). No plan reads the map of an idle task (the planner
 * stops at `idle`), only status does: each rescan made while the task is
 * idle doubles the gap, up to RESCAN_MAX_MS, and the tick it runs again its
 * map is re-read if older than the busy gap, so plans never work from an
 * idle-era map. */
#define RESCAN_MAX_MS (300u * 1000)
#define RESCAN_IDLE_SHIFT_MAX 12

static int engine_alloc_scratch(struct nm_engine *e);

/* ---- the tracker's storage: a struct nm_task around each identity ---- */

static struct nm_ident *task_create(void *arg)
{
	struct nm_task *t = calloc(1, sizeof(*t));

	(void)arg;
	return t ? &t->id : NULL;
}

static void task_adopted(struct nm_ident *id, void *arg)
{
	const struct nm_policy *pol = id->policy;

	(void)arg;
	nm_tuner_init(&nm_task_of(id)->tuner, pol->batch_min, pol->batch_max,
		      pol->batch_latency_us * 1000);
}

static bool task_busy(const struct nm_ident *id, void *arg)
{
	(void)arg;
	return nm_task_of(id)->busy;
}

static void task_destroy(struct nm_ident *id, void *arg)
{
	struct nm_task *t = nm_task_of(id);

	(void)arg;
	nm_fp_free(&t->fp);
	nm_sampler_residency_free(&t->res);
	engine_regions_free(t->rg);
	nm_tier_log_free(&t->tier.log);
	free(t);
}

static const struct nm_track_ops task_ops = {
	.create = task_create, .adopted = task_adopted, .busy = task_busy,
	.destroy = task_destroy,
};

/* Each step of nm_engine_new(), named for the error message. */
static int engine_open(struct nm_engine *e, enum nm_sampler_source source, const char **what)
{
	int r;

	*what = "reading the NUMA topology in sys/devices/system and proc/zoneinfo";
	r = nm_topo_load(e->root, &e->topo);
	if (r < 0)
		return r;
	*what = "finding the cgroup2 mount in proc/self/mountinfo";
	r = nm_cgfs_open(e->root, &e->cg);
	if (r < 0)
		return r;
	*what = "opening the residency sampler";
	r = nm_sampler_open(e->root, e->topo, source, 0, &e->sampler);
	if (r < 0)
		return r;
	*what = "starting the migration workers";
	r = nm_migq_start(&nm_mig_kernel, (unsigned)numa_bitmask_weight(e->topo->has_memory),
			  e->topo, &e->migq);
	if (r < 0)
		return r;
	*what = "allocating the engine";
	r = engine_alloc_scratch(e);
	if (r == 0)
		engine_regions_open(e, nm_engine_acts(e)); /* optional: status says why not */
	return r;
}

int nm_engine_new(const struct nm_root *root, enum nm_sampler_source source,
		  struct nm_engine **out, const char **what)
{
	struct nm_engine *e = calloc(1, sizeof(*e));
	const char *step = "allocating the engine";
	int r = e ? 0 : -ENOMEM;

	if (e) {
		e->root = root;
		e->tracker.ops = &task_ops;
		r = engine_open(e, source, &step);
	}
	if (r < 0) {
		nm_engine_free(e);
		if (what)
			*what = step;
		return r;
	}
	*out = e;
	return 0;
}

static int engine_alloc_scratch(struct nm_engine *e)
{
	int n = e->topo->max_node + 1;

	e->nr_nodes = n;
	e->pages = calloc((size_t)n, sizeof(*e->pages));
	e->headroom = calloc((size_t)n, sizeof(*e->headroom));
	e->allowed = numa_bitmask_alloc((unsigned)n);
	e->counters.nr_nodes = n;
	e->counters.moved = calloc((size_t)n * (size_t)n, sizeof(*e->counters.moved));
	e->region_counts = calloc((size_t)n, sizeof(*e->region_counts));
	e->region_proc = calloc((size_t)n, sizeof(*e->region_proc));
	e->region_cpu = calloc((size_t)n, sizeof(*e->region_cpu));
	e->region_on = calloc((size_t)n * QUERIES_PER_TICK, sizeof(*e->region_on));
	e->spans = calloc(QUERIES_PER_TICK, sizeof(*e->spans));
	e->demoting = calloc((size_t)n, sizeof(*e->demoting));
	e->moves_to = calloc((size_t)n, sizeof(*e->moves_to));
	e->tier_settle_ms = calloc((size_t)n, sizeof(*e->tier_settle_ms));
	return e->pages && e->headroom && e->allowed && e->counters.moved && e->region_counts &&
	       e->region_proc && e->region_cpu && e->region_on && e->spans && e->demoting &&
	       e->moves_to && e->tier_settle_ms ? 0 : -ENOMEM;
}

void nm_engine_free(struct nm_engine *e)
{
	if (!e)
		return;
	if (e->migq) {
		nm_migq_stop(e->migq);
		nm_engine_reap(e, 0);
		nm_migq_free(e->migq);
	}
	nm_track_free(&e->tracker);
	engine_regions_close(e);
	engine_damon_close(e);
	nm_sampler_close(e->sampler);
	nm_cgfs_free(e->cg);
	nm_topo_free(e->topo);
	free(e->budgets);
	free(e->pages);
	free(e->headroom);
	if (e->allowed)
		numa_bitmask_free(e->allowed);
	free(e->counters.moved);
	free(e->region_counts);
	free(e->region_proc);
	free(e->region_cpu);
	free(e->region_on);
	free(e->spans);
	free(e->parts);
	free(e->moves);
	free(e->move_plans);
	free(e->demoting);
	free(e->moves_to);
	free(e->tier_settle_ms);
	free(e->chunks);
	free(e);
}

int nm_engine_set_config(struct nm_engine *e, const struct nm_config *config, uint64_t now_ms)
{
	struct nm_plan_budget *b = calloc(config->n_policies ? config->n_policies : 1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < config->n_policies; i++)
		nm_plan_budget_init(&b[i], config->policies[i].rate_limit_bps, 0, now_ms);
	free(e->budgets);
	e->budgets = b;
	e->config = config;
	nm_migq_set_raise(e->migq, config->move_priority == NM_MOVE_RAISED ? NM_MIGQ_RAISE : 0);
	engine_regions_config(e, config, now_ms);
	nm_track_forget_scopes(&e->tracker);
	/* Nothing may point into the old config after this returns. */
	for (size_t i = 0; i < e->tracker.n; i++) {
		struct nm_task *t = nm_task_of(e->tracker.v[i]);

		t->id.policy = nm_config_match(config, t->id.cgroup, t->id.comm);
		if (!t->id.policy || t->id.policy->mode == NM_MODE_OFF) {
			t->id.policy = NULL;
			t->id.doomed = true;
			continue;
		}
		task_adopted(&t->id, e); /* the batch bounds of its new policy */
	}
	nm_track_sweep(&e->tracker);
	return 0;
}

/* GAP << SHIFT, at least FLOOR and at most RESCAN_MAX_MS. */
static uint64_t rescan_gap(uint64_t gap, uint64_t floor, unsigned shift)
{
	if (gap < floor)
		gap = floor;
	return gap > RESCAN_MAX_MS >> shift ? RESCAN_MAX_MS : gap << shift;
}

static bool task_idle(const struct nm_task *t)
{
	return t->res.total_ns == 0;
}

/* A map read when the process held much less memory than it does now
 * (its RSS has grown by a quarter since) is stale: read while the
 * process was still touching its memory, it plans on a part of it
 * (a process placed at its first tick on a quarter of its pages sat on
 * min_gain until its next read, seconds later where reads are dear). A
 * process that keeps growing is so re-read at most once per quarter of
 * growth, a few times the cost of its last read in all. */
static bool map_outgrown(const struct nm_task *t)
{
	return t->id.rss_bytes > t->fp_rss_bytes + t->fp_rss_bytes / 4;
}

/* Never read, stale after a move or outgrown, or triggered (a trigger
 * may act on an idle task): due now. Otherwise an idle task keeps its backed-off
 * schedule, and a running one is due one busy gap after the last read,
 * however far the idle schedule had got. */
uint64_t nm_engine_rescan_due(const struct nm_task *t)
{
	if (!t->fp_seq || t->fp_stale || t->triggered || map_outgrown(t))
		return 0;
	return t->fp_scanned_ms + rescan_gap(t->fp_base_ms, 0, task_idle(t) ? t->fp_idle_scans : 0);
}

/* Re-read the footprint when it is due (or FORCE) and the tick's scan
 * budget allows. A task whose map cannot be read is doomed (-ESRCH: gone;
 * anything else: it cannot be read). The next read is due RESCAN_FACTOR
 * times the CPU time this one took, not its wall time: in a busy 4-node
 * guest a read of a 48 MiB process took 38-65 ms of wall time, nearly all
 * of it waiting for a CPU the process's threads kept busy, which put its
 * next read 8-13 s off, and a process first read while it was still
 * touching its memory sat that long on min_gain (bench W4: the last
 * process of four placed at 13 s, not 1.5 s). */
static int rescan(struct nm_engine *e, struct nm_task *t, uint64_t now_ms, bool force)
{
	const struct nm_policy *pol = t->id.policy;
	struct nm_fp_rules rules = { .max_mapcount = pol->max_mapcount,
				     .file_backed = pol->file_backed,
				     .exclude_files = pol->exclude_files,
				     .n_exclude_files = pol->n_exclude_files };
	uint64_t cpu_ns;
	int r;

	if (now_ms < nm_engine_rescan_due(t) && !force)
		return 0;
	if (t->fp_seq && e->config->scan_budget_bytes && e->scan_spent >= e->config->scan_budget_bytes)
		return 0; /* over budget this tick: plan on the last map */
	cpu_ns = nm_thread_cpu_ns();
	r = nm_fp_scan(t->id.proc, &rules, NULL, &t->fp);
	cpu_ns = nm_thread_cpu_ns() - cpu_ns;
	if (r < 0) {
		t->id.doomed = true;
		return r;
	}
	engine_shared_hold(e, t);
	e->counters.scans++;
	e->counters.scan_bytes += t->fp.scan.bytes;
	e->counters.scan_ns += t->fp.scan.elapsed_ns;
	e->scan_spent += t->fp.scan.bytes;
	t->fp_seq++;
	t->fp_stale = false;
	t->fp_rss_bytes = t->id.rss_bytes;
	t->fp_scanned_ms = now_ms;
	t->fp_base_ms = rescan_gap(cpu_ns / 1000000 * RESCAN_FACTOR,
				   e->config->interval_ms, 0);
	if (!task_idle(t))
		t->fp_idle_scans = 0;
	else if (t->fp_idle_scans < RESCAN_IDLE_SHIFT_MAX)
		t->fp_idle_scans++;
	return 0;
}

/* policy nodes ∩ the task's cpuset mems ∩ nodes with memory. */
static void fill_allowed(struct nm_engine *e, const struct nm_task *t)
{
	numa_bitmask_clearall(e->allowed);
	for (int n = 0; n < e->nr_nodes; n++) {
		if (!numa_bitmask_isbitset(e->topo->has_memory, (unsigned)n))
			continue;
		if (t->id.policy->nodes && (n >= (int)t->id.policy->nodes->size ||
					 !numa_bitmask_isbitset(t->id.policy->nodes, (unsigned)n)))
			continue;
		if (t->id.mems_allowed && (n >= (int)t->id.mems_allowed->size ||
					!numa_bitmask_isbitset(t->id.mems_allowed, (unsigned)n)))
			continue;
		numa_bitmask_setbit(e->allowed, (unsigned)n);
	}
}

static void fill_input(struct nm_engine *e, struct nm_task *t, uint64_t now_ms,
		       struct nm_plan_input *in)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (int n = 0; n < e->nr_nodes; n++) {
		const struct nm_node_mem *m = &e->topo->mem[n];

		e->pages[n] = n < t->fp.eligible.nr_nodes && !engine_hot_only(e, t, n) ?
			      t->fp.eligible.kb[n] * 1024 / page : 0;
		e->headroom[n] = ((int64_t)m->free_kb - (int64_t)m->wmark_high_kb) * 1024;
	}
	fill_allowed(e, t);
	*in = (struct nm_plan_input){
		.now_ms = now_ms,
		.window_ms = e->window_ms,
		.nr_nodes = e->nr_nodes,
		.cpu_ns = t->res.node_ns,
		.last_node = t->res.last_node,
		/* Not for a process placed by region: its threads run on
		 * several nodes, and one node's alone for a while is some
		 * threads resting, not a move. */
		.tail_node = t->res.tail_node,
		.tail_ms = t->rg ? 0 : t->res.tail_ns / 1000000,
		.pages = e->pages,
		.page_size = page,
		.placement_seq = t->fp_seq,
		.allowed = e->allowed,
		.cpu_nodes = e->topo->has_cpu,
		.headroom = e->headroom,
		.triggered = t->triggered,
	};
}

bool nm_engine_acts(const struct nm_engine *e)
{
	return nm_root_is_live(e->root);
}

/* The policy as planned: one that would move memory only advises where
 * nothing may be moved (nm_engine_acts). */
static const struct nm_policy *plan_policy(const struct nm_engine *e, const struct nm_task *t,
					   struct nm_policy *copy)
{
	if (nm_engine_acts(e) || t->id.policy->mode == NM_MODE_OFF ||
	    t->id.policy->mode == NM_MODE_ADVISE)
		return t->id.policy;
	*copy = *t->id.policy;
	copy->mode = NM_MODE_ADVISE;
	return copy;
}

/* Whether T's plan would move it at this tick on a map read before it
 * came to run where it would go: the planner asked on a copy of its state
 * (it is pure). A running task's map is re-read only every max(interval,
 * RESCAN_FACTOR x its read's CPU time), and a process that touched its memory
 * on one node before it moved to another was moved by the map of its
 * start-up (W2: 9,253 or 11,375 of its 12,294 pages, the rest a tick
 * later). The streak's start is a window's when the new node had the
 * whole window's CPU: a map read then may still predate the move. Asked
 * only of a running task with a map older than the tick's window. */
static bool decides_on_old_map(const struct nm_engine *e, const struct nm_task *t,
			       const struct nm_policy *pol, const struct nm_plan_input *in)
{
	struct nm_plan_state st = t->plan;
	struct nm_plan_decision d = { 0 };

	if (!t->fp_seq || task_idle(t) || t->fp_scanned_ms + e->window_ms >= in->now_ms)
		return false;
	return nm_plan_tick(pol, in, NULL, &st, &d) == 0 &&
	       (d.action == NM_PLAN_MIGRATE || d.action == NM_PLAN_ADVISE) &&
	       t->fp_scanned_ms <= st.dom_since_ms;
}

/* Whether T, placed by region, skips its whole-process plan this tick
 * (keeping the last one's): a region item of its own ran since, and the
 * worker, at a raised priority and not pinned, took most of a CPU from
 * whichever of its threads ran there. The tick's CPU shares then say
 * where the worker ran: one tick of one node looking dominant is a new
 * home at the default dwell, and the whole process moved there, undoing
 * the regions (a 2-node 6.1 guest moved 3 x the misplaced pages). */
static bool skip_whole(struct nm_task *t)
{
	bool skip = t->rg && t->regions_moved && t->last.action != NM_PLAN_MIGRATE;

	t->regions_moved = false;
	return skip;
}

static void plan_task(struct nm_engine *e, struct nm_task *t, uint64_t now_ms)
{
	struct nm_plan_budget *budget = &e->budgets[t->id.policy - e->config->policies];
	struct nm_plan_input in;
	struct nm_policy pol;
	const struct nm_policy *pp;
	int r = nm_sampler_residency(e->sampler, t->id.proc, &t->res);

	if (r < 0)
		t->id.doomed = true; /* -ESRCH: gone; anything else: cannot be read */
	if (r < 0 || rescan(e, t, now_ms, false) < 0)
		return;
	if (e->paused || t->res.nr_nodes != e->nr_nodes)
		return;
	fill_input(e, t, now_ms, &in);
	t->last.src = NULL;
	pp = plan_policy(e, t, &pol);
	if (decides_on_old_map(e, t, pp, &in)) {
		if (rescan(e, t, now_ms, true) < 0)
			return;
		fill_input(e, t, now_ms, &in);
	}
	if (skip_whole(t)) {
		engine_regions_plan(e, t, &in, pp, budget);
		return;
	}
	if (nm_plan_tick(pp, &in, budget, &t->plan, &t->last) < 0)
		return;
	t->triggered = false;
	e->counters.reasons[t->last.reason]++;
	/* attribution: writes places every process by region, never whole. */
	if (t->last.action == NM_PLAN_MIGRATE && e->writes && pp->attribution == NM_ATTR_WRITES)
		nm_plan_budget_refund(budget, t->last.bytes);
	else if (t->last.action == NM_PLAN_MIGRATE)
		engine_submit(e, t, budget);
	if (!t->busy)
		engine_regions_plan(e, t, &in, pp, budget);
}

int nm_engine_tick(struct nm_engine *e, uint64_t now_ms)
{
	int r;

	if (!e->config)
		return -EINVAL;
	r = nm_track_refresh(&e->tracker, e->root, e->cg, e->config, now_ms);
	if (r < 0)
		return r;
	nm_sampler_collect(e->sampler);
	engine_regions_drain(e, now_ms);
	/* The samples cover the time since the last tick, for every task:
	 * one seen for the first time, or skipped while it was migrating,
	 * gets this window, not the time since its own last plan (none, or
	 * several ticks). */
	e->window_ms = e->last_tick_ms && now_ms > e->last_tick_ms ? now_ms - e->last_tick_ms : 0;
	e->last_tick_ms = e->windows_ms = now_ms;
	nm_topo_refresh_mem(e->topo, e->root);
	e->scan_spent = 0;
	for (size_t i = 0; i < e->tracker.n; i++) {
		struct nm_task *t = nm_task_of(e->tracker.v[i]);

		if (t->busy || t->id.doomed || !t->id.policy)
			continue;
		if (now_ms < t->refused_until_ms) {
			e->counters.refused_ticks++;
			continue;
		}
		plan_task(e, t, now_ms);
	}
	nm_sampler_end_tick(e->sampler);
	engine_regions_end_tick(e);
	engine_damon_end_tick(e, now_ms);
	nm_track_sweep(&e->tracker);
	e->counters.ticks++;
	return 0;
}

uint64_t nm_engine_dwell_due_ms(const struct nm_engine *e)
{
	uint64_t due = 0, next;

	if (!e->config || !e->last_tick_ms || e->paused)
		return 0;
	next = e->last_tick_ms + e->config->interval_ms;
	for (size_t i = 0; i < e->tracker.n; i++) {
		const struct nm_task *t = nm_task_of(e->tracker.v[i]);
		uint64_t dwell, at;

		if (!t->id.policy || t->busy || t->plan.phase != NM_PLAN_CANDIDATE)
			continue;
		dwell = nm_plan_dwell_ms(t->id.policy, &t->plan);
		at = e->last_tick_ms + (dwell > t->plan.streak_ms ? dwell - t->plan.streak_ms : 0);
		if (at > e->last_tick_ms && at < next && (!due || at < due))
			due = at;
	}
	return due;
}

uint64_t nm_engine_window_ms(const struct nm_engine *e)
{
	return e->window_ms;
}

void nm_engine_pause(struct nm_engine *e, bool paused)
{
	e->paused = paused;
}

bool nm_engine_paused(const struct nm_engine *e)
{
	return e->paused;
}

int nm_engine_trigger(struct nm_engine *e, pid_t pid)
{
	struct nm_ident *id = nm_track_find(&e->tracker, pid);
	struct nm_task *t = id ? nm_task_of(id) : NULL;

	if (!t || t->id.doomed)
		return -ESRCH;
	t->triggered = true;
	return 0;
}

const struct nm_counters *nm_engine_counters(const struct nm_engine *e)
{
	return &e->counters;
}

const struct nm_task *nm_engine_find(const struct nm_engine *e, pid_t pid)
{
	const struct nm_ident *id = nm_track_find(&e->tracker, pid);

	return id ? nm_task_of(id) : NULL;
}

const struct nm_tracker *nm_engine_tracker(const struct nm_engine *e)
{
	return &e->tracker;
}

const struct nm_topology *nm_engine_topology(const struct nm_engine *e)
{
	return e->topo;
}

const struct nm_root *nm_engine_root(const struct nm_engine *e)
{
	return e->root;
}

struct nm_sampler *nm_engine_sampler(const struct nm_engine *e)
{
	return e->sampler;
}

int nm_engine_writes(const struct nm_engine *e, const char **why)
{
	*why = e->writes ? NULL : e->writes_why;
	return e->writes ? 0 : (e->writes_err < 0 ? e->writes_err : -ENODEV);
}

int nm_engine_softdirty(const struct nm_engine *e, const char **why)
{
	*why = e->sd_err ? e->sd_why : NULL;
	return e->sd_err;
}

int nm_engine_pmu(const struct nm_engine *e, const char **what)
{
	*what = e->pmu ? nm_pmu_event(e->pmu) : e->pmu_why;
	return e->pmu ? 0 : (e->pmu_err < 0 ? e->pmu_err : -ENODEV);
}

int nm_engine_fd(const struct nm_engine *e)
{
	return nm_migq_fd(e->migq);
}

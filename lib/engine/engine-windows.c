/* engine-windows: the write windows of memory that follows the threads
 * (numamig/regions.h): the writes source opened and closed, its records
 * routed into the tasks' stores (or, where it cannot be opened, the
 * soft-dirty bits read instead), one soft-dirty clear per window, the
 * budgets that hold clears back, and the gap between clears, which backs
 * off while placement is settled. engine-regions.c plans on what the
 * windows saw.
 *
 * Costs, each bounded: a clear walks the process's page tables (the clear
 * budget, time per second over all processes); every page written after a
 * clear takes one minor fault (the fault budget, faults per second). Both
 * budgets are token buckets holding BURST_S seconds' worth: a clear waits
 * while either is in debt, so over time neither is exceeded. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "base/array.h"
#include "base/clock.h"
#include "numamig/pmu.h"
#include "numamig/softdirty.h"
#include "numamig/writes.h"

/* While every region is settled the gap between clears doubles, up to
 * 16 intervals: a phase change is still seen within 16 s at the default
 * interval, and a stable process costs 1/16 of the faults. */
#define GAP_MAX_SHIFT 4

const char *nm_regions_wait_name(enum nm_regions_wait w)
{
	static const char *const names[] = {
		"running", "backoff", "fault_budget", "clear_budget", "clear_failed", "idle",
		"whole",
	};

	return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "unknown";
}

void engine_regions_open(struct nm_engine *e, bool live)
{
	if (!live) {
		e->writes_err = e->pmu_err = e->sd_err = -EOPNOTSUPP;
		snprintf(e->writes_why, sizeof(e->writes_why), "not a live system (--root)");
		snprintf(e->sd_why, sizeof(e->sd_why), "not a live system (--root)");
		snprintf(e->pmu_why, sizeof(e->pmu_why), "not a live system (--root)");
		return;
	}
	e->sd_err = nm_softdirty_probe(e->root, e->sd_why, sizeof(e->sd_why));
	e->writes_err = nm_writes_open(e->topo, 0, &e->writes, e->writes_why,
				       sizeof(e->writes_why));
	if (e->writes_err < 0)
		e->writes = NULL;
	e->pmu_err = nm_pmu_open(e->topo, &e->pmu, e->pmu_why, sizeof(e->pmu_why));
	if (e->pmu_err < 0)
		e->pmu = NULL;
}

void engine_regions_close(struct nm_engine *e)
{
	nm_writes_close(e->writes);
	e->writes = NULL;
	nm_pmu_close(e->pmu);
	e->pmu = NULL;
	free(e->sd_buf);
	e->sd_buf = NULL;
}

/* Each bucket holds this many seconds' worth: a process new to placement
 * by region has two windows in its first interval (to tell private memory
 * from shared: nm_regions_first_gap) and more while its regions move and
 * are watched, and at the budgets' pace each of a big process's windows
 * would wait (a clear of 64 MiB took 20 ms in a loaded
 * 4-vCPU guest, twice the default clear budget of a second). */
#define BURST_S 4

void engine_regions_config(struct nm_engine *e, const struct nm_config *c, uint64_t now_ms)
{
	nm_plan_budget_init(&e->fault_bucket, c->fault_budget, c->fault_budget * BURST_S, now_ms);
	nm_plan_budget_init(&e->clear_bucket, c->clear_budget_us, c->clear_budget_us * BURST_S,
			    now_ms);
}

void engine_regions_free(struct nm_regions *rg)
{
	if (!rg)
		return;
	for (size_t i = 0; i < rg->n; i++)
		free(rg->v[i].pages);
	free(rg->v);
	free(rg->sd_skip);
	free(rg->thr);
	nm_access_free(&rg->store);
	free(rg);
}

/* ---- routing the write records ---- */

struct route {
	struct nm_engine *e;
	pid_t pid;                /* the last record's, and its task */
	struct nm_task *t;
};

/* The faults a window's reads counted: each page counted once a window,
 * whichever source saw it, took one write fault after the clear. */
static void induced(struct nm_engine *e, struct nm_regions *rg, uint64_t pages)
{
	rg->faults += pages;
	e->counters.induced_faults += pages;
	nm_plan_budget_take(&e->fault_bucket, pages, true);
}

static void route_one(const struct nm_access_rec *r, void *arg)
{
	struct route *d = arg;
	struct nm_regions *rg;
	uint64_t before;

	if (r->pid != d->pid) {
		struct nm_ident *id = nm_track_find(&d->e->tracker, r->pid);

		d->pid = r->pid;
		d->t = id ? nm_task_of(id) : NULL;
	}
	rg = d->t ? d->t->rg : NULL;
	if (!rg || !rg->open)
		return; /* not a process we opened a window for */
	if (!rg->woke) {
		const struct nm_access_region *old = nm_access_find(&rg->store, r->addr);

		rg->woke = !old || old->last_window + 1 < rg->store.window;
	}
	before = rg->store.st.counted;
	nm_access_add(&rg->store, r, 1);
	if (r->src != NM_ACCESS_WRITES)
		return; /* a PMU sample: no fault was induced */
	induced(d->e, rg, rg->store.st.counted - before);
}

/* ---- the soft-dirty bits (no fault event) ---- */

struct sd_feed {
	struct nm_regions *rg;
	int node;
};

/* A run of soft-dirty pages into the window, less the ranges demoted in
 * it (the skip list is a few chunks). */
static int sd_run(unsigned long start, unsigned long end, void *arg)
{
	struct sd_feed *f = arg;
	const struct nm_regions *rg = f->rg;
	int r;

	for (size_t i = 0; i < rg->sd_n_skip && start < end; i++) {
		const struct nm_regions_range *s = &rg->sd_skip[i];

		if (s->end <= start || s->start >= end)
			continue;
		if (s->start > start && (r = sd_run(start, s->start, arg)) < 0)
			return r;
		start = s->end;
	}
	if (start >= end)
		return 0;
	r = nm_access_add_range(&f->rg->store, start, end, f->node, NM_ACCESS_SOFTDIRTY, 1);
	if (r < 0)
		return r;
	f->rg->woke |= r > 0;
	return 0;
}

/* T's pages written since its clear, from their soft-dirty bits, into its
 * open window, counted on its home. Read over the rows of its footprint
 * (the memory its policy may move) as the fault rings are drained, at
 * every tick while the window is open, so that a window that wakes is seen
 * at the next tick, unless the read is dear: like a numa_maps read, it is
 * repeated no sooner than RESCAN_FACTOR times the CPU time it took. A window is
 * always read just before it closes (engine_window_due). On x86 a dirty
 * page that migrates gets a soft-dirty PTE (in a cxl 6.1 guest each of the
 * 3,584 pages a demotion moved read as written): the ranges demoted while
 * the window is open are not read until the next clear, which comes at
 * the next tick, or a set gone cold would look hot again. What is
 * promoted is written anyway. */
static void softdirty_read(struct nm_engine *e, struct nm_task *t, uint64_t now_ms)
{
	struct nm_regions *rg = t->rg;
	const struct nm_vmatab *tab = &t->fp.tab;
	struct sd_feed f = { rg, t->last.home };
	uint64_t before = rg->store.st.counted, t0 = nm_mono_ns(), cpu = nm_thread_cpu_ns(), ns;
	uint64_t gap;
	int r = 0;

	if (f.node < 0)
		return;
	if (!e->sd_buf && !(e->sd_buf = malloc(NM_SOFTDIRTY_CHUNK * sizeof(*e->sd_buf))))
		return;
	for (size_t i = 0; i < tab->n_vmas && r == 0; i++)
		r = nm_softdirty_scan(t->id.proc, tab->vmas[i].start, tab->vmas[i].end, e->sd_buf,
				      sd_run, &f, &e->counters.softdirty_words);
	ns = nm_mono_ns() - t0;
	gap = (nm_thread_cpu_ns() - cpu) / 1000000 * RESCAN_FACTOR; /* CPU time: see rescan() */
	rg->sd_read_ms = now_ms;
	rg->sd_next_ms = now_ms + (gap > e->config->interval_ms ? gap : e->config->interval_ms);
	e->counters.softdirty_scans++;
	e->counters.softdirty_ns += ns;
	induced(e, rg, rg->store.st.counted - before);
	if (r == -ESRCH)
		t->id.doomed = true;
	else if (r < 0)
		e->counters.softdirty_errors++;
}

void engine_window_read(struct nm_engine *e, struct nm_task *t, uint64_t now_ms)
{
	if (t->rg && t->rg->open && !e->writes && t->rg->sd_read_ms != now_ms)
		softdirty_read(e, t, now_ms);
}

/* Forget what the plans of RG read of the pages in [START, END), moved by
 * a move of no plan's own (a demotion's chunks): a plan that still counted
 * them where they were would find its region local when it is written
 * again, as a region move already makes its own plan read again. */
static void unplace(struct nm_regions *rg, unsigned long start, unsigned long end)
{
	/* A plan is keyed inside its region, where the pages it read lie. */
	unsigned long first = start & ~(nm_access_region_bytes(&rg->store) - 1);

	for (size_t k = nm_regions_plan_lower(rg, first); k < rg->n && rg->v[k].start < end; k++)
		if (rg->v[k].placed_start < end && start < rg->v[k].placed_end)
			rg->v[k].placed_window = 0;
}

void engine_window_moved(const struct nm_engine *e, struct nm_regions *rg,
			 const struct nm_mig_region *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		unplace(rg, v[i].start, v[i].end);
	if (!rg->open || e->writes)
		return;
	/* Out of memory, the ranges are read: a demoted set may come back. */
	if (array_grow((void **)&rg->sd_skip, &rg->sd_cap_skip, rg->sd_n_skip + n,
		       sizeof(*rg->sd_skip)) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		rg->sd_skip[rg->sd_n_skip++] = (struct nm_regions_range){ v[i].start, v[i].end };
	/* Blind to those ranges until a clear: the window ends at the next
	 * tick, or a set written again in them would not be seen while it
	 * stays open (backed off, up to 16 s). */
	rg->next_clear_ms = 0;
}

void engine_regions_drain(struct nm_engine *e, uint64_t now_ms)
{
	struct route d = { .e = e, .pid = -1 };

	if (e->writes && e->writes_on)
		nm_writes_drain(e->writes, route_one, &d);
	if (e->pmu && e->pmu_on)
		nm_pmu_drain(e->pmu, route_one, &d);
	for (size_t i = 0; i < e->tracker.n; i++) {
		struct nm_task *t = nm_task_of(e->tracker.v[i]);

		if (!e->writes && t->rg && t->rg->open && !t->busy && !t->id.doomed &&
		    now_ms + nm_regions_slack_ms(e->config->interval_ms) >= t->rg->sd_next_ms)
			softdirty_read(e, t, now_ms);
	}
}

/* The events see every fault (and load) on the machine: on only while a
 * window is open. The PMU's samples add to the same windows as the
 * writes: reads, which the writes source cannot see. */
void engine_regions_end_tick(struct nm_engine *e)
{
	bool open = false;

	for (size_t i = 0; i < e->tracker.n && !open; i++) {
		const struct nm_regions *rg = nm_task_of(e->tracker.v[i])->rg;

		open = rg && rg->open;
	}
	if (e->writes && open != e->writes_on && nm_writes_enable(e->writes, open) == 0)
		e->writes_on = open;
	if (e->pmu && open != e->pmu_on && nm_pmu_enable(e->pmu, open) == 0)
		e->pmu_on = open;
}


/* Forget the plans of regions the store evicted. */
static void plan_prune(struct nm_regions *rg)
{
	size_t k = 0;

	for (size_t i = 0; i < rg->n; i++) {
		if (nm_access_find(&rg->store, rg->v[i].start))
			rg->v[k++] = rg->v[i];
		else
			free(rg->v[i].pages);
	}
	rg->n = k;
}

/* ---- windows ---- */

int engine_windows_new(struct nm_engine *e, struct nm_task *t, uint64_t now_ms)
{
	struct nm_regions *rg = calloc(1, sizeof(*rg));
	struct nm_access_opts o;
	unsigned shift = 0;

	if (!rg)
		return -ENOMEM;
	nm_access_default_opts(&o, e->nr_nodes);
	while ((1ull << (shift + 1)) <= t->id.policy->region_bytes)
		shift++;
	o.region_shift = shift < o.page_shift ? o.page_shift : shift;
	if (nm_access_init(&rg->store, &o, now_ms * 1000000) < 0) {
		free(rg);
		return -EINVAL;
	}
	rg->since_ms = now_ms;
	rg->prev_window_ms = NM_REGIONS_NO_WINDOW;
	rg->gap_ms = e->config->interval_ms;
	t->rg = rg;
	return 0;
}

void engine_windows_drop(struct nm_task *t)
{
	engine_regions_free(t->rg);
	t->rg = NULL;
}

/* Whether a budget keeps the next clear waiting, and which. A clear put
 * off counts once, however many ticks it waits. */
static bool budget_waits(struct nm_engine *e, struct nm_regions *rg, uint64_t now_ms)
{
	bool waiting = rg->wait == NM_REGIONS_FAULT_BUDGET || rg->wait == NM_REGIONS_CLEAR_BUDGET;

	if (!nm_plan_budget_available(&e->fault_bucket, now_ms))
		rg->wait = NM_REGIONS_FAULT_BUDGET;
	else if (!nm_plan_budget_available(&e->clear_bucket, now_ms))
		rg->wait = NM_REGIONS_CLEAR_BUDGET;
	else
		return false;
	if (!waiting)
		e->counters.budget_waits++;
	return true;
}

/* Close RG's open window at NOW_MS. */
void engine_window_close(struct nm_regions *rg, uint64_t now_ms)
{
	if (!rg->open)
		return;
	rg->written_last = 0;
	for (size_t i = 0; i < rg->store.n; i++)
		rg->written_last += rg->store.regions[i].seen_now;
	nm_access_end_window(&rg->store, now_ms * 1000000);
	plan_prune(rg);
	rg->flips = rg->flips / 2 + (float)(rg->store.st.flips - rg->last_flips);
	rg->compared = rg->compared / 2 + (float)(rg->store.st.compared - rg->last_compared);
	rg->last_flips = rg->store.st.flips;
	rg->last_compared = rg->store.st.compared;
	rg->open = false;
	rg->woke = false;
	/* The next window is due at once: a window closed early (it woke)
	 * while its regions are moved opens at the first tick after the
	 * move, not one backed-off gap (16 s) after the last clear, when
	 * what the move left (a hot set half seen, a set gone cold that
	 * only a watched window can tell) would wait that long. */
	rg->next_clear_ms = 0;
}

/* Close T's open window when the next is due (and the budgets allow):
 * the plan of this tick reads it, and engine_window_open then opens the
 * next. With EARLY, a window that woke (a region written that the window
 * before did not see: a new hot set) is due at once, and is planned on
 * (see nm_regions_fresh): waiting a tick for it to close, and another for
 * a window of one interval, put two seconds between a phase change and
 * its move. Returns whether the window was due. */
bool engine_window_due(struct nm_engine *e, struct nm_task *t, uint64_t now_ms, bool early)
{
	struct nm_regions *rg = t->rg;
	bool woke = early && rg->open && rg->woke;

	/* Due one gap after the clear, give or take the ticks' jitter: a
	 * window of 924 ms must not run to 1,924 (nm_regions_slack_ms). */
	if (now_ms + nm_regions_slack_ms(e->config->interval_ms) < rg->next_clear_ms && !woke) {
		/* The gap grew because placement is stable (see
		 * engine_regions_plan): say so while the clear waits. */
		if (rg->wait == NM_REGIONS_RUNNING && rg->gap_ms > e->config->interval_ms)
			rg->wait = NM_REGIONS_BACKOFF;
		return false;
	}
	if (budget_waits(e, rg, now_ms))
		return false;
	engine_window_read(e, t, now_ms); /* the rest of the window's writes */
	rg->prev_window_ms = rg->open ? rg->window_ms : NM_REGIONS_NO_WINDOW;
	if (!rg->open)
		rg->observed_ms = 0; /* a gap: what was not watched is not known cold */
	engine_window_close(rg, now_ms);
	rg->closed_ms = now_ms;
	rg->closed_woke = woke;
	return true;
}

/* Open T's next window at NOW_MS: one clear. */
void engine_window_open(struct nm_engine *e, struct nm_task *t, uint64_t now_ms)
{
	struct nm_regions *rg = t->rg;
	uint64_t t0, ns;
	int r;

	if (e->writes && !e->writes_on && nm_writes_enable(e->writes, true) == 0)
		e->writes_on = true; /* before the clear: its faults must be seen */
	/* The CPU time the clear took, not its wall time, which counts the
	 * time the daemon waited for a CPU the process's threads keep busy:
	 * a process's first clear of 48 MiB in a 4-node guest took 19.6 ms,
	 * 3.2 ms of it on a CPU (2-node: 13.0 and 3.0 ms). Charged in wall
	 * time, the first clears could spend the budget's whole burst, and
	 * the next window waited seconds for it (twice in W4t, whose moves
	 * then began at 9 s, not 2.5 s). */
	t0 = nm_thread_cpu_ns();
	r = nm_softdirty_clear(t->id.proc);
	ns = nm_thread_cpu_ns() - t0;
	nm_plan_budget_take(&e->clear_bucket, ns / 1000, true);
	rg->open = r == 0;
	rg->sd_n_skip = 0;
	if (r == -ESRCH) {
		t->id.doomed = true;
		return;
	}
	if (r < 0) {
		/* Refused (a security module, a kernel without soft-dirty):
		 * it will be refused again; retry rarely. */
		e->counters.clear_errors++;
		rg->clear_err = -r;
		rg->wait = NM_REGIONS_CLEAR_FAILED;
		rg->next_clear_ms = now_ms + (e->config->interval_ms << GAP_MAX_SHIFT) * 4;
		return;
	}
	rg->clear_err = 0;
	if (!rg->observed_ms)
		rg->observed_ms = now_ms;
	rg->clear_ns += ns;
	e->counters.clears++;
	e->counters.clear_ns += ns;
	rg->window_ms = now_ms;
	rg->next_clear_ms = now_ms + nm_regions_first_gap(rg->gap_ms, rg->clears, t->last.home);
	rg->clears++;
	rg->wait = NM_REGIONS_RUNNING;
}


/* ---- between ticks ---- */

/* Whether T's open window is due before the next tick (as the engine
 * expects it), by more than the ticks' jitter. */
static bool due_between(const struct nm_engine *e, const struct nm_task *t)
{
	const struct nm_regions *rg = t->rg;

	return rg && rg->open && !t->busy && !t->id.doomed &&
	       rg->next_clear_ms + nm_regions_slack_ms(e->config->interval_ms) <
	       e->last_tick_ms + e->config->interval_ms;
}

uint64_t nm_engine_windows_due_ms(const struct nm_engine *e)
{
	uint64_t due = 0;

	if (!e->config || !e->last_tick_ms)
		return 0;
	for (size_t i = 0; i < e->tracker.n; i++) {
		const struct nm_task *t = nm_task_of(e->tracker.v[i]);

		/* One that was due and had to wait (a budget) waits for the
		 * tick. */
		if (due_between(e, t) && t->rg->next_clear_ms > e->windows_ms &&
		    (!due || t->rg->next_clear_ms < due))
			due = t->rg->next_clear_ms;
	}
	return due;
}

/* A window due between ticks is closed and the next opened at once; the
 * plan of the next tick reads them. The records are routed first: those
 * of the window closing are its own. */
void nm_engine_windows(struct nm_engine *e, uint64_t now_ms)
{
	if (!e->config)
		return;
	e->windows_ms = now_ms;
	engine_regions_drain(e, now_ms);
	for (size_t i = 0; i < e->tracker.n; i++) {
		struct nm_task *t = nm_task_of(e->tracker.v[i]);

		if (due_between(e, t) && engine_window_due(e, t, now_ms, false))
			engine_window_open(e, t, now_ms);
	}
	engine_regions_end_tick(e);
}

/* Stable placement: fewer clears, fewer faults. Placement that changes
 * again: a clear every interval, and a long window open now ends at the
 * next tick. The gap doubles at a clear, once a plan on fresh writes found
 * every region settled, and the window that clear opens is the first of
 * the new length. With TIERED (pages on a memory-only node that
 * only written regions bring home), a window that saw memory written that
 * the one before did not (rg->woke: the written set moved, a phase
 * change) counts as a change too: backed off to 16 s, the new hot set
 * would wait that long to be planned on fresh writes. */
void engine_windows_schedule(const struct nm_engine *e, struct nm_regions *rg, uint64_t now_ms,
			     bool tiered)
{
	uint64_t interval = e->config->interval_ms;

	if (!rg->settled || (tiered && rg->woke)) {
		rg->gap_ms = interval;
		if (rg->open && rg->next_clear_ms > rg->window_ms + interval)
			rg->next_clear_ms = rg->window_ms + interval;
	} else if (rg->gap_ms < interval << GAP_MAX_SHIFT && rg->open && rg->window_ms == now_ms) {
		rg->gap_ms *= 2;
		rg->next_clear_ms = rg->window_ms + rg->gap_ms;
	}
}

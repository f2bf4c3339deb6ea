/* regions: what the engine keeps about a process whose memory is placed
 * region by region, after the threads that write it (numamig/access.h),
 * rather than as a whole after the process's dominant node.
 *
 * A process gets this state when its threads run on several nodes (the
 * process plan says no_dominant_node, and two of its threads ran mostly on
 * different nodes: nm_regions_threads_spread) and its policy's attribution allows
 * it, or always with attribution: writes. It holds the access store fed by
 * the writes source, the schedule of its windows (one soft-dirty clear
 * opens each), and one planner state per region that was written, kept in
 * address order. The engine owns and writes it (lib/engine/engine-windows.c,
 * engine-regions.c); status and explain read it, const.
 */
#ifndef NUMAMIG_REGIONS_H
#define NUMAMIG_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "numamig/access.h"
#include "numamig/planner.h"
#include "numamig/sampler.h"

/* One region as the planner sees it. */
struct nm_region_plan {
	unsigned long start;            /* as in the store: aligned */
	uint64_t *pages;                /* [nr_nodes]: its pages per node */
	uint64_t placed_window;         /* the store window they were read in; 0: never */
	unsigned long placed_start, placed_end; /* the span they were read over */
	uint64_t placement_seq;         /* bumped by each read of pages */
	uint64_t pages_moved;           /* over its lifetime */
	struct nm_plan_state plan;
	struct nm_plan_decision last;
};

/* Why a process's windows are not running, for explain. */
enum nm_regions_wait {
	NM_REGIONS_RUNNING,             /* a window is open */
	NM_REGIONS_BACKOFF,             /* placement stable: the next clear waits */
	NM_REGIONS_FAULT_BUDGET,        /* the induced-fault budget is spent */
	NM_REGIONS_CLEAR_BUDGET,        /* the clear-time budget is spent */
	NM_REGIONS_CLEAR_FAILED,        /* clear_refs refused (clear_err) */
	NM_REGIONS_IDLE,                /* no CPU time: nothing to learn */
	NM_REGIONS_WHOLE,               /* one node dominant for now: planned whole */
};
const char *nm_regions_wait_name(enum nm_regions_wait w);

/* prev_window_ms when no window was open before the open one. */
#define NM_REGIONS_NO_WINDOW UINT64_MAX

struct nm_regions {
	struct nm_access store;
	bool open;                      /* a window is open (the process was cleared) */
	/* Without the fault event (the engine's writes source), its writes
	 * are read from the soft-dirty bits, on its home: */
	uint64_t sd_read_ms, sd_next_ms; /* their last read, and when the next is due */
	/* Ranges demoted while the window was open, whose bits it does not
	 * read (engine_window_moved). */
	struct nm_regions_range { unsigned long start, end; } *sd_skip;
	size_t sd_n_skip, sd_cap_skip;
	uint64_t since_ms;              /* when this state was made */
	uint64_t window_ms;             /* when the open window began */
	uint64_t observed_ms;           /* windows open one after another since */
	uint64_t prev_window_ms;        /* when the one it followed began, or: */
	uint64_t gap_ms;                /* between two clears, backed off when stable */
	bool settled;                   /* the last plan on fresh writes moved nothing */
	bool woke;                      /* the open window saw a region written that
	                                   the window before it did not */
	uint64_t closed_ms;             /* when the last window due was closed */
	bool closed_woke;               /* that window had woken, and was closed for it
	                                   (engine_window_due) */
	uint64_t next_clear_ms;
	enum nm_regions_wait wait;
	int clear_err;                  /* the last clear_refs errno, 0: none */
	/* Regions whose writer changed from one window to the next, over
	 * those written in both, decayed by half each window: memory several
	 * threads write (numamig/access.h). At or above NM_REGIONS_SHARED no
	 * region has a home of its own. */
	float flips, compared;
	uint64_t last_flips, last_compared;  /* the store's counts at the last close */
	struct nm_region_plan *v;       /* by start */
	size_t n, cap;
	struct nm_thread_hist *thr;     /* the process's threads' node changes */
	size_t n_thr;
	/* Lifetime counts, for status and explain. */
	uint64_t clears, clear_ns;
	uint64_t faults;                /* induced write faults counted */
	uint64_t written_last;          /* pages written in the last closed window */
	uint64_t queries;               /* placement reads */
	uint64_t pages_moved;           /* pages region moves moved */
	/* DAMON (engine-damon.c): its kdamond + 1 (0: none) and since when,
	 * snapshots read into the store, pages the last one found hot. */
	unsigned damon_slot;
	uint64_t damon_since_ms;
	uint64_t damon_snapshots, damon_hot;
};

/* The share of flipping regions that makes a process's written memory
 * shared; the regions compared that may already say so; and the closed
 * comparisons per written region (decayed: 1 is one window, 1.5 two) needed
 * before it may be called private. Moving is the risky verdict, so it
 * waits for closed windows, not the open one: a few regions re-written
 * early in a window can all still have their first writer. But half the
 * regions compared is enough: a region written now and then (a thread's
 * stack, a buffer the threads report from) may be missing from one of two
 * windows, and must not hold the verdict on the others back a window. */
#define NM_REGIONS_SHARED 0.25f
#define NM_REGIONS_SHARED_EVIDENCE 4.0f
#define NM_REGIONS_PRIVATE_EVIDENCE 0.5f

/* Whether RG's writes are known yet to be private (0), shared (1), or not
 * known (-1). The open window counts as far as it went: a region written
 * in it by another thread than in its last window has flipped already. */
static inline int nm_regions_shared(const struct nm_regions *rg)
{
	float flips = rg->flips, compared = rg->compared;

	for (size_t i = 0; rg->open && i < rg->store.n; i++) {
		const struct nm_access_region *r = &rg->store.regions[i];

		if (r->owner && r->win_tid) {
			compared += 1;
			flips += r->win_tid < 0 || r->win_tid != r->owner;
		}
	}
	if (compared >= NM_REGIONS_SHARED_EVIDENCE && flips >= NM_REGIONS_SHARED * compared)
		return 1;
	if (rg->compared < 1 || rg->compared < NM_REGIONS_PRIVATE_EVIDENCE * (float)rg->store.n)
		return -1;
	return flips >= NM_REGIONS_SHARED * compared;
}

/* The length of the window a clear opens, GAP as scheduled, for a process
 * whose regions had CLEARS windows so far and whose threads share the
 * home node HOME (-1: none). A process whose threads run on several nodes
 * is placed only once two windows told its private memory from shared
 * (nm_regions_shared): its first two windows are half a gap each, the
 * first closed between ticks (nm_engine_windows), so the tick after its
 * first clear already plans, a whole interval sooner (in a 2-node guest,
 * 90 % locality came 1.5 s sooner). The one more clear costs one more
 * fault per page written, once in the process's placement. */
static inline uint64_t nm_regions_first_gap(uint64_t gap_ms, uint64_t clears, int home)
{
	return home < 0 && clears < 2 ? gap_ms / 2 : gap_ms;
}

/* Windows open and close at ticks, which fire early or late: a time due
 * one interval (or gap) after a tick may fall just after the next tick, and
 * missing it by that much must not cost a whole interval more. On a loaded
 * machine a tick can be late by 70 ms and more (seen in a busy 4-vCPU
 * guest), and the next one, on time, comes that much sooner: a quarter of
 * an interval is far above that and far below a tick. (The planner's dwell
 * allows only a twentieth, numamig/planner.h: a dwell set a little above
 * the interval must still filter one-tick blips; a window has no such
 * setting.) */
static inline uint64_t nm_regions_slack_ms(uint64_t interval_ms)
{
	return interval_ms / 4;
}

/* Whether RG holds writes newer than one interval (INTERVAL_MS) at NOW_MS,
 * allowing for the ticks' jitter (nm_regions_slack_ms). A window's faults
 * come in as its pages are first written after its clear, mostly at once:
 * they say where the writers were then, not since. The newest writes are
 * those of the window closed at this tick (the next opens after the plan),
 * or else of the open window. A region is planned only on fresh writes: a
 * window backed off to 16 intervals would otherwise say "this node" for 16
 * ticks of dwell while threads that change nodes every few seconds are
 * elsewhere. A window closed at the tick it woke (closed_woke) is fresh
 * however long: what woke it was written within the interval, and it is
 * closed so only for a process whose threads share one home node, whose
 * older writes say that node too. A window opened at this tick holds
 * nothing yet. */
static inline bool nm_regions_fresh(const struct nm_regions *rg, uint64_t now_ms,
				    uint64_t interval_ms)
{
	uint64_t began;

	if (rg->closed_ms == now_ms && rg->closed_woke)
		return true;
	if (rg->closed_ms == now_ms)
		began = rg->prev_window_ms;   /* closed now: the closed window */
	else if (rg->open)
		began = rg->window_ms;
	else
		return false;
	return began != NM_REGIONS_NO_WINDOW && began < now_ms &&
	       now_ms - began <= interval_ms + nm_regions_slack_ms(interval_ms);
}

/* The first of RG's plans (rg->v, by start) keyed START or after. */
static inline size_t nm_regions_plan_lower(const struct nm_regions *rg, unsigned long start)
{
	size_t lo = 0, hi = rg->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rg->v[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The store window whose writes RG's plan reads at NOW_MS, as
 * nm_regions_fresh says: the one closed at this tick (the store has
 * counted past it: nm_access_end_window), else the open one. Against the
 * store's own count, a region written in a window that closed when it
 * woke looked unwritten, and its placement read before stood: without
 * the fault event (the soft-dirty bits) a set demoted and written again
 * was planned as still local and waited for the next window, backed off
 * (8-17 s in a cxl 6.1 guest, against 1.8-2.7 s with the fault event). */
static inline uint64_t nm_regions_planned_window(const struct nm_regions *rg, uint64_t now_ms)
{
	return rg->closed_ms == now_ms && rg->store.window > 0 ? rg->store.window - 1 :
								   rg->store.window;
}

/* Whether at least two of R's threads ran mostly on different nodes in
 * its tick: what makes a process with no dominant node one to place by
 * region. A process can have no dominant node without it: its one thread
 * moved to another node during the tick (started on one node and bound
 * to another), or all its threads did. A clear would then find one node's
 * writers only, and its faults would slow the whole-process move that the
 * next tick decides. */
static inline bool nm_regions_threads_spread(const struct nm_residency *r)
{
	int first = -1;

	for (size_t i = 0; i < r->nr_threads; i++) {
		int node = r->threads[i].node;

		if (node < 0)
			continue;
		if (first >= 0 && node != first)
			return true;
		first = node;
	}
	return false;
}

#endif

/* engine-internal: what engine.c and the other engine-*.c files share.
 * Not installed. */
#ifndef NUMAMIG_ENGINE_INTERNAL_H
#define NUMAMIG_ENGINE_INTERNAL_H

#include "numamig/cgroupfs.h"
#include "numamig/damon.h"
#include "numamig/engine.h"
#include "numamig/migq.h"
#include "numamig/tier.h"


/* Placement reads per tick: 256 regions of 2 MiB is 512 MiB of address
 * space, a few ms of pagemap and move_pages queries. The rest wait. */
#define QUERIES_PER_TICK 256

struct nm_engine {
	const struct nm_root *root;
	struct nm_topology *topo;
	struct nm_cgroupfs *cg;
	struct nm_sampler *sampler;
	struct nm_migq *migq;
	const struct nm_config *config;
	struct nm_tracker tracker;
	struct nm_plan_budget *budgets; /* [config->n_policies] */
	struct nm_counters counters;
	bool paused;
	int nr_nodes;
	uint64_t *pages;                /* planner input scratch, [nr_nodes] */
	int64_t *headroom;
	struct bitmask *allowed;
	uint64_t scan_spent;            /* numa_maps bytes read this tick */
	uint64_t last_tick_ms;          /* 0 before the first tick */
	uint64_t windows_ms;            /* the last nm_engine_windows() or tick */
	uint64_t window_ms;             /* what this tick's samples cover */
	nm_engine_reap_fn on_reap;
	void *on_reap_arg;
	/* Memory that follows threads (engine-windows.c, engine-regions.c). */
	struct nm_writes *writes;       /* NULL: unavailable, writes_err says why */
	int writes_err;
	char writes_why[160];
	bool writes_on;                 /* the fault event is enabled */
	struct nm_pmu *pmu;             /* NULL: unavailable, pmu_err says why */
	int pmu_err;
	char pmu_why[320];
	bool pmu_on;                    /* sampling while a window is open */
	int sd_err;                     /* 0: the kernel tracks soft-dirty bits */
	char sd_why[160];
	uint64_t *sd_buf;               /* NM_SOFTDIRTY_CHUNK pagemap words */
	struct nm_plan_budget fault_bucket, clear_bucket;
	float *region_counts;           /* scratch, [nr_nodes] */
	float *region_proc;
	uint64_t *region_cpu;
	/* Placement reads of a tick (engine-regions.c): at most
	 * QUERIES_PER_TICK, in one walk. */
	struct nm_mig_span *spans;      /* [QUERIES_PER_TICK] */
	unsigned long long *region_on;  /* [QUERIES_PER_TICK * nr_nodes] */
	struct region_part *parts;      /* the parts a plan of all regions plans */
	size_t cap_parts;
	struct nm_mig_region *moves;    /* this task's region moves this tick */
	struct nm_region_plan **move_plans; /* and their plans */
	size_t n_moves, cap_moves;
	uint64_t *moves_to;             /* [nr_nodes]: their bytes, by target */
	/* Tiering (engine-tier.c). */
	uint64_t *demoting;             /* [nr_nodes]: bytes on their way off each node */
	uint64_t *tier_settle_ms;       /* [nr_nodes]: no demotion from it before */
	struct nm_tier_chunk *chunks;   /* scratch */
	size_t cap_chunks;
	/* DAMON, the reads of tiered processes (engine-damon.c). */
	struct nm_damon *damon;         /* NULL: not open, damon_err says why (0: unused) */
	int damon_err;
	char damon_why[160];
	uint64_t damon_retry_ms;        /* no new try to open it before */
	pid_t damon_pid[NM_DAMON_SLOTS]; /* whom each kdamond watches; 0: free */
	unsigned damon_next;            /* the next snapshot's, in turn */
};

/* Tiering (tiering.promote: hot): T's pages on memory-only node N are
 * not part of its moves as a whole; its regions promote the written ones. */
bool engine_hot_only(const struct nm_engine *e, const struct nm_task *t, int n);
/* T has pages that engine_hot_only() leaves to its regions. */
bool engine_has_tiered(const struct nm_engine *e, const struct nm_task *t);

/* Hand T's decision (t->last) to the worker. */
void engine_submit(struct nm_engine *e, struct nm_task *t,
		   struct nm_plan_budget *budget);
/* Hand T's region moves (e->moves) to the workers, one item per target
 * node (they run side by side, not pinned: see engine-act.c); with
 * DEMOTE_FROM >= 0 (a node), a demotion: only pages on that node move, and
 * e->demoting counts them until they are reaped. */
void engine_submit_regions(struct nm_engine *e, struct nm_task *t,
			   struct nm_plan_budget *budget, int demote_from);

/* A read of a process's memory map (numa_maps, or pagemap for the
 * soft-dirty bits) is repeated no sooner than this many times the CPU
 * time it took (and an interval): the daemon spends at most
 * 1/RESCAN_FACTOR of its CPU on one process's reads. */
#define RESCAN_FACTOR 200

/* engine-windows.c: the write windows of memory that follows threads
 * (numamig/regions.h). */
/* LIVE: nm_engine_acts(). */
void engine_regions_open(struct nm_engine *e, bool live);
void engine_regions_close(struct nm_engine *e);
void engine_regions_config(struct nm_engine *e, const struct nm_config *c, uint64_t now_ms);
void engine_regions_free(struct nm_regions *rg);
/* Route the write records since the last call into the tasks' stores,
 * and read the soft-dirty bits of the windows that have no records. */
void engine_regions_drain(struct nm_engine *e, uint64_t now_ms);
/* The write event on while any window is open, off otherwise. */
void engine_regions_end_tick(struct nm_engine *e);
/* T's region state, made (0 or -errno) and dropped. */
int engine_windows_new(struct nm_engine *e, struct nm_task *t, uint64_t now_ms);
void engine_windows_drop(struct nm_task *t);
/* Without the fault event: T's soft-dirty bits read into its open window
 * now, unless they were at this tick. Paced by their cost, the last read
 * can be seconds old, and a set written since then would look idle: a
 * window is read before it closes, and before demotion picks its cold
 * chunks. */
void engine_window_read(struct nm_engine *e, struct nm_task *t, uint64_t now_ms);
/* Close RG's open window at NOW_MS (a no-op when none is open). */
void engine_window_close(struct nm_regions *rg, uint64_t now_ms);
/* Close T's window when the next is due and the budgets allow (with
 * EARLY, a tiered process with one home, also when it woke, to be planned
 * on at once); whether it was due. engine_window_open then opens the next
 * (one clear). */
bool engine_window_due(struct nm_engine *e, struct nm_task *t, uint64_t now_ms, bool early);
void engine_window_open(struct nm_engine *e, struct nm_task *t, uint64_t now_ms);
/* The N ranges V of RG's process were demoted (a job that moved pages
 * ended): the plans forget what they read of those pages, and while its
 * window is open, its soft-dirty reads skip them (see softdirty_read). */
void engine_window_moved(const struct nm_engine *e, struct nm_regions *rg,
			 const struct nm_mig_region *v, size_t n);
/* The gap to the next clear after a plan: one interval while placement
 * changes, doubling up to 16 while it is settled (rg->settled); TIERED:
 * T has pages on a memory-only node that its written regions promote. */
void engine_windows_schedule(const struct nm_engine *e, struct nm_regions *rg, uint64_t now_ms,
			     bool tiered);

/* engine-regions.c: the region plans of memory that follows threads. */
/* After T's process plan (t->last) with its input IN: T's regions. */
void engine_regions_plan(struct nm_engine *e, struct nm_task *t, const struct nm_plan_input *in,
			 const struct nm_policy *pol, struct nm_plan_budget *budget);
/* Empty e->moves (and their bytes, e->moves_to). */
void engine_moves_reset(struct nm_engine *e);
/* Append [START, END) to TARGET to e->moves, with P its region's plan
 * (NULL: none, a demotion). 0 or -ENOMEM. */
int engine_moves_add(struct nm_engine *e, unsigned long start, unsigned long end, int target,
		     struct nm_region_plan *p);
/* Add [START, END) with P's decision to e->moves. */
void engine_region_move(struct nm_engine *e, unsigned long start, unsigned long end,
			struct nm_region_plan *p, struct nm_plan_budget *budget);

/* engine-tier.c: demotion to a per-policy goal (numamig/tier.h). */
/* Whether T's policy demotes and a node with CPUs holding T's movable
 * memory is above the goal: T's writes must be watched. */
bool engine_tier_pressed(const struct nm_engine *e, const struct nm_task *t);
/* Whether region S of A is cold under POL at NOW_MS: POL demotes and
 * nothing wrote S for cold_after. Its old writes then say nothing of
 * where it belongs: planned on them, a region just demoted would come
 * straight back. */
bool engine_tier_cold(const struct nm_policy *pol, const struct nm_access *a,
		      const struct nm_access_region *s, uint64_t now_ms);
/* Nothing demoted for T this tick (t->tier says so). */
void engine_tier_none(struct nm_task *t);
/* T's regions moved nothing this tick: demote its cold memory, if a node
 * it is on is above the goal (t->tier says what happened). */
void engine_tier_demote(struct nm_engine *e, struct nm_task *t, const struct nm_plan_input *in,
			const struct nm_policy *pol, struct nm_plan_budget *budget);

/* engine-shared.c: take out of T's footprint the shared file rows that
 * another tracked process moves. */
void engine_shared_hold(const struct nm_engine *e, struct nm_task *t);

/* engine-damon.c: the reads of tiered processes (numamig/damon.h). */
/* T's reads are to be watched (WANT: it is placed by region for tiering)
 * or not; its policy and home decide too. */
void engine_damon_watch(struct nm_engine *e, struct nm_task *t, bool want, uint64_t now_ms);
/* Stop the kdamonds of processes gone; one snapshot into its window. */
void engine_damon_end_tick(struct nm_engine *e, uint64_t now_ms);
void engine_damon_close(struct nm_engine *e);

#endif

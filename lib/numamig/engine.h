/* engine: one tick of the pipeline, sample -> map -> plan -> act -> account.
 *
 * The daemon owns the event loop and the config; the engine owns what the
 * pipeline needs between ticks: topology, sampler, tracking set, the
 * migrator's worker and the counters. Each tick: refresh the tracking
 * set, drain the sampler, re-read node memory, then per tracked process
 * (not already migrating) take its residency, rescan its footprint when
 * due, let the planner decide, and hand a migration to the worker.
 * Finished migrations come back through nm_engine_reap() when the worker's
 * fd polls readable: counted, the unspent rate budget refunded, and the
 * footprint re-read next tick so the planner sees where pages really went.
 */
#ifndef NUMAMIG_ENGINE_H
#define NUMAMIG_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "numamig/config.h"
#include "numamig/damon.h"
#include "numamig/migq.h"
#include "numamig/migrator.h"
#include "numamig/planner.h"
#include "numamig/sampler.h"
#include "numamig/topology.h"
#include "numamig/task.h"
#include "numamig/track.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest errno counted separately (EHWPOISON is 133). */
#define NM_ERRNO_MAX 134

struct nm_counters {
	int nr_nodes;
	uint64_t *moved;                        /* pages, [src * nr_nodes + dst] */
	uint64_t outcomes[NM_MIG_NR_OUTCOMES];  /* per page requested */
	uint64_t aborts[NM_ERRNO_MAX + 1];      /* migrations stopped by a call errno */
	uint64_t stops[NM_MIG_NR_STOPS];     /* how migrations ended */
	uint64_t reasons[NM_PLAN_R_COUNT];      /* decisions and skips, per task tick */
	uint64_t migrations;                    /* migrations run */
	uint64_t mig_ns;                        /* time inside move_pages */
	uint64_t scans, scan_bytes, scan_ns;    /* numa_maps reads */
	uint64_t ticks;
	uint64_t refusals;                      /* migrations refused: EPERM/EACCES */
	uint64_t refused_ticks;                 /* task ticks skipped in backoff */
	/* Raises of a mover's priority refused (move_priority), the last
	 * one's errno. */
	uint64_t priority_errors;
	int priority_errno;
	/* Memory that follows threads (numamig/regions.h). */
	uint64_t clears, clear_ns, clear_errors;  /* soft-dirty clears */
	uint64_t induced_faults;                /* write faults they caused, counted */
	/* Windows read from the soft-dirty bits (no fault event): scans,
	 * pagemap words read, the time they took. */
	uint64_t softdirty_scans, softdirty_words, softdirty_ns, softdirty_errors;
	uint64_t budget_waits;                  /* clears put off by a budget */
	uint64_t region_queries;                /* placement reads of a region */
	uint64_t region_moves, region_pages_moved; /* region decisions, pages moved */
	/* Tiering: pages moved from a memory-only node to one with CPUs,
	 * and back, by any decision; demotion items handed to the worker;
	 * region pages moved between tiers the other way than that region's
	 * last move, less than its policy's cold_after before (numamig/tier.h). */
	uint64_t promoted_pages, demoted_pages, demotions;
	uint64_t pingpong_pages;                /* moved back within cold_after */
};

struct nm_engine;

/* ROOT must be live for migration to mean anything, but a fixture root
 * works for everything up to the planner. On failure *WHAT (WHAT may be
 * NULL) says what failed, for the error message: e.g. "finding the
 * cgroup2 mount in proc/self/mountinfo" (paths relative to ROOT). */
int nm_engine_new(const struct nm_root *root, enum nm_sampler_source source,
		  struct nm_engine **out, const char **what);
void nm_engine_free(struct nm_engine *e);

/* Switch to CONFIG (the caller keeps it alive until the next switch or
 * free). Tasks are re-resolved against it at once, so nothing keeps
 * pointing into the previous config. */
int nm_engine_set_config(struct nm_engine *e, const struct nm_config *config, uint64_t now_ms);

int nm_engine_tick(struct nm_engine *e, uint64_t now_ms);

/* When a task's dwell ends before the next tick (engine clock, ms; 0:
 * none): its decision is due then, and the next tick may come that much
 * sooner. The residency planner counts a dwell from the move the samples
 * show (nm_plan_input.tail_ms), which falls anywhere in a tick. */
uint64_t nm_engine_dwell_due_ms(const struct nm_engine *e);
/* What the last tick's samples covered, ms: an interval, or less for a
 * tick that came early (0 before the second tick). */
uint64_t nm_engine_window_ms(const struct nm_engine *e);

/* Write windows shorter than an interval (numamig/regions.h) end between
 * ticks: nm_engine_windows_due_ms() says when the first such window is due
 * before the next tick (engine clock, ms; 0: none), and nm_engine_windows()
 * at that time closes it and opens the next, without planning. */
uint64_t nm_engine_windows_due_ms(const struct nm_engine *e);
void nm_engine_windows(struct nm_engine *e, uint64_t now_ms);

/* The worker's completion fd, and the handler for it. */
int nm_engine_fd(const struct nm_engine *e);
void nm_engine_reap(struct nm_engine *e, uint64_t now_ms);

/* Run a custom work item (WORK->run and WORK->done set, err 0) on the
 * migrator's worker, after the migrations queued before it;
 * nm_engine_reap() calls WORK->done(WORK) on the event loop, uncounted
 * (work->owner is unused). At nm_engine_free() an unrun item comes back
 * with err -ECANCELED. */
void nm_engine_run(struct nm_engine *e, struct nm_mig_work *work);

/* Called for every finished migration, after it is counted: the daemon
 * logs it. TASK may be about to be dropped (exited). */
typedef void (*nm_engine_reap_fn)(const struct nm_task *task, const struct nm_mig_work *work,
				  void *arg);
void nm_engine_on_reap(struct nm_engine *e, nm_engine_reap_fn fn, void *arg);

/* Pause planning (tracking and sampling go on); resume. */
void nm_engine_pause(struct nm_engine *e, bool paused);
bool nm_engine_paused(const struct nm_engine *e);

/* Ask for PID to be re-evaluated now, ignoring dwell and cooldown.
 * -ESRCH if it is not tracked. */
int nm_engine_trigger(struct nm_engine *e, pid_t pid);

/* When T's footprint is next re-read (engine clock, ms), if T is as busy
 * or as idle in the coming ticks as in its last one: an idle task's map is
 * re-read ever less often (see lib/engine/engine.c). 0: at the next tick. */
uint64_t nm_engine_rescan_due(const struct nm_task *t);

const struct nm_counters *nm_engine_counters(const struct nm_engine *e);
/* The tracker: its counters, and the identities of the tracked processes
 * in pid order (nm_task_of() gives each one's task, const). */
const struct nm_tracker *nm_engine_tracker(const struct nm_engine *e);
/* The tracked task with PID, or NULL. */
const struct nm_task *nm_engine_find(const struct nm_engine *e, pid_t pid);
const struct nm_topology *nm_engine_topology(const struct nm_engine *e);
const struct nm_root *nm_engine_root(const struct nm_engine *e);
/* Whether anything may be moved at all: not on a captured tree (--root),
 * whose pids are the fixture's, not the live processes that may have the
 * same numbers. There every policy only advises and every Move and
 * Migrate is refused. */
bool nm_engine_acts(const struct nm_engine *e);
struct nm_sampler *nm_engine_sampler(const struct nm_engine *e);
/* The writes source (numamig/writes.h): 0 when live, else -errno with
 * *WHY saying why not. */
int nm_engine_writes(const struct nm_engine *e, const char **why);
/* The soft-dirty bits (numamig/softdirty.h), which every write window
 * needs: 0 when the kernel tracks them, else -errno with *WHY saying why
 * not (-EOPNOTSUPP on a captured tree too). */
int nm_engine_softdirty(const struct nm_engine *e, const char **why);
/* The PMU source (numamig/pmu.h): 0 when live, with *WHAT its event; else
 * -errno with *WHAT saying why not. */
int nm_engine_pmu(const struct nm_engine *e, const char **what);
/* The DAMON source (numamig/damon.h): 0 when open, with its counts in
 * *ST; 1 when no process has needed it yet; else -errno with *WHY saying
 * why not. */
int nm_engine_damon(const struct nm_engine *e, const char **why, struct nm_damon_stats *st);

#ifdef __cplusplus
}
#endif
#endif

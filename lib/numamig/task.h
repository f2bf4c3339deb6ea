/* task: what the engine keeps about each tracked process between ticks:
 * planner state and the last decision, the footprint and when it was
 * read, residency, the batch size learned, a migration in flight, the
 * refusal backoff. The identity (pid, comm, cgroup, policy) is the
 * tracker's (numamig/track.h), embedded first, so the tracker hands the
 * engine's storage around as a struct nm_ident.
 *
 * The engine owns and writes it; status and explain read it through
 * nm_task_of() on the tracker's identities, const. */
#ifndef NUMAMIG_TASK_H
#define NUMAMIG_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "numamig/footprint.h"
#include "numamig/pace.h"
#include "numamig/planner.h"
#include "numamig/regions.h"
#include "numamig/sampler.h"
#include "numamig/tier.h"
#include "numamig/track.h"

struct nm_task {
	struct nm_ident id;             /* first: see nm_task_of() */
	struct nm_plan_state plan;
	struct nm_plan_decision last;   /* this tick's decision */
	struct nm_footprint fp;
	uint64_t fp_seq;                /* bumped by every footprint rescan */
	uint64_t fp_scanned_ms;         /* when the map was last read */
	uint64_t fp_base_ms;            /* rescan gap while it runs */
	unsigned fp_idle_scans;         /* rescans in a row while idle */
	bool fp_stale;                  /* re-read it next tick (after a move) */
	uint64_t fp_rss_bytes;          /* the process's RSS when it was read */
	struct nm_residency res;
	struct nm_tuner tuner;          /* batch size learned for this process */
	bool triggered;                 /* the operator asked: plan now */
	unsigned busy;                  /* migrations in flight (one per target node) */
	bool regions_moved;             /* a region item of its own ended since
	                                   its last plan (engine.c plan_task) */
	uint64_t pages_moved;           /* over its lifetime */
	uint64_t refused_wait_ms;       /* backoff after EPERM/EACCES; 0: none */
	uint64_t refused_until_ms;      /* not planned before this */
	struct nm_regions *rg;          /* placed by region; NULL: as a whole */
	struct nm_tier_status tier;     /* demotion (tiering.goal_used) */
};

/* The task whose identity ID is (every tracked identity is one). */
static inline struct nm_task *nm_task_of(const struct nm_ident *id)
{
	return (struct nm_task *)((char *)id - offsetof(struct nm_task, id));
}

#endif

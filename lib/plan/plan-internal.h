/* plan-internal: what the planner's files share and nobody else sees.
 *
 * planner.c runs the state machine; plan-gates.c reads the inputs (home
 * detection, misplaced pages) and runs the gates a migration must pass.
 * Names here carry no nm_ prefix, so the version script keeps them local.
 */
#ifndef NM_PLAN_INTERNAL_H
#define NM_PLAN_INTERNAL_H

#include "numamig/planner.h"

enum plan_obs_kind {
	PLAN_OBS_IDLE,       /* no CPU time at all */
	PLAN_OBS_NONE,       /* CPU time, but no node dominant */
	PLAN_OBS_NODE,       /* node is home this tick */
};

struct plan_obs {
	enum plan_obs_kind kind;
	int node;
	uint64_t run_ms;        /* how long it ran there: 0, the window */
};

/* What a migration attempt may skip. */
enum plan_try_flags {
	PLAN_TRY_TRIGGER = 1 << 0,   /* operator: skip min_gain, cost/benefit */
	PLAN_TRY_CONTINUE = 1 << 1,  /* next batch: skip min_gain, cost/benefit */
	PLAN_TRY_NO_COST = 1 << 2,   /* greedy: no cost/benefit test */
};

/* One tick's context, shared by the steps of nm_plan_tick. */
struct plan_ctx {
	const struct nm_policy *pol;
	const struct nm_plan_input *in;
	struct nm_plan_budget *budget;
	uint64_t window_ms;          /* wall time this tick's sample covers */
	uint64_t horizon_ms;         /* expected stay on home (cost/benefit) */
	bool after_batch;            /* first fresh placement after a batch */
	bool region;                 /* planning a region (nm_plan_region_tick) */
};

/* nm_plan_tick(); REGION: the task is a region of a process. */
int plan_tick(const struct nm_policy *pol, const struct nm_plan_input *in,
	      struct nm_plan_budget *budget, struct nm_plan_state *st,
	      struct nm_plan_decision *out, bool region);

/* Home this tick: residency needs dominance, greedy takes the most. */
struct plan_obs plan_observe(const struct plan_ctx *c);

uint64_t plan_eligible_pages(const struct nm_plan_input *in);
/* Eligible pages not on TARGET. */
uint64_t plan_misplaced_pages(const struct nm_plan_input *in, int target);

/* The gates from not_allowed to rate_limited for a move to TARGET.
 * Fills OUT (target, sizes, src, cost/benefit) and returns the first
 * reason that blocks, or NM_PLAN_R_NONE when the move may go ahead; the
 * rate gate then has already reserved OUT->bytes from the budget. */
enum nm_plan_reason plan_gates(const struct plan_ctx *c, int target, unsigned flags,
			       struct nm_plan_decision *out);

#endif

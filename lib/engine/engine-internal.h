/* engine-internal: what engine.c and engine-act.c share. Not installed. */
#ifndef NUMAMIG_ENGINE_INTERNAL_H
#define NUMAMIG_ENGINE_INTERNAL_H

#include "numamig/cgroupfs.h"
#include "numamig/engine.h"
#include "numamig/migq.h"


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
	uint64_t window_ms;             /* what this tick's samples cover */
	nm_engine_reap_fn on_reap;
	void *on_reap_arg;
};

/* Hand T's decision (t->last) to the worker. */
void engine_submit(struct nm_engine *e, struct nm_task *t,
		   struct nm_plan_budget *budget);

#endif

/* ctl-status: the replies of the read-only control methods as JSON:
 * GetStatus (ctl-status.c), Explain (ctl-explain.c) and GetPolicy
 * (ctl-policy.c).
 *
 * Pure: a struct ctl_state snapshot of the daemon goes in, a json_object
 * comes out; no syscalls, no clock. The method handlers (ctl-methods.c)
 * fill the snapshot from the manager and the engine; unit tests fill it
 * with made-up tasks. The field names are the control interface: they are
 * documented in numamigctl(8) and read by numamigctl and scripts, so
 * rename nothing; add.
 *
 * Units are in the names: *_ms, *_bytes, *_pages, *_pct. Arrays "per
 * node" are indexed by node id and have nr_nodes entries (ids may be
 * sparse: absent nodes hold 0).
 */
#ifndef NUMAMIGD_CTL_STATUS_H
#define NUMAMIGD_CTL_STATUS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "numamig/act.h"
#include "numamig/config.h"
#include "numamig/engine.h"
#include "numamig/knb.h"
#include "numamig/sampler.h"
#include "numamig/topology.h"
#include "numamig/track.h"

/* Top processes in GetStatus unless the request says otherwise. */
#define CTL_STATUS_TOP_DEFAULT 20
#define CTL_STATUS_TOP_MAX 1000

struct ctl_state {
	uint64_t now_ms;                  /* CLOCK_MONOTONIC, the engine's clock */
	const char *version;
	pid_t pid;
	uint64_t started_ms;
	const struct nm_config *config;
	const struct nm_counters *counters;
	const struct nm_tracker *tracker;
	const struct nm_topology *topo;   /* free memory as of the last tick */
	int nr_nodes;
	uint64_t page_size;
	bool paused;
	uint64_t window_ms;               /* the last tick's (nm_engine_window_ms) */
	/* sampler */
	const char *sampler_source;       /* "perf", "proc", "replay" */
	const char *sampler_description;
	const char *sampler_fallback;     /* why not perf, or NULL */
	bool hw_pmu;
	const char *hw_pmu_detail;        /* or NULL */
	struct nm_sampler_stats sampler_stats;
	/* the writes source (memory that follows threads) */
	int writes_err;                   /* 0: live, else -errno */
	const char *writes_why;           /* why not, or NULL */
	/* the soft-dirty bits (every write window) */
	int sd_err;                       /* 0: tracked, else -errno */
	const char *sd_why;               /* why not, or NULL */
	/* the PMU source (precise memory samples) */
	int pmu_err;                      /* 0: live, else -errno */
	const char *pmu_what;             /* its event, or why not */
	/* the DAMON source (reads, for tiering) */
	int damon_err;                    /* 0: open, 1: not needed yet, else -errno */
	const char *damon_why;            /* why not, or NULL */
	struct nm_damon_stats damon;
	/* kernel.numa_balancing and demotion_enabled (numamig/knb.h) */
	struct {
		int value;                /* now, or -errno when unreadable */
		int saved;                /* restored on exit; -1: we did not change it */
		bool adopted;             /* saved by an earlier run that did not restore it */
	} knb[NM_KNB_SETTINGS];
	const char *state_dir;            /* where the values to restore are saved */
	/* the daemon's own cost */
	uint64_t cpu_user_ms, cpu_system_ms;
	uint64_t max_rss_bytes;
};

/* GetStatus, with the TOP processes of most eligible memory. NULL only
 * when out of memory. */
json_object *ctl_status_build(const struct ctl_state *s, size_t top);

/* Explain for PID: -ESRCH when it is not tracked, else 0 with *OUT set
 * (or -ENOMEM). */
int ctl_explain_build(const struct ctl_state *s, pid_t pid, json_object **out);

/* GetPolicy: every policy of CONFIG in order (CGROUP NULL), or which one
 * applies to processes in CGROUP (per comm where policies list comms). */
json_object *ctl_policy_build(const struct nm_config *config, const char *cgroup);

/* ---- shared by the builders (ctl-json.c) ---- */

/* One tracked process as in GetStatus's "processes". */
json_object *ctl_task_json(const struct ctl_state *s, const struct nm_task *t);
/* One policy as JSON. */
json_object *ctl_json_policy(const struct nm_policy *pol);
json_object *ctl_json_u64(uint64_t v);
/* nm_config_hash() as 16 hex digits. */
json_object *ctl_json_hash(const struct nm_config *config);
/* Percentage with one decimal, or null when DEN is 0. */
json_object *ctl_json_pct(uint64_t num, uint64_t den);
/* A node id, or null when negative. */
json_object *ctl_json_node(int node);
/* Add a process's hot set to O: hot_pages, hot_fast_pct, hot_local_pct
 * (null without a hot set) and pingpong_pages, as status and explain
 * show them. */
void ctl_json_hot_set(json_object *o, const struct nm_tier_status *ts);
/* N numbers as an array; NULL when V is. */
json_object *ctl_json_u64_array(const unsigned long long *v, int n);
json_object *ctl_json_int_array(const int *v, size_t n);
/* The counts of a move (pages, requested, moved, failed, failed_by {errno:
 * pages}, absent, already, shared_pages, retried) added to O. */
void ctl_json_add_counts(json_object *o, const struct nm_walk_counts *c);
/* Eligible KiB of T per node, and in total; the node of T's home or -1. */
uint64_t ctl_task_eligible_kb(const struct nm_task *t, int node);
uint64_t ctl_task_eligible_total_kb(const struct nm_task *t);
int ctl_task_home(const struct nm_task *t);
/* The node where T had most CPU time this tick, else where it last ran;
 * -1 when unknown. */
int ctl_task_cpu_node(const struct nm_task *t);
/* Locality: *LOCAL_KB is T's eligible KiB on the nodes where its CPU time
 * is now, each node weighted by its share of that time (the node it last
 * ran on when it had none this tick). False when where it runs is unknown. */
bool ctl_task_local_kb(const struct nm_task *t, uint64_t *local_kb);
/* Milliseconds from THEN to NOW (0 when THEN is later). */
uint64_t ctl_ago(uint64_t now, uint64_t then);

#endif

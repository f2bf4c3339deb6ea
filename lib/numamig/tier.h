/* tier: the demotion half of tiering, as pure decisions (no syscalls).
 *
 * A node with CPUs whose used memory is above a policy's goal
 * (tiering.goal_used, a share of its total) sheds the coldest memory of
 * that policy's processes to the nearest memory-only node (a CXL
 * expander), until it is back at the goal. The engine cuts a process's
 * movable memory on the node into chunks (its access regions, 2 MiB by
 * default), each with how long the access store has seen it go without
 * an access; only chunks idle at least tiering.cold_after go, coldest
 * first. Promotion, the other half, is the regions' ordinary planning
 * (numamig/regions.h): a region written from a node with CPUs comes to
 * it.
 *
 * Against ping-pong: a chunk promoted was written, so it is not idle for
 * cold_after; a chunk demoted comes back only once written again from a
 * node with CPUs for the region's dwell. Whether that holds is counted: a
 * region that moves between tiers the other way than its last move, less
 * than cold_after later, is a ping-pong (struct nm_tier_log).
 */
#ifndef NUMAMIG_TIER_H
#define NUMAMIG_TIER_H

#include <stddef.h>
#include <stdint.h>

#include "numamig/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

/* After a demotion from a node ends, its free memory is not read for the
 * next one for this long: the kernel counts pages freed by a migration as
 * free only once its per-CPU lists and counters are folded in (every
 * second, vm.stat_interval), and a node read too early looks fuller than
 * it is: a 6.12 guest demoted a third more than the goal asked. */
#define NM_TIER_SETTLE_MS 2000

/* Where demotion stands for one process, for explain. */
enum nm_tier_state {
	NM_TIER_NONE,         /* nothing to demote this tick: no node it is on is
	                         above its policy's goal, or its regions moved */
	NM_TIER_LEARNING,     /* above: its writes are watched for cold_after first */
	NM_TIER_NO_COLD,      /* nothing of it there was idle for cold_after, or
	                         the last try moved nothing (retry_ms) */
	NM_TIER_NO_TARGET,    /* no memory-only node it may use has room */
	NM_TIER_RATE_LIMIT,   /* its policy's rate limit is spent for now */
	NM_TIER_SETTLING,     /* a demotion from the node just ended (NM_TIER_SETTLE_MS) */
	NM_TIER_DEMOTING,     /* cold chunks handed to the worker */
};
const char *nm_tier_state_name(enum nm_tier_state s);

/* A region's last move between tiers: +1 promoted, -1 demoted. */
struct nm_tier_move {
	unsigned long start;
	int dir;
	uint64_t ms;
};

/* The moves between tiers of one process's regions, for the hold time. */
struct nm_tier_log {
	struct nm_tier_move *v;
	size_t n, cap;
};

struct nm_tier_status {
	enum nm_tier_state state;
	int from, to;             /* -1: none */
	uint64_t need;            /* bytes the node must shed, as last seen */
	uint64_t planned;         /* bytes handed to the worker, last time */
	uint64_t pages_demoted;   /* over its lifetime */
	uint64_t retry_ms;        /* a demotion that moved nothing: not before */
	/* Its hot set (the regions planned on recent accesses): pages read
	 * at their last placement read, those on nodes with CPUs, and those
	 * on a node whose threads write them (a region's writers: the nodes
	 * with NM_PLAN_WRITER_PCT of its writes; a writer's part: that
	 * writer). For a process placed by region that is its locality: the
	 * process-wide figure weighs all its memory by where all its
	 * threads ran, and reads 25 % for four threads on four nodes each
	 * with its own slice local. */
	uint64_t hot_pages, hot_fast_pages, hot_local_pages;
	uint64_t pingpong_pages;  /* moved back within the hold time */
	struct nm_tier_log log;
};

/* One candidate for demotion. */
struct nm_tier_chunk {
	unsigned long start, end; /* page aligned */
	uint64_t bytes;           /* on the node to relieve (an estimate from numa_maps) */
	uint64_t idle_ms;         /* without an access seen, as far as the store can tell */
};

/* Bytes node M must shed to be at GOAL_PCT of its total used, counting
 * IN_FLIGHT bytes already on their way off it; 0 when it is at or below. */
uint64_t nm_tier_excess(const struct nm_node_mem *m, unsigned goal_pct, uint64_t in_flight);

/* Choose what to demote from V: the chunks idle at least COLD_MS with
 * something on the node, coldest first (then in address order). They are
 * moved to the front of V; returns how many. The walker takes them in
 * that order and stops once it moved *CAP bytes: NEED, or BUDGET (the
 * policy's rate limit) if less, or what they hold if less still. The
 * chunks' bytes are estimates: one already drained costs a pagemap read
 * and moves nothing, so more chunks are handed over than the cap needs. */
size_t nm_tier_pick(struct nm_tier_chunk *v, size_t n, uint64_t cold_ms, uint64_t need,
		    uint64_t budget, uint64_t *cap);

/* Moves are kept this long at least, for callers whose own hold is longer
 * than a policy's cold_after (engine-damon.c). */
#define NM_TIER_LOG_KEEP_MS 60000

/* Region START moved between tiers, DIR +1 (promoted) or -1 (demoted), at
 * NOW_MS. Returns 1 when it had moved the other way less than HOLD_MS
 * before (a ping-pong), 0 if not, -ENOMEM when it could not be recorded.
 * Moves older than HOLD_MS and NM_TIER_LOG_KEEP_MS are forgotten, so the
 * log holds at most the regions moved within that time. */
int nm_tier_log_move(struct nm_tier_log *log, unsigned long start, int dir, uint64_t now_ms,
		     uint64_t hold_ms);
void nm_tier_log_free(struct nm_tier_log *log);
/* The last move of region START in LOG, or NULL (none, or forgotten). */
const struct nm_tier_move *nm_tier_log_find(const struct nm_tier_log *log, unsigned long start);

/* Where FROM's cold memory goes: the nearest (by distance) memory-only
 * node in ALLOWED (NULL: any) with HEADROOM[node] (bytes it can take before
 * its high watermark) for BYTES; the lowest id among equals. -1: none. */
int nm_tier_target(const struct nm_topology *topo, int from, const struct bitmask *allowed,
		   const int64_t *headroom, uint64_t bytes);

#ifdef __cplusplus
}
#endif
#endif

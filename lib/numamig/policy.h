/* policy: what the operator asked for, as plain data.
 *
 * The config loader (config.h) turns YAML into these structs; the planner
 * and the migrator read them. Keeping them free of parsing state lets the
 * planner be tested on synthetic policies, and lets a reload swap a whole
 * struct nm_config atomically.
 */
#ifndef NUMAMIG_POLICY_H
#define NUMAMIG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <numa.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nm_mode {
	NM_MODE_OFF,      /* track nothing */
	NM_MODE_ADVISE,   /* plan and report, never move */
	NM_MODE_LAZY,     /* move_pages in rate-limited batches */
	NM_MODE_DIRECT,   /* migrate_pages(old, new) at once */
};

enum nm_policy_kind {
	NM_POLICY_RESIDENCY, /* home = dominant node over time, with hysteresis */
	NM_POLICY_GREEDY,    /* home = where the task ran last tick (baseline) */
};

/* The config's own spelling of a mode and a policy kind ("lazy",
 * "residency"), for status and messages; "unknown" out of range. */
const char *nm_mode_name(enum nm_mode m);
const char *nm_policy_kind_name(enum nm_policy_kind k);

/* Whose accesses place memory for a process whose threads run on
 * several nodes (numamig/access.h). */
enum nm_attribution {
	NM_ATTR_AUTO,     /* the best source the machine has (today: writes) */
	NM_ATTR_WRITES,   /* soft-dirty clears and write-fault sampling */
	NM_ATTR_OFF,      /* none: such a process is left alone (CRIU users) */
};
const char *nm_attribution_name(enum nm_attribution a);

/* What becomes of a region written from several nodes, none dominant. */
enum nm_shared {
	NM_SHARED_STAY,   /* it stays where it is */
	NM_SHARED_SPREAD, /* regions spread evenly over the nodes writing them */
};
const char *nm_shared_name(enum nm_shared s);

/* Which pages on a memory-only node (CXL: no CPUs) follow the task home. */
enum nm_promote {
	NM_PROMOTE_HOT,   /* written ones, region by region (access.h) */
	NM_PROMOTE_ALL,   /* all of them, with the rest of its memory */
};
const char *nm_promote_name(enum nm_promote p);

/* Which source of reads tells hot memory from cold for tiering. */
enum nm_reads {
	NM_READS_DAMON,   /* DAMON, where the kernel has it (numamig/damon.h) */
	NM_READS_OFF,     /* none: only what is written counts as hot */
};
const char *nm_reads_name(enum nm_reads r);

enum nm_knb {
	NM_KNB_KEEP,      /* leave kernel.numa_balancing as it is */
	NM_KNB_DISABLE,   /* 0 while running, restored on exit */
};

/* The priority of the threads that move pages (numamig/migq.h). */
enum nm_move_priority {
	NM_MOVE_RAISED,   /* a nice value 10 below the daemon's while moving */
	NM_MOVE_NORMAL,   /* the daemon's own */
};
const char *nm_move_priority_name(enum nm_move_priority p);

struct nm_policy {
	char *name;
	char *match_cgroup;        /* fnmatch(3) glob over the cgroup v2 path */
	char **match_comm;         /* exact comm names; NULL/0 = any */
	size_t n_match_comm;
	enum nm_mode mode;
	enum nm_policy_kind policy;
	uint64_t dwell_ms;         /* on a new node this long before memory follows */
	uint64_t hysteresis_ms;    /* cooldown after a migration */
	uint64_t max_dwell_ms;     /* cap of the instability backoff of dwell */
	unsigned dominance_pct;    /* share of CPU time on one node to call it home */
	unsigned min_gain_pct;     /* smallest locality gain worth migrating */
	uint64_t min_rss_bytes;
	unsigned max_mapcount;     /* pages mapped more often stay put */
	bool file_backed;          /* also move page cache of private file maps */
	char **exclude_files;      /* fnmatch(3) globs over mapped file paths */
	size_t n_exclude_files;
	struct bitmask *nodes;     /* allowed targets; NULL = all */
	uint64_t rate_limit_bps;   /* bytes per second; 0 = unlimited */
	unsigned batch_min;        /* pages per move_pages call */
	unsigned batch_max;
	uint64_t batch_latency_us; /* a call's budget beyond a minimum batch */
	enum nm_attribution attribution;
	uint64_t region_bytes;     /* unit of thread placement; a power of two */
	enum nm_shared shared;
	enum nm_promote promote;   /* tiering.promote */
	enum nm_reads reads;       /* tiering.reads */
	unsigned goal_used_pct;    /* tiering.goal_used: 100 = never demote */
	uint64_t cold_after_ms;    /* tiering.cold_after */
	char *file;                /* where it was defined, for explain */
	int line;
};

struct nm_config {
	uint64_t interval_ms;               /* sampling tick */
	enum nm_knb kernel_numa_balancing;
	char *control_socket;
	char *metrics_file;                 /* "" = off */
	uint64_t scan_budget_bytes;         /* numa_maps bytes read per tick */
	uint64_t fault_budget;              /* induced write faults per second */
	uint64_t clear_budget_us;           /* clear_refs CPU time per second */
	uint64_t job_rate_bps;              /* an operator's job; 0 = unlimited */
	enum nm_move_priority move_priority;
	struct nm_policy *policies;         /* first match wins, in file order */
	size_t n_policies;
};

/* Whether P's processes have memory moved (advise and off only report). */
static inline bool nm_policy_moves(const struct nm_policy *p)
{
	return p->mode == NM_MODE_LAZY || p->mode == NM_MODE_DIRECT;
}

/* Whether P's processes are demoted to a tiering goal. */
static inline bool nm_policy_demotes(const struct nm_policy *p)
{
	return nm_policy_moves(p) && p->goal_used_pct < 100;
}

#ifdef __cplusplus
}
#endif
#endif

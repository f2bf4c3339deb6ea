/* track: the tracking set, the processes numamigd manages.
 *
 * A process is tracked when it sits in a cgroup a policy matches (found
 * through the cgroups' cgroup.procs, never by walking all of /proc), its
 * comm fits the policy's comm list, the policy is not off, and its RSS is
 * at least min_rss. Each tracked process is held through a pid-reuse-safe
 * nm_proc handle; the tracker knows who it is (struct nm_ident), and
 * nothing of what later stages keep about it.
 *
 * A refresh re-walks the cgroups, adds newcomers, re-resolves the policy
 * of everyone (a reload may have changed it), and drops the processes that
 * exited, left their cgroup or no longer match. The walk skips subtrees no
 * policy can match, and remembers per cgroup what the config makes of it.
 * A process with a migration in flight is only marked for dropping; it is
 * dropped once the migrator hands it back, so the worker never holds a
 * freed handle.
 */
#ifndef NUMAMIG_TRACK_H
#define NUMAMIG_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <numa.h>

#include "numamig/cgroupfs.h"
#include "numamig/policy.h"
#include "numamig/proc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Who a tracked process is: what the tracker reads and re-reads. What the
 * pipeline keeps about it (planner state, footprint, residency) is the
 * engine's (numamig/task.h), in storage the engine hands the tracker
 * through nm_track_ops. */
struct nm_ident {
	struct nm_proc *proc;
	pid_t pid;
	char comm[NM_COMM_MAX];
	char *cgroup;                   /* cgroup v2 path */
	const struct nm_policy *policy; /* points into the running config */
	uint64_t rss_bytes;
	uint64_t tracked_since_ms;
	struct bitmask *mems_allowed;   /* Mems_allowed_list: its cpuset's mems */
	bool seen;                      /* refresh bookkeeping */
	bool doomed;                    /* drop once it may be (nm_track_ops.busy) */
};

/* How the tracker gets and gives back the storage of a process, and asks
 * whether it may be dropped: the engine's per-task state around a struct
 * nm_ident. */
struct nm_track_ops {
	/* Zeroed storage for a newcomer's identity; NULL: out of memory. */
	struct nm_ident *(*create)(void *arg);
	/* ID is filled in (policy set): set up what depends on it. */
	void (*adopted)(struct nm_ident *id, void *arg);
	/* True while ID may not be dropped (a migration holds its handle). */
	bool (*busy)(const struct nm_ident *id, void *arg);
	/* ID's own parts are freed: free the rest and the storage. */
	void (*destroy)(struct nm_ident *id, void *arg);
	void *arg;
};

struct nm_tracker {
	const struct nm_track_ops *ops;
	struct nm_ident **v;            /* sorted by pid */
	size_t n, cap;
	uint64_t added, dropped;        /* counters for status */
	uint64_t cgroups_walked;
	/* What each cgroup path means to the config (nm_config_cgroup_scope),
	 * kept across refreshes: matching thousands of cgroups against
	 * thousands of policies each tick took most of a core. */
	void *scopes;                   /* tsearch tree */
	size_t n_scopes;
	size_t walked_last;             /* cgroups the last refresh visited */
	/* The walk's CPU time decides when the next one is due, so that
	 * walking takes at most 1 / NM_TRACK_WALK_FACTOR of a core. */
	uint64_t walk_ns;               /* the last walk took (wall time),
					 * without reading the processes it found */
	uint64_t next_walk_ms;          /* 0: at the next refresh */
};

/* A walk that took T of CPU time is followed by the next one T x this
 * later (at the latest NM_TRACK_WALK_MAX_MS): at most 1 % of a core. Between walks,
 * tracked processes that exit are still dropped (their pidfds say so);
 * newcomers wait for the next walk. */
#define NM_TRACK_WALK_FACTOR 100
#define NM_TRACK_WALK_MAX_MS 10000

struct nm_config;

/* Re-walk the cgroups under CG and bring T in line with CONFIG, when a
 * walk is due (see NM_TRACK_WALK_FACTOR; a config change makes one due at
 * once). NOW_MS stamps newcomers. Returns 0 or -errno (only for failures
 * of the walk itself: single processes or cgroups that vanish are
 * skipped). */
int nm_track_refresh(struct nm_tracker *t, const struct nm_root *root,
		     const struct nm_cgroupfs *cg, const struct nm_config *config,
		     uint64_t now_ms);

/* Forget what cgroups meant to the config, and walk at the next refresh:
 * call when the config changes. */
void nm_track_forget_scopes(struct nm_tracker *t);

/* The process PID, or NULL. */
struct nm_ident *nm_track_find(const struct nm_tracker *t, pid_t pid);

/* Drop processes marked doomed that are not busy. */
void nm_track_sweep(struct nm_tracker *t);

void nm_track_free(struct nm_tracker *t);

#ifdef __cplusplus
}
#endif
#endif

/* planner: the "plan" stage. Decides, per tracked task and per tick,
 * whether its memory should follow it to another node, and says why.
 *
 * Pure: no syscalls, no clock, no allocation. The daemon fills a struct
 * nm_plan_input from the sampler (CPU time per node), the footprint
 * (eligible pages per node) and the topology (allowed nodes, headroom),
 * passes the current time in, and gets a struct nm_plan_decision back.
 * A "task" is whatever the daemon tracks as one unit: a process, or a
 * thread together with the memory attributed to it. The per-task state is
 * a plain struct the daemon owns; all zeroes is a task never seen.
 *
 * Two policies share this mechanism so they can be compared on the same
 * inputs: "residency", a hysteresis state machine, and
 * "greedy", the deliberately dumb baseline that moves memory to wherever
 * the task ran most last tick.
 *
 * Residency state machine (nm_plan_phase):
 *
 *   new ─▶ candidate(N) ─dwell─▶ stable(N) ─gates pass─▶ migrating(N)
 *              │ interrupted:        │ a gate blocks:        │ nothing left
 *              ▼ reset               │ stay, retry           ▼ (or direct)
 *   settled(H) ◀─ already local ─────┘                  cooldown(N)
 *        ▲                                                   │
 *        └─────────────────── hysteresis elapsed ────────────┘
 *
 * - Home: the node holding at least `dominance` of the task's CPU time in
 *   the tick. Idle ticks keep the previous view and do not count towards
 *   dwell; a tick without a dominant node interrupts a candidate. Only a
 *   node with CPUs can be home: a CPU-less memory node (CXL) has no CPU
 *   time, and any time a bad sample attributes to it is ignored; its pages
 *   are just misplaced pages to move home.
 * - Dwell counts the wall time a candidate has been dominant, including
 *   the tick that first showed it (the sample covers the whole window):
 *   with dwell == interval one full tick of dominance is enough, so to
 *   filter one-tick blips set dwell above the interval. A streak short of
 *   the dwell by at most a twentieth of the tick's window (timer jitter)
 *   meets it. The window is the input's window_ms: the caller's tick,
 *   which the samples cover, also on the first tick of a task.
 * - Cooldown: after each migration batch no migration to another node for
 *   `hysteresis` (the anti-thrash interval). Finishing the same move (lazy
 *   batches) is not a re-migration and continues through it, and neither
 *   is moving pages still away from an unchanged home, unless the last
 *   batch stalled (moved nothing: no fewer pages away, no more at home)
 *   or the mode is advise.
 * - Instability backoff: each change of the dominant node seen within a
 *   hysteresis after the home was set (a move; for a region also a home
 *   adopted where its memory already was), or while the dwell is backed
 *   off already,
 *   doubles the task's dwell (capped at max_dwell, or hysteresis when that
 *   is 0); so does home lost to a tick without a dominant node. Each
 *   hysteresis of calm (ticks with one dominant node, or idle, without a
 *   change) halves it again. Both periods are sums of the ticks' windows,
 *   not wall time: a region is seen only on the ticks its writes are read.
 *   A task that keeps hopping faster than its dwell therefore never
 *   migrates again until it calms down, which bounds migration volume.
 * - A manual trigger bypasses dwell, cooldown and the judgement gates
 *   (min_rss, min_gain, cost/benefit) but not the safety gates (mode,
 *   allowed nodes, headroom, rate).
 *
 * Gate order, each with its own reason (first that blocks wins):
 *   mode_off, idle, no_dominant_node, too_small, dwell, cooldown,
 *   awaiting_placement, not_allowed, already_local, min_gain,
 *   not_worth_it, node_full, rate_limited.
 * In advise mode everything is evaluated except the rate gate, the action
 * is NM_PLAN_ADVISE ("would migrate"), nothing is debited, and the state
 * goes straight to cooldown so the advice repeats once per hysteresis.
 */
#ifndef NUMAMIG_PLANNER_H
#define NUMAMIG_PLANNER_H

#include <stdbool.h>
#include <stdint.h>
#include <numa.h>

#include "numamig/access.h"
#include "numamig/policy.h"
#include "numamig/sampler.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Migration throughput assumed when the daemon has not measured one:
 * batched move_pages in a TCG guest, the slowest place we run. */
#define NM_PLAN_DEFAULT_MIG_BPS 140000000ULL
/* Extra run time per unit of run time when all of a task's memory is
 * remote, in percent, when the daemon passes none: 100 matches a SLIT
 * distance of 20 against 10 (remote latency about twice local). */
#define NM_PLAN_DEFAULT_PENALTY_PCT 100u

enum nm_plan_phase {
	NM_PLAN_NEW = 0,     /* no home yet */
	NM_PLAN_SETTLED,     /* memory follows home; nothing pending */
	NM_PLAN_CANDIDATE,   /* another node is dominant, dwell not yet over */
	NM_PLAN_STABLE,      /* dwell over, a gate holds the migration back */
	NM_PLAN_MIGRATING,   /* batches to home are being planned */
	NM_PLAN_COOLDOWN,    /* migrated; no move elsewhere for hysteresis */
	NM_PLAN_NR_PHASES
};

enum nm_plan_reason {
	NM_PLAN_R_NONE = 0,          /* never ticked */
	/* Why memory moves (action MIGRATE or ADVISE). */
	NM_PLAN_R_HOME_CHANGED,      /* a new home was stable for dwell */
	NM_PLAN_R_MISPLACED,         /* home unchanged, memory elsewhere */
	NM_PLAN_R_CONTINUING,        /* next batch of a move under way */
	NM_PLAN_R_TRIGGERED,         /* the operator asked */
	NM_PLAN_R_GREEDY,            /* greedy: where it ran last tick */
	/* Why it does not (action NONE). */
	NM_PLAN_R_MODE_OFF,
	NM_PLAN_R_IDLE,              /* no CPU time this tick */
	NM_PLAN_R_NO_DOMINANT_NODE,
	NM_PLAN_R_TOO_SMALL,         /* eligible memory below min_rss */
	NM_PLAN_R_DWELL,             /* candidate not dominant long enough */
	NM_PLAN_R_COOLDOWN,
	NM_PLAN_R_AWAITING_PLACEMENT,/* last batch not yet seen in numa_maps */
	NM_PLAN_R_NOT_ALLOWED,       /* home outside the allowed targets */
	NM_PLAN_R_ALREADY_LOCAL,     /* nothing misplaced */
	NM_PLAN_R_MIN_GAIN,          /* locality gain below min_gain */
	NM_PLAN_R_NOT_WORTH_IT,      /* cost/benefit says no */
	NM_PLAN_R_NODE_FULL,         /* target headroom too small */
	NM_PLAN_R_RATE_LIMITED,      /* not enough tokens */
	NM_PLAN_R_STALLED,           /* a batch moved nothing; give up */
	NM_PLAN_R_COUNT
};

enum nm_plan_action {
	NM_PLAN_NONE = 0,
	NM_PLAN_MIGRATE,
	NM_PLAN_ADVISE,              /* mode advise: would migrate */
};

/* One task's inputs for one tick. Arrays are indexed by node id and hold
 * nr_nodes entries; they belong to the caller. */
struct nm_plan_input {
	uint64_t now_ms;
	uint64_t window_ms;          /* wall time cpu_ns covers; 0: since this
	                              * task's last tick (none on its first) */
	int nr_nodes;
	const uint64_t *cpu_ns;      /* CPU time per node, summed over threads */
	int last_node;               /* where it ran last; -1 unknown (greedy ties) */
	/* Where it ran alone lately: every sample of the last TAIL_MS (up
	 * to now, possibly past the window) was on TAIL_NODE; 0: unknown. */
	int tail_node;
	uint64_t tail_ms;
	const uint64_t *pages;       /* eligible pages per node */
	uint64_t page_size;          /* bytes per page in pages[] */
	uint64_t placement_seq;      /* bumped by each re-read of pages[]; 0: untracked */
	const struct bitmask *allowed;   /* policy ∩ cpuset.mems ∩ has memory; NULL: any */
	const struct bitmask *cpu_nodes; /* nodes with CPUs; NULL: any */
	const int64_t *headroom;     /* bytes free above the high watermark; NULL: unknown */
	uint64_t mig_bps;            /* measured move throughput; 0: default */
	unsigned remote_penalty_pct; /* see NM_PLAN_DEFAULT_PENALTY_PCT; 0: default */
	bool triggered;              /* operator asked to re-evaluate now */
};

/* The rate limit as a token bucket in bytes, one per policy. The planner
 * reserves a decision's bytes when it emits it; the daemon refunds what
 * the migrator did not move. Tokens may go negative: a direct-mode move
 * is all or nothing, so it may borrow, and later moves wait until the debt
 * is paid, which keeps the long-run rate. */
struct nm_plan_budget {
	uint64_t rate_bps;           /* 0: unlimited */
	uint64_t burst;              /* most tokens held */
	int64_t tokens;
	uint64_t last_ms;
};

/* Per-task state, owned by the daemon; zero-initialise for a new task. */
struct nm_plan_state {
	enum nm_plan_phase phase;
	int home;                    /* valid when has_home */
	int dom;                     /* last dominant node; valid when has_dom */
	bool has_home, has_dom;
	bool awaiting;               /* a batch was planned at mig_seq */
	bool stalled;                /* the last batch moved nothing */
	uint8_t backoff;             /* dwell = dwell << backoff, capped */
	uint64_t dom_since_ms;       /* dom dominant since (Lindy age) */
	uint64_t streak_ms;          /* dom dominant without interruption */
	uint64_t calm_ms;            /* windows since the last change of dom or
	                              * tick without one, less what decay took */
	uint64_t home_age_ms;        /* windows since home was set (moved, adopted) */
	uint64_t cooldown_until_ms;
	uint64_t mig_seq;            /* placement_seq when the last batch was planned */
	uint64_t mig_misplaced;      /* misplaced pages then */
	uint64_t mig_on_home;        /* and pages on its target */
	uint64_t last_tick_ms;
	/* For explain: the latest outcome and the latest action. */
	enum nm_plan_reason last_reason;
	uint64_t last_reason_ms;
	enum nm_plan_reason last_action_reason;
	uint64_t last_action_ms;
	int last_target;
	uint64_t last_bytes;
	uint64_t migrations;         /* MIGRATE decisions */
	uint64_t bytes_planned;      /* their bytes */
	uint32_t reasons[NM_PLAN_R_COUNT]; /* ticks ending with each reason */
};

struct nm_plan_decision {
	enum nm_plan_action action;
	enum nm_plan_reason reason;
	uint64_t now_ms;
	int home;                    /* this tick's home; -1 none */
	int target;                  /* -1 unless there is a target */
	struct bitmask *src;         /* caller's mask (or NULL): nodes to move from */
	uint64_t misplaced_pages;    /* eligible pages off target */
	uint64_t eligible_pages;
	uint64_t pages, bytes;       /* to move now (capped by headroom, tokens) */
	bool partial;                /* capped: more batches will follow */
	bool direct;                 /* mode direct: move all at once */
	uint64_t dwell_ms;           /* effective dwell, after backoff */
	uint64_t benefit_us, cost_us;/* cost/benefit estimate, when computed */
};

/* One tick for one task. POL gives mode, policy, dwell, hysteresis,
 * max_dwell, dominance, min_gain, min_rss, rate_limit (the bucket) and
 * batch_min (smallest lazy batch worth a call). BUDGET may be NULL
 * (unlimited). OUT->src, if set by the caller, is filled. Returns 0, or
 * -EINVAL for inconsistent input (state and OUT untouched). */
int nm_plan_tick(const struct nm_policy *pol, const struct nm_plan_input *in,
		 struct nm_plan_budget *budget, struct nm_plan_state *st,
		 struct nm_plan_decision *out);

/* A region of a process (numamig/access.h) planned as a task of its own,
 * for a process whose threads run on several nodes: its accesses per node
 * stand in for CPU time, scaled so that all of the process's regions
 * together hold the process's CPU time in the window. Dominance, dwell,
 * cooldown, backoff, min_gain, cost/benefit, headroom and the rate budget
 * then mean for a region what they mean for a process; min_rss does not
 * apply (a region is small by design). */
struct nm_plan_region {
	const struct nm_plan_input *proc; /* the process's input; its pages,
	                                     placement_seq and cpu_ns unused */
	uint64_t proc_cpu_ns;             /* the process's CPU time in the window */
	const float *counts;              /* [nr_nodes]: the region's accesses */
	double all_counts;                /* the accesses of all its regions */
	const uint64_t *pages;            /* [nr_nodes]: its pages per node */
	uint64_t placement_seq;           /* bumped by each re-read of pages */
	uint64_t *cpu_ns;                 /* [nr_nodes]: scratch */
};

/* The node changes of a process's threads, for its regions: a region
 * follows the thread that writes it, and a thread that keeps changing
 * nodes (threads the application or a scheduler rotates) would drag its
 * regions along. A window sees which node a region's writer ran on when
 * it first wrote each page after the clear, a moment, while a region is
 * planned as if that held for a whole tick, and once the windows back off
 * (up to 16 s apart) two of them can agree by chance: in a 2-node 6.1
 * guest the threads of daemon-phase, rotating every 3 s, had both slices
 * swapped at t = 42 s, 0.94 x the working set moved in the second half.
 * A thread's own node changes are sampled every tick. */
struct nm_thread_hist {
	pid_t tid;
	int node;                 /* where it ran most in the last tick it ran */
	uint64_t changed_ms[2];   /* its last two node changes, latest first; 0: none */
};

/* Note this tick's threads (V[NV], by tid as the sampler gives them: the
 * node each ran on most, -1: did not run) at NOW_MS into *H (*N entries,
 * by tid, made anew: threads gone are dropped). A thread that ran less
 * than 1/NM_PLAN_THREAD_MIN_SHARE of the tick's WINDOW_NS counts as not
 * run (50 ms of a 1 s tick): a thread that wakes now and then (a
 * reporter, a timer) lands on whichever CPU is free, and that says
 * nothing of where it writes. 0 or -ENOMEM (*H unchanged). */
#define NM_PLAN_THREAD_MIN_SHARE 20
int nm_plan_threads_note(struct nm_thread_hist **h, size_t *n, const struct nm_thread_residency *v,
			 size_t nv, uint64_t now_ms, uint64_t window_ns);

/* Whether thread TID changed nodes twice within HYSTERESIS_MS before
 * NOW_MS: its regions are then left where they are (a first change is a
 * placement, and followed). */
bool nm_plan_thread_unstable(const struct nm_thread_hist *h, size_t n, pid_t tid, uint64_t now_ms,
			     uint64_t hysteresis_ms);

/* Whether thread TID ran on NODE when last seen running and has not
 * changed nodes since SINCE_MS. */
bool nm_plan_thread_stayed(const struct nm_thread_hist *h, size_t n, pid_t tid, int node,
			   uint64_t since_ms);
/* Whether no thread in H changed nodes after SINCE_MS (and H has one). */
bool nm_plan_threads_stayed(const struct nm_thread_hist *h, size_t n, uint64_t since_ms);

/* The writers of a region: the allowed nodes (IN's allowed) with writes
 * in BY (its writes per node) and at least PCT of them, into W; their
 * number. NM_PLAN_WRITER_PCT is the share that makes a writer of the
 * region as a whole. */
#define NM_PLAN_WRITER_PCT 10
int nm_plan_region_writers(const struct nm_plan_input *in, const float *by, unsigned pct, int *w);

/* A region may hold the private memory of writers on several nodes side
 * by side: a slice boundary inside a region (in a 4-node 6.1 guest, where
 * a 64 MiB buffer is not 2 MiB aligned, two of three such regions stayed
 * remote to both their writers), or two threads' allocation chunks. The
 * boundary falls anywhere: one writer may hold 6 % of the region (31 of
 * 512 pages in W4t on 6.1, whose pages moved with the other writer's to
 * its node and stayed remote). When the process's writes are private
 * (SHARED 0) and the pages counted from each writer lie apart (their
 * spans, nm_access_node_span, do not overlap), each writer's span is
 * planned as a part of its own, homed on that node, however small its
 * share: no other node ever wrote there. Memory several threads write has
 * overlapping spans, and stays one region. The writers of region S of A
 * into W; their number, or 0: not split. */
int nm_plan_region_split(const struct nm_access *a, const struct nm_access_region *s,
			 const struct nm_plan_input *in, int shared, int *w);

/* One tick for one region: nm_plan_tick() on the region's view. */
int nm_plan_region_tick(const struct nm_policy *pol, const struct nm_plan_region *r,
			struct nm_plan_budget *budget, struct nm_plan_state *st,
			struct nm_plan_decision *out);

/* One tracked process's mapping of a file's pages, for
 * nm_plan_sharer_yields. */
struct nm_plan_sharer {
	unsigned dev_major, dev_minor;
	unsigned long long inode, offset, bytes; /* the file range mapped */
	int home;                                /* -1: none */
	uint64_t cpu_ns;                         /* its CPU time in its last tick */
	size_t row;                              /* the caller's: which of its rows */
};

/* Whether MINE leaves the pages it maps to OTHER. File pages that several
 * tracked processes map would go back and forth if each moved them to its
 * own home whenever it read its map (a parent on node 0 that maps a whole
 * file, a child on node 1 streaming its slice of it). A process yields to
 * one whose home is another node and that maps part of the same range,
 * unless it ran at least DOMINANCE_PCT of the two's CPU time; when neither
 * dominates, both yield and the pages stay. Pure. */
bool nm_plan_sharer_yields(const struct nm_plan_sharer *mine, const struct nm_plan_sharer *other,
			   unsigned dominance_pct);

/* The order nm_plan_sharers_meet wants a process's rows in: by device,
 * inode, then offset (a qsort comparator). */
int nm_plan_sharer_cmp(const void *a, const void *b);

/* Set YIELD[i] for each of MINE[N] (in nm_plan_sharer_cmp order) that
 * yields to OTHER: a binary search to OTHER's file, then its rows in file
 * order up to the end of OTHER's range. A process's rows are met with each
 * shared row of the other tracked processes once, so the cost is linear
 * in theirs, not their number times its own. Pure. */
void nm_plan_sharers_meet(const struct nm_plan_sharer *mine, size_t n,
			  const struct nm_plan_sharer *other, unsigned dominance_pct, bool *yield);

/* The dwell the task must meet now (instability backoff applied). */
uint64_t nm_plan_dwell_ms(const struct nm_policy *pol, const struct nm_plan_state *st);

/* BURST 0: one second's worth of RATE_BPS. The bucket starts full. */
void nm_plan_budget_init(struct nm_plan_budget *b, uint64_t rate_bps, uint64_t burst,
			 uint64_t now_ms);
/* Add what accrued since the last refill (time going backwards adds nothing). */
void nm_plan_budget_refill(struct nm_plan_budget *b, uint64_t now_ms);
/* Tokens available now (after refill), 0 when in debt; UINT64_MAX when unlimited. */
uint64_t nm_plan_budget_available(struct nm_plan_budget *b, uint64_t now_ms);
/* Spend BYTES; with BORROW the bucket may go into debt. */
void nm_plan_budget_take(struct nm_plan_budget *b, uint64_t bytes, bool borrow);
/* Give back BYTES a decision reserved but the migrator did not move. */
void nm_plan_budget_refund(struct nm_plan_budget *b, uint64_t bytes);

/* Stable snake_case names for status, explain and metrics labels. */
const char *nm_plan_reason_name(enum nm_plan_reason r);
const char *nm_plan_state_name(enum nm_plan_phase p);
const char *nm_plan_action_name(enum nm_plan_action a);

#ifdef __cplusplus
}
#endif
#endif

/* migrator: the "act" stage. Moves a process's misplaced pages to a
 * target node and reports, page by page, what happened.
 *
 * lazy: walk the footprint's eligible VMAs, most misplaced first, with
 * the act stage's one page walker (lib/act/walk.h): pagemap skips absent
 * pages and, with max_mapcount 1, pages not exclusively mapped; the kernel
 * says where the rest are (move_pages with nodes NULL); the misplaced ones
 * move in batches sized by the tuner, up to the run's byte cap (the
 * planner's budget); each page is counted by its status, and only
 * placement is proof.
 * direct: migrate_pages(pid, old nodes, new node) at once. With
 * max_mapcount 1 the call is made without CAP_SYS_NICE, so the kernel
 * moves only pages mapped by this process alone (MPOL_MF_MOVE): shared
 * libraries and shared memory stay. migrate_pages() cannot skip files, so
 * a file mapped by this process only moves even if excluded; use lazy mode
 * where that matters.
 *
 * The process is checked through its pidfd before and after every call,
 * so a pid that died or was reused mid-run stops the run and nothing
 * further is done to it; a call that fails while the process exits counts
 * as gone, whatever the errno. Other call-level errors (ENODEV, EPERM,
 * EINVAL, EFAULT, ENOMEM) abort with that errno; per-page failures are
 * counted by errno and the run goes on, except that a burst of ENOMEM
 * (the target is full) stops it.
 *
 * Syscalls go through struct nm_mig_sys so unit tests can script the
 * kernel's answers; the VM tests use the real one.
 */
#ifndef NUMAMIG_MIGRATOR_H
#define NUMAMIG_MIGRATOR_H

#include <stdint.h>
#include <sys/types.h>
#include <numa.h>

#include "numamig/act.h"
#include "numamig/footprint.h"
#include "numamig/pace.h"
#include "numamig/proc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome a negative per-page status of move_pages() stands for. */
enum nm_mig_outcome nm_mig_outcome_of(int status);

enum nm_mig_stop {
	NM_MIG_DONE,     /* every misplaced page was requested */
	NM_MIG_BUDGET,   /* the byte cap or the rate limit ran out; resume later */
	NM_MIG_FULL,     /* a burst of ENOMEM: the target node is full */
	NM_MIG_GONE,     /* the process exited (or its pid was reused) */
	NM_MIG_ABORTED,  /* a call-level error; see abort_errno */
	NM_MIG_STOPPED,  /* the daemon is stopping (nm_mig_set_stopping) */
	NM_MIG_NR_STOPS
};
const char *nm_mig_stop_name(enum nm_mig_stop s);

/* Ask every walk in progress, in any thread, to stop before its next
 * move_pages or migrate_pages call (SIGTERM must not wait for a job of
 * hundreds of GB); a walk then ends with NM_MIG_STOPPED, an operator's
 * range or job move with -ECANCELED, what moved so far counted. A single
 * call in flight finishes first. */
void nm_mig_set_stopping(bool on);
bool nm_mig_stopping(void);

/* Wait while P's moves are ahead of its rate (nm_progress.rate_bps), in
 * slices, until a cancel or a stop. Real time: the seam's clock is for
 * what the kernel does, this is how long we wait. NULL: nothing. */
void nm_progress_pace(struct nm_progress *p);
/* Add to P what a walk counted in NOW since WAS, and make WAS NOW (P NULL:
 * nothing). */
void nm_progress_publish(struct nm_progress *p, const struct nm_walk_counts *now,
			 struct nm_walk_counts *was);

/* Part of a region request: the pages of [START, END) go to TARGET. */
struct nm_mig_region {
	unsigned long start, end;       /* page aligned */
	int target;
	unsigned long long *moved_from; /* out, may be NULL: [nr_nodes] pages
	                                   moved, by source node */
};

struct nm_mig_request {
	const struct nm_proc *proc;
	const struct nm_footprint *fp;
	int target;                     /* -1 with regions */
	const struct bitmask *sources;  /* move only from these; NULL = any */
	unsigned max_mapcount;          /* 1: exclusively mapped pages only */
	uint64_t max_bytes;             /* cap for this run (headroom); 0 = none */
	struct nm_tuner *tuner;         /* batch size, kept across runs */
	/* A region request (memory that follows threads): each region's pages
	 * inside the footprint's eligible VMAs go to the region's own target,
	 * regions in the order given; nodes are 0..nr_nodes-1. */
	struct nm_mig_region *regions;
	size_t n_regions;
	int nr_nodes;
};

struct nm_mig_result {
	enum nm_mig_stop stop;
	int abort_errno;                /* for NM_MIG_ABORTED */
	struct nm_walk_counts c;
	unsigned long long moved_from[NM_MAPS_MAX_NODES]; /* pages moved, by source node */
};

/* Lazy mode (also a region request). Returns 0 with RES filled (stop says why it ended), or
 * -ENOMEM when buffers cannot be allocated. */
int nm_mig_lazy(const struct nm_mig_sys *sys, const struct nm_mig_request *req,
		struct nm_mig_result *res);

/* One range of a placement read, and what was found there. */
struct nm_mig_span {
	unsigned long start, end;
	unsigned long long *on_node;    /* [nr_nodes]: present pages per node */
	struct nm_walk_counts c;        /* the walk's counts (pages, absent, shared) */
	int err;                        /* 0, or -errno as nm_walk_errno() says it
	                                   (-ESRCH: gone) */
};

/* Where the pages of N ranges of REQ's process are, inside its
 * footprint's eligible VMAs (REQ->fp NULL: all of it): each span's ON_NODE
 * gets its present pages (with max_mapcount 1, those pagemap calls
 * exclusive) per node. Through the walker, moving nothing: pagemap then
 * move_pages() with nodes NULL; a THP counts as its 512 pages. One walk
 * for all of them: the engine reads a few hundred regions in a tick, and
 * a walk's window buffers taken and given back for each cost more than
 * the read (glibc's heap grows and shrinks each time). Once the process
 * is gone (or the daemon stopping), the rest of the spans say so unread. REQ's target, sources,
 * tuner, cap and regions are unused. 0 with each span's err set, or
 * -EINVAL (no nodes) or -ENOMEM. */
int nm_mig_placement(const struct nm_mig_sys *sys, const struct nm_mig_request *req,
		     struct nm_mig_span *spans, size_t n);

/* Direct mode: migrate_pages(pid, FROM, TO). RES->c.requested is unknown
 * (the kernel does not say); RES->c.failed_by[NM_MIG_EOTHER] gets the
 * pages it reports as not moved. Returns 0 or -ENOMEM. */
int nm_mig_direct(const struct nm_mig_sys *sys, const struct nm_proc *proc,
		  const struct bitmask *from, const struct bitmask *to, unsigned max_mapcount,
		  struct nm_mig_result *res);

#ifdef __cplusplus
}
#endif
#endif

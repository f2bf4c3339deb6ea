/* act: how libnumamig moves pages, as its users see it: the one seam to
 * the kernel (move_pages, migrate_pages, /proc/PID/pagemap, /proc/kpageflags,
 * liveness, a clock), which tests replace with a scripted kernel, and the
 * result of a move, page by page.
 *
 * Part of the installed API (with root.h, proc.h, set.h, topology.h,
 * rangemove.h and job.h): nm_range_move() and nm_job_execute() take a
 * struct nm_mig_sys, normally &nm_mig_kernel, and report in struct
 * nm_walk_counts.
 */
#ifndef NUMAMIG_ACT_H
#define NUMAMIG_ACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_proc;

struct nm_mig_sys {
	long (*move_pages)(void *ctx, pid_t pid, unsigned long count, void **pages,
			   const int *nodes, int *status, int flags);
	/* SHARED: allow pages mapped by other processes too (MOVE_ALL). */
	long (*migrate_pages)(void *ctx, pid_t pid, unsigned long maxnode,
			      const unsigned long *old_nodes, const unsigned long *new_nodes,
			      bool shared);
	/* Fill N pagemap entries starting at virtual address START. */
	int (*pagemap)(void *ctx, const struct nm_proc *p, unsigned long start, size_t n,
		       uint64_t *entries);
	/* The /proc/kpageflags word of frame PFN: 0 or -errno (NULL: none). */
	int (*kpageflags)(void *ctx, uint64_t pfn, uint64_t *flags);
	bool (*alive)(void *ctx, const struct nm_proc *p);
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

/* The kernel, through libnuma's move_pages()/migrate_pages(). Around a
 * migrate_pages() of exclusive pages only, CAP_SYS_NICE is dropped for the
 * call; if that fails, the call fails (EPERM) rather than move shared
 * pages. The first walk that meets a huge page opens /proc/kpageflags
 * (O_CLOEXEC) and keeps it open for the life of the process. */
extern const struct nm_mig_sys nm_mig_kernel;

/* What became of each page requested. */
enum nm_mig_outcome {
	NM_MIG_MOVED,    /* on the target afterwards */
	NM_MIG_ENOENT,   /* not present any more */
	NM_MIG_EFAULT,   /* zero page or bad address */
	NM_MIG_EACCES,   /* shared: needs MPOL_MF_MOVE_ALL */
	NM_MIG_EBUSY,    /* pinned or busy (long-term GUP pins never move) */
	NM_MIG_ENOMEM,   /* target full */
	NM_MIG_EOTHER,   /* any other status, or not on the target afterwards */
	NM_MIG_NR_OUTCOMES
};
const char *nm_mig_outcome_name(enum nm_mig_outcome o);

/* Page counts of one walk, the one result of every move (the daemon's,
 * a range's, a job's). All are in base pages (a huge page counts as the
 * pages it holds). */
struct nm_walk_counts {
	unsigned long long pages;     /* pages examined */
	unsigned long long absent;    /* not present, or not a page of its own
				       * (the shared zero page): nothing to move */
	unsigned long long shared;    /* present but mapped by other processes,
				       * left alone by an exclusive-only walk */
	unsigned long long stay;      /* present, and left where they are (on
				       * their target, or not from a source) */
	unsigned long long misplaced; /* present and bound elsewhere */
	unsigned long long requested; /* passed to move_pages (would be, in a dry run) */
	unsigned long long moved;     /* on their target afterwards */
	unsigned long long failed;    /* requested, not moved: sum of failed_by */
	unsigned long long failed_by[NM_MIG_NR_OUTCOMES]; /* [NM_MIG_MOVED] stays 0 */
	unsigned long long retried;   /* requested again after a transient failure */
	unsigned long long bytes_moved;
	unsigned calls;               /* move_pages calls that moved (or tried to) */
	uint64_t busy_ns;             /* time inside those calls */
};

/* An operator's move (a job or a range) as another thread sees it while it
 * runs, and its cancel switch. The walks add their counts to it after
 * every kernel call, and once it is cancelled they stop before their next
 * call: the move then ends with -ECANCELED, as when the daemon stops,
 * what moved so far counted. PLANNED is the pages the move means to look
 * at (the plan's estimate; 0 until known). Zero it to start; touch it
 * only through these functions, which are atomic. */
struct nm_progress {
	struct nm_walk_counts c;
	unsigned long long planned;
	int cancelled;
	/* Pacing, set before the move starts: at most RATE_BPS bytes moved
	 * per second (0: no limit), with a burst of one second's worth; the
	 * walks wait before a call that would go past it. SINCE_NS is the
	 * walks' own (CLOCK_MONOTONIC at their first call). */
	uint64_t rate_bps;
	uint64_t since_ns;
};
void nm_progress_add(struct nm_progress *p, const struct nm_walk_counts *delta);
void nm_progress_set_planned(struct nm_progress *p, unsigned long long pages);
/* A consistent enough copy for a progress report (each field atomic). */
void nm_progress_read(const struct nm_progress *p, struct nm_walk_counts *c,
		      unsigned long long *planned);
void nm_progress_cancel(struct nm_progress *p);
/* False for NULL: a move without progress cannot be cancelled. */
bool nm_progress_cancelled(const struct nm_progress *p);

#ifdef __cplusplus
}
#endif
#endif

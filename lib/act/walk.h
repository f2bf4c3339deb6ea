/* walk: the one page walker of the act stage. Every move of pages, the
 * daemon's (lib/act/migrator.c) and the operator's (lib/job/rangemove.c and the
 * job migration in lib/job/job-exec.c), goes through it, so the rules about
 * the kernel live in one place:
 *
 *  - every kernel call is bracketed by liveness checks through the
 *    process's pidfd, so a pid that died (or was reused) is never acted on
 *    and an answer about it is dropped; a call that fails while the
 *    process exits is reported GONE, whatever errno the kernel chose (6.12
 *    says EINVAL once the mm is gone and before the pidfd polls readable);
 *  - only placement is proof: a batch the kernel reports as not wholly
 *    migrated (a positive return) is queried again;
 *  - pages that failed transiently (EBUSY: a reference held that instant;
 *    EAGAIN; or reported moved and not there) are asked once more;
 *  - a burst of per-page ENOMEM means the target is full: stop rather
 *    than hammer a node under reclaim;
 *  - nm_mig_stopping(), and the cancel switch of an operator's move
 *    (struct nm_progress), are checked before every call.
 *
 * A request is a set of address ranges (nm_walk_range, once per range)
 * or an address list (nm_walk_list), with a target per source node (MAP)
 * or per page (the list's targets). Ranges are read through
 * /proc/PID/pagemap in windows of NM_WALK_WINDOW pages: absent pages are
 * never requested, and a transparent huge page (a 2 MiB-aligned run of 512
 * present pages on consecutive frames whose head /proc/kpageflags calls a
 * THP) is requested by its head address only, since the kernel moves the
 * whole folio for it. Pacing is optional: a batch tuner sizes the calls
 * and a byte cap ends the walk with NM_MIG_BUDGET.
 *
 * Not exported: the library's users reach it through numamig/migrator.h,
 * numamig/rangemove.h and numamig/job.h.
 */
#ifndef NUMAMIG_WALK_H
#define NUMAMIG_WALK_H

#include <stdint.h>

#include "numamig/migrator.h"

/* Pages per pagemap read and status query. Windows are aligned to it in
 * the address space, so a PMD-mapped huge page never spans two. */
#define NM_WALK_WINDOW 4096u
/* Pages per move_pages() call unless a tuner or the caller says otherwise
 * (4 MiB: a few ms of the target's mmap_lock). */
#define NM_WALK_BATCH 1024u

struct nm_walk {
	/* The request. */
	const struct nm_mig_sys *sys;
	const struct nm_proc *proc;
	const int *map;         /* [nr_map]: where a page on node n goes; -1: stays;
	                         * NULL: every page stays (a placement query) */
	int nr_map;             /* also the length of the per node outputs */
	bool move_all;          /* MPOL_MF_MOVE_ALL rather than MPOL_MF_MOVE */
	bool exclusive_only;    /* request only pages pagemap calls exclusive */
	bool dry_run;           /* query, never move */
	unsigned long page_bytes; /* of the pages walked; 0: the system's */
	/* Pacing (all optional). */
	unsigned batch;         /* pages per move call, 1..NM_WALK_WINDOW */
	struct nm_tuner *tuner; /* sizes the batches instead, and learns from them */
	uint64_t max_bytes;     /* stop with NM_MIG_BUDGET past this; 0: no cap */
	struct nm_progress *progress; /* an operator's move: counts published
	                         * after every call, cancel checked before */
	bool carry;             /* a short last batch of a range waits for the
	                         * next range's pages; nm_walk_flush() moves it */
	/* Outputs: counts, the stop, and per node arrays of nr_map entries
	 * (may be NULL). */
	struct nm_walk_counts *c;
	enum nm_mig_stop stop;
	int abort_errno;                 /* for NM_MIG_ABORTED */
	unsigned long long *on_node;     /* present pages found per node */
	unsigned long long *moved_from;  /* moved, by source node (the array
	                                  * current when a page was looked at:
	                                  * a carrying walk may move it later) */
	unsigned long long *moved_to;    /* moved, by target node */
	/* Page masks over the range given to nm_walk_range (may be NULL):
	 * WANT, the pages to look at (others are not counted at all);
	 * MISSING, set to 1 for a page not present here, 0 for one that is. */
	const unsigned char *want;
	unsigned char *missing;
	/* Internal: buffers from nm_walk_init() and the walk's state. */
	unsigned long range_start;
	struct nm_walk_counts published; /* *c when last added to progress */
	uint64_t bytes_spent;
	bool no_kpageflags;     /* the seam could not read them: no THP runs */
	size_t npend;           /* pages waiting at w->pages (carry) */
	unsigned long pend_page_bytes; /* their page size */
	uint64_t *pm;
	void **cand, **pages;
	unsigned *weight, *pweight; /* base pages each candidate stands for */
	int *want_node;          /* the list's per-page targets */
	int *where, *src, *nodes, *status, *again;
	unsigned long long **pfrom; /* each page's moved_from */
	void **rpages;          /* the retry of transient failures */
	int *rnodes, *rstatus;
	size_t *ridx;
};

/* Allocate the buffers. Returns 0 or -ENOMEM. */
int nm_walk_init(struct nm_walk *w);
void nm_walk_fini(struct nm_walk *w);

/* Walk [START, END) (page aligned) with the node map. Returns the stop
 * (NM_MIG_DONE: all of it was looked at), also left in w->stop. */
enum nm_mig_stop nm_walk_range(struct nm_walk *w, unsigned long start, unsigned long end);

/* Move what a carrying walk (w->carry) still holds back. Returns the
 * stop, as above. */
enum nm_mig_stop nm_walk_flush(struct nm_walk *w);

/* Move the N pages at ADDRS each to TARGETS[i] (-1: leave it); absent
 * pages are counted, never requested. Returns the stop, as above. */
enum nm_mig_stop nm_walk_list(struct nm_walk *w, const unsigned long *addrs, const int *targets,
			      size_t n);

/* A kernel call about P failed with ERR: NM_MIG_GONE if the process is
 * exiting (given up to 100 ms to show it), else NM_MIG_ABORTED with
 * *ABORT_ERRNO set. */
int nm_mig_failed(const struct nm_mig_sys *sys, const struct nm_proc *p, int err,
		  int *abort_errno);

/* A stop as the operator's errno contract says it (numamig/rangemove.h):
 * 0, -ESRCH (gone), -ECANCELED (stopping), -ENOMEM (target full), -EAGAIN
 * (byte cap) or the aborting -errno. */
int nm_walk_errno(const struct nm_walk *w);

#endif

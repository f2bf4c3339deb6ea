/* The range walker shared by nm_range_move() and the job migration
 * (lib/job-exec.c). Not exported: see numamig/rangemove.h. */
#ifndef NUMAMIG_RANGEMOVE_INTERNAL_H
#define NUMAMIG_RANGEMOVE_INTERNAL_H

#include <stdint.h>

#include "numamig/rangemove.h"

/* Pages per pagemap read and status query. */
#define NM_WALK_WINDOW 4096u
/* Pages per move_pages() call unless the caller says otherwise. */
#define NM_WALK_BATCH 1024u

struct nm_walk {
	const struct nm_mig_sys *sys;
	const struct nm_proc *proc;
	const int *map;         /* [nr_map]: where a page on node n goes; -1: stays */
	int nr_map;
	bool move_all;          /* MPOL_MF_MOVE_ALL rather than MPOL_MF_MOVE */
	bool exclusive_only;    /* request only pages pagemap calls exclusive */
	bool dry_run;           /* query, never move */
	unsigned batch;         /* pages per move call, 1..NM_WALK_WINDOW */
	unsigned long page_bytes;
	/* Outputs: counts, and per node arrays of nr_map entries (may be NULL). */
	struct nm_walk_counts *c;
	unsigned long long *on_node;     /* present pages found per node */
	unsigned long long *moved_from;  /* moved, by source node */
	unsigned long long *moved_to;    /* moved, by target node */
	/* Page masks over the range given to nm_walk_range (may be NULL):
	 * WANT, the pages to look at (others are not counted at all);
	 * MISSING, set to 1 for a page not present here, 0 for one that is. */
	const unsigned char *want;
	unsigned char *missing;
	unsigned long range_start;
	/* Buffers, from nm_walk_init(). */
	uint64_t *pm;
	void **cand, **pages;
	int *where, *src, *nodes, *status, *again;
	int *rnodes, *rstatus;  /* the retry of transient failures */
	size_t *ridx;
};

/* Allocate the buffers. Returns 0 or -ENOMEM. */
int nm_walk_init(struct nm_walk *w);
void nm_walk_fini(struct nm_walk *w);

/* Walk [START, END) (page aligned). Returns 0 or the major -errno
 * (-ESRCH when the process is gone). */
int nm_walk_range(struct nm_walk *w, unsigned long start, unsigned long end);

#endif

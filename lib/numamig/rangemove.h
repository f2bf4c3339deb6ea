/* rangemove: the address-range migration service: move the pages
 * of a virtual address range of a process to a node, and say how many
 * moved and why the others did not.
 *
 * The range is walked in windows of 4096 pages: /proc/PID/pagemap says
 * which pages are present (absent ones are counted, never requested), a
 * move_pages() status query says where each present page is, and the
 * pages not yet on the target go to move_pages() in batches (1024 pages:
 * 4 MiB, a few ms of the target's mmap_lock). A batch the call reports as
 * not wholly migrated (a positive return) is queried again, because only
 * placement is proof. Pages that failed transiently (EBUSY: a reference
 * held that instant by the running process; or reported moved and not
 * there) are asked once more in one call; a page pinned for good fails
 * again and is counted. All of it goes through struct nm_mig_sys, the
 * migrator's syscall seam, so unit tests script the kernel.
 *
 * The errno contract:
 *  - major errors abort with that errno; pages already moved stay moved
 *    and are counted in the result:
 *      EINVAL  ADDR not page aligned, LEN 0, or ADDR+LEN overflows
 *      ENODEV  NODE is negative, not a possible node, or has no memory
 *      EFAULT  part of [ADDR, ADDR+LEN) is not mapped (checked against
 *              /proc/PID/maps before anything moves, as mbind(2) does)
 *      ESRCH   the process is gone (before, or between two calls)
 *      EPERM   the kernel refused (another uid without CAP_SYS_PTRACE;
 *              NM_RANGE_SHARED without CAP_SYS_NICE)
 *      ENOMEM  no memory for buffers, a call-level ENOMEM, or a burst of
 *              per-page ENOMEM (the target node is full: going on would
 *              only hammer a node under reclaim)
 *      ECANCELED  stopped between two calls: the daemon is stopping, or
 *              the caller cancelled PROGRESS
 *  - minor per-page failures are counted by errno and the walk goes on:
 *    EBUSY (pinned), EACCES (shared, without NM_RANGE_SHARED), ENOENT,
 *    EFAULT, isolated ENOMEM, and "other" (reported moved but not there).
 * LEN is rounded up to whole pages (like mbind and madvise); ADDR is not
 * rounded, since silently moving bytes the caller did not name is worse
 * than an error.
 *
 * The pages are walked by the same walker as the daemon's own moves and
 * the job migration (numamig/job.h): one address per transparent huge
 * page, and a process that exits during a call is ESRCH, whatever errno
 * the kernel chose.
 */
#ifndef NUMAMIG_RANGEMOVE_H
#define NUMAMIG_RANGEMOVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "numamig/act.h"
#include "numamig/proc.h"
#include "numamig/set.h"
#include "numamig/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Also pages mapped by other processes (MPOL_MF_MOVE_ALL: the caller needs
 * CAP_SYS_NICE, else EPERM). Without it such pages fail with EACCES. */
#define NM_RANGE_SHARED 0x1u
/* Count pages per node and what would be requested; move nothing. */
#define NM_RANGE_DRY_RUN 0x2u

struct nm_range_result {
	int err;                      /* 0, or the major errno that stopped it */
	unsigned long long bytes;     /* LEN rounded up to pages */
	struct nm_walk_counts c;
	int max_node;                 /* highest node with on_node > 0, or -1 */
	unsigned long long on_node[NM_MAPS_MAX_NODES]; /* present pages per node,
						 * before moving (the dry run's answer) */
	unsigned long long moved_from[NM_MAPS_MAX_NODES]; /* moved pages by source node */
};

/* Move [ADDR, ADDR+LEN) of P to NODE. TOPO (may be NULL: only negative
 * nodes are then refused up front, the kernel judges the rest) says which
 * nodes have memory. PROGRESS (may be NULL) reports the walk to another
 * thread while it runs and can cancel it (-ECANCELED, numamig/act.h).
 * Returns 0 or -errno, the same errno as RES->err; RES is filled in
 * either case (what was done before an abort). */
int nm_range_move(const struct nm_mig_sys *sys, const struct nm_topology *topo,
		  const struct nm_proc *p, unsigned long addr, unsigned long len, int node,
		  unsigned flags, struct nm_progress *progress,
		  struct nm_range_result *res);

/* The errno's name ("ENODEV"), for messages and JSON; "0" for 0. */
const char *nm_range_errno_name(int err);

#ifdef __cplusplus
}
#endif
#endif

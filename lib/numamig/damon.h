/* damon: the access store's DAMON source (NM_ACCESS_DAMON). Which parts
 * of a process's memory are accessed at all, reads included.
 *
 * DAMON (CONFIG_DAMON_VADDR, CONFIG_DAMON_SYSFS: Debian's 6.12 has them,
 * 6.1 does not) runs one kernel thread, a kdamond, per monitored process.
 * Every sampling interval it clears the accessed bit of one page in each of
 * its regions of the address space, and counts in how many samples of an
 * aggregation interval that bit was set again (nr_accesses, 0 to
 * aggr/sample). It splits and merges regions so that each holds memory of
 * one temperature, between a minimum and a maximum number of regions, so
 * its cost does not grow with the memory monitored.
 *
 * The daemon drives it through /sys/kernel/mm/damon/admin: a fixed number
 * of kdamonds (slots), each with one vaddr context, one target (a pid) and
 * one "stat" scheme whose access pattern matches every region, so that
 * "update_schemes_tried_regions" lists them all with their nr_accesses and
 * age. That write waits for the kdamond's next aggregation (about 100 ms):
 * a snapshot costs that much wall time to its caller.
 *
 * Limits: DAMON does not say which CPU made an access (the caller
 * attributes it); the sysfs interface is one per machine, so the daemon
 * takes it only when no other user has a kdamond running (damo, an
 * operator), and gives it back (no kdamonds) when it closes. A kdamond
 * whose process exits stops by itself. Under QEMU's TCG an accessed bit is
 * set again only when the vCPU's software TLB misses (the kernel does not
 * flush it when it clears the bit), so a busy thread that never leaves its
 * CPU looks idle; hardware TLBs are far smaller.
 */
#ifndef NUMAMIG_DAMON_H
#define NUMAMIG_DAMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nm_damon;

/* Processes watched at once (kdamonds made). */
#define NM_DAMON_SLOTS 8
/* Its intervals: a sample every 5 ms, an aggregation every 100 ms (so
 * nr_accesses is 0 to 20), the mappings re-read every second. Regions:
 * 100 to 1000 per process. */
#define NM_DAMON_SAMPLE_US 5000
#define NM_DAMON_AGGR_US 100000
#define NM_DAMON_MAX_ACCESSES (NM_DAMON_AGGR_US / NM_DAMON_SAMPLE_US)

struct nm_damon_region {
	unsigned long start, end;
	unsigned nr_accesses;     /* of NM_DAMON_MAX_ACCESSES samples */
	unsigned age;             /* aggregations it has kept that count */
};

struct nm_damon_stats {
	uint64_t starts;          /* processes watched */
	uint64_t start_errors;
	uint64_t snapshots;       /* snapshots read */
	uint64_t snapshot_errors; /* that failed (not counting stopped kdamonds) */
	uint64_t snapshot_ns;     /* time spent in them, waits included */
	uint64_t regions;         /* regions read */
};

/* Take DAMON under ROOT (the live "/" or a captured tree) and make SLOTS
 * kdamonds, all off. Returns 0, or -errno with WHY saying why not:
 * -ENOENT the kernel has no DAMON sysfs interface; -EBUSY another user
 * has a kdamond running; -EOPNOTSUPP no vaddr monitoring; others from a
 * write that failed. */
int nm_damon_open(const struct nm_root *root, unsigned slots, struct nm_damon **out, char *why,
		  size_t whylen);
/* Stop every kdamond and remove them. */
void nm_damon_close(struct nm_damon *d);

/* Watch PID with SLOT's kdamond (stopping what it watched). The caller
 * checks afterwards that PID is still its process: DAMON holds the pid
 * from here on, so a check after the start is enough. 0 or -errno. */
int nm_damon_start(struct nm_damon *d, unsigned slot, pid_t pid);
/* Stop SLOT's kdamond (a no-op when it is not running). 0 or -errno. */
int nm_damon_stop(struct nm_damon *d, unsigned slot);

/* SLOT's regions as of its next aggregation, in address order, in *V
 * (owned by D, valid until the next call), *N of them. Returns 0, -ESRCH when the kdamond is
 * not running (its process exited), or -errno. */
int nm_damon_snapshot(struct nm_damon *d, unsigned slot, const struct nm_damon_region **v,
		      size_t *n);

void nm_damon_get_stats(const struct nm_damon *d, struct nm_damon_stats *out);

#ifdef __cplusplus
}
#endif
#endif

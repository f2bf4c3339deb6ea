/* migq: the migrator's worker thread.
 *
 * Migration calls block for as long as the kernel copies pages (seconds
 * for a big direct move in a slow guest), and the event loop must keep
 * answering the watchdog and the control socket meanwhile. So the work
 * goes to worker threads through a queue, item by item, and finished items
 * come back through a second queue, announced on an eventfd the event
 * loop watches. ("Job" is kept for an operator's whole-job migration,
 * numamig/job.h.)
 *
 * Several workers, one per node with memory: much of a move_pages() call
 * is fixed cost spent waiting (the kernel drains the per-CPU page lists
 * of every CPU before it moves anything, and on a busy machine each CPU
 * must first schedule a kworker), so a lone worker left the node links
 * idle while processes waited in line. Each item runs pinned to its target
 * node's CPUs (see migq.c), so items for different nodes also copy on
 * different CPUs. An item is one process's; the engine has several in
 * flight for one process only over disjoint memory (its regions, one item
 * per target node), never two that could move the same page.
 *
 * The submitter owns the item and everything it points to (process
 * handle, footprint) until it is handed back; it must not touch them
 * meanwhile.
 */
#ifndef NUMAMIG_MIGQ_H
#define NUMAMIG_MIGQ_H

#include <stdbool.h>
#include <stdint.h>

#include "numamig/migrator.h"
#include "numamig/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nm_mig_work {
	struct nm_mig_request req;
	bool direct;                  /* migrate_pages instead of the lazy walk */
	struct bitmask *from, *to;    /* direct mode masks, owned by the item */
	void *owner;                  /* the submitter's cookie (its task) */
	struct nm_mig_result res;     /* filled by the worker */
	int err;                      /* -ENOMEM from the migrator */
	int prio_errno;               /* the worker's raise was refused for it */
	/* A custom item (run set): the worker calls RUN instead of the lazy
	 * or direct walk (req, direct, from, to are then unused), and the
	 * owner of the queue hands it back through DONE. An item stopped
	 * before it ran comes back with err -ECANCELED, RUN never called. */
	void (*run)(struct nm_mig_work *work, const struct nm_mig_sys *sys);
	void (*done)(struct nm_mig_work *work);
	struct nm_mig_work *next;
};

struct nm_migq;

#define NM_MIGQ_MAX_WORKERS 8

/* Start WORKERS threads (1 .. NM_MIGQ_MAX_WORKERS, clamped) with syscalls
 * SYS; items are pinned to their target node's CPUs in TOPO (NULL: not
 * pinned). Both must outlive the queue. */
int nm_migq_start(const struct nm_mig_sys *sys, unsigned workers, const struct nm_topology *topo,
		  struct nm_migq **out);
/* Stop: items in progress end before their next kernel call (a walk with
 * NM_MIG_STOPPED, a custom item as its RUN makes of it), queued items come
 * back unrun (err -ECANCELED), all through nm_migq_done(). Then
 * nm_migq_free(). */
void nm_migq_stop(struct nm_migq *q);
void nm_migq_free(struct nm_migq *q);

/* How many nice steps below its own a worker runs its items at
 * (NM_MIGQ_RAISE, or 0: its own); see migq.c. Items taken later use it. */
#define NM_MIGQ_RAISE 10
void nm_migq_set_raise(struct nm_migq *q, int raise);
/* Raises the kernel refused so far, and the last one's errno. */
uint64_t nm_migq_priority_errors(struct nm_migq *q, int *last_errno);

/* The fd that polls readable when finished items wait in nm_migq_done(). */
int nm_migq_fd(const struct nm_migq *q);

void nm_migq_submit(struct nm_migq *q, struct nm_mig_work *work);

/* Take the finished items (a list linked by next, oldest first), or NULL. */
struct nm_mig_work *nm_migq_done(struct nm_migq *q);

#ifdef __cplusplus
}
#endif
#endif

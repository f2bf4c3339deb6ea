/* softdirty: the soft-dirty bits, the access store's source of what a
 * process wrote since a clear (NM_ACCESS_SOFTDIRTY), and the clear that
 * every write window begins with.
 *
 * Writing 4 to /proc/PID/clear_refs clears the soft-dirty bit of every
 * page of the process (CONFIG_MEM_SOFT_DIRTY, set in Debian's kernels);
 * the kernel sets it again at the first write to the page, and bit 55 of
 * the page's /proc/PID/pagemap word says so. One bulk pagemap read over a
 * process's memory therefore lists every page written since the clear,
 * exactly, with no perf event: nothing is sampled or lost, and nothing
 * runs while the process does. What it cannot say is who wrote a page, or
 * from which CPU: the caller names the node (the one the process's
 * threads run on), as for DAMON. The write-fault source
 * (numamig/writes.h) names the thread and the CPU of the same writes, but
 * needs a system-wide perf event; this one is what a process with one
 * home node gets where that event cannot be opened (Debian's
 * perf_event_paranoid=3 without CAP_SYS_ADMIN, a seccomp filter).
 *
 * A page counts only if present: a written page that was swapped out since
 * is not where it could be moved from. Memory mapped after the clear is
 * soft-dirty as a whole (the mapping's flag): new memory, written or about
 * to be.
 */
#ifndef NUMAMIG_SOFTDIRTY_H
#define NUMAMIG_SOFTDIRTY_H

#include <stddef.h>
#include <stdint.h>

#include "numamig/proc.h"
#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Start a window for P: clear its soft-dirty bits (and write-protect its
 * pages, so that the next write to each takes a minor fault). 0, or
 * -errno: -ESRCH gone, -EOPNOTSUPP on a fixture root, -EINVAL a kernel
 * without soft-dirty, -EACCES/-EPERM not allowed. */
int nm_softdirty_clear(const struct nm_proc *p);

/* Whether the kernel tracks soft-dirty bits, tried on this process: a page
 * written, the bits cleared, the page not soft-dirty, written again, and
 * soft-dirty (a kernel without CONFIG_MEM_SOFT_DIRTY takes the clear and
 * never sets the bit). 0, or -errno with WHY saying which step failed
 * (-EOPNOTSUPP: no tracking). Both write sources need it: without it a
 * clear makes no fault either. */
int nm_softdirty_probe(const struct nm_root *root, char *why, size_t whylen);

/* Pagemap words read per call of the scan (32 KiB). */
#define NM_SOFTDIRTY_CHUNK 4096u

/* Called with each run [START, END) of present soft-dirty pages, in
 * address order; a nonzero return stops the scan and is returned. */
typedef int (*nm_softdirty_fn)(unsigned long start, unsigned long end, void *arg);

/* The pages of P in [START, END) written since the last clear, as runs to
 * FN; BUF holds NM_SOFTDIRTY_CHUNK words. Adds the pages read to *READ.
 * 0, FN's value, or -errno (-ESRCH: gone). */
int nm_softdirty_scan(const struct nm_proc *p, unsigned long start, unsigned long end,
		      uint64_t *buf, nm_softdirty_fn fn, void *arg, uint64_t *read);

#ifdef __cplusplus
}
#endif
#endif

/* writes: the access store's write source (NM_ACCESS_WRITES). Which thread
 * wrote which page, on which node.
 *
 * A soft-dirty clear (nm_softdirty_clear, numamig/softdirty.h) clears the
 * soft-dirty bits of every page of the process and write-protects them
 * (CONFIG_MEM_SOFT_DIRTY, set in Debian's kernels); the next write to each
 * page takes a minor fault.
 * A page-fault software event (libpfm4 "page-faults", user mode, period
 * 1, PERF_SAMPLE_TID|TIME|ADDR|CPU) on every CPU records each such fault:
 * the thread, the address and the CPU, hence the node. Verified in 2-node
 * Debian guests (6.1 and 6.12): every written page seen, none attributed
 * to the wrong node, about two records per page (the fault is retried:
 * the store counts a page once per window).
 *
 * Limits: writes only (a page only read is never seen); a THP gives one
 * fault per 2 MiB; the clear walks the process's page tables and every
 * page written after it costs one minor fault; it resets the process's
 * own soft-dirty tracking (CRIU pre-dump uses it), so a policy must ask
 * for it. The event sees every fault of every process on the machine
 * while enabled (pid -1): the caller enables it only while a window is
 * open and drops the records of processes it does not track.
 */
#ifndef NUMAMIG_WRITES_H
#define NUMAMIG_WRITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "numamig/access.h"
#include "numamig/proc.h"
#include "numamig/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nm_writes;

/* Default ring per CPU: about 26,000 fault records between two drains. */
#define NM_WRITES_RING_BYTES (1u << 20)

struct nm_writes_stats {
	uint64_t records;         /* fault records read */
	uint64_t lost;            /* records the kernel dropped (ring full) */
	uint64_t bad;             /* malformed records */
	uint64_t no_node;         /* records from a CPU in no node */
	unsigned cpus;            /* rings open */
};

/* Open the fault event on every online CPU of TOPO (which must outlive
 * it), disabled, with RING_BYTES per CPU (0: the default). Needs
 * CAP_PERFMON (or CAP_SYS_ADMIN) when perf_event_paranoid > -1. Returns 0
 * or -errno with WHY saying which step failed. */
int nm_writes_open(const struct nm_topology *topo, size_t ring_bytes, struct nm_writes **out,
		   char *why, size_t whylen);
void nm_writes_close(struct nm_writes *w);

/* Start or stop recording faults. 0 or -errno. */
int nm_writes_enable(struct nm_writes *w, bool on);

/* Read the records of every ring: each one, as an access record (node
 * from the CPU), to FN. */
void nm_writes_drain(struct nm_writes *w, void (*fn)(const struct nm_access_rec *r, void *ctx),
		     void *ctx);

void nm_writes_get_stats(const struct nm_writes *w, struct nm_writes_stats *out);

#ifdef __cplusplus
}
#endif
#endif

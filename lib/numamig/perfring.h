/* perfring: system-wide perf sampling, one event and one mmap'd ring per
 * online CPU (pid -1), read without wakeups. The kernel side shared by the
 * residency sampler (cpu-clock: where threads run) and the access store's
 * writes source (page faults: which thread wrote which page); the record
 * parser is nm_sampler_ring_parse() (numamig/sampler.h).
 *
 * The attr comes from the caller (encoded through libpfm4 where it names
 * an event). Include <perfmon/pfmlib_perf_event.h> for its definition, not
 * <linux/perf_event.h>: the two collide.
 */
#ifndef NUMAMIG_PERFRING_H
#define NUMAMIG_PERFRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "numamig/sampler.h"
#include "numamig/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

struct perf_event_attr;
struct nm_perf_rings;

/* Encode EVENT (a libpfm4 name: "cpu-clock", "page-faults", "cycles")
 * into ATTR, counting user mode, and kernel mode too if KERNEL. 0, or
 * -ENOENT with WHY set ("libpfm page-faults: event not found"). */
int nm_perf_encode(const char *event, bool kernel, struct perf_event_attr *attr, char *why,
		   size_t len);

/* Open ATTR on each online CPU of TOPO with a data area of at least
 * RING_BYTES (rounded up to a power of two of pages). A CPU going offline
 * meanwhile (ENODEV) is skipped; any other failure undoes everything, and
 * WHY says which step failed and how ("perf_event_open(cpu 0): Permission
 * denied"). Returns 0 or -errno. */
int nm_perf_rings_open(const struct nm_topology *topo, struct perf_event_attr *attr,
		       size_t ring_bytes, struct nm_perf_rings **out, char *why, size_t whylen);
void nm_perf_rings_close(struct nm_perf_rings *r);
/* Rings open. */
unsigned nm_perf_rings_cpus(const struct nm_perf_rings *r);
/* Start or stop every event (PERF_EVENT_IOC_ENABLE/DISABLE). 0 or -errno. */
int nm_perf_rings_enable(struct nm_perf_rings *r, bool on);

/* Parse every ring's new records (laid out as SAMPLE_TYPE says) to FN,
 * then hand the space back to the kernel. */
void nm_perf_rings_drain(struct nm_perf_rings *r, uint64_t sample_type,
			 void (*fn)(const struct nm_sample *smp, void *ctx), void *ctx,
			 struct nm_sampler_ring_stats *st);

#ifdef __cplusplus
}
#endif
#endif

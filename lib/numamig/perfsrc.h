/* perfsrc: a perf event on every online CPU whose samples become access
 * records of one source (numamig/access.h): the part that the writes
 * source (page faults after a soft-dirty clear, numamig/writes.h) and the
 * PMU source (precise memory samples, numamig/pmu.h) share. The event is
 * the caller's; the samples carry PERF_SAMPLE_TID|TIME|ADDR|CPU, the node
 * is the CPU's, and records from a CPU in no node are counted, not
 * passed on; neither are samples without a user-space data address (in
 * kernel mode, or none given). Rings are read without wakeups, once per
 * tick.
 *
 * Include <perfmon/pfmlib_perf_event.h> for struct perf_event_attr, as
 * numamig/perfring.h says.
 */
#ifndef NUMAMIG_PERFSRC_H
#define NUMAMIG_PERFSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "numamig/access.h"
#include "numamig/topology.h"

struct perf_event_attr;
struct nm_perfsrc;

struct nm_perfsrc_stats {
	uint64_t records;         /* samples read */
	uint64_t lost;            /* samples the kernel dropped (ring full) */
	uint64_t bad;             /* malformed records */
	uint64_t no_node;         /* samples from a CPU in no node */
	unsigned cpus;            /* rings open */
};

/* Open ATTR (its event, period and precision set by the caller; the
 * sample layout, clock and watermark set here), disabled, on every online
 * CPU of TOPO (which must outlive it), RING_BYTES per CPU; its records
 * will say SRC. Returns 0 or -errno with WHY saying which step failed. */
int nm_perfsrc_open(const struct nm_topology *topo, struct perf_event_attr *attr,
		    size_t ring_bytes, enum nm_access_src src, struct nm_perfsrc **out, char *why,
		    size_t whylen);
void nm_perfsrc_close(struct nm_perfsrc *s);
/* Start or stop sampling. 0 or -errno. */
int nm_perfsrc_enable(struct nm_perfsrc *s, bool on);
/* Every ring's new samples, each as an access record, to FN. */
void nm_perfsrc_drain(struct nm_perfsrc *s, void (*fn)(const struct nm_access_rec *r, void *ctx),
		      void *ctx);
void nm_perfsrc_get_stats(const struct nm_perfsrc *s, struct nm_perfsrc_stats *out);

#endif

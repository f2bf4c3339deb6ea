/* pmu: the access store's PMU source (NM_ACCESS_PMU). Which thread loaded
 * from which address, on which node, from the CPU's precise memory
 * sampling: reads as well as writes' first touches, with no fault induced.
 *
 * Probed at start, first event that opens wins:
 *  - Intel PEBS, encoded by libpfm4: MEM_INST_RETIRED:ALL_LOADS (Skylake
 *    on), MEM_UOPS_RETIRED:ALL_LOADS (Haswell, Broadwell), then the load
 *    latency event MEM_TRANS_RETIRED:LOAD_LATENCY (Sandy Bridge on); the
 *    data address comes with PERF_SAMPLE_ADDR at precise_ip 2 (else 1).
 *  - AMD IBS op (the kernel's "ibs_op" PMU, 6.1 on for data addresses):
 *    libpfm4 has no encoding for it, so its type is read from
 *    /sys/bus/event_source/devices/ibs_op/type. IBS counts kernel mode too
 *    on kernels that refuse exclude_kernel for it; kernel addresses are
 *    dropped (numamig/perfsrc.h).
 * Sampled at NM_PMU_FREQ per CPU (frequency mode: the cost is bounded
 * whatever the load rate). Needs CAP_PERFMON (or CAP_SYS_ADMIN) and a
 * PMU the kernel drives: none of the project's QEMU guests has one, so
 * there the probe fails and says why; the store's handling of PMU records
 * is tested on synthetic streams (tests/test-access.c).
 */
#ifndef NUMAMIG_PMU_H
#define NUMAMIG_PMU_H

#include <stdbool.h>
#include <stddef.h>

#include "numamig/access.h"
#include "numamig/topology.h"

struct nm_pmu;

/* Samples per second per CPU. */
#define NM_PMU_FREQ 1000
/* Ring per CPU: several seconds of samples between two drains. */
#define NM_PMU_RING_BYTES (256u << 10)

/* Open the first precise memory event that works on every online CPU of
 * TOPO (which must outlive it), disabled. Returns 0, or -errno with WHY
 * saying what was tried and why it failed. */
int nm_pmu_open(const struct nm_topology *topo, struct nm_pmu **out, char *why, size_t whylen);
void nm_pmu_close(struct nm_pmu *p);
/* The event that opened, as probed ("MEM_INST_RETIRED:ALL_LOADS", "ibs_op"). */
const char *nm_pmu_event(const struct nm_pmu *p);
/* Start or stop sampling. 0 or -errno. */
int nm_pmu_enable(struct nm_pmu *p, bool on);
/* Every new sample in user space, as an access record (node from the
 * CPU), to FN. */
void nm_pmu_drain(struct nm_pmu *p, void (*fn)(const struct nm_access_rec *r, void *ctx),
		  void *ctx);

#endif

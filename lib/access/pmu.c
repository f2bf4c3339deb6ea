/* pmu: the PMU source of the access store. See numamig/pmu.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <perfmon/pfmlib_perf_event.h>

#include "numamig/file.h"
#include "numamig/perfring.h"
#include "numamig/perfsrc.h"
#include "numamig/pmu.h"

/* Intel PEBS loads, newest cores first; a name the running CPU's libpfm4
 * table lacks fails to encode and the next is tried. */
static const char *const pebs_events[] = {
	"MEM_INST_RETIRED:ALL_LOADS",
	"MEM_UOPS_RETIRED:ALL_LOADS",
	"MEM_TRANS_RETIRED:LOAD_LATENCY:ldlat=3",
};

#define IBS_OP_TYPE "/sys/bus/event_source/devices/ibs_op/type"

struct nm_pmu {
	struct nm_perfsrc *src;
	const char *event;
};

/* Open ATTR at precise_ip 2, then 1: the levels a PMU offers differ. */
static int open_precise(const struct nm_topology *topo, struct perf_event_attr *attr,
			struct nm_perfsrc **out, char *why, size_t whylen)
{
	int r = -EINVAL;

	attr->freq = 1;
	attr->sample_freq = NM_PMU_FREQ;
	for (unsigned ip = 2; ip >= 1 && r < 0; ip--) {
		attr->precise_ip = ip;
		r = nm_perfsrc_open(topo, attr, NM_PMU_RING_BYTES, NM_ACCESS_PMU, out, why,
				    whylen);
	}
	return r;
}

/* AMD IBS op: its dynamic PMU type from sysfs (libpfm4 cannot encode it). */
static int open_ibs(const struct nm_topology *topo, struct nm_perfsrc **out, char *why,
		    size_t whylen)
{
	struct perf_event_attr attr;
	unsigned long type;
	int r = nm_read_ulong_at(AT_FDCWD, IBS_OP_TYPE, &type);

	if (r == 0 && (type == 0 || type > UINT32_MAX))
		r = -EINVAL;
	if (r < 0) {
		snprintf(why, whylen, "%s: %s", IBS_OP_TYPE,
			 r == -EINVAL ? "not a PMU type" : strerror(-r));
		return r;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.exclude_kernel = 1;
	r = open_precise(topo, &attr, out, why, whylen);
	if (r == -EINVAL) { /* a kernel whose IBS refuses exclude_kernel */
		attr.exclude_kernel = 0;
		r = open_precise(topo, &attr, out, why, whylen);
	}
	return r;
}

int nm_pmu_open(const struct nm_topology *topo, struct nm_pmu **out, char *why, size_t whylen)
{
	struct nm_pmu *p = calloc(1, sizeof(*p));
	char last[160] = "";
	int r = -ENOENT;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(pebs_events) / sizeof(pebs_events[0]) && r < 0; i++) {
		struct perf_event_attr attr;

		r = nm_perf_encode(pebs_events[i], false, &attr, last, sizeof(last));
		if (r == 0)
			r = open_precise(topo, &attr, &p->src, last, sizeof(last));
		if (r == 0)
			p->event = pebs_events[i];
	}
	if (r < 0) {
		char ibs[160];

		r = open_ibs(topo, &p->src, ibs, sizeof(ibs));
		if (r == 0)
			p->event = "ibs_op";
		else
			snprintf(why, whylen, "no precise memory sampling: %s; %s", last, ibs);
	}
	if (r < 0) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

void nm_pmu_close(struct nm_pmu *p)
{
	if (!p)
		return;
	nm_perfsrc_close(p->src);
	free(p);
}

const char *nm_pmu_event(const struct nm_pmu *p)
{
	return p->event;
}

int nm_pmu_enable(struct nm_pmu *p, bool on)
{
	return nm_perfsrc_enable(p->src, on);
}

void nm_pmu_drain(struct nm_pmu *p, void (*fn)(const struct nm_access_rec *r, void *ctx),
		  void *ctx)
{
	nm_perfsrc_drain(p->src, fn, ctx);
}

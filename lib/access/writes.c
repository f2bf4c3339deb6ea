/* writes: the write source of the access store. See numamig/writes.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <perfmon/pfmlib_perf_event.h>

#include "numamig/perfring.h"
#include "numamig/perfsrc.h"
#include "numamig/writes.h"

struct nm_writes {
	struct nm_perfsrc *src;
};

int nm_writes_open(const struct nm_topology *topo, size_t ring_bytes, struct nm_writes **out,
		   char *why, size_t whylen)
{
	struct perf_event_attr attr;
	struct nm_writes *w;
	int r = nm_perf_encode("page-faults", false, &attr, why, whylen);

	if (r < 0)
		return r;
	/* Every fault, from the start of the fault handler. */
	attr.sample_period = 1;
	attr.freq = 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	r = nm_perfsrc_open(topo, &attr, ring_bytes ? ring_bytes : NM_WRITES_RING_BYTES,
			    NM_ACCESS_WRITES, &w->src, why, whylen);
	if (r < 0) {
		free(w);
		return r;
	}
	*out = w;
	return 0;
}

void nm_writes_close(struct nm_writes *w)
{
	if (!w)
		return;
	nm_perfsrc_close(w->src);
	free(w);
}

int nm_writes_enable(struct nm_writes *w, bool on)
{
	return nm_perfsrc_enable(w->src, on);
}

void nm_writes_drain(struct nm_writes *w, void (*fn)(const struct nm_access_rec *r, void *ctx),
		     void *ctx)
{
	nm_perfsrc_drain(w->src, fn, ctx);
}

void nm_writes_get_stats(const struct nm_writes *w, struct nm_writes_stats *out)
{
	struct nm_perfsrc_stats ps;

	nm_perfsrc_get_stats(w->src, &ps);
	out->records = ps.records;
	out->lost = ps.lost;
	out->bad = ps.bad;
	out->no_node = ps.no_node;
	out->cpus = ps.cpus;
}

/* perfsrc: a per-CPU perf event feeding access records. See
 * numamig/perfsrc.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <perfmon/pfmlib_perf_event.h>

#include "numamig/perfring.h"
#include "numamig/perfsrc.h"

#define SAMPLE_TYPE (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_CPU)

/* User space ends below the top half of the address space. */
#define USER_LIMIT (1ul << 63)

struct nm_perfsrc {
	const struct nm_topology *topo;
	enum nm_access_src src;
	struct nm_perf_rings *rings;
	struct nm_sampler_ring_stats io;
	uint64_t no_node;
};

int nm_perfsrc_open(const struct nm_topology *topo, struct perf_event_attr *attr,
		    size_t ring_bytes, enum nm_access_src src, struct nm_perfsrc **out, char *why,
		    size_t whylen)
{
	struct nm_perfsrc *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	/* Off until asked; no wakeups: the rings are read once per tick. */
	attr->sample_type = SAMPLE_TYPE;
	attr->use_clockid = 1;
	attr->clockid = CLOCK_MONOTONIC;
	attr->disabled = 1;
	attr->watermark = 1;
	attr->wakeup_watermark = (uint32_t)(ring_bytes / 4 * 3);
	s->topo = topo;
	s->src = src;
	r = nm_perf_rings_open(topo, attr, ring_bytes, &s->rings, why, whylen);
	if (r < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

void nm_perfsrc_close(struct nm_perfsrc *s)
{
	if (!s)
		return;
	nm_perf_rings_close(s->rings);
	free(s);
}

int nm_perfsrc_enable(struct nm_perfsrc *s, bool on)
{
	return nm_perf_rings_enable(s->rings, on);
}

struct drain {
	struct nm_perfsrc *s;
	void (*fn)(const struct nm_access_rec *r, void *ctx);
	void *ctx;
};

static void on_sample(const struct nm_sample *smp, void *arg)
{
	struct drain *d = arg;
	struct nm_access_rec rec = {
		.pid = smp->pid, .tid = smp->tid, .addr = (unsigned long)smp->addr,
		.node = nm_topo_cpu_node(d->s->topo, smp->cpu), .src = d->s->src,
	};

	if (rec.node < 0) {
		d->s->no_node++;
		return;
	}
	/* No access of the process's memory: a sample in kernel mode (IBS
	 * where it counts them), or one without a data address. */
	if (rec.addr == 0 || rec.addr >= USER_LIMIT)
		return;
	d->fn(&rec, d->ctx);
}

void nm_perfsrc_drain(struct nm_perfsrc *s, void (*fn)(const struct nm_access_rec *r, void *ctx),
		      void *ctx)
{
	struct drain d = { s, fn, ctx };

	nm_perf_rings_drain(s->rings, SAMPLE_TYPE, on_sample, &d, &s->io);
}

void nm_perfsrc_get_stats(const struct nm_perfsrc *s, struct nm_perfsrc_stats *out)
{
	out->records = s->io.samples;
	out->lost = s->io.lost;
	out->bad = s->io.bad;
	out->no_node = s->no_node;
	out->cpus = nm_perf_rings_cpus(s->rings);
}

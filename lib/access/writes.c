/* writes: the write source of the access store. See numamig/writes.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <perfmon/pfmlib_perf_event.h>

#include "base/clock.h"
#include "numamig/perfring.h"
#include "numamig/procfs.h"
#include "numamig/writes.h"

#define SAMPLE_TYPE (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_CPU)

struct nm_writes {
	const struct nm_topology *topo;
	struct nm_perf_rings *rings;
	struct nm_sampler_ring_stats io;
	struct nm_writes_stats st;
};

int nm_writes_open(const struct nm_topology *topo, size_t ring_bytes, struct nm_writes **out,
		   char *why, size_t whylen)
{
	struct perf_event_attr attr;
	struct nm_writes *w;
	int r = nm_perf_encode("page-faults", false, &attr, why, whylen);

	if (r < 0)
		return r;
	/* Every fault, from the start of the fault handler; off until a
	 * window opens. No wakeups: the rings are read once per tick. */
	attr.sample_period = 1;
	attr.freq = 0;
	attr.sample_type = SAMPLE_TYPE;
	attr.use_clockid = 1;
	attr.clockid = CLOCK_MONOTONIC;
	attr.disabled = 1;
	attr.watermark = 1;
	attr.wakeup_watermark = (uint32_t)((ring_bytes ? ring_bytes : NM_WRITES_RING_BYTES) / 4 * 3);
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->topo = topo;
	r = nm_perf_rings_open(topo, &attr, ring_bytes ? ring_bytes : NM_WRITES_RING_BYTES,
			       &w->rings, why, whylen);
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
	nm_perf_rings_close(w->rings);
	free(w);
}

int nm_writes_enable(struct nm_writes *w, bool on)
{
	return nm_perf_rings_enable(w->rings, on);
}

int nm_writes_clear(struct nm_writes *w, const struct nm_proc *p)
{
	uint64_t t0 = nm_mono_ns();
	/* "4": soft-dirty bits only; the other values drop referenced bits
	 * that reclaim relies on. */
	int r = nm_proc_write(p, "clear_refs", "4");

	w->st.clear_ns += nm_mono_ns() - t0;
	if (r == 0)
		w->st.clears++;
	else if (r != -ESRCH)
		w->st.clear_errors++;
	return r;
}

struct drain {
	struct nm_writes *w;
	void (*fn)(const struct nm_access_rec *r, void *ctx);
	void *ctx;
};

static void on_sample(const struct nm_sample *smp, void *arg)
{
	struct drain *d = arg;
	struct nm_access_rec rec = {
		.pid = smp->pid, .tid = smp->tid, .addr = (unsigned long)smp->addr,
		.node = nm_topo_cpu_node(d->w->topo, smp->cpu), .src = NM_ACCESS_WRITES,
	};

	if (rec.node < 0) {
		d->w->st.no_node++;
		return;
	}
	d->fn(&rec, d->ctx);
}

void nm_writes_drain(struct nm_writes *w, void (*fn)(const struct nm_access_rec *r, void *ctx),
		     void *ctx)
{
	struct drain d = { w, fn, ctx };

	nm_perf_rings_drain(w->rings, SAMPLE_TYPE, on_sample, &d, &w->io);
}

void nm_writes_get_stats(const struct nm_writes *w, struct nm_writes_stats *out)
{
	*out = w->st;
	out->records = w->io.samples;
	out->lost = w->io.lost;
	out->bad = w->io.bad;
	out->cpus = nm_perf_rings_cpus(w->rings);
}

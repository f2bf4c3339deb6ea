/* sampler-perf: the perf source of the residency sampler. See numamig/sampler.h.
 *
 * cpu-clock is encoded through libpfm4 rather than hard-coded, so the same
 * path names hardware events for the PMU probe. One sampling fd and ring
 * per online CPU with pid=-1 sees every task on that CPU: the kernel writes
 * a record per sample and we read the rings once per tick, with no wakeups.
 *
 * Only <perfmon/pfmlib_perf_event.h> is included for the perf ABI: it has
 * its own copy of <linux/perf_event.h>, and the two collide.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <perfmon/pfmlib_perf_event.h>

#include "base/array.h"
#include "numamig/perfring.h"
#include "sampler-internal.h"

#ifndef PERF_FLAG_FD_CLOEXEC
#define PERF_FLAG_FD_CLOEXEC (1UL << 3)
#endif

/* PERF_SAMPLE_TID|TIME|CPU records are 32 bytes (see sampler-ring.c). */
#define SAMPLE_BYTES 32
#define SAMPLE_TYPE (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU)
/* The ring holds this many seconds of samples of a busy CPU, so a daemon
 * stalled for a few ticks loses nothing. */
#define RING_SECONDS 4

struct nm_sampler_perf {
	struct nm_perf_rings *rings;
	uint64_t period_ns;
	struct nm_sample *buf; /* one tick's samples of all CPUs, for sorting */
	size_t buf_cap;
};

static void sampling_attr(struct perf_event_attr *attr, unsigned freq_hz, uint64_t ring_bytes)
{
	/* The kernel maps a cpu-clock frequency to a fixed period anyway
	 * (perf_swevent_init_hrtimer); fixing it here makes each sample worth
	 * exactly period_ns of CPU time. */
	attr->sample_period = 1000000000ull / freq_hz;
	attr->freq = 0;
	attr->sample_type = SAMPLE_TYPE;
	/* Idle time belongs to no process: keep it out of the rings. */
	attr->exclude_idle = 1;
	/* One clock for all CPUs, so rings can be merged by time. */
	attr->use_clockid = 1;
	attr->clockid = CLOCK_MONOTONIC;
	/* Nobody polls: wake only if a ring is nearly full. */
	attr->watermark = 1;
	attr->wakeup_watermark = (uint32_t)(ring_bytes / 4 * 3);
	attr->disabled = 0;
}

void nm_sampler_perf_close(struct nm_sampler_perf *p)
{
	if (!p)
		return;
	nm_perf_rings_close(p->rings);
	free(p->buf);
	free(p);
}

int nm_sampler_perf_open(const struct nm_topology *topo, unsigned freq_hz,
			 struct nm_sampler_perf **out, char *why, size_t whylen)
{
	size_t bytes = (size_t)freq_hz * SAMPLE_BYTES * RING_SECONDS;
	struct perf_event_attr attr;
	struct nm_sampler_perf *p;
	int r;

	r = nm_perf_encode("cpu-clock", true, &attr, why, whylen);
	if (r < 0)
		return r;
	sampling_attr(&attr, freq_hz, bytes);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->period_ns = attr.sample_period;
	r = nm_perf_rings_open(topo, &attr, bytes, &p->rings, why, whylen);
	if (r < 0) {
		nm_sampler_perf_close(p);
		return r;
	}
	*out = p;
	return 0;
}

unsigned nm_sampler_perf_cpus(const struct nm_sampler_perf *p)
{
	return nm_perf_rings_cpus(p->rings);
}

struct sink {
	struct nm_sampler_perf *p;
	size_t n;
	uint64_t dropped;
};

static void push(const struct nm_sample *smp, void *ctx)
{
	struct sink *k = ctx;

	if (array_grow((void **)&k->p->buf, &k->p->buf_cap, k->n + 1, sizeof(*k->p->buf)) < 0) {
		k->dropped++;
		return;
	}
	k->p->buf[k->n++] = *smp;
}

int nm_sampler_perf_drain(struct nm_sampler_perf *p, struct nm_sampler_agg *a,
			  const struct nm_topology *topo, struct nm_sampler_ring_stats *st)
{
	struct sink k = { .p = p };

	nm_perf_rings_drain(p->rings, SAMPLE_TYPE, push, &k, st);
	nm_sampler_agg_samples(a, topo, p->buf, k.n, p->period_ns);
	return k.dropped ? -ENOMEM : 0;
}

/* Try to open EVENT system-wide, counting only, on CPU. */
static bool try_hw(const char *event, int cpu, char *detail, size_t len)
{
	struct perf_event_attr attr;
	int fd;

	if (nm_perf_encode(event, true, &attr, detail, len) < 0)
		return false;
	attr.disabled = 1;
	fd = perf_event_open(&attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(detail, len, "%s: %s", event, strerror(errno));
		return false;
	}
	close(fd);
	snprintf(detail, len, "%s", event);
	return true;
}

bool nm_sampler_perf_probe_hw(const struct nm_topology *topo, char *detail, size_t len)
{
	int cpu = 0;

	while (cpu < topo->nr_cpus && nm_topo_cpu_node(topo, cpu) < 0)
		cpu++;
	/* A guest without a virtual PMU fails both, typically with ENOENT. */
	return try_hw("cycles", cpu, detail, len) || try_hw("instructions", cpu, detail, len);
}

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
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <perfmon/pfmlib_perf_event.h>

#include "sampler-internal.h"

#ifndef PERF_FLAG_FD_CLOEXEC
#define PERF_FLAG_FD_CLOEXEC (1UL << 3)
#endif

/* PERF_SAMPLE_TID|TIME|CPU records are 32 bytes (see sampler-ring.c). */
#define SAMPLE_BYTES 32
/* The ring holds this many seconds of samples of a busy CPU, so a daemon
 * stalled for a few ticks loses nothing. */
#define RING_SECONDS 4

struct ring {
	int fd;
	int cpu;
	void *map;      /* mmap page, then the data area */
	size_t map_len;
	unsigned char *data;
	uint64_t size;  /* of the data area */
	uint64_t head;  /* data_head as read at the start of a drain */
};

struct nm_sampler_perf {
	struct ring *rings;
	unsigned n;
	uint64_t period_ns;
	struct nm_sample *buf; /* one tick's samples of all CPUs, for sorting */
	size_t buf_cap;
};

/* libpfm: initialize, encode EVENT counting user and kernel time, and
 * terminate again. The encoding is all we need, and terminating leaves no
 * library state behind between samplers. */
static int pfm_encode(const char *event, struct perf_event_attr *attr, char *why, size_t len)
{
	pfm_perf_encode_arg_t arg;
	int ret;

	memset(attr, 0, sizeof(*attr));
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	/* Needs /proc: libpfm finds perf by perf_event_paranoid's presence. */
	ret = pfm_initialize();
	if (ret == PFM_SUCCESS)
		ret = pfm_get_os_event_encoding(event, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
	if (ret != PFM_SUCCESS)
		snprintf(why, len, "libpfm %s: %s", event, pfm_strerror(ret));
	pfm_terminate();
	attr->size = sizeof(*attr);
	return ret == PFM_SUCCESS ? 0 : -ENOENT;
}

/* Pages of data area per ring: a power of two (the kernel requires it). */
static size_t ring_pages(unsigned freq_hz, size_t page)
{
	size_t want = (size_t)freq_hz * SAMPLE_BYTES * RING_SECONDS, pages = 1;

	while (pages * page < want)
		pages *= 2;
	return pages;
}

static void ring_close(struct ring *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
}

static int ring_open(struct ring *r, struct perf_event_attr *attr, int cpu, size_t pages,
		     char *why, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct perf_event_mmap_page *meta;

	r->cpu = cpu;
	r->fd = perf_event_open(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (r->fd < 0) {
		int err = -errno;

		snprintf(why, len, "perf_event_open(cpu %d): %s", cpu, strerror(-err));
		return err;
	}
	r->map_len = (pages + 1) * page;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		int err = -errno;

		/* Over perf_event_mlock_kb without CAP_IPC_LOCK: EPERM. */
		snprintf(why, len, "mmap perf ring (cpu %d): %s", cpu, strerror(-err));
		r->map = NULL;
		return err;
	}
	meta = r->map;
	/* data_offset and data_size exist since Linux 4.1; before, the data
	 * area follows the first page. */
	r->data = (unsigned char *)r->map + (meta->data_offset ? meta->data_offset : page);
	r->size = meta->data_size ? meta->data_size : pages * page;
	return 0;
}

static void sampling_attr(struct perf_event_attr *attr, unsigned freq_hz, uint64_t ring_bytes)
{
	/* The kernel maps a cpu-clock frequency to a fixed period anyway
	 * (perf_swevent_init_hrtimer); fixing it here makes each sample worth
	 * exactly period_ns of CPU time. */
	attr->sample_period = 1000000000ull / freq_hz;
	attr->freq = 0;
	attr->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
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
	for (unsigned i = 0; i < p->n; i++)
		ring_close(&p->rings[i]);
	free(p->rings);
	free(p->buf);
	free(p);
}

/* Open a ring on each CPU in a node. A CPU going offline meanwhile
 * (ENODEV) is skipped; any other failure undoes everything. */
static int open_rings(struct nm_sampler_perf *p, const struct nm_topology *topo,
		      struct perf_event_attr *attr, size_t pages, char *why, size_t len)
{
	int r;

	p->rings = calloc((size_t)(topo->nr_cpus > 0 ? topo->nr_cpus : 1), sizeof(*p->rings));
	if (!p->rings)
		return -ENOMEM;
	for (int cpu = 0; cpu < topo->nr_cpus; cpu++) {
		struct ring *ring = &p->rings[p->n];

		if (nm_topo_cpu_node(topo, cpu) < 0)
			continue;
		r = ring_open(ring, attr, cpu, pages, why, len);
		if (r == -ENODEV && ring->fd < 0)
			continue;
		p->n++; /* so that close undoes a half-opened ring too */
		if (r < 0)
			return r;
	}
	if (p->n == 0) {
		snprintf(why, len, "perf: no online CPU in any node");
		return -ENODEV;
	}
	return 0;
}

int nm_sampler_perf_open(const struct nm_topology *topo, unsigned freq_hz,
			 struct nm_sampler_perf **out, char *why, size_t whylen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = ring_pages(freq_hz, page);
	struct perf_event_attr attr;
	struct nm_sampler_perf *p;
	int r;

	r = pfm_encode("cpu-clock", &attr, why, whylen);
	if (r < 0)
		return r;
	sampling_attr(&attr, freq_hz, pages * page);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->period_ns = attr.sample_period;
	r = open_rings(p, topo, &attr, pages, why, whylen);
	if (r < 0) {
		nm_sampler_perf_close(p);
		return r;
	}
	*out = p;
	return 0;
}

unsigned nm_sampler_perf_cpus(const struct nm_sampler_perf *p)
{
	return p->n;
}

/* Make room for every sample the rings can hold between TAILs and HEADs. */
static int reserve(struct nm_sampler_perf *p)
{
	size_t need = 0;

	for (unsigned i = 0; i < p->n; i++) {
		const struct perf_event_mmap_page *meta = p->rings[i].map;

		need += (size_t)((p->rings[i].head - meta->data_tail) / SAMPLE_BYTES) + 1;
	}
	if (need > p->buf_cap) {
		struct nm_sample *b = realloc(p->buf, need * sizeof(*b));

		if (!b)
			return -ENOMEM;
		p->buf = b;
		p->buf_cap = need;
	}
	return 0;
}

struct sink {
	struct nm_sample *buf;
	size_t n, cap;
};

static void push(const struct nm_sample *smp, void *ctx)
{
	struct sink *k = ctx;

	if (k->n < k->cap)
		k->buf[k->n++] = *smp;
}

int nm_sampler_perf_drain(struct nm_sampler_perf *p, struct nm_sampler_agg *a,
			  const struct nm_topology *topo, struct nm_sampler_ring_stats *st)
{
	struct sink k;
	int r;

	/* Acquire pairs with the kernel's write barrier before it publishes
	 * data_head: the records below the head are complete once we see it. */
	for (unsigned i = 0; i < p->n; i++) {
		struct perf_event_mmap_page *meta = p->rings[i].map;

		p->rings[i].head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	}
	r = reserve(p);
	if (r < 0)
		return r;
	k = (struct sink){ .buf = p->buf, .cap = p->buf_cap };
	for (unsigned i = 0; i < p->n; i++) {
		struct ring *ring = &p->rings[i];
		struct perf_event_mmap_page *meta = ring->map;
		uint64_t tail = meta->data_tail;

		tail = nm_sampler_ring_parse(ring->data, ring->size, tail, ring->head, push, &k, st);
		/* Release: our reads of the records happen before the kernel
		 * may overwrite them. */
		__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	}
	nm_sampler_agg_samples(a, topo, k.buf, k.n, p->period_ns);
	return 0;
}

/* Try to open EVENT system-wide, counting only, on CPU. */
static bool try_hw(const char *event, int cpu, char *detail, size_t len)
{
	struct perf_event_attr attr;
	int fd;

	if (pfm_encode(event, &attr, detail, len) < 0)
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

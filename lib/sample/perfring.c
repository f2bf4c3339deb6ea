/* perfring: per-CPU perf rings. See numamig/perfring.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <perfmon/pfmlib_perf_event.h>

#include "numamig/perfring.h"

#ifndef PERF_FLAG_FD_CLOEXEC
#define PERF_FLAG_FD_CLOEXEC (1UL << 3)
#endif

struct ring {
	int fd;
	int cpu;
	void *map;      /* mmap page, then the data area */
	size_t map_len;
	unsigned char *data;
	uint64_t size;  /* of the data area */
};

struct nm_perf_rings {
	struct ring *rings;
	unsigned n;
};

int nm_perf_encode(const char *event, bool kernel, struct perf_event_attr *attr, char *why,
		   size_t len)
{
	pfm_perf_encode_arg_t arg;
	int ret;

	memset(attr, 0, sizeof(*attr));
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	/* Needs /proc: libpfm finds perf by perf_event_paranoid's presence.
	 * Terminating again leaves no library state behind between users:
	 * the encoding is all we need. */
	ret = pfm_initialize();
	if (ret == PFM_SUCCESS)
		ret = pfm_get_os_event_encoding(event, PFM_PLM3 | (kernel ? PFM_PLM0 : 0),
						PFM_OS_PERF_EVENT, &arg);
	if (ret != PFM_SUCCESS)
		snprintf(why, len, "libpfm %s: %s", event, pfm_strerror(ret));
	pfm_terminate();
	attr->size = sizeof(*attr);
	return ret == PFM_SUCCESS ? 0 : -ENOENT;
}

/* Pages of data area per ring: a power of two (the kernel requires it). */
static size_t ring_pages(size_t bytes, size_t page)
{
	size_t pages = 1;

	while (pages * page < bytes)
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

void nm_perf_rings_close(struct nm_perf_rings *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++)
		ring_close(&p->rings[i]);
	free(p->rings);
	free(p);
}

int nm_perf_rings_open(const struct nm_topology *topo, struct perf_event_attr *attr,
		       size_t ring_bytes, struct nm_perf_rings **out, char *why, size_t whylen)
{
	size_t pages = ring_pages(ring_bytes, (size_t)sysconf(_SC_PAGESIZE));
	struct nm_perf_rings *p = calloc(1, sizeof(*p));
	int r = 0;

	if (p)
		p->rings = calloc((size_t)(topo->nr_cpus > 0 ? topo->nr_cpus : 1),
				  sizeof(*p->rings));
	if (!p || !p->rings) {
		free(p);
		return -ENOMEM;
	}
	for (int cpu = 0; cpu < topo->nr_cpus && r == 0; cpu++) {
		struct ring *ring = &p->rings[p->n];

		if (nm_topo_cpu_node(topo, cpu) < 0)
			continue;
		r = ring_open(ring, attr, cpu, pages, why, whylen);
		if (r == -ENODEV && ring->fd < 0)
			r = 0;
		else
			p->n++; /* so that close undoes a half-opened ring too */
	}
	if (r == 0 && p->n == 0) {
		snprintf(why, whylen, "perf: no online CPU in any node");
		r = -ENODEV;
	}
	if (r < 0) {
		nm_perf_rings_close(p);
		return r;
	}
	*out = p;
	return 0;
}

unsigned nm_perf_rings_cpus(const struct nm_perf_rings *p)
{
	return p->n;
}

int nm_perf_rings_enable(struct nm_perf_rings *p, bool on)
{
	for (unsigned i = 0; i < p->n; i++)
		if (ioctl(p->rings[i].fd, on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0) < 0)
			return -errno;
	return 0;
}

void nm_perf_rings_drain(struct nm_perf_rings *p, uint64_t sample_type,
			 void (*fn)(const struct nm_sample *smp, void *ctx), void *ctx,
			 struct nm_sampler_ring_stats *st)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct ring *ring = &p->rings[i];
		struct perf_event_mmap_page *meta = ring->map;
		/* Acquire pairs with the kernel's write barrier before it
		 * publishes data_head: the records below it are complete. */
		uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
		uint64_t tail = nm_sampler_ring_parse(ring->data, ring->size, meta->data_tail, head,
						      sample_type, fn, ctx, st);

		/* Release: our reads of the records happen before the kernel
		 * may overwrite them. */
		__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	}
}

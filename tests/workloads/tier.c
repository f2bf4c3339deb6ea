/* wl-tier: a hot set and a cold set, both first touched on a memory-only
 * node (a CXL expander: memory, no CPUs), or with -F on a node given (a
 * fast tier that fills up, for demotion).
 *
 * One thread, pinned to the first CPU node, streams the hot set (-s MiB,
 * writing every cache line; -R: reading only); the cold set (-c MiB) is
 * never touched after set-up. A tiering balancer should bring the hot set
 * to the thread's node and leave the cold set where it is. The report
 * lines judge the hot set against the thread's node. At the end two more
 * lines count every page of each set per node (a status query of each
 * page, not a sample):
 *   "# hot on=<N0>,<N1>,..."  and  "# cold on=<N0>,<N1>,..."
 * Neither set has a memory policy once set up: the first touch uses the
 * thread's policy, so nothing stops a balancer from moving pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-tier [-s MiB] [-c MiB] [-F NODE] [-d SEC] [-i SEC] [-n SAMPLES] [-R]\n"
	"  A hot set (-s, default 32) and a cold set (-c, default 96), first\n"
	"  touched on the first node with memory and no CPUs (-F: on NODE); a\n"
	"  thread on the first CPU node streams the hot set (-R: reads it).\n"
	"  Prints the hot set's locality every -i seconds for -d seconds, then\n"
	"  where every page of each set is.\n";

/* The first node with memory and no CPUs, or -1. */
static int memory_only_node(void)
{
	struct bitmask *cpus = numa_allocate_cpumask();
	int found = -1;

	for (int n = 0; n <= numa_max_node() && found < 0; n++) {
		long long free;

		if (numa_node_size64(n, &free) <= 0 || numa_node_to_cpus(n, cpus) < 0)
			continue;
		if (numa_bitmask_weight(cpus) == 0)
			found = n;
	}
	numa_free_cpumask(cpus);
	return found;
}

/* Every page of [BUF, BUF+LEN) per node, as "# NAME on=N0,N1,...". */
static void count_pages(const char *name, char *buf, size_t len)
{
	enum { BATCH = 1024 };
	void *pages[BATCH];
	int status[BATCH], on[WL_MAX_NODES] = { 0 };
	size_t npages = len / wl_pagesz;

	for (size_t first = 0; first < npages; first += BATCH) {
		size_t n = npages - first < BATCH ? npages - first : BATCH;

		for (size_t i = 0; i < n; i++)
			pages[i] = buf + (first + i) * wl_pagesz;
		if (move_pages(0, n, pages, NULL, status, 0) < 0)
			wl_die("move_pages (status query)");
		for (size_t i = 0; i < n; i++)
			if (status[i] >= 0 && status[i] < WL_MAX_NODES)
				on[status[i]]++;
	}
	printf("# %s on=", name);
	for (int node = 0; node <= numa_max_node() && node < WL_MAX_NODES; node++)
		printf("%s%d", node ? "," : "", on[node]);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice hot;
	struct bitmask *far;
	int nodes[WL_MAX_NODES], mem;
	char *buf, *cold, extra[64];

	wl_parse(argc, argv, &o, "cFR", usage);
	if (!o.cold)
		o.cold = 96UL << 20;
	wl_start();
	wl_need_cpu_nodes("wl-tier", nodes);
	mem = memory_only_node();
	if (mem < 0) {
		fprintf(stderr, "wl-tier: no node with memory and no CPUs\n");
		return 1;
	}
	buf = wl_map_anon(o.bytes);
	cold = wl_map_anon(o.cold);
	/* The task's policy for the first touch only: the mappings keep none,
	 * and the task goes back to the default (numa_maps shows a task
	 * policy on every mapping without one of its own, and a balancer
	 * that honours memory policies would leave them all alone). */
	far = numa_allocate_nodemask();
	numa_bitmask_setbit(far, (unsigned)(o.first_node >= 0 ? o.first_node : mem));
	numa_set_membind(far);
	wl_touch(buf, o.bytes);
	wl_touch(cold, o.cold);
	if (set_mempolicy(MPOL_DEFAULT, NULL, 0) < 0)
		wl_die("set_mempolicy");
	numa_free_nodemask(far);
	snprintf(extra, sizeof(extra), "memory_only=%d home=%d cold=%p cold_bytes=%zu", mem,
		 nodes[0], (void *)cold, o.cold);
	wl_announce("wl-tier", buf, o.bytes, extra);
	wl_workers_start(buf, o.bytes, 1, nodes, 1, 0, &hot, o.reads);
	wl_report_loop(&o, &hot, 1, NULL);
	wl_workers_join();
	count_pages("hot", buf, o.bytes);
	count_pages("cold", cold, o.cold);
	return 0;
}

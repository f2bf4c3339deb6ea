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
 *
 * With -p SEC the sets swap roles every SEC seconds (a phase change): set
 * A (-s) is first touched on the thread's node, set B (-c) on the
 * memory-only node, and the thread writes A in even phases and B in odd
 * ones. Every -i seconds it prints, from a status query of every page,
 *   "t=<s> local=<share of the phase's written set on its node>
 *    phase=<P> cold=<share of the other set on its node>"
 * and at the end "# a on=..." and "# b on=...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-tier [-s MiB] [-c MiB] [-F NODE] [-p SEC] [-d SEC] [-i SEC] [-n SAMPLES] [-R]\n"
	"  A hot set (-s, default 32) and a cold set (-c, default 96), first\n"
	"  touched on the first node with memory and no CPUs (-F: on NODE); a\n"
	"  thread on the first CPU node streams the hot set (-R: reads it).\n"
	"  Prints the hot set's locality every -i seconds for -d seconds, then\n"
	"  where every page of each set is. -p: the sets swap every SEC seconds\n"
	"  (A on the thread's node, B on the memory-only node at first).\n";

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

/* Every page of [BUF, BUF+LEN) per node into ON[WL_MAX_NODES]; the pages. */
static size_t count_on(char *buf, size_t len, int *on)
{
	enum { BATCH = 1024 };
	void *pages[BATCH];
	int status[BATCH];
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
	return npages;
}

/* Every page of [BUF, BUF+LEN) per node, as "# NAME on=N0,N1,...". */
static void count_pages(const char *name, char *buf, size_t len)
{
	int on[WL_MAX_NODES] = { 0 };

	count_on(buf, len, on);
	printf("# %s on=", name);
	for (int node = 0; node <= numa_max_node() && node < WL_MAX_NODES; node++)
		printf("%s%d", node ? "," : "", on[node]);
	printf("\n");
}

/* -p: the sets and who writes which when. */
struct swap {
	char *set[2];
	size_t len[2];
	double period;
	int node, reads;
};

static int phase_of(const struct swap *s)
{
	return (int)(wl_now() / s->period) % 2;
}

static void *swapper(void *arg)
{
	const struct swap *s = arg;
	unsigned long sum = 0;

	wl_pin_node(s->node);
	while (!wl_stop) {
		int p = phase_of(s);

		if (s->reads)
			sum += wl_scan(s->set[p], s->len[p]);
		else
			wl_stream(s->set[p], s->len[p]);
	}
	return (void *)sum;
}

/* Share of SET's pages on NODE. */
static double share_on(char *set, size_t len, int node)
{
	int on[WL_MAX_NODES] = { 0 };
	size_t n = count_on(set, len, on);

	return n ? (double)on[node] / (double)n : 0.0;
}

static void run_swaps(const struct wl_opts *o, struct swap *s)
{
	pthread_t th;

	if (pthread_create(&th, NULL, swapper, s))
		wl_die("pthread_create");
	while (!wl_stop && (o->duration <= 0 || wl_now() < o->duration)) {
		int p;

		usleep((useconds_t)(o->interval * 1e6));
		p = phase_of(s);
		printf("t=%.2f local=%.3f phase=%d cold=%.3f\n", wl_now(),
		       share_on(s->set[p], s->len[p], s->node), p,
		       share_on(s->set[!p], s->len[!p], s->node));
		fflush(stdout);
	}
	wl_stop = 1;
	pthread_join(th, NULL);
	printf("# done\n");
	count_pages("a", s->set[0], s->len[0]);
	count_pages("b", s->set[1], s->len[1]);
}

/* Touch LEN bytes of BUF first on NODE, leaving no memory policy behind
 * (numa_maps shows a task policy on every mapping without one of its
 * own, and a balancer that honours memory policies would leave them all
 * alone). */
static void touch_on(char *buf, size_t len, int node)
{
	struct bitmask *m = numa_allocate_nodemask();

	numa_bitmask_setbit(m, (unsigned)node);
	numa_set_membind(m);
	wl_touch(buf, len);
	if (set_mempolicy(MPOL_DEFAULT, NULL, 0) < 0)
		wl_die("set_mempolicy");
	numa_free_nodemask(m);
}

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice hot;
	int nodes[WL_MAX_NODES], mem;
	char *buf, *cold, extra[128];

	wl_parse(argc, argv, &o, "cFpR", usage);
	if (!o.cold)
		o.cold = 96UL << 20;
	wl_start();
	wl_need_cpu_nodes("wl-tier", nodes);
	mem = memory_only_node();
	if (mem < 0) {
		fprintf(stderr, "wl-tier: no node with memory and no CPUs\n");
		return 1;
	}
	/* The whole process on the thread's node, set-up too: a first touch
	 * of 100 MiB is seconds of CPU in a TCG guest, and done from the
	 * other node it would make that node the process's home. */
	wl_pin_node(nodes[0]);
	buf = wl_map_anon(o.bytes);
	cold = wl_map_anon(o.cold);
	touch_on(buf, o.bytes, o.period > 0 ? nodes[0] : o.first_node >= 0 ? o.first_node : mem);
	touch_on(cold, o.cold, o.first_node >= 0 && o.period <= 0 ? o.first_node : mem);
	snprintf(extra, sizeof(extra), "memory_only=%d home=%d cold=%p cold_bytes=%zu period=%g",
		 mem, nodes[0], (void *)cold, o.cold, o.period > 0 ? o.period : 0.0);
	wl_announce("wl-tier", buf, o.bytes, extra);
	if (o.period > 0) {
		struct swap s = { .set = { buf, cold }, .len = { o.bytes, o.cold },
				  .period = o.period, .node = nodes[0], .reads = o.reads };

		run_swaps(&o, &s);
		return 0;
	}
	wl_workers_start(buf, o.bytes, 1, nodes, 1, 0, &hot, o.reads);
	wl_report_loop(&o, &hot, 1, NULL);
	wl_workers_join();
	count_pages("hot", buf, o.bytes);
	count_pages("cold", cold, o.cold);
	return 0;
}

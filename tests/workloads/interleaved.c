/* wl-interleaved: memory spread round-robin, users bound one per node.
 *
 * The buffer is first-touched under an MPOL_INTERLEAVE task policy over the
 * CPU nodes, so page i lands on CPU node i mod N. Then thread k, pinned to
 * CPU node k, streams slice k: each slice holds pages of every node, and
 * locality starts at 1/N. This is what numactl --interleave or a large
 * allocator arena does to a job that was later partitioned; a balancer has
 * to move (N-1)/N of every slice.
 *
 * The policy is a *task* policy reset right after the first touch, not an
 * mbind() VMA policy: the pages are interleaved, but the mapping carries no
 * policy ("default" in numa_maps), so moving them contradicts nothing the
 * application asked for.
 */
#define _GNU_SOURCE
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-interleaved [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES] [-t THREADS]\n"
	"  Memory interleaved page by page over the CPU nodes; thread k runs on\n"
	"  CPU node k and streams slice k. Prints its locality every -i seconds.\n";

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice slices[WL_MAX_USERS];
	int nodes[WL_MAX_NODES], nnodes, n;
	struct bitmask *mask;
	char extra[64];
	char *buf;

	wl_parse(argc, argv, &o, NULL, usage);
	wl_start();
	nnodes = wl_need_cpu_nodes("wl-interleaved", nodes);
	n = o.users ? o.users : nnodes;
	buf = wl_map_anon(o.bytes);

	mask = numa_allocate_nodemask();
	for (int i = 0; i < nnodes; i++)
		numa_bitmask_setbit(mask, nodes[i]);
	if (set_mempolicy(MPOL_INTERLEAVE, mask->maskp, mask->size + 1) < 0)
		wl_die("set_mempolicy(MPOL_INTERLEAVE)");
	/* Fault the pages in order: interleave hands out nodes round-robin
	 * per fault of this task, so page i goes to nodes[i % nnodes]. */
	wl_touch(buf, o.bytes);
	if (set_mempolicy(MPOL_DEFAULT, NULL, 0) < 0)
		wl_die("set_mempolicy(MPOL_DEFAULT)");
	numa_free_nodemask(mask);

	snprintf(extra, sizeof(extra), "threads=%d", n);
	wl_announce("wl-interleaved", buf, o.bytes, extra);
	wl_workers_start(buf, o.bytes, n, nodes, nnodes, 0, slices, 0);
	wl_report_loop(&o, slices, n, NULL);
	wl_workers_join();
	return 0;
}

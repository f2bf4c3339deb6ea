/* wl-misplaced: every page starts on the wrong node.
 *
 * The main thread, pinned to the first CPU node (node 0 in every test
 * topology), first-touches the whole buffer, so all of it lands there. Then
 * thread k, pinned to CPU node k, streams its own slice k. With N CPU nodes
 * locality starts at about 1/N (only slice 0 is home) and a balancer that
 * moves each slice to its user brings it to 1. No memory policy is set, so
 * nothing stops a balancer (or kernel autoNUMA) from moving pages.
 */
#define _GNU_SOURCE
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-misplaced [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES] [-t USERS] [-P]\n"
	"  Memory first-touched on node 0; thread k (default: one per CPU node)\n"
	"  runs on CPU node k and streams slice k. Prints its locality every\n"
	"  -i seconds (default 0.5) for -d seconds (default 5, 0 = until SIGTERM).\n"
	"  -P: the users are processes, each with its own slice, not threads.\n";

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice slices[WL_MAX_USERS];
	int nodes[WL_MAX_NODES], nnodes, n;
	char extra[64];
	char *buf;

	wl_parse(argc, argv, &o, "P", usage);
	wl_start();
	nnodes = wl_cpu_nodes(nodes, WL_MAX_NODES);
	if (nnodes < 1) {
		fprintf(stderr, "wl-misplaced: no node with CPUs\n");
		return 1;
	}
	n = o.users ? o.users : nnodes;
	buf = wl_map_anon(o.bytes);
	if (o.procs) {
		/* Each process first-touches its own slice on node 0. */
		wl_procs_start(buf, o.bytes, n, nodes, nnodes, 0, nodes[0], slices);
	} else {
		wl_pin_node(nodes[0]);
		wl_touch(buf, o.bytes);
	}
	/* The main thread only reports from now on: let it run anywhere. */
	numa_run_on_node(-1);
	snprintf(extra, sizeof(extra), "%s=%d home=%d", o.procs ? "procs" : "threads", n, nodes[0]);
	wl_announce("wl-misplaced", buf, o.bytes, extra);
	if (!o.procs)
		wl_workers_start(buf, o.bytes, n, nodes, nnodes, 0, slices);
	wl_report_loop(&o, slices, n, NULL);
	if (o.procs)
		wl_procs_join();
	else
		wl_workers_join();
	return 0;
}

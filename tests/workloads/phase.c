/* wl-phase: the right placement keeps changing.
 *
 * Set up like wl-misplaced (everything first-touched on node 0, thread k
 * streams slice k from CPU node k), but every -p seconds each thread moves
 * on to the next CPU node. A balancer that follows well shows locality
 * climbing back after each phase change; one that reacts too slowly (or
 * whose migrations cost more than a phase) never gets there, and one that
 * chases every short phase burns CPU on ping-pong. The report judges each
 * slice against the node its thread runs on at that moment.
 */
#define _GNU_SOURCE
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-phase [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES] [-t USERS] [-p SEC] [-P]\n"
	"  Like wl-misplaced, but every -p seconds (default 2) each thread moves to\n"
	"  the next CPU node. Prints its locality every -i seconds.\n"
	"  -P: the users are processes, each with its own slice, not threads.\n";

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice slices[WL_MAX_USERS];
	int nodes[WL_MAX_NODES], nnodes, n;
	char extra[80];
	char *buf;

	wl_parse(argc, argv, &o, "pP", usage);
	if (o.period < 0)
		o.period = 2;
	if (o.period == 0) {
		fputs(usage, stderr);
		return 2;
	}
	wl_start();
	nnodes = wl_cpu_nodes(nodes, WL_MAX_NODES);
	if (nnodes < 1) {
		fprintf(stderr, "wl-phase: no node with CPUs\n");
		return 1;
	}
	n = o.users ? o.users : nnodes;
	buf = wl_map_anon(o.bytes);
	if (o.procs) {
		wl_procs_start(buf, o.bytes, n, nodes, nnodes, o.period, nodes[0], slices);
	} else {
		wl_pin_node(nodes[0]);
		wl_touch(buf, o.bytes);
	}
	numa_run_on_node(-1);
	snprintf(extra, sizeof(extra), "%s=%d home=%d period=%g", o.procs ? "procs" : "threads",
		 n, nodes[0], o.period);
	wl_announce("wl-phase", buf, o.bytes, extra);
	/* Each user moves on -p seconds after it started, i.e. just after
	 * t=0 of the report, then every -p seconds. */
	if (!o.procs)
		wl_workers_start(buf, o.bytes, n, nodes, nnodes, o.period, slices);
	wl_report_loop(&o, slices, n, NULL);
	if (o.procs)
		wl_procs_join();
	else
		wl_workers_join();
	return 0;
}

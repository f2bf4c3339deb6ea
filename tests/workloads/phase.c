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

	wl_parse(argc, argv, &o, "pP", usage);
	if (o.period < 0)
		o.period = 2;
	if (o.period == 0) {
		fputs(usage, stderr);
		return 2;
	}
	wl_start();
	wl_run_misplaced("wl-phase", &o, o.period);
	return 0;
}

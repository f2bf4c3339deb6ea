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
	"Usage: wl-misplaced [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES] [-t USERS] [-o PAGES] [-P] [-R]\n"
	"  Memory first-touched on node 0; thread k (default: one per CPU node)\n"
	"  runs on CPU node k and streams slice k. Prints its locality every\n"
	"  -i seconds (default 0.5) for -d seconds (default 5, 0 = until SIGTERM).\n"
	"  -P: the users are processes, each with its own slice, not threads.\n"
	"  -R: the threads only read their slices (after the first touch).\n"
	"  -o: the buffer starts PAGES pages past a 2 MiB boundary (default: where\n"
	"      mmap puts it).\n";

int main(int argc, char **argv)
{
	struct wl_opts o;

	wl_parse(argc, argv, &o, "oPR", usage);
	wl_start();
	wl_run_misplaced("wl-misplaced", &o, 0);
	return 0;
}

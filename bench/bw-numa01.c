/* bw-numa01: bench workload W1 (numa01-like) and the hard-bind reference.
 *
 * One process per CPU node. Each has a private slice of a MAP_PRIVATE
 * buffer, first-touched on node 0 (so (N-1)/N of it starts misplaced), and
 * all of them stream one MAP_SHARED buffer as well, the numa01 pattern: a
 * shared buffer has no right home, and a balancer that chases it
 * ping-pongs. The locality printed is that of the private slices (the
 * shared buffer's pages are followed by bw-track instead).
 *
 * -f bind (hard bind): each process binds its slice to its own node
 * (MPOL_BIND, as `numactl -N n -m n` would) and touches it there: the
 * placement every balancer is trying to reach, reached at t=0 with no page
 * moved. -f interleave: each process first-touches its slice interleaved
 * over all CPU nodes (a task policy, reset afterwards, as wl-interleaved
 * does), so 1/N of it starts local: W4 with processes instead of threads.
 * -p 0 drops the shared buffer: then the shape is wl-misplaced -P's, and
 * -f bind is its hard-bind reference.
 *
 * Output: the wl-common report lines (tests/workloads/wl-common.h), plus
 * "shared=ADDR shared_bytes=N" in the set-up line for bw-track.
 */
#define _GNU_SOURCE
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: bw-numa01 [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES] [-t PROCS] [-p SHARED_MiB]\n"
	"                 [-f node0|bind|interleave]\n"
	"  One process per CPU node streams its private slice and a shared\n"
	"  buffer of -p MiB (default 32, 0: none). The slice is first touched on\n"
	"  node 0 (default), bound to and touched on its user's node (bind), or\n"
	"  interleaved over the CPU nodes (interleave).\n";

struct user {
	volatile int node;
	volatile int ready;
};

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice slices[WL_MAX_USERS];
	int nodes[WL_MAX_NODES], nnodes, n;
	pid_t pids[WL_MAX_USERS];
	struct user *users;
	size_t shared_bytes;
	char *buf, *shared = NULL;
	char extra[128];
	int bind, inter;

	/* -p is the shared size here and -f the first-touch mode: wl_parse
	 * knows both letters, and bench/guest.sh is their only caller. */
	wl_parse(argc, argv, &o, "pf", usage);
	bind = o.path && !strcmp(o.path, "bind");
	inter = o.path && !strcmp(o.path, "interleave");
	if (o.path && !bind && !inter && strcmp(o.path, "node0")) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	shared_bytes = o.period < 0 ? 32ul << 20 : (size_t)o.period << 20;
	wl_start();
	nnodes = wl_need_cpu_nodes("bw-numa01", nodes);
	n = o.users ? o.users : nnodes;
	buf = wl_map_anon(o.bytes);
	if (shared_bytes) {
		shared = mmap(NULL, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			      -1, 0);
		if (shared == MAP_FAILED)
			wl_die("mmap (shared)");
		wl_pin_node(nodes[0]);
		wl_touch(shared, shared_bytes);
	}
	users = mmap(NULL, sizeof(*users) * WL_MAX_USERS, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (users == MAP_FAILED)
		wl_die("mmap (user state)");
	for (int k = 0; k < n; k++) {
		int home = nodes[k % nnodes];

		wl_slice_part(&slices[k], buf, o.bytes, k, n);
		slices[k].node = &users[k].node;
		users[k].node = home;
		pids[k] = fork();
		if (pids[k] < 0)
			wl_die("fork");
		if (pids[k] == 0) {
			if (bind) {
				struct bitmask *m = numa_allocate_nodemask();

				numa_bitmask_setbit(m, home);
				if (mbind(slices[k].addr, slices[k].len, MPOL_BIND, m->maskp,
					  m->size + 1, 0) < 0)
					wl_die("mbind");
				wl_pin_node(home);
			} else if (inter) {
				struct bitmask *m = numa_allocate_nodemask();

				for (int i = 0; i < nnodes; i++)
					numa_bitmask_setbit(m, nodes[i]);
				if (set_mempolicy(MPOL_INTERLEAVE, m->maskp, m->size + 1) < 0)
					wl_die("set_mempolicy(MPOL_INTERLEAVE)");
				wl_pin_node(home);
			} else {
				wl_pin_node(nodes[0]);
			}
			wl_touch(slices[k].addr, slices[k].len);
			/* A task policy, not a VMA policy: the pages stay
			 * movable ("default" in numa_maps). */
			if (inter && set_mempolicy(MPOL_DEFAULT, NULL, 0) < 0)
				wl_die("set_mempolicy(MPOL_DEFAULT)");
			wl_pin_node(home);
			users[k].ready = 1;
			for (unsigned long it = 0; !wl_stop; it++) {
				wl_stream(slices[k].addr, slices[k].len);
				/* Every other pass: the shared buffer is hot
				 * for every process, but less than its own. */
				if (shared && (it & 1))
					wl_stream(shared, shared_bytes);
			}
			_exit(0);
		}
		slices[k].pid = pids[k];
	}
	for (int k = 0; k < n; k++)
		while (!users[k].ready && !wl_stop)
			usleep(10000);
	snprintf(extra, sizeof(extra), "procs=%d touch=%s shared=%p shared_bytes=%zu", n,
		 o.path ? o.path : "node0", (void *)shared, shared_bytes);
	wl_announce("bw-numa01", buf, o.bytes, extra);
	wl_report_loop(&o, slices, n, NULL);
	for (int k = 0; k < n; k++)
		kill(pids[k], SIGTERM);
	for (int k = 0; k < n; k++)
		waitpid(pids[k], NULL, 0);
	return 0;
}

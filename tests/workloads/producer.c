/* wl-producer: data made on one node, used on the others.
 *
 * One process (the producer, pinned to the first CPU node) fills a shared
 * buffer, so every page is first touched there, then hands slice k to
 * consumer process k, pinned to one of the *other* CPU nodes, which reads
 * it over and over. Consumer locality starts at 0: a balancer should move
 * each slice to its consumer. With -p SEC the producer takes the buffer
 * back every SEC seconds and refills it (consumers pause meanwhile): pages
 * moved to the consumers are now remote to the producer, which is the
 * trade-off a balancer must not turn into ping-pong.
 *
 * The buffer is MAP_SHARED|MAP_ANONYMOUS, created before fork(), so the
 * producer and every consumer map the same pages; the producer reports the
 * consumers' locality by querying its own mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-producer [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES] [-t CONSUMERS] [-p SEC]\n"
	"  The producer (first CPU node) fills a shared buffer and hands slice k to\n"
	"  consumer k (default: one per other CPU node), which reads it repeatedly.\n"
	"  -p SEC: refill the buffer every SEC seconds (default 0 = fill once).\n";

/* Shared with the consumers. round > 0: consumers own their slices; the
 * producer sets it to -round while it refills. */
struct ctl {
	volatile int round;
};

static struct ctl *ctl;
static char *buf;
static size_t bytes;
static double period;
static int home;

static void fill(int round)
{
	for (size_t off = 0; off < bytes; off += 64)
		buf[off] = (char)round;
}

/* Producer thread: refill every period seconds. */
static void *refiller(void *arg)
{
	int round = 1;
	double next = wl_now() + period;

	(void)arg;
	wl_pin_node(home);
	while (!wl_stop) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (wl_now() < next)
			continue;
		round++;
		ctl->round = -round;
		fill(round);
		ctl->round = round;
		next += period;
	}
	return NULL;
}

static void consumer(char *addr, size_t len, int node)
{
	unsigned long sum = 0;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	wl_pin_node(node);
	while (!wl_stop) {
		if (ctl->round > 0) {
			sum += wl_scan(addr, len);
		} else {
			struct timespec ts = { 0, 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	_exit(sum == 42);
}

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice slices[WL_MAX_USERS];
	static volatile int cnode[WL_MAX_USERS];
	pid_t pids[WL_MAX_USERS];
	int nodes[WL_MAX_NODES], nnodes, n, nothers;
	size_t len;
	char extra[512];
	pthread_t th;

	wl_parse(argc, argv, &o, "p", usage);
	wl_start();
	nnodes = wl_need_cpu_nodes("wl-producer", nodes);
	home = nodes[0];
	/* Consumers go to the other CPU nodes; on one node they share it. */
	nothers = nnodes > 1 ? nnodes - 1 : 1;
	n = o.users ? o.users : nothers;
	bytes = o.bytes;
	period = o.period > 0 ? o.period : 0; /* default: fill once */

	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED || buf == MAP_FAILED)
		wl_die("mmap");
	wl_pin_node(home);
	fill(1);
	ctl->round = 1;

	for (int k = 0; k < n; k++) {
		wl_slice_part(&slices[k], buf, bytes, k, n);
		cnode[k] = nnodes > 1 ? nodes[1 + k % nothers] : home;
		slices[k].node = &cnode[k];
		pids[k] = fork();
		if (pids[k] < 0)
			wl_die("fork");
		if (pids[k] == 0)
			consumer(slices[k].addr, slices[k].len, cnode[k]);
	}
	numa_run_on_node(-1);
	len = (size_t)snprintf(extra, sizeof(extra), "consumers=%d home=%d period=%g children=",
			       n, home, period);
	for (int k = 0; k < n && len < sizeof(extra) - 16; k++)
		len += (size_t)snprintf(extra + len, sizeof(extra) - len, "%s%d", k ? "," : "",
					(int)pids[k]);
	wl_announce("wl-producer", buf, bytes, extra);
	if (period > 0) {
		errno = pthread_create(&th, NULL, refiller, NULL);
		if (errno)
			wl_die("pthread_create");
	}
	wl_report_loop(&o, slices, n, NULL);
	if (period > 0)
		pthread_join(th, NULL);
	for (int k = 0; k < n; k++)
		kill(pids[k], SIGTERM);
	for (int k = 0; k < n; k++)
		waitpid(pids[k], NULL, 0);
	return 0;
}

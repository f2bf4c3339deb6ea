/* wl-churn: processes that start and exit fast, for pid reuse.
 *
 * Forks children at a steady rate for -d seconds. Each child first-touches
 * -s KiB on the first CPU node, then runs on the last CPU node for its
 * life (-l ms) and exits: misplaced memory that a balancer tracking it
 * would move. Just before it exits, a child asks where its pages are (a
 * move_pages() status query) and reports through a pipe how many are no
 * longer on the first node, that is, were moved while it lived. With
 * -s 0 a child only takes a pid and exits (vfork).
 *
 * Run in a cgroup a balancer manages, it churns pids under the balancer's
 * feet; run in one it must leave alone, every "moved" page is a wrong
 * action (with kernel.pid_max low, these children get pids the balancer
 * tracked a moment before).
 *
 * Output: "# wl-churn pid=... rate=... life_ms=... kib=..." at start, then
 * "spawned=N reported=N moved_children=N moved_pages=N" at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <numaif.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-churn [-r PER_SEC] [-l LIFE_MS] [-s KIB] [-d SEC] [-T PER_SEC] [-W N]\n"
	"  Fork PER_SEC children a second (default 1000) for SEC seconds (default\n"
	"  30), each touching KIB KiB (default 64) on the first CPU node, then\n"
	"  living LIFE_MS ms (default 10) on the last one; report how many of\n"
	"  their pages were moved meanwhile. -s 0: children that exit at once\n"
	"  (vfork), for pids alone. -T N: also N threads a second that exit at\n"
	"  once (thread ids come from the same pids, and cost far less).\n"
	"  -W N: go on past SEC until the system's pids have wrapped N times\n"
	"  (kernel.ns_last_pid went down), for at most 5 x SEC.\n";

struct report {
	long moved;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pages of BUF not on node FIRST (absent pages are not moved pages). */
static long moved_pages(char *buf, size_t len, int first)
{
	size_t n = len / (size_t)wl_pagesz;
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));
	long moved = 0;

	if (!pages || !status)
		_exit(2);
	for (size_t i = 0; i < n; i++)
		pages[i] = buf + i * (size_t)wl_pagesz;
	if (move_pages(0, n, pages, NULL, status, 0) < 0)
		_exit(2);
	for (size_t i = 0; i < n; i++)
		moved += status[i] >= 0 && status[i] != first;
	return moved;
}

static void child(int fd, size_t len, int first, int last, long life_ms)
{
	struct timespec life = { life_ms / 1000, (life_ms % 1000) * 1000000 };
	struct report r;
	char *buf;

	wl_pin_node(first);
	buf = wl_map_anon(len);
	wl_touch(buf, len);
	wl_pin_node(last);
	while (nanosleep(&life, &life) < 0 && errno == EINTR)
		;
	r.moved = moved_pages(buf, len, first);
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/* A child that only takes a pid: vfork() is what makes 1,000 a second
 * possible in an emulated guest. The child leaves from here, never
 * returning into the caller's frame. */
static pid_t spawn_empty(void)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(0);
	return pid;
}

static void *nothing(void *arg)
{
	return arg;
}

/* Threads due by NOW since T0 at RATE a second, started and joined. */
static long burn_tids(double rate, double t0, double now, long done)
{
	long due = (long)((now - t0) * rate);

	for (; done < due; done++) {
		pthread_t th;

		if (pthread_create(&th, NULL, nothing, NULL) != 0)
			break;
		pthread_join(th, NULL);
	}
	return done;
}

/* The last pid the kernel handed out, or -1. */
static long last_pid(void)
{
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Reap what has exited and read what it reported. */
static void collect(int fd, long *reported, long *moved_children, long *moved)
{
	struct report r;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	while (read(fd, &r, sizeof(r)) == sizeof(r)) {
		(*reported)++;
		*moved_children += r.moved > 0;
		*moved += r.moved;
	}
}

int main(int argc, char **argv)
{
	double rate = 1000, duration = 30, trate = 0, t0, next;
	long life_ms = 10, kib = 64, spawned = 0, reported = 0, moved_children = 0, moved = 0;
	long threads = 0, want_wraps = 0, wraps = 0, prev_pid = last_pid();
	double checked = 0;
	int nodes[WL_MAX_NODES], nn, fds[2], c;

	while ((c = getopt(argc, argv, "r:l:s:d:T:W:h")) != -1) {
		switch (c) {
		case 'r': rate = atof(optarg); break;
		case 'l': life_ms = atol(optarg); break;
		case 's': kib = atol(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'T': trate = atof(optarg); break;
		case 'W': want_wraps = atol(optarg); break;
		default: fputs(usage, c == 'h' ? stdout : stderr); return c == 'h' ? 0 : 2;
		}
	}
	if (rate <= 0 || life_ms < 0 || kib < 0 || duration <= 0) {
		fputs(usage, stderr);
		return 2;
	}
	wl_pagesz = sysconf(_SC_PAGESIZE);
	nn = wl_need_cpu_nodes("wl-churn", nodes);
	/* Reports are small and written whole (atomic below PIPE_BUF). */
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# wl-churn pid=%d rate=%g life_ms=%ld kib=%ld first=%d last=%d\n", (int)getpid(),
	       rate, life_ms, kib, nodes[0], nodes[nn - 1]);
	t0 = next = now_s();
	while (now_s() - t0 < duration ||
	       (wraps < want_wraps && now_s() - t0 < 5 * duration)) {
		pid_t pid;

		/* Ten times a second: has the pid counter gone round? */
		if (now_s() - checked > 0.1) {
			long p = last_pid();

			wraps += p >= 0 && prev_pid >= 0 && p < prev_pid;
			prev_pid = p;
			checked = now_s();
		}
		/* Every round: a full pipe would hold the children up. */
		collect(fds[0], &reported, &moved_children, &moved);
		if (trate > 0)
			threads = burn_tids(trate, t0, now_s(), threads);
		if (now_s() < next) {
			usleep(200);
			continue;
		}
		next += 1 / rate;
		pid = kib ? fork() : spawn_empty();
		if (pid == 0)
			child(fds[1], (size_t)kib * 1024, nodes[0], nodes[nn - 1], life_ms);
		spawned += pid > 0;
	}
	close(fds[1]);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	fcntl(fds[0], F_SETFL, 0);
	collect(fds[0], &reported, &moved_children, &moved);
	printf("spawned=%ld reported=%ld moved_children=%ld moved_pages=%ld per_sec=%.0f "
	       "threads=%ld wraps=%ld seconds=%.0f\n", spawned, reported, moved_children, moved,
	       (double)spawned / (now_s() - t0), threads, wraps, now_s() - t0);
	return 0;
}

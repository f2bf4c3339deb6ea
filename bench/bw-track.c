/* bw-track: a bench-only page sampler that counts ping-pong.
 *
 * Locality says where pages are; it cannot tell a page that moved once and
 * stayed from one that went back and forth. This sampler picks evenly
 * spaced pages of one or more address ranges in a process and in its
 * children (the -P workloads keep their memory in child processes), asks
 * the kernel every -i seconds where each one is (move_pages with nodes ==
 * NULL moves nothing), and counts node changes per page.
 *
 * Usage: bw-track -p PID [-r ADDR:LEN]... [-n PAGES] [-i SEC] [-w SEC]
 * Runs until PID exits or SIGTERM, then prints one line:
 *   track pages=<sampled (pid, page) pairs> present=<ever resident>
 *         moved=<pages that changed node at least once>
 *         pingpong=<pages that changed node twice or more within -w SEC>
 *         changes=<node changes seen in all>
 * A change is seen only if it lasts one interval: a faster bounce is
 * missed, so pingpong is a lower bound.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 64
#define MAX_RANGES 8
#define MAX_CHANGES 32

struct page {
	int pid_idx;
	void *addr;
	int node;                   /* -1: never seen resident */
	int nchanges;
	double when[MAX_CHANGES];   /* times of the last changes, a ring */
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* PID and the children of each of its threads. */
static int family(pid_t pid, pid_t *out, int max)
{
	char path[64];
	FILE *f;
	int n = 0;
	long c;

	out[n++] = pid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	if (!f)
		return n;
	while (n < max && fscanf(f, "%ld", &c) == 1)
		out[n++] = (pid_t)c;
	fclose(f);
	return n;
}

static int alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

int main(int argc, char **argv)
{
	unsigned long raddr[MAX_RANGES], rlen[MAX_RANGES];
	int nranges = 0, per = 256, opt, npids, total;
	double interval = 0.5, window = 60, t0;
	pid_t pid = 0, pids[MAX_PIDS];
	struct page *pg;
	void **addrs;
	int *status;
	struct sigaction sa;
	long psz = sysconf(_SC_PAGESIZE);

	while ((opt = getopt(argc, argv, "p:r:n:i:w:")) != -1) {
		switch (opt) {
		case 'p': pid = (pid_t)atoi(optarg); break;
		case 'r':
			if (nranges == MAX_RANGES ||
			    sscanf(optarg, "%lx:%lu", &raddr[nranges], &rlen[nranges]) != 2) {
				fprintf(stderr, "bw-track: bad -r %s\n", optarg);
				return 2;
			}
			nranges++;
			break;
		case 'n': per = atoi(optarg); break;
		case 'i': interval = atof(optarg); break;
		case 'w': window = atof(optarg); break;
		default:
			fprintf(stderr, "usage: bw-track -p PID -r ADDR:LEN... [-n N] [-i SEC] [-w SEC]\n");
			return 2;
		}
	}
	if (pid <= 0 || nranges == 0 || per < 1) {
		fprintf(stderr, "bw-track: need -p PID and -r ADDR:LEN\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	npids = family(pid, pids, MAX_PIDS);
	total = npids * nranges * per;
	pg = calloc((size_t)total, sizeof(*pg));
	addrs = calloc((size_t)per, sizeof(*addrs));
	status = calloc((size_t)per, sizeof(*status));
	if (!pg || !addrs || !status) {
		perror("bw-track: calloc");
		return 1;
	}
	for (int i = 0, k = 0; i < npids; i++)
		for (int r = 0; r < nranges; r++)
			for (int j = 0; j < per; j++, k++) {
				unsigned long pages = rlen[r] / (unsigned long)psz;
				unsigned long idx = pages * (unsigned long)j / (unsigned long)per;

				pg[k].pid_idx = i;
				pg[k].addr = (void *)(raddr[r] + idx * (unsigned long)psz);
				pg[k].node = -1;
			}

	t0 = now();
	while (!stop && alive(pid)) {
		double t = now() - t0;

		/* One call per (pid, range): per pages at a time. */
		for (int k = 0; k < total; k += per) {
			for (int j = 0; j < per; j++)
				addrs[j] = pg[k + j].addr;
			if (move_pages(pids[pg[k].pid_idx], (unsigned long)per, addrs, NULL, status,
				       0) < 0)
				continue; /* that process is gone */
			for (int j = 0; j < per; j++) {
				struct page *p = &pg[k + j];

				if (status[j] < 0)
					continue;
				if (p->node >= 0 && status[j] != p->node) {
					p->when[p->nchanges % MAX_CHANGES] = t;
					p->nchanges++;
				}
				p->node = status[j];
			}
		}
		usleep((useconds_t)(interval * 1e6));
	}

	{
		long present = 0, moved = 0, pingpong = 0, changes = 0;

		for (int k = 0; k < total; k++) {
			struct page *p = &pg[k];
			int kept = p->nchanges < MAX_CHANGES ? p->nchanges : MAX_CHANGES;

			present += p->node >= 0;
			moved += p->nchanges > 0;
			changes += p->nchanges;
			/* Two changes within the window: any two consecutive
			 * recorded ones closer than it. */
			for (int a = 1; a < kept; a++) {
				double d = p->when[a] - p->when[a - 1];

				if (d < 0)
					d = -d;
				if (d <= window) {
					pingpong++;
					break;
				}
			}
		}
		printf("track pages=%d present=%ld moved=%ld pingpong=%ld changes=%ld pids=%d\n", total,
		       present, moved, pingpong, changes, npids);
	}
	return 0;
}

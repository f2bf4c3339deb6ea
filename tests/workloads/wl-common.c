/* wl-common: shared code of the test workloads (see wl-common.h). */
#define _GNU_SOURCE
#include "wl-common.h"
#include "wl-pagenode.h"

#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long wl_pagesz;
volatile sig_atomic_t wl_stop;
static struct timespec wl_t0;

_Noreturn void wl_die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static double parse_num(const char *s, const char *usage)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0) {
		fputs(usage, stderr);
		exit(2);
	}
	return v;
}

void wl_parse(int argc, char **argv, struct wl_opts *o, const char *extra,
	      const char *usage)
{
	char optstring[32] = "hs:d:i:n:t:";
	int c;

	/* Defaults small enough for a 2-vCPU TCG guest with 256 MiB nodes. */
	o->bytes = 32UL << 20;
	o->duration = 5;
	o->interval = 0.5;
	o->samples = 256;
	o->users = 0;
	o->period = -1; /* not given: each workload picks its default */
	o->path = NULL;
	o->cgroup = NULL;
	o->procs = 0;
	o->reads = 0;
	o->cold = 0;
	o->first_node = -1;
	o->offset = -1;
	for (const char *e = extra; e && *e; e++) {
		size_t l = strlen(optstring);
		optstring[l] = *e;
		optstring[l + 1] = *e == 'P' || *e == 'R' ? '\0' : ':'; /* flags */
		optstring[l + 2] = '\0';
	}
	while ((c = getopt(argc, argv, optstring)) != -1) {
		switch (c) {
		case 's': o->bytes = (size_t)(parse_num(optarg, usage) * (1 << 20)); break;
		case 'd': o->duration = parse_num(optarg, usage); break;
		case 'i': o->interval = parse_num(optarg, usage); break;
		case 'n': o->samples = (int)parse_num(optarg, usage); break;
		case 't': o->users = (int)parse_num(optarg, usage); break;
		case 'p': o->period = parse_num(optarg, usage); break;
		case 'f': o->path = optarg; break;
		case 'g': o->cgroup = optarg; break;
		case 'P': o->procs = 1; break;
		case 'R': o->reads = 1; break;
		case 'c': o->cold = (size_t)(parse_num(optarg, usage) * (1 << 20)); break;
		case 'F': o->first_node = (int)parse_num(optarg, usage); break;
		case 'o': o->offset = (long)parse_num(optarg, usage); break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind < argc || o->bytes == 0 || o->interval <= 0 || o->samples <= 0 ||
	    o->users > WL_MAX_USERS) {
		fputs(usage, stderr);
		exit(2);
	}
	if (numa_available() < 0) {
		fprintf(stderr, "%s: no NUMA support in this kernel\n", argv[0]);
		exit(1);
	}
	wl_pagesz = sysconf(_SC_PAGESIZE);
	/* Round to whole pages: slices and samples are page based. */
	o->bytes = (o->bytes + wl_pagesz - 1) / wl_pagesz * wl_pagesz;
	o->cold = (o->cold + wl_pagesz - 1) / wl_pagesz * wl_pagesz;
	/* Line buffered even into a file or pipe: tests tail the output live. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int wl_cpu_nodes(int *nodes, int max)
{
	struct bitmask *cpus = numa_allocate_cpumask();
	int n = 0;

	for (int node = 0; node <= numa_max_node() && n < max; node++) {
		if (!numa_bitmask_isbitset(numa_nodes_ptr, node))
			continue;
		if (numa_node_to_cpus(node, cpus) == 0 && numa_bitmask_weight(cpus) > 0)
			nodes[n++] = node;
	}
	numa_free_cpumask(cpus);
	return n;
}

int wl_need_cpu_nodes(const char *prog, int *nodes)
{
	int n = wl_cpu_nodes(nodes, WL_MAX_NODES);

	if (n < 1) {
		fprintf(stderr, "%s: no node with CPUs\n", prog);
		exit(1);
	}
	return n;
}

void wl_pin_node(int node)
{
	/* numa_run_on_node() sets the affinity of the calling thread only
	 * (sched_setaffinity(0, ...)), which is what per-thread pinning needs. */
	if (numa_run_on_node(node) < 0)
		wl_die("numa_run_on_node");
}

void *wl_map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		wl_die("mmap");
	return p;
}

void *wl_map_anon_at(size_t len, long offset)
{
	const size_t align = 2ul << 20;
	char *p, *at;

	if (offset < 0)
		return wl_map_anon(len);
	p = wl_map_anon(len + 2 * align);
	at = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1)) +
	     (size_t)offset * (size_t)wl_pagesz % align;
	/* Give back what lies around it. */
	if (at > p && munmap(p, (size_t)(at - p)) < 0)
		wl_die("munmap");
	if (munmap(at + len, (size_t)(p + 2 * align - at)) < 0)
		wl_die("munmap");
	return at;
}

void wl_touch(void *buf, size_t len)
{
	volatile char *p = buf;

	for (size_t off = 0; off < len; off += wl_pagesz)
		p[off] = 1;
}

void wl_stream(void *buf, size_t len)
{
	volatile char *p = buf;

	for (size_t off = 0; off < len && !wl_stop; off += 64)
		p[off] = (char)(p[off] + 1);
}

unsigned long wl_scan(const void *buf, size_t len)
{
	const volatile unsigned char *p = buf;
	unsigned long sum = 0;

	for (size_t off = 0; off < len && !wl_stop; off += 64)
		sum += p[off];
	return sum;
}

static void on_signal(int sig)
{
	(void)sig;
	wl_stop = 1;
}

void wl_start(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &wl_t0);
}

double wl_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - wl_t0.tv_sec) + (t.tv_nsec - wl_t0.tv_nsec) / 1e9;
}

void wl_announce(const char *name, const void *buf, size_t bytes, const char *extra)
{
	printf("# %s pid=%d buf=%p bytes=%zu pagesize=%ld%s%s\n", name, (int)getpid(), buf,
	       bytes, wl_pagesz, extra ? " " : "", extra ? extra : "");
	/* t=0 is the end of set-up: first touch can take seconds in a busy
	 * TCG guest, and a balancer can only start working from here. */
	clock_gettime(CLOCK_MONOTONIC, &wl_t0);
}

/* splitmix64's finaliser: neighbouring inputs give unrelated outputs. */
static unsigned long long mix(unsigned long long x)
{
	x *= 0x9e3779b97f4a7c15ULL;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A page the status query calls absent may be in memory all the same,
 * unmapped for a NUMA hinting fault (wl-pagenode.h): its node then comes
 * from the pagemap. */
static void resolve_absent(pid_t pid, void **pages, int *status, int n)
{
	int fd = -1;

	for (int i = 0; i < n; i++) {
		int node;

		if (status[i] != -ENOENT)
			continue;
		if (fd < 0 && (fd = wl_pagenode_open(pid)) < 0)
			return;
		node = wl_pagenode(fd, pages[i], wl_pagesz);
		if (node >= 0)
			status[i] = node;
	}
	if (fd >= 0)
		close(fd);
}

/* One report: sample each slice, print the line. */
static void report(const struct wl_opts *o, const struct wl_slice *s, int ns, void **pages,
		   int *status, int *want)
{
	int on[WL_MAX_NODES] = { 0 };
	int n = 0, local = 0, absent = 0, sampled = 0;
	int maxnode = numa_max_node();

	for (int i = 0; i < ns; i++) {
		size_t npages = s[i].len / wl_pagesz;
		size_t k = npages < (size_t)o->samples ? npages : (size_t)o->samples;
		int node = *s[i].node, first = n;

		/* One page from each of K equal parts of the slice, so a
		 * half-migrated slice shows up as a fraction. The page within
		 * its part is pseudo-random (a fixed 64-bit mix of j): a plain
		 * stride of e.g. 4 pages would alias with a 2- or 4-node
		 * interleave and see only one node's pages. */
		for (size_t j = 0; j < k; j++) {
			size_t lo = j * npages / k, hi = (j + 1) * npages / k;
			size_t pick = lo + (size_t)(mix(j + 1) % (hi - lo));

			pages[n] = s[i].addr + pick * wl_pagesz;
			want[n++] = node;
		}
		/* Its user's address space (0 = ours); nodes NULL = status
		 * query, nothing moves. */
		if (n > first &&
		    move_pages(s[i].pid, (unsigned long)(n - first), pages + first, NULL,
			       status + first, 0) < 0)
			wl_die("move_pages (status query)");
		resolve_absent(s[i].pid, pages + first, status + first, n - first);
	}
	for (int i = 0; i < n; i++) {
		if (status[i] < 0) {
			absent++; /* not faulted in (yet), or being migrated */
			continue;
		}
		sampled++;
		if (status[i] == want[i])
			local++;
		if (status[i] < WL_MAX_NODES)
			on[status[i]]++;
	}
	printf("t=%.2f local=%.3f sampled=%d absent=%d on=", wl_now(),
	       sampled ? (double)local / sampled : 0.0, sampled, absent);
	for (int node = 0; node <= maxnode && node < WL_MAX_NODES; node++)
		printf("%s%d", node ? "," : "", on[node]);
	printf("\n");
}

void wl_report_loop(const struct wl_opts *o, const struct wl_slice *slices, int nslices,
		    int (*done)(void))
{
	size_t max = (size_t)nslices * o->samples;
	void **pages = calloc(max, sizeof(*pages));
	int *status = calloc(max, sizeof(*status));
	int *want = calloc(max, sizeof(*want));
	struct timespec next;

	if (!pages || !status || !want)
		wl_die("calloc");
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		report(o, slices, nslices, pages, status, want);
		if (wl_stop || (done && done()) || (o->duration > 0 && wl_now() >= o->duration))
			break;
		/* Absolute deadlines: the period does not drift with the cost
		 * of the query (slow under TCG). */
		next.tv_nsec += (long)(o->interval * 1e9);
		next.tv_sec += next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		if (o->duration > 0) {
			/* The last report comes at t = duration, not after. */
			struct timespec end = wl_t0;
			double d = o->duration;

			end.tv_sec += (time_t)d;
			end.tv_nsec += (long)((d - (double)(time_t)d) * 1e9);
			end.tv_sec += end.tv_nsec / 1000000000L;
			end.tv_nsec %= 1000000000L;
			if (end.tv_sec < next.tv_sec ||
			    (end.tv_sec == next.tv_sec && end.tv_nsec < next.tv_nsec))
				next = end;
		}
		while (!wl_stop &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	wl_stop = 1;
	free(pages);
	free(status);
	free(want);
	printf("# done\n");
}

struct worker {
	pthread_t thread;
	char *addr;
	size_t len;
	volatile int node;  /* read by the reporter, written by the worker */
	int idx;            /* position in wnodes */
};

static struct worker workers[WL_MAX_USERS];
static int nworkers, wnnodes;
static const int *wnodes;
static double wperiod;
static int wreads;              /* workers read (-R) instead of writing */
static volatile unsigned long wl_sink; /* what they read: kept, not optimised out */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	double next = wperiod > 0 ? wl_now() + wperiod : -1;

	wl_pin_node(w->node);
	while (!wl_stop) {
		if (wreads)
			wl_sink += wl_scan(w->addr, w->len);
		else
			wl_stream(w->addr, w->len);
		if (next > 0 && wl_now() >= next) {
			/* Pin first, then publish: a sample taken in between
			 * still judges against the node we ran on. */
			w->idx = (w->idx + 1) % wnnodes;
			wl_pin_node(wnodes[w->idx]);
			w->node = wnodes[w->idx];
			next += wperiod;
		}
	}
	return NULL;
}

void wl_slice_part(struct wl_slice *s, char *buf, size_t bytes, int k, int n)
{
	size_t pages = bytes / wl_pagesz;
	size_t first = pages * (size_t)k / (size_t)n, last = pages * (size_t)(k + 1) / (size_t)n;

	s->addr = buf + first * wl_pagesz;
	s->len = (last - first) * wl_pagesz;
}

void wl_workers_start(char *buf, size_t bytes, int n, const int *nodes, int nnodes,
		      double period, struct wl_slice *slices, int reads)
{
	wreads = reads;
	nworkers = n;
	wnodes = nodes;
	wnnodes = nnodes;
	wperiod = period;
	for (int k = 0; k < n; k++) {
		struct worker *w = &workers[k];

		wl_slice_part(&slices[k], buf, bytes, k, n);
		w->addr = slices[k].addr;
		w->len = slices[k].len;
		w->idx = k % nnodes;
		w->node = nodes[w->idx];
		slices[k].node = &w->node;
		slices[k].pid = 0;
	}
	for (int k = 0; k < n; k++) {
		errno = pthread_create(&workers[k].thread, NULL, worker_main, &workers[k]);
		if (errno)
			wl_die("pthread_create");
	}
}

void wl_workers_join(void)
{
	for (int k = 0; k < nworkers; k++)
		pthread_join(workers[k].thread, NULL);
}

/* -P: the users' state lives in a shared mapping the children write. */
struct proc_user {
	volatile int node;
	volatile int ready;
	volatile int go;     /* the report's t=0: the period counts from it */
};

static struct proc_user *pusers;
static pid_t pids[WL_MAX_USERS];
static int nprocs;

static _Noreturn void proc_main(struct proc_user *u, char *addr, size_t len, const int *nodes,
				int nnodes, int idx, double period, int touch_node)
{
	/* Counted from the report's t=0, not from the start: a child's
	 * first touch, and the others', took over a second on a busy host,
	 * and a phase that ended that much before the report's t=PERIOD was
	 * judged on the next phase's first second (daemon-phase30). */
	double next = -1;

	wl_pin_node(touch_node);
	wl_touch(addr, len);
	u->node = nodes[idx];
	wl_pin_node(nodes[idx]);
	u->ready = 1;
	while (!wl_stop) {
		wl_stream(addr, len);
		if (next < 0 && period > 0 && u->go)
			next = wl_now() + period;
		if (next > 0 && wl_now() >= next) {
			idx = (idx + 1) % nnodes;
			wl_pin_node(nodes[idx]);
			u->node = nodes[idx];
			next += period;
		}
	}
	_exit(0);
}

void wl_procs_start(char *buf, size_t bytes, int n, const int *nodes, int nnodes,
		    double period, int touch_node, struct wl_slice *slices)
{
	pusers = mmap(NULL, sizeof(*pusers) * WL_MAX_USERS, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pusers == MAP_FAILED)
		wl_die("mmap (shared user state)");
	nprocs = n;
	for (int k = 0; k < n; k++) {
		wl_slice_part(&slices[k], buf, bytes, k, n);
		slices[k].node = &pusers[k].node;
		pusers[k].node = touch_node;
		pids[k] = fork();
		if (pids[k] < 0)
			wl_die("fork");
		if (pids[k] == 0)
			proc_main(&pusers[k], slices[k].addr, slices[k].len, nodes, nnodes,
				  k % nnodes, period, touch_node);
		slices[k].pid = pids[k];
	}
	for (int k = 0; k < n; k++)
		while (!pusers[k].ready && !wl_stop)
			usleep(10000);
}

void wl_procs_go(void)
{
	for (int k = 0; k < nprocs; k++)
		pusers[k].go = 1;
}

void wl_procs_join(void)
{
	for (int k = 0; k < nprocs; k++)
		kill(pids[k], SIGTERM);
	for (int k = 0; k < nprocs; k++)
		waitpid(pids[k], NULL, 0);
}

void wl_run_misplaced(const char *name, const struct wl_opts *o, double period)
{
	struct wl_slice slices[WL_MAX_USERS];
	int nodes[WL_MAX_NODES], nnodes = wl_need_cpu_nodes(name, nodes), n;
	char extra[80];
	char *buf;

	n = o->users ? o->users : nnodes;
	buf = wl_map_anon_at(o->bytes, o->offset);
	if (o->procs) {
		/* Each process first-touches its own slice on the first node. */
		wl_procs_start(buf, o->bytes, n, nodes, nnodes, period, nodes[0], slices);
	} else {
		wl_pin_node(nodes[0]);
		wl_touch(buf, o->bytes);
	}
	/* The main thread only reports from now on: let it run anywhere. */
	numa_run_on_node(-1);
	snprintf(extra, sizeof(extra), "%s=%d home=%d", o->procs ? "procs" : "threads", n,
		 nodes[0]);
	if (period > 0)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), " period=%g", period);
	wl_announce(name, buf, o->bytes, extra);
	/* Each thread (or process) moves on PERIOD seconds after t=0 of the
	 * report, then every PERIOD seconds. */
	if (o->procs)
		wl_procs_go();
	else
		wl_workers_start(buf, o->bytes, n, nodes, nnodes, period, slices, o->reads);
	wl_report_loop(o, slices, n, NULL);
	if (o->procs)
		wl_procs_join();
	else
		wl_workers_join();
}

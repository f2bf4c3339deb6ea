/*
 * fixture-workload: build a deliberately awkward process for capturing
 * /proc and /sys fixture trees in the QEMU guests (tests/vm/capture-fixtures).
 *
 * Usage: fixture-workload READY_FILE
 *
 * Once everything below is in place it writes
 *     ready <pid> <worker tid>... <child pid>
 * to READY_FILE (atomically, via rename) and sleeps until killed.
 *
 * What it sets up, and why (each item is a trap for a parser):
 *   - comm "a) (b c\nd)": ")", "(", spaces and a newline, so a stat parser
 *     that splits at the first ")" or on whitespace gets wrong fields.
 *   - one worker thread per CPU node, pinned there, with odd names, so
 *     task/TID/stat "processor" differs per thread; each touches its slice of
 *     one shared anonymous VMA, so that VMA has N0=, N1=, ... counts.
 *   - a VMA first touched from node 0 and then read (and its tail written)
 *     from node 1.
 *   - VMAs with every mempolicy spelling: default, bind, interleave,
 *     prefer, prefer (many), local, and a static-nodes flag.
 *   - file mappings: a name with space, tab, newline and "=" (octal escapes
 *     in numa_maps), a file unlinked while mapped ("\040(deleted)"), and a
 *     MAP_SHARED written file (dirty=).
 *   - hugetlb (huge, kernelpagesize_kB=2048) and a MADV_HUGEPAGE THP region.
 *   - a MAP_SHARED|MAP_ANONYMOUS region also touched by a fork()ed child, so
 *     mapmax=2 shows up.
 *   - a small malloc() so there is a "heap" VMA.
 *
 * Build: gcc -O2 -pthread -o fixture-workload fixture-workload.c -lnuma
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef MPOL_PREFERRED_MANY
#define MPOL_PREFERRED_MANY 5 /* Linux 5.15+; older numaif.h lacks it */
#endif
#ifndef MPOL_F_STATIC_NODES
#define MPOL_F_STATIC_NODES (1 << 15)
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

#define PAGES 64         /* per policy VMA: small, the host has 2 cores */
#define SLICE_PAGES 32   /* per worker thread */
#define MAX_WORKERS 64
#define HUGE_2M (2UL << 20)

static long pagesz;

static void die(const char *what)
{
	fprintf(stderr, "fixture-workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *map_anon(size_t len, int extra)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	return p;
}

/*
 * Anonymous mapping followed by a PROT_NONE guard page: without it the kernel
 * merges neighbouring anonymous VMAs with equal flags and policy into one
 * numa_maps line, and the slices/crossed VMAs would blur together.
 */
static void *map_guarded(size_t len)
{
	char *p = map_anon(len + (size_t)pagesz, 0);

	if (!p)
		return NULL;
	if (mprotect(p + len, (size_t)pagesz, PROT_NONE) != 0)
		die("mprotect guard");
	return p;
}

/* Write one byte per page: that is what allocates it, under the VMA policy. */
static void touch(void *p, size_t len)
{
	for (size_t off = 0; off < len; off += (size_t)pagesz)
		((volatile char *)p)[off] = 1;
}

static unsigned long read_pages(const void *p, size_t len)
{
	unsigned long sum = 0;

	for (size_t off = 0; off < len; off += (size_t)pagesz)
		sum += ((const volatile char *)p)[off];
	return sum;
}

/* Map PAGES anonymous pages, apply a policy with mbind(), then touch them. */
static void policy_vma(const char *label, int mode, unsigned long mask)
{
	size_t len = PAGES * (size_t)pagesz;
	void *p = map_anon(len, 0);

	if (!p)
		die("mmap policy vma");
	/* maxnode is a bit count; +1 because the kernel historically drops
	 * the last bit (see mbind(2) notes). */
	if (mbind(p, len, mode, mode == MPOL_DEFAULT || mode == MPOL_LOCAL ?
		  NULL : &mask, sizeof(mask) * 8 + 1, 0) != 0) {
		fprintf(stderr, "fixture-workload: mbind %s: %s\n", label,
			strerror(errno));
		exit(1);
	}
	touch(p, len);
}

/* Create a file of npages pages filled with data and return an open fd. */
static int make_file(const char *path, int npages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *buf;

	if (fd < 0)
		die(path);
	buf = malloc((size_t)pagesz);
	if (!buf)
		die("malloc");
	memset(buf, 'x', (size_t)pagesz);
	for (int i = 0; i < npages; i++)
		if (write(fd, buf, (size_t)pagesz) != pagesz)
			die("write");
	free(buf);
	return fd;
}

struct worker {
	int idx;
	int node;
	pid_t tid;
	pthread_t th;
};

static struct worker workers[MAX_WORKERS];
static int nworkers;
static char *slices;      /* one VMA, SLICE_PAGES per worker */
static char *crossed;     /* touched on node 0, read from node 1 */
static pthread_barrier_t phase;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t slice = SLICE_PAGES * (size_t)pagesz;
	size_t clen = PAGES * (size_t)pagesz;
	char name[16];

	w->tid = (pid_t)syscall(SYS_gettid);
	/* Restricts this thread's CPUs to the node, so its stat shows a
	 * processor on that node. */
	if (numa_run_on_node(w->node) != 0)
		die("numa_run_on_node");
	/* Hostile thread names too: ") (" and a trailing space (15 bytes max). */
	snprintf(name, sizeof(name), "t%d) x (n%d ", w->idx, w->node);
	prctl(PR_SET_NAME, name, 0, 0, 0);

	touch(slices + (size_t)w->idx * slice, slice);
	if (w->node == 0)
		touch(crossed, clen * 3 / 4);
	pthread_barrier_wait(&phase);

	/* Phase 2: node 1 reads what node 0 wrote and first-touches the tail,
	 * so one VMA holds pages on both nodes. */
	if (w->node == 1) {
		if (read_pages(crossed, clen * 3 / 4) == 0)
			fprintf(stderr, "fixture-workload: crossed read 0\n");
		touch(crossed + clen * 3 / 4, clen / 4);
	}
	pthread_barrier_wait(&phase);

	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	struct bitmask *cpus;
	unsigned long memmask = 0, m01, many;
	int maxnode, first_mem = -1, last_mem = -1;
	size_t len;
	char *shared, *p;
	pid_t child;
	char tmpname[4096];
	FILE *f;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fixture-workload READY_FILE\n");
		return 2;
	}
	if (numa_available() < 0) {
		fprintf(stderr, "fixture-workload: no NUMA support\n");
		return 1;
	}
	pagesz = sysconf(_SC_PAGESIZE);
	maxnode = numa_max_node();
	if (maxnode >= (int)(sizeof(memmask) * 8))
		maxnode = (int)(sizeof(memmask) * 8) - 1;

	/* Memory nodes and CPU nodes: they differ on the cxl topology. */
	cpus = numa_allocate_cpumask();
	for (int n = 0; n <= maxnode; n++) {
		if (!numa_bitmask_isbitset(numa_all_nodes_ptr, n))
			continue;
		if (numa_node_size64(n, NULL) > 0) {
			memmask |= 1UL << n;
			if (first_mem < 0)
				first_mem = n;
			last_mem = n;
		}
		if (numa_node_to_cpus(n, cpus) == 0 &&
		    numa_bitmask_weight(cpus) > 0 && nworkers < MAX_WORKERS) {
			workers[nworkers].idx = nworkers;
			workers[nworkers].node = n;
			nworkers++;
		}
	}
	numa_free_cpumask(cpus);
	if (first_mem < 0 || nworkers == 0) {
		fprintf(stderr, "fixture-workload: no memory or CPU nodes\n");
		return 1;
	}

	/* Shared anonymous memory, written by parent and child: mapmax=2.
	 * Fork before anything else so that the rest of the anonymous memory
	 * is mapped by the parent only. */
	len = PAGES * (size_t)pagesz;
	shared = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap shared anon");
	touch(shared, len);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		/* Do not outlive the parent if the scenario only kills it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		prctl(PR_SET_NAME, "fx child (2)", 0, 0, 0);
		for (size_t off = 0; off < len; off += (size_t)pagesz)
			shared[off]++;
		for (;;)
			pause();
	}

	/* The hostile comm: ") (", spaces and a newline, 10 bytes. */
	prctl(PR_SET_NAME, "a) (b c\nd)", 0, 0, 0);

	/* A brk heap VMA (below the mmap threshold). */
	p = malloc(64 * 1024);
	if (!p)
		die("malloc");
	touch(p, 64 * 1024);

	/* One VMA per mempolicy spelling. */
	m01 = memmask & 3UL;
	if (m01 == 0)
		m01 = 1UL << first_mem;
	/* prefer (many) over the first and last memory nodes: "0-1" on 2n,
	 * "0,3" on 4n, "0,2" on cxl (a list, not a range). */
	many = (1UL << first_mem) | (1UL << last_mem);
	policy_vma("default", MPOL_DEFAULT, 0);
	policy_vma("bind", MPOL_BIND, m01);
	policy_vma("interleave", MPOL_INTERLEAVE, memmask);
	policy_vma("prefer", MPOL_PREFERRED,
		   (memmask & 2UL) ? 2UL : 1UL << first_mem);
	policy_vma("prefer many", MPOL_PREFERRED_MANY, many);
	policy_vma("local", MPOL_LOCAL, 0);
	policy_vma("interleave static", MPOL_INTERLEAVE | MPOL_F_STATIC_NODES,
		   memmask);

	/* File whose name has a space, a tab, a newline and "=". */
	fd = make_file("/tmp/sp ace\ttab\nnl=eq", 8);
	p = mmap(NULL, 8 * (size_t)pagesz, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap odd name");
	read_pages(p, 8 * (size_t)pagesz);
	close(fd);

	/* File unlinked while mapped: numa_maps shows "\040(deleted)". */
	fd = make_file("/tmp/gone.dat", 4);
	p = mmap(NULL, 4 * (size_t)pagesz, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap gone");
	read_pages(p, 4 * (size_t)pagesz);
	close(fd);
	unlink("/tmp/gone.dat");

	/* MAP_SHARED file mapping, written: dirty= on file pages. */
	fd = make_file("/tmp/shared.dat", 8);
	p = mmap(NULL, 8 * (size_t)pagesz, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED)
		die("mmap shared file");
	touch(p, 4 * (size_t)pagesz);
	close(fd);

	/* hugetlb: needs vm.nr_hugepages > 0 (the scenario sets it). A missing
	 * pool is reported, not fatal: the capture checks for "huge". */
	p = map_anon(2 * HUGE_2M, MAP_HUGETLB);
	if (p)
		touch(p, 2 * HUGE_2M);
	else
		fprintf(stderr, "fixture-workload: MAP_HUGETLB: %s\n",
			strerror(errno));

	/* THP: a 2 MiB-aligned 4 MiB region with MADV_HUGEPAGE. */
	p = map_anon(3 * HUGE_2M, 0);
	if (!p)
		die("mmap thp");
	p = (char *)(((uintptr_t)p + HUGE_2M - 1) & ~(HUGE_2M - 1));
	if (madvise(p, 2 * HUGE_2M, MADV_HUGEPAGE) != 0)
		fprintf(stderr, "fixture-workload: MADV_HUGEPAGE: %s\n",
			strerror(errno));
	touch(p, 2 * HUGE_2M);

	/* Worker threads, one per CPU node. */
	slices = map_guarded((size_t)nworkers * SLICE_PAGES * (size_t)pagesz);
	crossed = map_guarded(PAGES * (size_t)pagesz);
	if (!slices || !crossed)
		die("mmap slices");
	pthread_barrier_init(&phase, NULL, (unsigned)nworkers + 1);
	for (int i = 0; i < nworkers; i++)
		if (pthread_create(&workers[i].th, NULL, worker_main,
				   &workers[i]) != 0)
			die("pthread_create");
	pthread_barrier_wait(&phase);
	pthread_barrier_wait(&phase);

	/* Publish "ready" atomically: the scenario polls for the file. */
	snprintf(tmpname, sizeof(tmpname), "%s.tmp", argv[1]);
	f = fopen(tmpname, "w");
	if (!f)
		die(tmpname);
	fprintf(f, "ready %d", (int)getpid());
	for (int i = 0; i < nworkers; i++)
		fprintf(f, " %d", (int)workers[i].tid);
	fprintf(f, " %d\n", (int)child);
	if (fclose(f) != 0 || rename(tmpname, argv[1]) != 0)
		die("ready file");

	for (;;)
		pause();
}

/* vmt-access: in a test guest, the access store's write source
 * (lib/access/writes.c) on the real kernel.
 *
 * Usage:
 *   vmt-access threads MIB
 *       a child process first-touches MIB MiB per CPU node on the first
 *       node, then one thread per CPU node, pinned there, writes one byte
 *       per page of its own slice, round after round. The checker opens
 *       the page-fault rings, clears the child's soft-dirty bits, drains
 *       for 1.5 s into an access store, and checks for each slice that its
 *       regions hold at least 90 % of its pages on its thread's node and
 *       none anywhere else; then that a second window (after another
 *       clear) counts the pages again, and that with the event disabled
 *       nothing is recorded. The soft-dirty bits of the first window
 *       (lib/access/softdirty.c) must hold at least 90 % of the slices'
 *       pages and none of a region written only before the clear. Clear
 *       and scan times, records per page and lost records are printed as
 *       "measured".
 * Every line is "ok ...", "FAIL ..." or "measured ..."; exit 1 on a FAIL.
 */
#define _GNU_SOURCE
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmt-check.h"
#include "numamig/access.h"
#include "numamig/proc.h"
#include "numamig/root.h"
#include "numamig/softdirty.h"
#include "numamig/topology.h"
#include "numamig/writes.h"

#define REGION (2ul << 20)
#define MAX_NODES 16

static int cpu_nodes[MAX_NODES], n_cpu_nodes;
static size_t slice_bytes;
static char *buf;

struct slice {
	int k;
};

static void *writer(void *arg)
{
	int k = ((struct slice *)arg)->k;
	char *s = buf + (size_t)k * slice_bytes;

	numa_run_on_node(cpu_nodes[k]);
	for (unsigned char round = 0;; round++)
		for (size_t off = 0; off < slice_bytes; off += 4096)
			s[off] = (char)round;
	return NULL;
}

/* The child: first touch on the first CPU node, then a writer per node. */
static void child_main(int ready_fd)
{
	static struct slice args[MAX_NODES];
	pthread_t t;

	numa_run_on_node(cpu_nodes[0]);
	/* The slices, and after them one region no thread writes again. */
	memset(buf, 1, slice_bytes * (size_t)n_cpu_nodes + REGION);
	for (int k = 0; k < n_cpu_nodes; k++) {
		args[k].k = k;
		if (pthread_create(&t, NULL, writer, &args[k]))
			_exit(1);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

struct feed {
	pid_t pid;
	struct nm_access *store;
	unsigned long records, others;
};

static void on_rec(const struct nm_access_rec *r, void *arg)
{
	struct feed *f = arg;

	if (r->pid != f->pid) {
		f->others++;
		return;
	}
	f->records++;
	nm_access_add(f->store, r, 1);
}

static double clear_ms;

/* One window: clear, wait, drain. */
static void window(struct nm_writes *w, struct nm_proc *p, struct feed *f, double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - (long)secs) * 1e9) };
	double t0 = now();
	int r = nm_softdirty_clear(p);

	clear_ms = (now() - t0) * 1e3;
	ok(r == 0, "clear_refs of the child: %s", errname(-r));
	nanosleep(&ts, NULL);
	nm_writes_drain(w, on_rec, f);
}

/* Pages counted per node over slice K's regions. */
static void slice_counts(const struct nm_access *a, int k, float *on)
{
	memset(on, 0, sizeof(*on) * MAX_NODES);
	for (size_t off = 0; off < slice_bytes; off += REGION) {
		const struct nm_access_region *r =
			nm_access_find(a, (unsigned long)buf + (size_t)k * slice_bytes + off);

		for (int n = 0; r && n < a->o.nr_nodes && n < MAX_NODES; n++)
			on[n] += nm_access_count(a, r, n, NM_ACCESS_WRITES);
	}
}

static void check_slices(const struct nm_access *a, const char *when)
{
	float pages = (float)(slice_bytes / 4096), on[MAX_NODES];

	for (int k = 0; k < n_cpu_nodes; k++) {
		float elsewhere = 0;

		slice_counts(a, k, on);
		for (int n = 0; n < MAX_NODES; n++)
			elsewhere += n == cpu_nodes[k] ? 0 : on[n];
		ok(on[cpu_nodes[k]] >= 0.9f * pages,
		   "%s: slice %d: %.0f of %.0f pages counted on node %d (its thread's)", when, k,
		   on[cpu_nodes[k]], pages, cpu_nodes[k]);
		ok(elsewhere == 0, "%s: slice %d: %.0f pages counted on other nodes", when, k,
		   elsewhere);
	}
}

struct dirty {
	unsigned long lo, hi;   /* the range counted */
	unsigned long pages;
};

static int on_dirty(unsigned long start, unsigned long end, void *arg)
{
	struct dirty *d = arg;

	start = start > d->lo ? start : d->lo;
	end = end < d->hi ? end : d->hi;
	if (end > start)
		d->pages += (end - start) / 4096;
	return 0;
}

/* What a move does to the bits, measured, not asserted (the kernel's
 * business): the daemon does not read a window in which it moved pages
 * (lib/engine/engine-windows.c), because on x86 a dirty page that migrates
 * reads as written. Q's pages go to the second CPU node. */
static void moved_dirty(struct nm_proc *p, struct dirty *q, uint64_t *words)
{
	size_t n = (q->hi - q->lo) / 4096;
	void **pages = malloc(n * sizeof(*pages));
	int *nodes = malloc(n * sizeof(*nodes)), *status = malloc(n * sizeof(*status));
	uint64_t read = 0;
	long r;

	if (!pages || !nodes || !status)
		goto out;
	for (size_t i = 0; i < n; i++) {
		pages[i] = (void *)(q->lo + i * 4096);
		nodes[i] = cpu_nodes[1];
	}
	r = move_pages(p->pid, n, pages, nodes, status, MPOL_MF_MOVE);
	q->pages = 0;
	nm_softdirty_scan(p, q->lo, q->hi, words, on_dirty, q, &read);
	printf("measured soft-dirty after move_pages (%ld): %lu of %zu pages\n", r, q->pages, n);
out:
	free(pages);
	free(nodes);
	free(status);
}

/* The soft-dirty source on the same window: every page of the slices
 * (the threads write them round after round), and none of the region
 * after them, written only before the clear. */
static void check_softdirty(struct nm_proc *p)
{
	unsigned long slices = (unsigned long)buf + slice_bytes * (size_t)n_cpu_nodes;
	uint64_t *words = malloc(NM_SOFTDIRTY_CHUNK * sizeof(*words)), read = 0;
	struct dirty in = { (unsigned long)buf, slices, 0 }, quiet = { slices, slices + REGION, 0 };
	double t0 = now();
	int r;

	if (!words)
		return;
	r = nm_softdirty_scan(p, in.lo, in.hi, words, on_dirty, &in, &read);
	ok(r == 0, "soft-dirty scan of the slices: %s", errname(-r));
	printf("measured soft-dirty scan of %llu pages: %.1f ms\n", (unsigned long long)read,
	       (now() - t0) * 1e3);
	ok(in.pages >= (slices - in.lo) / 4096 * 9 / 10, "soft-dirty: %lu of %lu slice pages",
	   in.pages, (slices - in.lo) / 4096);
	r = nm_softdirty_scan(p, quiet.lo, quiet.hi, words, on_dirty, &quiet, &read);
	ok(r == 0 && quiet.pages == 0, "soft-dirty: %lu pages of the region written before the "
	   "clear only (%s)", quiet.pages, errname(-r));
	moved_dirty(p, &quiet, words);
	free(words);
}

static int threads(size_t mib)
{
	struct nm_root *root;
	struct nm_topology *topo;
	struct nm_writes *w;
	struct nm_writes_stats st;
	struct nm_access store;
	struct nm_access_opts o;
	struct nm_proc *p;
	struct feed f = { 0 };
	char why[256] = "", x;
	int fds[2], r;
	pid_t child;
	double t0;

	if (nm_root_open("/", &root) < 0 || nm_topo_load(root, &topo) < 0)
		return 1;
	for (int n = 0; n <= topo->max_node && n_cpu_nodes < MAX_NODES; n++)
		if (numa_bitmask_isbitset(topo->has_cpu, (unsigned)n))
			cpu_nodes[n_cpu_nodes++] = n;
	ok(n_cpu_nodes >= 2, "%d nodes with CPUs", n_cpu_nodes);
	slice_bytes = mib << 20;
	buf = mmap(NULL, slice_bytes * (size_t)n_cpu_nodes + 2 * REGION, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || pipe(fds) < 0)
		return 1;
	buf = (char *)(((unsigned long)buf + REGION - 1) & ~(REGION - 1));
	/* One fault per 4 KiB page: a THP would give one per 2 MiB. */
	madvise(buf, slice_bytes * (size_t)n_cpu_nodes + REGION, MADV_NOHUGEPAGE);
	child = fork();
	if (child == 0)
		child_main(fds[1]);
	if (read(fds[0], &x, 1) != 1)
		return 1;
	r = nm_writes_open(topo, 0, &w, why, sizeof(why));
	ok(r == 0, "page-fault rings open: %s %s", errname(-r), why);
	if (r < 0)
		return 1;
	r = nm_proc_open(root, child, &p);
	ok(r == 0, "nm_proc_open(child): %s", errname(-r));
	nm_access_default_opts(&o, topo->max_node + 1);
	nm_access_init(&store, &o, 0);
	f = (struct feed){ .pid = child, .store = &store };

	ok(nm_writes_enable(w, true) == 0, "event enabled");
	t0 = now();
	window(w, p, &f, 1.5);
	nm_writes_get_stats(w, &st);
	printf("measured clear %.1f ms, %lu records of the child (%.2f per page counted), "
	       "%lu of other processes, %llu lost, %llu repeats, %.1f s\n",
	       clear_ms, f.records,
	       store.st.counted ? (double)f.records / (double)store.st.counted : 0, f.others,
	       (unsigned long long)st.lost, (unsigned long long)store.st.repeats, now() - t0);
	ok(st.bad == 0, "no malformed records (%llu)", (unsigned long long)st.bad);
	check_slices(&store, "window 1");
	check_softdirty(p);

	/* The next window counts the pages again (half-life 2: the first
	 * window's counts weigh 0.71). */
	nm_access_end_window(&store, 1);
	window(w, p, &f, 1.5);
	{
		float pages = (float)(slice_bytes / 4096), on[MAX_NODES];

		slice_counts(&store, 0, on);
		ok(on[cpu_nodes[0]] >= 0.7f * pages + 0.9f * pages,
		   "window 2: slice 0 counted again: %.0f (decayed first window + second)",
		   on[cpu_nodes[0]]);
	}

	/* Disabled: a clear makes faults, the rings stay empty. */
	ok(nm_writes_enable(w, false) == 0, "event disabled");
	nm_writes_drain(w, on_rec, &f);
	f.records = 0;
	window(w, p, &f, 0.5);
	ok(f.records == 0, "disabled: %lu records of the child", f.records);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	nm_proc_close(p);
	nm_access_free(&store);
	nm_writes_close(w);
	nm_topo_free(topo);
	nm_root_free(root);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "threads") == 0)
		return threads(strtoul(argv[2], NULL, 10));
	fprintf(stderr, "usage: vmt-access threads MIB\n");
	return 2;
}

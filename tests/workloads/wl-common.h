/* wl-common: what every test workload shares: options, node discovery,
 * pinning, first touch, streaming, and the locality reporter.
 *
 * A workload measures its *own* locality, so a test can watch a balancer
 * (numamigd, kernel autoNUMA, numad) work from the outside without trusting
 * the balancer's own accounting. Locality is sampled, not counted: a few
 * hundred evenly spaced pages per slice, each asked with a move_pages()
 * status query (nodes == NULL moves nothing), and compared with the node the
 * slice's user runs on *now* (threads of the phase workload move). A page
 * the query cannot see but which is in memory (unmapped for a NUMA hinting
 * fault) is placed from /proc/PID/pagemap (wl-pagenode.h).
 *
 * Output contract (tests parse it; keep it stable):
 *   "# key=value ..."                     set-up facts: pid, buffer address
 *                                         and size, nodes used, once at start
 *   "t=<sec> local=<frac> sampled=<n> absent=<n> on=<N0>,<N1>,..."
 *                                         one line per interval; the first one
 *                                         means "set up and running"; t counts
 *                                         from the end of set-up (the "# wl-"
 *                                         line), and so does -d; on= is
 *                                         sampled pages per node id 0..max;
 *                                         absent= pages in no node (not
 *                                         faulted in, or being migrated),
 *                                         left out of local=
 *   "# done"                              clean end (duration or SIGTERM)
 * stdout is line-buffered so a reader sees each line as it is printed.
 */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#define WL_MAX_NODES 64
#define WL_MAX_USERS 64

/* Options every workload takes. */
struct wl_opts {
	size_t bytes;        /* -s MiB: memory the workload streams over */
	double duration;     /* -d SEC: stop after this long (0: run until SIGTERM) */
	double interval;     /* -i SEC: report period */
	int samples;         /* -n N: pages sampled per slice and report */
	int users;           /* -t N: threads/processes (0: one per CPU node) */
	double period;       /* -p SEC: phase length (phase, producer); -1 if not given */
	const char *path;    /* -f PATH: file (job) */
	const char *cgroup;  /* -g DIR: cgroup v2 directory to join (job) */
	int procs;           /* -P: users are processes, not threads */
	int reads;           /* -R: users only read their slices (threads) */
	size_t cold;         /* -c MiB: memory never touched after set-up (tier) */
	int first_node;      /* -F NODE: where set-up touches memory first (tier); -1 */
	long offset;         /* -o PAGES: the buffer starts this many pages past a
	                        2 MiB boundary (misplaced); -1: where mmap puts it */
};

extern long wl_pagesz;
/* Set by SIGTERM/SIGINT or when the duration is over. */
extern volatile sig_atomic_t wl_stop;

/* Parse the common options (and die with USAGE on error). EXTRA names the
 * program-specific letters this workload accepts out of "pfgcFoPR". */
void wl_parse(int argc, char **argv, struct wl_opts *o, const char *extra,
	      const char *usage);

/* Nodes that have CPUs, ascending. Workload threads only ever run there,
 * so "one per node" means one per CPU node (a CXL tier has no CPU). */
int wl_cpu_nodes(int *nodes, int max);
/* The same into NODES[WL_MAX_NODES]; with none, says so as PROG and exits 1. */
int wl_need_cpu_nodes(const char *prog, int *nodes);

/* Pin the calling thread (not the process) to the CPUs of NODE. */
void wl_pin_node(int node);

/* Anonymous private mapping of LEN bytes, page aligned; dies on failure. */
void *wl_map_anon(size_t len);
/* The same, starting OFFSET pages past a 2 MiB boundary (OFFSET < 0: as
 * wl_map_anon): the regions a balancer places memory by then straddle the
 * edges of the slices in the same way on every kernel, whether or not it
 * aligns big mappings. */
void *wl_map_anon_at(size_t len, long offset);

/* Write one byte per page, so every page is faulted in where the caller
 * runs (or where its memory policy says). */
void wl_touch(void *buf, size_t len);

/* Read and write every cache line of BUF once: the "streaming" access that
 * makes remote placement cost something on real hardware and makes kernel
 * autoNUMA's hinting faults see this thread as the user. */
void wl_stream(void *buf, size_t len);

/* Read every cache line of BUF once (a consumer: no stores, so pages
 * stay clean). Returns a checksum so the compiler keeps the loads. */
unsigned long wl_scan(const void *buf, size_t len);

/* Locality of a set of slices. Each slice has a user whose current node is
 * *node (updated by the user as it moves); the reporter samples pages of
 * every slice and counts the ones on their user's node. */
struct wl_slice {
	char *addr;
	size_t len;
	volatile int *node;
	pid_t pid;          /* whose address space: 0 = ours */
};

/* Part K of N of BUF (BYTES split in N page-aligned parts) into S's
 * addr and len. */
void wl_slice_part(struct wl_slice *s, char *buf, size_t bytes, int k, int n);

/* Worker threads: thread k streams slice k of BUF (BYTES split in N page
 * aligned parts; with READS it only reads it) while pinned to
 * NODES[k % NNODES]; with PERIOD > 0 every thread moves on to the next
 * node of NODES every PERIOD seconds. Fills SLICES[0..N-1] for the
 * reporter. The threads run until wl_stop. */
void wl_workers_start(char *buf, size_t bytes, int n, const int *nodes, int nnodes,
		      double period, struct wl_slice *slices, int reads);
void wl_workers_join(void);

/* The same with processes (-P): user k is a child process that first
 * touches its own slice of BUF (mapped, untouched, by the parent) while
 * pinned to TOUCH_NODE, then streams it like worker k. A balancer that
 * places memory per process can serve these; one that cannot tell threads
 * apart cannot serve the threaded form. Returns once every child has
 * touched its slice; their PERIOD counts from wl_procs_go(), which the
 * caller calls at the report's t=0 (as the workers' does). wl_procs_join()
 * stops and reaps them. */
void wl_procs_start(char *buf, size_t bytes, int n, const int *nodes, int nnodes,
		    double period, int touch_node, struct wl_slice *slices);
void wl_procs_go(void);
void wl_procs_join(void);

/* The body of wl-misplaced and wl-phase: memory first touched on the first
 * CPU node, then one user per CPU node (o->users to override; threads, or
 * processes with -P) streaming its slice from its own node, moving on to
 * the next node every PERIOD seconds (0: never). Announces itself as NAME,
 * reports until the end, then stops the users. */
void wl_run_misplaced(const char *name, const struct wl_opts *o, double period);

/* Install SIGTERM/SIGINT handlers and the start time. */
void wl_start(void);

/* Print the "# ..." set-up line: common facts plus EXTRA (may be NULL).
 * Call it when set-up is done: it restarts the clock (t=0). */
void wl_announce(const char *name, const void *buf, size_t bytes, const char *extra);

/* Report every o->interval until wl_stop, o->duration, or DONE() returns
 * nonzero (may be NULL). Returns when finished; prints "# done". */
void wl_report_loop(const struct wl_opts *o, const struct wl_slice *slices, int nslices,
		    int (*done)(void));

/* Seconds since wl_start(). */
double wl_now(void);

_Noreturn void wl_die(const char *what);

#endif

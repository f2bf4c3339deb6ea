/* access: the access store, the stage between map and plan. Who touches
 * which part of a process's memory, from the nodes of the CPUs that made
 * the accesses.
 *
 * Per tracked process, memory is cut into aligned regions (2 MiB by
 * default: a THP, and few enough regions that a process of tens of GiB
 * stays small). Each region holds decayed counts of accesses per node and
 * per source. Sources (one record format for all of them, whatever they
 * are built on):
 *
 *  - NM_ACCESS_WRITES: the first write to each page after a soft-dirty
 *    clear takes a fault, and a system-wide page-fault perf event names
 *    the thread, CPU and address (lib/access/writes.c). A page faults once
 *    per clear however many threads write it, so the store counts a page
 *    at most once per window (the time between two clears) and source:
 *    the kernel's retried faults (about two records per page) are not
 *    counted twice.
 *  - NM_ACCESS_PMU: precise memory samples with data addresses (PEBS, IBS)
 *    on machines that have them; reads and writes, each sample counts.
 *  - NM_ACCESS_DAMON: DAMON's regions of a process (lib/access/damon.c),
 *    reads and writes, from no known CPU: the caller names the node (the
 *    one its threads run on). A range of pages, each counting the share of
 *    DAMON's samples that found the range accessed (nm_access_add_range).
 *  - NM_ACCESS_SOFTDIRTY: the pages whose soft-dirty bit a clear reset and
 *    a write set again (lib/access/softdirty.c): the same writes the
 *    writes source sees, read in bulk from pagemap, with no thread and no
 *    CPU (the caller names the node). Counted like the writes source,
 *    once per page per window, and not again for a page the faults
 *    counted.
 *
 * Writers: for the writes source the store also keeps which thread wrote
 * each region in a window, and counts how often that changes from one
 * window to the next (st.compared, st.flips): one window's counts cannot
 * tell memory private to a thread from memory several threads write,
 * since a page counts once per window, for whichever thread wrote it
 * first; the flips over many regions can.
 *
 * Time is cut into windows: nm_access_end_window() closes one, multiplies
 * every count by the decay (so a count is a sum of page-accesses with
 * weight 2^(-age / half_life), age in windows) and forgets which pages
 * were seen. Memory is bounded: at most max_regions regions; when a window
 * ends with the table full, the coldest quarter (by decayed total) is
 * evicted, and until then a record for a new region is dropped and
 * counted. Cost is linear in records (one hash lookup each) plus a pass
 * over the regions per window.
 *
 * Pure: no syscalls, no clock; the engine and the sources feed it.
 */
#ifndef NUMAMIG_ACCESS_H
#define NUMAMIG_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nm_access_src {
	NM_ACCESS_WRITES,
	NM_ACCESS_PMU,
	NM_ACCESS_DAMON,
	NM_ACCESS_SOFTDIRTY,
	NM_ACCESS_NR_SRCS,
};

const char *nm_access_src_name(enum nm_access_src s);

/* One access, as every source reports it. */
struct nm_access_rec {
	pid_t pid, tid;
	unsigned long addr;
	int node;                 /* of the CPU that made it */
	enum nm_access_src src;
};

#define NM_ACCESS_DEFAULT_REGION_SHIFT 21   /* 2 MiB */
#define NM_ACCESS_DEFAULT_MAX_REGIONS 16384 /* 32 GiB of 2 MiB regions */
#define NM_ACCESS_DEFAULT_HALF_LIFE 2       /* windows */

struct nm_access_opts {
	unsigned region_shift;    /* log2 of the region size; page_shift..30 */
	unsigned page_shift;      /* log2 of the base page size */
	unsigned max_regions;
	unsigned half_life;       /* windows; 0: counts do not outlive a window */
	int nr_nodes;             /* node ids 0..nr_nodes-1 */
};

struct nm_access_region {
	unsigned long start;      /* aligned to the region size */
	uint64_t last_window;     /* the last window it was accessed in */
	uint64_t last_ns;         /* when that window closed (0: still open) */
	float total;              /* decayed, all nodes and sources */
	unsigned seen_now;        /* pages counted in the current window */
	pid_t win_tid;            /* the one thread counted this window; 0 none,
	                             -1 several */
	pid_t owner;              /* win_tid of the last window it was written in */
	/* The pages ever counted lie in [lo, hi) (page indexes in the
	 * region; lo > hi: none yet): a region may be accessed in part only
	 * (a thread's stack next to a buffer only read), and the rest must
	 * not move with it. */
	uint32_t lo, hi;
};

struct nm_access_stats {
	uint64_t records;         /* given to nm_access_add() */
	uint64_t counted;         /* counted (a new page of the window) */
	uint64_t repeats;         /* the same page again in the window */
	uint64_t dropped;         /* table full, or a node out of range */
	uint64_t evicted;         /* regions evicted */
	uint64_t windows;         /* windows closed */
	/* Who writes a region, window after window (the writes source): a
	 * region written in two windows is compared; it flipped when another
	 * thread, or several, wrote it in the second. A thread's private
	 * memory never flips; memory several threads write flips about every
	 * other window, since the first writer after a clear takes the whole
	 * page (and a thread sweeping a buffer takes whole regions). */
	uint64_t compared, flips;
};

/* Pages [lo, hi) of a region (page indexes in it; lo >= hi: none). */
struct nm_access_span {
	uint32_t lo, hi;
};

struct nm_access {
	struct nm_access_opts o;
	struct nm_access_region *regions;
	size_t n, cap;
	float *counts;            /* [cap][NM_ACCESS_NR_SRCS][nr_nodes] */
	struct nm_access_span *spans; /* [cap][nr_nodes][3]: the pages counted
	                             from each node (see nm_access_node_span),
	                             and in this and the last generation */
	uint64_t *seen;           /* [cap][words]: pages counted this window */
	size_t words;             /* bitmap words per region */
	uint32_t *index;          /* hash of start -> region + 1; 0: empty */
	size_t index_cap;         /* a power of two, > 2 n */
	uint64_t window;          /* the current window's number */
	uint64_t window_start_ns; /* as the caller gave it */
	uint64_t since_ns;        /* the counts cover [since_ns, now], decayed */
	struct nm_access_stats st;
};

/* Defaults for NR_NODES nodes and 4 KiB pages. */
void nm_access_default_opts(struct nm_access_opts *o, int nr_nodes);

/* Set up A with O (checked: -EINVAL for a region smaller than a page or
 * above 1 GiB, no nodes, or max_regions 0); NOW_NS starts the first
 * window. Allocates nothing yet. */
int nm_access_init(struct nm_access *a, const struct nm_access_opts *o, uint64_t now_ns);
void nm_access_free(struct nm_access *a);
/* Forget every region (a new address space: exec). */
void nm_access_reset(struct nm_access *a, uint64_t now_ns);

/* Count N records (their pid is the caller's business). Returns 0 or
 * -ENOMEM (the records not counted are in st.dropped). */
int nm_access_add(struct nm_access *a, const struct nm_access_rec *v, size_t n);

/* Count the pages of [START, END) as accessed from NODE by SRC, each with
 * WEIGHT (up to 1: the share of samples that saw the range accessed): a
 * source that reports ranges, not pages. For a source that sees each
 * written page once per window (NM_ACCESS_SOFTDIRTY, read again at every
 * tick) only the pages not yet counted in the window count, by it or by
 * the faults: the rest are repeats. Every region it overlaps is
 * accessed in the current window (not idle), and with WEIGHT > 0 counts
 * the pages it overlaps and spans them; WEIGHT 0 only says accessed (not
 * hot enough to place anything). Returns the regions it counted in that
 * had not been accessed in the previous window or since (a phase change),
 * or -ENOMEM; regions not made for a full table are counted in
 * st.dropped. */
int nm_access_add_range(struct nm_access *a, unsigned long start, unsigned long end, int node,
			enum nm_access_src src, float weight);

/* A range as a source reports it, with its weight (see above). */
struct nm_access_range {
	unsigned long start, end;
	float weight;
};

/* Count ranges V[N] (in address order, not overlapping) from NODE by SRC,
 * region by region: each region sums the pages of the ranges in it times
 * their weight, and counts (as nm_access_add_range over the span of those
 * pages) only if that sum is at least half the largest region's in this
 * call. A source's ranges are coarse: one that straddles the edge of a hot
 * set puts a few weighted pages in the region next to it, which must not
 * look hot for them. With TOUCH, every region only counts as accessed
 * (weight 0). A region for which HELD (if not NULL) says true is left
 * alone: neither counted nor accessed. Returns the regions newly accessed,
 * or -ENOMEM. */
int nm_access_add_ranges(struct nm_access *a, const struct nm_access_range *v, size_t n,
			 int node, enum nm_access_src src, bool touch,
			 bool (*held)(unsigned long start, void *arg), void *arg);

/* Close the current window at NOW_NS: decay, evict if full, forget the
 * pages seen. */
void nm_access_end_window(struct nm_access *a, uint64_t now_ns);

/* The region holding ADDR, or NULL. */
const struct nm_access_region *nm_access_find(const struct nm_access *a, unsigned long addr);

/* Decayed count of region R on NODE from SRC (NM_ACCESS_NR_SRCS: all
 * sources). */
float nm_access_count(const struct nm_access *a, const struct nm_access_region *r, int node,
		      enum nm_access_src src);

/* The span of the pages of region R counted from NODE ({0, 0}: none): all
 * of them, until it overlaps another node's span; then, at the end of a
 * generation of windows (two half-lives), each node's span is narrowed
 * to the pages it wrote in the last two generations, so writers whose
 * pages moved within the region are told apart again. */
struct nm_access_span nm_access_node_span(const struct nm_access *a,
					  const struct nm_access_region *r, int node);

/* How long R has gone without an access at NOW_NS, as far as the closed
 * windows tell: 0 if it was accessed in the open window; otherwise since
 * the end of the last window it was (a window does not say when in it). */
static inline uint64_t nm_access_idle_ns(const struct nm_access *a,
					 const struct nm_access_region *r, uint64_t now_ns)
{
	if (r->last_window == a->window || now_ns < r->last_ns)
		return 0;
	return now_ns - r->last_ns;
}

/* Bytes of one region. */
static inline unsigned long nm_access_region_bytes(const struct nm_access *a)
{
	return 1ul << a->o.region_shift;
}

#ifdef __cplusplus
}
#endif
#endif

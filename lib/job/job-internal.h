/* Private to lib/job/job.c (planning) and lib/job/job-exec.c (execution). */
#ifndef NUMAMIG_JOB_INTERNAL_H
#define NUMAMIG_JOB_INTERNAL_H

#include <numa.h>

#include "base/array.h"
#include "numamig/job.h"
#include "numamig/numamaps.h"
#include "numamig/vmatab.h"

struct job_proc {
	struct nm_proc *handle;      /* NULL when it could not be opened */
	size_t order;                /* index in the job (for TO[k mod n]) */
	struct nm_vmatab tab;         /* its mappings, with paths */
	struct nm_job_proc_info info;
};

struct job_pair {
	int from, to;
	unsigned stage;
};

/* Another mapping of a shared file request's piece: pages the request's
 * own process does not map are requested through it. */
struct job_alt {
	size_t proc;
	unsigned long long off0, off1;   /* file offsets it covers of the piece */
	unsigned long vaddr;             /* its address of off0 */
};

struct nm_job_plan {
	enum nm_job_mode mode;
	unsigned batch;
	int nr_nodes;
	unsigned long page_bytes;
	struct job_proc *procs;
	size_t nprocs;
	struct nm_job_request *reqs;
	size_t nreqs, cap_reqs;
	int *to;                     /* TO-only mode: the targets */
	size_t n_to;
	struct job_pair *pairs;      /* FROM/TO mode (n_pairs > 0) */
	size_t n_pairs;
	unsigned nstages;
	struct job_alt *alts;        /* grouped by request */
	size_t n_alts, cap_alts;
	size_t *alt_first;           /* [nreqs] */
	struct bitmask *has_memory;
	struct nm_job_totals totals;
	struct nm_progress *progress;  /* nm_job_set_progress(); may be NULL */
};

/* MAP[nr_nodes] for process PROC in STAGE: where a page on node n goes
 * (-1: it stays). */
/* A file mapping of the job, before deduplication (job-requests.c). */
struct fmap {
	unsigned long long dev, ino, off0, off1;
	unsigned long long resident;
	size_t proc, vma;
};

/* Classify process PI's mappings: private requests now, file mappings into
 * *FM for job_dedupe(). MAP gives each source node's target. */
int job_classify(struct nm_job_plan *plan, size_t pi, char *const *ex, size_t n_ex,
		 struct fmap **fm, size_t *n_fm, size_t *cap_fm, int *map);
/* One request per piece of the union of the job's file ranges. */
int job_dedupe(struct nm_job_plan *plan, struct fmap *fm, size_t n, int *map);
/* Sort the requests, then find the other mappings through which each
 * piece's pages are reachable. */
int job_alternates(struct nm_job_plan *plan, const struct fmap *fm, size_t n);
/* Pages of V (scaled by NUM/DEN of its length) that MAP moves, added to
 * PLANNED (if not NULL) per source node. Returns their sum. */
unsigned long long job_estimate(const struct nm_job_plan *plan, const struct job_proc *jp,
				const struct nm_map_vma *v, const int *map, unsigned long num,
				unsigned long den, unsigned long long *planned);

/* qsort/bsearch order of pid_t. */
int job_by_pid(const void *a, const void *b);
/* The pids of TOP (canonical: nm_cgroup_path_norm) and everything below
 * it, sorted (job-read.c). */
int job_cgroup_pids(const struct nm_root *root, const char *top, pid_t **out, size_t *n);
/* Read JP's maps and numa_maps through its handle (job-read.c). */
int job_read_proc(struct job_proc *jp);
/* Read JP's comm through its handle and, for a job given as CGROUP (not
 * NULL, no trailing slash), check that it is still there or below: a pid
 * from cgroup.procs may have been reused by another process before its
 * pidfd was opened. 0, -ESRCH when it is not, or -errno. */
int job_read_identity(struct job_proc *jp, const char *cgroup);

/* Is X among the N ints at V? */
static inline bool job_in_list(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Where a page on each node goes when process PROC is walked at STAGE:
 * MAP[nr_nodes], -1 for "stays" (job-requests.c). */
void job_fill_map(const struct nm_job_plan *plan, size_t proc, unsigned stage, int *map);

/* Pages per node (base pages) of P's numa_maps into PAGES[nr_nodes]
 * (hugetlb not counted). 0 or -errno. */
int job_read_placement(const struct nm_proc *p, unsigned long page_bytes, int nr_nodes,
		       unsigned long long *pages);

#endif

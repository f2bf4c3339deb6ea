/* job: manual migration of a whole job: a batch
 * scheduler moves several processes from old nodes to new ones.
 *
 * nm_job_plan() reads /proc/PID/maps and numa_maps of every process of the
 * job (through nm_proc handles) and decides, before any request is made:
 *
 *  - Where pages go. Equal-length FROM and TO lists map relatively, like
 *    migratepages(8): a page on FROM[i] goes to TO[i]; pages on other
 *    nodes stay. With TO alone, every page not already on one of the TO
 *    nodes moves, and process k of the job (in the order given, or by pid
 *    for a cgroup) goes to TO[k mod n]: a job spread over several new
 *    nodes keeps each process whole on one node. A shared file range goes
 *    to the target of the process it is requested through.
 *    A map in which a node is both a source and a target is run in stages
 *    that empty a node before filling it (1->2 before 0->1); a cycle
 *    (0->1, 1->0) is refused with EINVAL, since no order moves each page
 *    only once.
 *  - What is left alone, before any request is issued: files matching the
 *    exclusion globs (default: nm_job_default_excludes(), the policy's
 *    system library directories plus *.so and *.so.*), hugetlb mappings,
 *    and the kernel's special mappings ([vdso], [vvar], [vsyscall]). The
 *    private, written pages of an excluded file (a library's .data and
 *    relocated GOT) belong to the process and move with it.
 *  - What is requested once. A file (or shared memory object) mapped by
 *    several processes of the job is requested through one process only:
 *    its mappings, keyed by (device, inode), are cut into the pieces of
 *    the union of their file offset ranges, each piece requested through
 *    the process mapping the most of it (then the first in the job), so
 *    mappings at different, overlapping offsets cost one request per
 *    disjoint piece. Shared pages need MPOL_MF_MOVE_ALL (CAP_SYS_NICE).
 *    move_pages() reaches only pages mapped in the page tables of the
 *    process it is given, so the pages of a piece that this process does
 *    not map are then requested through the job's other mappings of the
 *    piece (pagemap tells which), still each page once; the same covers a
 *    piece whose process exited before its turn.
 *  - Private memory is requested per process: anonymous memory with
 *    MPOL_MF_MOVE_ALL (pages still shared copy-on-write between the job's
 *    processes after fork() belong to the job; a page seen again through
 *    a second process is already on its target and is not requested
 *    twice), private file mappings holding written pages with
 *    MPOL_MF_MOVE and only pages pagemap calls exclusive.
 *  - VMAs under an explicit mempolicy are moved too: this is an
 *    operator's explicit request, as with migratepages(8).
 *
 * The plan is the dry run: its numbers (pages per process and per node,
 * from numa_maps; pieces of a file VMA are estimated in proportion to
 * their length) cost no syscall that moves anything. nm_job_execute()
 * with NM_JOB_DRY_RUN walks the requests with status queries only, for
 * exact counts, and still moves nothing.
 *
 * Direct mode (NM_JOB_DIRECT) issues one migrate_pages() per process and
 * from/to pair instead (without CAP_SYS_NICE for the call, so only pages
 * mapped by that process alone move: shared libraries and shared files
 * stay). It honours no exclusion glob and deduplicates nothing, but costs
 * one call per process: numactl's migratepages, with the pid checks.
 *
 * Every syscall on a pid is bracketed by liveness checks of its handle. A
 * process that exits mid-job is reported (NM_JOB_GONE) and the others go
 * on; the file pieces it was to carry are reported as not done.
 */
#ifndef NUMAMIG_JOB_H
#define NUMAMIG_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "numamig/act.h"
#include "numamig/rangemove.h"
#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nm_job_mode {
	NM_JOB_LAZY = 0,  /* move_pages per range: exclusions, dedupe */
	NM_JOB_DIRECT,    /* migrate_pages per process */
};

struct nm_job_spec {
	/* The job: PIDS, or every process of the cgroup v2 CGROUP (as
	 * /proc/PID/cgroup spells it, "/batch/job42") and its descendants. */
	const pid_t *pids;
	size_t n_pids;
	const char *cgroup;
	/* Node lists: TO is required; FROM is empty or as long as TO. */
	const int *from;
	size_t n_from;
	const int *to;
	size_t n_to;
	/* fnmatch(3) globs over mapped file paths. NULL: the defaults;
	 * non-NULL with N_EXCLUDE 0: exclude nothing. */
	char *const *exclude;
	size_t n_exclude;
	enum nm_job_mode mode;
	unsigned batch;   /* pages per move_pages call; 0: 1024 */
};

/* The default exclusion globs. */
char *const *nm_job_default_excludes(size_t *n);

/* Why pages of a process are not requested (through it). */
enum nm_job_skip {
	NM_JOB_SKIP_EXCLUDED,  /* an excluded file (shared library) */
	NM_JOB_SKIP_DEDUP,     /* a shared file range requested through another process */
	NM_JOB_SKIP_HUGETLB,
	NM_JOB_SKIP_SPECIAL,   /* [vdso], [vvar], [vsyscall] */
	NM_JOB_NR_SKIPS
};
const char *nm_job_skip_name(enum nm_job_skip s);

enum nm_job_state {
	NM_JOB_PLANNED,   /* read, nothing done yet */
	NM_JOB_DONE,      /* every request through it was walked */
	NM_JOB_GONE,      /* exited (at planning or mid-job): nothing more done */
	NM_JOB_FAILED,    /* a major error (err) stopped its requests */
};
const char *nm_job_state_name(enum nm_job_state s);

/* One process of the job. Arrays have nm_job_nr_nodes() entries, in
 * pages of nm_job_page_bytes() (hugetlb, skipped, is not counted). */
struct nm_job_proc_info {
	pid_t pid;
	char comm[NM_COMM_MAX];          /* read through its pidfd at plan; "" if gone */
	int target;                      /* TO-only mode: its node; else -1 */
	enum nm_job_state state;
	int err;                         /* errno for GONE and FAILED */
	unsigned requests;               /* requests issued (planned) through it */
	unsigned long long *resident;    /* pages per node (numa_maps at plan) */
	unsigned long long *planned;     /* pages to move, by current node (estimate) */
	unsigned long long planned_pages;
	unsigned long long skipped[NM_JOB_NR_SKIPS];  /* pages, by reason */
	/* Filled by nm_job_execute(): */
	struct nm_walk_counts done;
	unsigned long long *moved_from;  /* moved pages by source node */
	unsigned long long *after;       /* pages per node after (numa_maps), or NULL */
};

enum nm_job_req_kind {
	NM_JOB_REQ_PRIVATE,   /* one process's own memory */
	NM_JOB_REQ_FILE,      /* a piece of a shared file, once for the job */
};

/* One request: a range walked through one process. */
struct nm_job_request {
	enum nm_job_req_kind kind;
	size_t proc;                     /* index of the process it goes through */
	unsigned stage;                  /* 0.. (nm_job_nr_stages()) */
	unsigned long start, end;        /* in that process's address space */
	bool move_all;                   /* MPOL_MF_MOVE_ALL */
	bool exclusive_only;
	/* The file (NM_JOB_REQ_FILE and private file mappings), else 0 / NULL: */
	unsigned dev_major, dev_minor;
	unsigned long long inode, offset;
	const char *path;
	unsigned long long planned_pages; /* estimate */
	/* FILE: other mappings of the piece in the job. Pages the process
	 * does not map (move_pages cannot reach them through it) are
	 * requested through these, each page once. */
	unsigned alternates;
	/* Filled by nm_job_execute(): */
	bool walked;
	unsigned alt_walks;              /* walks through alternates */
	int err;                         /* the major errno that stopped it */
	struct nm_walk_counts done;
};

struct nm_job_totals {
	unsigned procs, procs_gone, procs_failed;
	unsigned requests, file_requests, private_requests;
	unsigned stages;
	unsigned long long planned_pages;
	unsigned long long *planned_from;   /* [nr_nodes] */
	unsigned long long *planned_to;     /* [nr_nodes] */
	unsigned long long skipped[NM_JOB_NR_SKIPS];
	/* Filled by nm_job_execute(): */
	bool executed, dry_run;
	int err;                            /* job-wide abort errno */
	unsigned requests_done, requests_lost; /* lost: through a process that exited */
	unsigned alt_walks;                 /* file pages reached through an alternate */
	unsigned long long alt_pages;       /* (pages its first process did not map) */
	unsigned direct_calls;              /* migrate_pages calls (NM_JOB_DIRECT) */
	unsigned long long direct_not_moved; /* what migrate_pages said it left */
	struct nm_walk_counts done;
	unsigned long long *moved_from;     /* [nr_nodes] */
	unsigned long long *moved_to;       /* [nr_nodes] */
};

struct nm_job_plan;

/* Plan the migration of SPEC's job on ROOT. Returns 0 or -errno:
 * -EINVAL for a bad spec (no TO, FROM and TO of different lengths, a
 * source listed twice, a cyclic map, both or neither of pids and cgroup),
 * -ENODEV for a TO node without memory (or not a node), -ESRCH when no
 * process of the job could be opened, -ENOENT for a missing cgroup,
 * -ENOMEM. Processes that cannot be opened or read are kept, as GONE. */
int nm_job_plan(const struct nm_root *root, const struct nm_job_spec *spec,
		struct nm_job_plan **out);
void nm_job_plan_free(struct nm_job_plan *plan);

/* Query only: count exactly what would be requested; move nothing. */
#define NM_JOB_DRY_RUN 0x1u

/* Carry the plan out (once per plan). Returns 0 when every live process
 * was handled (see the per-process states), or the job-wide -errno that
 * stopped it: -ENODEV, -EINVAL, -ENOMEM (also a full target node). The
 * numbers gathered up to then are in the plan either way. */
int nm_job_execute(const struct nm_mig_sys *sys, struct nm_job_plan *plan, unsigned flags);
/* Report the execution's progress in PROGRESS (kept by reference until
 * nm_job_execute returns), and stop it between two calls once PROGRESS
 * is cancelled: the job then ends with ECANCELED, as when the daemon
 * stops. Call before nm_job_execute. */
void nm_job_set_progress(struct nm_job_plan *plan, struct nm_progress *progress);

/* Accessors. */
int nm_job_nr_nodes(const struct nm_job_plan *plan);
unsigned long nm_job_page_bytes(const struct nm_job_plan *plan);
size_t nm_job_nprocs(const struct nm_job_plan *plan);
const struct nm_job_proc_info *nm_job_proc(const struct nm_job_plan *plan, size_t i);
size_t nm_job_nrequests(const struct nm_job_plan *plan);
const struct nm_job_request *nm_job_request(const struct nm_job_plan *plan, size_t i);
const struct nm_job_totals *nm_job_totals(const struct nm_job_plan *plan);
unsigned nm_job_nr_stages(const struct nm_job_plan *plan);
/* Requests (all stages) whose mapped file path matches GLOB. */
unsigned nm_job_requests_for(const struct nm_job_plan *plan, const char *glob);

#ifdef __cplusplus
}
#endif
#endif

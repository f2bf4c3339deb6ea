/* numamaps: a streaming parser of /proc/PID/numa_maps, the per-VMA page
 * placement the planner works from.
 *
 * One line per VMA: "ADDR POLICY [file=PATH|heap|stack] [huge] key=value...
 * N<node>=<pages>... kernelpagesize_kB=<k>". The traps: the policy may
 * contain a space ("prefer (many)", "weighted interleave"); the path has
 * '\n', '\t', ' ' and '=' escaped as \ooo (so " (deleted)" arrives as
 * "\040(deleted)"); the kernel omits keys that equal the total, and a VMA
 * without resident pages has no counts at all.
 *
 * Reading it is not free: every read() walks the target's page tables under
 * its mmap_lock (~35 ms per GB in a TCG guest), and the file is regenerated
 * chunk by chunk, so a read racing munmap() can be torn. The reader bounds
 * line length, honours a byte and time budget, detects torn output (start
 * addresses must increase) and reports whether what it delivered is the
 * whole map. Nothing half-parsed is ever reported as complete.
 */
#ifndef NUMAMIG_NUMAMAPS_H
#define NUMAMIG_NUMAMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <numa.h>

#include "numamig/proc.h"
#include "numamig/set.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest line accepted. A path is at most PATH_MAX (4096) bytes and each
 * byte escapes to at most 4, so real lines stay far below this. */
#define NM_MAPS_LINE_MAX (20 * 1024)

enum nm_mpol {
	NM_MPOL_DEFAULT,
	NM_MPOL_PREFERRED,          /* "prefer" */
	NM_MPOL_BIND,               /* "bind" */
	NM_MPOL_INTERLEAVE,         /* "interleave" */
	NM_MPOL_LOCAL,              /* "local" */
	NM_MPOL_PREFERRED_MANY,     /* "prefer (many)", 5.15+ */
	NM_MPOL_WEIGHTED_INTERLEAVE,/* "weighted interleave", 6.9+ */
	NM_MPOL_UNKNOWN,            /* a mode this parser does not know */
};

enum nm_vma_kind {
	NM_VMA_ANON,   /* anonymous, not heap or stack */
	NM_VMA_HEAP,
	NM_VMA_STACK,
	NM_VMA_FILE,
};

struct nm_node_pages {
	int node;
	unsigned long pages;     /* in units of kernelpagesize_kb */
};

/* One VMA. Pointers point into the reader's line buffer and are valid only
 * during the callback. Counts the kernel left out because they equal the
 * total (mapped, active) are filled in with the total. */
struct nm_vma {
	unsigned long start;
	enum nm_mpol mode;
	const char *policy;       /* as printed, e.g. "bind=static:0-1" */
	const char *policy_nodes; /* the node list after ':', "" if none */
	enum nm_vma_kind kind;
	bool huge;                /* hugetlb mapping */
	bool deleted;             /* file was unlinked (" (deleted)" removed) */
	const char *file;         /* decoded path for NM_VMA_FILE, else NULL */
	size_t file_len;          /* a decoded path may contain '\n' */
	unsigned long anon, dirty, mapped, mapmax, active, swapcache, writeback;
	unsigned long kernelpagesize_kb; /* 0 when no page is resident */
	unsigned long pages;      /* sum over nodes */
	int nr_nodes;
	const struct nm_node_pages *nodes; /* [nr_nodes], ascending node ids */
};

/* Parse one line (LEN bytes without its '\n', with room for a NUL at
 * LINE[LEN]) in place. NODES must hold
 * NM_MAPS_MAX_NODES entries. Returns 0, or -EINVAL for a malformed or
 * truncated line. */
int nm_numamaps_parse_line(char *line, size_t len, struct nm_vma *vma,
		       struct nm_node_pages *nodes);

/* The policy's node list as a new bitmask, or NULL (errno set) if none. */
struct bitmask *nm_vma_policy_nodeset(const struct nm_vma *vma);

/* How much one read may cost. 0 means no limit. */
struct nm_maps_budget {
	size_t max_bytes;
	uint64_t max_ns;          /* CLOCK_MONOTONIC */
};

enum nm_maps_incomplete {
	NM_MAPS_WHOLE = 0,        /* every VMA was read and parsed */
	NM_MAPS_BUDGET,           /* stopped at the budget; resume at next_start */
	NM_MAPS_TORN,             /* addresses went backwards: mappings changed */
	NM_MAPS_BAD_LINE,         /* a line was malformed, truncated or too long */
	NM_MAPS_STOPPED,          /* the callback asked to stop */
};

struct nm_maps_result {
	enum nm_maps_incomplete status;
	unsigned long vmas;       /* VMAs delivered to the callback */
	unsigned long bad_lines;  /* malformed or truncated lines skipped */
	unsigned long long_lines; /* lines over NM_MAPS_LINE_MAX skipped */
	size_t bytes;             /* bytes read */
	uint64_t elapsed_ns;
	unsigned long next_start; /* first address not covered, after BUDGET */
};

/* Called per VMA; a nonzero return stops the read (NM_MAPS_STOPPED). */
typedef int (*nm_maps_cb)(const struct nm_vma *vma, void *arg);

/* Stream PROC's numa_maps through CB. Returns 0 with RES describing how
 * complete the read was, or -errno: -ESRCH if the process is gone (before,
 * during or right after the read: such a result is dropped, not reported).
 * EINTR is retried. BUDGET may be NULL. */
int nm_maps_read(const struct nm_proc *proc, const struct nm_maps_budget *budget,
		 nm_maps_cb cb, void *arg, struct nm_maps_result *res);

/* The same on an open fd (a fixture, a pipe); no liveness check. */
int nm_maps_read_fd(int fd, const struct nm_maps_budget *budget,
		    nm_maps_cb cb, void *arg, struct nm_maps_result *res);

/* Per-process totals per node, in KiB. Grows to the highest node seen. */
struct nm_maps_totals {
	int nr_nodes;                  /* entries in the arrays below */
	unsigned long long *kb;        /* all resident memory per node */
	unsigned long long *anon_kb;   /* in VMAs without a file */
	unsigned long long total_kb;
};

/* Add VMA to T. Returns 0 or -ENOMEM. */
int nm_maps_totals_add(struct nm_maps_totals *t, const struct nm_vma *vma);
void nm_maps_totals_clear(struct nm_maps_totals *t);

#ifdef __cplusplus
}
#endif
#endif

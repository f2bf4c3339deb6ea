/* footprint: the "map" stage. Which of a process's resident pages numamigd
 * may move, and on which nodes they sit now.
 *
 * One numa_maps pass (budgeted, see numamaps.h) plus one read of
 * /proc/PID/maps for the VMA ends. Each VMA gets a verdict: eligible, or
 * skipped with a reason the status and explain commands show (an explicit
 * mempolicy: the application chose its placement; a file mapping when
 * file_backed is off; an excluded file such as a shared library; pages
 * shared by more processes than max_mapcount; hugetlb). The planner sees
 * only the per-node totals of eligible pages; the migrator walks the
 * eligible VMAs, most misplaced first.
 */
#ifndef NUMAMIG_FOOTPRINT_H
#define NUMAMIG_FOOTPRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "numamig/classify.h"
#include "numamig/numamaps.h"
#include "numamig/proc.h"
#include "numamig/vmatab.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nm_fp_rules {
	unsigned max_mapcount;            /* 1: only exclusively mapped pages */
	bool file_backed;
	char *const *exclude_files;       /* fnmatch(3) globs */
	size_t n_exclude_files;
};

/* Classify one VMA of numa_maps with the daemon's rules: an explicit
 * mempolicy is the application's (numamig/classify.h; pure). */
enum nm_verdict nm_fp_classify(const struct nm_fp_rules *rules, const struct nm_vma *vma);

/* The eligible VMAs with resident pages are the rows of TAB (joined with
 * /proc/PID/maps for their ends; when max_mapcount lets shared pages move
 * and a row is shared, mapmax > 1, with the file and offset of every row
 * too, for nm_plan_sharer_yields). With max_mapcount 1 a row may
 * still hold shared pages (mapmax > 1): then only its anonymous pages
 * (anon=) are counted, in proportion per node, and the migrator checks
 * each page's "exclusively mapped" bit in /proc/PID/pagemap before
 * requesting it. */
struct nm_footprint {
	struct nm_vmatab tab;
	struct nm_maps_totals eligible;   /* KiB per node, eligible VMAs */
	unsigned long long skipped_kb[NM_NR_VERDICTS]; /* by verdict */
	struct nm_maps_result scan;       /* how complete the numa_maps read was */
};

/* Rebuild FP for process P. Returns 0 (see fp->scan.status for whether
 * the map is whole) or -errno (-ESRCH: the process is gone). */
int nm_fp_scan(const struct nm_proc *p, const struct nm_fp_rules *rules,
	       const struct nm_maps_budget *budget, struct nm_footprint *fp);

/* Take row I out of FP's eligible memory, skipped as WHY. */
void nm_fp_skip_row(struct nm_footprint *fp, size_t i, enum nm_verdict why);

/* Forget the contents but keep the arrays for the next scan. */
void nm_fp_clear(struct nm_footprint *fp);
/* Release everything. */
void nm_fp_free(struct nm_footprint *fp);

#ifdef __cplusplus
}
#endif
#endif

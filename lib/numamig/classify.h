/* classify: which of a process's mappings a move may touch. One set of
 * rules for every user: the daemon's footprint (an explicit mempolicy is
 * the application's placement; file mappings only with file_backed; no
 * VMA mapped more widely than max_mapcount) and the operator's job
 * migration (it moves what the operator asked for, mempolicy or not, and
 * deduplicates shared files itself). What differs between them is in the
 * rules, not in a second classifier. Pure.
 */
#ifndef NUMAMIG_CLASSIFY_H
#define NUMAMIG_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

enum nm_verdict {
	NM_VERDICT_ELIGIBLE,
	NM_VERDICT_POLICY,    /* a non-default mempolicy: the application decided */
	NM_VERDICT_FILE,      /* a file mapping, and file mappings may not move
			       * (shared anonymous memory, shm and memfd are
			       * not files) */
	NM_VERDICT_EXCLUDED,  /* a file matching an exclusion glob (its written
			       * private pages excepted, where known) */
	NM_VERDICT_SHARED,    /* mapped by more processes than max_mapcount */
	NM_VERDICT_HUGETLB,   /* hugetlb pages are left to the application */
	NM_VERDICT_SPECIAL,   /* the kernel's [vdso], [vvar], [vsyscall] */
	NM_VERDICT_SHARER,    /* file pages another tracked process maps that
			       * moves them (not a rule of this module: the
			       * engine's, nm_plan_sharer_yields) */
	NM_NR_VERDICTS
};

/* "eligible", "mempolicy", "file_backed", "excluded_file", "shared",
 * "hugetlb", "special", "sharer"; "unknown" out of range. */
const char *nm_verdict_name(enum nm_verdict v);

struct nm_vma_rules {
	bool honour_policy;             /* a non-default mempolicy keeps it put */
	bool file_backed;               /* file mappings may move */
	unsigned max_mapcount;          /* > 1: skip VMAs mapped more widely;
					 * 0 or 1: decided page by page */
	char *const *exclude_files;     /* fnmatch(3) globs, matched across '/' */
	size_t n_exclude_files;
};

/* What the rules look at, from /proc/PID/numa_maps or /proc/PID/maps. */
struct nm_vma_facts {
	const char *path;               /* file or [name]; NULL: anonymous */
	bool file;                      /* a file mapping (not shmem) */
	bool written;                   /* private and written: its own copy */
	bool policy;                    /* under a non-default mempolicy */
	bool huge;                      /* hugetlb */
	unsigned long mapmax;           /* most processes mapping one page; 0: unknown */
};

/* The verdict, checked in this order: policy, hugetlb, special, excluded,
 * file, shared. */
enum nm_verdict nm_vma_classify(const struct nm_vma_rules *r, const struct nm_vma_facts *v);

#endif

/* vmatab: the map stage's one table of a process's mappings, numa_maps
 * joined with /proc/PID/maps by start address.
 *
 * Neither file says everything: numa_maps has where the pages are (per
 * node counts, page size, anon=, mapmax=, hugetlb) but no end address,
 * permissions or file offset; /proc/PID/maps has those but no placement.
 * The daemon's footprint and the operator's Migrate both need the two
 * together, so both build this table: rows are added from numa_maps as
 * it streams (each user keeps the rows it wants), then one merge pass
 * over /proc/PID/maps fills in the rest. A mapping that is in one read and
 * not the other changed in between and is dropped; the walker checks each
 * page's placement anyway.
 */
#ifndef NUMAMIG_VMATAB_H
#define NUMAMIG_VMATAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "numamig/numamaps.h"
#include "numamig/proc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A row: where its pages are, and its extent. Kept small: the daemon
 * holds one table per tracked process. */
struct nm_map_vma {
	unsigned long start, end;       /* end from /proc/PID/maps */
	unsigned long page_kb;          /* 0: nothing resident */
	unsigned long pages;            /* resident, all nodes, in page_kb units */
	unsigned long anon, mapmax;
	uint32_t first_node, nr_nodes;  /* slice of nm_vmatab.nodes */
	bool huge;                      /* hugetlb */
	bool file;                      /* a file mapping (numa_maps file=) */
};

/* What else /proc/PID/maps says of a row, for the operator's job (dedupe
 * by file, written private pages): only with nm_vmatab_join_maps(...,
 * true). */
struct nm_map_file {
	char perms[5];
	unsigned dev_major, dev_minor;
	unsigned long long inode, offset;
	char *path;                     /* NULL: anonymous */
};

struct nm_vmatab {
	struct nm_map_vma *vmas;        /* in address order */
	size_t n_vmas, cap_vmas;
	struct nm_map_file *files;      /* [n_vmas] when joined WITH_FILES, else NULL */
	size_t cap_files;
	struct nm_node_pages *nodes;    /* per-row node counts, pooled */
	size_t n_nodes, cap_nodes;
};

/* Append a row for numa_maps' V (rows must come in address order, as the
 * file gives them). 0 or -ENOMEM. */
int nm_vmatab_add(struct nm_vmatab *t, const struct nm_vma *v);

/* Fill in each row's end from P's /proc/PID/maps (and, WITH_FILES, its
 * struct nm_map_file: permissions, device, inode, offset and the path,
 * strdup'd); rows not in it are dropped. 0 or -errno (-ESRCH: the
 * process is gone). */
int nm_vmatab_join_maps(const struct nm_proc *p, struct nm_vmatab *t, bool with_files);

/* Pages of row V on NODE. */
unsigned long nm_vmatab_pages_on(const struct nm_vmatab *t, const struct nm_map_vma *v, int node);

/* Forget the rows but keep the arrays; release everything. */
void nm_vmatab_clear(struct nm_vmatab *t);
void nm_vmatab_free(struct nm_vmatab *t);

#ifdef __cplusplus
}
#endif
#endif

/* footprint: the "map" stage. See numamig/footprint.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/footprint.h"


/* Shared anonymous memory is shmem, and numa_maps names it like a deleted
 * file: "/dev/zero (deleted)" for MAP_SHARED|MAP_ANONYMOUS, "/SYSV<key>
 * (deleted)" for SysV shm, "/memfd:<name> (deleted)". It is the
 * application's own memory (PostgreSQL's shared buffers live there), not
 * page cache, so file_backed does not govern it: max_mapcount does. */
static bool shared_anon(const struct nm_vma *v)
{
	return v->deleted && (strcmp(v->file, "/dev/zero") == 0 ||
			      strncmp(v->file, "/SYSV", 5) == 0 ||
			      strncmp(v->file, "/memfd:", 7) == 0);
}

enum nm_verdict nm_fp_classify(const struct nm_fp_rules *r, const struct nm_vma *v)
{
	struct nm_vma_rules rules = {
		.honour_policy = true, .file_backed = r->file_backed,
		.max_mapcount = r->max_mapcount, .exclude_files = r->exclude_files,
		.n_exclude_files = r->n_exclude_files,
	};
	/* numa_maps has no permissions: a file's written private pages are
	 * not told apart from the rest. */
	struct nm_vma_facts facts = {
		.path = v->file, .file = v->kind == NM_VMA_FILE && !shared_anon(v),
		.policy = v->mode != NM_MPOL_DEFAULT, .huge = v->huge, .mapmax = v->mapmax,
	};

	return nm_vma_classify(&rules, &facts);
}

struct scan_ctx {
	const struct nm_fp_rules *rules;
	struct nm_footprint *fp;
	struct nm_node_pages scratch[NM_MAPS_MAX_NODES];
	int err;
};

/* With max_mapcount 1, a VMA some of whose pages are shared still holds
 * the pages only this process maps; the migrator finds them one by one in
 * pagemap. numa_maps says only how many pages are anonymous (anon=): a page
 * of a shared file mapping that is not anonymous is in the page cache,
 * mapped by every process of the file, so count just the anonymous share
 * as eligible, spread over the nodes in proportion. (An anonymous page
 * shared copy-on-write after fork() is still counted; the migrator skips
 * it, and the planner sees that a batch moved nothing.) */
static void keep_private_share(struct nm_vma *v, struct nm_node_pages *nodes)
{
	unsigned long left = v->anon;

	for (int i = 0; i < v->nr_nodes; i++) {
		unsigned long share = (unsigned long)((unsigned long long)nodes[i].pages * v->anon /
						      v->pages);

		nodes[i].pages = i == v->nr_nodes - 1 ? left : share;
		left -= nodes[i].pages;
	}
	v->pages = v->anon;
}

static int on_vma(const struct nm_vma *v, void *arg)
{
	struct scan_ctx *c = arg;
	enum nm_verdict verdict;
	struct nm_vma mine;

	if (v->pages == 0)
		return 0;
	verdict = nm_fp_classify(c->rules, v);
	if (verdict == NM_VERDICT_ELIGIBLE && v->mapmax > c->rules->max_mapcount &&
	    v->anon < v->pages) {
		c->fp->skipped_kb[NM_VERDICT_SHARED] +=
			(unsigned long long)(v->pages - v->anon) * v->kernelpagesize_kb;
		if (v->anon == 0)
			return 0;
		mine = *v;
		memcpy(c->scratch, v->nodes, sizeof(*v->nodes) * (size_t)v->nr_nodes);
		mine.nodes = c->scratch;
		keep_private_share(&mine, c->scratch);
		v = &mine;
	}
	if (verdict != NM_VERDICT_ELIGIBLE) {
		c->fp->skipped_kb[verdict] += (unsigned long long)v->pages * v->kernelpagesize_kb;
		return 0;
	}
	c->err = nm_vmatab_add(&c->fp->tab, v);
	if (c->err == 0)
		c->err = nm_maps_totals_add(&c->fp->eligible, v);
	return c->err != 0;
}

/* Whether TAB's rows are joined with their files (a path each): only the
 * engine's sharer rule reads them, for the shared rows of a process whose
 * shared pages may move (under max_mapcount 1 a shared row's eligible
 * pages are its own private copies). */
static bool want_files(const struct nm_fp_rules *rules, const struct nm_vmatab *tab)
{
	for (size_t i = 0; rules->max_mapcount > 1 && i < tab->n_vmas; i++)
		if (tab->vmas[i].mapmax > 1)
			return true;
	return false;
}

int nm_fp_scan(const struct nm_proc *p, const struct nm_fp_rules *rules,
	       const struct nm_maps_budget *budget, struct nm_footprint *fp)
{
	struct scan_ctx *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->rules = rules;
	c->fp = fp;
	nm_fp_clear(fp);
	r = nm_maps_read(p, budget, on_vma, c, &fp->scan);
	if (r == 0 && c->err)
		r = c->err;
	free(c);
	/* A VMA that vanished between the two reads is dropped from the
	 * table; its counts stay in the totals until the next scan. */
	if (r == 0)
		r = nm_vmatab_join_maps(p, &fp->tab, want_files(rules, &fp->tab));
	return r;
}

void nm_fp_skip_row(struct nm_footprint *fp, size_t i, enum nm_verdict why)
{
	struct nm_vmatab *tab = &fp->tab;
	const struct nm_map_vma *v = &tab->vmas[i];

	for (uint32_t k = 0; k < v->nr_nodes; k++) {
		const struct nm_node_pages *np = &tab->nodes[v->first_node + k];
		unsigned long long kb = (unsigned long long)np->pages * v->page_kb;

		if (np->node >= fp->eligible.nr_nodes)
			continue;
		fp->eligible.kb[np->node] -= kb;
		if (!v->file)
			fp->eligible.anon_kb[np->node] -= kb;
		fp->eligible.total_kb -= kb;
		fp->skipped_kb[why] += kb;
	}
	if (tab->files) {
		free(tab->files[i].path);
		memmove(&tab->files[i], &tab->files[i + 1], (tab->n_vmas - i - 1) * sizeof(*tab->files));
		tab->files[tab->n_vmas - 1].path = NULL; /* moved down: not freed twice */
	}
	memmove(&tab->vmas[i], &tab->vmas[i + 1], (tab->n_vmas - i - 1) * sizeof(*tab->vmas));
	tab->n_vmas--;
}

void nm_fp_clear(struct nm_footprint *fp)
{
	nm_vmatab_clear(&fp->tab);
	nm_maps_totals_clear(&fp->eligible);
	memset(fp->skipped_kb, 0, sizeof(fp->skipped_kb));
	memset(&fp->scan, 0, sizeof(fp->scan));
}

void nm_fp_free(struct nm_footprint *fp)
{
	nm_fp_clear(fp);
	nm_vmatab_free(&fp->tab);
	memset(fp, 0, sizeof(*fp));
}

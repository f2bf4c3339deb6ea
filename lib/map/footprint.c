/* footprint: the "map" stage. See numamig/footprint.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "numamig/footprint.h"
#include "numamig/procparse.h"
#include "numamig/procfs.h"


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

static int add_vma(struct nm_footprint *fp, const struct nm_vma *v)
{
	struct nm_fp_vma *d;

	if (array_grow((void **)&fp->vmas, &fp->cap_vmas, fp->n_vmas + 1, sizeof(*fp->vmas)) ||
	    array_grow((void **)&fp->nodes, &fp->cap_nodes, fp->n_nodes + (size_t)v->nr_nodes,
		 sizeof(*fp->nodes)))
		return -ENOMEM;
	d = &fp->vmas[fp->n_vmas++];
	*d = (struct nm_fp_vma){ .start = v->start, .page_kb = v->kernelpagesize_kb,
				 .pages = v->pages, .mapmax = v->mapmax,
				 .first_node = fp->n_nodes, .nr_nodes = (size_t)v->nr_nodes };
	memcpy(fp->nodes + fp->n_nodes, v->nodes, sizeof(*v->nodes) * (size_t)v->nr_nodes);
	fp->n_nodes += (size_t)v->nr_nodes;
	return nm_maps_totals_add(&fp->eligible, v);
}

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
	c->err = add_vma(c->fp, v);
	return c->err != 0;
}

struct ends {
	struct nm_footprint *fp;
	size_t i, kept;
};

static int fill_end(const struct nm_pidmaps_line *m, void *arg)
{
	struct ends *e = arg;
	struct nm_footprint *fp = e->fp;

	while (e->i < fp->n_vmas && fp->vmas[e->i].start < m->start)
		e->i++; /* gone from maps */
	if (e->i < fp->n_vmas && fp->vmas[e->i].start == m->start) {
		fp->vmas[e->i].end = m->end;
		fp->vmas[e->kept++] = fp->vmas[e->i++];
	}
	return e->i < fp->n_vmas ? 0 : 1;
}

/* Fill in each eligible VMA's end from /proc/PID/maps. Both lists are in
 * address order, so one merge pass suffices. A VMA that vanished between
 * the two reads is dropped from the list (its counts stay in the totals
 * until the next scan; the walker re-verifies placement anyway). */
static int fill_ends(const struct nm_proc *p, struct nm_footprint *fp)
{
	struct ends e = { fp, 0, 0 };
	int r = fp->n_vmas ? nm_pidmaps_read(p, fill_end, &e) : 0;

	if (r < 0)
		return r;
	fp->n_vmas = e.kept;
	return 0;
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
	if (r == 0)
		r = fill_ends(p, fp);
	return r;
}

unsigned long nm_fp_vma_pages_on(const struct nm_footprint *fp, const struct nm_fp_vma *vma,
				 int node)
{
	for (size_t i = 0; i < vma->nr_nodes; i++)
		if (fp->nodes[vma->first_node + i].node == node)
			return fp->nodes[vma->first_node + i].pages;
	return 0;
}

void nm_fp_clear(struct nm_footprint *fp)
{
	fp->n_vmas = 0;
	fp->n_nodes = 0;
	nm_maps_totals_clear(&fp->eligible);
	memset(fp->skipped_kb, 0, sizeof(fp->skipped_kb));
	memset(&fp->scan, 0, sizeof(fp->scan));
}

void nm_fp_free(struct nm_footprint *fp)
{
	nm_fp_clear(fp);
	free(fp->vmas);
	free(fp->nodes);
	memset(fp, 0, sizeof(*fp));
}

/* job-requests: turning a job's mappings into move requests:
 * each mapping is classified (excluded library, special, private memory,
 * a file shared with other processes of the job), and the file mappings
 * of the whole job are deduplicated by (device, inode) over the union of
 * their offset ranges, so each file page is requested once. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "job-internal.h"
#include "numamig/classify.h"


static unsigned long long base_pages(const struct nm_job_plan *plan, const struct nm_map_vma *v,
				     unsigned long pages)
{
	return (unsigned long long)pages * v->page_kb * 1024 / plan->page_bytes;
}

static int add_request(struct nm_job_plan *plan, const struct nm_job_request *r)
{
	if (array_grow((void **)&plan->reqs, &plan->cap_reqs, plan->nreqs + 1, sizeof(*plan->reqs)))
		return -ENOMEM;
	plan->reqs[plan->nreqs++] = *r;
	return 0;
}

/* Pages of V (base pages, scaled by NUM/DEN of its length) that MAP moves,
 * added to PLANNED per source node. Returns their sum. */
unsigned long long job_estimate(const struct nm_job_plan *plan, const struct job_proc *jp,
				const struct nm_map_vma *v, const int *map, unsigned long num,
				unsigned long den, unsigned long long *planned)
{
	unsigned long long sum = 0;

	for (size_t i = 0; i < v->nr_nodes; i++) {
		const struct nm_node_pages *np = &jp->tab.nodes[v->first_node + i];
		unsigned long long n;

		if (np->node >= plan->nr_nodes || map[np->node] < 0 || map[np->node] == np->node)
			continue;
		n = (base_pages(plan, v, np->pages) * num + den / 2) / den;
		if (planned)
			planned[np->node] += n;
		sum += n;
	}
	return sum;
}

/* A file mapping of the job, for deduplication. */

static int by_file(const void *a, const void *b)
{
	const struct fmap *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->resident != y->resident)
		return x->resident > y->resident ? -1 : 1; /* most mapped first */
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return (x->off0 > y->off0) - (x->off0 < y->off0);
}

struct iv {
	unsigned long long a, b;
};

struct ivset {
	struct iv *v;
	size_t n, cap;
};

static int by_iv(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;

	return (x->a > y->a) - (x->a < y->a);
}

/* Add [A, B) to S, keeping it sorted and disjoint. */
static int ivset_add(struct ivset *s, unsigned long long a, unsigned long long b)
{
	size_t k = 0;

	if (array_grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
		return -ENOMEM;
	s->v[s->n++] = (struct iv){ a, b };
	qsort(s->v, s->n, sizeof(*s->v), by_iv);
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i].a <= s->v[k].b) {
			if (s->v[i].b > s->v[k].b)
				s->v[k].b = s->v[i].b;
		} else {
			s->v[++k] = s->v[i];
		}
	}
	s->n = k + 1;
	return 0;
}

/* Request the parts of F not yet in COVERED, through F's process. */
static int request_pieces(struct nm_job_plan *plan, const struct fmap *f, struct ivset *covered,
			  unsigned stage, int *map)
{
	struct job_proc *jp = &plan->procs[f->proc];
	struct nm_map_vma *v = &jp->tab.vmas[f->vma];
	const struct nm_map_file *fi = &jp->tab.files[f->vma];
	unsigned long len = v->end - v->start, cur = f->off0, got = 0;
	unsigned long long dup;
	int r;

	job_fill_map(plan, f->proc, stage, map);
	for (size_t i = 0; i <= covered->n && cur < f->off1; i++) {
		unsigned long long gap_end = i < covered->n ? covered->v[i].a : f->off1;

		if (gap_end > f->off1)
			gap_end = f->off1;
		if (gap_end > cur) {
			struct nm_job_request q = {
				.kind = NM_JOB_REQ_FILE, .proc = f->proc, .stage = stage,
				.start = v->start + (unsigned long)(cur - f->off0),
				.end = v->start + (unsigned long)(gap_end - f->off0),
				.move_all = true, .dev_major = fi->dev_major, .dev_minor = fi->dev_minor,
				.inode = fi->inode, .offset = cur, .path = fi->path,
			};

			q.planned_pages = job_estimate(plan, jp, v, map, (unsigned long)(gap_end - cur),
						   len, NULL);
			r = add_request(plan, &q);
			if (r < 0)
				return r;
			got += (unsigned long)(gap_end - cur);
		}
		if (i < covered->n && covered->v[i].b > cur)
			cur = covered->v[i].b;
	}
	if (stage == 0) {
		dup = base_pages(plan, v, v->pages) * (len - got) / len;
		jp->info.skipped[NM_JOB_SKIP_DEDUP] += dup;
	}
	return ivset_add(covered, f->off0, f->off1);
}

void job_fill_map(const struct nm_job_plan *plan, size_t proc, unsigned stage, int *map)
{
	for (int n = 0; n < plan->nr_nodes; n++)
		map[n] = -1;
	if (plan->n_to) {
		int t = plan->to[plan->procs[proc].order % plan->n_to];

		for (int n = 0; n < plan->nr_nodes; n++)
			if (!job_in_list(plan->to, plan->n_to, n))
				map[n] = t;
		return;
	}
	for (size_t i = 0; i < plan->n_pairs; i++)
		if (plan->pairs[i].stage == stage && plan->pairs[i].from < plan->nr_nodes)
			map[plan->pairs[i].from] = plan->pairs[i].to;
}

/* Classify P's VMAs: skip, request privately, or collect for dedupe. */
int job_classify(struct nm_job_plan *plan, size_t pi, char *const *ex, size_t n_ex,
		    struct fmap **fm, size_t *n_fm, size_t *cap_fm, int *map)
{
	struct job_proc *jp = &plan->procs[pi];
	/* The operator's request: mempolicy or not, file mappings too (each
	 * shared file once, below). */
	const struct nm_vma_rules rules = { .file_backed = true, .exclude_files = ex,
					    .n_exclude_files = n_ex };

	for (size_t i = 0; i < jp->tab.n_vmas; i++) {
		struct nm_map_vma *v = &jp->tab.vmas[i];
		const struct nm_map_file *fi = &jp->tab.files[i];
		bool file = fi->inode != 0, priv = fi->perms[3] == 'p';
		bool written = priv && (fi->perms[1] == 'w' || v->anon > 0);
		unsigned long long bp;

		if (!v->pages || !v->page_kb)
			continue;
		bp = base_pages(plan, v, v->pages);
		for (size_t k = 0; k < v->nr_nodes; k++) {
			const struct nm_node_pages *np = &jp->tab.nodes[v->first_node + k];

			if (!v->huge && np->node < plan->nr_nodes)
				jp->info.resident[np->node] += base_pages(plan, v, np->pages);
		}
		switch (nm_vma_classify(&rules, &(struct nm_vma_facts){
				.path = fi->path, .file = file, .written = written,
				.huge = v->huge })) {
		case NM_VERDICT_HUGETLB:
			jp->info.skipped[NM_JOB_SKIP_HUGETLB] += bp;
			continue;
		case NM_VERDICT_SPECIAL:
			jp->info.skipped[NM_JOB_SKIP_SPECIAL] += bp;
			continue;
		case NM_VERDICT_EXCLUDED:
			jp->info.skipped[NM_JOB_SKIP_EXCLUDED] += bp;
			continue;
		default:
			break;
		}
		if (file && !written) {
			if (array_grow((void **)fm, cap_fm, *n_fm + 1, sizeof(**fm)))
				return -ENOMEM;
			(*fm)[(*n_fm)++] = (struct fmap){
				.dev = ((unsigned long long)fi->dev_major << 32) | fi->dev_minor,
				.ino = fi->inode, .off0 = fi->offset,
				.off1 = fi->offset + (v->end - v->start), .resident = v->pages,
				.proc = pi, .vma = i };
			continue;
		}
		for (unsigned s = 0; s < plan->nstages; s++) {
			struct nm_job_request q = {
				.kind = NM_JOB_REQ_PRIVATE, .proc = pi, .stage = s,
				.start = v->start, .end = v->end,
				/* Anonymous memory: the job's COW-shared pages too.
				 * A written private file mapping: its own copies. */
				.move_all = !file, .exclusive_only = file,
				.dev_major = fi->dev_major, .dev_minor = fi->dev_minor,
				.inode = fi->inode, .offset = fi->offset, .path = fi->path,
			};
			int r;

			job_fill_map(plan, pi, s, map);
			q.planned_pages = job_estimate(plan, jp, v, map, 1, 1, NULL);
			r = add_request(plan, &q);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int job_dedupe(struct nm_job_plan *plan, struct fmap *fm, size_t n, int *map)
{
	struct ivset covered = { 0 };
	int r = 0;

	qsort(fm, n, sizeof(*fm), by_file);
	for (unsigned s = 0; s < plan->nstages && r == 0; s++) {
		for (size_t i = 0; i < n && r == 0; i++) {
			if (i == 0 || fm[i].dev != fm[i - 1].dev || fm[i].ino != fm[i - 1].ino)
				covered.n = 0;
			r = request_pieces(plan, &fm[i], &covered, s, map);
		}
	}
	free(covered.v);
	return r;
}

static int by_request(const void *a, const void *b)
{
	const struct nm_job_request *x = a, *y = b;

	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

/* For each file request, the job's other mappings of its piece (FM is
 * sorted by file, most mapped first). */
int job_alternates(struct nm_job_plan *plan, const struct fmap *fm, size_t n)
{
	qsort(plan->reqs, plan->nreqs, sizeof(*plan->reqs), by_request);
	plan->alt_first = calloc(plan->nreqs + 1, sizeof(*plan->alt_first));
	if (!plan->alt_first)
		return -ENOMEM;
	for (size_t i = 0; i < plan->nreqs; i++) {
		struct nm_job_request *q = &plan->reqs[i];
		unsigned long long dev = ((unsigned long long)q->dev_major << 32) | q->dev_minor;
		unsigned long long o0 = q->offset, o1 = q->offset + (q->end - q->start);

		plan->alt_first[i] = plan->n_alts;
		if (q->kind != NM_JOB_REQ_FILE)
			continue;
		for (size_t k = 0; k < n; k++) {
			const struct nm_map_vma *v = &plan->procs[fm[k].proc].tab.vmas[fm[k].vma];
			unsigned long long a = fm[k].off0 > o0 ? fm[k].off0 : o0;
			unsigned long long b = fm[k].off1 < o1 ? fm[k].off1 : o1;

			if (fm[k].dev != dev || fm[k].ino != q->inode || a >= b)
				continue;
			if (fm[k].proc == q->proc && v->start <= q->start && q->end <= v->end)
				continue; /* the request's own mapping */
			if (array_grow((void **)&plan->alts, &plan->cap_alts, plan->n_alts + 1,
				 sizeof(*plan->alts)))
				return -ENOMEM;
			plan->alts[plan->n_alts++] = (struct job_alt){
				.proc = fm[k].proc, .off0 = a, .off1 = b,
				.vaddr = v->start + (unsigned long)(a - fm[k].off0) };
			q->alternates++;
		}
	}
	plan->alt_first[plan->nreqs] = plan->n_alts;
	return 0;
}


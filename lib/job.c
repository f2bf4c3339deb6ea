/* job: planning a manual job migration (seed 003). See numamig/job.h. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job-internal.h"
#include "numamig/cgroupfs.h"
#include "numamig/procparse.h"
#include "numamig/topology.h"

#define MAPS_MAX (16u << 20)
/* A job is a batch scheduler's unit: thousands of processes at most. */
#define MAX_PROCS 65536u

/* The policy's built-in exclude_files (lib/config-policy.c), plus any
 * shared object wherever it lives (a job's own libraries, /opt, /bin). */
static char *const default_excludes[] = {
	(char *)"/usr/lib/*", (char *)"/usr/lib64/*", (char *)"/lib/*", (char *)"/lib64/*",
	(char *)"*.so", (char *)"*.so.*",
};

char *const *nm_job_default_excludes(size_t *n)
{
	*n = sizeof(default_excludes) / sizeof(default_excludes[0]);
	return default_excludes;
}

static const char *const skip_names[NM_JOB_NR_SKIPS] = {
	"excluded_file", "requested_elsewhere", "hugetlb", "special",
};
static const char *const state_names[] = { "planned", "done", "gone", "failed" };

const char *nm_job_skip_name(enum nm_job_skip s)
{
	return s < NM_JOB_NR_SKIPS ? skip_names[s] : "unknown";
}

const char *nm_job_state_name(enum nm_job_state s)
{
	return (size_t)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									 : "unknown";
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

/* ---- the spec ---- */

static bool in_list(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool has_mem(const struct bitmask *m, int node)
{
	return node >= 0 && (unsigned)node < m->size && numa_bitmask_isbitset(m, (unsigned)node);
}

/* Order FROM/TO pairs in stages: a stage only fills nodes that no later
 * pair still has to empty. -EINVAL for a cycle. */
static int plan_stages(struct nm_job_plan *plan)
{
	size_t left = plan->n_pairs;
	bool *done = calloc(plan->n_pairs ? plan->n_pairs : 1, sizeof(*done));
	unsigned stage = 0;

	if (!done)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n_pairs; i++)
		plan->pairs[i].stage = ~0u;
	while (left) {
		size_t picked = 0;

		for (size_t i = 0; i < plan->n_pairs; i++) {
			bool blocked = false;

			if (done[i])
				continue;
			for (size_t j = 0; j < plan->n_pairs && !blocked; j++)
				blocked = j != i && !done[j] && plan->pairs[j].from == plan->pairs[i].to;
			if (!blocked) {
				plan->pairs[i].stage = stage;
				picked++;
			}
		}
		if (!picked) {
			free(done);
			return -EINVAL; /* a cycle */
		}
		for (size_t i = 0; i < plan->n_pairs; i++)
			if (!done[i] && plan->pairs[i].stage == stage) {
				done[i] = true;
				left--;
			}
		stage++;
	}
	plan->nstages = stage ? stage : 1;
	free(done);
	return 0;
}

static int check_spec(const struct nm_job_spec *s, const struct nm_topology *topo,
		      struct nm_job_plan *plan)
{
	if (!s->n_to || (s->n_from && s->n_from != s->n_to) || (!s->n_pids == !s->cgroup) ||
	    (s->n_pids && !s->pids) || s->n_pids > MAX_PROCS || s->mode > NM_JOB_DIRECT)
		return -EINVAL;
	for (size_t i = 0; i < s->n_to; i++)
		if (!has_mem(topo->has_memory, s->to[i]))
			return -ENODEV;
	for (size_t i = 0; i < s->n_from; i++) {
		if (s->from[i] < 0 || s->from[i] >= NM_MAPS_MAX_NODES ||
		    in_list(s->from, i, s->from[i]))
			return -EINVAL;
	}
	if (s->n_from) {
		plan->pairs = calloc(s->n_from, sizeof(*plan->pairs));
		if (!plan->pairs)
			return -ENOMEM;
		for (size_t i = 0; i < s->n_from; i++)
			if (s->from[i] != s->to[i])
				plan->pairs[plan->n_pairs++] = (struct job_pair){ s->from[i], s->to[i], 0 };
		return plan_stages(plan);
	}
	plan->to = malloc(s->n_to * sizeof(*plan->to));
	if (!plan->to)
		return -ENOMEM;
	memcpy(plan->to, s->to, s->n_to * sizeof(*plan->to));
	plan->n_to = s->n_to;
	plan->nstages = 1;
	return 0;
}

/* ---- the processes ---- */

struct cg_walk {
	const struct nm_cgroupfs *cg;
	const char *top;
	size_t top_len;
	pid_t *pids;
	size_t n, cap;
	int err;
};

static int on_cgroup(const char *path, void *arg)
{
	struct cg_walk *w = arg;
	pid_t *v;
	int n;

	if (strcmp(w->top, "/") != 0 &&
	    (strncmp(path, w->top, w->top_len) != 0 || (path[w->top_len] && path[w->top_len] != '/')))
		return 0;
	n = nm_cgfs_procs(w->cg, path, &v);
	if (n == -ENOENT)
		return 0; /* vanished mid-walk */
	if (n < 0) {
		w->err = n;
		return 1;
	}
	if (grow((void **)&w->pids, &w->cap, w->n + (size_t)n, sizeof(*w->pids)) < 0) {
		free(v);
		w->err = -ENOMEM;
		return 1;
	}
	memcpy(w->pids + w->n, v, (size_t)n * sizeof(*v));
	w->n += (size_t)n;
	free(v);
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The cgroup's processes and its descendants', by pid. */
static int cgroup_pids(const struct nm_root *root, const char *cgroup, pid_t **out, size_t *n)
{
	struct nm_cgroupfs *cg;
	char top[4096];
	size_t len = strlen(cgroup);
	struct cg_walk w = { 0 };
	pid_t *probe;
	int r;

	if (cgroup[0] != '/' || len >= sizeof(top))
		return -EINVAL;
	memcpy(top, cgroup, len + 1);
	while (len > 1 && top[len - 1] == '/')
		top[--len] = '\0';
	r = nm_cgfs_open(root, &cg);
	if (r < 0)
		return r;
	r = nm_cgfs_procs(cg, top, &probe);
	if (r < 0) {
		nm_cgfs_free(cg);
		return r;
	}
	free(probe);
	w = (struct cg_walk){ .cg = cg, .top = top, .top_len = len };
	r = nm_cgfs_walk(cg, on_cgroup, &w);
	nm_cgfs_free(cg);
	if (r < 0 || w.err) {
		free(w.pids);
		return w.err ? w.err : r;
	}
	qsort(w.pids, w.n, sizeof(*w.pids), by_pid);
	*out = w.pids;
	*n = w.n;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct job_vma *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static int read_maps(struct job_proc *jp)
{
	char *text, *line, *save = NULL;
	int r = nm_proc_read(jp->handle, "maps", MAPS_MAX, &text, NULL);

	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct nm_maps_line m;
		struct job_vma *v;

		if (nm_maps_line_parse(line, &m) < 0)
			continue;
		r = grow((void **)&jp->vmas, &jp->cap_vmas, jp->n_vmas + 1, sizeof(*jp->vmas));
		if (r < 0)
			break;
		v = &jp->vmas[jp->n_vmas++];
		*v = (struct job_vma){ .start = m.start, .end = m.end, .dev_major = m.dev_major,
				       .dev_minor = m.dev_minor, .inode = m.inode,
				       .offset = m.offset };
		memcpy(v->perms, m.perms, sizeof(v->perms));
		if (m.path[0] && !(v->path = strdup(m.path))) {
			r = -ENOMEM;
			break;
		}
	}
	free(text);
	if (r < 0)
		return r;
	qsort(jp->vmas, jp->n_vmas, sizeof(*jp->vmas), by_start);
	return 0;
}

static struct job_vma *find_vma(struct job_proc *jp, unsigned long start)
{
	size_t lo = 0, hi = jp->n_vmas;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (jp->vmas[mid].start == start)
			return &jp->vmas[mid];
		if (jp->vmas[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int on_numa_vma(const struct nm_vma *nv, void *arg)
{
	struct job_proc *jp = arg;
	struct job_vma *v = find_vma(jp, nv->start);

	if (!v || nv->pages == 0)
		return 0; /* gone between the reads, or nothing resident */
	if (grow((void **)&jp->np, &jp->cap_np, jp->n_np + (size_t)nv->nr_nodes, sizeof(*jp->np)))
		return -ENOMEM;
	v->page_kb = nv->kernelpagesize_kb;
	v->pages = nv->pages;
	v->anon = nv->anon;
	v->huge = nv->huge;
	v->first_node = jp->n_np;
	v->nr_nodes = (size_t)nv->nr_nodes;
	memcpy(jp->np + jp->n_np, nv->nodes, sizeof(*nv->nodes) * (size_t)nv->nr_nodes);
	jp->n_np += (size_t)nv->nr_nodes;
	return 0;
}

/* maps, then numa_maps joined to it by start address. A torn numa_maps
 * read (mappings changed under it) is tried again a few times. */
static int read_proc(struct job_proc *jp)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		struct nm_maps_result res;
		int r;

		for (size_t i = 0; i < jp->n_vmas; i++)
			free(jp->vmas[i].path);
		jp->n_vmas = jp->n_np = 0;
		r = read_maps(jp);
		if (r == 0)
			r = nm_maps_read(jp->handle, NULL, on_numa_vma, jp, &res);
		if (r < 0)
			return r;
		if (res.status == NM_MAPS_STOPPED)
			return -ENOMEM;
		if (res.status == NM_MAPS_WHOLE)
			return 0;
	}
	return -EAGAIN;
}

/* ---- classification and requests ---- */

static bool excluded(char *const *globs, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], path, 0) == 0)
			return true;
	return false;
}

static bool special(const char *path)
{
	return path && path[0] == '[' && strcmp(path, "[heap]") != 0 &&
	       strncmp(path, "[stack", 6) != 0 && strncmp(path, "[anon:", 6) != 0;
}

static unsigned long long base_pages(const struct nm_job_plan *plan, const struct job_vma *v,
				     unsigned long pages)
{
	return (unsigned long long)pages * v->page_kb * 1024 / plan->page_bytes;
}

static int add_request(struct nm_job_plan *plan, const struct nm_job_request *r)
{
	if (grow((void **)&plan->reqs, &plan->cap_reqs, plan->nreqs + 1, sizeof(*plan->reqs)))
		return -ENOMEM;
	plan->reqs[plan->nreqs++] = *r;
	return 0;
}

/* Pages of V (base pages, scaled by NUM/DEN of its length) that MAP moves,
 * added to PLANNED per source node. Returns their sum. */
static unsigned long long estimate(const struct nm_job_plan *plan, const struct job_proc *jp,
				   const struct job_vma *v, const int *map, unsigned long num,
				   unsigned long den, unsigned long long *planned)
{
	unsigned long long sum = 0;

	for (size_t i = 0; i < v->nr_nodes; i++) {
		const struct nm_node_pages *np = &jp->np[v->first_node + i];
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
struct fmap {
	unsigned long long dev, ino, off0, off1;
	unsigned long long resident;
	size_t proc, vma;
};

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

	if (grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
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
	struct job_vma *v = &jp->vmas[f->vma];
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
				.move_all = true, .dev_major = v->dev_major, .dev_minor = v->dev_minor,
				.inode = v->inode, .offset = cur, .path = v->path,
			};

			q.planned_pages = estimate(plan, jp, v, map, (unsigned long)(gap_end - cur),
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

/* Classify P's VMAs: skip, request privately, or collect for dedupe. */
static int classify(struct nm_job_plan *plan, size_t pi, char *const *ex, size_t n_ex,
		    struct fmap **fm, size_t *n_fm, size_t *cap_fm, int *map)
{
	struct job_proc *jp = &plan->procs[pi];

	for (size_t i = 0; i < jp->n_vmas; i++) {
		struct job_vma *v = &jp->vmas[i];
		bool file = v->inode != 0, priv = v->perms[3] == 'p';
		bool written = priv && (v->perms[1] == 'w' || v->anon > 0);
		unsigned long long bp;

		if (!v->pages || !v->page_kb)
			continue;
		bp = base_pages(plan, v, v->pages);
		for (size_t k = 0; k < v->nr_nodes; k++) {
			const struct nm_node_pages *np = &jp->np[v->first_node + k];

			if (!v->huge && np->node < plan->nr_nodes)
				jp->info.resident[np->node] += base_pages(plan, v, np->pages);
		}
		if (v->huge) {
			jp->info.skipped[NM_JOB_SKIP_HUGETLB] += bp;
			continue;
		}
		if (special(v->path)) {
			jp->info.skipped[NM_JOB_SKIP_SPECIAL] += bp;
			continue;
		}
		if (file && !written && v->path && excluded(ex, n_ex, v->path)) {
			jp->info.skipped[NM_JOB_SKIP_EXCLUDED] += bp;
			continue;
		}
		if (file && !written) {
			if (grow((void **)fm, cap_fm, *n_fm + 1, sizeof(**fm)))
				return -ENOMEM;
			(*fm)[(*n_fm)++] = (struct fmap){
				.dev = ((unsigned long long)v->dev_major << 32) | v->dev_minor,
				.ino = v->inode, .off0 = v->offset,
				.off1 = v->offset + (v->end - v->start), .resident = v->pages,
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
				.dev_major = v->dev_major, .dev_minor = v->dev_minor,
				.inode = v->inode, .offset = v->offset, .path = v->path,
			};
			int r;

			job_fill_map(plan, pi, s, map);
			q.planned_pages = estimate(plan, jp, v, map, 1, 1, NULL);
			r = add_request(plan, &q);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int dedupe(struct nm_job_plan *plan, struct fmap *fm, size_t n, int *map)
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
static int alternates(struct nm_job_plan *plan, const struct fmap *fm, size_t n)
{
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
			const struct job_vma *v = &plan->procs[fm[k].proc].vmas[fm[k].vma];
			unsigned long long a = fm[k].off0 > o0 ? fm[k].off0 : o0;
			unsigned long long b = fm[k].off1 < o1 ? fm[k].off1 : o1;

			if (fm[k].dev != dev || fm[k].ino != q->inode || a >= b)
				continue;
			if (fm[k].proc == q->proc && v->start <= q->start && q->end <= v->end)
				continue; /* the request's own mapping */
			if (grow((void **)&plan->alts, &plan->cap_alts, plan->n_alts + 1,
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

void job_fill_map(const struct nm_job_plan *plan, size_t proc, unsigned stage, int *map)
{
	for (int n = 0; n < plan->nr_nodes; n++)
		map[n] = -1;
	if (plan->n_to) {
		int t = plan->to[plan->procs[proc].order % plan->n_to];

		for (int n = 0; n < plan->nr_nodes; n++)
			if (!in_list(plan->to, plan->n_to, n))
				map[n] = t;
		return;
	}
	for (size_t i = 0; i < plan->n_pairs; i++)
		if (plan->pairs[i].stage == stage && plan->pairs[i].from < plan->nr_nodes)
			map[plan->pairs[i].from] = plan->pairs[i].to;
}

static unsigned long long *nodes_array(const struct nm_job_plan *plan)
{
	return calloc((size_t)plan->nr_nodes, sizeof(unsigned long long));
}

/* Highest node id in sight: topology, lists, and every numa_maps count. */
static int count_nodes(const struct nm_job_plan *plan, const struct nm_topology *topo,
		       const struct nm_job_spec *s)
{
	int max = topo->max_node;

	for (size_t i = 0; i < s->n_to; i++)
		max = s->to[i] > max ? s->to[i] : max;
	for (size_t i = 0; i < s->n_from; i++)
		max = s->from[i] > max ? s->from[i] : max;
	for (size_t p = 0; p < plan->nprocs; p++)
		for (size_t i = 0; i < plan->procs[p].n_np; i++)
			if (plan->procs[p].np[i].node > max)
				max = plan->procs[p].np[i].node;
	return max + 1;
}

static int open_procs(struct nm_job_plan *plan, const struct nm_root *root, const pid_t *pids,
		      size_t n)
{
	size_t alive = 0;
	int err = 0;
	pid_t *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	bool *seen = calloc(n ? n : 1, sizeof(*seen));

	plan->procs = calloc(n ? n : 1, sizeof(*plan->procs));
	if (!plan->procs || !sorted || !seen) {
		free(sorted);
		free(seen);
		return -ENOMEM;
	}
	memcpy(sorted, pids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_pid);
	for (size_t i = 0; i < n; i++) {
		struct job_proc *jp = &plan->procs[plan->nprocs];
		pid_t *at = bsearch(&pids[i], sorted, n, sizeof(*sorted), by_pid);
		int r;

		/* Listed twice: the first mention counts. Equal pids are
		 * adjacent in SORTED; SEEN marks the run's first slot. */
		while (at > sorted && at[-1] == pids[i])
			at--;
		if (seen[at - sorted])
			continue;
		seen[at - sorted] = true;
		plan->nprocs++;
		jp->order = plan->nprocs - 1;
		jp->info.pid = pids[i];
		jp->info.target = -1;
		r = nm_proc_open(root, pids[i], &jp->handle);
		if (r == 0)
			r = read_proc(jp);
		if (r == -ENOMEM) {
			err = r;
			break;
		}
		if (r < 0) {
			jp->info.state = NM_JOB_GONE;
			jp->info.err = -r;
			nm_proc_close(jp->handle);
			jp->handle = NULL;
			continue;
		}
		alive++;
	}
	free(sorted);
	free(seen);
	return err ? err : alive ? 0 : -ESRCH;
}

static int build(struct nm_job_plan *plan, const struct nm_job_spec *spec)
{
	size_t n_ex, n_fm = 0, cap_fm = 0;
	char *const *ex = spec->exclude ? spec->exclude : nm_job_default_excludes(&n_ex);
	struct fmap *fm = NULL;
	int *map = malloc((size_t)plan->nr_nodes * sizeof(*map));
	struct nm_job_totals *t = &plan->totals;
	unsigned long long *scratch;
	int r = map ? 0 : -ENOMEM;

	if (spec->exclude)
		n_ex = spec->n_exclude;
	for (size_t p = 0; p < plan->nprocs && r == 0; p++) {
		struct job_proc *jp = &plan->procs[p];

		jp->info.resident = nodes_array(plan);
		jp->info.planned = nodes_array(plan);
		jp->info.moved_from = nodes_array(plan);
		if (!jp->info.resident || !jp->info.planned || !jp->info.moved_from)
			r = -ENOMEM;
		else if (plan->n_to)
			jp->info.target = plan->to[jp->order % plan->n_to];
		if (r == 0 && jp->handle)
			r = classify(plan, p, ex, n_ex, &fm, &n_fm, &cap_fm, map);
	}
	if (r == 0)
		r = dedupe(plan, fm, n_fm, map);
	if (r == 0) {
		qsort(plan->reqs, plan->nreqs, sizeof(*plan->reqs), by_request);
		r = alternates(plan, fm, n_fm);
	}
	free(fm);
	t->planned_from = nodes_array(plan);
	t->planned_to = nodes_array(plan);
	t->moved_from = nodes_array(plan);
	t->moved_to = nodes_array(plan);
	if (r == 0 && !(t->planned_from && t->planned_to && t->moved_from && t->moved_to))
		r = -ENOMEM;
	if (r < 0) {
		free(map);
		return r;
	}
	/* Totals: the per node estimates of each request, through the map of
	 * its process and stage (each stage empties different nodes). */
	scratch = nodes_array(plan);
	if (!scratch) {
		free(map);
		return -ENOMEM;
	}
	for (size_t i = 0; i < plan->nreqs; i++) {
		struct nm_job_request *q = &plan->reqs[i];
		struct job_proc *jp = &plan->procs[q->proc];
		const struct job_vma *v = NULL;

		for (size_t k = 0; k < jp->n_vmas && !v; k++)
			if (jp->vmas[k].start <= q->start && q->end <= jp->vmas[k].end)
				v = &jp->vmas[k];
		job_fill_map(plan, q->proc, q->stage, map);
		memset(scratch, 0, (size_t)plan->nr_nodes * sizeof(*scratch));
		if (v)
			estimate(plan, jp, v, map, q->end - q->start, v->end - v->start, scratch);
		for (int n = 0; n < plan->nr_nodes; n++) {
			jp->info.planned[n] += scratch[n];
			t->planned_from[n] += scratch[n];
			if (map[n] >= 0)
				t->planned_to[map[n]] += scratch[n];
		}
		jp->info.requests++;
		jp->info.planned_pages += q->planned_pages;
		t->requests++;
		t->file_requests += q->kind == NM_JOB_REQ_FILE;
		t->private_requests += q->kind == NM_JOB_REQ_PRIVATE;
		t->planned_pages += q->planned_pages;
	}
	free(scratch);
	for (size_t p = 0; p < plan->nprocs; p++) {
		struct job_proc *jp = &plan->procs[p];

		t->procs++;
		t->procs_gone += jp->info.state == NM_JOB_GONE;
		for (int k = 0; k < NM_JOB_NR_SKIPS; k++)
			t->skipped[k] += jp->info.skipped[k];
	}
	t->stages = plan->nstages;
	free(map);
	return 0;
}

int nm_job_plan(const struct nm_root *root, const struct nm_job_spec *spec,
		struct nm_job_plan **out)
{
	struct nm_job_plan *plan = calloc(1, sizeof(*plan));
	struct nm_topology *topo = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if (!plan)
		return -ENOMEM;
	plan->mode = spec->mode;
	plan->batch = spec->batch;
	plan->page_bytes = (unsigned long)sysconf(_SC_PAGESIZE);
	r = nm_topo_load(root, &topo);
	if (r == 0)
		r = check_spec(spec, topo, plan);
	if (r == 0 && !(plan->has_memory = numa_bitmask_alloc(topo->has_memory->size)))
		r = -ENOMEM;
	if (r == 0)
		copy_bitmask_to_bitmask(topo->has_memory, plan->has_memory);
	if (r == 0 && spec->cgroup)
		r = cgroup_pids(root, spec->cgroup, &pids, &n);
	if (r == 0)
		r = spec->cgroup ? (n ? open_procs(plan, root, pids, n) : -ESRCH)
				 : open_procs(plan, root, spec->pids, spec->n_pids);
	if (r == 0) {
		plan->nr_nodes = count_nodes(plan, topo, spec);
		r = build(plan, spec);
	}
	free(pids);
	nm_topo_free(topo);
	if (r < 0) {
		nm_job_plan_free(plan);
		return r;
	}
	*out = plan;
	return 0;
}

void nm_job_plan_free(struct nm_job_plan *plan)
{
	if (!plan)
		return;
	for (size_t p = 0; p < plan->nprocs; p++) {
		struct job_proc *jp = &plan->procs[p];

		for (size_t i = 0; i < jp->n_vmas; i++)
			free(jp->vmas[i].path);
		free(jp->vmas);
		free(jp->np);
		free(jp->info.resident);
		free(jp->info.planned);
		free(jp->info.moved_from);
		free(jp->info.after);
		nm_proc_close(jp->handle);
	}
	free(plan->procs);
	free(plan->reqs);
	free(plan->alts);
	free(plan->alt_first);
	free(plan->to);
	free(plan->pairs);
	if (plan->has_memory)
		numa_bitmask_free(plan->has_memory);
	free(plan->totals.planned_from);
	free(plan->totals.planned_to);
	free(plan->totals.moved_from);
	free(plan->totals.moved_to);
	free(plan);
}

/* ---- accessors ---- */

int nm_job_nr_nodes(const struct nm_job_plan *plan)
{
	return plan->nr_nodes;
}

unsigned long nm_job_page_bytes(const struct nm_job_plan *plan)
{
	return plan->page_bytes;
}

size_t nm_job_nprocs(const struct nm_job_plan *plan)
{
	return plan->nprocs;
}

const struct nm_job_proc_info *nm_job_proc(const struct nm_job_plan *plan, size_t i)
{
	return i < plan->nprocs ? &plan->procs[i].info : NULL;
}

size_t nm_job_nrequests(const struct nm_job_plan *plan)
{
	return plan->nreqs;
}

const struct nm_job_request *nm_job_request(const struct nm_job_plan *plan, size_t i)
{
	return i < plan->nreqs ? &plan->reqs[i] : NULL;
}

const struct nm_job_totals *nm_job_totals(const struct nm_job_plan *plan)
{
	return &plan->totals;
}

unsigned nm_job_nr_stages(const struct nm_job_plan *plan)
{
	return plan->nstages;
}

unsigned nm_job_requests_for(const struct nm_job_plan *plan, const char *glob)
{
	unsigned n = 0;

	for (size_t i = 0; i < plan->nreqs; i++)
		n += plan->reqs[i].path && fnmatch(glob, plan->reqs[i].path, 0) == 0;
	return n;
}

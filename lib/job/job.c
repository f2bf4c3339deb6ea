/* job: planning a manual job migration. See numamig/job.h. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job-internal.h"
#include "numamig/cgroupfs.h"
#include "numamig/procparse.h"
#include "numamig/topology.h"
#include "base/api.h"

/* A job is a batch scheduler's unit: thousands of processes at most. */
#define MAX_PROCS 65536u

/* The policy's built-in exclude_files (lib/config/config-policy.c), plus any
 * shared object wherever it lives (a job's own libraries, /opt, /bin). */
static char *const default_excludes[] = {
	(char *)"/usr/lib/*", (char *)"/usr/lib64/*", (char *)"/lib/*", (char *)"/lib64/*",
	(char *)"*.so", (char *)"*.so.*",
};

NM_API char *const *nm_job_default_excludes(size_t *n)
{
	*n = sizeof(default_excludes) / sizeof(default_excludes[0]);
	return default_excludes;
}

static const char *const skip_names[NM_JOB_NR_SKIPS] = {
	"excluded_file", "requested_elsewhere", "hugetlb", "special",
};
static const char *const state_names[] = { "planned", "done", "gone", "failed" };

NM_API const char *nm_job_skip_name(enum nm_job_skip s)
{
	return s < NM_JOB_NR_SKIPS ? skip_names[s] : "unknown";
}

NM_API const char *nm_job_state_name(enum nm_job_state s)
{
	return (size_t)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									 : "unknown";
}

/* ---- the spec ---- */

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
		    job_in_list(s->from, i, s->from[i]))
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
		for (size_t i = 0; i < plan->procs[p].tab.n_nodes; i++)
			if (plan->procs[p].tab.nodes[i].node > max)
				max = plan->procs[p].tab.nodes[i].node;
	return max + 1;
}

static int open_procs(struct nm_job_plan *plan, const struct nm_root *root, const pid_t *pids,
		      size_t n, const char *cgroup)
{
	size_t alive = 0;
	int err = 0, refused = 0;
	pid_t *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	bool *seen = calloc(n ? n : 1, sizeof(*seen));

	plan->procs = calloc(n ? n : 1, sizeof(*plan->procs));
	if (!plan->procs || !sorted || !seen) {
		free(sorted);
		free(seen);
		return -ENOMEM;
	}
	memcpy(sorted, pids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), job_by_pid);
	for (size_t i = 0; i < n; i++) {
		struct job_proc *jp = &plan->procs[plan->nprocs];
		pid_t *at = bsearch(&pids[i], sorted, n, sizeof(*sorted), job_by_pid);
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
			r = job_read_identity(jp, cgroup);
		if (r == 0)
			r = job_read_proc(jp);
		if (r == -ENOMEM) {
			err = r;
			break;
		}
		if (r < 0) {
			/* Gone is gone; a refusal (EACCES reading pid 1's maps
			 * under a hardened unit) is a failure, and says so. */
			jp->info.state = r == -ESRCH ? NM_JOB_GONE : NM_JOB_FAILED;
			jp->info.err = -r;
			if (r != -ESRCH && !refused)
				refused = r;
			nm_proc_close(jp->handle);
			jp->handle = NULL;
			continue;
		}
		alive++;
	}
	free(sorted);
	free(seen);
	return err ? err : alive ? 0 : refused ? refused : -ESRCH;
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
			r = job_classify(plan, p, ex, n_ex, &fm, &n_fm, &cap_fm, map);
	}
	if (r == 0)
		r = job_dedupe(plan, fm, n_fm, map);
	if (r == 0)
		r = job_alternates(plan, fm, n_fm);
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
		const struct nm_map_vma *v = NULL;

		for (size_t k = 0; k < jp->tab.n_vmas && !v; k++)
			if (jp->tab.vmas[k].start <= q->start && q->end <= jp->tab.vmas[k].end)
				v = &jp->tab.vmas[k];
		job_fill_map(plan, q->proc, q->stage, map);
		memset(scratch, 0, (size_t)plan->nr_nodes * sizeof(*scratch));
		if (v)
			job_estimate(plan, jp, v, map, q->end - q->start, v->end - v->start, scratch);
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

NM_API int nm_job_plan(const struct nm_root *root, const struct nm_job_spec *spec,
		       struct nm_job_plan **out)
{
	struct nm_job_plan *plan = calloc(1, sizeof(*plan));
	struct nm_topology *topo = NULL;
	pid_t *pids = NULL;
	char top[PATH_MAX];
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
	if (r == 0 && spec->cgroup && (r = nm_cgroup_path_norm(spec->cgroup, top, sizeof(top))) == 0)
		r = job_cgroup_pids(root, top, &pids, &n);
	if (r == 0)
		r = spec->cgroup ? (n ? open_procs(plan, root, pids, n, top) : -ESRCH)
				 : open_procs(plan, root, spec->pids, spec->n_pids, NULL);
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

NM_API void nm_job_plan_free(struct nm_job_plan *plan)
{
	if (!plan)
		return;
	for (size_t p = 0; p < plan->nprocs; p++) {
		struct job_proc *jp = &plan->procs[p];

		nm_vmatab_free(&jp->tab);
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

NM_API int nm_job_nr_nodes(const struct nm_job_plan *plan)
{
	return plan->nr_nodes;
}

NM_API unsigned long nm_job_page_bytes(const struct nm_job_plan *plan)
{
	return plan->page_bytes;
}

NM_API size_t nm_job_nprocs(const struct nm_job_plan *plan)
{
	return plan->nprocs;
}

NM_API const struct nm_job_proc_info *nm_job_proc(const struct nm_job_plan *plan, size_t i)
{
	return i < plan->nprocs ? &plan->procs[i].info : NULL;
}

NM_API size_t nm_job_nrequests(const struct nm_job_plan *plan)
{
	return plan->nreqs;
}

NM_API const struct nm_job_request *nm_job_request(const struct nm_job_plan *plan, size_t i)
{
	return i < plan->nreqs ? &plan->reqs[i] : NULL;
}

NM_API const struct nm_job_totals *nm_job_totals(const struct nm_job_plan *plan)
{
	return &plan->totals;
}

NM_API unsigned nm_job_nr_stages(const struct nm_job_plan *plan)
{
	return plan->nstages;
}

NM_API unsigned nm_job_requests_for(const struct nm_job_plan *plan, const char *glob)
{
	unsigned n = 0;

	for (size_t i = 0; i < plan->nreqs; i++)
		n += plan->reqs[i].path && fnmatch(glob, plan->reqs[i].path, 0) == 0;
	return n;
}

/* job-read: reading a job's processes for planning: the pids
 * of a cgroup, and each process's /proc/PID/maps (for device, inode and
 * file offset, which dedupe needs) joined with its numa_maps (for where
 * the pages are). See numamig/job.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "job-internal.h"
#include "numamig/cgroupfs.h"
#include "numamig/procparse.h"
#include "numamig/procfs.h"



struct cg_walk {
	const struct nm_cgroupfs *cg;
	const char *top;
	pid_t *pids;
	size_t n, cap;
	int err;
};

/* PATH is TOP (no trailing slash) or below it. */
static bool under(const char *path, const char *top)
{
	size_t n = strlen(top);

	return strcmp(top, "/") == 0 ||
	       (strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

static int on_cgroup(const char *path, void *arg)
{
	struct cg_walk *w = arg;
	pid_t *v;
	int n;

	/* Outside TOP: look only on the way down to it. */
	if (!under(path, w->top))
		return under(w->top, path) ? 0 : NM_CGFS_PRUNE;
	n = nm_cgfs_procs(w->cg, path, &v);
	if (n == -ENOENT)
		return 0; /* vanished mid-walk */
	if (n < 0) {
		w->err = n;
		return -1;
	}
	if (array_grow((void **)&w->pids, &w->cap, w->n + (size_t)n, sizeof(*w->pids)) < 0) {
		free(v);
		w->err = -ENOMEM;
		return -1;
	}
	memcpy(w->pids + w->n, v, (size_t)n * sizeof(*v));
	w->n += (size_t)n;
	free(v);
	return 0;
}

int job_by_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The cgroup's processes and its descendants', by pid. */
int job_cgroup_pids(const struct nm_root *root, const char *top, pid_t **out, size_t *n)
{
	struct nm_cgroupfs *cg;
	struct cg_walk w = { 0 };
	pid_t *probe;
	int r;

	r = nm_cgfs_open(root, &cg);
	if (r < 0)
		return r;
	r = nm_cgfs_procs(cg, top, &probe);
	if (r < 0) {
		nm_cgfs_free(cg);
		return r;
	}
	free(probe);
	w = (struct cg_walk){ .cg = cg, .top = top };
	r = nm_cgfs_walk(cg, on_cgroup, &w);
	nm_cgfs_free(cg);
	if (r < 0 || w.err) {
		free(w.pids);
		return w.err ? w.err : r;
	}
	qsort(w.pids, w.n, sizeof(*w.pids), job_by_pid);
	*out = w.pids;
	*n = w.n;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct job_vma *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static int add_vma(const struct nm_pidmaps_line *m, void *arg)
{
	struct job_proc *jp = arg;
	struct job_vma *v;

	if (array_grow((void **)&jp->vmas, &jp->cap_vmas, jp->n_vmas + 1, sizeof(*jp->vmas)))
		return -ENOMEM;
	v = &jp->vmas[jp->n_vmas++];
	*v = (struct job_vma){ .start = m->start, .end = m->end, .dev_major = m->dev_major,
			       .dev_minor = m->dev_minor, .inode = m->inode, .offset = m->offset };
	memcpy(v->perms, m->perms, sizeof(v->perms));
	return m->path[0] && !(v->path = strdup(m->path)) ? -ENOMEM : 0;
}

static int read_maps(struct job_proc *jp)
{
	int r = nm_pidmaps_read(jp->handle, add_vma, jp);

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
	if (array_grow((void **)&jp->np, &jp->cap_np, jp->n_np + (size_t)nv->nr_nodes, sizeof(*jp->np)))
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
int job_read_identity(struct job_proc *jp, const char *cgroup)
{
	struct nm_cgroup_path cg = { 0 };
	struct nm_stat st;
	size_t len;
	char *text;
	int r = nm_proc_read(jp->handle, "stat", 4096, &text, &len);

	if (r < 0)
		return r;
	r = nm_stat_parse(text, len, &st);
	free(text);
	if (r < 0)
		return r;
	memcpy(jp->info.comm, st.comm, sizeof(jp->info.comm));
	if (!cgroup)
		return 0;
	r = nm_proc_read(jp->handle, "cgroup", 64 * 1024, &text, &len);
	if (r < 0)
		return r;
	r = nm_cgroup_path_parse(text, len, &cg);
	free(text);
	if (r == 0 && (!cg.unified || !under(cg.unified, cgroup)))
		r = -ESRCH; /* not the process cgroup.procs listed */
	nm_cgroup_path_clear(&cg);
	return r;
}

int job_read_proc(struct job_proc *jp)
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


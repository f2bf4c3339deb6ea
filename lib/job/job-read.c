/* job-read: reading a job's processes for planning: the pids
 * of a cgroup, and each process's mappings: numa_maps (where the pages
 * are) joined with /proc/PID/maps (device, inode and file offset, which
 * dedupe needs) in one numamig/vmatab.h table. See numamig/job.h. */
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

static int on_numa_vma(const struct nm_vma *nv, void *arg)
{
	return nm_vmatab_add(arg, nv);
}

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

/* numa_maps, joined with maps. A torn numa_maps read (mappings changed
 * under it) is tried again a few times. */
int job_read_proc(struct job_proc *jp)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		struct nm_maps_result res;
		int r;

		nm_vmatab_clear(&jp->tab);
		r = nm_maps_read(jp->handle, NULL, on_numa_vma, &jp->tab, &res);
		if (r < 0)
			return r;
		if (res.status == NM_MAPS_STOPPED)
			return -ENOMEM;
		if (res.status == NM_MAPS_WHOLE)
			return nm_vmatab_join_maps(jp->handle, &jp->tab, true);
	}
	return -EAGAIN;
}


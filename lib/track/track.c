/* track: the tracking set. See numamig/track.h. */
#include "config.h"

#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "numamig/config.h"
#include "numamig/track.h"
#include "numamig/procfs.h"
#include "numamig/procparse.h"

#define STAT_MAX 4096

struct refresh {
	struct nm_tracker *t;
	const struct nm_root *root;
	const struct nm_cgroupfs *cg;
	const struct nm_config *config;
	uint64_t now_ms;
	size_t walked;
	uint64_t proc_ns, proc_cpu_ns; /* of the walk, spent on the processes
				 * found (wall and CPU time) */
	int err;
};

static size_t lower_bound(const struct nm_tracker *t, pid_t pid)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->v[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct nm_ident *nm_track_find(const struct nm_tracker *t, pid_t pid)
{
	size_t i = lower_bound(t, pid);

	return i < t->n && t->v[i]->pid == pid ? t->v[i] : NULL;
}

static int insert(struct nm_tracker *t, struct nm_ident *task)
{
	size_t i = lower_bound(t, task->pid);

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct nm_ident **v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	memmove(t->v + i + 1, t->v + i, (t->n - i) * sizeof(*t->v));
	t->v[i] = task;
	t->n++;
	t->added++;
	return 0;
}

static void task_free(const struct nm_tracker *t, struct nm_ident *task)
{
	nm_proc_close(task->proc);
	if (task->mems_allowed)
		numa_bitmask_free(task->mems_allowed);
	free(task->cgroup);
	t->ops->destroy(task, t->ops->arg);
}

/* Read comm and RSS; NULL policy when the process does not qualify. */
static const struct nm_policy *qualify(const struct refresh *r, const struct nm_proc *p,
				       const char *cgroup, struct nm_stat *st)
{
	const struct nm_policy *pol;
	char *text;
	size_t len;
	int e = nm_proc_read(p, "stat", STAT_MAX, &text, &len);

	if (e < 0)
		return NULL;
	e = nm_stat_parse(text, len, st);
	free(text);
	if (e < 0 || st->rss <= 0) /* kernel threads and zombies have no RSS */
		return NULL;
	pol = nm_config_match(r->config, cgroup, st->comm);
	if (!pol || pol->mode == NM_MODE_OFF)
		return NULL;
	if ((uint64_t)st->rss * (uint64_t)sysconf(_SC_PAGESIZE) < pol->min_rss_bytes)
		return NULL;
	return pol;
}

/* The nodes its cpuset allows: the kernel keeps each task's mems_allowed
 * equal to its cpuset's effective mems (cpuset.mems.effective on v2, the
 * v1 cpuset's effective_mems on a hybrid system), so one status read
 * serves both layouts. */
static void read_mems(struct nm_ident *task)
{
	struct nm_status st;
	char *text;
	size_t len;

	if (nm_proc_read(task->proc, "status", 64 * 1024, &text, &len) < 0)
		return;
	if (nm_status_parse(text, len, &st) == 0) {
		if (task->mems_allowed)
			numa_bitmask_free(task->mems_allowed);
		task->mems_allowed = st.mems_allowed;
		st.mems_allowed = NULL;
		nm_status_clear(&st);
	}
	free(text);
}

static void adopt(struct refresh *r, pid_t pid, const char *cgroup)
{
	const struct nm_track_ops *ops = r->t->ops;
	struct nm_ident *task;
	struct nm_proc *p;
	struct nm_stat st;
	const struct nm_policy *pol;

	if (nm_proc_open(r->root, pid, &p) < 0)
		return; /* gone already */
	pol = qualify(r, p, cgroup, &st);
	task = pol ? ops->create(ops->arg) : NULL;
	if (task)
		task->cgroup = strdup(cgroup);
	if (!task || !task->cgroup) {
		if (task)
			ops->destroy(task, ops->arg);
		nm_proc_close(p);
		if (pol)
			r->err = -ENOMEM;
		return;
	}
	task->proc = p;
	task->pid = pid;
	task->policy = pol;
	memcpy(task->comm, st.comm, sizeof(task->comm));
	task->rss_bytes = (uint64_t)st.rss * (uint64_t)sysconf(_SC_PAGESIZE);
	task->tracked_since_ms = r->now_ms;
	task->seen = true;
	read_mems(task);
	ops->adopted(task, ops->arg);
	if (insert(r->t, task) < 0) {
		task_free(r->t, task);
		r->err = -ENOMEM;
	}
}

/* A known process: re-resolve its policy, it may have changed with a
 * reload, a new comm (exec) or a new cgroup. */
static void revisit(struct refresh *r, struct nm_ident *task, const char *cgroup)
{
	struct nm_stat st;
	const struct nm_policy *pol = qualify(r, task->proc, cgroup, &st);

	if (!pol || !nm_proc_alive(task->proc))
		return; /* not marked seen: dropped below */
	if (strcmp(task->cgroup, cgroup) != 0) {
		char *c = strdup(cgroup);

		if (!c)
			return;
		free(task->cgroup);
		task->cgroup = c;
	}
	task->policy = pol;
	memcpy(task->comm, st.comm, sizeof(task->comm));
	task->rss_bytes = (uint64_t)st.rss * (uint64_t)sysconf(_SC_PAGESIZE);
	task->seen = true;
	task->doomed = false;
	read_mems(task);
}

struct scope_entry {
	enum nm_config_scope scope;
	char path[];
};

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct scope_entry *)a)->path, ((const struct scope_entry *)b)->path);
}

void nm_track_forget_scopes(struct nm_tracker *t)
{
	tdestroy(t->scopes, free);
	t->scopes = NULL;
	t->n_scopes = 0;
	t->next_walk_ms = 0;
}

/* PATH's scope, from the cache or worked out once. Cgroups come and go:
 * a cache grown well past what a walk visits is mostly dead paths, and is
 * dropped (nm_track_refresh). */
static enum nm_config_scope scope_of(struct refresh *r, const char *path)
{
	size_t len = strlen(path);
	struct scope_entry *e = malloc(sizeof(*e) + len + 1), **found;

	if (!e)
		return nm_config_cgroup_scope(r->config, path);
	memcpy(e->path, path, len + 1);
	found = tsearch(e, &r->t->scopes, by_path);
	if (!found) {
		free(e);
		return nm_config_cgroup_scope(r->config, path);
	}
	if (*found != e) {
		free(e);
		return (*found)->scope;
	}
	e->scope = nm_config_cgroup_scope(r->config, path);
	r->t->n_scopes++;
	return e->scope;
}

static int visit_cgroup(const char *path, void *arg)
{
	struct refresh *r = arg;
	enum nm_config_scope scope = scope_of(r, path);
	pid_t *pids;
	int n;

	r->walked++;
	r->t->cgroups_walked++;
	if (scope == NM_SCOPE_NONE)
		return NM_CGFS_PRUNE;
	if (scope == NM_SCOPE_BELOW)
		return 0;
	n = nm_cgfs_procs(r->cg, path, &pids);
	if (n < 0)
		return 0; /* vanished mid-walk: normal */
	for (int i = 0; i < n && !r->err; i++) {
		struct nm_ident *task = nm_track_find(r->t, pids[i]);
		uint64_t t0 = nm_mono_ns(), c0 = nm_thread_cpu_ns();

		if (task)
			revisit(r, task, path);
		else
			adopt(r, pids[i], path);
		r->proc_ns += nm_mono_ns() - t0;
		r->proc_cpu_ns += nm_thread_cpu_ns() - c0;
	}
	free(pids);
	return r->err;
}

int nm_track_refresh(struct nm_tracker *t, const struct nm_root *root,
		     const struct nm_cgroupfs *cg, const struct nm_config *config,
		     uint64_t now_ms)
{
	struct refresh r = { .t = t, .root = root, .cg = cg, .config = config,
			     .now_ms = now_ms };
	uint64_t t0, c0, gap;
	int e;

	if (now_ms < t->next_walk_ms) {
		nm_track_sweep(t);
		return 0;
	}
	for (size_t i = 0; i < t->n; i++)
		t->v[i]->seen = false;
	if (t->n_scopes > 2 * t->walked_last + 1024)
		nm_track_forget_scopes(t);
	t0 = nm_mono_ns();
	c0 = nm_thread_cpu_ns();
	e = nm_cgfs_walk(cg, visit_cgroup, &r);
	/* What the walk itself cost: reading the tree, matching cgroups.
	 * Reading the processes found is done for them, not for the walk,
	 * and must not delay finding the next ones. The gap is counted in
	 * CPU time, what the factor bounds: on a busy machine the wall time
	 * is mostly the wait for a CPU (in a 4-node guest whose processes
	 * kept every vCPU busy, walks of tens of ms put the next seconds
	 * off, and newly forked processes waited that long to be found). */
	t->walk_ns = nm_mono_ns() - t0 - r.proc_ns;
	gap = (nm_thread_cpu_ns() - c0 - r.proc_cpu_ns) / 1000000 * NM_TRACK_WALK_FACTOR;
	t->next_walk_ms = now_ms + (gap > NM_TRACK_WALK_MAX_MS ? NM_TRACK_WALK_MAX_MS : gap);
	t->walked_last = r.walked;
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i]->seen)
			t->v[i]->doomed = true;
	nm_track_sweep(t);
	return e < 0 ? e : r.err;
}

void nm_track_sweep(struct nm_tracker *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct nm_ident *task = t->v[i];

		if (task->doomed && !t->ops->busy(task, t->ops->arg)) {
			task_free(t, task);
			t->dropped++;
		} else {
			t->v[kept++] = task;
		}
	}
	t->n = kept;
}

void nm_track_free(struct nm_tracker *t)
{
	nm_track_forget_scopes(t);
	for (size_t i = 0; i < t->n; i++)
		task_free(t, t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

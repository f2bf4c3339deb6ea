/* ctl-migrate: the operator's migrations, io.numamigd.Move (a pid's
 * address range to a node) and io.numamigd.Migrate (a whole job).
 * numamigctl(8) documents the parameters and replies.
 *
 * Both calls can take seconds, so they never run on the event loop: the
 * handler checks the parameters, defers the call and hands a custom work item
 * to the migrator's worker (nm_engine_run()); the library call runs there,
 * and the item's done callback, back on the event loop, builds the reply.
 * The item owns everything the worker touches until it is handed back.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl-jobs.h"
#include "ctl-methods.h"
#include "ctl-params.h"
#include "ctl-status.h"
#include "log.h"
#include "manager.h"
#include "numamig/engine.h"
#include "numamig/job.h"
#include "numamig/proc.h"
#include "numamig/rangemove.h"

#define MAX_JOB_PIDS 4096
#define MAX_NODE_ID 4095

/* ---- errors and JSON ---------------------------------------------------- */

/* io.numamigd.MigrationFailed {errno, message} plus P's fields (P taken;
 * NULL: none). JOB (may be NULL) tells an operator's cancel from the
 * daemon stopping. */
static void migration_failed(struct control_call *call, int err, json_object *p,
			     const char *what, const struct ctl_job *job)
{
	const char *by;
	char msg[256];

	if (!p)
		p = json_object_new_object();
	if (err == ECANCELED && job && ctl_job_cancelled(job, &by))
		snprintf(msg, sizeof(msg), "%s: job %u cancelled by %s", what, ctl_job_id(job), by);
	else if (err == ECANCELED) /* what moved before the stop is in P */
		snprintf(msg, sizeof(msg), "%s: numamigd is stopping", what);
	else
		snprintf(msg, sizeof(msg), "%s: %s (%s)", what, strerror(err),
			 nm_range_errno_name(err));
	json_object_object_add(p, "errno", json_object_new_string(nm_range_errno_name(err)));
	json_object_object_add(p, "message", json_object_new_string(msg));
	control_call_error(call, CTL_E_MIGRATION_FAILED, p);
}

/* Replies EPERM and returns true when nothing may be moved (a captured
 * tree: nm_engine_acts). */
static bool captured_tree(struct control_call *call, const struct nm_engine *e)
{
	if (nm_engine_acts(e))
		return false;
	migration_failed(call, EPERM, NULL, "numamigd reads a captured tree (--root)", NULL);
	return true;
}

/* ---- Move --------------------------------------------------------------- */

struct move_call {
	struct nm_mig_work base;       /* first: the worker hands back this */
	struct ctl_job *job;           /* holds the call */
	const struct nm_topology *topo;
	struct nm_proc *proc;
	pid_t pid;
	unsigned long addr, len;
	int node;
	unsigned flags;
	struct nm_range_result res;
};

static void move_run(struct nm_mig_work *work, const struct nm_mig_sys *sys)
{
	struct move_call *m = (struct move_call *)work;

	ctl_job_running(m->job);
	work->err = nm_range_move(sys, m->topo, m->proc, m->addr, m->len, m->node, m->flags,
				  ctl_job_progress(m->job), &m->res);
}

static json_object *move_reply(const struct move_call *m)
{
	json_object *o = json_object_new_object();
	char addr[32];
	int n = m->res.max_node + 1;

	snprintf(addr, sizeof(addr), "0x%lx", m->addr);
	json_object_object_add(o, "pid", json_object_new_int((int)m->pid));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "length", ctl_json_u64(m->res.bytes));
	json_object_object_add(o, "node", json_object_new_int(m->node));
	json_object_object_add(o, "dry_run", json_object_new_boolean(m->flags & NM_RANGE_DRY_RUN));
	json_object_object_add(o, "shared", json_object_new_boolean(m->flags & NM_RANGE_SHARED));
	json_object_object_add(o, "page_size", ctl_json_u64((uint64_t)sysconf(_SC_PAGESIZE)));
	ctl_json_add_counts(o, &m->res.c);
	json_object_object_add(o, "on_node", n > 0 ? ctl_json_u64_array(m->res.on_node, n) : json_object_new_array());
	json_object_object_add(o, "moved_from", n > 0 ? ctl_json_u64_array(m->res.moved_from, n) : json_object_new_array());
	json_object_object_add(o, "job", ctl_job_json(m->job));
	return o;
}

static void move_done(struct nm_mig_work *work)
{
	struct move_call *m = (struct move_call *)work;
	struct control_call *call = ctl_job_end(m->job, work->err);

	if (work->err == -ECANCELED && !m->res.err) {
		control_call_errorf(call, CONTROL_E_INTERNAL, "numamigd is stopping");
	} else if (work->err == -ESRCH) {
		ctl_no_such_process(call, m->pid);
	} else if (work->err < 0) {
		char what[128];

		if (!ctl_job_cancelled(m->job, NULL))
			log_notice("move of pid %d 0x%lx+%lu to node %d failed: %s", (int)m->pid,
				   m->addr, m->len, m->node, nm_range_errno_name(-work->err));
		snprintf(what, sizeof(what), "moving pid %d 0x%lx+%lu to node %d failed",
			 (int)m->pid, m->addr, m->len, m->node);
		migration_failed(call, -work->err, move_reply(m), what, m->job);
	} else {
		log_info("moved %llu pages of pid %d 0x%lx+%lu to node %d (%llu failed)%s",
			 m->res.c.moved, (int)m->pid, m->addr, m->len, m->node, m->res.c.failed,
			 m->flags & NM_RANGE_DRY_RUN ? " (dry run)" : "");
		control_call_reply(call, move_reply(m));
	}
	nm_proc_close(m->proc);
	free(m);
}

void ctl_move(struct control_call *call, json_object *params, void *userdata)
{
	struct nm_engine *e = manager_engine(userdata);
	struct move_call *m;
	int64_t pid, node;
	unsigned long addr, len, psz = (unsigned long)sysconf(_SC_PAGESIZE);
	bool dry_run, shared;
	char by[96], what[128];
	int r;

	if (captured_tree(call, e))
		return;
	if (!ctl_get_int(call, params, "pid", 1, INT32_MAX, 0, &pid))
		return;
	if (!ctl_as_ulong(ctl_param(params, "address"), &addr)) {
		ctl_invalid_parameter(call, "address");
		return;
	}
	if (!ctl_as_ulong(ctl_param(params, "length"), &len)) {
		ctl_invalid_parameter(call, "length");
		return;
	}
	/* Negative or absent nodes are the library's ENODEV, as documented. */
	if (!ctl_get_int(call, params, "node", INT32_MIN, INT32_MAX, INT32_MIN, &node))
		return;
	if (!ctl_get_bool(call, params, "dry_run", &dry_run) ||
	    !ctl_get_bool(call, params, "shared", &shared))
		return;
	m = calloc(1, sizeof(*m));
	if (!m) {
		control_call_errorf(call, CONTROL_E_INTERNAL, "out of memory");
		return;
	}
	r = nm_proc_open(nm_engine_root(e), (pid_t)pid, &m->proc);
	if (r < 0) {
		free(m);
		if (r == -ESRCH)
			ctl_no_such_process(call, (pid_t)pid);
		else
			migration_failed(call, -r, NULL, "cannot open the process", NULL);
		return;
	}
	m->topo = nm_engine_topology(e);
	m->pid = (pid_t)pid;
	m->addr = addr;
	m->len = len;
	m->node = (int)node;
	m->flags = (dry_run ? NM_RANGE_DRY_RUN : 0) | (shared ? NM_RANGE_SHARED : 0);
	m->res.max_node = -1;
	m->base.run = move_run;
	m->base.done = move_done;
	snprintf(what, sizeof(what), "pid %d 0x%lx+%lu to node %d%s", (int)pid, addr, len,
		 (int)node, dry_run ? " (dry run)" : "");
	control_call_defer(call);
	m->job = ctl_job_new(call, "move", what, (len + psz - 1) / psz,
			     manager_config(userdata)->job_rate_bps);
	if (!m->job) {
		nm_proc_close(m->proc);
		free(m);
		control_call_errorf(call, CONTROL_E_INTERNAL, "out of memory");
		return;
	}
	ctl_who(call, by, sizeof(by));
	log_info("%s: move %s (job %u)", by, what, ctl_job_id(m->job));
	nm_engine_run(e, &m->base);
}

/* ---- Migrate ------------------------------------------------------------ */

struct migrate_call {
	struct nm_mig_work base;       /* first */
	struct ctl_job *job;           /* holds the call */
	const struct nm_root *root;
	int *pids, *from, *to;        /* pid_t is int on Linux */
	size_t n_pids, n_from, n_to;
	char *cgroup;
	enum nm_job_mode mode;
	bool dry_run;
	struct nm_job_plan *plan;
	int plan_err, exec_err;
	bool planned;
};

static void migrate_run(struct nm_mig_work *work, const struct nm_mig_sys *sys)
{
	struct migrate_call *j = (struct migrate_call *)work;
	struct nm_job_spec spec = {
		.pids = (const pid_t *)j->pids, .n_pids = j->n_pids, .cgroup = j->cgroup,
		.from = j->from, .n_from = j->n_from, .to = j->to, .n_to = j->n_to,
		.mode = j->mode,
	};

	ctl_job_running(j->job);
	j->plan_err = nm_job_plan(j->root, &spec, &j->plan);
	j->planned = true;
	if (j->plan_err < 0) {
		work->err = j->plan_err;
		return;
	}
	nm_job_set_progress(j->plan, ctl_job_progress(j->job));
	j->exec_err = nm_job_execute(sys, j->plan, j->dry_run ? NM_JOB_DRY_RUN : 0);
	work->err = j->exec_err;
}

/* The shared file pieces requested once for the job, by path:
 * [{path, requests, planned_pages, moved}]. */
static json_object *shared_files(const struct nm_job_plan *plan)
{
	json_object *files = json_object_new_array(), *by_path = json_object_new_object();

	for (size_t i = 0; i < nm_job_nrequests(plan); i++) {
		const struct nm_job_request *r = nm_job_request(plan, i);
		const char *path = r->path ? r->path : "?";
		json_object *f;

		if (r->kind != NM_JOB_REQ_FILE)
			continue;
		if (!json_object_object_get_ex(by_path, path, &f)) {
			f = json_object_new_object();
			json_object_object_add(f, "path", json_object_new_string(path));
			json_object_object_add(f, "requests", json_object_new_int(0));
			json_object_object_add(f, "planned_pages", json_object_new_int64(0));
			json_object_object_add(f, "moved", json_object_new_int64(0));
			json_object_object_add(by_path, path, f);
			json_object_array_add(files, json_object_get(f));
		}
#define BUMP(key, n) json_object_object_add(f, key, json_object_new_int64( \
		json_object_get_int64(json_object_object_get(f, key)) + (int64_t)(n)))
		BUMP("requests", 1);
		BUMP("planned_pages", r->planned_pages);
		BUMP("moved", r->done.moved);
#undef BUMP
	}
	json_object_put(by_path);
	return files;
}

static json_object *migrate_reply(const struct migrate_call *j)
{
	const struct nm_job_plan *plan = j->plan;
	const struct nm_job_totals *t = nm_job_totals(plan);
	int nn = nm_job_nr_nodes(plan);
	json_object *o = json_object_new_object(), *procs = json_object_new_array(), *tot;

	json_object_object_add(o, "mode", json_object_new_string(j->mode == NM_JOB_DIRECT ? "direct" : "lazy"));
	json_object_object_add(o, "dry_run", json_object_new_boolean(j->dry_run));
	if (j->cgroup)
		json_object_object_add(o, "cgroup", json_object_new_string(j->cgroup));
	json_object_object_add(o, "from", ctl_json_int_array(j->from, j->n_from));
	json_object_object_add(o, "to", ctl_json_int_array(j->to, j->n_to));
	json_object_object_add(o, "page_size", ctl_json_u64(nm_job_page_bytes(plan)));
	json_object_object_add(o, "nr_nodes", json_object_new_int(nn));
	for (size_t i = 0; i < nm_job_nprocs(plan); i++) {
		const struct nm_job_proc_info *pi = nm_job_proc(plan, i);
		json_object *p = json_object_new_object(), *after;

		json_object_object_add(p, "pid", json_object_new_int((int)pi->pid));
		/* Read through its pidfd when planned: by pid now, it may be
		 * another process's. */
		if (pi->comm[0])
			json_object_object_add(p, "comm", json_object_new_string(pi->comm));
		json_object_object_add(p, "state", json_object_new_string(nm_job_state_name(pi->state)));
		if (pi->err)
			json_object_object_add(p, "errno",
					       json_object_new_string(nm_range_errno_name(pi->err)));
		json_object_object_add(p, "target", pi->target >= 0 ? json_object_new_int(pi->target) : NULL);
		json_object_object_add(p, "requests", json_object_new_int((int)pi->requests));
		json_object_object_add(p, "before", ctl_json_u64_array(pi->resident, nn));
		json_object_object_add(p, "planned", ctl_json_u64_array(pi->planned, nn));
		after = ctl_json_u64_array(pi->after, nn);
		json_object_object_add(p, "after", after);
		json_object_object_add(p, "planned_pages", ctl_json_u64(pi->planned_pages));
		ctl_json_add_counts(p, &pi->done);
		json_object_array_add(procs, p);
	}
	json_object_object_add(o, "processes", procs);
	json_object_object_add(o, "files", shared_files(plan));
	tot = json_object_new_object();
	json_object_object_add(tot, "procs", json_object_new_int((int)t->procs));
	json_object_object_add(tot, "procs_gone", json_object_new_int((int)t->procs_gone));
	json_object_object_add(tot, "procs_failed", json_object_new_int((int)t->procs_failed));
	json_object_object_add(tot, "requests", json_object_new_int((int)t->requests));
	json_object_object_add(tot, "file_requests", json_object_new_int((int)t->file_requests));
	json_object_object_add(tot, "private_requests", json_object_new_int((int)t->private_requests));
	json_object_object_add(tot, "requests_done", json_object_new_int((int)t->requests_done));
	json_object_object_add(tot, "requests_lost", json_object_new_int((int)t->requests_lost));
	json_object_object_add(tot, "stages", json_object_new_int((int)t->stages));
	json_object_object_add(tot, "direct_calls", json_object_new_int((int)t->direct_calls));
	json_object_object_add(tot, "planned_pages", ctl_json_u64(t->planned_pages));
	json_object_object_add(tot, "done_pages", ctl_json_u64(t->done.moved));
	ctl_json_add_counts(tot, &t->done);
	json_object_object_add(tot, "planned_from", ctl_json_u64_array(t->planned_from, nn));
	json_object_object_add(tot, "planned_to", ctl_json_u64_array(t->planned_to, nn));
	json_object_object_add(tot, "moved_from", ctl_json_u64_array(t->moved_from, nn));
	json_object_object_add(tot, "moved_to", ctl_json_u64_array(t->moved_to, nn));
	json_object_object_add(o, "totals", tot);
	json_object_object_add(o, "job", ctl_job_json(j->job));
	return o;
}

static void migrate_free(struct migrate_call *j)
{
	nm_job_plan_free(j->plan);
	free(j->pids);
	free(j->from);
	free(j->to);
	free(j->cgroup);
	free(j);
}

static void migrate_done(struct nm_mig_work *work)
{
	struct migrate_call *j = (struct migrate_call *)work;
	struct control_call *call = ctl_job_end(j->job, j->planned ? work->err : -ECANCELED);

	if (!j->planned) {
		control_call_errorf(call, CONTROL_E_INTERNAL, "numamigd is stopping");
	} else if (j->plan_err == -ESRCH && j->n_pids == 1) {
		ctl_no_such_process(call, (pid_t)j->pids[0]);
	} else if (j->plan_err < 0) {
		json_object *p = json_object_new_object();

		if (j->plan_err == -ESRCH)
			json_object_object_add(p, "exists", json_object_new_boolean(false));
		migration_failed(call, -j->plan_err, p, "cannot plan the job migration", NULL);
	} else if (j->exec_err < 0) {
		if (!ctl_job_cancelled(j->job, NULL))
			log_notice("job %u (migrate %s) failed: %s", ctl_job_id(j->job),
				   ctl_job_what(j->job), nm_range_errno_name(-j->exec_err));
		migration_failed(call, -j->exec_err, migrate_reply(j), "job migration failed", j->job);
	} else {
		const struct nm_job_totals *t = nm_job_totals(j->plan);

		log_info("job migration of %u processes: %llu pages moved, %llu failed, "
			 "%u requests (%u shared file)%s", t->procs, t->done.moved, t->done.failed,
			 t->requests, t->file_requests, j->dry_run ? " (dry run)" : "");
		control_call_reply(call, migrate_reply(j));
	}
	migrate_free(j);
}

/* "cgroup /x to 1", "pids 12 34 to 0,1 from 2,3", for the log and jobs. */
static void migrate_what(const struct migrate_call *j, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size, "w");

	if (!f) {
		snprintf(buf, size, "?");
		return;
	}
	if (j->cgroup)
		fprintf(f, "cgroup %s", j->cgroup);
	else
		fprintf(f, "pid%s", j->n_pids > 1 ? "s" : "");
	for (size_t i = 0; !j->cgroup && i < j->n_pids && i < 8; i++)
		fprintf(f, " %d", j->pids[i]);
	if (!j->cgroup && j->n_pids > 8)
		fprintf(f, " ... (%zu)", j->n_pids);
	for (int pass = 0; pass < 2; pass++) {
		const int *v = pass ? j->from : j->to;
		size_t n = pass ? j->n_from : j->n_to;

		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s%d", i ? "," : pass ? " from " : " to ", v[i]);
	}
	fprintf(f, "%s%s", j->mode == NM_JOB_DIRECT ? " (direct)" : "",
		j->dry_run ? " (dry run)" : "");
	fclose(f);
}

void ctl_migrate(struct control_call *call, json_object *params, void *userdata)
{
	struct nm_engine *e = manager_engine(userdata);
	struct migrate_call *j;
	json_object *v;
	char by[96], what[160];

	if (captured_tree(call, e))
		return;
	j = calloc(1, sizeof(*j));
	if (!j) {
		control_call_errorf(call, CONTROL_E_INTERNAL, "out of memory");
		return;
	}
	if (!ctl_get_int_array(call, params, "pids", 1, INT32_MAX, MAX_JOB_PIDS, &j->pids, &j->n_pids) ||
	    !ctl_get_int_array(call, params, "to", 0, MAX_NODE_ID, NM_MAPS_MAX_NODES, &j->to, &j->n_to) ||
	    !ctl_get_int_array(call, params, "from", 0, MAX_NODE_ID, NM_MAPS_MAX_NODES, &j->from, &j->n_from) ||
	    !ctl_get_bool(call, params, "dry_run", &j->dry_run))
		goto fail;
	v = ctl_param(params, "cgroup");
	if (v) {
		char canon[PATH_MAX];

		if (!json_object_is_type(v, json_type_string) ||
		    nm_cgroup_path_norm(json_object_get_string(v), canon, sizeof(canon)) < 0) {
			ctl_invalid_parameter(call, "cgroup");
			goto fail;
		}
		j->cgroup = strdup(canon);
		if (!j->cgroup) {
			control_call_errorf(call, CONTROL_E_INTERNAL, "out of memory");
			goto fail;
		}
	}
	/* Exactly one of pids and cgroup. */
	if (!j->cgroup == !j->n_pids) {
		ctl_invalid_parameter(call, j->cgroup ? "cgroup" : "pids");
		goto fail;
	}
	if (!j->n_to || (j->n_from && j->n_from != j->n_to)) {
		ctl_invalid_parameter(call, j->n_to ? "from" : "to");
		goto fail;
	}
	v = ctl_param(params, "mode");
	if (v) {
		const char *s = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(s, "lazy") != 0 && strcmp(s, "direct") != 0)) {
			ctl_invalid_parameter(call, "mode");
			goto fail;
		}
		j->mode = strcmp(s, "direct") == 0 ? NM_JOB_DIRECT : NM_JOB_LAZY;
	}
	j->root = nm_engine_root(e);
	j->base.run = migrate_run;
	j->base.done = migrate_done;
	migrate_what(j, what, sizeof(what));
	control_call_defer(call);
	j->job = ctl_job_new(call, "migrate", what, 0, manager_config(userdata)->job_rate_bps);
	if (!j->job) {
		control_call_errorf(call, CONTROL_E_INTERNAL, "out of memory");
		goto fail;
	}
	ctl_who(call, by, sizeof(by));
	log_info("%s: migrate %s (job %u)", by, what, ctl_job_id(j->job));
	nm_engine_run(e, &j->base);
	return;
fail:
	migrate_free(j);
}

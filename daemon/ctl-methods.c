/* ctl-methods: the io.numamigd methods. See ctl-methods.h; numamigctl(8)
 * documents each method's parameters and reply.
 *
 * Read-only: GetStatus {top?}, Explain {pid}, GetPolicy {cgroup?}.
 * Mutating (uid 0): Trigger {pid}, Pause, Resume, Reload, and the job and
 * range migrations Migrate and Move, whose handlers are in ctl-migrate.c:
 * they run on the migrator's worker, so they call control_call_defer() and
 * answer when the job is done.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ctl-jobs.h"
#include "ctl-methods.h"
#include "ctl-params.h"
#include "ctl-status.h"
#include "manager.h"
#include "numamig/engine.h"

/* ---- parameters --------------------------------------------------------- */

static bool get_pid(struct control_call *call, json_object *params, pid_t *pid)
{
	int64_t v;

	if (!ctl_get_int(call, params, "pid", 1, INT32_MAX, 0, &v))
		return false;
	*pid = (pid_t)v;
	return true;
}


/* ---- the daemon's state ------------------------------------------------- */

/* DESC holds the sampler's description for as long as S is used. */
static void fill_state(struct manager *m, struct ctl_state *s, char *desc, size_t size)
{
	struct nm_engine *e = manager_engine(m);
	struct nm_sampler *smp = nm_engine_sampler(e);
	struct rusage ru;

	memset(s, 0, sizeof(*s));
	s->now_ms = manager_now_ms();
	s->version = PACKAGE_VERSION;
	s->pid = getpid();
	s->started_ms = manager_started_ms(m);
	s->config = manager_config(m);
	s->counters = nm_engine_counters(e);
	s->tracker = nm_engine_tracker(e);
	s->topo = nm_engine_topology(e);
	s->nr_nodes = s->counters->nr_nodes;
	s->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	s->paused = nm_engine_paused(e);
	s->window_ms = nm_engine_window_ms(e);
	s->sampler_source = nm_sampler_source_name(smp);
	nm_sampler_describe(smp, desc, size);
	s->sampler_description = desc;
	s->sampler_fallback = nm_sampler_reason(smp);
	s->hw_pmu = nm_sampler_hw_pmu(smp, &s->hw_pmu_detail);
	nm_sampler_get_stats(smp, &s->sampler_stats);
	s->writes_err = nm_engine_writes(e, &s->writes_why);
	s->sd_err = nm_engine_softdirty(e, &s->sd_why);
	s->pmu_err = nm_engine_pmu(e, &s->pmu_what);
	s->damon_err = nm_engine_damon(e, &s->damon_why, &s->damon);
	for (int k = 0; k < NM_KNB_SETTINGS; k++)
		manager_knb(m, (enum nm_knb_setting)k, &s->knb[k].value, &s->knb[k].saved,
			    &s->knb[k].adopted);
	s->state_dir = manager_state_dir(m);
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		s->cpu_user_ms = (uint64_t)ru.ru_utime.tv_sec * 1000 + (uint64_t)ru.ru_utime.tv_usec / 1000;
		s->cpu_system_ms = (uint64_t)ru.ru_stime.tv_sec * 1000 + (uint64_t)ru.ru_stime.tv_usec / 1000;
		s->max_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
	}
}

/* ---- read-only methods -------------------------------------------------- */

static void get_status(struct control_call *call, json_object *params, void *userdata)
{
	struct ctl_state s;
	json_object *reply;
	char desc[256];
	int64_t top;

	if (!ctl_get_int(call, params, "top", 0, CTL_STATUS_TOP_MAX, CTL_STATUS_TOP_DEFAULT, &top))
		return;
	fill_state(userdata, &s, desc, sizeof(desc));
	reply = ctl_status_build(&s, (size_t)top);
	if (!reply)
		control_call_errorf(call, CONTROL_E_INTERNAL, "out of memory");
	else
		control_call_reply(call, reply);
}

static void explain(struct control_call *call, json_object *params, void *userdata)
{
	struct ctl_state s;
	json_object *reply;
	char desc[256];
	pid_t pid;
	int r;

	if (!get_pid(call, params, &pid))
		return;
	fill_state(userdata, &s, desc, sizeof(desc));
	r = ctl_explain_build(&s, pid, &reply);
	if (r == -ESRCH)
		ctl_no_such_process(call, pid);
	else if (r < 0)
		control_call_errorf(call, CONTROL_E_INTERNAL, "%s", strerror(-r));
	else
		control_call_reply(call, reply);
}

static void get_policy(struct control_call *call, json_object *params, void *userdata)
{
	json_object *v = NULL;
	const char *cgroup = NULL;

	if (json_object_object_get_ex(params, "cgroup", &v) && v) {
		cgroup = json_object_get_string(v);
		if (!json_object_is_type(v, json_type_string) || cgroup[0] != '/') {
			ctl_invalid_parameter(call, "cgroup");
			return;
		}
	}
	control_call_reply(call, ctl_policy_build(manager_config(userdata), cgroup));
}

/* ---- mutating methods --------------------------------------------------- */

static void trigger(struct control_call *call, json_object *params, void *userdata)
{
	struct manager *m = userdata;
	json_object *reply;
	pid_t pid;

	if (!get_pid(call, params, &pid))
		return;
	if (nm_engine_trigger(manager_engine(m), pid) < 0) {
		ctl_no_such_process(call, pid);
		return;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "pid", json_object_new_int((int)pid));
	/* Planned at the next tick, unless paused. */
	json_object_object_add(reply, "paused", json_object_new_boolean(nm_engine_paused(manager_engine(m))));
	control_call_reply(call, reply);
}

static void set_paused(struct control_call *call, struct manager *m, bool paused)
{
	json_object *reply = json_object_new_object();
	char by[96];

	ctl_who(call, by, sizeof(by));
	json_object_object_add(reply, "was_paused", json_object_new_boolean(nm_engine_paused(manager_engine(m))));
	manager_set_paused(m, paused, by);
	json_object_object_add(reply, "paused", json_object_new_boolean(paused));
	control_call_reply(call, reply);
}

static void pause_(struct control_call *call, json_object *params, void *userdata)
{
	(void)params;
	set_paused(call, userdata, true);
}

static void resume(struct control_call *call, json_object *params, void *userdata)
{
	(void)params;
	set_paused(call, userdata, false);
}

/* Every diagnostic as "file:line:col: severity: message" lines. */
static json_object *diag_lines(const struct nm_config_diags *d)
{
	json_object *a = json_object_new_array();
	char line[1024];

	for (size_t i = 0; i < d->n; i++) {
		nm_config_diag_format(&d->v[i], line, sizeof(line));
		json_object_array_add(a, json_object_new_string(line));
	}
	return a;
}

static void reload(struct control_call *call, json_object *params, void *userdata)
{
	struct manager *m = userdata;
	struct nm_config_diags d;
	json_object *p = json_object_new_object();
	char msg[128];
	int r;

	(void)params;
	nm_config_diags_init(&d);
	r = manager_reload(m, &d);
	json_object_object_add(p, "diagnostics", diag_lines(&d));
	if (r < 0) {
		if (r == -EINVAL)
			snprintf(msg, sizeof(msg), "configuration rejected (%zu errors): "
				 "the running one stays", d.errors);
		else
			snprintf(msg, sizeof(msg), "reload failed: %s", strerror(-r));
		json_object_object_add(p, "message", json_object_new_string(msg));
		nm_config_diags_clear(&d);
		control_call_error(call, CTL_E_RELOAD_FAILED, p);
		return;
	}
	nm_config_diags_clear(&d);
	json_object_object_add(p, "config_hash", ctl_json_hash(manager_config(m)));
	json_object_object_add(p, "policies", ctl_json_u64(manager_config(m)->n_policies));
	control_call_reply(call, p);
}

const struct control_method ctl_methods[] = {
	{ "io.numamigd.GetStatus", false, get_status },
	{ "io.numamigd.Explain", false, explain },
	{ "io.numamigd.GetPolicy", false, get_policy },
	{ "io.numamigd.Trigger", true, trigger },
	{ "io.numamigd.Pause", true, pause_ },
	{ "io.numamigd.Resume", true, resume },
	{ "io.numamigd.Reload", true, reload },
	{ "io.numamigd.Migrate", true, ctl_migrate },   /* ctl-migrate.c */
	{ "io.numamigd.Move", true, ctl_move },
	{ "io.numamigd.ListJobs", false, ctl_list_jobs },   /* ctl-jobs.c */
	{ "io.numamigd.CancelJob", true, ctl_cancel_job },
};
const size_t ctl_n_methods = sizeof(ctl_methods) / sizeof(ctl_methods[0]);

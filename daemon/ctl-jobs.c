/* ctl-jobs: Migrate and Move as jobs. See ctl-jobs.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "ctl-jobs.h"
#include "ctl-params.h"
#include "ctl-status.h"
#include "log.h"
#include "manager.h"
#include "numamig/rangemove.h"

#define CTL_E_NO_SUCH_JOB "io.numamigd.NoSuchJob"

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED };
static const char *const state_names[] = { "queued", "running", "done", "failed", "cancelled" };

struct ctl_job {
	struct ctl_job *next;           /* newest first */
	unsigned id;
	const char *kind;
	char what[160];
	uid_t uid;
	enum job_state state;           /* final once ended */
	int running;                    /* set by the worker (atomic) */
	int err;                        /* how it ended: 0 or errno */
	uint64_t started_ms, ended_ms;  /* manager_now_ms() */
	time_t started_at;              /* wall clock, for people */
	char cancelled_by[96];          /* "" unless an operator cancelled it */
	struct nm_progress progress;
	struct control_call *call;      /* until it ends */
	sd_event_source *timer;         /* progress replies, while it runs */
};

static struct ctl_job *jobs;
static unsigned next_id = 1;

static bool ended(const struct ctl_job *j)
{
	return j->state >= JOB_DONE;
}

static enum job_state state_of(const struct ctl_job *j)
{
	if (ended(j))
		return j->state;
	return __atomic_load_n(&j->running, __ATOMIC_ACQUIRE) ? JOB_RUNNING : JOB_QUEUED;
}

json_object *ctl_job_json(const struct ctl_job *j)
{
	json_object *o = json_object_new_object();
	uint64_t end = ended(j) ? j->ended_ms : manager_now_ms();
	uint64_t ms = end - j->started_ms;
	unsigned long psz = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long long total;
	struct nm_walk_counts c;
	struct tm tm;
	char at[32];

	nm_progress_read(&j->progress, &c, &total);
	gmtime_r(&j->started_at, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "id", json_object_new_int64(j->id));
	json_object_object_add(o, "kind", json_object_new_string(j->kind));
	json_object_object_add(o, "what", json_object_new_string(j->what));
	json_object_object_add(o, "state", json_object_new_string(state_names[state_of(j)]));
	if (j->err && j->state == JOB_FAILED)
		json_object_object_add(o, "errno", json_object_new_string(nm_range_errno_name(j->err)));
	if (j->cancelled_by[0])
		json_object_object_add(o, "cancelled_by", json_object_new_string(j->cancelled_by));
	json_object_object_add(o, "uid", json_object_new_int64(j->uid));
	json_object_object_add(o, "started", json_object_new_string(at));
	json_object_object_add(o, "elapsed_ms", ctl_json_u64(ms));
	json_object_object_add(o, "page_size", ctl_json_u64(psz));
	/* What the bar counts: pages looked at of the range (Move), pages
	 * moved or failed of those planned to move (Migrate); an estimate,
	 * which the count may pass. */
	json_object_object_add(o, "total_pages", ctl_json_u64(total));
	json_object_object_add(o, "done_pages", ctl_json_u64(strcmp(j->kind, "move") == 0 ?
							      c.pages : c.moved + c.failed));
	ctl_json_add_counts(o, &c);
	json_object_object_add(o, "bytes_moved", ctl_json_u64(c.bytes_moved));
	json_object_object_add(o, "rate_bytes_per_s",
			       ctl_json_u64(ms ? c.bytes_moved * 1000 / ms : 0));
	json_object_object_add(o, "rate_limit_bytes_per_s", j->progress.rate_bps ?
			       ctl_json_u64(j->progress.rate_bps) : NULL);
	return o;
}

/* {"job": ...} to the job's client, if it takes progress. */
static void notify(struct ctl_job *j)
{
	json_object *p;

	if (!j->call || !control_call_more(j->call))
		return;
	p = json_object_new_object();
	json_object_object_add(p, "job", ctl_job_json(j));
	control_call_notify(j->call, p);
}

static int on_progress(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ctl_job *j = userdata;

	notify(j);
	/* A time source is one-shot: re-arm it for the next report. */
	sd_event_source_set_time(s, usec + CTL_JOB_PROGRESS_MS * 1000ull);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Keep the running jobs and the last CTL_JOBS_KEPT that ended. */
static void prune(void)
{
	unsigned kept = 0;

	for (struct ctl_job **pp = &jobs; *pp;) {
		struct ctl_job *j = *pp;

		if (ended(j) && ++kept > CTL_JOBS_KEPT) {
			*pp = j->next;
			free(j);
		} else {
			pp = &j->next;
		}
	}
}

struct ctl_job *ctl_job_new(struct control_call *call, const char *kind, const char *what,
			    unsigned long long total_pages, uint64_t rate_bps)
{
	struct ctl_job *j = calloc(1, sizeof(*j));
	sd_event *ev = NULL;
	uint64_t now;

	if (!j)
		return NULL;
	j->id = next_id++;
	j->kind = kind;
	snprintf(j->what, sizeof(j->what), "%s", what);
	j->uid = control_call_peer(call)->uid;
	j->started_ms = manager_now_ms();
	j->started_at = time(NULL);
	j->call = call;
	nm_progress_set_planned(&j->progress, total_pages);
	j->progress.rate_bps = rate_bps; /* before the worker sees it */
	j->next = jobs;
	jobs = j;
	prune();
	if (control_call_more(call) && sd_event_default(&ev) >= 0 &&
	    sd_event_now(ev, CLOCK_MONOTONIC, &now) >= 0)
		sd_event_add_time(ev, &j->timer, CLOCK_MONOTONIC,
				  now + CTL_JOB_PROGRESS_MS * 1000ull, 0, on_progress, j);
	sd_event_unref(ev);
	notify(j); /* the id, at once: numamigctl --no-wait ends here */
	return j;
}

struct nm_progress *ctl_job_progress(struct ctl_job *j)
{
	return &j->progress;
}

void ctl_job_running(struct ctl_job *j)
{
	__atomic_store_n(&j->running, 1, __ATOMIC_RELEASE);
}

unsigned ctl_job_id(const struct ctl_job *j)
{
	return j->id;
}

const char *ctl_job_what(const struct ctl_job *j)
{
	return j->what;
}

bool ctl_job_cancelled(const struct ctl_job *j, const char **by)
{
	if (by)
		*by = j->cancelled_by;
	return j->cancelled_by[0] != 0;
}

struct control_call *ctl_job_end(struct ctl_job *j, int err)
{
	struct control_call *call = j->call;

	j->ended_ms = manager_now_ms();
	j->err = -err;
	if (err == -ECANCELED && j->cancelled_by[0])
		j->state = JOB_CANCELLED;
	else
		j->state = err ? JOB_FAILED : JOB_DONE;
	j->timer = sd_event_source_disable_unref(j->timer);
	j->call = NULL;
	/* No prune here: the caller still builds its reply from J, and a
	 * job that ran long may be older than the last CTL_JOBS_KEPT that
	 * ended. ctl_job_new() prunes, when no reply is being built. */
	if (j->state == JOB_CANCELLED)
		log_info("job %u (%s %s) cancelled by %s: %llu pages moved", j->id, j->kind,
			 j->what, j->cancelled_by,
			 (unsigned long long)__atomic_load_n(&j->progress.c.moved, __ATOMIC_RELAXED));
	return call;
}

void ctl_list_jobs(struct control_call *call, json_object *params, void *userdata)
{
	json_object *p = json_object_new_object(), *a = json_object_new_array();

	(void)params;
	(void)userdata;
	for (const struct ctl_job *j = jobs; j; j = j->next)
		json_object_array_add(a, ctl_job_json(j));
	json_object_object_add(p, "jobs", a);
	control_call_reply(call, p);
}

void ctl_cancel_job(struct control_call *call, json_object *params, void *userdata)
{
	struct ctl_job *j = jobs;
	json_object *p;
	int64_t id;

	(void)userdata;
	if (!ctl_get_int(call, params, "id", 1, UINT32_MAX, 0, &id))
		return;
	while (j && j->id != id)
		j = j->next;
	if (!j || ended(j)) {
		p = json_object_new_object();
		json_object_object_add(p, "id", json_object_new_int64(id));
		json_object_object_add(p, "message", json_object_new_string(
			j ? "the job has ended" : "no such job (numamigctl jobs lists them)"));
		if (j)
			json_object_object_add(p, "job", ctl_job_json(j));
		control_call_error(call, CTL_E_NO_SUCH_JOB, p);
		return;
	}
	if (!j->cancelled_by[0]) {
		ctl_who(call, j->cancelled_by, sizeof(j->cancelled_by));
		nm_progress_cancel(&j->progress);
		log_info("%s: cancel job %u (%s %s)", j->cancelled_by, j->id, j->kind, j->what);
	}
	p = json_object_new_object();
	json_object_object_add(p, "job", ctl_job_json(j));
	control_call_reply(call, p);
}

void ctl_jobs_free(void)
{
	while (jobs) {
		struct ctl_job *j = jobs;

		jobs = j->next;
		sd_event_source_disable_unref(j->timer);
		free(j);
	}
}

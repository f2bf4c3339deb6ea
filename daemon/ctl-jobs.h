/* ctl-jobs: the operator's long operations, io.numamigd.Migrate and Move,
 * as jobs with an id that outlive the call that started them.
 *
 * A job is registered when its call is accepted and handed to the
 * migrator's worker. Its client may ask for progress (Varlink's "more"):
 * it then gets a first reply at once (the job's id and state), one every
 * CTL_JOB_PROGRESS_MS while it runs, and the final reply (the call's own
 * result, with the job in it) at the end; it never waits on a client
 * timeout, and a client that goes away does not stop the job. ListJobs
 * shows the running jobs and the last CTL_JOBS_KEPT that ended; CancelJob
 * (root) stops one between two kernel calls (nm_progress_cancel): it
 * ends as "cancelled", the pages moved so far counted.
 *
 * Event loop only, but for the progress, which the worker writes through
 * nm_progress (atomics) and ctl_job_running(). */
#ifndef NUMAMIGD_CTL_JOBS_H
#define NUMAMIGD_CTL_JOBS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "numamig/act.h"

#define CTL_JOB_PROGRESS_MS 1000
#define CTL_JOBS_KEPT 16

struct ctl_job;

/* A job of KIND ("migrate", "move") started by CALL (deferred by the
 * caller), WHAT saying what it moves; TOTAL_PAGES, if known now, is what
 * progress counts against (else the worker's plan sets it); it moves at
 * most RATE_BPS bytes a second (job_rate_limit; 0: no limit). NULL when
 * out of memory. */
struct ctl_job *ctl_job_new(struct control_call *call, const char *kind, const char *what,
			    unsigned long long total_pages, uint64_t rate_bps);
/* The progress the job's library call is to report in. */
struct nm_progress *ctl_job_progress(struct ctl_job *j);
/* From the worker, when the job's library call starts. */
void ctl_job_running(struct ctl_job *j);
/* The job ended with ERR (0 or -errno; -ECANCELED after a cancel is
 * "cancelled"): its state is final and its call is the caller's to answer,
 * with ctl_job_json() in the reply. Returns that call. */
struct control_call *ctl_job_end(struct ctl_job *j, int err);
/* Whether an operator cancelled the job (ECANCELED is then not the
 * daemon stopping), and who. */
bool ctl_job_cancelled(const struct ctl_job *j, const char **by);
unsigned ctl_job_id(const struct ctl_job *j);
const char *ctl_job_what(const struct ctl_job *j);
/* {id, kind, what, state, uid, started, elapsed_ms, total_pages,
 * done_pages, ...counts, rate_bytes_per_s, cancelled_by?}. */
json_object *ctl_job_json(const struct ctl_job *j);

/* io.numamigd.ListJobs {} -> {jobs: [...]}, newest first; CancelJob {id}. */
void ctl_list_jobs(struct control_call *call, json_object *params, void *userdata);
void ctl_cancel_job(struct control_call *call, json_object *params, void *userdata);

/* Forget the ended jobs (at exit; every running job has ended by then). */
void ctl_jobs_free(void);

#endif

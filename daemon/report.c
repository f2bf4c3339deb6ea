/* report: see report.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "numamig/set.h"
#include "report.h"

/* Decisions to move memory are worth a line each. A task busy migrating
 * was not planned this tick: its decision is old. */
void report_decisions(const struct nm_engine *e, uint64_t tick_ms)
{
	const struct nm_tracker *t = nm_engine_tracker(e);

	for (size_t i = 0; i < t->n; i++) {
		const struct nm_task *k = nm_task_of(t->v[i]);
		const struct nm_plan_decision *d = &k->last;

		if (d->now_ms != tick_ms)
			continue;
		if (d->action != NM_PLAN_NONE)
			log_info("pid %d (%s): %s (%s) to node %d: %" PRIu64 " of %" PRIu64
				 " pages misplaced", (int)k->id.pid, k->id.comm,
				 nm_plan_action_name(d->action), nm_plan_reason_name(d->reason),
				 d->target, d->pages, d->misplaced_pages);
		else
			log_debug("pid %d (%s): %s, home %d, %s", (int)k->id.pid, k->id.comm,
				  nm_plan_reason_name(d->reason), d->home,
				  nm_plan_state_name(k->plan.phase));
	}
}

void report_migration(const struct nm_task *t, const struct nm_mig_work *work, void *arg)
{
	const struct nm_mig_result *r = &work->res;
	char to[48];

	(void)arg;
	if (work->prio_errno)
		log_warn("pid %d (%s): could not raise the priority of the thread moving its pages "
			 "(move_priority: raised): %s; it moves at the daemon's own",
			 (int)t->id.pid, t->id.comm, strerror(work->prio_errno));
	if (work->req.regions && work->req.sources)
		snprintf(to, sizeof(to), "%zu regions from node %d to node %d",
			 work->req.n_regions, nm_set_next(work->req.sources, 0),
			 work->req.regions[0].target);
	else if (work->req.regions)
		snprintf(to, sizeof(to), "%zu regions to node %d", work->req.n_regions,
			 work->req.regions[0].target);
	else
		snprintf(to, sizeof(to), "to node %d", work->req.target);
	log_info("pid %d (%s): %s %s %s: %llu pages moved, %llu failed, "
		 "%u calls in %" PRIu64 " ms%s%s", (int)t->id.pid, t->id.comm,
		 work->direct ? "migrate_pages" : "move_pages", to, nm_mig_stop_name(r->stop),
		 r->c.moved, r->c.failed, r->c.calls, r->c.busy_ns / 1000000, r->abort_errno ? ": " : "",
		 r->abort_errno ? strerror(r->abort_errno) : "");
}

/* Whether processes whose threads run on several nodes can be served. */
static void writes_source(const struct nm_engine *e)
{
	const char *why;
	int r = nm_engine_softdirty(e, &why);

	if (r < 0 && nm_engine_acts(e)) { /* a captured tree has none: said below */
		log_warn("soft-dirty bits unavailable: %s; no process is placed by region: "
			 "memory on nodes without CPUs is promoted only under tiering.promote: "
			 "all, and none is demoted to a goal", why);
		return;
	}
	r = nm_engine_writes(e, &why);
	if (r == 0)
		log_info("writes source: live (threads on several nodes are placed by region)");
	else if (r == -EOPNOTSUPP) /* a captured tree: nothing moves anyway */
		log_info("writes source: off on a captured tree");
	else
		log_warn("writes source unavailable: %s; processes whose threads run on "
			 "several nodes are left alone, the writes of those with one home are "
			 "read from their soft-dirty bits", why && *why ? why : strerror(-r));
}

/* Whether precise memory samples add reads to the writes. */
static void pmu_source(const struct nm_engine *e)
{
	const char *what;
	int r = nm_engine_pmu(e, &what);

	if (r == 0)
		log_info("pmu source: live (%s): regions are placed on loads too", what);
	else if (r != -EOPNOTSUPP)
		log_info("pmu source unavailable (regions are placed on writes only): %s", what);
}

void report_sources(const struct nm_engine *e)
{
	writes_source(e);
	pmu_source(e);
}

void report_damon(const struct nm_engine *e, int *last)
{
	struct nm_damon_stats st;
	const char *why;
	int r = nm_engine_damon(e, &why, &st);

	if (r == *last)
		return;
	*last = r;
	if (r == 0)
		log_info("DAMON source: live (reads of processes placed for tiering)");
	else if (r < 0)
		log_warn("DAMON source unavailable: %s; pages only read count as cold",
			 why ? why : strerror(-r));
}

/* planner: the per-task state machine of the "plan" stage. See
 * numamig/planner.h for the phases, the gate order and the reasons;
 * plan-gates.c reads the inputs and runs the gates.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "numamig/numamaps.h"
#include "plan-internal.h"

/* Doubling stops here even below the cap: 2^16 × dwell is beyond any cap. */
#define BACKOFF_MAX 16

static bool in_cooldown(const struct nm_plan_state *st, uint64_t now)
{
	return now < st->cooldown_until_ms;
}

/* max_dwell 0: backoff grows up to one hysteresis, at least dwell. */
static uint64_t dwell_cap(const struct nm_policy *pol)
{
	uint64_t cap = pol->max_dwell_ms ? pol->max_dwell_ms : pol->hysteresis_ms;

	return cap > pol->dwell_ms ? cap : pol->dwell_ms;
}

uint64_t nm_plan_dwell_ms(const struct nm_policy *pol, const struct nm_plan_state *st)
{
	uint64_t d = pol->dwell_ms, cap = dwell_cap(pol);

	for (unsigned i = 0; i < st->backoff && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

/* One more sign of instability: the next dwell doubles, up to the cap. */
static void backoff_up(const struct nm_policy *pol, struct nm_plan_state *st)
{
	if (st->backoff < BACKOFF_MAX && nm_plan_dwell_ms(pol, st) < dwell_cap(pol))
		st->backoff++;
}

/* A change of home is a sign of instability for a hysteresis after the
 * home was set (memory moved there; for a region, also found there and
 * adopted), and while the dwell is still backed off (the task has not
 * calmed down since it last proved unstable: without this a task that
 * keeps changing nodes would keep whatever backoff it had, and move again
 * as soon as a streak met it). The hysteresis is counted in the ticks'
 * windows like calm: a region whose writes are read once in a while is
 * watched for as many looks as a process is watched ticks, and a look
 * missed does not end it. */
static bool watching(const struct nm_policy *pol, const struct nm_plan_state *st)
{
	return st->backoff > 0 || (st->has_home && st->home_age_ms < pol->hysteresis_ms);
}

/* Each hysteresis of calm (ticks with one dominant node throughout, or
 * idle, never changed) halves the dwell again. Calm is the sum of the
 * ticks' windows, not wall time: a region is only seen when it is
 * written, and two looks at the same node far apart do not say it stayed
 * there in between. */
static void backoff_decay(const struct nm_policy *pol, struct nm_plan_state *st)
{
	if (pol->hysteresis_ms == 0) {
		st->backoff = 0;
		return;
	}
	while (st->backoff > 0 && st->calm_ms >= pol->hysteresis_ms) {
		st->backoff--;
		st->calm_ms -= pol->hysteresis_ms;
	}
}

/* NODE was dominant for this tick's window, or for the last RUN_MS of it
 * (0: all of it). A change of dominant node while watching marks the
 * task unstable. */
static void note_dominant(const struct plan_ctx *c, struct nm_plan_state *st, int node,
			  uint64_t run_ms)
{
	uint64_t now = c->in->now_ms, w = run_ms ? run_ms : c->window_ms;

	if (st->has_dom && st->dom == node) {
		st->streak_ms += w;
		st->calm_ms += w;
		return;
	}
	if (st->has_dom && watching(c->pol, st))
		backoff_up(c->pol, st);
	st->has_dom = true;
	st->dom = node;
	st->dom_since_ms = now > w ? now - w : 0;
	st->streak_ms = w;
	st->calm_ms = 0;
}

/* No node was dominant for this tick's window: an interruption resets the
 * candidate, and the task is not calm (its backoff does not decay). Home
 * lost while watching is a change of home, as in note_dominant: a
 * region whose writers keep changing nodes mostly looks shared, and only
 * now and then leans to one node for a window. */
static void note_none(const struct plan_ctx *c, struct nm_plan_state *st)
{
	if (st->streak_ms && st->has_home && st->has_dom && st->dom == st->home &&
	    watching(c->pol, st))
		backoff_up(c->pol, st);
	st->streak_ms = 0;
	st->calm_ms = 0;
}

/* Where the task rests when no candidate is pending. */
static enum nm_plan_phase rest_phase(const struct nm_plan_state *st, uint64_t now)
{
	if (!st->has_home)
		return NM_PLAN_NEW;
	return in_cooldown(st, now) ? NM_PLAN_COOLDOWN : NM_PLAN_SETTLED;
}

/* The move was admitted (or advised): record it and start the cooldown. */
static void commit(const struct plan_ctx *c, struct nm_plan_state *st,
		   struct nm_plan_decision *d)
{
	uint64_t now = c->in->now_ms;
	bool advise = c->pol->mode == NM_MODE_ADVISE;
	bool greedy = c->pol->policy == NM_POLICY_GREEDY;

	d->action = advise ? NM_PLAN_ADVISE : NM_PLAN_MIGRATE;
	st->stalled = false;
	st->has_home = true;
	st->home = d->target;
	st->home_age_ms = 0;
	if (!greedy)
		st->cooldown_until_ms = now + c->pol->hysteresis_ms;
	/* Advice moves nothing, so there is no next batch to wait for. */
	st->awaiting = !advise;
	st->mig_seq = c->in->placement_seq;
	st->mig_misplaced = d->misplaced_pages;
	st->mig_on_home = c->in->pages[d->target];
	if (!advise && d->partial)
		st->phase = NM_PLAN_MIGRATING;
	else
		st->phase = greedy ? NM_PLAN_SETTLED : rest_phase(st, now);
	st->last_action_ms = now;
	st->last_target = d->target;
	st->last_bytes = d->bytes;
	if (!advise) {
		st->migrations++;
		st->bytes_planned += d->bytes;
	}
}

/* Try a move to TARGET for reason WHY; returns the tick's reason. */
static enum nm_plan_reason attempt(const struct plan_ctx *c, struct nm_plan_state *st,
				   int target, enum nm_plan_reason why, unsigned flags,
				   struct nm_plan_decision *d)
{
	enum nm_plan_reason r;

	/* The last batch is not in the placement yet: planning again now
	 * would request the same pages twice. */
	if (st->awaiting)
		return NM_PLAN_R_AWAITING_PLACEMENT;
	r = plan_gates(c, target, flags, d);
	if (r == NM_PLAN_R_NONE) {
		commit(c, st, d);
		st->last_action_reason = why;
		return why;
	}
	/* Memory already where the new home is: adopt it, nothing to move. */
	if ((r == NM_PLAN_R_ALREADY_LOCAL || r == NM_PLAN_R_MIN_GAIN) &&
	    (!st->has_home || st->home != target)) {
		st->has_home = true;
		st->home = target;
		/* A region's home is where its writer was at a look: writers
		 * that keep moving show as a change soon after. A process that
		 * leaves the node where its memory is may be a misplaced start
		 * seen mid first-touch (touched on one node, run on another),
		 * which must follow at the plain dwell: not watched. */
		st->home_age_ms = c->region ? 0 : c->pol->hysteresis_ms;
		st->phase = rest_phase(st, c->in->now_ms);
	}
	return r;
}

/* The last batch moved something: fewer pages away from home, or more on
 * it (pages the task faulted in elsewhere meanwhile, or that a map read
 * mid first-touch did not see yet, can hide the first). */
static bool progressed(const struct plan_ctx *c, const struct nm_plan_state *st, uint64_t left)
{
	return left < st->mig_misplaced || c->in->pages[st->home] > st->mig_on_home;
}

/* Next lazy batch of the move to home under way. */
static enum nm_plan_reason carry_on(const struct plan_ctx *c, struct nm_plan_state *st,
				    struct nm_plan_decision *d)
{
	uint64_t left;

	if (st->awaiting)
		return NM_PLAN_R_AWAITING_PLACEMENT;
	left = plan_misplaced_pages(c->in, st->home);
	if (left > 0 && (!c->after_batch || progressed(c, st, left)))
		return attempt(c, st, st->home, NM_PLAN_R_CONTINUING, PLAN_TRY_CONTINUE, d);
	/* Done, or the last batch moved nothing (pinned, busy pages). */
	st->phase = rest_phase(st, c->in->now_ms);
	st->stalled = left > 0;
	d->target = st->home;
	d->misplaced_pages = left;
	return left ? NM_PLAN_R_STALLED : NM_PLAN_R_ALREADY_LOCAL;
}

/* Residency: the task runs on its home. */
static enum nm_plan_reason at_home(const struct plan_ctx *c, struct nm_plan_state *st,
				   struct nm_plan_decision *d)
{
	uint64_t now = c->in->now_ms;

	if (st->phase == NM_PLAN_MIGRATING)
		return carry_on(c, st, d);
	st->phase = rest_phase(st, now);
	/* The tail follows while moves move something. Pages still away
	 * after a move that moved nothing (pinned, or shared and not to be
	 * moved) stay until the cooldown ends, as a stalled batch does:
	 * asking for them every tick would only burn CPU and the budget. */
	if (in_cooldown(st, now) && !st->awaiting && c->pol->mode != NM_MODE_ADVISE) {
		uint64_t left = plan_misplaced_pages(c->in, st->home);

		if (left && !progressed(c, st, left))
			st->stalled = true;
	}
	/* The cooldown keeps memory from following a task to *another* node
	 * too soon (ping-pong). Pages still away from an unchanged home (a
	 * map read while the task was still faulting memory in) go the same
	 * way and may follow at once, unless the last batch stalled (pinned
	 * pages: retrying every tick would only burn CPU) or this is advice,
	 * which moves nothing and so would repeat every tick. */
	if (in_cooldown(st, now) && (st->stalled || c->pol->mode == NM_MODE_ADVISE)) {
		d->target = st->home;
		d->misplaced_pages = plan_misplaced_pages(c->in, st->home);
		return d->misplaced_pages ? NM_PLAN_R_COOLDOWN : NM_PLAN_R_ALREADY_LOCAL;
	}
	/* Inside the cooldown such pages are the tail of the move just made,
	 * which min_gain and cost/benefit judged whole: a tail under min_gain
	 * (the last tenth faulted in after the map was read) still goes. */
	return attempt(c, st, st->home, NM_PLAN_R_MISPLACED,
		       in_cooldown(st, now) ? PLAN_TRY_CONTINUE : 0, d);
}

/* The streak is a sum of tick windows, and ticks fire a few ms early or
 * late (and now_ms is whole ms): N windows of one interval may add up to
 * a little less than N intervals. Missing the dwell by that much must not
 * cost a whole tick more; a twentieth of a window is far above timer
 * jitter and far below a tick. */
static bool dwelt(const struct plan_ctx *c, const struct nm_plan_state *st, uint64_t dwell)
{
	return st->streak_ms + c->window_ms / 20 >= dwell;
}

/* Residency: NODE is dominant but is not home. */
static enum nm_plan_reason away(const struct plan_ctx *c, struct nm_plan_state *st, int node,
				struct nm_plan_decision *d)
{
	st->phase = NM_PLAN_CANDIDATE;
	if (!dwelt(c, st, d->dwell_ms))
		return NM_PLAN_R_DWELL;
	st->phase = NM_PLAN_STABLE;
	if (in_cooldown(st, c->in->now_ms))
		return NM_PLAN_R_COOLDOWN;
	return attempt(c, st, node, NM_PLAN_R_HOME_CHANGED, 0, d);
}

/* The operator asked: go to where it runs, or to its home when the tick
 * does not say. Dwell, cooldown and the judgement gates do not apply. */
static enum nm_plan_reason triggered(const struct plan_ctx *c, struct nm_plan_state *st,
				     struct plan_obs o, struct nm_plan_decision *d)
{
	int target = o.kind == PLAN_OBS_NODE ? o.node : st->has_home ? st->home : -1;

	if (target < 0)
		return o.kind == PLAN_OBS_IDLE ? NM_PLAN_R_IDLE : NM_PLAN_R_NO_DOMINANT_NODE;
	return attempt(c, st, target, NM_PLAN_R_TRIGGERED, PLAN_TRY_TRIGGER, d);
}

static bool too_small(const struct plan_ctx *c)
{
	return plan_eligible_pages(c->in) * c->in->page_size < c->pol->min_rss_bytes;
}

static enum nm_plan_reason residency(const struct plan_ctx *c, struct nm_plan_state *st,
				     struct plan_obs o, struct nm_plan_decision *d)
{
	if (c->in->triggered)
		return triggered(c, st, o, d);
	if (o.kind == PLAN_OBS_IDLE)
		return NM_PLAN_R_IDLE;
	if (o.kind == PLAN_OBS_NONE) {
		if (st->phase == NM_PLAN_CANDIDATE || st->phase == NM_PLAN_STABLE)
			st->phase = rest_phase(st, c->in->now_ms);
		return NM_PLAN_R_NO_DOMINANT_NODE;
	}
	if (too_small(c))
		return NM_PLAN_R_TOO_SMALL;
	if (st->has_home && o.node == st->home)
		return at_home(c, st, d);
	return away(c, st, o.node, d);
}

/* Greedy: memory goes where the task ran most, now. */
static enum nm_plan_reason greedy(const struct plan_ctx *c, struct nm_plan_state *st,
				  struct plan_obs o, struct nm_plan_decision *d)
{
	unsigned flags = PLAN_TRY_NO_COST;

	if (c->in->triggered)
		return triggered(c, st, o, d);
	if (o.kind == PLAN_OBS_IDLE)
		return NM_PLAN_R_IDLE;
	if (o.kind == PLAN_OBS_NONE)   /* only CPU-less nodes had time */
		return NM_PLAN_R_NO_DOMINANT_NODE;
	if (too_small(c))
		return NM_PLAN_R_TOO_SMALL;
	if (st->phase == NM_PLAN_MIGRATING && st->home == o.node)
		flags |= PLAN_TRY_CONTINUE;
	return attempt(c, st, o.node,
		       flags & PLAN_TRY_CONTINUE ? NM_PLAN_R_CONTINUING : NM_PLAN_R_GREEDY, flags, d);
}

static bool input_ok(const struct nm_policy *pol, const struct nm_plan_input *in,
		     const struct nm_plan_state *st, const struct nm_plan_decision *d)
{
	return pol && in && st && d && in->nr_nodes > 0 && in->nr_nodes <= NM_MAPS_MAX_NODES &&
	       in->cpu_ns && in->pages && in->page_size > 0;
}

/* Fill the tick's context: window and placement freshness. */
static void setup(struct plan_ctx *c, struct nm_plan_state *st)
{
	const struct nm_plan_input *in = c->in;

	c->window_ms = in->window_ms;
	if (!c->window_ms && st->last_tick_ms && in->now_ms > st->last_tick_ms)
		c->window_ms = in->now_ms - st->last_tick_ms;
	/* A re-read placement shows what the last batch did; untracked
	 * (seq 0) placements are taken as fresh every tick. */
	c->after_batch = st->awaiting && (!in->placement_seq || in->placement_seq != st->mig_seq);
	if (c->after_batch)
		st->awaiting = false;
}

/* Lindy: a home that has lasted T is expected to last T more; never less
 * than the dwell that admitted it. */
static uint64_t horizon(const struct nm_plan_state *st, uint64_t now, uint64_t dwell)
{
	uint64_t age = st->has_dom && now > st->dom_since_ms ? now - st->dom_since_ms : 0;

	return age > dwell ? age : dwell;
}

/* Book-keeping every tick ends with, for explain and counters. */
static void finish(struct nm_plan_state *st, struct nm_plan_decision *d,
		   enum nm_plan_reason r, uint64_t now)
{
	d->reason = r;
	st->last_reason = r;
	st->last_reason_ms = now;
	st->last_tick_ms = now;
	st->reasons[r]++;
}

int nm_plan_tick(const struct nm_policy *pol, const struct nm_plan_input *in,
		 struct nm_plan_budget *budget, struct nm_plan_state *st,
		 struct nm_plan_decision *out)
{
	return plan_tick(pol, in, budget, st, out, false);
}

int plan_tick(const struct nm_policy *pol, const struct nm_plan_input *in,
	      struct nm_plan_budget *budget, struct nm_plan_state *st,
	      struct nm_plan_decision *out, bool region)
{
	struct plan_ctx c = { .pol = pol, .in = in, .budget = budget, .region = region };
	struct bitmask *src;
	struct plan_obs o;
	enum nm_plan_reason r;

	if (!input_ok(pol, in, st, out))
		return -EINVAL;
	src = out->src;
	memset(out, 0, sizeof(*out));
	out->src = src;
	if (src)
		numa_bitmask_clearall(src);
	out->now_ms = in->now_ms;
	out->home = out->target = -1;
	setup(&c, st);
	if (pol->mode == NM_MODE_OFF) {
		finish(st, out, NM_PLAN_R_MODE_OFF, in->now_ms);
		return 0;
	}
	o = plan_observe(&c);
	out->home = o.kind == PLAN_OBS_NODE ? o.node : -1;
	if (pol->policy == NM_POLICY_GREEDY) {
		r = greedy(&c, st, o, out);
	} else {
		if (o.kind == PLAN_OBS_NODE)
			note_dominant(&c, st, o.node, o.run_ms);
		else if (o.kind == PLAN_OBS_NONE)
			note_none(&c, st);
		else
			st->calm_ms += c.window_ms;   /* idle: nothing changed */
		backoff_decay(pol, st);
		st->home_age_ms += c.window_ms;
		out->dwell_ms = nm_plan_dwell_ms(pol, st);
		c.horizon_ms = horizon(st, in->now_ms, out->dwell_ms);
		r = residency(&c, st, o, out);
	}
	finish(st, out, r, in->now_ms);
	return 0;
}

/* plan-gates: the planner's view of one tick's inputs, and the gates a
 * migration must pass. See numamig/planner.h for the order and reasons.
 *
 * Cost/benefit (a migration pays only if the pages are touched
 * enough afterwards). Both sides are in task time:
 *   benefit = horizon × cpu_rate × misplaced/eligible × remote_penalty
 *     the run time the task stops losing to remote accesses: over the
 *     time it is expected to stay home it runs cpu_rate CPUs' worth, a
 *     misplaced/eligible share of its accesses are remote (accesses
 *     spread evenly over its memory), and each remote share costs
 *     remote_penalty extra (the daemon derives it from the SLIT distance).
 *   cost = misplaced bytes / migration throughput
 *     the time the move takes (the daemon measures the throughput).
 * The horizon is Lindy-style: a home that has lasted T is expected to last
 * about T more, and never less than the dwell that admitted it. Since
 * both sides are proportional to the misplaced bytes, the test amounts to
 * horizon × cpu_rate × penalty × throughput ≥ eligible bytes: a task must
 * expect to run home long enough to have streamed its whole working set
 * across the interconnect at the migration rate. A lazy batch capped by
 * tokens or headroom is judged on the whole move (same ratio). Busy tasks
 * pass fast; a mostly idle task touches little and is left alone.
 * Calibration: a task using one CPU with 128 MiB misplaced, at the TCG
 * throughput (0.14 GB/s) and penalty 100 %, needs a horizon of 0.96 s, so
 * a 1 s dwell passes at once; 256 MiB on one CPU waits for 2 s of home.
 */
#include "config.h"

#include "plan-internal.h"

/* Residency: the node with at least `dominance` of the CPU time. A node
 * without CPUs cannot be home even if a bad sample says it ran there. */
static struct plan_obs observe_dominant(const struct plan_ctx *c, uint64_t total)
{
	const struct nm_plan_input *in = c->in;
	unsigned dom = c->pol->dominance_pct;
	struct plan_obs o = { PLAN_OBS_NONE, -1, 0 };

	for (int n = 0; n < in->nr_nodes; n++) {
		if (in->cpu_nodes && !numa_bitmask_isbitset(in->cpu_nodes, n))
			continue;
		/* share >= dom, in integers: cpu * 100 >= dom * total. With
		 * dominance <= 50 two nodes could qualify; take the larger. */
		if ((unsigned __int128)in->cpu_ns[n] * 100 >= (unsigned __int128)dom * total &&
		    in->cpu_ns[n] > 0 && (o.node < 0 || in->cpu_ns[n] > in->cpu_ns[o.node])) {
			o.kind = PLAN_OBS_NODE;
			o.node = n;
		}
	}
	return o;
}

/* Greedy: where it ran most; a tie goes to last_node, else the lowest id. */
static struct plan_obs observe_most(const struct plan_ctx *c)
{
	const struct nm_plan_input *in = c->in;
	struct plan_obs o = { PLAN_OBS_NONE, -1, 0 };

	for (int n = 0; n < in->nr_nodes; n++) {
		if (in->cpu_nodes && !numa_bitmask_isbitset(in->cpu_nodes, n))
			continue;
		if (in->cpu_ns[n] == 0)
			continue;
		if (o.node < 0 || in->cpu_ns[n] > in->cpu_ns[o.node] ||
		    (in->cpu_ns[n] == in->cpu_ns[o.node] && n == in->last_node)) {
			o.kind = PLAN_OBS_NODE;
			o.node = n;
		}
	}
	return o;
}

/* Residency: a task that moved in the window and has run on the new node
 * alone since, for a quarter of the window or more (every sample of every
 * thread), is seen there for that long. Its dwell counts from the move,
 * not from the first whole window after it: the tick that ends the dwell
 * comes that much sooner (nm_engine_dwell_due_ms). Less than a quarter is
 * too short to tell a move from a thread's short visit elsewhere. */
static struct plan_obs observe_tail(const struct plan_ctx *c, struct plan_obs o)
{
	const struct nm_plan_input *in = c->in;
	int n = in->tail_node;

	/* A region's input is its process's: the tail is not its writers'. */
	if (c->region || in->tail_ms == 0 || in->tail_ms >= c->window_ms ||
	    in->tail_ms * 4 < c->window_ms ||
	    n < 0 || n >= in->nr_nodes || (o.kind == PLAN_OBS_NODE && o.node == n) ||
	    (in->cpu_nodes && !numa_bitmask_isbitset(in->cpu_nodes, (unsigned)n)))
		return o;
	return (struct plan_obs){ PLAN_OBS_NODE, n, in->tail_ms };
}

struct plan_obs plan_observe(const struct plan_ctx *c)
{
	uint64_t total = 0;
	struct plan_obs idle = { PLAN_OBS_IDLE, -1, 0 };

	for (int n = 0; n < c->in->nr_nodes; n++)
		total += c->in->cpu_ns[n];
	if (total == 0)
		return idle;
	if (c->pol->policy == NM_POLICY_GREEDY)
		return observe_most(c);
	return observe_tail(c, observe_dominant(c, total));
}

uint64_t plan_eligible_pages(const struct nm_plan_input *in)
{
	uint64_t sum = 0;

	for (int n = 0; n < in->nr_nodes; n++)
		sum += in->pages[n];
	return sum;
}

uint64_t plan_misplaced_pages(const struct nm_plan_input *in, int target)
{
	uint64_t on = target >= 0 && target < in->nr_nodes ? in->pages[target] : 0;

	return plan_eligible_pages(in) - on;
}

static void fill_sources(const struct nm_plan_input *in, int target, struct bitmask *src)
{
	if (!src)
		return;
	numa_bitmask_clearall(src);
	for (int n = 0; n < in->nr_nodes; n++)
		if (n != target && in->pages[n] > 0)
			numa_bitmask_setbit(src, (unsigned)n);
}

/* Fill in the cost/benefit estimate; true when the move pays. */
static bool worth_it(const struct plan_ctx *c, int target, struct nm_plan_decision *d)
{
	const struct nm_plan_input *in = c->in;
	double bps = in->mig_bps ? (double)in->mig_bps : (double)NM_PLAN_DEFAULT_MIG_BPS;
	double pen = (in->remote_penalty_pct ? in->remote_penalty_pct
					     : NM_PLAN_DEFAULT_PENALTY_PCT) / 100.0;
	/* An unknown window: assume one busy CPU rather than refuse. */
	double rate = c->window_ms ? (double)in->cpu_ns[target] / (c->window_ms * 1e6) : 1.0;
	double share = (double)d->misplaced_pages / (double)d->eligible_pages;
	double benefit = (double)c->horizon_ms * 1e3 * rate * share * pen;
	double cost = (double)d->misplaced_pages * (double)in->page_size * 1e6 / bps;

	d->benefit_us = (uint64_t)benefit;
	d->cost_us = (uint64_t)cost;
	return benefit >= cost;
}

/* Smallest lazy batch worth a call: batch_min pages (at least one). */
static uint64_t min_batch_bytes(const struct plan_ctx *c)
{
	return (c->pol->batch_min ? c->pol->batch_min : 1) * c->in->page_size;
}

/* Cap D->bytes at CAP bytes (whole pages). A lazy move may be cut into
 * batches; a direct one is all or nothing. False when what is left is too
 * small to be worth a call. */
static bool cap_bytes(const struct plan_ctx *c, struct nm_plan_decision *d, uint64_t cap)
{
	uint64_t ps = c->in->page_size;

	if (cap >= d->bytes)
		return true;
	if (d->direct || cap < min_batch_bytes(c))
		return false;
	d->bytes = cap / ps * ps;
	d->pages = d->bytes / ps;
	d->partial = true;
	return true;
}

/* Refuse to fill the target past its high watermark. */
static bool headroom_ok(const struct plan_ctx *c, int target, struct nm_plan_decision *d)
{
	int64_t room;

	if (!c->in->headroom)
		return true;
	room = c->in->headroom[target];
	return cap_bytes(c, d, room > 0 ? (uint64_t)room : 0);
}

/* Reserve the bytes from the bucket. A direct move borrows: it needs only
 * a bucket not in debt, then pays in full. */
static bool rate_ok(const struct plan_ctx *c, struct nm_plan_decision *d)
{
	uint64_t avail;

	if (!c->budget || c->pol->mode == NM_MODE_ADVISE)
		return true;
	avail = nm_plan_budget_available(c->budget, c->in->now_ms);
	if (d->direct ? avail == 0 : !cap_bytes(c, d, avail))
		return false;
	nm_plan_budget_take(c->budget, d->bytes, d->direct);
	return true;
}

enum nm_plan_reason plan_gates(const struct plan_ctx *c, int target, unsigned flags,
			       struct nm_plan_decision *d)
{
	const struct nm_plan_input *in = c->in;
	bool judge = !(flags & (PLAN_TRY_TRIGGER | PLAN_TRY_CONTINUE));

	d->target = target;
	d->eligible_pages = plan_eligible_pages(in);
	d->misplaced_pages = plan_misplaced_pages(in, target);
	d->pages = d->misplaced_pages;
	d->bytes = d->pages * in->page_size;
	d->direct = c->pol->mode == NM_MODE_DIRECT;
	fill_sources(in, target, d->src);
	if (in->allowed && !numa_bitmask_isbitset(in->allowed, (unsigned)target))
		return NM_PLAN_R_NOT_ALLOWED;
	if (d->misplaced_pages == 0)
		return NM_PLAN_R_ALREADY_LOCAL;
	if (judge && d->misplaced_pages * 100 < (uint64_t)c->pol->min_gain_pct * d->eligible_pages)
		return NM_PLAN_R_MIN_GAIN;
	if (judge && !(flags & PLAN_TRY_NO_COST) && !worth_it(c, target, d))
		return NM_PLAN_R_NOT_WORTH_IT;
	if (!headroom_ok(c, target, d))
		return NM_PLAN_R_NODE_FULL;
	if (!rate_ok(c, d))
		return NM_PLAN_R_RATE_LIMITED;
	return NM_PLAN_R_NONE;
}

bool nm_plan_sharer_yields(const struct nm_plan_sharer *mine, const struct nm_plan_sharer *other,
			   unsigned dominance_pct)
{
	uint64_t both = mine->cpu_ns + other->cpu_ns;

	if (!mine->inode || mine->inode != other->inode || mine->dev_major != other->dev_major ||
	    mine->dev_minor != other->dev_minor)
		return false;
	if (mine->offset >= other->offset + other->bytes ||
	    other->offset >= mine->offset + mine->bytes)
		return false; /* other pages of the same file */
	if (other->home < 0 || other->home == mine->home)
		return false; /* they want the pages where this one does */
	return !both || mine->cpu_ns * 100 < both * dominance_pct;
}

/* Device and inode, in order. */
static int file_cmp(const struct nm_plan_sharer *a, const struct nm_plan_sharer *b)
{
	if (a->dev_major != b->dev_major)
		return a->dev_major < b->dev_major ? -1 : 1;
	if (a->dev_minor != b->dev_minor)
		return a->dev_minor < b->dev_minor ? -1 : 1;
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return 0;
}

int nm_plan_sharer_cmp(const void *a, const void *b)
{
	const struct nm_plan_sharer *x = a, *y = b;
	int c = file_cmp(x, y);

	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void nm_plan_sharers_meet(const struct nm_plan_sharer *mine, size_t n,
			  const struct nm_plan_sharer *other, unsigned dominance_pct, bool *yield)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (file_cmp(&mine[mid], other) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && !file_cmp(&mine[i], other) &&
			    mine[i].offset < other->offset + other->bytes; i++)
		if (!yield[i] && nm_plan_sharer_yields(&mine[i], other, dominance_pct))
			yield[i] = true;
}

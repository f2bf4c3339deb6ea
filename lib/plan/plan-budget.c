/* plan-budget: the planner's token bucket for rate_limit, and the stable
 * names of its enums. See numamig/planner.h.
 *
 * Tokens are bytes. The bucket refills at rate_bps up to burst; the planner
 * reserves a decision's bytes when it emits it, so several tasks planned
 * in one tick share the rate instead of each seeing the full bucket, and
 * the daemon refunds what the migrator did not move.
 */
#include "config.h"

#include <stdint.h>

#include "numamig/planner.h"

/* Bounds that keep every sum below in int64_t range: tokens stay within
 * [-DEBT_MAX, burst] and burst <= TOKENS_MAX. */
#define TOKENS_MAX (INT64_MAX / 4)
#define DEBT_MAX (INT64_MAX / 2)

void nm_plan_budget_init(struct nm_plan_budget *b, uint64_t rate_bps, uint64_t burst,
			 uint64_t now_ms)
{
	b->rate_bps = rate_bps;
	b->burst = burst ? burst : rate_bps;
	if (b->burst > TOKENS_MAX)
		b->burst = TOKENS_MAX;
	b->tokens = (int64_t)b->burst;
	b->last_ms = now_ms;
}

void nm_plan_budget_refill(struct nm_plan_budget *b, uint64_t now_ms)
{
	unsigned __int128 add;

	if (b->rate_bps == 0 || now_ms <= b->last_ms)
		return;
	/* 128 bits: rate × elapsed overflows 64 after a long idle period. */
	add = (unsigned __int128)b->rate_bps * (now_ms - b->last_ms) / 1000;
	/* Keep the clock until a whole byte has accrued, or a caller ticking
	 * faster than one byte per millisecond would never earn one. */
	if (add == 0)
		return;
	b->last_ms = now_ms;
	if ((__int128)add >= (__int128)b->burst - b->tokens)
		b->tokens = (int64_t)b->burst;
	else
		b->tokens += (int64_t)add;
}

uint64_t nm_plan_budget_available(struct nm_plan_budget *b, uint64_t now_ms)
{
	if (b->rate_bps == 0)
		return UINT64_MAX;
	nm_plan_budget_refill(b, now_ms);
	return b->tokens > 0 ? (uint64_t)b->tokens : 0;
}

void nm_plan_budget_take(struct nm_plan_budget *b, uint64_t bytes, bool borrow)
{
	uint64_t have = b->tokens > 0 ? (uint64_t)b->tokens : 0;

	if (b->rate_bps == 0)
		return;
	if (!borrow && bytes > have)
		bytes = have;
	if (bytes > TOKENS_MAX)
		bytes = TOKENS_MAX;
	b->tokens -= (int64_t)bytes;
	if (b->tokens < -DEBT_MAX)
		b->tokens = -DEBT_MAX;
}

void nm_plan_budget_refund(struct nm_plan_budget *b, uint64_t bytes)
{
	if (b->rate_bps == 0)
		return;
	if (bytes > b->burst)
		bytes = b->burst;
	b->tokens += (int64_t)bytes;
	if (b->tokens > (int64_t)b->burst)
		b->tokens = (int64_t)b->burst;
}

static const char *const reason_names[NM_PLAN_R_COUNT] = {
	[NM_PLAN_R_NONE] = "none",
	[NM_PLAN_R_HOME_CHANGED] = "home_changed",
	[NM_PLAN_R_MISPLACED] = "misplaced",
	[NM_PLAN_R_CONTINUING] = "continuing",
	[NM_PLAN_R_TRIGGERED] = "triggered",
	[NM_PLAN_R_GREEDY] = "greedy",
	[NM_PLAN_R_MODE_OFF] = "mode_off",
	[NM_PLAN_R_IDLE] = "idle",
	[NM_PLAN_R_NO_DOMINANT_NODE] = "no_dominant_node",
	[NM_PLAN_R_TOO_SMALL] = "too_small",
	[NM_PLAN_R_DWELL] = "dwell",
	[NM_PLAN_R_COOLDOWN] = "cooldown",
	[NM_PLAN_R_AWAITING_PLACEMENT] = "awaiting_placement",
	[NM_PLAN_R_NOT_ALLOWED] = "not_allowed",
	[NM_PLAN_R_ALREADY_LOCAL] = "already_local",
	[NM_PLAN_R_MIN_GAIN] = "min_gain",
	[NM_PLAN_R_NOT_WORTH_IT] = "not_worth_it",
	[NM_PLAN_R_NODE_FULL] = "node_full",
	[NM_PLAN_R_RATE_LIMITED] = "rate_limited",
	[NM_PLAN_R_STALLED] = "stalled",
};

static const char *const phase_names[NM_PLAN_NR_PHASES] = {
	[NM_PLAN_NEW] = "new",
	[NM_PLAN_SETTLED] = "settled",
	[NM_PLAN_CANDIDATE] = "candidate",
	[NM_PLAN_STABLE] = "stable",
	[NM_PLAN_MIGRATING] = "migrating",
	[NM_PLAN_COOLDOWN] = "cooldown",
};

const char *nm_plan_reason_name(enum nm_plan_reason r)
{
	return (unsigned)r < NM_PLAN_R_COUNT ? reason_names[r] : "unknown";
}

const char *nm_plan_state_name(enum nm_plan_phase p)
{
	return (unsigned)p < NM_PLAN_NR_PHASES ? phase_names[p] : "unknown";
}

const char *nm_plan_action_name(enum nm_plan_action a)
{
	switch (a) {
	case NM_PLAN_NONE: return "none";
	case NM_PLAN_MIGRATE: return "migrate";
	case NM_PLAN_ADVISE: return "would_migrate";
	}
	return "unknown";
}

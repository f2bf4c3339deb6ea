/* Tests of lib/plan/plan-gates.c and lib/plan/plan-budget.c: what may stop or cut a
 * migration the state machine wants (allowed nodes, min_gain, headroom,
 * rate, cost/benefit), trigger, advise, and the explain record; played by
 * the simulator in plan-sim.h. */
#include "plan-sim.h"

START_TEST(test_gates_allowed_gain_small)
{
	numa_bitmask_setbit(allowed_mask, 0);
	s->in.allowed = allowed_mask;
	play("1=not_allowed");
	ck_assert_int_eq(s->st.phase, NM_PLAN_STABLE);
	play("0=already_local");
	s->pages[0] = WS - WS / 16;                      /* 6.25 % on node 1 */
	s->pages[1] = WS / 16;
	play("0=min_gain");
	s->pol.min_gain_pct = 6;                         /* 6 % is enough */
	play("0=misplaced");
	ck_assert_uint_eq(s->d.pages, WS / 16);
	s->pol.min_rss_bytes = WS * PAGE + 1;
	play("1=too_small");
	s->pol.mode = NM_MODE_OFF;
	play("1=mode_off");
}
END_TEST

START_TEST(test_gate_headroom)
{
	s->in.headroom = s->room;
	s->room[1] = 63 * PAGE;                          /* under one batch */
	play("1=node_full");
	s->room[1] = -5;
	play("1=node_full");
	s->room[1] = WS * PAGE / 4 + 100;                /* lazy: a partial batch */
	play("1=home_changed");
	ck_assert(s->d.partial);
	ck_assert_uint_eq(s->d.pages, WS / 4);
	ck_assert_int_eq(s->st.phase, NM_PLAN_MIGRATING);
	sim_init(s, NM_POLICY_RESIDENCY, 0);           /* direct: all or nothing */
	s->pol.mode = NM_MODE_DIRECT;
	s->in.headroom = s->room;
	s->room[1] = WS * PAGE - 1;
	play("1=node_full");
	s->room[1] = WS * PAGE;
	play("1=home_changed");
	ck_assert(s->d.direct && !s->d.partial);
	/* A lazy batch that moves nothing ends the move. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	s->in.headroom = s->room;
	s->room[1] = WS * PAGE / 4;
	play("1=home_changed"); /* a quarter moves */
	s->frozen = true;
	play("1=continuing 1=stalled"); /* this batch moves nothing */
	ck_assert_int_eq(s->st.phase, NM_PLAN_COOLDOWN);
	play("1=cooldown");
}
END_TEST

/* Lazy: the rate limit cuts the move into batches that continue through
 * the cooldown; each waits for the placement to show the last one. */
START_TEST(test_gate_rate)
{
	s->limited = true;
	nm_plan_budget_init(&s->budget, WS * PAGE / 4, 0, 0); /* 16 MiB/s */
	play("1=home_changed");
	ck_assert(s->d.partial);
	ck_assert_uint_eq(s->d.pages, WS / 4);
	ck_assert_uint_eq(nm_plan_budget_available(&s->budget, s->now), 0);
	s->in.placement_seq = s->now;                     /* not re-read yet */
	s->now += TICK;
	s->in.now_ms = s->now;
	nm_plan_tick(&s->pol, &s->in, &s->budget, &s->st, &s->d);
	ck_assert_int_eq(s->d.reason, NM_PLAN_R_AWAITING_PLACEMENT);
	play("1=continuing*3 1=already_local");
	ck_assert_uint_eq(s->migrations, 4);
	ck_assert(locality(s, 1) == 1.0);
	ck_assert_int_eq(s->st.phase, NM_PLAN_COOLDOWN);
	/* Fewer tokens than batch_min pages: wait. */
	s->budget.tokens = 63 * PAGE;
	s->budget.last_ms = s->now + TICK;                /* no refill next tick */
	s->st.cooldown_until_ms = 0;
	s->pages[0] = WS / 2, s->pages[1] = WS / 2;
	play("1=rate_limited");
	ck_assert_int_eq(s->d.action, NM_PLAN_NONE);
	/* Direct: one migrate_pages moves everything; it borrows, then later
	 * moves wait until the debt is paid. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	s->pol.mode = NM_MODE_DIRECT;
	s->pol.hysteresis_ms = 0;
	s->limited = true;
	nm_plan_budget_init(&s->budget, WS * PAGE / 4, 0, 0);
	play("1=home_changed");
	ck_assert_uint_eq(s->d.pages, WS);
	ck_assert_int_lt(s->budget.tokens, 0);
	play("0=rate_limited*3 0=home_changed"); /* 3 s of debt left */
}
END_TEST

/* Cost/benefit both ways: a task using a tenth of a CPU on 512 MiB does
 * not pay at first, and does once its home has lasted long enough. */
START_TEST(test_cost_benefit)
{
	uint64_t light[NODES] = { 0, SEC / 10 };
	int t;

	s->pages[0] = 8 * WS;                            /* 512 MiB */
	ck_assert_int_eq(sim_tick_cpu(s, light), NM_PLAN_R_NOT_WORTH_IT);
	ck_assert_uint_eq(s->d.benefit_us, 100000);      /* 1 s x 0.1 CPU x 100 % */
	ck_assert_uint_eq(s->d.cost_us, 8 * WS * PAGE * 1000000 / NM_PLAN_DEFAULT_MIG_BPS);
	ck_assert_int_eq(s->st.phase, NM_PLAN_STABLE);
	/* Needs 0.1 x horizon >= 3.83 s: a horizon of 39 s. */
	for (t = 2; sim_tick_cpu(s, light) == NM_PLAN_R_NOT_WORTH_IT; t++)
		;
	ck_assert_int_eq(s->d.reason, NM_PLAN_R_HOME_CHANGED);
	ck_assert_int_eq(t, 39);
	/* Faster measured moves or a bigger penalty pay sooner. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	s->pages[0] = 8 * WS;
	s->in.mig_bps = 10 * NM_PLAN_DEFAULT_MIG_BPS;
	s->in.remote_penalty_pct = 400;
	ck_assert_int_eq(sim_tick_cpu(s, light), NM_PLAN_R_HOME_CHANGED);
}
END_TEST

/* Trigger: past dwell and cooldown, not past allowed, headroom, rate. */
START_TEST(test_trigger)
{
	s->pol.dwell_ms = 5000;
	s->in.triggered = true;
	play("1=triggered 0=triggered -=already_local"); /* no dwell; no cooldown; idle: its home */
	s->pages[0] = 0, s->pages[1] = WS;
	numa_bitmask_setbit(allowed_mask, 1);
	s->in.allowed = allowed_mask;
	play("0=not_allowed");
	numa_bitmask_setbit(allowed_mask, 0);
	s->in.headroom = s->room;
	play("0=node_full");
	s->room[0] = INT64_MAX;
	s->limited = true;
	nm_plan_budget_init(&s->budget, 1000, 0, 0);
	s->budget.tokens = 0;
	play("0=rate_limited");
}
END_TEST

/* Advise: the same decisions, nothing moved, nothing debited; the advice
 * repeats once per hysteresis. */
START_TEST(test_advise)
{
	s->pol.mode = NM_MODE_ADVISE;
	s->limited = true;
	nm_plan_budget_init(&s->budget, PAGE, 0, 0);
	play("1=home_changed");
	ck_assert_int_eq(s->d.action, NM_PLAN_ADVISE);
	ck_assert_uint_eq(s->d.pages, WS);
	play("1=cooldown*9 1=misplaced 1=cooldown*9 1=misplaced"); /* t = 11, 21 s */
	ck_assert_int_eq(s->d.action, NM_PLAN_ADVISE);
	ck_assert_uint_eq(s->migrations + s->moved, 0);
	ck_assert_int_eq(s->budget.tokens, (int64_t)PAGE);
	ck_assert_uint_eq(s->st.migrations, 0);
	ck_assert_int_eq(s->st.last_action_reason, NM_PLAN_R_MISPLACED);
}
END_TEST

START_TEST(test_budget)
{
	struct nm_plan_budget b;

	nm_plan_budget_init(&b, 1000, 0, 100);          /* 1000 B/s, burst 1000 */
	ck_assert_uint_eq(nm_plan_budget_available(&b, 100), 1000);
	nm_plan_budget_take(&b, 600, false);
	ck_assert_uint_eq(nm_plan_budget_available(&b, 100), 400);
	ck_assert_uint_eq(nm_plan_budget_available(&b, 300), 600);  /* +200 */
	ck_assert_uint_eq(nm_plan_budget_available(&b, 50), 600);   /* backwards */
	ck_assert_uint_eq(nm_plan_budget_available(&b, 99999), 1000); /* burst */
	nm_plan_budget_take(&b, 5000, false);           /* no borrowing: empties */
	ck_assert_int_eq(b.tokens, 0);
	nm_plan_budget_refund(&b, 300);
	ck_assert_uint_eq(nm_plan_budget_available(&b, 99999), 300);
	nm_plan_budget_refund(&b, UINT64_MAX);
	ck_assert_int_eq(b.tokens, 1000);
	nm_plan_budget_take(&b, 3000, true);            /* borrow 2000 */
	ck_assert_uint_eq(nm_plan_budget_available(&b, 100999), 0);
	ck_assert_uint_eq(nm_plan_budget_available(&b, 101999), 0);
	ck_assert_uint_eq(nm_plan_budget_available(&b, 102499), 500);
	nm_plan_budget_take(&b, UINT64_MAX, true);      /* clamped, no overflow */
	ck_assert_uint_eq(nm_plan_budget_available(&b, UINT64_MAX), 1000);
	nm_plan_budget_init(&b, 1, 10, 0);              /* sub-byte ticks accrue */
	b.tokens = 0;
	for (uint64_t t = 1; t <= 2000; t++)
		nm_plan_budget_refill(&b, t);
	ck_assert_int_eq(b.tokens, 2);
	nm_plan_budget_init(&b, UINT64_MAX, 0, 0);      /* huge rates do not wrap */
	nm_plan_budget_take(&b, UINT64_MAX, true);
	ck_assert_uint_gt(nm_plan_budget_available(&b, UINT64_MAX / 2), 0);
	nm_plan_budget_init(&b, 0, 0, 0);               /* unlimited */
	ck_assert_uint_eq(nm_plan_budget_available(&b, 5), UINT64_MAX);
}
END_TEST

/* explain needs the last outcome, the last action, and counts. */
START_TEST(test_explain_record)
{
	struct nm_plan_state before;

	ck_assert_int_eq(s->st.last_reason, NM_PLAN_R_NONE);
	play("1=home_changed 1=already_local -=idle");
	ck_assert_uint_eq(s->st.last_reason_ms, 3000);
	ck_assert_int_eq(s->st.last_action_reason, NM_PLAN_R_HOME_CHANGED);
	ck_assert_uint_eq(s->st.last_action_ms, 1000);
	ck_assert_int_eq(s->st.last_target, 1);
	ck_assert_uint_eq(s->st.last_bytes, WS * PAGE);
	ck_assert_uint_eq(s->st.migrations, 1);
	ck_assert_uint_eq(s->st.bytes_planned, WS * PAGE);
	ck_assert_uint_eq(s->st.reasons[NM_PLAN_R_ALREADY_LOCAL], 1);
	ck_assert_uint_eq(s->st.reasons[NM_PLAN_R_IDLE], 1);
	/* Inconsistent input leaves the state alone. */
	before = s->st;
	s->in.nr_nodes = 0;
	ck_assert_int_eq(nm_plan_tick(&s->pol, &s->in, NULL, &s->st, &s->d), -EINVAL);
	s->in.nr_nodes = 2;
	s->in.page_size = 0;
	ck_assert_int_eq(nm_plan_tick(&s->pol, &s->in, NULL, &s->st, &s->d), -EINVAL);
	s->in.page_size = PAGE;
	s->in.pages = NULL;
	ck_assert_int_eq(nm_plan_tick(&s->pol, &s->in, NULL, &s->st, &s->d), -EINVAL);
	ck_assert_int_eq(memcmp(&before, &s->st, sizeof(before)), 0);
}
END_TEST

/* Of two tracked processes mapping the same file pages with different
 * homes, only the one with `dominance` of their CPU time moves them; with
 * neither dominant both leave them. Other files, other ranges of the same
 * file, an other without a home or with the same home: no effect. */
START_TEST(test_sharer_yields)
{
	const uint64_t cpu = 1000000000ull;
	/* The parent maps the whole file from node 0, nearly idle; a child
	 * streams its slice (the second half) on node 1. */
	struct nm_plan_sharer parent = { 8, 1, 42, 0, 16 << 20, 0, cpu / 100, 0 };
	struct nm_plan_sharer child = { 8, 1, 42, 8 << 20, 8 << 20, 1, cpu, 0 };
	struct nm_plan_sharer x;

	ck_assert(nm_plan_sharer_yields(&parent, &child, 70));
	ck_assert(!nm_plan_sharer_yields(&child, &parent, 70));
	/* As busy as each other: both yield, the pages stay. */
	x = parent;
	x.cpu_ns = cpu;
	ck_assert(nm_plan_sharer_yields(&x, &child, 70));
	ck_assert(nm_plan_sharer_yields(&child, &x, 70));
	/* 70 % of the two's CPU time is dominant; just under is not. */
	x.cpu_ns = cpu * 7 / 3 + 1; /* 3 x 2,333,333,334 >= 7 x 1e9 */
	ck_assert(!nm_plan_sharer_yields(&x, &child, 70));
	x.cpu_ns = cpu * 7 / 3 - 1000;
	ck_assert(nm_plan_sharer_yields(&x, &child, 70));
	/* Both idle: nobody moves. */
	x = parent;
	x.cpu_ns = 0;
	child.cpu_ns = 0;
	ck_assert(nm_plan_sharer_yields(&x, &child, 70));
	child.cpu_ns = cpu;
	/* The first half only: not the child's pages. */
	x = parent;
	x.bytes = 8 << 20;
	ck_assert(!nm_plan_sharer_yields(&x, &child, 70));
	x.bytes = (8 << 20) + 4096;
	ck_assert(nm_plan_sharer_yields(&x, &child, 70));
	/* Another file, on the same or another device; no file. */
	x = parent;
	x.inode = 43;
	ck_assert(!nm_plan_sharer_yields(&x, &child, 70));
	x = parent;
	x.dev_minor = 2;
	ck_assert(!nm_plan_sharer_yields(&x, &child, 70));
	x = parent;
	x.inode = 0;
	child.inode = 0;
	ck_assert(!nm_plan_sharer_yields(&x, &child, 70));
	child.inode = 42;
	/* The other wants them where this one does, or has no home. */
	child.home = 0;
	ck_assert(!nm_plan_sharer_yields(&parent, &child, 70));
	child.home = -1;
	ck_assert(!nm_plan_sharer_yields(&parent, &child, 70));
}
END_TEST

/* A process's rows, in file order, met with other processes' rows one at
 * a time: only its rows of the other's file whose range overlaps the
 * other's are looked at, and a row that yielded stays marked. */
START_TEST(test_sharers_meet)
{
	const uint64_t cpu = 1000000000ull;
	/* Idle on node 0: file 42 in two ranges, file 40, file 50 on
	 * another device; given out of order. */
	struct nm_plan_sharer mine[] = {
		{ 8, 1, 42, 16 << 20, 8 << 20, 0, cpu / 100, 1 },
		{ 9, 1, 40, 0, 8 << 20, 0, cpu / 100, 4 },
		{ 8, 1, 40, 0, 8 << 20, 0, cpu / 100, 0 },
		{ 8, 1, 42, 0, 8 << 20, 0, cpu / 100, 2 },
	};
	struct nm_plan_sharer other = { 8, 1, 42, 4 << 20, 4 << 20, 1, cpu, 9 };
	bool yield[4] = { false };
	const size_t n = sizeof(mine) / sizeof(mine[0]);

	qsort(mine, n, sizeof(mine[0]), nm_plan_sharer_cmp);
	ck_assert_uint_eq(mine[0].row, 0); /* 8:1 inode 40 */
	ck_assert_uint_eq(mine[1].row, 2); /* 8:1 inode 42 at 0 */
	ck_assert_uint_eq(mine[2].row, 1); /* 8:1 inode 42 at 16 MiB */
	ck_assert_uint_eq(mine[3].row, 4); /* 9:1 */
	nm_plan_sharers_meet(mine, n, &other, 70, yield);
	ck_assert(!yield[0] && yield[1] && !yield[2] && !yield[3]);
	/* A busy other on the second range too; the first stays marked. */
	other.offset = 20 << 20;
	nm_plan_sharers_meet(mine, n, &other, 70, yield);
	ck_assert(!yield[0] && yield[1] && yield[2] && !yield[3]);
	/* A file this process does not map, before all and after all. */
	other.inode = 1;
	nm_plan_sharers_meet(mine, n, &other, 70, yield);
	other.dev_major = 10;
	nm_plan_sharers_meet(mine, n, &other, 70, yield);
	ck_assert(!yield[0] && !yield[3]);
	/* The other device's file: found by device, not inode alone. */
	other.dev_major = 9;
	other.inode = 40;
	other.offset = 0;
	nm_plan_sharers_meet(mine, n, &other, 70, yield);
	ck_assert(!yield[0] && yield[3]);
	nm_plan_sharers_meet(mine, 0, &other, 70, yield);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *suite = suite_create("plan-gates");
	const TTest *const gates[] = {
		test_gates_allowed_gain_small, test_gate_headroom, test_gate_rate,
		test_cost_benefit, test_trigger, test_advise, test_budget, test_explain_record,
		test_sharer_yields, test_sharers_meet, NULL };

	add_case(suite, "gates", gates);
	return suite;
}

#include "check-main.h"

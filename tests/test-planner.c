/* Tests of lib/planner*.c, lib/plan-*.c: the planner on synthetic tick
 * sequences. A small simulator plays the daemon: it says where the task
 * ran each tick, moves the pages each decision asks for, and counts them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "numamig/planner.h"

#define NODES 4
#define PAGE 4096ULL
#define TICK 1000ULL
#define SEC 1000000000ULL           /* one CPU second, in ns */
#define WS (16384ULL)               /* working set: 64 MiB of pages */

struct sim {
	struct nm_policy pol;
	struct nm_plan_state st;
	struct nm_plan_budget budget;
	bool limited;                   /* use the budget */
	struct nm_plan_decision d;
	struct nm_plan_input in;
	uint64_t cpu[NODES], pages[NODES];
	int64_t room[NODES];
	uint64_t now, moved, migrations;
	bool frozen;                    /* pages do not move (a stalled kernel) */
};

static struct bitmask *src_mask, *allowed_mask;
static struct sim sim;
static struct sim *const s = &sim;

static void sim_init(struct sim *m, enum nm_policy_kind kind, int home_of_pages)
{
	*m = (struct sim){
		.pol = { .mode = NM_MODE_LAZY, .policy = kind, .dwell_ms = 1000,
			 .hysteresis_ms = 10000, .dominance_pct = 70, .min_gain_pct = 10,
			 .batch_min = 64 },
		.in = { .nr_nodes = 2, .cpu_ns = m->cpu, .pages = m->pages, .page_size = PAGE,
			.last_node = -1 },
		.d = { .src = src_mask },
	};
	m->pages[home_of_pages] = WS;
	numa_bitmask_clearall(allowed_mask);
}

/* The checked fixture: masks for every sim, and the sim S tests share. */
static void setup(void)
{
	src_mask = numa_bitmask_alloc(NODES);
	allowed_mask = numa_bitmask_alloc(NODES);
	sim_init(s, NM_POLICY_RESIDENCY, 0);
}

static void teardown(void)
{
	numa_bitmask_free(src_mask);
	numa_bitmask_free(allowed_mask);
}

/* One tick with CPU time as given (ns per node); returns its reason.
 * Migrations take the pages from the other nodes in id order. */
static enum nm_plan_reason sim_tick_cpu(struct sim *m, const uint64_t *cpu)
{
	uint64_t n, k;

	memcpy(m->cpu, cpu, sizeof(m->cpu));
	m->now += TICK;
	m->in.now_ms = m->now;
	m->in.window_ms = TICK;
	m->in.placement_seq = m->now;   /* numa_maps re-read every tick */
	ck_assert_int_eq(nm_plan_tick(&m->pol, &m->in, m->limited ? &m->budget : NULL,
				      &m->st, &m->d), 0);
	m->migrations += m->d.action == NM_PLAN_MIGRATE;
	n = m->d.action == NM_PLAN_MIGRATE && !m->frozen ? m->d.pages : 0;
	for (int i = 0; i < NODES && n > 0; i++, n -= k) {
		k = i == m->d.target ? 0 : m->pages[i] < n ? m->pages[i] : n;
		m->pages[i] -= k;
		m->pages[m->d.target] += k;
		m->moved += k;
	}
	return m->d.reason;
}

/* One tick spent entirely on NODE (-1: idle). */
static enum nm_plan_reason sim_tick(struct sim *m, int node)
{
	uint64_t cpu[NODES] = { 0 };

	if (node >= 0)
		cpu[node] = SEC;
	return sim_tick_cpu(m, cpu);
}

static double locality(const struct sim *m, int node)
{
	return (double)m->pages[node] / (double)WS;
}

/* Play SCRIPT on the shared sim: steps "N=reason" or "N=reason*K" (K
 * ticks), N the node the task ran on or '-' for idle, reason the outcome
 * each tick must have. */
static void play(const char *script)
{
	char node, reason[32];
	int n, k;

	while (sscanf(script, " %c=%31[a-z_]%n", &node, reason, &n) == 2) {
		script += n;
		k = 1;
		if (sscanf(script, "*%d%n", &k, &n) == 1)
			script += n;
		while (k-- > 0)
			ck_assert_str_eq(nm_plan_reason_name(sim_tick(s, node == '-' ? -1 : node - '0')),
					 reason);
	}
	ck_assert_msg(*script == '\0', "bad script at '%s'", script);
}

START_TEST(test_names)
{
	for (int i = 0; i < NM_PLAN_R_COUNT; i++) {
		const char *n = nm_plan_reason_name(i);

		ck_assert_msg(n && strcmp(n, "unknown") != 0, "reason %d has no name", i);
		ck_assert_uint_eq(strspn(n, "abcdefghijklmnopqrstuvwxyz_"), strlen(n));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(n, nm_plan_reason_name(j));
	}
	ck_assert_str_eq(nm_plan_reason_name(NM_PLAN_R_COUNT), "unknown");
	ck_assert_str_eq(nm_plan_reason_name(NM_PLAN_R_NO_DOMINANT_NODE), "no_dominant_node");
	ck_assert_str_eq(nm_plan_state_name(NM_PLAN_NEW), "new");
	ck_assert_str_eq(nm_plan_state_name(NM_PLAN_COOLDOWN), "cooldown");
	ck_assert_str_eq(nm_plan_state_name(NM_PLAN_NR_PHASES), "unknown");
	ck_assert_str_eq(nm_plan_action_name(NM_PLAN_ADVISE), "would_migrate");
}
END_TEST

START_TEST(test_home_dominance)
{
	uint64_t exact[NODES] = { 300, 700 }, under[NODES] = { 3001, 6999 };
	uint64_t three[NODES] = { 400, 400, 200 }, half[NODES] = { 500, 500 };

	sim_init(s, NM_POLICY_RESIDENCY, 1);
	s->in.nr_nodes = 3;
	ck_assert_int_eq(sim_tick_cpu(s, exact), NM_PLAN_R_ALREADY_LOCAL); /* exactly 70 % */
	ck_assert_int_eq(s->d.home, 1);
	ck_assert_int_eq(s->st.phase, NM_PLAN_SETTLED);
	ck_assert_int_eq(sim_tick_cpu(s, under), NM_PLAN_R_NO_DOMINANT_NODE); /* 69.99 % */
	ck_assert_int_eq(s->d.home, -1);
	ck_assert_int_eq(sim_tick_cpu(s, three), NM_PLAN_R_NO_DOMINANT_NODE);
	ck_assert_int_eq(s->st.home, 1);                 /* the view is kept */
	s->pol.dominance_pct = 50;                       /* a tie: lowest id */
	sim_tick_cpu(s, half);
	ck_assert_int_eq(s->d.home, 0);
	play("-=idle");
	ck_assert_int_eq(s->d.home, -1);
}
END_TEST

/* A memory-only node (CXL) has no CPUs: never home, even if a bad sample
 * gives it CPU time; its pages are misplaced pages like any other. */
START_TEST(test_cpuless_node)
{
	struct bitmask *cpus = numa_bitmask_alloc(NODES);
	uint64_t bogus[NODES] = { 0, 0, SEC }, mixed[NODES] = { SEC / 4, 0, SEC };

	sim_init(s, NM_POLICY_RESIDENCY, 2);
	s->in.nr_nodes = 3;
	numa_bitmask_setbit(cpus, 0);
	numa_bitmask_setbit(cpus, 1);
	s->in.cpu_nodes = cpus;
	ck_assert_int_eq(sim_tick_cpu(s, bogus), NM_PLAN_R_NO_DOMINANT_NODE);
	ck_assert_int_eq(sim_tick_cpu(s, mixed), NM_PLAN_R_NO_DOMINANT_NODE);
	ck_assert_int_eq(sim_tick(s, 0), NM_PLAN_R_HOME_CHANGED);
	ck_assert_int_eq(s->d.target, 0);
	ck_assert(numa_bitmask_isbitset(src_mask, 2));
	ck_assert(!numa_bitmask_isbitset(src_mask, 0));
	s->pol.policy = NM_POLICY_GREEDY;
	ck_assert_int_eq(sim_tick_cpu(s, bogus), NM_PLAN_R_NO_DOMINANT_NODE);
	numa_bitmask_free(cpus);
}
END_TEST

/* Idle ticks neither count towards dwell nor reset it; a tick without a
 * dominant node, or on another node, resets it. */
START_TEST(test_dwell_and_idle)
{
	uint64_t split[NODES] = { SEC / 2, SEC / 2 };

	s->pol.dwell_ms = 3000;
	play("0=dwell*2 0=already_local 1=dwell"); /* new: candidate 0; adopted as home */
	ck_assert_int_eq(s->st.phase, NM_PLAN_CANDIDATE);
	play("-=idle*2 1=dwell"); /* 2 s of 3 */
	ck_assert_int_eq(sim_tick_cpu(s, split), NM_PLAN_R_NO_DOMINANT_NODE);
	ck_assert_int_eq(s->st.phase, NM_PLAN_SETTLED);
	play("1=dwell*2 0=already_local 1=dwell*2"); /* starts over */
	ck_assert_int_eq(sim_tick(s, 1), NM_PLAN_R_HOME_CHANGED);
	ck_assert_int_eq(s->d.action, NM_PLAN_MIGRATE);
	ck_assert_uint_eq(s->d.pages, WS);
	ck_assert_int_eq(s->st.phase, NM_PLAN_COOLDOWN);
}
END_TEST

START_TEST(test_cooldown)
{
	play("1=home_changed"); /* t=1 s */
	ck_assert_uint_eq(s->st.cooldown_until_ms, 11000);
	play("1=already_local");
	/* Back to 0 inside the cooldown: unstable, dwell now 2 s. */
	play("0=dwell 0=cooldown*7");
	ck_assert_uint_eq(nm_plan_dwell_ms(&s->pol, &s->st), 2000);
	ck_assert_int_eq(s->st.phase, NM_PLAN_STABLE);
	play("0=home_changed"); /* t=11 s: over */
	ck_assert_uint_eq(s->now, 11000);
	ck_assert_uint_eq(s->migrations, 2);
}
END_TEST

/* Each change of home inside the cooldown doubles the dwell up to the
 * cap; each calm hysteresis period halves it. */
START_TEST(test_backoff)
{
	uint64_t want[] = { 2000, 4000, 5000, 5000 };

	s->pol.max_dwell_ms = 5000;
	play("1=home_changed");
	for (int i = 0; i < 4; i++) {
		sim_tick(s, i % 2 ? 1 : 0);
		ck_assert_uint_eq(s->d.dwell_ms, want[i]);
	}
	ck_assert_uint_eq(s->st.backoff, 3);             /* stops growing at the cap */
	for (int t = 0; t < 10; t++)                    /* calm on 1 for 10 s */
		sim_tick(s, 1);
	ck_assert_uint_eq(nm_plan_dwell_ms(&s->pol, &s->st), 4000);
	for (int t = 0; t < 20; t++)
		sim_tick(s, 1);
	ck_assert_uint_eq(nm_plan_dwell_ms(&s->pol, &s->st), 1000);
	ck_assert_uint_eq(s->st.backoff, 0);
	s->pol.max_dwell_ms = 0;                         /* default cap: hysteresis */
	s->st.backoff = 16;
	ck_assert_uint_eq(nm_plan_dwell_ms(&s->pol, &s->st), 10000);
}
END_TEST

/* Run SECONDS ticks, switching node every PERIOD ticks (node = phase
 * mod 2, starting on FIRST); returns pages moved in the second half via
 * *LATE. */
static uint64_t rotate(struct sim *m, int seconds, int period, int first, uint64_t *late)
{
	double loc = 0;

	for (int t = 0; t < seconds; t++) {
		int node = (first + t / period) % 2;

		if (t == seconds / 2)
			*late = m->moved;
		sim_tick(m, node);
		loc += locality(m, node);
	}
	*late = m->moved - *late;
	fprintf(stderr, "%s every %d s over %d s: %llu migrations, %.2f x WS moved "
		"(%.2f x in the second half), mean locality %.2f\n",
		m->pol.policy == NM_POLICY_GREEDY ? "greedy" : "residency", period, seconds,
		(unsigned long long)m->migrations, (double)m->moved / WS, (double)*late / WS,
		loc / seconds);
	return m->moved;
}

/* The VM goal: threads rotating nodes every 3 s for 60 s, hysteresis
 * 10 s: at most 2 x the working set in total and 0.1 x in the second
 * half. Both the thread that starts local and the one that does not;
 * then ping-pong sequences every tick. */
START_TEST(test_rotation_and_pingpong)
{
	uint64_t late;

	for (int first = 0; first < 2; first++) {
		sim_init(s, NM_POLICY_RESIDENCY, 0);
		ck_assert_uint_le(rotate(s, 60, 3, first, &late), 2 * WS);
		ck_assert_uint_le(late * 10, WS);
		ck_assert_uint_le(s->migrations, 2);
	}
	/* However long it keeps hopping, nothing more moves. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	ck_assert_uint_le(rotate(s, 600, 3, 1, &late), WS);
	ck_assert_uint_eq(late, 0);
	/* Ping-pong every tick: one move, against greedy's one per tick. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	ck_assert_uint_le(rotate(s, 60, 1, 1, &late), WS);
	ck_assert_uint_eq(late, 0);
	sim_init(s, NM_POLICY_GREEDY, 0);
	ck_assert_uint_ge(rotate(s, 60, 1, 1, &late), 50 * WS);
}
END_TEST

/* 30 s phases: memory follows within dwell in every phase. */
START_TEST(test_phase_reconverges)
{
	for (int t = 0; t < 120; t++) {
		int node = 1 - (t / 30) % 2;

		sim_tick(s, node);
		if (t % 30 >= 1)
			ck_assert_msg(locality(s, node) == 1.0, "t=%d not local", t);
	}
	ck_assert_uint_eq(s->migrations, 4);
	ck_assert_uint_eq(s->moved, 4 * WS);
}
END_TEST

START_TEST(test_greedy_vs_residency)
{
	uint64_t late, rm = rotate(s, 60, 3, 1, &late);

	sim_init(s, NM_POLICY_GREEDY, 0);
	ck_assert_uint_ge(rotate(s, 60, 3, 1, &late), 10 * rm);
	ck_assert_uint_eq(s->migrations, 20);
}
END_TEST

START_TEST(test_greedy_rules)
{
	uint64_t tie[NODES] = { SEC / 2, SEC / 2 };

	sim_init(s, NM_POLICY_GREEDY, 0);
	s->pol.dwell_ms = 5000;                          /* ignored */
	play("1=greedy 0=greedy"); /* first tick; no cooldown */
	s->in.last_node = 1;
	ck_assert_int_eq(sim_tick_cpu(s, tie), NM_PLAN_R_GREEDY);
	ck_assert_int_eq(s->d.target, 1);
	s->in.last_node = -1;
	ck_assert_int_eq(sim_tick_cpu(s, tie), NM_PLAN_R_GREEDY);
	ck_assert_int_eq(s->d.target, 0);
	s->pages[1] = WS / 20;                           /* 5 % misplaced */
	play("0=min_gain");
}
END_TEST

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
/* Inside the cooldown, memory still away from an unchanged home follows at
 * once (here: pages faulted in on node 0 after the move); moving to a new
 * home would still wait. */
START_TEST(test_catch_up_at_home)
{
	play("1=home_changed");
	ck_assert_uint_eq(s->pages[1], WS);
	s->pages[0] = WS / 2; /* the task kept faulting memory in, remotely */
	play("1=misplaced");
	ck_assert_uint_eq(s->pages[0], 0);
	ck_assert_uint_eq(s->migrations, 2);
	/* A new home inside the cooldown waits (its dwell doubled, too). */
	play("0=dwell");
	for (int i = 0; i < 5; i++)
		ck_assert_int_ne(sim_tick(s, 0), NM_PLAN_R_HOME_CHANGED);
	ck_assert_uint_eq(s->migrations, 2);
}
END_TEST

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

/* Add the NULL-terminated TESTS to a new case NAME of S. */
static void add_case(Suite *suite, const char *name, const TTest *const *tests)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(suite, tc);
}

static Suite *make_suite(void)
{
	Suite *suite = suite_create("planner");
	const TTest *const home[] = { test_names, test_home_dominance, test_cpuless_node, NULL };
	const TTest *const machine[] = {
		test_dwell_and_idle, test_cooldown, test_catch_up_at_home, test_backoff,
		test_rotation_and_pingpong,
		test_phase_reconverges, test_greedy_vs_residency,
		test_greedy_rules, NULL };
	const TTest *const gates[] = {
		test_gates_allowed_gain_small, test_gate_headroom, test_gate_rate,
		test_cost_benefit, test_trigger, test_advise, test_budget, test_explain_record,
		NULL };

	add_case(suite, "home", home);
	add_case(suite, "machine", machine);
	add_case(suite, "gates", gates);
	return suite;
}

#include "check-main.h"

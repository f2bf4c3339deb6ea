/* Tests of lib/plan/planner.c: choosing home, and the hysteresis state machine
 * (dwell, cooldown, backoff, catch-up), on synthetic tick sequences played
 * by the simulator in plan-sim.h. The gates are in test-plan-gates.c. */
#include "plan-sim.h"

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
	/* New: candidate 0; adopted as home, and stays a hysteresis. */
	play("0=dwell*2 0=already_local*11 1=dwell");
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

/* A task that moved in a window and ran on the new node alone since (its
 * tail) is a candidate there from the move, not from the next whole
 * window: with 300 ms of it, a 700 ms window (the early tick) ends a 1 s
 * dwell. A tail under a quarter of the window, or none, says nothing
 * more than the window's CPU time. */
START_TEST(test_dwell_from_move)
{
	uint64_t late[NODES] = { SEC * 7 / 10, SEC * 3 / 10 }, later[NODES] = { SEC * 8 / 10, SEC / 5 };

	play("0=already_local");
	s->in.tail_node = 1;
	s->in.tail_ms = 200;
	ck_assert_int_eq(sim_tick_cpu(s, later), NM_PLAN_R_ALREADY_LOCAL);
	s->in.tail_ms = 300;
	ck_assert_int_eq(sim_tick_cpu(s, late), NM_PLAN_R_DWELL);
	ck_assert_int_eq(s->st.phase, NM_PLAN_CANDIDATE);
	ck_assert_uint_eq(s->st.streak_ms, 300);
	s->window = 700;
	s->in.tail_ms = 1000; /* the whole window: the CPU time says it all */
	ck_assert_int_eq(sim_tick(s, 1), NM_PLAN_R_HOME_CHANGED);
	ck_assert_int_eq(s->d.target, 1);
	/* Without the tail, the 300 ms do not count: a whole window more. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	play("0=already_local");
	ck_assert_int_eq(sim_tick_cpu(s, late), NM_PLAN_R_ALREADY_LOCAL);
	s->window = 700;
	ck_assert_int_eq(sim_tick(s, 1), NM_PLAN_R_DWELL);
	s->window = 0;
	ck_assert_int_eq(sim_tick(s, 1), NM_PLAN_R_HOME_CHANGED);
}
END_TEST

/* Ticks a little short of the interval still meet a dwell of whole
 * ticks; a dwell longer by more than the jitter waits one tick more. */
START_TEST(test_dwell_jitter)
{
	s->window = TICK - 3;
	s->pol.dwell_ms = 2 * TICK;
	play("1=dwell 1=home_changed");
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	s->window = TICK - 3;
	s->pol.dwell_ms = 2 * TICK + TICK / 10;
	play("1=dwell*2 1=home_changed");
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

/* Home lost inside the cooldown (no dominant node after being at home)
 * is a change of home, counted once per loss; a task that keeps losing
 * its home is not calm, so its backoff does not decay until it stays. */
START_TEST(test_lost_home)
{
	uint64_t split[NODES] = { SEC / 2, SEC / 2 };

	play("1=home_changed 1=already_local"); /* cooldown until t=11 s */
	ck_assert_int_eq(sim_tick_cpu(s, split), NM_PLAN_R_NO_DOMINANT_NODE);
	ck_assert_uint_eq(s->st.backoff, 1);
	ck_assert_int_eq(sim_tick_cpu(s, split), NM_PLAN_R_NO_DOMINANT_NODE);
	ck_assert_uint_eq(s->st.backoff, 1);
	play("1=already_local");
	sim_tick_cpu(s, split);
	ck_assert_uint_eq(s->st.backoff, 2);
	/* 30 s more: each loss counts, inside the cooldown and after it
	 * (the dwell is backed off), up to the cap (10 s: backoff 4); no
	 * decay. */
	for (int t = 0; t < 15; t++) {
		play("1=already_local");
		sim_tick_cpu(s, split);
	}
	ck_assert_uint_eq(s->now, 36000);
	ck_assert_uint_eq(s->st.backoff, 4);
	for (int t = 0; t < 10; t++)                    /* calm on 1 for 10 s */
		sim_tick(s, 1);
	ck_assert_uint_eq(s->st.backoff, 3);
	/* Never at home: nothing was lost (a process whose threads run on
	 * several nodes from the start). */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	for (int t = 0; t < 5; t++)
		sim_tick_cpu(s, split);
	ck_assert_uint_eq(s->st.backoff, 0);
}
END_TEST

/* One look at a region written from NODE only, 16 s after the last (a
 * write window backed off), planned on the simulated process's input. */
static enum nm_plan_reason region_look(int node)
{
	uint64_t cpu[NODES] = { 0 };
	float counts[NODES] = { 0 };
	struct nm_plan_region r = { .proc = &s->in, .proc_cpu_ns = SEC, .counts = counts,
				    .all_counts = 1, .pages = s->pages, .cpu_ns = cpu };

	counts[node] = 1;
	s->now += 16 * TICK;
	s->in.now_ms = s->now;
	s->in.window_ms = TICK;
	r.placement_seq = s->now;
	ck_assert_int_eq(nm_plan_region_tick(&s->pol, &r, NULL, &s->st, &s->d), 0);
	return s->d.reason;
}

/* A task that proved unstable stays so while it keeps changing nodes,
 * after its cooldown too. Calm and the watch after a home was set are
 * counted in the ticks' windows: looks far apart (a region read at the end
 * of each 16 s window) do not add up to a calm hysteresis. */
START_TEST(test_unstable_stays)
{
	uint64_t split[NODES] = { SEC / 2, SEC / 2 };

	play("1=home_changed 0=dwell");                  /* cooldown until t=11 s */
	ck_assert_uint_eq(s->st.backoff, 1);
	while (s->now < 12000)
		sim_tick_cpu(s, split);
	ck_assert_uint_eq(s->st.backoff, 1);
	play("1=already_local");                         /* t=13 s: a change */
	ck_assert_uint_eq(s->st.backoff, 2);
	for (int look = 0; look < 9; look++) {           /* 9 looks, 144 s */
		s->now += 15 * TICK;
		play("1=already_local");
	}
	ck_assert_uint_eq(s->st.backoff, 2);
	s->now += 15 * TICK;
	play("1=already_local");                         /* 10 s of calm seen */
	ck_assert_uint_eq(s->st.backoff, 1);
	/* A region's home adopted (memory found where its writer was) is
	 * watched as one moved to, for a hysteresis of looks however far
	 * apart; past it, a change of home is a phase change. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	ck_assert_int_eq(region_look(0), NM_PLAN_R_ALREADY_LOCAL);
	for (int look = 0; look < 8; look++)             /* 9 s of looks, 144 s */
		region_look(0);
	ck_assert_int_eq(region_look(1), NM_PLAN_R_DWELL);
	ck_assert_uint_eq(s->st.backoff, 1);
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	for (int look = 0; look < 11; look++)
		region_look(0);
	ck_assert_int_eq(region_look(1), NM_PLAN_R_HOME_CHANGED);
	ck_assert_uint_eq(s->st.backoff, 0);
	/* A process's is not: one that leaves the node where its memory is
	 * may be a misplaced start seen mid first-touch. */
	sim_init(s, NM_POLICY_RESIDENCY, 0);
	play("0=already_local 1=home_changed");
	ck_assert_uint_eq(s->st.backoff, 0);
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
	/* A tail under min_gain (the last twentieth faulted in after the map
	 * was read) still follows inside the cooldown: it is the same move. */
	s->pages[0] = WS / 20;
	play("1=misplaced");
	ck_assert_uint_eq(s->pages[0], 0);
	ck_assert_uint_eq(s->migrations, 3);
	/* A new home inside the cooldown waits (its dwell doubled, too). */
	play("0=dwell");
	for (int i = 0; i < 5; i++)
		ck_assert_int_ne(sim_tick(s, 0), NM_PLAN_R_HOME_CHANGED);
	ck_assert_uint_eq(s->migrations, 3);
}
END_TEST

/* A tail larger than the move (a map read mid first-touch saw half the
 * memory; the rest was faulted in remotely after) still follows inside
 * the cooldown: the move made progress, more pages are home. */
START_TEST(test_tail_grew)
{
	play("1=home_changed");
	s->pages[0] = 2 * WS;
	play("1=misplaced");
	ck_assert_uint_eq(s->pages[0], 0);
	ck_assert_uint_eq(s->migrations, 2);
}
END_TEST

/* A tail that does not move (pinned, or shared and left alone) is asked
 * for once, not every tick: it did not get smaller, so it waits out the
 * cooldown like a stalled batch (ctl-control saw 121 moves of the same 12
 * pages in two minutes). */
START_TEST(test_tail_stalls)
{
	play("1=home_changed");
	s->pages[0] = WS / 40; /* faulted in remotely after the map was read */
	s->frozen = true;      /* and they do not move */
	play("1=misplaced");
	for (int i = 0; i < 20; i++) {
		enum nm_plan_reason r = sim_tick(s, 1);

		ck_assert_msg(r == NM_PLAN_R_COOLDOWN || r == NM_PLAN_R_AWAITING_PLACEMENT ||
			      r == NM_PLAN_R_MIN_GAIN, "tick %d: %s", i, nm_plan_reason_name(r));
	}
	ck_assert_uint_eq(s->migrations, 2);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *suite = suite_create("planner");
	const TTest *const home[] = { test_names, test_home_dominance, test_cpuless_node, NULL };
	const TTest *const machine[] = {
		test_dwell_and_idle, test_dwell_from_move, test_dwell_jitter, test_cooldown,
		test_catch_up_at_home,
		test_tail_stalls, test_tail_grew, test_backoff, test_lost_home, test_unstable_stays,
		test_rotation_and_pingpong,
		test_phase_reconverges, test_greedy_vs_residency,
		test_greedy_rules, NULL };

	add_case(suite, "home", home);
	add_case(suite, "machine", machine);
	return suite;
}

#include "check-main.h"

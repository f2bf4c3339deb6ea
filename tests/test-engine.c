/* Tests of the engine's tick (lib/engine/engine.c) on the 2n fixture tree, with
 * replayed samples: what the planner is told about the tick. The planner
 * itself is tested on synthetic states in test-planner.c; here the point
 * is the wiring. On a captured tree every policy only advises, so nothing
 * is moved. */
#include "config.h"

#include <check.h>

#include "config-fixture.h"
#include "numamig/engine.h"
#include "numamig/regions.h"
#include "numamig/sampler.h"
#include "numamig/track.h"

#define MS 1000000ull

/* The fixture's workload: pid 108 in /numamig.test, whose worker 111 runs
 * on CPU 0 (node 0) and 112 on CPU 1 (node 1). */
#define PID 108

static const char elsewhere[] = "policies:\n"
				"  - name: other\n"
				"    match: { cgroup: \"/elsewhere\" }\n";
static const char test_cg[] = "policies:\n"
			      "  - name: test\n"
			      "    match: { cgroup: \"/numamig.test\" }\n"
			      "    mode: lazy\n"
			      "    dwell: 1s\n"
			      "    min_rss: 0\n"
			      "    min_gain: 1%\n";

struct env {
	struct nm_root *root;
	struct nm_engine *e;
	struct nm_config *c[2];
	struct nm_config_diags d;
};

static void env_open(struct env *x)
{
	x->root = fixture_root("2n");
	ck_assert_int_eq(nm_engine_new(x->root, NM_SAMPLER_REPLAY, &x->e, NULL), 0);
	x->c[0] = load_str(elsewhere, &x->d);
	ck_assert_ptr_nonnull(x->c[0]);
	nm_config_diags_clear(&x->d);
	x->c[1] = load_str(test_cg, &x->d);
	ck_assert_ptr_nonnull(x->c[1]);
	nm_config_diags_clear(&x->d);
}

static void env_close(struct env *x)
{
	nm_engine_free(x->e);
	nm_config_free(x->c[0]);
	nm_config_free(x->c[1]);
	nm_root_free(x->root);
}

/* One second of PID's thread 112 on CPU 1 (node 1), ending at END_MS. */
static void feed_second(struct env *x, uint64_t end_ms)
{
	struct nm_sample v[100];

	for (int i = 0; i < 100; i++)
		v[i] = (struct nm_sample){ PID, 112, 1, (end_ms - 1000) * MS + (uint64_t)i * 10 * MS, 0 };
	ck_assert_int_eq(nm_sampler_feed(nm_engine_sampler(x->e), v, 100), 0);
}

/* A process the engine starts tracking mid-run has been sampled for the
 * whole tick: that tick counts towards its dwell, so with dwell equal to
 * the interval it is decided on at once, not one tick later. */
START_TEST(test_first_tick_counts)
{
	const struct nm_task *t;
	struct env x;

	env_open(&x);
	ck_assert_int_eq(nm_engine_set_config(x.e, x.c[0], 0), 0);
	ck_assert_int_eq(nm_engine_tick(x.e, 1000), 0);
	ck_assert_ptr_null(nm_engine_find(x.e, PID));
	ck_assert_int_eq(nm_engine_set_config(x.e, x.c[1], 1000), 0);
	feed_second(&x, 2000);
	ck_assert_int_eq(nm_engine_tick(x.e, 2000), 0);
	t = nm_engine_find(x.e, PID);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->last.home, 1);
	ck_assert_str_eq(nm_plan_reason_name(t->last.reason), "home_changed");
	ck_assert_int_eq(t->last.action, NM_PLAN_ADVISE);
	ck_assert_int_eq(t->last.target, 1);
	env_close(&x);
}
END_TEST

/* PID's footprint reads after a tick at NOW_MS, busy or idle. */
static uint64_t scans_at(struct env *x, uint64_t now_ms, bool busy)
{
	const struct nm_task *t;

	if (busy)
		feed_second(x, now_ms);
	ck_assert_int_eq(nm_engine_tick(x->e, now_ms), 0);
	t = nm_engine_find(x->e, PID);
	ck_assert_ptr_nonnull(t);
	return t->fp_seq;
}

/* An idle task's map is read ever less often (the gap doubles with each
 * idle read); the tick it runs again the stale map is re-read at once,
 * and from then on every busy gap (one interval on the small fixture). */
START_TEST(test_idle_rescans_back_off)
{
	const struct nm_task *t;
	uint64_t now = 2000;
	struct env x;

	env_open(&x);
	ck_assert_int_eq(nm_engine_set_config(x.e, x.c[1], 1000), 0);
	for (; now < 16000; now += 1000)
		scans_at(&x, now, false);
	/* Read at 2 s (new), then 4, 8 and 16 s, not at every tick. */
	ck_assert_uint_eq(scans_at(&x, now, false), 4);
	t = nm_engine_find(x.e, PID);
	ck_assert_uint_eq(nm_engine_rescan_due(t), 32000);
	for (now += 1000; now < 20000; now += 1000)
		ck_assert_uint_eq(scans_at(&x, now, false), 4);
	ck_assert_uint_eq(scans_at(&x, now, true), 5); /* runs again at 20 s */
	ck_assert_str_eq(nm_plan_reason_name(t->last.reason), "home_changed");
	now += 1000;
	ck_assert_uint_eq(scans_at(&x, now, true), 6);
	ck_assert_uint_eq(nm_engine_rescan_due(t), now + 1000);
	env_close(&x);
}
END_TEST

/* A map read when the process held much less memory than it does now is
 * read again at the next tick, however long its usual gap: it was read
 * while the process still touched its memory. A quarter more is not yet
 * outgrown. */
START_TEST(test_outgrown_map_rescanned)
{
	struct nm_task *t;
	uint64_t now = 2000, rss;
	struct env x;

	env_open(&x);
	ck_assert_int_eq(nm_engine_set_config(x.e, x.c[1], 1000), 0);
	ck_assert_uint_eq(scans_at(&x, now, true), 1);
	t = (struct nm_task *)nm_engine_find(x.e, PID);
	t->fp_base_ms = 10000; /* as after a dear read */
	rss = t->id.rss_bytes;
	ck_assert_uint_eq(t->fp_rss_bytes, rss);
	ck_assert_uint_eq(nm_engine_rescan_due(t), now + 10000);
	t->id.rss_bytes = rss + rss / 4;
	ck_assert_uint_eq(nm_engine_rescan_due(t), now + 10000);
	/* The next walk would read the fixture's RSS again: none is due. */
	((struct nm_tracker *)nm_engine_tracker(x.e))->next_walk_ms = 60000;
	t->id.rss_bytes = 4 * rss;
	ck_assert_uint_eq(nm_engine_rescan_due(t), 0);
	now += 1000;
	ck_assert_uint_eq(scans_at(&x, now, true), 2);
	ck_assert_uint_eq(t->fp_rss_bytes, 4 * rss);
	ck_assert_uint_eq(nm_engine_rescan_due(t), now + t->fp_base_ms);
	env_close(&x);
}
END_TEST

/* PID's thread on CPU CPU (node CPU, as the fixture's) from FROM_MS to
 * TO_MS, a sample every 10 ms. */
static void feed_on(struct env *x, int cpu, uint64_t from_ms, uint64_t to_ms)
{
	struct nm_sample v[200];
	size_t n = 0;

	for (uint64_t at = from_ms; at < to_ms && n < 200; at += 10)
		v[n++] = (struct nm_sample){ PID, cpu ? 112 : 111, cpu, at * MS, 0 };
	ck_assert_int_eq(nm_sampler_feed(nm_engine_sampler(x->e), v, n), 0);
}

/* A task that moved after its map was read is decided on a map read
 * since: the tick that decides re-reads it, though a slow read had put
 * the next one off (a process that touched its memory at start-up was
 * moved by the map of its start-up). */
START_TEST(test_decides_on_fresh_map)
{
	struct nm_task *t;
	struct env x;

	env_open(&x);
	ck_assert_int_eq(nm_engine_set_config(x.e, x.c[1], 0), 0);
	feed_on(&x, 0, 0, 1000);
	ck_assert_int_eq(nm_engine_tick(x.e, 1000), 0);
	t = (struct nm_task *)nm_engine_find(x.e, PID);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->fp_seq, 1);
	t->fp_base_ms = 10000; /* as after a read of 50 ms */
	/* On node 1 since 1.4 s: a candidate, its dwell ends at 2.4 s. */
	feed_on(&x, 0, 1000, 1400);
	feed_on(&x, 1, 1400, 2000);
	ck_assert_int_eq(nm_engine_tick(x.e, 2000), 0);
	ck_assert_int_eq(t->plan.phase, NM_PLAN_CANDIDATE);
	ck_assert_uint_eq(t->fp_seq, 1);
	ck_assert_uint_eq(nm_engine_dwell_due_ms(x.e), 2400);
	feed_on(&x, 1, 2000, 2400);
	ck_assert_int_eq(nm_engine_tick(x.e, 2400), 0);
	ck_assert_str_eq(nm_plan_reason_name(t->last.reason), "home_changed");
	ck_assert_uint_eq(t->fp_seq, 2);
	ck_assert_uint_eq(t->fp_scanned_ms, 2400);
	env_close(&x);
}
END_TEST

/* The cgroup walk runs when due: a walk that took T waits T x
 * NM_TRACK_WALK_FACTOR; a new config makes one due at once. */
START_TEST(test_walk_cadence)
{
	struct nm_tracker *t;
	uint64_t walked;
	struct env x;

	env_open(&x);
	ck_assert_int_eq(nm_engine_set_config(x.e, x.c[1], 1000), 0);
	ck_assert_int_eq(nm_engine_tick(x.e, 1000), 0);
	t = (struct nm_tracker *)nm_engine_tracker(x.e);
	ck_assert_uint_gt(t->cgroups_walked, 0);
	ck_assert_uint_le(t->next_walk_ms, 1000 + t->walk_ns / 1000000 * NM_TRACK_WALK_FACTOR);
	/* As if that walk had taken 50 ms: the next one 5 s later. */
	t->next_walk_ms = 6000;
	walked = t->cgroups_walked;
	ck_assert_int_eq(nm_engine_tick(x.e, 2000), 0);
	ck_assert_uint_eq(t->cgroups_walked, walked);
	ck_assert_ptr_nonnull(nm_track_find(t, PID)); /* still tracked meanwhile */
	ck_assert_int_eq(nm_engine_tick(x.e, 6000), 0);
	ck_assert_uint_gt(t->cgroups_walked, walked);
	t->next_walk_ms = 60000;
	walked = t->cgroups_walked;
	ck_assert_int_eq(nm_engine_set_config(x.e, x.c[0], 7000), 0);
	ck_assert_int_eq(nm_engine_tick(x.e, 7000), 0);
	ck_assert_uint_gt(t->cgroups_walked, walked);
	env_close(&x);
}
END_TEST

/* Regions are planned only on writes at most an interval old (and a
 * quarter for jitter, nm_regions_slack_ms): those of the window closed at
 * this tick, else the open window's, never a backed-off window's past its
 * first tick. */
START_TEST(test_regions_fresh)
{
	struct nm_regions rg = { .open = true, .prev_window_ms = NM_REGIONS_NO_WINDOW };

	rg.window_ms = 10000; /* the first clear: nothing before it */
	ck_assert(!nm_regions_fresh(&rg, 10000, 1000));
	ck_assert(nm_regions_fresh(&rg, 11000, 1000));
	ck_assert(nm_regions_fresh(&rg, 11250, 1000));
	ck_assert(!nm_regions_fresh(&rg, 11251, 1000));
	ck_assert(!nm_regions_fresh(&rg, 12000, 1000)); /* a window backed off */
	/* Closed at 11000, the one of 10000: planned on before the next opens. */
	rg.open = false;
	rg.prev_window_ms = 10000;
	rg.closed_ms = 11000;
	ck_assert(nm_regions_fresh(&rg, 11000, 1000));
	rg.prev_window_ms = 3000;
	ck_assert(!nm_regions_fresh(&rg, 11000, 1000)); /* closed after 8 s */
	rg.closed_woke = true; /* ... at the tick it woke: fresh, at that tick */
	ck_assert(nm_regions_fresh(&rg, 11000, 1000));
	rg.open = true;
	rg.window_ms = 11000; /* the next opened after the plan */
	ck_assert(nm_regions_fresh(&rg, 12000, 1000));
	ck_assert(!nm_regions_fresh(&rg, 13000, 1000));
	rg.closed_woke = false;
	rg.open = false; /* regions moved, or a clear failed: no window */
	ck_assert(!nm_regions_fresh(&rg, 12000, 1000));
	ck_assert(!nm_regions_fresh(&rg, 12500, 1000));
}
END_TEST

/* The window a plan reads: the one closed at this tick, which the store
 * has already counted past, else the open one. */
START_TEST(test_regions_planned_window)
{
	struct nm_regions rg = { .open = true, .closed_ms = 11000 };

	rg.store.window = 7;
	ck_assert_uint_eq(nm_regions_planned_window(&rg, 12000), 7);
	ck_assert_uint_eq(nm_regions_planned_window(&rg, 11000), 6);
	rg.store.window = 0;
	ck_assert_uint_eq(nm_regions_planned_window(&rg, 11000), 0);
}
END_TEST

/* Private or shared, from closed windows: half the written regions
 * compared once is enough evidence, a quarter of them flipping is
 * shared. */
START_TEST(test_regions_shared)
{
	struct nm_regions rg = { .store = { .n = 54 } };

	ck_assert_int_eq(nm_regions_shared(&rg), -1); /* one window: nothing compared */
	rg.compared = 26;
	ck_assert_int_eq(nm_regions_shared(&rg), -1);
	rg.compared = 27; /* three stragglers of 54 missed no verdict before */
	ck_assert_int_eq(nm_regions_shared(&rg), 0);
	rg.compared = 51;
	rg.flips = 1;
	ck_assert_int_eq(nm_regions_shared(&rg), 0);
	rg.flips = 13; /* 13 of 51: a quarter */
	ck_assert_int_eq(nm_regions_shared(&rg), 1);
	rg.compared = 5; /* few compared, but most flipped: shared already */
	rg.flips = 4;
	ck_assert_int_eq(nm_regions_shared(&rg), 1);
}
END_TEST

/* A process whose threads share no home gets its first two windows in one
 * interval; later ones, and those of a process with a home, are whole. */
START_TEST(test_first_gap)
{
	ck_assert_uint_eq(nm_regions_first_gap(1000, 0, -1), 500);
	ck_assert_uint_eq(nm_regions_first_gap(1000, 1, -1), 500);
	ck_assert_uint_eq(nm_regions_first_gap(1000, 2, -1), 1000);
	ck_assert_uint_eq(nm_regions_first_gap(4000, 9, -1), 4000);
	ck_assert_uint_eq(nm_regions_first_gap(1000, 0, 1), 1000);
}
END_TEST

/* Placement by region needs two threads that ran mostly on different
 * nodes, not only a tick without a dominant node. */
START_TEST(test_threads_spread)
{
	struct nm_thread_residency th[3] = {
		{ .tid = 1, .node = 0 }, { .tid = 2, .node = -1 }, { .tid = 3, .node = 0 },
	};
	struct nm_residency r = { .nr_nodes = 2, .nr_threads = 1, .threads = th };

	ck_assert(!nm_regions_threads_spread(&r)); /* one thread, whatever it did */
	r.nr_threads = 3;
	ck_assert(!nm_regions_threads_spread(&r)); /* one idle, two on node 0 */
	th[1].node = 1;
	ck_assert(nm_regions_threads_spread(&r));
	th[0].node = th[2].node = 1;
	ck_assert(!nm_regions_threads_spread(&r));
	r.nr_threads = 0;
	ck_assert(!nm_regions_threads_spread(&r));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("tick");

	tcase_add_test(tc, test_first_tick_counts);
	tcase_add_test(tc, test_idle_rescans_back_off);
	tcase_add_test(tc, test_decides_on_fresh_map);
	tcase_add_test(tc, test_outgrown_map_rescanned);
	tcase_add_test(tc, test_walk_cadence);
	tcase_add_test(tc, test_regions_fresh);
	tcase_add_test(tc, test_regions_planned_window);
	tcase_add_test(tc, test_regions_shared);
	tcase_add_test(tc, test_first_gap);
	tcase_add_test(tc, test_threads_spread);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

/* plan-sim: the planner tests' simulator (tests/test-planner.c,
 * tests/test-plan-gates.c). It plays the daemon: it says where the task ran
 * each tick, moves the pages each decision asks for, and counts them.
 * Header-only: each test program includes it once. */
#ifndef PLAN_SIM_H
#define PLAN_SIM_H

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
	uint64_t window;                /* tick length, ms; 0: TICK */
	bool frozen;                    /* pages do not move (a stalled kernel) */
};

static struct bitmask *src_mask, *allowed_mask;
static struct sim sim;
static struct sim *const s = &sim;

static inline void sim_init(struct sim *m, enum nm_policy_kind kind, int home_of_pages)
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
static inline void setup(void)
{
	src_mask = numa_bitmask_alloc(NODES);
	allowed_mask = numa_bitmask_alloc(NODES);
	sim_init(s, NM_POLICY_RESIDENCY, 0);
}

static inline void teardown(void)
{
	numa_bitmask_free(src_mask);
	numa_bitmask_free(allowed_mask);
}

/* One tick with CPU time as given (ns per node); returns its reason.
 * Migrations take the pages from the other nodes in id order. */
static inline enum nm_plan_reason sim_tick_cpu(struct sim *m, const uint64_t *cpu)
{
	uint64_t n, k, w = m->window ? m->window : TICK;

	memcpy(m->cpu, cpu, sizeof(m->cpu));
	m->now += w;
	m->in.now_ms = m->now;
	m->in.window_ms = w;
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
static inline enum nm_plan_reason sim_tick(struct sim *m, int node)
{
	uint64_t cpu[NODES] = { 0 };

	if (node >= 0)
		cpu[node] = SEC;
	return sim_tick_cpu(m, cpu);
}

static inline double locality(const struct sim *m, int node)
{
	return (double)m->pages[node] / (double)WS;
}

/* Play SCRIPT on the shared sim: steps "N=reason" or "N=reason*K" (K
 * ticks), N the node the task ran on or '-' for idle, reason the outcome
 * each tick must have. */
static inline void play(const char *script)
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

/* Add the NULL-terminated TESTS to a new case NAME of S. */
static inline void add_case(Suite *suite, const char *name, const TTest *const *tests)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(suite, tc);
}

#endif

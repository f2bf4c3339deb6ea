/* test-control-status: the JSON of GetStatus, Explain and GetPolicy
 * (daemon/ctl-*.c) built from a made-up daemon state: a config from text,
 * counters, and tracked tasks with footprints and planner state, as the
 * engine would hold them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ctl-status.h"

static const char cfg_text[] =
	"interval: 1s\n"
	"policies:\n"
	"  - name: db\n"
	"    match: { cgroup: \"/db.slice\", comm: [postgres] }\n"
	"    mode: lazy\n"
	"  - name: batch\n"
	"    match: { cgroup: \"/batch/*\" }\n"
	"    mode: advise\n"
	"    nodes: \"0-1\"\n"
	"    rate_limit: unlimited\n";

struct world {
	struct nm_config *config;
	struct nm_counters counters;
	struct nm_tracker tracker;
	struct nm_task tasks[3];
	unsigned long long kb[3][2];
	uint64_t moved[4];
	uint64_t node_ns[2];
	struct ctl_state s;
};

/* Task I: PID in CGROUP with policy POL, KB0/KB1 eligible KiB on nodes
 * 0/1, home HOME (-1: none). */
static void task(struct world *w, int i, pid_t pid, const char *comm, const char *cgroup,
		 int pol, unsigned long long kb0, unsigned long long kb1, int home)
{
	struct nm_task *t = &w->tasks[i];

	t->id.pid = pid;
	snprintf(t->id.comm, sizeof(t->id.comm), "%s", comm);
	t->id.cgroup = (char *)cgroup;
	t->id.policy = &w->config->policies[pol];
	t->id.rss_bytes = (kb0 + kb1 + 100) * 1024;
	w->kb[i][0] = kb0;
	w->kb[i][1] = kb1;
	t->fp.eligible.nr_nodes = 2;
	t->fp.eligible.kb = w->kb[i];
	t->plan.phase = home >= 0 ? NM_PLAN_SETTLED : NM_PLAN_NEW;
	t->plan.has_home = home >= 0;
	t->plan.home = home;
	t->res.last_node = -1; /* never sampled */
	w->tracker.v[i] = &t->id;
}

static void world_init(struct world *w)
{
	struct nm_config_diags d;

	memset(w, 0, sizeof(*w));
	nm_config_diags_init(&d);
	ck_assert_int_eq(nm_config_load_text("t.yaml", cfg_text, strlen(cfg_text), &w->config, &d), 0);
	nm_config_diags_clear(&d);
	w->tracker.v = calloc(3, sizeof(*w->tracker.v));
	w->tracker.n = 3;
	/* Sorted by pid, as the tracker keeps them. */
	task(w, 0, 100, "postgres", "/db.slice", 0, 1000, 9000, 1);
	task(w, 1, 200, "postgres", "/db.slice", 0, 4000, 0, 0);
	task(w, 2, 300, "sort", "/batch/a", 1, 50, 50, -1);
	/* pid 100 migrated 2 MiB to node 1 at t=9000 for home_changed. */
	w->tasks[0].plan.last_action_reason = NM_PLAN_R_HOME_CHANGED;
	w->tasks[0].plan.last_action_ms = 9000;
	w->tasks[0].plan.last_target = 1;
	w->tasks[0].plan.last_bytes = 2 << 20;
	w->tasks[0].plan.last_reason = NM_PLAN_R_COOLDOWN;
	w->tasks[0].plan.last_reason_ms = 9500;
	w->tasks[0].plan.phase = NM_PLAN_COOLDOWN;
	w->tasks[0].plan.cooldown_until_ms = 12000;
	w->tasks[0].plan.reasons[NM_PLAN_R_DWELL] = 2;
	w->tasks[0].plan.reasons[NM_PLAN_R_HOME_CHANGED] = 1;
	w->tasks[0].last = (struct nm_plan_decision){ .action = NM_PLAN_NONE,
		.reason = NM_PLAN_R_COOLDOWN, .now_ms = 9500, .home = 1, .target = -1,
		.eligible_pages = 2500, .misplaced_pages = 250 };
	w->tasks[0].res.nr_nodes = 2;
	w->tasks[0].res.node_ns = w->node_ns;
	w->node_ns[0] = 250000000;
	w->node_ns[1] = 750000000;
	w->tasks[0].res.total_ns = 1000000000;
	w->tasks[0].res.last_node = 1;
	/* pid 200 was settled on node 0 with all its memory there, then ran
	 * on node 1 and is idle now: home 0, but none of it local. */
	w->tasks[1].res.nr_nodes = 2;
	w->tasks[1].res.last_node = 1;
	w->tasks[0].fp.skipped_kb[NM_VERDICT_EXCLUDED] = 2048;
	/* Read at 9.2 s while idle (next idle read 13.2 s); it runs now, so
	 * the next read is one busy gap after the last. */
	w->tasks[0].fp_seq = 3;
	w->tasks[0].fp_scanned_ms = 9200;
	w->tasks[0].fp_base_ms = 1000;
	w->tasks[0].fp_idle_scans = 2;
	w->tasks[0].fp_rss_bytes = w->tasks[0].id.rss_bytes; /* read at today's size */
	w->counters.nr_nodes = 2;
	w->counters.moved = w->moved;
	w->moved[0 * 2 + 1] = 512;            /* 0 -> 1 */
	w->counters.outcomes[NM_MIG_MOVED] = 512;
	w->counters.outcomes[NM_MIG_EBUSY] = 3;
	w->counters.aborts[EPERM] = 1;
	w->counters.reasons[NM_PLAN_R_DWELL] = 7;
	w->counters.scan_bytes = 12345;
	w->s = (struct ctl_state){
		.now_ms = 10000, .version = "9.9", .pid = 42, .started_ms = 4000,
		.config = w->config, .counters = &w->counters, .tracker = &w->tracker,
		.nr_nodes = 2, .page_size = 4096, .sampler_source = "proc",
		.sampler_description = "proc (test)", .sampler_fallback = "perf_event_open: EACCES",
		.knb = { [NM_KNB_BALANCING] = { .value = 0, .saved = 1 },
			 [NM_KNB_DEMOTION] = { .value = 1, .saved = -1 } },
		.state_dir = "/var/lib/numamigd",
	};
}

static void world_free(struct world *w)
{
	free(w->tracker.v);
	nm_config_free(w->config);
}

static json_object *get(json_object *o, const char *path)
{
	char key[64];

	while (*path) {
		size_t n = strcspn(path, ".");

		memcpy(key, path, n);
		key[n] = '\0';
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(key));
		else if (!json_object_object_get_ex(o, key, &o))
			ck_abort_msg("no %s", key);
		path += n + (path[n] == '.');
	}
	return o;
}

static int64_t geti(json_object *o, const char *path)
{
	return json_object_get_int64(get(o, path));
}

static const char *gets_(json_object *o, const char *path)
{
	json_object *v = get(o, path);

	return v ? json_object_get_string(v) : "(null)";
}

START_TEST(status)
{
	struct world w;
	json_object *o;

	world_init(&w);
	o = ctl_status_build(&w.s, 20);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(gets_(o, "daemon.version"), "9.9");
	ck_assert_int_eq(geti(o, "daemon.uptime_ms"), 6000);
	ck_assert_int_eq(strlen(gets_(o, "daemon.config_hash")), 16);
	ck_assert_str_eq(gets_(o, "daemon.sampler.source"), "proc");
	ck_assert_int_eq(geti(o, "daemon.kernel_numa_balancing.value"), 0);
	ck_assert_int_eq(geti(o, "daemon.kernel_numa_balancing.restore_value"), 1);
	ck_assert(json_object_get_boolean(get(o, "daemon.kernel_numa_balancing.changed")));
	/* Tiering: one policy moves memory (lazy), none has a goal; the
	 * kernel's mode is off (0), its demotion on reclaim on. */
	ck_assert_int_eq(geti(o, "tiering.numamigd_promotion_policies"), 1);
	ck_assert_int_eq(geti(o, "tiering.numamigd_demotion_policies"), 0);
	ck_assert(!json_object_get_boolean(get(o, "tiering.kernel_promotion")));
	ck_assert(json_object_get_boolean(get(o, "tiering.kernel_demotion")));
	ck_assert(!json_object_get_boolean(get(o, "daemon.kernel_numa_balancing.adopted")));
	ck_assert_str_eq(gets_(o, "daemon.kernel_numa_balancing.state_dir"), "/var/lib/numamigd");
	ck_assert_int_eq(geti(o, "daemon.kernel_demotion.value"), 1);
	ck_assert(!json_object_get_boolean(get(o, "daemon.kernel_demotion.changed")));
	ck_assert_ptr_null(get(o, "daemon.kernel_demotion.restore_value"));
	/* Totals. */
	ck_assert_int_eq(json_object_array_length(get(o, "totals.migrated")), 1);
	ck_assert_int_eq(geti(o, "totals.migrated.0.src"), 0);
	ck_assert_int_eq(geti(o, "totals.migrated.0.dst"), 1);
	ck_assert_int_eq(geti(o, "totals.migrated.0.bytes"), 512 * 4096);
	ck_assert_int_eq(geti(o, "totals.pages_migrated"), 512);
	ck_assert_int_eq(geti(o, "totals.pages_failed"), 3);
	ck_assert_int_eq(geti(o, "totals.failures.EBUSY"), 3);
	ck_assert_int_eq(geti(o, "totals.aborts.EPERM"), 1);
	ck_assert_int_eq(geti(o, "totals.reasons.dwell"), 7);
	ck_assert(!json_object_object_get_ex(get(o, "totals.reasons"), "none", NULL));
	ck_assert_int_eq(geti(o, "totals.numa_maps_bytes"), 12345);
	ck_assert_int_eq(geti(o, "totals.processes_tracked"), 3);
	/* Per policy, against where each process runs: db has pids 100 (a
	 * quarter of its CPU time on node 0 with 1000 KiB, three quarters on
	 * node 1 with 9000: 7000 of 10000 KiB local) and 200 (on node 1, its
	 * 4000 KiB on node 0): 7000 / 14000 = 50 %. */
	ck_assert_str_eq(gets_(o, "policies.0.name"), "db");
	ck_assert_int_eq(geti(o, "policies.0.processes"), 2);
	ck_assert_int_eq(geti(o, "policies.0.eligible_bytes_per_node.0"), 5000 * 1024);
	ck_assert_int_eq(geti(o, "policies.0.eligible_bytes_per_node.1"), 9000 * 1024);
	ck_assert_str_eq(json_object_to_json_string(get(o, "policies.0.locality_pct")), "50.0");
	/* pid 300 has never been seen running. */
	ck_assert_ptr_null(get(o, "policies.1.locality_pct"));
	ck_assert_str_eq(gets_(o, "policies.1.mode"), "advise");
	/* Processes, most eligible memory first. */
	ck_assert_int_eq(geti(o, "processes.0.pid"), 100);
	ck_assert_int_eq(geti(o, "processes.1.pid"), 200);
	ck_assert_int_eq(geti(o, "processes.0.home"), 1);
	ck_assert_int_eq(geti(o, "processes.0.cpu_node"), 1);
	ck_assert_str_eq(json_object_to_json_string(get(o, "processes.0.locality_pct")), "70.0");
	/* Home is not where it runs: locality says so. */
	ck_assert_int_eq(geti(o, "processes.1.home"), 0);
	ck_assert_int_eq(geti(o, "processes.1.cpu_node"), 1);
	ck_assert_str_eq(json_object_to_json_string(get(o, "processes.1.locality_pct")), "0.0");
	ck_assert_str_eq(gets_(o, "processes.0.state"), "cooldown");
	ck_assert_str_eq(gets_(o, "processes.0.last_action.action"), "migrate");
	ck_assert_str_eq(gets_(o, "processes.0.last_action.reason"), "home_changed");
	ck_assert_int_eq(geti(o, "processes.0.last_action.ago_ms"), 1000);
	ck_assert_int_eq(geti(o, "processes.0.last_action.bytes"), 2 << 20);
	ck_assert_str_eq(gets_(o, "processes.0.cgroup"), "/db.slice");
	ck_assert_ptr_null(get(o, "processes.2.home"));
	ck_assert_ptr_null(get(o, "processes.2.cpu_node"));
	ck_assert_ptr_null(get(o, "processes.2.locality_pct"));
	ck_assert_ptr_null(get(o, "processes.2.last_action"));
	json_object_put(o);
	/* The top-N cut. */
	o = ctl_status_build(&w.s, 1);
	ck_assert_int_eq(json_object_array_length(get(o, "processes")), 1);
	json_object_put(o);
	world_free(&w);
}
END_TEST

START_TEST(explain)
{
	struct world w;
	json_object *o;

	world_init(&w);
	ck_assert_int_eq(ctl_explain_build(&w.s, 999, &o), -ESRCH);
	w.tasks[1].id.doomed = true;
	ck_assert_int_eq(ctl_explain_build(&w.s, 200, &o), -ESRCH);
	ck_assert_int_eq(ctl_explain_build(&w.s, 100, &o), 0);
	ck_assert_int_eq(geti(o, "process.pid"), 100);
	ck_assert_str_eq(gets_(o, "policy.name"), "db");
	ck_assert_str_eq(gets_(o, "planner.state"), "cooldown");
	ck_assert_int_eq(geti(o, "planner.cooldown_remaining_ms"), 2000);
	ck_assert_int_eq(geti(o, "planner.home"), 1);
	ck_assert_int_eq(geti(o, "reasons.dwell"), 2);
	ck_assert_int_eq(geti(o, "reasons.home_changed"), 1);
	ck_assert(!json_object_object_get_ex(get(o, "reasons"), "cooldown", NULL));
	ck_assert_str_eq(gets_(o, "last_decision.reason"), "cooldown");
	ck_assert_int_eq(geti(o, "last_decision.misplaced_pages"), 250);
	ck_assert_ptr_null(get(o, "last_decision.target"));
	ck_assert_int_eq(geti(o, "residency.cpu_ns_per_node.1"), 750000000);
	ck_assert_str_eq(json_object_to_json_string(get(o, "residency.cpu_pct_per_node.0")), "25.0");
	ck_assert_int_eq(geti(o, "footprint.eligible_pages_per_node.1"), 9000 / 4);
	ck_assert_int_eq(geti(o, "footprint.skipped_bytes.excluded_file"), 2048 * 1024);
	ck_assert_int_eq(geti(o, "footprint.scan_age_ms"), 800);
	ck_assert_int_eq(geti(o, "footprint.next_scan_ms"), 200);
	json_object_put(o);
	world_free(&w);
}
END_TEST

/* Status with the PMU source at ERR, WHAT (its event or why not): STATE,
 * and WHAT in FIELD alone of pmu_event and pmu_reason. */
static void pmu_status(struct world *w, int err, const char *what, const char *state,
		       const char *field)
{
	json_object *o;
	char path[64];

	w->s.pmu_err = err;
	w->s.pmu_what = what;
	o = ctl_status_build(&w->s, 20);
	ck_assert_str_eq(gets_(o, "attribution.pmu"), state);
	snprintf(path, sizeof(path), "attribution.%s", field);
	ck_assert_str_eq(gets_(o, path), what);
	ck_assert_ptr_null(get(o, strcmp(field, "pmu_event") ? "attribution.pmu_event" :
							      "attribution.pmu_reason"));
	json_object_put(o);
}

/* Status with the soft-dirty bits at SD_ERR (WHY) and the writes source
 * at WRITES_ERR: STATE, and the reason only when unavailable. */
static void softdirty_status(struct world *w, int sd_err, const char *why, int writes_err,
			     const char *state)
{
	json_object *o;

	w->s.sd_err = sd_err;
	w->s.sd_why = why;
	w->s.writes_err = writes_err;
	o = ctl_status_build(&w->s, 20);
	ck_assert_str_eq(gets_(o, "attribution.softdirty"), state);
	if (sd_err)
		ck_assert_str_eq(gets_(o, "attribution.softdirty_reason"), why);
	else
		ck_assert_ptr_null(get(o, "attribution.softdirty_reason"));
	json_object_put(o);
}

/* A process placed by region: its windows and its most written regions,
 * the hottest first; the writes, soft-dirty and PMU sources in status. */
START_TEST(explain_regions)
{
	struct world w;
	struct nm_regions rg = { 0 };
	struct nm_access_opts ao;
	uint64_t pages[3][2] = { { 0, 512 }, { 512, 0 }, { 0, 100 } };
	struct nm_region_plan plans[3];
	struct nm_access_rec r = { .pid = 100, .tid = 101, .node = 1 };
	json_object *o;

	world_init(&w);
	nm_access_default_opts(&ao, 2);
	ck_assert_int_eq(nm_access_init(&rg.store, &ao, 0), 0);
	for (int i = 0; i < 30; i++) { /* region 0x200000: 30 pages from node 1 */
		r.addr = 0x200000 + (unsigned long)i * 4096;
		ck_assert_int_eq(nm_access_add(&rg.store, &r, 1), 0);
	}
	r.node = 0;
	for (int i = 0; i < 10; i++) { /* region 0x400000: 10 from node 0 */
		r.addr = 0x400000 + (unsigned long)i * 4096;
		ck_assert_int_eq(nm_access_add(&rg.store, &r, 1), 0);
	}
	plans[0] = (struct nm_region_plan){ .start = 0x200000, .pages = pages[0] };
	plans[0].plan = (struct nm_plan_state){ .phase = NM_PLAN_SETTLED, .home = 1, .has_home = true };
	plans[0].last.reason = NM_PLAN_R_ALREADY_LOCAL;
	/* Region 0x400000 split by writer: node 1's part (keyed start + 2). */
	plans[1] = (struct nm_region_plan){ .start = 0x400000, .pages = pages[1] };
	plans[2] = (struct nm_region_plan){ .start = 0x400002, .pages = pages[2],
					    .placed_start = 0x49c000, .placed_end = 0x500000,
					    .pages_moved = 100 };
	plans[2].plan = (struct nm_plan_state){ .phase = NM_PLAN_COOLDOWN, .home = 1,
						.has_home = true };
	rg.v = plans;
	rg.n = 3;
	rg.clears = 3;
	rg.faults = 40;
	rg.gap_ms = 1000;
	rg.next_clear_ms = 10400;
	rg.wait = NM_REGIONS_FAULT_BUDGET;
	w.tasks[0].rg = &rg;
	w.counters.clears = 3;
	w.counters.induced_faults = 40;
	/* Its hot set: all on nodes with CPUs, three quarters on a writer's. */
	w.tasks[0].tier.hot_pages = 1024;
	w.tasks[0].tier.hot_fast_pages = 1024;
	w.tasks[0].tier.hot_local_pages = 768;
	ck_assert_int_eq(ctl_explain_build(&w.s, 100, &o), 0);
	ck_assert_str_eq(json_object_to_json_string(get(o, "tiering.hot_fast_pct")), "100.0");
	ck_assert_str_eq(json_object_to_json_string(get(o, "tiering.hot_local_pct")), "75.0");
	ck_assert_str_eq(gets_(o, "regions.state"), "fault_budget");
	ck_assert_str_eq(gets_(o, "regions.write_source"), "faults");
	ck_assert_int_eq(geti(o, "regions.next_clear_in_ms"), 400);
	ck_assert_int_eq(geti(o, "regions.regions_written"), 2);
	ck_assert_str_eq(gets_(o, "regions.top.0.range"), "200000-400000");
	ck_assert_int_eq(geti(o, "regions.top.0.temperature"), 30);
	ck_assert_int_eq(geti(o, "regions.top.0.writes"), 30);
	ck_assert_int_eq(geti(o, "regions.top.0.damon"), 0);
	ck_assert_str_eq(json_object_to_json_string(get(o, "regions.top.0.write_share_per_node.1")),
			 "1.0");
	ck_assert_int_eq(geti(o, "regions.top.0.pages_per_node.1"), 512);
	ck_assert_int_eq(geti(o, "regions.top.0.home"), 1);
	ck_assert_str_eq(gets_(o, "regions.top.0.reason"), "already_local");
	ck_assert_str_eq(gets_(o, "regions.top.1.range"), "400000-600000");
	ck_assert_ptr_null(get(o, "regions.top.1.home"));
	ck_assert_int_eq(json_object_array_length(get(o, "regions.top.0.parts")), 0);
	ck_assert_int_eq(json_object_array_length(get(o, "regions.top.1.parts")), 1);
	ck_assert_str_eq(gets_(o, "regions.top.1.parts.0.range"), "49c000-500000");
	ck_assert_int_eq(geti(o, "regions.top.1.parts.0.home"), 1);
	ck_assert_int_eq(geti(o, "regions.top.1.parts.0.pages_per_node.1"), 100);
	ck_assert_int_eq(geti(o, "regions.top.1.parts.0.pages_moved"), 100);
	ck_assert_ptr_null(get(o, "regions.note")); /* no window closed yet */
	json_object_put(o);
	/* A window closed with 40 of its 2500 eligible pages written. */
	nm_access_end_window(&rg.store, 1000);
	rg.written_last = 40;
	ck_assert_int_eq(ctl_explain_build(&w.s, 100, &o), 0);
	ck_assert_ptr_nonnull(strstr(gets_(o, "regions.note"), "40 of its 2500 eligible pages"));
	json_object_put(o);
	ck_assert_int_eq(ctl_explain_build(&w.s, 300, &o), 0);
	ck_assert_ptr_null(get(o, "regions"));
	json_object_put(o);
	o = ctl_status_build(&w.s, 20);
	ck_assert_str_eq(json_object_to_json_string(get(o, "processes.0.hot_local_pct")), "75.0");
	ck_assert_str_eq(gets_(o, "attribution.writes"), "live");
	ck_assert_int_eq(geti(o, "attribution.processes"), 1);
	ck_assert_int_eq(geti(o, "attribution.induced_faults"), 40);
	json_object_put(o);
	/* The PMU source: its event when live, else why not. */
	pmu_status(&w, -ENOENT, "no precise memory sampling", "unavailable", "pmu_reason");
	pmu_status(&w, 0, "MEM_INST_RETIRED:ALL_LOADS", "live", "pmu_event");
	/* The soft-dirty bits: standing by while the fault event is live,
	 * read instead of it when not, and why not when the kernel lacks them. */
	softdirty_status(&w, 0, NULL, 0, "standby");
	softdirty_status(&w, 0, NULL, -EACCES, "live");
	softdirty_status(&w, -EOPNOTSUPP, "a page written after a clear is not soft-dirty", 0,
			 "unavailable");
	w.s.writes_err = -EACCES; /* no fault event */
	ck_assert_int_eq(ctl_explain_build(&w.s, 100, &o), 0);
	ck_assert_str_eq(gets_(o, "regions.write_source"), "softdirty");
	json_object_put(o);
	nm_access_free(&rg.store);
	world_free(&w);
}
END_TEST

START_TEST(policy)
{
	struct world w;
	json_object *o;

	world_init(&w);
	o = ctl_policy_build(w.config, NULL);
	ck_assert_int_eq(json_object_array_length(get(o, "policies")), 2);
	ck_assert_str_eq(gets_(o, "policies.1.nodes"), "0-1");
	ck_assert_int_eq(geti(o, "policies.1.rate_limit_bytes_per_s"), 0);
	ck_assert_str_eq(gets_(o, "policies.0.match.comm.0"), "postgres");
	ck_assert_int_eq(geti(o, "policies.0.dwell_ms"), 1000);
	json_object_put(o);
	/* db lists a comm: other processes in /db.slice are not managed, and
	 * postgres there gets db. */
	o = ctl_policy_build(w.config, "/db.slice/x");
	ck_assert_ptr_null(get(o, "policy"));
	ck_assert_str_eq(gets_(o, "by_comm.0.comm"), "postgres");
	ck_assert_str_eq(gets_(o, "by_comm.0.policy"), "db");
	json_object_put(o);
	o = ctl_policy_build(w.config, "/batch/a");
	ck_assert_str_eq(gets_(o, "policy.name"), "batch");
	ck_assert_str_eq(gets_(o, "by_comm.0.policy"), "batch"); /* no comm list */
	json_object_put(o);
	o = ctl_policy_build(w.config, "/other");
	ck_assert(!json_object_get_boolean(get(o, "managed")));
	json_object_put(o);
	world_free(&w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("control-status");
	TCase *tc = tcase_create("builders");

	tcase_add_test(tc, status);
	tcase_add_test(tc, explain);
	tcase_add_test(tc, explain_regions);
	tcase_add_test(tc, policy);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

/* print-status: `numamigctl status` as text: the daemon, the totals, one
 * row per policy, one row per top process. See print.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "print.h"

/* The writes source: live or why not (and the soft-dirty bits, which
 * every window needs and which stand in for it), and what it cost. */
static void print_attribution(FILE *f, json_object *a)
{
	char ms[FMT_MAX];

	if (!a)
		return;
	if (strcmp(jstr(a, "softdirty", "?"), "unavailable") == 0) {
		fprintf(f, "threads:   soft-dirty bits unavailable (%s): no process is placed by "
			"region\n", jstr(a, "softdirty_reason", "?"));
		return;
	}
	if (strcmp(jstr(a, "writes", "?"), "live") != 0)
		fprintf(f, "threads:   writes source unavailable (%s): processes whose threads "
			"run on several nodes are left alone; those with one home are read from "
			"their soft-dirty bits (%lld reads)\n", jstr(a, "writes_reason", "?"),
			(long long)jint(a, "softdirty_scans", 0));
	fprintf(f, "threads:   %lld processes placed by region; %lld clears (%s), %lld induced "
		"faults, %lld budget waits; %lld region moves, %lld pages\n",
		(long long)jint(a, "processes", 0), (long long)jint(a, "clears", 0),
		fmt_ms(ms, jint(a, "clear_ms", -1)), (long long)jint(a, "induced_faults", 0),
		(long long)jint(a, "budget_waits", 0), (long long)jint(a, "region_moves", 0),
		(long long)jint(a, "region_pages_moved", 0));
}

/* ", set by numamigd (restores V on exit; ...)" or ", left alone": K is a
 * kernel setting numamigd may change. */
static void print_changed(FILE *f, json_object *k)
{
	if (jbool(k, "changed") == 1)
		fprintf(f, ", set by numamigd (restores %lld on exit; saved in %s%s)",
			(long long)jint(k, "restore_value", 0), jstr(k, "state_dir", "?"),
			jbool(k, "adopted") == 1 ? " by an earlier run that did not restore it" : "");
	else
		fprintf(f, ", left alone");
}

/* Who moves memory between tiers: numamigd's policies, the kernel. */
static void print_tiering(FILE *f, json_object *t, json_object *demotion)
{
	if (!t || jint(t, "memory_only_nodes", 0) <= 0)
		return;
	fprintf(f, "tiers:     %lld memory-only nodes; promotion: numamigd (%lld policies)%s; "
		"demotion: numamigd (%lld policies with a goal)%s",
		(long long)jint(t, "memory_only_nodes", 0),
		(long long)jint(t, "numamigd_promotion_policies", 0),
		jbool(t, "kernel_promotion") == 1 ? " and the kernel (numa_balancing bit 2: both "
		"move pages)" : "", (long long)jint(t, "numamigd_demotion_policies", 0),
		jbool(t, "kernel_demotion") == 1 ? ", and the kernel on reclaim (demotion_enabled"
		: "");
	if (jbool(t, "kernel_demotion") == 1) {
		print_changed(f, demotion);
		fputc(')', f);
	}
	fputc('\n', f);
}

/* The DAMON source: reads, for tiering. */
static void print_damon(FILE *f, json_object *d)
{
	const char *state = jstr(d, "state", "?");
	char ms[FMT_MAX];

	if (!d)
		return;
	if (strcmp(state, "unused") == 0) {
		fprintf(f, "reads:     DAMON not opened: no tiered process needed it\n");
	} else if (strcmp(state, "live") != 0) {
		fprintf(f, "reads:     DAMON unavailable: %s; pages only read count as cold\n",
			jstr(d, "reason", "?"));
	} else {
		fprintf(f, "reads:     DAMON watching %lld of at most %lld processes; %lld snapshots "
			"(%s, %lld regions), %lld failed; %lld starts, %lld failed\n",
			(long long)jint(d, "processes", 0), (long long)jint(d, "max_processes", 0),
			(long long)jint(d, "snapshots", 0), fmt_ms(ms, jint(d, "snapshot_ms", -1)),
			(long long)jint(d, "regions", 0), (long long)jint(d, "snapshot_errors", 0),
			(long long)jint(d, "starts", 0), (long long)jint(d, "start_errors", 0));
	}
}

static void print_daemon(FILE *f, json_object *p)
{
	json_object *knb = jget(p, "daemon.kernel_numa_balancing");
	char up[FMT_MAX], iv[FMT_MAX], usr[FMT_MAX], sys[FMT_MAX], rss[FMT_MAX];

	fprintf(f, "numamigd %s (pid %lld), up %s, %s\n", jstr(p, "daemon.version", "?"),
		(long long)jint(p, "daemon.pid", 0), fmt_ms(up, jint(p, "daemon.uptime_ms", -1)),
		jbool(p, "daemon.paused") == 1 ? "PAUSED" : "running");
	fprintf(f, "config:    hash %s, %lld policies, interval %s\n",
		jstr(p, "daemon.config_hash", "-"), (long long)jint(p, "daemon.policies", 0),
		fmt_ms(iv, jint(p, "daemon.interval_ms", -1)));
	fprintf(f, "sampler:   %s", jstr(p, "daemon.sampler.description", "-"));
	if (jget(p, "daemon.sampler.fallback_reason"))
		fprintf(f, " (not perf: %s)", jstr(p, "daemon.sampler.fallback_reason", ""));
	fputc('\n', f);
	fprintf(f, "autoNUMA:  kernel.numa_balancing ");
	if (jget(knb, "value"))
		fprintf(f, "= %lld", (long long)jint(knb, "value", 0));
	else
		fprintf(f, "unreadable (%s)", jstr(knb, "error", "?"));
	print_changed(f, knb);
	fputc('\n', f);
	print_attribution(f, jget(p, "attribution"));
	print_damon(f, jget(p, "damon"));
	print_tiering(f, jget(p, "tiering"), jget(p, "daemon.kernel_demotion"));
	fprintf(f, "cost:      cpu %s user + %s system, max RSS %s, %lld ticks\n",
		fmt_ms(usr, jint(p, "daemon.cpu_user_ms", -1)),
		fmt_ms(sys, jint(p, "daemon.cpu_system_ms", -1)),
		fmt_bytes(rss, jint(p, "daemon.max_rss_bytes", -1)), (long long)jint(p, "daemon.ticks", 0));
}

/* "name count, ..." of the nonzero entries of O, or "none". */
static void print_counts(FILE *f, const char *label, json_object *o)
{
	int any = 0;

	fprintf(f, "%-11s", label);
	if (o && json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			if (json_object_get_int64(v) == 0)
				continue;
			fprintf(f, "%s%s %lld", any ? ", " : "", k, (long long)json_object_get_int64(v));
			any = 1;
		}
	}
	fprintf(f, "%s\n", any ? "" : "none");
}

static void print_migrated(FILE *f, json_object *p)
{
	static const char *const head[] = { "MIGRATED", ">PAGES", ">BYTES" };
	json_object *a = jget(p, "totals.migrated");
	struct table *t = TABLE_NEW(head);
	char route[32], pages[32], bytes[FMT_MAX];
	size_t n = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *row[] = { route, pages, fmt_bytes(bytes, jint(e, "bytes", -1)) };

		snprintf(route, sizeof(route), "node %lld -> %lld", (long long)jint(e, "src", -1),
			 (long long)jint(e, "dst", -1));
		snprintf(pages, sizeof(pages), "%lld", (long long)jint(e, "pages", 0));
		table_add(t, row);
	}
	{
		const char *row[] = { "total", pages, fmt_bytes(bytes, jint(p, "totals.bytes_migrated", -1)) };

		snprintf(pages, sizeof(pages), "%lld", (long long)jint(p, "totals.pages_migrated", 0));
		table_add(t, row);
	}
	table_print(t, f, "");
	table_free(t);
}

static void print_totals(FILE *f, json_object *p)
{
	char ms[FMT_MAX], b[FMT_MAX], sms[FMT_MAX];

	fputc('\n', f);
	print_migrated(f, p);
	fprintf(f, "migrations %lld, %s in move_pages\n", (long long)jint(p, "totals.migrations", 0),
		fmt_ms(ms, jint(p, "totals.migration_ms", -1)));
	if (jint(p, "totals.move_priority_errors", 0))
		fprintf(f, "%-11s%lld raises of a mover's priority refused (%s): moves run at the "
			"daemon's own\n", "priority:", (long long)jint(p, "totals.move_priority_errors", 0),
			jstr(p, "totals.move_priority_error", "?"));
	if (jint(p, "totals.promoted_pages", 0) || jint(p, "totals.demoted_pages", 0))
		fprintf(f, "tiering:   %lld pages promoted, %lld demoted (%lld demotions), %lld moved "
			"back within cold_after (ping-pong)\n",
			(long long)jint(p, "totals.promoted_pages", 0),
			(long long)jint(p, "totals.demoted_pages", 0),
			(long long)jint(p, "totals.demotions", 0),
			(long long)jint(p, "totals.pingpong_pages", 0));
	print_counts(f, "stops:", jget(p, "totals.stops"));
	print_counts(f, "failed:", jget(p, "totals.failures"));
	print_counts(f, "aborted:", jget(p, "totals.aborts"));
	print_counts(f, "decisions:", jget(p, "totals.reasons"));
	fprintf(f, "%-11s%s of numa_maps in %lld reads (%s), %lld samples (%lld lost)\n", "scanned:",
		fmt_bytes(b, jint(p, "totals.numa_maps_bytes", -1)),
		(long long)jint(p, "totals.numa_maps_scans", 0),
		fmt_ms(sms, jint(p, "totals.numa_maps_ms", -1)), (long long)jint(p, "totals.samples", 0),
		(long long)jint(p, "totals.samples_lost", 0));
	fprintf(f, "%-11s%lld tracked (%lld added, %lld dropped)\n", "processes:",
		(long long)jint(p, "totals.processes_tracked", 0),
		(long long)jint(p, "totals.processes_added", 0),
		(long long)jint(p, "totals.processes_dropped", 0));
}

#define MAX_NODE_COLS 16

static void print_policies_summary(FILE *f, json_object *p)
{
	json_object *a = jget(p, "policies");
	int nodes = (int)jint(p, "nr_nodes", 0);
	const char *head[5 + MAX_NODE_COLS + 1] = { "POLICY", "MODE", ">PROCS", ">RSS" };
	char names[MAX_NODE_COLS][16], cells[MAX_NODE_COLS][FMT_MAX];
	char procs[32], rss[FMT_MAX], loc[FMT_MAX];
	struct table *t;
	size_t n = a ? json_object_array_length(a) : 0;

	nodes = nodes > MAX_NODE_COLS ? MAX_NODE_COLS : nodes;
	for (int i = 0; i < nodes; i++) {
		snprintf(names[i], sizeof(names[i]), ">NODE%d", i);
		head[4 + i] = names[i];
	}
	head[4 + nodes] = ">LOCALITY";
	t = table_new(5 + nodes, head);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *row[5 + MAX_NODE_COLS + 1] = { jstr(e, "name", "?"), jstr(e, "mode", "?"),
							   procs, fmt_bytes(rss, jint(e, "rss_bytes", -1)) };
		json_object *per = jget(e, "eligible_bytes_per_node");

		snprintf(procs, sizeof(procs), "%lld", (long long)jint(e, "processes", 0));
		for (int k = 0; k < nodes; k++) {
			json_object *v = per ? json_object_array_get_idx(per, (size_t)k) : NULL;

			row[4 + k] = fmt_bytes(cells[k], v ? json_object_get_int64(v) : -1);
		}
		row[4 + nodes] = fmt_pct(loc, jget(e, "locality_pct"));
		table_add(t, row);
	}
	fprintf(f, "\nEligible memory per node, by policy:\n");
	table_print(t, f, "");
	table_free(t);
}

/* "home_changed: migrate 48.0MiB to node 1, 3.2s ago", or "-". */
static void last_action(char *buf, size_t size, json_object *e)
{
	json_object *a = jget(e, "last_action");
	char ago[FMT_MAX], bytes[FMT_MAX];

	if (!a) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%s: %s %s to node %lld, %s ago", jstr(a, "reason", "?"),
		 jstr(a, "action", "?"), fmt_bytes(bytes, jint(a, "bytes", -1)),
		 (long long)jint(a, "target", -1), fmt_ms(ago, jint(a, "ago_ms", -1)));
}

static void process_row(json_object *e, const char **c, char (*b)[TABLE_CELL_MAX])
{
	snprintf(b[0], TABLE_CELL_MAX, "%lld", (long long)jint(e, "pid", 0));
	c[0] = b[0];
	c[1] = jstr(e, "comm", "?");
	c[2] = jstr(e, "policy", "-");
	c[3] = fmt_node(b[3], jget(e, "home"));
	c[4] = fmt_node(b[4], jget(e, "cpu_node"));
	c[5] = fmt_bytes(b[5], jint(e, "eligible_bytes", -1));
	c[6] = fmt_pct(b[6], jget(e, "locality_pct"));
	c[7] = fmt_pct(b[7], jget(e, "hot_fast_pct"));
	c[8] = fmt_pct(b[8], jget(e, "hot_local_pct"));
	c[9] = jstr(e, "state", "?");
	c[10] = jstr(e, "last_reason", "-");
	last_action(b[11], TABLE_CELL_MAX, e);
	c[11] = b[11];
}

static void print_processes(FILE *f, json_object *p)
{
	static const char *const head[] = { ">PID", "COMM", "POLICY", ">HOME", ">RUNS ON", ">ELIGIBLE",
					    ">LOCALITY", ">HOT FAST", ">HOT LOCAL", "STATE", "LAST TICK",
					    "LAST ACTION" };
	size_t n;
	json_object *a = jarray(p, "processes", &n);
	struct table *t = table_of(TABLE_NCOLS(head), head, a, n, process_row);

	fprintf(f, "\nTop processes by eligible memory:\n");
	if (n)
		table_print(t, f, "");
	else
		fprintf(f, "  (none tracked)\n");
	table_free(t);
}

static void node_row(json_object *e, const char **cells, char (*buf)[TABLE_CELL_MAX])
{
	char total[FMT_MAX];

	snprintf(buf[0], TABLE_CELL_MAX, "%lld", (long long)jint(e, "node", 0));
	snprintf(buf[1], TABLE_CELL_MAX, "%lld", (long long)jint(e, "cpus", 0));
	fmt_bytes(buf[2], jint(e, "mem_free_bytes", -1));
	snprintf(buf[2] + strlen(buf[2]), TABLE_CELL_MAX - strlen(buf[2]), "/%s",
		 fmt_bytes(total, jint(e, "mem_total_bytes", -1)));
	fmt_pct(buf[3], jget(e, "tracked_cpu_pct"));
	fmt_bytes(buf[4], jint(e, "tracked_eligible_bytes", 0));
	for (int c = 0; c < 5; c++)
		cells[c] = buf[c];
}

void print_node_table(FILE *f, json_object *p)
{
	static const char *const head[] = { ">NODE", ">CPUS", ">FREE/TOTAL", ">TRACKED CPU",
					    ">TRACKED MEM" };
	size_t n;
	json_object *a = jarray(p, "nodes", &n);
	struct table *t;

	if (!n)
		return; /* an older daemon */
	t = table_of(TABLE_NCOLS(head), head, a, n, node_row);
	table_print(t, f, "");
	table_free(t);
}

void print_status(FILE *f, json_object *p)
{
	print_daemon(f, p);
	print_totals(f, p);
	fputc('\n', f);
	print_node_table(f, p);
	print_policies_summary(f, p);
	print_processes(f, p);
}

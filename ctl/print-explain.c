/* print-explain: `numamigctl explain PID` and `numamigctl policy
 * [CGROUP]` as text. See print.h. */
#include "config.h"

#include <string.h>

#include "print.h"

static const char *yesno(int b)
{
	return b == 1 ? "yes" : b == 0 ? "no" : "-";
}

static void print_planner(FILE *f, json_object *pl)
{
	char home[FMT_MAX], dom[FMT_MAX], for_[FMT_MAX], streak[FMT_MAX], dwell[FMT_MAX];
	char cool[FMT_MAX], planned[FMT_MAX];

	fprintf(f, "planner:     state %s, home %s, dominant node %s for %s (streak %s)\n",
		jstr(pl, "state", "?"), fmt_node(home, jget(pl, "home")),
		fmt_node(dom, jget(pl, "dominant")), fmt_ms(for_, jint(pl, "dominant_for_ms", -1)),
		fmt_ms(streak, jint(pl, "streak_ms", -1)));
	fprintf(f, "             dwell %s (backoff %lld), cooldown %s left, awaiting placement: %s, "
		"triggered: %s\n", fmt_ms(dwell, jint(pl, "dwell_ms", -1)),
		(long long)jint(pl, "backoff", 0), fmt_ms(cool, jint(pl, "cooldown_remaining_ms", -1)),
		yesno(jbool(pl, "awaiting_placement")), yesno(jbool(pl, "triggered")));
	fprintf(f, "             %lld migrations planned, %s\n", (long long)jint(pl, "migrations", 0),
		fmt_bytes(planned, jint(pl, "bytes_planned", -1)));
}

static void print_decision(FILE *f, json_object *d)
{
	char ago[FMT_MAX], home[FMT_MAX], target[FMT_MAX], bytes[FMT_MAX], dwell[FMT_MAX];

	if (!d) {
		fprintf(f, "last tick:   not planned yet\n");
		return;
	}
	fprintf(f, "last tick:   %s (%s), %s ago: home %s, target %s\n", jstr(d, "action", "?"),
		jstr(d, "reason", "?"), fmt_ms(ago, jint(d, "ago_ms", -1)),
		fmt_node(home, jget(d, "home")), fmt_node(target, jget(d, "target")));
	fprintf(f, "             eligible %lld pages, misplaced %lld; to move %lld pages (%s)%s%s\n",
		(long long)jint(d, "eligible_pages", 0), (long long)jint(d, "misplaced_pages", 0),
		(long long)jint(d, "pages", 0), fmt_bytes(bytes, jint(d, "bytes", -1)),
		jbool(d, "partial") == 1 ? ", partial" : "", jbool(d, "direct") == 1 ? ", direct" : "");
	fprintf(f, "             dwell %s, benefit %lld us, cost %lld us\n",
		fmt_ms(dwell, jint(d, "dwell_ms", -1)), (long long)jint(d, "benefit_us", 0),
		(long long)jint(d, "cost_us", 0));
}

static void print_nodes(FILE *f, json_object *p)
{
	static const char *const head[] = { ">NODE", ">CPU", ">CPU TIME", ">ELIGIBLE PAGES" };
	json_object *pct = jget(p, "residency.cpu_pct_per_node");
	json_object *ns = jget(p, "residency.cpu_ns_per_node");
	size_t n;
	json_object *pages = jarray(p, "footprint.eligible_pages_per_node", &n);
	struct table *t = TABLE_NEW(head);

	for (size_t i = 0; i < n; i++) {
		char node[24], c[FMT_MAX], time[FMT_MAX], pg[32];
		json_object *v = ns ? json_object_array_get_idx(ns, i) : NULL;
		const char *row[] = { node, fmt_pct(c, pct ? json_object_array_get_idx(pct, i) : NULL),
				      fmt_ms(time, v ? json_object_get_int64(v) / 1000000 : -1), pg };

		snprintf(node, sizeof(node), "%zu", i);
		snprintf(pg, sizeof(pg), "%lld",
			 (long long)json_object_get_int64(json_object_array_get_idx(pages, i)));
		table_add(t, row);
	}
	fprintf(f, "\nLast tick per node (CPU time from the sampler, pages from numa_maps):\n");
	table_print(t, f, "");
	table_free(t);
}

static void print_footprint(FILE *f, json_object *p)
{
	json_object *sk = jget(p, "footprint.skipped_bytes");
	char b[FMT_MAX], age[FMT_MAX], next[FMT_MAX];
	int any = 0;

	fprintf(f, "skipped:     ");
	if (sk && json_object_is_type(sk, json_type_object)) {
		json_object_object_foreach(sk, k, v) {
			fprintf(f, "%s%s %s", any ? ", " : "", k, fmt_bytes(b, json_object_get_int64(v)));
			any = 1;
		}
	}
	fprintf(f, "%s\n", any ? "" : "-");
	fprintf(f, "footprint:   %lld VMAs, %lld scans, last read %s (%s) %s ago, next in %s\n",
		(long long)jint(p, "footprint.vmas", 0), (long long)jint(p, "footprint.scans", 0),
		fmt_bytes(b, jint(p, "footprint.scan_bytes", -1)), jstr(p, "footprint.scan_status", "?"),
		fmt_ms(age, jint(p, "footprint.scan_age_ms", -1)),
		fmt_ms(next, jint(p, "footprint.next_scan_ms", -1)));
}

/* A region: its temperature, "0:100% 1:0%" (its accesses by node), its
 * pages per node, home and plan. */
static void region_row(json_object *e, const char **c, char (*b)[TABLE_CELL_MAX])
{
	size_t nw, np, len = 0;
	json_object *w = jarray(e, "write_share_per_node", &nw);
	json_object *pg = jarray(e, "pages_per_node", &np);

	c[0] = jstr(e, "range", "?");
	snprintf(b[1], TABLE_CELL_MAX, "%.0f",
		 jget(e, "temperature") ? json_object_get_double(jget(e, "temperature")) : 0.0);
	b[2][0] = b[3][0] = '\0';
	for (size_t i = 0; i < nw && len < TABLE_CELL_MAX; i++)
		len += (size_t)snprintf(b[2] + len, TABLE_CELL_MAX - len, "%s%zu:%.0f%%",
					i ? " " : "", i,
					100 * json_object_get_double(json_object_array_get_idx(w, i)));
	len = 0;
	for (size_t i = 0; i < np && len < TABLE_CELL_MAX; i++)
		len += (size_t)snprintf(b[3] + len, TABLE_CELL_MAX - len, "%s%lld", i ? "/" : "",
					(long long)json_object_get_int64(json_object_array_get_idx(pg, i)));
	c[1] = b[1];
	c[2] = b[2];
	c[3] = b[3];
	c[4] = fmt_node(b[4], jget(e, "home"));
	c[5] = jstr(e, "state", "-");
	c[6] = jstr(e, "reason", "-");
}

static void print_regions(FILE *f, json_object *rg)
{
	static const char *const head[] = { "RANGE", "TEMP", "ACCESSES BY NODE", "PAGES PER NODE",
					    "HOME", "STATE", "REASON" };
	char gap[FMT_MAX], next[FMT_MAX], sz[FMT_MAX];
	size_t n;
	json_object *a;
	struct table *t;

	if (!rg)
		return;
	fprintf(f, "regions:     placed by region (%s each), %s; clear every %s, next in %s%s%s\n",
		fmt_bytes(sz, jint(rg, "region_bytes", -1)), jstr(rg, "state", "?"),
		fmt_ms(gap, jint(rg, "clear_gap_ms", -1)), fmt_ms(next, jint(rg, "next_clear_in_ms", -1)),
		jget(rg, "clear_error") ? ": clear_refs: " : "", jstr(rg, "clear_error", ""));
	fprintf(f, "             writers: %s (%.0f%% of regions change writer between "
		"windows; shared from %d%%)\n", jstr(rg, "writers", "?"),
		jget(rg, "flipping_pct") ? json_object_get_double(jget(rg, "flipping_pct")) : 0.0,
		(int)jint(rg, "shared_from_pct", 0));
	fprintf(f, "             %lld clears, %lld induced faults, %lld regions written, "
		"%lld pages moved\n", (long long)jint(rg, "clears", 0),
		(long long)jint(rg, "induced_faults", 0), (long long)jint(rg, "regions_written", 0),
		(long long)jint(rg, "pages_moved", 0));
	if (jbool(rg, "damon") == 1 || jint(rg, "damon_snapshots", 0))
		fprintf(f, "             DAMON: %s, %lld snapshots, %lld pages hot in the last\n",
			jbool(rg, "damon") == 1 ? "watching its reads" : "not watching now",
			(long long)jint(rg, "damon_snapshots", 0),
			(long long)jint(rg, "damon_hot_pages", 0));
	if (jget(rg, "note"))
		fprintf(f, "             %s\n", jstr(rg, "note", ""));
	a = jarray(rg, "top", &n);
	if (!n)
		return;
	t = table_of(TABLE_NCOLS(head), head, a, n, region_row);
	fprintf(f, "\nHottest regions (TEMP: pages accessed, decayed):\n");
	table_print(t, f, "");
	table_free(t);
}

/* Demotion to the policy's goal: what the last tick did, and why not. */
static void print_tier(FILE *f, json_object *ti)
{
	static const struct { const char *state, *what; } said[] = {
		{ "none", "nothing to demote at the last tick" },
		{ "learning", "its writes are watched for cold_after before anything is cold" },
		{ "no_cold", "nothing of it there went unwritten for cold_after, or the last "
			     "try moved nothing (tried again after cold_after)" },
		{ "no_target", "no memory-only node it may use has room" },
		{ "rate_limit", "the policy's rate limit is spent for now" },
		{ "settling", "a demotion from the node just ended: its free memory is read again shortly" },
		{ "demoting", "cold memory handed to the worker" },
	};
	const char *state = jstr(ti, "state", "?"), *what = state;
	char need[FMT_MAX], planned[FMT_MAX], from[FMT_MAX], to[FMT_MAX], pct[FMT_MAX], loc[FMT_MAX];

	if (!ti)
		return;
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		if (strcmp(said[i].state, state) == 0)
			what = said[i].what;
	fprintf(f, "tiering:     %s: %s\n", state, what);
	if (jget(ti, "from_node") || jint(ti, "pages_demoted", 0))
		fprintf(f, "             node %s above its goal by %s; last %s to node %s; %lld pages "
			"demoted\n", fmt_node(from, jget(ti, "from_node")),
			fmt_bytes(need, jint(ti, "above_goal_bytes", -1)),
			fmt_bytes(planned, jint(ti, "planned_bytes", -1)),
			fmt_node(to, jget(ti, "to_node")), (long long)jint(ti, "pages_demoted", 0));
	fprintf(f, "             hot set %lld pages, %s on nodes with CPUs, %s on a node that writes "
		"them; %lld pages moved back within cold_after (ping-pong)\n",
		(long long)jint(ti, "hot_pages", 0), fmt_pct(pct, jget(ti, "hot_fast_pct")),
		fmt_pct(loc, jget(ti, "hot_local_pct")), (long long)jint(ti, "pingpong_pages", 0));
}

void print_explain(FILE *f, json_object *p)
{
	json_object *pr = jget(p, "process"), *r = jget(p, "reasons");
	char tr[FMT_MAX], rss[FMT_MAX], el[FMT_MAX], loc[FMT_MAX];
	int any = 0;

	fprintf(f, "pid %lld (%s), cgroup %s\n", (long long)jint(pr, "pid", 0), jstr(pr, "comm", "?"),
		jstr(pr, "cgroup", "-"));
	fprintf(f, "policy:      %s (%s %s, %s:%lld)\n", jstr(p, "policy.name", "-"),
		jstr(p, "policy.mode", "-"), jstr(p, "policy.policy", "-"), jstr(p, "policy.file", "-"),
		(long long)jint(p, "policy.line", 0));
	fprintf(f, "tracked:     for %s, RSS %s, eligible %s, locality %s, %lld pages moved%s\n",
		fmt_ms(tr, jint(p, "tracked_for_ms", -1)), fmt_bytes(rss, jint(pr, "rss_bytes", -1)),
		fmt_bytes(el, jint(pr, "eligible_bytes", -1)), fmt_pct(loc, jget(pr, "locality_pct")),
		(long long)jint(pr, "pages_moved", 0), jbool(pr, "busy") == 1 ? ", migrating now" : "");
	if (jbool(p, "paused") == 1)
		fprintf(f, "             (the daemon is paused: nothing is planned)\n");
	print_planner(f, jget(p, "planner"));
	print_decision(f, jget(p, "last_decision"));
	fprintf(f, "ticks ended: ");
	if (r && json_object_is_type(r, json_type_object)) {
		json_object_object_foreach(r, k, v) {
			fprintf(f, "%s%s %lld", any ? ", " : "", k, (long long)json_object_get_int64(v));
			any = 1;
		}
	}
	fprintf(f, "%s\n", any ? "" : "-");
	print_footprint(f, p);
	print_tier(f, jget(p, "tiering"));
	print_regions(f, jget(p, "regions"));
	print_nodes(f, p);
}

/* ---- policies ----------------------------------------------------------- */

static void print_policy_keys(FILE *f, json_object *pol)
{
	char buf[FMT_MAX];

	fprintf(f, "  defined in:   %s:%lld\n", jstr(pol, "file", "-"), (long long)jint(pol, "line", 0));
	fprintf(f, "  match:        cgroup %s", jstr(pol, "match.cgroup", "-"));
	if (jget(pol, "match.comm"))
		fprintf(f, ", comm %s", json_object_to_json_string(jget(pol, "match.comm")));
	fprintf(f, "\n  mode:         %s\n  policy:       %s\n", jstr(pol, "mode", "-"),
		jstr(pol, "policy", "-"));
	fprintf(f, "  dwell:        %s\n", fmt_ms(buf, jint(pol, "dwell_ms", -1)));
	fprintf(f, "  hysteresis:   %s\n", fmt_ms(buf, jint(pol, "hysteresis_ms", -1)));
	fprintf(f, "  max_dwell:    %s\n", fmt_ms(buf, jint(pol, "max_dwell_ms", -1)));
	fprintf(f, "  dominance:    %lld%%\n", (long long)jint(pol, "dominance_pct", 0));
	fprintf(f, "  min_gain:     %lld%%\n", (long long)jint(pol, "min_gain_pct", 0));
	fprintf(f, "  min_rss:      %s\n", fmt_bytes(buf, jint(pol, "min_rss_bytes", -1)));
	fprintf(f, "  max_mapcount: %lld\n", (long long)jint(pol, "max_mapcount", 0));
	fprintf(f, "  file_backed:  %s\n", yesno(jbool(pol, "file_backed")));
	fprintf(f, "  exclude:      %s\n", json_object_to_json_string_ext(
			jget(pol, "exclude_files"), JSON_C_TO_STRING_NOSLASHESCAPE));
	fprintf(f, "  nodes:        %s\n", jstr(pol, "nodes", "all"));
	if (jint(pol, "rate_limit_bytes_per_s", 0) > 0)
		fprintf(f, "  rate_limit:   %s/s\n", fmt_bytes(buf, jint(pol, "rate_limit_bytes_per_s", 0)));
	else
		fprintf(f, "  rate_limit:   unlimited\n");
	fprintf(f, "  batch:        %lld to %lld pages, %lld us per call\n",
		(long long)jint(pol, "batch_min", 0), (long long)jint(pol, "batch_max", 0),
		(long long)jint(pol, "batch_latency_us", 0));
	fprintf(f, "  attribution:  %s, regions of %s, shared: %s\n", jstr(pol, "attribution", "-"),
		fmt_bytes(buf, jint(pol, "region_bytes", -1)), jstr(pol, "shared", "-"));
	fprintf(f, "  tiering:      promote %s, reads %s, ", jstr(pol, "tiering_promote", "-"),
		jstr(pol, "tiering_reads", "-"));
	if (jint(pol, "tiering_goal_used_pct", 100) < 100)
		fprintf(f, "demote above %lld%% used, cold after %s\n",
			(long long)jint(pol, "tiering_goal_used_pct", 100),
			fmt_ms(buf, jint(pol, "tiering_cold_after_ms", -1)));
	else
		fprintf(f, "no demotion (goal_used 100%%)\n");
}

void print_policy(FILE *f, json_object *p)
{
	json_object *pol = jget(p, "policy"), *bc = jget(p, "by_comm");
	size_t n = bc ? json_object_array_length(bc) : 0;

	fprintf(f, "cgroup %s: ", jstr(p, "cgroup", "?"));
	if (pol) {
		fprintf(f, "policy %s\n", jstr(pol, "name", "?"));
		print_policy_keys(f, pol);
	} else {
		fprintf(f, "no policy (not managed)\n");
	}
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(bc, i);

		fprintf(f, "processes named %s: %s\n", jstr(e, "comm", "?"),
			jget(e, "policy") ? jstr(e, "policy", "?") : "not managed");
	}
}

static void policy_row(json_object *e, const char **c, char (*b)[TABLE_CELL_MAX])
{
	int64_t rate = jint(e, "rate_limit_bytes_per_s", 0);

	c[0] = jstr(e, "name", "?");
	c[1] = jstr(e, "match.cgroup", "?");
	c[2] = jstr(e, "mode", "?");
	c[3] = jstr(e, "policy", "?");
	c[4] = fmt_ms(b[4], jint(e, "dwell_ms", -1));
	c[5] = fmt_ms(b[5], jint(e, "hysteresis_ms", -1));
	c[6] = rate > 0 ? fmt_bytes(b[6], rate) : "unlimited";
	c[7] = jstr(e, "nodes", "all");
	snprintf(b[8], TABLE_CELL_MAX, "%s:%lld", jstr(e, "file", "-"),
		 (long long)jint(e, "line", 0));
	c[8] = b[8];
}

void print_policies(FILE *f, json_object *p)
{
	static const char *const head[] = { "POLICY", "CGROUP", "MODE", "POLICY KIND", ">DWELL",
					    ">HYSTERESIS", ">RATE/S", "NODES", "FILE" };
	size_t n;
	json_object *a = jarray(p, "policies", &n);
	struct table *t = table_of(TABLE_NCOLS(head), head, a, n, policy_row);

	fprintf(f, "config hash %s, %zu policies (first match wins)\n", jstr(p, "config_hash", "-"), n);
	if (n)
		table_print(t, f, "");
	table_free(t);
}

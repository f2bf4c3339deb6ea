/* config-keys: the tables of keys, their ranges and the checks of their
 * text, plus the "did you mean" search. The defaults live in
 * config-policy.c and config.c; conf/numamigd.yaml documents all of it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config-internal.h"

const char *const cfg_mode_names[] = { "off", "advise", "lazy", "direct", NULL };
const char *const cfg_policy_kind_names[] = { "residency", "greedy", NULL };
const char *const cfg_knb_names[] = { "keep", "disable", NULL };
const char *const cfg_attribution_names[] = { "auto", "writes", "off", NULL };
const char *const cfg_shared_names[] = { "stay", "spread", NULL };
const char *const cfg_promote_names[] = { "hot", "all", NULL };
const char *const cfg_reads_names[] = { "damon", "off", NULL };
const char *const cfg_move_priority_names[] = { "raised", "normal", NULL };

/* NAMES[V], or "unknown" for a value past the NULL that ends NAMES. */
static const char *name_of(const char *const *names, unsigned v)
{
	for (unsigned i = 0; names[i]; i++)
		if (i == v)
			return names[i];
	return "unknown";
}

/* The names of each enum's values (numamig/policy.h), one table each. */
#define NAME_OF(fn, type, names) \
	const char *fn(type v) \
	{ \
		return name_of(names, (unsigned)v); \
	}
NAME_OF(nm_mode_name, enum nm_mode, cfg_mode_names)
NAME_OF(nm_policy_kind_name, enum nm_policy_kind, cfg_policy_kind_names)
NAME_OF(nm_attribution_name, enum nm_attribution, cfg_attribution_names)
NAME_OF(nm_shared_name, enum nm_shared, cfg_shared_names)
NAME_OF(nm_promote_name, enum nm_promote, cfg_promote_names)
NAME_OF(nm_move_priority_name, enum nm_move_priority, cfg_move_priority_names)
NAME_OF(nm_reads_name, enum nm_reads, cfg_reads_names)
#undef NAME_OF

/* Alternating true, false: YAML 1.1 spellings people still write. */
static const char *const bool_names[] = { "true", "false", "yes", "no", "on", "off", NULL };

/* walk_mapping() keeps one slot per row; enums are stored through an int. */
_Static_assert(CFG_P_COUNT < CFG_TABLE_MAX, "CFG_TABLE_MAX too small");
_Static_assert(sizeof(enum nm_mode) == sizeof(int) &&
	       sizeof(enum nm_policy_kind) == sizeof(int) &&
	       sizeof(enum nm_knb) == sizeof(int) &&
	       sizeof(enum nm_attribution) == sizeof(int) &&
	       sizeof(enum nm_shared) == sizeof(int) &&
	       sizeof(enum nm_promote) == sizeof(int) &&
	       sizeof(enum nm_reads) == sizeof(int), "enums are int-sized");

#define MS_PER_HOUR (3600ull * 1000)

/* ---- checks of string values: NULL, or why not ---- */

static const char *check_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789_.@:-") != n)
		return "names are 1 to 63 letters, digits and _.@:-, starting with "
		       "a letter or digit (they appear in metrics and logs)";
	return NULL;
}

static const char *check_cgroup(const char *s)
{
	if (s[0] != '/')
		return "a cgroup v2 path starts with '/', like /system.slice/foo.service";
	if (strncmp(s, "/sys/fs/cgroup", 14) == 0 && (s[14] == '/' || !s[14]))
		return "write the path inside the cgroup tree, without /sys/fs/cgroup";
	if (strstr(s, "//"))
		return "empty path component '//'";
	if (s[1] && s[strlen(s) - 1] == '/')
		return "drop the trailing '/' (a policy covers the cgroups below anyway)";
	return NULL;
}

static const char *check_comm(const char *s)
{
	if (!*s)
		return "empty name";
	if (strlen(s) > 15)
		return "longer than 15 characters; the kernel cuts comm to 15, so it "
		       "would never match";
	return NULL;
}

static const char *check_file_glob(const char *s)
{
	if (s[0] != '/' && s[0] != '*')
		return "mapped file paths are absolute: start the glob with '/' or '*'";
	return NULL;
}

/* A path numamigd creates: absolute, a file name after the last slash,
 * and no control characters (it is logged, and named in replies). */
static const char *check_path(const char *s)
{
	const char *base = strrchr(s, '/');

	if (s[0] != '/')
		return "must be an absolute path";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";
	base = base ? base + 1 : s;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return "names a directory; give a file name after the last '/'";
	return NULL;
}

static const char *check_socket(const char *s)
{
	if (strlen(s) > 107)
		return "longer than a UNIX socket path may be (107 bytes)";
	return check_path(s);
}

static const char *check_metrics(const char *s)
{
	struct stat st;

	if (!s[0])
		return NULL;
	if (s[0] != '/')
		return "must be an absolute path, or \"\" for no metrics";
	if (lstat(s, &st) == 0 && S_ISDIR(st.st_mode))
		return "is a directory; give the file to write in it, like DIR/numamigd.prom";
	return check_path(s);
}

/* ---- tables ---- */

#define P(f) .off = offsetof(struct nm_policy, f), .width = sizeof(((struct nm_policy *)0)->f)
#define C(f) .off = offsetof(struct nm_config, f), .width = sizeof(((struct nm_config *)0)->f)
#define DUR_MS .kind = CFG_K_DURATION, .unit_us = 1000, .what = "a duration like 2s"
#define PCT .kind = CFG_K_PERCENT, .what = "a percentage like 70%"
#define SIZE .kind = CFG_K_SIZE, .what = "a size like 64MiB"
#define COUNT .kind = CFG_K_COUNT, .what = "a whole number"
#define STRING .kind = CFG_K_STRING

const struct cfg_key cfg_policy_keys[] = {
	[CFG_P_NAME] = { "name", STRING, .flags = CFG_F_IDENTITY, P(name), .check = check_name,
			 .what = "a name like db" },
	[CFG_P_MATCH] = { "match", .kind = CFG_K_MAP, .flags = CFG_F_IDENTITY,
			  .what = "a mapping like { cgroup: \"/system.slice/x.service\" }" },
	[CFG_P_CGROUP] = { "match.cgroup", STRING, .flags = CFG_F_IDENTITY, P(match_cgroup),
			   .check = check_cgroup, .what = "a cgroup glob" },
	[CFG_P_COMM] = { "match.comm", .kind = CFG_K_COMMS, .flags = CFG_F_IDENTITY,
			 P(match_comm), .count_off = offsetof(struct nm_policy, n_match_comm),
			 .check = check_comm, .what = "a list of names like [postgres]" },
	[CFG_P_MODE] = { "mode", .kind = CFG_K_ENUM, P(mode), .names = cfg_mode_names,
			 .what = "off, advise, lazy or direct" },
	[CFG_P_POLICY] = { "policy", .kind = CFG_K_ENUM, P(policy),
			   .names = cfg_policy_kind_names, .what = "residency or greedy" },
	[CFG_P_DWELL] = { "dwell", DUR_MS, P(dwell_ms), .hi = MS_PER_HOUR },
	[CFG_P_HYSTERESIS] = { "hysteresis", DUR_MS, P(hysteresis_ms), .hi = 24 * MS_PER_HOUR },
	[CFG_P_MAX_DWELL] = { "max_dwell", DUR_MS, P(max_dwell_ms), .hi = 24 * MS_PER_HOUR },
	[CFG_P_DOMINANCE] = { "dominance", PCT, P(dominance_pct), .lo = 51, .hi = 100,
			      .range_why = "a home needs more than half of the CPU time" },
	[CFG_P_MIN_GAIN] = { "min_gain", PCT, P(min_gain_pct), .hi = 100 },
	[CFG_P_MIN_RSS] = { "min_rss", SIZE, P(min_rss_bytes), .hi = UINT64_MAX },
	[CFG_P_MAX_MAPCOUNT] = { "max_mapcount", COUNT, P(max_mapcount), .lo = 1,
				 .hi = UINT32_MAX,
				 .range_why = "every mapped page is mapped at least once" },
	[CFG_P_FILE_BACKED] = { "file_backed", .kind = CFG_K_BOOL, P(file_backed),
				.names = bool_names, .what = "true or false" },
	[CFG_P_EXCLUDE_FILES] = { "exclude_files", .kind = CFG_K_GLOBS, P(exclude_files),
				  .count_off = offsetof(struct nm_policy, n_exclude_files),
				  .check = check_file_glob,
				  .what = "a list of globs like [\"/usr/lib/*\"]" },
	[CFG_P_NODES] = { "nodes", .kind = CFG_K_NODES, P(nodes),
			  .what = "a node list like 0-1,3, or all" },
	[CFG_P_RATE_LIMIT] = { "rate_limit", .kind = CFG_K_RATE, P(rate_limit_bps),
			       .hi = UINT64_MAX,
			       .what = "a rate like 256MiB/s, or unlimited" },
	[CFG_P_BATCH] = { "batch", .kind = CFG_K_MAP,
			  .what = "a mapping like { min: 64, max: 4096, latency: 20ms }" },
	/* 65536 pages is 256 MiB per call: no latency budget survives more. */
	[CFG_P_BATCH_MIN] = { "batch.min", COUNT, P(batch_min), .lo = 1, .hi = 65536 },
	[CFG_P_BATCH_MAX] = { "batch.max", COUNT, P(batch_max), .lo = 1, .hi = 65536 },
	[CFG_P_BATCH_LATENCY] = { "batch.latency", .kind = CFG_K_DURATION, P(batch_latency_us),
				  .unit_us = 1, .lo = 100, .hi = 10000000,
				  .what = "a duration like 20ms" },
	[CFG_P_ATTRIBUTION] = { "attribution", .kind = CFG_K_ENUM, P(attribution),
				.names = cfg_attribution_names, .what = "auto, writes or off" },
	/* A page at least; a region above 1 GiB (a gigantic page) places
	 * nothing a whole process would not. */
	[CFG_P_REGION_SIZE] = { "region_size", SIZE, P(region_bytes), .lo = 4096,
				.hi = 1ull << 30 },
	[CFG_P_SHARED] = { "shared", .kind = CFG_K_ENUM, P(shared), .names = cfg_shared_names,
			   .what = "stay or spread" },
	[CFG_P_TIERING] = { "tiering", .kind = CFG_K_MAP,
			    .what = "a mapping like { promote: hot }" },
	[CFG_P_TIERING_PROMOTE] = { "tiering.promote", .kind = CFG_K_ENUM, P(promote),
				    .names = cfg_promote_names, .what = "hot or all" },
	/* At 100% no node is ever above its goal: no demotion. How much of
	 * a node the kernel itself holds varies too much for a floor above
	 * 1%: a guest's node 0 was 12% used before any workload, another's
	 * 5%. */
	[CFG_P_TIERING_GOAL_USED] = { "tiering.goal_used", PCT, P(goal_used_pct), .lo = 1,
				      .hi = 100,
				      .range_why = "0% would demote every cold page of every process" },
	[CFG_P_TIERING_COLD_AFTER] = { "tiering.cold_after", DUR_MS, P(cold_after_ms),
				       .lo = 1000, .hi = 24 * MS_PER_HOUR },
	[CFG_P_TIERING_READS] = { "tiering.reads", .kind = CFG_K_ENUM, P(reads),
				  .names = cfg_reads_names, .what = "damon or off" },
	[CFG_P_COUNT] = { NULL },
};

const struct cfg_key cfg_main_keys[] = {
	{ "interval", DUR_MS, C(interval_ms), .lo = 10, .hi = MS_PER_HOUR },
	{ "kernel_numa_balancing", .kind = CFG_K_ENUM, C(kernel_numa_balancing),
	  .names = cfg_knb_names, .what = "keep or disable" },
	{ "control_socket", STRING, C(control_socket), .check = check_socket,
	  .what = "a path" },
	{ "metrics_file", STRING, C(metrics_file), .check = check_metrics,
	  .what = "a path, or \"\"" },
	{ "scan_budget", SIZE, C(scan_budget_bytes), .lo = 64 << 10, .hi = 1ull << 30 },
	{ "fault_budget", .kind = CFG_K_COUNT, C(fault_budget), .lo = 1, .hi = UINT32_MAX,
	  .what = "a number of faults per second" },
	{ "clear_budget", .kind = CFG_K_DURATION, C(clear_budget_us), .unit_us = 1, .lo = 100,
	  .hi = 1000000, .what = "a duration per second like 10ms" },
	{ "job_rate_limit", .kind = CFG_K_RATE, C(job_rate_bps), .hi = UINT64_MAX,
	  .what = "a rate like 256MiB/s, or unlimited" },
	{ "move_priority", .kind = CFG_K_ENUM, C(move_priority),
	  .names = cfg_move_priority_names, .what = "raised or normal" },
	{ "defaults", .kind = CFG_K_DEFAULTS,
	  .what = "a mapping of policy keys like { mode: advise }" },
	{ "policies", .kind = CFG_K_POLICIES, .what = "a list of policies" },
	{ NULL },
};

const struct cfg_key cfg_policy_file_keys[] = {
	{ "policies", .kind = CFG_K_POLICIES, .what = "a list of policies" },
	{ NULL },
};

/* ---- lookups ---- */

const struct cfg_key *cfg_key_find(const struct cfg_key *table, const char *name)
{
	for (; table->name; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

int cfg_enum_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *cfg_kind_noun(enum cfg_kind kind)
{
	switch (kind) {
	case CFG_K_DURATION: return "duration";
	case CFG_K_SIZE: return "size";
	case CFG_K_RATE: return "rate";
	case CFG_K_PERCENT: return "percentage";
	case CFG_K_COUNT: return "number";
	case CFG_K_GLOBS: return "glob";
	case CFG_K_COMMS: return "name";
	default: return "value";
	}
}

static int parse_count(const char *s, uint64_t *v, const char **why)
{
	if (!isdigit((unsigned char)*s) || strspn(s, "0123456789") != strlen(s)) {
		*why = "not a whole number";
		return -EINVAL;
	}
	errno = 0;
	*v = strtoull(s, NULL, 10);
	if (errno || *v > UINT32_MAX) {
		*why = "too large";
		return -ERANGE;
	}
	return 0;
}

int cfg_parse_kind(const struct cfg_key *k, const char *s, uint64_t *v, const char **why)
{
	unsigned pct;
	int r;

	switch (k->kind) {
	case CFG_K_DURATION:
		r = nm_config_parse_duration(s, v, why);
		if (r == 0 && *v % k->unit_us) {
			*why = "not a whole number of milliseconds";
			return -EINVAL;
		}
		*v /= k->unit_us;
		return r;
	case CFG_K_SIZE:
		return nm_config_parse_size(s, v, why);
	case CFG_K_RATE:
		return nm_config_parse_rate(s, v, why);
	case CFG_K_PERCENT:
		r = nm_config_parse_percent(s, &pct, why);
		*v = pct;
		return r;
	default:
		return parse_count(s, v, why);
	}
}

int cfg_format_kind(const struct cfg_key *k, uint64_t v, char *buf, size_t size)
{
	int n;

	switch (k->kind) {
	case CFG_K_DURATION:
		return nm_config_format_duration(v * k->unit_us, buf, size);
	case CFG_K_SIZE:
		return nm_config_format_size(v, buf, size);
	case CFG_K_RATE:
		if (v == 0)
			return snprintf(buf, size, "unlimited");
		n = nm_config_format_size(v, buf, size);
		return n < 0 ? n : n + snprintf(buf + n, size - (size_t)n, "/s");
	case CFG_K_PERCENT:
		return snprintf(buf, size, "%llu%%", (unsigned long long)v);
	default:
		return snprintf(buf, size, "%llu", (unsigned long long)v);
	}
}

/* ---- did you mean ---- */

/* Edit distance with adjacent swaps ("dewll"), on the first 32 bytes. */
static int distance(const char *a, const char *b)
{
	int la = (int)strnlen(a, 32), lb = (int)strnlen(b, 32);
	int d[33][33];

	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* Close enough to be a typo: one edit in a short word, two in a long one. */
static bool close_to(const char *typed, const char *name)
{
	return distance(typed, name) <= (strlen(name) > 4 ? 2 : 1);
}

void cfg_did_you_mean(const char *s, const char *const *names, char *hint, size_t size)
{
	hint[0] = '\0';
	for (; *names; names++) {
		if (close_to(s, *names)) {
			snprintf(hint, size, " (did you mean '%s'?)", *names);
			return;
		}
	}
}

/* The part of NAME after its last dot, when the part before is PREFIX. */
static const char *leaf_under(const char *name, const char *prefix, size_t plen)
{
	const char *dot = strrchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : 0;

	if (n != plen || strncmp(name, prefix, n) != 0)
		return NULL;
	return dot ? dot + 1 : name;
}

void cfg_key_hint(const struct cfg_key *table, const char *full, char *hint, size_t size)
{
	const char *dot = strrchr(full, '.'), *leaf = dot ? dot + 1 : full;
	size_t plen = dot ? (size_t)(dot - full) : 0;

	hint[0] = '\0';
	for (const struct cfg_key *k = table; k->name; k++) {
		const char *kl = leaf_under(k->name, full, plen);

		if (kl && close_to(leaf, kl)) {
			snprintf(hint, size, " (did you mean '%s'?)", k->name);
			return;
		}
	}
	if (leaf[0] && strspn(leaf, "0123456789-") == strlen(leaf))
		snprintf(hint, size, " (inside { } a ',' separates keys: quote node "
			 "lists, like nodes: \"0-1,3\")");
	else if (table != cfg_main_keys && cfg_key_find(cfg_main_keys, full))
		snprintf(hint, size, " ('%s' belongs in the main file, numamigd.yaml)", full);
	else if (table != cfg_policy_keys && cfg_key_find(cfg_policy_keys, full))
		snprintf(hint, size, " (policy keys go in an entry of 'policies:'%s)",
			 table == cfg_main_keys ? " or under 'defaults:'" : "");
}

/* Tests of the config module (lib/config*.c), part one: units, every key
 * and every default, node lists, and diagnostics with exact positions.
 * Part two is test-config-files.c. */
#include "config.h"

#include "config-fixture.h"

/* ---- values ---- */

START_TEST(test_durations)
{
	static const struct { const char *text; uint64_t us; } ok[] = {
		{ "0", 0 }, { "500us", 500 }, { "20ms", 20000 }, { "1s", 1000000 },
		{ "5m", 300000000 }, { "2h", 7200000000ull }, { "1 s", 1000000 },
	};
	const char *why;
	uint64_t us;
	char buf[32];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(nm_config_parse_duration(ok[i].text, &us, NULL), 0);
		ck_assert_uint_eq(us, ok[i].us);
	}
	ck_assert_int_eq(nm_config_parse_duration("10", &us, &why), -EINVAL);
	ck_assert_str_eq(why, "a duration needs a unit: ms, s or m (only 0 may go without one)");
	ck_assert_int_eq(nm_config_parse_duration("1.5s", &us, &why), -EINVAL);
	ck_assert_str_eq(why, "fractions are not accepted; use a smaller unit (1500ms, not 1.5s)");
	ck_assert_int_eq(nm_config_parse_duration("3d", &us, &why), -EINVAL);
	ck_assert_str_eq(why, "unknown unit; durations take us, ms, s, m or h");
	ck_assert_int_eq(nm_config_parse_duration("-1s", &us, &why), -EINVAL);
	ck_assert_int_eq(nm_config_parse_duration("", &us, &why), -EINVAL);
	ck_assert_int_eq(nm_config_parse_duration("99999999999999999999h", &us, &why), -ERANGE);
	ck_assert_int_eq(nm_config_parse_duration("9999999999999h", &us, &why), -ERANGE);
	nm_config_format_duration(1500000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1500ms");
	nm_config_format_duration(7200000000ull, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2h");
	nm_config_format_duration(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0");
	ck_assert_int_eq(nm_config_format_duration(90000000, buf, 3), -ENOSPC);
}
END_TEST

START_TEST(test_sizes_rates_percents)
{
	const char *why;
	uint64_t v;
	unsigned pct;
	char buf[32];

	ck_assert_int_eq(nm_config_parse_size("64MiB", &v, NULL), 0);
	ck_assert_uint_eq(v, 64ull << 20);
	ck_assert_int_eq(nm_config_parse_size("3B", &v, NULL), 0);
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(nm_config_parse_size("2TiB", &v, NULL), 0);
	ck_assert_uint_eq(v, 2ull << 40);
	ck_assert_int_eq(nm_config_parse_size("64MB", &v, &why), -EINVAL);
	ck_assert_str_eq(why, "ambiguous unit (powers of 1000 or 1024?); write KiB, MiB, GiB or TiB");
	ck_assert_int_eq(nm_config_parse_size("64M", &v, &why), -EINVAL);
	ck_assert_int_eq(nm_config_parse_size("64", &v, &why), -EINVAL);
	ck_assert_str_eq(why, "a size needs a unit: B, KiB, MiB, GiB or TiB (only 0 may go without one)");
	ck_assert_int_eq(nm_config_parse_size("64mib", &v, &why), -EINVAL);
	ck_assert_str_eq(why, "unknown unit; sizes take B, KiB, MiB, GiB or TiB");
	ck_assert_int_eq(nm_config_parse_size("99999999TiB", &v, &why), -ERANGE);
	nm_config_format_size(1536ull << 20, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1536MiB");

	ck_assert_int_eq(nm_config_parse_rate("256MiB/s", &v, NULL), 0);
	ck_assert_uint_eq(v, 256ull << 20);
	ck_assert_int_eq(nm_config_parse_rate("unlimited", &v, NULL), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(nm_config_parse_rate("256MiB", &v, &why), -EINVAL);
	ck_assert_str_eq(why, "a rate is a size per second, like 256MiB/s, or 'unlimited'");
	ck_assert_int_eq(nm_config_parse_rate("0/s", &v, &why), -EINVAL);
	ck_assert_int_eq(nm_config_parse_rate("1GB/s", &v, &why), -EINVAL);

	ck_assert_int_eq(nm_config_parse_percent("70%", &pct, NULL), 0);
	ck_assert_uint_eq(pct, 70);
	ck_assert_int_eq(nm_config_parse_percent("70", &pct, &why), -EINVAL);
	ck_assert_str_eq(why, "a percentage needs '%', like 70%");
	ck_assert_int_eq(nm_config_parse_percent("70.5%", &pct, &why), -EINVAL);
	ck_assert_str_eq(why, "whole percents only, like 70%");
	ck_assert_int_eq(nm_config_parse_percent("101%", &pct, &why), -ERANGE);
}
END_TEST

/* ---- keys and defaults ---- */

START_TEST(test_defaults)
{
	struct nm_config_diags d;
	struct nm_config *c = load_str("", &d);
	const struct nm_policy *p;

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(c->interval_ms, 1000);
	ck_assert_int_eq(c->kernel_numa_balancing, NM_KNB_KEEP);
	ck_assert_str_eq(c->control_socket, "/run/numamigd/io.numamigd");
	ck_assert_str_eq(c->metrics_file, "");
	ck_assert_uint_eq(c->scan_budget_bytes, 1 << 20);
	ck_assert_uint_eq(c->n_policies, 0);
	nm_config_free(c);

	c = load_str("policies: [ { name: p, match: { cgroup: /x } } ]", &d);
	ck_assert_ptr_nonnull(c);
	p = &c->policies[0];
	ck_assert_str_eq(p->name, "p");
	ck_assert_str_eq(p->match_cgroup, "/x");
	ck_assert_ptr_null(p->match_comm);
	ck_assert_uint_eq(p->n_match_comm, 0);
	ck_assert_int_eq(p->mode, NM_MODE_LAZY);
	ck_assert_int_eq(p->policy, NM_POLICY_RESIDENCY);
	ck_assert_uint_eq(p->dwell_ms, 1000);
	ck_assert_uint_eq(p->hysteresis_ms, 30000);
	ck_assert_uint_eq(p->max_dwell_ms, 300000);
	ck_assert_uint_eq(p->dominance_pct, 70);
	ck_assert_uint_eq(p->min_gain_pct, 10);
	ck_assert_uint_eq(p->min_rss_bytes, 64 << 20);
	ck_assert_uint_eq(p->max_mapcount, 1);
	ck_assert(!p->file_backed);
	ck_assert_uint_eq(p->n_exclude_files, 4);
	ck_assert_str_eq(p->exclude_files[0], "/usr/lib/*");
	ck_assert_str_eq(p->exclude_files[3], "/lib64/*");
	ck_assert_ptr_null(p->nodes);
	ck_assert_uint_eq(p->rate_limit_bps, 256 << 20);
	ck_assert_uint_eq(p->batch_min, 64);
	ck_assert_uint_eq(p->batch_max, 4096);
	ck_assert_uint_eq(p->batch_latency_us, 20000);
	ck_assert_str_eq(p->file, "t.yaml");
	ck_assert_int_eq(p->line, 1);
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_every_key)
{
	struct nm_config_diags d;
	struct nm_config *c = load_main(CFG "every-key.yaml", &d, 0);
	const struct nm_policy *p = &c->policies[0], *q = &c->policies[1];

	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(c->n_policies, 2);
	ck_assert_str_eq(p->name, "every-key");
	ck_assert_str_eq(p->match_cgroup, "/machine.slice/machine-qemu*.scope");
	ck_assert_uint_eq(p->n_match_comm, 2);
	ck_assert_str_eq(p->match_comm[1], "CPU 0/KVM");
	ck_assert_int_eq(p->mode, NM_MODE_DIRECT);
	ck_assert_int_eq(p->policy, NM_POLICY_GREEDY);
	ck_assert_uint_eq(p->dwell_ms, 1500);
	ck_assert_uint_eq(p->hysteresis_ms, 120000);
	ck_assert_uint_eq(p->max_dwell_ms, 3600000);
	ck_assert_uint_eq(p->dominance_pct, 51);
	ck_assert_uint_eq(p->min_gain_pct, 0);
	ck_assert_uint_eq(p->min_rss_bytes, 1ull << 30);
	ck_assert_uint_eq(p->max_mapcount, 8);
	ck_assert(p->file_backed);
	ck_assert_uint_eq(p->n_exclude_files, 2);
	ck_assert_str_eq(p->exclude_files[1], "*.jar");
	ck_assert_str_eq(nodes_str(p), "0-1,16-17");
	ck_assert_int_eq(numa_bitmask_weight(p->nodes), 4);
	ck_assert(numa_bitmask_isbitset(p->nodes, 16));
	ck_assert_uint_eq(p->rate_limit_bps, 1ull << 30);
	ck_assert_uint_eq(p->batch_min, 1);
	ck_assert_uint_eq(p->batch_max, 65536);
	ck_assert_uint_eq(p->batch_latency_us, 500);
	ck_assert_int_eq(p->promote, NM_PROMOTE_ALL);
	ck_assert_str_eq(nm_promote_name(p->promote), "all");
	ck_assert_int_eq(p->reads, NM_READS_DAMON);
	ck_assert_str_eq(nm_reads_name(p->reads), "damon");
	ck_assert_int_eq(p->line, 3);
	/* The second: other spellings. */
	ck_assert_uint_eq(q->rate_limit_bps, 0);
	ck_assert_str_eq(nodes_str(q), "0,2-3");
	ck_assert_uint_eq(q->n_exclude_files, 0);
	ck_assert(!q->file_backed);
	ck_assert_uint_eq(q->dwell_ms, 0);
	ck_assert_int_eq(q->promote, NM_PROMOTE_HOT);          /* the default */
	ck_assert_uint_eq(q->goal_used_pct, 90);
	ck_assert_uint_eq(q->cold_after_ms, 60000);
	ck_assert_int_eq(q->reads, NM_READS_OFF);               /* the default */
	ck_assert_uint_eq(p->goal_used_pct, 100);               /* the defaults */
	ck_assert_uint_eq(p->cold_after_ms, 30000);
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_main_keys_and_defaults)
{
	struct nm_config_diags d;
	struct nm_config *c = load_main(CFG "main-full.yaml", &d, 0);
	const struct nm_policy *p = &c->policies[0];

	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(c->interval_ms, 250);
	ck_assert_int_eq(c->kernel_numa_balancing, NM_KNB_DISABLE);
	ck_assert_str_eq(c->control_socket, "/run/test/io.numamigd");
	ck_assert_str_eq(c->metrics_file, "/var/lib/prometheus/node-exporter/numamigd.prom");
	ck_assert_uint_eq(c->scan_budget_bytes, 64 << 10);
	ck_assert_uint_eq(c->n_policies, 1);
	ck_assert_int_eq(p->mode, NM_MODE_ADVISE);     /* from defaults: */
	ck_assert_uint_eq(p->dwell_ms, 600000);
	ck_assert_uint_eq(p->max_dwell_ms, 600000);  /* unset cap follows dwell */
	ck_assert_uint_eq(p->batch_latency_us, 5000);
	ck_assert_uint_eq(p->batch_max, 4096);       /* built in */
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

/* ---- diagnostics ---- */

START_TEST(test_all_errors_exact)
{
	static const char *const want[] = {
		"errors.yaml:1:11: error: invalid duration '10' for 'interval': a duration needs a unit: ms, s or m (only 0 may go without one)",
		"errors.yaml:2:14: error: invalid size '64MB' for 'scan_budget': ambiguous unit (powers of 1000 or 1024?); write KiB, MiB, GiB or TiB",
		"errors.yaml:4:3: error: 'name' has no default: it belongs in each policy",
		"errors.yaml:7:22: error: invalid value 'system.slice/x' for 'match.cgroup': a cgroup v2 path starts with '/', like /system.slice/foo.service",
		"errors.yaml:7:47: error: invalid name 'averyveryverylongname' for 'match.comm': longer than 15 characters; the kernel cuts comm to 15, so it would never match",
		"errors.yaml:8:11: error: invalid value 'lazzy' for 'mode': expected off, advise, lazy or direct (did you mean 'lazy'?)",
		"errors.yaml:9:16: error: 'dominance' must be between 51% and 100%: a home needs more than half of the CPU time (got 40%)",
		"errors.yaml:10:15: error: invalid percentage '10' for 'min_gain': a percentage needs '%', like 70%",
		"errors.yaml:11:14: error: 'min_rss' expects a size like 64MiB, not a list",
		"errors.yaml:12:12: error: invalid node list '0-2000' for 'nodes': node ids go up to 1023",
		"errors.yaml:13:45: error: invalid duration '1.5s' for 'batch.latency': fractions are not accepted; use a smaller unit (1500ms, not 1.5s)",
		"errors.yaml:15:5: error: duplicate key 'dwell' (first at line 14)",
		"errors.yaml:13:30: error: 'batch.min' (8192) is larger than 'batch.max' (4096)",
		"errors.yaml:16:5: error: a policy is a mapping (name, match, mode, ...), not a single value",
		"errors.yaml:17:5: error: policy has no 'name'",
		"errors.yaml:20:41: error: 'tiering.goal_used' (95%) demotes what 'tiering.promote: all' would promote again; use 'promote: hot'",
		NULL,
	};
	struct nm_config_diags d;

	load_main(CFG "errors.yaml", &d, -EINVAL);
	assert_diags(&d, want);
	ck_assert_uint_eq(d.errors, 16);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_unknown_keys_warn)
{
	static const char *const want[] = {
		"unknown.yaml:2:1: warning: unknown key 'intervall' (did you mean 'interval'?)",
		"unknown.yaml:5:33: error: unknown key 'match.com' (did you mean 'match.comm'?): "
		"a match must be understood whole, or it would cover more than meant",
		"unknown.yaml:6:5: warning: unknown key 'hysterisis' (did you mean 'hysteresis'?)",
		"unknown.yaml:7:14: warning: unknown key 'batch.mn' (did you mean 'batch.min'?)",
		"unknown.yaml:8:5: warning: unknown key 'colour'",
		NULL,
	};
	struct nm_config_diags d;

	/* A typo is a warning (a newer key on an older daemon), except under
	 * match:, where ignoring it would widen the match to the whole cgroup. */
	ck_assert_ptr_null(load_main(CFG "unknown.yaml", &d, -EINVAL));
	assert_diags(&d, want);
	ck_assert_uint_eq(d.warnings, 4);
	ck_assert_uint_eq(d.errors, 1);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_misplaced_key_hints)
{
	struct nm_config_diags d;
	struct nm_config *c = load_str("dwell: 1s\n", &d);

	/* A known key in the wrong place would be silently ignored: an error. */
	ck_assert_ptr_null(c);
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:1: error: 'dwell' is not valid here (policy keys "
			 "go in an entry of 'policies:' or under 'defaults:')");
	nm_config_free(c);
	nm_config_diags_clear(&d);
	c = load_str("policies: [{name: a, match: {cgroup: /}, nodes: 0-1,3}]", &d);
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:53: warning: unknown key '3' (inside { } "
			 "a ',' separates keys: quote node lists, like nodes: \"0-1,3\")");
	nm_config_free(c);
	nm_config_diags_clear(&d);
	c = load_str("policies: [{name: a, match: {cgroup: /}, interval: 1s}]", &d);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:42: error: 'interval' is not valid here "
			 "('interval' belongs in the main file, numamigd.yaml)");
	nm_config_diags_clear(&d);
	c = load_str("mode: off\npolicies: [{name: a, match: {cgroup: /}}]\n", &d);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:1: error: 'mode' is not valid here (policy "
			 "keys go in an entry of 'policies:' or under 'defaults:')");
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_syntax_errors)
{
	static const char *const want[] = {
		"syntax.yaml:4:9: error: syntax error: did not find expected ',' or '}' "
		"(while parsing a flow mapping at line 3, column 12)",
		NULL,
	};
	struct nm_config_diags d;
	struct nm_config *c;

	load_main(CFG "syntax.yaml", &d, -EINVAL);
	assert_diags(&d, want);
	nm_config_diags_clear(&d);

	ck_assert_ptr_null(c = load_str("a: 1\n---\nb: 2\n", &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:3:1: error: a second YAML document ('---'); a file holds one");
	nm_config_diags_clear(&d);
	ck_assert_ptr_null(c = load_str("interval: 1s\nx: \xff\n", &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:2:4: error: invalid leading UTF-8 octet");
	nm_config_diags_clear(&d);
	ck_assert_ptr_null(c = load_str("x: *nope\n", &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:4: error: syntax error: found undefined alias");
	nm_config_diags_clear(&d);
	ck_assert_ptr_null(c = load_str("- 1\n", &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:1: error: expected a mapping of keys at the top, not a list");
	nm_config_diags_clear(&d);
	ck_assert_ptr_null(c = load_str("metrics_file: \"a\\0b\"\n", &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:15: error: 'metrics_file' contains a NUL character");
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_diag_safety_and_cap)
{
	struct nm_config_diags d;
	char *text = malloc(400 * 24), *p = text;
	struct nm_config *c = load_str("\"bad\\nkey\\e[0m\": 1\n", &d);

	/* A forged line or terminal escape never reaches a log. */
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:1: warning: unknown key 'bad\\x0akey\\x1b[0m'");
	nm_config_free(c);
	nm_config_diags_clear(&d);

	for (int i = 0; i < 200; i++)
		p += sprintf(p, "interval%d: 1\n", i);
	c = load_str(text, &d);
	ck_assert_uint_eq(d.warnings, 200);
	ck_assert_uint_eq(d.n, NM_CONFIG_DIAGS_MAX + 1);
	ck_assert_str_eq(diag_str(&d, NM_CONFIG_DIAGS_MAX),
			 "t.yaml:101:1: note: too many warnings and notes; the rest are counted but not shown");
	nm_config_free(c);
	nm_config_diags_clear(&d);
	/* The error that rejects a config is shown after any number of
	 * warnings, and errors have a cap of their own. */
	sprintf(p, "interval: sideways\n");
	ck_assert_ptr_null(c = load_str(text, &d));
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_str_eq(diag_str(&d, NM_CONFIG_DIAGS_MAX + 1),
			 "t.yaml:201:11: error: invalid duration 'sideways' for 'interval': "
			 "not a duration; write an integer with a unit, like 500ms, 2s or 5m");
	nm_config_diags_clear(&d);
	for (int i = 0; i < 200; i++)
		p += sprintf(p, "interval: %d\n", i);
	ck_assert_ptr_null(c = load_str(text, &d));
	ck_assert_uint_eq(d.errors, 200);
	ck_assert_uint_eq(d.n, 2 * (NM_CONFIG_DIAGS_MAX + 1));
	ck_assert_str_eq(diag_str(&d, d.n - 1), "t.yaml:301:1: note: too many errors; "
			 "the rest are counted but not shown");
	nm_config_diags_clear(&d);
	free(text);
}
END_TEST

/* ---- files and directories ---- */

START_TEST(test_nodes)
{
	static const struct { const char *yaml, *want; } ok[] = {
		{ "0-1,16-17", "0-1,16-17" }, { "all", "all" }, { "3", "3" },
		{ "[0, 1, \"16-17\"]", "0-1,16-17" }, { "\"1023\"", "1023" },
	};
	static const struct { const char *yaml, *want; } bad[] = {
		{ "\"\"", "invalid node list '' for 'nodes': empty; write all, or ids like 0-1,3" },
		{ "1024", "invalid node list '1024' for 'nodes': node ids go up to 1023" },
		{ "2-1", "invalid node list '2-1' for 'nodes': write ids and ranges like 0-1,3, or all" },
		{ "[all]", "'nodes' list entries are node ids or ranges, like 0 or 2-3" },
		{ "{a: 1}", "'nodes' expects a node list like 0-1,3, or all, not a mapping" },
	};
	struct nm_config_diags d;
	struct nm_config *c;
	char text[256], want[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		/* Block style: in a flow mapping the ',' of 0-1,3 splits. */
		snprintf(text, sizeof(text), "policies:\n- name: n\n  match: {cgroup: /}\n"
			 "  nodes: %s\n", ok[i].yaml);
		c = load_str(text, &d);
		ck_assert_msg(c != NULL, "%s: %s", text, d.n ? diag_str(&d, 0) : "");
		ck_assert_str_eq(nodes_str(&c->policies[0]), ok[i].want);
		nm_config_free(c);
		nm_config_diags_clear(&d);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "policies:\n- name: n\n  match: {cgroup: /}\n  nodes: %s\n",
			 bad[i].yaml);
		ck_assert_ptr_null(load_str(text, &d));
		snprintf(want, sizeof(want), "t.yaml:4:%d: error: %s",
			 bad[i].yaml[0] == '[' ? 11 : 10, bad[i].want);
		ck_assert_str_eq(diag_str(&d, 0), want);
		nm_config_diags_clear(&d);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config");
	TCase *values = tcase_create("values"), *keys = tcase_create("keys");
	TCase *diags = tcase_create("diags");

	tcase_add_test(values, test_durations);
	tcase_add_test(values, test_sizes_rates_percents);
	tcase_add_test(keys, test_defaults);
	tcase_add_test(keys, test_every_key);
	tcase_add_test(keys, test_main_keys_and_defaults);
	tcase_add_test(keys, test_nodes);
	tcase_add_test(diags, test_all_errors_exact);
	tcase_add_test(diags, test_unknown_keys_warn);
	tcase_add_test(diags, test_misplaced_key_hints);
	tcase_add_test(diags, test_syntax_errors);
	tcase_add_test(diags, test_diag_safety_and_cap);
	suite_add_tcase(s, values);
	suite_add_tcase(s, keys);
	suite_add_tcase(s, diags);
	return s;
}

#include "check-main.h"

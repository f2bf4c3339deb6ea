/* Tests of the config module, part two: policy directories (masking and
 * order), missing files, the shipped examples, print -> load round trips,
 * the hash, matching, and garbage input. */
#include "config.h"

#include "config-fixture.h"

/* ---- files and directories ---- */

START_TEST(test_dirs_mask_and_order)
{
	static const char *const want[] = {
		"dirs/etc/30-old.yml: warning: ignored: only files named *.yaml are read", NULL,
	};
	static const char *const names[] = { "vm", "batch", "db", "db-rest" };
	struct nm_config_diags d;
	struct nm_config *c = load_dirs(CFG "dirs/main.yaml", CFG "dirs/etc",
					CFG "dirs/vendor", &d, 0);

	assert_diags(&d, want);
	ck_assert_uint_eq(c->n_policies, 4);
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(c->policies[i].name, names[i]);
	ck_assert_str_eq(c->policies[0].file, CFG "dirs/vendor/10-vm.yaml");
	ck_assert_str_eq(c->policies[2].file, CFG "dirs/etc/50-db.yaml");
	ck_assert_int_eq(c->policies[0].mode, NM_MODE_ADVISE); /* main's defaults */
	ck_assert_int_eq(c->policies[2].mode, NM_MODE_LAZY);
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_duplicate_names)
{
	static const char *const want[] = {
		"dup/20-b.yaml:4:11: error: duplicate policy name 'db'",
		"dup/10-a.yaml:2:11: note: 'db' was first defined here",
		NULL,
	};
	struct nm_config_diags d;

	ck_assert_ptr_null(load_dirs(NULL, CFG "dup", NULL, &d, -EINVAL));
	assert_diags(&d, want);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_missing_files)
{
	static const char *const quiet[] = {
		"/nonexistent/numamigd.yaml: note: not found; using built-in defaults",
		"/nonexistent/policy.d: note: no policies: nothing will be managed", NULL,
	};
	static const char *const loud[] = {
		"/nonexistent/numamigd.yaml: error: cannot read: No such file or directory", NULL,
	};
	struct nm_config_diags d;
	struct nm_config *c = load_dirs("/nonexistent/numamigd.yaml", "/nonexistent/policy.d",
					NULL, &d, 0);

	assert_diags(&d, quiet);
	ck_assert_uint_eq(c->interval_ms, 1000);
	nm_config_free(c);
	nm_config_diags_clear(&d);
	load_main("/nonexistent/numamigd.yaml", &d, -EINVAL); /* --config FILE */
	assert_diags(&d, loud);
	nm_config_diags_clear(&d);
}
END_TEST

/* The shipped main file is all comments: it must load to the built-in
 * defaults; the example policy must load cleanly once renamed. */
START_TEST(test_shipped_conf)
{
	struct nm_config_diags d, e;
	struct nm_config *c = load_main(NM_TEST_DATA "/../../conf/numamigd.yaml", &d, 0);
	struct nm_config *builtin = load_str("", &e);
	char *example = fixture_text("../../conf/policy.d/50-example.yaml.example", NULL);

	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(nm_config_hash(c), nm_config_hash(builtin));
	nm_config_free(c);
	c = load_str(example, &d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(c->n_policies, 2);
	ck_assert_int_eq(c->policies[0].mode, NM_MODE_ADVISE);
	nm_config_free(c);
	nm_config_free(builtin);
	nm_config_diags_clear(&d);
	nm_config_diags_clear(&e);
	free(example);
}
END_TEST

/* ---- printing ---- */

START_TEST(test_print_roundtrip)
{
	struct nm_config_diags d;
	struct nm_config *c = load_main(CFG "every-key.yaml", &d, 0);
	char *text;

	assert_roundtrip(c);
	text = print_str(c);
	ck_assert_ptr_nonnull(strstr(text, "  # " CFG "every-key.yaml:3\n  - name: \"every-key\"\n"));
	ck_assert_ptr_nonnull(strstr(text, "    nodes: \"0-1,16-17\"\n"));
	ck_assert_ptr_nonnull(strstr(text, "    dwell: 1500ms\n"));
	ck_assert_ptr_nonnull(strstr(text, "      latency: 500us\n"));
	ck_assert_ptr_nonnull(strstr(text, "    rate_limit: unlimited\n"));
	free(text);
	nm_config_free(c);
	nm_config_diags_clear(&d);

	c = load_main(CFG "main-full.yaml", &d, 0);
	assert_roundtrip(c);
	nm_config_free(c);
	nm_config_diags_clear(&d);
	c = load_str("policies: [{name: q, match: {cgroup: \"/a\\\"b\\\\c\\td\\u0085\"}}]", &d);
	ck_assert_ptr_nonnull(c);
	assert_roundtrip(c);
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

START_TEST(test_hash)
{
	struct nm_config_diags d;
	struct nm_config *a = load_str("policies: [{name: p, match: {cgroup: /x}}]", &d);
	struct nm_config *b = load_str("\n\npolicies:\n - name: p\n   match: {cgroup: /x}\n", &d);
	struct nm_config *c = load_str("policies: [{name: p, match: {cgroup: /y}}]", &d);

	ck_assert_uint_eq(nm_config_hash(a), nm_config_hash(b)); /* where ignored */
	ck_assert_uint_ne(nm_config_hash(a), nm_config_hash(c));
	nm_config_free(a);
	nm_config_free(b);
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

/* ---- matching ---- */

START_TEST(test_match)
{
	struct nm_config_diags d;
	struct nm_config *c = load_dirs(NULL, CFG "dirs/etc", CFG "dirs/vendor", &d, 0);
	const struct nm_policy *p;

	p = nm_config_match(c, "/system.slice/postgresql@15-main.service", "postgres");
	ck_assert_str_eq(p->name, "db");
	/* Other commands fall through to the next policy, which is off. */
	p = nm_config_match(c, "/system.slice/postgresql@15-main.service", "bash");
	ck_assert_str_eq(p->name, "db-rest");
	ck_assert_int_eq(p->mode, NM_MODE_OFF);
	ck_assert_str_eq(nm_config_match(c, "/system.slice/postgresql@15-main.service",
					 NULL)->name, "db-rest");
	/* A policy covers the cgroups below its match. */
	ck_assert_str_eq(nm_config_match(c, "/machine.slice/machine-qemu-1.scope/vcpu0",
					 "qemu")->name, "vm");
	/* '*' stays in one component, but the subtree rule reaches below. */
	ck_assert_str_eq(nm_config_match(c, "/batch.slice/job-1.scope/sub", "x")->name, "batch");
	ck_assert_ptr_null(nm_config_match(c, "/batch.slice", "x"));
	ck_assert_ptr_null(nm_config_match(c, "/machine.slicer", "x"));
	ck_assert_ptr_null(nm_config_match(c, "/", "x"));
	ck_assert_ptr_null(nm_config_match(c, "/user.slice", "x"));
	ck_assert_ptr_null(nm_config_match(c, NULL, "x"));
	ck_assert(nm_config_wants_cgroup(c, "/system.slice/postgresql.service"));
	ck_assert(nm_config_wants_cgroup(c, "/machine.slice"));
	ck_assert(!nm_config_wants_cgroup(c, "/system.slice/sshd.service"));
	/* What a walk does where: read, only look below, or skip the subtree. */
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/system.slice/postgresql.service"), NM_SCOPE_HERE);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/system.slice/postgresql.service/x"),
			 NM_SCOPE_HERE);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/"), NM_SCOPE_BELOW);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/system.slice"), NM_SCOPE_BELOW);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/system.slice/sshd.service"), NM_SCOPE_NONE);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/user.slice"), NM_SCOPE_NONE);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/user.slice/user-1000.slice/a/b/c"),
			 NM_SCOPE_NONE);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/batch.slice"), NM_SCOPE_BELOW);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/batch.slice/job-1.scope"), NM_SCOPE_HERE);
	ck_assert_int_eq(nm_config_cgroup_scope(c, "/machine.slicer"), NM_SCOPE_NONE);
	nm_config_free(c);
	nm_config_diags_clear(&d);

	c = load_str("policies: [{name: all, match: {cgroup: /}}]", &d);
	ck_assert_ptr_nonnull(nm_config_match(c, "/", NULL));
	ck_assert_ptr_nonnull(nm_config_match(c, "/a/b/c", "x"));
	nm_config_free(c);
	nm_config_diags_clear(&d);
}
END_TEST

/* ---- garbage ---- */

static void load_garbage(const char *text, size_t len)
{
	struct nm_config_diags d;
	struct nm_config *c = NULL;

	nm_config_diags_init(&d);
	nm_config_load_text("g.yaml", text, len, &c, &d);
	if (c) /* whatever loads must print and load back */
		assert_roundtrip(c);
	nm_config_free(c);
	nm_config_diags_clear(&d);
}

/* Every prefix of a fixture, and random byte mutations of it: no crash, no
 * leak (ASan and valgrind runs check the latter). libFuzzer comes later. */
START_TEST(test_garbage)
{
	size_t len;
	char *orig = fixture_text("config/every-key.yaml", &len), *buf = malloc(len + 1);
	unsigned seed = 12345;

	for (size_t n = 0; n <= len; n += 3)
		load_garbage(orig, n);
	for (int round = 0; round < 400; round++) {
		memcpy(buf, orig, len);
		for (int k = 0; k < 1 + round % 8; k++) {
			seed = seed * 1103515245 + 12345;
			buf[(seed >> 8) % len] = (char)(seed >> 20);
		}
		load_garbage(buf, len);
	}
	free(buf);
	free(orig);
}
END_TEST


static Suite *make_suite(void)
{
	Suite *s = suite_create("config-files");
	TCase *files = tcase_create("files"), *use = tcase_create("use");
	TCase *garbage = tcase_create("garbage");

	tcase_add_test(files, test_dirs_mask_and_order);
	tcase_add_test(files, test_duplicate_names);
	tcase_add_test(files, test_missing_files);
	tcase_add_test(files, test_shipped_conf);
	tcase_add_test(use, test_print_roundtrip);
	tcase_add_test(use, test_hash);
	tcase_add_test(use, test_match);
	tcase_add_test(garbage, test_garbage);
	tcase_set_timeout(garbage, 120); /* valgrind */
	suite_add_tcase(s, files);
	suite_add_tcase(s, use);
	suite_add_tcase(s, garbage);
	return s;
}

#include "check-main.h"

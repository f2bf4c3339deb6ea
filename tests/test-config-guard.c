/* Tests of the config module, part three: hostile files and hostile YAML
 * (lib/config/config-guard.c and the rules of the walk against wrong accepts).
 * Nothing here may hang or take long: Check's per-test timeout fails a
 * test that blocks on a FIFO or spins in libyaml. */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include "config-fixture.h"

static const char policy[] = "policies:\n  - name: a\n    match: { cgroup: /a }\n";

/* A policy directory in a throwaway tree, and its path. */
struct tree {
	char *root;
	char dir[512];
};

static void tree_init(struct tree *t)
{
	t->root = make_tree();
	snprintf(t->dir, sizeof(t->dir), "%s/policy.d", t->root);
	ck_assert_int_eq(mkdir(t->dir, 0755), 0);
}

static char *at(const struct tree *t, const char *name)
{
	static char path[600];

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	return path;
}

/* Load T's directory; the first diagnostic must contain WANT (NULL: no
 * error at all). */
static void expect(const struct tree *t, const char *want)
{
	struct nm_config_diags d;
	struct nm_config *c = load_dirs(NULL, t->dir, NULL, &d, want ? -EINVAL : 0);

	if (want) {
		ck_assert_uint_ge(d.n, 1);
		ck_assert_msg(strstr(diag_str(&d, 0), want), "'%s' does not say '%s'",
			      diag_str(&d, 0), want);
	} else {
		ck_assert_uint_eq(d.errors, 0);
	}
	nm_config_free(c);
	nm_config_diags_clear(&d);
}

/* DIR over VENDOR loads cleanly, with N policies. */
static void expect_policies(const char *dir, const char *vendor, size_t n)
{
	struct nm_config_diags d;
	struct nm_config *c = load_dirs(NULL, dir, vendor, &d, 0);

	ck_assert_uint_eq(c->n_policies, n);
	nm_config_free(c);
	nm_config_diags_clear(&d);
}

START_TEST(test_file_types)
{
	struct tree t;

	tree_init(&t);
	put(t.dir, "10-a.yaml", policy);
	expect(&t, NULL);
	/* A FIFO would block the read (and the daemon's event loop) forever. */
	ck_assert_int_eq(mkfifo(at(&t, "20-fifo.yaml"), 0644), 0);
	expect(&t, "20-fifo.yaml: error: a FIFO, not a regular file: only regular files are read");
	ck_assert_int_eq(unlink(at(&t, "20-fifo.yaml")), 0);
	/* A device would never end. */
	ck_assert_int_eq(symlink("/dev/zero", at(&t, "20-zero.yaml")), 0);
	expect(&t, "20-zero.yaml: error: a device, not a regular file");
	ck_assert_int_eq(unlink(at(&t, "20-zero.yaml")), 0);
	ck_assert_int_eq(mkdir(at(&t, "20-dir.yaml"), 0755), 0);
	expect(&t, "20-dir.yaml: error: a directory, not a regular file");
	ck_assert_int_eq(rmdir(at(&t, "20-dir.yaml")), 0);
	/* A link to a regular file is read. */
	put(t.root, "elsewhere.yaml", "policies:\n  - name: b\n    match: { cgroup: /b }\n");
	ck_assert_int_eq(symlink("../elsewhere.yaml", at(&t, "30-link.yaml")), 0);
	expect_policies(t.dir, NULL, 2);
	remove_tree(t.root);
}
END_TEST

START_TEST(test_masks)
{
	struct tree t;
	char vendor[600];

	tree_init(&t);
	snprintf(vendor, sizeof(vendor), "%s/vendor", t.root);
	put(vendor, "50-v.yaml", policy);
	/* An empty file masks the vendor file of its name, as documented. */
	put(t.dir, "50-v.yaml", "");
	expect_policies(t.dir, vendor, 0);
	/* So does a link to /dev/null (a device, but the one that is empty). */
	ck_assert_int_eq(unlink(at(&t, "50-v.yaml")), 0);
	ck_assert_int_eq(symlink("/dev/null", at(&t, "50-v.yaml")), 0);
	expect_policies(t.dir, vendor, 0);
	/* An empty file that masks nothing is a file being rewritten: a
	 * reload that took it would drop its policies. */
	ck_assert_int_eq(unlink(at(&t, "50-v.yaml")), 0);
	put(t.dir, "60-half-written.yaml", "# only a comment so far\n");
	expect(&t, "60-half-written.yaml: error: empty, and masks no file of a lower directory");
	remove_tree(t.root);
}
END_TEST

/* Only files and directories nobody but root can change are read. */
START_TEST(test_ownership_and_modes)
{
	struct tree t;

	tree_init(&t);
	put(t.dir, "10-a.yaml", policy);
	ck_assert_int_eq(chmod(at(&t, "10-a.yaml"), 0646), 0);
	expect(&t, "10-a.yaml: error: writable by others: numamigd reads only files that only "
	       "root can change (chmod go-w)");
	ck_assert_int_eq(chmod(at(&t, "10-a.yaml"), 0644), 0);
	ck_assert_int_eq(chmod(t.dir, 0777), 0);
	expect(&t, "policy.d: error: writable by others: numamigd reads only directories");
	ck_assert_int_eq(chmod(t.dir, 01777), 0); /* sticky: others may still add files */
	expect(&t, "policy.d: error: writable by others");
	ck_assert_int_eq(chmod(t.dir, 0755), 0);
	expect(&t, NULL);
	if (geteuid() == 0) {
		/* Root's own group may write; another group may not. */
		ck_assert_int_eq(chmod(at(&t, "10-a.yaml"), 0664), 0);
		ck_assert_int_eq(chown(at(&t, "10-a.yaml"), 0, 0), 0);
		expect(&t, NULL);
		ck_assert_int_eq(chown(at(&t, "10-a.yaml"), 0, 1), 0);
		expect(&t, "10-a.yaml: error: writable by its group");
		ck_assert_int_eq(chmod(at(&t, "10-a.yaml"), 0644), 0);
		ck_assert_int_eq(chown(at(&t, "10-a.yaml"), 1, 1), 0);
		expect(&t, "10-a.yaml: error: owned by uid 1, not by root");
		ck_assert_int_eq(chown(at(&t, "10-a.yaml"), 0, 0), 0);
		ck_assert_int_eq(chown(t.dir, 1, 0), 0);
		expect(&t, "policy.d: error: owned by uid 1, not by root");
	}
	remove_tree(t.root);
}
END_TEST

/* libyaml is quadratic in the nesting depth: 100k nested '[' took 50 s.
 * The pre-pass stops at the first level too deep, with its place, and
 * nothing else is said (libyaml never got to the rest; without the
 * pre-pass this test runs into Check's timeout). */
START_TEST(test_deep_nesting)
{
	struct nm_config_diags d;
	size_t n = 1000 * 1000 - 1;
	char *text = malloc(n + 1);

	memset(text, '[', n);
	text[n] = '\0';
	memcpy(text, "policies: ", 10);
	ck_assert_ptr_null(load_str(text, &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:42: error: nested more than 32 levels deep");
	ck_assert_uint_eq(d.n, 1);
	nm_config_diags_clear(&d);
	/* Block style counts the same. */
	text[0] = '\0';
	for (int i = 0; i < 40; i++)
		sprintf(text + strlen(text), "%*sk%d:\n", i * 2, "", i);
	ck_assert_ptr_null(load_str(text, &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:33:65: error: nested more than 32 levels deep");
	nm_config_diags_clear(&d);
	free(text);
}
END_TEST

/* Aliases are bounded by the bytes they expand to, not by entries: a list
 * of 256 long names aliased into thousands of policies. */
START_TEST(test_alias_amplification)
{
	struct nm_config_diags d;
	char *text = malloc(1 << 20), *p = text;
	struct nm_config *c;

	p += sprintf(p, "defaults: { exclude_files: &x [");
	for (int i = 0; i < 256; i++)
		p += sprintf(p, "%s\"/%0240d\"", i ? "," : "", i);
	p += sprintf(p, "] }\npolicies:\n");
	for (int i = 0; i < 1000; i++)
		p += sprintf(p, "  - { name: p%d, match: { cgroup: /p%d }, exclude_files: *x }\n", i, i);
	ck_assert_ptr_null(c = load_str(text, &d));
	ck_assert_msg(strstr(diag_str(&d, 0), "error: the configuration expands to more than "
				  "16 MiB of values (aliases included)"), "%s", diag_str(&d, 0));
	ck_assert_uint_eq(d.n, 1);
	nm_config_diags_clear(&d);
	/* A few uses of a small anchor are what aliases are for. */
	p = text;
	p += sprintf(p, "policies:\n  - { name: a, match: { cgroup: /a }, exclude_files: &x "
		     "[\"/usr/lib/*\"] }\n  - { name: b, match: { cgroup: /b }, exclude_files: *x }\n");
	ck_assert_ptr_nonnull(c = load_str(text, &d));
	ck_assert_uint_eq(c->policies[1].n_exclude_files, 1);
	nm_config_free(c);
	nm_config_diags_clear(&d);
	free(text);
}
END_TEST

/* Each of these was accepted (exit 0) and did other than written. */
START_TEST(test_wrong_accepts)
{
	static const struct { const char *yaml, *want; } bad[] = {
		{ "base: &b { mode: off }\npolicies:\n  - { <<: *b, name: a, match: { cgroup: /a } }\n",
		  "t.yaml:3:7: error: merge keys ('<<') are not supported" },
		{ "policies:\n  - { <<: {mode: off}, name: a, match: { cgroup: /a } }\n",
		  "t.yaml:2:7: error: merge keys ('<<') are not supported" },
		{ "policies:\n  - { name: a, match: { cgroup: /a, comms: [x] } }\n",
		  "t.yaml:2:37: error: unknown key 'match.comms' (did you mean 'match.comm'?)" },
		{ "mode: off\n", "t.yaml:1:1: error: 'mode' is not valid here" },
		{ "interval: !!str 2s\n", "t.yaml:1:11: error: YAML tags ('tag:yaml.org,2002:str') "
		  "are not supported" },
		{ "policies: !x []\n", "t.yaml:1:11: error: YAML tags ('!x') are not supported" },
		{ "control_socket: \"/run/x\\n<0>forged\"\n",
		  "t.yaml:1:17: error: invalid value '/run/x\\x0a<0>forged' for 'control_socket': "
		  "contains a control character" },
		{ "metrics_file: /nonexistent/\n", "t.yaml:1:15: error: invalid value '/nonexistent/' "
		  "for 'metrics_file': names a directory" },
		{ "metrics_file: /tmp\n", "t.yaml:1:15: error: invalid value '/tmp' for 'metrics_file': "
		  "is a directory" },
	};
	struct nm_config_diags d;
	struct nm_config *c;
	char *text = malloc(8192);

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		size_t k = 0;

		ck_assert_ptr_null(load_str(bad[i].yaml, &d));
		while (k < d.n && !strstr(diag_str(&d, k), bad[i].want))
			k++;
		ck_assert_msg(k < d.n, "%s: no '%s', first: '%s'", bad[i].yaml, bad[i].want,
			      diag_str(&d, 0));
		nm_config_diags_clear(&d);
	}
	/* A policy that can never win is noted where its match is. */
	ck_assert_ptr_nonnull(c = load_str("policies:\n"
		"  - { name: a, match: { cgroup: /a, comm: [x, y] } }\n"
		"  - { name: b, match: { cgroup: /a, comm: [y] } }\n"
		"  - { name: c, match: { cgroup: /a } }\n"
		"  - { name: d, match: { cgroup: /a/b } }\n", &d));
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:3:33: note: policy 'b' never applies: policy "
			 "'a' (t.yaml:2) comes first and matches the same processes");
	nm_config_free(c);
	nm_config_diags_clear(&d);
	/* Values are at most PATH_MAX long. */
	sprintf(text, "policies: [{ name: a, match: { cgroup: \"/%04200d\" } }]\n", 0);
	ck_assert_ptr_null(load_str(text, &d));
	ck_assert_str_eq(diag_str(&d, 0), "t.yaml:1:40: error: 'match.cgroup' is 4201 bytes long; "
			 "values have at most 4095");
	nm_config_diags_clear(&d);
	free(text);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config-guard");
	TCase *files = tcase_create("files"), *yaml = tcase_create("yaml");

	tcase_add_test(files, test_file_types);
	tcase_add_test(files, test_masks);
	tcase_add_test(files, test_ownership_and_modes);
	tcase_add_test(yaml, test_deep_nesting);
	tcase_add_test(yaml, test_alias_amplification);
	tcase_add_test(yaml, test_wrong_accepts);
	suite_add_tcase(s, files);
	suite_add_tcase(s, yaml);
	return s;
}

#include "check-main.h"

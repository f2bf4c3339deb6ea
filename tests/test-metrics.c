/* Tests of lib/metrics.c: the text format, label escaping, and the atomic
 * write, and Prometheus's own linter (promtool, Debian package prometheus,
 * installed by tools/install-deps) on a written file. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fixture.h"
#include "numamig/metrics.h"

static const char cfg_text[] =
	"policies:\n"
	"  - name: db\n"
	"    match: { cgroup: \"/db.slice\" }\n"
	"  - name: other\n"
	"    match: { cgroup: \"/other.slice\" }\n";

struct world {
	struct nm_config *config;
	struct nm_counters c;
	uint64_t moved[4];
	struct nm_task tasks[3], *tv[3];
	struct nm_tracker t;
	struct nm_metrics_src src;
};

static void world_init(struct world *w)
{
	struct nm_config_diags d;

	memset(w, 0, sizeof(*w));
	nm_config_diags_init(&d);
	ck_assert_int_eq(nm_config_load_text("m.yaml", cfg_text, strlen(cfg_text), &w->config, &d), 0);
	nm_config_diags_clear(&d);
	/* The config refuses such names; labels must survive them anyway. */
	free(w->config->policies[0].name);
	w->config->policies[0].name = strdup("db \"main\"\\\n");
	w->c.nr_nodes = 2;
	w->c.moved = w->moved;
	w->moved[0 * 2 + 1] = 12288;
	w->c.outcomes[NM_MIG_EBUSY] = 3;
	w->c.stops[NM_MIG_DONE] = 2;
	w->c.aborts[ENODEV] = 1;
	w->c.reasons[NM_PLAN_R_DWELL] = 5;
	w->c.scans = 7;
	w->c.scan_bytes = 4096;
	for (int i = 0; i < 3; i++) {
		w->tasks[i].policy = &w->config->policies[i < 2 ? 0 : 1];
		w->tv[i] = &w->tasks[i];
	}
	w->t.v = w->tv;
	w->t.n = 3;
	w->src = (struct nm_metrics_src){ .counters = &w->c, .tracker = &w->t,
					  .config = w->config, .sampler_source = "perf",
					  .version = "0.1.0", .uptime_s = 2.5, .cpu_s = 0.25,
					  .numa_balancing = 0 };
	w->src.sampler.samples = 100;
}

static char *print(struct world *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(nm_metrics_print(&w->src, f), 0);
	fclose(f);
	return buf;
}

static void has(const char *text, const char *line)
{
	ck_assert_msg(strstr(text, line) != NULL, "missing: %s", line);
}

START_TEST(test_format)
{
	struct world w;
	char *text;

	world_init(&w);
	text = print(&w);
	has(text, "# TYPE numamigd_pages_migrated_total counter\n");
	has(text, "numamigd_pages_migrated_total{src_node=\"0\",dst_node=\"1\"} 12288\n");
	ck_assert_ptr_null(strstr(text, "src_node=\"1\",dst_node=\"0\""));
	has(text, "numamigd_page_failures_total{outcome=\"EBUSY\"} 3\n");
	has(text, "numamigd_migrations_total{result=\"done\"} 2\n");
	has(text, "numamigd_migration_aborts_total{errno=\"ENODEV\"} 1\n");
	has(text, "numamigd_decisions_total{reason=\"dwell\"} 5\n");
	has(text, "numamigd_numa_maps_bytes_total 4096\n");
	/* Quotes in a policy name are escaped. */
	has(text, "numamigd_tracked_processes{policy=\"db \\\"main\\\"\\\\\\n\"} 2\n");
	has(text, "numamigd_tracked_processes{policy=\"other\"} 1\n");
	has(text, "numamigd_info{version=\"0.1.0\",sampler=\"perf\"} 1\n");
	has(text, "numamigd_samples_total 100\n");
	has(text, "# TYPE numamigd_paused gauge\n");
	free(text);
	nm_config_free(w.config);
}
END_TEST

START_TEST(test_atomic_write)
{
	struct world w;
	char *dir = make_tree(), path[512], tmp[520], *text;
	struct stat st;

	world_init(&w);
	snprintf(path, sizeof(path), "%s/numamigd.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	umask(077);
	ck_assert_int_eq(nm_metrics_write(&w.src, path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_ne(stat(tmp, &st), 0);
	ck_assert_int_eq(nm_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL), 0);
	has(text, "numamigd_ticks_total 0\n");
	free(text);
	umask(022);
	snprintf(path, sizeof(path), "%s/missing/numamigd.prom", dir);
	ck_assert_int_eq(nm_metrics_write(&w.src, path), -ENOENT);
	nm_config_free(w.config);
	remove_tree(dir);
}
END_TEST

/* promtool's exit status on PATH: 0 = clean, 1 = problems, 127 = missing. */
static int promtool(const char *path)
{
	char cmd[600];
	int st;

	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", path);
	st = system(cmd);
	ck_assert_msg(st != -1 && WIFEXITED(st), "cannot run promtool");
	return WEXITSTATUS(st);
}

START_TEST(test_promtool)
{
	struct world w;
	char *dir = make_tree(), path[512];
	FILE *f;

	world_init(&w);
	snprintf(path, sizeof(path), "%s/numamigd.prom", dir);
	ck_assert_int_eq(nm_metrics_write(&w.src, path), 0);
	ck_assert_msg(promtool(path) != 127, "promtool not found: apt-get install prometheus");
	ck_assert_int_eq(promtool(path), 0);
	/* The linter does find problems: a counter without _total, typed twice. */
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("# TYPE numamigd_paused counter\nnumamigd_paused 1\n", f);
	fclose(f);
	ck_assert_int_ne(promtool(path), 0);
	nm_config_free(w.config);
	remove_tree(dir);
}
END_TEST

/* NAME occurs in TEXT, not as the prefix of a longer name. */
static bool has_word(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; (p = strstr(p, name)) != NULL; p += n)
		if (!isalnum((unsigned char)p[n]) && p[n] != '_')
			return true;
	return false;
}

/* numamigd(8) lists every metric the writer prints. */
START_TEST(test_man_lists_every_metric)
{
	/* The source tree, found the way the fixtures are (no environment:
	 * make check-valgrind runs this without AM_TESTS_ENVIRONMENT). */
	const char *path = NM_TEST_DATA "/../../man/numamigd.8.in";
	char *man, *text, *p;
	struct world w;
	int n = 0;

	ck_assert_int_eq(nm_read_file_at(AT_FDCWD, path, 1 << 20, &man, NULL), 0);
	world_init(&w);
	text = print(&w);
	for (p = text; (p = strstr(p, "# TYPE ")) != NULL; n++) {
		char name[128];

		ck_assert_int_eq(sscanf(p, "# TYPE %127s", name), 1);
		ck_assert_msg(has_word(man, name), "%s is not in %s", name, path);
		p += 7;
	}
	ck_assert_int_ge(n, 15);
	free(text);
	free(man);
	nm_config_free(w.config);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_atomic_write);
	/* promtool is a 48 MB Go binary: starting it twice on a loaded
	 * machine can take longer than Check's 4 s default. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_promtool);
	tcase_add_test(tc, test_man_lists_every_metric);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

/* Tests of lib/engine/metrics.c: the text format, label escaping, and the atomic
 * write, and Prometheus's own linter (promtool, Debian package prometheus,
 * installed by tools/install-deps) on a written file. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "numamig/metrics.h"
#include "numamig/file.h"

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
	struct nm_task tasks[3];
	struct nm_ident *tv[3];
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
	w->tasks[2].tier.hot_pages = 100;
	w->tasks[2].tier.hot_fast_pages = 75;
	for (int i = 0; i < 3; i++) {
		w->tasks[i].id.policy = &w->config->policies[i < 2 ? 0 : 1];
		w->tv[i] = &w->tasks[i].id;
	}
	w->t.v = w->tv;
	w->t.n = 3;
	w->src = (struct nm_metrics_src){ .counters = &w->c, .tracker = &w->t,
					  .config = w->config, .sampler_source = "perf",
					  .version = "0.1.0", .uptime_s = 2.5, .cpu_s = 0.25,
					  .numa_balancing = 0, .demotion_enabled = -1,
					  .damon_err = 1 };
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
	has(text, "numamigd_damon_up 0\n");                 /* not needed yet */
	has(text, "numamigd_pingpong_pages_total 0\n");
	has(text, "numamigd_hot_pages{policy=\"other\",tier=\"fast\"} 75\n");
	has(text, "numamigd_hot_pages{policy=\"other\",tier=\"slow\"} 25\n");
	free(text);
	w.src.damon_err = -ENOENT;
	w.src.damon.snapshots = 7;
	text = print(&w);
	has(text, "numamigd_damon_up -1\n");
	has(text, "numamigd_damon_snapshots_total 7\n");
	free(text);
	nm_config_free(w.config);
}
END_TEST

/* Names in DIR other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

START_TEST(test_atomic_write)
{
	struct world w;
	char *dir = make_tree(), path[512], *text;
	const char *why;
	struct stat st;

	world_init(&w);
	snprintf(path, sizeof(path), "%s/numamigd.prom", dir);
	umask(077);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(entries(dir), 1); /* no temporary file left */
	ck_assert_int_eq(nm_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL), 0);
	has(text, "numamigd_ticks_total 0\n");
	free(text);
	umask(022);
	snprintf(path, sizeof(path), "%s/missing/numamigd.prom", dir);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), -ENOENT);
	ck_assert_ptr_null(why);
	snprintf(path, sizeof(path), "%s/", dir);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	nm_config_free(w.config);
	remove_tree(dir);
}
END_TEST

/* Whoever may create names in the metrics directory cannot make the
 * writer (root) write elsewhere, nor block it: a link or a FIFO at the
 * old temporary name PATH.tmp or at PATH itself is left alone or
 * replaced, never followed. */
START_TEST(test_planted_names)
{
	struct world w;
	char *dir = make_tree(), path[512], tmp[520], victim[512], *text;
	const char *why;
	struct stat st;

	world_init(&w);
	snprintf(path, sizeof(path), "%s/numamigd.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put(dir, "victim", "secret\n");
	ck_assert_int_eq(chmod(victim, 0600), 0);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), 0);
	ck_assert_int_eq(nm_read_file_at(AT_FDCWD, victim, 1 << 20, &text, NULL), 0);
	ck_assert_str_eq(text, "secret\n");
	free(text);
	ck_assert_int_eq(stat(victim, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* A link at PATH itself is replaced by the new file. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(nm_read_file_at(AT_FDCWD, victim, 1 << 20, &text, NULL), 0);
	ck_assert_str_eq(text, "secret\n");
	free(text);
	/* A FIFO at either name blocks nothing. */
	ck_assert_int_eq(unlink(tmp), 0);
	ck_assert_int_eq(mkfifo(tmp, 0666), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0666), 0);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(entries(dir), 3); /* victim, the FIFO at .tmp, the file */
	nm_config_free(w.config);
	remove_tree(dir);
}
END_TEST

/* A directory others may write into is refused with a reason, unless it
 * is root-owned and sticky. */
START_TEST(test_shared_dir)
{
	struct world w;
	char *dir = make_tree(), path[512];
	const char *why;

	world_init(&w);
	snprintf(path, sizeof(path), "%s/numamigd.prom", dir);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "writable by group or others"));
	ck_assert_int_eq(entries(dir), 0);
	ck_assert_int_eq(chmod(dir, 0775), 0);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), -EPERM);
	ck_assert_int_eq(chmod(dir, 01777), 0);
	/* Sticky is enough only when root owns it. */
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), geteuid() == 0 ? 0 : -EPERM);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), 0);
	ck_assert_ptr_null(why);
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
	const char *why;
	FILE *f;

	world_init(&w);
	snprintf(path, sizeof(path), "%s/numamigd.prom", dir);
	ck_assert_int_eq(nm_metrics_write(&w.src, path, &why), 0);
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
	tcase_add_test(tc, test_planted_names);
	tcase_add_test(tc, test_shared_dir);
	/* promtool is a 48 MB Go binary: starting it twice on a loaded
	 * machine can take longer than Check's 4 s default. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_promtool);
	tcase_add_test(tc, test_man_lists_every_metric);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

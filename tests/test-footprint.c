/* Tests of lib/map/footprint.c (the map stage) and the maps line parser, on the
 * numa_maps and maps captured from a real 2-node guest. Expected sums were
 * taken independently with awk over the same files. */
#include "config.h"

#include <check.h>

#include "fixture.h"
#include "numamig/footprint.h"
#include "numamig/procparse.h"

static char *default_excludes[] = { "/usr/lib/*", "/lib/*" };

static void scan_2n(const struct nm_fp_rules *rules, struct nm_footprint *fp)
{
	struct nm_root *root = fixture_root("2n");
	struct nm_proc *p;

	ck_assert_int_eq(nm_proc_open(root, 108, &p), 0);
	ck_assert_int_eq(nm_fp_scan(p, rules, NULL, fp), 0);
	ck_assert_int_eq(fp->scan.status, NM_MAPS_WHOLE);
	nm_proc_close(p);
	nm_root_free(root);
}

START_TEST(test_defaults_2n)
{
	struct nm_fp_rules rules = { .max_mapcount = 1, .exclude_files = default_excludes,
				     .n_exclude_files = 2 };
	struct nm_footprint fp = { 0 };
	const struct nm_map_vma *heap = NULL;

	scan_2n(&rules, &fp);
	/* 13 anonymous VMAs. The MAP_SHARED|MAP_ANONYMOUS region shown as
	 * "/dev/zero (deleted)" (64 pages on node 1) is shared with the forked
	 * child (mapmax=2) and none of it is private (no anon=): skipped. */
	ck_assert_uint_eq(fp.tab.n_vmas, 13);
	ck_assert_uint_eq(fp.eligible.kb[0], 332);
	ck_assert_uint_eq(fp.eligible.kb[1], 4688);
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_POLICY], 1536);
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_HUGETLB], 4096);
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_EXCLUDED], 1348); /* libc, libnuma */
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_FILE], 552 - 256); /* incl. /lib64/ld-linux */
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_SHARED], 256);
	for (size_t i = 0; i < fp.tab.n_vmas; i++) {
		ck_assert_uint_gt(fp.tab.vmas[i].end, fp.tab.vmas[i].start);
		if (fp.tab.vmas[i].start == 0x5556b2af8000UL)
			heap = &fp.tab.vmas[i];
	}
	ck_assert_ptr_nonnull(heap);
	ck_assert_uint_eq(heap->end, 0x5556b2b19000UL);
	ck_assert_uint_eq(heap->pages, 21);
	ck_assert_uint_eq(heap->mapmax, 2);
	ck_assert_uint_eq(nm_vmatab_pages_on(&fp.tab, heap, 1), 21);
	ck_assert_uint_eq(nm_vmatab_pages_on(&fp.tab, heap, 0), 0);
	nm_fp_free(&fp);
}
END_TEST

START_TEST(test_file_backed_2n)
{
	struct nm_fp_rules rules = { .max_mapcount = 1, .file_backed = true,
				     .exclude_files = default_excludes, .n_exclude_files = 2 };
	struct nm_footprint fp = { 0 };

	scan_2n(&rules, &fp);
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_FILE], 0);
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_EXCLUDED], 1348);
	/* Of the file VMAs mapped by parent and child (mapmax=2), only the
	 * anonymous (copied-on-write) pages count, spread over their nodes:
	 * computed independently from the same numa_maps. */
	ck_assert_uint_eq(fp.eligible.kb[0], 336);
	ck_assert_uint_eq(fp.eligible.kb[1], 4776);
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_SHARED], 460);
	ck_assert_uint_eq(fp.tab.n_vmas, 21);
	/* Rescanning into the same footprint starts afresh. */
	scan_2n(&rules, &fp);
	ck_assert_uint_eq(fp.eligible.total_kb, 336 + 4776);
	nm_fp_free(&fp);
}
END_TEST

/* With max_mapcount above 1 the rows shared with the child are eligible
 * whole, and every row is joined with its file (the engine asks who else
 * maps it). A row taken out (nm_fp_skip_row: another process moves it)
 * leaves the totals and the table, and the rows after it keep their
 * files. */
START_TEST(test_skip_row_2n)
{
	struct nm_fp_rules rules = { .max_mapcount = 8, .file_backed = true,
				     .exclude_files = default_excludes, .n_exclude_files = 2 };
	struct nm_footprint fp = { 0 };
	unsigned long long total, on[2], kb, was[2], next_inode;
	unsigned long next_start;
	size_t n, i;

	scan_2n(&rules, &fp);
	ck_assert_ptr_nonnull(fp.tab.files);
	n = fp.tab.n_vmas;
	for (i = 0; i + 1 < n; i++)
		if (fp.tab.vmas[i].mapmax > 1 && fp.tab.files[i].inode)
			break;
	ck_assert_uint_lt(i + 1, n); /* a shared file row, not the last */
	total = fp.eligible.total_kb;
	on[0] = fp.eligible.kb[0];
	on[1] = fp.eligible.kb[1];
	kb = (unsigned long long)fp.tab.vmas[i].pages * fp.tab.vmas[i].page_kb;
	next_inode = fp.tab.files[i + 1].inode;
	next_start = fp.tab.vmas[i + 1].start;
	for (int node = 0; node < 2; node++)
		was[node] = (unsigned long long)nm_vmatab_pages_on(&fp.tab, &fp.tab.vmas[i], node) *
			    fp.tab.vmas[i].page_kb;

	nm_fp_skip_row(&fp, i, NM_VERDICT_SHARER);
	ck_assert_uint_eq(fp.tab.n_vmas, n - 1);
	ck_assert_uint_eq(fp.eligible.total_kb, total - kb);
	ck_assert_uint_eq(fp.eligible.kb[0], on[0] - was[0]);
	ck_assert_uint_eq(fp.eligible.kb[1], on[1] - was[1]);
	ck_assert_uint_eq(fp.skipped_kb[NM_VERDICT_SHARER], kb);
	ck_assert_uint_eq(fp.tab.vmas[i].start, next_start);
	ck_assert_uint_eq(fp.tab.files[i].inode, next_inode);
	ck_assert_str_eq(nm_verdict_name(NM_VERDICT_SHARER), "sharer");
	/* The last row too, and a rescan starts afresh (valgrind: no path
	 * freed twice or lost). */
	nm_fp_skip_row(&fp, fp.tab.n_vmas - 1, NM_VERDICT_SHARER);
	scan_2n(&rules, &fp);
	ck_assert_uint_eq(fp.tab.n_vmas, n);
	ck_assert_uint_eq(fp.eligible.total_kb, total);
	nm_fp_free(&fp);
}
END_TEST

START_TEST(test_shared_anon_is_not_a_file)
{
	struct nm_fp_rules r = { .max_mapcount = 1 };
	struct nm_vma v = { .mode = NM_MPOL_DEFAULT, .kind = NM_VMA_FILE, .deleted = true };

	v.file = "/dev/zero";
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_ELIGIBLE);
	v.file = "/SYSV0052e2c1";
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_ELIGIBLE);
	v.file = "/memfd:buffers";
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_ELIGIBLE);
	v.file = "/tmp/gone.dat";
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_FILE);
	v.deleted = false; /* a file really named /dev/zero-like is a file */
	v.file = "/SYSVlog";
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_FILE);
	r.max_mapcount = 2;
	v.deleted = true;
	v.file = "/dev/zero";
	v.mapmax = 5;
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_SHARED);
}
END_TEST

START_TEST(test_classify)
{
	char *ex[] = { "/usr/lib/*", "*.so.*" };
	struct nm_fp_rules r = { .max_mapcount = 2, .file_backed = true, .exclude_files = ex,
				 .n_exclude_files = 2 };
	struct nm_vma v = { .mode = NM_MPOL_DEFAULT, .kind = NM_VMA_ANON, .mapmax = 2 };

	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_ELIGIBLE);
	v.mapmax = 3;
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_SHARED);
	r.max_mapcount = 1; /* per-page exclusive check instead */
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_ELIGIBLE);
	v.mode = NM_MPOL_BIND;
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_POLICY);
	v.mode = NM_MPOL_DEFAULT;
	v.kind = NM_VMA_FILE;
	v.file = "/opt/app/libx.so.1";
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_EXCLUDED);
	v.file = "/data/db file";
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_ELIGIBLE);
	r.file_backed = false;
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_FILE);
	v.huge = true;
	ck_assert_int_eq(nm_fp_classify(&r, &v), NM_VERDICT_HUGETLB);
	ck_assert_str_eq(nm_verdict_name(NM_VERDICT_EXCLUDED), "excluded_file");
	ck_assert_str_eq(nm_verdict_name(NM_NR_VERDICTS), "unknown");
}
END_TEST

START_TEST(test_maps_line)
{
	struct nm_pidmaps_line m;

	ck_assert_int_eq(nm_pidmaps_parse_line("5556b2af8000-5556b2b19000 rw-p 00000000 00:00 0"
					    "                          [heap]", &m), 0);
	ck_assert_uint_eq(m.start, 0x5556b2af8000UL);
	ck_assert_uint_eq(m.end, 0x5556b2b19000UL);
	ck_assert_str_eq(m.perms, "rw-p");
	ck_assert_str_eq(m.path, "[heap]");
	ck_assert_int_eq(nm_pidmaps_parse_line("7f0000-7f1000 r--s 00002000 fd:01 1234567 "
					    "/tmp/a b (deleted)", &m), 0);
	ck_assert_uint_eq(m.offset, 0x2000);
	ck_assert_uint_eq(m.dev_major, 0xfd);
	ck_assert_uint_eq(m.dev_minor, 1);
	ck_assert_uint_eq(m.inode, 1234567);
	ck_assert_str_eq(m.path, "/tmp/a b (deleted)");
	ck_assert_int_eq(nm_pidmaps_parse_line("1000-2000 rw-p 00000000 00:00 0", &m), 0);
	ck_assert_str_eq(m.path, "");
	ck_assert_int_eq(nm_pidmaps_parse_line("2000-1000 rw-p 00000000 00:00 0", &m), -EINVAL);
	ck_assert_int_eq(nm_pidmaps_parse_line("1000-2000 rw-p 0 00:00", &m), -EINVAL);
	ck_assert_int_eq(nm_pidmaps_parse_line("1000-2000 rw-p 00000000 00:00 0x", &m), -EINVAL);
}
END_TEST

/* One classifier, two sets of rules: the daemon leaves a mempolicy alone,
 * the operator's job moves it; a library's written private pages are the
 * process's own; special mappings never move. */
START_TEST(test_rules_differ)
{
	char *ex[] = { "*.so" };
	struct nm_vma_rules daemon = { .honour_policy = true, .max_mapcount = 1,
				       .exclude_files = ex, .n_exclude_files = 1 };
	struct nm_vma_rules job = { .file_backed = true, .exclude_files = ex,
				    .n_exclude_files = 1 };
	struct nm_vma_facts v = { .policy = true };

	ck_assert_int_eq(nm_vma_classify(&daemon, &v), NM_VERDICT_POLICY);
	ck_assert_int_eq(nm_vma_classify(&job, &v), NM_VERDICT_ELIGIBLE);
	v = (struct nm_vma_facts){ .path = "/lib/libx.so", .file = true };
	ck_assert_int_eq(nm_vma_classify(&daemon, &v), NM_VERDICT_EXCLUDED);
	ck_assert_int_eq(nm_vma_classify(&job, &v), NM_VERDICT_EXCLUDED);
	v.written = true;
	ck_assert_int_eq(nm_vma_classify(&job, &v), NM_VERDICT_ELIGIBLE);
	ck_assert_int_eq(nm_vma_classify(&daemon, &v), NM_VERDICT_FILE);
	v = (struct nm_vma_facts){ .path = "[vdso]" };
	ck_assert_int_eq(nm_vma_classify(&job, &v), NM_VERDICT_SPECIAL);
	v.path = "[heap]";
	ck_assert_int_eq(nm_vma_classify(&job, &v), NM_VERDICT_ELIGIBLE);
	ck_assert_str_eq(nm_verdict_name(NM_VERDICT_SPECIAL), "special");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("footprint");
	TCase *tc = tcase_create("footprint");

	tcase_add_test(tc, test_defaults_2n);
	tcase_add_test(tc, test_file_backed_2n);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_rules_differ);
	tcase_add_test(tc, test_skip_row_2n);
	tcase_add_test(tc, test_shared_anon_is_not_a_file);
	tcase_add_test(tc, test_maps_line);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

/* Tests of lib/job/job.c (seed 003: manual job migration), planning, on the
 * job of test-job-env.h: a file shared at overlapping offsets is
 * requested once per disjoint piece, shared libraries are never
 * requested, from/to lists map relatively, excluded files stay, and bad
 * specs are refused. Execution is in test-job-exec.c. */
#include "config.h"

#include <fnmatch.h>

#include "test-job-env.h"

START_TEST(test_dedupe_request_count)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	const struct nm_job_totals *t;

	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	dump(e->plan);
	t = nm_job_totals(e->plan);
	ck_assert_uint_eq(t->procs, 3);
	ck_assert_uint_eq(t->stages, 1);
	/* The shared data file: 3 disjoint pieces of the union, not 4
	 * mappings; shared anonymous memory and the program's text: once. */
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "/data/input.dat"), 3);
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "/dev/zero*"), 1);
	/* solver: r--p and r-xp once for the job; the written relro and
	 * .data per process. */
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "/opt/job/bin/solver"), 2 + 3 * 2);
	/* Shared libraries: only their written private pages, per process,
	 * exclusive pages only; libjob.so not at all. */
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "*/libjob.so"), 0);
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "*libc.so*"), 6);
	for (size_t i = 0; i < nm_job_nrequests(e->plan); i++) {
		const struct nm_job_request *q = nm_job_request(e->plan, i);

		if (q->path && fnmatch("*libc.so*", q->path, 0) == 0) {
			ck_assert_int_eq(q->kind, NM_JOB_REQ_PRIVATE);
			ck_assert(q->exclusive_only);
			ck_assert(!q->move_all);
		}
		if (q->kind == NM_JOB_REQ_FILE)
			ck_assert(q->move_all);
		ck_assert(!q->path || (strcmp(q->path, "[vdso]") != 0 && strcmp(q->path, "[vvar]") != 0 &&
				       strncmp(q->path, "/anon_hugepage", 14) != 0));
	}
	/* Private: [heap], anon, [stack] x3, the bind:0 VMA of 202. */
	ck_assert_uint_eq(t->file_requests, 3 + 1 + 2);
	ck_assert_uint_eq(t->private_requests, 6 + 6 + 9 + 1);
	ck_assert_uint_eq(t->requests, nm_job_nrequests(e->plan));
	/* Skips, in 4 KiB pages: libc text and rodata plus libjob.so; 201's
	 * two 2 MiB hugetlb pages; [vdso]. */
	for (size_t p = 0; p < 3; p++) {
		const struct nm_job_proc_info *pi = nm_job_proc(e->plan, p);

		ck_assert_int_eq(pi->pid, job[p]);
		ck_assert_int_eq(pi->state, NM_JOB_PLANNED);
		ck_assert_int_eq(pi->target, 1);
		ck_assert_uint_eq(pi->skipped[NM_JOB_SKIP_EXCLUDED], 40 + 100 + 16);
		ck_assert_uint_eq(pi->skipped[NM_JOB_SKIP_SPECIAL], 2);
		ck_assert_uint_eq(pi->skipped[NM_JOB_SKIP_HUGETLB], p == 0 ? 1024 : 0);
	}
	env_free(e);
}
END_TEST

/* Mappings of one file at different, overlapping offsets: pages [0,64)
 * through 201, [64,96) through 202 (its [32,64) is 201's), nothing
 * through 203's [16,48), and [128,160) through 203. */
START_TEST(test_overlap_union)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	const struct nm_job_request *q;

	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	q = find_req(e->plan, 201, INPUT_201);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(q->kind, NM_JOB_REQ_FILE);
	ck_assert_uint_eq(q->end, INPUT_201 + 64 * FK_PG);
	ck_assert_uint_eq(q->offset, 0);
	ck_assert_uint_eq(q->planned_pages, 64);
	q = find_req(e->plan, 202, INPUT_202 + 32 * FK_PG);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(q->end, INPUT_202 + 64 * FK_PG);
	ck_assert_uint_eq(q->offset, 64 * FK_PG);
	ck_assert_ptr_null(find_req(e->plan, 202, INPUT_202));
	q = find_req(e->plan, 203, INPUT_203B);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(q->end, INPUT_203B + 32 * FK_PG);
	ck_assert_uint_eq(q->offset, 128 * FK_PG);
	/* What was requested elsewhere, in pages: of input.dat, 202 half
	 * its mapping and 203 its whole first one; of /dev/zero (16) and the
	 * program's text and rodata (3), all of theirs; 201 nothing. */
	ck_assert_uint_eq(nm_job_proc(e->plan, 0)->skipped[NM_JOB_SKIP_DEDUP], 0);
	ck_assert_uint_eq(nm_job_proc(e->plan, 1)->skipped[NM_JOB_SKIP_DEDUP], 32 + 16 + 3);
	ck_assert_uint_eq(nm_job_proc(e->plan, 2)->skipped[NM_JOB_SKIP_DEDUP], 32 + 16 + 3);
	env_free(e);
}
END_TEST

/* The plan is the dry run: numbers from numa_maps, no syscall. */
START_TEST(test_plan_numbers)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	const struct nm_job_proc_info *p202;
	const struct nm_job_totals *t;
	unsigned long long sum = 0;

	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_nr_nodes(e->plan), 4);
	ck_assert_uint_eq(nm_job_page_bytes(e->plan), FK_PG);
	p202 = nm_job_proc(e->plan, 1);
	/* 202's numa_maps: everything on 0 but 16 pages of input.dat on 1. */
	ck_assert_uint_eq(p202->resident[1], 16);
	ck_assert_uint_eq(p202->resident[0],
			  1 + 2 + 1 + 1 + 32 + 256 + 48 + 16 + 40 + 100 + 4 + 2 + 16 + 16 + 8 + 2);
	/* Planned through 202: its private memory (heap 32, anon 256, bind
	 * 16, stack 8, solver relro/.data 2, libc relro/.data 6) and half of
	 * its input.dat mapping, estimated 24 on node 0 (8 on 1 stay). */
	ck_assert_uint_eq(p202->planned[0], 32 + 256 + 16 + 8 + 2 + 6 + 24);
	ck_assert_uint_eq(p202->planned[1], 0);
	ck_assert_uint_eq(p202->planned_pages, p202->planned[0]);
	t = nm_job_totals(e->plan);
	for (int n = 0; n < 4; n++)
		sum += t->planned_from[n];
	ck_assert_uint_eq(sum, t->planned_pages);
	ck_assert_uint_eq(t->planned_to[1], t->planned_pages);
	ck_assert_uint_eq(t->planned_to[0], 0);
	ck_assert_uint_eq(e->f->move_calls + e->f->procs[0].query_calls, 0);
	env_free(e);
}
END_TEST

/* from[i] -> to[i]; pages elsewhere stay. */
START_TEST(test_relative_from_to)
{
	static const int from[] = { 0 }, to[] = { 2 };
	struct env *e = env_new(to, 1);
	unsigned long anon = BASE(203) + 0x2a000;

	e->spec.from = from;
	e->spec.n_from = 1;
	fk_page(e->f, 203, anon)->node = 1;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->target, -1);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_int_eq(fk_page(e->f, 203, anon)->node, 1);
	ck_assert_uint_eq(fk_count(e->f, 203, anon, anon + 256 * FK_PG, 2), 255);
	ck_assert_uint_eq(nm_job_totals(e->plan)->moved_from[0], nm_job_totals(e->plan)->done.moved);
	env_free(e);
}
END_TEST

/* A chain 0->2, 1->0 runs in two stages (empty 0 first), so a page is
 * moved once; a cycle is refused. */
START_TEST(test_chain_and_cycle)
{
	static const int from[] = { 1, 0 }, to[] = { 0, 2 }, cyc_to[] = { 0, 1 };
	struct env *e = env_new(to, 2);
	unsigned long anon = BASE(202) + 0x2a000;

	e->spec.from = from;
	e->spec.n_from = 2;
	fk_page(e->f, 202, anon)->node = 1;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_uint_eq(nm_job_nr_stages(e->plan), 2);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_int_eq(fk_page(e->f, 202, anon)->node, 0);
	ck_assert_uint_eq(fk_page(e->f, 202, anon)->requested, 1);
	ck_assert_uint_eq(fk_count(e->f, 202, anon, anon + 256 * FK_PG, 2), 255);
	for (unsigned long a = anon + FK_PG; a < anon + 256 * FK_PG; a += FK_PG)
		ck_assert_uint_eq(fk_page(e->f, 202, a)->requested, 1);
	nm_job_plan_free(e->plan);
	e->plan = NULL;
	e->spec.to = cyc_to;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), -EINVAL);
	ck_assert_ptr_null(e->plan);
	env_free(e);
}
END_TEST

/* TO alone with several nodes: process k goes to TO[k mod n]. */
START_TEST(test_to_only_spread)
{
	static const int to[] = { 1, 2 };
	struct env *e = env_new(to, 2);

	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_int_eq(nm_job_proc(e->plan, 0)->target, 1);
	ck_assert_int_eq(nm_job_proc(e->plan, 1)->target, 2);
	ck_assert_int_eq(nm_job_proc(e->plan, 2)->target, 1);
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	ck_assert_uint_eq(fk_count(e->f, 202, BASE(202) + 0x2a000, BASE(202) + 0x12a000, 2), 256);
	ck_assert_uint_eq(fk_count(e->f, 203, BASE(203) + 0x2a000, BASE(203) + 0x12a000, 1), 256);
	/* 202's piece of input.dat went to 202's node. */
	ck_assert_uint_eq(fk_count(e->f, 202, INPUT_202 + 32 * FK_PG, INPUT_202 + 64 * FK_PG, 2), 32);
	env_free(e);
}
END_TEST

START_TEST(test_exclusion_lists)
{
	static const int to[] = { 1 };
	static char *const only_libjob[] = { (char *)"*/libjob.so" };
	struct env *e = env_new(to, 1);
	size_t n;
	char *const *def = nm_job_default_excludes(&n);

	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(def[0], "/usr/lib/*");
	/* Nothing excluded: libc's text and rodata and libjob.so are shared
	 * files like any other, requested once each. */
	e->spec.exclude = only_libjob;
	e->spec.n_exclude = 0;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "*/libjob.so"), 1);
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "*libc.so*"), 6 + 2);
	ck_assert_uint_eq(nm_job_proc(e->plan, 0)->skipped[NM_JOB_SKIP_EXCLUDED], 0);
	nm_job_plan_free(e->plan);
	/* Only libjob.so excluded. */
	e->spec.n_exclude = 1;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "*/libjob.so"), 0);
	ck_assert_uint_eq(nm_job_requests_for(e->plan, "*libc.so*"), 6 + 2);
	ck_assert_uint_eq(nm_job_proc(e->plan, 0)->skipped[NM_JOB_SKIP_EXCLUDED], 16);
	env_free(e);
}
END_TEST

/* move_pages() reaches only pages in the given process's page tables: a
 * piece's pages its process does not map go through the job's other
 * mappings of them, each page once. */
START_TEST(test_file_pages_through_alternates)
{
	static const int to[] = { 1 };
	struct env *e = env_new(to, 1);
	const struct nm_job_request *q;
	const struct nm_job_totals *t;

	/* 201 maps only the first half of its input.dat piece. */
	e->f->procs[0].hide_start = INPUT_201 + 32 * FK_PG;
	e->f->procs[0].hide_end = INPUT_201 + 64 * FK_PG;
	ck_assert_int_eq(nm_job_plan(e->root, &e->spec, &e->plan), 0);
	q = find_req(e->plan, 201, INPUT_201);
	ck_assert_uint_eq(q->alternates, 2); /* 202's and 203's first mapping */
	ck_assert_int_eq(nm_job_execute(&e->sys, e->plan, 0), 0);
	t = nm_job_totals(e->plan);
	ck_assert_uint_eq(q->alt_walks, 1);
	ck_assert_uint_eq(t->alt_walks, 1);
	ck_assert_uint_eq(t->alt_pages, 32);
	ck_assert_uint_eq(q->done.pages, 64);
	ck_assert_uint_eq(q->done.absent, 0);
	ck_assert_uint_eq(q->done.moved, 64);
	/* Through 202, at its addresses: offsets [32,64) are its first half. */
	ck_assert_uint_eq(fk_count(e->f, 202, INPUT_202, INPUT_202 + 32 * FK_PG, 1), 32);
	for (unsigned i = 0; i < FK_SLOTS; i++)
		if (e->f->pages[i].key >> 63)
			ck_assert_uint_le(e->f->pages[i].requested, 1);
	ck_assert_uint_eq(t->done.failed, 0);
	env_free(e);
}
END_TEST

START_TEST(test_bad_specs)
{
	static const int to1[] = { 1 }, to3[] = { 3 }, to7[] = { 7 }, from2[] = { 0, 0 },
			 to2[] = { 1, 2 };
	struct env *e = env_new(to1, 1);
	struct nm_job_spec s = e->spec;

	s.n_to = 0;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -EINVAL);
	s = e->spec;
	s.from = from2;
	s.n_from = 2;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -EINVAL); /* lengths */
	s.to = to2;
	s.n_to = 2;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -EINVAL); /* 0 twice */
	s = e->spec;
	s.to = to3;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -ENODEV); /* no memory */
	s.to = to7;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -ENODEV); /* no node */
	s = e->spec;
	s.cgroup = "/job.slice";
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -EINVAL); /* both */
	s.n_pids = 0;
	s.pids = NULL;
	s.cgroup = NULL;
	ck_assert_int_eq(nm_job_plan(e->root, &s, &e->plan), -EINVAL); /* neither */
	ck_assert_ptr_null(e->plan);
	env_free(e);
}
END_TEST

/* A job given as a cgroup: its processes and its descendants', read
 * through their pidfds. A pid cgroup.procs listed that is now a process
 * elsewhere (reused) is not one of the job's; paths that could name
 * another cgroup are refused. */
START_TEST(test_cgroup_job)
{
	static const int to1[] = { 1 };
	char *tree = make_tree(), cmd[PATH_MAX * 2 + 32];
	struct nm_job_spec s = { .to = to1, .n_to = 1, .cgroup = "/job.slice/" };
	struct nm_job_plan *plan;
	struct nm_root *root;

	snprintf(cmd, sizeof(cmd), "cp -r '%s/job/.' '%s/'", NM_TEST_DATA, tree);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(nm_root_open(tree, &root), 0);
	ck_assert_int_eq(nm_job_plan(root, &s, &plan), 0);
	ck_assert_uint_eq(nm_job_nprocs(plan), 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_ne(nm_job_proc(plan, i)->state, NM_JOB_GONE);
		ck_assert_str_eq(nm_job_proc(plan, i)->comm, "solver");
	}
	nm_job_plan_free(plan);
	put(tree, "proc/203/cgroup", "0::/other.slice\n"); /* 203 is another process now */
	ck_assert_int_eq(nm_job_plan(root, &s, &plan), 0);
	for (size_t i = 0; i < nm_job_nprocs(plan); i++)
		ck_assert_int_eq(nm_job_proc(plan, i)->state,
				 nm_job_proc(plan, i)->pid == 203 ? NM_JOB_GONE : NM_JOB_PLANNED);
	nm_job_plan_free(plan);
	/* A process that is there but cannot be read (EACCES on pid 1
	 * under a hardened unit; here its maps are missing) failed: it is
	 * not gone, and a job of it alone says why. */
	snprintf(cmd, sizeof(cmd), "%s/proc/202/maps", tree);
	ck_assert_int_eq(unlink(cmd), 0);
	s.cgroup = NULL;
	s.pids = (const pid_t[]){ 202 };
	s.n_pids = 1;
	ck_assert_int_eq(nm_job_plan(root, &s, &plan), -ENOENT);
	s.pids = (const pid_t[]){ 202, 201 };
	s.n_pids = 2;
	ck_assert_int_eq(nm_job_plan(root, &s, &plan), 0);
	ck_assert_int_eq(nm_job_proc(plan, 0)->state, NM_JOB_FAILED);
	ck_assert_int_eq(nm_job_proc(plan, 0)->err, ENOENT);
	nm_job_plan_free(plan);
	s.pids = NULL;
	s.n_pids = 0;
	s.cgroup = "/job.slice/../other.slice";
	ck_assert_int_eq(nm_job_plan(root, &s, &plan), -EINVAL);
	s.cgroup = "/job.slice//rank2";
	ck_assert_int_eq(nm_job_plan(root, &s, &plan), -EINVAL);
	nm_root_free(root);
	remove_tree(tree);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(nm_job_skip_name(NM_JOB_SKIP_EXCLUDED), "excluded_file");
	ck_assert_str_eq(nm_job_skip_name(NM_JOB_SKIP_DEDUP), "requested_elsewhere");
	ck_assert_str_eq(nm_job_state_name(NM_JOB_GONE), "gone");
	ck_assert_str_eq(nm_job_state_name((enum nm_job_state)99), "unknown");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("job");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_dedupe_request_count);
	tcase_add_test(tc, test_overlap_union);
	tcase_add_test(tc, test_plan_numbers);
	tcase_add_test(tc, test_relative_from_to);
	tcase_add_test(tc, test_chain_and_cycle);
	tcase_add_test(tc, test_to_only_spread);
	tcase_add_test(tc, test_exclusion_lists);
	tcase_add_test(tc, test_file_pages_through_alternates);
	tcase_add_test(tc, test_bad_specs);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_cgroup_job);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"

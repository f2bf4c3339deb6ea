/* Tests of lib/numamaps*.c: the numa_maps line parser and the budgeted
 * streaming reader, on hostile and real text, and on the live kernel. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "fixture.h"
#include "numamig/numamaps.h"

/* A copy of one VMA that outlives the callback. */
struct vma_copy {
	struct nm_vma v;
	char policy[64], policy_nodes[64], file[256];
	struct nm_node_pages nodes[8];
};

struct collected {
	struct vma_copy vma[32];
	int n;
	int stop_after; /* 0: never stop */
};

static int collect(const struct nm_vma *vma, void *arg);

/* Keep only VMAs with a non-default policy. */
static int collect_policies(const struct nm_vma *vma, void *arg)
{
	return vma->mode == NM_MPOL_DEFAULT ? 0 : collect(vma, arg);
}

static int collect(const struct nm_vma *vma, void *arg)
{
	struct collected *c = arg;
	struct vma_copy *d = &c->vma[c->n++];

	ck_assert_int_le(c->n, 32);
	ck_assert_int_le(vma->nr_nodes, 8);
	d->v = *vma;
	snprintf(d->policy, sizeof(d->policy), "%s", vma->policy);
	snprintf(d->policy_nodes, sizeof(d->policy_nodes), "%s", vma->policy_nodes);
	if (vma->file)
		memcpy(d->file, vma->file, vma->file_len + 1);
	memcpy(d->nodes, vma->nodes, sizeof(*vma->nodes) * (size_t)vma->nr_nodes);
	return c->stop_after && c->n == c->stop_after;
}

/* Parse one line given as a C string. */
static int parse(const char *text, struct nm_vma *vma, struct nm_node_pages *nodes)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s", text);
	return nm_numamaps_parse_line(buf, strlen(buf), vma, nodes);
}

static void assert_nodes(const struct vma_copy *d, int n, const int *node, const unsigned long *pages)
{
	ck_assert_int_eq(d->v.nr_nodes, n);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(d->nodes[i].node, node[i]);
		ck_assert_uint_eq(d->nodes[i].pages, pages[i]);
	}
}

static void read_hostile(struct collected *c, struct nm_maps_result *res)
{
	struct nm_root *root = fixture_root("hostile");
	struct nm_proc *p;

	ck_assert_int_eq(nm_proc_open(root, 4242, &p), 0);
	ck_assert_int_eq(nm_maps_read(p, NULL, collect, c, res), 0);
	nm_proc_close(p);
	nm_root_free(root);
}

START_TEST(test_hostile_policies)
{
	struct collected c = { 0 };
	struct nm_maps_result res;

	read_hostile(&c, &res);
	ck_assert_int_eq(res.status, NM_MAPS_WHOLE);
	ck_assert_int_eq(c.n, 15);
	ck_assert_uint_eq(res.vmas, 15);
	ck_assert_int_eq(c.vma[0].v.mode, NM_MPOL_DEFAULT);
	ck_assert_str_eq(c.vma[0].policy_nodes, "");
	ck_assert_int_eq(c.vma[2].v.mode, NM_MPOL_BIND);
	ck_assert_str_eq(c.vma[2].policy, "bind:0-1");
	ck_assert_str_eq(c.vma[2].policy_nodes, "0-1");
	ck_assert_int_eq(c.vma[3].v.mode, NM_MPOL_INTERLEAVE);
	ck_assert_str_eq(c.vma[3].policy_nodes, "0,2");
	ck_assert_int_eq(c.vma[4].v.mode, NM_MPOL_PREFERRED_MANY);
	ck_assert_str_eq(c.vma[4].policy, "prefer (many):0-1");
	ck_assert_str_eq(c.vma[4].policy_nodes, "0-1");
	ck_assert_int_eq(c.vma[5].v.mode, NM_MPOL_PREFERRED);
	ck_assert_str_eq(c.vma[5].policy_nodes, "1");
	ck_assert_int_eq(c.vma[6].v.mode, NM_MPOL_BIND);
	ck_assert_str_eq(c.vma[6].policy, "bind=static:1");
	ck_assert_str_eq(c.vma[6].policy_nodes, "1");
	ck_assert_int_eq(c.vma[7].v.mode, NM_MPOL_WEIGHTED_INTERLEAVE);
	ck_assert_str_eq(c.vma[7].policy, "weighted interleave:0-1");
	ck_assert_int_eq(c.vma[8].v.mode, NM_MPOL_LOCAL);
}
END_TEST

START_TEST(test_hostile_kinds_and_files)
{
	struct collected c = { 0 };
	struct nm_maps_result res;

	read_hostile(&c, &res);
	ck_assert_int_eq(c.vma[0].v.kind, NM_VMA_FILE);
	ck_assert_str_eq(c.vma[0].file, "/usr/bin/wl");
	ck_assert_int_eq(c.vma[1].v.kind, NM_VMA_HEAP);
	ck_assert_ptr_null(c.vma[1].v.file);
	ck_assert_int_eq(c.vma[2].v.kind, NM_VMA_ANON);
	ck_assert_int_eq(c.vma[14].v.kind, NM_VMA_STACK);
	/* \040 space, \011 tab, \012 newline, \075 '=' */
	ck_assert_str_eq(c.vma[9].file, "/tmp/sp ace\ttab\nnl=eq");
	ck_assert_uint_eq(c.vma[9].v.file_len, strlen("/tmp/sp ace\ttab\nnl=eq"));
	ck_assert(!c.vma[9].v.deleted);
	ck_assert_str_eq(c.vma[10].file, "/tmp/gone");
	ck_assert(c.vma[10].v.deleted);
	ck_assert_str_eq(c.vma[11].file, "/anon_hugepage");
	ck_assert(c.vma[11].v.deleted);
	ck_assert(c.vma[11].v.huge);
	ck_assert(!c.vma[10].v.huge);
	ck_assert_str_eq(c.vma[12].file, "/dev/shm/a\\b");
	/* A mapped library without resident pages has no counts at all. */
	ck_assert_str_eq(c.vma[13].file, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ck_assert_uint_eq(c.vma[13].v.pages, 0);
	ck_assert_uint_eq(c.vma[13].v.kernelpagesize_kb, 0);
	ck_assert_int_eq(c.vma[13].v.nr_nodes, 0);
}
END_TEST

START_TEST(test_hostile_counts)
{
	struct collected c = { 0 };
	struct nm_maps_result res;
	static const int n01[] = { 0, 1 }, n02[] = { 0, 2 }, n16[] = { 16 };
	static const unsigned long p_heap[] = { 20, 13 }, p_bind[] = { 256, 256 };
	static const unsigned long p_il[] = { 3, 3 }, p16[] = { 2 };

	read_hostile(&c, &res);
	ck_assert_uint_eq(c.vma[0].v.start, 0x55d0c0a00000UL);
	ck_assert_uint_eq(c.vma[14].v.start, 0x7ffd00000000UL);
	assert_nodes(&c.vma[1], 2, n01, p_heap);
	ck_assert_uint_eq(c.vma[1].v.anon, 33);
	ck_assert_uint_eq(c.vma[1].v.dirty, 33);
	ck_assert_uint_eq(c.vma[1].v.pages, 33);
	ck_assert_uint_eq(c.vma[1].v.mapped, 33); /* omitted: equals the total */
	ck_assert_uint_eq(c.vma[1].v.active, 33); /* omitted: equals the total */
	assert_nodes(&c.vma[2], 2, n01, p_bind);
	ck_assert_uint_eq(c.vma[2].v.active, 100);
	assert_nodes(&c.vma[3], 2, n02, p_il);
	ck_assert_uint_eq(c.vma[9].v.mapped, 5);
	ck_assert_uint_eq(c.vma[9].v.dirty, 2);
	ck_assert_uint_eq(c.vma[9].v.mapmax, 3);
	ck_assert_uint_eq(c.vma[9].v.anon, 0);
	ck_assert_uint_eq(c.vma[10].v.swapcache, 1);
	ck_assert_uint_eq(c.vma[10].v.writeback, 1);
	ck_assert_uint_eq(c.vma[10].v.mapmax, 2);
	ck_assert_uint_eq(c.vma[11].v.kernelpagesize_kb, 2048);
	ck_assert_uint_eq(c.vma[11].v.active, 0); /* never printed for hugetlb */
	assert_nodes(&c.vma[12], 1, n16, p16);    /* unknown keys skipped */
	ck_assert_uint_eq(c.vma[12].v.kernelpagesize_kb, 4);
}
END_TEST

static int add_totals(const struct nm_vma *vma, void *arg)
{
	ck_assert_int_eq(nm_maps_totals_add(arg, vma), 0);
	return 0;
}

START_TEST(test_hostile_totals)
{
	struct nm_root *root = fixture_root("hostile");
	struct nm_maps_totals t = { 0 };
	struct nm_maps_result res;
	struct nm_proc *p;

	ck_assert_int_eq(nm_proc_open(root, 4242, &p), 0);
	ck_assert_int_eq(nm_maps_read(p, NULL, add_totals, &t, &res), 0);
	ck_assert_int_eq(t.nr_nodes, 17);
	/* N0: 3+20+256+3+1+1+5+3 small pages, plus one 2 MiB page. */
	ck_assert_uint_eq(t.kb[0], (3 + 20 + 256 + 3 + 1 + 1 + 5 + 3) * 4 + 2048);
	ck_assert_uint_eq(t.anon_kb[0], (20 + 256 + 3 + 1 + 1 + 3) * 4);
	ck_assert_uint_eq(t.kb[1], (13 + 256 + 4 + 1 + 2 + 1 + 1) * 4 + 2048);
	ck_assert_uint_eq(t.kb[2], 3 * 4);
	ck_assert_uint_eq(t.kb[5], 0);
	ck_assert_uint_eq(t.kb[16], 2 * 4);
	ck_assert_uint_eq(t.total_kb, t.kb[0] + t.kb[1] + t.kb[2] + t.kb[16]);
	nm_maps_totals_clear(&t);
	nm_proc_close(p);
	nm_root_free(root);
}
END_TEST

START_TEST(test_line_rejects)
{
	static const char *bad[] = {
		"",
		"zz default",
		"1000",
		"1000 ",
		"1000 default anon=1 N0=1",              /* counts but no page size: cut */
		"1000 default anon=x N0=1 kernelpagesize_kB=4",
		"1000 default N0= kernelpagesize_kB=4",
		"1000 default N1=1 N0=1 kernelpagesize_kB=4", /* nodes out of order */
		"1000 default N0=1 N0=1 kernelpagesize_kB=4",
		"1000 default N1024=1 kernelpagesize_kB=4",
		"1000 default kernelpagesize_kB=4",       /* a size but no pages */
		"1000 default N0=-1 kernelpagesize_kB=4",
	};
	struct nm_node_pages nodes[NM_MAPS_MAX_NODES];
	struct nm_vma vma;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &vma, nodes) == -EINVAL, "accepted: '%s'", bad[i]);
}
END_TEST

START_TEST(test_line_odd_but_valid)
{
	struct nm_node_pages nodes[NM_MAPS_MAX_NODES];
	struct nm_vma vma;

	/* Unknown policy mode: kept verbatim. */
	ck_assert_int_eq(parse("1000 tiered:0-3 anon=1 N0=1 kernelpagesize_kB=4", &vma, nodes), 0);
	ck_assert_int_eq(vma.mode, NM_MPOL_UNKNOWN);
	ck_assert_str_eq(vma.policy, "tiered:0-3");
	ck_assert_str_eq(vma.policy_nodes, "0-3");
	/* A backslash the kernel did not escape survives. */
	ck_assert_int_eq(parse("1000 default file=/x\\y\\12z", &vma, nodes), 0);
	ck_assert_str_eq(vma.file, "/x\\y\\12z");
	/* Pre-4.5 "stack:TID". */
	ck_assert_int_eq(parse("1000 default stack:123 anon=1 N0=1 kernelpagesize_kB=4", &vma, nodes), 0);
	ck_assert_int_eq(vma.kind, NM_VMA_STACK);
	/* "prefer" must not swallow "prefer (many)" nor the reverse. */
	ck_assert_int_eq(parse("1000 prefer=relative:1 N1=1 kernelpagesize_kB=4", &vma, nodes), 0);
	ck_assert_int_eq(vma.mode, NM_MPOL_PREFERRED);
	ck_assert_str_eq(vma.policy_nodes, "1");
	ck_assert_int_eq(parse("1000 interleave=static|balancing:0-1 N1=1 kernelpagesize_kB=4", &vma, nodes), 0);
	ck_assert_int_eq(vma.mode, NM_MPOL_INTERLEAVE);
	ck_assert_str_eq(vma.policy_nodes, "0-1");
}
END_TEST

START_TEST(test_policy_nodeset)
{
	struct nm_node_pages nodes[NM_MAPS_MAX_NODES];
	struct nm_vma vma;
	struct bitmask *set;

	ck_assert_int_eq(parse("1000 interleave:0,2 N0=1 kernelpagesize_kB=4", &vma, nodes), 0);
	set = nm_vma_policy_nodeset(&vma);
	ck_assert_ptr_nonnull(set);
	ck_assert_int_eq(numa_bitmask_weight(set), 2);
	ck_assert(numa_bitmask_isbitset(set, 2));
	numa_bitmask_free(set);
	ck_assert_int_eq(parse("1000 default N0=1 kernelpagesize_kB=4", &vma, nodes), 0);
	ck_assert_ptr_null(nm_vma_policy_nodeset(&vma));
}
END_TEST

static int read_fixture(const char *name, const struct nm_maps_budget *b, struct collected *c,
			struct nm_maps_result *res)
{
	char path[PATH_MAX];
	int fd, r;

	snprintf(path, sizeof(path), "%s/numa_maps/%s", NM_TEST_DATA, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	r = nm_maps_read_fd(fd, b, collect, c, res);
	close(fd);
	return r;
}

START_TEST(test_reader_empty)
{
	struct collected c = { 0 };
	struct nm_maps_result res;

	ck_assert_int_eq(read_fixture("empty", NULL, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_WHOLE);
	ck_assert_uint_eq(res.vmas, 0);
	ck_assert_uint_eq(res.bytes, 0);
}
END_TEST

START_TEST(test_reader_truncated)
{
	struct collected c = { 0 };
	struct nm_maps_result res;

	ck_assert_int_eq(read_fixture("truncated-eof", NULL, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_BAD_LINE);
	ck_assert_uint_eq(res.vmas, 1);
	ck_assert_uint_eq(res.bad_lines, 1);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(read_fixture("truncated-lines", NULL, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_BAD_LINE);
	ck_assert_uint_eq(res.vmas, 2);
	ck_assert_uint_eq(res.bad_lines, 2);
	ck_assert_uint_eq(c.vma[1].v.start, 0x4000);
}
END_TEST

START_TEST(test_reader_long_line)
{
	struct collected c = { 0 };
	struct nm_maps_result res;

	ck_assert_int_eq(read_fixture("long-line", NULL, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_BAD_LINE);
	ck_assert_uint_eq(res.long_lines, 1);
	ck_assert_uint_eq(res.vmas, 2);
	ck_assert_uint_eq(c.vma[0].v.start, 0x1000);
	ck_assert_uint_eq(c.vma[1].v.start, 0x3000);
	ck_assert_uint_eq(c.vma[1].nodes[0].pages, 2);
}
END_TEST

START_TEST(test_reader_torn)
{
	struct collected c = { 0 };
	struct nm_maps_result res;

	ck_assert_int_eq(read_fixture("torn", NULL, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_TORN);
	ck_assert_uint_eq(res.vmas, 2);
}
END_TEST

START_TEST(test_reader_budget_and_stop)
{
	struct collected c = { 0 };
	struct nm_maps_result res;
	struct nm_maps_budget b = { .max_bytes = 1 };

	/* The first chunk is already over a 1-byte budget. A file read in one
	 * chunk is whole regardless, so use the long file (two chunks). */
	ck_assert_int_eq(read_fixture("long-line", &b, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_BUDGET);
	ck_assert_uint_eq(res.vmas, 1);
	ck_assert_uint_eq(res.next_start, 0x1001);
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	ck_assert_int_eq(read_fixture("torn", NULL, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_STOPPED);
	ck_assert_int_eq(c.n, 1);
}
END_TEST

static void on_alarm(int sig)
{
	(void)sig;
}

/* read() interrupted by a signal (no SA_RESTART) must be retried. */
START_TEST(test_reader_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	static const char line[] = "1000 default anon=1 dirty=1 N0=1 kernelpagesize_kB=4\n";
	struct collected c = { 0 };
	struct nm_maps_result res;
	int fds[2];
	pid_t writer;

	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	ck_assert_int_eq(pipe(fds), 0);
	writer = fork();
	if (writer == 0) {
		close(fds[0]);
		usleep(300 * 1000); /* the reader is blocked in read() by now */
		ck_assert_int_eq(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
		_exit(0);
	}
	close(fds[1]);
	ualarm(100 * 1000, 0);
	ck_assert_int_eq(nm_maps_read_fd(fds[0], NULL, collect, &c, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_WHOLE);
	ck_assert_uint_eq(res.vmas, 1);
	close(fds[0]);
	waitpid(writer, NULL, 0);
}
END_TEST

START_TEST(test_live_self_and_dead)
{
	struct nm_root *root;
	struct nm_proc *p;
	struct nm_maps_totals t = { 0 };
	struct nm_maps_result res;
	pid_t child;

	ck_assert_int_eq(nm_root_open("/", &root), 0);
	ck_assert_int_eq(nm_proc_open(root, getpid(), &p), 0);
	ck_assert_int_eq(nm_maps_read(p, NULL, add_totals, &t, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_WHOLE);
	ck_assert_uint_gt(res.vmas, 5);
	ck_assert_uint_gt(t.total_kb, 0);
	nm_maps_totals_clear(&t);
	nm_proc_close(p);
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_eq(nm_proc_open(root, child, &p), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ck_assert_int_eq(nm_maps_read(p, NULL, add_totals, &t, &res), -ESRCH);
	nm_maps_totals_clear(&t);
	nm_proc_close(p);
	nm_root_free(root);
}
END_TEST

/* Per-node totals of a real guest's numa_maps, checked against sums taken
 * independently with awk over the same file (KiB; file-less VMAs for anon). */
static void guest_totals(const char *tree, pid_t pid, int nr_nodes, const unsigned long long *kb,
			 const unsigned long long *anon_kb, unsigned long vmas)
{
	struct nm_root *root = fixture_root(tree);
	struct nm_maps_totals t = { 0 };
	struct nm_maps_result res;
	struct nm_proc *p;

	ck_assert_int_eq(nm_proc_open(root, pid, &p), 0);
	ck_assert_int_eq(nm_maps_read(p, NULL, add_totals, &t, &res), 0);
	ck_assert_int_eq(res.status, NM_MAPS_WHOLE);
	ck_assert_uint_eq(res.vmas, vmas);
	ck_assert_uint_eq(res.bad_lines, 0);
	ck_assert_int_eq(t.nr_nodes, nr_nodes);
	for (int n = 0; n < nr_nodes; n++) {
		ck_assert_uint_eq(t.kb[n], kb[n]);
		ck_assert_uint_eq(t.anon_kb[n], anon_kb[n]);
	}
	nm_maps_totals_clear(&t);
	nm_proc_close(p);
	nm_root_free(root);
}

START_TEST(test_guest_totals)
{
	static const unsigned long long kb2[] = { 2112, 10440 }, anon2[] = { 588, 5968 };
	static const unsigned long long kb4[] = { 716, 13700, 280, 256 };
	static const unsigned long long anon4[] = { 716, 7636, 276, 256 };
	static const unsigned long long kbc[] = { 512, 13692, 428 }, anonc[] = { 508, 7660, 428 };

	guest_totals("2n", 108, 2, kb2, anon2, 53);
	guest_totals("4n", 132, 4, kb4, anon4, 61);
	guest_totals("cxl", 111, 3, kbc, anonc, 53);
}
END_TEST

static int find_start(const struct collected *c, unsigned long start)
{
	for (int i = 0; i < c->n; i++)
		if (c->vma[i].v.start == start)
			return i;
	ck_abort_msg("no VMA at %#lx", start);
	return -1;
}

START_TEST(test_guest_4n_policies)
{
	struct nm_root *root = fixture_root("4n");
	struct collected *c = calloc(1, sizeof(*c));
	struct nm_maps_result res;
	struct nm_proc *p;
	const struct vma_copy *v;

	ck_assert_int_eq(nm_proc_open(root, 132, &p), 0);
	/* 61 VMAs: collect the ones we assert on by address. */
	ck_assert_int_eq(nm_maps_read(p, NULL, collect_policies, c, &res), 0);
	v = &c->vma[find_start(c, 0x7efcfa517000UL)];
	ck_assert_int_eq(v->v.mode, NM_MPOL_INTERLEAVE);
	ck_assert_str_eq(v->policy, "interleave=static:0-3");
	ck_assert_int_eq(v->v.nr_nodes, 4);
	ck_assert_uint_eq(v->v.pages, 64);
	v = &c->vma[find_start(c, 0x7efcfa597000UL)];
	ck_assert_int_eq(v->v.mode, NM_MPOL_PREFERRED_MANY);
	ck_assert_str_eq(v->policy_nodes, "0,3");
	ck_assert_int_eq(v->nodes[0].node, 0);
	ck_assert_uint_eq(v->nodes[0].pages, 64);
	ck_assert_uint_eq(v->v.active, 0);
	v = &c->vma[find_start(c, 0x7efcfa657000UL)];
	ck_assert_int_eq(v->v.mode, NM_MPOL_BIND);
	ck_assert_str_eq(v->policy_nodes, "0-1");
	v = &c->vma[find_start(c, 0x7efcfa557000UL)];
	ck_assert_int_eq(v->v.mode, NM_MPOL_LOCAL);
	free(c);
	nm_proc_close(p);
	nm_root_free(root);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("numamaps");
	TCase *line = tcase_create("line"), *reader = tcase_create("reader");

	tcase_add_test(line, test_hostile_policies);
	tcase_add_test(line, test_hostile_kinds_and_files);
	tcase_add_test(line, test_hostile_counts);
	tcase_add_test(line, test_hostile_totals);
	tcase_add_test(line, test_line_rejects);
	tcase_add_test(line, test_line_odd_but_valid);
	tcase_add_test(line, test_policy_nodeset);
	tcase_add_test(reader, test_reader_empty);
	tcase_add_test(reader, test_reader_truncated);
	tcase_add_test(reader, test_reader_long_line);
	tcase_add_test(reader, test_reader_torn);
	tcase_add_test(reader, test_reader_budget_and_stop);
	tcase_add_test(reader, test_reader_eintr);
	tcase_add_test(reader, test_live_self_and_dead);
	suite_add_tcase(s, line);
	suite_add_tcase(s, reader);
	line = tcase_create("guests");
	tcase_add_test(line, test_guest_totals);
	tcase_add_test(line, test_guest_4n_policies);
	suite_add_tcase(s, line);
	return s;
}

#include "check-main.h"

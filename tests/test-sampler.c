/* Tests of the residency sampler (lib/sampler*.c; the ring parser is in
 * test-sampler-ring.c): the aggregation on replayed samples over the
 * 2-node guest's topology, the proc source on the 2n fixture and on
 * throwaway trees written tick by tick, and the perf source on the live
 * host (one node, two CPUs). */
#include "config.h"

#include <check.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <perfmon/perf_event.h>
#include <valgrind/valgrind.h>

#include "fixture.h"
#include "numamig/proc.h"
#include "numamig/sampler.h"
#include "numamig/topology.h"
#include "numamig/procfs.h"

#define MS 1000000ull

static struct nm_proc *proc_of(const struct nm_root *root, pid_t pid)
{
	struct nm_proc *p = NULL;
	int r = nm_proc_open(root, pid, &p);

	ck_assert_msg(r == 0, "open pid %d: %s", (int)pid, strerror(-r));
	return p;
}

/* R's time on nodes 0 and 1 of a 2-node topology. */
static void assert_ns(const struct nm_residency *r, uint64_t node0, uint64_t node1)
{
	ck_assert_int_eq(r->nr_nodes, 2);
	ck_assert_uint_eq(r->node_ns[0], node0);
	ck_assert_uint_eq(r->node_ns[1], node1);
	ck_assert_uint_eq(r->total_ns, node0 + node1);
}

/* R's thread I is TID, ran most on NODE this tick and last on LAST. */
static void assert_thread(const struct nm_residency *r, size_t i, pid_t tid, int node, int last)
{
	ck_assert_uint_lt(i, r->nr_threads);
	ck_assert_int_eq(r->threads[i].tid, tid);
	ck_assert_int_eq(r->threads[i].node, node);
	ck_assert_int_eq(r->threads[i].last_node, last);
}

/* ---- replayed samples on the 2-node guest's topology ------------------- */

/* A sampler of source SRC over the tree at PATH ("/" for the live system)
 * and its own topology, with process PID (0: none) open. */
struct env {
	struct nm_root *root;
	struct nm_topology *topo;
	struct nm_sampler *s;
	struct nm_proc *p;
	struct nm_residency r;
};

static void env_open(struct env *x, const char *path, enum nm_sampler_source src, pid_t pid)
{
	memset(x, 0, sizeof(*x));
	ck_assert_int_eq(nm_root_open(path, &x->root), 0);
	ck_assert_int_eq(nm_topo_load(x->root, &x->topo), 0);
	ck_assert_int_eq(nm_sampler_open(x->root, x->topo, src, 100, &x->s), 0);
	if (pid)
		x->p = proc_of(x->root, pid);
}

static void env_close(struct env *x)
{
	nm_sampler_residency_free(&x->r);
	nm_proc_close(x->p);
	nm_sampler_close(x->s);
	nm_topo_free(x->topo);
	nm_root_free(x->root);
}

#define FIXTURE_2N NM_TEST_DATA "/2n"

static void replay_open(struct env *x)
{
	env_open(x, FIXTURE_2N, NM_SAMPLER_REPLAY, 108);
	ck_assert_str_eq(nm_sampler_source_name(x->s), "replay");
}

START_TEST(test_replay_moves)
{
	/* Out of time order, as two rings read one after the other are. */
	struct nm_sample v[] = {
		{ 108, 112, 1, 20 * MS, 0 }, { 108, 111, 1, 30 * MS, 0 }, { 108, 108, 1, 60 * MS, 0 },
		{ 108, 111, 0, 10 * MS, 0 }, { 108, 112, 1, 40 * MS, 0 }, { 108, 111, 0, 50 * MS, 0 },
	}, later = { 108, 111, 1, 70 * MS, 0 };
	struct env x;

	replay_open(&x);
	ck_assert_int_eq(nm_sampler_feed(x.s, v, 6), 0);
	ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
	assert_ns(&x.r, 20 * MS, 40 * MS);
	ck_assert_uint_eq(x.r.samples, 6);
	/* 111 went 0 -> 1 -> 0: two moves, both across nodes. */
	ck_assert_uint_eq(x.r.node_changes, 2);
	ck_assert_uint_eq(x.r.cpu_changes, 2);
	ck_assert_int_eq(x.r.last_node, 1); /* the latest sample, 108 on CPU 1 */
	/* Since 111's sample at 50 ms on node 0, every sample is on node 1:
	 * one, the one at 60 ms, standing for 10 ms. */
	ck_assert_int_eq(x.r.tail_node, 1);
	ck_assert_uint_eq(x.r.tail_ns, 10 * MS);
	ck_assert_uint_eq(x.r.nr_threads, 3);
	assert_thread(&x.r, 0, 108, 1, 1);
	assert_thread(&x.r, 1, 111, 0, 0); /* 2 samples on node 0, 1 on node 1 */
	ck_assert_uint_eq(x.r.threads[1].ns, 30 * MS);
	assert_thread(&x.r, 2, 112, 1, 1);

	/* A move across the tick boundary still counts; the rest restarts. */
	nm_sampler_end_tick(x.s);
	ck_assert_int_eq(nm_sampler_feed(x.s, &later, 1), 0);
	ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
	assert_ns(&x.r, 0, 10 * MS);
	ck_assert_uint_eq(x.r.tail_ns, 20 * MS); /* the tail goes on across ticks */
	ck_assert_uint_eq(x.r.node_changes, 1);
	ck_assert_uint_eq(x.r.samples, 1);
	assert_thread(&x.r, 0, 108, -1, 1); /* did not run this tick */
	env_close(&x);
}
END_TEST

START_TEST(test_replay_forgets)
{
	struct nm_sample stranger = { 999, 999, 0, 1 * MS, 0 }, main = { 108, 108, 0, 2 * MS, 0 };
	struct nm_sampler_stats st;
	struct env x;

	replay_open(&x);
	ck_assert_int_eq(nm_sampler_feed(x.s, &stranger, 1), 0);
	ck_assert_int_eq(nm_sampler_feed(x.s, &main, 1), 0);
	nm_sampler_get_stats(x.s, &st);
	ck_assert_uint_eq(st.pids, 2);
	ck_assert_uint_eq(st.threads, 2);
	/* 108 is queried every tick, 999 never (it came in with tick 1): it
	 * is forgotten after FORGET_TICKS more, and so is 108's thread. */
	for (int tick = 0; tick <= NM_SAMPLER_FORGET_TICKS; tick++) {
		ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
		ck_assert_int_eq(x.r.last_node, 0);
		nm_sampler_end_tick(x.s);
	}
	nm_sampler_get_stats(x.s, &st);
	ck_assert_uint_eq(st.pids, 1);
	ck_assert_uint_eq(st.threads, 0);
	ck_assert_uint_eq(st.ticks, NM_SAMPLER_FORGET_TICKS + 1);
	/* The process keeps the node it ran on last. */
	ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
	ck_assert_int_eq(x.r.last_node, 0);
	ck_assert_uint_eq(x.r.nr_threads, 0);
	env_close(&x);
}
END_TEST

START_TEST(test_replay_bounded)
{
	size_t n = NM_SAMPLER_MAX_PIDS + 10;
	struct nm_sample *v = calloc(n, sizeof(*v));
	struct nm_sampler_stats st;
	struct env x;

	replay_open(&x);
	for (size_t i = 0; i < n; i++)
		v[i] = (struct nm_sample){ (pid_t)(10000 + i), (pid_t)(10000 + i), 1, i, 0 };
	ck_assert_int_eq(nm_sampler_feed(x.s, v, n), 0);
	/* A CPU in no node (hot-added since the topology was read). */
	v[0] = (struct nm_sample){ 108, 108, 7, n, 0 };
	ck_assert_int_eq(nm_sampler_feed(x.s, v, 1), 0);
	nm_sampler_get_stats(x.s, &st);
	ck_assert_uint_eq(st.pids, NM_SAMPLER_MAX_PIDS);
	ck_assert_uint_eq(st.dropped, 11);
	for (int tick = 0; tick <= NM_SAMPLER_FORGET_TICKS; tick++)
		nm_sampler_end_tick(x.s);
	nm_sampler_get_stats(x.s, &st);
	ck_assert_uint_eq(st.pids, 0);
	ck_assert_uint_eq(st.threads, 0);
	free(v);
	env_close(&x);
}
END_TEST

START_TEST(test_open_errors)
{
	struct nm_sampler *s = NULL;
	struct env x;

	env_open(&x, FIXTURE_2N, NM_SAMPLER_PROC, 0);
	ck_assert_int_eq(nm_sampler_feed(x.s, &(struct nm_sample){ 1, 1, 0, 0, 0 }, 1), -EINVAL);
	ck_assert_int_eq(nm_sampler_open(x.root, x.topo, NM_SAMPLER_AUTO,
					 NM_SAMPLER_MAX_FREQ + 1, &s), -EINVAL);
	/* A fixture has no perf; asking for it is an error, not a fallback. */
	ck_assert_int_eq(nm_sampler_open(x.root, x.topo, NM_SAMPLER_PERF, 0, &s), -EOPNOTSUPP);
	ck_assert_ptr_null(s);
	env_close(&x);
}
END_TEST

/* ---- proc source ------------------------------------------------------- */

START_TEST(test_proc_fixture_2n)
{
	const char *detail;
	struct env x;

	env_open(&x, FIXTURE_2N, NM_SAMPLER_AUTO, 108);
	ck_assert_str_eq(nm_sampler_source_name(x.s), "proc");
	ck_assert_ptr_nonnull(strstr(nm_sampler_reason(x.s), "not the live system"));
	ck_assert(!nm_sampler_hw_pmu(x.s, &detail));
	ck_assert_str_eq(detail, "not the live system");
	/* Static files: the first tick is the baseline, the second a zero
	 * delta; where each thread last ran is known from the start. */
	for (int tick = 0; tick < 2; tick++) {
		ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
		ck_assert_int_eq(x.r.pid, 108);
		assert_ns(&x.r, 0, 0);
		ck_assert_uint_eq(x.r.samples, 3);
		ck_assert_uint_eq(x.r.nr_threads, 3);
		assert_thread(&x.r, 0, 108, -1, 1);
		assert_thread(&x.r, 1, 111, -1, 0);
		assert_thread(&x.r, 2, 112, -1, 1);
		ck_assert_int_eq(x.r.last_node, 1); /* nothing ran: the main thread's */
		ck_assert_uint_eq(x.r.node_changes + x.r.cpu_changes, 0);
		nm_sampler_end_tick(x.s);
	}
	env_close(&x);
}
END_TEST

/* Write task/TID/stat of process PID (and the process's own stat). */
static void put_stat(const char *tree, pid_t pid, pid_t tid, unsigned long long utime,
		     unsigned long long stime, unsigned long long start, int cpu)
{
	char rel[64], text[512];

	snprintf(text, sizeof(text),
		 "%d (w) S 1 0 0 0 -1 4194304 0 0 0 0 %llu %llu 0 0 20 0 2 0 %llu 1000 10 "
		 "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 %d 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		 (int)tid, utime, stime, start, cpu);
	snprintf(rel, sizeof(rel), "proc/%d/task/%d/stat", (int)pid, (int)tid);
	put(tree, rel, text);
	if (pid == tid) {
		snprintf(rel, sizeof(rel), "proc/%d/stat", (int)pid);
		put(tree, rel, text);
	}
}

static void rm_rf(const char *tree, const char *rel)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", tree, rel);
	ck_assert_int_eq(system(cmd), 0);
}

/* Threads on the 2n guest's CPUs (CPU 0 on node 0, CPU 1 on node 1),
 * written tick by tick. */
START_TEST(test_proc_ticks)
{
	const uint64_t T = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	char *tree = make_tree(), cmd[PATH_MAX * 2];
	struct nm_residency *r;
	struct nm_sampler *s;
	struct env x;

	/* The 2n guest's topology: CPU 0 on node 0, CPU 1 on node 1. */
	snprintf(cmd, sizeof(cmd), "cp -R '%s/sys' '%s/' && mkdir '%s/proc' && cp '%s/proc/zoneinfo' '%s/proc/'",
		 FIXTURE_2N, tree, tree, FIXTURE_2N, tree);
	ck_assert_int_eq(system(cmd), 0);
	put_stat(tree, 500, 500, 10, 5, 100, 0);
	put_stat(tree, 500, 501, 100, 0, 100, 1);
	env_open(&x, tree, NM_SAMPLER_PROC, 500);
	s = x.s;
	r = &x.r;
	/* Tick 1: a baseline, not the threads' whole lives. */
	ck_assert_int_eq(nm_sampler_residency(s, x.p, r), 0);
	ck_assert_uint_eq(r->total_ns, 0);
	ck_assert_uint_eq(r->nr_threads, 2);
	ck_assert_int_eq(r->last_node, 0);
	nm_sampler_end_tick(s);

	/* Tick 2: 500 ran 20 ticks and moved to CPU 1; 501 ran 50 there;
	 * 502 was born and ran 4 ticks on CPU 0, all of them new. */
	put_stat(tree, 500, 500, 30, 5, 100, 1);
	put_stat(tree, 500, 501, 150, 0, 100, 1);
	put_stat(tree, 500, 502, 3, 1, 200, 0);
	for (int again = 0; again < 2; again++) {
		/* Asked twice in a tick, the figures stay those of the tick. */
		ck_assert_int_eq(nm_sampler_residency(s, x.p, r), 0);
		assert_ns(r, 4 * T, 70 * T);
		ck_assert_uint_eq(r->node_changes, 1);
		ck_assert_uint_eq(r->cpu_changes, 1);
		ck_assert_int_eq(r->last_node, 1); /* 501 ran most */
		ck_assert_uint_eq(r->nr_threads, 3);
		assert_thread(r, 0, 500, 1, 1);
		ck_assert_uint_eq(r->threads[0].ns, 20 * T);
		assert_thread(r, 1, 501, 1, 1);
		assert_thread(r, 2, 502, 0, 0);
	}
	nm_sampler_end_tick(s);

	/* Tick 3: 501 exited; 502 is a new thread reusing the tid (another
	 * start time), so its 2 ticks are all new despite the smaller total. */
	rm_rf(tree, "proc/500/task/501");
	put_stat(tree, 500, 500, 30, 15, 100, 0);
	put_stat(tree, 500, 502, 2, 0, 300, 1);
	ck_assert_int_eq(nm_sampler_residency(s, x.p, r), 0);
	assert_ns(r, 10 * T, 2 * T);
	ck_assert_uint_eq(r->node_changes, 1);
	ck_assert_uint_eq(r->nr_threads, 2);
	assert_thread(r, 0, 500, 0, 0);
	assert_thread(r, 1, 502, 1, 1);
	ck_assert_uint_eq(r->threads[1].ns, 2 * T);
	ck_assert_int_eq(r->last_node, 0);
	nm_sampler_end_tick(s);

	/* Tick 4: the process is gone. */
	rm_rf(tree, "proc/500");
	ck_assert_int_eq(nm_sampler_residency(s, x.p, r), -ESRCH);

	env_close(&x);
	remove_tree(tree);
}
END_TEST

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void spin_cpu(uint64_t ns)
{
	uint64_t end = now_ns(CLOCK_THREAD_CPUTIME_ID) + ns;

	while (now_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		;
}

START_TEST(test_proc_forced_live)
{
	char line[256];
	struct env x;

	env_open(&x, "/", NM_SAMPLER_PROC, getpid());
	ck_assert_int_eq(nm_sampler_source(x.s), NM_SAMPLER_PROC);
	ck_assert_str_eq(nm_sampler_source_name(x.s), "proc");
	ck_assert_str_eq(nm_sampler_reason(x.s), "proc source requested");
	ck_assert_int_gt(nm_sampler_describe(x.s, line, sizeof(line)), 0);
	ck_assert_msg(strncmp(line, "proc (proc source requested), hw_pmu: ", 38) == 0, "%s", line);
	ck_assert_int_eq(nm_sampler_collect(x.s), 0);
	ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
	ck_assert_uint_ge(x.r.nr_threads, 1);
	ck_assert_int_ge(x.r.last_node, 0);
	nm_sampler_end_tick(x.s);
	spin_cpu(200 * MS);
	ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
	/* Clock ticks are 10 ms: allow for the one in progress at each end. */
	ck_assert_uint_ge(x.r.total_ns, 150 * MS);
	ck_assert_uint_eq(x.r.node_ns[x.r.last_node], x.r.total_ns); /* one node here */
	env_close(&x);
}
END_TEST

/* ---- perf source on the live host -------------------------------------- */

/* A child spinning on CPU. It may run elsewhere until the parent has
 * pinned it, before sampling starts. */
static pid_t spawn_spinner(int cpu)
{
	pid_t pid = fork();
	cpu_set_t set;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		for (volatile unsigned long n = 0;; n++)
			;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ck_assert_int_eq(sched_setaffinity(pid, sizeof(set), &set), 0);
	return pid;
}

/* perf could not be opened: fine only where the kernel has no perf at
 * all (or valgrind cannot drive it); anywhere else it is a bug. */
static void perf_missing(struct nm_sampler *s)
{
	const char *why = nm_sampler_reason(s);

	ck_assert_str_eq(nm_sampler_source_name(s), "proc");
	ck_assert_ptr_nonnull(why);
	if (access("/proc/sys/kernel/perf_event_paranoid", F_OK) != 0) {
		fprintf(stderr, "test_perf_live: no perf in this kernel, fell back: %s\n", why);
		return;
	}
	if (RUNNING_ON_VALGRIND) {
		fprintf(stderr, "test_perf_live: NOT RUN under valgrind, perf failed: %s\n", why);
		return;
	}
	ck_abort_msg("perf is built in but unusable (root on this host): %s", why);
}

/* CPU time the kernel accounted to P so far (schedstat: ns on CPU). */
static uint64_t cpu_time(const struct nm_proc *p)
{
	unsigned long long ns = 0;
	char *buf;

	ck_assert_int_eq(nm_proc_read(p, "schedstat", 256, &buf, NULL), 0);
	ck_assert_int_eq(sscanf(buf, "%llu", &ns), 1);
	free(buf);
	return ns;
}

/* This host runs other work (compilers, test guests), so the spinner's
 * share of CPU 1 varies: compare the sampled time with the time the
 * scheduler gave it, and sample until it has had 400 ms (or 5 s passed),
 * enough samples for a +-50 % bound to be meaningful. */
static void sample_spinner(struct nm_sampler *s, const struct nm_proc *p,
			   uint64_t *elapsed, uint64_t *ran)
{
	uint64_t t0, c0;

	ck_assert_int_eq(nm_sampler_collect(s), 0);
	nm_sampler_end_tick(s);
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = cpu_time(p);
	do
		usleep(100000);
	while (cpu_time(p) - c0 < 400 * MS && now_ns(CLOCK_MONOTONIC) - t0 < 5000 * MS);
	*ran = cpu_time(p) - c0;
	ck_assert_int_eq(nm_sampler_collect(s), 0);
	*elapsed = now_ns(CLOCK_MONOTONIC) - t0;
}

/* The spinner's samples: all on CPU 1's node, as much as it ran. */
static void assert_spinner(const struct env *x, pid_t pid, uint64_t ran, uint64_t elapsed)
{
	const struct nm_residency *r = &x->r;
	int node = nm_topo_cpu_node(x->topo, 1);
	struct nm_sampler_stats st;

	nm_sampler_get_stats(x->s, &st);
	fprintf(stderr, "test_perf_live: spinner: %llu samples (%.0f/s of its CPU time, "
		"%.0f/s of wall time), %.0f ms sampled vs %.0f ms run in %.0f ms, node %d; "
		"all: %llu samples, %llu lost, %llu bytes, %u CPUs\n",
		(unsigned long long)r->samples, (double)r->samples * 1e9 / (double)ran,
		(double)r->samples * 1e9 / (double)elapsed, (double)r->total_ns / 1e6,
		(double)ran / 1e6, (double)elapsed / 1e6, r->last_node,
		(unsigned long long)st.samples, (unsigned long long)st.lost,
		(unsigned long long)st.bytes, st.cpus);
	ck_assert_uint_ge(st.samples, r->samples);
	ck_assert_uint_gt(st.cpus, 1);
	ck_assert_int_ge(node, 0);
	ck_assert_uint_eq(r->node_ns[node], r->total_ns);
	ck_assert_msg(r->total_ns >= ran / 2 && r->total_ns <= ran / 2 * 3,
		      "%llu ns sampled, %llu ns run", (unsigned long long)r->total_ns,
		      (unsigned long long)ran);
	ck_assert_uint_le(r->total_ns, elapsed / 2 * 3);
	ck_assert_int_eq(r->last_node, node);
	ck_assert_uint_eq(r->node_changes, 0);
	ck_assert_uint_le(r->cpu_changes, 1); /* a sample from before it was pinned */
	ck_assert_uint_eq(r->nr_threads, 1);
	assert_thread(r, 0, pid, node, node);
}

START_TEST(test_perf_live)
{
	uint64_t elapsed, ran;
	char line[256];
	struct env x;
	pid_t pid;

	env_open(&x, "/", NM_SAMPLER_AUTO, 0);
	ck_assert_int_gt(nm_sampler_describe(x.s, line, sizeof(line)), 0);
	fprintf(stderr, "test_perf_live: sampler: %s\n", line);
	if (nm_sampler_source(x.s) != NM_SAMPLER_PERF) {
		perf_missing(x.s);
		env_close(&x);
		return;
	}
	ck_assert_ptr_null(nm_sampler_reason(x.s));
	pid = spawn_spinner(1);
	x.p = proc_of(x.root, pid);
	sample_spinner(x.s, x.p, &elapsed, &ran);
	ck_assert_int_eq(nm_sampler_residency(x.s, x.p, &x.r), 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	assert_spinner(&x, pid, ran, elapsed);
	env_close(&x);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("sampler");
	TCase *agg = tcase_create("aggregation");
	TCase *proc = tcase_create("proc"), *perf = tcase_create("perf");

	tcase_add_test(agg, test_replay_moves);
	tcase_add_test(agg, test_replay_forgets);
	tcase_add_test(agg, test_replay_bounded);
	tcase_add_test(agg, test_open_errors);
	tcase_add_test(proc, test_proc_fixture_2n);
	tcase_add_test(proc, test_proc_ticks);
	tcase_add_test(proc, test_proc_forced_live);
	tcase_set_timeout(perf, 60);
	tcase_add_test(perf, test_perf_live);
	suite_add_tcase(s, agg);
	suite_add_tcase(s, proc);
	suite_add_tcase(s, perf);
	return s;
}

#include "check-main.h"

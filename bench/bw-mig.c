/* bw-mig: bench workloads W5 (migration throughput) and W6 (idle, scan
 * cost), and a raw numa_maps reader to compare the daemon's scans with.
 *
 *   bw-mig tput [-s MiB] [-H] [-r ROW]   W5: a child process holds -s MiB
 *       first-touched on node 0 (4K pages, or THP with -H); the parent
 *       moves all of it to node 1 with raw move_pages() in batches of 1,
 *       64, 512 and 4096 pages, with one migrate_pages() call, and with
 *       numamigd's migrator (nm_mig_lazy() of libnumamig on a fresh
 *       footprint, default batch tuning 64..4096 pages, 20 ms per call, no
 *       rate limit), in the order of row ROW (0-5, default 0) of a
 *       balanced Latin square (see tput), moving it back with
 *       migrate_pages() (untimed) between methods, after one untimed move
 *       there with the migrator and back before the first. One line each:
 *       "tput pages=4k|thp method=M batch=B bytes=N sec=S gbps=G"
 *       (for THP, move_pages gets one address per huge page).
 *   bw-mig idle [-s MiB]        W6: touch -s MiB on the node it runs on,
 *       print "idle pid=P ready", then sleep until SIGTERM.
 *   bw-mig maps PID N           read /proc/PID/numa_maps N times; prints
 *       "maps reads=N bytes=B wall_ms=W cpu_ms=C" per read (means).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "numamig/footprint.h"
#include "numamig/migrator.h"
#include "numamig/pace.h"
#include "numamig/proc.h"
#include "numamig/root.h"

#define HPAGE (2ul << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bw-mig: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Map LEN bytes aligned to 2 MiB (so THP can back all of it), touched. */
static char *map_touched(size_t len, int thp)
{
	char *p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	p = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) < 0)
		die("madvise");
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	return p;
}

/* Pages of the child's buffer on NODE (one query per 4K page). */
static long on_node(pid_t pid, char *buf, size_t len, int node)
{
	size_t n = len / 4096;
	void **a = malloc(n * sizeof(*a));
	int *st = malloc(n * sizeof(*st));
	long c = 0;

	if (!a || !st)
		die("malloc");
	for (size_t i = 0; i < n; i++)
		a[i] = buf + i * 4096;
	if (move_pages(pid, n, a, NULL, st, 0) < 0)
		die("move_pages (query)");
	for (size_t i = 0; i < n; i++)
		c += st[i] == node;
	free(a);
	free(st);
	return c;
}

/* AnonHugePages of PID (smaps_rollup): whether THP really backs it. */
static long anon_huge_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void back_to(pid_t pid, int from, int to)
{
	unsigned long f = 1ul << from, t = 1ul << to;

	if (migrate_pages(pid, 64, &f, &t) < 0)
		die("migrate_pages (reset)");
}

static void report(const char *pages, const char *method, int batch, double bytes, double sec)
{
	printf("tput pages=%s method=%s batch=%d bytes=%.0f sec=%.4f gbps=%.4f\n", pages, method,
	       batch, bytes, sec, sec > 0 ? bytes / sec / 1e9 : 0);
	fflush(stdout);
}

/* What every method of one round works on. */
struct round {
	const char *kind;
	pid_t child;
	char *buf;
	size_t len, n;
	void **a;
	int *st, *nodes;
};

static void raw_move_pages(const struct round *r, int batch)
{
	size_t bs = (size_t)batch;
	double t = now();

	for (size_t i = 0; i < r->n; i += bs)
		if (move_pages(r->child, i + bs > r->n ? r->n - i : bs, r->a + i, r->nodes + i,
			       r->st + i, MPOL_MF_MOVE) < 0)
			die("move_pages");
	t = now() - t;
	report(r->kind, "move_pages", batch, (double)on_node(r->child, r->buf, r->len, 1) * 4096, t);
}

static void raw_migrate_pages(const struct round *r)
{
	unsigned long f = 1ul << 0, to = 1ul << 1;
	double t = now();

	if (migrate_pages(r->child, 64, &f, &to) < 0)
		die("migrate_pages");
	t = now() - t;
	report(r->kind, "migrate_pages", 0, (double)on_node(r->child, r->buf, r->len, 1) * 4096, t);
}

/* Move the child's whole footprint to node 1 with numamigd's migrator
 * (a fresh footprint and tuner, as for a task the daemon meets); *SCAN_S
 * and *MOVE_S: the seconds of the numa_maps scan and of the move. */
static void mig_move(const struct round *rd, double *scan_s, double *move_s,
		     struct nm_mig_result *res, unsigned *batch)
{
	struct nm_root *root;
	struct nm_proc *proc;
	struct nm_footprint fp;
	struct nm_fp_rules rules = { .max_mapcount = 1, .file_backed = false };
	struct nm_tuner tuner;
	struct nm_mig_request req;
	double t0, t1, t2;
	int r;

	memset(&fp, 0, sizeof(fp));
	memset(res, 0, sizeof(*res));
	if (nm_root_open("/", &root) < 0 || nm_proc_open(root, rd->child, &proc) < 0)
		die("nm_proc_open");
	nm_tuner_init(&tuner, 64, 4096, 20000000);
	t0 = now();
	r = nm_fp_scan(proc, &rules, NULL, &fp);
	if (r < 0) {
		errno = -r;
		die("nm_fp_scan");
	}
	t1 = now();
	req = (struct nm_mig_request){ .proc = proc, .fp = &fp, .target = 1, .max_mapcount = 1,
				       .tuner = &tuner };
	r = nm_mig_lazy(&nm_mig_kernel, &req, res);
	t2 = now();
	if (r < 0) {
		errno = -r;
		die("nm_mig_lazy");
	}
	*scan_s = t1 - t0;
	*move_s = t2 - t1;
	*batch = tuner.cur;
	nm_fp_free(&fp);
	nm_proc_close(proc);
	nm_root_free(root);
}

static void migrator(const struct round *rd)
{
	struct nm_mig_result res;
	double scan, move, bytes;
	unsigned batch;

	mig_move(rd, &scan, &move, &res, &batch);
	/* The whole process moves, not only the buffer (its stack and
	 * private library pages are a few dozen pages): count what the
	 * kernel says is on node 1 in the buffer. */
	bytes = (double)on_node(rd->child, rd->buf, rd->len, 1) * 4096;
	report(rd->kind, "numamigd_migrator", (int)batch, bytes, move);
	report(rd->kind, "numamigd_migrator+scan", (int)batch, bytes, scan + move);
	printf("# migrator stop=%s requested=%llu moved_bytes=%llu calls=%u busy_ms=%.1f\n",
	       nm_mig_stop_name(res.stop), res.c.requested, res.c.bytes_moved, res.c.calls,
	       res.c.busy_ns / 1e6);
}

/* Untimed, once per round, before the timed methods: a move there with
 * the migrator and back with migrate_pages(). Two first-use costs that
 * are not throughput:
 *  - the first move of a round ran at about half the speed of the later
 *    ones whichever method it was (THP 0.33-0.35 GB/s in a boot's first
 *    reverse round, 0.42-0.47 in its second): a first use of the
 *    target's memory (compaction for huge pages, the host backing guest
 *    memory);
 *  - the migrator's first call in a process runs its own code several
 *    times slower than its second: outside the kernel calls, 3.2-4.3 ms
 *    in a first call against 0.7-1.4 ms in a second (nm_walk_init alone
 *    0.9-1.2 ms against 0.15-0.2 ms) with 10-16 minor faults either way,
 *    so code run for the first time, which the emulator translates (a
 *    timeline of the walker's seam, 64 MiB THP, 2n 6.1). The daemon is
 *    long-lived: its moves run warm code.
 * The tuner and footprint of the timed run are fresh all the same. */
static void warm_up(const struct round *rd)
{
	struct nm_mig_result res;
	double scan, move;
	unsigned batch;

	mig_move(rd, &scan, &move, &res, &batch);
	printf("# warm-up migrator sec=%.4f scan_sec=%.4f stop=%s\n", move, scan,
	       nm_mig_stop_name(res.stop));
	back_to(rd->child, 1, 0);
}

/* The orders of the six methods (the four batches, migrate_pages, the
 * migrator): a Williams design, a Latin square in which, over its six
 * rows, every method takes every position once and follows every other
 * method once. A move meets a target node whose free memory the moves
 * before it churned (for THP: compaction), and a round's first move and
 * its last run at different speeds: with the rows of one fixed order and
 * its reverse, the migrator always went first or last and raw x512 always
 * in the middle, so their ratio carried the positions' difference (0.87-
 * 0.93 for THP, where a rotation that moved the migrator to the middle
 * measured it faster than raw x512). */
static const int orders[6][6] = {
	{ 0, 1, 5, 2, 4, 3 }, { 1, 2, 0, 3, 5, 4 }, { 2, 3, 1, 4, 0, 5 },
	{ 3, 4, 2, 5, 1, 0 }, { 4, 5, 3, 0, 2, 1 }, { 5, 0, 4, 1, 3, 2 },
};

/* A child with LEN bytes on node 0, moved to node 1 by each method in
 * turn, in the order of row ROW of the square above (moved back between
 * them, untimed). */
static int tput(size_t len, int thp, int row)
{
	static const int batches[] = { 1, 64, 512, 4096 };
	enum { N_STEPS = 6 }; /* the four batches, migrate_pages, the migrator */
	size_t step = thp ? HPAGE : 4096;
	struct round r = { .kind = thp ? "thp" : "4k", .len = len, .n = len / step };
	int fd[2];

	if (pipe(fd) < 0)
		die("pipe");
	r.child = fork();
	if (r.child < 0)
		die("fork");
	if (r.child == 0) {
		numa_run_on_node(0);
		r.buf = map_touched(len, thp);
		if (write(fd[1], &r.buf, sizeof(r.buf)) != sizeof(r.buf))
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(fd[0], &r.buf, sizeof(r.buf)) != sizeof(r.buf))
		die("read (child address)");
	printf("# tput pages=%s bytes=%zu on_node0=%ld anon_huge_kb=%ld order=%d\n", r.kind, len,
	       on_node(r.child, r.buf, len, 0), anon_huge_kb(r.child), row);

	r.a = malloc(r.n * sizeof(*r.a));
	r.st = malloc(r.n * sizeof(*r.st));
	r.nodes = malloc(r.n * sizeof(*r.nodes));
	if (!r.a || !r.st || !r.nodes)
		die("malloc");
	for (size_t i = 0; i < r.n; i++) {
		r.a[i] = r.buf + i * step;
		r.nodes[i] = 1;
	}
	warm_up(&r);
	for (int k = 0; k < N_STEPS; k++) {
		int s = orders[row][k];

		if (s < 4)
			raw_move_pages(&r, batches[s]);
		else if (s == 4)
			raw_migrate_pages(&r);
		else
			migrator(&r);
		back_to(r.child, 1, 0);
	}
	kill(r.child, SIGKILL);
	waitpid(r.child, NULL, 0);
	free(r.a);
	free(r.st);
	free(r.nodes);
	return 0;
}

static void on_term(int sig)
{
	(void)sig;
}

static int idle(size_t len)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	map_touched(len, 0);
	printf("idle pid=%d ready\n", (int)getpid());
	fflush(stdout);
	pause();
	return 0;
}

static int maps(pid_t pid, int n)
{
	char path[64], buf[65536];
	double t, c;
	size_t bytes = 0;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	t = now();
	c = cpu_now();
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(path, "r");

		if (!f)
			die(path);
		while ((r = (ssize_t)fread(buf, 1, sizeof(buf), f)) > 0)
			bytes += (size_t)r;
		fclose(f);
	}
	t = now() - t;
	c = cpu_now() - c;
	printf("maps reads=%d bytes=%zu wall_ms=%.3f cpu_ms=%.3f\n", n, bytes / (size_t)n,
	       t * 1e3 / n, c * 1e3 / n);
	return 0;
}

int main(int argc, char **argv)
{
	size_t mib = 64;
	int thp = 0, row = 0, opt;
	const char *cmd;

	if (argc < 2)
		goto usage;
	cmd = argv[1];
	if (!strcmp(cmd, "maps")) {
		if (argc != 4)
			goto usage;
		return maps((pid_t)atoi(argv[2]), atoi(argv[3]));
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "s:Hr:")) != -1) {
		switch (opt) {
		case 's': mib = strtoul(optarg, NULL, 10); break;
		case 'H': thp = 1; break;
		case 'r': row = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (row < 0 || row > 5)
		goto usage;
	if (!strcmp(cmd, "tput"))
		return tput(mib << 20, thp, row);
	if (!strcmp(cmd, "idle"))
		return idle(mib << 20);
usage:
	fprintf(stderr, "usage: bw-mig tput [-s MiB] [-H] [-r 0-5] | idle [-s MiB] | maps PID N\n");
	return 2;
}

/* vmt-walk: in a test guest, the act stage's one page walker (lib/act/walk.c)
 * on the real kernel, through each of its users.
 *
 * Usage:
 *   vmt-walk exit FROM TO
 *       a process that exits during a move_pages() call is reported gone
 *       by the daemon's lazy walk (nm_mig_lazy: NM_MIG_GONE), by the
 *       operator's Move (nm_range_move: -ESRCH) and by a Migrate of three
 *       processes, which goes on past the one that exited (its state
 *       GONE, the others DONE with their memory on TO). The seam kills
 *       the victim inside the call and waits until it is a zombie, then
 *       makes the real call: the kernel's errno there (EINVAL: the mm is
 *       gone, the task not yet) is printed as "measured".
 *   vmt-walk thp FROM TO
 *       16 MiB of transparent huge pages first touched on FROM move to TO
 *       through nm_range_move; each huge page is requested by its head
 *       alone (the seam counts the addresses), every page ends on TO.
 * Every line is "ok ...", "FAIL ..." or "measured ..."; exit 1 on a FAIL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmt-check.h"
#include "numamig/footprint.h"
#include "numamig/job.h"
#include "numamig/migrator.h"
#include "numamig/proc.h"
#include "numamig/rangemove.h"
#include "numamig/root.h"
#include "numamig/topology.h"

#define BYTES (16ul << 20)
#define HUGE (2ul << 20)

struct child {
	pid_t pid;
	int wfd;          /* closing it lets the child exit */
	char *buf;
};

/* A child with BYTES first touched on node FROM (which must have CPUs) at a 2 MiB aligned
 * address, huge pages or not. */
static struct child spawn(int from, bool huge)
{
	struct child c = { 0 };
	char *raw = mmap(NULL, BYTES + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	int fds[2];

	c.buf = (char *)(((unsigned long)raw + HUGE - 1) & ~(HUGE - 1));
	madvise(c.buf, BYTES, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (raw == MAP_FAILED || pipe(fds) < 0)
		exit(1);
	c.pid = fork();
	if (c.pid == 0) {
		char x;

		close(fds[1]);
		/* Local allocation on FROM's CPUs: a policy would put the
		 * VMA out of the daemon's reach (seed 000). */
		numa_run_on_node(from);
		memset(c.buf, 1, BYTES);
		while (read(fds[0], &x, 1) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
	c.wfd = fds[1];
	return c;
}

/* Pages of C's buffer on NODE, by status query. */
static long on_node(const struct child *c, int node)
{
	size_t n = BYTES / 4096;
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));
	long k = 0;

	for (size_t i = 0; i < n; i++)
		pages[i] = c->buf + i * 4096;
	if (move_pages(c->pid, n, pages, NULL, status, 0) < 0)
		k = -1;
	for (size_t i = 0; k >= 0 && i < n; i++)
		k += status[i] == node;
	free(pages);
	free(status);
	return k;
}

/* Wait until every page of C is placed (the child touched them all). */
static void settle(const struct child *c, int from)
{
	for (int i = 0; i < 300 && on_node(c, from) < (long)(BYTES / 4096); i++)
		usleep(100000);
}

static void reap(struct child *c)
{
	close(c->wfd);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
}

/* ---- the seam around the real kernel ---- */

struct seam {
	pid_t victim;     /* killed inside its first moving call */
	int victim_errno; /* what the kernel said then */
	unsigned long long addresses; /* passed to moving calls */
};

static long s_move_pages(void *ctx, pid_t pid, unsigned long count, void **pages,
			 const int *nodes, int *status, int flags)
{
	struct seam *s = ctx;
	siginfo_t si;
	long r;

	if (nodes)
		s->addresses += count;
	if (!nodes || pid != s->victim || s->victim_errno)
		return nm_mig_kernel.move_pages(NULL, pid, count, pages, nodes, status, flags);
	kill(pid, SIGKILL);
	/* A zombie: exited, its mm gone, not yet reaped (WNOWAIT). */
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	r = nm_mig_kernel.move_pages(NULL, pid, count, pages, nodes, status, flags);
	s->victim_errno = r < 0 ? errno : -1;
	printf("measured: move_pages on the exiting process returned %ld (%s)\n", r,
	       r < 0 ? errname(errno) : "no error");
	if (r < 0)
		errno = s->victim_errno;
	return r;
}

static struct nm_mig_sys seam_sys(struct seam *s)
{
	struct nm_mig_sys sys = nm_mig_kernel;

	sys.move_pages = s_move_pages;
	sys.ctx = s;
	return sys;
}

/* ---- exit ---- */

static void exit_lazy(struct nm_root *root, int from, int to)
{
	struct child c = spawn(from, false);
	struct seam s = { .victim = c.pid };
	struct nm_mig_sys sys = seam_sys(&s);
	struct nm_fp_rules rules = { .max_mapcount = 1 };
	struct nm_footprint fp = { 0 };
	struct nm_mig_result res;
	struct nm_tuner tuner;
	struct nm_proc *p;

	settle(&c, from);
	nm_tuner_init(&tuner, 64, 4096, 20000000);
	if (nm_proc_open(root, c.pid, &p) < 0 || nm_fp_scan(p, &rules, NULL, &fp) < 0) {
		ok(0, "set-up of the lazy walk");
		return;
	}
	nm_mig_lazy(&sys, &(struct nm_mig_request){ .proc = p, .fp = &fp, .target = to,
						    .max_mapcount = 1, .tuner = &tuner }, &res);
	printf("measured: footprint %zu VMAs, status %d; walk: %llu pages, %llu misplaced\n",
	       fp.tab.n_vmas, (int)fp.scan.status, res.c.pages, res.c.misplaced);
	ok(s.victim_errno && res.stop == NM_MIG_GONE,
	   "daemon's lazy walk, the process exiting in the call: stop %s (want gone)%s%s",
	   nm_mig_stop_name(res.stop), res.abort_errno ? ", errno " : "",
	   res.abort_errno ? errname(res.abort_errno) : "");
	nm_fp_free(&fp);
	nm_proc_close(p);
	reap(&c);
}

static void exit_move(struct nm_root *root, int from, int to)
{
	struct child c = spawn(from, false);
	struct seam s = { .victim = c.pid };
	struct nm_mig_sys sys = seam_sys(&s);
	struct nm_range_result res;
	struct nm_proc *p;
	int r;

	settle(&c, from);
	if (nm_proc_open(root, c.pid, &p) < 0) {
		ok(0, "set-up of the Move");
		return;
	}
	r = nm_range_move(&sys, NULL, p, (unsigned long)c.buf, BYTES, to, 0, NULL, &res);
	ok(s.victim_errno && r == -ESRCH, "operator's Move, the process exiting in the call: %s "
	   "(want ESRCH)", errname(-r));
	nm_proc_close(p);
	reap(&c);
}

static void exit_migrate(struct nm_root *root, int from, int to)
{
	struct child c[3];
	pid_t pids[3];
	struct seam s;
	struct nm_mig_sys sys;
	struct nm_job_spec spec = { .pids = pids, .n_pids = 3, .from = &from, .n_from = 1,
				    .to = &to, .n_to = 1 };
	struct nm_job_plan *plan;
	int r;

	for (int i = 0; i < 3; i++) {
		c[i] = spawn(from, false);
		pids[i] = c[i].pid;
		settle(&c[i], from);
	}
	s = (struct seam){ .victim = pids[1] };
	sys = seam_sys(&s);
	r = nm_job_plan(root, &spec, &plan);
	ok(r == 0, "nm_job_plan(3 processes, %d -> %d) = %d", from, to, r);
	if (r)
		return;
	r = nm_job_execute(&sys, plan, 0);
	ok(s.victim_errno && r == 0 && nm_job_totals(plan)->err == 0,
	   "Migrate of 3 processes, the second exiting in a call: %s, job error %s (want 0, 0)",
	   errname(-r), errname(nm_job_totals(plan)->err));
	ok(nm_job_proc(plan, 1)->state == NM_JOB_GONE, "the second process is gone (state %d)",
	   (int)nm_job_proc(plan, 1)->state);
	for (int i = 0; i < 3; i += 2)
		ok(nm_job_proc(plan, (size_t)i)->state == NM_JOB_DONE &&
		   on_node(&c[i], to) == (long)(BYTES / 4096),
		   "process %d: state %d, %ld of %lu pages on node %d", i + 1,
		   (int)nm_job_proc(plan, (size_t)i)->state, on_node(&c[i], to), BYTES / 4096, to);
	nm_job_plan_free(plan);
	for (int i = 0; i < 3; i++)
		reap(&c[i]);
}

/* ---- thp ---- */

static unsigned long anon_huge_kb(pid_t pid)
{
	char path[64], line[256];
	unsigned long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int cmd_thp(struct nm_root *root, int from, int to)
{
	struct child c = spawn(from, true);
	struct seam s = { .victim = -1 };
	struct nm_mig_sys sys = seam_sys(&s);
	struct nm_range_result res;
	unsigned long huge_kb, thps;
	struct nm_proc *p;
	int r;

	settle(&c, from);
	huge_kb = anon_huge_kb(c.pid);
	thps = huge_kb / 2048;
	printf("measured: %lu kB of the 16 MiB are huge pages\n", huge_kb);
	/* Debian's kernels have THP, and a fresh guest has 2 MiB blocks. */
	ok(thps > 0, "the child has huge pages (%lu)", thps);
	if (nm_proc_open(root, c.pid, &p) < 0)
		return 1;
	r = nm_range_move(&sys, NULL, p, (unsigned long)c.buf, BYTES, to, 0, NULL, &res);
	ok(r == 0 && res.c.moved == BYTES / 4096 && on_node(&c, to) == (long)(BYTES / 4096),
	   "nm_range_move of %lu huge pages -> %d: %s, moved %llu, %ld of %lu on node %d", thps, to,
	   errname(-r), res.c.moved, on_node(&c, to), BYTES / 4096, to);
	ok(s.addresses <= BYTES / 4096 - thps * 511,
	   "addresses requested: %llu (at most %lu: one per huge page)", s.addresses,
	   BYTES / 4096 - thps * 511);
	nm_proc_close(p);
	reap(&c);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct nm_root *root;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 4 || (strcmp(argv[1], "exit") && strcmp(argv[1], "thp"))) {
		fprintf(stderr, "usage: vmt-walk exit|thp FROM TO\n");
		return 2;
	}
	if (nm_root_open("/", &root) < 0)
		return 1;
	if (strcmp(argv[1], "thp") == 0) {
		r = cmd_thp(root, atoi(argv[2]), atoi(argv[3]));
	} else {
		exit_lazy(root, atoi(argv[2]), atoi(argv[3]));
		exit_move(root, atoi(argv[2]), atoi(argv[3]));
		exit_migrate(root, atoi(argv[2]), atoi(argv[3]));
		r = failures ? 1 : 0;
	}
	nm_root_free(root);
	return r;
}

/* vmt-job: in a test guest, run libnumamig's manual migrations (numamig/
 * rangemove.h, numamig/job.h) on the real kernel against the workloads.
 *
 * Usage:
 *   vmt-job job CGROUP FILE LIBGLOB TO
 *       the wl-job in CGROUP (as /proc/PID/cgroup spells it): plan with
 *       the default exclusions; FILE (its shared data file) must be one
 *       request and LIBGLOB (its shared library) none; a dry run moves
 *       nothing (pgmigrate_success delta 0); the migration to node TO
 *       puts every page of FILE and every process's private memory on
 *       TO, and leaves the library's text and rodata where they were.
 *   vmt-job procs PID FROM TO
 *       PID and its children (wl-misplaced -P) as a job, FROM -> TO:
 *       every private page on FROM ends on TO.
 *   vmt-job range PID BUF BYTES NPROCS NODE
 *       nm_range_move() of the last child's slice of wl-misplaced -P
 *       (buffer BUF of BYTES cut in NPROCS slices) to NODE: the dry run
 *       moves nothing and counts the slice's pages on their node, then
 *       the move reports exactly the slice's pages moved, and a status
 *       query agrees.
 *   vmt-job errno [MEMLESS]
 *       the errno contract on a forked target: EINVAL (unaligned, empty,
 *       overflowing range), EFAULT (an unmapped hole), ENODEV (node -1,
 *       a node that does not exist, and MEMLESS, a node without memory,
 *       both from the topology and from the kernel), ESRCH (a dead pid,
 *       through a handle taken while it lived).
 * Every line is "ok ...", "FAIL ..." or "measured ..."; exit 1 on a FAIL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmt-check.h"
#include "numamig/job.h"
#include "numamig/numamaps.h"
#include "numamig/proc.h"
#include "numamig/rangemove.h"
#include "numamig/root.h"
#include "numamig/topology.h"

static long pagesz;

static unsigned long long vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char k[64];
	unsigned long long v, r = 0;

	while (f && fscanf(f, "%63s %llu", k, &v) == 2)
		if (strcmp(k, key) == 0)
			r = v;
	if (f)
		fclose(f);
	return r;
}

static struct nm_root *live_root(void)
{
	struct nm_root *root;

	if (nm_root_open("/", &root) < 0) {
		printf("FAIL cannot open /\n");
		exit(1);
	}
	return root;
}

/* Pages per node (up to 64 nodes) of PID's numa_maps lines whose file
 * matches GLOB (NULL: anonymous lines); RO: only lines without anon=
 * (file pages, not private copies). */
struct sum {
	const char *glob;
	bool ro;
	unsigned long long on[64];
};

static int on_vma(const struct nm_vma *v, void *arg)
{
	struct sum *s = arg;

	if (s->glob ? !v->file || fnmatch(s->glob, v->file, 0) != 0 : v->kind == NM_VMA_FILE)
		return 0;
	if (s->ro && v->anon)
		return 0;
	for (int i = 0; i < v->nr_nodes; i++)
		if (v->nodes[i].node < 64)
			s->on[v->nodes[i].node] += v->nodes[i].pages;
	return 0;
}

static struct sum placement(const struct nm_root *root, pid_t pid, const char *glob, bool ro)
{
	struct sum s = { .glob = glob, .ro = ro };
	struct nm_maps_result res;
	struct nm_proc *p;

	if (nm_proc_open(root, pid, &p) == 0) {
		nm_maps_read(p, NULL, on_vma, &s, &res);
		nm_proc_close(p);
	}
	return s;
}

static unsigned long long total(const struct sum *s)
{
	unsigned long long t = 0;

	for (int i = 0; i < 64; i++)
		t += s->on[i];
	return t;
}

/* The library's file pages (text, rodata) over all the job's processes:
 * the children are the ones that scan its table. */
static struct sum lib_placement(const struct nm_root *root, const struct nm_job_plan *plan,
				const char *lib)
{
	struct sum all = { .glob = lib, .ro = true };

	for (size_t i = 0; i < nm_job_nprocs(plan); i++) {
		struct sum s = placement(root, nm_job_proc(plan, i)->pid, lib, true);

		for (int n = 0; n < 64; n++)
			all.on[n] += s.on[n];
	}
	return all;
}

static void print_plan(const struct nm_job_plan *plan)
{
	const struct nm_job_totals *t = nm_job_totals(plan);

	printf("plan: procs=%u requests=%u (file %u, private %u) stages=%u planned_pages=%llu "
	       "skipped: excluded=%llu requested_elsewhere=%llu hugetlb=%llu special=%llu\n",
	       t->procs, t->requests, t->file_requests, t->private_requests, t->stages,
	       t->planned_pages, t->skipped[NM_JOB_SKIP_EXCLUDED], t->skipped[NM_JOB_SKIP_DEDUP],
	       t->skipped[NM_JOB_SKIP_HUGETLB], t->skipped[NM_JOB_SKIP_SPECIAL]);
	for (size_t i = 0; i < nm_job_nprocs(plan); i++) {
		const struct nm_job_proc_info *p = nm_job_proc(plan, i);

		printf("  pid %d %s target=%d requests=%u planned=%llu resident:", (int)p->pid,
		       nm_job_state_name(p->state), p->target, p->requests, p->planned_pages);
		for (int n = 0; n < nm_job_nr_nodes(plan); n++)
			printf(" N%d=%llu", n, p->resident[n]);
		printf("\n");
	}
}

static void print_done(const struct nm_job_plan *plan, double secs)
{
	const struct nm_job_totals *t = nm_job_totals(plan);

	printf("measured: %s requests_done=%u lost=%u requested=%llu moved=%llu failed=%llu "
	       "(EBUSY %llu EACCES %llu ENOMEM %llu other %llu) retried=%llu absent=%llu shared=%llu "
	       "alt_walks=%u alt_pages=%llu calls=%u in %.3fs\n",
	       t->dry_run ? "dry-run" : "execute", t->requests_done, t->requests_lost,
	       t->done.requested, t->done.moved, t->done.failed, t->done.failed_by[NM_MIG_EBUSY],
	       t->done.failed_by[NM_MIG_EACCES], t->done.failed_by[NM_MIG_ENOMEM],
	       t->done.failed_by[NM_MIG_EOTHER], t->done.retried, t->done.absent, t->done.shared,
	       t->alt_walks,
	       t->alt_pages, t->done.calls, secs);
	for (size_t i = 0; i < nm_job_nprocs(plan); i++) {
		const struct nm_job_proc_info *p = nm_job_proc(plan, i);

		printf("  pid %d %s moved=%llu", (int)p->pid, nm_job_state_name(p->state),
		       p->done.moved);
		for (int n = 0; p->after && n < nm_job_nr_nodes(plan); n++)
			printf(" after:N%d=%llu", n, p->after[n]);
		printf("\n");
	}
}

static int cmd_job(const char *cgroup, const char *file, const char *lib, int to)
{
	struct nm_root *root = live_root();
	struct nm_job_spec spec = { .cgroup = cgroup, .to = &to, .n_to = 1 };
	struct nm_job_plan *plan;
	struct sum lib_before, lib_after, f_after;
	unsigned long long mig0, mig1, anon_pages = 0;
	pid_t first;
	double t0;
	int r;

	/* Plan alone, then a dry run, then the real thing. */
	r = nm_job_plan(root, &spec, &plan);
	ok(r == 0, "nm_job_plan(cgroup %s, to %d) = %d", cgroup, to, r);
	if (r)
		return 1;
	print_plan(plan);
	first = nm_job_proc(plan, 0)->pid;
	ok(nm_job_nprocs(plan) == 3, "the job has %zu processes (want 3)", nm_job_nprocs(plan));
	ok(nm_job_requests_for(plan, file) == 1, "the shared file %s: %u request(s) (want 1)", file,
	   nm_job_requests_for(plan, file));
	{
		unsigned lib_file = 0, lib_priv = 0, lib_bad = 0;

		for (size_t i = 0; i < nm_job_nrequests(plan); i++) {
			const struct nm_job_request *q = nm_job_request(plan, i);

			if (!q->path || fnmatch(lib, q->path, 0) != 0)
				continue;
			lib_file += q->kind == NM_JOB_REQ_FILE;
			lib_priv += q->kind == NM_JOB_REQ_PRIVATE;
			lib_bad += q->kind == NM_JOB_REQ_PRIVATE && (!q->exclusive_only || q->move_all);
		}
		ok(lib_file == 0 && lib_bad == 0,
		   "the shared library %s: %u shared request(s) (want 0); %u for its written "
		   "private pages, exclusive pages only (%u not)", lib, lib_file, lib_priv, lib_bad);
	}
	ok(nm_job_totals(plan)->skipped[NM_JOB_SKIP_EXCLUDED] > 0, "excluded pages: %llu",
	   nm_job_totals(plan)->skipped[NM_JOB_SKIP_EXCLUDED]);

	mig0 = vmstat("pgmigrate_success");
	t0 = now();
	r = nm_job_execute(&nm_mig_kernel, plan, NM_JOB_DRY_RUN);
	print_done(plan, now() - t0);
	mig1 = vmstat("pgmigrate_success");
	ok(r == 0, "dry run = %d", r);
	ok(mig1 == mig0, "dry run: pgmigrate_success delta %llu (want 0)", mig1 - mig0);
	ok(nm_job_totals(plan)->done.moved == 0 && nm_job_totals(plan)->done.requested > 0,
	   "dry run: would request %llu pages, moved %llu", nm_job_totals(plan)->done.requested,
	   nm_job_totals(plan)->done.moved);
	nm_job_plan_free(plan);

	r = nm_job_plan(root, &spec, &plan);
	ok(r == 0, "nm_job_plan again = %d", r);
	if (r)
		return 1;
	lib_before = lib_placement(root, plan, lib);
	mig0 = vmstat("pgmigrate_success");
	t0 = now();
	r = nm_job_execute(&nm_mig_kernel, plan, 0);
	print_done(plan, now() - t0);
	mig1 = vmstat("pgmigrate_success");
	ok(r == 0, "nm_job_execute = %d", r);
	printf("measured: pgmigrate_success delta %llu, moved %llu (%.1f MiB)\n", mig1 - mig0,
	       nm_job_totals(plan)->done.moved,
	       nm_job_totals(plan)->done.moved * pagesz / 1048576.0);
	ok(nm_job_totals(plan)->done.moved > 0 && mig1 - mig0 >= nm_job_totals(plan)->done.moved,
	   "the kernel counted at least the %llu pages moved", nm_job_totals(plan)->done.moved);

	/* Placement is proof: numa_maps of every process afterwards. A page
	 * busy at that instant (the job is running) may stay behind, but then
	 * it must have been reported as failed. */
	f_after = placement(root, first, file, false);
	ok(total(&f_after) > 0 &&
	   f_after.on[to] + nm_job_totals(plan)->done.failed >= total(&f_after),
	   "shared file: %llu/%llu pages on node %d, %llu reported failed", f_after.on[to],
	   total(&f_after), to, nm_job_totals(plan)->done.failed);
	for (size_t i = 0; i < nm_job_nprocs(plan); i++) {
		const struct nm_job_proc_info *p = nm_job_proc(plan, i);
		struct sum anon = placement(root, p->pid, NULL, false);

		ok(p->state == NM_JOB_DONE, "pid %d %s", (int)p->pid, nm_job_state_name(p->state));
		/* A page or two can be faulted in by the process meanwhile. */
		ok(anon.on[to] + 4 >= total(&anon), "pid %d anonymous: %llu/%llu pages on node %d",
		   (int)p->pid, anon.on[to], total(&anon), to);
		anon_pages += total(&anon);
	}
	lib_after = lib_placement(root, plan, lib);
	ok(memcmp(lib_before.on, lib_after.on, sizeof(lib_before.on)) == 0 && total(&lib_after),
	   "shared library text and rodata did not move: %llu pages, on node %d %llu -> %llu",
	   total(&lib_after), to, lib_before.on[to], lib_after.on[to]);
	printf("measured: file pages %llu, anonymous pages %llu\n", total(&f_after), anon_pages);
	nm_job_plan_free(plan);
	nm_root_free(root);
	return failures ? 1 : 0;
}

/* PID's children, from /proc/PID/task/PID/children. */
static int children(pid_t pid, pid_t *out, int max)
{
	char path[64];
	FILE *f;
	int n = 0, c;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	while (f && n < max && fscanf(f, "%d", &c) == 1)
		out[n++] = c;
	if (f)
		fclose(f);
	return n;
}

static int cmd_procs(pid_t pid, int from, int to)
{
	struct nm_root *root = live_root();
	pid_t pids[65];
	int n = children(pid, pids + 1, 64);
	struct nm_job_spec spec = { .pids = pids, .n_pids = (size_t)n + 1, .from = &from,
				    .n_from = 1, .to = &to, .n_to = 1 };
	struct nm_job_plan *plan;
	double t0;
	int r;

	pids[0] = pid;
	ok(n >= 2, "wl-misplaced -P has %d children", n);
	r = nm_job_plan(root, &spec, &plan);
	ok(r == 0, "nm_job_plan(%d processes, %d -> %d) = %d", n + 1, from, to, r);
	if (r)
		return 1;
	print_plan(plan);
	t0 = now();
	r = nm_job_execute(&nm_mig_kernel, plan, 0);
	print_done(plan, now() - t0);
	ok(r == 0, "nm_job_execute = %d", r);
	for (int i = 1; i <= n; i++) {
		struct sum anon = placement(root, pids[i], NULL, false);

		ok(anon.on[from] <= 4 && anon.on[to] > 0,
		   "child %d anonymous after: %llu on node %d, %llu on node %d", (int)pids[i],
		   anon.on[from], from, anon.on[to], to);
	}
	nm_job_plan_free(plan);
	nm_root_free(root);
	return failures ? 1 : 0;
}

static long count_on(pid_t pid, unsigned long addr, long n, int node)
{
	void **pages = malloc(sizeof(*pages) * (size_t)n);
	int *status = malloc(sizeof(*status) * (size_t)n);
	long k = 0;

	for (long i = 0; i < n; i++)
		pages[i] = (void *)(addr + (unsigned long)(i * pagesz));
	if (move_pages(pid, (unsigned long)n, pages, NULL, status, 0) < 0)
		k = -1;
	for (long i = 0; k >= 0 && i < n; i++)
		k += status[i] == node;
	free(pages);
	free(status);
	return k;
}

static int cmd_range(pid_t pid, unsigned long buf, unsigned long bytes, int nprocs, int node)
{
	struct nm_root *root = live_root();
	struct nm_topology *topo;
	struct nm_range_result *res = calloc(1, sizeof(*res));
	pid_t kids[64];
	int n = children(pid, kids, 64), k = nprocs - 1;
	unsigned long pages = bytes / (unsigned long)pagesz;
	unsigned long first = pages * (unsigned long)k / (unsigned long)nprocs;
	unsigned long last = pages * (unsigned long)(k + 1) / (unsigned long)nprocs;
	unsigned long addr = buf + first * (unsigned long)pagesz, npg = last - first;
	unsigned long long mig0, mig1;
	struct nm_proc *p;
	int r, src = -1;
	double t0;

	ok(n == nprocs, "wl-misplaced -P has %d children (want %d)", n, nprocs);
	if (n != nprocs || nm_topo_load(root, &topo) < 0 || nm_proc_open(root, kids[k], &p) < 0) {
		printf("FAIL set-up\n");
		return 1;
	}
	for (int i = 0; i < 64 && src < 0; i++)
		if (count_on(kids[k], addr, 1, i) == 1)
			src = i;
	mig0 = vmstat("pgmigrate_success");
	r = nm_range_move(&nm_mig_kernel, topo, p, addr, npg * (unsigned long)pagesz, node,
			  NM_RANGE_DRY_RUN, NULL, res);
	mig1 = vmstat("pgmigrate_success");
	ok(r == 0 && res->c.requested == npg && res->c.moved == 0 && src >= 0 &&
	   res->on_node[src] == npg,
	   "dry run of child %d's slice (%lu pages at %#lx) -> %d: %d, would request %llu, "
	   "%llu on node %d", (int)kids[k], npg, addr, node, r, res->c.requested,
	   src >= 0 ? res->on_node[src] : 0, src);
	ok(mig1 == mig0, "dry run: pgmigrate_success delta %llu (want 0)", mig1 - mig0);

	t0 = now();
	r = nm_range_move(&nm_mig_kernel, topo, p, addr, npg * (unsigned long)pagesz, node, 0, NULL, res);
	printf("measured: range move %lu pages in %.3fs: moved %llu failed %llu (EBUSY %llu "
	       "other %llu) retried %llu calls %u\n", npg, now() - t0, res->c.moved, res->c.failed,
	       res->c.failed_by[NM_MIG_EBUSY], res->c.failed_by[NM_MIG_EOTHER], res->c.retried,
	       res->c.calls);
	ok(r == 0 && res->c.moved == npg && res->c.failed == 0,
	   "nm_range_move -> %d = %d: moved %llu of %lu, failed %llu", node, r, res->c.moved, npg,
	   res->c.failed);
	ok(count_on(kids[k], addr, (long)npg, node) == (long)npg,
	   "status query: %ld/%lu pages on node %d", count_on(kids[k], addr, (long)npg, node), npg,
	   node);
	/* A second call finds nothing to do. */
	r = nm_range_move(&nm_mig_kernel, topo, p, addr, npg * (unsigned long)pagesz, node, 0, NULL, res);
	ok(r == 0 && res->c.requested == 0 && res->c.stay == npg,
	   "again: %d, requested %llu, already there %llu", r, res->c.requested, res->c.stay);
	nm_proc_close(p);
	nm_topo_free(topo);
	nm_root_free(root);
	free(res);
	return failures ? 1 : 0;
}

static void expect(const char *what, int r, const struct nm_range_result *res, int want)
{
	ok(r == -want && res->err == want, "%s: %s (want %s)", what, nm_range_errno_name(-r),
	   nm_range_errno_name(want));
}

static int cmd_errno(int memless)
{
	struct nm_root *root = live_root();
	struct nm_topology *topo;
	struct nm_range_result *res = calloc(1, sizeof(*res));
	struct nm_proc *p;
	int fds[2], src = -1;
	char *buf, c;
	pid_t pid;

	if (nm_topo_load(root, &topo) < 0 || pipe(fds) < 0)
		return 1;
	/* Two mapped pages, a hole, one more: the target inherits them. */
	buf = mmap(NULL, 4 * pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(buf + 2 * pagesz, pagesz);
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		memset(buf, 1, 2 * pagesz);
		buf[3 * pagesz] = 1;
		while (read(fds[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
	usleep(200000);
	if (nm_proc_open(root, pid, &p) < 0)
		return 1;
	for (int i = 0; i < 64 && src < 0; i++)
		if (count_on(pid, (unsigned long)buf, 1, i) == 1)
			src = i;
	expect("unaligned address", nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf + 1,
						   (unsigned long)pagesz, src, 0, NULL, res), res, EINVAL);
	expect("empty range", nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf, 0, src, 0, NULL,
					    res), res, EINVAL);
	expect("overflowing range", nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf,
						  ~0ul - 100, src, 0, NULL, res), res, EINVAL);
	expect("range over an unmapped hole",
	       nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf,
			     4 * (unsigned long)pagesz, src, 0, NULL, res), res, EFAULT);
	expect("node -1", nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf,
					(unsigned long)pagesz, -1, 0, NULL, res), res, ENODEV);
	expect("node 1000 (not a node)", nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf,
						       (unsigned long)pagesz, 1000, 0, NULL, res), res,
	       ENODEV);
	if (memless >= 0) {
		expect("node without memory (topology)",
		       nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf,
				     2 * (unsigned long)pagesz, memless, 0, NULL, res), res, ENODEV);
		expect("node without memory (the kernel's answer)",
		       nm_range_move(&nm_mig_kernel, NULL, p, (unsigned long)buf,
				     2 * (unsigned long)pagesz, memless, 0, NULL, res), res, ENODEV);
		ok(count_on(pid, (unsigned long)buf, 2, src) == 2,
		   "the pages stayed on node %d", src);
	}
	/* The target exits; the handle taken while it lived says ESRCH. */
	close(fds[1]);
	waitpid(pid, NULL, 0);
	expect("dead pid", nm_range_move(&nm_mig_kernel, topo, p, (unsigned long)buf,
					 (unsigned long)pagesz, src, 0, NULL, res), res, ESRCH);
	nm_proc_close(p);
	{
		struct nm_proc *q = NULL;
		int r = nm_proc_open(root, pid, &q);

		ok(r == -ESRCH, "nm_proc_open(dead pid) = %d (want -ESRCH)", r);
		nm_proc_close(q);
	}
	nm_topo_free(topo);
	nm_root_free(root);
	free(res);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	pagesz = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && strcmp(argv[1], "job") == 0)
		return cmd_job(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 5 && strcmp(argv[1], "procs") == 0)
		return cmd_procs(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 7 && strcmp(argv[1], "range") == 0)
		return cmd_range(atoi(argv[2]), strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0),
				 atoi(argv[5]), atoi(argv[6]));
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "errno") == 0)
		return cmd_errno(argc == 3 ? atoi(argv[2]) : -1);
	fprintf(stderr, "usage: vmt-job job CGROUP FILE LIBGLOB TO | procs PID FROM TO |\n"
			"       range PID BUF BYTES NPROCS NODE | errno [MEMLESS]\n");
	return 2;
}

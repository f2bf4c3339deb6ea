/* vmt-migrate: in a test guest, check the raw kernel facts numamigd relies
 * on (see the errno contract in the project's kernel notes).
 *
 * Usage: vmt-migrate move SRC DST   pages really move, both syscalls
 *        vmt-migrate errno          call-level errnos and per-page statuses
 *        vmt-migrate pid PID SRC DST  migrate_pages() on a workload, so a
 *                                   scenario can check that the workload's
 *                                   own locality report sees the move
 *
 * Both act on *another* process (a forked target), as the daemon will. The
 * target first-touches its buffer under MPOL_BIND(SRC), resets its policy,
 * and waits; placement is then read back with move_pages() status queries,
 * never trusted from a return value (a 0 return does not mean every page
 * moved). Every line is "ok ..." or "FAIL ..."; "observed" lines record
 * what this kernel does, for the errno table in tests/vm/README.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmt-check.h"
#include "numamig/set.h"

#define PAGES 1024 /* 4 MiB: TCG moves ~0.14 GB/s, so this stays fast */

static long pagesz;

/* What the target process reports back through the pipe. */
struct target_info {
	char *buf;       /* PAGES pages, first-touched on SRC */
	char *untouched; /* one mapped page never touched */
	char *zero;      /* one page only read: maps the shared zero page */
	char *hole;      /* one page unmapped again */
	char *file;      /* one page of a memfd mapping, never touched */
};

struct target {
	pid_t pid;
	int fd;          /* write end; closing it lets the target exit */
	struct target_info info;
};

static struct bitmask *node_set(int node)
{
	struct bitmask *m = numa_bitmask_alloc(4096);

	if (node >= 0 && node < 4096)
		numa_bitmask_setbit(m, node);
	return m;
}

static struct target start_target(int src)
{
	struct target t;
	int up[2], down[2];

	if (pipe(up) < 0 || pipe(down) < 0) {
		perror("pipe");
		exit(2);
	}
	t.pid = fork();
	if (t.pid < 0) {
		perror("fork");
		exit(2);
	}
	if (t.pid == 0) {
		struct target_info i;
		struct bitmask *m = node_set(src);
		char c;

		close(up[0]);
		close(down[1]);
		i.buf = mmap(NULL, (PAGES + 3) * pagesz, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (i.buf == MAP_FAILED)
			_exit(3);
		i.untouched = i.buf + PAGES * pagesz;
		i.zero = i.untouched + pagesz;
		i.hole = i.zero + pagesz;
		/* 4K pages only: move_pages() on one 4K page of a THP moves
		 * (or splits) the whole 2 MiB, which is a different test. */
		if (madvise(i.buf, (PAGES + 3) * pagesz, MADV_NOHUGEPAGE) < 0)
			_exit(9);
		{
			/* shmem has a fault handler, unlike anonymous memory:
			 * the status query treats such a hole differently. */
			int fd = memfd_create("vmt-file", 0);

			if (fd < 0 || ftruncate(fd, pagesz) < 0)
				_exit(7);
			i.file = mmap(NULL, pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (i.file == MAP_FAILED)
				_exit(8);
			close(fd);
		}
		/* Unmapped last, so that no later mmap() fills the hole. */
		munmap(i.hole, pagesz);
		/* Bind for the first touch only: pages land on SRC even when
		 * SRC has no CPU (cxl node 2), and no policy is left behind
		 * that a migration could contradict. */
		if (set_mempolicy(MPOL_BIND, m->maskp, m->size + 1) < 0)
			_exit(4);
		for (long p = 0; p < PAGES; p++)
			i.buf[p * pagesz] = 1;
		if (set_mempolicy(MPOL_DEFAULT, NULL, 0) < 0)
			_exit(5);
		c = *(volatile char *)i.zero;
		(void)c;
		if (write(up[1], &i, sizeof(i)) != sizeof(i))
			_exit(6);
		while (read(down[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &t.info, sizeof(t.info)) != sizeof(t.info)) {
		printf("FAIL target process did not start (node %d)\n", src);
		exit(1);
	}
	close(up[0]);
	t.fd = down[1];
	return t;
}

static void stop_target(struct target *t)
{
	close(t->fd);
	waitpid(t->pid, NULL, 0);
}

/* Count the target's buffer pages on NODE (all pages if ODD < 0, else the
 * pages with index parity ODD). */
static int count_on(const struct target *t, int node, int odd)
{
	static void *pages[PAGES];
	static int status[PAGES];
	int n = 0;

	for (int p = 0; p < PAGES; p++)
		pages[p] = t->info.buf + (long)p * pagesz;
	if (move_pages(t->pid, PAGES, pages, NULL, status, 0) < 0) {
		printf("FAIL status query: %s\n", strerror(errno));
		failures++;
		return -1;
	}
	for (int p = 0; p < PAGES; p++)
		if ((odd < 0 || p % 2 == odd) && status[p] == node)
			n++;
	return n;
}

static int cmd_move(int src, int dst)
{
	struct target t = start_target(src);
	struct bitmask *from = node_set(src), *to = node_set(dst);
	static void *pages[PAGES / 2];
	static int nodes[PAGES / 2], status[PAGES / 2];
	double t0;
	long r;
	int n, bad = 0;

	n = count_on(&t, src, -1);
	ok(n == PAGES, "first touch under MPOL_BIND(%d): %d/%d pages on node %d", src, n, PAGES,
	   src);

	t0 = now();
	r = migrate_pages(t.pid, from->size + 1, from->maskp, to->maskp);
	ok(r == 0, "migrate_pages(pid, {%d}, {%d}) = %ld (pages not moved) in %.2fs", src, dst,
	   r, now() - t0);
	n = count_on(&t, dst, -1);
	ok(n == PAGES, "after migrate_pages: %d/%d pages on node %d", n, PAGES, dst);

	/* move_pages: the even pages back to SRC, one call. */
	for (int i = 0; i < PAGES / 2; i++) {
		pages[i] = t.info.buf + (long)(2 * i) * pagesz;
		nodes[i] = src;
		status[i] = -12345;
	}
	t0 = now();
	r = move_pages(t.pid, PAGES / 2, pages, nodes, status, MPOL_MF_MOVE);
	for (int i = 0; i < PAGES / 2; i++)
		bad += status[i] != src;
	ok(r == 0 && bad == 0, "move_pages(pid, even pages -> %d) = %ld, %d status != %d, %.2fs",
	   src, r, bad, src, now() - t0);
	n = count_on(&t, src, 0);
	ok(n == PAGES / 2, "after move_pages: %d/%d even pages on node %d", n, PAGES / 2, src);
	n = count_on(&t, dst, 1);
	ok(n == PAGES / 2, "after move_pages: %d/%d odd pages still on node %d", n, PAGES / 2,
	   dst);

	/* Pages already where they are asked to go: status is the node, no error. */
	r = move_pages(t.pid, PAGES / 2, pages, nodes, status, MPOL_MF_MOVE);
	bad = 0;
	for (int i = 0; i < PAGES / 2; i++)
		bad += status[i] != src;
	ok(r == 0 && bad == 0, "move_pages to the node they are on: %ld, %d bad status", r, bad);

	stop_target(&t);
	numa_bitmask_free(from);
	numa_bitmask_free(to);
	return failures ? 1 : 0;
}

/* One call-level case: run CALL, compare errno with WANT. */
static void expect_errno(const char *what, long r, int err, int want)
{
	int got = r < 0 ? err : 0;

	printf("observed %s: return %ld, errno %s\n", what, r, r < 0 ? errname(err) : "-");
	ok(r < 0 && got == want, "%s fails with %s", what, errname(want));
}

static long call_move(pid_t pid, void *page, int node, int *status)
{
	int nodes[1] = { node };

	*status = -12345;
	return move_pages(pid, 1, &page, node == -2 ? NULL : nodes, status, MPOL_MF_MOVE);
}

static long call_migrate(pid_t pid, int from, int to)
{
	struct bitmask *f = node_set(from), *t = node_set(to);
	long r = migrate_pages(pid, f->size + 1, f->maskp, t->maskp);
	int e = errno;

	numa_bitmask_free(f);
	numa_bitmask_free(t);
	errno = e;
	return r;
}

static struct bitmask *sysfs_nodes(const char *file)
{
	char path[128], text[4096];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/%s", file);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return nm_set_parse_list(text, 0);
}

/* A dead pid: fork a child, let it exit, reap it. Nothing else runs in the
 * guest, so the pid is not reused within the test. */
static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

/* Run F(target) as uid/gid 65534 with no capabilities; return its errno. */
static int as_nobody(pid_t target, void *page, int which)
{
	int fds[2], err = -1;
	pid_t p;

	if (pipe(fds) < 0)
		return -1;
	p = fork();
	if (p == 0) {
		int status, e;
		long r;

		close(fds[0]);
		/* setuid() from root to another uid drops every capability,
		 * CAP_SYS_PTRACE and CAP_SYS_NICE included. */
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(1);
		r = which ? call_migrate(target, 0, 0) : move_pages(target, 1, &page, NULL,
								   &status, 0);
		e = r < 0 ? errno : 0;
		if (write(fds[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(fds[0]);
	waitpid(p, NULL, 0);
	return err;
}

static int cmd_errno(void)
{
	struct bitmask *possible = sysfs_nodes("possible"), *online = sysfs_nodes("online");
	struct bitmask *mem = sysfs_nodes("has_memory");
	struct target t = start_target(0);
	struct utsname u;
	int bad_node, status, e, folio_walk, want;
	long r;
	pid_t dead;

	if (!possible || !online || !mem) {
		printf("FAIL cannot read /sys/devices/system/node\n");
		return 1;
	}
	uname(&u);
	printf("kernel %s\n", u.release);
	/* 6.12 rewrote the status query on folio_walk (commit "mm/migrate:
	 * convert do_pages_stat_array() from follow_page() to folio_walk"):
	 * before, follow_page(FOLL_DUMP) said -EFAULT for an anonymous page
	 * that was never touched; since, it is -ENOENT. */
	{
		int major = 0, minor = 0;

		sscanf(u.release, "%d.%d", &major, &minor);
		folio_walk = major > 6 || (major == 6 && minor >= 12);
	}
	bad_node = nm_set_last(possible) + 1;

	/* A node id that is not possible at all. */
	r = call_move(t.pid, t.info.buf, bad_node, &status);
	e = errno;
	expect_errno("move_pages to impossible node (possible+1)", r, e, ENODEV);
	r = call_move(t.pid, t.info.buf, 1 << 20, &status);
	e = errno;
	expect_errno("move_pages to node 1<<20 (>= MAX_NUMNODES)", r, e, ENODEV);
	r = call_move(t.pid, t.info.buf, -1, &status);
	e = errno;
	expect_errno("move_pages to node -1", r, e, ENODEV);
	r = call_migrate(t.pid, 0, bad_node);
	e = errno;
	expect_errno("migrate_pages to impossible node (possible+1)", r, e, EINVAL);
	{
		/* maxnode beyond what the kernel accepts: get_nodes() takes
		 * maxnode - 1 bits, at most a page of them. */
		struct bitmask *f = node_set(0);
		unsigned long big = pagesz * 8 + 2;
		unsigned long *mask = calloc(big / 8 + 8, 1);

		mask[0] = 1;
		r = migrate_pages(t.pid, big, mask, mask);
		e = errno;
		expect_errno("migrate_pages with maxnode > PAGE_SIZE*8", r, e, EINVAL);
		free(mask);
		numa_bitmask_free(f);
	}

	/* A dead pid. */
	dead = dead_pid();
	r = call_move(dead, t.info.buf, 0, &status);
	e = errno;
	expect_errno("move_pages on a dead pid", r, e, ESRCH);
	r = call_move(dead, t.info.buf, -2, &status);
	e = errno;
	expect_errno("move_pages status query on a dead pid", r, e, ESRCH);
	r = call_migrate(dead, 0, 0);
	e = errno;
	expect_errno("migrate_pages on a dead pid", r, e, ESRCH);

	/* Another uid without CAP_SYS_PTRACE. */
	e = as_nobody(t.pid, t.info.buf, 0);
	expect_errno("move_pages on root's process as uid 65534", e ? -1 : 0, e, EPERM);
	e = as_nobody(t.pid, t.info.buf, 1);
	expect_errno("migrate_pages on root's process as uid 65534", e ? -1 : 0, e, EPERM);

	/* Online nodes without memory (the nomem topology has one). */
	for (int n = nm_set_next(online, 0); n >= 0; n = nm_set_next(online, n + 1)) {
		char what[96];

		if (numa_bitmask_isbitset(mem, n))
			continue;
		r = call_move(t.pid, t.info.buf, n, &status);
		e = errno;
		snprintf(what, sizeof(what), "move_pages to online node %d without memory", n);
		expect_errno(what, r, e, ENODEV);
		r = call_migrate(t.pid, 0, n);
		e = errno;
		snprintf(what, sizeof(what), "migrate_pages to online node %d without memory", n);
		expect_errno(what, r, e, EINVAL);
	}

	/* Per-page status codes of a status query (nodes == NULL). */
	want = folio_walk ? -ENOENT : -EFAULT;
	r = call_move(t.pid, t.info.untouched, -2, &status);
	printf("observed status query, anonymous page never touched: return %ld, status %d (%s)\n",
	       r, status, status < 0 ? errname(-status) : "node");
	ok(r == 0 && status == want, "status of a never-touched anonymous page is -%s",
	   errname(-want));
	r = call_move(t.pid, t.info.file, -2, &status);
	printf("observed status query, memfd page never touched: return %ld, status %d (%s)\n",
	       r, status, status < 0 ? errname(-status) : "node");
	ok(r == 0 && status == -ENOENT, "status of a never-touched memfd page is -ENOENT");
	r = call_move(t.pid, t.info.hole, -2, &status);
	printf("observed status query, unmapped address: return %ld, status %d (%s)\n", r,
	       status, status < 0 ? errname(-status) : "node");
	ok(r == 0 && status == -EFAULT, "status of an unmapped address is -EFAULT");
	r = call_move(t.pid, t.info.zero, -2, &status);
	printf("observed status query, shared zero page: return %ld, status %d (%s)\n", r, status,
	       status < 0 ? errname(-status) : "node");
	/* Not a node: numa_maps does not count the zero page either. */
	ok(r == 0 && status == -EFAULT, "status of the shared zero page is -EFAULT");
	r = call_move(t.pid, t.info.hole, 0, &status);
	printf("observed move, unmapped address: return %ld, status %d (%s)\n", r, status,
	       status < 0 ? errname(-status) : "node");
	ok(r >= 0 && status == -EFAULT, "moving an unmapped address gives status -EFAULT");
	r = call_move(t.pid, t.info.untouched, 0, &status);
	printf("observed move, anonymous page never touched: return %ld, status %d (%s)\n", r,
	       status, status < 0 ? errname(-status) : "node");
	ok(r >= 0 && status == want, "moving a never-touched anonymous page gives status -%s",
	   errname(-want));
	r = call_move(t.pid, t.info.file, 0, &status);
	printf("observed move, memfd page never touched: return %ld, status %d (%s)\n", r,
	       status, status < 0 ? errname(-status) : "node");
	ok(r >= 0 && status == -ENOENT, "moving a never-touched memfd page gives status -ENOENT");

	stop_target(&t);
	numa_bitmask_free(possible);
	numa_bitmask_free(online);
	numa_bitmask_free(mem);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int r;

	pagesz = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (numa_available() < 0) {
		printf("FAIL no NUMA support\n");
		return 1;
	}
	if (argc == 4 && !strcmp(argv[1], "move"))
		r = cmd_move(atoi(argv[2]), atoi(argv[3]));
	else if (argc == 2 && !strcmp(argv[1], "errno"))
		r = cmd_errno();
	else if (argc == 5 && !strcmp(argv[1], "pid")) {
		/* As root, migrate_pages() moves shared pages too (MOVE_ALL
		 * with CAP_SYS_NICE). On a running process a few pages can be
		 * busy at that instant and stay behind: a positive return is
		 * the number not moved, not an error. The caller checks the
		 * placement it cares about. */
		long n = call_migrate((pid_t)atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));

		ok(n >= 0, "migrate_pages(%s, {%s}, {%s}) = %ld%s%s", argv[2], argv[3], argv[4], n,
		   n < 0 ? ": " : (n > 0 ? " (pages not moved)" : ""), n < 0 ? strerror(errno) : "");
		r = failures ? 1 : 0;
	}
	else {
		fprintf(stderr, "usage: vmt-migrate move SRC DST | errno | pid PID SRC DST\n");
		return 2;
	}
	printf("%s: %d failure(s)\n", r ? "FAIL" : "PASS", failures);
	return r;
}

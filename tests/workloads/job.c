/* wl-job: a multi-process job in one cgroup.
 *
 * Real jobs are several processes (MPI ranks, worker pools) that share file
 * mappings and shared libraries and live in one cgroup, and a balancer has
 * to treat them as one: the pages are shared (mapcount > 1, so moving them
 * needs MPOL_MF_MOVE_ALL), and the cgroup's cpuset.mems bounds where they
 * may go. This workload builds exactly that:
 *   - the parent joins cgroup -g (if given) before it forks, so every
 *     process of the job is in it from the start;
 *   - it creates the file -f (default /tmp/wl-job.<pid>), writes all of it
 *     from the first CPU node (page cache pages land there) and maps it
 *     MAP_SHARED;
 *   - it dlopen()s libwljob.so (next to this program), a shared library
 *     with a 1 MiB table;
 *   - child k, pinned to CPU node k mod N, streams slice k of the shared
 *     file mapping and scans the library's table, until the parent stops.
 * The parent reports the locality of each child's slice against the
 * child's node (the file pages are the same pages in every mapping, so the
 * parent's own mapping can be queried).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl-common.h"

static const char usage[] =
	"Usage: wl-job [-s MiB] [-d SEC] [-i SEC] [-n SAMPLES] [-t PROCS] [-f FILE] [-g CGROUP]\n"
	"  PROCS processes (default: one per CPU node, at least 2) in cgroup CGROUP\n"
	"  (a cgroup v2 directory, created if missing) share a MAP_SHARED mapping of\n"
	"  FILE (-s MiB, written from the first CPU node) and the library\n"
	"  libwljob.so; process k runs on CPU node k mod N and streams slice k.\n";

typedef unsigned long (*scan_fn)(const void *, size_t);

static void join_cgroup(const char *dir)
{
	char path[PATH_MAX];
	FILE *f;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		wl_die(dir);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f)
		wl_die(path);
	/* One write of our own pid moves this process; children forked
	 * afterwards start in the same cgroup. */
	if (fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
		wl_die(path);
}

/* libwljob.so lives next to the executable, both in the build tree and in
 * the test guest (/bin). */
static scan_fn load_library(char *libpath, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	void *h;
	scan_fn fn;

	if (n < 0)
		wl_die("readlink /proc/self/exe");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	*slash = '\0';
	if ((size_t)snprintf(libpath, size, "%.*s/libwljob.so", (int)(size - 16), exe) >= size) {
		fprintf(stderr, "wl-job: path too long\n");
		exit(1);
	}
	h = dlopen(libpath, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "wl-job: %s\n", dlerror());
		exit(1);
	}
	*(void **)&fn = dlsym(h, "wljob_scan");
	if (!fn) {
		fprintf(stderr, "wl-job: %s\n", dlerror());
		exit(1);
	}
	return fn;
}

/* READY gets one byte once the slice is mapped in (streamed once). */
static void child(char *addr, size_t len, int node, scan_fn scan, int ready)
{
	unsigned long sum = 0;

	/* Die with the parent: a killed test must not leave orphans behind. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	wl_pin_node(node);
	while (!wl_stop) {
		wl_stream(addr, len);
		sum += scan(addr, len);
		if (ready >= 0) {
			if (write(ready, "r", 1) != 1)
				_exit(1);
			close(ready);
			ready = -1;
		}
	}
	_exit(sum == 42); /* keep sum live; the status is not looked at */
}

/* Until every child has its slice mapped in, its mapping of the file
 * has no pages of its own (a reader of its numa_maps or a move_pages()
 * query would see none): wait for N bytes, or for all children to be
 * gone (EOF). */
static void wait_children(int ready[2], int n)
{
	char c;

	close(ready[1]);
	for (int got = 0; got < n;) {
		ssize_t r = read(ready[0], &c, 1);

		if (r == 1)
			got++;
		else if (r == 0 || errno != EINTR)
			break;
	}
	close(ready[0]);
}

int main(int argc, char **argv)
{
	struct wl_opts o;
	struct wl_slice slices[WL_MAX_USERS];
	static volatile int child_node[WL_MAX_USERS];
	pid_t pids[WL_MAX_USERS];
	int nodes[WL_MAX_NODES], nnodes, n, fd, ready[2];
	char path[PATH_MAX], libpath[PATH_MAX], extra[PATH_MAX * 3], *buf;
	size_t len = 0;
	scan_fn scan;
	int created = 0;

	wl_parse(argc, argv, &o, "fg", usage);
	wl_start();
	nnodes = wl_need_cpu_nodes("wl-job", nodes);
	n = o.users ? o.users : (nnodes < 2 ? 2 : nnodes);
	if (o.cgroup)
		join_cgroup(o.cgroup);
	scan = load_library(libpath, sizeof(libpath));

	if (o.path) {
		snprintf(path, sizeof(path), "%s", o.path);
	} else {
		snprintf(path, sizeof(path), "/tmp/wl-job.%d", (int)getpid());
		created = 1;
	}
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)o.bytes) < 0)
		wl_die(path);
	buf = mmap(NULL, o.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED)
		wl_die("mmap");
	close(fd);
	wl_pin_node(nodes[0]);
	wl_touch(buf, o.bytes);
	numa_run_on_node(-1);

	if (pipe(ready) < 0)
		wl_die("pipe");
	for (int k = 0; k < n; k++) {
		wl_slice_part(&slices[k], buf, o.bytes, k, n);
		child_node[k] = nodes[k % nnodes];
		slices[k].node = &child_node[k];
		pids[k] = fork();
		if (pids[k] < 0)
			wl_die("fork");
		if (pids[k] == 0)
			child(slices[k].addr, slices[k].len, child_node[k], scan, ready[1]);
	}
	wait_children(ready, n);
	len = (size_t)snprintf(extra, sizeof(extra), "procs=%d file=%s lib=%s cgroup=%s children=",
			       n, path, libpath, o.cgroup ? o.cgroup : "-");
	for (int k = 0; k < n && len < sizeof(extra) - 16; k++)
		len += (size_t)snprintf(extra + len, sizeof(extra) - len, "%s%d", k ? "," : "",
					(int)pids[k]);
	wl_announce("wl-job", buf, o.bytes, extra);
	wl_report_loop(&o, slices, n, NULL);

	for (int k = 0; k < n; k++)
		kill(pids[k], SIGTERM);
	for (int k = 0; k < n; k++)
		waitpid(pids[k], NULL, 0);
	if (created)
		unlink(path);
	return 0;
}

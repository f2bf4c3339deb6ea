/* vmt-numamaps: in a test guest, check that libnumamig's numa_maps reader
 * agrees with the kernel's own per-page answer.
 *
 * Usage: vmt-numamaps PID [ADDR]
 *
 * The planner will work from numa_maps per-node counts; move_pages() with
 * nodes == NULL is the kernel's authoritative "where is this page" for one
 * page at a time. For every VMA of PID this reads numa_maps through
 * nm_proc_open() + nm_maps_read(), then asks move_pages() about every page
 * of that VMA (start..end from /proc/PID/maps), and compares the per-node
 * KiB. It also compares the process-wide anonymous totals built with
 * nm_maps_totals_add() against the move_pages() sums over the anonymous
 * VMAs. With ADDR, the VMA holding ADDR (a workload's buffer) must be among
 * the compared ones and must have resident pages.
 *
 * The target should be stopped (SIGSTOP) and kernel autoNUMA off, so that
 * nothing moves between the two views. khugepaged can still collapse pages
 * behind our back, so numa_maps is read before and after the move_pages()
 * pass and the comparison is retried if the two reads differ.
 * Special mappings ([vdso], [vvar], [vsyscall]) are listed but not compared:
 * numa_maps skips pages that vm_normal_page() refuses, and the vDSO's
 * kernel-image pages are such pages, while move_pages() reports them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numamig/numamaps.h"
#include "numamig/proc.h"
#include "numamig/root.h"

#define MAXV 512
#define MAXN 64
#define BATCH 4096

struct vma {
	unsigned long start, end;
	char name[64];
	int anon;                 /* no file, or [heap] / [stack] */
	int special;
	int in_maps;              /* seen in numa_maps */
	unsigned long long nm_kb[MAXN];  /* from numa_maps */
	unsigned long long mp_kb[MAXN];  /* from move_pages */
};

struct snapshot {
	int n;
	struct vma v[MAXV];
	struct nm_maps_totals totals;
};

static long pagesz;

static struct vma *find(struct snapshot *s, unsigned long start)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].start == start)
			return &s->v[i];
	return NULL;
}

/* /proc/PID/maps: the VMA boundaries numa_maps does not print. */
static int read_maps(pid_t pid, struct snapshot *s)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	s->n = 0;
	while (fgets(line, sizeof(line), f) && s->n < MAXV) {
		struct vma *v = &s->v[s->n];
		char name[256] = "";
		unsigned long inode;

		memset(v, 0, sizeof(*v));
		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu %255[^\n]", &v->start, &v->end, &inode,
			   name) < 3)
			continue;
		snprintf(v->name, sizeof(v->name), "%s", name[0] ? name : "[anon]");
		v->special = !strcmp(name, "[vdso]") || !strcmp(name, "[vvar]") ||
			     !strcmp(name, "[vsyscall]") || !strcmp(name, "[vvar_vclock]");
		v->anon = !v->special && inode == 0 && (name[0] == '\0' || name[0] == '[');
		s->n++;
	}
	fclose(f);
	return 0;
}

static int on_vma(const struct nm_vma *vma, void *arg)
{
	struct snapshot *s = arg;
	struct vma *v = find(s, vma->start);

	if (nm_maps_totals_add(&s->totals, vma) < 0)
		return -1;
	if (!v) {
		printf("FAIL numa_maps VMA %lx is not in /proc/PID/maps\n", vma->start);
		return 0;
	}
	v->in_maps = 1;
	for (int i = 0; i < vma->nr_nodes; i++)
		if (vma->nodes[i].node < MAXN)
			v->nm_kb[vma->nodes[i].node] +=
				(unsigned long long)vma->nodes[i].pages * vma->kernelpagesize_kb;
	return 0;
}

static int read_numa_maps(const struct nm_proc *proc, struct snapshot *s)
{
	struct nm_maps_result res;
	int r;

	for (int i = 0; i < s->n; i++) {
		s->v[i].in_maps = 0;
		memset(s->v[i].nm_kb, 0, sizeof(s->v[i].nm_kb));
	}
	nm_maps_totals_clear(&s->totals);
	r = nm_maps_read(proc, NULL, on_vma, s, &res);
	if (r < 0)
		return r;
	if (res.status != NM_MAPS_WHOLE) {
		printf("FAIL numa_maps read incomplete (status %d, %lu bad lines)\n", res.status,
		       res.bad_lines);
		return -EIO;
	}
	return 0;
}

/* Ask the kernel where each page of V is, in batches. */
static int query(pid_t pid, struct vma *v)
{
	static void *pages[BATCH];
	static int status[BATCH];
	unsigned long addr = v->start;

	memset(v->mp_kb, 0, sizeof(v->mp_kb));
	while (addr < v->end) {
		int n = 0;

		for (; n < BATCH && addr < v->end; n++, addr += pagesz)
			pages[n] = (void *)addr;
		if (move_pages(pid, n, pages, NULL, status, 0) < 0)
			return -errno;
		for (int i = 0; i < n; i++)
			if (status[i] >= 0 && status[i] < MAXN)
				v->mp_kb[status[i]] += pagesz / 1024;
	}
	return 0;
}

static void fmt(const unsigned long long *kb, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int n = 0; n < MAXN && len < size; n++)
		if (kb[n])
			len += (size_t)snprintf(buf + len, size - len, " N%d=%lluK", n, kb[n]);
	if (!buf[0])
		snprintf(buf, size, " (none)");
}

/* One full comparison; returns the number of mismatches, or -errno. */
static int compare(pid_t pid, const struct nm_proc *proc, struct snapshot *s,
		   unsigned long addr, int verbose)
{
	static struct snapshot again;
	unsigned long long anon_mp[MAXN] = { 0 }, anon_nm[MAXN] = { 0 };
	int bad = 0, found_addr = !addr;
	char a[512], b[512];
	int r;

	if ((r = read_maps(pid, s)) < 0 || (r = read_numa_maps(proc, s)) < 0)
		return r;
	for (int i = 0; i < s->n; i++)
		if ((r = query(pid, &s->v[i])) < 0)
			return r;
	/* Second numa_maps read: if anything moved meanwhile, retry. */
	again = *s;
	memset(&again.totals, 0, sizeof(again.totals));
	if ((r = read_numa_maps(proc, &again)) < 0)
		return r;
	for (int i = 0; i < s->n; i++)
		if (memcmp(s->v[i].nm_kb, again.v[i].nm_kb, sizeof(s->v[i].nm_kb)))
			bad = -EAGAIN;
	nm_maps_totals_clear(&again.totals);
	if (bad)
		return bad;

	for (int i = 0; i < s->n; i++) {
		struct vma *v = &s->v[i];
		int same = !memcmp(v->nm_kb, v->mp_kb, sizeof(v->nm_kb));

		fmt(v->nm_kb, a, sizeof(a));
		fmt(v->mp_kb, b, sizeof(b));
		if (addr >= v->start && addr < v->end) {
			found_addr = 1;
			if (!memcmp(v->mp_kb, (unsigned long long[MAXN]){ 0 }, sizeof(v->mp_kb))) {
				printf("FAIL workload VMA %lx has no resident pages\n", v->start);
				bad++;
			}
		}
		if (v->special) {
			if (verbose)
				printf("skip %lx-%lx %s: numa_maps%s, move_pages%s\n", v->start,
				       v->end, v->name, a, b);
			continue;
		}
		if (!v->in_maps) {
			printf("FAIL %lx-%lx %s: not in numa_maps\n", v->start, v->end, v->name);
			bad++;
			continue;
		}
		if (!same || verbose || (addr >= v->start && addr < v->end))
			printf("%s %lx-%lx %s%s: numa_maps%s | move_pages%s\n",
			       same ? "ok  " : "FAIL", v->start, v->end, v->name,
			       addr >= v->start && addr < v->end ? " (workload buffer)" : "", a, b);
		bad += !same;
		if (v->anon)
			for (int n = 0; n < MAXN; n++) {
				anon_mp[n] += v->mp_kb[n];
				anon_nm[n] += v->nm_kb[n];
			}
	}
	if (!found_addr) {
		printf("FAIL no VMA holds address %lx\n", addr);
		bad++;
	}
	/* The library's totals over anonymous VMAs against move_pages(). */
	for (int n = 0; n < MAXN; n++) {
		unsigned long long lib = n < s->totals.nr_nodes ? s->totals.anon_kb[n] : 0;

		if (lib != anon_mp[n] || lib != anon_nm[n]) {
			printf("FAIL anon total N%d: nm_maps_totals %lluK, move_pages %lluK\n", n,
			       lib, anon_mp[n]);
			bad++;
		} else if (lib) {
			printf("ok   anon total N%d: nm_maps_totals = move_pages = %lluK\n", n, lib);
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	static struct snapshot s;
	struct nm_root *root;
	struct nm_proc *proc;
	unsigned long addr = 0;
	pid_t pid;
	int r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: vmt-numamaps PID [ADDR]\n");
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	if (argc == 3)
		addr = strtoul(argv[2], NULL, 0);
	pagesz = sysconf(_SC_PAGESIZE);
	if ((r = nm_root_open("/", &root)) < 0 || (r = nm_proc_open(root, pid, &proc)) < 0) {
		printf("FAIL open pid %d: %s\n", (int)pid, strerror(-r));
		return 1;
	}
	r = -EAGAIN;
	for (int attempt = 1; attempt <= 5 && r == -EAGAIN; attempt++) {
		r = compare(pid, proc, &s, addr, getenv("VMT_VERBOSE") != NULL);
		if (r == -EAGAIN)
			printf("note: numa_maps changed during the comparison, retrying (%d)\n",
			       attempt);
	}
	nm_maps_totals_clear(&s.totals);
	nm_proc_close(proc);
	nm_root_free(root);
	if (r < 0) {
		printf("FAIL pid %d: %s\n", (int)pid, strerror(-r));
		return 1;
	}
	printf("%s: %d VMAs compared, %d mismatch(es)\n", r ? "FAIL" : "PASS", s.n, r);
	return r ? 1 : 0;
}

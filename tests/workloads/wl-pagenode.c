/* wl-pagenode: the node of a page that a move_pages() status query calls
 * absent (see wl-pagenode.h). */
#define _GNU_SOURCE
#include "wl-pagenode.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define MAX_ZONES 256

/* PFN spans of every zone of every node, from /proc/zoneinfo. A span
 * counts holes too, so on a machine whose nodes interleave physical memory
 * spans overlap and the first wins; the test guests' nodes are contiguous. */
static struct zone_span {
	uint64_t start, end;
	int node;
} zones[MAX_ZONES];
static int nzones = -1; /* not read yet */

/* A zone block reads "Node N, zone NAME", then "spanned N" and later
 * "start_pfn: N"; the span is complete at start_pfn. */
static void read_zoneinfo(void)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[256];
	unsigned long long v, spanned = 0;
	int node = -1;

	nzones = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && nzones < MAX_ZONES) {
		if (sscanf(line, "Node %d, zone", &node) == 1)
			spanned = 0;
		else if (sscanf(line, " spanned %llu", &v) == 1)
			spanned = v;
		else if (sscanf(line, " start_pfn: %llu", &v) == 1 && node >= 0 && spanned)
			zones[nzones++] = (struct zone_span){ v, v + spanned, node };
	}
	fclose(f);
}

static int pfn_node(uint64_t pfn)
{
	if (nzones < 0)
		read_zoneinfo();
	for (int i = 0; i < nzones; i++)
		if (pfn >= zones[i].start && pfn < zones[i].end)
			return zones[i].node;
	return -1;
}

int wl_pagenode_open(pid_t pid)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	return open(path, O_RDONLY | O_CLOEXEC);
}

int wl_pagenode(int pagemap_fd, const void *addr, long pagesz)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)addr / (uintptr_t)pagesz) * (off_t)sizeof(e);

	if (pagemap_fd < 0 || pread(pagemap_fd, &e, sizeof(e), off) != (ssize_t)sizeof(e))
		return -1;
	/* Without CAP_SYS_ADMIN the PFN reads as 0: unknown, not node 0. */
	if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK))
		return -1;
	return pfn_node(e & PM_PFN_MASK);
}

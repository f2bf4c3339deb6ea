/* rangemove: address-range migration. See numamig/rangemove.h. */
#include "config.h"

#include <errno.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numamig/procparse.h"
#include "numamig/set.h"
#include "numamig/rangemove.h"
#include "act/walk.h"
#include "numamig/procfs.h"
#include "base/api.h"


NM_API const char *nm_range_errno_name(int err)
{
	const char *name = err ? strerrorname_np(err) : "0";

	return name ? name : "EOTHER"; /* not an errno glibc knows */
}

struct coverage {
	unsigned long covered, end;
};

static int cover(const struct nm_pidmaps_line *m, void *arg)
{
	struct coverage *c = arg;

	if (c->covered >= c->end || m->end <= c->covered)
		return 0;
	if (m->start > c->covered)
		return 1; /* a hole */
	c->covered = m->end;
	return 0;
}

/* Is [ADDR, END) covered by mappings, with no hole? 0, -EFAULT, or the
 * read's -errno. */
static int check_mapped(const struct nm_proc *p, unsigned long addr, unsigned long end)
{
	struct coverage c = { addr, end };
	int r = nm_pidmaps_read(p, cover, &c);

	if (r < 0)
		return r;
	return c.covered >= end ? 0 : -EFAULT;
}

static int check_node(const struct nm_topology *topo, int node)
{
	if (node < 0 || node >= NM_MAPS_MAX_NODES)
		return -ENODEV;
	if (!topo)
		return 0;
	if ((unsigned)node >= topo->has_memory->size ||
	    !numa_bitmask_isbitset(topo->has_memory, (unsigned)node))
		return -ENODEV;
	return 0;
}

NM_API int nm_range_move(const struct nm_mig_sys *sys, const struct nm_topology *topo,
			 const struct nm_proc *p, unsigned long addr, unsigned long len, int node,
			 unsigned flags, struct nm_progress *progress,
			 struct nm_range_result *res)
{
	unsigned long psz = (unsigned long)sysconf(_SC_PAGESIZE), end;
	int *nodemap = NULL;
	struct nm_walk w = { 0 };
	int e;

	memset(res, 0, sizeof(*res));
	res->max_node = -1;
	if (addr % psz || len == 0 || len > ~0ul - addr - (psz - 1)) {
		e = -EINVAL;
		goto out;
	}
	len = (len + psz - 1) / psz * psz;
	end = addr + len;
	res->bytes = len;
	e = check_node(topo, node);
	if (e)
		goto out;
	if (!sys->alive(sys->ctx, p)) {
		e = -ESRCH;
		goto out;
	}
	e = check_mapped(p, addr, end);
	if (e)
		goto out;
	nodemap = malloc(NM_MAPS_MAX_NODES * sizeof(*nodemap));
	if (!nodemap) {
		e = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < NM_MAPS_MAX_NODES; i++)
		nodemap[i] = node;
	w = (struct nm_walk){ .sys = sys, .proc = p, .map = nodemap, .nr_map = NM_MAPS_MAX_NODES,
			      .move_all = flags & NM_RANGE_SHARED,
			      .dry_run = flags & NM_RANGE_DRY_RUN, .page_bytes = psz,
			      .c = &res->c, .on_node = res->on_node,
			      .moved_from = res->moved_from, .progress = progress };
	e = nm_walk_init(&w);
	if (e == 0) {
		nm_walk_range(&w, addr, end);
		e = nm_walk_errno(&w);
	}
	nm_walk_fini(&w);
out:
	free(nodemap);
	for (int i = NM_MAPS_MAX_NODES - 1; i >= 0 && res->max_node < 0; i--)
		if (res->on_node[i] || res->moved_from[i])
			res->max_node = i;
	res->err = -e;
	return e;
}

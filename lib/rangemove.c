/* rangemove: address-range migration (seed 004). See numamig/rangemove.h. */
#include "config.h"

#include <errno.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numamig/procparse.h"
#include "numamig/set.h"
#include "rangemove-internal.h"

#define PM_PRESENT (1ull << 63)
#define PM_EXCLUSIVE (1ull << 56)
/* Per-page ENOMEM on this many pages of one batch (or a quarter of it)
 * means the target is full (the migrator uses the same rule). */
#define ENOMEM_BURST 16u
/* /proc/PID/maps of a process with 64k VMAs is about 6 MiB. */
#define MAPS_MAX (16u << 20)

const char *nm_range_errno_name(int err)
{
	switch (err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case ESRCH: return "ESRCH";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case EAGAIN: return "EAGAIN";
	case ECANCELED: return "ECANCELED";
	default: return "EOTHER";
	}
}

int nm_walk_init(struct nm_walk *w)
{
	size_t n = NM_WALK_WINDOW;

	if (w->batch == 0 || w->batch > NM_WALK_WINDOW)
		w->batch = NM_WALK_BATCH;
	if (w->page_bytes == 0)
		w->page_bytes = (unsigned long)sysconf(_SC_PAGESIZE);
	w->pm = malloc(n * sizeof(*w->pm));
	w->cand = malloc(n * sizeof(*w->cand));
	w->pages = malloc(n * sizeof(*w->pages));
	w->where = malloc(n * sizeof(*w->where));
	w->src = malloc(n * sizeof(*w->src));
	w->nodes = malloc(n * sizeof(*w->nodes));
	w->status = malloc(n * sizeof(*w->status));
	w->again = malloc(n * sizeof(*w->again));
	w->rnodes = malloc(n * sizeof(*w->rnodes));
	w->rstatus = malloc(n * sizeof(*w->rstatus));
	w->ridx = malloc(n * sizeof(*w->ridx));
	if (w->pm && w->cand && w->pages && w->where && w->src && w->nodes && w->status &&
	    w->again && w->rnodes && w->rstatus && w->ridx)
		return 0;
	nm_walk_fini(w);
	return -ENOMEM;
}

void nm_walk_fini(struct nm_walk *w)
{
	free(w->pm);
	free(w->cand);
	free(w->pages);
	free(w->where);
	free(w->src);
	free(w->nodes);
	free(w->status);
	free(w->again);
	free(w->rnodes);
	free(w->rstatus);
	free(w->ridx);
	w->rnodes = w->rstatus = NULL;
	w->ridx = NULL;
	w->pm = NULL;
	w->cand = w->pages = NULL;
	w->where = w->src = w->nodes = w->status = w->again = NULL;
}

/* move_pages() bracketed by liveness checks: a pid that died (or whose
 * number was reused) is never acted on, and an answer about it is dropped.
 * Returns 0 with *RET set, or -errno. */
static int call(struct nm_walk *w, size_t n, void **pages, const int *nodes, int *status,
		long *ret)
{
	const struct nm_mig_sys *s = w->sys;
	int flags = w->move_all ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE;

	if (nm_mig_stopping())
		return -ECANCELED;
	if (!s->alive(s->ctx, w->proc))
		return -ESRCH;
	*ret = s->move_pages(s->ctx, w->proc->pid, n, pages, nodes, status, nodes ? flags : 0);
	if (*ret < 0)
		return errno ? -errno : -EINVAL;
	return s->alive(s->ctx, w->proc) ? 0 : -ESRCH;
}

static int target_of(const struct nm_walk *w, int node)
{
	return node >= 0 && node < w->nr_map ? w->map[node] : -1;
}

/* Worth a second try: busy at that instant (a reference held by the
 * running process, a THP under split), or reported moved and not there. */
static bool transient(int status)
{
	return status >= 0 || status == -EBUSY || status == -EAGAIN;
}

/* Ask the pages that failed transiently once more, in one call. FIN holds
 * where each of the K pages at OFF is; it and STATUS are updated. */
static int retry(struct nm_walk *w, size_t off, size_t k, int *fin)
{
	size_t nr = 0;
	long ret;
	int e;

	for (size_t i = 0; i < k; i++)
		if (fin[i] != w->nodes[off + i] && transient(w->status[off + i])) {
			w->cand[nr] = w->pages[off + i];
			w->rnodes[nr] = w->nodes[off + i];
			w->ridx[nr++] = i;
		}
	if (!nr)
		return 0;
	e = call(w, nr, w->cand, w->rnodes, w->rstatus, &ret);
	if (e)
		return e;
	w->c->calls++;
	w->c->retried += nr;
	e = call(w, nr, w->cand, NULL, w->where, &ret);
	if (e)
		return e;
	for (size_t j = 0; j < nr; j++) {
		w->status[off + w->ridx[j]] = w->rstatus[j];
		fin[w->ridx[j]] = w->where[j];
	}
	return 0;
}

/* Move the K pages at w->pages + OFF in one call and count what became of
 * each. */
static int move_batch(struct nm_walk *w, size_t off, size_t k)
{
	struct nm_walk_counts *c = w->c;
	int *fin = w->again;
	unsigned enomem = 0;
	long ret;
	int e = call(w, k, w->pages + off, w->nodes + off, w->status + off, &ret);

	if (e)
		return e;
	c->calls++;
	c->requested += k;
	/* A positive return: some pages were not migrated, whatever their
	 * status says. Ask where they all are now. */
	if (ret > 0) {
		long again;

		e = call(w, k, w->pages + off, NULL, fin, &again);
		if (e)
			return e;
	} else {
		memcpy(fin, w->status + off, k * sizeof(*fin));
	}
	e = retry(w, off, k, fin);
	if (e)
		return e;
	for (size_t i = 0; i < k; i++) {
		int st = w->status[off + i], tgt = w->nodes[off + i];
		enum nm_mig_outcome o;

		if (fin[i] == tgt) {
			c->moved++;
			if (w->moved_from)
				w->moved_from[w->src[off + i]]++;
			if (w->moved_to)
				w->moved_to[tgt]++;
			continue;
		}
		o = st < 0 ? nm_mig_outcome_of(st) : NM_MIG_EOTHER;
		c->failed++;
		c->failed_by[o]++;
		enomem += o == NM_MIG_ENOMEM;
	}
	return enomem >= ENOMEM_BURST || (enomem && enomem >= k / 4) ? -ENOMEM : 0;
}

/* One window of N pages at ADDR. */
static int do_window(struct nm_walk *w, unsigned long addr, size_t n)
{
	const struct nm_mig_sys *s = w->sys;
	struct nm_walk_counts *c = w->c;
	size_t nc = 0, nm = 0;
	long ret;
	int e = s->pagemap(s->ctx, w->proc, addr, n, w->pm);

	size_t first = (addr - w->range_start) / w->page_bytes;

	if (e < 0)
		return e;
	for (size_t i = 0; i < n; i++) {
		if (w->want && !w->want[first + i])
			continue;
		c->pages++;
		if (w->missing)
			w->missing[first + i] = !(w->pm[i] & PM_PRESENT);
		if (!(w->pm[i] & PM_PRESENT))
			c->absent++;
		else if (w->exclusive_only && !(w->pm[i] & PM_EXCLUSIVE))
			c->shared++;
		else
			w->cand[nc++] = (void *)(addr + i * w->page_bytes);
	}
	if (nc == 0)
		return 0;
	e = call(w, nc, w->cand, NULL, w->where, &ret);
	if (e)
		return e;
	for (size_t i = 0; i < nc; i++) {
		int at = w->where[i], to;

		if (at < 0) { /* the zero page, or gone since pagemap */
			c->absent++;
			if (w->missing)
				w->missing[((unsigned long)w->cand[i] - w->range_start) / w->page_bytes] = 1;
			continue;
		}
		if (w->on_node && at < w->nr_map)
			w->on_node[at]++;
		to = target_of(w, at);
		if (to < 0 || to == at) {
			c->stay++;
			continue;
		}
		w->pages[nm] = w->cand[i];
		w->src[nm] = at;
		w->nodes[nm++] = to;
	}
	if (w->dry_run) {
		c->requested += nm;
		return 0;
	}
	for (size_t done = 0; done < nm; done += w->batch) {
		size_t k = nm - done < w->batch ? nm - done : w->batch;

		e = move_batch(w, done, k);
		if (e)
			return e;
	}
	return 0;
}

int nm_walk_range(struct nm_walk *w, unsigned long start, unsigned long end)
{
	unsigned long step = NM_WALK_WINDOW * w->page_bytes;

	w->range_start = start;
	for (unsigned long addr = start; addr < end;) {
		size_t n = (end - addr) / w->page_bytes;
		int e;

		if (n > NM_WALK_WINDOW)
			n = NM_WALK_WINDOW;
		e = do_window(w, addr, n);
		if (e)
			return e;
		if (end - addr <= step)
			break;
		addr += step;
	}
	return 0;
}

/* Is [ADDR, END) covered by mappings, with no hole? 0, -EFAULT, or the
 * read's -errno. */
static int check_mapped(const struct nm_proc *p, unsigned long addr, unsigned long end)
{
	char *text, *line, *save = NULL;
	unsigned long covered = addr;
	int r = nm_proc_read(p, "maps", MAPS_MAX, &text, NULL);

	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line && covered < end;
	     line = strtok_r(NULL, "\n", &save)) {
		struct nm_maps_line m;

		if (nm_maps_line_parse(line, &m) < 0 || m.end <= covered)
			continue;
		if (m.start > covered)
			break; /* a hole */
		covered = m.end;
	}
	free(text);
	return covered >= end ? 0 : -EFAULT;
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

int nm_range_move(const struct nm_mig_sys *sys, const struct nm_topology *topo,
		  const struct nm_proc *p, unsigned long addr, unsigned long len, int node,
		  unsigned flags, struct nm_range_result *res)
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
			      .moved_from = res->moved_from };
	e = nm_walk_init(&w);
	if (e == 0)
		e = nm_walk_range(&w, addr, end);
	nm_walk_fini(&w);
out:
	free(nodemap);
	for (int i = NM_MAPS_MAX_NODES - 1; i >= 0 && res->max_node < 0; i--)
		if (res->on_node[i] || res->moved_from[i])
			res->max_node = i;
	res->err = -e;
	return e;
}

/* walk: the one page walker of the act stage. See walk.h. */
#include "config.h"

#include <errno.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "walk.h"
#include "base/api.h"
#include "numamig/procfs.h"

/* /proc/kpageflags bits (Documentation/admin-guide/mm/pagemap.rst). */
#define KPF_COMPOUND_HEAD (1ull << 15)
#define KPF_THP (1ull << 22)
/* Base pages of a PMD-mapped transparent huge page (4 KiB pages). */
#define THP_PAGES 512u
/* ENOMEM on this many pages of one batch (or a quarter of it) means the
 * target is full. */
#define ENOMEM_BURST 16u

static const char *const outcome_names[NM_MIG_NR_OUTCOMES] = {
	"moved", "ENOENT", "EFAULT", "EACCES", "EBUSY", "ENOMEM", "other",
};
static const char *const stop_names[NM_MIG_NR_STOPS] = {
	"done", "budget", "target_full", "gone", "aborted", "stopped",
};

NM_API const char *nm_mig_outcome_name(enum nm_mig_outcome o)
{
	return o < NM_MIG_NR_OUTCOMES ? outcome_names[o] : "unknown";
}

const char *nm_mig_stop_name(enum nm_mig_stop s)
{
	return (size_t)s < NM_MIG_NR_STOPS ? stop_names[s] : "unknown";
}

enum nm_mig_outcome nm_mig_outcome_of(int status)
{
	switch (-status) {
	case ENOENT: return NM_MIG_ENOENT;
	case EFAULT: return NM_MIG_EFAULT;
	case EACCES: return NM_MIG_EACCES;
	case EBUSY: return NM_MIG_EBUSY;
	case ENOMEM: return NM_MIG_ENOMEM;
	default: return NM_MIG_EOTHER;
	}
}

int nm_mig_failed(const struct nm_mig_sys *sys, const struct nm_proc *p, int err,
		  int *abort_errno)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (err == ESRCH)
		return NM_MIG_GONE;
	for (int i = 0; i < 10; i++) {
		if (!sys->alive(sys->ctx, p))
			return NM_MIG_GONE;
		nanosleep(&tick, NULL);
	}
	*abort_errno = err ? err : EINVAL;
	return NM_MIG_ABORTED;
}

/* move_pages(), bracketed by liveness checks. Returns 0 with *RET set, or
 * the stop. */
static int call(struct nm_walk *w, size_t n, void **pages, const int *nodes, int *status,
		long *ret)
{
	const struct nm_mig_sys *s = w->sys;
	int flags = w->move_all ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE;

	nm_progress_publish(w->progress, w->c, &w->published);
	if (nodes)
		nm_progress_pace(w->progress); /* moves only: queries move nothing */
	if (nm_mig_stopping() || nm_progress_cancelled(w->progress))
		return NM_MIG_STOPPED;
	if (!s->alive(s->ctx, w->proc))
		return NM_MIG_GONE;
	*ret = s->move_pages(s->ctx, w->proc->pid, n, pages, nodes, status, nodes ? flags : 0);
	if (*ret < 0)
		return nm_mig_failed(s, w->proc, errno, &w->abort_errno);
	/* After the call too: a result about a pid that died is dropped. */
	return s->alive(s->ctx, w->proc) ? 0 : NM_MIG_GONE;
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
	w->weight = malloc(n * sizeof(*w->weight));
	w->pweight = malloc(n * sizeof(*w->pweight));
	w->want_node = malloc(n * sizeof(*w->want_node));
	w->where = malloc(n * sizeof(*w->where));
	w->src = malloc(n * sizeof(*w->src));
	w->nodes = malloc(n * sizeof(*w->nodes));
	w->status = malloc(n * sizeof(*w->status));
	w->again = malloc(n * sizeof(*w->again));
	w->pfrom = malloc(n * sizeof(*w->pfrom));
	w->rpages = malloc(n * sizeof(*w->rpages));
	w->rnodes = malloc(n * sizeof(*w->rnodes));
	w->rstatus = malloc(n * sizeof(*w->rstatus));
	w->ridx = malloc(n * sizeof(*w->ridx));
	if (w->pm && w->cand && w->pages && w->weight && w->pweight && w->want_node && w->where &&
	    w->src && w->nodes && w->status && w->again && w->pfrom && w->rpages && w->rnodes &&
	    w->rstatus && w->ridx)
		return 0;
	nm_walk_fini(w);
	return -ENOMEM;
}

void nm_walk_fini(struct nm_walk *w)
{
	void **bufs[] = {
		(void **)&w->pm, (void **)&w->cand, (void **)&w->pages, (void **)&w->weight,
		(void **)&w->pweight, (void **)&w->want_node, (void **)&w->where,
		(void **)&w->src, (void **)&w->nodes, (void **)&w->status, (void **)&w->again,
		(void **)&w->pfrom, (void **)&w->rpages, (void **)&w->rnodes, (void **)&w->rstatus,
		(void **)&w->ridx,
	};

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		free(*bufs[i]);
		*bufs[i] = NULL;
	}
}

int nm_walk_errno(const struct nm_walk *w)
{
	switch (w->stop) {
	case NM_MIG_DONE: return 0;
	case NM_MIG_BUDGET: return -EAGAIN;
	case NM_MIG_FULL: return -ENOMEM;
	case NM_MIG_GONE: return -ESRCH;
	case NM_MIG_STOPPED: return -ECANCELED;
	default: return -(w->abort_errno ? w->abort_errno : EINVAL);
	}
}

/* ---- one batch ---- */

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
	int stop;

	for (size_t i = 0; i < k; i++)
		if (fin[i] != w->nodes[off + i] && transient(w->status[off + i])) {
			w->rpages[nr] = w->pages[off + i];
			w->rnodes[nr] = w->nodes[off + i];
			w->ridx[nr++] = i;
		}
	if (!nr)
		return 0;
	stop = call(w, nr, w->rpages, w->rnodes, w->rstatus, &ret);
	if (stop)
		return stop;
	w->c->calls++;
	for (size_t j = 0; j < nr; j++)
		w->c->retried += w->pweight[off + w->ridx[j]];
	stop = call(w, nr, w->rpages, NULL, w->where, &ret);
	if (stop)
		return stop;
	for (size_t j = 0; j < nr; j++) {
		w->status[off + w->ridx[j]] = w->rstatus[j];
		fin[w->ridx[j]] = w->where[j];
	}
	return 0;
}

/* Count what became of the K pages at OFF, whose final nodes are FIN. */
static int account(struct nm_walk *w, size_t off, size_t k, const int *fin)
{
	struct nm_walk_counts *c = w->c;
	unsigned long long enomem = 0;

	for (size_t i = 0; i < k; i++) {
		int st = w->status[off + i], tgt = w->nodes[off + i];
		unsigned wt = w->pweight[off + i];
		enum nm_mig_outcome o;

		if (fin[i] == tgt) {
			c->moved += wt;
			c->bytes_moved += (unsigned long long)wt * w->page_bytes;
			if (w->pfrom[off + i])
				w->pfrom[off + i][w->src[off + i]] += wt;
			if (w->moved_to)
				w->moved_to[tgt] += wt;
			continue;
		}
		o = st < 0 ? nm_mig_outcome_of(st) : NM_MIG_EOTHER;
		c->failed += wt;
		c->failed_by[o] += wt;
		enomem += o == NM_MIG_ENOMEM;
	}
	return enomem >= ENOMEM_BURST || (enomem && enomem >= k / 4) ? NM_MIG_FULL : 0;
}

/* Move the K pages at w->pages + OFF in one call and count what became of
 * each. FULL: the batch size cut it, not the end of the candidates. */
static int move_batch(struct nm_walk *w, size_t off, size_t k, unsigned long long weight,
		      bool full)
{
	const struct nm_mig_sys *s = w->sys;
	int *fin = w->again;
	uint64_t t0 = s->now_ns(s->ctx), dt;
	long ret;
	int stop = call(w, k, w->pages + off, w->nodes + off, w->status + off, &ret);

	if (stop)
		return stop;
	dt = s->now_ns(s->ctx) - t0;
	if (w->tuner)
		nm_tuner_update(w->tuner, (unsigned)weight, full, dt);
	w->c->calls++;
	w->c->busy_ns += dt;
	w->c->requested += weight;
	w->bytes_spent += weight * w->page_bytes;
	/* A positive return: some pages were not migrated, whatever their
	 * status says. Ask where they all are now. */
	if (ret > 0) {
		long again;

		stop = call(w, k, w->pages + off, NULL, fin, &again);
		if (stop)
			return stop;
	} else {
		memcpy(fin, w->status + off, k * sizeof(*fin));
	}
	stop = retry(w, off, k, fin);
	return stop ? stop : account(w, off, k, fin);
}

/* How many of the N candidates from DONE the next call takes: up to the
 * batch size (the tuner's, else the fixed one) and what the byte cap
 * leaves, counted in base pages; at least one if the cap allows it. */
static size_t batch_size(const struct nm_walk *w, size_t done, size_t n)
{
	unsigned long long limit = w->tuner ? w->tuner->cur : w->batch, sum = 0;
	size_t k = 0;

	if (w->max_bytes) {
		uint64_t left = w->max_bytes > w->bytes_spent ? w->max_bytes - w->bytes_spent : 0;
		unsigned long long cap = left / w->page_bytes;

		if (cap < w->pweight[done])
			return 0;
		if (cap < limit)
			limit = cap;
	}
	while (done + k < n && (k == 0 || sum + w->pweight[done + k] <= limit))
		sum += w->pweight[done + k++];
	return k;
}

/* Move the w->npend pages waiting at w->pages in batches. KEEP_TAIL: a
 * last batch the candidates ran out on waits for more (w->carry), so a
 * walk over many small ranges does not pay a call for each. */
static int move_pending(struct nm_walk *w, bool keep_tail)
{
	size_t nm = w->npend, done = 0;
	int stop = 0;

	while (done < nm) {
		size_t k = batch_size(w, done, nm);
		unsigned long long weight = 0;

		if (k == 0) {
			stop = NM_MIG_BUDGET;
			break;
		}
		if (keep_tail && done + k == nm)
			break;
		for (size_t i = done; i < done + k; i++)
			weight += w->pweight[i];
		stop = move_batch(w, done, k, weight, done + k < nm);
		if (stop)
			break;
		done += k;
	}
	w->npend = stop ? 0 : nm - done;
	if (w->npend && done) {
		memmove(w->pages, w->pages + done, w->npend * sizeof(*w->pages));
		memmove(w->pweight, w->pweight + done, w->npend * sizeof(*w->pweight));
		memmove(w->src, w->src + done, w->npend * sizeof(*w->src));
		memmove(w->nodes, w->nodes + done, w->npend * sizeof(*w->nodes));
		memmove(w->pfrom, w->pfrom + done, w->npend * sizeof(*w->pfrom));
	}
	return stop;
}

/* ---- placing candidates ---- */

static int target_of(const struct nm_walk *w, int node)
{
	return w->map && node >= 0 && node < w->nr_map ? w->map[node] : -1;
}

static void mark_missing(struct nm_walk *w, void *addr, unsigned wt)
{
	size_t first;

	if (!w->missing)
		return;
	first = ((unsigned long)addr - w->range_start) / w->page_bytes;
	memset(w->missing + first, 1, wt);
}

/* The NC candidates in w->cand (weights in w->weight; per-page targets in
 * w->want_node when PER_PAGE): ask where they are, then move those bound
 * elsewhere in batches. */
static int place(struct nm_walk *w, size_t nc, bool per_page)
{
	struct nm_walk_counts *c = w->c;
	unsigned long long misplaced = 0;
	size_t nm;
	long ret;
	int stop = 0;

	/* What waits must fit beside this window's pages and be of the
	 * same page size (its weights are counted in it). */
	if (w->npend && (w->npend + nc > NM_WALK_WINDOW || w->pend_page_bytes != w->page_bytes))
		stop = move_pending(w, false);
	if (!stop)
		stop = call(w, nc, w->cand, NULL, w->where, &ret);
	if (stop)
		return stop;
	nm = w->npend;
	w->pend_page_bytes = w->page_bytes;
	for (size_t i = 0; i < nc; i++) {
		int at = w->where[i], to = per_page ? w->want_node[i] : target_of(w, at);
		unsigned wt = w->weight[i];

		if (at < 0) { /* the zero page, or gone since pagemap */
			c->absent += wt;
			if (!per_page)
				mark_missing(w, w->cand[i], wt);
			continue;
		}
		if (w->on_node && at < w->nr_map)
			w->on_node[at] += wt;
		if (to < 0 || to == at) {
			c->stay += wt;
			continue;
		}
		w->pages[nm] = w->cand[i];
		w->pweight[nm] = wt;
		w->src[nm] = at;
		w->pfrom[nm] = w->moved_from;
		w->nodes[nm++] = to;
		misplaced += wt;
	}
	c->misplaced += misplaced;
	if (w->dry_run) {
		c->requested += misplaced;
		return 0;
	}
	w->npend = nm;
	return move_pending(w, w->carry);
}

/* ---- address ranges ---- */

/* Does page I of the N pagemap entries at ADDR start a PMD-mapped THP?
 * Its frames must be consecutive and present, and its head's kpageflags
 * must say so: a run of frames alone can be chance. */
static bool thp_at(struct nm_walk *w, unsigned long addr, size_t i, size_t n)
{
	const struct nm_mig_sys *s = w->sys;
	uint64_t pfn = w->pm[i] & NM_PM_PFN_MASK, flags;

	if (w->no_kpageflags || w->want || w->page_bytes != 4096 || i + THP_PAGES > n ||
	    (addr + i * w->page_bytes) % (THP_PAGES * 4096ul) || pfn == 0)
		return false;
	for (size_t j = 1; j < THP_PAGES; j++)
		if (!(w->pm[i + j] & NM_PM_PRESENT) || (w->pm[i + j] & NM_PM_PFN_MASK) != pfn + j ||
		    (w->pm[i + j] & NM_PM_EXCLUSIVE) != (w->pm[i] & NM_PM_EXCLUSIVE))
			return false;
	if (!s->kpageflags || s->kpageflags(s->ctx, pfn, &flags) < 0) {
		w->no_kpageflags = true;
		return false;
	}
	return (flags & (KPF_THP | KPF_COMPOUND_HEAD)) == (KPF_THP | KPF_COMPOUND_HEAD);
}

/* One window of N pages at ADDR. */
static int do_window(struct nm_walk *w, unsigned long addr, size_t n)
{
	const struct nm_mig_sys *s = w->sys;
	struct nm_walk_counts *c = w->c;
	size_t nc = 0, first = (addr - w->range_start) / w->page_bytes;
	int e = s->pagemap(s->ctx, w->proc, addr, n, w->pm);

	if (e < 0)
		return nm_mig_failed(s, w->proc, -e, &w->abort_errno);
	for (size_t i = 0; i < n;) {
		unsigned wt = 1;

		if (w->want && !w->want[first + i]) {
			i++;
			continue;
		}
		if (w->pm[i] & NM_PM_PRESENT)
			wt = thp_at(w, addr, i, n) ? THP_PAGES : 1;
		c->pages += wt;
		if (w->missing)
			memset(w->missing + first + i, !(w->pm[i] & NM_PM_PRESENT), wt);
		if (!(w->pm[i] & NM_PM_PRESENT)) {
			c->absent++;
		} else if (w->exclusive_only && !(w->pm[i] & NM_PM_EXCLUSIVE)) {
			c->shared += wt;
		} else {
			w->cand[nc] = (void *)(addr + i * w->page_bytes);
			w->weight[nc++] = wt;
		}
		i += wt;
	}
	return nc ? place(w, nc, false) : 0;
}

enum nm_mig_stop nm_walk_range(struct nm_walk *w, unsigned long start, unsigned long end)
{
	unsigned long span = NM_WALK_WINDOW * w->page_bytes;

	w->range_start = start;
	w->stop = NM_MIG_DONE;
	w->published = *w->c;
	for (unsigned long addr = start; addr < end && !w->stop;) {
		/* Up to the next window boundary of the address space. */
		unsigned long next = (addr / span + 1) * span;
		size_t n;

		if (next > end || next < addr)
			next = end;
		n = (next - addr) / w->page_bytes;
		w->stop = (enum nm_mig_stop)do_window(w, addr, n);
		addr = next;
	}
	nm_progress_publish(w->progress, w->c, &w->published);
	return w->stop;
}

/* ---- address lists ---- */

/* Keep the pages of the list that exclusive_only allows: one pagemap
 * entry each. Returns the stop, with *NC the pages kept. */
static int filter_exclusive(struct nm_walk *w, size_t *nc)
{
	const struct nm_mig_sys *s = w->sys;
	size_t kept = 0;

	for (size_t i = 0; i < *nc; i++) {
		uint64_t pm;
		int e = s->pagemap(s->ctx, w->proc, (unsigned long)w->cand[i], 1, &pm);

		if (e < 0)
			return nm_mig_failed(s, w->proc, -e, &w->abort_errno);
		if (!(pm & NM_PM_PRESENT)) {
			w->c->absent++;
			continue;
		}
		if (!(pm & NM_PM_EXCLUSIVE)) {
			w->c->shared++;
			continue;
		}
		w->cand[kept] = w->cand[i];
		w->want_node[kept++] = w->want_node[i];
	}
	*nc = kept;
	return 0;
}

enum nm_mig_stop nm_walk_list(struct nm_walk *w, const unsigned long *addrs, const int *targets,
			      size_t n)
{
	w->stop = NM_MIG_DONE;
	w->published = *w->c;
	for (size_t off = 0; off < n && !w->stop; off += NM_WALK_WINDOW) {
		size_t nc = n - off < NM_WALK_WINDOW ? n - off : NM_WALK_WINDOW;
		int stop = 0;

		for (size_t i = 0; i < nc; i++) {
			w->cand[i] = (void *)(addrs[off + i] / w->page_bytes * w->page_bytes);
			w->want_node[i] = targets[off + i];
			w->weight[i] = 1;
		}
		w->c->pages += nc;
		if (w->exclusive_only)
			stop = filter_exclusive(w, &nc);
		if (!stop && nc)
			stop = place(w, nc, true);
		w->stop = (enum nm_mig_stop)stop;
	}
	nm_progress_publish(w->progress, w->c, &w->published);
	return w->stop;
}

enum nm_mig_stop nm_walk_flush(struct nm_walk *w)
{
	if (!w->stop && w->npend)
		w->stop = (enum nm_mig_stop)move_pending(w, false);
	w->npend = 0;
	nm_progress_publish(w->progress, w->c, &w->published);
	return w->stop;
}

/* migrator: the "act" stage. See numamig/migrator.h. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "numamig/migrator.h"

/* Address space examined per pass: 4096 pages is 16 MiB of 4 KiB pages,
 * 32 KiB of pagemap, and bounds every buffer below. */
#define WINDOW 4096u
#define PM_PRESENT (1ull << 63)
#define PM_EXCLUSIVE (1ull << 56)
/* ENOMEM on this many pages of one batch (or a quarter of it) means the
 * target is full: stop rather than hammer a node under reclaim. */
#define ENOMEM_BURST 16u

static const char *const outcome_names[NM_MIG_NR_OUTCOMES] = {
	"moved", "ENOENT", "EFAULT", "EACCES", "EBUSY", "ENOMEM", "other",
};
static const char *const stop_names[] = { "done", "budget", "target_full", "gone", "aborted",
					   "stopped" };

/* Set by the event loop's thread, read by the workers between calls. */
static atomic_bool stopping;

void nm_mig_set_stopping(bool on)
{
	atomic_store(&stopping, on);
}

bool nm_mig_stopping(void)
{
	return atomic_load(&stopping);
}

const char *nm_mig_outcome_name(enum nm_mig_outcome o)
{
	return o < NM_MIG_NR_OUTCOMES ? outcome_names[o] : "unknown";
}

const char *nm_mig_stop_name(enum nm_mig_stop s)
{
	return (size_t)s < sizeof(stop_names) / sizeof(stop_names[0]) ? stop_names[s] : "unknown";
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

struct mig_sys_ref {
	const struct nm_mig_sys *sys;
	const struct nm_proc *proc;
};

struct run {
	const struct nm_mig_sys *sys;
	const struct nm_mig_request *req;
	struct nm_mig_result *res;
	uint64_t *pm;
	void **cand;          /* present (and exclusive) pages of the window */
	int *where;           /* their nodes */
	void **batch;         /* misplaced pages, then each batch */
	int *src;             /* node of each misplaced page */
	int *nodes, *status;  /* move_pages arguments for one batch */
	unsigned long long bytes_left;
};

/* Call move_pages, bracketed by liveness checks. Returns 0, or a stop. */
/* A call failed with ERR: GONE if the process is exiting, else ABORTED.
 * An exiting process loses its mm before its pidfd polls readable, and
 * move_pages() then fails with EINVAL (6.12) rather than ESRCH, so give
 * the exit up to 100 ms to show before calling it an error. */
static int failed(const struct mig_sys_ref *ref, int err, int *abort_errno)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (err == ESRCH)
		return NM_MIG_GONE;
	for (int i = 0; i < 10; i++) {
		if (!ref->sys->alive(ref->sys->ctx, ref->proc))
			return NM_MIG_GONE;
		nanosleep(&tick, NULL);
	}
	*abort_errno = err;
	return NM_MIG_ABORTED;
}

static int call(struct run *r, size_t n, void **pages, const int *nodes, int *status, long *ret)
{
	const struct nm_mig_sys *s = r->sys;
	int flags = r->req->max_mapcount > 1 ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE;

	if (nm_mig_stopping())
		return NM_MIG_STOPPED;
	if (!s->alive(s->ctx, r->req->proc))
		return NM_MIG_GONE;
	*ret = s->move_pages(s->ctx, r->req->proc->pid, n, pages, nodes, status, nodes ? flags : 0);
	if (*ret < 0)
		return failed(&(struct mig_sys_ref){ s, r->req->proc }, errno, &r->res->abort_errno);
	/* After the call too: a result about a pid that died is dropped. */
	return s->alive(s->ctx, r->req->proc) ? 0 : NM_MIG_GONE;
}

/* Count what the batch of N pages at PAGES (sources SRC) became. The
 * move's per-page status says where each page is or why it did not move;
 * when the call reported pages not migrated (RET > 0), a second query
 * re-verifies them, because a page can be reported and still not be there
 * (a THP split under us, a concurrent fault). */
static int account(struct run *r, void **pages, const int *src, size_t n, long ret,
		   unsigned long page_bytes)
{
	struct nm_mig_result *res = r->res;
	unsigned enomem = 0;
	int *where = r->status;

	if (ret > 0) {
		long again;
		int stop = call(r, n, pages, NULL, r->where, &again);

		if (stop)
			return stop;
		where = r->where;
	}
	for (size_t i = 0; i < n; i++) {
		enum nm_mig_outcome o;

		if (where[i] == r->req->target) {
			res->outcomes[NM_MIG_MOVED]++;
			res->moved_from[src[i]]++;
			res->bytes_moved += page_bytes;
			continue;
		}
		o = r->status[i] < 0 ? nm_mig_outcome_of(r->status[i]) : NM_MIG_EOTHER;
		res->outcomes[o]++;
		enomem += o == NM_MIG_ENOMEM;
	}
	return enomem >= ENOMEM_BURST || (enomem && enomem >= n / 4) ? NM_MIG_FULL : 0;
}

static size_t allowed_pages(struct run *r, unsigned long page_bytes)
{
	uint64_t bytes = nm_bucket_available(r->req->bucket, r->sys->now_ns(r->sys->ctx));

	if (r->req->max_bytes && r->bytes_left < bytes)
		bytes = r->bytes_left;
	return (size_t)(bytes / page_bytes);
}

/* Move one batch of K pages starting at misplaced page OFF. */
static int move_batch(struct run *r, size_t off, size_t k, unsigned long page_bytes)
{
	const struct nm_mig_sys *s = r->sys;
	uint64_t t0, dt;
	long ret;
	int stop;

	for (size_t i = 0; i < k; i++)
		r->nodes[i] = r->req->target;
	t0 = s->now_ns(s->ctx);
	stop = call(r, k, r->batch + off, r->nodes, r->status, &ret);
	if (stop)
		return stop;
	dt = s->now_ns(s->ctx) - t0;
	nm_tuner_update(r->req->tuner, (unsigned)k, dt);
	r->res->calls++;
	r->res->busy_ns += dt;
	r->res->requested += k;
	nm_bucket_take(r->req->bucket, k * page_bytes);
	r->bytes_left -= r->bytes_left < k * page_bytes ? r->bytes_left : k * page_bytes;
	return account(r, r->batch + off, r->src + off, k, ret, page_bytes);
}

/* Move the N misplaced pages in r->batch in tuned, paid-for batches. */
static int move_misplaced(struct run *r, size_t n, unsigned long page_bytes)
{
	for (size_t done = 0; done < n;) {
		size_t k = n - done, cap = allowed_pages(r, page_bytes);
		int stop;

		if (k > r->req->tuner->cur)
			k = r->req->tuner->cur;
		if (k > cap)
			k = cap;
		if (k == 0)
			return NM_MIG_BUDGET;
		stop = move_batch(r, done, k, page_bytes);
		if (stop)
			return stop;
		done += k;
	}
	return 0;
}

static bool from_source(const struct run *r, int node)
{
	if (node < 0 || node == r->req->target)
		return false;
	return !r->req->sources || numa_bitmask_isbitset(r->req->sources, (unsigned)node);
}

/* One window of N pages at ADDR: find the misplaced pages and move them. */
static int do_window(struct run *r, unsigned long addr, size_t n, unsigned long page_bytes)
{
	const struct nm_mig_sys *s = r->sys;
	size_t nc = 0, nm = 0;
	long ret;
	int stop, e = s->pagemap(s->ctx, r->req->proc, addr, n, r->pm);

	if (e < 0)
		return failed(&(struct mig_sys_ref){ s, r->req->proc }, -e, &r->res->abort_errno);
	for (size_t i = 0; i < n; i++) {
		bool shared_ok = r->req->max_mapcount > 1 || (r->pm[i] & PM_EXCLUSIVE);

		if ((r->pm[i] & PM_PRESENT) && shared_ok)
			r->cand[nc++] = (void *)(addr + i * page_bytes);
	}
	if (nc == 0)
		return 0;
	stop = call(r, nc, r->cand, NULL, r->where, &ret);
	if (stop)
		return stop;
	for (size_t i = 0; i < nc; i++)
		if (from_source(r, r->where[i])) {
			r->batch[nm] = r->cand[i];
			r->src[nm++] = r->where[i];
		}
	r->res->misplaced += nm;
	return nm ? move_misplaced(r, nm, page_bytes) : 0;
}

static int do_vma(struct run *r, const struct nm_fp_vma *v)
{
	unsigned long page_bytes = v->page_kb * 1024;

	for (unsigned long addr = v->start; addr < v->end; addr += WINDOW * page_bytes) {
		size_t n = (v->end - addr) / page_bytes;
		int stop = do_window(r, addr, n > WINDOW ? WINDOW : n, page_bytes);

		if (stop)
			return stop;
	}
	return 0;
}

struct order {
	size_t vma;
	unsigned long misplaced;
};

static int by_misplaced_desc(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	return x->misplaced < y->misplaced ? 1 : x->misplaced > y->misplaced ? -1 : 0;
}

/* Most misplaced VMAs first: the biggest locality gain per byte of budget. */
static struct order *plan_order(const struct nm_mig_request *req, size_t *n)
{
	const struct nm_footprint *fp = req->fp;
	struct order *o = malloc(sizeof(*o) * (fp->n_vmas ? fp->n_vmas : 1));

	*n = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < fp->n_vmas; i++) {
		unsigned long off = fp->vmas[i].pages - nm_fp_vma_pages_on(fp, &fp->vmas[i], req->target);

		if (off && fp->vmas[i].page_kb)
			o[(*n)++] = (struct order){ i, off };
	}
	qsort(o, *n, sizeof(*o), by_misplaced_desc);
	return o;
}

static int alloc_run(struct run *r)
{
	size_t bn = r->req->tuner->max > WINDOW ? r->req->tuner->max : WINDOW;

	r->pm = malloc(WINDOW * sizeof(*r->pm));
	r->cand = malloc(WINDOW * sizeof(*r->cand));
	r->where = malloc(WINDOW * sizeof(*r->where));
	r->batch = malloc(WINDOW * sizeof(*r->batch));
	r->src = malloc(WINDOW * sizeof(*r->src));
	r->nodes = malloc(bn * sizeof(*r->nodes));
	r->status = malloc(bn * sizeof(*r->status));
	return r->pm && r->cand && r->where && r->batch && r->src && r->nodes && r->status
		       ? 0 : -ENOMEM;
}

static void free_run(struct run *r)
{
	free(r->pm);
	free(r->cand);
	free(r->where);
	free(r->batch);
	free(r->src);
	free(r->nodes);
	free(r->status);
}

int nm_mig_lazy(const struct nm_mig_sys *sys, const struct nm_mig_request *req,
		struct nm_mig_result *res)
{
	struct run r = { .sys = sys, .req = req, .res = res, .bytes_left = req->max_bytes };
	struct order *order;
	size_t n;
	int stop = 0, err;

	memset(res, 0, sizeof(*res));
	err = alloc_run(&r);
	order = err ? NULL : plan_order(req, &n);
	if (!order) {
		free_run(&r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !stop; i++)
		stop = do_vma(&r, &req->fp->vmas[order[i].vma]);
	res->stop = stop ? (enum nm_mig_stop)stop : NM_MIG_DONE;
	free(order);
	free_run(&r);
	return 0;
}

/* One call moves everything (the kernel orders overlapping moves), so a
 * stop is seen before it, between the processes of a job, not inside. */
int nm_mig_direct(const struct nm_mig_sys *sys, const struct nm_proc *proc,
		  const struct bitmask *from, const struct bitmask *to, unsigned max_mapcount,
		  struct nm_mig_result *res)
{
	long left;

	memset(res, 0, sizeof(*res));
	if (nm_mig_stopping()) {
		res->stop = NM_MIG_STOPPED;
		return 0;
	}
	if (!sys->alive(sys->ctx, proc)) {
		res->stop = NM_MIG_GONE;
		return 0;
	}
	/* maxnode as numa_migrate_pages() passes it: the mask size plus one. */
	left = sys->migrate_pages(sys->ctx, proc->pid, from->size + 1, from->maskp, to->maskp,
				  max_mapcount > 1);
	res->calls = 1;
	if (left < 0) {
		res->stop = (enum nm_mig_stop)failed(&(struct mig_sys_ref){ sys, proc }, errno,
						     &res->abort_errno);
	} else {
		res->outcomes[NM_MIG_EOTHER] = (unsigned long long)left;
		res->stop = sys->alive(sys->ctx, proc) ? NM_MIG_DONE : NM_MIG_GONE;
	}
	return 0;
}

/* ---- the kernel ---- */

static long k_move_pages(void *ctx, pid_t pid, unsigned long count, void **pages,
			 const int *nodes, int *status, int flags)
{
	(void)ctx;
	return move_pages(pid, count, pages, nodes, status, flags);
}

/* Raise or lower CAP_SYS_NICE in this thread's effective set (capability
 * sets are per thread, so the event loop keeps its own). Returns whether
 * it was effective before. */
static bool set_sys_nice(bool on)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	bool was;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	was = data[0].effective & (1u << CAP_SYS_NICE);
	if (on && (data[0].permitted & (1u << CAP_SYS_NICE)))
		data[0].effective |= 1u << CAP_SYS_NICE;
	else if (!on)
		data[0].effective &= ~(1u << CAP_SYS_NICE);
	syscall(SYS_capset, &hdr, data);
	return was;
}

/* migrate_pages() moves shared pages (MPOL_MF_MOVE_ALL) exactly when the
 * caller has CAP_SYS_NICE: drop it for the call unless SHARED. */
static long k_migrate_pages(void *ctx, pid_t pid, unsigned long maxnode,
			    const unsigned long *old_nodes, const unsigned long *new_nodes,
			    bool shared)
{
	bool had = shared ? false : set_sys_nice(false);
	long r = migrate_pages(pid, maxnode, old_nodes, new_nodes);
	int e = errno;

	if (had)
		set_sys_nice(true);
	errno = e;
	(void)ctx;
	return r;
}

static int k_pagemap(void *ctx, const struct nm_proc *p, unsigned long start, size_t n,
		     uint64_t *entries)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = nm_proc_openat(p, "pagemap");
	ssize_t got;

	(void)ctx;
	if (fd < 0)
		return fd;
	got = pread(fd, entries, n * sizeof(*entries), (off_t)(start / (unsigned long)psz) * 8);
	close(fd);
	if (got < 0)
		return -errno;
	/* Short reads past the end of the address space: not present. */
	memset((char *)entries + got, 0, n * sizeof(*entries) - (size_t)got);
	return 0;
}

static bool k_alive(void *ctx, const struct nm_proc *p)
{
	(void)ctx;
	return nm_proc_alive(p);
}

static uint64_t k_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const struct nm_mig_sys nm_mig_kernel = {
	.move_pages = k_move_pages,
	.migrate_pages = k_migrate_pages,
	.pagemap = k_pagemap,
	.alive = k_alive,
	.now_ns = k_now_ns,
};

/* progress: an operator's move as another thread sees it (numamig/act.h),
 * its pacing, and the two switches that stop walks between calls: one
 * move's cancel, and every walk's when the daemon stops
 * (nm_mig_set_stopping). The worker that walks adds, the event loop reads
 * and cancels: every field is touched with the compiler's atomic builtins
 * (the struct is part of the installed API, which stays plain C for C++
 * users, so no _Atomic members). */
#include "config.h"

#include <time.h>

#include "numamig/act.h"
#include "base/api.h"
#include "base/clock.h"
#include "numamig/migrator.h"

/* Set by the event loop's thread, read by the workers between calls. */
static int stopping;

void nm_mig_set_stopping(bool on)
{
	__atomic_store_n(&stopping, on, __ATOMIC_RELEASE);
}

bool nm_mig_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

/* X (a statement) for every count of struct nm_walk_counts: the one list
 * of them that adding, subtracting and reading go over. */
#define COUNTS(X)                                                                   \
	X(pages) X(absent) X(shared) X(stay) X(misplaced) X(requested) X(moved)     \
	X(failed) X(retried) X(bytes_moved) X(calls) X(busy_ns)                     \
	for (int i_ = 0; i_ < NM_MIG_NR_OUTCOMES; i_++)                             \
		X(failed_by[i_])

NM_API void nm_progress_add(struct nm_progress *p, const struct nm_walk_counts *d)
{
#define ADD(f) __atomic_fetch_add(&p->c.f, d->f, __ATOMIC_RELAXED);
	if (!p)
		return;
	COUNTS(ADD)
#undef ADD
}

void nm_progress_publish(struct nm_progress *p, const struct nm_walk_counts *now,
			 struct nm_walk_counts *was)
{
#define SUB(f) d.f = now->f - was->f;
	struct nm_walk_counts d = { 0 };

	if (!p)
		return;
	COUNTS(SUB)
	nm_progress_add(p, &d);
	*was = *now;
#undef SUB
}

NM_API void nm_progress_set_planned(struct nm_progress *p, unsigned long long pages)
{
	if (p)
		__atomic_store_n(&p->planned, pages, __ATOMIC_RELAXED);
}

NM_API void nm_progress_read(const struct nm_progress *p, struct nm_walk_counts *c,
			     unsigned long long *planned)
{
#define GET(f) c->f = __atomic_load_n(&p->c.f, __ATOMIC_RELAXED);
	*c = (struct nm_walk_counts){ 0 };
	COUNTS(GET)
#undef GET
	*planned = __atomic_load_n(&p->planned, __ATOMIC_RELAXED);
}

NM_API void nm_progress_cancel(struct nm_progress *p)
{
	__atomic_store_n(&p->cancelled, 1, __ATOMIC_RELEASE);
}

NM_API bool nm_progress_cancelled(const struct nm_progress *p)
{
	return p && __atomic_load_n(&p->cancelled, __ATOMIC_ACQUIRE);
}

/* Sleep in slices this long at most, so a cancel or a stop is seen. */
#define PACE_SLICE_NS 100000000ull

void nm_progress_pace(struct nm_progress *p)
{
	uint64_t now, moved, allowed;

	if (!p || !p->rate_bps)
		return;
	now = nm_mono_ns();
	if (!p->since_ns)
		p->since_ns = now;
	moved = __atomic_load_n(&p->c.bytes_moved, __ATOMIC_RELAXED);
	for (;;) {
		double secs = (double)(now - p->since_ns) / 1e9 + 1.0; /* one second's burst */
		double wait_ns;
		struct timespec ts;

		allowed = secs * (double)p->rate_bps >= (double)UINT64_MAX ? UINT64_MAX :
			  (uint64_t)(secs * (double)p->rate_bps);
		if (moved <= allowed || nm_progress_cancelled(p) || nm_mig_stopping())
			return;
		wait_ns = (double)(moved - allowed) / (double)p->rate_bps * 1e9;
		if (wait_ns > (double)PACE_SLICE_NS)
			wait_ns = (double)PACE_SLICE_NS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)wait_ns + 1;
		nanosleep(&ts, NULL);
		now = nm_mono_ns();
	}
}

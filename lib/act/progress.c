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

#define ADD(f) __atomic_fetch_add(&p->c.f, d->f, __ATOMIC_RELAXED)
#define GET(f) (c->f = __atomic_load_n(&p->c.f, __ATOMIC_RELAXED))

NM_API void nm_progress_add(struct nm_progress *p, const struct nm_walk_counts *d)
{
	if (!p)
		return;
	ADD(pages); ADD(absent); ADD(shared); ADD(stay); ADD(misplaced);
	ADD(requested); ADD(moved); ADD(failed); ADD(retried); ADD(bytes_moved);
	ADD(calls); ADD(busy_ns);
	for (int i = 0; i < NM_MIG_NR_OUTCOMES; i++)
		ADD(failed_by[i]);
}

NM_API void nm_progress_set_planned(struct nm_progress *p, unsigned long long pages)
{
	if (p)
		__atomic_store_n(&p->planned, pages, __ATOMIC_RELAXED);
}

NM_API void nm_progress_read(const struct nm_progress *p, struct nm_walk_counts *c,
			     unsigned long long *planned)
{
	GET(pages); GET(absent); GET(shared); GET(stay); GET(misplaced);
	GET(requested); GET(moved); GET(failed); GET(retried); GET(bytes_moved);
	GET(calls); GET(busy_ns);
	for (int i = 0; i < NM_MIG_NR_OUTCOMES; i++)
		GET(failed_by[i]);
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

/* progress: an operator's move as another thread sees it (numamig/act.h).
 * The worker that walks adds, the event loop reads and cancels: every
 * field is touched with the compiler's atomic builtins (the struct is part
 * of the installed API, which stays plain C for C++ users, so no _Atomic
 * members). */
#include "config.h"

#include "numamig/act.h"
#include "base/api.h"

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

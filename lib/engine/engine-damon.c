/* engine-damon: the reads of tiered processes, from DAMON
 * (numamig/damon.h), into their access stores.
 *
 * A process placed by region for tiering (memory on a memory-only node to
 * promote, or on a node above its goal to demote) gets a kdamond of its own
 * while its policy allows it (tiering.reads: damon) and one node is its
 * home: DAMON does not say which CPU made an access, so its accesses are
 * counted on the node the process runs on. Where they are, a region only
 * read is hot like a written one: it is promoted, and not demoted.
 *
 * DAMON is opened at the first such process, never on a machine that has
 * none. Each tick reads one snapshot (a wait for DAMON's next aggregation,
 * about 100 ms), the watched processes in turn, into the process's open
 * window. A kdamond whose process left tiering, or the tracking set, is
 * stopped at the end of the tick. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "numamig/damon.h"
#include "numamig/file.h"

/* After DAMON could not be opened (another user had it), try again this
 * much later. */
#define RETRY_MS 60000
/* DAMON's regions adapt within about 20 aggregations. */
#define WARMUP_MS 2000
/* DAMON's word on a region that moved between tiers is not taken for this
 * long at least. */
#define HOLD_MIN_MS 30000
/* The fewest samples of an aggregation (of NM_DAMON_MAX_ACCESSES) that
 * must find a range accessed for it to count: a quarter of them. Below
 * that DAMON has seen too little to tell a hot set from its neighbours:
 * in a guest where it saw 1-8 of 20, its regions stayed 5-7 MiB wide,
 * straddled the edge of the hot set, and a cold region next to it was
 * promoted (then demoted, and held when it became hot). A range read
 * without pause is found accessed in nearly every sample. */
#define HOT_MIN (NM_DAMON_MAX_ACCESSES / 4)

static void damon_open(struct nm_engine *e, uint64_t now_ms)
{
	if (e->damon || now_ms < e->damon_retry_ms)
		return;
	if (!nm_root_is_live(e->root)) {
		e->damon_err = -EOPNOTSUPP;
		snprintf(e->damon_why, sizeof(e->damon_why), "not a live system (--root)");
		e->damon_retry_ms = UINT64_MAX;
		return;
	}
	e->damon_err = nm_damon_open(e->root, NM_DAMON_SLOTS, &e->damon, e->damon_why,
				     sizeof(e->damon_why));
	if (e->damon_err < 0) {
		e->damon = NULL;
		/* Another user may let go of it; a kernel without it will not
		 * grow it. */
		e->damon_retry_ms = e->damon_err == -EBUSY ? now_ms + RETRY_MS : UINT64_MAX;
	}
}

void engine_damon_close(struct nm_engine *e)
{
	nm_damon_close(e->damon);
	e->damon = NULL;
}

static void release(struct nm_engine *e, unsigned slot)
{
	nm_damon_stop(e->damon, slot);
	e->damon_pid[slot] = 0;
}

/* A free kdamond watching T, or false. DAMON holds the pid once it is on:
 * T alive after the start means it is T that is watched, not a process
 * that reused its pid. */
static bool watch(struct nm_engine *e, struct nm_task *t, uint64_t now_ms)
{
	for (unsigned i = 0; i < NM_DAMON_SLOTS; i++) {
		if (e->damon_pid[i])
			continue;
		if (nm_damon_start(e->damon, i, t->id.pid) < 0)
			return false;
		e->damon_pid[i] = t->id.pid;
		if (!nm_proc_alive(t->id.proc)) {
			release(e, i);
			t->id.doomed = true;
			return false;
		}
		t->rg->damon_slot = i + 1;
		t->rg->damon_since_ms = now_ms;
		return true;
	}
	return false;
}

void engine_damon_watch(struct nm_engine *e, struct nm_task *t, bool want, uint64_t now_ms)
{
	struct nm_regions *rg = t->rg;

	want = want && t->id.policy->reads == NM_READS_DAMON && t->last.home >= 0;
	if (!rg || want == (rg->damon_slot != 0))
		return;
	if (!want) {
		if (e->damon)
			release(e, rg->damon_slot - 1);
		rg->damon_slot = 0;
		return;
	}
	damon_open(e, now_ms);
	if (e->damon)
		watch(e, t, now_ms);
}

/* The task whose kdamond SLOT is, or NULL when it is not (any more): it
 * left the tracking set or tiering, or its pid is another process's. */
static struct nm_task *owner(struct nm_engine *e, unsigned slot)
{
	struct nm_ident *id = e->damon_pid[slot] ? nm_track_find(&e->tracker, e->damon_pid[slot])
						 : NULL;
	struct nm_task *t = id ? nm_task_of(id) : NULL;

	return t && t->rg && t->rg->damon_slot == slot + 1 ? t : NULL;
}

struct held_arg {
	const struct nm_task *t;
	uint64_t now_ms;
};

/* Whether T's region START moved between tiers within the hold time:
 * cold_after, and at least HOLD_MIN_MS. */
static bool held(unsigned long start, void *arg)
{
	const struct held_arg *h = arg;
	const struct nm_tier_move *m = nm_tier_log_find(&h->t->tier.log, start);
	uint64_t hold = h->t->id.policy->cold_after_ms;

	return m && h->now_ms < m->ms + (hold > HOLD_MIN_MS ? hold : HOLD_MIN_MS);
}

/* T's snapshot into its open window, counted on its home. A DAMON region
 * found accessed in at least HOT_MIN of its samples and at least half as
 * hot as T's hottest counts its pages, each the share of samples that
 * found it accessed; one less hot counts for nothing, as if unseen.
 * DAMON's regions are coarse where it has not split them yet: one that
 * straddles the edge of a hot set holds cold pages too, which would
 * come home with it, and never be demoted. At half the hottest such a
 * region is at least half hot, and the store counts a 2 MiB region only if
 * it holds at least half as many weighted pages as the fullest
 * (nm_access_add_ranges): the few a straddling region puts in the region
 * next to a hot set do not make it hot. For WARMUP_MS after a start
 * nothing counts as hot, and whatever DAMON saw accessed is only not idle
 * (not demoted): DAMON begins with regions of equal size, whatever their
 * memory, and needs some aggregations to split them where the temperature
 * changes. And DAMON's word on a region that moved between tiers within
 * the hold time (held: cold_after, at least HOLD_MIN_MS) is not taken at
 * all: in a 6.12 guest DAMON found a set accessed right after it was
 * demoted, though nothing touched it, and a region seen accessed is not
 * cold, so it was planned on its old writes and came straight back.
 * Writes, which the soft-dirty faults see exactly, still promote it. */
static void fold(struct nm_engine *e, struct nm_task *t, unsigned slot, uint64_t now_ms)
{
	struct nm_regions *rg = t->rg;
	const struct nm_damon_region *v;
	struct nm_access_range *hot;
	bool warm = false;
	unsigned hottest = 0;
	size_t n, k = 0;
	int r = nm_damon_snapshot(e->damon, slot, &v, &n);

	if (r == -ESRCH) {
		release(e, slot); /* it exited: the kdamond stopped with it */
		rg->damon_slot = 0;
		return;
	}
	if (r < 0 || !(hot = malloc((n ? n : 1) * sizeof(*hot))))
		return;
	rg->damon_snapshots++;
	warm = now_ms >= rg->damon_since_ms + WARMUP_MS;
	for (size_t i = 0; i < n && warm; i++)
		hottest = v[i].nr_accesses > hottest ? v[i].nr_accesses : hottest;
	rg->damon_hot = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].nr_accesses < HOT_MIN || v[i].nr_accesses * 2 < hottest)
			continue;
		hot[k++] = (struct nm_access_range){ v[i].start, v[i].end,
			(float)v[i].nr_accesses / NM_DAMON_MAX_ACCESSES };
		rg->damon_hot += warm ? (v[i].end - v[i].start) >> rg->store.o.page_shift : 0;
	}
	r = nm_access_add_ranges(&rg->store, hot, k, t->last.home, NM_ACCESS_DAMON, !warm, held,
				 &(struct held_arg){ t, now_ms });
	rg->woke |= r > 0;
	free(hot);
}

void engine_damon_end_tick(struct nm_engine *e, uint64_t now_ms)
{
	if (!e->damon)
		return;
	for (unsigned i = 0; i < NM_DAMON_SLOTS; i++)
		if (e->damon_pid[i] && !owner(e, i))
			release(e, i);
	/* One snapshot a tick, the next watched process with a window open. */
	for (unsigned k = 0; k < NM_DAMON_SLOTS; k++) {
		unsigned i = (e->damon_next + k) % NM_DAMON_SLOTS;
		struct nm_task *t = owner(e, i);

		if (t && t->rg->open && t->last.home >= 0) {
			fold(e, t, i, now_ms);
			e->damon_next = i + 1;
			return;
		}
	}
}

int nm_engine_damon(const struct nm_engine *e, const char **why, struct nm_damon_stats *st)
{
	memset(st, 0, sizeof(*st));
	*why = NULL;
	if (e->damon) {
		nm_damon_get_stats(e->damon, st);
		return 0;
	}
	if (!e->damon_err)
		return 1;
	*why = e->damon_why;
	return e->damon_err;
}

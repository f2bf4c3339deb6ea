/* pace: how fast the migrator may go, and how soon it tries again. Two
 * small pure mechanisms (the byte rate is the planner's budget,
 * numamig/planner.h):
 *
 *  - a batch tuner: pages per move_pages() call, between a
 *    minimum and a maximum, sized so that a call takes at most the
 *    latency budget longer than the smallest call (the minimum batch, or
 *    one huge page for a walk of huge pages). A call costs
 *    a fixed part (the kernel drains every CPU's per-CPU page lists before
 *    it moves anything; on a busy machine each CPU must first schedule a
 *    kworker, tens of milliseconds in a loaded guest) plus a part per page
 *    (isolate, unmap, copy, remap; while a page moves, the task stalls on
 *    it). Only the second part grows with the batch, so only it is
 *    budgeted: a tuner that budgets the whole call (plain AIMD) sinks to
 *    the minimum whenever the fixed part alone overruns, and then pays
 *    that part per minimum batch. The tuner learns what the smallest
 *    call costs (a lower envelope of those calls: noise on a busy machine
 *    only adds time) and the cost of each page beyond it (the least of
 *    the last NM_TUNER_WINDOW calls', for the same reason: a batch that
 *    followed the noise down would make more calls, each paying the fixed
 *    part again); the batch goes straight down to what fits
 *    when the cost per page rises, and up per full call when there is
 *    room: doubling while the learnt costs fit twice the batch (as TCP's
 *    slow start), then by a quarter (as TCP probes).
 *  - an exponential backoff for a process the kernel refused.
 *
 * Time is an input: no clock is read here, so tests drive it.
 */
#ifndef NUMAMIG_PACE_H
#define NUMAMIG_PACE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Calls whose cost per page the tuner keeps: the least of them counts. */
#define NM_TUNER_WINDOW 8

struct nm_tuner {
	unsigned min, max;     /* pages per call */
	unsigned cur;
	uint64_t latency_ns;   /* budget beyond what the smallest call takes */
	uint64_t base_ns;      /* what the smallest call takes */
	unsigned base_pages;   /* its pages: min, or one huge page; 0: none yet */
	uint64_t page_ns;      /* what each page beyond it adds (0: none seen) */
	uint64_t page_win[NM_TUNER_WINDOW]; /* the last samples of it */
	unsigned page_seen;    /* samples since it was last unknown */
	unsigned at_min;       /* calls of the smallest size, for probing */
};

void nm_tuner_init(struct nm_tuner *t, unsigned min, unsigned max, uint64_t latency_ns);
/* Feed back one call that moved PAGES in ELAPSED_NS. FULL: the caller
 * had more to move and stopped where the next item would have passed
 * cur. Items can weigh more than one page (a THP counts 512), so a full
 * batch may be short of cur: it still shows whether there is room to
 * grow, where a batch short for want of pages shows nothing. */
void nm_tuner_update(struct nm_tuner *t, unsigned pages, bool full, uint64_t elapsed_ns);

/* Exponential backoff for a process the kernel refused (EPERM, EACCES):
 * the wait after a refusal, given the previous one (0: none yet). Starts
 * at MIN_MS and doubles up to MAX_MS; a success resets it to 0. */
uint64_t nm_backoff_next(uint64_t prev_ms, uint64_t min_ms, uint64_t max_ms);

#ifdef __cplusplus
}
#endif
#endif

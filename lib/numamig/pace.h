/* pace: how fast the migrator may go. Two small pure mechanisms:
 *
 *  - a batch tuner (seed 002): pages per move_pages() call, between a
 *    minimum and a maximum, sized so that a call takes at most the
 *    latency budget longer than a call of the minimum batch. A call costs
 *    a fixed part (the kernel drains every CPU's per-CPU page lists before
 *    it moves anything; on a busy machine each CPU must first schedule a
 *    kworker, tens of milliseconds in a loaded guest) plus a part per page
 *    (isolate, unmap, copy, remap; while a page moves, the task stalls on
 *    it). Only the second part grows with the batch, so only it is
 *    budgeted: a tuner that budgets the whole call (plain AIMD) sinks to
 *    the minimum whenever the fixed part alone overruns, and then pays
 *    that part per minimum batch. The tuner learns what a minimum batch
 *    costs (a lower envelope of those calls: noise on a busy machine only
 *    adds time) and the cost of each page beyond it (a smoothed average
 *    with outliers clipped); the batch goes straight down to what fits
 *    when the cost per page rises, and up by a quarter per full call when
 *    there is room, as TCP probes.
 *  - a token bucket for the policy's rate_limit (bytes per second), with a
 *    burst of one second's worth so a tick can spend what it accrued.
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

struct nm_tuner {
	unsigned min, max;     /* pages per call */
	unsigned cur;
	uint64_t latency_ns;   /* budget beyond what a minimum batch takes */
	uint64_t base_ns;      /* what a call of the minimum batch takes */
	uint64_t page_ns;      /* what each page beyond it adds (0: none seen) */
	bool have_base;
	unsigned at_min;       /* calls at the minimum batch, for probing */
};

void nm_tuner_init(struct nm_tuner *t, unsigned min, unsigned max, uint64_t latency_ns);
/* Feed back one call that moved PAGES in ELAPSED_NS. */
void nm_tuner_update(struct nm_tuner *t, unsigned pages, uint64_t elapsed_ns);

struct nm_bucket {
	uint64_t rate_bps;     /* 0: unlimited */
	uint64_t burst;        /* bytes the bucket can hold */
	uint64_t tokens;
	uint64_t last_ns;
};

void nm_bucket_init(struct nm_bucket *b, uint64_t rate_bps, uint64_t now_ns);
/* Bytes available at NOW_NS (refilled first); UINT64_MAX when unlimited. */
uint64_t nm_bucket_available(struct nm_bucket *b, uint64_t now_ns);
/* Spend BYTES (at most what is available). */
void nm_bucket_take(struct nm_bucket *b, uint64_t bytes);

/* Exponential backoff for a process the kernel refused (EPERM, EACCES):
 * the wait after a refusal, given the previous one (0: none yet). Starts
 * at MIN_MS and doubles up to MAX_MS; a success resets it to 0. */
uint64_t nm_backoff_next(uint64_t prev_ms, uint64_t min_ms, uint64_t max_ms);

#ifdef __cplusplus
}
#endif
#endif

/* pace: batch tuner and backoff. See numamig/pace.h. */
#include "config.h"

#include "numamig/pace.h"

#define NS_PER_S 1000000000ull

void nm_tuner_init(struct nm_tuner *t, unsigned min, unsigned max, uint64_t latency_ns)
{
	t->min = min ? min : 1;
	t->max = max < t->min ? t->min : max;
	t->latency_ns = latency_ns;
	/* Start low: the first call measures what a minimum batch costs. */
	t->cur = t->min;
	t->base_ns = t->page_ns = 0;
	t->base_pages = 0;
	t->page_seen = 0;
	t->at_min = 0;
}

/* What the smallest call costs: the first call's size, or the minimum
 * batch if that is larger (a walk of huge pages never makes a call of
 * the minimum: its smallest call is one huge page). A first call short
 * of the minimum counts as one of the minimum, which errs towards a
 * dearer page; later short calls (the end of a walk) teach nothing. The
 * cost is a lower envelope of those calls' times (noise on a busy
 * machine only ever adds time), drifting up by an eighth of the gap per
 * dearer call so that a machine that got busier is learnt. */
static void learn_base(struct nm_tuner *t, unsigned pages, uint64_t elapsed_ns)
{
	if (!t->base_pages) {
		t->base_ns = elapsed_ns;
		t->base_pages = pages > t->min ? pages : t->min;
	} else if (elapsed_ns < t->base_ns) {
		t->base_ns = elapsed_ns;
	} else {
		t->base_ns += (elapsed_ns - t->base_ns) / 8;
	}
}

/* The cost of each page beyond the smallest call: the least of the last
 * NM_TUNER_WINDOW samples. Noise only adds time, so an average (or an
 * envelope that drifts up with each dearer call) follows the noise, and a
 * batch cut by a stall makes more calls, each paying the fixed part; a
 * machine that got slower for good is learnt once a window of calls has
 * shown it. The first sample is clipped to what fits one more minimum
 * batch in the budget; later ones need no clip, a stall being outvoted by
 * the window. A call no dearer than the base (to within a nanosecond a
 * page) shows that the base read high (the machine got faster, or the
 * base was learnt in a stall): the base comes down to it, and the cost per
 * page is unknown again, so the next batch grows and measures it; a zero
 * kept in the window would hold the batch at the maximum for a window of
 * calls, whatever they cost. */
static void learn_page(struct nm_tuner *t, unsigned pages, uint64_t elapsed_ns)
{
	uint64_t per = elapsed_ns > t->base_ns
			       ? (elapsed_ns - t->base_ns) / (pages - t->base_pages)
			       : 0;

	if (per == 0) {
		if (elapsed_ns < t->base_ns)
			t->base_ns = elapsed_ns;
		t->page_ns = 0;
		t->page_seen = 0;
		return;
	}
	if (t->page_seen == 0 && per > t->latency_ns / t->min)
		per = t->latency_ns / t->min;
	t->page_win[t->page_seen++ % NM_TUNER_WINDOW] = per;
	t->page_ns = per;
	for (unsigned i = 0; i < NM_TUNER_WINDOW && i < t->page_seen; i++)
		if (t->page_win[i] < t->page_ns)
			t->page_ns = t->page_win[i];
}

/* Every PROBE_EVERY-th call of the smallest size that leaves no room for
 * twice it tries twice it: such calls say nothing of the cost per page,
 * so an overestimate of it would otherwise hold the batch there. */
#define PROBE_EVERY 8

void nm_tuner_update(struct nm_tuner *t, unsigned pages, bool full, uint64_t elapsed_ns)
{
	uint64_t want;

	if (pages == 0 || t->latency_ns == 0)
		return;
	if (!t->base_pages || pages == t->base_pages)
		learn_base(t, pages, elapsed_ns);
	else if (pages > t->base_pages)
		learn_page(t, pages, elapsed_ns);
	want = t->page_ns ? t->base_pages + t->latency_ns / t->page_ns : t->max;
	if (pages == t->base_pages && want < 2ull * pages && ++t->at_min % PROBE_EVERY == 0)
		want = 2ull * pages;
	/* Down at once (WANT is never below the minimum); up by a quarter,
	 * or double while the measured costs leave room for twice the
	 * batch: every call at a small batch pays the call's fixed part
	 * (the per-CPU drains), so a walk that starts at the minimum would
	 * spend its first dozen calls getting up to speed. */
	if (want > t->cur) {
		/* A batch past cur (one item heavier than it: a THP) that fit
		 * is where growth starts from. */
		uint64_t from = pages > t->cur ? pages : t->cur;
		uint64_t step = want >= 2 * from ? 2 * from : from + from / 4 + 1;

		if (pages < t->cur && !full)
			return; /* a batch short of pages says nothing */
		if (want > step)
			want = step;
	}
	t->cur = want > t->max ? t->max : (unsigned)want;
}

uint64_t nm_backoff_next(uint64_t prev_ms, uint64_t min_ms, uint64_t max_ms)
{
	uint64_t next = prev_ms ? prev_ms * 2 : min_ms;

	if (next < prev_ms || next > max_ms) /* overflow, or past the cap */
		next = max_ms;
	return next < min_ms ? min_ms : next;
}

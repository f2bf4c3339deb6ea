/* pace: batch tuner and token bucket. See numamig/pace.h. */
#include "config.h"

#include "numamig/pace.h"

#define NS_PER_S 1000000000ull

void nm_tuner_init(struct nm_tuner *t, unsigned min, unsigned max, uint64_t latency_ns)
{
	t->min = min ? min : 1;
	t->max = max < t->min ? t->min : max;
	t->latency_ns = latency_ns;
	/* Start low: the first call measures the cost on this machine. */
	t->cur = t->min;
}

void nm_tuner_update(struct nm_tuner *t, unsigned pages, uint64_t elapsed_ns)
{
	uint64_t next;

	if (pages == 0 || t->latency_ns == 0)
		return;
	if (elapsed_ns > t->latency_ns) {
		/* Overran: scale to what would have fit, at least halving. */
		next = (uint64_t)pages * t->latency_ns / elapsed_ns;
		if (next > t->cur / 2)
			next = t->cur / 2;
	} else if (elapsed_ns < t->latency_ns / 2 && pages >= t->cur) {
		/* Well under budget with a full batch: grow by a quarter. */
		next = (uint64_t)t->cur + t->cur / 4 + 1;
	} else {
		return;
	}
	t->cur = next < t->min ? t->min : next > t->max ? t->max : (unsigned)next;
}

void nm_bucket_init(struct nm_bucket *b, uint64_t rate_bps, uint64_t now_ns)
{
	b->rate_bps = rate_bps;
	b->burst = rate_bps; /* one second's worth */
	b->tokens = b->burst;
	b->last_ns = now_ns;
}

uint64_t nm_bucket_available(struct nm_bucket *b, uint64_t now_ns)
{
	uint64_t dt, add;

	if (b->rate_bps == 0)
		return UINT64_MAX;
	if (now_ns > b->last_ns) {
		dt = now_ns - b->last_ns;
		/* Split to avoid overflow of rate * dt for long idle periods. */
		add = dt >= NS_PER_S ? b->burst
				     : (uint64_t)((unsigned __int128)b->rate_bps * dt / NS_PER_S);
		/* Keep the clock where it was until a whole byte has accrued,
		 * or frequent callers would never earn a token. */
		if (add == 0)
			return b->tokens;
		b->tokens = b->tokens + add > b->burst ? b->burst : b->tokens + add;
		b->last_ns = now_ns;
	}
	return b->tokens;
}

void nm_bucket_take(struct nm_bucket *b, uint64_t bytes)
{
	if (b->rate_bps == 0)
		return;
	b->tokens = bytes > b->tokens ? 0 : b->tokens - bytes;
}

uint64_t nm_backoff_next(uint64_t prev_ms, uint64_t min_ms, uint64_t max_ms)
{
	uint64_t next = prev_ms ? prev_ms * 2 : min_ms;

	if (next < prev_ms || next > max_ms) /* overflow, or past the cap */
		next = max_ms;
	return next < min_ms ? min_ms : next;
}

/* store: the access store. See numamig/access.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/access.h"
#include "base/array.h"

static const char *const src_names[NM_ACCESS_NR_SRCS] = {
	"writes", "pmu", "damon", "softdirty",
};

const char *nm_access_src_name(enum nm_access_src s)
{
	return (unsigned)s < NM_ACCESS_NR_SRCS ? src_names[s] : "unknown";
}

void nm_access_default_opts(struct nm_access_opts *o, int nr_nodes)
{
	*o = (struct nm_access_opts){
		.region_shift = NM_ACCESS_DEFAULT_REGION_SHIFT, .page_shift = 12,
		.max_regions = NM_ACCESS_DEFAULT_MAX_REGIONS,
		.half_life = NM_ACCESS_DEFAULT_HALF_LIFE, .nr_nodes = nr_nodes,
	};
}

int nm_access_init(struct nm_access *a, const struct nm_access_opts *o, uint64_t now_ns)
{
	memset(a, 0, sizeof(*a));
	if (o->page_shift < 9 || o->region_shift < o->page_shift || o->region_shift > 30 ||
	    o->nr_nodes <= 0 || o->max_regions == 0 || o->max_regions > UINT32_MAX / 4)
		return -EINVAL;
	a->o = *o;
	a->words = ((1ul << (o->region_shift - o->page_shift)) + 63) / 64;
	a->window_start_ns = a->since_ns = now_ns;
	return 0;
}

void nm_access_free(struct nm_access *a)
{
	free(a->regions);
	free(a->counts);
	free(a->spans);
	free(a->seen);
	free(a->index);
	memset(a, 0, sizeof(*a));
}

void nm_access_reset(struct nm_access *a, uint64_t now_ns)
{
	a->n = 0;
	if (a->index)
		memset(a->index, 0, a->index_cap * sizeof(*a->index));
	a->window_start_ns = a->since_ns = now_ns;
}

static size_t per_region(const struct nm_access *a)
{
	return (size_t)NM_ACCESS_NR_SRCS * (size_t)a->o.nr_nodes;
}

/* Spans per node of a region: the span of every page counted (SPAN_ALL),
 * and of those counted in the current and the previous generation of
 * windows (SPAN_NOW, SPAN_PREV). */
enum { SPAN_ALL, SPAN_NOW, SPAN_PREV, SPANS };

static size_t spans_per_region(const struct nm_access *a)
{
	return SPANS * (size_t)a->o.nr_nodes;
}

static struct nm_access_span *span_at(const struct nm_access *a, size_t r, int node, int k)
{
	return &a->spans[r * spans_per_region(a) + SPANS * (size_t)node + (size_t)k];
}

static const struct nm_access_span no_span = { UINT32_MAX, 0 };

/* Windows a generation of spans lasts: two half-lives (writes older than
 * that weigh a quarter or less), at least one. */
static uint64_t span_generation(const struct nm_access *a)
{
	return a->o.half_life ? 2 * (uint64_t)a->o.half_life : 1;
}

/* Fibonacci hashing of the region number. */
static size_t slot_of(const struct nm_access *a, unsigned long start)
{
	uint64_t key = (uint64_t)(start >> a->o.region_shift) * 0x9e3779b97f4a7c15ull;

	return (size_t)(key >> 32) & (a->index_cap - 1);
}

static size_t lookup(const struct nm_access *a, unsigned long start, bool *found)
{
	size_t i = slot_of(a, start);

	for (;; i = (i + 1) & (a->index_cap - 1)) {
		uint32_t r = a->index[i];

		if (r == 0 || a->regions[r - 1].start == start) {
			*found = r != 0;
			return i;
		}
	}
}

/* Index the regions anew (after an eviction moved them). */
static void fill_index(struct nm_access *a)
{
	memset(a->index, 0, a->index_cap * sizeof(*a->index));
	for (size_t r = 0; r < a->n; r++) {
		bool found;

		a->index[lookup(a, a->regions[r].start, &found)] = (uint32_t)(r + 1);
	}
}

/* A bigger index, with room for twice WANT regions. */
static int reindex(struct nm_access *a, size_t want)
{
	size_t cap = 16;
	uint32_t *idx;

	while (cap < 2 * want + 2)
		cap *= 2;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	free(a->index);
	a->index = idx;
	a->index_cap = cap;
	fill_index(a);
	return 0;
}

static int resize(void **arr, size_t n, size_t elem)
{
	void *p = reallocarray(*arr, n, elem);

	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* Room for one more region: the arrays (doubling, up to max_regions) and
 * the index. */
static int grow(struct nm_access *a)
{
	size_t cap = a->cap;

	if (a->n + 1 > cap) {
		cap = cap ? cap * 2 : 64;
		if (cap > a->o.max_regions)
			cap = a->o.max_regions;
		if (resize((void **)&a->regions, cap, sizeof(*a->regions)) ||
		    resize((void **)&a->counts, cap * per_region(a), sizeof(*a->counts)) ||
		    resize((void **)&a->spans, cap * spans_per_region(a), sizeof(*a->spans)) ||
		    resize((void **)&a->seen, cap * a->words, sizeof(*a->seen)))
			return -ENOMEM;
		a->cap = cap;
	}
	if (2 * (a->n + 1) + 2 > a->index_cap)
		return reindex(a, a->cap);
	return 0;
}

/* The region of ADDR, created if need be; -1 if the table is full or out
 * of memory (*ERR set for the latter). */
static long region_of(struct nm_access *a, unsigned long addr, int *err)
{
	unsigned long start = addr >> a->o.region_shift << a->o.region_shift;
	bool found = false;
	size_t i = a->index ? lookup(a, start, &found) : 0;
	size_t r;

	if (found)
		return (long)a->index[i] - 1;
	if (a->n >= a->o.max_regions)
		return -1;
	*err = grow(a);
	if (*err)
		return -1;
	i = lookup(a, start, &found);
	r = a->n++;
	a->regions[r] = (struct nm_access_region){ .start = start, .last_window = a->window,
						   .lo = UINT32_MAX };
	memset(a->counts + r * per_region(a), 0, per_region(a) * sizeof(*a->counts));
	for (size_t k = 0; k < spans_per_region(a); k++)
		a->spans[r * spans_per_region(a) + k] = no_span;
	memset(a->seen + r * a->words, 0, a->words * sizeof(*a->seen));
	a->index[i] = (uint32_t)(r + 1);
	return (long)r;
}

/* Widen [*LO, *HI) to hold [LO, HI). */
static void widen(uint32_t *lo_, uint32_t *hi_, uint32_t lo, uint32_t hi)
{
	if (lo < *lo_)
		*lo_ = lo;
	if (hi > *hi_)
		*hi_ = hi;
}

/* Count pages [LO, HI) of region R from SRC on NODE, WEIGHT each. */
static void count_pages(struct nm_access *a, size_t r, enum nm_access_src src, int node,
			uint32_t lo, uint32_t hi, float weight)
{
	struct nm_access_region *reg = &a->regions[r];
	struct nm_access_span *all = span_at(a, r, node, SPAN_ALL);
	struct nm_access_span *now = span_at(a, r, node, SPAN_NOW);
	float w = weight * (float)(hi - lo);

	a->counts[r * per_region(a) + (size_t)src * (size_t)a->o.nr_nodes + (size_t)node] += w;
	reg->total += w;
	reg->last_window = a->window;
	widen(&reg->lo, &reg->hi, lo, hi);
	widen(&all->lo, &all->hi, lo, hi);
	widen(&now->lo, &now->hi, lo, hi);
}

static bool once_per_window(enum nm_access_src src)
{
	return src == NM_ACCESS_WRITES || src == NM_ACCESS_SOFTDIRTY;
}

/* Mark pages [LO, HI) of region R seen this window; how many were not. */
static uint32_t mark_seen(struct nm_access *a, size_t r, uint32_t lo, uint32_t hi)
{
	uint64_t *words = &a->seen[r * a->words];
	uint32_t fresh = 0;

	for (uint32_t p = lo; p < hi; p++) {
		uint64_t bit = 1ull << (p % 64);

		fresh += !(words[p / 64] & bit);
		words[p / 64] |= bit;
	}
	return fresh;
}

int nm_access_add(struct nm_access *a, const struct nm_access_rec *v, size_t n)
{
	int err = 0;

	for (size_t k = 0; k < n; k++) {
		const struct nm_access_rec *rec = &v[k];
		struct nm_access_region *reg;
		uint32_t page;
		long r;

		a->st.records++;
		if (rec->node < 0 || rec->node >= a->o.nr_nodes ||
		    (unsigned)rec->src >= NM_ACCESS_NR_SRCS ||
		    (r = region_of(a, rec->addr, &err)) < 0) {
			a->st.dropped++;
			continue;
		}
		reg = &a->regions[r];
		page = (uint32_t)((rec->addr - reg->start) >> a->o.page_shift);
		/* The bitmap serves the sources of the window's writes: one
		 * fault, or one soft-dirty bit, per page per clear (a page the
		 * faults counted is not counted again from its bit). The
		 * others sample, and each sample counts. */
		if (once_per_window(rec->src)) {
			if (!mark_seen(a, (size_t)r, page, page + 1)) {
				a->st.repeats++;
				continue;
			}
			reg->seen_now++;
		}
		if (rec->src == NM_ACCESS_WRITES) {
			if (!reg->win_tid)
				reg->win_tid = rec->tid;
			else if (reg->win_tid != rec->tid)
				reg->win_tid = -1;
		}
		count_pages(a, (size_t)r, rec->src, rec->node, page, page + 1, 1.0f);
		a->st.counted++;
	}
	return err;
}

int nm_access_add_range(struct nm_access *a, unsigned long start, unsigned long end, int node,
			enum nm_access_src src, float weight)
{
	unsigned long size = nm_access_region_bytes(a), at;
	int err = 0, woke = 0;

	a->st.records++;
	if (node < 0 || node >= a->o.nr_nodes || (unsigned)src >= NM_ACCESS_NR_SRCS ||
	    end <= start || weight < 0) {
		a->st.dropped++;
		return 0;
	}
	for (at = start; at < end; at = (at | (size - 1)) + 1) {
		unsigned long base = at & ~(size - 1), stop = end - base < size ? end : base + size;
		const struct nm_access_region *old = nm_access_find(a, at);
		bool new = !old || old->last_window + 1 < a->window;
		uint32_t lo, hi;
		float w = weight;
		long r;

		if ((r = region_of(a, at, &err)) < 0) {
			a->st.dropped++;
			if (err)
				return err;
			continue;
		}
		lo = (uint32_t)((at - base) >> a->o.page_shift);
		hi = (uint32_t)((stop - base + (1ul << a->o.page_shift) - 1) >> a->o.page_shift);
		a->regions[r].last_window = a->window;
		if (once_per_window(src)) {
			/* Only the pages new to the window; the span stays
			 * the range's. */
			uint32_t fresh = mark_seen(a, (size_t)r, lo, hi);

			a->regions[r].seen_now += fresh;
			a->st.repeats += hi - lo - fresh;
			a->st.counted += fresh;
			w = weight * (float)fresh / (float)(hi - lo);
		} else if (w > 0) {
			a->st.counted++;
		}
		if (w > 0) {
			woke += new;
			count_pages(a, (size_t)r, src, node, lo, hi, w);
		}
		if (at > ~0ul - size)
			break; /* the last region of the address space */
	}
	return woke;
}

/* One region's share of a call to nm_access_add_ranges(). */
struct region_sum {
	unsigned long start, lo, hi; /* its region, the span of its pages in ranges */
	float sum;                   /* weighted pages */
};

/* The regions of V's ranges, with their sums, in address order, in *OUT
 * (malloc'd); how many, or -ENOMEM. */
static long sum_regions(const struct nm_access *a, const struct nm_access_range *v, size_t n,
			struct region_sum **out)
{
	unsigned long size = nm_access_region_bytes(a);
	struct region_sum *s = NULL;
	size_t k = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		for (unsigned long at = v[i].start; at < v[i].end; at = (at | (size - 1)) + 1) {
			unsigned long base = at & ~(size - 1);
			unsigned long stop = v[i].end - base < size ? v[i].end : base + size;

			if (!k || s[k - 1].start != base) {
				if (array_grow((void **)&s, &cap, k + 1, sizeof(*s)) < 0) {
					free(s);
					return -ENOMEM;
				}
				s[k++] = (struct region_sum){ base, at, stop, 0 };
			}
			s[k - 1].hi = stop;
			s[k - 1].sum += v[i].weight * (float)((stop - at) >> a->o.page_shift);
			if (base > ~0ul - size)
				break;
		}
	}
	*out = s;
	return (long)k;
}

int nm_access_add_ranges(struct nm_access *a, const struct nm_access_range *v, size_t n,
			 int node, enum nm_access_src src, bool touch,
			 bool (*held)(unsigned long start, void *arg), void *arg)
{
	struct region_sum *s;
	long k = sum_regions(a, v, n, &s);
	float max = 0;
	int woke = 0, r = 0;

	if (k < 0)
		return (int)k;
	for (long i = 0; i < k; i++)
		max = s[i].sum > max ? s[i].sum : max;
	for (long i = 0; i < k && r >= 0; i++) {
		float pages = (float)((s[i].hi - s[i].lo) >> a->o.page_shift);

		if (held && held(s[i].start, arg))
			continue;
		if (touch)
			r = nm_access_add_range(a, s[i].lo, s[i].hi, node, src, 0);
		else if (s[i].sum * 2 >= max && pages > 0)
			r = nm_access_add_range(a, s[i].lo, s[i].hi, node, src, s[i].sum / pages);
		woke += r > 0 ? r : 0;
	}
	free(s);
	return r < 0 ? r : woke;
}

static int by_total_desc(const void *x, const void *y)
{
	const struct nm_access_region *const *p = x, *const *q = y;

	return (*p)->total < (*q)->total ? 1 : (*p)->total > (*q)->total ? -1 : 0;
}

/* Keep the hottest three quarters of a full table. */
static void evict(struct nm_access *a)
{
	size_t keep = a->n - a->n / 4, pr = per_region(a), k = 0;
	const struct nm_access_region **order = malloc(a->n * sizeof(*order));
	bool *kept = calloc(a->n, sizeof(*kept));

	if (order && kept) {
		for (size_t r = 0; r < a->n; r++)
			order[r] = &a->regions[r];
		qsort(order, a->n, sizeof(*order), by_total_desc);
		for (size_t r = 0; r < keep; r++)
			kept[order[r] - a->regions] = true;
		/* Compact in place, in the original order. */
		for (size_t r = 0; r < a->n; r++) {
			if (!kept[r])
				continue;
			a->regions[k] = a->regions[r];
			memmove(a->counts + k * pr, a->counts + r * pr, pr * sizeof(*a->counts));
			memmove(a->spans + k * spans_per_region(a), a->spans + r * spans_per_region(a),
				spans_per_region(a) * sizeof(*a->spans));
			k++;
		}
		a->st.evicted += a->n - k;
		a->n = k;
	}
	free(order);
	free(kept);
	fill_index(a);
}

/* Whether two nodes' spans of every page in region R overlap. */
static bool spans_overlap(const struct nm_access *a, size_t r)
{
	for (int i = 0; i < a->o.nr_nodes; i++)
		for (int j = 0; j < i; j++) {
			const struct nm_access_span *x = span_at(a, r, i, SPAN_ALL);
			const struct nm_access_span *y = span_at(a, r, j, SPAN_ALL);

			if (x->lo < y->hi && y->lo < x->hi)
				return true;
		}
	return false;
}

/* The end of a generation of windows in region R. A node's span holds
 * every page it wrote there until it overlaps another node's: writers
 * whose pages moved within the region (threads that swapped nodes, at a
 * slice boundary), or one that stopped while another took over. Then
 * each node keeps only the pages of its last two generations, so the
 * writers of now are told apart again (nm_plan_region_split); writers
 * whose pages really interleave overlap again at once. Spans that never
 * overlap keep all their pages, so a writer that writes its part now and
 * then keeps it. */
static void age_spans(struct nm_access *a, size_t r)
{
	bool narrow = spans_overlap(a, r);

	for (int n = 0; n < a->o.nr_nodes; n++) {
		struct nm_access_span *all = span_at(a, r, n, SPAN_ALL);
		struct nm_access_span *now = span_at(a, r, n, SPAN_NOW);
		struct nm_access_span *prev = span_at(a, r, n, SPAN_PREV);

		if (narrow) {
			*all = *now;
			widen(&all->lo, &all->hi, prev->lo, prev->hi);
		}
		*prev = *now;
		*now = no_span;
	}
}

void nm_access_end_window(struct nm_access *a, uint64_t now_ns)
{
	float f = a->o.half_life ? powf(0.5f, 1.0f / (float)a->o.half_life) : 0.0f;
	size_t pr = per_region(a);

	for (size_t r = 0; r < a->n; r++) {
		struct nm_access_region *reg = &a->regions[r];

		if (reg->win_tid) {
			if (reg->owner) {
				a->st.compared++;
				a->st.flips += reg->win_tid < 0 || reg->win_tid != reg->owner;
			}
			reg->owner = reg->win_tid;
			reg->win_tid = 0;
		}
		if (reg->last_window == a->window)
			reg->last_ns = now_ns;
		a->regions[r].total *= f;
		a->regions[r].seen_now = 0;
		for (size_t i = 0; i < pr; i++)
			a->counts[r * pr + i] *= f;
	}
	if (a->n)
		memset(a->seen, 0, a->n * a->words * sizeof(*a->seen));
	if ((a->window + 1) % span_generation(a) == 0)
		for (size_t r = 0; r < a->n; r++)
			age_spans(a, r);
	if (a->n >= a->o.max_regions)
		evict(a);
	a->window++;
	a->st.windows++;
	a->window_start_ns = now_ns;
	if (!a->o.half_life)
		a->since_ns = now_ns;
}

const struct nm_access_region *nm_access_find(const struct nm_access *a, unsigned long addr)
{
	unsigned long start = addr >> a->o.region_shift << a->o.region_shift;
	bool found = false;
	size_t i;

	if (!a->index)
		return NULL;
	i = lookup(a, start, &found);
	return found ? &a->regions[a->index[i] - 1] : NULL;
}

float nm_access_count(const struct nm_access *a, const struct nm_access_region *r, int node,
		      enum nm_access_src src)
{
	size_t at = (size_t)(r - a->regions) * per_region(a);
	float sum = 0;

	if (node < 0 || node >= a->o.nr_nodes)
		return 0;
	for (int s = 0; s < NM_ACCESS_NR_SRCS; s++)
		if (src == NM_ACCESS_NR_SRCS || (int)src == s)
			sum += a->counts[at + (size_t)s * (size_t)a->o.nr_nodes + (size_t)node];
	return sum;
}

struct nm_access_span nm_access_node_span(const struct nm_access *a,
					  const struct nm_access_region *r, int node)
{
	size_t i = (size_t)(r - a->regions);
	const struct nm_access_span *sp;

	if (node < 0 || node >= a->o.nr_nodes || i >= a->n)
		return (struct nm_access_span){ 0, 0 };
	sp = span_at(a, i, node, SPAN_ALL);
	return sp->lo < sp->hi ? *sp : (struct nm_access_span){ 0, 0 };
}

/* sampler-ring: the parser of perf ring buffer records. See numamig/sampler.h.
 *
 * Pure (no syscalls, no perf headers beyond the ABI constants) so it is
 * unit-tested on synthetic rings that wrap; sampler-perf.c hands it the
 * live mmap'd data area. */
#include "config.h"

#include <string.h>
#include <perfmon/perf_event.h>

#include "numamig/sampler.h"

/* The sample fields this parser knows, each one u64 slot after the
 * header, in the kernel's fixed order: TID (pid u32, tid u32), TIME (u64),
 * ADDR (u64), CPU (cpu u32, reserved u32). */
#define KNOWN (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_CPU)
/* PERF_RECORD_LOST without sample_id_all: header, id u64, lost u64. */
#define LOST_SIZE 24
/* Bytes of a record we ever look at (header and the four slots); the rest
 * is skipped by size. */
#define PEEK_MAX 40

/* Copy LEN bytes at free-running offset OFF of a ring of SIZE bytes:
 * a record that crosses the end continues at the start. */
static void ring_copy(void *dst, const unsigned char *data, uint64_t size,
		      uint64_t off, size_t len)
{
	uint64_t at = off % size;
	size_t first = size - at < len ? (size_t)(size - at) : len;

	memcpy(dst, data + at, first);
	memcpy((unsigned char *)dst + first, data, len - first);
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Decode the fields TYPE has of the SIZE-byte sample REC; false if it is
 * too short for them. */
static bool decode_sample(const unsigned char *rec, size_t size, uint64_t type,
			  struct nm_sample *smp)
{
	size_t at = sizeof(struct perf_event_header);

	memset(smp, 0, sizeof(*smp));
	smp->cpu = -1;
	if (type & PERF_SAMPLE_TID) {
		smp->pid = (pid_t)get_u32(rec + at);
		smp->tid = (pid_t)get_u32(rec + at + 4);
		at += 8;
	}
	if (type & PERF_SAMPLE_TIME) {
		smp->time_ns = get_u64(rec + at);
		at += 8;
	}
	if (type & PERF_SAMPLE_ADDR) {
		smp->addr = get_u64(rec + at);
		at += 8;
	}
	if (type & PERF_SAMPLE_CPU) {
		smp->cpu = (int)get_u32(rec + at);
		at += 8;
	}
	return at <= size;
}

/* Handle one whole record REC of HDR's type; false if it is malformed. */
static bool one_record(const struct perf_event_header *hdr, const unsigned char *rec,
		       uint64_t type, void (*fn)(const struct nm_sample *, void *), void *ctx,
		       struct nm_sampler_ring_stats *st)
{
	struct nm_sample smp;

	switch (hdr->type) {
	case PERF_RECORD_SAMPLE:
		if (!decode_sample(rec, hdr->size, type, &smp))
			return false;
		st->samples++;
		if (fn)
			fn(&smp, ctx);
		return true;
	case PERF_RECORD_LOST:
		if (hdr->size < LOST_SIZE)
			return false;
		st->lost += get_u64(rec + 16);
		return true;
	default:
		/* THROTTLE, UNTHROTTLE and anything newer carry nothing we use. */
		return true;
	}
}

uint64_t nm_sampler_ring_parse(const void *data, uint64_t size, uint64_t tail, uint64_t head,
			       uint64_t sample_type,
			       void (*fn)(const struct nm_sample *smp, void *ctx), void *ctx,
			       struct nm_sampler_ring_stats *st)
{
	unsigned char rec[PEEK_MAX];
	struct perf_event_header hdr;
	uint64_t start = tail;

	/* Offsets are free-running u64s, so compare distances, not values. */
	while (head - tail > 0) {
		uint64_t avail = head - tail;

		if (avail < sizeof(hdr) || avail > size) {
			st->bad++;
			break;
		}
		ring_copy(&hdr, data, size, tail, sizeof(hdr));
		if (hdr.size < sizeof(hdr) || hdr.size > avail) {
			st->bad++;
			break;
		}
		ring_copy(rec, data, size, tail, hdr.size < PEEK_MAX ? hdr.size : PEEK_MAX);
		if ((sample_type & ~(uint64_t)KNOWN) || !one_record(&hdr, rec, sample_type, fn, ctx, st))
			st->bad++;
		tail += hdr.size;
	}
	/* A malformed record leaves no way to find the next one: skip to HEAD. */
	st->bytes += head - start;
	return head;
}

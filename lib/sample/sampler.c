/* sampler: the residency sampler's API and source choice. See
 * numamig/sampler.h; the sources live in sampler-perf.c and
 * sampler-proc.c, the per-tick tables in sampler-agg.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sampler-internal.h"
#include "numamig/file.h"

struct nm_sampler {
	const struct nm_root *root;
	const struct nm_topology *topo;
	enum nm_sampler_source source;
	unsigned freq_hz;
	struct nm_sampler_perf *perf;
	struct nm_sampler_agg *agg;
	char reason[160];      /* why not perf; "" when perf */
	bool hw_pmu;
	char hw_detail[96];
	uint64_t ticks;
	struct nm_sampler_ring_stats io; /* samples, lost, bytes, bad */
};

static const char *const source_names[] = {
	[NM_SAMPLER_AUTO] = "auto",
	[NM_SAMPLER_PERF] = "perf",
	[NM_SAMPLER_PROC] = "proc",
	[NM_SAMPLER_REPLAY] = "replay",
};

/* perf_event_open and mmap errors that mean "perf is not for us here"
 * (not allowed, not built in, no such event), as opposed to resource
 * errors such as EMFILE or ENOMEM that an operator must see. */
static bool perf_unavailable(int err)
{
	switch (-err) {
	case EACCES: case EPERM: case ENOENT: case ENOSYS: case EOPNOTSUPP: case ENODEV:
		return true;
	default:
		return false;
	}
}

static int choose_perf(struct nm_sampler *s, enum nm_sampler_source want)
{
	int r;

	if (!nm_root_is_live(s->root)) {
		if (want == NM_SAMPLER_PERF)
			return -EOPNOTSUPP;
		snprintf(s->reason, sizeof(s->reason),
			 "%s is not the live system: no perf", nm_root_path(s->root));
		s->source = NM_SAMPLER_PROC;
		return 0;
	}
	r = nm_sampler_perf_open(s->topo, s->freq_hz, &s->perf, s->reason, sizeof(s->reason));
	if (r == 0) {
		s->source = NM_SAMPLER_PERF;
		s->reason[0] = '\0';
		return 0;
	}
	if (want == NM_SAMPLER_PERF || !perf_unavailable(r))
		return r;
	s->source = NM_SAMPLER_PROC;
	return 0;
}

static int choose_source(struct nm_sampler *s, enum nm_sampler_source want)
{
	switch (want) {
	case NM_SAMPLER_AUTO:
	case NM_SAMPLER_PERF:
		return choose_perf(s, want);
	case NM_SAMPLER_PROC:
		snprintf(s->reason, sizeof(s->reason), "proc source requested");
		s->source = NM_SAMPLER_PROC;
		return 0;
	case NM_SAMPLER_REPLAY:
		snprintf(s->reason, sizeof(s->reason), "replay source requested");
		s->source = NM_SAMPLER_REPLAY;
		return 0;
	}
	return -EINVAL;
}

int nm_sampler_open(const struct nm_root *root, const struct nm_topology *topo,
		    enum nm_sampler_source want, unsigned freq_hz, struct nm_sampler **out)
{
	struct nm_sampler *s;
	int r;

	if (!root || !topo || topo->max_node < 0 || freq_hz > NM_SAMPLER_MAX_FREQ)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->root = root;
	s->topo = topo;
	s->freq_hz = freq_hz ? freq_hz : NM_SAMPLER_DEFAULT_FREQ;
	s->agg = nm_sampler_agg_new(topo->max_node + 1);
	r = s->agg ? choose_source(s, want) : -ENOMEM;
	if (r < 0) {
		nm_sampler_close(s);
		return r;
	}
	/* Only a live system has a PMU to probe. */
	if (nm_root_is_live(root))
		s->hw_pmu = nm_sampler_perf_probe_hw(topo, s->hw_detail, sizeof(s->hw_detail));
	else
		snprintf(s->hw_detail, sizeof(s->hw_detail), "not the live system");
	*out = s;
	return 0;
}

void nm_sampler_close(struct nm_sampler *s)
{
	if (!s)
		return;
	nm_sampler_perf_close(s->perf);
	nm_sampler_agg_free(s->agg);
	free(s);
}

enum nm_sampler_source nm_sampler_source(const struct nm_sampler *s)
{
	return s->source;
}

const char *nm_sampler_source_name(const struct nm_sampler *s)
{
	return source_names[s->source];
}

const char *nm_sampler_reason(const struct nm_sampler *s)
{
	return s->reason[0] ? s->reason : NULL;
}

bool nm_sampler_hw_pmu(const struct nm_sampler *s, const char **detail)
{
	if (detail)
		*detail = s->hw_detail;
	return s->hw_pmu;
}

int nm_sampler_describe(const struct nm_sampler *s, char *buf, size_t size)
{
	const char *pmu = s->hw_pmu ? "yes" : "no";

	if (s->source == NM_SAMPLER_PERF)
		return snprintf(buf, size, "perf (cpu-clock %u Hz, %u CPUs), hw_pmu: %s (%s)",
				s->freq_hz, nm_sampler_perf_cpus(s->perf), pmu, s->hw_detail);
	return snprintf(buf, size, "%s (%s), hw_pmu: %s (%s)", nm_sampler_source_name(s),
			s->reason, pmu, s->hw_detail);
}

void nm_sampler_get_stats(const struct nm_sampler *s, struct nm_sampler_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->ticks = s->ticks;
	out->samples = s->io.samples;
	out->lost = s->io.lost;
	out->bytes = s->io.bytes;
	out->bad = s->io.bad;
	out->cpus = s->perf ? nm_sampler_perf_cpus(s->perf) : 0;
	nm_sampler_agg_stats(s->agg, out);
}

int nm_sampler_collect(struct nm_sampler *s)
{
	if (s->source != NM_SAMPLER_PERF)
		return 0;
	return nm_sampler_perf_drain(s->perf, s->agg, s->topo, &s->io);
}

int nm_sampler_residency(struct nm_sampler *s, const struct nm_proc *p,
			 struct nm_residency *out)
{
	int r;

	if (s->source == NM_SAMPLER_PROC) {
		r = nm_sampler_proc_collect(s->agg, s->topo, p, &s->io);
		if (r < 0)
			return r;
	} else if (!nm_proc_alive(p)) {
		/* Samples of a pid whose process died may already be its
		 * successor's: report none. */
		return -ESRCH;
	}
	return nm_sampler_agg_fill(s->agg, p->pid, out);
}

void nm_sampler_residency_free(struct nm_residency *r)
{
	if (!r)
		return;
	free(r->node_ns);
	free(r->threads);
	memset(r, 0, sizeof(*r));
}

void nm_sampler_end_tick(struct nm_sampler *s)
{
	nm_sampler_agg_end_tick(s->agg);
	s->ticks++;
}

int nm_sampler_feed(struct nm_sampler *s, struct nm_sample *v, size_t n)
{
	if (s->source != NM_SAMPLER_REPLAY)
		return -EINVAL;
	s->io.samples += n;
	nm_sampler_agg_samples(s->agg, s->topo, v, n, 1000000000ull / s->freq_hz);
	return 0;
}

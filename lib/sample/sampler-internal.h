/* sampler-internal: the interface between lib/sampler*.c: sampler.c (API
 * and source choice), sampler-agg.c (aggregation), sampler-hash.c,
 * sampler-perf.c, sampler-proc.c and sampler-ring.c. Not installed. */
#ifndef NUMAMIG_SAMPLER_INTERNAL_H
#define NUMAMIG_SAMPLER_INTERNAL_H

#include "numamig/sampler.h"


/* Intrusive chained hash tables keyed by pid (sampler-hash.c). */
struct nm_sampler_hlink {
	struct nm_sampler_hlink *next;
	pid_t key;
};

struct nm_sampler_htab {
	struct nm_sampler_hlink **b;
	size_t mask; /* buckets - 1; buckets is a power of two */
	size_t n;
};

int nm_sampler_ht_init(struct nm_sampler_htab *t, size_t buckets);
void nm_sampler_ht_fini(struct nm_sampler_htab *t);
struct nm_sampler_hlink *nm_sampler_ht_find(const struct nm_sampler_htab *t,
					    pid_t key);
void nm_sampler_ht_add(struct nm_sampler_htab *t, struct nm_sampler_hlink *l);
void nm_sampler_ht_del(struct nm_sampler_htab *t, struct nm_sampler_hlink *l);

struct nm_sampler_agg;

struct nm_sampler_agg *nm_sampler_agg_new(int nr_nodes);
void nm_sampler_agg_free(struct nm_sampler_agg *a);
/* Sort V by time and add each sample, worth PERIOD_NS, to its thread. */
void nm_sampler_agg_samples(struct nm_sampler_agg *a,
			    const struct nm_topology *topo,
			    struct nm_sample *v, size_t n, uint64_t period_ns);
/* proc: 1 if PID's pass already ran this tick, 0 to run it, or -ENOMEM. */
int nm_sampler_agg_pass_begin(struct nm_sampler_agg *a, pid_t pid);
/* proc: thread TID (started at START) has used CPU_NS in all, last on CPU. */
void nm_sampler_agg_thread_time(struct nm_sampler_agg *a, pid_t pid, pid_t tid,
				uint64_t start, uint64_t cpu_ns, int cpu, int node);
/* proc: forget PID's threads the pass did not see. */
void nm_sampler_agg_pass_end(struct nm_sampler_agg *a, pid_t pid);
int nm_sampler_agg_fill(struct nm_sampler_agg *a, pid_t pid,
			struct nm_residency *out);
void nm_sampler_agg_end_tick(struct nm_sampler_agg *a);
void nm_sampler_agg_stats(const struct nm_sampler_agg *a,
			  struct nm_sampler_stats *st);

struct nm_sampler_perf;

/* Open one cpu-clock ring per online CPU of TOPO. On failure WHY says
 * which step failed and how. Returns 0 or -errno. */
int nm_sampler_perf_open(const struct nm_topology *topo, unsigned freq_hz,
			 struct nm_sampler_perf **out, char *why, size_t whylen);
void nm_sampler_perf_close(struct nm_sampler_perf *p);
unsigned nm_sampler_perf_cpus(const struct nm_sampler_perf *p);
int nm_sampler_perf_drain(struct nm_sampler_perf *p, struct nm_sampler_agg *a,
			  const struct nm_topology *topo,
			  struct nm_sampler_ring_stats *st);
/* Whether a hardware event opens system-wide on TOPO's first CPU. */
bool nm_sampler_perf_probe_hw(const struct nm_topology *topo,
			      char *detail, size_t len);

/* proc: read P's task stats into A. Counts files and bytes in ST. */
int nm_sampler_proc_collect(struct nm_sampler_agg *a,
			    const struct nm_topology *topo,
			    const struct nm_proc *p,
			    struct nm_sampler_ring_stats *st);

#endif

/* sampler: where each process's threads ran, per NUMA node, tick by tick.
 *
 * The planner decides where memory should live from where the CPU time was
 * spent. For each tracked process and each tick the sampler yields the CPU
 * time per node (summed over its threads), a per-thread breakdown, the node
 * it ran on most recently (the greedy policy's input) and how often its
 * threads changed CPU and node. Three sources feed it:
 *
 *  - "perf": per-CPU sampling of the software cpu-clock event, encoded with
 *    libpfm4, pid=-1, one mmap ring per online CPU. Each sample names the
 *    tgid, tid and CPU, so the cost is fixed (FREQ samples per busy CPU per
 *    second) however many processes are tracked, and a thread that ran on
 *    two nodes within a tick is split between them. System-wide sampling
 *    needs CAP_PERFMON when perf_event_paranoid > 0.
 *  - "proc": the fallback when perf is not allowed or not built in. Per
 *    tracked process, the utime+stime delta of each task/TID/stat since the
 *    last tick is charged to the node of the CPU the thread last ran on
 *    (field 39), so a thread that moved within the tick is charged wholly
 *    to its last node, and clock ticks (10 ms) bound the resolution.
 *  - "replay": no kernel source; samples come from nm_sampler_feed() (unit
 *    tests on emulated topologies, replaying a capture).
 *
 * Hardware PMU events are probed at open (VMs often have no PMU) and only
 * reported; residency never depends on them.
 *
 * A tick is: nm_sampler_collect(), nm_sampler_residency() for each tracked
 * process, nm_sampler_end_tick(). Memory is bounded: a pid not queried for
 * NM_SAMPLER_FORGET_TICKS ticks is forgotten (perf samples every process
 * on the machine, most of which nobody asks about), so are threads not seen
 * for as long, and the tables stop growing at NM_SAMPLER_MAX_PIDS and
 * NM_SAMPLER_MAX_THREADS (further samples are counted as dropped).
 */
#ifndef NUMAMIG_SAMPLER_H
#define NUMAMIG_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "numamig/proc.h"
#include "numamig/root.h"
#include "numamig/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nm_sampler_source {
	NM_SAMPLER_AUTO,   /* perf, else proc when perf is not allowed or absent */
	NM_SAMPLER_PERF,   /* perf or fail */
	NM_SAMPLER_PROC,   /* task stat deltas, even where perf would work */
	NM_SAMPLER_REPLAY, /* only what nm_sampler_feed() is given */
};

/* 100 Hz gives 100 samples per busy thread-second: a node share measured
 * over a 1 s tick is then within about 5 points (binomial standard error),
 * fine for a 70 % dominance test, at a cost of 100 timer interrupts and
 * 3.2 KB of ring per busy CPU per second. */
#define NM_SAMPLER_DEFAULT_FREQ 100
#define NM_SAMPLER_MAX_FREQ 1000
#define NM_SAMPLER_FORGET_TICKS 3
#define NM_SAMPLER_MAX_PIDS 16384
#define NM_SAMPLER_MAX_THREADS 65536

struct nm_sampler;

/* Open a sampler over the machine under ROOT with topology TOPO (both must
 * outlive it). WANT picks the source; FREQ_HZ (1..NM_SAMPLER_MAX_FREQ, 0
 * for the default) is the perf sampling rate and the weight of replayed
 * samples. AUTO falls back to proc when perf_event_open or its ring mmap
 * fails with EACCES, EPERM, ENOENT, ENOSYS, EOPNOTSUPP or ENODEV, when
 * libpfm cannot encode cpu-clock, and on a fixture root; other errors are
 * returned. Returns 0 or -errno (PERF: the perf error). */
int nm_sampler_open(const struct nm_root *root, const struct nm_topology *topo,
		    enum nm_sampler_source want, unsigned freq_hz, struct nm_sampler **out);
void nm_sampler_close(struct nm_sampler *s);

/* The source in use, and its name: "perf", "proc" or "replay". */
enum nm_sampler_source nm_sampler_source(const struct nm_sampler *s);
const char *nm_sampler_source_name(const struct nm_sampler *s);

/* Why the source is not perf ("perf_event_open(cpu 0): Permission
 * denied", "proc source requested"), or NULL when it is. */
const char *nm_sampler_reason(const struct nm_sampler *s);

/* Whether a hardware event (cycles, else instructions) could be opened
 * system-wide at open time; DETAIL (if not NULL) gets the event that
 * worked or the error, e.g. "cycles: No such file or directory". */
bool nm_sampler_hw_pmu(const struct nm_sampler *s, const char **detail);

/* One status line: "perf (cpu-clock 100 Hz, 2 CPUs), hw_pmu: no". */
int nm_sampler_describe(const struct nm_sampler *s, char *buf, size_t size);

struct nm_sampler_stats {
	uint64_t ticks;       /* nm_sampler_end_tick() calls */
	uint64_t samples;     /* perf records, replayed samples, or thread stat files read */
	uint64_t lost;        /* samples the kernel dropped: ring full (PERF_RECORD_LOST) */
	uint64_t bytes;       /* bytes read from rings or stat files */
	uint64_t bad;         /* malformed ring records or stat files */
	uint64_t dropped;     /* samples not aggregated: tables full, CPU in no node */
	uint64_t pids;        /* processes held now */
	uint64_t threads;     /* threads held now */
	unsigned cpus;        /* rings open (perf) */
};
void nm_sampler_get_stats(const struct nm_sampler *s, struct nm_sampler_stats *out);

/* Drain the perf rings into this tick's aggregation. A no-op for the other
 * sources. Returns 0 or -errno. */
int nm_sampler_collect(struct nm_sampler *s);

struct nm_thread_residency {
	pid_t tid;
	int node;        /* node it ran on most this tick, -1 if it did not run */
	int last_node;   /* node it ran on most recently, -1 if unknown */
	uint64_t ns;     /* CPU time this tick */
};

/* A process's residency over the current tick. Zero it before first use;
 * nm_sampler_residency() reuses its arrays, nm_sampler_residency_free()
 * releases them. */
struct nm_residency {
	pid_t pid;
	int nr_nodes;          /* topology max_node + 1: node ids may be sparse */
	uint64_t *node_ns;     /* [nr_nodes]: CPU time per node this tick */
	uint64_t total_ns;
	uint64_t samples;      /* perf: samples; proc: thread stat files read */
	int last_node;         /* node it ran on most recently, -1 if unknown */
	/* perf: the node every sample of the process came from over its
	 * last TAIL_NS (up to and with its latest sample, across ticks): a
	 * process that moved to another node within this tick says when.
	 * tail_ns 0: not known (the proc source, or no sample yet). */
	int tail_node;
	uint64_t tail_ns;
	unsigned node_changes; /* thread moves to a CPU of another node */
	unsigned cpu_changes;  /* thread moves to another CPU (node changes too) */
	size_t nr_threads;
	struct nm_thread_residency *threads; /* [nr_threads], by tid */
};

/* Fill OUT for process P. The proc source reads P's task stats here (once
 * per tick: a second call returns the same figures), so its deltas run from
 * the previous tick in which P was asked about. Perf counts one sample as
 * 1e9/FREQ ns; proc counts clock ticks of 1e9/_SC_CLK_TCK ns, and the first
 * tick of a process is only a baseline (all zero), while a thread born
 * since the previous read counts from its start. The most
 * recent node comes from the latest sample (perf), or from the thread that
 * ran most this tick, else the last that ran, else the main thread (proc).
 * Returns 0, -ESRCH when P has exited, or -errno. */
int nm_sampler_residency(struct nm_sampler *s, const struct nm_proc *p,
			 struct nm_residency *out);
void nm_sampler_residency_free(struct nm_residency *r);

/* Close the tick: per-tick figures restart from zero; stale pids and
 * threads are forgotten. */
void nm_sampler_end_tick(struct nm_sampler *s);

/* One sample, as a ring holds it (the fields of PERF_SAMPLE_TID|TIME|
 * ADDR|CPU that its sample type has; the others 0, cpu -1). */
struct nm_sample {
	pid_t pid;        /* tgid */
	pid_t tid;
	int cpu;
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint64_t addr;    /* PERF_SAMPLE_ADDR: a page fault's address */
};

/* Aggregate N samples into the current tick (REPLAY only: -EINVAL for the
 * other sources). V is sorted by time in place. Returns 0 or -errno. */
int nm_sampler_feed(struct nm_sampler *s, struct nm_sample *v, size_t n);

struct nm_sampler_ring_stats {
	uint64_t samples, lost, bytes, bad;
};

/* Parse the records of a perf ring: DATA is its data area of SIZE bytes,
 * TAIL and HEAD are the free-running offsets of mmap page's data_tail and
 * data_head. Records may wrap from the end of DATA to its start. Calls FN
 * for each PERF_RECORD_SAMPLE (laid out as SAMPLE_TYPE says: a subset of
 * PERF_SAMPLE_TID|TIME|ADDR|CPU), adds PERF_RECORD_LOST counts to
 * ST->lost and skips other record types. A sample too short for its type
 * (or any, for a type with other fields) is counted in ST->bad and
 * skipped; a malformed header (size < 8, or past HEAD) makes the rest
 * unreadable: it is counted and skipped with it. Returns the new tail,
 * HEAD. */
uint64_t nm_sampler_ring_parse(const void *data, uint64_t size, uint64_t tail, uint64_t head,
			       uint64_t sample_type,
			       void (*fn)(const struct nm_sample *smp, void *ctx), void *ctx,
			       struct nm_sampler_ring_stats *st);


#ifdef __cplusplus
}
#endif
#endif

/* metrics: the daemon's counters as a Prometheus text file.
 *
 * node_exporter's textfile collector reads *.prom files from a directory;
 * numamigd writes one there (metrics_file) instead of listening on a TCP
 * port. The file is written to a new file of a random name in the same
 * directory and renamed over the old one, so the collector never reads half
 * a file, and nobody who may write to that directory can make root write
 * elsewhere.
 * Metric names, labels and types are listed in numamigd(8).
 */
#ifndef NUMAMIG_METRICS_H
#define NUMAMIG_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "numamig/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the metrics are made of: the engine's state plus daemon facts. */
struct nm_metrics_src {
	const struct nm_counters *counters;
	const struct nm_tracker *tracker;
	const struct nm_config *config;
	struct nm_sampler_stats sampler;
	const char *sampler_source;   /* "perf", "proc" */
	const char *version;
	bool paused;
	double uptime_s;
	double cpu_s;                 /* the daemon's own user + system time */
	int numa_balancing;           /* kernel.numa_balancing now, -1 unknown */
	int demotion_enabled;         /* demotion_enabled now, -1 unknown */
	int damon_err;                /* nm_engine_damon(): 0 open, 1 unused, -errno */
	struct nm_damon_stats damon;
};

/* Print every metric to F. Returns 0 or -EIO. */
int nm_metrics_print(const struct nm_metrics_src *src, FILE *f);

/* Write them to PATH atomically: a new file of a random name in PATH's
 * directory, renamed over PATH. Nothing planted in that directory (a link,
 * a FIFO) can redirect or block the write, and a directory that others may
 * write into is refused (-EPERM, *WHY says so; it is NULL for other
 * errors). Returns 0 or -errno. */
int nm_metrics_write(const struct nm_metrics_src *src, const char *path, const char **why);

#ifdef __cplusplus
}
#endif
#endif

/* metrics: Prometheus text file. See numamig/metrics.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include "numamig/file.h"
#include "numamig/metrics.h"

#define PFX "numamigd_"

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP " PFX "%s %s\n# TYPE " PFX "%s %s\n", name, help, name, type);
}

/* One counter without labels; one of nanoseconds, in seconds. */
static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	head(f, name, "counter", help);
	fprintf(f, PFX "%s %" PRIu64 "\n", name, v);
}

static void seconds(FILE *f, const char *name, const char *help, uint64_t ns)
{
	head(f, name, "counter", help);
	fprintf(f, PFX "%s %.6f\n", name, (double)ns / 1e9);
}

/* A label value with \, " and newline escaped, as the text format says. */
static void label(FILE *f, const char *v)
{
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static const char *outcome_name(int i) { return nm_mig_outcome_name((enum nm_mig_outcome)i); }
static const char *stop_name(int i) { return nm_mig_stop_name((enum nm_mig_stop)i); }
static const char *reason_name(int i) { return nm_plan_reason_name((enum nm_plan_reason)i); }

/* A counter NAME with one line per value of LABEL, FROM .. TO-1, each
 * named by NAME_OF. */
static void by_label(FILE *f, const char *name, const char *help, const char *lbl, int from,
		     int to, const char *(*name_of)(int), const uint64_t *v)
{
	head(f, name, "counter", help);
	for (int i = from; i < to; i++)
		fprintf(f, PFX "%s{%s=\"%s\"} %" PRIu64 "\n", name, lbl, name_of(i), v[i]);
}

static void moved(FILE *f, const struct nm_counters *c)
{
	head(f, "pages_migrated_total", "counter", "Pages moved, by source and target node.");
	for (int s = 0; s < c->nr_nodes; s++)
		for (int d = 0; d < c->nr_nodes; d++)
			if (c->moved[s * c->nr_nodes + d])
				fprintf(f, PFX "pages_migrated_total{src_node=\"%d\",dst_node=\"%d\"} %"
					PRIu64 "\n", s, d, c->moved[s * c->nr_nodes + d]);
	by_label(f, "page_failures_total", "Pages requested that did not move, by outcome (errno).",
		 "outcome", 1, NM_MIG_NR_OUTCOMES, outcome_name, c->outcomes);
	by_label(f, "migrations_total", "Migration runs, by how they ended.", "result", 0,
		 NM_MIG_NR_STOPS, stop_name, c->stops);
	head(f, "migration_aborts_total", "counter", "Migration runs aborted, by errno.");
	for (int e = 1; e <= NM_ERRNO_MAX; e++)
		if (c->aborts[e])
			fprintf(f, PFX "migration_aborts_total{errno=\"%s\"} %" PRIu64 "\n",
				strerrorname_np(e) ? strerrorname_np(e) : "unknown", c->aborts[e]);
	counter(f, "migration_refusals_total",
		"Migrations the kernel refused (EPERM, EACCES); the process then backs off.",
		c->refusals);
	counter(f, "move_priority_errors_total",
		"Raises of a mover thread's priority the kernel refused (move_priority).",
		c->priority_errors);
	seconds(f, "migration_seconds_total", "Time spent inside move_pages calls.", c->mig_ns);
}

static void planner(FILE *f, const struct nm_counters *c)
{
	by_label(f, "decisions_total",
		 "Planner outcomes per process and tick, by reason (moves and skips).", "reason", 1,
		 NM_PLAN_R_COUNT, reason_name, c->reasons);
	counter(f, "numa_maps_reads_total", "Reads of /proc/PID/numa_maps.", c->scans);
	counter(f, "numa_maps_bytes_total", "Bytes read from /proc/PID/numa_maps.", c->scan_bytes);
	seconds(f, "numa_maps_seconds_total", "Time spent reading numa_maps.", c->scan_ns);
	counter(f, "ticks_total", "Pipeline ticks run.", c->ticks);
}

/* Memory that follows threads: what the writes source cost and moved. */
static void regions(FILE *f, const struct nm_counters *c)
{
	counter(f, "softdirty_clears_total",
		"Soft-dirty clears (/proc/PID/clear_refs) that opened a write window.", c->clears);
	seconds(f, "softdirty_clear_seconds_total", "Time spent in the clears.", c->clear_ns);
	counter(f, "softdirty_clear_errors_total", "Clears the kernel refused.", c->clear_errors);
	counter(f, "softdirty_scans_total",
		"Reads of the soft-dirty bits of a window without the fault event.",
		c->softdirty_scans);
	seconds(f, "softdirty_scan_seconds_total", "Time spent in those reads.", c->softdirty_ns);
	counter(f, "softdirty_scan_errors_total", "Those reads that failed.", c->softdirty_errors);
	counter(f, "induced_faults_total",
		"Write faults the clears caused, one per page and window.", c->induced_faults);
	counter(f, "attribution_budget_waits_total",
		"Clears put off because the fault or clear budget was spent.", c->budget_waits);
	counter(f, "region_moves_total", "Region move decisions.", c->region_moves);
	counter(f, "region_pages_migrated_total",
		"Pages moved by region decisions.", c->region_pages_moved);
	counter(f, "promoted_pages_total",
		"Pages moved from a memory-only node to a node with CPUs.", c->promoted_pages);
	counter(f, "demoted_pages_total",
		"Pages moved from a node with CPUs to a memory-only node.", c->demoted_pages);
	counter(f, "demotions_total",
		"Demotions to a tiering goal handed to the worker.", c->demotions);
	counter(f, "pingpong_pages_total",
		"Region pages moved between tiers the other way than their last move, within cold_after.",
		c->pingpong_pages);
}

/* The DAMON source: whether it is open, what it read and cost. */
static void damon(FILE *f, const struct nm_metrics_src *src)
{
	head(f, "damon_up", "gauge",
	     "1 while DAMON watches reads for tiering, 0 before it is needed, -1 unavailable.");
	fprintf(f, PFX "damon_up %d\n", src->damon_err == 0 ? 1 : src->damon_err == 1 ? 0 : -1);
	counter(f, "damon_snapshots_total", "DAMON snapshots read.", src->damon.snapshots);
	counter(f, "damon_snapshot_errors_total",
		"DAMON snapshots that failed.", src->damon.snapshot_errors);
	seconds(f, "damon_snapshot_seconds_total",
		"Time spent reading DAMON snapshots, waits for its aggregation included.",
		src->damon.snapshot_ns);
}

/* Tracked processes and their eligible memory, per policy. */
static void policies(FILE *f, const struct nm_metrics_src *src)
{
	const struct nm_config *cfg = src->config;

	head(f, "tracked_processes", "gauge", "Processes managed, by policy.");
	for (size_t p = 0; p < cfg->n_policies; p++) {
		unsigned n = 0;

		for (size_t i = 0; i < src->tracker->n; i++)
			n += src->tracker->v[i]->policy == &cfg->policies[p];
		fprintf(f, PFX "tracked_processes{policy=");
		label(f, cfg->policies[p].name);
		fprintf(f, "} %u\n", n);
	}
	head(f, "hot_pages", "gauge",
	     "Pages of the hot sets of a policy's processes placed by region, by tier "
	     "(fast: nodes with CPUs, slow: memory-only nodes).");
	for (size_t p = 0; p < cfg->n_policies; p++) {
		uint64_t hot = 0, fast = 0;

		for (size_t i = 0; i < src->tracker->n; i++) {
			const struct nm_task *t = nm_task_of(src->tracker->v[i]);

			if (t->id.policy == &cfg->policies[p]) {
				hot += t->tier.hot_pages;
				fast += t->tier.hot_fast_pages;
			}
		}
		for (int slow = 0; slow < 2; slow++) {
			fprintf(f, PFX "hot_pages{policy=");
			label(f, cfg->policies[p].name);
			fprintf(f, ",tier=\"%s\"} %" PRIu64 "\n", slow ? "slow" : "fast",
				slow ? hot - fast : fast);
		}
	}
}

static void daemon_facts(FILE *f, const struct nm_metrics_src *src)
{
	head(f, "info", "gauge", "Version and residency source (always 1).");
	fprintf(f, PFX "info{version=");
	label(f, src->version);
	fprintf(f, ",sampler=");
	label(f, src->sampler_source);
	fprintf(f, "} 1\n");
	head(f, "paused", "gauge", "1 while planning is paused.");
	fprintf(f, PFX "paused %d\n", src->paused);
	head(f, "kernel_numa_balancing", "gauge", "kernel.numa_balancing now (-1: unknown).");
	fprintf(f, PFX "kernel_numa_balancing %d\n", src->numa_balancing);
	head(f, "kernel_demotion_enabled", "gauge",
	     "/sys/kernel/mm/numa/demotion_enabled now (-1: unknown).");
	fprintf(f, PFX "kernel_demotion_enabled %d\n", src->demotion_enabled);
	head(f, "uptime_seconds", "gauge", "Time since the daemon started.");
	fprintf(f, PFX "uptime_seconds %.3f\n", src->uptime_s);
	head(f, "cpu_seconds_total", "counter", "The daemon's own CPU time (user + system).");
	fprintf(f, PFX "cpu_seconds_total %.6f\n", src->cpu_s);
	counter(f, "samples_total", "Residency samples taken.", src->sampler.samples);
	counter(f, "samples_lost_total",
		"Samples the kernel dropped (ring full).", src->sampler.lost);
}

int nm_metrics_print(const struct nm_metrics_src *src, FILE *f)
{
	moved(f, src->counters);
	planner(f, src->counters);
	regions(f, src->counters);
	damon(f, src);
	policies(f, src);
	daemon_facts(f, src);
	return ferror(f) ? -EIO : 0;
}

/* Why a metrics directory is unsafe to write into, or NULL. Anyone who
 * may create names in it could make us write, as root, through a name
 * they planted; a root-owned sticky directory (/tmp's kind) is the one
 * shared directory where others cannot rename or remove our files. */
static const char *unsafe_dir(const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return "its directory is not a directory";
	if (!(st->st_mode & (S_IWGRP | S_IWOTH)) || ((st->st_mode & S_ISVTX) && st->st_uid == 0))
		return NULL;
	return "its directory is writable by group or others and is not a root-owned "
	       "sticky directory (make it 0755, or write elsewhere)";
}

static int print(FILE *f, const void *src)
{
	return nm_metrics_print(src, f);
}

int nm_metrics_write(const struct nm_metrics_src *src, const char *path, const char **why)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	struct stat st;
	int dfd, r;

	*why = NULL;
	if (!dir)
		return -ENOMEM;
	dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) < 0)
		r = -errno;
	else if ((*why = unsafe_dir(&st)))
		r = -EPERM;
	else if ((r = nm_replace_file_at(dfd, base, 0644, print, src)) == -EINVAL)
		*why = "the name must be a file name, at most 233 bytes, after the last slash";
	close(dfd);
	return r;
}

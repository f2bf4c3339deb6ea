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
	head(f, "migration_refusals_total", "counter",
	     "Migrations the kernel refused (EPERM, EACCES); the process then backs off.");
	fprintf(f, PFX "migration_refusals_total %" PRIu64 "\n", c->refusals);
	head(f, "migration_seconds_total", "counter", "Time spent inside move_pages calls.");
	fprintf(f, PFX "migration_seconds_total %.6f\n", (double)c->mig_ns / 1e9);
}

static void planner(FILE *f, const struct nm_counters *c)
{
	by_label(f, "decisions_total",
		 "Planner outcomes per process and tick, by reason (moves and skips).", "reason", 1,
		 NM_PLAN_R_COUNT, reason_name, c->reasons);
	head(f, "numa_maps_reads_total", "counter", "Reads of /proc/PID/numa_maps.");
	fprintf(f, PFX "numa_maps_reads_total %" PRIu64 "\n", c->scans);
	head(f, "numa_maps_bytes_total", "counter", "Bytes read from /proc/PID/numa_maps.");
	fprintf(f, PFX "numa_maps_bytes_total %" PRIu64 "\n", c->scan_bytes);
	head(f, "numa_maps_seconds_total", "counter", "Time spent reading numa_maps.");
	fprintf(f, PFX "numa_maps_seconds_total %.6f\n", (double)c->scan_ns / 1e9);
	head(f, "ticks_total", "counter", "Pipeline ticks run.");
	fprintf(f, PFX "ticks_total %" PRIu64 "\n", c->ticks);
}

/* Memory that follows threads: what the writes source cost and moved. */
static void regions(FILE *f, const struct nm_counters *c)
{
	head(f, "softdirty_clears_total", "counter",
	     "Soft-dirty clears (/proc/PID/clear_refs) that opened a write window.");
	fprintf(f, PFX "softdirty_clears_total %" PRIu64 "\n", c->clears);
	head(f, "softdirty_clear_seconds_total", "counter", "Time spent in the clears.");
	fprintf(f, PFX "softdirty_clear_seconds_total %.6f\n", (double)c->clear_ns / 1e9);
	head(f, "softdirty_clear_errors_total", "counter", "Clears the kernel refused.");
	fprintf(f, PFX "softdirty_clear_errors_total %" PRIu64 "\n", c->clear_errors);
	head(f, "induced_faults_total", "counter",
	     "Write faults the clears caused, one per page and window.");
	fprintf(f, PFX "induced_faults_total %" PRIu64 "\n", c->induced_faults);
	head(f, "attribution_budget_waits_total", "counter",
	     "Clears put off because the fault or clear budget was spent.");
	fprintf(f, PFX "attribution_budget_waits_total %" PRIu64 "\n", c->budget_waits);
	head(f, "region_moves_total", "counter", "Region move decisions.");
	fprintf(f, PFX "region_moves_total %" PRIu64 "\n", c->region_moves);
	head(f, "region_pages_migrated_total", "counter", "Pages moved by region decisions.");
	fprintf(f, PFX "region_pages_migrated_total %" PRIu64 "\n", c->region_pages_moved);
	head(f, "promoted_pages_total", "counter",
	     "Pages moved from a memory-only node to a node with CPUs.");
	fprintf(f, PFX "promoted_pages_total %" PRIu64 "\n", c->promoted_pages);
	head(f, "demoted_pages_total", "counter",
	     "Pages moved from a node with CPUs to a memory-only node.");
	fprintf(f, PFX "demoted_pages_total %" PRIu64 "\n", c->demoted_pages);
	head(f, "demotions_total", "counter", "Demotions to a tiering goal handed to the worker.");
	fprintf(f, PFX "demotions_total %" PRIu64 "\n", c->demotions);
	head(f, "pingpong_pages_total", "counter",
	     "Region pages moved between tiers the other way than their last move, within cold_after.");
	fprintf(f, PFX "pingpong_pages_total %" PRIu64 "\n", c->pingpong_pages);
}

/* The DAMON source: whether it is open, what it read and cost. */
static void damon(FILE *f, const struct nm_metrics_src *src)
{
	head(f, "damon_up", "gauge",
	     "1 while DAMON watches reads for tiering, 0 before it is needed, -1 unavailable.");
	fprintf(f, PFX "damon_up %d\n", src->damon_err == 0 ? 1 : src->damon_err == 1 ? 0 : -1);
	head(f, "damon_snapshots_total", "counter", "DAMON snapshots read.");
	fprintf(f, PFX "damon_snapshots_total %" PRIu64 "\n", src->damon.snapshots);
	head(f, "damon_snapshot_errors_total", "counter", "DAMON snapshots that failed.");
	fprintf(f, PFX "damon_snapshot_errors_total %" PRIu64 "\n", src->damon.snapshot_errors);
	head(f, "damon_snapshot_seconds_total", "counter",
	     "Time spent reading DAMON snapshots, waits for its aggregation included.");
	fprintf(f, PFX "damon_snapshot_seconds_total %.6f\n", (double)src->damon.snapshot_ns / 1e9);
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
	head(f, "samples_total", "counter", "Residency samples taken.");
	fprintf(f, PFX "samples_total %" PRIu64 "\n", src->sampler.samples);
	head(f, "samples_lost_total", "counter", "Samples the kernel dropped (ring full).");
	fprintf(f, PFX "samples_lost_total %" PRIu64 "\n", src->sampler.lost);
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

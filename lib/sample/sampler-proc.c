/* sampler-proc: the /proc fallback of the residency sampler. See
 * numamig/sampler.h.
 *
 * Without perf, the kernel still tells per thread how much CPU time it used
 * (utime+stime) and on which CPU it last ran (processor). Read once per
 * tick through the process handle, the time delta is charged to the node
 * of that CPU; the aggregation keeps each thread's previous total and
 * forgets threads that are gone.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "numamig/procparse.h"
#include "sampler-internal.h"
#include "numamig/procfs.h"

/* A task stat line is about 300 bytes; the comm is at most 64. */
#define STAT_MAX 4096

/* Nanoseconds per clock tick: utime and stime count USER_HZ ticks,
 * which is 100 on every Linux architecture's ABI. */
static uint64_t tick_ns(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
}

/* Read one thread's stat and hand it to the aggregation. A thread that
 * exited since the listing is skipped; -ESRCH means the process is gone. */
static int one_thread(struct nm_sampler_agg *a, const struct nm_topology *topo,
		      const struct nm_proc *p, pid_t tid, struct nm_sampler_ring_stats *st)
{
	char path[48], *buf;
	struct nm_stat stat;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "task/%d/stat", (int)tid);
	r = nm_proc_read(p, path, STAT_MAX, &buf, &len);
	/* nm_proc_read says -ESRCH for a dead process, but a reaped thread's
	 * read can fail so too while the process lives on. */
	if (r == -ENOENT || (r == -ESRCH && nm_proc_alive(p)))
		return 0;
	if (r < 0)
		return r;
	st->bytes += len;
	r = nm_stat_parse(buf, len, &stat);
	free(buf);
	if (r < 0) {
		st->bad++;
		return 0;
	}
	st->samples++;
	nm_sampler_agg_thread_time(a, p->pid, tid, stat.starttime,
				   (stat.utime + stat.stime) * tick_ns(), stat.processor,
				   nm_topo_cpu_node(topo, stat.processor));
	return 0;
}

int nm_sampler_proc_collect(struct nm_sampler_agg *a, const struct nm_topology *topo,
			    const struct nm_proc *p, struct nm_sampler_ring_stats *st)
{
	pid_t *tids;
	int n, r;

	r = nm_sampler_agg_pass_begin(a, p->pid);
	if (r != 0)
		return r < 0 ? r : 0; /* 1: already read this tick */
	n = nm_proc_tids(p, &tids);
	if (n < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++)
		r = one_thread(a, topo, p, tids[i], st);
	free(tids);
	/* An unfinished pass would make unread threads look gone. */
	if (r == 0)
		nm_sampler_agg_pass_end(a, p->pid);
	return r;
}

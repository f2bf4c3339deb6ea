/* sampler-agg: per-process, per-thread CPU time per node for one tick.
 * See numamig/sampler.h.
 *
 * perf samples arrive for every process on the machine, keyed by tgid and
 * tid, so lookups are hashed: one table of processes by pid, one of
 * threads by tid (a sample lands on its thread in O(1) however many threads
 * a process has), each thread linked into its process's list for queries
 * and sweeps. Thread state that must outlive a tick (last CPU, for counting
 * moves; proc's cumulative time, for deltas) sits next to the per-tick
 * figures, which nm_sampler_agg_end_tick() zeroes.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sampler-internal.h"

struct entry;

struct thread {
	struct nm_sampler_hlink link; /* key: tid; first, so tables can cast */
	struct thread *next;      /* in owner's list */
	struct entry *owner;
	int last_cpu, last_node;  /* -1 until known */
	uint64_t last_time;       /* perf: latest sample; proc: tick it last ran */
	uint64_t seen_tick;       /* for forgetting */
	uint64_t seen_pass;       /* proc: pass that last listed it */
	uint64_t cpu_ns;          /* proc: utime+stime at the last pass */
	uint64_t start;           /* proc: starttime, tells a reused tid apart */
	uint64_t samples;         /* this tick */
	unsigned node_changes, cpu_changes; /* this tick */
	uint64_t ns[];            /* [nr_nodes], this tick */
};

struct entry {
	struct nm_sampler_hlink link; /* key: tgid; first, so tables can cast */
	struct thread *threads;
	uint64_t touched;         /* tick of creation or of the last query */
	uint64_t collected;       /* proc: tick of the last pass, 0 for none */
	uint64_t pass;            /* proc: id of its current pass */
	bool baseline;            /* proc: a pass has run, so new threads are new */
	int last_node;            /* kept across ticks when nothing ran */
	/* perf: the node of every sample of the process since tail_since
	 * (all its threads': -1 none yet), its latest sample and the time
	 * one sample stands for. */
	int tail_node;
	uint64_t tail_since, tail_last, tail_period;
};

struct nm_sampler_agg {
	int nr_nodes;
	uint64_t tick;            /* starts at 1 */
	uint64_t passes;
	struct nm_sampler_htab pids, tids;
	uint64_t dropped;
};

/* ---- processes and threads -------------------------------------------- */

struct nm_sampler_agg *nm_sampler_agg_new(int nr_nodes)
{
	struct nm_sampler_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->nr_nodes = nr_nodes;
	a->tick = 1;
	if (nm_sampler_ht_init(&a->pids, 64) < 0 || nm_sampler_ht_init(&a->tids, 256) < 0) {
		nm_sampler_agg_free(a);
		return NULL;
	}
	return a;
}

static void thread_reset(struct nm_sampler_agg *a, struct thread *t)
{
	struct nm_sampler_hlink link = t->link;
	struct entry *owner = t->owner;
	struct thread *next = t->next;

	memset(t, 0, sizeof(*t) + sizeof(uint64_t) * (size_t)a->nr_nodes);
	t->link = link;
	t->owner = owner;
	t->next = next;
	t->last_cpu = t->last_node = -1;
}

/* Unlink T from its owner's list. */
static void thread_detach(struct thread *t)
{
	struct thread **pp = &t->owner->threads;

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	t->next = NULL;
	t->owner = NULL;
}

static void thread_attach(struct thread *t, struct entry *e)
{
	t->owner = e;
	t->next = e->threads;
	e->threads = t;
}

static void thread_free(struct nm_sampler_agg *a, struct thread *t)
{
	nm_sampler_ht_del(&a->tids, &t->link);
	free(t);
}

static void entry_free(struct nm_sampler_agg *a, struct entry *e)
{
	for (struct thread *t = e->threads, *next; t; t = next) {
		next = t->next;
		thread_free(a, t);
	}
	nm_sampler_ht_del(&a->pids, &e->link);
	free(e);
}

void nm_sampler_agg_free(struct nm_sampler_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; a->pids.b && i <= a->pids.mask; i++)
		while (a->pids.b[i])
			entry_free(a, (struct entry *)a->pids.b[i]);
	nm_sampler_ht_fini(&a->pids);
	nm_sampler_ht_fini(&a->tids);
	free(a);
}

static struct entry *entry_get(struct nm_sampler_agg *a, pid_t pid)
{
	struct entry *e = (struct entry *)nm_sampler_ht_find(&a->pids, pid);

	if (e || a->pids.n >= NM_SAMPLER_MAX_PIDS)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->link.key = pid;
	e->touched = a->tick;
	e->last_node = e->tail_node = -1;
	nm_sampler_ht_add(&a->pids, &e->link);
	return e;
}

/* The thread TID of process PID, created (or taken over from a process
 * that had the tid before) as needed; NULL when the tables are full. */
static struct thread *thread_get(struct nm_sampler_agg *a, pid_t pid, pid_t tid)
{
	struct entry *e = entry_get(a, pid);
	struct thread *t;

	if (!e)
		return NULL;
	t = (struct thread *)nm_sampler_ht_find(&a->tids, tid);
	if (t && t->owner == e)
		return t;
	if (t) {
		thread_detach(t); /* the tid was reused by another process */
		thread_reset(a, t);
	} else {
		if (a->tids.n >= NM_SAMPLER_MAX_THREADS)
			return NULL;
		t = malloc(sizeof(*t) + sizeof(uint64_t) * (size_t)a->nr_nodes);
		if (!t)
			return NULL;
		t->link.key = tid;
		t->owner = NULL;
		t->next = NULL;
		thread_reset(a, t);
		nm_sampler_ht_add(&a->tids, &t->link);
	}
	thread_attach(t, e);
	return t;
}

/* Record that T is now on CPU/NODE, counting a move from where it was. */
static void thread_moved(struct thread *t, int cpu, int node)
{
	if (t->last_cpu >= 0 && t->last_cpu != cpu)
		t->cpu_changes++;
	if (t->last_node >= 0 && t->last_node != node)
		t->node_changes++;
	t->last_cpu = cpu;
	t->last_node = node;
}

/* ---- perf and replay samples ------------------------------------------ */

static int by_time(const void *x, const void *y)
{
	const struct nm_sample *a = x, *b = y;

	if (a->time_ns != b->time_ns)
		return a->time_ns < b->time_ns ? -1 : 1;
	return (a->cpu > b->cpu) - (a->cpu < b->cpu);
}

/* A sample of process E on NODE at TIME: the tail goes on, or starts
 * over on another node. */
static void tail_add(struct entry *e, int node, uint64_t time, uint64_t period)
{
	if (time < e->tail_last)
		return; /* a clock step: not a move */
	if (node != e->tail_node) {
		e->tail_node = node;
		e->tail_since = time;
	}
	e->tail_last = time;
	e->tail_period = period;
}

static void add_sample(struct nm_sampler_agg *a, const struct nm_sample *smp, int node,
		       uint64_t ns)
{
	struct thread *t = node >= 0 && node < a->nr_nodes ?
			   thread_get(a, smp->pid, smp->tid) : NULL;

	if (!t) {
		a->dropped++;
		return;
	}
	/* Samples are in time order within a drain, and drains follow each
	 * other; an older one would be a clock step, not a move. */
	if (smp->time_ns >= t->last_time) {
		thread_moved(t, smp->cpu, node);
		t->last_time = smp->time_ns;
	}
	tail_add(t->owner, node, smp->time_ns, ns);
	t->ns[node] += ns;
	t->samples++;
	t->seen_tick = a->tick;
}

void nm_sampler_agg_samples(struct nm_sampler_agg *a, const struct nm_topology *topo,
			    struct nm_sample *v, size_t n, uint64_t period_ns)
{
	/* Each CPU's ring is in time order but the rings are read one after
	 * the other: a thread's moves only show once they are merged. (No
	 * samples may come with no buffer at all.) */
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), by_time);
	for (size_t i = 0; i < n; i++)
		add_sample(a, &v[i], nm_topo_cpu_node(topo, v[i].cpu), period_ns);
}

/* ---- proc passes -------------------------------------------------------- */

int nm_sampler_agg_pass_begin(struct nm_sampler_agg *a, pid_t pid)
{
	struct entry *e = entry_get(a, pid);

	if (!e)
		return -ENOMEM;
	if (e->collected == a->tick)
		return 1;
	e->pass = ++a->passes;
	return 0;
}

void nm_sampler_agg_thread_time(struct nm_sampler_agg *a, pid_t pid, pid_t tid,
				uint64_t start, uint64_t cpu_ns, int cpu, int node)
{
	struct thread *t = thread_get(a, pid, tid);
	uint64_t delta;

	if (!t) {
		a->dropped++;
		return;
	}
	if (t->seen_pass && t->start == start) {
		delta = cpu_ns > t->cpu_ns ? cpu_ns - t->cpu_ns : 0;
	} else {
		/* New to us: a thread born since the last pass ran all of
		 * its time in this tick; on the first pass it is a baseline. */
		if (t->seen_pass)
			thread_reset(a, t); /* a reused tid */
		delta = t->owner->baseline ? cpu_ns : 0;
	}
	thread_moved(t, cpu, node);
	t->cpu_ns = cpu_ns;
	t->start = start;
	t->seen_pass = t->owner->pass;
	t->seen_tick = a->tick;
	t->samples++;
	if (delta && node >= 0 && node < a->nr_nodes) {
		t->ns[node] += delta;
		t->last_time = a->tick;
	} else if (delta) {
		a->dropped++;
	}
}

void nm_sampler_agg_pass_end(struct nm_sampler_agg *a, pid_t pid)
{
	struct entry *e = (struct entry *)nm_sampler_ht_find(&a->pids, pid);
	struct thread **pp;

	if (!e)
		return;
	for (pp = &e->threads; *pp;) {
		struct thread *t = *pp;

		if (t->seen_pass == e->pass) {
			pp = &t->next;
			continue;
		}
		*pp = t->next; /* the thread has exited */
		thread_free(a, t);
	}
	e->baseline = true;
	e->collected = a->tick;
}

/* ---- queries and ticks ------------------------------------------------ */

static int fill_alloc(struct nm_residency *out, int nr_nodes, size_t nr_threads)
{
	uint64_t *ns = realloc(out->node_ns, sizeof(*ns) * (size_t)nr_nodes);
	struct nm_thread_residency *th;

	if (!ns)
		return -ENOMEM;
	out->node_ns = ns;
	th = realloc(out->threads, sizeof(*th) * (nr_threads ? nr_threads : 1));
	if (!th)
		return -ENOMEM;
	out->threads = th;
	memset(ns, 0, sizeof(*ns) * (size_t)nr_nodes);
	return 0;
}

/* The node T ran on most this tick, -1 if it did not run; its time in *NS. */
static int thread_top_node(const struct thread *t, int nr_nodes, uint64_t *ns)
{
	int top = -1;

	*ns = 0;
	for (int n = 0; n < nr_nodes; n++) {
		*ns += t->ns[n];
		if (t->ns[n] && (top < 0 || t->ns[n] > t->ns[top]))
			top = n;
	}
	return top;
}

/* Which thread tells where process PID ran last: the latest to run, then
 * the one that ran most this tick, then the main thread, then the lowest tid. */
static bool more_recent(const struct thread *t, uint64_t t_ns,
			const struct thread *best, uint64_t best_ns, pid_t pid)
{
	if (!best)
		return true;
	if (t->last_time != best->last_time)
		return t->last_time > best->last_time;
	if (t_ns != best_ns)
		return t_ns > best_ns;
	if ((t->link.key == pid) != (best->link.key == pid))
		return t->link.key == pid;
	return t->link.key < best->link.key;
}

static int by_tid(const void *x, const void *y)
{
	const struct nm_thread_residency *a = x, *b = y;

	return (a->tid > b->tid) - (a->tid < b->tid);
}

static void fill_threads(struct nm_sampler_agg *a, struct entry *e, struct nm_residency *out)
{
	const struct thread *best = NULL;
	uint64_t best_ns = 0;

	for (const struct thread *t = e->threads; t; t = t->next) {
		struct nm_thread_residency *r = &out->threads[out->nr_threads++];

		r->tid = t->link.key;
		r->node = thread_top_node(t, a->nr_nodes, &r->ns);
		r->last_node = t->last_node;
		for (int n = 0; n < a->nr_nodes; n++)
			out->node_ns[n] += t->ns[n];
		out->total_ns += r->ns;
		out->samples += t->samples;
		out->node_changes += t->node_changes;
		out->cpu_changes += t->cpu_changes;
		if (t->last_node >= 0 && more_recent(t, r->ns, best, best_ns, e->link.key)) {
			best = t;
			best_ns = r->ns;
		}
	}
	if (best)
		e->last_node = best->last_node;
	out->last_node = e->last_node;
	qsort(out->threads, out->nr_threads, sizeof(*out->threads), by_tid);
}

int nm_sampler_agg_fill(struct nm_sampler_agg *a, pid_t pid, struct nm_residency *out)
{
	/* Created if absent, so that a queried process keeps its last node
	 * across ticks in which it did not run. */
	struct entry *e = entry_get(a, pid);
	size_t n = 0;
	int r;

	if (e)
		for (const struct thread *t = e->threads; t; t = t->next)
			n++;
	r = fill_alloc(out, a->nr_nodes, n);
	if (r < 0)
		return r;
	out->pid = pid;
	out->nr_nodes = a->nr_nodes;
	out->total_ns = out->samples = 0;
	out->node_changes = out->cpu_changes = 0;
	out->nr_threads = 0;
	out->last_node = out->tail_node = -1;
	out->tail_ns = 0;
	if (e) {
		e->touched = a->tick;
		fill_threads(a, e, out);
		if (e->tail_node >= 0) {
			out->tail_node = e->tail_node;
			out->tail_ns = e->tail_last - e->tail_since + e->tail_period;
		}
	}
	return 0;
}

static void thread_new_tick(struct nm_sampler_agg *a, struct thread *t)
{
	memset(t->ns, 0, sizeof(uint64_t) * (size_t)a->nr_nodes);
	t->samples = 0;
	t->node_changes = t->cpu_changes = 0;
}

/* Forget E's threads unseen for NM_SAMPLER_FORGET_TICKS; zero the rest. */
static void entry_new_tick(struct nm_sampler_agg *a, struct entry *e)
{
	struct thread **pp = &e->threads;

	while (*pp) {
		struct thread *t = *pp;

		if (a->tick - t->seen_tick >= NM_SAMPLER_FORGET_TICKS) {
			*pp = t->next;
			thread_free(a, t);
			continue;
		}
		thread_new_tick(a, t);
		pp = &t->next;
	}
}

void nm_sampler_agg_end_tick(struct nm_sampler_agg *a)
{
	for (size_t i = 0; i <= a->pids.mask; i++) {
		for (struct nm_sampler_hlink *l = a->pids.b[i], *next; l; l = next) {
			struct entry *e = (struct entry *)l;

			next = l->next;
			if (a->tick - e->touched >= NM_SAMPLER_FORGET_TICKS)
				entry_free(a, e);
			else
				entry_new_tick(a, e);
		}
	}
	a->tick++;
}

void nm_sampler_agg_stats(const struct nm_sampler_agg *a, struct nm_sampler_stats *st)
{
	st->pids = a->pids.n;
	st->threads = a->tids.n;
	st->dropped += a->dropped;
}

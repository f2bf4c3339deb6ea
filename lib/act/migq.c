/* migq: the migrator's worker threads. See numamig/migq.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "numamig/migq.h"
#include "numamig/set.h"

struct nm_migq {
	const struct nm_mig_sys *sys;
	pthread_t threads[NM_MIGQ_MAX_WORKERS];
	unsigned nr_threads;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct nm_mig_work *todo, *done; /* FIFO heads */
	const struct nm_topology *topo; /* for each node's CPUs; NULL: no pinning */
	int efd;
	bool stopping;
	int raise;                      /* nice steps below a worker's own */
	uint64_t priority_errors;       /* raises the kernel refused */
	int priority_errno;             /* the last one's */
};

/* A worker's nice values: its own (inherited from the daemon), and the
 * one it last asked for. */
struct prio {
	int base, tried;
};

static void append(struct nm_mig_work **head, struct nm_mig_work *work)
{
	work->next = NULL;
	while (*head)
		head = &(*head)->next;
	*head = work;
}

/* The node an item moves memory to, or -1 (a custom item, a direct move
 * to several nodes). */
static int work_target(const struct nm_mig_work *work)
{
	if (work->run)
		return -1;
	if (!work->direct)
		return work->req.target;
	return numa_bitmask_weight(work->to) == 1 ? nm_set_next(work->to, 0) : -1;
}

/* Run on the target node's CPUs, within the daemon's own CPU mask: the
 * task whose memory this is runs there, so the kernel's per-page TLB
 * shootdowns stay on that node (none at all while the worker holds the
 * task's CPU), and the copy writes node-local memory. A node without
 * CPUs (a CXL expander), or none of them allowed, leaves ALLOWED. */
static bool pin_to(const struct nm_migq *q, int node, const cpu_set_t *allowed)
{
	const struct bitmask *cpus;
	cpu_set_t set;

	if (!q->topo || node < 0 || node > q->topo->max_node || !(cpus = q->topo->node_cpus[node]))
		return false;
	CPU_ZERO(&set);
	for (int c = nm_set_next(cpus, 0); c >= 0 && c < CPU_SETSIZE; c = nm_set_next(cpus, c + 1))
		if (CPU_ISSET(c, allowed))
			CPU_SET(c, &set);
	return CPU_COUNT(&set) > 0 &&
	       pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

/* Run at RAISE nice steps below the worker's own (at most -20) while
 * moving: the worker shares a CPU with the task whose memory it moves
 * (pinned to the target node's, or, for a process's regions, any CPU its
 * threads keep busy), and at the same nice value it gets half of it, so
 * the task runs on remote memory twice as long (kernel balancing
 * migrates in the faulting task's own time). Asked
 * once per setting; a refusal (no CAP_SYS_NICE, RLIMIT_NICE) is counted
 * and left in the item, which then runs at the worker's own. */
static void set_priority(struct nm_migq *q, struct prio *p, int raise, struct nm_mig_work *work)
{
	int want = p->base - raise < -20 ? -20 : p->base - raise;

	work->prio_errno = 0;
	if (want == p->tried)
		return;
	p->tried = want;
	if (setpriority(PRIO_PROCESS, 0, want) == 0) /* 0: this thread (Linux) */
		return;
	work->prio_errno = errno;
	pthread_mutex_lock(&q->lock);
	q->priority_errors++;
	q->priority_errno = errno;
	pthread_mutex_unlock(&q->lock);
}

static void run(const struct nm_migq *q, struct nm_mig_work *work, const cpu_set_t *allowed)
{
	const struct nm_mig_sys *sys = q->sys;
	bool pinned = pin_to(q, work_target(work), allowed);

	if (work->run)
		work->run(work, sys);
	else if (work->direct)
		work->err = nm_mig_direct(sys, work->req.proc, work->from, work->to,
					 work->req.max_mapcount, &work->res);
	else
		work->err = nm_mig_lazy(sys, &work->req, &work->res);
	if (pinned)
		pthread_setaffinity_np(pthread_self(), sizeof(*allowed), allowed);
}

static void finish(struct nm_migq *q, struct nm_mig_work *work)
{
	uint64_t one = 1;

	pthread_mutex_lock(&q->lock);
	append(&q->done, work);
	pthread_mutex_unlock(&q->lock);
	/* The counter only ever needs to be nonzero; EAGAIN at the 2^64 cap
	 * cannot happen before the reader drains it. */
	if (write(q->efd, &one, sizeof(one)) < 0)
		return; /* nonblocking: cannot fail short of the cap */
}

static void *worker(void *arg)
{
	struct nm_migq *q = arg;
	cpu_set_t allowed;
	struct prio prio;

	/* The mask the daemon was started with (CPUAffinity=, a cpuset):
	 * items are pinned inside it and it is restored after each. */
	if (pthread_getaffinity_np(pthread_self(), sizeof(allowed), &allowed) != 0)
		CPU_ZERO(&allowed);
	errno = 0;
	prio.base = getpriority(PRIO_PROCESS, 0);
	if (prio.base == -1 && errno)
		prio.base = 0;
	prio.tried = prio.base;
	for (;;) {
		struct nm_mig_work *work;
		int raise;

		pthread_mutex_lock(&q->lock);
		while (!q->todo && !q->stopping)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stopping) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		work = q->todo;
		q->todo = work->next;
		raise = q->raise;
		pthread_mutex_unlock(&q->lock);
		set_priority(q, &prio, raise, work);
		run(q, work, &allowed);
		finish(q, work);
	}
}

int nm_migq_start(const struct nm_mig_sys *sys, unsigned workers, const struct nm_topology *topo,
		  struct nm_migq **out)
{
	struct nm_migq *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	q->sys = sys;
	q->topo = topo;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = q->efd < 0 ? -errno : 0;
	workers = workers < 1 ? 1 : workers > NM_MIGQ_MAX_WORKERS ? NM_MIGQ_MAX_WORKERS : workers;
	while (r == 0 && q->nr_threads < workers) {
		r = -pthread_create(&q->threads[q->nr_threads], NULL, worker, q);
		q->nr_threads += r == 0;
	}
	/* Fewer workers than asked (a thread limit) still work; none do not. */
	if (q->nr_threads == 0) {
		nm_migq_free(q);
		return r;
	}
	*out = q;
	return 0;
}

void nm_migq_stop(struct nm_migq *q)
{
	struct nm_mig_work *work;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->lock);
	/* Work items in progress stop before their next call, not at their end. */
	nm_mig_set_stopping(true);
	for (unsigned i = 0; i < q->nr_threads; i++)
		pthread_join(q->threads[i], NULL);
	nm_mig_set_stopping(false);
	while ((work = q->todo)) {
		q->todo = work->next;
		work->err = -ECANCELED;
		append(&q->done, work);
	}
}

void nm_migq_free(struct nm_migq *q)
{
	if (!q)
		return;
	if (q->efd >= 0)
		close(q->efd);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	free(q);
}

void nm_migq_set_raise(struct nm_migq *q, int raise)
{
	pthread_mutex_lock(&q->lock);
	q->raise = raise < 0 ? 0 : raise;
	pthread_mutex_unlock(&q->lock);
}

uint64_t nm_migq_priority_errors(struct nm_migq *q, int *last_errno)
{
	uint64_t n;

	pthread_mutex_lock(&q->lock);
	n = q->priority_errors;
	*last_errno = q->priority_errno;
	pthread_mutex_unlock(&q->lock);
	return n;
}

int nm_migq_fd(const struct nm_migq *q)
{
	return q->efd;
}

void nm_migq_submit(struct nm_migq *q, struct nm_mig_work *work)
{
	pthread_mutex_lock(&q->lock);
	append(&q->todo, work);
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
}

struct nm_mig_work *nm_migq_done(struct nm_migq *q)
{
	struct nm_mig_work *list;
	uint64_t n;
	ssize_t r;

	/* EAGAIN (nothing signalled) is fine: look anyway, as after a stop. */
	r = read(q->efd, &n, sizeof(n));
	(void)r;
	pthread_mutex_lock(&q->lock);
	list = q->done;
	q->done = NULL;
	pthread_mutex_unlock(&q->lock);
	return list;
}
